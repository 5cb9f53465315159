// Package alexa is the Alexa custom-skill adapter: it verifies requests as
// Amazon specifies, translates them into skill requests, and the core's
// answers back into Alexa responses, served with echo.
package alexa

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"sync/atomic"
	"time"
	"unicode/utf8"

	jsonv1 "github.com/go-json-experiment/json/v1"
	"github.com/labstack/echo/v4"

	"github.com/kontoskill/konto/intents"
	"github.com/kontoskill/konto/skill"
)

// Platform is the platform name in skill requests and links.
const Platform = "alexa"

const (
	// DefaultMaxBody bounds a request body; Alexa requests are a few KB
	// (session attributes count toward a 24 KB response limit).
	DefaultMaxBody = 128 << 10
	maxSpeech      = 8000
)

// Handler serves POST /alexa.
type Handler struct {
	Skill *skill.Skill
	// Verifier checks every request. It must be set unless Dev is true.
	Verifier *Verifier
	// Dev skips verification, for local testing only; the first request
	// and then at most one a second are logged with a warning (saying how
	// many came unverified since the last one).
	Dev     bool
	Log     *slog.Logger
	MaxBody int64
	// Rejected, if set, is told the kind of each verification failure
	// (VerifyError.Kind, a Reject constant), for metrics.
	Rejected func(kind string)

	devWarned   atomic.Int64 // when the dev warning was last logged, Unix ns
	devUnwarned atomic.Int64 // dev requests since
}

// devWarn logs the dev-mode warning for a request: the first one, then at
// most once a second. A log line on every request was a measurable part
// of a turn, and a second's worth of lines says nothing more.
func (h *Handler) devWarn(ctx context.Context) {
	n := h.devUnwarned.Add(1)
	last, now := h.devWarned.Load(), time.Now().UnixNano()
	if last != 0 && now-last < int64(time.Second) || !h.devWarned.CompareAndSwap(last, now) {
		return
	}
	h.devUnwarned.Add(-n)
	h.log().WarnContext(ctx, "DEV MODE: Alexa request verification is OFF; never expose this server to the internet", "unverified_requests", n)
}

// Register mounts the handler on e at path.
func (h *Handler) Register(e *echo.Echo, path string) {
	e.POST(path, h.serve)
}

func jsonError(c echo.Context, status int, msg string) error {
	return c.JSON(status, map[string]string{"error": msg})
}

func (h *Handler) rejected(kind string) {
	if h.Rejected != nil {
		h.Rejected(kind)
	}
}

func (h *Handler) log() *slog.Logger {
	if h.Log != nil {
		return h.Log
	}
	return slog.Default()
}

// TurnBudget is how long one Alexa request may take from its arrival to
// the answer, within Alexa's 8 s.
const TurnBudget = 7 * time.Second

func (h *Handler) serve(c echo.Context) error {
	max := h.MaxBody
	if max <= 0 {
		max = DefaultMaxBody
	}
	body, err := readBody(c.Request(), max)
	if err != nil {
		return jsonError(c, http.StatusBadRequest, "could not read the request body")
	}
	if int64(len(body)) > max {
		return jsonError(c, http.StatusRequestEntityTooLarge, "request body too large")
	}
	// Alexa waits 8 s: verification (a certificate fetch, at worst) and
	// the turn share one budget, so that the answer is never late.
	ctx, cancel := context.WithTimeout(c.Request().Context(), TurnBudget)
	defer cancel()
	c.SetRequest(c.Request().WithContext(ctx))
	env, problem := decodeEnvelope(body)
	if h.Dev {
		h.devWarn(ctx)
	} else {
		if h.Verifier == nil {
			h.rejected(RejectNotConfigured)
			return jsonError(c, http.StatusBadRequest, "request verification failed")
		}
		// A body that is no envelope is verified on its own terms (it may
		// still be signed), and then refused as malformed.
		if err := h.Verifier.verify(ctx, c.Request().Header, body, env); err != nil {
			kind := RejectOther
			var ve *VerifyError
			if errors.As(err, &ve) {
				h.log().Warn("alexa request rejected", "reason", ve.Reason)
				kind = ve.Kind()
			}
			h.rejected(kind)
			return jsonError(c, http.StatusBadRequest, "request verification failed")
		}
	}
	if problem != "" {
		return jsonError(c, http.StatusBadRequest, "malformed request: "+problem)
	}
	return c.JSON(http.StatusOK, h.dispatch(c, env))
}

