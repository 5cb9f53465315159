package skill_test

// Tests for the findings of the security review (issue "Security fixes").
// Each attacks the real core over the real sandbox bank and SQLite store.

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
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

// turn sends one typed turn as Carol in a session.
func (e *env) turnAs(customer, session, text string) *skill.Response {
	return e.sk.Handle(context.Background(), &skill.Request{Platform: "test", UserID: "u-" + customer, SessionID: session,
		RequestID: fmt.Sprintf("%s-%d", session, reqSeq.Add(1)), Locale: "en-US", Text: text, AccessToken: e.bank.Token(customer)})
}

var reqSeq atomic.Int64

func (e *env) pinAs(customer, session, pin string) *skill.Response {
	return e.sk.Handle(context.Background(), &skill.Request{Platform: "test", UserID: "u-" + customer, SessionID: session,
		RequestID: fmt.Sprintf("%s-%d", session, reqSeq.Add(1)), Locale: "en-US", Intent: intents.ProvidePin,
		Slots: intents.Slots{intents.SlotPin: pin}, AccessToken: e.bank.Token(customer)})
}

// wrongPIN is a PIN that is not the customer's.
func wrongPIN(e *env, customer string) string {
	if e.bank.PIN(customer) == "1111" {
		return "2222"
	}
	return "1111"
}

// atPIN walks a transfer up to the PIN question in a session.
func atPIN(t *testing.T, e *env, session, text string) {
	t.Helper()
	if r := e.turnAs("carol", session, text); !strings.Contains(r.Speech, "Shall I go ahead") {
		t.Fatalf("read-back: %q", r.Speech)
	}
	if r := e.turnAs("carol", session, "yes"); !strings.Contains(r.Speech, "voice PIN") {
		t.Fatalf("PIN question: %q", r.Speech)
	}
}

