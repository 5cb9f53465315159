package skill_test

import (
	"context"
	"strings"
	"testing"
)

// Review 11 (attacker): the paths of 67018f0 … 8aed1d0: payeeEnding at a
// transfer's read-back, rambling/clauses (core.go), the Bavarian alert
// answers (recover.go), the bills kept in subject.Listed (context.go).
// Tests marked "finding" fail while the hole is open; "guard" pins a
// property that holds today. Helpers r7talk, done, spoken, alertStatus
// and newEnv come from the other review files.

// finding (high, a fraudulent charge marked genuine): c0e5dd9 added
// " war i " and " i wars" to alertOwns, but the denials only know "war i
// ned" / "war i net" right after each other. A Bavarian "no" with the
// usual particle in between ("des war i fei ned", "des war i sicher
// ned") or "i wars ned" (it wasn't me) answers "Danke, ich habe die
// Zahlung als deine markiert": the €649 charge the user just disowned is
// marked as theirs, no card locked, no case opened, and the bank stops
// looking at it. A "ned"/"net"/"nie" after the owning words must never
// be a yes.
func TestReview11DialectDenialIsNoOwning(t *testing.T) {
	for _, a := range []string{"naa, i wars ned", "des war i fei ned", "des war i sicher ned"} {
		t.Run(a, func(t *testing.T) {
			e := newEnv(t, nil, 0)
			out := r7talk(t, e, "jonas", "de-DE", "r11-alert", "wie ist mein kontostand", a)
			if !strings.Contains(out[0], "Warst du das?") {
				t.Fatalf("setup: no alert question: %q", out[0])
			}
			if st, _ := alertStatus(t, e, "jonas"); st == "genuine" {
				t.Errorf("%q (not me) marked the charge genuine: %q", a, out[1])
			}
		})
	}
}

// finding (high, a card locked that the user said not to lock): a turn
// that mentions a lock only to say it is not wanted, or that quotes
// someone else, locks the card at once (a lock has no read-back): "my
// husband keeps telling me to lock my debit card, but honestly i think
// he is overreacting and i do not want to do anything about it today",
// "i was going to ask you to lock my credit card, but then i found it in
// my coat pocket …" and "mein mann sagt immer zu mir, sperr doch die
// girokarte, aber … ich möchte heute eigentlich gar nichts machen" all
// answer "I've locked your … card". rambling() picks the clause that
// names the lock and drops the clauses that refuse it; the short "… but
// i don't want to" does the same in the recognizer. A refused or quoted
// action is no request: nothing may act on it.
func TestReview11RefusedOrQuotedLockLocksNothing(t *testing.T) {
	for _, c := range []struct{ customer, locale, text string }{
		{"carol", "en-US", "my husband keeps telling me to lock my debit card, but honestly i think he is overreacting and i do not want to do anything about it today"},
		{"carol", "en-US", "i was going to ask you to lock my credit card, but then i found it in my coat pocket so everything is fine now, thank you"},
		{"carol", "en-US", "my husband keeps telling me to lock my debit card but i don't want to"},
		{"lena", "de-DE", "mein mann sagt immer zu mir, sperr doch die girokarte, aber ich finde das völlig übertrieben und ich möchte heute eigentlich gar nichts machen"},
	} {
		t.Run(c.text, func(t *testing.T) {
			e := newEnv(t, nil, 0)
			out := r7talk(t, e, c.customer, c.locale, "r11-lock", c.text)
			ctx := context.Background()
			u, _ := e.bank.Authenticate(ctx, e.bank.Token(c.customer))
			cards, err := e.bank.Cards(ctx, u)
			if err != nil {
				t.Fatal(err)
			}
			for _, cd := range cards {
				if cd.Locked {
					t.Errorf("card %s locked on a refused/quoted lock: %q", cd.LastFour, out[0])
				}
			}
		})
	}
}

// finding (medium, a payment begun that the user refused): rambling()
// scores a quoted imperative like a request. "my brother told me
// yesterday, send tom nguyen 50 dollars from checking, but i really am
// not going to do that at all because he owes me money" is read back as
// "You want to send $50.00 to Tom Nguyen … Shall I go ahead?": a yes to
// anything ("yes, he does owe me") is one PIN from paying. The refusal
// in the same turn must win; at most the turn may ask what is wanted.
func TestReview11QuotedTransferStartsNoPayment(t *testing.T) {
	e := newEnv(t, nil, 0)
	out := r7talk(t, e, "carol", "en-US", "r11-quote",
		"my brother told me yesterday, send tom nguyen 50 dollars from checking, but i really am not going to do that at all because he owes me money")
	if strings.Contains(out[0], "You want to send") {
		t.Errorf("a quoted and refused transfer was read back to be sent: %q", out[0])
	}
}

