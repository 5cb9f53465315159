package postgres

import (
	"context"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/kontoskill/konto/banks"
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
	t.Run("deadlock", func(t *testing.T) { testTxRetry(t, srv) })
	t.Run("store", func(t *testing.T) {
		storetest.Run(t, func(t *testing.T, now func() time.Time) skill.Store { return open(t, srv, WithClock(now)) })
	})
	t.Run("linking", func(t *testing.T) {
		linkingtest.Run(t, func(t *testing.T) linking.Store { return open(t, srv) })
	})
	t.Run("grant banks", func(t *testing.T) { testGrantBanks(t, srv) })
}

// The pool_* parameters of the DSN are pgxpool's, with the default of
// pool_max_conns following GOMAXPROCS (set here above the CPU count, where
// pgxpool's own default would differ); none is sent to the server, other
// settings (search_path) are.
func TestPoolConfig(t *testing.T) {
	procs := runtime.GOMAXPROCS(runtime.NumCPU() + 4)
	defer runtime.GOMAXPROCS(procs)
	for _, c := range []struct {
		dsn      string
		wantMax  int32
		wantIdle time.Duration
		wantLife time.Duration
		wantFail bool
	}{
		{dsn: "postgres://u@localhost/db", wantMax: int32(runtime.NumCPU() + 4), wantIdle: 30 * time.Minute, wantLife: time.Hour},
		{dsn: "postgres://u@localhost/db?pool_max_conns=2&search_path=s1", wantMax: 2, wantIdle: 30 * time.Minute, wantLife: time.Hour},
		{dsn: "postgres://u@localhost/db?pool_max_conns=25&pool_max_conn_idle_time=5m&pool_max_conn_lifetime=2h&pool_health_check_period=10s",
			wantMax: 25, wantIdle: 5 * time.Minute, wantLife: 2 * time.Hour},
		{dsn: "host=localhost dbname=db pool_max_conns=7", wantMax: 7, wantIdle: 30 * time.Minute, wantLife: time.Hour},
		{dsn: "postgres://u@localhost/db?pool_max_conns=0", wantFail: true},
		{dsn: "postgres://u@localhost/db?pool_max_conn_lifetime=soon", wantFail: true},
	} {
		t.Run(c.dsn, func(t *testing.T) {
			cfg, err := poolConfig(c.dsn)
			if c.wantFail {
				if err == nil {
					t.Fatal("accepted")
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if cfg.MaxConns != c.wantMax || cfg.MaxConnIdleTime != c.wantIdle || cfg.MaxConnLifetime != c.wantLife {
				t.Fatalf("max conns %d, idle %v, lifetime %v; want %d, %v, %v", cfg.MaxConns, cfg.MaxConnIdleTime, cfg.MaxConnLifetime,
					c.wantMax, c.wantIdle, c.wantLife)
			}
			params := cfg.ConnConfig.RuntimeParams
			for k := range params {
				if strings.HasPrefix(k, "pool_") {
					t.Fatalf("%s would be sent to the server", k)
				}
			}
			if strings.Contains(c.dsn, "search_path") && params["search_path"] != "s1" {
				t.Fatalf("search_path %q, want s1", params["search_path"])
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

// Two transactions that lock two rows in opposite orders deadlock; the one
// Postgres aborts runs again, and both succeed. (The again waits for the
// other to finish: inTx's pause before it makes that likely, but not
// certain on a loaded machine.)
func testTxRetry(t *testing.T, srv *pgtest.Server) {
	ctx := context.Background()
	s, err := Open(ctx, srv.NewSchema(t)+"&deadlock_timeout=50ms")
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, err := s.exec(ctx, `CREATE TABLE pair (id INTEGER PRIMARY KEY, n INTEGER NOT NULL); INSERT INTO pair VALUES (1, 0), (2, 0)`); err != nil {
		t.Fatal(err)
	}
	var locked sync.WaitGroup // both hold their first row
	locked.Add(2)
	attempts := make([]int, 2)
	errs := make([]error, 2)
	done := []chan struct{}{make(chan struct{}), make(chan struct{})}
	var wg sync.WaitGroup
	for i, order := range [][2]int{{1, 2}, {2, 1}} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer close(done[i])
			errs[i] = inTx(ctx, s.db, func(tx pgx.Tx) error {
				attempts[i]++
				if attempts[i] > 1 {
					<-done[1-i]
				}
				if _, err := tx.Exec(ctx, `UPDATE pair SET n = n + 1 WHERE id = $1`, order[0]); err != nil {
					return err
				}
				if attempts[i] == 1 {
					locked.Done()
					locked.Wait()
				}
				_, err := tx.Exec(ctx, `UPDATE pair SET n = n + 1 WHERE id = $1`, order[1])
				return err
			})
		}()
	}
	wg.Wait()
	if errs[0] != nil || errs[1] != nil {
		t.Fatalf("errors %v, attempts %v", errs, attempts)
	}
	if got := attempts[0] + attempts[1]; got != 3 {
		t.Fatalf("%v attempts, want one of them run again", attempts)
	}
	var n1, n2 int
	if err := s.queryRow(ctx, `SELECT (SELECT n FROM pair WHERE id = 1), (SELECT n FROM pair WHERE id = 2)`, nil, &n1, &n2); err != nil {
		t.Fatal(err)
	}
	if n1 != 2 || n2 != 2 {
		t.Fatalf("rows %d and %d, want 2 and 2", n1, n2)
	}
}
