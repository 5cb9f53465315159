package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"time"

	"github.com/kontoskill/konto/banks"
	"github.com/kontoskill/konto/skill"
)

// runPIN is `konto pin unlock --id CUSTOMER [--bank BANK]`: the bank's
// staff lift a customer's voice PIN pause, after checking who calls, as
// the pause's sentence promises ("call … to lift the pause sooner"). The
// count of lockouts in a row starts again; the PIN itself is unchanged.
// The unlock is written to the audit log.
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
	// The unlock is a security action: it goes in the audit log under the
	// customer's pseudonym (keyed with the data directory's secret, as
	// serve keys it), on the staff channel.
	secret, err := secretKey(filepath.Join(cfg.Data, "secret.key"))
	if err != nil {
		return err
	}
	if err := st.PINVerified(ctx, bank, cfg.ID, rec.LockSeq); err != nil {
		return err
	}
	entry := skill.AuditEntry{At: time.Now().UTC(), Bank: bank, Customer: skill.Pseudonym(secret, bank, cfg.ID), Channel: "staff",
		Action: "voice_pin_unlock", Outcome: "done"}
	if err := st.CommitTurn(ctx, skill.Turn{Audit: []skill.AuditEntry{entry}}); err != nil {
		return fmt.Errorf("the pause of %s at %s is lifted, but the audit entry could not be written: %w", cfg.ID, bank, err)
	}
	fmt.Fprintf(stdout, "voice payments of %s at %s are no longer paused\n", cfg.ID, bank)
	return nil
}
