package skilltest_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kontoskill/konto/skill/alexa/alexatest"
	"github.com/kontoskill/konto/skill/skilltest"
)

var platforms = skilltest.Options{Platforms: map[string]skilltest.Platform{"alexa": alexatest.Platform}}

// TestFixtures plays every fixture under fixtures/ as its own subtest, each
// conversation on a fresh sandbox and store.
func TestFixtures(t *testing.T) {
	files, err := skilltest.Files()
	if err != nil {
		t.Fatal(err)
	}
	if len(files) < 20 {
		t.Fatalf("only %d fixture files", len(files))
	}
	for _, f := range files {
		t.Run(strings.TrimPrefix(f.Name, "fixtures/"), func(t *testing.T) {
			t.Parallel()
			res := skilltest.RunFile(context.Background(), f, platforms)
			if res.Name == "" {
				t.Error("the fixture has no name")
			}
			for _, msg := range res.Failures {
				t.Error(msg)
			}
		})
	}
}

func writeFixture(t *testing.T, yaml string) skilltest.File {
	t.Helper()
	p := filepath.Join(t.TempDir(), "fixture.yaml")
	if err := os.WriteFile(p, []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}
	files, err := skilltest.Files(filepath.Dir(p))
	if err != nil || len(files) != 1 {
		t.Fatalf("Files = %v, %v", files, err)
	}
	return files[0]
}

// TestBrokenFixturesFail makes sure a fixture cannot pass by being wrong:
// a pattern that does not compile, a misspelt field, an expectation that
// does not hold and a check of something the customer does not have each
// fail their fixture, without a panic.
func TestBrokenFixturesFail(t *testing.T) {
	cases := []struct {
		name, yaml string
		want       []string
	}{
		{"a speech pattern that does not compile", `name: Bad pattern
customer: alice
turns:
  - user: what's my checking balance
    expect: {speech: "(unclosed"}
`, []string{"turn 1: speech: error parsing regexp", "(unclosed"}},
		{"a card pattern that does not compile", `name: Bad card pattern
customer: alice
turns:
  - user: what's my checking balance
    expect: {card: "[z-a]"}
`, []string{"turn 1: card: error parsing regexp"}},
		{"a misspelt field", `name: Typo
customer: alice
turns:
  - user: what's my checking balance
    expcet: {speech: "never checked"}
`, []string{"field expcet not found"}},
		{"a wrong expectation", `name: Wrong
customer: carol
turns:
  - user: what's my checking balance
    expect: {speech: '^You are broke\.$', end: false, intent: GetBalance}
bank:
  - balance: {account: checking, change: "-1.00"}
`, []string{"want speech /^You are broke\\.$/", `got  "Your Premier Checking has`, "end of session true, want false", "checking changed by 0.00, want -1.00"}},
		{"an account or card the customer lacks", `name: Nothing to check
customer: alice
turns:
  - user: what's my checking balance
bank:
  - balance: {account: loan, change: "0"}
  - card: {kind: prepaid, locked: false}
`, []string{"alice has no loan account", "alice has no prepaid card"}},
		{"an unknown platform", `name: Nowhere
customer: alice
platform: telegraph
turns:
  - user: hello
`, []string{`no driver for platform "telegraph"`}},
		{"text over Alexa", `name: Alexa hears no text
customer: alice
platform: alexa
turns:
  - user: what's my balance
`, []string{"alexa sends intents, not text"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			res := skilltest.RunFile(context.Background(), writeFixture(t, c.yaml), platforms)
			if len(res.Failures) == 0 {
				t.Fatal("the fixture passed")
			}
			all := strings.Join(res.Failures, "\n")
			for _, w := range c.want {
				if !strings.Contains(all, w) {
					t.Errorf("failures lack %q:\n%s", w, all)
				}
			}
			if strings.Contains(all, "panic") {
				t.Errorf("the runner panicked:\n%s", all)
			}
		})
	}
}

// TestReplayOverBothDrivers checks the drivers' replay: the same request
// id again gets the stored answer and does not act twice.
func TestReplayOverBothDrivers(t *testing.T) {
	for _, platform := range []string{"chat", "alexa"} {
		t.Run(platform, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			e := skilltest.NewEnv(t)
			alice, err := e.Customer(ctx, "alice")
			if err != nil {
				t.Fatal(err)
			}
			p := map[string]skilltest.Platform{"chat": skilltest.Chat, "alexa": alexatest.Platform}[platform]
			d := p(e, skilltest.Session{Customer: alice.ID, Locale: alice.Locale, Token: alice.Token})
			turns := []skilltest.Turn{
				{Intent: "LockCard", Slots: map[string]any{"card": "debit"}},
				{Replay: true},
			}
			var got []skilltest.Reply
			for i, tn := range turns {
				tn.RequestID = fmt.Sprintf("r%d", i)
				r, err := d.Turn(ctx, tn)
				if err != nil {
					t.Fatal(err)
				}
				got = append(got, r)
			}
			if got[0].Speech == "" || got[1] != got[0] {
				t.Fatalf("replay %+v, first %+v", got[1], got[0])
			}
			entries, err := e.Skill.AuditLog(ctx, "sandbox", alice.ID)
			if err != nil {
				t.Fatal(err)
			}
			n := 0
			for _, en := range entries {
				if en.Action == "lock_card" {
					n++
				}
			}
			if n != 1 {
				t.Fatalf("%d lock_card audit entries after a replay, want 1: %+v", n, entries)
			}
		})
	}
}
