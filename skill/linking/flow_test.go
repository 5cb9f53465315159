package linking_test

import (
	"context"
	"net/http"
	"net/url"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/kontoskill/konto/banks"
	"github.com/kontoskill/konto/skill"
	"github.com/kontoskill/konto/skill/linking"
)

// TestCodeFlowWithPKCE goes through every page, as a person would (bank
// choice, consent, the sandbox's sign-in, the voice PIN), exchanges the
// code with its PKCE verifier and authenticates with the access token.
func TestCodeFlowWithPKCE(t *testing.T) {
	t.Parallel()
	e := newEnv(t, func(o *linking.Options) {
		o.Banks = []linking.Bank{{ID: "sandbox", Name: "Konto Sandbox Bank", Standard: linking.StandardSandbox},
			{ID: "other", Name: "Other Bank", Standard: linking.StandardSandbox, ConsentDays: 180}}
	})
	f := defaultFlow()
	f.bank = "sandbox"
	loc := e.link(f)
	if got := loc.Scheme + "://" + loc.Host + loc.Path; got != redirect {
		t.Fatalf("redirected to %s, want %s", got, redirect)
	}
	if got := loc.Query().Get("state"); got != state {
		t.Fatalf("state %q, want %q", got, state)
	}
	code := loc.Query().Get("code")
	if !strings.HasPrefix(code, "konto_ac_") {
		t.Fatalf("code %q", code)
	}
	tok := e.exchange(code, verifier)
	if tok.status != http.StatusOK {
		t.Fatalf("exchange: %d %+v", tok.status, tok)
	}
	if !strings.HasPrefix(tok.Access, "konto_at_") || !strings.HasPrefix(tok.Refresh, "konto_rt_") || !strings.EqualFold(tok.Type, "bearer") {
		t.Fatalf("tokens %+v", tok)
	}
	if tok.ExpiresIn < 3500 || tok.ExpiresIn > 3600 {
		t.Fatalf("expires_in %d, want about an hour", tok.ExpiresIn)
	}
	if got, want := tok.Scope, "accounts payments"; got != want {
		t.Fatalf("scope %q, want %q", got, want)
	}
	if cc := tok.header.Get("Cache-Control"); !strings.Contains(cc, "no-store") {
		t.Fatalf("token answer Cache-Control %q", cc)
	}
	u, err := e.authenticate(tok.Access)
	if err != nil {
		t.Fatal(err)
	}
	if want := (banks.User{Bank: "sandbox", Customer: "alice", Locale: "en-US"}); !reflect.DeepEqual(u, want) {
		t.Fatalf("user %+v, want %+v", u, want)
	}
	scopes, err := e.srv.Authenticator().Scopes(context.Background(), tok.Access)
	if err != nil || !slices.Equal(scopes, []string{"accounts", "payments"}) {
		t.Fatalf("scopes %v, %v", scopes, err)
	}
	if !linking.IsToken(tok.Access) || linking.IsToken(e.bank.Token("alice")) {
		t.Fatal("IsToken does not tell Konto's tokens from the sandbox's")
	}
	// The PIN went through the hook, hashed as the core verifies it.
	rec, err := e.store.PIN(context.Background(), "sandbox", "alice")
	if err != nil {
		t.Fatal(err)
	}
	if ok, _ := skill.VerifyPIN(secret, "sandbox", "alice", rec.Hash, "4826"); !ok {
		t.Fatal("the voice PIN does not verify")
	}
	// The ledger has the grant, for 90 days, with nothing in clear.
	gs, err := e.store.Grants(context.Background(), "sandbox", "alice")
	if err != nil || len(gs) != 1 {
		t.Fatalf("grants %+v, %v", gs, err)
	}
	g := gs[0]
	if g.ClientID != clientID || g.ConsentID != "" || !g.ExpiresAt.Equal(start.AddDate(0, 0, 90)) || g.BankTokens != nil ||
		!g.LastUsed.Equal(start) {
		t.Fatalf("grant %+v", g)
	}
	for _, secretText := range []string{code, tok.Access, tok.Refresh} {
		sig := secretText[strings.LastIndex(secretText, ".")+1:]
		for _, kind := range []string{linking.KindCode, linking.KindAccess, linking.KindRefresh} {
			if _, _, err := e.store.OAuthToken(context.Background(), kind, secretText); err == nil {
				t.Fatalf("a %s is stored in clear", kind)
			}
		}
		found := false
		for _, kind := range []string{linking.KindCode, linking.KindAccess, linking.KindRefresh} {
			if _, _, err := e.store.OAuthToken(context.Background(), kind, sig); err == nil {
				found = true
			}
		}
		if !found {
			t.Fatalf("no signature stored for %.12s…", secretText)
		}
	}
}

