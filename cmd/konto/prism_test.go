package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/kontoskill/konto/banks/sandbox/ukobapi"
)

// The Prism check: Stoplight Prism's validation proxy (`prism proxy
// --errors`, CONNECTORS.md §3) stands between the connectors and `konto
// sandbox openbanking`, one per official specification, while `banks
// verify` runs the whole round. With --errors a request that breaks the
// specification gets 422 (a problem+json of Prism's listing the
// violations) and is not forwarded, and a response that breaks it becomes
// a 500 of the same kind, so verify fails. Violations that are not errors
// (warnings) pass, but are in the sl-violations header, and all of them
// are in Prism's log ("Violation: ...", "Request terminated with error").
// The test fails on any of these.

// prismDir holds the Prism CLI: package.json and its lock file, installed
// with `npm ci` (CI does it before the tests, as for virtual-alexa).
const prismDir = "testdata/prism"

// prismCLI returns the Prism CLI of prismDir, installing it from the lock
// file when it is missing. Without Node.js or npm the check is skipped,
// except on CI (CI=true), where it fails, as it does when the packages
// are not installed there.
func prismCLI(t *testing.T) string {
	t.Helper()
	dir, err := filepath.Abs(prismDir)
	if err != nil {
		t.Fatal(err)
	}
	ci := os.Getenv("CI") == "true"
	for _, tool := range []string{"node", "npm"} {
		if _, err := exec.LookPath(tool); err != nil {
			if ci {
				t.Fatalf("CI=true, but %s is not on PATH: the Prism validation-proxy check needs Node.js and npm", tool)
			}
			t.Skipf("SKIPPED the Prism validation-proxy check: %s is not on PATH (install Node.js and npm to run it; with CI=true this fails)", tool)
		}
	}
	want := prismLocked(t, dir)
	if got := prismInstalled(dir); got != want {
		if ci {
			has := "no @stoplight/prism-cli"
			if got != "" {
				has = "@stoplight/prism-cli " + got
			}
			t.Fatalf("CI=true, but %s has %s installed, not %s of its lock file: .ci/run installs it with `npm ci` there before the tests",
				dir, has, want)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
		defer cancel()
		cmd := exec.CommandContext(ctx, "npm", "ci", "--no-audit", "--no-fund", "--loglevel=error")
		cmd.Dir = dir
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("npm ci in %s: %v\n%s", dir, err, out)
		}
		if got := prismInstalled(dir); got != want {
			t.Fatalf("after npm ci, %s holds @stoplight/prism-cli %q, want %s", dir, got, want)
		}
	}
	return filepath.Join(dir, "node_modules", ".bin", "prism")
}

// prismLocked is the version of @stoplight/prism-cli in the lock file.
func prismLocked(t *testing.T, dir string) string {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(dir, "package-lock.json"))
	if err != nil {
		t.Fatal(err)
	}
	var lock struct {
		Packages map[string]struct{ Version string } `json:"packages"`
	}
	if err := json.Unmarshal(raw, &lock); err != nil {
		t.Fatalf("%s/package-lock.json: %v", dir, err)
	}
	v := lock.Packages["node_modules/@stoplight/prism-cli"].Version
	if v == "" {
		t.Fatalf("%s/package-lock.json does not lock @stoplight/prism-cli", dir)
	}
	return v
}

// prismInstalled is the version of @stoplight/prism-cli installed in dir
// ("" if none).
func prismInstalled(dir string) string {
	raw, err := os.ReadFile(filepath.Join(dir, "node_modules", "@stoplight", "prism-cli", "package.json"))
	if err != nil {
		return ""
	}
	var p struct{ Version string }
	json.Unmarshal(raw, &p)
	if _, err := os.Stat(filepath.Join(dir, "node_modules", ".bin", "prism")); err != nil {
		return ""
	}
	return p.Version
}

// prismProxy is one running `prism proxy --errors`.
type prismProxy struct {
	name  string // for messages: "UK AIS", ...
	url   string // where it listens
	logs  *syncBuffer
	paths map[string]*regexp.Regexp
	// mark is where the log of the round starts, after the controls.
	mark int
}

