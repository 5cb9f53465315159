package bgapi

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"html/template"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/kontoskill/konto/banks"
)

// The bank's own pages: the redirect SCA page a TPP sends the PSU to
// (/sca/{authorisationId}) and the bank's "app" (/app/approvals), where a
// signed-in demo customer approves or rejects what waits for decoupled
// SCA and withdraws consents. Plain HTML with one inline style sheet, no
// scripts and no third-party assets; forms carry an anti-forgery token
// bound to a cookie.

var pages = template.Must(template.New("").Parse(`
{{define "head"}}<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.Title}} – Konto Sandbox Bank</title>
<style nonce="{{.Nonce}}">
body{font:1.05rem/1.5 system-ui,sans-serif;margin:0;color:#111;background:#fff}
header{background:#0b3d2e;color:#fff;padding:.75rem 1rem}
main{max-width:36rem;margin:0 auto;padding:1rem}
label{display:block;margin-top:.75rem;font-weight:600}
input[type=text],input[type=password]{font:inherit;width:100%;box-sizing:border-box;padding:.5rem;border:2px solid #555;border-radius:4px}
button{font:inherit;margin:1rem .5rem 0 0;padding:.5rem 1rem;border-radius:4px;border:2px solid #0b3d2e;background:#0b3d2e;color:#fff;cursor:pointer}
button.secondary{background:#fff;color:#0b3d2e}
:focus-visible{outline:3px solid #e6a100;outline-offset:2px}
.error{border-left:4px solid #b00020;padding:.5rem 1rem;background:#fdecee}
.note{border-left:4px solid #0b3d2e;padding:.5rem 1rem;background:#eef6f2}
dl{display:grid;grid-template-columns:auto 1fr;gap:.25rem 1rem}dt{font-weight:600}dd{margin:0}
ul.items{list-style:none;padding:0}ul.items li{border:1px solid #999;border-radius:4px;padding:.75rem;margin:.75rem 0}
</style>
</head>
<body>
<header><p>Konto Sandbox Bank</p></header>
<main>
<h1>{{.Title}}</h1>
{{if .Error}}<div class="error" role="alert" id="error"><p>{{.Error}}</p></div>{{end}}
{{if .Note}}<div class="note" role="status"><p>{{.Note}}</p></div>{{end}}
{{end}}

{{define "foot"}}</main>
</body>
</html>
{{end}}

{{define "signin-fields"}}
<label for="customer">Customer ID</label>
<input type="text" id="customer" name="customer" autocomplete="username" autocapitalize="none" spellcheck="false" value="{{.Customer}}"
 {{if .Error}}aria-invalid="true" aria-describedby="error"{{end}}>
<label for="password">Password</label>
<input type="password" id="password" name="password" autocomplete="current-password"
 {{if .Error}}aria-invalid="true" aria-describedby="error"{{end}}>
{{end}}

{{define "sca"}}{{template "head" .}}
<p>{{.Summary}}</p>
{{if .Waiting}}
<form method="post">
<input type="hidden" name="csrf" value="{{.CSRF}}">
<fieldset>
<legend>Sign in to approve</legend>
{{template "signin-fields" .}}
</fieldset>
<button type="submit" name="action" value="approve">Approve</button>
<button type="submit" name="action" value="reject" class="secondary">Reject</button>
</form>
{{end}}
{{template "foot" .}}{{end}}

{{define "app"}}{{template "head" .}}
{{if not .Customer}}
<p>Sign in to see what waits for your approval.</p>
<form method="post">
<input type="hidden" name="csrf" value="{{.CSRF}}">
{{template "signin-fields" .}}
<button type="submit" name="action" value="signin">Sign in</button>
</form>
{{else}}
<p>Signed in as {{.Customer}}.</p>
<h2>Waiting for your approval</h2>
{{if .Pending}}<ul class="items">
{{range .Pending}}<li>
<p>{{.Summary}}</p>
<p>Open until {{.Expires.Format "15:04 MST"}}.</p>
<form method="post">
<input type="hidden" name="csrf" value="{{$.CSRF}}">
<input type="hidden" name="id" value="{{.ID}}">
<button type="submit" name="action" value="approve">Approve</button>
<button type="submit" name="action" value="reject" class="secondary">Reject</button>
</form>
</li>{{end}}
</ul>{{else}}<p>Nothing waits for you.</p>{{end}}
<h2>Apps with access to your accounts</h2>
{{if .Consents}}<ul class="items">
{{range .Consents}}<li>
<p>{{.Summary}} Valid until {{.ValidUntil}}.</p>
<form method="post">
<input type="hidden" name="csrf" value="{{$.CSRF}}">
<input type="hidden" name="id" value="{{.ID}}">
<button type="submit" name="action" value="revoke" class="secondary">Withdraw access</button>
</form>
</li>{{end}}
</ul>{{else}}<p>No app has access.</p>{{end}}
<form method="post">
<input type="hidden" name="csrf" value="{{.CSRF}}">
<button type="submit" name="action" value="signout" class="secondary">Sign out</button>
</form>
{{end}}
{{template "foot" .}}{{end}}
`))

