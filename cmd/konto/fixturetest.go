package main

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"sort"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/kontoskill/konto/banks"
	"github.com/kontoskill/konto/banks/sandbox"
	"github.com/kontoskill/konto/fixtures"
	"github.com/kontoskill/konto/intents"
	"github.com/kontoskill/konto/skill"
	"github.com/kontoskill/konto/skill/alexa"
	"github.com/kontoskill/konto/skill/sqlite"
)

// conversation is one fixture file under fixtures/conversations.
type conversation struct {
	Name     string `yaml:"name"`
	Locale   string `yaml:"locale"`
	Customer string `yaml:"customer"`
	// Platform is "chat" (typed text through the core) or "alexa"
	// (Alexa requests through the echo router, signed checks off).
	Platform string `yaml:"platform"`
	// Now pins the clock; the sandbox is seeded for that day.
	Now   string     `yaml:"now"`
	Turns []turnSpec `yaml:"turns"`
	Bank  []bankSpec `yaml:"bank"`
}

type turnSpec struct {
	User   string         `yaml:"user"`
	Intent string         `yaml:"intent"` // a platform-resolved intent (alexa)
	Slots  map[string]any `yaml:"slots"`
	// Replay sends the previous request again with the same request id.
	Replay bool `yaml:"replay"`
	// Minutes lets time pass before the turn.
	Minutes int        `yaml:"minutes"`
	Expect  expectSpec `yaml:"expect"`
}

type expectSpec struct {
	Speech string `yaml:"speech"` // regular expression
	Intent string `yaml:"intent"`
	End    *bool  `yaml:"end"`
	Card   string `yaml:"card"`
}

type bankSpec struct {
	Balance *struct {
		Account string `yaml:"account"`
		Change  string `yaml:"change"` // since the start of the conversation
	} `yaml:"balance"`
	Card *struct {
		Kind   string `yaml:"kind"`
		Locked bool   `yaml:"locked"`
	} `yaml:"card"`
	Audit *struct {
		Action string `yaml:"action"`
		Count  int    `yaml:"count"`
	} `yaml:"audit"`
}

// result is the outcome of one fixture.
type result struct {
	File, Name string
	Failures   []string
	Took       time.Duration
}

func runTest(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	cfg, err := parseConfig("test", flagArgs(args), getenv, stderr, "junit", "log-level")
	if err != nil {
		return err
	}
	paths := pathArgs(args)
	files, err := fixtureFiles(paths)
	if err != nil {
		return err
	}
	if len(files) == 0 {
		return fmt.Errorf("no fixtures found")
	}
	rec := intents.NewOffline()
	if err := rec.Warm(); err != nil {
		return err
	}
	var results []result
	progress := isTerminal(stderr)
	failed := 0
	for i, f := range files {
		start := time.Now()
		res := result{File: f.name}
		var err error
		if strings.Contains(f.name, "utterances") {
			res.Name, res.Failures, err = runUtterances(ctx, rec, f.data)
		} else {
			res.Name, res.Failures, err = runConversation(ctx, rec, f.data)
		}
		if err != nil {
			res.Failures = append(res.Failures, "error: "+err.Error())
		}
		res.Took = time.Since(start)
		results = append(results, res)
		if len(res.Failures) > 0 {
			failed++
			fmt.Fprintf(stdout, "FAIL %s (%s)\n", f.name, res.Name)
			for _, msg := range res.Failures {
				fmt.Fprintf(stdout, "     %s\n", strings.ReplaceAll(msg, "\n", "\n     "))
			}
		} else {
			fmt.Fprintf(stdout, "ok   %s (%s)\n", f.name, res.Name)
		}
		if progress {
			const width = 30
			n := (i + 1) * width / len(files)
			fmt.Fprintf(stderr, "\r[%s%s] %d/%d", strings.Repeat("#", n), strings.Repeat(".", width-n), i+1, len(files))
			if i+1 == len(files) {
				fmt.Fprintln(stderr)
			}
		}
	}
	fmt.Fprintf(stdout, "%d passed, %d failed\n", len(results)-failed, failed)
	if cfg.JUnit != "" {
		if err := writeJUnit(cfg.JUnit, results); err != nil {
			return err
		}
	}
	if failed > 0 {
		return fmt.Errorf("%d of %d fixtures failed", failed, len(results))
	}
	return nil
}

