package skill_test

import (
	"context"
	"fmt"
	"github.com/kontoskill/konto/banks"
	"github.com/kontoskill/konto/banks/sandbox"
	"github.com/kontoskill/konto/skill"
	"strings"
	"testing"
)

// Review 15 (attacker), on the code paths added in the session before:
// recipients cached per turn, another person's money and card numbers,
// the lock and unlock of every card, a lock instead of a lost card's
// block, deniesCharge and the first turn's alert, amounts and dates, a
// question and a payment in one breath. "finding" tests failed while the
// hole was open; "defended" tests pin an attack that is held.

// finding (medium, a date read as the amount): a German date written
// with a space after the day's dot ("am 24. 12.", as typed or as a
// recognizer writes "am vierundzwanzigsten zwölften") lost its dots in
// Normalize, so "24 12" was a day of this month and a stray number:
// "überweise am 24. 12. 50 Euro an Sophie Wagner" was read back as
// 12,50 € on 24 November, "überweise 50 Euro am 24. 12." as 50,12 €
// (the month as the cents) on 24 November. One "ja" and the PIN paid
// another amount on another day than the one said. Promise: a misparse
// never moves a different amount than was asked for.
func TestReview15SpacedGermanDateIsNoAmount(t *testing.T) {
	e := newEnv(t, nil, 0)
	for i, text := range []string{
		"überweise am 24. 12. 50 Euro an Sophie Wagner vom Girokonto",
		"überweise 50 Euro am 24. 12. an Sophie Wagner vom Girokonto",
		"überweise am 24. 12. 2026 50 Euro an Sophie Wagner vom Girokonto",
	} {
		got := r7talk(t, e, "lena", "de-DE", fmt.Sprintf("r15-dedate-%d", i), text)[0]
		if !strings.Contains(got, "50,00") || !strings.Contains(got, "24. Dezember") {
			t.Errorf("%q: %q; want 50,00 € on 24. Dezember", text, got)
		}
	}
}

// finding (low, a time of day read as cents): "two digits after the
// currency are its cents" took an hour too: "send tom nguyen 50 dollars
// 10 am tomorrow" was read back as $50.10, "überweise 50 Euro 10 Uhr
// morgen" as 50,10 €. Promise: the read-back is the amount asked for.
func TestReview15TimeOfDayIsNoCents(t *testing.T) {
	e := newEnv(t, nil, 0)
	for i, c := range []struct{ cust, loc, text, want string }{
		{"carol", "en-US", "send tom nguyen 50 dollars 10 am tomorrow from checking", "$50.00"},
		{"carol", "en-US", "send tom nguyen 50 dollars 10 oclock tomorrow from checking", "$50.00"},
		{"lena", "de-DE", "überweise 50 Euro 10 Uhr morgen an Sophie Wagner vom Girokonto", "50,00"},
	} {
		got := r7talk(t, e, c.cust, c.loc, fmt.Sprintf("r15-time-%d", i), c.text)[0]
		if !strings.Contains(got, c.want) {
			t.Errorf("%q: %q; want %s", c.text, got, c.want)
		}
	}
}

// finding (medium, the wrong card locked): at a lost debit card's
// read-back ("I'll block your debit card for good ..."), "no, just lock
// my credit card" read as lockInstead and locked the dialog's card, the
// debit card: the credit card the user asked to lock stayed open. A
// lock instead of the block is for the card the words name.
// Promise: a yes or a follow-up never acts on a card the user did not
// mean.
func TestReview15LockInsteadLocksTheCardNamed(t *testing.T) {
	for i, c := range []struct{ cust, loc, lost, lock, wantLocked, wantOpen string }{
		{"alice", "en-US", "i lost my debit card", "just lock my credit card", "credit", "debit"},
		{"alice", "en-US", "i lost my credit card", "no wait, just lock the debit card for now", "debit", "credit"},
		{"lena", "de-DE", "ich habe meine girokarte verloren", "erstmal nur die kreditkarte sperren", "credit", "debit"},
	} {
		e := newEnv(t, nil, 0)
		got := r7talk(t, e, c.cust, c.loc, fmt.Sprintf("r15-lockinstead-%d", i), c.lost, c.lock)
		if locked := r15cardLocked(t, e, c.cust); !locked[c.wantLocked] || locked[c.wantOpen] {
			t.Errorf("%q then %q: %q; locked %v, want the %s card locked and the %s card open", c.lost, c.lock, got, locked, c.wantLocked, c.wantOpen)
		}
	}
	// The plain "yes, just lock it" still locks the card that was lost.
	e := newEnv(t, nil, 0)
	got := r7talk(t, e, "alice", "en-US", "r15-lockinstead-it", "i lost my debit card", "yes just lock it for now")
	if locked := r15cardLocked(t, e, "alice"); !locked["debit"] || locked["credit"] {
		t.Errorf("yes just lock it: %q; locked %v, want the debit card alone", got, locked)
	}
}

