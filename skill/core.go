package skill

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"runtime/debug"
	"time"

	"github.com/kontoskill/konto/banks"
	"github.com/kontoskill/konto/intents"
)

// Config assembles a Skill.
type Config struct {
	Bank       banks.Connector
	Auth       banks.Authenticator
	Store      Store
	Recognizer intents.Recognizer
	Log        *slog.Logger
	// Timeout bounds one turn, so that the platform gets an answer within
	// its deadline even when the bank is slow. Default 6 s (Alexa allows 8).
	Timeout time.Duration
	// SessionTTL is how long server-side session state lives. Default 5 min.
	SessionTTL time.Duration
	// Now is the clock; time.Now if nil.
	Now func() time.Time
	// PINLockout is how long voice payments stay locked after three wrong
	// PINs. Default 30 min.
	PINLockout time.Duration
}

// Skill is the conversation core every platform adapter calls.
type Skill struct {
	cfg     Config
	mux     *Mux
	handler Handler
	actions map[string]action
}

// New builds the skill with its banking handlers.
func New(cfg Config) *Skill {
	if cfg.Log == nil {
		cfg.Log = slog.Default()
	}
	if cfg.Timeout == 0 {
		cfg.Timeout = 6 * time.Second
	}
	if cfg.SessionTTL == 0 {
		cfg.SessionTTL = 5 * time.Minute
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Recognizer == nil {
		cfg.Recognizer = intents.NewOffline()
	}
	if cfg.PINLockout == 0 {
		cfg.PINLockout = 30 * time.Minute
	}
	s := &Skill{cfg: cfg, mux: NewMux(), actions: map[string]action{}}
	b := &banking{bank: cfg.Bank}
	linked := s.requireLink
	s.mux.Handle(intents.Launch, linked(HandlerFunc(s.launch)))
	s.mux.Handle(intents.GetBalance, linked(HandlerFunc(b.balance)))
	s.mux.Handle(intents.ListTransactions, linked(HandlerFunc(b.transactions)))
	s.mux.Handle(intents.SpendingSummary, linked(HandlerFunc(b.spending)))
	s.mux.HandleFunc(intents.Help, help)
	s.mux.HandleFunc(intents.Stop, goodbye)
	s.mux.HandleFunc(intents.Cancel, goodbye)
	s.mux.HandleFunc(intents.Fallback, fallback)
	s.mux.HandleFunc(intents.Yes, nothingPending)
	s.mux.HandleFunc(intents.No, nothingPending)
	s.mux.HandleFunc(intents.Repeat, s.repeat)
	s.mux.NotFound = HandlerFunc(notAvailable)
	s.registerActions()
	// The recoverer runs inside the timeout's goroutine, where a panic would
	// otherwise take the process down.
	s.handler = Chain(HandlerFunc(s.route), s.timeout, s.recoverer)
	return s
}

// Now returns the skill's clock reading.
func (s *Skill) Now() time.Time { return s.cfg.Now() }

// Mux exposes the intent mux, so that later features register handlers.
func (s *Skill) Mux() *Mux { return s.mux }

// Known reports whether an intent has a handler (for CanFulfillIntent).
func (s *Skill) Known(intent string) bool {
	_, ok := s.mux.Handler(intent)
	return ok && intent != intents.Fallback
}

// Handle answers one turn. It never fails: errors become sentences. A
// request id seen before gets the answer it got then, and a turn's state,
// audit entries and answer are committed together.
func (s *Skill) Handle(ctx context.Context, r *Request) *Response {
	if r.Now.IsZero() {
		r.Now = s.cfg.Now()
	}
	if r.Slots == nil {
		r.Slots = intents.Slots{}
	}
	claimed := false
	if r.RequestID != "" {
		resp, ok := s.claim(ctx, r)
		if resp != nil {
			return resp
		}
		claimed = ok
	}
	r.st = s.loadState(ctx, r)
	r.turn = &turn{}
	if r.Intent == "" {
		res, err := s.cfg.Recognizer.Parse(ctx, r.Text, r.Locale, r.Now)
		if err != nil {
			s.cfg.Log.Warn("recognizer failed", "err", err)
			res = intents.Result{Intent: intents.Fallback}
		}
		r.Intent, r.Slots, r.Confidence = res.Intent, res.Slots, res.Confidence
		if r.Slots == nil {
			r.Slots = intents.Slots{}
		}
	}
	resp, err := s.handler.Serve(ctx, r)
	if err != nil {
		resp = s.speakError(r, err)
	}
	if r.turn.next != nil && r.st.Dialog == nil && err == nil {
		r.st.Dialog = r.turn.next // a follow-up question an answer ended with
	}
	s.commit(ctx, r, resp, claimed, banks.KindOf(err) == banks.Unavailable)
	return resp
}

// claim protects against replays: it returns the stored answer of a
// request id already answered, waits for one being answered elsewhere,
// and reports whether this turn owns the id.
func (s *Skill) claim(ctx context.Context, r *Request) (*Response, bool) {
	deadline := time.Now().Add(s.cfg.Timeout + time.Second)
	for {
		ok, stored, err := s.cfg.Store.ClaimRequest(ctx, r.Platform, r.RequestID, r.UserID, r.Now)
		if err != nil {
			if banks.KindOf(err) == banks.Forbidden {
				return s.speakError(r, err), false
			}
			s.cfg.Log.Warn("request claim failed", "err", err)
			return nil, false
		}
		if ok {
			return nil, true
		}
		if stored != nil {
			var resp Response
			if json.Unmarshal(stored, &resp) == nil {
				return &resp, false
			}
			return nil, false
		}
		if time.Now().After(deadline) || ctx.Err() != nil {
			l := langOf(r.Locale)
			return &Response{Speech: l.pick("I'm still working on that. Please ask again in a moment.",
				"Daran arbeite ich noch. Bitte frag gleich noch einmal."), EndSession: true}, false
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func (s *Skill) loadState(ctx context.Context, r *Request) *state {
	st := &state{}
	if r.SessionID == "" {
		return st
	}
	b, err := s.cfg.Store.Session(ctx, r.Platform, r.SessionID, r.UserID, s.cfg.SessionTTL)
	if err != nil || b == nil || json.Unmarshal(b, st) != nil {
		return &state{}
	}
	if st.Dialog != nil && r.Now.Sub(st.Dialog.Started) > s.cfg.SessionTTL {
		st.Dialog = nil // a stale dialog expires
	}
	return st
}

// commit writes the turn: session state, audit entries and, for a
// claimed request id, the answer, in one transaction.
func (s *Skill) commit(ctx context.Context, r *Request, resp *Response, claimed, release bool) {
	t := Turn{Platform: r.Platform, SessionID: r.SessionID, UserID: r.UserID, Audit: r.turn.audit}
	if r.turn.forget {
		for i := range t.Audit {
			t.Audit[i].Customer = Pseudonym(t.Audit[i].Bank, t.Audit[i].Customer)
		}
		claimed = false
	} else if r.SessionID != "" && (r.User.Customer != "" || r.st.Dialog != nil) {
		if r.Intent != intents.Repeat {
			r.st.Last = resp
		}
		t.State, _ = json.Marshal(r.st)
	}
	if claimed {
		t.RequestID = r.RequestID
		t.Response, _ = json.Marshal(resp)
		t.Release = release
	}
	if t.State == nil && len(t.Audit) == 0 && t.RequestID == "" {
		return
	}
	// The answer is decided; a cancelled request must still record it.
	if err := s.cfg.Store.CommitTurn(context.WithoutCancel(ctx), t); err != nil {
		s.cfg.Log.Error("committing a turn failed", "user", UserRef(r.Platform, r.UserID), "err", err)
	}
}

// route continues a pending dialog or dispatches by intent.
func (s *Skill) route(ctx context.Context, r *Request) (*Response, error) {
	if r.st.Dialog != nil || r.st.Done != nil {
		if err := s.authenticate(ctx, r); err != nil {
			r.st.Dialog = nil
			return nil, err
		}
		if r.st.Dialog != nil {
			resp, err := s.continueDialog(ctx, r)
			if resp != nil || err != nil {
				return resp, err
			}
			r.st.Dialog = nil // a new request: the old one is dropped
		}
		if resp := s.replayOfDone(r); resp != nil {
			return resp, nil
		}
	}
	return s.mux.Serve(ctx, r)
}

func (s *Skill) repeat(ctx context.Context, r *Request) (*Response, error) {
	l := langOf(r.Locale)
	b, err := s.cfg.Store.Session(ctx, r.Platform, r.SessionID, r.UserID, s.cfg.SessionTTL)
	var st state
	if err == nil && b != nil && json.Unmarshal(b, &st) == nil && st.Last != nil {
		return st.Last, nil
	}
	return &Response{Speech: l.pick("There's nothing to repeat yet. What would you like to know?",
		"Es gibt noch nichts zu wiederholen. Was möchtest du wissen?"), Reprompt: l.pick(reprompt, repromptDE)}, nil
}

// EndSession forgets a session's server-side state (SessionEndedRequest).
func (s *Skill) EndSession(ctx context.Context, platform, sessionID string) error {
	return s.cfg.Store.DeleteSession(ctx, platform, sessionID)
}

// Unlink deletes a platform user's link and session data (the user
// disabled the skill or unlinked the account).
func (s *Skill) Unlink(ctx context.Context, platform, userID string) error {
	return s.cfg.Store.DeleteUser(ctx, platform, userID)
}

// Pseudonym is the stable pseudonymous id of a bank customer, kept in
// the audit log after the customer's data is deleted.
func Pseudonym(bank, customer string) string {
	h := sha256.Sum256([]byte("konto-pseudonym\x00" + bank + "\x00" + customer))
	return "p_" + hex.EncodeToString(h[:10])
}

// UserRef is a short pseudonymous reference to a platform user for logs.
func UserRef(platform, userID string) string {
	h := sha256.Sum256([]byte(platform + "\x00" + userID))
	return hex.EncodeToString(h[:6])
}

// requireLink resolves the request's access token to a bank user and
// records the link. Without a valid token the handler is not called.
func (s *Skill) requireLink(next Handler) Handler {
	return HandlerFunc(func(ctx context.Context, r *Request) (*Response, error) {
		if err := s.authenticate(ctx, r); err != nil {
			return nil, err
		}
		return next.Serve(ctx, r)
	})
}

// authenticate sets r.User from the access token and keeps the link current.
func (s *Skill) authenticate(ctx context.Context, r *Request) error {
	if r.User.Customer != "" {
		return nil
	}
	u, err := s.cfg.Auth.Authenticate(ctx, r.AccessToken)
	if err != nil {
		return err
	}
	h := sha256.Sum256([]byte(r.AccessToken))
	old, err := s.cfg.Store.Link(ctx, r.Platform, r.UserID)
	if err != nil || old.Customer != u.Customer || !bytesEqual(old.TokenHash, h[:]) {
		if err := s.cfg.Store.SaveLink(ctx, Link{Platform: r.Platform, UserID: r.UserID, Bank: u.Bank,
			Customer: u.Customer, TokenHash: h[:], LinkedAt: r.Now}); err != nil {
			return banks.E("skill.link", banks.Unavailable, err)
		}
	}
	r.User = u
	return nil
}

func bytesEqual(a, b []byte) bool { return string(a) == string(b) }

// recoverer turns a panic in a handler into an error, so that the user
// hears a sentence and the process keeps serving.
func (s *Skill) recoverer(next Handler) Handler {
	return HandlerFunc(func(ctx context.Context, r *Request) (resp *Response, err error) {
		defer func() {
			if p := recover(); p != nil {
				s.cfg.Log.Error("handler panic", "intent", r.Intent, "panic", fmt.Sprint(p), "stack", string(debug.Stack()))
				resp, err = nil, fmt.Errorf("panic in %s handler", r.Intent)
			}
		}()
		return next.Serve(ctx, r)
	})
}

// timeout answers within cfg.Timeout even if the bank does not: the
// handler's context is cancelled and the user hears that the bank is slow.
// Handlers only write in single database transactions, so an abandoned
// one either committed or left nothing behind.
func (s *Skill) timeout(next Handler) Handler {
	return HandlerFunc(func(ctx context.Context, r *Request) (*Response, error) {
		ctx, cancel := context.WithTimeout(ctx, s.cfg.Timeout)
		defer cancel()
		type result struct {
			resp *Response
			err  error
		}
		// The handler works on its own copy of the request: if it overruns,
		// it may go on writing to it while this turn is already answered.
		rc := *r
		rc.Slots = maps.Clone(r.Slots)
		rc.st, rc.turn = r.st.clone(), &turn{}
		done := make(chan result, 1)
		go func() {
			resp, err := next.Serve(ctx, &rc)
			done <- result{resp, err}
		}()
		select {
		case res := <-done:
			*r = rc
			return res.resp, res.err
		case <-ctx.Done():
			return nil, banks.E("skill.timeout", banks.Unavailable, ctx.Err())
		}
	})
}

const (
	reprompt   = "You can ask for your balance, your recent transactions, or what you spent. What would you like?"
	repromptDE = "Du kannst nach deinem Kontostand, deinen letzten Umsätzen oder deinen Ausgaben fragen. Was möchtest du wissen?"
)

// speakError is the one place where error kinds become sentences.
func (s *Skill) speakError(r *Request, err error) *Response {
	l := langOf(r.Locale)
	kind := banks.KindOf(err)
	switch kind {
	case banks.NotLinked:
		return &Response{Speech: l.pick(
			"To use your bank with me, please link your account in the Alexa app. I've sent a card to help.",
			"Um dein Konto zu nutzen, verknüpfe es bitte in der Alexa App. Ich habe dir eine Karte dazu geschickt."),
			LinkAccount: true, EndSession: true}
	case banks.ConsentExpired:
		return &Response{Speech: l.pick(
			"Your bank's permission for me has expired. Please link your account again in the Alexa app.",
			"Deine Freigabe bei der Bank ist abgelaufen. Bitte verknüpfe dein Konto in der Alexa App erneut."),
			LinkAccount: true, EndSession: true}
	case banks.Unavailable:
		s.cfg.Log.Warn("bank unavailable", "intent", r.Intent, "user", UserRef(r.Platform, r.UserID), "err", err)
		return &Response{Speech: l.pick(
			"Sorry, I can't reach your bank right now. Please try again in a moment.",
			"Entschuldigung, ich erreiche deine Bank gerade nicht. Bitte versuche es gleich noch einmal."),
			EndSession: true}
	case banks.NotFound:
		return &Response{Speech: l.pick("I couldn't find that. ", "Das habe ich nicht gefunden. ") + l.pick(reprompt, repromptDE),
			Reprompt: l.pick(reprompt, repromptDE)}
	case banks.Forbidden:
		return &Response{Speech: l.pick("Sorry, that isn't something I can do for you.",
			"Das kann ich leider nicht für dich tun."), EndSession: true}
	case banks.Invalid, banks.NotSupported:
		return &Response{Speech: l.pick("Sorry, I can't help with that. ", "Dabei kann ich leider nicht helfen. ") + l.pick(reprompt, repromptDE),
			Reprompt: l.pick(reprompt, repromptDE)}
	}
	if errors.Is(err, context.Canceled) {
		return &Response{EndSession: true}
	}
	s.cfg.Log.Error("handler failed", "intent", r.Intent, "user", UserRef(r.Platform, r.UserID), "err", err)
	return &Response{Speech: l.pick("Sorry, something went wrong on my side. Please try again.",
		"Entschuldigung, bei mir ist etwas schiefgegangen. Bitte versuche es noch einmal."), EndSession: true}
}

func (s *Skill) launch(ctx context.Context, r *Request) (*Response, error) {
	l := langOf(r.Locale)
	if resp, err := s.alertOnLaunch(ctx, r); resp != nil || err != nil {
		return resp, err
	}
	return &Response{
		Speech:   l.pick("Welcome to Konto. ", "Willkommen bei Konto. ") + l.pick(reprompt, repromptDE),
		Reprompt: l.pick(reprompt, repromptDE),
	}, nil
}

func help(ctx context.Context, r *Request) (*Response, error) {
	l := langOf(r.Locale)
	return &Response{
		Speech: l.pick("I can tell you your account balances, read your recent transactions, and sum up your spending, "+
			"for example: what's my checking balance, what were my last five transactions, or how much did I spend on groceries last month. What would you like?",
			"Ich kann dir deine Kontostände sagen, deine letzten Umsätze vorlesen und deine Ausgaben zusammenfassen, "+
				"zum Beispiel: wie ist mein Kontostand, was sind meine letzten fünf Umsätze, oder wie viel habe ich letzten Monat für Lebensmittel ausgegeben. Was möchtest du wissen?"),
		Reprompt: l.pick(reprompt, repromptDE),
		Card: &Card{Title: l.pick("What you can ask", "Was du fragen kannst"), Text: l.pick(
			"• What's my checking balance?\n• What were my last five transactions?\n• How much did I spend on groceries last month?\n• How much did I spend at Starbucks in October?",
			"• Wie ist mein Kontostand?\n• Was sind meine letzten fünf Umsätze?\n• Wie viel habe ich letzten Monat für Lebensmittel ausgegeben?\n• Wie viel habe ich im Oktober bei REWE ausgegeben?")},
	}, nil
}

func goodbye(ctx context.Context, r *Request) (*Response, error) {
	l := langOf(r.Locale)
	return &Response{Speech: l.pick("Goodbye.", "Tschüss."), EndSession: true}, nil
}

func fallback(ctx context.Context, r *Request) (*Response, error) {
	l := langOf(r.Locale)
	return &Response{
		Speech:   l.pick("Sorry, I can't help with that. I'm your banking assistant. ", "Dabei kann ich leider nicht helfen. Ich bin dein Bankassistent. ") + l.pick(reprompt, repromptDE),
		Reprompt: l.pick(reprompt, repromptDE),
	}, nil
}

// notAvailable answers banking intents that are understood but have no
// behaviour on this server yet, instead of pretending not to understand.
func notAvailable(ctx context.Context, r *Request) (*Response, error) {
	l := langOf(r.Locale)
	if _, known := intents.Lookup(r.Intent); !known || r.Intent == intents.Fallback {
		return fallback(ctx, r)
	}
	return &Response{
		Speech: l.pick("I understood, but I can't do that for you here yet. Please use your bank's app or call your bank. ",
			"Verstanden, aber das kann ich hier noch nicht für dich erledigen. Bitte nutze die App deiner Bank oder ruf sie an. ") + l.pick(reprompt, repromptDE),
		Reprompt: l.pick(reprompt, repromptDE),
	}, nil
}

func nothingPending(ctx context.Context, r *Request) (*Response, error) {
	l := langOf(r.Locale)
	return &Response{
		Speech:   l.pick("There's nothing waiting for a yes or no right now. ", "Gerade wartet nichts auf ein Ja oder Nein. ") + l.pick(reprompt, repromptDE),
		Reprompt: l.pick(reprompt, repromptDE),
	}, nil
}

// Link records a link from an access token the platform handed over
// outside a conversation (Alexa's SkillAccountLinked event). Errors:
// NotLinked for a token the bank does not accept.
func (s *Skill) Link(ctx context.Context, platform, userID, token string) error {
	return s.authenticate(ctx, &Request{Platform: platform, UserID: userID, AccessToken: token, Now: s.cfg.Now()})
}