var (
	prismListeningRE = regexp.MustCompile(`Prism is listening on (http://[0-9.]+:[0-9]+)`)
	ansiRE           = regexp.MustCompile("\x1b\\[[0-9;]*m")
)

// startPrism runs `prism proxy --errors` for a specification in front of
// upstream, on a port of the loopback address the kernel picks (-p 0;
// Prism prints it), and waits until it answers. The process is killed
// when the test ends, or when ctx is done. It runs on a goroutine of its
// own, so it returns its failure rather than end the test.
func startPrism(ctx context.Context, t *testing.T, bin string, p *prismProxy, spec, upstream string) error {
	p.logs = &syncBuffer{}
	cmd := exec.CommandContext(ctx, bin, "proxy", "--errors", "-h", "127.0.0.1", "-p", "0", spec, upstream)
	cmd.Stdout, cmd.Stderr = p.logs, p.logs
	cmd.Env = append(os.Environ(), "NO_COLOR=1", "FORCE_COLOR=0")
	cmd.WaitDelay = 5 * time.Second
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("starting Prism (%s): %w", p.name, err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	t.Cleanup(func() {
		cmd.Process.Kill()
		<-exited
	})
	for deadline := time.Now().Add(45 * time.Second); time.Now().Before(deadline); {
		if m := prismListeningRE.FindStringSubmatch(ansiRE.ReplaceAllString(p.logs.String(), "")); m != nil {
			// A CORS preflight is answered by Prism itself (204), without
			// routing, validating or forwarding anything.
			req, _ := http.NewRequestWithContext(ctx, http.MethodOptions, m[1]+"/", nil)
			req.Header.Set("Origin", "http://127.0.0.1")
			req.Header.Set("Access-Control-Request-Method", "GET")
			if res, err := http.DefaultClient.Do(req); err == nil {
				res.Body.Close()
				if res.StatusCode == http.StatusNoContent {
					p.url = m[1]
					return nil
				}
			}
		}
		select {
		case err := <-exited:
			exited <- err
			return fmt.Errorf("Prism (%s) exited before it listened: %v\n%s", p.name, err, p.logs.String())
		case <-ctx.Done():
			return fmt.Errorf("Prism (%s) did not start: %v\n%s", p.name, ctx.Err(), p.logs.String())
		case <-time.After(50 * time.Millisecond):
		}
	}
	return fmt.Errorf("Prism (%s) did not answer within 45s:\n%s", p.name, p.logs.String())
}

// logBarrier sends the proxy a request of no specification's, and
// returns where its lines start and end in the log: Prism logs through a
// stream, a little after it answers, and in order, so whatever it logged
// for the requests before is before start.
func (p *prismProxy) logBarrier(ctx context.Context, t *testing.T) (start, end int) {
	t.Helper()
	path := fmt.Sprintf("/konto-log-barrier/%d", time.Now().UnixNano())
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, p.url+path, nil)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("Prism (%s): %v", p.name, err)
	}
	res.Body.Close()
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		logs := p.logs.String()
		// Two lines name the path: "Request received", then "Request
		// terminated with error" (no route).
		first, last := strings.Index(logs, path), strings.LastIndex(logs, path)
		if first < 0 || last == first {
			continue
		}
		if nl := strings.IndexByte(logs[last:], '\n'); nl >= 0 {
			return strings.LastIndexByte(logs[:first], '\n') + 1, last + nl + 1
		}
	}
	t.Fatalf("Prism (%s) did not log %s within 10s:\n%s", p.name, path, p.logs.String())
	return 0, 0
}

// prismExchange is one call that went through the recording front.
type prismExchange struct {
	via          string // the Prism proxy's name, or "direct"
	method, path string // as the connector sent them
	op           string // the specification's operation, "GET /accounts"
	status       int
	violations   string // Prism's sl-violations header
	location     string // the Location header
	problem      bool   // an application/problem+json answer of Prism's own
	request      string // the request body, cut
	response     string // the response body, cut
	err          error
}

func (x prismExchange) String() string {
	s := fmt.Sprintf("%s %s via %s (%s): %d", x.method, x.path, x.via, cmpOr(x.op, "no operation of the spec"), x.status)
	if x.err != nil {
		s += fmt.Sprintf(" (%v)", x.err)
	}
	if x.violations != "" {
		s += "\n  sl-violations: " + x.violations
	}
	if x.location != "" {
		s += "\n  Location: " + x.location
	}
	if x.request != "" {
		s += "\n  request: " + x.request
	}
	return s + "\n  response: " + x.response
}

