package bankstest_test

import (
	"context"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/kontoskill/konto/banks"
	"github.com/kontoskill/konto/banks/bankstest"
	"github.com/kontoskill/konto/banks/sandbox"
	"github.com/kontoskill/konto/fixtures"
)

func seededBank(t *testing.T) *sandbox.Bank {
	t.Helper()
	bank, err := sandbox.Open(filepath.Join(t.TempDir(), "sandbox.db"), []byte("verify-test-secret-0123456789"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { bank.Close() })
	d, err := sandbox.LoadData(fixtures.FS())
	if err != nil {
		t.Fatal(err)
	}
	if err := bank.Seed(context.Background(), d, sandbox.SeedOptions{Now: time.Now()}); err != nil {
		t.Fatal(err)
	}
	return bank
}

func byCapability(checks []bankstest.Check) map[string]bankstest.Check {
	m := map[string]bankstest.Check{}
	for _, c := range checks {
		m[c.Capability] = c
	}
	return m
}

var capabilities = []string{"accounts", "balances", "transactions", "payees", "payment", "operation lookup", "products",
	"card controls", "rewards", "credit score"}

func TestVerifySandbox(t *testing.T) {
	t.Parallel()
	bank := seededBank(t)
	for _, customer := range []string{"alice", "oliver", "jonas"} {
		t.Run(customer, func(t *testing.T) {
			c, err := bank.FindCustomer(context.Background(), customer)
			if err != nil {
				t.Fatal(err)
			}
			u := banks.User{Bank: sandbox.Name, Customer: c.ID, Locale: c.Locale}
			before, _ := bank.Balance(context.Background(), u, c.ID+"-checking")
			checks := bankstest.Verify(context.Background(), bank, u, bankstest.VerifyOptions{Pay: true})
			var got []string
			for _, c := range checks {
				t.Logf("%-16s %-11s %s", c.Capability, c.Status, c.Detail)
				got = append(got, c.Capability)
				if c.Status != bankstest.Supported && c.Status != bankstest.NotOffered {
					t.Errorf("%s: %s (%s)", c.Capability, c.Status, c.Detail)
				}
			}
			if !slices.Equal(got, capabilities) {
				t.Errorf("capabilities %v, want %v", got, capabilities)
			}
			m := byCapability(checks)
			for _, name := range []string{"accounts", "balances", "transactions", "payees", "payment", "operation lookup", "products"} {
				if m[name].Status != bankstest.Supported {
					t.Errorf("%s = %s (%s), want supported", name, m[name].Status, m[name].Detail)
				}
			}
			after, _ := bank.Balance(context.Background(), u, c.ID+"-checking")
			if moved := before.Booked.Minor - after.Booked.Minor; moved != 100 {
				t.Errorf("the run moved %d minor units out of checking, want 100 once", moved)
			}
			if bankstest.Failures(checks) != 0 {
				t.Errorf("Failures = %d", bankstest.Failures(checks))
			}
		})
	}
}

func TestVerifyWithoutPaying(t *testing.T) {
	t.Parallel()
	bank := seededBank(t)
	u := banks.User{Bank: sandbox.Name, Customer: "bob", Locale: "en-US"}
	before, _ := bank.Balance(context.Background(), u, "bob-checking")
	m := byCapability(bankstest.Verify(context.Background(), bank, u, bankstest.VerifyOptions{}))
	if m["payment"].Status != bankstest.NotOffered {
		t.Errorf("payment = %+v, want not offered (not tried)", m["payment"])
	}
	if m["operation lookup"].Status != bankstest.Supported {
		t.Errorf("operation lookup = %+v", m["operation lookup"])
	}
	if after, _ := bank.Balance(context.Background(), u, "bob-checking"); after.Booked != before.Booked {
		t.Errorf("a run without Pay moved money: %s → %s", before.Booked, after.Booked)
	}
}

// readOnly is a bank with only the read-only Connector: every optional
// power is reported not offered.
type readOnly struct{ banks.Connector }

func TestVerifyReadOnlyConnector(t *testing.T) {
	t.Parallel()
	bank := seededBank(t)
	u := banks.User{Bank: sandbox.Name, Customer: "carol", Locale: "en-US"}
	m := byCapability(bankstest.Verify(context.Background(), readOnly{bank}, u, bankstest.VerifyOptions{Pay: true}))
	for _, name := range []string{"payees", "payment", "operation lookup", "products", "card controls", "rewards", "credit score"} {
		if m[name].Status != bankstest.NotOffered {
			t.Errorf("%s = %+v, want not offered", name, m[name])
		}
	}
	for _, name := range []string{"accounts", "balances", "transactions"} {
		if m[name].Status != bankstest.Supported {
			t.Errorf("%s = %+v, want supported", name, m[name])
		}
	}
}

// broken wraps the sandbox and gets one thing wrong.
type broken struct {
	*sandbox.Bank
	balance      func(b banks.Balance) banks.Balance
	transactions func(f banks.TxFilter, txs []banks.Transaction) []banks.Transaction
	payTwice     bool // a repeated key pays again
	panics       bool
}

func (b broken) Balance(ctx context.Context, u banks.User, id string) (banks.Balance, error) {
	bal, err := b.Bank.Balance(ctx, u, id)
	if err == nil && b.balance != nil {
		bal = b.balance(bal)
	}
	return bal, err
}

func (b broken) Transactions(ctx context.Context, u banks.User, f banks.TxFilter) ([]banks.Transaction, error) {
	if b.panics {
		panic("index out of range")
	}
	txs, err := b.Bank.Transactions(ctx, u, f)
	if err == nil && b.transactions != nil {
		txs = b.transactions(f, txs)
	}
	return txs, err
}

func (b broken) Pay(ctx context.Context, u banks.User, p banks.PaymentRequest) (banks.PaymentResult, error) {
	if b.payTwice {
		p.Key += time.Now().String()
	}
	return b.Bank.Pay(ctx, u, p)
}

func TestVerifyBrokenConnector(t *testing.T) {
	t.Parallel()
	u := banks.User{Bank: sandbox.Name, Customer: "alice", Locale: "en-US"}
	for _, tc := range []struct {
		name   string
		broken broken
		want   string // the capability that fails
	}{
		{"a balance of another account", broken{balance: func(b banks.Balance) banks.Balance { b.AccountID = "alice-savings"; return b }}, "balances"},
		{"a balance in another currency", broken{balance: func(b banks.Balance) banks.Balance { b.Booked.Currency = "EUR"; return b }}, "balances"},
		{"oldest first", broken{transactions: func(_ banks.TxFilter, txs []banks.Transaction) []banks.Transaction {
			slices.Reverse(txs)
			return txs
		}}, "transactions"},
		{"one page only", broken{transactions: func(_ banks.TxFilter, txs []banks.Transaction) []banks.Transaction {
			return txs[:min(len(txs), 50)]
		}}, "transactions"},
		{"the account filter ignored", broken{transactions: func(f banks.TxFilter, txs []banks.Transaction) []banks.Transaction {
			if f.AccountID != "" {
				for i := range txs {
					txs[i].AccountID = "alice-savings"
				}
			}
			return txs
		}}, "transactions"},
		{"outside the window", broken{transactions: func(f banks.TxFilter, txs []banks.Transaction) []banks.Transaction {
			if len(txs) > 0 {
				txs[0].Time = f.To.Add(time.Hour)
			}
			return txs
		}}, "transactions"},
		{"a repeated key pays again", broken{payTwice: true}, "payment"},
		{"a panic", broken{panics: true}, "transactions"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tc.broken.Bank = seededBank(t)
			checks := bankstest.Verify(context.Background(), tc.broken, u, bankstest.VerifyOptions{Pay: true})
			m := byCapability(checks)
			if got := m[tc.want]; got.Status != bankstest.Failed || got.Detail == "" {
				t.Errorf("%s = %+v, want failed with a reason", tc.want, got)
			}
			for _, c := range checks {
				if c.Status == bankstest.Failed && c.Capability != tc.want {
					t.Errorf("%s failed too: %s", c.Capability, c.Detail)
				}
			}
			if bankstest.Failures(checks) != 1 {
				t.Errorf("Failures = %d, want 1", bankstest.Failures(checks))
			}
		})
	}
}
