package bgapi

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/kontoskill/konto/banks"
)

// access is a NextGenPSD2 accountAccess. The lists are pointers so that a
// list sent empty ("the PSU picks the accounts at the bank", a bank-offered
// consent) differs from one not sent.
type access struct {
	Accounts                     *[]accountRef `json:"accounts,omitempty"`
	Balances                     *[]accountRef `json:"balances,omitempty"`
	Transactions                 *[]accountRef `json:"transactions,omitempty"`
	AvailableAccounts            string        `json:"availableAccounts,omitempty"`
	AvailableAccountsWithBalance string        `json:"availableAccountsWithBalance,omitempty"`
	AllPsd2                      string        `json:"allPsd2,omitempty"`
}

// bankOffered reports whether every list sent is empty.
func (a access) bankOffered() bool {
	n := 0
	for _, l := range []*[]accountRef{a.Accounts, a.Balances, a.Transactions} {
		if l != nil {
			if len(*l) > 0 {
				return false
			}
			n++
		}
	}
	return n > 0
}

func (a access) refs() []accountRef {
	var out []accountRef
	for _, l := range []*[]accountRef{a.Accounts, a.Balances, a.Transactions} {
		if l != nil {
			out = append(out, *l...)
		}
	}
	return out
}

// check says what is wrong with an access request, if anything.
func (a access) check() (path, problem string) {
	kinds := 0
	if a.Accounts != nil || a.Balances != nil || a.Transactions != nil {
		kinds++
	}
	for _, v := range []struct{ name, val string }{{"availableAccounts", a.AvailableAccounts},
		{"availableAccountsWithBalance", a.AvailableAccountsWithBalance}, {"allPsd2", a.AllPsd2}} {
		if v.val == "" {
			continue
		}
		kinds++
		if v.val != "allAccounts" && v.val != "allAccountsWithOwnerName" {
			return "access." + v.name, "must be allAccounts or allAccountsWithOwnerName"
		}
	}
	if kinds != 1 {
		return "access", "give account lists, availableAccounts, availableAccountsWithBalance or allPsd2"
	}
	for _, r := range a.refs() {
		if (r.IBAN == "") == (r.BBAN == "") {
			return "access", "accounts are addressed by iban or bban"
		}
	}
	return "", ""
}

type consent struct {
	ID, RequestID, Status, Customer string
	Access                          access
	Recurring                       bool
	ValidUntil                      string
	Frequency                       int
	Created                         time.Time
	LastAction                      string
}

// state is the consent's status now: one waiting too long for its
// authorisation has been rejected, a valid one past validUntil expired.
func (s *Server) state(c consent) string {
	switch {
	case c.Status == "received" && s.now().After(c.Created.Add(s.opts.SCATimeout)):
		return "rejected"
	case c.Status == "valid" && s.today() > c.ValidUntil:
		return "expired"
	}
	return c.Status
}

type querier interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

var errNoConsent = errors.New("no such consent")

func (s *Server) loadConsent(ctx context.Context, q querier, id string) (consent, error) {
	var c consent
	var acc string
	var created int64
	err := q.QueryRowContext(ctx, `SELECT id, request_id, status, customer, access, recurring, valid_until, frequency, created_at, last_action
		FROM consents WHERE id = ?`, id).Scan(&c.ID, &c.RequestID, &c.Status, &c.Customer, &acc, &c.Recurring, &c.ValidUntil,
		&c.Frequency, &created, &c.LastAction)
	if errors.Is(err, sql.ErrNoRows) {
		return c, errNoConsent
	}
	if err != nil {
		return c, err
	}
	c.Created = time.Unix(created, 0).UTC()
	if err := json.Unmarshal([]byte(acc), &c.Access); err != nil {
		return c, err
	}
	return c, nil
}

// redirectURI checks a TPP-Redirect-URI style header.
func redirectURI(v string) (string, bool) {
	if v == "" {
		return "", true
	}
	u, err := url.Parse(v)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return "", false
	}
	return u.String(), true
}

