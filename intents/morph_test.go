package intents

import (
	"slices"
	"strings"
	"testing"
)

func TestMorphology(t *testing.T) {
	t.Parallel()
	stems := []struct {
		word   string
		german bool
		want   string
	}{
		{"transfers", false, "transfer"}, {"transferring", false, "transfer"}, {"spending", false, "spend"},
		{"überweisungen", true, "überweisung"}, {"kontostände", true, "kontoständ"}, {"gesperrt", true, "gesperr"},
		{"ausgaben", true, "ausgab"}, {"spaß", true, "spas"}, {"pin", true, "pin"},
	}
	for _, c := range stems {
		if got := stem(c.word, c.german); got != c.want {
			t.Errorf("stem(%q) = %q, want %q", c.word, got, c.want)
		}
	}
	vocab := map[string]bool{"konto": true, "auszug": true, "kreditkarten": true, "rechnung": true, "geburtstag": true, "geschenk": true}
	for word, want := range map[string]string{
		"kontoauszug": "konto+auszug", "kreditkartenrechnung": "kreditkarten+rechnung", "geburtstagsgeschenk": "geburtstag+geschenk",
		"konto": "", "rechnungen": "",
	} {
		h, tl, ok := splitCompound(word, vocab)
		got := ""
		if ok {
			got = h + "+" + tl
		}
		if got != want {
			t.Errorf("splitCompound(%q) = %q, want %q", word, got, want)
		}
	}
	if got := strings.Join(dropFillers(strings.Fields("um uh whats my balance please")), " "); got != "whats my balance" {
		t.Errorf("dropFillers = %q", got)
	}
	if got := strings.Join(dropFillers([]string{"bitte"}), " "); got != "bitte" {
		t.Errorf("a filler alone is kept: %q", got)
	}
	for text, want := range map[string]bool{
		"what is a savings account": true, "whats an iban": true, "was ist eine lastschrift": true, "explain compound interest": true,
		"what does apr mean": true, "what is my balance": false, "was ist mein kontostand": false, "what does my savings look like": false,
	} {
		if got := isDefinition(strings.Fields(text)); got != want {
			t.Errorf("isDefinition(%q) = %v", text, got)
		}
	}
	fz := featurizer{vocab: map[string]bool{}}
	for text, want := range map[string]bool{"remove the lock on my card": true, "unlock my card": false, "lock my card": false} {
		if got := slices.Contains(fz.features(text), "x:rev_lock"); got != want {
			t.Errorf("%q: x:rev_lock %v", text, got)
		}
	}
	if !slices.Contains(fz.features("unfreeze my card"), "x:rev") || !slices.Contains(fz.features("my pin is four five six seven"), "num:digits4") {
		t.Error("reversal prefix or spoken PIN not seen")
	}
	if got, ok := noisy("send twenty dollars to bob", false, 1); !ok || got == "send twenty dollars to bob" {
		t.Errorf("noisy = %q %v", got, ok)
	}
	if _, ok := noisy("hi", false, 1); ok {
		t.Error("a two-word utterance was made noisy")
	}
}

func TestOtherDomainAndDigitRuns(t *testing.T) {
	fz := featurizer{vocab: map[string]bool{}}
	for text, want := range map[string]bool{
		"i lost my phone": true, "when is my car due for an oil change": true, "set a timer": true,
		"what did i spend on groceries": false, "lock my card": false, "ich habe mein handy verloren": true,
	} {
		if got := slices.Contains(fz.features(text), "x:other"); got != want {
			t.Errorf("%q: x:other %v", text, got)
		}
	}
	feats := fz.features("my pin is four five six seven")
	if !slices.Contains(feats, "w:<digits>") || slices.Contains(feats, "w:four") || !slices.Contains(feats, "num:digits4") {
		t.Errorf("a spoken PIN is not one token: %v", feats)
	}
	if feats := fz.features("send two hundred dollars"); slices.Contains(feats, "w:<digits>") {
		t.Errorf("an amount is taken for digits: %v", feats)
	}
}
