package linking

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/ory/fosite"
	"github.com/ory/fosite/compose"
	"github.com/ory/fosite/handler/oauth2"
	"github.com/ory/fosite/token/hmac"

	"github.com/kontoskill/konto/banks"
)

// The routes the server answers.
const (
	MetadataPath  = "/.well-known/oauth-authorization-server"
	AuthorizePath = "/oauth/authorize"
	TokenPath     = "/oauth/token"
	RevokePath    = "/oauth/revoke"
	CallbackPath  = "/oauth/bank/callback"
	// ConnectionsPath is the page where a person sees and revokes their
	// grants.
	ConnectionsPath = "/oauth/connections"
)

// codeLifetime is how long an authorization code lives.
const codeLifetime = 60 * time.Second

// maxBody bounds every request body the server reads.
const maxBody = 64 << 10

// Options configure a Server.
type Options struct {
	Store Store
	// Secret is the data directory's secret (at least 16 bytes); the HMAC
	// key of codes and tokens and the keys that seal bank tokens and
	// flows are derived from it, each for its own purpose.
	Secret []byte
	// Issuer is the server's public base URL ("https://konto.example"),
	// without a trailing slash; https except on localhost.
	Issuer string
	// Banks are the banks a person can link; the sandbox alone if empty.
	Banks []Bank
	// SignIn checks a sandbox customer's id and password (for a bank of
	// StandardSandbox; required if there is one). Errors: NotLinked for a
	// wrong id or password.
	SignIn func(ctx context.Context, bankID, customer, password string) (banks.User, error)
	// SetPIN stores the voice PIN the person chose (required).
	SetPIN func(ctx context.Context, u banks.User, pin string) error
	// BankRedirect links banks of the other standards (required if there
	// is one).
	BankRedirect BankRedirect
	// Now is the clock; time.Now if nil.
	Now func() time.Time
	Log *slog.Logger
	// ConsentDays is how long a consent lasts unless its bank says
	// otherwise; 90 if zero.
	ConsentDays int
	// AccessTokenLifetime is how long an access token lives; 1 h if zero.
	AccessTokenLifetime time.Duration
	// ClientIP names the person's address for the sign-in rate limit. If
	// nil: the connection's remote address, or, when that is a loopback
	// address (a reverse proxy on the same host), the last address of
	// X-Forwarded-For. Set it for a proxy elsewhere.
	ClientIP func(r *http.Request) string
}

// Server is Konto's authorization server.
type Server struct {
	opts     Options
	store    Store
	now      func() time.Time
	log      *slog.Logger
	fstore   *fositeStore
	provider fosite.OAuth2Provider
	enigma   *hmac.HMACStrategy
	// tokens seals bank tokens in grants; flows seals linking flows.
	tokens, flows *sealer
	// conns seals the signed-in state of the connections page.
	conns  *sealer
	banks  []Bank
	limit  *limiter
	mux    *http.ServeMux
	pages  map[string]*template.Template
	secure bool // the issuer is https: cookies are __Host- and Secure
}

