package skill

import (
	"context"
	"time"
)

// Link binds a platform user to a bank customer. It is what account
// linking produces; the token itself is never stored, only its hash.
type Link struct {
	Platform  string
	UserID    string
	Bank      string
	Customer  string
	TokenHash []byte
	LinkedAt  time.Time
}

// Store keeps Konto's own state: links and server-side session state.
// skill/sqlite implements it; a Postgres implementation can be added for
// several instances behind a load balancer, since nothing is kept in
// process memory between requests.
type Store interface {
	Ledger
	// SaveLink creates or replaces the link of (Platform, UserID).
	SaveLink(ctx context.Context, l Link) error
	// Link returns the link of a platform user. Errors: NotLinked.
	Link(ctx context.Context, platform, userID string) (Link, error)
	// DeleteUser removes a platform user's link and all session state.
	DeleteUser(ctx context.Context, platform, userID string) error
	// Session returns a session's state if it is owned by userID and newer
	// than maxAge; otherwise nil.
	Session(ctx context.Context, platform, sessionID, userID string, maxAge time.Duration) ([]byte, error)
	// DeleteSession forgets a session.
	DeleteSession(ctx context.Context, platform, sessionID string) error
}

// PINRecord is a customer's voice PIN as stored: a slow salted hash and
// the count of wrong attempts.
type PINRecord struct {
	Hash        string
	Failures    int
	LockedUntil time.Time
}

// AuditEntry records a money movement or a card or security action. Actor
// is pseudonymous from the start; Customer is replaced by a pseudonym when
// the user deletes their data, and the entry is kept.
type AuditEntry struct {
	At       time.Time
	Actor    string // pseudonymous platform user
	Bank     string
	Customer string
	Channel  string // alexa, chat, ...
	Action   string // transfer, pay_bill, lock_card, ...
	Detail   string // amount and recipient name; never account numbers
	Amount   int64  // minor units moved, for daily limits
	Outcome  string // done, scheduled, refused:<reason>, failed
	OpKey    string // the idempotency key; one entry per key
}

// Callback is a request for a human agent to call the customer back.
type Callback struct {
	Platform, UserID, Bank, Customer string
	Topic                            string
	At                               time.Time
}

// Turn is everything one conversational turn writes, committed together.
type Turn struct {
	Platform, SessionID, UserID string
	State                       []byte // nil: leave the session state alone
	Audit                       []AuditEntry
	RequestID                   string // "" when the platform sent none
	Response                    []byte
	// Release gives the request id up instead of storing the answer, so
	// that a retry after a bank outage is answered afresh.
	Release bool
}

// Ledger is the part of the store that keeps PINs, the audit log, replay
// protection and callbacks.
type Ledger interface {
	// PIN returns the customer's voice PIN record. Errors: NotFound.
	PIN(ctx context.Context, bank, customer string) (PINRecord, error)
	// SetPIN stores a PIN hash (and clears failures) if none exists yet,
	// or always with replace.
	SetPIN(ctx context.Context, bank, customer, hash string, replace bool) error
	// PINAttempt records a right or wrong PIN: a right one clears the
	// failures; the maxFailures-th wrong one locks until now+lockFor.
	PINAttempt(ctx context.Context, bank, customer string, ok bool, maxFailures int, lockFor time.Duration, now time.Time) (PINRecord, error)
	// MovedToday sums what a customer moved by voice on a UTC day.
	MovedToday(ctx context.Context, bank, customer string, day time.Time) (int64, error)
	// ClaimRequest claims a platform request id. It returns the stored
	// response of a finished request with that id, or ok=false while another
	// instance is still answering it.
	ClaimRequest(ctx context.Context, platform, requestID, userID string, now time.Time) (ok bool, stored []byte, err error)
	// CommitTurn writes a turn's state, audit entries and response in one
	// database transaction.
	CommitTurn(ctx context.Context, t Turn) error
	// AddCallback stores a callback request.
	AddCallback(ctx context.Context, c Callback) error
	// AuditLog returns the audit entries of a customer (for tests and the bank).
	AuditLog(ctx context.Context, bank, customer string) ([]AuditEntry, error)
	// Purge deletes stored answers and session state older than before:
	// they exist for replays and five-minute dialogs, not as a transcript.
	Purge(ctx context.Context, before time.Time) error
}
