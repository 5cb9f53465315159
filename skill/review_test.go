package skill_test

// Regression tests written by an attacker's review of the security fixes
// (each reproduced a hole; they pass now that it is closed).

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kontoskill/konto/banks"
	"github.com/kontoskill/konto/banks/sandbox"
	"github.com/kontoskill/konto/intents"
	"github.com/kontoskill/konto/skill"
)

// R6: the audit actor is an unkeyed hash of (platform, user id) and is left
// in place by deletion: it re-identifies the "pseudonymised" entries.
func TestReviewAuditActorLinksDeletedEntries(t *testing.T) {
	e := newEnv(t, nil, 0)
	ctx := context.Background()
	atPIN(t, e, "a1", "send tom nguyen 35 dollars from checking")
	e.pinAs("carol", "a1", e.bank.PIN("carol"))
	if err := e.sk.Unlink(ctx, "test", "u-carol"); err != nil {
		t.Fatal(err)
	}
	e.bank.IssueToken(ctx, "carol")
	e.turnAs("carol", "a2", "lock my debit card")
	old, _ := e.store.AuditLog(ctx, "sandbox", e.sk.Pseudonym("sandbox", "carol"))
	cur, _ := e.store.AuditLog(ctx, "sandbox", "carol")
	for _, a := range old {
		t.Logf("deleted: customer=%s actor=%s action=%s amount=%d", a.Customer, a.Actor, a.Action, a.Amount)
	}
	for _, a := range cur {
		t.Logf("current: customer=%s actor=%s action=%s", a.Customer, a.Actor, a.Action)
	}
	t.Logf("UserRef computed without the secret: %s", skill.UserRef("test", "u-carol"))
	if len(old) > 0 && len(cur) > 0 && old[0].Actor == cur[0].Actor {
		t.Errorf("pseudonymised entries share actor %s with entries of customer carol", old[0].Actor)
	}
}

// R9: two sessions answer "no" to the same fraud alert at once: the plan
// checks the alert is open, then each resolves it with its own key, and
// the sandbox refunds the charge once per key.
func TestReviewParallelFraudNoRefundsTwice(t *testing.T) {
	sc := &slowCards{}
	e := newEnvWith(t, func(cfg *skill.Config) {
		sc.Bank = cfg.Auth.(*sandbox.Bank)
		cfg.Bank = sc
	})
	ctx := context.Background()
	u, _ := e.bank.Authenticate(ctx, e.bank.Token("alice"))
	bal := func() map[string]int64 {
		out := map[string]int64{}
		accts, _ := e.bank.Accounts(ctx, u)
		for _, a := range accts {
			b, _ := e.bank.Balance(ctx, u, a.ID)
			out[a.ID] = b.Booked.Minor
		}
		return out
	}
	req := func(s, intent string) *skill.Request {
		return &skill.Request{Platform: "test", UserID: "u-alice", SessionID: s, RequestID: fmt.Sprint(s, reqSeq.Add(1)), Locale: "en-US",
			Intent: intent, AccessToken: e.bank.Token("alice")}
	}
	before := bal()
	const n = 4
	for i := 0; i < n; i++ {
		r := e.sk.Handle(ctx, req(fmt.Sprint("f", i), intents.Launch))
		t.Logf("launch %d: %.90s", i, r.Speech)
	}
	sc.after.Store(int64(300 * time.Millisecond)) // a bank with some latency
	var wg sync.WaitGroup
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			t.Logf("no %d: %.90s", i, e.sk.Handle(ctx, req(fmt.Sprint("f", i), intents.No)).Speech)
		}(i)
	}
	wg.Wait()
	after := bal()
	for id, b := range before {
		if after[id] != b {
			t.Logf("%s: %d -> %d (%+d cents)", id, b, after[id], after[id]-b)
		}
	}
	log, _ := e.store.AuditLog(ctx, "sandbox", "alice")
	cases := 0
	for _, a := range log {
		if a.Action == "alert_fraud" {
			cases++
		}
	}
	t.Logf("alert_fraud audit entries: %d", cases)
	_ = banks.Money{}
}