// NewServer builds the server. Errors: a missing or bad option.
func NewServer(opts Options) (*Server, error) {
	if opts.Store == nil {
		return nil, errors.New("linking: no store")
	}
	if len(opts.Secret) < 16 {
		return nil, errors.New("linking: the secret must be at least 16 bytes")
	}
	iss, err := url.Parse(opts.Issuer)
	if err != nil || !iss.IsAbs() || iss.Host == "" || iss.RawQuery != "" || iss.Fragment != "" || strings.Trim(iss.Path, "/") != "" ||
		(iss.Scheme != "https" && !(iss.Scheme == "http" && isLoopback(iss.Hostname()))) {
		return nil, fmt.Errorf("linking: issuer %q: want an https origin without a path (http only on localhost)", opts.Issuer)
	}
	opts.Issuer = strings.TrimSuffix(opts.Issuer, "/")
	if opts.SetPIN == nil {
		return nil, errors.New("linking: no SetPIN hook")
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Log == nil {
		opts.Log = slog.Default()
	}
	if opts.ConsentDays <= 0 {
		opts.ConsentDays = 90
	}
	if opts.AccessTokenLifetime <= 0 {
		opts.AccessTokenLifetime = time.Hour
	}
	if opts.ClientIP == nil {
		opts.ClientIP = remoteIP
	}
	list := slices.Clone(opts.Banks)
	if len(list) == 0 {
		list = []Bank{{ID: "sandbox", Name: "Konto Sandbox Bank", Standard: StandardSandbox}}
	}
	seen := map[string]bool{}
	for i, b := range list {
		switch {
		case b.ID == "" || seen[b.ID]:
			return nil, fmt.Errorf("linking: bank %d: empty or repeated id %q", i, b.ID)
		case b.Standard == StandardSandbox && opts.SignIn == nil:
			return nil, fmt.Errorf("linking: bank %q: a sandbox bank needs the SignIn hook", b.ID)
		case b.Standard == StandardUKOB || b.Standard == StandardBerlinGroup:
			if opts.BankRedirect == nil {
				return nil, fmt.Errorf("linking: bank %q: a %s bank needs BankRedirect", b.ID, b.Standard)
			}
		case b.Standard != StandardSandbox:
			return nil, fmt.Errorf("linking: bank %q: unknown standard %q", b.ID, b.Standard)
		}
		seen[b.ID] = true
		if b.Name == "" {
			list[i].Name = b.ID
		}
		if b.ConsentDays <= 0 {
			list[i].ConsentDays = opts.ConsentDays
		}
	}
	s := &Server{opts: opts, store: opts.Store, now: opts.Now, log: opts.Log, banks: list,
		tokens: newSealer(deriveKey(opts.Secret, "bank-tokens")), flows: newSealer(deriveKey(opts.Secret, "flows")),
		conns: newSealer(deriveKey(opts.Secret, "connections")),
		limit: newLimiter(5, time.Minute), secure: iss.Scheme == "https"}
	cfg := &fosite.Config{
		AccessTokenLifespan:   opts.AccessTokenLifetime,
		RefreshTokenLifespan:  -1, // the store ends refresh tokens with their grant
		AuthorizeCodeLifespan: codeLifetime,
		GlobalSecret:          deriveKey(opts.Secret, "token-hmac"),
		ScopeStrategy:         fosite.ExactScopeStrategy,
		// PKCE is checked whenever a client sends a challenge, and only
		// S256: Alexa does not send one, a native app does.
		EnablePKCEPlainChallengeMethod: false,
		RefreshTokenScopes:             []string{}, // every grant gets a refresh token
		TokenURL:                       opts.Issuer + TokenPath,
		HashCost:                       clientSecretCost,
	}
	s.enigma = &hmac.HMACStrategy{Config: cfg}
	s.fstore = &fositeStore{store: opts.Store, now: opts.Now, codeLife: codeLifetime, accessLife: opts.AccessTokenLifetime}
	s.provider = compose.Compose(cfg, s.fstore, strategy{h: oauth2.NewHMACSHAStrategyUnPrefixed(s.enigma, cfg)},
		compose.OAuth2AuthorizeExplicitFactory,
		compose.OAuth2RefreshTokenGrantFactory,
		compose.OAuth2TokenRevocationFactory,
		compose.OAuth2PKCEFactory, // after the code handler, which it needs
	)
	if err := s.parsePages(); err != nil {
		return nil, err
	}
	s.mux = http.NewServeMux()
	s.Register(s.mux)
	return s, nil
}

// Register adds the server's routes to mux: GET MetadataPath, GET and
// POST AuthorizePath, POST TokenPath, POST RevokePath, GET CallbackPath,
// GET and POST ConnectionsPath.
func (s *Server) Register(mux *http.ServeMux) {
	mux.Handle("GET "+MetadataPath, s.headers(http.HandlerFunc(s.metadata)))
	mux.Handle("GET "+AuthorizePath, s.headers(http.HandlerFunc(s.authorize)))
	mux.Handle("POST "+AuthorizePath, s.headers(http.HandlerFunc(s.authorize)))
	mux.Handle("POST "+TokenPath, s.headers(http.HandlerFunc(s.token)))
	mux.Handle("POST "+RevokePath, s.headers(http.HandlerFunc(s.revoke)))
	mux.Handle("GET "+CallbackPath, s.headers(http.HandlerFunc(s.callback)))
	mux.Handle("GET "+ConnectionsPath, s.headers(http.HandlerFunc(s.connections)))
	mux.Handle("POST "+ConnectionsPath, s.headers(http.HandlerFunc(s.connections)))
}

// ServeHTTP serves the routes of Register (for echo.WrapHandler).
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.mux.ServeHTTP(w, r) }

