package ukob

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"sync"
	"time"

	"golang.org/x/oauth2"

	"github.com/kontoskill/konto/banks"
)

// The PIS payloads the connector sends (OBWriteDomesticConsent4 and
// OBWriteDomestic2), with their fields in a fixed order: the same payment
// request always makes the same bytes, as idempotency needs.
type obInitiation struct {
	InstructionIdentification string       `json:"InstructionIdentification"`
	EndToEndIdentification    string       `json:"EndToEndIdentification"`
	InstructedAmount          obAmount     `json:"InstructedAmount"`
	DebtorAccount             obIdentifier `json:"DebtorAccount"`
	CreditorAccount           obIdentifier `json:"CreditorAccount"`
}

type obRisk struct {
	PaymentContextCode string `json:"PaymentContextCode,omitempty"`
}

type consentRequest struct {
	Data struct {
		Initiation json.RawMessage `json:"Initiation"`
	} `json:"Data"`
	Risk json.RawMessage `json:"Risk"`
}

type paymentRequest struct {
	Data struct {
		ConsentID  string          `json:"ConsentId"`
		Initiation json.RawMessage `json:"Initiation"`
	} `json:"Data"`
	Risk json.RawMessage `json:"Risk"`
}

type consentResponse struct {
	Data struct {
		ConsentID            string `json:"ConsentId"`
		Status               string `json:"Status"`
		CreationDateTime     string `json:"CreationDateTime"`
		StatusUpdateDateTime string `json:"StatusUpdateDateTime"`
		Authorisation        *struct {
			CompletionDateTime string `json:"CompletionDateTime"`
		} `json:"Authorisation"`
	} `json:"Data"`
}

type paymentResponse struct {
	Data struct {
		DomesticPaymentID string `json:"DomesticPaymentId"`
		ConsentID         string `json:"ConsentId"`
		Status            string `json:"Status"`
		CreationDateTime  string `json:"CreationDateTime"`
	} `json:"Data"`
}

// Journal remembers, per customer and idempotency key, the payment
// consent the connector made, so that Operation can tell what became of a
// key: the standard has no lookup by idempotency key. Keep it as long as
// the core may ask (a day is plenty).
type Journal interface {
	Remember(ctx context.Context, customer, key string, e JournalEntry) error
	Recall(ctx context.Context, customer, key string) (JournalEntry, bool, error)
}

// JournalEntry is what a key made.
type JournalEntry struct {
	ConsentID string
	PaymentID string // once paid
	// AuthReqID is the CIBA backchannel request that asks the customer
	// to approve the consent (Options.CIBA).
	AuthReqID string
	// Initiation and Risk are the consent's as sent, to ask for the
	// payment again under its key.
	Initiation json.RawMessage
	Risk       json.RawMessage
	Created    time.Time
}

// NewMemoryJournal keeps entries in memory for 24 hours (the life of an
// idempotency key in the standard).
func NewMemoryJournal(now func() time.Time) Journal {
	if now == nil {
		now = time.Now
	}
	return &memoryJournal{now: now, m: map[[2]string]JournalEntry{}}
}

type memoryJournal struct {
	mu  sync.Mutex
	now func() time.Time
	m   map[[2]string]JournalEntry
}

func (j *memoryJournal) Remember(_ context.Context, customer, key string, e JournalEntry) error {
	j.mu.Lock()
	defer j.mu.Unlock()
	for k, v := range j.m {
		if j.now().Sub(v.Created) > 24*time.Hour {
			delete(j.m, k)
		}
	}
	if e.Created.IsZero() {
		e.Created = j.now()
	}
	j.m[[2]string{customer, key}] = e
	return nil
}

func (j *memoryJournal) Recall(_ context.Context, customer, key string) (JournalEntry, bool, error) {
	j.mu.Lock()
	defer j.mu.Unlock()
	e, ok := j.m[[2]string{customer, key}]
	return e, ok && j.now().Sub(e.Created) <= 24*time.Hour, nil
}

// keys derives the bank-side identifiers of a payment from the core's
// idempotency key: x-idempotency-key values of at most 40 characters for
// the consent and the payment, and the instruction's identifications.
type keys struct{ consent, payment, instruction, endToEnd string }

