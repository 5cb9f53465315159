package banks

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"
)

// Router is one connector over several banks: every call goes to the
// connector of the user's bank (User.Bank), or, for a person who linked
// several banks (User.Others), to the bank of the account, card or alert
// it names, so the core talks to one Connector whatever the banks
// configured. A power the user's bank does
// not have (a standard without card controls, say) is NotSupported for
// its users, not a failure.
type Router struct {
	banks    map[string]Connector
	order    []string
	breakers map[string]*breaker
	names    map[string]string // display names (SetName)
	// Now is the clock of the circuit breakers; time.Now if nil.
	Now func() time.Time
}

// NewRouter returns an empty router.
func NewRouter() *Router {
	return &Router{banks: map[string]Connector{}, breakers: map[string]*breaker{}}
}

// Circuit breaking: a bank that keeps failing (Unavailable, five times in
// a row) is not called for breakerCooldown, so users hear at once that
// their bank is not reachable instead of waiting out a timeout each time;
// then one call tries again.
const (
	breakerTrips    = 5
	breakerCooldown = 30 * time.Second
)

type breaker struct {
	mu        sync.Mutex
	failures  int
	openUntil time.Time
	trial     bool // a call is trying the bank after the cooldown
}

func (r *Router) now() time.Time {
	if r.Now != nil {
		return r.Now()
	}
	return time.Now()
}

// allow reports whether a call to the bank may go out now.
func (b *breaker) allow(now time.Time) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.failures < breakerTrips {
		return true
	}
	if now.Before(b.openUntil) || b.trial {
		return false
	}
	b.trial = true
	return true
}

// done records a call's outcome.
func (b *breaker) done(err error, now time.Time) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.trial = false
	if KindOf(err) != Unavailable {
		b.failures = 0
		return
	}
	b.failures++
	if b.failures >= breakerTrips {
		b.openUntil = now.Add(breakerCooldown)
	}
}

// guard runs one call to a bank through its breaker.
func guard[T any](r *Router, u User, op string, call func() (T, error)) (T, error) {
	var zero T
	b := r.breakers[u.Bank]
	if b == nil {
		return call()
	}
	if !b.allow(r.now()) {
		return zero, Errorf(op, Unavailable, "bank %q keeps failing; not calling it for a while", u.Bank)
	}
	v, err := call()
	b.done(err, r.now())
	return v, err
}

// Add registers the connector of a bank id. A second Add of an id panics:
// ids come from the banks configuration, which is checked for duplicates.
func (r *Router) Add(id string, c Connector) {
	if _, dup := r.banks[id]; dup {
		panic(fmt.Sprintf("banks: bank %q added twice", id))
	}
	r.banks[id] = c
	r.breakers[id] = &breaker{}
	r.order = append(r.order, id)
}

// Bank returns the connector of a bank id.
func (r *Router) Bank(id string) (Connector, bool) {
	c, ok := r.banks[id]
	return c, ok
}

// IDs lists the bank ids in the order they were added.
func (r *Router) IDs() []string { return append([]string(nil), r.order...) }

var (
	_ Connector       = (*Router)(nil)
	_ Authenticator   = (*Router)(nil)
	_ Revoker         = (*Router)(nil)
	_ Cards           = (*Router)(nil)
	_ Recipients      = (*Router)(nil)
	_ Payments        = (*Router)(nil)
	_ CardControls    = (*Router)(nil)
	_ AccountControls = (*Router)(nil)
	_ Statements      = (*Router)(nil)
	_ Rewards         = (*Router)(nil)
	_ Fraud           = (*Router)(nil)
	_ AccountNumbers  = (*Router)(nil)
	_ Requests        = (*Router)(nil)
	_ Profile         = (*Router)(nil)
	_ Operations      = (*Router)(nil)
	_ UserProducts    = (*Router)(nil)
)

// UserProducts is implemented by connectors whose product sheet depends
// on the user's bank (a Router); the core prefers it over Products.
type UserProducts interface {
	// ProductSheetFor returns the sheet of the user's bank for a locale.
	// Errors: NotSupported.
	ProductSheetFor(ctx context.Context, u User, locale string) (ProductSheet, error)
}

