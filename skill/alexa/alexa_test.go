package alexa

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/kontoskill/konto/banks/sandbox"
	"github.com/kontoskill/konto/intents"
	"github.com/kontoskill/konto/skill"
	"github.com/kontoskill/konto/skill/skilltest"
	"github.com/kontoskill/konto/skill/sqlite"
)

// stack is the whole Alexa path for real: echo router, verifier with the
// synthetic root, skill core, SQLite store and seeded sandbox bank.
type stack struct {
	e     *echo.Echo
	sk    *skill.Skill
	bank  *sandbox.Bank
	store *sqlite.Store
	syn   *synthetic
	// attrs are the session attributes the last reply of each session
	// set: the test client sends them back, as Alexa does.
	attrs map[string]any
}

// newStack builds the stack on skilltest's environment; the skill and the
// bank read the synthetic verifier's clock, so a test moves all three.
func newStack(t testing.TB, dev bool) *stack {
	t.Helper()
	syn := newSynthetic(t)
	env := skilltest.NewEnv(t, skilltest.WithClock(func() time.Time { return syn.now }))
	e := echo.New()
	(&Handler{Skill: env.Skill, Verifier: syn.v, Dev: dev}).Register(e, "/alexa")
	return &stack{e: e, sk: env.Skill, bank: env.Bank, store: env.Store, syn: syn}
}

type reqOpts struct {
	typ, intent, locale, token, user, session string
	slots                                     map[string]any
	extra                                     map[string]any // merged into "request"
	noSession                                 bool
	requestID                                 string // a fresh one if empty
}

var requestSeq atomic.Int64

// body builds an Alexa request envelope as Alexa sends it.
func (s *stack) body(o reqOpts) []byte {
	if o.locale == "" {
		o.locale = "en-US"
	}
	if o.user == "" {
		o.user = "amzn1.ask.account.TESTUSER"
	}
	if o.session == "" {
		o.session = "amzn1.echo-api.session.S1"
	}
	user := map[string]any{"userId": o.user}
	if o.token != "" {
		user["accessToken"] = o.token
	}
	app := map[string]any{"applicationId": testAppID}
	if o.requestID == "" {
		o.requestID = fmt.Sprintf("amzn1.echo-api.request.%d", requestSeq.Add(1))
	}
	req := map[string]any{"type": o.typ, "requestId": o.requestID,
		"timestamp": s.syn.now.Add(-time.Second).Format(time.RFC3339), "locale": o.locale}
	if o.intent != "" {
		req["intent"] = map[string]any{"name": o.intent, "confirmationStatus": "NONE", "slots": o.slots}
	}
	for k, v := range o.extra {
		req[k] = v
	}
	env := map[string]any{"version": "1.0",
		"context": map[string]any{"System": map[string]any{"application": app, "user": user,
			"apiEndpoint": "https://api.amazonalexa.com"}},
		"request": req}
	if !o.noSession {
		attrs := map[string]any{}
		if a, ok := s.attrs[o.session].(map[string]any); ok {
			attrs = a
		}
		env["session"] = map[string]any{"new": false, "sessionId": o.session, "application": app, "user": user, "attributes": attrs}
	}
	b, _ := json.Marshal(env)
	return b
}

type reply struct {
	Version  string `json:"version"`
	Response struct {
		OutputSpeech *struct{ Type, Text string } `json:"outputSpeech"`
		Card         *struct{ Type, Title, Text string }
		Reprompt     *struct {
			OutputSpeech struct{ Text string } `json:"outputSpeech"`
		} `json:"reprompt"`
		ShouldEndSession *bool `json:"shouldEndSession"`
		CanFulfillIntent *struct {
			CanFulfill string                                                `json:"canFulfill"`
			Slots      map[string]struct{ CanUnderstand, CanFulfill string } `json:"slots"`
		} `json:"canFulfillIntent"`
	} `json:"response"`
}

func (r reply) speech() string {
	if r.Response.OutputSpeech == nil {
		return ""
	}
	return r.Response.OutputSpeech.Text
}

// post sends a signed request through the router.
func (s *stack) post(t testing.TB, body []byte) *httptest.ResponseRecorder {
	t.Helper()
	req := httptest.NewRequest(http.MethodPost, "/alexa", strings.NewReader(string(body)))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("SignatureCertChainUrl", chainURL)
	req.Header.Set("Signature-256", sign(t, s.syn.leafKey, body))
	rec := httptest.NewRecorder()
	s.e.ServeHTTP(rec, req)
	return rec
}

