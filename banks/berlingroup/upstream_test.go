package berlingroup_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"github.com/kontoskill/konto/banks"
	"github.com/kontoskill/konto/banks/berlingroup"
	"github.com/kontoskill/konto/banks/openapitest"
)

// fake is a bank that answers as a test tells it, counting requests.
type fake struct {
	*httptest.Server
	n       atomic.Int32
	mu      sync.Mutex
	reqs    []*http.Request
	bodies  []string
	handler http.HandlerFunc
}

func newFake(t *testing.T, h http.HandlerFunc) *fake {
	f := &fake{handler: h}
	f.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f.n.Add(1)
		b, _ := io.ReadAll(r.Body)
		f.mu.Lock()
		f.reqs, f.bodies = append(f.reqs, r.Clone(context.Background())), append(f.bodies, string(b))
		f.mu.Unlock()
		f.handler(w, r)
	}))
	t.Cleanup(f.Close)
	return f
}

func linked(context.Context, banks.User) (string, *oauth2.Token, error) { return "consent-1", nil, nil }

var bob = banks.User{Bank: berlingroup.Name, Customer: "bob", Locale: "de-DE"}

func fakeClient(t *testing.T, f *fake, o berlingroup.Options) *berlingroup.Client {
	t.Helper()
	o.BaseURL = f.URL
	if o.Consents == nil {
		o.Consents = linked
	}
	if o.MinBackoff == 0 {
		o.MinBackoff = 10 * time.Millisecond
	}
	if o.Timeout == 0 {
		o.Timeout = 2 * time.Second
	}
	o.PSUIPAddress = "192.0.2.1"
	c, err := berlingroup.New(o)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func answer(w http.ResponseWriter, status int, body string) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Request-ID", "99391c7e-ad88-49ec-a2ad-99ddcb1f7721")
	w.WriteHeader(status)
	io.WriteString(w, body)
}

// Each error answer of the standard (and of banks that bend it) maps to
// its kind, quickly.
func TestErrorKinds(t *testing.T) {
	t.Parallel()
	msg := func(code string) string {
		return `{"tppMessages":[{"category":"ERROR","code":"` + code + `","text":"additional text information of the ASPSP up to 500 characters"}]}`
	}
	for _, tc := range []struct {
		name   string
		status int
		body   string
		kind   banks.Kind
		reason string
	}{
		{"consent expired", 401, msg("CONSENT_EXPIRED"), banks.ConsentExpired, ""},
		{"consent invalid", 401, msg("CONSENT_INVALID"), banks.NotLinked, ""},
		{"consent unknown (403)", 403, msg("CONSENT_UNKNOWN"), banks.NotLinked, ""},
		{"consent unknown (400, some banks)", 400, msg("CONSENT_UNKNOWN"), banks.NotLinked, ""},
		{"token invalid", 401, msg("TOKEN_INVALID"), banks.NotLinked, ""},
		{"401 without a body", 401, "", banks.NotLinked, ""},
		{"resource unknown (404)", 404, msg("RESOURCE_UNKNOWN"), banks.NotFound, ""},
		{"resource unknown (403)", 403, msg("RESOURCE_UNKNOWN"), banks.NotFound, ""},
		{"404 without a body", 404, "", banks.NotFound, ""},
		{"format error", 400, msg("FORMAT_ERROR"), banks.Invalid, ""},
		{"period invalid", 400, msg("PERIOD_INVALID"), banks.Invalid, ""},
		{"405", 405, msg("SERVICE_INVALID"), banks.Forbidden, "not_allowed"},
		{"service blocked", 403, msg("SERVICE_BLOCKED"), banks.Forbidden, "not_allowed"},
		{"access exceeded", 429, msg("ACCESS_EXCEEDED"), banks.Unavailable, ""},
		{"access exceeded as the standard's own example, an array", 429,
			`[{"category":"ERROR","code":"ACCESS_EXCEEDED","text":"additional text information of the ASPSP up to 500 characters"}]`, banks.Unavailable, ""},
		{"problem+json", 401, `{"type":"https://berlingroup.com/error-codes/CONSENT_EXPIRED","title":"Consent expired","code":"CONSENT_EXPIRED"}`, banks.ConsentExpired, ""},
		{"500", 500, "", banks.Unavailable, ""},
		{"503 with HTML", 503, "<html>down</html>", banks.Unavailable, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := newFake(t, func(w http.ResponseWriter, r *http.Request) { answer(w, tc.status, tc.body) })
			c := fakeClient(t, f, berlingroup.Options{})
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
			defer cancel()
			began := time.Now()
			_, err := c.Accounts(ctx, bob)
			if banks.KindOf(err) != tc.kind || banks.ReasonOf(err) != tc.reason {
				t.Errorf("error %v: kind %s reason %q, want %s %q", err, banks.KindOf(err), banks.ReasonOf(err), tc.kind, tc.reason)
			}
			if d := time.Since(began); d > time.Second {
				t.Errorf("took %s", d)
			}
			if strings.Contains(err.Error(), "500 characters") && len(err.Error()) > 300 {
				t.Errorf("the error quotes too much: %v", err)
			}
		})
	}
}

