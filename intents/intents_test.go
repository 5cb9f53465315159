package intents

import (
	"context"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

// now is a pinned Monday.
var now = time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)

func TestParseDateRange(t *testing.T) {
	cases := []struct {
		locale, text, start, end string
	}{
		{"en-US", "yesterday", "2026-11-22", "2026-11-22"},
		{"en-US", "today", "2026-11-23", "2026-11-23"},
		{"en-US", "the day before yesterday", "2026-11-21", "2026-11-21"},
		{"en-US", "this week", "2026-11-23", "2026-11-23"},
		{"en-US", "last week", "2026-11-16", "2026-11-22"},
		{"en-US", "this month", "2026-11-01", "2026-11-23"},
		{"en-US", "last month", "2026-10-01", "2026-10-31"},
		{"en-US", "last year", "2025-01-01", "2025-12-31"},
		{"en-US", "this year", "2026-01-01", "2026-11-23"},
		{"en-US", "in september", "2026-09-01", "2026-09-30"},
		{"en-US", "in december", "2025-12-01", "2025-12-31"},
		{"en-US", "in november", "2026-11-01", "2026-11-23"},
		{"en-US", "since may 3rd", "2026-05-03", "2026-11-23"},
		{"en-US", "since may third", "2026-05-03", "2026-11-23"},
		{"en-US", "since the 3rd of may", "2026-05-03", "2026-11-23"},
		{"en-US", "on november 3rd", "2026-11-03", "2026-11-03"},
		{"en-US", "in the last 30 days", "2026-10-25", "2026-11-23"},
		{"en-US", "over the past two weeks", "2026-11-10", "2026-11-23"},
		{"en-US", "the last three months", "2026-08-24", "2026-11-23"},
		{"en-US", "in october 2025", "2025-10-01", "2025-10-31"},
		{"en-GB", "how much has come in since january", "2026-01-01", "2026-11-23"},
		{"en-GB", "what went out since the 3rd of november", "2026-11-03", "2026-11-23"},
		{"de-DE", "gestern", "2026-11-22", "2026-11-22"},
		{"de-DE", "vorgestern", "2026-11-21", "2026-11-21"},
		{"de-DE", "letzte woche", "2026-11-16", "2026-11-22"},
		{"de-DE", "diese woche", "2026-11-23", "2026-11-23"},
		{"de-DE", "letzten monat", "2026-10-01", "2026-10-31"},
		{"de-DE", "im oktober", "2026-10-01", "2026-10-31"},
		{"de-DE", "im märz", "2026-03-01", "2026-03-31"},
		{"de-DE", "seit dem dritten mai", "2026-05-03", "2026-11-23"},
		{"de-DE", "seit dem 3 mai", "2026-05-03", "2026-11-23"},
		{"de-DE", "am 3 november", "2026-11-03", "2026-11-03"},
		{"de-DE", "in den letzten zehn tagen", "2026-11-14", "2026-11-23"},
		{"de-DE", "dieses jahr", "2026-01-01", "2026-11-23"},
		{"de-DE", "im dezember", "2025-12-01", "2025-12-31"},
		{"en-US", "what did i spend on the 20th", "2026-11-20", "2026-11-20"},
		{"en-US", "on the 25th", "2026-10-25", "2026-10-25"},
		{"en-US", "what did i spend on friday", "2026-11-20", "2026-11-20"},
		{"en-US", "since last monday", "2026-11-16", "2026-11-23"},
		{"en-GB", "over the last fortnight", "2026-11-10", "2026-11-23"},
		{"de-DE", "was hab ich am neunzehnten ausgegeben", "2026-11-19", "2026-11-19"},
		{"de-DE", "am donnerstag", "2026-11-19", "2026-11-19"},
		{"de-DE", "seit dem 17", "2026-11-17", "2026-11-23"},
	}
	for _, c := range cases {
		got, _, ok := ParseDateRange(Normalize(c.text), c.locale, now)
		if !ok || got.Start != c.start || got.End != c.end {
			t.Errorf("%s %q = %+v %v, want %s..%s", c.locale, c.text, got, ok, c.start, c.end)
		}
	}
	for _, text := range []string{"what's my balance", "may i see my balance", "wie ist mein kontostand", "five transactions", "friday", "on the 3 of them"} {
		if got, _, ok := ParseDateRange(Normalize(text), "en-US", now); ok {
			t.Errorf("%q has no period, got %+v", text, got)
		}
	}
}

func TestParseAccountAndCategory(t *testing.T) {
	accounts := map[string]string{
		"my checking account": "checking", "girokonto": "checking", "savings": "savings", "tagesgeld": "savings",
		"my credit card": "credit_card", "kreditkarte": "credit_card", "my car loan": "loan", "darlehen": "loan",
		"my debit card": "checking", "my balance": "",
	}
	for text, want := range accounts {
		if got := ParseAccount(Normalize(text)); got != want {
			t.Errorf("ParseAccount(%q) = %q, want %q", text, got, want)
		}
	}
	categories := map[string]string{
		"groceries": "groceries", "lebensmittel": "groceries", "eating out": "restaurants", "gas station": "fuel",
		"gas": "fuel", "tanken": "fuel", "uber": "transport", "miete": "rent", "subscriptions": "subscriptions",
		"abos": "subscriptions", "at the atm": "cash", "my balance": "",
	}
	for text, want := range categories {
		if got := ParseCategory(Normalize(text)); got != want {
			t.Errorf("ParseCategory(%q) = %q, want %q", text, got, want)
		}
	}
}

