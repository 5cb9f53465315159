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
	// Pseudonym is the customer's audit pseudonym (Skill.Pseudonym), kept
	// so that a turn reads the link and whether the customer has actions
	// pending in one query (TurnReader). Empty in links saved before.
	Pseudonym string
}

// Store keeps Konto's own state. It is the composition of the small
// interfaces below, one per concern, so that a test double or a wrapper
// (a cache, a metrics layer) can implement just the part it needs, and so
// that storetest can say which part of the contract a failure is in.
// skill/sqlite implements it for one instance, and skill/postgres for
// several behind a load balancer (nothing is kept in process memory
// between requests). Every implementation runs the
// conformance suite in skill/storetest.
//
// Times a method reads from its own clock (a session's age) come from the
// clock the store was opened with, which must be the core's Config.Now.
type Store interface {
	Links
	Sessions
	Ledger
	PINs
	Replays
	Callbacks
	UserDeleter
	TurnCommitter
	Purger
}

// Links keeps which bank customer a platform user is linked to.
type Links interface {
	// SaveLink creates or replaces the link of (Platform, UserID).
	// Errors: Forbidden for a token hash revoked by RevokeToken (the
	// existing link, if any, is left as it was), Unavailable.
	SaveLink(ctx context.Context, l Link) error
	// Link returns the link of a platform user. Errors: NotLinked,
	// Unavailable.
	Link(ctx context.Context, platform, userID string) (Link, error)
	// RevokeToken remembers an access token hash that must never link
	// again (for banks that cannot revoke a token themselves) and ends
	// every link that holds it. Revoking a hash twice is not an error.
	// Errors: Unavailable.
	RevokeToken(ctx context.Context, tokenHash []byte) error
}

// TurnReader is a store that reads what a turn starts from in one query:
// the session's state, the platform user's link, and whether the linked
// customer (by the link's Pseudonym) has actions pending. A turn needs
// all three, and each query was a tenth of a GetBalance turn. Optional;
// the core asserts it.
type TurnReader interface {
	// ReadTurn returns what Session(platform, sessionID, userID, maxAge)
	// returns (no session is read for sessionID ""), the link as
	// Link(platform, userID) returns it (linked false: none), and whether
	// PendingOps(l.Bank, l.Pseudonym, before) would return any entry
	// (false for a link without a pseudonym). Errors: Unavailable.
	ReadTurn(ctx context.Context, platform, sessionID, userID string, maxAge time.Duration, before time.Time) (state []byte, l Link, linked, pending bool, err error)
}

// Sessions reads and ends server-side session state. A session belongs to
// the user who first wrote it; its state is written by
// TurnCommitter.CommitTurn (Turn.State), and the store's clock stamps it.
type Sessions interface {
	// Session returns a session's state if it is owned by userID and was
	// written less than maxAge ago by the store's clock; otherwise nil and
	// no error. Errors: Unavailable.
	Session(ctx context.Context, platform, sessionID, userID string, maxAge time.Duration) ([]byte, error)
	// DeleteSession forgets a session of userID; another user's session of
	// the same id is left alone, and a missing one is not an error.
	// Errors: Unavailable.
	DeleteSession(ctx context.Context, platform, sessionID, userID string) error
}

