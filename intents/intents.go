// Package intents is Konto's understanding of what people say to a bank:
// the intent catalog (names, slots, slot types and sample utterances per
// locale), the slot value types and parsers, the Recognizer interface, the
// offline recognizer and an LLM recognizer. It imports nothing of the rest
// of Konto.
package intents

import (
	"context"
	"encoding/json"
	"time"
)

// Intent names, exactly as in catalog.yaml.
const (
	GetBalance          = "GetBalance"
	ListTransactions    = "ListTransactions"
	SpendingSummary     = "SpendingSummary"
	IncomeSummary       = "IncomeSummary"
	TransferMoney       = "TransferMoney"
	PayBill             = "PayBill"
	BillBalance         = "BillBalance"
	BillDueDate         = "BillDueDate"
	MinimumPayment      = "MinimumPayment"
	LockCard            = "LockCard"
	UnlockCard          = "UnlockCard"
	ReportLostCard      = "ReportLostCard"
	ReplaceCard         = "ReplaceCard"
	CardDeclined        = "CardDeclined"
	CardExpiration      = "CardExpiration"
	CreditLimit         = "CreditLimit"
	CreditLimitIncrease = "CreditLimitIncrease"
	RewardsBalance      = "RewardsBalance"
	RedeemRewards       = "RedeemRewards"
	FreezeAccount       = "FreezeAccount"
	AccountBlocked      = "AccountBlocked"
	ReportFraud         = "ReportFraud"
	ReviewAlerts        = "ReviewAlerts"
	ChangePin           = "ChangePin"
	InterestRate        = "InterestRate"
	AccountDetails      = "AccountDetails"
	Fees                = "Fees"
	CreditScore         = "CreditScore"
	CardApplication     = "CardApplication"
	OrderChecks         = "OrderChecks"
	TalkToAgent         = "TalkToAgent"
	PrivacyCenter       = "PrivacyCenter"
	ProvidePin          = "ProvidePin"
	Yes                 = "Yes"
	No                  = "No"
	Help                = "Help"
	Stop                = "Stop"
	Cancel              = "Cancel"
	Repeat              = "Repeat"
	Fallback            = "Fallback"
	// Launch is the pseudo-intent of opening the skill without a request.
	Launch = "Launch"
)

// Slot names.
const (
	SlotAccount     = "account"
	SlotFromAccount = "from_account"
	SlotToAccount   = "to_account"
	SlotCount       = "count"
	SlotDateRange   = "date_range"
	SlotDate        = "date"
	SlotMerchant    = "merchant"
	SlotCategory    = "category"
	SlotAmount      = "amount"
	SlotPayee       = "payee"
	SlotBiller      = "biller"
	SlotCard        = "card"
	SlotPin         = "pin"
)

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

// Amount is a spoken amount of money: a plain decimal and an ISO 4217 code.
type Amount struct {
	Value    string `json:"value"`
	Currency string `json:"currency"`
}

// Slots holds canonical slot values: strings for account, card, biller,
// category, merchant, payee, pin and date ("YYYY-MM-DD"), int for count,
// DateRange for date_range and Amount for amount.
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

// Amount returns an amount slot.
func (s Slots) Amount(name string) (Amount, bool) {
	v, ok := s[name].(Amount)
	return v, ok
}

// UnmarshalJSON reads slots as `konto nlu parse` writes them.
func (s *Slots) UnmarshalJSON(b []byte) error {
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(b, &raw); err != nil {
		return err
	}
	*s = Slots{}
	for k, v := range raw {
		switch k {
		case SlotDateRange:
			var d DateRange
			if err := json.Unmarshal(v, &d); err != nil {
				return err
			}
			(*s)[k] = d
		case SlotAmount:
			var a Amount
			if err := json.Unmarshal(v, &a); err != nil {
				return err
			}
			(*s)[k] = a
		case SlotCount:
			var n int
			if err := json.Unmarshal(v, &n); err != nil {
				return err
			}
			(*s)[k] = n
		default:
			var str string
			if err := json.Unmarshal(v, &str); err != nil {
				// Not a string: kept as it is, so that one odd slot never
				// makes a whole session state unreadable.
				var x any
				if err := json.Unmarshal(v, &x); err != nil {
					return err
				}
				(*s)[k] = x
				continue
			}
			(*s)[k] = str
		}
	}
	return nil
}

// Result is what a recognizer makes of one utterance.
type Result struct {
	Text       string  `json:"text"`
	Intent     string  `json:"intent"`
	Confidence float64 `json:"confidence"`
	Slots      Slots   `json:"slots"`
	// Source says who chose the intent: "llm" when a remote model did,
	// "offline" (or empty, from a recognizer that does not say) otherwise.
	Source string `json:"source,omitempty"`
}

// Recognizer understands utterances as speech-recognition text: lower
// case, no punctuation, numbers as words or digits. Dates are resolved
// relative to now. Anything that is not banking is the Fallback intent.
type Recognizer interface {
	Parse(ctx context.Context, text, locale string, now time.Time) (Result, error)
}
