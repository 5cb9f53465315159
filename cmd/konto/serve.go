package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"runtime/debug"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/kontoskill/konto/banks"
	"github.com/kontoskill/konto/banks/sandbox"
	"github.com/kontoskill/konto/intents"
	"github.com/kontoskill/konto/skill"
	"github.com/kontoskill/konto/skill/alexa"
	"github.com/kontoskill/konto/skill/linking"
)

func newLogger(w io.Writer, level string) *slog.Logger {
	var l slog.Level
	_ = l.UnmarshalText([]byte(level))
	return slog.New(skill.LogHandler(slog.NewJSONHandler(w, &slog.HandlerOptions{Level: l})))
}

// newServer builds the echo router: /healthz and /alexa.
// echoNew is an echo router with Konto's error handling: JSON errors
// without internals.
func echoNew() *echo.Echo {
	e := echo.New()
	e.HideBanner, e.HidePort = true, true
	e.Debug = false
	return e
}

// bankRouter is the bank every turn talks to: the data directory's
// sandbox alone, or, with --banks, a router over the configured banks
// (the sandbox among them when the file lists it), checked at start-up so
// that a wrong configuration fails here and not at a user's question.
//
// The realBanks it returns (nil without --banks) are the banks account
// linking offers; the connectors read linked users' grants through it
// once newServerWith has set its linking server.
func bankRouter(ctx context.Context, a *app, cfg Config, getenv func(string) string) (banks.Connector, *realBanks, error) {
	if cfg.Banks == "" {
		return a.bank, nil, nil
	}
	list, err := loadBanks(cfg.Banks, getenv)
	if err != nil {
		return nil, nil, err
	}
	if err := checkBanksReachable(ctx, list); err != nil {
		return nil, nil, err
	}
	rb := newRealBanks(list)
	r := banks.NewRouter()
	for _, b := range list {
		c, err := b.connector(connectorDeps{Sandbox: a.bank, Grants: rb.grants, SaveToken: rb.saveToken})
		if err != nil {
			return nil, nil, fmt.Errorf("banks file %s: bank %q: %w", cfg.Banks, b.ID, err)
		}
		r.Add(b.ID, c)
		r.SetName(b.ID, cmpOr(b.Name, b.ID))
	}
	return r, rb, nil
}

func newServer(a *app, bank banks.Connector, cfg Config, log *slog.Logger, verifier *alexa.Verifier, rec intents.Recognizer, issuer string) (*echo.Echo, *linking.Server, error) {
	return newServerWith(a, bank, nil, cfg, log, verifier, rec, issuer)
}

