package bankstest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/kontoskill/konto/banks"
)

// Verify is the conformance check of one configured bank for one linked
// customer, as a bank partner runs it (`konto banks verify`): not a test
// of the connector's code, which Run is, but of the bank behind it. It
// reads what Konto reads, makes at most one small payment, never locks a
// card or changes anything else, and says per capability whether the
// bank offers it and whether it answered as the connector contract asks.

// Status is the outcome of one capability.
type Status string

// The outcomes.
const (
	// Supported: the bank offers it and answered well.
	Supported Status = "supported"
	// NotOffered: the bank or its standard does not offer it (or this run
	// did not try it; Detail says which). Konto then tells users honestly
	// that it cannot.
	NotOffered Status = "not offered"
	// Failed: the bank offers it and answered wrongly or not at all.
	Failed Status = "failed"
)

// Check is the outcome of one capability.
type Check struct {
	Capability string
	Status     Status
	// Detail says what was seen, or why it failed. It carries counts and
	// names of payees, never amounts of balances or account numbers.
	Detail string
}

// VerifyOptions shape a Verify run.
type VerifyOptions struct {
	// Pay allows the payment check: 1.00 in the account's currency from
	// the customer's first checking account to their first saved payee,
	// sent twice under one idempotency key. At a real bank it moves real
	// money.
	Pay bool
	// Approve is called when the bank waits for the customer to approve
	// the payment in its app (decoupled SCA); Verify then asks the bank
	// again under the same key until ApprovalTimeout. Nil only waits.
	Approve func(ctx context.Context, p banks.PaymentRequest, to banks.Payee) error
	// ApprovalTimeout bounds the wait for the approval; 2 minutes if zero.
	ApprovalTimeout time.Duration
	// PollInterval is how often the bank is asked meanwhile; 500 ms if zero.
	PollInterval time.Duration
	// KeyPrefix starts the run's idempotency keys; unique per run if empty.
	KeyPrefix string
	// Now is the clock of the 90-day window; time.Now if nil.
	Now func() time.Time
}