// r15cardLocked says which kinds of a customer's cards are locked.
func r15cardLocked(t *testing.T, e *env, cust string) map[string]bool {
	t.Helper()
	ctx := context.Background()
	u, _ := e.bank.Authenticate(ctx, e.bank.Token(cust))
	cards, err := e.bank.Cards(ctx, u)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]bool{}
	for _, c := range cards {
		out[string(c.Kind)] = out[string(c.Kind)] || c.Locked
	}
	return out
}

// r15cardFails is the sandbox with one card whose unlock (or lock) the
// bank refuses.
type r15cardFails struct {
	*sandbox.Bank
	kind banks.CardKind
	lock bool // the bank refuses to lock it, not to unlock it
}

func (b r15cardFails) SetCardLocked(ctx context.Context, u banks.User, cardID string, locked bool, key string) error {
	cards, err := b.Bank.Cards(ctx, u)
	if err != nil {
		return err
	}
	for _, c := range cards {
		if c.ID == cardID && c.Kind == b.kind && locked == b.lock {
			return banks.Errorf("r15.SetCardLocked", banks.Invalid, "card %s refused", c.LastFour)
		}
	}
	return b.Bank.SetCardLocked(ctx, u, cardID, locked, key)
}

// finding (medium, a card unlocked while the user hears it failed):
// "unlock both my cards" unlocked the cards one after the other, and when
// the bank refused the second, the turn said the unlock failed and the
// audit wrote "failed" for both cards, while the first was unlocked and
// working. A user who locked both after losing a wallet believes both
// still locked. Promise: a card change happens only after the PIN and is
// said and audited as it was done: a failed unlock of every card leaves
// every card as it was.
func TestReview15UnlockBothFailingHalfwayLeavesBothLocked(t *testing.T) {
	e := newEnvWith(t, func(cfg *skill.Config) {
		cfg.Bank = r15cardFails{cfg.Auth.(*sandbox.Bank), banks.Credit, false}
	})
	got := r7talk(t, e, "alice", "en-US", "r15-unlockboth", "lock both my cards", "yes it was me", "unlock both my cards", "PIN")
	locked := r15cardLocked(t, e, "alice")
	if !locked["credit"] || !strings.Contains(got[2], "PIN") {
		t.Fatalf("setup: %q; locked %v", got, locked)
	}
	if said := got[len(got)-1]; !locked["debit"] {
		t.Errorf("the debit card was unlocked while the answer said %q", said)
	}
	for _, a := range r15audit(t, e, "alice", "unlock_card") {
		if a.Outcome == "done" {
			t.Errorf("audited as done: %+v", a)
		}
	}
}

// r15audit is a customer's audit log of one action.
func r15audit(t *testing.T, e *env, cust, action string) []skill.AuditEntry {
	t.Helper()
	log, err := e.sk.AuditLog(context.Background(), "sandbox", cust)
	if err != nil {
		t.Fatal(err)
	}
	var out []skill.AuditEntry
	for _, a := range log {
		if a.Action == action {
			out = append(out, a)
		}
	}
	return out
}

