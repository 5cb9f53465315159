// Package skilltest is the test bench of Konto's conversation core: one
// environment (a seeded sandbox bank, a SQLite store and a skill over them
// at a fixed clock), drivers that talk to the skill as a platform would,
// and the fixture-conversation runner that `konto test` and `go test` share.
//
// Platform drivers other than the chat one live next to their adapter
// (skill/alexa/alexatest), so that an adapter's own tests can use this
// package without an import cycle.
package skilltest

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/kontoskill/konto/banks"
	"github.com/kontoskill/konto/banks/sandbox"
	"github.com/kontoskill/konto/fixtures"
	"github.com/kontoskill/konto/intents"
	"github.com/kontoskill/konto/skill"
	"github.com/kontoskill/konto/skill/sqlite"
)

// DefaultNow is the clock of an environment unless WithNow or WithClock
// says otherwise: a Monday, the day the fixtures' expectations are written for.
var DefaultNow = time.Date(2026, 11, 23, 8, 0, 0, 0, time.UTC)

// BankSecret is the sandbox's secret in every environment; tokens and demo
// PINs derive from it.
var BankSecret = []byte("test-secret-0123456789")

// SkillSecret keys the skill's PIN hashes and audit pseudonyms unless
// WithSecret says otherwise.
var SkillSecret = []byte("the secret the env was made with")

var (
	sharedOnce sync.Once
	shared     *intents.Offline
)

// Recognizer returns the offline recognizer all environments share unless
// WithRecognizer says otherwise; it trains once per process, on first use.
// Like `konto serve` over the sandbox, it knows the sandbox's product names
// ("travel card", "Sparbuch").
func Recognizer() *intents.Offline {
	sharedOnce.Do(func() {
		shared = intents.NewOffline()
		for _, loc := range []string{"en-US", "en-GB", "de-DE"} {
			sheet, err := sandbox.LoadProductSheet(fixtures.FS(), loc)
			if err != nil || len(sheet.Products) == 0 {
				continue
			}
			var ps []intents.Product
			for _, pr := range sheet.Products {
				ps = append(ps, intents.Product{Name: pr.Name, Account: pr.Account, Synonyms: pr.Synonyms})
			}
			if err := shared.AddProducts(loc, ps); err != nil {
				panic(fmt.Sprintf("skilltest: the sandbox's %s product sheet: %v", loc, err))
			}
		}
	})
	return shared
}

// Env is a Konto installation for one test: a sandbox bank seeded from the
// fixtures for the clock's day, Konto's SQLite store and a skill over both,
// all in Dir.
type Env struct {
	Dir   string
	Bank  *sandbox.Bank
	Store *sqlite.Store
	Skill *skill.Skill
	// Config is what Skill was built with, for a second skill over the
	// same bank and store.
	Config skill.Config

	clock *clock // nil when WithClock supplied the clock
}

// Now is the environment's clock reading (the skill's and the bank's).
func (e *Env) Now() time.Time { return e.Config.Now() }

// Advance lets time pass on the environment's own clock. It panics when
// the clock came from WithClock: that clock is the caller's to move.
func (e *Env) Advance(d time.Duration) {
	if e.clock == nil {
		panic("skilltest: Advance on an environment whose clock came from WithClock")
	}
	e.clock.advance(d)
}

// Customer is a sandbox customer as a test talks as them.
type Customer struct {
	ID, Locale string
	Token, PIN string
	User       banks.User
}

// Customer finds a sandbox customer by id or first name, with their
// access token and voice PIN. Errors: NotFound, NotLinked.
func (e *Env) Customer(ctx context.Context, name string) (Customer, error) {
	c, err := e.Bank.FindCustomer(ctx, name)
	if err != nil {
		return Customer{}, err
	}
	tok := e.Bank.Token(c.ID)
	u, err := e.Bank.Authenticate(ctx, tok)
	if err != nil {
		return Customer{}, err
	}
	return Customer{ID: c.ID, Locale: c.Locale, Token: tok, PIN: e.Bank.PIN(c.ID), User: u}, nil
}

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// An Option changes how an environment is built.
type Option func(*options)

type options struct {
	dir        string
	now        time.Time
	clock      func() time.Time
	wrap       func(*sandbox.Bank) banks.Connector
	timeout    time.Duration
	recognizer intents.Recognizer
	secret     []byte
	log        *slog.Logger
	configure  []func(*skill.Config)
}

// WithDir puts the environment's files in dir instead of a new temporary
// directory (which Open removes again at cleanup).
func WithDir(dir string) Option { return func(o *options) { o.dir = dir } }

// WithNow fixes the clock at t (Env.Advance moves it on). The sandbox is
// seeded for t's day.
func WithNow(t time.Time) Option { return func(o *options) { o.now, o.clock = t, nil } }

