package banks

import (
	"context"
	"time"
)

// The interfaces below are optional powers a connector may have besides
// Connector; the skill finds them by type assertion. Every call that
// changes something takes an idempotency key: the same key never acts
// twice and returns the first result, so a retried request cannot move
// money twice.

// PaymentRequest moves money from one of the user's accounts to another
// of them, to a saved payee or to a saved biller (exactly one of ToAccountID,
// PayeeID, BillerID).
type PaymentRequest struct {
	Key           string
	FromAccountID string
	ToAccountID   string
	PayeeID       string
	BillerID      string
	Amount        Money
	// Date is the day to pay; zero or today pays now, a later day schedules.
	Date time.Time
}

// PaymentResult says what happened.
type PaymentResult struct {
	Reference string
	Scheduled bool
	Date      time.Time
	// FromBalance is the source account's balance afterwards (zero when
	// the bank does not say).
	FromBalance Balance
	// AwaitingApproval: the bank waits for the customer to approve the
	// payment in the bank's own app (decoupled strong customer
	// authentication). Nothing has moved yet. Pay again with the same key
	// and request to learn the outcome: the result once approved, or
	// Forbidden with reason sca_rejected or sca_expired.
	AwaitingApproval bool
}

// Payments is implemented by connectors that can move money.
type Payments interface {
	// Pay executes or schedules a payment, or starts it and reports
	// AwaitingApproval. The same key never pays twice: a repeat returns
	// the first outcome (or the approval's progress). Errors: Invalid,
	// NotFound, Forbidden with reason insufficient_funds, account_frozen,
	// account_closed, not_allowed, sca_rejected or sca_expired,
	// Unavailable.
	Pay(ctx context.Context, u User, p PaymentRequest) (PaymentResult, error)
}

// Operation is what became of an action the bank was asked to do under
// an idempotency key.
type Operation struct {
	// Applied is false when the bank never received or never applied the key.
	Applied   bool
	Scheduled bool
	Reference string
}

// Operations is implemented by connectors that can be asked what became
// of an idempotency key, so that an action whose answer was lost (a
// timeout) is checked rather than guessed or sent again.
type Operations interface {
	// Operation looks an idempotency key up. Errors: Unavailable.
	Operation(ctx context.Context, u User, key string) (Operation, error)
}

// CardOrder is a replacement card, cheque book or other order.
type CardOrder struct {
	Reference string
	Arrives   time.Time
}

// CardControls is implemented by connectors that can lock and replace cards.
type CardControls interface {
	// SetCardLocked locks or unlocks a card. Errors: NotFound, Unavailable.
	SetCardLocked(ctx context.Context, u User, cardID string, locked bool, key string) error
	// ReplaceCard orders a new card; lost also blocks the old one for good.
	// Errors: NotFound, Unavailable.
	ReplaceCard(ctx context.Context, u User, cardID string, lost bool, key string) (CardOrder, error)
}

// AccountStatus is whether an account can be used.
type AccountStatus struct {
	Status string // open, frozen, closed
	Reason string // identity_check, customer_request, suspected_fraud, ...
	Since  time.Time
}

// AccountControls is implemented by connectors that can freeze accounts.
type AccountControls interface {
	// Status returns an account's status. Errors: NotFound, Unavailable.
	Status(ctx context.Context, u User, accountID string) (AccountStatus, error)
	// Freeze blocks an account at the customer's request. Errors: NotFound, Unavailable.
	Freeze(ctx context.Context, u User, accountID, key string) error
}

// Statement is a credit card statement.
type Statement struct {
	AccountID      string
	ClosingDate    time.Time
	DueDate        time.Time
	Balance        Money // positive: owed
	MinimumPayment Money
	Paid           Money // paid since closing
}

// Bill is a saved biller's latest bill.
type Bill struct {
	BillerID string
	Amount   Money
	DueDate  time.Time
	Paid     bool
}

// Statements is implemented by connectors that know statements and bills.
type Statements interface {
	// CardStatement returns the latest statement of a credit card account.
	// Errors: NotFound, NotSupported, Unavailable.
	CardStatement(ctx context.Context, u User, accountID string) (Statement, error)
	// Bills returns the latest bill of each saved biller. Errors: Unavailable.
	Bills(ctx context.Context, u User) ([]Bill, error)
}

// Rewards is implemented by connectors that keep card rewards.
type Rewards interface {
	// RewardsBalance returns points and their cash value. Errors: NotFound, Unavailable.
	RewardsBalance(ctx context.Context, u User, accountID string) (points int64, value Money, err error)
	// RedeemRewards turns all points into a statement credit. Errors: NotFound, Forbidden (nothing to redeem), Unavailable.
	RedeemRewards(ctx context.Context, u User, accountID, key string) (credited Money, err error)
}

// Alert is a suspicious transaction the bank asks the customer about.
type Alert struct {
	ID            string
	TransactionID string
	CardID        string
	Amount        Money
	Merchant      string
	Time          time.Time
	Status        string // open, genuine, fraud
}

