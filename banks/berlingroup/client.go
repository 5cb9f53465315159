// Package berlingroup is a bank connector for the Berlin Group
// NextGenPSD2 XS2A interface 1.3 that most German and many other EU banks
// offer: account information under a consent (Consent-ID), and SEPA
// credit transfers the customer approves in the bank's app (decoupled
// SCA) or on the bank's page (redirect).
//
// The connector holds no consents of its own: Options.Consents supplies
// each user's Consent-ID (and OAuth2 token, at banks that want one), as
// account linking stored them. CreateConsent and ConsentStatus are the
// calls account linking makes to get one.
//
// Berlin Group has no list of saved beneficiaries, no transaction
// categories, no declined transactions and no times of day (only booking
// and value dates): payees and billers come from Options, Category
// filters are NotSupported unless Options.Categorize supplies categories,
// transactions fall at midnight UTC of their date.
package berlingroup

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/big"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/oauth2"

	"github.com/kontoskill/konto/banks"
)

// Name is the bank name the connector expects in banks.User.Bank by default.
const Name = "berlingroup"

// ConsentFunc returns a user's Consent-ID at the bank and, at banks that
// use OAuth2, the user's token (nil otherwise). It returns a NotLinked or
// ConsentExpired *banks.Error when the user has none (other errors are
// taken as NotLinked).
type ConsentFunc func(ctx context.Context, u banks.User) (consentID string, token *oauth2.Token, err error)

// Payee is a saved recipient the connector knows from its configuration:
// Berlin Group has no beneficiary list.
type Payee struct {
	banks.Payee
	IBAN string
}

// Biller is a saved biller with the account bills are paid to.
type Biller struct {
	banks.Biller
	IBAN string
}

// Options configure a Client.
type Options struct {
	// BaseURL is the bank's XS2A root, under which /v1/... is served
	// ("https://xs2a.bank.example/psd2").
	BaseURL string
	// HTTPClient makes the calls. Nil builds one from Certificates and
	// RootCAs (mutual TLS with the TPP's eIDAS QWAC, as production needs).
	HTTPClient   *http.Client
	Certificates []tls.Certificate
	RootCAs      *x509.CertPool

	// Consents supplies each user's Consent-ID (and token). Required.
	Consents ConsentFunc
	// OAuth2 refreshes the tokens Consents returns, at banks that use
	// OAuth2 (the token endpoint and client); nil uses them as they are.
	OAuth2 *oauth2.Config
	// SaveToken, if set, is told of a refreshed token so it can be kept.
	SaveToken func(ctx context.Context, u banks.User, t *oauth2.Token) error

	// PSUIPAddress is sent as PSU-IP-Address where the standard requires
	// one (payment initiation) and the context has none (see WithPSU).
	PSUIPAddress string
	// RedirectURI is sent as TPP-Redirect-URI with consent and payment
	// requests (where the bank returns the PSU after redirect SCA).
	RedirectURI string
	// FrequencyPerDay and ConsentDays shape the consents CreateConsent
	// asks for: 4 unattended reads a day, valid 180 days (the bank may
	// shorten it).
	FrequencyPerDay int
	ConsentDays     int

	// Payees and Billers list a user's saved recipients with their IBANs.
	Payees  func(ctx context.Context, u banks.User) ([]Payee, error)
	Billers func(ctx context.Context, u banks.User) ([]Biller, error)
	// Sheets are the bank partner's product sheets by locale ("de-DE");
	// a locale without one uses its language's, then "".
	Sheets map[string]banks.ProductSheet

	// Log remembers which payment each idempotency key started; nil keeps
	// it in memory (see PaymentLog).
	Log PaymentLog
	// ApprovalWait is how long Pay watches a payment for the customer's
	// approval before it reports AwaitingApproval (bounded by the
	// context); zero returns at once. ApprovalPoll is the interval, 500
	// ms if zero.
	ApprovalWait time.Duration
	ApprovalPoll time.Duration

	// Categorize, if set, gives each transaction one of Konto's
	// categories (groceries, income, ...), which the standard does not
	// carry; without it a Category filter is NotSupported.
	Categorize func(banks.Transaction) string

	// History is how far back Transactions reads when the filter has no
	// From: 90 days if zero (banks often want a fresh SCA beyond that).
	History time.Duration
	// MaxPages bounds how many _links.next a listing follows; 100 if zero.
	MaxPages int
	// Timeout bounds each HTTP attempt; 15 s if zero.
	Timeout time.Duration
	// Retries is how often a failed read (429, 5xx, timeout) is tried
	// again; 2 if zero, none if negative. Backoff starts at MinBackoff
	// (200 ms if zero) and doubles; a Retry-After the context's deadline
	// cannot wait for ends the retries at once.
	Retries    int
	MinBackoff time.Duration
	// Now is the connector's clock; time.Now if nil.
	Now func() time.Time
}

