package linking

import (
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"embed"
	"encoding/base64"
	"encoding/json"
	"errors"
	"html/template"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/ory/fosite"

	"github.com/kontoskill/konto/banks"
)

// The pages a person sees while linking are plain HTML forms, one step
// each, posted to AuthorizePath with a hidden "step" and a CSRF token;
// no script, no third-party assets. What the person chose so far is kept
// server-side in a Flow (sealed; bank tokens never reach the browser),
// named by a random id in a cookie.

//go:embed templates/*.html
var templateFiles embed.FS

// pageCSS is the pages' only style, inline and allowed by its hash.
const pageCSS = `body{margin:0;font:17px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1b1f24;background:#f4f5f7}
main{max-width:30rem;margin:2rem auto;padding:1.5rem;background:#fff;border-radius:.75rem}
.brand{margin:0;font-weight:700;color:#0b5cad}
h1{font-size:1.5rem;line-height:1.25;margin:.5rem 0 1rem}
fieldset{border:0;margin:0 0 1rem;padding:0}
legend{font-weight:600;margin-bottom:.5rem}
.choice{display:flex;gap:.6rem;align-items:flex-start;margin:.5rem 0}
.choice input{flex:none;width:1.25rem;height:1.25rem;margin-top:.15rem}
.field{margin:0 0 1rem}
.field label{display:block;font-weight:600;margin-bottom:.25rem}
input[type=password],input:not([type]),select{box-sizing:border-box;width:100%;font:inherit;padding:.6rem;border:1px solid #6b7280;border-radius:.4rem}
.hint{color:#4b5563;font-size:.95rem}
.error{color:#9b1c1c;background:#fdecec;padding:.6rem;border-radius:.4rem}
button,.button{display:inline-block;font:inherit;font-weight:600;padding:.65rem 1.2rem;margin:.25rem .5rem .25rem 0;border-radius:.4rem;border:2px solid #0b5cad;background:#0b5cad;color:#fff;text-decoration:none;cursor:pointer}
button.secondary{background:#fff;color:#0b5cad}
:focus-visible{outline:3px solid #f59e0b;outline-offset:2px}
h2{font-size:1.15rem;margin:0 0 .25rem}
.conns{list-style:none;margin:0;padding:0}
.conns>li{border-top:1px solid #d1d5db;padding:.75rem 0}
dl{display:grid;grid-template-columns:auto 1fr;gap:.2rem 1rem;margin:.25rem 0 .5rem}
dt{font-weight:600}
dd{margin:0}
.notice{background:#e7f5ec;padding:.6rem;border-radius:.4rem}`

var styleHash = func() string {
	h := sha256.Sum256([]byte(pageCSS))
	return "'sha256-" + base64.StdEncoding.EncodeToString(h[:]) + "'"
}()

// The pages.
const (
	pageBank     = "bank"
	pageConsent  = "consent"
	pageSignIn   = "signin"
	pageRedirect = "redirect"
	pagePIN      = "pin"
	pageError    = "error"
	pageConns    = "connections"
)

func (s *Server) parsePages() error {
	base, err := template.New("layout").Funcs(template.FuncMap{"style": func() template.CSS { return template.CSS(pageCSS) }}).
		ParseFS(templateFiles, "templates/layout.html")
	if err != nil {
		return err
	}
	s.pages = map[string]*template.Template{}
	for _, name := range []string{pageBank, pageConsent, pageSignIn, pageRedirect, pagePIN, pageError, pageConns} {
		t, err := template.Must(base.Clone()).ParseFS(templateFiles, "templates/"+name+".html")
		if err != nil {
			return err
		}
		s.pages[name] = t
	}
	return nil
}

// page is what a page template reads.
type page struct {
	Lang, Title, Error, Message string
	Action, CSRF                string
	Client, BankName, BankURL   string
	Customer                    string
	Sandbox                     bool
	Banks                       []bankOption
	Scopes                      []scopeOption
	Days                        []dayOption
	// The PIN page: the banks linked in this flow, and whether another
	// can be added.
	Linked string
	CanAdd bool
	// The connections page.
	SignedIn    bool
	Notice      string
	Connections []connection
}

type bankOption struct {
	ID, Name string
	Checked  bool
}

