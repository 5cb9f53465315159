package skill_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/kontoskill/konto/banks"
	"github.com/kontoskill/konto/banks/sandbox"
	"github.com/kontoskill/konto/intents"
	"github.com/kontoskill/konto/skill"
)

// Review 14 (attacker). Each test names the attack; "finding" tests
// failed while the hole was open, "defended" tests pin an attack that is
// held.

// r14 sends one platform-resolved turn (intent and slots, no text) as a
// customer in a session.
func r14(e *env, cust, sess, intent string, slots intents.Slots) *skill.Response {
	return e.sk.Handle(context.Background(), &skill.Request{Platform: "test", UserID: "u-" + cust, SessionID: sess,
		RequestID: fmt.Sprintf("%s-%d", sess, reqSeq.Add(1)), Locale: "en-US", Intent: intent, Slots: slots,
		Confidence: 1, AccessToken: e.bank.Token(cust)})
}

// r14shared sends one typed turn with a given request id on a platform
// user shared by several customers (cust "" sends no token).
func r14shared(e *env, cust, rid, text string) *skill.Response {
	tok := ""
	if cust != "" {
		tok = e.bank.Token(cust)
	}
	return e.sk.Handle(context.Background(), &skill.Request{Platform: "test", UserID: "u-shared14", SessionID: "r14-shared",
		RequestID: rid, Locale: "en-US", Text: text, AccessToken: tok})
}

// finding (high, another customer's money answer leaked): the answer
// stored for replay protection was handed to any request with the same
// request id from the same platform user, whoever it authenticated as:
// a request with Alice's token, or with no token at all, replaying the
// id of Carol's confirmed payment heard "Done. I sent $20.00 to Tom
// Nguyen. Your Premier Checking now has $15,426.03 …". Promise: a turn
// with another customer's token (or none) starts from nothing; a user
// never sees another user's money.
func TestReview14ReplayedRequestIDNeverHandsAnotherCustomersAnswer(t *testing.T) {
	e := newEnv(t, nil, 0)
	r14shared(e, "carol", "r14-rid-1", "send tom nguyen 20 dollars from checking")
	r14shared(e, "carol", "r14-rid-2", "yes")
	first := r14shared(e, "carol", "r14-rid-3", spoken(e, "carol")).Speech
	if !done(first) {
		t.Fatalf("setup: %q", first)
	}
	// Carol's own retry still gets her first answer.
	if again := r14shared(e, "carol", "r14-rid-3", spoken(e, "carol")).Speech; again != first {
		t.Fatalf("carol's retry: %q, want %q", again, first)
	}
	before := balanceOf(t, e, "carol-checking")
	for _, who := range []string{"alice", ""} {
		got := r14shared(e, who, "r14-rid-3", spoken(e, "carol")).Speech
		if strings.Contains(got, "Tom Nguyen") || strings.Contains(got, "15,") || done(got) {
			t.Errorf("a replay as %q heard carol's answer: %q", who, got)
		}
	}
	if moved := before - balanceOf(t, e, "carol-checking"); moved != 0 {
		t.Errorf("replays moved %d cents", moved)
	}
}

