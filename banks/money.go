package banks

import (
	"fmt"
	"strconv"
	"strings"

	"golang.org/x/text/currency"
	"golang.org/x/text/language"
)

// Money is an amount in minor units (cents) of an ISO 4217 currency.
// It is never a float.
type Money struct {
	Minor    int64
	Currency string
}

// minorDigits is the number of decimal places of the currencies Konto sees.
// Currencies not listed use two.
var minorDigits = map[string]int{"JPY": 0, "KRW": 0, "ISK": 0, "BHD": 3, "KWD": 3, "JOD": 3}

// MinorDigits returns the number of decimal places of the currency.
func MinorDigits(currency string) int {
	if d, ok := minorDigits[currency]; ok {
		return d
	}
	return 2
}

// Add returns m+o. Adding different currencies is a programming error and
// panics, since the result would be meaningless.
func (m Money) Add(o Money) Money {
	if m.Currency == "" {
		m.Currency = o.Currency
	}
	if o.Currency != "" && o.Currency != m.Currency {
		panic(fmt.Sprintf("banks: adding %s to %s", o.Currency, m.Currency))
	}
	return Money{Minor: m.Minor + o.Minor, Currency: m.Currency}
}

// Neg returns -m.
func (m Money) Neg() Money { return Money{Minor: -m.Minor, Currency: m.Currency} }

// Abs returns |m|.
func (m Money) Abs() Money {
	if m.Minor < 0 {
		return m.Neg()
	}
	return m
}

// Decimal returns the amount as a plain decimal string, "1234.56".
func (m Money) Decimal() string {
	d := MinorDigits(m.Currency)
	neg := m.Minor < 0
	v := m.Minor
	if neg {
		v = -v
	}
	s := strconv.FormatInt(v, 10)
	if d > 0 {
		for len(s) <= d {
			s = "0" + s
		}
		s = s[:len(s)-d] + "." + s[len(s)-d:]
	}
	if neg {
		s = "-" + s
	}
	return s
}

// String returns "1234.56 USD", for logs and tests (never for speech).
func (m Money) String() string { return m.Decimal() + " " + m.Currency }

// ParseMoney parses a plain decimal amount ("1234.5", "-20", "0.99") in
// the given currency. It returns an Invalid error for anything else,
// including more decimals than the currency has.
func ParseMoney(s, currency string) (Money, error) {
	const op = "banks.ParseMoney"
	d := MinorDigits(currency)
	s = strings.TrimSpace(s)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	whole, frac, hasFrac := strings.Cut(s, ".")
	if whole == "" || len(frac) > d || (hasFrac && frac == "") || len(whole) > 15 {
		return Money{}, E(op, Invalid, fmt.Errorf("bad amount %q", s))
	}
	for len(frac) < d {
		frac += "0"
	}
	v, err := strconv.ParseInt(whole+frac, 10, 64)
	if err != nil || v < 0 {
		return Money{}, E(op, Invalid, fmt.Errorf("bad amount %q", s))
	}
	if neg {
		v = -v
	}
	return Money{Minor: v, Currency: currency}, nil
}

// CurrencyOf is the default currency of a locale ("en-US" → USD, "en-GB"
// → GBP, "de-DE" → EUR): the one rule, x/text's region table. intents has
// the same function for the recognizer, which must not import banks.
func CurrencyOf(locale string) string {
	region, _ := language.Make(locale).Region()
	if u, ok := currency.FromRegion(region); ok {
		return u.String()
	}
	return "EUR"
}
