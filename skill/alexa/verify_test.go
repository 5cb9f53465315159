package alexa

import (
	"context"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"math/big"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"sync"
	"testing"
	"time"
)

const (
	realAppID = "amzn1.ask.skill.c966b8cb-80bc-4482-8ddf-63af59ca07fc"
	testAppID = "amzn1.ask.skill.00000000-0000-0000-0000-00000000bank"
	chainURL  = "https://s3.amazonaws.com/echo.api/echo-api-cert-test.pem"
)

func read(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// fakeS3 is a real HTTP server that stands in for s3.amazonaws.com: a
// transport sends every request there and records the URL asked for.
type fakeS3 struct {
	mu      sync.Mutex
	files   map[string][]byte // path → body
	fetched []string          // URLs as the verifier asked for them
	srv     *httptest.Server
	// hold, if set, runs on every fetch before it is served, so a test
	// can keep fetches in flight.
	hold func(*http.Request)
}

func newFakeS3(t testing.TB) *fakeS3 {
	f := &fakeS3{files: map[string][]byte{}}
	f.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f.mu.Lock()
		b, ok := f.files[r.URL.Path]
		f.mu.Unlock()
		if !ok {
			http.NotFound(w, r)
			return
		}
		w.Write(b)
	}))
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fakeS3) RoundTrip(r *http.Request) (*http.Response, error) {
	f.mu.Lock()
	f.fetched = append(f.fetched, r.URL.String())
	hold := f.hold
	f.mu.Unlock()
	if hold != nil {
		hold(r)
	}
	target, _ := url.Parse(f.srv.URL)
	r2 := r.Clone(r.Context())
	r2.URL.Scheme, r2.URL.Host, r2.Host = target.Scheme, target.Host, target.Host
	return http.DefaultTransport.RoundTrip(r2)
}

func (f *fakeS3) put(path string, b []byte) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.files[path] = b
}

func (f *fakeS3) fetches() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.fetched...)
}

