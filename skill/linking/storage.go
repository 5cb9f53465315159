package linking

import (
	"context"
	"errors"
	"net/url"
	"time"

	"github.com/ory/fosite"
	"github.com/ory/fosite/handler/oauth2"
	"github.com/ory/fosite/handler/pkce"
	fstorage "github.com/ory/fosite/storage"

	"github.com/kontoskill/konto/banks"
)

// fositeStore is fosite's storage over Store. The grant is the token
// family: fosite's request id is the grant id, which every code and
// token of one link carries, so "revoke the tokens of request X" revokes
// the grant.
//
// fosite's transactions (a code exchanged, a refresh token rotated) are
// collected and written by one Store.SaveOAuthTokens at commit, which
// consumes the code or refresh token only if it is still active: of two
// requests racing with one code or refresh token, one gets tokens.
// Revocations are written at once, inside a transaction or not: a failure
// after them leaves more revoked, never less.
type fositeStore struct {
	store Store
	now   func() time.Time
	// codeLife and accessLife are how long a code and an access token
	// live; refresh tokens live as long as their grant.
	codeLife, accessLife time.Duration
}

var (
	_ fosite.Storage                = (*fositeStore)(nil)
	_ oauth2.CoreStorage            = (*fositeStore)(nil)
	_ oauth2.TokenRevocationStorage = (*fositeStore)(nil)
	_ pkce.PKCERequestStorage       = (*fositeStore)(nil)
	_ fstorage.Transactional        = (*fositeStore)(nil)
)

// real translates a time by the server's clock into time.Now's, which
// fosite compares expiry times with.
func (f *fositeStore) real(t time.Time) time.Time { return time.Now().Add(t.Sub(f.now())) }

// client returns the fosite client for a Client.
func fositeClient(c Client) *fosite.DefaultClient {
	return &fosite.DefaultClient{
		ID:            c.ID,
		Secret:        []byte(c.SecretHash),
		RedirectURIs:  c.RedirectURIs,
		GrantTypes:    []string{"authorization_code", "refresh_token"},
		ResponseTypes: []string{"code"},
		Scopes:        Scopes,
	}
}

// storeErr turns a store error into what fosite expects.
func storeErr(err error) error {
	if banks.KindOf(err) == banks.NotFound {
		return fosite.ErrNotFound.WithWrap(err)
	}
	return err
}

func (f *fositeStore) GetClient(ctx context.Context, id string) (fosite.Client, error) {
	c, err := f.store.OAuthClient(ctx, id)
	if err != nil {
		return nil, storeErr(err)
	}
	return fositeClient(c), nil
}

// ClientAssertionJWTValid refuses every JWT client assertion: Konto's
// clients authenticate with their secret.
func (f *fositeStore) ClientAssertionJWTValid(ctx context.Context, jti string) error {
	return fosite.ErrJTIKnown
}

func (f *fositeStore) SetClientAssertionJWT(ctx context.Context, jti string, exp time.Time) error {
	return fosite.ErrJTIKnown
}

// fositeType is the fosite token type whose expiry a kind keeps.
func fositeType(kind string) fosite.TokenType {
	switch kind {
	case KindAccess:
		return fosite.AccessToken
	case KindRefresh:
		return fosite.RefreshToken
	}
	return fosite.AuthorizeCode
}

// newSession is the fosite session of a grant.
func (f *fositeStore) newSession(g Grant) *session {
	return &session{GrantID: g.ID, Subject: g.Bank + ":" + g.Customer, Until: g.ExpiresAt, cap: f.real(g.ExpiresAt),
		Expires: map[fosite.TokenType]time.Time{}}
}

