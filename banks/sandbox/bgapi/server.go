// Package bgapi serves the sandbox bank's customers over the Berlin Group
// NextGenPSD2 XS2A 1.3 interface (paths /v1/...): consents with redirect
// or decoupled strong customer authentication, account information
// (accounts, balances, paged transactions) and SEPA credit transfers.
// It is stateful: consents, payments, authorisations and daily access
// counts live in its own SQLite file, apart from the bank's.
//
// What a real bank would also do and this one does not: check the TPP's
// eIDAS certificate (mTLS) and HTTP signatures, the embedded SCA
// approach, card accounts, bulk and periodic payments, signing baskets,
// confirmation of funds and payment cancellation.
//
// Authentication of the TPP's calls: Consent-ID alone identifies the
// customer, as at many BG banks. With Options.RequireToken the AIS and PIS
// calls also need "Authorization: Bearer" with the customer's sandbox
// access token (sandbox.Bank.Token); a token, when sent, is always checked.
package bgapi

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/kontoskill/konto/banks"
	"github.com/kontoskill/konto/banks/sandbox"
)

// Options configure a Server. The zero value works: state in memory,
// links relative to the request's host.
type Options struct {
	// Path is the SQLite file of the server's state. Empty keeps the
	// state in memory (one connection), for tests.
	Path string
	// BaseURL is where the server is reached from outside, such as
	// "https://bank.example"; links and the redirect page use it. Empty
	// takes the scheme and host of each request.
	BaseURL string
	// Now is the server's clock; time.Now if nil.
	Now func() time.Time
	// Secret keys the anti-forgery tokens and app sessions of the HTML
	// pages. Empty draws a random one (sessions end with the process).
	Secret []byte
	// PageSize is how many transactions a page holds unless the request
	// asks (itemsPerPage); 50 if zero.
	PageSize int
	// MaxConsentDays caps a consent's validUntil; 180 if zero (EU
	// 2022/2360).
	MaxConsentDays int
	// SCATimeout is how long a consent or payment waits for its
	// authorisation before it lapses; 10 minutes if zero.
	SCATimeout time.Duration
	// RequireToken makes AIS and PIS calls need the customer's sandbox
	// access token as a Bearer token.
	RequireToken bool
}

// Server is the XS2A face of a sandbox bank. It is an http.Handler.
type Server struct {
	bank *sandbox.Bank
	db   *sql.DB
	opts Options
	mux  *http.ServeMux

	// prefix is the path of Options.BaseURL: links carry it, for a
	// server behind a proxy that strips it.
	prefix string
	users  sync.Map // customer id → banks.User

	mu       sync.Mutex
	failures map[string]failure // app sign-in attempts by customer
}

type failure struct {
	n     int
	until time.Time
}

// New returns a server for the bank, creating its state file if needed.
func New(bank *sandbox.Bank, opts Options) (*Server, error) {
	if bank == nil {
		return nil, errors.New("bgapi: no bank")
	}
	if opts.PageSize <= 0 {
		opts.PageSize = 50
	}
	if opts.MaxConsentDays <= 0 {
		opts.MaxConsentDays = 180
	}
	if opts.SCATimeout <= 0 {
		opts.SCATimeout = 10 * time.Minute
	}
	if len(opts.Secret) == 0 {
		opts.Secret = make([]byte, 32)
		rand.Read(opts.Secret)
	}
	opts.BaseURL = strings.TrimRight(opts.BaseURL, "/")
	prefix := ""
	if opts.BaseURL != "" {
		u, err := url.Parse(opts.BaseURL)
		if err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") {
			return nil, fmt.Errorf("bgapi: BaseURL %q is not an http(s) URL", opts.BaseURL)
		}
		prefix = strings.TrimRight(u.Path, "/")
		opts.BaseURL = u.Scheme + "://" + u.Host
	}
	var db *sql.DB
	var err error
	if opts.Path == "" {
		// One connection keeps one in-memory database for the pool.
		db, err = sql.Open("sqlite", "file::memory:?_pragma=foreign_keys(1)&_txlock=immediate")
		if err == nil {
			db.SetMaxOpenConns(1)
			db.SetMaxIdleConns(1)
			db.SetConnMaxLifetime(0)
			db.SetConnMaxIdleTime(0)
		}
	} else {
		db, err = sql.Open("sqlite", sandbox.DSN(opts.Path))
	}
	if err != nil {
		return nil, fmt.Errorf("bgapi: open: %w", err)
	}
	if _, err := db.Exec(schema); err != nil {
		db.Close()
		return nil, fmt.Errorf("bgapi: schema: %w", err)
	}
	s := &Server{bank: bank, db: db, opts: opts, prefix: prefix, failures: map[string]failure{}}
	s.routes()
	return s, nil
}

