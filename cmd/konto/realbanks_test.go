package main

import (
	"context"
	"encoding/json"
	"fmt"
	"html"
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

	"gopkg.in/yaml.v3"

	"github.com/kontoskill/konto/banks"
	"github.com/kontoskill/konto/banks/sandbox"
	"github.com/kontoskill/konto/skill/linking"
)

// The issue "Real banks", end to end: serve with the banks file of
// `konto sandbox openbanking`; a person links ukbank (UK Open Banking)
// and debank (Berlin Group) through Konto's pages and the sandbox's own
// consent pages, an Alexa request with Konto's token reads their
// balance, transactions and spending from that bank, and a transfer to a
// saved payee waits for the approval in the bank's app, then goes
// through once (or, rejected, moves nothing).
func TestRealBanksThroughServe(t *testing.T) {
	ctx := context.Background()
	obData := filepath.Join(t.TempDir(), "ob")
	base, _, _ := startOpenBanking(t, obData)
	file := realBanksFile(t, obData, base)

	data := filepath.Join(t.TempDir(), "data")
	a, _, err := openApp(ctx, data)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	var h atomic.Value
	ts := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h.Load().(http.Handler).ServeHTTP(w, r)
	}))
	ts.StartTLS()
	defer ts.Close()
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
	e, link, err := newServerWith(a, bank, rb, cfg, newLogger(io.Discard, "error"), nil, rec, ts.URL)
	if err != nil {
		t.Fatal(err)
	}
	h.Store(http.Handler(e))
	const amazon = "https://pitangui.amazon.com/api/skill/link/M2AAAAAAAAAAAA"
	out, err := run(t, "", "oauth", "client", "add", "--id", "alexa-skill", "--name", "Alexa", "--redirect-uri", amazon, "--data", data)
	if err != nil {
		t.Fatal(err)
	}
	var client struct {
		Secret string `json:"client_secret"`
	}
	if err := json.Unmarshal([]byte(out), &client); err != nil || client.Secret == "" {
		t.Fatalf("client add printed %q: %v", out, err)
	}

	for _, tc := range []struct {
		bank, customer, account, payee, button, app, locale string
		reject                                              bool
	}{
		{bank: "ukbank", customer: "oliver", account: "oliver-checking", payee: "Emily Bennett", button: "decision", app: base + "/app/approvals", locale: "en-GB"},
		{bank: "debank", customer: "jonas", account: "jonas-checking", payee: "Anna Becker", button: "action", app: base + obPrefix + "/app/approvals", locale: "de-DE"},
		{bank: "ukbank", customer: "oliver", account: "oliver-checking", payee: "Emily Bennett", button: "decision", reject: true, locale: "en-GB"},
		{bank: "debank", customer: "jonas", account: "jonas-checking", payee: "Anna Becker", button: "action", reject: true, locale: "de-DE"},
	} {
		words := map[string]string{"readback": "Shall I go ahead", "pin": "voice PIN", "approve": "in your banking app",
			"done": "went through", "rejected": "declined"}
		if tc.locale == "de-DE" {
			words = map[string]string{"readback": "Soll ich das ausführen?", "pin": "Sprach-PIN", "approve": "Banking-App",
				"done": "durchgegangen", "rejected": "abgelehnt"}
		}
		name := tc.bank
		if tc.reject {
			name += "-rejected"
		}
		t.Run(name, func(t *testing.T) {
			_, password, err := sandboxPassword(ctx, obData, tc.customer)
			if err != nil {
				t.Fatal(err)
			}
			if tc.reject {
				// The person first refuses on the bank's page: no link.
				refuseAtBank(t, ts, amazon, tc.bank, tc.customer, password, tc.button)
			}
			access := linkAtBank(t, ts, amazon, client.Secret, tc.bank, tc.customer, password, tc.button)

			session := "s-" + name
			n := 0
			ask := func(intent string, slots map[string]string) string {
				t.Helper()
				n++
				r, err := ts.Client().Post(ts.URL+"/alexa", "application/json",
					strings.NewReader(strings.Replace(alexaTurn(session, fmt.Sprintf("r-%s-%d", name, n), access, intent, slots),
						`"locale":"en-US"`, `"locale":"`+tc.locale+`"`, 1)))
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
			if got := ask("GetBalance", map[string]string{"account": "checking"}); !regexp.MustCompile(`[0-9]`).MatchString(got) ||
				strings.Contains(got, "link") {
				t.Fatalf("balance from %s: %q", tc.bank, got)
			}
			if got := ask("ListTransactions", map[string]string{"account": "checking"}); !regexp.MustCompile(`[0-9]`).MatchString(got) ||
				strings.Contains(got, "link") {
				t.Errorf("transactions from %s: %q", tc.bank, got)
			}
			if got := ask("SpendingSummary", map[string]string{"date_range": "last month"}); got == "" || strings.Contains(got, "link") {
				t.Errorf("spending from %s: %q", tc.bank, got)
			}

			before := sandboxBalance(t, obData, tc.customer, tc.account)
			transfer := map[string]string{"payee": strings.ToLower(tc.payee), "amount": "5", "from_account": "checking"}
			if got := ask("TransferMoney", transfer); !strings.Contains(got, words["readback"]) {
				t.Fatalf("read-back: %q", got)
			}
			if got := ask("AMAZON.YesIntent", nil); !strings.Contains(got, words["pin"]) {
				t.Fatalf("after yes: %q", got)
			}
			got := ask("ProvidePin", map[string]string{"pin": "4826"})
			if !strings.Contains(got, words["approve"]) {
				t.Fatalf("after the PIN: %q", got)
			}
			if moved := before - sandboxBalance(t, obData, tc.customer, tc.account); moved != 0 {
				t.Fatalf("%d moved before the approval", moved)
			}
			args := []string{"sandbox", "approve", "--customer", tc.customer, "--data", obData}
			if tc.reject {
				args = append(args, "--reject")
			}
			if tc.app != "" {
				// Approved in the sandbox's bank app page, as the customer.
				p := banks.PaymentRequest{Amount: banks.Money{Minor: 500}}
				if err := approveInApp(tc.app, tc.customer, password)(ctx, p, banks.Payee{Name: tc.payee}); err != nil {
					t.Fatalf("approving in the bank app: %v", err)
				}
			} else if out, err := run(t, "", args...); err != nil {
				t.Fatalf("sandbox approve: %v\n%s", err, out)
			}
			got = ask("GetBalance", map[string]string{"account": "checking"})
			want := words["done"]
			if tc.reject {
				want = words["rejected"]
			}
			if !strings.Contains(got, want) {
				t.Fatalf("the turn after the decision: %q, want %q", got, want)
			}
			ask("GetBalance", map[string]string{"account": "checking"})
			wantMoved := int64(500)
			if tc.reject {
				wantMoved = 0
			}
			if moved := before - sandboxBalance(t, obData, tc.customer, tc.account); moved != wantMoved {
				t.Fatalf("moved %d, want %d", moved, wantMoved)
			}

			// Unlinking ends the consent at the bank too.
			u, err := link.Authenticator().Authenticate(ctx, access)
			if err != nil || u.Bank != tc.bank || !strings.HasPrefix(u.Customer, "c-") {
				t.Fatalf("the linked user: %+v %v", u, err)
			}
			g, err := rb.grants(ctx, tc.bank, u)
			if err != nil || g.ConsentID == "" || (tc.bank == "ukbank") != (g.Token != nil) {
				t.Fatalf("the grant the connector reads: consent %q, token %v: %v", g.ConsentID, g.Token != nil, err)
			}
			if err := link.Authenticator().RevokeAccess(ctx, u); err != nil {
				t.Fatal(err)
			}
			if _, err := rb.grants(ctx, tc.bank, u); banks.KindOf(err) != banks.NotLinked {
				t.Errorf("the grant after unlinking: %v", err)
			}
			bc, _ := rb.bank(tc.bank)
			old, err := bc.connector(connectorDeps{Grants: fixedGrant(g)})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := old.Accounts(ctx, u); err == nil {
				t.Errorf("the old consent still reads %s's accounts after unlinking", tc.bank)
			} else {
				t.Logf("the old consent after unlinking: %v", err)
			}
		})
	}
}

