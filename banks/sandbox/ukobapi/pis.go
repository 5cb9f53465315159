package ukobapi

import (
	"bytes"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/json"
	"errors"
	"net/http"
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/kontoskill/konto/banks"
)

// The PIS payloads of v3.1.11 (OBWriteDomesticConsent4, OBWriteDomestic2).
type obAccountRef struct {
	SchemeName              string `json:"SchemeName"`
	Identification          string `json:"Identification"`
	Name                    string `json:"Name,omitempty"`
	SecondaryIdentification string `json:"SecondaryIdentification,omitempty"`
}

type obPostalAddress struct {
	AddressType        string   `json:"AddressType,omitempty"`
	Department         string   `json:"Department,omitempty"`
	SubDepartment      string   `json:"SubDepartment,omitempty"`
	StreetName         string   `json:"StreetName,omitempty"`
	BuildingNumber     string   `json:"BuildingNumber,omitempty"`
	PostCode           string   `json:"PostCode,omitempty"`
	TownName           string   `json:"TownName,omitempty"`
	CountrySubDivision string   `json:"CountrySubDivision,omitempty"`
	Country            string   `json:"Country,omitempty"`
	AddressLine        []string `json:"AddressLine,omitempty"`
}

type obRemittance struct {
	Unstructured string `json:"Unstructured,omitempty"`
	Reference    string `json:"Reference,omitempty"`
}

type obInitiation struct {
	InstructionIdentification string           `json:"InstructionIdentification"`
	EndToEndIdentification    string           `json:"EndToEndIdentification"`
	LocalInstrument           string           `json:"LocalInstrument,omitempty"`
	InstructedAmount          obAmount         `json:"InstructedAmount"`
	DebtorAccount             *obAccountRef    `json:"DebtorAccount,omitempty"`
	CreditorAccount           obAccountRef     `json:"CreditorAccount"`
	CreditorPostalAddress     *obPostalAddress `json:"CreditorPostalAddress,omitempty"`
	RemittanceInformation     *obRemittance    `json:"RemittanceInformation,omitempty"`
	SupplementaryData         map[string]any   `json:"SupplementaryData,omitempty"`
}

type obAuthorisation struct {
	AuthorisationType  string `json:"AuthorisationType"`
	CompletionDateTime string `json:"CompletionDateTime,omitempty"`
}

type obSCASupport struct {
	RequestedSCAExemptionType     string `json:"RequestedSCAExemptionType,omitempty"`
	AppliedAuthenticationApproach string `json:"AppliedAuthenticationApproach,omitempty"`
	ReferencePaymentOrderID       string `json:"ReferencePaymentOrderId,omitempty"`
}

type obDeliveryAddress struct {
	AddressLine        []string `json:"AddressLine,omitempty"`
	StreetName         string   `json:"StreetName,omitempty"`
	BuildingNumber     string   `json:"BuildingNumber,omitempty"`
	PostCode           string   `json:"PostCode,omitempty"`
	TownName           string   `json:"TownName"`
	CountrySubDivision string   `json:"CountrySubDivision,omitempty"`
	Country            string   `json:"Country"`
}

type obRisk struct {
	PaymentContextCode               string             `json:"PaymentContextCode,omitempty"`
	MerchantCategoryCode             string             `json:"MerchantCategoryCode,omitempty"`
	MerchantCustomerIdentification   string             `json:"MerchantCustomerIdentification,omitempty"`
	ContractPresentIndicator         *bool              `json:"ContractPresentIndicator,omitempty"`
	BeneficiaryPrepopulatedIndicator *bool              `json:"BeneficiaryPrepopulatedIndicator,omitempty"`
	PaymentPurposeCode               string             `json:"PaymentPurposeCode,omitempty"`
	BeneficiaryAccountType           string             `json:"BeneficiaryAccountType,omitempty"`
	DeliveryAddress                  *obDeliveryAddress `json:"DeliveryAddress,omitempty"`
}

