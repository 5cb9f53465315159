package linking_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kontoskill/konto/banks"
	"github.com/kontoskill/konto/skill/linking"
)

// TestRefreshRotation: a refresh gives a new pair; the old refresh token
// and the old access token end, the new ones work, and the grant's
// scopes carry over.
func TestRefreshRotation(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	first := e.linked()
	e.clock.Advance(30 * time.Minute)
	second := e.refresh(first.Refresh)
	if second.status != http.StatusOK || second.Access == "" || second.Refresh == "" {
		t.Fatalf("refresh: %d %+v", second.status, second)
	}
	if second.Access == first.Access || second.Refresh == first.Refresh {
		t.Fatal("refresh did not rotate the tokens")
	}
	if second.Scope != "accounts payments" {
		t.Fatalf("scope %q", second.Scope)
	}
	if _, err := e.authenticate(second.Access); err != nil {
		t.Fatal(err)
	}
	_, err := e.authenticate(first.Access)
	wantKind(t, err, banks.NotLinked)
	// The new refresh token goes on rotating.
	third := e.refresh(second.Refresh)
	if third.status != http.StatusOK {
		t.Fatalf("second refresh: %d %+v", third.status, third)
	}
	if _, err := e.authenticate(third.Access); err != nil {
		t.Fatal(err)
	}
}

// TestRefreshReuseRevokesFamily: a refresh token used again after it was
// rotated revokes the whole family, including the tokens the rightful
// refresh got.
func TestRefreshReuseRevokesFamily(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	first := e.linked()
	second := e.refresh(first.Refresh)
	if second.status != http.StatusOK {
		t.Fatalf("refresh: %d %+v", second.status, second)
	}
	wantOAuthError(t, e.refresh(first.Refresh), http.StatusBadRequest, "invalid_grant")
	_, err := e.authenticate(second.Access)
	wantKind(t, err, banks.NotLinked)
	wantOAuthError(t, e.refresh(second.Refresh), http.StatusBadRequest, "invalid_grant")
	gs, _ := e.store.Grants(context.Background(), "sandbox", "alice")
	if len(gs) != 1 || gs[0].RevokedAt.IsZero() {
		t.Fatalf("grant not revoked: %+v", gs)
	}
}

// TestParallelRefresh: of requests racing with one refresh token, one
// gets tokens; the others are a reuse.
func TestParallelRefresh(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	first := e.linked()
	const n = 4
	got := make([]tokens, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			got[i] = e.refresh(first.Refresh)
		}()
	}
	wg.Wait()
	var winner tokens
	ok := 0
	for _, g := range got {
		if g.status == http.StatusOK {
			ok++
			winner = g
		}
	}
	if ok != 1 {
		t.Fatalf("%d parallel refreshes with one token got tokens: %+v", ok, got)
	}
	// The others were a reuse: the family is gone, the winner's tokens too.
	_, err := e.authenticate(winner.Access)
	wantKind(t, err, banks.NotLinked)
}

// TestPKCE: a wrong verifier, none, or a retry without one after a wrong
// one are refused; a verifier for a code issued without a challenge too.
func TestPKCE(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	code := e.code()
	wantOAuthError(t, e.exchange(code, "wrong-verifier-0123456789-0123456789-0123456789"), http.StatusBadRequest, "invalid_grant")
	// fosite deletes the challenge it read; the store keeps it, so that a
	// second try without a verifier is not a code without PKCE.
	wantOAuthError(t, e.exchange(code, ""), http.StatusBadRequest, "invalid_grant")
	if tok := e.exchange(code, verifier); tok.status != http.StatusOK {
		t.Fatalf("the right verifier after wrong ones: %d %+v", tok.status, tok)
	}

	// Without PKCE (as Alexa links), no verifier is needed, and one is refused.
	f := defaultFlow()
	f.query.Del("code_challenge")
	f.query.Del("code_challenge_method")
	code = e.link(f).Query().Get("code")
	wantOAuthError(t, e.exchange(code, verifier), http.StatusBadRequest, "invalid_grant")
	code = e.link(f).Query().Get("code")
	if tok := e.exchange(code, ""); tok.status != http.StatusOK {
		t.Fatalf("without PKCE: %d %+v", tok.status, tok)
	}
}

// TestCodeReuse: a code works once; used again it is refused and the
// tokens it gave are revoked (RFC 6749 4.1.2).
func TestCodeReuse(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	code := e.code()
	tok := e.exchange(code, verifier)
	if tok.status != http.StatusOK {
		t.Fatalf("%d %+v", tok.status, tok)
	}
	wantOAuthError(t, e.exchange(code, verifier), http.StatusBadRequest, "invalid_grant")
	_, err := e.authenticate(tok.Access)
	wantKind(t, err, banks.NotLinked)
	wantOAuthError(t, e.refresh(tok.Refresh), http.StatusBadRequest, "invalid_grant")
}

