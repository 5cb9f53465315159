package ukobapi_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/kontoskill/konto/banks"
	"github.com/kontoskill/konto/banks/sandbox"
	"github.com/kontoskill/konto/banks/sandbox/ukobapi"
)

// oliver's accounts and payees as the API names them.
type party struct {
	current, savings, frozen string // identifications
	currentID                string
	payee                    string // Emily Bennett's identification
}

func (e *env) party(access string) party {
	e.t.Helper()
	var p party
	r := e.call("GET", ukobapi.AccountsBase+"/accounts", access, nil, nil)
	for _, a := range get(r.json(e.t), "Data", "Account").([]any) {
		var ident string
		for _, id := range get(a, "Account").([]any) {
			if get(id, "SchemeName") == "UK.OBIE.SortCodeAccountNumber" {
				ident = get(id, "Identification").(string)
			}
		}
		switch {
		case get(a, "Status") == "Disabled":
			p.frozen = ident
		case get(a, "AccountSubType") == "CurrentAccount":
			p.current, p.currentID = ident, get(a, "AccountId").(string)
		case get(a, "AccountSubType") == "Savings":
			p.savings = ident
		}
	}
	r = e.call("GET", ukobapi.AccountsBase+"/beneficiaries", access, nil, nil)
	p.payee, _ = get(r.json(e.t), "Data", "Beneficiary", 0, "CreditorAccount", "Identification").(string)
	return p
}

func initiation(from, to, toName, amount string) map[string]any {
	i := map[string]any{"InstructionIdentification": "instr-1", "EndToEndIdentification": "e2e-1",
		"InstructedAmount": map[string]any{"Amount": amount, "Currency": "GBP"},
		"CreditorAccount":  map[string]any{"SchemeName": "UK.OBIE.SortCodeAccountNumber", "Identification": to, "Name": toName}}
	if from != "" {
		i["DebtorAccount"] = map[string]any{"SchemeName": "UK.OBIE.SortCodeAccountNumber", "Identification": from, "Name": "Oliver Bennett"}
	}
	return i
}

func consentBody(i map[string]any) []byte {
	b, _ := json.Marshal(map[string]any{"Data": map[string]any{"Initiation": i}, "Risk": map[string]any{"PaymentContextCode": "TransferToThirdParty"}})
	return b
}

func paymentBody(consentID string, i map[string]any) []byte {
	b, _ := json.Marshal(map[string]any{"Data": map[string]any{"ConsentId": consentID, "Initiation": i},
		"Risk": map[string]any{"PaymentContextCode": "TransferToThirdParty"}})
	return b
}

func (e *env) booked(customer, id string) int64 {
	e.t.Helper()
	b, err := e.bank.Balance(context.Background(), banks.User{Bank: sandbox.Name, Customer: customer}, id)
	if err != nil {
		e.t.Fatal(err)
	}
	return b.Booked.Minor
}

