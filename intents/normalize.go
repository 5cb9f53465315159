package intents

import (
	"regexp"
	"strconv"
	"strings"
	"unicode"
)

// Normalize lower-cases text and reduces it to words separated by single
// spaces, keeping letters (including umlauts), digits, and the decimal
// separators inside numbers.
func Normalize(text string) string {
	var b strings.Builder
	rs := []rune(spacedDate(strings.ToLower(text)))
	space := true
	for i, r := range rs {
		switch {
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			b.WriteRune(r)
			space = false
		case (r == '.' || r == ',' || r == '/') && i > 0 && i+1 < len(rs) && unicode.IsDigit(rs[i-1]) && unicode.IsDigit(rs[i+1]):
			b.WriteRune(r) // "12,50", "1.11.", "11/1" (a date, numericDate)
		case r == '\'' || r == '’':
			// "what's" → "whats", "joe's" → "joes"
		default:
			if !space {
				b.WriteByte(' ')
				space = true
			}
		}
	}
	return strings.TrimSpace(b.String())
}

// German returns whether locale is a German one.
func German(locale string) bool { return strings.HasPrefix(strings.ToLower(locale), "de") }

// hasWord reports whether any of the words occurs in the word list.
func hasAny(words []string, set ...string) bool {
	for _, w := range words {
		for _, s := range set {
			if w == s {
				return true
			}
		}
	}
	return false
}

// hasPrefixWord reports whether a word starts with one of the prefixes
// (German compounds: "kontostand", "lebensmitteln").
func hasPrefixWord(words []string, prefixes ...string) bool {
	for _, w := range words {
		for _, p := range prefixes {
			if strings.HasPrefix(w, p) {
				return true
			}
		}
	}
	return false
}

// containsPhrase reports whether the normalized text holds the phrase on
// word boundaries.
func containsPhrase(text, phrase string) bool {
	return strings.Contains(" "+text+" ", " "+phrase+" ")
}

// spacedDates are a day and a month in digits with a space after the
// day's dot ("am 24. 12.", "24. 12. 2026"), as typed or as a recognizer
// writes "am vierundzwanzigsten zwölften".
var spacedDates = regexp.MustCompile(`(^|[^\d.,])(\d{1,2})\. +(\d{1,2})\.(?: +(\d{4})\b)?`)

// spacedDate writes a spaced date as one ("24.12.", "24.12.2026"), so
// that Normalize keeps its dots: without them "am 24. 12. 50 Euro" was
// the 24th of this month and 12,50 €.
func spacedDate(text string) string {
	if !strings.Contains(text, ". ") {
		return text
	}
	return spacedDates.ReplaceAllStringFunc(text, func(m string) string {
		sub := spacedDates.FindStringSubmatch(m)
		d, _ := strconv.Atoi(sub[2])
		mo, _ := strconv.Atoi(sub[3])
		if d < 1 || d > 31 || mo < 1 || mo > 12 {
			return m
		}
		out := sub[1] + sub[2] + "." + sub[3] + "."
		if sub[4] != "" {
			out += sub[4]
		}
		return out
	})
}
