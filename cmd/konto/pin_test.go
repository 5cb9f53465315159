package main

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kontoskill/konto/skill/sqlite"
)

// `konto pin unlock` lifts a customer's voice PIN pause, long or short,
// and the next wrong PIN counts from one again.
func TestPINUnlock(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	st, err := sqlite.Open(filepath.Join(dir, "konto.db"))
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	if err := st.SetPIN(ctx, "sandbox", "carol", "hash", false); err != nil {
		t.Fatal(err)
	}
	for range 3 {
		if _, _, err := st.ReservePINAttempt(ctx, "sandbox", "carol", 3, 30*time.Minute, now); err != nil {
			t.Fatal(err)
		}
	}
	if _, ok, _ := st.ReservePINAttempt(ctx, "sandbox", "carol", 3, 30*time.Minute, now); ok {
		t.Fatal("setup: not paused")
	}
	st.Close()
	out, err := run(t, "", "pin", "unlock", "--data", dir, "--id", "carol")
	if err != nil || !strings.Contains(out, "no longer paused") {
		t.Fatalf("%v: %s", err, out)
	}
	st, err = sqlite.Open(filepath.Join(dir, "konto.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	rec, ok, err := st.ReservePINAttempt(ctx, "sandbox", "carol", 3, 30*time.Minute, now)
	if err != nil || !ok || rec.Failures != 1 {
		t.Fatalf("after unlock: %+v, %v, %v; want an attempt counted as the first", rec, ok, err)
	}
	if _, err := run(t, "", "pin", "unlock", "--data", dir, "--id", "nobody"); err == nil || !strings.Contains(err.Error(), "no voice PIN") {
		t.Fatalf("an unknown customer: %v", err)
	}
}