// readBody reads at most max+1 bytes of a request body, into one buffer
// of the announced length when there is one (io.ReadAll grew its buffer
// from 512 bytes, copying, for every request).
func readBody(r *http.Request, max int64) ([]byte, error) {
	if n := r.ContentLength; n >= 0 && n <= max {
		b := make([]byte, 0, n+1) // +1: a body longer than announced still shows
		for {
			m, err := r.Body.Read(b[len(b):cap(b)])
			b = b[:len(b)+m]
			if err == io.EOF {
				return b, nil
			}
			if err != nil {
				return b, err
			}
			if len(b) == cap(b) {
				break // longer than announced: read on, bounded
			}
		}
		rest, err := io.ReadAll(io.LimitReader(r.Body, max+1-int64(len(b))))
		return append(b, rest...), err
	}
	return io.ReadAll(io.LimitReader(r.Body, max+1))
}

// decodeEnvelope reads a request body. If it is no request envelope,
// problem says why without echoing input. It decodes as encoding/json
// does (jsonv1 is encoding/json's semantics on the engine of its v2, the
// Go team's github.com/go-json-experiment/json, which encoding/json
// becomes under GOEXPERIMENT=jsonv2): half the time and a third of the
// allocations, where decoding was an eighth of a GetBalance turn.
// TestDecodeEnvelopeAsEncodingJSON holds the two to the same result.
func decodeEnvelope(body []byte) (env *RequestEnvelope, problem string) {
	env = &RequestEnvelope{}
	if err := jsonv1.Unmarshal(body, env); err != nil {
		// A malformed body (rare) is described as encoding/json describes
		// it: its field paths are the struct's names, not the input's.
		if err := json.Unmarshal(body, &RequestEnvelope{}); err != nil {
			return nil, jsonProblem(err)
		}
		return nil, "invalid request"
	}
	if env.Request.Type == "" {
		return nil, "no request type"
	}
	return env, ""
}

// jsonProblem describes a decoding error without echoing input.
func jsonProblem(err error) string {
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		return "wrong type for field " + te.Field
	}
	var se *json.SyntaxError
	if errors.As(err, &se) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
		return "invalid JSON"
	}
	return "invalid request"
}

func (e *RequestEnvelope) userID() string {
	if id := e.Context.System.User.UserID; id != "" {
		return id
	}
	if e.Session != nil {
		return e.Session.User.UserID
	}
	return ""
}

func (e *RequestEnvelope) accessToken() string {
	if t := e.Context.System.User.AccessToken; t != "" {
		return t
	}
	if e.Session != nil {
		return e.Session.User.AccessToken
	}
	return ""
}

func empty() *ResponseEnvelope { return &ResponseEnvelope{Version: "1.0"} }

func (h *Handler) dispatch(c echo.Context, env *RequestEnvelope) *ResponseEnvelope {
	ctx := c.Request().Context()
	userID := env.userID()
	switch env.Request.Type {
	case "LaunchRequest", "IntentRequest":
		r := h.request(env)
		if env.Request.Type == "LaunchRequest" {
			r.Intent = intents.Launch
		} else if env.Request.Intent == nil {
			r.Intent = intents.Fallback
		} else {
			r.Intent, r.Slots = mapIntent(env.Request.Intent, r.Locale, r.Now)
		}
		return toAlexa(h.Skill.Handle(ctx, r))
	case "SessionEndedRequest":
		attrs := []any{"reason", env.Request.Reason}
		if env.Request.Error != nil {
			attrs = append(attrs, "error_type", env.Request.Error.Type, "error", env.Request.Error.Message)
			h.log().Error("alexa session ended with an error", attrs...)
		} else {
			h.log().Info("alexa session ended", attrs...)
		}
		if env.Session != nil {
			if err := h.Skill.EndSession(ctx, Platform, env.Session.SessionID, userID); err != nil {
				h.log().Warn("forgetting session failed", "err", err)
			}
		}
		return empty()
	case "CanFulfillIntentRequest":
		return h.canFulfill(env)
	case "AlexaSkillEvent.SkillDisabled":
		if err := h.Skill.Unlink(ctx, Platform, userID); err != nil {
			h.log().Error("deleting a disabled user's data failed", "user", skill.UserRef(Platform, userID), "err", err)
		} else {
			h.log().Info("skill disabled: link and session data deleted", "user", skill.UserRef(Platform, userID))
		}
		return empty()
	case "AlexaSkillEvent.SkillAccountLinked":
		var b struct {
			AccessToken string `json:"accessToken"`
		}
		if json.Unmarshal(env.Request.Body, &b) == nil && b.AccessToken != "" {
			if err := h.Skill.Link(ctx, Platform, userID, b.AccessToken); err != nil {
				h.log().Warn("account linked event with an unusable token", "user", skill.UserRef(Platform, userID), "err", err)
			}
		}
		return empty()
	case "System.ExceptionEncountered":
		if env.Request.Error != nil {
			h.log().Error("alexa reported an exception", "error_type", env.Request.Error.Type, "error", env.Request.Error.Message)
		}
		return empty()
	}
	h.log().Info("alexa request type not handled", "type", env.Request.Type)
	return empty()
}

