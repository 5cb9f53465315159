package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/kontoskill/konto/banks"
	"github.com/kontoskill/konto/banks/sandbox"
	"github.com/kontoskill/konto/skill/linking"
)

// One person, two banks, end to end through serve: alice links the
// embedded sandbox bank and, on the same linking, adds her UK account
// (oliver's, at the open-banking sandbox's UK Open Banking bank, through
// the bank's own consent page). Alexa's "what's my total balance" then
// lists both banks' accounts and sums per currency, dollars and pounds
// apart; a transfer to "my savings" asks which, naming the banks. Unlinking
// ends the UK consent at the bank.
func TestMultiBankThroughServe(t *testing.T) {
	ctx := context.Background()
	m := newMultiServe(t)
	ts, a, rb, link, obData := m.ts, m.a, m.rb, m.link, m.obData
	access := linkTwoBanks(t, ts, m.amazon, m.secret, a.bank.Password("alice"), obData)
	ask := m.asker(t, access)

	// The total: every account with its bank, one sum per currency.
	alice := banks.User{Bank: sandbox.Name, Customer: "alice", Locale: "en-US"}
	var usd int64
	for _, id := range []string{"alice-checking", "alice-savings"} {
		b, err := a.bank.Balance(ctx, alice, id)
		if err != nil {
			t.Fatal(err)
		}
		usd += b.Booked.Minor
	}
	gbp := sandboxBalance(t, obData, "oliver", "oliver-checking") + sandboxBalance(t, obData, "oliver", "oliver-savings")
	got := ask("s-total", "GetBalance", nil)
	for _, want := range []string{"Everyday Checking at Konto Sandbox Bank", "Current Account at Example Bank UK",
		"Easy Access Saver at Example Bank UK"} {
		if !strings.Contains(got, want) {
			t.Errorf("the balances lack %q: %q", want, got)
		}
	}
	sums := regexp.MustCompile(`In all, your checking and savings accounts hold \$([0-9,]+\.[0-9]{2}) and £([0-9,]+\.[0-9]{2})\.`).FindStringSubmatch(got)
	if sums == nil {
		t.Fatalf("no total per currency: %q", got)
	}
	if got, want := strings.ReplaceAll(sums[1], ",", ""), (banks.Money{Minor: usd, Currency: "USD"}).Decimal(); got != want {
		t.Errorf("total in dollars %s, want %s", got, want)
	}
	if got, want := strings.ReplaceAll(sums[2], ",", ""), (banks.Money{Minor: gbp, Currency: "GBP"}).Decimal(); got != want {
		t.Errorf("total in pounds %s, want %s", got, want)
	}

	// A transfer whose account is unclear between the banks asks which,
	// with the banks' names.
	got = ask("s-transfer", "TransferMoney", map[string]string{"to_account": "savings", "amount": "20"})
	if want := "To which account: your High Yield Savings at Konto Sandbox Bank or your Easy Access Saver at Example Bank UK?"; got != want {
		t.Fatalf("transfer: %q, want %q", got, want)
	}
	ask("s-transfer", "AMAZON.CancelIntent", nil)

	// Unlinking ends both banks' access, the UK consent at the bank too.
	u, err := link.Authenticator().Authenticate(ctx, access)
	if err != nil || u.Bank != sandbox.Name || len(u.Others) != 1 || u.Others[0].Bank != "ukbank" {
		t.Fatalf("the linked user: %+v %v", u, err)
	}
	g, err := rb.grants(ctx, "ukbank", u.Others[0])
	if err != nil || g.ConsentID == "" || g.Token == nil {
		t.Fatalf("the UK grant the connector reads: %+v %v", g, err)
	}
	if err := link.Authenticator().RevokeAccess(ctx, u); err != nil {
		t.Fatal(err)
	}
	if _, err := rb.grants(ctx, "ukbank", u.Others[0]); banks.KindOf(err) != banks.NotLinked {
		t.Errorf("the UK grant after unlinking: %v", err)
	}
	bc, _ := rb.bank("ukbank")
	old, err := bc.connector(connectorDeps{Grants: fixedGrant(g)})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := old.Accounts(ctx, u.Others[0]); err == nil {
		t.Error("the old UK consent still reads the accounts after unlinking")
	}
}

// multiServe is serve with the banks file of multiBanksFile, over TLS,
// with the Alexa skill registered as a client.
type multiServe struct {
	ts             *httptest.Server
	a              *app
	rb             *realBanks
	link           *linking.Server
	obData, amazon string
	secret         string
}