// finding (medium, a sign dropped): "minus 20 dollars", "-20 dollars",
// "negative 20 dollars", "minus 20 Euro" were read back as a payment of
// $20.00 (20,00 €) to the payee, one yes and a PIN from being paid. A
// negative amount is no amount to send: it gets a clear refusal and no
// dialog waits on it. Promise: odd amounts get a clear answer and write
// no half state.
func TestReview14NegativeAmountIsRefused(t *testing.T) {
	e := newEnv(t, nil, 0)
	before := balanceOf(t, e, "carol-checking")
	for i, c := range []struct{ cust, locale, text string }{
		{"carol", "en-US", "send tom nguyen minus 20 dollars from checking"},
		{"carol", "en-US", "send tom nguyen -20 dollars from checking"},
		{"carol", "en-US", "send tom nguyen negative 20 dollars from checking"},
		{"carol", "en-US", "send -$20 to tom nguyen from checking"},
		{"carol", "en-US", "pay minus fifty dollars to tom nguyen from checking"},
		{"lena", "de-DE", "überweise minus 20 euro an sophie wagner vom girokonto"},
	} {
		sess := fmt.Sprintf("r14-neg-%d", i)
		got := r7talk(t, e, c.cust, c.locale, sess, c.text, "yes", "PIN")
		if strings.Contains(got[0], "20.00") || strings.Contains(got[0], "50.00") || strings.Contains(got[0], "20,00") ||
			!(strings.Contains(got[0], "doesn't work") || strings.Contains(got[0], "geht für eine Zahlung nicht")) {
			t.Errorf("%q: %q; want the amount refused", c.text, got[0])
		}
		for _, g := range got[1:] {
			if done(g) || strings.Contains(g, "Überwiesen") || strings.Contains(g, "überwiesen") {
				t.Errorf("%q: later turn paid: %q", c.text, g)
			}
		}
	}
	// Said as a correction at the read-back or the PIN prompt.
	for i, turns := range [][]string{
		{"send tom nguyen 20 dollars from checking", "no, make it minus 20 dollars", "yes", "PIN"},
		{"send tom nguyen 20 dollars from checking", "yes", "no wait, make it -20 dollars", "yes", "PIN"},
	} {
		got := r7talk(t, e, "carol", "en-US", fmt.Sprintf("r14-negfix-%d", i), turns...)
		for _, g := range got[1:] {
			if done(g) {
				t.Errorf("%q: paid: %q", turns, got)
			}
		}
	}
	if moved := before - balanceOf(t, e, "carol-checking"); moved != 0 {
		t.Errorf("negative amounts moved %d cents", moved)
	}
}

// finding (medium, a hundredfold amount): in German a dot is the
// thousands separator, and readDecimal dropped every dot unchecked:
// "überweise 20.50 euro an Sophie Wagner" (the English way of writing
// it, common in typed chat) was read back as 2.050,00 €, "20.5 euro" as
// 205,00 €. A dot that groups no thousands is no German number; the
// amount is asked instead of guessed a hundredfold.
func TestReview14GermanDotDecimalIsNoHundredfold(t *testing.T) {
	e := newEnv(t, nil, 0)
	for i, text := range []string{
		"überweise 20.50 euro an sophie wagner vom girokonto",
		"überweise 20.5 euro an sophie wagner vom girokonto",
		"überweise 1.5 euro an sophie wagner vom girokonto",
	} {
		got := r7talk(t, e, "lena", "de-DE", fmt.Sprintf("r14-dedot-%d", i), text)[0]
		for _, wrong := range []string{"2.050,00", "205,00", "15,00"} {
			if strings.Contains(got, wrong) {
				t.Errorf("%q read back as %s: %q", text, wrong, got)
			}
		}
	}
	// Real thousands still are thousands.
	if got := r7talk(t, e, "lena", "de-DE", "r14-dedot-k", "überweise 1.000 euro an sophie wagner vom girokonto")[0]; !strings.Contains(got, "1.000,00") {
		t.Errorf("1.000 euro: %q", got)
	}
}

// defended: platform-resolved slots of odd value or type (a negative, a
// fraction of a cent, another currency, zero, a huge amount, exponent
// notation, an empty value, a string or a number where an Amount
// belongs, a PIN that is a number) get a clear answer, and the yes and
// the PIN said after them move nothing.
func TestReview14PlatformSlotsOfOddValueMoveNothing(t *testing.T) {
	e := newEnv(t, nil, 0)
	before := balanceOf(t, e, "carol-checking")
	pin := e.bank.PIN("carol")
	for i, amt := range []any{
		intents.Amount{Value: "-20.00", Currency: "USD"},
		intents.Amount{Value: "20.999", Currency: "USD"},
		intents.Amount{Value: "20.00", Currency: "EUR"},
		intents.Amount{Value: "0.00", Currency: "USD"},
		intents.Amount{Value: "99999999999999.99", Currency: "USD"},
		intents.Amount{Value: "1e3", Currency: "USD"},
		intents.Amount{Value: "", Currency: ""},
		intents.Amount{Value: "20.00", Currency: ""},
		intents.Amount{Value: "٢٠", Currency: "USD"},
		"20", 20, 20.5, []any{1},
	} {
		sess := fmt.Sprintf("r14-slot-%d", i)
		r := r14(e, "carol", sess, intents.TransferMoney, intents.Slots{intents.SlotPayee: "tom nguyen", intents.SlotAmount: amt, intents.SlotFromAccount: "checking"})
		if strings.TrimSpace(r.Speech) == "" || strings.Contains(r.Speech, "Shall I go ahead") {
			t.Errorf("%#v: %q", amt, r.Speech)
		}
		for _, next := range []*skill.Response{
			r14(e, "carol", sess, intents.Yes, nil),
			r14(e, "carol", sess, intents.ProvidePin, intents.Slots{intents.SlotPin: pin}),
		} {
			if done(next.Speech) {
				t.Errorf("%#v: paid: %q", amt, next.Speech)
			}
		}
	}
	for i, p := range []any{6696, []any{"6", "6", "9", "6"}, nil} {
		sess := fmt.Sprintf("r14-pin-%d", i)
		atPIN(t, e, sess, "send tom nguyen 20 dollars from checking")
		if r := r14(e, "carol", sess, intents.ProvidePin, intents.Slots{intents.SlotPin: p}); done(r.Speech) {
			t.Errorf("pin %#v paid: %q", p, r.Speech)
		}
	}
	if moved := before - balanceOf(t, e, "carol-checking"); moved != 0 {
		t.Errorf("odd slots moved %d cents", moved)
	}
}

