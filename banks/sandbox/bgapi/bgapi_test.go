package bgapi_test

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
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

	"github.com/kontoskill/konto/banks"
	"github.com/kontoskill/konto/banks/openapitest"
	"github.com/kontoskill/konto/banks/sandbox"
	"github.com/kontoskill/konto/banks/sandbox/bgapi"
	"github.com/kontoskill/konto/fixtures"
)

var start = time.Date(2026, 11, 23, 6, 0, 0, 0, time.UTC)

// clock is a test clock shared by the bank and the server.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// env is a seeded sandbox bank served by bgapi behind the Berlin Group
// validator. Every request and response of the API goes through it, and
// the test fails on any violation. Requests the standard forbids, sent on
// purpose to see the answer (callBad), go to the server directly; their
// answers are validated all the same.
type env struct {
	t     testing.TB
	bank  *sandbox.Bank
	srv   *bgapi.Server
	ts    *httptest.Server
	raw   *httptest.Server
	v     *openapitest.Validator
	clock *clock
}

func newEnv(t testing.TB, opts bgapi.Options) *env {
	t.Helper()
	dir := t.TempDir()
	bank, err := sandbox.Open(filepath.Join(dir, "sandbox.db"), []byte("test-secret-0123456789"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { bank.Close() })
	d, err := sandbox.LoadData(fixtures.FS())
	if err != nil {
		t.Fatal(err)
	}
	if err := bank.Seed(context.Background(), d, sandbox.SeedOptions{Now: start}); err != nil {
		t.Fatal(err)
	}
	clk := &clock{t: start.Add(2 * time.Hour)}
	bank.Now = clk.now
	opts.Now = clk.now
	if opts.Path == "-" {
		opts.Path = ""
	} else if opts.Path == "" {
		opts.Path = filepath.Join(dir, "bgapi.db")
	}
	srv, err := bgapi.New(bank, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	v, err := openapitest.New(openapitest.BerlinNG)
	if err != nil {
		t.Fatal(err)
	}
	e := &env{t: t, bank: bank, srv: srv, v: v, clock: clk}
	e.ts = httptest.NewServer(v.Handler(srv, bgapi.Pages))
	e.raw = httptest.NewServer(srv)
	t.Cleanup(e.ts.Close)
	t.Cleanup(e.raw.Close)
	t.Cleanup(func() {
		for _, v := range e.v.Violations() {
			t.Errorf("OpenAPI violation: %s", v)
		}
	})
	return e
}

const psuIP = "192.0.2.10"

// newRequestID is a fresh UUID for X-Request-ID.
func newRequestID() string {
	b := make([]byte, 16)
	rand.Read(b)
	b[6], b[8] = b[6]&0x0f|0x40, b[8]&0x3f|0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:])
}

type answer struct {
	status int
	header http.Header
	body   map[string]any
	raw    string
}

// call makes an API call; headers with an empty value are left out.
func (e *env) call(method, path string, h map[string]string, body any) answer {
	e.t.Helper()
	return e.send(e.ts.URL, method, path, h, body)
}

// callBad sends a request the standard does not allow, past the
// validator, and checks that the answer is one the standard allows.
func (e *env) callBad(method, path string, h map[string]string, body any) answer {
	e.t.Helper()
	a := e.send(e.raw.URL, method, path, h, body)
	req := httptest.NewRequest(method, path, nil)
	resp := &http.Response{StatusCode: a.status, Header: a.header, Body: io.NopCloser(strings.NewReader(a.raw))}
	if err := e.v.Response(req, resp); err != nil {
		e.t.Errorf("OpenAPI violation in the answer to %s %s: %v", method, path, err)
	}
	return a
}