// prismRecorder records every exchange of the front.
type prismRecorder struct {
	mu   sync.Mutex
	list []prismExchange
}

func (r *prismRecorder) all() []prismExchange {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]prismExchange(nil), r.list...)
}

// recordingTransport is the front's transport: it keeps what went
// through, under the path the connector used.
type recordingTransport struct {
	via   string
	path  func(*http.Request) string
	paths map[string]*regexp.Regexp // the spec's, nil for "direct"
	rec   *prismRecorder
	tr    http.RoundTripper
}

func cut(b []byte) string {
	s := strings.TrimSpace(string(b))
	if len(s) > 1500 {
		s = s[:1500] + "…"
	}
	return s
}

func (rt recordingTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	x := prismExchange{via: rt.via, method: req.Method, path: rt.path(req), op: operation(rt.paths, req.Method, req.URL.Path)}
	if req.Body != nil && req.Body != http.NoBody {
		b, err := io.ReadAll(req.Body)
		req.Body.Close()
		if err != nil {
			return nil, err
		}
		req.Body = io.NopCloser(bytes.NewReader(b))
		x.request = cut(b)
	}
	res, err := rt.tr.RoundTrip(req)
	if err != nil {
		x.err = err
	} else {
		b, rerr := io.ReadAll(res.Body)
		res.Body.Close()
		res.Body = io.NopCloser(bytes.NewReader(b))
		x.status, x.violations, x.location, x.response, x.err = res.StatusCode, res.Header.Get("sl-violations"), res.Header.Get("Location"), cut(b), rerr
		x.problem = strings.HasPrefix(res.Header.Get("Content-Type"), "application/problem+json") &&
			bytes.Contains(b, []byte("stoplight.io/prism/errors"))
	}
	rt.rec.mu.Lock()
	rt.rec.list = append(rt.rec.list, x)
	rt.rec.mu.Unlock()
	return res, err
}

