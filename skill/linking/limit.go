package linking

import (
	"strings"
	"sync"
	"time"
)

// limiter allows n events per key in a sliding window. It is kept in
// process memory: behind a load balancer each instance counts its own, so
// the limit multiplies by the instances (the sandbox password is four
// words of 24, 330,000 guesses, which that still keeps out of reach).
type limiter struct {
	n      int
	window time.Duration

	mu   sync.Mutex
	hits map[string][]time.Time
	// swept is when old keys were last dropped.
	swept time.Time
}

func newLimiter(n int, window time.Duration) *limiter {
	return &limiter{n: n, window: window, hits: map[string][]time.Time{}}
}

// allow records an event for each key in turn and reports whether all
// were under their limit. It stops at the first key over its limit, which
// still counts the event (hammering keeps the door shut) while the keys
// after it get none: put the address first, so that one address cannot
// fill the map with customer ids.
func (l *limiter) allow(now time.Time, keys ...string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	if now.Sub(l.swept) > l.window {
		for k, ts := range l.hits {
			if len(ts) == 0 || now.Sub(ts[len(ts)-1]) >= l.window {
				delete(l.hits, k)
			}
		}
		l.swept = now
	}
	for _, k := range keys {
		ts := l.hits[k]
		i := 0
		for i < len(ts) && now.Sub(ts[i]) >= l.window {
			i++
		}
		ts = ts[i:]
		over := len(ts) >= l.n
		if over {
			ts = ts[1:] // keep n: enough to know the key is over its limit
		}
		l.hits[k] = append(ts, now)
		if over {
			return false
		}
	}
	return true
}

// signInKey is the per-customer key of the sign-in limit: the sandbox's
// sign-in takes a customer by id, full name or first name ("carol",
// "Carol Davis", "CAROL"), so every way of naming one counts on the key
// of its first word. Two customers of one first name share a limit,
// which only makes it stricter.
func signInKey(bank, customer string) string {
	first, _, _ := strings.Cut(strings.Join(strings.Fields(strings.ToLower(customer)), " "), " ")
	return "customer\x00" + bank + "\x00" + first
}