func auditOf(t *testing.T, e *env, action string) []skill.AuditEntry {
	t.Helper()
	log, err := e.sk.AuditLog(context.Background(), "sandbox", "carol")
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

func balanceOf(t *testing.T, e *env, account string) int64 {
	t.Helper()
	u, err := e.bank.Authenticate(context.Background(), e.bank.Token("carol"))
	if err != nil {
		u = banks.User{Bank: "sandbox", Customer: "carol", Locale: "en-US"}
	}
	b, err := e.bank.Balance(context.Background(), u, account)
	if err != nil {
		t.Fatal(err)
	}
	return b.Booked.Minor
}

// Finding 1: deleting one's data reset the PIN lockout, so the PIN could
// be guessed without end. Now the lockout outlives the deletion, the old
// token no longer links, and only a new linking brings the user back,
// still locked out.
func TestDeletingDataKeepsThePINLockout(t *testing.T) {
	e := newEnv(t, nil, 0)
	atPIN(t, e, "s1", "send tom nguyen 35 dollars from checking")
	for i := 0; i < 3; i++ {
		e.pinAs("carol", "s1", wrongPIN(e, "carol"))
	}
	atPINLocked := e.turnAs("carol", "s2", "send tom nguyen 35 dollars from checking")
	if r := e.turnAs("carol", "s2", "yes"); !strings.Contains(atPINLocked.Speech+r.Speech, "paused") {
		t.Fatalf("not locked after three wrong PINs: %q / %q", atPINLocked.Speech, r.Speech)
	}
	// Delete my data, as the privacy center does.
	if r := e.turnAs("carol", "s3", "delete my data"); !strings.Contains(r.Speech, "?") {
		t.Fatalf("privacy center: %q", r.Speech)
	}
	if r := e.turnAs("carol", "s3", "yes"); !strings.Contains(r.Speech, "deleted") {
		t.Fatalf("deletion: %q", r.Speech)
	}
	// The old token links nobody: the next request gets the link card.
	if r := e.turnAs("carol", "s4", "what's my balance"); !r.LinkAccount {
		t.Fatalf("the old token re-linked silently: %q", r.Speech)
	}
	// Linking again at the bank brings the user back, still paused.
	if _, err := e.bank.IssueToken(context.Background(), "carol"); err != nil {
		t.Fatal(err)
	}
	r1 := e.turnAs("carol", "s5", "send tom nguyen 35 dollars from checking")
	r2 := e.turnAs("carol", "s5", "yes")
	if !strings.Contains(r1.Speech+r2.Speech, "paused") {
		t.Fatalf("the lockout was reset by deleting the data: %q / %q", r1.Speech, r2.Speech)
	}
	if got := e.pinAs("carol", "s5", e.bank.PIN("carol")); strings.Contains(got.Speech, "Done") {
		t.Fatalf("a PIN was taken while locked: %q", got.Speech)
	}
}

// Finding 2: parallel PIN answers were not counted atomically (29 of 30
// evaluated, and the right one moved money). Now at most three attempts
// are checked per lockout, however many arrive at once, and the right PIN
// said after them is refused while the lockout holds.
//
// The right PIN is sent after the wrong ones have been answered: a right
// PIN checked in the middle of them would rightly reset the count (as a
// bank's PIN counter does), and the test would then measure scheduling.
func TestParallelPINGuessesAreCounted(t *testing.T) {
	e := newEnv(t, nil, 0)
	const n = 30
	for i := 0; i < n; i++ {
		atPIN(t, e, fmt.Sprintf("g%d", i), "send tom nguyen 35 dollars from checking")
	}
	before := balanceOf(t, e, "carol-checking")
	right, wrong := e.bank.PIN("carol"), wrongPIN(e, "carol")
	var wg sync.WaitGroup
	answers := make([]string, n)
	for i := 0; i < n-1; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			answers[i] = e.pinAs("carol", fmt.Sprintf("g%d", i), wrong).Speech
		}(i)
	}
	wg.Wait()
	if checked := len(auditOf(t, e, "voice_pin")); checked > 3 {
		t.Fatalf("%d PIN attempts were checked at once; at most 3 may be", checked)
	}
	answers[n-1] = e.pinAs("carol", fmt.Sprintf("g%d", n-1), right).Speech
	if moved := before - balanceOf(t, e, "carol-checking"); moved != 0 {
		t.Fatalf("the right PIN after %d parallel guesses moved %d cents during the lockout: %q", n-1, moved, answers[n-1])
	}
	paused := 0
	for _, a := range answers {
		if strings.Contains(a, "paused") {
			paused++
		}
	}
	if paused < n-3 {
		t.Fatalf("only %d of %d parallel answers were refused as paused", paused, n)
	}
}

// payBank is the sandbox with a slow payment: before it acts (slow bank)
// or after it acted (late answer).
type payBank struct {
	*sandbox.Bank
	before, after, slowBalance atomic.Int64 // nanoseconds
}

// Balance is slow too when slowBalance is set: it widens the window
// between the read-back's look at the daily limit and the payment.
func (b *payBank) Balance(ctx context.Context, u banks.User, id string) (banks.Balance, error) {
	time.Sleep(time.Duration(b.slowBalance.Load()))
	return b.Bank.Balance(ctx, u, id)
}

func (b *payBank) Pay(ctx context.Context, u banks.User, p banks.PaymentRequest) (banks.PaymentResult, error) {
	time.Sleep(time.Duration(b.before.Load()))
	res, err := b.Bank.Pay(ctx, u, p)
	time.Sleep(time.Duration(b.after.Load()))
	return res, err
}