// finding (medium, a bill the user did not just hear is paid): the bills
// kept in subject.Listed outlive a newer list. After "what are my bills"
// then "show me my recent transactions" (Shake Shack first), "pay the
// first one you mentioned" starts "That's $71.30 to Seattle City Light.
// From which account …": the first item the user last heard was Shake
// Shack, not that bill. " one you mentioned" with no "bill" in the turn
// must refer to the last list read out; when that list is no bill list,
// ask, never start a payment of an older list's item.
func TestReview11MentionedAfterNewerListPaysNoOldBill(t *testing.T) {
	e := newEnv(t, nil, 0)
	out := r7talk(t, e, "carol", "en-US", "r11-listed", "what are my bills", "show me my recent transactions", "pay the first one you mentioned")
	if !strings.Contains(out[0], "Seattle City Light") || !strings.Contains(out[1], "transactions") {
		t.Fatalf("setup: %q / %q", out[0], out[1])
	}
	if strings.Contains(out[2], "$71.30") { // ("Which bill: …?" asks, and is fine)
		t.Errorf("'the first one you mentioned' after the transactions list paid the first bill: %q", out[2])
	}
}

// guard (payeeEnding): a question about the payee's account digits at
// the read-back is never the new amount: after "no, the one ending in
// 2000" and a yes and the PIN, $20.00 goes to Tom Nguyen, never $2,000.
func TestReview11PayeeDigitsAreNoAmount(t *testing.T) {
	for _, q := range []string{"no, the one ending in 2000", "is that his account number 2000", "the last four are 2000 right"} {
		t.Run(q, func(t *testing.T) {
			e := newEnv(t, nil, 0)
			out := r7talk(t, e, "carol", "en-US", "r11-ending", "send tom nguyen 20 dollars from checking", q, "yes", "PIN")
			for _, o := range out {
				if strings.Contains(o, "2,000") {
					t.Errorf("%q became the amount: %v", q, out)
				}
			}
		})
	}
}

// finding (medium, the voice PIN read out loud): payeeEnding echoes
// whatever four digits the question holds ("No: Tom Nguyen's account
// ends in 2 2 3 0, not 6 6 9 6"). At the PIN prompt, "is that the account
// ending in <PIN>" (a user who mixes the payee's digits up with the PIN
// they are about to say) has Konto speak the voice PIN aloud, to anyone
// near the speaker and into the session's speech. Digits that are the
// user's PIN must never be spoken back; the answer needs only the
// payee's own ending.
func TestReview11PayeeEndingNeverSpeaksThePIN(t *testing.T) {
	for _, turns := range [][]string{
		{"send tom nguyen 20 dollars from checking", "yes", "is that the account ending in PIN"},
		{"send tom nguyen 20 dollars from checking", "is that the account ending in PIN"},
	} {
		t.Run(strings.Join(turns[1:], " / "), func(t *testing.T) {
			e := newEnv(t, nil, 0)
			out := r7talk(t, e, "carol", "en-US", "r11-pin-echo", turns...)
			if last := out[len(out)-1]; strings.Contains(last, spoken(e, "carol")) {
				t.Errorf("the voice PIN was read out: %q", last)
			}
		})
	}
}

// finding (medium, a guess acted on: the PIN's digits taken as an
// amount): the transfer-after-refusal follow-up (05fa7e6) now takes a
// ProvidePin turn with " then" for a new amount. After "send tom nguyen
// 20 dollars" and "no", "<PIN> then" is read back as "You want to send
// $6.00 to Tom Nguyen …": four digits said one by one are no amount
// (review 9/10), and a PIN is no request to send anything. It must ask
// what the user wants, never build a payment from the PIN's digits.
func TestReview11PINAfterRefusalIsNoAmount(t *testing.T) {
	e := newEnv(t, nil, 0)
	out := r7talk(t, e, "carol", "en-US", "r11-pin-amount", "send tom nguyen 20 dollars from checking", "no", "PIN then")
	if strings.Contains(out[2], "You want to send") {
		t.Errorf("the PIN's digits became a transfer: %q", out[2])
	}
}