type slowCards struct {
	*sandbox.Bank
	after atomic.Int64
}

func (b *slowCards) ReplaceCard(ctx context.Context, u banks.User, id string, lost bool, key string) (banks.CardOrder, error) {
	o, err := b.Bank.ReplaceCard(ctx, u, id, lost, key)
	time.Sleep(time.Duration(b.after.Load()))
	return o, err
}

// R5: a card action (no money op, so no pending entry and no "acting")
// whose bank answer comes after the turn's deadline is reported as "can't
// reach your bank", the request id is released, and a retry in a new
// session orders a second card.
func TestReviewCutOffCardActionSaysNothingHappened(t *testing.T) {
	sc := &slowCards{}
	e := newEnvWith(t, func(cfg *skill.Config) {
		sc.Bank = cfg.Auth.(*sandbox.Bank)
		cfg.Bank = sc
		cfg.Timeout = 1500 * time.Millisecond
	})
	r := e.turnAs("carol", "l1", "i lost my debit card")
	t.Logf("1: %s", r.Speech)
	t.Logf("2: %s", e.turnAs("carol", "l1", "yes").Speech)
	sc.after.Store(int64(2 * time.Second))
	t.Logf("3 (PIN, bank slow): %s", e.pinAs("carol", "l1", e.bank.PIN("carol")).Speech)
	time.Sleep(2200 * time.Millisecond)
	sc.after.Store(0)
	t.Logf("retry 1: %s", e.turnAs("carol", "l2", "i lost my debit card").Speech)
	t.Logf("retry 2: %s", e.turnAs("carol", "l2", "yes").Speech)
	t.Logf("retry 3: %s", e.pinAs("carol", "l2", e.bank.PIN("carol")).Speech)
	db, _ := sql.Open("sqlite", "file:"+filepath.Join(e.dir, "sandbox.db"))
	defer db.Close()
	var orders int
	db.QueryRow(`SELECT count(*) FROM orders WHERE customer_id = 'carol'`).Scan(&orders)
	var replaced int
	for _, a := range auditOf(t, e, "report_lost_card") {
		t.Logf("audit: %s %s %s", a.Action, a.Outcome, a.OpKey)
		replaced++
	}
	t.Logf("card orders at the bank: %d", orders)
	if orders > 1 {
		t.Errorf("one lost-card report made %d replacement orders", orders)
	}
	_ = strings.Contains
}

func (b *slowCards) SetCardLocked(ctx context.Context, u banks.User, id string, locked bool, key string) error {
	err := b.Bank.SetCardLocked(ctx, u, id, locked, key)
	time.Sleep(time.Duration(b.after.Load()))
	return err
}

func TestReviewCutOffUnlockSaysCannotReachBank(t *testing.T) {
	sc := &slowCards{}
	e := newEnvWith(t, func(cfg *skill.Config) {
		sc.Bank = cfg.Auth.(*sandbox.Bank)
		cfg.Bank = sc
		cfg.Timeout = 1500 * time.Millisecond
	})
	t.Logf("lock: %s", e.turnAs("carol", "u1", "lock my debit card").Speech)
	t.Logf("unlock: %s", e.turnAs("carol", "u1", "unlock my debit card").Speech)
	t.Logf("yes: %s", e.turnAs("carol", "u1", "yes").Speech)
	sc.after.Store(int64(2 * time.Second))
	t.Logf("PIN (bank slow): %s", e.pinAs("carol", "u1", e.bank.PIN("carol")).Speech)
	time.Sleep(2200 * time.Millisecond)
	u, _ := e.bank.Authenticate(context.Background(), e.bank.Token("carol"))
	cards, _ := e.bank.Cards(context.Background(), u)
	for _, c := range cards {
		t.Logf("card %s locked=%v", c.LastFour, c.Locked)
	}
}

