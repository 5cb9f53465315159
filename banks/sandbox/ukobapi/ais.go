package ukobapi

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/kontoskill/konto/banks"
	"github.com/kontoskill/konto/banks/sandbox"
)

// The permissions of v3.1.11.
var allPermissions = []string{"ReadAccountsBasic", "ReadAccountsDetail", "ReadBalances", "ReadBeneficiariesBasic",
	"ReadBeneficiariesDetail", "ReadDirectDebits", "ReadOffers", "ReadPAN", "ReadParty", "ReadPartyPSU", "ReadProducts",
	"ReadScheduledPaymentsBasic", "ReadScheduledPaymentsDetail", "ReadStandingOrdersBasic", "ReadStandingOrdersDetail",
	"ReadStatementsBasic", "ReadStatementsDetail", "ReadTransactionsBasic", "ReadTransactionsCredits",
	"ReadTransactionsDebits", "ReadTransactionsDetail"}

// accountConsentData is the Data of an account-access consent request.
type accountConsentData struct {
	Permissions             []string `json:"Permissions"`
	ExpirationDateTime      string   `json:"ExpirationDateTime,omitempty"`
	TransactionFromDateTime string   `json:"TransactionFromDateTime,omitempty"`
	TransactionToDateTime   string   `json:"TransactionToDateTime,omitempty"`
}

type accountConsentRequest struct {
	Data accountConsentData `json:"Data"`
	Risk struct{}           `json:"Risk"`
}

// decodeStrict decodes a request body, refusing fields the standard does
// not have (its schemas have additionalProperties false).
func decodeStrict(r *http.Request, v any) ([]byte, *apiError) {
	var buf bytes.Buffer
	if _, err := buf.ReadFrom(r.Body); err != nil {
		return nil, badRequest(codeInvalidFormat, "", "the body could not be read")
	}
	dec := json.NewDecoder(bytes.NewReader(buf.Bytes()))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		code := codeInvalidFormat
		if strings.Contains(err.Error(), "unknown field") {
			code = codeFieldUnexpected
		}
		return nil, badRequest(code, "", "the body does not match the schema: %v", err)
	}
	if dec.More() {
		return nil, badRequest(codeInvalidFormat, "", "the body has more than one JSON value")
	}
	return buf.Bytes(), nil
}

func parseTime(s, path string) (time.Time, *apiError) {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return time.Time{}, badRequest(codeFieldInvalidDate, path, "%s is not an ISO 8601 date-time with a time zone", path)
	}
	return t.UTC(), nil
}

func (s *Server) createAccountConsent(w http.ResponseWriter, r *http.Request) {
	g, e := s.bearer(r)
	if e == nil && !g.has("accounts") {
		e = forbidden(codeInvalidConsentStatus, "the token's scope does not include accounts")
	}
	if e != nil {
		s.writeError(w, r, e)
		return
	}
	var req accountConsentRequest
	if _, e := decodeStrict(r, &req); e != nil {
		s.writeError(w, r, e)
		return
	}
	d := req.Data
	if len(d.Permissions) == 0 {
		s.writeError(w, r, badRequest(codeFieldMissing, "Data.Permissions", "Permissions are required"))
		return
	}
	for _, p := range d.Permissions {
		if !slices.Contains(allPermissions, p) {
			s.writeError(w, r, badRequest(codeFieldInvalid, "Data.Permissions", "unknown permission %q", p))
			return
		}
	}
	has := func(p ...string) bool {
		return slices.ContainsFunc(d.Permissions, func(x string) bool { return slices.Contains(p, x) })
	}
	// The standard's combination rules: transaction detail needs the
	// direction, and the direction needs the detail.
	if has("ReadTransactionsBasic", "ReadTransactionsDetail") != has("ReadTransactionsCredits", "ReadTransactionsDebits") {
		s.writeError(w, r, badRequest(codeFieldInvalid, "Data.Permissions",
			"ReadTransactionsBasic or ReadTransactionsDetail go with ReadTransactionsCredits or ReadTransactionsDebits"))
		return
	}
	now := s.now()
	c := consent{ID: "aac-" + newUUID(), Kind: kindAccount, ClientID: g.ClientID, Status: statusAwaiting,
		Created: now, Updated: now, Deadline: now.Add(s.opts.ApprovalWindow)}
	if d.ExpirationDateTime != "" {
		t, e := parseTime(d.ExpirationDateTime, "Data.ExpirationDateTime")
		if e == nil && !t.After(now) {
			e = badRequest(codeFieldInvalidDate, "Data.ExpirationDateTime", "ExpirationDateTime is in the past")
		}
		if e != nil {
			s.writeError(w, r, e)
			return
		}
		c.Expires = t
	}
	var from, to time.Time
	for _, f := range []struct {
		v, path string
		t       *time.Time
	}{{d.TransactionFromDateTime, "Data.TransactionFromDateTime", &from}, {d.TransactionToDateTime, "Data.TransactionToDateTime", &to}} {
		if f.v == "" {
			continue
		}
		t, e := parseTime(f.v, f.path)
		if e != nil {
			s.writeError(w, r, e)
			return
		}
		*f.t = t
	}
	if !from.IsZero() && !to.IsZero() && to.Before(from) {
		s.writeError(w, r, badRequest(codeFieldInvalidDate, "Data.TransactionToDateTime", "TransactionToDateTime is before TransactionFromDateTime"))
		return
	}
	body, _ := json.Marshal(req)
	c.Request = body
	if err := s.insertConsent(r.Context(), s.db, c); err != nil {
		s.writeError(w, r, internal(err))
		return
	}
	s.writeAccountConsent(w, r, http.StatusCreated, c, AccountsBase+"/account-access-consents/"+c.ID)
}