func derive(customer, key string) keys {
	h := sha256.Sum256([]byte("ukob-payment\x00" + customer + "\x00" + key))
	x := hex.EncodeToString(h[:])
	return keys{consent: "konto-c-" + x[:32], payment: "konto-p-" + x[:32], instruction: "KONTO-" + x[:29], endToEnd: "KONTO-" + x[29:58]}
}

func day(t time.Time) time.Time {
	t = t.UTC()
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
}

// Pay implements banks.Payments with a domestic payment the customer
// approves in the bank's app. The first call creates the payment consent
// (x-idempotency-key derived from p.Key) and reports AwaitingApproval;
// later calls with the same key and request send the same consent again,
// which the standard's idempotency answers with the same consent, and
// act on its status: once approved, the connector checks the funds and
// makes the payment (under a key derived from p.Key too, so that it is
// made once). Errors: Invalid, NotFound, NotSupported (a later date),
// Forbidden with reason insufficient_funds, account_frozen,
// account_closed, not_allowed, date_in_past, sca_rejected or sca_expired,
// NotLinked, ConsentExpired, Unavailable.
func (c *Client) Pay(ctx context.Context, u banks.User, p banks.PaymentRequest) (banks.PaymentResult, error) {
	const op = "ukob.Pay"
	targets := 0
	for _, s := range []string{p.ToAccountID, p.PayeeID, p.BillerID} {
		if s != "" {
			targets++
		}
	}
	switch {
	case p.Key == "":
		return banks.PaymentResult{}, banks.Errorf(op, banks.Invalid, "an idempotency key is required")
	case targets != 1 || p.Amount.Minor <= 0 || !currencyRe.MatchString(p.Amount.Currency) || p.FromAccountID == "":
		return banks.PaymentResult{}, banks.Errorf(op, banks.Invalid, "bad payment")
	case p.BillerID != "":
		return banks.PaymentResult{}, banks.Errorf(op, banks.NotFound, "the bank keeps no billers")
	case c.payments == nil:
		return banks.PaymentResult{}, banks.Errorf(op, banks.NotSupported, "no payments API configured")
	}
	if !p.Date.IsZero() {
		switch today := day(c.o.Now()); {
		case day(p.Date).Before(today):
			return banks.PaymentResult{}, banks.Refuse(op, "date_in_past")
		case day(p.Date).After(today):
			return banks.PaymentResult{}, banks.Errorf(op, banks.NotSupported, "scheduled payments are not implemented")
		}
	}
	ts, err := c.user(ctx, op, u)
	if err != nil {
		return banks.PaymentResult{}, err
	}
	from, err := c.getAccount(ctx, op, ts, p.FromAccountID)
	if err != nil {
		return banks.PaymentResult{}, err
	}
	if from.Currency != p.Amount.Currency {
		return banks.PaymentResult{}, banks.Errorf(op, banks.Invalid, "a %s payment from a %s account", p.Amount.Currency, from.Currency)
	}
	debtor, ok := from.identification()
	if !ok {
		return banks.PaymentResult{}, banks.Refuse(op, "not_allowed")
	}
	var creditor obIdentifier
	risk := obRisk{PaymentContextCode: "TransferToThirdParty"}
	if p.ToAccountID != "" {
		to, err := c.getAccount(ctx, op, ts, p.ToAccountID)
		if err != nil {
			return banks.PaymentResult{}, err
		}
		if creditor, ok = to.identification(); !ok {
			return banks.PaymentResult{}, banks.Refuse(op, "not_allowed")
		}
		if creditor.Name == "" {
			creditor.Name = to.Nickname
		}
		risk.PaymentContextCode = "TransferToSelf"
	} else {
		list, err := c.beneficiaries(ctx, op, ts)
		if err != nil {
			return banks.PaymentResult{}, err
		}
		for _, b := range list {
			if b.BeneficiaryID == p.PayeeID && b.CreditorAccount != nil {
				creditor = *b.CreditorAccount
			}
		}
		if creditor.Identification == "" {
			return banks.PaymentResult{}, banks.Errorf(op, banks.NotFound, "no payee %q", p.PayeeID)
		}
		if creditor.SchemeName != "UK.OBIE.SortCodeAccountNumber" {
			return banks.PaymentResult{}, banks.Refuse(op, "not_allowed")
		}
	}
	if creditor.Name == "" {
		creditor.Name = "Account holder"
	}
	k := derive(u.Customer, p.Key)
	init, _ := json.Marshal(obInitiation{InstructionIdentification: k.instruction, EndToEndIdentification: k.endToEnd,
		InstructedAmount: obAmount{Amount: p.Amount.Decimal(), Currency: p.Amount.Currency},
		DebtorAccount:    obIdentifier{SchemeName: debtor.SchemeName, Identification: debtor.Identification, Name: debtor.Name},
		CreditorAccount:  obIdentifier{SchemeName: creditor.SchemeName, Identification: creditor.Identification, Name: creditor.Name}})
	riskJSON, _ := json.Marshal(risk)
	entry := JournalEntry{Initiation: init, Risk: riskJSON}
	if c.o.CIBA {
		return c.payCIBA(ctx, op, u, p.Key, k, entry)
	}
	return c.pay(ctx, op, u, p.Key, k, ts, entry)
}