// R6b: the fingerprint column (unkeyed SHA-256 of action, from-account id,
// recipient id, amount, day) stays after deletion; anyone holding the
// bank's account ids recomputes it and re-identifies the entry.
func TestReviewFingerprintReidentifiesDeletedEntries(t *testing.T) {
	e := newEnv(t, nil, 0)
	ctx := context.Background()
	atPIN(t, e, "f", "send tom nguyen 35 dollars from checking")
	e.pinAs("carol", "f", e.bank.PIN("carol"))
	if err := e.sk.Unlink(ctx, "test", "u-carol"); err != nil {
		t.Fatal(err)
	}
	log, _ := e.store.AuditLog(ctx, "sandbox", e.sk.Pseudonym("sandbox", "carol"))
	var entry = log[0]
	t.Logf("deleted entry: customer=%s detail=%q amount=%d fingerprint=%s", entry.Customer, entry.Detail, entry.Amount, entry.Fingerprint)
	// The bank's view: every customer's accounts and payees.
	e.bank.IssueToken(ctx, "carol")
	for _, c := range []string{"alice", "bob", "carol"} {
		u := banks.User{Bank: "sandbox", Customer: c}
		accts, _ := e.bank.Accounts(ctx, u)
		payees, _ := e.bank.Payees(ctx, u)
		amount := banks.Money{Minor: entry.Amount, Currency: entry.Currency}
		for _, a := range accts {
			for _, p := range payees {
				fp := sha256.Sum256([]byte(strings.Join([]string{entry.Action, a.ID, "payee:" + p.ID, amount.String(), "now"}, "\x00")))
				if hex.EncodeToString(fp[:12]) == entry.Fingerprint {
					t.Errorf("re-identified: customer %s paid %s from %s (no secret needed)", c, p.Name, a.ID)
				}
			}
		}
	}
}

// R1: deleting one's data (privacy center) pseudonymises today's audit
// entries, and the daily voice limit is summed from the audit by customer:
// after a re-link the day's limit is available again.
func TestReviewDeletionResetsDailyLimit(t *testing.T) {
	e := newEnv(t, nil, 0)
	before := balanceOf(t, e, "carol-savings")
	pay := func(session string, amount string) string {
		r1 := e.turnAs("carol", session, "send tom nguyen "+amount+" dollars from savings")
		if !strings.Contains(r1.Speech, "Shall I go ahead") {
			return r1.Speech
		}
		r2 := e.turnAs("carol", session, "yes")
		if !strings.Contains(r2.Speech, "PIN") {
			return r2.Speech
		}
		return e.pinAs("carol", session, e.bank.PIN("carol")).Speech
	}
	t.Logf("1: %s", pay("d1", "2500"))
	t.Logf("2: %s", pay("d1", "2499"))
	t.Logf("3 (over limit): %s", pay("d1", "2400"))
	// Privacy center: delete my data.
	t.Logf("privacy: %s", e.turnAs("carol", "d2", "delete my data").Speech)
	t.Logf("yes: %s", e.turnAs("carol", "d2", "yes").Speech)
	// Re-link (sandbox: konto sandbox tokens / konto chat; real bank: OAuth again).
	if _, err := e.bank.IssueToken(context.Background(), "carol"); err != nil {
		t.Fatal(err)
	}
	t.Logf("4 after relink: %s", pay("d3", "2500"))
	t.Logf("5 after relink: %s", pay("d3", "2499"))
	moved := before - balanceOf(t, e, "carol-savings")
	t.Logf("moved today from savings: $%d.%02d (daily voice limit $5,000.00)", moved/100, moved%100)
	if moved > 500000 {
		t.Errorf("daily voice limit exceeded after delete+relink: moved %d cents", moved)
	}
}

