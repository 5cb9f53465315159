package skill_test

import (
	"strings"
	"testing"
)

// Review 4 (security): reproductions of holes found in the card payment
// "in full" / "the minimum", the dialog's re-planning and the alert's
// answers. Each test fails while its hole is open.

// done reports whether an answer says a payment or action was made.
func done(speech string) bool {
	return strings.HasPrefix(speech, "Done.") || strings.HasPrefix(speech, "Erledigt.")
}

// R4-1: at the read-back of "$50.00 to your credit card" (the PIN given a
// minute ago), "yes, just the minimum" or "yes, the full balance please"
// is a plain yes: correction (converse.go) only looks for a new date or a
// number, and the words cardPayAmount reads ("minimum", "in full",
// "komplett") are no amount, so $50.00 is sent at once, not what was just
// asked for, without a new read-back.
func TestReview4YesWithCardAmountWordsIsNoPlainYes(t *testing.T) {
	for _, c := range []struct{ customer, locale, first, pay, from, yes, text string }{
		{"carol", "en-US", "send tom nguyen 10 dollars from checking", "pay 50 dollars to my credit card", "from checking", "yes", "yes, just the minimum"},
		{"carol", "en-US", "send tom nguyen 10 dollars from checking", "pay 50 dollars to my credit card", "from checking", "yes", "yes, the full balance please"},
		{"carol", "en-US", "send tom nguyen 10 dollars from checking", "pay 50 dollars to my credit card", "from checking", "yes", "yes in full"},
		{"lena", "de-DE", "überweise max schmidt 20 euro vom girokonto", "zahle 50 euro auf meine kreditkarte", "vom girokonto", "ja", "ja, komplett bitte"},
	} {
		t.Run(c.text, func(t *testing.T) {
			e := newEnv(t, nil, 0)
			sess := "r4-yes"
			e.sayIn(c.customer, c.locale, sess, c.first)
			e.sayIn(c.customer, c.locale, sess, c.yes)
			if r := e.pinIn(c.customer, c.locale, sess); !done(r.Speech) {
				t.Fatalf("the first payment: %q", r.Speech)
			}
			e.sayIn(c.customer, c.locale, sess, c.pay)
			if r := e.sayIn(c.customer, c.locale, sess, c.from); !strings.Contains(r.Speech, "?") || !strings.Contains(r.Speech, "50,00") && !strings.Contains(r.Speech, "$50.00") {
				t.Fatalf("the read-back: %q", r.Speech)
			}
			if r := e.sayIn(c.customer, c.locale, sess, c.text); done(r.Speech) {
				t.Errorf("%q sent the amount read back: %q", c.text, r.Speech)
			}
		})
	}
}

// R4-2: at "please say your four-digit voice PIN", a turn with the PIN
// and a change ("6 6 9 6, no wait, make it 20 dollars", "... but from
// savings", "... actually just the minimum") is taken as the PIN alone
// (continueDialog, stagePIN: ParsePin, then checkPIN and
// replanAndExecute): the payment read back before is made, the change is
// dropped without a word.
func TestReview4PINWithChangeDoesNotPayTheOldPlan(t *testing.T) {
	for _, text := range []string{"PIN, no wait, make it 20 dollars", "PIN but from savings", "PIN, actually just the minimum", "my pin is PIN, pay it tomorrow instead"} {
		t.Run(text, func(t *testing.T) {
			e := newEnv(t, nil, 0)
			sess := "r4-pin"
			e.sayIn("carol", "en-US", sess, "pay off my credit card in full")
			if r := e.sayIn("carol", "en-US", sess, "from checking"); !strings.Contains(r.Speech, "$783.53") {
				t.Fatalf("the read-back: %q", r.Speech)
			}
			if r := e.sayIn("carol", "en-US", sess, "yes"); !strings.Contains(r.Speech, "voice PIN") {
				t.Fatalf("the PIN question: %q", r.Speech)
			}
			said := strings.ReplaceAll(text, "PIN", strings.Join(strings.Split(e.bank.PIN("carol"), ""), " "))
			if r := e.sayIn("carol", "en-US", sess, said); done(r.Speech) {
				t.Errorf("%q made the payment read back before: %q", said, r.Speech)
			}
		})
	}
}