// defended: at the PIN prompt a platform-resolved PIN turn that also
// carries other slots (an amount of $900, another payee) pays what was
// read back or nothing, never the slots that came with the PIN.
func TestReview14SlotsWithThePINAreNotPaid(t *testing.T) {
	e := newEnv(t, nil, 0)
	atPIN(t, e, "r14-pinslots", "send tom nguyen 20 dollars from checking")
	before := balanceOf(t, e, "carol-checking")
	r := r14(e, "carol", "r14-pinslots", intents.ProvidePin, intents.Slots{intents.SlotPin: e.bank.PIN("carol"),
		intents.SlotAmount: intents.Amount{Value: "900.00", Currency: "USD"}, intents.SlotPayee: "alice"})
	if moved := before - balanceOf(t, e, "carol-checking"); moved != 0 && moved != 2000 {
		t.Errorf("moved %d cents: %q", moved, r.Speech)
	}
	if strings.Contains(r.Speech, "900") || strings.Contains(r.Speech, "Alice") {
		t.Errorf("%q", r.Speech)
	}
}

// defended: the same PIN answer sent six times at once without any
// request id (a platform that sends none, a client retrying in a loop)
// pays once: the dialog's idempotency key holds where no claim can.
func TestReview14ParallelConfirmationsWithoutRequestIDPayOnce(t *testing.T) {
	e := newEnv(t, nil, 0)
	atPIN(t, e, "r14-par", "send tom nguyen 21 dollars from checking")
	before := balanceOf(t, e, "carol-checking")
	var wg sync.WaitGroup
	for range 6 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			e.sk.Handle(context.Background(), &skill.Request{Platform: "test", UserID: "u-carol", SessionID: "r14-par", Locale: "en-US",
				Intent: intents.ProvidePin, Slots: intents.Slots{intents.SlotPin: e.bank.PIN("carol")}, AccessToken: e.bank.Token("carol")})
		}()
	}
	wg.Wait()
	if moved := before - balanceOf(t, e, "carol-checking"); moved != 2100 {
		t.Errorf("six parallel PIN answers moved %d cents, want 2100", moved)
	}
	n := 0
	for _, a := range auditOf(t, e, "transfer") {
		if a.Outcome == "done" {
			n++
		}
	}
	if n != 1 {
		t.Errorf("%d transfers audited as done, want 1", n)
	}
}

// finding (medium, value moved under a read-only consent): a link that
// allows only "See your balances and transactions" redeemed the card's
// rewards: "Done. $125.28 has been credited to your Travel Rewards
// Card." Turning points into a statement credit moves value at the bank
// and cannot be taken back by voice; it needs the payments scope like a
// payment. Promise: a link without payments moves nothing.
func TestReview14RewardsNeedThePaymentsScope(t *testing.T) {
	e := newEnvWith(t, func(cfg *skill.Config) { cfg.Auth = scoped{cfg.Auth.(*sandbox.Bank), []string{"accounts"}} })
	got := r7talk(t, e, "carol", "en-US", "r14-rw", "redeem my rewards", "yes", "PIN")
	for _, g := range got {
		if strings.Contains(g, "credited") {
			t.Errorf("redeemed without the payments scope: %q", got)
		}
	}
	if !strings.HasPrefix(got[0], "You haven't allowed me to move money") {
		t.Errorf("%q; want the payments scope asked for", got[0])
	}
	// With payments allowed it still works.
	e = newEnvWith(t, func(cfg *skill.Config) { cfg.Auth = scoped{cfg.Auth.(*sandbox.Bank), []string{"accounts", "payments"}} })
	if got := r7talk(t, e, "carol", "en-US", "r14-rw2", "redeem my rewards", "yes"); !strings.Contains(got[1], "credited") {
		t.Errorf("with the payments scope: %q", got)
	}
}

