package skill_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kontoskill/konto/banks"
	"github.com/kontoskill/konto/banks/sandbox"
	"github.com/kontoskill/konto/intents"
	"github.com/kontoskill/konto/skill"
	"github.com/kontoskill/konto/skill/skilltest"
	"github.com/kontoskill/konto/skill/sqlite"
)

var now = time.Date(2026, 11, 23, 8, 0, 0, 0, time.UTC)

// rec is one recognizer for all tests: it trains once.
var rec = intents.NewOffline()

type env struct {
	dir   string
	bank  *sandbox.Bank
	store *sqlite.Store
	sk    *skill.Skill
}

func newEnv(t testing.TB, bank banks.Connector, timeout time.Duration) *env {
	t.Helper()
	return newEnvWith(t, func(c *skill.Config) {
		if bank != nil {
			c.Bank = bank
		}
		c.Timeout = timeout
	})
}

// newEnvWith builds the test environment on a fresh sandbox and store
// (skilltest's, at the fixed clock now, which the bank reads too); set
// changes the skill's configuration (Bank starts as the sandbox).
func newEnvWith(t testing.TB, set func(*skill.Config)) *env {
	t.Helper()
	if err := rec.Warm(); err != nil {
		t.Fatal(err)
	}
	e := skilltest.NewEnv(t, skilltest.WithNow(now), skilltest.WithRecognizer(rec), skilltest.WithConfig(set))
	return &env{dir: e.Dir, bank: e.Bank, store: e.Store, sk: e.Skill}
}

// say sends typed text as a customer, through the recognizer.
func (e *env) say(customer, locale, text string) *skill.Response {
	return e.sk.Handle(context.Background(), &skill.Request{Platform: "test", UserID: "u-" + customer, SessionID: "s-" + customer,
		Locale: locale, Text: text, AccessToken: e.bank.Token(customer)})
}

func TestAnswersInBothLocales(t *testing.T) {
	e := newEnv(t, nil, 0)
	cases := []struct {
		customer, locale, text, want string
	}{
		{"alice", "en-US", "what's my checking balance", "Your Everyday Checking has $12,469.55."},
		{"alice", "en-US", "what's my credit card balance", "Your Rewards Visa balance is $1,632.66, with $4,289.42 of credit available."},
		{"bob", "en-US", "how much do I owe on my loan", "You owe $9,630.00 on your Auto Loan."},
		{"alice", "en-US", "what's my loan balance", "I don't see a loan among your linked accounts."},
		{"alice", "en-US", "how much did i spend on groceries last month", "You spent $1,188.52 on groceries in October, in 12 purchases."},
		{"alice", "en-US", "how much did i spend at starbucks in october", "You spent $39.59 at Starbucks in October, in one purchase."},
		{"alice", "en-US", "how much did i spend last month", "You spent $4,824.63 in October. The biggest categories were rent at $1,650.00, groceries at $1,188.52 and travel at $552.29."},
		{"alice", "en-US", "show me my last three transactions", "Your last 3 transactions: $77.92 at Sweetgreen today (still pending), $143.21 at Trader Joe's on November 21st and $899.00 at ElectroMart on November 20th."},
		{"alice", "en-US", "what did i spend on travel yesterday", "You didn't spend anything on travel yesterday."},
		{"alice", "en-US", "show my transactions at nowhere mart", "I don't see any purchases at Nowhere Mart."},
		{"jonas", "de-DE", "wie ist mein kontostand auf dem girokonto", "Auf deinem Girokonto sind 4.310,07\u00a0€."},
		{"jonas", "de-DE", "wie viel habe ich letzten monat für lebensmittel ausgegeben", "Du hast im Oktober für Lebensmittel 501,71\u00a0€ ausgegeben, bei 11 Zahlungen."},
		{"jonas", "de-DE", "zeig mir die letzten drei umsätze", "Deine letzten 3 Umsätze: 17,42\u00a0€ bei CinemaxX gestern (noch vorgemerkt), 649,00\u00a0€ bei Technikwelt Online am 21. November und 79,43\u00a0€ bei Aldi Süd am 19. November."},
		{"lena", "de-DE", "wie viel schulde ich auf der kreditkarte", "Deine Visa Karte steht bei"},
		{"lena", "de-DE", "spiel musik von queen", "Dabei kann ich leider nicht helfen."},
	}
	for _, c := range cases {
		t.Run(c.text, func(t *testing.T) {
			got := e.say(c.customer, c.locale, c.text)
			if !strings.HasPrefix(got.Speech, c.want) {
				t.Fatalf("speech %q\nwant     %q", got.Speech, c.want)
			}
		})
	}
}

