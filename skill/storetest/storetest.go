// Package storetest is the conformance suite every skill.Store runs: the
// SQLite store now, a Postgres one later. It checks the contract the core
// relies on (ownership, exactly-once claims, atomic limits, the PIN guard,
// what deletion removes and what it keeps) through the skill.Store
// methods (and CallbackCounter, if the store has it), so that it runs
// unchanged against any implementation.
//
// A store under test must read the time from the clock it is opened with;
// the suite starts that clock at 2026-11-23 08:00 UTC and moves it to age
// sessions.
package storetest

import (
	"bytes"
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/kontoskill/konto/banks"
	"github.com/kontoskill/konto/skill"
)

// Opener opens a new, empty store that reads the time from now and is
// closed when t ends (t.Cleanup).
type Opener func(t *testing.T, now func() time.Time) skill.Store

// CallbackCounter is what a store may also implement so that the suite
// can check that DeleteUser removes callbacks, which skill.Store cannot
// read back. Without it that one check is skipped.
type CallbackCounter interface {
	CallbackCount(ctx context.Context, platform, userID string) (int, error)
}

// start is the suite clock's time when a store is opened.
var start = time.Date(2026, 11, 23, 8, 0, 0, 0, time.UTC)

// concurrency is how many goroutines the races use.
const concurrency = 12

// clock is a settable clock, safe for the store's goroutines.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// subject is one subtest's store and its clock.
type subject struct {
	skill.Store
	clock *clock
}

// Run checks the skill.Store contract. Each case opens its own store.
func Run(t *testing.T, open Opener) {
	cases := []struct {
		name string
		test func(t *testing.T, s subject)
	}{
		{"links", testLinks},
		{"revoked token hashes do not link", testRevoked},
		{"sessions expire and belong to their user", testSessions},
		{"claim, answer, replay", testClaim},
		{"a request id of another user is forbidden", testClaimOtherUser},
		{"a stale claim is taken over", testStaleClaim},
		{"a released request id is claimed afresh", testRelease},
		{"concurrent claims of one request id", testConcurrentClaims},
		{"a turn is committed in one transaction", testCommitTurn},
		{"a turn that cannot commit writes nothing", testCommitFails},
		{"PIN hash", testPINHash},
		{"PIN attempts are counted before they are checked", testPINCounted},
		{"PIN lockout", testPINLockout},
		{"PIN lockouts in a row last longer", testPINLockoutsEscalate},
		{"a linked turn writes no session once unlinked", testCommitUnlinked},
		{"a right PIN lifts only its own lockout", testPINLockSeq},
		{"concurrent PIN attempts", testPINConcurrent},
		{"the PIN guard survives DeleteUser", testPINGuardSurvives},
		{"reserve and finish an operation", testReserveOp},
		{"the daily limit", testDailyLimit},
		{"the daily limit under concurrent reservations", testDailyLimitConcurrent},
		{"the same action while pending reuses its key", testSameFingerprint},
		{"the same action confirmed concurrently gets one key", testSameFingerprintConcurrent},
		{"pending operations", testPendingOps},
		{"a turn read in one query agrees with its parts", testReadTurn},
		{"purge", testPurge},
		{"DeleteUser", testDeleteUser},
		{"DeleteUser removes the customer's other links", testDeleteUserOtherLinks},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			clk := &clock{t: start}
			c.test(t, subject{Store: open(t, clk.Now), clock: clk})
		})
	}
}

var ctx = context.Background()

func ok(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func kind(t *testing.T, what string, err error, want banks.Kind) {
	t.Helper()
	if got := banks.KindOf(err); got != want {
		t.Fatalf("%s: error %v (kind %v), want kind %v", what, err, got, want)
	}
}

// errOf drops a result to keep its error.
func errOf[T any](_ T, err error) error { return err }

// parallel runs f n times at once and returns its results in order.
func parallel[T any](n int, f func(i int) T) []T {
	out := make([]T, n)
	gate := make(chan struct{})
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-gate
			out[i] = f(i)
		}()
	}
	close(gate)
	wg.Wait()
	return out
}

func testLinks(t *testing.T, s subject) {
	kind(t, "Link of nobody", errOf(s.Link(ctx, "alexa", "u1")), banks.NotLinked)
	want := skill.Link{Platform: "alexa", UserID: "u1", Bank: "sandbox", Customer: "alice", TokenHash: []byte{1, 2}, LinkedAt: start}
	ok(t, s.SaveLink(ctx, want))
	got, err := s.Link(ctx, "alexa", "u1")
	ok(t, err)
	if !sameLink(got, want) {
		t.Fatalf("Link = %+v, want %+v", got, want)
	}
	want.Customer, want.TokenHash, want.LinkedAt = "bob", []byte{3}, start.Add(time.Hour)
	ok(t, s.SaveLink(ctx, want))
	if got, err := s.Link(ctx, "alexa", "u1"); err != nil || !sameLink(got, want) {
		t.Fatalf("after relinking, Link = %+v, %v; want %+v", got, err, want)
	}
	// A link is per platform.
	kind(t, "Link on another platform", errOf(s.Link(ctx, "chat", "u1")), banks.NotLinked)
}