// prismFront mirrors the sandbox's URL layout on a listener of its own:
// the API paths of each specification go through its Prism proxy, with
// the specification's server path taken off (Prism matches the paths of
// the spec, and joins what it matched to the upstream URL); everything
// else, the bank's pages and app, goes straight to the sandbox. So the
// relative links the sandbox sends (Berlin Group's "/psd2/v1/...") and
// its cookie paths ("/psd2/app") keep working, and every exchange is
// recorded.
func prismFront(t *testing.T, sandboxBase string, routes map[string]*prismProxy, rec *prismRecorder) string {
	t.Helper()
	direct, err := url.Parse(sandboxBase)
	if err != nil {
		t.Fatal(err)
	}
	tr := http.DefaultTransport.(*http.Transport).Clone()
	t.Cleanup(tr.CloseIdleConnections)
	directProxy := &httputil.ReverseProxy{
		Rewrite:   func(pr *httputil.ProxyRequest) { pr.SetURL(direct); pr.Out.Host = direct.Host },
		Transport: recordingTransport{via: "direct", rec: rec, tr: tr, path: func(r *http.Request) string { return r.URL.RequestURI() }},
	}
	type route struct {
		match, strip string
		proxy        *httputil.ReverseProxy
	}
	var table []route
	for prefix, p := range routes {
		target, err := url.Parse(p.url)
		if err != nil {
			t.Fatal(err)
		}
		strip := prefix
		if prefix == "/psd2" {
			// Only XS2A's /v1/... is in the Berlin Group specification.
			prefix += "/v1"
		}
		table = append(table, route{match: prefix + "/", strip: strip, proxy: &httputil.ReverseProxy{
			Rewrite: func(pr *httputil.ProxyRequest) { pr.SetURL(target); pr.Out.Host = target.Host },
			Transport: recordingTransport{via: p.name, rec: rec, tr: tr, paths: p.paths,
				path: func(r *http.Request) string { return strip + r.URL.RequestURI() }},
		}})
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		for _, rt := range table {
			if strings.HasPrefix(r.URL.Path, rt.match) {
				r.URL.Path = strings.TrimPrefix(r.URL.Path, rt.strip)
				r.URL.RawPath = ""
				rt.proxy.ServeHTTP(w, r)
				return
			}
		}
		directProxy.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}

// TestPrismProxyFindsNoViolations runs `banks verify` for a demo customer
// of each standard through Prism's validation proxy in front of `konto
// sandbox openbanking`, with the official specifications (UK Open
// Banking v3.1.11 AIS and PIS, Berlin Group NextGenPSD2 1.3.11): neither
// the connectors' requests nor the sandbox's responses may break them.
func TestPrismProxyFindsNoViolations(t *testing.T) {
	bin := prismCLI(t)
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	specs, err := filepath.Abs("../../banks/openapitest/testdata")
	if err != nil {
		t.Fatal(err)
	}
	data := filepath.Join(t.TempDir(), "data")
	base, _, _ := startOpenBanking(t, data)

	// One proxy per specification, its upstream the sandbox under the
	// path the spec's paths are relative to: the UK files' servers are
	// that path ("/open-banking/v3.1/aisp", ".../pisp"), the Berlin Group
	// file's end in /psd2. Prism matches a request's path against the
	// spec's paths (servers only count when a request names one with
	// __server) and forwards it to the upstream URL's path + that path.
	wants := []struct{ name, spec, prefix string }{
		{"UK AIS", "ukob-v3.1.11-account-info.yaml", ukobapi.AccountsBase},
		{"UK PIS", "ukob-v3.1.11-payment-initiation.yaml", ukobapi.PaymentsBase},
		{"Berlin Group", bgSpec, obPrefix},
	}
	proxies := make([]*prismProxy, len(wants))
	routes := map[string]*prismProxy{}
	errs := make([]error, len(wants))
	var wg sync.WaitGroup
	began := time.Now()
	for i, w := range wants {
		spec := prismSpec(t, specs, w.spec)
		proxies[i] = &prismProxy{name: w.name, paths: specPaths(t, spec)}
		routes[w.prefix] = proxies[i]
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = startPrism(ctx, t, bin, proxies[i], spec, base+w.prefix)
		}()
	}
	// They start at once, in a few seconds (node, and the Berlin Group
	// file is large).
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	t.Logf("the three Prism proxies answered after %v", time.Since(began).Round(time.Millisecond))
	// Prism validates, and --errors holds a request that breaks the
	// specification back (422, a problem of Prism's naming the violation,
	// no sl-violations header then): one such request to each proxy,
	// directly.
	for _, c := range []struct {
		p                  *prismProxy
		method, path, body string
		header             map[string]string
	}{
		{proxies[0], "GET", "/accounts/a1/transactions?fromBookingDateTime=yesterday", "", map[string]string{"Authorization": "Bearer x"}},
		{proxies[1], "POST", "/domestic-payment-consents", `{"Data":{}}`, map[string]string{"Authorization": "Bearer x", "Content-Type": "application/json"}},
		{proxies[2], "GET", "/v1/accounts", "", nil},
	} {
		req, _ := http.NewRequestWithContext(ctx, c.method, c.p.url+c.path, strings.NewReader(c.body))
		for k, v := range c.header {
			req.Header.Set(k, v)
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode != http.StatusUnprocessableEntity || !bytes.Contains(body, []byte(`"type":"https://stoplight.io/prism/errors#`)) ||
			!bytes.Contains(body, []byte(`"validation":[{`)) {
			t.Fatalf("Prism (%s) let %s %s through: %d\n%s", c.p.name, c.method, c.path, res.StatusCode, body)
		}
	}
	for _, p := range proxies {
		_, p.mark = p.logBarrier(ctx, t)
	}

	rec := &prismRecorder{}
	front := prismFront(t, base, routes, rec)

	// The printed banks file, with the APIs reached through the front;
	// the OAuth 2 endpoints, in no specification, stay direct.
	var file struct {
		Banks []bankEntry `yaml:"banks"`
	}
	if err := yaml.Unmarshal([]byte(mustRead(t, printedBanks(t, data, base))), &file); err != nil {
		t.Fatal(err)
	}
	for i, b := range file.Banks {
		for _, u := range []*string{&b.AISURL, &b.PISURL, &b.BaseURL} {
			if *u != "" {
				if !strings.HasPrefix(*u, base+"/") {
					t.Fatalf("bank %s: %s is not at the sandbox %s", b.ID, *u, base)
				}
				*u = front + strings.TrimPrefix(*u, base)
			}
		}
		file.Banks[i] = b
	}
	raw, err := yaml.Marshal(file)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "konto-banks.yaml")
	if err := os.WriteFile(path, raw, 0o600); err != nil {
		t.Fatal(err)
	}
	list, err := loadBanks(path, noEnv)
	if err != nil {
		t.Fatalf("the rewritten banks file: %v\n%s", err, raw)
	}
	if uk, de := list[0], list[1]; uk.AISURL != front+ukobapi.AccountsBase || uk.PISURL != front+ukobapi.PaymentsBase ||
		uk.TokenURL != base+"/oauth2/token" || uk.AuthorizeURL != base+"/oauth2/authorize" || de.BaseURL != front+obPrefix {
		t.Fatalf("the rewritten banks file:\n%s", raw)
	}

	for _, tc := range []struct{ bank, customer string }{{"ukbank", "oliver"}, {"debank", "jonas"}} {
		began := time.Now()
		var out, errb bytes.Buffer
		err := realMain(ctx, []string{"banks", "verify", "--banks", path, "--bank", tc.bank, "--customer", tc.customer, "--data", data},
			noEnv, strings.NewReader(""), &out, &errb)
		if err != nil || !strings.Contains(out.String(), ", 0 failed") {
			t.Errorf("banks verify --bank %s --customer %s through Prism: %v\n%s%s", tc.bank, tc.customer, err, out.String(), errb.String())
		} else {
			t.Logf("banks verify --bank %s --customer %s through Prism, %v:\n%s", tc.bank, tc.customer, time.Since(began).Round(time.Millisecond), out.String())
		}
	}

	// What Prism saw, and what it said of it.
	seen := map[string]map[string]int{}
	for _, x := range rec.all() {
		if x.via == "direct" {
			if strings.HasPrefix(x.path, ukobapi.AccountsBase) || strings.HasPrefix(x.path, ukobapi.PaymentsBase) ||
				strings.HasPrefix(x.path, obPrefix+"/v1/") {
				t.Errorf("an API call bypassed Prism: %s", x)
			}
			continue
		}
		if seen[x.via] == nil {
			seen[x.via] = map[string]int{}
		}
		seen[x.via][cmpOr(x.op, x.method+" "+x.path+" (no operation of the spec)")]++
		switch {
		case x.err != nil:
			t.Errorf("through Prism (%s): %s", x.via, x)
		case x.violations != "" || x.problem || x.status == http.StatusUnprocessableEntity || x.status == http.StatusInternalServerError:
			t.Errorf("Prism (%s) found a violation:\n%s", x.via, x)
		}
		// What format "url" meant, checked here (see prismSpec).
		if u, err := url.Parse(x.location); x.location != "" && (err != nil || u.Scheme != "http" || u.Host == "" || u.Opaque != "") {
			t.Errorf("Location %q is not an absolute http URL: %s", x.location, x)
		}
	}
	for _, p := range proxies {
		end, _ := p.logBarrier(ctx, t)
		logs := ansiRE.ReplaceAllString(p.logs.String()[p.mark:end], "")
		for _, line := range strings.Split(logs, "\n") {
			if strings.Contains(line, "Violation") || strings.Contains(line, "Request terminated with error") {
				t.Errorf("Prism (%s) logged: %s", p.name, strings.TrimSpace(line))
			}
		}
		if t.Failed() {
			t.Logf("Prism (%s) log:\n%s", p.name, logs)
		}
	}
	// Prism did see the round: each capability's calls went through it.
	for via, calls := range map[string][]string{
		"UK AIS": {"POST /account-access-consents", "GET /accounts", "GET /accounts/{AccountId}/balances",
			"GET /accounts/{AccountId}/transactions", "GET /beneficiaries", "DELETE /account-access-consents/{ConsentId}"},
		"UK PIS": {"POST /domestic-payment-consents", "GET /domestic-payment-consents/{ConsentId}/funds-confirmation", "POST /domestic-payments",
			"GET /domestic-payments/{DomesticPaymentId}"},
		"Berlin Group": {"POST /v1/consents", "GET /v1/consents/{consentId}/status", "GET /v1/accounts", "GET /v1/accounts/{account-id}/balances",
			"GET /v1/accounts/{account-id}/transactions", "POST /v1/{payment-service}/{payment-product}",
			"GET /v1/{payment-service}/{payment-product}/{paymentId}/status", "DELETE /v1/consents/{consentId}"},
	} {
		for _, c := range calls {
			if seen[via][c] == 0 {
				t.Errorf("Prism (%s) saw no %s", via, c)
			}
		}
	}
	var summary []string
	for via, calls := range seen {
		for c, n := range calls {
			summary = append(summary, fmt.Sprintf("%s: %s ×%d", via, c, n))
		}
	}
	sort.Strings(summary)
	t.Logf("the calls through Prism:\n%s", strings.Join(summary, "\n"))
}

