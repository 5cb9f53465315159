package linking

import (
	"context"
	"errors"
	"slices"
	"strings"
	"time"

	"github.com/kontoskill/konto/banks"
)

// Authenticator turns the access tokens this server issued into the bank
// user of their grant, for the core (skill.Config.Auth), and withdraws a
// customer's grants when they unlink or delete their data.
type Authenticator struct{ s *Server }

var (
	_ banks.Authenticator = (*Authenticator)(nil)
	_ banks.Revoker       = (*Authenticator)(nil)
)

// Authenticator returns the server's Authenticator.
func (s *Server) Authenticator() *Authenticator { return &Authenticator{s: s} }

// touchEvery is how often a grant's LastUsed is written: about hourly is
// enough for a ledger, and it keeps a write off most requests.
const touchEvery = time.Hour

// Authenticate implements banks.Authenticator: the user of the token's
// grant (Bank is the bank id, Customer the bank's customer reference),
// with the grant's further banks in force as Others. Errors: NotLinked
// for a token that is not one of ours, unknown, expired, rotated or
// revoked; ConsentExpired when its grant has run out; Unavailable.
func (a *Authenticator) Authenticate(ctx context.Context, token string) (banks.User, error) {
	u, _, err := a.AuthenticateScoped(ctx, token)
	return u, err
}

// AuthenticateScoped is Authenticate and Scopes in one look at the grant,
// which the core asks for on every turn. Errors: as Authenticate.
func (a *Authenticator) AuthenticateScoped(ctx context.Context, token string) (banks.User, []string, error) {
	g, err := a.grant(ctx, token)
	if err != nil {
		return banks.User{}, nil, err
	}
	u, err := a.userOf(ctx, g)
	return u, slices.Clone(g.Scopes), err
}

func (a *Authenticator) userOf(ctx context.Context, g Grant) (banks.User, error) {
	u := banks.User{Bank: g.Bank, Customer: g.Customer, Locale: g.Locale}
	more, err := a.s.grantBanks(ctx, g.ID)
	if err != nil {
		return banks.User{}, banks.E("linking.Authenticate", banks.Unavailable, err)
	}
	now := a.s.now()
	for _, b := range more {
		if b.RevokedAt.IsZero() && now.Before(b.ExpiresAt) && b.Customer != "" {
			u.Others = append(u.Others, banks.User{Bank: b.Bank, Customer: b.Customer, Locale: b.Locale})
		}
	}
	return u, nil
}

// grantBanks lists a grant's further banks; none when the store keeps
// one bank per grant.
func (s *Server) grantBanks(ctx context.Context, grantID string) ([]GrantBank, error) {
	st, ok := s.store.(GrantBanks)
	if !ok {
		return nil, nil
	}
	return st.GrantBanks(ctx, grantID)
}

// Scopes returns the scopes the token's grant allows (ScopeAccounts,
// ScopePayments, ScopeAlerts). Errors: as Authenticate.
func (a *Authenticator) Scopes(ctx context.Context, token string) ([]string, error) {
	g, err := a.grant(ctx, token)
	if err != nil {
		return nil, err
	}
	return slices.Clone(g.Scopes), nil
}

// Until returns when the token's grant (the person's consent) ends.
// Errors: as Authenticate.
func (a *Authenticator) Until(ctx context.Context, token string) (time.Time, error) {
	g, err := a.grant(ctx, token)
	if err != nil {
		return time.Time{}, err
	}
	return g.ExpiresAt, nil
}