func (s *Server) writeAccountConsent(w http.ResponseWriter, r *http.Request, status int, c consent, self string) {
	var req accountConsentRequest
	json.Unmarshal(c.Request, &req)
	data := struct {
		ConsentID            string `json:"ConsentId"`
		CreationDateTime     string `json:"CreationDateTime"`
		Status               string `json:"Status"`
		StatusUpdateDateTime string `json:"StatusUpdateDateTime"`
		accountConsentData
	}{c.ID, ts(c.Created), c.Status, ts(c.Updated), req.Data}
	s.writeJSON(w, r, status, struct {
		Data  any      `json:"Data"`
		Risk  struct{} `json:"Risk"`
		Links links    `json:"Links"`
		Meta  meta     `json:"Meta"`
	}{Data: data, Links: links{Self: s.baseURL(r) + self}, Meta: meta{TotalPages: 1}}, false)
}

// clientConsent loads a consent of the calling client (any of its tokens).
func (s *Server) clientConsent(r *http.Request, kind string) (consent, *apiError) {
	g, e := s.bearer(r)
	if e != nil {
		return consent{}, e
	}
	c, err := s.loadConsent(r.Context(), s.db, r.PathValue("ConsentId"))
	if errors.Is(err, errNoConsent) || (err == nil && (c.ClientID != g.ClientID || c.Kind != kind)) {
		return consent{}, badRequest(codeNotFound, "ConsentId", "no such consent")
	}
	if err != nil {
		return consent{}, internal(err)
	}
	return c, nil
}

func (s *Server) getAccountConsent(w http.ResponseWriter, r *http.Request) {
	c, e := s.clientConsent(r, kindAccount)
	if e != nil {
		s.writeError(w, r, e)
		return
	}
	s.writeAccountConsent(w, r, http.StatusOK, c, r.URL.Path)
}

