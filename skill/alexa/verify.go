package alexa

import (
	"context"
	"crypto"
	"crypto/rsa"
	"crypto/sha1" //nolint:gosec // only for the legacy Signature header, off by default
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"path"
	"slices"
	"strings"
	"sync"
	"time"
)

// The rules of PROTOCOLS.md §1.8 (Amazon's "Verify that the request was
// sent by Alexa"). No Go library gets them all right, so they are here.
const (
	certHost       = "s3.amazonaws.com"
	certPathPrefix = "/echo.api/"
	signerSAN      = "echo-api.amazon.com"
	// Tolerance for request timestamps; skill events may be delivered late.
	requestTolerance    = 150 * time.Second
	skillEventTolerance = time.Hour
	maxChainBytes       = 64 << 10

	// Every request names a URL that Konto fetches before it can know
	// whether Amazon signed the request, so what one caller can make it
	// fetch and keep is bounded.
	maxCachedChains = 32 // Amazon serves one chain at a time, a few around a rotation
	maxFailedURLs   = 256
	failedTTL       = time.Minute             // a URL that failed is not fetched again for this long
	maxFetches      = 4                       // fetches of not yet verified URLs in flight at once
	slotWait        = 1500 * time.Millisecond // how long a request waits for a free fetch slot
	fetchTimeout    = 5 * time.Second
)

// VerifyError says why a request failed verification. It always means
// HTTP 400; the reason is for logs, never for the caller.
type VerifyError struct{ Reason string }

func (e *VerifyError) Error() string { return "alexa: request verification failed: " + e.Reason }

func fail(format string, args ...any) error {
	return &VerifyError{Reason: fmt.Sprintf(format, args...)}
}

// Verifier checks that a request was signed by Alexa for one of the
// configured skills. Its zero value is not usable: set AppIDs.
type Verifier struct {
	// AppIDs is the allow-list of skill ids. Empty rejects every request.
	AppIDs []string
	// Roots are the trusted roots; nil means the system pool.
	Roots *x509.CertPool
	// Client fetches certificate chains; a 5 s client that does not follow
	// redirects if nil.
	Client *http.Client
	// Now is the clock; time.Now if nil.
	Now func() time.Time
	// LegacySHA1 accepts the old SHA-1 "Signature" header when
	// "Signature-256" is absent. Off by default; Alexa sends both.
	LegacySHA1 bool
	// CacheTTL bounds how long a fetched chain is trusted without
	// fetching it again (validity is re-checked on every use). Default 1 h.
	CacheTTL time.Duration

	mu       sync.Mutex
	seq      uint64                  // insertion order, for eviction
	cache    map[string]*cachedChain // verified chains by normalised URL
	failed   map[string]*failedURL   // recent failures by normalised URL
	inflight map[string]*fetchCall   // at most one fetch per URL
	freed    chan struct{}           // closed when a fetch ends
}

type cachedChain struct {
	leaf    *x509.Certificate
	chain   []*x509.Certificate // the verified chain, leaf first
	expires time.Time
	seq     uint64
}

type failedURL struct {
	err   error
	until time.Time
	seq   uint64
}

// fetchCall is one fetch of a chain that any number of requests wait for.
type fetchCall struct {
	done chan struct{} // closed once leaf and err are set
	leaf *x509.Certificate
	err  error
}

func (v *Verifier) now() time.Time {
	if v.Now != nil {
		return v.Now()
	}
	return time.Now()
}

// NormalizeCertURL checks a SignatureCertChainUrl and returns the URL to
// fetch: scheme https, host s3.amazonaws.com (any case), port absent or
// 443, no user info, query or fragment, no percent-encoding, and a path
// that starts with /echo.api/ after normalisation. The normalised URL is
// the one fetched, so "/echo.api/../other-bucket/" can never reach another
// bucket, and it is the cache key, so one chain has one key however its
// URL is spelt. Errors are *VerifyError.
func NormalizeCertURL(raw string) (string, error) {
	// Amazon's chain URLs never need escaping. Accepting it would let one
	// S3 object go by endless names ("%23junk" is fetched as a fragment),
	// each a cache miss, and "%2e%2e" or "%252e%252e" hide dot segments
	// from a check that looks at one decoding only.
	if strings.ContainsAny(raw, "%#") {
		return "", fail("cert URL has percent-encoding or a fragment")
	}
	u, err := url.Parse(raw)
	if err != nil {
		return "", fail("cert URL does not parse")
	}
	switch {
	case !strings.EqualFold(u.Scheme, "https"):
		return "", fail("cert URL scheme is not https")
	case u.User != nil:
		return "", fail("cert URL has user info")
	case !strings.EqualFold(u.Hostname(), certHost):
		return "", fail("cert URL host is not %s", certHost)
	case u.Port() != "" && u.Port() != "443":
		return "", fail("cert URL port is not 443")
	case u.RawQuery != "" || u.ForceQuery || u.Fragment != "":
		return "", fail("cert URL has a query or fragment")
	case u.RawPath != "" || strings.ContainsAny(u.Path, "%?#"):
		// RawPath is set when the path is not in its one escaped form:
		// spaces, backslashes, non-ASCII and the like.
		return "", fail("cert URL path has characters that need escaping")
	}
	p := path.Clean(u.Path)
	if !strings.HasPrefix(p, certPathPrefix) {
		return "", fail("cert URL path does not start with %s", certPathPrefix)
	}
	return "https://" + certHost + p, nil
}