// TestCodeExpiry: a code lives 60 seconds.
func TestCodeExpiry(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	code := e.code()
	e.clock.Advance(61 * time.Second)
	wantOAuthError(t, e.exchange(code, verifier), http.StatusBadRequest, "invalid_grant")

	code = e.code()
	e.clock.Advance(50 * time.Second)
	if tok := e.exchange(code, verifier); tok.status != http.StatusOK {
		t.Fatalf("a code after 50 s: %d %+v", tok.status, tok)
	}
}

// TestRedirectURIMustMatch: the token request's redirect URI must be the
// authorization request's.
func TestRedirectURIMustMatch(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	code := e.code()
	form := url.Values{"grant_type": {"authorization_code"}, "code": {code}, "redirect_uri": {"https://layla.example/link/M2X"},
		"code_verifier": {verifier}}
	wantOAuthError(t, e.tokenRequest(linking.TokenPath, form, basic, e.secret), http.StatusBadRequest, "invalid_grant")
}

// TestClientAuthentication: HTTP Basic and the request body both work;
// a wrong secret, another client's code or no credentials are refused.
func TestClientAuthentication(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	for _, how := range []auth{basic, post} {
		code := e.code()
		form := url.Values{"grant_type": {"authorization_code"}, "code": {code}, "redirect_uri": {redirect}, "code_verifier": {verifier}}
		wrong := e.tokenRequest(linking.TokenPath, form, how, e.secret+"x")
		wantOAuthError(t, wrong, http.StatusUnauthorized, "invalid_client")
		right := e.tokenRequest(linking.TokenPath, form, how, e.secret)
		if right.status != http.StatusOK {
			t.Fatalf("auth %d: %d %+v", how, right.status, right)
		}
		if _, err := e.authenticate(right.Access); err != nil {
			t.Fatal(err)
		}
	}
	// No credentials at all.
	req, _ := http.NewRequest(http.MethodPost, e.ts.URL+linking.TokenPath, nil)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if a := e.do(req, e.client); a.status != http.StatusBadRequest && a.status != http.StatusUnauthorized {
		t.Fatalf("no credentials: %d %s", a.status, a.body)
	}
	// Another client cannot use alice's code.
	other, err := linking.AddClient(context.Background(), e.store, "other", "", []string{"https://other.example/cb"})
	if err != nil {
		t.Fatal(err)
	}
	code := e.code()
	form := url.Values{"grant_type": {"authorization_code"}, "code": {code}, "redirect_uri": {redirect}, "code_verifier": {verifier},
		"client_id": {"other"}, "client_secret": {other}}
	var tok tokens
	a := e.do(mustPost(t, e.ts.URL+linking.TokenPath, form), e.client)
	json.Unmarshal([]byte(a.body), &tok)
	if a.status != http.StatusBadRequest || tok.Error != "invalid_grant" {
		t.Fatalf("another client's code: %d %s", a.status, a.body)
	}
}

