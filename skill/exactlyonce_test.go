package skill_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/kontoskill/konto/intents"
	"github.com/kontoskill/konto/skill"
)

// toPIN walks a transfer of $35.00 from Carol's checking to Tom Nguyen up
// to the PIN question and returns the request that answers it.
func toPIN(t *testing.T, e *env, session string) *skill.Request {
	t.Helper()
	ctx := context.Background()
	say := func(text, id string) *skill.Response {
		return e.sk.Handle(ctx, &skill.Request{Platform: "test", UserID: "u-carol", SessionID: session, RequestID: session + id,
			Locale: "en-US", Text: text, AccessToken: e.bank.Token("carol")})
	}
	if r := say("send tom nguyen 35 dollars from checking", "-1"); !strings.Contains(r.Speech, "Shall I go ahead") {
		t.Fatalf("read-back: %q", r.Speech)
	}
	if r := say("yes", "-2"); !strings.Contains(r.Speech, "voice PIN") {
		t.Fatalf("pin question: %q", r.Speech)
	}
	return &skill.Request{Platform: "test", UserID: "u-carol", SessionID: session, RequestID: session + "-3", Locale: "en-US",
		Intent: intents.ProvidePin, Slots: intents.Slots{intents.SlotPin: e.bank.PIN("carol")}, AccessToken: e.bank.Token("carol")}
}

func checking(t *testing.T, e *env) int64 {
	t.Helper()
	u, _ := e.bank.Authenticate(context.Background(), e.bank.Token("carol"))
	b, err := e.bank.Balance(context.Background(), u, "carol-checking")
	if err != nil {
		t.Fatal(err)
	}
	return b.Booked.Minor
}

func transfers(t *testing.T, e *env) int {
	t.Helper()
	log, err := e.sk.AuditLog(context.Background(), "sandbox", "carol")
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, a := range log {
		if a.Action == "transfer" && a.Outcome == "done" {
			n++
		}
	}
	return n
}

func clone(r *skill.Request) *skill.Request {
	c := *r
	c.Slots = intents.Slots{}
	for k, v := range r.Slots {
		c.Slots[k] = v
	}
	return &c
}

func TestReplayedConfirmationMovesMoneyOnce(t *testing.T) {
	e := newEnv(t, nil, 0)
	before := checking(t, e)
	pin := toPIN(t, e, "s-replay")
	first := e.sk.Handle(context.Background(), clone(pin))
	if !strings.HasPrefix(first.Speech, "Done. I sent $35.00 to Tom Nguyen") {
		t.Fatalf("first: %q", first.Speech)
	}
	// The same request id again, and the same turn with a new id.
	again := e.sk.Handle(context.Background(), clone(pin))
	other := clone(pin)
	other.RequestID = "s-replay-3b"
	third := e.sk.Handle(context.Background(), other)
	for _, r := range []*skill.Response{again, third} {
		if r.Speech != first.Speech {
			t.Fatalf("replay answered %q, want %q", r.Speech, first.Speech)
		}
	}
	if got := before - checking(t, e); got != 3500 {
		t.Fatalf("checking moved by %d cents, want 3500", got)
	}
	if n := transfers(t, e); n != 1 {
		t.Fatalf("%d transfer audit entries, want 1", n)
	}
}

func TestConcurrentDuplicatesMoveMoneyOnce(t *testing.T) {
	for _, sameID := range []bool{true, false} {
		t.Run(fmt.Sprintf("same request id %v", sameID), func(t *testing.T) {
			e := newEnv(t, nil, 0)
			before := checking(t, e)
			pin := toPIN(t, e, "s-conc")
			const n = 8
			var wg sync.WaitGroup
			answers := make([]string, n)
			for i := range n {
				wg.Add(1)
				go func() {
					defer wg.Done()
					r := clone(pin)
					if !sameID {
						r.RequestID = fmt.Sprintf("s-conc-dup-%d", i)
					}
					answers[i] = e.sk.Handle(context.Background(), r).Speech
				}()
			}
			wg.Wait()
			if got := before - checking(t, e); got != 3500 {
				t.Fatalf("checking moved by %d cents with %d duplicates, want 3500", got, n)
			}
			if c := transfers(t, e); c != 1 {
				t.Fatalf("%d transfer audit entries, want 1", c)
			}
			done := 0
			for _, a := range answers {
				if strings.HasPrefix(a, "Done. I sent $35.00 to Tom Nguyen") {
					done++
				}
			}
			if done == 0 {
				t.Fatalf("no duplicate heard the result: %q", answers)
			}
			if sameID && done != n {
				t.Fatalf("with one request id every duplicate must get the same answer: %q", answers)
			}
		})
	}
}

