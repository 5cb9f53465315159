package intents

import "testing"

func TestReview3ExploreAmounts(t *testing.T) {
	for _, c := range []struct{ loc, s string }{
		{"de-DE", "zweihundert fünfzig euro"}, {"de-DE", "hundert fünfzig euro"}, {"de-DE", "tausend fünfzig euro"},
		{"de-DE", "zwölf fünfzig euro"}, {"de-DE", "zwölf fünfzig"}, {"de-DE", "zwanzig dreißig euro"}, {"de-DE", "fünfzig zwanzig euro"},
		{"de-DE", "dreihundert zwanzig euro"}, {"de-DE", "zweitausend fünfzig euro"}, {"de-DE", "hundert euro fünfzig"},
		{"de-DE", "überweise max zweihundert fünfzig euro"}, {"de-DE", "einhundert zwanzig euro"},
		{"en-US", "two fifty"}, {"en-US", "two hundred fifty dollars"}, {"en-US", "twenty fifty dollars"}, {"en-US", "one hundred and fifty dollars"},
		{"en-US", "a hundred fifty dollars"}, {"en-US", "two thousand fifty dollars"}, {"en-US", "fifteen hundred dollars"},
		{"en-US", "twelve fifty"}, {"en-US", "twenty five dollars"}, {"en-US", "ninety nine dollars"}, {"en-US", "one two"},
		{"en-US", "two thousand five hundred twenty"}, {"en-US", "one thousand twenty"}, {"en-US", "twenty one fifty"},
		{"en-US", "fifty five"}, {"en-US", "twenty twenty five"}, {"en-US", "three fifteen"}, {"en-US", "thirty fifteen"},
		{"en-US", "send bob five hundred dollars on december fifteen"},
	} {
		a, w, ok := ParseAmount(Normalize(c.s), c.loc, true)
		t.Logf("%s %q -> %v %q %v", c.loc, c.s, a, w, ok)
	}
	for _, s := range []string{"ich möchte dem lukas fünfzig euro überweisen", "ich will meiner mutter 50 euro schicken", "ich möchte bitte 50 euro überweisen",
		"ich möchte jetzt geld überweisen", "ich möchte heute 20 euro an max überweisen", "ich muss noch die miete 800 euro überweisen",
		"ich möchte vom girokonto 50 euro überweisen", "ich will dem sparkonto 50 euro geben", "ich möchte einen dauerauftrag zahlen", "ich werde dir 5 euro zahlen"} {
		t.Logf("payee %q -> %q", s, ParsePayee(Normalize(s)))
	}
}