// WithClock gives the skill and the bank the caller's clock. The sandbox is
// seeded for the day it reads when the environment is built.
func WithClock(now func() time.Time) Option { return func(o *options) { o.clock = now } }

// WithBank puts a connector of the caller's between the skill and the
// sandbox (a slow, failing or counting bank); the sandbox stays the
// skill's authenticator.
func WithBank(wrap func(*sandbox.Bank) banks.Connector) Option {
	return func(o *options) { o.wrap = wrap }
}

// WithTimeout sets the skill's turn budget (default: the skill's own).
func WithTimeout(d time.Duration) Option { return func(o *options) { o.timeout = d } }

// WithRecognizer sets the skill's recognizer (default: Recognizer()).
func WithRecognizer(r intents.Recognizer) Option { return func(o *options) { o.recognizer = r } }

// WithSecret sets the skill's secret (default: SkillSecret).
func WithSecret(secret []byte) Option { return func(o *options) { o.secret = secret } }

// WithLog sets the skill's logger (default: one that discards).
func WithLog(l *slog.Logger) Option { return func(o *options) { o.log = l } }

// WithConfig changes the skill's configuration last, after every other
// option; the bank's clock follows whatever Now it leaves (and a Now it
// sets is the caller's to move, not Env.Advance's).
func WithConfig(set func(*skill.Config)) Option {
	return func(o *options) {
		if set != nil {
			o.configure = append(o.configure, set)
		}
	}
}

// NewEnv builds an environment in t.TempDir() and closes it when the test
// ends; any failure to build it fails the test.
func NewEnv(t testing.TB, opts ...Option) *Env {
	t.Helper()
	e, cleanup, err := Open(context.Background(), append([]Option{WithDir(t.TempDir())}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(cleanup)
	return e
}

// Open builds an environment outside a test (for `konto test`). cleanup
// closes the bank and the store and removes a directory Open made; it is
// nil when err is not.
func Open(ctx context.Context, opts ...Option) (e *Env, cleanup func(), err error) {
	o := options{now: DefaultNow, secret: SkillSecret}
	for _, opt := range opts {
		opt(&o)
	}
	var undo []func()
	cleanup = func() {
		for i := len(undo) - 1; i >= 0; i-- {
			undo[i]()
		}
	}
	defer func() {
		if err != nil {
			cleanup()
			cleanup = nil
		}
	}()
	dir := o.dir
	if dir == "" {
		if dir, err = os.MkdirTemp("", "konto-test-"); err != nil {
			return nil, nil, err
		}
		undo = append(undo, func() { os.RemoveAll(dir) })
	}
	e = &Env{Dir: dir}
	now := o.clock
	if now == nil {
		e.clock = &clock{t: o.now}
		now = e.clock.now
	}
	bank, err := sandbox.Open(filepath.Join(dir, "sandbox.db"), BankSecret)
	if err != nil {
		return nil, nil, fmt.Errorf("skilltest: sandbox: %w", err)
	}
	undo = append(undo, func() { bank.Close() })
	data, err := sandbox.LoadData(fixtures.FS())
	if err != nil {
		return nil, nil, fmt.Errorf("skilltest: sandbox data: %w", err)
	}
	if err := bank.Seed(ctx, data, sandbox.SeedOptions{Now: now()}); err != nil {
		return nil, nil, fmt.Errorf("skilltest: seeding the sandbox: %w", err)
	}
	// One clock for the skill, the store and the bank (set below).
	store, err := sqlite.Open(filepath.Join(dir, "konto.db"), sqlite.WithClock(func() time.Time {
		if e.Config.Now != nil {
			return e.Config.Now()
		}
		return now()
	}))
	if err != nil {
		return nil, nil, fmt.Errorf("skilltest: store: %w", err)
	}
	undo = append(undo, func() { store.Close() })
	timeout := o.timeout
	if timeout == 0 {
		// Conversations test what is said, not the platform's deadline
		// (tests of that set WithTimeout): a machine busy with -race and
		// other packages must not turn a slow turn into "can't reach your
		// bank".
		timeout = 30 * time.Second
	}
	cfg := skill.Config{Bank: bank, Auth: bank, Store: store, Now: now, Timeout: timeout,
		Recognizer: o.recognizer, Secret: o.secret, Log: o.log}
	if o.wrap != nil {
		cfg.Bank = o.wrap(bank)
	}
	if cfg.Recognizer == nil {
		cfg.Recognizer = Recognizer()
	}
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	for _, set := range o.configure {
		set(&cfg)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	// The bank and the skill read one clock, so that "today" is the same
	// day for a payment's date and for the sentence about it.
	bank.Now = cfg.Now
	e.Bank, e.Store, e.Config, e.Skill = bank, store, cfg, skill.New(cfg)
	return e, cleanup, nil
}
