// Package openapitest checks HTTP traffic against the official
// open-banking OpenAPI files (UK Open Banking Read/Write v3.1.11 and Berlin
// Group NextGenPSD2 1.3.11, copied unchanged into testdata/ with their
// licence notes), with github.com/getkin/kin-openapi. Tests wrap a
// connector's transport (RoundTripper) or a server's handler (Handler)
// with a Validator, so every request and response a test makes is checked.
package openapitest

import (
	"bytes"
	"context"
	"embed"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"

	"github.com/dlclark/regexp2"
	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"
)

//go:embed testdata/*.yaml testdata/LICENCES.md
var specs embed.FS

// The spec files, by what they describe.
const (
	UKAccounts = "ukob-v3.1.11-account-info.yaml"       // base path /open-banking/v3.1/aisp
	UKPayments = "ukob-v3.1.11-payment-initiation.yaml" // base path /open-banking/v3.1/pisp
	BerlinNG   = "berlingroup-psd2-api-1.3.11.yaml"     // base path /v1 (servers say /psd2)
)

// basePaths are where each spec's paths are served, whatever its
// servers section says.
var basePaths = map[string]string{UKAccounts: "/open-banking/v3.1/aisp", UKPayments: "/open-banking/v3.1/pisp", BerlinNG: ""}

// re2compat compiles the specs' ECMAScript patterns (the UK
// x-idempotency-key pattern uses a look-ahead, which Go's RE2 lacks).
type re2compat struct{ re *regexp2.Regexp }

func (r re2compat) MatchString(s string) bool {
	ok, err := r.re.MatchString(s)
	return err == nil && ok
}

func compile(expr string) (openapi3.RegexMatcher, error) {
	re, err := regexp2.Compile(expr, regexp2.ECMAScript)
	if err != nil {
		return nil, err
	}
	return re2compat{re}, nil
}

// Validator checks requests and responses against one or more specs.
type Validator struct {
	docs    []*openapi3.T
	routers []routers.Router
	mu      sync.Mutex
	// Violations collects every problem found, for tests to assert on.
	violations []string
}

var loadMu sync.Mutex
var loaded = map[string]*openapi3.T{}

// Load returns the parsed spec of one of the files above (cached).
func Load(name string) (*openapi3.T, error) {
	loadMu.Lock()
	defer loadMu.Unlock()
	if d, ok := loaded[name]; ok {
		return d, nil
	}
	b, err := specs.ReadFile("testdata/" + name)
	if err != nil {
		return nil, err
	}
	l := openapi3.NewLoader()
	doc, err := l.LoadFromData(b)
	if err != nil {
		return nil, fmt.Errorf("openapitest: %s: %w", name, err)
	}
	// The official files' own examples break their schemas; the
	// look-ahead patterns need an ECMAScript compiler.
	if err := doc.Validate(context.Background(), openapi3.SetRegexCompiler(compile),
		openapi3.DisableExamplesValidation()); err != nil {
		return nil, fmt.Errorf("openapitest: %s: %w", name, err)
	}
	// Route by path only: one server, at the path the standard serves it.
	doc.Servers = openapi3.Servers{{URL: "http://bank.test" + basePaths[name]}}
	loaded[name] = doc
	return doc, nil
}

// New returns a validator for the named specs.
func New(names ...string) (*Validator, error) {
	v := &Validator{}
	for _, n := range names {
		doc, err := Load(n)
		if err != nil {
			return nil, err
		}
		r, err := gorillamux.NewRouter(doc)
		if err != nil {
			return nil, fmt.Errorf("openapitest: %s: %w", n, err)
		}
		v.docs, v.routers = append(v.docs, doc), append(v.routers, r)
	}
	return v, nil
}

func (v *Validator) options() *openapi3filter.Options {
	return &openapi3filter.Options{AuthenticationFunc: openapi3filter.NoopAuthenticationFunc,
		RegexCompiler: compile, IncludeResponseStatus: true, MultiError: true}
}

// route finds the operation of a request in one of the specs. The host is
// ignored: a request is routed by its path alone.
func (v *Validator) route(r *http.Request) (*routers.Route, map[string]string, error) {
	u := *r.URL
	u.Scheme, u.Host = "http", "bank.test"
	rr := r.Clone(r.Context())
	rr.URL = &u
	rr.Host = "bank.test"
	var last error
	for _, rt := range v.routers {
		route, params, err := rt.FindRoute(rr)
		if err == nil {
			return route, params, nil
		}
		last = err
	}
	return nil, nil, fmt.Errorf("no operation in the spec for %s %s: %v", r.Method, r.URL.Path, last)
}

