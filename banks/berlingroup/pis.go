package berlingroup

import (
	"context"
	"crypto/sha1"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/kontoskill/konto/banks"
)

// product is the payment product Pay uses.
const product = "sepa-credit-transfers"

// LoggedPayment is what the connector keeps of a payment it started.
type LoggedPayment struct {
	PaymentID string
	Product   string
	// ScaStatus is the bank's _links.scaStatus of the payment, if it gave one.
	ScaStatus string
	// Date is the requested execution day; zero pays at once.
	Date time.Time
}

// PaymentLog remembers which payment an idempotency key started, so that
// a later Pay or Operation with the key asks the bank about that payment.
// Without an entry (a new process with the in-memory log), Pay posts the
// payment again under the same X-Request-ID, which the sandbox and many
// banks answer with the first payment, and Operation reports the key as
// not applied. A persistent log avoids both.
type PaymentLog interface {
	// Load finds a user's key. Errors: Unavailable.
	Load(ctx context.Context, u banks.User, key string) (LoggedPayment, bool, error)
	// Store records a user's key. Errors: Unavailable.
	Store(ctx context.Context, u banks.User, key string, p LoggedPayment) error
}

type memoryLog struct {
	mu sync.Mutex
	m  map[string]LoggedPayment
}

func logKey(u banks.User, key string) string { return u.Bank + "\x00" + u.Customer + "\x00" + key }

func (l *memoryLog) Load(_ context.Context, u banks.User, key string) (LoggedPayment, bool, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	p, ok := l.m[logKey(u, key)]
	return p, ok, nil
}

func (l *memoryLog) Store(_ context.Context, u banks.User, key string, p LoggedPayment) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.m[logKey(u, key)] = p
	return nil
}

// requestNamespace is the UUID namespace of payment X-Request-IDs.
var requestNamespace = [16]byte{0x6b, 0x6f, 0x6e, 0x74, 0x6f, 0x2d, 0x4b, 0x67, 0x80, 0x78, 0x73, 0x32, 0x61, 0x2d, 0x70, 0x69}

// PaymentRequestID is the X-Request-ID of a user's payment under an
// idempotency key: a version 5 UUID of the bank, customer and key, so
// that every retry and every later Pay with the key sends the same one.
func PaymentRequestID(u banks.User, key string) string {
	h := sha1.New()
	h.Write(requestNamespace[:])
	h.Write([]byte(u.Bank + "\x00" + u.Customer + "\x00" + key))
	return formatUUID(h.Sum(nil)[:16], 5)
}

type paymentBody struct {
	InstructedAmount                  amount     `json:"instructedAmount"`
	DebtorAccount                     accountRef `json:"debtorAccount"`
	CreditorName                      string     `json:"creditorName"`
	CreditorAccount                   accountRef `json:"creditorAccount"`
	RemittanceInformationUnstructured string     `json:"remittanceInformationUnstructured,omitempty"`
	RequestedExecutionDate            string     `json:"requestedExecutionDate,omitempty"`
}

type initiation struct {
	TransactionStatus string              `json:"transactionStatus"`
	PaymentID         string              `json:"paymentId"`
	Links             map[string]hrefLink `json:"_links"`
}

type statusBody struct {
	TransactionStatus string `json:"transactionStatus"`
	FundsAvailable    *bool  `json:"fundsAvailable"`
}

func day(t time.Time) time.Time {
	t = t.UTC()
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
}

func truncate(s string, n int) string {
	if r := []rune(s); len(r) > n {
		return string(r[:n])
	}
	return s
}