func (h *Handler) request(env *RequestEnvelope) *skill.Request {
	r := &skill.Request{
		Platform:    Platform,
		UserID:      env.userID(),
		RequestID:   env.Request.RequestID,
		Locale:      env.Request.Locale,
		AccessToken: env.accessToken(),
	}
	if env.Session != nil {
		r.SessionID, r.NewSession = env.Session.SessionID, env.Session.New
		if v, ok := env.Session.Attributes[carryAttribute].(string); ok && !env.Session.New {
			r.Carry = v
		}
	}
	r.Now = h.Skill.Now()
	r.Channel = channel(r.Locale)
	return r
}

// carryAttribute is the one session attribute Konto sets: the core's
// sealed carry (the last answer and its subject, see skill.Channel.Carry).
// Nothing else of a session travels with Alexa; other attributes a
// request brings are ignored.
const carryAttribute = "konto"

// channel is what an Alexa turn can do: it is spoken, its card shows in
// the Alexa app (which others may see on a shared device, so it is not
// private), accounts are linked in that app, and session attributes
// carry the core's sealed carry.
func channel(locale string) skill.Channel {
	c := skill.Channel{Voice: true, Screen: true, Carry: true, EndsCarry: true,
		LinkHint: "in the Alexa app. I've sent a card to help", CardHint: "in your Alexa app"}
	if intents.German(locale) {
		c.LinkHint, c.CardHint = "in der Alexa App. Ich habe dir eine Karte dazu geschickt", "in der Alexa App"
	}
	return c
}

// builtins maps Amazon's built-in intents onto catalog intents.
var builtins = map[string]string{
	"AMAZON.HelpIntent": intents.Help, "AMAZON.StopIntent": intents.Stop, "AMAZON.CancelIntent": intents.Cancel,
	"AMAZON.FallbackIntent": intents.Fallback, "AMAZON.NavigateHomeIntent": intents.Stop,
	"AMAZON.YesIntent": intents.Yes, "AMAZON.NoIntent": intents.No, "AMAZON.RepeatIntent": intents.Repeat,
}

// slotAliases maps common Alexa slot names onto catalog slot names; the
// exported model uses the catalog names themselves.
var slotAliases = map[string]string{
	"accountType": intents.SlotAccount, "AccountType": intents.SlotAccount, "number": intents.SlotCount,
	"dateRange": intents.SlotDateRange, "period": intents.SlotDateRange, "fromAccount": intents.SlotFromAccount,
	"toAccount": intents.SlotToAccount, "cardType": intents.SlotCard, "billType": intents.SlotBiller,
}

// catalogSlot finds the catalog slot an Alexa slot name stands for in an
// intent ("date" is date_range where the intent has a period).
func catalogSlot(in intents.Intent, key string) (string, bool) {
	if in.HasSlot(key) {
		return key, true
	}
	if key == "date" && in.HasSlot(intents.SlotDateRange) {
		return intents.SlotDateRange, true
	}
	if s, ok := slotAliases[key]; ok && in.HasSlot(s) {
		return s, true
	}
	return "", false
}

// mapIntent turns an Alexa intent into a catalog intent and canonical
// slot values. Unknown intents are Fallback.
func mapIntent(in *Intent, locale string, now time.Time) (string, intents.Slots) {
	slots := intents.Slots{}
	name, ok := builtins[in.Name]
	if !ok {
		name = strings.TrimSuffix(in.Name, "Intent")
		if _, known := intents.Lookup(name); !known || name == intents.Fallback {
			return intents.Fallback, slots
		}
	}
	cat, _ := intents.Lookup(name)
	for key, s := range in.Slots {
		slot, ok := catalogSlot(cat, key)
		if !ok || s.Value == "" {
			continue
		}
		if v, ok := slotValue(slot, s, locale, now); ok {
			slots[slot] = v
		}
	}
	return name, slots
}

// slotValue maps one Alexa slot value onto the catalog's canonical form:
// AMAZON.DATE periods here, everything else as every adapter does
// (intents.Clean).
func slotValue(slot string, s Slot, locale string, now time.Time) (any, bool) {
	if slot == intents.SlotDateRange {
		if dr, ok := AmazonDate(s.Value, now); ok {
			return dr, true
		}
	}
	id, _ := s.ResolvedID()
	return intents.Clean(slot, s.Value, id, locale, now)
}

