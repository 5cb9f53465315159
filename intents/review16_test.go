package intents

import (
	"context"
	"testing"
	"time"
)

// Review 16 (attacker): a name or a merchant one letter from a banking
// word, or spelled like a dialect word, is the name said: the typo and
// dialect readings are for the intent and the banking words, not for
// who is paid ("send tom mooney 20 dollars" read the payee as "tom",
// whom the skill took for the saved Tom Nguyen; "überweise Ned Flanders
// 20 Euro" paid "nicht flanders").
func TestReview16NamesAreNotCorrected(t *testing.T) {
	now := time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)
	for _, c := range []struct{ locale, text, slot, want string }{
		{"en-US", "send tom mooney 20 dollars", SlotPayee, "tom mooney"},
		{"en-US", "send 20 dollars to alex locke", SlotPayee, "alex locke"},
		{"en-US", "send 20 dollars to sigmund freud", SlotPayee, "sigmund freud"},
		{"en-US", "how much did i spend at freud books", SlotMerchant, "freud books"},
		{"de-DE", "überweise Mei Ling 20 Euro", SlotPayee, "mei ling"},
		{"de-DE", "überweise Ned Flanders 20 Euro vom Girokonto", SlotPayee, "ned flanders"},
		{"de-DE", "zeig meine umsätze bei kento markt", SlotMerchant, "kento markt"},
		// the typos of banking words are still read as meant
		{"en-US", "plz lock my debti card", SlotCard, "debit"},
		{"de-DE", "servus, wia vui geld hob i auf mei'm girokonto", SlotAccount, "checking"},
	} {
		res, err := testRec.Parse(context.Background(), c.text, c.locale, now)
		if err != nil {
			t.Fatal(err)
		}
		if got := res.Slots.String(c.slot); got != c.want {
			t.Errorf("%s %q: %s=%q (%s), want %q", c.locale, c.text, c.slot, got, res.Intent, c.want)
		}
	}
}
