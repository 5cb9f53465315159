package ukobapi

import (
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"errors"
	"html/template"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
	"github.com/kontoskill/konto/banks"
)

// The pages are small, self-contained HTML: no scripts, no third-party
// assets, labelled form fields, and a CSRF token in every form (a
// double-submit cookie, SameSite=Strict).

const pageCSS = `body{font:1.05rem/1.5 system-ui,sans-serif;max-width:36rem;margin:2rem auto;padding:0 1rem;color:#111;background:#fff}
h1{font-size:1.5rem}label{display:block;margin-top:1rem;font-weight:600}input{font:inherit;padding:.5rem;width:100%;box-sizing:border-box;border:2px solid #555;border-radius:4px}
button{font:inherit;padding:.6rem 1.2rem;margin:1rem .5rem 0 0;border-radius:4px;border:2px solid #0b3d91;cursor:pointer}
.approve{background:#0b3d91;color:#fff}.reject{background:#fff;color:#0b3d91}:focus{outline:3px solid #f9a825;outline-offset:2px}
.error{border-left:4px solid #b00020;padding:.5rem 1rem;background:#fdecea}.notice{border-left:4px solid #1b5e20;padding:.5rem 1rem;background:#e8f5e9}
dl{display:grid;grid-template-columns:max-content 1fr;gap:.25rem 1rem}dt{font-weight:600}li{margin:.25rem 0}
.item{border:1px solid #999;border-radius:6px;padding:0 1rem 1rem;margin:1rem 0}`

var pages = template.Must(template.New("layout").Parse(`{{define "head"}}<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.Title}} – Konto Sandbox Bank</title><style>` + pageCSS + `</style></head><body><main>
<p>Konto Sandbox Bank</p><h1>{{.Title}}</h1>
{{if .Error}}<p class="error" role="alert">{{.Error}}</p>{{end}}{{if .Notice}}<p class="notice" role="status">{{.Notice}}</p>{{end}}{{end}}
{{define "foot"}}</main></body></html>{{end}}
{{define "signin"}}<label for="customer">Customer ID or first name</label>
<input id="customer" name="customer" autocomplete="username" required value="{{.Customer}}">
<label for="password">Password</label>
<input id="password" name="password" type="password" autocomplete="current-password" required>{{end}}
{{define "what"}}{{if eq .Kind "payment"}}<dl><dt>Amount</dt><dd>{{.Amount}}</dd><dt>To</dt><dd>{{.Creditor}}{{if .CreditorAccount}}, account ending {{.CreditorAccount}}{{end}}</dd>
{{if .From}}<dt>From</dt><dd>{{.From}}</dd>{{end}}<dt>Approve by</dt><dd>{{.Expires}}</dd></dl>
{{else}}<p>{{.Client}} asks to see:</p><ul>{{range .Permissions}}<li>{{.}}</li>{{end}}</ul>{{if .Until}}<p>until {{.Until}}.</p>{{end}}{{end}}{{end}}
{{define "authorize"}}{{template "head" .}}
{{if .Req}}{{template "what" .}}
<form method="post" action="/oauth2/authorize">
<input type="hidden" name="req" value="{{.Req}}"><input type="hidden" name="csrf" value="{{.CSRF}}">
{{template "signin" .}}
<button class="approve" name="decision" value="approve">Approve</button>
<button class="reject" name="decision" value="reject">Reject</button>
</form>{{end}}
{{template "foot"}}{{end}}
{{define "approvals"}}{{template "head" .}}
{{if .SignedIn}}<p>Signed in as {{.Name}}.</p>
{{if .Items}}{{range .Items}}<section class="item" aria-label="{{.Title}}"><h2>{{.Title}}</h2>{{template "what" .}}
<form method="post" action="/app/approvals"><input type="hidden" name="csrf" value="{{$.CSRF}}"><input type="hidden" name="consent" value="{{.ConsentID}}">
<button class="approve" name="action" value="approve">Approve</button>
<button class="reject" name="action" value="reject">Reject</button></form></section>{{end}}
{{else}}<p>Nothing waits for your approval.</p>{{end}}
<form method="post" action="/app/approvals"><input type="hidden" name="csrf" value="{{.CSRF}}"><button class="reject" name="action" value="signout">Sign out</button></form>
{{else}}<p>Sign in to approve payments and access that wait for you.</p>
<form method="post" action="/app/approvals"><input type="hidden" name="csrf" value="{{.CSRF}}"><input type="hidden" name="action" value="signin">
{{template "signin" .}}<button class="approve">Sign in</button></form>{{end}}
{{template "foot"}}{{end}}`))