// Verify checks one request: headers, certificate URL, timestamp and
// application id, then certificate chain and signature over the exact body
// bytes. Any failure is a *VerifyError.
//
// The timestamp and application id are read from the body before it is
// known to be signed: they cost nothing to check, and checking them first
// means a stale, replayed or foreign request never makes Konto fetch a
// certificate. The signature then covers those same bytes.
func (v *Verifier) Verify(ctx context.Context, h http.Header, body []byte) error {
	return v.verify(ctx, h, body, nil)
}

// verify is Verify; env, if not nil, is body decoded already (the
// handler's envelope), so that the body is not decoded twice.
func (v *Verifier) verify(ctx context.Context, h http.Header, body []byte, env *RequestEnvelope) error {
	certURL := h.Get("SignatureCertChainUrl")
	if certURL == "" {
		return fail("missing SignatureCertChainUrl header")
	}
	sigB64, hash := h.Get("Signature-256"), crypto.SHA256
	if sigB64 == "" {
		if !v.LegacySHA1 || h.Get("Signature") == "" {
			return fail("missing Signature-256 header")
		}
		sigB64, hash = h.Get("Signature"), crypto.SHA1
	}
	fetchURL, err := NormalizeCertURL(certURL)
	if err != nil {
		return err
	}
	sig, err := base64.StdEncoding.DecodeString(strings.TrimSpace(sigB64))
	if err != nil {
		return fail("signature is not base64")
	}
	if env != nil {
		err = v.checkFields(envelopeFields(env))
	} else {
		err = v.checkEnvelope(body)
	}
	if err != nil {
		return err
	}
	leaf, err := v.signer(ctx, fetchURL)
	if err != nil {
		return err
	}
	pub, ok := leaf.PublicKey.(*rsa.PublicKey)
	if !ok {
		return fail("signing certificate key is not RSA")
	}
	var digest []byte
	if hash == crypto.SHA256 {
		d := sha256.Sum256(body)
		digest = d[:]
	} else {
		d := sha1.Sum(body) //nolint:gosec
		digest = d[:]
	}
	if err := rsa.VerifyPKCS1v15(pub, hash, digest, sig); err != nil {
		return fail("request body and signature do not match")
	}
	return nil
}

// checkEnvelope checks the timestamp and the application id of a body.
// Verify calls it before the signature check, so it must not trust the
// body for anything but a rejection.
func (v *Verifier) checkEnvelope(body []byte) error {
	var env struct {
		Session *struct {
			Application struct {
				ApplicationID string `json:"applicationId"`
			} `json:"application"`
		} `json:"session"`
		Context struct {
			System struct {
				Application struct {
					ApplicationID string `json:"applicationId"`
				} `json:"application"`
			} `json:"System"`
		} `json:"context"`
		Request struct {
			Type      string `json:"type"`
			Timestamp string `json:"timestamp"`
		} `json:"request"`
	}
	if err := json.Unmarshal(body, &env); err != nil {
		return fail("body is not a JSON request envelope")
	}
	f := checkedFields{typ: env.Request.Type, timestamp: env.Request.Timestamp, appID: env.Context.System.Application.ApplicationID}
	if env.Session != nil {
		f.sessionAppID = env.Session.Application.ApplicationID
	}
	return v.checkFields(f)
}

// checkedFields are the parts of a body checkEnvelope checks.
type checkedFields struct{ typ, timestamp, appID, sessionAppID string }

// envelopeFields are those fields of a decoded envelope: the same values
// checkEnvelope's own decoding reads, since both decode the same keys
// with the same rules.
func envelopeFields(env *RequestEnvelope) checkedFields {
	f := checkedFields{typ: env.Request.Type, timestamp: env.Request.Timestamp, appID: env.Context.System.Application.ApplicationID}
	if env.Session != nil {
		f.sessionAppID = env.Session.Application.ApplicationID
	}
	return f
}