// Pay implements banks.Payments with a SEPA credit transfer. The first
// call posts it with TPP-Decoupled-Preferred: true and an X-Request-ID
// derived from the key (PaymentRequestID), and reports AwaitingApproval
// while the customer has not approved it in the bank's app (after
// watching for Options.ApprovalWait). Later calls with the key ask the
// bank what became of it: ACSC, ACCP and the other accepted statuses are
// done, with the paymentId as reference; RJCT is refused, sca_rejected
// (or insufficient_funds when the bank says fundsAvailable: false, or
// not_allowed when it refused after the customer approved); CANC, which
// banks and the sandbox set on a payment left unapproved, is
// sca_expired. Errors: Invalid, NotFound, Forbidden with reason
// account_frozen, account_closed, same_account, date_in_past,
// insufficient_funds, not_allowed, sca_rejected or sca_expired,
// NotLinked, ConsentExpired, Unavailable.
func (c *Client) Pay(ctx context.Context, u banks.User, p banks.PaymentRequest) (banks.PaymentResult, error) {
	const op = "berlingroup.Pay"
	targets := 0
	for _, s := range []string{p.ToAccountID, p.PayeeID, p.BillerID} {
		if s != "" {
			targets++
		}
	}
	switch {
	case p.Key == "":
		return banks.PaymentResult{}, banks.Errorf(op, banks.Invalid, "an idempotency key is required")
	case p.Amount.Minor <= 0 || !currencyRE.MatchString(p.Amount.Currency) || targets != 1:
		return banks.PaymentResult{}, banks.Errorf(op, banks.Invalid, "bad payment")
	}
	l, err := c.link(ctx, op, u)
	if err != nil {
		return banks.PaymentResult{}, err
	}
	lp, ok, err := c.log.Load(ctx, u, p.Key)
	if err != nil {
		return banks.PaymentResult{}, banks.E(op, banks.Unavailable, err)
	}
	if ok {
		return c.watch(ctx, op, &l, lp, "")
	}
	body, date, err := c.paymentBody(ctx, op, u, p)
	if err != nil {
		return banks.PaymentResult{}, err
	}
	ip := psuIP(ctx)
	if ip == "" {
		ip = c.opts.PSUIPAddress
	}
	if ip == "" {
		return banks.PaymentResult{}, banks.Errorf(op, banks.Invalid, "no PSU IP address for the payment (WithPSU or Options.PSUIPAddress)")
	}
	h := map[string]string{"TPP-Decoupled-Preferred": "true"}
	if c.opts.RedirectURI != "" {
		h["TPP-Redirect-URI"] = c.opts.RedirectURI
	}
	var init initiation
	_, err = c.do(ctx, op, call{method: http.MethodPost, target: "/v1/payments/" + product, body: body, link: &l,
		requestID: PaymentRequestID(u, p.Key), psuIP: ip, header: h, retry: true}, &init)
	if err != nil {
		return banks.PaymentResult{}, err
	}
	if init.PaymentID == "" || strings.ContainsAny(init.PaymentID, "/?#") {
		return banks.PaymentResult{}, banks.Errorf(op, banks.Unavailable, "the bank returned no usable paymentId")
	}
	lp = LoggedPayment{PaymentID: init.PaymentID, Product: product, ScaStatus: init.Links["scaStatus"].Href, Date: date}
	if err := c.log.Store(ctx, u, p.Key, lp); err != nil {
		return banks.PaymentResult{}, banks.E(op, banks.Unavailable, err)
	}
	return c.watch(ctx, op, &l, lp, init.TransactionStatus)
}