func (s *stack) ask(t testing.TB, o reqOpts) reply {
	t.Helper()
	rec := s.post(t, s.body(o))
	if rec.Code != http.StatusOK {
		t.Fatalf("status %d: %s", rec.Code, rec.Body)
	}
	var r reply
	if err := json.Unmarshal(rec.Body.Bytes(), &r); err != nil {
		t.Fatal(err)
	}
	var a struct {
		SessionAttributes map[string]any `json:"sessionAttributes"`
	}
	_ = json.Unmarshal(rec.Body.Bytes(), &a)
	if s.attrs == nil {
		s.attrs = map[string]any{}
	}
	session := o.session
	if session == "" {
		session = "amzn1.echo-api.session.S1"
	}
	s.attrs[session] = a.SessionAttributes
	if r.Version != "1.0" {
		t.Fatalf("reply version %q", r.Version)
	}
	return r
}

func resolved(value, id string) map[string]any {
	return map[string]any{"name": "x", "value": value, "confirmationStatus": "NONE",
		"resolutions": map[string]any{"resolutionsPerAuthority": []any{map[string]any{
			"authority": "amzn1.er-authority.echo-sdk.x.ACCOUNT_TYPE", "status": map[string]any{"code": "ER_SUCCESS_MATCH"},
			"values": []any{map[string]any{"value": map[string]any{"name": value, "id": id}}}}}}}
}

func TestLaunchAndBalances(t *testing.T) {
	s := newStack(t, false)
	alice := s.bank.Token("alice")
	r := s.ask(t, reqOpts{typ: "LaunchRequest", token: alice})
	if !strings.HasPrefix(r.speech(), "Welcome to Konto.") || *r.Response.ShouldEndSession || r.Response.Reprompt == nil {
		t.Fatalf("launch: %+v", r)
	}
	r = s.ask(t, reqOpts{typ: "IntentRequest", intent: "GetBalanceIntent", token: alice,
		slots: map[string]any{"accountType": resolved("checking", "CHECKING")}})
	if got, want := r.speech(), "Your Everyday Checking has $12,469.55."; got != want {
		t.Fatalf("speech %q, want %q", got, want)
	}
	if r.Response.Card == nil || r.Response.Card.Type != "Standard" || !strings.Contains(r.Response.Card.Text, "••4821") {
		t.Fatalf("card %+v", r.Response.Card)
	}
	if !*r.Response.ShouldEndSession {
		t.Fatal("a complete answer ends the session")
	}
	// The exported catalog name works as well as the ...Intent form, and
	// slot values without resolutions are understood.
	r = s.ask(t, reqOpts{typ: "IntentRequest", intent: "GetBalance", token: s.bank.Token("jonas"), locale: "de-DE",
		slots: map[string]any{"account": map[string]any{"name": "account", "value": "Tagesgeld"}}})
	// Jonas's open fraud alert waits for a new session (this one is not).
	if got, want := r.speech(), "Auf deinem Tagesgeldkonto sind 13.463,07\u00a0€."; got != want {
		t.Fatalf("speech %q, want %q", got, want)
	}
}

func TestTransactionsAndSpendingOverAlexa(t *testing.T) {
	s := newStack(t, false)
	r := s.ask(t, reqOpts{typ: "IntentRequest", intent: "ListTransactions", token: s.bank.Token("alice"),
		slots: map[string]any{"count": map[string]any{"name": "count", "value": "2"}}})
	if got, want := r.speech(), "Your last 2 transactions: $77.92 at Sweetgreen today (still pending) and $143.21 at Trader Joe's on November 21st."; got != want {
		t.Fatalf("speech %q\nwant   %q", got, want)
	}
	r = s.ask(t, reqOpts{typ: "IntentRequest", intent: "SpendingSummary", token: s.bank.Token("alice"),
		slots: map[string]any{"date": map[string]any{"name": "date", "value": "2026-10"},
			"category": map[string]any{"name": "category", "value": "groceries"}}})
	if !strings.HasPrefix(r.speech(), "You spent $1,188.52 on groceries in October") {
		t.Fatalf("speech %q", r.speech())
	}
}

func TestNotLinked(t *testing.T) {
	s := newStack(t, false)
	for name, token := range map[string]string{"no token": "", "unknown token": "ksbx_forged"} {
		t.Run(name, func(t *testing.T) {
			r := s.ask(t, reqOpts{typ: "IntentRequest", intent: "GetBalanceIntent", token: token})
			if r.Response.Card == nil || r.Response.Card.Type != "LinkAccount" || !*r.Response.ShouldEndSession {
				t.Fatalf("want a LinkAccount card and the session ended: %+v", r.Response)
			}
			if !strings.Contains(r.speech(), "link your account in the Alexa app") {
				t.Fatalf("speech %q", r.speech())
			}
		})
	}
	t.Run("recorded not-linked request", func(t *testing.T) {
		b, err := os.ReadFile("testdata/requests/intent_request_not_linked.json")
		if err != nil {
			t.Fatal(err)
		}
		b = []byte(strings.ReplaceAll(string(b), "2026-11-23T08:00:00Z", s.syn.now.Format(time.RFC3339)))
		rec := s.post(t, b)
		if rec.Code != 200 || !strings.Contains(rec.Body.String(), `"type":"LinkAccount"`) {
			t.Fatalf("%d %s", rec.Code, rec.Body)
		}
	})
}