type scopeOption struct {
	ID, Label string
	Checked   bool
}

type dayOption struct {
	N        int
	Label    string
	Selected bool
}

// T is a page text in the page's language.
func (p *page) T(key string, args ...any) string { return text(p.Lang, key, args...) }

// render writes a page with the headers every page has: a CSP that allows
// only the page's own style and forms posted here (and to formOrigin, the
// client's redirect URI's origin, where the last form's answer redirects),
// no framing, no caching.
func (s *Server) render(w http.ResponseWriter, name string, p *page, status int, formOrigin string) {
	var buf bytes.Buffer
	if err := s.pages[name].ExecuteTemplate(&buf, "layout", p); err != nil {
		s.log.Error("rendering a linking page failed", "page", name, "err", err)
		http.Error(w, http.StatusText(http.StatusInternalServerError), http.StatusInternalServerError)
		return
	}
	forms := "'self'"
	if formOrigin != "" {
		forms += " " + formOrigin
	}
	h := w.Header()
	h.Set("Content-Security-Policy", "default-src 'none'; style-src "+styleHash+"; form-action "+forms+
		"; frame-ancestors 'none'; base-uri 'none'")
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Content-Language", p.Lang)
	w.WriteHeader(status)
	w.Write(buf.Bytes())
}

// errorPage shows what went wrong, in words for the person.
func (s *Server) errorPage(w http.ResponseWriter, r *http.Request, status int, key string) {
	lang := localeOf(r)
	s.render(w, pageError, &page{Lang: lang, Title: text(lang, "error.title"), Message: text(lang, key)}, status, "")
}

// flowState is what a person chose so far, kept sealed in the store.
type flowState struct {
	Query      string // the authorization request's parameters, parsed again at the end
	ClientID   string
	ClientName string
	Redirect   string   // the checked redirect URI
	Offered    []string // the scopes the client asked for
	CSRF       string
	Started    time.Time

	Bank   string
	Scopes []string
	Days   int

	// The bank's side: the state and data of a redirect to the bank, then
	// what the bank said.
	BankState, BankURL string
	BankData           []byte
	User               *banks.User
	ConsentID          string
	BankTokens         []byte
	BankUntil          time.Time

	// Linked are the banks linked earlier in this flow, when the person
	// adds another: the first is the grant's own, the one above the last.
	Linked []flowLink `json:",omitempty"`
}

// flowLink is a bank linked earlier in a flow.
type flowLink struct {
	User       banks.User
	ConsentID  string
	BankTokens []byte
	BankUntil  time.Time
	Scopes     []string
	Days       int
}

// stepAnother is the step of the PIN page's "Add another bank".
const stepAnother = "another"

// linkedBank reports whether the flow has linked a bank already.
func (fl *flowState) linkedBank(id string) bool {
	for _, l := range fl.Linked {
		if l.User.Bank == id {
			return true
		}
	}
	return false
}

// canAdd reports whether the person may add another bank to the grant
// being made: the store keeps further banks and a bank is left.
func (s *Server) canAdd(fl *flowState) bool {
	if _, ok := s.store.(GrantBanks); !ok {
		return false
	}
	for _, b := range s.banks {
		if b.ID != fl.Bank && !fl.linkedBank(b.ID) {
			return true
		}
	}
	return false
}

// A flow lives 15 minutes from its last step, an hour at most.
const (
	flowIdle   = 15 * time.Minute
	flowMaxAge = time.Hour
)

var errNoFlow = errors.New("no linking flow")

func (s *Server) cookieName() string {
	if s.secure {
		return "__Host-konto-link"
	}
	return "konto-link"
}

func (s *Server) setCookie(w http.ResponseWriter, id string) {
	http.SetCookie(w, &http.Cookie{Name: s.cookieName(), Value: id, Path: "/", HttpOnly: true, Secure: s.secure,
		SameSite: http.SameSiteLaxMode, MaxAge: int(flowMaxAge / time.Second)})
}

func (s *Server) clearCookie(w http.ResponseWriter) {
	http.SetCookie(w, &http.Cookie{Name: s.cookieName(), Value: "", Path: "/", HttpOnly: true, Secure: s.secure,
		SameSite: http.SameSiteLaxMode, MaxAge: -1})
}

