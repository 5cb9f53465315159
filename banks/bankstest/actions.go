package bankstest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/kontoskill/konto/banks"
)

// keys makes idempotency keys unique to one run of the suite, so that a
// connector talking to a persistent bank sandbox never sees an old one.
func keys() func(name string) string {
	run := time.Now().UnixNano()
	return func(name string) string { return fmt.Sprintf("bankstest-%d-%s", run, name) }
}

func booked(t *testing.T, c banks.Connector, u banks.User, accountID string) int64 {
	t.Helper()
	b, err := c.Balance(context.Background(), u, accountID)
	if err != nil {
		t.Fatalf("Balance(%s): %v", accountID, err)
	}
	return b.Booked.Minor
}

// wantKind fails unless err is of kind k.
func wantKind(t *testing.T, what string, err error, k banks.Kind) {
	t.Helper()
	if !errors.Is(err, banks.KindError(k)) {
		t.Errorf("%s: error = %v, want %s", what, err, k)
	}
}

// wantRefused fails unless err is Forbidden with the reason.
func wantRefused(t *testing.T, what string, err error, reason string) {
	t.Helper()
	if !errors.Is(err, banks.KindError(banks.Forbidden)) || banks.ReasonOf(err) != reason {
		t.Errorf("%s: error = %v (reason %q), want Forbidden with reason %q", what, err, banks.ReasonOf(err), reason)
	}
}

func payable(k banks.AccountKind) bool { return k == banks.Checking || k == banks.Savings }

