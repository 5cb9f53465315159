package intents

import (
	"reflect"
	"testing"
)

func TestReadLabelled(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name, text string
		want       []Example
		locale     string
	}{
		{"a.jsonl", `{"text":"send bob 5 dollars","intent":"TransferMoney","slots":{"payee":"bob","amount":{"value":"5.00","currency":"USD"},"count":2}}

{"text":"play jazz","intent":"Fallback"}`, []Example{
			{Text: "send bob 5 dollars", Intent: TransferMoney, Slots: Slots{SlotPayee: "bob", SlotAmount: Amount{Value: "5.00", Currency: "USD"}, SlotCount: 2}},
			{Text: "play jazz", Intent: Fallback, Slots: Slots{}, slotsUnscored: true},
		}, ""},
		{"b.CSV", "text,intent\n\"lock it, now\",LockCard\n\nbalance, GetBalance\n", []Example{
			{Text: "lock it, now", Intent: LockCard, Slots: Slots{}, slotsUnscored: true},
			{Text: "balance", Intent: GetBalance, Slots: Slots{}, slotsUnscored: true},
		}, ""},
		{"c.yaml", "locale: de-DE\nnow: 2026-11-23\nutterances:\n  - {text: kontostand, intent: GetBalance, slots: {account: checking}}\n", []Example{
			{Text: "kontostand", Intent: GetBalance, Slots: Slots{SlotAccount: "checking"}},
		}, "de-DE"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := ReadLabelled(c.name, []byte(c.text))
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got.Examples, c.want) || got.Locale != c.locale {
				t.Errorf("got %+v %q\nwant %+v", got.Examples, got.Locale, c.want)
			}
		})
	}
	for name, text := range map[string]string{
		"x.jsonl": `{"text":"hi","intent":"Nope"}`, "y.jsonl": `{"text":`, "z.csv": "only text\n", "w.csv": "hi,Nope\n", "v.txt": "hi",
	} {
		if _, err := ReadLabelled(name, []byte(text)); err == nil {
			t.Errorf("%s %q accepted", name, text)
		}
	}
}
