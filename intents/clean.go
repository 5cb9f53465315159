package intents

import (
	"fmt"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// Clean turns one slot value, as a platform's own recognizer filled it,
// into the catalog's canonical form, so that every adapter (Alexa,
// Dialogflow, Messenger, ...) hands the core the same values: an account
// kind, a category or biller id, an Amount in the locale's currency, a
// count, a PIN, a date ("2006-01-02") or a DateRange. raw is the value
// the platform gives (the words, or a number or date); id is its entity
// resolution id when it has one (the catalog value id, any case), else
// "". Platform date formats (AMAZON.DATE, Dialogflow's date periods) are
// the adapter's to convert first; here a range is read from ISO days or
// from the words.
func Clean(slot, raw, id, locale string, now time.Time) (any, bool) {
	norm := Normalize(raw)
	resolved := id != ""
	var v string
	switch slot {
	case SlotAccount, SlotFromAccount, SlotToAccount:
		if resolved {
			switch k := strings.ToLower(id); k {
			case "checking", "savings", "credit_card", "loan":
				return k, true
			}
		}
		v = ParseAccount(norm)
	case SlotCategory:
		v = ParseCategory(norm)
		if resolved {
			v = strings.ToLower(id)
		}
	case SlotCard:
		v = ParseCard(norm)
		if resolved {
			v = strings.ToLower(id)
		}
	case SlotBiller:
		v = ParseBiller(norm)
		if resolved {
			v = strings.ToLower(id)
		}
	case SlotMerchant, SlotPayee:
		v = norm
	case SlotCount:
		if n, ok := SmallInt(raw); ok && n > 0 && n <= 100 {
			return n, true
		}
		if n := ParseCount(norm+" transactions", locale); n > 0 {
			return n, true
		}
		return nil, false
	case SlotAmount:
		// A platform number is whole units in the locale's currency, or
		// units and a fraction after a dot in every locale (AMAZON.NUMBER
		// says "20.5", never "20,5"). A sign or "minus" makes the amount
		// negative, which the core refuses to pay, instead of dropping it
		// ("-20" is no $20.00); more decimals than cents stay as said and
		// are refused too.
		if !utf8.ValidString(raw) || strings.IndexFunc(raw, unicode.IsControl) >= 0 {
			return nil, false // "2\x000" is no $2.00: junk says no amount, and it is asked
		}
		v, sign := strings.TrimSpace(raw), ""
		if rest, ok := cutSign(v); ok {
			v, sign, norm = rest, "-", Normalize(rest)
		} else if w, rest, _ := strings.Cut(norm, " "); signWords[w] {
			v, sign, norm = rest, "-", rest
		}
		if n, ok := SmallInt(v); ok && n > 0 {
			return Amount{Value: fmt.Sprintf("%s%d.00", sign, n), Currency: CurrencyOf(locale)}, true
		}
		if whole, frac, ok := strings.Cut(v, "."); ok && whole != "" && frac != "" && isDigits(whole) && isDigits(frac) && len(whole) <= 10 {
			if len(frac) == 1 {
				frac += "0"
			}
			return Amount{Value: sign + whole + "." + frac, Currency: CurrencyOf(locale)}, true
		}
		if a, _, ok := ParseAmount(norm, locale, true); ok {
			a.Value = sign + a.Value
			return a, true
		}
		return nil, false
	case SlotPin:
		if p := ParsePin(norm); p != "" {
			return p, true
		}
		return nil, false
	case SlotDate:
		if t, err := time.Parse(time.DateOnly, raw); err == nil {
			return t.Format(time.DateOnly), true
		}
		if d, _, ok := ParseDate(norm, locale, now); ok {
			return d, true
		}
		return nil, false
	case SlotDateRange:
		if t, err := time.Parse(time.DateOnly, raw); err == nil {
			return DateRange{Start: t.Format(time.DateOnly), End: t.Format(time.DateOnly)}, true
		}
		if dr, _, ok := ParseDateRange(norm, locale, now); ok {
			return dr, true
		}
		return nil, false
	}
	if v != "" {
		return v, true
	}
	return nil, false
}

// SmallInt reads up to six decimal digits (a platform's number slot, a year).
func SmallInt(s string) (int, bool) {
	if s == "" || len(s) > 6 {
		return 0, false
	}
	n := 0
	for _, r := range s {
		if r < '0' || r > '9' {
			return 0, false
		}
		n = n*10 + int(r-'0')
	}
	return n, true
}

// signWords make the amount after them negative.
var signWords = map[string]bool{"minus": true, "negative": true, "negativ": true}

// cutSign cuts a leading minus sign (ASCII or Unicode) off a value.
func cutSign(v string) (string, bool) {
	for _, m := range []string{"-", "\u2212", "\u2013"} {
		if rest, ok := strings.CutPrefix(v, m); ok {
			return strings.TrimSpace(rest), true
		}
	}
	return v, false
}
