package main

import (
	"context"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/kontoskill/konto/banks/sandbox"
	"github.com/kontoskill/konto/skill"
)

// readiness answers /readyz: 200 when Konto's store answers a cheap read
// and every configured bank is reachable, otherwise 503 naming what is
// down. /healthz only says the process is alive; a load balancer takes an
// instance out of rotation on /readyz.
type readiness struct {
	store   skill.Sessions
	sandbox *sandbox.Bank
	banks   []bankConfig // the banks file's, nil for the sandbox alone
	log     *slog.Logger
	// ttl is how long a reachability check of the banks stands, so that a
	// load balancer probing every second does not dial every bank every
	// second.
	ttl time.Duration
	now func() time.Time

	mu       sync.Mutex // one bank check at a time; probes meanwhile wait for it
	checked  time.Time
	banksOut []problem
}

// problem is one thing /readyz found down: a name and a fixed reason,
// never an address, a token or an error's text (those go to the log).
type problem struct {
	Name   string `json:"name"`
	Reason string `json:"reason"`
}

const readyTTL = 5 * time.Second

func newReadiness(store skill.Sessions, sb *sandbox.Bank, rb *realBanks, log *slog.Logger) *readiness {
	rd := &readiness{store: store, sandbox: sb, log: log, ttl: readyTTL, now: time.Now}
	if rb != nil {
		rd.banks = rb.list
	}
	return rd
}

// check returns what is down, empty when everything is ready.
func (rd *readiness) check(ctx context.Context) []problem {
	// A probe that gives up must not leave its half-done check cached.
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 3*time.Second)
	defer cancel()
	var out []problem
	// A session nobody has: the store must answer, with nothing.
	if _, err := rd.store.Session(ctx, "readyz", "readyz", "readyz", time.Minute); err != nil {
		rd.log.Warn("readiness: the store does not answer", "err", err)
		out = append(out, problem{"store", "unavailable"})
	}
	sandboxUsed := rd.banks == nil
	for _, b := range rd.banks {
		sandboxUsed = sandboxUsed || b.Standard == standardSandbox
	}
	if sandboxUsed {
		if _, err := rd.sandbox.Seeded(ctx); err != nil {
			rd.log.Warn("readiness: the sandbox bank's database does not answer", "err", err)
			out = append(out, problem{"bank " + sandbox.Name, "unavailable"})
		}
	}
	return append(out, rd.checkBanks(ctx)...)
}

// checkBanks dials every bank of the banks file as serve's start-up check
// does, at most once per ttl, all banks at once.
func (rd *readiness) checkBanks(ctx context.Context) []problem {
	if len(rd.banks) == 0 {
		return nil
	}
	rd.mu.Lock()
	defer rd.mu.Unlock()
	if !rd.checked.IsZero() && rd.now().Sub(rd.checked) < rd.ttl {
		return rd.banksOut
	}
	errs := make([]error, len(rd.banks))
	var wg sync.WaitGroup
	for i, b := range rd.banks {
		if b.Standard == standardSandbox {
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = b.checkReachable(ctx)
		}()
	}
	wg.Wait()
	var out []problem
	for i, err := range errs {
		if err != nil {
			rd.log.Warn("readiness: a bank is unreachable", "bank", rd.banks[i].ID, "err", err)
			out = append(out, problem{"bank " + rd.banks[i].ID, "unreachable"})
		}
	}
	rd.checked, rd.banksOut = rd.now(), out
	return out
}

// serve is the /readyz handler.
func (rd *readiness) serve(c echo.Context) error {
	down := rd.check(c.Request().Context())
	if len(down) > 0 {
		return c.JSON(http.StatusServiceUnavailable, map[string]any{"status": "unavailable", "down": down})
	}
	return c.JSON(http.StatusOK, map[string]any{"status": "ready"})
}
