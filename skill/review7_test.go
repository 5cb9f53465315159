package skill_test

import (
	"strings"
	"testing"
)

// Review 7 (attacker): the changes of 0a3f76c, f786f03 and 8f66656 in
// skill/*.go: correction() reading a leading "no" as a correction and
// switching the payee at a transfer's read-back, onlyAck at the
// delete-my-data question, withoutHold, Stop words becoming Cancel,
// pending-only lists and "checking and savings". Tests marked "finding"
// fail while the hole is open; tests marked "holds" pin a safety property
// that holds today.

// r7talk says turns in one session ("PIN" is replaced by the customer's
// spoken PIN) and returns what was answered to each.
func r7talk(t *testing.T, e *env, customer, locale, sess string, turns ...string) []string {
	t.Helper()
	var out []string
	for _, text := range turns {
		text = strings.ReplaceAll(text, "PIN", spoken(e, customer))
		out = append(out, e.sayIn(customer, locale, sess, text).Speech)
	}
	return out
}

// finding (high, regression of f786f03): at the PIN prompt a "no" that
// names another payee ("no, to alice", "nein, an Sophie") used to cancel
// the transfer (correction() returned nil for a payee, so the "no" path
// dropped the dialog). Now correction() finds a payee, so the turn is no
// withdrawal; but the PIN stage does nothing with that correction either:
// it answers "I need your four-digit voice PIN" and keeps the old plan.
// The user, who just said no to Tom Nguyen, says the PIN believing the
// payee changed, and $20.00 goes to Tom Nguyen. A "no" at the PIN prompt
// must never leave the rejected plan one PIN away: cancel it, or read
// the corrected plan back first.
func TestReview7NoWithPayeeAtPINPromptPaysNothing(t *testing.T) {
	for _, c := range []struct{ customer, locale, start, text, paidOld string }{
		{"carol", "en-US", "send tom nguyen 20 dollars from checking", "no, to alice", "I sent $20.00 to Tom Nguyen"},
		{"carol", "en-US", "send tom nguyen 20 dollars from checking", "nope, to alice meyer instead", "I sent $20.00 to Tom Nguyen"},
		{"alice", "en-US", "send bob smith 20 dollars from checking", "no, actually to carol johnson", "I sent $20.00 to Bob Smith"},
		{"lena", "de-DE", "überweise max schmidt 20 euro vom girokonto", "nein, an sophie", "an Max Schmidt überwiesen"},
		{"lena", "de-DE", "überweise max schmidt 20 euro vom girokonto", "nee, lieber an sophie wagner", "an Max Schmidt überwiesen"},
	} {
		t.Run(c.customer+" "+c.text, func(t *testing.T) {
			e := newEnv(t, nil, 0)
			yes := "yes"
			if c.locale == "de-DE" {
				yes = "ja"
			}
			// (a first turn that answers alice's open alert, so that the
			// transfer is read back at once)
			out := r7talk(t, e, c.customer, c.locale, "r7-pin-payee", "what's my balance", yes, c.start, yes, c.text, "PIN")
			if strings.Contains(out[5], c.paidOld) {
				t.Errorf("%q at the PIN prompt, then the PIN, paid the payee turned down: %q / %q", c.text, out[4], out[5])
			}
		})
	}
}

// finding (high, older than today's commits): the same hole with the
// other slots a correction reads. "no, tomorrow" or "nein, vom Sparkonto"
// at the PIN prompt gets "I need your PIN" and the PIN then pays the old
// plan: today, from the Girokonto.
func TestReview7NoWithChangeAtPINPromptPaysNothing(t *testing.T) {
	for _, c := range []struct{ customer, locale, start, text, paidOld string }{
		{"carol", "en-US", "send tom nguyen 20 dollars from checking", "no, tomorrow", "I sent $20.00 to Tom Nguyen"},
		{"lena", "de-DE", "überweise max schmidt 20 euro vom girokonto", "nein, vom sparkonto", "überwiesen. Auf deinem Girokonto Plus"},
	} {
		t.Run(c.customer+" "+c.text, func(t *testing.T) {
			e := newEnv(t, nil, 0)
			yes := "yes"
			if c.locale == "de-DE" {
				yes = "ja"
			}
			out := r7talk(t, e, c.customer, c.locale, "r7-pin-change", c.start, yes, c.text, "PIN")
			if strings.Contains(out[3], c.paidOld) {
				t.Errorf("%q at the PIN prompt, then the PIN, paid the plan turned down: %q / %q", c.text, out[2], out[3])
			}
		})
	}
}