// pay creates (or finds again) the consent and acts on its status.
func (c *Client) pay(ctx context.Context, op string, u banks.User, key string, k keys, ts oauth2.TokenSource, entry JournalEntry) (banks.PaymentResult, error) {
	var cr consentRequest
	cr.Data.Initiation, cr.Risk = entry.Initiation, entry.Risk
	body, _ := json.Marshal(cr)
	var cons consentResponse
	if err := c.do(ctx, request{op: op, method: http.MethodPost, url: endpoint(c.payments, "domestic-payment-consents"), body: body,
		tokens: ts, key: k.consent, sign: true, verify: true}, &cons); err != nil {
		return banks.PaymentResult{}, err
	}
	entry.ConsentID = cons.Data.ConsentID
	if entry.ConsentID == "" {
		return banks.PaymentResult{}, banks.Errorf(op, banks.Unavailable, "the bank's consent has no ConsentId")
	}
	if prev, ok, _ := c.journal.Recall(ctx, u.Customer, key); ok && prev.ConsentID == entry.ConsentID {
		entry.PaymentID, entry.Created = prev.PaymentID, prev.Created
	}
	c.journal.Remember(ctx, u.Customer, key, entry)
	switch v3(cons.Data.Status, consentStatuses) {
	case "AwaitingAuthorisation":
		return banks.PaymentResult{AwaitingApproval: true}, nil
	case "Rejected", "Revoked":
		if c.expired(cons) {
			return banks.PaymentResult{}, banks.Refuse(op, "sca_expired")
		}
		return banks.PaymentResult{}, banks.Refuse(op, "sca_rejected")
	case "Expired":
		return banks.PaymentResult{}, banks.Refuse(op, "sca_expired")
	case "Authorised":
		var funds struct {
			Data struct {
				FundsAvailableResult *struct{ FundsAvailable bool }
			}
		}
		err := c.do(ctx, request{op: op, method: http.MethodGet, url: endpoint(c.payments, "domestic-payment-consents", entry.ConsentID,
			"funds-confirmation"), tokens: ts, verify: true}, &funds)
		switch {
		case err == nil && funds.Data.FundsAvailableResult != nil && !funds.Data.FundsAvailableResult.FundsAvailable:
			return banks.PaymentResult{}, banks.Refuse(op, "insufficient_funds")
		case err != nil && banks.KindOf(err) != banks.NotFound && banks.KindOf(err) != banks.Other:
			// A bank without funds confirmation (404, 405) pays anyway.
			return banks.PaymentResult{}, err
		}
	case "Consumed":
		// Paid already, under this key: asking again returns the payment.
	default:
		return banks.PaymentResult{}, banks.Errorf(op, banks.Unavailable, "unknown consent status %q", cons.Data.Status)
	}
	res, err := c.execute(ctx, op, k, ts, entry)
	if err != nil {
		return banks.PaymentResult{}, err
	}
	entry.PaymentID = res.Data.DomesticPaymentID
	c.journal.Remember(ctx, u.Customer, key, entry)
	if st := res.Data.Status; st == "Rejected" || st == "RJCT" || st == "CANC" || st == "BLCK" {
		return banks.PaymentResult{}, banks.Refuse(op, "not_allowed")
	}
	out := banks.PaymentResult{Reference: res.Data.DomesticPaymentID, Date: day(c.o.Now())}
	if t, err := time.Parse(time.RFC3339, res.Data.CreationDateTime); err == nil {
		out.Date = day(t)
	}
	return out, nil
}