func (s *Server) saveFlow(ctx context.Context, id string, fl *flowState) error {
	data, err := json.Marshal(fl)
	if err != nil {
		return err
	}
	h := sha(id)
	return s.store.SaveLinkFlow(ctx, Flow{IDHash: h, Data: s.flows.seal(data, h), ExpiresAt: s.now().Add(flowIdle)})
}

// loadFlow returns the flow named by the request's cookie. Errors:
// errNoFlow for none, an expired one or one that does not open; others.
func (s *Server) loadFlow(r *http.Request) (string, *flowState, error) {
	c, err := r.Cookie(s.cookieName())
	if err != nil || c.Value == "" {
		return "", nil, errNoFlow
	}
	h := sha(c.Value)
	f, err := s.store.LinkFlow(r.Context(), h)
	if banks.KindOf(err) == banks.NotFound {
		return "", nil, errNoFlow
	}
	if err != nil {
		return "", nil, err
	}
	data, err := s.flows.open(f.Data, h)
	if err != nil {
		return "", nil, errNoFlow
	}
	var fl flowState
	if err := json.Unmarshal(data, &fl); err != nil {
		return "", nil, errNoFlow
	}
	now := s.now()
	if !now.Before(f.ExpiresAt) || now.Sub(fl.Started) > flowMaxAge {
		return "", nil, errNoFlow
	}
	return c.Value, &fl, nil
}

// origin is the origin of a URL, for a CSP source.
func origin(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return ""
	}
	return u.Scheme + "://" + u.Host
}

// exactRedirect reports whether the request's redirect URI is one the
// client registered, byte for byte (fosite also lets a loopback URI
// differ in its port). Without one, the client must have exactly one.
func exactRedirect(ar fosite.AuthorizeRequester) bool {
	uris := ar.GetClient().GetRedirectURIs()
	raw := ar.GetRequestForm().Get("redirect_uri")
	if raw == "" {
		return len(uris) == 1
	}
	return slices.Contains(uris, raw)
}

// authorize serves AuthorizePath: a new authorization request (GET, or
// POST without a step), or a step of a flow in progress.
func (s *Server) authorize(w http.ResponseWriter, r *http.Request) {
	if r.Method == http.MethodPost {
		if err := r.ParseForm(); err != nil {
			s.errorPage(w, r, http.StatusBadRequest, "error.request")
			return
		}
		if step := r.PostForm.Get("step"); step != "" {
			s.step(w, r, step)
			return
		}
	}
	s.start(w, r)
}

// authorizeError answers an authorization request fosite refused: back to
// the client when its redirect URI is registered, otherwise (an unknown
// client, an unregistered redirect URI) on a page here, never redirected.
func (s *Server) authorizeError(w http.ResponseWriter, r *http.Request, ar fosite.AuthorizeRequester, err error) {
	s.logOAuth("authorization request refused", err)
	if ar == nil || ar.GetClient() == nil || !ar.IsRedirectURIValid() || !exactRedirect(ar) {
		s.errorPage(w, r, http.StatusBadRequest, "error.request")
		return
	}
	s.provider.WriteAuthorizeError(r.Context(), w, ar, err)
}

