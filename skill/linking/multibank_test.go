package linking_test

import (
	"bytes"
	"context"
	"net/http"
	"net/url"
	"reflect"
	"strings"
	"testing"

	"github.com/kontoskill/konto/banks"
	"github.com/kontoskill/konto/skill/linking"
)

// TestAddAnotherBank: a person links the sandbox, then, on the PIN page,
// adds North Bank (a redirect bank) to the same grant. The grant's own
// bank stays the identity; North Bank is a further bank with its own
// consent, sealed tokens and expiry, under the same scopes. The token
// authenticates as both; the connections page lists both banks; revoking
// there ends both, and North Bank's consent at the bank.
func TestAddAnotherBank(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	rb := &redirectBank{}
	e := newEnv(t, func(o *linking.Options) {
		o.Banks = []linking.Bank{{ID: "sandbox", Name: "Konto Sandbox Bank", Standard: linking.StandardSandbox},
			{ID: "northbank", Name: "North Bank", Standard: linking.StandardUKOB}}
		o.BankRedirect = rb
		rb.now = o.Now
	})
	page := e.get(linking.AuthorizePath, authorizeQuery("accounts payments"))
	page = e.post(linking.AuthorizePath, url.Values{"csrf": {page.csrf(t)}, "step": {"bank"}, "bank": {"sandbox"}})
	page = e.post(linking.AuthorizePath, url.Values{"csrf": {page.csrf(t)}, "step": {"consent"}, "scope": {"accounts", "payments"},
		"days": {"60"}, "action": {"allow"}})
	page = e.post(linking.AuthorizePath, url.Values{"csrf": {page.csrf(t)}, "step": {"signin"}, "customer": {"alice"},
		"password": {e.bank.Password("alice")}})
	if page.status != http.StatusOK || !strings.Contains(page.body, `name="step" value="another"`) ||
		!strings.Contains(page.text, "Add another bank") {
		t.Fatalf("the PIN page offers no other bank: %d %s", page.status, page.body)
	}

	page = e.post(linking.AuthorizePath, url.Values{"csrf": {page.csrf(t)}, "step": {"another"}})
	if page.status != http.StatusOK || page.heading() != "Add another bank" || !strings.Contains(page.body, `value="northbank"`) ||
		strings.Contains(page.body, `value="sandbox"`) {
		t.Fatalf("the bank page for another bank: %d %q %s", page.status, page.heading(), page.body)
	}
	// A bank linked already is not offered again.
	if got := e.post(linking.AuthorizePath, url.Values{"csrf": {page.csrf(t)}, "step": {"bank"}, "bank": {"sandbox"}}); got.status != http.StatusBadRequest {
		t.Fatalf("the sandbox again: %d", got.status)
	}
	// The second bank takes the first's consent: straight to the bank.
	page = e.post(linking.AuthorizePath, url.Values{"csrf": {page.csrf(t)}, "step": {"bank"}, "bank": {"northbank"}})
	m := continueLink.FindStringSubmatch(page.body)
	if page.status != http.StatusOK || m == nil {
		t.Fatalf("redirect page for the second bank: %d %s", page.status, page.body)
	}
	if len(rb.starts) != 1 || strings.Join(rb.starts[0].Scopes, " ") != "accounts payments" || !rb.starts[0].Until.Equal(start.AddDate(0, 0, 60)) {
		t.Fatalf("the consent started at North Bank: %+v", rb.starts)
	}
	bankPage, _ := url.Parse(strings.ReplaceAll(m[1], "&amp;", "&"))
	page = e.get(linking.CallbackPath, url.Values{"state": {bankPage.Query().Get("state")}, "code": {"bank-code"}})
	if page.status != http.StatusOK || !strings.Contains(page.body, `value="pin"`) ||
		!strings.Contains(page.text, "Linked: Konto Sandbox Bank, North Bank.") || strings.Contains(page.body, `value="another"`) {
		t.Fatalf("the PIN page after the second bank: %d %s", page.status, page.body)
	}
	done := e.post(linking.AuthorizePath, url.Values{"csrf": {page.csrf(t)}, "step": {"pin"}, "pin": {"5039"}, "pin2": {"5039"}})
	tok := e.exchange(done.location(t).Query().Get("code"), verifier)
	u, err := e.authenticate(tok.Access)
	if err != nil {
		t.Fatal(err)
	}
	oliver := banks.User{Bank: "northbank", Customer: "oliver", Locale: "en-GB"}
	if want := (banks.User{Bank: "sandbox", Customer: "alice", Locale: "en-US", Others: []banks.User{oliver}}); !reflect.DeepEqual(u, want) {
		t.Fatalf("user %+v, want %+v", u, want)
	}
	// The PIN is the identity's.
	if _, err := e.store.PIN(ctx, "sandbox", "alice"); err != nil {
		t.Errorf("no PIN for the identity: %v", err)
	}

	// The ledger: one grant at the sandbox, North Bank its further bank.
	gs, _ := e.store.Grants(ctx, "sandbox", "alice")
	if len(gs) != 1 || !gs[0].ExpiresAt.Equal(start.AddDate(0, 0, 60)) {
		t.Fatalf("grants %+v", gs)
	}
	more, err := e.store.GrantBanks(ctx, gs[0].ID)
	if err != nil || len(more) != 1 {
		t.Fatalf("further banks %+v %v", more, err)
	}
	gb := more[0]
	if gb.Bank != "northbank" || gb.Customer != "oliver" || gb.ConsentID != "consent-42" || strings.Join(gb.Scopes, " ") != "accounts payments" ||
		!gb.ExpiresAt.Equal(start.AddDate(0, 0, 30)) {
		t.Fatalf("the further bank %+v: its own consent, the grant's scopes, the bank's shorter expiry", gb)
	}
	if len(gb.BankTokens) == 0 || bytes.Contains(gb.BankTokens, []byte("bank-secret-token")) {
		t.Fatalf("bank tokens stored as %q", gb.BankTokens)
	}
	// The connector of North Bank finds its tokens by its own customer.
	g, raw, err := e.srv.BankTokens(ctx, oliver)
	if err != nil || g.ConsentID != "consent-42" || string(raw) != `{"access_token":"bank-secret-token"}` {
		t.Fatalf("BankTokens of the further bank: %+v %q %v", g, raw, err)
	}

	// Tokens the bank refreshed replace the stored ones, sealed, for the
	// further bank and for the grant's own.
	for _, c := range []struct {
		u   banks.User
		tok string
	}{{oliver, `{"access_token":"refreshed-north"}`}, {banks.User{Bank: "sandbox", Customer: "alice"}, `{"access_token":"refreshed-own"}`}} {
		if err := e.srv.SaveBankTokens(ctx, c.u, []byte(c.tok)); err != nil {
			t.Fatalf("saving %s's tokens: %v", c.u.Bank, err)
		}
		if _, raw, err := e.srv.BankTokens(ctx, c.u); err != nil || string(raw) != c.tok {
			t.Fatalf("%s's tokens after saving: %q %v", c.u.Bank, raw, err)
		}
	}
	if more, _ := e.store.GrantBanks(ctx, gs[0].ID); len(more) != 1 || bytes.Contains(more[0].BankTokens, []byte("refreshed-north")) {
		t.Fatalf("refreshed tokens stored as %q", more[0].BankTokens)
	}

	// The connections page lists both banks of the grant.
	conns := e.connSignIn("alice", e.bank.Password("alice"))
	if !strings.Contains(conns.text, "Konto Sandbox Bank, North Bank") {
		t.Fatalf("the connections page does not list both banks: %s", conns.body)
	}
	ids := grantField.FindAllStringSubmatch(conns.body, -1)
	if len(ids) != 1 {
		t.Fatalf("%d grants on the page, want 1", len(ids))
	}
	conns = e.post(linking.ConnectionsPath, url.Values{"csrf": {conns.csrf(t)}, "action": {"revoke"}, "grant": {ids[0][1]}})
	if conns.status != http.StatusOK {
		t.Fatalf("revoke: %d %s", conns.status, conns.body)
	}
	if got := string(rb.revoked["consent-42"]); got != `{"access_token":"refreshed-north"}` {
		t.Fatalf("North Bank's consent revoked with %q", got)
	}
	if _, err := e.authenticate(tok.Access); banks.KindOf(err) != banks.NotLinked {
		t.Fatalf("the token after revoking: %v", err)
	}
	_, _, err = e.srv.BankTokens(ctx, oliver)
	wantKind(t, err, banks.NotLinked)
	wantKind(t, e.srv.SaveBankTokens(ctx, oliver, []byte("{}")), banks.NotLinked)
}

