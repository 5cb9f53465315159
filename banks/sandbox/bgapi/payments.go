package bgapi

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"net/http"
	"regexp"
	"strings"
	"time"

	"github.com/kontoskill/konto/banks"
)

// products are the payment products served; both execute at once here.
var products = map[string]bool{"sepa-credit-transfers": true, "instant-sepa-credit-transfers": true}

// paymentBody is a JSON single payment (paymentInitiation_json), the
// fields the sandbox uses.
type paymentBody struct {
	InstructedAmount                  *amount     `json:"instructedAmount"`
	DebtorAccount                     *accountRef `json:"debtorAccount"`
	CreditorName                      string      `json:"creditorName"`
	CreditorAccount                   *accountRef `json:"creditorAccount"`
	RemittanceInformationUnstructured string      `json:"remittanceInformationUnstructured,omitempty"`
	EndToEndIdentification            string      `json:"endToEndIdentification,omitempty"`
	RequestedExecutionDate            string      `json:"requestedExecutionDate,omitempty"`
}

type payment struct {
	ID, RequestID, BodyHash, Product, Customer string
	FromAccount, ToAccount, PayeeID, BillerID  string
	Amount                                     banks.Money
	Day                                        string
	Body                                       paymentBody
	Status                                     string
	Funds                                      sql.NullBool
	Reason, Reference                          string
	Created                                    time.Time
}

// state is the payment's status now: one not authorised in time has been
// cancelled (CANC). The standard has no "expired" transaction status;
// RJCT stays for an explicit refusal, so that a TPP can tell the two apart.
func (s *Server) paymentState(p payment) string {
	if p.Status == "RCVD" && s.now().After(p.Created.Add(s.opts.SCATimeout)) {
		return "CANC"
	}
	return p.Status
}

var errNoPayment = errors.New("no such payment")

func (s *Server) loadPayment(ctx context.Context, q querier, where string, arg string) (payment, error) {
	var p payment
	var body string
	var created int64
	err := q.QueryRowContext(ctx, `SELECT id, request_id, body_hash, product, customer, from_account, to_account, payee_id, biller_id,
		amount, currency, day, body, status, funds, reason, reference, created_at FROM payments WHERE `+where+` = ?`, arg).Scan(
		&p.ID, &p.RequestID, &p.BodyHash, &p.Product, &p.Customer, &p.FromAccount, &p.ToAccount, &p.PayeeID, &p.BillerID,
		&p.Amount.Minor, &p.Amount.Currency, &p.Day, &body, &p.Status, &p.Funds, &p.Reason, &p.Reference, &created)
	if errors.Is(err, sql.ErrNoRows) {
		return p, errNoPayment
	}
	if err != nil {
		return p, err
	}
	p.Created = time.Unix(created, 0).UTC()
	return p, json.Unmarshal([]byte(body), &p.Body)
}

var (
	currencyRE = regexp.MustCompile(`^[A-Z]{3}$`)
	// Payment amounts are positive; NextGenPSD2 allows three decimals,
	// the currency may allow fewer (banks.ParseMoney checks).
	payAmountRE = regexp.MustCompile(`^[0-9]{1,14}(\.[0-9]{1,3})?$`)
)

