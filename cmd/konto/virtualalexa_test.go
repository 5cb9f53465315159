package main

import (
	"bufio"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// npmInstall makes sure the virtual-alexa test client is installed, with
// `npm ci` from the committed lock file (CI runs it before the tests too).
func npmInstall(t *testing.T, dir string) {
	t.Helper()
	if _, err := exec.LookPath("node"); err != nil {
		t.Fatal("node is needed for the virtual-alexa check and is part of this project's machine")
	}
	if _, err := os.Stat(filepath.Join(dir, "node_modules", "virtual-alexa")); err == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "npm", "ci", "--no-audit", "--no-fund")
	cmd.Dir = dir
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("npm ci: %v\n%s", err, out)
	}
}

type vaReply struct {
	Utterance string            `json:"utterance"`
	Intent    string            `json:"intent"`
	Slots     map[string]string `json:"slots"`
	Speech    string            `json:"speech"`
	Error     string            `json:"error"`
}

// TestVirtualAlexaDrivesExportedModel proves the exported interaction
// model is accepted by an independent consumer: virtual-alexa loads it,
// resolves utterances against its samples and slot types, and drives a
// running `konto serve --dev` whose replies are checked.
func TestVirtualAlexaDrivesExportedModel(t *testing.T) {
	clientDir, _ := filepath.Abs("testdata/virtual-alexa")
	npmInstall(t, clientDir)
	data := filepath.Join(t.TempDir(), "data")
	base, _, _ := startServe(t, "--data", data, "--dev")
	toks := map[string]string{}
	for _, tk := range tokens(t, data) {
		toks[tk.Customer] = tk.AccessToken
	}
	cases := []struct {
		locale, customer string
		checks           []struct{ utterance, intent, speech string }
	}{
		{"en-US", "alice", []struct{ utterance, intent, speech string }{
			{"<launch>", "", `^Welcome to Konto\.`},
			{"what is my checking balance", "GetBalance", `^Your Everyday Checking has \$[0-9,]+\.[0-9]{2}( available to spend; its booked balance is \$[0-9,]+\.[0-9]{2})?\.`},
			{"what are my last three transactions", "ListTransactions", `^Your last 3 transactions: `},
			{"how much did i spend on groceries", "SpendingSummary", `^You spent \$[0-9,.]+ on groceries (this month|today)`},
			{"lock my debit card", "LockCard", `^I've locked your debit card ending in [0-9]{4}\.`},
			{"help", "AMAZON.HelpIntent", `^I can tell you your account balances`},
			{"stop", "AMAZON.StopIntent", `^Goodbye\.$`},
		}},
		{"de-DE", "jonas", []struct{ utterance, intent, speech string }{
			{"wie ist mein kontostand", "GetBalance", `^Hier sind deine Kontostände\. Auf deinem Girokonto sind `},
			{"was ist mein kontostand auf dem girokonto", "GetBalance", `^Auf deinem Girokonto sind [0-9.]+,[0-9]{2}\x{a0}€( verfügbar; der Buchungsstand ist [0-9.]+,[0-9]{2}\x{a0}€)?\.`},
			{"zeig mir die letzten 3 buchungen", "ListTransactions", `^Deine letzten 3 Umsätze: `},
			{"sperr meine girocard", "LockCard", `^Ich habe deine Debitkarte mit den Endziffern [0-9]{4} gesperrt\.`},
			{"wie viel habe ich letzten monat ausgegeben", "SpendingSummary", `^Du hast im \p{L}+( [0-9]{4})? [0-9.]+,[0-9]{2}\x{a0}€ ausgegeben\.`},
		}},
	}
	for _, c := range cases {
		t.Run(c.locale, func(t *testing.T) {
			model := filepath.Join(t.TempDir(), "model.json")
			out, err := run(t, "", "model", "export", "--platform", "alexa", "--locale", c.locale)
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(model, []byte(out), 0o600); err != nil {
				t.Fatal(err)
			}
			var utterances []string
			for _, ch := range c.checks {
				utterances = append(utterances, ch.utterance)
			}
			uj, _ := json.Marshal(utterances)
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
			defer cancel()
			cmd := exec.CommandContext(ctx, "node", "drive.js", base+"/alexa", model, c.locale, toks[c.customer], string(uj))
			cmd.Dir = clientDir
			stdout, err := cmd.Output()
			if err != nil {
				t.Fatalf("virtual-alexa: %v\n%s", err, stdout)
			}
			var replies []vaReply
			sc := bufio.NewScanner(strings.NewReader(string(stdout)))
			for sc.Scan() {
				var r vaReply
				if err := json.Unmarshal(sc.Bytes(), &r); err == nil {
					replies = append(replies, r)
				}
			}
			if len(replies) != len(c.checks) {
				t.Fatalf("%d replies for %d utterances:\n%s", len(replies), len(c.checks), stdout)
			}
			for i, ch := range c.checks {
				r := replies[i]
				if r.Error != "" {
					t.Errorf("%q: %s", ch.utterance, r.Error)
					continue
				}
				if r.Intent != ch.intent {
					t.Errorf("%q resolved to %q, want %q", ch.utterance, r.Intent, ch.intent)
				}
				if !regexp.MustCompile(ch.speech).MatchString(r.Speech) {
					t.Errorf("%q: speech %q, want /%s/", ch.utterance, r.Speech, ch.speech)
				}
			}
		})
	}
}