func TestBuiltIns(t *testing.T) {
	s := newStack(t, false)
	tok := s.bank.Token("bob")
	cases := []struct {
		intent string
		end    bool
		speech string
	}{
		{"AMAZON.HelpIntent", false, "I can tell you your account balances"},
		{"AMAZON.StopIntent", true, "Goodbye."},
		{"AMAZON.CancelIntent", true, "Goodbye."},
		{"AMAZON.NavigateHomeIntent", true, "Goodbye."},
		{"AMAZON.FallbackIntent", false, "Sorry, I can't help with that."},
		{"AMAZON.YesIntent", false, "nothing waiting for a yes or no"},
		{"SomeIntentWeNeverDeclared", false, "Sorry, I can't help with that."},
	}
	for _, c := range cases {
		t.Run(c.intent, func(t *testing.T) {
			r := s.ask(t, reqOpts{typ: "IntentRequest", intent: c.intent, token: tok})
			if !strings.Contains(r.speech(), c.speech) || *r.Response.ShouldEndSession != c.end {
				t.Fatalf("%s: speech %q end %v", c.intent, r.speech(), *r.Response.ShouldEndSession)
			}
			if !c.end && r.Response.Reprompt == nil {
				t.Fatalf("%s keeps the session open without a reprompt", c.intent)
			}
		})
	}
	t.Run("repeat says the last answer again", func(t *testing.T) {
		first := s.ask(t, reqOpts{typ: "LaunchRequest", token: tok, session: "S-repeat"})
		again := s.ask(t, reqOpts{typ: "IntentRequest", intent: "AMAZON.RepeatIntent", token: tok, session: "S-repeat"})
		if again.speech() != first.speech() {
			t.Fatalf("repeat %q, want %q", again.speech(), first.speech())
		}
	})
}

func TestSessionEnded(t *testing.T) {
	s := newStack(t, false)
	tok := s.bank.Token("carol")
	// A transfer begun: the dialog is session state on the server (a
	// launch changes nothing and writes none).
	s.ask(t, reqOpts{typ: "IntentRequest", intent: "TransferMoney", token: tok, user: "U-carol", session: "S-end"})
	if _, n, _ := s.store.Counts(context.Background(), Platform, "U-carol"); n != 1 {
		t.Fatalf("sessions = %d before the end", n)
	}
	rec := s.post(t, s.body(reqOpts{typ: "SessionEndedRequest", user: "U-carol", session: "S-end",
		extra: map[string]any{"reason": "ERROR", "error": map[string]any{"type": "INVALID_RESPONSE", "message": "boom"}}}))
	if rec.Code != 200 || strings.TrimSpace(rec.Body.String()) != `{"version":"1.0","response":{}}` {
		t.Fatalf("%d %s", rec.Code, rec.Body)
	}
	if _, n, _ := s.store.Counts(context.Background(), Platform, "U-carol"); n != 0 {
		t.Fatalf("sessions = %d after the end", n)
	}
}

func TestCanFulfillHasNoSideEffects(t *testing.T) {
	s := newStack(t, false)
	r := s.ask(t, reqOpts{typ: "CanFulfillIntentRequest", intent: "GetBalanceIntent", token: s.bank.Token("alice"), user: "U-cfi",
		slots: map[string]any{"accountType": map[string]any{"name": "accountType", "value": "checking"},
			"mystery": map[string]any{"name": "mystery", "value": "purple"}}})
	c := r.Response.CanFulfillIntent
	if c == nil || c.CanFulfill != "YES" || c.Slots["accountType"].CanUnderstand != "YES" || c.Slots["mystery"].CanUnderstand != "NO" {
		t.Fatalf("%+v", c)
	}
	if links, sessions, _ := s.store.Counts(context.Background(), Platform, "U-cfi"); links+sessions != 0 {
		t.Fatalf("CanFulfillIntentRequest wrote %d links and %d sessions", links, sessions)
	}
	r = s.ask(t, reqOpts{typ: "CanFulfillIntentRequest", intent: "PlayMusicIntent"})
	if r.Response.CanFulfillIntent.CanFulfill != "NO" {
		t.Fatal("an unknown intent cannot be fulfilled")
	}
}

