package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
)

// syncBuffer is a bytes.Buffer safe for a server goroutine and the test.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func noEnv(string) string { return "" }

func run(t *testing.T, stdin string, args ...string) (string, error) {
	t.Helper()
	var out, errb bytes.Buffer
	err := realMain(context.Background(), args, noEnv, strings.NewReader(stdin), &out, &errb)
	return out.String(), err
}

// startServe runs `konto serve` on a free port and returns its base URL
// and a function that stops it with the shutdown signal's context.
func startServe(t *testing.T, args ...string) (string, *syncBuffer, func() error) {
	t.Helper()
	base, _, logs, stop := startCommand(t, append([]string{"serve", "--addr", "127.0.0.1:0"}, args...))
	return base, logs, stop
}

// startCommand runs a listening command (serve, sandbox openbanking)
// in-process until its banner is whole (it ends with how to stop it, the
// word Ctrl-C), and returns its base URL, its output and logs, and a
// function that stops it as the shutdown signal would.
func startCommand(t *testing.T, args []string) (string, *syncBuffer, *syncBuffer, func() error) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	out, logs := &syncBuffer{}, &syncBuffer{}
	done := make(chan error, 1)
	go func() {
		done <- realMain(ctx, args, noEnv, strings.NewReader(""), out, logs)
	}()
	re := regexp.MustCompile(`listening on (http://[0-9.:]+)`)
	// Generous: under -race on two busy cores, training the recognizer
	// for a fresh data directory takes many seconds.
	deadline := time.Now().Add(120 * time.Second)
	for time.Now().Before(deadline) {
		if m := re.FindStringSubmatch(out.String()); m != nil && strings.Contains(out.String(), "Ctrl-C") {
			stopped := false
			stop := func() error {
				if stopped {
					return nil
				}
				stopped = true
				cancel()
				select {
				case err := <-done:
					return err
				case <-time.After(15 * time.Second):
					t.Fatalf("%s did not shut down", args[0])
					return nil
				}
			}
			t.Cleanup(func() { stop() })
			return m[1], out, logs, stop
		}
		select {
		case err := <-done:
			t.Fatalf("%s exited early: %v\n%s\n%s", args[0], err, out.String(), logs.String())
		case <-time.After(20 * time.Millisecond):
		}
	}
	cancel()
	t.Fatalf("%s did not start: %s", args[0], out.String())
	return "", nil, nil, nil
}

type token struct {
	Customer    string `json:"customer"`
	Locale      string `json:"locale"`
	AccessToken string `json:"access_token"`
	PIN         string `json:"pin"`
}

func tokens(t *testing.T, data string) []token {
	out, err := run(t, "", "sandbox", "tokens", "--data", data)
	if err != nil {
		t.Fatal(err)
	}
	var ts []token
	sc := bufio.NewScanner(strings.NewReader(out))
	for sc.Scan() {
		var tk token
		if err := json.Unmarshal(sc.Bytes(), &tk); err != nil {
			t.Fatalf("tokens line %q: %v", sc.Text(), err)
		}
		ts = append(ts, tk)
	}
	return ts
}

func TestServeWholeServer(t *testing.T) {
	data := filepath.Join(t.TempDir(), "data")
	base, _, stop := startServe(t, "--data", data, "--alexa-skill-id", "amzn1.ask.skill.test")

	resp, err := http.Get(base + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(b), `"ok"`) {
		t.Fatalf("healthz %d %s", resp.StatusCode, b)
	}
	// Verification is on: an unsigned request is refused with 400.
	body := `{"version":"1.0","context":{"System":{"application":{"applicationId":"amzn1.ask.skill.test"},"user":{"userId":"u"}}},"request":{"type":"LaunchRequest","requestId":"r","timestamp":"` +
		time.Now().UTC().Format(time.RFC3339) + `","locale":"en-US"}}`
	resp, err = http.Post(base+"/alexa", "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusBadRequest {
		t.Fatalf("unsigned request: status %d, want 400", resp.StatusCode)
	}
	resp, err = http.Get(base + "/nope")
	if err != nil {
		t.Fatal(err)
	}
	b, _ = io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 404 || !strings.Contains(string(b), `"error"`) {
		t.Fatalf("unknown path: %d %s", resp.StatusCode, b)
	}
	if err := stop(); err != nil {
		t.Fatalf("graceful shutdown: %v", err)
	}
	for _, f := range []string{"secret.key", "sandbox.db", "konto.db"} {
		if _, err := os.Stat(filepath.Join(data, f)); err != nil {
			t.Errorf("data directory lacks %s", f)
		}
	}
	if st, _ := os.Stat(filepath.Join(data, "secret.key")); st.Mode().Perm() != 0o600 {
		t.Errorf("secret.key mode %v", st.Mode().Perm())
	}
}

