// Package postgres implements skill.Store and linking.Store on PostgreSQL
// (github.com/jackc/pgx/v5), for several Konto instances behind a load
// balancer: nothing is kept in process memory between requests, and
// everything that skill/sqlite serialises with its one write lock is
// serialised here per customer or per row, across instances:
//
//   - PIN attempts lock the customer's voice_pins row (SELECT ... FOR UPDATE);
//   - ReserveOp takes a transaction-scoped advisory lock on the customer,
//     so the day's sum and the new pending entry are one step;
//   - request ids are claimed by INSERT ... ON CONFLICT, which waits for a
//     concurrent claim of the same id and then sees it;
//   - codes and refresh tokens are consumed by an UPDATE ... WHERE active
//     that a second, concurrent one finds already done.
//
// Transactions run at READ COMMITTED; the few that Postgres may still
// abort (a deadlock) are run again. The schema is migrated at Open, by
// numbered steps under an advisory lock, so instances may start together.
//
// Connections come from a pgxpool.Pool, configured by the DSN: a
// postgres:// URL or key=value string as libpq's, with pgxpool's pool_*
// parameters (see pgxpool.ParseConfig):
//
//   - pool_max_conns: connections per instance, default max(4, GOMAXPROCS)
//     (pgxpool's own default counts the host's CPUs, not those a
//     container may use);
//   - pool_max_conn_idle_time (default 30m) and pool_max_conn_lifetime (1h):
//     when a connection is closed and replaced;
//   - pool_health_check_period (1m): how often idle connections are
//     checked; besides, one idle for over a second is pinged before use,
//     so one the server ended (a restart, a fail-over) is replaced instead
//     of failing a request;
//   - pool_min_conns, pool_min_idle_conns, pool_max_conn_lifetime_jitter and
//     pool_ping_timeout, as pgxpool documents them.
//
// Other parameters that are not libpq's are sent to the server as
// settings, e.g. search_path=myschema to keep the tables in a schema.
package postgres

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"runtime"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/kontoskill/konto/banks"
	"github.com/kontoskill/konto/skill"
)

// Store is the Postgres skill.Store and linking.Store.
type Store struct {
	db  *pgxpool.Pool
	now func() time.Time // the clock passed by WithClock, or time.Now
}

var _ skill.Store = (*Store)(nil)

// Option configures a Store when it is opened.
type Option func(*Store)

// WithClock makes the store read the time from now (session ages, when a
// token was revoked) instead of time.Now. Pass the core's Config.Now.
func WithClock(now func() time.Time) Option {
	return func(s *Store) { s.now = now }
}

// Open connects to the database of dsn and brings its schema up to date
// (migrations/). Errors: a malformed DSN, the database cannot be reached,
// or its schema is newer than this program's.
func Open(ctx context.Context, dsn string, opts ...Option) (*Store, error) {
	s := &Store{now: time.Now}
	for _, o := range opts {
		o(s)
	}
	cfg, err := poolConfig(dsn)
	if err != nil {
		return nil, fmt.Errorf("postgres: %w", err)
	}
	p, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("postgres: %w", err)
	}
	if err := migrate(ctx, p, s.now()); err != nil {
		p.Close()
		return nil, fmt.Errorf("postgres: migration: %w", err)
	}
	s.db = p
	return s, nil
}

// poolConfig parses dsn with pgxpool.ParseConfig, and makes the default
// of pool_max_conns max(4, GOMAXPROCS) instead of pgxpool's max(4,
// runtime.NumCPU()): Go's GOMAXPROCS follows a container's CPU limit, so
// that N instances on big hosts do not each open a connection per core of
// the host.
func poolConfig(dsn string) (*pgxpool.Config, error) {
	cfg, err := pgxpool.ParseConfig(dsn)
	if err != nil {
		return nil, err
	}
	// ParseConfig takes the pool_* parameters out of what it returns: ask
	// the DSN itself whether pool_max_conns was set.
	raw, err := pgconn.ParseConfig(dsn)
	if err != nil {
		return nil, err
	}
	if _, set := raw.RuntimeParams["pool_max_conns"]; !set {
		cfg.MaxConns = int32(max(4, runtime.GOMAXPROCS(0)))
	}
	return cfg, nil
}

// Close closes the connections, once the requests using them are done.
func (s *Store) Close() error {
	s.db.Close()
	return nil
}