type paymentConsentData struct {
	ReadRefundAccount string           `json:"ReadRefundAccount,omitempty"`
	Initiation        obInitiation     `json:"Initiation"`
	Authorisation     *obAuthorisation `json:"Authorisation,omitempty"`
	SCASupportData    *obSCASupport    `json:"SCASupportData,omitempty"`
}

type paymentConsentRequest struct {
	Data paymentConsentData `json:"Data"`
	Risk obRisk             `json:"Risk"`
}

type paymentRequest struct {
	Data struct {
		ConsentID  string       `json:"ConsentId"`
		Initiation obInitiation `json:"Initiation"`
	} `json:"Data"`
	Risk obRisk `json:"Risk"`
}

func parsePaymentConsent(raw []byte) (paymentConsentRequest, error) {
	var req paymentConsentRequest
	err := json.Unmarshal(raw, &req)
	return req, err
}

var (
	amountPattern   = regexp.MustCompile(`^\d{1,13}$|^\d{1,13}\.\d{1,5}$`)
	currencyPattern = regexp.MustCompile(`^[A-Z]{3}$`)
)

// validKey checks an x-idempotency-key: at most 40 characters, not
// starting or ending with white space (the standard's ^(?!\s)(.*)(\S)$).
func validKey(k string) bool {
	if k == "" || utf8.RuneCountInString(k) > 40 {
		return false
	}
	first, _ := utf8.DecodeRuneInString(k)
	last, _ := utf8.DecodeLastRuneInString(k)
	return !unicode.IsSpace(first) && !unicode.IsSpace(last) && utf8.RuneCountInString(k) >= 2
}

func checkLen(v, path string, lo, hi int) *apiError {
	n := utf8.RuneCountInString(v)
	if n == 0 && lo > 0 {
		return badRequest(codeFieldMissing, path, "%s is required", path)
	}
	if n < lo || n > hi {
		return badRequest(codeFieldInvalid, path, "%s must have %d to %d characters", path, lo, hi)
	}
	return nil
}

// validInitiation checks what the schema and the bank require of a
// domestic payment's initiation.
func validInitiation(i obInitiation) *apiError {
	const p = "Data.Initiation."
	for _, c := range []*apiError{
		checkLen(i.InstructionIdentification, p+"InstructionIdentification", 1, 35),
		checkLen(i.EndToEndIdentification, p+"EndToEndIdentification", 1, 35),
		checkLen(i.CreditorAccount.SchemeName, p+"CreditorAccount.SchemeName", 1, 40),
		checkLen(i.CreditorAccount.Identification, p+"CreditorAccount.Identification", 1, 256),
		checkLen(i.CreditorAccount.Name, p+"CreditorAccount.Name", 1, 350),
	} {
		if c != nil {
			return c
		}
	}
	if !amountPattern.MatchString(i.InstructedAmount.Amount) {
		return badRequest(codeFieldInvalid, p+"InstructedAmount.Amount", "the amount must be a plain decimal")
	}
	if !currencyPattern.MatchString(i.InstructedAmount.Currency) {
		return badRequest(codeFieldInvalid, p+"InstructedAmount.Currency", "the currency must be an ISO 4217 code")
	}
	if i.DebtorAccount != nil {
		if c := checkLen(i.DebtorAccount.Identification, p+"DebtorAccount.Identification", 1, 256); c != nil {
			return c
		}
		if i.DebtorAccount.SchemeName != schemeSortCode {
			return badRequest(codeUnsupportedScheme, p+"DebtorAccount.SchemeName", "the bank pays from sort code and account number")
		}
	}
	if i.CreditorAccount.SchemeName != schemeSortCode {
		return badRequest(codeUnsupportedScheme, p+"CreditorAccount.SchemeName", "domestic payments go to a sort code and account number")
	}
	if id := i.CreditorAccount.Identification; len(id) != 14 || !isDigits(id) {
		return badRequest(codeUnsupportedIdentifier, p+"CreditorAccount.Identification", "a sort code and account number has 14 digits")
	}
	return nil
}

