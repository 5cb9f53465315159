package ukobapi

import (
	"context"
	"crypto/subtle"
	"database/sql"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"
)

// Grant kinds: authorisation codes, access tokens and refresh tokens.
// All are random strings stored only as their SHA-256.
const (
	grantCode    = "code"
	grantAccess  = "access"
	grantRefresh = "refresh"
)

// codeLifetime is how long an authorisation code can be exchanged.
const codeLifetime = 5 * time.Minute

// scopes the server knows.
var knownScopes = []string{"accounts", "payments"}

// grant is what a code or token stands for: a client, and for the
// customer's tokens the customer and the consent they approved.
type grant struct {
	Kind, ClientID, Customer, ConsentID, Scope, RedirectURI string
	Expires                                                 time.Time
	Used                                                    bool
}

func (g grant) has(scope string) bool { return slices.Contains(strings.Fields(g.Scope), scope) }

// issue stores a new code or token and returns it.
func (s *Server) issue(ctx context.Context, q querier, g grant) (string, error) {
	prefix := map[string]string{grantCode: "kc_", grantAccess: "ka_", grantRefresh: "kr_", grantCIBA: "kb_"}[g.Kind]
	tok := randomID(prefix, 24)
	_, err := q.ExecContext(ctx, `INSERT INTO grants(hash, kind, client_id, customer_id, consent_id, scope, redirect_uri, created_at, expires_at)
		VALUES (?,?,?,?,?,?,?,?,?)`, hash(tok), g.Kind, g.ClientID, g.Customer, g.ConsentID, g.Scope, g.RedirectURI, unix(s.now()), unix(g.Expires))
	return tok, err
}

var errNoGrant = errors.New("unknown or expired grant")

func (s *Server) lookup(ctx context.Context, q querier, kind, tok string) (grant, error) {
	g := grant{Kind: kind}
	var expires int64
	err := q.QueryRowContext(ctx, `SELECT client_id, customer_id, consent_id, scope, redirect_uri, expires_at, used FROM grants
		WHERE hash = ? AND kind = ?`, hash(tok), kind).Scan(&g.ClientID, &g.Customer, &g.ConsentID, &g.Scope, &g.RedirectURI, &expires, &g.Used)
	if errors.Is(err, sql.ErrNoRows) {
		return g, errNoGrant
	}
	if err != nil {
		return g, err
	}
	g.Expires = fromUnix(expires)
	if !s.now().Before(g.Expires) {
		return g, errNoGrant
	}
	return g, nil
}

// bearer authenticates an API request by its access token.
func (s *Server) bearer(r *http.Request) (grant, *apiError) {
	scheme, tok, ok := strings.Cut(r.Header.Get("Authorization"), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") || tok == "" {
		return grant{}, errUnauthorized
	}
	g, err := s.lookup(r.Context(), s.db, grantAccess, strings.TrimSpace(tok))
	if errors.Is(err, errNoGrant) {
		return grant{}, errUnauthorized
	}
	if err != nil {
		return grant{}, internal(err)
	}
	return g, nil
}

