package linking_test

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"html"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kontoskill/konto/banks"
	"github.com/kontoskill/konto/banks/sandbox"
	"github.com/kontoskill/konto/fixtures"
	"github.com/kontoskill/konto/skill"
	"github.com/kontoskill/konto/skill/linking"
	"github.com/kontoskill/konto/skill/sqlite"
)

var secret = []byte("test-secret-0123456789abcdef")

// The sandbox bank is seeded once for the package: sign-in only reads it.
var (
	bankOnce sync.Once
	bank     *sandbox.Bank
	bankErr  error
)

func sandboxBank(t *testing.T) *sandbox.Bank {
	t.Helper()
	bankOnce.Do(func() {
		dir, err := os.MkdirTemp("", "linking-sandbox")
		if err != nil {
			bankErr = err
			return
		}
		bank, bankErr = sandbox.Open(filepath.Join(dir, "sandbox.db"), secret)
		if bankErr != nil {
			return
		}
		d, err := sandbox.LoadData(fixtures.FS())
		if err != nil {
			bankErr = err
			return
		}
		bankErr = bank.Seed(context.Background(), d, sandbox.SeedOptions{Now: start, Months: 1})
	})
	if bankErr != nil {
		t.Fatal(bankErr)
	}
	return bank
}

var start = time.Date(2026, 11, 23, 8, 0, 0, 0, time.UTC)

// clock is the server's injected clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

const (
	clientID = "alexa"
	redirect = "https://alexa.example/link/M2X"
	state    = "state-0123456789-abcdef"
	verifier = "verifier-0123456789-0123456789-0123456789-abcdef"
)

func challenge(v string) string {
	h := sha256.Sum256([]byte(v))
	return base64.RawURLEncoding.EncodeToString(h[:])
}

// env is a running authorization server over real SQLite and the seeded
// sandbox, reached over TLS by a browser-like client with a cookie jar.
type env struct {
	t      *testing.T
	srv    *linking.Server
	store  *sqlite.Store
	bank   *sandbox.Bank
	clock  *clock
	ts     *httptest.Server
	secret string // the client's secret
	// browser keeps cookies and does not follow redirects, so that each
	// answer can be looked at.
	browser *http.Client
	// client is the OAuth client's own HTTP client: no cookies.
	client *http.Client
	// lang is the browser's Accept-Language.
	lang string
}

type envOption func(*linking.Options)

