package main

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/kontoskill/konto/banks/sandbox"
	"github.com/kontoskill/konto/fixtures"
	"github.com/kontoskill/konto/skill"
	"github.com/kontoskill/konto/skill/linking"
	"github.com/kontoskill/konto/skill/postgres"
	"github.com/kontoskill/konto/skill/sqlite"
)

// app is an opened data directory: the secret key, the sandbox bank and
// Konto's own store.
type app struct {
	dir    string
	secret []byte
	bank   *sandbox.Bank
	store  store
}

// store is what konto keeps its own state in: the core's, the
// authorization server's. skill/sqlite (the default, in the data
// directory) and skill/postgres (--store postgres://..., for several
// instances) implement it.
type store interface {
	skill.Store
	linking.Store
	Close() error
}

// openStore opens the store named by --store: a postgres:// or
// postgresql:// URL, or "" for the SQLite file konto.db in dir.
func openStore(ctx context.Context, dir, dsn string) (store, error) {
	if strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://") {
		return postgres.Open(ctx, dsn)
	}
	if dsn != "" {
		return nil, fmt.Errorf("--store %q: want a postgres:// URL, or nothing for the SQLite file in the data directory", redactDSN(dsn))
	}
	return sqlite.Open(filepath.Join(dir, "konto.db"))
}

// redactDSN is a DSN fit for an error message: without its password.
func redactDSN(dsn string) string {
	if at := strings.LastIndex(dsn, "@"); at >= 0 {
		return "…" + dsn[at:]
	}
	return dsn
}

// openApp opens the data directory, creating it, its secret key and a
// seeded sandbox bank on first use, with Konto's own store in konto.db
// there.
func openApp(ctx context.Context, dir string) (*app, bool, error) {
	return openAppStore(ctx, dir, "")
}

// openAppStore is openApp with Konto's own store the one of storeDSN
// (--store; "" for konto.db in the directory).
func openAppStore(ctx context.Context, dir, storeDSN string) (*app, bool, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, false, fmt.Errorf("data directory: %w", err)
	}
	if err := restrict(dir); err != nil {
		return nil, false, err
	}
	key, err := secretKey(filepath.Join(dir, "secret.key"))
	if err != nil {
		return nil, false, err
	}
	bank, err := sandbox.Open(filepath.Join(dir, "sandbox.db"), key)
	if err != nil {
		return nil, false, err
	}
	store, err := openStore(ctx, dir, storeDSN)
	if err != nil {
		bank.Close()
		return nil, false, err
	}
	a := &app{dir: dir, secret: key, bank: bank, store: store}
	seeded, err := bank.Seeded(ctx)
	if err != nil {
		a.Close()
		return nil, false, err
	}
	if !seeded {
		if err := a.seed(ctx, sandbox.SeedOptions{Now: time.Now()}); err != nil {
			a.Close()
			return nil, false, err
		}
	}
	return a, !seeded, nil
}

// restrict makes the data directory the owner's alone (0700) and its
// files 0600, also when they were made by an earlier version or by hand:
// they hold the secret key, PIN hashes and the bank's data. Database
// files are created here before SQLite opens them, since SQLite gives its
// -wal and -shm files the mode of the database file.
func restrict(dir string) error {
	if err := os.Chmod(dir, 0o700); err != nil {
		return fmt.Errorf("data directory: %w", err)
	}
	for _, db := range []string{"sandbox.db", "konto.db"} {
		p := filepath.Join(dir, db)
		f, err := os.OpenFile(p, os.O_RDONLY|os.O_CREATE, 0o600)
		if err != nil {
			return fmt.Errorf("data directory: %w", err)
		}
		f.Close()
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return fmt.Errorf("data directory: %w", err)
	}
	for _, e := range entries {
		if e.Type().IsRegular() {
			if err := os.Chmod(filepath.Join(dir, e.Name()), 0o600); err != nil {
				return fmt.Errorf("data directory: %w", err)
			}
		}
	}
	return nil
}

func (a *app) seed(ctx context.Context, opt sandbox.SeedOptions) error {
	d, err := sandbox.LoadData(fixtures.FS())
	if err != nil {
		return err
	}
	return a.bank.Seed(ctx, d, opt)
}

func (a *app) Close() {
	a.bank.Close()
	a.store.Close()
}

// secretKey reads the data directory's 32-byte secret, creating it with
// owner-only permissions on first use.
func secretKey(path string) ([]byte, error) {
	b, err := os.ReadFile(path)
	if err == nil {
		if len(b) != 32 {
			return nil, fmt.Errorf("%s: want 32 bytes, found %d", path, len(b))
		}
		return b, nil
	}
	if !errors.Is(err, fs.ErrNotExist) {
		return nil, err
	}
	b = make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return nil, err
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return nil, err
	}
	if _, err := f.Write(b); err != nil {
		f.Close()
		return nil, err
	}
	return b, f.Close()
}

// openCustomer opens the data directory and finds a sandbox customer by
// id or name.
func openCustomer(ctx context.Context, dir, name string) (*app, sandbox.Customer, error) {
	return openCustomerStore(ctx, dir, "", name)
}

// openCustomerStore is openCustomer with the store of storeDSN (--store).
func openCustomerStore(ctx context.Context, dir, storeDSN, name string) (*app, sandbox.Customer, error) {
	a, _, err := openAppStore(ctx, dir, storeDSN)
	if err != nil {
		return nil, sandbox.Customer{}, err
	}
	c, err := a.bank.FindCustomer(ctx, name)
	if err != nil {
		a.Close()
		return nil, sandbox.Customer{}, fmt.Errorf("no sandbox customer %q", name)
	}
	return a, c, nil
}
