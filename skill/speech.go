package skill

import (
	"strconv"
	"strings"
	"time"

	"golang.org/x/text/currency"
	"golang.org/x/text/message"
	"golang.org/x/text/number"

	"github.com/kontoskill/konto/banks"
	"github.com/kontoskill/konto/intents"
)

// lang is the speech language of a request: the catalog locale whose
// messages it speaks (messages.go) and a printer that renders them and
// formats numbers the locale's way.
type lang struct {
	locale  string // en-US, en-GB or de-DE
	printer *message.Printer
	// plain are the messages whose only verbs are %s, with the number of
	// them: given that many strings, fmt renders them as the printer does
	// at a fifth of the cost (lang.msg).
	plain map[string]plainMessage
}

type plainMessage struct {
	format string
	args   int
}

// langOf picks the catalog locale of a request's locale: de-DE for any
// German locale, en-GB for British English, en-US for everything else.
func langOf(locale string) lang {
	switch {
	case intents.German(locale):
		return langs["de-DE"]
	case strings.EqualFold(locale, "en-GB"):
		return langs["en-GB"]
	}
	return langs["en-US"]
}

var symbols = map[string]string{"USD": "$", "EUR": "€", "GBP": "£"}

// Money formats an amount for speech and cards: "$1,234.56" in en-US,
// "£1,234.56" in en-GB, "1.234,56 €" in German. Digits and grouping come
// from golang.org/x/text; where the symbol goes is the catalog's
// money.symbol (x/text's currency formatter always prefixes it). The sign
// is dropped: sentences say "owe" or "from".
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
	digits, ok := "", false
	if scale == banks.MinorDigits(m.Currency) {
		digits, ok = l.digits(m.Minor, scale) // x/text's marks, without its cost (digits.go)
	}
	if !ok {
		digits = l.printer.Sprint(number.Decimal(float64(m.Minor)/div, number.Scale(scale)))
	}
	if sym, ok := symbols[m.Currency]; ok {
		return l.msg("money.symbol", sym, digits)
	}
	return l.msg("money.code", m.Currency, digits)
}

// ordinalEN is the English ordinal of a day of the month ("3rd"), for
// catalogs whose date.day uses it.
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
	return strconv.Itoa(d) + suf
}

// monthName is a month's name in the catalog (month.1 ... month.12).
func (l lang) monthName(m time.Month) string { return l.msg("month." + strconv.Itoa(int(m))) }

// Date formats a day: "November 3rd" (en-US), "3 November" (en-GB),
// "3. November" (German), with the year when it is not the current one.
// The catalog's date.day gets the month, the day and the English ordinal
// of the day, and uses what its locale needs. (golang.org/x/text has no
// date formatting.) Years go in as strings: a printer would group them.
func (l lang) Date(t, now time.Time) string {
	s := l.msg("date.day", l.monthName(t.Month()), strconv.Itoa(t.Day()), ordinalEN(t.Day()))
	if t.Year() != now.Year() {
		s = l.msg("date.year", s, strconv.Itoa(t.Year()))
	}
	return s
}

// On says when a day was: "today", "yesterday" or "on November 3rd".
func (l lang) On(t, now time.Time) string {
	d := time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
	today := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, time.UTC)
	switch {
	case d.Equal(today):
		return l.msg("day.today")
	case d.Equal(today.AddDate(0, 0, -1)):
		return l.msg("day.yesterday")
	}
	return l.msg("day.on", l.Date(t, now))
}

func (l lang) month(t, now time.Time) string {
	s := l.monthName(t.Month())
	if t.Year() != now.Year() {
		s = l.msg("date.month_year", s, strconv.Itoa(t.Year()))
	}
	return s
}

// Period says a date range as a sentence part: "today", "in October",
// "this month", "on November 3rd", "from May 3rd to November 23rd" (and
// the other locales' forms).
func (l lang) Period(dr intents.DateRange, now time.Time) string {
	from, err1 := time.Parse(time.DateOnly, dr.Start)
	to, err2 := time.Parse(time.DateOnly, dr.End)
	if err1 != nil || err2 != nil {
		return ""
	}
	today := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, time.UTC)
	switch {
	case from.Equal(to) && from.Equal(today):
		return l.msg("day.today")
	case from.Equal(to) && from.Equal(today.AddDate(0, 0, -1)):
		return l.msg("day.yesterday")
	case from.Equal(to):
		return l.msg("day.on", l.Date(from, now))
	case from.Day() == 1 && from.Year() == to.Year() && from.Month() == to.Month() &&
		(to.Equal(from.AddDate(0, 1, -1)) || to.Equal(today)):
		if from.Year() == today.Year() && from.Month() == today.Month() {
			return l.msg("period.this_month")
		}
		return l.msg("period.month", l.month(from, now))
	case from.YearDay() == 1 && to.Month() == 12 && to.Day() == 31 && from.Year() == to.Year():
		return l.msg("period.year", strconv.Itoa(from.Year()))
	case to.Equal(today):
		return l.msg("period.since", l.Date(from, now))
	}
	return l.msg("period.range", l.Date(from, now), l.Date(to, now))
}

// List joins items: "a, b and c" / "a, b und c".
func (l lang) List(items []string) string {
	switch len(items) {
	case 0:
		return ""
	case 1:
		return items[0]
	}
	return l.msg("list.and", strings.Join(items[:len(items)-1], ", "), items[len(items)-1])
}

// or joins choices: "a, b or c" / "a, b oder c".
func (l lang) or(items []string) string {
	if len(items) < 2 {
		return strings.Join(items, "")
	}
	return l.msg("list.or", strings.Join(items[:len(items)-1], ", "), items[len(items)-1])
}

// Category names a spending category (category.groceries, ...); an
// unknown one is said as it is.
func (l lang) Category(c string) string {
	if !l.has("category." + c) {
		return c
	}
	return l.msg("category." + c)
}

// AccountKind names a kind of account (kind.checking, ...); empty for a
// kind the catalog does not know.
func (l lang) AccountKind(k banks.AccountKind) string {
	if !l.has("kind." + string(k)) {
		return ""
	}
	return l.msg("kind." + string(k))
}
