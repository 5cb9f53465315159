package ukobapi_test

import (
	"context"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/kontoskill/konto/banks"
	"github.com/kontoskill/konto/banks/sandbox"
	"github.com/kontoskill/konto/banks/sandbox/ukobapi"
)

func TestAccountConsentFlow(t *testing.T) {
	e := newEnv(t, nil)
	access, refresh, consentID := e.link("oliver", nil)
	if access == "" || refresh == "" {
		t.Fatalf("tokens %q, %q", access, refresh)
	}
	cc := e.clientToken("accounts")
	r := e.call("GET", ukobapi.AccountsBase+"/account-access-consents/"+consentID, cc, nil, nil)
	if r.status != 200 || get(r.json(t), "Data", "Status") != "Authorised" {
		t.Fatalf("consent after approval: %d %s", r.status, r.body)
	}

	r = e.call("GET", ukobapi.AccountsBase+"/accounts", access, nil, nil)
	if r.status != 200 {
		t.Fatalf("accounts: %d %s", r.status, r.body)
	}
	accts, _ := get(r.json(t), "Data", "Account").([]any)
	if len(accts) != 3 {
		t.Fatalf("oliver has %d accounts: %s", len(accts), r.body)
	}
	if got := r.header.Get("x-fapi-interaction-id"); got != "6f2a4c1e-9b1d-4d7e-8a61-1c2b3d4e5f60" {
		t.Errorf("interaction id %q not echoed", got)
	}
	first := get(accts, 0).(map[string]any)
	if first["AccountSubType"] != "CurrentAccount" || first["Currency"] != "GBP" {
		t.Errorf("first account %v", first)
	}
	ident, _ := get(first, "Account", 0, "Identification").(string)
	if get(first, "Account", 0, "SchemeName") != "UK.OBIE.SortCodeAccountNumber" || !strings.HasPrefix(ident, "040075") || len(ident) != 14 {
		t.Errorf("identification %v", get(first, "Account"))
	}
	id := first["AccountId"].(string)

	r = e.call("GET", ukobapi.AccountsBase+"/accounts/"+id+"/balances", access, nil, nil)
	if r.status != 200 {
		t.Fatalf("balances: %d %s", r.status, r.body)
	}
	u := banks.User{Bank: sandbox.Name, Customer: "oliver", Locale: "en-GB"}
	want, err := e.bank.Balance(context.Background(), u, id)
	if err != nil {
		t.Fatal(err)
	}
	for _, b := range get(r.json(t), "Data", "Balance").([]any) {
		m, _ := banks.ParseMoney(get(b, "Amount", "Amount").(string), "GBP")
		if get(b, "CreditDebitIndicator") == "Debit" {
			m = m.Neg()
		}
		w := want.Booked
		if get(b, "Type") == "InterimAvailable" {
			w = want.Available
		}
		if m != w {
			t.Errorf("%v balance %s, the bank says %s", get(b, "Type"), m, w)
		}
	}

	r = e.call("GET", ukobapi.AccountsBase+"/beneficiaries", access, nil, nil)
	bens, _ := get(r.json(t), "Data", "Beneficiary").([]any)
	if r.status != 200 || len(bens) != 3 || get(bens, 0, "CreditorAccount", "Name") != "Emily Bennett" {
		t.Errorf("beneficiaries: %d %s", r.status, r.body)
	}
	if ident, _ := get(bens, 0, "CreditorAccount", "Identification").(string); !strings.HasSuffix(ident, "5540") || len(ident) != 14 {
		t.Errorf("a beneficiary's number %q does not end in its last four", ident)
	}
	r = e.call("GET", ukobapi.AccountsBase+"/accounts/"+id+"/direct-debits", access, nil, nil)
	dds, _ := get(r.json(t), "Data", "DirectDebit").([]any)
	if r.status != 200 || len(dds) != 3 || get(dds, 0, "Name") != "Octopus Energy" {
		t.Errorf("direct debits: %d %s", r.status, r.body)
	}
	r = e.call("GET", ukobapi.AccountsBase+"/accounts/"+id+"/standing-orders", access, nil, nil)
	if r.status != 200 {
		t.Errorf("standing orders: %d %s", r.status, r.body)
	}

	// The refresh token gives a new access token while the consent holds.
	status, m := e.token(url.Values{"grant_type": {"refresh_token"}, "refresh_token": {refresh}})
	fresh, _ := m["access_token"].(string)
	if status != 200 || fresh == "" || fresh == access {
		t.Fatalf("refresh: %d %v", status, m)
	}
	if r := e.call("GET", ukobapi.AccountsBase+"/accounts", fresh, nil, nil); r.status != 200 {
		t.Errorf("accounts with the refreshed token: %d", r.status)
	}

	// Revoked: no more data, no more tokens.
	if r := e.call("DELETE", ukobapi.AccountsBase+"/account-access-consents/"+consentID, cc, nil, nil); r.status != 204 {
		t.Fatalf("delete: %d %s", r.status, r.body)
	}
	r = e.call("GET", ukobapi.AccountsBase+"/accounts", fresh, nil, nil)
	if r.status != 403 || !slices.Contains(r.errorCodes(), "UK.OBIE.Resource.InvalidConsentStatus") {
		t.Errorf("accounts after revocation: %d %s", r.status, r.body)
	}
	if status, _ := e.token(url.Values{"grant_type": {"refresh_token"}, "refresh_token": {refresh}}); status != 400 {
		t.Errorf("refresh after revocation: %d", status)
	}
	if r := e.call("GET", ukobapi.AccountsBase+"/account-access-consents/"+consentID, cc, nil, nil); get(r.json(t), "Data", "Status") != "Revoked" {
		t.Errorf("consent after delete: %s", r.body)
	}
	// A code is good once.
	if r := e.call("GET", ukobapi.AccountsBase+"/accounts", "nonsense", nil, nil); r.status != 401 {
		t.Errorf("unknown token: %d", r.status)
	}
}