// start checks a new authorization request and shows its first page.
func (s *Server) start(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	// Answers go back in the query only: fosite's form_post page has a
	// script, and a fragment is lost on a server-side redirect.
	if err := r.ParseForm(); err != nil || (r.Form.Get("response_mode") != "" && r.Form.Get("response_mode") != "query") {
		s.logOAuth("authorization request refused", fosite.ErrUnsupportedResponseMode)
		s.errorPage(w, r, http.StatusBadRequest, "error.request")
		return
	}
	ar, err := s.provider.NewAuthorizeRequest(ctx, r)
	if err != nil {
		s.authorizeError(w, r, ar, err)
		return
	}
	if !exactRedirect(ar) {
		s.authorizeError(w, r, ar, fosite.ErrInvalidRequest.WithHint("The redirect_uri is not registered."))
		return
	}
	if err := checkPKCE(ar.GetRequestForm()); err != nil {
		s.authorizeError(w, r, ar, err)
		return
	}
	c, err := s.store.OAuthClient(ctx, ar.GetClient().GetID())
	if err != nil {
		s.log.Error("reading a client failed", "client", ar.GetClient().GetID(), "err", err)
		s.errorPage(w, r, http.StatusServiceUnavailable, "error.unavailable")
		return
	}
	offered := []string{}
	for _, sc := range Scopes {
		if ar.GetRequestedScopes().Has(sc) {
			offered = append(offered, sc)
		}
	}
	if len(offered) == 0 {
		offered = Scopes
	}
	fl := &flowState{Query: r.Form.Encode(), ClientID: c.ID, ClientName: c.Name, Redirect: ar.GetRedirectURI().String(),
		Offered: offered, CSRF: randomID(24), Started: s.now()}
	if len(s.banks) == 1 {
		fl.Bank = s.banks[0].ID
	}
	id := randomID(32)
	if err := s.saveFlow(ctx, id, fl); err != nil {
		s.log.Error("saving a linking flow failed", "err", err)
		s.errorPage(w, r, http.StatusServiceUnavailable, "error.unavailable")
		return
	}
	s.setCookie(w, id)
	s.show(w, r, fl, http.StatusOK, "")
}

var pkceChallenge = regexp.MustCompile(`^[A-Za-z0-9._~-]{43,128}$`)

// checkPKCE refuses a PKCE challenge other than S256 before the person
// sees a page (fosite would refuse it only at the end).
func checkPKCE(form url.Values) error {
	challenge, method := form.Get("code_challenge"), form.Get("code_challenge_method")
	switch {
	case challenge == "" && method == "":
		return nil
	case method != "S256":
		return fosite.ErrInvalidRequest.WithHint("Only code_challenge_method=S256 is supported.")
	case !pkceChallenge.MatchString(challenge):
		return fosite.ErrInvalidRequest.WithHint("The code_challenge is not a base64url SHA-256.")
	}
	return nil
}

// show renders the page of the flow's next step, with an error text key
// if the last answer was not accepted.
func (s *Server) show(w http.ResponseWriter, r *http.Request, fl *flowState, status int, errKey string) {
	lang := localeOf(r)
	p := &page{Lang: lang, Action: AuthorizePath, CSRF: fl.CSRF, Client: fl.ClientName}
	if errKey != "" {
		p.Error = text(lang, errKey)
	}
	b, _ := s.bank(fl.Bank)
	p.BankName = b.Name
	var name string
	switch {
	case fl.Bank == "":
		name, p.Title = pageBank, text(lang, "bank.title")
		for _, b := range s.banks {
			if !fl.linkedBank(b.ID) {
				p.Banks = append(p.Banks, bankOption{ID: b.ID, Name: b.Name, Checked: len(p.Banks) == 0})
			}
		}
		if len(fl.Linked) > 0 {
			first, _ := s.bank(fl.Linked[0].User.Bank)
			p.Title, p.Message = text(lang, "bank.another.title"), text(lang, "bank.another", first.Name)
		}
	case fl.Scopes == nil:
		name, p.Title = pageConsent, text(lang, "consent.title")
		for _, sc := range fl.Offered {
			p.Scopes = append(p.Scopes, scopeOption{ID: sc, Label: text(lang, "scope."+sc), Checked: sc == ScopeAccounts})
		}
		for _, n := range dayChoices(b.ConsentDays) {
			p.Days = append(p.Days, dayOption{N: n, Label: text(lang, "days", n), Selected: n == b.ConsentDays})
		}
	case fl.User == nil && b.Standard == StandardSandbox:
		name, p.Title = pageSignIn, text(lang, "signin.title", b.Name)
		p.Sandbox = true
		p.Customer = r.PostForm.Get("customer")
	case fl.User == nil:
		name, p.Title = pageRedirect, text(lang, "redirect.title", b.Name)
		p.BankURL = fl.BankURL
	default:
		name, p.Title = pagePIN, text(lang, "pin.title")
		if len(fl.Linked) > 0 {
			var names []string
			for _, l := range fl.Linked {
				lb, _ := s.bank(l.User.Bank)
				names = append(names, lb.Name)
			}
			p.Linked = strings.Join(append(names, b.Name), ", ")
		}
		p.CanAdd = s.canAdd(fl)
	}
	s.render(w, name, p, status, origin(fl.Redirect))
}