// Finding 3: a bank that paid but answered after the deadline made the
// user hear "can't reach your bank", lost the audit entry, and a retry in
// a new session paid again. Now the entry is written pending before the
// bank is called, the user hears that Konto is not sure, and the next
// attempt reuses the key or the next turn asks the bank and tells.
func TestLateBankAnswerIsCheckedNotPaidTwice(t *testing.T) {
	for _, c := range []struct {
		name  string
		later time.Duration // how long until the user tries again
	}{{"retry at once reuses the key", 0}, {"a later turn is told what happened", time.Minute}} {
		t.Run(c.name, func(t *testing.T) {
			clock := now
			var mu sync.Mutex
			pb := &payBank{}
			e := newEnvWith(t, func(cfg *skill.Config) {
				pb.Bank = cfg.Auth.(*sandbox.Bank)
				cfg.Bank = pb
				cfg.Timeout = 1500 * time.Millisecond
				cfg.Now = func() time.Time { mu.Lock(); defer mu.Unlock(); return clock }
			})
			before := balanceOf(t, e, "carol-checking")
			atPIN(t, e, "late-1", "send tom nguyen 35 dollars from checking")
			pb.after.Store(int64(2 * time.Second))
			start := time.Now()
			r := e.pinAs("carol", "late-1", e.bank.PIN("carol"))
			if d := time.Since(start); d > 1600*time.Millisecond {
				t.Fatalf("answered after %s", d)
			}
			if !strings.Contains(r.Speech, "not sure your payment of $35.00 to Tom Nguyen went through") {
				t.Fatalf("speech %q", r.Speech)
			}
			time.Sleep(2200 * time.Millisecond) // the bank's late answer arrives
			pb.after.Store(0)
			if got := auditOf(t, e, "transfer"); len(got) != 1 || got[0].OpKey == "" {
				t.Fatalf("audit after the late answer: %+v", got)
			}
			mu.Lock()
			clock = clock.Add(c.later)
			mu.Unlock()
			// The user tries again in a new session.
			first := e.turnAs("carol", "late-2", "send tom nguyen 35 dollars from checking")
			if c.later > 0 {
				if !strings.HasPrefix(first.Speech, "About your payment of $35.00 to Tom Nguyen: it went through.") {
					t.Fatalf("the next turn did not tell what happened: %q", first.Speech)
				}
				e.turnAs("carol", "late-2", "no")
			} else {
				e.turnAs("carol", "late-2", "yes")
				if r := e.pinAs("carol", "late-2", e.bank.PIN("carol")); !strings.HasPrefix(r.Speech, "Done. I sent $35.00 to Tom Nguyen") {
					t.Fatalf("retry: %q", r.Speech)
				}
			}
			if moved := before - balanceOf(t, e, "carol-checking"); moved != 3500 {
				t.Fatalf("moved %d cents, want 3500 once", moved)
			}
			got := auditOf(t, e, "transfer")
			if len(got) != 1 || got[0].Outcome != "done" {
				t.Fatalf("audit: %+v", got)
			}
		})
	}
}

// Finding 4: the daily voice limit was read from the audit log written
// after each payment, so parallel sessions with a slow bank moved $10,000
// against a $5,000 limit. Now the amount is reserved before the bank.
func TestDailyLimitHoldsUnderParallelPayments(t *testing.T) {
	pb := &payBank{}
	e := newEnvWith(t, func(cfg *skill.Config) {
		pb.Bank = cfg.Auth.(*sandbox.Bank)
		cfg.Bank = pb
	})
	const n = 4
	// Each session gives its PIN once (a $1 transfer), so the parallel
	// payments below need only a yes.
	for i := 0; i < n; i++ {
		s := fmt.Sprintf("lim%d", i)
		atPIN(t, e, s, "send tom nguyen 1 dollar from savings")
		if r := e.pinAs("carol", s, e.bank.PIN("carol")); !strings.HasPrefix(r.Speech, "Done") {
			t.Fatalf("warm-up: %q", r.Speech)
		}
		// Different amounts: the same payment confirmed twice at once is
		// one payment (it reuses the pending one's key).
		if r := e.turnAs("carol", s, fmt.Sprintf("send tom nguyen %d dollars from savings", 2000+i)); !strings.Contains(r.Speech, "Shall I go ahead") {
			t.Fatalf("read-back: %q", r.Speech)
		}
	}
	before := balanceOf(t, e, "carol-savings")
	pb.before.Store(int64(300 * time.Millisecond))
	pb.slowBalance.Store(int64(300 * time.Millisecond))
	var wg sync.WaitGroup
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			e.turnAs("carol", fmt.Sprintf("lim%d", i), "yes")
		}(i)
	}
	wg.Wait()
	moved := before - balanceOf(t, e, "carol-savings")
	if moved+4*100 > 500000 {
		t.Fatalf("moved $%d.%02d today past the $5,000.00 daily limit", (moved+400)/100, (moved+400)%100)
	}
	if done := len(auditOf(t, e, "transfer")) - n; moved < 400000 || done < 2 {
		t.Fatalf("moved %d cents in %d payments; two of about $2,000 fit under the limit", moved, done)
	}
}

