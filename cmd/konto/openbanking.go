package main

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"html"
	"io"
	"io/fs"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/kontoskill/konto/banks"
	"github.com/kontoskill/konto/banks/berlingroup"
	"github.com/kontoskill/konto/banks/sandbox"
	"github.com/kontoskill/konto/banks/sandbox/bgapi"
	"github.com/kontoskill/konto/banks/sandbox/ukobapi"
	"github.com/kontoskill/konto/banks/ukob"
	"github.com/kontoskill/konto/fixtures"
)

// The Konto open-banking sandbox (`konto sandbox openbanking`): the data
// directory's sandbox bank over UK Open Banking v3.1 (ukobapi, at the
// root) and Berlin Group NextGenPSD2 1.3 (bgapi, under /psd2) on one
// listener, so that the connectors, `konto banks verify` and third-party
// tools can be tried against real standards with the demo customers.

const (
	obAddr = "127.0.0.1:8090"
	// obPrefix is the path the Berlin Group API is served under.
	obPrefix = "/psd2"
	// The UK side's one registered client, the connector's credentials
	// for it (made once per data directory) and its state.
	obClientID    = "konto"
	obKeyID       = "konto-sandbox-signing-key"
	obSecretFile  = "ukob-client-secret"
	obKeyFile     = "ukob-signing-key.pem"
	obUKDB        = "ukob.db"
	obXS2ADB      = "xs2a.db"
	obPSUIP       = "127.0.0.1"
	obRedirectURL = "http://localhost:8080/oauth/bank/callback" // Konto's account-linking callback (serve --public-url http://localhost:8080)
)

// obClient is the connector's registration at the UK side.
type obClient struct {
	secret              string
	key                 crypto.Signer
	secretPath, keyPath string
}

// obClientOf reads the client secret and signing key of the data
// directory, making them (0600) on first use.
func obClientOf(dir string) (obClient, error) {
	c := obClient{secretPath: filepath.Join(dir, obSecretFile), keyPath: filepath.Join(dir, obKeyFile)}
	b, err := readOrCreate(c.secretPath, func() ([]byte, error) {
		r := make([]byte, 32)
		if _, err := rand.Read(r); err != nil {
			return nil, err
		}
		return []byte(hex.EncodeToString(r) + "\n"), nil
	})
	if err != nil {
		return c, fmt.Errorf("open-banking client secret: %w", err)
	}
	c.secret = strings.TrimSpace(string(b))
	if _, err := readOrCreate(c.keyPath, func() ([]byte, error) {
		k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			return nil, err
		}
		der, err := x509.MarshalPKCS8PrivateKey(k)
		if err != nil {
			return nil, err
		}
		return pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), nil
	}); err != nil {
		return c, fmt.Errorf("open-banking signing key: %w", err)
	}
	if c.key, err = readSigningKey(c.keyPath); err != nil {
		return c, fmt.Errorf("open-banking signing key %s: %w", c.keyPath, err)
	}
	return c, nil
}

// readOrCreate reads a file, writing it first (0600) with make's bytes
// when it does not exist. Two processes starting at once keep the first's.
func readOrCreate(path string, make func() ([]byte, error)) ([]byte, error) {
	b, err := os.ReadFile(path)
	if !errors.Is(err, fs.ErrNotExist) {
		return b, err
	}
	b, err = make()
	if err != nil {
		return nil, err
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, fs.ErrExist) {
		return os.ReadFile(path)
	}
	if err != nil {
		return nil, err
	}
	if _, err := f.Write(b); err != nil {
		f.Close()
		return nil, err
	}
	return b, f.Close()
}