func TestPaymentIdempotency(t *testing.T) {
	e := newEnv(t, nil)
	ctx := context.Background()
	access, _, _ := e.link("oliver", nil)
	p := e.party(access)
	i := initiation(p.current, p.payee, "Emily Bennett", "12.34")
	body := consentBody(i)
	r1 := e.call("POST", ukobapi.PaymentsBase+"/domestic-payment-consents", access, e.signed("consent-key-1", body), body)
	if r1.status != 201 || get(r1.json(t), "Data", "Status") != "AwaitingAuthorisation" || r1.header.Get("x-jws-signature") == "" {
		t.Fatalf("consent: %d %s", r1.status, r1.body)
	}
	consentID := get(r1.json(t), "Data", "ConsentId").(string)
	// The same key and body: the same consent. Another body: refused.
	if r := e.call("POST", ukobapi.PaymentsBase+"/domestic-payment-consents", access, e.signed("consent-key-1", body), body); get(r.json(t), "Data", "ConsentId") != consentID {
		t.Errorf("the same key again made %s", r.body)
	}
	other := consentBody(initiation(p.current, p.payee, "Emily Bennett", "99.00"))
	if r := e.call("POST", ukobapi.PaymentsBase+"/domestic-payment-consents", access, e.signed("consent-key-1", other), other); r.status != 400 {
		t.Errorf("the key with another body: %d %s", r.status, r.body)
	}

	pending, err := e.srv.Pending(ctx, "oliver")
	if err != nil || len(pending) != 1 || pending[0].ConsentID != consentID || pending[0].Amount != (banks.Money{Minor: 1234, Currency: "GBP"}) ||
		pending[0].Creditor != "Emily Bennett" {
		t.Fatalf("Pending = %+v, %v", pending, err)
	}
	if p, _ := e.srv.Pending(ctx, "priya"); len(p) != 0 {
		t.Errorf("priya sees oliver's payment: %+v", p)
	}
	if err := e.srv.Decide(ctx, "priya", consentID, true); !errors.Is(err, banks.KindError(banks.NotFound)) {
		t.Errorf("priya approves oliver's payment: %v", err)
	}
	// Not yet approved: no payment.
	pay := paymentBody(consentID, i)
	if r := e.call("POST", ukobapi.PaymentsBase+"/domestic-payments", access, e.signed("pay-key-0", pay), pay); r.status != 400 ||
		!slices.Contains(r.errorCodes(), "UK.OBIE.Resource.InvalidConsentStatus") {
		t.Errorf("paying an unapproved consent: %d %s", r.status, r.body)
	}
	if err := e.srv.Decide(ctx, "oliver", consentID, true); err != nil {
		t.Fatal(err)
	}
	r := e.call("GET", ukobapi.PaymentsBase+"/domestic-payment-consents/"+consentID+"/funds-confirmation", access, nil, nil)
	if r.status != 200 || get(r.json(t), "Data", "FundsAvailableResult", "FundsAvailable") != true {
		t.Errorf("funds: %d %s", r.status, r.body)
	}

	before := e.booked("oliver", p.currentID)
	r = e.call("POST", ukobapi.PaymentsBase+"/domestic-payments", access, e.signed("pay-key-1", pay), pay)
	if r.status != 201 || get(r.json(t), "Data", "Status") != "AcceptedSettlementCompleted" {
		t.Fatalf("payment: %d %s", r.status, r.body)
	}
	paymentID := get(r.json(t), "Data", "DomesticPaymentId").(string)
	again := e.call("POST", ukobapi.PaymentsBase+"/domestic-payments", access, e.signed("pay-key-1", pay), pay)
	if again.status != 201 || get(again.json(t), "Data", "DomesticPaymentId") != paymentID {
		t.Errorf("the same payment key again: %d %s", again.status, again.body)
	}
	if r := e.call("POST", ukobapi.PaymentsBase+"/domestic-payments", access, e.signed("pay-key-2", pay), pay); r.status != 400 {
		t.Errorf("a consumed consent under a new key: %d %s", r.status, r.body)
	}
	if after := e.booked("oliver", p.currentID); before-after != 1234 {
		t.Errorf("the account moved by %d, want 1234 once", before-after)
	}
	r = e.call("GET", ukobapi.PaymentsBase+"/domestic-payments/"+paymentID, e.clientToken("payments"), nil, nil)
	if r.status != 200 || get(r.json(t), "Data", "ConsentId") != consentID {
		t.Errorf("get payment: %d %s", r.status, r.body)
	}
	r = e.call("GET", ukobapi.PaymentsBase+"/domestic-payment-consents/"+consentID, e.clientToken("payments"), nil, nil)
	if get(r.json(t), "Data", "Status") != "Consumed" {
		t.Errorf("consent after payment: %s", r.body)
	}
	// The initiation must be the consent's.
	second := consentBody(initiation(p.current, p.savings, "Oliver Bennett", "1.00"))
	c2 := get(e.call("POST", ukobapi.PaymentsBase+"/domestic-payment-consents", access, e.signed("consent-key-2", second), second).json(t), "Data", "ConsentId").(string)
	if err := e.srv.Decide(ctx, "oliver", c2, true); err != nil {
		t.Fatal(err)
	}
	tampered := paymentBody(c2, initiation(p.current, p.savings, "Oliver Bennett", "100.00"))
	if r := e.call("POST", ukobapi.PaymentsBase+"/domestic-payments", access, e.signed("pay-key-3", tampered), tampered); r.status != 400 ||
		!slices.Contains(r.errorCodes(), "UK.OBIE.Resource.ConsentMismatch") {
		t.Errorf("a payment unlike its consent: %d %s", r.status, r.body)
	}
}