// AmazonDate turns an AMAZON.DATE value into a date range: a day
// ("2026-11-03"), a month ("2026-11"), an ISO week ("2026-W47"), a
// weekend ("2026-W47-WE"), a year ("2026") or "PRESENT_REF". Ranges that
// reach past today end today.
func AmazonDate(v string, now time.Time) (intents.DateRange, bool) {
	today := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, time.UTC)
	mk := func(a, b time.Time) (intents.DateRange, bool) {
		if b.After(today) {
			b = today
		}
		if a.After(b) {
			return intents.DateRange{}, false
		}
		return intents.DateRange{Start: a.Format(time.DateOnly), End: b.Format(time.DateOnly)}, true
	}
	if v == "PRESENT_REF" {
		return mk(today, today)
	}
	if t, err := time.Parse(time.DateOnly, v); err == nil {
		return mk(t, t)
	}
	if t, err := time.Parse("2006-01", v); err == nil {
		return mk(t, t.AddDate(0, 1, -1))
	}
	if len(v) >= 8 && v[4:6] == "-W" {
		year, ok1 := intents.SmallInt(v[:4])
		week, ok2 := intents.SmallInt(v[6:8])
		if !ok1 || !ok2 || week < 1 || week > 53 {
			return intents.DateRange{}, false
		}
		// ISO week 1 holds January 4th.
		jan4 := time.Date(year, 1, 4, 0, 0, 0, 0, time.UTC)
		monday := jan4.AddDate(0, 0, -((int(jan4.Weekday())+6)%7)+7*(week-1))
		switch v[8:] {
		case "":
			return mk(monday, monday.AddDate(0, 0, 6))
		case "-WE":
			return mk(monday.AddDate(0, 0, 5), monday.AddDate(0, 0, 6))
		}
		return intents.DateRange{}, false
	}
	if y, ok := intents.SmallInt(v); ok && len(v) == 4 {
		return mk(time.Date(y, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(y, 12, 31, 0, 0, 0, 0, time.UTC))
	}
	return intents.DateRange{}, false
}

func (h *Handler) canFulfill(env *RequestEnvelope) *ResponseEnvelope {
	out := &CanFulfillIntent{CanFulfill: "NO", Slots: map[string]CanFulfillSlot{}}
	if env.Request.Intent != nil {
		name, slots := mapIntent(env.Request.Intent, env.Request.Locale, h.Skill.Now())
		if name != intents.Fallback && h.Skill.Known(name) {
			out.CanFulfill = "YES"
		}
		for key, s := range env.Request.Intent.Slots {
			if s.Value == "" {
				continue
			}
			verdict := CanFulfillSlot{CanUnderstand: "NO", CanFulfill: "NO"}
			cat, _ := intents.Lookup(name)
			if slot, ok := catalogSlot(cat, key); ok && slots[slot] != nil {
				verdict = CanFulfillSlot{CanUnderstand: "YES", CanFulfill: "YES"}
			}
			out.Slots[key] = verdict
		}
	}
	return &ResponseEnvelope{Version: "1.0", Response: Response{CanFulfillIntent: out}}
}

func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	s = s[:n]
	for !utf8.ValidString(s) {
		s = s[:len(s)-1]
	}
	return s
}

// toAlexa turns the core's response into an Alexa response.
func toAlexa(r *skill.Response) *ResponseEnvelope {
	out := &ResponseEnvelope{Version: "1.0"}
	end := r.EndSession
	if r.Carry != "" && !end {
		out.SessionAttributes = map[string]any{carryAttribute: r.Carry}
	}
	out.Response.ShouldEndSession = &end
	if r.Speech != "" {
		out.Response.OutputSpeech = &OutputSpeech{Type: "PlainText", Text: clip(r.Speech, maxSpeech)}
	}
	if r.Reprompt != "" && !end {
		out.Response.Reprompt = &Reprompt{OutputSpeech: &OutputSpeech{Type: "PlainText", Text: clip(r.Reprompt, maxSpeech)}}
	}
	if r.Elicit != nil && !end && dialogIntents[r.Elicit.Intent] {
		// Alexa speaks our question and routes the bare answer back to
		// this intent with the slot filled. Values stay on the server.
		cat, _ := intents.Lookup(r.Elicit.Intent)
		ui := &UpdatedIntent{Name: r.Elicit.Intent, ConfirmationStatus: "NONE", Slots: map[string]UpdatedSlot{}}
		for _, sl := range cat.Slots {
			ui.Slots[sl] = UpdatedSlot{Name: sl, ConfirmationStatus: "NONE"}
		}
		out.Response.Directives = []Directive{{Type: "Dialog.ElicitSlot", SlotToElicit: r.Elicit.Slot, UpdatedIntent: ui}}
	}
	switch {
	case r.LinkAccount:
		out.Response.Card = &Card{Type: "LinkAccount"}
	case r.Card != nil:
		title := clip(r.Card.Title, 200)
		out.Response.Card = &Card{Type: "Standard", Title: title, Text: clip(r.Card.Text, maxSpeech-len(title))}
	}
	return out
}
