package skill_test

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	_ "modernc.org/sqlite"

	"github.com/kontoskill/konto/banks"
	"github.com/kontoskill/konto/banks/sandbox"
	"github.com/kontoskill/konto/skill"
)

// Review 13 (attacker). Each test names what breaks; "finding" tests fail
// while the hole is open, "defended" tests pin an attack that is held.

// r13as sends one turn as customer on a shared platform user and session
// ("PIN" is replaced by that customer's spoken PIN); token "" sends none.
func r13as(e *env, cust, sess, text string) *skill.Response {
	tok := ""
	if cust != "" {
		tok = e.bank.Token(cust)
		text = strings.ReplaceAll(text, "PIN", spoken(e, cust))
	}
	return e.sk.Handle(context.Background(), &skill.Request{Platform: "test", UserID: "u-shared", SessionID: sess,
		RequestID: fmt.Sprintf("%s-%d", sess, reqSeq.Add(1)), Locale: "en-US", Text: text, AccessToken: tok})
}

// finding (high, the state.Owner fix of review 12 bypassed): a filler
// turn ("hmm") while a dialog waits is answered in route() before
// converse() authenticates anyone: it repeats the pending read-back to
// whoever sent it (even a request with no token at all), and commit then
// stores the state with Owner "" (r.User is empty), so that the next
// customer's authenticate() sees no owner to compare and keeps the
// dialog. Carol's "transfer 100 dollars from checking to savings" is then
// confirmed by Alice's "yes" and PIN and moves Alice's money on a
// read-back of Carol's accounts. Promise: a user can never see or move
// another user's money; money moves only after a read-back to that user.
func TestReview13FillerTurnStripsDialogOwner(t *testing.T) {
	e := newEnv(t, nil, 0)
	ctx := context.Background()
	ua, _ := e.bank.Authenticate(ctx, e.bank.Token("alice"))
	accs, err := e.bank.Accounts(ctx, ua)
	if err != nil {
		t.Fatal(err)
	}
	before := map[string]int64{}
	for _, a := range accs {
		b, _ := e.bank.Balance(ctx, ua, a.ID)
		before[a.ID] = b.Booked.Minor
	}
	if rb := r13as(e, "carol", "r13-fill", "transfer 100 dollars from checking to savings").Speech; !strings.Contains(rb, "Goal Savings") {
		t.Fatalf("setup: %q", rb)
	}
	hm := r13as(e, "", "r13-fill", "hmm").Speech // no token at all
	if strings.Contains(hm, "Goal Savings") || strings.Contains(hm, "Premier Checking") {
		t.Errorf("a turn without any token heard carol's read-back: %q", hm)
	}
	out := []string{r13as(e, "alice", "r13-fill", "yes").Speech, r13as(e, "alice", "r13-fill", "PIN").Speech}
	t.Logf("%q / %q", hm, out)
	for _, a := range accs {
		b, _ := e.bank.Balance(ctx, ua, a.ID)
		if b.Booked.Minor != before[a.ID] {
			t.Errorf("carol's read-back moved alice's money (%s: %d -> %d): %q", a.ID, before[a.ID], b.Booked.Minor, out)
		}
	}
}

// finding (high, a payment without its customer's PIN): the PIN Carol
// said a minute ago on a text channel covers later actions for five
// minutes (state.PINAt). A relink to Alice on the same platform user and
// session starts from nothing (authenticate compares state.Owner), but a
// turn that is answered without authenticating ("thanks", "hmm"; "help" is held)
// stores the state again with Owner "" and PINAt kept; Alice's next
// payment then goes through on a bare "yes", without Alice's PIN ever
// being said. (The first subtest, a relink straight after the payment,
// passes: defended.) Promise: money moves only after a read-back and a
// PIN (of the customer whose money it is).
func TestReview13ThanksOrFillerHandsCarolsPINToAlice(t *testing.T) {
	for i, between := range [][]string{nil, {"hmm"}, {"what's my balance", "help"}, {"what's my balance", "thanks"}} {
		t.Run(strings.Join(between, "/"), func(t *testing.T) {
			e := newEnv(t, nil, 0)
			ctx := context.Background()
			sess := fmt.Sprintf("r13-pin-%d", i)
			out := []string{r13as(e, "carol", sess, "send tom nguyen 20 dollars from checking").Speech,
				r13as(e, "carol", sess, "yes").Speech, r13as(e, "carol", sess, "PIN").Speech}
			if !done(out[2]) {
				t.Fatalf("setup: %q", out)
			}
			for _, b := range between {
				out = append(out, r13as(e, "carol", sess, b).Speech)
			}
			ua, _ := e.bank.Authenticate(ctx, e.bank.Token("alice"))
			bal := func() int64 { b, _ := e.bank.Balance(ctx, ua, "alice-checking"); return b.Booked.Minor }
			before := bal()
			out = append(out, r13as(e, "alice", sess, "send alice meyer 20 dollars from checking").Speech,
				r13as(e, "alice", sess, "yes").Speech)
			t.Logf("%q", out)
			if bal() != before || done(out[len(out)-1]) {
				t.Errorf("alice's payment went on carol's PIN: %q", out)
			}
		})
	}
}