// amountMoney parses an instructed amount exactly; trailing zeros beyond
// the currency's decimals are allowed ("20.50000"), others are not.
func amountMoney(a obAmount) (banks.Money, bool) {
	v := a.Amount
	if whole, frac, ok := strings.Cut(v, "."); ok {
		d := banks.MinorDigits(a.Currency)
		for len(frac) > d && strings.HasSuffix(frac, "0") {
			frac = frac[:len(frac)-1]
		}
		v = whole
		if frac != "" {
			v += "." + frac
		}
	}
	m, err := banks.ParseMoney(v, a.Currency)
	return m, err == nil && m.Minor > 0
}

// plan is a domestic payment as the sandbox bank makes it.
type plan struct {
	from     banks.Account
	req      banks.PaymentRequest
	creditor string
}

// resolvePayment maps an initiation onto the customer's accounts and
// saved payees, and checks the bank would make it (before approval too,
// so that a payment the customer cannot make is refused up front).
func (s *Server) resolvePayment(ctx context.Context, u banks.User, i obInitiation) (plan, *apiError) {
	const p = "Data.Initiation."
	m, ok := amountMoney(i.InstructedAmount)
	if !ok {
		return plan{}, badRequest(codeFieldInvalid, p+"InstructedAmount.Amount", "the amount must be positive, in the currency's decimals")
	}
	cust, err := s.bank.FindCustomer(ctx, u.Customer)
	if err != nil {
		return plan{}, internal(err)
	}
	accts, err := s.bank.Accounts(ctx, u)
	if err != nil {
		return plan{}, internal(err)
	}
	sortCode := s.sortCode(ctx, u)
	byIdent := map[string]banks.Account{}
	for _, a := range accts {
		if n, err := s.bank.AccountNumber(ctx, u, a.ID); err == nil {
			byIdent[sortCode+n] = a
		}
	}
	var pl plan
	if i.DebtorAccount != nil {
		a, ok := byIdent[i.DebtorAccount.Identification]
		if !ok {
			return plan{}, badRequest(codeNotFound, p+"DebtorAccount", "the debtor account is not the customer's")
		}
		pl.from = a
	} else if pl.from, err = s.mainAccount(ctx, u); err != nil {
		return plan{}, badRequest(codeNotFound, p+"DebtorAccount", "the customer has no current account to pay from")
	}
	if pl.from.Currency != m.Currency {
		return plan{}, badRequest(codeUnsupportedCurrency, p+"InstructedAmount.Currency", "the account is in %s", pl.from.Currency)
	}
	if st, err := s.bank.Status(ctx, u, pl.from.ID); err == nil && st.Status != "open" {
		return plan{}, s.refusal("account_" + st.Status)
	}
	if pl.from.Kind != banks.Checking && pl.from.Kind != banks.Savings {
		return plan{}, s.refusal("not_allowed")
	}
	pl.req = banks.PaymentRequest{FromAccountID: pl.from.ID, Amount: m}
	ident := i.CreditorAccount.Identification
	if a, ok := byIdent[ident]; ok {
		if a.ID == pl.from.ID {
			return plan{}, badRequest(codeFieldInvalid, p+"CreditorAccount", "the creditor is the debtor account")
		}
		pl.req.ToAccountID, pl.creditor = a.ID, cust.Name
		return pl, nil
	}
	payees, err := s.bank.Payees(ctx, u)
	if err != nil {
		return plan{}, internal(err)
	}
	for _, py := range payees {
		if payeeIdentification(u.Customer, py) == ident {
			pl.req.PayeeID, pl.creditor = py.ID, py.Name
			return pl, nil
		}
	}
	// A payee the customer saved without the sandbox's number: by name
	// and the last four digits.
	for _, py := range payees {
		if strings.EqualFold(strings.TrimSpace(py.Name), strings.TrimSpace(i.CreditorAccount.Name)) && strings.HasSuffix(ident, py.LastFour) {
			pl.req.PayeeID, pl.creditor = py.ID, py.Name
			return pl, nil
		}
	}
	return plan{}, badRequest(codeNotFound, p+"CreditorAccount", "the creditor is neither one of the customer's accounts nor a saved beneficiary")
}