func (v *Verifier) checkFields(f checkedFields) error {
	if f.timestamp == "" {
		return fail("timestamp not present in request")
	}
	ts, err := time.Parse(time.RFC3339, f.timestamp)
	if err != nil {
		return fail("timestamp does not parse")
	}
	tol := requestTolerance
	if strings.HasPrefix(f.typ, "AlexaSkillEvent.") {
		tol = skillEventTolerance
	}
	if d := v.now().Sub(ts); d > tol || d < -tol {
		return fail("timestamp is %s away from now", d.Round(time.Second))
	}
	appID := f.appID
	if f.sessionAppID != "" {
		if appID != "" && appID != f.sessionAppID {
			return fail("session and context application ids differ")
		}
		appID = f.sessionAppID
	}
	if appID == "" || !slices.Contains(v.AppIDs, appID) {
		return fail("application id is not allowed")
	}
	return nil
}

// signer returns the verified signing certificate for a normalised chain
// URL, from the cache when the cached chain is still within its validity.
// A URL that failed within failedTTL fails again without a fetch; requests
// for a URL being fetched wait for that fetch; and a fetch that would make
// more than maxFetches of unverified URLs in flight waits up to slotWait
// for a slot and is then refused: a queue without end would hold requests
// past Alexa's ~8 s deadline. A URL verified before never waits.
func (v *Verifier) signer(ctx context.Context, certURL string) (*x509.Certificate, error) {
	now := v.now()
	waitUntil := time.Now().Add(slotWait)
	v.mu.Lock()
retry:
	if c := v.cache[certURL]; c != nil && validAt(c.chain, now) == nil {
		// A verified chain serves while it is valid. Past its cache time
		// it is refreshed in the background, outside the fetch cap, so
		// that a flood of unknown URLs can never starve Amazon's own.
		if !now.Before(c.expires) && v.inflight[certURL] == nil {
			if v.inflight == nil {
				v.inflight = map[string]*fetchCall{}
			}
			call := &fetchCall{done: make(chan struct{})}
			v.inflight[certURL] = call
			go v.load(ctx, certURL, call)
		}
		v.mu.Unlock()
		return c.leaf, nil
	}
	if f := v.failed[certURL]; f != nil && now.Before(f.until) {
		v.mu.Unlock()
		return nil, f.err
	}
	call := v.inflight[certURL]
	if call == nil {
		if v.unknownInflight() >= maxFetches {
			// Wait a little for a slot, so that a genuine request is not
			// turned away by a burst of junk; past slotWait, give up.
			if v.freed == nil {
				v.freed = make(chan struct{})
			}
			freed := v.freed
			v.mu.Unlock()
			select {
			case <-freed:
			case <-time.After(time.Until(waitUntil)):
				return nil, fail("too many certificate chain fetches in flight")
			case <-ctx.Done():
				return nil, fail("gave up waiting for the certificate chain: %v", ctx.Err())
			}
			v.mu.Lock()
			goto retry
		}
		if v.inflight == nil {
			v.inflight = map[string]*fetchCall{}
		}
		call = &fetchCall{done: make(chan struct{})}
		v.inflight[certURL] = call
		go v.load(ctx, certURL, call)
	}
	v.mu.Unlock()
	select {
	case <-call.done:
		return call.leaf, call.err
	case <-ctx.Done():
		return nil, fail("gave up waiting for the certificate chain: %v", ctx.Err())
	}
}

// load fetches and verifies one chain, caches the outcome and wakes the
// requests waiting for it. It runs on its own, detached from the request
// that started it, so that one caller hanging up does not fail the others.
func (v *Verifier) load(ctx context.Context, certURL string, call *fetchCall) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), fetchTimeout)
	defer cancel()
	now := v.now()
	leaf, chain, remember, err := v.verifiedChain(ctx, certURL, now)
	ttl := v.CacheTTL
	if ttl == 0 {
		ttl = time.Hour
	}
	v.mu.Lock()
	delete(v.inflight, certURL)
	if v.freed != nil {
		close(v.freed) // wake the requests waiting for a slot
		v.freed = nil
	}
	v.seq++
	if err == nil {
		delete(v.failed, certURL)
		if v.cache == nil {
			v.cache = map[string]*cachedChain{}
		}
		if _, ok := v.cache[certURL]; !ok {
			evictOldest(v.cache, maxCachedChains-1, func(c *cachedChain) uint64 { return c.seq })
		}
		v.cache[certURL] = &cachedChain{leaf: leaf, chain: chain, expires: now.Add(ttl), seq: v.seq}
	} else if old := v.cache[certURL]; old != nil && validAt(old.chain, now) == nil {
		// A refresh failed: the chain verified before still serves, and
		// the next refresh waits a while.
		old.expires = now.Add(failedTTL)
		leaf, err = old.leaf, nil
	} else {
		delete(v.cache, certURL)
		if remember {
			if v.failed == nil {
				v.failed = map[string]*failedURL{}
			}
			if _, ok := v.failed[certURL]; !ok {
				evictOldest(v.failed, maxFailedURLs-1, func(f *failedURL) uint64 { return f.seq })
			}
			v.failed[certURL] = &failedURL{err: err, until: now.Add(failedTTL), seq: v.seq}
		}
	}
	call.leaf, call.err = leaf, err
	v.mu.Unlock()
	close(call.done)
}

