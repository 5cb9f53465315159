package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/kontoskill/konto/banks/sandbox"
)

func runSandbox(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return fmt.Errorf("sandbox needs a subcommand: seed, tokens, alert, openbanking or approve")
	}
	switch args[0] {
	case "seed":
		cfg, err := parseConfig("sandbox seed", args[1:], getenv, stderr, "data", "store", "customers", "months")
		if err != nil {
			return err
		}
		a, _, err := openAppStore(ctx, cfg.Data, cfg.Store)
		if err != nil {
			return err
		}
		defer a.Close()
		start := time.Now()
		if err := a.seed(ctx, sandbox.SeedOptions{Now: time.Now(), Months: cfg.Months, Synthetic: cfg.Customers}); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "Seeded the sandbox in %s with the demo customers and %d synthetic ones, %d months of history.\n",
			time.Since(start).Round(time.Millisecond), cfg.Customers, cfg.Months)
		return nil
	case "tokens":
		cfg, err := parseConfig("sandbox tokens", args[1:], getenv, stderr, "data", "store", "all")
		if err != nil {
			return err
		}
		a, _, err := openAppStore(ctx, cfg.Data, cfg.Store)
		if err != nil {
			return err
		}
		defer a.Close()
		cs, err := a.bank.Customers(ctx, !cfg.All)
		if err != nil {
			return err
		}
		enc := json.NewEncoder(stdout)
		for _, c := range cs {
			// Printing a token is the sandbox's account linking: a token
			// revoked when the user deleted their data works again.
			tok, err := a.bank.IssueToken(ctx, c.ID)
			if err != nil {
				return err
			}
			if err := enc.Encode(map[string]string{"customer": c.ID, "name": c.Name, "locale": c.Locale,
				"access_token": tok, "pin": a.bank.PIN(c.ID), "password": a.bank.Password(c.ID)}); err != nil {
				return err
			}
		}
		return nil
	case "openbanking":
		return runOpenBanking(ctx, args[1:], getenv, stdout, stderr)
	case "approve":
		return runApprove(ctx, args[1:], getenv, stdout, stderr)
	case "alert":
		cfg, err := parseConfig("sandbox alert", args[1:], getenv, stderr, "data", "store", "customer")
		if err != nil {
			return err
		}
		a, c, err := openCustomerStore(ctx, cfg.Data, cfg.Store, cfg.Customer)
		if err != nil {
			return err
		}
		defer a.Close()
		merchant, amount := "ElectroMart", int64(89900)
		if strings.HasPrefix(c.Locale, "de") {
			merchant, amount = "Technikwelt Online", 64900
		}
		id, err := a.bank.RaiseAlert(ctx, c.ID, merchant, amount)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "Raised alert %s for %s: a charge at %s. They will hear about it when they next open the skill.\n", id, c.Name, merchant)
		return nil
	}
	return fmt.Errorf("unknown sandbox subcommand %q", args[0])
}
