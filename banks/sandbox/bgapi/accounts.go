package bgapi

import (
	"database/sql"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/kontoskill/konto/banks"
)

// aisCall is an account information request whose consent checked out.
type aisCall struct {
	consent consent
	user    banks.User
	accs    []account
	grants  map[string]grant
}

// ais checks the consent of an account information call and loads what
// it covers. It answers and returns false when something is wrong.
func (s *Server) ais(w http.ResponseWriter, r *http.Request) (*aisCall, bool) {
	if !s.common(w, r) {
		return nil, false
	}
	ctx := r.Context()
	id := r.Header.Get("Consent-ID")
	if id == "" {
		s.failPath(w, r, http.StatusBadRequest, "FORMAT_ERROR", "Consent-ID", "Consent-ID is required")
		return nil, false
	}
	tokenOf, ok := s.tokenCustomer(w, r)
	if !ok {
		return nil, false
	}
	c, err := s.loadConsent(ctx, s.db, id)
	if errors.Is(err, errNoConsent) {
		s.fail(w, r, http.StatusForbidden, "CONSENT_UNKNOWN", "no such consent")
		return nil, false
	}
	if err != nil {
		s.internal(w, r, err)
		return nil, false
	}
	switch st := s.state(c); st {
	case "valid":
	case "expired":
		s.fail(w, r, http.StatusUnauthorized, "CONSENT_EXPIRED", "the consent has expired")
		return nil, false
	default:
		s.fail(w, r, http.StatusUnauthorized, "CONSENT_INVALID", "the consent is "+st)
		return nil, false
	}
	if tokenOf != "" && tokenOf != c.Customer {
		s.fail(w, r, http.StatusUnauthorized, "TOKEN_INVALID", "the access token is not the consent's")
		return nil, false
	}
	u, err := s.user(ctx, c.Customer)
	if err != nil {
		s.internal(w, r, err)
		return nil, false
	}
	accs, err := s.accountsOf(ctx, u)
	if err != nil {
		s.internal(w, r, err)
		return nil, false
	}
	return &aisCall{consent: c, user: u, accs: accs, grants: grants(c.Access, accs)}, true
}

// pick finds the account in the path: another customer's account, or
// none, is unknown; the customer's own that the consent does not cover
// for the service is not valid for the consent.
func (s *Server) pick(w http.ResponseWriter, r *http.Request, a *aisCall, covers func(grant) bool) (account, bool) {
	id := r.PathValue("accountId")
	for _, x := range a.accs {
		if x.resourceID != id {
			continue
		}
		if !covers(a.grants[x.resourceID]) {
			s.fail(w, r, http.StatusUnauthorized, "CONSENT_INVALID", "the consent does not cover this account or service")
			return x, false
		}
		return x, true
	}
	s.fail(w, r, http.StatusNotFound, "RESOURCE_UNKNOWN", "no such account")
	return account{}, false
}

// count records an access without the PSU for the consent's daily limit
// (frequencyPerDay) and answers 429 ACCESS_EXCEEDED past it. Calls with
// the PSU present (PSU-IP-Address) and follow-up pages of one listing do
// not count. Every access moves the consent's lastActionDate.
func (s *Server) count(w http.ResponseWriter, r *http.Request, a *aisCall, resource string) bool {
	ctx := r.Context()
	day := s.today()
	page := r.URL.Query().Get("pageIndex")
	unattended := !psuPresent(r) && (page == "" || page == "0")
	exceeded := false
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		if unattended {
			var n int
			err := tx.QueryRowContext(ctx, `SELECT n FROM usage WHERE consent_id = ? AND day = ? AND resource = ?`,
				a.consent.ID, day, resource).Scan(&n)
			if err != nil && !errors.Is(err, sql.ErrNoRows) {
				return err
			}
			if n >= a.consent.Frequency {
				exceeded = true
				return nil
			}
			if _, err := tx.ExecContext(ctx, `INSERT INTO usage(consent_id, day, resource, n) VALUES (?,?,?,1)
				ON CONFLICT (consent_id, day, resource) DO UPDATE SET n = n + 1`, a.consent.ID, day, resource); err != nil {
				return err
			}
		}
		_, err := tx.ExecContext(ctx, `UPDATE consents SET last_action = ? WHERE id = ?`, day, a.consent.ID)
		return err
	})
	if err != nil {
		s.internal(w, r, err)
		return false
	}
	if exceeded {
		s.fail(w, r, http.StatusTooManyRequests, "ACCESS_EXCEEDED", "the consent's daily access limit without the PSU is used up")
		return false
	}
	return true
}

type accountDetails struct {
	ResourceID      string          `json:"resourceId"`
	IBAN            string          `json:"iban,omitempty"`
	BBAN            string          `json:"bban,omitempty"`
	Currency        string          `json:"currency"`
	Name            string          `json:"name,omitempty"`
	Product         string          `json:"product,omitempty"`
	CashAccountType string          `json:"cashAccountType"`
	Status          string          `json:"status"`
	Usage           string          `json:"usage"`
	Balances        []balance       `json:"balances,omitempty"`
	Links           map[string]href `json:"_links,omitempty"`
}

