// Package banks holds Konto's banking domain: money, accounts, balances,
// transactions, cards and saved recipients, and the small interfaces a bank
// connector implements. It imports nothing of the rest of Konto.
package banks

import (
	"time"
)

// User identifies a customer at a bank, as resolved from a linked access
// token. Connectors scope every call to it: a connector never returns or
// touches data that does not belong to the user.
type User struct {
	// Bank names the connector that holds the customer ("sandbox", ...).
	Bank string
	// Customer is the bank's own customer reference.
	Customer string
	// Locale is the customer's preferred locale, such as "en-US" or "de-DE".
	Locale string
	// Others are the person's links at further banks, when they linked
	// more than one to the same assistant: Bank and Customer above stay
	// the person's identity (PIN, pseudonyms, audit), and a Router reads
	// across all of them. Empty for a person with one bank; the Others
	// have no Others of their own.
	Others []User
}

// AccountKind is the product type of an account.
type AccountKind string

// The account kinds Konto speaks about.
const (
	Checking   AccountKind = "checking"
	Savings    AccountKind = "savings"
	CreditCard AccountKind = "credit_card"
	Loan       AccountKind = "loan"
)

// Valid reports whether k is one of the known account kinds.
func (k AccountKind) Valid() bool {
	switch k {
	case Checking, Savings, CreditCard, Loan:
		return true
	}
	return false
}

// Account is one of a customer's accounts.
type Account struct {
	ID       string
	Kind     AccountKind
	Name     string // display name, such as "Everyday Checking"
	LastFour string // last four digits of the account number
	Currency string // ISO 4217
	// CreditLimit is set for credit cards and zero otherwise.
	CreditLimit Money
}

// Balance is an account's balance at a moment. For credit cards and loans a
// negative booked balance is the amount owed.
type Balance struct {
	AccountID string
	Booked    Money
	Available Money
	AsOf      time.Time
}

// TxStatus is the state of a transaction.
type TxStatus string

// Transaction states.
const (
	Booked   TxStatus = "booked"
	Pending  TxStatus = "pending"
	Declined TxStatus = "declined"
)

// Transaction is one movement (or attempted movement) on an account.
// Amount is negative for money going out.
type Transaction struct {
	ID            string
	AccountID     string
	Time          time.Time
	Amount        Money
	Merchant      string
	Category      string
	Status        TxStatus
	DeclineReason string // set when Status is Declined
}

// CardKind is debit or credit.
type CardKind string

// Card kinds.
const (
	Debit  CardKind = "debit"
	Credit CardKind = "credit"
)

// Card is a payment card tied to an account.
type Card struct {
	ID        string
	AccountID string
	Kind      CardKind
	LastFour  string
	Expiry    time.Time // the last day the card is valid
	Locked    bool
}

// Payee is a saved person or company the customer sends money to.
type Payee struct {
	ID       string
	Name     string
	LastFour string
}

// Biller is a saved company the customer pays bills to.
type Biller struct {
	ID       string
	Name     string
	Kind     string // electricity, gas, water, phone, internet, rent, insurance, credit_card, tv, other
	LastFour string // last four of the customer's reference number with the biller
}