// tokenError is an OAuth 2 error response (RFC 6749 section 5.2).
func tokenError(w http.ResponseWriter, status int, code, desc string) {
	if status == http.StatusUnauthorized {
		w.Header().Set("WWW-Authenticate", `Basic realm="konto-sandbox"`)
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(map[string]string{"error": code, "error_description": desc})
}

// client authenticates the client of a token request, by HTTP Basic
// (form-encoded id and secret, per RFC 6749 section 2.3.1) or by the
// client_id and client_secret parameters.
func (s *Server) client(r *http.Request) *Client {
	id, secret, basic := r.BasicAuth()
	if basic {
		var err1, err2 error
		id, err1 = url.QueryUnescape(id)
		secret, err2 = url.QueryUnescape(secret)
		if err1 != nil || err2 != nil {
			return nil
		}
	} else {
		id, secret = r.PostForm.Get("client_id"), r.PostForm.Get("client_secret")
	}
	c := s.clients[id]
	if c == nil || subtle.ConstantTimeCompare([]byte(c.Secret), []byte(secret)) != 1 {
		return nil
	}
	return c
}

// handleToken is the token endpoint.
func (s *Server) handleToken(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
	if err := r.ParseForm(); err != nil {
		tokenError(w, http.StatusBadRequest, "invalid_request", "the body is not a form")
		return
	}
	c := s.client(r)
	if c == nil {
		tokenError(w, http.StatusUnauthorized, "invalid_client", "unknown client or wrong secret")
		return
	}
	ctx := r.Context()
	var g grant
	var withRefresh bool
	switch r.PostForm.Get("grant_type") {
	case "client_credentials":
		scope, ok := clientScope(r.PostForm.Get("scope"))
		if !ok {
			tokenError(w, http.StatusBadRequest, "invalid_scope", "scopes are accounts and payments")
			return
		}
		g = grant{ClientID: c.ID, Scope: scope}
	case "authorization_code":
		code, err := s.lookup(ctx, s.db, grantCode, r.PostForm.Get("code"))
		if err != nil || code.ClientID != c.ID || code.RedirectURI != r.PostForm.Get("redirect_uri") {
			tokenError(w, http.StatusBadRequest, "invalid_grant", "unknown, expired or used code, or another redirect_uri")
			return
		}
		// A code is good once; the UPDATE decides between two racing exchanges.
		res, err := s.db.ExecContext(ctx, `UPDATE grants SET used = 1 WHERE hash = ? AND used = 0`, hash(r.PostForm.Get("code")))
		if err != nil {
			tokenError(w, http.StatusInternalServerError, "server_error", err.Error())
			return
		}
		if n, _ := res.RowsAffected(); n != 1 {
			tokenError(w, http.StatusBadRequest, "invalid_grant", "the code was used")
			return
		}
		if cons, err := s.loadConsent(ctx, s.db, code.ConsentID); err != nil || !s.usable(cons) {
			tokenError(w, http.StatusBadRequest, "invalid_grant", "the consent is no longer authorised")
			return
		} else {
			withRefresh = cons.Kind == kindAccount
		}
		g = grant{ClientID: c.ID, Customer: code.Customer, ConsentID: code.ConsentID, Scope: code.Scope}
	case "refresh_token":
		rt, err := s.lookup(ctx, s.db, grantRefresh, r.PostForm.Get("refresh_token"))
		if err != nil || rt.ClientID != c.ID {
			tokenError(w, http.StatusBadRequest, "invalid_grant", "unknown or expired refresh token")
			return
		}
		if cons, err := s.loadConsent(ctx, s.db, rt.ConsentID); err != nil || !s.usable(cons) {
			tokenError(w, http.StatusBadRequest, "invalid_grant", "the consent is no longer authorised")
			return
		}
		g = grant{ClientID: c.ID, Customer: rt.Customer, ConsentID: rt.ConsentID, Scope: rt.Scope}
	case CIBAGrantType:
		var ok bool
		if g, ok = s.cibaGrant(ctx, w, c, r.PostForm.Get("auth_req_id")); !ok {
			return
		}
	default:
		tokenError(w, http.StatusBadRequest, "unsupported_grant_type", "grant types are client_credentials, authorization_code, refresh_token and "+CIBAGrantType)
		return
	}
	g.Kind, g.Expires = grantAccess, s.now().Add(s.opts.TokenLifetime)
	access, err := s.issue(ctx, s.db, g)
	if err != nil {
		tokenError(w, http.StatusInternalServerError, "server_error", err.Error())
		return
	}
	out := map[string]any{"access_token": access, "token_type": "Bearer", "expires_in": int(s.opts.TokenLifetime / time.Second), "scope": g.Scope}
	if withRefresh {
		// The refresh token lives as long as the consent may; the consent's
		// own expiry and revocation still end it earlier.
		rg := g
		rg.Kind, rg.Expires = grantRefresh, s.now().AddDate(1, 0, 0)
		refresh, err := s.issue(ctx, s.db, rg)
		if err != nil {
			tokenError(w, http.StatusInternalServerError, "server_error", err.Error())
			return
		}
		out["refresh_token"] = refresh
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Pragma", "no-cache")
	json.NewEncoder(w).Encode(out)
}

// clientScope checks the scope of a client-credentials request; openid is
// allowed and dropped, nothing asked means everything.
func clientScope(requested string) (string, bool) {
	var out []string
	for _, sc := range strings.Fields(requested) {
		switch {
		case sc == "openid":
		case slices.Contains(knownScopes, sc):
			if !slices.Contains(out, sc) {
				out = append(out, sc)
			}
		default:
			return "", false
		}
	}
	if len(out) == 0 {
		out = knownScopes
	}
	return strings.Join(out, " "), true
}
