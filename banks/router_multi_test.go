package banks_test

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kontoskill/konto/banks"
	"github.com/kontoskill/konto/banks/sandbox"
	"github.com/kontoskill/konto/fixtures"
)

// renamed is a sandbox bank under another bank id: the sandbox knows its
// customers as bank "sandbox", the router as id.
type renamed struct {
	id string
	b  *sandbox.Bank
}

func (r renamed) user(u banks.User) banks.User {
	if u.Bank == r.id {
		u.Bank = sandbox.Name
	}
	return u
}

func (r renamed) Accounts(ctx context.Context, u banks.User) ([]banks.Account, error) {
	return r.b.Accounts(ctx, r.user(u))
}
func (r renamed) Balance(ctx context.Context, u banks.User, id string) (banks.Balance, error) {
	return r.b.Balance(ctx, r.user(u), id)
}
func (r renamed) Transactions(ctx context.Context, u banks.User, f banks.TxFilter) ([]banks.Transaction, error) {
	return r.b.Transactions(ctx, r.user(u), f)
}
func (r renamed) Payees(ctx context.Context, u banks.User) ([]banks.Payee, error) {
	return r.b.Payees(ctx, r.user(u))
}
func (r renamed) Billers(ctx context.Context, u banks.User) ([]banks.Biller, error) {
	return r.b.Billers(ctx, r.user(u))
}
func (r renamed) Cards(ctx context.Context, u banks.User) ([]banks.Card, error) {
	return r.b.Cards(ctx, r.user(u))
}
func (r renamed) Pay(ctx context.Context, u banks.User, p banks.PaymentRequest) (banks.PaymentResult, error) {
	return r.b.Pay(ctx, r.user(u), p)
}
func (r renamed) Operation(ctx context.Context, u banks.User, key string) (banks.Operation, error) {
	return r.b.Operation(ctx, r.user(u), key)
}

// twoSandboxes is a router over two sandbox banks, "usbank" (named US
// Bank) and "ukbank" (no name set), each its own SQLite file.
func twoSandboxes(t *testing.T) (*banks.Router, map[string]*sandbox.Bank) {
	t.Helper()
	d, err := sandbox.LoadData(fixtures.FS())
	if err != nil {
		t.Fatal(err)
	}
	r := banks.NewRouter()
	out := map[string]*sandbox.Bank{}
	for _, id := range []string{"usbank", "ukbank"} {
		b, err := sandbox.Open(filepath.Join(t.TempDir(), id+".db"), []byte("test-secret-0123456789"))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { b.Close() })
		if err := b.Seed(context.Background(), d, sandbox.SeedOptions{Now: time.Date(2026, 11, 23, 6, 0, 0, 0, time.UTC)}); err != nil {
			t.Fatal(err)
		}
		r.Add(id, renamed{id, b})
		out[id] = b
	}
	r.SetName("usbank", "US Bank")
	return r, out
}

var (
	alice  = banks.User{Bank: "usbank", Customer: "alice", Locale: "en-US"}
	oliver = banks.User{Bank: "ukbank", Customer: "oliver", Locale: "en-GB"}
	both   = banks.User{Bank: "usbank", Customer: "alice", Locale: "en-US", Others: []banks.User{oliver}}
)

// A person with one bank sees the bank's own ids and names, as before
// there were several.
func TestRouterOneBankUnchanged(t *testing.T) {
	r, sb := twoSandboxes(t)
	ctx := context.Background()
	got, err := r.Accounts(ctx, alice)
	if err != nil {
		t.Fatal(err)
	}
	want, err := sb["usbank"].Accounts(ctx, banks.User{Bank: sandbox.Name, Customer: "alice"})
	if err != nil || len(got) != len(want) || len(got) == 0 {
		t.Fatalf("accounts %v, want %v (%v)", got, want, err)
	}
	for i := range got {
		if got[i] != want[i] {
			t.Errorf("account %d: got %+v, want %+v", i, got[i], want[i])
		}
	}
	if _, err := r.Balance(ctx, alice, got[0].ID); err != nil {
		t.Errorf("balance by the bank's own id: %v", err)
	}
}

