package alexa

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"
)

// The tests here are about what an unauthenticated caller can make Konto
// do: every request names a URL Konto would fetch, so fetching must come
// after every check that needs no certificate, and be bounded.

// gate keeps fetches in flight until released and reports each arrival.
type gate struct {
	arrived chan string
	release chan struct{}
	once    sync.Once
}

func holdFetches(t *testing.T, s3 *fakeS3) *gate {
	g := &gate{arrived: make(chan string, 1000), release: make(chan struct{})}
	s3.mu.Lock()
	s3.hold = func(r *http.Request) {
		g.arrived <- r.URL.String()
		select {
		case <-g.release:
		case <-r.Context().Done():
		}
	}
	s3.mu.Unlock()
	t.Cleanup(g.open)
	return g
}

func (g *gate) open() { g.once.Do(func() { close(g.release) }) }

// wait returns the next arrival, failing the test after d.
func (g *gate) wait(t *testing.T, d time.Duration) string {
	t.Helper()
	select {
	case u := <-g.arrived:
		return u
	case <-time.After(d):
		t.Fatalf("no fetch arrived within %s", d)
		return ""
	}
}

func (v *Verifier) cachedChains() int {
	v.mu.Lock()
	defer v.mu.Unlock()
	return len(v.cache)
}

func TestVerifyChecksEnvelopeBeforeFetching(t *testing.T) {
	ctx := context.Background()
	s := newSynthetic(t)
	// A well-formed signature nobody made: an attacker's request.
	forged := base64.StdEncoding.EncodeToString(make([]byte, 256))
	envelope := func(typ, ts, appID string) []byte {
		return []byte(`{"version":"1.0","context":{"System":{"application":{"applicationId":"` + appID +
			`"}}},"request":{"type":"` + typ + `","requestId":"r","timestamp":"` + ts + `"}}`)
	}
	bodies := []struct {
		name   string
		body   []byte
		reason string
	}{
		{"stale", envelope("IntentRequest", "2026-11-23T07:50:00Z", testAppID), "timestamp"},
		{"future", envelope("IntentRequest", "2026-11-23T08:10:00Z", testAppID), "timestamp"},
		{"stale skill event", envelope("AlexaSkillEvent.SkillDisabled", "2026-11-23T06:00:00Z", testAppID), "timestamp"},
		{"no timestamp", envelope("IntentRequest", "", testAppID), "timestamp"},
		{"other skill", envelope("IntentRequest", "2026-11-23T08:00:00Z", "amzn1.ask.skill.other"), "application id"},
		{"no skill", envelope("IntentRequest", "2026-11-23T08:00:00Z", ""), "application id"},
		{"not JSON", []byte("GET / HTTP/1.1"), "JSON"},
	}
	const n = 200
	for i := range n {
		c := bodies[i%len(bodies)]
		// A new URL each time, so that a cache cannot hide the fetches.
		u := fmt.Sprintf("https://s3.amazonaws.com/echo.api/echo-api-cert-%d.pem", i)
		wantReject(t, s.v.Verify(ctx, headers(u, forged), c.body), c.reason)
	}
	if got := s.s3.fetches(); len(got) != 0 {
		t.Fatalf("%d requests that fail without a certificate caused %d fetches (first %s), want 0", n, len(got), got[0])
	}
	// A fresh request for the skill still fetches, and fails on the
	// forged signature only after that.
	wantReject(t, s.v.Verify(ctx, headers(chainURL, forged), s.body), "signature do not match")
	if got := len(s.s3.fetches()); got != 1 {
		t.Fatalf("fetches = %d, want 1 for a fresh request", got)
	}
}

func TestVerifyJunkURLsShareOneFetch(t *testing.T) {
	ctx := context.Background()
	s := newSynthetic(t)
	const n = 400
	for i := range n {
		var u string
		switch i % 8 {
		case 0:
			u = fmt.Sprintf("%s%%23%d", chainURL, i) // "#i" once decoded
		case 1:
			u = fmt.Sprintf("%s%%3F%d", chainURL, i) // "?i"
		case 2:
			u = fmt.Sprintf("https://s3.amazonaws.com/echo.api/junk%d/../echo-api-cert-test.pem", i)
		case 3:
			u = fmt.Sprintf("https://s3.amazonaws.com/echo.api/%%2e/junk%d/%%2e%%2e/echo-api-cert-test.pem", i)
		case 4:
			u = "https://S3.AmazonAWS.com:443/echo.api/./echo-api-cert-test.pem"
		case 5:
			u = fmt.Sprintf("https://s3.amazonaws.com/echo.api/echo-api-cert-test.pem%%00%d", i)
		case 6:
			u = fmt.Sprintf("https://s3.amazonaws.com/echo.api/echo-api-cert-test%%2Epem%%23%d", i)
		case 7:
			u = "https://s3.amazonaws.com//echo.api//echo-api-cert-test.pem"
		}
		err := s.v.Verify(ctx, headers(u, s.sig), s.body)
		var ve *VerifyError
		if err != nil && !errors.As(err, &ve) {
			t.Fatalf("%s: %v is not a VerifyError", u, err)
		}
	}
	if got := s.s3.fetches(); len(got) > 1 {
		t.Fatalf("%d spellings of one chain URL caused %d fetches (%s, %s, …), want at most 1", n, len(got), got[0], got[1])
	}
	if got := s.v.cachedChains(); got > 1 {
		t.Fatalf("%d cache entries for one chain, want at most 1", got)
	}
	// The chain is still usable under its own name without a new fetch.
	if err := s.v.Verify(ctx, headers(chainURL, s.sig), s.body); err != nil {
		t.Fatal(err)
	}
	if got := len(s.s3.fetches()); got != 1 {
		t.Fatalf("fetches = %d, want 1", got)
	}
}

