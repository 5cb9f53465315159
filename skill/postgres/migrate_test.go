package postgres

import (
	"context"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/kontoskill/konto/banks"
	"github.com/kontoskill/konto/skill"
	"github.com/kontoskill/konto/skill/postgres/pgtest"
)

// versions are the rows of schema_migrations.
func versions(t *testing.T, s *Store) []int {
	t.Helper()
	var out []int
	err := s.db.with(context.Background(), func(c *pgx.Conn) error {
		rows, err := c.Query(context.Background(), `SELECT version FROM schema_migrations ORDER BY version`)
		if err != nil {
			return err
		}
		out, err = pgx.CollectRows(rows, pgx.RowTo[int])
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func allVersions(t *testing.T) []int {
	t.Helper()
	steps, err := migrations()
	if err != nil {
		t.Fatal(err)
	}
	var out []int
	for _, m := range steps {
		out = append(out, m.version)
	}
	return out
}

// Instances starting together on a new database take turns: every step
// runs once, and every Open succeeds.
func testConcurrentOpens(t *testing.T, srv *pgtest.Server) {
	dsn := srv.NewDatabase(t)
	ctx := context.Background()
	stores := make([]*Store, 6)
	errs := make([]error, len(stores))
	var wg sync.WaitGroup
	for i := range stores {
		wg.Add(1)
		go func() {
			defer wg.Done()
			stores[i], errs[i] = Open(ctx, dsn)
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("Open %d: %v", i, err)
		}
		defer stores[i].Close()
	}
	if got, want := versions(t, stores[0]), allVersions(t); !slices.Equal(got, want) {
		t.Fatalf("versions %v, want %v", got, want)
	}
	// What one instance writes, another reads.
	if err := stores[1].SaveLink(ctx, skill.Link{Platform: "alexa", UserID: "u1", Bank: "sandbox", Customer: "alice", TokenHash: []byte{1}}); err != nil {
		t.Fatal(err)
	}
	if l, err := stores[4].Link(ctx, "alexa", "u1"); err != nil || l.Customer != "alice" {
		t.Fatalf("link %+v, %v", l, err)
	}

	// Opening again changes nothing; a schema newer than the program's
	// is refused.
	s, err := Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := versions(t, s), allVersions(t); !slices.Equal(got, want) {
		t.Fatalf("versions after reopening %v, want %v", got, want)
	}
	if _, err := s.exec(ctx, `INSERT INTO schema_migrations VALUES (99, 0)`); err != nil {
		t.Fatal(err)
	}
	s.Close()
	if s, err := Open(ctx, dsn); err == nil || !strings.Contains(err.Error(), "newer") {
		if s != nil {
			s.Close()
		}
		t.Fatalf("a database of a newer schema was opened: %v", err)
	}
}

func TestPoolSettings(t *testing.T) {
	for _, c := range []struct {
		dsn      string
		wantMax  int
		wantFail bool
	}{
		{"postgres://u@localhost/db", 4, false},
		{"postgres://u@localhost/db?pool_max_conns=25&pool_max_conn_idle_time=5m&pool_max_conn_lifetime=2h", 25, false},
		{"host=localhost dbname=db pool_max_conns=7", 7, false},
		{"postgres://u@localhost/db?pool_max_conns=0", 0, true},
		{"postgres://u@localhost/db?pool_max_conn_lifetime=soon", 0, true},
		{"postgres://u@localhost/db?pool_min_conns=2", 0, true},
	} {
		t.Run(c.dsn, func(t *testing.T) {
			p, err := newPool(c.dsn, 4)
			if c.wantFail {
				if err == nil {
					t.Fatal("accepted")
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := cap(p.slots); got != c.wantMax {
				t.Fatalf("max conns %d, want %d", got, c.wantMax)
			}
			for k := range p.cfg.RuntimeParams {
				if strings.HasPrefix(k, "pool_") {
					t.Fatalf("%s would be sent to the server", k)
				}
			}
		})
	}
}

// A pool never holds more connections than pool_max_conns: the server
// counts them while more goroutines than that use the store.
func testPoolBound(t *testing.T, srv *pgtest.Server) {
	ctx := context.Background()
	s, err := Open(ctx, srv.NewDatabase(t)+"&pool_max_conns=2&application_name=bounded")
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	var wg sync.WaitGroup
	seen := make([]int, 16)
	for i := range seen {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_ = s.queryRow(ctx, `SELECT count(*) FROM pg_stat_activity, pg_sleep(0.05) WHERE application_name = 'bounded'`, nil, &seen[i])
		}()
	}
	wg.Wait()
	if m := slices.Max(seen); m < 1 || m > 2 {
		t.Fatalf("the server saw up to %d connections of a pool of 2", m)
	}
}

// A connection the server ended while it was idle is replaced, not
// handed to a request.
func testPoolReconnects(t *testing.T, srv *pgtest.Server) {
	ctx := context.Background()
	s, err := Open(ctx, srv.NewDatabase(t)+"&application_name=reconnect")
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, err := s.Link(ctx, "alexa", "nobody"); banks.KindOf(err) != banks.NotLinked {
		t.Fatal(err)
	}
	admin, err := pgx.Connect(ctx, srv.DSN("postgres"))
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close(ctx)
	var ended int
	if err := admin.QueryRow(ctx, `SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE application_name = 'reconnect'`).
		Scan(&ended); err != nil || ended == 0 {
		t.Fatalf("ended %d connections, %v", ended, err)
	}
	time.Sleep(1100 * time.Millisecond)
	if _, err := s.Link(ctx, "alexa", "nobody"); banks.KindOf(err) != banks.NotLinked {
		t.Fatalf("after the server ended the connection: %v", err)
	}
}
