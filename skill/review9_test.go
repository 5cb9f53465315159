package skill_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/kontoskill/konto/intents"
	"github.com/kontoskill/konto/skill"
)

// Review 9 (attacker): the conversation paths of the latest commits:
// meantPart ('i meant sophie turner not ravi', 1df2500), pause sounds in
// amounts (a731ea5), the agent request and the card-delivery aside at a
// read-back (9b6b139), the privacy aside (92918e2), Stop/Cancel words
// that stop nothing (f6d3780), card follow-ups (04d97df), together with
// the older correction-with-PIN path (changesWithPIN) they lean on.
// Tests marked "finding" fail while the hole is open; tests marked
// "holds" pin a safety property that holds today. Helpers r7talk, done,
// spoken, balanceOf and newEnv come from the other review files.

// finding (high, money): a new amount said with the PIN pays the old
// amount. At the PIN prompt of "$20.00 to Tom Nguyen", "thirty dollars,
// 6 6 9 6", "it's thirty dollars, my pin is 6 6 9 6", "6 6 9 6 and make
// it thirty" and "er make it thirty 6 6 9 6" all answer "Done. I sent
// $20.00"; at the read-back "thirty dollars 6 6 9 6" is taken as the yes
// and the PIN in one and pays $20.00 too. changesWithPIN strips "it" (a
// PIN word) so " make it" is no longer seen, does not skip the pause
// "er", and a bare amount is no correction (correcting() wants a leading
// "no"/"make"...). The user named an amount that differs from the one
// read back: nothing may be paid before the amount meant is read back.
func TestReview9AmountSaidWithPINPaysNothing(t *testing.T) {
	for _, c := range []struct {
		name  string
		turns []string
	}{
		{"pin prompt: amount, PIN", []string{"send tom nguyen 20 dollars from checking", "yes", "thirty dollars, PIN"}},
		{"pin prompt: digits amount", []string{"send tom nguyen 20 dollars from checking", "yes", "30 dollars PIN"}},
		{"pin prompt: it's thirty", []string{"send tom nguyen 20 dollars from checking", "yes", "it's thirty dollars, my pin is PIN"}},
		{"pin prompt: PIN and make it", []string{"send tom nguyen 20 dollars from checking", "yes", "PIN and make it thirty"}},
		{"pin prompt: er make it", []string{"send tom nguyen 20 dollars from checking", "yes", "er make it thirty PIN"}},
		{"read-back: amount, PIN", []string{"send tom nguyen 20 dollars from checking", "thirty dollars PIN"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			e := newEnv(t, nil, 0)
			before := balanceOf(t, e, "carol-checking")
			out := r7talk(t, e, "carol", "en-US", "r9-amount-pin", c.turns...)
			last := out[len(out)-1]
			if done(last) || balanceOf(t, e, "carol-checking") != before {
				t.Errorf("%q paid the amount read back before, not the one said: %q", c.turns[len(c.turns)-1], last)
			}
		})
	}
}

// finding (high, money): a yes said with a change is a plain yes.
// yesNoOf takes "yes" and up to four more words that are not hedged as a
// yes, and correction() is never asked, so "yes, thirty dollars", "yes,
// from savings" and "yes to tom" at the read-back of "$10.00 to Alice
// Meyer from your Premier Checking" confirm the plan read back. With the
// PIN given for a payment a minute earlier, the money moves on that very
// turn ("Done. I sent $10.00 to Alice Meyer"): the wrong amount, from the
// wrong account, or to the payee the user did not mean. Without a fresh
// PIN the PIN prompt follows and the PIN pays the old plan. (Review 4
// found this for "yes, just the minimum"; review 8 for "yes, every
// friday"; amounts, accounts and payees are still open.) A yes that
// names something else than the read-back must read the change back.
func TestReview9YesWithChangeIsNoPlainYes(t *testing.T) {
	for _, text := range []string{"yes, thirty dollars", "yes, from savings", "yes to tom"} {
		t.Run(text, func(t *testing.T) {
			e := newEnv(t, nil, 0)
			out := r7talk(t, e, "carol", "en-US", "r9-yes-change", "send tom nguyen 20 dollars from checking", "yes", "PIN",
				"send alice meyer 10 dollars from checking", text)
			if !done(out[2]) || !strings.Contains(out[3], "$10.00 to Alice Meyer") {
				t.Fatalf("setup: %q / %q", out[2], out[3])
			}
			if done(out[4]) {
				t.Errorf("%q at the read-back paid the plan read back: %q", text, out[4])
			}
		})
	}
	e := newEnv(t, nil, 0)
	out := r7talk(t, e, "carol", "en-US", "r9-yes-change-b", "send tom nguyen 20 dollars from checking", "yes, thirty dollars", "PIN")
	if strings.Contains(out[2], "I sent $20.00") {
		t.Errorf("'yes, thirty dollars', then the PIN, paid $20.00: %q / %q", out[1], out[2])
	}
}

