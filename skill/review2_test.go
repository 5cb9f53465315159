package skill_test

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kontoskill/konto/banks"
	"github.com/kontoskill/konto/banks/sandbox"
	"github.com/kontoskill/konto/fixtures"
	"github.com/kontoskill/konto/intents"
	"github.com/kontoskill/konto/skill"
	"github.com/kontoskill/konto/skill/skilltest"
)

// Review 2 (security): reproductions of holes found in the day's changes.
// Each test fails while its hole is open.

// R2-1: "does my debit card still work" is answered by cardQuestion
// (context.go) before the mux, so requireLink's scope check never runs: a
// link without the accounts scope hears the card's status.
func TestReview2CardQuestionNeedsAccountsScope(t *testing.T) {
	e := newEnvWith(t, func(cfg *skill.Config) { cfg.Auth = scoped{cfg.Auth.(*sandbox.Bank), []string{"payments"}} })
	r := e.turnAs("alice", "r2-card", "does my debit card still work")
	if strings.Contains(r.Speech, "ending in") || strings.Contains(r.Speech, "works") || strings.Contains(r.Speech, "locked") {
		t.Errorf("card status without the accounts scope: %q", r.Speech)
	}
}

// R2-2: a link that allows payments but not accounts ("see balances and
// transactions") hears an account's balance in a refused transfer ("…
// has $X available") and after a payment ("… now has $X").
func TestReview2PaymentsScopeDoesNotReadBalances(t *testing.T) {
	e := newEnvWith(t, func(cfg *skill.Config) { cfg.Auth = scoped{cfg.Auth.(*sandbox.Bank), []string{"payments"}} })
	e.turnAs("carol", "r2-pay", "send tom nguyen 40 dollars from checking")
	e.turnAs("carol", "r2-pay", "yes")
	r := e.pinAs("carol", "r2-pay", e.bank.PIN("carol"))
	if !strings.HasPrefix(r.Speech, "Done.") {
		t.Fatalf("the payment: %q", r.Speech)
	}
	if strings.Contains(r.Speech, "available") || strings.Contains(r.Speech, "now has") {
		t.Errorf("a balance without the accounts scope: %q", r.Speech)
	}
}

// R2-4: at a read-back, yesNoOf (converse.go) takes any utterance that
// starts with a yes word for a yes: "okay, wait" or "yes but send it to
// Mary instead" confirm the transfer read back. With the PIN given a
// minute ago (pinFresh), the money moves at once.
func TestReview2HesitationIsNoYes(t *testing.T) {
	for _, text := range []string{"okay wait", "okay hold on", "yes wait a second", "right hang on", "yes but send it to mary instead", "sure but not from checking"} {
		t.Run(text, func(t *testing.T) {
			e := newEnv(t, nil, 0)
			sess := "r2-yes"
			e.turnAs("carol", sess, "send tom nguyen 10 dollars from checking")
			e.turnAs("carol", sess, "yes")
			if r := e.pinAs("carol", sess, e.bank.PIN("carol")); !strings.HasPrefix(r.Speech, "Done.") {
				t.Fatalf("the first payment: %q", r.Speech)
			}
			if r := e.turnAs("carol", sess, "send tom nguyen 20 dollars from checking"); !strings.Contains(r.Speech, "Shall I") {
				t.Fatalf("the read-back: %q", r.Speech)
			}
			if r := e.turnAs("carol", sess, text); strings.HasPrefix(r.Speech, "Done.") {
				t.Errorf("%q confirmed the transfer: %q", text, r.Speech)
			}
		})
	}
}

// strictUK is UK Bank with a bank partner's voice limit of 100.00 a
// payment and 150.00 a day (its own product sheet).
type strictUK struct{ ukSandbox }

func (u strictUK) ProductSheet(ctx context.Context, locale string) (banks.ProductSheet, error) {
	sh, err := u.b.ProductSheet(ctx, "en-GB")
	sh.PerTransferLimit, sh.PerDayLimit = "100.00", "150.00"
	return sh, err
}

// withOliverPIN hands over the sandbox's demo voice PINs, as the
// sandbox's own authenticator does.
type withOliverPIN struct{ withOliver }

