// Package sqlite implements skill.Store on an embedded SQLite database
// (modernc.org/sqlite, no cgo). The SQL is kept to what Postgres also
// speaks (ON CONFLICT upserts, partial indexes), so that a Postgres store
// for several instances is a sibling package with the same schema; the
// SQLite-only parts are the ? placeholders, BLOB and INTEGER PRIMARY KEY
// row ids in the schema, the write lock taken by immediate transactions
// (Postgres needs SELECT ... FOR UPDATE or an advisory lock there), and
// the catalogue reads that recognise databases made before migrations.
package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/url"
	"time"

	_ "modernc.org/sqlite" // the database/sql driver "sqlite"

	"github.com/kontoskill/konto/banks"
	"github.com/kontoskill/konto/skill"
)

// Store is the SQLite skill.Store.
type Store struct {
	db  *preparedDB
	now func() time.Time // the clock passed by WithClock, or time.Now
}

var _ skill.Store = (*Store)(nil)

// Option configures a Store when it is opened.
type Option func(*Store)

// WithClock makes the store read the time from now (session ages, when a
// token was revoked) instead of time.Now. Pass the core's Config.Now, so
// that a session's age and a dialog's age are measured by one clock.
func WithClock(now func() time.Time) Option {
	return func(s *Store) { s.now = now }
}

// Open opens (creating if needed) the store in the SQLite file at path and
// brings its schema up to date (migrations/, see migrate). Errors: the
// file cannot be opened, or its schema is newer than this program's.
func Open(path string, opts ...Option) (*Store, error) {
	s := &Store{now: time.Now}
	for _, o := range opts {
		o(s)
	}
	q := url.Values{}
	// busy_timeout first: switching a new file to WAL takes a lock that
	// another process opening it at the same moment must wait for.
	q.Add("_pragma", "busy_timeout(5000)")
	q.Add("_pragma", "foreign_keys(1)")
	q.Add("_pragma", "journal_mode(WAL)")
	q.Add("_pragma", "synchronous(NORMAL)")
	q.Add("_txlock", "immediate")
	db, err := sql.Open("sqlite", "file:"+(&url.URL{Path: path}).EscapedPath()+"?"+q.Encode())
	if err != nil {
		return nil, fmt.Errorf("sqlite: open: %w", err)
	}
	if err := migrateTakingTurns(db, s.now()); err != nil {
		db.Close()
		return nil, fmt.Errorf("sqlite: migration: %w", err)
	}
	s.db = newPreparedDB(db)
	return s, nil
}

// migrateTakingTurns runs migrate, trying again for up to ten seconds
// while the file is busy. Processes opening a new file together each
// switch it to WAL, and SQLite answers SQLITE_BUSY at once, without
// waiting out busy_timeout, to the one whose wait could deadlock.
func migrateTakingTurns(db *sql.DB, now time.Time) error {
	deadline := time.Now().Add(10 * time.Second)
	for {
		err := migrate(context.Background(), db, now)
		var se interface{ Code() int }
		if err == nil || !errors.As(err, &se) || se.Code()&0xff != sqliteBusy || time.Now().After(deadline) {
			return err
		}
		time.Sleep(time.Duration(5+rand.IntN(20)) * time.Millisecond)
	}
}

// sqliteBusy is SQLITE_BUSY, the primary result code of a locked file.
const sqliteBusy = 5

// Close closes the database.
func (s *Store) Close() error { return s.db.Close() }

