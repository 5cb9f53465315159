package bgapi

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/kontoskill/konto/banks"
)

// authorisation is the SCA sub-resource of a consent or payment. There
// is one per resource, created with it (an implicit start).
type authorisation struct {
	ID, Kind, Resource, Customer, Approach, ScaStatus string
	Failures                                          int
	RedirectURI, NokRedirectURI                       string
	Created                                           time.Time
}

var errNoAuth = errors.New("no such authorisation")

func (s *Server) loadAuth(ctx context.Context, q querier, id string) (authorisation, error) {
	var a authorisation
	var created int64
	err := q.QueryRowContext(ctx, `SELECT id, kind, resource_id, customer, approach, sca_status, failures, redirect_uri, nok_redirect_uri, created_at
		FROM authorisations WHERE id = ?`, id).Scan(&a.ID, &a.Kind, &a.Resource, &a.Customer, &a.Approach, &a.ScaStatus, &a.Failures,
		&a.RedirectURI, &a.NokRedirectURI, &created)
	if errors.Is(err, sql.ErrNoRows) {
		return a, errNoAuth
	}
	a.Created = time.Unix(created, 0).UTC()
	return a, err
}

// scaState is the authorisation's scaStatus now: one left waiting past the
// timeout has failed.
func (s *Server) scaState(a authorisation) string {
	if a.ScaStatus == "received" && s.now().After(a.Created.Add(s.opts.SCATimeout)) {
		return "failed"
	}
	return a.ScaStatus
}

// maxFailures is how many wrong passwords an authorisation takes before it
// fails, as a bank locks a login.
const maxFailures = 5

// errDecided is returned for an authorisation that is no longer waiting.
var errDecided = errors.New("this request was already decided or has lapsed")

// decide records the PSU's answer to an authorisation. u is the customer
// who signed in at the redirect page or whose app answered; a rejection at
// the redirect page needs no sign-in (u is then zero). Errors: Forbidden
// (decided or lapsed, or not the customer's), Unavailable.
func (s *Server) decide(ctx context.Context, authID string, u banks.User, approve bool) error {
	const op = "bgapi.decide"
	var run *payment
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		a, err := s.loadAuth(ctx, tx, authID)
		if err != nil {
			return err
		}
		if st := s.scaState(a); st != "received" {
			if (st == "finalised" && approve) || (st == "failed" && !approve && a.ScaStatus == "failed") {
				return nil // the same answer again
			}
			return banks.E(op, banks.Forbidden, errDecided)
		}
		if u.Customer != "" && a.Customer != "" && a.Customer != u.Customer {
			return banks.Errorf(op, banks.Forbidden, "this request is for another customer")
		}
		if approve && u.Customer == "" {
			return banks.Errorf(op, banks.Forbidden, "sign in to approve")
		}
		sca := "failed"
		if approve {
			sca = "finalised"
		}
		switch a.Kind {
		case "consent":
			c, err := s.loadConsent(ctx, tx, a.Resource)
			if err != nil {
				return err
			}
			if s.state(c) != "received" {
				return banks.E(op, banks.Forbidden, errDecided)
			}
			if !approve {
				_, err := tx.ExecContext(ctx, `UPDATE consents SET status = 'rejected', last_action = ? WHERE id = ?`, s.today(), c.ID)
				if err == nil {
					_, err = tx.ExecContext(ctx, `UPDATE authorisations SET sca_status = 'failed' WHERE id = ?`, a.ID)
				}
				return err
			}
			acc, err := s.bind(ctx, c.Access, u)
			if err != nil {
				return err
			}
			js, _ := json.Marshal(acc)
			if _, err := tx.ExecContext(ctx, `UPDATE consents SET status = 'valid', customer = ?, access = ?, last_action = ? WHERE id = ?`,
				u.Customer, string(js), s.today(), c.ID); err != nil {
				return err
			}
			// A new recurring consent ends the customer's former one once
			// authorised (NextGenPSD2 "Side Effects" of POST /consents).
			if c.Recurring {
				if _, err := tx.ExecContext(ctx, `UPDATE consents SET status = 'expired', last_action = ?
					WHERE customer = ? AND recurring = 1 AND status = 'valid' AND id != ?`, s.today(), u.Customer, c.ID); err != nil {
					return err
				}
			}
		case "payment":
			p, err := s.loadPayment(ctx, tx, "id", a.Resource)
			if err != nil {
				return err
			}
			if s.paymentState(p) != "RCVD" {
				return banks.E(op, banks.Forbidden, errDecided)
			}
			status, reason := "ACTC", ""
			if !approve {
				status, reason = "RJCT", "sca_rejected"
			}
			if _, err := tx.ExecContext(ctx, `UPDATE payments SET status = ?, reason = ? WHERE id = ?`, status, reason, p.ID); err != nil {
				return err
			}
			p.Status = status
			run = &p
		default:
			return fmt.Errorf("bgapi: authorisation of a %s", a.Kind)
		}
		// The customer who answered, if signed in; a payment's stays its debtor.
		_, err = tx.ExecContext(ctx, `UPDATE authorisations SET sca_status = ?, customer = coalesce(nullif(?, ''), customer) WHERE id = ?`,
			sca, u.Customer, a.ID)
		return err
	})
	if err != nil {
		if banks.KindOf(err) != banks.Other {
			return err
		}
		if errors.Is(err, errNoAuth) {
			return banks.Errorf(op, banks.NotFound, "no such request")
		}
		return banks.E(op, banks.Unavailable, err)
	}
	if run != nil {
		// Executed after the approval commits; a failure here is retried
		// on the next look at the payment, under the same sandbox key.
		if _, err := s.execute(ctx, *run); err != nil {
			return banks.E(op, banks.Unavailable, err)
		}
	}
	return nil
}