// finding (high, another customer's balances read out): "say that again"
// keeps the last answer (state.Last, or the carry's Last on Alexa) and
// stamps it with the owner of the turn that kept it. A repeat turn whose
// token links nobody (none, or one expired or revoked) gets "nothing to
// repeat", but commit keeps Carol's balances as the last answer under
// Owner "", and repeat() treats an empty owner as anyone's: Alice's "say
// that again" on the same platform user and session then reads out
// Carol's balances. Promise: a user can never see another user's money.
func TestReview13UnlinkedRepeatLaundersLastAnswer(t *testing.T) {
	for _, c := range []struct {
		name  string
		carry bool
		tok   string
	}{{"store/no-token", false, ""}, {"store/revoked-token", false, "expired-token"}, {"carry/no-token", true, ""}, {"carry/revoked-token", true, "expired-token"}} {
		t.Run(c.name, func(t *testing.T) {
			e := newEnv(t, nil, 0)
			carried := ""
			say := func(tok, text string) string {
				r := &skill.Request{Platform: "test", UserID: "u-shared", SessionID: "r13-rep", RequestID: fmt.Sprintf("r13-rep-%d", reqSeq.Add(1)),
					Locale: "en-US", Text: text, AccessToken: tok, Channel: skill.Channel{Voice: true, Carry: c.carry}, Carry: carried}
				resp := e.sk.Handle(context.Background(), r)
				carried = resp.Carry
				return resp.Speech
			}
			bal := say(e.bank.Token("carol"), "what's my balance")
			if !strings.Contains(bal, "Premier Checking has") {
				t.Fatalf("setup: %q", bal)
			}
			mid := say(c.tok, "say that again")
			got := say(e.bank.Token("alice"), "say that again")
			if strings.Contains(got, "Premier Checking") || strings.Contains(got, "Goal Savings") {
				t.Errorf("alice heard carol's balances: %q (after %q)", got, mid)
			}
		})
	}
}

// r13locked says whether any of a customer's cards is locked.
func r13locked(t *testing.T, e *env, cust string) bool {
	t.Helper()
	ctx := context.Background()
	u, _ := e.bank.Authenticate(ctx, e.bank.Token(cust))
	cards, err := e.bank.Cards(ctx, u)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range cards {
		if c.Locked {
			return true
		}
	}
	return false
}

// finding (medium, a card locked on a question): a lock has no read-back,
// so whatever reads as LockCard is done at once. Review 12 stopped
// "should i lock my debit card"; every other question about locking still
// locks the card: "what happens if i lock my debit card", "how do i lock
// my debit card", "did i lock my debit card", "is it possible to lock my
// debit card", "what if someone locks my debit card", "maybe lock the
// debit card?", "was passiert wenn
// ich meine girokarte sperre", "hab ich meine girokarte gesperrt", "kann
// man die girokarte sperren" all answer "I've locked your debit card".
// Promise: nothing is acted on from a guess; a question is answered (or
// asked back), never done.
func TestReview13QuestionAboutLockingLocksNothing(t *testing.T) {
	for _, c := range []struct{ cust, loc, text string }{
		{"carol", "en-US", "what happens if i lock my debit card"},
		{"carol", "en-US", "how do i lock my debit card"},
		{"carol", "en-US", "did i lock my debit card"},
		{"carol", "en-US", "is it possible to lock my debit card"},
		{"carol", "en-US", "what if someone locks my debit card"},
		{"carol", "en-US", "maybe lock the debit card?"},
		{"lena", "de-DE", "was passiert wenn ich meine girokarte sperre"},
		{"lena", "de-DE", "hab ich meine girokarte gesperrt"},
		{"lena", "de-DE", "kann man die girokarte sperren"},
	} {
		t.Run(c.text, func(t *testing.T) {
			e := newEnv(t, nil, 0)
			out := r7talk(t, e, c.cust, c.loc, "r13-q", c.text)
			if r13locked(t, e, c.cust) {
				t.Errorf("a question locked a card: %q", out[0])
			}
		})
	}
}

// finding (medium, a card locked against the words said): a refusal or
// retraction that declinedOrQuoted does not know ("... wait, no", "just
// kidding", "lol jk", "i never want to …", "remind me to …", "bloß
// nicht", "war nur spaß", "quatsch, nicht nötig") still locks the card
// at once. Promise: nothing is acted on from a guess.
func TestReview13RetractedOrNegatedLockLocksNothing(t *testing.T) {
	for _, c := range []struct{ cust, loc, text string }{
		{"carol", "en-US", "lock my debit card... wait, no"},
		{"carol", "en-US", "lock my debit card, just kidding"},
		{"carol", "en-US", "lock my debit card lol jk"},
		{"carol", "en-US", "i never want to lock my debit card"},
		{"carol", "en-US", "remind me to lock my debit card"},
		{"lena", "de-DE", "sperr die girokarte bloß nicht"},
		{"lena", "de-DE", "sperr meine girokarte, war nur spaß"},
		{"lena", "de-DE", "sperr meine girokarte, quatsch, nicht nötig"},
	} {
		t.Run(c.text, func(t *testing.T) {
			e := newEnv(t, nil, 0)
			out := r7talk(t, e, c.cust, c.loc, "r13-neg", c.text)
			if r13locked(t, e, c.cust) {
				t.Errorf("a retracted or negated lock locked a card: %q", out[0])
			}
		})
	}
}