func TestVerifyFailedURLIsNotRefetchedAtOnce(t *testing.T) {
	ctx := context.Background()
	s := newSynthetic(t)
	missing := "https://s3.amazonaws.com/echo.api/missing.pem"
	for range 50 {
		wantReject(t, s.v.Verify(ctx, headers(missing, s.sig), s.body), "status 404")
	}
	if got := len(s.s3.fetches()); got != 1 {
		t.Fatalf("a failing URL was fetched %d times within a minute, want 1", got)
	}
	// A chain that fails validation is remembered too.
	s.s3.put("/echo.api/expired.pem", read(t, "cert-expired.pem"))
	for range 10 {
		wantReject(t, s.v.Verify(ctx, headers("https://s3.amazonaws.com/echo.api/expired.pem", s.sig), s.body), "expired")
	}
	if got := len(s.s3.fetches()); got != 2 {
		t.Fatalf("fetches = %d, want 2", got)
	}
	// The failure is forgotten after a while; the URL may have been fixed.
	s.s3.put("/echo.api/missing.pem", read(t, "synthetic-test-cert-chain.pem"))
	s.now = s.now.Add(61 * time.Second)
	h, b := headers(missing, sign(t, s.leafKey, stamped(s.body, s.now))), stamped(s.body, s.now)
	if err := s.v.Verify(ctx, h, b); err != nil {
		t.Fatalf("after the negative TTL: %v", err)
	}
	if got := len(s.s3.fetches()); got != 3 {
		t.Fatalf("fetches = %d, want 3", got)
	}
}

// stamped is body with its request timestamp set to now.
func stamped(body []byte, now time.Time) []byte {
	return []byte(strings.Replace(string(body), `"timestamp":"2026-11-23T08:00:00Z"`,
		`"timestamp":"`+now.UTC().Format(time.RFC3339)+`"`, 1))
}