// TestSpendingMatchesTheBank cross-checks a spoken total against a sum the
// test makes itself over the bank's transactions.
func TestSpendingMatchesTheBank(t *testing.T) {
	e := newEnv(t, nil, 0)
	u, _ := e.bank.Authenticate(context.Background(), e.bank.Token("carol"))
	from, to := time.Date(2026, 9, 1, 0, 0, 0, 0, time.UTC), time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC)
	txs, err := e.bank.Transactions(context.Background(), u, banks.TxFilter{From: from, To: to, Category: "restaurants"})
	if err != nil {
		t.Fatal(err)
	}
	var sum int64
	for _, tx := range txs {
		sum -= tx.Amount.Minor
	}
	want := "$" + banks.Money{Minor: sum, Currency: "USD"}.Decimal()
	got := e.say("carol", "en-US", "how much did i spend on restaurants in september").Speech
	if !strings.Contains(strings.ReplaceAll(got, ",", ""), want) {
		t.Fatalf("speech %q, want the total %s", got, want)
	}
}

func TestNotLinkedAndRelink(t *testing.T) {
	e := newEnv(t, nil, 0)
	r := e.sk.Handle(context.Background(), &skill.Request{Platform: "test", UserID: "u1", Locale: "de-DE", Text: "kontostand",
		Channel: skill.Channel{LinkHint: "in der Beispiel-App"}})
	if !r.LinkAccount || !r.EndSession || r.Speech != "Um dein Konto zu nutzen, verknüpfe es bitte in der Beispiel-App." {
		t.Fatalf("%+v", r)
	}
	e.say("alice", "en-US", "balance")
	l, err := e.store.Link(context.Background(), "test", "u-alice")
	if err != nil || l.Customer != "alice" || len(l.TokenHash) != 32 {
		t.Fatalf("link %+v %v", l, err)
	}
	if err := e.sk.Unlink(context.Background(), "test", "u-alice"); err != nil {
		t.Fatal(err)
	}
	if _, err := e.store.Link(context.Background(), "test", "u-alice"); banks.KindOf(err) != banks.NotLinked {
		t.Fatalf("link survived Unlink: %v", err)
	}
}

// slowBank stands in for a remote bank that does not answer in time.
type slowBank struct{ banks.Connector }

func (slowBank) Accounts(ctx context.Context, u banks.User) ([]banks.Account, error) {
	<-ctx.Done()
	time.Sleep(50 * time.Millisecond) // and ignores cancellation for a while
	return nil, ctx.Err()
}

func TestSlowBankGetsASentenceInTime(t *testing.T) {
	e := newEnv(t, slowBank{}, 200*time.Millisecond)
	start := time.Now()
	r := e.say("alice", "en-US", "what's my balance")
	if d := time.Since(start); d > 2*time.Second {
		t.Fatalf("answered after %s", d)
	}
	if !strings.Contains(r.Speech, "can't reach your bank") {
		t.Fatalf("speech %q", r.Speech)
	}
}

type panicBank struct{ banks.Connector }

func (panicBank) Accounts(context.Context, banks.User) ([]banks.Account, error) {
	panic("bank exploded")
}

func TestPanicBecomesASentence(t *testing.T) {
	e := newEnv(t, panicBank{}, 0)
	r := e.say("alice", "en-US", "balance")
	if !strings.Contains(r.Speech, "something went wrong") || !r.EndSession {
		t.Fatalf("%+v", r)
	}
}

func TestMuxAndMiddleware(t *testing.T) {
	m := skill.NewMux()
	var order []string
	mw := func(name string) skill.Middleware {
		return func(next skill.Handler) skill.Handler {
			return skill.HandlerFunc(func(ctx context.Context, r *skill.Request) (*skill.Response, error) {
				order = append(order, name)
				return next.Serve(ctx, r)
			})
		}
	}
	m.HandleFunc("A", func(context.Context, *skill.Request) (*skill.Response, error) {
		return &skill.Response{Speech: "a"}, nil
	})
	m.HandleFunc(intents.Fallback, func(context.Context, *skill.Request) (*skill.Response, error) {
		return &skill.Response{Speech: "fb"}, nil
	})
	h := skill.Chain(m, mw("outer"), mw("inner"))
	r, _ := h.Serve(context.Background(), &skill.Request{Intent: "A"})
	if r.Speech != "a" || strings.Join(order, ",") != "outer,inner" {
		t.Fatalf("%q %v", r.Speech, order)
	}
	r, _ = h.Serve(context.Background(), &skill.Request{Intent: "Nope"})
	if r.Speech != "fb" {
		t.Fatalf("unknown intent went to %q", r.Speech)
	}
}

func TestSessionStateIsPerUser(t *testing.T) {
	e := newEnv(t, nil, 0)
	ctx := context.Background()
	e.sk.Handle(ctx, &skill.Request{Platform: "test", UserID: "owner", SessionID: "shared", Locale: "en-US", Intent: intents.Launch, AccessToken: e.bank.Token("alice")})
	// Another user presenting the same session id cannot read or replace it.
	r := e.sk.Handle(ctx, &skill.Request{Platform: "test", UserID: "intruder", SessionID: "shared", Locale: "en-US", Intent: intents.Repeat, AccessToken: e.bank.Token("bob")})
	if !strings.Contains(r.Speech, "nothing to repeat") {
		t.Fatalf("intruder heard %q", r.Speech)
	}
}