func (s *Server) deleteAccountConsent(w http.ResponseWriter, r *http.Request) {
	c, e := s.clientConsent(r, kindAccount)
	if e != nil {
		s.writeError(w, r, e)
		return
	}
	// Revoking ends every token of the consent, since each use checks it.
	if _, err := s.db.ExecContext(r.Context(), `UPDATE consents SET status = ?, updated_at = ? WHERE id = ?`,
		statusRevoked, unix(s.now()), c.ID); err != nil {
		s.writeError(w, r, internal(err))
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// access is what an account-information request may see: the customer
// and the permissions of the consent behind its token.
type access struct {
	u           banks.User
	name        string // the customer's name
	c           consent
	permissions []string
	from, to    time.Time // the consent's transaction window
}

func (a access) has(p ...string) bool {
	return slices.ContainsFunc(a.permissions, func(x string) bool { return slices.Contains(p, x) })
}

// account authorises a request for account information; perms lists the
// permissions any one of which is needed.
func (s *Server) account(r *http.Request, perms ...string) (access, *apiError) {
	g, e := s.bearer(r)
	if e != nil {
		return access{}, e
	}
	ctx := r.Context()
	if g.ConsentID == "" || g.Customer == "" || !g.has("accounts") {
		return access{}, forbidden(codeInvalidConsentStatus, "the token does not stand for a customer's account-access consent")
	}
	c, err := s.loadConsent(ctx, s.db, g.ConsentID)
	if err != nil {
		return access{}, internal(err)
	}
	if c.Kind != kindAccount || c.Customer != g.Customer {
		return access{}, forbidden(codeInvalidConsentStatus, "the token's consent is not an account-access consent")
	}
	if !s.usable(c) {
		return access{}, forbidden(codeInvalidConsentStatus, "the consent is %s or expired", c.Status)
	}
	var req accountConsentRequest
	if err := json.Unmarshal(c.Request, &req); err != nil {
		return access{}, internal(err)
	}
	a := access{c: c, permissions: req.Data.Permissions}
	if req.Data.TransactionFromDateTime != "" {
		a.from, _ = time.Parse(time.RFC3339, req.Data.TransactionFromDateTime)
	}
	if req.Data.TransactionToDateTime != "" {
		a.to, _ = time.Parse(time.RFC3339, req.Data.TransactionToDateTime)
	}
	if len(perms) > 0 && !a.has(perms...) {
		return access{}, forbidden(codeInvalidConsentStatus, "the consent does not grant %s", strings.Join(perms, " or "))
	}
	cust, err := s.bank.FindCustomer(ctx, c.Customer)
	if err != nil {
		return access{}, internal(err)
	}
	a.u, a.name = banks.User{Bank: sandbox.Name, Customer: cust.ID, Locale: cust.Locale}, cust.Name
	return a, nil
}

// ownAccount finds one of the customer's accounts. Another customer's
// account and a missing one look alike: 400 UK.OBIE.Resource.NotFound,
// the standard's answer to an unknown resource id.
func (s *Server) ownAccount(ctx context.Context, a access, id string) (banks.Account, *apiError) {
	accts, err := s.bank.Accounts(ctx, a.u)
	if err != nil {
		return banks.Account{}, internal(err)
	}
	for _, acc := range accts {
		if acc.ID == id {
			return acc, nil
		}
	}
	return banks.Account{}, badRequest(codeNotFound, "AccountId", "no account %q", id)
}

// obAccount is an OBAccount6.
type obAccount struct {
	AccountID            string         `json:"AccountId"`
	Status               string         `json:"Status,omitempty"`
	StatusUpdateDateTime string         `json:"StatusUpdateDateTime,omitempty"`
	Currency             string         `json:"Currency"`
	AccountType          string         `json:"AccountType"`
	AccountSubType       string         `json:"AccountSubType"`
	Nickname             string         `json:"Nickname,omitempty"`
	Account              []obIdentifier `json:"Account,omitempty"`
}

type obIdentifier struct {
	SchemeName     string `json:"SchemeName"`
	Identification string `json:"Identification"`
	Name           string `json:"Name,omitempty"`
}

const (
	schemeSortCode = "UK.OBIE.SortCodeAccountNumber"
	schemeIBAN     = "UK.OBIE.IBAN"
	schemePAN      = "UK.OBIE.PAN"
	schemeBBAN     = "UK.OBIE.BBAN"
)

var subTypes = map[banks.AccountKind]string{banks.Checking: "CurrentAccount", banks.Savings: "Savings",
	banks.CreditCard: "CreditCard", banks.Loan: "Loan"}

// sortCode is the bank's sort code, from its product sheet.
func (s *Server) sortCode(ctx context.Context, u banks.User) string {
	if sheet, err := s.bank.ProductSheet(ctx, u.Locale); err == nil {
		if sc := strings.ReplaceAll(sheet.SortCode, "-", ""); len(sc) == 6 {
			return sc
		}
	}
	return "040075"
}

// identifiers are how an account is addressed: sort code and account
// number in the UK (and a masked card number for a card account), the
// IBAN in Europe.
func (s *Server) identifiers(ctx context.Context, u banks.User, name string, acc banks.Account) ([]obIdentifier, error) {
	number, err := s.bank.AccountNumber(ctx, u, acc.ID)
	if err != nil {
		return nil, err
	}
	var out []obIdentifier
	if acc.Kind == banks.CreditCard {
		out = append(out, obIdentifier{SchemeName: schemePAN, Identification: strings.Repeat("X", 12) + acc.LastFour, Name: name})
	}
	switch {
	case len(number) == 8 && isDigits(number):
		out = append(out, obIdentifier{SchemeName: schemeSortCode, Identification: s.sortCode(ctx, u) + number, Name: name})
	case len(number) > 2 && number[0] >= 'A' && number[0] <= 'Z':
		out = append(out, obIdentifier{SchemeName: schemeIBAN, Identification: number, Name: name})
	default:
		out = append(out, obIdentifier{SchemeName: schemeBBAN, Identification: number, Name: name})
	}
	return out, nil
}

func isDigits(s string) bool {
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return s != ""
}

func (s *Server) obAccount(ctx context.Context, a access, acc banks.Account) (obAccount, error) {
	out := obAccount{AccountID: acc.ID, Currency: acc.Currency, AccountType: "Personal", AccountSubType: subTypes[acc.Kind],
		Nickname: clip(acc.Name, 70), Status: "Enabled"}
	if st, err := s.bank.Status(ctx, a.u, acc.ID); err == nil {
		switch st.Status {
		case "frozen":
			out.Status = "Disabled"
		case "closed":
			out.Status = "Deleted"
		}
		if !st.Since.IsZero() {
			out.StatusUpdateDateTime = ts(st.Since)
		}
	}
	if a.has("ReadAccountsDetail") {
		ids, err := s.identifiers(ctx, a.u, a.name, acc)
		if err != nil {
			return out, err
		}
		out.Account = ids
	}
	return out, nil
}

func (s *Server) getAccounts(w http.ResponseWriter, r *http.Request) {
	a, e := s.account(r, "ReadAccountsBasic", "ReadAccountsDetail")
	if e != nil {
		s.writeError(w, r, e)
		return
	}
	accts, err := s.bank.Accounts(r.Context(), a.u)
	if err != nil {
		s.writeError(w, r, internal(err))
		return
	}
	list := []obAccount{}
	for _, acc := range accts {
		o, err := s.obAccount(r.Context(), a, acc)
		if err != nil {
			s.writeError(w, r, internal(err))
			return
		}
		list = append(list, o)
	}
	s.ok(w, r, http.StatusOK, map[string]any{"Account": list}, false)
}

func (s *Server) getAccount(w http.ResponseWriter, r *http.Request) {
	a, e := s.account(r, "ReadAccountsBasic", "ReadAccountsDetail")
	if e != nil {
		s.writeError(w, r, e)
		return
	}
	acc, e := s.ownAccount(r.Context(), a, r.PathValue("AccountId"))
	if e != nil {
		s.writeError(w, r, e)
		return
	}
	o, err := s.obAccount(r.Context(), a, acc)
	if err != nil {
		s.writeError(w, r, internal(err))
		return
	}
	s.ok(w, r, http.StatusOK, map[string]any{"Account": []obAccount{o}}, false)
}

// obAmount is an amount of the standard: unsigned, the sign elsewhere.
type obAmount struct {
	Amount   string `json:"Amount"`
	Currency string `json:"Currency"`
}

func amountOf(m banks.Money) obAmount {
	return obAmount{Amount: m.Abs().Decimal(), Currency: m.Currency}
}

func indicator(m banks.Money) string {
	if m.Minor < 0 {
		return "Debit"
	}
	return "Credit"
}

type obCreditLine struct {
	Included bool     `json:"Included"`
	Type     string   `json:"Type,omitempty"`
	Amount   obAmount `json:"Amount"`
}

type obBalance struct {
	AccountID            string         `json:"AccountId"`
	Amount               obAmount       `json:"Amount"`
	CreditDebitIndicator string         `json:"CreditDebitIndicator"`
	Type                 string         `json:"Type"`
	DateTime             string         `json:"DateTime"`
	CreditLine           []obCreditLine `json:"CreditLine,omitempty"`
}

func (s *Server) getBalances(w http.ResponseWriter, r *http.Request) {
	a, e := s.account(r, "ReadBalances")
	if e != nil {
		s.writeError(w, r, e)
		return
	}
	acc, e := s.ownAccount(r.Context(), a, r.PathValue("AccountId"))
	if e != nil {
		s.writeError(w, r, e)
		return
	}
	b, err := s.bank.Balance(r.Context(), a.u, acc.ID)
	if err != nil {
		s.writeError(w, r, internal(err))
		return
	}
	booked := obBalance{AccountID: acc.ID, Amount: amountOf(b.Booked), CreditDebitIndicator: indicator(b.Booked),
		Type: "InterimBooked", DateTime: ts(b.AsOf)}
	avail := obBalance{AccountID: acc.ID, Amount: amountOf(b.Available), CreditDebitIndicator: indicator(b.Available),
		Type: "InterimAvailable", DateTime: ts(b.AsOf)}
	if acc.Kind == banks.CreditCard && acc.CreditLimit.Minor > 0 {
		// What is available on a card includes its credit line.
		avail.CreditLine = []obCreditLine{{Included: true, Type: "Credit", Amount: amountOf(acc.CreditLimit)}}
	}
	s.ok(w, r, http.StatusOK, map[string]any{"Balance": []obBalance{booked, avail}}, false)
}

// obTransaction is an OBTransaction6.
type obTransaction struct {
	AccountID                      string            `json:"AccountId"`
	TransactionID                  string            `json:"TransactionId"`
	CreditDebitIndicator           string            `json:"CreditDebitIndicator"`
	Status                         string            `json:"Status"`
	BookingDateTime                string            `json:"BookingDateTime"`
	ValueDateTime                  string            `json:"ValueDateTime,omitempty"`
	TransactionInformation         string            `json:"TransactionInformation,omitempty"`
	Amount                         obAmount          `json:"Amount"`
	ProprietaryBankTransactionCode *obProprietary    `json:"ProprietaryBankTransactionCode,omitempty"`
	MerchantDetails                *obMerchant       `json:"MerchantDetails,omitempty"`
	SupplementaryData              map[string]string `json:"SupplementaryData,omitempty"`
}

type obProprietary struct {
	Code   string `json:"Code"`
	Issuer string `json:"Issuer,omitempty"`
}

type obMerchant struct {
	MerchantName         string `json:"MerchantName,omitempty"`
	MerchantCategoryCode string `json:"MerchantCategoryCode,omitempty"`
}

// categoryMCC is the ISO 18245 merchant category code of the sandbox's
// card spending categories, so that a connector that knows only MCCs
// still sees what a purchase was.
var categoryMCC = map[string]string{"groceries": "5411", "restaurants": "5812", "fuel": "5541", "shopping": "5311",
	"transport": "4111", "entertainment": "7832", "health": "5912", "subscriptions": "5968", "cash": "6011",
	"travel": "4511", "utilities": "4900"}

// bookingTime reads fromBookingDateTime and toBookingDateTime. The
// standard says the time zone is ignored and the time may be left out, so
// the wall-clock time is taken as the bank's own (UTC).
func bookingTime(s string) (time.Time, bool) {
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05.999999999", "2006-01-02T15:04", "2006-01-02"} {
		if t, err := time.Parse(layout, s); err == nil {
			return time.Date(t.Year(), t.Month(), t.Day(), t.Hour(), t.Minute(), t.Second(), 0, time.UTC), true
		}
	}
	return time.Time{}, false
}

func (s *Server) getTransactions(w http.ResponseWriter, r *http.Request) {
	a, e := s.account(r, "ReadTransactionsBasic", "ReadTransactionsDetail")
	if e != nil {
		s.writeError(w, r, e)
		return
	}
	ctx := r.Context()
	acc, e := s.ownAccount(ctx, a, r.PathValue("AccountId"))
	if e != nil {
		s.writeError(w, r, e)
		return
	}
	q := r.URL.Query()
	from, to := a.from, a.to
	pinned := q.Get("toBookingDateTime") == ""
	for _, p := range []struct {
		name string
		t    *time.Time
		max  bool
	}{{"fromBookingDateTime", &from, true}, {"toBookingDateTime", &to, false}} {
		v := q.Get(p.name)
		if v == "" {
			continue
		}
		t, ok := bookingTime(v)
		if !ok {
			s.writeError(w, r, badRequest(codeFieldInvalidDate, p.name, "%s is not a date-time", p.name))
			return
		}
		// The window is the consent's, narrowed by the request.
		if p.t.IsZero() || (p.max && t.After(*p.t)) || (!p.max && t.Before(*p.t)) {
			*p.t = t
		}
	}
	page := 1
	if v := q.Get("page"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			s.writeError(w, r, badRequest(codeFieldInvalid, "page", "page must be a positive number"))
			return
		}
		page = n
	}
	f := banks.TxFilter{AccountID: acc.ID, From: from, Statuses: []banks.TxStatus{banks.Booked, banks.Pending, banks.Declined}}
	if !to.IsZero() {
		f.To = to.Truncate(time.Second).Add(time.Second) // the standard's bound is inclusive
	}
	if !f.From.IsZero() && !f.To.IsZero() && f.To.Before(f.From) {
		f.To = f.From
	}
	txs, err := s.bank.Transactions(ctx, a.u, f)
	if err != nil {
		s.writeError(w, r, internal(err))
		return
	}
	if to.IsZero() {
		// Pin the end, so that every page of a listing counts the same
		// transactions (the links carry it on): now, or the newest
		// transaction if the bank dated one later today.
		to = s.now().UTC().Truncate(time.Second)
		if len(txs) > 0 && txs[0].Time.After(to) {
			to = txs[0].Time
		}
	}
	credits, debits := a.has("ReadTransactionsCredits"), a.has("ReadTransactionsDebits")
	detail := a.has("ReadTransactionsDetail")
	list := make([]obTransaction, 0, len(txs))
	for _, t := range txs {
		if (t.Amount.Minor < 0 && !debits) || (t.Amount.Minor >= 0 && !credits) {
			continue
		}
		list = append(list, obTx(t, detail))
	}
	size := s.opts.PageSize
	pages := max(1, (len(list)+size-1)/size)
	if page > pages {
		s.writeError(w, r, badRequest(codeFieldInvalid, "page", "there are %d pages", pages))
		return
	}
	pageOf := list[(page-1)*size : min(page*size, len(list))]
	link := func(p int) string {
		v := url.Values{}
		if s := q.Get("fromBookingDateTime"); s != "" {
			v.Set("fromBookingDateTime", s)
		}
		if pinned {
			v.Set("toBookingDateTime", ts(to))
		} else {
			v.Set("toBookingDateTime", q.Get("toBookingDateTime"))
		}
		v.Set("page", strconv.Itoa(p))
		return s.baseURL(r) + r.URL.Path + "?" + v.Encode()
	}
	l := links{Self: s.baseURL(r) + r.URL.RequestURI(), First: link(1), Last: link(pages)}
	if page > 1 {
		l.Prev = link(page - 1)
	}
	if page < pages {
		l.Next = link(page + 1)
	}
	s.writeJSON(w, r, http.StatusOK, envelope{Data: map[string]any{"Transaction": pageOf}, Links: l, Meta: meta{TotalPages: pages}}, false)
}