// testReadTurn checks skill.TurnReader, for the stores that have it,
// against Session, Link and PendingOps.
func testReadTurn(t *testing.T, s subject) {
	tr, isReader := s.Store.(skill.TurnReader)
	if !isReader {
		t.Skip("the store has no TurnReader: the core reads a turn with Session, Link and PendingOps")
	}
	before := start.Add(time.Minute)
	read := func(sessionID string) (string, skill.Link, bool, bool) {
		t.Helper()
		st, l, linked, pending, err := tr.ReadTurn(ctx, "alexa", sessionID, "u1", time.Hour, before)
		ok(t, err)
		if st == nil {
			return "<nil>", l, linked, pending
		}
		return string(st), l, linked, pending
	}
	if st, _, linked, pending := read("S1"); st != "<nil>" || linked || pending {
		t.Fatalf("nothing stored: state %s, linked %v, pending %v", st, linked, pending)
	}
	writeSession(t, s, "alexa", "S1", "u1", `{"a":1}`)
	writeSession(t, s, "alexa", "S2", "u2", `{"b":2}`) // another user's
	if st, _, linked, _ := read("S1"); st != `{"a":1}` || linked {
		t.Fatalf("a session without a link: state %s, linked %v", st, linked)
	}
	want := skill.Link{Platform: "alexa", UserID: "u1", Bank: "sandbox", Customer: "alice", TokenHash: []byte{1, 2}, LinkedAt: start,
		Pseudonym: "p_alice"}
	ok(t, s.SaveLink(ctx, want))
	st, got, linked, pending := read("S1")
	if st != `{"a":1}` || !linked || !sameLink(got, want) || got.Pseudonym != want.Pseudonym || pending {
		t.Fatalf("linked: state %s, link %+v (linked %v), pending %v; want %+v and nothing pending", st, got, linked, pending, want)
	}
	if l, err := s.Link(ctx, "alexa", "u1"); err != nil || l.Pseudonym != want.Pseudonym {
		t.Fatalf("Link = %+v, %v: the pseudonym is not kept", l, err)
	}
	if st, _, linked, _ := read(""); st != "<nil>" || !linked {
		t.Fatalf("no session asked for: state %s, linked %v", st, linked)
	}
	if st, _, _, _ := read("S2"); st != "<nil>" {
		t.Fatalf("another user's session was read: %s", st)
	}
	a := entry("p_alice", "k1", 3500, start)
	a.Outcome = ""
	_, err := s.ReserveOp(ctx, a, 0)
	ok(t, err)
	if _, _, _, pending := read("S1"); !pending {
		t.Fatal("a pending entry of the linked customer is not seen")
	}
	if _, _, _, pending := read(""); !pending {
		t.Fatal("without a session, a pending entry of the linked customer is not seen")
	}
	if _, _, _, pending, err := tr.ReadTurn(ctx, "alexa", "S1", "u1", time.Hour, start); err != nil || pending {
		t.Fatalf("an entry no older than before counts as pending (%v)", err)
	}
	ok(t, s.SaveLink(ctx, skill.Link{Platform: "alexa", UserID: "u1", Bank: "sandbox", Customer: "alice", TokenHash: []byte{1, 2}, LinkedAt: start}))
	if _, _, _, pending := read("S1"); pending {
		t.Fatal("a link without a pseudonym says an entry is pending")
	}
	ok(t, s.SaveLink(ctx, want))
	ok(t, s.FinishOp(ctx, "k1", "done"))
	if _, _, _, pending := read("S1"); pending {
		t.Fatal("a finished entry is still pending")
	}
	s.clock.Add(2 * time.Hour)
	if st, _, linked, _ := read("S1"); st != "<nil>" || !linked {
		t.Fatalf("an expired session: state %s, linked %v", st, linked)
	}
}

func sameLink(a, b skill.Link) bool {
	return a.Platform == b.Platform && a.UserID == b.UserID && a.Bank == b.Bank && a.Customer == b.Customer &&
		bytes.Equal(a.TokenHash, b.TokenHash) && a.LinkedAt.Equal(b.LinkedAt)
}

func testRevoked(t *testing.T, s subject) {
	l := skill.Link{Platform: "alexa", UserID: "u1", Bank: "sandbox", Customer: "alice", TokenHash: []byte("old"), LinkedAt: start}
	ok(t, s.SaveLink(ctx, l))
	ok(t, s.RevokeToken(ctx, []byte("gone")))
	ok(t, s.RevokeToken(ctx, []byte("gone"))) // twice is fine
	kind(t, "SaveLink with a revoked hash", s.SaveLink(ctx, skill.Link{Platform: "alexa", UserID: "u1", Bank: "sandbox",
		Customer: "alice", TokenHash: []byte("gone"), LinkedAt: start}), banks.Forbidden)
	if got, err := s.Link(ctx, "alexa", "u1"); err != nil || string(got.TokenHash) != "old" {
		t.Fatalf("a refused relink changed the link: %+v, %v", got, err)
	}
	kind(t, "SaveLink of a new user with a revoked hash", s.SaveLink(ctx, skill.Link{Platform: "chat", UserID: "u9", Bank: "sandbox",
		Customer: "alice", TokenHash: []byte("gone"), LinkedAt: start}), banks.Forbidden)
	kind(t, "Link after a refused link", errOf(s.Link(ctx, "chat", "u9")), banks.NotLinked)
	// Revoking a hash ends every link that holds it (the same token
	// linked on another platform must not keep working).
	ok(t, s.SaveLink(ctx, skill.Link{Platform: "chat", UserID: "u7", Bank: "sandbox", Customer: "alice", TokenHash: []byte("shared"), LinkedAt: start}))
	ok(t, s.SaveLink(ctx, skill.Link{Platform: "alexa", UserID: "u8", Bank: "sandbox", Customer: "alice", TokenHash: []byte("shared"), LinkedAt: start}))
	ok(t, s.RevokeToken(ctx, []byte("shared")))
	kind(t, "Link of another platform's user after its token was revoked", errOf(s.Link(ctx, "chat", "u7")), banks.NotLinked)
	kind(t, "Link after its token was revoked", errOf(s.Link(ctx, "alexa", "u8")), banks.NotLinked)
}

// writeSession writes a session's state the way the core does.
func writeSession(t *testing.T, s subject, platform, sessionID, userID, state string) {
	t.Helper()
	ok(t, s.CommitTurn(ctx, skill.Turn{Platform: platform, SessionID: sessionID, UserID: userID, State: []byte(state)}))
}

func session(t *testing.T, s subject, platform, sessionID, userID string, maxAge time.Duration) string {
	t.Helper()
	b, err := s.Session(ctx, platform, sessionID, userID, maxAge)
	ok(t, err)
	if b == nil {
		return "<nil>"
	}
	return string(b)
}

