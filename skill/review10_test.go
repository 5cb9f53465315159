package skill_test

import (
	"strings"
	"testing"
)

// Review 10 (attacker): the conversation paths of today's commits
// (5fa9e70 … 5d9c158): namedChange / withoutPIN (a yes or a PIN said with
// a change), negatedCard at "Which card?", noticeAsked and the
// fraud-report path, doAgain, lockToo, and the parsing under them
// (intents/review10_test.go has the pure parsing findings). Tests marked
// "finding" fail while the hole is open. Helpers r7talk, done, spoken,
// balanceOf and newEnv come from the other review files.

// finding (high, money to the wrong payee, no PIN on the turn):
// namedChange sees a payee said with a yes only after "to"/"an". At the
// read-back of "$10.00 to Alice Meyer", a minute after a PIN was given,
// "yes, tom", "yes, for tom", "yes please, tom nguyen" and "ja, für max"
// answer "Done. I sent $10.00 to Alice Meyer" at once: the user named
// another payee and the money went to the one read back. A yes that
// names another payee must read the change back, never pay.
func TestReview10YesWithOtherPayeeIsNoPlainYes(t *testing.T) {
	for _, c := range []struct {
		customer, locale string
		turns            []string
	}{
		{"carol", "en-US", []string{"send tom nguyen 20 dollars from checking", "yes", "PIN", "send alice meyer 10 dollars from checking", "yes, tom"}},
		{"carol", "en-US", []string{"send tom nguyen 20 dollars from checking", "yes", "PIN", "send alice meyer 10 dollars from checking", "yes, for tom"}},
		{"carol", "en-US", []string{"send tom nguyen 20 dollars from checking", "yes", "PIN", "send alice meyer 10 dollars from checking", "yes please, tom nguyen"}},
		{"lena", "de-DE", []string{"überweise max schmidt 20 euro vom girokonto", "ja", "PIN", "überweise sophie wagner 10 euro vom girokonto", "ja, für max"}},
	} {
		t.Run(c.turns[len(c.turns)-1], func(t *testing.T) {
			e := newEnv(t, nil, 0)
			out := r7talk(t, e, c.customer, c.locale, "r10-yes-payee", c.turns...)
			if !done(out[2]) {
				t.Fatalf("setup: %q", out[2])
			}
			if last := out[len(out)-1]; done(last) {
				t.Errorf("%q at the read-back paid the payee read back: %q", c.turns[len(c.turns)-1], last)
			}
		})
	}
}

// finding (high, money sent now from the wrong account): namedChange
// reads an account or a date only in the words FillSlots knows, so "yes,
// next week", "yes, use savings" and "ja, nächste woche" at the read-back
// of "$10.00 to Alice Meyer from your Premier Checking now" (PIN given a
// minute ago) answer "Done": sent today, from checking, though the user
// asked for next week or for savings. ("yes, on monday" and "yes, but
// only fifteen" are read back; these are not.)
func TestReview10YesWithDateOrAccountIsNoPlainYes(t *testing.T) {
	for _, c := range []struct {
		customer, locale string
		turns            []string
	}{
		{"carol", "en-US", []string{"send tom nguyen 20 dollars from checking", "yes", "PIN", "send alice meyer 10 dollars from checking", "yes, next week"}},
		{"carol", "en-US", []string{"send tom nguyen 20 dollars from checking", "yes", "PIN", "send alice meyer 10 dollars from checking", "yes, use savings"}},
		{"lena", "de-DE", []string{"überweise max schmidt 20 euro vom girokonto", "ja", "PIN", "überweise sophie wagner 10 euro vom girokonto", "ja, nächste woche"}},
	} {
		t.Run(c.turns[len(c.turns)-1], func(t *testing.T) {
			e := newEnv(t, nil, 0)
			out := r7talk(t, e, c.customer, c.locale, "r10-yes-date", c.turns...)
			if !done(out[2]) {
				t.Fatalf("setup: %q", out[2])
			}
			if last := out[len(out)-1]; done(last) {
				t.Errorf("%q at the read-back paid the plan read back: %q", c.turns[len(c.turns)-1], last)
			}
		})
	}
}

