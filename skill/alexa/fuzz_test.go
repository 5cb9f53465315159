package alexa

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/kontoskill/konto/intents"
)

// The decoders here take bytes from anyone who can reach the endpoint.
// Seeds are in f.Add and testdata/fuzz/<FuzzName>/.

func FuzzNormalizeCertURL(f *testing.F) {
	for _, s := range []string{
		"https://s3.amazonaws.com/echo.api/echo-api-cert.pem",
		"https://s3.amazonaws.com:443/echo.api/echo-api-cert.pem",
		"https://s3.amazonaws.com/echo.api/../echo.api/echo-api-cert.pem",
		"HTTPS://S3.AMAZONAWS.COM/echo.api/echo-api-cert-12.pem",
		"https://s3.amazonaws.com//echo.api/./a/../echo-api-cert.pem",
		"https://s3.amazonaws.com/echo.api/%2e%2e/attacker/cert.pem",
		"https://s3.amazonaws.com/echo.api/%252e%252e/x.pem",
		"https://s3.amazonaws.com/echo.api/x.pem%23junk",
		"https://s3.amazonaws.com/echo.api/x.pem?a#b",
		"https://u@s3.amazonaws.com/echo.api/x.pem",
		"https://s3.amazonaws.com:563/echo.api/x.pem",
		"https://[::1]:443/echo.api/x.pem",
		"https://s3.amazonaws.com/echo.api/\\..\\x",
		"//s3.amazonaws.com/echo.api/x.pem",
	} {
		f.Add(s)
	}
	const prefix = "https://" + certHost
	f.Fuzz(func(t *testing.T, raw string) {
		got, err := NormalizeCertURL(raw)
		if err != nil {
			var ve *VerifyError
			if !errors.As(err, &ve) || got != "" {
				t.Fatalf("NormalizeCertURL(%q) = %q, %v; want \"\" and a *VerifyError", raw, got, err)
			}
			return
		}
		if !strings.HasPrefix(got, prefix+certPathPrefix) {
			t.Fatalf("NormalizeCertURL(%q) = %q, outside %s%s", raw, got, prefix, certPathPrefix)
		}
		if strings.ContainsAny(got, "%?#") {
			t.Fatalf("NormalizeCertURL(%q) = %q, has %%, ? or #", raw, got)
		}
		p := strings.TrimPrefix(got, prefix)
		for _, seg := range strings.Split(p, "/") {
			if seg == ".." || seg == "." {
				t.Fatalf("NormalizeCertURL(%q) = %q, has a dot segment", raw, got)
			}
		}
		again, err := NormalizeCertURL(got)
		if err != nil || again != got {
			t.Fatalf("NormalizeCertURL(%q) = %q, but normalising that gives %q, %v", raw, got, again, err)
		}
		// What the HTTP client sends is exactly the cache key.
		u, err := url.Parse(got)
		if err != nil || u.Host != certHost || u.Path != p || u.EscapedPath() != p {
			t.Fatalf("NormalizeCertURL(%q) = %q, which the client would send as %v (%v)", raw, got, u, err)
		}
	})
}

// memS3 serves the synthetic chain from memory, so fuzzing never touches
// the network.
type memS3 map[string][]byte

func (m memS3) RoundTrip(r *http.Request) (*http.Response, error) {
	b, ok := m[r.URL.Path]
	if !ok || r.URL.Host != certHost {
		return &http.Response{StatusCode: http.StatusNotFound, Body: http.NoBody, Request: r}, nil
	}
	return &http.Response{StatusCode: http.StatusOK, Body: io.NopCloser(bytes.NewReader(b)), Request: r}, nil
}

