package berlingroup

import (
	"net/http"
	"testing"
	"time"

	"github.com/kontoskill/konto/banks"
)

func TestParseAmount(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		cur, amount string
		want        int64
		ok          bool
	}{
		{"EUR", "500.00", 50000, true},
		{"EUR", "-100.03", -10003, true},
		{"EUR", "100", 10000, true},
		{"EUR", "0.5", 50, true},
		{"EUR", "12.500", 1250, true}, // the standard's third decimal, zero
		{"EUR", "12.501", 0, false},
		{"JPY", "1200", 1200, true},
		{"JPY", "1200.0", 1200, true},
		{"KWD", "1.234", 1234, true},
		{"EUR", "99999999999999.99", 9999999999999999, true},
		{"EUR", "1e3", 0, false},
		{"EUR", "1,00", 0, false},
		{"EUR", "+1.00", 0, false},
		{"EUR", " 1.00", 0, false},
		{"EUR", "1.", 0, false},
		{"EUR", ".5", 0, false},
		{"EUR", "", 0, false},
		{"eur", "1.00", 0, false},
		{"EURO", "1.00", 0, false},
		{"", "1.00", 0, false},
	} {
		got, err := parseAmount(amount{Currency: tc.cur, Amount: tc.amount})
		if (err == nil) != tc.ok || (tc.ok && got != (banks.Money{Minor: tc.want, Currency: tc.cur})) {
			t.Errorf("parseAmount(%q %q) = %v, %v; want %d, ok %v", tc.amount, tc.cur, got, err, tc.want, tc.ok)
		}
	}
}

func FuzzParseAmount(f *testing.F) {
	for _, s := range []string{"500.00", "-100.03", "12.500", "1e3", "99999999999999.999", "-0", "0.001"} {
		f.Add(s, "EUR")
	}
	f.Add("1200", "JPY")
	f.Fuzz(func(t *testing.T, s, cur string) {
		m, err := parseAmount(amount{Currency: cur, Amount: s})
		if err != nil {
			return
		}
		// What is accepted reads back to the same value.
		back, err := parseAmount(amount{Currency: cur, Amount: m.Decimal()})
		if err != nil || back != m {
			t.Fatalf("%q %s → %v → %q → %v, %v", s, cur, m, m.Decimal(), back, err)
		}
	})
}

func FuzzErrorBody(f *testing.F) {
	for _, s := range []string{`{"tppMessages":[{"category":"ERROR","code":"CONSENT_EXPIRED"}]}`, `[{"code":"ACCESS_EXCEEDED"}]`,
		`{"code":"CONSENT_INVALID","additionalErrors":[{"code":"X"}]}`, `<html>`, ``, `null`, `{"tppMessages":null}`} {
		f.Add(401, s)
	}
	f.Fuzz(func(t *testing.T, status int, body string) {
		err := apiError("test", &response{status: status, header: http.Header{}, body: []byte(body)})
		if err == nil || banks.KindOf(err) == banks.Other {
			t.Fatalf("apiError(%d, %q) = %v", status, body, err)
		}
	})
}

func TestRetryAfter(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	for v, want := range map[string]time.Duration{
		"":                              0,
		"3":                             3 * time.Second,
		"-1":                            0,
		"soon":                          0,
		"Mon, 23 Nov 2026 12:00:30 GMT": 30 * time.Second,
		"Mon, 23 Nov 2026 11:00:00 GMT": 0,
	} {
		if got := retryAfter(http.Header{"Retry-After": {v}}, now); got != want {
			t.Errorf("Retry-After %q = %s, want %s", v, got, want)
		}
	}
}

func TestPickBalance(t *testing.T) {
	t.Parallel()
	bal := func(typ, cur, amt string, limit bool) bgBalance {
		return bgBalance{BalanceType: typ, BalanceAmount: amount{Currency: cur, Amount: amt}, CreditLimitIncluded: limit}
	}
	now := time.Now()
	// A card's only available balance includes its limit.
	b, err := balanceOf("c", "EUR", []bgBalance{bal("interimBooked", "EUR", "-200.00", false), bal("interimAvailable", "EUR", "2800.00", true)}, now)
	if err != nil || b.Booked.Minor != -20000 || b.Available.Minor != 280000 {
		t.Errorf("card: %+v, %v", b, err)
	}
	// Only an available balance: booked falls back to it; the account's currency wins.
	b, err = balanceOf("m", "USD", []bgBalance{bal("interimAvailable", "EUR", "1.00", false), bal("interimAvailable", "USD", "2.00", false)}, now)
	if err != nil || b.Booked.Minor != 200 || b.Available.Minor != 200 || b.Booked.Currency != "USD" {
		t.Errorf("multicurrency: %+v, %v", b, err)
	}
	if _, err := balanceOf("x", "", []bgBalance{bal("nonInvoiced", "EUR", "1.00", false)}, now); err == nil {
		t.Error("a nonInvoiced balance alone was taken")
	}
}