// finding (high, money to the wrong payee / at the wrong time): at the PIN
// prompt for "$10.00 to Alice Meyer", the PIN said with another payee or
// a date or account namedChange does not read ("6 6 9 6 for tom", "6 6 9
// 6, tom nguyen", "6 6 9 6 next week", "6 6 9 6, use savings", "PIN für
// max" at Sophie Wagner's) pays the plan read back: "Done. I sent $10.00
// to Alice Meyer". The PIN must not pay a plan the same breath changes;
// a "yes please, tom nguyen" at the read-back, then the PIN, pays Alice
// Meyer too.
func TestReview10PINWithUnreadChangePaysNothing(t *testing.T) {
	for _, c := range []struct {
		customer, locale string
		turns            []string
	}{
		{"carol", "en-US", []string{"send alice meyer 10 dollars from checking", "yes", "PIN for tom"}},
		{"carol", "en-US", []string{"send alice meyer 10 dollars from checking", "yes", "PIN, tom nguyen"}},
		{"carol", "en-US", []string{"send alice meyer 10 dollars from checking", "yes", "PIN next week"}},
		{"carol", "en-US", []string{"send alice meyer 10 dollars from checking", "yes", "PIN, use savings"}},
		{"carol", "en-US", []string{"send alice meyer 10 dollars from checking", "yes please, tom nguyen", "PIN"}},
		{"lena", "de-DE", []string{"überweise sophie wagner 10 euro vom girokonto", "ja", "PIN für max"}},
	} {
		t.Run(strings.Join(c.turns[1:], " / "), func(t *testing.T) {
			e := newEnv(t, nil, 0)
			out := r7talk(t, e, c.customer, c.locale, "r10-pin-change", c.turns...)
			// (After "yes please, tom nguyen" the change is read back; a
			// PIN then pays Tom Nguyen, whom the user heard and agreed to.)
			if last := out[len(out)-1]; done(last) && (strings.Contains(last, "Alice Meyer") || strings.Contains(last, "Sophie Wagner") || !strings.Contains(strings.Join(c.turns, " "), "yes please")) {
				t.Errorf("%v: the PIN paid the plan read back: %q", c.turns[1:], last)
			}
		})
	}
}

// finding (high: the wrong card locked at once, or read back to be
// blocked for good): negatedCard takes any " not " / " nicht " within
// three words of a card for a card ruled out, so a hedge is a negation:
// at "Which card: your debit card … or your credit card …?", "i'm not
// sure, the credit one i think", "i do not know, the credit one", "the one
// i do not use, the credit card" and "weiß nicht, die kreditkarte" lock
// the DEBIT card (a lock needs no read-back); after "i lost my card", "i'm
// not sure, probably the credit one" reads back "I'll block your debit
// card … for good". The card the user named stays open; the other is
// locked. (The hedge should also make the choice no choice: ask again.)
func TestReview10HedgeIsNoNegatedCard(t *testing.T) {
	for _, c := range []struct{ customer, locale, start, text, wrong string }{
		{"carol", "en-US", "lock my card", "i'm not sure, the credit one i think", "debit card ending in 7719"},
		{"carol", "en-US", "lock my card", "i do not know, the credit one", "debit card ending in 7719"},
		{"carol", "en-US", "lock my card", "the one i do not use, the credit card", "debit card ending in 7719"},
		{"carol", "en-US", "i lost my card", "i'm not sure, probably the credit one", "debit card ending in 7719"},
		{"lena", "de-DE", "sperre meine karte", "weiß nicht, die kreditkarte", "Debitkarte mit den Endziffern 3359"},
	} {
		t.Run(c.start+" / "+c.text, func(t *testing.T) {
			e := newEnv(t, nil, 0)
			out := r7talk(t, e, c.customer, c.locale, "r10-hedge-card", c.start, c.text)
			if !strings.HasPrefix(out[0], "Which card") && !strings.HasPrefix(out[0], "Welche Karte") {
				t.Fatalf("no card question: %q", out[0])
			}
			// (asking "Which card …?" again is fine: the hedge names no card for sure)
			if strings.Contains(out[1], c.wrong) && !strings.Contains(out[1], "Which card") && !strings.Contains(out[1], "Welche Karte") {
				t.Errorf("%q picked the card the user did not name: %q", c.text, out[1])
			}
		})
	}
}

// finding (medium-high: a card locked and a fraud case opened on a guess):
// for a customer with no open alert (carol), "i got a text about a charge
// on my card" (a question about a message, 04cb3f9/fc6f8f7 route such
// turns to the open alert) goes on as a fraud report: "Which card?", and
// "the debit one" answers "I've locked your debit card ending in 7719 and
// opened fraud case …" with no read-back and no yes. The user reported
// nothing; a message about a charge with no alert behind it should be
// answered (recent charges, or the bank's word on its messages) or asked,
// never a lock and a fraud case.
func TestReview10NoticeWithoutAlertOpensNoFraudCase(t *testing.T) {
	e := newEnv(t, nil, 0)
	out := r7talk(t, e, "carol", "en-US", "r10-notice", "i got a text about a charge on my card", "the debit one")
	if strings.Contains(out[1], "I've locked") || strings.Contains(out[1], "fraud case") {
		t.Errorf("a question about a text locked a card and opened a fraud case: %q / %q", out[0], out[1])
	}
}

