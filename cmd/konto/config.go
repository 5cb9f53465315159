package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"strconv"
	"strings"
	"time"
)

// Config is every setting of konto. Each field has a flag and an
// environment variable of the same name (--alexa-skill-id and
// KONTO_ALEXA_SKILL_ID); a flag given on the command line wins.
type Config struct {
	Addr         string
	Data         string
	Store        string
	Dev          bool
	AlexaSkillID string
	LogLevel     string
	Customer     string
	Customers    int
	Months       int
	All          bool
	Locale       string
	Now          string
	Platform     string
	Invocation   string
	LLMBaseURL   string
	LLMModel     string
	LLMAPIKey    string
	LLMTimeout   time.Duration
	JUnit        string
	PINLockout   time.Duration
	URL          string
	Requests     int
	Concurrency  int
	Rate         int
	Duration     time.Duration
	Banks        string
	Bank         string
	AccessToken  string
	ConsentID    string
	Pay          bool
	Reject       bool
	PrintBanks   bool
	PublicURL    string
	ID           string
	Name         string
	RedirectURIs multi
	AdminAddr    string
	AdminPublic  bool
	Mix          string

	localeSet bool // --locale or KONTO_LOCALE was given
	addrSet   bool // --addr or KONTO_ADDR was given
	// metrics is serve's instrumentation when --admin-addr is given (set
	// by runServe, read by newServerWith).
	metrics *metrics
}

// Defaults.
func defaultConfig() Config {
	return Config{Addr: "localhost:8080", Data: "konto-data", LogLevel: "info", Months: 12, Locale: "en-US",
		Platform: "alexa", LLMTimeout: 1500 * time.Millisecond, PINLockout: 30 * time.Minute,
		URL: "http://127.0.0.1:8080/alexa", Requests: 2000, Concurrency: 8, Duration: time.Minute, Mix: "realistic"}
}

// envName is the environment variable of a flag: data → KONTO_DATA.
func envName(flagName string) string {
	return "KONTO_" + strings.ToUpper(strings.ReplaceAll(flagName, "-", "_"))
}

