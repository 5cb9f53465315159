package sandbox_test

import (
	"context"
	"errors"
	"path/filepath"
	"testing"
	"time"

	"github.com/kontoskill/konto/banks"
	"github.com/kontoskill/konto/banks/bankstest"
	"github.com/kontoskill/konto/banks/sandbox"
	"github.com/kontoskill/konto/fixtures"
)

var now = time.Date(2026, 11, 23, 6, 0, 0, 0, time.UTC)

func seeded(t testing.TB, synthetic int) *sandbox.Bank {
	t.Helper()
	b, err := sandbox.Open(filepath.Join(t.TempDir(), "sandbox.db"), []byte("test-secret-0123456789"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close() })
	d, err := sandbox.LoadData(fixtures.FS())
	if err != nil {
		t.Fatal(err)
	}
	if err := b.Seed(context.Background(), d, sandbox.SeedOptions{Now: now, Synthetic: synthetic}); err != nil {
		t.Fatal(err)
	}
	return b
}

func user(t testing.TB, b *sandbox.Bank, id string) banks.User {
	u, err := b.Authenticate(context.Background(), b.Token(id))
	if err != nil {
		t.Fatal(err)
	}
	return u
}

func TestConformance(t *testing.T) {
	b := seeded(t, 0)
	bankstest.Run(t, bankstest.Subject{Connector: b, A: user(t, b, "alice"), B: user(t, b, "jonas"), TokenA: b.Token("alice")})
}

// TestConformanceWithAFrozenAccount runs the suite for a customer whose
// savings the bank froze (bob), so that the refusal comes from the seeded
// freeze, not from one the suite made.
func TestConformanceWithAFrozenAccount(t *testing.T) {
	b := seeded(t, 0)
	bob := user(t, b, "bob")
	accts, err := b.Accounts(context.Background(), bob)
	if err != nil {
		t.Fatal(err)
	}
	var frozen string
	for _, a := range accts {
		if st, err := b.Status(context.Background(), bob, a.ID); err == nil && st.Status == "frozen" {
			frozen = a.ID
		}
	}
	if frozen == "" {
		t.Fatal("bob has no frozen account")
	}
	bankstest.Run(t, bankstest.Subject{Connector: b, A: bob, B: user(t, b, "alice"), TokenA: b.Token("bob"), FrozenA: frozen})
}

func TestDemoCustomers(t *testing.T) {
	ctx := context.Background()
	b := seeded(t, 0)
	cs, err := b.Customers(ctx, true)
	if err != nil {
		t.Fatal(err)
	}
	locales := map[string]int{}
	for _, c := range cs {
		locales[c.Locale]++
		u := user(t, b, c.ID)
		accts, _ := b.Accounts(ctx, u)
		kinds := map[banks.AccountKind]bool{}
		for _, a := range accts {
			kinds[a.Kind] = true
			wantCur := map[string]string{"en-US": "USD", "en-GB": "GBP", "de-DE": "EUR"}[c.Locale]
			if a.Currency != wantCur {
				t.Errorf("%s %s in %s, want %s", c.ID, a.Kind, a.Currency, wantCur)
			}
		}
		if !kinds[banks.Checking] || !kinds[banks.Savings] || !kinds[banks.CreditCard] {
			t.Errorf("%s has %v, want checking, savings and a credit card", c.ID, kinds)
		}
		cards, _ := b.Cards(ctx, u)
		ck := map[banks.CardKind]bool{}
		for _, k := range cards {
			ck[k.Kind] = true
		}
		if !ck[banks.Debit] || !ck[banks.Credit] {
			t.Errorf("%s cards %v", c.ID, ck)
		}
		payees, _ := b.Payees(ctx, u)
		billers, _ := b.Billers(ctx, u)
		if len(payees) == 0 || len(billers) == 0 {
			t.Errorf("%s: %d payees, %d billers", c.ID, len(payees), len(billers))
		}
		// Twelve months of history with salary, rent, groceries, and a
		// few pending and declined ones.
		txs, _ := b.Transactions(ctx, u, banks.TxFilter{Statuses: []banks.TxStatus{banks.Booked, banks.Pending, banks.Declined}})
		cats, states := map[string]int{}, map[banks.TxStatus]int{}
		oldest := now
		for _, tx := range txs {
			cats[tx.Category]++
			states[tx.Status]++
			if tx.Time.Before(oldest) {
				oldest = tx.Time
			}
		}
		for _, cat := range []string{"income", "rent", "groceries", "restaurants", "fuel", "subscriptions"} {
			if cats[cat] < 10 {
				t.Errorf("%s: only %d %s transactions in a year", c.ID, cats[cat], cat)
			}
		}
		if states[banks.Declined] == 0 || states[banks.Pending] == 0 {
			t.Errorf("%s: states %v, want some declined and pending", c.ID, states)
		}
		if now.Sub(oldest) < 360*24*time.Hour {
			t.Errorf("%s: history starts %s", c.ID, oldest)
		}
	}
	if locales["en-US"] < 3 || locales["de-DE"] < 2 {
		t.Fatalf("demo customers per locale: %v", locales)
	}
}