// finding (medium: wrong amount read back): "yes, the savings one" at the
// read-back of "$10.00 to Alice Meyer from your Premier Checking" reads
// back "You want to send $1.00 to Alice Meyer from your Premier
// Checking": namedChange takes "one" for an amount and drops the account
// the user named. A $1.00 the user never said, read back as the plan.
func TestReview10SavingsOneIsNoAmount(t *testing.T) {
	e := newEnv(t, nil, 0)
	out := r7talk(t, e, "carol", "en-US", "r10-savings-one", "send alice meyer 10 dollars from checking", "yes, the savings one")
	if strings.Contains(out[1], "$1.00") {
		t.Errorf("'the savings one' read back $1.00: %q", out[1])
	}
}

// finding (medium: wrong amount read back; the parsing is in
// intents/review10_test.go): an amount "corrected" by a count after a
// correcting word: "send tom nguyen 20 dollars from checking and make it 2
// payments" reads back "$2.00 to Tom Nguyen", "…, oops 1 more thing"
// reads back $1.00.
func TestReview10CountAfterCorrectionWordIsNoAmount(t *testing.T) {
	for _, c := range []struct{ text, wrong string }{
		{"send tom nguyen 20 dollars from checking and make it 2 payments", "$2.00"},
		{"send tom nguyen 20 dollars from checking, oops 1 more thing", "$1.00"},
	} {
		t.Run(c.text, func(t *testing.T) {
			e := newEnv(t, nil, 0)
			out := r7talk(t, e, "carol", "en-US", "r10-count", c.text)
			if strings.Contains(out[0], c.wrong) {
				t.Errorf("%q read back %s: %q", c.text, c.wrong, out[0])
			}
		})
	}
}

// finding (low-medium: a second payment offered that was not asked for):
// doAgain counts " once more" as "do it again", so "say that once more"
// and "can you say that once more" right after "Done. I sent $20.00 to
// Tom Nguyen" (the user asking to hear the answer again) start a second
// transfer: "… this would be a second one. You want to send $20.00 to Tom
// Nguyen … Shall I go ahead?"; a yes and the PIN pay twice. A request to
// repeat is no payment request.
func TestReview10SayThatOnceMoreIsNoSecondPayment(t *testing.T) {
	for _, text := range []string{"say that once more", "can you say that once more"} {
		t.Run(text, func(t *testing.T) {
			e := newEnv(t, nil, 0)
			out := r7talk(t, e, "carol", "en-US", "r10-once-more", "send tom nguyen 20 dollars from checking", "yes", "PIN", text)
			if !done(out[2]) {
				t.Fatalf("setup: %q", out[2])
			}
			if strings.Contains(out[3], "Shall I go ahead") {
				t.Errorf("%q offered a second payment: %q", text, out[3])
			}
		})
	}
}

// finding (low-medium: a lock offered for a card the user wants to pay):
// lockToo asks "Shall I lock your credit card ending in 3381 too?" for
// "and pay off my credit card" right after a lock (its exclusions know
// "balance", "owe", "limit", not "pay"); a yes locks the card the user
// was about to pay. A payment request after a lock is a payment request.
func TestReview10PayAfterLockIsNoLockToo(t *testing.T) {
	e := newEnv(t, nil, 0)
	out := r7talk(t, e, "carol", "en-US", "r10-lock-pay", "lock my debit card", "and pay off my credit card")
	if !strings.HasPrefix(out[0], "I've locked") {
		t.Fatalf("setup: %q", out[0])
	}
	if strings.Contains(out[1], "lock your credit card") {
		t.Errorf("'and pay off my credit card' was asked as a lock: %q", out[1])
	}
}

// finding (low-medium: wrong payee read back): a payee taken back in the
// same breath is kept: "send 20 dollars to alice meyer from checking, no
// wait, to tom" reads back "$20.00 to Alice Meyer" (withoutCorrections
// only runs when an amount follows the correcting words). The amount
// case was fixed in 5fa9e70; the payee case reads back the name taken
// back.
func TestReview10PayeeTakenBackInSameBreath(t *testing.T) {
	e := newEnv(t, nil, 0)
	out := r7talk(t, e, "carol", "en-US", "r10-payee-back", "send 20 dollars to alice meyer from checking, no wait, to tom")
	if strings.Contains(out[0], "to Alice Meyer") {
		t.Errorf("the payee taken back was read back: %q", out[0])
	}
}

// holds (important): "the other emily" at the PIN prompt (otherNamesake,
// a83b3cf) reads the namesake back, and the yes to it asks the PIN again:
// no PIN prompt of the old payee carries over to the new one.
func TestReview10NamesakeAtPINPromptNeedsPINAgain(t *testing.T) {
	e := newEnv(t, nil, 0)
	out := r7talk(t, e, "oliver", "en-GB", "r10-namesake", "what's my balance", "yes",
		"send emily bennett 20 pounds from my current account", "yes", "the other emily", "yes")
	if !strings.Contains(out[4], "Emily Clarke") || !strings.Contains(out[5], "voice PIN") {
		t.Errorf("the other namesake at the PIN prompt: %q / %q", out[4], out[5])
	}
}