// flakyBank fails until told to recover, like a bank that timed out.
type flakyBank struct {
	banks.Connector
	down *bool
}

func (f flakyBank) Accounts(ctx context.Context, u banks.User) ([]banks.Account, error) {
	if *f.down {
		return nil, banks.E("flaky", banks.Unavailable, context.DeadlineExceeded)
	}
	return f.Connector.Accounts(ctx, u)
}

func TestRetryAfterOutageIsAnsweredAfresh(t *testing.T) {
	down := true
	e := newEnv(t, nil, 0)
	sk := skill.New(skill.Config{Bank: flakyBank{e.bank, &down}, Auth: e.bank, Store: e.store, Recognizer: rec, Now: func() time.Time { return now },
		Log: slog.New(slog.NewTextHandler(io.Discard, nil))})
	req := func() *skill.Request {
		return &skill.Request{Platform: "test", UserID: "u1", SessionID: "s1", RequestID: "same-id", Locale: "en-US",
			Intent: intents.GetBalance, Slots: intents.Slots{intents.SlotAccount: "checking"}, AccessToken: e.bank.Token("alice")}
	}
	if r := sk.Handle(context.Background(), req()); !strings.Contains(r.Speech, "can't reach your bank") {
		t.Fatalf("outage: %q", r.Speech)
	}
	down = false
	if r := sk.Handle(context.Background(), req()); !strings.HasPrefix(r.Speech, "Your Everyday Checking has") {
		t.Fatalf("retry after the outage: %q", r.Speech)
	}
}

// Questions carry their answers as choices, for text channels' buttons,
// and picking one by its text answers the question.
func TestResponsesCarryChoices(t *testing.T) {
	e := newEnv(t, nil, 0)
	e.say("alice", "en-US", "send alice 20 dollars") // her open fraud alert is asked first
	r := e.say("alice", "en-US", "yes that was me")
	if len(r.Choices) != 2 || r.Choices[0].Label != "Alice Chen" || r.Choices[1].Label != "Alice Meyer" {
		t.Fatalf("payee choices %+v for %q", r.Choices, r.Speech)
	}
	r = e.say("alice", "en-US", r.Choices[1].Say)
	if len(r.Choices) != 2 {
		t.Fatalf("account choices %+v for %q", r.Choices, r.Speech)
	}
	r = e.say("alice", "en-US", r.Choices[0].Say)
	if !strings.Contains(r.Speech, "Shall I go ahead") || len(r.Choices) != 2 || r.Choices[0].Say != "yes" || r.Choices[1].Say != "no" {
		t.Fatalf("read-back choices %+v for %q", r.Choices, r.Speech)
	}
}

// A turn's logs carry one trace id and the platform's request id, and the
// bank calls see the same trace in their context.
func TestLogsCarryTheTurnsTrace(t *testing.T) {
	down := true
	e := newEnv(t, nil, 0)
	var buf strings.Builder
	var mu sync.Mutex
	seen := new(string)
	sk := skill.New(skill.Config{Bank: traceBank{flakyBank{e.bank, &down}, &mu, seen}, Auth: e.bank, Store: e.store, Recognizer: rec,
		Now: func() time.Time { return now }, Log: slog.New(skill.LogHandler(slog.NewJSONHandler(lockedWriter{&buf, &mu}, nil)))})
	sk.Handle(context.Background(), &skill.Request{Platform: "test", UserID: "u1", SessionID: "s1", RequestID: "req-77", Locale: "en-US",
		Intent: intents.GetBalance, AccessToken: e.bank.Token("alice")})
	mu.Lock()
	defer mu.Unlock()
	var rec struct{ Msg, Trace, Request_ID string }
	for _, line := range strings.Split(strings.TrimSpace(buf.String()), "\n") {
		if err := json.Unmarshal([]byte(line), &rec); err == nil && rec.Msg == "bank unavailable" {
			break
		}
	}
	if rec.Msg != "bank unavailable" || rec.Trace == "" || rec.Request_ID != "req-77" {
		t.Fatalf("log %+v in %s", rec, buf.String())
	}
	if *seen != rec.Trace {
		t.Fatalf("the bank call saw trace %q, the log says %q", *seen, rec.Trace)
	}
}

// traceBank records the trace its calls carry.
type traceBank struct {
	flakyBank
	mu   *sync.Mutex
	seen *string
}

func (b traceBank) Accounts(ctx context.Context, u banks.User) ([]banks.Account, error) {
	b.mu.Lock()
	*b.seen = banks.TraceOf(ctx).ID
	b.mu.Unlock()
	return b.flakyBank.Accounts(ctx, u)
}

type lockedWriter struct {
	w  *strings.Builder
	mu *sync.Mutex
}

func (l lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}
