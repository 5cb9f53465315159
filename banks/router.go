package banks

import (
	"context"
	"fmt"
	"sort"
	"sync"
	"time"
)

// Router is one connector over several banks: every call goes to the
// connector of the user's bank (User.Bank), so the core talks to one
// Connector whatever the banks configured. A power the user's bank does
// not have (a standard without card controls, say) is NotSupported for
// its users, not a failure.
type Router struct {
	banks    map[string]Connector
	order    []string
	breakers map[string]*breaker
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

// Accounts implements Connector.
func (r *Router) Accounts(ctx context.Context, u User) ([]Account, error) {
	c, err := r.of(u, "banks.Router.Accounts")
	if err != nil {
		return nil, err
	}
	return guard(r, u, "banks.Router.Accounts", func() ([]Account, error) { return c.Accounts(ctx, u) })
}

// Balance implements Connector.
func (r *Router) Balance(ctx context.Context, u User, accountID string) (Balance, error) {
	c, err := r.of(u, "banks.Router.Balance")
	if err != nil {
		return Balance{}, err
	}
	return guard(r, u, "banks.Router.Balance", func() (Balance, error) { return c.Balance(ctx, u, accountID) })
}

// Transactions implements Connector.
func (r *Router) Transactions(ctx context.Context, u User, f TxFilter) ([]Transaction, error) {
	c, err := r.of(u, "banks.Router.Transactions")
	if err != nil {
		return nil, err
	}
	return guard(r, u, "banks.Router.Transactions", func() ([]Transaction, error) { return c.Transactions(ctx, u, f) })
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

// RevokeAccess implements Revoker. Errors: NotSupported where the bank
// cannot revoke, Unavailable.
func (r *Router) RevokeAccess(ctx context.Context, u User) error {
	p, err := power[Revoker](r, u, "banks.Router.RevokeAccess")
	if err != nil {
		return err
	}
	return p.RevokeAccess(ctx, u)
}

// Cards implements Cards.
func (r *Router) Cards(ctx context.Context, u User) ([]Card, error) {
	p, err := power[Cards](r, u, "banks.Router.Cards")
	if err != nil {
		return nil, err
	}
	return p.Cards(ctx, u)
}

// Payees implements Recipients.
func (r *Router) Payees(ctx context.Context, u User) ([]Payee, error) {
	p, err := power[Recipients](r, u, "banks.Router.Payees")
	if err != nil {
		return nil, err
	}
	return guard(r, u, "banks.Router.Payees", func() ([]Payee, error) { return p.Payees(ctx, u) })
}

// Billers implements Recipients.
func (r *Router) Billers(ctx context.Context, u User) ([]Biller, error) {
	p, err := power[Recipients](r, u, "banks.Router.Billers")
	if err != nil {
		return nil, err
	}
	return p.Billers(ctx, u)
}

// Pay implements Payments.
func (r *Router) Pay(ctx context.Context, u User, req PaymentRequest) (PaymentResult, error) {
	p, err := power[Payments](r, u, "banks.Router.Pay")
	if err != nil {
		return PaymentResult{}, err
	}
	return guard(r, u, "banks.Router.Pay", func() (PaymentResult, error) { return p.Pay(ctx, u, req) })
}

// SetCardLocked implements CardControls.
func (r *Router) SetCardLocked(ctx context.Context, u User, cardID string, locked bool, key string) error {
	p, err := power[CardControls](r, u, "banks.Router.SetCardLocked")
	if err != nil {
		return err
	}
	return p.SetCardLocked(ctx, u, cardID, locked, key)
}

// ReplaceCard implements CardControls.
func (r *Router) ReplaceCard(ctx context.Context, u User, cardID string, lost bool, key string) (CardOrder, error) {
	p, err := power[CardControls](r, u, "banks.Router.ReplaceCard")
	if err != nil {
		return CardOrder{}, err
	}
	return p.ReplaceCard(ctx, u, cardID, lost, key)
}

// Status implements AccountControls.
func (r *Router) Status(ctx context.Context, u User, accountID string) (AccountStatus, error) {
	p, err := power[AccountControls](r, u, "banks.Router.Status")
	if err != nil {
		return AccountStatus{}, err
	}
	return p.Status(ctx, u, accountID)
}

// Freeze implements AccountControls.
func (r *Router) Freeze(ctx context.Context, u User, accountID, key string) error {
	p, err := power[AccountControls](r, u, "banks.Router.Freeze")
	if err != nil {
		return err
	}
	return p.Freeze(ctx, u, accountID, key)
}

// CardStatement implements Statements.
func (r *Router) CardStatement(ctx context.Context, u User, accountID string) (Statement, error) {
	p, err := power[Statements](r, u, "banks.Router.CardStatement")
	if err != nil {
		return Statement{}, err
	}
	return p.CardStatement(ctx, u, accountID)
}

// Bills implements Statements.
func (r *Router) Bills(ctx context.Context, u User) ([]Bill, error) {
	p, err := power[Statements](r, u, "banks.Router.Bills")
	if err != nil {
		return nil, err
	}
	return p.Bills(ctx, u)
}

// RewardsBalance implements Rewards.
func (r *Router) RewardsBalance(ctx context.Context, u User, accountID string) (int64, Money, error) {
	p, err := power[Rewards](r, u, "banks.Router.RewardsBalance")
	if err != nil {
		return 0, Money{}, err
	}
	return p.RewardsBalance(ctx, u, accountID)
}

// RedeemRewards implements Rewards.
func (r *Router) RedeemRewards(ctx context.Context, u User, accountID, key string) (Money, error) {
	p, err := power[Rewards](r, u, "banks.Router.RedeemRewards")
	if err != nil {
		return Money{}, err
	}
	return p.RedeemRewards(ctx, u, accountID, key)
}

// Alerts implements Fraud. A bank without fraud alerts has none to tell.
func (r *Router) Alerts(ctx context.Context, u User) ([]Alert, error) {
	p, err := power[Fraud](r, u, "banks.Router.Alerts")
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
	p, err := power[Fraud](r, u, "banks.Router.ResolveAlert")
	if err != nil {
		return err
	}
	return p.ResolveAlert(ctx, u, alertID, genuine, key)
}

// OpenCase implements Fraud.
func (r *Router) OpenCase(ctx context.Context, u User, cardID, transactionID, key string) (string, error) {
	p, err := power[Fraud](r, u, "banks.Router.OpenCase")
	if err != nil {
		return "", err
	}
	return p.OpenCase(ctx, u, cardID, transactionID, key)
}

// AccountNumber implements AccountNumbers.
func (r *Router) AccountNumber(ctx context.Context, u User, accountID string) (string, error) {
	p, err := power[AccountNumbers](r, u, "banks.Router.AccountNumber")
	if err != nil {
		return "", err
	}
	return p.AccountNumber(ctx, u, accountID)
}

// Request implements Requests.
func (r *Router) Request(ctx context.Context, u User, kind, accountID, key string) (CardOrder, error) {
	p, err := power[Requests](r, u, "banks.Router.Request")
	if err != nil {
		return CardOrder{}, err
	}
	return p.Request(ctx, u, kind, accountID, key)
}

// CreditScore implements Profile.
func (r *Router) CreditScore(ctx context.Context, u User) (string, string, error) {
	p, err := power[Profile](r, u, "banks.Router.CreditScore")
	if err != nil {
		return "", "", err
	}
	return p.CreditScore(ctx, u)
}

// Operation implements Operations. A bank that cannot be asked knows
// nothing of the key.
func (r *Router) Operation(ctx context.Context, u User, key string) (Operation, error) {
	p, err := power[Operations](r, u, "banks.Router.Operation")
	if KindOf(err) == NotSupported {
		return Operation{}, nil
	}
	if err != nil {
		return Operation{}, err
	}
	return p.Operation(ctx, u, key)
}

// ProductSheetFor implements UserProducts.
func (r *Router) ProductSheetFor(ctx context.Context, u User, locale string) (ProductSheet, error) {
	p, err := power[Products](r, u, "banks.Router.ProductSheetFor")
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