// bgSpec is the Berlin Group specification file.
const bgSpec = "berlingroup-psd2-api-1.3.11.yaml"

// bgLocationHeader is the Berlin Group file's Location response header.
const bgLocationHeader = `    Location:
      description: |
        Location of the created resource.
      schema:
        type: string
        format: url
`

// prismSpec is the file Prism reads for one of the specifications: the
// official file, unchanged, but for one known artefact of the validator.
// The Berlin Group file types its Location header with format "url",
// which is no format of JSON Schema or OpenAPI; Prism checks it with
// ajv-formats' deprecated "url", a web-URL regex that rejects loopback
// and private addresses and hosts without a dot by design
// (ajv-validator/ajv#636 and #929, ajv-validator/ajv-formats#53). So every
// Location of a sandbox on 127.0.0.1 would be a "violation", and with
// --errors a 500 in place of every created consent and payment. The copy
// has format "uri" (RFC 3986) there instead, and the test checks each
// Location is an absolute http URL itself.
func prismSpec(t *testing.T, dir, name string) string {
	t.Helper()
	path := filepath.Join(dir, name)
	if name != bgSpec {
		return path
	}
	raw := mustRead(t, path)
	if n := strings.Count(raw, bgLocationHeader); n != 1 {
		t.Fatalf("%s: the Location header with format url is there %d times, want once:\n%s", path, n, bgLocationHeader)
	}
	out := filepath.Join(t.TempDir(), name)
	fixed := strings.Replace(bgLocationHeader, "format: url", "format: uri", 1)
	if err := os.WriteFile(out, []byte(strings.Replace(raw, bgLocationHeader, fixed, 1)), 0o600); err != nil {
		t.Fatal(err)
	}
	return out
}