func (s *Server) initiatePayment(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	product := r.PathValue("product")
	if !products[product] {
		s.fail(w, r, http.StatusNotFound, "PRODUCT_UNKNOWN", "the payment product is not offered")
		return
	}
	if !s.common(w, r) {
		return
	}
	if !psuPresent(r) {
		s.failPath(w, r, http.StatusBadRequest, "FORMAT_ERROR", "PSU-IP-Address", "PSU-IP-Address is required")
		return
	}
	tokenOf, ok := s.tokenCustomer(w, r)
	if !ok {
		return
	}
	okURI, nokURI, good := s.redirects(w, r)
	if !good {
		return
	}
	var body paymentBody
	if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
		s.fail(w, r, http.StatusBadRequest, "FORMAT_ERROR", "the body is not a JSON payment")
		return
	}
	switch {
	case body.InstructedAmount == nil:
		s.failPath(w, r, http.StatusBadRequest, "FORMAT_ERROR", "instructedAmount", "instructedAmount is required")
		return
	case body.DebtorAccount == nil || body.DebtorAccount.IBAN == "":
		s.failPath(w, r, http.StatusBadRequest, "FORMAT_ERROR", "debtorAccount", "debtorAccount.iban is required")
		return
	case body.CreditorAccount == nil || body.CreditorAccount.IBAN == "":
		s.failPath(w, r, http.StatusBadRequest, "FORMAT_ERROR", "creditorAccount", "creditorAccount.iban is required")
		return
	case strings.TrimSpace(body.CreditorName) == "":
		s.failPath(w, r, http.StatusBadRequest, "FORMAT_ERROR", "creditorName", "creditorName is required")
		return
	}
	cur, amt := body.InstructedAmount.Currency, body.InstructedAmount.Amount
	m, err := banks.ParseMoney(amt, cur)
	if !currencyRE.MatchString(cur) || !payAmountRE.MatchString(amt) || err != nil || m.Minor <= 0 {
		s.failPath(w, r, http.StatusBadRequest, "FORMAT_ERROR", "instructedAmount", "instructedAmount needs a currency code and a positive amount")
		return
	}
	canon, _ := json.Marshal(body)
	sum := sha256.Sum256(append([]byte(product+"\x00"), canon...))
	hash := hex.EncodeToString(sum[:])
	reqID, _ := requestID(r)

	// The same X-Request-ID returns the payment it started (the sandbox's
	// idempotency; real banks differ).
	if p, err := s.loadPayment(ctx, s.db, "request_id", reqID); err == nil {
		if p.BodyHash != hash {
			s.failPath(w, r, http.StatusBadRequest, "FORMAT_ERROR", "X-Request-ID", "X-Request-ID was used for another payment")
			return
		}
		s.writeCreated(w, r, p)
		return
	} else if !errors.Is(err, errNoPayment) {
		s.internal(w, r, err)
		return
	}

	u, fromID, err := s.bank.AccountHolder(ctx, body.DebtorAccount.IBAN)
	if err != nil {
		if banks.KindOf(err) == banks.NotFound {
			s.failPath(w, r, http.StatusBadRequest, "FORMAT_ERROR", "debtorAccount", "no such account here")
			return
		}
		s.internal(w, r, err)
		return
	}
	if tokenOf != "" && tokenOf != u.Customer {
		s.fail(w, r, http.StatusUnauthorized, "TOKEN_INVALID", "the access token is not the debtor's")
		return
	}
	accs, err := s.accountsOf(ctx, u)
	if err != nil {
		s.internal(w, r, err)
		return
	}
	p := payment{ID: newID(), RequestID: reqID, BodyHash: hash, Product: product, Customer: u.Customer, FromAccount: fromID,
		Amount: m, Body: body, Status: "RCVD", Created: s.now()}
	for _, x := range accs {
		if x.ID == fromID && x.Currency != m.Currency {
			s.failPath(w, r, http.StatusBadRequest, "FORMAT_ERROR", "instructedAmount.currency", "the debtor account is in "+x.Currency)
			return
		}
		if x.ID != fromID && x.iban != "" && strings.EqualFold(x.iban, body.CreditorAccount.IBAN) {
			p.ToAccount = x.ID
		}
	}
	if p.ToAccount == "" {
		recips, err := s.bank.RecipientAccounts(ctx, u)
		if err != nil {
			s.internal(w, r, err)
			return
		}
		for _, x := range recips {
			if strings.EqualFold(x.IBAN, body.CreditorAccount.IBAN) {
				if x.Biller {
					p.BillerID = x.ID
				} else {
					p.PayeeID = x.ID
				}
				break
			}
		}
	}
	if p.ToAccount == "" && p.PayeeID == "" && p.BillerID == "" {
		s.failPath(w, r, http.StatusBadRequest, "FORMAT_ERROR", "creditorAccount", "the creditor is not a saved payee or an own account")
		return
	}
	if d := body.RequestedExecutionDate; d != "" {
		day, err := time.Parse(time.DateOnly, d)
		if err != nil || d < s.today() {
			s.failPath(w, r, http.StatusBadRequest, "EXECUTION_DATE_INVALID", "requestedExecutionDate", "requestedExecutionDate is today or later")
			return
		}
		p.Day = day.Format(time.DateOnly)
	}
	approach := "REDIRECT"
	if r.Header.Get("TPP-Decoupled-Preferred") == "true" {
		approach = "DECOUPLED"
	}
	err = s.inTx(ctx, func(tx *sql.Tx) error {
		// A twin request may have won the race since the look-up above.
		if q, err := s.loadPayment(ctx, tx, "request_id", reqID); err == nil {
			p = q
			return nil
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO payments(id, request_id, body_hash, product, customer, from_account, to_account, payee_id,
			biller_id, amount, currency, day, body, status, created_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?, 'RCVD', ?)`,
			p.ID, p.RequestID, p.BodyHash, p.Product, p.Customer, p.FromAccount, p.ToAccount, p.PayeeID, p.BillerID,
			p.Amount.Minor, p.Amount.Currency, p.Day, string(canon), p.Created.Unix())
		if err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO authorisations(id, kind, resource_id, customer, approach, sca_status, redirect_uri, nok_redirect_uri, created_at)
			VALUES (?, 'payment', ?, ?, ?, 'received', ?, ?, ?)`, newID(), p.ID, p.Customer, approach, okURI, nokURI, p.Created.Unix())
		return err
	})
	if err != nil {
		s.internal(w, r, err)
		return
	}
	if p.BodyHash != hash {
		s.failPath(w, r, http.StatusBadRequest, "FORMAT_ERROR", "X-Request-ID", "X-Request-ID was used for another payment")
		return
	}
	s.writeCreated(w, r, p)
}

