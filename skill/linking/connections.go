package linking

import (
	"cmp"
	"context"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/kontoskill/konto/banks"
)

// The connections page lets a person see the grants of theirs in force
// and revoke them. They sign in with the bank's sign-in (the sandbox's
// SignIn hook; rate-limited as the linking sign-in); the signed-in state
// is kept server-side, sealed, as a Flow named by a random id in its own
// cookie, for at most connLife, and never in the URL.

// connLife is how long the connections page's state lives, signed in or
// not.
const connLife = 10 * time.Minute

// connState is the connections page's state.
type connState struct {
	CSRF     string
	Started  time.Time
	Bank     string // empty until signed in
	Customer string
}

// connection is one grant as the page shows it.
type connection struct {
	ID, Client, Bank, Scopes, Granted, Expires, LastUsed string
}

func (s *Server) connCookieName() string {
	if s.secure {
		return "__Host-konto-connections"
	}
	return "konto-connections"
}

func (s *Server) setConnCookie(w http.ResponseWriter, id string, maxAge int) {
	http.SetCookie(w, &http.Cookie{Name: s.connCookieName(), Value: id, Path: "/", HttpOnly: true, Secure: s.secure,
		SameSite: http.SameSiteStrictMode, MaxAge: maxAge})
}

// newConn starts a fresh state (signed out) and sets its cookie.
func (s *Server) newConn(ctx context.Context, w http.ResponseWriter, st *connState) (string, error) {
	st.CSRF, st.Started = randomID(24), s.now()
	id := randomID(32)
	if err := s.saveConn(ctx, id, st); err != nil {
		return "", err
	}
	s.setConnCookie(w, id, int(connLife/time.Second))
	return id, nil
}

func (s *Server) saveConn(ctx context.Context, id string, st *connState) error {
	data, err := json.Marshal(st)
	if err != nil {
		return err
	}
	h := sha("connections\x00" + id)
	return s.store.SaveLinkFlow(ctx, Flow{IDHash: h, Data: s.conns.seal(data, h), ExpiresAt: st.Started.Add(connLife)})
}

// loadConn returns the state named by the request's cookie. Errors:
// errNoFlow for none, an expired one or one that does not open; others.
func (s *Server) loadConn(r *http.Request) (string, *connState, error) {
	c, err := r.Cookie(s.connCookieName())
	if err != nil || c.Value == "" {
		return "", nil, errNoFlow
	}
	h := sha("connections\x00" + c.Value)
	f, err := s.store.LinkFlow(r.Context(), h)
	if banks.KindOf(err) == banks.NotFound {
		return "", nil, errNoFlow
	}
	if err != nil {
		return "", nil, err
	}
	data, err := s.conns.open(f.Data, h)
	if err != nil {
		return "", nil, errNoFlow
	}
	var st connState
	if err := json.Unmarshal(data, &st); err != nil {
		return "", nil, errNoFlow
	}
	now := s.now()
	if !now.Before(f.ExpiresAt) || now.Sub(st.Started) >= connLife {
		return "", nil, errNoFlow
	}
	return c.Value, &st, nil
}

// endConn forgets a state.
func (s *Server) endConn(ctx context.Context, w http.ResponseWriter, id string) {
	if _, err := s.store.TakeLinkFlow(ctx, sha("connections\x00"+id)); err != nil {
		s.log.Error("ending a connections session failed", "err", err)
	}
	s.setConnCookie(w, "", -1)
}

// signInBanks are the banks a person can sign in with here: those of the
// sandbox standard.
func (s *Server) signInBanks() []Bank {
	var out []Bank
	for _, b := range s.banks {
		if b.Standard == StandardSandbox {
			out = append(out, b)
		}
	}
	return out
}