func TestResilience(t *testing.T) {
	t.Parallel()
	t.Run("500 is retried, then Unavailable", func(t *testing.T) {
		t.Parallel()
		f := newFake(t, func(w http.ResponseWriter, r *http.Request) { answer(w, 500, "") })
		began := time.Now()
		_, err := fakeClient(t, f, berlingroup.Options{}).Accounts(context.Background(), bob)
		if !errors.Is(err, banks.KindError(banks.Unavailable)) || f.n.Load() != 3 || time.Since(began) > time.Second {
			t.Errorf("error %v after %d requests in %s", err, f.n.Load(), time.Since(began))
		}
	})
	t.Run("429 with Retry-After is waited for", func(t *testing.T) {
		t.Parallel()
		f := newFake(t, nil)
		var calls atomic.Int32
		f.handler = func(w http.ResponseWriter, r *http.Request) {
			if calls.Add(1) == 1 {
				w.Header().Set("Retry-After", "1")
				answer(w, 429, `{"tppMessages":[{"category":"ERROR","code":"ASPSP_RATE_LIMIT_EXCEEDED"}]}`)
				return
			}
			answer(w, 200, `{"accounts":[]}`)
		}
		began := time.Now()
		accs, err := fakeClient(t, f, berlingroup.Options{}).Accounts(context.Background(), bob)
		if err != nil || len(accs) != 0 || time.Since(began) < time.Second || calls.Load() != 2 {
			t.Errorf("Accounts = %v, %v after %d calls in %s", accs, err, calls.Load(), time.Since(began))
		}
	})
	t.Run("a Retry-After beyond the deadline gives up at once", func(t *testing.T) {
		t.Parallel()
		f := newFake(t, func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Retry-After", "3600")
			answer(w, 503, "")
		})
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		began := time.Now()
		_, err := fakeClient(t, f, berlingroup.Options{}).Accounts(ctx, bob)
		if !errors.Is(err, banks.KindError(banks.Unavailable)) || f.n.Load() != 1 || time.Since(began) > 500*time.Millisecond {
			t.Errorf("error %v after %d requests in %s", err, f.n.Load(), time.Since(began))
		}
	})
	t.Run("the daily allowance used up is not retried", func(t *testing.T) {
		t.Parallel()
		f := newFake(t, func(w http.ResponseWriter, r *http.Request) {
			answer(w, 429, `{"tppMessages":[{"category":"ERROR","code":"ACCESS_EXCEEDED"}]}`)
		})
		_, err := fakeClient(t, f, berlingroup.Options{}).Accounts(context.Background(), bob)
		if !errors.Is(err, banks.KindError(banks.Unavailable)) || f.n.Load() != 1 {
			t.Errorf("error %v after %d requests", err, f.n.Load())
		}
	})
	t.Run("a timeout", func(t *testing.T) {
		t.Parallel()
		f := newFake(t, func(w http.ResponseWriter, r *http.Request) {
			select {
			case <-r.Context().Done():
			case <-time.After(3 * time.Second):
			}
		})
		began := time.Now()
		_, err := fakeClient(t, f, berlingroup.Options{Timeout: 50 * time.Millisecond, Retries: 1}).Accounts(context.Background(), bob)
		if !errors.Is(err, banks.KindError(banks.Unavailable)) || f.n.Load() != 2 || time.Since(began) > time.Second {
			t.Errorf("error %v after %d requests in %s", err, f.n.Load(), time.Since(began))
		}
	})
	t.Run("the caller's deadline", func(t *testing.T) {
		t.Parallel()
		f := newFake(t, func(w http.ResponseWriter, r *http.Request) { <-r.Context().Done() })
		ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
		defer cancel()
		began := time.Now()
		_, err := fakeClient(t, f, berlingroup.Options{}).Accounts(ctx, bob)
		if !errors.Is(err, banks.KindError(banks.Unavailable)) || time.Since(began) > time.Second {
			t.Errorf("error %v in %s", err, time.Since(began))
		}
	})
	t.Run("malformed JSON is not retried", func(t *testing.T) {
		t.Parallel()
		f := newFake(t, func(w http.ResponseWriter, r *http.Request) { answer(w, 200, `{"accounts": [{"resourceId": "a1",`) })
		_, err := fakeClient(t, f, berlingroup.Options{}).Accounts(context.Background(), bob)
		if !errors.Is(err, banks.KindError(banks.Unavailable)) || f.n.Load() != 1 {
			t.Errorf("error %v after %d requests", err, f.n.Load())
		}
	})
	for name, body := range map[string]string{
		"a numeric amount":      `{"balances":[{"balanceAmount":{"currency":"EUR","amount":500.0},"balanceType":"closingBooked"}]}`,
		"a float-ish string":    `{"balances":[{"balanceAmount":{"currency":"EUR","amount":"5e2"},"balanceType":"closingBooked"}]}`,
		"more decimals":         `{"balances":[{"balanceAmount":{"currency":"EUR","amount":"500.001"},"balanceType":"closingBooked"}]}`,
		"a lower-case currency": `{"balances":[{"balanceAmount":{"currency":"eur","amount":"500.00"},"balanceType":"closingBooked"}]}`,
		"no balances":           `{"balances":[]}`,
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			f := newFake(t, func(w http.ResponseWriter, r *http.Request) { answer(w, 200, body) })
			_, err := fakeClient(t, f, berlingroup.Options{}).Balance(context.Background(), bob, "a1")
			if !errors.Is(err, banks.KindError(banks.Unavailable)) || f.n.Load() != 1 {
				t.Errorf("error %v after %d requests", err, f.n.Load())
			}
		})
	}
}

