package skill_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/kontoskill/konto/skill"
)

// Review 12 (attacker): c260370 itemFollowUp, f564e7f voice PIN per
// payment, 47ce27c "the other way round" / card choice / when do I get
// paid / can I afford / withdraws / faq theme, cc5da98 early PIN.

func r12voice(t *testing.T, e *env, customer, locale, sess string, turns ...string) []string {
	t.Helper()
	var out []string
	for _, text := range turns {
		text = strings.ReplaceAll(text, "PIN", spoken(e, customer))
		req := &skill.Request{Platform: "test", UserID: "u-" + customer, SessionID: sess, RequestID: fmt.Sprintf("%s-%d", sess, reqSeq.Add(1)),
			Locale: locale, Text: text, AccessToken: e.bank.Token(customer), Channel: skill.Channel{Voice: true}}
		out = append(out, e.sk.Handle(context.Background(), req).Speech)
	}
	return out
}

// finding (low-medium, a payment read back and PIN-asked from an account
// no money may leave): "no, the other way round" (47ce27c) swaps
// from/to without asking whether the new source can pay. After
// "transfer 100 dollars from checking to my credit card" it reads back
// "$100.00 to your Premier Checking from your Travel Rewards Card" and
// asks the PIN; only the sandbox bank's own check ("not_allowed") stops
// it. chooseFrom takes an explicit SlotFromAccount by kind and never
// checks sources() (checking/savings only); a bank adapter without that
// check would draw a cash advance on the card.
func TestReview12SwapToCreditCardSource(t *testing.T) {
	e := newEnv(t, nil, 0)
	out := r7talk(t, e, "carol", "en-US", "r12-swap", "transfer 100 dollars from checking to my credit card", "no, the other way round", "yes", "PIN")
	t.Logf("%q", out)
	for _, o := range out[1:] {
		if strings.Contains(strings.ToLower(o), "from your travel rewards") || strings.Contains(strings.ToLower(o), "from your credit card") {
			t.Errorf("the swap reads back a payment from the credit card: %q", out)
		}
	}
}

// guard (cc5da98): a PIN said before anything asks for it never pays.
func TestReview12EarlyPINNeverUsed(t *testing.T) {
	for _, turns := range [][]string{
		{"my pin is PIN", "send tom nguyen 20 dollars from checking", "yes"},
		{"my pin is PIN, send tom nguyen 20 dollars from checking", "yes"},
		{"PIN", "send tom nguyen 20 dollars from checking", "yes"},
		{"my pin is PIN and send tom nguyen 20 dollars", "from checking", "yes"},
	} {
		t.Run(strings.Join(turns, " / "), func(t *testing.T) {
			e := newEnv(t, nil, 0)
			before := balanceOf(t, e, "carol-checking")
			out := r7talk(t, e, "carol", "en-US", "r12-early", turns...)
			t.Logf("%q", out)
			if balanceOf(t, e, "carol-checking") != before {
				t.Errorf("a PIN said before anything asked for it paid on a bare yes: %q", out)
			}
		})
	}
}

// guard (cc5da98): the same in German ("meine PIN ist …, zahl bitte Vattenfall").
func TestReview12EarlyPINGerman(t *testing.T) {
	for _, turns := range [][]string{
		{"meine PIN ist PIN, zahl bitte Vattenfall vom Girokonto", "ja"},
		{"meine PIN ist PIN", "zahl bitte Vattenfall vom Girokonto", "ja"},
	} {
		t.Run(strings.Join(turns, " / "), func(t *testing.T) {
			e := newEnv(t, nil, 0)
			out := r7talk(t, e, "lena", "de-DE", "r12-early-de", turns...)
			t.Logf("%q", out)
			for _, o := range out {
				if done(o) {
					t.Errorf("paid with an early PIN: %q", out)
				}
			}
		})
	}
}

// guard (f564e7f): on a voice channel no payment goes on a bare yes after
// an earlier PIN (bill, card payment, own transfer, "do it again", a
// changed amount, a PIN given for an unlock).
func TestReview12VoiceEveryPayment(t *testing.T) {
	for _, turns := range [][]string{
		{"send tom nguyen 20 dollars from checking", "yes", "PIN", "send alice meyer 10 dollars from checking", "PIN", "pay spectrum internet from checking", "yes"},
		{"send tom nguyen 20 dollars from checking", "yes", "PIN", "pay my credit card 50 dollars from checking", "yes"},
		{"send tom nguyen 20 dollars from checking", "yes", "PIN", "transfer 50 dollars from checking to savings", "yes"},
		{"unlock my debit card", "PIN", "send tom nguyen 20 dollars from checking", "yes"},
		{"send tom nguyen 20 dollars from checking", "yes", "PIN", "do it again", "yes"},
		{"send tom nguyen 20 dollars from checking", "yes", "PIN", "send tom 30 dollars from checking", "no, 40 dollars", "yes"},
	} {
		t.Run(strings.Join(turns, " / "), func(t *testing.T) {
			e := newEnv(t, nil, 0)
			out := r12voice(t, e, "carol", "en-US", "r12-voice", turns...)
			t.Logf("%q", out)
			if last := out[len(out)-1]; done(last) {
				t.Errorf("voice payment without its own PIN: %q", out)
			}
		})
	}
}

