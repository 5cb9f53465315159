package main

import (
	"context"
	"time"

	"github.com/kontoskill/konto/banks"
)

// meteredBank times every call the core makes to its bank connector, by
// bank id and operation. The core finds a connector's optional powers by
// type assertion, so a wrapper must have exactly the powers of what it
// wraps: meterBank wraps only connectors with every power the core asks
// the bank for (the sandbox and banks.Router, which answer NotSupported
// for what a bank cannot do), and keeps Products and UserProducts as the
// inner connector has them. Anything else is left unwrapped.
type meteredBank struct {
	inner fullBank
	m     *metrics
	known map[string]bool // bank ids that may be labels
}

// fullBank is every power the core asserts on its bank but the product
// sheets (Authenticator and Revoker it asks of its Auth, not its Bank).
type fullBank interface {
	banks.Connector
	banks.Cards
	banks.Recipients
	banks.Payments
	banks.CardControls
	banks.AccountControls
	banks.Statements
	banks.Rewards
	banks.Fraud
	banks.AccountNumbers
	banks.Requests
	banks.Profile
	banks.Operations
}

var _ fullBank = (*meteredBank)(nil)

type meteredProducts struct{ *meteredBank }
type meteredUserProducts struct{ *meteredBank }
type meteredBothProducts struct{ *meteredBank }

// meterBank wraps c so that m times its calls, labelled with the user's
// bank when it is one of ids and "other" otherwise. ok is false, and c
// is returned as it is, when c lacks a power the wrapper would claim.
func meterBank(c banks.Connector, m *metrics, ids []string) (banks.Connector, bool) {
	full, isFull := c.(fullBank)
	if !isFull || m == nil {
		return c, false
	}
	b := &meteredBank{inner: full, m: m, known: map[string]bool{}}
	for _, id := range ids {
		b.known[id] = true
	}
	_, p := c.(banks.Products)
	_, up := c.(banks.UserProducts)
	switch {
	case p && up:
		return meteredBothProducts{b}, true
	case p:
		return meteredProducts{b}, true
	case up:
		return meteredUserProducts{b}, true
	}
	return b, true
}

func (b *meteredBank) done(u banks.User, op string, start time.Time, err error) {
	bank := u.Bank
	if !b.known[bank] {
		bank = "other"
	}
	b.m.bankCall(bank, op, start, err)
}

func (b *meteredBank) Accounts(ctx context.Context, u banks.User) ([]banks.Account, error) {
	t := time.Now()
	v, err := b.inner.Accounts(ctx, u)
	b.done(u, "accounts", t, err)
	return v, err
}

func (b *meteredBank) Balance(ctx context.Context, u banks.User, accountID string) (banks.Balance, error) {
	t := time.Now()
	v, err := b.inner.Balance(ctx, u, accountID)
	b.done(u, "balance", t, err)
	return v, err
}

// AccountBalances is the sandbox's batch read of accounts and balances
// (skill's accountBalances), timed as one "balance" call when the inner
// connector has it; otherwise it is Accounts and a Balance per account
// of the kind, each timed, as the core would ask them: claiming it is
// safe for any inner connector.
func (b *meteredBank) AccountBalances(ctx context.Context, u banks.User, kind banks.AccountKind) ([]banks.Account, []banks.Balance, error) {
	if ab, ok := b.inner.(interface {
		AccountBalances(ctx context.Context, u banks.User, kind banks.AccountKind) ([]banks.Account, []banks.Balance, error)
	}); ok {
		t := time.Now()
		accts, bals, err := ab.AccountBalances(ctx, u, kind)
		b.done(u, "balance", t, err)
		return accts, bals, err
	}
	all, err := b.Accounts(ctx, u)
	if err != nil {
		return nil, nil, err
	}
	var accts []banks.Account
	var bals []banks.Balance
	for _, a := range all {
		if kind != "" && a.Kind != kind {
			continue
		}
		bal, err := b.Balance(ctx, u, a.ID)
		if err != nil {
			return nil, nil, err
		}
		accts, bals = append(accts, a), append(bals, bal)
	}
	return accts, bals, nil
}

func (b *meteredBank) Transactions(ctx context.Context, u banks.User, f banks.TxFilter) ([]banks.Transaction, error) {
	t := time.Now()
	v, err := b.inner.Transactions(ctx, u, f)
	b.done(u, "transactions", t, err)
	return v, err
}

func (b *meteredBank) Cards(ctx context.Context, u banks.User) ([]banks.Card, error) {
	t := time.Now()
	v, err := b.inner.Cards(ctx, u)
	b.done(u, "cards", t, err)
	return v, err
}

func (b *meteredBank) Payees(ctx context.Context, u banks.User) ([]banks.Payee, error) {
	t := time.Now()
	v, err := b.inner.Payees(ctx, u)
	b.done(u, "payees", t, err)
	return v, err
}

func (b *meteredBank) Billers(ctx context.Context, u banks.User) ([]banks.Biller, error) {
	t := time.Now()
	v, err := b.inner.Billers(ctx, u)
	b.done(u, "billers", t, err)
	return v, err
}

func (b *meteredBank) Pay(ctx context.Context, u banks.User, p banks.PaymentRequest) (banks.PaymentResult, error) {
	t := time.Now()
	v, err := b.inner.Pay(ctx, u, p)
	b.done(u, "pay", t, err)
	return v, err
}

