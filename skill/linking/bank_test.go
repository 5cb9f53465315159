package linking_test

import (
	"bytes"
	"context"
	"net/http"
	"net/url"
	"reflect"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kontoskill/konto/banks"
	"github.com/kontoskill/konto/skill/linking"
)

// redirectBank is a bank's side of a redirect consent as a BankRedirect
// sees it: Start gives the bank's page, Complete accepts the code the
// bank would send back.
type redirectBank struct {
	now func() time.Time

	mu      sync.Mutex
	starts  []linking.BankStart
	revoked map[string][]byte // consent id → the tokens it was revoked with
}

func (b *redirectBank) Start(ctx context.Context, r linking.BankStart) (linking.BankAuth, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.starts = append(b.starts, r)
	q := url.Values{"state": {r.State}, "redirect_uri": {r.RedirectURI}}
	return linking.BankAuth{URL: "https://bank.example/authorize?" + q.Encode(), Data: []byte("bank-verifier")}, nil
}

func (b *redirectBank) Complete(ctx context.Context, c linking.BankCallback) (linking.BankLink, error) {
	if c.Query.Get("code") != "bank-code" || string(c.Data) != "bank-verifier" {
		return linking.BankLink{}, banks.Errorf("test.Complete", banks.NotLinked, "bad code")
	}
	return linking.BankLink{User: banks.User{Customer: "oliver", Locale: "en-GB"}, ConsentID: "consent-42",
		Tokens: []byte(`{"access_token":"bank-secret-token"}`), ExpiresAt: b.now().AddDate(0, 0, 30)}, nil
}

func (b *redirectBank) RevokeConsent(ctx context.Context, g linking.Grant, tokens []byte) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.revoked == nil {
		b.revoked = map[string][]byte{}
	}
	b.revoked[g.ConsentID] = tokens
	return nil
}

var continueLink = regexp.MustCompile(`<a class="button" id="continue" href="([^"]+)">`)

