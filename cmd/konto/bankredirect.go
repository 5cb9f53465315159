package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"sync/atomic"
	"time"

	"golang.org/x/oauth2"

	"github.com/kontoskill/konto/banks"
	"github.com/kontoskill/konto/banks/berlingroup"
	"github.com/kontoskill/konto/banks/ukob"
	"github.com/kontoskill/konto/skill/linking"
)

// realBanks joins the banks file to account linking: the banks a person
// can choose on Konto's linking pages, the BankRedirect that sends them
// to a UK Open Banking or Berlin Group bank's own page, and the
// GrantSource through which the connectors read the bank tokens linking
// keeps. The connectors are built before the linking server, so the
// server is set afterwards (setServer).
type realBanks struct {
	list []bankConfig
	link atomic.Pointer[linking.Server]
}

func newRealBanks(list []bankConfig) *realBanks { return &realBanks{list: list} }

// setServer is called once the linking server exists.
func (rb *realBanks) setServer(s *linking.Server) { rb.link.Store(s) }

// linkingBanks are the file's banks as the linking pages offer them.
func (rb *realBanks) linkingBanks() []linking.Bank {
	var out []linking.Bank
	for _, b := range rb.list {
		std := linking.StandardSandbox
		switch b.Standard {
		case standardUKOB:
			std = linking.StandardUKOB
		case standardBerlinGroup:
			std = linking.StandardBerlinGroup
		}
		out = append(out, linking.Bank{ID: b.ID, Name: cmpOr(b.Name, b.ID), Standard: std, ConsentDays: b.ConsentDays})
	}
	return out
}

func (rb *realBanks) bank(id string) (bankConfig, bool) {
	i := slices.IndexFunc(rb.list, func(b bankConfig) bool { return b.ID == id })
	if i < 0 {
		return bankConfig{}, false
	}
	return rb.list[i], true
}

// linkedTokens is what a BankLink's Tokens hold: the Grant as JSON.
type linkedTokens struct {
	Token     *oauth2.Token `json:"token,omitempty"`
	ConsentID string        `json:"consent_id,omitempty"`
}

// grants is the connectors' GrantSource: the newest grant in force of
// the user at the bank, with its bank tokens opened.
func (rb *realBanks) grants(ctx context.Context, bankID string, u banks.User) (Grant, error) {
	const op = "konto.grants"
	s := rb.link.Load()
	if s == nil {
		return noGrants(ctx, bankID, u)
	}
	u.Bank = bankID
	g, raw, err := s.BankTokens(ctx, u)
	if err != nil {
		return Grant{}, err
	}
	if len(raw) == 0 {
		return Grant{}, banks.Errorf(op, banks.NotLinked, "the grant at bank %q holds no bank tokens", bankID)
	}
	var t linkedTokens
	if err := json.Unmarshal(raw, &t); err != nil {
		return Grant{}, banks.E(op, banks.Unavailable, errors.New("the stored bank tokens do not decode"))
	}
	if t.ConsentID == "" {
		t.ConsentID = g.ConsentID
	}
	return Grant{Token: t.Token, ConsentID: t.ConsentID}, nil
}

// saveToken is the connectors' SaveToken: a token the bank refreshed
// replaces the one in the user's grant (sealed, as linked), so that the
// next call refreshes with the refresh token the bank gave last.
func (rb *realBanks) saveToken(ctx context.Context, bankID string, u banks.User, tok *oauth2.Token) error {
	s := rb.link.Load()
	if s == nil {
		return nil
	}
	u.Bank = bankID
	g, raw, err := s.BankTokens(ctx, u)
	if err != nil {
		return err
	}
	var t linkedTokens
	if len(raw) > 0 {
		if err := json.Unmarshal(raw, &t); err != nil {
			return banks.E("konto.saveToken", banks.Unavailable, errors.New("the stored bank tokens do not decode"))
		}
	}
	t.Token = tok
	if t.ConsentID == "" {
		t.ConsentID = g.ConsentID
	}
	out, err := json.Marshal(t)
	if err != nil {
		return banks.E("konto.saveToken", banks.Other, err)
	}
	return s.SaveBankTokens(ctx, u, out)
}

// fixedGrant is a GrantSource that answers one grant for anyone: the
// connector linking uses to learn whose accounts a fresh consent reads.
func fixedGrant(g Grant) GrantSource {
	return func(context.Context, string, banks.User) (Grant, error) { return g, nil }
}

// redirect is the BankRedirect of the file's banks.
func (rb *realBanks) redirect() linking.BankRedirect { return bankRedirect{rb} }

type bankRedirect struct{ rb *realBanks }