func TestConsentRejectedOnThePage(t *testing.T) {
	e := newEnv(t, nil)
	id := e.accountConsent(nil)
	back := e.authorize(authorizeQuery(id, "accounts"), "priya", "reject")
	if back.Query().Get("error") != "access_denied" || back.Query().Get("state") != "st-123" {
		t.Errorf("redirect after rejecting: %s", back)
	}
	r := e.call("GET", ukobapi.AccountsBase+"/account-access-consents/"+id, e.clientToken("accounts"), nil, nil)
	if get(r.json(t), "Data", "Status") != "Rejected" {
		t.Errorf("consent after rejection: %s", r.body)
	}
}

func TestBadConsentRequests(t *testing.T) {
	e := newEnv(t, nil)
	cc := e.clientToken("accounts")
	for name, body := range map[string]string{
		"transactions without a direction": `{"Data":{"Permissions":["ReadTransactionsDetail"]},"Risk":{}}`,
		"expiry in the past":               `{"Data":{"Permissions":["ReadBalances"],"ExpirationDateTime":"2001-01-01T00:00:00Z"},"Risk":{}}`,
	} {
		r := e.call("POST", ukobapi.AccountsBase+"/account-access-consents", cc, nil, []byte(body))
		if r.status != 400 || len(r.errorCodes()) == 0 {
			t.Errorf("%s: %d %s", name, r.status, r.body)
		}
	}
}

