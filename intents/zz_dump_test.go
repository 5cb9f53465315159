package intents

import (
	"context"
	"fmt"
	"os"
	"runtime"
	"syscall"
	"testing"
	"time"
)

func TestZZDump(t *testing.T) {
	if os.Getenv("NLU_DUMP") == "" {
		t.Skip()
	}
	for _, loc := range HeldOutLocales() {
		held, nowS, _ := HeldOut(loc)
		now, _ := time.Parse(time.DateOnly, nowS)
		r, _ := Evaluate(context.Background(), testRec, loc, held, now.Add(9*time.Hour), nil)
		t.Logf("%s: accuracy %.3f (in scope %.3f), oos %.3f, slots %.3f", loc, r.Accuracy, r.InScopeAccuracy, r.OOSRejection, r.SlotAccuracy)
		for _, e := range r.Errors {
			t.Logf("  %q: want %s %v, got %s %v", e.Text, e.WantIntent, e.WantSlots, e.Got, e.GotSlots)
		}
	}
}

func TestZZStartup(t *testing.T) {
	if os.Getenv("NLU_DUMP") == "" {
		t.Skip()
	}
	for range 3 {
		start := time.Now()
		o := NewOffline()
		if err := o.Warm(); err != nil {
			t.Fatal(err)
		}
		t.Logf("warm both locales: %v", time.Since(start))
	}
}

func TestZZGrid(t *testing.T) {
	if os.Getenv("NLU_GRID") == "" {
		t.Skip()
	}
	for _, cfg := range [][4]float64{{20, 0.8, 3, 4}, {10, 1.2, 3, 4}, {8, 1.5, 3, 4}, {6, 1.5, 3, 4}} {
		{
			ep, lr := int(cfg[0]), cfg[1]
			trainEpochs, trainLR = ep, lr
			gramMin, gramMax = int(cfg[2]), int(cfg[3])
			start := time.Now()
			o := NewOffline()
			o.Warm()
			d := time.Since(start)
			line := ""
			for _, loc := range Locales {
				cv, _ := CrossValidate(loc, 5)
				held, nowS, _ := HeldOut(loc)
				now, _ := time.Parse(time.DateOnly, nowS)
				r, _ := Evaluate(context.Background(), o, loc, held, now.Add(9*time.Hour), nil)
				line += fmt.Sprintf(" %s cv %.3f/%.3f held %.3f/%.3f", loc, cv.Accuracy, cv.OOSRejection, r.Accuracy, r.OOSRejection)
			}
			ex, _ := TrainingExamples("en-US")
			start = time.Now()
			cpu := threadCPU(func() { train("en-US", ex) })
			_ = cpu
			t.Logf("ep %d lr %.1f grams %v warm %v train en %v cpu %v:%s", ep, lr, cfg[2:], d.Round(time.Millisecond), time.Since(start).Round(time.Millisecond), cpu.Round(time.Millisecond), line)
		}
	}
}

func TestZZTrainTime(t *testing.T) {
	if os.Getenv("NLU_DUMP") == "" {
		t.Skip()
	}
	for _, loc := range Locales {
		ex, _ := TrainingExamples(loc)
		best := time.Hour
		for range 3 {
			start := time.Now()
			_ = start
			best = min(best, threadCPU(func() { train(loc, ex) }))
		}
		t.Logf("%s: %d examples, train %v", loc, len(ex), best)
	}
}

func threadCPU(f func()) time.Duration {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	var a, b syscall.Rusage
	syscall.Getrusage(1, &a) // RUSAGE_THREAD
	f()
	syscall.Getrusage(1, &b)
	return time.Duration(b.Utime.Nano() - a.Utime.Nano() + b.Stime.Nano() - a.Stime.Nano())
}