// finding (medium, a payment on a day never said): the day of a payment
// was misread into another one that the read-back states as if it were
// what the user said: "yesterday" (and "gestern") was dropped, so the
// payment was read back for now; "last friday" was the coming Friday;
// "february 30" became March 2nd, 2027; the year in "december 31 2099"
// was dropped (December 31st this year); a platform's date slot that is
// no date ("2026-02-30", "soon", a number) was a payment now. A day in
// the past, one that does not exist, or one that cannot be read gets a
// clear sentence, and nothing waits for a yes.
func TestReview14PaymentDayIsNeverAnotherDay(t *testing.T) {
	e := newEnv(t, nil, 0)
	before := balanceOf(t, e, "carol-checking")
	for i, c := range []struct{ cust, locale, text string }{
		{"carol", "en-US", "send tom nguyen 20 dollars from checking yesterday"},
		{"carol", "en-US", "send tom nguyen 20 dollars from checking last friday"},
		{"carol", "en-US", "send tom nguyen 20 dollars from checking on february 30"},
		{"carol", "en-US", "send tom nguyen 20 dollars from checking on december 31 2099"},
		{"lena", "de-DE", "überweise 20 euro an sophie wagner vom girokonto gestern"},
		{"lena", "de-DE", "überweise 20 euro an sophie wagner vom girokonto letzten freitag"},
		{"lena", "de-DE", "überweise 20 euro an sophie wagner vom girokonto am 30. februar"},
	} {
		got := r7talk(t, e, c.cust, c.locale, fmt.Sprintf("r14-day-%d", i), c.text, "yes", "PIN")
		if strings.Contains(got[0], "Shall I go ahead") || strings.Contains(got[0], "Soll ich das ausführen") {
			t.Errorf("%q read back: %q", c.text, got[0])
		}
		for _, g := range got[1:] {
			if done(g) || strings.Contains(g, "überwiesen") {
				t.Errorf("%q paid: %q", c.text, g)
			}
		}
	}
	for i, d := range []any{"2026-02-30", "soon", "2026-13-01", 20261201} {
		sess := fmt.Sprintf("r14-dayslot-%d", i)
		r := r14(e, "carol", sess, intents.TransferMoney, intents.Slots{intents.SlotPayee: "tom nguyen", intents.SlotFromAccount: "checking",
			intents.SlotAmount: intents.Amount{Value: "20.00", Currency: "USD"}, intents.SlotDate: d})
		if strings.Contains(r.Speech, "Shall I go ahead") {
			t.Errorf("date slot %#v read back: %q", d, r.Speech)
		}
		r14(e, "carol", sess, intents.Yes, nil)
		r14(e, "carol", sess, intents.ProvidePin, intents.Slots{intents.SlotPin: e.bank.PIN("carol")})
	}
	if moved := before - balanceOf(t, e, "carol-checking"); moved != 0 {
		t.Errorf("misread days moved %d cents", moved)
	}
	// Days that are said plainly still work.
	for _, c := range []struct{ text, want string }{
		{"send tom nguyen 20 dollars from checking on friday", "on November 27th"},
		{"send tom nguyen 20 dollars from checking next friday", "on November 27th"},
		{"send tom nguyen 20 dollars from checking on december 5th", "on December 5th"},
		{"send tom nguyen 20 dollars from checking on january 5 2027", "on January 5th"},
		{"send tom nguyen 20 dollars from checking tomorrow", "on November 24th"},
		{"send tom nguyen on december 5 2000 dollars from checking", "$2,000.00"},
	} {
		if got := r7talk(t, e, "carol", "en-US", "r14-dayok", c.text, "no")[0]; !strings.Contains(got, c.want) {
			t.Errorf("%q: %q, want %q", c.text, got, c.want)
		}
	}
}