// flagArgs and pathArgs split `konto test [--junit F] [PATH...]`.
func flagArgs(args []string) []string {
	var out []string
	for i := 0; i < len(args); i++ {
		if strings.HasPrefix(args[i], "-") {
			out = append(out, args[i])
			if !strings.Contains(args[i], "=") && i+1 < len(args) && args[i] != "--help" && args[i] != "-h" {
				out = append(out, args[i+1])
				i++
			}
		}
	}
	return out
}

func pathArgs(args []string) []string {
	var out []string
	for i := 0; i < len(args); i++ {
		if strings.HasPrefix(args[i], "-") {
			if !strings.Contains(args[i], "=") {
				i++
			}
			continue
		}
		out = append(out, args[i])
	}
	return out
}

type fixtureFile struct {
	name string
	data []byte
}

// fixtureFiles reads the named files or folders, or every conversation and
// utterance fixture embedded in the binary.
func fixtureFiles(paths []string) ([]fixtureFile, error) {
	var out []fixtureFile
	add := func(fsys fs.FS, root, prefix string) error {
		return fs.WalkDir(fsys, root, func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if d.IsDir() || !strings.HasSuffix(p, ".yaml") {
				return nil
			}
			b, err := fs.ReadFile(fsys, p)
			if err != nil {
				return err
			}
			out = append(out, fixtureFile{name: filepath.ToSlash(filepath.Join(prefix, p)), data: b})
			return nil
		})
	}
	if len(paths) == 0 {
		for _, root := range []string{"conversations", "utterances"} {
			if err := add(fixtures.FS(), root, "fixtures"); err != nil {
				return nil, err
			}
		}
	}
	for _, p := range paths {
		st, err := os.Stat(p)
		if err != nil {
			return nil, err
		}
		if st.IsDir() {
			if err := add(os.DirFS(p), ".", p); err != nil {
				return nil, err
			}
			continue
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return nil, err
		}
		out = append(out, fixtureFile{name: p, data: b})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].name < out[j].name })
	return out, nil
}

const defaultNow = "2026-11-23T09:00:00Z"

func fixtureNow(s string) (time.Time, error) {
	if s == "" {
		s = defaultNow
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, nil
	}
	t, err := time.Parse(time.DateOnly, s)
	return t.Add(9 * time.Hour), err
}

