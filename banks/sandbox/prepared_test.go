package sandbox

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/kontoskill/konto/banks"
	"github.com/kontoskill/konto/fixtures"
)

// TestReadsArePrepared: the reads of a balance turn run as statements
// prepared once, a read with an ended context fails, and a token revoked stops working at once (nothing of an
// authentication is kept between calls).
func TestReadsArePrepared(t *testing.T) {
	b, err := Open(filepath.Join(t.TempDir(), "sandbox.db"), []byte("test-secret-0123456789"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close() })
	ctx := context.Background()
	d, err := LoadData(fixtures.FS())
	if err != nil {
		t.Fatal(err)
	}
	if err := b.Seed(ctx, d, SeedOptions{}); err != nil {
		t.Fatal(err)
	}
	turn := func() {
		t.Helper()
		u, err := b.Authenticate(ctx, b.Token("alice"))
		if err != nil {
			t.Fatal(err)
		}
		accs, err := b.Accounts(ctx, u)
		if err != nil || len(accs) == 0 {
			t.Fatal(accs, err)
		}
		if _, err := b.Balance(ctx, u, accs[0].ID); err != nil {
			t.Fatal(err)
		}
		if _, err := b.Alerts(ctx, u); err != nil {
			t.Fatal(err)
		}
	}
	turn()
	n := b.db.Counted()
	for range 5 {
		turn()
	}
	if n < 4 || b.db.Counted() != n {
		t.Fatalf("%d statements prepared by the first turn, %d after five more; want 4 or more, then no more", n, b.db.Counted())
	}
	ended, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := b.Authenticate(ended, b.Token("alice")); banks.KindOf(err) != banks.Unavailable {
		t.Fatalf("a read with an ended context: %v, want Unavailable", err)
	}
	u, _ := b.Authenticate(ctx, b.Token("alice"))
	if err := b.RevokeAccess(ctx, u); err != nil {
		t.Fatal(err)
	}
	if _, err := b.Authenticate(ctx, b.Token("alice")); banks.KindOf(err) != banks.NotLinked {
		t.Fatalf("a revoked token authenticates: %v", err)
	}
}
