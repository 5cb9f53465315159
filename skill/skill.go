// Package skill is Konto's platform-neutral conversation core: requests and
// responses, handlers routed by intent name through a mux, middleware, the
// banking handlers and the one place that turns errors into sentences.
// Platform adapters, one package per platform under skill/, translate to
// and from it.
package skill

import (
	"context"
	"time"

	"github.com/kontoskill/konto/banks"
	"github.com/kontoskill/konto/intents"
)

// Request is one turn of a conversation, whatever platform it came from.
type Request struct {
	Platform  string // the adapter's name ("chat", ...): keys state and logs, decides nothing
	UserID    string // the platform's user id
	SessionID string
	RequestID string
	Locale    string
	Now       time.Time
	// Intent and Slots are set when the platform resolved the utterance;
	// otherwise Text holds it and the core's recognizer resolves it.
	Intent     string
	Slots      intents.Slots
	Text       string
	Confidence float64
	// AccessToken is the account-linking token the platform presented.
	AccessToken string
	NewSession  bool
	// Channel says what the platform can do; the core decides by it,
	// never by the platform's name.
	Channel Channel
	// Carry is the sealed value the previous answer of this session
	// handed back (Response.Carry), on channels that carry one.
	Carry string

	// User is the bank user, set by the link middleware.
	User banks.User

	st   *state  // the session's server-side state
	turn *turn   // what this turn writes besides its answer
	obs  turnObs // what the Observer is told (observe.go)
	// trace is the turn's trace, for logs (logging.go).
	trace banks.Trace
}

// Channel describes where a turn comes from, as its adapter knows it.
type Channel struct {
	// Voice: the answer is spoken (a smart speaker, a phone assistant).
	Voice bool
	// Text: the user reads the answer (a chat app, a web chat, a terminal).
	Text bool
	// Screen: a card or a screen shows detail besides the speech.
	Screen bool
	// Private: only the user sees what is shown (a chat on their own
	// phone), not a shared speaker or a screen in a kitchen. A full
	// account number is shown only on a text channel that is private.
	Private bool
	// Carry: the adapter hands Response.Carry back as the next turn's
	// Request.Carry within a session (Alexa's session attributes). The
	// core then keeps the last answer and its subject there, sealed, and
	// a turn that changes nothing writes nothing to the store.
	Carry bool
	// EndsCarry: an answer that ends the session carries nothing (on
	// Alexa the session, and with it the attributes, end with it), so
	// none is sealed for it.
	EndsCarry bool
	// LinkHint says where the user links their bank on this platform,
	// in the request's locale, as the end of a sentence: "in the
	// companion app. I've sent a card to help". Empty: a general phrase
	// (link.where in the message catalog) is used.
	LinkHint string
	// CardHint says where a card shows up ("in your companion app"), for
	// "the rest are on the card …". Empty: no card is mentioned.
	CardHint string
}

// Card is the detail shown in the companion app or on a screen.
type Card struct {
	Title string
	Text  string
}

// Response is the core's answer.
type Response struct {
	Speech   string
	Reprompt string
	Card     *Card
	// LinkAccount asks the platform to show its account-linking card.
	LinkAccount bool
	EndSession  bool
	// Elicit names the slot the next answer fills, for platforms that
	// route answers by intent.
	Elicit *Elicit `json:",omitempty"`
	// Sensitive marks an answer that holds what must not be stored (a
	// full account number): it is neither kept for repeat nor for replays.
	Sensitive bool `json:",omitempty"`
	// Choices are the answers the pending question offers (yes and no,
	// which account, which payee), for text channels to show as buttons.
	Choices []Choice `json:",omitempty"`
	// Carry, on channels that carry one, is the opaque value to hand back
	// with the next turn of the session (see Channel.Carry).
	Carry string `json:",omitempty"`
}

// Choice is one answer a question offers: Label to show, Say to send
// back as the user's text when it is picked.
type Choice struct {
	Label string
	Say   string
}

// Handler answers a request.
type Handler interface {
	Serve(ctx context.Context, r *Request) (*Response, error)
}

// HandlerFunc adapts a function to Handler.
type HandlerFunc func(ctx context.Context, r *Request) (*Response, error)

// Serve calls f.
func (f HandlerFunc) Serve(ctx context.Context, r *Request) (*Response, error) { return f(ctx, r) }

// Middleware wraps a handler.
type Middleware func(Handler) Handler

// Chain applies middleware so that the first one is outermost.
func Chain(h Handler, mw ...Middleware) Handler {
	for i := len(mw) - 1; i >= 0; i-- {
		h = mw[i](h)
	}
	return h
}

// Mux routes requests by intent name.
type Mux struct {
	handlers map[string]Handler
	// NotFound answers intents with no handler; Fallback's handler if nil.
	NotFound Handler
}

// NewMux returns an empty mux.
func NewMux() *Mux { return &Mux{handlers: map[string]Handler{}} }

// Handle registers h for an intent name.
func (m *Mux) Handle(intent string, h Handler) { m.handlers[intent] = h }

// HandleFunc registers f for an intent name.
func (m *Mux) HandleFunc(intent string, f func(context.Context, *Request) (*Response, error)) {
	m.Handle(intent, HandlerFunc(f))
}

// Handler returns the handler for an intent and whether one is registered.
func (m *Mux) Handler(intent string) (Handler, bool) {
	h, ok := m.handlers[intent]
	return h, ok
}

// Serve implements Handler.
func (m *Mux) Serve(ctx context.Context, r *Request) (*Response, error) {
	if h, ok := m.handlers[r.Intent]; ok {
		return h.Serve(ctx, r)
	}
	if m.NotFound != nil {
		return m.NotFound.Serve(ctx, r)
	}
	if h, ok := m.handlers[intents.Fallback]; ok {
		return h.Serve(ctx, r)
	}
	return nil, banks.Errorf("skill.Mux", banks.NotSupported, "no handler for %q", r.Intent)
}
