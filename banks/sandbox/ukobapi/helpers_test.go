package ukobapi_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/kontoskill/konto/banks/openapitest"
	"github.com/kontoskill/konto/banks/sandbox"
	"github.com/kontoskill/konto/banks/sandbox/ukobapi"
	"github.com/kontoskill/konto/fixtures"
)

const (
	clientID    = "konto"
	secret      = "konto-secret"
	callback    = "https://konto.example/callback"
	keyID       = "konto-key-1"
	trustAnchor = "openbanking.org.uk"
)

var clientKey = sync.OnceValue(func() *rsa.PrivateKey {
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		panic(err)
	}
	return k
})

// clock is the server's clock: real time plus what a test skipped.
type clock struct {
	mu   sync.Mutex
	skip time.Duration
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return time.Now().Add(c.skip)
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.skip += d
}

type env struct {
	t     *testing.T
	bank  *sandbox.Bank
	srv   *ukobapi.Server
	ts    *httptest.Server
	v     *openapitest.Validator
	clock *clock
	// tolerate lets through the violations a test makes on purpose.
	tolerate func(violation string) bool
}

var seeded = sync.OnceValues(func() (*sandbox.Data, error) { return sandbox.LoadData(fixtures.FS()) })

// newEnv runs a server over a freshly seeded bank, with every request and
// response of the APIs checked against the official spec files; the test
// fails on any violation.
func newEnv(t *testing.T, tweak func(*ukobapi.Options)) *env {
	t.Helper()
	dir := t.TempDir()
	bank, err := sandbox.Open(filepath.Join(dir, "bank.db"), []byte("ukobapi-test-secret-0123456789"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { bank.Close() })
	d, err := seeded()
	if err != nil {
		t.Fatal(err)
	}
	if err := bank.Seed(context.Background(), d, sandbox.SeedOptions{Now: time.Now()}); err != nil {
		t.Fatal(err)
	}
	clk := &clock{}
	opts := ukobapi.Options{
		Path:    filepath.Join(dir, "ukobapi.db"),
		Clients: []ukobapi.Client{{ID: clientID, Secret: secret, Name: "Konto", RedirectURIs: []string{callback}, Key: &clientKey().PublicKey, KeyID: keyID}},
		Now:     clk.Now,
	}
	if tweak != nil {
		tweak(&opts)
	}
	srv, err := ukobapi.New(bank, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	v, err := openapitest.New(openapitest.UKAccounts, openapitest.UKPayments)
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(v.Handler(srv, pagesAndTokens))
	t.Cleanup(ts.Close)
	e := &env{t: t, bank: bank, srv: srv, ts: ts, v: v, clock: clk}
	t.Cleanup(func() {
		for _, x := range v.Violations() {
			if e.tolerate == nil || !e.tolerate(x) {
				t.Errorf("spec violation: %s", x)
			}
		}
	})
	return e
}

// pagesAndTokens are the routes outside the Open Banking specs.
func pagesAndTokens(r *http.Request) bool {
	return strings.HasPrefix(r.URL.Path, "/oauth2/") || strings.HasPrefix(r.URL.Path, "/app/")
}

type resp struct {
	status int
	header http.Header
	body   []byte
}

func (r resp) json(t *testing.T) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(r.body, &m); err != nil {
		t.Fatalf("body %q: %v", r.body, err)
	}
	return m
}

// get digs into decoded JSON by keys and indexes: get(m, "Data", "Account", 0, "AccountId").
func get(v any, path ...any) any {
	for _, p := range path {
		switch k := p.(type) {
		case string:
			m, _ := v.(map[string]any)
			v = m[k]
		case int:
			a, _ := v.([]any)
			if k >= len(a) {
				return nil
			}
			v = a[k]
		}
	}
	return v
}

func (r resp) errorCodes() []string {
	var e struct{ Errors []struct{ ErrorCode string } }
	json.Unmarshal(r.body, &e)
	var out []string
	for _, x := range e.Errors {
		out = append(out, x.ErrorCode)
	}
	return out
}

// call makes an API request; base is ukobapi.AccountsBase or PaymentsBase.
func (e *env) call(method, path, token string, hdr map[string]string, body []byte) resp {
	e.t.Helper()
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	u := path
	if !strings.HasPrefix(path, "http") {
		u = e.ts.URL + path
	}
	req, err := http.NewRequest(method, u, rd)
	if err != nil {
		e.t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	req.Header.Set("x-fapi-interaction-id", "6f2a4c1e-9b1d-4d7e-8a61-1c2b3d4e5f60")
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	for k, v := range hdr {
		if v == "" {
			req.Header.Del(k)
		} else {
			req.Header.Set(k, v)
		}
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	if id := res.Header.Get("x-fapi-interaction-id"); strings.HasPrefix(path, "/open-banking") && id == "" {
		e.t.Errorf("%s %s: no x-fapi-interaction-id in the response", method, path)
	}
	return resp{status: res.StatusCode, header: res.Header, body: b}
}

// signed is the headers of a payment POST.
func (e *env) signed(key string, body []byte) map[string]string {
	return map[string]string{"x-idempotency-key": key, "x-jws-signature": sign(e.t, body, nil)}
}

// sign makes a detached x-jws-signature in the v3.1.4+ profile; tweak
// changes the header for the tests of bad signatures.
func sign(t *testing.T, body []byte, tweak func(*jose.SignerOptions)) string {
	t.Helper()
	opts := (&jose.SignerOptions{}).
		WithHeader("http://openbanking.org.uk/iat", time.Now().Unix()).
		WithHeader("http://openbanking.org.uk/iss", clientID).
		WithHeader("http://openbanking.org.uk/tan", trustAnchor).
		WithCritical("http://openbanking.org.uk/iat", "http://openbanking.org.uk/iss", "http://openbanking.org.uk/tan")
	if tweak != nil {
		tweak(opts)
	}
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.PS256, Key: jose.JSONWebKey{Key: clientKey(), KeyID: keyID}}, opts)
	if err != nil {
		t.Fatal(err)
	}
	obj, err := signer.Sign(body)
	if err != nil {
		t.Fatal(err)
	}
	s, err := obj.DetachedCompactSerialize()
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// token asks the token endpoint; form is the grant.
func (e *env) token(form url.Values) (int, map[string]any) {
	e.t.Helper()
	req, _ := http.NewRequest("POST", e.ts.URL+"/oauth2/token", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(clientID, secret)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer res.Body.Close()
	var m map[string]any
	json.NewDecoder(res.Body).Decode(&m)
	return res.StatusCode, m
}

func (e *env) clientToken(scope string) string {
	e.t.Helper()
	status, m := e.token(url.Values{"grant_type": {"client_credentials"}, "scope": {scope}})
	tok, _ := m["access_token"].(string)
	if status != 200 || tok == "" {
		e.t.Fatalf("client credentials: %d %v", status, m)
	}
	return tok
}

var allPermissions = []string{"ReadAccountsDetail", "ReadBalances", "ReadTransactionsDetail", "ReadTransactionsCredits",
	"ReadTransactionsDebits", "ReadBeneficiariesDetail", "ReadDirectDebits", "ReadStandingOrdersDetail"}

// accountConsent creates an account-access consent and returns its id.
func (e *env) accountConsent(data map[string]any) string {
	e.t.Helper()
	if data == nil {
		data = map[string]any{}
	}
	if data["Permissions"] == nil {
		data["Permissions"] = allPermissions
	}
	body, _ := json.Marshal(map[string]any{"Data": data, "Risk": map[string]any{}})
	r := e.call("POST", ukobapi.AccountsBase+"/account-access-consents", e.clientToken("accounts"), nil, body)
	if r.status != 201 {
		e.t.Fatalf("account consent: %d %s", r.status, r.body)
	}
	if st := get(r.json(e.t), "Data", "Status"); st != "AwaitingAuthorisation" {
		e.t.Fatalf("a new consent is %v", st)
	}
	return get(r.json(e.t), "Data", "ConsentId").(string)
}

var (
	csrfField = regexp.MustCompile(`name="csrf" value="([^"]+)"`)
	reqField  = regexp.MustCompile(`name="req" value="([^"]+)"`)
)

// browser is a customer's browser: cookies, and no following of redirects.
func browser() *http.Client {
	jar, _ := cookiejar.New(nil)
	return &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

// authorize opens the consent page for a consent and answers it as the
// customer; it returns the redirect back to the client.
func (e *env) authorize(query url.Values, customer, decision string) *url.URL {
	e.t.Helper()
	b := browser()
	res, err := b.Get(e.ts.URL + "/oauth2/authorize?" + query.Encode())
	if err != nil {
		e.t.Fatal(err)
	}
	page, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != 200 {
		e.t.Fatalf("consent page: %d %s", res.StatusCode, page)
	}
	csrf, req := csrfField.FindSubmatch(page), reqField.FindSubmatch(page)
	if csrf == nil || req == nil {
		e.t.Fatalf("the consent page has no form: %s", page)
	}
	form := url.Values{"csrf": {string(csrf[1])}, "req": {string(req[1])}, "customer": {customer},
		"password": {e.bank.Password(customer)}, "decision": {decision}}
	res, err = b.PostForm(e.ts.URL+"/oauth2/authorize", form)
	if err != nil {
		e.t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusSeeOther {
		e.t.Fatalf("the consent page answered %d", res.StatusCode)
	}
	u, err := url.Parse(res.Header.Get("Location"))
	if err != nil {
		e.t.Fatal(err)
	}
	return u
}

func authorizeQuery(consentID, scope string) url.Values {
	return url.Values{"client_id": {clientID}, "redirect_uri": {callback}, "response_type": {"code"}, "scope": {scope},
		"state": {"st-123"}, "consent_id": {consentID}}
}

// link runs the whole account-access flow for a customer and returns
// the access and refresh tokens.
func (e *env) link(customer string, data map[string]any) (access, refresh, consentID string) {
	e.t.Helper()
	consentID = e.accountConsent(data)
	back := e.authorize(authorizeQuery(consentID, "openid accounts payments"), customer, "approve")
	code := back.Query().Get("code")
	if code == "" || back.Query().Get("state") != "st-123" {
		e.t.Fatalf("redirect %s", back)
	}
	status, m := e.token(url.Values{"grant_type": {"authorization_code"}, "code": {code}, "redirect_uri": {callback}})
	if status != 200 {
		e.t.Fatalf("code exchange: %d %v", status, m)
	}
	access, _ = m["access_token"].(string)
	refresh, _ = m["refresh_token"].(string)
	return access, refresh, consentID
}
