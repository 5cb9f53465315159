package sandbox

import (
	"context"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/kontoskill/konto/banks"
	"github.com/kontoskill/konto/fixtures"
)

func reviewBank(t *testing.T) (*Bank, banks.User) {
	t.Helper()
	b, err := Open(filepath.Join(t.TempDir(), "sandbox.db"), []byte("review-secret-0123456789"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close() })
	d, _ := LoadData(fixtures.FS())
	if err := b.Seed(context.Background(), d, SeedOptions{Now: time.Date(2026, 11, 23, 8, 0, 0, 0, time.UTC)}); err != nil {
		t.Fatal(err)
	}
	u, err := b.Authenticate(context.Background(), b.Token("alice"))
	if err != nil {
		t.Fatal(err)
	}
	return b, u
}

// A review found parallel "no" answers to one fraud alert, each with its
// own key, refunding the charge once per answer.
func TestFraudAlertRefundsOnce(t *testing.T) {
	b, u := reviewBank(t)
	ctx := context.Background()
	alerts, err := b.Alerts(ctx, u)
	if err != nil || len(alerts) == 0 {
		t.Fatalf("alerts %v %v", alerts, err)
	}
	acct := "alice-credit_card"
	before, _ := b.Balance(ctx, u, acct)
	var wg sync.WaitGroup
	for i := 0; i < 4; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			b.ResolveAlert(ctx, u, alerts[0].ID, false, "key-"+string(rune('a'+i)))
		}(i)
	}
	wg.Wait()
	after, _ := b.Balance(ctx, u, acct)
	if got, want := after.Booked.Minor-before.Booked.Minor, alerts[0].Amount.Minor; got != want && got != -want {
		t.Fatalf("the balance changed by %d, want the %d charge once", got, want)
	}
}

// A card reported lost is blocked for good: it never unlocks.
func TestLostCardStaysBlocked(t *testing.T) {
	b, u := reviewBank(t)
	ctx := context.Background()
	cards, _ := b.Cards(ctx, u)
	if _, err := b.ReplaceCard(ctx, u, cards[0].ID, true, "lost-1"); err != nil {
		t.Fatal(err)
	}
	err := b.SetCardLocked(ctx, u, cards[0].ID, false, "unlock-1")
	if banks.ReasonOf(err) != "card_blocked" {
		t.Fatalf("unlocking a lost card: %v", err)
	}
	cards, _ = b.Cards(ctx, u)
	if !cards[0].Locked {
		t.Fatal("the lost card is not locked")
	}
}