// Client is a Berlin Group NextGenPSD2 connector.
type Client struct {
	opts Options
	base *url.URL
	hc   *http.Client
	log  PaymentLog

	mu    sync.Mutex
	cache map[string]cachedAccounts // user's consent → accounts
}

var (
	_ banks.Connector  = (*Client)(nil)
	_ banks.Payments   = (*Client)(nil)
	_ banks.Operations = (*Client)(nil)
	_ banks.Recipients = (*Client)(nil)
	_ banks.Products   = (*Client)(nil)
	_ banks.Revoker    = (*Client)(nil)
)

// New returns a client. It fails on a configuration that cannot work.
func New(opts Options) (*Client, error) {
	u, err := url.Parse(strings.TrimRight(opts.BaseURL, "/"))
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return nil, fmt.Errorf("berlingroup: BaseURL %q is not an http(s) URL", opts.BaseURL)
	}
	if opts.Consents == nil {
		return nil, errors.New("berlingroup: Options.Consents is required")
	}
	if opts.PSUIPAddress != "" && net.ParseIP(opts.PSUIPAddress) == nil {
		return nil, fmt.Errorf("berlingroup: PSUIPAddress %q is not an IP address", opts.PSUIPAddress)
	}
	if opts.FrequencyPerDay <= 0 {
		opts.FrequencyPerDay = 4
	}
	if opts.ConsentDays <= 0 {
		opts.ConsentDays = 180
	}
	if opts.History <= 0 {
		opts.History = 90 * 24 * time.Hour
	}
	if opts.MaxPages <= 0 {
		opts.MaxPages = 100
	}
	if opts.Timeout <= 0 {
		opts.Timeout = 15 * time.Second
	}
	if opts.Retries == 0 {
		opts.Retries = 2
	} else if opts.Retries < 0 {
		opts.Retries = 0
	}
	if opts.MinBackoff <= 0 {
		opts.MinBackoff = 200 * time.Millisecond
	}
	if opts.ApprovalPoll <= 0 {
		opts.ApprovalPoll = 500 * time.Millisecond
	}
	c := &Client{opts: opts, base: u, hc: opts.HTTPClient, log: opts.Log, cache: map[string]cachedAccounts{}}
	if c.hc == nil {
		t := http.DefaultTransport.(*http.Transport).Clone()
		t.TLSClientConfig = &tls.Config{MinVersion: tls.VersionTLS12, Certificates: opts.Certificates, RootCAs: opts.RootCAs}
		// Redirects are not followed: the Consent-ID and PSU headers must
		// not travel to wherever a 3xx points.
		c.hc = &http.Client{Transport: t, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	}
	if c.log == nil {
		c.log = &memoryLog{m: map[string]LoggedPayment{}}
	}
	return c, nil
}

func (c *Client) now() time.Time {
	if c.opts.Now != nil {
		return c.opts.Now()
	}
	return time.Now()
}

type psuKey struct{}

// WithPSU marks a context as one where the customer takes part, from the
// given IP address. Reads then carry PSU-IP-Address, which tells the bank
// the PSU is present, so they do not count against the consent's
// frequencyPerDay.
func WithPSU(ctx context.Context, ip string) context.Context {
	return context.WithValue(ctx, psuKey{}, ip)
}