// Pages reports whether a request is for the bank's own HTML pages (the
// redirect SCA page and the app) rather than the XS2A API, for tests that
// check the API's traffic against the standard.
func Pages(r *http.Request) bool {
	return strings.HasPrefix(r.URL.Path, "/sca/") || strings.HasPrefix(r.URL.Path, "/app/")
}

type pageData struct {
	Title, Error, Note, Nonce, CSRF string
	AuthID, Summary, Customer       string
	Waiting                         bool
	Pending                         []Pending
	Consents                        []Consent
}

const csrfCookie = "bgapi_csrf"

// csrf returns the anti-forgery token of the browser's cookie, setting a
// cookie first if there is none.
func (s *Server) csrf(w http.ResponseWriter, r *http.Request) string {
	c, err := r.Cookie(csrfCookie)
	v := ""
	if err == nil && len(c.Value) >= 16 {
		v = c.Value
	} else {
		b := make([]byte, 18)
		rand.Read(b)
		v = base64.RawURLEncoding.EncodeToString(b)
		http.SetCookie(w, &http.Cookie{Name: csrfCookie, Value: v, Path: s.prefix + "/", HttpOnly: true, Secure: r.TLS != nil, SameSite: http.SameSiteStrictMode})
	}
	return s.mac("csrf", v)
}

func (s *Server) csrfOK(r *http.Request) bool {
	c, err := r.Cookie(csrfCookie)
	return err == nil && len(c.Value) >= 16 && hmac.Equal([]byte(r.PostFormValue("csrf")), []byte(s.mac("csrf", c.Value)))
}

// render writes a page with headers that keep it out of frames and caches
// and let only its own style sheet and forms run. formTargets are origins
// a form may end up at (a TPP's redirect after the decision).
func (s *Server) render(w http.ResponseWriter, status int, name string, d pageData, formTargets ...string) {
	b := make([]byte, 16)
	rand.Read(b)
	d.Nonce = base64.RawStdEncoding.EncodeToString(b)
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Frame-Options", "DENY")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("Content-Security-Policy", "default-src 'none'; style-src 'nonce-"+d.Nonce+"'; form-action 'self' "+
		strings.Join(formTargets, " ")+"; frame-ancestors 'none'; base-uri 'none'")
	w.WriteHeader(status)
	pages.ExecuteTemplate(w, name, d)
}

// origin is a URL's scheme and host, for a CSP source list.
func origin(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return ""
	}
	return u.Scheme + "://" + u.Host
}

func (s *Server) scaPage(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	id := r.PathValue("authorisationId")
	a, err := s.loadAuth(ctx, s.db, id)
	if errors.Is(err, errNoAuth) {
		s.render(w, http.StatusNotFound, "sca", pageData{Title: "Not found", Summary: "There is no such request. Go back to the app that sent you."})
		return
	}
	if err != nil {
		s.render(w, http.StatusServiceUnavailable, "sca", pageData{Title: "Please try again", Summary: "The bank could not answer."})
		return
	}
	d := pageData{Title: "Approve a request", AuthID: id, CSRF: s.csrf(w, r)}
	if p, err := s.describe(ctx, a); err == nil {
		d.Summary = p.Summary
		if a.Kind == "consent" {
			d.Title = "Approve access to your accounts"
			d.Summary = strings.Replace(p.Summary, "Let an app read", "Let the app that sent you here read", 1)
		} else {
			d.Title = "Approve a payment"
		}
	}
	targets := []string{origin(a.RedirectURI), origin(a.NokRedirectURI)}
	if r.Method == http.MethodPost {
		if !s.csrfOK(r) {
			d.Error = "This form has expired. Please try again."
		} else {
			d.Customer = strings.TrimSpace(r.PostFormValue("customer"))
			approve := r.PostFormValue("action") == "approve"
			var u banks.User
			if approve {
				u, err = s.bank.SignIn(ctx, d.Customer, r.PostFormValue("password"))
				if err != nil {
					d.Error = "The customer ID or password is wrong."
					if locked, _ := s.failSignIn(ctx, id); locked {
						d.Error = "Too many wrong passwords: this request was cancelled for your safety."
					}
				}
			}
			if d.Error == "" {
				switch err := s.decide(ctx, id, u, approve); {
				case err == nil:
					target := a.RedirectURI
					if !approve && a.NokRedirectURI != "" {
						target = a.NokRedirectURI
					}
					if target != "" {
						http.Redirect(w, r, target, http.StatusSeeOther)
						return
					}
					d.Note = "Done: you rejected the request. You can close this page and go back to the app."
					if approve {
						d.Note = "Done: you approved the request. You can close this page and go back to the app."
					}
				case errors.Is(err, errDecided):
				case banks.KindOf(err) == banks.Forbidden:
					d.Error = "You cannot approve this request: it is for accounts that are not yours."
				default:
					d.Error = "The bank could not record your answer. Please try again."
				}
			}
		}
	}
	a, _ = s.loadAuth(ctx, s.db, id)
	st := s.scaState(a)
	d.Waiting = st == "received"
	if !d.Waiting && d.Note == "" && d.Error == "" {
		d.Note = "This request was already answered or has lapsed. Go back to the app that sent you."
	}
	s.render(w, http.StatusOK, "sca", d, targets...)
}