// chatLLM is an OpenAI-compatible endpoint that always answers with one
// intent and records what it was sent.
func chatLLM(t *testing.T, intent string) (*httptest.Server, *[]string, *sync.Mutex) {
	var mu sync.Mutex
	var bodies []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		bodies = append(bodies, string(b))
		mu.Unlock()
		args, _ := json.Marshal(map[string]any{"intent": intent, "confidence": 0.99})
		json.NewEncoder(w).Encode(map[string]any{"id": "x", "object": "chat.completion", "model": "m",
			"choices": []any{map[string]any{"index": 0, "finish_reason": "tool_calls", "message": map[string]any{
				"role": "assistant", "tool_calls": []any{map[string]any{"id": "c", "type": "function",
					"function": map[string]any{"name": "classify_banking_request", "arguments": string(args)}}}}}}})
	}))
	t.Cleanup(srv.Close)
	return srv, &bodies, &mu
}

// Findings 6 and 8: an unsure answer at the PIN question went to the LLM
// endpoint verbatim, and an always-"Yes" endpoint confirmed a redemption
// and a deletion. Now nothing leaves while a dialog waits for an answer,
// and the LLM never supplies yes, no or a PIN.
func TestRemoteRecognizerNeverSeesDialogAnswers(t *testing.T) {
	srv, bodies, mu := chatLLM(t, intents.Yes)
	e := newEnvWith(t, func(cfg *skill.Config) {
		cfg.Recognizer = intents.NewLLM(srv.URL+"/v1", "m", "k", rec)
	})
	sent := func() int { mu.Lock(); defer mu.Unlock(); return len(*bodies) }
	atPIN(t, e, "llm-1", "send tom nguyen 35 dollars from checking")
	during := 0
	n := sent()
	e.turnAs("carol", "llm-1", "hold on let me check yes 64 zero eight")
	during += sent() - n
	if r := e.turnAs("carol", "llm-2", "delete my data"); strings.Contains(r.Speech, "?") {
		n = sent()
		if r := e.turnAs("carol", "llm-2", "hmm i guess maybe"); strings.Contains(r.Speech, "deleted") {
			t.Fatalf("an unsure answer confirmed the deletion: %q", r.Speech)
		}
		during += sent() - n
	}
	if during != 0 {
		t.Fatalf("%d requests went to the LLM while a dialog waited for an answer", during)
	}
	mu.Lock()
	defer mu.Unlock()
	for _, b := range *bodies {
		if strings.Contains(b, "64") || strings.Contains(b, "zero eight") || strings.Contains(b, "whatever") {
			t.Fatalf("a dialog answer went to the LLM: %s", b)
		}
	}
	if _, err := e.store.PIN(context.Background(), "sandbox", "carol"); err != nil {
		t.Fatalf("the user's data was deleted: %v", err)
	}
}

