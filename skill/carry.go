package skill

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"time"

	"github.com/kontoskill/konto/intents"
)

// carry is what a read-only turn remembers for the next one: the last
// answer (for "say that again") and what it was about (for "and in
// October?"). It travels with the platform's session (Alexa's session
// attributes) sealed with AES-256-GCM, so that a turn that changes
// nothing writes nothing to the store. It holds nothing that decides
// about money: dialogs, PIN state and completed actions stay on the
// server, and a carry forged or replayed within its session can at most
// repeat an answer the user was already given.
type carry struct {
	Owner   string    `json:"owner,omitempty"` // the linked customer the last answer was for
	Last    *Response `json:"last,omitempty"`
	Subject *subject  `json:"subject,omitempty"`
	At      time.Time `json:"at"`
	// Stored says that the server holds state for the session (a dialog,
	// a PIN given, a completed action). A carry that says it does not
	// saves the next turn a read of the store; without a carry (or with
	// one that does not open) the state is read. A client replaying an
	// older carry of the session can at most make Konto forget a dialog
	// (a yes then finds nothing waiting, a PIN is asked again): nothing
	// that moves money is decided without the server's state.
	Stored bool `json:"stored,omitempty"`
}

// subject is what the last answer was about, for elliptical follow-ups.
type subject struct {
	Owner    string        `json:"owner,omitempty"` // the linked customer it was about
	Intent   string        `json:"intent,omitempty"`
	Slots    intents.Slots `json:"slots,omitempty"`
	Merchant string        `json:"merchant,omitempty"` // as resolved against the user's data
	// Listed are the bills last read out, in order ("a|b|c"), kept over
	// later subjects for "the first bill you mentioned".
	Listed string `json:"listed,omitempty"`
	// Alert is the fraud alert answered last, kept over later subjects
	// for "so my card still works?" and "is the money coming back?".
	Alert *alertNote `json:"alert,omitempty"`
}

// alertNote is what became of an answered alert.
type alertNote struct {
	Outcome  string `json:"outcome"` // genuine or fraud
	Card     string `json:"card,omitempty"`
	Amount   string `json:"amount,omitempty"`
	Merchant string `json:"merchant,omitempty"`
	When     string `json:"when,omitempty"` // "on November 20th"
}

// maxCarry bounds a sealed carry (Alexa allows 24 KB a response in all):
// a longer last answer is not kept for repeat.
const maxCarry = 6 << 10

type carrier struct{ aead cipher.AEAD }

func newCarrier(secret []byte) *carrier {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte("konto-skill\x00carry"))
	block, err := aes.NewCipher(m.Sum(nil))
	if err != nil {
		panic(err) // a 32-byte key never fails
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		panic(err)
	}
	return &carrier{aead: aead}
}

// aad binds a carry to its session and user: one user's carry opens for
// no one else.
func carryAAD(r *Request) []byte {
	return []byte(r.Platform + "\x00" + r.SessionID + "\x00" + r.UserID)
}

func (c *carrier) seal(r *Request, v carry) string {
	if v.Last != nil {
		last := *v.Last
		last.Carry = ""
		v.Last = &last
	}
	plain, err := json.Marshal(v)
	if err != nil {
		return ""
	}
	if len(plain) > maxCarry {
		v.Last = nil
		if plain, err = json.Marshal(v); err != nil || len(plain) > maxCarry {
			return ""
		}
	}
	n := c.aead.NonceSize()
	out := make([]byte, n, n+len(plain)+c.aead.Overhead())
	rand.Read(out)
	out = c.aead.Seal(out, out[:n], plain, carryAAD(r))
	return base64.RawURLEncoding.EncodeToString(out)
}

// open returns the request's carry, or a zero one when there is none, it
// does not open, or it is older than ttl.
// open returns the request's carry and whether it opened (false: none,
// or one forged, garbled or too old).
func (c *carrier) open(r *Request, ttl time.Duration) (carry, bool) {
	if r.Carry == "" || len(r.Carry) > 2*maxCarry {
		return carry{}, false
	}
	b, err := base64.RawURLEncoding.DecodeString(r.Carry)
	n := c.aead.NonceSize()
	if err != nil || len(b) < n+c.aead.Overhead() {
		return carry{}, false
	}
	plain, err := c.aead.Open(nil, b[:n], b[n:], carryAAD(r))
	if err != nil {
		return carry{}, false
	}
	var v carry
	if json.Unmarshal(plain, &v) != nil || r.Now.Sub(v.At) > ttl || v.At.After(r.Now.Add(time.Minute)) {
		return carry{}, false
	}
	return v, true
}
