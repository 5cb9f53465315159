package skilltest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"reflect"
	"regexp"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/kontoskill/konto/banks"
	"github.com/kontoskill/konto/banks/sandbox"
	"github.com/kontoskill/konto/intents"
)

// Conversation is one fixture file under fixtures/conversations: turns
// with expectations on each reply, and on the bank afterwards.
type Conversation struct {
	Name     string `yaml:"name"`
	Locale   string `yaml:"locale"` // default: the customer's
	Customer string `yaml:"customer"`
	// Platform names the driver: "chat" (typed text through the core,
	// the default) or one of Options.Platforms ("alexa").
	Platform string `yaml:"platform"`
	// Now pins the clock (RFC 3339, or a day at 09:00 UTC); the sandbox
	// is seeded for that day.
	Now   string      `yaml:"now"`
	Turns []Step      `yaml:"turns"`
	Bank  []BankCheck `yaml:"bank"`
}

// Step is one turn of a fixture.
type Step struct {
	User   string         `yaml:"user"`   // typed text; {pin} is the customer's PIN
	Intent string         `yaml:"intent"` // a platform-resolved intent instead
	Slots  map[string]any `yaml:"slots"`
	// Replay sends the previous request again with the same request id.
	Replay bool `yaml:"replay"`
	// Minutes lets time pass before the turn.
	Minutes int    `yaml:"minutes"`
	Expect  Expect `yaml:"expect"`
}

// Expect is what a reply must be; empty fields are not checked.
type Expect struct {
	Speech string `yaml:"speech"` // regular expression
	Intent string `yaml:"intent"`
	End    *bool  `yaml:"end"`
	Card   string `yaml:"card"` // regular expression

	speech, card *regexp.Regexp
}

// BankCheck is one expectation on the bank and the audit log after the
// conversation; exactly one field is set.
type BankCheck struct {
	Balance *struct {
		Account string `yaml:"account"` // an account kind: checking, savings, ...
		Change  string `yaml:"change"`  // since the start of the conversation
	} `yaml:"balance"`
	Card *struct {
		Kind   string `yaml:"kind"`
		Locked bool   `yaml:"locked"`
	} `yaml:"card"`
	Audit *struct {
		Action string `yaml:"action"`
		Count  int    `yaml:"count"` // completed (done or scheduled) entries
	} `yaml:"audit"`
}

// ParseConversation reads a conversation fixture. Unknown fields and
// regular expressions that do not compile are errors, so that a typo
// cannot turn an expectation off.
func ParseConversation(data []byte) (*Conversation, error) {
	var c Conversation
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&c); err != nil && !errors.Is(err, io.EOF) {
		return nil, err
	}
	if c.Platform == "" {
		c.Platform = "chat"
	}
	var errs []error
	for i := range c.Turns {
		x := &c.Turns[i].Expect
		var err error
		if x.Speech != "" {
			if x.speech, err = regexp.Compile(x.Speech); err != nil {
				errs = append(errs, fmt.Errorf("turn %d: speech: %w", i+1, err))
			}
		}
		if x.Card != "" {
			if x.card, err = regexp.Compile(x.Card); err != nil {
				errs = append(errs, fmt.Errorf("turn %d: card: %w", i+1, err))
			}
		}
	}
	for i, b := range c.Bank {
		n := 0
		for _, set := range []bool{b.Balance != nil, b.Card != nil, b.Audit != nil} {
			if set {
				n++
			}
		}
		if n != 1 {
			errs = append(errs, fmt.Errorf("bank check %d: want exactly one of balance, card, audit", i+1))
		}
	}
	return &c, errors.Join(errs...)
}

// Options are what a fixture run needs besides the fixture.
type Options struct {
	// Platforms are the drivers by fixture platform name besides "chat",
	// which is Chat unless set here.
	Platforms map[string]Platform
	// Recognizer understands typed text (default: Recognizer()).
	Recognizer intents.Recognizer
	// Log is the skill's logger (default: one that discards).
	Log *slog.Logger
}