func (s *Server) details(a account, g grant) accountDetails {
	d := accountDetails{ResourceID: a.resourceID, IBAN: a.iban, BBAN: a.bban, Currency: a.Currency, Name: truncate(a.Name, 70),
		Product: truncate(a.Name, 35), CashAccountType: cashAccountType(a.Kind), Status: "enabled", Usage: "PRIV", Links: map[string]href{}}
	if a.status == "frozen" {
		d.Status = "blocked"
	}
	self := s.link("/v1/accounts/" + a.resourceID)
	if g.balances {
		d.Links["balances"] = href{self + "/balances"}
	}
	if g.transactions {
		d.Links["transactions"] = href{self + "/transactions"}
	}
	return d
}

func (s *Server) accounts(w http.ResponseWriter, r *http.Request) {
	a, ok := s.ais(w, r)
	if !ok || !s.count(w, r, a, "accounts") {
		return
	}
	withBalance := r.URL.Query().Get("withBalance") == "true"
	list := []accountDetails{}
	for _, x := range a.accs {
		g := a.grants[x.resourceID]
		if !g.list {
			continue
		}
		d := s.details(x, g)
		if withBalance && g.balances {
			bs, err := s.balanceList(r, a, x)
			if err != nil {
				s.internal(w, r, err)
				return
			}
			d.Balances = bs
		}
		list = append(list, d)
	}
	writeJSON(w, r, http.StatusOK, map[string]any{"accounts": list})
}

func (s *Server) account(w http.ResponseWriter, r *http.Request) {
	a, ok := s.ais(w, r)
	if !ok {
		return
	}
	x, ok := s.pick(w, r, a, func(g grant) bool { return g.details })
	if !ok || !s.count(w, r, a, "account:"+x.resourceID) {
		return
	}
	d := s.details(x, a.grants[x.resourceID])
	if r.URL.Query().Get("withBalance") == "true" && a.grants[x.resourceID].balances {
		bs, err := s.balanceList(r, a, x)
		if err != nil {
			s.internal(w, r, err)
			return
		}
		d.Balances = bs
	}
	writeJSON(w, r, http.StatusOK, map[string]any{"account": d})
}

type balance struct {
	BalanceAmount       amount `json:"balanceAmount"`
	BalanceType         string `json:"balanceType"`
	CreditLimitIncluded *bool  `json:"creditLimitIncluded,omitempty"`
	ReferenceDate       string `json:"referenceDate,omitempty"`
	LastChangeDateTime  string `json:"lastChangeDateTime,omitempty"`
}

// balanceList is an account's closingBooked (the booked balance, as of
// today), interimAvailable (what can be spent; a card's includes its
// limit) and expected (booked plus everything pending) balances.
func (s *Server) balanceList(r *http.Request, a *aisCall, x account) ([]balance, error) {
	ctx := r.Context()
	b, err := s.bank.Balance(ctx, a.user, x.ID)
	if err != nil {
		return nil, err
	}
	pend, err := s.bank.Transactions(ctx, a.user, banks.TxFilter{AccountID: x.ID, Statuses: []banks.TxStatus{banks.Pending}})
	if err != nil {
		return nil, err
	}
	expected := b.Booked
	for _, t := range pend {
		expected = expected.Add(t.Amount)
	}
	now := s.now()
	avail := balance{BalanceAmount: amountOf(b.Available), BalanceType: "interimAvailable", LastChangeDateTime: now.Format(time.RFC3339)}
	if x.Kind == banks.CreditCard {
		t := true
		avail.CreditLimitIncluded = &t
	}
	return []balance{
		{BalanceAmount: amountOf(b.Booked), BalanceType: "closingBooked", ReferenceDate: now.Format(time.DateOnly)},
		avail,
		{BalanceAmount: amountOf(expected), BalanceType: "expected", LastChangeDateTime: now.Format(time.RFC3339)},
	}, nil
}

func (s *Server) balances(w http.ResponseWriter, r *http.Request) {
	a, ok := s.ais(w, r)
	if !ok {
		return
	}
	x, ok := s.pick(w, r, a, func(g grant) bool { return g.balances })
	if !ok || !s.count(w, r, a, "balances:"+x.resourceID) {
		return
	}
	bs, err := s.balanceList(r, a, x)
	if err != nil {
		s.internal(w, r, err)
		return
	}
	ref := x.ref()
	ref.Currency = x.Currency
	writeJSON(w, r, http.StatusOK, map[string]any{"account": ref, "balances": bs})
}

type transaction struct {
	TransactionID                     string `json:"transactionId"`
	BookingDate                       string `json:"bookingDate,omitempty"`
	ValueDate                         string `json:"valueDate"`
	TransactionAmount                 amount `json:"transactionAmount"`
	CreditorName                      string `json:"creditorName,omitempty"`
	DebtorName                        string `json:"debtorName,omitempty"`
	RemittanceInformationUnstructured string `json:"remittanceInformationUnstructured,omitempty"`
}