// Fraud is implemented by connectors with fraud alerts and cases.
type Fraud interface {
	// Alerts lists the user's alerts, open ones first, newest first. Errors: Unavailable.
	Alerts(ctx context.Context, u User) ([]Alert, error)
	// ResolveAlert marks an alert genuine or fraud. Errors: NotFound, Unavailable.
	ResolveAlert(ctx context.Context, u User, alertID string, genuine bool, key string) error
	// OpenCase opens a fraud case for a card (and a transaction, if known).
	// Errors: NotFound, Unavailable.
	OpenCase(ctx context.Context, u User, cardID, transactionID, key string) (reference string, err error)
}

// AccountNumbers is implemented by connectors that reveal account numbers.
type AccountNumbers interface {
	// AccountNumber returns the full account number (IBAN in Europe).
	// Errors: NotFound, Unavailable.
	AccountNumber(ctx context.Context, u User, accountID string) (string, error)
}

// Requests is implemented by connectors that take service requests.
type Requests interface {
	// Request files a service request: credit_limit_increase, checks. Errors:
	// NotFound, NotSupported, Unavailable.
	Request(ctx context.Context, u User, kind, accountID, key string) (CardOrder, error)
}

// Profile is implemented by connectors that know a customer's credit score.
type Profile interface {
	// CreditScore returns the scoring system ("fico", "schufa") and score.
	// Errors: NotSupported, Unavailable.
	CreditScore(ctx context.Context, u User) (system, score string, err error)
}

// ProductSheet is a bank partner's product facts: what Konto says about
// rates, fees, support and limits. The sandbox ships one per locale.
type ProductSheet struct {
	Bank             string            `yaml:"bank"`
	RoutingNumber    string            `yaml:"routing_number"` // US
	SortCode         string            `yaml:"sort_code"`      // UK
	BIC              string            `yaml:"bic"`
	SupportPhone     string            `yaml:"support_phone"`
	SupportHours     string            `yaml:"support_hours"`
	Rates            map[string]string `yaml:"rates"` // account kind → percent a year
	Fees             map[string]string `yaml:"fees"`  // foreign_transaction, atm_abroad, monthly, overdraft, wire
	CardDeliveryDays int               `yaml:"card_delivery_days"`
	PerTransferLimit string            `yaml:"per_transfer_limit"`
	PerDayLimit      string            `yaml:"per_day_limit"`
	CardApplication  string            `yaml:"card_application"`
	OrdersChecks     bool              `yaml:"orders_checks"`
	Currency         string            `yaml:"currency"`
	// Products are the bank's product names and what customers call them
	// ("my Platinum card", "Sparbuch"); the recognizer learns them at start-up.
	Products []Product `yaml:"products"`
	// FAQ are the bank's answers to support questions the intent catalog
	// has no intent for (a card that has not arrived, branch hours, a
	// mortgage), in the sheet's language.
	FAQ []FAQEntry `yaml:"faq"`
	// Glossary are the bank's own words and its versions of common ones
	// ("Instant Saver", "Dispo"), answered when a customer asks what a
	// word means. They extend Konto's built-in glossary of the locale; an
	// entry whose term or synonym is a built-in one replaces it.
	Glossary []GlossaryEntry `yaml:"glossary"`
	// Merchants are nicknames customers use for merchants ("the tube" for
	// Transport for London, "die Bahn"), matched before the sound of a
	// name is.
	Merchants []MerchantNames `yaml:"merchants"`
}

// MerchantNames is a merchant as its transactions name it and what
// customers call it.
type MerchantNames struct {
	Name      string   `yaml:"name"`
	Nicknames []string `yaml:"nicknames"`
}

// GlossaryEntry is one banking word a customer may ask the meaning of:
// the word, what else people call it, and a short spoken definition.
type GlossaryEntry struct {
	Term     string   `yaml:"term"`
	Synonyms []string `yaml:"synonyms"` // other names and spellings, in the sheet's language
	Answer   string   `yaml:"answer"`   // short and speakable; nothing about the customer
	// OnlyMeaning keeps the term from "what is X", where the word also
	// asks for the customer's own things ("what is pending").
	OnlyMeaning bool `yaml:"only_meaning"`
}

// FAQEntry is one support question of a product sheet: a few ways
// customers ask it and the answer Konto speaks.
type FAQEntry struct {
	ID        string   `yaml:"id"`
	Questions []string `yaml:"questions"` // example questions, in the sheet's language
	Answer    string   `yaml:"answer"`    // short and speakable
	Link      string   `yaml:"link"`      // optional: shown on the card
}

// Product is one of a bank's products as customers name it: the kind of
// account it is (checking, savings, credit_card or loan; a credit_card is
// also a credit card) and the names and nicknames people say.
type Product struct {
	Name     string   `yaml:"name"`
	Account  string   `yaml:"account"`
	Synonyms []string `yaml:"synonyms"`
}

// Products is implemented by connectors that carry a product sheet.
type Products interface {
	// ProductSheet returns the sheet for a locale. Errors: NotSupported.
	ProductSheet(ctx context.Context, locale string) (ProductSheet, error)
}
