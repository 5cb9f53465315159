package skill

import (
	"context"
	"time"
)

// Link binds a platform user to a bank customer. It is what account
// linking produces; the token itself is never stored, only its hash.
type Link struct {
	Platform  string
	UserID    string
	Bank      string
	Customer  string
	TokenHash []byte
	LinkedAt  time.Time
}

// Store keeps Konto's own state: links and server-side session state.
// skill/sqlite implements it; a Postgres implementation can be added for
// several instances behind a load balancer, since nothing is kept in
// process memory between requests.
type Store interface {
	// SaveLink creates or replaces the link of (Platform, UserID).
	SaveLink(ctx context.Context, l Link) error
	// Link returns the link of a platform user. Errors: NotLinked.
	Link(ctx context.Context, platform, userID string) (Link, error)
	// DeleteUser removes a platform user's link and all session state.
	DeleteUser(ctx context.Context, platform, userID string) error
	// SaveSession stores the state of a session owned by userID.
	SaveSession(ctx context.Context, platform, sessionID, userID string, state []byte) error
	// Session returns a session's state if it is owned by userID and newer
	// than maxAge; otherwise nil.
	Session(ctx context.Context, platform, sessionID, userID string, maxAge time.Duration) ([]byte, error)
	// DeleteSession forgets a session.
	DeleteSession(ctx context.Context, platform, sessionID string) error
}