func TestPaymentRedirectFlow(t *testing.T) {
	e := newEnv(t, nil)
	access, _, _ := e.link("oliver", nil)
	p := e.party(access)
	i := initiation(p.current, p.savings, "Oliver Bennett", "5.00")
	body := consentBody(i)
	// Created with the client's own token: the bank learns the customer
	// on the consent page, which returns a code for this consent.
	r := e.call("POST", ukobapi.PaymentsBase+"/domestic-payment-consents", e.clientToken("payments"), e.signed("redirect-1", body), body)
	if r.status != 201 {
		t.Fatalf("consent: %d %s", r.status, r.body)
	}
	id := get(r.json(t), "Data", "ConsentId").(string)
	if p, _ := e.srv.Pending(context.Background(), "oliver"); len(p) != 0 {
		t.Errorf("a consent of unknown customer waits in the app: %+v", p)
	}
	back := e.authorize(authorizeQuery(id, "payments"), "oliver", "approve")
	status, m := e.token(url.Values{"grant_type": {"authorization_code"}, "code": {back.Query().Get("code")}, "redirect_uri": {callback}})
	tok, _ := m["access_token"].(string)
	if status != 200 || tok == "" || m["refresh_token"] != nil {
		t.Fatalf("code exchange: %d %v", status, m)
	}
	pay := paymentBody(id, i)
	if r := e.call("POST", ukobapi.PaymentsBase+"/domestic-payments", tok, e.signed("redirect-pay", pay), pay); r.status != 201 {
		t.Errorf("payment with the consent's token: %d %s", r.status, r.body)
	}
	// The code is spent.
	if status, _ := e.token(url.Values{"grant_type": {"authorization_code"}, "code": {back.Query().Get("code")}, "redirect_uri": {callback}}); status != 400 {
		t.Errorf("a code used twice: %d", status)
	}
}