// SaveLink implements skill.Links.
func (s *Store) SaveLink(ctx context.Context, l skill.Link) error {
	res, err := s.db.ExecContext(ctx, `INSERT INTO links(platform, user_id, bank, customer, token_hash, linked_at, pseudonym)
		SELECT ?,?,?,?,?,?,? WHERE NOT EXISTS (SELECT 1 FROM revoked_tokens WHERE token_hash = ?)
		ON CONFLICT (platform, user_id) DO UPDATE SET
		bank = excluded.bank, customer = excluded.customer, token_hash = excluded.token_hash, linked_at = excluded.linked_at,
		pseudonym = excluded.pseudonym`,
		l.Platform, l.UserID, l.Bank, l.Customer, l.TokenHash, l.LinkedAt.Unix(), l.Pseudonym, l.TokenHash)
	if err != nil {
		return banks.E("sqlite.SaveLink", banks.Unavailable, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return banks.Errorf("sqlite.SaveLink", banks.Forbidden, "the token was revoked when the user deleted their data")
	}
	return nil
}

// RevokeToken implements skill.Links.
func (s *Store) RevokeToken(ctx context.Context, tokenHash []byte) error {
	const op = "sqlite.RevokeToken"
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return banks.E(op, banks.Unavailable, err)
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, `INSERT INTO revoked_tokens(token_hash, at) VALUES (?,?) ON CONFLICT DO NOTHING`,
		tokenHash, s.now().Unix()); err != nil {
		return banks.E(op, banks.Unavailable, err)
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM links WHERE token_hash = ?`, tokenHash); err != nil {
		return banks.E(op, banks.Unavailable, err)
	}
	if err := tx.Commit(); err != nil {
		return banks.E(op, banks.Unavailable, err)
	}
	return nil
}

// Link implements skill.Links.
func (s *Store) Link(ctx context.Context, platform, userID string) (skill.Link, error) {
	l := skill.Link{Platform: platform, UserID: userID}
	var at int64
	err := s.db.QueryRowContext(ctx, `SELECT bank, customer, token_hash, linked_at, pseudonym FROM links WHERE platform = ? AND user_id = ?`,
		platform, userID).Scan(&l.Bank, &l.Customer, &l.TokenHash, &at, &l.Pseudonym)
	if errors.Is(err, sql.ErrNoRows) {
		return skill.Link{}, banks.E("sqlite.Link", banks.NotLinked, nil)
	}
	if err != nil {
		return skill.Link{}, banks.E("sqlite.Link", banks.Unavailable, err)
	}
	l.LinkedAt = time.Unix(at, 0).UTC()
	return l, nil
}

var _ skill.TurnReader = (*Store)(nil)

// ReadTurn implements skill.TurnReader. A user without a link (rare: the
// first turn, or none linked) costs a second query for the session.
func (s *Store) ReadTurn(ctx context.Context, platform, sessionID, userID string, maxAge time.Duration, before time.Time) ([]byte, skill.Link, bool, bool, error) {
	const op = "sqlite.ReadTurn"
	l := skill.Link{Platform: platform, UserID: userID}
	var state []byte
	var at int64
	var pending bool
	err := s.db.QueryRowContext(ctx, `SELECT bank, customer, token_hash, linked_at, pseudonym,
		pseudonym != '' AND EXISTS (SELECT 1 FROM audit a WHERE a.bank = links.bank AND a.customer = links.pseudonym
			AND a.outcome = 'pending' AND a.at < ?),
		(SELECT state FROM sessions WHERE platform = ? AND session_id = ? AND user_id = ? AND updated_at >= ?)
		FROM links WHERE platform = ? AND user_id = ?`,
		before.Unix(), platform, sessionID, userID, s.now().Add(-maxAge).UnixMilli(), platform, userID).
		Scan(&l.Bank, &l.Customer, &l.TokenHash, &at, &l.Pseudonym, &pending, &state)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		if sessionID == "" {
			return nil, skill.Link{}, false, false, nil
		}
		state, err := s.Session(ctx, platform, sessionID, userID, maxAge)
		if err != nil {
			return nil, skill.Link{}, false, false, err
		}
		return state, skill.Link{}, false, false, nil
	case err != nil:
		return nil, skill.Link{}, false, false, banks.E(op, banks.Unavailable, err)
	}
	l.LinkedAt = time.Unix(at, 0).UTC()
	return state, l, true, pending, nil
}

// DeleteUser implements skill.UserDeleter: everything goes in one
// transaction, so nothing is left half-deleted.
func (s *Store) DeleteUser(ctx context.Context, platform, userID, pseudonym string) error {
	const op = "sqlite.DeleteUser"
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return banks.E(op, banks.Unavailable, err)
	}
	defer tx.Rollback()
	var bank, customer string
	err = tx.QueryRowContext(ctx, `SELECT bank, customer FROM links WHERE platform = ? AND user_id = ?`, platform, userID).Scan(&bank, &customer)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return banks.E(op, banks.Unavailable, err)
	}
	for _, q := range []string{`DELETE FROM links WHERE platform = ? AND user_id = ?`,
		`DELETE FROM sessions WHERE platform = ? AND user_id = ?`,
		`DELETE FROM requests WHERE platform = ? AND user_id = ?`,
		`DELETE FROM callbacks WHERE platform = ? AND user_id = ?`} {
		if _, err := tx.ExecContext(ctx, q, platform, userID); err != nil {
			return banks.E(op, banks.Unavailable, err)
		}
	}
	if customer != "" {
		// The same customer's links on other assistants go too, with their
		// sessions and answers: the bank access behind them is withdrawn
		// with this deletion, and nothing of them is kept.
		for _, q := range []string{`DELETE FROM sessions WHERE (platform, user_id) IN (SELECT platform, user_id FROM links WHERE bank = ? AND customer = ?)`,
			`DELETE FROM requests WHERE (platform, user_id) IN (SELECT platform, user_id FROM links WHERE bank = ? AND customer = ?)`,
			`DELETE FROM callbacks WHERE (platform, user_id) IN (SELECT platform, user_id FROM links WHERE bank = ? AND customer = ?)`,
			`DELETE FROM links WHERE bank = ? AND customer = ?`} {
			if _, err := tx.ExecContext(ctx, q, bank, customer); err != nil {
				return banks.E(op, banks.Unavailable, err)
			}
		}
		// The PIN hash goes; the guard (pin_guard) stays, so that deleting
		// one's data does not buy more guesses. The audit entries stay
		// under the pseudonym, without the names in their detail.
		if _, err := tx.ExecContext(ctx, `DELETE FROM voice_pins WHERE bank = ? AND customer = ?`, bank, customer); err != nil {
			return banks.E(op, banks.Unavailable, err)
		}
		// Entries name the customer by the pseudonym from the start (old
		// ones by the id). Names, the actor and the fingerprints of
		// finished entries go; a pending entry keeps its fingerprint, so
		// that the same payment confirmed again after relinking still
		// finds its key and the daily limit still counts it.
		if _, err := tx.ExecContext(ctx, `UPDATE audit SET customer = ?, detail = '', actor = '', request = '',
			fingerprint = CASE WHEN outcome = 'pending' THEN fingerprint ELSE '' END
			WHERE bank = ? AND (customer = ? OR customer = ?)`, pseudonym, bank, customer, pseudonym); err != nil {
			return banks.E(op, banks.Unavailable, err)
		}
	}
	if err := tx.Commit(); err != nil {
		return banks.E(op, banks.Unavailable, err)
	}
	return nil
}

// SaveSession stores a session's state outside a turn (CommitTurn is the
// core's way). A session id already owned by another user is not taken
// over. Errors: Unavailable.
func (s *Store) SaveSession(ctx context.Context, platform, sessionID, userID string, state []byte) error {
	_, err := s.db.ExecContext(ctx, `INSERT INTO sessions(platform, session_id, user_id, state, updated_at)
		VALUES (?,?,?,?,?) ON CONFLICT (platform, session_id) DO UPDATE SET state = excluded.state, updated_at = excluded.updated_at
		WHERE sessions.user_id = excluded.user_id`, platform, sessionID, userID, state, s.now().UnixMilli())
	if err != nil {
		return banks.E("sqlite.SaveSession", banks.Unavailable, err)
	}
	return nil
}

// Session implements skill.Sessions.
func (s *Store) Session(ctx context.Context, platform, sessionID, userID string, maxAge time.Duration) ([]byte, error) {
	var state []byte
	err := s.db.QueryRowContext(ctx, `SELECT state FROM sessions WHERE platform = ? AND session_id = ? AND user_id = ? AND updated_at >= ?`,
		platform, sessionID, userID, s.now().Add(-maxAge).UnixMilli()).Scan(&state)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, banks.E("sqlite.Session", banks.Unavailable, err)
	}
	return state, nil
}

// DeleteSession implements skill.Sessions.
func (s *Store) DeleteSession(ctx context.Context, platform, sessionID, userID string) error {
	if _, err := s.db.ExecContext(ctx, `DELETE FROM sessions WHERE platform = ? AND session_id = ? AND user_id = ?`,
		platform, sessionID, userID); err != nil {
		return banks.E("sqlite.DeleteSession", banks.Unavailable, err)
	}
	return nil
}

// Counts reports how many links and sessions a platform user has (for
// tests and the privacy report). Errors: Unavailable.
func (s *Store) Counts(ctx context.Context, platform, userID string) (links, sessions int, err error) {
	err = s.db.QueryRowContext(ctx, `SELECT (SELECT count(*) FROM links WHERE platform = ? AND user_id = ?),
		(SELECT count(*) FROM sessions WHERE platform = ? AND user_id = ?)`, platform, userID, platform, userID).Scan(&links, &sessions)
	if err != nil {
		return 0, 0, banks.E("sqlite.Counts", banks.Unavailable, err)
	}
	return links, sessions, nil
}

// PIN implements skill.PINs.
func (s *Store) PIN(ctx context.Context, bank, customer string) (skill.PINRecord, error) {
	var r skill.PINRecord
	var locked int64
	err := s.db.QueryRowContext(ctx, `SELECT p.hash, coalesce(g.failures, 0), coalesce(g.locked_until, 0), coalesce(g.lock_seq, 0) FROM voice_pins p
		LEFT JOIN pin_guard g ON g.bank = p.bank AND g.customer = p.customer WHERE p.bank = ? AND p.customer = ?`,
		bank, customer).Scan(&r.Hash, &r.Failures, &locked, &r.LockSeq)
	if errors.Is(err, sql.ErrNoRows) {
		return r, banks.E("sqlite.PIN", banks.NotFound, nil)
	}
	if err != nil {
		return r, banks.E("sqlite.PIN", banks.Unavailable, err)
	}
	if locked != 0 {
		r.LockedUntil = time.Unix(locked, 0).UTC()
	}
	return r, nil
}

// SetPIN implements skill.PINs.
func (s *Store) SetPIN(ctx context.Context, bank, customer, hash string, replace bool) error {
	q := `INSERT INTO voice_pins(bank, customer, hash) VALUES (?,?,?) ON CONFLICT (bank, customer) DO NOTHING`
	if replace {
		q = `INSERT INTO voice_pins(bank, customer, hash) VALUES (?,?,?) ON CONFLICT (bank, customer) DO UPDATE SET hash = excluded.hash`
	}
	if _, err := s.db.ExecContext(ctx, q, bank, customer, hash); err != nil {
		return banks.E("sqlite.SetPIN", banks.Unavailable, err)
	}
	return nil
}

// ReservePINAttempt implements skill.PINs. The transaction takes the
// write lock when it begins (_txlock=immediate), so attempts of every
// connection and every process on this file are counted one at a time.
func (s *Store) ReservePINAttempt(ctx context.Context, bank, customer string, maxFailures int, lockFor time.Duration, now time.Time) (skill.PINRecord, bool, error) {
	const op = "sqlite.ReservePINAttempt"
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return skill.PINRecord{}, false, banks.E(op, banks.Unavailable, err)
	}
	defer tx.Rollback()
	var r skill.PINRecord
	var locked int64
	var lockouts int
	err = tx.QueryRowContext(ctx, `SELECT p.hash, coalesce(g.failures, 0), coalesce(g.locked_until, 0), coalesce(g.lock_seq, 0), coalesce(g.lockouts, 0)
		FROM voice_pins p LEFT JOIN pin_guard g ON g.bank = p.bank AND g.customer = p.customer WHERE p.bank = ? AND p.customer = ?`,
		bank, customer).Scan(&r.Hash, &r.Failures, &locked, &r.LockSeq, &lockouts)
	if errors.Is(err, sql.ErrNoRows) {
		return r, false, banks.E(op, banks.NotFound, nil)
	}
	if err != nil {
		return r, false, banks.E(op, banks.Unavailable, err)
	}
	if locked > now.Unix() {
		r.LockedUntil = time.Unix(locked, 0).UTC()
		return r, false, nil
	}
	r.Failures++
	locked = 0
	if r.Failures >= maxFailures {
		lockouts++
		locked, r.Failures = now.Add(skill.LockoutFor(lockFor, lockouts)).Unix(), 0
		r.LockedUntil = time.Unix(locked, 0).UTC()
		r.LockSeq++
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO pin_guard(bank, customer, failures, locked_until, lock_seq, lockouts) VALUES (?,?,?,?,?,?)
		ON CONFLICT (bank, customer) DO UPDATE SET failures = excluded.failures, locked_until = excluded.locked_until,
		lock_seq = excluded.lock_seq, lockouts = excluded.lockouts`, bank, customer, r.Failures, locked, r.LockSeq, lockouts); err != nil {
		return r, false, banks.E(op, banks.Unavailable, err)
	}
	if err := tx.Commit(); err != nil {
		return r, false, banks.E(op, banks.Unavailable, err)
	}
	return r, true, nil
}