// R1b: same root cause: an uncertain (pending) payment is forgotten by
// deletion, so the retry after a re-link gets a new key and pays twice,
// and checkPending never tells the user.
func TestReviewDeletionForgetsPendingPayment(t *testing.T) {
	pb := &payBank{}
	e := newEnvWith(t, func(cfg *skill.Config) {
		pb.Bank = cfg.Auth.(*sandbox.Bank)
		cfg.Bank = pb
		cfg.Timeout = 1500 * time.Millisecond
	})
	before := balanceOf(t, e, "carol-checking")
	atPIN(t, e, "p1", "send tom nguyen 35 dollars from checking")
	pb.after.Store(int64(2 * time.Second))
	t.Logf("pin: %s", e.pinAs("carol", "p1", e.bank.PIN("carol")).Speech)
	time.Sleep(2200 * time.Millisecond)
	pb.after.Store(0)
	e.turnAs("carol", "p2", "delete my data")
	t.Logf("delete: %s", e.turnAs("carol", "p2", "yes").Speech)
	e.bank.IssueToken(context.Background(), "carol")
	atPIN(t, e, "p3", "send tom nguyen 35 dollars from checking")
	t.Logf("retry: %s", e.pinAs("carol", "p3", e.bank.PIN("carol")).Speech)
	if moved := before - balanceOf(t, e, "carol-checking"); moved != 3500 {
		t.Errorf("moved %d cents, want 3500 once", moved)
	}
	log, _ := e.store.AuditLog(context.Background(), "sandbox", e.sk.Pseudonym("sandbox", "carol"))
	for _, a := range log {
		t.Logf("pseudonymised entry: %s %d %s", a.Action, a.Amount, a.Outcome)
	}
}

func (e *env) sayIn(customer, locale, session, text string) *skill.Response {
	return e.sk.Handle(context.Background(), &skill.Request{Platform: "test", UserID: "u-" + customer, SessionID: session,
		RequestID: fmt.Sprintf("%s-%d", session, reqSeq.Add(1)), Locale: locale, Text: text, AccessToken: e.bank.Token(customer)})
}

func (e *env) pinIn(customer, locale, session string) *skill.Response {
	return e.sk.Handle(context.Background(), &skill.Request{Platform: "test", UserID: "u-" + customer, SessionID: session,
		RequestID: fmt.Sprintf("%s-%d", session, reqSeq.Add(1)), Locale: locale, Intent: intents.ProvidePin,
		Slots: intents.Slots{intents.SlotPin: e.bank.PIN(customer)}, AccessToken: e.bank.Token(customer)})
}

// R2: the voice limits come from the product sheet of the *request's*
// locale, not the customer's: a de-DE customer (EUR accounts, limits
// 2,000 / 4,000 EUR) whose device is set to English gets 2,500 / 5,000.
func TestReviewLimitsFollowDeviceLocale(t *testing.T) {
	e := newEnv(t, nil, 0)
	r := e.sayIn("lena", "de-DE", "de", "überweise max schmidt 2400 euro vom sparkonto")
	t.Logf("de-DE: %s", r.Speech)
	u, _ := e.bank.Authenticate(context.Background(), e.bank.Token("lena"))
	bal := func() int64 { b, _ := e.bank.Balance(context.Background(), u, "lena-savings"); return b.Booked.Minor }
	before := bal()
	for i := 0; i < 2; i++ {
		s := fmt.Sprintf("en%d", i)
		r1 := e.sayIn("lena", "en-US", s, "send max schmidt 2400 euros from savings")
		r2 := e.sayIn("lena", "en-US", s, "yes")
		r3 := e.pinIn("lena", "en-US", s)
		t.Logf("en-US #%d: %s | %s | %s", i+1, r1.Speech, r2.Speech, r3.Speech)
	}
	moved := before - bal()
	t.Logf("moved: %d.%02d EUR", moved/100, moved%100)
	if moved > 400000 {
		t.Errorf("de-DE customer moved %d cents EUR by voice today; her bank's sheet allows 2,000 per payment and 4,000 a day", moved)
	}
}