// finding (medium, another currency or a hundredfold amount read back as
// the user's): "€20" and "£20" from a USD account were read back as
// $20.00 (the symbol was dropped and the bare number taken in the
// locale's currency), where "20 eur" is refused; "150 cents" was
// $150.00; "a dollar fifty" was $50.00 and "einen Euro fünfzig" 50,00 €.
// An amount in another currency is refused as one; cents are cents.
func TestReview14CurrencySymbolsAndCentsAreRead(t *testing.T) {
	e := newEnv(t, nil, 0)
	for i, c := range []struct{ cust, locale, text, want string }{
		{"carol", "en-US", "send tom nguyen €20 from checking", "I can only send USD"},
		{"carol", "en-US", "send tom nguyen £20 from checking", "I can only send USD"},
		{"carol", "en-US", "send tom nguyen 20€ from checking", "I can only send USD"},
		{"lena", "de-DE", "überweise $20 an sophie wagner vom girokonto", "EUR"},
		{"carol", "en-US", "send tom nguyen 150 cents from checking", "$1.50"},
		{"carol", "en-US", "send tom nguyen a dollar fifty from checking", "$1.50"},
		{"lena", "de-DE", "überweise einen euro fünfzig an sophie wagner vom girokonto", "1,50"},
		{"carol", "en-US", "send tom nguyen $20 from checking", "$20.00"},
	} {
		got := r7talk(t, e, c.cust, c.locale, fmt.Sprintf("r14-cur-%d", i), c.text)[0]
		if !strings.Contains(got, c.want) {
			t.Errorf("%q: %q, want %q", c.text, got, c.want)
		}
	}
}

