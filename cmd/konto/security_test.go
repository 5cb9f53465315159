package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/kontoskill/konto/banks"
	"github.com/kontoskill/konto/banks/sandbox"
	"github.com/kontoskill/konto/skill"
	"github.com/kontoskill/konto/skill/sqlite"
)

// Finding 7: konto.db, sandbox.db and their WAL files were 0644 when the
// data directory existed. Now the directory is 0700 and every file 0600,
// also for a directory an earlier version made.
func TestDataFilesAreOwnerOnly(t *testing.T) {
	data := filepath.Join(t.TempDir(), "data")
	if err := os.MkdirAll(data, 0o755); err != nil {
		t.Fatal(err)
	}
	// As an earlier version left it: world-readable.
	if _, err := run(t, "", "sandbox", "tokens", "--data", data); err != nil {
		t.Fatal(err)
	}
	os.Chmod(data, 0o755)
	entries, _ := os.ReadDir(data)
	for _, e := range entries {
		os.Chmod(filepath.Join(data, e.Name()), 0o644)
	}
	base, _, stop := startServe(t, "--data", data, "--dev")
	if resp, err := http.Get(base + "/healthz"); err == nil {
		resp.Body.Close()
	}
	check := func(when string) {
		t.Helper()
		if fi, err := os.Stat(data); err != nil || fi.Mode().Perm() != 0o700 {
			t.Fatalf("%s: data directory mode %v", when, fi.Mode().Perm())
		}
		entries, _ := os.ReadDir(data)
		names := []string{}
		for _, e := range entries {
			fi, err := os.Stat(filepath.Join(data, e.Name()))
			if err != nil {
				continue
			}
			names = append(names, e.Name())
			if fi.IsDir() {
				if fi.Mode().Perm() != 0o700 {
					t.Fatalf("%s: directory %s has mode %v", when, e.Name(), fi.Mode().Perm())
				}
				continue
			}
			if fi.Mode().Perm() != 0o600 {
				t.Fatalf("%s: %s has mode %v", when, e.Name(), fi.Mode().Perm())
			}
		}
		if !strings.Contains(strings.Join(names, " "), "konto.db-wal") {
			t.Logf("%s: files %v", when, names)
		}
	}
	check("while serving")
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	// A fresh directory too, with its WAL files.
	fresh := filepath.Join(t.TempDir(), "fresh")
	if _, err := run(t, "", "sandbox", "tokens", "--data", fresh); err != nil {
		t.Fatal(err)
	}
	data = fresh
	check("fresh")
}

// Finding 13: `serve --dev` must listen on the loopback address unless
// an address is given explicitly.
func TestDevListensOnLoopbackUnlessTold(t *testing.T) {
	for _, c := range []struct {
		args []string
		env  map[string]string
		want string
	}{
		{[]string{"--dev"}, nil, "127.0.0.1:8080"},
		{[]string{"--dev"}, map[string]string{"KONTO_ADDR": "0.0.0.0:9000"}, "0.0.0.0:9000"},
		{[]string{"--dev", "--addr", ":9001"}, nil, ":9001"},
		{nil, nil, "localhost:8080"},
	} {
		getenv := func(k string) string { return c.env[k] }
		cfg, err := parseConfig("serve", c.args, getenv, io.Discard, "addr", "dev")
		if err != nil {
			t.Fatal(err)
		}
		if got := listenAddr(cfg); got != c.want {
			t.Errorf("%v %v: listens on %q, want %q", c.args, c.env, got, c.want)
		}
	}
}

// alexaTurn is a dev-mode Alexa IntentRequest as Alexa sends it.
func alexaTurn(session, reqID, token, intent string, slots map[string]string) string {
	user := map[string]any{"userId": "amzn1.ask.account.CRASH", "accessToken": token}
	app := map[string]any{"applicationId": "amzn1.ask.skill.crash"}
	sl := map[string]any{}
	for k, v := range slots {
		sl[k] = map[string]any{"name": k, "value": v}
	}
	env := map[string]any{"version": "1.0",
		"session": map[string]any{"new": false, "sessionId": session, "application": app, "user": user},
		"context": map[string]any{"System": map[string]any{"application": app, "user": user}},
		"request": map[string]any{"type": "IntentRequest", "requestId": reqID, "timestamp": time.Now().UTC().Format(time.RFC3339),
			"locale": "en-US", "intent": map[string]any{"name": intent, "slots": sl}}}
	b, _ := json.Marshal(env)
	return string(b)
}

// crashServer runs a crash-test build of `konto serve --dev` and returns
// its base URL and the process.
func crashServer(t *testing.T, bin, data string, env ...string) (string, *exec.Cmd) {
	t.Helper()
	cmd := exec.Command(bin, "serve", "--dev", "--addr", "127.0.0.1:0", "--data", data)
	cmd.Env = append(os.Environ(), env...)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = io.Discard
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	re := regexp.MustCompile(`listening on (http://[0-9.:]+)`)
	sc := bufio.NewScanner(out)
	for sc.Scan() {
		if m := re.FindStringSubmatch(sc.Text()); m != nil {
			go io.Copy(io.Discard, out)
			return m[1], cmd
		}
	}
	t.Fatal("the server did not start")
	return "", nil
}