func psuIP(ctx context.Context) string {
	ip, _ := ctx.Value(psuKey{}).(string)
	if net.ParseIP(ip) == nil {
		return ""
	}
	return ip
}

// link is a user's consent and token source.
type link struct {
	consentID string
	tokens    oauth2.TokenSource
	user      banks.User
}

func (c *Client) link(ctx context.Context, op string, u banks.User) (link, error) {
	id, tok, err := c.opts.Consents(ctx, u)
	if err != nil {
		var be *banks.Error
		if errors.As(err, &be) && be.Kind != banks.Other {
			return link{}, banks.E(op, be.Kind, err)
		}
		return link{}, banks.E(op, banks.NotLinked, err)
	}
	if id == "" {
		return link{}, banks.Errorf(op, banks.NotLinked, "no consent for the user")
	}
	l := link{consentID: id, user: u}
	if tok != nil {
		if c.opts.OAuth2 != nil {
			l.tokens = c.opts.OAuth2.TokenSource(context.WithValue(ctx, oauth2.HTTPClient, c.hc), tok)
		} else {
			l.tokens = oauth2.StaticTokenSource(tok)
		}
		if c.opts.SaveToken != nil {
			l.tokens = &savingSource{src: l.tokens, last: tok.AccessToken, save: func(t *oauth2.Token) error {
				return c.opts.SaveToken(ctx, u, t)
			}}
		}
	}
	return l, nil
}

// savingSource reports refreshed tokens.
type savingSource struct {
	src  oauth2.TokenSource
	mu   sync.Mutex
	last string
	save func(*oauth2.Token) error
}

func (s *savingSource) Token() (*oauth2.Token, error) {
	t, err := s.src.Token()
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if t.AccessToken != s.last {
		s.last = t.AccessToken
		if err := s.save(t); err != nil {
			return nil, err
		}
	}
	return t, nil
}

// call is one XS2A request.
type call struct {
	method string
	target string // a path under the base URL ("/v1/accounts") or a link from the bank
	query  url.Values
	body   any
	link   *link
	// requestID fixes X-Request-ID (a payment's, derived from its key);
	// empty draws a new one per attempt.
	requestID string
	psuIP     string
	header    map[string]string
	// fromBank marks a target that is a link the bank sent (resolved as a
	// URL reference), not a path of ours under the base URL.
	fromBank bool
	// retry allows trying again after a failure that may not have reached
	// the bank's books: reads, and payments under a fixed X-Request-ID.
	retry bool
}

// url resolves the call's target: one of our paths goes under the base
// URL; a link from the bank is a reference against it and must stay on
// the bank's scheme and host.
func (c *Client) url(target string, fromBank bool, q url.Values) (*url.URL, error) {
	var u *url.URL
	if !fromBank {
		u = c.base.JoinPath(target)
	} else {
		ref, err := url.Parse(target)
		if err != nil {
			return nil, err
		}
		u = c.base.ResolveReference(ref)
		if u.Scheme != c.base.Scheme || u.Host != c.base.Host {
			return nil, fmt.Errorf("link %q leaves the bank", target)
		}
	}
	if len(q) > 0 {
		u.RawQuery = q.Encode()
	}
	return u, nil
}

// response is what came back.
type response struct {
	status int
	header http.Header
	body   []byte
}

// maxBody bounds what is read of a response.
const maxBody = 8 << 20

