package berlingroup_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"regexp"
	"sync"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"github.com/kontoskill/konto/banks"
	"github.com/kontoskill/konto/banks/bankstest"
	"github.com/kontoskill/konto/banks/berlingroup"
	"github.com/kontoskill/konto/banks/openapitest"
	"github.com/kontoskill/konto/banks/sandbox"
	"github.com/kontoskill/konto/banks/sandbox/bgapi"
	"github.com/kontoskill/konto/fixtures"
)

var seededAt = time.Date(2026, 11, 23, 6, 0, 0, 0, time.UTC)

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// world is the sandbox bank served over XS2A by bgapi, with the Berlin
// Group validator on the server's handler and on every client's
// transport; the test fails on any violation either sees.
type world struct {
	t     *testing.T
	bank  *sandbox.Bank
	srv   *bgapi.Server
	ts    *httptest.Server
	clock *clock
	vs    []*openapitest.Validator

	// prefix is the path the bank is served under, behind a proxy that
	// strips it.
	prefix string

	mu       sync.Mutex
	consents map[string]string // customer → consent id
	tokens   map[string]*oauth2.Token
}

func newWorld(t *testing.T, opts bgapi.Options) *world { return newWorldAt(t, opts, "") }

func newWorldAt(t *testing.T, opts bgapi.Options, prefix string) *world {
	t.Helper()
	dir := t.TempDir()
	bank, err := sandbox.Open(filepath.Join(dir, "sandbox.db"), []byte("test-secret-0123456789"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { bank.Close() })
	d, err := sandbox.LoadData(fixtures.FS())
	if err != nil {
		t.Fatal(err)
	}
	if err := bank.Seed(context.Background(), d, sandbox.SeedOptions{Now: seededAt}); err != nil {
		t.Fatal(err)
	}
	w := &world{t: t, bank: bank, clock: &clock{t: seededAt.Add(3 * time.Hour)}, consents: map[string]string{}, tokens: map[string]*oauth2.Token{},
		prefix: prefix}
	bank.Now = w.clock.now
	opts.Now = w.clock.now
	opts.Path = filepath.Join(dir, "bgapi.db")
	var h http.Handler
	w.ts = httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) { h.ServeHTTP(rw, r) }))
	t.Cleanup(w.ts.Close)
	if prefix != "" {
		opts.BaseURL = w.ts.URL + prefix
	}
	if w.srv, err = bgapi.New(bank, opts); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { w.srv.Close() })
	h = w.validator().Handler(w.srv, bgapi.Pages)
	if prefix != "" {
		h = http.StripPrefix(prefix, h)
	}
	t.Cleanup(func() {
		for _, v := range w.vs {
			for _, s := range v.Violations() {
				t.Errorf("OpenAPI violation: %s", s)
			}
		}
	})
	return w
}

func (w *world) validator() *openapitest.Validator {
	v, err := openapitest.New(openapitest.BerlinNG)
	if err != nil {
		w.t.Fatal(err)
	}
	w.vs = append(w.vs, v)
	return v
}

// client is a connector for the world's bank, its transport validated.
func (w *world) client(opts berlingroup.Options) *berlingroup.Client {
	w.t.Helper()
	opts.BaseURL = w.ts.URL + w.prefix
	opts.HTTPClient = &http.Client{Transport: w.validator().RoundTripper(nil)}
	if w.prefix != "" {
		// The validator knows the standard's paths, not a bank's prefix:
		// the server side checks this traffic.
		opts.HTTPClient = &http.Client{}
	}
	if opts.Consents == nil {
		opts.Consents = w.consent
	}
	if opts.PSUIPAddress == "" {
		opts.PSUIPAddress = "192.0.2.10"
	}
	if opts.FrequencyPerDay == 0 {
		opts.FrequencyPerDay = 1000
	}
	if opts.Payees == nil {
		opts.Payees = w.payees
	}
	if opts.Now == nil {
		opts.Now = w.clock.now
	}
	c, err := berlingroup.New(opts)
	if err != nil {
		w.t.Fatal(err)
	}
	return c
}

// consent is the Options.Consents of the tests: what account linking
// would keep.
func (w *world) consent(_ context.Context, u banks.User) (string, *oauth2.Token, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	id, ok := w.consents[u.Customer]
	if !ok {
		return "", nil, banks.Errorf("test.consent", banks.NotLinked, "no consent for %q", u.Customer)
	}
	return id, w.tokens[u.Customer], nil
}

