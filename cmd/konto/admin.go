package main

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	"time"

	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/kontoskill/konto/banks"
	"github.com/kontoskill/konto/banks/sandbox"
	"github.com/kontoskill/konto/skill"
)

// The admin listener (--admin-addr) serves what operators read and
// nobody else should: Prometheus metrics at /metrics and the Go profiler
// under /debug/pprof/. It is off unless an address is given, and that
// address must be a loopback one unless --admin-public says otherwise.

// checkAdminAddr refuses an admin address that other machines could
// reach, unless --admin-public is given.
func checkAdminAddr(cfg Config) error {
	if cfg.AdminAddr == "" {
		if cfg.AdminPublic {
			return fmt.Errorf("--admin-public needs --admin-addr")
		}
		return nil
	}
	host, _, err := net.SplitHostPort(cfg.AdminAddr)
	if err != nil {
		return fmt.Errorf("--admin-addr: %w", err)
	}
	if cfg.AdminPublic || isLoopback(host) {
		return nil
	}
	return fmt.Errorf("--admin-addr %s is not a loopback address: metrics and pprof would be open to other machines; "+
		"listen on 127.0.0.1 or [::1] (and reach it through a tunnel or a scraper on this host), or add --admin-public if you mean it",
		cfg.AdminAddr)
}

// isLoopback reports whether a listen host is this machine only: an
// empty host or a name other than localhost is not.
func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// adminHandler is the admin listener's mux. pprof's handlers are mounted
// here by hand; the package's init also registers them on
// http.DefaultServeMux, which Konto never serves.
func adminHandler(m *metrics) http.Handler {
	mux := http.NewServeMux()
	mux.Handle("/metrics", promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{Registry: m.reg}))
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	return mux
}

// startAdmin listens on --admin-addr and serves the admin mux until
// stop is called. It returns the address it listens on.
func startAdmin(cfg Config, m *metrics, log *slog.Logger) (addr string, stop func(context.Context), err error) {
	ln, err := net.Listen("tcp", cfg.AdminAddr)
	if err != nil {
		return "", nil, fmt.Errorf("--admin-addr: %w", err)
	}
	if tcp, ok := ln.Addr().(*net.TCPAddr); ok && !tcp.IP.IsLoopback() {
		log.Warn("the admin listener (metrics, pprof) is on a non-loopback address", "addr", ln.Addr().String())
	}
	srv := &http.Server{
		Handler:           adminHandler(m),
		ReadHeaderTimeout: 5 * time.Second,
		// A CPU profile or trace takes as long as it is asked to.
		WriteTimeout: 5 * time.Minute,
		IdleTimeout:  60 * time.Second,
	}
	go func() {
		if err := srv.Serve(ln); err != nil && err != http.ErrServerClosed {
			log.Error("admin listener failed", "err", err)
		}
	}()
	return ln.Addr().String(), func(ctx context.Context) { _ = srv.Shutdown(ctx) }, nil
}

// observer is the core's Observer: m, or none when metrics are off.
func (m *metrics) observer() skill.Observer {
	if m == nil {
		return nil
	}
	return m
}

// rejected is the Alexa handler's Rejected callback, or nil.
func (m *metrics) rejected() func(string) {
	if m == nil {
		return nil
	}
	return m.verificationFailed
}

// meter wraps the core's bank so that its calls are timed, labelled with
// the bank ids of the banks file (or the sandbox's).
func (m *metrics) meter(bank banks.Connector, ids []string, log *slog.Logger) banks.Connector {
	if m == nil {
		return bank
	}
	c, ok := meterBank(bank, m, ids)
	if !ok {
		log.Warn("bank call metrics are off: the bank connector lacks a power the metrics wrapper would claim", "type", fmt.Sprintf("%T", bank))
	}
	return c
}

// bankIDs are the bank ids bank call metrics may name: the banks file's,
// or the sandbox's alone.
func bankIDs(rb *realBanks) []string {
	if rb == nil {
		return []string{sandbox.Name}
	}
	ids := make([]string, 0, len(rb.list))
	for _, b := range rb.list {
		ids = append(ids, b.ID)
	}
	return ids
}