// TestConsentChoices: what the person unticks is not granted, the
// duration chosen is the grant's, and a cancelled consent goes back to
// the client as access_denied with the state.
func TestConsentChoices(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	page := e.get(linking.AuthorizePath, authorizeQuery("accounts alerts"))
	if strings.Contains(page.body, `value="payments"`) {
		t.Fatal("a scope the client did not ask for is offered")
	}
	if !strings.Contains(page.body, `value="accounts" checked`) || strings.Contains(page.body, `value="alerts" checked`) {
		t.Fatal("accounts should be ticked by default, alerts not")
	}
	none := e.post(linking.AuthorizePath, url.Values{"csrf": {page.csrf(t)}, "step": {"consent"}, "days": {"30"}, "action": {"allow"}})
	if none.status != http.StatusBadRequest || !strings.Contains(none.body, "at least one") {
		t.Fatalf("nothing ticked: %d %s", none.status, none.body)
	}
	cancel := e.post(linking.AuthorizePath, url.Values{"csrf": {none.csrf(t)}, "step": {"consent"}, "action": {"cancel"}})
	loc := cancel.location(t)
	if q := loc.Query(); q.Get("error") != "access_denied" || q.Get("state") != state || q.Get("code") != "" {
		t.Fatalf("cancel redirected to %s", loc)
	}

	f := defaultFlow()
	f.query = authorizeQuery("accounts alerts")
	f.scopes = []string{"alerts", "payments"} // payments was not offered
	f.days = "30"
	loc = e.link(f)
	tok := e.exchange(loc.Query().Get("code"), verifier)
	if tok.Scope != "alerts" {
		t.Fatalf("scope %q, want alerts", tok.Scope)
	}
	gs, _ := e.store.Grants(context.Background(), "sandbox", "alice")
	if len(gs) != 1 || !gs[0].ExpiresAt.Equal(start.AddDate(0, 0, 30)) {
		t.Fatalf("grants %+v", gs)
	}
}

// TestPINChoice: two different PINs, a PIN that is not four digits and an
// easy one are refused on the page, which keeps the flow.
func TestPINChoice(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	page := e.get(linking.AuthorizePath, authorizeQuery("accounts"))
	page = e.post(linking.AuthorizePath, url.Values{"csrf": {page.csrf(t)}, "step": {"consent"}, "scope": {"accounts"}, "days": {"90"}})
	page = e.post(linking.AuthorizePath, url.Values{"csrf": {page.csrf(t)}, "step": {"signin"}, "customer": {"Alice"},
		"password": {e.bank.Password("alice")}})
	for _, c := range []struct{ pin, again, want string }{
		{"4826", "4827", "don't match"},
		{"482", "482", "exactly four digits"},
		{"48a6", "48a6", "exactly four digits"},
		{"1234", "1234", "easy to guess"},
		{"7777", "7777", "easy to guess"},
		{"9876", "9876", "easy to guess"},
	} {
		got := e.post(linking.AuthorizePath, url.Values{"csrf": {page.csrf(t)}, "step": {"pin"}, "pin": {c.pin}, "pin2": {c.again}})
		if got.status != http.StatusBadRequest || !strings.Contains(got.text, c.want) || !strings.Contains(got.body, `role="alert"`) {
			t.Fatalf("PIN %s/%s: %d %s", c.pin, c.again, got.status, got.body)
		}
		page = got
	}
	done := e.post(linking.AuthorizePath, url.Values{"csrf": {page.csrf(t)}, "step": {"pin"}, "pin": {"5039"}, "pin2": {"5039"}})
	if done.location(t).Query().Get("code") == "" {
		t.Fatal("no code after a good PIN")
	}
	// The flow is used up: the same form again finds nothing.
	again := e.post(linking.AuthorizePath, url.Values{"csrf": {page.csrf(t)}, "step": {"pin"}, "pin": {"5039"}, "pin2": {"5039"}})
	if again.status != http.StatusBadRequest || again.header.Get("Location") != "" {
		t.Fatalf("a finished flow again: %d %s", again.status, again.body)
	}
}