// runUtterances checks an utterance fixture: each utterance must get its
// intent and every slot the fixture lists (other slots may be present).
func runUtterances(ctx context.Context, rec intents.Recognizer, data []byte) (string, []string, error) {
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

// runConversation plays one conversation on a fresh sandbox and store.
func runConversation(ctx context.Context, rec intents.Recognizer, data []byte) (string, []string, error) {
	var c conversation
	if err := yaml.Unmarshal(data, &c); err != nil {
		return "", nil, err
	}
	if c.Platform == "" {
		c.Platform = "chat"
	}
	now, err := fixtureNow(c.Now)
	if err != nil {
		return c.Name, nil, err
	}
	clock := now
	tick := func() time.Time { return clock }
	dir, err := os.MkdirTemp("", "konto-test-")
	if err != nil {
		return c.Name, nil, err
	}
	defer os.RemoveAll(dir)
	bank, err := sandbox.Open(filepath.Join(dir, "sandbox.db"), []byte("konto-test-secret-0123456789"))
	if err != nil {
		return c.Name, nil, err
	}
	defer bank.Close()
	bank.Now = tick
	d, err := sandbox.LoadData(fixtures.FS())
	if err != nil {
		return c.Name, nil, err
	}
	if err := bank.Seed(ctx, d, sandbox.SeedOptions{Now: now}); err != nil {
		return c.Name, nil, err
	}
	store, err := sqlite.Open(filepath.Join(dir, "konto.db"))
	if err != nil {
		return c.Name, nil, err
	}
	defer store.Close()
	sk := skill.New(skill.Config{Bank: bank, Auth: bank, Store: store, Recognizer: rec, Now: tick, Log: newLogger(io.Discard, "error")})
	cust, err := bank.FindCustomer(ctx, c.Customer)
	if err != nil {
		return c.Name, nil, err
	}
	if c.Locale == "" {
		c.Locale = cust.Locale
	}
	token, pin := bank.Token(cust.ID), bank.PIN(cust.ID)
	user, err := bank.Authenticate(ctx, token)
	if err != nil {
		return c.Name, nil, err
	}
	before, err := balances(ctx, bank, user)
	if err != nil {
		return c.Name, nil, err
	}
	var router http.Handler
	if c.Platform == "alexa" {
		router = alexaRouter(sk)
	}
	var fails []string
	var lastReq *skill.Request
	var lastBody []byte
	for i, t := range c.Turns {
		clock = clock.Add(time.Duration(t.Minutes)*time.Minute + 2*time.Second)
		reqID := fmt.Sprintf("req-%d", i+1)
		var speech, intent, card string
		var end bool
		switch {
		case c.Platform == "alexa":
			body := lastBody
			if !t.Replay || body == nil {
				body = alexaBody(c.Locale, token, reqID, t, pin, clock)
			}
			lastBody = body
			rr := httptest.NewRecorder()
			router.ServeHTTP(rr, httptest.NewRequest(http.MethodPost, "/alexa", bytes.NewReader(body)))
			var env struct {
				Response struct {
					OutputSpeech struct{ Text string } `json:"outputSpeech"`
					Card         struct{ Text string } `json:"card"`
					End          *bool                 `json:"shouldEndSession"`
				} `json:"response"`
			}
			if rr.Code != 200 || json.Unmarshal(rr.Body.Bytes(), &env) != nil {
				fails = append(fails, fmt.Sprintf("turn %d: HTTP %d %s", i+1, rr.Code, rr.Body))
				continue
			}
			speech, card = env.Response.OutputSpeech.Text, env.Response.Card.Text
			end = env.Response.End != nil && *env.Response.End
			intent = t.Intent
		default:
			r := &skill.Request{Platform: "chat", Channel: skill.Channel{Text: true, Private: true}, UserID: "fixture-user", SessionID: "fixture-session", RequestID: reqID,
				Locale: c.Locale, AccessToken: token, Text: strings.ReplaceAll(t.User, "{pin}", pin)}
			if t.Intent != "" {
				r.Text, r.Intent, r.Slots = "", t.Intent, slotsOf(t.Slots, pin)
			}
			if t.Replay && lastReq != nil {
				r = copyRequest(lastReq)
			}
			lastReq = copyRequest(r) // as sent, before the core fills it in
			resp := sk.Handle(ctx, r)
			speech, intent, end = resp.Speech, r.Intent, resp.EndSession
			if resp.Card != nil {
				card = resp.Card.Text
			}
		}
		label := t.User
		if label == "" {
			label = t.Intent
		}
		if t.Replay {
			label = "(replay) " + label
		}
		if t.Expect.Speech != "" && !regexp.MustCompile(t.Expect.Speech).MatchString(speech) {
			fails = append(fails, fmt.Sprintf("turn %d %q:\n  want speech /%s/\n  got  %q", i+1, label, t.Expect.Speech, speech))
		}
		if t.Expect.Intent != "" && t.Expect.Intent != intent {
			fails = append(fails, fmt.Sprintf("turn %d %q: intent %s, want %s", i+1, label, intent, t.Expect.Intent))
		}
		if t.Expect.End != nil && *t.Expect.End != end {
			fails = append(fails, fmt.Sprintf("turn %d %q: end of session %v, want %v", i+1, label, end, *t.Expect.End))
		}
		if t.Expect.Card != "" && !regexp.MustCompile(t.Expect.Card).MatchString(card) {
			fails = append(fails, fmt.Sprintf("turn %d %q: card %q, want /%s/", i+1, label, card, t.Expect.Card))
		}
	}
	after, err := balances(ctx, bank, user)
	if err != nil {
		return c.Name, fails, err
	}
	for _, b := range c.Bank {
		switch {
		case b.Balance != nil:
			want, err := banks.ParseMoney(b.Balance.Change, currencyOfLocale(c.Locale))
			if err != nil {
				return c.Name, fails, err
			}
			got := after[b.Balance.Account] - before[b.Balance.Account]
			if got != want.Minor {
				fails = append(fails, fmt.Sprintf("bank: %s changed by %s, want %s", b.Balance.Account,
					banks.Money{Minor: got, Currency: want.Currency}.Decimal(), want.Decimal()))
			}
		case b.Card != nil:
			cards, err := bank.Cards(ctx, user)
			if err != nil {
				return c.Name, fails, err
			}
			for _, card := range cards {
				if string(card.Kind) == b.Card.Kind && card.Locked != b.Card.Locked {
					fails = append(fails, fmt.Sprintf("bank: %s card locked = %v, want %v", card.Kind, card.Locked, b.Card.Locked))
				}
			}
		case b.Audit != nil:
			log, err := store.AuditLog(ctx, sandbox.Name, cust.ID)
			if err != nil {
				return c.Name, fails, err
			}
			n := 0
			for _, e := range log {
				if e.Action == b.Audit.Action && (e.Outcome == "done" || e.Outcome == "scheduled") {
					n++
				}
			}
			if n != b.Audit.Count {
				fails = append(fails, fmt.Sprintf("audit: %d completed %s entries, want %d", n, b.Audit.Action, b.Audit.Count))
			}
		}
	}
	return c.Name, fails, nil
}

func copyRequest(r *skill.Request) *skill.Request {
	c := *r
	c.Slots = intents.Slots{}
	for k, v := range r.Slots {
		c.Slots[k] = v
	}
	return &c
}

func currencyOfLocale(locale string) string { return banks.CurrencyOf(locale) }

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

// slotsOf turns fixture slot values into canonical ones.
func slotsOf(in map[string]any, pin string) intents.Slots {
	b, _ := json.Marshal(in)
	b = bytes.ReplaceAll(b, []byte("{pin}"), []byte(pin))
	var s intents.Slots
	_ = json.Unmarshal(b, &s)
	if s == nil {
		s = intents.Slots{}
	}
	return s
}

func alexaRouter(sk *skill.Skill) http.Handler {
	e := echoNew()
	(&alexa.Handler{Skill: sk, Dev: true, Log: newLogger(io.Discard, "error")}).Register(e, "/alexa")
	return e
}

// alexaBody builds an Alexa IntentRequest (or LaunchRequest for intent
// "Launch") with slot values as Alexa sends them.
func alexaBody(locale, token, reqID string, t turnSpec, pin string, now time.Time) []byte {
	user := map[string]any{"userId": "amzn1.ask.account.FIXTURE", "accessToken": token}
	app := map[string]any{"applicationId": "amzn1.ask.skill.fixture"}
	req := map[string]any{"type": "IntentRequest", "requestId": reqID, "timestamp": now.UTC().Format(time.RFC3339), "locale": locale}
	if t.Intent == "Launch" {
		req["type"] = "LaunchRequest"
	} else {
		slots := map[string]any{}
		for k, v := range t.Slots {
			val := strings.ReplaceAll(fmt.Sprint(v), "{pin}", pin)
			slots[k] = map[string]any{"name": k, "value": val, "confirmationStatus": "NONE"}
		}
		req["intent"] = map[string]any{"name": t.Intent, "confirmationStatus": "NONE", "slots": slots}
	}
	env := map[string]any{"version": "1.0", "request": req,
		"session": map[string]any{"new": false, "sessionId": "amzn1.echo-api.session.FIXTURE", "application": app, "user": user},
		"context": map[string]any{"System": map[string]any{"application": app, "user": user}}}
	b, _ := json.Marshal(env)
	return b
}

type junitSuites struct {
	XMLName xml.Name     `xml:"testsuites"`
	Suites  []junitSuite `xml:"testsuite"`
}

type junitSuite struct {
	Name     string      `xml:"name,attr"`
	Tests    int         `xml:"tests,attr"`
	Failures int         `xml:"failures,attr"`
	Cases    []junitCase `xml:"testcase"`
}

type junitCase struct {
	Name      string        `xml:"name,attr"`
	Classname string        `xml:"classname,attr"`
	Time      string        `xml:"time,attr"`
	Failure   *junitFailure `xml:"failure,omitempty"`
}

type junitFailure struct {
	Message string `xml:"message,attr"`
	Text    string `xml:",chardata"`
}

func writeJUnit(path string, results []result) error {
	s := junitSuite{Name: "konto fixtures", Tests: len(results)}
	for _, r := range results {
		c := junitCase{Name: r.Name, Classname: r.File, Time: fmt.Sprintf("%.3f", r.Took.Seconds())}
		if len(r.Failures) > 0 {
			s.Failures++
			c.Failure = &junitFailure{Message: r.Failures[0], Text: strings.Join(r.Failures, "\n")}
		}
		s.Cases = append(s.Cases, c)
	}
	b, err := xml.MarshalIndent(junitSuites{Suites: []junitSuite{s}}, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(path, append([]byte(xml.Header), b...), 0o644)
}