// refusal is the bank's answer to a payment it will not make, with an
// error code in its own namespace that says why.
func (s *Server) refusal(reason string) *apiError {
	words := map[string]string{"insufficient_funds": "InsufficientFunds", "account_frozen": "AccountFrozen",
		"account_closed": "AccountClosed"}
	code, ok := words[reason]
	if !ok {
		code = "NotAllowed"
	}
	return badRequest(s.opts.ErrorNamespace+".Rules."+code, "", "the bank refuses the payment: %s", reason)
}

// paymentAuth checks the headers every payment POST carries: the
// idempotency key and the client's detached signature of the body.
func (s *Server) paymentAuth(r *http.Request) (grant, *Client, []byte, *apiError) {
	g, e := s.bearer(r)
	if e != nil {
		return g, nil, nil, e
	}
	if !g.has("payments") {
		return g, nil, nil, forbidden(codeInvalidConsentStatus, "the token's scope does not include payments")
	}
	key := r.Header.Get("x-idempotency-key")
	if key == "" {
		return g, nil, nil, badRequest(codeHeaderMissing, "x-idempotency-key", "x-idempotency-key is required")
	}
	if !validKey(key) {
		return g, nil, nil, badRequest(codeHeaderInvalid, "x-idempotency-key", "x-idempotency-key has at most 40 characters and no white space at its ends")
	}
	var buf bytes.Buffer
	if _, err := buf.ReadFrom(r.Body); err != nil {
		return g, nil, nil, badRequest(codeInvalidFormat, "", "the body could not be read")
	}
	c := s.clients[g.ClientID]
	if c == nil {
		return g, nil, nil, errUnauthorized
	}
	if e := s.verifyDetached(r.Header.Get("x-jws-signature"), buf.Bytes(), c); e != nil {
		return g, nil, nil, e
	}
	r.Body = readCloser{bytes.NewReader(buf.Bytes())}
	return g, c, buf.Bytes(), nil
}

type readCloser struct{ *bytes.Reader }

func (readCloser) Close() error { return nil }

func requestHash(body []byte) ([]byte, error) {
	c, err := canonical(body)
	if err != nil {
		return nil, err
	}
	h := sha256.Sum256(c)
	return h[:], nil
}

func (s *Server) createPaymentConsent(w http.ResponseWriter, r *http.Request) {
	g, c, _, e := s.paymentAuth(r)
	if e != nil {
		s.writeError(w, r, e)
		return
	}
	var req paymentConsentRequest
	body, e := decodeStrict(r, &req)
	if e != nil {
		s.writeError(w, r, e)
		return
	}
	if e := validInitiation(req.Data.Initiation); e != nil {
		s.writeError(w, r, e)
		return
	}
	rh, err := requestHash(body)
	if err != nil {
		s.writeError(w, r, badRequest(codeInvalidFormat, "", "the body is not JSON"))
		return
	}
	ctx := r.Context()
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		s.writeError(w, r, internal(err))
		return
	}
	defer tx.Rollback()
	key := r.Header.Get("x-idempotency-key")
	id, e := s.idempotent(ctx, tx, c.ID, kindPayment+"-consent", key, rh)
	if e != nil {
		s.writeError(w, r, e)
		return
	}
	if id != "" {
		// The same request under the same key: the same consent, as it is now.
		cons, err := s.loadConsent(ctx, tx, id)
		if err == nil {
			err = tx.Commit()
		}
		if err != nil {
			s.writeError(w, r, internal(err))
			return
		}
		s.writePaymentConsent(w, r, http.StatusCreated, cons)
		return
	}
	now := s.now()
	cons := consent{ID: "pdc-" + newUUID(), Kind: kindPayment, ClientID: c.ID, Status: statusAwaiting,
		Created: now, Updated: now, Deadline: now.Add(s.opts.ApprovalWindow)}
	if req.Data.Authorisation != nil && req.Data.Authorisation.CompletionDateTime != "" {
		t, e := parseTime(req.Data.Authorisation.CompletionDateTime, "Data.Authorisation.CompletionDateTime")
		if e == nil && !t.After(now) {
			e = badRequest(codeFieldInvalidDate, "Data.Authorisation.CompletionDateTime", "CompletionDateTime is in the past")
		}
		if e != nil {
			s.writeError(w, r, e)
			return
		}
		if t.Before(cons.Deadline) {
			cons.Deadline = t
		}
	}
	if g.Customer != "" {
		// The customer's own token: the bank knows whose payment this is,
		// checks it now, and shows it in the customer's app to approve.
		u, err := s.user(ctx, g.Customer)
		if err != nil {
			s.writeError(w, r, internal(err))
			return
		}
		if _, e := s.resolvePayment(ctx, u, req.Data.Initiation); e != nil {
			s.writeError(w, r, e)
			return
		}
		cons.Customer, cons.Bound = g.Customer, true
	}
	stored, _ := json.Marshal(req)
	cons.Request = stored
	if err := s.insertConsent(ctx, tx, cons); err != nil {
		s.writeError(w, r, internal(err))
		return
	}
	if err := s.rememberKey(ctx, tx, c.ID, kindPayment+"-consent", key, cons.ID, rh); err != nil {
		s.writeError(w, r, internal(err))
		return
	}
	if err := tx.Commit(); err != nil {
		s.writeError(w, r, internal(err))
		return
	}
	s.writePaymentConsent(w, r, http.StatusCreated, cons)
}

