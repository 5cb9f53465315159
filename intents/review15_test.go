package intents

import (
	"context"
	"testing"
	"time"
)

// Review 15: a spaced German date ("am 24. 12.") is one date, no amount
// or cents; an hour after an amount is no cents; "zum 1." is a day ("zum
// 1. 40 Euro" was 1,40 € now).
func TestReview15DatesAndHoursAreNoAmount(t *testing.T) {
	now := time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)
	for _, c := range []struct{ locale, text, date, amount string }{
		{"de-DE", "überweise am 24. 12. 50 euro an max", "2026-12-24", "50.00"},
		{"de-DE", "überweise 50 euro am 24. 12. an max", "2026-12-24", "50.00"},
		{"de-DE", "überweise am 24. 12. 2026 50 euro an max", "2026-12-24", "50.00"},
		{"de-DE", "überweise 50 euro 10 uhr morgen an max", "2026-11-24", "50.00"},
		{"de-DE", "überweise 20 euro 50 am freitag an max", "2026-11-27", "20.50"},
		{"de-DE", "überweise max zum 1. 40 euro", "2026-12-01", "40.00"},
		{"en-US", "send tom 50 dollars 10 am tomorrow", "2026-11-24", "50.00"},
		{"en-US", "send tom 20 dollars 50 tomorrow", "2026-11-24", "20.50"},
		{"en-US", "no make it 10 am tomorrow", "2026-11-24", ""}, // ("no, 10 am tomorrow" alone reads as a No; skill/review15_test.go tries it at a read-back)
		{"en-US", "send tom 50 dollars on the 31st", "2026-12-31", "50.00"},
		{"de-DE", "überweise max am 31. 50 euro", "2026-12-31", "50.00"},
		{"en-US", "send tom 50 dollars the day after tomorrow", "2026-11-25", "50.00"},
	} {
		res, err := testRec.Parse(context.Background(), c.text, c.locale, now)
		if err != nil {
			t.Fatal(err)
		}
		a, _ := res.Slots[SlotAmount].(Amount)
		if res.Slots.String(SlotDate) != c.date || a.Value != c.amount {
			t.Errorf("%q: date %v amount %+v, want %s and %s", c.text, res.Slots[SlotDate], res.Slots[SlotAmount], c.date, c.amount)
		}
	}
	for in, want := range map[string]string{"am 24. 12. bitte": "am 24.12 bitte", "am 24. 12. 2026": "am 24.12.2026", "am 40. 12. bitte": "am 40 12 bitte"} {
		if got := Normalize(in); got != want {
			t.Errorf("Normalize(%q) = %q, want %q", in, got, want)
		}
	}
}

// "on the 30th" on January 31st is March 30th, not March 2nd.
func TestReview15DayOfMonthIsTheNextThatHasIt(t *testing.T) {
	if d, _, _ := ParseDate("on the 30th", "en-US", time.Date(2027, 1, 31, 9, 0, 0, 0, time.UTC)); d != "2027-03-30" {
		t.Errorf("on the 30th on January 31st: %q, want 2027-03-30", d)
	}
}
