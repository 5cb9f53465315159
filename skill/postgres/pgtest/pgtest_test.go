package pgtest

import (
	"fmt"
	"runtime"
	"testing"
)

// recorder is a testing.TB that records Skip and Fatal instead of ending
// the test.
type recorder struct {
	testing.TB
	skipped, failed string
}

func (r *recorder) Helper() {}

func (r *recorder) Skip(args ...any) {
	r.skipped = fmt.Sprint(args...)
	runtime.Goexit()
}

func (r *recorder) Fatal(args ...any) {
	r.failed = fmt.Sprint(args...)
	runtime.Goexit()
}

func TestMissingBinaries(t *testing.T) {
	t.Setenv("PATH", t.TempDir())
	old := packageDirs
	packageDirs = t.TempDir() + "/*/bin"
	t.Cleanup(func() { packageDirs = old })
	for _, ci := range []string{"", "true"} {
		t.Setenv("CI", ci)
		r := &recorder{TB: t}
		done := make(chan struct{})
		go func() {
			defer close(done)
			Start(r)
		}()
		<-done
		got := r.skipped
		if ci != "" {
			got = r.failed
		}
		if got != Missing {
			t.Errorf("CI=%q: skipped %q, failed %q; want %q", ci, r.skipped, r.failed, Missing)
		}
	}
}

func TestStart(t *testing.T) {
	if Binaries() == "" {
		t.Skip(Missing)
	}
	s := Start(t)
	if a, b := s.NewDatabase(t), s.NewDatabase(t); a == b {
		t.Fatalf("two databases at %s", a)
	}
	if a, b := s.NewSchema(t), s.NewSchema(t); a == b {
		t.Fatalf("two schemas at %s", a)
	}
}
