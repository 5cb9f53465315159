package linking_test

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/kontoskill/konto/banks"
	"github.com/kontoskill/konto/skill/linking"
)

var grantField = regexp.MustCompile(`name="grant" value="([^"]+)"`)

// connSignIn opens the connections page and signs in.
func (e *env) connSignIn(customer, password string) answer {
	e.t.Helper()
	page := e.get(linking.ConnectionsPath, nil)
	if page.status != http.StatusOK || !strings.Contains(page.body, `value="signin"`) {
		e.t.Fatalf("connections sign-in page: %d %s", page.status, page.body)
	}
	return e.post(linking.ConnectionsPath, url.Values{"csrf": {page.csrf(e.t)}, "action": {"signin"},
		"customer": {customer}, "password": {password}})
}

// TestConnections: a person signs in, sees both grants of theirs (and
// nobody else's), revokes one; its token stops working, the other's not.
func TestConnections(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	first := e.linked()
	e.clock.Advance(time.Minute)
	second := e.linked()
	bob := defaultFlow()
	bob.customer = "bob"
	bobCode := e.link(bob).Query().Get("code")
	if tok := e.exchange(bobCode, verifier); tok.status != http.StatusOK {
		t.Fatalf("bob's exchange: %d", tok.status)
	}
	if _, err := e.authenticate(first.Access); err != nil {
		t.Fatal(err)
	}

	page := e.connSignIn("alice", e.bank.Password("alice"))
	if page.status != http.StatusOK || page.heading() != "Your connections" {
		t.Fatalf("after sign-in: %d %q %s", page.status, page.heading(), page.body)
	}
	for _, h := range []string{"Content-Security-Policy", "X-Frame-Options", "X-Content-Type-Options", "Referrer-Policy", "Cache-Control"} {
		if page.header.Get(h) == "" {
			t.Errorf("no %s header", h)
		}
	}
	if csp := page.header.Get("Content-Security-Policy"); !strings.Contains(csp, "frame-ancestors 'none'") || !strings.Contains(csp, "form-action 'self'") {
		t.Errorf("CSP %q", csp)
	}
	ids := grantField.FindAllStringSubmatch(page.body, -1)
	if len(ids) != 2 {
		t.Fatalf("%d grants shown, want 2: %s", len(ids), page.body)
	}
	for _, want := range []string{"Alexa", "Konto Sandbox Bank", "See your balances and transactions",
		"Move money to your saved payees", "Last used", "Revoke", "<h2"} {
		if !strings.Contains(page.text, want) {
			t.Errorf("the list lacks %q", want)
		}
	}
	gs, err := e.store.Grants(t.Context(), "sandbox", "bob")
	if err != nil || len(gs) != 1 {
		t.Fatalf("bob's grants %v %v", gs, err)
	}
	if strings.Contains(page.body, gs[0].ID) {
		t.Fatal("bob's grant is on alice's page")
	}
	// The state is in a cookie, never the URL.
	if !strings.Contains(page.body, `action="`+linking.ConnectionsPath+`"`) {
		t.Fatal("the forms do not post to the bare path")
	}

	// Bob's grant cannot be revoked from alice's session.
	got := e.post(linking.ConnectionsPath, url.Values{"csrf": {page.csrf(t)}, "action": {"revoke"}, "grant": {gs[0].ID}})
	if got.status != http.StatusNotFound {
		t.Fatalf("revoking another customer's grant: %d", got.status)
	}
	if g, _ := e.store.Grant(t.Context(), gs[0].ID); !g.RevokedAt.IsZero() {
		t.Fatal("bob's grant was revoked")
	}

	// Without a CSRF token: refused, nothing revoked.
	if got := e.post(linking.ConnectionsPath, url.Values{"action": {"revoke"}, "grant": {ids[0][1]}}); got.status != http.StatusForbidden {
		t.Fatalf("no CSRF token: %d", got.status)
	}
	if got := e.post(linking.ConnectionsPath, url.Values{"csrf": {"forged"}, "action": {"revoke"}, "grant": {ids[0][1]}}); got.status != http.StatusForbidden {
		t.Fatalf("a wrong CSRF token: %d", got.status)
	}
	if _, err := e.authenticate(first.Access); err != nil {
		t.Fatalf("revoked without a CSRF token: %v", err)
	}

	// Revoke the first grant (oldest first).
	got = e.post(linking.ConnectionsPath, url.Values{"csrf": {page.csrf(t)}, "action": {"revoke"}, "grant": {ids[0][1]}})
	if got.status != http.StatusOK || !strings.Contains(got.text, "Access revoked") {
		t.Fatalf("revoke: %d %s", got.status, got.body)
	}
	if left := grantField.FindAllStringSubmatch(got.body, -1); len(left) != 1 || left[0][1] != ids[1][1] {
		t.Fatalf("after revoking: %v", left)
	}
	_, err = e.authenticate(first.Access)
	wantKind(t, err, banks.NotLinked)
	if tok := e.refresh(first.Refresh); tok.status == http.StatusOK {
		t.Fatal("the revoked grant's refresh token still works")
	}
	if u, err := e.authenticate(second.Access); err != nil || u.Customer != "alice" {
		t.Fatalf("the other grant: %+v %v", u, err)
	}

	// The session ends after 10 minutes.
	e.clock.Advance(10*time.Minute + time.Second)
	got = e.post(linking.ConnectionsPath, url.Values{"csrf": {page.csrf(t)}, "action": {"revoke"}, "grant": {ids[1][1]}})
	if got.status != http.StatusBadRequest || !strings.Contains(got.body, `value="signin"`) {
		t.Fatalf("after 10 minutes: %d %s", got.status, got.body)
	}
	if _, err := e.authenticate(second.Access); err != nil {
		t.Fatalf("revoked by an expired session: %v", err)
	}
}

