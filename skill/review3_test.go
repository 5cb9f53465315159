package skill_test

import (
	"context"
	"strings"
	"testing"
)

// Review 3 (security): reproductions of holes found in the recovery and
// follow-up turns. Each test fails while its hole is open.

// alertStatus is the status of the customer's first alert at the bank,
// and whether any of their cards is locked.
func alertStatus(t *testing.T, e *env, customer string) (string, bool) {
	t.Helper()
	ctx := context.Background()
	u, err := e.bank.Authenticate(ctx, e.bank.Token(customer))
	if err != nil {
		t.Fatal(err)
	}
	als, err := e.bank.Alerts(ctx, u)
	if err != nil || len(als) == 0 {
		t.Fatalf("alerts: %v %v", als, err)
	}
	cards, err := e.bank.Cards(ctx, u)
	if err != nil {
		t.Fatal(err)
	}
	locked := false
	for _, c := range cards {
		locked = locked || c.Locked
	}
	return als[0].Status, locked
}

// R3-1: alertAnswer (recover.go) finds "i bought" anywhere in a turn and
// takes it for "yes, that was me". yesNoOf now asks it first, so at the
// alert's "Was this you?" a question about purchases ("show me what I
// bought yesterday") marks the $899 ElectroMart charge genuine; after a
// side question alertTurn does the same for "list everything I bought at
// Trader Joe's", whatever the recognizer read. The person never said the
// charge was theirs; the bank stops looking at it.
func TestReview3PurchaseQuestionDoesNotClearAlert(t *testing.T) {
	for _, turns := range [][]string{
		{"what's my checking balance", "show me what i bought yesterday"},
		{"what's my checking balance", "how much did i spend at starbucks", "list everything i bought at trader joes"},
	} {
		t.Run(turns[len(turns)-1], func(t *testing.T) {
			e := newEnv(t, nil, 0)
			if r := e.turnAs("alice", "r3-own", turns[0]); !strings.Contains(r.Speech, "ElectroMart") {
				t.Fatalf("no alert raised: %q", r.Speech)
			}
			var r string
			for _, text := range turns[1:] {
				r = e.turnAs("alice", "r3-own", text).Speech
			}
			if st, _ := alertStatus(t, e, "alice"); st != "open" {
				t.Errorf("%q (answered %q) resolved the alert: %s", turns[len(turns)-1], r, st)
			}
		})
	}
}

// R3-2: alertDenies match anywhere in a turn too: after the alert and a
// side question, "I don't recognise the word APR, what does it mean" or
// "ich habe die Überweisung noch nicht gemacht, wie geht das" (alertTurn,
// dispatch) locks the card, marks the charge as fraud and opens a case:
// no read-back, no question, from a glossary or how-to question.
func TestReview3GlossaryQuestionDoesNotReportFraud(t *testing.T) {
	for _, c := range []struct {
		customer, locale string
		turns            []string
	}{
		{"alice", "en-US", []string{"what's my checking balance", "how much did i spend at starbucks", "i dont recognise the word apr what does it mean"}},
		{"alice", "en-US", []string{"what's my checking balance", "how much did i spend at starbucks", "i don't recognize this payee thing, how do i add one"}},
		{"jonas", "de-DE", []string{"wie ist mein kontostand", "wie viel habe ich bei aldi ausgegeben", "ich habe die überweisung noch nicht gemacht, wie geht das"}},
	} {
		t.Run(c.turns[len(c.turns)-1], func(t *testing.T) {
			e := newEnv(t, nil, 0)
			if r := e.sayIn(c.customer, c.locale, "r3-deny", c.turns[0]); !strings.Contains(r.Speech, "?") {
				t.Fatalf("no alert raised: %q", r.Speech)
			}
			var r string
			for _, text := range c.turns[1:] {
				r = e.sayIn(c.customer, c.locale, "r3-deny", text).Speech
			}
			if st, locked := alertStatus(t, e, c.customer); st != "open" || locked {
				t.Errorf("%q (answered %q): alert %s, a card locked %v", c.turns[len(c.turns)-1], r, st, locked)
			}
		})
	}
}