func (s *Server) bank(id string) (Bank, bool) {
	for _, b := range s.banks {
		if b.ID == id {
			return b, true
		}
	}
	return Bank{}, false
}

// dayChoices are the consent lengths offered up to a bank's longest.
func dayChoices(longest int) []int {
	var out []int
	for _, n := range []int{30, 60, 90, 180, 365} {
		if n < longest {
			out = append(out, n)
		}
	}
	return append(out, longest)
}

// step handles a posted step of a flow.
func (s *Server) step(w http.ResponseWriter, r *http.Request, step string) {
	csrf := r.PostForm.Get("csrf")
	if csrf == "" {
		s.errorPage(w, r, http.StatusForbidden, "error.forbidden")
		return
	}
	id, fl, err := s.loadFlow(r)
	if errors.Is(err, errNoFlow) {
		s.errorPage(w, r, http.StatusBadRequest, "error.expired")
		return
	}
	if err != nil {
		s.log.Error("reading a linking flow failed", "err", err)
		s.errorPage(w, r, http.StatusServiceUnavailable, "error.unavailable")
		return
	}
	if subtle.ConstantTimeCompare([]byte(csrf), []byte(fl.CSRF)) != 1 {
		s.errorPage(w, r, http.StatusForbidden, "error.forbidden")
		return
	}
	b, known := s.bank(fl.Bank)
	switch {
	case step == pageBank:
		s.stepBank(w, r, id, fl)
	case step == pageConsent && known && len(fl.Linked) == 0:
		s.stepConsent(w, r, id, fl, b)
	case step == pageSignIn && known && b.Standard == StandardSandbox && fl.Scopes != nil:
		s.stepSignIn(w, r, id, fl, b)
	case step == pagePIN && fl.User != nil:
		s.stepPIN(w, r, id, fl)
	case step == stepAnother && fl.User != nil && s.canAdd(fl):
		s.stepAnother(w, r, id, fl)
	default:
		s.show(w, r, fl, http.StatusBadRequest, "")
	}
}

// next saves the flow and shows its next page.
func (s *Server) next(w http.ResponseWriter, r *http.Request, id string, fl *flowState) {
	if err := s.saveFlow(r.Context(), id, fl); err != nil {
		s.log.Error("saving a linking flow failed", "err", err)
		s.errorPage(w, r, http.StatusServiceUnavailable, "error.unavailable")
		return
	}
	s.show(w, r, fl, http.StatusOK, "")
}

// reset forgets what was chosen after the bank, when an earlier page is
// sent again (the person went back).
func (fl *flowState) reset(fromBank bool) {
	if fromBank {
		fl.Bank = ""
	}
	fl.Scopes, fl.Days = nil, 0
	fl.BankState, fl.BankURL, fl.BankData = "", "", nil
	fl.User, fl.ConsentID, fl.BankTokens, fl.BankUntil = nil, "", nil, time.Time{}
}

func (s *Server) stepBank(w http.ResponseWriter, r *http.Request, id string, fl *flowState) {
	b, ok := s.bank(r.PostForm.Get("bank"))
	fl.reset(true)
	if !ok || fl.linkedBank(b.ID) {
		s.show(w, r, fl, http.StatusBadRequest, "")
		return
	}
	fl.Bank = b.ID
	if len(fl.Linked) > 0 {
		// A further bank of the same grant: what the person allowed for
		// the first, for as long as this bank gives (at most).
		first := fl.Linked[0]
		fl.Scopes, fl.Days = first.Scopes, min(first.Days, b.ConsentDays)
		if b.Standard != StandardSandbox && !s.startAtBank(w, r, fl, b) {
			fl.Bank, fl.Scopes, fl.Days = "", nil, 0
			return
		}
	}
	s.next(w, r, id, fl)
}