// Close closes the state database.
func (s *Server) Close() error { return s.db.Close() }

const schema = `
CREATE TABLE IF NOT EXISTS consents (
	id TEXT PRIMARY KEY, request_id TEXT NOT NULL, status TEXT NOT NULL, customer TEXT NOT NULL DEFAULT '',
	access TEXT NOT NULL, recurring INTEGER NOT NULL, valid_until TEXT NOT NULL, frequency INTEGER NOT NULL,
	created_at INTEGER NOT NULL, last_action TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS consents_customer ON consents(customer, status);
CREATE TABLE IF NOT EXISTS payments (
	id TEXT PRIMARY KEY, request_id TEXT NOT NULL UNIQUE, body_hash TEXT NOT NULL, product TEXT NOT NULL,
	customer TEXT NOT NULL, from_account TEXT NOT NULL, to_account TEXT NOT NULL DEFAULT '', payee_id TEXT NOT NULL DEFAULT '',
	biller_id TEXT NOT NULL DEFAULT '', amount INTEGER NOT NULL, currency TEXT NOT NULL, day TEXT NOT NULL DEFAULT '',
	body TEXT NOT NULL, status TEXT NOT NULL, funds INTEGER, reason TEXT NOT NULL DEFAULT '', reference TEXT NOT NULL DEFAULT '',
	created_at INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS authorisations (
	id TEXT PRIMARY KEY, kind TEXT NOT NULL, resource_id TEXT NOT NULL, customer TEXT NOT NULL DEFAULT '',
	approach TEXT NOT NULL, sca_status TEXT NOT NULL, failures INTEGER NOT NULL DEFAULT 0,
	redirect_uri TEXT NOT NULL DEFAULT '', nok_redirect_uri TEXT NOT NULL DEFAULT '', created_at INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS authorisations_resource ON authorisations(resource_id);
CREATE INDEX IF NOT EXISTS authorisations_customer ON authorisations(customer, sca_status);
CREATE TABLE IF NOT EXISTS usage (
	consent_id TEXT NOT NULL, day TEXT NOT NULL, resource TEXT NOT NULL, n INTEGER NOT NULL,
	PRIMARY KEY (consent_id, day, resource));
`

func (s *Server) now() time.Time {
	if s.opts.Now != nil {
		return s.opts.Now().UTC()
	}
	return time.Now().UTC()
}

func (s *Server) today() string { return s.now().Format(time.DateOnly) }

func (s *Server) routes() {
	m := http.NewServeMux()
	m.HandleFunc("POST /v1/consents", s.createConsent)
	m.HandleFunc("GET /v1/consents/{consentId}", s.getConsent)
	m.HandleFunc("DELETE /v1/consents/{consentId}", s.deleteConsent)
	m.HandleFunc("GET /v1/consents/{consentId}/status", s.consentStatus)
	m.HandleFunc("GET /v1/consents/{consentId}/authorisations", s.consentAuthorisations)
	m.HandleFunc("GET /v1/consents/{consentId}/authorisations/{authorisationId}", s.consentScaStatus)
	m.HandleFunc("GET /v1/accounts", s.accounts)
	m.HandleFunc("GET /v1/accounts/{accountId}", s.account)
	m.HandleFunc("GET /v1/accounts/{accountId}/balances", s.balances)
	m.HandleFunc("GET /v1/accounts/{accountId}/transactions", s.transactions)
	m.HandleFunc("POST /v1/payments/{product}", s.initiatePayment)
	m.HandleFunc("GET /v1/payments/{product}/{paymentId}", s.getPayment)
	m.HandleFunc("GET /v1/payments/{product}/{paymentId}/status", s.paymentStatus)
	m.HandleFunc("GET /v1/payments/{product}/{paymentId}/authorisations", s.paymentAuthorisations)
	m.HandleFunc("GET /v1/payments/{product}/{paymentId}/authorisations/{authorisationId}", s.paymentScaStatus)
	m.HandleFunc("GET /sca/{authorisationId}", s.scaPage)
	m.HandleFunc("POST /sca/{authorisationId}", s.scaPage)
	m.HandleFunc("GET /app/approvals", s.appPage)
	m.HandleFunc("POST /app/approvals", s.appPage)
	m.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		s.fail(w, r, http.StatusNotFound, "RESOURCE_UNKNOWN", "no such resource")
	})
	s.mux = m
}