// Ping checks that the database answers. Errors: Unavailable.
func (s *Store) Ping(ctx context.Context) error {
	if err := s.db.Ping(ctx); err != nil {
		return banks.E("postgres.Ping", banks.Unavailable, err)
	}
	return nil
}

// exec runs one statement on a pooled connection and returns the rows it
// affected.
func (s *Store) exec(ctx context.Context, q string, args ...any) (int64, error) {
	tag, err := s.db.Exec(ctx, q, args...)
	return tag.RowsAffected(), err
}

// queryRow scans the one row of q into dest; pgx.ErrNoRows when there is
// none.
func (s *Store) queryRow(ctx context.Context, q string, args []any, dest ...any) error {
	return s.db.QueryRow(ctx, q, args...).Scan(dest...)
}

// tx runs f in a transaction (see inTx). Errors of f are returned as they
// are, those of the database as Unavailable of op.
func (s *Store) tx(ctx context.Context, op string, f func(tx pgx.Tx) error) error {
	err := inTx(ctx, s.db, f)
	if err != nil && banks.KindOf(err) == banks.Other {
		return banks.E(op, banks.Unavailable, err)
	}
	return err
}

// inTx runs f in a transaction on a connection of db and commits it,
// again from the start (up to three times) when Postgres aborted it for a
// serialization failure or a deadlock. An error of f rolls back and is
// returned as it is.
//
// Each new attempt waits 10-30 ms (twice that the third time) first, so
// that the transaction that won can take the locks it was waiting for and
// commit: one started at once may take its first row again before the
// winner's backend gets the CPU (the lock of an aborted transaction is not
// queued for) and deadlock once more, as the test saw on a loaded machine.
func inTx(ctx context.Context, db *pgxpool.Pool, f func(tx pgx.Tx) error) error {
	var err error
	for attempt := range 3 {
		if attempt > 0 {
			select {
			case <-time.After(time.Duration(attempt) * (10*time.Millisecond + rand.N(20*time.Millisecond))):
			case <-ctx.Done():
				return err
			}
		}
		err = pgx.BeginFunc(ctx, db, f)
		if !retryable(err) {
			return err
		}
	}
	return err
}

// retryable is a serialization failure or a deadlock: the transaction
// did nothing and may run again.
func retryable(err error) bool {
	var pe *pgconn.PgError
	return errors.As(err, &pe) && (pe.Code == "40001" || pe.Code == "40P01")
}

// SaveLink implements skill.Links.
func (s *Store) SaveLink(ctx context.Context, l skill.Link) error {
	n, err := s.exec(ctx, `INSERT INTO links(platform, user_id, bank, customer, token_hash, linked_at, pseudonym)
		SELECT $1::text, $2::text, $3::text, $4::text, $5::bytea, $6::bigint, $7::text
		WHERE NOT EXISTS (SELECT 1 FROM revoked_tokens WHERE token_hash = $5::bytea)
		ON CONFLICT (platform, user_id) DO UPDATE SET
		bank = excluded.bank, customer = excluded.customer, token_hash = excluded.token_hash, linked_at = excluded.linked_at,
		pseudonym = excluded.pseudonym`,
		l.Platform, l.UserID, l.Bank, l.Customer, l.TokenHash, l.LinkedAt.Unix(), l.Pseudonym)
	if err != nil {
		return banks.E("postgres.SaveLink", banks.Unavailable, err)
	}
	if n == 0 {
		return banks.Errorf("postgres.SaveLink", banks.Forbidden, "the token was revoked when the user deleted their data")
	}
	return nil
}

// RevokeToken implements skill.Links.
func (s *Store) RevokeToken(ctx context.Context, tokenHash []byte) error {
	return s.tx(ctx, "postgres.RevokeToken", func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `INSERT INTO revoked_tokens(token_hash, at) VALUES ($1,$2) ON CONFLICT DO NOTHING`,
			tokenHash, s.now().Unix()); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `DELETE FROM links WHERE token_hash = $1`, tokenHash)
		return err
	})
}

