package main

import (
	"bufio"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"sort"
	"strings"
	"time"

	"golang.org/x/term"

	"github.com/kontoskill/konto/banks"
	"github.com/kontoskill/konto/intents"
	"github.com/kontoskill/konto/skill/alexa"
)

func runNLU(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		return fmt.Errorf("nlu needs a subcommand: parse, eval or cv")
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
		flags, files, asJSON := evalArgs(args[1:])
		cfg, err := parseConfig("nlu eval", flags, getenv, stderr, nluFlags("locale", "now")...)
		if err != nil {
			return err
		}
		rec, err := recognizer(cfg, stderr)
		if err != nil {
			return err
		}
		sets, err := evalSets(cfg, files)
		if err != nil {
			return err
		}
		var reports []evalReport
		for _, set := range sets {
			r, err := nluEval(ctx, rec, set, stderr)
			if err != nil {
				return err
			}
			if !asJSON {
				printEval(stdout, r)
			}
			reports = append(reports, r)
		}
		if asJSON {
			enc := json.NewEncoder(stdout)
			enc.SetEscapeHTML(false)
			return enc.Encode(evalJSON(reports))
		}
		return nil
	case "cv":
		// The cross-validation trains its own models: no LLM, no config.
		fs := flag.NewFlagSet("nlu cv", flag.ContinueOnError)
		fs.SetOutput(stderr)
		locale := fs.String("locale", "", "locale to cross-validate (default: en-US and de-DE)")
		folds := fs.Int("folds", 5, "number of folds")
		top := fs.Int("top", 10, "how many confusions to list")
		if err := fs.Parse(args[1:]); err != nil {
			return err
		}
		locales := intents.Locales
		if *locale != "" {
			locales = []string{*locale}
		}
		for _, loc := range locales {
			cv, err := intents.CrossValidate(loc, *folds)
			if err != nil {
				return err
			}
			fmt.Fprintf(stdout, "%s: %d-fold cross-validation by template over %d utterances\n", loc, cv.Folds, cv.N)
			fmt.Fprintf(stdout, "  intent accuracy        %6.1f%%  (banking only %.1f%%)\n", 100*cv.Accuracy, 100*cv.InScopeAccuracy)
			fmt.Fprintf(stdout, "  out-of-scope rejection %6.1f%%  (banking taken for out of scope %.1f%%)\n", 100*cv.OOSRejection, 100*cv.FalseRejection)
			for _, c := range cv.Confused[:min(max(*top, 0), len(cv.Confused))] {
				fmt.Fprintf(stdout, "    %-20s → %-20s %3d  %q\n", c.Want, c.Got, c.Count, c.Example)
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

// evalArgs splits the arguments of `nlu eval` into flags, file names and
// --json: the config parser takes flags only, and files may come first.
// Every nlu eval flag but --json takes a value.
func evalArgs(args []string) (flags, files []string, asJSON bool) {
	for i := 0; i < len(args); i++ {
		a := args[i]
		switch {
		case a == "--json" || a == "-json" || a == "--json=true" || a == "-json=true":
			asJSON = true
		case a == "--json=false" || a == "-json=false":
		case a == "--":
			files = append(files, args[i+1:]...)
			return flags, files, asJSON
		case strings.HasPrefix(a, "-") && len(a) > 1:
			flags = append(flags, a)
			if !strings.Contains(a, "=") && a != "-h" && a != "--help" && a != "-help" && i+1 < len(args) {
				i++
				flags = append(flags, args[i])
			}
		default:
			files = append(files, a)
		}
	}
	return flags, files, asJSON
}

// evalSet is one labelled set to score.
type evalSet struct {
	Name     string
	Locale   string
	Now      time.Time
	Examples []intents.Example
}

// evalSets are the files named, each in --locale or else the locale the
// file names (en-US when it names none), or without files the held-out
// sets of --locale or of every locale that has one.
func evalSets(cfg Config, files []string) ([]evalSet, error) {
	var sets []evalSet
	if len(files) == 0 {
		locales := intents.HeldOutLocales()
		if cfg.localeSet {
			locales = []string{cfg.Locale}
		}
		for _, loc := range locales {
			held, nowS, err := intents.HeldOut(loc)
			if err != nil {
				return nil, err
			}
			now, err := time.Parse(time.DateOnly, nowS)
			if err != nil {
				return nil, fmt.Errorf("held-out now %q: %w", nowS, err)
			}
			sets = append(sets, evalSet{Name: "held-out", Locale: loc, Now: now.Add(12 * time.Hour), Examples: held})
		}
		return sets, nil
	}
	for _, name := range files {
		b, err := os.ReadFile(name)
		if err != nil {
			return nil, err
		}
		f, err := intents.ReadLabelled(name, b)
		if err != nil {
			return nil, err
		}
		set := evalSet{Name: name, Locale: cfg.Locale, Examples: f.Examples}
		if !cfg.localeSet && f.Locale != "" {
			set.Locale = f.Locale
		}
		switch {
		case cfg.Now != "":
			if set.Now, err = cfg.nowTime(); err != nil {
				return nil, err
			}
		case f.Now != "":
			now, err := time.Parse(time.DateOnly, f.Now)
			if err != nil {
				return nil, fmt.Errorf("%s: now %q: %w", name, f.Now, err)
			}
			set.Now = now.Add(12 * time.Hour)
		default:
			set.Now = time.Now()
		}
		sets = append(sets, set)
	}
	return sets, nil
}

// evalReport is the score of one set.
type evalReport struct {
	Set string
	*intents.Report
}

// nluEval scores one set, drawing a progress bar on a terminal.
func nluEval(ctx context.Context, rec intents.Recognizer, set evalSet, stderr io.Writer) (evalReport, error) {
	var progress func(done, total int)
	if isTerminal(stderr) && len(set.Examples) > 0 {
		progress = func(done, total int) {
			const width = 30
			n := done * width / total
			fmt.Fprintf(stderr, "\r%s [%s%s] %d/%d", set.Locale, strings.Repeat("#", n), strings.Repeat(".", width-n), done, total)
			if done == total {
				fmt.Fprintln(stderr)
			}
		}
	}
	r, err := intents.Evaluate(ctx, rec, set.Locale, set.Examples, set.Now, progress)
	if err != nil {
		return evalReport{}, err
	}
	return evalReport{Set: set.Name, Report: r}, nil
}

func printEval(stdout io.Writer, er evalReport) {
	r := er.Report
	fmt.Fprintf(stdout, "%s: %d %s utterances\n", r.Locale, r.N, er.Set)
	banking, oos := "n/a", "n/a" // a set of one kind has no share of the other
	if r.InScopeN > 0 {
		banking = fmt.Sprintf("%.1f%%", 100*r.InScopeAccuracy)
	}
	if r.OOSN > 0 {
		oos = fmt.Sprintf("%5.1f%%", 100*r.OOSRejection)
	}
	fmt.Fprintf(stdout, "  intent accuracy        %6.1f%%  (banking only %s)\n", 100*r.Accuracy, banking)
	fmt.Fprintf(stdout, "  out-of-scope rejection %7s  (banking taken for out of scope %.1f%%)\n", oos, 100*r.FalseRejection)
	fmt.Fprintf(stdout, "  slot accuracy          %6.1f%%\n", 100*r.SlotAccuracy)
	fmt.Fprintf(stdout, "  %-22s %9s %7s %6s %5s\n", "intent", "precision", "recall", "F1", "n")
	for _, n := range sortedIntents(r) {
		s := r.PerIntent[n]
		fmt.Fprintf(stdout, "  %-22s %9.2f %7.2f %6.2f %5d\n", n, s.Precision, s.Recall, s.F1, s.TP+s.FN)
	}
	if len(r.Confused) > 0 {
		fmt.Fprintln(stdout, "  confusions (gold → predicted, count, example):")
		for _, c := range r.Confused {
			fmt.Fprintf(stdout, "    %-20s → %-20s %3d  %q\n", c.Want, c.Got, c.Count, c.Example)
		}
	}
	if len(r.Errors) > 0 {
		fmt.Fprintln(stdout, "  errors:")
		for _, e := range r.Errors {
			fmt.Fprintf(stdout, "    %q: want %s %v, got %s %v\n", e.Text, e.WantIntent, e.WantSlots, e.Got, e.GotSlots)
		}
	}
}

func sortedIntents(r *intents.Report) []string {
	names := make([]string, 0, len(r.PerIntent))
	for n := range r.PerIntent {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// evalOut is `konto nlu eval --json`: one object for all sets.
type evalOut struct {
	Sets []evalSetOut `json:"sets"`
}

type evalSetOut struct {
	Set             string                 `json:"set"`
	Locale          string                 `json:"locale"`
	N               int                    `json:"n"`
	Accuracy        float64                `json:"accuracy"`
	BankingAccuracy float64                `json:"banking_accuracy"`
	OOSRejection    float64                `json:"oos_rejection"`
	FalseRejection  float64                `json:"false_rejection"`
	SlotAccuracy    float64                `json:"slot_accuracy"`
	PerIntent       map[string]intentScore `json:"per_intent"`
	Confusions      []confusionOut         `json:"confusions"`
	Errors          []evalErrorOut         `json:"errors"`
}

type intentScore struct {
	Support   int     `json:"support"`
	Predicted int     `json:"predicted"`
	Precision float64 `json:"precision"`
	Recall    float64 `json:"recall"`
	F1        float64 `json:"f1"`
}

type confusionOut struct {
	Gold      string `json:"gold"`
	Predicted string `json:"predicted"`
	Count     int    `json:"count"`
	Example   string `json:"example"`
}

type evalErrorOut struct {
	Text      string        `json:"text"`
	Gold      string        `json:"gold"`
	Predicted string        `json:"predicted"`
	GoldSlots intents.Slots `json:"gold_slots"`
	Slots     intents.Slots `json:"slots"`
}

func evalJSON(reports []evalReport) evalOut {
	round := func(x float64) float64 { return math.Round(x*10000) / 10000 }
	out := evalOut{Sets: []evalSetOut{}}
	for _, er := range reports {
		r := er.Report
		s := evalSetOut{Set: er.Set, Locale: r.Locale, N: r.N, Accuracy: round(r.Accuracy), BankingAccuracy: round(r.InScopeAccuracy),
			OOSRejection: round(r.OOSRejection), FalseRejection: round(r.FalseRejection), SlotAccuracy: round(r.SlotAccuracy),
			PerIntent: map[string]intentScore{}, Confusions: []confusionOut{}, Errors: []evalErrorOut{}}
		for n, sc := range r.PerIntent {
			s.PerIntent[n] = intentScore{Support: sc.TP + sc.FN, Predicted: sc.TP + sc.FP, Precision: round(sc.Precision), Recall: round(sc.Recall), F1: round(sc.F1)}
		}
		for _, c := range r.Confused {
			s.Confusions = append(s.Confusions, confusionOut{Gold: c.Want, Predicted: c.Got, Count: c.Count, Example: c.Example})
		}
		for _, e := range r.Errors {
			s.Errors = append(s.Errors, evalErrorOut{Text: e.Text, Gold: e.WantIntent, Predicted: e.Got, GoldSlots: e.WantSlots, Slots: e.GotSlots})
		}
		out.Sets = append(out.Sets, s)
	}
	return out
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

// learnProducts teaches the offline recognizer (under an LLM one, too)
// the product names on the banks' product sheets, in every locale, so that
// "my Platinum card" is the credit card (the model itself does not change:
// intents.Offline.AddProducts). A router's banks are each asked; a bank
// without a sheet for a locale is skipped.
func learnProducts(ctx context.Context, rec intents.Recognizer, conns ...banks.Connector) error {
	if l, isLLM := rec.(*intents.LLM); isLLM {
		rec = l.Offline
	}
	off, ok := rec.(*intents.Offline)
	if !ok {
		return nil
	}
	var all []banks.Connector
	for _, c := range conns {
		if r, isRouter := c.(*banks.Router); isRouter {
			for _, id := range r.IDs() {
				if b, found := r.Bank(id); found {
					all = append(all, b)
				}
			}
			continue
		}
		all = append(all, c)
	}
	added := false
	for _, c := range all {
		p, ok := c.(banks.Products)
		if !ok {
			continue
		}
		for _, loc := range []string{"en-US", "en-GB", "de-DE"} {
			sheet, err := p.ProductSheet(ctx, loc)
			if err != nil || len(sheet.Products) == 0 {
				continue
			}
			var ps []intents.Product
			for _, pr := range sheet.Products {
				ps = append(ps, intents.Product{Name: pr.Name, Account: pr.Account, Synonyms: pr.Synonyms})
			}
			if err := off.AddProducts(loc, ps); err != nil {
				return fmt.Errorf("%s product sheet: %w", loc, err)
			}
			added = true
		}
	}
	if added {
		return off.Warm()
	}
	return nil
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