// finding (medium, another amount read back): a payment said with a
// second amount that is no correction took the first amount in the
// words, whatever it was: "if i have 100 dollars left send tom nguyen 50
// dollars" was read back as $100.00 to Tom Nguyen, "is 20 dollars enough
// and send tom nguyen 50 dollars" and "reichen 20 Euro und überweise
// Sophie Wagner 50 Euro" as $20.00 and 20,00 €: one yes and the PIN
// away from paying an amount that was only a condition or a question.
// With two amounts and the one taken not the last said (a correction
// says the new one last: "20 dollars no wait 50 dollars"), the amount is
// asked. Promise: the read-back is the payment that was asked for.
func TestReview15SecondAmountIsNeverPaidInstead(t *testing.T) {
	e := newEnv(t, nil, 0)
	for i, c := range []struct{ cust, loc, text, wrong string }{
		{"carol", "en-US", "if i have 100 dollars left send tom nguyen 50 dollars from checking", "$100.00"},
		{"carol", "en-US", "is 20 dollars enough and send tom nguyen 50 dollars from checking", "$20.00"},
		{"carol", "en-US", "what's 20 dollars in euros and send tom nguyen 50 dollars from checking", "$20.00"},
		{"carol", "en-US", "if i still have $100 send $50 to tom nguyen from checking", "$100.00"},
		{"lena", "de-DE", "reichen 20 Euro und überweise Sophie Wagner 50 Euro vom Girokonto", "20,00"},
	} {
		got := r7talk(t, e, c.cust, c.loc, fmt.Sprintf("r15-twoamounts-%d", i), c.text, "yes", "PIN")
		if strings.Contains(got[0], c.wrong) {
			t.Errorf("%q: read back %q", c.text, got[0])
		}
		for _, g := range got[1:] {
			if done(g) {
				t.Errorf("%q: paid: %q", c.text, got)
			}
		}
	}
	// A correction in one breath still pays the amount it ends on.
	for i, text := range []string{"send tom nguyen 20 dollars no wait 50 dollars from checking", "send tom nguyen 20 dollars actually make it 50 dollars from checking"} {
		if got := r7talk(t, e, "carol", "en-US", fmt.Sprintf("r15-correction-%d", i), text)[0]; !strings.Contains(got, "$50.00 to Tom Nguyen") {
			t.Errorf("%q: %q, want $50.00 read back", text, got)
		}
	}
}

// finding (medium, a fraud claim on a guess, review 13's guard
// bypassed): after a merchant's transactions ("show my transactions at
// shell"), deniesCharge took any denial as a fraud report of that
// merchant's latest charge, without the guard the alert's answer has
// (review 13): "not me, my husband did", "not me, but it's fine", "that
// wasn't me but i know who it was" locked Carol's credit card and opened
// a fraud case on the charge. Someone the customer knows made it, or it
// is fine: no claim, no lock. Promise: nothing is acted on from a guess.
func TestReview15FamilyPurchaseAfterAListIsNoFraudClaim(t *testing.T) {
	for _, c := range []struct{ cust, loc, list, ans string }{
		{"carol", "en-US", "show my transactions at shell", "not me, my husband did"},
		{"carol", "en-US", "show my transactions at panera bread", "not me, but it's fine"},
		{"carol", "en-US", "show my transactions at shake shack", "that wasn't me but i know who it was"},
		{"carol", "en-US", "show my transactions at costco", "no that wasn't me, my kid used it"},
	} {
		e := newEnv(t, nil, 0)
		got := r7talk(t, e, c.cust, c.loc, "r15-family", c.list, c.ans)
		if !strings.Contains(got[0], "transactions at") {
			t.Fatalf("setup: %q", got[0])
		}
		if locked := r15cardLocked(t, e, c.cust); locked["debit"] || locked["credit"] || strings.Contains(got[1], "fraud case") {
			t.Errorf("%q after %q: %q; cards locked %v", c.ans, c.list, got[1], locked)
		}
	}
	// A plain denial still reports the charge.
	e := newEnv(t, nil, 0)
	if got := r7talk(t, e, "carol", "en-US", "r15-denial", "show my transactions at shell", "yeah that's not me"); !strings.Contains(got[1], "fraud case") {
		t.Errorf("a plain denial: %q", got[1])
	}
}