func TestSignatures(t *testing.T) {
	e := newEnv(t, nil)
	access, _, _ := e.link("oliver", nil)
	p := e.party(access)
	body := consentBody(initiation(p.current, p.payee, "Emily Bennett", "1.00"))
	path := ukobapi.PaymentsBase + "/domestic-payment-consents"
	for n, c := range []struct {
		name string
		sig  string
		code string
	}{
		{"a signature of another body", sign(t, []byte(`{"Data":{}}`), nil), "UK.OBIE.Signature.Invalid"},
		{"not a JWS", "abc", "UK.OBIE.Signature.Malformed"},
		{"an attached JWS", func() string { s := sign(t, body, nil); h, sg, _ := strings.Cut(s, ".."); return h + ".eyJ9." + sg }(), "UK.OBIE.Signature.Malformed"},
		{"another iss", sign(t, body, func(o *jose.SignerOptions) { o.WithHeader("http://openbanking.org.uk/iss", "someone") }), "UK.OBIE.Signature.InvalidClaim"},
		{"another trust anchor", sign(t, body, func(o *jose.SignerOptions) { o.WithHeader("http://openbanking.org.uk/tan", "example.com") }), "UK.OBIE.Signature.InvalidClaim"},
		{"an old iat", sign(t, body, func(o *jose.SignerOptions) {
			o.WithHeader("http://openbanking.org.uk/iat", time.Now().Add(-2*time.Hour).Unix())
		}), "UK.OBIE.Signature.InvalidClaim"},
		{"no crit", sign(t, body, func(o *jose.SignerOptions) { delete(o.ExtraHeaders, "crit") }), "UK.OBIE.Signature.MissingClaim"},
		{"an unknown critical header", sign(t, body, func(o *jose.SignerOptions) { o.WithHeader("x-other", 1).WithCritical("x-other") }), "UK.OBIE.Signature.Malformed"},
	} {
		r := e.call("POST", path, access, map[string]string{"x-idempotency-key": fmt.Sprintf("sig-%d", n), "x-jws-signature": c.sig}, body)
		if r.status != 400 || !slices.Contains(r.errorCodes(), c.code) {
			t.Errorf("%s: %d %s, want 400 %s", c.name, r.status, r.body, c.code)
		}
	}
	// The v3.1.3 profile, b64=false and critical, is accepted too.
	legacy := sign(t, body, func(o *jose.SignerOptions) { o.WithBase64(false) })
	if r := e.call("POST", path, access, map[string]string{"x-idempotency-key": "sig-legacy", "x-jws-signature": legacy}, body); r.status != 201 {
		t.Errorf("a b64=false signature: %d %s", r.status, r.body)
	}
	// The server's own signature verifies with its key.
	r := e.call("POST", path, access, e.signed("sig-good", body), body)
	if r.status != 201 {
		t.Fatalf("a good signature: %d %s", r.status, r.body)
	}
	obj, err := jose.ParseDetached(r.header.Get("x-jws-signature"), r.body, []jose.SignatureAlgorithm{jose.PS256})
	if err != nil || obj.Signatures[0].Protected.ExtraHeaders["http://openbanking.org.uk/tan"] != trustAnchor {
		t.Fatalf("the server's signature: %v", err)
	}

	// Missing headers break the spec's own rules, so those requests go
	// to a server of their own: its validator must report exactly the
	// missing header, and the server a 400 in the spec's format.
	bad := newEnv(t, nil)
	token, _, _ := bad.link("oliver", nil)
	for _, c := range []struct{ header, code string }{{"x-jws-signature", "UK.OBIE.Signature.Missing"}, {"x-idempotency-key", "UK.OBIE.Header.Missing"}} {
		hdr := bad.signed("missing-"+c.header, body)
		hdr[c.header] = ""
		r := bad.call("POST", path, token, hdr, body)
		if r.status != 400 || !slices.Contains(r.errorCodes(), c.code) {
			t.Errorf("without %s: %d %s, want 400 %s", c.header, r.status, r.body, c.code)
		}
	}
	got := bad.v.Violations()
	if len(got) != 2 || !strings.Contains(got[0], `"x-jws-signature"`) || !strings.Contains(got[1], `"x-idempotency-key"`) || !strings.HasPrefix(got[0], "request ") || !strings.HasPrefix(got[1], "request ") {
		t.Errorf("violations = %q; want the two missing request headers only", got)
	}
	bad.tolerate = func(v string) bool { return slices.Contains(got[:min(2, len(got))], v) }
}

func TestPaymentConsentExpiry(t *testing.T) {
	e := newEnv(t, nil)
	ctx := context.Background()
	access, _, _ := e.link("oliver", nil)
	p := e.party(access)
	body := consentBody(initiation(p.current, p.payee, "Emily Bennett", "3.00"))
	r := e.call("POST", ukobapi.PaymentsBase+"/domestic-payment-consents", access, e.signed("expiring", body), body)
	id := get(r.json(t), "Data", "ConsentId").(string)
	created, _ := time.Parse(time.RFC3339, get(r.json(t), "Data", "CreationDateTime").(string))
	e.clock.Advance(10*time.Minute + time.Second)
	if p, _ := e.srv.Pending(ctx, "oliver"); len(p) != 0 {
		t.Errorf("an expired consent still waits: %+v", p)
	}
	err := e.srv.Decide(ctx, "oliver", id, true)
	if !errors.Is(err, banks.KindError(banks.Forbidden)) || banks.ReasonOf(err) != "sca_expired" {
		t.Errorf("approving too late: %v", err)
	}
	r = e.call("POST", ukobapi.PaymentsBase+"/domestic-payment-consents", access, e.signed("expiring", body), body)
	m := r.json(t)
	updated, _ := time.Parse(time.RFC3339, get(m, "Data", "StatusUpdateDateTime").(string))
	if get(m, "Data", "Status") != "Rejected" || updated.Sub(created) != 10*time.Minute {
		t.Errorf("the expired consent: %s (rejected %s after creation, want the window)", r.body, updated.Sub(created))
	}
}