// A person with two banks: the accounts of both, ids that name their
// bank and names that say it; reads by such an id go to that bank as
// that bank's customer.
func TestRouterFansOutOverTwoBanks(t *testing.T) {
	r, sb := twoSandboxes(t)
	ctx := context.Background()
	accts, err := r.Accounts(ctx, both)
	if err != nil {
		t.Fatal(err)
	}
	us, _ := sb["usbank"].Accounts(ctx, banks.User{Bank: sandbox.Name, Customer: "alice"})
	uk, _ := sb["ukbank"].Accounts(ctx, banks.User{Bank: sandbox.Name, Customer: "oliver"})
	if len(accts) != len(us)+len(uk) {
		t.Fatalf("%d accounts, want %d + %d", len(accts), len(us), len(uk))
	}
	for i, a := range accts {
		bank, own, name := "usbank", us, " at US Bank"
		j := i
		if i >= len(us) {
			bank, own, name, j = "ukbank", uk, " at ukbank", i-len(us)
		}
		if a.ID != bank+"/"+own[j].ID || a.Name != own[j].Name+name || a.Currency != own[j].Currency {
			t.Errorf("account %d: %+v, want %s/%s named %q", i, a, bank, own[j].ID, own[j].Name+name)
		}
		bal, err := r.Balance(ctx, both, a.ID)
		if err != nil {
			t.Fatalf("balance of %s: %v", a.ID, err)
		}
		want, _ := sb[bank].Balance(ctx, banks.User{Bank: sandbox.Name, Customer: map[string]string{"usbank": "alice", "ukbank": "oliver"}[bank]}, own[j].ID)
		if bal.Booked != want.Booked || bal.AccountID != a.ID {
			t.Errorf("balance of %s: %+v, want %+v", a.ID, bal, want)
		}
	}
	if _, err := r.Balance(ctx, both, uk[0].ID); banks.KindOf(err) != banks.NotFound {
		t.Errorf("a bank's own id without its bank: %v, want NotFound", err)
	}
	if _, err := r.Balance(ctx, both, "otherbank/"+uk[0].ID); banks.KindOf(err) != banks.NotFound {
		t.Errorf("an id at a bank the person has not linked: %v, want NotFound", err)
	}

	// Transactions of every bank, newest first, up to the limit; of one
	// account, only that bank's.
	txs, err := r.Transactions(ctx, both, banks.TxFilter{Limit: 200})
	if err != nil || len(txs) != 200 {
		t.Fatalf("transactions: %d %v", len(txs), err)
	}
	seen := map[string]bool{}
	for i, tx := range txs {
		bank, _, _ := strings.Cut(tx.AccountID, "/")
		seen[bank] = true
		if i > 0 && tx.Time.After(txs[i-1].Time) {
			t.Fatalf("transaction %d is newer than the one before", i)
		}
		if !strings.HasPrefix(tx.ID, bank+"/") {
			t.Errorf("transaction id %q does not name its bank %q", tx.ID, bank)
		}
	}
	if !seen["usbank"] || !seen["ukbank"] {
		t.Errorf("the 200 newest came from %v, want both banks", seen)
	}
	one, err := r.Transactions(ctx, both, banks.TxFilter{AccountID: "ukbank/" + uk[0].ID, Limit: 20})
	if err != nil || len(one) == 0 {
		t.Fatalf("transactions of one account: %v %v", one, err)
	}
	for _, tx := range one {
		if tx.AccountID != "ukbank/"+uk[0].ID {
			t.Fatalf("a transaction of %s in the listing of %s", tx.AccountID, uk[0].ID)
		}
	}
}