// obServers opens the two faces of the sandbox bank on their state files
// in the data directory; base is where they are reached ("" for a
// process that only decides approvals).
func obServers(a *app, base string, cl obClient) (*ukobapi.Server, *bgapi.Server, error) {
	for _, db := range []string{obUKDB, obXS2ADB} {
		// Made 0600 before SQLite opens it, so its -wal and -shm are too.
		f, err := os.OpenFile(filepath.Join(a.dir, db), os.O_RDONLY|os.O_CREATE, 0o600)
		if err != nil {
			return nil, nil, fmt.Errorf("data directory: %w", err)
		}
		f.Close()
	}
	// The bank's own signatures: a fresh key per process is enough for a
	// sandbox whose clients do not pin it.
	bankKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, nil, err
	}
	uk, err := ukobapi.New(a.bank, ukobapi.Options{Path: filepath.Join(a.dir, obUKDB), BaseURL: base, SigningKey: bankKey,
		Clients: []ukobapi.Client{{ID: obClientID, Secret: cl.secret, Name: "Konto", RedirectURIs: []string{obRedirectURL},
			Key: cl.key.Public(), KeyID: obKeyID}}})
	if err != nil {
		return nil, nil, err
	}
	bgBase := ""
	if base != "" {
		bgBase = base + obPrefix
	}
	// Page sessions outlive a restart: their key derives from the data
	// directory's secret.
	m := hmac.New(sha256.New, a.secret)
	m.Write([]byte("konto-xs2a-pages"))
	bg, err := bgapi.New(a.bank, bgapi.Options{Path: filepath.Join(a.dir, obXS2ADB), BaseURL: bgBase, Secret: m.Sum(nil)})
	if err != nil {
		uk.Close()
		return nil, nil, err
	}
	return uk, bg, nil
}

// obHandler puts both on one listener: Berlin Group under /psd2, UK Open
// Banking at the root.
func obHandler(uk, bg http.Handler) http.Handler {
	mux := http.NewServeMux()
	mux.Handle(obPrefix+"/", http.StripPrefix(obPrefix, bg))
	mux.Handle("/", uk)
	return mux
}