func TestSkillEvents(t *testing.T) {
	s := newStack(t, false)
	ctx := context.Background()
	tok := s.bank.Token("lena")
	s.ask(t, reqOpts{typ: "IntentRequest", intent: "TransferMoney", token: tok, user: "U-lena", locale: "de-DE", session: "S-lena"})
	if links, sessions, _ := s.store.Counts(ctx, Platform, "U-lena"); links != 1 || sessions != 1 {
		t.Fatalf("links %d sessions %d after a transfer begun", links, sessions)
	}
	r := s.ask(t, reqOpts{typ: "AlexaSkillEvent.SkillDisabled", user: "U-lena", noSession: true})
	if r.speech() != "" || r.Response.ShouldEndSession != nil {
		t.Fatalf("skill event reply should be empty: %+v", r)
	}
	if links, sessions, _ := s.store.Counts(ctx, Platform, "U-lena"); links != 0 || sessions != 0 {
		t.Fatalf("SkillDisabled left %d links and %d sessions", links, sessions)
	}
	// Disabling withdrew the access at the bank: the old token links nobody.
	r = s.ask(t, reqOpts{typ: "LaunchRequest", token: tok, user: "U-lena", locale: "de-DE", session: "S-lena-2"})
	if !strings.Contains(r.speech(), "verknüpfe") {
		t.Fatalf("the old token still works after SkillDisabled: %q", r.speech())
	}
	// A new linking at the bank does.
	if _, err := s.bank.IssueToken(ctx, "lena"); err != nil {
		t.Fatal(err)
	}
	s.ask(t, reqOpts{typ: "AlexaSkillEvent.SkillAccountLinked", user: "U-lena2", noSession: true,
		extra: map[string]any{"body": map[string]any{"accessToken": tok}}})
	l, err := s.store.Link(ctx, Platform, "U-lena2")
	if err != nil || l.Customer != "lena" {
		t.Fatalf("SkillAccountLinked: %+v %v", l, err)
	}
	for _, typ := range []string{"AlexaSkillEvent.SkillEnabled", "AlexaSkillEvent.SkillPermissionAccepted", "System.ExceptionEncountered", "Alexa.Presentation.APL.UserEvent"} {
		r := s.ask(t, reqOpts{typ: typ, noSession: true})
		if r.speech() != "" {
			t.Fatalf("%s: %+v", typ, r)
		}
	}
}

func TestBadInput(t *testing.T) {
	s := newStack(t, true) // dev mode, so that malformed bodies reach the decoder
	cases := []struct {
		name string
		body string
		code int
	}{
		{"malformed JSON", `{"version":"1.0","request":`, 400},
		{"not JSON at all", `hello`, 400},
		{"empty body", ``, 400},
		{"wrong type", `{"version":"1.0","request":{"type":5}}`, 400},
		{"wrong type deeper", `{"version":"1.0","request":{"type":"IntentRequest","intent":{"name":["x"]}}}`, 400},
		{"no request type", `{"version":"1.0"}`, 400},
		{"oversized", `{"version":"1.0","pad":"` + strings.Repeat("x", DefaultMaxBody) + `"}`, 413},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			req := httptest.NewRequest(http.MethodPost, "/alexa", strings.NewReader(c.body))
			rec := httptest.NewRecorder()
			s.e.ServeHTTP(rec, req)
			var e struct{ Error string }
			if rec.Code != c.code || json.Unmarshal(rec.Body.Bytes(), &e) != nil || e.Error == "" {
				t.Fatalf("status %d body %s; want %d with a JSON error", rec.Code, rec.Body, c.code)
			}
			if strings.Contains(rec.Body.String(), "goroutine") || strings.Contains(rec.Body.String(), ".go:") {
				t.Fatal("error leaks internals")
			}
		})
	}
	t.Run("an intent without slots is answered", func(t *testing.T) {
		req := httptest.NewRequest(http.MethodPost, "/alexa", strings.NewReader(`{"version":"1.0","request":{"type":"IntentRequest","locale":"en-US","intent":{"name":"GetBalanceIntent"}}}`))
		rec := httptest.NewRecorder()
		s.e.ServeHTTP(rec, req)
		if rec.Code != 200 || !strings.Contains(rec.Body.String(), "LinkAccount") {
			t.Fatalf("%d %s", rec.Code, rec.Body)
		}
	})
}