// finding (low, a day read as the amount): "überweise Sophie Wagner zum
// 1. 40 Euro" (a German payment's day: by the first) was read back as
// 1,40 € now: "zum" was no date word, and "1 40 euro" one amount.
func TestReview15GermanZumDayIsNoAmount(t *testing.T) {
	e := newEnv(t, nil, 0)
	got := r7talk(t, e, "lena", "de-DE", "r15-zum", "überweise Sophie Wagner zum 1. 40 Euro vom Girokonto")[0]
	if !strings.Contains(got, "40,00") || !strings.Contains(got, "1. Dezember") {
		t.Errorf("%q; want 40,00 € on 1. Dezember", got)
	}
}

// finding (medium-low, a full account number said aloud): the full
// number is shown after the PIN only on a private text channel
// (accountDetails starts actShowNumber there), but the PIN turn did not
// look at its own channel: "what's my checking account number" typed in
// a private chat, then the PIN said on a voice turn of the same session
// (a phone's assistant taking over the conversation), read the whole
// account number out. The full number is for the channel the PIN turn
// answers on; elsewhere the last four digits. Promise: account numbers
// are never said aloud in full.
func TestReview15FullAccountNumberNeedsTheTextChannelAtThePIN(t *testing.T) {
	e := newEnv(t, nil, 0)
	sess := "r15-acct"
	say := func(text string, ch skill.Channel) *skill.Response {
		return e.sk.Handle(context.Background(), &skill.Request{Platform: "test", UserID: "u-carol", SessionID: sess, RequestID: fmt.Sprintf("r15-acct-%d", reqSeq.Add(1)),
			Locale: "en-US", Text: text, AccessToken: e.bank.Token("carol"), Channel: ch})
	}
	first := say("what's my checking account number", skill.Channel{Text: true, Private: true})
	if !strings.Contains(first.Speech, "PIN") {
		t.Fatalf("setup: %q", first.Speech)
	}
	r := say(spoken(e, "carol"), skill.Channel{Voice: true})
	if strings.Contains(r.Speech, "3994575512") || r.Card != nil && strings.Contains(r.Card.Text, "3994575512") {
		t.Errorf("the full account number on a voice turn: %q", r.Speech)
	}
	// On the private text channel it is shown.
	sess = "r15-acct-text"
	say("what's my checking account number", skill.Channel{Text: true, Private: true})
	if r := say(spoken(e, "carol"), skill.Channel{Text: true, Private: true}); !strings.Contains(r.Speech, "3994575512") {
		t.Errorf("private text: %q", r.Speech)
	}
}

// finding (low-medium, the user's own money said as someone else's):
// others.go refuses a question about another person's money, but
// "whats the balance of tom nguyen", "how much money has tom nguyen
// got", "show me tom nguyen's transactions", "what did tom nguyen spend
// last month" and "how much does my wife have in her account, not mine"
// ("mine" read as the user's own money) were answered with Carol's own
// balances, transactions and spending, aloud, as if they were the other
// person's. Promise: Konto only ever speaks of the user's own accounts,
// and never as another person's.
func TestReview15OthersMoneyInOtherWordsIsRefused(t *testing.T) {
	e := newEnv(t, nil, 0)
	for i, c := range []struct{ cust, loc, text string }{
		{"carol", "en-US", "whats the balance of tom nguyen"},
		{"carol", "en-US", "how much money has tom nguyen got"},
		{"carol", "en-US", "show me tom nguyen's transactions"},
		{"carol", "en-US", "what did tom nguyen spend last month"},
		{"carol", "en-US", "how much does my wife have in her account, not mine"},
		{"lena", "de-DE", "wie viel hat mein Mann auf dem Sparkonto, nicht mein eigenes"},
	} {
		got := r7talk(t, e, c.cust, c.loc, fmt.Sprintf("r15-others-%d", i), c.text)[0]
		if !strings.Contains(got, "only tell you about your own accounts") && !strings.Contains(got, "nur etwas über deine eigenen Konten") {
			t.Errorf("%q: %q; want the refusal", c.text, got)
		}
	}
	// The user's own money about the payee is still answered.
	for i, text := range []string{"how much did i send tom nguyen last month", "what's my checking balance", "show my payments to tom nguyen"} {
		if got := r7talk(t, e, "carol", "en-US", fmt.Sprintf("r15-own-%d", i), text)[0]; strings.Contains(got, "only tell you about your own accounts") {
			t.Errorf("%q: refused: %q", text, got)
		}
	}
}