// finding (medium; the English cases are older, the German one is new
// with f786f03's payee switch): a payee the user names to rule out
// becomes the new payee. At "send $20.00
// to Bob Smith?" the answers "no, don't send it to carol" and "no, not to
// carol johnson, to bob" read back Carol Johnson; "nein, nicht an Anna
// Schulz" reads back Anna Schulz. One more yes and the PIN pay the person
// the user just excluded. A negated name must not become the payee.
func TestReview7NegatedPayeeIsNotTheNewPayee(t *testing.T) {
	for _, c := range []struct{ customer, locale, start, text, excluded string }{
		{"alice", "en-US", "send bob smith 20 dollars from checking", "no, don't send it to carol", "Carol Johnson"},
		{"alice", "en-US", "send bob smith 20 dollars from checking", "no, not to carol johnson, to bob", "Carol Johnson"},
		{"jonas", "de-DE", "überweise lukas hoffmann 20 euro vom girokonto", "nein, nicht an anna schulz", "Anna Schulz"},
	} {
		t.Run(c.customer+" "+c.text, func(t *testing.T) {
			e := newEnv(t, nil, 0)
			yes := "yes"
			if c.locale == "de-DE" {
				yes = "ja"
			}
			out := r7talk(t, e, c.customer, c.locale, "r7-negated", "what's my balance", yes, c.start, c.text)
			if strings.Contains(out[3], c.excluded) {
				t.Errorf("%q made the excluded %s the payee: %q", c.text, c.excluded, out[3])
			}
		})
	}
}

// finding (medium, older; f786f03 adds the payee case): the PIN said with a correction at the read-back
// (before the PIN is asked) becomes the amount. "no, to alice, 6 6 9 6"
// reads back "$6.00 to Alice Meyer" (the $20.00 the user never changed is
// replaced by the PIN's first digit), "no, make it 6 6 9 6" reads back
// "$6.00". At the PIN stage the same turn keeps $20.00 ("a digit of the
// PIN is no amount", dialog.go); at the read-back that guard is missing.
// A PIN's digits must never be an amount, nor be read back.
func TestReview7PINInCorrectionIsNoAmount(t *testing.T) {
	for _, text := range []string{"no, to alice, PIN", "no, make it PIN"} {
		t.Run(text, func(t *testing.T) {
			e := newEnv(t, nil, 0)
			first := "$" + e.bank.PIN("carol")[:1] + ".00"
			out := r7talk(t, e, "carol", "en-US", "r7-pin-amount", "what's my balance", "send tom nguyen 20 dollars from checking", text)
			if strings.Contains(out[2], first+" ") {
				t.Errorf("%q: a digit of the PIN became the amount read back: %q", text, out[2])
			}
		})
	}
}

// finding (low: a read-back follows; new with f786f03): alice has two payees called Alice
// (Alice Chen, Alice Meyer). "no, to alicia" at a read-back switches to
// Alice Chen without asking which Alice; "no, to alise" asks. A name that
// fits two payees must be asked about, not guessed.
func TestReview7NearNameAsksWhichAlice(t *testing.T) {
	e := newEnv(t, nil, 0)
	out := r7talk(t, e, "alice", "en-US", "r7-alicia", "what's my balance", "yes", "send bob smith 20 dollars from checking", "no, to alicia")
	if strings.Contains(out[3], "Shall I go ahead") {
		t.Errorf("'alicia' picked one of two Alices without asking: %q", out[3])
	}
}

