package intents

import (
	"testing"
	"time"
)

// An amount taken back in the same breath ("twenty bucks … no wait
// fifty") is the one meant; the correcting words are no part of a name.
// A dev tester found the first amount read back and, after yes and the
// PIN, sent.
func TestAmountCorrectedInTheSameTurn(t *testing.T) {
	now := time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)
	for _, c := range []struct{ locale, text, amount, payee string }{
		{"en-US", "send like twenty bucks to bob smith from checking no wait fifty", "50.00", "bob smith"},
		{"en-US", "send a hundred dollars to tom no wait make it eighty", "80.00", "tom"},
		{"en-US", "send 20 to alice actually make it 25", "25.00", "alice"},
		{"en-GB", "send a tenner to priya sorry no fifteen quid", "15.00", "priya"},
		{"de-DE", "überweis mal zwanzig euro an sophie vom girokonto ähm nee warte dreißig", "30.00", "sophie"},
		{"de-DE", "schick hundert euro an anna lieber siebzig", "70.00", "anna"},
		// No correction: one amount, or none after the words.
		{"en-US", "actually send 40 dollars to alice", "40.00", "alice"},
	} {
		slots := Slots{}
		FillSlots(TransferMoney, Normalize(c.text), c.locale, now, slots)
		a, _ := slots[SlotAmount].(Amount)
		if a.Value != c.amount || slots.String(SlotPayee) != c.payee {
			t.Errorf("%q: amount %v, payee %q; want %s, %q", c.text, slots[SlotAmount], slots.String(SlotPayee), c.amount, c.payee)
		}
	}
}

// The correcting words come before the first amount: nothing to take
// back ("nein fünfzig nicht fünfzehn" at a read-back of 15 € is 50 €).
func TestAmountCorrectionComesAfterTheAmount(t *testing.T) {
	now := time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)
	for _, c := range []struct{ locale, text, amount string }{
		{"de-DE", "nein fünfzig nicht fünfzehn", "50.00"},
		{"en-US", "no wait fifty not fifteen", "50.00"},
		{"en-US", "actually make it 40 dollars", "40.00"},
	} {
		slots := Slots{}
		FillSlots(TransferMoney, Normalize(c.text), c.locale, now, slots)
		if a, _ := slots[SlotAmount].(Amount); a.Value != c.amount {
			t.Errorf("%q: amount %v, want %s", c.text, slots[SlotAmount], c.amount)
		}
	}
}

// "a hundred and five fifty" is said as a price: $105.50 (it was
// $10,550.00, refused as over the limit).
func TestHundredsThenCents(t *testing.T) {
	for text, want := range map[string]string{
		"a hundred and five fifty":        "105.50",
		"two hundred and twelve ninety":   "212.90",
		"two hundred twenty five":         "225.00",
		"three hundred and fifty dollars": "350.00",
	} {
		if a, _, ok := ParseAmount(Normalize(text), "en-US", true); !ok || a.Value != want {
			t.Errorf("%q = %v, want %s", text, a, want)
		}
	}
}
