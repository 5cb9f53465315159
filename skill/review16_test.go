package skill_test

import (
	"fmt"
	"strings"
	"testing"
)

// Review 16 (attacker), on the code paths added in the session before:
// typo and dialect corrections, two merchants in one question, a payee
// changed back by name, the platform PIN's shape and the hedged yes, why
// a payment was refused, the rent, spaced amounts. "finding" tests
// failed while the hole was open; "defended" tests pin an attack that is
// held.

// finding (medium, a retraction taken for a yes): at a payment's
// read-back "yes, forget it", "yes cancel that", "ja, vergiss es", "ja,
// lass mal", "ja, abbrechen" were a yes (the words after "yes" were
// short and no hedge) and the PIN was asked: the payment the user just
// called off was one PIN away, and on a channel without a voice PIN it
// went. Promise: an irreversible action needs a real yes.
func TestReview16RetractedYesIsNoYes(t *testing.T) {
	e := newEnv(t, nil, 0)
	for i, c := range []struct{ cust, loc, start, answer string }{
		{"carol", "en-US", "send tom nguyen 20 dollars from checking", "yes, forget it"},
		{"carol", "en-US", "send tom nguyen 20 dollars from checking", "yes cancel that"},
		{"carol", "en-US", "send tom nguyen 20 dollars from checking", "yes, hang on"},
		{"carol", "en-US", "send tom nguyen 20 dollars from checking", "yes hmm let me think"},
		{"carol", "en-US", "send tom nguyen 20 dollars from checking", "yeah right, as if"},
		{"lena", "de-DE", "überweise Max Schmidt 20 Euro vom Girokonto", "ja, vergiss es"},
		{"lena", "de-DE", "überweise Max Schmidt 20 Euro vom Girokonto", "ja, lass mal"},
		{"lena", "de-DE", "überweise Max Schmidt 20 Euro vom Girokonto", "ja, abbrechen"},
	} {
		got := r7talk(t, e, c.cust, c.loc, fmt.Sprintf("r16-retract-%d", i), c.start, c.answer)
		if strings.Contains(got[1], "PIN") {
			t.Errorf("%q at %q: %q; a retraction is no yes", c.answer, got[0], got[1])
		}
	}
	// A yes with a few words of its own is still a yes.
	for i, yes := range []string{"yes please", "yes go ahead", "yeah that's right"} {
		got := r7talk(t, e, "carol", "en-US", fmt.Sprintf("r16-yes-%d", i), "send tom nguyen 20 dollars from checking", yes)
		if !strings.Contains(got[1], "PIN") {
			t.Errorf("%q: %q; want the PIN asked", yes, got[1])
		}
	}
}

// finding (medium, a payment the wrong way round): "tom nguyen owes me 50
// dollars", "max schmidt schuldet mir 50 euro" (money owed to the user)
// and "i paid tom nguyen 20 dollars yesterday right" (a payment made)
// were read surely enough as a payment to that person and started one:
// "From which account …?", then the read-back and the PIN paid the
// person who owes the user. Promise: money moves only when the user asks
// to move it.
func TestReview16MoneyOwedStartsNoPayment(t *testing.T) {
	e := newEnv(t, nil, 0)
	for i, c := range []struct{ cust, loc, text string }{
		{"carol", "en-US", "tom nguyen owes me 50 dollars"},
		{"carol", "en-US", "alice meyer still owes me 20 dollars from checking"},
		{"carol", "en-US", "i paid tom nguyen 20 dollars yesterday right"},
		{"carol", "en-US", "i already sent tom nguyen 20 dollars from checking"},
		{"lena", "de-DE", "max schmidt schuldet mir 50 euro"},
		{"lena", "de-DE", "sophie wagner schuldet mir noch 20 euro vom girokonto"},
	} {
		got := r7talk(t, e, c.cust, c.loc, fmt.Sprintf("r16-owed-%d", i), c.text)[0]
		if containsAnyOf(got, "From which account", "Shall I go ahead", "Von welchem Konto", "Soll ich das ausführen") {
			t.Errorf("%q: %q; nobody asked to pay", c.text, got)
		}
	}
}

func containsAnyOf(s string, subs ...string) bool {
	for _, x := range subs {
		if strings.Contains(s, x) {
			return true
		}
	}
	return false
}

// finding (medium, a message read as a payment): "send a text to tom
// nguyen saying i owe him 20 dollars", "send tom nguyen a message that i
// will pay him 20 dollars", "schick Max Schmidt eine Nachricht dass ich
// ihm 20 Euro überweise" have a payee, an amount and "send": unsure() no
// longer doubted them and a payment was started ("From which account
// …?"). Promise: money moves only when the user asks to move it.
func TestReview16MessageStartsNoPayment(t *testing.T) {
	e := newEnv(t, nil, 0)
	for i, c := range []struct{ cust, loc, text string }{
		{"carol", "en-US", "send a text to tom nguyen saying i owe him 20 dollars"},
		{"carol", "en-US", "send tom nguyen a message that i will pay him 20 dollars"},
		{"carol", "en-US", "send an email to alice meyer that i'll pay her 20 dollars from checking"},
		{"lena", "de-DE", "schick Max Schmidt eine Nachricht dass ich ihm 20 Euro überweise"},
		{"lena", "de-DE", "schick Sophie Wagner eine SMS, ich überweise ihr 20 Euro vom Girokonto"},
	} {
		got := r7talk(t, e, c.cust, c.loc, fmt.Sprintf("r16-msg-%d", i), c.text)[0]
		if containsAnyOf(got, "From which account", "Shall I go ahead", "Von welchem Konto", "Soll ich das ausführen") {
			t.Errorf("%q: %q; nobody asked to pay", c.text, got)
		}
	}
}

// finding (medium-low, another service's account read as the bank's):
// "freeze my netflix account", "lock my amazon account", "sperr mein
// netflix konto" were the bank's FreezeAccount ("Which account should I
// freeze …?", then "Freezing your Premier Checking stops all payments
// …"), "lock my gym card" the bank's LockCard ("Which card …?"). Promise:
// an account or a card changes only when the user asks for that.
func TestReview16OtherServicesAreNotTheBanks(t *testing.T) {
	e := newEnv(t, nil, 0)
	for i, c := range []struct{ cust, loc, text string }{
		{"carol", "en-US", "freeze my netflix account"},
		{"carol", "en-US", "freeze my instagram account"},
		{"carol", "en-US", "lock my amazon account"},
		{"carol", "en-US", "lock my gym card"},
		{"lena", "de-DE", "sperr mein netflix konto"},
		{"lena", "de-DE", "sperr meinen facebook account"},
	} {
		got := r7talk(t, e, c.cust, c.loc, fmt.Sprintf("r16-other-%d", i), c.text)[0]
		if containsAnyOf(got, "Which account", "Which card", "Welches Konto", "Welche Karte", "Meinst du", "freeze", "sperren") {
			t.Errorf("%q: %q; not the bank's account or card", c.text, got)
		}
	}
	// The bank's own still are.
	for i, c := range []struct{ cust, loc, text, want string }{
		{"carol", "en-US", "freeze my account", "Which account"},
		{"carol", "en-US", "lock my card", "Which card"},
		{"lena", "de-DE", "sperr mein konto", "Welches Konto"},
	} {
		if got := r7talk(t, e, c.cust, c.loc, fmt.Sprintf("r16-own-%d", i), c.text)[0]; !strings.Contains(got, c.want) {
			t.Errorf("%q: %q; want %q", c.text, got, c.want)
		}
	}
}