// r13addPayee saves a payee for a customer at the sandbox bank, as the
// customer would in the bank's app.
func r13addPayee(t *testing.T, e *env, cust, name string) {
	t.Helper()
	db, err := sql.Open("sqlite", filepath.Join(e.dir, "sandbox.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec(`INSERT INTO payees(id, customer_id, name, last4) VALUES (?,?,?,?)`, cust+"-payee-r13", cust, name, "6666"); err != nil {
		t.Fatal(err)
	}
}

// finding (high, what is paid is not what was read back): a saved payee
// whose name holds an account word ("Emma Savings", "Kids College
// Savings", "Chase Credit Card", "Oma Sparkonto", "Paul Tagesgeld") is found by planTransfer
// and read back ("You want to send $50.00 to Emma Savings"); planTransfer
// then writes the payee's full name into the slot, and when the plan is
// made again at the yes and the PIN, "A payee that names an own account
// is a transfer between accounts" (ParseAccount("emma savings") =
// savings) turns it into a transfer to the customer's own savings: "Done.
// I sent $50.00 to your Goal Savings" ("... to your Travel Rewards Card"
// for the other bank's card). The payee is never paid, and the
// money moved is not the payment read back and confirmed. Promise: money
// moves only as read back and confirmed.
func TestReview13PayeeNamedLikeAccountIsPaidAsReadBack(t *testing.T) {
	for _, c := range []struct{ cust, loc, payee, say, yes, savings string }{
		{"carol", "en-US", "Emma Savings", "send emma 50 dollars from checking", "yes", "carol-savings"},
		{"carol", "en-US", "Kids College Savings", "send 50 dollars to kids college from checking", "yes", "carol-savings"},
		{"carol", "en-US", "Chase Credit Card", "pay chase 100 dollars from checking", "yes", "carol-credit_card"},
		{"lena", "de-DE", "Oma Sparkonto", "überweise oma 50 euro vom girokonto", "ja", "lena-savings"},
		{"lena", "de-DE", "Paul Tagesgeld", "überweise paul 50 euro vom girokonto", "ja", "lena-savings"},
	} {
		t.Run(c.payee, func(t *testing.T) {
			e := newEnv(t, nil, 0)
			r13addPayee(t, e, c.cust, c.payee)
			ctx := context.Background()
			u, _ := e.bank.Authenticate(ctx, e.bank.Token(c.cust))
			bal := func() int64 { b, _ := e.bank.Balance(ctx, u, c.savings); return b.Booked.Minor }
			before := bal()
			out := r7talk(t, e, c.cust, c.loc, "r13-named", c.say, c.yes, "PIN")
			if !strings.Contains(out[0], c.payee) {
				t.Fatalf("setup: the read-back does not name the payee: %q", out)
			}
			if bal() != before {
				t.Errorf("a payment read back to %s went into the customer's own account (%+d): %q", c.payee, bal()-before, out)
			}
		})
	}
}

// r13slow is the sandbox with slow account reads: a turn stays in flight.
type r13slow struct {
	*sandbox.Bank
	delay atomic.Int64 // nanoseconds
}

func (b *r13slow) Accounts(ctx context.Context, u banks.User) ([]banks.Account, error) {
	time.Sleep(time.Duration(b.delay.Load()))
	return b.Bank.Accounts(ctx, u)
}

func (b *r13slow) AccountBalances(ctx context.Context, u banks.User, k banks.AccountKind) ([]banks.Account, []banks.Balance, error) {
	time.Sleep(time.Duration(b.delay.Load()))
	return b.Bank.AccountBalances(ctx, u, k)
}

func (b *r13slow) Balance(ctx context.Context, u banks.User, id string) (banks.Balance, error) {
	time.Sleep(time.Duration(b.delay.Load()))
	return b.Bank.Balance(ctx, u, id)
}

// finding (medium, data kept after deletion): Unlink (SkillDisabled, the
// privacy center) deletes the platform user's link, sessions and stored
// answers, but a turn already in flight commits afterwards: its session
// state (the last answer "Your Goal Savings has $39,763.43.", its card
// with the account's last four digits, the subject) and its request row
// are written back for the deleted user, with nothing left to delete
// them. Promise: unlinking deletes the user's data.
func TestReview13TurnInFlightOutlivesDeletion(t *testing.T) {
	sb := &r13slow{}
	e := newEnvWith(t, func(cfg *skill.Config) { sb.Bank = cfg.Auth.(*sandbox.Bank); cfg.Bank = sb })
	ctx := context.Background()
	e.turnAs("carol", "r13-del", "what's my balance")
	sb.delay.Store(int64(800 * time.Millisecond))
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		e.turnAs("carol", "r13-del", "what is in my savings account")
	}()
	time.Sleep(300 * time.Millisecond)
	if err := e.sk.Unlink(ctx, "test", "u-carol"); err != nil {
		t.Fatal(err)
	}
	wg.Wait()
	db, err := sql.Open("sqlite", filepath.Join(e.dir, "konto.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, table := range []string{"links", "sessions", "requests"} {
		var n int
		if err := db.QueryRow("SELECT count(*) FROM " + table + " WHERE user_id = 'u-carol'").Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n > 0 {
			var st string
			if table == "sessions" {
				db.QueryRow("SELECT state FROM sessions WHERE user_id = 'u-carol'").Scan(&st)
			}
			t.Errorf("%d %s row(s) of the deleted user after Unlink returned %.160s", n, table, st)
		}
	}
}

// finding (high, money moved against a doubt said with the PIN): at the
// voice PIN prompt the PIN said with a hedge or a second thought after it
// pays at once: "PIN, hmm, maybe not", "PIN, or maybe not", "PIN, let me
// think about it", "PIN... on second thought", "PIN, i'm not sure", "PIN,
// ich überleg's mir noch" all answer "Done. I sent $20.00 …" (while "PIN,
// i changed my mind", "PIN, hold off", "PIN, oder lieber nicht" read the
// payment back again, and "PIN, ich bin mir nicht sicher" cancels). At
// the read-back itself (where a PIN is the yes and the PIN in one) "PIN,
// maybe not" and "PIN, or not" pay too, and at "To unlock your debit card
// …, please say your PIN" every one of them unlocks the card. Promise:
// nothing is acted on from a guess; a PIN with a doubt is no
// confirmation.
func TestReview13PINWithDoubtActsOnNothing(t *testing.T) {
	for _, c := range []struct{ cust, loc, start, yes, pin string }{
		{"carol", "en-US", "send tom nguyen 20 dollars from checking", "yes", "PIN, hmm, maybe not"},
		{"carol", "en-US", "send tom nguyen 20 dollars from checking", "yes", "PIN, or maybe not"},
		{"carol", "en-US", "send tom nguyen 20 dollars from checking", "yes", "PIN, let me think about it"},
		{"carol", "en-US", "send tom nguyen 20 dollars from checking", "yes", "PIN... on second thought"},
		{"carol", "en-US", "send tom nguyen 20 dollars from checking", "yes", "PIN, i'm not sure"},
		{"lena", "de-DE", "überweise max schmidt 20 euro vom girokonto", "ja", "PIN, ich überleg's mir noch"},
		{"carol", "en-US", "send tom nguyen 20 dollars from checking", "", "PIN, maybe not"}, // at the read-back
		{"carol", "en-US", "send tom nguyen 20 dollars from checking", "", "PIN, or not"},
	} {
		t.Run(c.pin+"/"+c.yes, func(t *testing.T) {
			e := newEnv(t, nil, 0)
			turns := []string{c.start, c.yes, c.pin}
			if c.yes == "" {
				turns = []string{c.start, c.pin}
			}
			out := r12voice(t, e, c.cust, c.loc, "r13-doubt", turns...)
			if last := out[len(out)-1]; done(last) {
				t.Errorf("a PIN said with a doubt paid: %q", out)
			}
		})
	}
	for _, pin := range []string{"PIN, maybe not", "PIN, i'm not sure", "PIN hmm let me think", "PIN on second thought"} {
		t.Run("unlock/"+pin, func(t *testing.T) {
			e := newEnv(t, nil, 0)
			out := r12voice(t, e, "carol", "en-US", "r13-doubt-unlock", "lock my debit card", "unlock my debit card", pin)
			if !strings.Contains(out[1], "PIN") {
				t.Fatalf("setup: %q", out)
			}
			if !r13locked(t, e, "carol") {
				t.Errorf("a PIN said with a doubt unlocked the card: %q", out[2])
			}
		})
	}
}

// finding (medium, the PIN limit is a rate, not a limit): three wrong
// voice PINs pause voice payments for 30 minutes (pin_guard), and then
// the count starts again from nothing, for ever: over one day someone at
// a shared speaker gets 3 guesses every half hour, 144 in all, each
// checked (about a 1.4% chance a day of finding a four-digit PIN, and
// better than even within two months). Nothing escalates: no lockout
// that needs the bank's app or a call, however many lockouts came before.
// (The README documents the 30-minute pause; the threshold of 10 a day
// here is this test's choice.) Promise: a voice PIN is limited to a few
// wrong guesses.
func TestReview13PINGuessesDoNotRenewEveryHalfHour(t *testing.T) {
	e := newEnv(t, nil, 0)
	ctx := context.Background()
	start := now
	wrong := wrongPIN(e, "carol")
	checked := 0
	for round := 0; round < 48; round++ {
		at := start.Add(time.Duration(round) * 31 * time.Minute)
		sess := fmt.Sprintf("r13-guess-%d", round)
		say := func(text string) string {
			return e.sk.Handle(ctx, &skill.Request{Platform: "test", UserID: "u-carol", SessionID: sess, RequestID: fmt.Sprintf("%s-%d", sess, reqSeq.Add(1)),
				Locale: "en-US", Text: text, AccessToken: e.bank.Token("carol"), Now: at, Channel: skill.Channel{Voice: true}}).Speech
		}
		say("send tom nguyen 20 dollars from checking")
		if !strings.Contains(say("yes"), "PIN") {
			continue // paused: no guess here
		}
		for i := 0; i < 3; i++ {
			if r := say(strings.Join(strings.Split(wrong, ""), " ")); strings.Contains(r, "PIN is wrong") || strings.Contains(r, "paused") {
				checked++
			}
		}
	}
	n := 0
	for _, a := range auditOf(t, e, "voice_pin") {
		if a.Outcome == "wrong_pin" {
			n++
		}
	}
	t.Logf("%d wrong PINs answered, %d checked (audit) in 24 hours", checked, n)
	if n > 10 {
		t.Errorf("%d wrong voice PINs were checked within a day; the guesses never run out", n)
	}
}

// finding (high, transactions read out to a request that links nobody):
// itemFollowUp answers "how much was the costco one", "and the one
// before that", "when was that" from the transactions kept in the
// session's subject, in dispatch, before any handler asks for a link;
// previous() only drops a subject when the turn's user is known and
// differs (the same for "how much was it" / "when was it" after a
// decline). A request with no token at all (or one the bank no longer
// accepts) on the session gets "$28.87 at Costco on November 19th", and
// its commit re-stamps the subject as nobody's, so that a turn with
// Alice's token then reads Carol's list too (review 12's test, with
// Alice's token straight after Carol's list, passes). Promise: a user can
// never see another user's money; nothing is read without a valid link.
func TestReview13ItemFollowUpNeedsALink(t *testing.T) {
	e := newEnv(t, nil, 0)
	list := r13as(e, "carol", "r13-items", "show me my recent transactions").Speech
	if !strings.Contains(list, "$28.87 at Costco") {
		t.Fatalf("setup: %q", list)
	}
	leaks := func(s string) bool {
		return strings.Contains(s, "$28.87") || strings.Contains(s, "Costco") || strings.Contains(s, "Shell") || strings.Contains(s, "November 18th")
	}
	for _, q := range []string{"how much was the costco one", "and the one before that", "when was that"} {
		if got := r13as(e, "", "r13-items", q).Speech; leaks(got) {
			t.Errorf("a request without a token heard carol's transactions: %q => %q", q, got)
		}
	}
	for _, q := range []string{"how much was the costco one", "and the one before that"} {
		if got := r13as(e, "alice", "r13-items", q).Speech; leaks(got) {
			t.Errorf("alice heard carol's transactions: %q => %q", q, got)
		}
	}
	// The same with a decline: "how much was it" after "was my card
	// declined at target" answers a request without a token.
	if d := r13as(e, "carol", "r13-decl", "was my card declined at target").Speech; !strings.Contains(d, "$125.61") {
		t.Fatalf("setup: %q", d)
	}
	for _, q := range []string{"how much was it", "when was it"} {
		if got := r13as(e, "", "r13-decl", q).Speech; strings.Contains(got, "$125.61") || strings.Contains(got, "November 30th") {
			t.Errorf("a request without a token heard carol's decline: %q => %q", q, got)
		}
	}
}

// finding (low-medium, a wrong amount read back as if it were said): an
// amount corrected or hedged in the same breath is read back as the one
// the person took back or never meant: "50 dollars, sorry 15" reads back
// $50.00 ("i mean 15" and "no, fifty" are understood); "15 or 50
// dollars", "between 15 and 50 dollars" and "half of 50
// dollars" read back $50.00 instead of asking how much; "1,5 dollars"
// reads back $15.00 (ten times the $1.50 meant in a decimal comma). One
// absent-minded yes and the PIN pay it. Promise: nothing is acted on
// from a guess; an unclear amount is asked, never picked.
func TestReview13AmountInOneBreathIsNotMisread(t *testing.T) {
	for _, c := range []struct{ text, wrong string }{
		{"send tom nguyen 50 dollars, sorry 15, from checking", "$50.00"},
		{"send tom nguyen 15 or 50 dollars from checking", "$50.00"},
		{"send tom nguyen between 15 and 50 dollars from checking", "$50.00"},
		{"send tom nguyen half of 50 dollars from checking", "$50.00"},
		{"send tom nguyen 1,5 dollars from checking", "$15.00"},
	} {
		t.Run(c.text, func(t *testing.T) {
			e := newEnv(t, nil, 0)
			out := r7talk(t, e, "carol", "en-US", "r13-amt", c.text)
			if strings.Contains(out[0], c.wrong) {
				t.Errorf("read back %s for %q: %q", c.wrong, c.text, out[0])
			}
		})
	}
}

// finding (low, a balance heard without the accounts scope): a link that
// allows payments but not balances ("see balances and transactions" not
// ticked) hears the credit card's balance in "pay my credit card in
// full": "That's $783.53 to your Travel Rewards Card. From which
// account…". Review 2 kept balances out of a payments-only link's
// answers after a payment; "in full" reads the balance before one. The
// amount is what is owed: the link may not see it. Promise: a link sees
// only what it allows.
func TestReview13InFullNeedsTheAccountsScope(t *testing.T) {
	e := newEnvWith(t, func(cfg *skill.Config) { cfg.Auth = scoped{cfg.Auth.(*sandbox.Bank), []string{"payments", "alerts"}} })
	r := e.turnAs("carol", "r13-full", "pay my credit card in full")
	if strings.Contains(r.Speech, "$783.53") {
		t.Errorf("the card balance without the accounts scope: %q", r.Speech)
	}
}

// finding (medium, the card excluded is the card locked): "lock my cards
// except the debit card" locks the debit card ending in 7719, and "lock
// every card but the credit card" locks the credit card ("sperr alle
// karten außer der girokarte", "… bis auf die kreditkarte" the same): the only card
// named is the one taken, even when it is named to be left alone. A lock
// has no read-back, so the card that was meant to keep working stops at
// once (and the one meant to be locked stays open). Promise: nothing is
// acted on from a guess, least of all the opposite of what was said.
func TestReview13ExceptedCardIsNotTheCardLocked(t *testing.T) {
	for _, c := range []struct{ cust, loc, text, kept string }{
		{"carol", "en-US", "lock my cards except the debit card", "7719"},
		{"carol", "en-US", "lock every card but the credit card", "3381"},
		{"lena", "de-DE", "sperr alle karten außer der girokarte", "3359"},
		{"lena", "de-DE", "sperr alle meine karten bis auf die kreditkarte", "4432"},
	} {
		t.Run(c.text, func(t *testing.T) {
			e := newEnv(t, nil, 0)
			out := r7talk(t, e, c.cust, c.loc, "r13-except", c.text)
			ctx := context.Background()
			u, _ := e.bank.Authenticate(ctx, e.bank.Token(c.cust))
			cards, err := e.bank.Cards(ctx, u)
			if err != nil {
				t.Fatal(err)
			}
			for _, cd := range cards {
				if cd.LastFour == c.kept && cd.Locked {
					t.Errorf("the card excepted (%s) was locked: %q", cd.LastFour, out[0])
				}
			}
		})
	}
}

// finding (high, a fraud claim filed for a family member's purchase): at
// the alert's "A charge of $899.00 at ElectroMart … Was this you?" (and
// "Warst du das?": "nicht ich, das war mein mann"),
// "not me, my husband did", "wasn't me, it was my wife", "that wasn't
// me, that was my daughter", "no, not me, my kid used it", "not me, but
// it's fine" and "that wasn't me but i know who it was" all lock the card,
// mark the charge as fraud and open a case ("You won't pay for it"):
// every one says someone the customer knows made the purchase, or that it
// is fine. A careful bank asks whether that person was allowed to use the
// card; it does not file a fraud claim and lock the card on a guess
// ("no it was my son" already asks nothing and does nothing). Promise:
// nothing is acted on from a guess.
func TestReview13FamilyPurchaseIsNoFraudClaim(t *testing.T) {
	for _, c := range []struct{ cust, loc, first, ans string }{
		{"alice", "en-US", "what's my balance", "not me, my husband did"},
		{"alice", "en-US", "what's my balance", "wasn't me, it was my wife"},
		{"alice", "en-US", "what's my balance", "that wasn't me, that was my daughter"},
		{"alice", "en-US", "what's my balance", "no, not me, my kid used it"},
		{"alice", "en-US", "what's my balance", "not me, but it's fine"},
		{"alice", "en-US", "what's my balance", "that wasn't me but i know who it was"},
		{"jonas", "de-DE", "wie ist mein kontostand", "nicht ich, das war mein mann"},
		{"jonas", "de-DE", "wie ist mein kontostand", "war ich nicht, meine tochter hat das gekauft"},
	} {
		ans := c.ans
		t.Run(ans, func(t *testing.T) {
			e := newEnv(t, nil, 0)
			out := r7talk(t, e, c.cust, c.loc, "r13-fam", c.first, ans)
			if !strings.Contains(out[0], "Was this you") && !strings.Contains(out[0], "Warst du das") {
				t.Fatalf("setup: %q", out[0])
			}
			if st, locked := alertStatus(t, e, c.cust); st == "fraud" || locked || strings.Contains(out[1], "marked the charge as fraud") {
				t.Errorf("a family member's purchase was filed as fraud (alert %s, card locked %v): %q", st, locked, out[1])
			}
		})
	}
}

// defended: huge and odd utterances (50,000 words, NUL and invalid UTF-8
// bytes, a right-to-left override, 400 nines, a negative amount said at
// the PIN prompt) are answered within the turn's budget, with a sentence,
// and move nothing without a read-back, a yes and the PIN.
func TestReview13OddInputsAnswerAndMoveNothing(t *testing.T) {
	e := newEnv(t, nil, 0)
	before := balanceOf(t, e, "carol-checking")
	for i, turns := range [][]string{
		{strings.Repeat("send tom nguyen 20 dollars ", 2000)},
		{strings.Repeat("a", 200000)},
		{strings.Repeat("1 ", 20000)},
		{strings.Repeat("yes ", 20000)},
		{"send tom\x00 nguyen 20 dollars from checking", "yes \x00"},
		{"send tom \xff\xfe nguyen 20 dollars from checking", "\xff"},
		{"send \u202etom nguyen 20 dollars from checking", "\u202eyes"},
		{strings.Repeat("9", 400) + " dollars to tom nguyen from checking", "yes"},
		{"send tom nguyen 20 dollars from checking", "yes", "minus " + strings.Repeat("1 ", 4000)},
		{strings.Repeat("twenty ", 10000) + "dollars to tom nguyen", "yes"},
	} {
		sess := fmt.Sprintf("r13-odd-%d", i)
		for _, text := range turns {
			start := time.Now()
			r := e.turnAs("carol", sess, text)
			if d := time.Since(start); d > 7*time.Second { // the turn budget
				t.Errorf("turn %d took %s", i, d)
			}
			if strings.TrimSpace(r.Speech) == "" || done(r.Speech) {
				t.Errorf("turn %d (%.40q): %q", i, text, r.Speech)
			}
		}
	}
	if moved := before - balanceOf(t, e, "carol-checking"); moved != 0 {
		t.Errorf("odd inputs moved %d cents", moved)
	}
}

// defended: the core's logs (at debug level, with a bank outage in the
// middle) hold no voice PIN (said alone, in a sentence, as an amount),
// no access token (even one said aloud) and no full account number (asked
// for, or said as a payee).
func TestReview13LogsHoldNoPINTokenOrAccountNumber(t *testing.T) {
	var buf strings.Builder
	var mu sync.Mutex
	down := false
	e := newEnvWith(t, func(cfg *skill.Config) {
		cfg.Bank = flakyBank{cfg.Auth.(*sandbox.Bank), &down}
		cfg.Log = slog.New(skill.LogHandler(slog.NewJSONHandler(lockedWriter{&buf, &mu}, &slog.HandlerOptions{Level: slog.LevelDebug})))
	})
	pin := e.bank.PIN("carol")
	for i, c := range [][]string{
		{"send tom nguyen 20 dollars from checking", "yes", wrongPIN(e, "carol"), "PIN"},
		{"what's my checking account number", "PIN", "send 20 dollars to account 3994575512", "my pin is " + pin},
		{"my token is " + e.bank.Token("carol"), "pay " + pin + " dollars to tom"},
		{"what is a routing number", "what does apr mean"},
	} {
		r7talk(t, e, "carol", "en-US", fmt.Sprintf("r13-log-%d", i), c...)
	}
	down = true
	r7talk(t, e, "carol", "en-US", "r13-log-down", "send tom nguyen 20 dollars from checking", "what's my balance", "my pin is "+pin)
	mu.Lock()
	defer mu.Unlock()
	out := buf.String()
	if !strings.Contains(out, "bank unavailable") {
		t.Fatalf("setup: no outage logged: %s", out)
	}
	for _, secret := range []string{pin, strings.Join(strings.Split(pin, ""), " "), e.bank.Token("carol"), "3994575512", "5041862048"} {
		// Digits count only standing alone: a duration such as
		// "dur":0.0066960 holds a PIN's digits by chance (the test failed
		// on that once).
		re := regexp.MustCompile(`(^|[^0-9.])` + regexp.QuoteMeta(secret) + `($|[^0-9])`)
		for _, line := range strings.Split(out, "\n") {
			if re.MatchString(line) {
				t.Errorf("the log holds %q: %s", secret, line)
			}
		}
	}
}

// finding (high, another customer's question answered with an action):
// takeSuggestion (converse.go) runs before anyone is authenticated: a
// "Do you want to lock a card?" asked of Carol (from her unsure "the
// waiter almost took my debit card lock it no wait he gave it back") is
// taken as LockCard with her slots when a turn with Alice's token says
// "yes"; authenticate then clears the state of the other owner, but the
// turn's intent is already set, and Alice's debit card ending in 1187 is
// locked on a question she never heard. Promise: a user can never move
// (or lock) another user's things; nothing is acted on from a guess.
func TestReview13SuggestionNeverCrossesCustomers(t *testing.T) {
	e := newEnv(t, nil, 0)
	// (was "the waiter almost took my debit card lock it no wait he gave
	// it back", which a retraction now answers without a question)
	q := r13as(e, "carol", "r13-sug", "my husband keeps telling me to lock my debit card").Speech
	if !strings.Contains(q, "Do you want to lock a card?") {
		t.Fatalf("setup: %q", q)
	}
	got := r13as(e, "alice", "r13-sug", "yes").Speech
	if r13locked(t, e, "alice") {
		t.Errorf("carol's suggestion locked alice's card: %q", got)
	}
}

// defended: a PIN said in the same breath as an unlock ("unlock my debit
// card 6 6 9 6", "6 6 9 6 unlock my debit card", "my pin is …, unlock
// the debit card") or said before the unlock is asked for never unlocks
// the card: the PIN is asked for, then.
func TestReview13EarlyPINNeverUnlocks(t *testing.T) {
	for _, turns := range [][]string{
		{"lock my debit card", "unlock my debit card PIN"},
		{"lock my debit card", "PIN unlock my debit card"},
		{"lock my debit card", "unlock my debit card, my pin is PIN"},
		{"lock my debit card", "my pin is PIN, unlock the debit card"},
		{"lock my debit card", "PIN", "unlock it"},
	} {
		t.Run(strings.Join(turns, " / "), func(t *testing.T) {
			e := newEnv(t, nil, 0)
			out := r12voice(t, e, "carol", "en-US", "r13-early-unlock", turns...)
			if !r13locked(t, e, "carol") {
				t.Errorf("an early PIN unlocked the card: %q", out)
			}
		})
	}
}

// finding (medium, the recipient taken back or excluded is the one read
// back): review 10's "… to alice meyer from checking, no wait, to tom"
// is fixed, but the other orders are not: "send alice meyer, no, tom
// nguyen 20 dollars" reads back "$20.00 to Alice Meyer"; "pay the water
// bill, no, the power bill" reads back Seattle Public Utilities (the
// water bill); "pay spectrum, not seattle city light" reads back "$71.30
// to Seattle City Light", the biller named not to be paid. A yes and the
// PIN pay it. Promise: nothing is acted on from a guess, least of all the
// recipient that was refused.
func TestReview13RecipientTakenBackIsNotReadBack(t *testing.T) {
	for _, c := range []struct{ text, wrong string }{
		{"send alice meyer, no, tom nguyen 20 dollars from checking", "Alice Meyer"},
		{"pay the water bill, no, the power bill, from checking", "Seattle Public Utilities"},
		{"pay spectrum, not seattle city light, from checking", "Seattle City Light"},
	} {
		t.Run(c.text, func(t *testing.T) {
			e := newEnv(t, nil, 0)
			out := r7talk(t, e, "carol", "en-US", "r13-back", c.text)
			if strings.Contains(out[0], c.wrong) {
				t.Errorf("read back %s, taken back or excluded: %q", c.wrong, out[0])
			}
		})
	}
}

// finding (low, a full account number spoken aloud): on a channel that is
// spoken and private at once (a phone assistant: Voice, Text and Private,
// as Channel's comment describes it), "what's my checking account
// number" and the PIN put the full number in the speech ("Premier
// Checking account number: 3994575512, …"), which is read out loud
// wherever the phone is; the card (the screen only the user sees) is the
// place for it. A voice channel without Text gets only the last four
// digits. Promise: account numbers are never said aloud in full.
func TestReview13FullAccountNumberIsNeverSpoken(t *testing.T) {
	e := newEnv(t, nil, 0)
	say := func(text string) *skill.Response {
		return e.sk.Handle(context.Background(), &skill.Request{Platform: "test", UserID: "u-carol", SessionID: "r13-acct", RequestID: fmt.Sprintf("r13-acct-%d", reqSeq.Add(1)),
			Locale: "en-US", Text: text, AccessToken: e.bank.Token("carol"), Channel: skill.Channel{Voice: true, Text: true, Private: true, Screen: true}})
	}
	say("what's my checking account number")
	r := say(spoken(e, "carol"))
	if strings.Contains(r.Speech, "3994575512") || strings.Contains(r.Reprompt, "3994575512") {
		t.Errorf("the full account number is spoken: %q", r.Speech)
	}
}

// finding (medium-low, data kept after "delete my data"): Carol uses
// Konto from two assistants (here "chat" and "test"). "delete my data"
// and "yes" on one answers "I've unlinked your bank and deleted what I
// stored about you", but DeleteUser deletes only that platform user's
// rows: the other assistant's link (her bank customer id, the token's
// hash) and its session (the last answer: her five latest transactions)
// stay in the store. The token is revoked at the bank, so nothing is
// served from them, but they are kept about her. Promise: deleting one's
// data deletes what Konto stores about the person.
func TestReview13DeleteMyDataLeavesOtherLinks(t *testing.T) {
	e := newEnv(t, nil, 0)
	chat := func(text string) string {
		return e.sk.Handle(context.Background(), &skill.Request{Platform: "chat", UserID: "chat:carol", SessionID: "r13-chat", RequestID: fmt.Sprintf("r13-chat-%d", reqSeq.Add(1)),
			Locale: "en-US", Text: text, AccessToken: e.bank.Token("carol"), Channel: skill.Channel{Text: true, Private: true}}).Speech
	}
	chat("what's my balance")
	if l := chat("show me my recent transactions"); !strings.Contains(l, "Costco") {
		t.Fatalf("setup: %q", l)
	}
	e.turnAs("carol", "r13-erase", "delete my data")
	if got := e.turnAs("carol", "r13-erase", "yes").Speech; !strings.Contains(got, "deleted what I stored about you") {
		t.Fatalf("setup: %q", got)
	}
	db, err := sql.Open("sqlite", filepath.Join(e.dir, "konto.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, q := range []string{"SELECT count(*) FROM links WHERE customer = 'carol'", "SELECT count(*) FROM sessions WHERE CAST(state AS TEXT) LIKE '%Costco%'"} {
		var n int
		if err := db.QueryRow(q).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n > 0 {
			t.Errorf("%s: %d after \"delete my data\"", q, n)
		}
	}
}

// finding (high, an irreversible action done on a yes that changed or took
// it back): at the read-backs of the actions that cannot be undone by
// voice, a yes with a correction or a retraction after it is a plain yes:
// "I'll block your credit card ending in 3381 for good …" → "yes the
// other one" → the PIN blocks the credit card for good (the other one is
// the debit card); "Freezing your Goal Savings …" → "yes, i mean
// checking" → the PIN freezes the savings (lifting it needs a call);
// "Shall I unlink your bank and delete your data?" → "yes, just kidding"
// deletes everything at once. Review 2/3/4/10 made "yes, but …", "yes,
// no wait" and a yes with another payee, date or amount no plain yes at a
// payment's read-back; these read-backs still take any leading yes.
// Promise: nothing is acted on from a guess.
func TestReview13YesWithChangeAtIrreversibleReadBack(t *testing.T) {
	ctx := context.Background()
	t.Run("lost card: yes the other one", func(t *testing.T) {
		e := newEnv(t, nil, 0)
		out := r12voice(t, e, "carol", "en-US", "r13-irr-lost", "i lost my credit card", "yes the other one", "PIN")
		if !strings.Contains(out[0], "credit card ending in 3381 for good") {
			t.Fatalf("setup: %q", out)
		}
		u, _ := e.bank.Authenticate(ctx, e.bank.Token("carol"))
		cards, _ := e.bank.Cards(ctx, u)
		for _, c := range cards {
			if c.LastFour == "3381" && c.Locked {
				t.Errorf("the credit card was blocked for good after \"yes the other one\": %q", out)
			}
		}
	})
	t.Run("freeze: yes, i mean checking", func(t *testing.T) {
		e := newEnv(t, nil, 0)
		out := r12voice(t, e, "carol", "en-US", "r13-irr-freeze", "freeze my savings account", "yes, i mean checking", "PIN")
		if !strings.Contains(out[0], "Goal Savings") {
			t.Fatalf("setup: %q", out)
		}
		u, _ := e.bank.Authenticate(ctx, e.bank.Token("carol"))
		if st, err := e.bank.Status(ctx, u, "carol-savings"); err != nil || st.Status == "frozen" {
			t.Errorf("the savings were frozen after \"yes, i mean checking\" (%v): %q", err, out)
		}
	})
	t.Run("delete my data: yes, just kidding", func(t *testing.T) {
		e := newEnv(t, nil, 0)
		out := r12voice(t, e, "carol", "en-US", "r13-irr-erase", "delete my data", "yes, just kidding")
		if r := e.turnAs("carol", "r13-irr-erase-2", "what's my balance"); r.LinkAccount || strings.Contains(out[1], "deleted what I stored") {
			t.Errorf("\"yes, just kidding\" deleted the data: %q", out)
		}
	})
}