func TestVerificationIsOnByDefault(t *testing.T) {
	s := newStack(t, false)
	body := s.body(reqOpts{typ: "LaunchRequest", token: s.bank.Token("alice")})
	for name, h := range map[string]map[string]string{
		"unsigned":      {},
		"bad signature": {"SignatureCertChainUrl": chainURL, "Signature-256": sign(t, s.syn.leafKey, []byte("other"))},
	} {
		t.Run(name, func(t *testing.T) {
			req := httptest.NewRequest(http.MethodPost, "/alexa", strings.NewReader(string(body)))
			for k, v := range h {
				req.Header.Set(k, v)
			}
			rec := httptest.NewRecorder()
			s.e.ServeHTTP(rec, req)
			if rec.Code != http.StatusBadRequest {
				t.Fatalf("status %d, want 400", rec.Code)
			}
		})
	}
	t.Run("a handler without a verifier rejects", func(t *testing.T) {
		e := echo.New()
		(&Handler{Skill: nil}).Register(e, "/alexa")
		rec := httptest.NewRecorder()
		e.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "/alexa", strings.NewReader(string(body))))
		if rec.Code != http.StatusBadRequest {
			t.Fatalf("status %d", rec.Code)
		}
	})
}

// TestSignedEnvelopeChecks sends signed requests that must still be
// refused for what their envelope says, through the handler (which checks
// the envelope it decoded itself) and through Verify (which decodes the
// body on its own), and wants the same verdict from both.
func TestSignedEnvelopeChecks(t *testing.T) {
	var kinds []string
	s := newStack(t, false)
	e := echo.New()
	(&Handler{Skill: s.sk, Verifier: s.syn.v, Rejected: func(k string) { kinds = append(kinds, k) }}).Register(e, "/alexa")
	tok := s.bank.Token("alice")
	good := string(s.body(reqOpts{typ: "LaunchRequest", token: tok}))
	sessionApp := `"session":{"application":{"applicationId":"` + testAppID + `"}` // keys in json.Marshal's order
	cases := []struct {
		name, body, kind string
	}{
		{"a stale timestamp", string(s.body(reqOpts{typ: "LaunchRequest", token: tok,
			extra: map[string]any{"timestamp": s.syn.now.Add(-time.Hour).Format(time.RFC3339)}})), RejectTimestamp},
		{"no timestamp", string(s.body(reqOpts{typ: "LaunchRequest", token: tok, extra: map[string]any{"timestamp": ""}})), RejectTimestamp},
		{"another skill", strings.ReplaceAll(good, testAppID, "amzn1.ask.skill.other"), RejectApplicationID},
		{"the session of another skill", strings.Replace(good, sessionApp,
			strings.Replace(sessionApp, testAppID, "amzn1.ask.skill.other", 1), 1), RejectApplicationID},
		{"a skill event an hour old", string(s.body(reqOpts{typ: "AlexaSkillEvent.SkillEnabled", token: tok,
			extra: map[string]any{"timestamp": s.syn.now.Add(-61 * time.Minute).Format(time.RFC3339)}})), RejectTimestamp},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if c.body == good {
				t.Fatal("the case did not change the body")
			}
			kinds = nil
			sig := sign(t, s.syn.leafKey, []byte(c.body))
			req := httptest.NewRequest(http.MethodPost, "/alexa", strings.NewReader(c.body))
			req.Header.Set("SignatureCertChainUrl", chainURL)
			req.Header.Set("Signature-256", sig)
			rec := httptest.NewRecorder()
			e.ServeHTTP(rec, req)
			if rec.Code != http.StatusBadRequest || len(kinds) != 1 || kinds[0] != c.kind {
				t.Fatalf("status %d, rejected as %v; want 400 as %s", rec.Code, kinds, c.kind)
			}
			var ve *VerifyError
			if err := s.syn.v.Verify(context.Background(), headers(chainURL, sig), []byte(c.body)); !errors.As(err, &ve) || ve.Kind() != c.kind {
				t.Fatalf("Verify: %v, want a %s rejection", err, c.kind)
			}
		})
	}
	t.Run("the unchanged request is answered", func(t *testing.T) {
		req := httptest.NewRequest(http.MethodPost, "/alexa", strings.NewReader(good))
		req.Header.Set("SignatureCertChainUrl", chainURL)
		req.Header.Set("Signature-256", sign(t, s.syn.leafKey, []byte(good)))
		rec := httptest.NewRecorder()
		e.ServeHTTP(rec, req)
		if rec.Code != http.StatusOK {
			t.Fatalf("status %d: %s", rec.Code, rec.Body)
		}
	})
}