func testSessions(t *testing.T, s subject) {
	if got := session(t, s, "alexa", "s1", "u1", time.Minute); got != "<nil>" {
		t.Fatalf("a session nobody wrote: %q", got)
	}
	writeSession(t, s, "alexa", "s1", "u1", "mine")
	// Another user can neither overwrite, nor read, nor delete it.
	writeSession(t, s, "alexa", "s1", "u2", "theirs")
	if got := session(t, s, "alexa", "s1", "u2", time.Minute); got != "<nil>" {
		t.Fatalf("u2 read u1's session: %q", got)
	}
	ok(t, s.DeleteSession(ctx, "alexa", "s1", "u2"))
	if got := session(t, s, "alexa", "s1", "u1", time.Minute); got != "mine" {
		t.Fatalf("u1 read %q, want mine", got)
	}
	// A session id is per platform.
	if got := session(t, s, "chat", "s1", "u1", time.Minute); got != "<nil>" {
		t.Fatalf("another platform's session: %q", got)
	}
	// A turn without state leaves it alone.
	ok(t, s.CommitTurn(ctx, skill.Turn{Platform: "alexa", SessionID: "s1", UserID: "u1"}))
	if got := session(t, s, "alexa", "s1", "u1", time.Minute); got != "mine" {
		t.Fatalf("a turn without state changed the session to %q", got)
	}
	// Age is measured by the store's clock from the last write.
	s.clock.Add(50 * time.Second)
	writeSession(t, s, "alexa", "s1", "u1", "newer")
	s.clock.Add(50 * time.Second)
	if got := session(t, s, "alexa", "s1", "u1", time.Minute); got != "newer" {
		t.Fatalf("50 s after its last write, read %q", got)
	}
	s.clock.Add(20 * time.Second)
	if got := session(t, s, "alexa", "s1", "u1", time.Minute); got != "<nil>" {
		t.Fatalf("an expired session was returned: %q", got)
	}
	if got := session(t, s, "alexa", "s1", "u1", time.Hour); got != "newer" {
		t.Fatalf("with a longer maxAge, read %q", got)
	}
	ok(t, s.DeleteSession(ctx, "alexa", "s1", "u1"))
	if got := session(t, s, "alexa", "s1", "u1", time.Hour); got != "<nil>" {
		t.Fatalf("a deleted session was returned: %q", got)
	}
	ok(t, s.DeleteSession(ctx, "alexa", "s1", "u1")) // missing is fine
}

// claim calls ClaimRequest with a staleAfter of a minute.
func claim(t *testing.T, s subject, id, user string, now time.Time) (bool, string) {
	t.Helper()
	got, stored, err := s.ClaimRequest(ctx, "alexa", id, user, now, time.Minute)
	ok(t, err)
	if stored == nil {
		return got, "<nil>"
	}
	return got, string(stored)
}

func answer(t *testing.T, s subject, id, user, response string) {
	t.Helper()
	ok(t, s.CommitTurn(ctx, skill.Turn{Platform: "alexa", UserID: user, RequestID: id, Response: []byte(response)}))
}

func testClaim(t *testing.T, s subject) {
	if got, stored := claim(t, s, "r1", "u1", start); !got || stored != "<nil>" {
		t.Fatalf("first claim = %v, %s; want ok", got, stored)
	}
	if got, stored := claim(t, s, "r1", "u1", start.Add(time.Second)); got || stored != "<nil>" {
		t.Fatalf("claim while answering = %v, %s; want to wait", got, stored)
	}
	answer(t, s, "r1", "u1", "the answer")
	if got, stored := claim(t, s, "r1", "u1", start.Add(2*time.Second)); got || stored != "the answer" {
		t.Fatalf("claim after the answer = %v, %s; want the answer", got, stored)
	}
	// An answered request is never taken over, however old.
	if got, stored := claim(t, s, "r1", "u1", start.Add(time.Hour)); got || stored != "the answer" {
		t.Fatalf("claim an hour later = %v, %s; want the answer", got, stored)
	}
	// A request id is per platform.
	if got, _, err := s.ClaimRequest(ctx, "chat", "r1", "u2", start, time.Minute); err != nil || !got {
		t.Fatalf("the same id on another platform = %v, %v; want ok", got, err)
	}
}

func testClaimOtherUser(t *testing.T, s subject) {
	claim(t, s, "r1", "u1", start)
	_, _, err := s.ClaimRequest(ctx, "alexa", "r1", "u2", start, time.Minute)
	kind(t, "another user's pending claim", err, banks.Forbidden)
	// Not even when it is stale.
	_, _, err = s.ClaimRequest(ctx, "alexa", "r1", "u2", start.Add(time.Hour), time.Minute)
	kind(t, "another user's stale claim", err, banks.Forbidden)
	answer(t, s, "r1", "u1", "for u1")
	got, stored, err := s.ClaimRequest(ctx, "alexa", "r1", "u2", start.Add(time.Second), time.Minute)
	kind(t, "another user's answer", err, banks.Forbidden)
	if got || bytes.Contains(stored, []byte("for u1")) {
		t.Fatalf("u2 got %v, %q", got, stored)
	}
}

func testStaleClaim(t *testing.T, s subject) {
	claim(t, s, "r1", "u1", start)
	if got, _ := claim(t, s, "r1", "u1", start.Add(30*time.Second)); got {
		t.Fatal("a claim 30 s old was taken over (staleAfter 1 min)")
	}
	if got, _ := claim(t, s, "r1", "u1", start.Add(2*time.Minute)); !got {
		t.Fatal("a claim 2 min old was not taken over")
	}
	// The takeover is a fresh claim.
	if got, _ := claim(t, s, "r1", "u1", start.Add(2*time.Minute+30*time.Second)); got {
		t.Fatal("a taken-over claim was taken over again 30 s later")
	}
}

func testRelease(t *testing.T, s subject) {
	claim(t, s, "r1", "u1", start)
	ok(t, s.CommitTurn(ctx, skill.Turn{Platform: "alexa", UserID: "u1", RequestID: "r1", Response: []byte("sorry"), Release: true}))
	if got, stored := claim(t, s, "r1", "u1", start.Add(time.Second)); !got {
		t.Fatalf("after a release, claim = %v, %s; want ok", got, stored)
	}
}