// stepAnother keeps the bank just linked in the flow and goes back to
// the bank choice for another one.
func (s *Server) stepAnother(w http.ResponseWriter, r *http.Request, id string, fl *flowState) {
	fl.Linked = append(fl.Linked, flowLink{User: *fl.User, ConsentID: fl.ConsentID, BankTokens: fl.BankTokens, BankUntil: fl.BankUntil,
		Scopes: fl.Scopes, Days: fl.Days})
	fl.reset(true)
	s.next(w, r, id, fl)
}

func (s *Server) stepConsent(w http.ResponseWriter, r *http.Request, id string, fl *flowState, b Bank) {
	fl.reset(false)
	if r.PostForm.Get("action") == "cancel" {
		s.deny(w, r, id, fl)
		return
	}
	var scopes []string
	for _, sc := range fl.Offered {
		if slices.Contains(r.PostForm["scope"], sc) {
			scopes = append(scopes, sc)
		}
	}
	if len(scopes) == 0 {
		s.show(w, r, fl, http.StatusBadRequest, "consent.none")
		return
	}
	days, err := strconv.Atoi(r.PostForm.Get("days"))
	if err != nil || !slices.Contains(dayChoices(b.ConsentDays), days) {
		days = b.ConsentDays
	}
	fl.Scopes, fl.Days = scopes, days
	if b.Standard != StandardSandbox && !s.startAtBank(w, r, fl, b) {
		return
	}
	s.next(w, r, id, fl)
}

// startAtBank creates the consent at a bank of a redirect standard for
// the flow's scopes and days and keeps where to send the person; if the
// bank fails, it shows the page again with the error and returns false.
func (s *Server) startAtBank(w http.ResponseWriter, r *http.Request, fl *flowState, b Bank) bool {
	state := randomID(24)
	auth, err := s.opts.BankRedirect.Start(r.Context(), BankStart{Bank: b, Scopes: fl.Scopes, Until: s.now().AddDate(0, 0, fl.Days),
		RedirectURI: s.opts.Issuer + CallbackPath, State: state, Locale: localeOf(r)})
	if err == nil && checkRedirect(auth.URL) != nil {
		err = banks.Errorf("linking.Start", banks.Invalid, "the bank's page %q is not https", auth.URL)
	}
	if err != nil {
		s.log.Warn("starting a consent at the bank failed", "bank", b.ID, "err", err)
		fl.Scopes = nil
		if len(fl.Linked) > 0 {
			fl.Bank = ""
		}
		s.show(w, r, fl, http.StatusServiceUnavailable, "error.bankdown")
		return false
	}
	fl.BankState, fl.BankURL, fl.BankData = state, auth.URL, auth.Data
	return true
}

func (s *Server) stepSignIn(w http.ResponseWriter, r *http.Request, id string, fl *flowState, b Bank) {
	customer := strings.TrimSpace(r.PostForm.Get("customer"))
	password := r.PostForm.Get("password")
	if !s.limit.allow(s.now(), "ip\x00"+s.opts.ClientIP(r), signInKey(b.ID, customer)) {
		s.log.Warn("sign-in attempts over the limit", "bank", b.ID)
		s.show(w, r, fl, http.StatusTooManyRequests, "signin.limited")
		return
	}
	u, err := s.opts.SignIn(r.Context(), b.ID, customer, password)
	switch k := banks.KindOf(err); {
	case err == nil:
	case k == banks.NotLinked || k == banks.NotFound || k == banks.Forbidden || k == banks.Invalid:
		s.show(w, r, fl, http.StatusUnauthorized, "signin.wrong")
		return
	default:
		s.log.Warn("signing in at the bank failed", "bank", b.ID, "err", err)
		s.show(w, r, fl, http.StatusServiceUnavailable, "error.bankdown")
		return
	}
	u.Bank = b.ID
	if u.Locale == "" {
		u.Locale = localeOf(r)
	}
	fl.User = &u
	s.next(w, r, id, fl)
}

