// Package linking is Konto's OAuth 2.0 authorization server: the one every
// assistant (Alexa today; Dialogflow and Messenger later) links a person's
// bank account through. It wraps github.com/ory/fosite: the authorization
// code grant with PKCE (S256 only), rotating refresh tokens with reuse
// detection, client_secret_basic and client_secret_post, revocation
// (RFC 7009) and discovery metadata (RFC 8414). Around it are the pages a
// person sees while linking (choose the bank, say what Konto may do and for
// how long, sign in at the bank, set a voice PIN) and the consent ledger:
// one Grant per link, whose codes and tokens form one family that is
// revoked as a whole.
//
// Codes and tokens are kept only as their HMAC signatures (the fosite HMAC
// strategy, keyed with the data directory's secret), so that a copy of the
// database cannot be used to call Konto; bank tokens are sealed with
// AES-GCM under a key derived from the same secret.
//
// The Store is implemented by skill/sqlite and skill/postgres. The core
// authenticates the tokens this server issues with Authenticator.
package linking

import (
	"context"
	"time"
)

// The scopes a person can grant, in plain words on the consent page.
const (
	ScopeAccounts = "accounts" // see balances and transactions
	ScopePayments = "payments" // move money to saved payees up to the daily limit; unlock or replace a card, order checks, ask for a higher limit
	ScopeAlerts   = "alerts"   // fraud alerts
)

// Scopes are all scopes, in the order the consent page lists them.
var Scopes = []string{ScopeAccounts, ScopePayments, ScopeAlerts}

// The bank standards a Bank can speak. A sandbox bank signs its customers
// in on Konto's own page (Options.SignIn); the others send them to the
// bank's own authorisation page (Options.BankRedirect).
const (
	StandardSandbox     = "sandbox"
	StandardUKOB        = "ukob"
	StandardBerlinGroup = "berlingroup"
)

// Bank is a bank a person can link, as offered on the first page.
type Bank struct {
	ID       string // the bank id the core's banks.Router knows ("sandbox", ...)
	Name     string // what the person reads
	Standard string // StandardSandbox, StandardUKOB or StandardBerlinGroup
	// ConsentDays is the longest consent this bank gives (and the one
	// offered first); Options.ConsentDays if zero.
	ConsentDays int
}

// Client is an assistant platform registered to link accounts (the Alexa
// skill, ...). Only a bcrypt hash of its secret is kept.
type Client struct {
	ID           string
	Name         string
	RedirectURIs []string // matched exactly
	SecretHash   string
	CreatedAt    time.Time
}

// Grant is one entry of the consent ledger: a person allowed a client to
// use their bank account through Konto, with these scopes, until
// ExpiresAt. Its codes and tokens are one family: revoking the grant ends
// them all.
type Grant struct {
	ID        string
	ClientID  string
	Bank      string // the bank id
	Customer  string // the bank's customer reference
	Locale    string
	ConsentID string // the bank's consent id; empty for the sandbox
	Scopes    []string
	GrantedAt time.Time
	ExpiresAt time.Time
	RevokedAt time.Time // zero while in force
	LastUsed  time.Time // zero before first use; updated about hourly
	// BankTokens are the bank's tokens for this consent, sealed by the
	// server (AES-GCM); nil when the bank gave none.
	BankTokens []byte
	// further: this is a grant's further bank (GrantBank) seen as a
	// Grant, whose tokens are sealed to the grant and the bank.
	further bool
}

// GrantBank is a further bank of a grant: a person who has more than one
// bank links them all to an assistant in one go, and the grant's own Bank
// and Customer stay the person's identity (their voice PIN, pseudonyms
// and audit). Each further bank has its own consent there, under the
// grant's scopes, and ends with the grant at the latest.
type GrantBank struct {
	GrantID   string
	Bank      string // the bank id
	Customer  string // the bank's customer reference
	Locale    string
	ConsentID string // the bank's consent id; empty for the sandbox
	Scopes    []string
	GrantedAt time.Time
	ExpiresAt time.Time
	RevokedAt time.Time // zero while in force
	// BankTokens are the bank's tokens for this consent, sealed by the
	// server (AES-GCM, bound to the grant and the bank); nil when the
	// bank gave none.
	BankTokens []byte
}

// GrantBanks is implemented by stores that keep more than one bank per
// grant (skill/sqlite and skill/postgres); the server offers "add another bank" only with
// one. Revoking a grant (RevokeGrant, RevokeGrants) revokes its banks
// too, and RevokeGrants forgets their customers and tokens as well.
type GrantBanks interface {
	// AddGrantBank records a further bank of a grant. Errors: NotFound
	// for an unknown grant, Invalid for a bank the grant already holds,
	// Unavailable.
	AddGrantBank(ctx context.Context, b GrantBank) error
	// GrantBanks lists a grant's further banks in the order added.
	// Errors: Unavailable.
	GrantBanks(ctx context.Context, grantID string) ([]GrantBank, error)
	// CustomerGrantBanks lists the further banks of any grant that are
	// a bank customer's, oldest first. Errors: Unavailable.
	CustomerGrantBanks(ctx context.Context, bank, customer string) ([]GrantBank, error)
}