func (s *Server) writePaymentConsent(w http.ResponseWriter, r *http.Request, status int, c consent) {
	req, err := parsePaymentConsent(c.Request)
	if err != nil {
		s.writeError(w, r, internal(err))
		return
	}
	data := struct {
		ConsentID            string `json:"ConsentId"`
		CreationDateTime     string `json:"CreationDateTime"`
		Status               string `json:"Status"`
		StatusUpdateDateTime string `json:"StatusUpdateDateTime"`
		paymentConsentData
	}{c.ID, ts(c.Created), c.Status, ts(c.Updated), req.Data}
	risk, _ := json.Marshal(req.Risk)
	s.writeJSON(w, r, status, envelope{Data: data, Risk: risk, Links: links{Self: s.baseURL(r) + PaymentsBase + "/domestic-payment-consents/" + c.ID},
		Meta: meta{TotalPages: 1}}, true)
}

func (s *Server) getPaymentConsent(w http.ResponseWriter, r *http.Request) {
	c, e := s.clientConsent(r, kindPayment)
	if e != nil {
		s.writeError(w, r, e)
		return
	}
	s.writePaymentConsent(w, r, http.StatusOK, c)
}

// customerMay reports whether a token may act on an approved payment
// consent: the token its approval issued, or, for a consent the customer
// created with their own token and approved in the app, any of the
// customer's payment tokens at that client.
func customerMay(g grant, c consent) bool {
	if g.ClientID != c.ClientID || !g.has("payments") {
		return false
	}
	return g.ConsentID == c.ID || (c.Bound && g.Customer != "" && g.Customer == c.Customer)
}