// writeCreated answers a payment initiation, a first or a repeated one,
// with the payment's current status.
func (s *Server) writeCreated(w http.ResponseWriter, r *http.Request, p payment) {
	ctx := r.Context()
	p, err := s.execute(ctx, p)
	if err != nil {
		s.internal(w, r, err)
		return
	}
	a, err := s.paymentAuth(ctx, p.ID)
	if err != nil {
		s.internal(w, r, err)
		return
	}
	self := "/v1/payments/" + p.Product + "/" + p.ID
	links := map[string]href{"self": {s.link(self)}, "status": {s.link(self + "/status")}, "scaStatus": {s.link(self + "/authorisations/" + a.ID)}}
	resp := map[string]any{"transactionStatus": s.paymentState(p), "paymentId": p.ID, "_links": links}
	if a.Approach == "REDIRECT" {
		links["scaRedirect"] = href{s.abs(r, "/sca/"+a.ID)}
	} else {
		resp["psuMessage"] = "Please confirm the payment in your banking app."
	}
	w.Header().Set("Location", s.abs(r, self))
	w.Header().Set("ASPSP-SCA-Approach", a.Approach)
	writeJSON(w, r, http.StatusCreated, resp)
}

func (s *Server) paymentAuth(ctx context.Context, paymentID string) (authorisation, error) {
	ids, err := s.authorisationIDs(ctx, paymentID)
	if err != nil {
		return authorisation{}, err
	}
	if len(ids) == 0 {
		return authorisation{}, errNoAuth
	}
	return s.loadAuth(ctx, s.db, ids[0])
}