// Link implements skill.Links.
func (s *Store) Link(ctx context.Context, platform, userID string) (skill.Link, error) {
	l := skill.Link{Platform: platform, UserID: userID}
	var at int64
	err := s.queryRow(ctx, `SELECT bank, customer, token_hash, linked_at, pseudonym FROM links WHERE platform = $1 AND user_id = $2`,
		[]any{platform, userID}, &l.Bank, &l.Customer, &l.TokenHash, &at, &l.Pseudonym)
	if errors.Is(err, pgx.ErrNoRows) {
		return skill.Link{}, banks.E("postgres.Link", banks.NotLinked, nil)
	}
	if err != nil {
		return skill.Link{}, banks.E("postgres.Link", banks.Unavailable, err)
	}
	l.LinkedAt = time.Unix(at, 0).UTC()
	return l, nil
}

var _ skill.TurnReader = (*Store)(nil)

// ReadTurn implements skill.TurnReader: one round trip to the server for
// a linked user, two for one without a link.
func (s *Store) ReadTurn(ctx context.Context, platform, sessionID, userID string, maxAge time.Duration, before time.Time) ([]byte, skill.Link, bool, bool, error) {
	const op = "postgres.ReadTurn"
	l := skill.Link{Platform: platform, UserID: userID}
	var state []byte
	var at int64
	var pending bool
	err := s.queryRow(ctx, `SELECT bank, customer, token_hash, linked_at, pseudonym,
		pseudonym != '' AND EXISTS (SELECT 1 FROM audit a WHERE a.bank = links.bank AND a.customer = links.pseudonym
			AND a.outcome = 'pending' AND a.at < $3),
		(SELECT state FROM sessions WHERE platform = $1 AND session_id = $4 AND user_id = $2 AND updated_at >= $5)
		FROM links WHERE platform = $1 AND user_id = $2`,
		[]any{platform, userID, before.Unix(), sessionID, s.now().Add(-maxAge).UnixMilli()},
		&l.Bank, &l.Customer, &l.TokenHash, &at, &l.Pseudonym, &pending, &state)
	switch {
	case errors.Is(err, pgx.ErrNoRows):
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
	return s.tx(ctx, "postgres.DeleteUser", func(tx pgx.Tx) error {
		var bank, customer string
		err := tx.QueryRow(ctx, `DELETE FROM links WHERE platform = $1 AND user_id = $2 RETURNING bank, customer`,
			platform, userID).Scan(&bank, &customer)
		if err != nil && !errors.Is(err, pgx.ErrNoRows) {
			return err
		}
		for _, q := range []string{`DELETE FROM sessions WHERE platform = $1 AND user_id = $2`,
			`DELETE FROM requests WHERE platform = $1 AND user_id = $2`,
			`DELETE FROM callbacks WHERE platform = $1 AND user_id = $2`} {
			if _, err := tx.Exec(ctx, q, platform, userID); err != nil {
				return err
			}
		}
		if customer == "" {
			return nil
		}
		// The same customer's links on other assistants go too, with their
		// sessions and answers: the bank access behind them is withdrawn
		// with this deletion, and nothing of them is kept.
		for _, q := range []string{`DELETE FROM sessions s USING links l WHERE l.bank = $1 AND l.customer = $2 AND s.platform = l.platform AND s.user_id = l.user_id`,
			`DELETE FROM requests r USING links l WHERE l.bank = $1 AND l.customer = $2 AND r.platform = l.platform AND r.user_id = l.user_id`,
			`DELETE FROM callbacks c USING links l WHERE l.bank = $1 AND l.customer = $2 AND c.platform = l.platform AND c.user_id = l.user_id`,
			`DELETE FROM links WHERE bank = $1 AND customer = $2`} {
			if _, err := tx.Exec(ctx, q, bank, customer); err != nil {
				return err
			}
		}
		// The PIN hash goes; the guard (pin_guard) stays, so that deleting
		// one's data does not buy more guesses. The audit entries stay
		// under the pseudonym, without names; a pending entry keeps its
		// fingerprint (see skill/sqlite).
		if _, err := tx.Exec(ctx, `DELETE FROM voice_pins WHERE bank = $1 AND customer = $2`, bank, customer); err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `UPDATE audit SET customer = $1, detail = '', actor = '', request = '',
			fingerprint = CASE WHEN outcome = 'pending' THEN fingerprint ELSE '' END
			WHERE bank = $2 AND (customer = $3 OR customer = $1)`, pseudonym, bank, customer)
		return err
	})
}

// SaveSession stores a session's state outside a turn (CommitTurn is the
// core's way). A session id already owned by another user is not taken
// over. Errors: Unavailable.
func (s *Store) SaveSession(ctx context.Context, platform, sessionID, userID string, state []byte) error {
	if _, err := s.exec(ctx, saveSession, platform, sessionID, userID, state, s.now().UnixMilli()); err != nil {
		return banks.E("postgres.SaveSession", banks.Unavailable, err)
	}
	return nil
}

