package postgres

import (
	"context"
	"embed"
	"fmt"
	"io/fs"
	"path"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// migrationFiles are the schema's history, one numbered file a step, as
// in skill/sqlite (the steps differ: Postgres has no databases made before
// migrations). A step, once released, is never edited: a change is a new
// file.
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

// migrationLock is the first key of the advisory lock that instances
// starting together take in turn while they migrate (an arbitrary number:
// "migr" in ASCII); the second is a hash of the schema they migrate, so
// that stores in other schemas of the database need not wait.
const migrationLock = 0x6d696772

const lockMigrations = `SELECT pg_advisory_xact_lock($1, hashtext(current_schema()))`

// migrate brings the database to the newest schema. Each step runs in its
// own transaction together with its row in schema_migrations, so a crash
// leaves the database at a whole step (DDL is transactional in Postgres).
// Every transaction first takes the advisory lock migrationLock, so
// instances starting together take turns, and each checks again, holding
// it, what the others did.
func migrate(ctx context.Context, p *pgxpool.Pool, now time.Time) error {
	steps, err := migrations()
	if err != nil {
		return err
	}
	err = inTx(ctx, p, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, lockMigrations, int32(migrationLock)); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at BIGINT NOT NULL)`); err != nil {
			return err
		}
		var newest int
		if err := tx.QueryRow(ctx, `SELECT coalesce(max(version), 0) FROM schema_migrations`).Scan(&newest); err != nil {
			return err
		}
		if newest > len(steps) {
			return fmt.Errorf("the database is at schema version %d, newer than this program's %d", newest, len(steps))
		}
		return nil
	})
	if err != nil {
		return err
	}
	for _, m := range steps {
		if err := apply(ctx, p, m, now); err != nil {
			return fmt.Errorf("%s: %w", m.name, err)
		}
	}
	return nil
}

// apply runs one step unless it is recorded already.
func apply(ctx context.Context, p *pgxpool.Pool, m migration, now time.Time) error {
	return inTx(ctx, p, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, lockMigrations, int32(migrationLock)); err != nil {
			return err
		}
		var done bool
		if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM schema_migrations WHERE version = $1)`, m.version).Scan(&done); err != nil {
			return err
		}
		if done {
			return nil
		}
		// A step is several statements: the simple protocol runs them as one.
		if _, err := tx.Conn().PgConn().Exec(ctx, m.sql).ReadAll(); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `INSERT INTO schema_migrations(version, applied_at) VALUES ($1, $2)`, m.version, now.Unix())
		return err
	})
}
