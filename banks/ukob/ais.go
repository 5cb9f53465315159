package ukob

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"golang.org/x/oauth2"

	"github.com/kontoskill/konto/banks"
)

// broken turns a payload the connector cannot read into an error of
// kind Unavailable: the bank answered, but not in the standard's terms.
func broken(op string, err error) error {
	if errors.Is(err, errMalformed) {
		return banks.E(op, banks.Unavailable, err)
	}
	return err
}

// listAccounts reads the customer's accounts.
func (c *Client) listAccounts(ctx context.Context, op string, ts oauth2.TokenSource) ([]obAccount, error) {
	var out []obAccount
	err := c.pages(ctx, op, ts, endpoint(c.accounts, "accounts"), func(data json.RawMessage) error {
		var d struct{ Account []obAccount }
		if err := json.Unmarshal(data, &d); err != nil {
			return banks.E(op, banks.Unavailable, malformed("accounts: %v", err))
		}
		out = append(out, d.Account...)
		return nil
	})
	return out, err
}

// getAccount reads one account. Errors: NotFound for an account that is
// not the customer's.
func (c *Client) getAccount(ctx context.Context, op string, ts oauth2.TokenSource, id string) (obAccount, error) {
	var p page
	if err := c.do(ctx, request{op: op, method: http.MethodGet, url: endpoint(c.accounts, "accounts", id), tokens: ts}, &p); err != nil {
		return obAccount{}, err
	}
	var d struct{ Account []obAccount }
	if err := json.Unmarshal(p.Data, &d); err != nil {
		return obAccount{}, banks.E(op, banks.Unavailable, malformed("account: %v", err))
	}
	for _, a := range d.Account {
		if a.AccountID == id {
			return a, nil
		}
	}
	return obAccount{}, banks.Errorf(op, banks.NotFound, "no account %q", id)
}

func (c *Client) balances(ctx context.Context, op string, ts oauth2.TokenSource, id, currency string) (banks.Balance, banks.Money, error) {
	var p page
	if err := c.do(ctx, request{op: op, method: http.MethodGet, url: endpoint(c.accounts, "accounts", id, "balances"), tokens: ts}, &p); err != nil {
		return banks.Balance{}, banks.Money{}, err
	}
	var d struct{ Balance []obBalance }
	if err := json.Unmarshal(p.Data, &d); err != nil {
		return banks.Balance{}, banks.Money{}, banks.E(op, banks.Unavailable, malformed("balances: %v", err))
	}
	b, limit, err := balance(id, currency, d.Balance)
	return b, limit, broken(op, err)
}

// Accounts implements banks.Connector; a card's credit limit comes from
// its balances' credit line. Errors: NotLinked, ConsentExpired, Unavailable.
func (c *Client) Accounts(ctx context.Context, u banks.User) ([]banks.Account, error) {
	const op = "ukob.Accounts"
	ts, err := c.user(ctx, op, u)
	if err != nil {
		return nil, err
	}
	list, err := c.listAccounts(ctx, op, ts)
	if err != nil {
		return nil, err
	}
	out := make([]banks.Account, 0, len(list))
	for _, a := range list {
		acc, err := a.account()
		if err != nil {
			return nil, broken(op, err)
		}
		if acc.Kind == banks.CreditCard {
			_, limit, err := c.balances(ctx, op, ts, acc.ID, acc.Currency)
			if err != nil {
				return nil, err
			}
			acc.CreditLimit = limit
		}
		acc.CreditLimit.Currency = acc.Currency
		out = append(out, acc)
	}
	return out, nil
}

// Balance implements banks.Connector: the interim (else closing) booked
// and available balances. Errors: NotFound, NotLinked, ConsentExpired, Unavailable.
func (c *Client) Balance(ctx context.Context, u banks.User, accountID string) (banks.Balance, error) {
	const op = "ukob.Balance"
	ts, err := c.user(ctx, op, u)
	if err != nil {
		return banks.Balance{}, err
	}
	a, err := c.getAccount(ctx, op, ts, accountID)
	if err != nil {
		return banks.Balance{}, err
	}
	if !currencyRe.MatchString(a.Currency) {
		return banks.Balance{}, banks.E(op, banks.Unavailable, malformed("currency %q is not an ISO 4217 code", a.Currency))
	}
	b, _, err := c.balances(ctx, op, ts, accountID, a.Currency)
	return b, err
}

// datePad widens the booking window sent to the bank: the standard has
// banks ignore the time zone of fromBookingDateTime and toBookingDateTime,
// so the exact window is applied here.
const datePad = 24 * time.Hour

