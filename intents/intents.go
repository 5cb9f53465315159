// Package intents is Konto's understanding of what people say to a bank:
// the intent catalog (names and slots), the slot value types and parsers,
// the Recognizer interface and the offline recognizer. It imports nothing
// of the rest of Konto.
package intents

import (
	"context"
	"time"
)

// Intent names. They are the names handlers are registered under and the
// names platform models are exported with.
const (
	GetBalance       = "GetBalance"
	ListTransactions = "ListTransactions"
	SpendingSummary  = "SpendingSummary"
	Help             = "Help"
	Stop             = "Stop"
	Cancel           = "Cancel"
	Repeat           = "Repeat"
	Yes              = "Yes"
	No               = "No"
	Fallback         = "Fallback"
	// Launch is the pseudo-intent of opening the skill without a request.
	Launch = "Launch"
)

// Slot names.
const (
	SlotAccount   = "account"
	SlotCount     = "count"
	SlotDateRange = "date_range"
	SlotMerchant  = "merchant"
	SlotCategory  = "category"
)

// Intent describes one catalog entry.
type Intent struct {
	Name  string
	Slots []string
}

// Catalog lists the intents Konto understands, in a stable order.
var Catalog = []Intent{
	{Name: GetBalance, Slots: []string{SlotAccount}},
	{Name: ListTransactions, Slots: []string{SlotAccount, SlotCount, SlotDateRange, SlotMerchant, SlotCategory}},
	{Name: SpendingSummary, Slots: []string{SlotAccount, SlotDateRange, SlotMerchant, SlotCategory}},
	{Name: Help}, {Name: Stop}, {Name: Cancel}, {Name: Repeat}, {Name: Yes}, {Name: No}, {Name: Fallback},
}

// Lookup returns the catalog entry of an intent name.
func Lookup(name string) (Intent, bool) {
	for _, in := range Catalog {
		if in.Name == name {
			return in, true
		}
	}
	return Intent{}, false
}

// DateRange is an inclusive range of days, "YYYY-MM-DD".
type DateRange struct {
	Start string `json:"start"`
	End   string `json:"end"`
}

// Bounds returns the range as [from, to) instants in UTC.
func (d DateRange) Bounds() (from, to time.Time, err error) {
	from, err = time.Parse(time.DateOnly, d.Start)
	if err != nil {
		return
	}
	to, err = time.Parse(time.DateOnly, d.End)
	return from, to.AddDate(0, 0, 1), err
}

// Slots holds canonical slot values: strings for account, merchant and
// category, int for count, DateRange for date_range.
type Slots map[string]any

// String returns a string slot, or "".
func (s Slots) String(name string) string {
	v, _ := s[name].(string)
	return v
}

// Int returns an integer slot, or 0.
func (s Slots) Int(name string) int {
	v, _ := s[name].(int)
	return v
}

// DateRange returns a date range slot.
func (s Slots) DateRange(name string) (DateRange, bool) {
	v, ok := s[name].(DateRange)
	return v, ok
}

// Result is what a recognizer makes of one utterance.
type Result struct {
	Text       string  `json:"text"`
	Intent     string  `json:"intent"`
	Confidence float64 `json:"confidence"`
	Slots      Slots   `json:"slots"`
}

// Recognizer understands utterances as speech-recognition text: lower
// case, no punctuation, numbers as words or digits. Dates are resolved
// relative to now. Anything that is not banking is the Fallback intent.
type Recognizer interface {
	Parse(ctx context.Context, text, locale string, now time.Time) (Result, error)
}
