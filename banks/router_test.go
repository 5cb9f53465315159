package banks_test

import (
	"context"
	"testing"

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