// paymentFor loads the payment in the path. It answers and returns false
// when something is wrong.
func (s *Server) paymentFor(w http.ResponseWriter, r *http.Request) (payment, bool) {
	if !s.common(w, r) {
		return payment{}, false
	}
	tokenOf, ok := s.tokenCustomer(w, r)
	if !ok {
		return payment{}, false
	}
	p, err := s.loadPayment(r.Context(), s.db, "id", r.PathValue("paymentId"))
	if errors.Is(err, errNoPayment) || (err == nil && p.Product != r.PathValue("product")) {
		s.fail(w, r, http.StatusNotFound, "RESOURCE_UNKNOWN", "no such payment")
		return p, false
	}
	if err != nil {
		s.internal(w, r, err)
		return p, false
	}
	if tokenOf != "" && tokenOf != p.Customer {
		s.fail(w, r, http.StatusUnauthorized, "TOKEN_INVALID", "the access token is not the debtor's")
		return p, false
	}
	if p, err = s.execute(r.Context(), p); err != nil {
		s.internal(w, r, err)
		return p, false
	}
	return p, true
}

func (s *Server) getPayment(w http.ResponseWriter, r *http.Request) {
	p, ok := s.paymentFor(w, r)
	if !ok {
		return
	}
	writeJSON(w, r, http.StatusOK, struct {
		paymentBody
		TransactionStatus string `json:"transactionStatus"`
	}{p.Body, s.paymentState(p)})
}

func (s *Server) paymentStatus(w http.ResponseWriter, r *http.Request) {
	p, ok := s.paymentFor(w, r)
	if !ok {
		return
	}
	resp := map[string]any{"transactionStatus": s.paymentState(p)}
	if p.Funds.Valid {
		resp["fundsAvailable"] = p.Funds.Bool
	}
	writeJSON(w, r, http.StatusOK, resp)
}

func (s *Server) paymentAuthorisations(w http.ResponseWriter, r *http.Request) {
	p, ok := s.paymentFor(w, r)
	if !ok {
		return
	}
	ids, err := s.authorisationIDs(r.Context(), p.ID)
	if err != nil {
		s.internal(w, r, err)
		return
	}
	writeJSON(w, r, http.StatusOK, map[string]any{"authorisationIds": ids})
}

func (s *Server) paymentScaStatus(w http.ResponseWriter, r *http.Request) {
	p, ok := s.paymentFor(w, r)
	if !ok {
		return
	}
	s.writeScaStatus(w, r, p.ID)
}

// payKey is the sandbox idempotency key of a payment: whoever executes
// it, and however often, the money moves once.
func payKey(paymentID string) string { return "bgapi-payment:" + paymentID }

// execute carries out an authorised payment (ACTC) through the bank, and
// records the outcome: ACSC, ACCP for a future date, RJCT when the bank
// refuses. A bank that fails leaves it ACTC, to be tried again on the
// next look.
func (s *Server) execute(ctx context.Context, p payment) (payment, error) {
	if p.Status != "ACTC" {
		return p, nil
	}
	u, err := s.user(ctx, p.Customer)
	if err != nil {
		return p, err
	}
	req := banks.PaymentRequest{Key: payKey(p.ID), FromAccountID: p.FromAccount, ToAccountID: p.ToAccount, PayeeID: p.PayeeID,
		BillerID: p.BillerID, Amount: p.Amount}
	if p.Day != "" {
		req.Date, _ = time.Parse(time.DateOnly, p.Day)
	}
	res, err := s.bank.Pay(ctx, u, req)
	status, funds := "ACSC", sql.NullBool{}
	switch k := banks.KindOf(err); {
	case err == nil && res.Scheduled:
		status = "ACCP"
	case err == nil:
	case k == banks.Forbidden || k == banks.NotFound || k == banks.Invalid:
		status = "RJCT"
		p.Reason = banks.ReasonOf(err)
		if p.Reason == "" {
			p.Reason = k.String()
		}
		// fundsAvailable is told only when it is the reason.
		funds = sql.NullBool{Valid: p.Reason == "insufficient_funds"}
	default:
		return p, err
	}
	if _, err := s.db.ExecContext(ctx, `UPDATE payments SET status = ?, funds = ?, reason = ?, reference = ? WHERE id = ? AND status = 'ACTC'`,
		status, funds, p.Reason, res.Reference, p.ID); err != nil {
		return p, err
	}
	return s.loadPayment(ctx, s.db, "id", p.ID)
}