func obTx(t banks.Transaction, detail bool) obTransaction {
	o := obTransaction{AccountID: t.AccountID, TransactionID: t.ID, CreditDebitIndicator: indicator(t.Amount),
		BookingDateTime: ts(t.Time), ValueDateTime: ts(t.Time), Amount: amountOf(t.Amount)}
	switch t.Status {
	case banks.Pending:
		o.Status = "Pending"
	case banks.Declined:
		o.Status = "Rejected"
		o.SupplementaryData = map[string]string{"DeclineReason": t.DeclineReason}
	default:
		o.Status = "Booked"
	}
	if t.Category != "" {
		o.ProprietaryBankTransactionCode = &obProprietary{Code: clip(t.Category, 35), Issuer: "KontoSandbox"}
	}
	if detail {
		o.TransactionInformation = clip(t.Merchant, 500)
		if mcc := categoryMCC[t.Category]; mcc != "" || t.Merchant != "" {
			o.MerchantDetails = &obMerchant{MerchantName: clip(t.Merchant, 350), MerchantCategoryCode: mcc}
		}
	}
	return o
}

// payeeIdentification is the sort code and account number the sandbox
// gives a saved payee, which it otherwise knows only by the last four
// digits: the same for every run, ending in those four.
func payeeIdentification(customer string, p banks.Payee) string {
	h := sha256.Sum256([]byte("ukobapi-payee\x00" + customer + "\x00" + p.ID))
	n := binary.BigEndian.Uint64(h[:8])
	last4 := p.LastFour
	if len(last4) != 4 || !isDigits(last4) {
		last4 = fmt.Sprintf("%04d", (n>>40)%10000)
	}
	return fmt.Sprintf("20%04d%04d%s", n%10000, (n/10000)%10000, last4)
}

