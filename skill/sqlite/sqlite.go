// Package sqlite implements skill.Store on an embedded SQLite database
// (modernc.org/sqlite, no cgo). The SQL is kept to what Postgres also
// speaks, so that a Postgres store for several instances is a sibling
// package with the same schema.
package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"time"

	_ "modernc.org/sqlite" // the database/sql driver "sqlite"

	"github.com/kontoskill/konto/banks"
	"github.com/kontoskill/konto/skill"
)

// Store is the SQLite skill.Store.
type Store struct {
	db  *sql.DB
	now func() time.Time
}

var _ skill.Store = (*Store)(nil)

const schema = `
CREATE TABLE IF NOT EXISTS links (
	platform TEXT NOT NULL, user_id TEXT NOT NULL, bank TEXT NOT NULL, customer TEXT NOT NULL,
	token_hash BLOB NOT NULL, linked_at INTEGER NOT NULL, PRIMARY KEY (platform, user_id));
CREATE TABLE IF NOT EXISTS sessions (
	platform TEXT NOT NULL, session_id TEXT NOT NULL, user_id TEXT NOT NULL, state BLOB NOT NULL,
	updated_at INTEGER NOT NULL, PRIMARY KEY (platform, session_id));
CREATE INDEX IF NOT EXISTS sessions_user ON sessions(platform, user_id);
`

// Open opens (creating if needed) the store in the SQLite file at path.
func Open(path string) (*Store, error) {
	q := url.Values{}
	q.Add("_pragma", "foreign_keys(1)")
	q.Add("_pragma", "journal_mode(WAL)")
	q.Add("_pragma", "busy_timeout(5000)")
	q.Add("_pragma", "synchronous(NORMAL)")
	db, err := sql.Open("sqlite", "file:"+path+"?"+q.Encode())
	if err != nil {
		return nil, fmt.Errorf("sqlite: open: %w", err)
	}
	if _, err := db.Exec(schema); err != nil {
		db.Close()
		return nil, fmt.Errorf("sqlite: schema: %w", err)
	}
	return &Store{db: db, now: time.Now}, nil
}

// Close closes the database.
func (s *Store) Close() error { return s.db.Close() }

// SaveLink implements skill.Store.
func (s *Store) SaveLink(ctx context.Context, l skill.Link) error {
	_, err := s.db.ExecContext(ctx, `INSERT INTO links(platform, user_id, bank, customer, token_hash, linked_at)
		VALUES (?,?,?,?,?,?) ON CONFLICT (platform, user_id) DO UPDATE SET
		bank = excluded.bank, customer = excluded.customer, token_hash = excluded.token_hash, linked_at = excluded.linked_at`,
		l.Platform, l.UserID, l.Bank, l.Customer, l.TokenHash, l.LinkedAt.Unix())
	if err != nil {
		return banks.E("sqlite.SaveLink", banks.Unavailable, err)
	}
	return nil
}

// Link implements skill.Store. Errors: NotLinked, Unavailable.
func (s *Store) Link(ctx context.Context, platform, userID string) (skill.Link, error) {
	l := skill.Link{Platform: platform, UserID: userID}
	var at int64
	err := s.db.QueryRowContext(ctx, `SELECT bank, customer, token_hash, linked_at FROM links WHERE platform = ? AND user_id = ?`,
		platform, userID).Scan(&l.Bank, &l.Customer, &l.TokenHash, &at)
	if errors.Is(err, sql.ErrNoRows) {
		return skill.Link{}, banks.E("sqlite.Link", banks.NotLinked, nil)
	}
	if err != nil {
		return skill.Link{}, banks.E("sqlite.Link", banks.Unavailable, err)
	}
	l.LinkedAt = time.Unix(at, 0).UTC()
	return l, nil
}

// DeleteUser implements skill.Store: the link and every session go in one
// transaction, so nothing is left half-deleted.
func (s *Store) DeleteUser(ctx context.Context, platform, userID string) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return banks.E("sqlite.DeleteUser", banks.Unavailable, err)
	}
	defer tx.Rollback()
	for _, q := range []string{`DELETE FROM links WHERE platform = ? AND user_id = ?`,
		`DELETE FROM sessions WHERE platform = ? AND user_id = ?`} {
		if _, err := tx.ExecContext(ctx, q, platform, userID); err != nil {
			return banks.E("sqlite.DeleteUser", banks.Unavailable, err)
		}
	}
	if err := tx.Commit(); err != nil {
		return banks.E("sqlite.DeleteUser", banks.Unavailable, err)
	}
	return nil
}

// SaveSession implements skill.Store. A session id already owned by
// another user is not taken over.
func (s *Store) SaveSession(ctx context.Context, platform, sessionID, userID string, state []byte) error {
	_, err := s.db.ExecContext(ctx, `INSERT INTO sessions(platform, session_id, user_id, state, updated_at)
		VALUES (?,?,?,?,?) ON CONFLICT (platform, session_id) DO UPDATE SET state = excluded.state, updated_at = excluded.updated_at
		WHERE sessions.user_id = excluded.user_id`, platform, sessionID, userID, state, s.now().UnixMilli())
	if err != nil {
		return banks.E("sqlite.SaveSession", banks.Unavailable, err)
	}
	return nil
}

// Session implements skill.Store.
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

// DeleteSession implements skill.Store.
func (s *Store) DeleteSession(ctx context.Context, platform, sessionID string) error {
	if _, err := s.db.ExecContext(ctx, `DELETE FROM sessions WHERE platform = ? AND session_id = ?`, platform, sessionID); err != nil {
		return banks.E("sqlite.DeleteSession", banks.Unavailable, err)
	}
	return nil
}

// Counts reports how many links and sessions a platform user has (for
// tests and the privacy report).
func (s *Store) Counts(ctx context.Context, platform, userID string) (links, sessions int, err error) {
	err = s.db.QueryRowContext(ctx, `SELECT (SELECT count(*) FROM links WHERE platform = ? AND user_id = ?),
		(SELECT count(*) FROM sessions WHERE platform = ? AND user_id = ?)`, platform, userID, platform, userID).Scan(&links, &sessions)
	return
}