// ServeHTTP implements http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 1<<20)
	s.mux.ServeHTTP(w, r)
}

// link is the href of one of the server's paths.
func (s *Server) link(path string) string { return s.prefix + path }

// abs is the absolute URL of one of the server's paths, for the PSU's
// browser and Location headers.
func (s *Server) abs(r *http.Request, path string) string {
	origin := s.opts.BaseURL
	if origin == "" {
		origin = "http://" + r.Host
		if r.TLS != nil {
			origin = "https://" + r.Host
		}
	}
	return origin + s.prefix + path
}

var uuidRE = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)

// newID returns a random UUID (version 4).
func newID() string {
	b := make([]byte, 16)
	rand.Read(b)
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b)
	return h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}

// requestID returns the request's X-Request-ID, and whether it is a UUID
// as the standard asks.
func requestID(r *http.Request) (string, bool) {
	id := r.Header.Get("X-Request-ID")
	return id, uuidRE.MatchString(id)
}

// echoID sets the response's X-Request-ID: the request's, or a fresh one
// when the request had none that could be echoed (the header is required
// on every response).
func echoID(w http.ResponseWriter, r *http.Request) {
	id, ok := requestID(r)
	if !ok {
		id = newID()
	}
	w.Header().Set("X-Request-ID", id)
}