// grant finds the grant of an access token in force.
func (a *Authenticator) grant(ctx context.Context, token string) (Grant, error) {
	const op = "linking.Authenticate"
	raw, ok := strings.CutPrefix(token, prefixAccess)
	if !ok {
		return Grant{}, banks.E(op, banks.NotLinked, errors.New("not a Konto access token"))
	}
	// The signature is checked before the store is asked: the store holds
	// signatures, and one from a copy of it is no token.
	if err := a.s.enigma.Validate(ctx, raw); err != nil {
		return Grant{}, banks.E(op, banks.NotLinked, errors.New("bad token"))
	}
	t, g, err := a.s.store.OAuthToken(ctx, KindAccess, a.s.enigma.Signature(raw))
	switch {
	case banks.KindOf(err) == banks.NotFound:
		return Grant{}, banks.E(op, banks.NotLinked, errors.New("unknown token"))
	case err != nil:
		return Grant{}, banks.E(op, banks.Unavailable, err)
	}
	now := a.s.now()
	switch {
	case !g.RevokedAt.IsZero():
		return Grant{}, banks.E(op, banks.NotLinked, errors.New("the grant is revoked"))
	case !now.Before(g.ExpiresAt):
		return Grant{}, banks.E(op, banks.ConsentExpired, errors.New("the grant has expired"))
	case !t.Active:
		return Grant{}, banks.E(op, banks.NotLinked, errors.New("the token was rotated or revoked"))
	case !now.Before(t.ExpiresAt):
		return Grant{}, banks.E(op, banks.NotLinked, errors.New("the token has expired"))
	}
	if now.Sub(g.LastUsed) >= touchEvery {
		if err := a.s.store.TouchGrant(ctx, g.ID, now); err != nil {
			a.s.log.Warn("recording a grant's use failed", "grant", g.ID, "err", err)
		}
	}
	return g, nil
}

// RevokeAccess implements banks.Revoker: every grant of the customer is
// revoked with all its tokens, here first and then, where the bank
// consent can be ended (BankRevoker), at the bank. A bank that cannot be
// reached is logged, not returned: Konto's tokens are dead either way.
// Errors: Unavailable.
//
// The grants' further banks go with them, and the customer's bank where
// it is another grant's further bank (the same person); their consents
// end at their banks too.
func (a *Authenticator) RevokeAccess(ctx context.Context, u banks.User) error {
	const op = "linking.RevokeAccess"
	gs, err := a.s.store.Grants(ctx, u.Bank, u.Customer)
	if err != nil {
		return banks.E(op, banks.Unavailable, err)
	}
	// What to end at the banks is read before the store forgets it.
	var more []GrantBank
	for _, g := range gs {
		if g.RevokedAt.IsZero() {
			bs, err := a.s.grantBanks(ctx, g.ID)
			if err != nil {
				return banks.E(op, banks.Unavailable, err)
			}
			more = append(more, bs...)
		}
	}
	if st, ok := a.s.store.(GrantBanks); ok {
		bs, err := st.CustomerGrantBanks(ctx, u.Bank, u.Customer)
		if err != nil {
			return banks.E(op, banks.Unavailable, err)
		}
		more = append(more, bs...)
	}
	if err := a.s.store.RevokeGrants(ctx, u.Bank, u.Customer, a.s.now()); err != nil {
		return banks.E(op, banks.Unavailable, err)
	}
	for _, g := range gs {
		if g.RevokedAt.IsZero() {
			a.s.endAtBank(ctx, g)
		}
	}
	for _, b := range more {
		if b.RevokedAt.IsZero() {
			a.s.endAtBank(ctx, b.grant())
		}
	}
	return nil
}

// grant is a further bank as a Grant of its own, for a BankRevoker and
// a connector: its tokens stay sealed to the grant and the bank.
func (b GrantBank) grant() Grant {
	return Grant{ID: b.GrantID, Bank: b.Bank, Customer: b.Customer, Locale: b.Locale, ConsentID: b.ConsentID, Scopes: b.Scopes,
		GrantedAt: b.GrantedAt, ExpiresAt: b.ExpiresAt, RevokedAt: b.RevokedAt, BankTokens: b.BankTokens, further: true}
}

// open opens a grant's sealed bank tokens (nil for none).
func (s *Server) open(g Grant) ([]byte, error) {
	if g.BankTokens == nil {
		return nil, nil
	}
	ad := []byte(g.ID)
	if g.further {
		ad = grantBankAD(g.ID, g.Bank)
	}
	return s.tokens.open(g.BankTokens, ad)
}

// endAtBank ends a grant's consent at its bank where the bank can
// (BankRevoker); a failure is logged: Konto's side is revoked already.
func (s *Server) endAtBank(ctx context.Context, g Grant) {
	rv, ok := s.opts.BankRedirect.(BankRevoker)
	if !ok || g.ConsentID == "" {
		return
	}
	tok, err := s.open(g)
	if err != nil {
		s.log.Warn("opening a grant's bank tokens failed", "grant", g.ID, "bank", g.Bank, "err", err)
	}
	if err := rv.RevokeConsent(ctx, g, tok); err != nil {
		s.log.Warn("revoking a consent at the bank failed", "grant", g.ID, "bank", g.Bank, "err", err)
	}
}

