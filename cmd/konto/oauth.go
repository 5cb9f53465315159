package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"

	"github.com/kontoskill/konto/skill/linking"
)

// runOAuth manages the clients (assistant platforms) allowed to link
// accounts through Konto's authorization server.
func runOAuth(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) < 2 || args[0] != "client" || (args[1] != "add" && args[1] != "list") {
		fmt.Fprint(stderr, usage)
		return errors.New("oauth needs: client add or client list")
	}
	cfg, err := parseConfig("oauth client "+args[1], args[2:], getenv, stderr, "data", "store", "id", "name", "redirect-uri")
	if err != nil {
		return err
	}
	a, _, err := openAppStore(ctx, cfg.Data, cfg.Store)
	if err != nil {
		return err
	}
	defer a.Close()
	enc := json.NewEncoder(stdout)
	if args[1] == "list" {
		clients, err := linking.ListClients(ctx, a.store)
		if err != nil {
			return err
		}
		for _, c := range clients {
			if err := enc.Encode(map[string]any{"client_id": c.ID, "name": c.Name, "redirect_uris": c.RedirectURIs}); err != nil {
				return err
			}
		}
		return nil
	}
	if cfg.ID == "" || len(cfg.RedirectURIs) == 0 {
		return errors.New("oauth client add needs --id and at least one --redirect-uri")
	}
	secret, err := linking.AddClient(ctx, a.store, cfg.ID, cfg.Name, cfg.RedirectURIs)
	if err != nil {
		return err
	}
	// The secret is shown this once; only its hash is kept.
	return enc.Encode(map[string]string{"client_id": cfg.ID, "client_secret": secret})
}
