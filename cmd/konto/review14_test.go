package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kontoskill/konto/skill"
	"github.com/kontoskill/konto/skill/sqlite"
)

// Review 14 (attacker): `konto pin unlock`.

// finding (medium, a security action without a trace): `konto pin
// unlock` lifted a customer's voice PIN pause and reset the count of
// lockouts in a row without writing anything to the audit log, so staff
// (or whoever runs the binary on the data directory) could hand a
// guesser three fresh tries, and nine more after them, with nothing to
// show for it. Promise: card and security actions are logged. The
// unlock is an audit entry under the customer's pseudonym, on the
// "staff" channel; a customer without a pause gets one too (the count
// of lockouts in a row starts again all the same).
func TestReview14PINUnlockIsAudited(t *testing.T) {
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
	st.Close()
	if out, err := run(t, "", "pin", "unlock", "--data", dir, "--id", "carol"); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	secret, err := os.ReadFile(filepath.Join(dir, "secret.key"))
	if err != nil {
		t.Fatal(err)
	}
	st, err = sqlite.Open(filepath.Join(dir, "konto.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	log, err := st.AuditLog(ctx, "sandbox", skill.Pseudonym(secret, "sandbox", "carol"))
	if err != nil {
		t.Fatal(err)
	}
	var found bool
	for _, a := range log {
		if a.Action == "voice_pin_unlock" && a.Channel == "staff" && a.Outcome == "done" {
			found = true
		}
		if strings.Contains(a.Customer+a.Detail+a.Actor, "carol") {
			t.Errorf("the audit names the customer: %+v", a)
		}
	}
	if !found {
		t.Errorf("no audit entry for the unlock: %+v", log)
	}
}
