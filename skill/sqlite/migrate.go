package sqlite

import (
	"context"
	"database/sql"
	"embed"
	"fmt"
	"io/fs"
	"path"
	"strconv"
	"strings"
	"time"
)

// migrationFiles are the schema's history, one numbered file a step
// (0001_initial.sql, 0002_....sql, ...). A step, once released, is never
// edited: a change is a new file.
//
//go:embed migrations/*.sql
var migrationFiles embed.FS

type migration struct {
	version int
	name    string
	sql     string
}

// migrations reads the embedded steps in order; their numbers must run
// 1, 2, 3, ... without gaps.
func migrations() ([]migration, error) {
	entries, err := fs.ReadDir(migrationFiles, "migrations")
	if err != nil {
		return nil, err
	}
	var out []migration
	for _, e := range entries { // ReadDir sorts by name
		num, _, ok := strings.Cut(e.Name(), "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil || path.Ext(e.Name()) != ".sql" {
			return nil, fmt.Errorf("migration %s: want NNNN_name.sql", e.Name())
		}
		if v != len(out)+1 {
			return nil, fmt.Errorf("migration %s: want version %d", e.Name(), len(out)+1)
		}
		b, err := migrationFiles.ReadFile("migrations/" + e.Name())
		if err != nil {
			return nil, err
		}
		out = append(out, migration{version: v, name: e.Name(), sql: string(b)})
	}
	return out, nil
}

// legacy recognises, in a database made before schema_migrations existed
// (by CREATE TABLE IF NOT EXISTS and checks at every open), the steps it
// already has. Each step is judged on its own: a step found is recorded
// without running, the others run in order. also is what the old code did
// at every open beside the step, run when the step is found. The checks
// read SQLite's catalogue (sqlite_master, pragma_table_info): SQLite-only,
// as are such databases.
// legacyTables are the tables of step 1: a database with any of them and
// without schema_migrations was made before numbered migrations.
const legacyTables = `('links', 'sessions', 'voice_pins', 'audit', 'requests', 'callbacks', 'pin_guard', 'revoked_tokens')`

var legacy = map[int]struct {
	present func(ctx context.Context, tx *sql.Tx) (bool, error)
	also    string
}{
	1: {present: func(ctx context.Context, tx *sql.Tx) (bool, error) {
		var n int
		err := tx.QueryRowContext(ctx, `SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name IN `+legacyTables).Scan(&n)
		return n == 8, err
	}},
	2: {present: func(ctx context.Context, tx *sql.Tx) (bool, error) {
		var n int
		err := tx.QueryRowContext(ctx, `SELECT count(*) FROM pragma_table_info('audit') WHERE name IN ('fingerprint', 'currency')`).Scan(&n)
		return n == 2, err
	}, also: `CREATE INDEX IF NOT EXISTS audit_pending ON audit(bank, customer, outcome, fingerprint)`},
	// The old check copied the guard when pin_guard was empty and
	// voice_pins was not; it copies every row, so a pin_guard with rows,
	// or no PINs at all, means it ran or had nothing to do.
	3: {present: func(ctx context.Context, tx *sql.Tx) (bool, error) {
		var n int
		err := tx.QueryRowContext(ctx, `SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'pin_guard'`).Scan(&n)
		if err != nil || n == 0 {
			return false, err
		}
		var needed bool
		err = tx.QueryRowContext(ctx, `SELECT NOT EXISTS (SELECT 1 FROM pin_guard) AND EXISTS (SELECT 1 FROM voice_pins)`).Scan(&needed)
		return !needed, err
	}},
}

// migrate brings the database to the newest schema. Each step runs in its
// own transaction together with its row in schema_migrations, so a crash
// leaves the database at a whole step. Transactions begin immediate (the
// DSN's _txlock), so two processes opening one file take turns, and each
// checks again, inside its transaction, what the other did.
func migrate(ctx context.Context, db *sql.DB, now time.Time) error {
	steps, err := migrations()
	if err != nil {
		return err
	}
	if err := baseline(ctx, db, steps, now); err != nil {
		return err
	}
	for _, m := range steps {
		if err := apply(ctx, db, m, now); err != nil {
			return fmt.Errorf("%s: %w", m.name, err)
		}
	}
	return nil
}

// baseline creates schema_migrations and, in a database made before it
// existed, records the steps the database already has.
func baseline(ctx context.Context, db *sql.DB, steps []migration, now time.Time) error {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	var tables int
	if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'`).Scan(&tables); err != nil {
		return err
	}
	if tables == 1 {
		var newest int
		if err := tx.QueryRowContext(ctx, `SELECT coalesce(max(version), 0) FROM schema_migrations`).Scan(&newest); err != nil {
			return err
		}
		if newest > len(steps) {
			return fmt.Errorf("the database is at schema version %d, newer than this program's %d", newest, len(steps))
		}
		return nil
	}
	if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name IN `+legacyTables).Scan(&tables); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL)`); err != nil {
		return err
	}
	if tables > 0 {
		for _, m := range steps {
			l, ok := legacy[m.version]
			if !ok {
				continue
			}
			found, err := l.present(ctx, tx)
			if err != nil {
				return fmt.Errorf("%s: %w", m.name, err)
			}
			if !found {
				continue
			}
			if l.also != "" {
				if _, err := tx.ExecContext(ctx, l.also); err != nil {
					return fmt.Errorf("%s: %w", m.name, err)
				}
			}
			if _, err := tx.ExecContext(ctx, `INSERT INTO schema_migrations(version, applied_at) VALUES (?, ?)`, m.version, now.Unix()); err != nil {
				return err
			}
		}
	}
	return tx.Commit()
}

// apply runs one step unless it is recorded already.
func apply(ctx context.Context, db *sql.DB, m migration, now time.Time) error {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	var done int
	if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM schema_migrations WHERE version = ?`, m.version).Scan(&done); err != nil {
		return err
	}
	if done == 1 {
		return nil
	}
	if _, err := tx.ExecContext(ctx, m.sql); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO schema_migrations(version, applied_at) VALUES (?, ?)`, m.version, now.Unix()); err != nil {
		return err
	}
	return tx.Commit()
}