// finding (low-medium, an hour read as the new amount): "no, 10 am
// tomorrow" at the read-back of $50.00 to Tom Nguyen was read back as
// $10.00 tomorrow: the correction took the hour for a bare amount.
// Promise: the read-back is the amount asked for.
func TestReview15HourInACorrectionIsNoAmount(t *testing.T) {
	e := newEnv(t, nil, 0)
	for i, c := range []struct{ cust, loc, pay, fix, want string }{
		{"carol", "en-US", "send tom nguyen 50 dollars from checking", "no, 10 am tomorrow", "$50.00"},
		{"carol", "en-US", "send tom nguyen 50 dollars from checking", "no, tomorrow at 9 pm", "$50.00"},
		{"lena", "de-DE", "überweise 50 Euro an Sophie Wagner vom Girokonto", "nein, morgen um 10 Uhr", "50,00"},
	} {
		got := r7talk(t, e, c.cust, c.loc, fmt.Sprintf("r15-hourfix-%d", i), c.pay, c.fix)
		if !strings.Contains(got[1], c.want) {
			t.Errorf("%q at the read-back: %q; want %s", c.fix, got[1], c.want)
		}
	}
}

// finding (medium, a yes for more than was read back): at a lost debit
// card's read-back ("I'll block your debit card for good and send you a
// new one. Shall I go ahead?"), "yes lock both cards" was a plain yes to
// the block for good: the PIN then blocked the debit card for good and
// left the credit card open, when the user asked for both locked (which
// the PIN undoes). It is the lock of every card instead.
// Promise: a yes never acts on a card, or in a way, the user did not mean.
func TestReview15LockBothAtALostCardsReadBackLocksBoth(t *testing.T) {
	for i, c := range []struct{ cust, loc, lost, ans string }{
		{"alice", "en-US", "i lost my debit card", "yes lock both cards"},
		{"alice", "en-US", "i lost my debit card", "just lock both of them for now"},
		{"lena", "de-DE", "ich habe meine girokarte verloren", "ja, erstmal beide karten sperren"},
	} {
		e := newEnv(t, nil, 0)
		got := r7talk(t, e, c.cust, c.loc, fmt.Sprintf("r15-lockboth-%d", i), c.lost, c.ans, "PIN")
		if locked := r15cardLocked(t, e, c.cust); !locked["debit"] || !locked["credit"] {
			t.Errorf("%q at %q: %q; locked %v, want both locked", c.ans, c.lost, got, locked)
		}
		if log := r15audit(t, e, c.cust, "report_lost_card"); len(log) > 0 {
			t.Errorf("%q at %q: blocked for good: %+v", c.ans, c.lost, log)
		}
	}
}