func (o Options) platform(name string) (Platform, bool) {
	if p, ok := o.Platforms[name]; ok {
		return p, true
	}
	if name == "chat" {
		return Chat, true
	}
	return nil, false
}

func (o Options) recognizer() intents.Recognizer {
	if o.Recognizer != nil {
		return o.Recognizer
	}
	return Recognizer()
}

// DefaultFixtureNow is a fixture's clock when it names none.
const DefaultFixtureNow = "2026-11-23T09:00:00Z"

func fixtureNow(s string) (time.Time, error) {
	if s == "" {
		s = DefaultFixtureNow
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, nil
	}
	t, err := time.Parse(time.DateOnly, s)
	return t.Add(9 * time.Hour), err
}

// Run plays a conversation on a fresh environment and returns what did not
// go as the fixture expects. An error means it could not be played at all.
func (c *Conversation) Run(ctx context.Context, opt Options) ([]string, error) {
	platform, ok := opt.platform(c.Platform)
	if !ok {
		return nil, fmt.Errorf("no driver for platform %q", c.Platform)
	}
	now, err := fixtureNow(c.Now)
	if err != nil {
		return nil, err
	}
	e, cleanup, err := Open(ctx, WithNow(now), WithRecognizer(opt.recognizer()), WithLog(opt.Log))
	if err != nil {
		return nil, err
	}
	defer cleanup()
	cust, err := e.Customer(ctx, c.Customer)
	if err != nil {
		return nil, err
	}
	locale := c.Locale
	if locale == "" {
		locale = cust.Locale
	}
	before, err := balances(ctx, e.Bank, cust.User)
	if err != nil {
		return nil, err
	}
	d := platform(e, Session{Customer: cust.ID, Locale: locale, Token: cust.Token})
	var fails []string
	for i, st := range c.Turns {
		e.Advance(time.Duration(st.Minutes)*time.Minute + 2*time.Second)
		label := st.User
		if label == "" {
			label = st.Intent
		}
		if st.Replay {
			label = "(replay) " + label
		}
		got, err := d.Turn(ctx, Turn{RequestID: fmt.Sprintf("req-%d", i+1), Text: strings.ReplaceAll(st.User, "{pin}", cust.PIN),
			Intent: st.Intent, Slots: withPIN(st.Slots, cust.PIN).(map[string]any), Replay: st.Replay})
		if err != nil {
			fails = append(fails, fmt.Sprintf("turn %d %q: %v", i+1, label, err))
			continue
		}
		x := st.Expect
		// A non-breaking space ("25,00\u00a0€") is a space to a listener
		// and to the expectation that writes one.
		if x.speech != nil && !x.speech.MatchString(got.Speech) && !x.speech.MatchString(strings.NewReplacer("\u00a0", " ", "\u202f", " ").Replace(got.Speech)) {
			fails = append(fails, fmt.Sprintf("turn %d %q:\n  want speech /%s/\n  got  %q", i+1, label, x.Speech, got.Speech))
		}
		if x.Intent != "" && x.Intent != got.Intent {
			fails = append(fails, fmt.Sprintf("turn %d %q: intent %s, want %s", i+1, label, got.Intent, x.Intent))
		}
		if x.End != nil && *x.End != got.End {
			fails = append(fails, fmt.Sprintf("turn %d %q: end of session %v, want %v", i+1, label, got.End, *x.End))
		}
		if x.card != nil && !x.card.MatchString(got.Card) {
			fails = append(fails, fmt.Sprintf("turn %d %q: card %q, want /%s/", i+1, label, got.Card, x.Card))
		}
	}
	checks, err := c.checkBank(ctx, e, cust, locale, before)
	return append(fails, checks...), err
}

