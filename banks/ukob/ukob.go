// Package ukob is a bank connector for UK Open Banking Read/Write v3.1:
// account information (accounts, balances, transactions, beneficiaries)
// and domestic payments with decoupled approval, over mutual TLS, with
// detached JWS signatures (x-jws-signature) on payment requests and the
// standard's idempotency keys. It reads the v4.0 ISO codes (ITAV, CLBD,
// BOOK, PDNG, AWAU, ...) where they replace v3.1's words.
//
// The connector acts for a banks.User whose access token at the bank a
// TokenSource from the caller gives (account linking: CreateAccountConsent,
// the customer's approval at the bank, then Exchange). What the standard
// has no API for (card controls, credit scores, rewards, billers) it does
// not implement, so that the core answers honestly that it cannot.
package ukob

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/rsa"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"

	"github.com/kontoskill/konto/banks"
)

// Name is the default banks.User.Bank of the connector's customers.
const Name = "ukob"

// Options configure a Client. AccountsURL, TokenURL and ClientID are
// required; PaymentsURL and SigningKey for payments; AuthorizeURL and
// RedirectURL for account linking.
type Options struct {
	// Name is the banks.User.Bank of this bank's customers; Name if empty.
	Name string
	// AccountsURL and PaymentsURL are the bases of the two APIs, such as
	// "https://bank.example/open-banking/v3.1/aisp" and ".../pisp".
	AccountsURL, PaymentsURL string
	// TokenURL and AuthorizeURL are the bank's OAuth 2 endpoints.
	TokenURL, AuthorizeURL string
	// ClientID and ClientSecret are Konto's registration at the bank.
	ClientID, ClientSecret string
	// RedirectURL is where the bank sends the customer back after approval.
	RedirectURL string
	// Audience is the bank's issuer, named in signed authorisation
	// requests; the scheme and host of AuthorizeURL if empty.
	Audience string
	// Scopes are asked for at account linking; "accounts payments" if nil
	// (payments lets Konto start payments the customer approves in the
	// bank's app).
	Scopes []string
	// Permissions are asked for in account-access consents; the ones
	// Konto reads if nil.
	Permissions []string
	// ConsentLifetime is how long an account-access consent is asked for;
	// 90 days if zero (banks refuse more), none if negative.
	ConsentLifetime time.Duration
	// SigningKey signs x-jws-signature headers and authorisation requests:
	// an *rsa.PrivateKey (PS256) or an *ecdsa.PrivateKey on P-256 (ES256).
	SigningKey crypto.Signer
	// KeyID is the kid of the signing key at the trust anchor.
	KeyID string
	// Issuer is the http://openbanking.org.uk/iss of the signatures;
	// ClientID if empty.
	Issuer string
	// TrustAnchor is the http://openbanking.org.uk/tan; "openbanking.org.uk" if empty.
	TrustAnchor string
	// LegacySignatures signs with b64=false (a critical header), as banks
	// on v3.1.3 and earlier require; v3.1.4 and later forbid it.
	LegacySignatures bool
	// BankKey, if set, verifies the bank's x-jws-signature on payment
	// responses; BankIssuer, if set, must be their iss.
	BankKey    crypto.PublicKey
	BankIssuer string
	// Certificates are the client certificates of mutual TLS, and
	// RootCAs the roots that verify the bank (the system's if nil).
	Certificates []tls.Certificate
	RootCAs      *x509.CertPool
	// HTTPClient replaces the client built from Certificates and RootCAs.
	HTTPClient *http.Client
	// Tokens gives the access token of a customer at this bank, from
	// account linking. An error of kind NotLinked (or any error without a
	// kind) means the customer has not linked the bank.
	Tokens func(ctx context.Context, u banks.User) (oauth2.TokenSource, error)
	// Products are the bank's product sheets by locale ("en-GB"), or ""
	// for all locales.
	Products map[string]banks.ProductSheet
	// ApprovalWindow is how long the bank waits for a customer to approve
	// a payment before it rejects it as expired; 10 minutes if zero.
	ApprovalWindow time.Duration
	// CIBA has payments approved by OpenID Connect CIBA (poll mode), the
	// decoupled flow of the Open Banking security profile: the connector
	// creates the payment consent with its own token and asks the
	// bank's backchannel authentication endpoint to have the customer
	// approve it (see ciba.go). Without it, the consent is created with
	// the customer's token and approved in the bank's app.
	CIBA bool
	// BackchannelURL is the bank's backchannel authentication endpoint;
	// bc-authorize next to TokenURL if empty.
	BackchannelURL string
	// LoginHint names the customer to the bank in CIBA requests; the
	// user's Customer if nil.
	LoginHint func(banks.User) string
	// Journal remembers the payment consents made per idempotency key for
	// Operation; in memory if nil.
	Journal Journal
	// Attempts bounds the tries of a request that failed for a reason
	// that may pass (timeouts, 429, 5xx); 3 if zero.
	Attempts int
	// AttemptTimeout bounds one try; 15 seconds if zero.
	AttemptTimeout time.Duration
	// MaxWait is the longest Retry-After honoured before giving up; 30
	// seconds if zero. The context's deadline bounds every wait too.
	MaxWait time.Duration
	// Now is the connector's clock; time.Now if nil.
	Now func() time.Time
}