func say(t *testing.T, base, body string) (string, error) {
	t.Helper()
	resp, err := http.Post(base+"/alexa", "application/json", strings.NewReader(body))
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	var r struct {
		Response struct {
			OutputSpeech struct{ Text string } `json:"outputSpeech"`
		} `json:"response"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&r); err != nil {
		return "", err
	}
	return r.Response.OutputSpeech.Text, nil
}

// The crash test: the server is killed (SIGKILL) after the bank executed
// a transfer and before Konto recorded anything of the answer. After a
// restart the user tries again, in the same session and in a new one:
// the money moved once, the audit holds one completed entry, and the
// user is told the truth.
func TestCrashBetweenBankAndCommit(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a binary")
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "konto-failpoints")
	build := exec.Command("go", "build", "-tags", "konto_failpoints", "-o", bin, ".")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	data := filepath.Join(dir, "data")
	var carol token
	for _, tk := range tokens(t, data) {
		if tk.Customer == "carol" {
			carol = tk
		}
	}
	balance := func() int64 {
		key, err := os.ReadFile(filepath.Join(data, "secret.key"))
		if err != nil {
			t.Fatal(err)
		}
		b, err := sandbox.Open(filepath.Join(data, "sandbox.db"), key)
		if err != nil {
			t.Fatal(err)
		}
		defer b.Close()
		bal, err := b.Balance(context.Background(), banks.User{Bank: "sandbox", Customer: "carol", Locale: "en-US"}, "carol-checking")
		if err != nil {
			t.Fatal(err)
		}
		return bal.Booked.Minor
	}
	before := balance()

	base, proc := crashServer(t, bin, data, "KONTO_FAILPOINT=after-bank")
	s1 := "amzn1.echo-api.session.CRASH-1"
	transfer := map[string]string{"payee": "tom nguyen", "amount": "35", "from_account": "checking"}
	steps := []struct{ intent, want string }{{"TransferMoney", "Shall I go ahead"}, {"AMAZON.YesIntent", "voice PIN"}}
	for i, st := range steps {
		got, err := say(t, base, alexaTurn(s1, fmt.Sprint("crash-", i), carol.AccessToken, st.intent, transfer))
		if err != nil || !strings.Contains(got, st.want) {
			t.Fatalf("step %d: %q %v", i, got, err)
		}
	}
	if got, err := say(t, base, alexaTurn(s1, "crash-pin", carol.AccessToken, "ProvidePin", map[string]string{"pin": carol.PIN})); err == nil {
		t.Fatalf("the failpoint did not kill the server; it said %q", got)
	}
	if state, _ := proc.Process.Wait(); state != nil && state.Success() {
		t.Fatal("the server exited normally")
	}
	if moved := before - balance(); moved != 3500 {
		t.Fatalf("before the restart the bank moved %d cents, want 3500", moved)
	}

	// Restart without the failpoint. The user starts over in a new session.
	base, _ = crashServer(t, bin, data)
	s2 := "amzn1.echo-api.session.CRASH-2"
	say(t, base, alexaTurn(s2, "again-0", carol.AccessToken, "TransferMoney", transfer))
	say(t, base, alexaTurn(s2, "again-1", carol.AccessToken, "AMAZON.YesIntent", nil))
	got, err := say(t, base, alexaTurn(s2, "again-pin", carol.AccessToken, "ProvidePin", map[string]string{"pin": carol.PIN}))
	if err != nil || !strings.HasPrefix(got, "Done. I sent $35.00 to Tom Nguyen") {
		t.Fatalf("after the restart: %q %v", got, err)
	}
	// And the old session's PIN turn, retried with a new request id.
	got, err = say(t, base, alexaTurn(s1, "crash-pin-2", carol.AccessToken, "ProvidePin", map[string]string{"pin": carol.PIN}))
	if err != nil || !strings.HasPrefix(got, "Done. I sent $35.00 to Tom Nguyen") {
		t.Fatalf("the old session's retry: %q %v", got, err)
	}
	if moved := before - balance(); moved != 3500 {
		t.Fatalf("moved %d cents, want 3500 once", moved)
	}
	st, err := sqlite.Open(filepath.Join(data, "konto.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	key, _ := os.ReadFile(filepath.Join(data, "secret.key"))
	log, err := st.AuditLog(context.Background(), "sandbox", skill.Pseudonym(key, "sandbox", "carol"))
	if err != nil {
		t.Fatal(err)
	}
	var transfers []string
	for _, a := range log {
		if a.Action == "transfer" {
			transfers = append(transfers, a.Outcome)
		}
	}
	if strings.Join(transfers, ",") != "done" {
		t.Fatalf("audit transfers %v, want one done", transfers)
	}
}
