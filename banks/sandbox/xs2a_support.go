package sandbox

// What the Berlin Group (XS2A) face of the sandbox, banks/sandbox/bgapi,
// needs beyond the banks interfaces: finding an account by its IBAN, and
// IBANs for saved payees and billers, which the sandbox otherwise knows
// only by their last four digits.

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/binary"
	"errors"
	"fmt"
	"math/big"
	"strings"

	"github.com/kontoskill/konto/banks"
)

// Recipient is a saved payee or biller with the account number the
// sandbox gives it.
type Recipient struct {
	ID       string
	Name     string
	LastFour string
	IBAN     string
	// Biller is set for billers; Kind is then the biller's kind.
	Biller bool
	Kind   string
}

// RecipientAccounts lists a customer's saved payees, then billers, each
// with a stable IBAN (see RecipientIBAN). Errors: NotLinked, Unavailable.
func (b *Bank) RecipientAccounts(ctx context.Context, u banks.User) ([]Recipient, error) {
	payees, err := b.Payees(ctx, u)
	if err != nil {
		return nil, err
	}
	billers, err := b.Billers(ctx, u)
	if err != nil {
		return nil, err
	}
	out := make([]Recipient, 0, len(payees)+len(billers))
	for _, p := range payees {
		out = append(out, Recipient{ID: p.ID, Name: p.Name, LastFour: p.LastFour, IBAN: RecipientIBAN(u.Customer, p.ID, p.LastFour)})
	}
	for _, x := range billers {
		out = append(out, Recipient{ID: x.ID, Name: x.Name, LastFour: x.LastFour, Kind: x.Kind, Biller: true,
			IBAN: RecipientIBAN(u.Customer, x.ID, x.LastFour)})
	}
	return out, nil
}

// recipientBankCode is the German bank code of the recipients' IBANs (the
// one the Berlin Group specification's own examples use).
const recipientBankCode = "10010010"

// RecipientIBAN is the IBAN of a customer's saved payee or biller: a valid
// German IBAN whose account number ends in the recipient's last four
// digits, the same for every run and database.
func RecipientIBAN(customer, id, last4 string) string {
	h := sha256.Sum256([]byte("sandbox-recipient-iban\x00" + customer + "\x00" + id))
	digits := fmt.Sprintf("%06d", binary.BigEndian.Uint32(h[:4])%1000000)
	tail := strings.Map(func(r rune) rune {
		if r >= '0' && r <= '9' {
			return r
		}
		return -1
	}, last4)
	tail = (strings.Repeat("0", 4) + tail)
	tail = tail[len(tail)-4:]
	return IBAN("DE", recipientBankCode+digits+tail)
}

// IBAN builds an IBAN from a country code and a BBAN, computing the
// ISO 13616 check digits (98 minus the mod-97 remainder).
func IBAN(country, bban string) string {
	var num strings.Builder
	for _, r := range strings.ToUpper(bban + country + "00") {
		switch {
		case r >= '0' && r <= '9':
			num.WriteRune(r)
		case r >= 'A' && r <= 'Z':
			fmt.Fprintf(&num, "%d", r-'A'+10)
		}
	}
	n, _ := new(big.Int).SetString(num.String(), 10)
	rem := new(big.Int).Mod(n, big.NewInt(97)).Int64()
	return fmt.Sprintf("%s%02d%s", strings.ToUpper(country), 98-rem, bban)
}

// AccountHolder finds the open account with a number (an IBAN for the
// German customers) and the customer who holds it. Errors: NotFound,
// Unavailable.
func (b *Bank) AccountHolder(ctx context.Context, number string) (banks.User, string, error) {
	const op = "sandbox.AccountHolder"
	var u banks.User
	var id string
	err := b.db.QueryRowContext(ctx, `SELECT a.id, c.id, c.locale FROM accounts a JOIN customers c ON c.id = a.customer_id
		WHERE a.number = ? AND a.status != 'closed'`, strings.ToUpper(strings.ReplaceAll(number, " ", ""))).Scan(&id, &u.Customer, &u.Locale)
	if errors.Is(err, sql.ErrNoRows) {
		return banks.User{}, "", banks.Errorf(op, banks.NotFound, "no account with that number")
	}
	if err != nil {
		return banks.User{}, "", banks.E(op, banks.Unavailable, err)
	}
	u.Bank = Name
	return u, id, nil
}