func testConcurrentClaims(t *testing.T, s subject) {
	type result struct {
		ok     bool
		stored []byte
		err    error
	}
	results := parallel(concurrency, func(int) result {
		got, stored, err := s.ClaimRequest(ctx, "alexa", "r1", "u1", start, time.Minute)
		if err == nil && got {
			err = s.CommitTurn(ctx, skill.Turn{Platform: "alexa", UserID: "u1", RequestID: "r1", Response: []byte("once")})
		}
		return result{got, stored, err}
	})
	owners := 0
	for _, r := range results {
		switch {
		case r.err != nil:
			t.Errorf("claim: %v", r.err)
		case r.ok:
			owners++
		case r.stored != nil && string(r.stored) != "once":
			t.Errorf("a waiting claim got %q", r.stored)
		}
	}
	if owners != 1 {
		t.Fatalf("%d of %d concurrent claims owned the request id, want 1", owners, concurrency)
	}
	for i := range concurrency {
		if got, stored := claim(t, s, "r1", "u1", start.Add(time.Second)); got || stored != "once" {
			t.Fatalf("claim %d after the answer = %v, %s; want the answer", i, got, stored)
		}
	}
}

func entry(customer, key string, amount int64, at time.Time) skill.AuditEntry {
	return skill.AuditEntry{At: at, Actor: "alexa:u1", Bank: "sandbox", Customer: customer, Channel: "alexa", Action: "transfer",
		Detail: "to Tom Nguyen", Amount: amount, Outcome: "done", OpKey: key, Currency: "USD", Fingerprint: "fp-" + key}
}

func auditLog(t *testing.T, s subject, customer string) []skill.AuditEntry {
	t.Helper()
	log, err := s.AuditLog(ctx, "sandbox", customer)
	ok(t, err)
	return log
}

func sameEntry(a, b skill.AuditEntry) bool {
	at := a.At.Equal(b.At)
	a.At, b.At = time.Time{}, time.Time{}
	return at && a == b
}

func testCommitTurn(t *testing.T, s subject) {
	claim(t, s, "r1", "u1", start)
	e1, e2 := entry("alice", "k1", 3500, start), entry("alice", "", 0, start)
	e2.Action, e2.Detail, e2.Fingerprint = "lock_card", "", ""
	ok(t, s.CommitTurn(ctx, skill.Turn{Platform: "alexa", SessionID: "s1", UserID: "u1", State: []byte("state"),
		Audit: []skill.AuditEntry{e1, e2}, RequestID: "r1", Response: []byte("done")}))
	if got := session(t, s, "alexa", "s1", "u1", time.Minute); got != "state" {
		t.Errorf("session = %q, want state", got)
	}
	if got, stored := claim(t, s, "r1", "u1", start.Add(time.Second)); got || stored != "done" {
		t.Errorf("claim = %v, %s; want the stored answer", got, stored)
	}
	log := auditLog(t, s, "alice")
	if len(log) != 2 || !sameEntry(log[0], e1) || !sameEntry(log[1], e2) {
		t.Fatalf("audit log = %+v, want %+v and %+v", log, e1, e2)
	}
	// An entry whose key is recorded already is not recorded again.
	ok(t, s.CommitTurn(ctx, skill.Turn{Audit: []skill.AuditEntry{e1}}))
	if log := auditLog(t, s, "alice"); len(log) != 2 {
		t.Fatalf("an entry with a recorded key was added again: %+v", log)
	}
}

func testCommitFails(t *testing.T, s subject) {
	claim(t, s, "r1", "u1", start)
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	err := s.CommitTurn(cancelled, skill.Turn{Platform: "alexa", SessionID: "s1", UserID: "u1", State: []byte("state"),
		Audit: []skill.AuditEntry{entry("alice", "k1", 100, start)}, RequestID: "r1", Response: []byte("done")})
	kind(t, "CommitTurn with a cancelled context", err, banks.Unavailable)
	if got := session(t, s, "alexa", "s1", "u1", time.Minute); got != "<nil>" {
		t.Errorf("a failed turn wrote its session: %q", got)
	}
	if log := auditLog(t, s, "alice"); len(log) != 0 {
		t.Errorf("a failed turn wrote its audit: %+v", log)
	}
	if got, stored := claim(t, s, "r1", "u1", start.Add(time.Second)); got || stored != "<nil>" {
		t.Errorf("a failed turn stored its answer: %v, %s", got, stored)
	}
}

func pin(t *testing.T, s subject, customer string) skill.PINRecord {
	t.Helper()
	r, err := s.PIN(ctx, "sandbox", customer)
	ok(t, err)
	return r
}

func testPINHash(t *testing.T, s subject) {
	_, err := s.PIN(ctx, "sandbox", "alice")
	kind(t, "PIN of nobody", err, banks.NotFound)
	_, _, err = s.ReservePINAttempt(ctx, "sandbox", "alice", 3, time.Hour, start)
	kind(t, "ReservePINAttempt without a PIN", err, banks.NotFound)
	ok(t, s.SetPIN(ctx, "sandbox", "alice", "h1", false))
	ok(t, s.SetPIN(ctx, "sandbox", "alice", "h2", false))
	if r := pin(t, s, "alice"); r.Hash != "h1" || r.Failures != 0 || !r.LockedUntil.IsZero() {
		t.Fatalf("SetPIN without replace changed the hash: %+v", r)
	}
	ok(t, s.SetPIN(ctx, "sandbox", "alice", "h2", true))
	if r := pin(t, s, "alice"); r.Hash != "h2" {
		t.Fatalf("SetPIN with replace kept %q", r.Hash)
	}
	kind(t, "PIN of another customer", errOf(s.PIN(ctx, "sandbox", "bob")), banks.NotFound)
}

// reserve reserves a PIN attempt of alice (3 failures lock for an hour).
func reserve(t *testing.T, s subject, now time.Time) (skill.PINRecord, bool) {
	t.Helper()
	r, allowed, err := s.ReservePINAttempt(ctx, "sandbox", "alice", 3, time.Hour, now)
	ok(t, err)
	return r, allowed
}

func testPINCounted(t *testing.T, s subject) {
	ok(t, s.SetPIN(ctx, "sandbox", "alice", "h", false))
	r, allowed := reserve(t, s, start)
	if !allowed || r.Hash != "h" || r.Failures != 1 {
		t.Fatalf("first attempt = %+v, %v; want allowed with 1 failure counted", r, allowed)
	}
	if got := pin(t, s, "alice").Failures; got != 1 {
		t.Fatalf("a reserved attempt is stored as %d failures, want 1 until verified", got)
	}
	ok(t, s.PINVerified(ctx, "sandbox", "alice", r.LockSeq))
	if got := pin(t, s, "alice").Failures; got != 0 {
		t.Fatalf("after a right PIN, %d failures", got)
	}
	// The guard is per customer.
	ok(t, s.SetPIN(ctx, "sandbox", "bob", "h", false))
	reserve(t, s, start)
	if got := pin(t, s, "bob").Failures; got != 0 {
		t.Fatalf("alice's attempt counted for bob: %d", got)
	}
}