// redirectData is BankAuth.Data: what Complete needs of Start.
type redirectData struct {
	ConsentID string `json:"consent_id"`
	State     string `json:"state,omitempty"`
}

func (r bankRedirect) config(op string, b linking.Bank) (bankConfig, error) {
	bc, ok := r.rb.bank(b.ID)
	if !ok {
		return bankConfig{}, banks.Errorf(op, banks.NotSupported, "bank %q is not in the banks file", b.ID)
	}
	return bc, nil
}

// psuIPOf is the address sent as PSU-IP-Address: the banks file's psu_ip_address (required for berlingroup).
func psuIPOf(bc bankConfig) string { return bc.PSUIPAddress }

// Start creates the consent at the bank and returns its page.
func (r bankRedirect) Start(ctx context.Context, s linking.BankStart) (linking.BankAuth, error) {
	const op = "konto.BankRedirect.Start"
	bc, err := r.config(op, s.Bank)
	if err != nil {
		return linking.BankAuth{}, err
	}
	switch bc.Standard {
	case standardUKOB:
		// The redirect_uri is the one registered at the bank (the banks
		// file's redirect_url), which must lead to Konto's callback.
		conn, err := bc.connector(connectorDeps{})
		if err != nil {
			return linking.BankAuth{}, banks.E(op, banks.Unavailable, err)
		}
		consentID, page, err := conn.(*ukob.Client).CreateAccountConsent(ctx, s.State)
		if err != nil {
			return linking.BankAuth{}, err
		}
		data, _ := json.Marshal(redirectData{ConsentID: consentID})
		return linking.BankAuth{URL: page, Data: data}, nil
	case standardBerlinGroup:
		// Berlin Group has no state of its own: it comes back in the
		// TPP-Redirect-URI's query.
		target, err := url.Parse(cmpOr(s.RedirectURI, bc.RedirectURL))
		if err != nil {
			return linking.BankAuth{}, banks.E(op, banks.Invalid, err)
		}
		q := target.Query()
		q.Set("state", s.State)
		target.RawQuery = q.Encode()
		bc.RedirectURL = target.String()
		conn, err := bc.connector(connectorDeps{})
		if err != nil {
			return linking.BankAuth{}, banks.E(op, banks.Unavailable, err)
		}
		consentID, page, err := conn.(*berlingroup.Client).CreateConsent(ctx, psuIPOf(bc))
		if err != nil {
			return linking.BankAuth{}, err
		}
		if page == "" {
			return linking.BankAuth{}, banks.Errorf(op, banks.NotSupported, "bank %q offers no redirect approach for consents", bc.ID)
		}
		data, _ := json.Marshal(redirectData{ConsentID: consentID, State: s.State})
		return linking.BankAuth{URL: page, Data: data}, nil
	}
	return linking.BankAuth{}, banks.Errorf(op, banks.NotSupported, "bank %q of standard %s links without a redirect", bc.ID, bc.Standard)
}

// Complete exchanges the bank's answer for the customer's tokens and says
// whose accounts they read.
func (r bankRedirect) Complete(ctx context.Context, c linking.BankCallback) (linking.BankLink, error) {
	const op = "konto.BankRedirect.Complete"
	bc, err := r.config(op, c.Bank)
	if err != nil {
		return linking.BankLink{}, err
	}
	var d redirectData
	if err := json.Unmarshal(c.Data, &d); err != nil || d.ConsentID == "" {
		return linking.BankLink{}, banks.Errorf(op, banks.NotLinked, "the flow holds no consent")
	}
	var g Grant
	switch bc.Standard {
	case standardUKOB:
		code := c.Query.Get("code")
		if code == "" {
			return linking.BankLink{}, banks.Errorf(op, banks.NotLinked, "the bank sent no code")
		}
		conn, err := bc.connector(connectorDeps{})
		if err != nil {
			return linking.BankLink{}, banks.E(op, banks.Unavailable, err)
		}
		tok, err := conn.(*ukob.Client).Exchange(ctx, code)
		if err != nil {
			if banks.KindOf(err) == banks.Invalid {
				return linking.BankLink{}, banks.E(op, banks.NotLinked, err)
			}
			return linking.BankLink{}, err
		}
		g = Grant{Token: tok, ConsentID: d.ConsentID}
	case standardBerlinGroup:
		conn, err := bc.connector(connectorDeps{})
		if err != nil {
			return linking.BankLink{}, banks.E(op, banks.Unavailable, err)
		}
		bg := conn.(*berlingroup.Client)
		for deadline := time.Now().Add(5 * time.Second); ; {
			st, err := bg.ConsentStatus(ctx, d.ConsentID)
			if err != nil {
				return linking.BankLink{}, err
			}
			if st == "valid" {
				break
			}
			if st != "received" && st != "partiallyAuthorised" || time.Now().After(deadline) {
				return linking.BankLink{}, banks.Errorf(op, banks.NotLinked, "the consent is %s", st)
			}
			select {
			case <-ctx.Done():
				return linking.BankLink{}, banks.E(op, banks.Unavailable, ctx.Err())
			case <-time.After(100 * time.Millisecond):
			}
		}
		g = Grant{ConsentID: d.ConsentID}
	default:
		return linking.BankLink{}, banks.Errorf(op, banks.NotSupported, "bank %q links without a redirect", bc.ID)
	}
	customer, err := customerOf(ctx, bc, g)
	if err != nil {
		return linking.BankLink{}, err
	}
	tokens, err := json.Marshal(linkedTokens{Token: g.Token, ConsentID: g.ConsentID})
	if err != nil {
		return linking.BankLink{}, banks.E(op, banks.Other, err)
	}
	return linking.BankLink{User: banks.User{Bank: bc.ID, Customer: customer, Locale: bc.Locale}, ConsentID: g.ConsentID, Tokens: tokens}, nil
}