// headers sets what every answer carries; pages widen the CSP for their
// own style and forms.
func (s *Server) headers(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'")
		h.Set("X-Frame-Options", "DENY")
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("Cache-Control", "no-store")
		if r.Body != nil {
			r.Body = http.MaxBytesReader(w, r.Body, maxBody)
		}
		next.ServeHTTP(w, r)
	})
}

// metadata serves the RFC 8414 discovery document.
func (s *Server) metadata(w http.ResponseWriter, r *http.Request) {
	auth := []string{"client_secret_basic", "client_secret_post"}
	doc := map[string]any{
		"issuer":                                     s.opts.Issuer,
		"authorization_endpoint":                     s.opts.Issuer + AuthorizePath,
		"token_endpoint":                             s.opts.Issuer + TokenPath,
		"revocation_endpoint":                        s.opts.Issuer + RevokePath,
		"response_types_supported":                   []string{"code"},
		"response_modes_supported":                   []string{"query"},
		"grant_types_supported":                      []string{"authorization_code", "refresh_token"},
		"code_challenge_methods_supported":           []string{"S256"},
		"token_endpoint_auth_methods_supported":      auth,
		"revocation_endpoint_auth_methods_supported": auth,
		"scopes_supported":                           Scopes,
		"ui_locales_supported":                       locales,
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "public, max-age=3600")
	json.NewEncoder(w).Encode(doc)
}

// token is the token endpoint: the code grant and the refresh grant, with
// errors as RFC 6749 JSON.
func (s *Server) token(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	ar, err := s.provider.NewAccessRequest(ctx, r, &session{})
	if err != nil {
		s.logOAuth("token request refused", err)
		s.provider.WriteAccessError(ctx, w, ar, err)
		return
	}
	resp, err := s.provider.NewAccessResponse(ctx, ar)
	if err != nil {
		s.logOAuth("token request failed", err)
		s.provider.WriteAccessError(ctx, w, ar, err)
		return
	}
	s.provider.WriteAccessResponse(ctx, w, ar, resp)
}

// revoke is the RFC 7009 revocation endpoint: revoking any token of a
// grant revokes the grant and all its tokens.
func (s *Server) revoke(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	err := s.provider.NewRevocationRequest(ctx, r)
	if err != nil {
		s.logOAuth("revocation refused", err)
	}
	s.provider.WriteRevocationResponse(ctx, w, err)
}

// logOAuth logs a refused protocol request with fosite's debug text,
// which clients never see.
func (s *Server) logOAuth(msg string, err error) {
	var rfc *fosite.RFC6749Error
	if errors.As(err, &rfc) {
		level := slog.LevelInfo
		if rfc.CodeField >= 500 {
			level = slog.LevelError
		}
		s.log.Log(context.Background(), level, msg, "error", rfc.ErrorField, "hint", rfc.HintField, "debug", rfc.DebugField)
		return
	}
	s.log.Warn(msg, "err", err)
}

// Purge forgets codes, tokens and flows that have expired (grants stay as
// the consent ledger); call it now and then. Errors: Unavailable.
func (s *Server) Purge(ctx context.Context) error { return s.store.PurgeOAuth(ctx, s.now()) }