// view is what a page shows of a consent.
type view struct {
	Title, Error, Notice, Customer, CSRF, Req string
	ConsentID, Kind, Client                   string
	Amount, Creditor, CreditorAccount, From   string
	Expires, Until                            string
	Permissions                               []string
	// The approvals page.
	SignedIn bool
	Name     string
	Items    []view
}

var permissionWords = map[string]string{
	"ReadAccountsBasic": "your accounts", "ReadAccountsDetail": "your accounts and their numbers",
	"ReadBalances": "your balances", "ReadTransactionsBasic": "your transactions", "ReadTransactionsDetail": "your transactions in detail",
	"ReadBeneficiariesBasic": "your saved payees", "ReadBeneficiariesDetail": "your saved payees and their account numbers",
	"ReadDirectDebits": "your direct debits", "ReadStandingOrdersBasic": "your standing orders",
	"ReadStandingOrdersDetail": "your standing orders in detail", "ReadScheduledPaymentsBasic": "your scheduled payments",
	"ReadScheduledPaymentsDetail": "your scheduled payments in detail", "ReadStatementsBasic": "your statements",
	"ReadStatementsDetail": "your statements in detail", "ReadProducts": "your products", "ReadOffers": "your offers",
	"ReadParty": "the account holders' details", "ReadPartyPSU": "your personal details", "ReadPAN": "your full card numbers",
}

func moneyText(m banks.Money) string {
	sym := map[string]string{"GBP": "£", "EUR": "€", "USD": "$"}[m.Currency]
	if sym == "" {
		return m.String()
	}
	return sym + m.Decimal()
}

func (s *Server) viewOf(p Pending) view {
	v := view{ConsentID: p.ConsentID, Kind: p.Kind, Client: p.Client, Expires: p.Expires.Format("15:04 MST, 2 Jan 2006")}
	if p.Kind == kindPayment {
		v.Title = "Payment of " + moneyText(p.Amount) + " to " + p.Creditor
		v.Amount, v.Creditor, v.CreditorAccount, v.From = moneyText(p.Amount), p.Creditor, p.CreditorAccount, p.FromAccountID
	} else {
		v.Title = "Access for " + p.Client
		for _, perm := range p.Permissions {
			if w, ok := permissionWords[perm]; ok && !slices.Contains(v.Permissions, w) {
				v.Permissions = append(v.Permissions, w)
			}
		}
	}
	return v
}

func (s *Server) render(w http.ResponseWriter, status int, name string, v view) {
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'; base-uri 'none'")
	h.Set("X-Frame-Options", "DENY")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	pages.ExecuteTemplate(w, name, v)
}

// seal signs a small value for a page to carry; unseal checks it.
func (s *Server) seal(purpose string, v any, ttl time.Duration) string {
	body, _ := json.Marshal(struct {
		V   any   `json:"v"`
		Exp int64 `json:"exp"`
	}{v, s.now().Add(ttl).Unix()})
	payload := base64.RawURLEncoding.EncodeToString(body)
	return payload + "." + base64.RawURLEncoding.EncodeToString(s.mac(purpose, payload))
}

func (s *Server) unseal(purpose, token string, v any) bool {
	payload, sig, ok := strings.Cut(token, ".")
	mac, err := base64.RawURLEncoding.DecodeString(sig)
	if !ok || err != nil || !hmac.Equal(mac, s.mac(purpose, payload)) {
		return false
	}
	body, err := base64.RawURLEncoding.DecodeString(payload)
	if err != nil {
		return false
	}
	var out struct {
		V   json.RawMessage `json:"v"`
		Exp int64           `json:"exp"`
	}
	if json.Unmarshal(body, &out) != nil || s.now().Unix() >= out.Exp {
		return false
	}
	return json.Unmarshal(out.V, v) == nil
}

func (s *Server) mac(purpose, payload string) []byte {
	m := hmac.New(sha256.New, s.secret)
	m.Write([]byte(purpose + "\x00" + payload))
	return m.Sum(nil)
}