// unknownInflight counts the fetches of URLs not verified before; v.mu held.
func (v *Verifier) unknownInflight() int {
	n := 0
	for u := range v.inflight {
		if v.cache[u] == nil {
			n++
		}
	}
	return n
}

// evictOldest drops the entries added first until m has at most max.
func evictOldest[E any](m map[string]E, max int, seq func(E) uint64) {
	for len(m) > max {
		oldest, first := "", true
		for k, e := range m {
			if first || seq(e) < seq(m[oldest]) {
				oldest, first = k, false
			}
		}
		delete(m, oldest)
	}
}

// verifiedChain fetches a chain and verifies it at now. remember says
// whether a failure is worth caching: an answer from S3 (a status, a body
// that is no valid chain) is, since a caller picks it by the URL; a network
// error is not, since it says nothing about the URL and caching it would
// turn a blip into a minute of rejected requests.
func (v *Verifier) verifiedChain(ctx context.Context, certURL string, now time.Time) (leaf *x509.Certificate, chain []*x509.Certificate, remember bool, err error) {
	pemBytes, remember, err := v.fetch(ctx, certURL)
	if err != nil {
		return nil, nil, remember, err
	}
	var certs []*x509.Certificate
	for rest := pemBytes; ; {
		var b *pem.Block
		b, rest = pem.Decode(rest)
		if b == nil {
			break
		}
		if b.Type != "CERTIFICATE" {
			continue
		}
		cert, err := x509.ParseCertificate(b.Bytes)
		if err != nil {
			return nil, nil, true, fail("certificate chain does not parse")
		}
		certs = append(certs, cert)
	}
	if len(certs) == 0 {
		return nil, nil, true, fail("no certificate at the cert URL")
	}
	leaf = certs[0]
	if now.Before(leaf.NotBefore) || now.After(leaf.NotAfter) {
		return nil, nil, true, fail("signing certificate expired or not yet valid")
	}
	if !slices.Contains(leaf.DNSNames, signerSAN) {
		return nil, nil, true, fail("%s missing in the signing certificate's SAN", signerSAN)
	}
	inter := x509.NewCertPool()
	for _, c := range certs[1:] {
		inter.AddCert(c)
	}
	chains, err := leaf.Verify(x509.VerifyOptions{
		DNSName:       signerSAN,
		Intermediates: inter,
		Roots:         v.Roots, // never the fetched certificates
		CurrentTime:   now,
		KeyUsages:     []x509.ExtKeyUsage{x509.ExtKeyUsageAny},
	})
	if err != nil || len(chains) == 0 {
		return nil, nil, true, fail("certificate chain does not lead to a trusted root")
	}
	return leaf, chains[0], false, nil
}

func validAt(chain []*x509.Certificate, now time.Time) error {
	for _, c := range chain {
		if now.Before(c.NotBefore) || now.After(c.NotAfter) {
			return errors.New("certificate outside its validity")
		}
	}
	return nil
}

// fetch gets the PEM bytes at certURL; remember is as for verifiedChain.
func (v *Verifier) fetch(ctx context.Context, certURL string) (b []byte, remember bool, err error) {
	client := v.Client
	if client == nil {
		client = &http.Client{Timeout: fetchTimeout,
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, certURL, nil)
	if err != nil {
		return nil, true, fail("cert URL request: %v", err)
	}
	resp, err := client.Do(req)
	if err != nil {
		return nil, false, fail("unable to load certificate chain: %v", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, true, fail("unable to load certificate chain: status %d", resp.StatusCode)
	}
	b, err = io.ReadAll(io.LimitReader(resp.Body, maxChainBytes+1))
	if err != nil {
		return nil, false, fail("unable to load certificate chain: cut short")
	}
	if len(b) > maxChainBytes {
		return nil, true, fail("unable to load certificate chain: too large")
	}
	return b, false, nil
}
