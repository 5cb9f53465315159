package skill

import (
	"fmt"
	"strings"
	"time"

	"golang.org/x/text/currency"
	"golang.org/x/text/language"
	"golang.org/x/text/message"
	"golang.org/x/text/number"

	"github.com/kontoskill/konto/banks"
	"github.com/kontoskill/konto/intents"
)

// lang is the speech language of a request: German for de-*, English
// (US wording) otherwise.
type lang struct {
	de      bool
	printer *message.Printer
}

var (
	langEN = lang{printer: message.NewPrinter(language.AmericanEnglish)}
	langDE = lang{de: true, printer: message.NewPrinter(language.German)}
)

func langOf(locale string) lang {
	if intents.German(locale) {
		return langDE
	}
	return langEN
}

var symbols = map[string]string{"USD": "$", "EUR": "€", "GBP": "£"}

// Money formats an amount for speech and cards: "$1,234.56" in English,
// "1.234,56 €" in German. Digits and grouping come from golang.org/x/text;
// the symbol goes where the locale puts it (x/text's currency formatter
// always prefixes it). The sign is dropped: sentences say "owe" or "from".
func (l lang) Money(m banks.Money) string {
	m = m.Abs()
	scale := banks.MinorDigits(m.Currency)
	if u, err := currency.ParseISO(m.Currency); err == nil {
		scale, _ = currency.Standard.Rounding(u)
	}
	div := 1.0
	for range banks.MinorDigits(m.Currency) {
		div *= 10
	}
	// The float is only a formatting carrier for a value with at most 15
	// significant digits; amounts are kept as integers everywhere else.
	digits := l.printer.Sprint(number.Decimal(float64(m.Minor)/div, number.Scale(scale)))
	sym, ok := symbols[m.Currency]
	if !ok {
		sym = m.Currency
	}
	if l.de {
		return digits + "\u00a0" + sym
	}
	if !ok {
		return sym + " " + digits
	}
	return sym + digits
}

var monthsEN = [...]string{"January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"}
var monthsDE = [...]string{"Januar", "Februar", "März", "April", "Mai", "Juni", "Juli", "August", "September", "Oktober", "November", "Dezember"}

func ordinalEN(d int) string {
	suf := "th"
	switch {
	case d%100 >= 11 && d%100 <= 13:
	case d%10 == 1:
		suf = "st"
	case d%10 == 2:
		suf = "nd"
	case d%10 == 3:
		suf = "rd"
	}
	return fmt.Sprintf("%d%s", d, suf)
}

// Date formats a day: "November 3rd" or "3. November", with the year when
// it is not the current one. (golang.org/x/text has no date formatting;
// month names are the one table kept here.)
func (l lang) Date(t, now time.Time) string {
	var s string
	if l.de {
		s = fmt.Sprintf("%d. %s", t.Day(), monthsDE[t.Month()-1])
	} else {
		s = monthsEN[t.Month()-1] + " " + ordinalEN(t.Day())
	}
	if t.Year() != now.Year() {
		if l.de {
			s += fmt.Sprintf(" %d", t.Year())
		} else {
			s += fmt.Sprintf(", %d", t.Year())
		}
	}
	return s
}

// On says when a day was: "today", "yesterday" or "on November 3rd".
func (l lang) On(t, now time.Time) string {
	d := time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
	today := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, time.UTC)
	switch {
	case d.Equal(today):
		return l.pick("today", "heute")
	case d.Equal(today.AddDate(0, 0, -1)):
		return l.pick("yesterday", "gestern")
	}
	return l.pick("on ", "am ") + l.Date(t, now)
}

func (l lang) month(t, now time.Time) string {
	s := monthsEN[t.Month()-1]
	if l.de {
		s = monthsDE[t.Month()-1]
	}
	if t.Year() != now.Year() {
		s += fmt.Sprintf(" %d", t.Year())
	}
	return s
}

// Period says a date range as a sentence part: "today", "in October",
// "this month", "on November 3rd", "from May 3rd to November 23rd" (and
// the German forms).
func (l lang) Period(dr intents.DateRange, now time.Time) string {
	from, err1 := time.Parse(time.DateOnly, dr.Start)
	to, err2 := time.Parse(time.DateOnly, dr.End)
	if err1 != nil || err2 != nil {
		return ""
	}
	today := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, time.UTC)
	pick := func(en, de string) string {
		if l.de {
			return de
		}
		return en
	}
	switch {
	case from.Equal(to) && from.Equal(today):
		return pick("today", "heute")
	case from.Equal(to) && from.Equal(today.AddDate(0, 0, -1)):
		return pick("yesterday", "gestern")
	case from.Equal(to):
		return pick("on ", "am ") + l.Date(from, now)
	case from.Day() == 1 && from.Year() == to.Year() && from.Month() == to.Month() &&
		(to.Equal(from.AddDate(0, 1, -1)) || to.Equal(today)):
		if from.Year() == today.Year() && from.Month() == today.Month() {
			return pick("this month", "diesen Monat")
		}
		return pick("in ", "im ") + l.month(from, now)
	case from.YearDay() == 1 && to.Month() == 12 && to.Day() == 31 && from.Year() == to.Year():
		return pick(fmt.Sprintf("in %d", from.Year()), fmt.Sprintf("im Jahr %d", from.Year()))
	case to.Equal(today):
		return pick("since ", "seit dem ") + l.Date(from, now)
	}
	return pick("from ", "vom ") + l.Date(from, now) + pick(" to ", " bis zum ") + l.Date(to, now)
}

// List joins items: "a, b and c" / "a, b und c".
func (l lang) List(items []string) string {
	and := " and "
	if l.de {
		and = " und "
	}
	switch len(items) {
	case 0:
		return ""
	case 1:
		return items[0]
	}
	return strings.Join(items[:len(items)-1], ", ") + and + items[len(items)-1]
}

var categoryNames = map[string][2]string{
	"groceries": {"groceries", "Lebensmittel"}, "restaurants": {"restaurants", "Restaurants"},
	"fuel": {"gas", "Tanken"}, "shopping": {"shopping", "Shopping"}, "travel": {"travel", "Reisen"},
	"transport": {"transportation", "Verkehrsmittel"}, "utilities": {"utilities", "Nebenkosten"},
	"entertainment": {"entertainment", "Freizeit"}, "health": {"health", "Gesundheit"},
	"subscriptions": {"subscriptions", "Abos"}, "rent": {"rent", "Miete"}, "cash": {"cash withdrawals", "Bargeld"},
	"income": {"income", "Einnahmen"}, "transfers": {"transfers", "Überweisungen"}, "other": {"other things", "Sonstiges"},
}

func (l lang) Category(c string) string {
	n, ok := categoryNames[c]
	if !ok {
		return c
	}
	if l.de {
		return n[1]
	}
	return n[0]
}

var accountKindNames = map[banks.AccountKind][2]string{
	banks.Checking: {"checking account", "Girokonto"}, banks.Savings: {"savings account", "Sparkonto"},
	banks.CreditCard: {"credit card", "Kreditkarte"}, banks.Loan: {"loan", "Kredit"},
}

func (l lang) AccountKind(k banks.AccountKind) string {
	n := accountKindNames[k]
	if l.de {
		return n[1]
	}
	return n[0]
}

func (l lang) pick(en, de string) string {
	if l.de {
		return de
	}
	return en
}
