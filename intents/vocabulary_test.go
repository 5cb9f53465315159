package intents

import (
	"context"
	"fmt"
	"testing"
	"time"
)

// TestAddProducts teaches a recognizer a partner's product names and
// checks that they are understood as slot values and in requests the
// catalog's words alone do not carry.
func TestAddProducts(t *testing.T) {
	now := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	rec := NewOffline()
	ctx := context.Background()
	before, err := rec.Parse(ctx, "how much is on my platinum card", "en-US", now)
	if err != nil {
		t.Fatal(err)
	}
	if before.Slots.String(SlotAccount) == "credit_card" {
		t.Fatalf("platinum card known before it was taught: %+v", before)
	}
	if err := rec.AddProducts("en-US", []Product{{Name: "Platinum Card", Account: "credit_card", Synonyms: []string{"platinum", "my platinum card"}}}); err != nil {
		t.Fatal(err)
	}
	if err := rec.AddProducts("de-DE", []Product{{Name: "Extrakonto", Account: "savings", Synonyms: []string{"extra konto"}}}); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		locale, text, intent, slot, value string
	}{
		{"en-US", "whats the balance on my platinum card", GetBalance, SlotAccount, "credit_card"},
		{"en-US", "lock my platinum", LockCard, SlotCard, "credit"},
		{"en-US", "what's the interest rate on the platinum card", InterestRate, SlotAccount, "credit_card"},
		{"en-GB", "freeze my platinum card", LockCard, SlotCard, "credit"},
		{"de-DE", "wie viel geld ist auf meinem extrakonto", GetBalance, SlotAccount, "savings"},
		{"de-DE", "überweise zwanzig euro vom girokonto auf das extra konto", TransferMoney, SlotToAccount, "savings"},
	}
	for _, c := range cases {
		got, err := rec.Parse(ctx, c.text, c.locale, now)
		if err != nil {
			t.Fatal(err)
		}
		if got.Intent != c.intent || got.Slots.String(c.slot) != c.value {
			t.Errorf("%s %q = %s %v, want %s with %s %s", c.locale, c.text, got.Intent, got.Slots, c.intent, c.slot, c.value)
		}
	}
	// The model is the same with the partner's words: they are read as
	// the catalog's ("my platinum card" as "my credit card").
	if got := rec.canonical("en-US", "how much is on my platinum card"); got != "how much is on my credit card" {
		t.Errorf("canonical = %q", got)
	}
	if m, _ := rec.model("en-US"); m != nil {
		if _, ok := m.index["w:platinum"]; ok {
			t.Error("the English model trained on the product's name: a partner's sheet changed the model")
		}
	}
	if err := rec.AddProducts("en-US", []Product{{Name: "Gold", Account: "gold_account"}}); err == nil {
		t.Error("unknown account kind accepted")
	}
	if err := rec.AddProducts("en-US", []Product{{Account: "savings", Synonyms: []string{"my"}}}); err == nil {
		t.Error("nameless product accepted")
	}
}

// A bank partner's product sheet names its products; Konto learns them at
// start-up.
func ExampleOffline_AddProducts() {
	rec := NewOffline()
	rec.AddProducts("en-US", []Product{{Name: "Platinum Card", Account: "credit_card", Synonyms: []string{"platinum"}}})
	res, _ := rec.Parse(context.Background(), "what's the balance on my platinum", "en-US", time.Now())
	fmt.Println(res.Intent, res.Slots.String(SlotAccount))
	// Output: GetBalance credit_card
}
