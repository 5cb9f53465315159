package ukob_test

import (
	"context"
	"crypto/tls"
	"fmt"
	"log"

	"golang.org/x/oauth2"

	"github.com/kontoskill/konto/banks"
	"github.com/kontoskill/konto/banks/ukob"
)

// A bank partner's connector: its endpoints, Konto's registration, the
// transport certificate and signing key from the Open Banking Directory,
// and the customers' tokens from account linking.
func Example() {
	var cert tls.Certificate            // tls.LoadX509KeyPair("transport.pem", "transport.key")
	saved := map[string]*oauth2.Token{} // what account linking stored, by customer
	var c *ukob.Client
	c, err := ukob.New(ukob.Options{
		AccountsURL:  "https://ob.bank.example/open-banking/v3.1/aisp",
		PaymentsURL:  "https://ob.bank.example/open-banking/v3.1/pisp",
		TokenURL:     "https://auth.bank.example/oauth2/token",
		AuthorizeURL: "https://auth.bank.example/oauth2/authorize",
		ClientID:     "konto-software-id",
		ClientSecret: "from-registration",
		RedirectURL:  "https://konto.example/link/callback",
		Certificates: []tls.Certificate{cert},
		SigningKey:   clientKey(), // in production, the Directory signing key
		KeyID:        "directory-kid",
		Tokens: func(ctx context.Context, u banks.User) (oauth2.TokenSource, error) {
			tok, ok := saved[u.Customer]
			if !ok {
				return nil, banks.Errorf("link", banks.NotLinked, "not linked")
			}
			return c.TokenSource(ctx, tok), nil
		},
	})
	if err != nil {
		log.Fatal(err)
	}
	// Linking: send the customer to authorize; the bank comes back to
	// RedirectURL with the code, which Exchange turns into tokens.
	_ = func(ctx context.Context, customer, code string) error {
		tok, err := c.Exchange(ctx, code)
		if err != nil {
			return err
		}
		saved[customer] = tok
		return nil
	}
	fmt.Println("connector ready")
	// Output: connector ready
}