// Verify runs the checks in order: accounts, balances (each account),
// transactions (the last 90 days, which must agree with three 30-day
// windows and with the per-account lists, so a connector that does not
// follow paging shows), payees, payment (when allowed, see
// VerifyOptions.Pay), operation lookup, products, card controls, rewards
// and credit score. A capability the connector lacks (no such interface,
// or NotSupported) is NotOffered.
func Verify(ctx context.Context, c banks.Connector, u banks.User, opts VerifyOptions) []Check {
	if opts.ApprovalTimeout <= 0 {
		opts.ApprovalTimeout = 2 * time.Minute
	}
	if opts.PollInterval <= 0 {
		opts.PollInterval = 500 * time.Millisecond
	}
	if opts.KeyPrefix == "" {
		opts.KeyPrefix = fmt.Sprintf("konto-verify-%d", time.Now().UnixNano())
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	v := &verifier{ctx: ctx, c: c, u: u, o: opts}
	v.run("accounts", v.accounts)
	v.run("balances", v.balances)
	v.run("transactions", v.transactions)
	v.run("payees", v.payees)
	v.run("payment", v.payment)
	v.run("operation lookup", v.operation)
	v.run("products", v.products)
	v.run("card controls", v.cardControls)
	v.run("rewards", v.rewards)
	v.run("credit score", v.creditScore)
	return v.out
}

// Failures counts the failed checks.
func Failures(checks []Check) int {
	n := 0
	for _, c := range checks {
		if c.Status == Failed {
			n++
		}
	}
	return n
}

type verifier struct {
	ctx context.Context
	c   banks.Connector
	u   banks.User
	o   VerifyOptions
	out []Check

	accs    []banks.Account
	accsOK  bool
	saved   []banks.Payee
	paidKey string // the payment's key, once it went through
	paidRef string
}

// run records one check; a connector that panics fails it.
func (v *verifier) run(capability string, fn func() (Status, string)) {
	st, detail := func() (st Status, detail string) {
		defer func() {
			if p := recover(); p != nil {
				st, detail = Failed, fmt.Sprintf("the connector panicked: %v", p)
			}
		}()
		return fn()
	}()
	v.out = append(v.out, Check{Capability: capability, Status: st, Detail: detail})
}

func notSupported(err error) bool { return errors.Is(err, banks.KindError(banks.NotSupported)) }

func failed(format string, args ...any) (Status, string) { return Failed, fmt.Sprintf(format, args...) }

func (v *verifier) accounts() (Status, string) {
	accs, err := v.c.Accounts(v.ctx, v.u)
	if err != nil {
		return failed("Accounts: %v", err)
	}
	if len(accs) == 0 {
		return failed("the bank lists no accounts for the customer")
	}
	seen := map[string]bool{}
	var kinds []string
	for _, a := range accs {
		switch {
		case a.ID == "":
			return failed("an account without an id")
		case seen[a.ID]:
			return failed("account %s is listed twice", a.ID)
		case !a.Kind.Valid():
			return failed("account %s: unknown kind %q", a.ID, a.Kind)
		case len(a.LastFour) != 4:
			return failed("account %s: last four digits %q", a.ID, a.LastFour)
		case len(a.Currency) != 3 || strings.ToUpper(a.Currency) != a.Currency:
			return failed("account %s: currency %q is not an ISO 4217 code", a.ID, a.Currency)
		}
		seen[a.ID] = true
		kinds = append(kinds, string(a.Kind))
	}
	v.accs, v.accsOK = accs, true
	return Supported, fmt.Sprintf("%d accounts (%s)", len(accs), strings.Join(kinds, ", "))
}

func (v *verifier) balances() (Status, string) {
	if !v.accsOK {
		return failed("needs the accounts")
	}
	currencies := map[string]bool{}
	for _, a := range v.accs {
		b, err := v.c.Balance(v.ctx, v.u, a.ID)
		switch {
		case err != nil:
			return failed("account %s: %v", a.ID, err)
		case b.AccountID != a.ID:
			return failed("the balance of account %s came for account %q", a.ID, b.AccountID)
		case b.Booked.Currency != a.Currency || b.Available.Currency != a.Currency:
			return failed("account %s is in %s, its balance in %q/%q", a.ID, a.Currency, b.Booked.Currency, b.Available.Currency)
		}
		currencies[a.Currency] = true
	}
	var cs []string
	for c := range currencies {
		cs = append(cs, c)
	}
	slices.Sort(cs)
	return Supported, fmt.Sprintf("%d balances, in %s", len(v.accs), strings.Join(cs, ", "))
}

// window is [from, to) in whole UTC days ending tomorrow, so today's
// transactions are in it.
func (v *verifier) window(days int) (time.Time, time.Time) {
	now := v.o.Now().UTC()
	to := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, time.UTC).AddDate(0, 0, 1)
	return to.AddDate(0, 0, -days), to
}