const saveSession = `INSERT INTO sessions(platform, session_id, user_id, state, updated_at)
	VALUES ($1,$2,$3,$4,$5) ON CONFLICT (platform, session_id) DO UPDATE SET state = excluded.state, updated_at = excluded.updated_at
	WHERE sessions.user_id = excluded.user_id`

// Session implements skill.Sessions.
func (s *Store) Session(ctx context.Context, platform, sessionID, userID string, maxAge time.Duration) ([]byte, error) {
	var state []byte
	err := s.queryRow(ctx, `SELECT state FROM sessions WHERE platform = $1 AND session_id = $2 AND user_id = $3 AND updated_at >= $4`,
		[]any{platform, sessionID, userID, s.now().Add(-maxAge).UnixMilli()}, &state)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, banks.E("postgres.Session", banks.Unavailable, err)
	}
	return state, nil
}

// DeleteSession implements skill.Sessions.
func (s *Store) DeleteSession(ctx context.Context, platform, sessionID, userID string) error {
	if _, err := s.exec(ctx, `DELETE FROM sessions WHERE platform = $1 AND session_id = $2 AND user_id = $3`,
		platform, sessionID, userID); err != nil {
		return banks.E("postgres.DeleteSession", banks.Unavailable, err)
	}
	return nil
}

// Counts reports how many links and sessions a platform user has (for
// tests and the privacy report). Errors: Unavailable.
func (s *Store) Counts(ctx context.Context, platform, userID string) (links, sessions int, err error) {
	err = s.queryRow(ctx, `SELECT (SELECT count(*) FROM links WHERE platform = $1 AND user_id = $2),
		(SELECT count(*) FROM sessions WHERE platform = $1 AND user_id = $2)`, []any{platform, userID}, &links, &sessions)
	if err != nil {
		return 0, 0, banks.E("postgres.Counts", banks.Unavailable, err)
	}
	return links, sessions, nil
}

// PIN implements skill.PINs.
func (s *Store) PIN(ctx context.Context, bank, customer string) (skill.PINRecord, error) {
	var r skill.PINRecord
	var locked int64
	err := s.queryRow(ctx, `SELECT p.hash, coalesce(g.failures, 0), coalesce(g.locked_until, 0), coalesce(g.lock_seq, 0) FROM voice_pins p
		LEFT JOIN pin_guard g ON g.bank = p.bank AND g.customer = p.customer WHERE p.bank = $1 AND p.customer = $2`,
		[]any{bank, customer}, &r.Hash, &r.Failures, &locked, &r.LockSeq)
	if errors.Is(err, pgx.ErrNoRows) {
		return r, banks.E("postgres.PIN", banks.NotFound, nil)
	}
	if err != nil {
		return r, banks.E("postgres.PIN", banks.Unavailable, err)
	}
	if locked != 0 {
		r.LockedUntil = time.Unix(locked, 0).UTC()
	}
	return r, nil
}

// SetPIN implements skill.PINs.
func (s *Store) SetPIN(ctx context.Context, bank, customer, hash string, replace bool) error {
	q := `INSERT INTO voice_pins(bank, customer, hash) VALUES ($1,$2,$3) ON CONFLICT (bank, customer) DO NOTHING`
	if replace {
		q = `INSERT INTO voice_pins(bank, customer, hash) VALUES ($1,$2,$3) ON CONFLICT (bank, customer) DO UPDATE SET hash = excluded.hash`
	}
	if _, err := s.exec(ctx, q, bank, customer, hash); err != nil {
		return banks.E("postgres.SetPIN", banks.Unavailable, err)
	}
	return nil
}