// newServerWith is newServer with the banks file's banks (rb, nil for the
// sandbox alone) offered by account linking.
func newServerWith(a *app, bank banks.Connector, rb *realBanks, cfg Config, log *slog.Logger, verifier *alexa.Verifier, rec intents.Recognizer, issuer string) (*echo.Echo, *linking.Server, error) {
	e := echoNew()
	e.HTTPErrorHandler = func(err error, c echo.Context) {
		if c.Response().Committed {
			return
		}
		code, msg := http.StatusInternalServerError, "internal error"
		var he *echo.HTTPError
		if errors.As(err, &he) {
			code = he.Code
			msg = http.StatusText(code)
		} else {
			log.Error("request failed", "path", c.Path(), "err", err)
		}
		_ = c.JSON(code, map[string]string{"error": msg})
	}
	e.Use(func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) (err error) {
			defer func() {
				if p := recover(); p != nil {
					log.Error("panic serving request", "path", c.Path(), "panic", fmt.Sprint(p))
					err = echo.NewHTTPError(http.StatusInternalServerError)
				}
			}()
			return next(c)
		}
	})
	other := banks.Authenticator(a.bank)
	if ra, ok := bank.(banks.Authenticator); ok {
		other = ra
	}
	// Konto is the OAuth server the assistants link to: its tokens name a
	// grant in the consent ledger; sandbox tokens still work for demos.
	lo := linking.Options{Store: a.store, Secret: a.secret, Issuer: issuer, Log: log,
		SignIn: func(ctx context.Context, bankID, customer, password string) (banks.User, error) {
			return a.bank.SignIn(ctx, customer, password)
		},
		SetPIN: func(ctx context.Context, u banks.User, pin string) error {
			return a.store.SetPIN(ctx, u.Bank, u.Customer, skill.HashPIN(a.secret, u.Bank, u.Customer, pin), true)
		}}
	if rb != nil {
		lo.Banks, lo.BankRedirect = rb.linkingBanks(), rb.redirect()
	}
	link, err := linking.NewServer(lo)
	if err != nil {
		return nil, nil, err
	}
	if rb != nil {
		rb.setServer(link)
	}
	e.Any("/oauth/*", echo.WrapHandler(link))
	e.GET(linking.MetadataPath, echo.WrapHandler(link))
	auth := linking.Either(link.Authenticator(), other)
	demoPINs := func(u banks.User) (string, bool) { return a.bank.PIN(u.Customer), u.Bank == sandbox.Name }
	sk := skill.New(skill.Config{Bank: cfg.metrics.meter(bank, bankIDs(rb), log), Auth: auth, DemoPINs: demoPINs, Store: a.store, Log: log, Recognizer: rec,
		PINLockout: cfg.PINLockout, Secret: a.secret, Failpoint: failpoint, Observer: cfg.metrics.observer()})
	if rb != nil {
		// Assistant requests are the customer's turns (see voiceTurns).
		e.Use(func(next echo.HandlerFunc) echo.HandlerFunc {
			return func(c echo.Context) error {
				if c.Request().URL.Path == "/alexa" {
					c.SetRequest(c.Request().WithContext(rb.voiceTurns(c.Request().Context())))
				}
				return next(c)
			}
		})
	}
	(&alexa.Handler{Skill: sk, Verifier: verifier, Dev: cfg.Dev, Log: log, Rejected: cfg.metrics.rejected()}).Register(e, "/alexa")
	e.GET("/readyz", newReadiness(a.store, a.bank, rb, log).serve)
	e.GET("/healthz", func(c echo.Context) error {
		ctx, cancel := context.WithTimeout(c.Request().Context(), 2*time.Second)
		defer cancel()
		if _, err := a.bank.Seeded(ctx); err != nil {
			return c.JSON(http.StatusServiceUnavailable, map[string]string{"status": "unavailable"})
		}
		return c.JSON(http.StatusOK, map[string]string{"status": "ok"})
	})
	return e, link, nil
}

// purge removes stored replay answers and session state older than ten
// minutes, every minute: replays come within seconds and dialogs expire
// after five minutes, so nothing of a conversation lingers.
func purge(ctx context.Context, a *app, log *slog.Logger) {
	t := time.NewTicker(time.Minute)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case now := <-t.C:
			if err := a.store.Purge(ctx, now.Add(-10*time.Minute)); err != nil && ctx.Err() == nil {
				log.Warn("purging old session state failed", "err", err)
			}
		}
	}
}

// serveGCPercent is serve's GOGC unless the environment sets one. A turn
// allocates some 23 KB and keeps none of it, while the heap that lives
// (the recognizer's models, the pools) is some 15 MB: at Go's default of
// 100 the collector ran several times a second under load, marking that
// heap each time. At 400 it runs a quarter as often: a GetBalance turn
// took about 4% less CPU under load (../shared/bench), for about 50 MB
// more RSS (130 MB instead of 80). GOGC and GOMEMLIMIT in the
// environment still decide.
const serveGCPercent = 400

func setGCPercent() {
	if _, set := os.LookupEnv("GOGC"); !set {
		debug.SetGCPercent(serveGCPercent)
	}
}

// failpoint is set only in binaries built with -tags konto_failpoints,
// for the crash test.
var failpoint func(name string)

// listenAddr is where serve listens: a --dev server answers anyone who
// can reach it, so unless an address was given it listens on the
// loopback address only.
func listenAddr(cfg Config) string {
	if cfg.Dev && !cfg.addrSet {
		_, port, _ := net.SplitHostPort(cfg.Addr)
		return net.JoinHostPort("127.0.0.1", port)
	}
	return cfg.Addr
}

