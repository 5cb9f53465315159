package skill_test

import (
	"context"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/kontoskill/konto/banks/sandbox"
	"github.com/kontoskill/konto/fixtures"
	"github.com/kontoskill/konto/skill"
)

// callbackLog is the real store, recording the callbacks asked for.
type callbackLog struct {
	skill.Store
	mu  sync.Mutex
	got []skill.Callback
}

func (c *callbackLog) AddCallback(ctx context.Context, cb skill.Callback) error {
	c.mu.Lock()
	c.got = append(c.got, cb)
	c.mu.Unlock()
	return c.Store.AddCallback(ctx, cb)
}

func (c *callbackLog) callbacks() []skill.Callback {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]skill.Callback(nil), c.got...)
}

func newFAQEnv(t *testing.T) (*env, *callbackLog) {
	log := &callbackLog{}
	e := newEnvWith(t, func(c *skill.Config) {
		log.Store = c.Store
		c.Store = log
	})
	return e, log
}

func TestFAQAnswersTheSheet(t *testing.T) {
	e, _ := newFAQEnv(t)
	for _, c := range []struct {
		customer, locale, text string
		speech, card           string
	}{
		// phrased unlike the sheet's examples
		{"carol", "en-US", "the debit card you sent me still isn't here", `^New cards arrive within 7 days.* Anything else\?$`, `(?s)Help from Konto Sandbox Bank.*/help/cards/delivery`},
		{"carol", "en-US", "do you do mortgages", `mortgage advisors.*1 800 555 0142, Monday to Friday 9 am to 6 pm`, `/mortgages`},
		{"carol", "en-US", "i want to dispute a charge at a restaurant", `open a dispute in the app`, ``},
		{"oliver", "en-GB", "can i change the amount of my standing order", `standing orders in the app under Pay`, ``},
		{"lena", "de-DE", "ich möchte einen freistellungsauftrag einrichten", `^Mit einem Freistellungsauftrag bleiben Zinsen bis 1\.000 €.*Kann ich sonst noch etwas tun\?$`, `Hilfe der Konto Sandbox Bank`},
		{"lena", "de-DE", "wie lange braucht eine echtzeitüberweisung", `Sekunden`, ``},
	} {
		resp := e.say(c.customer, c.locale, c.text)
		if !regexp.MustCompile(c.speech).MatchString(resp.Speech) {
			t.Errorf("%s: %q\ngot  %q\nwant %s", c.locale, c.text, resp.Speech, c.speech)
		}
		if resp.EndSession || resp.Reprompt == "" {
			t.Errorf("%q: an FAQ answer keeps the session open with a reprompt: %+v", c.text, resp)
		}
		if resp.Card == nil {
			t.Errorf("%q: no card", c.text)
		} else if c.card != "" && !regexp.MustCompile(c.card).MatchString(resp.Card.Title+"\n"+resp.Card.Text) {
			t.Errorf("%q: card %+v, want %s", c.text, resp.Card, c.card)
		}
	}
}

// A question the catalog and the FAQ cannot answer goes to an agent;
// one that is not banking is declined; a catalog intent is the catalog's.
func TestFAQRouting(t *testing.T) {
	e, log := newFAQEnv(t)
	resp := e.say("alice", "en-US", "can i get a notary at the branch")
	if !strings.HasPrefix(resp.Speech, "I can't answer that here. You can reach customer service at 1 800 555 0199, Monday to Friday") ||
		!strings.HasSuffix(resp.Speech, "Would you like an agent to call you back?") || resp.EndSession {
		t.Fatalf("unanswered: %+v", resp)
	}
	resp = e.say("alice", "en-US", "yes")
	if !strings.HasPrefix(resp.Speech, "Done. An agent will call you") {
		t.Fatalf("callback: %+v", resp)
	}
	if cbs := log.callbacks(); len(cbs) != 1 || cbs[0].Customer != "alice" || cbs[0].Topic != "question" {
		t.Errorf("callbacks: %+v", cbs)
	}

	for _, text := range []string{"what's the weather like tomorrow", "play some music"} {
		resp = e.say("alice", "en-US", text)
		if !strings.HasPrefix(resp.Speech, "Sorry, I can't help with that.") || resp.Card != nil {
			t.Errorf("%q: %+v", text, resp)
		}
	}
	resp = e.say("alice", "en-US", "what's my balance")
	if !strings.HasPrefix(resp.Speech, "Here are your balances.") {
		t.Errorf("balance: %+v", resp)
	}
	de := e.say("jonas", "de-DE", "wie wird das wetter morgen")
	if !strings.HasPrefix(de.Speech, "Dabei kann ich leider nicht helfen.") {
		t.Errorf("Wetter: %+v", de)
	}
}