// parseConfig reads the named flags from args and, for flags not given,
// from the environment through getenv.
func parseConfig(cmd string, args []string, getenv func(string) string, stderr io.Writer, names ...string) (Config, error) {
	cfg := defaultConfig()
	fs := flag.NewFlagSet("konto "+cmd, flag.ContinueOnError)
	fs.SetOutput(stderr)
	vars := map[string]any{
		"addr":           &cfg.Addr,
		"data":           &cfg.Data,
		"store":          &cfg.Store,
		"dev":            &cfg.Dev,
		"alexa-skill-id": &cfg.AlexaSkillID,
		"log-level":      &cfg.LogLevel,
		"customer":       &cfg.Customer,
		"customers":      &cfg.Customers,
		"months":         &cfg.Months,
		"all":            &cfg.All,
		"locale":         &cfg.Locale,
		"now":            &cfg.Now,
		"platform":       &cfg.Platform,
		"invocation":     &cfg.Invocation,
		"llm-base-url":   &cfg.LLMBaseURL,
		"llm-model":      &cfg.LLMModel,
		"llm-api-key":    &cfg.LLMAPIKey,
		"llm-timeout":    &cfg.LLMTimeout,
		"junit":          &cfg.JUnit,
		"pin-lockout":    &cfg.PINLockout,
		"url":            &cfg.URL,
		"requests":       &cfg.Requests,
		"concurrency":    &cfg.Concurrency,
		"rate":           &cfg.Rate,
		"duration":       &cfg.Duration,
		"banks":          &cfg.Banks,
		"bank":           &cfg.Bank,
		"access-token":   &cfg.AccessToken,
		"consent-id":     &cfg.ConsentID,
		"pay":            &cfg.Pay,
		"reject":         &cfg.Reject,
		"print-banks":    &cfg.PrintBanks,
		"public-url":     &cfg.PublicURL,
		"id":             &cfg.ID,
		"name":           &cfg.Name,
		"redirect-uri":   &cfg.RedirectURIs,
		"admin-addr":     &cfg.AdminAddr,
		"admin-public":   &cfg.AdminPublic,
		"mix":            &cfg.Mix,
	}
	help := map[string]string{
		"addr":           "address to listen on, HOST:PORT",
		"data":           "data directory (SQLite files and the secret key)",
		"store":          "Konto's own store: a postgres:// URL (several instances share it), or empty for konto.db in the data directory",
		"dev":            "LOCAL TESTING ONLY: skip platform request verification",
		"alexa-skill-id": "comma-separated Alexa skill ids to accept",
		"log-level":      "debug, info, warn or error",
		"customer":       "sandbox customer id or first name",
		"customers":      "synthetic customers to generate besides the demo ones",
		"months":         "months of history to generate",
		"all":            "include synthetic customers",
		"locale":         "en-US, en-GB or de-DE",
		"now":            "reference day for dates, YYYY-MM-DD (default today)",
		"platform":       "platform to export for: alexa",
		"invocation":     "invocation name of the exported skill",
		"llm-base-url":   "OpenAI-compatible endpoint; enables the LLM recognizer for low-confidence utterances",
		"llm-model":      "model name at the LLM endpoint",
		"llm-api-key":    "API key for the LLM endpoint",
		"llm-timeout":    "time budget of one LLM call",
		"junit":          "write a JUnit XML report to this file",
		"pin-lockout":    "how long voice payments stay paused after three wrong PINs",
		"url":            "load: the Alexa endpoint of a local `konto serve --dev`",
		"requests":       "load: how many requests at most",
		"concurrency":    "load: parallel workers",
		"rate":           "load: requests per second, sent on a fixed schedule whatever the answers' pace (latency counts from each request's scheduled time); 0: as fast as the workers go",
		"duration":       "load: how long at most",
		"banks":          "banks file (YAML) of the real banks Konto connects to",
		"bank":           "banks verify: id of the bank in the banks file",
		"access-token":   "banks verify: a customer's access token at the bank, used as it is",
		"consent-id":     "banks verify: the customer's Consent-ID at a Berlin Group bank",
		"pay":            "banks verify --access-token: also send a payment of 1.00 to the first saved payee (real money)",
		"reject":         "sandbox approve: reject instead of approving",
		"print-banks":    "sandbox openbanking: print a banks file for this sandbox and exit",
		"public-url":     "the https origin assistants reach Konto at, for account linking (default: the listen address)",
		"id":             "oauth client add: the client id",
		"name":           "oauth client add: a name for the client",
		"redirect-uri":   "oauth client add: a redirect URI of the client (repeat for several; env: comma-separated)",
		"admin-addr":     "admin listener HOST:PORT for /metrics (Prometheus) and /debug/pprof/; off if empty, loopback only unless --admin-public (/healthz, alive, and /readyz, store and banks reachable, are on --addr)",
		"admin-public":   "allow --admin-addr on a non-loopback address (metrics and pprof open to the network)",
		"mix":            "load: realistic (balances, transactions, spending, transfers with PIN, card lock) or one kind: " + mixKindsHelp,
	}
	for _, n := range names {
		switch p := vars[n].(type) {
		case *string:
			fs.StringVar(p, n, *p, help[n]+" (env "+envName(n)+")")
		case *bool:
			fs.BoolVar(p, n, *p, help[n]+" (env "+envName(n)+")")
		case *int:
			fs.IntVar(p, n, *p, help[n]+" (env "+envName(n)+")")
		case *time.Duration:
			fs.DurationVar(p, n, *p, help[n]+" (env "+envName(n)+")")
		case *multi:
			fs.Var(p, n, help[n]+" (env "+envName(n)+")")
		}
	}
	// Environment first, flags override.
	for _, n := range names {
		v := getenv(envName(n))
		if v == "" {
			continue
		}
		if err := setVar(vars[n], v); err != nil {
			return cfg, fmt.Errorf("%s: %w", envName(n), err)
		}
	}
	if err := fs.Parse(args); err != nil {
		return cfg, err
	}
	fs.Visit(func(f *flag.Flag) {
		switch f.Name {
		case "locale":
			cfg.localeSet = true
		case "addr":
			cfg.addrSet = true
		}
	})
	if getenv(envName("locale")) != "" {
		cfg.localeSet = true
	}
	if getenv(envName("addr")) != "" {
		cfg.addrSet = true
	}
	if fs.NArg() > 0 {
		return cfg, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	return cfg, cfg.Validate()
}

func setVar(p any, v string) error {
	switch p := p.(type) {
	case *multi:
		for _, part := range strings.Split(v, ",") {
			if part = strings.TrimSpace(part); part != "" {
				*p = append(*p, part)
			}
		}
	case *string:
		*p = v
	case *bool:
		b, err := strconv.ParseBool(v)
		if err != nil {
			return err
		}
		*p = b
	case *int:
		n, err := strconv.Atoi(v)
		if err != nil {
			return err
		}
		*p = n
	case *time.Duration:
		d, err := time.ParseDuration(v)
		if err != nil {
			return err
		}
		*p = d
	}
	return nil
}

// Validate checks the values that have a shape.
func (c Config) Validate() error {
	if _, _, err := net.SplitHostPort(c.Addr); err != nil {
		return fmt.Errorf("--addr: %w", err)
	}
	if c.Data == "" {
		return errors.New("--data must not be empty")
	}
	if c.Customers < 0 || c.Customers > 1_000_000 {
		return errors.New("--customers must be between 0 and 1000000")
	}
	if c.Months < 1 || c.Months > 120 {
		return errors.New("--months must be between 1 and 120")
	}
	if c.Locale != "en-US" && c.Locale != "en-GB" && c.Locale != "de-DE" {
		return fmt.Errorf("--locale %q: want en-US, en-GB or de-DE", c.Locale)
	}
	if c.Now != "" {
		if _, err := time.Parse(time.DateOnly, c.Now); err != nil {
			return fmt.Errorf("--now %q: want YYYY-MM-DD", c.Now)
		}
	}
	if c.Requests < 1 || c.Requests > 1_000_000 || c.Concurrency < 1 || c.Concurrency > 256 || c.Duration <= 0 || c.Duration > time.Hour || c.Rate < 0 || c.Rate > 100_000 {
		return errors.New("load: --requests 1..1000000, --concurrency 1..256, --duration up to 1h, --rate 0..100000")
	}
	if c.PINLockout < time.Minute || c.PINLockout > 7*24*time.Hour {
		return errors.New("--pin-lockout must be between 1m and 168h")
	}
	if c.LLMTimeout <= 0 || c.LLMTimeout > 30*time.Second {
		return errors.New("--llm-timeout must be between 0 and 30s")
	}
	switch c.LogLevel {
	case "debug", "info", "warn", "error":
	default:
		return fmt.Errorf("--log-level %q: want debug, info, warn or error", c.LogLevel)
	}
	return nil
}

// nowTime is --now at noon UTC, or the current time.
func (c Config) nowTime() (time.Time, error) {
	if c.Now == "" {
		return time.Now(), nil
	}
	t, err := time.Parse(time.DateOnly, c.Now)
	return t.Add(12 * time.Hour), err
}

func (c Config) skillIDs() []string {
	var out []string
	for _, s := range strings.Split(c.AlexaSkillID, ",") {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}

// multi is a flag that may be given several times; its environment
// variable holds the values comma-separated.
type multi []string

func (m *multi) String() string { return strings.Join(*m, ",") }

func (m *multi) Set(v string) error {
	*m = append(*m, v)
	return nil
}