// R10: a card "blocked for good" after a loss report is just locked: voice unlock revives it.
func TestReviewLostCardCanBeUnlocked(t *testing.T) {
	e := newEnv(t, nil, 0)
	t.Logf("%s", e.turnAs("carol", "x", "i lost my debit card").Speech)
	t.Logf("%s", e.turnAs("carol", "x", "yes").Speech)
	t.Logf("%s", e.pinAs("carol", "x", e.bank.PIN("carol")).Speech)
	t.Logf("%s", e.turnAs("carol", "y", "unlock my debit card").Speech)
	t.Logf("%s", e.turnAs("carol", "y", "yes").Speech)
	t.Logf("%s", e.pinAs("carol", "y", e.bank.PIN("carol")).Speech)
	u, _ := e.bank.Authenticate(context.Background(), e.bank.Token("carol"))
	cs, _ := e.bank.Cards(context.Background(), u)
	for _, c := range cs {
		t.Logf("card %s locked=%v", c.LastFour, c.Locked)
	}
}

// Try to get more than 3 checked PIN guesses per lockout: several platform
// users linked to one customer, parallel sessions, deletion and re-link in
// between, and SkillDisabled-style Unlink.
func TestReviewPINGuessesAcrossUsersAndDeletion(t *testing.T) {
	e := newEnv(t, nil, 0)
	ctx := context.Background()
	users := []struct{ platform, id string }{{"alexa", "amzn1.a"}, {"alexa", "amzn1.b"}, {"chat", "chat:carol"}, {"test", "u-carol"}}
	req := func(i int, session, text, intent, pin string) *skill.Request {
		u := users[i%len(users)]
		r := &skill.Request{Platform: u.platform, UserID: u.id, SessionID: session, RequestID: fmt.Sprintf("%s-%d", session, reqSeq.Add(1)),
			Locale: "en-US", Text: text, Intent: intent, AccessToken: e.bank.Token("carol")}
		if pin != "" {
			r.Slots = intents.Slots{intents.SlotPin: pin}
		}
		return r
	}
	checked := 0
	round := func(tag string) {
		const n = 16
		for i := 0; i < n; i++ {
			s := fmt.Sprintf("%s-%d", tag, i)
			e.sk.Handle(ctx, req(i, s, "send tom nguyen 35 dollars from checking", "", ""))
			e.sk.Handle(ctx, req(i, s, "yes", "", ""))
		}
		var wg sync.WaitGroup
		var mu sync.Mutex
		for i := 0; i < n; i++ {
			wg.Add(1)
			go func(i int) {
				defer wg.Done()
				// a different wrong guess each time
				r := e.sk.Handle(ctx, req(i, fmt.Sprintf("%s-%d", tag, i), "", intents.ProvidePin, fmt.Sprintf("%04d", (i*37+len(tag))%10000)))
				if strings.Contains(r.Speech, "PIN is wrong") || strings.Contains(r.Speech, "Done") {
					mu.Lock()
					checked++
					mu.Unlock()
				}
			}(i)
		}
		wg.Wait()
	}
	round("a")
	for i, u := range users { // delete every link (privacy centre / SkillDisabled)
		if err := e.sk.Unlink(ctx, u.platform, u.id); err != nil {
			t.Fatal(i, err)
		}
	}
	e.bank.IssueToken(ctx, "carol")
	round("bb")
	e.store.DeleteUser(ctx, "test", "u-carol", "x") // raw store deletion
	round("ccc")
	t.Logf("PIN guesses checked (answered 'PIN is wrong'/'Done') in one lockout window: %d", checked)
	if checked > 3 {
		t.Errorf("%d guesses checked, want <= 3", checked)
	}
}

// a bank that cannot revoke tokens (no banks.Revoker): Konto must remember the token.
type noRevoke struct{ b *sandbox.Bank }

func (n noRevoke) Authenticate(ctx context.Context, tok string) (banks.User, error) {
	return n.b.Authenticate(ctx, tok)
}
func (n noRevoke) PIN(c string) string { return n.b.PIN(c) }