func TestTransactionPaging(t *testing.T) {
	e := newEnv(t, func(o *ukobapi.Options) { o.PageSize = 25 })
	access, _, _ := e.link("oliver", nil)
	u := banks.User{Bank: sandbox.Name, Customer: "oliver", Locale: "en-GB"}
	ctx := context.Background()
	accts, err := e.bank.Accounts(ctx, u)
	if err != nil {
		t.Fatal(err)
	}
	acc := accts[0].ID
	all, err := e.bank.Transactions(ctx, u, banks.TxFilter{AccountID: acc, Statuses: []banks.TxStatus{banks.Booked, banks.Pending, banks.Declined}})
	if err != nil || len(all) < 60 {
		t.Fatalf("the bank has %d transactions: %v", len(all), err)
	}
	var got []string
	next := ukobapi.AccountsBase + "/accounts/" + acc + "/transactions"
	pages := 0
	for next != "" {
		r := e.call("GET", next, access, nil, nil)
		if r.status != 200 {
			t.Fatalf("page %d: %d %s", pages+1, r.status, r.body)
		}
		m := r.json(t)
		txs, _ := get(m, "Data", "Transaction").([]any)
		if len(txs) > 25 {
			t.Fatalf("a page of %d", len(txs))
		}
		for _, tx := range txs {
			got = append(got, get(tx, "TransactionId").(string))
		}
		pages++
		if tp := get(m, "Meta", "TotalPages"); int(tp.(float64)) != (len(all)+24)/25 {
			t.Errorf("TotalPages %v for %d transactions", tp, len(all))
		}
		next, _ = get(m, "Links", "Next").(string)
		if pages > 100 {
			t.Fatal("Links.Next never ends")
		}
	}
	if len(got) != len(all) {
		t.Fatalf("paging saw %d transactions, the bank has %d", len(got), len(all))
	}
	for i, tx := range all {
		if got[i] != tx.ID {
			t.Fatalf("transaction %d is %s, want %s", i, got[i], tx.ID)
		}
	}

	// A booking-date window, inclusive at both ends.
	from, to := all[len(all)/2].Time, all[len(all)/3].Time
	q := url.Values{"fromBookingDateTime": {from.Format(time.RFC3339)}, "toBookingDateTime": {to.Format(time.RFC3339)}}
	r := e.call("GET", ukobapi.AccountsBase+"/accounts/"+acc+"/transactions?"+q.Encode(), access, nil, nil)
	if r.status != 200 {
		t.Fatalf("window: %d %s", r.status, r.body)
	}
	want := 0
	for _, tx := range all {
		if !tx.Time.Before(from) && !tx.Time.After(to) {
			want++
		}
	}
	if tp := int(get(r.json(t), "Meta", "TotalPages").(float64)); tp != max(1, (want+24)/25) {
		t.Errorf("window has %d pages, want %d transactions", tp, want)
	}
	for _, tx := range get(r.json(t), "Data", "Transaction").([]any) {
		at, _ := time.Parse(time.RFC3339, get(tx, "BookingDateTime").(string))
		if at.Before(from) || at.After(to) {
			t.Errorf("transaction at %s outside [%s, %s]", at, from, to)
		}
	}
}

func TestAnotherCustomersAccount(t *testing.T) {
	e := newEnv(t, nil)
	access, _, _ := e.link("oliver", nil)
	priya, err := e.bank.Accounts(context.Background(), banks.User{Bank: sandbox.Name, Customer: "priya"})
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range priya {
		for _, path := range []string{"", "/balances", "/transactions", "/beneficiaries", "/direct-debits", "/standing-orders"} {
			r := e.call("GET", ukobapi.AccountsBase+"/accounts/"+a.ID+path, access, nil, nil)
			if r.status != 400 || !slices.Contains(r.errorCodes(), "UK.OBIE.Resource.NotFound") || strings.Contains(string(r.body), "Priya") {
				t.Errorf("oliver reads priya's %s%s: %d %s", a.ID, path, r.status, r.body)
			}
		}
	}
}

func TestAccountConsentExpiry(t *testing.T) {
	e := newEnv(t, func(o *ukobapi.Options) { o.TokenLifetime = 3 * time.Hour })
	access, refresh, _ := e.link("oliver", map[string]any{"ExpirationDateTime": e.clock.Now().Add(30 * time.Minute).UTC().Format(time.RFC3339)})
	if r := e.call("GET", ukobapi.AccountsBase+"/accounts", access, nil, nil); r.status != 200 {
		t.Fatalf("accounts: %d", r.status)
	}
	e.clock.Advance(31 * time.Minute)
	r := e.call("GET", ukobapi.AccountsBase+"/accounts", access, nil, nil)
	if r.status != 403 || !slices.Contains(r.errorCodes(), "UK.OBIE.Resource.InvalidConsentStatus") {
		t.Errorf("accounts after the consent expired: %d %s", r.status, r.body)
	}
	if status, m := e.token(url.Values{"grant_type": {"refresh_token"}, "refresh_token": {refresh}}); status != 400 || m["error"] != "invalid_grant" {
		t.Errorf("refresh after expiry: %d %v", status, m)
	}
	// An account consent nobody approves in time is rejected.
	id := e.accountConsent(nil)
	e.clock.Advance(11 * time.Minute)
	r = e.call("GET", ukobapi.AccountsBase+"/account-access-consents/"+id, e.clientToken("accounts"), nil, nil)
	if get(r.json(t), "Data", "Status") != "Rejected" {
		t.Errorf("an unapproved consent after its window: %s", r.body)
	}
}
