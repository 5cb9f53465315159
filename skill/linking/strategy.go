package linking

import (
	"context"
	"strings"
	"time"

	"github.com/ory/fosite"
	"github.com/ory/fosite/handler/oauth2"
)

// Konto's codes and tokens say what they are, so that secret scanners
// find a leaked one and the core can tell them from a sandbox token
// ("ksbx_..."). After the prefix comes fosite's HMAC token,
// "key.signature"; only the signature is stored.
const (
	prefixAccess  = "konto_at_"
	prefixRefresh = "konto_rt_"
	prefixCode    = "konto_ac_"
)

// IsToken reports whether an access token looks like one this server
// issues (it says nothing about whether it is valid).
func IsToken(token string) bool { return strings.HasPrefix(token, prefixAccess) }

// strategy is fosite's HMAC-SHA512/256 strategy with Konto's prefixes.
type strategy struct {
	h *oauth2.HMACSHAStrategyUnPrefixed
}

var _ oauth2.CoreStrategy = strategy{}

func (s strategy) AccessTokenSignature(ctx context.Context, token string) string {
	return s.h.AccessTokenSignature(ctx, strings.TrimPrefix(token, prefixAccess))
}

func (s strategy) GenerateAccessToken(ctx context.Context, r fosite.Requester) (string, string, error) {
	t, sig, err := s.h.GenerateAccessToken(ctx, r)
	return prefixAccess + t, sig, err
}

func (s strategy) ValidateAccessToken(ctx context.Context, r fosite.Requester, token string) error {
	t, ok := strings.CutPrefix(token, prefixAccess)
	if !ok {
		return fosite.ErrInvalidTokenFormat
	}
	return s.h.ValidateAccessToken(ctx, r, t)
}

func (s strategy) RefreshTokenSignature(ctx context.Context, token string) string {
	return s.h.RefreshTokenSignature(ctx, strings.TrimPrefix(token, prefixRefresh))
}

func (s strategy) GenerateRefreshToken(ctx context.Context, r fosite.Requester) (string, string, error) {
	t, sig, err := s.h.GenerateRefreshToken(ctx, r)
	return prefixRefresh + t, sig, err
}

func (s strategy) ValidateRefreshToken(ctx context.Context, r fosite.Requester, token string) error {
	t, ok := strings.CutPrefix(token, prefixRefresh)
	if !ok {
		return fosite.ErrInvalidTokenFormat
	}
	return s.h.ValidateRefreshToken(ctx, r, t)
}

func (s strategy) AuthorizeCodeSignature(ctx context.Context, token string) string {
	return s.h.AuthorizeCodeSignature(ctx, strings.TrimPrefix(token, prefixCode))
}

func (s strategy) GenerateAuthorizeCode(ctx context.Context, r fosite.Requester) (string, string, error) {
	t, sig, err := s.h.GenerateAuthorizeCode(ctx, r)
	return prefixCode + t, sig, err
}

func (s strategy) ValidateAuthorizeCode(ctx context.Context, r fosite.Requester, token string) error {
	t, ok := strings.CutPrefix(token, prefixCode)
	if !ok {
		return fosite.ErrInvalidTokenFormat
	}
	return s.h.ValidateAuthorizeCode(ctx, r, t)
}

// session is the fosite session of a grant. fosite reads and sets its
// expiry times by time.Now; the store keeps them by the server's clock
// and translates (see fositeStore.real), so that an injected clock rules.
type session struct {
	GrantID string
	Subject string
	// Until is when the grant ends, by the server's clock; cap is the same
	// instant by time.Now. No code or token outlives its grant.
	Until   time.Time
	cap     time.Time
	Expires map[fosite.TokenType]time.Time
}

var _ fosite.Session = (*session)(nil)

func (s *session) SetExpiresAt(key fosite.TokenType, exp time.Time) {
	if s.Expires == nil {
		s.Expires = map[fosite.TokenType]time.Time{}
	}
	if !s.cap.IsZero() && exp.After(s.cap) {
		exp = s.cap
	}
	s.Expires[key] = exp
}

func (s *session) GetExpiresAt(key fosite.TokenType) time.Time { return s.Expires[key] }
func (s *session) GetUsername() string                         { return "" }
func (s *session) GetSubject() string                          { return s.Subject }

func (s *session) Clone() fosite.Session {
	c := *s
	c.Expires = make(map[fosite.TokenType]time.Time, len(s.Expires))
	for k, v := range s.Expires {
		c.Expires[k] = v
	}
	return &c
}