// PINVerified implements skill.PINs.
func (s *Store) PINVerified(ctx context.Context, bank, customer string, lockSeq int64) error {
	if _, err := s.db.ExecContext(ctx, `UPDATE pin_guard SET failures = 0, lockouts = 0,
		locked_until = CASE WHEN lock_seq = ? THEN 0 ELSE locked_until END WHERE bank = ? AND customer = ?`,
		lockSeq, bank, customer); err != nil {
		return banks.E("sqlite.PINVerified", banks.Unavailable, err)
	}
	return nil
}

// countsAgainstLimit are the outcomes that use up the daily voice limit.
const countsAgainstLimit = `outcome IN ('done', 'scheduled', 'pending')`

// MovedToday implements skill.Ledger.
func (s *Store) MovedToday(ctx context.Context, bank, customer string, day time.Time) (int64, error) {
	var n int64
	err := s.db.QueryRowContext(ctx, `SELECT coalesce(sum(amount), 0) FROM audit WHERE bank = ? AND customer = ? AND day = ? AND `+
		countsAgainstLimit, bank, customer, day.UTC().Format(time.DateOnly)).Scan(&n)
	if err != nil {
		return 0, banks.E("sqlite.MovedToday", banks.Unavailable, err)
	}
	return n, nil
}

// ReserveOp implements skill.Ledger. The immediate transaction makes the
// sum and the insert one step, so parallel payments cannot both fit
// under the limit.
func (s *Store) ReserveOp(ctx context.Context, a skill.AuditEntry, limit int64) (skill.AuditEntry, error) {
	const op = "sqlite.ReserveOp"
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return a, banks.E(op, banks.Unavailable, err)
	}
	defer tx.Rollback()
	// The same key again (a retried confirmation) or the same action still
	// pending under another key: that entry stands.
	{
		rows, err := tx.QueryContext(ctx, auditColumns+` WHERE op_key = ? OR (bank = ? AND customer = ? AND outcome = 'pending'
			AND fingerprint = ? AND fingerprint != '') ORDER BY op_key = ? DESC, id LIMIT 1`, a.OpKey, a.Bank, a.Customer, a.Fingerprint, a.OpKey)
		if err != nil {
			return a, banks.E(op, banks.Unavailable, err)
		}
		found, err := scanAudit(rows)
		if err != nil {
			return a, banks.E(op, banks.Unavailable, err)
		}
		if len(found) == 1 {
			return found[0], nil
		}
	}
	day := a.At.UTC().Format(time.DateOnly)
	if limit > 0 {
		var moved int64
		if err := tx.QueryRowContext(ctx, `SELECT coalesce(sum(amount), 0) FROM audit WHERE bank = ? AND customer = ? AND day = ? AND `+
			countsAgainstLimit, a.Bank, a.Customer, day).Scan(&moved); err != nil {
			return a, banks.E(op, banks.Unavailable, err)
		}
		if moved+a.Amount > limit {
			return a, banks.Refuse(op, "daily_limit")
		}
	}
	a.Outcome = "pending"
	if _, err := tx.ExecContext(ctx, `INSERT INTO audit(at, day, actor, bank, customer, channel, action, detail, amount, outcome, op_key,
		currency, fingerprint, request) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)`, a.At.Unix(), day, a.Actor, a.Bank, a.Customer, a.Channel, a.Action,
		a.Detail, a.Amount, a.Outcome, a.OpKey, a.Currency, a.Fingerprint, ""); err != nil {
		return a, banks.E(op, banks.Unavailable, err)
	}
	if err := tx.Commit(); err != nil {
		return a, banks.E(op, banks.Unavailable, err)
	}
	return a, nil
}