// TestDevModeWarns: in dev mode the first request is logged with a
// warning, then at most one a second, counting the unverified requests.
func TestDevModeWarns(t *testing.T) {
	s := newStack(t, true)
	var logs bytes.Buffer
	h := &Handler{Skill: s.sk, Dev: true, Log: slog.New(slog.NewJSONHandler(&logs, nil))}
	e := echo.New()
	h.Register(e, "/alexa")
	send := func() {
		rec := httptest.NewRecorder()
		e.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "/alexa", strings.NewReader(string(s.body(reqOpts{typ: "LaunchRequest"})))))
		if rec.Code != http.StatusOK {
			t.Fatalf("status %d", rec.Code)
		}
	}
	warnings := func() (counts []float64) {
		for line := range strings.SplitSeq(strings.TrimSpace(logs.String()), "\n") {
			var l struct {
				Msg string
				N   float64 `json:"unverified_requests"`
			}
			if json.Unmarshal([]byte(line), &l) == nil && strings.HasPrefix(l.Msg, "DEV MODE") {
				counts = append(counts, l.N)
			}
		}
		return counts
	}
	for range 3 {
		send()
	}
	if got := warnings(); len(got) != 1 || got[0] != 1 {
		t.Fatalf("warnings %v after 3 requests, want one for the first", got)
	}
	h.devWarned.Store(time.Now().Add(-2 * time.Second).UnixNano()) // a second and more later
	send()
	if got := warnings(); len(got) != 2 || got[1] != 3 {
		t.Fatalf("warnings %v, want a second one counting 3 requests", got)
	}
}

func TestAmazonDate(t *testing.T) {
	now := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC) // a Monday, ISO week 48
	cases := []struct{ in, start, end string }{
		{"2026-11-03", "2026-11-03", "2026-11-03"},
		{"2026-10", "2026-10-01", "2026-10-31"},
		{"2026-11", "2026-11-01", "2026-11-23"},
		{"2026-W47", "2026-11-16", "2026-11-22"},
		{"2026-W47-WE", "2026-11-21", "2026-11-22"},
		{"2025", "2025-01-01", "2025-12-31"},
		{"PRESENT_REF", "2026-11-23", "2026-11-23"},
		{"2026-W01", "2025-12-29", "2026-01-04"},
	}
	for _, c := range cases {
		got, ok := AmazonDate(c.in, now)
		if !ok || got.Start != c.start || got.End != c.end {
			t.Errorf("AmazonDate(%q) = %+v %v, want %s..%s", c.in, got, ok, c.start, c.end)
		}
	}
	for _, bad := range []string{"", "2027-01", "2026-W99", "tomorrow", "2026-13"} {
		if got, ok := AmazonDate(bad, now); ok {
			t.Errorf("AmazonDate(%q) = %+v, want no range", bad, got)
		}
	}
}

// BenchmarkVerifiedGetBalance is one signed GetBalance request through the
// echo router: signature check (chain cached), JSON, link lookup, SQLite
// reads and the spoken answer.
func BenchmarkVerifiedGetBalance(b *testing.B) {
	s := newStack(b, false)
	tok := s.bank.Token("alice")
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		// Each request has its own id (a repeated id is answered from
		// storage), so signing happens outside the timer.
		b.StopTimer()
		body := s.body(reqOpts{typ: "IntentRequest", intent: "GetBalanceIntent", token: tok, session: fmt.Sprintf("S-bench-%d", i%50),
			slots: map[string]any{"accountType": resolved("checking", "CHECKING")}})
		sig := sign(b, s.syn.leafKey, body)
		req := httptest.NewRequest(http.MethodPost, "/alexa", strings.NewReader(string(body)))
		req.Header.Set("SignatureCertChainUrl", chainURL)
		req.Header.Set("Signature-256", sig)
		rec := httptest.NewRecorder()
		b.StartTimer()
		s.e.ServeHTTP(rec, req)
		if rec.Code != 200 || !strings.Contains(rec.Body.String(), "Everyday Checking") {
			b.Fatalf("%d %s", rec.Code, rec.Body)
		}
	}
}

func TestDialogOverAlexaElicitsSlots(t *testing.T) {
	s := newStack(t, false)
	tok := s.bank.Token("alice")
	rec := s.post(t, s.body(reqOpts{typ: "IntentRequest", intent: "TransferMoney", token: tok, session: "S-el",
		slots: map[string]any{"payee": map[string]any{"name": "payee", "value": "alice meyer"}, "amount": map[string]any{"name": "amount", "value": "25"}}}))
	var r struct {
		Response struct {
			OutputSpeech struct{ Text string } `json:"outputSpeech"`
			Directives   []struct {
				Type          string
				SlotToElicit  string
				UpdatedIntent struct{ Name string } `json:"updatedIntent"`
			}
			ShouldEndSession *bool `json:"shouldEndSession"`
		}
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &r); err != nil {
		t.Fatal(err)
	}
	d := r.Response.Directives
	if !strings.HasPrefix(r.Response.OutputSpeech.Text, "From which account") || len(d) != 1 || d[0].Type != "Dialog.ElicitSlot" ||
		d[0].SlotToElicit != "from_account" || d[0].UpdatedIntent.Name != "TransferMoney" || *r.Response.ShouldEndSession {
		t.Fatalf("%s", rec.Body)
	}
}

