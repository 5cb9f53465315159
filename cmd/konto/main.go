// Command konto is Konto's one binary: serve the skill, chat with it in a
// terminal, and manage the sandbox bank.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

const usage = `konto: a self-hosted banking backend for voice and chat assistants.

Usage:
  konto serve   [--addr HOST:PORT] [--data DIR] [--alexa-skill-id ID] [--dev]
                [--admin-addr 127.0.0.1:PORT [--admin-public]]   (/metrics and /debug/pprof/ there;
                                        /healthz and /readyz on the main listener)
  konto chat    [--data DIR] --customer NAME
  konto sandbox seed   [--data DIR] [--customers N] [--months M]
  konto sandbox tokens [--data DIR] [--all]
  konto nlu parse [--locale en-US|de-DE] [--now YYYY-MM-DD]   (utterances on stdin, JSON lines out)
  konto nlu eval  [--locale en-US|en-GB|de-DE] [--now YYYY-MM-DD] [--json] [FILE.yaml|.jsonl|.csv ...]
  konto nlu cv    [--locale en-US|de-DE] [--folds 5] [--top 10]   (cross-validation by template)
  konto model export --platform alexa --locale L [--invocation "my bank"]
  konto test [--junit FILE] [PATH...]   (fixture utterances and conversations)
  konto sandbox alert --customer NAME   (raise a suspicious charge)
  konto sandbox openbanking [--addr HOST:PORT] [--data DIR] [--print-banks]
                                        (UK Open Banking and Berlin Group on 127.0.0.1:8090)
  konto sandbox approve --customer NAME [--reject] [--data DIR]   (what waits in the bank app)
  konto banks list   [--banks FILE]
  konto banks verify --bank ID [--customer NAME | --access-token T [--consent-id C] [--pay]]
                     [--junit FILE] [--banks FILE] [--data DIR]   (exit code 1 on a failed check)
  konto oauth client add --id ID --redirect-uri URI [--redirect-uri URI...] [--name NAME] [--data DIR]
  konto oauth client list [--data DIR]   (assistants allowed to link accounts)
  konto pin unlock --id CUSTOMER [--bank BANK] [--data DIR]   (lift a voice PIN pause, after checking who calls)
  konto load [--url URL] [--requests N] [--concurrency C] [--rate R] [--duration D]
             [--mix realistic|balance|transactions|spending|transfer|card_lock]   (against a local serve --dev)

Every flag can also be set as an environment variable: --data is KONTO_DATA,
--alexa-skill-id is KONTO_ALEXA_SKILL_ID, and so on.
`

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := realMain(ctx, os.Args[1:], os.Getenv, os.Stdin, os.Stdout, os.Stderr); err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(os.Stderr, "konto:", err)
		}
		os.Exit(1)
	}
}

// realMain runs one command; tests call it with their own arguments,
// environment and streams.
func realMain(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return flag.ErrHelp
	}
	switch args[0] {
	case "serve":
		return runServe(ctx, args[1:], getenv, stdout, stderr)
	case "chat":
		return runChat(ctx, args[1:], getenv, stdin, stdout, stderr)
	case "sandbox":
		return runSandbox(ctx, args[1:], getenv, stdout, stderr)
	case "nlu":
		return runNLU(ctx, args[1:], getenv, stdin, stdout, stderr)
	case "model":
		return runModel(ctx, args[1:], getenv, stdout, stderr)
	case "test":
		return runTest(ctx, args[1:], getenv, stdout, stderr)
	case "load":
		return runLoad(ctx, args[1:], getenv, stdout, stderr)
	case "banks":
		return runBanks(ctx, args[1:], getenv, stdout, stderr)
	case "oauth":
		return runOAuth(ctx, args[1:], getenv, stdout, stderr)
	case "pin":
		return runPIN(ctx, args[1:], getenv, stdout, stderr)
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return nil
	}
	fmt.Fprint(stderr, usage)
	return fmt.Errorf("unknown command %q", args[0])
}
