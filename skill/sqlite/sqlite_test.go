package sqlite

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/kontoskill/konto/banks"
	"github.com/kontoskill/konto/skill"
)

func TestStore(t *testing.T) {
	ctx := context.Background()
	s, err := Open(filepath.Join(t.TempDir(), "konto.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	clock := time.Date(2026, 11, 23, 8, 0, 0, 0, time.UTC)
	s.now = func() time.Time { return clock }

	if _, err := s.Link(ctx, "alexa", "u1"); banks.KindOf(err) != banks.NotLinked {
		t.Fatalf("missing link: %v", err)
	}
	l := skill.Link{Platform: "alexa", UserID: "u1", Bank: "sandbox", Customer: "alice", TokenHash: []byte{1, 2}, LinkedAt: clock}
	if err := s.SaveLink(ctx, l); err != nil {
		t.Fatal(err)
	}
	l.Customer = "bob"
	if err := s.SaveLink(ctx, l); err != nil {
		t.Fatal(err)
	}
	got, err := s.Link(ctx, "alexa", "u1")
	if err != nil || got.Customer != "bob" || !got.LinkedAt.Equal(clock) {
		t.Fatalf("relink: %+v %v", got, err)
	}

	if err := s.SaveSession(ctx, "alexa", "s1", "u1", []byte("mine")); err != nil {
		t.Fatal(err)
	}
	// Another user cannot overwrite or read the session.
	if err := s.SaveSession(ctx, "alexa", "s1", "u2", []byte("theirs")); err != nil {
		t.Fatal(err)
	}
	if b, _ := s.Session(ctx, "alexa", "s1", "u2", time.Minute); b != nil {
		t.Fatalf("u2 read %q", b)
	}
	if b, _ := s.Session(ctx, "alexa", "s1", "u1", time.Minute); string(b) != "mine" {
		t.Fatalf("u1 read %q", b)
	}
	clock = clock.Add(2 * time.Minute)
	if b, _ := s.Session(ctx, "alexa", "s1", "u1", time.Minute); b != nil {
		t.Fatal("an expired session was returned")
	}
	if err := s.DeleteUser(ctx, "alexa", "u1", "p_test"); err != nil {
		t.Fatal(err)
	}
	if links, sessions, _ := s.Counts(ctx, "alexa", "u1"); links+sessions != 0 {
		t.Fatalf("DeleteUser left %d links, %d sessions", links, sessions)
	}
}

func TestPurge(t *testing.T) {
	ctx := context.Background()
	s, err := Open(filepath.Join(t.TempDir(), "konto.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	old := time.Date(2026, 11, 23, 8, 0, 0, 0, time.UTC)
	s.now = func() time.Time { return old }
	if _, _, err := s.ClaimRequest(ctx, "alexa", "r1", "u1", old, time.Minute); err != nil {
		t.Fatal(err)
	}
	if err := s.SaveSession(ctx, "alexa", "s1", "u1", []byte("{}")); err != nil {
		t.Fatal(err)
	}
	if err := s.Purge(ctx, old.Add(10*time.Minute)); err != nil {
		t.Fatal(err)
	}
	if ok, _, _ := s.ClaimRequest(ctx, "alexa", "r1", "u1", old.Add(11*time.Minute), time.Minute); !ok {
		t.Fatal("an old request id survived the purge")
	}
	if _, n, _ := s.Counts(ctx, "alexa", "u1"); n != 0 {
		t.Fatalf("%d old sessions survived the purge", n)
	}
}

// A right PIN lifts the lockout its own attempt set, never one that
// parallel wrong guesses set after it was counted.
func TestPINGuard(t *testing.T) {
	ctx := context.Background()
	s, err := Open(filepath.Join(t.TempDir(), "konto.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	now := time.Date(2026, 11, 23, 8, 0, 0, 0, time.UTC)
	if err := s.SetPIN(ctx, "b", "c", "hash", false); err != nil {
		t.Fatal(err)
	}
	reserve := func() (bool, int64) {
		rec, ok, err := s.ReservePINAttempt(ctx, "b", "c", 3, time.Hour, now)
		if err != nil {
			t.Fatal(err)
		}
		return ok, rec.LockSeq
	}
	// The right one is counted first, two wrong ones lock meanwhile.
	_, rightSeq := reserve()
	reserve()
	if ok, _ := reserve(); !ok {
		t.Fatal("the third attempt was refused")
	}
	if ok, _ := reserve(); ok {
		t.Fatal("a fourth attempt was allowed")
	}
	if err := s.PINVerified(ctx, "b", "c", rightSeq); err != nil {
		t.Fatal(err)
	}
	if ok, _ := reserve(); ok {
		t.Fatal("a right PIN lifted the lockout parallel guesses set")
	}
	// A right PIN whose own attempt set the lockout lifts it.
	now = now.Add(2 * time.Hour)
	reserve()
	reserve()
	_, seq := reserve()
	if err := s.PINVerified(ctx, "b", "c", seq); err != nil {
		t.Fatal(err)
	}
	if ok, _ := reserve(); !ok {
		t.Fatal("the right third PIN left its own lockout in place")
	}
	// Deleting the user keeps the guard.
	for i := 0; i < 3; i++ {
		reserve()
	}
	if err := s.DeleteUser(ctx, "alexa", "u", "p"); err != nil {
		t.Fatal(err)
	}
	if err := s.SetPIN(ctx, "b", "c", "hash", false); err != nil {
		t.Fatal(err)
	}
	if ok, _ := reserve(); ok {
		t.Fatal("the lockout did not survive")
	}
}