// finding (medium: wrong amount read back, a PIN digit spoken): the PIN
// said with the bill meant at a bill payment's "From which account?"
// ("pay my internet bill" → "6 6 9 6, the water bill") reads back "That's
// $6.00 to Seattle Public Utilities": the PIN's first digit is the
// amount (the bill's amount is $48.75) and is said aloud. The guard of
// review 7 ("a PIN's digits are no amount") covers transfers at the
// read-back; a bill's account question has none.
func TestReview9PINAtBillQuestionIsNoAmount(t *testing.T) {
	e := newEnv(t, nil, 0)
	out := r7talk(t, e, "carol", "en-US", "r9-bill-pin", "pay my internet bill", "PIN, the water bill")
	if !strings.Contains(out[0], "From which account") {
		t.Fatalf("setup: %q", out[0])
	}
	if strings.Contains(out[1], "$6.00") {
		t.Errorf("a digit of the PIN became the bill's amount: %q", out[1])
	}
}

// finding (medium: an unlucky user gets no help with a lost card): after
// "when does my credit card expire" (the card is the subject), "i lost
// it" gets "Sorry, I can't help with that. I'm your banking assistant";
// after "and the debit card?" the same. The card just talked about is the
// one lost: the block-for-good read-back (or "which card?") is meant.
func TestReview9LostItAfterCardQuestion(t *testing.T) {
	for _, turns := range [][]string{
		{"when does my credit card expire", "i lost it"},
		{"when does my credit card expire", "and the debit card?", "i lost it"},
	} {
		t.Run(strings.Join(turns, " / "), func(t *testing.T) {
			e := newEnv(t, nil, 0)
			out := r7talk(t, e, "carol", "en-US", "r9-lost-it", turns...)
			if last := out[len(out)-1]; strings.Contains(last, "can't help with that") {
				t.Errorf("'i lost it' about a card got no help: %q", last)
			}
		})
	}
}

// finding (low-medium: a read-back follows, but it is the old plan): a
// change said after the PIN at the PIN prompt is dropped without a word.
// "6 6 9 6 from savings", "6 6 9 6, tomorrow", "uh 6 6 9 6, um, to
// alice", "actually thirty, 6 6 9 6", "i meant thirty, 6 6 9 6" answer
// with the very read-back the user is changing ("$20.00 to Tom Nguyen from
// your Premier Checking now"): changesWithPIN sees a change, but the
// correction is read from the whole turn and the amount guard ("a digit
// of the PIN is no amount") throws away "thirty", which is no PIN digit.
// A user who hears "Shall I go ahead?" and says yes again gets the plan
// they just changed. The change should be read back, or asked for.
func TestReview9ChangeAfterPINIsNotDroppedSilently(t *testing.T) {
	for _, text := range []string{"PIN from savings", "PIN, tomorrow", "uh PIN, um, to alice", "actually thirty, PIN", "i meant thirty, PIN"} {
		t.Run(text, func(t *testing.T) {
			e := newEnv(t, nil, 0)
			out := r7talk(t, e, "carol", "en-US", "r9-change-pin", "send tom nguyen 20 dollars from checking", "yes", text)
			if out[2] == out[0] {
				t.Errorf("%q at the PIN prompt: the unchanged plan was read back again: %q", text, out[2])
			}
		})
	}
}

