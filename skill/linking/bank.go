package linking

import (
	"context"
	"net/url"
	"time"

	"github.com/kontoskill/konto/banks"
)

// BankRedirect sends a person to their bank's own authorisation page (UK
// Open Banking, Berlin Group) and completes the link when the bank sends
// them back to Issuer + CallbackPath. The server keeps what Start returns
// sealed with the person's flow, checks the state the bank sends back,
// and keeps what Complete returns sealed with the grant.
type BankRedirect interface {
	// Start creates the consent at the bank for these scopes and this
	// long and returns the page to send the person to. Errors:
	// Unavailable, NotSupported.
	Start(ctx context.Context, r BankStart) (BankAuth, error)
	// Complete finishes at the callback: it exchanges what the bank sent
	// for the bank's tokens and says whose account it is. Errors:
	// NotLinked (the person refused, or the bank's answer is not valid),
	// Unavailable.
	Complete(ctx context.Context, c BankCallback) (BankLink, error)
}

// BankStart is what a BankRedirect starts a bank consent with.
type BankStart struct {
	Bank   Bank
	Scopes []string
	// Until is the end of the consent the person chose.
	Until time.Time
	// RedirectURI is Issuer + CallbackPath, registered at the bank.
	RedirectURI string
	// State is to be sent to the bank, which sends it back unchanged.
	State  string
	Locale string
}

// BankAuth is where to send the person.
type BankAuth struct {
	URL string // the bank's authorisation page
	// Data is kept (sealed, with the flow) and handed to Complete: a PKCE
	// verifier, the bank's consent id, ...
	Data []byte
}

// BankCallback is the bank's answer at the callback.
type BankCallback struct {
	Bank        Bank
	Query       url.Values // the callback's parameters (code, state, error, ...)
	RedirectURI string
	Data        []byte // BankAuth.Data
}

// BankLink is a completed bank consent.
type BankLink struct {
	// User is the bank customer; the server sets Bank to the bank's id.
	User      banks.User
	ConsentID string
	// Tokens are the bank's tokens in whatever form the connector reads
	// them; kept sealed with the grant (see Server.BankTokens).
	Tokens []byte
	// ExpiresAt is when the bank's consent ends; zero if as chosen.
	ExpiresAt time.Time
}

// BankRevoker is implemented by a BankRedirect that can end a consent at
// the bank; Authenticator.RevokeAccess calls it after revoking locally.
type BankRevoker interface {
	// RevokeConsent ends a grant's consent at its bank. Errors: Unavailable.
	RevokeConsent(ctx context.Context, g Grant, tokens []byte) error
}
