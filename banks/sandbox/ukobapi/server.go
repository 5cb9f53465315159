// Package ukobapi serves the sandbox bank's customers over UK Open Banking
// Read/Write v3.1 (Account and Transaction, and Payment Initiation for
// domestic payments), with an OAuth 2 authorisation server, a consent page
// and a "bank app" page where customers approve what waits for them
// (decoupled strong customer authentication). It is a stateful test bank
// for the banks/ukob connector and for third-party tools: consents,
// tokens, idempotency keys and payments live in its own SQLite file, and
// money moves through sandbox.Bank.Pay.
//
// Routes (all under the Server, an http.Handler):
//
//	POST /oauth2/token                 client_credentials, authorization_code, refresh_token,
//	                                   urn:openid:params:grant-type:ciba
//	POST /oauth2/bc-authorize          CIBA backchannel authentication (decoupled approval, see ciba.go)
//	GET|POST /oauth2/authorize         the consent page (redirect approval)
//	GET|POST /app/approvals            the bank app (decoupled approval)
//	/open-banking/v3.1/aisp/...        account-access-consents, accounts, balances, transactions,
//	                                   beneficiaries, direct-debits, standing-orders
//	/open-banking/v3.1/pisp/...        domestic-payment-consents (+ funds-confirmation), domestic-payments
package ukobapi

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/kontoskill/konto/banks"
	"github.com/kontoskill/konto/banks/sandbox"
)

// The base paths of the two APIs, as the standard serves them.
const (
	AccountsBase = "/open-banking/v3.1/aisp"
	PaymentsBase = "/open-banking/v3.1/pisp"
)

// Client is a third party (TPP) registered with the bank.
type Client struct {
	ID     string
	Secret string
	// Name is shown to customers on the consent and approval pages.
	Name string
	// RedirectURIs are the only places authorisation codes are sent to.
	RedirectURIs []string
	// Key verifies the client's x-jws-signature headers and signed
	// authorisation requests: an *rsa.PublicKey (PS256) or an
	// *ecdsa.PublicKey on P-256 (ES256).
	Key crypto.PublicKey
	// KeyID, if set, must be the kid of the client's signatures.
	KeyID string
	// Issuer is the http://openbanking.org.uk/iss the client signs
	// with; the client ID if empty.
	Issuer string
}

// Options configure a Server.
type Options struct {
	// Path is the SQLite file of the server's state; empty keeps it in
	// memory (for tests), gone when the Server closes.
	Path string
	// Clients are the registered third parties.
	Clients []Client
	// BaseURL is where the server is reached from outside, such as
	// "https://bank.example"; it prefixes Links. Empty: taken from each
	// request's Host.
	BaseURL string
	// PageSize is the number of transactions a page holds; 50 if zero.
	PageSize int
	// ApprovalWindow is how long a consent waits for the customer's
	// approval before it is rejected as expired; 10 minutes if zero.
	ApprovalWindow time.Duration
	// TokenLifetime is how long an access token lives; an hour if zero.
	TokenLifetime time.Duration
	// SigningKey signs the server's own x-jws-signature headers: an
	// *rsa.PrivateKey (PS256) or an *ecdsa.PrivateKey on P-256 (ES256); a
	// fresh RSA key if nil.
	SigningKey crypto.Signer
	// KeyID is the kid of the server's signatures.
	KeyID string
	// Issuer names the bank: the http://openbanking.org.uk/iss of its
	// signatures and the audience signed authorisation requests must
	// name. Empty: BaseURL, else the base URL of each request.
	Issuer string
	// TrustAnchor is the http://openbanking.org.uk/tan every signature
	// carries; "openbanking.org.uk" if empty.
	TrustAnchor string
	// ErrorNamespace prefixes the bank's own error codes for refused
	// payments, such as "KSBX.Rules.InsufficientFunds"; "KSBX" if empty.
	ErrorNamespace string
	// Now is the server's clock; the bank's, else time.Now, if nil.
	Now func() time.Time
}

// Server is the Open Banking face of a sandbox bank.
type Server struct {
	bank    *sandbox.Bank
	db      *sql.DB
	opts    Options
	clients map[string]*Client
	secret  []byte
	mux     *http.ServeMux
	now     func() time.Time

	closeOnce sync.Once
}