const (
	csrfCookie    = "ksbx_csrf"
	sessionCookie = "ksbx_app"
)

func secure(r *http.Request) bool {
	return r.TLS != nil || r.Header.Get("X-Forwarded-Proto") == "https"
}

// csrf returns the page's CSRF token, setting its cookie when needed.
func (s *Server) csrf(w http.ResponseWriter, r *http.Request) string {
	if c, err := r.Cookie(csrfCookie); err == nil && len(c.Value) == 48 {
		return c.Value
	}
	tok := randomID("", 24)
	http.SetCookie(w, &http.Cookie{Name: csrfCookie, Value: tok, Path: "/", HttpOnly: true, Secure: secure(r), SameSite: http.SameSiteStrictMode})
	return tok
}

func checkCSRF(r *http.Request) bool {
	c, err := r.Cookie(csrfCookie)
	form := r.PostForm.Get("csrf")
	return err == nil && form != "" && subtle.ConstantTimeCompare([]byte(c.Value), []byte(form)) == 1
}

// authRequest is what the consent page carries from GET to POST.
type authRequest struct {
	Client   string `json:"c"`
	Redirect string `json:"r"`
	State    string `json:"s"`
	Scope    string `json:"sc"`
	Consent  string `json:"id"`
}

// requestObject is the part of a signed authorisation request (OpenID
// Connect request object, as the Open Banking profile has it) the bank reads.
type requestObject struct {
	ClientID     string `json:"client_id"`
	RedirectURI  string `json:"redirect_uri"`
	ResponseType string `json:"response_type"`
	Scope        string `json:"scope"`
	State        string `json:"state"`
	Claims       struct {
		IDToken struct {
			Intent struct {
				Value string `json:"value"`
			} `json:"openbanking_intent_id"`
		} `json:"id_token"`
		Userinfo struct {
			Intent struct {
				Value string `json:"value"`
			} `json:"openbanking_intent_id"`
		} `json:"userinfo"`
	} `json:"claims"`
}

// parseRequestObject verifies a request object with the client's key.
func (s *Server) parseRequestObject(r *http.Request, raw string, c *Client) (requestObject, error) {
	var ro requestObject
	alg, ok := algFor(c.Key)
	if !ok {
		return ro, errors.New("the client has no key")
	}
	tok, err := jwt.ParseSigned(raw, []jose.SignatureAlgorithm{alg})
	if err != nil {
		return ro, err
	}
	var std jwt.Claims
	if err := tok.Claims(c.Key, &std, &ro); err != nil {
		return ro, err
	}
	if err := std.ValidateWithLeeway(jwt.Expected{Issuer: c.ID, AnyAudience: jwt.Audience{s.issuer(r)}, Time: s.now()}, time.Minute); err != nil {
		return ro, err
	}
	if std.Expiry == nil {
		return ro, errors.New("the request object has no exp")
	}
	if ro.ClientID != "" && ro.ClientID != c.ID {
		return ro, errors.New("client_id differs")
	}
	return ro, nil
}

// redirect sends the browser back to the client.
func redirect(w http.ResponseWriter, r *http.Request, to string, params url.Values) {
	u, err := url.Parse(to)
	if err != nil {
		http.Error(w, "bad redirect_uri", http.StatusBadRequest)
		return
	}
	q := u.Query()
	for k, vs := range params {
		for _, v := range vs {
			if v != "" {
				q.Add(k, v)
			}
		}
	}
	u.RawQuery = q.Encode()
	http.Redirect(w, r, u.String(), http.StatusSeeOther)
}