func (r *Router) of(u User, op string) (Connector, error) {
	c, ok := r.banks[u.Bank]
	if !ok {
		return nil, Errorf(op, NotLinked, "no bank %q is configured", u.Bank)
	}
	return c, nil
}

// power finds the capability T of the user's bank.
func power[T any](r *Router, u User, op string) (T, error) {
	var zero T
	c, err := r.of(u, op)
	if err != nil {
		return zero, err
	}
	p, ok := c.(T)
	if !ok {
		return zero, Errorf(op, NotSupported, "bank %q does not offer this", u.Bank)
	}
	return p, nil
}

// A person may link several banks (User.Others). For them the router
// reads across every bank: listings join each bank's answer, and the ids
// it hands out name their bank ("ukbank/acc-1"), so that a later call
// with such an id goes to that bank, as that bank's user, with the
// bank's own id. Money never moves between two banks in one payment
// (NotSupported, reason cross_bank). For a person with one bank nothing
// changes: ids are the bank's own.

// idSep separates the bank id from the bank's own id; bank ids have none.
const idSep = "/"

// ReasonCrossBank is the reason of the NotSupported error for a payment
// from an account at one bank to an account, payee or biller at another.
const ReasonCrossBank = "cross_bank"

// multi reports whether the user has links at more than one bank.
func multi(u User) bool { return len(u.Others) > 0 }

// links are the user's banks, the identity first, each without Others.
func links(u User) []User {
	first := u
	first.Others = nil
	out := []User{first}
	for _, o := range u.Others {
		o.Others = nil
		out = append(out, o)
	}
	return out
}

// ident is the user as their identity's bank knows them.
func ident(u User) User { return links(u)[0] }

// tag is the id a user of several banks sees for a bank's own id.
func tag(bank, id string) string {
	if id == "" {
		return ""
	}
	return bank + idSep + id
}

// SameBank reports whether two ids that a Router handed the user (of
// accounts, payees, billers, cards) are at the same bank, so that the
// core offers only accounts money can move from: always true for a user
// of one bank, or when either id is empty.
func SameBank(u User, a, b string) bool {
	if !multi(u) || a == "" || b == "" {
		return true
	}
	ba, _, _ := strings.Cut(a, idSep)
	bb, _, _ := strings.Cut(b, idSep)
	return ba == bb
}

// route finds the bank an id belongs to: that bank's user and the bank's
// own id. For a user of one bank, the user and the id as they are; an
// empty id is the identity's bank. Errors: NotFound.
func (r *Router) route(u User, id, op string) (User, string, error) {
	if !multi(u) {
		return u, id, nil
	}
	if id == "" {
		return ident(u), "", nil
	}
	if bank, local, ok := strings.Cut(id, idSep); ok {
		for _, l := range links(u) {
			if l.Bank == bank {
				return l, local, nil
			}
		}
	}
	return User{}, "", Errorf(op, NotFound, "%q is at none of the user's banks", id)
}

// at finds the capability T of the bank an id belongs to, that bank's
// user and the bank's own id.
func at[T any](r *Router, u User, id, op string) (T, User, string, error) {
	var zero T
	l, local, err := r.route(u, id, op)
	if err != nil {
		return zero, User{}, "", err
	}
	p, err := power[T](r, l, op)
	return p, l, local, err
}

// local strips the bank of an id that must be at bank. Errors: NotFound
// for an id at none of the user's banks, NotSupported (cross_bank) for
// one at another of them.
func (r *Router) local(u User, bank, id, op string) (string, error) {
	if !multi(u) || id == "" {
		return id, nil
	}
	l, own, err := r.route(u, id, op)
	if err != nil {
		return "", err
	}
	if l.Bank != bank {
		return "", &Error{Op: op, Kind: NotSupported, Reason: ReasonCrossBank,
			Err: fmt.Errorf("%q is at bank %q, not at %q: money does not move between two banks in one payment", id, l.Bank, bank)}
	}
	return own, nil
}

