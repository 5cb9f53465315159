// Package sqlprep is a *sql.DB that runs every constant query as a
// statement prepared once, for the SQLite databases of the sandbox bank
// (banks/sandbox) and of Konto's own store (skill/sqlite).
package sqlprep

import (
	"context"
	"database/sql"
	"sync"
	"sync/atomic"
	"time"
)

// DB is a *sql.DB that prepares each query text once and runs it
// as a prepared statement from then on: parsing the SQL again on every
// query was a fifth of a GetBalance turn. database/sql prepares a
// *sql.Stmt on each pooled connection the first time it runs there, and
// SQLite prepares a statement again by itself after a schema change, so
// a cached statement stays right. A transaction can use the same
// statements through Tx.StmtContext (see skill/sqlite).
type DB struct {
	*sql.DB
	stmts sync.Map // query text → *sql.Stmt
	n     atomic.Int32
}

// maxPrepared bounds the cache: the queries are constants or a few
// combinations of constants, so more than this means a query built from
// data, which runs unprepared.
const maxPrepared = 256

// New also sets the pool: database/sql keeps only two idle
// connections by default, so under concurrent requests it closed and
// opened SQLite connections all the time, each opening reading the
// schema and each new connection preparing every statement again. Idle
// connections are kept (up to maxIdle) and closed after a while unused;
// the number of open connections stays unbounded, so that a transaction
// never waits for a connection another one holds.
func New(db *sql.DB) *DB {
	db.SetMaxIdleConns(maxIdle)
	db.SetConnMaxIdleTime(2 * time.Minute)
	return &DB{DB: db}
}

// maxIdle is how many idle connections the pool keeps: about as many as
// requests run at once under load.
const maxIdle = 64

// Stmt returns the prepared statement of query, preparing it on first
// use; nil if it cannot be prepared (the query itself then reports why).
func (d *DB) Stmt(ctx context.Context, query string) *sql.Stmt {
	if v, ok := d.stmts.Load(query); ok {
		return v.(*sql.Stmt)
	}
	if d.n.Load() >= maxPrepared {
		return nil
	}
	st, err := d.DB.PrepareContext(ctx, query)
	if err != nil {
		return nil
	}
	if v, loaded := d.stmts.LoadOrStore(query, st); loaded {
		st.Close()
		return v.(*sql.Stmt)
	}
	d.n.Add(1)
	return st
}

// ReadContext is the context a read outside a transaction runs under: a
// context that has ended still fails the read before it starts, but a
// read under way is not watched for the end of its context. Watching cost
// two goroutines a query (database/sql's and the driver's), a sixth of a
// GetBalance turn's CPU, for reads that never wait in WAL mode (readers
// do not block on writers) and take microseconds; the turn is answered at
// its deadline all the same (skill's timeout leaves a slow handler
// behind). Writes and transactions keep their context.
func ReadContext(ctx context.Context) context.Context {
	if ctx.Err() != nil {
		return ctx
	}
	return context.WithoutCancel(ctx)
}

func (d *DB) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	if st := d.Stmt(ctx, query); st != nil {
		return st.QueryRowContext(ReadContext(ctx), args...)
	}
	return d.DB.QueryRowContext(ctx, query, args...)
}

func (d *DB) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	if st := d.Stmt(ctx, query); st != nil {
		return st.QueryContext(ReadContext(ctx), args...)
	}
	return d.DB.QueryContext(ctx, query, args...)
}

func (d *DB) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	if st := d.Stmt(ctx, query); st != nil {
		return st.ExecContext(ctx, args...)
	}
	return d.DB.ExecContext(ctx, query, args...)
}

// Close closes the statements and the database.
func (d *DB) Close() error {
	d.stmts.Range(func(_, v any) bool {
		v.(*sql.Stmt).Close()
		return true
	})
	return d.DB.Close()
}

// Prepared counts the statements prepared so far (the cache's entries).
func (d *DB) Prepared() int {
	n := 0
	d.stmts.Range(func(_, _ any) bool { n++; return true })
	return n
}

// Counted is the cache's own count of its entries, which Prepared must
// equal.
func (d *DB) Counted() int { return int(d.n.Load()) }