// failSignIn counts a wrong password at an authorisation's page; the
// last allowed one fails the authorisation and rejects its resource.
func (s *Server) failSignIn(ctx context.Context, authID string) (locked bool, err error) {
	var n int
	if err := s.db.QueryRowContext(ctx, `UPDATE authorisations SET failures = failures + 1 WHERE id = ? RETURNING failures`, authID).Scan(&n); err != nil {
		return false, err
	}
	if n < maxFailures {
		return false, nil
	}
	if err := s.decide(ctx, authID, banks.User{}, false); err != nil && !errors.Is(err, errDecided) {
		return true, err
	}
	return true, nil
}

// Pending is a request waiting for the customer's approval in the bank's
// app (decoupled SCA).
type Pending struct {
	// ID names it for Decide.
	ID string
	// Kind is "consent" or "payment"; Resource is the consent or payment id.
	Kind     string
	Resource string
	Created  time.Time
	Expires  time.Time
	// Summary says in a sentence what approving does.
	Summary string
	// For a payment: the amount, to whom, from which account.
	Amount       banks.Money
	CreditorName string
	CreditorIBAN string
	DebtorIBAN   string
	// For a consent: until when it would let the TPP read.
	ValidUntil string
}

// Pending lists what waits for the customer's decision in the bank's app,
// oldest first. Errors: Unavailable.
func (s *Server) Pending(ctx context.Context, customer string) ([]Pending, error) {
	const op = "bgapi.Pending"
	rows, err := s.db.QueryContext(ctx, `SELECT id FROM authorisations WHERE customer = ? AND approach = 'DECOUPLED' AND sca_status = 'received'
		ORDER BY created_at, id`, customer)
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
		a, err := s.loadAuth(ctx, s.db, id)
		if err != nil {
			return nil, banks.E(op, banks.Unavailable, err)
		}
		if st := s.scaState(a); st != "received" {
			continue
		}
		p, err := s.describe(ctx, a)
		if err != nil {
			return nil, banks.E(op, banks.Unavailable, err)
		}
		out = append(out, p)
	}
	return out, nil
}

