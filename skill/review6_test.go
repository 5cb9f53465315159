package skill_test

import (
	"strings"
	"testing"
)

// Review 6 (security): reproductions of holes found in the newest changes:
// askElidedAmount ("twelve fifty": $12.50 or $1,250.00?), pinLike (four
// bare digits at "How much?"), alertWords ("yes it's mine" is no yes to
// other questions). Each test named for a hole fails while it is open.

// R6-1 (high): alertWords (recover.go) lists only a few phrasings ("its
// mine", "thats mine", "that was me"...). After the first turn's fraud
// alert ("A charge of $899.00 at ElectroMart ... Was this you?") the user
// asks what data is kept, and the privacy answer ends with "Would you like
// me to unlink your bank and delete your data?". An answer meant for the
// charge, "yes that was mine", "yes it is mine", "yes that charge is mine",
// "yes I recognise it", is read as a plain yes: the bank is unlinked and
// the data deleted at once. A turn that speaks of a charge must be no yes
// to deleting data (the question is asked again).
func TestReview6ChargeWordsAreNoYesToDeletion(t *testing.T) {
	for _, text := range []string{"yes that was mine", "yes it is mine", "yeah that one's mine", "yes that charge is mine",
		"yes that purchase was mine", "yes i made that purchase", "yes i recognise it", "yes that's legit"} {
		t.Run(text, func(t *testing.T) {
			e := newEnv(t, nil, 0)
			sess := "r6-erase"
			if r := e.sayIn("alice", "en-US", sess, "what's my balance"); !strings.Contains(r.Speech, "Was this you?") {
				t.Fatalf("no alert on the first turn: %q", r.Speech)
			}
			if r := e.sayIn("alice", "en-US", sess, "what data do you keep about me"); !strings.Contains(r.Speech, "delete your data?") {
				t.Fatalf("no privacy offer: %q", r.Speech)
			}
			if r := e.sayIn("alice", "en-US", sess, text); strings.Contains(r.Speech, "deleted what I stored") {
				t.Errorf("%q, said of the charge, deleted the user's data: %q", text, r.Speech)
			}
		})
	}
}

// R6-2 (high): pinLike (dialog.go) refuses only a turn that is four digits
// and nothing else. The PIN said too early at "How much would you like to
// send?" with a filler or a closing word ("uh, 6 6 9 6", "my pin is ...",
// "... okay", "äh 3 7 1 2", "3 7 1 2 bitte") or with a currency word
// ("4 1 4 3 euros") is read as an amount made of PIN digits and read back
// aloud: "$6.00", "3,07 €", "1,02 €" — PIN digits spoken to anyone in the
// room, and a payment of them one yes and a PIN away. A turn holding the
// PIN's digits must never be read back as an amount.
func TestReview6PINWithFillerIsNoAmount(t *testing.T) {
	for _, c := range []struct{ customer, locale, start, text string }{
		{"carol", "en-US", "send money to tom nguyen from checking", "uh, PIN"},
		{"carol", "en-US", "send money to tom nguyen from checking", "my pin is PIN"},
		{"carol", "en-US", "send money to tom nguyen from checking", "it's PIN"},
		{"carol", "en-US", "send money to tom nguyen from checking", "PIN okay"},
		{"carol", "en-US", "send money to tom nguyen from checking", "PIN dollars"},
		{"lena", "de-DE", "überweise max schmidt geld vom girokonto", "äh PIN"},
		{"lena", "de-DE", "überweise max schmidt geld vom girokonto", "PIN bitte"},
		{"lena", "de-DE", "überweise max schmidt geld vom girokonto", "PIN euro"},
	} {
		t.Run(c.customer+" "+c.text, func(t *testing.T) {
			e := newEnv(t, nil, 0)
			sess := "r6-pin"
			if r := e.sayIn(c.customer, c.locale, sess, c.start); !strings.Contains(r.Speech, "?") {
				t.Fatalf("no amount question: %q", r.Speech)
			}
			text := strings.ReplaceAll(c.text, "PIN", spoken(e, c.customer))
			r := e.sayIn(c.customer, c.locale, sess, text)
			if strings.Contains(r.Speech, "Shall I go ahead") || strings.Contains(r.Speech, "Soll ich das ausführen") {
				t.Errorf("%q at 'How much?' was read back as an amount: %q", text, r.Speech)
			}
		})
	}
}

