package sandbox_test

import (
	"context"
	"testing"

	"github.com/kontoskill/konto/banks"
)

// TestAccountBalancesAgreeWithAccountsAndBalance checks the batch read
// against the reads it stands for, for every kind and all kinds.
func TestAccountBalancesAgreeWithAccountsAndBalance(t *testing.T) {
	b := seeded(t, 0)
	ctx := context.Background()
	for _, customer := range []string{"alice", "jonas", "oliver"} {
		u := user(t, b, customer)
		all, err := b.Accounts(ctx, u)
		if err != nil {
			t.Fatal(err)
		}
		for _, kind := range []banks.AccountKind{"", banks.Checking, banks.Savings, banks.CreditCard, banks.Loan} {
			accts, bals, err := b.AccountBalances(ctx, u, kind)
			if err != nil {
				t.Fatal(err)
			}
			var want []banks.Account
			for _, a := range all {
				if kind == "" || a.Kind == kind {
					want = append(want, a)
				}
			}
			if len(accts) != len(want) || len(bals) != len(want) {
				t.Fatalf("%s %q: %d accounts and %d balances, want %d", customer, kind, len(accts), len(bals), len(want))
			}
			for i, a := range want {
				bal, err := b.Balance(ctx, u, a.ID)
				if err != nil {
					t.Fatal(err)
				}
				bal.AsOf = bals[i].AsOf
				if accts[i] != a || bals[i] != bal {
					t.Errorf("%s %q #%d: %+v %+v, want %+v %+v", customer, kind, i, accts[i], bals[i], a, bal)
				}
			}
		}
	}
	if _, _, err := b.AccountBalances(ctx, banks.User{Bank: "other", Customer: "alice"}, ""); banks.KindOf(err) != banks.NotLinked {
		t.Fatalf("another bank's user: %v, want NotLinked", err)
	}
}
