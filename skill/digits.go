package skill

import (
	"strconv"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/number"
)

// separators are a locale's grouping and decimal marks, read once from
// golang.org/x/text by formatting a probe: Money runs on every balance,
// and x/text's formatter took microseconds and a dozen allocations for
// each amount. ok is false when the probe does not show plain groups of
// three with one-rune marks; such a locale keeps x/text for every amount.
type separators struct {
	group, decimal string
	ok             bool
}

var localeSeparators = probeSeparators(langs)

func probeSeparators(ls map[string]lang) map[string]separators {
	out := map[string]separators{}
	for loc, l := range ls {
		got := l.printer.Sprint(number.Decimal(1234567.5, number.Scale(1)))
		// Expect 1<g>234<g>567<d>5 with one-rune marks g and d.
		g, n := utf8.DecodeRuneInString(strings.TrimPrefix(got, "1"))
		rest := strings.TrimPrefix(got, "1"+string(g))
		d, _ := utf8.DecodeRuneInString(strings.TrimPrefix(rest, "234"+string(g)+"567"))
		s := separators{group: string(g), decimal: string(d)}
		s.ok = n > 0 && got == "1"+s.group+"234"+s.group+"567"+s.decimal+"5" && strings.IndexFunc(s.group+s.decimal, isDigit) < 0
		out[loc] = s
	}
	return out
}

func isDigit(r rune) bool { return r >= '0' && r <= '9' }

// digits formats minor units (not negative) with scale digits after the
// mark, as l.printer formats number.Decimal(minor/10^scale,
// number.Scale(scale)); ok is false when it cannot (then the caller asks
// x/text).
func (l lang) digits(minor int64, scale int) (string, bool) {
	s, known := localeSeparators[l.locale]
	if !known || !s.ok || minor < 0 || minor >= 1e15 || scale < 0 || scale > 4 {
		return "", false
	}
	raw := strconv.FormatInt(minor, 10)
	if len(raw) <= scale {
		raw = strings.Repeat("0", scale-len(raw)+1) + raw
	}
	whole, frac := raw[:len(raw)-scale], raw[len(raw)-scale:]
	var b strings.Builder
	b.Grow(len(raw) + len(raw)/3*len(s.group) + len(s.decimal))
	for i := range len(whole) {
		if i > 0 && (len(whole)-i)%3 == 0 {
			b.WriteString(s.group)
		}
		b.WriteByte(whole[i])
	}
	if scale > 0 {
		b.WriteString(s.decimal)
		b.WriteString(frac)
	}
	return b.String(), true
}
