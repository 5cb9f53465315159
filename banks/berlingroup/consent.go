package berlingroup

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"time"

	"github.com/kontoskill/konto/banks"
)

// CreateConsent asks the bank for a recurring consent to read all the
// PSU's accounts, balances and transactions (allPsd2), valid for
// Options.ConsentDays and Options.FrequencyPerDay unattended reads a day,
// for the PSU at psuIP. It returns the consent's id and the link to send
// the PSU to for SCA (_links.scaRedirect, or scaOAuth at OAuth banks;
// empty when the bank chose decoupled SCA). Poll ConsentStatus until it
// is "valid". Errors: Invalid, NotSupported, Unavailable.
func (c *Client) CreateConsent(ctx context.Context, psuIP string) (consentID, scaRedirect string, err error) {
	const op = "berlingroup.CreateConsent"
	if net.ParseIP(psuIP) == nil {
		return "", "", banks.Errorf(op, banks.Invalid, "PSU-IP-Address %q is not an IP address", psuIP)
	}
	body := map[string]any{
		"access":                   map[string]string{"allPsd2": "allAccounts"},
		"recurringIndicator":       true,
		"validUntil":               day(c.now()).AddDate(0, 0, c.opts.ConsentDays).Format(time.DateOnly),
		"frequencyPerDay":          c.opts.FrequencyPerDay,
		"combinedServiceIndicator": false,
	}
	h := map[string]string{"TPP-Redirect-Preferred": "true"}
	if c.opts.RedirectURI != "" {
		h["TPP-Redirect-URI"] = c.opts.RedirectURI
	}
	var resp struct {
		ConsentStatus string              `json:"consentStatus"`
		ConsentID     string              `json:"consentId"`
		Links         map[string]hrefLink `json:"_links"`
	}
	// One X-Request-ID for every attempt: a retry is the same request.
	cl := call{method: http.MethodPost, target: "/v1/consents", body: body, requestID: newUUID(), psuIP: psuIP, header: h, retry: true}
	if _, err := c.do(ctx, op, cl, &resp); err != nil {
		return "", "", err
	}
	if resp.ConsentID == "" || strings.ContainsAny(resp.ConsentID, "/?#") {
		return "", "", banks.Errorf(op, banks.Unavailable, "the bank returned no usable consentId")
	}
	redirect := resp.Links["scaRedirect"].Href
	if redirect == "" {
		redirect = resp.Links["scaOAuth"].Href
	}
	for k := range resp.Links {
		if redirect == "" && strings.HasPrefix(k, "startAuthorisation") {
			// An explicit start (embedded, or decoupled with PSU
			// identification) is a dialogue this connector does not hold.
			return "", "", banks.Errorf(op, banks.NotSupported, "the bank wants an explicitly started authorisation (%s)", k)
		}
	}
	return resp.ConsentID, redirect, nil
}

// ConsentStatus returns a consent's status at the bank: received, valid,
// rejected, expired, revokedByPsu, terminatedByTpp or partiallyAuthorised.
// Errors: NotFound, NotLinked (an unknown consent), Unavailable.
func (c *Client) ConsentStatus(ctx context.Context, consentID string) (string, error) {
	const op = "berlingroup.ConsentStatus"
	var resp struct {
		ConsentStatus string `json:"consentStatus"`
	}
	target := "/v1/consents/" + url.PathEscape(consentID) + "/status"
	if _, err := c.do(ctx, op, call{method: http.MethodGet, target: target, retry: true}, &resp); err != nil {
		return "", err
	}
	if resp.ConsentStatus == "" {
		return "", banks.Errorf(op, banks.Unavailable, "no consentStatus")
	}
	return resp.ConsentStatus, nil
}