// Transactions implements banks.Connector, following Links.Next; the
// filter's window is exact (From <= t < To) whatever the bank's time zone.
// Errors: NotFound, Invalid, NotLinked, ConsentExpired, Unavailable.
func (c *Client) Transactions(ctx context.Context, u banks.User, f banks.TxFilter) ([]banks.Transaction, error) {
	const op = "ukob.Transactions"
	if f.Limit < 0 || (!f.From.IsZero() && !f.To.IsZero() && f.To.Before(f.From)) {
		return nil, banks.Errorf(op, banks.Invalid, "bad filter")
	}
	ts, err := c.user(ctx, op, u)
	if err != nil {
		return nil, err
	}
	var accts []obAccount
	if f.AccountID != "" {
		a, err := c.getAccount(ctx, op, ts, f.AccountID)
		if err != nil {
			return nil, err
		}
		accts = []obAccount{a}
	} else if accts, err = c.listAccounts(ctx, op, ts); err != nil {
		return nil, err
	}
	q := url.Values{}
	if !f.From.IsZero() {
		q.Set("fromBookingDateTime", f.From.Add(-datePad).UTC().Format(time.RFC3339))
	}
	if !f.To.IsZero() {
		q.Set("toBookingDateTime", f.To.Add(datePad).UTC().Format(time.RFC3339))
	}
	statuses := f.Statuses
	if len(statuses) == 0 {
		statuses = []banks.TxStatus{banks.Booked, banks.Pending}
	}
	merchant := merchantKey(f.Merchant)
	var out []banks.Transaction
	for _, a := range accts {
		if !currencyRe.MatchString(a.Currency) {
			return nil, banks.E(op, banks.Unavailable, malformed("account %s: currency %q", a.AccountID, a.Currency))
		}
		first := endpoint(c.accounts, "accounts", a.AccountID, "transactions")
		if len(q) > 0 {
			first += "?" + q.Encode()
		}
		err := c.pages(ctx, op, ts, first, func(data json.RawMessage) error {
			var d struct{ Transaction []obTransaction }
			if err := json.Unmarshal(data, &d); err != nil {
				return banks.E(op, banks.Unavailable, malformed("transactions: %v", err))
			}
			for _, t := range d.Transaction {
				if t.AccountID != "" && t.AccountID != a.AccountID {
					return banks.Errorf(op, banks.Unavailable, "the bank listed account %s's transaction under %s", t.AccountID, a.AccountID)
				}
				tx, ok, err := t.transaction(a.AccountID, a.Currency)
				if err != nil {
					return broken(op, err)
				}
				switch {
				case !ok, !f.From.IsZero() && tx.Time.Before(f.From), !f.To.IsZero() && !tx.Time.Before(f.To),
					!slices.Contains(statuses, tx.Status), f.Category != "" && tx.Category != f.Category,
					merchant != "" && !strings.Contains(merchantKey(tx.Merchant), merchant):
					continue
				}
				out = append(out, tx)
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	slices.SortStableFunc(out, func(a, b banks.Transaction) int { return b.Time.Compare(a.Time) })
	if f.Limit > 0 && len(out) > f.Limit {
		out = out[:f.Limit]
	}
	return out, nil
}

// beneficiaries reads the customer's saved payees.
func (c *Client) beneficiaries(ctx context.Context, op string, ts oauth2.TokenSource) ([]obBeneficiary, error) {
	var out []obBeneficiary
	seen := map[string]bool{}
	err := c.pages(ctx, op, ts, endpoint(c.accounts, "beneficiaries"), func(data json.RawMessage) error {
		var d struct{ Beneficiary []obBeneficiary }
		if err := json.Unmarshal(data, &d); err != nil {
			return banks.E(op, banks.Unavailable, malformed("beneficiaries: %v", err))
		}
		for _, b := range d.Beneficiary {
			if b.BeneficiaryID != "" && !seen[b.BeneficiaryID] {
				seen[b.BeneficiaryID] = true
				out = append(out, b)
			}
		}
		return nil
	})
	return out, err
}

// Payees implements banks.Recipients with the customer's beneficiaries.
// Errors: NotLinked, ConsentExpired, Unavailable.
func (c *Client) Payees(ctx context.Context, u banks.User) ([]banks.Payee, error) {
	const op = "ukob.Payees"
	ts, err := c.user(ctx, op, u)
	if err != nil {
		return nil, err
	}
	list, err := c.beneficiaries(ctx, op, ts)
	if err != nil {
		return nil, err
	}
	out := []banks.Payee{}
	for _, b := range list {
		p := banks.Payee{ID: b.BeneficiaryID, Name: b.Reference}
		if ca := b.CreditorAccount; ca != nil {
			p.Name = cmp.Or(ca.Name, p.Name)
			if d := onlyDigits(ca.Identification); len(d) >= 4 {
				p.LastFour = d[len(d)-4:]
			}
		}
		out = append(out, p)
	}
	return out, nil
}

// Billers implements banks.Recipients: the standard has no billers (a
// direct debit is the biller's to collect, not the customer's to pay), so
// the list is empty. Errors: NotLinked.
func (c *Client) Billers(ctx context.Context, u banks.User) ([]banks.Biller, error) {
	if _, err := c.user(ctx, "ukob.Billers", u); err != nil {
		return nil, err
	}
	return []banks.Biller{}, nil
}
