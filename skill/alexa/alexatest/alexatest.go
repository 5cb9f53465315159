// Package alexatest drives Konto's Alexa adapter as Alexa would: request
// envelopes as JSON through the adapter's real echo router, with request
// verification off (Dev). It is skilltest's driver for fixtures with
// platform: alexa, and a way for other tests to post Alexa requests.
package alexatest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/kontoskill/konto/skill"
	"github.com/kontoskill/konto/skill/alexa"
	"github.com/kontoskill/konto/skill/skilltest"
)

// Path is where Router serves the Alexa endpoint.
const Path = "/alexa"

// The ids the driver's requests carry.
const (
	UserID        = "amzn1.ask.account.FIXTURE"
	SessionID     = "amzn1.echo-api.session.FIXTURE"
	ApplicationID = "amzn1.ask.skill.fixture"
)

// Router is sk's Alexa endpoint at Path, without request verification.
func Router(sk *skill.Skill, log *slog.Logger) http.Handler {
	e := echo.New()
	e.HideBanner, e.HidePort = true, true
	(&alexa.Handler{Skill: sk, Dev: true, Log: log}).Register(e, Path)
	return e
}

// Platform is the skilltest.Platform of Alexa.
func Platform(e *skilltest.Env, s skilltest.Session) skilltest.Driver {
	return &driver{router: Router(e.Skill, e.Config.Log), env: e, s: s}
}

type driver struct {
	router http.Handler
	env    *skilltest.Env
	s      skilltest.Session
	last   []byte
	intent string // last's intent
	// attrs are the session attributes of the last reply, sent back with
	// the next turn as Alexa does.
	attrs map[string]any
}

func (d *driver) Turn(ctx context.Context, t skilltest.Turn) (skilltest.Reply, error) {
	if t.Intent == "" && !t.Replay {
		return skilltest.Reply{}, fmt.Errorf("alexa sends intents, not text: give the turn an intent")
	}
	if !t.Replay || d.last == nil {
		d.last, d.intent = BodyWith(d.s.Locale, d.s.Token, t, d.env.Now(), d.attrs), t.Intent
	}
	body := d.last
	rr := httptest.NewRecorder()
	req := httptest.NewRequestWithContext(ctx, http.MethodPost, Path, bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	d.router.ServeHTTP(rr, req)
	var env struct {
		SessionAttributes map[string]any `json:"sessionAttributes"`
		Response          struct {
			OutputSpeech struct{ Text string } `json:"outputSpeech"`
			Card         struct{ Text string } `json:"card"`
			End          *bool                 `json:"shouldEndSession"`
		} `json:"response"`
	}
	if rr.Code != http.StatusOK {
		return skilltest.Reply{}, fmt.Errorf("HTTP %d %s", rr.Code, rr.Body)
	}
	if err := json.Unmarshal(rr.Body.Bytes(), &env); err != nil {
		return skilltest.Reply{}, fmt.Errorf("HTTP %d %s: %w", rr.Code, rr.Body, err)
	}
	d.attrs = env.SessionAttributes
	r := env.Response
	return skilltest.Reply{Speech: r.OutputSpeech.Text, Card: r.Card.Text, Intent: d.intent, End: r.End != nil && *r.End}, nil
}

// Body is the Alexa request envelope of a turn: an IntentRequest with slot
// values as Alexa sends them (strings, no resolutions), or a LaunchRequest
// for the intent "Launch". Alexa sends no text: t.Text is not used.
func Body(locale, token string, t skilltest.Turn, now time.Time) []byte {
	return BodyWith(locale, token, t, now, nil)
}

// BodyWith is Body with the session attributes the previous reply set.
func BodyWith(locale, token string, t skilltest.Turn, now time.Time, attrs map[string]any) []byte {
	user := map[string]any{"userId": UserID, "accessToken": token}
	app := map[string]any{"applicationId": ApplicationID}
	req := map[string]any{"type": "IntentRequest", "requestId": t.RequestID, "timestamp": now.UTC().Format(time.RFC3339), "locale": locale}
	if t.Intent == "Launch" {
		req["type"] = "LaunchRequest"
	} else {
		slots := map[string]any{}
		for k, v := range t.Slots {
			slots[k] = map[string]any{"name": k, "value": fmt.Sprint(v), "confirmationStatus": "NONE"}
		}
		req["intent"] = map[string]any{"name": t.Intent, "confirmationStatus": "NONE", "slots": slots}
	}
	env := map[string]any{"version": "1.0", "request": req,
		"session": map[string]any{"new": attrs == nil, "sessionId": SessionID, "application": app, "user": user, "attributes": attrs},
		"context": map[string]any{"System": map[string]any{"application": app, "user": user}}}
	b, _ := json.Marshal(env)
	return b
}