// R8: the revoked-token list is only consulted when a link is (re)written;
// a second link holding the same token keeps working after the deletion.
func TestReviewRevokedTokenStillWorksForAnExistingLink(t *testing.T) {
	e := newEnvWith(t, func(cfg *skill.Config) { cfg.Auth = noRevoke{cfg.Auth.(*sandbox.Bank)} })
	ctx := context.Background()
	tok := e.bank.Token("carol")
	ask := func(platform, user string) *skill.Response {
		return e.sk.Handle(ctx, &skill.Request{Platform: platform, UserID: user, SessionID: user + "-s", Locale: "en-US",
			Text: "what's my checking balance", AccessToken: tok})
	}
	t.Logf("alexa before: %s", ask("alexa", "amzn1.A").Speech)
	t.Logf("chat before: %s", ask("chat", "chat:carol").Speech)
	if err := e.sk.Unlink(ctx, "alexa", "amzn1.A"); err != nil { // privacy centre / SkillDisabled on Alexa
		t.Fatal(err)
	}
	a := ask("alexa", "amzn1.A")
	c := ask("chat", "chat:carol")
	t.Logf("alexa after: link card=%v %s", a.LinkAccount, a.Speech)
	t.Logf("chat after: link card=%v %s", c.LinkAccount, c.Speech)
	if !c.LinkAccount {
		t.Errorf("the revoked token still reads the balance through another existing link")
	}
}

// Cross-user session / request-id access attempts.
func TestReviewCrossUserSessionAndRequestID(t *testing.T) {
	e := newEnv(t, nil, 0)
	ctx := context.Background()
	do := func(user, cust, sid, rid, text, intent string) *skill.Response {
		return e.sk.Handle(ctx, &skill.Request{Platform: "alexa", UserID: user, SessionID: sid, RequestID: rid, Locale: "en-US",
			Text: text, Intent: intent, AccessToken: e.bank.Token(cust)})
	}
	v := do("victim", "carol", "S", "R1", "what's my checking balance", "")
	t.Logf("victim: %s", v.Speech)
	a1 := do("mallory", "bob", "S", "R1", "what's my checking balance", "") // replay victim's request id
	a2 := do("mallory", "bob", "S", "R2", "", intents.Repeat)               // read victim's session
	a3 := do("mallory", "bob", "S", "R3", "send tom nguyen 35 dollars from checking", "")
	a4 := do("victim", "carol", "S", "R4", "", intents.Repeat)
	t.Logf("replay id: %s | repeat: %s | write: %s | victim repeat: %s", a1.Speech, a2.Speech, a3.Speech, a4.Speech)
	if strings.Contains(a1.Speech+a2.Speech, "Premier") || !strings.Contains(a4.Speech, "Premier") {
		t.Errorf("cross-user access")
	}
}

type downRevoker struct{ noRevoke }

func (downRevoker) RevokeAccess(ctx context.Context, u banks.User) error {
	return banks.E("bank.Revoke", banks.Unavailable, errors.New("bank down"))
}

// R11: Unlink (SkillDisabled, privacy centre) deletes nothing when the
// bank's revocation fails; the Alexa adapter answers 200 and only logs.
func TestReviewUnlinkKeepsDataWhenRevokeFails(t *testing.T) {
	e := newEnvWith(t, func(cfg *skill.Config) { cfg.Auth = downRevoker{noRevoke{cfg.Auth.(*sandbox.Bank)}} })
	ctx := context.Background()
	e.turnAs("carol", "s", "send tom nguyen 35 dollars from checking")
	err := e.sk.Unlink(ctx, "test", "u-carol")
	links, sessions, _ := e.store.Counts(ctx, "test", "u-carol")
	_, perr := e.store.PIN(ctx, "sandbox", "carol")
	log, _ := e.store.AuditLog(ctx, "sandbox", "carol")
	t.Logf("Unlink err=%v; links=%d sessions=%d pinHashPresent=%v auditWithCustomer=%d", err, links, sessions, perr == nil, len(log))
	if err != nil || links+sessions != 0 || perr == nil || len(log) != 0 {
		t.Fatal("a bank that could not revoke kept the user's data here")
	}
	if r := e.turnAs("carol", "s2", "what's my balance"); !r.LinkAccount {
		t.Fatalf("the token still links after the deletion: %q", r.Speech)
	}
}