func TestDecoupledRejection(t *testing.T) {
	e := newEnv(t, nil)
	ctx := context.Background()
	access, _, _ := e.link("oliver", nil)
	p := e.party(access)
	i := initiation(p.current, p.payee, "Emily Bennett", "4.00")
	body := consentBody(i)
	id := get(e.call("POST", ukobapi.PaymentsBase+"/domestic-payment-consents", access, e.signed("no-thanks", body), body).json(t), "Data", "ConsentId").(string)
	if err := e.srv.Decide(ctx, "oliver", id, false); err != nil {
		t.Fatal(err)
	}
	if err := e.srv.Decide(ctx, "oliver", id, true); !errors.Is(err, banks.KindError(banks.Invalid)) {
		t.Errorf("approving a rejected consent: %v", err)
	}
	r := e.call("GET", ukobapi.PaymentsBase+"/domestic-payment-consents/"+id, e.clientToken("payments"), nil, nil)
	if get(r.json(t), "Data", "Status") != "Rejected" {
		t.Errorf("after rejection: %s", r.body)
	}
	pay := paymentBody(id, i)
	if r := e.call("POST", ukobapi.PaymentsBase+"/domestic-payments", access, e.signed("no-thanks-pay", pay), pay); r.status != 400 {
		t.Errorf("paying a rejected consent: %d %s", r.status, r.body)
	}
}

func TestApprovalsPage(t *testing.T) {
	e := newEnv(t, nil)
	access, _, _ := e.link("oliver", nil)
	p := e.party(access)
	body := consentBody(initiation(p.current, p.payee, "Emily Bennett", "7.50"))
	id := get(e.call("POST", ukobapi.PaymentsBase+"/domestic-payment-consents", access, e.signed("in-the-app", body), body).json(t), "Data", "ConsentId").(string)

	b := browser()
	var page func(res *http.Response, err error) string
	page = func(res *http.Response, err error) string {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		if res.StatusCode == http.StatusSeeOther {
			return page(b.Get(e.ts.URL + res.Header.Get("Location")))
		}
		out, _ := io.ReadAll(res.Body)
		if res.StatusCode != 200 {
			t.Fatalf("%s: %d %s", res.Request.URL, res.StatusCode, out)
		}
		return string(out)
	}
	csrf := func(html string) string {
		m := csrfField.FindStringSubmatch(html)
		if m == nil {
			t.Fatalf("no csrf in %s", html)
		}
		return m[1]
	}
	html := page(b.Get(e.ts.URL + "/app/approvals"))
	if !strings.Contains(html, `<label for="password">`) || !strings.Contains(html, `lang="en"`) {
		t.Fatalf("sign-in page: %s", html)
	}
	// A form without its CSRF token is refused.
	res, err := b.PostForm(e.ts.URL+"/app/approvals", url.Values{"action": {"signin"}, "customer": {"oliver"}, "password": {e.bank.Password("oliver")}})
	if err != nil || res.StatusCode != http.StatusForbidden {
		t.Errorf("sign-in without CSRF token: %v %v", res.StatusCode, err)
	}
	html = page(b.PostForm(e.ts.URL+"/app/approvals", url.Values{"action": {"signin"}, "csrf": {csrf(html)}, "customer": {"oliver"},
		"password": {e.bank.Password("oliver")}}))
	if !strings.Contains(html, "£7.50") || !strings.Contains(html, "Emily Bennett") || !strings.Contains(html, id) {
		t.Fatalf("the app does not show the payment: %s", html)
	}
	html = page(b.PostForm(e.ts.URL+"/app/approvals", url.Values{"action": {"approve"}, "csrf": {csrf(html)}, "consent": {id}}))
	if !strings.Contains(html, "Approved.") || !strings.Contains(html, "Nothing waits") {
		t.Errorf("after approving: %s", html)
	}
	r := e.call("GET", ukobapi.PaymentsBase+"/domestic-payment-consents/"+id, e.clientToken("payments"), nil, nil)
	if get(r.json(t), "Data", "Status") != "Authorised" {
		t.Errorf("after approving in the app: %s", r.body)
	}
	if regexp.MustCompile(`<script|https?://(?:[^"]*)\.(?:css|js)`).MatchString(html) {
		t.Error("the page loads scripts or third-party assets")
	}
}