func writeJSON(w http.ResponseWriter, r *http.Request, status int, v any) {
	echoID(w, r)
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

type tppMessage struct {
	Category string `json:"category"`
	Code     string `json:"code"`
	Path     string `json:"path,omitempty"`
	Text     string `json:"text,omitempty"`
}

// fail answers with a NextGenPSD2 error body: {"tppMessages":[...]}.
func (s *Server) fail(w http.ResponseWriter, r *http.Request, status int, code, text string) {
	s.failPath(w, r, status, code, "", text)
}

func (s *Server) failPath(w http.ResponseWriter, r *http.Request, status int, code, path, text string) {
	writeJSON(w, r, status, map[string]any{"tppMessages": []tppMessage{{Category: "ERROR", Code: code, Path: path, Text: text}}})
}

// internal answers a storage or bank failure without its details.
func (s *Server) internal(w http.ResponseWriter, r *http.Request, err error) {
	status := http.StatusInternalServerError
	if banks.KindOf(err) == banks.Unavailable {
		status = http.StatusServiceUnavailable
	}
	s.fail(w, r, status, "INTERNAL_SERVER_ERROR", "the bank could not answer")
}

// common checks the headers every call needs; it answers and returns
// false when one is wrong.
func (s *Server) common(w http.ResponseWriter, r *http.Request) bool {
	if _, ok := requestID(r); !ok {
		s.failPath(w, r, http.StatusBadRequest, "FORMAT_ERROR", "X-Request-ID", "X-Request-ID must be a UUID")
		return false
	}
	if ip := r.Header.Get("PSU-IP-Address"); ip != "" && net.ParseIP(ip) == nil {
		s.failPath(w, r, http.StatusBadRequest, "FORMAT_ERROR", "PSU-IP-Address", "PSU-IP-Address must be an IP address")
		return false
	}
	return true
}

// psuPresent says whether the PSU takes part in this call: the standard's
// sign is the PSU-IP-Address header.
func psuPresent(r *http.Request) bool { return r.Header.Get("PSU-IP-Address") != "" }

// tokenCustomer checks a Bearer token, when one is sent or required, and
// returns its customer ("" when none was sent and none is required).
// It answers and returns false when the token is wrong.
func (s *Server) tokenCustomer(w http.ResponseWriter, r *http.Request) (string, bool) {
	h := r.Header.Get("Authorization")
	if h == "" {
		if s.opts.RequireToken {
			s.fail(w, r, http.StatusUnauthorized, "TOKEN_INVALID", "an access token is required")
			return "", false
		}
		return "", true
	}
	tok, ok := strings.CutPrefix(h, "Bearer ")
	if !ok {
		s.fail(w, r, http.StatusUnauthorized, "TOKEN_INVALID", "a Bearer token is required")
		return "", false
	}
	u, err := s.bank.Authenticate(r.Context(), strings.TrimSpace(tok))
	if err != nil {
		s.fail(w, r, http.StatusUnauthorized, "TOKEN_INVALID", "the access token is not valid")
		return "", false
	}
	return u.Customer, true
}

// user returns the sandbox user of a customer id.
func (s *Server) user(ctx context.Context, customer string) (banks.User, error) {
	if u, ok := s.users.Load(customer); ok {
		return u.(banks.User), nil
	}
	c, err := s.bank.FindCustomer(ctx, customer)
	if err != nil {
		return banks.User{}, err
	}
	if c.ID != customer {
		return banks.User{}, banks.Errorf("bgapi.user", banks.NotFound, "no customer %q", customer)
	}
	u := banks.User{Bank: sandbox.Name, Customer: c.ID, Locale: c.Locale}
	s.users.Store(customer, u)
	return u, nil
}

// mac is an HMAC under the server's secret.
func (s *Server) mac(parts ...string) string {
	m := hmac.New(sha256.New, s.opts.Secret)
	m.Write([]byte(strings.Join(parts, "\x00")))
	return hex.EncodeToString(m.Sum(nil))
}

// account is one of a customer's accounts as the XS2A interface shows it.
type account struct {
	banks.Account
	resourceID string
	iban, bban string // one of them: German accounts have IBANs
	status     string // open, frozen
}

// number is the account's identifier in account references.
func (a account) number() string {
	if a.iban != "" {
		return a.iban
	}
	return a.bban
}

var ibanRE = regexp.MustCompile(`^[A-Z]{2}[0-9]{2}[A-Z0-9]{1,30}$`)

// resourceID is the opaque id an account has in the XS2A interface: the
// bank's internal ids stay inside.
func resourceID(accountID string) string {
	h := sha256.Sum256([]byte("bgapi-account\x00" + accountID))
	return hex.EncodeToString(h[:12])
}

// accountsOf lists a customer's open accounts with their numbers.
func (s *Server) accountsOf(ctx context.Context, u banks.User) ([]account, error) {
	list, err := s.bank.Accounts(ctx, u)
	if err != nil {
		return nil, err
	}
	out := make([]account, 0, len(list))
	for _, a := range list {
		n, err := s.bank.AccountNumber(ctx, u, a.ID)
		if err != nil {
			return nil, err
		}
		st, err := s.bank.Status(ctx, u, a.ID)
		if err != nil {
			return nil, err
		}
		x := account{Account: a, resourceID: resourceID(a.ID), status: st.Status}
		if ibanRE.MatchString(n) {
			x.iban = n
		} else {
			x.bban = n
		}
		out = append(out, x)
	}
	return out, nil
}

// cashAccountType is the ISO 20022 ExternalCashAccountType1Code of a kind.
func cashAccountType(k banks.AccountKind) string {
	switch k {
	case banks.Savings:
		return "SVGS"
	case banks.CreditCard:
		return "CARD"
	case banks.Loan:
		return "LOAN"
	}
	return "CACC"
}

// accountRef is a NextGenPSD2 accountReference.
type accountRef struct {
	IBAN     string `json:"iban,omitempty"`
	BBAN     string `json:"bban,omitempty"`
	Currency string `json:"currency,omitempty"`
}

func (a account) ref() accountRef { return accountRef{IBAN: a.iban, BBAN: a.bban} }

// amount is a NextGenPSD2 amount: a decimal string with its sign.
type amount struct {
	Currency string `json:"currency"`
	Amount   string `json:"amount"`
}

func amountOf(m banks.Money) amount { return amount{Currency: m.Currency, Amount: m.Decimal()} }

type href struct {
	Href string `json:"href"`
}

// truncate cuts s to n runes, for the standard's maxLength fields.
func truncate(s string, n int) string {
	r := []rune(s)
	if len(r) > n {
		return string(r[:n])
	}
	return s
}