type obBeneficiary struct {
	AccountID       string        `json:"AccountId,omitempty"`
	BeneficiaryID   string        `json:"BeneficiaryId"`
	BeneficiaryType string        `json:"BeneficiaryType,omitempty"`
	CreditorAccount *obIdentifier `json:"CreditorAccount,omitempty"`
}

func (s *Server) getBeneficiaries(w http.ResponseWriter, r *http.Request) {
	a, e := s.account(r, "ReadBeneficiariesBasic", "ReadBeneficiariesDetail")
	if e != nil {
		s.writeError(w, r, e)
		return
	}
	ctx := r.Context()
	accountID := r.PathValue("AccountId")
	if accountID != "" {
		if _, e := s.ownAccount(ctx, a, accountID); e != nil {
			s.writeError(w, r, e)
			return
		}
	} else if main, err := s.mainAccount(ctx, a.u); err == nil {
		accountID = main.ID
	}
	payees, err := s.bank.Payees(ctx, a.u)
	if err != nil {
		s.writeError(w, r, internal(err))
		return
	}
	list := []obBeneficiary{}
	for _, p := range payees {
		b := obBeneficiary{AccountID: accountID, BeneficiaryID: p.ID, BeneficiaryType: "Trusted"}
		if a.has("ReadBeneficiariesDetail") {
			b.CreditorAccount = &obIdentifier{SchemeName: schemeSortCode, Identification: payeeIdentification(a.u.Customer, p), Name: clip(p.Name, 350)}
		}
		list = append(list, b)
	}
	s.ok(w, r, http.StatusOK, map[string]any{"Beneficiary": list}, false)
}