// FinishOp implements skill.Ledger.
func (s *Store) FinishOp(ctx context.Context, opKey, outcome string) error {
	if _, err := s.db.ExecContext(ctx, `UPDATE audit SET outcome = ?, request = '' WHERE op_key = ? AND outcome = 'pending'`, outcome, opKey); err != nil {
		return banks.E("sqlite.FinishOp", banks.Unavailable, err)
	}
	return nil
}

// AwaitApproval implements skill.Ledger.
func (s *Store) AwaitApproval(ctx context.Context, opKey, request string) error {
	if _, err := s.db.ExecContext(ctx, `UPDATE audit SET request = ? WHERE op_key = ? AND outcome = 'pending'`, request, opKey); err != nil {
		return banks.E("sqlite.AwaitApproval", banks.Unavailable, err)
	}
	return nil
}

// PendingOps implements skill.Ledger.
func (s *Store) PendingOps(ctx context.Context, bank, customer string, before time.Time) ([]skill.AuditEntry, error) {
	rows, err := s.db.QueryContext(ctx, auditColumns+` WHERE bank = ? AND customer = ? AND outcome = 'pending' AND at < ? ORDER BY id`,
		bank, customer, before.Unix())
	if err != nil {
		return nil, banks.E("sqlite.PendingOps", banks.Unavailable, err)
	}
	out, err := scanAudit(rows)
	if err != nil {
		return nil, banks.E("sqlite.PendingOps", banks.Unavailable, err)
	}
	return out, nil
}