// examples are the Berlin Group file's own example payloads.
func examples(t *testing.T) map[string]string {
	t.Helper()
	doc, err := openapitest.Load(openapitest.BerlinNG)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for name, ex := range doc.Components.Examples {
		if ex.Value == nil {
			continue
		}
		if s, ok := ex.Value.Value.(string); ok {
			out[name] = s
			continue
		}
		js, err := json.Marshal(ex.Value.Value)
		if err == nil {
			out[name] = string(js)
		}
	}
	return out
}

func TestSpecExamples(t *testing.T) {
	t.Parallel()
	ex := examples(t)
	ctx := context.Background()
	serve := func(routes map[string]string) *berlingroup.Client {
		f := newFake(t, func(w http.ResponseWriter, r *http.Request) {
			body, ok := routes[r.Method+" "+r.URL.Path]
			if !ok {
				answer(w, 404, `{"tppMessages":[{"category":"ERROR","code":"RESOURCE_UNKNOWN"}]}`)
				return
			}
			status := 200
			if r.Method == "POST" {
				status = 201
			}
			answer(w, status, ex[body])
		})
		return fakeClient(t, f, berlingroup.Options{Payees: func(context.Context, banks.User) ([]berlingroup.Payee, error) {
			return []berlingroup.Payee{{Payee: banks.Payee{ID: "p1", Name: "John Miles"}, IBAN: "DE67100100101306118605"}}, nil
		}})
	}
	const acc = "3dc3d5b3-7023-4848-9853-f5400a64e80f"

	t.Run("account lists", func(t *testing.T) {
		t.Parallel()
		for name, want := range map[string][]banks.Account{
			"accountListExample1": {
				{ID: acc, Kind: banks.Checking, Name: "Main Account", LastFour: "6789", Currency: "EUR"},
				{ID: "3dc3d5b3-7023-4848-9853-f5400a64e81e", Kind: banks.Checking, Name: "US Dollar Account", LastFour: "6788", Currency: "USD"}},
			"accountListExample3": {
				{ID: acc, Kind: banks.Checking, Name: "Aggregation Account", LastFour: "6788", Currency: "XXX"},
				{ID: "3dc3d5b3-7023-4848-9853-f5400a64e80e", Kind: banks.Checking, Name: "Main Account", LastFour: "6788", Currency: "EUR"},
				{ID: "3dc3d5b3-7023-4848-9853-f5400a64e81d", Kind: banks.Checking, Name: "US Dollar Account", LastFour: "6788", Currency: "USD"}},
		} {
			got, err := serve(map[string]string{"GET /v1/accounts": name}).Accounts(ctx, bob)
			if err != nil || fmt.Sprint(got) != fmt.Sprint(want) {
				t.Errorf("%s:\n got %+v, %v\nwant %+v", name, got, err, want)
			}
		}
	})
	t.Run("balances", func(t *testing.T) {
		t.Parallel()
		eur := func(minor int64) banks.Money { return banks.Money{Minor: minor, Currency: "EUR"} }
		for name, want := range map[string][2]banks.Money{
			"balancesExample1_RegularAccount":      {eur(50000), eur(90000)},  // closingBooked, expected
			"balancesExample2_MulticurrencyAcount": {eur(50000), eur(90000)},  // the first currency's
			"balancesExample3_RegularAccount":      {eur(100000), eur(30000)}, // interimBooked, interimAvailable without the credit line
		} {
			b, err := serve(map[string]string{"GET /v1/accounts/" + acc + "/balances": name}).Balance(ctx, bob, acc)
			if err != nil || b.Booked != want[0] || b.Available != want[1] || b.AccountID != acc {
				t.Errorf("%s: %+v, %v; want booked %s, available %s", name, b, err, want[0], want[1])
			}
		}
	})
	t.Run("transactions", func(t *testing.T) {
		t.Parallel()
		c := serve(map[string]string{"GET /v1/accounts/" + acc + "/transactions": "transactionsExample1_RegularAccount_json"})
		txs, err := c.Transactions(ctx, bob, banks.TxFilter{AccountID: acc, From: time.Date(2017, 10, 1, 0, 0, 0, 0, time.UTC)})
		if err != nil {
			t.Fatal(err)
		}
		day := func(d int) time.Time { return time.Date(2017, 10, d, 0, 0, 0, 0, time.UTC) }
		want := []banks.Transaction{
			{ID: "1234569", AccountID: acc, Time: day(26), Amount: banks.Money{Minor: -10003, Currency: "EUR"}, Merchant: "Claude Renault", Status: banks.Pending},
			{ID: "1234567", AccountID: acc, Time: day(25), Amount: banks.Money{Minor: 25667, Currency: "EUR"}, Merchant: "John Miles", Status: banks.Booked},
			{ID: "1234568", AccountID: acc, Time: day(25), Amount: banks.Money{Minor: 34301, Currency: "EUR"}, Merchant: "Paul Simpson", Status: banks.Booked},
		}
		if fmt.Sprint(txs) != fmt.Sprint(want) {
			t.Errorf("transactions\n got %+v\nwant %+v", txs, want)
		}
		c = serve(map[string]string{"GET /v1/accounts/" + acc + "/transactions": "transactionsExample3_MulticurrencyAccount_json"})
		txs, err = c.Transactions(ctx, bob, banks.TxFilter{AccountID: acc, From: time.Date(2017, 10, 1, 0, 0, 0, 0, time.UTC), Merchant: "pepe"})
		if err != nil || len(txs) != 1 || txs[0].Amount != (banks.Money{Minor: 10000, Currency: "USD"}) {
			t.Errorf("a USD transaction of a multicurrency account: %+v, %v", txs, err)
		}
	})
	t.Run("consent", func(t *testing.T) {
		t.Parallel()
		c := serve(map[string]string{"POST /v1/consents": "consentResponseExample1a_Redirect",
			"GET /v1/consents/1234-wertiq-983/status": "consentStatusResponseExample1"})
		id, redirect, err := c.CreateConsent(ctx, "192.0.2.1")
		if err != nil || id != "1234-wertiq-983" || redirect != "https://www.testbank.com/authentication/1234-wertiq-983" {
			t.Errorf("CreateConsent = %q, %q, %v", id, redirect, err)
		}
		if st, err := c.ConsentStatus(ctx, id); err != nil || st != "valid" {
			t.Errorf("ConsentStatus = %q, %v", st, err)
		}
		c = serve(map[string]string{"POST /v1/consents": "consentResponseExample4_Embedded"})
		if _, _, err := c.CreateConsent(ctx, "192.0.2.1"); !errors.Is(err, banks.KindError(banks.NotSupported)) {
			t.Errorf("an embedded-only bank: %v", err)
		}
	})
	t.Run("payment", func(t *testing.T) {
		t.Parallel()
		c := serve(map[string]string{"GET /v1/accounts": "accountListExample1",
			"POST /v1/payments/sepa-credit-transfers":                       "paymentInitiationExample_json_Redirect",
			"GET /v1/payments/sepa-credit-transfers/1234-wertiq-983/status": "paymentInitiationStatusResponse_json_Simple"})
		p := banks.PaymentRequest{Key: "k1", FromAccountID: acc, PayeeID: "p1", Amount: banks.Money{Minor: 25667, Currency: "EUR"}}
		r, err := c.Pay(ctx, bob, p)
		if err != nil || !r.AwaitingApproval {
			t.Fatalf("first Pay = %+v, %v", r, err)
		}
		r, err = c.Pay(ctx, bob, p)
		if err != nil || r.Reference != "1234-wertiq-983" || r.AwaitingApproval { // ACCP
			t.Errorf("Pay after ACCP = %+v, %v", r, err)
		}
	})
}