// Finding 10: the audit pseudonym was an unkeyed hash anyone at the bank
// could recompute, and payee names stayed after deletion.
func TestAuditPseudonymIsKeyedAndNamesGo(t *testing.T) {
	e := newEnv(t, nil, 0)
	other := newEnvWith(t, func(cfg *skill.Config) { cfg.Secret = []byte("another installation's secret") })
	if e.sk.Pseudonym("sandbox", "carol") == other.sk.Pseudonym("sandbox", "carol") {
		t.Fatal("the pseudonym does not depend on the secret")
	}
	atPIN(t, e, "ps", "send tom nguyen 35 dollars from checking")
	e.pinAs("carol", "ps", e.bank.PIN("carol"))
	if err := e.sk.Unlink(context.Background(), "test", "u-carol"); err != nil {
		t.Fatal(err)
	}
	log, _ := e.store.AuditLog(context.Background(), "sandbox", e.sk.Pseudonym("sandbox", "carol"))
	for _, a := range log {
		if strings.Contains(a.Detail, "Tom") || strings.Contains(a.Detail, "Nguyen") {
			t.Fatalf("a name stayed in the audit: %+v", a)
		}
	}
	if len(log) == 0 || log[0].Amount != 3500 {
		t.Fatalf("the payment's record is gone: %+v", log)
	}
}