// paymentBody builds the transfer: the debtor and creditor IBANs from the
// account list and the configured payees and billers.
func (c *Client) paymentBody(ctx context.Context, op string, u banks.User, p banks.PaymentRequest) (paymentBody, time.Time, error) {
	var body paymentBody
	accs, err := c.accounts(ctx, op, u, true)
	if err != nil {
		return body, time.Time{}, err
	}
	find := func(id string) (account, bool) {
		for _, a := range accs {
			if a.ID == id {
				return a, true
			}
		}
		return account{}, false
	}
	from, ok := find(p.FromAccountID)
	if !ok {
		return body, time.Time{}, banks.Errorf(op, banks.NotFound, "no account %q", p.FromAccountID)
	}
	switch from.status {
	case "blocked":
		return body, time.Time{}, banks.Refuse(op, "account_frozen")
	case "deleted":
		return body, time.Time{}, banks.Refuse(op, "account_closed")
	}
	if from.Currency != p.Amount.Currency {
		return body, time.Time{}, banks.Errorf(op, banks.Invalid, "currency %s on a %s account", p.Amount.Currency, from.Currency)
	}
	if from.iban == "" {
		return body, time.Time{}, banks.Errorf(op, banks.Invalid, "the account has no IBAN to pay from")
	}
	var name, iban string
	switch {
	case p.ToAccountID != "":
		to, ok := find(p.ToAccountID)
		if !ok {
			return body, time.Time{}, banks.Errorf(op, banks.NotFound, "no account %q", p.ToAccountID)
		}
		if to.ID == from.ID {
			return body, time.Time{}, banks.Refuse(op, "same_account")
		}
		name, iban = to.Name, to.iban
	case p.PayeeID != "":
		ps, err := c.payees(ctx, op, u)
		if err != nil {
			return body, time.Time{}, err
		}
		for _, x := range ps {
			if x.ID == p.PayeeID {
				name, iban = x.Name, x.IBAN
			}
		}
	default:
		bs, err := c.billers(ctx, op, u)
		if err != nil {
			return body, time.Time{}, err
		}
		for _, x := range bs {
			if x.ID == p.BillerID {
				name, iban = x.Name, x.IBAN
			}
		}
	}
	if iban == "" {
		return body, time.Time{}, banks.Errorf(op, banks.NotFound, "no such recipient with an IBAN")
	}
	body = paymentBody{InstructedAmount: amount{Currency: p.Amount.Currency, Amount: p.Amount.Decimal()},
		DebtorAccount: accountRef{IBAN: from.iban}, CreditorName: truncate(name, 70), CreditorAccount: accountRef{IBAN: iban}}
	var date time.Time
	today := day(c.now())
	if !p.Date.IsZero() {
		switch d := day(p.Date); {
		case d.Before(today):
			return body, time.Time{}, banks.Refuse(op, "date_in_past")
		case d.After(today):
			date = d
			body.RequestedExecutionDate = d.Format(time.DateOnly)
		}
	}
	return body, date, nil
}

// watch turns a payment's status into Pay's result, asking the bank for
// the status when none is given, and keeps asking while the customer has
// not decided, for up to Options.ApprovalWait.
func (c *Client) watch(ctx context.Context, op string, l *link, lp LoggedPayment, status string) (banks.PaymentResult, error) {
	until := c.now().Add(c.opts.ApprovalWait)
	if dl, ok := ctx.Deadline(); ok && dl.Add(-time.Second).Before(until) {
		until = dl.Add(-time.Second)
	}
	var funds *bool
	for {
		if status == "" {
			st, err := c.status(ctx, op, l, lp)
			if err != nil {
				return banks.PaymentResult{}, err
			}
			status, funds = st.TransactionStatus, st.FundsAvailable
		}
		res, awaiting, err := c.outcome(ctx, op, l, lp, status, funds)
		if err != nil || !awaiting || !c.now().Add(c.opts.ApprovalPoll).Before(until) {
			return res, err
		}
		t := time.NewTimer(c.opts.ApprovalPoll)
		select {
		case <-ctx.Done():
			t.Stop()
			return res, nil
		case <-t.C:
		}
		status = ""
	}
}

func (c *Client) status(ctx context.Context, op string, l *link, lp LoggedPayment) (statusBody, error) {
	var st statusBody
	target := "/v1/payments/" + lp.Product + "/" + url.PathEscape(lp.PaymentID) + "/status"
	_, err := c.do(ctx, op, call{method: http.MethodGet, target: target, link: l, psuIP: psuIP(ctx), retry: true}, &st)
	return st, err
}

