package sqlite

import (
	"context"
	"database/sql"

	"github.com/kontoskill/konto/banks/sqlprep"
)

// preparedDB is the store's database: sqlprep's, with transactions that
// use its prepared statements too.
type preparedDB struct{ *sqlprep.DB }

func newPreparedDB(db *sql.DB) *preparedDB { return &preparedDB{sqlprep.New(db)} }

// BeginTx begins a transaction whose queries use the prepared statements.
func (d *preparedDB) BeginTx(ctx context.Context, opts *sql.TxOptions) (*preparedTx, error) {
	tx, err := d.DB.BeginTx(ctx, opts)
	if err != nil {
		return nil, err
	}
	return &preparedTx{Tx: tx, db: d}, nil
}

// preparedTx is a *sql.Tx running the prepared statements of its
// preparedDB on the transaction's connection.
type preparedTx struct {
	*sql.Tx
	db *preparedDB
}

func (t *preparedTx) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	if st := t.db.Stmt(ctx, query); st != nil {
		return t.Tx.StmtContext(ctx, st).QueryRowContext(ctx, args...)
	}
	return t.Tx.QueryRowContext(ctx, query, args...)
}

func (t *preparedTx) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	if st := t.db.Stmt(ctx, query); st != nil {
		return t.Tx.StmtContext(ctx, st).QueryContext(ctx, args...)
	}
	return t.Tx.QueryContext(ctx, query, args...)
}

func (t *preparedTx) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	if st := t.db.Stmt(ctx, query); st != nil {
		return t.Tx.StmtContext(ctx, st).ExecContext(ctx, args...)
	}
	return t.Tx.ExecContext(ctx, query, args...)
}