func newMultiServe(t *testing.T) *multiServe {
	t.Helper()
	ctx := context.Background()
	m := &multiServe{obData: filepath.Join(t.TempDir(), "ob"), amazon: "https://pitangui.amazon.com/api/skill/link/M2AAAAAAAAAAAA"}
	base, _, _ := startOpenBanking(t, m.obData)
	file := multiBanksFile(t, m.obData, base)
	data := filepath.Join(t.TempDir(), "data")
	a, _, err := openApp(ctx, data)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Close() })
	m.a = a
	var h atomic.Value
	m.ts = httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h.Load().(http.Handler).ServeHTTP(w, r)
	}))
	m.ts.StartTLS()
	t.Cleanup(m.ts.Close)
	cfg := defaultConfig()
	cfg.Dev = true
	cfg.Banks = file
	rec, err := recognizer(cfg, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	bank, rb, err := bankRouter(ctx, a, cfg, noEnv)
	if err != nil {
		t.Fatal(err)
	}
	e, link, err := newServerWith(a, bank, rb, cfg, newLogger(io.Discard, "error"), nil, rec, m.ts.URL)
	if err != nil {
		t.Fatal(err)
	}
	m.rb, m.link = rb, link
	h.Store(http.Handler(e))
	out, err := run(t, "", "oauth", "client", "add", "--id", "alexa-skill", "--name", "Alexa", "--redirect-uri", m.amazon, "--data", data)
	if err != nil {
		t.Fatal(err)
	}
	var client struct {
		Secret string `json:"client_secret"`
	}
	if err := json.Unmarshal([]byte(out), &client); err != nil || client.Secret == "" {
		t.Fatalf("client add printed %q: %v", out, err)
	}
	m.secret = client.Secret
	return m
}

// asker sends Alexa intents with Konto's access token and returns the
// speech.
func (m *multiServe) asker(t *testing.T, access string) func(session, intent string, slots map[string]string) string {
	n := 0
	return func(session, intent string, slots map[string]string) string {
		t.Helper()
		n++
		r, err := m.ts.Client().Post(m.ts.URL+"/alexa", "application/json",
			strings.NewReader(alexaTurn(session, fmt.Sprintf("r-multi-%s-%d", session, n), access, intent, slots)))
		if err != nil {
			t.Fatal(err)
		}
		defer r.Body.Close()
		var answer struct {
			Response struct {
				OutputSpeech struct{ Text string } `json:"outputSpeech"`
			} `json:"response"`
		}
		json.NewDecoder(r.Body).Decode(&answer)
		t.Logf("%s → %s", intent, answer.Response.OutputSpeech.Text)
		return answer.Response.OutputSpeech.Text
	}
}

// A token the UK bank refreshed is kept in the grant, sealed: the next
// call uses it (and the refresh token the bank gave with it), not the
// stale one.
func TestRefreshedBankTokenIsKept(t *testing.T) {
	ctx := context.Background()
	m := newMultiServe(t)
	_, password, err := sandboxPassword(ctx, m.obData, "oliver")
	if err != nil {
		t.Fatal(err)
	}
	access := linkAtBank(t, m.ts, m.amazon, m.secret, "ukbank", "oliver", password, "decision")
	ask := m.asker(t, access)
	u, err := m.link.Authenticator().Authenticate(ctx, access)
	if err != nil {
		t.Fatal(err)
	}
	g, err := m.rb.grants(ctx, "ukbank", u)
	if err != nil || g.Token == nil || g.Token.RefreshToken == "" {
		t.Fatalf("the linked grant: %+v %v", g, err)
	}
	// The stored access token runs out.
	stale := *g.Token
	stale.AccessToken, stale.Expiry = "stale-access-token", time.Now().Add(-time.Minute)
	raw, _ := json.Marshal(linkedTokens{Token: &stale, ConsentID: g.ConsentID})
	if err := m.link.SaveBankTokens(ctx, u, raw); err != nil {
		t.Fatal(err)
	}
	if got := ask("s-refresh", "GetBalance", map[string]string{"account": "checking"}); !regexp.MustCompile(`£[0-9]`).MatchString(got) {
		t.Fatalf("balance with an expired bank token: %q", got)
	}
	kept, err := m.rb.grants(ctx, "ukbank", u)
	if err != nil || kept.Token == nil {
		t.Fatalf("the grant after the refresh: %+v %v", kept, err)
	}
	if kept.Token.AccessToken == "stale-access-token" || !kept.Token.Expiry.After(time.Now()) || kept.ConsentID != g.ConsentID {
		t.Fatalf("the refreshed token was not kept: access %q, expiry %v, consent %q", kept.Token.AccessToken, kept.Token.Expiry, kept.ConsentID)
	}
	// The kept token reads again, without another refresh.
	if got := ask("s-refresh", "GetBalance", map[string]string{"account": "checking"}); !regexp.MustCompile(`£[0-9]`).MatchString(got) {
		t.Fatalf("balance with the kept token: %q", got)
	}
	again, _ := m.rb.grants(ctx, "ukbank", u)
	if again.Token == nil || again.Token.AccessToken != kept.Token.AccessToken {
		t.Errorf("a fresh token was refreshed again")
	}
}

