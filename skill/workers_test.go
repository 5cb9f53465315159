package skill

import (
	"testing"
	"time"
)

// TestWorkersAreKept: a worker that finished a turn takes the next one
// (its stack is grown already), and a turn never waits for a worker: with
// every worker stuck, a new one starts.
func TestWorkersAreKept(t *testing.T) {
	t.Parallel()
	w := &workers{idle: make(chan func())}
	done := make(chan struct{})
	w.do(func() { close(done) })
	<-done
	// The worker is idle now (or about to be): a send that waits for an
	// idle worker gets through.
	ran := make(chan struct{})
	select {
	case w.idle <- func() { close(ran) }:
	case <-time.After(5 * time.Second):
		t.Fatal("the worker that finished a turn did not wait for the next")
	}
	<-ran

	stuck := make(chan struct{})
	defer close(stuck)
	w.do(func() { <-stuck })
	w.do(func() { <-stuck })
	freed := make(chan struct{})
	w.do(func() { close(freed) })
	select {
	case <-freed:
	case <-time.After(5 * time.Second):
		t.Fatal("a turn waited for a stuck worker")
	}
}