// TestConnectionsSignIn: a wrong password is refused, and attempts are
// rate-limited as the linking sign-in's.
func TestConnectionsSignIn(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	page := e.get(linking.ConnectionsPath, nil)
	signIn := func(customer, password string) answer {
		return e.post(linking.ConnectionsPath, url.Values{"csrf": {page.csrf(t)}, "action": {"signin"},
			"customer": {customer}, "password": {password}})
	}
	for i := range 5 {
		got := signIn("alice", "wrong-password")
		if got.status != http.StatusUnauthorized || !strings.Contains(got.text, "don't match") || strings.Contains(got.body, `name="grant"`) {
			t.Fatalf("attempt %d: %d %s", i+1, got.status, got.body)
		}
	}
	if got := signIn("alice", e.bank.Password("alice")); got.status != http.StatusTooManyRequests || !strings.Contains(got.body, "wait a minute") {
		t.Fatalf("sixth attempt: %d", got.status)
	}
	e.clock.Advance(61 * time.Second)
	if got := signIn("alice", e.bank.Password("alice")); got.status != http.StatusOK || got.heading() != "Your connections" ||
		!strings.Contains(got.text, "No assistant is connected") {
		t.Fatalf("a minute later: %d %s", got.status, got.body)
	}
	// Missing CSRF on the sign-in.
	if got := e.post(linking.ConnectionsPath, url.Values{"action": {"signin"}, "customer": {"alice"}}); got.status != http.StatusForbidden {
		t.Fatalf("sign-in without CSRF: %d", got.status)
	}
}

// TestConnectionsGerman: the page follows Accept-Language.
func TestConnectionsGerman(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.linked()
	e.lang = "de-DE,de;q=0.9"
	page := e.get(linking.ConnectionsPath, nil)
	if !strings.Contains(page.body, `<html lang="de-DE">`) || page.heading() != "Ihre Verbindungen" || !strings.Contains(page.body, "Kundennummer") {
		t.Fatalf("German sign-in: %s", page.body)
	}
	page = e.post(linking.ConnectionsPath, url.Values{"csrf": {page.csrf(t)}, "action": {"signin"},
		"customer": {"alice"}, "password": {e.bank.Password("alice")}})
	if page.header.Get("Content-Language") != "de-DE" || !strings.Contains(page.text, "Widerrufen") ||
		!strings.Contains(page.text, "Kontostände und Umsätze sehen") || !strings.Contains(page.text, "Zuletzt genutzt") {
		t.Fatalf("German list: %s", page.body)
	}
}