func (v *Validator) record(what string, err error) {
	v.mu.Lock()
	defer v.mu.Unlock()
	v.violations = append(v.violations, what+": "+err.Error())
}

// Violations returns what was found so far.
func (v *Validator) Violations() []string {
	v.mu.Lock()
	defer v.mu.Unlock()
	return append([]string(nil), v.violations...)
}

// Request validates a request (its body is read and restored).
func (v *Validator) Request(r *http.Request) error {
	route, params, err := v.route(r)
	if err != nil {
		return err
	}
	body, err := readBody(&r.Body)
	if err != nil {
		return err
	}
	in := &openapi3filter.RequestValidationInput{Request: cloneWithBody(r, body), PathParams: params, Route: route, Options: v.options()}
	return openapi3filter.ValidateRequest(r.Context(), in)
}

// Response validates a response to a request (its body is read and restored).
func (v *Validator) Response(r *http.Request, resp *http.Response) error {
	route, params, err := v.route(r)
	if err != nil {
		return err
	}
	body, err := readBody(&resp.Body)
	if err != nil {
		return err
	}
	in := &openapi3filter.RequestValidationInput{Request: r, PathParams: params, Route: route, Options: v.options()}
	out := &openapi3filter.ResponseValidationInput{RequestValidationInput: in, Status: resp.StatusCode, Header: resp.Header,
		Options: v.options()}
	out.SetBodyBytes(body)
	return openapi3filter.ValidateResponse(r.Context(), out)
}

func readBody(b *io.ReadCloser) ([]byte, error) {
	if *b == nil || *b == http.NoBody {
		*b = http.NoBody
		return nil, nil
	}
	data, err := io.ReadAll(*b)
	(*b).Close()
	*b = io.NopCloser(bytes.NewReader(data))
	return data, err
}

func cloneWithBody(r *http.Request, body []byte) *http.Request {
	c := r.Clone(r.Context())
	c.Body = io.NopCloser(bytes.NewReader(body))
	if body == nil {
		c.Body = http.NoBody
	}
	return c
}

// RoundTripper validates every request before sending it and every
// response after receiving it; violations are recorded (see Violations)
// and the traffic goes on unchanged.
func (v *Validator) RoundTripper(next http.RoundTripper) http.RoundTripper {
	if next == nil {
		next = http.DefaultTransport
	}
	return roundTrip(func(r *http.Request) (*http.Response, error) {
		if err := v.Request(r); err != nil {
			v.record("request "+r.Method+" "+r.URL.Path, err)
		}
		resp, err := next.RoundTrip(r)
		if err != nil {
			return resp, err
		}
		if err := v.Response(r, resp); err != nil {
			v.record(fmt.Sprintf("response %d to %s %s", resp.StatusCode, r.Method, r.URL.Path), err)
		}
		return resp, nil
	})
}

type roundTrip func(*http.Request) (*http.Response, error)

func (f roundTrip) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// Handler validates every request a server handles and the response it
// writes; violations are recorded. Requests outside the specs (an
// authorisation page, a token endpoint) pass unchecked when skip says so.
func (v *Validator) Handler(next http.Handler, skip func(*http.Request) bool) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if skip != nil && skip(r) {
			next.ServeHTTP(w, r)
			return
		}
		if err := v.Request(r); err != nil {
			v.record("request "+r.Method+" "+r.URL.Path, err)
		}
		rec := httptest.NewRecorder()
		next.ServeHTTP(rec, r)
		resp := rec.Result()
		if err := v.Response(r, resp); err != nil {
			v.record(fmt.Sprintf("response %d to %s %s", resp.StatusCode, r.Method, r.URL.Path), err)
		}
		for k, vs := range rec.Header() {
			w.Header()[k] = vs
		}
		w.WriteHeader(rec.Code)
		w.Write(rec.Body.Bytes())
	})
}

// Path joins a spec's base path and an operation path, for tests.
func Path(spec, op string) string { return strings.TrimRight(basePaths[spec], "/") + op }