// finding (high, a lock asked for and silently dropped): a lock and a
// payment in one breath ("lock my credit card and send tom nguyen 20
// dollars", "send tom 20 dollars and lock my debit card", "sperr meine
// Kreditkarte und überweise Sophie 20 Euro") read back and paid the
// payment and never locked the card, without a word about it: two
// actions were left to the usual path, which takes one. A customer who
// just lost a card believes it locked. A lock asks nothing: it is done
// first, then the other action's read-back. Promise: a lock asked for is
// done or refused aloud, never dropped.
func TestReview15LockAndPaymentInOneBreathLocks(t *testing.T) {
	for i, c := range []struct{ cust, loc, text, kind string }{
		{"carol", "en-US", "lock my credit card and send tom nguyen 20 dollars from checking", "credit"},
		{"carol", "en-US", "send tom nguyen 20 dollars from checking and lock my debit card", "debit"},
		{"lena", "de-DE", "sperr meine Kreditkarte und überweise Sophie Wagner 20 Euro vom Girokonto", "credit"},
		{"carol", "en-US", "send tom nguyen 20 dollars from checking and then lock my debit card", "debit"},
		{"carol", "en-US", "pay tom nguyen 20 dollars from checking and also lock my credit card", "credit"},
		{"lena", "de-DE", "überweise Sophie Wagner 20 Euro vom Girokonto und dann sperr meine Kreditkarte", "credit"},
	} {
		e := newEnv(t, nil, 0)
		got := r7talk(t, e, c.cust, c.loc, fmt.Sprintf("r15-lockpay-%d", i), c.text)
		if locked := r15cardLocked(t, e, c.cust); !locked[c.kind] {
			t.Errorf("%q: %q; the %s card is not locked", c.text, got[0], c.kind)
		}
		if !strings.Contains(got[0], "20.00") && !strings.Contains(got[0], "20,00") {
			t.Errorf("%q: %q; want the payment's read-back too", c.text, got[0])
		}
	}
}

// finding (low, a card's number asked for in other words and misread):
// "read me all the digits on my debit card" and "die 16 Stellen der
// Girokarte bitte" were asked back as a replacement card ("Do you want
// to order a replacement card?", one yes from its read-back), "what is
// the code on the back of my card" as an unlock, "what are the numbers
// on the front of my credit card" as the account details. They are the
// card number's refusal, with the last four digits.
// Promise: full card numbers and security codes are never said, and a
// question about them starts nothing.
func TestReview15CardDigitsInOtherWordsAreRefused(t *testing.T) {
	e := newEnv(t, nil, 0)
	for i, c := range []struct{ cust, loc, text string }{
		{"alice", "en-US", "read me all the digits on my debit card"},
		{"alice", "en-US", "what are the numbers on the front of my credit card"},
		{"alice", "en-US", "what is the code on the back of my card"},
		{"lena", "de-DE", "die 16 stellen der girokarte bitte"},
		{"lena", "de-DE", "sag mir alle sechzehn ziffern meiner kreditkarte"},
		{"lena", "de-DE", "was ist der code auf der rückseite meiner karte"},
	} {
		got := r7talk(t, e, c.cust, c.loc, fmt.Sprintf("r15-digits-%d", i), c.text)[0]
		if !strings.Contains(got, "never read out a full card number") && !strings.Contains(got, "lese ich nie eine ganze Kartennummer") {
			t.Errorf("%q: %q; want the refusal with the last four digits", c.text, got)
		}
	}
	if got := r7talk(t, e, "alice", "en-US", "r15-digits-last", "what are the last four digits on my debit card")[0]; !strings.Contains(got, "1187") || strings.Contains(got, "never read out") {
		t.Errorf("last four: %q", got)
	}
}

// finding (medium, a payment made on another day, or of another amount):
// "on the 31st" in a month of 30 days was no date, so "send tom nguyen
// 50 dollars on the 31st" was read back to be paid now, and "überweise
// Sophie Wagner am 31. 50 Euro" as 31,50 € now; "the day after
// tomorrow" was tomorrow; "next month", "in two weeks", "nächste Woche"
// were dropped and the payment made now. A day of the month is the next
// one that has it; a later day Konto cannot name is asked again.
// Promise: a payment's day is never another day, its amount never
// another amount.
func TestReview15PaymentDayIsTheDayAsked(t *testing.T) {
	e := newEnv(t, nil, 0)
	for i, c := range []struct{ cust, loc, text, want string }{
		{"carol", "en-US", "send tom nguyen 50 dollars on the 31st from checking", "$50.00 to Tom Nguyen from your Premier Checking on December 31st"},
		{"lena", "de-DE", "überweise Sophie Wagner am 31. 50 Euro vom Girokonto", "50,00\u00a0€ am 31. Dezember"},
		{"carol", "en-US", "send tom nguyen 50 dollars the day after tomorrow from checking", "on November 25th"},
		{"carol", "en-US", "send tom nguyen 50 dollars next month from checking", "couldn't tell which day"},
		{"carol", "en-US", "send tom nguyen 50 dollars in two weeks from checking", "couldn't tell which day"},
		{"lena", "de-DE", "überweise Sophie Wagner 50 Euro nächste Woche vom Girokonto", "an welchem Tag"},
	} {
		if got := r7talk(t, e, c.cust, c.loc, fmt.Sprintf("r15-day-%d", i), c.text)[0]; !strings.Contains(got, c.want) {
			t.Errorf("%q: %q; want %q", c.text, got, c.want)
		}
	}
}