// multiBanksFile is the printed banks file's UK bank (named Example Bank
// UK) and the embedded sandbox.
func multiBanksFile(t *testing.T, obData, base string) string {
	t.Helper()
	raw, err := os.ReadFile(printedBanks(t, obData, base))
	if err != nil {
		t.Fatal(err)
	}
	var f struct {
		Banks []bankEntry `yaml:"banks"`
	}
	if err := yaml.Unmarshal(raw, &f); err != nil {
		t.Fatal(err)
	}
	var kept []bankEntry
	for _, b := range f.Banks {
		if b.ID == "ukbank" {
			b.Name = "Example Bank UK"
			kept = append(kept, b)
		}
	}
	f.Banks = append(kept, bankEntry{ID: sandbox.Name, Name: "Konto Sandbox Bank", Standard: standardSandbox, Locale: "en-US"})
	out, err := yaml.Marshal(f)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "banks.yaml")
	if err := os.WriteFile(path, out, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// linkTwoBanks goes through Konto's pages: the sandbox bank, the
// consent, alice's sign-in; then "Add another bank": the UK bank, its
// own page (oliver signs in and approves), back to Konto; the voice PIN
// 4826 and the code exchange. It returns Konto's access token.
func linkTwoBanks(t *testing.T, ts *httptest.Server, amazon, secret, alicePassword, obData string) string {
	t.Helper()
	ctx := context.Background()
	b := newKontoBrowser(t, ts)
	_, page := b.do(http.MethodGet, ts.URL+linking.AuthorizePath, url.Values{"response_type": {"code"}, "client_id": {"alexa-skill"},
		"redirect_uri": {amazon}, "state": {"state-0123456789"}, "scope": {"accounts payments"}})
	_, page = b.do(http.MethodPost, ts.URL+linking.AuthorizePath, url.Values{"csrf": {b.token(page)}, "step": {"bank"}, "bank": {sandbox.Name}})
	_, page = b.do(http.MethodPost, ts.URL+linking.AuthorizePath, url.Values{"csrf": {b.token(page)}, "step": {"consent"},
		"scope": {"accounts", "payments"}, "days": {"90"}, "action": {"allow"}})
	_, page = b.do(http.MethodPost, ts.URL+linking.AuthorizePath, url.Values{"csrf": {b.token(page)}, "step": {"signin"},
		"customer": {"alice"}, "password": {alicePassword}})
	if !strings.Contains(page, `name="step" value="another"`) {
		t.Fatalf("no other bank offered after the sandbox: %s", page)
	}
	_, page = b.do(http.MethodPost, ts.URL+linking.AuthorizePath, url.Values{"csrf": {b.token(page)}, "step": {"another"}})
	resp, page := b.do(http.MethodPost, ts.URL+linking.AuthorizePath, url.Values{"csrf": {b.token(page)}, "step": {"bank"}, "bank": {"ukbank"}})
	bankPage := resp.Header.Get("Location")
	if m := regexp.MustCompile(`id="continue" href="([^"]+)"`).FindStringSubmatch(page); bankPage == "" && m != nil {
		bankPage = strings.ReplaceAll(m[1], "&amp;", "&")
	}
	if bankPage == "" {
		t.Fatalf("no page of the UK bank: %d %s", resp.StatusCode, page)
	}
	_, password, err := sandboxPassword(ctx, obData, "oliver")
	if err != nil {
		t.Fatal(err)
	}
	back, err := newPageClient().decide(ctx, bankPage, "oliver", password, "decision")
	if err != nil || back == nil {
		t.Fatalf("at the UK bank's page %s: %v", bankPage, err)
	}
	_, page = b.do(http.MethodGet, toKonto(t, ts, back).String(), nil)
	if !strings.Contains(page, `name="step" value="pin"`) || !strings.Contains(page, "Linked: Konto Sandbox Bank, Example Bank UK.") {
		t.Fatalf("after the UK bank's callback: %s", page)
	}
	resp, page = b.do(http.MethodPost, ts.URL+linking.AuthorizePath, url.Values{"csrf": {b.token(page)}, "step": {"pin"}, "pin": {"4826"}, "pin2": {"4826"}})
	loc, err := url.Parse(resp.Header.Get("Location"))
	if err != nil || !strings.HasPrefix(loc.String(), amazon) || loc.Query().Get("code") == "" {
		t.Fatalf("back to Alexa: %d %q %s", resp.StatusCode, resp.Header.Get("Location"), page)
	}
	tok, err := ts.Client().PostForm(ts.URL+linking.TokenPath, url.Values{"grant_type": {"authorization_code"},
		"code": {loc.Query().Get("code")}, "redirect_uri": {amazon}, "client_id": {"alexa-skill"}, "client_secret": {secret}})
	if err != nil {
		t.Fatal(err)
	}
	defer tok.Body.Close()
	var tokens struct {
		AccessToken string `json:"access_token"`
	}
	if err := json.NewDecoder(tok.Body).Decode(&tokens); err != nil || tokens.AccessToken == "" {
		t.Fatalf("token endpoint: %d %v", tok.StatusCode, err)
	}
	return tokens.AccessToken
}

// newKontoBrowser is a browser with cookies that does not follow
// redirects, as toTheBank makes.
func newKontoBrowser(t *testing.T, ts *httptest.Server) *kontoBrowser {
	jar, _ := cookiejar.New(nil)
	c := ts.Client()
	c.Jar = jar
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return &kontoBrowser{t: t, c: c, csrf: regexp.MustCompile(`name="csrf" value="([^"]+)"`)}
}