// do makes a call, retrying where allowed, and decodes a 2xx body into
// out (when not nil). Errors are *banks.Error with the kinds of the
// standard's answers (see kindOf).
func (c *Client) do(ctx context.Context, op string, cl call, out any) (*response, error) {
	u, err := c.url(cl.target, cl.fromBank, cl.query)
	if err != nil {
		return nil, banks.E(op, banks.Unavailable, err)
	}
	var payload []byte
	if cl.body != nil {
		if payload, err = json.Marshal(cl.body); err != nil {
			return nil, banks.E(op, banks.Invalid, err)
		}
	}
	backoff := c.opts.MinBackoff
	for attempt := 0; ; attempt++ {
		resp, err := c.attempt(ctx, cl, u, payload)
		var wait time.Duration
		switch {
		case err != nil:
			if ctx.Err() != nil {
				return nil, banks.E(op, banks.Unavailable, ctx.Err())
			}
			var be *banks.Error
			if errors.As(err, &be) {
				return nil, banks.E(op, be.Kind, err) // the token could not be had
			}
			err = fmt.Errorf("%s %s: %w", cl.method, u.Path, err)
		case resp.status >= 200 && resp.status < 300:
			if out != nil && resp.status != http.StatusNoContent {
				if err := json.Unmarshal(resp.body, out); err != nil {
					return resp, banks.E(op, banks.Unavailable, fmt.Errorf("%s %s: malformed answer: %w", cl.method, u.Path, err))
				}
			}
			return resp, nil
		case resp.status == http.StatusTooManyRequests || resp.status == http.StatusRequestTimeout || resp.status >= 500:
			err = apiError(op, resp)
			wait = retryAfter(resp.header, c.now())
			if wait == 0 && resp.status == http.StatusTooManyRequests && hasCode(messages(resp.body), "ACCESS_EXCEEDED") {
				// The consent's daily allowance is used up: trying again
				// today would only be refused again.
				return resp, err
			}
		default:
			return resp, apiError(op, resp)
		}
		if !cl.retry || attempt >= c.opts.Retries {
			return resp, asUnavailable(op, err)
		}
		if wait == 0 {
			wait = backoff + jitter(backoff/2)
			backoff *= 2
		}
		if dl, ok := ctx.Deadline(); ok && time.Until(dl) < wait {
			return resp, asUnavailable(op, err) // the wait would outlast the caller
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return resp, banks.E(op, banks.Unavailable, ctx.Err())
		case <-t.C:
		}
	}
}

func asUnavailable(op string, err error) error {
	if banks.KindOf(err) != banks.Other {
		return err
	}
	return banks.E(op, banks.Unavailable, err)
}

func jitter(d time.Duration) time.Duration {
	if d <= 0 {
		return 0
	}
	n, _ := rand.Int(rand.Reader, big.NewInt(int64(d)))
	return time.Duration(n.Int64())
}

// retryAfter reads a Retry-After header (seconds or an HTTP date).
func retryAfter(h http.Header, now time.Time) time.Duration {
	v := strings.TrimSpace(h.Get("Retry-After"))
	if v == "" {
		return 0
	}
	if s, err := strconv.Atoi(v); err == nil && s >= 0 {
		return time.Duration(s) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil && t.After(now) {
		return t.Sub(now)
	}
	return 0
}

func (c *Client) attempt(ctx context.Context, cl call, u *url.URL, payload []byte) (*response, error) {
	ctx, cancel := context.WithTimeout(ctx, c.opts.Timeout)
	defer cancel()
	var body io.Reader
	if payload != nil {
		body = bytes.NewReader(payload)
	}
	req, err := http.NewRequestWithContext(ctx, cl.method, u.String(), body)
	if err != nil {
		return nil, err
	}
	id := cl.requestID
	if id == "" {
		id = newUUID()
	}
	req.Header.Set("X-Request-ID", id)
	req.Header.Set("Accept", "application/json")
	if payload != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if cl.psuIP != "" {
		req.Header.Set("PSU-IP-Address", cl.psuIP)
	}
	for k, v := range cl.header {
		req.Header.Set(k, v)
	}
	if cl.link != nil {
		req.Header.Set("Consent-ID", cl.link.consentID)
		if cl.link.tokens != nil {
			t, err := cl.link.tokens.Token()
			if err != nil {
				return nil, banks.E("berlingroup.token", banks.NotLinked, err)
			}
			t.SetAuthHeader(req)
		}
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, maxBody))
	if err != nil {
		return nil, err
	}
	return &response{status: resp.StatusCode, header: resp.Header, body: b}, nil
}

// newUUID is a random (version 4) UUID, for X-Request-ID.
func newUUID() string {
	b := make([]byte, 16)
	rand.Read(b)
	return formatUUID(b, 4)
}