// ClaimRequest implements skill.Replays.
func (s *Store) ClaimRequest(ctx context.Context, platform, requestID, userID string, now time.Time, staleAfter time.Duration) (bool, []byte, error) {
	const op = "sqlite.ClaimRequest"
	res, err := s.db.ExecContext(ctx, `INSERT INTO requests(platform, request_id, user_id, created_at) VALUES (?,?,?,?)
		ON CONFLICT (platform, request_id) DO UPDATE SET created_at = excluded.created_at
		WHERE requests.response IS NULL AND requests.user_id = excluded.user_id AND requests.created_at < ?`,
		platform, requestID, userID, now.Unix(), now.Add(-staleAfter).Unix())
	if err != nil {
		return false, nil, banks.E(op, banks.Unavailable, err)
	}
	if n, _ := res.RowsAffected(); n == 1 {
		return true, nil, nil
	}
	var stored []byte
	var owner string
	if err := s.db.QueryRowContext(ctx, `SELECT response, user_id FROM requests WHERE platform = ? AND request_id = ?`,
		platform, requestID).Scan(&stored, &owner); err != nil {
		return false, nil, banks.E(op, banks.Unavailable, err)
	}
	if owner != userID {
		return false, nil, banks.E(op, banks.Forbidden, errors.New("request id of another user"))
	}
	return false, stored, nil
}