// transactions lists an account's booked and pending transactions
// between dateFrom and dateTo (both days included), newest first, a page
// at a time; _links.next inside transactions leads to the next page.
func (s *Server) transactions(w http.ResponseWriter, r *http.Request) {
	a, ok := s.ais(w, r)
	if !ok {
		return
	}
	x, ok := s.pick(w, r, a, func(g grant) bool { return g.transactions })
	if !ok {
		return
	}
	q := r.URL.Query()
	var statuses []banks.TxStatus
	switch q.Get("bookingStatus") {
	case "booked":
		statuses = []banks.TxStatus{banks.Booked}
	case "pending":
		statuses = []banks.TxStatus{banks.Pending}
	case "both":
		statuses = []banks.TxStatus{banks.Booked, banks.Pending}
	case "":
		s.failPath(w, r, http.StatusBadRequest, "FORMAT_ERROR", "bookingStatus", "bookingStatus is required")
		return
	default:
		s.failPath(w, r, http.StatusBadRequest, "PARAMETER_NOT_SUPPORTED", "bookingStatus", "bookingStatus is booked, pending or both here")
		return
	}
	if q.Get("entryReferenceFrom") != "" || q.Get("deltaList") != "" {
		s.fail(w, r, http.StatusBadRequest, "PARAMETER_NOT_SUPPORTED", "delta reports are not supported")
		return
	}
	if q.Get("dateFrom") == "" {
		s.failPath(w, r, http.StatusBadRequest, "FORMAT_ERROR", "dateFrom", "dateFrom is required")
		return
	}
	from, err := time.Parse(time.DateOnly, q.Get("dateFrom"))
	if err != nil {
		s.failPath(w, r, http.StatusBadRequest, "FORMAT_ERROR", "dateFrom", "dateFrom must be YYYY-MM-DD")
		return
	}
	to, _ := time.Parse(time.DateOnly, s.today())
	if v := q.Get("dateTo"); v != "" {
		if to, err = time.Parse(time.DateOnly, v); err != nil {
			s.failPath(w, r, http.StatusBadRequest, "FORMAT_ERROR", "dateTo", "dateTo must be YYYY-MM-DD")
			return
		}
	}
	if to.Before(from) {
		s.fail(w, r, http.StatusBadRequest, "PERIOD_INVALID", "dateTo is before dateFrom")
		return
	}
	page, size := 0, s.opts.PageSize
	if v := q.Get("pageIndex"); v != "" {
		if page, err = strconv.Atoi(v); err != nil || page < 0 {
			s.failPath(w, r, http.StatusBadRequest, "FORMAT_ERROR", "pageIndex", "pageIndex is a page number from 0")
			return
		}
	}
	if v := q.Get("itemsPerPage"); v != "" {
		if size, err = strconv.Atoi(v); err != nil || size < 1 || size > 1000 {
			s.failPath(w, r, http.StatusBadRequest, "FORMAT_ERROR", "itemsPerPage", "itemsPerPage is 1 to 1000")
			return
		}
	}
	if !s.count(w, r, a, "transactions:"+x.resourceID) {
		return
	}
	txs, err := s.bank.Transactions(r.Context(), a.user, banks.TxFilter{AccountID: x.ID, From: from, To: to.AddDate(0, 0, 1), Statuses: statuses})
	if err != nil {
		s.internal(w, r, err)
		return
	}
	self := s.link("/v1/accounts/" + x.resourceID)
	links := map[string]href{"account": {self}}
	pageURL := func(i int) href {
		v := url.Values{}
		for k, vs := range q {
			v[k] = vs
		}
		v.Set("pageIndex", strconv.Itoa(i))
		v.Set("itemsPerPage", strconv.Itoa(size))
		return href{self + "/transactions?" + v.Encode()}
	}
	last := max(0, (len(txs)-1)/size)
	if page > last {
		page = last + 1 // past the end: an empty page
	}
	lo, hi := min(page*size, len(txs)), min((page+1)*size, len(txs))
	if last > 0 {
		links["first"], links["last"] = pageURL(0), pageURL(last)
	}
	if page > 0 {
		links["previous"] = pageURL(min(page-1, last))
	}
	if page < last {
		links["next"] = pageURL(page + 1)
	}
	booked, pending := []transaction{}, []transaction{}
	for _, t := range txs[lo:hi] {
		bt := transaction{TransactionID: t.ID, ValueDate: t.Time.Format(time.DateOnly), TransactionAmount: amountOf(t.Amount),
			RemittanceInformationUnstructured: truncate(t.Merchant, 140)}
		if t.Amount.Minor < 0 {
			bt.CreditorName = truncate(t.Merchant, 70)
		} else {
			bt.DebtorName = truncate(t.Merchant, 70)
		}
		if t.Status == banks.Booked {
			bt.BookingDate = bt.ValueDate
			booked = append(booked, bt)
		} else {
			pending = append(pending, bt)
		}
	}
	report := map[string]any{"_links": links}
	if q.Get("bookingStatus") != "pending" {
		report["booked"] = booked
	}
	if q.Get("bookingStatus") != "booked" {
		report["pending"] = pending
	}
	ref := x.ref()
	ref.Currency = x.Currency
	writeJSON(w, r, http.StatusOK, map[string]any{"account": ref, "transactions": report})
}
