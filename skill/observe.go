package skill

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/kontoskill/konto/banks"
	"github.com/kontoskill/konto/intents"
)

// Observer is told what each turn did, for metrics: where it came from,
// which catalog intent it was, how it ended and how long it took. Handle
// calls it once per turn, on the caller's goroutine, so it must be cheap
// and safe for concurrent use. A TurnInfo holds no personal data: no
// user, session or request id, customer, amount or name.
type Observer interface {
	Turn(TurnInfo)
}

// ObserverFunc adapts a function to Observer.
type ObserverFunc func(TurnInfo)

// Turn calls f.
func (f ObserverFunc) Turn(t TurnInfo) { f(t) }

// TurnInfo is what an Observer learns of one turn.
type TurnInfo struct {
	// Platform is the adapter's name (Request.Platform).
	Platform string
	// Intent is a catalog intent name or Launch; anything else, and a
	// turn whose intent was never known, is "other".
	Intent string
	// Outcome is how the turn ended: OutcomeAnswered, OutcomeRefused,
	// OutcomeTimeout, OutcomeUncertain, or the kind of the error the user
	// was told about (not_linked, consent_expired, unavailable, invalid,
	// not_found, not_supported, canceled, internal).
	Outcome string
	// Took is the time from Handle's start to the answer.
	Took time.Duration
	// Replay: the request id was answered before and its stored answer
	// was given again.
	Replay bool
	// Lockout: a wrong PIN in this turn paused voice payments.
	Lockout bool
}

// Outcomes of a turn besides the error kinds.
const (
	OutcomeAnswered  = "answered"
	OutcomeRefused   = "refused"   // Forbidden: the bank, a limit or a lockout said no
	OutcomeTimeout   = "timeout"   // cut off at the turn's deadline
	OutcomeUncertain = "uncertain" // the bank did not answer an action in time
)

// turnObs is what the core notes of a turn for its Observer.
type turnObs struct {
	outcome string
	replay  bool
	lockout bool
}

// OtherIntent is TurnInfo.Intent of a name outside the catalog.
const OtherIntent = "other"

// observedIntents are the intent names an Observer may be told: the
// catalog's and Launch. Platforms send names of their own (and a
// recognizer might invent one); those must not become metric labels.
var observedIntents = sync.OnceValue(func() map[string]string {
	m := map[string]string{intents.Launch: intents.Launch}
	for _, in := range intents.Catalog {
		m[in.Name] = in.Name
	}
	return m
})

// noteError records the outcome of a turn whose error the user hears.
func (r *Request) noteError(err error) {
	r.obs.outcome = outcomeOf(err)
}

func outcomeOf(err error) string {
	var unsure *uncertainError
	switch {
	case err == nil:
		return OutcomeAnswered
	case errors.As(err, &unsure):
		return OutcomeUncertain
	case errors.Is(err, context.DeadlineExceeded):
		return OutcomeTimeout
	}
	switch banks.KindOf(err) {
	case banks.Forbidden:
		return OutcomeRefused
	case banks.NotLinked:
		return "not_linked"
	case banks.ConsentExpired:
		return "consent_expired"
	case banks.Unavailable:
		return "unavailable"
	case banks.Invalid:
		return "invalid"
	case banks.NotFound:
		return "not_found"
	case banks.NotSupported:
		return "not_supported"
	}
	if errors.Is(err, context.Canceled) {
		return "canceled"
	}
	return "internal"
}

// observe tells the Observer about a finished turn.
func (s *Skill) observe(r *Request, start time.Time) {
	in, ok := observedIntents()[r.Intent]
	if !ok {
		in = OtherIntent
	}
	out := r.obs.outcome
	if out == "" {
		out = OutcomeAnswered
	}
	s.cfg.Observer.Turn(TurnInfo{Platform: r.Platform, Intent: in, Outcome: out, Took: time.Since(start),
		Replay: r.obs.replay, Lockout: r.obs.lockout})
}