// Finding 11: with the store locked, a balance took 10.1 s, past Alexa's
// 8 s, and then ran without replay protection. Now the whole turn keeps
// to the budget and nothing runs unprotected.
func TestTurnBudgetHoldsWhenTheStoreIsLocked(t *testing.T) {
	e := newEnvWith(t, func(cfg *skill.Config) { cfg.Timeout = 2 * time.Second })
	db, err := sql.Open("sqlite", "file:"+filepath.Join(e.dir, "konto.db")+"?_pragma=busy_timeout(10000)")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	conn, err := db.Conn(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(context.Background(), "BEGIN EXCLUSIVE"); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	r := e.turnAs("carol", "locked", "what's my checking balance")
	if d := time.Since(start); d > 2200*time.Millisecond {
		t.Fatalf("answered after %s, past the 2 s budget", d)
	}
	if strings.Contains(r.Speech, "$") {
		t.Fatalf("the turn ran without replay protection: %q", r.Speech)
	}
	if r.Speech == "" {
		t.Fatal("no sentence for the user")
	}
	conn.ExecContext(context.Background(), "ROLLBACK")

	// A store that fails at once: the turn is not run unprotected either.
	if _, err := db.Exec(`DROP TABLE requests`); err != nil {
		t.Fatal(err)
	}
	r = e.turnAs("carol", "broken", "what's my checking balance")
	if strings.Contains(r.Speech, "$") || !strings.Contains(r.Speech, "Sorry") {
		t.Fatalf("a turn without replay protection answered: %q", r.Speech)
	}
}

// Finding 12: a SessionEndedRequest deleted any session by id without
// checking its user.
func TestOnlyTheOwnerEndsASession(t *testing.T) {
	e := newEnv(t, nil, 0)
	e.turnAs("carol", "shared-session", "send tom nguyen 35 dollars from checking")
	if err := e.sk.EndSession(context.Background(), "test", "shared-session", "u-mallory"); err != nil {
		t.Fatal(err)
	}
	if r := e.turnAs("carol", "shared-session", "yes"); !strings.Contains(r.Speech, "voice PIN") {
		t.Fatalf("another user ended Carol's dialog: %q", r.Speech)
	}
	if err := e.sk.EndSession(context.Background(), "test", "shared-session", "u-carol"); err != nil {
		t.Fatal(err)
	}
	if r := e.turnAs("carol", "shared-session", "yes"); strings.Contains(r.Speech, "voice PIN") {
		t.Fatalf("the owner could not end the session: %q", r.Speech)
	}
}

// Finding 14: the full account number stayed in session state (and the
// stored replay answer) after it was shown once.
func TestFullAccountNumberIsNotKept(t *testing.T) {
	e := newEnv(t, nil, 0)
	ctx := context.Background()
	ask := func(text string, slots intents.Slots, intent string) *skill.Response {
		return e.sk.Handle(ctx, &skill.Request{Platform: "chat", Channel: skill.Channel{Text: true, Private: true},
			UserID: "u-carol", SessionID: "num", RequestID: fmt.Sprint("num-", reqSeq.Add(1)),
			Locale: "en-US", Text: text, Intent: intent, Slots: slots, AccessToken: e.bank.Token("carol")})
	}
	ask("what's my full checking account number", nil, "")
	r := ask("", intents.Slots{intents.SlotPin: e.bank.PIN("carol")}, intents.ProvidePin)
	u, _ := e.bank.Authenticate(ctx, e.bank.Token("carol"))
	num, err := e.bank.AccountNumber(ctx, u, "carol-checking")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(r.Speech, num) {
		t.Fatalf("the number was not shown on a private text channel: %q", r.Speech)
	}
	db, err := sql.Open("sqlite", "file:"+filepath.Join(e.dir, "konto.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, q := range []string{`SELECT state FROM sessions`, `SELECT coalesce(response, '') FROM requests`} {
		rows, err := db.Query(q)
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var b []byte
			rows.Scan(&b)
			if strings.Contains(string(b), num) {
				t.Fatalf("%s keeps the full account number", q)
			}
		}
		rows.Close()
	}
	if r := ask("repeat", nil, intents.Repeat); strings.Contains(r.Speech, num) {
		t.Fatalf("repeat said the number again: %q", r.Speech)
	}
}

// approvalBank is the sandbox behind a decoupled approval, as UK Open
// Banking and Berlin Group banks do it: a payment waits until the test,
// playing the customer in the bank's app, approves or rejects its key.
type approvalBank struct {
	*sandbox.Bank
	mu       sync.Mutex
	decision map[string]string // key → "approve" | "reject"
	asked    map[string]int
}

func (b *approvalBank) Pay(ctx context.Context, u banks.User, p banks.PaymentRequest) (banks.PaymentResult, error) {
	b.mu.Lock()
	b.asked[p.Key]++
	d := b.decision[p.Key]
	b.mu.Unlock()
	switch d {
	case "approve":
		return b.Bank.Pay(ctx, u, p)
	case "reject":
		return banks.PaymentResult{}, banks.Refuse("approvalBank.Pay", "sca_rejected")
	case "expire": // the approval never came
		return banks.PaymentResult{}, banks.Refuse("approvalBank.Pay", "sca_expired")
	}
	return banks.PaymentResult{AwaitingApproval: true}, nil
}

func (b *approvalBank) decideAll(d string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	for k := range b.asked {
		b.decision[k] = d
	}
}

// A payment the bank wants approved in its app: the user is asked to
// approve it there, and the next turn says what became of it; the money
// moves once, and only when approved.
func TestPaymentAwaitingApprovalAtTheBank(t *testing.T) {
	for _, c := range []struct{ decision, want string }{
		{"approve", "About your payment of $35.00 to Tom Nguyen: it went through."},
		{"reject", "About your payment of $35.00 to Tom Nguyen: you declined it in your banking app, so nothing was sent."},
		{"expire", "About your payment of $35.00 to Tom Nguyen: the approval in your banking app ran out, so nothing was sent."},
	} {
		t.Run(c.decision, func(t *testing.T) {
			ab := &approvalBank{decision: map[string]string{}, asked: map[string]int{}}
			e := newEnvWith(t, func(cfg *skill.Config) {
				ab.Bank = cfg.Auth.(*sandbox.Bank)
				cfg.Bank = ab
			})
			before := balanceOf(t, e, "carol-checking")
			atPIN(t, e, "appr", "send tom nguyen 35 dollars from checking")
			r := e.pinAs("carol", "appr", e.bank.PIN("carol"))
			if !strings.HasPrefix(r.Speech, "Please approve your payment of $35.00 to Tom Nguyen in your banking app.") || r.EndSession {
				t.Fatalf("speech %q", r.Speech)
			}
			if moved := before - balanceOf(t, e, "carol-checking"); moved != 0 {
				t.Fatalf("%d cents moved before the approval", moved)
			}
			// Not decided yet: still waiting.
			if r := e.turnAs("carol", "appr", "done"); !strings.Contains(r.Speech, "still waiting for your approval") {
				t.Fatalf("before deciding: %q", r.Speech)
			}
			ab.decideAll(c.decision)
			r = e.turnAs("carol", "appr", "done")
			if !strings.HasPrefix(r.Speech, c.want) {
				t.Fatalf("after %s: %q", c.decision, r.Speech)
			}
			// Asked again later, nothing more happens.
			e.turnAs("carol", "appr", "what's my checking balance")
			want := int64(0)
			if c.decision == "approve" {
				want = 3500
			}
			if moved := before - balanceOf(t, e, "carol-checking"); moved != want {
				t.Fatalf("moved %d cents, want %d", moved, want)
			}
			got := auditOf(t, e, "transfer")
			outcome := map[string]string{"approve": "done", "reject": "refused:sca_rejected", "expire": "refused:sca_expired"}[c.decision]
			if len(got) != 1 || got[0].Outcome != outcome {
				t.Fatalf("audit %+v, want one %s", got, outcome)
			}
		})
	}
}

// accountsOnly is the sandbox's authenticator with the scopes a linking
// grant carries: this user allowed reads only.
type accountsOnly struct{ *sandbox.Bank }

func (accountsOnly) Scopes(ctx context.Context, token string) ([]string, error) {
	return []string{"accounts"}, nil
}

// Until is when this user's consent ends.
func (accountsOnly) Until(ctx context.Context, token string) (time.Time, error) {
	return time.Date(2027, 2, 21, 0, 0, 0, 0, time.UTC), nil
}

// A link without the payments scope reads balances but moves no money.
func TestPaymentsNeedThePaymentsScope(t *testing.T) {
	e := newEnvWith(t, func(cfg *skill.Config) { cfg.Auth = accountsOnly{cfg.Auth.(*sandbox.Bank)} })
	if r := e.turnAs("carol", "sc", "what's my checking balance"); !strings.HasPrefix(r.Speech, "Your Premier Checking has $") {
		t.Fatalf("a read: %q", r.Speech)
	}
	r := e.turnAs("carol", "sc", "send tom nguyen 35 dollars from checking")
	if !strings.HasPrefix(r.Speech, "You haven't allowed me to move money") {
		t.Fatalf("a payment without the scope: %q", r.Speech)
	}
}

// "What have I allowed?": the privacy center says what the link allows.
func TestPrivacyCenterSaysWhatIsAllowed(t *testing.T) {
	e := newEnvWith(t, func(cfg *skill.Config) { cfg.Auth = accountsOnly{cfg.Auth.(*sandbox.Bank)} })
	r := e.turnAs("carol", "pc", "what do you store about me")
	if !strings.HasPrefix(r.Speech, "You've allowed me to see your balances and transactions, until February 21st") {
		t.Fatalf("privacy center: %q", r.Speech)
	}
}

// scoped is the sandbox's authenticator with the scopes a linking grant
// carries, as given.
type scoped struct {
	*sandbox.Bank
	scopes []string
}

func (s scoped) Scopes(ctx context.Context, token string) ([]string, error) { return s.scopes, nil }

// A link without the accounts scope reads nothing of the accounts, and one
// without the alerts scope hears no fraud alert; both say how to allow it.
func TestAccountsAndAlertsNeedTheirScopes(t *testing.T) {
	e := newEnvWith(t, func(cfg *skill.Config) { cfg.Auth = scoped{cfg.Auth.(*sandbox.Bank), []string{"payments", "alerts"}} })
	for _, text := range []string{"what's my checking balance", "show my last three transactions", "how much did i spend on groceries last month"} {
		if r := e.turnAs("alice", "sc-a", text); !strings.HasPrefix(r.Speech, "You haven't allowed me to see your accounts") {
			t.Errorf("%q without the accounts scope: %q", text, r.Speech)
		}
	}
	e = newEnvWith(t, func(cfg *skill.Config) { cfg.Auth = scoped{cfg.Auth.(*sandbox.Bank), []string{"accounts"}} })
	if r := e.turnAs("alice", "sc-b", "what's my checking balance"); strings.Contains(r.Speech, "ElectroMart") || !strings.HasPrefix(r.Speech, "Your Everyday Checking has $") {
		t.Errorf("a first turn without the alerts scope: %q", r.Speech)
	}
	if r := e.turnAs("alice", "sc-c", "do i have any alerts"); !strings.HasPrefix(r.Speech, "You haven't allowed me to tell you about fraud alerts") {
		t.Errorf("alerts without the alerts scope: %q", r.Speech)
	}
	// With all scopes, the first turn raises the open alert.
	e = newEnvWith(t, func(cfg *skill.Config) {
		cfg.Auth = scoped{cfg.Auth.(*sandbox.Bank), []string{"accounts", "payments", "alerts"}}
	})
	if r := e.turnAs("alice", "sc-d", "what's my checking balance"); !strings.Contains(r.Speech, "ElectroMart") {
		t.Errorf("a first turn with the alerts scope: %q", r.Speech)
	}
}

// On a voice channel (a shared speaker) every payment needs the PIN: a
// PIN said a minute ago for another payment covers none (anyone in the
// room can say "yes"). Card changes and text channels keep the five
// minutes. (A sealed conversation set's writer expected this; the earlier
// design let the second payment go on a bare yes.)
func TestVoicePaymentAsksThePINEachTime(t *testing.T) {
	e := newEnv(t, nil, 0)
	say := func(text string, pin bool) string {
		req := &skill.Request{Platform: "test", UserID: "u-carol", SessionID: "voice-pin", RequestID: fmt.Sprintf("voice-pin-%d", reqSeq.Add(1)),
			Locale: "en-US", Text: text, AccessToken: e.bank.Token("carol"), Channel: skill.Channel{Voice: true}}
		if pin {
			req.Text, req.Intent, req.Slots = "", intents.ProvidePin, intents.Slots{intents.SlotPin: e.bank.PIN("carol")}
		}
		return e.sk.Handle(context.Background(), req).Speech
	}
	say("send tom nguyen 20 dollars from checking", false)
	say("yes", false)
	if got := say("", true); !strings.HasPrefix(got, "Done") {
		t.Fatalf("first payment: %q", got)
	}
	before := balanceOf(t, e, "carol-checking")
	say("send alice meyer 10 dollars from checking", false)
	if got := say("yes", false); strings.HasPrefix(got, "Done") || !strings.Contains(got, "PIN") {
		t.Fatalf("the second payment on a voice channel went on a bare yes: %q", got)
	}
	if balanceOf(t, e, "carol-checking") != before {
		t.Fatal("money moved without a PIN")
	}
}

// A platform slot that holds no four-digit PIN ("12345", "12") is asked
// for again and uses up no try: three of them, then the right PIN, pay.
func TestMisshapenPlatformPINUsesNoTry(t *testing.T) {
	e := newEnv(t, nil, 0)
	const sess = "pin-shape"
	e.sayIn("carol", "en-US", sess, "send tom nguyen 20 dollars from checking")
	if got := e.sayIn("carol", "en-US", sess, "yes").Speech; !strings.Contains(got, "PIN") {
		t.Fatalf("setup: %q", got)
	}
	for _, bad := range []string{"12345", "12", "123456", "12345"} {
		got := r14(e, "carol", sess, intents.ProvidePin, intents.Slots{intents.SlotPin: bad}).Speech
		if !strings.Contains(got, "four-digit") || strings.Contains(got, "PIN is wrong") || strings.Contains(got, "paused") {
			t.Fatalf("PIN slot %q: %q", bad, got)
		}
	}
	if got := e.pinIn("carol", "en-US", sess).Speech; !done(got) {
		t.Fatalf("the right PIN after misshapen ones: %q", got)
	}
}
