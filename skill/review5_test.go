package skill_test

import (
	"context"
	"strings"
	"testing"
)

// Review 5 (security): reproductions of holes found in the parked payment
// behind a first-turn fraud alert, payBillerNamed, followUp's "the other
// card" and "the first one", and the biller switch at the PIN. Each test
// named for a hole fails while the hole is open.

// spoken is a customer's PIN as said aloud, digit by digit.
func spoken(e *env, customer string) string {
	return strings.Join(strings.Split(e.bank.PIN(customer), ""), " ")
}

// R5-1 (high): a payment begun on a session's first turn is parked while
// the open fraud alert is asked ("Before we do that, there's a charge I
// need you to check ... Was this you?"); its read-back is never spoken.
// A PIN said at the alert's question is no answer to the alert
// (answersSoft), so converse hands the turn to the parked dialog, which
// is at stageConfirm, and the "PIN at the read-back is the yes and the
// PIN in one" path (continueDialog) pays at once: money moves without the
// read-back ever being heard and without a yes, and the alert is dropped
// unanswered. A PIN at the alert must move nothing; the read-back must
// be said and answered first.
func TestReview5PINAtAlertPaysNoUnheardReadBack(t *testing.T) {
	for _, c := range []struct{ name, first string }{
		{"transfer", "send bob smith 20 dollars from checking"},
		{"bill", "pay my phone bill from checking"},
		{"card", "pay off my credit card in full from checking"},
	} {
		t.Run(c.name, func(t *testing.T) {
			e := newEnv(t, nil, 0)
			sess := "r5-park-" + c.name
			r := e.sayIn("alice", "en-US", sess, c.first)
			if !strings.Contains(r.Speech, "Was this you?") || strings.Contains(r.Speech, "Shall I go ahead") {
				t.Fatalf("no alert before the payment's read-back: %q", r.Speech)
			}
			if r := e.sayIn("alice", "en-US", sess, spoken(e, "alice")); done(r.Speech) {
				t.Errorf("a PIN at the alert made the payment whose read-back was never said: %q", r.Speech)
			}
		})
	}
}

// R5-1 guard (passes): after the alert is answered the parked payment
// comes back at its read-back, and a yes still needs the PIN.
func TestReview5ParkedPaymentResumesAtItsReadBack(t *testing.T) {
	e := newEnv(t, nil, 0)
	e.sayIn("alice", "en-US", "r5-resume", "send bob smith 20 dollars from checking")
	r := e.sayIn("alice", "en-US", "r5-resume", "yes")
	if done(r.Speech) || !strings.Contains(r.Speech, "$20.00") || !strings.Contains(r.Speech, "Shall I go ahead") {
		t.Fatalf("the alert's yes: %q", r.Speech)
	}
	if r := e.sayIn("alice", "en-US", "r5-resume", "yes"); done(r.Speech) || !strings.Contains(r.Speech, "PIN") {
		t.Fatalf("the read-back's yes: %q", r.Speech)
	}
}

// R5-2 (medium): payBillerNamed (context.go) turns any TransferMoney or
// PayBill reading with "pay" and one of the user's billers into PayBill
// with confidence 1, before unsure() looks: it never reads a negation.
// "I don't want to pay Spectrum from checking", "don't pay State Farm
// from checking" and "do not pay Seattle City Light" (read at 0.25) start
// that very payment, with its read-back. (So does the unsure question
// "can i pay spectrum from checking?", read at 0.42.) A turn that says
// not to pay must start no payment.
func TestReview5NegatedBillerStartsNoPayment(t *testing.T) {
	for _, c := range []struct{ customer, text string }{
		{"carol", "i don't want to pay spectrum from checking"},
		{"carol", "do not pay seattle city light"},
		{"bob", "don't pay state farm from checking"},
	} {
		t.Run(c.text, func(t *testing.T) {
			e := newEnv(t, nil, 0)
			r := e.sayIn(c.customer, "en-US", "r5-neg", c.text)
			if strings.Contains(r.Speech, "Shall I go ahead") || strings.Contains(r.Speech, "From which account") {
				t.Errorf("%q started a payment: %q", c.text, r.Speech)
			}
		})
	}
}