func TestServeDevAnswersOverHTTP(t *testing.T) {
	data := filepath.Join(t.TempDir(), "data")
	base, logs, _ := startServe(t, "--data", data, "--dev")
	ts := tokens(t, data)
	if len(ts) != 7 {
		t.Fatalf("%d demo tokens", len(ts))
	}
	var jonas token
	for _, tk := range ts {
		if tk.Customer == "jonas" {
			jonas = tk
		}
		if len(tk.PIN) != 4 || !strings.HasPrefix(tk.AccessToken, "ksbx_") {
			t.Fatalf("token line %+v", tk)
		}
	}
	body := `{"version":"1.0","session":{"new":true,"sessionId":"s1","application":{"applicationId":"x"},"user":{"userId":"u1","accessToken":"` + jonas.AccessToken +
		`"}},"context":{"System":{"application":{"applicationId":"x"},"user":{"userId":"u1","accessToken":"` + jonas.AccessToken +
		`"}}},"request":{"type":"IntentRequest","requestId":"r1","timestamp":"2026-11-23T08:00:00Z","locale":"de-DE","intent":{"name":"GetBalance","slots":{"account":{"name":"account","value":"girokonto"}}}}}`
	resp, err := http.Post(base+"/alexa", "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var r struct {
		Response struct {
			OutputSpeech struct{ Text string } `json:"outputSpeech"`
		} `json:"response"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&r); err != nil || resp.StatusCode != 200 {
		t.Fatalf("%d %v", resp.StatusCode, err)
	}
	if !regexp.MustCompile(`^Auf deinem Girokonto sind [0-9.]+,[0-9]{2}\x{a0}€( verfügbar; der Buchungsstand ist [0-9.]+,[0-9]{2}\x{a0}€)?\.`).MatchString(r.Response.OutputSpeech.Text) {
		t.Fatalf("speech %q", r.Response.OutputSpeech.Text)
	}
	if !strings.Contains(logs.String(), "DEV MODE") {
		t.Fatal("dev mode must warn on every request")
	}
	if strings.Contains(logs.String(), jonas.AccessToken) {
		t.Fatal("the access token was logged")
	}
}

func TestChat(t *testing.T) {
	data := filepath.Join(t.TempDir(), "data")
	out, err := run(t, "what's my savings balance\nplay some jazz\n", "chat", "--data", data, "--customer", "Alice")
	if err != nil {
		t.Fatal(err)
	}
	if !regexp.MustCompile(`konto> Your High Yield Savings has \$[0-9,]+\.[0-9]{2}( available to spend; its booked balance is \$[0-9,]+\.[0-9]{2})?\.`).MatchString(out) ||
		!strings.Contains(out, "konto> Sorry, I can't help with that.") {
		t.Fatalf("chat output:\n%s", out)
	}
	// en-GB: pounds and British wording.
	out, err = run(t, "what's my current account balance\n", "chat", "--data", data, "--customer", "oliver")
	if err != nil || !regexp.MustCompile(`konto> Your Current Account has £[0-9,]+\.[0-9]{2}( available to spend; its booked balance is £[0-9,]+\.[0-9]{2})?\.`).MatchString(out) {
		t.Fatalf("en-GB chat output: %v\n%s", err, out)
	}
	if _, err := run(t, "", "chat", "--data", data, "--customer", "nobody"); err == nil {
		t.Fatal("unknown customer accepted")
	}
}

func TestSandboxSeed(t *testing.T) {
	data := filepath.Join(t.TempDir(), "data")
	out, err := run(t, "", "sandbox", "seed", "--data", data, "--customers", "20", "--months", "2")
	if err != nil || !strings.Contains(out, "20 synthetic") {
		t.Fatalf("%q %v", out, err)
	}
	all, err := run(t, "", "sandbox", "tokens", "--data", data, "--all")
	if err != nil || strings.Count(all, "\n") != 27 {
		t.Fatalf("%d token lines, %v", strings.Count(all, "\n"), err)
	}
}

func TestConfig(t *testing.T) {
	env := map[string]string{"KONTO_DATA": "/from/env", "KONTO_DEV": "true", "KONTO_ADDR": "0.0.0.0:9000"}
	cfg, err := parseConfig("serve", []string{"--addr", "127.0.0.1:1"}, func(k string) string { return env[k] }, io.Discard, "addr", "data", "dev")
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Data != "/from/env" || !cfg.Dev || cfg.Addr != "127.0.0.1:1" {
		t.Fatalf("flags must override the environment: %+v", cfg)
	}
	for _, args := range [][]string{{"--addr", "nonsense"}, {"--months", "0"}, {"stray"}} {
		if _, err := parseConfig("x", args, noEnv, io.Discard, "addr", "months"); err == nil {
			t.Errorf("%v accepted", args)
		}
	}
	if _, err := parseConfig("x", nil, func(k string) string { return map[string]string{"KONTO_DEV": "maybe"}[k] }, io.Discard, "dev"); err == nil {
		t.Error("KONTO_DEV=maybe accepted")
	}
	if _, err := run(t, "", "frobnicate"); err == nil {
		t.Error("unknown command accepted")
	}
}

func TestLoadAgainstLocalServer(t *testing.T) {
	data := filepath.Join(t.TempDir(), "data")
	base, _, _ := startServe(t, "--data", data, "--dev")
	out, err := run(t, "", "load", "--url", base+"/alexa", "--data", data, "--requests", "60", "--concurrency", "4")
	if err != nil || !strings.Contains(out, "60 requests in") || !strings.Contains(out, "0 failed") || !strings.Contains(out, "p95") {
		t.Fatalf("%v\n%s", err, out)
	}
	// --rate paces the requests on a schedule: 40 requests at 100/s
	// cannot be done in less than 0.39 s, however fast the server.
	t0 := time.Now()
	out, err = run(t, "", "load", "--url", base+"/alexa", "--data", data, "--requests", "40", "--concurrency", "8", "--rate", "100", "--mix", "balance")
	if err != nil || !strings.Contains(out, "40 requests in") || !strings.Contains(out, "100 req/s scheduled") {
		t.Fatalf("%v\n%s", err, out)
	}
	if took := time.Since(t0); took < 390*time.Millisecond {
		t.Errorf("40 requests at --rate 100 took %s: the schedule was not kept", took)
	}
	if _, err := run(t, "", "load", "--url", "http://192.168.1.10/alexa", "--data", data); err == nil {
		t.Fatal("a non-loopback target was accepted")
	}
}