// realBanksFile is the printed banks file with the Berlin Group payees
// kept for anyone: the customer Konto knows is a pseudonym of the
// accounts (neither standard names the customer), not the sandbox's id.
func realBanksFile(t *testing.T, obData, base string) string {
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
	for i, b := range f.Banks {
		var kept []payeeEntry
		for _, p := range b.Payees {
			if p.Customer == "jonas" {
				p.Customer = ""
				kept = append(kept, p)
			}
		}
		f.Banks[i].Payees = kept
	}
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

func sandboxBalance(t *testing.T, obData, customer, account string) int64 {
	t.Helper()
	a, c, err := openCustomer(context.Background(), obData, customer)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	b, err := a.bank.Balance(context.Background(), banks.User{Bank: sandbox.Name, Customer: c.ID, Locale: c.Locale}, account)
	if err != nil {
		t.Fatal(err)
	}
	return b.Booked.Minor
}

// linkAtBank goes through Konto's linking pages choosing bankID, signs in
// and approves on the bank's own page, comes back to Konto's callback,
// sets the voice PIN 4826 and exchanges the code; it returns Konto's
// access token.
func linkAtBank(t *testing.T, ts *httptest.Server, amazon, secret, bankID, customer, password, button string) string {
	t.Helper()
	ctx := context.Background()
	b, bankPage := toTheBank(t, ts, amazon, bankID)
	// At the bank, on its own page: sign in and approve.
	back, err := newPageClient().decide(ctx, bankPage, customer, password, button)
	if err != nil || back == nil {
		t.Fatalf("at the bank's page %s: %v", bankPage, err)
	}
	back = toKonto(t, ts, back)
	_, page := b.do(http.MethodGet, back.String(), nil)
	if !strings.Contains(page, `name="step" value="pin"`) {
		t.Fatalf("after the bank's callback: %s", page)
	}
	resp, page := b.do(http.MethodPost, ts.URL+linking.AuthorizePath, url.Values{"csrf": {b.token(page)}, "step": {"pin"}, "pin": {"4826"}, "pin2": {"4826"}})
	loc, err := url.Parse(resp.Header.Get("Location"))
	if err != nil || !strings.HasPrefix(loc.String(), amazon) || loc.Query().Get("state") != "state-0123456789" || loc.Query().Get("code") == "" {
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

// refuseAtBank goes to the bank's page as linkAtBank does and rejects
// there: the UK bank sends access_denied, which Konto passes on to the
// client; the Berlin Group consent is rejected, which Konto's callback
// reports as the bank's refusal. No code either way.
func refuseAtBank(t *testing.T, ts *httptest.Server, amazon, bankID, customer, password, button string) {
	t.Helper()
	ctx := context.Background()
	b, bankPage := toTheBank(t, ts, amazon, bankID)
	br := newPageClient()
	page, at, err := br.get(ctx, bankPage)
	if err != nil {
		t.Fatal(err)
	}
	var back *url.URL
	for _, f := range pageForms(page, at) {
		if f.has(button, "reject") {
			res, err := br.post(ctx, f, url.Values{"customer": {customer}, "password": {password}, button: {"reject"}})
			if err != nil || res.location == nil {
				t.Fatalf("rejecting at the bank: %v %d %s", err, res.status, alertOf(res.body))
			}
			back = res.location
		}
	}
	if back == nil {
		t.Fatalf("no reject button on the bank's page %s", bankPage)
	}
	resp, body := b.do(http.MethodGet, toKonto(t, ts, back).String(), nil)
	loc, _ := url.Parse(resp.Header.Get("Location"))
	t.Logf("refused at %s: Konto answers %d %s", bankID, resp.StatusCode, resp.Header.Get("Location"))
	switch {
	case resp.StatusCode == http.StatusSeeOther && loc != nil && strings.HasPrefix(loc.String(), amazon):
		if loc.Query().Get("error") != "access_denied" || loc.Query().Get("code") != "" {
			t.Fatalf("refused at the bank, the client gets %s", loc)
		}
	case resp.StatusCode == http.StatusBadRequest && !strings.Contains(body, "code="):
	default:
		t.Fatalf("refused at the bank, Konto answers %d %q %s", resp.StatusCode, resp.Header.Get("Location"), body)
	}
}

// toKonto is where the browser goes on from the bank's redirect: the UK
// sandbox registers one redirect URI for Konto, its default callback
// address (obRedirectURL), from which the browser is sent on to this
// Konto's callback with the same answer.
func toKonto(t *testing.T, ts *httptest.Server, back *url.URL) *url.URL {
	t.Helper()
	if strings.HasPrefix(back.String(), ts.URL+linking.CallbackPath) {
		return back
	}
	if back.String() != obRedirectURL+"?"+back.RawQuery {
		t.Fatalf("the bank sent the browser to %s", back)
	}
	u, _ := url.Parse(ts.URL + linking.CallbackPath + "?" + back.RawQuery)
	return u
}

// kontoBrowser is the person's browser on Konto's pages.
type kontoBrowser struct {
	t    *testing.T
	c    *http.Client
	csrf *regexp.Regexp
}

func (b *kontoBrowser) do(method, target string, form url.Values) (*http.Response, string) {
	b.t.Helper()
	var body io.Reader
	if method == http.MethodGet {
		if len(form) > 0 {
			target += "?" + form.Encode()
		}
	} else {
		body = strings.NewReader(form.Encode())
	}
	req, _ := http.NewRequest(method, target, body)
	if body != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	resp, err := b.c.Do(req)
	if err != nil {
		b.t.Fatal(err)
	}
	defer resp.Body.Close()
	out, _ := io.ReadAll(resp.Body)
	return resp, string(out)
}

func (b *kontoBrowser) token(page string) string {
	b.t.Helper()
	m := b.csrf.FindStringSubmatch(page)
	if m == nil {
		b.t.Fatalf("no CSRF token in %s", page)
	}
	return html.UnescapeString(m[1])
}

// toTheBank goes through Konto's pages up to the bank's: the bank
// choice, the consent; it returns the browser and the bank's page.
func toTheBank(t *testing.T, ts *httptest.Server, amazon, bankID string) (*kontoBrowser, string) {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	browser := ts.Client()
	browser.Jar = jar
	browser.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	b := &kontoBrowser{t: t, c: browser, csrf: regexp.MustCompile(`name="csrf" value="([^"]+)"`)}
	do, token := b.do, b.token
	_, page := do(http.MethodGet, ts.URL+linking.AuthorizePath, url.Values{"response_type": {"code"}, "client_id": {"alexa-skill"},
		"redirect_uri": {amazon}, "state": {"state-0123456789"}, "scope": {"accounts payments"}})
	if !strings.Contains(page, `name="step" value="bank"`) {
		t.Fatalf("no bank choice: %s", page)
	}
	_, page = do(http.MethodPost, ts.URL+linking.AuthorizePath, url.Values{"csrf": {token(page)}, "step": {"bank"}, "bank": {bankID}})
	resp, page := do(http.MethodPost, ts.URL+linking.AuthorizePath, url.Values{"csrf": {token(page)}, "step": {"consent"},
		"scope": {"accounts", "payments"}, "days": {"90"}, "action": {"allow"}})
	bankPage := resp.Header.Get("Location")
	if m := regexp.MustCompile(`id="continue" href="([^"]+)"`).FindStringSubmatch(page); bankPage == "" && m != nil {
		bankPage = html.UnescapeString(m[1])
	}
	if bankPage == "" {
		t.Fatalf("no page of the bank after the consent: %d %s", resp.StatusCode, page)
	}
	return b, bankPage
}
