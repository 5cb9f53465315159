package ukobapi_test

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"fmt"
	"log"
	"net/http/httptest"
	"os"
	"path/filepath"
	"time"

	"github.com/kontoskill/konto/banks/sandbox"
	"github.com/kontoskill/konto/banks/sandbox/ukobapi"
	"github.com/kontoskill/konto/fixtures"
)

// The sandbox bank over UK Open Banking, for a third party that signs
// with an RSA key; the demo customers approve on /oauth2/authorize or in
// the bank app at /app/approvals.
func ExampleNew() {
	dir, _ := os.MkdirTemp("", "ukobapi-example")
	defer os.RemoveAll(dir)
	bank, err := sandbox.Open(filepath.Join(dir, "bank.db"), []byte("example-secret-0123456789"))
	if err != nil {
		log.Fatal(err)
	}
	defer bank.Close()
	d, _ := sandbox.LoadData(fixtures.FS())
	if err := bank.Seed(context.Background(), d, sandbox.SeedOptions{Now: time.Now(), Months: 1}); err != nil {
		log.Fatal(err)
	}
	tpp, _ := rsa.GenerateKey(rand.Reader, 2048)
	srv, err := ukobapi.New(bank, ukobapi.Options{
		Path: filepath.Join(dir, "ukobapi.db"),
		Clients: []ukobapi.Client{{ID: "konto", Secret: "s3cret", Name: "Konto",
			RedirectURIs: []string{"https://konto.example/link/callback"}, Key: &tpp.PublicKey}},
	})
	if err != nil {
		log.Fatal(err)
	}
	defer srv.Close()
	ts := httptest.NewServer(srv)
	defer ts.Close()
	pending, _ := srv.Pending(context.Background(), "oliver")
	fmt.Println("accounts at", ukobapi.AccountsBase, "and", len(pending), "approvals waiting")
	// Output: accounts at /open-banking/v3.1/aisp and 0 approvals waiting
}