// execute makes (or finds again) the payment of an approved consent.
func (c *Client) execute(ctx context.Context, op string, k keys, ts oauth2.TokenSource, entry JournalEntry) (paymentResponse, error) {
	var pr paymentRequest
	pr.Data.ConsentID, pr.Data.Initiation, pr.Risk = entry.ConsentID, entry.Initiation, entry.Risk
	body, _ := json.Marshal(pr)
	var res paymentResponse
	err := c.do(ctx, request{op: op, method: http.MethodPost, url: endpoint(c.payments, "domestic-payments"), body: body,
		tokens: ts, key: k.payment, sign: true, verify: true}, &res)
	if err == nil && res.Data.DomesticPaymentID == "" {
		err = banks.Errorf(op, banks.Unavailable, "the bank's payment has no DomesticPaymentId")
	}
	return res, err
}

// expired tells a consent the bank rejected because nobody approved it in
// time from one the customer rejected: v3.1 says Rejected for both, so the
// time of the rejection decides (or the Authorisation's deadline).
func (c *Client) expired(cons consentResponse) bool {
	created, err1 := time.Parse(time.RFC3339, cons.Data.CreationDateTime)
	updated, err2 := time.Parse(time.RFC3339, cons.Data.StatusUpdateDateTime)
	if a := cons.Data.Authorisation; a != nil && a.CompletionDateTime != "" && err2 == nil {
		if deadline, err := time.Parse(time.RFC3339, a.CompletionDateTime); err == nil && !updated.Before(deadline) {
			return true
		}
	}
	return err1 == nil && err2 == nil && updated.Sub(created) >= c.o.ApprovalWindow-time.Second
}

// Operation implements banks.Operations from the journal: a key whose
// consent the bank consumed was paid, and asking for the payment again
// under its key returns it. Errors: NotLinked, Unavailable.
func (c *Client) Operation(ctx context.Context, u banks.User, key string) (banks.Operation, error) {
	const op = "ukob.Operation"
	e, ok, err := c.journal.Recall(ctx, u.Customer, key)
	if err != nil {
		return banks.Operation{}, banks.E(op, banks.Unavailable, err)
	}
	if !ok || u.Bank != c.o.Name || c.payments == nil {
		return banks.Operation{}, nil
	}
	ts, err := c.user(ctx, op, u)
	if err != nil {
		return banks.Operation{}, err
	}
	if e.PaymentID != "" {
		var res paymentResponse
		err := c.do(ctx, request{op: op, method: http.MethodGet, url: endpoint(c.payments, "domestic-payments", e.PaymentID),
			tokens: c.clientToken("payments"), verify: true}, &res)
		if err != nil {
			return banks.Operation{}, err
		}
		st := res.Data.Status
		return banks.Operation{Applied: st != "Rejected" && st != "RJCT" && st != "CANC", Reference: e.PaymentID}, nil
	}
	var cons consentResponse
	if err := c.do(ctx, request{op: op, method: http.MethodGet, url: endpoint(c.payments, "domestic-payment-consents", e.ConsentID),
		tokens: c.clientToken("payments"), verify: true}, &cons); err != nil {
		return banks.Operation{}, err
	}
	if v3(cons.Data.Status, consentStatuses) != "Consumed" {
		return banks.Operation{}, nil
	}
	res, err := c.execute(ctx, op, derive(u.Customer, key), ts, e)
	if err != nil {
		// Consumed is paid, even if the bank no longer says by which payment.
		return banks.Operation{Applied: true}, nil
	}
	e.PaymentID = res.Data.DomesticPaymentID
	c.journal.Remember(ctx, u.Customer, key, e)
	return banks.Operation{Applied: true, Reference: e.PaymentID}, nil
}
