package openapitest

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// The validator catches what kin-openapi is known to catch on these
// files (see CONNECTORS.md §4) and passes what is valid.
func TestValidator(t *testing.T) {
	v, err := New(UKAccounts, UKPayments, BerlinNG)
	if err != nil {
		t.Fatal(err)
	}
	req := func(method, path, body string, h map[string]string) *http.Request {
		r := httptest.NewRequest(method, "http://bank.example"+path, strings.NewReader(body))
		for k, val := range h {
			r.Header.Set(k, val)
		}
		if body != "" {
			r.Header.Set("Content-Type", "application/json")
		}
		return r
	}
	uk := map[string]string{"Authorization": "Bearer x", "x-fapi-interaction-id": "93bac548-d2de-4546-b106-880a5018460d"}
	if err := v.Request(req("GET", "/open-banking/v3.1/aisp/accounts", "", uk)); err != nil {
		t.Errorf("a valid UK request: %v", err)
	}
	if err := v.Request(req("GET", "/open-banking/v3.1/aisp/accounts", "", nil)); err == nil {
		t.Error("a UK request without Authorization passed")
	}
	pay := `{"Data":{"Initiation":{"InstructionIdentification":"i1","EndToEndIdentification":"e1","InstructedAmount":{"Amount":"20.00","Currency":"GBP"},"CreditorAccount":{"SchemeName":"UK.OBIE.SortCodeAccountNumber","Identification":"04007512345678","Name":"Emily Bennett"}}},"Risk":{}}`
	withKey := map[string]string{"Authorization": "Bearer x", "x-idempotency-key": "op_123", "x-jws-signature": "a..b"}
	if err := v.Request(req("POST", "/open-banking/v3.1/pisp/domestic-payment-consents", pay, withKey)); err != nil {
		t.Errorf("a valid payment consent (look-ahead pattern): %v", err)
	}
	if err := v.Request(req("POST", "/open-banking/v3.1/pisp/domestic-payment-consents", strings.Replace(pay, `"20.00"`, `20.00`, 1), withKey)); err == nil {
		t.Error("an amount as a number passed")
	}
	bg := map[string]string{"X-Request-ID": "99391c7e-ad88-49ec-a2ad-99ddcb1f7721", "Consent-ID": "c1"}
	if err := v.Request(req("GET", "/v1/accounts/a1/transactions?bookingStatus=booked&dateFrom=2026-01-01", "", bg)); err != nil {
		t.Errorf("a valid BG request: %v", err)
	}
	if err := v.Request(req("GET", "/v1/accounts/a1/transactions?dateFrom=2026-01-01", "", bg)); err == nil {
		t.Error("a BG transactions request without bookingStatus passed")
	}
	// A response with a numeric amount fails; a string passes.
	r := req("GET", "/v1/accounts/a1/balances", "", bg)
	resp := func(body string) *http.Response {
		return &http.Response{StatusCode: 200, Header: http.Header{"Content-Type": {"application/json"}, "X-Request-Id": {"99391c7e-ad88-49ec-a2ad-99ddcb1f7721"}},
			Body: io.NopCloser(strings.NewReader(body))}
	}
	if err := v.Response(r, resp(`{"balances":[{"balanceAmount":{"currency":"EUR","amount":"500.00"},"balanceType":"closingBooked"}]}`)); err != nil {
		t.Errorf("a valid BG balance: %v", err)
	}
	if err := v.Response(r, resp(`{"balances":[{"balanceAmount":{"currency":"EUR","amount":500.0},"balanceType":"closingBooked"}]}`)); err == nil {
		t.Error("a numeric BG amount passed")
	}
}