func (s *Server) getFundsConfirmation(w http.ResponseWriter, r *http.Request) {
	g, e := s.bearer(r)
	if e != nil {
		s.writeError(w, r, e)
		return
	}
	ctx := r.Context()
	c, err := s.loadConsent(ctx, s.db, r.PathValue("ConsentId"))
	if errors.Is(err, errNoConsent) || (err == nil && (c.ClientID != g.ClientID || c.Kind != kindPayment)) {
		s.writeError(w, r, badRequest(codeNotFound, "ConsentId", "no such consent"))
		return
	}
	if err != nil {
		s.writeError(w, r, internal(err))
		return
	}
	if !customerMay(g, c) {
		s.writeError(w, r, forbidden(codeConsentMismatch, "the token is not the customer's for this consent"))
		return
	}
	if c.Status != statusAuthorised {
		s.writeError(w, r, badRequest(codeInvalidConsentStatus, "ConsentId", "the consent is %s", c.Status))
		return
	}
	req, err := parsePaymentConsent(c.Request)
	if err != nil {
		s.writeError(w, r, internal(err))
		return
	}
	u, err := s.user(ctx, c.Customer)
	if err != nil {
		s.writeError(w, r, internal(err))
		return
	}
	pl, e := s.resolvePayment(ctx, u, req.Data.Initiation)
	if e != nil {
		s.writeError(w, r, e)
		return
	}
	b, err := s.bank.Balance(ctx, u, pl.from.ID)
	if err != nil {
		s.writeError(w, r, internal(err))
		return
	}
	s.ok(w, r, http.StatusOK, map[string]any{"FundsAvailableResult": map[string]any{
		"FundsAvailable": b.Available.Minor >= pl.req.Amount.Minor, "FundsAvailableDateTime": ts(s.now())}}, true)
}

// payment is a domestic payment the bank made.
type payment struct {
	ID, ConsentID, ClientID, Customer, Status string
	Created                                   int64
}

func (s *Server) loadPayment(ctx context.Context, q querier, id string) (payment, error) {
	var p payment
	err := q.QueryRowContext(ctx, `SELECT id, consent_id, client_id, customer_id, status, created_at FROM payments WHERE id = ?`, id).
		Scan(&p.ID, &p.ConsentID, &p.ClientID, &p.Customer, &p.Status, &p.Created)
	return p, err
}