func (s *Server) createConsent(w http.ResponseWriter, r *http.Request) {
	if !s.common(w, r) {
		return
	}
	ctx := r.Context()
	if !psuPresent(r) {
		s.failPath(w, r, http.StatusBadRequest, "FORMAT_ERROR", "PSU-IP-Address", "PSU-IP-Address is required")
		return
	}
	var body struct {
		Access                   *access `json:"access"`
		RecurringIndicator       *bool   `json:"recurringIndicator"`
		ValidUntil               *string `json:"validUntil"`
		FrequencyPerDay          *int    `json:"frequencyPerDay"`
		CombinedServiceIndicator *bool   `json:"combinedServiceIndicator"`
	}
	if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
		s.fail(w, r, http.StatusBadRequest, "FORMAT_ERROR", "the body is not a consent request")
		return
	}
	for _, f := range []struct {
		path    string
		missing bool
	}{{"access", body.Access == nil}, {"recurringIndicator", body.RecurringIndicator == nil}, {"validUntil", body.ValidUntil == nil},
		{"frequencyPerDay", body.FrequencyPerDay == nil}, {"combinedServiceIndicator", body.CombinedServiceIndicator == nil}} {
		if f.missing {
			s.failPath(w, r, http.StatusBadRequest, "FORMAT_ERROR", f.path, f.path+" is required")
			return
		}
	}
	if *body.CombinedServiceIndicator {
		s.fail(w, r, http.StatusBadRequest, "SESSIONS_NOT_SUPPORTED", "combined AIS and PIS sessions are not supported")
		return
	}
	if path, problem := body.Access.check(); problem != "" {
		s.failPath(w, r, http.StatusBadRequest, "FORMAT_ERROR", path, problem)
		return
	}
	until, err := time.Parse(time.DateOnly, *body.ValidUntil)
	if err != nil {
		s.failPath(w, r, http.StatusBadRequest, "FORMAT_ERROR", "validUntil", "validUntil must be YYYY-MM-DD")
		return
	}
	today, _ := time.Parse(time.DateOnly, s.today())
	if until.Before(today) {
		s.failPath(w, r, http.StatusBadRequest, "PERIOD_INVALID", "validUntil", "validUntil is in the past")
		return
	}
	// The ASPSP may adjust validUntil; asking for 9999-12-31 gets the maximum.
	if max := today.AddDate(0, 0, s.opts.MaxConsentDays); until.After(max) {
		until = max
	}
	freq := *body.FrequencyPerDay
	if freq < 1 || (!*body.RecurringIndicator && freq != 1) {
		s.failPath(w, r, http.StatusBadRequest, "FORMAT_ERROR", "frequencyPerDay", "frequencyPerDay is at least 1, and 1 for one-off access")
		return
	}
	ok, nok, good := s.redirects(w, r)
	if !good {
		return
	}
	// The bank knows whose app to ask only when the request names the PSU
	// (PSU-ID) or their accounts; otherwise the PSU signs in at the redirect.
	customer := ""
	if id := r.Header.Get("PSU-ID"); id != "" {
		c, err := s.bank.FindCustomer(ctx, id)
		if err != nil {
			s.failPath(w, r, http.StatusBadRequest, "FORMAT_ERROR", "PSU-ID", "unknown PSU-ID")
			return
		}
		customer = c.ID
	} else if refs := body.Access.refs(); len(refs) > 0 {
		if u, _, err := s.bank.AccountHolder(ctx, refs[0].IBAN+refs[0].BBAN); err == nil {
			customer = u.Customer
		}
	}
	approach := "REDIRECT"
	if r.Header.Get("TPP-Decoupled-Preferred") == "true" && customer != "" {
		approach = "DECOUPLED"
	}
	acc, _ := json.Marshal(body.Access)
	reqID, _ := requestID(r)
	c := consent{ID: newID(), RequestID: reqID, Status: "received", Customer: customer, Recurring: *body.RecurringIndicator,
		ValidUntil: until.Format(time.DateOnly), Frequency: freq, Created: s.now(), LastAction: s.today()}
	authID := newID()
	err = s.inTx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO consents(id, request_id, status, customer, access, recurring, valid_until, frequency, created_at, last_action)
			VALUES (?,?,?,?,?,?,?,?,?,?)`, c.ID, c.RequestID, c.Status, c.Customer, string(acc), c.Recurring, c.ValidUntil, c.Frequency,
			c.Created.Unix(), c.LastAction); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO authorisations(id, kind, resource_id, customer, approach, sca_status, redirect_uri, nok_redirect_uri, created_at)
			VALUES (?, 'consent', ?, ?, ?, 'received', ?, ?, ?)`, authID, c.ID, customer, approach, ok, nok, c.Created.Unix())
		return err
	})
	if err != nil {
		s.internal(w, r, err)
		return
	}
	self := "/v1/consents/" + c.ID
	links := map[string]href{"self": {s.link(self)}, "status": {s.link(self + "/status")}, "scaStatus": {s.link(self + "/authorisations/" + authID)}}
	resp := map[string]any{"consentStatus": "received", "consentId": c.ID, "_links": links}
	if approach == "REDIRECT" {
		links["scaRedirect"] = href{s.abs(r, "/sca/"+authID)}
	} else {
		resp["psuMessage"] = "Please confirm the access in your banking app."
	}
	w.Header().Set("Location", s.abs(r, self))
	w.Header().Set("ASPSP-SCA-Approach", approach)
	writeJSON(w, r, http.StatusCreated, resp)
}

