package ukob

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"time"

	"golang.org/x/oauth2"

	"github.com/kontoskill/konto/banks"
)

// What account linking needs: an account-access consent, the address
// where the customer approves it at the bank, and the exchange of the
// code the bank returns for the customer's tokens.

func (c *Client) oauthConfig() *oauth2.Config {
	return &oauth2.Config{ClientID: c.o.ClientID, ClientSecret: c.o.ClientSecret, RedirectURL: c.o.RedirectURL,
		Scopes: c.o.Scopes, Endpoint: oauth2.Endpoint{AuthURL: c.o.AuthorizeURL, TokenURL: c.o.TokenURL}}
}

// CreateAccountConsent asks the bank for access to the customer's
// accounts (Options.Permissions, for Options.ConsentLifetime) and returns
// the consent and the address to send the customer to; state comes back
// with the code, as OAuth 2 has it. The request is signed (a request
// object naming the consent) when a SigningKey is set.
// Errors: Unavailable, Invalid (the bank refused the request).
func (c *Client) CreateAccountConsent(ctx context.Context, state string) (consentID, authorizeURL string, err error) {
	const op = "ukob.CreateAccountConsent"
	if c.o.AuthorizeURL == "" || c.o.RedirectURL == "" {
		return "", "", banks.Errorf(op, banks.NotSupported, "AuthorizeURL and RedirectURL are needed to link accounts")
	}
	data := map[string]any{"Permissions": c.o.Permissions}
	if c.o.ConsentLifetime > 0 {
		data["ExpirationDateTime"] = c.o.Now().Add(c.o.ConsentLifetime).UTC().Format(time.RFC3339)
	}
	body, _ := json.Marshal(map[string]any{"Data": data, "Risk": map[string]any{}})
	var res struct {
		Data struct {
			ConsentID string `json:"ConsentId"`
			Status    string `json:"Status"`
		}
	}
	if err := c.do(ctx, request{op: op, method: http.MethodPost, url: endpoint(c.accounts, "account-access-consents"), body: body,
		tokens: c.clientToken("accounts")}, &res); err != nil {
		return "", "", err
	}
	if res.Data.ConsentID == "" {
		return "", "", banks.Errorf(op, banks.Unavailable, "the bank's consent has no ConsentId")
	}
	scope := strings.Join(c.o.Scopes, " ")
	q := url.Values{"client_id": {c.o.ClientID}, "redirect_uri": {c.o.RedirectURL}, "response_type": {"code"}, "scope": {scope}, "state": {state}}
	if c.o.SigningKey != nil {
		nonce := make([]byte, 16)
		rand.Read(nonce)
		now := c.o.Now()
		intent := map[string]any{"openbanking_intent_id": map[string]any{"value": res.Data.ConsentID, "essential": true}}
		ro, err := c.signRequest(map[string]any{"iss": c.o.ClientID, "aud": c.o.Audience, "client_id": c.o.ClientID,
			"redirect_uri": c.o.RedirectURL, "response_type": "code", "scope": scope, "state": state, "nonce": hex.EncodeToString(nonce),
			"iat": now.Unix(), "nbf": now.Unix(), "exp": now.Add(10 * time.Minute).Unix(),
			"claims": map[string]any{"id_token": intent, "userinfo": intent}})
		if err != nil {
			return "", "", banks.E(op, banks.Other, err)
		}
		q.Set("request", ro)
	} else {
		q.Set("consent_id", res.Data.ConsentID)
	}
	sep := "?"
	if strings.Contains(c.o.AuthorizeURL, "?") {
		sep = "&"
	}
	return res.Data.ConsentID, c.o.AuthorizeURL + sep + q.Encode(), nil
}

// Exchange trades the code the bank returned for the customer's tokens.
// Errors: Invalid (an unknown, used or expired code), Unavailable.
func (c *Client) Exchange(ctx context.Context, code string) (*oauth2.Token, error) {
	const op = "ukob.Exchange"
	tok, err := c.oauthConfig().Exchange(context.WithValue(ctx, oauth2.HTTPClient, c.http), code)
	if err != nil {
		var re *oauth2.RetrieveError
		if errors.As(err, &re) && re.Response != nil && re.Response.StatusCode < 500 && re.Response.StatusCode != http.StatusTooManyRequests {
			return nil, banks.E(op, banks.Invalid, err)
		}
		return nil, banks.E(op, banks.Unavailable, err)
	}
	return tok, nil
}

// TokenSource refreshes the customer's tokens as needed (ctx carries
// nothing but values into the refreshes, which outlive it).
func (c *Client) TokenSource(ctx context.Context, tok *oauth2.Token) oauth2.TokenSource {
	return c.oauthConfig().TokenSource(c.oauthContext(ctx), tok)
}

// RevokeAccountConsent ends an account-access consent, as a customer who
// unlinks the bank expects. Errors: NotFound, Unavailable.
func (c *Client) RevokeAccountConsent(ctx context.Context, consentID string) error {
	return c.do(ctx, request{op: "ukob.RevokeAccountConsent", method: http.MethodDelete,
		url: endpoint(c.accounts, "account-access-consents", consentID), tokens: c.clientToken("accounts")}, nil)
}