// finding (high, another customer's transactions read out): the
// transactions kept for itemFollowUp (slotItems in the session's subject)
// are never tied to the customer they were read for. On one platform user
// and session, after Carol's "show me my recent transactions", a turn
// with Alice's token ("and the one before that", "how much was the costco
// one", "when was that") is answered from Carol's list: "$45.31 at Panera
// Bread on November 20th", "$28.87 at Costco on November 19th". A subject
// (and any list in it) must be dropped when the linked customer changes.
func TestReview12ItemFollowUpIsNeverAnotherCustomers(t *testing.T) {
	e := newEnv(t, nil, 0)
	say := func(cust, text string) string {
		return e.sk.Handle(context.Background(), &skill.Request{Platform: "test", UserID: "u-shared", SessionID: "r12-shared",
			RequestID: fmt.Sprintf("r12-shared-%d", reqSeq.Add(1)), Locale: "en-US", Text: text, AccessToken: e.bank.Token(cust)}).Speech
	}
	list := say("carol", "show me my recent transactions")
	if !strings.Contains(list, "$45.31 at Panera Bread") {
		t.Fatalf("setup: %q", list)
	}
	for _, q := range []string{"and the one before that", "how much was the costco one", "when was that"} {
		if got := say("alice", q); strings.Contains(got, "$45.31 at Panera Bread") || strings.Contains(got, "$28.87 at Costco") || strings.Contains(got, "November 19th") {
			t.Errorf("alice's %q was answered from carol's transactions: %q", q, got)
		}
	}
}

// finding (medium, pre-existing, outside the commits: money moved on a
// read-back of someone else's accounts): a dialog begun by Carol ("You
// want to send $100.00 to your Goal Savings from your Premier Checking")
// is confirmed by a turn with Alice's token on the same platform user and
// session; "yes" and Alice's PIN replan it for Alice and move $100.00
// from her Everyday Checking to her High Yield Savings, a payment never
// read back to her. A dialog must end when the linked customer changes.
func TestReview12DialogNeverCrossesCustomers(t *testing.T) {
	e := newEnv(t, nil, 0)
	say := func(cust, text string) string {
		text = strings.ReplaceAll(text, "PIN", spoken(e, cust))
		return e.sk.Handle(context.Background(), &skill.Request{Platform: "test", UserID: "u-shared", SessionID: "r12-shared2",
			RequestID: fmt.Sprintf("r12-shared-%d", reqSeq.Add(1)), Locale: "en-US", Text: text, AccessToken: e.bank.Token(cust)}).Speech
	}
	if rb := say("carol", "transfer 100 dollars from checking to savings"); !strings.Contains(rb, "Goal Savings") {
		t.Fatalf("setup: %q", rb)
	}
	out := []string{say("alice", "yes"), say("alice", "PIN")}
	for _, o := range out {
		if done(o) {
			t.Errorf("carol's read-back paid from alice's account: %q", out)
		}
	}
}

// finding (medium, a refused, quoted or asked-about lock done at once):
// declinedOrQuoted (cc5da98) only sees a refusal after "but"/"aber" and
// quotes with its exact verbs, and a lock has no read-back. "lock my
// debit card... actually no, forget it", "lock my credit card. on second
// thought, don't", "lock my debit card, nah never mind", "my wife said
// lock the debit card", "should i lock my debit card", "sperr meine
// girokarte, ach nee, lass mal", "sperr die kreditkarte, ne doch nicht",
// "meine frau meint, sperr die girokarte" all answer "I've locked your …".
func TestReview12DeclinedLockWithoutButLocksNothing(t *testing.T) {
	for _, c := range []struct{ cust, loc, text string }{
		{"carol", "en-US", "lock my debit card... actually no, forget it"},
		{"carol", "en-US", "lock my credit card. on second thought, don't"},
		{"carol", "en-US", "lock my debit card, nah never mind"},
		{"carol", "en-US", "lock my debit card, oh wait, i found it"},
		{"carol", "en-US", "my wife said lock the debit card"},
		{"carol", "en-US", "should i lock my debit card"},
		{"lena", "de-DE", "sperr meine girokarte, ach nee, lass mal"},
		{"lena", "de-DE", "sperr die kreditkarte, ne doch nicht"},
		{"lena", "de-DE", "meine frau meint, sperr die girokarte"},
	} {
		t.Run(c.text, func(t *testing.T) {
			e := newEnv(t, nil, 0)
			out := r7talk(t, e, c.cust, c.loc, "r12-decl", c.text)
			ctx := context.Background()
			u, _ := e.bank.Authenticate(ctx, e.bank.Token(c.cust))
			cards, err := e.bank.Cards(ctx, u)
			if err != nil {
				t.Fatal(err)
			}
			for _, cd := range cards {
				if cd.Locked {
					t.Errorf("card %s locked: %q", cd.LastFour, out[0])
				}
			}
		})
	}
}

// finding (low, a guess acted on): at "Which card?" for a lock, "not
// sure, maybe the debit" locks the debit card at once (a lock has no
// read-back); a hedged pick must be asked about, not done.
func TestReview12HedgedCardChoiceLocksNothing(t *testing.T) {
	e := newEnv(t, nil, 0)
	out := r7talk(t, e, "carol", "en-US", "r12-hedge", "lock my card", "not sure, maybe the debit")
	if strings.Contains(out[1], "I've locked") {
		t.Errorf("a hedged card pick locked a card: %q", out)
	}
}
