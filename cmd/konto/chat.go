package main

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"strings"

	"golang.org/x/term"

	"github.com/kontoskill/konto/skill"
)

// runChat is a terminal conversation through the same core the platforms
// use: typed text in, the sentences a voice user would hear out.
func runChat(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) error {
	cfg, err := parseConfig("chat", args, getenv, stderr, "data", "store", "customer", "log-level",
		"llm-base-url", "llm-model", "llm-api-key", "llm-timeout", "pin-lockout")
	if err != nil {
		return err
	}
	if cfg.Customer == "" {
		return fmt.Errorf("--customer is required (try: alice, bob, carol, jonas or lena)")
	}
	a, c, err := openCustomerStore(ctx, cfg.Data, cfg.Store, cfg.Customer)
	if err != nil {
		return err
	}
	defer a.Close()
	rec, err := recognizer(cfg, stderr)
	if err != nil {
		return err
	}
	cacheModels(rec, cfg.Data, nil)
	if err := learnProducts(ctx, rec, a.bank); err != nil {
		return err
	}
	sk := skill.New(skill.Config{Bank: a.bank, Auth: a.bank, Store: a.store, Log: newLogger(stderr, "error"), Recognizer: rec,
		PINLockout: cfg.PINLockout, Secret: a.secret})
	// Chatting as a demo customer is the sandbox's account linking.
	token, err := a.bank.IssueToken(ctx, c.ID)
	if err != nil {
		return err
	}
	sid := make([]byte, 8)
	_, _ = rand.Read(sid)
	base := skill.Request{
		Platform:    "chat",
		UserID:      "chat:" + c.ID,
		SessionID:   "chat-" + hex.EncodeToString(sid),
		Locale:      c.Locale,
		AccessToken: token,
		// A terminal: read by the person at it alone.
		Channel: skill.Channel{Text: true, Private: true, Carry: true, LinkHint: "by starting the chat again (in the sandbox, that links the demo customer)"},
	}
	// No transcript: the chat's session state goes when the chat ends.
	defer sk.EndSession(context.WithoutCancel(ctx), base.Platform, base.SessionID, base.UserID)
	interactive := false
	if f, ok := stdin.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		interactive = true
	}
	fmt.Fprintf(stdout, "Chatting as %s (%s). Type your question; an empty line or Ctrl-D ends.\n", c.Name, c.Locale)
	sc := bufio.NewScanner(stdin)
	first, carried := true, ""
	for {
		if interactive {
			fmt.Fprint(stdout, "you> ")
		}
		if !sc.Scan() {
			break
		}
		line := strings.TrimSpace(sc.Text())
		if line == "" {
			break
		}
		r := base
		r.Text, r.NewSession, r.Carry = line, first, carried
		first = false
		resp := sk.Handle(ctx, &r)
		carried = resp.Carry
		fmt.Fprintf(stdout, "konto> %s\n", resp.Speech)
		if resp.Card != nil && resp.Card.Text != "" {
			fmt.Fprintf(stdout, "  [%s]\n  %s\n", resp.Card.Title, strings.ReplaceAll(resp.Card.Text, "\n", "\n  "))
		}
	}
	return sc.Err()
}
