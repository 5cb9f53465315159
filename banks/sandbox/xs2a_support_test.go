package sandbox_test

import (
	"context"
	"errors"
	"math/big"
	"strings"
	"testing"

	"github.com/kontoskill/konto/banks"
	"github.com/kontoskill/konto/banks/sandbox"
)

// ibanValid checks ISO 13616: the rearranged IBAN is 1 mod 97.
func ibanValid(iban string) bool {
	if len(iban) < 15 {
		return false
	}
	var num strings.Builder
	for _, r := range iban[4:] + iban[:4] {
		switch {
		case r >= '0' && r <= '9':
			num.WriteRune(r)
		case r >= 'A' && r <= 'Z':
			num.WriteString(big.NewInt(int64(r - 'A' + 10)).String())
		default:
			return false
		}
	}
	n, ok := new(big.Int).SetString(num.String(), 10)
	return ok && new(big.Int).Mod(n, big.NewInt(97)).Int64() == 1
}

func TestXS2ASupport(t *testing.T) {
	b := seeded(t, 0)
	ctx := context.Background()
	jonas := user(t, b, "jonas")
	for _, kind := range []string{"checking", "savings", "credit_card"} {
		n, err := b.AccountNumber(ctx, jonas, "jonas-"+kind)
		if err != nil || !ibanValid(n) {
			t.Fatalf("jonas's %s: %q, %v", kind, n, err)
		}
		// IBAN computes the same check digits as the seed.
		if got := sandbox.IBAN("DE", n[4:]); got != n {
			t.Errorf("IBAN(DE, %s) = %s, want %s", n[4:], got, n)
		}
		u, id, err := b.AccountHolder(ctx, strings.ToLower(n[:2])+n[2:])
		if err != nil || u.Customer != "jonas" || u.Locale != "de-DE" || id != "jonas-"+kind {
			t.Errorf("AccountHolder(%s) = %+v, %q, %v", n, u, id, err)
		}
	}
	if _, _, err := b.AccountHolder(ctx, "DE89370400440532013000"); !errors.Is(err, banks.KindError(banks.NotFound)) {
		t.Errorf("AccountHolder(a stranger's IBAN): %v", err)
	}
	rs, err := b.RecipientAccounts(ctx, jonas)
	if err != nil || len(rs) != 6 {
		t.Fatalf("RecipientAccounts = %+v, %v", rs, err)
	}
	seen := map[string]bool{}
	for _, r := range rs {
		if !ibanValid(r.IBAN) || !strings.HasSuffix(r.IBAN, r.LastFour) || seen[r.IBAN] {
			t.Errorf("recipient %+v", r)
		}
		seen[r.IBAN] = true
		if r.IBAN != sandbox.RecipientIBAN("jonas", r.ID, r.LastFour) {
			t.Errorf("recipient %s's IBAN is not stable", r.ID)
		}
	}
	if first, last := rs[0], rs[len(rs)-1]; first.Biller || first.Name != "Anna Becker" || !last.Biller || last.Kind != "internet" {
		t.Errorf("payees first, then billers: %+v", rs)
	}
	if _, err := b.RecipientAccounts(ctx, banks.User{}); !errors.Is(err, banks.KindError(banks.NotLinked)) {
		t.Errorf("RecipientAccounts(nobody): %v", err)
	}
}