// finding (high: data is deleted with no PIN; "okay got it" and "okay
// so" are new with today's commits, the others older): onlyAck turns away only
// one or two acknowledgement words. "ok ok ok" (three words), "okay got
// it" and "okay so" after a side answer, and in German "passt schon",
// "passt scho" (which the same commit made an acknowledgement in
// fallback) and "passt schon danke", are read as a yes: the bank is
// unlinked and the user's data deleted. Deletion needs a clear yes.
func TestReview7DeleteDataNeedsAClearYes(t *testing.T) {
	for _, c := range []struct{ customer, locale, start, aside, text string }{
		{"carol", "en-US", "delete my data", "hang on what's my checking balance", "ok ok ok"},
		{"carol", "en-US", "delete my data", "hang on what's my checking balance", "okay got it"},
		{"carol", "en-US", "delete my data", "hang on what's my checking balance", "okay so"},
		{"lena", "de-DE", "lösch meine daten", "moment, was ist eigentlich auf dem girokonto", "passt schon"},
		{"lena", "de-DE", "lösch meine daten", "moment, was ist eigentlich auf dem girokonto", "passt scho"},
		{"lena", "de-DE", "lösch meine daten", "moment, was ist eigentlich auf dem girokonto", "passt schon danke"},
		{"lena", "de-DE", "lösch meine daten", "moment, was ist eigentlich auf dem girokonto", "ok ok ok"},
	} {
		t.Run(c.customer+" "+c.text, func(t *testing.T) {
			e := newEnv(t, nil, 0)
			out := r7talk(t, e, c.customer, c.locale, "r7-erase", c.start, c.aside, c.text)
			if strings.Contains(out[2], "deleted what I stored") || strings.Contains(out[2], "gelöscht, was ich") {
				t.Errorf("%q deleted the user's data: %q", c.text, out[2])
			}
		})
	}
}

// finding (low: nothing moves; new with f786f03): the payee switch reads a payee from any
// words after "to"/"send": "hold on, don't send it yet" at a read-back
// answers "I don't see It Yet among your saved payees". It should cancel
// (as it did before f786f03: "Okay, I've cancelled that").
func TestReview7HoldIsNoPayeeNamedItYet(t *testing.T) {
	e := newEnv(t, nil, 0)
	out := r7talk(t, e, "carol", "en-US", "r7-it-yet", "what's my balance", "send tom nguyen 20 dollars from checking", "hold on, don't send it yet")
	if strings.Contains(out[2], "saved payees") {
		t.Errorf("'don't send it yet' was read as a payee: %q", out[2])
	}
}

// holds: a payee switch to a first name two payees share asks which, and
// a yes answers nothing (alice: Alice Chen / Alice Meyer; jonas: Anna
// Becker / Anna Schulz; oliver: Emily Bennett / Emily Clarke).
func TestReview7PayeeSwitchAsksBetweenSameFirstNames(t *testing.T) {
	for _, c := range []struct{ customer, locale, start, text, ask string }{
		{"alice", "en-US", "send bob smith 20 dollars from checking", "no, actually to alice", "Alice Chen or Alice Meyer?"},
		{"alice", "en-US", "send bob smith 20 dollars from checking", "no, to alice c", "Alice Chen or Alice Meyer?"},
		{"jonas", "de-DE", "überweise lukas hoffmann 20 euro vom girokonto", "nee, doch lieber an anna", "Anna Becker oder Anna Schulz?"},
		{"oliver", "en-GB", "send james patel 20 pounds from my current account", "no, actually to emily", "Emily Bennett or Emily Clarke?"},
	} {
		t.Run(c.customer+" "+c.text, func(t *testing.T) {
			e := newEnv(t, nil, 0)
			yes := "yes"
			if c.locale == "de-DE" {
				yes = "ja"
			}
			out := r7talk(t, e, c.customer, c.locale, "r7-same-first", "what's my balance", yes, c.start, c.text, yes, "PIN")
			if !strings.Contains(out[3], c.ask) {
				t.Fatalf("%q did not ask which payee: %q", c.text, out[3])
			}
			if done(out[4]) || done(out[5]) || strings.Contains(out[4], "Shall I go ahead") || strings.Contains(out[4], "Soll ich") {
				t.Errorf("a yes (then the PIN) chose a payee: %q / %q", out[4], out[5])
			}
		})
	}
}