// A payment is posted again only under its X-Request-ID, with the same body.
func TestPaymentRetry(t *testing.T) {
	t.Parallel()
	var calls atomic.Int32
	f := newFake(t, nil)
	f.handler = func(w http.ResponseWriter, r *http.Request) {
		switch {
		case r.URL.Path == "/v1/accounts":
			answer(w, 200, `{"accounts":[{"resourceId":"a1","iban":"DE89370400440532013000","currency":"EUR","cashAccountType":"CACC","name":"Giro"}]}`)
		case r.Method == "POST" && calls.Add(1) == 1:
			answer(w, 503, "")
		case r.Method == "POST":
			answer(w, 201, `{"transactionStatus":"ACSC","paymentId":"pay-1","_links":{"status":{"href":"/v1/payments/sepa-credit-transfers/pay-1/status"}}}`)
		default:
			answer(w, 404, "")
		}
	}
	c := fakeClient(t, f, berlingroup.Options{Payees: func(context.Context, banks.User) ([]berlingroup.Payee, error) {
		return []berlingroup.Payee{{Payee: banks.Payee{ID: "p1", Name: "Anna Becker"}, IBAN: "DE02100100100006820101"}}, nil
	}})
	p := banks.PaymentRequest{Key: "rent-2026-12", FromAccountID: "a1", PayeeID: "p1", Amount: banks.Money{Minor: 118000, Currency: "EUR"}}
	r, err := c.Pay(context.Background(), bob, p)
	if err != nil || r.Reference != "pay-1" {
		t.Fatalf("Pay = %+v, %v", r, err)
	}
	want := berlingroup.PaymentRequestID(bob, p.Key)
	golden := `{"instructedAmount":{"currency":"EUR","amount":"1180.00"},"debtorAccount":{"iban":"DE89370400440532013000"},` +
		`"creditorName":"Anna Becker","creditorAccount":{"iban":"DE02100100100006820101"}}`
	posts := 0
	for i, r := range f.reqs {
		if r.Method != "POST" {
			continue
		}
		posts++
		if got := r.Header.Get("X-Request-ID"); got != want {
			t.Errorf("POST %d has X-Request-ID %q, want %q", posts, got, want)
		}
		if r.Header.Get("TPP-Decoupled-Preferred") != "true" || r.Header.Get("PSU-IP-Address") != "192.0.2.1" || r.Header.Get("Consent-ID") != "consent-1" {
			t.Errorf("POST %d headers %v", posts, r.Header)
		}
		if f.bodies[i] != golden {
			t.Errorf("POST %d body\n got %s\nwant %s", posts, f.bodies[i], golden)
		}
	}
	if posts != 2 {
		t.Errorf("%d POSTs, want 2 (one retry)", posts)
	}
	// A refusal is not retried.
	calls.Store(0)
	f.handler = func(w http.ResponseWriter, r *http.Request) {
		if r.Method == "POST" {
			calls.Add(1)
			answer(w, 400, `{"tppMessages":[{"category":"ERROR","code":"FORMAT_ERROR","path":"creditorAccount"}]}`)
			return
		}
		answer(w, 200, `{"accounts":[{"resourceId":"a1","iban":"DE89370400440532013000","currency":"EUR"}]}`)
	}
	p.Key = "another"
	if _, err := c.Pay(context.Background(), bob, p); !errors.Is(err, banks.KindError(banks.Invalid)) || calls.Load() != 1 {
		t.Errorf("a refused payment: %v after %d POSTs", err, calls.Load())
	}
}