// request rebuilds the fosite request a stored token was issued for.
func (f *fositeStore) request(ctx context.Context, t Token, g Grant) (fosite.Requester, error) {
	c, err := f.store.OAuthClient(ctx, g.ClientID)
	if err != nil {
		return nil, storeErr(err)
	}
	form, err := url.ParseQuery(t.Form)
	if err != nil {
		return nil, err
	}
	s := f.newSession(g)
	s.Expires[fositeType(t.Kind)] = f.real(t.ExpiresAt)
	return &fosite.Request{
		ID:                g.ID,
		RequestedAt:       f.real(t.IssuedAt),
		Client:            fositeClient(c),
		RequestedScope:    fosite.Arguments(g.Scopes),
		GrantedScope:      fosite.Arguments(g.Scopes),
		RequestedAudience: fosite.Arguments{},
		GrantedAudience:   fosite.Arguments{},
		Form:              form,
		Session:           s,
	}, nil
}

// get loads a token and its request; inactive is the error for a token
// no longer active (returned with the request, as fosite wants).
func (f *fositeStore) get(ctx context.Context, kind, signature string, inactive error) (fosite.Requester, error) {
	t, g, err := f.store.OAuthToken(ctx, kind, signature)
	if err != nil {
		return nil, storeErr(err)
	}
	r, err := f.request(ctx, t, g)
	if err != nil {
		return nil, err
	}
	if !t.Active && inactive != nil {
		return r, inactive
	}
	return r, nil
}

// token is the Token fosite asks to store for r.
func (f *fositeStore) token(kind, signature string, r fosite.Requester) (Token, error) {
	s, ok := r.GetSession().(*session)
	if !ok || s.GrantID == "" || s.GrantID != r.GetID() {
		return Token{}, errors.New("linking: a request without its grant's session")
	}
	now := f.now()
	t := Token{Kind: kind, Signature: signature, GrantID: s.GrantID, IssuedAt: now, Active: true, Form: r.GetRequestForm().Encode()}
	switch kind {
	case KindCode, KindPKCE:
		t.ExpiresAt = now.Add(f.codeLife)
	case KindAccess:
		t.ExpiresAt = now.Add(f.accessLife)
	}
	if t.ExpiresAt.IsZero() || t.ExpiresAt.After(s.Until) {
		t.ExpiresAt = s.Until
	}
	return t, nil
}

// create stores a token, or keeps it for the transaction's commit.
func (f *fositeStore) create(ctx context.Context, kind, signature string, r fosite.Requester) error {
	t, err := f.token(kind, signature, r)
	if err != nil {
		return err
	}
	if tx := txOf(ctx); tx != nil {
		tx.w.Tokens = append(tx.w.Tokens, t)
		return nil
	}
	return f.store.SaveOAuthTokens(ctx, TokenWrite{Tokens: []Token{t}})
}

// consume uses up a code or refresh token, at the transaction's commit.
func (f *fositeStore) consume(ctx context.Context, kind, signature string) error {
	if tx := txOf(ctx); tx != nil {
		tx.w.ConsumeKind, tx.w.ConsumeSignature = kind, signature
		return nil
	}
	err := f.store.SaveOAuthTokens(ctx, TokenWrite{ConsumeKind: kind, ConsumeSignature: signature})
	if banks.KindOf(err) == banks.Forbidden {
		return fosite.ErrInactiveToken.WithWrap(err)
	}
	return err
}

func (f *fositeStore) CreateAuthorizeCodeSession(ctx context.Context, signature string, r fosite.Requester) error {
	return f.create(ctx, KindCode, signature, r)
}

// GetAuthorizeCodeSession checks the code's expiry itself: fosite checks
// it first against the token request's own session, which passes.
func (f *fositeStore) GetAuthorizeCodeSession(ctx context.Context, signature string, _ fosite.Session) (fosite.Requester, error) {
	r, err := f.get(ctx, KindCode, signature, fosite.ErrInvalidatedAuthorizeCode)
	if err != nil {
		return r, err
	}
	if exp := r.GetSession().GetExpiresAt(fosite.AuthorizeCode); !time.Now().Before(exp) {
		return nil, fosite.ErrNotFound.WithHint("The authorization code has expired.")
	}
	return r, nil
}

func (f *fositeStore) InvalidateAuthorizeCodeSession(ctx context.Context, signature string) error {
	return f.consume(ctx, KindCode, signature)
}