// each runs a listing at every bank of a user of several banks, through
// each bank's breaker, and joins the answers, fix tagging each item. A
// bank that does not offer the listing (call returns NotSupported) adds
// nothing; if none offers it, NotSupported. A further bank that is no
// longer configured is left out.
func each[T any](r *Router, u User, op string, call func(c Connector, l User) ([]T, error), fix func(bank string, v *T)) ([]T, error) {
	var out []T
	offered := false
	for i, l := range links(u) {
		c, ok := r.banks[l.Bank]
		if !ok {
			if i == 0 {
				return nil, Errorf(op, NotLinked, "no bank %q is configured", l.Bank)
			}
			continue
		}
		vs, err := guard(r, l, op, func() ([]T, error) { return call(c, l) })
		if KindOf(err) == NotSupported {
			continue
		}
		if err != nil {
			return nil, err
		}
		offered = true
		for j := range vs {
			fix(l.Bank, &vs[j])
		}
		out = append(out, vs...)
	}
	if !offered {
		return nil, Errorf(op, NotSupported, "none of the user's banks offers this")
	}
	return out, nil
}

// asPower is call for each: the listing of the bank's power T, or
// NotSupported.
func asPower[T, V any](op string, list func(p T, l User) ([]V, error)) func(c Connector, l User) ([]V, error) {
	return func(c Connector, l User) ([]V, error) {
		p, ok := c.(T)
		if !ok {
			return nil, Errorf(op, NotSupported, "bank %q does not offer this", l.Bank)
		}
		return list(p, l)
	}
}

// SetName sets the name of a bank that accounts carry for a user of
// several banks ("Everyday Checking at Example Bank"); the bank id if
// none is set.
func (r *Router) SetName(id, name string) {
	if r.names == nil {
		r.names = map[string]string{}
	}
	r.names[id] = name
}

func (r *Router) name(id string) string {
	if n := r.names[id]; n != "" {
		return n
	}
	return id
}

// atBank is the word between an account's name and its bank's.
func atBank(locale string) string {
	if strings.HasPrefix(locale, "de") {
		return "bei"
	}
	return "at"
}

// Accounts implements Connector. For a user of several banks: every
// bank's accounts, each named with its bank.
func (r *Router) Accounts(ctx context.Context, u User) ([]Account, error) {
	const op = "banks.Router.Accounts"
	if multi(u) {
		return each(r, u, op, func(c Connector, l User) ([]Account, error) { return c.Accounts(ctx, l) },
			func(bank string, a *Account) {
				a.ID = tag(bank, a.ID)
				a.Name = a.Name + " " + atBank(u.Locale) + " " + r.name(bank)
			})
	}
	c, err := r.of(u, op)
	if err != nil {
		return nil, err
	}
	return guard(r, u, op, func() ([]Account, error) { return c.Accounts(ctx, u) })
}

// Balance implements Connector.
func (r *Router) Balance(ctx context.Context, u User, accountID string) (Balance, error) {
	const op = "banks.Router.Balance"
	c, l, id, err := at[Connector](r, u, accountID, op)
	if err != nil {
		return Balance{}, err
	}
	b, err := guard(r, l, op, func() (Balance, error) { return c.Balance(ctx, l, id) })
	if multi(u) {
		b.AccountID = tag(l.Bank, b.AccountID)
	}
	return b, err
}

