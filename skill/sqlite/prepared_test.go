package sqlite

import (
	"context"
	"errors"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/kontoskill/konto/banks"
	"github.com/kontoskill/konto/skill"
)

// TestQueriesArePreparedOnce: a query runs as one prepared statement
// however often it runs, also inside transactions, and connections used
// at once stay in the pool afterwards (instead of being closed and opened
// again, each preparing every statement anew).
func TestQueriesArePreparedOnce(t *testing.T) {
	s, err := Open(filepath.Join(t.TempDir(), "konto.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	ctx := context.Background()
	if err := s.SaveLink(ctx, skill.Link{Platform: "alexa", UserID: "u1", Bank: "sandbox", Customer: "alice",
		TokenHash: []byte("h"), LinkedAt: time.Now()}); err != nil {
		t.Fatal(err)
	}
	stmts := s.db.Prepared
	for range 3 {
		if _, err := s.Link(ctx, "alexa", "u1"); err != nil {
			t.Fatal(err)
		}
	}
	before := stmts()
	for range 5 {
		if _, err := s.Link(ctx, "alexa", "u1"); err != nil {
			t.Fatal(err)
		}
		if err := s.CommitTurn(ctx, skill.Turn{Platform: "alexa", SessionID: "s1", UserID: "u1", State: []byte(`{"a":1}`)}); err != nil {
			t.Fatal(err)
		}
	}
	if got := stmts(); before == 0 || got != before+1 || s.db.Counted() != got {
		t.Fatalf("%d prepared statements before, %d after (counted %d); want one more, for CommitTurn's", before, got, s.db.Counted())
	}

	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c, err := s.db.Conn(ctx) // holds a connection until closed
			if err != nil {
				t.Error(err)
				return
			}
			defer c.Close()
			time.Sleep(20 * time.Millisecond)
		}()
	}
	wg.Wait()
	if st := s.db.Stats(); st.MaxIdleClosed != 0 || st.Idle < 3 {
		t.Fatalf("pool after 8 connections at once: %d idle, %d closed for the idle limit", st.Idle, st.MaxIdleClosed)
	}
}

// TestEndedContextFailsReads: reads do not watch their context while they
// run (sqlprep.ReadContext), but one that has ended still fails them at once.
func TestEndedContextFailsReads(t *testing.T) {
	s, err := Open(filepath.Join(t.TempDir(), "konto.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	ctx, cancel := context.WithCancel(context.Background())
	if _, err := s.Link(ctx, "alexa", "u1"); banks.KindOf(err) != banks.NotLinked {
		t.Fatalf("Link: %v, want NotLinked", err)
	}
	cancel()
	if _, err := s.Link(ctx, "alexa", "u1"); banks.KindOf(err) != banks.Unavailable || !errors.Is(err, context.Canceled) {
		t.Fatalf("Link with an ended context: %v, want Unavailable (context canceled)", err)
	}
	if _, err := s.PendingOps(ctx, "sandbox", "alice", time.Now()); !errors.Is(err, context.Canceled) {
		t.Fatalf("PendingOps with an ended context: %v", err)
	}
}