// CommitTurn implements skill.TurnCommitter.
func (s *Store) CommitTurn(ctx context.Context, t skill.Turn) error {
	const op = "sqlite.CommitTurn"
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return banks.E(op, banks.Unavailable, err)
	}
	defer tx.Rollback()
	if t.Linked {
		var linked bool
		if err := tx.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM links WHERE platform = ? AND user_id = ?)`, t.Platform, t.UserID).Scan(&linked); err != nil {
			return banks.E(op, banks.Unavailable, err)
		}
		if !linked {
			// Unlinked while the turn ran: only its audit entries stay.
			t.State, t.Release = nil, true
		}
	}
	if t.State != nil && t.SessionID != "" {
		if _, err := tx.ExecContext(ctx, `INSERT INTO sessions(platform, session_id, user_id, state, updated_at)
			VALUES (?,?,?,?,?) ON CONFLICT (platform, session_id) DO UPDATE SET state = excluded.state, updated_at = excluded.updated_at
			WHERE sessions.user_id = excluded.user_id`, t.Platform, t.SessionID, t.UserID, t.State, s.now().UnixMilli()); err != nil {
			return banks.E(op, banks.Unavailable, err)
		}
	}
	for _, a := range t.Audit {
		var key any
		if a.OpKey != "" {
			key = a.OpKey
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO audit(at, day, actor, bank, customer, channel, action, detail, amount, outcome, op_key,
			currency, fingerprint) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?) ON CONFLICT DO NOTHING`, a.At.Unix(), a.At.UTC().Format(time.DateOnly),
			a.Actor, a.Bank, a.Customer, a.Channel, a.Action, a.Detail, a.Amount, a.Outcome, key, a.Currency, a.Fingerprint); err != nil {
			return banks.E(op, banks.Unavailable, err)
		}
	}
	if t.RequestID != "" {
		q, args := `UPDATE requests SET response = ? WHERE platform = ? AND request_id = ?`, []any{t.Response, t.Platform, t.RequestID}
		if t.Release {
			q, args = `DELETE FROM requests WHERE platform = ? AND request_id = ?`, []any{t.Platform, t.RequestID}
		}
		if _, err := tx.ExecContext(ctx, q, args...); err != nil {
			return banks.E(op, banks.Unavailable, err)
		}
	}
	if err := tx.Commit(); err != nil {
		return banks.E(op, banks.Unavailable, err)
	}
	return nil
}