func runPayments(t *testing.T, s Subject, accA, accB []banks.Account) {
	pay, ok := s.Connector.(banks.Payments)
	if !ok {
		t.Skip("the connector cannot move money (no banks.Payments)")
	}
	ops, hasOps := s.Connector.(banks.Operations)
	ctx := context.Background()
	key := keys()
	// from is A's checking account, to another of A's accounts (a
	// payable one if there is one, else a credit card to repay); money
	// moves between them, so A's total stays what it was.
	var from, to banks.Account
	for _, a := range accA {
		if a.Kind == banks.Checking && a.ID != s.FrozenA {
			from = a
			break
		}
	}
	for _, kinds := range [][]banks.AccountKind{{banks.Savings, banks.Checking}, {banks.CreditCard}} {
		for _, a := range accA {
			if to.ID == "" && a.ID != from.ID && a.ID != s.FrozenA && a.Currency == from.Currency && slices.Contains(kinds, a.Kind) {
				to = a
			}
		}
	}
	if from.ID == "" || to.ID == "" {
		t.Skipf("A needs a checking account and another account to move money to: %+v", accA)
	}
	amount := banks.Money{Minor: 123, Currency: from.Currency}
	transfer := func(k string, m banks.Money) banks.PaymentRequest {
		return banks.PaymentRequest{Key: k, FromAccountID: from.ID, ToAccountID: to.ID, Amount: m}
	}
	// moved reports how far from and to went since the last call.
	lastFrom, lastTo := booked(t, s.Connector, s.A, from.ID), booked(t, s.Connector, s.A, to.ID)
	moved := func(t *testing.T) (int64, int64) {
		t.Helper()
		f, o := booked(t, s.Connector, s.A, from.ID), booked(t, s.Connector, s.A, to.ID)
		df, dt := lastFrom-f, o-lastTo
		lastFrom, lastTo = f, o
		return df, dt
	}

	var first banks.PaymentResult // under key("once")
	t.Run("a key moves money once and returns its first result", func(t *testing.T) {
		r1, err := pay.Pay(ctx, s.A, transfer(key("once"), amount))
		if err != nil {
			t.Fatalf("Pay: %v", err)
		}
		if r1.AwaitingApproval {
			t.Skip("the bank awaits the customer's approval (decoupled SCA): nothing moves until then")
		}
		if r1.Reference == "" || r1.Scheduled {
			t.Errorf("Pay = %+v, want a reference, paid now", r1)
		}
		if df, dt := moved(t); df != amount.Minor || dt != amount.Minor {
			t.Fatalf("a payment of %d moved %d out and %d in", amount.Minor, df, dt)
		}
		if r1.FromBalance.AccountID != "" && r1.FromBalance.Booked.Minor != lastFrom {
			t.Errorf("FromBalance %s, the account has %d", r1.FromBalance.Booked, lastFrom)
		}
		first = r1
		same := func(r banks.PaymentResult) bool {
			return r.Reference == r1.Reference && r.Scheduled == r1.Scheduled && r.FromBalance.Booked == r1.FromBalance.Booked
		}
		r, err := pay.Pay(ctx, s.A, transfer(key("once"), amount))
		if err != nil || !same(r) {
			t.Errorf("the same request again = %+v, %v; want the first result %+v", r, err, r1)
		}
		if df, dt := moved(t); df != 0 || dt != 0 {
			t.Errorf("the same request again moved money: %d out, %d in", df, dt)
		}
		// Another request under a used key never acts; the bank may
		// answer with the first result or refuse it as Invalid.
		for name, p := range map[string]banks.PaymentRequest{
			"another amount under that key": transfer(key("once"), banks.Money{Minor: 2 * amount.Minor, Currency: amount.Currency}),
			"the other way round, same key": {Key: key("once"), FromAccountID: to.ID, ToAccountID: from.ID, Amount: amount},
		} {
			r, err := pay.Pay(ctx, s.A, p)
			if (err == nil && !same(r)) || (err != nil && !errors.Is(err, banks.KindError(banks.Invalid))) {
				t.Errorf("%s = %+v, %v; want the first result %+v or Invalid", name, r, err, r1)
			}
			if df, dt := moved(t); df != 0 || dt != 0 {
				t.Errorf("%s moved money again: %d out, %d in", name, df, dt)
			}
		}
		r2, err := pay.Pay(ctx, s.A, transfer(key("twice"), amount))
		if err != nil {
			t.Fatalf("Pay with a new key: %v", err)
		}
		if r2.Reference == "" || r2.Reference == r1.Reference {
			t.Errorf("a new key got reference %q, the first %q", r2.Reference, r1.Reference)
		}
		if df, dt := moved(t); df != amount.Minor || dt != amount.Minor {
			t.Errorf("a new key moved %d out and %d in, want %d", df, dt, amount.Minor)
		}
	})

	t.Run("operations tell what became of a key", func(t *testing.T) {
		if !hasOps {
			t.Skip("no banks.Operations")
		}
		if first.Reference == "" {
			t.Skip("needs the payment above")
		}
		op, err := ops.Operation(ctx, s.A, key("never-sent"))
		if err != nil || op.Applied {
			t.Errorf("Operation(unknown key) = %+v, %v; want not applied", op, err)
		}
		op, err = ops.Operation(ctx, s.A, key("once"))
		if err != nil || !op.Applied || op.Reference != first.Reference || op.Scheduled {
			t.Errorf("Operation(paid key) = %+v, %v; want applied with reference %q", op, err, first.Reference)
		}
		op, err = ops.Operation(ctx, s.B, key("once"))
		if err != nil || op.Applied || op.Reference != "" {
			t.Errorf("Operation(B, A's key) = %+v, %v; want nothing of A's", op, err)
		}
	})

	t.Run("a key reused for another kind of operation is refused", func(t *testing.T) {
		cc, ok := s.Connector.(banks.CardControls)
		lister, ok2 := s.Connector.(banks.Cards)
		if !ok || !ok2 {
			t.Skip("needs banks.CardControls and banks.Cards for a second kind of operation")
		}
		cards, err := lister.Cards(ctx, s.A)
		if err != nil || len(cards) == 0 {
			t.Skipf("A has no cards: %v", err)
		}
		card := cards[0]
		isLocked := func() bool {
			cs, err := lister.Cards(ctx, s.A)
			if err != nil {
				t.Fatal(err)
			}
			for _, c := range cs {
				if c.ID == card.ID {
					return c.Locked
				}
			}
			t.Fatalf("card %s is gone", card.ID)
			return false
		}
		was := isLocked()
		if _, err := pay.Pay(ctx, s.A, transfer(key("pay-then-lock"), amount)); err != nil {
			t.Fatal(err)
		}
		moved(t)
		err = cc.SetCardLocked(ctx, s.A, card.ID, !was, key("pay-then-lock"))
		wantKind(t, "locking a card under a payment's key", err, banks.Invalid)
		if isLocked() != was {
			t.Error("the card changed under a payment's key")
		}
		if err := cc.SetCardLocked(ctx, s.A, card.ID, !was, key("lock-then-pay")); err != nil {
			t.Fatal(err)
		}
		_, err = pay.Pay(ctx, s.A, transfer(key("lock-then-pay"), amount))
		wantKind(t, "a payment under a card lock's key", err, banks.Invalid)
		if df, dt := moved(t); df != 0 || dt != 0 {
			t.Errorf("a payment under a card lock's key moved %d out, %d in", df, dt)
		}
		if err := cc.SetCardLocked(ctx, s.A, card.ID, was, key("restore")); err != nil || isLocked() != was {
			t.Fatalf("restoring the card: %v", err)
		}
	})

	t.Run("refusals come with their reason", func(t *testing.T) {
		b, err := s.Connector.Balance(ctx, s.A, from.ID)
		if err != nil {
			t.Fatal(err)
		}
		much := banks.Money{Minor: max(b.Booked.Minor, b.Available.Minor, 0) + 100000, Currency: from.Currency}
		_, err = pay.Pay(ctx, s.A, transfer(key("too-much"), much))
		wantRefused(t, "paying more than is there", err, "insufficient_funds")
		if df, dt := moved(t); df != 0 || dt != 0 {
			t.Errorf("a refused payment moved %d out, %d in", df, dt)
		}
		if hasOps {
			if op, err := ops.Operation(ctx, s.A, key("too-much")); err != nil || op.Applied {
				t.Errorf("Operation(refused key) = %+v, %v; want not applied", op, err)
			}
		}
	})

	t.Run("another user's accounts are not found", func(t *testing.T) {
		var other banks.Account
		for _, a := range accB {
			if payable(a.Kind) {
				other = a
				break
			}
		}
		if other.ID == "" {
			t.Skip("B has no payable account")
		}
		before := booked(t, s.Connector, s.B, other.ID)
		m := banks.Money{Minor: 100, Currency: other.Currency}
		_, err := pay.Pay(ctx, s.A, banks.PaymentRequest{Key: key("from-b"), FromAccountID: other.ID, ToAccountID: from.ID, Amount: m})
		wantKind(t, "paying from B's account as A", err, banks.NotFound)
		_, err = pay.Pay(ctx, s.A, banks.PaymentRequest{Key: key("to-b"), FromAccountID: from.ID, ToAccountID: other.ID, Amount: amount})
		wantKind(t, "paying into B's account as A", err, banks.NotFound)
		if after := booked(t, s.Connector, s.B, other.ID); after != before {
			t.Errorf("B's account went from %d to %d", before, after)
		}
		if df, dt := moved(t); df != 0 || dt != 0 {
			t.Errorf("A's accounts moved %d out, %d in", df, dt)
		}
	})

	t.Run("a malformed payment is invalid", func(t *testing.T) {
		neg := banks.Money{Minor: -amount.Minor, Currency: amount.Currency}
		foreign := "CHF"
		if from.Currency == foreign {
			foreign = "JPY"
		}
		for name, p := range map[string]banks.PaymentRequest{
			"no key":           transfer("", amount),
			"nothing":          transfer(key("zero"), banks.Money{Currency: amount.Currency}),
			"a negative sum":   transfer(key("negative"), neg),
			"two recipients":   {Key: key("two"), FromAccountID: from.ID, ToAccountID: to.ID, PayeeID: "p1", Amount: amount},
			"no recipient":     {Key: key("none"), FromAccountID: from.ID, Amount: amount},
			"another currency": transfer(key("currency"), banks.Money{Minor: amount.Minor, Currency: foreign}),
		} {
			_, err := pay.Pay(ctx, s.A, p)
			wantKind(t, name, err, banks.Invalid)
		}
		if df, dt := moved(t); df != 0 || dt != 0 {
			t.Errorf("malformed payments moved %d out, %d in", df, dt)
		}
	})

	// Last of the payment checks: it may freeze one of A's accounts.
	t.Run("a frozen account refuses with its reason", func(t *testing.T) {
		frozen := s.FrozenA
		if frozen == "" {
			ac, ok := s.Connector.(banks.AccountControls)
			if !ok {
				t.Skip("no frozen account given and no banks.AccountControls to freeze one")
			}
			frozen = to.ID
			for i := 0; i < 2; i++ { // the second time under the same key
				if err := ac.Freeze(ctx, s.A, frozen, key("freeze")); err != nil {
					t.Fatalf("Freeze (%d): %v", i+1, err)
				}
			}
			st, err := ac.Status(ctx, s.A, frozen)
			if err != nil || st.Status != "frozen" || st.Reason == "" {
				t.Fatalf("Status after Freeze = %+v, %v", st, err)
			}
			_, err = ac.Status(ctx, s.B, frozen)
			wantKind(t, "Status(B, A's account)", err, banks.NotFound)
		}
		before := booked(t, s.Connector, s.A, frozen)
		target := from.ID
		if frozen == from.ID {
			target = to.ID
		}
		_, err := pay.Pay(ctx, s.A, banks.PaymentRequest{Key: key("from-frozen"), FromAccountID: frozen, ToAccountID: target, Amount: amount})
		wantRefused(t, "paying from a frozen account", err, "account_frozen")
		if after := booked(t, s.Connector, s.A, frozen); after != before {
			t.Errorf("the frozen account went from %d to %d", before, after)
		}
	})
}