func TestRequestIDOfAnotherUserIsRefused(t *testing.T) {
	e := newEnv(t, nil, 0)
	ctx := context.Background()
	e.sk.Handle(ctx, &skill.Request{Platform: "test", UserID: "u-carol", SessionID: "s1", RequestID: "shared-id", Locale: "en-US",
		Text: "what's my checking balance", AccessToken: e.bank.Token("carol")})
	r := e.sk.Handle(ctx, &skill.Request{Platform: "test", UserID: "u-bob", SessionID: "s2", RequestID: "shared-id", Locale: "en-US",
		Text: "what's my checking balance", AccessToken: e.bank.Token("bob")})
	if strings.Contains(r.Speech, "Premier Checking") {
		t.Fatalf("another user's stored answer was replayed: %q", r.Speech)
	}
}

func TestPINsAreKeyedSlowSaltedHashes(t *testing.T) {
	e := newEnv(t, nil, 0)
	pin := toPIN(t, e, "s-pin") // asking for the PIN stores its hash
	e.sk.Handle(context.Background(), clone(pin))
	rec, err := e.store.PIN(context.Background(), "sandbox", "carol")
	if err != nil {
		t.Fatal(err)
	}
	p := e.bank.PIN("carol")
	key := []byte("the secret the env was made with")
	if strings.Contains(rec.Hash, p) || !strings.HasPrefix(rec.Hash, "argon2id+hmac$") {
		t.Fatalf("hash %q", rec.Hash)
	}
	if ok, _ := skill.VerifyPIN(key, "sandbox", "carol", rec.Hash, p); !ok {
		t.Fatal("the right PIN does not verify")
	}
	// A stolen database alone: without the secret, trying every PIN fails.
	for _, other := range [][]byte{nil, []byte("a guessed secret")} {
		if ok, _ := skill.VerifyPIN(other, "sandbox", "carol", rec.Hash, p); ok {
			t.Fatalf("the PIN verifies under key %q", other)
		}
	}
	// Bound to the customer: the same hash does not verify for another.
	if ok, _ := skill.VerifyPIN(key, "sandbox", "bob", rec.Hash, p); ok {
		t.Fatal("a hash moved to another customer verifies")
	}
	if skill.HashPIN(key, "sandbox", "carol", p) == skill.HashPIN(key, "sandbox", "carol", p) {
		t.Fatal("hashes must be salted")
	}
}

func TestDeletingDataKeepsAPseudonymousAudit(t *testing.T) {
	e := newEnv(t, nil, 0)
	ctx := context.Background()
	pin := toPIN(t, e, "s-del")
	e.sk.Handle(ctx, clone(pin))
	if err := e.sk.Unlink(ctx, "test", "u-carol"); err != nil {
		t.Fatal(err)
	}
	if log, _ := e.store.AuditLog(ctx, "sandbox", "carol"); len(log) != 0 {
		t.Fatalf("audit still names the customer: %+v", log)
	}
	log, _ := e.store.AuditLog(ctx, "sandbox", e.sk.Pseudonym("sandbox", "carol"))
	if len(log) == 0 || log[0].Action != "transfer" || log[0].Amount != 3500 || log[0].Detail != "" || log[0].Actor != "" || log[0].Fingerprint != "" {
		t.Fatalf("pseudonymous audit %+v", log)
	}
	if _, err := e.store.PIN(ctx, "sandbox", "carol"); err == nil {
		t.Fatal("the PIN hash survived deletion")
	}
	if links, sessions, _ := e.store.Counts(ctx, "test", "u-carol"); links+sessions != 0 {
		t.Fatalf("%d links, %d sessions left", links, sessions)
	}
}