// BankTokens returns the newest grant in force of a bank customer with
// its bank tokens opened, for a connector that calls the bank with them;
// where the customer is another grant's further bank (GrantBank), that
// bank as a Grant.
// Errors: NotLinked when there is none, Unavailable.
func (s *Server) BankTokens(ctx context.Context, u banks.User) (Grant, []byte, error) {
	const op = "linking.BankTokens"
	gs, err := s.store.Grants(ctx, u.Bank, u.Customer)
	if err != nil {
		return Grant{}, nil, err
	}
	now := s.now()
	for i := len(gs) - 1; i >= 0; i-- {
		g := gs[i]
		if !g.RevokedAt.IsZero() || !now.Before(g.ExpiresAt) {
			continue
		}
		tok, err := s.open(g)
		if err != nil {
			return Grant{}, nil, banks.E(op, banks.Unavailable, err)
		}
		return g, tok, nil
	}
	// The customer may be another grant's further bank.
	if st, ok := s.store.(GrantBanks); ok {
		bs, err := st.CustomerGrantBanks(ctx, u.Bank, u.Customer)
		if err != nil {
			return Grant{}, nil, err
		}
		for i := len(bs) - 1; i >= 0; i-- {
			b := bs[i]
			if !b.RevokedAt.IsZero() || !now.Before(b.ExpiresAt) {
				continue
			}
			owner, err := s.store.Grant(ctx, b.GrantID)
			if err != nil || !owner.RevokedAt.IsZero() || !now.Before(owner.ExpiresAt) {
				continue
			}
			g := b.grant()
			g.ClientID = owner.ClientID
			tok, err := s.open(g)
			if err != nil {
				return Grant{}, nil, banks.E(op, banks.Unavailable, err)
			}
			return g, tok, nil
		}
	}
	return Grant{}, nil, banks.Errorf(op, banks.NotLinked, "no grant in force")
}

// BankTokenStore is implemented by stores that can replace a grant's
// sealed bank tokens (skill/sqlite and skill/postgres), so that the tokens a bank refreshed
// are kept: a bank that rotates refresh tokens takes the old one back.
type BankTokenStore interface {
	// SetBankTokens replaces the sealed bank tokens of a grant's bank,
	// its own or a further one, while the grant is in force. Errors:
	// NotFound for a grant not in force or without that bank, Unavailable.
	SetBankTokens(ctx context.Context, grantID, bank string, sealed []byte) error
}

// SaveBankTokens keeps the tokens a bank refreshed for a customer, sealed,
// in place of those of the grant BankTokens finds for them. Errors:
// NotLinked when no grant is in force, NotSupported when the store
// cannot, Unavailable.
func (s *Server) SaveBankTokens(ctx context.Context, u banks.User, tokens []byte) error {
	const op = "linking.SaveBankTokens"
	st, ok := s.store.(BankTokenStore)
	if !ok {
		return banks.Errorf(op, banks.NotSupported, "the store keeps bank tokens as linked")
	}
	g, _, err := s.BankTokens(ctx, u)
	if err != nil {
		return err
	}
	ad := []byte(g.ID)
	if g.further {
		ad = grantBankAD(g.ID, g.Bank)
	}
	if err := st.SetBankTokens(ctx, g.ID, g.Bank, s.tokens.seal(tokens, ad)); err != nil {
		if banks.KindOf(err) == banks.NotFound {
			return banks.E(op, banks.NotLinked, err)
		}
		return banks.E(op, banks.Unavailable, err)
	}
	return nil
}

// remoteIP is the host of the connection's remote address, or the
// address a reverse proxy on this host forwarded for.
func remoteIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	if ip := net.ParseIP(host); ip != nil && ip.IsLoopback() {
		if xff := r.Header.Values("X-Forwarded-For"); len(xff) > 0 {
			parts := strings.Split(xff[len(xff)-1], ",")
			if last := strings.TrimSpace(parts[len(parts)-1]); last != "" {
				return last
			}
		}
	}
	return host
}
