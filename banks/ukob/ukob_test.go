package ukob_test

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"errors"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"github.com/kontoskill/konto/banks"
	"github.com/kontoskill/konto/banks/bankstest"
	"github.com/kontoskill/konto/banks/openapitest"
	"github.com/kontoskill/konto/banks/sandbox"
	"github.com/kontoskill/konto/banks/sandbox/ukobapi"
	"github.com/kontoskill/konto/banks/ukob"
	"github.com/kontoskill/konto/fixtures"
)

const (
	clientID = "konto"
	secret   = "konto-secret"
	callback = "https://konto.example/callback"
)

var (
	clientKey = sync.OnceValue(func() *rsa.PrivateKey { return mustRSA() })
	bankKey   = sync.OnceValue(func() *rsa.PrivateKey { return mustRSA() })
	data      = sync.OnceValues(func() (*sandbox.Data, error) { return sandbox.LoadData(fixtures.FS()) })
)

func mustRSA() *rsa.PrivateKey {
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		panic(err)
	}
	return k
}

// clock is the bank's clock: real time plus what a test skipped.
type clock struct {
	mu   sync.Mutex
	skip time.Duration
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return time.Now().Add(c.skip)
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.skip += d
}

// world is a sandbox bank behind ukobapi, and the connector pointed at
// it; every request and response of the APIs is checked against the
// official spec files on both sides, the bank's handler and the
// connector's transport.
type world struct {
	t      *testing.T
	bank   *sandbox.Bank
	srv    *ukobapi.Server
	url    string
	clock  *clock
	client *ukob.Client

	mu     sync.Mutex
	tokens map[string]oauth2.TokenSource
}

// split sends the API's traffic through the validating transport and
// the OAuth endpoints (outside the specs) straight on.
type split struct{ api, other http.RoundTripper }

func (s split) RoundTrip(r *http.Request) (*http.Response, error) {
	if strings.HasPrefix(r.URL.Path, "/open-banking/") {
		return s.api.RoundTrip(r)
	}
	return s.other.RoundTrip(r)
}