// finding (high: the wrong card is locked; a lost card is read back to
// be blocked for good): a card named to exclude it at "Which card: your
// debit card ending in 7719 or your credit card ending in 3381?" is the
// card chosen. "not the debit one, the other one" locks the debit card at
// once (a lock needs no read-back), "not the credit card" locks the credit
// card, and "i lost my card" → "not the debit one" reads back "I'll block
// your debit card ending in 7719 for good". The card the user still has
// is locked while the lost one keeps working. A negated card must not be
// the choice (the other one, or ask again).
func TestReview9NegatedCardIsNotTheChoice(t *testing.T) {
	for _, c := range []struct{ start, text, wrong string }{
		{"lock my card", "not the debit one, the other one", "debit card ending in 7719"},
		{"lock my card", "not the credit card", "credit card ending in 3381"},
		{"i lost my card", "not the debit one", "debit card ending in 7719"},
	} {
		t.Run(c.start+" / "+c.text, func(t *testing.T) {
			e := newEnv(t, nil, 0)
			out := r7talk(t, e, "carol", "en-US", "r9-negated-card", c.start, c.text)
			if !strings.HasPrefix(out[0], "Which card") {
				t.Fatalf("no card question: %q", out[0])
			}
			if strings.Contains(out[1], c.wrong) {
				t.Errorf("%q chose the card excluded: %q", c.text, out[1])
			}
		})
	}
}

// finding (medium: a destructive action on an acknowledgement): at "I'll
// block your debit card ending in 7719 for good ... Shall I go ahead?",
// a side question answered ("what do you keep on me" → the privacy
// answer, 92918e2; "when will the new one come" → the delivery answer,
// 9b6b139), then a bare "ok" that acknowledges that answer is taken as
// the yes: "To confirm, please say your four-digit voice PIN." The
// delete-my-data question has the onlyAck guard for exactly this (f786f03,
// review 7/8); blocking a card for good, which cannot be undone, has not.
// Ask for a real yes.
func TestReview9AckAfterAsideAtLostCardIsNoYes(t *testing.T) {
	for _, aside := range []string{"what do you keep on me", "when will the new one come"} {
		t.Run(aside, func(t *testing.T) {
			e := newEnv(t, nil, 0)
			out := r7talk(t, e, "carol", "en-US", "r9-lost-ack", "i lost my debit card", aside, "ok")
			if !strings.Contains(out[0], "for good") || !strings.Contains(out[1], "back to where we were") {
				t.Fatalf("setup: %q / %q", out[0], out[1])
			}
			if strings.Contains(out[2], "voice PIN") || done(out[2]) {
				t.Errorf("'ok' after the side answer was the yes to blocking the card for good: %q", out[2])
			}
		})
	}
}

// finding (medium: wrong payee read back, new with 1df2500): meantPart
// takes any one or two words after "i meant" as a payee's name. "no i
// meant savings not checking" (the user wants the $20.00 to Tom Nguyen
// from savings) reads back "You want to send $20.00 to your Goal Savings
// from your Premier Checking": Tom Nguyen is gone and the money would go
// to the user's own savings. The account named after "i meant" is an
// account to pay from (the "not checking" says which slot changes), not a
// payee.
func TestReview9MeantAccountIsNoPayee(t *testing.T) {
	e := newEnv(t, nil, 0)
	out := r7talk(t, e, "carol", "en-US", "r9-meant-acct", "send tom nguyen 20 dollars from checking", "no i meant savings not checking")
	if !strings.Contains(out[1], "Tom Nguyen") || strings.Contains(out[1], "to your Goal Savings") {
		t.Errorf("'i meant savings not checking' changed the payee: %q", out[1])
	}
}