func (v *verifier) transactions() (Status, string) {
	if !v.accsOK {
		return failed("needs the accounts")
	}
	from, to := v.window(90)
	txs, err := v.c.Transactions(v.ctx, v.u, banks.TxFilter{From: from, To: to})
	if err != nil {
		return failed("the last 90 days: %v", err)
	}
	own := map[string]banks.Account{}
	for _, a := range v.accs {
		own[a.ID] = a
	}
	ids := map[string]bool{}
	for i, tx := range txs {
		a, ok := own[tx.AccountID]
		switch {
		case !ok:
			return failed("transaction %s is on account %q, not one of the customer's", tx.ID, tx.AccountID)
		case tx.Time.Before(from) || !tx.Time.Before(to):
			return failed("transaction %s at %s is outside the 90 days asked for", tx.ID, tx.Time.Format(time.DateOnly))
		case i > 0 && tx.Time.After(txs[i-1].Time):
			return failed("not newest first: transaction %s (%s) after %s (%s)", tx.ID, tx.Time.Format(time.DateOnly),
				txs[i-1].ID, txs[i-1].Time.Format(time.DateOnly))
		case tx.Status == banks.Declined:
			return failed("declined transaction %s listed without asking", tx.ID)
		case tx.Amount.Currency != a.Currency:
			return failed("transaction %s is in %q on a %s account", tx.ID, tx.Amount.Currency, a.Currency)
		}
		if tx.ID != "" {
			if ids[tx.ID] {
				return failed("transaction %s is listed twice (a page read twice?)", tx.ID)
			}
			ids[tx.ID] = true
		}
	}
	// The same 90 days as three windows of 30: a connector that reads one
	// page of each listing only has fewer in the whole than in the parts.
	sum := 0
	for i := 0; i < 3; i++ {
		f, t := from.AddDate(0, 0, 30*i), from.AddDate(0, 0, 30*(i+1))
		part, err := v.c.Transactions(v.ctx, v.u, banks.TxFilter{From: f, To: t})
		if err != nil {
			return failed("the 30 days from %s: %v", f.Format(time.DateOnly), err)
		}
		for _, tx := range part {
			if tx.Time.Before(f) || !tx.Time.Before(t) {
				return failed("transaction %s at %s is outside the 30 days from %s", tx.ID, tx.Time.Format(time.DateOnly), f.Format(time.DateOnly))
			}
		}
		sum += len(part)
	}
	if sum != len(txs) {
		return failed("the last 90 days list %d transactions, their three 30-day windows %d: paging is not followed, or the date filter is wrong",
			len(txs), sum)
	}
	sum = 0
	for _, a := range v.accs {
		part, err := v.c.Transactions(v.ctx, v.u, banks.TxFilter{AccountID: a.ID, From: from, To: to})
		if err != nil {
			return failed("account %s: %v", a.ID, err)
		}
		for _, tx := range part {
			if tx.AccountID != a.ID {
				return failed("the listing of account %s has transaction %s of account %s", a.ID, tx.ID, tx.AccountID)
			}
		}
		sum += len(part)
	}
	if sum != len(txs) {
		return failed("the last 90 days list %d transactions, the accounts' own lists %d", len(txs), sum)
	}
	return Supported, fmt.Sprintf("%d in the last 90 days over %d accounts, newest first; 30-day windows and account lists agree (paging followed)",
		len(txs), len(v.accs))
}

func (v *verifier) payees() (Status, string) {
	r, ok := v.c.(banks.Recipients)
	if !ok {
		return NotOffered, "the connector knows no saved payees"
	}
	ps, err := r.Payees(v.ctx, v.u)
	if notSupported(err) {
		return NotOffered, "the bank keeps no saved payees"
	}
	if err != nil {
		return failed("Payees: %v", err)
	}
	seen := map[string]bool{}
	for _, p := range ps {
		switch {
		case p.ID == "" || p.Name == "":
			return failed("a payee without an id or a name: %+v", p)
		case seen[p.ID]:
			return failed("payee %s is listed twice", p.ID)
		}
		seen[p.ID] = true
	}
	v.saved = ps
	if len(ps) == 0 {
		return Supported, "none saved"
	}
	return Supported, fmt.Sprintf("%d saved payees", len(ps))
}

func (v *verifier) balanceOf(id string) (banks.Balance, error) { return v.c.Balance(v.ctx, v.u, id) }