// callback is where a bank sends the person back (BankRedirect).
func (s *Server) callback(w http.ResponseWriter, r *http.Request) {
	id, fl, err := s.loadFlow(r)
	if errors.Is(err, errNoFlow) {
		s.errorPage(w, r, http.StatusBadRequest, "error.expired")
		return
	}
	if err != nil {
		s.log.Error("reading a linking flow failed", "err", err)
		s.errorPage(w, r, http.StatusServiceUnavailable, "error.unavailable")
		return
	}
	q := r.URL.Query()
	b, known := s.bank(fl.Bank)
	if !known || fl.BankState == "" || fl.User != nil ||
		subtle.ConstantTimeCompare([]byte(q.Get("state")), []byte(fl.BankState)) != 1 {
		s.errorPage(w, r, http.StatusForbidden, "error.forbidden")
		return
	}
	if q.Get("error") != "" {
		s.deny(w, r, id, fl)
		return
	}
	link, err := s.opts.BankRedirect.Complete(r.Context(), BankCallback{Bank: b, Query: q,
		RedirectURI: s.opts.Issuer + CallbackPath, Data: fl.BankData})
	if err != nil {
		s.log.Warn("completing a consent at the bank failed", "bank", b.ID, "err", err)
		if banks.KindOf(err) == banks.Unavailable {
			s.errorPage(w, r, http.StatusServiceUnavailable, "error.bankdown")
			return
		}
		s.errorPage(w, r, http.StatusBadRequest, "error.bank")
		return
	}
	if link.User.Customer == "" {
		s.errorPage(w, r, http.StatusBadRequest, "error.bank")
		return
	}
	link.User.Bank = b.ID
	if link.User.Locale == "" {
		link.User.Locale = localeOf(r)
	}
	fl.User, fl.ConsentID, fl.BankTokens, fl.BankUntil = &link.User, link.ConsentID, link.Tokens, link.ExpiresAt
	fl.BankState, fl.BankData = "", nil // the bank's answer is used once
	s.next(w, r, id, fl)
}

// until is when a link made now ends: the days the person chose, or the
// bank's consent if that ends sooner.
func (l flowLink) until(now time.Time) time.Time {
	until := now.AddDate(0, 0, l.Days)
	if !l.BankUntil.IsZero() && l.BankUntil.Before(until) {
		until = l.BankUntil
	}
	return until
}

// grantBankAD binds a further bank's sealed tokens to its grant and bank.
func grantBankAD(grantID, bank string) []byte { return []byte(grantID + "\x00" + bank) }

// goodPIN says what is wrong with a chosen PIN, as a text key.
func goodPIN(pin, again string) string {
	if len(pin) != 4 || strings.Trim(pin, "0123456789") != "" {
		return "pin.format"
	}
	if pin != again {
		return "pin.mismatch"
	}
	up, down, same := true, true, true
	for i := 1; i < 4; i++ {
		d := int(pin[i]) - int(pin[i-1])
		up, down, same = up && d == 1, down && d == -1, same && d == 0
	}
	if up || down || same {
		return "pin.weak"
	}
	return ""
}

func (s *Server) stepPIN(w http.ResponseWriter, r *http.Request, id string, fl *flowState) {
	pin, again := r.PostForm.Get("pin"), r.PostForm.Get("pin2")
	if key := goodPIN(pin, again); key != "" {
		s.show(w, r, fl, http.StatusBadRequest, key)
		return
	}
	s.finish(w, r, id, fl, pin)
}

// take ends a flow, so that only one request finishes it; false (with
// the page shown) if another did.
func (s *Server) take(w http.ResponseWriter, r *http.Request, id string) bool {
	took, err := s.store.TakeLinkFlow(r.Context(), sha(id))
	if err != nil {
		s.log.Error("ending a linking flow failed", "err", err)
		s.errorPage(w, r, http.StatusServiceUnavailable, "error.unavailable")
		return false
	}
	if !took {
		s.errorPage(w, r, http.StatusBadRequest, "error.expired")
		return false
	}
	s.clearCookie(w)
	return true
}

// authorizeRequest parses the flow's authorization request again.
func (s *Server) authorizeRequest(ctx context.Context, fl *flowState) (fosite.AuthorizeRequester, *http.Request, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, AuthorizePath+"?"+fl.Query, nil)
	if err != nil {
		return nil, nil, err
	}
	ar, err := s.provider.NewAuthorizeRequest(ctx, req)
	return ar, req, err
}