func formatUUID(b []byte, version byte) string {
	b[6] = b[6]&0x0f | version<<4
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

// tppMessage is one entry of a NextGenPSD2 error.
type tppMessage struct {
	Category string `json:"category"`
	Code     string `json:"code"`
	Path     string `json:"path"`
	Text     string `json:"text"`
}

// messages reads the codes of an error body in the shapes banks send: the
// standard's {"tppMessages":[...]}, a bare array (as the standard's own
// 429 example has it) and RFC 7807 problem+json {"code", "additionalErrors"}.
func messages(body []byte) []tppMessage {
	var ng struct {
		TPPMessages []tppMessage `json:"tppMessages"`
	}
	if json.Unmarshal(body, &ng) == nil && len(ng.TPPMessages) > 0 {
		return ng.TPPMessages
	}
	var arr []tppMessage
	if json.Unmarshal(body, &arr) == nil && len(arr) > 0 {
		return arr
	}
	var p struct {
		Code             string       `json:"code"`
		Detail           string       `json:"detail"`
		AdditionalErrors []tppMessage `json:"additionalErrors"`
	}
	if json.Unmarshal(body, &p) == nil && p.Code != "" {
		return append([]tppMessage{{Code: p.Code, Text: p.Detail}}, p.AdditionalErrors...)
	}
	return nil
}

func hasCode(msgs []tppMessage, code string) bool {
	for _, m := range msgs {
		if strings.EqualFold(m.Code, code) {
			return true
		}
	}
	return false
}

// kindOf maps an XS2A error answer to a banks kind: by its message code
// first, since banks disagree on the status codes, then by the status.
func kindOf(status int, msgs []tppMessage) (banks.Kind, string) {
	for _, m := range msgs {
		switch strings.ToUpper(m.Code) {
		case "CONSENT_EXPIRED":
			return banks.ConsentExpired, ""
		case "CONSENT_INVALID", "CONSENT_UNKNOWN", "TOKEN_INVALID", "TOKEN_UNKNOWN", "TOKEN_EXPIRED", "PSU_CREDENTIALS_INVALID":
			return banks.NotLinked, ""
		case "ACCESS_EXCEEDED", "ASPSP_RATE_LIMIT_EXCEEDED":
			return banks.Unavailable, ""
		case "RESOURCE_UNKNOWN", "RESOURCE_EXPIRED", "PRODUCT_UNKNOWN":
			return banks.NotFound, ""
		case "SERVICE_BLOCKED", "PRODUCT_INVALID", "SERVICE_INVALID":
			return banks.Forbidden, "not_allowed"
		case "FORMAT_ERROR", "PARAMETER_NOT_CONSISTENT", "PARAMETER_NOT_SUPPORTED", "PERIOD_INVALID", "EXECUTION_DATE_INVALID",
			"SESSIONS_NOT_SUPPORTED":
			return banks.Invalid, ""
		}
	}
	switch {
	case status == http.StatusUnauthorized:
		return banks.NotLinked, ""
	case status == http.StatusForbidden:
		return banks.Forbidden, "not_allowed"
	case status == http.StatusNotFound:
		return banks.NotFound, ""
	case status == http.StatusTooManyRequests || status == http.StatusRequestTimeout || status >= 500:
		return banks.Unavailable, ""
	case status >= 400:
		return banks.Invalid, ""
	}
	return banks.Unavailable, ""
}

// apiError is the *banks.Error of an error answer; it quotes the bank's
// codes and a short text, never the whole body.
func apiError(op string, resp *response) error {
	msgs := messages(resp.body)
	kind, reason := kindOf(resp.status, msgs)
	detail := fmt.Sprintf("HTTP %d", resp.status)
	for i, m := range msgs {
		if i == 3 {
			break
		}
		detail += " " + m.Code
		if m.Text != "" {
			t := m.Text
			if len(t) > 120 {
				t = t[:120]
			}
			detail += " (" + t + ")"
		}
	}
	return &banks.Error{Op: op, Kind: kind, Reason: reason, Err: errors.New(detail)}
}