func FuzzVerifyEnvelope(f *testing.F) {
	syn := newSynthetic(f)
	roots := syn.v.Roots
	chain := read(f, "synthetic-test-cert-chain.pem")
	now := syn.now
	v := &Verifier{AppIDs: []string{testAppID, realAppID}, Roots: roots, LegacySHA1: true,
		Client: &http.Client{Transport: memS3{"/echo.api/echo-api-cert-test.pem": chain}},
		Now:    func() time.Time { return now }}
	f.Add(syn.body, chainURL, syn.sig, "")
	f.Add(read(f, "body.json"), "https://s3.amazonaws.com/echo.api/echo-api-cert-7.pem", "", strings.TrimSpace(string(read(f, "signature-sha1.b64"))))
	f.Add([]byte(`{"context":{"System":{"application":{"applicationId":"`+testAppID+`"}}},"request":{"type":"AlexaSkillEvent.SkillDisabled","timestamp":"2026-11-23T07:30:00Z"}}`),
		chainURL, syn.sig, "")
	f.Add([]byte(`{"session":null,"request":{"timestamp":"2026-11-23T08:00:00.999999999+00:00"}}`), chainURL, "AAAA", "")
	f.Add([]byte(`{"request":{"timestamp":"+99999-01-01T00:00:00Z"}}`), "https://s3.amazonaws.com/echo.api/missing.pem", "====", "x")
	f.Add([]byte(`[]`), "", "", "")
	f.Fuzz(func(t *testing.T, body []byte, certURL, sig256, sigLegacy string) {
		h := http.Header{}
		for k, val := range map[string]string{"SignatureCertChainUrl": certURL, "Signature-256": sig256, "Signature": sigLegacy} {
			if val != "" {
				h.Set(k, val)
			}
		}
		envErr := v.checkEnvelope(body)
		err := v.Verify(context.Background(), h, body)
		for _, e := range []error{envErr, err} {
			var ve *VerifyError
			if e != nil && !errors.As(e, &ve) {
				t.Fatalf("error %v is not a *VerifyError", e)
			}
		}
		if err == nil && envErr != nil {
			t.Fatalf("Verify accepted a body whose envelope fails: %v", envErr)
		}
	})
}

func FuzzDecodeEnvelope(f *testing.F) {
	seeds, _ := filepath.Glob("testdata/requests/*.json")
	for _, p := range seeds {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add(read(f, "synthetic-body.json"))
	f.Add(read(f, "body.json"))
	for _, s := range []string{
		`{"request":{"type":"IntentRequest","locale":"de-DE","intent":{"name":"GetTransactionsIntent","slots":{"date":{"name":"date","value":"2026-W53-WE"},"number":{"value":"999999"}}}}}`,
		`{"request":{"type":"IntentRequest","intent":{"name":"TransferIntent","slots":{"amount":{"value":"-1"},"toAccount":{"value":"savings","resolutions":{"resolutionsPerAuthority":[{"status":{"code":"ER_SUCCESS_MATCH"},"values":[]}]}}}}}}`,
		`{"request":{"type":"IntentRequest","intent":{"name":"Intent","slots":{"":{}}}}}`,
		`{"request":{"type":"IntentRequest","intent":null},"session":{"attributes":{"a":[1,{"b":null}]}}}`,
		`{"request":{"type":1}}`,
		`{"request":{"type":"x"}} trailing`,
		`{"request":`,
	} {
		f.Add([]byte(s))
	}
	now := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, body []byte) {
		env, problem := decodeEnvelope(body)
		if problem != "" {
			if env != nil {
				t.Fatalf("problem %q with an envelope", problem)
			}
			return
		}
		if env == nil || env.Request.Type == "" {
			t.Fatalf("no problem but envelope %+v", env)
		}
		env.userID()
		env.accessToken()
		in := env.Request.Intent
		if in == nil {
			return
		}
		for _, loc := range append(slices.Clone(intents.Locales), env.Request.Locale) {
			name, slots := mapIntent(in, loc, now)
			cat, ok := intents.Lookup(name)
			if !ok && name != intents.Fallback {
				t.Fatalf("mapIntent(%q) = unknown intent %q", in.Name, name)
			}
			for k, val := range slots {
				if !cat.HasSlot(k) || val == nil {
					t.Fatalf("mapIntent(%q) = slot %q=%v that %s does not take", in.Name, k, val, name)
				}
			}
		}
		for _, s := range in.Slots {
			s.ResolvedID()
			checkAmazonDate(t, s.Value, now)
		}
	})
}

func FuzzAmazonDate(f *testing.F) {
	for _, s := range []string{"2026-11-03", "2026-10", "2026-W47", "2026-W47-WE", "2026-W53", "0000-W01", "9999-12",
		"2026", "PRESENT_REF", "2026-W1", "2026-W01-XX", "20261", "2026-02-30", "XXXX-WXX"} {
		f.Add(s)
	}
	now := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, v string) { checkAmazonDate(t, v, now) })
}

// checkAmazonDate checks that a range AmazonDate returns is real days, in
// order, not past today.
func checkAmazonDate(t *testing.T, v string, now time.Time) {
	t.Helper()
	dr, ok := AmazonDate(v, now)
	if !ok {
		return
	}
	start, err1 := time.Parse(time.DateOnly, dr.Start)
	end, err2 := time.Parse(time.DateOnly, dr.End)
	today := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, time.UTC)
	if err1 != nil || err2 != nil || start.After(end) || end.After(today) {
		t.Fatalf("AmazonDate(%q) = %+v", v, dr)
	}
}