// customerOf is the customer reference Konto keeps for a consent: neither
// standard names the customer to the third party, so it is a pseudonym
// of the accounts the consent reads (the same accounts, the same
// customer, whichever consent), prefixed "c-".
func customerOf(ctx context.Context, bc bankConfig, g Grant) (string, error) {
	const op = "konto.customerOf"
	conn, err := bc.connector(connectorDeps{Grants: fixedGrant(g)})
	if err != nil {
		return "", banks.E(op, banks.Unavailable, err)
	}
	if bc.Standard == standardBerlinGroup {
		// The customer is present: this read does not count against the
		// consent's unattended accesses.
		ctx = berlingroup.WithPSU(ctx, psuIPOf(bc))
	}
	accts, err := conn.Accounts(ctx, banks.User{Bank: bc.ID, Customer: "linking", Locale: bc.Locale})
	if err != nil {
		if k := banks.KindOf(err); k == banks.NotLinked || k == banks.Forbidden || k == banks.ConsentExpired {
			return "", banks.E(op, banks.NotLinked, err)
		}
		return "", err
	}
	if len(accts) == 0 {
		return "", banks.Errorf(op, banks.NotLinked, "the consent reads no accounts")
	}
	ids := make([]string, 0, len(accts))
	for _, a := range accts {
		ids = append(ids, a.ID)
	}
	slices.Sort(ids)
	h := sha256.Sum256([]byte("konto-customer\x00" + bc.ID + "\x00" + strings.Join(ids, "\x00")))
	return "c-" + hex.EncodeToString(h[:10]), nil
}

// RevokeConsent ends a grant's consent at its bank.
func (r bankRedirect) RevokeConsent(ctx context.Context, g linking.Grant, tokens []byte) error {
	const op = "konto.BankRedirect.RevokeConsent"
	bc, ok := r.rb.bank(g.Bank)
	if !ok {
		return nil
	}
	var t linkedTokens
	if len(tokens) > 0 {
		if err := json.Unmarshal(tokens, &t); err != nil {
			return banks.E(op, banks.Unavailable, errors.New("the stored bank tokens do not decode"))
		}
	}
	consentID := cmpOr(t.ConsentID, g.ConsentID)
	if consentID == "" {
		return nil
	}
	conn, err := bc.connector(connectorDeps{})
	if err != nil {
		return banks.E(op, banks.Unavailable, err)
	}
	switch c := conn.(type) {
	case *ukob.Client:
		if err := c.RevokeAccountConsent(ctx, consentID); err != nil && banks.KindOf(err) != banks.NotFound {
			return err
		}
	case *berlingroup.Client:
		return c.DeleteConsent(ctx, consentID)
	default:
		return fmt.Errorf("%s: bank %q has no consents", op, bc.ID)
	}
	return nil
}

// voiceTurns marks the context of an assistant's request as one where the
// customer takes part (berlingroup.WithPSU): a voice turn is the customer
// asking, so its reads at a Berlin Group bank are not the consent's few
// unattended accesses of the day. The PSU-IP-Address sent is the banks
// file's psu_ip_address (Konto does not learn the device's address; the
// standard then wants the TPP's own). Without such a bank, ctx as is.
func (rb *realBanks) voiceTurns(ctx context.Context) context.Context {
	if rb == nil {
		return ctx
	}
	for _, b := range rb.list {
		if b.Standard == standardBerlinGroup && b.PSUIPAddress != "" {
			return berlingroup.WithPSU(ctx, b.PSUIPAddress)
		}
	}
	return ctx
}
