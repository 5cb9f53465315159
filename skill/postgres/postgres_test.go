package postgres

import (
	"context"
	"testing"
	"time"

	"github.com/kontoskill/konto/skill"
	"github.com/kontoskill/konto/skill/linking"
	"github.com/kontoskill/konto/skill/linking/linkingtest"
	"github.com/kontoskill/konto/skill/postgres/pgtest"
	"github.com/kontoskill/konto/skill/storetest"
)

var _ storetest.CallbackCounter = (*Store)(nil)

// open opens a store in a new schema of srv, closed when t ends.
func open(t *testing.T, srv *pgtest.Server, opts ...Option) *Store {
	t.Helper()
	s, err := Open(context.Background(), srv.NewSchema(t), opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// TestPostgres runs everything that needs a server on one.
func TestPostgres(t *testing.T) {
	srv := pgtest.Start(t)
	t.Run("migrations", func(t *testing.T) { testConcurrentOpens(t, srv) })
	t.Run("pool", func(t *testing.T) { testPoolBound(t, srv) })
	t.Run("reconnect", func(t *testing.T) { testPoolReconnects(t, srv) })
	t.Run("store", func(t *testing.T) {
		storetest.Run(t, func(t *testing.T, now func() time.Time) skill.Store { return open(t, srv, WithClock(now)) })
	})
	t.Run("linking", func(t *testing.T) {
		linkingtest.Run(t, func(t *testing.T) linking.Store { return open(t, srv) })
	})
}
