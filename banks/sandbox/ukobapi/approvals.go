package ukobapi

import (
	"context"
	"encoding/json"
	"errors"
	"time"

	"github.com/kontoskill/konto/banks"
)

// Pending is a consent that waits for a customer's approval in the
// bank's app: a payment, or account access.
type Pending struct {
	ConsentID string
	// Kind is "payment" or "account".
	Kind string
	// Client is the third party that asked, by its name.
	Client  string
	Created time.Time
	// Expires is when the consent is rejected unless approved.
	Expires time.Time
	// For a payment: what, to whom, from where.
	Amount          banks.Money
	Creditor        string
	CreditorAccount string // the last four digits
	FromAccountID   string
	// For account access: what may be read.
	Permissions []string
}

// Pending lists what waits for the customer's approval, newest first:
// the consents the customer's third parties created with the customer's
// own token (decoupled approval). Errors: Unavailable.
func (s *Server) Pending(ctx context.Context, customer string) ([]Pending, error) {
	const op = "ukobapi.Pending"
	rows, err := s.db.QueryContext(ctx, `SELECT id FROM consents WHERE customer_id = ? AND status = ? ORDER BY created_at DESC, rowid DESC`,
		customer, statusAwaiting)
	if err != nil {
		return nil, banks.E(op, banks.Unavailable, err)
	}
	var ids []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return nil, banks.E(op, banks.Unavailable, err)
		}
		ids = append(ids, id)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, banks.E(op, banks.Unavailable, err)
	}
	out := []Pending{}
	for _, id := range ids {
		c, err := s.loadConsent(ctx, s.db, id) // expires what is overdue
		if err != nil {
			return nil, banks.E(op, banks.Unavailable, err)
		}
		if c.Status != statusAwaiting {
			continue
		}
		p, err := s.describe(ctx, c)
		if err != nil {
			return nil, banks.E(op, banks.Unavailable, err)
		}
		out = append(out, p)
	}
	return out, nil
}

// describe says what a consent asks for, for the pages and Pending.
func (s *Server) describe(ctx context.Context, c consent) (Pending, error) {
	p := Pending{ConsentID: c.ID, Kind: c.Kind, Client: c.ClientID, Created: c.Created, Expires: c.Deadline}
	if cl := s.clients[c.ClientID]; cl != nil {
		p.Client = cl.Name
	}
	switch c.Kind {
	case kindPayment:
		req, err := parsePaymentConsent(c.Request)
		if err != nil {
			return p, err
		}
		i := req.Data.Initiation
		p.Amount, _ = amountMoney(i.InstructedAmount)
		p.Creditor = i.CreditorAccount.Name
		if id := i.CreditorAccount.Identification; len(id) >= 4 {
			p.CreditorAccount = id[len(id)-4:]
		}
		if c.Customer != "" {
			if u, err := s.user(ctx, c.Customer); err == nil {
				if pl, e := s.resolvePayment(ctx, u, i); e == nil {
					p.FromAccountID = pl.from.ID
					if pl.creditor != "" {
						p.Creditor = pl.creditor
					}
				}
			}
		}
	case kindAccount:
		var req accountConsentRequest
		if err := json.Unmarshal(c.Request, &req); err != nil {
			return p, err
		}
		p.Permissions = req.Data.Permissions
	}
	return p, nil
}

// Decide approves or rejects a consent that waits for the customer, as
// the customer does in the bank's app. Errors: NotFound (no such consent
// of the customer's), Forbidden with reason sca_expired (it waited too
// long), Invalid (already decided, or a payment the bank would not
// make), Unavailable.
func (s *Server) Decide(ctx context.Context, customer, consentID string, approve bool) error {
	c, err := s.loadConsentFor(ctx, consentID, customer)
	if err != nil {
		return err
	}
	if !c.Bound {
		// A consent nobody knew the customer of is approved through the
		// redirect page, where the third party then receives its code.
		return banks.Errorf("ukobapi.Decide", banks.NotFound, "no consent %q waits in the app", consentID)
	}
	_, err = s.decide(ctx, consentID, customer, approve)
	return err
}

func (s *Server) loadConsentFor(ctx context.Context, id, customer string) (consent, error) {
	c, err := s.loadConsent(ctx, s.db, id)
	if errors.Is(err, errNoConsent) || (err == nil && c.Customer != customer) {
		return c, banks.Errorf("ukobapi.Decide", banks.NotFound, "no consent %q for this customer", id)
	}
	if err != nil {
		return c, banks.E("ukobapi.Decide", banks.Unavailable, err)
	}
	return c, nil
}