func testPINLockout(t *testing.T, s subject) {
	ok(t, s.SetPIN(ctx, "sandbox", "alice", "h", false))
	reserve(t, s, start)
	reserve(t, s, start)
	r, allowed := reserve(t, s, start)
	if !allowed || !r.LockedUntil.Equal(start.Add(time.Hour)) || r.LockSeq != 1 {
		t.Fatalf("third attempt = %+v, %v; want allowed, locking for an hour (LockSeq 1)", r, allowed)
	}
	if r, allowed := reserve(t, s, start.Add(time.Minute)); allowed || !r.LockedUntil.Equal(start.Add(time.Hour)) {
		t.Fatalf("an attempt while locked = %+v, %v; want refused", r, allowed)
	}
	before := pin(t, s, "alice")
	reserve(t, s, start.Add(2*time.Minute))
	if after := pin(t, s, "alice"); after != before {
		t.Fatalf("a refused attempt changed the guard: %+v, then %+v", before, after)
	}
	// A new hash does not lift the lockout.
	ok(t, s.SetPIN(ctx, "sandbox", "alice", "new", true))
	if _, allowed := reserve(t, s, start.Add(3*time.Minute)); allowed {
		t.Fatal("replacing the hash lifted the lockout")
	}
	if _, allowed := reserve(t, s, start.Add(61*time.Minute)); !allowed {
		t.Fatal("an attempt after the lockout ended was refused")
	}
}

// A right PIN lifts the lockout its own attempt set, never one that
// parallel wrong guesses set after it was counted.
func testPINLockSeq(t *testing.T, s subject) {
	now := start
	ok(t, s.SetPIN(ctx, "sandbox", "alice", "h", false))
	right, _ := reserve(t, s, now) // counted first; two wrong ones lock meanwhile
	reserve(t, s, now)
	if _, allowed := reserve(t, s, now); !allowed {
		t.Fatal("the third attempt was refused")
	}
	if _, allowed := reserve(t, s, now); allowed {
		t.Fatal("a fourth attempt was allowed")
	}
	ok(t, s.PINVerified(ctx, "sandbox", "alice", right.LockSeq))
	if _, allowed := reserve(t, s, now); allowed {
		t.Fatal("a right PIN lifted the lockout parallel guesses set")
	}
	// A right PIN whose own attempt set the lockout lifts it.
	now = now.Add(2 * time.Hour)
	reserve(t, s, now)
	reserve(t, s, now)
	own, _ := reserve(t, s, now)
	ok(t, s.PINVerified(ctx, "sandbox", "alice", own.LockSeq))
	if _, allowed := reserve(t, s, now); !allowed {
		t.Fatal("the right third PIN left its own lockout in place")
	}
}

func testPINConcurrent(t *testing.T, s subject) {
	ok(t, s.SetPIN(ctx, "sandbox", "alice", "h", false))
	type result struct {
		allowed bool
		err     error
	}
	results := parallel(concurrency, func(int) result {
		_, allowed, err := s.ReservePINAttempt(ctx, "sandbox", "alice", 3, time.Hour, start)
		return result{allowed, err}
	})
	allowed := 0
	for _, r := range results {
		ok(t, r.err)
		if r.allowed {
			allowed++
		}
	}
	if allowed != 3 {
		t.Fatalf("%d of %d concurrent attempts were allowed, want 3 (then locked)", allowed, concurrency)
	}
	if r := pin(t, s, "alice"); !r.LockedUntil.After(start) {
		t.Fatalf("not locked after %d concurrent attempts: %+v", concurrency, r)
	}
}

func testPINGuardSurvives(t *testing.T, s subject) {
	link := func(user, customer string) {
		ok(t, s.SaveLink(ctx, skill.Link{Platform: "alexa", UserID: user, Bank: "sandbox", Customer: customer, TokenHash: []byte(user),
			LinkedAt: start}))
	}
	// Failures survive.
	link("u1", "alice")
	ok(t, s.SetPIN(ctx, "sandbox", "alice", "h", false))
	reserve(t, s, start)
	reserve(t, s, start)
	ok(t, s.DeleteUser(ctx, "alexa", "u1", "p_alice"))
	kind(t, "PIN after DeleteUser", errOf(s.PIN(ctx, "sandbox", "alice")), banks.NotFound)
	link("u1", "alice")
	ok(t, s.SetPIN(ctx, "sandbox", "alice", "h", false))
	if got := pin(t, s, "alice").Failures; got != 2 {
		t.Fatalf("after deleting and linking again, %d failures, want 2", got)
	}
	// And so does a lockout.
	if _, allowed := reserve(t, s, start); !allowed {
		t.Fatal("the third attempt was refused")
	}
	ok(t, s.DeleteUser(ctx, "alexa", "u1", "p_alice"))
	link("u1", "alice")
	ok(t, s.SetPIN(ctx, "sandbox", "alice", "h", false))
	if _, allowed := reserve(t, s, start.Add(time.Minute)); allowed {
		t.Fatal("the lockout did not survive DeleteUser")
	}
}

func moved(t *testing.T, s subject, customer string, day time.Time) int64 {
	t.Helper()
	n, err := s.MovedToday(ctx, "sandbox", customer, day)
	ok(t, err)
	return n
}

