package skilltest

import (
	"context"
	"encoding/json"

	"github.com/kontoskill/konto/intents"
	"github.com/kontoskill/konto/skill"
)

// Session is who talks in a conversation.
type Session struct {
	Customer string // the sandbox customer id
	Locale   string
	Token    string // the access token the platform presents
}

// Turn is one user turn as a driver sends it.
type Turn struct {
	RequestID string
	// Text is what the user typed or said, for the core's recognizer; it
	// is empty when Intent is set.
	Text string
	// Intent and Slots are a platform-resolved request, slot values as
	// the fixture writes them ("25", "checking", {value: "20.00", currency: USD}).
	Intent string
	Slots  map[string]any
	// Replay sends the driver's previous request again, byte for byte and
	// with its request id, as a platform retrying it would.
	Replay bool
}

// Reply is what came back, as the user would perceive it.
type Reply struct {
	Speech string
	Card   string // the card's text, if any
	// Intent is the intent the turn was handled as, as far as the
	// platform tells (the chat driver knows the recognizer's).
	Intent string
	End    bool // the session ended
}

// Driver talks to the skill as one platform does: it turns a Turn into
// that platform's request, sends it the way the platform would, and reads
// the platform's answer back. A driver keeps what the platform keeps
// between turns (ids, the last request for a replay).
type Driver interface {
	// Turn sends one turn. An error is a transport failure (an HTTP
	// status other than 200, a body that does not decode), not an answer
	// the user would not like.
	Turn(ctx context.Context, t Turn) (Reply, error)
}

// A Platform makes the driver of one conversation in an environment.
type Platform func(e *Env, s Session) Driver

// Chat is the Platform of typed text through skill.Skill.Handle on a
// private text channel (the terminal chat, a messaging app).
func Chat(e *Env, s Session) Driver { return &chat{e: e, s: s} }

type chat struct {
	e     *Env
	s     Session
	last  *skill.Request
	carry string // what the last answer carried, sent back as a messaging app would
}

func (d *chat) Turn(ctx context.Context, t Turn) (Reply, error) {
	r := &skill.Request{Platform: "chat", Channel: skill.Channel{Text: true, Private: true, Carry: true},
		UserID: "fixture-user", SessionID: "fixture-session", RequestID: t.RequestID,
		Locale: d.s.Locale, AccessToken: d.s.Token, Text: t.Text, Carry: d.carry}
	if t.Intent != "" {
		r.Text, r.Intent, r.Slots = "", t.Intent, canonicalSlots(t.Slots)
	}
	if t.Replay && d.last != nil {
		r = copyRequest(d.last)
	}
	d.last = copyRequest(r) // as sent, before the core fills it in
	resp := d.e.Skill.Handle(ctx, r)
	d.carry = resp.Carry
	rep := Reply{Speech: resp.Speech, Intent: r.Intent, End: resp.EndSession}
	if resp.Card != nil {
		rep.Card = resp.Card.Text
	}
	return rep, nil
}

func copyRequest(r *skill.Request) *skill.Request {
	c := *r
	c.Slots = intents.Slots{}
	for k, v := range r.Slots {
		c.Slots[k] = v
	}
	return &c
}

// canonicalSlots reads fixture slot values as the catalog's canonical ones.
func canonicalSlots(in map[string]any) intents.Slots {
	b, _ := json.Marshal(in)
	var s intents.Slots
	_ = json.Unmarshal(b, &s)
	if s == nil {
		s = intents.Slots{}
	}
	return s
}