// Validate checks the options and fills in the defaults.
func (o *Options) Validate() error {
	if o.Name == "" {
		o.Name = Name
	}
	for name, v := range map[string]string{"AccountsURL": o.AccountsURL, "TokenURL": o.TokenURL} {
		if v == "" {
			return fmt.Errorf("ukob: %s is required", name)
		}
	}
	for name, v := range map[string]string{"AccountsURL": o.AccountsURL, "PaymentsURL": o.PaymentsURL, "TokenURL": o.TokenURL,
		"AuthorizeURL": o.AuthorizeURL, "RedirectURL": o.RedirectURL} {
		if v == "" {
			continue
		}
		u, err := url.Parse(v)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			return fmt.Errorf("ukob: %s %q is not an absolute http(s) URL", name, v)
		}
	}
	if o.ClientID == "" {
		return errors.New("ukob: ClientID is required")
	}
	if o.PaymentsURL != "" && o.SigningKey == nil {
		return errors.New("ukob: payments need a SigningKey for x-jws-signature")
	}
	if o.SigningKey != nil {
		if _, err := algOf(o.SigningKey); err != nil {
			return err
		}
	}
	if o.Scopes == nil {
		o.Scopes = []string{"accounts", "payments"}
	}
	if o.Permissions == nil {
		o.Permissions = []string{"ReadAccountsDetail", "ReadBalances", "ReadTransactionsDetail", "ReadTransactionsCredits",
			"ReadTransactionsDebits", "ReadBeneficiariesDetail", "ReadDirectDebits", "ReadStandingOrdersDetail"}
	}
	if o.ConsentLifetime == 0 {
		o.ConsentLifetime = 90 * 24 * time.Hour
	}
	if o.Issuer == "" {
		o.Issuer = o.ClientID
	}
	if o.TrustAnchor == "" {
		o.TrustAnchor = "openbanking.org.uk"
	}
	if o.Audience == "" && o.AuthorizeURL != "" {
		u, _ := url.Parse(o.AuthorizeURL)
		o.Audience = u.Scheme + "://" + u.Host
	}
	if o.ApprovalWindow <= 0 {
		o.ApprovalWindow = 10 * time.Minute
	}
	if o.Attempts <= 0 {
		o.Attempts = 3
	}
	if o.AttemptTimeout <= 0 {
		o.AttemptTimeout = 15 * time.Second
	}
	if o.MaxWait <= 0 {
		o.MaxWait = 30 * time.Second
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	return nil
}

// Client is a connector to one UK Open Banking bank.
type Client struct {
	o        Options
	http     *http.Client
	accounts *url.URL
	payments *url.URL
	journal  Journal

	mu      sync.Mutex
	clients map[string]oauth2.TokenSource // client-credentials tokens by scope
}

var (
	_ banks.Connector  = (*Client)(nil)
	_ banks.Recipients = (*Client)(nil)
	_ banks.Payments   = (*Client)(nil)
	_ banks.Operations = (*Client)(nil)
	_ banks.Products   = (*Client)(nil)
)

