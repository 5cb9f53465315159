package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"strconv"
	"strings"
)

// Config is every setting of konto. Each field has a flag and an
// environment variable of the same name (--alexa-skill-id and
// KONTO_ALEXA_SKILL_ID); a flag given on the command line wins.
type Config struct {
	Addr         string
	Data         string
	Dev          bool
	AlexaSkillID string
	LogLevel     string
	Customer     string
	Customers    int
	Months       int
	All          bool
}

// Defaults.
func defaultConfig() Config {
	return Config{Addr: "localhost:8080", Data: "konto-data", LogLevel: "info", Months: 12}
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
		"dev":            &cfg.Dev,
		"alexa-skill-id": &cfg.AlexaSkillID,
		"log-level":      &cfg.LogLevel,
		"customer":       &cfg.Customer,
		"customers":      &cfg.Customers,
		"months":         &cfg.Months,
		"all":            &cfg.All,
	}
	help := map[string]string{
		"addr":           "address to listen on, HOST:PORT",
		"data":           "data directory (SQLite files and the secret key)",
		"dev":            "LOCAL TESTING ONLY: skip platform request verification",
		"alexa-skill-id": "comma-separated Alexa skill ids to accept",
		"log-level":      "debug, info, warn or error",
		"customer":       "sandbox customer id or first name",
		"customers":      "synthetic customers to generate besides the demo ones",
		"months":         "months of history to generate",
		"all":            "include synthetic customers",
	}
	for _, n := range names {
		switch p := vars[n].(type) {
		case *string:
			fs.StringVar(p, n, *p, help[n]+" (env "+envName(n)+")")
		case *bool:
			fs.BoolVar(p, n, *p, help[n]+" (env "+envName(n)+")")
		case *int:
			fs.IntVar(p, n, *p, help[n]+" (env "+envName(n)+")")
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
	if fs.NArg() > 0 {
		return cfg, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	return cfg, cfg.Validate()
}

func setVar(p any, v string) error {
	switch p := p.(type) {
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
	switch c.LogLevel {
	case "debug", "info", "warn", "error":
	default:
		return fmt.Errorf("--log-level %q: want debug, info, warn or error", c.LogLevel)
	}
	return nil
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