// The kinds of Token.
const (
	KindCode    = "code"    // an authorization code
	KindPKCE    = "pkce"    // the PKCE challenge of a code (same signature)
	KindAccess  = "access"  // an access token
	KindRefresh = "refresh" // a refresh token
)

// Token is a code or token of a grant as stored: its HMAC signature, never
// the token itself.
type Token struct {
	Kind      string
	Signature string
	GrantID   string
	IssuedAt  time.Time
	ExpiresAt time.Time
	Active    bool
	// Form is what of the request is kept with it, URL-encoded (the
	// redirect URI of a code, the challenge of a PKCE entry).
	Form string
}

// TokenWrite is what one step of the protocol writes, all or nothing.
type TokenWrite struct {
	// ConsumeKind and ConsumeSignature name the code or refresh token this
	// write uses up (empty: none). It must be active; it is deactivated,
	// and a consumed refresh token takes the grant's older access tokens
	// with it.
	ConsumeKind, ConsumeSignature string
	// Tokens are the new codes and tokens.
	Tokens []Token
}

// Flow is a person's linking in progress, kept between the pages: its data
// is sealed by the server; IDHash is the SHA-256 of the id in the
// person's cookie.
type Flow struct {
	IDHash    []byte
	Data      []byte
	ExpiresAt time.Time
}

// Store keeps the authorization server's state, one small interface per
// concern. skill/sqlite and skill/postgres implement it. Times are passed
// in: the server's clock decides.
type Store interface {
	Clients
	Grants
	Tokens
	Flows
	// PurgeOAuth forgets codes, tokens and flows that expired before
	// before; grants stay as the record of consent. Errors: Unavailable.
	PurgeOAuth(ctx context.Context, before time.Time) error
}

// Clients keeps the registered clients.
type Clients interface {
	// CreateOAuthClient registers a client. Errors: Invalid for an id
	// already taken, Unavailable.
	CreateOAuthClient(ctx context.Context, c Client) error
	// OAuthClient returns a client. Errors: NotFound, Unavailable.
	OAuthClient(ctx context.Context, id string) (Client, error)
	// OAuthClients lists the clients by id. Errors: Unavailable.
	OAuthClients(ctx context.Context) ([]Client, error)
}

// Grants is the consent ledger.
type Grants interface {
	// CreateGrant records a grant. Errors: Invalid for an id already
	// taken, NotFound for an unknown client, Unavailable.
	CreateGrant(ctx context.Context, g Grant) error
	// Grant returns a grant. Errors: NotFound, Unavailable.
	Grant(ctx context.Context, id string) (Grant, error)
	// Grants lists a bank customer's grants, oldest first. Errors:
	// Unavailable.
	Grants(ctx context.Context, bank, customer string) ([]Grant, error)
	// RevokeGrant revokes a grant at at and deactivates all its codes and
	// tokens in one transaction. A revoked or unknown grant is not an
	// error. Errors: Unavailable.
	RevokeGrant(ctx context.Context, id string, at time.Time) error
	// RevokeGrants does RevokeGrant for every grant of a bank customer.
	// Errors: Unavailable.
	RevokeGrants(ctx context.Context, bank, customer string, at time.Time) error
	// TouchGrant sets when a grant was last used. Errors: Unavailable.
	TouchGrant(ctx context.Context, id string, at time.Time) error
}

// Tokens keeps codes and tokens by their signatures.
type Tokens interface {
	// SaveOAuthTokens applies w in one transaction. Errors: Forbidden,
	// with nothing written, when the token to consume is missing or not
	// active or a token's grant is revoked; Unavailable.
	SaveOAuthTokens(ctx context.Context, w TokenWrite) error
	// OAuthToken returns a token, active or not, with its grant.
	// Errors: NotFound, Unavailable.
	OAuthToken(ctx context.Context, kind, signature string) (Token, Grant, error)
	// DeactivateOAuthToken ends one token; a missing or inactive one is
	// not an error. Errors: Unavailable.
	DeactivateOAuthToken(ctx context.Context, kind, signature string) error
}

// Flows keeps linking flows between pages.
type Flows interface {
	// SaveLinkFlow creates or replaces a flow. Errors: Unavailable.
	SaveLinkFlow(ctx context.Context, f Flow) error
	// LinkFlow returns a flow, expired or not. Errors: NotFound,
	// Unavailable.
	LinkFlow(ctx context.Context, idHash []byte) (Flow, error)
	// TakeLinkFlow deletes a flow and reports whether it was there, so
	// that only one request finishes it. Errors: Unavailable.
	TakeLinkFlow(ctx context.Context, idHash []byte) (bool, error)
}
