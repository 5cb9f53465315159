package main

import (
	"context"
	"encoding/json"
	"html"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/kontoskill/konto/skill/linking"
)

// Account linking through serve's own router, as Alexa does it: a client
// is registered, the person goes through the pages (consent, the bank's
// sign-in, the voice PIN), Alexa exchanges the code, and an Alexa request
// with that token is answered from the person's accounts.
func TestAccountLinkingThroughServe(t *testing.T) {
	ctx := context.Background()
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
	rec, err := recognizer(cfg, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	e, _, err := newServer(a, a.bank, cfg, newLogger(io.Discard, "error"), nil, rec, ts.URL)
	if err != nil {
		t.Fatal(err)
	}
	h.Store(http.Handler(e))

	// konto oauth client add, as the README says.
	const amazon = "https://pitangui.amazon.com/api/skill/link/M2AAAAAAAAAAAA"
	out, err := run(t, "", "oauth", "client", "add", "--id", "alexa-skill", "--name", "Alexa", "--redirect-uri", amazon, "--data", data)
	if err != nil {
		t.Fatal(err)
	}
	var client struct{ ClientID, ClientSecret string }
	if err := json.Unmarshal([]byte(strings.ReplaceAll(strings.ReplaceAll(out, "client_id", "ClientID"), "client_secret", "ClientSecret")), &client); err != nil || client.ClientSecret == "" {
		t.Fatalf("client add printed %q: %v", out, err)
	}

	jar, _ := cookiejar.New(nil)
	browser := ts.Client()
	browser.Jar = jar
	browser.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	csrf := regexp.MustCompile(`name="csrf" value="([^"]+)"`)
	send := func(method, path string, form url.Values) (*http.Response, string) {
		t.Helper()
		var body io.Reader
		u := ts.URL + path
		if method == http.MethodGet {
			u += "?" + form.Encode()
		} else {
			body = strings.NewReader(form.Encode())
		}
		req, _ := http.NewRequest(method, u, body)
		if body != nil {
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		}
		resp, err := browser.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp, string(b)
	}
	token := func(page string) string {
		t.Helper()
		m := csrf.FindStringSubmatch(page)
		if m == nil {
			t.Fatalf("no CSRF token in %s", page)
		}
		return html.UnescapeString(m[1])
	}
	_, page := send(http.MethodGet, linking.AuthorizePath, url.Values{"response_type": {"code"}, "client_id": {"alexa-skill"},
		"redirect_uri": {amazon}, "state": {"state-0123456789"}, "scope": {"accounts payments"}})
	if strings.Contains(page, `name="step" value="bank"`) {
		_, page = send(http.MethodPost, linking.AuthorizePath, url.Values{"csrf": {token(page)}, "step": {"bank"}, "bank": {"sandbox"}})
	}
	_, page = send(http.MethodPost, linking.AuthorizePath, url.Values{"csrf": {token(page)}, "step": {"consent"},
		"scope": {"accounts", "payments"}, "days": {"90"}, "action": {"allow"}})
	_, page = send(http.MethodPost, linking.AuthorizePath, url.Values{"csrf": {token(page)}, "step": {"signin"},
		"customer": {"alice"}, "password": {a.bank.Password("alice")}})
	resp, page := send(http.MethodPost, linking.AuthorizePath, url.Values{"csrf": {token(page)}, "step": {"pin"}, "pin": {"4826"}, "pin2": {"4826"}})
	loc, err := url.Parse(resp.Header.Get("Location"))
	if err != nil || !strings.HasPrefix(loc.String(), amazon) || loc.Query().Get("state") != "state-0123456789" || loc.Query().Get("code") == "" {
		t.Fatalf("back to Alexa: %d %q %s", resp.StatusCode, resp.Header.Get("Location"), page)
	}

	// Alexa exchanges the code (client credentials in the body).
	tok, err := ts.Client().PostForm(ts.URL+linking.TokenPath, url.Values{"grant_type": {"authorization_code"},
		"code": {loc.Query().Get("code")}, "redirect_uri": {amazon}, "client_id": {"alexa-skill"}, "client_secret": {client.ClientSecret}})
	if err != nil {
		t.Fatal(err)
	}
	defer tok.Body.Close()
	var tokens struct {
		AccessToken  string `json:"access_token"`
		RefreshToken string `json:"refresh_token"`
	}
	if err := json.NewDecoder(tok.Body).Decode(&tokens); err != nil || tokens.AccessToken == "" || tokens.RefreshToken == "" {
		t.Fatalf("token endpoint: %d %v %+v", tok.StatusCode, err, tokens)
	}

	// An Alexa request with the linked token is answered from Alice's accounts.
	r, err := ts.Client().Post(ts.URL+"/alexa", "application/json", strings.NewReader(
		alexaTurn("s-linked", "r-linked", tokens.AccessToken, "GetBalance", map[string]string{"account": "checking"})))
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
	if !strings.HasPrefix(answer.Response.OutputSpeech.Text, "Your Everyday Checking has $") {
		t.Fatalf("a linked user's balance: %q", answer.Response.OutputSpeech.Text)
	}
	// The PIN set while linking is the voice PIN now.
	rec2, err := a.store.PIN(ctx, "sandbox", "alice")
	if err != nil || rec2.Hash == "" {
		t.Fatalf("no voice PIN after linking: %v", err)
	}
}