func (v *verifier) payment() (Status, string) {
	pay, ok := v.c.(banks.Payments)
	switch {
	case !ok:
		return NotOffered, "the connector cannot move money"
	case !v.o.Pay:
		return NotOffered, "not tried: this run may not move money"
	case !v.accsOK:
		return failed("needs the accounts")
	case len(v.saved) == 0:
		return NotOffered, "not tried: the customer has no saved payee to pay"
	}
	var from banks.Account
	for _, kind := range []banks.AccountKind{banks.Checking, banks.Savings} {
		for _, a := range v.accs {
			if from.ID == "" && a.Kind == kind {
				from = a
			}
		}
	}
	if from.ID == "" {
		return NotOffered, "not tried: the customer has no checking or savings account to pay from"
	}
	to := v.saved[0]
	one := int64(1)
	for i := 0; i < banks.MinorDigits(from.Currency); i++ {
		one *= 10
	}
	req := banks.PaymentRequest{Key: v.o.KeyPrefix + "-pay", FromAccountID: from.ID, PayeeID: to.ID,
		Amount: banks.Money{Minor: one, Currency: from.Currency}}
	before, err := v.balanceOf(from.ID)
	if err != nil {
		return failed("the balance before: %v", err)
	}
	res, err := pay.Pay(v.ctx, v.u, req)
	if notSupported(err) {
		return NotOffered, fmt.Sprintf("the bank does not make this payment: %v", err)
	}
	if err != nil {
		return failed("paying %s to %s: %v", req.Amount, to.Name, err)
	}
	how := "paid at once"
	if res.AwaitingApproval {
		how = "approved in the bank's app"
		if v.o.Approve != nil {
			if err := v.o.Approve(v.ctx, req, to); err != nil {
				return failed("approving the payment in the bank's app: %v", err)
			}
		}
		deadline := time.Now().Add(v.o.ApprovalTimeout)
		for res.AwaitingApproval {
			if time.Now().After(deadline) {
				return failed("the payment still waits for approval after %s", v.o.ApprovalTimeout)
			}
			select {
			case <-v.ctx.Done():
				return failed("waiting for the approval: %v", v.ctx.Err())
			case <-time.After(v.o.PollInterval):
			}
			if res, err = pay.Pay(v.ctx, v.u, req); err != nil {
				return failed("asking again after the approval: %v", err)
			}
		}
	}
	if res.Reference == "" {
		return failed("the payment went through without a reference")
	}
	after, err := v.balanceOf(from.ID)
	if err != nil {
		return failed("the balance after: %v", err)
	}
	booked, avail := before.Booked.Minor-after.Booked.Minor, before.Available.Minor-after.Available.Minor
	onBalance := "on the balance at once"
	switch {
	case booked == one || avail == one:
	case booked == 0 && avail == 0:
		onBalance = "not on the balance yet"
	case booked == 2*one || avail == 2*one:
		return failed("one payment of %s moved it twice", req.Amount)
	default:
		return failed("a payment of %s moved the balance by %s", req.Amount, banks.Money{Minor: booked, Currency: from.Currency})
	}
	again, err := pay.Pay(v.ctx, v.u, req)
	switch {
	case err != nil:
		return failed("the same payment again under its key: %v", err)
	case again.AwaitingApproval || again.Reference != res.Reference:
		return failed("the same key again answered %+v, the first time reference %q", again, res.Reference)
	}
	last, err := v.balanceOf(from.ID)
	if err != nil {
		return failed("the balance after the repeat: %v", err)
	}
	if d := after.Booked.Minor - last.Booked.Minor; d != 0 {
		return failed("the same key moved money again: %s", banks.Money{Minor: d, Currency: from.Currency})
	}
	v.paidKey, v.paidRef = req.Key, res.Reference
	return Supported, fmt.Sprintf("%s to %s, %s (reference %s, %s); the same key again moved nothing",
		req.Amount, to.Name, how, res.Reference, onBalance)
}

