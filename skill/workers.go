package skill

import "time"

// workers runs a turn's goroutines (Handle's and the timeout's) on
// goroutines kept between turns. A turn goes deep into SQLite, JSON and
// the bank connector, and a new goroutine grew (copied) its stack to
// that depth on every turn: a tenth of a GetBalance turn's CPU. A kept
// goroutine has its stack grown already. Nothing waits for a worker: a
// turn that finds none idle starts a new one, so a stuck turn holds up
// nobody; a worker idle for workerIdle ends.
type workers struct {
	idle chan func() // unbuffered: a send succeeds only when a worker waits
}

// workerIdle is how long a worker waits for the next turn before it ends.
const workerIdle = 30 * time.Second

// turnWorkers serve every Skill of the process.
var turnWorkers = &workers{idle: make(chan func())}

// do runs f on an idle worker, or on a new one.
func (w *workers) do(f func()) {
	select {
	case w.idle <- f:
	default:
		go w.loop(f)
	}
}

func (w *workers) loop(f func()) {
	t := time.NewTimer(workerIdle)
	defer t.Stop()
	for {
		f()
		f = nil // let what f holds go while waiting
		t.Reset(workerIdle)
		select {
		case f = <-w.idle:
		case <-t.C:
			return
		}
	}
}