// connections serves ConnectionsPath.
func (s *Server) connections(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	if len(s.signInBanks()) == 0 {
		s.errorPage(w, r, http.StatusNotFound, "error.request")
		return
	}
	id, st, err := s.loadConn(r)
	if err != nil && !errors.Is(err, errNoFlow) {
		s.log.Error("reading a connections session failed", "err", err)
		s.errorPage(w, r, http.StatusServiceUnavailable, "error.unavailable")
		return
	}
	if r.Method == http.MethodGet {
		if st == nil {
			st = &connState{}
			if id, err = s.newConn(ctx, w, st); err != nil {
				s.log.Error("saving a connections session failed", "err", err)
				s.errorPage(w, r, http.StatusServiceUnavailable, "error.unavailable")
				return
			}
		}
		s.showConns(w, r, st, http.StatusOK, "", "")
		return
	}
	if err := r.ParseForm(); err != nil {
		s.errorPage(w, r, http.StatusBadRequest, "error.request")
		return
	}
	csrf := r.PostForm.Get("csrf")
	if csrf == "" {
		s.errorPage(w, r, http.StatusForbidden, "error.forbidden")
		return
	}
	if st == nil {
		// Expired or never started: a fresh sign-in page.
		st = &connState{}
		if _, err := s.newConn(ctx, w, st); err != nil {
			s.log.Error("saving a connections session failed", "err", err)
			s.errorPage(w, r, http.StatusServiceUnavailable, "error.unavailable")
			return
		}
		s.showConns(w, r, st, http.StatusBadRequest, "conns.expired", "")
		return
	}
	if subtle.ConstantTimeCompare([]byte(csrf), []byte(st.CSRF)) != 1 {
		s.errorPage(w, r, http.StatusForbidden, "error.forbidden")
		return
	}
	switch action := r.PostForm.Get("action"); {
	case action == "signin" && st.Customer == "":
		s.connSignIn(w, r, id, st)
	case action == "revoke" && st.Customer != "":
		s.connRevoke(w, r, st)
	case action == "signout":
		s.endConn(ctx, w, id)
		st = &connState{}
		if _, err := s.newConn(ctx, w, st); err != nil {
			s.log.Error("saving a connections session failed", "err", err)
			s.errorPage(w, r, http.StatusServiceUnavailable, "error.unavailable")
			return
		}
		s.showConns(w, r, st, http.StatusOK, "", "conns.signedout")
	default:
		s.showConns(w, r, st, http.StatusBadRequest, "", "")
	}
}

func (s *Server) connSignIn(w http.ResponseWriter, r *http.Request, id string, st *connState) {
	ctx := r.Context()
	list := s.signInBanks()
	b := list[0]
	if want := r.PostForm.Get("bank"); want != "" {
		found := false
		for _, c := range list {
			if c.ID == want {
				b, found = c, true
			}
		}
		if !found {
			s.showConns(w, r, st, http.StatusBadRequest, "error.request", "")
			return
		}
	}
	customer := strings.TrimSpace(r.PostForm.Get("customer"))
	password := r.PostForm.Get("password")
	if !s.limit.allow(s.now(), "ip\x00"+s.opts.ClientIP(r), signInKey(b.ID, customer)) {
		s.log.Warn("sign-in attempts over the limit", "bank", b.ID, "page", "connections")
		s.showConns(w, r, st, http.StatusTooManyRequests, "signin.limited", "")
		return
	}
	u, err := s.opts.SignIn(ctx, b.ID, customer, password)
	switch k := banks.KindOf(err); {
	case err == nil:
	case k == banks.NotLinked || k == banks.NotFound || k == banks.Forbidden || k == banks.Invalid:
		s.showConns(w, r, st, http.StatusUnauthorized, "signin.wrong", "")
		return
	default:
		s.log.Warn("signing in at the bank failed", "bank", b.ID, "err", err)
		s.showConns(w, r, st, http.StatusServiceUnavailable, "error.bankdown", "")
		return
	}
	if u.Customer == "" {
		u.Customer = customer
	}
	// A new id and CSRF token once signed in: the signed-out id never
	// names a signed-in state.
	s.endConn(ctx, w, id)
	st = &connState{Bank: b.ID, Customer: u.Customer}
	if _, err := s.newConn(ctx, w, st); err != nil {
		s.log.Error("saving a connections session failed", "err", err)
		s.errorPage(w, r, http.StatusServiceUnavailable, "error.unavailable")
		return
	}
	s.showConns(w, r, st, http.StatusOK, "", "")
}

func (s *Server) connRevoke(w http.ResponseWriter, r *http.Request, st *connState) {
	ctx := r.Context()
	g, err := s.store.Grant(ctx, r.PostForm.Get("grant"))
	if err != nil && banks.KindOf(err) != banks.NotFound {
		s.log.Error("reading a grant failed", "err", err)
		s.errorPage(w, r, http.StatusServiceUnavailable, "error.unavailable")
		return
	}
	// Someone else's grant is as unknown as none.
	if err != nil || g.Bank != st.Bank || g.Customer != st.Customer {
		s.showConns(w, r, st, http.StatusNotFound, "conns.unknown", "")
		return
	}
	if g.RevokedAt.IsZero() {
		if err := s.RevokeGrant(ctx, g.ID); err != nil {
			s.log.Error("revoking a grant failed", "grant", g.ID, "err", err)
			s.errorPage(w, r, http.StatusServiceUnavailable, "error.unavailable")
			return
		}
		s.log.Info("grant revoked by the person", "client", g.ClientID, "bank", g.Bank, "grant", g.ID)
	}
	s.showConns(w, r, st, http.StatusOK, "", "conns.revoked")
}