func testReserveOp(t *testing.T, s subject) {
	a := entry("alice", "k1", 3500, start)
	a.Outcome = ""
	got, err := s.ReserveOp(ctx, a, 0)
	ok(t, err)
	if want := withOutcome(a, "pending"); !sameEntry(got, want) {
		t.Fatalf("ReserveOp = %+v, want %+v", got, want)
	}
	if log := auditLog(t, s, "alice"); len(log) != 1 || !sameEntry(log[0], got) {
		t.Fatalf("audit log = %+v, want the pending entry", log)
	}
	if n := moved(t, s, "alice", start); n != 3500 {
		t.Fatalf("MovedToday with a pending entry = %d, want 3500", n)
	}
	ok(t, s.FinishOp(ctx, "k1", "done"))
	ok(t, s.FinishOp(ctx, "k1", "failed")) // no longer pending: left alone
	ok(t, s.FinishOp(ctx, "nope", "done"))
	if log := auditLog(t, s, "alice"); len(log) != 1 || log[0].Outcome != "done" {
		t.Fatalf("after FinishOp, audit log = %+v", log)
	}
	if n := moved(t, s, "alice", start); n != 3500 {
		t.Fatalf("MovedToday = %d, want 3500", n)
	}
	// The same key again (a retried confirmation) returns its entry.
	again := entry("alice", "k1", 9999, start)
	again.Fingerprint = "other"
	if got, err := s.ReserveOp(ctx, again, 0); err != nil || got.OpKey != "k1" || got.Amount != 3500 || got.Outcome != "done" {
		t.Fatalf("ReserveOp with a used key = %+v, %v; want the first entry", got, err)
	}
	if log := auditLog(t, s, "alice"); len(log) != 1 {
		t.Fatalf("a used key was written again: %+v", log)
	}
}

func withOutcome(a skill.AuditEntry, outcome string) skill.AuditEntry {
	a.Outcome = outcome
	return a
}

func testDailyLimit(t *testing.T, s subject) {
	const limit = 10000
	_, err := s.ReserveOp(ctx, entry("alice", "k1", 6000, start), limit)
	ok(t, err)
	_, err = s.ReserveOp(ctx, entry("alice", "k2", 6000, start.Add(time.Minute)), limit)
	kind(t, "over the daily limit", err, banks.Forbidden)
	if r := banks.ReasonOf(err); r != "daily_limit" {
		t.Fatalf("reason %q, want daily_limit", r)
	}
	if log := auditLog(t, s, "alice"); len(log) != 1 {
		t.Fatalf("a refused reservation was written: %+v", log)
	}
	// Up to the limit is fine; no limit is no limit.
	_, err = s.ReserveOp(ctx, entry("alice", "k3", 4000, start), limit)
	ok(t, err)
	_, err = s.ReserveOp(ctx, entry("alice", "k4", 50000, start), 0)
	ok(t, err)
	// A failed or refused action no longer counts.
	ok(t, s.FinishOp(ctx, "k1", "failed"))
	ok(t, s.FinishOp(ctx, "k4", "refused:insufficient_funds"))
	if n := moved(t, s, "alice", start); n != 4000 {
		t.Fatalf("MovedToday = %d, want 4000", n)
	}
	_, err = s.ReserveOp(ctx, entry("alice", "k5", 6000, start), limit)
	ok(t, err)
	// The limit is per customer and UTC day.
	_, err = s.ReserveOp(ctx, entry("bob", "k6", 9000, start), limit)
	ok(t, err)
	tomorrow := time.Date(2026, 11, 24, 0, 0, 1, 0, time.UTC)
	_, err = s.ReserveOp(ctx, entry("alice", "k7", 9000, tomorrow), limit)
	ok(t, err)
	if n := moved(t, s, "alice", start); n != 10000 {
		t.Fatalf("MovedToday(today) = %d, want 10000", n)
	}
	if n := moved(t, s, "alice", tomorrow); n != 9000 {
		t.Fatalf("MovedToday(tomorrow) = %d, want 9000", n)
	}
}

func testDailyLimitConcurrent(t *testing.T, s subject) {
	errs := parallel(concurrency, func(i int) error {
		_, err := s.ReserveOp(ctx, entry("alice", fmt.Sprintf("k%d", i), 3000, start), 10000)
		return err
	})
	reserved := 0
	for _, err := range errs {
		switch {
		case err == nil:
			reserved++
		case banks.ReasonOf(err) != "daily_limit":
			t.Errorf("ReserveOp: %v", err)
		}
	}
	if reserved != 3 {
		t.Fatalf("%d of %d concurrent reservations of 3000 fit under a limit of 10000, want 3", reserved, concurrency)
	}
	if n := moved(t, s, "alice", start); n != 9000 {
		t.Fatalf("MovedToday = %d, want 9000", n)
	}
}

func testSameFingerprint(t *testing.T, s subject) {
	first := entry("alice", "k1", 3500, start)
	first.Fingerprint = "transfer:checking:tom:3500"
	_, err := s.ReserveOp(ctx, first, 0)
	ok(t, err)
	retry := first
	retry.OpKey, retry.At = "k2", start.Add(time.Minute)
	got, err := s.ReserveOp(ctx, retry, 0)
	ok(t, err)
	if !sameEntry(got, withOutcome(first, "pending")) {
		t.Fatalf("the same action again = %+v, want the first entry %+v", got, first)
	}
	// Another customer's same action is theirs.
	bobs := retry
	bobs.Customer, bobs.OpKey = "bob", "k3"
	if got, err := s.ReserveOp(ctx, bobs, 0); err != nil || got.OpKey != "k3" {
		t.Fatalf("bob's same action = %+v, %v; want his own key", got, err)
	}
	// An empty fingerprint matches nothing.
	for _, key := range []string{"k4", "k5"} {
		e := entry("alice", key, 100, start)
		e.Fingerprint = ""
		if got, err := s.ReserveOp(ctx, e, 0); err != nil || got.OpKey != key {
			t.Fatalf("an action without fingerprint = %+v, %v; want key %s", got, err, key)
		}
	}
	// Once finished, the same action is a new one.
	ok(t, s.FinishOp(ctx, "k1", "done"))
	retry.OpKey = "k6"
	if got, err := s.ReserveOp(ctx, retry, 0); err != nil || got.OpKey != "k6" {
		t.Fatalf("the same action after the first finished = %+v, %v; want key k6", got, err)
	}
	if log := auditLog(t, s, "alice"); len(log) != 4 {
		t.Fatalf("audit log has %d entries, want 4: %+v", len(log), log)
	}
}

