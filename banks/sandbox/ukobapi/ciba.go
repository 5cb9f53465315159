package ukobapi

// Decoupled authorisation as the Open Banking security profile defines
// it: OpenID Connect Client-Initiated Backchannel Authentication (CIBA),
// poll mode.
//
//	POST /oauth2/bc-authorize   client authentication as at the token endpoint;
//	                            scope (openid payments), login_hint, openbanking_intent_id
//	POST /oauth2/token          grant_type=urn:openid:params:grant-type:ciba, auth_req_id
//
// Simplifications of the sandbox, against the profile:
//   - The customer is named by login_hint, the demo customer id (the
//     profile uses login_hint_token or id_token_hint; those are refused
//     with a hint to use login_hint).
//   - The intent is the plain form parameter openbanking_intent_id, the
//     id of a domestic-payment-consent the client created with its
//     client-credentials token; a signed request object is not needed
//     (one sent alongside is ignored).
//   - The token response carries no id_token.
//
// bc-authorize binds the consent to the customer, so that it waits in
// Pending, and the bank app (Decide, /app/approvals) approves or rejects
// it. The token endpoint answers authorization_pending while it waits
// (slow_down when polled faster than the interval), access_denied once
// rejected, expired_token once the approval window closed, and the
// tokens, once, when approved: an access token bound to the consent and
// the customer, scope payments.

import (
	"context"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
)

const (
	// grantCIBA is a backchannel authentication request (auth_req_id).
	grantCIBA = "ciba"
	// CIBAGrantType is the grant_type of the token requests that poll.
	CIBAGrantType = "urn:openid:params:grant-type:ciba"
	// CIBAInterval is the least time between two polls of a request.
	CIBAInterval = 5 * time.Second
)

// handleBackchannelAuthorize is the backchannel authentication endpoint.
func (s *Server) handleBackchannelAuthorize(w http.ResponseWriter, r *http.Request) {
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
	f := r.PostForm
	scopes := strings.Fields(f.Get("scope"))
	if !slices.Contains(scopes, "openid") {
		tokenError(w, http.StatusBadRequest, "invalid_scope", "the scope must include openid")
		return
	}
	for _, sc := range scopes {
		if sc != "openid" && sc != "payments" {
			tokenError(w, http.StatusBadRequest, "invalid_scope", "backchannel authentication is for payments: scope openid payments")
			return
		}
	}
	hint := f.Get("login_hint")
	if hint == "" {
		desc := "login_hint (the customer id) is required"
		if f.Get("login_hint_token") != "" || f.Get("id_token_hint") != "" {
			desc = "the sandbox takes the customer id as login_hint, not login_hint_token or id_token_hint"
		}
		tokenError(w, http.StatusBadRequest, "invalid_request", desc)
		return
	}
	intent := f.Get("openbanking_intent_id")
	if intent == "" {
		tokenError(w, http.StatusBadRequest, "invalid_request", "openbanking_intent_id (the payment consent id) is required")
		return
	}
	ctx := r.Context()
	u, err := s.user(ctx, hint)
	if err != nil {
		tokenError(w, http.StatusBadRequest, "unknown_user_id", "no customer "+strconv.Quote(hint))
		return
	}
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		tokenError(w, http.StatusInternalServerError, "server_error", err.Error())
		return
	}
	defer tx.Rollback()
	cons, err := s.loadConsent(ctx, tx, intent)
	if errors.Is(err, errNoConsent) || (err == nil && (cons.ClientID != c.ID || cons.Kind != kindPayment)) {
		tokenError(w, http.StatusBadRequest, "invalid_request", "no payment consent "+strconv.Quote(intent)+" of this client")
		return
	}
	if err != nil {
		tokenError(w, http.StatusInternalServerError, "server_error", err.Error())
		return
	}
	if cons.Status == statusRejected && cons.Reason == "expired" {
		tx.Commit() // keep the expiry just recorded
		tokenError(w, http.StatusBadRequest, "expired_login_hint_token", "the consent waited too long for approval")
		return
	}
	if cons.Status != statusAwaiting {
		tokenError(w, http.StatusBadRequest, "invalid_request", "the consent is "+cons.Status)
		return
	}
	if cons.Customer != "" && cons.Customer != u.Customer {
		tokenError(w, http.StatusBadRequest, "invalid_request", "the consent is another customer's")
		return
	}
	req, err := parsePaymentConsent(cons.Request)
	if err != nil {
		tokenError(w, http.StatusInternalServerError, "server_error", err.Error())
		return
	}
	if _, e := s.resolvePayment(ctx, u, req.Data.Initiation); e != nil {
		msg := e.Error()
		if len(e.errs) > 0 {
			msg = e.errs[0].Message
		}
		tokenError(w, http.StatusBadRequest, "invalid_request", "the customer cannot make the payment: "+msg)
		return
	}
	// Bound to the customer, the consent waits in the customer's app.
	if _, err := tx.ExecContext(ctx, `UPDATE consents SET customer_id = ?, bound = 1 WHERE id = ?`, u.Customer, cons.ID); err != nil {
		tokenError(w, http.StatusInternalServerError, "server_error", err.Error())
		return
	}
	id, err := s.issue(ctx, tx, grant{Kind: grantCIBA, ClientID: c.ID, Customer: u.Customer, ConsentID: cons.ID, Scope: "payments", Expires: cons.Deadline})
	if err != nil {
		tokenError(w, http.StatusInternalServerError, "server_error", err.Error())
		return
	}
	if err := tx.Commit(); err != nil {
		tokenError(w, http.StatusInternalServerError, "server_error", err.Error())
		return
	}
	expires := int(cons.Deadline.Sub(s.now()) / time.Second)
	if expires < 1 {
		expires = 1
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	json.NewEncoder(w).Encode(map[string]any{"auth_req_id": id, "expires_in": expires, "interval": int(CIBAInterval / time.Second)})
}