// ReservePINAttempt implements skill.PINs. The transaction locks the
// customer's voice_pins row first, so attempts of every instance are
// counted one at a time; the guard is read after the lock is held (at READ
// COMMITTED each statement sees what committed before it began).
func (s *Store) ReservePINAttempt(ctx context.Context, bank, customer string, maxFailures int, lockFor time.Duration, now time.Time) (skill.PINRecord, bool, error) {
	const op = "postgres.ReservePINAttempt"
	var r skill.PINRecord
	var ok bool
	err := s.tx(ctx, op, func(tx pgx.Tx) error {
		r, ok = skill.PINRecord{}, false
		err := tx.QueryRow(ctx, `SELECT hash FROM voice_pins WHERE bank = $1 AND customer = $2 FOR UPDATE`, bank, customer).Scan(&r.Hash)
		if errors.Is(err, pgx.ErrNoRows) {
			return banks.E(op, banks.NotFound, nil)
		}
		if err != nil {
			return err
		}
		var locked int64
		var lockouts int
		err = tx.QueryRow(ctx, `SELECT failures, locked_until, lock_seq, lockouts FROM pin_guard WHERE bank = $1 AND customer = $2`,
			bank, customer).Scan(&r.Failures, &locked, &r.LockSeq, &lockouts)
		if err != nil && !errors.Is(err, pgx.ErrNoRows) {
			return err
		}
		if locked > now.Unix() {
			r.LockedUntil = time.Unix(locked, 0).UTC()
			return nil
		}
		r.Failures++
		locked = 0
		if r.Failures >= maxFailures {
			lockouts++
			locked, r.Failures = now.Add(skill.LockoutFor(lockFor, lockouts)).Unix(), 0
			r.LockedUntil = time.Unix(locked, 0).UTC()
			r.LockSeq++
		}
		if _, err := tx.Exec(ctx, `INSERT INTO pin_guard(bank, customer, failures, locked_until, lock_seq, lockouts) VALUES ($1,$2,$3,$4,$5,$6)
			ON CONFLICT (bank, customer) DO UPDATE SET failures = excluded.failures, locked_until = excluded.locked_until,
			lock_seq = excluded.lock_seq, lockouts = excluded.lockouts`, bank, customer, r.Failures, locked, r.LockSeq, lockouts); err != nil {
			return err
		}
		ok = true
		return nil
	})
	if err != nil {
		return r, false, err
	}
	return r, ok, nil
}

// PINVerified implements skill.PINs.
func (s *Store) PINVerified(ctx context.Context, bank, customer string, lockSeq int64) error {
	if _, err := s.exec(ctx, `UPDATE pin_guard SET failures = 0, lockouts = 0,
		locked_until = CASE WHEN lock_seq = $1 THEN 0 ELSE locked_until END WHERE bank = $2 AND customer = $3`,
		lockSeq, bank, customer); err != nil {
		return banks.E("postgres.PINVerified", banks.Unavailable, err)
	}
	return nil
}

// countsAgainstLimit are the outcomes that use up the daily voice limit.
const countsAgainstLimit = `outcome IN ('done', 'scheduled', 'pending')`

// MovedToday implements skill.Ledger.
func (s *Store) MovedToday(ctx context.Context, bank, customer string, day time.Time) (int64, error) {
	var n int64
	err := s.queryRow(ctx, `SELECT coalesce(sum(amount), 0)::bigint FROM audit WHERE bank = $1 AND customer = $2 AND day = $3 AND `+
		countsAgainstLimit, []any{bank, customer, day.UTC().Format(time.DateOnly)}, &n)
	if err != nil {
		return 0, banks.E("postgres.MovedToday", banks.Unavailable, err)
	}
	return n, nil
}

// ledgerLock is the first key of the advisory lock ReserveOp takes on a
// customer (the second is a hash of bank and customer; a collision only
// makes two customers wait for each other).
const ledgerLock = 0x6c656467 // "ledg"