// redirects reads TPP-Redirect-URI and TPP-Nok-Redirect-URI.
func (s *Server) redirects(w http.ResponseWriter, r *http.Request) (ok, nok string, good bool) {
	ok, good = redirectURI(r.Header.Get("TPP-Redirect-URI"))
	if !good {
		s.failPath(w, r, http.StatusBadRequest, "FORMAT_ERROR", "TPP-Redirect-URI", "TPP-Redirect-URI must be an http(s) URL")
		return "", "", false
	}
	nok, good = redirectURI(r.Header.Get("TPP-Nok-Redirect-URI"))
	if !good {
		s.failPath(w, r, http.StatusBadRequest, "FORMAT_ERROR", "TPP-Nok-Redirect-URI", "TPP-Nok-Redirect-URI must be an http(s) URL")
		return "", "", false
	}
	return ok, nok, true
}

// inTx runs fn in a write transaction (BEGIN IMMEDIATE, from the DSN).
func (s *Server) inTx(ctx context.Context, fn func(tx *sql.Tx) error) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if err := fn(tx); err != nil {
		return err
	}
	return tx.Commit()
}

// consentFor loads the consent in the path for the consent endpoints.
func (s *Server) consentFor(w http.ResponseWriter, r *http.Request) (consent, bool) {
	if !s.common(w, r) {
		return consent{}, false
	}
	c, err := s.loadConsent(r.Context(), s.db, r.PathValue("consentId"))
	if errors.Is(err, errNoConsent) {
		s.fail(w, r, http.StatusForbidden, "CONSENT_UNKNOWN", "no such consent")
		return c, false
	}
	if err != nil {
		s.internal(w, r, err)
		return c, false
	}
	return c, true
}

func (s *Server) getConsent(w http.ResponseWriter, r *http.Request) {
	c, ok := s.consentFor(w, r)
	if !ok {
		return
	}
	writeJSON(w, r, http.StatusOK, map[string]any{
		"access": c.Access, "recurringIndicator": c.Recurring, "validUntil": c.ValidUntil, "frequencyPerDay": c.Frequency,
		"lastActionDate": c.LastAction, "consentStatus": s.state(c),
		"_links": map[string]href{"account": {s.link("/v1/accounts")}},
	})
}

func (s *Server) consentStatus(w http.ResponseWriter, r *http.Request) {
	c, ok := s.consentFor(w, r)
	if !ok {
		return
	}
	writeJSON(w, r, http.StatusOK, map[string]any{"consentStatus": s.state(c)})
}