// defended: "unlock both my cards" needs the PIN (a yes is no PIN), stops
// at the lockout after three wrong PINs, and, with the PIN, unlocks both
// with one audit entry that names both cards.
func TestReview15UnlockBothNeedsThePINAndHonoursTheLockout(t *testing.T) {
	e := newEnv(t, nil, 0)
	got := r7talk(t, e, "alice", "en-US", "r15-unlock-pin", "lock both my cards", "no it was not me", "unlock both my cards", "yes",
		"0 0 0 0", "0 0 0 1", "0 0 0 2", "unlock both my cards", "PIN")
	if locked := r15cardLocked(t, e, "alice"); !locked["debit"] || !locked["credit"] {
		t.Errorf("unlocked without the PIN or in the lockout: %q; locked %v", got, locked)
	}
	e = newEnv(t, nil, 0)
	got = r7talk(t, e, "alice", "en-US", "r15-unlock-ok", "lock both my cards", "no it was not me", "unlock both my cards", "PIN")
	if locked := r15cardLocked(t, e, "alice"); locked["debit"] || locked["credit"] {
		t.Fatalf("with the PIN: %q; locked %v", got, locked)
	}
	log := r15audit(t, e, "alice", "unlock_card")
	if len(log) != 1 || log[0].Outcome != "done" || !strings.Contains(log[0].Detail, "1187") || !strings.Contains(log[0].Detail, "9904") {
		t.Errorf("audit: %+v", log)
	}
}

// defended: on one platform user and session shared by two customers,
// the new follow-ups act for no one but the customer they followed:
// Alice's "yeah that's not me" after Carol's Shell transactions, Carol's
// "no that wasn't me" at Alice's alert, Carol's "yes just lock it" at
// Alice's lost card's read-back and Carol's "found it, unlock it" and
// PIN after Alice's lock change nothing of either.
func TestReview15SharedSessionFollowUpsStayWithTheirCustomer(t *testing.T) {
	e := newEnv(t, nil, 0)
	for i, turns := range [][][2]string{
		{{"carol", "show my transactions at shell"}, {"alice", "yeah that's not me"}},
		{{"alice", "what's my balance"}, {"carol", "no that wasn't me"}},
		{{"alice", "i lost my debit card"}, {"carol", "yes just lock it"}},
		{{"alice", "lock my debit card"}, {"carol", "oh never mind found it in my bag, unlock it"}, {"carol", "PIN"}},
	} {
		sess := fmt.Sprintf("r15-shared-%d", i)
		var got []string
		for _, turn := range turns {
			got = append(got, r13as(e, turn[0], sess, turn[1]).Speech)
		}
		if i == 3 {
			if !r15cardLocked(t, e, "alice")["debit"] {
				t.Errorf("%v: %q; carol unlocked alice's card", turns, got)
			}
			continue
		}
		for _, cust := range []string{"alice", "carol"} {
			if locked := r15cardLocked(t, e, cust); locked["debit"] || locked["credit"] {
				t.Errorf("%v: %q; %s's cards locked %v", turns, got, cust, locked)
			}
		}
		if st, _ := alertStatus(t, e, "alice"); st == "fraud" {
			t.Errorf("%v: %q; alice's alert answered as fraud", turns, got)
		}
	}
}