// New opens (creating if needed) the server's state and returns the
// server. The bank must be seeded; New does not change it. Errors: bad
// options (a client without id or secret, an unsupported signing key),
// or a database that cannot be opened.
func New(bank *sandbox.Bank, opts Options) (*Server, error) {
	if bank == nil {
		return nil, errors.New("ukobapi: no bank")
	}
	if opts.PageSize <= 0 {
		opts.PageSize = 50
	}
	if opts.ApprovalWindow <= 0 {
		opts.ApprovalWindow = 10 * time.Minute
	}
	if opts.TokenLifetime <= 0 {
		opts.TokenLifetime = time.Hour
	}
	if opts.TrustAnchor == "" {
		opts.TrustAnchor = "openbanking.org.uk"
	}
	if opts.ErrorNamespace == "" {
		opts.ErrorNamespace = "KSBX"
	}
	opts.BaseURL = strings.TrimRight(opts.BaseURL, "/")
	if opts.SigningKey == nil {
		k, err := rsa.GenerateKey(rand.Reader, 2048)
		if err != nil {
			return nil, fmt.Errorf("ukobapi: signing key: %w", err)
		}
		opts.SigningKey = k
	}
	switch k := opts.SigningKey.(type) {
	case *rsa.PrivateKey:
	case *ecdsa.PrivateKey:
		if k.Curve.Params().Name != "P-256" {
			return nil, errors.New("ukobapi: an ECDSA signing key must be on P-256")
		}
	default:
		return nil, fmt.Errorf("ukobapi: unsupported signing key %T", k)
	}
	s := &Server{bank: bank, opts: opts, clients: map[string]*Client{}}
	s.now = opts.Now
	if s.now == nil {
		s.now = func() time.Time {
			if bank.Now != nil {
				return bank.Now()
			}
			return time.Now()
		}
	}
	for i := range opts.Clients {
		c := opts.Clients[i]
		if c.ID == "" || c.Secret == "" {
			return nil, errors.New("ukobapi: a client needs an ID and a secret")
		}
		if _, dup := s.clients[c.ID]; dup {
			return nil, fmt.Errorf("ukobapi: client %q registered twice", c.ID)
		}
		if c.Issuer == "" {
			c.Issuer = c.ID
		}
		if c.Name == "" {
			c.Name = c.ID
		}
		s.clients[c.ID] = &c
	}
	db, err := openDB(opts.Path)
	if err != nil {
		return nil, err
	}
	s.db = db
	if s.secret, err = s.loadSecret(context.Background()); err != nil {
		db.Close()
		return nil, err
	}
	s.routes()
	return s, nil
}

// openDB opens the state database. An in-memory database lives in one
// connection, so the pool is limited to it.
func openDB(path string) (*sql.DB, error) {
	memory := path == ""
	if memory {
		path = ":memory:"
	}
	db, err := sql.Open("sqlite", sandbox.DSN(path))
	if err != nil {
		return nil, fmt.Errorf("ukobapi: open: %w", err)
	}
	if memory {
		db.SetMaxOpenConns(1)
		db.SetMaxIdleConns(1)
		db.SetConnMaxLifetime(0)
		db.SetConnMaxIdleTime(0)
	}
	if _, err := db.Exec(schema); err != nil {
		db.Close()
		return nil, fmt.Errorf("ukobapi: schema: %w", err)
	}
	return db, nil
}

// Close closes the server's database (not the bank's).
func (s *Server) Close() error {
	var err error
	s.closeOnce.Do(func() { err = s.db.Close() })
	return err
}

const schema = `
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS consents (
	id TEXT PRIMARY KEY,
	kind TEXT NOT NULL,                     -- account or payment
	client_id TEXT NOT NULL,
	customer_id TEXT NOT NULL DEFAULT '',   -- set on approval, or at creation when bound
	bound INTEGER NOT NULL DEFAULT 0,       -- created with the customer's own token (decoupled approval)
	status TEXT NOT NULL,
	reason TEXT NOT NULL DEFAULT '',        -- why it was rejected: rejected, expired
	created_at INTEGER NOT NULL,
	updated_at INTEGER NOT NULL,
	expires_at INTEGER NOT NULL DEFAULT 0,  -- an account consent's ExpirationDateTime
	deadline INTEGER NOT NULL,              -- approval is possible until then
	request TEXT NOT NULL);                 -- Data and Risk as requested, canonical JSON
CREATE INDEX IF NOT EXISTS consents_customer ON consents(customer_id, status);
CREATE TABLE IF NOT EXISTS idempotency (
	client_id TEXT NOT NULL, kind TEXT NOT NULL, key TEXT NOT NULL,
	resource_id TEXT NOT NULL, request_hash BLOB NOT NULL, created_at INTEGER NOT NULL,
	PRIMARY KEY (client_id, kind, key));
CREATE TABLE IF NOT EXISTS grants (
	hash BLOB PRIMARY KEY,                  -- SHA-256 of the code or token
	kind TEXT NOT NULL,                     -- code, access, refresh
	client_id TEXT NOT NULL,
	customer_id TEXT NOT NULL DEFAULT '',
	consent_id TEXT NOT NULL DEFAULT '',
	scope TEXT NOT NULL,
	redirect_uri TEXT NOT NULL DEFAULT '',
	created_at INTEGER NOT NULL,
	expires_at INTEGER NOT NULL,
	used INTEGER NOT NULL DEFAULT 0);
CREATE TABLE IF NOT EXISTS payments (
	id TEXT PRIMARY KEY,
	consent_id TEXT NOT NULL UNIQUE,
	client_id TEXT NOT NULL,
	customer_id TEXT NOT NULL,
	status TEXT NOT NULL,
	created_at INTEGER NOT NULL);
`

