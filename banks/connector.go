package banks

import (
	"context"
	"time"
)

// Connector is the read-only view of a bank that every connector provides.
// Each call is scoped to one user: an account id that is not the user's is
// NotFound, never another customer's data.
type Connector interface {
	// Accounts lists the user's accounts. Errors: NotLinked, ConsentExpired, Unavailable.
	Accounts(ctx context.Context, u User) ([]Account, error)
	// Balance returns one account's balance. Errors: NotFound, NotLinked, Unavailable.
	Balance(ctx context.Context, u User, accountID string) (Balance, error)
	// Transactions lists the user's transactions matching f, newest first.
	// Errors: NotFound (unknown account), Invalid (bad filter), NotLinked, Unavailable.
	Transactions(ctx context.Context, u User, f TxFilter) ([]Transaction, error)
}

// TxFilter narrows a transaction listing. Zero fields do not filter.
type TxFilter struct {
	AccountID string
	// From and To bound the booking time: From <= t < To.
	From, To time.Time
	// Merchant matches case-insensitively as a substring of the merchant name.
	Merchant string
	Category string
	// Statuses keeps only these states; empty means booked and pending.
	Statuses []TxStatus
	// Limit caps the result; 0 means no cap.
	Limit int
}

// Authenticator turns an access token, as presented by an assistant
// platform after account linking, into the bank user it stands for.
type Authenticator interface {
	// Authenticate returns the user behind token. Errors: NotLinked for an
	// unknown, expired or revoked token.
	Authenticate(ctx context.Context, token string) (User, error)
}

// Revoker is implemented by authenticators that can withdraw Konto's
// access for a customer, so that a user who deleted their data is not
// linked again by the next request with the old token.
type Revoker interface {
	// RevokeAccess revokes every access token of the user. Errors: Unavailable.
	RevokeAccess(ctx context.Context, u User) error
}

// Cards is implemented by connectors that can list cards.
type Cards interface {
	// Cards lists the user's cards. Errors: NotLinked, Unavailable.
	Cards(ctx context.Context, u User) ([]Card, error)
}

// Recipients is implemented by connectors that know saved payees and billers.
type Recipients interface {
	// Payees lists saved payees. Errors: NotLinked, Unavailable.
	Payees(ctx context.Context, u User) ([]Payee, error)
	// Billers lists saved billers. Errors: NotLinked, Unavailable.
	Billers(ctx context.Context, u User) ([]Biller, error)
}