// scaStatus asks how the customer's authorisation of a payment stands.
func (c *Client) scaStatus(ctx context.Context, op string, l *link, lp LoggedPayment) (string, error) {
	var body struct {
		ScaStatus string `json:"scaStatus"`
	}
	target, fromBank := lp.ScaStatus, true
	if target == "" {
		var list struct {
			AuthorisationIDs []string `json:"authorisationIds"`
		}
		base := "/v1/payments/" + lp.Product + "/" + url.PathEscape(lp.PaymentID) + "/authorisations"
		if _, err := c.do(ctx, op, call{method: http.MethodGet, target: base, link: l, retry: true}, &list); err != nil {
			return "", err
		}
		if len(list.AuthorisationIDs) == 0 {
			return "", nil
		}
		target, fromBank = base+"/"+url.PathEscape(list.AuthorisationIDs[len(list.AuthorisationIDs)-1]), false
	}
	_, err := c.do(ctx, op, call{method: http.MethodGet, target: target, fromBank: fromBank, link: l, retry: true}, &body)
	return body.ScaStatus, err
}

// outcome maps an ISO 20022 transaction status; awaiting reports that
// the customer has not decided yet.
func (c *Client) outcome(ctx context.Context, op string, l *link, lp LoggedPayment, status string, funds *bool) (banks.PaymentResult, bool, error) {
	done := banks.PaymentResult{Reference: lp.PaymentID, Date: day(c.now())}
	if !lp.Date.IsZero() {
		done.Date, done.Scheduled = lp.Date, lp.Date.After(day(c.now()))
	}
	switch status {
	case "ACSC", "ACCC", "ACSP", "ACWC", "ACWP", "ACCP", "ACFC", "PART":
		return done, false, nil
	case "RCVD", "PDNG", "PATC":
		return banks.PaymentResult{AwaitingApproval: true}, true, nil
	case "ACTC", "RJCT":
		// ACTC comes before and after the customer's approval; RJCT
		// after a refusal or after the bank turned down an approved one.
		if status == "RJCT" && funds != nil && !*funds {
			return banks.PaymentResult{}, false, banks.Refuse(op, "insufficient_funds")
		}
		sca, err := c.scaStatus(ctx, op, l, lp)
		if err != nil {
			return banks.PaymentResult{}, false, err
		}
		approved := sca == "finalised" || sca == "exempted"
		switch {
		case status == "ACTC" && approved:
			return done, false, nil
		case status == "ACTC" && sca == "failed":
			return banks.PaymentResult{}, false, banks.Refuse(op, "sca_rejected")
		case status == "ACTC":
			return banks.PaymentResult{AwaitingApproval: true}, true, nil
		case approved:
			return banks.PaymentResult{}, false, banks.Refuse(op, "not_allowed")
		}
		return banks.PaymentResult{}, false, banks.Refuse(op, "sca_rejected")
	case "CANC":
		return banks.PaymentResult{}, false, banks.Refuse(op, "sca_expired")
	}
	return banks.PaymentResult{}, false, banks.Errorf(op, banks.Unavailable, "unknown transaction status %q", status)
}

// Operation implements banks.Operations from the payment log: a key is
// applied once its payment is accepted. Errors: NotLinked, Unavailable.
func (c *Client) Operation(ctx context.Context, u banks.User, key string) (banks.Operation, error) {
	const op = "berlingroup.Operation"
	lp, ok, err := c.log.Load(ctx, u, key)
	if err != nil {
		return banks.Operation{}, banks.E(op, banks.Unavailable, err)
	}
	if !ok {
		return banks.Operation{}, nil
	}
	l, err := c.link(ctx, op, u)
	if err != nil {
		return banks.Operation{}, err
	}
	st, err := c.status(ctx, op, &l, lp)
	if err != nil {
		return banks.Operation{}, err
	}
	res, awaiting, err := c.outcome(ctx, op, &l, lp, st.TransactionStatus, st.FundsAvailable)
	if err != nil && banks.KindOf(err) != banks.Forbidden {
		return banks.Operation{}, err
	}
	if err != nil || awaiting {
		return banks.Operation{}, nil
	}
	return banks.Operation{Applied: true, Scheduled: res.Scheduled, Reference: res.Reference}, nil
}
