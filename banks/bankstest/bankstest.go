// Package bankstest is the conformance suite every banks.Connector runs:
// the sandbox now, each open-banking connector later. Besides the
// read-only contract it checks the optional powers the connector has
// (banks.Payments, banks.CardControls, banks.Operations, banks.Revoker):
// idempotency keys act once, refusals carry their reason, and one user
// never reaches another's accounts or cards.
package bankstest

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/kontoskill/konto/banks"
)

// Subject is a connector under test with two users who must never see
// each other's data. The suite changes A's data (it moves small amounts
// between A's own accounts, locks and unlocks A's cards, may freeze one of
// A's accounts and revokes A's access last): give it a fresh bank.
type Subject struct {
	Connector banks.Connector
	A, B      banks.User
	// TokenA is an access token that authenticates as A, for the
	// banks.Revoker check; empty skips it.
	TokenA string
	// Auth authenticates TokenA; default: the Connector, if it is one.
	Auth banks.Authenticator
	// FrozenA is one of A's accounts that is frozen, for the refusal
	// check. Empty: the suite freezes one of A's accounts itself through
	// banks.AccountControls, or skips the check.
	FrozenA string
}

// Run checks the Connector contract, then the optional powers the
// connector implements; a power it lacks is skipped.
func Run(t *testing.T, s Subject) {
	ctx := context.Background()
	accA, err := s.Connector.Accounts(ctx, s.A)
	if err != nil || len(accA) == 0 {
		t.Fatalf("Accounts(A) = %v, %v; want some accounts", accA, err)
	}
	accB, err := s.Connector.Accounts(ctx, s.B)
	if err != nil || len(accB) == 0 {
		t.Fatalf("Accounts(B) = %v, %v", accB, err)
	}
	t.Run("accounts are well formed", func(t *testing.T) {
		for _, a := range accA {
			if a.ID == "" || !a.Kind.Valid() || len(a.LastFour) != 4 || len(a.Currency) != 3 {
				t.Errorf("malformed account %+v", a)
			}
		}
	})
	t.Run("balances", func(t *testing.T) {
		for _, a := range accA {
			b, err := s.Connector.Balance(ctx, s.A, a.ID)
			if err != nil || b.AccountID != a.ID || b.Booked.Currency != a.Currency || b.Available.Currency != a.Currency {
				t.Errorf("Balance(%s) = %+v, %v", a.ID, b, err)
			}
		}
	})
	t.Run("another user's account is not found", func(t *testing.T) {
		for _, a := range accB {
			if _, err := s.Connector.Balance(ctx, s.A, a.ID); !errors.Is(err, banks.KindError(banks.NotFound)) {
				t.Errorf("Balance(A, B's %s) error = %v, want NotFound", a.ID, err)
			}
			if _, err := s.Connector.Transactions(ctx, s.A, banks.TxFilter{AccountID: a.ID}); !errors.Is(err, banks.KindError(banks.NotFound)) {
				t.Errorf("Transactions(A, B's %s) error = %v, want NotFound", a.ID, err)
			}
		}
	})
	t.Run("transactions are the user's own, newest first, filtered", func(t *testing.T) {
		own := map[string]bool{}
		for _, a := range accA {
			own[a.ID] = true
		}
		txs, err := s.Connector.Transactions(ctx, s.A, banks.TxFilter{Limit: 50})
		if err != nil || len(txs) == 0 || len(txs) > 50 {
			t.Fatalf("Transactions = %d, %v", len(txs), err)
		}
		for i, tx := range txs {
			if !own[tx.AccountID] {
				t.Fatalf("transaction %s on account %s is not A's", tx.ID, tx.AccountID)
			}
			if i > 0 && tx.Time.After(txs[i-1].Time) {
				t.Fatalf("not newest first at %d", i)
			}
			if tx.Status == banks.Declined {
				t.Fatalf("declined transaction %s listed without asking", tx.ID)
			}
		}
		from := txs[len(txs)-1].Time.Truncate(24 * time.Hour)
		to := from.Add(48 * time.Hour)
		ranged, err := s.Connector.Transactions(ctx, s.A, banks.TxFilter{From: from, To: to})
		if err != nil {
			t.Fatal(err)
		}
		for _, tx := range ranged {
			if tx.Time.Before(from) || !tx.Time.Before(to) {
				t.Fatalf("transaction at %s outside [%s, %s)", tx.Time, from, to)
			}
		}
		m := txs[0].Merchant
		byMerchant, err := s.Connector.Transactions(ctx, s.A, banks.TxFilter{Merchant: m, Limit: 10})
		if err != nil || len(byMerchant) == 0 {
			t.Fatalf("merchant %q: %d, %v", m, len(byMerchant), err)
		}
		for _, tx := range byMerchant {
			if tx.Merchant != m {
				t.Fatalf("merchant filter %q returned %q", m, tx.Merchant)
			}
		}
		declined, err := s.Connector.Transactions(ctx, s.A, banks.TxFilter{Statuses: []banks.TxStatus{banks.Declined}})
		if err != nil {
			t.Fatal(err)
		}
		for _, tx := range declined {
			if tx.Status != banks.Declined || tx.DeclineReason == "" {
				t.Fatalf("declined filter returned %+v", tx)
			}
		}
	})
	t.Run("bad filter is Invalid", func(t *testing.T) {
		now := time.Now()
		_, err := s.Connector.Transactions(ctx, s.A, banks.TxFilter{From: now, To: now.Add(-time.Hour)})
		if !errors.Is(err, banks.KindError(banks.Invalid)) {
			t.Fatalf("error = %v, want Invalid", err)
		}
	})
	t.Run("an unknown user is not linked", func(t *testing.T) {
		_, err := s.Connector.Accounts(ctx, banks.User{})
		if !errors.Is(err, banks.KindError(banks.NotLinked)) {
			t.Fatalf("error = %v, want NotLinked", err)
		}
	})
	t.Run("payments", func(t *testing.T) { runPayments(t, s, accA, accB) })
	t.Run("card controls", func(t *testing.T) { runCards(t, s) })
	t.Run("revoked access", func(t *testing.T) { runRevoke(t, s) }) // last: A is unlinked afterwards
}