// Transactions implements Connector. For a user of several banks
// without an account in f: every bank's, newest first, up to f.Limit.
func (r *Router) Transactions(ctx context.Context, u User, f TxFilter) ([]Transaction, error) {
	const op = "banks.Router.Transactions"
	fix := func(bank string, t *Transaction) { t.ID, t.AccountID = tag(bank, t.ID), tag(bank, t.AccountID) }
	if multi(u) && f.AccountID == "" {
		txs, err := each(r, u, op, func(c Connector, l User) ([]Transaction, error) { return c.Transactions(ctx, l, f) }, fix)
		if err != nil {
			return nil, err
		}
		sort.SliceStable(txs, func(i, j int) bool { return txs[i].Time.After(txs[j].Time) })
		if f.Limit > 0 && len(txs) > f.Limit {
			txs = txs[:f.Limit]
		}
		return txs, nil
	}
	c, l, id, err := at[Connector](r, u, f.AccountID, op)
	if err != nil {
		return nil, err
	}
	f.AccountID = id
	txs, err := guard(r, l, op, func() ([]Transaction, error) { return c.Transactions(ctx, l, f) })
	if multi(u) {
		for i := range txs {
			fix(l.Bank, &txs[i])
		}
	}
	return txs, err
}

// Authenticate implements Authenticator: the first bank whose
// authenticator knows the token answers. Errors: NotLinked.
func (r *Router) Authenticate(ctx context.Context, token string) (User, error) {
	var last error = Errorf("banks.Router.Authenticate", NotLinked, "no bank knows the token")
	for _, id := range r.order {
		a, ok := r.banks[id].(Authenticator)
		if !ok {
			continue
		}
		u, err := a.Authenticate(ctx, token)
		if err == nil {
			return u, nil
		}
		if KindOf(err) != NotLinked {
			last = err
		}
	}
	return User{}, last
}

// RevokeAccess implements Revoker: at every bank of the user that can
// revoke. Errors: NotSupported where no bank of the user can revoke,
// Unavailable (the first failure; every bank is tried).
func (r *Router) RevokeAccess(ctx context.Context, u User) error {
	const op = "banks.Router.RevokeAccess"
	if multi(u) {
		var first error
		offered := false
		for _, l := range links(u) {
			p, err := power[Revoker](r, l, op)
			if err != nil {
				continue
			}
			offered = true
			if err := p.RevokeAccess(ctx, l); err != nil && first == nil {
				first = err
			}
		}
		if !offered {
			return Errorf(op, NotSupported, "none of the user's banks can revoke")
		}
		return first
	}
	p, err := power[Revoker](r, u, op)
	if err != nil {
		return err
	}
	return p.RevokeAccess(ctx, u)
}

// Cards implements Cards.
func (r *Router) Cards(ctx context.Context, u User) ([]Card, error) {
	const op = "banks.Router.Cards"
	if multi(u) {
		return each(r, u, op, asPower(op, func(p Cards, l User) ([]Card, error) { return p.Cards(ctx, l) }),
			func(bank string, c *Card) { c.ID, c.AccountID = tag(bank, c.ID), tag(bank, c.AccountID) })
	}
	p, err := power[Cards](r, u, op)
	if err != nil {
		return nil, err
	}
	return p.Cards(ctx, u)
}

// Payees implements Recipients.
func (r *Router) Payees(ctx context.Context, u User) ([]Payee, error) {
	const op = "banks.Router.Payees"
	if multi(u) {
		return each(r, u, op, asPower(op, func(p Recipients, l User) ([]Payee, error) { return p.Payees(ctx, l) }),
			func(bank string, p *Payee) { p.ID = tag(bank, p.ID) })
	}
	p, err := power[Recipients](r, u, op)
	if err != nil {
		return nil, err
	}
	return guard(r, u, op, func() ([]Payee, error) { return p.Payees(ctx, u) })
}

// Billers implements Recipients.
func (r *Router) Billers(ctx context.Context, u User) ([]Biller, error) {
	const op = "banks.Router.Billers"
	if multi(u) {
		return each(r, u, op, asPower(op, func(p Recipients, l User) ([]Biller, error) { return p.Billers(ctx, l) }),
			func(bank string, b *Biller) { b.ID = tag(bank, b.ID) })
	}
	p, err := power[Recipients](r, u, op)
	if err != nil {
		return nil, err
	}
	return p.Billers(ctx, u)
}