// cibaGrant answers a token request that polls a backchannel
// authentication request: the grant to issue once approved, or false
// when it wrote the error.
func (s *Server) cibaGrant(ctx context.Context, w http.ResponseWriter, c *Client, authReqID string) (grant, bool) {
	var g grant
	var expires int64
	h := hash(authReqID)
	err := s.db.QueryRowContext(ctx, `SELECT client_id, customer_id, consent_id, scope, expires_at, used FROM grants WHERE hash = ? AND kind = ?`,
		h, grantCIBA).Scan(&g.ClientID, &g.Customer, &g.ConsentID, &g.Scope, &expires, &g.Used)
	if errors.Is(err, sql.ErrNoRows) || (err == nil && g.ClientID != c.ID) {
		tokenError(w, http.StatusBadRequest, "invalid_grant", "unknown auth_req_id")
		return g, false
	}
	if err != nil {
		tokenError(w, http.StatusInternalServerError, "server_error", err.Error())
		return g, false
	}
	if g.Used {
		tokenError(w, http.StatusBadRequest, "invalid_grant", "the auth_req_id was redeemed")
		return g, false
	}
	cons, err := s.loadConsent(ctx, s.db, g.ConsentID) // expires what is overdue
	if err != nil {
		tokenError(w, http.StatusInternalServerError, "server_error", err.Error())
		return g, false
	}
	now := s.now()
	switch {
	case cons.Status == statusRejected && cons.Reason == "expired",
		cons.Status == statusAwaiting && !now.Before(fromUnix(expires)):
		tokenError(w, http.StatusBadRequest, "expired_token", "the customer did not approve in time")
		return g, false
	case cons.Status == statusRejected || cons.Status == statusRevoked:
		tokenError(w, http.StatusBadRequest, "access_denied", "the customer rejected the payment")
		return g, false
	case cons.Status == statusAwaiting:
		key := "ciba-poll:" + hex.EncodeToString(h)
		var last []byte
		err := s.db.QueryRowContext(ctx, `SELECT value FROM meta WHERE key = ?`, key).Scan(&last)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			tokenError(w, http.StatusInternalServerError, "server_error", err.Error())
			return g, false
		}
		if _, err := s.db.ExecContext(ctx, `INSERT INTO meta(key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value`,
			key, []byte(strconv.FormatInt(now.UnixNano(), 10))); err != nil {
			tokenError(w, http.StatusInternalServerError, "server_error", err.Error())
			return g, false
		}
		if prev, err := strconv.ParseInt(string(last), 10, 64); err == nil && now.Sub(time.Unix(0, prev)) < CIBAInterval {
			tokenError(w, http.StatusBadRequest, "slow_down", "poll at most every "+CIBAInterval.String())
			return g, false
		}
		tokenError(w, http.StatusBadRequest, "authorization_pending", "the customer has not decided yet")
		return g, false
	case cons.Status != statusAuthorised || !s.usable(cons):
		tokenError(w, http.StatusBadRequest, "invalid_grant", "the consent is "+cons.Status)
		return g, false
	}
	// Tokens once: the UPDATE decides between two racing polls.
	res, err := s.db.ExecContext(ctx, `UPDATE grants SET used = 1 WHERE hash = ? AND kind = ? AND used = 0`, h, grantCIBA)
	if err != nil {
		tokenError(w, http.StatusInternalServerError, "server_error", err.Error())
		return g, false
	}
	if n, _ := res.RowsAffected(); n != 1 {
		tokenError(w, http.StatusBadRequest, "invalid_grant", "the auth_req_id was redeemed")
		return g, false
	}
	s.db.ExecContext(ctx, `DELETE FROM meta WHERE key = ?`, "ciba-poll:"+string(h))
	return grant{ClientID: c.ID, Customer: g.Customer, ConsentID: g.ConsentID, Scope: g.Scope}, true
}
