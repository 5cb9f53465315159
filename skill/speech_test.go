package skill

import (
	"testing"
	"time"

	"golang.org/x/text/number"

	"github.com/kontoskill/konto/banks"
	"github.com/kontoskill/konto/intents"
)

// TestFormatsPerLocale pins money, dates, periods and lists in each
// locale: en-GB has its own currency default and British dates, the
// others keep the forms the fixtures expect.
func TestFormatsPerLocale(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 11, 23, 8, 0, 0, 0, time.UTC)
	day := time.Date(2026, 11, 3, 0, 0, 0, 0, time.UTC)
	lastYear := time.Date(2025, 5, 1, 0, 0, 0, 0, time.UTC)
	money := func(locale, minor string) banks.Money {
		m, err := banks.ParseMoney(minor, banks.CurrencyOf(locale))
		if err != nil {
			t.Fatal(err)
		}
		return m
	}
	for _, c := range []struct {
		locale                      string
		money, odd, date, year, on  string
		month, rng, yearRange, list string
		kind, category, or          string
	}{
		{"en-US", "$1,234.56", "JPY 1,235", "November 3rd", "May 1st, 2025", "on November 3rd",
			"in October", "from May 1st, 2025 to November 3rd", "in 2025", "a, b and c",
			"checking account", "gas", "a or b"},
		{"en-GB", "£1,234.56", "JPY 1,235", "3 November", "1 May 2025", "on 3 November",
			"in October", "from 1 May 2025 to 3 November", "in 2025", "a, b and c",
			"current account", "fuel", "a or b"},
		{"de-DE", "1.234,56\u00a0€", "1.235\u00a0JPY", "3. November", "1. Mai 2025", "am 3. November",
			"im Oktober", "vom 1. Mai 2025 bis zum 3. November", "im Jahr 2025", "a, b und c",
			"Girokonto", "Tanken", "a oder b"},
	} {
		t.Run(c.locale, func(t *testing.T) {
			l := langOf(c.locale)
			for _, g := range []struct{ what, got, want string }{
				{"Money", l.Money(money(c.locale, "-1234.56")), c.money},
				{"Money JPY", l.Money(banks.Money{Minor: 1235, Currency: "JPY"}), c.odd},
				{"Date", l.Date(day, now), c.date},
				{"Date last year", l.Date(lastYear, now), c.year},
				{"On", l.On(day, now), c.on},
				{"On today", l.On(now, now), l.msg("day.today")},
				{"Period month", l.Period(intents.DateRange{Start: "2026-10-01", End: "2026-10-31"}, now), c.month},
				{"Period range", l.Period(intents.DateRange{Start: "2025-05-01", End: "2026-11-03"}, now), c.rng},
				{"Period year", l.Period(intents.DateRange{Start: "2025-01-01", End: "2025-12-31"}, now), c.yearRange},
				{"List", l.List([]string{"a", "b", "c"}), c.list},
				{"or", l.or([]string{"a", "b"}), c.or},
				{"AccountKind", l.AccountKind(banks.Checking), c.kind},
				{"Category", l.Category("fuel"), c.category},
				{"Category unknown", l.Category("llamas"), "llamas"},
			} {
				if g.got != g.want {
					t.Errorf("%s = %q, want %q", g.what, g.got, g.want)
				}
			}
		})
	}
}

// TestLangOf: German for any German locale, British English for en-GB,
// American English for everything else.
func TestLangOf(t *testing.T) {
	t.Parallel()
	for locale, want := range map[string]string{
		"de-DE": "de-DE", "de-AT": "de-DE", "en-GB": "en-GB", "en-gb": "en-GB",
		"en-US": "en-US", "en-CA": "en-US", "": "en-US",
	} {
		if got := langOf(locale).locale; got != want {
			t.Errorf("langOf(%q) = %s, want %s", locale, got, want)
		}
	}
}

// TestDigitsAsXText checks the fast formatting of amounts (digits.go)
// against golang.org/x/text, which it stands in for, in every locale.
func TestDigitsAsXText(t *testing.T) {
	t.Parallel()
	amounts := []int64{0, 1, 9, 10, 99, 100, 101, 999, 1000, 1001, 12345, 99999, 100000, 123456, 999999, 1000000,
		1234567, 12345678, 100000000, 123456789012, 999999999999999}
	for loc, l := range langs {
		if !localeSeparators[loc].ok {
			t.Errorf("%s: separators %+v not found, every amount goes through x/text", loc, localeSeparators[loc])
		}
		for _, scale := range []int{0, 2, 3} {
			div := 1.0
			for range scale {
				div *= 10
			}
			for _, n := range amounts {
				got, ok := l.digits(n, scale)
				want := l.printer.Sprint(number.Decimal(float64(n)/div, number.Scale(scale)))
				if !ok || got != want {
					t.Errorf("%s: digits(%d, %d) = %q, %v; x/text says %q", loc, n, scale, got, ok, want)
				}
			}
		}
	}
}