// Pay implements Payments: at the bank of the source account, as that
// bank's user. Errors: also NotSupported with reason cross_bank for a
// payment to an account, payee or biller at another of the user's banks.
func (r *Router) Pay(ctx context.Context, u User, req PaymentRequest) (PaymentResult, error) {
	const op = "banks.Router.Pay"
	p, l, from, err := at[Payments](r, u, req.FromAccountID, op)
	if err != nil {
		return PaymentResult{}, err
	}
	req.FromAccountID = from
	for _, id := range []*string{&req.ToAccountID, &req.PayeeID, &req.BillerID} {
		if *id, err = r.local(u, l.Bank, *id, op); err != nil {
			return PaymentResult{}, err
		}
	}
	res, err := guard(r, l, op, func() (PaymentResult, error) { return p.Pay(ctx, l, req) })
	if multi(u) {
		res.FromBalance.AccountID = tag(l.Bank, res.FromBalance.AccountID)
	}
	return res, err
}

// SetCardLocked implements CardControls.
func (r *Router) SetCardLocked(ctx context.Context, u User, cardID string, locked bool, key string) error {
	p, l, id, err := at[CardControls](r, u, cardID, "banks.Router.SetCardLocked")
	if err != nil {
		return err
	}
	return p.SetCardLocked(ctx, l, id, locked, key)
}

// ReplaceCard implements CardControls.
func (r *Router) ReplaceCard(ctx context.Context, u User, cardID string, lost bool, key string) (CardOrder, error) {
	p, l, id, err := at[CardControls](r, u, cardID, "banks.Router.ReplaceCard")
	if err != nil {
		return CardOrder{}, err
	}
	return p.ReplaceCard(ctx, l, id, lost, key)
}

// Status implements AccountControls.
func (r *Router) Status(ctx context.Context, u User, accountID string) (AccountStatus, error) {
	p, l, id, err := at[AccountControls](r, u, accountID, "banks.Router.Status")
	if err != nil {
		return AccountStatus{}, err
	}
	return p.Status(ctx, l, id)
}

// Freeze implements AccountControls.
func (r *Router) Freeze(ctx context.Context, u User, accountID, key string) error {
	p, l, id, err := at[AccountControls](r, u, accountID, "banks.Router.Freeze")
	if err != nil {
		return err
	}
	return p.Freeze(ctx, l, id, key)
}

// CardStatement implements Statements.
func (r *Router) CardStatement(ctx context.Context, u User, accountID string) (Statement, error) {
	p, l, id, err := at[Statements](r, u, accountID, "banks.Router.CardStatement")
	if err != nil {
		return Statement{}, err
	}
	st, err := p.CardStatement(ctx, l, id)
	if multi(u) {
		st.AccountID = tag(l.Bank, st.AccountID)
	}
	return st, err
}

// Bills implements Statements.
func (r *Router) Bills(ctx context.Context, u User) ([]Bill, error) {
	const op = "banks.Router.Bills"
	if multi(u) {
		return each(r, u, op, asPower(op, func(p Statements, l User) ([]Bill, error) { return p.Bills(ctx, l) }),
			func(bank string, b *Bill) { b.BillerID = tag(bank, b.BillerID) })
	}
	p, err := power[Statements](r, u, op)
	if err != nil {
		return nil, err
	}
	return p.Bills(ctx, u)
}

// RewardsBalance implements Rewards.
func (r *Router) RewardsBalance(ctx context.Context, u User, accountID string) (int64, Money, error) {
	p, l, id, err := at[Rewards](r, u, accountID, "banks.Router.RewardsBalance")
	if err != nil {
		return 0, Money{}, err
	}
	return p.RewardsBalance(ctx, l, id)
}

// RedeemRewards implements Rewards.
func (r *Router) RedeemRewards(ctx context.Context, u User, accountID, key string) (Money, error) {
	p, l, id, err := at[Rewards](r, u, accountID, "banks.Router.RedeemRewards")
	if err != nil {
		return Money{}, err
	}
	return p.RedeemRewards(ctx, l, id, key)
}