// R6-3 (medium): on a session's first turn a payment waits while the open
// fraud alert is asked (dispatch: "Before we do that, there's a charge I
// need you to check"). askElidedAmount returns before that code runs, and
// the answer to "Is that $12.50 or $1,250.00?" goes through
// continueDialog, which never raises it: "send twelve fifty to bob smith"
// on alice's first turn is read back and paid with the $899.00 ElectroMart
// alert never asked. The alert must be asked before the read-back, as it
// is for "send bob smith 20 dollars".
func TestReview6ElidedAmountKeepsTheFirstTurnAlert(t *testing.T) {
	e := newEnv(t, nil, 0)
	sess := "r6-alert"
	asked := false
	for _, text := range []string{"send twelve fifty to bob smith from checking", "the smaller one", "yes"} {
		r := e.sayIn("alice", "en-US", sess, text)
		asked = asked || strings.Contains(r.Speech, "Was this you?")
		if strings.Contains(r.Speech, "Shall I go ahead") && !asked {
			t.Fatalf("the payment was read back before the open alert was asked: %q", r.Speech)
		}
		if asked {
			return
		}
	}
	if r := e.sayIn("alice", "en-US", sess, spoken(e, "alice")); done(r.Speech) && !asked {
		t.Fatalf("paid with the open alert never asked: %q", r.Speech)
	}
}

// R6-4 (medium): "twelve fifty" with no currency is asked about only when
// it starts a payment (askElidedAmount runs in dispatch, with no dialog).
// Said as the answer to "How much would you like to send to Tom Nguyen?"
// or as a correction at the read-back ("no, make it twelve fifty"), it is
// read as $1,250.00 with no question, the very reading the change was
// made to stop. It must be asked: "Is that $12.50 or $1,250.00?".
func TestReview6ElidedAmountAskedInADialog(t *testing.T) {
	for _, c := range []struct{ start, text string }{
		{"send money to tom nguyen from checking", "twelve fifty"},
		{"send tom nguyen 20 dollars from checking", "no, make it twelve fifty"},
		{"send tom nguyen 20 dollars from checking", "wait, no, make it twelve fifty"},
	} {
		t.Run(c.text, func(t *testing.T) {
			e := newEnv(t, nil, 0)
			sess := "r6-elided"
			e.sayIn("carol", "en-US", sess, "what's my balance")
			e.sayIn("carol", "en-US", sess, c.start)
			if r := e.sayIn("carol", "en-US", sess, c.text); strings.Contains(r.Speech, "$1,250.00") && !strings.Contains(r.Speech, "$12.50") {
				t.Errorf("%q was read as $1,250.00 without asking: %q", c.text, r.Speech)
			}
		})
	}
}

// R6-5 (low: a read-back follows): pickChoice counts label words and reads
// no negation or self-correction: at "Is that $12.50 or $1,250.00?" the
// answer "not the bigger one" and "the second one, sorry, the first" both
// pick $1,250.00, the amount the user just turned down.
func TestReview6TurnedDownChoiceIsNotPicked(t *testing.T) {
	for _, text := range []string{"not the bigger one", "the second one, sorry, the first"} {
		t.Run(text, func(t *testing.T) {
			e := newEnv(t, nil, 0)
			sess := "r6-choice"
			e.sayIn("carol", "en-US", sess, "what's my balance")
			if r := e.sayIn("carol", "en-US", sess, "send twelve fifty to tom nguyen from checking"); !strings.Contains(r.Speech, "$1,250.00?") {
				t.Fatalf("no question: %q", r.Speech)
			}
			if r := e.sayIn("carol", "en-US", sess, text); strings.Contains(r.Speech, "send $1,250.00") {
				t.Errorf("%q picked $1,250.00: %q", text, r.Speech)
			}
		})
	}
}

// R6-6 (low: a read-back follows): "twelve fifty cents" has a cent word,
// so ElidedAmount stands aside, and ParseAmount reads $1,250.00.
func TestReview6CentsAreNoThousand(t *testing.T) {
	e := newEnv(t, nil, 0)
	sess := "r6-cents"
	e.sayIn("carol", "en-US", sess, "what's my balance")
	if r := e.sayIn("carol", "en-US", sess, "send tom nguyen twelve fifty cents from checking"); strings.Contains(r.Speech, "$1,250.00") {
		t.Errorf("'twelve fifty cents' read as $1,250.00: %q", r.Speech)
	}
}

// R6 guard (passes): the choice taken is the amount read back and moved,
// once, after a yes and the PIN.
func TestReview6ElidedChoiceIsTheAmountPaid(t *testing.T) {
	e := newEnv(t, nil, 0)
	sess := "r6-guard"
	e.sayIn("carol", "en-US", sess, "what's my balance")
	e.sayIn("carol", "en-US", sess, "send twelve fifty to tom nguyen from checking")
	if r := e.sayIn("carol", "en-US", sess, "the smaller one"); !strings.Contains(r.Speech, "send $12.50 to Tom Nguyen") {
		t.Fatalf("read-back: %q", r.Speech)
	}
	if r := e.sayIn("carol", "en-US", sess, "yes"); done(r.Speech) {
		t.Fatalf("paid on a yes alone: %q", r.Speech)
	}
	if r := e.sayIn("carol", "en-US", sess, spoken(e, "carol")); !done(r.Speech) || !strings.Contains(r.Speech, "$12.50") {
		t.Fatalf("payment: %q", r.Speech)
	}
}
