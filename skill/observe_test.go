package skill_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/kontoskill/konto/skill"
)

// The Observer hears of every turn once, with a catalog intent (any other
// name is "other"), the outcome the user was told about, and the time.
func TestObserverSeesEachTurn(t *testing.T) {
	var mu sync.Mutex
	var seen []skill.TurnInfo
	e := newEnvWith(t, func(c *skill.Config) {
		c.Observer = skill.ObserverFunc(func(ti skill.TurnInfo) {
			mu.Lock()
			defer mu.Unlock()
			seen = append(seen, ti)
		})
	})
	tok := e.bank.Token("alice")
	for _, r := range []*skill.Request{
		{Intent: "GetBalance", AccessToken: tok},
		{Intent: "GetBalance", AccessToken: "not-a-token"},
		{Intent: "FrobnicateAliceChen", AccessToken: tok},
		{Text: "what's my balance", AccessToken: tok},
	} {
		r.Platform, r.UserID, r.SessionID, r.Locale = "test", "u-obs", "s-obs", "en-US"
		e.sk.Handle(context.Background(), r)
	}
	want := []skill.TurnInfo{
		{Platform: "test", Intent: "GetBalance", Outcome: skill.OutcomeAnswered},
		{Platform: "test", Intent: "GetBalance", Outcome: "not_linked"},
		{Platform: "test", Intent: skill.OtherIntent, Outcome: skill.OutcomeAnswered},
		{Platform: "test", Intent: "GetBalance", Outcome: skill.OutcomeAnswered},
	}
	if len(seen) != len(want) {
		t.Fatalf("observed %d turns, want %d: %+v", len(seen), len(want), seen)
	}
	for i, got := range seen {
		if got.Took <= 0 || got.Took > time.Minute {
			t.Errorf("turn %d took %s", i, got.Took)
		}
		got.Took = 0
		if got != want[i] {
			t.Errorf("turn %d: %+v, want %+v", i, got, want[i])
		}
	}
}