// payees are the sandbox's, with their IBANs: the configuration a bank
// partner would give the connector.
func (w *world) payees(ctx context.Context, u banks.User) ([]berlingroup.Payee, error) {
	rs, err := w.bank.RecipientAccounts(ctx, banks.User{Bank: sandbox.Name, Customer: u.Customer, Locale: u.Locale})
	if err != nil {
		return nil, err
	}
	var out []berlingroup.Payee
	for _, r := range rs {
		if !r.Biller {
			out = append(out, berlingroup.Payee{Payee: banks.Payee{ID: r.ID, Name: r.Name, LastFour: r.LastFour}, IBAN: r.IBAN})
		}
	}
	return out, nil
}

var csrfRE = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// link makes a consent through the connector and approves it as the
// customer at the bank's redirect page, as account linking would.
func (w *world) link(c *berlingroup.Client, customer string) banks.User {
	w.t.Helper()
	ctx := context.Background()
	id, redirect, err := c.CreateConsent(ctx, "192.0.2.10")
	if err != nil || redirect == "" {
		w.t.Fatalf("CreateConsent = %q, %q, %v", id, redirect, err)
	}
	if st, err := c.ConsentStatus(ctx, id); err != nil || st != "received" {
		w.t.Fatalf("ConsentStatus before SCA = %q, %v", st, err)
	}
	jar, _ := cookiejar.New(nil)
	b := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := b.Get(redirect)
	if err != nil {
		w.t.Fatal(err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	m := csrfRE.FindSubmatch(page)
	if m == nil {
		w.t.Fatalf("no form at %s", redirect)
	}
	resp, err = b.PostForm(redirect, url.Values{"csrf": {string(m[1])}, "customer": {customer}, "password": {w.bank.Password(customer)}, "action": {"approve"}})
	if err != nil {
		w.t.Fatal(err)
	}
	resp.Body.Close()
	if st, err := c.ConsentStatus(ctx, id); err != nil || st != "valid" {
		w.t.Fatalf("ConsentStatus after SCA = %q, %v", st, err)
	}
	w.mu.Lock()
	w.consents[customer] = id
	w.mu.Unlock()
	return banks.User{Bank: berlingroup.Name, Customer: customer, Locale: "de-DE"}
}

// approveAll stands in for the customers' banking apps: it approves what
// waits for them until the test ends.
func (w *world) approveAll(customers ...string) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	w.t.Cleanup(func() { cancel(); <-done })
	go func() {
		defer close(done)
		for ctx.Err() == nil {
			for _, c := range customers {
				ps, _ := w.srv.Pending(ctx, c)
				for _, p := range ps {
					w.srv.Decide(ctx, c, p.ID, true)
				}
			}
			time.Sleep(5 * time.Millisecond)
		}
	}()
}

func TestConformance(t *testing.T) {
	w := newWorld(t, bgapi.Options{PageSize: 30})
	c := w.client(berlingroup.Options{ApprovalWait: 5 * time.Second, ApprovalPoll: 10 * time.Millisecond})
	a, b := w.link(c, "jonas"), w.link(c, "lena")
	ctx := context.Background()
	// jonas's credit card is frozen, for the refusal check.
	if err := w.bank.Freeze(ctx, banks.User{Bank: sandbox.Name, Customer: "jonas", Locale: "de-DE"}, "jonas-credit_card", "freeze-card"); err != nil {
		t.Fatal(err)
	}
	accs, err := c.Accounts(ctx, a)
	if err != nil {
		t.Fatal(err)
	}
	frozen := ""
	for _, x := range accs {
		if x.Kind == banks.CreditCard {
			frozen = x.ID
		}
	}
	w.approveAll("jonas", "lena")
	bankstest.Run(t, bankstest.Subject{Connector: c, A: a, B: b, FrozenA: frozen})
}

func TestPayDecoupled(t *testing.T) {
	t.Parallel()
	w := newWorld(t, bgapi.Options{})
	c := w.client(berlingroup.Options{})
	u := w.link(c, "jonas")
	ctx := context.Background()
	accs, err := c.Accounts(ctx, u)
	if err != nil {
		t.Fatal(err)
	}
	checking := accs[0]
	payees, err := c.Payees(ctx, u)
	if err != nil || len(payees) != 3 || payees[0].Name != "Anna Becker" || payees[0].LastFour != "4471" {
		t.Fatalf("Payees = %+v, %v", payees, err)
	}
	booked := func() int64 {
		b, err := c.Balance(ctx, u, checking.ID)
		if err != nil {
			t.Fatal(err)
		}
		return b.Booked.Minor
	}
	before := booked()
	req := banks.PaymentRequest{Key: "pay-anna-1", FromAccountID: checking.ID, PayeeID: payees[0].ID, Amount: banks.Money{Minor: 1999, Currency: "EUR"}}
	r, err := c.Pay(ctx, u, req)
	if err != nil || !r.AwaitingApproval || r.Reference != "" {
		t.Fatalf("first Pay = %+v, %v; want AwaitingApproval", r, err)
	}
	if r, err := c.Pay(ctx, u, req); err != nil || !r.AwaitingApproval {
		t.Errorf("Pay again before approval = %+v, %v", r, err)
	}
	if op, err := c.Operation(ctx, u, req.Key); err != nil || op.Applied {
		t.Errorf("Operation before approval = %+v, %v", op, err)
	}
	if got := booked(); got != before {
		t.Fatalf("money moved before approval")
	}
	ps, err := w.srv.Pending(ctx, "jonas")
	if err != nil || len(ps) != 1 || ps[0].Amount.Minor != 1999 || ps[0].CreditorName != "Anna Becker" {
		t.Fatalf("Pending = %+v, %v", ps, err)
	}
	if err := w.srv.Decide(ctx, "jonas", ps[0].ID, true); err != nil {
		t.Fatal(err)
	}
	r, err = c.Pay(ctx, u, req)
	if err != nil || r.AwaitingApproval || r.Reference != ps[0].Resource || r.Scheduled {
		t.Fatalf("Pay after approval = %+v, %v; want done with reference %s", r, err, ps[0].Resource)
	}
	if got := booked(); got != before-1999 {
		t.Errorf("balance %d → %d", before, got)
	}
	if op, err := c.Operation(ctx, u, req.Key); err != nil || !op.Applied || op.Reference != r.Reference {
		t.Errorf("Operation after approval = %+v, %v", op, err)
	}
	// A new process without the log posts again under the same
	// X-Request-ID and gets the same payment.
	fresh := w.client(berlingroup.Options{})
	r2, err := fresh.Pay(ctx, u, req)
	if err != nil || r2.Reference != r.Reference {
		t.Errorf("Pay from a new client = %+v, %v; want reference %s", r2, err, r.Reference)
	}
	if got := booked(); got != before-1999 {
		t.Errorf("the second client moved money: %d → %d", before, got)
	}

	// A payment for later is scheduled.
	later := banks.PaymentRequest{Key: "pay-later", FromAccountID: checking.ID, ToAccountID: accs[1].ID, Amount: banks.Money{Minor: 100, Currency: "EUR"},
		Date: w.clock.now().AddDate(0, 0, 5)}
	if _, err := c.Pay(ctx, u, later); err != nil {
		t.Fatal(err)
	}
	ps, _ = w.srv.Pending(ctx, "jonas")
	if len(ps) != 1 {
		t.Fatalf("Pending = %+v", ps)
	}
	w.srv.Decide(ctx, "jonas", ps[0].ID, true)
	if r, err := c.Pay(ctx, u, later); err != nil || !r.Scheduled || !r.Date.Equal(later.Date.Truncate(24*time.Hour)) {
		t.Errorf("a scheduled payment = %+v, %v", r, err)
	}
}

func TestPayRefused(t *testing.T) {
	t.Parallel()
	w := newWorld(t, bgapi.Options{})
	c := w.client(berlingroup.Options{})
	u := w.link(c, "lena")
	ctx := context.Background()
	accs, _ := c.Accounts(ctx, u)
	pay := func(key string) banks.PaymentRequest {
		return banks.PaymentRequest{Key: key, FromAccountID: accs[0].ID, ToAccountID: accs[1].ID, Amount: banks.Money{Minor: 500, Currency: "EUR"}}
	}
	decide := func(approve bool) {
		ps, err := w.srv.Pending(ctx, "lena")
		if err != nil || len(ps) != 1 {
			t.Fatalf("Pending = %+v, %v", ps, err)
		}
		if err := w.srv.Decide(ctx, "lena", ps[0].ID, approve); err != nil {
			t.Fatal(err)
		}
	}
	want := func(what string, err error, reason string) {
		t.Helper()
		if !errors.Is(err, banks.KindError(banks.Forbidden)) || banks.ReasonOf(err) != reason {
			t.Errorf("%s: %v (reason %q), want %s", what, err, banks.ReasonOf(err), reason)
		}
	}

	c.Pay(ctx, u, pay("rejected"))
	decide(false)
	_, err := c.Pay(ctx, u, pay("rejected"))
	want("a payment rejected in the app", err, "sca_rejected")
	if op, err := c.Operation(ctx, u, "rejected"); err != nil || op.Applied {
		t.Errorf("Operation(rejected) = %+v, %v", op, err)
	}

	c.Pay(ctx, u, pay("expired"))
	w.clock.add(11 * time.Minute)
	_, err = c.Pay(ctx, u, pay("expired"))
	want("a payment left unapproved", err, "sca_expired")

	big := pay("too-much")
	big.Amount.Minor = 99_999_999
	c.Pay(ctx, u, big)
	decide(true)
	_, err = c.Pay(ctx, u, big)
	want("a payment beyond the balance", err, "insufficient_funds")

	_, err = c.Pay(ctx, u, banks.PaymentRequest{Key: "self", FromAccountID: accs[0].ID, ToAccountID: accs[0].ID, Amount: banks.Money{Minor: 1, Currency: "EUR"}})
	want("a payment to the same account", err, "same_account")
	_, err = c.Pay(ctx, u, banks.PaymentRequest{Key: "past", FromAccountID: accs[0].ID, ToAccountID: accs[1].ID, Amount: banks.Money{Minor: 1, Currency: "EUR"},
		Date: w.clock.now().AddDate(0, 0, -2)})
	want("a payment in the past", err, "date_in_past")
	_, err = c.Pay(ctx, u, banks.PaymentRequest{Key: "nobody", FromAccountID: accs[0].ID, PayeeID: "jonas-payee1", Amount: banks.Money{Minor: 1, Currency: "EUR"}})
	if !errors.Is(err, banks.KindError(banks.NotFound)) {
		t.Errorf("paying jonas's payee as lena: %v", err)
	}
}

func TestConsents(t *testing.T) {
	t.Parallel()
	w := newWorld(t, bgapi.Options{})
	c := w.client(berlingroup.Options{RedirectURI: "https://konto.example/linked"})
	ctx := context.Background()
	u := w.link(c, "jonas")
	if _, err := c.Accounts(ctx, u); err != nil {
		t.Fatal(err)
	}
	id := w.consents["jonas"]
	for i := 0; i < 2; i++ {
		if err := c.RevokeAccess(ctx, u); err != nil {
			t.Fatalf("RevokeAccess (%d): %v", i+1, err)
		}
	}
	if st, err := c.ConsentStatus(ctx, id); err != nil || st != "terminatedByTpp" {
		t.Errorf("ConsentStatus after RevokeAccess = %q, %v", st, err)
	}
	if _, err := c.Accounts(ctx, u); !errors.Is(err, banks.KindError(banks.NotLinked)) {
		t.Errorf("Accounts after RevokeAccess: %v", err)
	}
	if _, err := c.ConsentStatus(ctx, "no-such-consent"); !errors.Is(err, banks.KindError(banks.NotLinked)) {
		t.Errorf("ConsentStatus(unknown): %v", err)
	}
	if _, _, err := c.CreateConsent(ctx, "not an ip"); !errors.Is(err, banks.KindError(banks.Invalid)) {
		t.Errorf("CreateConsent without an IP: %v", err)
	}

	// An expired consent is ConsentExpired; withdrawn by the PSU, NotLinked.
	u = w.link(c, "jonas")
	w.clock.add(181 * 24 * time.Hour)
	if _, err := c.Accounts(ctx, u); !errors.Is(err, banks.KindError(banks.ConsentExpired)) {
		t.Errorf("Accounts after validUntil: %v", err)
	}
	u = w.link(c, "lena")
	if err := w.srv.RevokeConsent(ctx, "lena", w.consents["lena"]); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Balance(ctx, u, "x"); !errors.Is(err, banks.KindError(banks.NotLinked)) {
		t.Errorf("Balance after the PSU withdrew the consent: %v", err)
	}
}

// Reads without the PSU are rationed by the consent; with the PSU present
// (WithPSU) they are not.
func TestFrequencyPerDay(t *testing.T) {
	t.Parallel()
	w := newWorld(t, bgapi.Options{})
	c := w.client(berlingroup.Options{FrequencyPerDay: 2})
	u := w.link(c, "jonas")
	ctx := context.Background()
	accs, err := c.Accounts(ctx, u)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 2; i++ {
		if _, err := c.Balance(ctx, u, accs[0].ID); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := c.Balance(ctx, u, accs[0].ID); !errors.Is(err, banks.KindError(banks.Unavailable)) {
		t.Errorf("a third unattended read: %v, want Unavailable (429 ACCESS_EXCEEDED)", err)
	}
	if _, err := c.Balance(berlingroup.WithPSU(ctx, "198.51.100.7"), u, accs[0].ID); err != nil {
		t.Errorf("an attended read: %v", err)
	}
}

func TestOAuthToken(t *testing.T) {
	t.Parallel()
	w := newWorld(t, bgapi.Options{RequireToken: true})
	c := w.client(berlingroup.Options{})
	u := w.link(c, "jonas")
	ctx := context.Background()
	if _, err := c.Accounts(ctx, u); !errors.Is(err, banks.KindError(banks.NotLinked)) {
		t.Errorf("Accounts without a token: %v", err)
	}
	w.mu.Lock()
	w.tokens["jonas"] = &oauth2.Token{AccessToken: w.bank.Token("jonas"), TokenType: "Bearer"}
	w.mu.Unlock()
	if accs, err := c.Accounts(ctx, u); err != nil || len(accs) != 3 {
		t.Errorf("Accounts with the token = %v, %v", accs, err)
	}
	w.mu.Lock()
	w.tokens["jonas"] = &oauth2.Token{AccessToken: w.bank.Token("lena"), TokenType: "Bearer"}
	w.mu.Unlock()
	if _, err := c.Accounts(ctx, u); !errors.Is(err, banks.KindError(banks.NotLinked)) {
		t.Errorf("Accounts with another customer's token: %v", err)
	}
}

func TestProductSheet(t *testing.T) {
	t.Parallel()
	de := banks.ProductSheet{Bank: "Beispielbank", Currency: "EUR"}
	any := banks.ProductSheet{Bank: "Example Bank"}
	c, err := berlingroup.New(berlingroup.Options{BaseURL: "https://bank.example", Consents: func(context.Context, banks.User) (string, *oauth2.Token, error) {
		return "", nil, nil
	}, Sheets: map[string]banks.ProductSheet{"de-DE": de, "": any}})
	if err != nil {
		t.Fatal(err)
	}
	for locale, want := range map[string]string{"de-DE": "Beispielbank", "de-AT": "Beispielbank", "en-GB": "Example Bank"} {
		if got, err := c.ProductSheet(context.Background(), locale); err != nil || got.Bank != want {
			t.Errorf("ProductSheet(%s) = %+v, %v", locale, got, err)
		}
	}
	none, _ := berlingroup.New(berlingroup.Options{BaseURL: "https://bank.example", Consents: func(context.Context, banks.User) (string, *oauth2.Token, error) {
		return "", nil, nil
	}})
	if _, err := none.ProductSheet(context.Background(), "de-DE"); !errors.Is(err, banks.KindError(banks.NotSupported)) {
		t.Errorf("no sheets: %v", err)
	}
}

func TestNewChecksOptions(t *testing.T) {
	t.Parallel()
	ok := func(context.Context, banks.User) (string, *oauth2.Token, error) { return "", nil, nil }
	for name, o := range map[string]berlingroup.Options{
		"no base URL":  {Consents: ok},
		"ftp":          {BaseURL: "ftp://bank.example", Consents: ok},
		"no consents":  {BaseURL: "https://bank.example"},
		"a bad PSU IP": {BaseURL: "https://bank.example", Consents: ok, PSUIPAddress: "localhost"},
	} {
		if _, err := berlingroup.New(o); err == nil {
			t.Errorf("%s: New accepted %+v", name, o)
		}
	}
}

// A bank served under a path (as most are: /psd2/v1/...) sends links with
// it, which the connector follows.
func TestBehindPathPrefix(t *testing.T) {
	t.Parallel()
	w := newWorldAt(t, bgapi.Options{PageSize: 7}, "/psd2")
	c := w.client(berlingroup.Options{ApprovalWait: 5 * time.Second, ApprovalPoll: 10 * time.Millisecond})
	u := w.link(c, "lena")
	ctx := context.Background()
	accs, err := c.Accounts(ctx, u)
	if err != nil || len(accs) != 3 {
		t.Fatalf("Accounts = %v, %v", accs, err)
	}
	txs, err := c.Transactions(ctx, u, banks.TxFilter{AccountID: accs[0].ID, From: seededAt.AddDate(0, -1, 0)})
	if err != nil || len(txs) < 15 {
		t.Fatalf("Transactions over several pages = %d, %v", len(txs), err)
	}
	w.approveAll("lena")
	r, err := c.Pay(ctx, u, banks.PaymentRequest{Key: "prefix-1", FromAccountID: accs[0].ID, ToAccountID: accs[1].ID, Amount: banks.Money{Minor: 100, Currency: "EUR"}})
	if err != nil || r.Reference == "" {
		t.Errorf("Pay = %+v, %v", r, err)
	}
}