func testSameFingerprintConcurrent(t *testing.T, s subject) {
	type result struct {
		key string
		err error
	}
	results := parallel(concurrency, func(i int) result {
		e := entry("alice", fmt.Sprintf("k%d", i), 3500, start)
		e.Fingerprint = "transfer:checking:tom:3500"
		got, err := s.ReserveOp(ctx, e, 10000)
		return result{got.OpKey, err}
	})
	for _, r := range results {
		ok(t, r.err)
		if r.key != results[0].key {
			t.Fatalf("concurrent confirmations of one action got keys %s and %s", results[0].key, r.key)
		}
	}
	if log := auditLog(t, s, "alice"); len(log) != 1 {
		t.Fatalf("audit log has %d entries, want 1", len(log))
	}
}

func testPendingOps(t *testing.T, s subject) {
	old := start.Add(-10 * time.Minute)
	for _, e := range []skill.AuditEntry{entry("alice", "k1", 100, old), entry("alice", "k2", 100, old),
		entry("alice", "k3", 100, start), entry("bob", "k4", 100, old)} {
		_, err := s.ReserveOp(ctx, e, 0)
		ok(t, err)
	}
	ok(t, s.FinishOp(ctx, "k2", "done"))
	got, err := s.PendingOps(ctx, "sandbox", "alice", start.Add(-time.Minute))
	ok(t, err)
	if len(got) != 1 || !sameEntry(got[0], withOutcome(entry("alice", "k1", 100, old), "pending")) {
		t.Fatalf("PendingOps = %+v, want k1 only", got)
	}
	// A payment waiting for approval keeps its request until it finishes;
	// a finished one is left alone.
	ok(t, s.AwaitApproval(ctx, "k1", `{"Amount":1}`))
	ok(t, s.AwaitApproval(ctx, "k2", `{"Amount":2}`))
	got, err = s.PendingOps(ctx, "sandbox", "alice", start.Add(-time.Minute))
	ok(t, err)
	if len(got) != 1 || got[0].Request != `{"Amount":1}` {
		t.Fatalf("after AwaitApproval: %+v", got)
	}
	ok(t, s.FinishOp(ctx, "k1", "done"))
	log, err := s.AuditLog(ctx, "sandbox", "alice")
	ok(t, err)
	for _, a := range log {
		if a.Request != "" {
			t.Fatalf("a finished entry kept its request: %+v", a)
		}
	}
}

func testPurge(t *testing.T, s subject) {
	claim(t, s, "old", "u1", start)
	answer(t, s, "old", "u1", "old answer")
	writeSession(t, s, "alexa", "s-old", "u1", "old")
	s.clock.Add(20 * time.Minute)
	claim(t, s, "new", "u1", s.clock.Now())
	answer(t, s, "new", "u1", "new answer")
	writeSession(t, s, "alexa", "s-new", "u1", "new")
	ok(t, s.Purge(ctx, start.Add(10*time.Minute)))
	if got, _ := claim(t, s, "old", "u1", s.clock.Now()); !got {
		t.Error("an old request id survived the purge")
	}
	if got := session(t, s, "alexa", "s-old", "u1", time.Hour); got != "<nil>" {
		t.Errorf("an old session survived the purge: %q", got)
	}
	if got, stored := claim(t, s, "new", "u1", s.clock.Now()); got || stored != "new answer" {
		t.Errorf("a new answer was purged: %v, %s", got, stored)
	}
	if got := session(t, s, "alexa", "s-new", "u1", time.Hour); got != "new" {
		t.Errorf("a new session was purged: %q", got)
	}
}

func testDeleteUser(t *testing.T, s subject) {
	ok(t, s.DeleteUser(ctx, "alexa", "nobody", "p_nobody"))
	// u1 (alice) is deleted; u2 (bob) on the same platform, and u1 on
	// another platform, are not.
	for _, l := range []skill.Link{
		{Platform: "alexa", UserID: "u1", Bank: "sandbox", Customer: "alice", TokenHash: []byte("a"), LinkedAt: start},
		{Platform: "alexa", UserID: "u2", Bank: "sandbox", Customer: "bob", TokenHash: []byte("b"), LinkedAt: start},
		{Platform: "chat", UserID: "u1", Bank: "sandbox", Customer: "carol", TokenHash: []byte("c"), LinkedAt: start},
	} {
		ok(t, s.SaveLink(ctx, l))
		ok(t, s.SetPIN(ctx, l.Bank, l.Customer, "h", false))
		ok(t, s.AddCallback(ctx, skill.Callback{Platform: l.Platform, UserID: l.UserID, Bank: l.Bank, Customer: l.Customer,
			Topic: "card", At: start}))
		id := l.Platform + "-" + l.UserID
		_, _, err := s.ClaimRequest(ctx, l.Platform, "r-"+id, l.UserID, start, time.Minute)
		ok(t, err)
		ok(t, s.CommitTurn(ctx, skill.Turn{Platform: l.Platform, SessionID: "s-" + id, UserID: l.UserID, State: []byte("state"),
			Audit: []skill.AuditEntry{entry(l.Customer, "k-"+id, 3500, start)}, RequestID: "r-" + id, Response: []byte("answer")}))
		ok(t, s.CommitTurn(ctx, skill.Turn{Platform: l.Platform, SessionID: "s2-" + id, UserID: l.UserID, State: []byte("state")}))
	}
	ok(t, s.DeleteUser(ctx, "alexa", "u1", "p_alice"))

	kind(t, "Link after DeleteUser", errOf(s.Link(ctx, "alexa", "u1")), banks.NotLinked)
	for _, id := range []string{"s-alexa-u1", "s2-alexa-u1"} {
		if got := session(t, s, "alexa", id, "u1", time.Hour); got != "<nil>" {
			t.Errorf("session %s survived: %q", id, got)
		}
	}
	// The stored answer is gone: the id is free again.
	if got, stored := claim(t, s, "r-alexa-u1", "u2", start.Add(time.Second)); !got {
		t.Errorf("the stored answer survived: %v, %s", got, stored)
	}
	kind(t, "PIN after DeleteUser", errOf(s.PIN(ctx, "sandbox", "alice")), banks.NotFound)
	if log := auditLog(t, s, "alice"); len(log) != 0 {
		t.Errorf("audit entries kept the customer: %+v", log)
	}
	// Names, the actor and a finished entry's fingerprint go.
	want := entry("p_alice", "k-alexa-u1", 3500, start)
	want.Detail, want.Actor, want.Fingerprint = "", "", ""
	if log := auditLog(t, s, "p_alice"); len(log) != 1 || !sameEntry(log[0], want) {
		t.Errorf("pseudonymous audit = %+v, want %+v", log, want)
	}
	if cc, has := s.Store.(CallbackCounter); has {
		if n, err := cc.CallbackCount(ctx, "alexa", "u1"); err != nil || n != 0 {
			t.Errorf("%d callbacks survived, %v", n, err)
		}
		if n, err := cc.CallbackCount(ctx, "alexa", "u2"); err != nil || n != 1 {
			t.Errorf("another user has %d callbacks, %v; want 1", n, err)
		}
	} else {
		t.Log("the store is no storetest.CallbackCounter: callbacks unchecked")
	}

	// Nothing of the others went.
	for _, u := range []struct{ platform, user, customer string }{{"alexa", "u2", "bob"}, {"chat", "u1", "carol"}} {
		id := u.platform + "-" + u.user
		if l, err := s.Link(ctx, u.platform, u.user); err != nil || l.Customer != u.customer {
			t.Errorf("%s lost the link: %+v, %v", id, l, err)
		}
		if got := session(t, s, u.platform, "s-"+id, u.user, time.Hour); got != "state" {
			t.Errorf("%s lost the session: %q", id, got)
		}
		if _, stored, err := s.ClaimRequest(ctx, u.platform, "r-"+id, u.user, start.Add(time.Second), time.Minute); err != nil ||
			string(stored) != "answer" {
			t.Errorf("%s lost the stored answer: %q, %v", id, stored, err)
		}
		if _, err := s.PIN(ctx, "sandbox", u.customer); err != nil {
			t.Errorf("%s lost the PIN: %v", id, err)
		}
		if log := auditLog(t, s, u.customer); len(log) != 1 || log[0].Detail == "" {
			t.Errorf("%s's audit changed: %+v", id, log)
		}
	}
}