// R5-3 (medium): followUp's "the other card" (context.go) takes any turn
// of six words or fewer with "the other card"/"other one" after a card
// action as that action on the other card, with confidence 1, whatever
// the words say: after "lock my debit card", "the other card is fine
// though", "leave the other card alone" or "keep the other one working"
// lock the credit card at once (a lock has no read-back). Words that
// keep the other card must lock nothing.
func TestReview5OtherCardRemarkLocksNothing(t *testing.T) {
	for _, text := range []string{"the other card is fine though", "leave the other card alone", "keep the other one working"} {
		t.Run(text, func(t *testing.T) {
			e := newEnv(t, nil, 0)
			if r := e.sayIn("carol", "en-US", "r5-other", "lock my debit card"); !strings.Contains(r.Speech, "locked your debit card") {
				t.Fatalf("the lock: %q", r.Speech)
			}
			r := e.sayIn("carol", "en-US", "r5-other", text)
			ctx := context.Background()
			u, _ := e.bank.Authenticate(ctx, e.bank.Token("carol"))
			cards, err := e.bank.Cards(ctx, u)
			if err != nil {
				t.Fatal(err)
			}
			for _, cd := range cards {
				if cd.LastFour == "3381" && cd.Locked {
					t.Errorf("%q locked the credit card: %q", text, r.Speech)
				}
			}
		})
	}
}

// R5-4 (low): at the PIN question of a bill ("pay my phone bill" read
// back as $55.00 to T-Mobile, yes), "PIN, no, the state farm bill
// instead" or "my pin is PIN but pay state farm instead" is read back as
// "$6.00 to T-Mobile": the switch of biller (otherBiller works at the
// read-back only; correction here finds no biller) is lost, and the
// first digit of the PIN becomes the amount and is said aloud. The
// PIN's digits must never be an amount, and the bill turned away from
// must not be read back as the one to pay.
func TestReview5PINWithOtherBillerIsNoAmount(t *testing.T) {
	for _, text := range []string{"PIN, no, the state farm bill instead", "my pin is PIN but pay state farm instead"} {
		t.Run(text, func(t *testing.T) {
			e := newEnv(t, nil, 0)
			sess := "r5-pinbill"
			if r := e.sayIn("bob", "en-US", sess, "pay my phone bill from checking"); !strings.Contains(r.Speech, "T-Mobile") {
				t.Fatalf("the read-back: %q", r.Speech)
			}
			if r := e.sayIn("bob", "en-US", sess, "yes"); !strings.Contains(r.Speech, "PIN") {
				t.Fatalf("the PIN question: %q", r.Speech)
			}
			pin := e.bank.PIN("bob")
			r := e.sayIn("bob", "en-US", sess, strings.ReplaceAll(text, "PIN", spoken(e, "bob")))
			if strings.Contains(r.Speech, "$"+pin[:1]+".00") || strings.Contains(r.Speech, "T-Mobile") && !done(r.Speech) {
				t.Errorf("%q read back: %q", text, r.Speech)
			}
		})
	}
}

// R5-5 (low): "pay the first one" after the bills list (followUp) sets
// the biller for every ordinal in the turn, the last one winning: "pay
// the first one, not the second" reads back Spectrum Internet (the
// second), "pay the first one on the third" Seattle Public Utilities
// (the third, a date). The first bill listed must be the one asked.
func TestReview5FirstOneIsTheFirstBill(t *testing.T) {
	for _, text := range []string{"pay the first one, not the second", "pay the first one on the third"} {
		t.Run(text, func(t *testing.T) {
			e := newEnv(t, nil, 0)
			if r := e.sayIn("carol", "en-US", "r5-first", "what bills do i have coming up"); !strings.HasPrefix(r.Speech, "You have 3 bills coming up: Seattle City Light") {
				t.Fatalf("the list: %q", r.Speech)
			}
			if r := e.sayIn("carol", "en-US", "r5-first", text); !strings.Contains(r.Speech, "Seattle City Light") {
				t.Errorf("%q: %q", text, r.Speech)
			}
		})
	}
}