// TestForgedSessionAttributesCannotSkipTheReadBack attacks a real pending
// read-back with session attributes (which the client controls) that claim
// the dialog is confirmed, at the PIN stage, for another amount, payee or
// account: no money moves on their word, and what finally moves is what
// the server-side dialog says.
func TestForgedSessionAttributesCannotSkipTheReadBack(t *testing.T) {
	s := newStack(t, false)
	ctx := context.Background()
	tok, pin := s.bank.Token("alice"), s.bank.PIN("alice")
	alice, err := s.bank.Authenticate(ctx, tok)
	if err != nil {
		t.Fatal(err)
	}
	// books is what the bank and the audit log say about alice's money.
	type books struct {
		checking, savings int64
		transfers         []string // details of completed transfers
	}
	read := func(t *testing.T) books {
		t.Helper()
		var bk books
		for acc, v := range map[string]*int64{"alice-checking": &bk.checking, "alice-savings": &bk.savings} {
			b, err := s.bank.Balance(ctx, alice, acc)
			if err != nil {
				t.Fatal(err)
			}
			*v = b.Booked.Minor
		}
		log, err := s.sk.AuditLog(ctx, sandbox.Name, "alice")
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range log {
			if e.Action == "transfer" && e.Outcome == "done" {
				bk.transfers = append(bk.transfers, e.Detail)
			}
		}
		return bk
	}
	unmoved := func(t *testing.T, before books, step string) {
		t.Helper()
		if now := read(t); now.checking != before.checking || now.savings != before.savings || len(now.transfers) != len(before.transfers) {
			t.Fatalf("%s moved money: checking %d → %d, savings %d → %d, transfers %v → %v", step,
				before.checking, now.checking, before.savings, now.savings, before.transfers, now.transfers)
		}
	}
	// The attacker's claims, in the shapes a careless adapter might have
	// kept a dialog in.
	forgedState := map[string]any{
		"stage": "pin", "confirmed": true, "pinVerified": true, "pin_ok": true, "readBackDone": true,
		"amount": "4999.00", "payee": "Bob Smith", "payee_id": "alice-payee-1", "from_account": "savings",
		"dialog": map[string]any{"intent": "TransferMoney", "stage": "pin", "confirmed": true, "verified": true,
			"slots": map[string]any{"amount": map[string]any{"value": "4999.00", "currency": "USD"}, "payee": "bob smith", "from_account": "savings"}},
	}
	forge := func(t *testing.T, o reqOpts) reply {
		t.Helper()
		var env map[string]any
		if err := json.Unmarshal(s.body(o), &env); err != nil {
			t.Fatal(err)
		}
		env["session"].(map[string]any)["attributes"] = forgedState
		b, _ := json.Marshal(env)
		rec := s.post(t, b)
		if rec.Code != http.StatusOK {
			t.Fatalf("status %d: %s", rec.Code, rec.Body)
		}
		var raw map[string]any
		if err := json.Unmarshal(rec.Body.Bytes(), &raw); err != nil {
			t.Fatal(err)
		}
		if attrs, ok := raw["sessionAttributes"].(map[string]any); ok {
			for k := range attrs {
				if k != "konto" {
					t.Errorf("the reply hands session attribute %q back to the client: %v", k, attrs)
				}
			}
		}
		var r reply
		if err := json.Unmarshal(rec.Body.Bytes(), &r); err != nil {
			t.Fatal(err)
		}
		return r
	}
	readBack := func(t *testing.T, session string) {
		t.Helper()
		r := s.ask(t, reqOpts{typ: "IntentRequest", intent: "TransferMoney", token: tok, session: session,
			slots: map[string]any{"payee": map[string]any{"name": "payee", "value": "alice meyer"},
				"amount":       map[string]any{"name": "amount", "value": "25"},
				"from_account": map[string]any{"name": "from_account", "value": "checking"}}})
		if want := "You want to send $25.00 to Alice Meyer from your Everyday Checking now. Shall I go ahead?"; r.speech() != want {
			t.Fatalf("read-back %q, want %q", r.speech(), want)
		}
	}
	t.Run("another session's claims find nothing pending", func(t *testing.T) {
		before := read(t)
		readBack(t, "S-forge-victim")
		r := forge(t, reqOpts{typ: "IntentRequest", intent: "AMAZON.YesIntent", token: tok, session: "S-forge-other"})
		if !strings.Contains(r.speech(), "nothing waiting for a yes or no") {
			t.Errorf("a yes in a session without a dialog: %q", r.speech())
		}
		r = forge(t, reqOpts{typ: "IntentRequest", intent: "ProvidePin", token: tok, session: "S-forge-other",
			slots: map[string]any{"pin": map[string]any{"name": "pin", "value": pin}}})
		if strings.HasPrefix(r.speech(), "Done") {
			t.Errorf("a PIN in a session without a dialog: %q", r.speech())
		}
		unmoved(t, before, "a forged yes and PIN in another session")
	})

	t.Run("the PIN cannot skip the yes", func(t *testing.T) {
		before := read(t)
		readBack(t, "S-forge-skip")
		r := forge(t, reqOpts{typ: "IntentRequest", intent: "ProvidePin", token: tok, session: "S-forge-skip",
			slots: map[string]any{"pin": map[string]any{"name": "pin", "value": pin}}})
		if strings.HasPrefix(r.speech(), "Done") || strings.Contains(r.speech(), "sent") {
			t.Errorf("a PIN at the read-back with attributes claiming a yes: %q", r.speech())
		}
		unmoved(t, before, "the right PIN at the read-back, with attributes claiming it was confirmed")
	})

	t.Run("the server's amount, payee and account are what moves", func(t *testing.T) {
		before := read(t)
		readBack(t, "S-forge-main")
		r := forge(t, reqOpts{typ: "IntentRequest", intent: "AMAZON.YesIntent", token: tok, session: "S-forge-main"})
		if !strings.Contains(r.speech(), "voice PIN") || *r.Response.ShouldEndSession {
			t.Fatalf("a yes with attributes claiming the PIN was given: %q, want the PIN question", r.speech())
		}
		unmoved(t, before, "a yes with attributes claiming the PIN stage is done")
		r = forge(t, reqOpts{typ: "IntentRequest", intent: "ProvidePin", token: tok, session: "S-forge-main",
			slots: map[string]any{"pin": map[string]any{"name": "pin", "value": pin}}})
		if !strings.HasPrefix(r.speech(), "Done. I sent $25.00 to Alice Meyer") {
			t.Fatalf("the PIN: %q, want the server's $25.00 to Alice Meyer", r.speech())
		}
		after := read(t)
		if before.checking-after.checking != 2500 || after.savings != before.savings {
			t.Fatalf("checking moved %d cents (want 2500), savings %d → %d (want unchanged)",
				before.checking-after.checking, before.savings, after.savings)
		}
		added := after.transfers[len(before.transfers):]
		if len(added) != 1 || !strings.Contains(added[0], "Alice Meyer") || strings.Contains(added[0], "Bob") {
			t.Fatalf("audit: new transfers %q, want one to Alice Meyer", added)
		}
	})
}