// TestUnregisteredRedirect: an unknown client or a redirect URI that is
// not registered exactly is answered on an error page here, never by a
// redirect; a registered one gets errors back by redirect.
func TestUnregisteredRedirect(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	for name, change := range map[string]func(url.Values){
		"other host":      func(q url.Values) { q.Set("redirect_uri", "https://evil.example/link/M2X") },
		"longer path":     func(q url.Values) { q.Set("redirect_uri", redirect+"/x") },
		"added query":     func(q url.Values) { q.Set("redirect_uri", redirect+"?a=b") },
		"case":            func(q url.Values) { q.Set("redirect_uri", strings.ToUpper(redirect)) },
		"unknown client":  func(q url.Values) { q.Set("client_id", "nobody") },
		"several, absent": func(q url.Values) { q.Del("redirect_uri") },
		// fosite's form_post page has a script; fragments are not offered.
		"form_post": func(q url.Values) { q.Set("response_mode", "form_post") },
		"fragment":  func(q url.Values) { q.Set("response_mode", "fragment") },
	} {
		q := authorizeQuery("accounts")
		change(q)
		got := e.get(linking.AuthorizePath, q)
		if got.status != http.StatusBadRequest || got.header.Get("Location") != "" || !strings.Contains(got.body, "<h1>") {
			t.Errorf("%s: %d, Location %q", name, got.status, got.header.Get("Location"))
		}
	}
	// A registered redirect URI gets the protocol errors: an unknown scope,
	// PKCE plain, a response type other than code.
	for name, change := range map[string]func(url.Values){
		"unknown scope": func(q url.Values) { q.Set("scope", "accounts everything") },
		"PKCE plain":    func(q url.Values) { q.Set("code_challenge_method", "plain"); q.Set("code_challenge", verifier) },
		"PKCE default":  func(q url.Values) { q.Del("code_challenge_method"); q.Set("code_challenge", verifier) },
		"token":         func(q url.Values) { q.Set("response_type", "token") },
	} {
		q := authorizeQuery("accounts")
		change(q)
		got := e.get(linking.AuthorizePath, q)
		loc := got.location(t)
		if !strings.HasPrefix(loc.String(), redirect+"?") || loc.Query().Get("error") == "" || loc.Query().Get("state") != state {
			t.Errorf("%s: redirected to %s", name, loc)
		}
	}
}