// A further bank whose consent has run out is left out of the user; the
// grant's own bank goes on.
func TestExpiredFurtherBankLeftOut(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e := newEnv(t)
	tok := e.linked()
	u, err := e.authenticate(tok.Access)
	if err != nil {
		t.Fatal(err)
	}
	gs, _ := e.store.Grants(ctx, u.Bank, u.Customer)
	for _, gb := range []linking.GrantBank{
		{GrantID: gs[0].ID, Bank: "northbank", Customer: "oliver", Scopes: gs[0].Scopes, GrantedAt: start, ExpiresAt: start.AddDate(0, 0, 30)},
		{GrantID: gs[0].ID, Bank: "eurobank", Customer: "jonas", Scopes: gs[0].Scopes, GrantedAt: start, ExpiresAt: start.Add(2 * 3600e9)},
	} {
		if err := e.store.AddGrantBank(ctx, gb); err != nil {
			t.Fatal(err)
		}
	}
	if err := e.store.AddGrantBank(ctx, linking.GrantBank{GrantID: gs[0].ID, Bank: "northbank", Customer: "x", GrantedAt: start,
		ExpiresAt: start.AddDate(0, 0, 1)}); banks.KindOf(err) != banks.Invalid {
		t.Fatalf("the same bank twice: %v", err)
	}
	e.clock.Advance(3 * 3600e9)
	tok = e.refresh(tok.Refresh)
	u, err = e.authenticate(tok.Access)
	if err != nil {
		t.Fatal(err)
	}
	if len(u.Others) != 1 || u.Others[0].Bank != "northbank" {
		t.Fatalf("others %+v, want northbank only (eurobank's consent ran out)", u.Others)
	}
}
