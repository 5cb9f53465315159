package linking_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"

	"github.com/kontoskill/konto/banks"
	"github.com/kontoskill/konto/banks/sandbox"
	"github.com/kontoskill/konto/skill"
	"github.com/kontoskill/konto/skill/linking"
	"github.com/kontoskill/konto/skill/sqlite"
)

// ExampleNewServer wires the authorization server as `konto serve` does:
// Konto's SQLite store, the sandbox's sign-in, the core's keyed PIN hash,
// the routes on a mux (echo: e.Any("/oauth/*", echo.WrapHandler(srv)) and
// e.GET(linking.MetadataPath, echo.WrapHandler(srv))), and the
// authenticator the core takes as skill.Config.Auth.
func ExampleNewServer() {
	dir, _ := os.MkdirTemp("", "konto-example")
	defer os.RemoveAll(dir)
	secret := []byte("the data directory's secret.key!")
	store, err := sqlite.Open(filepath.Join(dir, "konto.db"))
	if err != nil {
		fmt.Println(err)
		return
	}
	defer store.Close()
	bank, err := sandbox.Open(filepath.Join(dir, "sandbox.db"), secret)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer bank.Close()

	srv, err := linking.NewServer(linking.Options{
		Store:  store,
		Secret: secret,
		Issuer: "https://konto.example",
		SignIn: func(ctx context.Context, bankID, customer, password string) (banks.User, error) {
			return bank.SignIn(ctx, customer, password)
		},
		SetPIN: func(ctx context.Context, u banks.User, pin string) error {
			return store.SetPIN(ctx, u.Bank, u.Customer, skill.HashPIN(secret, u.Bank, u.Customer, pin), true)
		},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	mux := http.NewServeMux()
	srv.Register(mux)
	var auth banks.Authenticator = linking.Either(srv.Authenticator(), bank) // skill.Config{Auth: auth}
	_, err = auth.Authenticate(context.Background(), "konto_at_unknown.token")
	fmt.Println(banks.KindOf(err))
	// Output: not linked
}

// ExampleAddClient registers the Alexa skill as `konto oauth client add`
// does and prints what the developer pastes into the Alexa console.
func ExampleAddClient() {
	dir, _ := os.MkdirTemp("", "konto-example")
	defer os.RemoveAll(dir)
	store, err := sqlite.Open(filepath.Join(dir, "konto.db"))
	if err != nil {
		fmt.Println(err)
		return
	}
	defer store.Close()
	ctx := context.Background()
	secret, err := linking.AddClient(ctx, store, "alexa", "My Bank on Alexa",
		[]string{"https://pitangui.amazon.com/api/skill/link/M2XXXXXXXXXXXX"})
	if err != nil {
		fmt.Println(err)
		return
	}
	out, _ := json.Marshal(map[string]string{"client_id": "alexa", "client_secret": secret})
	_ = out // printed once: only its bcrypt hash is kept
	clients, _ := linking.ListClients(ctx, store)
	for _, c := range clients {
		fmt.Println(c.ID, c.Name, c.RedirectURIs)
	}
	// Output: alexa My Bank on Alexa [https://pitangui.amazon.com/api/skill/link/M2XXXXXXXXXXXX]
}