// deleteConsent terminates a consent for the TPP; deleting one that has
// already ended changes nothing.
func (s *Server) deleteConsent(w http.ResponseWriter, r *http.Request) {
	c, ok := s.consentFor(w, r)
	if !ok {
		return
	}
	if st := s.state(c); st == "received" || st == "valid" {
		ctx := r.Context()
		err := s.inTx(ctx, func(tx *sql.Tx) error {
			if _, err := tx.ExecContext(ctx, `UPDATE consents SET status = 'terminatedByTpp', last_action = ? WHERE id = ? AND status IN ('received', 'valid')`,
				s.today(), c.ID); err != nil {
				return err
			}
			_, err := tx.ExecContext(ctx, `UPDATE authorisations SET sca_status = 'failed' WHERE resource_id = ? AND sca_status = 'received'`, c.ID)
			return err
		})
		if err != nil {
			s.internal(w, r, err)
			return
		}
	}
	echoID(w, r)
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) consentAuthorisations(w http.ResponseWriter, r *http.Request) {
	c, ok := s.consentFor(w, r)
	if !ok {
		return
	}
	ids, err := s.authorisationIDs(r.Context(), c.ID)
	if err != nil {
		s.internal(w, r, err)
		return
	}
	writeJSON(w, r, http.StatusOK, map[string]any{"authorisationIds": ids})
}

func (s *Server) consentScaStatus(w http.ResponseWriter, r *http.Request) {
	c, ok := s.consentFor(w, r)
	if !ok {
		return
	}
	s.writeScaStatus(w, r, c.ID)
}

func (s *Server) authorisationIDs(ctx context.Context, resource string) ([]string, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT id FROM authorisations WHERE resource_id = ? ORDER BY created_at, id`, resource)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	ids := []string{}
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		ids = append(ids, id)
	}
	return ids, rows.Err()
}

func (s *Server) writeScaStatus(w http.ResponseWriter, r *http.Request, resource string) {
	a, err := s.loadAuth(r.Context(), s.db, r.PathValue("authorisationId"))
	if errors.Is(err, errNoAuth) || (err == nil && a.Resource != resource) {
		s.fail(w, r, http.StatusNotFound, "RESOURCE_UNKNOWN", "no such authorisation")
		return
	}
	if err != nil {
		s.internal(w, r, err)
		return
	}
	writeJSON(w, r, http.StatusOK, map[string]any{"scaStatus": s.scaState(a)})
}

// grant is what a consent lets the TPP read of one account.
type grant struct{ list, details, balances, transactions bool }

// grants works out, per account resource id, what a valid consent covers.
func grants(a access, accs []account) map[string]grant {
	out := map[string]grant{}
	all := func(g grant) {
		for _, x := range accs {
			out[x.resourceID] = g
		}
	}
	switch {
	case a.AllPsd2 != "":
		all(grant{true, true, true, true})
	case a.AvailableAccountsWithBalance != "":
		all(grant{list: true, balances: true})
	case a.AvailableAccounts != "":
		all(grant{list: true})
	}
	mark := func(l *[]accountRef, set func(*grant)) {
		if l == nil {
			return
		}
		for _, ref := range *l {
			for _, x := range accs {
				if (ref.IBAN != "" && strings.EqualFold(ref.IBAN, x.iban)) || (ref.BBAN != "" && ref.BBAN == x.bban) {
					g := out[x.resourceID]
					g.list, g.details = true, true
					set(&g)
					out[x.resourceID] = g
				}
			}
		}
	}
	mark(a.Accounts, func(*grant) {})
	mark(a.Balances, func(g *grant) { g.balances = true })
	mark(a.Transactions, func(g *grant) { g.transactions = true })
	return out
}

// bind completes a consent for the customer who approved it: a
// bank-offered consent covers all their accounts; one naming accounts
// must name only theirs.
func (s *Server) bind(ctx context.Context, a access, u banks.User) (access, error) {
	accs, err := s.accountsOf(ctx, u)
	if err != nil {
		return a, err
	}
	if a.bankOffered() {
		refs := make([]accountRef, 0, len(accs))
		for _, x := range accs {
			refs = append(refs, x.ref())
		}
		a.Accounts, a.Balances, a.Transactions = &refs, &refs, &refs
		return a, nil
	}
	g := grants(a, accs)
	for _, ref := range a.refs() {
		found := false
		for _, x := range accs {
			if g[x.resourceID].list && (strings.EqualFold(ref.IBAN, x.iban) && ref.IBAN != "" || ref.BBAN != "" && ref.BBAN == x.bban) {
				found = true
			}
		}
		if !found {
			return a, banks.Errorf("bgapi.bind", banks.Forbidden, "the consent names an account that is not the customer's")
		}
	}
	return a, nil
}