// R3-3: yesNoOf (converse.go) now asks alertAnswer first, for every
// yes/no question, not just "was this you?": any turn with "i bought",
// "thats mine", "i made that" or "war ich " and no negation is a yes. At
// a transfer's read-back, "no wait, I bought it already" confirms it (and
// skips hedged, which holds "yes but…" back); with the PIN given a
// minute ago the money moves at once.
func TestReview3NoWaitIsNoYesAtReadBack(t *testing.T) {
	for _, c := range []struct{ customer, locale, first, again, text string }{
		{"carol", "en-US", "send tom nguyen 10 dollars from checking", "send tom nguyen 20 dollars from checking", "no wait, i bought it already"},
		{"carol", "en-US", "send tom nguyen 10 dollars from checking", "send tom nguyen 20 dollars from checking", "hold on, i bought something from him last week"},
		{"lena", "de-DE", "überweise max schmidt 20 euro vom girokonto", "überweise max schmidt 30 euro vom girokonto", "nein warte, gestern war ich schon bei der bank"},
	} {
		t.Run(c.text, func(t *testing.T) {
			e := newEnv(t, nil, 0)
			sess := "r3-rb"
			e.sayIn(c.customer, c.locale, sess, c.first)
			yes := "yes"
			if c.locale == "de-DE" {
				yes = "ja"
			}
			e.sayIn(c.customer, c.locale, sess, yes)
			if r := e.pinIn(c.customer, c.locale, sess); !strings.Contains(r.Speech, "Done.") && !strings.Contains(r.Speech, "Erledigt.") {
				t.Fatalf("the first payment: %q", r.Speech)
			}
			if r := e.sayIn(c.customer, c.locale, sess, c.again); !strings.Contains(r.Speech, "?") {
				t.Fatalf("the read-back: %q", r.Speech)
			}
			if r := e.sayIn(c.customer, c.locale, sess, c.text); strings.Contains(r.Speech, "Done.") || strings.Contains(r.Speech, "Erledigt.") {
				t.Errorf("%q confirmed the transfer: %q", c.text, r.Speech)
			}
		})
	}
}

// R3-4: the same at "delete my data"'s read-back, which needs no PIN: "no
// no, I made that request by mistake" is a yes ("i made that"), and the
// link and everything stored are gone.
func TestReview3MistakeDoesNotDeleteData(t *testing.T) {
	e := newEnv(t, nil, 0)
	if r := e.turnAs("carol", "r3-del", "delete my data"); !strings.Contains(r.Speech, "?") {
		t.Fatalf("the read-back: %q", r.Speech)
	}
	r := e.turnAs("carol", "r3-del", "no no, i made that request by mistake")
	if _, err := e.store.Link(context.Background(), "test", "u-carol"); err != nil {
		t.Errorf("%q (answered %q) deleted the link: %v", "no no, i made that request by mistake", r.Speech, err)
	}
}

// R3-5: the new yes words ("do that", "sounds good", "go for it") take
// up to four words after them for a plain yes (yesNoOf), and correction
// only looks for a new date after a correcting word: "do that tomorrow"
// or "sounds good, next friday" at the read-back of a transfer "now"
// sends it at once (the PIN given a minute ago), not on the day said.
func TestReview3YesWithAnotherDateIsNoPlainYes(t *testing.T) {
	for _, text := range []string{"do that tomorrow", "sounds good, next friday", "go for it on friday"} {
		t.Run(text, func(t *testing.T) {
			e := newEnv(t, nil, 0)
			sess := "r3-date"
			e.turnAs("carol", sess, "send tom nguyen 10 dollars from checking")
			e.turnAs("carol", sess, "yes")
			if r := e.pinAs("carol", sess, e.bank.PIN("carol")); !strings.HasPrefix(r.Speech, "Done.") {
				t.Fatalf("the first payment: %q", r.Speech)
			}
			if r := e.turnAs("carol", sess, "send tom nguyen 20 dollars from checking"); !strings.Contains(r.Speech, "now. Shall I") {
				t.Fatalf("the read-back: %q", r.Speech)
			}
			if r := e.turnAs("carol", sess, text); strings.HasPrefix(r.Speech, "Done.") {
				t.Errorf("%q sent the transfer now: %q", text, r.Speech)
			}
		})
	}
}

// R3-6 (older than these commits, still open): "maybe later" or "not
// now" to the alert's "Was this you?" is a no (noPhrases): the card is
// locked, the charge marked as fraud and a case opened, when the person
// only put the question off.
func TestReview3LaterIsNoAnswerToAlert(t *testing.T) {
	for _, text := range []string{"maybe later", "not now"} {
		t.Run(text, func(t *testing.T) {
			e := newEnv(t, nil, 0)
			if r := e.turnAs("alice", "r3-later", "what's my checking balance"); !strings.Contains(r.Speech, "ElectroMart") {
				t.Fatalf("no alert raised: %q", r.Speech)
			}
			r := e.turnAs("alice", "r3-later", text)
			if st, locked := alertStatus(t, e, "alice"); st != "open" || locked {
				t.Errorf("%q (answered %q): alert %s, a card locked %v", text, r.Speech, st, locked)
			}
		})
	}
}
