package intents

import (
	"testing"
	"time"
)

func TestOneEdit(t *testing.T) {
	for _, c := range []struct {
		a, b string
		want bool
	}{
		{"credt", "credit", true}, {"debti", "debit", true}, {"freez", "freeze", true}, {"kreditkrate", "kreditkarte", true},
		{"girokonot", "girokonto", true}, {"balanse", "balance", true}, {"credit", "credit", false}, {"crdti", "credit", false},
		{"debit", "credit", false}, {"überweisng", "überweisung", true}, {"ab", "ba", true}, {"abc", "bca", false},
	} {
		if got := oneEdit(c.a, c.b); got != c.want {
			t.Errorf("oneEdit(%q, %q) = %v, want %v", c.a, c.b, got, c.want)
		}
	}
}

func TestTyposAreReadAsTheWordsMeant(t *testing.T) {
	now := time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)
	for _, c := range []struct{ locale, text, intent, slot, value string }{
		{"en-US", "plz lock my debti card", LockCard, SlotCard, "debit"},
		{"en-GB", "pls freez my credt card", "", SlotCard, "credit"},
		{"de-DE", "sperr meine kreditkrate", "", SlotCard, "credit"},
		{"de-DE", "wie viel ist auf meinem girokonot", GetBalance, SlotAccount, "checking"},
		{"en-US", "send carl 20 dollars", TransferMoney, SlotPayee, "carl"},                              // a short name is no typo of "card"
		{"de-DE", "servus, wia vui geld hob i auf mei'm girokonto", GetBalance, SlotAccount, "checking"}, // Bavarian
		{"de-DE", "grüezi, wie viel hät's uf mim sparkonto", GetBalance, SlotAccount, "savings"},         // Swiss
	} {
		res, err := testRec.Parse(t.Context(), c.text, c.locale, now)
		if err != nil {
			t.Fatal(err)
		}
		if c.intent != "" && res.Intent != c.intent || res.Slots.String(c.slot) != c.value {
			t.Errorf("%s %q: %s %v, want %s %s=%s", c.locale, c.text, res.Intent, res.Slots, c.intent, c.slot, c.value)
		}
	}
	if res, err := testRec.Parse(t.Context(), "send tom fitty dollars", "en-US", now); err != nil || res.Intent != TransferMoney {
		t.Errorf("fitty dollars: %v %v", res, err)
	} else if a, ok := res.Slots.Amount(SlotAmount); !ok || a.Value != "50.00" {
		t.Errorf("fitty dollars: amount %v", res.Slots)
	}
}
