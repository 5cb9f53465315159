package main

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/kontoskill/konto/banks"
	"github.com/kontoskill/konto/skill"
	"github.com/kontoskill/konto/skill/alexa"
)

// metrics is Konto's Prometheus instrumentation, on a registry of its own
// (never the global one, so that nothing a library registers leaks out).
// Labels never carry personal data: platforms, catalog intent names,
// outcomes, bank ids from the banks file, operation names and error
// kinds, all from fixed sets.
type metrics struct {
	reg *prometheus.Registry

	turns        children[turnKey, prometheus.Counter]
	turnSeconds  children[string, prometheus.Observer]
	replays      children[string, prometheus.Counter]
	lockouts     prometheus.Counter
	bankSeconds  children[bankOp, prometheus.Observer]
	bankErrors   children[bankErr, prometheus.Counter]
	verifyFailed children[string, prometheus.Counter]
}

type turnKey struct{ platform, intent, outcome string }
type bankOp struct{ bank, op string }
type bankErr struct{ bank, op, kind string }

// latencyBuckets span a cached read (well under a millisecond) to Alexa's
// 8 s budget.
var latencyBuckets = []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 8}

func newMetrics() *metrics {
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	turns := prometheus.NewCounterVec(prometheus.CounterOpts{Name: "konto_requests_total",
		Help: "Turns answered, by platform, catalog intent (other for any other name) and outcome (answered, refused, timeout, uncertain or the error kind)."},
		[]string{"platform", "intent", "outcome"})
	turnSeconds := prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "konto_turn_duration_seconds",
		Help: "Time from a turn's start in the core to its answer, by platform.", Buckets: latencyBuckets}, []string{"platform"})
	replays := prometheus.NewCounterVec(prometheus.CounterOpts{Name: "konto_replay_hits_total",
		Help: "Requests whose id was answered before and got the stored answer again, by platform."}, []string{"platform"})
	lockouts := prometheus.NewCounter(prometheus.CounterOpts{Name: "konto_pin_lockouts_total",
		Help: "Voice payment lockouts set by a third wrong PIN."})
	bankSeconds := prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "konto_bank_call_duration_seconds",
		Help: "Calls to the bank connector, by bank id and operation.", Buckets: latencyBuckets}, []string{"bank", "operation"})
	bankErrors := prometheus.NewCounterVec(prometheus.CounterOpts{Name: "konto_bank_call_errors_total",
		Help: "Bank connector calls that failed, by bank id, operation and error kind."}, []string{"bank", "operation", "kind"})
	verifyFailed := prometheus.NewCounterVec(prometheus.CounterOpts{Name: "konto_alexa_verification_failures_total",
		Help: "Alexa requests rejected by request verification, by reason."}, []string{"reason"})
	reg.MustRegister(turns, turnSeconds, replays, lockouts, bankSeconds, bankErrors, verifyFailed)
	m := &metrics{reg: reg, lockouts: lockouts}
	m.turns.make = func(k turnKey) prometheus.Counter { return turns.WithLabelValues(k.platform, k.intent, k.outcome) }
	m.turnSeconds.make = func(p string) prometheus.Observer { return turnSeconds.WithLabelValues(p) }
	m.replays.make = func(p string) prometheus.Counter { return replays.WithLabelValues(p) }
	m.bankSeconds.make = func(k bankOp) prometheus.Observer { return bankSeconds.WithLabelValues(k.bank, k.op) }
	m.bankErrors.make = func(k bankErr) prometheus.Counter { return bankErrors.WithLabelValues(k.bank, k.op, k.kind) }
	m.verifyFailed.make = func(r string) prometheus.Counter { return verifyFailed.WithLabelValues(r) }
	// The series a dashboard expects exist from the start, at zero.
	for _, r := range []string{alexa.RejectMissingHeader, alexa.RejectCertURL, alexa.RejectSignature, alexa.RejectEnvelope,
		alexa.RejectTimestamp, alexa.RejectApplicationID, alexa.RejectChainFetch, alexa.RejectCertificate} {
		m.verifyFailed.get(r)
	}
	m.replays.get(alexa.Platform)
	return m
}

// Turn implements skill.Observer.
func (m *metrics) Turn(t skill.TurnInfo) {
	m.turns.get(turnKey{t.Platform, t.Intent, t.Outcome}).Inc()
	m.turnSeconds.get(t.Platform).Observe(t.Took.Seconds())
	if t.Replay {
		m.replays.get(t.Platform).Inc()
	}
	if t.Lockout {
		m.lockouts.Inc()
	}
}

// verificationFailed counts an Alexa request that failed verification
// (alexa.Handler.Rejected).
func (m *metrics) verificationFailed(kind string) { m.verifyFailed.get(kind).Inc() }

// children caches a metric vector's children by label values, so that a
// turn finds its counter with one map lookup and no allocation. The map is
// copied on write: label sets are few and fixed, reads are every request.
type children[K comparable, V any] struct {
	m    atomic.Pointer[map[K]V]
	mu   sync.Mutex
	make func(K) V
}

func (c *children[K, V]) get(k K) V {
	if m := c.m.Load(); m != nil {
		if v, ok := (*m)[k]; ok {
			return v
		}
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	old := c.m.Load()
	if old != nil {
		if v, ok := (*old)[k]; ok {
			return v
		}
	}
	n := make(map[K]V, 1)
	if old != nil {
		n = make(map[K]V, len(*old)+1)
		for k, v := range *old {
			n[k] = v
		}
	}
	v := c.make(k)
	n[k] = v
	c.m.Store(&n)
	return v
}

// bankCall records one call to the bank connector.
func (m *metrics) bankCall(bank, op string, start time.Time, err error) {
	m.bankSeconds.get(bankOp{bank, op}).Observe(time.Since(start).Seconds())
	if err != nil {
		m.bankErrors.get(bankErr{bank, op, kindLabel(err)}).Inc()
	}
}

func kindLabel(err error) string {
	switch banks.KindOf(err) {
	case banks.NotLinked:
		return "not_linked"
	case banks.ConsentExpired:
		return "consent_expired"
	case banks.Unavailable:
		return "unavailable"
	case banks.Invalid:
		return "invalid"
	case banks.Forbidden:
		return "forbidden"
	case banks.NotFound:
		return "not_found"
	case banks.NotSupported:
		return "not_supported"
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return "timeout"
	}
	return "other"
}