// formatDate writes a date as the locale does.
func formatDate(lang string, t time.Time) string {
	t = t.UTC()
	switch lang {
	case "de-DE":
		return t.Format("02.01.2006")
	case "en-GB":
		return t.Format("2 Jan 2006")
	}
	return t.Format("Jan 2, 2006")
}

// showConns renders the sign-in form, or the signed-in person's grants in
// force.
func (s *Server) showConns(w http.ResponseWriter, r *http.Request, st *connState, status int, errKey, noticeKey string) {
	ctx := r.Context()
	lang := localeOf(r)
	p := &page{Lang: lang, Action: ConnectionsPath, CSRF: st.CSRF}
	if errKey != "" {
		p.Error = text(lang, errKey)
	}
	if noticeKey != "" {
		p.Notice = text(lang, noticeKey)
	}
	if st.Customer == "" {
		p.Title = text(lang, "conns.signin.title")
		p.Sandbox = true
		if r.Method == http.MethodPost {
			p.Customer = strings.TrimSpace(r.PostForm.Get("customer"))
		}
		list := s.signInBanks()
		for i, b := range list {
			p.Banks = append(p.Banks, bankOption{ID: b.ID, Name: b.Name, Checked: i == 0 || b.ID == r.PostForm.Get("bank")})
		}
		if len(list) == 1 {
			p.BankName = list[0].Name
			p.Banks = nil
		}
		s.render(w, pageConns, p, status, "")
		return
	}
	p.SignedIn = true
	p.Title = text(lang, "conns.title")
	b, _ := s.bank(st.Bank)
	p.BankName, p.Customer = b.Name, st.Customer
	gs, err := s.store.Grants(ctx, st.Bank, st.Customer)
	if err != nil {
		s.log.Error("listing grants failed", "err", err)
		s.errorPage(w, r, http.StatusServiceUnavailable, "error.unavailable")
		return
	}
	now := s.now()
	names := map[string]string{}
	for _, g := range gs {
		if !g.RevokedAt.IsZero() || !now.Before(g.ExpiresAt) || g.Bank != st.Bank || g.Customer != st.Customer {
			continue
		}
		name, ok := names[g.ClientID]
		if !ok {
			c, err := s.store.OAuthClient(ctx, g.ClientID)
			switch {
			case err == nil && c.Name != "":
				name = c.Name
			case err == nil || banks.KindOf(err) == banks.NotFound:
				name = g.ClientID
			default:
				s.log.Error("reading a client failed", "client", g.ClientID, "err", err)
				s.errorPage(w, r, http.StatusServiceUnavailable, "error.unavailable")
				return
			}
			names[g.ClientID] = name
		}
		var scopes []string
		for _, sc := range g.Scopes {
			scopes = append(scopes, text(lang, "scope."+sc))
		}
		used := text(lang, "conns.never")
		if !g.LastUsed.IsZero() {
			used = formatDate(lang, g.LastUsed)
		}
		bankNames := []string{b.Name}
		more, err := s.grantBanks(ctx, g.ID)
		if err != nil {
			s.log.Error("listing a grant's banks failed", "grant", g.ID, "err", err)
			s.errorPage(w, r, http.StatusServiceUnavailable, "error.unavailable")
			return
		}
		for _, gb := range more {
			if gb.RevokedAt.IsZero() && now.Before(gb.ExpiresAt) {
				ob, _ := s.bank(gb.Bank)
				bankNames = append(bankNames, cmp.Or(ob.Name, gb.Bank))
			}
		}
		p.Connections = append(p.Connections, connection{ID: g.ID, Client: name, Bank: strings.Join(bankNames, ", "),
			Scopes: strings.Join(scopes, "; "), Granted: formatDate(lang, g.GrantedAt), Expires: formatDate(lang, g.ExpiresAt),
			LastUsed: used})
	}
	s.render(w, pageConns, p, status, "")
}
