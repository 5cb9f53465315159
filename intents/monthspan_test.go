package intents

import (
	"context"
	"testing"
	"time"
)

// Two months joined are one period, and the words are no merchant
// ("from september to october" read only September, with the merchant
// "to october").
func TestMonthSpan(t *testing.T) {
	now := time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)
	for _, c := range []struct{ locale, text, start, end, phrase string }{
		{"en-US", "how much did i spend on groceries in september and october", "2026-09-01", "2026-10-31", "in september and october"},
		{"en-US", "how much did i spend from september to october", "2026-09-01", "2026-10-31", "from september to october"},
		{"en-US", "spending between may and july at amazon", "2026-05-01", "2026-07-31", "between may and july"},
		{"en-US", "transactions from december to february", "2025-12-01", "2026-02-28", "from december to february"},
		{"en-US", "what did i spend from october through november", "2026-10-01", "2026-11-23", "from october through november"},
		{"en-GB", "spending from august to the end of october", "2026-08-01", "2026-10-31", "from august to the end of october"},
		{"de-DE", "wie viel hab ich im september und oktober bei rewe ausgegeben", "2026-09-01", "2026-10-31", "im september und oktober"},
		{"de-DE", "was habe ich von märz bis mai für lebensmittel ausgegeben", "2026-03-01", "2026-05-31", "von märz bis mai"},
		{"en-US", "how much in september", "2026-09-01", "2026-09-30", "in september"},
	} {
		dr, phrase, ok := ParseDateRange(Normalize(c.text), c.locale, now)
		if !ok || dr.Start != c.start || dr.End != c.end || phrase != c.phrase {
			t.Errorf("%q: got %+v %q %v, want %s..%s %q", c.text, dr, phrase, ok, c.start, c.end, c.phrase)
		}
	}
	// The merchant is not the second month.
	res, err := testRec.Parse(context.Background(), "how much did i spend from september to october", "en-US", now)
	if err != nil {
		t.Fatal(err)
	}
	if m := res.Slots.String(SlotMerchant); m != "" {
		t.Errorf("merchant %q, want none", m)
	}
}

// The start and end of a month, and "from the fifteenth", are periods
// (before, "Anfang des Monats" read as nothing or a single day, and
// "the fifteenth" became a merchant).
func TestMonthParts(t *testing.T) {
	now := time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)
	for _, c := range []struct{ locale, text, start, end string }{
		{"de-DE", "und anfang des monats was lief da bei lebensmitteln", "2026-11-01", "2026-11-10"},
		{"en-US", "what did i spend at the beginning of the month", "2026-11-01", "2026-11-10"},
		{"en-GB", "anything big at the end of last month", "2026-10-22", "2026-10-31"},
		{"de-DE", "was habe ich anfang letzten monats ausgegeben", "2026-10-01", "2026-10-10"},
		{"en-US", "list my transactions from the fifteenth", "2026-11-15", "2026-11-23"},
	} {
		dr, _, ok := ParseDateRange(Normalize(c.text), c.locale, now)
		if !ok || dr.Start != c.start || dr.End != c.end {
			t.Errorf("%q: got %+v %v, want %s..%s", c.text, dr, ok, c.start, c.end)
		}
	}
}

// A payment's date keeps its day and year out of the amount: "am
// 24.12.2026 50 Euro" was 2.026,50 €, because only the month word was
// taken for the date and "2026 50" read as euros and cents.
func TestDateWordsAreNoAmount(t *testing.T) {
	now := time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)
	for _, c := range []struct{ locale, text, date, amount string }{
		{"de-DE", "überweise am 24.12.2026 50 euro an max", "2026-12-24", "50.00"},
		{"de-DE", "überweise am 24. dezember 2026 50 euro an max", "2026-12-24", "50.00"},
		{"en-US", "pay tom on december 5 2026 40 dollars", "2026-12-05", "40.00"},
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
}

// Two digits after the currency are its cents, as words are ("20 dollars
// 50" was read back as $20.00), unless they count something else.
func TestDigitCentsAfterTheCurrency(t *testing.T) {
	for text, want := range map[string]string{"send tom 20 dollars 50": "20.50", "send tom twenty dollars fifty": "20.50",
		"send tom 20 dollars 50 times": "20.00", "send tom 20 dollars 5": "20.00", "pay 12 pounds 99 to emily": "12.99"} {
		a, _, ok := ParseAmount(Normalize(text), "en-US", true)
		if !ok || a.Value != want {
			t.Errorf("%q: %+v %v, want %s", text, a, ok, want)
		}
	}
}