// deny sends the person back to the client with access_denied.
func (s *Server) deny(w http.ResponseWriter, r *http.Request, id string, fl *flowState) {
	if !s.take(w, r, id) {
		return
	}
	ar, _, err := s.authorizeRequest(r.Context(), fl)
	if err != nil {
		s.authorizeError(w, r, ar, err)
		return
	}
	s.provider.WriteAuthorizeError(r.Context(), w, ar, fosite.ErrAccessDenied.WithHint("The person declined."))
}

// finish sets the PIN, records the grant and sends the person back to the
// client with the code.
func (s *Server) finish(w http.ResponseWriter, r *http.Request, id string, fl *flowState, pin string) {
	ctx := r.Context()
	if !s.take(w, r, id) {
		return
	}
	ar, _, err := s.authorizeRequest(ctx, fl)
	if err != nil || !exactRedirect(ar) {
		if err == nil {
			err = fosite.ErrInvalidRequest.WithHint("The redirect_uri is not registered.")
		}
		s.authorizeError(w, r, ar, err)
		return
	}
	// The first bank linked is the person's identity; the others are
	// the grant's further banks.
	all := append(fl.Linked, flowLink{User: *fl.User, ConsentID: fl.ConsentID, BankTokens: fl.BankTokens, BankUntil: fl.BankUntil,
		Scopes: fl.Scopes, Days: fl.Days})
	first := all[0]
	if err := s.opts.SetPIN(ctx, first.User, pin); err != nil {
		s.log.Error("setting the voice PIN failed", "bank", first.User.Bank, "err", err)
		s.errorPage(w, r, http.StatusServiceUnavailable, "error.unavailable")
		return
	}
	now := s.now()
	until := first.until(now)
	g := Grant{ID: randomID(18), ClientID: fl.ClientID, Bank: first.User.Bank, Customer: first.User.Customer, Locale: first.User.Locale,
		ConsentID: first.ConsentID, Scopes: first.Scopes, GrantedAt: now, ExpiresAt: until}
	if len(first.BankTokens) > 0 {
		g.BankTokens = s.tokens.seal(first.BankTokens, []byte(g.ID))
	}
	if err := s.store.CreateGrant(ctx, g); err != nil {
		s.log.Error("recording a grant failed", "err", err)
		s.errorPage(w, r, http.StatusServiceUnavailable, "error.unavailable")
		return
	}
	for _, l := range all[1:] {
		gb := GrantBank{GrantID: g.ID, Bank: l.User.Bank, Customer: l.User.Customer, Locale: l.User.Locale, ConsentID: l.ConsentID,
			Scopes: l.Scopes, GrantedAt: now, ExpiresAt: l.until(now)}
		if gb.ExpiresAt.After(until) {
			gb.ExpiresAt = until
		}
		if len(l.BankTokens) > 0 {
			gb.BankTokens = s.tokens.seal(l.BankTokens, grantBankAD(g.ID, gb.Bank))
		}
		st, ok := s.store.(GrantBanks)
		err := banks.Errorf("linking.finish", banks.NotSupported, "the store keeps one bank per grant")
		if ok {
			err = st.AddGrantBank(ctx, gb)
		}
		if err != nil {
			s.log.Error("recording a grant's further bank failed", "grant", g.ID, "bank", gb.Bank, "err", err)
			if rerr := s.store.RevokeGrant(ctx, g.ID, now); rerr != nil {
				s.log.Error("revoking an unfinished grant failed", "grant", g.ID, "err", rerr)
			}
			s.errorPage(w, r, http.StatusServiceUnavailable, "error.unavailable")
			return
		}
	}
	ar.SetID(g.ID)
	for _, sc := range g.Scopes {
		ar.GrantScope(sc)
	}
	resp, err := s.provider.NewAuthorizeResponse(ctx, ar, s.fstore.newSession(g))
	if err != nil {
		if rerr := s.store.RevokeGrant(ctx, g.ID, now); rerr != nil {
			s.log.Error("revoking an unfinished grant failed", "grant", g.ID, "err", rerr)
		}
		s.authorizeError(w, r, ar, err)
		return
	}
	s.log.Info("account linked", "client", g.ClientID, "bank", g.Bank, "grant", g.ID, "scopes", strings.Join(g.Scopes, " "),
		"banks", len(all))
	s.provider.WriteAuthorizeResponse(ctx, w, ar, resp)
}