func (w withOliverPIN) PIN(customer string) string { return w.b.PIN(customer) }

// R2-5: for a person with two banks, the voice limits of the identity's
// bank (Skill.sheet → Router.ProductSheetFor, the identity's sheet)
// decide payments at the other bank too, and are read in the payment's
// currency: UK Bank's own limits (£100 a payment, £150 a day) do not hold
// for its account, and $2,500 / $5,000 become £2,500 / £5,000. The day's
// limit still does not (dayLimit, and the limit ReserveOp is given, read
// the identity's sheet).
func TestReview2FurtherBankKeepsItsOwnLimits(t *testing.T) {
	uk, err := sandbox.Open(filepath.Join(t.TempDir(), "uk.db"), []byte("uk-secret-0123456789"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { uk.Close() })
	d, err := sandbox.LoadData(fixtures.FS())
	if err != nil {
		t.Fatal(err)
	}
	if err := uk.Seed(context.Background(), d, sandbox.SeedOptions{Now: now}); err != nil {
		t.Fatal(err)
	}
	if err := rec.Warm(); err != nil {
		t.Fatal(err)
	}
	var home *sandbox.Bank
	se := skilltest.NewEnv(t, skilltest.WithNow(now), skilltest.WithRecognizer(rec),
		skilltest.WithBank(func(sb *sandbox.Bank) banks.Connector {
			home = sb
			r := banks.NewRouter()
			r.Add(sandbox.Name, sb)
			r.Add("ukbank", strictUK{ukSandbox{uk}})
			r.SetName(sandbox.Name, "Konto Sandbox Bank")
			r.SetName("ukbank", "UK Bank")
			return r
		}),
		skilltest.WithConfig(func(c *skill.Config) { c.Auth = withOliverPIN{withOliver{home}} }))
	e := &env{dir: se.Dir, bank: se.Bank, store: se.Store, sk: se.Skill}
	e.asAlice("r2-lim", "send 500 pounds to emily bennett")
	r := e.asAlice("r2-lim", "the current account")
	if !strings.HasPrefix(r.Speech, "That's over the limit") {
		t.Errorf("£500 from UK Bank (its limit £100 a payment): %q", r.Speech)
	}
	// The day's limit too: £90 and then £90 more is over UK Bank's £150.
	for i, sess := range []string{"r2-day-1", "r2-day-2"} {
		e.asAlice(sess, "send 90 pounds to emily bennett")
		r = e.asAlice(sess, "the current account")
		if i == 1 {
			if !strings.Contains(r.Speech, "daily voice limit") {
				t.Errorf("£180 in a day from UK Bank (its limit £150 a day): %q", r.Speech)
			}
			break
		}
		e.asAlice(sess, "yes")
		r = e.sk.Handle(context.Background(), &skill.Request{Platform: "test", UserID: "u-alice", SessionID: sess, Locale: "en-US",
			Intent: intents.ProvidePin, Slots: intents.Slots{intents.SlotPin: e.bank.PIN("alice")}, AccessToken: e.bank.Token("alice")})
		if !strings.HasPrefix(r.Speech, "Done.") {
			t.Fatalf("the first £90: %q", r.Speech)
		}
	}
}

// R2-6: the open fraud alert is raised after the answer to a session's
// first question; an "okay" that acknowledges the answer is taken as "yes,
// that was me" (yesNoOf: "okay" is a yes word) and resolves the alert as
// genuine, without the person ever saying the charge was theirs.
func TestReview2OkayDoesNotClearAFraudAlert(t *testing.T) {
	e := newEnv(t, nil, 0)
	if r := e.turnAs("alice", "r2-alert", "what's my checking balance"); !strings.Contains(r.Speech, "ElectroMart") {
		t.Fatalf("no alert raised: %q", r.Speech)
	}
	r := e.turnAs("alice", "r2-alert", "okay")
	if r2 := e.turnAs("alice", "r2-alert-2", "do i have any alerts"); !strings.Contains(r2.Speech, "ElectroMart") {
		t.Errorf("after %q (answered %q) the alert is gone: %q", "okay", r.Speech, r2.Speech)
	}
}
