package main

import (
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/kontoskill/konto/skill/alexa/alexatest"
	"github.com/kontoskill/konto/skill/skilltest"
)

// runTest is `konto test`: fixture conversations and utterances through
// skilltest, each conversation on a fresh sandbox and store.
func runTest(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	cfg, err := parseConfig("test", flagArgs(args), getenv, stderr, "junit", "log-level")
	if err != nil {
		return err
	}
	paths := pathArgs(args)
	files, err := skilltest.Files(paths...)
	if err != nil {
		return err
	}
	if len(files) == 0 {
		return fmt.Errorf("no fixtures found")
	}
	rec := skilltest.Recognizer() // with the sandbox's product names, as serve has them
	if err := rec.Warm(); err != nil {
		return err
	}
	opt := skilltest.Options{Recognizer: rec, Log: newLogger(io.Discard, "error"),
		Platforms: map[string]skilltest.Platform{"alexa": alexatest.Platform}}
	var results []skilltest.Result
	progress := isTerminal(stderr)
	failed := 0
	for i, f := range files {
		res := skilltest.RunFile(ctx, f, opt)
		results = append(results, res)
		if len(res.Failures) > 0 {
			failed++
			fmt.Fprintf(stdout, "FAIL %s (%s)\n", f.Name, res.Name)
			for _, msg := range res.Failures {
				fmt.Fprintf(stdout, "     %s\n", strings.ReplaceAll(msg, "\n", "\n     "))
			}
		} else {
			fmt.Fprintf(stdout, "ok   %s (%s)\n", f.Name, res.Name)
		}
		if progress {
			const width = 30
			n := (i + 1) * width / len(files)
			fmt.Fprintf(stderr, "\r[%s%s] %d/%d", strings.Repeat("#", n), strings.Repeat(".", width-n), i+1, len(files))
			if i+1 == len(files) {
				fmt.Fprintln(stderr)
			}
		}
	}
	fmt.Fprintf(stdout, "%d passed, %d failed\n", len(results)-failed, failed)
	if cfg.JUnit != "" {
		if err := skilltest.WriteJUnit(cfg.JUnit, results); err != nil {
			return err
		}
	}
	if failed > 0 {
		return fmt.Errorf("%d of %d fixtures failed", failed, len(results))
	}
	return nil
}

// flagArgs and pathArgs split `konto test [--junit F] [PATH...]`.
func flagArgs(args []string) []string {
	var out []string
	for i := 0; i < len(args); i++ {
		if strings.HasPrefix(args[i], "-") {
			out = append(out, args[i])
			if !strings.Contains(args[i], "=") && i+1 < len(args) && args[i] != "--help" && args[i] != "-h" {
				out = append(out, args[i+1])
				i++
			}
		}
	}
	return out
}

func pathArgs(args []string) []string {
	var out []string
	for i := 0; i < len(args); i++ {
		if strings.HasPrefix(args[i], "-") {
			if !strings.Contains(args[i], "=") {
				i++
			}
			continue
		}
		out = append(out, args[i])
	}
	return out
}
