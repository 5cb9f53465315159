package linking

import (
	"context"
	"net"
	"net/url"
	"regexp"
	"strings"

	"golang.org/x/crypto/bcrypt"

	"github.com/kontoskill/konto/banks"
)

// clientSecretCost is the bcrypt cost of client secrets. They are 256
// random bits, so the hash need not be slow to resist guessing; it is
// there so that a copy of the database does not hold a usable secret.
const clientSecretCost = 10

var clientID = regexp.MustCompile(`^[A-Za-z0-9._~-]{1,128}$`)

// AddClient registers a client with its exact redirect URIs and returns
// its secret, which is shown this once: only a bcrypt hash is kept. A
// redirect URI must be absolute, without a fragment, and https (http
// only for a loopback or localhost host). name defaults to id. Errors:
// Invalid (a bad id or URI, an id already taken), Unavailable.
func AddClient(ctx context.Context, store Clients, id, name string, redirects []string) (secret string, err error) {
	const op = "linking.AddClient"
	if !clientID.MatchString(id) {
		return "", banks.Errorf(op, banks.Invalid, "client id %q: want 1-128 of A-Z a-z 0-9 . _ ~ -", id)
	}
	if len(redirects) == 0 {
		return "", banks.Errorf(op, banks.Invalid, "a client needs at least one redirect URI")
	}
	for _, r := range redirects {
		if err := checkRedirect(r); err != nil {
			return "", banks.E(op, banks.Invalid, err)
		}
	}
	if name == "" {
		name = id
	}
	secret = randomID(32)
	hash, err := bcrypt.GenerateFromPassword([]byte(secret), clientSecretCost)
	if err != nil {
		return "", banks.E(op, banks.Invalid, err)
	}
	if err := store.CreateOAuthClient(ctx, Client{ID: id, Name: name, RedirectURIs: redirects, SecretHash: string(hash)}); err != nil {
		return "", err
	}
	return secret, nil
}

// ListClients lists the registered clients by id. Errors: Unavailable.
func ListClients(ctx context.Context, store Clients) ([]Client, error) {
	return store.OAuthClients(ctx)
}

// checkRedirect says what is wrong with a redirect URI, if anything.
func checkRedirect(raw string) error {
	u, err := url.Parse(raw)
	switch {
	case err != nil:
		return err
	case !u.IsAbs() || u.Host == "":
		return banks.Errorf("linking.checkRedirect", banks.Invalid, "redirect URI %q is not absolute", raw)
	case u.Fragment != "" || strings.Contains(raw, "#"):
		return banks.Errorf("linking.checkRedirect", banks.Invalid, "redirect URI %q has a fragment", raw)
	case u.Scheme == "https":
		return nil
	case u.Scheme == "http" && isLoopback(u.Hostname()):
		return nil
	}
	return banks.Errorf("linking.checkRedirect", banks.Invalid, "redirect URI %q: want https (http only on localhost)", raw)
}

func isLoopback(host string) bool {
	if host == "localhost" || strings.HasSuffix(host, ".localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