// Alerts implements Fraud. A bank without fraud alerts has none to tell.
func (r *Router) Alerts(ctx context.Context, u User) ([]Alert, error) {
	const op = "banks.Router.Alerts"
	if multi(u) {
		al, err := each(r, u, op, asPower(op, func(p Fraud, l User) ([]Alert, error) { return p.Alerts(ctx, l) }),
			func(bank string, a *Alert) {
				a.ID, a.TransactionID, a.CardID = tag(bank, a.ID), tag(bank, a.TransactionID), tag(bank, a.CardID)
			})
		if KindOf(err) == NotSupported {
			return nil, nil
		}
		// Open ones first, as each bank lists them.
		sort.SliceStable(al, func(i, j int) bool { return al[i].Status == "open" && al[j].Status != "open" })
		return al, err
	}
	p, err := power[Fraud](r, u, op)
	if KindOf(err) == NotSupported {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return p.Alerts(ctx, u)
}

// ResolveAlert implements Fraud.
func (r *Router) ResolveAlert(ctx context.Context, u User, alertID string, genuine bool, key string) error {
	p, l, id, err := at[Fraud](r, u, alertID, "banks.Router.ResolveAlert")
	if err != nil {
		return err
	}
	return p.ResolveAlert(ctx, l, id, genuine, key)
}

// OpenCase implements Fraud.
func (r *Router) OpenCase(ctx context.Context, u User, cardID, transactionID, key string) (string, error) {
	const op = "banks.Router.OpenCase"
	p, l, id, err := at[Fraud](r, u, cardID, op)
	if err != nil {
		return "", err
	}
	if transactionID, err = r.local(u, l.Bank, transactionID, op); err != nil {
		return "", err
	}
	return p.OpenCase(ctx, l, id, transactionID, key)
}

// AccountNumber implements AccountNumbers.
func (r *Router) AccountNumber(ctx context.Context, u User, accountID string) (string, error) {
	p, l, id, err := at[AccountNumbers](r, u, accountID, "banks.Router.AccountNumber")
	if err != nil {
		return "", err
	}
	return p.AccountNumber(ctx, l, id)
}

// Request implements Requests: at the account's bank, or the identity's
// without an account.
func (r *Router) Request(ctx context.Context, u User, kind, accountID, key string) (CardOrder, error) {
	p, l, id, err := at[Requests](r, u, accountID, "banks.Router.Request")
	if err != nil {
		return CardOrder{}, err
	}
	return p.Request(ctx, l, kind, id, key)
}

// CreditScore implements Profile: the identity's bank's.
func (r *Router) CreditScore(ctx context.Context, u User) (string, string, error) {
	u = ident(u)
	p, err := power[Profile](r, u, "banks.Router.CreditScore")
	if err != nil {
		return "", "", err
	}
	return p.CreditScore(ctx, u)
}

// Operation implements Operations. A bank that cannot be asked knows
// nothing of the key. For a user of several banks every bank that can
// be asked is (keys are unique): the first that applied the key answers.
func (r *Router) Operation(ctx context.Context, u User, key string) (Operation, error) {
	const op = "banks.Router.Operation"
	if multi(u) {
		var failed error
		for _, l := range links(u) {
			p, err := power[Operations](r, l, op)
			if err != nil {
				continue
			}
			o, err := p.Operation(ctx, l, key)
			if err != nil {
				failed = err
				continue
			}
			if o.Applied {
				return o, nil
			}
		}
		return Operation{}, failed
	}
	p, err := power[Operations](r, u, op)
	if KindOf(err) == NotSupported {
		return Operation{}, nil
	}
	if err != nil {
		return Operation{}, err
	}
	return p.Operation(ctx, u, key)
}

// ProductSheetFor implements UserProducts: the identity's bank's sheet.
func (r *Router) ProductSheetFor(ctx context.Context, u User, locale string) (ProductSheet, error) {
	p, err := power[Products](r, ident(u), "banks.Router.ProductSheetFor")
	if err != nil {
		return ProductSheet{}, err
	}
	return p.ProductSheet(ctx, locale)
}

// Sorted returns the ids in alphabetical order (for listings).
func (r *Router) Sorted() []string {
	ids := r.IDs()
	sort.Strings(ids)
	return ids
}