func runServe(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	cfg, err := parseConfig("serve", args, getenv, stderr, "addr", "data", "dev", "alexa-skill-id", "log-level",
		"llm-base-url", "llm-model", "llm-api-key", "llm-timeout", "pin-lockout", "banks", "public-url", "admin-addr", "admin-public", "store")
	if err != nil {
		return err
	}
	if err := checkAdminAddr(cfg); err != nil {
		return err
	}
	if cfg.AdminAddr != "" {
		cfg.metrics = newMetrics()
	}
	log := newLogger(stderr, cfg.LogLevel)
	setGCPercent()
	a, created, err := openAppStore(ctx, cfg.Data, cfg.Store)
	if err != nil {
		return err
	}
	defer a.Close()
	if created {
		fmt.Fprintf(stdout, "Created %s with a freshly seeded sandbox bank.\n", cfg.Data)
	}
	verifier := &alexa.Verifier{AppIDs: cfg.skillIDs()}
	if cfg.Dev {
		log.Warn("DEV MODE: platform request verification is OFF. Use this only on your own machine, never on a public address.")
		fmt.Fprintln(stderr, "!!! konto serve --dev: request verification is OFF. For local testing only. !!!")
	} else if len(verifier.AppIDs) == 0 {
		log.Warn("no Alexa skill id configured: /alexa rejects every request until --alexa-skill-id (KONTO_ALEXA_SKILL_ID) is set")
	}
	rec, err := recognizer(cfg, stderr)
	if err != nil {
		return err
	}
	cacheModels(rec, cfg.Data, log)
	if err := learnProducts(ctx, rec, a.bank); err != nil {
		return err
	}
	if off, ok := rec.(*intents.Offline); ok {
		start := time.Now()
		if err := off.Warm(); err != nil {
			return err
		}
		log.Info("offline recognizer ready", "took", time.Since(start).String())
	}
	bank, rb, err := bankRouter(ctx, a, cfg, getenv)
	if err != nil {
		return err
	}
	if rb != nil {
		if err := learnProducts(ctx, rec, bank); err != nil {
			return err
		}
	}
	ln, err := net.Listen("tcp", listenAddr(cfg))
	if err != nil {
		return err
	}
	defer ln.Close()
	issuer := cfg.PublicURL
	if issuer == "" {
		issuer = "http://" + printedAddr(cfg.Addr, ln.Addr().String())
	}
	e, link, err := newServerWith(a, bank, rb, cfg, log, verifier, rec, issuer)
	if err != nil {
		return err
	}
	if tcp, ok := ln.Addr().(*net.TCPAddr); cfg.Dev && ok && !tcp.IP.IsLoopback() {
		log.Warn("DEV MODE ON A NON-LOOPBACK ADDRESS: anyone who reaches " + ln.Addr().String() + " can act for any linked user")
		fmt.Fprintln(stderr, "!!! konto serve --dev is listening on "+ln.Addr().String()+", not only on this machine. Unverified requests are accepted. !!!")
	}
	srv := &http.Server{
		Handler:           e,
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       10 * time.Second,
		WriteTimeout:      15 * time.Second,
		IdleTimeout:       60 * time.Second,
		MaxHeaderBytes:    64 << 10,
	}
	base := "http://" + printedAddr(cfg.Addr, ln.Addr().String())
	fmt.Fprintf(stdout, "Konto is listening on %s\n  Alexa endpoint: %s/alexa\n  Health check:   %s/healthz\n", base, base, base)
	fmt.Fprintf(stdout, "  Readiness:      %s/readyz\n", base)
	if cfg.metrics != nil {
		addr, stopAdmin, err := startAdmin(cfg, cfg.metrics, log)
		if err != nil {
			return err
		}
		defer func() {
			sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			stopAdmin(sctx)
		}()
		fmt.Fprintf(stdout, "  Admin (metrics, pprof): http://%s/metrics, http://%s/debug/pprof/\n", addr, addr)
	}
	fmt.Fprintf(stdout, "  Account linking: %s/oauth/authorize (register a client, for example: go run ./cmd/konto oauth client add --id my-skill --redirect-uri http://localhost:9000/callback --data %s)\n",
		issuer, cfg.Data)
	fmt.Fprintf(stdout, "Demo access tokens: go run ./cmd/konto sandbox tokens --data %s\n", cfg.Data)
	fmt.Fprintf(stdout, "Try it in the terminal: go run ./cmd/konto chat --customer alice --data %s\nStop the server with Ctrl-C.\n", cfg.Data)
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	go purge(ctx, a, log)
	go func() {
		t := time.NewTicker(time.Minute)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
				link.Purge(ctx)
			}
		}
	}()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	log.Info("shutting down")
	sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		return err
	}
	if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// printedAddr is the address the banner and the default issuer name: the
// host as configured ("localhost", the default, which the open-banking
// sandbox's callback names too, so the linking cookie's host is the one
// the bank sends the user back to) with the port actually bound.
func printedAddr(configured, bound string) string {
	host, _, err := net.SplitHostPort(configured)
	_, port, err2 := net.SplitHostPort(bound)
	if err != nil || err2 != nil || host != "localhost" {
		return bound
	}
	return net.JoinHostPort(host, port)
}