// runOpenBanking is `konto sandbox openbanking`.
func runOpenBanking(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	cfg, err := parseConfig("sandbox openbanking", args, getenv, stderr, "addr", "data", "print-banks")
	if err != nil {
		return err
	}
	addr := cfg.Addr
	if !cfg.addrSet {
		addr = obAddr
	}
	a, created, err := openApp(ctx, cfg.Data)
	if err != nil {
		return err
	}
	defer a.Close()
	cl, err := obClientOf(a.dir)
	if err != nil {
		return err
	}
	if cfg.PrintBanks {
		return printOpenBankingBanks(ctx, stdout, a, "http://"+addr, cl)
	}
	if created {
		fmt.Fprintf(stdout, "Created %s with a freshly seeded sandbox bank.\n", cfg.Data)
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	base := "http://" + ln.Addr().String()
	uk, bg, err := obServers(a, base, cl)
	if err != nil {
		ln.Close()
		return err
	}
	defer uk.Close()
	defer bg.Close()
	srv := &http.Server{Handler: obHandler(uk, bg), ReadHeaderTimeout: 5 * time.Second, ReadTimeout: 10 * time.Second,
		WriteTimeout: 15 * time.Second, IdleTimeout: 60 * time.Second, MaxHeaderBytes: 64 << 10}
	if err := printOpenBankingBanner(ctx, stdout, a, cfg.Data, base); err != nil {
		ln.Close()
		return err
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		return err
	}
	if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	fmt.Fprintln(stdout, "The open-banking sandbox has stopped.")
	return nil
}

// demoCustomers are the demo customers of a locale.
func demoCustomers(ctx context.Context, bank *sandbox.Bank, locale string) ([]sandbox.Customer, error) {
	all, err := bank.Customers(ctx, true)
	if err != nil {
		return nil, err
	}
	var out []sandbox.Customer
	for _, c := range all {
		if c.Locale == locale {
			out = append(out, c)
		}
	}
	return out, nil
}

func printOpenBankingBanner(ctx context.Context, w io.Writer, a *app, data, base string) error {
	fmt.Fprintf(w, "Konto open-banking sandbox listening on %s\n", base)
	for _, s := range []struct{ title, locale, lines string }{
		{"UK Open Banking v3.1", "en-GB", "  Accounts: " + base + ukobapi.AccountsBase + "   Payments: " + base + ukobapi.PaymentsBase + "\n" +
			"  OAuth 2:  " + base + "/oauth2/token, " + base + "/oauth2/authorize (client " + obClientID + ")\n" +
			"  Bank app: " + base + "/app/approvals"},
		{"Berlin Group NextGenPSD2 1.3", "de-DE", "  XS2A:     " + base + obPrefix + "/v1/...\n" +
			"  Bank app: " + base + obPrefix + "/app/approvals"},
	} {
		cs, err := demoCustomers(ctx, a.bank, s.locale)
		if err != nil {
			return err
		}
		fmt.Fprintf(w, "%s\n%s\n  Demo customers (%s):", s.title, s.lines, s.locale)
		for _, c := range cs {
			fmt.Fprintf(w, " %s (%s, password %s)", c.ID, c.Name, a.bank.Password(c.ID))
		}
		fmt.Fprintln(w)
	}
	addr := ""
	if hostPort := strings.TrimPrefix(base, "http://"); hostPort != obAddr {
		addr = " --addr " + hostPort
	}
	fmt.Fprintf(w, "Banks file for Konto: go run ./cmd/konto sandbox openbanking --print-banks --data %s%s > konto-banks.yaml\n", data, addr)
	fmt.Fprintf(w, "Approve payments as a customer (oliver, priya, jonas or lena): go run ./cmd/konto sandbox approve --customer oliver --data %s\n", data)
	fmt.Fprintln(w, "Stop with Ctrl-C (or SIGTERM): requests in flight finish first.")
	return nil
}

// printOpenBankingBanks writes a banks file with the sandbox's two banks
// at base: ukbank over UK Open Banking and debank over Berlin Group.
func printOpenBankingBanks(ctx context.Context, w io.Writer, a *app, base string, cl obClient) error {
	uk, err := sandbox.LoadProductSheet(fixtures.FS(), "en-GB")
	if err != nil {
		return err
	}
	de, err := sandbox.LoadProductSheet(fixtures.FS(), "de-DE")
	if err != nil {
		return err
	}
	secretPath, err := filepath.Abs(cl.secretPath)
	if err != nil {
		return err
	}
	keyPath, err := filepath.Abs(cl.keyPath)
	if err != nil {
		return err
	}
	var payees []payeeEntry
	germans, err := demoCustomers(ctx, a.bank, "de-DE")
	if err != nil {
		return err
	}
	for _, c := range germans {
		rs, err := a.bank.RecipientAccounts(ctx, banks.User{Bank: sandbox.Name, Customer: c.ID, Locale: c.Locale})
		if err != nil {
			return err
		}
		for _, r := range rs {
			if !r.Biller {
				payees = append(payees, payeeEntry{ID: r.ID, Name: r.Name, IBAN: r.IBAN, Customer: c.ID})
			}
		}
	}
	file := struct {
		Banks []bankEntry `yaml:"banks"`
	}{Banks: []bankEntry{{
		ID: "ukbank", Name: "Konto Sandbox Bank (UK Open Banking)", Standard: standardUKOB, Locale: "en-GB",
		AISURL: base + ukobapi.AccountsBase, PISURL: base + ukobapi.PaymentsBase,
		TokenURL: base + "/oauth2/token", AuthorizeURL: base + "/oauth2/authorize", RedirectURL: obRedirectURL,
		ClientID: obClientID, ClientSecretFile: secretPath, SigningKeyFile: keyPath, SigningKeyID: obKeyID,
		ConsentDays: 90, Products: &uk,
	}, {
		ID: "debank", Name: "Konto Sandbox Bank (Berlin Group)", Standard: standardBerlinGroup, Locale: "de-DE",
		BaseURL: base + obPrefix, RedirectURL: obRedirectURL, PSUIPAddress: obPSUIP, ConsentDays: 180, Payees: payees, Products: &de,
	}}}
	fmt.Fprintf(w, "# Konto's banks file for the open-banking sandbox at %s (konto sandbox openbanking).\n", base)
	fmt.Fprintf(w, "# Try it: go run ./cmd/konto banks verify --banks FILE --bank ukbank --customer oliver\n")
	enc := yaml.NewEncoder(w)
	enc.SetIndent(2)
	if err := enc.Encode(file); err != nil {
		return err
	}
	return enc.Close()
}

// runApprove is `konto sandbox approve`: what the demo customer would do
// in the bank's app, for everything waiting in both standards. The
// running sandbox's state files are opened too; SQLite serialises the two
// processes.
func runApprove(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	cfg, err := parseConfig("sandbox approve", args, getenv, stderr, "data", "customer", "reject")
	if err != nil {
		return err
	}
	if cfg.Customer == "" {
		return errors.New("sandbox approve: --customer NAME is required")
	}
	a, c, err := openCustomer(ctx, cfg.Data, cfg.Customer)
	if err != nil {
		return err
	}
	defer a.Close()
	cl, err := obClientOf(a.dir)
	if err != nil {
		return err
	}
	uk, bg, err := obServers(a, "", cl)
	if err != nil {
		return err
	}
	defer uk.Close()
	defer bg.Close()
	verb := "Approved"
	if cfg.Reject {
		verb = "Rejected"
	}
	decided, failed := 0, 0
	report := func(what string, err error) {
		if err != nil {
			failed++
			fmt.Fprintf(stdout, "Could not decide %s: %v\n", what, err)
			return
		}
		decided++
		fmt.Fprintf(stdout, "%s %s\n", verb, what)
	}
	ukPending, err := uk.Pending(ctx, c.ID)
	if err != nil {
		return err
	}
	for _, p := range ukPending {
		what := fmt.Sprintf("UK Open Banking access for %s (consent %s)", p.Client, p.ConsentID)
		if p.Kind == "payment" {
			to := p.Creditor
			if p.CreditorAccount != "" {
				to += ", account ending " + p.CreditorAccount
			}
			what = fmt.Sprintf("UK Open Banking payment of %s to %s from %s for %s (consent %s)", p.Amount, to, cmpOr(p.FromAccountID, "?"),
				p.Client, p.ConsentID)
		}
		report(what, uk.Decide(ctx, c.ID, p.ConsentID, !cfg.Reject))
	}
	bgPending, err := bg.Pending(ctx, c.ID)
	if err != nil {
		return err
	}
	for _, p := range bgPending {
		report(fmt.Sprintf("Berlin Group %s %s: %s", p.Kind, p.Resource, p.Summary), bg.Decide(ctx, c.ID, p.ID, !cfg.Reject))
	}
	if decided == 0 && failed == 0 {
		fmt.Fprintf(stdout, "nothing waits for %s\n", cfg.Customer)
	}
	if failed > 0 {
		return fmt.Errorf("sandbox approve: %d of %d could not be decided", failed, failed+decided)
	}
	return nil
}

// sandboxLink is a demo customer linked to one of the open-banking
// sandbox's banks by verify: the connector, the user, how to approve a
// payment in the bank's app, and how to end the consent afterwards.
type sandboxLink struct {
	conn    banks.Connector
	user    banks.User
	approve func(ctx context.Context, p banks.PaymentRequest, to banks.Payee) error
	unlink  func()
}

// sandboxPassword finds a demo customer and their password in the data
// directory the open-banking sandbox runs on.
func sandboxPassword(ctx context.Context, dir, name string) (id, password string, err error) {
	if _, err := os.Stat(filepath.Join(dir, "secret.key")); err != nil {
		return "", "", fmt.Errorf("--data %s holds no sandbox bank (it is where `konto sandbox openbanking` keeps its data): %w", dir, err)
	}
	a, c, err := openCustomer(ctx, dir, name)
	if err != nil {
		return "", "", err
	}
	defer a.Close()
	return c.ID, a.bank.Password(c.ID), nil
}

// linkSandboxCustomer runs account linking as a demo customer of the
// open-banking sandbox would: a consent, the customer's approval on the
// bank's page, then the code exchange (UK) or the consent's status
// turning valid (Berlin Group).
func linkSandboxCustomer(ctx context.Context, b bankConfig, data, name string, stderr io.Writer) (*sandboxLink, error) {
	id, password, err := sandboxPassword(ctx, data, name)
	if err != nil {
		return nil, err
	}
	held := &oneGrant{}
	conn, err := b.connector(connectorDeps{Grants: held.get})
	if err != nil {
		return nil, err
	}
	l := &sandboxLink{conn: conn, user: banks.User{Bank: b.ID, Customer: id, Locale: b.Locale}}
	br := newPageClient()
	switch c := conn.(type) {
	case *ukob.Client:
		state := hex.EncodeToString(randomBytes(12))
		consentID, authorize, err := c.CreateAccountConsent(ctx, state)
		if err != nil {
			return nil, fmt.Errorf("bank %q: account-access consent: %w", b.ID, err)
		}
		back, err := br.decide(ctx, authorize, id, password, "decision")
		if err != nil {
			return nil, fmt.Errorf("bank %q: approving the consent as %s: %w", b.ID, id, err)
		}
		q := back.Query()
		if q.Get("code") == "" || q.Get("state") != state {
			return nil, fmt.Errorf("bank %q: the consent page sent back no code: %s %s", b.ID, q.Get("error"), q.Get("error_description"))
		}
		tok, err := c.Exchange(ctx, q.Get("code"))
		if err != nil {
			return nil, fmt.Errorf("bank %q: exchanging the code: %w", b.ID, err)
		}
		held.set(id, Grant{Token: tok})
		u, _ := url.Parse(b.AuthorizeURL)
		l.approve = approveInApp(u.Scheme+"://"+u.Host+"/app/approvals", id, password)
		l.unlink = func() {
			if err := c.RevokeAccountConsent(context.WithoutCancel(ctx), consentID); err != nil {
				fmt.Fprintf(stderr, "konto: ending the account-access consent %s: %v\n", consentID, err)
			}
		}
	case *berlingroup.Client:
		consentID, redirect, err := c.CreateConsent(ctx, b.PSUIPAddress)
		if err != nil {
			return nil, fmt.Errorf("bank %q: consent: %w", b.ID, err)
		}
		if redirect == "" {
			return nil, fmt.Errorf("bank %q: the consent came without a redirect to approve it on", b.ID)
		}
		if _, err := br.decide(ctx, redirect, id, password, "action"); err != nil {
			return nil, fmt.Errorf("bank %q: approving the consent as %s: %w", b.ID, id, err)
		}
		for deadline := time.Now().Add(15 * time.Second); ; {
			st, err := c.ConsentStatus(ctx, consentID)
			if err != nil {
				return nil, fmt.Errorf("bank %q: consent status: %w", b.ID, err)
			}
			if st == "valid" {
				break
			}
			if st != "received" && st != "partiallyAuthorised" || time.Now().After(deadline) {
				return nil, fmt.Errorf("bank %q: the consent is %s after its approval", b.ID, st)
			}
			time.Sleep(100 * time.Millisecond)
		}
		held.set(id, Grant{ConsentID: consentID})
		l.approve = approveInApp(strings.TrimRight(b.BaseURL, "/")+"/app/approvals", id, password)
		l.unlink = func() {
			if err := c.DeleteConsent(context.WithoutCancel(ctx), consentID); err != nil {
				fmt.Fprintf(stderr, "konto: ending the consent %s: %v\n", consentID, err)
			}
		}
	default:
		return nil, fmt.Errorf("bank %q: --customer links demo customers of the open-banking sandbox (standards ukob and berlingroup)", b.ID)
	}
	return l, nil
}

func randomBytes(n int) []byte {
	b := make([]byte, n)
	rand.Read(b)
	return b
}

// approveInApp approves a payment in the sandbox's bank app as the
// customer: sign in, find what waits for that amount and payee, approve.
func approveInApp(appURL, customer, password string) func(ctx context.Context, p banks.PaymentRequest, to banks.Payee) error {
	return func(ctx context.Context, p banks.PaymentRequest, to banks.Payee) error {
		br := newPageClient()
		page, at, err := br.get(ctx, appURL)
		if err != nil {
			return err
		}
		var signin *pageForm
		for _, f := range pageForms(page, at) {
			if f.fields.Get("action") == "signin" || f.has("action", "signin") {
				signin = &f
				break
			}
		}
		if signin == nil {
			return fmt.Errorf("the bank app at %s shows no sign-in form", appURL)
		}
		res, err := br.post(ctx, *signin, url.Values{"customer": {customer}, "password": {password}, "action": {"signin"}})
		if err != nil {
			return err
		}
		if res.status != http.StatusSeeOther {
			return fmt.Errorf("signing in to the bank app as %s: %s", customer, alertOf(res.body))
		}
		amount := regexp.MustCompile(`(^|[^0-9.,])` + regexp.QuoteMeta(p.Amount.Decimal()) + `([^0-9]|$)`)
		for deadline := time.Now().Add(10 * time.Second); ; {
			page, at, err := br.get(ctx, appURL)
			if err != nil {
				return err
			}
			approved, problem := 0, ""
			for _, f := range pageForms(page, at) {
				if !f.has("action", "approve") || !strings.Contains(f.text, to.Name) || !amount.MatchString(f.text) {
					continue
				}
				res, err := br.post(ctx, f, url.Values{"action": {"approve"}})
				if err != nil {
					return err
				}
				if res.status != http.StatusSeeOther {
					problem = alertOf(res.body)
					continue
				}
				approved++
			}
			switch {
			case approved > 0:
				return nil
			case problem != "":
				return fmt.Errorf("the bank app refused the approval: %s", problem)
			case time.Now().After(deadline):
				return fmt.Errorf("nothing waits in the bank app for a payment of %s to %s", p.Amount, to.Name)
			}
			time.Sleep(200 * time.Millisecond)
		}
	}
}

// pageClient is a customer's browser on the sandbox's pages: cookies,
// and redirects not followed (they lead to Konto's callback).
type pageClient struct{ c *http.Client }

func newPageClient() *pageClient {
	jar, _ := cookiejar.New(nil)
	return &pageClient{c: &http.Client{Jar: jar, Timeout: 15 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

type pageResponse struct {
	status   int
	location *url.URL
	body     []byte
}

func (b *pageClient) get(ctx context.Context, target string) ([]byte, *url.URL, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, target, nil)
	if err != nil {
		return nil, nil, err
	}
	res, err := b.c.Do(req)
	if err != nil {
		return nil, nil, err
	}
	defer res.Body.Close()
	body, err := io.ReadAll(io.LimitReader(res.Body, 1<<20))
	if err != nil {
		return nil, nil, err
	}
	if res.StatusCode != http.StatusOK {
		return nil, nil, fmt.Errorf("GET %s: %s: %s", req.URL.Path, res.Status, alertOf(body))
	}
	return body, req.URL, nil
}

func (b *pageClient) post(ctx context.Context, f pageForm, extra url.Values) (pageResponse, error) {
	form := url.Values{}
	for k, v := range f.fields {
		form[k] = v
	}
	for k, v := range extra {
		form[k] = v
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, f.action, strings.NewReader(form.Encode()))
	if err != nil {
		return pageResponse{}, err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	res, err := b.c.Do(req)
	if err != nil {
		return pageResponse{}, err
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(res.Body, 1<<20))
	out := pageResponse{status: res.StatusCode, body: body}
	if loc := res.Header.Get("Location"); loc != "" {
		out.location, _ = req.URL.Parse(loc)
	}
	return out, nil
}

// decide approves on a consent page (UK /oauth2/authorize, Berlin Group
// /sca/...) as the customer; button is the name of the page's decision
// buttons. It returns where the page sent the browser (nil if nowhere).
func (b *pageClient) decide(ctx context.Context, pageURL, customer, password, button string) (*url.URL, error) {
	page, at, err := b.get(ctx, pageURL)
	if err != nil {
		return nil, err
	}
	for _, f := range pageForms(page, at) {
		if !f.has(button, "approve") {
			continue
		}
		res, err := b.post(ctx, f, url.Values{"customer": {customer}, "password": {password}, button: {"approve"}})
		if err != nil {
			return nil, err
		}
		if res.status == http.StatusSeeOther && res.location != nil {
			return res.location, nil
		}
		if res.status != http.StatusOK || alertRE.Match(res.body) {
			return nil, fmt.Errorf("the page answered %d: %s", res.status, alertOf(res.body))
		}
		return nil, nil
	}
	return nil, fmt.Errorf("the page at %s has no approval form: %s", at.Path, alertOf(page))
}

// pageForm is a form on one of the sandbox's pages.
type pageForm struct {
	action string     // where it posts, absolute
	text   string     // the page's words between the previous form and this one
	fields url.Values // its hidden inputs
	button url.Values // its submit buttons' names and values
}

func (f pageForm) has(name, value string) bool {
	for _, v := range f.button[name] {
		if v == value {
			return true
		}
	}
	return false
}

var (
	formRE   = regexp.MustCompile(`(?s)<form\b([^>]*)>(.*?)</form>`)
	inputRE  = regexp.MustCompile(`<input\b[^>]*>`)
	buttonRE = regexp.MustCompile(`<button\b[^>]*>`)
	tagRE    = regexp.MustCompile(`<[^>]*>`)
	spaceRE  = regexp.MustCompile(`\s+`)
	alertRE  = regexp.MustCompile(`(?s)role="alert"[^>]*>(.*?)</(p|div)>`)
)

func attr(tag, name string) (string, bool) {
	m := regexp.MustCompile(`\b` + name + `="([^"]*)"`).FindStringSubmatch(tag)
	if m == nil {
		return "", false
	}
	return html.UnescapeString(m[1]), true
}

// pageForms reads the forms of a page the sandbox rendered (its own
// templates, so a few patterns do).
func pageForms(page []byte, at *url.URL) []pageForm {
	var out []pageForm
	prev := 0
	s := string(page)
	for _, m := range formRE.FindAllStringSubmatchIndex(s, -1) {
		f := pageForm{action: at.String(), fields: url.Values{}, button: url.Values{}}
		f.text = strings.TrimSpace(spaceRE.ReplaceAllString(html.UnescapeString(tagRE.ReplaceAllString(s[prev:m[0]], " ")), " "))
		prev = m[1]
		if a, ok := attr(s[m[2]:m[3]], "action"); ok && a != "" {
			if u, err := at.Parse(a); err == nil {
				f.action = u.String()
			}
		}
		inner := s[m[4]:m[5]]
		for _, in := range inputRE.FindAllString(inner, -1) {
			if t, _ := attr(in, "type"); t != "hidden" {
				continue
			}
			name, _ := attr(in, "name")
			value, _ := attr(in, "value")
			f.fields.Add(name, value)
		}
		for _, b := range buttonRE.FindAllString(inner, -1) {
			if name, ok := attr(b, "name"); ok {
				value, _ := attr(b, "value")
				f.button.Add(name, value)
			}
		}
		out = append(out, f)
	}
	return out
}

// alertOf is the error a page shows, for error messages.
func alertOf(page []byte) string {
	if m := alertRE.FindSubmatch(page); m != nil {
		return strings.TrimSpace(html.UnescapeString(tagRE.ReplaceAllString(string(m[1]), "")))
	}
	return "(no message on the page)"
}