func (s *Server) handleAuthorizePage(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	fail := func(msg string) {
		s.render(w, http.StatusBadRequest, "authorize", view{Title: "This request cannot be shown", Error: msg})
	}
	c := s.clients[q.Get("client_id")]
	if c == nil {
		fail("The request comes from a client the bank does not know.")
		return
	}
	ar := authRequest{Client: c.ID, Redirect: q.Get("redirect_uri"), State: q.Get("state"), Scope: q.Get("scope"), Consent: q.Get("consent_id")}
	responseType := q.Get("response_type")
	if raw := q.Get("request"); raw != "" {
		ro, err := s.parseRequestObject(r, raw, c)
		if err != nil {
			fail("The signed request does not verify.")
			return
		}
		// The signed request wins over the plain parameters.
		for _, f := range []struct {
			dst *string
			v   string
		}{{&ar.Redirect, ro.RedirectURI}, {&ar.State, ro.State}, {&ar.Scope, ro.Scope},
			{&responseType, ro.ResponseType}, {&ar.Consent, ro.Claims.IDToken.Intent.Value}, {&ar.Consent, ro.Claims.Userinfo.Intent.Value}} {
			if f.v != "" {
				*f.dst = f.v
			}
		}
	}
	if !slices.Contains(c.RedirectURIs, ar.Redirect) {
		fail("The redirect address is not registered for this client.")
		return
	}
	back := func(code, desc string) {
		redirect(w, r, ar.Redirect, url.Values{"error": {code}, "error_description": {desc}, "state": {ar.State}})
	}
	if responseType != "code" {
		back("unsupported_response_type", "response_type must be code")
		return
	}
	if ar.Consent == "" {
		back("invalid_request", "no consent named")
		return
	}
	cons, err := s.loadConsent(r.Context(), s.db, ar.Consent)
	if err != nil || cons.ClientID != c.ID {
		back("invalid_request", "unknown consent")
		return
	}
	if cons.Status != statusAwaiting {
		back("invalid_request", "the consent is "+strings.ToLower(cons.Status)+" ("+cons.Reason+")")
		return
	}
	// What the tokens may do: the consent's kind, and payments too for an
	// account consent that asked for them (to start payments the customer
	// approves in the app).
	scopes := strings.Fields(ar.Scope)
	granted := []string{"payments"}
	if cons.Kind == kindAccount {
		granted = []string{"accounts"}
		if slices.Contains(scopes, "payments") {
			granted = append(granted, "payments")
		}
	}
	ar.Scope = strings.Join(granted, " ")
	p, err := s.describe(r.Context(), cons)
	if err != nil {
		fail("The bank could not read the request.")
		return
	}
	v := s.viewOf(p)
	v.Title = "Approve " + strings.ToLower(v.Title[:1]) + v.Title[1:]
	if cons.Kind == kindAccount {
		v.Title = "Approve access for " + p.Client
		var req accountConsentRequest
		json.Unmarshal(cons.Request, &req)
		if req.Data.ExpirationDateTime != "" {
			if t, err := time.Parse(time.RFC3339, req.Data.ExpirationDateTime); err == nil {
				v.Until = t.Format("2 January 2006")
			}
		}
	}
	v.Req = s.seal("authorize", ar, cons.Deadline.Sub(s.now())+time.Minute)
	v.CSRF = s.csrf(w, r)
	s.render(w, http.StatusOK, "authorize", v)
}

func (s *Server) handleAuthorizeDecision(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
	if err := r.ParseForm(); err != nil || !checkCSRF(r) {
		s.render(w, http.StatusForbidden, "authorize", view{Title: "This form has expired", Error: "Open the link from the app again."})
		return
	}
	var ar authRequest
	if !s.unseal("authorize", r.PostForm.Get("req"), &ar) {
		s.render(w, http.StatusBadRequest, "authorize", view{Title: "This form has expired", Error: "Open the link from the app again."})
		return
	}
	ctx := r.Context()
	again := func(msg string) {
		cons, err := s.loadConsent(ctx, s.db, ar.Consent)
		v := view{Title: "Approve the request", Error: msg}
		if err == nil {
			if p, err := s.describe(ctx, cons); err == nil {
				v = s.viewOf(p)
				v.Error = msg
			}
		}
		v.Req, v.CSRF, v.Customer = r.PostForm.Get("req"), s.csrf(w, r), r.PostForm.Get("customer")
		s.render(w, http.StatusOK, "authorize", v)
	}
	u, err := s.bank.SignIn(ctx, r.PostForm.Get("customer"), r.PostForm.Get("password"))
	if err != nil {
		again("The customer ID or the password is wrong.")
		return
	}
	approve := r.PostForm.Get("decision") == "approve"
	cons, err := s.decide(ctx, ar.Consent, u.Customer, approve)
	switch {
	case banks.KindOf(err) == banks.NotFound:
		again("This request is for another customer.")
		return
	case banks.ReasonOf(err) == "sca_expired":
		redirect(w, r, ar.Redirect, url.Values{"error": {"access_denied"}, "error_description": {"the consent expired"}, "state": {ar.State}})
		return
	case err != nil && banks.KindOf(err) == banks.Invalid:
		again("The bank cannot do this: " + err.Error())
		return
	case err != nil:
		again("The bank could not record your answer. Try again.")
		return
	}
	if !approve {
		redirect(w, r, ar.Redirect, url.Values{"error": {"access_denied"}, "error_description": {"the customer rejected the request"}, "state": {ar.State}})
		return
	}
	code, err := s.issue(ctx, s.db, grant{Kind: grantCode, ClientID: ar.Client, Customer: u.Customer, ConsentID: cons.ID, Scope: ar.Scope,
		RedirectURI: ar.Redirect, Expires: s.now().Add(codeLifetime)})
	if err != nil {
		again("The bank could not record your answer. Try again.")
		return
	}
	redirect(w, r, ar.Redirect, url.Values{"code": {code}, "state": {ar.State}})
}