// The PKCE challenge of a code is kept as long as the code: fosite deletes
// it when a token request reads it, so that a second attempt with the
// same code would find no challenge and pass without a verifier.
func (f *fositeStore) CreatePKCERequestSession(ctx context.Context, signature string, r fosite.Requester) error {
	return f.create(ctx, KindPKCE, signature, r)
}

func (f *fositeStore) GetPKCERequestSession(ctx context.Context, signature string, _ fosite.Session) (fosite.Requester, error) {
	return f.get(ctx, KindPKCE, signature, nil)
}

func (f *fositeStore) DeletePKCERequestSession(ctx context.Context, signature string) error {
	return nil
}

func (f *fositeStore) CreateAccessTokenSession(ctx context.Context, signature string, r fosite.Requester) error {
	return f.create(ctx, KindAccess, signature, r)
}

func (f *fositeStore) GetAccessTokenSession(ctx context.Context, signature string, _ fosite.Session) (fosite.Requester, error) {
	return f.get(ctx, KindAccess, signature, fosite.ErrInactiveToken)
}

func (f *fositeStore) DeleteAccessTokenSession(ctx context.Context, signature string) error {
	return f.store.DeactivateOAuthToken(ctx, KindAccess, signature)
}

func (f *fositeStore) CreateRefreshTokenSession(ctx context.Context, signature, _ string, r fosite.Requester) error {
	return f.create(ctx, KindRefresh, signature, r)
}

// GetRefreshTokenSession returns ErrInactiveToken for a rotated or
// revoked refresh token: fosite then revokes the whole family.
func (f *fositeStore) GetRefreshTokenSession(ctx context.Context, signature string, _ fosite.Session) (fosite.Requester, error) {
	return f.get(ctx, KindRefresh, signature, fosite.ErrInactiveToken)
}

func (f *fositeStore) DeleteRefreshTokenSession(ctx context.Context, signature string) error {
	return f.store.DeactivateOAuthToken(ctx, KindRefresh, signature)
}

func (f *fositeStore) RotateRefreshToken(ctx context.Context, requestID, signature string) error {
	return f.consume(ctx, KindRefresh, signature)
}

// RevokeRefreshToken and RevokeAccessToken revoke the grant: fosite calls
// them for RFC 7009 revocation, for a code used twice and for a refresh
// token used after rotation, and each time the whole family goes.
func (f *fositeStore) RevokeRefreshToken(ctx context.Context, requestID string) error {
	return f.store.RevokeGrant(ctx, requestID, f.now())
}

func (f *fositeStore) RevokeAccessToken(ctx context.Context, requestID string) error {
	return f.store.RevokeGrant(ctx, requestID, f.now())
}

type txKey struct{}

// pendingTx is what a fosite transaction will write.
type pendingTx struct{ w TokenWrite }

func txOf(ctx context.Context) *pendingTx {
	tx, _ := ctx.Value(txKey{}).(*pendingTx)
	return tx
}

func (f *fositeStore) BeginTX(ctx context.Context) (context.Context, error) {
	return context.WithValue(ctx, txKey{}, &pendingTx{}), nil
}

// Commit writes the transaction. A code or refresh token that another
// request used meanwhile is a reuse: the family is revoked, and fosite
// answers with an error.
func (f *fositeStore) Commit(ctx context.Context) error {
	tx := txOf(ctx)
	if tx == nil || (tx.w.ConsumeSignature == "" && len(tx.w.Tokens) == 0) {
		return nil
	}
	w := tx.w
	tx.w = TokenWrite{}
	err := f.store.SaveOAuthTokens(ctx, w)
	if banks.KindOf(err) == banks.Forbidden {
		if len(w.Tokens) > 0 {
			if rerr := f.store.RevokeGrant(ctx, w.Tokens[0].GrantID, f.now()); rerr != nil {
				return rerr
			}
		}
		return fosite.ErrInactiveToken.WithWrap(err)
	}
	return err
}

func (f *fositeStore) Rollback(ctx context.Context) error {
	if tx := txOf(ctx); tx != nil {
		tx.w = TokenWrite{}
	}
	return nil
}