func (b *meteredBank) Operation(ctx context.Context, u banks.User, key string) (banks.Operation, error) {
	t := time.Now()
	v, err := b.inner.Operation(ctx, u, key)
	b.done(u, "operation", t, err)
	return v, err
}

func (b *meteredBank) SetCardLocked(ctx context.Context, u banks.User, cardID string, locked bool, key string) error {
	t := time.Now()
	err := b.inner.SetCardLocked(ctx, u, cardID, locked, key)
	b.done(u, "set_card_locked", t, err)
	return err
}

func (b *meteredBank) ReplaceCard(ctx context.Context, u banks.User, cardID string, lost bool, key string) (banks.CardOrder, error) {
	t := time.Now()
	v, err := b.inner.ReplaceCard(ctx, u, cardID, lost, key)
	b.done(u, "replace_card", t, err)
	return v, err
}

func (b *meteredBank) Status(ctx context.Context, u banks.User, accountID string) (banks.AccountStatus, error) {
	t := time.Now()
	v, err := b.inner.Status(ctx, u, accountID)
	b.done(u, "account_status", t, err)
	return v, err
}

func (b *meteredBank) Freeze(ctx context.Context, u banks.User, accountID, key string) error {
	t := time.Now()
	err := b.inner.Freeze(ctx, u, accountID, key)
	b.done(u, "freeze", t, err)
	return err
}

func (b *meteredBank) CardStatement(ctx context.Context, u banks.User, accountID string) (banks.Statement, error) {
	t := time.Now()
	v, err := b.inner.CardStatement(ctx, u, accountID)
	b.done(u, "card_statement", t, err)
	return v, err
}

func (b *meteredBank) Bills(ctx context.Context, u banks.User) ([]banks.Bill, error) {
	t := time.Now()
	v, err := b.inner.Bills(ctx, u)
	b.done(u, "bills", t, err)
	return v, err
}

func (b *meteredBank) RewardsBalance(ctx context.Context, u banks.User, accountID string) (int64, banks.Money, error) {
	t := time.Now()
	n, v, err := b.inner.RewardsBalance(ctx, u, accountID)
	b.done(u, "rewards_balance", t, err)
	return n, v, err
}

func (b *meteredBank) RedeemRewards(ctx context.Context, u banks.User, accountID, key string) (banks.Money, error) {
	t := time.Now()
	v, err := b.inner.RedeemRewards(ctx, u, accountID, key)
	b.done(u, "redeem_rewards", t, err)
	return v, err
}

func (b *meteredBank) Alerts(ctx context.Context, u banks.User) ([]banks.Alert, error) {
	t := time.Now()
	v, err := b.inner.Alerts(ctx, u)
	b.done(u, "alerts", t, err)
	return v, err
}

func (b *meteredBank) ResolveAlert(ctx context.Context, u banks.User, alertID string, genuine bool, key string) error {
	t := time.Now()
	err := b.inner.ResolveAlert(ctx, u, alertID, genuine, key)
	b.done(u, "resolve_alert", t, err)
	return err
}

func (b *meteredBank) OpenCase(ctx context.Context, u banks.User, cardID, transactionID, key string) (string, error) {
	t := time.Now()
	v, err := b.inner.OpenCase(ctx, u, cardID, transactionID, key)
	b.done(u, "open_case", t, err)
	return v, err
}

func (b *meteredBank) AccountNumber(ctx context.Context, u banks.User, accountID string) (string, error) {
	t := time.Now()
	v, err := b.inner.AccountNumber(ctx, u, accountID)
	b.done(u, "account_number", t, err)
	return v, err
}

func (b *meteredBank) Request(ctx context.Context, u banks.User, kind, accountID, key string) (banks.CardOrder, error) {
	t := time.Now()
	v, err := b.inner.Request(ctx, u, kind, accountID, key)
	b.done(u, "service_request", t, err)
	return v, err
}

func (b *meteredBank) CreditScore(ctx context.Context, u banks.User) (string, string, error) {
	t := time.Now()
	sys, score, err := b.inner.CreditScore(ctx, u)
	b.done(u, "credit_score", t, err)
	return sys, score, err
}

// Product sheets are configuration, not calls to the bank: not timed.

// ProductSheet implements banks.Products.
func (b meteredProducts) ProductSheet(ctx context.Context, locale string) (banks.ProductSheet, error) {
	return b.inner.(banks.Products).ProductSheet(ctx, locale)
}

// ProductSheetFor implements banks.UserProducts.
func (b meteredUserProducts) ProductSheetFor(ctx context.Context, u banks.User, locale string) (banks.ProductSheet, error) {
	return b.inner.(banks.UserProducts).ProductSheetFor(ctx, u, locale)
}

// ProductSheet implements banks.Products.
func (b meteredBothProducts) ProductSheet(ctx context.Context, locale string) (banks.ProductSheet, error) {
	return b.inner.(banks.Products).ProductSheet(ctx, locale)
}

// ProductSheetFor implements banks.UserProducts.
func (b meteredBothProducts) ProductSheetFor(ctx context.Context, u banks.User, locale string) (banks.ProductSheet, error) {
	return b.inner.(banks.UserProducts).ProductSheetFor(ctx, u, locale)
}