func (e *env) send(base, method, path string, h map[string]string, body any) answer {
	e.t.Helper()
	var rd io.Reader
	if body != nil {
		js, _ := json.Marshal(body)
		rd = strings.NewReader(string(js))
	}
	req, _ := http.NewRequest(method, base+path, rd)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("X-Request-ID", newRequestID())
	for k, v := range h {
		if v == "" {
			req.Header.Del(k)
		} else {
			req.Header.Set(k, v)
		}
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	a := answer{status: resp.StatusCode, header: resp.Header, raw: string(raw)}
	json.Unmarshal(raw, &a.body)
	if got, sent := resp.Header.Get("X-Request-ID"), req.Header.Get("X-Request-ID"); sent != "" && got != sent && strings.Count(sent, "-") == 4 {
		e.t.Errorf("%s %s: X-Request-ID %q, sent %q", method, path, got, sent)
	}
	return a
}

func (a answer) code() string {
	msgs, _ := a.body["tppMessages"].([]any)
	if len(msgs) == 0 {
		return ""
	}
	m, _ := msgs[0].(map[string]any)
	s, _ := m["code"].(string)
	return s
}

func (a answer) str(keys ...string) string {
	var v any = a.body
	for _, k := range keys {
		m, _ := v.(map[string]any)
		v = m[k]
	}
	s, _ := v.(string)
	return s
}

func (a answer) want(t testing.TB, status int, code string) {
	t.Helper()
	if a.status != status || a.code() != code {
		t.Fatalf("answer %d %s, want %d %s: %s", a.status, a.code(), status, code, a.raw)
	}
}

type consentReq struct {
	Access                   map[string]any `json:"access"`
	RecurringIndicator       bool           `json:"recurringIndicator"`
	ValidUntil               string         `json:"validUntil"`
	FrequencyPerDay          int            `json:"frequencyPerDay"`
	CombinedServiceIndicator bool           `json:"combinedServiceIndicator"`
}

func allAccounts(freq int) consentReq {
	return consentReq{Access: map[string]any{"allPsd2": "allAccounts"}, RecurringIndicator: true, ValidUntil: "9999-12-31", FrequencyPerDay: freq}
}

// browser is a PSU at the bank's pages, with cookies.
type browser struct {
	t testing.TB
	c *http.Client
}

func newBrowser(t testing.TB) *browser {
	jar, _ := cookiejar.New(nil)
	return &browser{t: t, c: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

var csrfRE = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

func (b *browser) get(u string) (int, string) {
	b.t.Helper()
	resp, err := b.c.Get(u)
	if err != nil {
		b.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body)
}

// submit fetches a page and posts its form with the fields.
func (b *browser) submit(u string, fields url.Values) (*http.Response, string) {
	b.t.Helper()
	_, page := b.get(u)
	m := csrfRE.FindStringSubmatch(page)
	if m == nil {
		b.t.Fatalf("no form at %s: %s", u, page)
	}
	if fields.Get("csrf") == "" {
		fields.Set("csrf", m[1])
	} else if fields.Get("csrf") == "-" {
		fields.Del("csrf")
	}
	resp, err := b.c.PostForm(u, fields)
	if err != nil {
		b.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp, string(body)
}

// createConsent makes a consent and returns its answer.
func (e *env) createConsent(h map[string]string, req consentReq) answer {
	e.t.Helper()
	hh := map[string]string{"PSU-IP-Address": psuIP}
	for k, v := range h {
		hh[k] = v
	}
	a := e.call("POST", "/v1/consents", hh, req)
	a.want(e.t, http.StatusCreated, "")
	return a
}

// approvedConsent makes a consent and approves it at the redirect page as
// the customer.
func (e *env) approvedConsent(customer string, req consentReq) string {
	e.t.Helper()
	a := e.createConsent(nil, req)
	resp, page := newBrowser(e.t).submit(a.str("_links", "scaRedirect", "href"),
		url.Values{"customer": {customer}, "password": {e.bank.Password(customer)}, "action": {"approve"}})
	if resp.StatusCode != http.StatusOK || !strings.Contains(page, "you approved") {
		e.t.Fatalf("approving at the redirect page: %d %s", resp.StatusCode, page)
	}
	return a.str("consentId")
}

func (e *env) consentStatus(id string) string {
	e.t.Helper()
	a := e.call("GET", "/v1/consents/"+id+"/status", nil, nil)
	a.want(e.t, http.StatusOK, "")
	return a.str("consentStatus")
}

func user(id string) banks.User {
	loc := "de-DE"
	if id == "alice" {
		loc = "en-US"
	}
	return banks.User{Bank: sandbox.Name, Customer: id, Locale: loc}
}

func (e *env) iban(customer, kind string) string {
	e.t.Helper()
	n, err := e.bank.AccountNumber(context.Background(), user(customer), customer+"-"+kind)
	if err != nil {
		e.t.Fatal(err)
	}
	return n
}

func (e *env) accounts(consentID string) []map[string]any {
	e.t.Helper()
	a := e.call("GET", "/v1/accounts", map[string]string{"Consent-ID": consentID, "PSU-IP-Address": psuIP}, nil)
	a.want(e.t, http.StatusOK, "")
	var out []map[string]any
	for _, x := range a.body["accounts"].([]any) {
		out = append(out, x.(map[string]any))
	}
	return out
}

func (e *env) resourceID(consentID, iban string) string {
	e.t.Helper()
	for _, a := range e.accounts(consentID) {
		if a["iban"] == iban {
			return a["resourceId"].(string)
		}
	}
	e.t.Fatalf("no account %s under consent %s", iban, consentID)
	return ""
}

func TestConsentRedirect(t *testing.T) {
	t.Parallel()
	e := newEnv(t, bgapi.Options{})
	a := e.createConsent(map[string]string{"TPP-Redirect-URI": "https://tpp.example/done", "TPP-Nok-Redirect-URI": "https://tpp.example/nok"}, allAccounts(4))
	if got := a.header.Get("ASPSP-SCA-Approach"); got != "REDIRECT" {
		t.Errorf("ASPSP-SCA-Approach = %q", got)
	}
	if a.str("consentStatus") != "received" || a.str("_links", "scaStatus", "href") == "" || a.header.Get("Location") == "" {
		t.Errorf("consent answer %s", a.raw)
	}
	id := a.str("consentId")
	if got := e.consentStatus(id); got != "received" {
		t.Errorf("status before SCA = %q", got)
	}
	e.call("GET", "/v1/accounts", map[string]string{"Consent-ID": id}, nil).want(t, http.StatusUnauthorized, "CONSENT_INVALID")
	sca := e.call("GET", a.str("_links", "scaStatus", "href"), nil, nil)
	if sca.str("scaStatus") != "received" {
		t.Errorf("scaStatus = %s", sca.raw)
	}

	redirect := a.str("_links", "scaRedirect", "href")
	b := newBrowser(t)
	code, page := b.get(redirect)
	if code != http.StatusOK || !strings.Contains(page, "all your accounts") || !strings.Contains(page, `<label for="password">`) {
		t.Fatalf("redirect page %d: %s", code, page)
	}
	if resp, page := b.submit(redirect, url.Values{"customer": {"jonas"}, "password": {"wrong"}, "action": {"approve"}}); resp.StatusCode != 200 || !strings.Contains(page, "wrong") || !strings.Contains(page, `role="alert"`) {
		t.Errorf("a wrong password: %d %s", resp.StatusCode, page)
	}
	if _, page := b.submit(redirect, url.Values{"customer": {"jonas"}, "password": {e.bank.Password("jonas")}, "action": {"approve"}, "csrf": {"-"}}); !strings.Contains(page, "expired") {
		t.Errorf("a form without its token was taken: %s", page)
	}
	if got := e.consentStatus(id); got != "received" {
		t.Fatalf("status after failed attempts = %q", got)
	}
	resp, _ := b.submit(redirect, url.Values{"customer": {"Jonas"}, "password": {e.bank.Password("jonas")}, "action": {"approve"}})
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "https://tpp.example/done" {
		t.Fatalf("approval answered %d to %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	if got := e.consentStatus(id); got != "valid" {
		t.Fatalf("status after SCA = %q", got)
	}
	if sca := e.call("GET", a.str("_links", "scaStatus", "href"), nil, nil); sca.str("scaStatus") != "finalised" {
		t.Errorf("scaStatus after SCA = %s", sca.raw)
	}
	info := e.call("GET", "/v1/consents/"+id, nil, nil)
	if want := start.AddDate(0, 0, 180).Format(time.DateOnly); info.str("validUntil") != want || info.str("consentStatus") != "valid" {
		t.Errorf("consent %s, want validUntil capped to %s", info.raw, want)
	}
	if accs := e.accounts(id); len(accs) != 3 {
		t.Errorf("jonas's accounts: %v", accs)
	}
	// The page is done with.
	if _, page := b.get(redirect); !strings.Contains(page, "already answered") || strings.Contains(page, "<form") {
		t.Errorf("the page after the decision: %s", page)
	}

	// A rejection needs no sign-in and goes to the TPP's nok address.
	a2 := e.createConsent(map[string]string{"TPP-Redirect-URI": "https://tpp.example/done", "TPP-Nok-Redirect-URI": "https://tpp.example/nok"}, allAccounts(4))
	resp, _ = newBrowser(t).submit(a2.str("_links", "scaRedirect", "href"), url.Values{"action": {"reject"}})
	if resp.Header.Get("Location") != "https://tpp.example/nok" {
		t.Errorf("rejection answered %d to %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	if got := e.consentStatus(a2.str("consentId")); got != "rejected" {
		t.Errorf("status after rejection = %q", got)
	}

	// Five wrong passwords end the request.
	a3 := e.createConsent(nil, allAccounts(4))
	b3 := newBrowser(t)
	for i := 0; i < 5; i++ {
		b3.submit(a3.str("_links", "scaRedirect", "href"), url.Values{"customer": {"jonas"}, "password": {"guess"}, "action": {"approve"}})
	}
	if got := e.consentStatus(a3.str("consentId")); got != "rejected" {
		t.Errorf("status after five wrong passwords = %q", got)
	}
}

func TestConsentDecoupled(t *testing.T) {
	t.Parallel()
	e := newEnv(t, bgapi.Options{Path: "-"}) // state in memory
	ctx := context.Background()
	a := e.createConsent(map[string]string{"TPP-Decoupled-Preferred": "true", "PSU-ID": "lena"}, allAccounts(4))
	if got := a.header.Get("ASPSP-SCA-Approach"); got != "DECOUPLED" || a.str("_links", "scaRedirect", "href") != "" {
		t.Fatalf("decoupled consent: %s %s", got, a.raw)
	}
	id := a.str("consentId")
	if p, _ := e.srv.Pending(ctx, "jonas"); len(p) != 0 {
		t.Errorf("jonas sees lena's request: %+v", p)
	}
	p, err := e.srv.Pending(ctx, "lena")
	if err != nil || len(p) != 1 || p[0].Kind != "consent" || p[0].Resource != id || !strings.Contains(p[0].Summary, "all your accounts") {
		t.Fatalf("Pending(lena) = %+v, %v", p, err)
	}
	if err := e.srv.Decide(ctx, "jonas", p[0].ID, true); !errors.Is(err, banks.KindError(banks.NotFound)) {
		t.Errorf("jonas deciding lena's request: %v", err)
	}
	if err := e.srv.Decide(ctx, "lena", p[0].ID, true); err != nil {
		t.Fatal(err)
	}
	if err := e.srv.Decide(ctx, "lena", p[0].ID, true); err != nil {
		t.Errorf("the same decision again: %v", err)
	}
	if err := e.srv.Decide(ctx, "lena", p[0].ID, false); !errors.Is(err, banks.KindError(banks.Forbidden)) {
		t.Errorf("changing the decision: %v", err)
	}
	if got := e.consentStatus(id); got != "valid" {
		t.Errorf("status = %q", got)
	}
	if accs := e.accounts(id); len(accs) != 3 || accs[0]["iban"] != e.iban("lena", "checking") {
		t.Errorf("lena's accounts: %v", accs)
	}
	// Without a PSU the bank can name, decoupled falls back to redirect.
	if got := e.createConsent(map[string]string{"TPP-Decoupled-Preferred": "true"}, allAccounts(4)).header.Get("ASPSP-SCA-Approach"); got != "REDIRECT" {
		t.Errorf("decoupled without PSU-ID: %q", got)
	}
	// Accounts named in the consent name the PSU.
	ib := e.iban("jonas", "savings")
	named := consentReq{Access: map[string]any{"balances": []any{map[string]any{"iban": ib}}}, RecurringIndicator: true,
		ValidUntil: "2027-01-01", FrequencyPerDay: 4}
	a = e.createConsent(map[string]string{"TPP-Decoupled-Preferred": "true"}, named)
	if a.header.Get("ASPSP-SCA-Approach") != "DECOUPLED" {
		t.Errorf("a consent naming jonas's IBAN: %s", a.header.Get("ASPSP-SCA-Approach"))
	}
	p, _ = e.srv.Pending(ctx, "jonas")
	if len(p) != 1 {
		t.Fatalf("Pending(jonas) = %+v", p)
	}
	if err := e.srv.Decide(ctx, "jonas", p[0].ID, false); err != nil {
		t.Fatal(err)
	}
	if got := e.consentStatus(a.str("consentId")); got != "rejected" {
		t.Errorf("status after rejection = %q", got)
	}
}

func TestConsentRequests(t *testing.T) {
	t.Parallel()
	e := newEnv(t, bgapi.Options{})
	hdr := map[string]string{"PSU-IP-Address": psuIP}
	combined := allAccounts(4)
	combined.CombinedServiceIndicator = true
	e.call("POST", "/v1/consents", hdr, combined).want(t, http.StatusBadRequest, "SESSIONS_NOT_SUPPORTED")
	past := allAccounts(4)
	past.ValidUntil = "2020-01-01"
	e.call("POST", "/v1/consents", hdr, past).want(t, http.StatusBadRequest, "PERIOD_INVALID")
	oneOff := allAccounts(4)
	oneOff.RecurringIndicator = false
	e.call("POST", "/v1/consents", hdr, oneOff).want(t, http.StatusBadRequest, "FORMAT_ERROR")
	two := allAccounts(4)
	two.Access["availableAccounts"] = "allAccounts"
	e.call("POST", "/v1/consents", hdr, two).want(t, http.StatusBadRequest, "FORMAT_ERROR")
	e.callBad("POST", "/v1/consents", nil, allAccounts(4)).want(t, http.StatusBadRequest, "FORMAT_ERROR") // no PSU-IP-Address
	e.callBad("POST", "/v1/consents", map[string]string{"PSU-IP-Address": psuIP, "X-Request-ID": "not-a-uuid"}, allAccounts(4)).
		want(t, http.StatusBadRequest, "FORMAT_ERROR")
	e.callBad("GET", "/v1/accounts", nil, nil).want(t, http.StatusBadRequest, "FORMAT_ERROR") // no Consent-ID
	e.callBad("POST", "/v1/consents", hdr, map[string]any{"access": map[string]any{"allPsd2": "allAccounts"}}).want(t, http.StatusBadRequest, "FORMAT_ERROR")
	e.call("GET", "/v1/consents/nope/status", nil, nil).want(t, http.StatusForbidden, "CONSENT_UNKNOWN")
	e.call("GET", "/v1/accounts", map[string]string{"Consent-ID": "nope"}, nil).want(t, http.StatusForbidden, "CONSENT_UNKNOWN")

	// A consent that lapses unapproved is rejected.
	a := e.createConsent(nil, allAccounts(4))
	e.clock.add(11 * time.Minute)
	if got := e.consentStatus(a.str("consentId")); got != "rejected" {
		t.Errorf("an unapproved consent after 11 minutes: %q", got)
	}
	_, page := newBrowser(t).get(a.str("_links", "scaRedirect", "href"))
	if !strings.Contains(page, "lapsed") {
		t.Errorf("the page of a lapsed request: %s", page)
	}

	// Expiry, deletion and revocation end a consent.
	short := allAccounts(4)
	short.ValidUntil = e.clock.now().AddDate(0, 0, 1).Format(time.DateOnly)
	expiring := e.approvedConsent("jonas", short)
	deleted := e.approvedConsent("lena", allAccounts(4))
	e.call("DELETE", "/v1/consents/"+deleted, nil, nil).want(t, http.StatusNoContent, "")
	e.call("DELETE", "/v1/consents/"+deleted, nil, nil).want(t, http.StatusNoContent, "")
	if got := e.consentStatus(deleted); got != "terminatedByTpp" {
		t.Errorf("deleted consent: %q", got)
	}
	e.call("GET", "/v1/accounts", map[string]string{"Consent-ID": deleted}, nil).want(t, http.StatusUnauthorized, "CONSENT_INVALID")
	e.clock.add(49 * time.Hour)
	if got := e.consentStatus(expiring); got != "expired" {
		t.Errorf("consent past validUntil: %q", got)
	}
	e.call("GET", "/v1/accounts", map[string]string{"Consent-ID": expiring}, nil).want(t, http.StatusUnauthorized, "CONSENT_EXPIRED")

	ctx := context.Background()
	revoked := e.approvedConsent("lena", allAccounts(4))
	if cs, err := e.srv.Consents(ctx, "lena"); err != nil || len(cs) != 1 || cs[0].ID != revoked {
		t.Errorf("Consents(lena) = %+v, %v", cs, err)
	}
	if err := e.srv.RevokeConsent(ctx, "jonas", revoked); !errors.Is(err, banks.KindError(banks.NotFound)) {
		t.Errorf("jonas revoking lena's consent: %v", err)
	}
	if err := e.srv.RevokeConsent(ctx, "lena", revoked); err != nil {
		t.Fatal(err)
	}
	if got := e.consentStatus(revoked); got != "revokedByPsu" {
		t.Errorf("revoked consent: %q", got)
	}

	// A new recurring consent ends the customer's former one.
	first := e.approvedConsent("jonas", allAccounts(4))
	second := e.approvedConsent("jonas", allAccounts(4))
	if a, b := e.consentStatus(first), e.consentStatus(second); a != "expired" || b != "valid" {
		t.Errorf("after a second recurring consent: first %q, second %q", a, b)
	}
}

func TestAccountAccess(t *testing.T) {
	t.Parallel()
	e := newEnv(t, bgapi.Options{})
	jonas := e.approvedConsent("jonas", allAccounts(100))
	lena := e.approvedConsent("lena", allAccounts(100))
	lenaChecking := e.resourceID(lena, e.iban("lena", "checking"))
	h := map[string]string{"Consent-ID": jonas, "PSU-IP-Address": psuIP}

	a := e.call("GET", "/v1/accounts?withBalance=true", h, nil)
	a.want(t, http.StatusOK, "")
	for _, x := range a.body["accounts"].([]any) {
		acc := x.(map[string]any)
		if acc["currency"] != "EUR" || acc["cashAccountType"] == "" || len(acc["balances"].([]any)) != 3 {
			t.Errorf("account %v", acc)
		}
	}
	checking := e.resourceID(jonas, e.iban("jonas", "checking"))
	bal := e.call("GET", "/v1/accounts/"+checking+"/balances", h, nil)
	bal.want(t, http.StatusOK, "")
	b, err := e.bank.Balance(context.Background(), user("jonas"), "jonas-checking")
	if err != nil {
		t.Fatal(err)
	}
	types := map[string]string{}
	for _, x := range bal.body["balances"].([]any) {
		m := x.(map[string]any)
		types[m["balanceType"].(string)] = m["balanceAmount"].(map[string]any)["amount"].(string)
	}
	if types["closingBooked"] != b.Booked.Decimal() || types["interimAvailable"] != b.Available.Decimal() || types["expected"] == "" {
		t.Errorf("balances %v, bank %+v", types, b)
	}
	e.call("GET", "/v1/accounts/"+checking, h, nil).want(t, http.StatusOK, "")

	// Another customer's account is unknown, whatever the service.
	for _, p := range []string{"", "/balances", "/transactions?bookingStatus=both&dateFrom=2026-11-01"} {
		e.call("GET", "/v1/accounts/"+lenaChecking+p, h, nil).want(t, http.StatusNotFound, "RESOURCE_UNKNOWN")
	}
	e.call("GET", "/v1/accounts/no-such-account/balances", h, nil).want(t, http.StatusNotFound, "RESOURCE_UNKNOWN")

	// A consent for one account's balances covers nothing else. (Being
	// recurring, it ends jonas's first consent.)
	ib := e.iban("jonas", "savings")
	savings := e.resourceID(jonas, ib)
	narrow := e.approvedConsent("jonas", consentReq{Access: map[string]any{"balances": []any{map[string]any{"iban": ib}}},
		RecurringIndicator: true, ValidUntil: "2027-01-01", FrequencyPerDay: 4})
	hn := map[string]string{"Consent-ID": narrow, "PSU-IP-Address": psuIP}
	if accs := e.accounts(narrow); len(accs) != 1 || accs[0]["iban"] != ib {
		t.Errorf("accounts under a one-account consent: %v", accs)
	}
	e.call("GET", "/v1/accounts/"+savings+"/balances", hn, nil).want(t, http.StatusOK, "")
	e.call("GET", "/v1/accounts/"+savings+"/transactions?bookingStatus=both&dateFrom=2026-11-01", hn, nil).want(t, http.StatusUnauthorized, "CONSENT_INVALID")
	e.call("GET", "/v1/accounts/"+checking+"/balances", hn, nil).want(t, http.StatusUnauthorized, "CONSENT_INVALID")

	// A consent naming another customer's account cannot be approved by this one.
	bad := e.createConsent(nil, consentReq{Access: map[string]any{"accounts": []any{map[string]any{"iban": e.iban("lena", "checking")}}},
		RecurringIndicator: true, ValidUntil: "2027-01-01", FrequencyPerDay: 4})
	_, page := newBrowser(t).submit(bad.str("_links", "scaRedirect", "href"),
		url.Values{"customer": {"jonas"}, "password": {e.bank.Password("jonas")}, "action": {"approve"}})
	if !strings.Contains(page, "not yours") || e.consentStatus(bad.str("consentId")) != "received" {
		t.Errorf("jonas approving a consent on lena's account: %s", page)
	}

	// A bank-offered consent (empty lists) covers what the PSU has.
	offered := e.approvedConsent("lena", consentReq{Access: map[string]any{"accounts": []any{}, "balances": []any{}, "transactions": []any{}},
		RecurringIndicator: true, ValidUntil: "2027-01-01", FrequencyPerDay: 4})
	if accs := e.accounts(offered); len(accs) != 3 {
		t.Errorf("a bank-offered consent lists %v", accs)
	}
	info := e.call("GET", "/v1/consents/"+offered, nil, nil)
	if n := len(info.body["access"].(map[string]any)["transactions"].([]any)); n != 3 {
		t.Errorf("the bank-offered consent after approval: %s", info.raw)
	}
}

type pagedTx struct {
	id, amount, booking, value string
	pending                    bool
}

// readAll follows _links.next and returns the transactions and the number
// of pages.
func (e *env) readAll(t *testing.T, path string, h map[string]string) ([]pagedTx, int) {
	t.Helper()
	var out []pagedTx
	pages := 0
	for path != "" {
		pages++
		a := e.call("GET", path, h, nil)
		a.want(t, http.StatusOK, "")
		rep := a.body["transactions"].(map[string]any)
		for _, kind := range []string{"booked", "pending"} {
			list, ok := rep[kind].([]any)
			if !ok {
				continue
			}
			for _, x := range list {
				m := x.(map[string]any)
				tx := pagedTx{id: m["transactionId"].(string), amount: m["transactionAmount"].(map[string]any)["amount"].(string),
					value: m["valueDate"].(string), pending: kind == "pending"}
				tx.booking, _ = m["bookingDate"].(string)
				out = append(out, tx)
			}
		}
		links := rep["_links"].(map[string]any)
		if links["account"] == nil {
			t.Errorf("no _links.account in %s", a.raw)
		}
		path = ""
		if n, ok := links["next"].(map[string]any); ok {
			path = n["href"].(string)
		}
		if pages > 100 {
			t.Fatal("endless pages")
		}
	}
	return out, pages
}

func TestTransactions(t *testing.T) {
	t.Parallel()
	e := newEnv(t, bgapi.Options{PageSize: 25})
	id := e.approvedConsent("jonas", allAccounts(100))
	h := map[string]string{"Consent-ID": id, "PSU-IP-Address": psuIP}
	checking := e.resourceID(id, e.iban("jonas", "checking"))
	card := e.resourceID(id, e.iban("jonas", "credit_card"))
	base := "/v1/accounts/" + checking + "/transactions"

	from, to := "2026-08-01", "2026-10-31"
	want, err := e.bank.Transactions(context.Background(), user("jonas"), banks.TxFilter{AccountID: "jonas-checking",
		From: time.Date(2026, 8, 1, 0, 0, 0, 0, time.UTC), To: time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)})
	if err != nil {
		t.Fatal(err)
	}
	got, pages := e.readAll(t, base+"?bookingStatus=both&dateFrom="+from+"&dateTo="+to, h)
	if len(got) != len(want) || pages != (len(want)+24)/25 || pages < 2 {
		t.Fatalf("%d transactions in %d pages, want %d in pages of 25", len(got), pages, len(want))
	}
	seen := map[string]bool{}
	for i, tx := range got {
		if seen[tx.id] {
			t.Fatalf("transaction %s twice", tx.id)
		}
		seen[tx.id] = true
		if tx.value < from || tx.value > to {
			t.Errorf("transaction %s on %s outside %s..%s", tx.id, tx.value, from, to)
		}
		if i > 0 && tx.value > got[i-1].value {
			t.Errorf("not newest first at %d", i)
		}
		if w := want[i]; w.ID != tx.id || w.Amount.Decimal() != tx.amount {
			t.Errorf("transaction %d = %+v, bank has %+v", i, tx, w)
		}
	}
	// The caller's page size wins over the server's.
	if _, pages := e.readAll(t, base+"?bookingStatus=both&dateFrom="+from+"&dateTo="+to+"&itemsPerPage=1000", h); pages != 1 {
		t.Errorf("itemsPerPage=1000 took %d pages", pages)
	}

	// bookingStatus picks the lists; pending ones have no booking date.
	recent := "?dateFrom=" + start.AddDate(0, 0, -5).Format(time.DateOnly)
	booked, _ := e.readAll(t, "/v1/accounts/"+card+"/transactions"+recent+"&bookingStatus=booked", h)
	pending, _ := e.readAll(t, "/v1/accounts/"+card+"/transactions"+recent+"&bookingStatus=pending", h)
	both, _ := e.readAll(t, "/v1/accounts/"+card+"/transactions"+recent+"&bookingStatus=both", h)
	if len(pending) == 0 || len(booked) == 0 || len(both) != len(booked)+len(pending) {
		t.Errorf("booked %d, pending %d, both %d", len(booked), len(pending), len(both))
	}
	for _, tx := range booked {
		if tx.pending || tx.booking == "" {
			t.Errorf("booked listing has %+v", tx)
		}
	}
	for _, tx := range pending {
		if !tx.pending || tx.booking != "" {
			t.Errorf("pending listing has %+v", tx)
		}
	}
	a := e.call("GET", "/v1/accounts/"+card+"/transactions"+recent+"&bookingStatus=booked", h, nil)
	if _, ok := a.body["transactions"].(map[string]any)["pending"]; ok {
		t.Errorf("bookingStatus=booked answered a pending list: %s", a.raw)
	}

	e.call("GET", base+"?bookingStatus=both&dateFrom=2026-11-01&dateTo=2026-10-01", h, nil).want(t, http.StatusBadRequest, "PERIOD_INVALID")
	e.call("GET", base+"?bookingStatus=information&dateFrom=2026-11-01", h, nil).want(t, http.StatusBadRequest, "PARAMETER_NOT_SUPPORTED")
	e.call("GET", base+"?bookingStatus=both", h, nil).want(t, http.StatusBadRequest, "FORMAT_ERROR")
	e.callBad("GET", base+"?dateFrom=2026-11-01", h, nil).want(t, http.StatusBadRequest, "FORMAT_ERROR") // no bookingStatus
}

func TestFrequencyPerDay(t *testing.T) {
	t.Parallel()
	e := newEnv(t, bgapi.Options{PageSize: 10})
	id := e.approvedConsent("jonas", allAccounts(2))
	unattended := map[string]string{"Consent-ID": id}
	for i := 0; i < 2; i++ {
		e.call("GET", "/v1/accounts", unattended, nil).want(t, http.StatusOK, "")
	}
	a := e.call("GET", "/v1/accounts", unattended, nil)
	a.want(t, http.StatusTooManyRequests, "ACCESS_EXCEEDED")
	// With the PSU present the limit does not apply.
	e.call("GET", "/v1/accounts", map[string]string{"Consent-ID": id, "PSU-IP-Address": psuIP}, nil).want(t, http.StatusOK, "")
	// Each account and service counts on its own; follow-up pages do not.
	checking := e.resourceID(id, e.iban("jonas", "checking"))
	path := "/v1/accounts/" + checking + "/transactions?bookingStatus=both&dateFrom=2026-10-01"
	if _, pages := e.readAll(t, path, unattended); pages < 3 {
		t.Fatalf("%d pages", pages)
	}
	e.readAll(t, path, unattended)
	e.call("GET", path, unattended, nil).want(t, http.StatusTooManyRequests, "ACCESS_EXCEEDED")
	e.call("GET", "/v1/accounts/"+checking+"/balances", unattended, nil).want(t, http.StatusOK, "")
	// A new day, a new allowance.
	e.clock.add(24 * time.Hour)
	e.call("GET", "/v1/accounts", unattended, nil).want(t, http.StatusOK, "")
	if info := e.call("GET", "/v1/consents/"+id, nil, nil); info.str("lastActionDate") != e.clock.now().Format(time.DateOnly) {
		t.Errorf("lastActionDate after a read: %s", info.raw)
	}
}

// sct is a SEPA credit transfer body.
func sct(amount, from, toName, to string) map[string]any {
	return map[string]any{"instructedAmount": map[string]any{"currency": "EUR", "amount": amount}, "debtorAccount": map[string]any{"iban": from},
		"creditorName": toName, "creditorAccount": map[string]any{"iban": to}, "remittanceInformationUnstructured": "Konto test"}
}

func (e *env) booked(customer, account string) int64 {
	e.t.Helper()
	b, err := e.bank.Balance(context.Background(), user(customer), account)
	if err != nil {
		e.t.Fatal(err)
	}
	return b.Booked.Minor
}

func (e *env) paymentStatus(a answer) answer {
	e.t.Helper()
	st := e.call("GET", a.str("_links", "status", "href"), nil, nil)
	st.want(e.t, http.StatusOK, "")
	return st
}

func (e *env) pendingFor(customer, paymentID string) bgapi.Pending {
	e.t.Helper()
	ps, err := e.srv.Pending(context.Background(), customer)
	if err != nil {
		e.t.Fatal(err)
	}
	for _, p := range ps {
		if p.Resource == paymentID {
			return p
		}
	}
	e.t.Fatalf("payment %s does not wait for %s: %+v", paymentID, customer, ps)
	return bgapi.Pending{}
}

func TestPayments(t *testing.T) {
	t.Parallel()
	e := newEnv(t, bgapi.Options{})
	ctx := context.Background()
	from := e.iban("jonas", "checking")
	anna := sandbox.RecipientIBAN("jonas", "jonas-payee1", "4471")
	decoupled := map[string]string{"PSU-IP-Address": psuIP, "TPP-Decoupled-Preferred": "true"}
	before := e.booked("jonas", "jonas-checking")

	reqID := newRequestID()
	h := map[string]string{"PSU-IP-Address": psuIP, "TPP-Decoupled-Preferred": "true", "X-Request-ID": reqID}
	a := e.call("POST", "/v1/payments/sepa-credit-transfers", h, sct("25.50", from, "Anna Becker", anna))
	a.want(t, http.StatusCreated, "")
	if a.str("transactionStatus") != "RCVD" || a.header.Get("ASPSP-SCA-Approach") != "DECOUPLED" || a.str("_links", "scaRedirect", "href") != "" {
		t.Fatalf("initiation: %s %s", a.header.Get("ASPSP-SCA-Approach"), a.raw)
	}
	pid := a.str("paymentId")
	// The same X-Request-ID is the same payment; another body under it is refused.
	if again := e.call("POST", "/v1/payments/sepa-credit-transfers", h, sct("25.50", from, "Anna Becker", anna)); again.str("paymentId") != pid {
		t.Errorf("the same X-Request-ID again: %s", again.raw)
	}
	e.call("POST", "/v1/payments/sepa-credit-transfers", h, sct("99.00", from, "Anna Becker", anna)).want(t, http.StatusBadRequest, "FORMAT_ERROR")

	p := e.pendingFor("jonas", pid)
	if p.Kind != "payment" || p.Amount != (banks.Money{Minor: 2550, Currency: "EUR"}) || p.CreditorIBAN != anna || !strings.Contains(p.Summary, "Anna Becker") {
		t.Errorf("pending %+v", p)
	}
	if st := e.paymentStatus(a); st.str("transactionStatus") != "RCVD" {
		t.Errorf("status before approval: %s", st.raw)
	}
	if got := e.booked("jonas", "jonas-checking"); got != before {
		t.Fatalf("money moved before approval: %d → %d", before, got)
	}
	if err := e.srv.Decide(ctx, "jonas", p.ID, true); err != nil {
		t.Fatal(err)
	}
	if err := e.srv.Decide(ctx, "jonas", p.ID, true); err != nil {
		t.Errorf("the same approval again: %v", err)
	}
	for i := 0; i < 2; i++ {
		if st := e.paymentStatus(a); st.str("transactionStatus") != "ACSC" {
			t.Errorf("status after approval: %s", st.raw)
		}
	}
	if again := e.call("POST", "/v1/payments/sepa-credit-transfers", h, sct("25.50", from, "Anna Becker", anna)); again.str("transactionStatus") != "ACSC" || again.str("paymentId") != pid {
		t.Errorf("the same X-Request-ID after approval: %s", again.raw)
	}
	if got := e.booked("jonas", "jonas-checking"); got != before-2550 {
		t.Errorf("balance %d → %d, want one payment of 2550", before, got)
	}
	info := e.call("GET", a.str("_links", "self", "href"), nil, nil)
	if info.str("creditorName") != "Anna Becker" || info.str("transactionStatus") != "ACSC" || info.str("instructedAmount", "amount") != "25.50" {
		t.Errorf("payment %s", info.raw)
	}
	if sca := e.call("GET", a.str("_links", "scaStatus", "href"), nil, nil); sca.str("scaStatus") != "finalised" {
		t.Errorf("scaStatus %s", sca.raw)
	}
	if ids := e.call("GET", a.str("_links", "self", "href")+"/authorisations", nil, nil); len(ids.body["authorisationIds"].([]any)) != 1 {
		t.Errorf("authorisations %s", ids.raw)
	}

	// Rejected in the app: RJCT, nothing moves.
	r := e.call("POST", "/v1/payments/sepa-credit-transfers", decoupled, sct("10.00", from, "Anna Becker", anna))
	if err := e.srv.Decide(ctx, "jonas", e.pendingFor("jonas", r.str("paymentId")).ID, false); err != nil {
		t.Fatal(err)
	}
	if st := e.paymentStatus(r); st.str("transactionStatus") != "RJCT" {
		t.Errorf("rejected payment: %s", st.raw)
	}
	if sca := e.call("GET", r.str("_links", "scaStatus", "href"), nil, nil); sca.str("scaStatus") != "failed" {
		t.Errorf("scaStatus after rejection %s", sca.raw)
	}

	// Approved, but more than is there: RJCT with fundsAvailable false.
	much := e.call("POST", "/v1/payments/sepa-credit-transfers", decoupled, sct("99999.00", from, "Anna Becker", anna))
	if err := e.srv.Decide(ctx, "jonas", e.pendingFor("jonas", much.str("paymentId")).ID, true); err != nil {
		t.Fatal(err)
	}
	if st := e.paymentStatus(much); st.str("transactionStatus") != "RJCT" || st.body["fundsAvailable"] != false {
		t.Errorf("a payment beyond the balance: %s", st.raw)
	}

	// Left unapproved: cancelled after the timeout, and no longer decidable.
	late := e.call("POST", "/v1/payments/sepa-credit-transfers", decoupled, sct("5.00", from, "Anna Becker", anna))
	lp := e.pendingFor("jonas", late.str("paymentId"))
	e.clock.add(11 * time.Minute)
	if st := e.paymentStatus(late); st.str("transactionStatus") != "CANC" {
		t.Errorf("an unapproved payment after 11 minutes: %s", st.raw)
	}
	if err := e.srv.Decide(ctx, "jonas", lp.ID, true); !errors.Is(err, banks.KindError(banks.Forbidden)) {
		t.Errorf("approving a lapsed payment: %v", err)
	}
	if ps, _ := e.srv.Pending(ctx, "jonas"); len(ps) != 0 {
		t.Errorf("still pending: %+v", ps)
	}
	if got := e.booked("jonas", "jonas-checking"); got != before-2550 {
		t.Errorf("balance %d after the refusals, want %d", got, before-2550)
	}

	// To an own account, and scheduled for later.
	savings := e.iban("jonas", "savings")
	later := sct("1.00", from, "Tagesgeldkonto", savings)
	later["requestedExecutionDate"] = e.clock.now().AddDate(0, 0, 3).Format(time.DateOnly)
	s := e.call("POST", "/v1/payments/sepa-credit-transfers", decoupled, later)
	s.want(t, http.StatusCreated, "")
	e.srv.Decide(ctx, "jonas", e.pendingFor("jonas", s.str("paymentId")).ID, true)
	if st := e.paymentStatus(s); st.str("transactionStatus") != "ACCP" {
		t.Errorf("a scheduled payment: %s", st.raw)
	}

	// What the bank will not take.
	for name, body := range map[string]map[string]any{
		"a stranger as creditor":   sct("1.00", from, "Someone", "DE89370400440532013000"),
		"lena's account as payee":  sct("1.00", from, "Lena", e.iban("lena", "checking")),
		"an unknown debtor":        sct("1.00", "DE89370400440532013000", "Anna Becker", anna),
		"too many decimals":        sct("1.001", from, "Anna Becker", anna),
		"a negative amount":        sct("-1.00", from, "Anna Becker", anna),
		"another currency":         {"instructedAmount": map[string]any{"currency": "USD", "amount": "1.00"}, "debtorAccount": map[string]any{"iban": from}, "creditorName": "Anna Becker", "creditorAccount": map[string]any{"iban": anna}},
		"a date in the past":       {"instructedAmount": map[string]any{"currency": "EUR", "amount": "1.00"}, "debtorAccount": map[string]any{"iban": from}, "creditorName": "Anna Becker", "creditorAccount": map[string]any{"iban": anna}, "requestedExecutionDate": "2026-01-01"},
		"the debtor as creditor":   sct("1.00", from, "Girokonto", from),
		"another customer's payee": sct("1.00", from, "Max Schmidt", sandbox.RecipientIBAN("lena", "lena-payee1", "8810")),
	} {
		a := e.call("POST", "/v1/payments/sepa-credit-transfers", decoupled, body)
		if a.status != http.StatusBadRequest {
			t.Errorf("%s: %d %s", name, a.status, a.raw)
		}
	}
	e.call("GET", "/v1/payments/sepa-credit-transfers/nope/status", nil, nil).want(t, http.StatusNotFound, "RESOURCE_UNKNOWN")
	e.call("GET", "/v1/payments/instant-sepa-credit-transfers/"+pid+"/status", nil, nil).want(t, http.StatusNotFound, "RESOURCE_UNKNOWN")
	e.call("POST", "/v1/payments/target-2-payments", decoupled, sct("1.00", from, "Anna Becker", anna)).want(t, http.StatusNotFound, "PRODUCT_UNKNOWN")
	e.callBad("POST", "/v1/payments/sepa-credit-transfers", nil, sct("1.00", from, "Anna Becker", anna)).want(t, http.StatusBadRequest, "FORMAT_ERROR")
	e.callBad("POST", "/v1/payments/sepa-credit-transfers", decoupled, map[string]any{"instructedAmount": map[string]any{"currency": "EUR", "amount": 1.5}}).
		want(t, http.StatusBadRequest, "FORMAT_ERROR")
}

func TestPaymentRedirect(t *testing.T) {
	t.Parallel()
	e := newEnv(t, bgapi.Options{})
	from := e.iban("jonas", "checking")
	biller := sandbox.RecipientIBAN("jonas", "jonas-biller1", "1010")
	before := e.booked("jonas", "jonas-checking")
	a := e.call("POST", "/v1/payments/sepa-credit-transfers", map[string]string{"PSU-IP-Address": psuIP, "TPP-Redirect-URI": "https://tpp.example/paid"},
		sct("84.00", from, "Stadtwerke München Strom", biller))
	a.want(t, http.StatusCreated, "")
	if a.header.Get("ASPSP-SCA-Approach") != "REDIRECT" {
		t.Fatalf("approach %q", a.header.Get("ASPSP-SCA-Approach"))
	}
	if ps, _ := e.srv.Pending(context.Background(), "jonas"); len(ps) != 0 {
		t.Errorf("a redirect payment waits in the app: %+v", ps)
	}
	page := a.str("_links", "scaRedirect", "href")
	_, html := newBrowser(t).get(page)
	if !strings.Contains(html, "84.00 EUR") || !strings.Contains(html, "Stadtwerke") {
		t.Errorf("the page does not say what is paid: %s", html)
	}
	if _, html := newBrowser(t).submit(page, url.Values{"customer": {"lena"}, "password": {e.bank.Password("lena")}, "action": {"approve"}}); !strings.Contains(html, "not yours") {
		t.Errorf("lena approving jonas's payment: %s", html)
	}
	resp, _ := newBrowser(t).submit(page, url.Values{"customer": {"jonas"}, "password": {e.bank.Password("jonas")}, "action": {"approve"}})
	if resp.Header.Get("Location") != "https://tpp.example/paid" {
		t.Errorf("after approval: %d %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	if st := e.paymentStatus(a); st.str("transactionStatus") != "ACSC" {
		t.Errorf("status %s", st.raw)
	}
	if got := e.booked("jonas", "jonas-checking"); got != before-8400 {
		t.Errorf("balance %d → %d", before, got)
	}
}

func TestAppPage(t *testing.T) {
	t.Parallel()
	e := newEnv(t, bgapi.Options{})
	from := e.iban("jonas", "checking")
	anna := sandbox.RecipientIBAN("jonas", "jonas-payee1", "4471")
	pay := e.call("POST", "/v1/payments/sepa-credit-transfers", map[string]string{"PSU-IP-Address": psuIP, "TPP-Decoupled-Preferred": "true"},
		sct("3.00", from, "Anna Becker", anna))
	consent := e.approvedConsent("jonas", allAccounts(4))
	app := e.ts.URL + "/app/approvals"
	b := newBrowser(t)
	if _, page := b.get(app); !strings.Contains(page, "Sign in") {
		t.Fatalf("app page: %s", page)
	}
	if _, page := b.submit(app, url.Values{"action": {"signin"}, "customer": {"jonas"}, "password": {"nope"}}); !strings.Contains(page, "wrong") {
		t.Errorf("a wrong password: %s", page)
	}
	resp, _ := b.submit(app, url.Values{"action": {"signin"}, "customer": {"jonas"}, "password": {e.bank.Password("jonas")}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("sign-in answered %d", resp.StatusCode)
	}
	_, page := b.get(app)
	if !strings.Contains(page, "3.00 EUR") || !strings.Contains(page, "Withdraw access") {
		t.Fatalf("signed-in app page: %s", page)
	}
	p := e.pendingFor("jonas", pay.str("paymentId"))
	if resp, _ := b.submit(app, url.Values{"action": {"approve"}, "id": {p.ID}}); resp.StatusCode != http.StatusSeeOther {
		t.Errorf("approving answered %d", resp.StatusCode)
	}
	if st := e.paymentStatus(pay); st.str("transactionStatus") != "ACSC" {
		t.Errorf("after approving in the app: %s", st.raw)
	}
	b.submit(app, url.Values{"action": {"revoke"}, "id": {consent}})
	if got := e.consentStatus(consent); got != "revokedByPsu" {
		t.Errorf("after withdrawing in the app: %q", got)
	}
	b.submit(app, url.Values{"action": {"signout"}})
	if _, page := b.get(app); !strings.Contains(page, "Sign in") {
		t.Errorf("after signing out: %s", page)
	}
	// Another browser's form cannot act for the signed-in one.
	other := newBrowser(t)
	other.c.Jar.SetCookies(resp.Request.URL, b.c.Jar.Cookies(resp.Request.URL)) // the session, not the token
	if resp, page := other.submit(app, url.Values{"action": {"signout"}, "csrf": {"forged"}}); resp.StatusCode == http.StatusSeeOther || !strings.Contains(page, "expired") {
		t.Errorf("a forged form: %d %s", resp.StatusCode, page)
	}
}

func TestRequireToken(t *testing.T) {
	t.Parallel()
	e := newEnv(t, bgapi.Options{RequireToken: true})
	id := e.createConsent(nil, allAccounts(4))
	newBrowser(t).submit(id.str("_links", "scaRedirect", "href"), url.Values{"customer": {"jonas"}, "password": {e.bank.Password("jonas")}, "action": {"approve"}})
	cid := id.str("consentId")
	e.call("GET", "/v1/accounts", map[string]string{"Consent-ID": cid}, nil).want(t, http.StatusUnauthorized, "TOKEN_INVALID")
	e.call("GET", "/v1/accounts", map[string]string{"Consent-ID": cid, "Authorization": "Bearer " + e.bank.Token("lena")}, nil).want(t, http.StatusUnauthorized, "TOKEN_INVALID")
	e.call("GET", "/v1/accounts", map[string]string{"Consent-ID": cid, "Authorization": "Bearer " + e.bank.Token("jonas")}, nil).want(t, http.StatusOK, "")
	from := e.iban("jonas", "checking")
	anna := sandbox.RecipientIBAN("jonas", "jonas-payee1", "4471")
	e.call("POST", "/v1/payments/sepa-credit-transfers", map[string]string{"PSU-IP-Address": psuIP, "Authorization": "Bearer " + e.bank.Token("lena")},
		sct("1.00", from, "Anna Becker", anna)).want(t, http.StatusUnauthorized, "TOKEN_INVALID")
	e.call("POST", "/v1/payments/sepa-credit-transfers", map[string]string{"PSU-IP-Address": psuIP, "Authorization": "Bearer " + e.bank.Token("jonas")},
		sct("1.00", from, "Anna Becker", anna)).want(t, http.StatusCreated, "")
}

// Money moves once however many times, and by whom, a payment is approved.
func TestConcurrentApproval(t *testing.T) {
	t.Parallel()
	e := newEnv(t, bgapi.Options{})
	from := e.iban("jonas", "checking")
	anna := sandbox.RecipientIBAN("jonas", "jonas-payee1", "4471")
	before := e.booked("jonas", "jonas-checking")
	a := e.call("POST", "/v1/payments/sepa-credit-transfers", map[string]string{"PSU-IP-Address": psuIP, "TPP-Decoupled-Preferred": "true"},
		sct("7.00", from, "Anna Becker", anna))
	p := e.pendingFor("jonas", a.str("paymentId"))
	var wg sync.WaitGroup
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			e.srv.Decide(context.Background(), "jonas", p.ID, true)
		}()
	}
	wg.Wait()
	if got := e.booked("jonas", "jonas-checking"); got != before-700 {
		t.Errorf("balance %d → %d after eight approvals", before, got)
	}
}

// Whatever a TPP sends, the server answers with a status and body of the
// standard, never a failure of its own.
func FuzzRequests(f *testing.F) {
	e := newEnv(f, bgapi.Options{})
	consent := e.approvedConsent("jonas", allAccounts(1000))
	from, anna := e.iban("jonas", "checking"), sandbox.RecipientIBAN("jonas", "jonas-payee1", "4471")
	good, _ := json.Marshal(sct("1.00", from, "Anna Becker", anna))
	f.Add(uint8(0), string(good), "")
	f.Add(uint8(1), `{"access":{"allPsd2":"allAccounts"},"recurringIndicator":true,"validUntil":"9999-12-31","frequencyPerDay":4,"combinedServiceIndicator":false}`, "")
	f.Add(uint8(1), `{"access":{"accounts":[{"iban":"`+from+`"}],"balances":[]},"recurringIndicator":false,"validUntil":"2026-13-01","frequencyPerDay":1,"combinedServiceIndicator":false}`, "")
	f.Add(uint8(2), "", "bookingStatus=both&dateFrom=2026-11-01&pageIndex=99999999999999999999")
	f.Add(uint8(2), "", "bookingStatus=pending&dateFrom=2026-11-01&itemsPerPage=-1")
	f.Add(uint8(0), `{"instructedAmount":{"currency":"EUR","amount":"99999999999999.999"},"debtorAccount":{"iban":"`+from+`"},"creditorName":"x","creditorAccount":{"iban":"`+anna+`"}}`, "")
	checking := e.resourceID(consent, from)
	f.Fuzz(func(t *testing.T, which uint8, body, query string) {
		method, path := "POST", "/v1/payments/sepa-credit-transfers"
		switch which % 3 {
		case 1:
			path = "/v1/consents"
		case 2:
			method, path = "GET", "/v1/accounts/"+checking+"/transactions"
		}
		r := httptest.NewRequest(method, path, strings.NewReader(body))
		r.URL.RawQuery = query
		r.Header.Set("X-Request-ID", newRequestID())
		r.Header.Set("PSU-IP-Address", psuIP)
		r.Header.Set("Consent-ID", consent)
		r.Header.Set("Content-Type", "application/json")
		w := httptest.NewRecorder()
		e.srv.ServeHTTP(w, r)
		var js any
		if w.Code >= 500 || json.Unmarshal(w.Body.Bytes(), &js) != nil || w.Header().Get("X-Request-ID") == "" {
			t.Fatalf("%s %s?%s %q: %d %s", method, path, query, body, w.Code, w.Body)
		}
	})
}