// R4-3: while the account is asked for a card payment, continueDialog
// (dialog.go) re-plans on any turn with " alles", " the balance", " in
// full" or " minimum" in it, and drops the amount said: "alles klar, vom
// Girokonto" (an acknowledgement), "checking, what's the balance there"
// (a side question) or "no, not in full, just 100 dollars" (a negation)
// turn the 50 or 100 asked for into the whole card balance, and the
// account named is dropped too.
func TestReview4AccountAnswerKeepsTheAmountSaid(t *testing.T) {
	for _, c := range []struct{ customer, locale, pay, text, want string }{
		{"jonas", "de-DE", "zahle 50 euro auf meine kreditkarte", "alles klar, vom girokonto", "50,00"},
		{"alice", "en-US", "pay 50 dollars to my credit card", "checking, what's the balance there", "$50.00"},
		{"carol", "en-US", "pay 100 dollars to my credit card", "no, not in full, just 100 dollars", "$100.00"},
	} {
		t.Run(c.text, func(t *testing.T) {
			e := newEnv(t, nil, 0)
			sess := "r4-amt"
			if r := e.sayIn(c.customer, c.locale, sess, c.pay); !strings.Contains(r.Speech, "?") {
				t.Fatalf("the account question: %q", r.Speech)
			}
			r := e.sayIn(c.customer, c.locale, sess, c.text)
			if !strings.Contains(r.Speech, c.want) && (strings.Contains(r.Speech, "$") || strings.Contains(r.Speech, "€")) {
				t.Errorf("%q changed the amount said (%s): %q", c.text, c.want, r.Speech)
			}
		})
	}
}

// R4-4: at the alert raised unasked ("... at ElectroMart on November
// 20th. Was this you?"), which follows "Anything else?"-style answers,
// "no thanks", "no thanks bye", "no, all good", "nein, alles gut" or
// "nee passt schon" is a plain no (yesNoOf): the card is locked, the
// charge marked as fraud and a case opened, when the person declined
// further help or said that all is well. So is the new follow-up
// correction "no, I meant the checking" (context.go) about the
// account numbers just heard: the alert dialog takes its "no" first.
func TestReview4NoThanksAtAlertReportsNoFraud(t *testing.T) {
	for _, c := range []struct{ customer, locale, first, text string }{
		{"alice", "en-US", "what's my checking balance", "no thanks bye"},
		{"alice", "en-US", "what's my checking balance", "no, all good"},
		{"alice", "en-US", "what's my checking balance", "not now thanks"},
		{"alice", "en-US", "what's my account number", "no, i meant the checking"},
		{"jonas", "de-DE", "wie ist mein kontostand", "nein, alles gut"},
		{"jonas", "de-DE", "wie ist mein kontostand", "nee passt schon"},
	} {
		t.Run(c.text, func(t *testing.T) {
			e := newEnv(t, nil, 0)
			if r := e.sayIn(c.customer, c.locale, "r4-alert", c.first); !strings.Contains(r.Speech, "?") {
				t.Fatalf("no alert raised: %q", r.Speech)
			}
			r := e.sayIn(c.customer, c.locale, "r4-alert", c.text)
			if st, locked := alertStatus(t, e, c.customer); st != "open" || locked {
				t.Errorf("%q (answered %q): alert %s, a card locked %v", c.text, r.Speech, st, locked)
			}
		})
	}
}

// R4-5 (low): "pay off my credit card in full from my credit card" reads
// back "$1,632.66 to your Rewards Visa from your Rewards Visa" and asks
// for the PIN: chooseFrom takes a named source without excluding the
// account paid. Only the sandbox's own same_account check stops it; a
// bank that allows card cash transfers would pay the card from itself.
func TestReview4CardIsNotPaidFromItself(t *testing.T) {
	e := newEnv(t, nil, 0)
	r := e.sayIn("alice", "en-US", "r4-self", "pay off my credit card in full from my credit card")
	if strings.Contains(r.Speech, "Shall I go ahead") {
		t.Errorf("a payment from the card to itself was read back: %q", r.Speech)
	}
}

// R4-6 (low): plainReading (recover.go) takes any turn with "lost my"
// and "card" for ReportLostCard with confidence 1: "I haven't lost my
// card, it just got declined" asks which card to block for good.
func TestReview4NotLostIsNoLostCardReport(t *testing.T) {
	e := newEnv(t, nil, 0)
	r := e.sayIn("alice", "en-US", "r4-lost", "i haven't lost my card, it just got declined")
	if r2 := e.sayIn("alice", "en-US", "r4-lost", "the debit card"); strings.Contains(r.Speech+r2.Speech, "for good") {
		t.Errorf("a card not lost is to be blocked for good: %q / %q", r.Speech, r2.Speech)
	}
}