func mustPost(t *testing.T, u string, form url.Values) *http.Request {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, u, stringsReader(form.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return req
}

// TestRevocation: revoking the refresh token or the access token (RFC
// 7009) revokes the grant and every token of it; an unknown token is
// fine; the client must authenticate.
func TestRevocation(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	for _, which := range []string{"refresh_token", "access_token"} {
		tok := e.linked()
		token := tok.Refresh
		if which == "access_token" {
			token = tok.Access
		}
		form := url.Values{"token": {token}, "token_type_hint": {which}}
		wantOAuthError(t, e.tokenRequest(linking.RevokePath, form, basic, "wrong"), http.StatusUnauthorized, "invalid_client")
		if _, err := e.authenticate(tok.Access); err != nil {
			t.Fatalf("revoked by a wrong secret: %v", err)
		}
		if got := e.tokenRequest(linking.RevokePath, form, basic, e.secret); got.status != http.StatusOK {
			t.Fatalf("revoke %s: %d %+v", which, got.status, got)
		}
		_, err := e.authenticate(tok.Access)
		wantKind(t, err, banks.NotLinked)
		wantOAuthError(t, e.refresh(tok.Refresh), http.StatusBadRequest, "invalid_grant")
	}
	if got := e.tokenRequest(linking.RevokePath, url.Values{"token": {"konto_rt_nothing.here"}}, post, e.secret); got.status != http.StatusOK {
		t.Fatalf("an unknown token: %d", got.status)
	}
	gs, _ := e.store.Grants(context.Background(), "sandbox", "alice")
	for _, g := range gs {
		if g.RevokedAt.IsZero() {
			t.Fatalf("grant %s not revoked", g.ID)
		}
	}
}

// TestRevokeAccess: the core's Unlink (privacy deletion, SkillDisabled)
// revokes every grant of the customer through banks.Revoker; a grant is
// also revoked by its id.
func TestRevokeAccess(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	a, b := e.linked(), e.linked()
	var rv banks.Revoker = e.srv.Authenticator()
	if err := rv.RevokeAccess(context.Background(), banks.User{Bank: "sandbox", Customer: "alice"}); err != nil {
		t.Fatal(err)
	}
	for _, tok := range []tokens{a, b} {
		_, err := e.authenticate(tok.Access)
		wantKind(t, err, banks.NotLinked)
		wantOAuthError(t, e.refresh(tok.Refresh), http.StatusBadRequest, "invalid_grant")
	}
	c := e.linked()
	// The revoked grants no longer name the customer (nor keep the bank's
	// tokens): only the new one is hers.
	gs, _ := e.store.Grants(context.Background(), "sandbox", "alice")
	if len(gs) != 1 {
		t.Fatalf("%d grants name the customer after the deletion, want the new one", len(gs))
	}
	_, g, err := e.store.OAuthToken(context.Background(), linking.KindAccess, c.Access[strings.LastIndex(c.Access, ".")+1:])
	if err != nil {
		t.Fatal(err)
	}
	if err := e.srv.RevokeGrant(context.Background(), g.ID); err != nil {
		t.Fatal(err)
	}
	_, err = e.authenticate(c.Access)
	wantKind(t, err, banks.NotLinked)
}

// TestConsentExpiry: when the consent the person gave runs out, the
// access token says ConsentExpired and the refresh token is refused; the
// access token never outlives the consent.
func TestConsentExpiry(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	f := defaultFlow()
	f.days = "30"
	tok := e.exchange(e.link(f).Query().Get("code"), verifier)
	e.clock.Advance(30*24*time.Hour - 30*time.Minute)
	late := e.refresh(tok.Refresh)
	if late.status != http.StatusOK {
		t.Fatalf("a refresh before the end: %d %+v", late.status, late)
	}
	if late.ExpiresIn > 30*60 {
		t.Fatalf("expires_in %d outlives the consent", late.ExpiresIn)
	}
	e.clock.Advance(31 * time.Minute)
	_, err := e.authenticate(late.Access)
	wantKind(t, err, banks.ConsentExpired)
	_, err = e.srv.Authenticator().Scopes(context.Background(), late.Access)
	wantKind(t, err, banks.ConsentExpired)
	wantOAuthError(t, e.refresh(late.Refresh), http.StatusBadRequest, "invalid_grant")
}

// TestAccessTokenExpiry: an access token lives an hour; its refresh token
// goes on.
func TestAccessTokenExpiry(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	tok := e.linked()
	e.clock.Advance(time.Hour + time.Second)
	_, err := e.authenticate(tok.Access)
	wantKind(t, err, banks.NotLinked)
	if next := e.refresh(tok.Refresh); next.status != http.StatusOK {
		t.Fatalf("refresh after the access token expired: %d %+v", next.status, next)
	}
}

// TestAuthenticateRefusesForgeries: only a valid access token of ours
// authenticates; not a refresh token, not a code, not a token made from a
// stored signature without the secret, not a sandbox token.
func TestAuthenticateRefusesForgeries(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	tok := e.linked()
	sig := tok.Access[len(tok.Access)-43:]
	for name, token := range map[string]string{
		"empty":         "",
		"refresh token": tok.Refresh,
		"as access":     "konto_at_" + tok.Refresh[len("konto_rt_"):],
		"signature":     "konto_at_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA." + sig,
		"sandbox":       e.bank.Token("alice"),
		"garbage":       "konto_at_x.y",
	} {
		_, err := e.authenticate(token)
		if banks.KindOf(err) != banks.NotLinked {
			t.Errorf("%s: %v", name, err)
		}
	}
}

// TestDiscovery: the RFC 8414 document lists the endpoints, grants, PKCE
// methods and client authentication methods.
func TestDiscovery(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	a := e.get(linking.MetadataPath, nil)
	if a.status != http.StatusOK || a.header.Get("Content-Type") != "application/json" {
		t.Fatalf("%d %s", a.status, a.header.Get("Content-Type"))
	}
	var doc struct {
		Issuer        string   `json:"issuer"`
		Authorization string   `json:"authorization_endpoint"`
		Token         string   `json:"token_endpoint"`
		Revocation    string   `json:"revocation_endpoint"`
		ResponseTypes []string `json:"response_types_supported"`
		Grants        []string `json:"grant_types_supported"`
		PKCE          []string `json:"code_challenge_methods_supported"`
		TokenAuth     []string `json:"token_endpoint_auth_methods_supported"`
		RevokeAuth    []string `json:"revocation_endpoint_auth_methods_supported"`
		Scopes        []string `json:"scopes_supported"`
	}
	if err := json.Unmarshal([]byte(a.body), &doc); err != nil {
		t.Fatal(err)
	}
	checks := []struct {
		name      string
		got, want any
	}{
		{"issuer", doc.Issuer, e.ts.URL},
		{"authorization", doc.Authorization, e.ts.URL + "/oauth/authorize"},
		{"token", doc.Token, e.ts.URL + "/oauth/token"},
		{"revocation", doc.Revocation, e.ts.URL + "/oauth/revoke"},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s: %v, want %v", c.name, c.got, c.want)
		}
	}
	for name, c := range map[string]struct{ got, want []string }{
		"response types": {doc.ResponseTypes, []string{"code"}},
		"grants":         {doc.Grants, []string{"authorization_code", "refresh_token"}},
		"PKCE":           {doc.PKCE, []string{"S256"}},
		"token auth":     {doc.TokenAuth, []string{"client_secret_basic", "client_secret_post"}},
		"revoke auth":    {doc.RevokeAuth, []string{"client_secret_basic", "client_secret_post"}},
		"scopes":         {doc.Scopes, []string{"accounts", "payments", "alerts"}},
	} {
		if !slices.Equal(c.got, c.want) {
			t.Errorf("%s: %v, want %v", name, c.got, c.want)
		}
	}
}