// ReserveOp implements skill.Ledger. The advisory lock on the customer
// makes the look-up, the day's sum and the insert one step, so parallel
// payments on any instance cannot both fit under the limit.
func (s *Store) ReserveOp(ctx context.Context, a skill.AuditEntry, limit int64) (skill.AuditEntry, error) {
	const op = "postgres.ReserveOp"
	in, out := a, a
	err := s.tx(ctx, op, func(tx pgx.Tx) error {
		out = in
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1, hashtext($2))`, int32(ledgerLock), fmt.Sprintf("%d:%s%s", len(a.Bank), a.Bank, a.Customer)); err != nil {
			return err
		}
		// The same key again (a retried confirmation) or the same action
		// still pending under another key: that entry stands.
		rows, err := tx.Query(ctx, auditColumns+` WHERE op_key = $1 OR (bank = $2 AND customer = $3 AND outcome = 'pending'
			AND fingerprint = $4 AND fingerprint != '') ORDER BY (op_key = $1) DESC NULLS LAST, id LIMIT 1`, a.OpKey, a.Bank, a.Customer, a.Fingerprint)
		if err != nil {
			return err
		}
		found, err := scanAudit(rows)
		if err != nil {
			return err
		}
		if len(found) == 1 {
			out = found[0]
			return nil
		}
		day := a.At.UTC().Format(time.DateOnly)
		if limit > 0 {
			var moved int64
			if err := tx.QueryRow(ctx, `SELECT coalesce(sum(amount), 0)::bigint FROM audit WHERE bank = $1 AND customer = $2 AND day = $3 AND `+
				countsAgainstLimit, a.Bank, a.Customer, day).Scan(&moved); err != nil {
				return err
			}
			if moved+a.Amount > limit {
				return banks.Refuse(op, "daily_limit")
			}
		}
		out.Outcome = "pending"
		_, err = tx.Exec(ctx, `INSERT INTO audit(at, day, actor, bank, customer, channel, action, detail, amount, outcome, op_key,
			currency, fingerprint, request) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,'')`, a.At.Unix(), day, a.Actor, a.Bank,
			a.Customer, a.Channel, a.Action, a.Detail, a.Amount, out.Outcome, a.OpKey, a.Currency, a.Fingerprint)
		return err
	})
	if err != nil {
		return a, err
	}
	return out, nil
}

// FinishOp implements skill.Ledger.
func (s *Store) FinishOp(ctx context.Context, opKey, outcome string) error {
	if _, err := s.exec(ctx, `UPDATE audit SET outcome = $1, request = '' WHERE op_key = $2 AND outcome = 'pending'`, outcome, opKey); err != nil {
		return banks.E("postgres.FinishOp", banks.Unavailable, err)
	}
	return nil
}

// AwaitApproval implements skill.Ledger.
func (s *Store) AwaitApproval(ctx context.Context, opKey, request string) error {
	if _, err := s.exec(ctx, `UPDATE audit SET request = $1 WHERE op_key = $2 AND outcome = 'pending'`, request, opKey); err != nil {
		return banks.E("postgres.AwaitApproval", banks.Unavailable, err)
	}
	return nil
}

// PendingOps implements skill.Ledger.
func (s *Store) PendingOps(ctx context.Context, bank, customer string, before time.Time) ([]skill.AuditEntry, error) {
	rows, err := s.db.Query(ctx, auditColumns+` WHERE bank = $1 AND customer = $2 AND outcome = 'pending' AND at < $3 ORDER BY id`,
		bank, customer, before.Unix())
	var out []skill.AuditEntry
	if err == nil {
		out, err = scanAudit(rows)
	}
	if err != nil {
		return nil, banks.E("postgres.PendingOps", banks.Unavailable, err)
	}
	return out, nil
}

// ClaimRequest implements skill.Replays. A claim racing this one for the
// same id makes the INSERT wait until it commits and then take the
// conflict path; a stale, unanswered claim of the same user is taken over
// by the conditional update.
func (s *Store) ClaimRequest(ctx context.Context, platform, requestID, userID string, now time.Time, staleAfter time.Duration) (bool, []byte, error) {
	const op = "postgres.ClaimRequest"
	for range 3 {
		n, err := s.exec(ctx, `INSERT INTO requests(platform, request_id, user_id, created_at) VALUES ($1,$2,$3,$4)
			ON CONFLICT (platform, request_id) DO UPDATE SET created_at = excluded.created_at
			WHERE requests.response IS NULL AND requests.user_id = excluded.user_id AND requests.created_at < $5`,
			platform, requestID, userID, now.Unix(), now.Add(-staleAfter).Unix())
		if err != nil {
			return false, nil, banks.E(op, banks.Unavailable, err)
		}
		if n == 1 {
			return true, nil, nil
		}
		var stored []byte
		var owner string
		err = s.queryRow(ctx, `SELECT response, user_id FROM requests WHERE platform = $1 AND request_id = $2`,
			[]any{platform, requestID}, &stored, &owner)
		if errors.Is(err, pgx.ErrNoRows) {
			continue // released (or purged) in between: claim again
		}
		if err != nil {
			return false, nil, banks.E(op, banks.Unavailable, err)
		}
		if owner != userID {
			return false, nil, banks.E(op, banks.Forbidden, errors.New("request id of another user"))
		}
		return false, stored, nil
	}
	return false, nil, banks.Errorf(op, banks.Unavailable, "request id %q released while claimed, three times", requestID)
}

// CommitTurn implements skill.TurnCommitter.
func (s *Store) CommitTurn(ctx context.Context, t skill.Turn) error {
	return s.tx(ctx, "postgres.CommitTurn", func(tx pgx.Tx) error {
		if t.Linked {
			// FOR SHARE: an Unlink deleting the link waits for this
			// transaction, and then deletes what it wrote.
			var n int
			err := tx.QueryRow(ctx, `SELECT 1 FROM links WHERE platform = $1 AND user_id = $2 FOR SHARE`, t.Platform, t.UserID).Scan(&n)
			switch {
			case errors.Is(err, pgx.ErrNoRows):
				t.State, t.Release = nil, true // unlinked while the turn ran: only its audit entries stay
			case err != nil:
				return err
			}
		}
		if t.State != nil && t.SessionID != "" {
			if _, err := tx.Exec(ctx, saveSession, t.Platform, t.SessionID, t.UserID, t.State, s.now().UnixMilli()); err != nil {
				return err
			}
		}
		for _, a := range t.Audit {
			var key any
			if a.OpKey != "" {
				key = a.OpKey
			}
			if _, err := tx.Exec(ctx, `INSERT INTO audit(at, day, actor, bank, customer, channel, action, detail, amount, outcome, op_key,
				currency, fingerprint) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13) ON CONFLICT DO NOTHING`, a.At.Unix(),
				a.At.UTC().Format(time.DateOnly), a.Actor, a.Bank, a.Customer, a.Channel, a.Action, a.Detail, a.Amount, a.Outcome, key,
				a.Currency, a.Fingerprint); err != nil {
				return err
			}
		}
		if t.RequestID == "" {
			return nil
		}
		q, args := `UPDATE requests SET response = $1 WHERE platform = $2 AND request_id = $3`, []any{t.Response, t.Platform, t.RequestID}
		if t.Release {
			q, args = `DELETE FROM requests WHERE platform = $1 AND request_id = $2`, []any{t.Platform, t.RequestID}
		}
		_, err := tx.Exec(ctx, q, args...)
		return err
	})
}

// AddCallback implements skill.Callbacks.
func (s *Store) AddCallback(ctx context.Context, c skill.Callback) error {
	if _, err := s.exec(ctx, `INSERT INTO callbacks(platform, user_id, bank, customer, topic, at) VALUES ($1,$2,$3,$4,$5,$6)`,
		c.Platform, c.UserID, c.Bank, c.Customer, c.Topic, c.At.Unix()); err != nil {
		return banks.E("postgres.AddCallback", banks.Unavailable, err)
	}
	return nil
}

const auditColumns = `SELECT at, actor, bank, customer, channel, action, detail, amount, outcome, coalesce(op_key, ''),
	currency, fingerprint, request FROM audit`

func scanAudit(rows pgx.Rows) ([]skill.AuditEntry, error) {
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
	rows, err := s.db.Query(ctx, auditColumns+` WHERE bank = $1 AND customer = $2 ORDER BY id`, bank, customer)
	var out []skill.AuditEntry
	if err == nil {
		out, err = scanAudit(rows)
	}
	if err != nil {
		return nil, banks.E("postgres.AuditLog", banks.Unavailable, err)
	}
	return out, nil
}

// CallbackCount counts a platform user's callback requests (for tests;
// it makes the store a storetest.CallbackCounter). Errors: Unavailable.
func (s *Store) CallbackCount(ctx context.Context, platform, userID string) (int, error) {
	var n int
	if err := s.queryRow(ctx, `SELECT count(*) FROM callbacks WHERE platform = $1 AND user_id = $2`, []any{platform, userID}, &n); err != nil {
		return 0, banks.E("postgres.CallbackCount", banks.Unavailable, err)
	}
	return n, nil
}

// Purge implements skill.Purger.
func (s *Store) Purge(ctx context.Context, before time.Time) error {
	if _, err := s.exec(ctx, `DELETE FROM requests WHERE created_at < $1`, before.Unix()); err != nil {
		return banks.E("postgres.Purge", banks.Unavailable, err)
	}
	if _, err := s.exec(ctx, `DELETE FROM sessions WHERE updated_at < $1`, before.UnixMilli()); err != nil {
		return banks.E("postgres.Purge", banks.Unavailable, err)
	}
	return nil
}