func newEnv(t *testing.T, opts ...envOption) *env {
	t.Helper()
	e := &env{t: t, bank: sandboxBank(t), clock: &clock{t: start}, lang: "en-US,en;q=0.8"}
	store, err := sqlite.Open(filepath.Join(t.TempDir(), "konto.db"), sqlite.WithClock(e.clock.Now))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	e.store = store
	var h http.Handler = http.NotFoundHandler()
	e.ts = httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { h.ServeHTTP(w, r) }))
	t.Cleanup(e.ts.Close)
	o := linking.Options{
		Store:  store,
		Secret: secret,
		Issuer: e.ts.URL,
		SignIn: func(ctx context.Context, bankID, customer, password string) (banks.User, error) {
			return e.bank.SignIn(ctx, customer, password)
		},
		// What the core wires: the keyed argon2id hash in the store.
		SetPIN: func(ctx context.Context, u banks.User, pin string) error {
			return store.SetPIN(ctx, u.Bank, u.Customer, skill.HashPIN(secret, u.Bank, u.Customer, pin), true)
		},
		Now: e.clock.Now,
		Log: slog.New(slog.NewTextHandler(testLog{t}, nil)),
	}
	for _, f := range opts {
		f(&o)
	}
	e.srv, err = linking.NewServer(o)
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	e.srv.Register(mux)
	h = mux
	e.secret, err = linking.AddClient(context.Background(), store, clientID, "Alexa", []string{redirect, "https://layla.example/link/M2X"})
	if err != nil {
		t.Fatal(err)
	}
	jar, _ := cookiejar.New(nil)
	e.browser = &http.Client{Transport: e.ts.Client().Transport, Jar: jar,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	e.client = &http.Client{Transport: e.ts.Client().Transport,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	return e
}

// testLog writes the server's log into the test's.
type testLog struct{ t *testing.T }

func (l testLog) Write(p []byte) (int, error) {
	l.t.Log(strings.TrimSpace(string(p)))
	return len(p), nil
}

// answer is an HTTP answer read whole.
type answer struct {
	status int
	header http.Header
	body   string
	text   string // body with HTML entities decoded
}

func (a answer) location(t *testing.T) *url.URL {
	t.Helper()
	loc := a.header.Get("Location")
	if loc == "" {
		t.Fatalf("no redirect: %d %s", a.status, a.body)
	}
	u, err := url.Parse(loc)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

var (
	csrfField = regexp.MustCompile(`name="csrf" value="([^"]+)"`)
	heading   = regexp.MustCompile(`<h1>([^<]*)</h1>`)
)

func (a answer) csrf(t *testing.T) string {
	t.Helper()
	m := csrfField.FindStringSubmatch(a.body)
	if m == nil {
		t.Fatalf("no CSRF token in the page (%d): %s", a.status, a.body)
	}
	return html.UnescapeString(m[1])
}

func (a answer) heading() string {
	m := heading.FindStringSubmatch(a.body)
	if m == nil {
		return ""
	}
	return html.UnescapeString(m[1])
}

func (e *env) do(req *http.Request, c *http.Client) answer {
	e.t.Helper()
	if req.Header.Get("Accept-Language") == "" {
		req.Header.Set("Accept-Language", e.lang)
	}
	resp, err := c.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		e.t.Fatal(err)
	}
	return answer{status: resp.StatusCode, header: resp.Header, body: string(b), text: html.UnescapeString(string(b))}
}

// get is a GET from the browser.
func (e *env) get(path string, q url.Values) answer {
	e.t.Helper()
	u := e.ts.URL + path
	if q != nil {
		u += "?" + q.Encode()
	}
	req, _ := http.NewRequest(http.MethodGet, u, nil)
	return e.do(req, e.browser)
}

// post is a form POST from the browser.
func (e *env) post(path string, form url.Values) answer {
	e.t.Helper()
	req, _ := http.NewRequest(http.MethodPost, e.ts.URL+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return e.do(req, e.browser)
}

// authorizeQuery is the client's authorization request.
func authorizeQuery(scope string) url.Values {
	return url.Values{"response_type": {"code"}, "client_id": {clientID}, "redirect_uri": {redirect}, "state": {state},
		"scope": {scope}, "code_challenge": {challenge(verifier)}, "code_challenge_method": {"S256"}}
}

// flow is a person's way through the pages.
type flow struct {
	query    url.Values
	bank     string // chosen on the bank page when several are offered
	scopes   []string
	days     string
	customer string
	password string // the customer's sandbox password if empty
	pin      string
}

func defaultFlow() flow {
	return flow{query: authorizeQuery("accounts payments alerts"), scopes: []string{"accounts", "payments"}, days: "90",
		customer: "alice", pin: "4826"}
}

// link goes through every page and returns the client's redirect.
func (e *env) link(f flow) *url.URL {
	e.t.Helper()
	page := e.get(linking.AuthorizePath, f.query)
	if page.status != http.StatusOK {
		e.t.Fatalf("authorize: %d %s", page.status, page.body)
	}
	if strings.Contains(page.body, `name="step" value="bank"`) {
		page = e.post(linking.AuthorizePath, url.Values{"csrf": {page.csrf(e.t)}, "step": {"bank"}, "bank": {f.bank}})
		if page.status != http.StatusOK {
			e.t.Fatalf("bank page: %d %s", page.status, page.body)
		}
	}
	page = e.post(linking.AuthorizePath, url.Values{"csrf": {page.csrf(e.t)}, "step": {"consent"}, "scope": f.scopes,
		"days": {f.days}, "action": {"allow"}})
	if page.status != http.StatusOK || !strings.Contains(page.body, `value="signin"`) {
		e.t.Fatalf("consent page: %d %s", page.status, page.body)
	}
	password := f.password
	if password == "" {
		password = e.bank.Password(f.customer)
	}
	page = e.post(linking.AuthorizePath, url.Values{"csrf": {page.csrf(e.t)}, "step": {"signin"}, "customer": {f.customer},
		"password": {password}})
	if page.status != http.StatusOK || !strings.Contains(page.body, `value="pin"`) {
		e.t.Fatalf("sign-in page: %d %s", page.status, page.body)
	}
	done := e.post(linking.AuthorizePath, url.Values{"csrf": {page.csrf(e.t)}, "step": {"pin"}, "pin": {f.pin}, "pin2": {f.pin}})
	if done.status != http.StatusSeeOther && done.status != http.StatusFound {
		e.t.Fatalf("PIN page: %d %s", done.status, done.body)
	}
	return done.location(e.t)
}

// code links with the default flow and returns the code.
func (e *env) code() string {
	e.t.Helper()
	loc := e.link(defaultFlow())
	code := loc.Query().Get("code")
	if code == "" {
		e.t.Fatalf("no code in %s", loc)
	}
	return code
}

// tokens is a token endpoint answer.
type tokens struct {
	Access      string `json:"access_token"`
	Refresh     string `json:"refresh_token"`
	Type        string `json:"token_type"`
	ExpiresIn   int    `json:"expires_in"`
	Scope       string `json:"scope"`
	Error       string `json:"error"`
	Description string `json:"error_description"`
	status      int
	header      http.Header
}

// auth says how the client authenticates at the token endpoint.
type auth int

const (
	basic auth = iota
	post
)

// tokenRequest is a client's request to the token endpoint (or another
// path) with its credentials.
func (e *env) tokenRequest(path string, form url.Values, how auth, clientSecret string) tokens {
	e.t.Helper()
	form = cloneValues(form)
	if how == post {
		form.Set("client_id", clientID)
		form.Set("client_secret", clientSecret)
	}
	req, _ := http.NewRequest(http.MethodPost, e.ts.URL+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if how == basic {
		req.SetBasicAuth(url.QueryEscape(clientID), url.QueryEscape(clientSecret))
	}
	a := e.do(req, e.client)
	var t tokens
	if strings.TrimSpace(a.body) != "" {
		if err := json.Unmarshal([]byte(a.body), &t); err != nil {
			e.t.Fatalf("%s answered %d, not JSON: %s", path, a.status, a.body)
		}
	}
	t.status, t.header = a.status, a.header
	return t
}

func cloneValues(v url.Values) url.Values {
	out := url.Values{}
	for k, vs := range v {
		out[k] = append([]string(nil), vs...)
	}
	return out
}

func (e *env) exchange(code, codeVerifier string) tokens {
	e.t.Helper()
	form := url.Values{"grant_type": {"authorization_code"}, "code": {code}, "redirect_uri": {redirect}}
	if codeVerifier != "" {
		form.Set("code_verifier", codeVerifier)
	}
	return e.tokenRequest(linking.TokenPath, form, basic, e.secret)
}

func (e *env) refresh(refreshToken string) tokens {
	e.t.Helper()
	return e.tokenRequest(linking.TokenPath, url.Values{"grant_type": {"refresh_token"}, "refresh_token": {refreshToken}}, post, e.secret)
}

// linked goes from the pages to a token pair.
func (e *env) linked() tokens {
	e.t.Helper()
	tok := e.exchange(e.code(), verifier)
	if tok.status != http.StatusOK || tok.Access == "" || tok.Refresh == "" {
		e.t.Fatalf("token exchange: %d %+v", tok.status, tok)
	}
	return tok
}

func (e *env) authenticate(token string) (banks.User, error) {
	return e.srv.Authenticator().Authenticate(context.Background(), token)
}

func wantKind(t *testing.T, err error, want banks.Kind) {
	t.Helper()
	if got := banks.KindOf(err); got != want {
		t.Fatalf("error %v is %v, want %v", err, got, want)
	}
}

func wantOAuthError(t *testing.T, tok tokens, status int, code string) {
	t.Helper()
	if tok.status != status || tok.Error != code {
		t.Fatalf("got %d %q (%s), want %d %q", tok.status, tok.Error, tok.Description, status, code)
	}
	if tok.Access != "" {
		t.Fatal("an error answer carries an access token")
	}
}