func newWorld(t *testing.T, tweak func(*ukob.Options)) *world {
	t.Helper()
	dir := t.TempDir()
	bank, err := sandbox.Open(filepath.Join(dir, "bank.db"), []byte("ukob-test-secret-0123456789"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { bank.Close() })
	d, err := data()
	if err != nil {
		t.Fatal(err)
	}
	if err := bank.Seed(context.Background(), d, sandbox.SeedOptions{Now: time.Now()}); err != nil {
		t.Fatal(err)
	}
	clk := &clock{}
	srv, err := ukobapi.New(bank, ukobapi.Options{Path: filepath.Join(dir, "ukobapi.db"), Now: clk.Now, SigningKey: bankKey(), Issuer: "sandbox-bank",
		Clients: []ukobapi.Client{{ID: clientID, Secret: secret, Name: "Konto", RedirectURIs: []string{callback}, Key: &clientKey().PublicKey, KeyID: "k1"}}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	serverSide, err := openapitest.New(openapitest.UKAccounts, openapitest.UKPayments)
	if err != nil {
		t.Fatal(err)
	}
	clientSide, err := openapitest.New(openapitest.UKAccounts, openapitest.UKPayments)
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(serverSide.Handler(srv, func(r *http.Request) bool { return !strings.HasPrefix(r.URL.Path, "/open-banking/") }))
	t.Cleanup(ts.Close)
	t.Cleanup(func() {
		for _, v := range serverSide.Violations() {
			t.Errorf("spec violation at the bank: %s", v)
		}
		for _, v := range clientSide.Violations() {
			t.Errorf("spec violation at the connector: %s", v)
		}
	})
	w := &world{t: t, bank: bank, srv: srv, url: ts.URL, clock: clk, tokens: map[string]oauth2.TokenSource{}}
	o := ukob.Options{
		AccountsURL: ts.URL + ukobapi.AccountsBase, PaymentsURL: ts.URL + ukobapi.PaymentsBase,
		TokenURL: ts.URL + "/oauth2/token", AuthorizeURL: ts.URL + "/oauth2/authorize", Audience: "sandbox-bank",
		ClientID: clientID, ClientSecret: secret, RedirectURL: callback,
		SigningKey: clientKey(), KeyID: "k1", BankKey: &bankKey().PublicKey, BankIssuer: "sandbox-bank",
		HTTPClient: &http.Client{Transport: split{api: clientSide.RoundTripper(http.DefaultTransport), other: http.DefaultTransport}},
		Tokens:     w.tokenSource,
		Products:   map[string]banks.ProductSheet{"en-GB": {Bank: "Konto Sandbox Bank", SortCode: "04-00-75", Currency: "GBP"}},
		Now:        clk.Now,
	}
	if tweak != nil {
		tweak(&o)
	}
	if w.client, err = ukob.New(o); err != nil {
		t.Fatal(err)
	}
	return w
}

func (w *world) tokenSource(_ context.Context, u banks.User) (oauth2.TokenSource, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if ts, ok := w.tokens[u.Customer]; ok {
		return ts, nil
	}
	return nil, banks.Errorf("test", banks.NotLinked, "%q has not linked the bank", u.Customer)
}

var (
	csrfField = regexp.MustCompile(`name="csrf" value="([^"]+)"`)
	reqField  = regexp.MustCompile(`name="req" value="([^"]+)"`)
)

// link runs account linking for a customer as the core would: a consent,
// the customer's approval on the bank's page, the code exchange.
func (w *world) link(customer string) banks.User {
	w.t.Helper()
	ctx := context.Background()
	_, authorize, err := w.client.CreateAccountConsent(ctx, "state-"+customer)
	if err != nil {
		w.t.Fatal(err)
	}
	if !strings.Contains(authorize, "request=") {
		w.t.Errorf("the authorisation request is not signed: %s", authorize)
	}
	back := approveOnPage(w.t, authorize, customer, w.bank.Password(customer))
	if back.Query().Get("state") != "state-"+customer {
		w.t.Fatalf("redirect %s", back)
	}
	tok, err := w.client.Exchange(ctx, back.Query().Get("code"))
	if err != nil {
		w.t.Fatal(err)
	}
	w.mu.Lock()
	w.tokens[customer] = w.client.TokenSource(ctx, tok)
	w.mu.Unlock()
	return banks.User{Bank: ukob.Name, Customer: customer, Locale: "en-GB"}
}

// approveOnPage opens the bank's consent page and approves as the customer.
func approveOnPage(t *testing.T, authorize, customer, password string) *url.URL {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	b := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, err := b.Get(authorize)
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(res.Body)
	res.Body.Close()
	csrf, req := csrfField.FindSubmatch(page), reqField.FindSubmatch(page)
	if res.StatusCode != 200 || csrf == nil || req == nil {
		t.Fatalf("consent page: %d %s", res.StatusCode, page)
	}
	u, _ := url.Parse(authorize)
	res, err = b.PostForm(u.Scheme+"://"+u.Host+"/oauth2/authorize", url.Values{"csrf": {string(csrf[1])}, "req": {string(req[1])},
		"customer": {customer}, "password": {password}, "decision": {"approve"}})
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	back, err := url.Parse(res.Header.Get("Location"))
	if err != nil || res.StatusCode != http.StatusSeeOther {
		t.Fatalf("after approval: %d %v", res.StatusCode, err)
	}
	return back
}

// inTheApp is the connector with a customer who approves every payment in
// the bank's app as soon as it waits: what bankstest's payment checks,
// which expect a payment to be made at once, need of a decoupled bank.
type inTheApp struct {
	*ukob.Client
	srv *ukobapi.Server
}

func (a inTheApp) Pay(ctx context.Context, u banks.User, p banks.PaymentRequest) (banks.PaymentResult, error) {
	res, err := a.Client.Pay(ctx, u, p)
	if err != nil || !res.AwaitingApproval {
		return res, err
	}
	pending, err := a.srv.Pending(ctx, u.Customer)
	if err != nil {
		return res, err
	}
	for _, x := range pending {
		if err := a.srv.Decide(ctx, u.Customer, x.ConsentID, true); err != nil {
			return res, err
		}
	}
	return a.Client.Pay(ctx, u, p)
}

func TestConformance(t *testing.T) {
	w := newWorld(t, nil)
	oliver, priya := w.link("oliver"), w.link("priya")
	bankstest.Run(t, bankstest.Subject{Connector: inTheApp{w.client, w.srv}, A: oliver, B: priya})
}

// TestConformanceWithAFrozenAccount runs the suite for priya, whose
// savings the bank froze.
func TestConformanceWithAFrozenAccount(t *testing.T) {
	w := newWorld(t, nil)
	priya, oliver := w.link("priya"), w.link("oliver")
	bankstest.Run(t, bankstest.Subject{Connector: inTheApp{w.client, w.srv}, A: priya, B: oliver, FrozenA: "priya-savings"})
}

func TestDecoupledPayment(t *testing.T) {
	w := newWorld(t, nil)
	ctx := context.Background()
	oliver := w.link("oliver")
	payees, err := w.client.Payees(ctx, oliver)
	if err != nil || len(payees) != 3 || payees[0].Name != "Emily Bennett" || payees[0].LastFour != "5540" {
		t.Fatalf("Payees = %+v, %v", payees, err)
	}
	p := banks.PaymentRequest{Key: "pay-emily-1", FromAccountID: "oliver-checking", PayeeID: payees[0].ID, Amount: banks.Money{Minor: 2500, Currency: "GBP"}}
	before, _ := w.client.Balance(ctx, oliver, "oliver-checking")
	for i := 0; i < 2; i++ {
		res, err := w.client.Pay(ctx, oliver, p)
		if err != nil || !res.AwaitingApproval || res.Reference != "" {
			t.Fatalf("Pay %d before approval = %+v, %v", i+1, res, err)
		}
	}
	pending, err := w.srv.Pending(ctx, "oliver")
	if err != nil || len(pending) != 1 || pending[0].Amount.Minor != 2500 {
		t.Fatalf("Pending = %+v, %v (the same key must make one consent)", pending, err)
	}
	if op, err := w.client.Operation(ctx, oliver, p.Key); err != nil || op.Applied {
		t.Errorf("Operation before approval = %+v, %v", op, err)
	}
	if err := w.srv.Decide(ctx, "oliver", pending[0].ConsentID, true); err != nil {
		t.Fatal(err)
	}
	res, err := w.client.Pay(ctx, oliver, p)
	if err != nil || res.AwaitingApproval || res.Reference == "" {
		t.Fatalf("Pay after approval = %+v, %v", res, err)
	}
	again, err := w.client.Pay(ctx, oliver, p)
	if err != nil || again.Reference != res.Reference {
		t.Errorf("Pay again = %+v, %v; want %s", again, err, res.Reference)
	}
	after, _ := w.client.Balance(ctx, oliver, "oliver-checking")
	if moved := before.Booked.Minor - after.Booked.Minor; moved != 2500 {
		t.Errorf("moved %d, want 2500 once", moved)
	}
	if op, err := w.client.Operation(ctx, oliver, p.Key); err != nil || !op.Applied || op.Reference != res.Reference {
		t.Errorf("Operation = %+v, %v", op, err)
	}

	// Rejected in the app.
	p2 := p
	p2.Key = "pay-emily-2"
	if res, err := w.client.Pay(ctx, oliver, p2); err != nil || !res.AwaitingApproval {
		t.Fatalf("Pay = %+v, %v", res, err)
	}
	pending, _ = w.srv.Pending(ctx, "oliver")
	if err := w.srv.Decide(ctx, "oliver", pending[0].ConsentID, false); err != nil {
		t.Fatal(err)
	}
	_, err = w.client.Pay(ctx, oliver, p2)
	if !errors.Is(err, banks.KindError(banks.Forbidden)) || banks.ReasonOf(err) != "sca_rejected" {
		t.Errorf("Pay after rejection: %v, want sca_rejected", err)
	}

	// Never approved.
	p3 := p
	p3.Key = "pay-emily-3"
	if res, err := w.client.Pay(ctx, oliver, p3); err != nil || !res.AwaitingApproval {
		t.Fatalf("Pay = %+v, %v", res, err)
	}
	w.clock.Advance(11 * time.Minute)
	_, err = w.client.Pay(ctx, oliver, p3)
	if !errors.Is(err, banks.KindError(banks.Forbidden)) || banks.ReasonOf(err) != "sca_expired" {
		t.Errorf("Pay after the window: %v, want sca_expired", err)
	}
	// Billers: the standard has none.
	if b, err := w.client.Billers(ctx, oliver); err != nil || len(b) != 0 {
		t.Errorf("Billers = %v, %v", b, err)
	}
	if _, err := w.client.Pay(ctx, oliver, banks.PaymentRequest{Key: "biller", FromAccountID: "oliver-checking", BillerID: "x",
		Amount: banks.Money{Minor: 100, Currency: "GBP"}}); !errors.Is(err, banks.KindError(banks.NotFound)) {
		t.Errorf("paying a biller: %v", err)
	}
	if _, err := w.client.Pay(ctx, oliver, banks.PaymentRequest{Key: "later", FromAccountID: "oliver-checking", PayeeID: payees[0].ID,
		Amount: banks.Money{Minor: 100, Currency: "GBP"}, Date: time.Now().AddDate(0, 0, 3)}); !errors.Is(err, banks.KindError(banks.NotSupported)) {
		t.Errorf("a scheduled payment: %v", err)
	}
}

func TestLegacySignatures(t *testing.T) {
	w := newWorld(t, func(o *ukob.Options) { o.LegacySignatures = true })
	ctx := context.Background()
	oliver := w.link("oliver")
	res, err := w.client.Pay(ctx, oliver, banks.PaymentRequest{Key: "legacy", FromAccountID: "oliver-checking", ToAccountID: "oliver-savings",
		Amount: banks.Money{Minor: 100, Currency: "GBP"}})
	if err != nil || !res.AwaitingApproval {
		t.Errorf("Pay with b64=false signatures = %+v, %v", res, err)
	}
}

func TestConsentLapses(t *testing.T) {
	w := newWorld(t, func(o *ukob.Options) { o.ConsentLifetime = 30 * time.Minute })
	ctx := context.Background()
	oliver := w.link("oliver")
	if _, err := w.client.Accounts(ctx, oliver); err != nil {
		t.Fatal(err)
	}
	w.clock.Advance(31 * time.Minute)
	if _, err := w.client.Accounts(ctx, oliver); !errors.Is(err, banks.KindError(banks.ConsentExpired)) {
		t.Errorf("Accounts after the consent lapsed: %v, want ConsentExpired", err)
	}
	if _, err := w.client.Accounts(ctx, banks.User{Bank: ukob.Name, Customer: "nobody"}); !errors.Is(err, banks.KindError(banks.NotLinked)) {
		t.Errorf("an unlinked customer: %v", err)
	}
	if _, err := w.client.Exchange(ctx, "not-a-code"); !errors.Is(err, banks.KindError(banks.Invalid)) {
		t.Errorf("a bad code: %v", err)
	}
}

func TestProducts(t *testing.T) {
	w := newWorld(t, nil)
	ctx := context.Background()
	if s, err := w.client.ProductSheet(ctx, "en-GB"); err != nil || s.SortCode != "04-00-75" {
		t.Errorf("ProductSheet(en-GB) = %+v, %v", s, err)
	}
	if _, err := w.client.ProductSheet(ctx, "de-DE"); !errors.Is(err, banks.KindError(banks.NotSupported)) {
		t.Errorf("ProductSheet(de-DE): %v", err)
	}
}
