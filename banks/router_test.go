package banks_test

import (
	"context"
	"testing"
	"time"

	"github.com/kontoskill/konto/banks"
)

// readOnly is a bank with nothing but reads.
type readOnly struct{ name string }

func (b readOnly) Accounts(ctx context.Context, u banks.User) ([]banks.Account, error) {
	return []banks.Account{{ID: b.name + "-1", Kind: banks.Checking, Currency: "GBP"}}, nil
}
func (readOnly) Balance(ctx context.Context, u banks.User, id string) (banks.Balance, error) {
	return banks.Balance{}, nil
}
func (readOnly) Transactions(ctx context.Context, u banks.User, f banks.TxFilter) ([]banks.Transaction, error) {
	return nil, nil
}

func TestRouterSendsEachUserToTheirBank(t *testing.T) {
	r := banks.NewRouter()
	r.Add("one", readOnly{"one"})
	r.Add("two", readOnly{"two"})
	ctx := context.Background()
	a, err := r.Accounts(ctx, banks.User{Bank: "two", Customer: "c"})
	if err != nil || len(a) != 1 || a[0].ID != "two-1" {
		t.Fatalf("accounts %v %v", a, err)
	}
	if _, err := r.Accounts(ctx, banks.User{Bank: "three"}); banks.KindOf(err) != banks.NotLinked {
		t.Fatalf("an unknown bank: %v", err)
	}
	// What the bank cannot do is NotSupported for its users.
	if err := r.SetCardLocked(ctx, banks.User{Bank: "one"}, "c", true, "k"); banks.KindOf(err) != banks.NotSupported {
		t.Fatalf("card lock on a read-only bank: %v", err)
	}
	if al, err := r.Alerts(ctx, banks.User{Bank: "one"}); err != nil || len(al) != 0 {
		t.Fatalf("alerts of a bank without them: %v %v", al, err)
	}
	if _, err := r.Authenticate(ctx, "token"); banks.KindOf(err) != banks.NotLinked {
		t.Fatalf("authenticate: %v", err)
	}
}

// failing is a bank that is down.
type failing struct {
	readOnly
	calls *int
}

func (f failing) Accounts(ctx context.Context, u banks.User) ([]banks.Account, error) {
	*f.calls++
	return nil, banks.Errorf("failing", banks.Unavailable, "down")
}

// A bank that keeps failing trips its breaker: it is not called for a
// while, users of other banks are not affected, and after the cooldown
// one call tries again.
func TestRouterCircuitBreaker(t *testing.T) {
	calls := 0
	now := time.Date(2026, 12, 1, 8, 0, 0, 0, time.UTC)
	r := banks.NewRouter()
	r.Now = func() time.Time { return now }
	r.Add("down", failing{readOnly{"down"}, &calls})
	r.Add("up", readOnly{"up"})
	ctx := context.Background()
	down := banks.User{Bank: "down"}
	for i := 0; i < 20; i++ {
		if _, err := r.Accounts(ctx, down); banks.KindOf(err) != banks.Unavailable {
			t.Fatalf("call %d: %v", i, err)
		}
	}
	if calls != 5 {
		t.Fatalf("the failing bank was called %d times, want 5 before the breaker opened", calls)
	}
	if _, err := r.Accounts(ctx, banks.User{Bank: "up"}); err != nil {
		t.Fatalf("another bank was affected: %v", err)
	}
	now = now.Add(31 * time.Second)
	r.Accounts(ctx, down)
	r.Accounts(ctx, down)
	if calls != 6 {
		t.Fatalf("after the cooldown the bank was called %d times in all, want one trial (6)", calls)
	}
}