// TestClients: AddClient returns the secret once and keeps only a hash;
// bad ids and redirect URIs are refused.
func TestClients(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	list, err := linking.ListClients(ctx, e.store)
	if err != nil || len(list) != 1 || list[0].ID != clientID || list[0].Name != "Alexa" {
		t.Fatalf("clients %+v, %v", list, err)
	}
	if list[0].SecretHash == e.secret || len(list[0].SecretHash) < 50 || len(e.secret) < 40 {
		t.Fatalf("secret %q kept as %q", e.secret, list[0].SecretHash)
	}
	for name, c := range map[string]struct {
		id   string
		uris []string
	}{
		"taken":        {clientID, []string{"https://a.example/cb"}},
		"no id":        {"", []string{"https://a.example/cb"}},
		"bad id":       {"a b", []string{"https://a.example/cb"}},
		"no URI":       {"x", nil},
		"relative":     {"x", []string{"/cb"}},
		"http":         {"x", []string{"http://a.example/cb"}},
		"fragment":     {"x", []string{"https://a.example/cb#f"}},
		"javascript":   {"x", []string{"javascript:alert(1)"}},
		"one bad more": {"x", []string{"https://a.example/cb", "ftp://a.example/"}},
	} {
		if _, err := linking.AddClient(ctx, e.store, c.id, "", c.uris); banks.KindOf(err) != banks.Invalid {
			t.Errorf("%s: %v", name, err)
		}
	}
	if _, err := linking.AddClient(ctx, e.store, "local", "", []string{"http://localhost:8080/cb", "http://127.0.0.1/cb"}); err != nil {
		t.Fatal(err)
	}
}

func stringsReader(s string) *strings.Reader { return strings.NewReader(s) }

// TestEither: the core's authenticator while sandbox tokens and Konto's
// live side by side; unlinking revokes both.
func TestEither(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	f := defaultFlow()
	f.customer = "lena"
	tok := e.exchange(e.link(f).Query().Get("code"), verifier)
	sbx, err := e.bank.IssueToken(ctx, "lena")
	if err != nil {
		t.Fatal(err)
	}
	auth := linking.Either(e.srv.Authenticator(), e.bank)
	for name, token := range map[string]string{"konto": tok.Access, "sandbox": sbx} {
		u, err := auth.Authenticate(ctx, token)
		if err != nil || u.Customer != "lena" || u.Bank != "sandbox" {
			t.Fatalf("%s: %+v, %v", name, u, err)
		}
	}
	if got, _ := auth.Scopes(ctx, tok.Access); !slices.Equal(got, []string{"accounts", "payments"}) {
		t.Fatalf("konto token scopes %v", got)
	}
	if got, _ := auth.Scopes(ctx, sbx); !slices.Equal(got, linking.Scopes) {
		t.Fatalf("sandbox token scopes %v", got)
	}
	if err := auth.RevokeAccess(ctx, banks.User{Bank: "sandbox", Customer: "lena"}); err != nil {
		t.Fatal(err)
	}
	for name, token := range map[string]string{"konto": tok.Access, "sandbox": sbx} {
		_, err := auth.Authenticate(ctx, token)
		if banks.KindOf(err) != banks.NotLinked {
			t.Fatalf("%s after RevokeAccess: %v", name, err)
		}
	}
}