// holds: a payee switch takes only the user's own payees: alice naming
// carol's payee Tom Nguyen is refused and nothing waits for a PIN.
func TestReview7PayeeSwitchOnlyToOwnPayees(t *testing.T) {
	e := newEnv(t, nil, 0)
	out := r7talk(t, e, "alice", "en-US", "r7-own", "what's my balance", "yes", "send bob smith 20 dollars from checking", "no, to tom nguyen", "yes", "PIN")
	if !strings.Contains(out[3], "saved payees") {
		t.Fatalf("another user's payee was not refused: %q", out[3])
	}
	if done(out[4]) || done(out[5]) {
		t.Errorf("money moved after the refusal: %q / %q", out[4], out[5])
	}
}

// holds: the switched payee is read back, a yes and the PIN pay it once
// (the PIN said again replays the answer with the same reference),
// and a PIN said with a new payee at the PIN prompt pays nothing (the
// plan is read back again).
func TestReview7PayeeSwitchIsReadBackAndPaidOnce(t *testing.T) {
	e := newEnv(t, nil, 0)
	out := r7talk(t, e, "lena", "de-DE", "r7-sophie", "überweise max schmidt 20 euro vom girokonto", "nee, doch lieber an sophie", "ja", "PIN", "PIN")
	if !strings.Contains(out[1], "an Sophie Wagner") || !strings.Contains(out[1], "Soll ich") {
		t.Fatalf("the new payee was not read back: %q", out[1])
	}
	if !done(out[3]) || !strings.Contains(out[3], "Sophie Wagner") {
		t.Fatalf("not paid to Sophie Wagner: %q", out[3])
	}
	if done(out[4]) && out[4] != out[3] {
		// (a PIN said again replays the same answer, same reference and
		// balance: the payment is not made twice)
		t.Errorf("the PIN said again paid a second time: %q / %q", out[3], out[4])
	}
	e2 := newEnv(t, nil, 0)
	out = r7talk(t, e2, "alice", "en-US", "r7-pin-switch", "what's my balance", "yes", "send bob smith 20 dollars from checking", "yes", "PIN, no actually to carol johnson")
	if done(out[4]) {
		t.Errorf("the PIN with a correction paid: %q", out[4])
	}
}

// holds: hold words and "lass es"/"never mind" withdraw at a read-back and
// at the PIN prompt; the PIN said afterwards moves nothing.
func TestReview7HoldAndDropWordsWithdraw(t *testing.T) {
	for _, c := range []struct {
		customer, locale string
		turns            []string
	}{
		{"carol", "en-US", []string{"send tom nguyen 20 dollars from checking", "wait, no, don't send it"}},
		{"carol", "en-US", []string{"send tom nguyen 20 dollars from checking", "yes", "wait, no, don't send it"}},
		{"carol", "en-US", []string{"send tom nguyen 20 dollars from checking", "yes", "hold on, don't send it yet"}},
		{"carol", "en-US", []string{"send tom nguyen 20 dollars from checking", "yes", "okay never mind"}},
		{"lena", "de-DE", []string{"überweise max schmidt 20 euro vom girokonto", "warte mal, das will ich nicht"}},
		{"lena", "de-DE", []string{"überweise max schmidt 20 euro vom girokonto", "ja", "warte mal, nicht überweisen bitte"}},
		{"lena", "de-DE", []string{"überweise max schmidt 20 euro vom girokonto", "ja", "ok dann lass es"}},
		{"lena", "de-DE", []string{"überweise max schmidt 20 euro vom girokonto", "ja", "moment mal, lass es"}},
	} {
		t.Run(c.customer+" "+c.turns[len(c.turns)-1], func(t *testing.T) {
			e := newEnv(t, nil, 0)
			out := r7talk(t, e, c.customer, c.locale, "r7-hold", append(c.turns, "PIN")...)
			if last := out[len(out)-1]; done(last) {
				t.Errorf("%q, then the PIN, paid: %q", c.turns[len(c.turns)-1], last)
			}
		})
	}
}