func (c *Conversation) checkBank(ctx context.Context, e *Env, cust Customer, locale string, before map[string]int64) ([]string, error) {
	after, err := balances(ctx, e.Bank, cust.User)
	if err != nil {
		return nil, err
	}
	var fails []string
	for _, b := range c.Bank {
		switch {
		case b.Balance != nil:
			want, err := banks.ParseMoney(b.Balance.Change, banks.CurrencyOf(locale))
			if err != nil {
				return fails, err
			}
			if _, ok := after[b.Balance.Account]; !ok {
				fails = append(fails, fmt.Sprintf("bank: %s has no %s account", cust.ID, b.Balance.Account))
				continue
			}
			got := after[b.Balance.Account] - before[b.Balance.Account]
			if got != want.Minor {
				fails = append(fails, fmt.Sprintf("bank: %s changed by %s, want %s", b.Balance.Account,
					banks.Money{Minor: got, Currency: want.Currency}.Decimal(), want.Decimal()))
			}
		case b.Card != nil:
			cards, err := e.Bank.Cards(ctx, cust.User)
			if err != nil {
				return fails, err
			}
			seen := false
			for _, card := range cards {
				if string(card.Kind) != b.Card.Kind {
					continue
				}
				seen = true
				if card.Locked != b.Card.Locked {
					fails = append(fails, fmt.Sprintf("bank: %s card locked = %v, want %v", card.Kind, card.Locked, b.Card.Locked))
				}
			}
			if !seen {
				fails = append(fails, fmt.Sprintf("bank: %s has no %s card", cust.ID, b.Card.Kind))
			}
		case b.Audit != nil:
			log, err := e.Skill.AuditLog(ctx, sandbox.Name, cust.ID)
			if err != nil {
				return fails, err
			}
			n := 0
			for _, entry := range log {
				if entry.Action == b.Audit.Action && (entry.Outcome == "done" || entry.Outcome == "scheduled") {
					n++
				}
			}
			if n != b.Audit.Count {
				fails = append(fails, fmt.Sprintf("audit: %d completed %s entries, want %d", n, b.Audit.Action, b.Audit.Count))
			}
		}
	}
	return fails, nil
}

// balances maps account kinds to booked balances.
func balances(ctx context.Context, bank *sandbox.Bank, u banks.User) (map[string]int64, error) {
	accts, err := bank.Accounts(ctx, u)
	if err != nil {
		return nil, err
	}
	out := map[string]int64{}
	for _, a := range accts {
		b, err := bank.Balance(ctx, u, a.ID)
		if err != nil {
			return nil, err
		}
		out[string(a.Kind)] = b.Booked.Minor
	}
	return out, nil
}

// withPIN replaces {pin} in every string of a fixture value.
func withPIN(v any, pin string) any {
	switch v := v.(type) {
	case string:
		return strings.ReplaceAll(v, "{pin}", pin)
	case map[string]any:
		out := make(map[string]any, len(v))
		for k, x := range v {
			out[k] = withPIN(x, pin)
		}
		return out
	case []any:
		out := make([]any, len(v))
		for i, x := range v {
			out[i] = withPIN(x, pin)
		}
		return out
	}
	return v
}

// RunUtterances checks an utterance fixture (fixtures/utterances): each
// utterance must get its intent and every slot the fixture lists (other
// slots may be present). It returns the fixture's name and the misses.
func RunUtterances(ctx context.Context, rec intents.Recognizer, data []byte) (string, []string, error) {
	examples, locale, nowS, err := intents.ParseExamples(data)
	if err != nil {
		return "", nil, err
	}
	now, err := fixtureNow(nowS)
	if err != nil {
		return "", nil, err
	}
	var fails []string
	for _, u := range examples {
		res, err := rec.Parse(ctx, u.Text, locale, now)
		if err != nil {
			return "", nil, err
		}
		if res.Intent != u.Intent {
			fails = append(fails, fmt.Sprintf("%q: intent %s, want %s", u.Text, res.Intent, u.Intent))
			continue
		}
		for k, want := range u.Slots {
			if !reflect.DeepEqual(res.Slots[k], want) {
				got, _ := json.Marshal(res.Slots[k])
				w, _ := json.Marshal(want)
				fails = append(fails, fmt.Sprintf("%q: slot %s = %s, want %s", u.Text, k, got, w))
			}
		}
	}
	return fmt.Sprintf("%d %s utterances", len(examples), locale), fails, nil
}