// mainAccount is the customer's first current account, where the bank
// keeps direct debits.
func (s *Server) mainAccount(ctx context.Context, u banks.User) (banks.Account, error) {
	accts, err := s.bank.Accounts(ctx, u)
	if err != nil {
		return banks.Account{}, err
	}
	for _, a := range accts {
		if a.Kind == banks.Checking {
			return a, nil
		}
	}
	return banks.Account{}, errors.New("no current account")
}

type obDirectDebit struct {
	AccountID             string    `json:"AccountId"`
	DirectDebitID         string    `json:"DirectDebitId"`
	MandateIdentification string    `json:"MandateIdentification"`
	DirectDebitStatusCode string    `json:"DirectDebitStatusCode"`
	Name                  string    `json:"Name"`
	PreviousPaymentAmount *obAmount `json:"PreviousPaymentAmount,omitempty"`
}

// getDirectDebits lists the customer's billers as the direct debits of
// their current account, with the latest bill as the previous payment.
func (s *Server) getDirectDebits(w http.ResponseWriter, r *http.Request) {
	a, e := s.account(r, "ReadDirectDebits")
	if e != nil {
		s.writeError(w, r, e)
		return
	}
	ctx := r.Context()
	acc, e := s.ownAccount(ctx, a, r.PathValue("AccountId"))
	if e != nil {
		s.writeError(w, r, e)
		return
	}
	list := []obDirectDebit{}
	if main, err := s.mainAccount(ctx, a.u); err == nil && main.ID == acc.ID {
		billers, err := s.bank.Billers(ctx, a.u)
		if err != nil {
			s.writeError(w, r, internal(err))
			return
		}
		bills, err := s.bank.Bills(ctx, a.u)
		if err != nil {
			s.writeError(w, r, internal(err))
			return
		}
		for _, b := range billers {
			dd := obDirectDebit{AccountID: acc.ID, DirectDebitID: b.ID, MandateIdentification: clip("KSBX-"+strings.ToUpper(b.ID), 35),
				DirectDebitStatusCode: "Active", Name: clip(b.Name, 70)}
			for _, bill := range bills {
				if bill.BillerID == b.ID {
					amt := amountOf(bill.Amount)
					dd.PreviousPaymentAmount = &amt
				}
			}
			list = append(list, dd)
		}
	}
	s.ok(w, r, http.StatusOK, map[string]any{"DirectDebit": list}, false)
}

// getStandingOrders: the sandbox keeps no standing orders (rent and
// savings are generated history), so the list is empty.
func (s *Server) getStandingOrders(w http.ResponseWriter, r *http.Request) {
	a, e := s.account(r, "ReadStandingOrdersBasic", "ReadStandingOrdersDetail")
	if e != nil {
		s.writeError(w, r, e)
		return
	}
	if _, e := s.ownAccount(r.Context(), a, r.PathValue("AccountId")); e != nil {
		s.writeError(w, r, e)
		return
	}
	s.ok(w, r, http.StatusOK, map[string]any{"StandingOrder": []any{}}, false)
}