// PaymentRequestID is a stable version 5 UUID per bank, customer and key.
func TestPaymentRequestID(t *testing.T) {
	t.Parallel()
	a := berlingroup.PaymentRequestID(bob, "k1")
	if a != berlingroup.PaymentRequestID(bob, "k1") {
		t.Error("not stable")
	}
	if len(a) != 36 || a[14] != '5' || !strings.ContainsRune("89ab", rune(a[19])) {
		t.Errorf("%q is not a version 5 UUID", a)
	}
	other := bob
	other.Customer = "alice"
	for _, b := range []string{berlingroup.PaymentRequestID(bob, "k2"), berlingroup.PaymentRequestID(other, "k1")} {
		if b == a {
			t.Errorf("two payments share X-Request-ID %s", a)
		}
	}
}

// Broken next links (seen at real banks) end the listing as the bank's
// failure rather than loop or leak the consent.
func TestBrokenPaging(t *testing.T) {
	t.Parallel()
	for name, next := range map[string]string{
		"another host":     "https://evil.example/v1/accounts/a1/transactions?pageIndex=1",
		"the same page":    "/v1/accounts/a1/transactions?bookingStatus=both&pageIndex=1",
		"another resource": "/v1/accounts/a1/balances",
		"no end":           "",
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			var n atomic.Int32
			f := newFake(t, func(w http.ResponseWriter, r *http.Request) {
				link := next
				if link == "" {
					link = fmt.Sprintf("/v1/accounts/a1/transactions?bookingStatus=both&pageIndex=%d", n.Add(1))
				}
				answer(w, 200, `{"transactions":{"booked":[{"transactionId":"t`+fmt.Sprint(n.Load())+`","bookingDate":"2026-11-20","transactionAmount":{"currency":"EUR","amount":"-1.00"}}],`+
					`"_links":{"account":{"href":"/v1/accounts/a1"},"next":{"href":"`+link+`"}}}}`)
			})
			c := fakeClient(t, f, berlingroup.Options{MaxPages: 5})
			_, err := c.Transactions(context.Background(), bob, banks.TxFilter{AccountID: "a1"})
			if !errors.Is(err, banks.KindError(banks.Unavailable)) || f.n.Load() > 5 {
				t.Errorf("error %v after %d requests", err, f.n.Load())
			}
			for _, r := range f.reqs {
				if r.Host != strings.TrimPrefix(f.URL, "http://") {
					t.Errorf("a request went to %s", r.Host)
				}
			}
		})
	}
}