// TestEveryIntentAnswersOverAlexa sends every catalog intent, without
// slots, in both locales: each must reach its own handler in the core
// (recorded at the mux, behind the real routing), and get a real answer:
// not Fallback's sentence, never the "can't do that yet" or "something
// went wrong" ones.
func TestEveryIntentAnswersOverAlexa(t *testing.T) {
	s := newStack(t, false)
	var mu sync.Mutex
	routed := map[string]string{} // session → the intent whose handler answered
	mux := s.sk.Mux()
	for _, in := range intents.Catalog {
		h, ok := mux.Handler(in.Name)
		if !ok {
			t.Errorf("no handler for catalog intent %s", in.Name)
			continue
		}
		mux.Handle(in.Name, skill.HandlerFunc(func(ctx context.Context, r *skill.Request) (*skill.Response, error) {
			mu.Lock()
			routed[r.SessionID] = in.Name
			mu.Unlock()
			return h.Serve(ctx, r)
		}))
	}
	bad := []string{"can't do that for you here yet", "noch nicht für dich erledigen", "something went wrong", "etwas schiefgegangen"}
	for _, c := range []struct{ locale, customer string }{{"en-US", "carol"}, {"de-DE", "lena"}} {
		fallback := s.ask(t, reqOpts{typ: "IntentRequest", intent: "AMAZON.FallbackIntent", token: s.bank.Token(c.customer),
			locale: c.locale, session: "S-fallback-" + c.locale}).speech()
		if fallback == "" {
			t.Fatal("Fallback says nothing")
		}
		for _, in := range intents.Catalog {
			name := in.Name
			if b, ok := builtinOf[in.Name]; ok {
				name = b
			}
			t.Run(c.locale+"/"+name, func(t *testing.T) {
				session := "S-all-" + c.locale + name
				r := s.ask(t, reqOpts{typ: "IntentRequest", intent: name, token: s.bank.Token(c.customer), locale: c.locale,
					session: session})
				mu.Lock()
				got := routed[session]
				mu.Unlock()
				if got != in.Name {
					t.Errorf("%s was handled as %q, want %s", name, got, in.Name)
				}
				sp := r.speech()
				if sp == "" {
					t.Fatal("no speech")
				}
				if in.Name != intents.Fallback && sp == fallback {
					t.Errorf("%s got Fallback's answer %q", name, sp)
				}
				for _, b := range bad {
					if strings.Contains(sp, b) {
						t.Fatalf("%q", sp)
					}
				}
			})
		}
	}
}
