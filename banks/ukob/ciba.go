package ukob

// Decoupled approval of payments by CIBA (OpenID Connect Client-Initiated
// Backchannel Authentication, poll mode), as the Open Banking security
// profile defines it. With Options.CIBA, Pay creates the
// domestic-payment-consent with the connector's own (client-credentials)
// token, asks the bank's backchannel authentication endpoint to have the
// customer approve it (login_hint: the customer; openbanking_intent_id:
// the consent), keeps the auth_req_id in the Journal under the payment's
// key and reports AwaitingApproval. Later calls with the key poll the
// token endpoint with the auth_req_id; once the customer approved, the
// tokens make the payment under the same x-idempotency-key as ever, so
// that it is made once.
//
// The bank hands the tokens out once. The connector keeps them in memory
// until the payment is made, so that a payment that failed for a reason
// that may pass can be tried again with them; a connector that restarts
// in between cannot, and reports Unavailable for the key.

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"golang.org/x/oauth2"

	"github.com/kontoskill/konto/banks"
)

// cibaGrantType is the grant_type of the polls of the token endpoint.
const cibaGrantType = "urn:openid:params:grant-type:ciba"

// cibaTokens are the tokens of approved backchannel requests whose
// payment is not yet made, by connector and auth_req_id.
var cibaTokens = struct {
	sync.Mutex
	m map[cibaKey]*oauth2.Token
}{m: map[cibaKey]*oauth2.Token{}}

type cibaKey struct {
	c  *Client
	id string
}

func (c *Client) keepCIBAToken(id string, tok *oauth2.Token) {
	cibaTokens.Lock()
	defer cibaTokens.Unlock()
	for k, t := range cibaTokens.m {
		if !t.Expiry.IsZero() && time.Now().After(t.Expiry) {
			delete(cibaTokens.m, k)
		}
	}
	cibaTokens.m[cibaKey{c, id}] = tok
}

func (c *Client) cibaToken(id string) (*oauth2.Token, bool) {
	cibaTokens.Lock()
	defer cibaTokens.Unlock()
	t, ok := cibaTokens.m[cibaKey{c, id}]
	return t, ok && t.Valid()
}

func (c *Client) dropCIBAToken(id string) {
	cibaTokens.Lock()
	defer cibaTokens.Unlock()
	delete(cibaTokens.m, cibaKey{c, id})
}

// backchannelURL is the bank's backchannel authentication endpoint: the
// option, else bc-authorize next to the token endpoint.
func (c *Client) backchannelURL() string {
	if c.o.BackchannelURL != "" {
		return c.o.BackchannelURL
	}
	u, _ := url.Parse(c.o.TokenURL)
	u.Path = strings.TrimSuffix(u.Path, "/")
	if i := strings.LastIndex(u.Path, "/"); i >= 0 {
		u.Path = u.Path[:i]
	}
	u.Path += "/bc-authorize"
	u.RawQuery = ""
	return u.String()
}

// loginHint names the customer to the bank.
func (c *Client) loginHint(u banks.User) string {
	if c.o.LoginHint != nil {
		return c.o.LoginHint(u)
	}
	return u.Customer
}

// oauthError is an OAuth 2 error response.
type oauthError struct {
	Error       string `json:"error"`
	Description string `json:"error_description"`
}