// loadSecret returns the key of the server's cookies and page state,
// made once per database so that a restart keeps sign-ins working.
func (s *Server) loadSecret(ctx context.Context) ([]byte, error) {
	fresh := make([]byte, 32)
	rand.Read(fresh)
	if _, err := s.db.ExecContext(ctx, `INSERT INTO meta(key, value) VALUES ('secret', ?) ON CONFLICT (key) DO NOTHING`, fresh); err != nil {
		return nil, fmt.Errorf("ukobapi: secret: %w", err)
	}
	var secret []byte
	if err := s.db.QueryRowContext(ctx, `SELECT value FROM meta WHERE key = 'secret'`).Scan(&secret); err != nil {
		return nil, fmt.Errorf("ukobapi: secret: %w", err)
	}
	return secret, nil
}

func (s *Server) routes() {
	m := http.NewServeMux()
	m.HandleFunc("POST /oauth2/token", s.handleToken)
	m.HandleFunc("POST /oauth2/bc-authorize", s.handleBackchannelAuthorize)
	m.HandleFunc("GET /oauth2/authorize", s.handleAuthorizePage)
	m.HandleFunc("POST /oauth2/authorize", s.handleAuthorizeDecision)
	m.HandleFunc("GET /app/approvals", s.handleApprovalsPage)
	m.HandleFunc("POST /app/approvals", s.handleApprovalsAction)

	a := func(pattern string, h http.HandlerFunc) {
		method, path, _ := strings.Cut(pattern, " ")
		m.HandleFunc(method+" "+AccountsBase+path, s.api(h))
	}
	a("POST /account-access-consents", s.createAccountConsent)
	a("GET /account-access-consents/{ConsentId}", s.getAccountConsent)
	a("DELETE /account-access-consents/{ConsentId}", s.deleteAccountConsent)
	a("GET /accounts", s.getAccounts)
	a("GET /accounts/{AccountId}", s.getAccount)
	a("GET /accounts/{AccountId}/balances", s.getBalances)
	a("GET /accounts/{AccountId}/transactions", s.getTransactions)
	a("GET /accounts/{AccountId}/beneficiaries", s.getBeneficiaries)
	a("GET /beneficiaries", s.getBeneficiaries)
	a("GET /accounts/{AccountId}/direct-debits", s.getDirectDebits)
	a("GET /accounts/{AccountId}/standing-orders", s.getStandingOrders)

	p := func(pattern string, h http.HandlerFunc) {
		method, path, _ := strings.Cut(pattern, " ")
		m.HandleFunc(method+" "+PaymentsBase+path, s.api(h))
	}
	p("POST /domestic-payment-consents", s.createPaymentConsent)
	p("GET /domestic-payment-consents/{ConsentId}", s.getPaymentConsent)
	p("GET /domestic-payment-consents/{ConsentId}/funds-confirmation", s.getFundsConfirmation)
	p("POST /domestic-payments", s.createPayment)
	p("GET /domestic-payments/{DomesticPaymentId}", s.getPayment)
	s.mux = m
}

// ServeHTTP implements http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if strings.HasPrefix(r.URL.Path, "/open-banking/") {
		// Every response of the APIs carries the interaction id, even the
		// mux's own 404 and 405.
		w.Header().Set("x-fapi-interaction-id", interactionID(r))
	}
	s.mux.ServeHTTP(w, r)
}

// api wraps the handlers of the Open Banking APIs.
func (s *Server) api(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "no-store")
		r.Body = http.MaxBytesReader(w, r.Body, 1<<20)
		h(w, r)
	}
}

// interactionID echoes the caller's correlation id, or makes one.
func interactionID(r *http.Request) string {
	if id := r.Header.Get("x-fapi-interaction-id"); id != "" && len(id) <= 128 && !strings.ContainsAny(id, "\r\n") {
		return id
	}
	return newUUID()
}

func newUUID() string {
	b := make([]byte, 16)
	rand.Read(b)
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b)
	return h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}

// randomID is an opaque identifier of n random bytes, hex-encoded, with a prefix.
func randomID(prefix string, n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return prefix + hex.EncodeToString(b)
}

func hash(s string) []byte {
	h := sha256.Sum256([]byte(s))
	return h[:]
}

// user is the bank's view of a customer.
func (s *Server) user(ctx context.Context, customer string) (banks.User, error) {
	c, err := s.bank.FindCustomer(ctx, customer)
	if err != nil {
		return banks.User{}, err
	}
	if c.ID != customer {
		return banks.User{}, banks.Errorf("ukobapi.user", banks.NotFound, "no customer %q", customer)
	}
	return banks.User{Bank: sandbox.Name, Customer: c.ID, Locale: c.Locale}, nil
}

// baseURL is where links point to.
func (s *Server) baseURL(r *http.Request) string {
	if s.opts.BaseURL != "" {
		return s.opts.BaseURL
	}
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host
}

// issuer is the bank's name in signatures and authorisation requests.
func (s *Server) issuer(r *http.Request) string {
	if s.opts.Issuer != "" {
		return s.opts.Issuer
	}
	return s.baseURL(r)
}

func ts(t time.Time) string { return t.UTC().Format(time.RFC3339) }

func unix(t time.Time) int64 { return t.Unix() }

func fromUnix(v int64) time.Time { return time.Unix(v, 0).UTC() }