var specPathRE = regexp.MustCompile(`(?m)^  (/[^:\s]*):\s*$`)

// specPaths are the path templates of an OpenAPI file, as regular
// expressions of the paths they match.
func specPaths(t *testing.T, spec string) map[string]*regexp.Regexp {
	t.Helper()
	out := map[string]*regexp.Regexp{}
	for _, m := range specPathRE.FindAllStringSubmatch(mustRead(t, spec), -1) {
		re := regexp.MustCompile(`\\\{[^/]*?\\\}`).ReplaceAllString(regexp.QuoteMeta(m[1]), `[^/]+`)
		out[m[1]] = regexp.MustCompile("^" + re + "$")
	}
	if len(out) == 0 {
		t.Fatalf("%s has no paths", spec)
	}
	return out
}

// operation names a call by the specification's path it matches, the
// one with the most literal segments as Prism prefers ("" if none).
func operation(paths map[string]*regexp.Regexp, method, path string) string {
	best, score := "", -1
	for tmpl, re := range paths {
		if !re.MatchString(path) {
			continue
		}
		n := 0
		for _, seg := range strings.Split(tmpl, "/") {
			if !strings.HasPrefix(seg, "{") {
				n++
			}
		}
		if n > score || n == score && tmpl < best {
			best, score = tmpl, n
		}
	}
	if best == "" {
		return ""
	}
	return method + " " + best
}

func mustRead(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