// describe says what an authorisation would approve.
func (s *Server) describe(ctx context.Context, a authorisation) (Pending, error) {
	p := Pending{ID: a.ID, Kind: a.Kind, Resource: a.Resource, Created: a.Created, Expires: a.Created.Add(s.opts.SCATimeout)}
	switch a.Kind {
	case "payment":
		pay, err := s.loadPayment(ctx, s.db, "id", a.Resource)
		if err != nil {
			return p, err
		}
		p.Amount, p.CreditorName = pay.Amount, pay.Body.CreditorName
		p.CreditorIBAN, p.DebtorIBAN = pay.Body.CreditorAccount.IBAN, pay.Body.DebtorAccount.IBAN
		when := ""
		if pay.Day != "" {
			when = " on " + pay.Day
		}
		p.Summary = fmt.Sprintf("Pay %s to %s (%s) from %s%s.", pay.Amount, pay.Body.CreditorName, p.CreditorIBAN, p.DebtorIBAN, when)
	case "consent":
		c, err := s.loadConsent(ctx, s.db, a.Resource)
		if err != nil {
			return p, err
		}
		p.ValidUntil = c.ValidUntil
		p.Summary = fmt.Sprintf("Let an app read %s until %s, up to %d times a day without you.", describeAccess(c.Access), c.ValidUntil, c.Frequency)
	}
	return p, nil
}

func describeAccess(a access) string {
	switch {
	case a.AllPsd2 != "":
		return "all your accounts, balances and transactions"
	case a.AvailableAccountsWithBalance != "":
		return "the list of your accounts with their balances"
	case a.AvailableAccounts != "":
		return "the list of your accounts"
	case a.bankOffered():
		return "the accounts, balances and transactions of all your accounts"
	}
	var parts []string
	for _, l := range []struct {
		what string
		refs *[]accountRef
	}{{"account details", a.Accounts}, {"balances", a.Balances}, {"transactions", a.Transactions}} {
		if l.refs == nil || len(*l.refs) == 0 {
			continue
		}
		var ids []string
		for _, r := range *l.refs {
			ids = append(ids, r.IBAN+r.BBAN)
		}
		parts = append(parts, l.what+" of "+strings.Join(ids, ", "))
	}
	return strings.Join(parts, "; ")
}

// Decide approves or rejects one of the customer's Pending requests, as
// the customer would in the bank's app. Deciding the same way again does
// nothing. Errors: NotFound (no such request of the customer's),
// Forbidden (already decided otherwise, or lapsed), Unavailable.
func (s *Server) Decide(ctx context.Context, customer, id string, approve bool) error {
	const op = "bgapi.Decide"
	a, err := s.loadAuth(ctx, s.db, id)
	if errors.Is(err, errNoAuth) || (err == nil && (a.Customer != customer || a.Approach != "DECOUPLED")) {
		return banks.Errorf(op, banks.NotFound, "no such request")
	}
	if err != nil {
		return banks.E(op, banks.Unavailable, err)
	}
	u, err := s.user(ctx, customer)
	if err != nil {
		return err
	}
	return s.decide(ctx, id, u, approve)
}

// Consent is a consent the customer has given, as the bank's app lists it.
type Consent struct {
	ID         string
	Summary    string
	ValidUntil string
	LastAction string
}

// Consents lists the customer's valid consents. Errors: Unavailable.
func (s *Server) Consents(ctx context.Context, customer string) ([]Consent, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT id FROM consents WHERE customer = ? AND status = 'valid' ORDER BY created_at, id`, customer)
	if err != nil {
		return nil, banks.E("bgapi.Consents", banks.Unavailable, err)
	}
	var ids []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err == nil {
			ids = append(ids, id)
		}
	}
	rows.Close()
	out := []Consent{}
	for _, id := range ids {
		c, err := s.loadConsent(ctx, s.db, id)
		if err != nil {
			return nil, banks.E("bgapi.Consents", banks.Unavailable, err)
		}
		if s.state(c) != "valid" {
			continue
		}
		out = append(out, Consent{ID: c.ID, Summary: "Reads " + describeAccess(c.Access) + ".", ValidUntil: c.ValidUntil, LastAction: c.LastAction})
	}
	return out, nil
}

// RevokeConsent withdraws one of the customer's consents (revokedByPsu),
// as the customer would in the bank's app. Errors: NotFound, Unavailable.
func (s *Server) RevokeConsent(ctx context.Context, customer, consentID string) error {
	res, err := s.db.ExecContext(ctx, `UPDATE consents SET status = 'revokedByPsu', last_action = ? WHERE id = ? AND customer = ? AND status = 'valid'`,
		s.today(), consentID, customer)
	if err != nil {
		return banks.E("bgapi.RevokeConsent", banks.Unavailable, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return banks.Errorf("bgapi.RevokeConsent", banks.NotFound, "no such valid consent")
	}
	return nil
}