// postForm posts a form to one of the bank's OAuth endpoints, once,
// authenticated as the client (HTTP Basic, RFC 6749 section 2.3.1).
func (c *Client) postForm(ctx context.Context, op, endpoint string, form url.Values) (int, []byte, error) {
	actx, cancel := context.WithTimeout(ctx, c.o.AttemptTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(actx, http.MethodPost, endpoint, strings.NewReader(form.Encode()))
	if err != nil {
		return 0, nil, banks.E(op, banks.Unavailable, err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")
	req.SetBasicAuth(url.QueryEscape(c.o.ClientID), url.QueryEscape(c.o.ClientSecret))
	res, err := c.http.Do(req)
	if err != nil {
		return 0, nil, banks.E(op, banks.Unavailable, fmt.Errorf("the bank did not answer: %w", err))
	}
	defer res.Body.Close()
	body, err := io.ReadAll(io.LimitReader(res.Body, 1<<20))
	if err != nil {
		return 0, nil, banks.E(op, banks.Unavailable, err)
	}
	return res.StatusCode, body, nil
}

// payCIBA is Pay with decoupled approval by CIBA.
func (c *Client) payCIBA(ctx context.Context, op string, u banks.User, key string, k keys, entry JournalEntry) (banks.PaymentResult, error) {
	prev, ok, err := c.journal.Recall(ctx, u.Customer, key)
	if err != nil {
		return banks.PaymentResult{}, banks.E(op, banks.Unavailable, err)
	}
	same := ok && bytes.Equal(prev.Initiation, entry.Initiation) && bytes.Equal(prev.Risk, entry.Risk)
	if same && prev.PaymentID != "" {
		// Paid already: the same payment again.
		var res paymentResponse
		if err := c.do(ctx, request{op: op, method: http.MethodGet, url: endpoint(c.payments, "domestic-payments", prev.PaymentID),
			tokens: c.clientToken("payments"), verify: true}, &res); err != nil {
			return banks.PaymentResult{}, err
		}
		return c.paymentResult(op, res)
	}
	if same && prev.AuthReqID != "" && prev.ConsentID != "" {
		return c.pollCIBA(ctx, op, u, key, k, prev)
	}
	var cr consentRequest
	cr.Data.Initiation, cr.Risk = entry.Initiation, entry.Risk
	body, _ := json.Marshal(cr)
	var cons consentResponse
	if err := c.do(ctx, request{op: op, method: http.MethodPost, url: endpoint(c.payments, "domestic-payment-consents"), body: body,
		tokens: c.clientToken("payments"), key: k.consent, sign: true, verify: true}, &cons); err != nil {
		return banks.PaymentResult{}, err
	}
	entry.ConsentID = cons.Data.ConsentID
	if entry.ConsentID == "" {
		return banks.PaymentResult{}, banks.Errorf(op, banks.Unavailable, "the bank's consent has no ConsentId")
	}
	switch v3(cons.Data.Status, consentStatuses) {
	case "AwaitingAuthorisation":
	case "Rejected", "Revoked":
		if c.expired(cons) {
			return banks.PaymentResult{}, banks.Refuse(op, "sca_expired")
		}
		return banks.PaymentResult{}, banks.Refuse(op, "sca_rejected")
	case "Expired":
		return banks.PaymentResult{}, banks.Refuse(op, "sca_expired")
	case "Consumed":
		// Paid under this key, though the journal forgot: asking again
		// under the key returns the payment.
		return c.finishCIBA(ctx, op, u, key, k, c.clientToken("payments"), entry, false)
	default:
		return banks.PaymentResult{}, banks.Errorf(op, banks.Unavailable, "the consent is %s, without a backchannel request the connector knows", cons.Data.Status)
	}
	status, raw, err := c.postForm(ctx, op, c.backchannelURL(), url.Values{"scope": {"openid payments"}, "login_hint": {c.loginHint(u)},
		"openbanking_intent_id": {entry.ConsentID}})
	if err != nil {
		return banks.PaymentResult{}, err
	}
	if status != http.StatusOK {
		return banks.PaymentResult{}, c.backchannelError(op, status, raw)
	}
	var ack struct {
		AuthReqID string `json:"auth_req_id"`
		ExpiresIn int    `json:"expires_in"`
		Interval  int    `json:"interval"`
	}
	if err := json.Unmarshal(raw, &ack); err != nil || ack.AuthReqID == "" {
		return banks.PaymentResult{}, banks.Errorf(op, banks.Unavailable, "malformed backchannel authentication response from the bank")
	}
	entry.AuthReqID = ack.AuthReqID
	if err := c.journal.Remember(ctx, u.Customer, key, entry); err != nil {
		return banks.PaymentResult{}, banks.E(op, banks.Unavailable, err)
	}
	return banks.PaymentResult{AwaitingApproval: true}, nil
}

// backchannelError maps an error of the backchannel authentication endpoint.
func (c *Client) backchannelError(op string, status int, raw []byte) error {
	var e oauthError
	json.Unmarshal(raw, &e)
	switch {
	case e.Error == "unknown_user_id":
		return banks.Errorf(op, banks.NotLinked, "the bank does not know the customer: %s", e.Description)
	case e.Error == "expired_login_hint_token":
		return banks.Refuse(op, "sca_expired")
	case e.Error == "access_denied":
		return banks.Refuse(op, "sca_rejected")
	case status == http.StatusBadRequest && (e.Error == "invalid_request" || e.Error == "invalid_scope"):
		return banks.Errorf(op, banks.Invalid, "the bank refuses the backchannel request: %s %s", e.Error, e.Description)
	}
	return banks.Errorf(op, banks.Unavailable, "backchannel authentication: %d %s %s", status, e.Error, e.Description)
}

// pollCIBA asks the token endpoint whether the customer decided.
func (c *Client) pollCIBA(ctx context.Context, op string, u banks.User, key string, k keys, entry JournalEntry) (banks.PaymentResult, error) {
	if tok, ok := c.cibaToken(entry.AuthReqID); ok {
		return c.finishCIBA(ctx, op, u, key, k, oauth2.StaticTokenSource(tok), entry, true)
	}
	status, raw, err := c.postForm(ctx, op, c.o.TokenURL, url.Values{"grant_type": {cibaGrantType}, "auth_req_id": {entry.AuthReqID}})
	if err != nil {
		return banks.PaymentResult{}, err
	}
	if status == http.StatusOK {
		var t struct {
			AccessToken string `json:"access_token"`
			TokenType   string `json:"token_type"`
			ExpiresIn   int    `json:"expires_in"`
		}
		if err := json.Unmarshal(raw, &t); err != nil || t.AccessToken == "" {
			return banks.PaymentResult{}, banks.Errorf(op, banks.Unavailable, "malformed token response from the bank")
		}
		tok := &oauth2.Token{AccessToken: t.AccessToken, TokenType: t.TokenType}
		if t.ExpiresIn > 0 {
			tok.Expiry = time.Now().Add(time.Duration(t.ExpiresIn) * time.Second)
		}
		c.keepCIBAToken(entry.AuthReqID, tok)
		return c.finishCIBA(ctx, op, u, key, k, oauth2.StaticTokenSource(tok), entry, true)
	}
	var e oauthError
	json.Unmarshal(raw, &e)
	switch e.Error {
	case "authorization_pending", "slow_down":
		return banks.PaymentResult{AwaitingApproval: true}, nil
	case "access_denied":
		return banks.PaymentResult{}, banks.Refuse(op, "sca_rejected")
	case "expired_token":
		return banks.PaymentResult{}, banks.Refuse(op, "sca_expired")
	case "invalid_grant":
		// The tokens were handed out, and are lost: if the bank paid
		// already, asking again under the key returns the payment.
		var cons consentResponse
		if err := c.do(ctx, request{op: op, method: http.MethodGet, url: endpoint(c.payments, "domestic-payment-consents", entry.ConsentID),
			tokens: c.clientToken("payments"), verify: true}, &cons); err != nil {
			return banks.PaymentResult{}, err
		}
		switch v3(cons.Data.Status, consentStatuses) {
		case "Consumed":
			return c.finishCIBA(ctx, op, u, key, k, c.clientToken("payments"), entry, false)
		case "Rejected", "Revoked":
			return banks.PaymentResult{}, banks.Refuse(op, "sca_rejected")
		case "Expired":
			return banks.PaymentResult{}, banks.Refuse(op, "sca_expired")
		}
		return banks.PaymentResult{}, banks.Errorf(op, banks.Unavailable, "the bank's approval tokens were handed out and lost (the consent is %s)", cons.Data.Status)
	}
	return banks.PaymentResult{}, banks.Errorf(op, banks.Unavailable, "polling the token endpoint: %d %s %s", status, e.Error, e.Description)
}

// finishCIBA checks the funds and makes (or finds again) the payment
// with the tokens of the approval.
func (c *Client) finishCIBA(ctx context.Context, op string, u banks.User, key string, k keys, ts oauth2.TokenSource, entry JournalEntry,
	checkFunds bool) (banks.PaymentResult, error) {
	if checkFunds {
		if err := c.cibaFunds(ctx, op, ts, entry); err != nil {
			return banks.PaymentResult{}, err
		}
	}
	res, err := c.execute(ctx, op, k, ts, entry)
	if err != nil {
		return banks.PaymentResult{}, err
	}
	entry.PaymentID = res.Data.DomesticPaymentID
	c.journal.Remember(ctx, u.Customer, key, entry)
	c.dropCIBAToken(entry.AuthReqID)
	return c.paymentResult(op, res)
}

// cibaFunds confirms the funds of an approved consent.
func (c *Client) cibaFunds(ctx context.Context, op string, ts oauth2.TokenSource, entry JournalEntry) error {
	var funds struct {
		Data struct {
			FundsAvailableResult *struct{ FundsAvailable bool }
		}
	}
	err := c.do(ctx, request{op: op, method: http.MethodGet, url: endpoint(c.payments, "domestic-payment-consents", entry.ConsentID,
		"funds-confirmation"), tokens: ts, verify: true}, &funds)
	switch {
	case err == nil && funds.Data.FundsAvailableResult != nil && !funds.Data.FundsAvailableResult.FundsAvailable:
		return banks.Refuse(op, "insufficient_funds")
	case err != nil && banks.KindOf(err) != banks.NotFound && banks.KindOf(err) != banks.Other && banks.KindOf(err) != banks.Invalid:
		// A bank without funds confirmation (404, 405) pays anyway, and
		// so does a consent the bank consumed already (400).
		return err
	}
	return nil
}

// paymentResult is what Pay reports of a payment the bank made.
func (c *Client) paymentResult(op string, res paymentResponse) (banks.PaymentResult, error) {
	if st := res.Data.Status; st == "Rejected" || st == "RJCT" || st == "CANC" || st == "BLCK" {
		return banks.PaymentResult{}, banks.Refuse(op, "not_allowed")
	}
	out := banks.PaymentResult{Reference: res.Data.DomesticPaymentID, Date: day(c.o.Now())}
	if t, err := time.Parse(time.RFC3339, res.Data.CreationDateTime); err == nil {
		out.Date = day(t)
	}
	return out, nil
}