func TestPaymentRefusals(t *testing.T) {
	e := newEnv(t, nil)
	ctx := context.Background()
	access, _, _ := e.link("priya", nil)
	p := e.party(access)
	if p.frozen == "" {
		t.Fatal("priya has no frozen account")
	}
	// Paying from a frozen account is refused when the consent is made.
	body := consentBody(initiation(p.frozen, p.payee, "Ravi Shah", "1.00"))
	r := e.call("POST", ukobapi.PaymentsBase+"/domestic-payment-consents", access, e.signed("frozen", body), body)
	if r.status != 400 || !slices.Contains(r.errorCodes(), "KSBX.Rules.AccountFrozen") {
		t.Errorf("from a frozen account: %d %s", r.status, r.body)
	}
	// Too much: approved, no funds, refused when paid.
	i := initiation(p.current, p.payee, "Ravi Shah", "99999.00")
	body = consentBody(i)
	id := get(e.call("POST", ukobapi.PaymentsBase+"/domestic-payment-consents", access, e.signed("much", body), body).json(t), "Data", "ConsentId").(string)
	if err := e.srv.Decide(ctx, "priya", id, true); err != nil {
		t.Fatal(err)
	}
	r = e.call("GET", ukobapi.PaymentsBase+"/domestic-payment-consents/"+id+"/funds-confirmation", access, nil, nil)
	if get(r.json(t), "Data", "FundsAvailableResult", "FundsAvailable") != false {
		t.Errorf("funds for 99999.00: %s", r.body)
	}
	pay := paymentBody(id, i)
	r = e.call("POST", ukobapi.PaymentsBase+"/domestic-payments", access, e.signed("much-pay", pay), pay)
	if r.status != 400 || !slices.Contains(r.errorCodes(), "KSBX.Rules.InsufficientFunds") {
		t.Errorf("too much: %d %s", r.status, r.body)
	}
	// Another customer's account as the creditor is not a beneficiary.
	oliver, _ := e.bank.Accounts(ctx, banks.User{Bank: sandbox.Name, Customer: "oliver"})
	n, _ := e.bank.AccountNumber(ctx, banks.User{Bank: sandbox.Name, Customer: "oliver"}, oliver[0].ID)
	body = consentBody(initiation(p.current, "040075"+n, "Oliver Bennett", "1.00"))
	r = e.call("POST", ukobapi.PaymentsBase+"/domestic-payment-consents", access, e.signed("to-oliver", body), body)
	if r.status != 400 || !slices.Contains(r.errorCodes(), "UK.OBIE.Resource.NotFound") {
		t.Errorf("to another customer's account: %d %s", r.status, r.body)
	}
}

func TestInMemory(t *testing.T) {
	e := newEnv(t, func(o *ukobapi.Options) { o.Path = "" })
	access, _, _ := e.link("oliver", nil)
	if r := e.call("GET", ukobapi.AccountsBase+"/accounts", access, nil, nil); r.status != 200 {
		t.Errorf("accounts: %d", r.status)
	}
}
