package skill_test

import (
	"strings"
	"testing"
)

// Findings of the review of the thirteenth session's dialog changes.

// finding (high): a "yes" that restated the payment at its read-back was
// taken as the yes, so "yeah I already sent alice 30 dollars" (a payment
// told as done) paid, with the PIN skipped while a recent PIN covered the
// session. Promise: money moves only after a yes to what was read back
// and the PIN; a restated request is read back again.
func TestReview17RestatedPaymentIsNoYes(t *testing.T) {
	e := newEnv(t, nil, 0)
	got := r7talk(t, e, "carol", "en-US", "r17-restated", "send tom nguyen 20 dollars from checking", "yes", "PIN",
		"send alice meyer 30 dollars from checking", "yeah I already sent alice 30 dollars", "yeah, go ahead and send alice 30 dollars")
	if !done(got[2]) {
		t.Fatalf("setup: %q", got)
	}
	for _, g := range got[4:] {
		if done(g) {
			t.Errorf("paid on %q", got)
		}
	}
	for _, g := range got[4:] {
		if !strings.Contains(g, "$30.00 to Alice Meyer") {
			t.Errorf("not read back again: %q", g)
		}
	}
}

// finding (medium): "the other card was never in there", "I also still
// have the other card at home", "Die Kreditkarte habe ich auch noch" at
// one card's block read-back were read as both cards lost. Promise:
// nothing is blocked for good that the user did not say was lost.
func TestReview17OtherCardNotLostStaysOut(t *testing.T) {
	e := newEnv(t, nil, 0)
	for i, c := range []struct{ cust, loc, start, text string }{
		{"bob", "en-US", "somebody stole my wallet and my debit card was in it", "the other card was never in there"},
		{"bob", "en-US", "somebody stole my wallet and my debit card was in it", "I also still have the other card at home"},
		{"lena", "de-DE", "mir wurde die handtasche gestohlen, meine girocard war drin", "Die Kreditkarte habe ich auch noch."},
	} {
		got := r7talk(t, e, c.cust, c.loc, "r17-notlost-"+string(rune('a'+i)), c.start, c.text)
		if strings.Contains(got[1], "5008") || strings.Contains(got[1], "4432") {
			t.Errorf("%q: %q", c.text, got[1])
		}
	}
}

// finding (medium): a pause between numbers of different sizes was taken
// as a correction: "1 uh 500 dollars" was $500, "fünf äh fünfzig Euro"
// 50 €. Promise: the read-back is the amount asked for; where a pause
// leaves it unclear, the amount is asked.
func TestReview17PausedNumbersOfDifferentSize(t *testing.T) {
	e := newEnv(t, nil, 0)
	for i, c := range []struct{ cust, loc, text, wrong string }{
		{"carol", "en-US", "send tom nguyen 1 uh 500 dollars from checking", "$500.00"},
		{"carol", "en-US", "send tom nguyen 1000 uh 500 dollars from checking", "$500.00"},
		{"carol", "en-US", "send tom nguyen 4 uh 99 from checking", "$4.00"},
		{"lena", "de-DE", "überweise max schmidt fünf äh fünfzig euro vom girokonto", "50,00"},
		{"lena", "de-DE", "überweise max schmidt tausend äh fünfhundert euro vom girokonto", "500,00"},
	} {
		if got := r7talk(t, e, c.cust, c.loc, "r17-paused-"+string(rune('a'+i)), c.text)[0]; strings.Contains(got, c.wrong) && !strings.Contains(got, "1.500,00") {
			t.Errorf("%q: %q", c.text, got)
		}
	}
}

// finding (medium, older): "how much is in the account of Dave Wilson",
// "show me what Maria has got" read out the user's own balances and
// transactions, as if they were the payee's.
func TestReview17PayeesAccountOfIsRefused(t *testing.T) {
	e := newEnv(t, nil, 0)
	for i, text := range []string{"how much is in the account of Dave Wilson", "show me what Maria has got"} {
		if got := r7talk(t, e, "bob", "en-US", "r17-of-"+string(rune('a'+i)), text)[0]; !strings.Contains(got, "only tell you about your own accounts") {
			t.Errorf("%q: %q", text, got)
		}
	}
}