// holds: "checking and savings" answers the user's own two accounts and
// no other kind; the pending-only list is the user's own (alice's pending
// Sweetgreen, carol's pending Shake Shack) and scoped to the account
// named.
func TestReview7TwoAccountsAndPendingAreTheUsersOwn(t *testing.T) {
	e := newEnv(t, nil, 0)
	out := r7talk(t, e, "carol", "en-US", "r7-accts", "what's in checking and savings", "show my pending", "show my pending transactions on checking")
	if !strings.Contains(out[0], "Premier Checking") || !strings.Contains(out[0], "Goal Savings") || strings.Contains(out[0], "Travel Rewards") ||
		strings.Contains(out[0], "Everyday Checking") {
		t.Errorf("two accounts: %q", out[0])
	}
	if !strings.Contains(out[1], "Shake Shack") || strings.Contains(out[1], "Sweetgreen") {
		t.Errorf("carol's pending: %q", out[1])
	}
	if strings.Contains(out[2], "Shake Shack") {
		t.Errorf("the card's pending charge listed for checking: %q", out[2])
	}
	out = r7talk(t, e, "alice", "en-US", "r7-accts-a", "yes", "show my pending")
	if !strings.Contains(out[1], "Sweetgreen") || strings.Contains(out[1], "Shake Shack") {
		t.Errorf("alice's pending: %q", out[1])
	}
}

// holds: a transfer turned down is not rebuilt from its words by a later
// "from checking"; a yes then finds nothing to confirm.
func TestReview7CancelledTransferStaysCancelled(t *testing.T) {
	e := newEnv(t, nil, 0)
	out := r7talk(t, e, "carol", "en-US", "r7-revive", "what's my balance", "send tom nguyen 20 dollars from checking", "no", "from checking", "yes", "PIN")
	for i, s := range out[3:] {
		if strings.Contains(s, "Shall I go ahead") || strings.Contains(s, "PIN.") || done(s) {
			t.Errorf("turn %d revived the transfer: %q", i+3, s)
		}
	}
}

// finding (medium; the English case is new with f786f03, the German one
// older): on a
// session's first turn a payment waits while the open fraud alert is
// asked ("Before we do that, there's a charge I need you to check ...
// Was this you?"). The answer "no, to carol johnson" (or "nee, doch
// lieber an Anna Becker") is taken as a correction of the parked
// payment: the read-back for the new payee comes at once, a yes and the
// PIN pay it, and the "no" said to "Was this you?" is neither taken as a
// report nor followed by the question again (the $899.00 charge stays
// open until another session). Before f786f03 alice's turn sent
// nothing ("Okay, I won't send it"). A turn that begins with "no" at the
// alert must settle the alert (or ask it again) before any read-back.
func TestReview7NoAtAlertIsNoPayeeSwitch(t *testing.T) {
	for _, c := range []struct{ customer, locale, start, text string }{
		{"alice", "en-US", "send bob smith 20 dollars from checking", "no, to carol johnson"},
		{"jonas", "de-DE", "überweise lukas hoffmann 20 euro vom girokonto", "nee, doch lieber an anna becker"},
	} {
		t.Run(c.customer+" "+c.text, func(t *testing.T) {
			e := newEnv(t, nil, 0)
			out := r7talk(t, e, c.customer, c.locale, "r7-alert", c.start, c.text)
			if !strings.Contains(out[0], "Was this you?") && !strings.Contains(out[0], "Warst du das?") {
				t.Fatalf("no alert first: %q", out[0])
			}
			if (strings.Contains(out[1], "Shall I go ahead") || strings.Contains(out[1], "Soll ich das ausführen")) &&
				!strings.Contains(out[1], "charge") && !strings.Contains(out[1], "Zahlung") {
				t.Errorf("%q at 'Was this you?' went to a read-back with the alert unanswered: %q", c.text, out[1])
			}
		})
	}
}

// holds: a drop word said together with the PIN at the PIN prompt
// withdraws, also when the drop word holds a PIN word ("forget it": "it"
// is one of the words around a PIN, so "forget" alone was left and the
// money moved; found by an attacker review in session 16).
func TestReview16DropWordWithPINMovesNothing(t *testing.T) {
	for _, said := range []string{"forget it PIN", "forget it. PIN", "scratch that PIN", "skip it PIN", "PIN forget it", "ach vergiss es PIN"} {
		t.Run(said, func(t *testing.T) {
			e := newEnv(t, nil, 0)
			out := r7talk(t, e, "carol", "en-US", "r16-forget", "send tom nguyen 30 dollars from checking", "yes", said)
			if last := out[len(out)-1]; done(last) {
				t.Errorf("%q at the PIN prompt paid: %q", said, last)
			}
		})
	}
}