const appCookie = "bgapi_app"

// session returns the customer signed in to the app page, if any.
func (s *Server) session(r *http.Request) string {
	c, err := r.Cookie(appCookie)
	if err != nil {
		return ""
	}
	parts := strings.Split(c.Value, ".")
	if len(parts) != 3 || !hmac.Equal([]byte(parts[2]), []byte(s.mac("app", parts[0], parts[1]))) {
		return ""
	}
	exp, err := strconv.ParseInt(parts[1], 10, 64)
	if err != nil || s.now().Unix() > exp {
		return ""
	}
	cust, err := base64.RawURLEncoding.DecodeString(parts[0])
	if err != nil {
		return ""
	}
	return string(cust)
}

func (s *Server) setSession(w http.ResponseWriter, r *http.Request, customer string, ttl time.Duration) {
	id := base64.RawURLEncoding.EncodeToString([]byte(customer))
	exp := strconv.FormatInt(s.now().Add(ttl).Unix(), 10)
	c := &http.Cookie{Name: appCookie, Value: id + "." + exp + "." + s.mac("app", id, exp), Path: s.prefix + "/app", HttpOnly: true,
		Secure: r.TLS != nil, SameSite: http.SameSiteStrictMode}
	if ttl <= 0 {
		c.MaxAge = -1
	}
	http.SetCookie(w, c)
}

// signInAllowed throttles the app page's sign-in per customer.
func (s *Server) signInAllowed(customer string, failed bool) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	f := s.failures[strings.ToLower(customer)]
	if s.now().Before(f.until) {
		return false
	}
	if failed {
		f.n++
		if f.n >= maxFailures {
			f = failure{until: s.now().Add(15 * time.Minute)}
		}
		s.failures[strings.ToLower(customer)] = f
	}
	return true
}

func (s *Server) appPage(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	d := pageData{Title: "Your approvals", CSRF: s.csrf(w, r), Customer: s.session(r)}
	if r.Method == http.MethodPost {
		if !s.csrfOK(r) {
			d.Error = "This form has expired. Please try again."
		} else {
			note, errText := s.appAction(ctx, w, r, d.Customer)
			if errText == "" {
				// Relative, so that a proxy's path prefix stays.
				w.Header().Set("Location", "approvals?done="+url.QueryEscape(note))
				w.WriteHeader(http.StatusSeeOther)
				return
			}
			d.Error = errText
		}
	}
	switch r.URL.Query().Get("done") {
	case "approved":
		d.Note = "Approved."
	case "rejected":
		d.Note = "Rejected."
	case "revoked":
		d.Note = "Access withdrawn."
	}
	if d.Customer != "" {
		var err error
		if d.Pending, err = s.Pending(ctx, d.Customer); err == nil {
			d.Consents, err = s.Consents(ctx, d.Customer)
		}
		if err != nil {
			d.Error = "The bank could not answer. Please try again."
		}
	}
	s.render(w, http.StatusOK, "app", d)
}

// appAction carries out a form of the app page; it returns a word for
// the note after the redirect, or an error for the page.
func (s *Server) appAction(ctx context.Context, w http.ResponseWriter, r *http.Request, customer string) (note, errText string) {
	switch action := r.PostFormValue("action"); {
	case action == "signin":
		who := strings.TrimSpace(r.PostFormValue("customer"))
		if !s.signInAllowed(who, false) {
			return "", "Too many wrong passwords. Please wait a quarter of an hour."
		}
		u, err := s.bank.SignIn(ctx, who, r.PostFormValue("password"))
		if err != nil {
			s.signInAllowed(who, true)
			return "", "The customer ID or password is wrong."
		}
		s.setSession(w, r, u.Customer, time.Hour)
		return "signedin", ""
	case customer == "":
		return "", "Please sign in first."
	case action == "signout":
		s.setSession(w, r, "", 0)
		return "signedout", ""
	case action == "approve" || action == "reject":
		err := s.Decide(ctx, customer, r.PostFormValue("id"), action == "approve")
		switch {
		case err == nil && action == "approve":
			return "approved", ""
		case err == nil:
			return "rejected", ""
		case banks.KindOf(err) == banks.Unavailable:
			return "", "The bank could not record your answer. Please try again."
		}
		return "", "This request was already answered or has lapsed."
	case action == "revoke":
		if err := s.RevokeConsent(ctx, customer, r.PostFormValue("id")); err != nil && banks.KindOf(err) != banks.NotFound {
			return "", "The bank could not withdraw the access. Please try again."
		}
		return "revoked", ""
	}
	return "", "Unknown action."
}