// finding (medium: a yes or a correction drops the payment with a wrong
// answer, new with 1df2500): meantPart's words become a payee that does
// not exist, and the transfer is dropped with "I don't see It among your
// saved payees": "yes i mean it" (a yes!), "stop, I mean yes", "i meant
// twenty five not twenty" (an amount), "no i meant the 25th not today" (a
// date), "no, i meant the other emily" (a namesake), and "I'd rather talk
// to someone, 6 6 9 6" at the PIN prompt ("Someone"). Pronouns, yes/no
// words, numbers and dates are no names.
func TestReview9MeantWordsAreNoName(t *testing.T) {
	for _, c := range []struct {
		customer, locale string
		turns            []string
	}{
		{"carol", "en-US", []string{"send tom nguyen 20 dollars from checking", "yes i mean it"}},
		{"carol", "en-US", []string{"send tom nguyen 20 dollars from checking", "stop, I mean yes"}},
		{"carol", "en-US", []string{"send tom nguyen 20 dollars from checking", "no i meant the 25th not today"}},
		{"priya", "en-GB", []string{"send ravi shah 20 pounds from my current account", "i meant twenty five not twenty"}},
		{"oliver", "en-GB", []string{"what's my balance", "yes", "send emily bennett 20 pounds from my current account", "no, i meant the other emily"}},
		{"carol", "en-US", []string{"send tom nguyen 20 dollars from checking", "yes", "I'd rather talk to someone, PIN"}},
	} {
		t.Run(c.turns[len(c.turns)-1], func(t *testing.T) {
			e := newEnv(t, nil, 0)
			out := r7talk(t, e, c.customer, c.locale, "r9-meant", c.turns...)
			if last := out[len(out)-1]; strings.Contains(last, "among your saved payees") {
				t.Errorf("%q was read as a payee's name: %q", c.turns[len(c.turns)-1], last)
			}
		})
	}
}

// finding (medium: says a payment was made that was not): right after
// "Done. I sent $20.00 to Tom Nguyen ... The reference is P…", the words
// "do it again" (the user asking for the same payment once more) read as
// Repeat (the offline recognizer's guess at the start of this review;
// the training lines changed during it, so the test sends the platform's
// Repeat intent with the words) get the old answer replayed word for word, "Done. I sent $20.00 ...", the same
// reference, while nothing moves. The user believes a second $20.00 went
// out. "do it again" is a new request: it should be read back as a
// second payment (pay.again) and need the PIN, or be said not done.
func TestReview9DoItAgainIsNoReplayedDone(t *testing.T) {
	e := newEnv(t, nil, 0)
	out := r7talk(t, e, "carol", "en-US", "r9-again", "send tom nguyen 20 dollars from checking", "yes", "PIN")
	if !done(out[2]) {
		t.Fatalf("setup: %q", out[2])
	}
	after := balanceOf(t, e, "carol-checking")
	// The recognizer's guess for "do it again" moves with the training
	// lines (Repeat, or Yes); as the platform's Repeat intent with the
	// words (Alexa's AMAZON.RepeatIntent hears "again"):
	again := e.sk.Handle(context.Background(), &skill.Request{Platform: "test", UserID: "u-carol", SessionID: "r9-again",
		RequestID: fmt.Sprintf("r9-again-%d", reqSeq.Add(1)), Locale: "en-US", Text: "do it again", Intent: intents.Repeat, Confidence: 0.9,
		AccessToken: e.bank.Token("carol")}).Speech
	if done(again) && balanceOf(t, e, "carol-checking") == after {
		t.Errorf("'do it again' answered %q, but nothing was sent", again)
	}
}

// finding (medium: wrong answer after a lock; a lost second card stays
// open): after "I've locked your debit card ending in 7719", "and my
// credit card" / "and the credit card too" read out the credit card's
// balance; after locking the credit card "and my debit card?" reads out
// the checking balance (04d97df made "and my debit card?" a card's state
// only after "is it locked?"). "actually the credit card" and "no, not
// the debit card, the credit card" get the bank's answer on how to apply
// for a credit card. In every case the user meant the other card too (or
// instead) and hears something not asked; nothing is locked. The follow-
// up after a card action is about that action on the card named.
func TestReview9CardFollowUpAfterLock(t *testing.T) {
	for _, c := range []struct{ start, text string }{
		{"lock my debit card", "and my credit card"},
		{"lock my debit card", "and the credit card too"},
		{"lock my credit card", "and my debit card?"},
		{"lock my debit card", "actually the credit card"},
		{"lock my debit card", "no, not the debit card, the credit card"},
	} {
		t.Run(c.start+" / "+c.text, func(t *testing.T) {
			e := newEnv(t, nil, 0)
			out := r7talk(t, e, "carol", "en-US", "r9-card-follow", c.start, c.text)
			if !strings.HasPrefix(out[0], "I've locked") {
				t.Fatalf("setup: %q", out[0])
			}
			if strings.Contains(out[1], " has $") || strings.Contains(out[1], "balance is") || strings.Contains(out[1], "apply for") {
				t.Errorf("%q after the lock answered something not asked: %q", c.text, out[1])
			}
		})
	}
}

