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
	// Errors: Forbidden for a token hash revoked by RevokeToken, Unavailable.
	SaveLink(ctx context.Context, l Link) error
	// Link returns the link of a platform user. Errors: NotLinked, Unavailable.
	Link(ctx context.Context, platform, userID string) (Link, error)
	// DeleteUser removes a platform user's link, sessions, stored answers,
	// callbacks and PIN hash; the audit entries stay with pseudonym in
	// place of the customer and without names. The PIN guard (failures and
	// lockout) stays: deleting data must not reset it. Errors: Unavailable.
	DeleteUser(ctx context.Context, platform, userID, pseudonym string) error
	// RevokeToken remembers an access token hash that must never link
	// again (for banks that cannot revoke a token themselves).
	// Errors: Unavailable.
	RevokeToken(ctx context.Context, tokenHash []byte) error
	// Session returns a session's state if it is owned by userID and newer
	// than maxAge; otherwise nil. Errors: Unavailable.
	Session(ctx context.Context, platform, sessionID, userID string, maxAge time.Duration) ([]byte, error)
	// DeleteSession forgets a session of userID; another user's session of
	// the same id is left alone. Errors: Unavailable.
	DeleteSession(ctx context.Context, platform, sessionID, userID string) error
}

// PINRecord is a customer's voice PIN as stored: a slow salted hash, and
// the guard: the count of attempts not yet proven right and the lockout.
// The guard is kept per bank customer apart from the hash and is never
// deleted with the user's data.
type PINRecord struct {
	Hash        string
	Failures    int
	LockedUntil time.Time
	// LockSeq counts the lockouts ever set; a right PIN lifts only the
	// lockout its own attempt set, never one a parallel guess set.
	LockSeq int64
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
	Outcome  string // pending, done, scheduled, refused:<reason>, failed
	OpKey    string // the idempotency key; one entry per key
	// Currency of Amount, and Fingerprint: what the action does (kind,
	// accounts, recipient, amount, date), so that the same action
	// confirmed again while one is pending reuses its key.
	Currency    string
	Fingerprint string
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
	// PIN returns the customer's voice PIN record. Errors: NotFound when
	// there is no hash, Unavailable.
	PIN(ctx context.Context, bank, customer string) (PINRecord, error)
	// SetPIN stores a PIN hash if none exists yet, or always with replace.
	// It does not touch the guard. Errors: Unavailable.
	SetPIN(ctx context.Context, bank, customer, hash string, replace bool) error
	// ReservePINAttempt counts a PIN attempt before it is checked, in one
	// serialised step per customer, so that parallel guesses are counted:
	// while locked it returns ok=false and changes nothing; otherwise the
	// attempt counts as a failure until PINVerified, and the
	// maxFailures-th one in a row locks until now+lockFor.
	// Errors: NotFound when there is no hash, Unavailable.
	ReservePINAttempt(ctx context.Context, bank, customer string, maxFailures int, lockFor time.Duration, now time.Time) (rec PINRecord, ok bool, err error)
	// PINVerified clears the failures after a right PIN, and the lockout
	// if it is still the one numbered lockSeq (the one the right attempt's
	// own reservation set, as ReservePINAttempt reported it).
	// Errors: Unavailable.
	PINVerified(ctx context.Context, bank, customer string, lockSeq int64) error
	// MovedToday sums what a customer moved by voice on a UTC day,
	// including actions still pending at the bank. Errors: Unavailable.
	MovedToday(ctx context.Context, bank, customer string, day time.Time) (int64, error)
	// ReserveOp writes a pending audit entry (Outcome "pending") with its
	// key before the bank is called, and reserves its Amount against the
	// day's limit in the same transaction: when limit > 0 and what was
	// moved or reserved today plus Amount exceeds it, nothing is written
	// and the error is Forbidden with reason daily_limit. An entry of the
	// same customer still pending with the same Fingerprint is returned
	// instead (key and all), so a retried action reuses its key.
	// Errors: Forbidden, Unavailable.
	ReserveOp(ctx context.Context, a AuditEntry, limit int64) (AuditEntry, error)
	// FinishOp sets the outcome of a pending entry; a refused or failed
	// one no longer counts against the limit. Errors: Unavailable.
	FinishOp(ctx context.Context, opKey, outcome string) error
	// PendingOps lists a customer's entries still pending that were
	// written before before. Errors: Unavailable.
	PendingOps(ctx context.Context, bank, customer string, before time.Time) ([]AuditEntry, error)
	// ClaimRequest claims a platform request id. It returns the stored
	// response of a finished request with that id, or ok=false while another
	// turn is still answering it. A claim left without an answer for longer
	// than staleAfter (its turn died) is taken over. Errors: Forbidden for a
	// request id claimed by another user, Unavailable.
	ClaimRequest(ctx context.Context, platform, requestID, userID string, now time.Time, staleAfter time.Duration) (ok bool, stored []byte, err error)
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