// TestMissingCSRF: a step posted without the page's CSRF token, or with
// another flow's, is refused with 403 and changes nothing.
func TestMissingCSRF(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	page := e.get(linking.AuthorizePath, authorizeQuery("accounts"))
	form := url.Values{"step": {"consent"}, "scope": {"accounts"}, "days": {"90"}}
	if got := e.post(linking.AuthorizePath, form); got.status != http.StatusForbidden {
		t.Fatalf("no CSRF token: %d", got.status)
	}
	form.Set("csrf", "forged-token")
	if got := e.post(linking.AuthorizePath, form); got.status != http.StatusForbidden {
		t.Fatalf("a wrong CSRF token: %d", got.status)
	}
	// A POST from elsewhere, without the browser's cookie.
	form.Set("csrf", page.csrf(t))
	req, _ := http.NewRequest(http.MethodPost, e.ts.URL+linking.AuthorizePath, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if got := e.do(req, e.client); got.status != http.StatusBadRequest && got.status != http.StatusForbidden {
		t.Fatalf("without the cookie: %d", got.status)
	}
	// The flow is where it was.
	if got := e.post(linking.AuthorizePath, form); got.status != http.StatusOK || !strings.Contains(got.body, `value="signin"`) {
		t.Fatalf("the right token: %d %s", got.status, got.body)
	}
}

// TestLoginRateLimit: five sign-in attempts a minute per customer and
// per address; the sixth is refused even with the right password.
func TestLoginRateLimit(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	page := e.get(linking.AuthorizePath, authorizeQuery("accounts"))
	page = e.post(linking.AuthorizePath, url.Values{"csrf": {page.csrf(t)}, "step": {"consent"}, "scope": {"accounts"}, "days": {"90"}})
	signIn := func(customer, password string) answer {
		return e.post(linking.AuthorizePath, url.Values{"csrf": {page.csrf(t)}, "step": {"signin"}, "customer": {customer},
			"password": {password}})
	}
	for i := range 5 {
		got := signIn("alice", "wrong-password")
		if got.status != http.StatusUnauthorized || !strings.Contains(got.text, "don't match") {
			t.Fatalf("attempt %d: %d %s", i+1, got.status, got.body)
		}
	}
	if got := signIn("alice", e.bank.Password("alice")); got.status != http.StatusTooManyRequests || !strings.Contains(got.body, "wait a minute") {
		t.Fatalf("sixth attempt: %d", got.status)
	}
	// Another customer from the same address is held too.
	if got := signIn("bob", e.bank.Password("bob")); got.status != http.StatusTooManyRequests {
		t.Fatalf("another customer from the same address: %d", got.status)
	}
	e.clock.Advance(61 * time.Second)
	if got := signIn("alice", e.bank.Password("alice")); got.status != http.StatusOK || !strings.Contains(got.body, `value="pin"`) {
		t.Fatalf("a minute later: %d %s", got.status, got.body)
	}

	// Per customer, from several addresses.
	ip := "192.0.2.1"
	e2 := newEnv(t, func(o *linking.Options) { o.ClientIP = func(*http.Request) string { return ip } })
	page = e2.get(linking.AuthorizePath, authorizeQuery("accounts"))
	page = e2.post(linking.AuthorizePath, url.Values{"csrf": {page.csrf(t)}, "step": {"consent"}, "scope": {"accounts"}, "days": {"90"}})
	for i := range 6 {
		ip = "192.0.2." + string(rune('1'+i))
		got := e2.post(linking.AuthorizePath, url.Values{"csrf": {page.csrf(t)}, "step": {"signin"}, "customer": {"carol"},
			"password": {"wrong"}})
		want := http.StatusUnauthorized
		if i == 5 {
			want = http.StatusTooManyRequests
		}
		if got.status != want {
			t.Fatalf("attempt %d from %s: %d, want %d", i+1, ip, got.status, want)
		}
	}
}

// TestPageSecurityHeaders: every page forbids framing and caching and has
// a CSP that allows only its own inline style (by hash) and forms posted
// here or, for the redirect with the code, to the client's origin.
func TestPageSecurityHeaders(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	pages := map[string]answer{
		"consent": e.get(linking.AuthorizePath, authorizeQuery("accounts")),
		"error":   e.get(linking.AuthorizePath, url.Values{"client_id": {"nobody"}}),
	}
	pages["signin"] = e.post(linking.AuthorizePath, url.Values{"csrf": {pages["consent"].csrf(t)}, "step": {"consent"},
		"scope": {"accounts"}, "days": {"90"}})
	for name, p := range pages {
		h := p.header
		csp := h.Get("Content-Security-Policy")
		for _, want := range []string{"default-src 'none'", "frame-ancestors 'none'", "style-src 'sha256-", "base-uri 'none'", "form-action 'self'"} {
			if !strings.Contains(csp, want) {
				t.Errorf("%s: CSP %q lacks %q", name, csp, want)
			}
		}
		if strings.Contains(csp, "unsafe-inline") || strings.Contains(csp, "script-src") {
			t.Errorf("%s: CSP %q", name, csp)
		}
		for k, want := range map[string]string{"X-Frame-Options": "DENY", "X-Content-Type-Options": "nosniff",
			"Referrer-Policy": "no-referrer", "Cache-Control": "no-store", "Content-Type": "text/html; charset=utf-8"} {
			if got := h.Get(k); got != want {
				t.Errorf("%s: %s %q, want %q", name, k, got, want)
			}
		}
		for _, bad := range []string{"<script", "http://", "src=", "<link"} {
			if strings.Contains(p.body, bad) {
				t.Errorf("%s: the page has %q", name, bad)
			}
		}
		if !strings.Contains(p.body, `<html lang="en-US">`) || p.heading() == "" {
			t.Errorf("%s: no language or heading", name)
		}
	}
	if csp := pages["signin"].header.Get("Content-Security-Policy"); !strings.Contains(csp, "form-action 'self' https://alexa.example;") {
		t.Errorf("the flow's CSP %q does not allow the redirect to the client", csp)
	}
	// Every input has its label.
	body := pages["signin"].body
	for _, id := range []string{"customer", "password"} {
		if !strings.Contains(body, `<label for="`+id+`">`) || !strings.Contains(body, `id="`+id+`"`) {
			t.Errorf("sign-in page: no label for %s", id)
		}
	}
	// The JSON endpoints cannot be framed either.
	meta := e.get(linking.MetadataPath, nil)
	if meta.header.Get("X-Frame-Options") != "DENY" || !strings.Contains(meta.header.Get("Content-Security-Policy"), "frame-ancestors 'none'") {
		t.Errorf("metadata headers %v", meta.header)
	}
	// The flow cookie is the browser's alone.
	resp := e.get(linking.AuthorizePath, authorizeQuery("accounts"))
	c := resp.header.Get("Set-Cookie")
	for _, want := range []string{"__Host-konto-link=", "Path=/", "HttpOnly", "Secure", "SameSite=Lax"} {
		if !strings.Contains(c, want) {
			t.Errorf("cookie %q lacks %q", c, want)
		}
	}
}

// TestGermanPages: Accept-Language de-DE gets the pages in German, en-GB
// in British spelling.
func TestGermanPages(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	for _, c := range []struct{ accept, lang, heading, text string }{
		{"de-DE,de;q=0.9,en;q=0.5", "de-DE", "Konto berechtigen", "Kontostände und Umsätze sehen"},
		{"de", "de-DE", "Konto berechtigen", "Erlauben"},
		{"en-GB", "en-GB", "Authorise Konto", "See your balances and transactions"},
		{"fr-FR", "en-US", "Authorize Konto", "See your balances and transactions"},
	} {
		e.lang = c.accept
		page := e.get(linking.AuthorizePath, authorizeQuery("accounts"))
		if !strings.Contains(page.body, `<html lang="`+c.lang+`">`) || page.heading() != c.heading || !strings.Contains(page.body, c.text) {
			t.Errorf("%s: lang %s heading %q: %s", c.accept, c.lang, page.heading(), page.body)
		}
		if got := page.header.Get("Content-Language"); got != c.lang {
			t.Errorf("%s: Content-Language %q", c.accept, got)
		}
	}
	e.lang = "de-DE"
	page := e.get(linking.AuthorizePath, authorizeQuery("accounts"))
	page = e.post(linking.AuthorizePath, url.Values{"csrf": {page.csrf(t)}, "step": {"consent"}, "scope": {"accounts"}, "days": {"90"}})
	if page.heading() != "Bei Konto Sandbox Bank anmelden" || !strings.Contains(page.body, "Kundennummer") {
		t.Errorf("German sign-in page: %q %s", page.heading(), page.body)
	}
}

// TestExpiredFlow: a flow left for more than 15 minutes is gone.
func TestExpiredFlow(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	page := e.get(linking.AuthorizePath, authorizeQuery("accounts"))
	e.clock.Advance(16 * time.Minute)
	got := e.post(linking.AuthorizePath, url.Values{"csrf": {page.csrf(t)}, "step": {"consent"}, "scope": {"accounts"}, "days": {"90"}})
	if got.status != http.StatusBadRequest || !strings.Contains(got.body, "expired") {
		t.Fatalf("%d %s", got.status, got.body)
	}
}