func TestParseMerchant(t *testing.T) {
	t.Parallel()
	cases := map[string]string{
		"how much did i spend at whole foods": "whole foods", "my card got declined in boots": "boots",
		"what did i buy in sainsburys": "sainsburys", "my card isn't working at the till": "", "declined at the checkout": "",
		"what did i spend in september": "", "bei rewe eingekauft": "rewe", "an der kasse": "",
	}
	for text, want := range cases {
		if got := ParseMerchant(Normalize(text)); got != want {
			t.Errorf("ParseMerchant(%q) = %q, want %q", text, got, want)
		}
	}
}

func TestNumbers(t *testing.T) {
	en := map[string]int{"five": 5, "twenty one": 21, "a hundred": 100, "two hundred and fifty": 250, "1200": 1200, "two fifty": 250, "twelve ninety nine": 1299, "one hundred twenty five": 125,
		"one thousand two hundred": 1200, "3rd": 3, "third": 3}
	for text, want := range en {
		if got, used := parseEnglishNumber(strings.Fields(text)); used == 0 || got != want {
			t.Errorf("en %q = %d (%d words), want %d", text, got, used, want)
		}
	}
	de := map[string]int{"drei": 3, "dreiundzwanzig": 23, "hundertfünfzig": 150, "zweihundertfünfzig": 250,
		"tausendeinhundert": 1100, "dritten": 3, "zwanzigsten": 20, "einundzwanzigsten": 21, "12": 12, "3ten": 3}
	for text, want := range de {
		if got, ok := parseGermanWord(text); !ok || got != want {
			t.Errorf("de %q = %d %v, want %d", text, got, ok, want)
		}
	}
	for _, bad := range []string{"und", "hundertx", "zwanzigund", ""} {
		if got, ok := parseGermanWord(bad); ok {
			t.Errorf("de %q = %d, want no number", bad, got)
		}
	}
}

func TestOfflineRecognizer(t *testing.T) {
	cases := []struct {
		locale, text, intent string
		slots                map[string]any
	}{
		{"en-US", "What's my checking balance?", GetBalance, map[string]any{SlotAccount: "checking"}},
		{"en-US", "how much money do i have", GetBalance, nil},
		{"en-US", "show me my last five transactions", ListTransactions, map[string]any{SlotCount: 5}},
		{"en-US", "how much did i spend at whole foods in september", SpendingSummary,
			map[string]any{SlotMerchant: "whole foods", SlotDateRange: DateRange{"2026-09-01", "2026-09-30"}}},
		{"en-US", "how much did I spend on groceries last month", SpendingSummary,
			map[string]any{SlotCategory: "groceries", SlotDateRange: DateRange{"2026-10-01", "2026-10-31"}}},
		{"en-US", "help", Help, nil},
		{"en-US", "stop", Stop, nil},
		{"en-US", "play some jazz", Fallback, nil},
		{"en-US", "turn on the kitchen lights", Fallback, nil},
		{"de-DE", "Wie viel habe ich letzten Monat für Lebensmittel ausgegeben?", SpendingSummary,
			map[string]any{SlotCategory: "groceries", SlotDateRange: DateRange{"2026-10-01", "2026-10-31"}}},
		{"de-DE", "wie ist mein kontostand", GetBalance, nil},
		{"de-DE", "zeig mir die letzten drei umsätze auf dem girokonto", ListTransactions, map[string]any{SlotCount: 3, SlotAccount: "checking"}},
		{"de-DE", "was habe ich seit dem dritten mai bei rewe ausgegeben", SpendingSummary,
			map[string]any{SlotMerchant: "rewe", SlotDateRange: DateRange{"2026-05-03", "2026-11-23"}}},
		{"de-DE", "wie wird das wetter morgen", Fallback, nil},
	}
	for _, c := range cases {
		got, err := testRec.Parse(context.Background(), c.text, c.locale, now)
		if err != nil || got.Intent != c.intent {
			t.Errorf("%q: intent %s, want %s (%v)", c.text, got.Intent, c.intent, err)
			continue
		}
		if got.Confidence <= 0 || got.Confidence > 1 {
			t.Errorf("%q: confidence %v", c.text, got.Confidence)
		}
		for k, v := range c.slots {
			if got.Slots[k] != v {
				t.Errorf("%q: slot %s = %v, want %v (all %v)", c.text, k, got.Slots[k], v, got.Slots)
			}
		}
	}
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{"since may 3rd", "seit dem dritten mai bei rewe", "last 99999999999 days", "zweihunderttausendund",
		"in den letzten 0 tagen", "at at at at", "the 31st of february", "im oktober 99999", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		for _, loc := range []string{"en-US", "de-DE"} {
			r, err := testRec.Parse(context.Background(), s, loc, now)
			if err != nil || r.Intent == "" {
				t.Fatalf("%q: %v %+v", s, err, r)
			}
			if dr, ok := r.Slots.DateRange(SlotDateRange); ok {
				if _, _, err := dr.Bounds(); err != nil || dr.Start > dr.End {
					t.Fatalf("%q: bad range %+v", s, dr)
				}
			}
			if m := r.Slots.String(SlotMerchant); !utf8.ValidString(m) {
				t.Fatalf("%q: merchant %q", s, m)
			}
		}
	})
}

func BenchmarkParse(b *testing.B) {
	ctx := context.Background()
	for b.Loop() {
		testRec.Parse(ctx, "how much did i spend at whole foods in september", "en-US", now)
	}
}

var testRec = NewOffline()