func runCards(t *testing.T, s Subject) {
	cc, ok := s.Connector.(banks.CardControls)
	if !ok {
		t.Skip("the connector cannot lock cards (no banks.CardControls)")
	}
	lister, ok := s.Connector.(banks.Cards)
	if !ok {
		t.Skip("the connector cannot list cards (no banks.Cards)")
	}
	ctx := context.Background()
	key := keys()
	cardsA, err := lister.Cards(ctx, s.A)
	if err != nil || len(cardsA) == 0 {
		t.Fatalf("Cards(A) = %v, %v", cardsA, err)
	}
	cardsB, err := lister.Cards(ctx, s.B)
	if err != nil {
		t.Fatalf("Cards(B): %v", err)
	}
	lockedOf := func(t *testing.T, u banks.User, id string) bool {
		t.Helper()
		cs, err := lister.Cards(ctx, u)
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range cs {
			if c.ID == id {
				return c.Locked
			}
		}
		t.Fatalf("card %s is not listed", id)
		return false
	}
	card := cardsA[0]
	for _, c := range cardsA {
		if !c.Locked {
			card = c
			break
		}
	}

	t.Run("lock and unlock act once per key", func(t *testing.T) {
		if card.Locked {
			if err := cc.SetCardLocked(ctx, s.A, card.ID, false, key("unlock-first")); err != nil {
				t.Fatal(err)
			}
		}
		steps := []struct {
			what   string
			locked bool
			key    string
			want   bool // locked afterwards
		}{
			{"lock", true, key("lock"), true},
			{"the same lock again", true, key("lock"), true},
			{"lock a locked card", true, key("lock-2"), true},
			{"unlock", false, key("unlock"), false},
			{"the same unlock again", false, key("unlock"), false},
			// A late retry of the first lock returns its first result
			// and must not lock the card again.
			{"the first lock's key after the unlock", true, key("lock"), false},
			{"unlock an unlocked card", false, key("unlock-2"), false},
		}
		for _, st := range steps {
			if err := cc.SetCardLocked(ctx, s.A, card.ID, st.locked, st.key); err != nil {
				t.Fatalf("%s: %v", st.what, err)
			}
			if got := lockedOf(t, s.A, card.ID); got != st.want {
				t.Fatalf("after %s: locked = %v, want %v", st.what, got, st.want)
			}
		}
		wantKind(t, "locking without a key", cc.SetCardLocked(ctx, s.A, card.ID, true, ""), banks.Invalid)
		if lockedOf(t, s.A, card.ID) {
			t.Error("a lock without a key locked the card")
		}
	})

	t.Run("a replacement is ordered once per key", func(t *testing.T) {
		o1, err := cc.ReplaceCard(ctx, s.A, card.ID, false, key("replace"))
		if err != nil || o1.Reference == "" {
			t.Fatalf("ReplaceCard = %+v, %v", o1, err)
		}
		o2, err := cc.ReplaceCard(ctx, s.A, card.ID, false, key("replace"))
		if err != nil || o2.Reference != o1.Reference || !o2.Arrives.Equal(o1.Arrives) {
			t.Errorf("ReplaceCard again = %+v, %v; want the first order %+v", o2, err, o1)
		}
		o3, err := cc.ReplaceCard(ctx, s.A, card.ID, false, key("replace-2"))
		if err != nil || o3.Reference == o1.Reference {
			t.Errorf("ReplaceCard with a new key = %+v, %v; want a new order", o3, err)
		}
	})

	t.Run("another user's card is not found", func(t *testing.T) {
		if len(cardsB) == 0 {
			t.Skip("B has no cards")
		}
		for _, c := range cardsB {
			before := lockedOf(t, s.B, c.ID)
			wantKind(t, "locking B's card as A", cc.SetCardLocked(ctx, s.A, c.ID, !before, key("b-lock-"+c.ID)), banks.NotFound)
			_, err := cc.ReplaceCard(ctx, s.A, c.ID, true, key("b-replace-"+c.ID))
			wantKind(t, "replacing B's card as A", err, banks.NotFound)
			if lockedOf(t, s.B, c.ID) != before {
				t.Errorf("B's card %s changed", c.ID)
			}
		}
	})
}

func runRevoke(t *testing.T, s Subject) {
	auth := s.Auth
	if auth == nil {
		auth, _ = s.Connector.(banks.Authenticator)
	}
	rev, ok := auth.(banks.Revoker)
	if !ok {
		rev, ok = s.Connector.(banks.Revoker)
	}
	if !ok || auth == nil {
		t.Skip("no banks.Revoker")
	}
	if s.TokenA == "" {
		t.Skip("no TokenA to revoke")
	}
	ctx := context.Background()
	u, err := auth.Authenticate(ctx, s.TokenA)
	if err != nil || u.Customer != s.A.Customer {
		t.Fatalf("Authenticate(TokenA) = %+v, %v; want A", u, err)
	}
	for i := 0; i < 2; i++ { // revoking twice is not an error
		if err := rev.RevokeAccess(ctx, s.A); err != nil {
			t.Fatalf("RevokeAccess (%d): %v", i+1, err)
		}
	}
	u, err = auth.Authenticate(ctx, s.TokenA)
	wantKind(t, "Authenticate(revoked TokenA)", err, banks.NotLinked)
	if u.Bank != "" || u.Customer != "" || len(u.Others) > 0 {
		t.Errorf("a revoked token still names %+v", u)
	}
}