// New returns a connector. Errors: the options are not valid.
func New(o Options) (*Client, error) {
	if err := o.Validate(); err != nil {
		return nil, err
	}
	c := &Client{o: o, http: o.HTTPClient, journal: o.Journal, clients: map[string]oauth2.TokenSource{}}
	if c.http == nil {
		tr := http.DefaultTransport.(*http.Transport).Clone()
		tr.TLSClientConfig = &tls.Config{MinVersion: tls.VersionTLS12, Certificates: o.Certificates, RootCAs: o.RootCAs}
		c.http = &http.Client{Transport: tr, Timeout: 2 * o.AttemptTimeout}
	}
	c.accounts, _ = url.Parse(strings.TrimRight(o.AccountsURL, "/"))
	if o.PaymentsURL != "" {
		c.payments, _ = url.Parse(strings.TrimRight(o.PaymentsURL, "/"))
	}
	if c.journal == nil {
		c.journal = NewMemoryJournal(o.Now)
	}
	return c, nil
}

// user resolves the token source of a user. Errors: NotLinked, and
// whatever kind Options.Tokens gave.
func (c *Client) user(ctx context.Context, op string, u banks.User) (oauth2.TokenSource, error) {
	if u.Bank != c.o.Name || u.Customer == "" {
		return nil, banks.Errorf(op, banks.NotLinked, "user is not a customer of %s", c.o.Name)
	}
	if c.o.Tokens == nil {
		return nil, banks.Errorf(op, banks.NotLinked, "no tokens for %s", c.o.Name)
	}
	ts, err := c.o.Tokens(ctx, u)
	if err != nil {
		if banks.KindOf(err) != banks.Other {
			return nil, banks.E(op, banks.KindOf(err), err)
		}
		return nil, banks.E(op, banks.NotLinked, err)
	}
	if ts == nil {
		return nil, banks.Errorf(op, banks.NotLinked, "no token")
	}
	return ts, nil
}

// oauthContext carries the connector's HTTP client (mutual TLS) into
// x/oauth2. Token refreshes outlive a request, so it is not cancelled
// with one.
func (c *Client) oauthContext(ctx context.Context) context.Context {
	return context.WithValue(context.WithoutCancel(ctx), oauth2.HTTPClient, c.http)
}

// clientToken is the connector's own token (client credentials), for
// creating consents.
func (c *Client) clientToken(scope string) oauth2.TokenSource {
	c.mu.Lock()
	defer c.mu.Unlock()
	if ts, ok := c.clients[scope]; ok {
		return ts
	}
	cfg := clientcredentials.Config{ClientID: c.o.ClientID, ClientSecret: c.o.ClientSecret, TokenURL: c.o.TokenURL, Scopes: []string{scope}}
	ts := cfg.TokenSource(c.oauthContext(context.Background()))
	c.clients[scope] = ts
	return ts
}

// ProductSheet implements banks.Products with the configured sheets: the
// locale's, its language's, then the one for all locales. Errors: NotSupported.
func (c *Client) ProductSheet(ctx context.Context, locale string) (banks.ProductSheet, error) {
	lang, _, _ := strings.Cut(locale, "-")
	if s, ok := c.o.Products[locale]; ok {
		return s, nil
	}
	for _, l := range slices.Sorted(maps.Keys(c.o.Products)) {
		if ll, _, _ := strings.Cut(l, "-"); l != "" && ll == lang {
			return c.o.Products[l], nil
		}
	}
	if s, ok := c.o.Products[""]; ok {
		return s, nil
	}
	return banks.ProductSheet{}, banks.Errorf("ukob.ProductSheet", banks.NotSupported, "no product sheet for %s", locale)
}

func algOf(k crypto.Signer) (string, error) {
	switch k := k.(type) {
	case *rsa.PrivateKey:
		return "PS256", nil
	case *ecdsa.PrivateKey:
		if k.Curve.Params().Name == "P-256" {
			return "ES256", nil
		}
	}
	return "", fmt.Errorf("ukob: the signing key must be an *rsa.PrivateKey or an *ecdsa.PrivateKey on P-256, not %T", k)
}