// defended: six parallel "yes" answers (distinct request ids) to the
// offer to redeem the rewards credit them once: the key made at the
// read-back is the bank's idempotency key for every copy (each copy
// hears the one credit's answer).
func TestReview14ParallelYesRedeemsOnce(t *testing.T) {
	e := newEnv(t, nil, 0)
	if got := e.turnAs("carol", "r14-rdm", "redeem my rewards").Speech; !strings.Contains(got, "Shall I redeem") {
		t.Fatalf("setup: %q", got)
	}
	cardBefore := balanceOf(t, e, "carol-credit_card")
	var wg sync.WaitGroup
	var mu sync.Mutex
	credited := 0
	for range 6 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if r := e.turnAs("carol", "r14-rdm", "yes"); strings.Contains(r.Speech, "credited") {
				mu.Lock()
				credited++
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	n := 0
	for _, a := range auditOf(t, e, "redeem_rewards") {
		if a.Outcome == "done" {
			n++
		}
	}
	if n != 1 {
		t.Errorf("%d redemptions audited as done (%d answers said credited), want 1", n, credited)
	}
	if moved := cardBefore - balanceOf(t, e, "carol-credit_card"); moved != 12528 && -moved != 12528 {
		t.Errorf("the card's balance moved %d cents (%d answers said credited), want 12528 once", moved, credited)
	}
}

// finding (medium, amounts said with a decimal point misread up to 75
// times over): "twelve point nine nine dollars" was read back as $909.00,
// "twenty point five dollars" as $5.00, "one point five thousand
// dollars" as $5,000.00, "two point five grand" as $2.00, "zwanzig
// komma fünf Euro" as 5,00 €. A spoken decimal point is read as one;
// more decimals than cents are refused.
func TestReview14SpokenDecimalPointIsRead(t *testing.T) {
	e := newEnv(t, nil, 0)
	for i, c := range []struct{ cust, locale, text, want string }{
		{"carol", "en-US", "send tom nguyen twelve point nine nine dollars from checking", "$12.99"},
		{"carol", "en-US", "send tom nguyen twenty point five dollars from checking", "$20.50"},
		{"carol", "en-US", "send tom nguyen one point five thousand dollars from checking", "$1,500.00"},
		{"carol", "en-US", "send tom nguyen two point five grand from checking", "$2,500.00"},
		{"carol", "en-US", "send tom nguyen twenty point nine nine nine dollars from checking", "doesn't work"},
		{"lena", "de-DE", "überweise zwanzig komma fünf euro an sophie wagner vom girokonto", "20,50"},
		{"lena", "de-DE", "überweise zwölf komma neun neun euro an sophie wagner vom girokonto", "12,99"},
	} {
		got := r7talk(t, e, c.cust, c.locale, fmt.Sprintf("r14-point-%d", i), c.text)[0]
		if !strings.Contains(got, c.want) {
			t.Errorf("%q: %q, want %q", c.text, got, c.want)
		}
	}
}

// txCounting counts the bank's transaction reads.
type txCounting struct {
	*sandbox.Bank
	n *atomic.Int64
}

func (b txCounting) Transactions(ctx context.Context, u banks.User, f banks.TxFilter) ([]banks.Transaction, error) {
	b.n.Add(1)
	return b.Bank.Transactions(ctx, u, f)
}

// finding (medium, data read beyond the consent): with the LLM
// recognizer on, every recognized turn first read three months of the
// customer's transactions at the bank (for the merchant names to redact),
// also for a link that allows payments only, never "See your balances
// and transactions". What a link does not allow is not read, on any
// path: without the accounts scope no transactions are read (merchant
// names are then not the customer's to know), payees still are.
func TestReview14RedactionReadsNoTransactionsWithoutTheAccountsScope(t *testing.T) {
	srv, bodies, mu := chatLLM(t, intents.TransferMoney)
	var n atomic.Int64
	e := newEnvWith(t, func(cfg *skill.Config) {
		sb := cfg.Auth.(*sandbox.Bank)
		cfg.Bank = txCounting{sb, &n}
		cfg.Auth = scoped{sb, []string{"payments"}}
		llm := intents.NewLLM(srv.URL+"/v1", "m", "k", rec)
		llm.AskBelow = 1.01 // every turn is asked
		cfg.Recognizer = llm
	})
	got := e.turnAs("carol", "r14-llm", "please wire my pal tom nguyen some money, twenty bucks").Speech
	if reads := n.Load(); reads != 0 {
		t.Errorf("%d transaction reads for a payments-only link (%q)", reads, got)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(*bodies) == 0 {
		t.Fatalf("setup: the LLM was not asked (%q)", got)
	}
	for _, b := range *bodies {
		if strings.Contains(strings.ToLower(b), "tom nguyen") || strings.Contains(b, "twenty") {
			t.Errorf("the LLM saw a payee or an amount: %s", b)
		}
	}
}

// finding (low, a fraction read as a whole): "1/2 dollar" was read back
// as $2.00 and "3/4 of 100 dollars" as $100.00: the slash fell away and
// a number of the fraction was taken. A fraction says no one amount; the
// amount is asked.
func TestReview14FractionIsNoAmount(t *testing.T) {
	e := newEnv(t, nil, 0)
	for i, text := range []string{
		"send tom nguyen 1/2 dollar from checking",
		"send tom nguyen 3/4 of 100 dollars from checking",
	} {
		got := r7talk(t, e, "carol", "en-US", fmt.Sprintf("r14-frac-%d", i), text)[0]
		if strings.Contains(got, "Shall I go ahead") {
			t.Errorf("%q read back: %q", text, got)
		}
	}
	// A date with slashes is no fraction of the amount.
	if got := r7talk(t, e, "carol", "en-US", "r14-frac-d", "send tom nguyen 20 dollars from checking")[0]; !strings.Contains(got, "$20.00") {
		t.Errorf("plain: %q", got)
	}
}

// finding (low, cents dropped): "20 dollars and 999 cents" and "20
// dollars and 150 cents" were read back as $20.00, the cents left out
// because they made a dollar or more. Cents are added as said.
func TestReview14CentsOverADollarAreAdded(t *testing.T) {
	e := newEnv(t, nil, 0)
	for i, c := range [][2]string{
		{"send tom nguyen 20 dollars and 150 cents from checking", "$21.50"},
		{"send tom nguyen 20 dollars and 999 cents from checking", "$29.99"},
		{"send tom nguyen 20 dollars and 50 cents from checking", "$20.50"},
	} {
		if got := r7talk(t, e, "carol", "en-US", fmt.Sprintf("r14-c-%d", i), c[0])[0]; !strings.Contains(got, c[1]) {
			t.Errorf("%q: %q, want %s", c[0], got, c[1])
		}
	}
}

// expiring is the sandbox's authenticator whose consent can run out.
type expiring struct {
	*sandbox.Bank
	over *atomic.Bool
}

func (a expiring) Authenticate(ctx context.Context, token string) (banks.User, error) {
	if a.over.Load() {
		return banks.User{}, banks.E("test.Authenticate", banks.ConsentExpired, nil)
	}
	return a.Bank.Authenticate(ctx, token)
}

// defended: a consent that runs out between the read-back and the PIN
// (or between the PIN and its retry) moves nothing and reads nothing:
// the PIN, a "yes", "say that again" and a balance all get the link
// sentence, and a retry of the PIN's request id after the consent ended
// does not hand back the payment's answer (held since the replay fix
// of TestReview14ReplayedRequestIDNeverHandsAnotherCustomersAnswer: a
// stored answer goes only to a turn that authenticates as its customer).
func TestReview14ConsentEndingMidDialogMovesNothing(t *testing.T) {
	var over atomic.Bool
	e := newEnvWith(t, func(cfg *skill.Config) { cfg.Auth = expiring{cfg.Auth.(*sandbox.Bank), &over} })
	atPIN(t, e, "r14-exp", "send tom nguyen 20 dollars from checking")
	before := balanceOf(t, e, "carol-checking")
	over.Store(true)
	for _, text := range []string{spoken(e, "carol"), "yes", "say that again", "what's my checking balance"} {
		got := e.turnAs("carol", "r14-exp", text).Speech
		if done(got) || strings.Contains(got, "Tom Nguyen") || strings.Contains(got, "$") {
			t.Errorf("%q after the consent ended: %q", text, got)
		}
	}
	if moved := before - balanceOf(t, e, "carol-checking"); moved != 0 {
		t.Errorf("moved %d cents after the consent ended", moved)
	}
	// A payment made, then its request id retried after the consent ended.
	over.Store(false)
	atPIN(t, e, "r14-exp2", "send tom nguyen 21 dollars from checking")
	req := &skill.Request{Platform: "test", UserID: "u-carol", SessionID: "r14-exp2", RequestID: "r14-exp2-pin", Locale: "en-US",
		Text: spoken(e, "carol"), AccessToken: e.bank.Token("carol")}
	if got := e.sk.Handle(context.Background(), req).Speech; !done(got) {
		t.Fatalf("setup: %q", got)
	}
	over.Store(true)
	retry := &skill.Request{Platform: "test", UserID: "u-carol", SessionID: "r14-exp2", RequestID: "r14-exp2-pin", Locale: "en-US",
		Text: spoken(e, "carol"), AccessToken: e.bank.Token("carol")}
	if got := e.sk.Handle(context.Background(), retry).Speech; strings.Contains(got, "Tom Nguyen") || strings.Contains(got, "$") {
		t.Errorf("a retry after the consent ended heard: %q", got)
	}
}

// Review 14's open finding, decided: a link that may only read changes
// nothing at the bank that does not protect the customer. Unlocking a
// card, ordering checks or a new card and asking for a higher limit need
// the payments scope; locking a card and reporting fraud need only a link.
func TestReview14ReadOnlyLinkChangesNothingButProtects(t *testing.T) {
	e := newEnvWith(t, func(cfg *skill.Config) { cfg.Auth = scoped{cfg.Auth.(*sandbox.Bank), []string{"accounts"}} })
	got := r7talk(t, e, "carol", "en-US", "r14-ro", "lock my debit card", "unlock my debit card", "yes", "PIN")
	if !strings.HasPrefix(got[0], "I've locked your debit card") {
		t.Errorf("lock with a read-only link: %q", got[0])
	}
	if !strings.HasPrefix(got[1], "You haven't allowed me to make changes at your bank") {
		t.Errorf("unlock with a read-only link: %q", got[1])
	}
	for _, g := range got[2:] {
		if strings.Contains(g, "unlocked") {
			t.Errorf("unlocked with a read-only link: %q", got)
		}
	}
	for i, ask := range []string{"order new checks", "please raise my credit limit", "send me a replacement debit card"} {
		if g := r7talk(t, e, "carol", "en-US", fmt.Sprintf("r14-ro%d", i), ask)[0]; !strings.HasPrefix(g, "You haven't allowed me to make changes") {
			t.Errorf("%q with a read-only link: %q", ask, g)
		}
	}
	e = newEnvWith(t, func(cfg *skill.Config) { cfg.Auth = scoped{cfg.Auth.(*sandbox.Bank), []string{"accounts", "payments"}} })
	if got := r7talk(t, e, "carol", "en-US", "r14-rw3", "lock my debit card", "unlock my debit card", "yes", "PIN"); !strings.Contains(strings.Join(got, " "), "unlocked") {
		t.Errorf("with the payments scope: %q", got)
	}
}