// AddCallback implements skill.Callbacks.
func (s *Store) AddCallback(ctx context.Context, c skill.Callback) error {
	if _, err := s.db.ExecContext(ctx, `INSERT INTO callbacks(platform, user_id, bank, customer, topic, at) VALUES (?,?,?,?,?,?)`,
		c.Platform, c.UserID, c.Bank, c.Customer, c.Topic, c.At.Unix()); err != nil {
		return banks.E("sqlite.AddCallback", banks.Unavailable, err)
	}
	return nil
}

const auditColumns = `SELECT at, actor, bank, customer, channel, action, detail, amount, outcome, coalesce(op_key, ''),
	currency, fingerprint, request FROM audit`

func scanAudit(rows *sql.Rows) ([]skill.AuditEntry, error) {
	defer rows.Close()
	var out []skill.AuditEntry
	for rows.Next() {
		var a skill.AuditEntry
		var at int64
		if err := rows.Scan(&at, &a.Actor, &a.Bank, &a.Customer, &a.Channel, &a.Action, &a.Detail, &a.Amount, &a.Outcome, &a.OpKey,
			&a.Currency, &a.Fingerprint, &a.Request); err != nil {
			return nil, err
		}
		a.At = time.Unix(at, 0).UTC()
		out = append(out, a)
	}
	return out, rows.Err()
}

// AuditLog implements skill.Ledger.
func (s *Store) AuditLog(ctx context.Context, bank, customer string) ([]skill.AuditEntry, error) {
	rows, err := s.db.QueryContext(ctx, auditColumns+` WHERE bank = ? AND customer = ? ORDER BY id`, bank, customer)
	if err != nil {
		return nil, banks.E("sqlite.AuditLog", banks.Unavailable, err)
	}
	out, err := scanAudit(rows)
	if err != nil {
		return nil, banks.E("sqlite.AuditLog", banks.Unavailable, err)
	}
	return out, nil
}

// CallbackCount counts a platform user's callback requests (for tests;
// it makes the store a storetest.CallbackCounter). Errors: Unavailable.
func (s *Store) CallbackCount(ctx context.Context, platform, userID string) (int, error) {
	var n int
	if err := s.db.QueryRowContext(ctx, `SELECT count(*) FROM callbacks WHERE platform = ? AND user_id = ?`, platform, userID).Scan(&n); err != nil {
		return 0, banks.E("sqlite.CallbackCount", banks.Unavailable, err)
	}
	return n, nil
}

// Purge implements skill.Purger.
func (s *Store) Purge(ctx context.Context, before time.Time) error {
	if _, err := s.db.ExecContext(ctx, `DELETE FROM requests WHERE created_at < ?`, before.Unix()); err != nil {
		return banks.E("sqlite.Purge", banks.Unavailable, err)
	}
	if _, err := s.db.ExecContext(ctx, `DELETE FROM sessions WHERE updated_at < ?`, before.UnixMilli()); err != nil {
		return banks.E("sqlite.Purge", banks.Unavailable, err)
	}
	return nil
}