// The bank app: the customer signs in and approves what waits.

func (s *Server) appCustomer(r *http.Request) (string, bool) {
	c, err := r.Cookie(sessionCookie)
	var customer string
	if err != nil || !s.unseal("app", c.Value, &customer) {
		return "", false
	}
	return customer, true
}

func (s *Server) handleApprovalsPage(w http.ResponseWriter, r *http.Request) {
	s.approvalsPage(w, r, "", map[string]string{"approved": "Approved.", "rejected": "Rejected."}[r.URL.Query().Get("done")])
}

func (s *Server) approvalsPage(w http.ResponseWriter, r *http.Request, errMsg, notice string) {
	v := view{Title: "Approvals", Error: errMsg, Notice: notice, CSRF: s.csrf(w, r)}
	if customer, ok := s.appCustomer(r); ok {
		v.SignedIn = true
		if c, err := s.bank.FindCustomer(r.Context(), customer); err == nil {
			v.Name = c.Name
		}
		pending, err := s.Pending(r.Context(), customer)
		if err != nil {
			v.Error = "The bank could not list what waits. Try again."
		}
		for _, p := range pending {
			v.Items = append(v.Items, s.viewOf(p))
		}
	}
	s.render(w, http.StatusOK, "approvals", v)
}

func (s *Server) handleApprovalsAction(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
	if err := r.ParseForm(); err != nil || !checkCSRF(r) {
		s.render(w, http.StatusForbidden, "approvals", view{Title: "Approvals", Error: "This form has expired. Reload the page.", CSRF: s.csrf(w, r)})
		return
	}
	ctx := r.Context()
	switch action := r.PostForm.Get("action"); action {
	case "signin":
		u, err := s.bank.SignIn(ctx, r.PostForm.Get("customer"), r.PostForm.Get("password"))
		if err != nil {
			s.approvalsPage(w, r, "The customer ID or the password is wrong.", "")
			return
		}
		http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: s.seal("app", u.Customer, 15*time.Minute), Path: "/app/",
			HttpOnly: true, Secure: secure(r), SameSite: http.SameSiteStrictMode, MaxAge: 15 * 60})
		http.Redirect(w, r, "/app/approvals", http.StatusSeeOther)
	case "signout":
		http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: "", Path: "/app/", MaxAge: -1, HttpOnly: true, Secure: secure(r), SameSite: http.SameSiteStrictMode})
		http.Redirect(w, r, "/app/approvals", http.StatusSeeOther)
	case "approve", "reject":
		customer, ok := s.appCustomer(r)
		if !ok {
			s.approvalsPage(w, r, "Sign in again.", "")
			return
		}
		if err := s.Decide(ctx, customer, r.PostForm.Get("consent"), action == "approve"); err != nil {
			msg := "The bank could not record your answer."
			switch {
			case banks.ReasonOf(err) == "sca_expired":
				msg = "That request expired."
			case banks.KindOf(err) == banks.NotFound:
				msg = "That request is gone."
			case banks.KindOf(err) == banks.Invalid:
				msg = "The bank cannot do this: " + err.Error()
			}
			s.approvalsPage(w, r, msg, "")
			return
		}
		http.Redirect(w, r, "/app/approvals?done="+map[bool]string{true: "approved", false: "rejected"}[action == "approve"], http.StatusSeeOther)
	default:
		s.approvalsPage(w, r, "Unknown action.", "")
	}
}
