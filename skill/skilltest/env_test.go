package skilltest_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/kontoskill/konto/banks"
	"github.com/kontoskill/konto/banks/sandbox"
	"github.com/kontoskill/konto/skill"
	"github.com/kontoskill/konto/skill/skilltest"
)

// countingBank counts balance reads on their way to the sandbox.
type countingBank struct {
	banks.Connector
	n *int
}

func (c countingBank) Balance(ctx context.Context, u banks.User, id string) (banks.Balance, error) {
	*c.n++
	return c.Connector.Balance(ctx, u, id)
}

func TestEnv(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	t.Run("one clock for the skill and the bank, which Advance moves", func(t *testing.T) {
		at := time.Date(2026, 11, 2, 10, 0, 0, 0, time.UTC)
		e := skilltest.NewEnv(t, skilltest.WithNow(at))
		e.Advance(90 * time.Minute)
		want := at.Add(90 * time.Minute)
		if !e.Now().Equal(want) || !e.Skill.Now().Equal(want) || !e.Bank.Now().Equal(want) {
			t.Fatalf("env %s, skill %s, bank %s; want %s", e.Now(), e.Skill.Now(), e.Bank.Now(), want)
		}
		alice, err := e.Customer(ctx, "Alice")
		if err != nil || alice.ID != "alice" || alice.Locale != "en-US" || len(alice.PIN) != 4 || alice.User.Customer != "alice" {
			t.Fatalf("Customer = %+v, %v", alice, err)
		}
		// Seeded for the clock's day: the newest transaction is not later.
		txs, err := e.Bank.Transactions(ctx, alice.User, banks.TxFilter{Limit: 1})
		if err != nil || len(txs) != 1 || txs[0].Time.After(at.Add(24*time.Hour)) {
			t.Fatalf("newest transaction %+v, %v; seeded for %s", txs, err, at)
		}
	})
	t.Run("Advance refuses a clock that is the caller's", func(t *testing.T) {
		fixed := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
		e := skilltest.NewEnv(t, skilltest.WithClock(func() time.Time { return fixed }))
		if !e.Bank.Now().Equal(fixed) {
			t.Fatalf("bank clock %s", e.Bank.Now())
		}
		defer func() {
			if p := recover(); p == nil || !strings.Contains(p.(string), "WithClock") {
				t.Fatalf("recover() = %v", p)
			}
		}()
		e.Advance(time.Minute)
	})
	t.Run("a bank wrapper sits between the skill and the sandbox", func(t *testing.T) {
		n := 0
		e := skilltest.NewEnv(t, skilltest.WithBank(func(b *sandbox.Bank) banks.Connector { return countingBank{b, &n} }),
			skilltest.WithTimeout(3*time.Second),
			skilltest.WithConfig(func(c *skill.Config) {
				if c.Auth == nil || c.Timeout != 3*time.Second {
					t.Errorf("WithConfig sees %+v", c)
				}
			}))
		alice, _ := e.Customer(ctx, "alice")
		r, err := skilltest.Chat(e, skilltest.Session{Customer: alice.ID, Locale: alice.Locale, Token: alice.Token}).
			Turn(ctx, skilltest.Turn{Text: "what's my savings balance"})
		if err != nil || !strings.Contains(r.Speech, "High Yield Savings") || n == 0 {
			t.Fatalf("reply %+v, %v; %d balance reads through the wrapper", r, err, n)
		}
	})
}