// Without a linked bank the default bank's FAQ still answers, and a bank
// question it cannot answer gets the support line without a callback
// (there is nobody to call).
func TestFAQUnlinked(t *testing.T) {
	e, log := newFAQEnv(t)
	ask := func(text string) *skill.Response {
		return e.sk.Handle(context.Background(), &skill.Request{Platform: "test", UserID: "stranger", SessionID: "s-stranger",
			Locale: "en-GB", Text: text})
	}
	resp := ask("when are your branches open")
	if !strings.HasPrefix(resp.Speech, "Most branches are open Monday to Friday 9 am to 5 pm and Saturday 9 am to 12:30.") || resp.LinkAccount {
		t.Errorf("branch hours: %+v", resp)
	}
	resp = ask("can i get a notary at the branch")
	if !strings.HasPrefix(resp.Speech, "I can't answer that here. You can reach customer services on 0800 555 0199") ||
		!strings.HasSuffix(resp.Speech, "Anything else?") {
		t.Errorf("unanswered: %+v", resp)
	}
	if len(log.callbacks()) != 0 {
		t.Error("a callback for nobody")
	}
}

// TestFAQSheets checks the sandbox's FAQ: enough entries, each with
// examples and a short answer that agrees with the sheet's support line.
func TestFAQSheets(t *testing.T) {
	phone := regexp.MustCompile(`\b(?:1 )?[0-9]{3,4} [0-9]{3} [0-9]{4}\b`)
	for _, loc := range []string{"en-US", "en-GB", "de-DE"} {
		sh, err := sandbox.LoadProductSheet(fixtures.FS(), loc)
		if err != nil {
			t.Fatal(err)
		}
		if len(sh.FAQ) < 40 {
			t.Errorf("%s: %d FAQ entries, want at least 40", loc, len(sh.FAQ))
		}
		seen := map[string]bool{}
		for _, f := range sh.FAQ {
			if f.ID == "" || seen[f.ID] {
				t.Errorf("%s: missing or repeated id %q", loc, f.ID)
			}
			seen[f.ID] = true
			if len(f.Questions) < 2 || f.Answer == "" || len(f.Answer) > 320 {
				t.Errorf("%s %s: %d questions, answer of %d bytes", loc, f.ID, len(f.Questions), len(f.Answer))
			}
			if f.Link != "" && !strings.HasPrefix(f.Link, "https://") {
				t.Errorf("%s %s: link %q", loc, f.ID, f.Link)
			}
			for _, p := range phone.FindAllString(f.Answer, -1) {
				if p != sh.SupportPhone && !strings.HasSuffix(p, "555 0142") {
					t.Errorf("%s %s: phone %q is neither the support line %q nor the advisers'", loc, f.ID, p, sh.SupportPhone)
				}
			}
			if strings.Contains(f.Answer, "Monday to Friday 8 am") && !strings.Contains(sh.SupportHours, "Monday to Friday 8 am") {
				t.Errorf("%s %s: hours disagree with %q", loc, f.ID, sh.SupportHours)
			}
		}
	}
}
