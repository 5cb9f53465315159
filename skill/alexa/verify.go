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

	mu    sync.Mutex
	cache map[string]*cachedChain
}

type cachedChain struct {
	leaf    *x509.Certificate
	chain   []*x509.Certificate // the verified chain, leaf first
	expires time.Time
}

func (v *Verifier) now() time.Time {
	if v.Now != nil {
		return v.Now()
	}
	return time.Now()
}

// NormalizeCertURL checks a SignatureCertChainUrl and returns the URL to
// fetch: scheme https, host s3.amazonaws.com (any case), port absent or
// 443, no user info, query or fragment, and a path that starts with
// /echo.api/ after normalisation. The normalised URL is the one fetched, so
// "/echo.api/../other-bucket/" can never reach another bucket.
func NormalizeCertURL(raw string) (string, error) {
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
	}
	p := path.Clean(u.Path)
	if !strings.HasPrefix(p, certPathPrefix) {
		return "", fail("cert URL path does not start with %s", certPathPrefix)
	}
	return "https://" + certHost + p, nil
}

// Verify checks one request: headers, certificate URL, certificate chain,
// signature over the exact body bytes, timestamp and application id. Any
// failure is a *VerifyError.
func (v *Verifier) Verify(ctx context.Context, h http.Header, body []byte) error {
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
	return v.checkEnvelope(body)
}

// checkEnvelope checks the timestamp and the application id of a body
// whose signature is already verified.
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
	if env.Request.Timestamp == "" {
		return fail("timestamp not present in request")
	}
	ts, err := time.Parse(time.RFC3339, env.Request.Timestamp)
	if err != nil {
		return fail("timestamp does not parse")
	}
	tol := requestTolerance
	if strings.HasPrefix(env.Request.Type, "AlexaSkillEvent.") {
		tol = skillEventTolerance
	}
	if d := v.now().Sub(ts); d > tol || d < -tol {
		return fail("timestamp is %s away from now", d.Round(time.Second))
	}
	appID := env.Context.System.Application.ApplicationID
	if env.Session != nil && env.Session.Application.ApplicationID != "" {
		if appID != "" && appID != env.Session.Application.ApplicationID {
			return fail("session and context application ids differ")
		}
		appID = env.Session.Application.ApplicationID
	}
	if appID == "" || !slices.Contains(v.AppIDs, appID) {
		return fail("application id is not allowed")
	}
	return nil
}

// signer returns the verified signing certificate for a normalised chain
// URL, from the cache when the cached chain is still within its validity.
func (v *Verifier) signer(ctx context.Context, certURL string) (*x509.Certificate, error) {
	now := v.now()
	v.mu.Lock()
	c := v.cache[certURL]
	v.mu.Unlock()
	if c != nil && now.Before(c.expires) {
		if err := validAt(c.chain, now); err == nil {
			return c.leaf, nil
		}
	}
	pemBytes, err := v.fetch(ctx, certURL)
	if err != nil {
		return nil, err
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
			return nil, fail("certificate chain does not parse")
		}
		certs = append(certs, cert)
	}
	if len(certs) == 0 {
		return nil, fail("no certificate at the cert URL")
	}
	leaf := certs[0]
	if now.Before(leaf.NotBefore) || now.After(leaf.NotAfter) {
		return nil, fail("signing certificate expired or not yet valid")
	}
	if !slices.Contains(leaf.DNSNames, signerSAN) {
		return nil, fail("%s missing in the signing certificate's SAN", signerSAN)
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
		return nil, fail("certificate chain does not lead to a trusted root")
	}
	ttl := v.CacheTTL
	if ttl == 0 {
		ttl = time.Hour
	}
	v.mu.Lock()
	if v.cache == nil {
		v.cache = map[string]*cachedChain{}
	}
	v.cache[certURL] = &cachedChain{leaf: leaf, chain: chains[0], expires: now.Add(ttl)}
	v.mu.Unlock()
	return leaf, nil
}

func validAt(chain []*x509.Certificate, now time.Time) error {
	for _, c := range chain {
		if now.Before(c.NotBefore) || now.After(c.NotAfter) {
			return errors.New("certificate outside its validity")
		}
	}
	return nil
}

func (v *Verifier) fetch(ctx context.Context, certURL string) ([]byte, error) {
	client := v.Client
	if client == nil {
		client = &http.Client{Timeout: 5 * time.Second,
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, certURL, nil)
	if err != nil {
		return nil, fail("cert URL request: %v", err)
	}
	resp, err := client.Do(req)
	if err != nil {
		return nil, fail("unable to load certificate chain: %v", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fail("unable to load certificate chain: status %d", resp.StatusCode)
	}
	b, err := io.ReadAll(io.LimitReader(resp.Body, maxChainBytes+1))
	if err != nil || len(b) > maxChainBytes {
		return nil, fail("unable to load certificate chain: too large or cut short")
	}
	return b, nil
}