func TestGermanMerchants(t *testing.T) {
	b := seeded(t, 0)
	txs, err := b.Transactions(context.Background(), user(t, b, "jonas"), banks.TxFilter{Category: "groceries", Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	german := map[string]bool{"REWE": true, "EDEKA": true, "Aldi Süd": true, "Lidl": true, "Kaufland": true, "dm-drogerie markt": true}
	for _, tx := range txs {
		if !german[tx.Merchant] {
			t.Fatalf("German customer shops at %q", tx.Merchant)
		}
	}
}

func TestSeedIsDeterministic(t *testing.T) {
	ctx := context.Background()
	a, b := seeded(t, 3), seeded(t, 3)
	for _, id := range []string{"alice", "lena", "s000001"} {
		ta, _ := a.Transactions(ctx, user(t, a, id), banks.TxFilter{})
		tb, _ := b.Transactions(ctx, user(t, b, id), banks.TxFilter{})
		if len(ta) != len(tb) || len(ta) == 0 {
			t.Fatalf("%s: %d vs %d transactions", id, len(ta), len(tb))
		}
		for i := range ta {
			if ta[i] != tb[i] {
				t.Fatalf("%s: transaction %d differs: %+v vs %+v", id, i, ta[i], tb[i])
			}
		}
	}
}

func TestBalancesMatchTransactions(t *testing.T) {
	ctx := context.Background()
	b := seeded(t, 0)
	u := user(t, b, "bob")
	accts, _ := b.Accounts(ctx, u)
	for _, a := range accts {
		bal, err := b.Balance(ctx, u, a.ID)
		if err != nil {
			t.Fatal(err)
		}
		if a.Kind == banks.Checking && bal.Booked.Minor <= 0 {
			t.Errorf("bob's checking is overdrawn: %s", bal.Booked)
		}
		if a.Kind == banks.CreditCard && bal.Available.Minor != a.CreditLimit.Minor+bal.Booked.Minor+pendingOf(t, b, u, a.ID) {
			t.Errorf("credit card available %s, limit %s, booked %s", bal.Available, a.CreditLimit, bal.Booked)
		}
	}
}

func pendingOf(t testing.TB, b *sandbox.Bank, u banks.User, acc string) int64 {
	txs, err := b.Transactions(context.Background(), u, banks.TxFilter{AccountID: acc, Statuses: []banks.TxStatus{banks.Pending}})
	if err != nil {
		t.Fatal(err)
	}
	var sum int64
	for _, tx := range txs {
		if tx.Amount.Minor < 0 {
			sum += tx.Amount.Minor
		}
	}
	return sum
}

func TestTokens(t *testing.T) {
	ctx := context.Background()
	b := seeded(t, 0)
	if b.Token("alice") == b.Token("bob") || b.Token("alice") != b.Token("alice") {
		t.Fatal("tokens must be per customer and stable")
	}
	for _, tok := range []string{"", "ksbx_", b.Token("alice") + "x", "ksbx_" + b.Token("nobody")} {
		if _, err := b.Authenticate(ctx, tok); !errors.Is(err, banks.KindError(banks.NotLinked)) {
			t.Errorf("Authenticate(%q) error = %v, want NotLinked", tok, err)
		}
	}
	other, err := sandbox.Open(filepath.Join(t.TempDir(), "o.db"), []byte("another-secret-0123456789"))
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	if other.Token("alice") == b.Token("alice") {
		t.Fatal("tokens must depend on the secret")
	}
	if p := b.PIN("alice"); len(p) != 4 {
		t.Fatalf("PIN %q", p)
	}
}

func TestMerchantKey(t *testing.T) {
	for in, want := range map[string]string{"Trader Joe's": "trader joes", "trader joes": "trader joes", "Aldi Süd": "aldi süd",
		"dm-drogerie markt": "dm drogerie markt", "  Whole   Foods ": "whole foods", "Booking.com": "bookingcom"} {
		if got := sandbox.MerchantKey(in); got != want {
			t.Errorf("MerchantKey(%q) = %q, want %q", in, got, want)
		}
	}
}

// BenchmarkSeed10k measures seeding ten thousand synthetic customers with
// twelve months each (the target: under a minute).
func BenchmarkSeed10k(b *testing.B) {
	for b.Loop() {
		seeded(b, 10000)
	}
}
