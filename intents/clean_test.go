package intents

import (
	"reflect"
	"testing"
	"time"
)

func TestClean(t *testing.T) {
	now := time.Date(2026, 11, 23, 8, 0, 0, 0, time.UTC)
	cases := []struct {
		slot, raw, id, locale string
		want                  any
	}{
		{SlotAccount, "current account", "", "en-GB", "checking"},
		{SlotAccount, "whatever", "SAVINGS", "en-US", "savings"},
		{SlotFromAccount, "tagesgeld", "", "de-DE", "savings"},
		{SlotCategory, "groceries", "", "en-US", "groceries"},
		{SlotCategory, "essen", "RESTAURANTS", "de-DE", "restaurants"},
		{SlotBiller, "power bill", "", "en-US", "electricity"},
		{SlotCard, "girocard", "", "de-DE", "debit"},
		{SlotPayee, "Alice Chen", "", "en-US", "alice chen"},
		{SlotCount, "5", "", "en-US", 5},
		{SlotCount, "three", "", "en-US", 3},
		{SlotAmount, "20", "", "en-US", Amount{Value: "20.00", Currency: "USD"}},
		{SlotAmount, "20", "", "en-GB", Amount{Value: "20.00", Currency: "GBP"}},
		{SlotAmount, "zwölf euro fünfzig", "", "de-DE", Amount{Value: "12.50", Currency: "EUR"}},
		{SlotPin, "one two three four", "", "en-US", "1234"},
		{SlotDate, "2026-12-03", "", "en-US", "2026-12-03"},
		{SlotDateRange, "2026-11-03", "", "en-US", DateRange{Start: "2026-11-03", End: "2026-11-03"}},
		{SlotDateRange, "last month", "", "en-US", DateRange{Start: "2026-10-01", End: "2026-10-31"}},
	}
	for _, c := range cases {
		got, ok := Clean(c.slot, c.raw, c.id, c.locale, now)
		if !ok || !reflect.DeepEqual(got, c.want) {
			t.Errorf("Clean(%s, %q, %q, %s) = %#v %v, want %#v", c.slot, c.raw, c.id, c.locale, got, ok, c.want)
		}
	}
	for _, bad := range [][2]string{{SlotCount, "zero"}, {SlotAmount, "nothing"}, {SlotPin, "hello"}, {SlotDate, "someday"}, {SlotAccount, "banana"}} {
		if v, ok := Clean(bad[0], bad[1], "", "en-US", now); ok {
			t.Errorf("Clean(%s, %q) = %#v, want nothing", bad[0], bad[1], v)
		}
	}
}
