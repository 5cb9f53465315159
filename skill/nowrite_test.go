package skill_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kontoskill/konto/intents"
	"github.com/kontoskill/konto/skill"
)

// countingStore is the real store, counting the calls that write.
type countingStore struct {
	skill.Store
	writes atomic.Int64
	mu     sync.Mutex
	what   []string
}

func (c *countingStore) wrote(what string) {
	c.writes.Add(1)
	c.mu.Lock()
	c.what = append(c.what, what)
	c.mu.Unlock()
}

func (c *countingStore) ClaimRequest(ctx context.Context, platform, requestID, userID string, now time.Time, stale time.Duration) (bool, []byte, error) {
	c.wrote("ClaimRequest")
	return c.Store.ClaimRequest(ctx, platform, requestID, userID, now, stale)
}

func (c *countingStore) CommitTurn(ctx context.Context, t skill.Turn) error {
	c.wrote("CommitTurn")
	return c.Store.CommitTurn(ctx, t)
}

func (c *countingStore) SaveLink(ctx context.Context, l skill.Link) error {
	c.wrote("SaveLink")
	return c.Store.SaveLink(ctx, l)
}

func (c *countingStore) ReservePINAttempt(ctx context.Context, bank, customer string, max int, lockFor time.Duration, now time.Time) (skill.PINRecord, bool, error) {
	c.wrote("ReservePINAttempt")
	return c.Store.ReservePINAttempt(ctx, bank, customer, max, lockFor, now)
}

func (c *countingStore) ReserveOp(ctx context.Context, a skill.AuditEntry, limit int64) (skill.AuditEntry, error) {
	c.wrote("ReserveOp")
	return c.Store.ReserveOp(ctx, a, limit)
}

// carrier is a session on a channel that carries (as Alexa's session
// attributes do), with a fresh request id on every turn.
type carrier struct {
	e                 *env
	customer, session string
	carry             string
}

func (c *carrier) say(text string) *skill.Response {
	r := &skill.Request{Platform: "test", UserID: "u-" + c.customer, SessionID: c.session,
		RequestID: fmt.Sprintf("%s-%d", c.session, reqSeq.Add(1)), Locale: "en-US", Text: text,
		AccessToken: c.e.bank.Token(c.customer), Channel: skill.Channel{Text: true, Carry: true}, Carry: c.carry}
	resp := c.e.sk.Handle(context.Background(), r)
	c.carry = resp.Carry
	return resp
}

// A turn that changes nothing writes nothing: reads, facts and help, each
// with a fresh request id as Alexa sends them, and "say that again" from
// the sealed carry.
func TestReadOnlyTurnsWriteNothing(t *testing.T) {
	cs := &countingStore{}
	e := newEnvWith(t, func(cfg *skill.Config) {
		cs.Store = cfg.Store
		cfg.Store = cs
	})
	c := &carrier{e: e, customer: "carol", session: "reads"}
	c.say("what's my checking balance") // the first turn records the link
	cs.writes.Store(0)
	cs.what = nil
	var last string
	for _, text := range []string{"what's my checking balance", "show my last three transactions",
		"how much did i spend on groceries last month", "what's the interest rate on savings", "help",
		"what are the fees for using my card abroad"} {
		last = c.say(text).Speech
	}
	if got := c.say("say that again").Speech; got != last {
		t.Errorf("repeat: %q, want %q", got, last)
	}
	if n := cs.writes.Load(); n != 0 {
		t.Fatalf("read-only turns wrote %d times: %v", n, cs.what)
	}
	// An action still claims its request id and commits.
	if r := c.say("lock my debit card"); !strings.Contains(r.Speech, "locked") {
		t.Fatalf("lock: %q", r.Speech)
	}
	if cs.writes.Load() == 0 {
		t.Fatal("locking a card wrote nothing")
	}
}

// The carry opens only for its own session and user: one taken from
// another session or user, or tampered with, is ignored.
func TestCarryIsSealedToItsSession(t *testing.T) {
	e := newEnv(t, nil, 0)
	c := &carrier{e: e, customer: "carol", session: "mine"}
	said := c.say("what's my checking balance").Speech
	if c.carry == "" {
		t.Fatal("no carry on a carrying channel")
	}
	if got := c.say("repeat that").Speech; got != said {
		t.Fatalf("repeat in the same session: %q, want %q", got, said)
	}
	stolen := c.carry
	for name, o := range map[string]*carrier{
		"another session": {e: e, customer: "carol", session: "other", carry: stolen},
		"another user":    {e: e, customer: "alice", session: "mine", carry: stolen},
		"tampered":        {e: e, customer: "carol", session: "mine", carry: stolen[:len(stolen)-2] + "AA"},
	} {
		if got := o.say("repeat that").Speech; strings.Contains(got, "Checking has") {
			t.Errorf("%s: the carry opened: %q", name, got)
		}
	}
}

// A platform's retry of a turn that acted gets the first answer, and the
// action happens once, though reads no longer claim their ids.
func TestRetriedActionGetsTheFirstAnswer(t *testing.T) {
	e := newEnv(t, nil, 0)
	req := func() *skill.Request {
		return &skill.Request{Platform: "test", UserID: "u-carol", SessionID: "retry", RequestID: "lock-once",
			Locale: "en-US", Intent: intents.LockCard, Slots: intents.Slots{intents.SlotCard: "debit"}, AccessToken: e.bank.Token("carol")}
	}
	first := e.sk.Handle(context.Background(), req())
	again := e.sk.Handle(context.Background(), req())
	if first.Speech != again.Speech || !strings.Contains(first.Speech, "I've locked") {
		t.Fatalf("retry answered %q, first %q", again.Speech, first.Speech)
	}
	if got := auditOf(t, e, "lock_card"); len(got) != 1 {
		t.Fatalf("%d lock entries after a retry", len(got))
	}
}