// finding (medium: wrong amount read back; a guess acted on): "twenty
// fifty dollars" is read back as $2,050.00 without asking which amount
// ($20.50 or $2,050.00), though "twelve fifty" asks (review 6); a pause
// in it ("twenty uh fifty dollars") reads $2,050.00 too, now that the
// pause sounds are dropped (a731ea5). In German "zwanzig äh fünf euro"
// reads 20,05 € (English "twenty um five" is $25.00). An amount that
// reads two ways must be asked, never read back as the bigger guess.
func TestReview9ElidedAndPausedAmountsAreAsked(t *testing.T) {
	for _, c := range []struct{ customer, locale, text, guess string }{
		{"carol", "en-US", "send tom nguyen twenty fifty dollars from checking", "$2,050.00"},
		{"carol", "en-US", "send tom nguyen twenty uh fifty dollars from checking", "$2,050.00"},
		{"lena", "de-DE", "überweise max schmidt zwanzig äh fünf euro vom girokonto", "20,05"},
	} {
		t.Run(c.text, func(t *testing.T) {
			e := newEnv(t, nil, 0)
			out := r7talk(t, e, c.customer, c.locale, "r9-elided", c.text)
			if strings.Contains(out[0], c.guess) && !strings.Contains(out[0], " or ") && !strings.Contains(out[0], " oder ") {
				t.Errorf("%q was read back as %s without asking: %q", c.text, c.guess, out[0])
			}
		})
	}
}

// finding (low: wrong answer, nothing moves): "the other <name>" at a
// read-back to a namesake drops the transfer: "no, not emily bennett, the
// other emily" (Oliver has Emily Bennett and Emily Clarke), "no, not
// alice chen, the other alice", "nein, die andere anna" answer "Okay, I
// won't send it". negatesName turns the turn into a plain no. The other
// namesake is meant; it should be read back (or asked).
func TestReview9OtherNamesakeIsReadBack(t *testing.T) {
	for _, c := range []struct{ customer, locale, yes, start, text, other string }{
		{"oliver", "en-GB", "yes", "send emily bennett 20 pounds from my current account", "no, not emily bennett, the other emily", "Emily Clarke"},
		{"alice", "en-US", "yes", "send alice chen 20 dollars from checking", "no, not alice chen, the other alice", "Alice Meyer"},
		{"jonas", "de-DE", "ja", "überweise anna becker 20 euro vom girokonto", "nein, die andere anna", "Anna Schulz"},
	} {
		t.Run(c.text, func(t *testing.T) {
			e := newEnv(t, nil, 0)
			bal := "what's my balance"
			if c.locale == "de-DE" {
				bal = "wie ist mein kontostand"
			}
			out := r7talk(t, e, c.customer, c.locale, "r9-other", bal, c.yes, c.start, c.text)
			if !strings.Contains(out[3], c.other) {
				t.Errorf("%q did not read back %s: %q", c.text, c.other, out[3])
			}
		})
	}
}

// holds (important): one session id shared by two users (a shared
// device) carries nothing across: Alice's "yes" and PIN do not confirm
// Carol's read-back, Alice's "unlock it" does not reach the card Carol
// locked, and Carol's money does not move.
func TestReview9SharedSessionCarriesNothing(t *testing.T) {
	e := newEnv(t, nil, 0)
	before := balanceOf(t, e, "carol-checking")
	say := func(who, text string) string {
		return e.sayIn(who, "en-US", "r9-shared", strings.ReplaceAll(text, "PIN", spoken(e, who))).Speech
	}
	say("carol", "send tom nguyen 20 dollars from checking")
	if s := say("alice", "yes"); strings.Contains(s, "voice PIN") || done(s) {
		t.Errorf("alice's yes confirmed carol's transfer: %q", s)
	}
	if s := say("alice", "PIN"); done(s) {
		t.Errorf("alice's PIN paid: %q", s)
	}
	say("carol", "lock my debit card")
	if s := say("alice", "unlock it"); strings.Contains(s, "7719") {
		t.Errorf("alice reached carol's card: %q", s)
	}
	if balanceOf(t, e, "carol-checking") != before {
		t.Errorf("carol's money moved")
	}
}
