package skill_test

import (
	"context"
	"strings"
	"testing"

	"github.com/kontoskill/konto/banks"
	"github.com/kontoskill/konto/banks/sandbox"
	"github.com/kontoskill/konto/skill"
)

// replaceFails is the sandbox bank refusing to replace one kind of card.
type replaceFails struct {
	*sandbox.Bank
	kind  banks.CardKind
	calls *int
}

func (b replaceFails) ReplaceCard(ctx context.Context, u banks.User, cardID string, lost bool, key string) (banks.CardOrder, error) {
	*b.calls++
	cards, err := b.Bank.Cards(ctx, u)
	if err != nil {
		return banks.CardOrder{}, err
	}
	for _, c := range cards {
		if c.ID == cardID && c.Kind == b.kind {
			return banks.CardOrder{}, banks.Errorf("test.ReplaceCard", banks.Unavailable, "card %s refused", c.LastFour)
		}
	}
	return b.Bank.ReplaceCard(ctx, u, cardID, lost, key)
}

// A stolen wallet with both cards: one read-back and the PIN block both
// for good. A block cannot be undone, so when the bank refuses the
// second card the answer and the audit say the first is blocked and the
// second is not (never "both blocked", never "nothing happened").
func TestLostBothCardsSaysWhatWasBlocked(t *testing.T) {
	calls := 0
	e := newEnvWith(t, func(cfg *skill.Config) {
		cfg.Bank = replaceFails{cfg.Auth.(*sandbox.Bank), banks.Credit, &calls}
	})
	got := r7talk(t, e, "bob", "en-US", "lostall-half", "somebody stole my wallet with both cards in it", "yes", "PIN")
	if !strings.Contains(got[0], "4406 and your credit card ending in 5008 for good") {
		t.Fatalf("read-back %q", got[0])
	}
	said := got[len(got)-1]
	if !strings.Contains(said, "Your debit card ending in 4406 is blocked for good") || !strings.Contains(said, "I couldn't block your credit card ending in 5008") {
		t.Errorf("answer %q", said)
	}
	locked := r15cardLocked(t, e, "bob")
	if !locked["debit"] || locked["credit"] {
		t.Errorf("locked %v", locked)
	}
	audit := r15audit(t, e, "bob", "report_lost_card")
	if len(audit) != 1 || audit[0].Outcome != "partial:cards ending 4406" {
		t.Errorf("audit %+v", audit)
	}
	if calls != 2 {
		t.Errorf("%d calls to the bank, want 2", calls)
	}
}

// "The other card was in there too" at one card's read-back: both cards,
// read back again, blocked after the PIN, and each only once.
func TestLostOtherCardTooBlocksBoth(t *testing.T) {
	calls := 0
	e := newEnvWith(t, func(cfg *skill.Config) {
		cfg.Bank = replaceFails{cfg.Auth.(*sandbox.Bank), "none", &calls}
	})
	got := r7talk(t, e, "bob", "en-US", "lostall-too", "my wallet got stolen, my debit card was in it", "the mastercard was in there too", "yes", "PIN")
	if !strings.Contains(got[1], "debit card ending in 4406 and your credit card ending in 5008 for good") {
		t.Fatalf("read-back %q", got[1])
	}
	if locked := r15cardLocked(t, e, "bob"); !locked["debit"] || !locked["credit"] {
		t.Errorf("locked %v after %q", locked, got)
	}
	if calls != 2 {
		t.Errorf("%d calls to the bank, want 2", calls)
	}
	for _, text := range []string{"the credit card wasn't in there", "only the debit card"} {
		got := r7talk(t, e, "carol", "en-US", "lostall-not-"+text, "i lost my debit card", text)
		if strings.Contains(got[1], "credit card ending") {
			t.Errorf("%q: %q", text, got[1])
		}
	}
}