// The standard has no categories: a Category filter needs Options.Categorize.
func TestCategories(t *testing.T) {
	t.Parallel()
	f := newFake(t, func(w http.ResponseWriter, r *http.Request) {
		answer(w, 200, `{"transactions":{"booked":[`+
			`{"transactionId":"1","bookingDate":"2026-11-20","transactionAmount":{"currency":"EUR","amount":"3150.00"},"debtorName":"Stadtwerke München GmbH"},`+
			`{"transactionId":"2","bookingDate":"2026-11-21","transactionAmount":{"currency":"EUR","amount":"-42.10"},"creditorName":"REWE Markt"}],`+
			`"_links":{"account":{"href":"/v1/accounts/a1"}}}}`)
	})
	ctx := context.Background()
	filter := banks.TxFilter{AccountID: "a1", Category: "income"}
	if _, err := fakeClient(t, f, berlingroup.Options{}).Transactions(ctx, bob, filter); !errors.Is(err, banks.KindError(banks.NotSupported)) {
		t.Errorf("a Category filter without Categorize: %v", err)
	}
	c := fakeClient(t, f, berlingroup.Options{Categorize: func(t banks.Transaction) string {
		if t.Amount.Minor > 0 {
			return "income"
		}
		return "groceries"
	}})
	txs, err := c.Transactions(ctx, bob, filter)
	if err != nil || len(txs) != 1 || txs[0].ID != "1" || txs[0].Category != "income" {
		t.Errorf("income = %+v, %v", txs, err)
	}
	txs, err = c.Transactions(ctx, bob, banks.TxFilter{AccountID: "a1", Merchant: "rewe"})
	if err != nil || len(txs) != 1 || txs[0].Category != "groceries" {
		t.Errorf("by merchant = %+v, %v", txs, err)
	}
}