// Each lockout in a row since the last right PIN lasts longer
// (skill.LockoutFor): an hour, four hours, then thirty days; a right PIN
// starts the count again.
func testPINLockoutsEscalate(t *testing.T, s subject) {
	ok(t, s.SetPIN(ctx, "sandbox", "alice", "h", false))
	at := start
	for i, want := range []time.Duration{time.Hour, 4 * time.Hour, 30 * 24 * time.Hour} {
		var r skill.PINRecord
		for range 3 {
			r, _ = reserve(t, s, at)
		}
		if !r.LockedUntil.Equal(at.Add(want)) {
			t.Fatalf("lockout %d = until %v, want %v after %v", i+1, r.LockedUntil, want, at)
		}
		at = r.LockedUntil.Add(time.Minute)
	}
	if got := pin(t, s, "alice").LockSeq; got != 3 {
		t.Fatalf("PIN reports LockSeq %d after three lockouts, want 3", got)
	}
	r, allowed := reserve(t, s, at)
	if !allowed {
		t.Fatal("an attempt after the long lockout was refused")
	}
	ok(t, s.PINVerified(ctx, "sandbox", "alice", r.LockSeq))
	for range 3 {
		r, _ = reserve(t, s, at)
	}
	if !r.LockedUntil.Equal(at.Add(time.Hour)) {
		t.Fatalf("after a right PIN the next lockout lasts until %v, want an hour", r.LockedUntil)
	}
}

// A turn made for a linked user that commits after the user unlinked
// writes its audit entries, and neither its session nor its answer.
func testCommitUnlinked(t *testing.T, s subject) {
	ok(t, s.SaveLink(ctx, skill.Link{Platform: "alexa", UserID: "u1", Bank: "sandbox", Customer: "alice", TokenHash: []byte{1, 2}, LinkedAt: start}))
	ok(t, s.CommitTurn(ctx, skill.Turn{Platform: "alexa", SessionID: "s1", UserID: "u1", State: []byte("kept"), Linked: true}))
	if got := session(t, s, "alexa", "s1", "u1", time.Minute); got != "kept" {
		t.Fatalf("session of a linked user = %q, want kept", got)
	}
	claim(t, s, "r2", "u2", start)
	e := entry("bob", "k2", 100, start)
	ok(t, s.CommitTurn(ctx, skill.Turn{Platform: "alexa", SessionID: "s2", UserID: "u2", State: []byte("late"), Linked: true,
		Audit: []skill.AuditEntry{e}, RequestID: "r2", Response: []byte("answer")}))
	if got := session(t, s, "alexa", "s2", "u2", time.Minute); got != "<nil>" {
		t.Errorf("session of a user with no link = %q, want none", got)
	}
	if got, stored := claim(t, s, "r2", "u2", start.Add(time.Second)); !got || stored != "<nil>" {
		t.Errorf("claim after the late commit = %v, %q; want the request id free again", got, stored)
	}
	if log := auditLog(t, s, "bob"); len(log) != 1 {
		t.Errorf("audit log = %+v, want the entry", log)
	}
}

// Deleting one's data on one assistant removes the same bank customer's
// links on the others, with their sessions; another customer's stay.
func testDeleteUserOtherLinks(t *testing.T, s subject) {
	for _, l := range []skill.Link{{Platform: "alexa", UserID: "a1", Customer: "alice"}, {Platform: "chat", UserID: "c1", Customer: "alice"},
		{Platform: "chat", UserID: "c2", Customer: "bob"}} {
		l.Bank, l.TokenHash, l.LinkedAt = "sandbox", []byte(l.UserID), start
		ok(t, s.SaveLink(ctx, l))
		writeSession(t, s, l.Platform, "s-"+l.UserID, l.UserID, "state of "+l.UserID)
	}
	ok(t, s.DeleteUser(ctx, "alexa", "a1", "p-alice"))
	if l, err := s.Link(ctx, "chat", "c1"); err == nil && l.Customer != "" {
		t.Errorf("alice's other link stayed: %+v", l)
	}
	if got := session(t, s, "chat", "s-c1", "c1", time.Minute); got != "<nil>" {
		t.Errorf("alice's other session stayed: %q", got)
	}
	if l, err := s.Link(ctx, "chat", "c2"); err != nil || l.Customer != "bob" {
		t.Errorf("bob's link: %+v, %v", l, err)
	}
	if got := session(t, s, "chat", "s-c2", "c2", time.Minute); got != "state of c2" {
		t.Errorf("bob's session = %q", got)
	}
}
