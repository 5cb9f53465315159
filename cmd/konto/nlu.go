package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"os"
	"sort"
	"strings"
	"time"

	"golang.org/x/term"

	"github.com/kontoskill/konto/intents"
	"github.com/kontoskill/konto/skill/alexa"
)

func runNLU(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		return fmt.Errorf("nlu needs a subcommand: parse or eval")
	}
	switch args[0] {
	case "parse":
		cfg, err := parseConfig("nlu parse", args[1:], getenv, stderr, nluFlags("locale", "now")...)
		if err != nil {
			return err
		}
		rec, err := recognizer(cfg, stderr)
		if err != nil {
			return err
		}
		now, err := cfg.nowTime()
		if err != nil {
			return err
		}
		return nluParse(ctx, rec, cfg.Locale, now, stdin, stdout)
	case "eval":
		cfg, err := parseConfig("nlu eval", args[1:], getenv, stderr, nluFlags("locale")...)
		if err != nil {
			return err
		}
		rec, err := recognizer(cfg, stderr)
		if err != nil {
			return err
		}
		locales := intents.Locales
		if cfg.localeSet {
			locales = []string{cfg.Locale}
		}
		for _, loc := range locales {
			if err := nluEval(ctx, rec, loc, stdout, stderr); err != nil {
				return err
			}
		}
		return nil
	}
	return fmt.Errorf("unknown nlu subcommand %q", args[0])
}

// nluFlags are the flags of the nlu commands: theirs plus the LLM ones.
func nluFlags(extra ...string) []string {
	return append(extra, "llm-base-url", "llm-model", "llm-api-key", "llm-timeout", "log-level")
}

// resultJSON is one line of `konto nlu parse`.
type resultJSON struct {
	Text       string        `json:"text"`
	Intent     string        `json:"intent"`
	Confidence float64       `json:"confidence"`
	Slots      intents.Slots `json:"slots"`
}

// nluParse reads one utterance per line and writes one JSON object per
// line, flushing after each so that it can be driven interactively.
func nluParse(ctx context.Context, rec intents.Recognizer, locale string, now time.Time, stdin io.Reader, stdout io.Writer) error {
	sc := bufio.NewScanner(stdin)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	w := bufio.NewWriter(stdout)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	for sc.Scan() {
		line := strings.TrimRight(sc.Text(), "\r")
		res, err := rec.Parse(ctx, line, locale, now)
		if err != nil {
			return err
		}
		if err := enc.Encode(resultJSON{Text: line, Intent: res.Intent, Confidence: math.Round(res.Confidence*1000) / 1000, Slots: res.Slots}); err != nil {
			return err
		}
		if err := w.Flush(); err != nil {
			return err
		}
	}
	return sc.Err()
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

// nluEval scores the held-out split of one locale and prints a report.
func nluEval(ctx context.Context, rec intents.Recognizer, locale string, stdout, stderr io.Writer) error {
	held, nowS, err := intents.HeldOut(locale)
	if err != nil {
		return err
	}
	now, err := time.Parse(time.DateOnly, nowS)
	if err != nil {
		return fmt.Errorf("held-out now %q: %w", nowS, err)
	}
	var progress func(done, total int)
	if isTerminal(stderr) {
		progress = func(done, total int) {
			const width = 30
			n := done * width / total
			fmt.Fprintf(stderr, "\r%s [%s%s] %d/%d", locale, strings.Repeat("#", n), strings.Repeat(".", width-n), done, total)
			if done == total {
				fmt.Fprintln(stderr)
			}
		}
	}
	r, err := intents.Evaluate(ctx, rec, locale, held, now.Add(12*time.Hour), progress)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "%s: %d held-out utterances\n", locale, r.N)
	fmt.Fprintf(stdout, "  intent accuracy        %6.1f%%  (banking only %.1f%%)\n", 100*r.Accuracy, 100*r.InScopeAccuracy)
	fmt.Fprintf(stdout, "  out-of-scope rejection %6.1f%%  (banking taken for out of scope %.1f%%)\n", 100*r.OOSRejection, 100*r.FalseRejection)
	fmt.Fprintf(stdout, "  slot accuracy          %6.1f%%\n", 100*r.SlotAccuracy)
	fmt.Fprintf(stdout, "  %-22s %9s %7s %6s\n", "intent", "precision", "recall", "F1")
	names := make([]string, 0, len(r.PerIntent))
	for n := range r.PerIntent {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		s := r.PerIntent[n]
		fmt.Fprintf(stdout, "  %-22s %9.2f %7.2f %6.2f\n", n, s.Precision, s.Recall, s.F1)
	}
	if len(r.Confused) > 0 {
		fmt.Fprintln(stdout, "  most confused (want → got):")
		for _, c := range r.Confused[:min(8, len(r.Confused))] {
			fmt.Fprintf(stdout, "    %-20s → %-20s %d\n", c.Want, c.Got, c.Count)
		}
	}
	if len(r.Errors) > 0 {
		fmt.Fprintln(stdout, "  errors:")
		for _, e := range r.Errors {
			fmt.Fprintf(stdout, "    %q: want %s %v, got %s %v\n", e.Text, e.WantIntent, e.WantSlots, e.Got, e.GotSlots)
		}
	}
	return nil
}

func runModel(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] != "export" {
		return fmt.Errorf("model needs a subcommand: export")
	}
	cfg, err := parseConfig("model export", args[1:], getenv, stderr, "platform", "locale", "invocation")
	if err != nil {
		return err
	}
	if cfg.Platform != "alexa" {
		return fmt.Errorf("--platform %q: only alexa is supported", cfg.Platform)
	}
	m, err := alexa.BuildModel(cfg.Locale, cfg.Invocation)
	if err != nil {
		return err
	}
	enc := json.NewEncoder(stdout)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(m)
}

// recognizer builds the offline recognizer and, when an LLM endpoint is
// configured, the LLM recognizer over it.
func recognizer(cfg Config, stderr io.Writer) (intents.Recognizer, error) {
	off := intents.NewOffline()
	if cfg.LLMBaseURL == "" {
		return off, nil
	}
	if cfg.LLMModel == "" {
		return nil, fmt.Errorf("--llm-model is required with --llm-base-url")
	}
	l := intents.NewLLM(cfg.LLMBaseURL, cfg.LLMModel, cfg.LLMAPIKey, off)
	l.Timeout = cfg.LLMTimeout
	l.Log = newLogger(stderr, cfg.LogLevel)
	l.Log.Warn("LLM recognizer enabled: utterances the offline recognizer is unsure about are sent, with numbers and payee names redacted, to the configured endpoint",
		"model", cfg.LLMModel)
	return l, nil
}
