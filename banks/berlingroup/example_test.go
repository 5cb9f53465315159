package berlingroup_test

import (
	"context"
	"fmt"

	"golang.org/x/oauth2"

	"github.com/kontoskill/konto/banks"
	"github.com/kontoskill/konto/banks/berlingroup"
)

// A bank partner's configuration: the bank's XS2A root, the TPP's
// certificate, where each customer's consent comes from, and the saved
// payees Berlin Group does not list.
func ExampleNew() {
	consents := map[string]string{"customer-42": "a1b2c3-consent"} // kept by account linking
	c, err := berlingroup.New(berlingroup.Options{
		BaseURL: "https://xs2a.bank.example/psd2",
		// Certificates: []tls.Certificate{qwac}, // the TPP's eIDAS QWAC
		Consents: func(ctx context.Context, u banks.User) (string, *oauth2.Token, error) {
			id, ok := consents[u.Customer]
			if !ok {
				return "", nil, banks.Errorf("example", banks.NotLinked, "not linked")
			}
			return id, nil, nil
		},
		PSUIPAddress: "203.0.113.7",
		Payees: func(ctx context.Context, u banks.User) ([]berlingroup.Payee, error) {
			return []berlingroup.Payee{{Payee: banks.Payee{ID: "p1", Name: "Anna Becker", LastFour: "0101"}, IBAN: "DE02100100100006820101"}}, nil
		},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	// Reads made while the customer talks to Konto say so, and do not
	// count against the consent's four unattended reads a day.
	ctx := berlingroup.WithPSU(context.Background(), "198.51.100.23")
	var conn banks.Connector = c // and banks.Payments, banks.Operations, banks.Recipients, ...
	_, _ = conn, ctx             // conn.Accounts(ctx, user) would call the bank

	// A payment under an idempotency key always carries the same
	// X-Request-ID, so a retry cannot become a second payment.
	fmt.Println(berlingroup.PaymentRequestID(banks.User{Bank: berlingroup.Name, Customer: "customer-42"}, "pay-rent-2026-12"))
	// Output: 5dba7458-ded7-5966-ad07-3e8144d5ced8
}