// TestBankRedirectFlow: a bank that signs its customers in on its own
// page (UK Open Banking, Berlin Group) through BankRedirect: the state
// must come back, the bank's tokens are sealed with the grant and the
// bank's consent ends first; unlinking revokes the consent at the bank.
func TestBankRedirectFlow(t *testing.T) {
	t.Parallel()
	rb := &redirectBank{}
	e := newEnv(t, func(o *linking.Options) {
		o.Banks = []linking.Bank{{ID: "sandbox", Name: "Konto Sandbox Bank", Standard: linking.StandardSandbox},
			{ID: "northbank", Name: "North Bank", Standard: linking.StandardUKOB}}
		o.BankRedirect = rb
		rb.now = o.Now
	})
	e.lang = "en-GB"
	page := e.get(linking.AuthorizePath, authorizeQuery("accounts payments"))
	if !strings.Contains(page.body, "North Bank") || !strings.Contains(page.body, "<legend>Your bank</legend>") {
		t.Fatalf("bank page: %s", page.body)
	}
	page = e.post(linking.AuthorizePath, url.Values{"csrf": {page.csrf(t)}, "step": {"bank"}, "bank": {"northbank"}})
	page = e.post(linking.AuthorizePath, url.Values{"csrf": {page.csrf(t)}, "step": {"consent"}, "scope": {"accounts", "payments"},
		"days": {"90"}, "action": {"allow"}})
	m := continueLink.FindStringSubmatch(page.body)
	if page.status != http.StatusOK || m == nil {
		t.Fatalf("redirect page: %d %s", page.status, page.body)
	}
	bankPage, err := url.Parse(strings.ReplaceAll(m[1], "&amp;", "&"))
	if err != nil || bankPage.Host != "bank.example" {
		t.Fatalf("link %q", m[1])
	}
	if len(rb.starts) != 1 || rb.starts[0].RedirectURI != e.ts.URL+linking.CallbackPath || rb.starts[0].Bank.ID != "northbank" ||
		!rb.starts[0].Until.Equal(start.AddDate(0, 0, 90)) || strings.Join(rb.starts[0].Scopes, " ") != "accounts payments" {
		t.Fatalf("started %+v", rb.starts)
	}
	bankState := bankPage.Query().Get("state")

	// The bank sends the person back; a state that is not ours is refused.
	if got := e.get(linking.CallbackPath, url.Values{"state": {"forged"}, "code": {"bank-code"}}); got.status != http.StatusForbidden {
		t.Fatalf("a forged state: %d", got.status)
	}
	if got := e.get(linking.CallbackPath, url.Values{"state": {bankState}, "code": {"bad"}}); got.status != http.StatusBadRequest {
		t.Fatalf("a bad bank code: %d", got.status)
	}
	page = e.get(linking.CallbackPath, url.Values{"state": {bankState}, "code": {"bank-code"}})
	if page.status != http.StatusOK || !strings.Contains(page.body, `value="pin"`) {
		t.Fatalf("callback: %d %s", page.status, page.body)
	}
	// The bank's answer is used once.
	if got := e.get(linking.CallbackPath, url.Values{"state": {bankState}, "code": {"bank-code"}}); got.status != http.StatusForbidden {
		t.Fatalf("the callback again: %d", got.status)
	}
	done := e.post(linking.AuthorizePath, url.Values{"csrf": {page.csrf(t)}, "step": {"pin"}, "pin": {"5039"}, "pin2": {"5039"}})
	loc := done.location(t)
	tok := e.exchange(loc.Query().Get("code"), verifier)
	u, err := e.authenticate(tok.Access)
	if err != nil {
		t.Fatal(err)
	}
	if want := (banks.User{Bank: "northbank", Customer: "oliver", Locale: "en-GB"}); !reflect.DeepEqual(u, want) {
		t.Fatalf("user %+v, want %+v", u, want)
	}
	gs, _ := e.store.Grants(context.Background(), "northbank", "oliver")
	if len(gs) != 1 {
		t.Fatalf("grants %+v", gs)
	}
	g := gs[0]
	if g.ConsentID != "consent-42" || !g.ExpiresAt.Equal(start.AddDate(0, 0, 30)) {
		t.Fatalf("grant %+v: the bank's consent ends first", g)
	}
	if len(g.BankTokens) == 0 || bytes.Contains(g.BankTokens, []byte("bank-secret-token")) {
		t.Fatalf("bank tokens stored as %q", g.BankTokens)
	}
	g2, bankTokens, err := e.srv.BankTokens(context.Background(), u)
	if err != nil || g2.ID != g.ID || string(bankTokens) != `{"access_token":"bank-secret-token"}` {
		t.Fatalf("BankTokens: %+v %q %v", g2, bankTokens, err)
	}
	if err := e.srv.Authenticator().RevokeAccess(context.Background(), u); err != nil {
		t.Fatal(err)
	}
	if got := string(rb.revoked["consent-42"]); got != `{"access_token":"bank-secret-token"}` {
		t.Fatalf("consent revoked at the bank with %q", got)
	}
	_, _, err = e.srv.BankTokens(context.Background(), u)
	wantKind(t, err, banks.NotLinked)
}

// TestBankRefusal: a person who refuses at their bank goes back to the
// client with access_denied.
func TestBankRefusal(t *testing.T) {
	t.Parallel()
	rb := &redirectBank{}
	e := newEnv(t, func(o *linking.Options) {
		o.Banks = []linking.Bank{{ID: "eurobank", Name: "Euro Bank", Standard: linking.StandardBerlinGroup, ConsentDays: 180}}
		o.BankRedirect = rb
		rb.now = o.Now
	})
	page := e.get(linking.AuthorizePath, authorizeQuery("accounts"))
	if !strings.Contains(page.body, `<option value="180" selected>`) {
		t.Fatalf("the bank's consent length is not offered first: %s", page.body)
	}
	page = e.post(linking.AuthorizePath, url.Values{"csrf": {page.csrf(t)}, "step": {"consent"}, "scope": {"accounts"}, "days": {"180"}})
	m := continueLink.FindStringSubmatch(page.body)
	if m == nil {
		t.Fatalf("redirect page: %s", page.body)
	}
	bankPage, _ := url.Parse(strings.ReplaceAll(m[1], "&amp;", "&"))
	got := e.get(linking.CallbackPath, url.Values{"state": {bankPage.Query().Get("state")}, "error": {"access_denied"}})
	loc := got.location(t)
	if loc.Query().Get("error") != "access_denied" || loc.Query().Get("state") != state {
		t.Fatalf("redirected to %s", loc)
	}
}
