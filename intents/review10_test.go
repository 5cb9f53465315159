package intents

import (
	"testing"
	"time"
)

// Review 10 (attacker), parsing findings in today's amountAfterCorrection
// and withoutSpokenPIN (intents/offline.go). Each test fails while its
// finding is open.

// finding (medium: wrong amount read back, a guess acted on):
// amountAfterCorrection takes any number said anywhere after a
// correcting word ("make it", "oops", "i mean", "actually") as the
// corrected amount, though no amount is taken back: "send tom 20 dollars
// from checking and make it 2 payments" is $2.00, "…, oops 1 more thing"
// is $1.00, "pay tom 40 dollars for the tickets, i mean the 2 concert
// tickets" is $2.00. The skill reads these back as the amount to send
// ("You want to send $2.00 to Tom Nguyen"): the amount the user said is
// silently replaced by a count. A correction must name an amount right
// after the correcting words (or carry a currency), or be asked.
func TestReview10CorrectionWordsWithoutNewAmount(t *testing.T) {
	now := time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)
	for _, c := range []struct{ text, amount string }{
		{"send tom nguyen 20 dollars from checking and make it 2 payments", "20.00"},
		{"send tom nguyen 20 dollars from checking oops 1 more thing", "20.00"},
		{"send tom nguyen 40 dollars for the tickets i mean the 2 concert tickets", "40.00"},
	} {
		slots := Slots{}
		FillSlots(TransferMoney, Normalize(c.text), "en-US", now, slots)
		if a, ok := slots[SlotAmount].(Amount); ok && a.Value != c.amount {
			t.Errorf("%q: amount %v, want %s (or none)", c.text, a.Value, c.amount)
		}
	}
}

// finding (medium: wrong amount read back): withoutSpokenPIN drops the
// last four of five digits said one by one, so "send tom nguyen 1 2 3 4 5
// dollars" (a speech engine's rendering of "twelve thousand three hundred
// forty-five" or a digit-by-digit amount) is $1.00: a fragment of what was
// said, read back as the amount ("You want to send $1.00 to Tom Nguyen").
// Five digits in a row are no PIN; the amount should be asked, never a
// leftover digit taken.
func TestReview10FiveDigitsLeaveNoLoneDigitAmount(t *testing.T) {
	now := time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)
	for _, text := range []string{"send tom nguyen 1 2 3 4 5 dollars from checking", "send tom nguyen one two three four five dollars from checking"} {
		slots := Slots{}
		FillSlots(TransferMoney, Normalize(text), "en-US", now, slots)
		if a, ok := slots[SlotAmount].(Amount); ok && (a.Value == "1.00" || a.Value == "5.00") {
			t.Errorf("%q: amount %v, a leftover digit", text, a.Value)
		}
	}
}