func TestVerifyConcurrentRequestsShareOneFetch(t *testing.T) {
	ctx := context.Background()
	s := newSynthetic(t)
	g := holdFetches(t, s.s3)
	const n = 20
	errs := make(chan error, n)
	for range n {
		go func() { errs <- s.v.Verify(ctx, headers(chainURL, s.sig), s.body) }()
	}
	g.wait(t, 5*time.Second)
	// Give the other requests time to start (and, before the fix, to
	// fetch the same chain again).
	time.Sleep(200 * time.Millisecond)
	g.open()
	for range n {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	if got := len(s.s3.fetches()); got != 1 {
		t.Fatalf("%d concurrent requests for one chain caused %d fetches, want 1", n, got)
	}
}

func TestVerifyFetchConcurrencyIsCapped(t *testing.T) {
	ctx := context.Background()
	s := newSynthetic(t)
	g := holdFetches(t, s.s3)
	const slots = 4 // maxFetches
	urls := make([]string, slots+1)
	for i := range urls {
		urls[i] = fmt.Sprintf("https://s3.amazonaws.com/echo.api/echo-api-cert-%d.pem", i)
		s.s3.put(fmt.Sprintf("/echo.api/echo-api-cert-%d.pem", i), read(t, "synthetic-test-cert-chain.pem"))
	}
	errs := make(chan error, slots+1)
	for _, u := range urls[:slots] {
		go func() { errs <- s.v.Verify(ctx, headers(u, s.sig), s.body) }()
	}
	for range slots {
		g.wait(t, 5*time.Second)
	}
	// A request for a chain already in flight waits for it.
	go func() { errs <- s.v.Verify(ctx, headers(urls[0], s.sig), s.body) }()
	// A request for yet another chain fails at once rather than queue.
	done := make(chan error, 1)
	go func() { done <- s.v.Verify(ctx, headers(urls[slots], s.sig), s.body) }()
	select {
	case err := <-done:
		wantReject(t, err, "too many")
	case <-time.After(2 * time.Second):
		t.Fatalf("a fetch beyond %d in flight was queued, want it refused at once", slots)
	}
	g.open()
	for range slots + 1 {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	if got := len(s.s3.fetches()); got != slots {
		t.Fatalf("fetches = %d, want %d", got, slots)
	}
	// Once the slots are free the refused chain can be fetched; the
	// refusal was not remembered as a failure of the URL.
	if err := s.v.Verify(ctx, headers(urls[slots], s.sig), s.body); err != nil {
		t.Fatal(err)
	}
}

func TestVerifyCertCacheIsBounded(t *testing.T) {
	ctx := context.Background()
	s := newSynthetic(t)
	const bound = 32 // maxCachedChains
	const n = bound + 8
	url := func(i int) string { return fmt.Sprintf("https://s3.amazonaws.com/echo.api/echo-api-cert-%d.pem", i) }
	for i := range n {
		s.s3.put(fmt.Sprintf("/echo.api/echo-api-cert-%d.pem", i), read(t, "synthetic-test-cert-chain.pem"))
		if err := s.v.Verify(ctx, headers(url(i), s.sig), s.body); err != nil {
			t.Fatal(err)
		}
		if got := s.v.cachedChains(); got > bound {
			t.Fatalf("after %d chains the cache holds %d, want at most %d", i+1, got, bound)
		}
	}
	// The newest chain is cached, the oldest was evicted.
	before := len(s.s3.fetches())
	if err := s.v.Verify(ctx, headers(url(n-1), s.sig), s.body); err != nil {
		t.Fatal(err)
	}
	if got := len(s.s3.fetches()); got != before {
		t.Fatalf("newest chain fetched again")
	}
	if err := s.v.Verify(ctx, headers(url(0), s.sig), s.body); err != nil {
		t.Fatal(err)
	}
	if got := len(s.s3.fetches()); got != before+1 {
		t.Fatalf("oldest chain not fetched again: fetches %d, want %d", got, before+1)
	}
}

func TestVerifyFailedURLsAreBounded(t *testing.T) {
	ctx := context.Background()
	s := newSynthetic(t)
	for i := range maxFailedURLs + 50 {
		u := fmt.Sprintf("https://s3.amazonaws.com/echo.api/missing-%d.pem", i)
		wantReject(t, s.v.Verify(ctx, headers(u, s.sig), s.body), "status 404")
		s.v.mu.Lock()
		got := len(s.v.failed)
		s.v.mu.Unlock()
		if got > maxFailedURLs {
			t.Fatalf("after %d failed URLs %d are remembered, want at most %d", i+1, got, maxFailedURLs)
		}
	}
}

// flaky fails its first round trip as a network error would.
type flaky struct {
	next  http.RoundTripper
	mu    sync.Mutex
	tries int
}

func (f *flaky) RoundTrip(r *http.Request) (*http.Response, error) {
	f.mu.Lock()
	f.tries++
	first := f.tries == 1
	f.mu.Unlock()
	if first {
		return nil, errors.New("connection reset by peer")
	}
	return f.next.RoundTrip(r)
}

func TestVerifyNetworkErrorIsNotRemembered(t *testing.T) {
	ctx := context.Background()
	s := newSynthetic(t)
	s.v.Client = &http.Client{Transport: &flaky{next: s.s3}}
	wantReject(t, s.v.Verify(ctx, headers(chainURL, s.sig), s.body), "unable to load")
	// The next request tries again: a blip must not lock the skill out
	// for failedTTL.
	if err := s.v.Verify(ctx, headers(chainURL, s.sig), s.body); err != nil {
		t.Fatal(err)
	}
}

func TestVerifyCallerGivingUpDoesNotFailOthers(t *testing.T) {
	s := newSynthetic(t)
	g := holdFetches(t, s.s3)
	ctx, cancel := context.WithCancel(context.Background())
	first := make(chan error, 1)
	go func() { first <- s.v.Verify(ctx, headers(chainURL, s.sig), s.body) }()
	g.wait(t, 5*time.Second)
	second := make(chan error, 1)
	go func() { second <- s.v.Verify(context.Background(), headers(chainURL, s.sig), s.body) }()
	cancel()
	wantReject(t, <-first, "gave up")
	g.open()
	if err := <-second; err != nil {
		t.Fatalf("the fetch the first caller started failed for the second: %v", err)
	}
	if got := len(s.s3.fetches()); got != 1 {
		t.Fatalf("fetches = %d, want 1", got)
	}
}
