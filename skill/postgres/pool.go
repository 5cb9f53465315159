package postgres

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// pool is a small pool of pgx connections, configured by the pool_*
// parameters of the DSN with the names and meanings of pgxpool's (which
// needs github.com/jackc/puddle/v2, not in go.mod yet; pool is the part
// of it the store uses: bounded, idle and lifetime limits, broken
// connections dropped). Every connection caches its prepared statements.
type pool struct {
	cfg         *pgx.ConnConfig
	maxIdleTime time.Duration
	maxLifetime time.Duration

	slots chan struct{} // one token per connection in use, pool_max_conns of them

	mu     sync.Mutex
	idle   []*conn // most recently used last
	closed bool
}

type conn struct {
	*pgx.Conn
	born, used time.Time
}

// poolDefaults are the DSN parameters pool reads (and does not send to
// the server as settings), with their defaults.
var poolDefaults = map[string]string{
	"pool_max_conns":          "", // max(4, GOMAXPROCS) as pgxpool, filled in by newPool
	"pool_max_conn_idle_time": "30m",
	"pool_max_conn_lifetime":  "1h",
}

// newPool parses a DSN (postgres://... or key=value) and its pool_*
// parameters. maxConns is the default of pool_max_conns.
func newPool(dsn string, maxConns int) (*pool, error) {
	cfg, err := pgx.ParseConfig(dsn)
	if err != nil {
		return nil, err
	}
	p := &pool{cfg: cfg}
	params := map[string]string{}
	for k, def := range poolDefaults {
		params[k] = def
		if v, ok := cfg.RuntimeParams[k]; ok {
			params[k] = v
			delete(cfg.RuntimeParams, k)
		}
	}
	for k := range cfg.RuntimeParams {
		if len(k) > 5 && k[:5] == "pool_" {
			return nil, fmt.Errorf("unknown DSN parameter %s (want pool_max_conns, pool_max_conn_idle_time or pool_max_conn_lifetime)", k)
		}
	}
	if v := params["pool_max_conns"]; v != "" {
		if maxConns, err = strconv.Atoi(v); err != nil || maxConns < 1 {
			return nil, fmt.Errorf("pool_max_conns %q: want a number above 0", v)
		}
	}
	if p.maxIdleTime, err = time.ParseDuration(params["pool_max_conn_idle_time"]); err != nil {
		return nil, fmt.Errorf("pool_max_conn_idle_time: %w", err)
	}
	if p.maxLifetime, err = time.ParseDuration(params["pool_max_conn_lifetime"]); err != nil {
		return nil, fmt.Errorf("pool_max_conn_lifetime: %w", err)
	}
	p.slots = make(chan struct{}, maxConns)
	return p, nil
}

var errClosed = errors.New("the store is closed")

// acquire waits for a free slot and returns an idle connection that is
// still fresh, or a new one.
func (p *pool) acquire(ctx context.Context) (*conn, error) {
	select {
	case p.slots <- struct{}{}:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	now := time.Now()
	for {
		p.mu.Lock()
		if p.closed {
			p.mu.Unlock()
			<-p.slots
			return nil, errClosed
		}
		n := len(p.idle)
		if n == 0 {
			p.mu.Unlock()
			break
		}
		c := p.idle[n-1]
		p.idle = p.idle[:n-1]
		p.mu.Unlock()
		if c.IsClosed() || now.Sub(c.used) > p.maxIdleTime || now.Sub(c.born) > p.maxLifetime {
			closeConn(c)
			continue
		}
		// As pgxpool: a connection idle for over a second is pinged, so
		// that one the server ended (a restart, a fail-over) is replaced
		// instead of failing the request.
		if now.Sub(c.used) > time.Second && c.Ping(ctx) != nil {
			closeConn(c)
			continue
		}
		return c, nil
	}
	pc, err := pgx.ConnectConfig(ctx, p.cfg)
	if err != nil {
		<-p.slots
		return nil, err
	}
	return &conn{Conn: pc, born: now, used: now}, nil
}

// release gives a connection back; one left broken or inside a
// transaction (a cancelled query) is closed instead.
func (p *pool) release(c *conn) {
	defer func() { <-p.slots }()
	if c.IsClosed() || c.PgConn().IsBusy() || c.PgConn().TxStatus() != 'I' {
		closeConn(c)
		return
	}
	c.used = time.Now()
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		go closeConn(c)
		return
	}
	p.idle = append(p.idle, c)
}

func closeConn(c *conn) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	c.Close(ctx)
}

// close closes the idle connections; those in use are closed when they
// come back.
func (p *pool) close() {
	p.mu.Lock()
	idle := p.idle
	p.idle, p.closed = nil, true
	p.mu.Unlock()
	for _, c := range idle {
		closeConn(c)
	}
}

// with runs f on a pooled connection.
func (p *pool) with(ctx context.Context, f func(c *pgx.Conn) error) error {
	c, err := p.acquire(ctx)
	if err != nil {
		return err
	}
	defer p.release(c)
	return f(c.Conn)
}

// inTx runs f in a transaction and commits it, again from the start (up
// to three times) when Postgres aborted it for a serialization failure or
// a deadlock. An error of f rolls back and is returned as it is.
func (p *pool) inTx(ctx context.Context, f func(tx pgx.Tx) error) error {
	var err error
	for range 3 {
		err = p.with(ctx, func(c *pgx.Conn) error { return pgx.BeginFunc(ctx, c, f) })
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