// UserDeleter erases a platform user's data.
type UserDeleter interface {
	// DeleteUser removes a platform user's link, sessions, stored answers,
	// callbacks and PIN hash; the audit entries stay with pseudonym in
	// place of the customer and without detail (names). The PIN guard
	// (failures and lockout) stays: deleting data must not reset it. A
	// user without a link loses sessions, answers and callbacks only; a
	// user without any data is not an error. Errors: Unavailable.
	DeleteUser(ctx context.Context, platform, userID, pseudonym string) error
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

// LockoutFor is how long the n-th lockout in a row (since the last right
// PIN) pauses voice payments: lockFor, then four times as long, then 30
// days (the app and a call to the bank still work), so that a guesser at
// a shared speaker gets nine guesses, not three every half hour for ever.
func LockoutFor(lockFor time.Duration, n int) time.Duration {
	switch {
	case n <= 1:
		return lockFor
	case n == 2:
		return 4 * lockFor
	}
	return max(30*24*time.Hour, 4*lockFor)
}

// AuditEntry records a money movement or a card or security action. Actor
// is pseudonymous from the start; Customer is replaced by a pseudonym when
// the user deletes their data, and the entry is kept.
type AuditEntry struct {
	At       time.Time
	Actor    string // pseudonymous platform user
	Bank     string
	Customer string
	Channel  string // the platform the adapter named
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
	// Request, on a pending payment, is what to ask the bank again with
	// (JSON of banks.PaymentRequest without its key) while it waits for
	// the customer's approval in the bank's app; cleared when it finishes.
	Request string
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
	// Linked: the turn was made for a linked user. Its session state and
	// answer are written only while the platform user's link still stands
	// (in the same transaction): a turn in flight while the user unlinked
	// leaves nothing of them behind. The audit entries are written anyway.
	Linked bool
}

// Ledger is the audit log, which is also the record of money moved: a
// movement is reserved (pending) before the bank is called and finished
// after, and the daily voice limit is counted on it.
type Ledger interface {
	// AuditLog returns the audit entries of a customer, oldest first.
	// Errors: Unavailable.
	AuditLog(ctx context.Context, bank, customer string) ([]AuditEntry, error)
	// MovedToday sums what a customer moved by voice on a UTC day,
	// including actions still pending at the bank. Errors: Unavailable.
	MovedToday(ctx context.Context, bank, customer string, day time.Time) (int64, error)
	// ReserveOp writes a pending audit entry (Outcome "pending") with its
	// key before the bank is called, and reserves its Amount against the
	// day's limit in the same transaction: when limit > 0 and what was
	// moved or reserved today plus Amount exceeds it, nothing is written
	// and the error is Forbidden with reason daily_limit. An entry with the
	// same key, or of the same customer still pending with the same
	// non-empty Fingerprint, is returned instead (key and all), so a
	// retried action reuses its key. Errors: Forbidden, Unavailable.
	ReserveOp(ctx context.Context, a AuditEntry, limit int64) (AuditEntry, error)
	// FinishOp sets the outcome of a pending entry; a refused or failed
	// one no longer counts against the limit. An entry no longer pending
	// (or no entry) is left alone without an error. Errors: Unavailable.
	FinishOp(ctx context.Context, opKey, outcome string) error
	// AwaitApproval marks a pending payment as waiting for the customer's
	// approval at the bank, with the request to ask again with (see
	// AuditEntry.Request). A finished entry is left alone. Errors:
	// Unavailable.
	AwaitApproval(ctx context.Context, opKey, request string) error
	// PendingOps lists a customer's entries still pending that were
	// written before before, oldest first. Errors: Unavailable.
	PendingOps(ctx context.Context, bank, customer string, before time.Time) ([]AuditEntry, error)
}

// PINs keeps voice PIN hashes and the guard against guessing them.
type PINs interface {
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
}

// Replays protects against a platform delivering a request twice.
type Replays interface {
	// ClaimRequest claims a platform request id. It returns ok=true to the
	// one turn that owns the id, the stored response of a finished request
	// with that id, or ok=false and no response while another turn is still
	// answering it. A claim left without an answer for longer than
	// staleAfter (its turn died) is taken over; an answered one never is.
	// Errors: Forbidden for a request id claimed by another user,
	// Unavailable.
	ClaimRequest(ctx context.Context, platform, requestID, userID string, now time.Time, staleAfter time.Duration) (ok bool, stored []byte, err error)
}

// Callbacks keeps requests for a human agent to call the customer back.
type Callbacks interface {
	// AddCallback stores a callback request. Errors: Unavailable.
	AddCallback(ctx context.Context, c Callback) error
}

// TurnCommitter writes what a turn did.
type TurnCommitter interface {
	// CommitTurn writes a turn's session state (unless nil; a session of
	// another user is not overwritten), audit entries (an entry whose
	// OpKey is already recorded is skipped) and the answer to its claimed
	// request id (or releases the id) in one transaction: all or nothing.
	// Errors: Unavailable.
	CommitTurn(ctx context.Context, t Turn) error
}

// Purger forgets what is kept only for a while.
type Purger interface {
	// Purge deletes stored answers and session state older than before:
	// they exist for replays and five-minute dialogs, not as a transcript.
	// Errors: Unavailable.
	Purge(ctx context.Context, before time.Time) error
}