// A payment goes to the bank of its source account, as that bank's
// customer; one between two banks is refused and moves nothing.
func TestRouterPaysAtTheSourcesBank(t *testing.T) {
	r, sb := twoSandboxes(t)
	ctx := context.Background()
	payees, err := r.Payees(ctx, both)
	if err != nil {
		t.Fatal(err)
	}
	var ukPayee, usPayee string
	for _, p := range payees {
		switch {
		case strings.HasPrefix(p.ID, "ukbank/") && ukPayee == "":
			ukPayee = p.ID
		case strings.HasPrefix(p.ID, "usbank/") && usPayee == "":
			usPayee = p.ID
		}
	}
	if ukPayee == "" || usPayee == "" {
		t.Fatalf("payees of both banks: %+v", payees)
	}
	accts, _ := r.Accounts(ctx, both)
	var ukChecking banks.Account
	for _, a := range accts {
		if strings.HasPrefix(a.ID, "ukbank/") && a.Kind == banks.Checking {
			ukChecking = a
			break
		}
	}
	before, _ := r.Balance(ctx, both, ukChecking.ID)

	_, err = r.Pay(ctx, both, banks.PaymentRequest{Key: "k-cross", FromAccountID: ukChecking.ID, PayeeID: usPayee,
		Amount: banks.Money{Minor: 500, Currency: ukChecking.Currency}})
	if banks.KindOf(err) != banks.NotSupported || banks.ReasonOf(err) != banks.ReasonCrossBank {
		t.Fatalf("a payment from one bank to another's payee: %v, want NotSupported cross_bank", err)
	}
	res, err := r.Pay(ctx, both, banks.PaymentRequest{Key: "k-uk", FromAccountID: ukChecking.ID, PayeeID: ukPayee,
		Amount: banks.Money{Minor: 500, Currency: ukChecking.Currency}})
	if err != nil {
		t.Fatal(err)
	}
	after, _ := r.Balance(ctx, both, ukChecking.ID)
	if moved := before.Booked.Minor - after.Booked.Minor; moved != 500 {
		t.Fatalf("moved %d at the UK bank, want 500 (and nothing for the refused one)", moved)
	}
	if res.FromBalance.AccountID != "" && res.FromBalance.AccountID != ukChecking.ID {
		t.Errorf("the result's balance is of %q, want %q", res.FromBalance.AccountID, ukChecking.ID)
	}
	// The payment is the UK bank's: its customer's operation, not the US one's.
	if op, err := sb["ukbank"].Operation(ctx, banks.User{Bank: sandbox.Name, Customer: "oliver"}, "k-uk"); err != nil || !op.Applied {
		t.Errorf("the UK sandbox does not know the key: %+v %v", op, err)
	}
	if op, err := r.Operation(ctx, both, "k-uk"); err != nil || !op.Applied {
		t.Errorf("the router does not find the key at either bank: %+v %v", op, err)
	}
}

// Each bank keeps its own breaker: a bank that is down fails the
// person's reads across banks with Unavailable, not the other bank's
// own customers.
func TestRouterBreakerPerBankAcrossLinks(t *testing.T) {
	calls := 0
	r := banks.NewRouter()
	r.Add("up", readOnly{"up"})
	r.Add("down", failing{readOnly{"down"}, &calls})
	ctx := context.Background()
	u := banks.User{Bank: "up", Customer: "c", Others: []banks.User{{Bank: "down", Customer: "d"}}}
	for i := 0; i < 10; i++ {
		if _, err := r.Accounts(ctx, u); banks.KindOf(err) != banks.Unavailable {
			t.Fatalf("call %d: %v", i, err)
		}
	}
	if calls != 5 {
		t.Errorf("the failing bank was called %d times, want 5", calls)
	}
	if a, err := r.Accounts(ctx, banks.User{Bank: "up", Customer: "c"}); err != nil || len(a) != 1 {
		t.Errorf("the other bank alone: %v %v", a, err)
	}
}