// RevokeGrant revokes one grant and all its tokens (a consent dashboard's
// "remove"), with its further banks, and ends their consents at the
// banks that can. Errors: Unavailable.
func (s *Server) RevokeGrant(ctx context.Context, id string) error {
	const op = "linking.RevokeGrant"
	g, err := s.store.Grant(ctx, id)
	if banks.KindOf(err) == banks.NotFound {
		return nil
	}
	if err != nil {
		return banks.E(op, banks.Unavailable, err)
	}
	more, err := s.grantBanks(ctx, id)
	if err != nil {
		return banks.E(op, banks.Unavailable, err)
	}
	if err := s.store.RevokeGrant(ctx, id, s.now()); err != nil {
		return banks.E(op, banks.Unavailable, err)
	}
	if g.RevokedAt.IsZero() {
		s.endAtBank(ctx, g)
		for _, b := range more {
			if b.RevokedAt.IsZero() {
				s.endAtBank(ctx, b.grant())
			}
		}
	}
	return nil
}

// Scoper is what the core can assert on its banks.Authenticator to
// enforce scopes: Authenticator and Either implement it.
type Scoper interface {
	// Scopes returns the scopes a token allows. Errors: as Authenticate.
	Scopes(ctx context.Context, token string) ([]string, error)
}

// Either is the core's authenticator while Konto's own tokens and another
// kind live side by side (the sandbox's printed tokens, a bank's own):
// Konto's tokens (IsToken) go to konto, the others to other.
// RevokeAccess revokes at both.
func Either(konto *Authenticator, other banks.Authenticator) *Combined {
	return &Combined{konto: konto, other: other}
}

// Combined is what Either returns.
type Combined struct {
	konto *Authenticator
	other banks.Authenticator
}

var (
	_ banks.Authenticator = (*Combined)(nil)
	_ banks.Revoker       = (*Combined)(nil)
	_ Scoper              = (*Combined)(nil)
)

// Authenticate implements banks.Authenticator. Errors: as the
// authenticator the token goes to.
func (c *Combined) Authenticate(ctx context.Context, token string) (banks.User, error) {
	if IsToken(token) || c.other == nil {
		return c.konto.Authenticate(ctx, token)
	}
	return c.other.Authenticate(ctx, token)
}

// Scopes implements Scoper. A token from the other authenticator allows
// every scope, as such tokens did before there were scopes. Errors: as
// Authenticate.
// AuthenticateScoped is Authenticate and Scopes at once: a token of the
// other authenticator is authenticated once and allows every scope.
// Errors: as Authenticate.
func (c *Combined) AuthenticateScoped(ctx context.Context, token string) (banks.User, []string, error) {
	if IsToken(token) || c.other == nil {
		return c.konto.AuthenticateScoped(ctx, token)
	}
	u, err := c.other.Authenticate(ctx, token)
	if err != nil {
		return banks.User{}, nil, err
	}
	return u, slices.Clone(Scopes), nil
}

func (c *Combined) Scopes(ctx context.Context, token string) ([]string, error) {
	if IsToken(token) || c.other == nil {
		return c.konto.Scopes(ctx, token)
	}
	if _, err := c.other.Authenticate(ctx, token); err != nil {
		return nil, err
	}
	return slices.Clone(Scopes), nil
}

// Until returns when a Konto token's consent ends; zero for the other
// authenticator's tokens, which do not end. Errors: as Authenticate.
func (c *Combined) Until(ctx context.Context, token string) (time.Time, error) {
	if IsToken(token) || c.other == nil {
		return c.konto.Until(ctx, token)
	}
	return time.Time{}, nil
}

// RevokeAccess implements banks.Revoker: the customer's grants here, and
// their access at the other authenticator if it can revoke. Errors:
// Unavailable (the first failure; both are tried).
func (c *Combined) RevokeAccess(ctx context.Context, u banks.User) error {
	err := c.konto.RevokeAccess(ctx, u)
	if rv, ok := c.other.(banks.Revoker); ok {
		if oerr := rv.RevokeAccess(ctx, u); err == nil {
			err = oerr
		}
	}
	return err
}