func parseKey(t testing.TB, pemBytes []byte) *rsa.PrivateKey {
	t.Helper()
	b, _ := pem.Decode(pemBytes)
	k, err := x509.ParsePKCS8PrivateKey(b.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	return k.(*rsa.PrivateKey)
}

func sign(t testing.TB, key *rsa.PrivateKey, body []byte) string {
	t.Helper()
	d := sha256.Sum256(body)
	sig, err := rsa.SignPKCS1v15(rand.Reader, key, crypto.SHA256, d[:])
	if err != nil {
		t.Fatal(err)
	}
	return base64.StdEncoding.EncodeToString(sig)
}

// synthetic is the SHA-256 test set with an injected root and clock.
type synthetic struct {
	v       *Verifier
	s3      *fakeS3
	body    []byte
	sig     string
	leafKey *rsa.PrivateKey
	now     time.Time
}

func newSynthetic(t testing.TB) *synthetic {
	s3 := newFakeS3(t)
	s3.put("/echo.api/echo-api-cert-test.pem", read(t, "synthetic-test-cert-chain.pem"))
	roots := x509.NewCertPool()
	roots.AppendCertsFromPEM(read(t, "synthetic-test-root.pem"))
	s := &synthetic{s3: s3, now: time.Date(2026, 11, 23, 8, 0, 30, 0, time.UTC),
		body: read(t, "synthetic-body.json"), sig: strings.TrimSpace(string(read(t, "synthetic-signature-256.b64"))),
		leafKey: parseKey(t, read(t, "synthetic-test-leaf.key"))}
	s.v = &Verifier{AppIDs: []string{testAppID}, Roots: roots, Client: &http.Client{Transport: s3},
		Now: func() time.Time { return s.now }}
	return s
}

func headers(certURL, sig256 string) http.Header {
	h := http.Header{}
	if certURL != "" {
		h.Set("SignatureCertChainUrl", certURL)
	}
	if sig256 != "" {
		h.Set("Signature-256", sig256)
	}
	return h
}

func wantReject(t *testing.T, err error, reason string) {
	t.Helper()
	var ve *VerifyError
	if !errors.As(err, &ve) {
		t.Fatalf("got %v, want a VerifyError about %q", err, reason)
	}
	if !strings.Contains(ve.Reason, reason) {
		t.Fatalf("rejected for %q, want %q", ve.Reason, reason)
	}
}

func TestVerifyRealSignedSHA1Request(t *testing.T) {
	s3 := newFakeS3(t)
	s3.put("/echo.api/echo-api-cert-7.pem", read(t, "echo-api-cert-7.pem"))
	body := read(t, "body.json")
	sig := strings.TrimSpace(string(read(t, "signature-sha1.b64")))
	v := &Verifier{AppIDs: []string{realAppID}, Client: &http.Client{Transport: s3}, LegacySHA1: true,
		Now: func() time.Time { return time.Date(2019, 7, 15, 22, 44, 30, 0, time.UTC) }} // system roots
	h := http.Header{}
	h.Set("signaturecertchainurl", "https://s3.amazonaws.com/echo.api/echo-api-cert-7.pem") // any header case
	h.Set("signature", sig)
	if err := v.Verify(context.Background(), h, body); err != nil {
		t.Fatalf("real Amazon-signed request rejected: %v", err)
	}
	t.Run("a newline appended breaks it", func(t *testing.T) {
		wantReject(t, v.Verify(context.Background(), h, append(append([]byte{}, body...), '\n')), "signature do not match")
	})
	t.Run("SHA-1 is refused unless enabled", func(t *testing.T) {
		strict := &Verifier{AppIDs: v.AppIDs, Client: v.Client, Now: v.Now}
		wantReject(t, strict.Verify(context.Background(), h, body), "missing Signature-256")
	})
	t.Run("pinned clock an hour later is stale", func(t *testing.T) {
		late := &Verifier{AppIDs: v.AppIDs, Client: v.Client, LegacySHA1: true,
			Now: func() time.Time { return time.Date(2019, 7, 15, 23, 44, 30, 0, time.UTC) }}
		wantReject(t, late.Verify(context.Background(), h, body), "timestamp")
	})
}

func TestVerifySyntheticSHA256(t *testing.T) {
	s := newSynthetic(t)
	if err := s.v.Verify(context.Background(), headers(chainURL, s.sig), s.body); err != nil {
		t.Fatalf("valid synthetic request rejected: %v", err)
	}
}

// BenchmarkVerify is verification alone with the chain cached (the first
// call fetches it): URL checks, timestamp and application id, and the RSA
// signature over the body; "body" is Verify, which decodes the body for
// the timestamp and application id, "envelope" is what the handler runs
// with the envelope it decoded anyway. Goal: under 50 µs a request.
func BenchmarkVerify(b *testing.B) {
	s := newSynthetic(b)
	h := headers(chainURL, s.sig)
	ctx := context.Background()
	if err := s.v.Verify(ctx, h, s.body); err != nil {
		b.Fatal(err)
	}
	b.Run("body", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if err := s.v.Verify(ctx, h, s.body); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("envelope", func(b *testing.B) {
		env, problem := decodeEnvelope(s.body)
		if problem != "" {
			b.Fatal(problem)
		}
		b.ReportAllocs()
		for b.Loop() {
			if err := s.v.verify(ctx, h, s.body, env); err != nil {
				b.Fatal(err)
			}
		}
	})
}

func TestCertURLs(t *testing.T) {
	ok := []struct{ raw, fetched string }{
		{"https://s3.amazonaws.com/echo.api/echo-api-cert.pem", "/echo.api/echo-api-cert.pem"},
		{"https://s3.amazonaws.com:443/echo.api/echo-api-cert.pem", "/echo.api/echo-api-cert.pem"},
		{"https://s3.amazonaws.com/echo.api/../echo.api/echo-api-cert.pem", "/echo.api/echo-api-cert.pem"},
		{"HTTPS://s3.amazonaws.com/echo.api/echo-api-cert.pem", "/echo.api/echo-api-cert.pem"},
		{"https://S3.AMAZONAWS.COM/echo.api/echo-api-cert.pem", "/echo.api/echo-api-cert.pem"},
		{"https://s3.amazonaws.com/echo.api/./echo-api-cert.pem", "/echo.api/echo-api-cert.pem"},
		{"https://s3.amazonaws.com//echo.api/echo-api-cert.pem", "/echo.api/echo-api-cert.pem"},
		{"https://s3.amazonaws.com:/echo.api/echo-api-cert.pem", "/echo.api/echo-api-cert.pem"},
		{"https://s3.amazonaws.com/echo.api/echo-api-cert-12.pem", "/echo.api/echo-api-cert-12.pem"},
	}
	for _, c := range ok {
		got, err := NormalizeCertURL(c.raw)
		if err != nil || got != "https://s3.amazonaws.com"+c.fetched {
			t.Errorf("NormalizeCertURL(%q) = %q, %v; want the cleaned URL", c.raw, got, err)
		}
	}
	bad := []string{
		"http://s3.amazonaws.com/echo.api/echo-api-cert.pem",
		"https://notamazon.com/echo.api/echo-api-cert.pem",
		"https://s3.amazonaws.com/EcHo.aPi/echo-api-cert.pem",
		"https://s3.amazonaws.com/invalid.path/echo-api-cert.pem",
		"https://s3.amazonaws.com:563/echo.api/echo-api-cert.pem",
		"https://s3.amazonaws.com/echo.api/../attacker-bucket/cert.pem",
		"https://s3.amazonaws.com/echo.api/%2e%2e/attacker-bucket/cert.pem",
		"https://user:pass@s3.amazonaws.com/echo.api/echo-api-cert.pem",
		"https://s3.amazonaws.com/echo.api/echo-api-cert.pem?x=1",
		"https://s3.amazonaws.com/echo.api/echo-api-cert.pem#frag",
		"https://s3.amazonaws.com.evil.com/echo.api/echo-api-cert.pem",
		"https://s3.amazonaws.com/echo.api",
		"https://s3.amazonaws.com/echo.api/",
		// Percent-encoding is never needed in Amazon's cert URLs; allowing
		// it makes one S3 object reachable under endless cache keys.
		"https://s3.amazonaws.com/echo.api/%2e%2e/echo.api/echo-api-cert.pem",
		"https://s3.amazonaws.com/echo.api/%252e%252e/echo.api/echo-api-cert.pem",
		"https://s3.amazonaws.com/echo.api/%2e%2e/attacker-bucket/cert.pem",
		"https://s3.amazonaws.com/echo.api/echo-api-cert.pem%23junk",
		"https://s3.amazonaws.com/echo.api/echo-api-cert.pem%3Fx=1",
		"https://s3.amazonaws.com/echo.api/echo-api-cert.pem%25",
		"https://s3.amazonaws.com/echo.api/echo-api-cert%2Epem",
		"https://s3.amazonaws.com/echo.api/echo-api-cert.pem%20",
		"https://s3.amazonaws.com/echo.api%2Fecho-api-cert.pem",
		"https://s3.amazonaws.com/%65cho.api/echo-api-cert.pem",
		"https://s3.amazonaws.com/echo.api/echo-api-cert.pem?",
		"https://s3.amazonaws.com/echo.api/echo-api-cert.pem#",
		"https://s3.amazonaws.com/echo.api/echo api.pem",
		"https://s3.amazonaws.com/echo.api/\\..\\x.pem",
		"https://s3.amazonaws.com/echo.api/\u00e9.pem",
		"https://s3.amazonaws%2ecom/echo.api/echo-api-cert.pem",
		"::not a url",
		"",
	}
	for _, raw := range bad {
		if got, err := NormalizeCertURL(raw); err == nil {
			t.Errorf("NormalizeCertURL(%q) = %q, want rejection", raw, got)
		}
	}
}

func TestVerifyFetchesTheNormalisedURL(t *testing.T) {
	s := newSynthetic(t)
	raw := "https://S3.amazonaws.com:443/echo.api/../echo.api/echo-api-cert-test.pem"
	if err := s.v.Verify(context.Background(), headers(raw, s.sig), s.body); err != nil {
		t.Fatal(err)
	}
	got := s.s3.fetches()
	if len(got) != 1 || got[0] != chainURL {
		t.Fatalf("fetched %v, want exactly [%s]", got, chainURL)
	}
}

func TestVerifyRejects(t *testing.T) {
	ctx := context.Background()
	otherKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	// An event body signed by the test leaf, for timestamp and app id cases.
	signed := func(s *synthetic, body string) (http.Header, []byte) {
		return headers(chainURL, sign(t, s.leafKey, []byte(body))), []byte(body)
	}
	envelope := func(typ, ts, appID string) string {
		return `{"version":"1.0","context":{"System":{"application":{"applicationId":"` + appID +
			`"},"user":{"userId":"u"}}},"request":{"type":"` + typ + `","requestId":"r","timestamp":"` + ts + `"}}`
	}
	cases := []struct {
		name   string
		run    func(s *synthetic) error
		reason string
	}{
		{"no cert URL header", func(s *synthetic) error { return s.v.Verify(ctx, headers("", s.sig), s.body) }, "missing SignatureCertChainUrl"},
		{"no signature header", func(s *synthetic) error { return s.v.Verify(ctx, headers(chainURL, ""), s.body) }, "missing Signature-256"},
		{"legacy header only", func(s *synthetic) error {
			h := headers(chainURL, "")
			h.Set("Signature", s.sig)
			return s.v.Verify(ctx, h, s.body)
		}, "missing Signature-256"},
		{"http cert URL", func(s *synthetic) error {
			return s.v.Verify(ctx, headers("http://s3.amazonaws.com/echo.api/echo-api-cert-test.pem", s.sig), s.body)
		}, "scheme"},
		{"path trick to another bucket", func(s *synthetic) error {
			return s.v.Verify(ctx, headers("https://s3.amazonaws.com/echo.api/../attacker/echo-api-cert-test.pem", s.sig), s.body)
		}, "path"},
		{"port 563", func(s *synthetic) error {
			return s.v.Verify(ctx, headers("https://s3.amazonaws.com:563/echo.api/echo-api-cert-test.pem", s.sig), s.body)
		}, "port"},
		{"signature not base64", func(s *synthetic) error { return s.v.Verify(ctx, headers(chainURL, "%%%not base64"), s.body) }, "base64"},
		{"body changed", func(s *synthetic) error {
			return s.v.Verify(ctx, headers(chainURL, s.sig), []byte(strings.Replace(string(s.body), "checking", "savings", 1)))
		}, "signature do not match"},
		{"signed by another key", func(s *synthetic) error {
			return s.v.Verify(ctx, headers(chainURL, sign(t, otherKey, s.body)), s.body)
		}, "signature do not match"},
		{"chain not found", func(s *synthetic) error {
			return s.v.Verify(ctx, headers("https://s3.amazonaws.com/echo.api/missing.pem", s.sig), s.body)
		}, "status 404"},
		{"untrusted root", func(s *synthetic) error {
			s.v.Roots = x509.NewCertPool() // the test root is not trusted
			return s.v.Verify(ctx, headers(chainURL, s.sig), s.body)
		}, "trusted root"},
		{"system roots do not trust the test root", func(s *synthetic) error {
			s.v.Roots = nil
			return s.v.Verify(ctx, headers(chainURL, s.sig), s.body)
		}, "trusted root"},
		{"expired chain", func(s *synthetic) error {
			s.s3.put("/echo.api/expired.pem", read(t, "cert-expired.pem"))
			return s.v.Verify(ctx, headers("https://s3.amazonaws.com/echo.api/expired.pem", s.sig), s.body)
		}, "expired"},
		{"leaf without the SAN", func(s *synthetic) error {
			s.s3.put("/echo.api/nosan.pem", leafWithoutSAN(t))
			return s.v.Verify(ctx, headers("https://s3.amazonaws.com/echo.api/nosan.pem", s.sig), s.body)
		}, "SAN"},
		{"stale timestamp", func(s *synthetic) error {
			s.now = s.now.Add(151 * time.Second)
			return s.v.Verify(ctx, headers(chainURL, s.sig), s.body)
		}, "timestamp"},
		{"future timestamp", func(s *synthetic) error {
			s.now = time.Date(2026, 11, 23, 7, 57, 29, 0, time.UTC)
			return s.v.Verify(ctx, headers(chainURL, s.sig), s.body)
		}, "timestamp"},
		{"no timestamp", func(s *synthetic) error {
			h, b := signed(s, `{"context":{"System":{"application":{"applicationId":"`+testAppID+`"}}},"request":{"type":"LaunchRequest"}}`)
			return s.v.Verify(ctx, h, b)
		}, "timestamp not present"},
		{"skill event older than an hour", func(s *synthetic) error {
			h, b := signed(s, envelope("AlexaSkillEvent.SkillDisabled", "2026-11-23T08:00:00Z", testAppID))
			s.now = time.Date(2026, 11, 23, 9, 0, 1, 0, time.UTC)
			return s.v.Verify(ctx, h, b)
		}, "timestamp"},
		{"intent request 10 minutes old", func(s *synthetic) error {
			h, b := signed(s, envelope("IntentRequest", "2026-11-23T08:00:00Z", testAppID))
			s.now = time.Date(2026, 11, 23, 8, 10, 0, 0, time.UTC)
			return s.v.Verify(ctx, h, b)
		}, "timestamp"},
		{"application id not allowed", func(s *synthetic) error {
			h, b := signed(s, envelope("LaunchRequest", "2026-11-23T08:00:00Z", "amzn1.ask.skill.someone-else"))
			return s.v.Verify(ctx, h, b)
		}, "application id"},
		{"empty allow-list", func(s *synthetic) error { s.v.AppIDs = nil; return s.v.Verify(ctx, headers(chainURL, s.sig), s.body) }, "application id"},
		{"session app id differs from context", func(s *synthetic) error {
			b := strings.Replace(string(s.body), `"session":{"new":false,"sessionId":"amzn1.echo-api.session.00000000-0000-0000-0000-000000000001","application":{"applicationId":"`+testAppID,
				`"session":{"new":false,"sessionId":"amzn1.echo-api.session.00000000-0000-0000-0000-000000000001","application":{"applicationId":"amzn1.ask.skill.other`, 1)
			h, bb := signed(s, b)
			return s.v.Verify(ctx, h, bb)
		}, "differ"},
		{"body is not JSON", func(s *synthetic) error { h, b := signed(s, "not json"); return s.v.Verify(ctx, h, b) }, "JSON"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			wantReject(t, c.run(newSynthetic(t)), c.reason)
		})
	}
	t.Run("skill event 50 minutes old is accepted", func(t *testing.T) {
		s := newSynthetic(t)
		h, b := signed(s, envelope("AlexaSkillEvent.SkillDisabled", "2026-11-23T08:00:00Z", testAppID))
		s.now = time.Date(2026, 11, 23, 8, 50, 0, 0, time.UTC)
		if err := s.v.Verify(ctx, h, b); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("clock skew within 150 s is accepted", func(t *testing.T) {
		s := newSynthetic(t)
		s.now = time.Date(2026, 11, 23, 7, 59, 0, 0, time.UTC) // Alexa a minute ahead of us
		if err := s.v.Verify(ctx, headers(chainURL, s.sig), s.body); err != nil {
			t.Fatal(err)
		}
	})
}

// leafWithoutSAN issues, under the test root, a leaf that names
// echo-api.amazon.com only in its CN.
func leafWithoutSAN(t testing.TB) []byte {
	rootCert, _ := pem.Decode(read(t, "synthetic-test-root.pem"))
	root, err := x509.ParseCertificate(rootCert.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	rootKey := parseKey(t, read(t, "synthetic-test-root.key"))
	leafKey := parseKey(t, read(t, "synthetic-test-leaf.key"))
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(42), Subject: pkix.Name{CommonName: "echo-api.amazon.com"},
		NotBefore: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), NotAfter: time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC),
		KeyUsage: x509.KeyUsageDigitalSignature}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, root, &leafKey.PublicKey, rootKey)
	if err != nil {
		t.Fatal(err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
}

func TestCertCache(t *testing.T) {
	ctx := context.Background()
	s := newSynthetic(t)
	for range 3 {
		if err := s.v.Verify(ctx, headers(chainURL, s.sig), s.body); err != nil {
			t.Fatal(err)
		}
	}
	if n := len(s.s3.fetches()); n != 1 {
		t.Fatalf("chain fetched %d times for one URL, want 1 (cached by URL)", n)
	}
	// Another URL is another cache entry, even with the same content.
	s.s3.put("/echo.api/echo-api-cert-other.pem", read(t, "synthetic-test-cert-chain.pem"))
	if err := s.v.Verify(ctx, headers("https://s3.amazonaws.com/echo.api/echo-api-cert-other.pem", s.sig), s.body); err != nil {
		t.Fatal(err)
	}
	if n := len(s.s3.fetches()); n != 2 {
		t.Fatalf("fetches = %d, want 2 after a new URL", n)
	}
	// A cached chain is re-checked for validity on every use: past the
	// leaf's notAfter the same request fails even from the cache.
	s.v.CacheTTL = 100 * 365 * 24 * time.Hour
	s.now = time.Date(2036, 11, 21, 0, 0, 0, 0, time.UTC)
	wantReject(t, s.v.Verify(ctx, headers(chainURL, s.sig), s.body), "")
}

func TestRealAmazonChainOf2023(t *testing.T) {
	// The real 2023 chain (no signed body exists for it) builds to a system
	// root while valid and is refused once expired.
	s3 := newFakeS3(t)
	s3.put("/echo.api/echo-api-cert-12.pem", read(t, "echo-api-cert-12.cer"))
	v := &Verifier{Client: &http.Client{Transport: s3}, Now: func() time.Time { return time.Date(2023, 6, 1, 0, 0, 0, 0, time.UTC) }}
	if _, err := v.signer(context.Background(), "https://s3.amazonaws.com/echo.api/echo-api-cert-12.pem"); err != nil {
		t.Fatalf("real 2023 chain: %v", err)
	}
	v2 := &Verifier{Client: &http.Client{Transport: s3}, Now: func() time.Time { return time.Date(2024, 6, 1, 0, 0, 0, 0, time.UTC) }}
	_, err := v2.signer(context.Background(), "https://s3.amazonaws.com/echo.api/echo-api-cert-12.pem")
	wantReject(t, err, "expired")
}