func (v *verifier) operation() (Status, string) {
	ops, ok := v.c.(banks.Operations)
	if !ok {
		return NotOffered, "the connector cannot look up what became of an idempotency key"
	}
	op, err := ops.Operation(v.ctx, v.u, v.o.KeyPrefix+"-never-sent")
	if notSupported(err) {
		return NotOffered, "the bank cannot be asked about idempotency keys"
	}
	if err != nil {
		return failed("Operation(a key never sent): %v", err)
	}
	if op.Applied {
		return failed("a key never sent is reported applied: %+v", op)
	}
	if v.paidKey == "" {
		return Supported, "a key never sent is not applied (no payment to look up)"
	}
	op, err = ops.Operation(v.ctx, v.u, v.paidKey)
	switch {
	case err != nil:
		return failed("Operation(the payment's key): %v", err)
	case !op.Applied:
		return failed("the payment's key is reported not applied")
	case op.Reference != "" && op.Reference != v.paidRef:
		return failed("the payment's key has reference %q, the payment %q", op.Reference, v.paidRef)
	}
	return Supported, "a key never sent is not applied; the payment's key is applied with its reference"
}

func (v *verifier) products() (Status, string) {
	var sheet banks.ProductSheet
	var err error
	switch p := v.c.(type) {
	case banks.UserProducts:
		sheet, err = p.ProductSheetFor(v.ctx, v.u, v.u.Locale)
	case banks.Products:
		sheet, err = p.ProductSheet(v.ctx, v.u.Locale)
	default:
		return NotOffered, "no product sheet configured"
	}
	if notSupported(err) {
		return NotOffered, fmt.Sprintf("no product sheet for %s", v.u.Locale)
	}
	if err != nil {
		return failed("ProductSheet(%s): %v", v.u.Locale, err)
	}
	if sheet.Bank == "" {
		return failed("the product sheet for %s names no bank", v.u.Locale)
	}
	detail := sheet.Bank
	if sheet.SupportPhone != "" {
		detail += ", support " + sheet.SupportPhone
	}
	if sheet.PerTransferLimit != "" {
		detail += ", limit " + sheet.PerTransferLimit + " a transfer"
	}
	return Supported, detail
}

func (v *verifier) cardControls() (Status, string) {
	if _, ok := v.c.(banks.CardControls); !ok {
		return NotOffered, "the bank's API has no card controls"
	}
	l, ok := v.c.(banks.Cards)
	if !ok {
		return Supported, "offered (not exercised)"
	}
	cards, err := l.Cards(v.ctx, v.u)
	if notSupported(err) {
		return NotOffered, "the bank lists no cards"
	}
	if err != nil {
		return failed("Cards: %v", err)
	}
	for _, c := range cards {
		if c.ID == "" || len(c.LastFour) != 4 {
			return failed("malformed card %s (last four %q)", c.ID, c.LastFour)
		}
	}
	return Supported, fmt.Sprintf("%d cards; lock and replace offered (not exercised)", len(cards))
}

func (v *verifier) rewards() (Status, string) {
	r, ok := v.c.(banks.Rewards)
	if !ok {
		return NotOffered, "the bank's API has no card rewards"
	}
	for _, a := range v.accs {
		if a.Kind != banks.CreditCard {
			continue
		}
		_, value, err := r.RewardsBalance(v.ctx, v.u, a.ID)
		switch {
		case notSupported(err):
			return NotOffered, "the bank keeps no rewards"
		case errors.Is(err, banks.KindError(banks.NotFound)):
			continue
		case err != nil:
			return failed("RewardsBalance(%s): %v", a.ID, err)
		case value.Currency != "" && value.Currency != a.Currency:
			return failed("rewards of a %s card valued in %s", a.Currency, value.Currency)
		}
		return Supported, "a credit card's points and their value read"
	}
	return Supported, "offered; no credit card with rewards to read"
}

func (v *verifier) creditScore() (Status, string) {
	p, ok := v.c.(banks.Profile)
	if !ok {
		return NotOffered, "the bank's API has no credit score"
	}
	system, score, err := p.CreditScore(v.ctx, v.u)
	switch {
	case notSupported(err):
		return NotOffered, "no credit score for the customer"
	case err != nil:
		return failed("CreditScore: %v", err)
	case system == "" || score == "":
		return failed("a credit score without its system or value")
	}
	return Supported, "read (" + system + ")"
}
