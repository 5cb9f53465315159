package intents

import (
	"testing"
	"time"
)

func TestNumericDates(t *testing.T) {
	now := time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)
	for _, c := range []struct {
		text, locale, start, end string
	}{
		{"what did i spend on 11/1", "en-US", "2026-11-01", "2026-11-01"},
		{"what did i spend on 1/11", "en-GB", "2026-11-01", "2026-11-01"},
		{"since 10/15", "en-US", "2026-10-15", "2026-11-23"},
		{"was hab ich am 1.11. ausgegeben", "de-DE", "2026-11-01", "2026-11-01"},
		{"seit dem 3.10.", "de-DE", "2026-10-03", "2026-11-23"},
		{"am 01.11.2026", "de-DE", "2026-11-01", "2026-11-01"},
		{"am 24.12.", "de-DE", "2025-12-24", "2025-12-24"}, // the most recent one
	} {
		dr, _, ok := ParseDateRange(Normalize(c.text), c.locale, now)
		if !ok || dr.Start != c.start || dr.End != c.end {
			t.Errorf("%s (%s): got %v %v, want %s..%s", c.text, c.locale, dr, ok, c.start, c.end)
		}
	}
	for _, c := range []struct{ text, locale string }{
		{"send bob 1.50", "en-US"},          // an amount in English
		{"überweis max 3.10 euro", "de-DE"}, // an amount before a currency word
		{"am 31.11.", "de-DE"},              // no such day
		{"on 13/13", "en-GB"},
	} {
		if dr, _, ok := ParseDateRange(Normalize(c.text), c.locale, now); ok {
			t.Errorf("%s (%s): got a period %v", c.text, c.locale, dr)
		}
	}
	if got := SpellDates(Normalize("und am 1.11."), "de-DE", now); got != "und am 1 november" {
		t.Errorf("SpellDates: %q", got)
	}
	if got := withoutDateYears("und am 14 november 2026", "de-DE"); got != "und am 14 november" {
		t.Errorf("withoutDateYears: %q", got)
	}
}