func (s *Server) createPayment(w http.ResponseWriter, r *http.Request) {
	g, c, _, e := s.paymentAuth(r)
	if e != nil {
		s.writeError(w, r, e)
		return
	}
	var req paymentRequest
	body, e := decodeStrict(r, &req)
	if e != nil {
		s.writeError(w, r, e)
		return
	}
	rh, err := requestHash(body)
	if err != nil {
		s.writeError(w, r, badRequest(codeInvalidFormat, "", "the body is not JSON"))
		return
	}
	ctx := r.Context()
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		s.writeError(w, r, internal(err))
		return
	}
	defer tx.Rollback()
	key := r.Header.Get("x-idempotency-key")
	id, e := s.idempotent(ctx, tx, c.ID, kindPayment, key, rh)
	if e != nil {
		s.writeError(w, r, e)
		return
	}
	if id != "" {
		p, err := s.loadPayment(ctx, tx, id)
		if err == nil {
			err = tx.Commit()
		}
		if err != nil {
			s.writeError(w, r, internal(err))
			return
		}
		s.writePayment(w, r, http.StatusCreated, p)
		return
	}
	cons, err := s.loadConsent(ctx, tx, req.Data.ConsentID)
	if errors.Is(err, errNoConsent) || (err == nil && (cons.ClientID != c.ID || cons.Kind != kindPayment)) {
		s.writeError(w, r, badRequest(codeNotFound, "Data.ConsentId", "no such consent"))
		return
	}
	if err != nil {
		s.writeError(w, r, internal(err))
		return
	}
	if !customerMay(g, cons) {
		s.writeError(w, r, forbidden(codeConsentMismatch, "the token is not the customer's for this consent"))
		return
	}
	if cons.Status != statusAuthorised {
		s.writeError(w, r, badRequest(codeInvalidConsentStatus, "Data.ConsentId", "the consent is %s", cons.Status))
		return
	}
	consented, err := parsePaymentConsent(cons.Request)
	if err != nil {
		s.writeError(w, r, internal(err))
		return
	}
	a, _ := json.Marshal(consented.Data.Initiation)
	b, _ := json.Marshal(req.Data.Initiation)
	ra, _ := json.Marshal(consented.Risk)
	rb, _ := json.Marshal(req.Risk)
	if !bytes.Equal(a, b) || !bytes.Equal(ra, rb) {
		s.writeError(w, r, badRequest(codeConsentMismatch, "Data.Initiation", "the initiation or risk differs from the consent's"))
		return
	}
	u, err := s.user(ctx, cons.Customer)
	if err != nil {
		s.writeError(w, r, internal(err))
		return
	}
	pl, e := s.resolvePayment(ctx, u, consented.Data.Initiation)
	if e != nil {
		s.writeError(w, r, e)
		return
	}
	// The bank's own key is the consent's: however many keys the client
	// tries, the consent moves money once.
	pl.req.Key = "ukobapi:" + cons.ID
	res, err := s.bank.Pay(ctx, u, pl.req)
	if err != nil {
		s.writeError(w, r, s.payError(err))
		return
	}
	now := s.now()
	p := payment{ID: res.Reference, ConsentID: cons.ID, ClientID: c.ID, Customer: u.Customer, Status: "AcceptedSettlementCompleted", Created: unix(now)}
	if res.Scheduled {
		p.Status = "Pending"
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO payments(id, consent_id, client_id, customer_id, status, created_at) VALUES (?,?,?,?,?,?)`,
		p.ID, p.ConsentID, p.ClientID, p.Customer, p.Status, p.Created); err != nil {
		s.writeError(w, r, internal(err))
		return
	}
	if _, err := tx.ExecContext(ctx, `UPDATE consents SET status = ?, updated_at = ? WHERE id = ?`, statusConsumed, unix(now), cons.ID); err != nil {
		s.writeError(w, r, internal(err))
		return
	}
	if err := s.rememberKey(ctx, tx, c.ID, kindPayment, key, p.ID, rh); err != nil {
		s.writeError(w, r, internal(err))
		return
	}
	if err := tx.Commit(); err != nil {
		s.writeError(w, r, internal(err))
		return
	}
	s.writePayment(w, r, http.StatusCreated, p)
}

// payError turns the sandbox's refusal into the API's.
func (s *Server) payError(err error) *apiError {
	switch banks.KindOf(err) {
	case banks.Forbidden:
		return s.refusal(banks.ReasonOf(err))
	case banks.Invalid:
		return badRequest(codeFieldInvalid, "Data.Initiation", "%v", err)
	case banks.NotFound:
		return badRequest(codeNotFound, "Data.Initiation", "%v", err)
	}
	return internal(err)
}

func (s *Server) writePayment(w http.ResponseWriter, r *http.Request, status int, p payment) {
	cons, err := s.loadConsent(r.Context(), s.db, p.ConsentID)
	if err != nil {
		s.writeError(w, r, internal(err))
		return
	}
	req, err := parsePaymentConsent(cons.Request)
	if err != nil {
		s.writeError(w, r, internal(err))
		return
	}
	data := map[string]any{"DomesticPaymentId": p.ID, "ConsentId": p.ConsentID, "CreationDateTime": ts(fromUnix(p.Created)),
		"Status": p.Status, "StatusUpdateDateTime": ts(fromUnix(p.Created)), "Initiation": req.Data.Initiation,
		"ExpectedExecutionDateTime": ts(fromUnix(p.Created)), "ExpectedSettlementDateTime": ts(fromUnix(p.Created))}
	s.writeJSON(w, r, status, envelope{Data: data, Links: links{Self: s.baseURL(r) + PaymentsBase + "/domestic-payments/" + p.ID},
		Meta: meta{TotalPages: 1}}, true)
}

func (s *Server) getPayment(w http.ResponseWriter, r *http.Request) {
	g, e := s.bearer(r)
	if e != nil {
		s.writeError(w, r, e)
		return
	}
	p, err := s.loadPayment(r.Context(), s.db, r.PathValue("DomesticPaymentId"))
	if errors.Is(err, sql.ErrNoRows) || (err == nil && p.ClientID != g.ClientID) {
		s.writeError(w, r, badRequest(codeNotFound, "DomesticPaymentId", "no such payment"))
		return
	}
	if err != nil {
		s.writeError(w, r, internal(err))
		return
	}
	s.writePayment(w, r, http.StatusOK, p)
}
