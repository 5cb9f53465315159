package main

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/kontoskill/konto/banks"
)

// runPIN is `konto pin unlock --id CUSTOMER [--bank BANK]`: the bank's
// staff lift a customer's voice PIN pause, after checking who calls, as
// the pause's sentence promises ("call … to lift the pause sooner"). The
// count of lockouts in a row starts again; the PIN itself is unchanged.
func runPIN(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) < 1 || args[0] != "unlock" {
		fmt.Fprint(stderr, usage)
		return errors.New("pin needs: unlock --id CUSTOMER [--bank BANK]")
	}
	cfg, err := parseConfig("pin unlock", args[1:], getenv, stderr, "data", "store", "id", "bank")
	if err != nil {
		return err
	}
	if cfg.ID == "" {
		return errors.New("pin unlock needs --id, the customer's id at the bank")
	}
	bank := cfg.Bank
	if bank == "" {
		bank = "sandbox"
	}
	st, err := openStore(ctx, cfg.Data, cfg.Store)
	if err != nil {
		return err
	}
	defer st.Close()
	rec, err := st.PIN(ctx, bank, cfg.ID)
	if banks.KindOf(err) == banks.NotFound {
		return fmt.Errorf("no voice PIN for customer %q at bank %q", cfg.ID, bank)
	}
	if err != nil {
		return err
	}
	if err := st.PINVerified(ctx, bank, cfg.ID, rec.LockSeq); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "voice payments of %s at %s are no longer paused\n", cfg.ID, bank)
	return nil
}