// DeleteConsent ends a consent at the bank (terminatedByTpp). A consent
// the bank no longer knows or that has already ended counts as deleted.
// Errors: Unavailable.
func (c *Client) DeleteConsent(ctx context.Context, consentID string) error {
	const op = "berlingroup.DeleteConsent"
	target := "/v1/consents/" + url.PathEscape(consentID)
	_, err := c.do(ctx, op, call{method: http.MethodDelete, target: target, retry: true}, nil)
	switch banks.KindOf(err) {
	case banks.NotLinked, banks.ConsentExpired, banks.NotFound:
		return nil
	}
	return err
}

// RevokeAccess implements banks.Revoker: it deletes the user's consent at
// the bank. Errors: Unavailable.
func (c *Client) RevokeAccess(ctx context.Context, u banks.User) error {
	l, err := c.link(ctx, "berlingroup.RevokeAccess", u)
	if err != nil {
		return nil // nothing to revoke
	}
	c.mu.Lock()
	delete(c.cache, l.consentID)
	c.mu.Unlock()
	return c.DeleteConsent(ctx, l.consentID)
}

// Payees implements banks.Recipients from Options.Payees (Berlin Group
// has no beneficiary list). Errors: NotLinked, Unavailable.
func (c *Client) Payees(ctx context.Context, u banks.User) ([]banks.Payee, error) {
	ps, err := c.payees(ctx, "berlingroup.Payees", u)
	if err != nil {
		return nil, err
	}
	out := make([]banks.Payee, 0, len(ps))
	for _, p := range ps {
		out = append(out, p.Payee)
	}
	return out, nil
}

func (c *Client) payees(ctx context.Context, op string, u banks.User) ([]Payee, error) {
	if _, err := c.link(ctx, op, u); err != nil {
		return nil, err
	}
	if c.opts.Payees == nil {
		return nil, nil
	}
	ps, err := c.opts.Payees(ctx, u)
	if err != nil {
		return nil, wrap(op, err)
	}
	for i := range ps {
		if ps[i].LastFour == "" {
			ps[i].LastFour = lastFour(ps[i].IBAN)
		}
	}
	return ps, nil
}

// Billers implements banks.Recipients from Options.Billers. Errors:
// NotLinked, Unavailable.
func (c *Client) Billers(ctx context.Context, u banks.User) ([]banks.Biller, error) {
	bs, err := c.billers(ctx, "berlingroup.Billers", u)
	if err != nil {
		return nil, err
	}
	out := make([]banks.Biller, 0, len(bs))
	for _, b := range bs {
		out = append(out, b.Biller)
	}
	return out, nil
}

func (c *Client) billers(ctx context.Context, op string, u banks.User) ([]Biller, error) {
	if _, err := c.link(ctx, op, u); err != nil {
		return nil, err
	}
	if c.opts.Billers == nil {
		return nil, nil
	}
	bs, err := c.opts.Billers(ctx, u)
	if err != nil {
		return nil, wrap(op, err)
	}
	return bs, nil
}

// wrap keeps a configured function's *banks.Error kind and makes anything
// else Unavailable.
func wrap(op string, err error) error {
	var be *banks.Error
	if errors.As(err, &be) && be.Kind != banks.Other {
		return banks.E(op, be.Kind, err)
	}
	return banks.E(op, banks.Unavailable, err)
}

// ProductSheet implements banks.Products from Options.Sheets: the
// locale's sheet, else its language's, else the one under "". Errors:
// NotSupported.
func (c *Client) ProductSheet(ctx context.Context, locale string) (banks.ProductSheet, error) {
	if s, ok := c.opts.Sheets[locale]; ok {
		return s, nil
	}
	lang, _, _ := strings.Cut(locale, "-")
	keys := make([]string, 0, len(c.opts.Sheets))
	for k := range c.opts.Sheets {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if l, _, _ := strings.Cut(k, "-"); k != "" && strings.EqualFold(l, lang) {
			return c.opts.Sheets[k], nil
		}
	}
	if s, ok := c.opts.Sheets[""]; ok {
		return s, nil
	}
	return banks.ProductSheet{}, banks.Errorf("berlingroup.ProductSheet", banks.NotSupported, "no product sheet for %s", locale)
}
