package ukobapi_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/kontoskill/konto/banks/sandbox/ukobapi"
)

// bcAuthorize asks the backchannel authentication endpoint as the
// client, or with another secret.
func (e *env) bcAuthorize(form url.Values, clientSecret string) (int, map[string]any) {
	e.t.Helper()
	req, _ := http.NewRequest("POST", e.ts.URL+"/oauth2/bc-authorize", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(clientID, clientSecret)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer res.Body.Close()
	var m map[string]any
	json.NewDecoder(res.Body).Decode(&m)
	return res.StatusCode, m
}

// cibaConsent makes a payment consent with the client's own token, as a
// CIBA payment starts, and returns its id and initiation.
func (e *env) cibaConsent(key, amount string) (string, map[string]any) {
	e.t.Helper()
	access, _, _ := e.link("oliver", nil)
	p := e.party(access)
	i := initiation(p.current, p.payee, "Emily Bennett", amount)
	body := consentBody(i)
	r := e.call("POST", ukobapi.PaymentsBase+"/domestic-payment-consents", e.clientToken("payments"), e.signed(key, body), body)
	id, _ := get(r.json(e.t), "Data", "ConsentId").(string)
	if r.status != 201 || id == "" {
		e.t.Fatalf("consent: %d %s", r.status, r.body)
	}
	return id, i
}

func cibaForm(consentID string) url.Values {
	return url.Values{"scope": {"openid payments"}, "login_hint": {"oliver"}, "openbanking_intent_id": {consentID}}
}

func (e *env) poll(authReqID string) (int, map[string]any) {
	return e.token(url.Values{"grant_type": {ukobapi.CIBAGrantType}, "auth_req_id": {authReqID}})
}

func TestCIBAApprove(t *testing.T) {
	e := newEnv(t, nil)
	ctx := context.Background()
	id, i := e.cibaConsent("ciba-1", "5.00")
	if p, _ := e.srv.Pending(ctx, "oliver"); len(p) != 0 {
		t.Fatalf("an unbound consent waits in the app: %+v", p)
	}
	status, m := e.bcAuthorize(cibaForm(id), secret)
	authReq, _ := m["auth_req_id"].(string)
	if status != 200 || authReq == "" || m["interval"] != float64(5) || m["expires_in"].(float64) < 590 || m["expires_in"].(float64) > 600 {
		t.Fatalf("bc-authorize: %d %v", status, m)
	}
	if status, m := e.poll(authReq); status != 400 || m["error"] != "authorization_pending" {
		t.Errorf("first poll: %d %v", status, m)
	}
	if status, m := e.poll(authReq); status != 400 || m["error"] != "slow_down" {
		t.Errorf("a poll too soon: %d %v", status, m)
	}
	e.clock.Advance(5 * time.Second)
	if status, m := e.poll(authReq); status != 400 || m["error"] != "authorization_pending" {
		t.Errorf("poll after the interval: %d %v", status, m)
	}
	pending, err := e.srv.Pending(ctx, "oliver")
	if err != nil || len(pending) != 1 || pending[0].ConsentID != id || pending[0].Amount.Minor != 500 {
		t.Fatalf("Pending = %+v, %v", pending, err)
	}
	if err := e.srv.Decide(ctx, "oliver", id, true); err != nil {
		t.Fatal(err)
	}
	status, m = e.poll(authReq)
	access, _ := m["access_token"].(string)
	if status != 200 || access == "" || m["scope"] != "payments" || m["refresh_token"] != nil {
		t.Fatalf("poll after approval: %d %v", status, m)
	}
	if status, m := e.poll(authReq); status != 400 || m["error"] != "invalid_grant" {
		t.Errorf("tokens twice: %d %v", status, m)
	}
	before := e.booked("oliver", "oliver-checking")
	pay := paymentBody(id, i)
	// The client's own token may not pay; the customer's CIBA token may.
	if r := e.call("POST", ukobapi.PaymentsBase+"/domestic-payments", e.clientToken("payments"), e.signed("ciba-1-pay-x", pay), pay); r.status != 403 {
		t.Errorf("paying with the client's token: %d %s", r.status, r.body)
	}
	r := e.call("POST", ukobapi.PaymentsBase+"/domestic-payments", access, e.signed("ciba-1-pay", pay), pay)
	if r.status != 201 {
		t.Fatalf("payment: %d %s", r.status, r.body)
	}
	if moved := before - e.booked("oliver", "oliver-checking"); moved != 500 {
		t.Errorf("moved %d, want 500", moved)
	}
}

func TestCIBAReject(t *testing.T) {
	e := newEnv(t, nil)
	ctx := context.Background()
	id, _ := e.cibaConsent("ciba-2", "6.00")
	_, m := e.bcAuthorize(cibaForm(id), secret)
	authReq, _ := m["auth_req_id"].(string)
	if err := e.srv.Decide(ctx, "oliver", id, false); err != nil {
		t.Fatal(err)
	}
	if status, m := e.poll(authReq); status != 400 || m["error"] != "access_denied" {
		t.Errorf("poll after rejection: %d %v", status, m)
	}
	if status, m := e.bcAuthorize(cibaForm(id), secret); status != 400 || m["error"] != "invalid_request" {
		t.Errorf("bc-authorize of a rejected consent: %d %v", status, m)
	}
}

func TestCIBAExpiry(t *testing.T) {
	e := newEnv(t, nil)
	ctx := context.Background()
	id, _ := e.cibaConsent("ciba-3", "7.00")
	_, m := e.bcAuthorize(cibaForm(id), secret)
	authReq, _ := m["auth_req_id"].(string)
	e.clock.Advance(10*time.Minute + time.Second)
	if status, m := e.poll(authReq); status != 400 || m["error"] != "expired_token" {
		t.Errorf("poll after the window: %d %v", status, m)
	}
	if p, _ := e.srv.Pending(ctx, "oliver"); len(p) != 0 {
		t.Errorf("an expired consent still waits: %+v", p)
	}
	if status, m := e.poll(authReq); status != 400 || m["error"] != "expired_token" {
		t.Errorf("poll again after the window: %d %v", status, m)
	}
}

func TestCIBARequests(t *testing.T) {
	e := newEnv(t, nil)
	id, _ := e.cibaConsent("ciba-4", "8.00")
	if status, m := e.bcAuthorize(cibaForm(id), "wrong"); status != 401 || m["error"] != "invalid_client" {
		t.Errorf("wrong secret: %d %v", status, m)
	}
	bad := map[string]func(url.Values){
		"invalid_scope":   func(f url.Values) { f.Set("scope", "payments") },
		"unknown_user_id": func(f url.Values) { f.Set("login_hint", "nobody") },
		"invalid_request": func(f url.Values) { f.Del("openbanking_intent_id") },
	}
	for want, tweak := range bad {
		f := cibaForm(id)
		tweak(f)
		if status, m := e.bcAuthorize(f, secret); status != 400 || m["error"] != want {
			t.Errorf("%s: %d %v", want, status, m)
		}
	}
	f := cibaForm(id)
	f.Del("login_hint")
	f.Set("login_hint_token", "x")
	if status, m := e.bcAuthorize(f, secret); status != 400 || m["error"] != "invalid_request" {
		t.Errorf("login_hint_token: %d %v", status, m)
	}
	if status, m := e.bcAuthorize(cibaForm("pdc-nope"), secret); status != 400 || m["error"] != "invalid_request" {
		t.Errorf("unknown intent: %d %v", status, m)
	}
	_, m := e.bcAuthorize(cibaForm(id), secret)
	authReq, _ := m["auth_req_id"].(string)
	if status, m := e.poll("kb_unknown"); status != 400 || m["error"] != "invalid_grant" {
		t.Errorf("unknown auth_req_id: %d %v", status, m)
	}
	// Another client's secret is not the client's: the token endpoint
	// refuses it before it looks at the request.
	req, _ := http.NewRequest("POST", e.ts.URL+"/oauth2/token", strings.NewReader(url.Values{"grant_type": {ukobapi.CIBAGrantType},
		"auth_req_id": {authReq}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(clientID, "wrong")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != 401 {
		t.Errorf("poll with a wrong secret: %d", res.StatusCode)
	}
}

func TestCIBAOtherClient(t *testing.T) {
	e := newEnv(t, func(o *ukobapi.Options) {
		o.Clients = append(o.Clients, ukobapi.Client{ID: "other", Secret: "other-secret", RedirectURIs: []string{callback}})
	})
	id, _ := e.cibaConsent("ciba-5", "9.00")
	_, m := e.bcAuthorize(cibaForm(id), secret)
	authReq, _ := m["auth_req_id"].(string)
	req, _ := http.NewRequest("POST", e.ts.URL+"/oauth2/token", strings.NewReader(url.Values{"grant_type": {ukobapi.CIBAGrantType},
		"auth_req_id": {authReq}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth("other", "other-secret")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var out map[string]any
	json.NewDecoder(res.Body).Decode(&out)
	res.Body.Close()
	if res.StatusCode != 400 || out["error"] != "invalid_grant" {
		t.Errorf("another client's auth_req_id: %d %v", res.StatusCode, out)
	}
	// Nor may the other client start one for this client's consent.
	form := cibaForm(id)
	req, _ = http.NewRequest("POST", e.ts.URL+"/oauth2/bc-authorize", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth("other", "other-secret")
	res, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != 400 {
		t.Errorf("bc-authorize for another client's consent: %d", res.StatusCode)
	}
}
