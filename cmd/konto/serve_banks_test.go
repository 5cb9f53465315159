package main

import (
	"bytes"
	"context"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// serve --banks: a wrong banks file stops start-up with one error naming
// the field; a good one serves through the bank router.
func TestServeWithBanksFile(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.yaml")
	os.WriteFile(bad, []byte("banks:\n  - {id: ukbank, name: X, standard: ukob, locale: en-GB}\n"), 0o600)
	var out, errb bytes.Buffer
	err := realMain(context.Background(), []string{"serve", "--addr", "127.0.0.1:0", "--data", filepath.Join(dir, "data"), "--banks", bad},
		noEnv, strings.NewReader(""), &out, &errb)
	if err == nil || !strings.Contains(err.Error(), `bank "ukbank"`) {
		t.Fatalf("a wrong banks file: %v", err)
	}
	good := filepath.Join(dir, "good.yaml")
	os.WriteFile(good, []byte("banks:\n  - {id: sandbox, name: Konto Sandbox Bank, standard: sandbox, locale: en-US}\n"), 0o600)
	data := filepath.Join(dir, "data2")
	base, _, stop := startServe(t, "--data", data, "--dev", "--banks", good)
	defer stop()
	var alice token
	for _, tk := range tokens(t, data) {
		if tk.Customer == "alice" {
			alice = tk
		}
	}
	body := alexaTurn("s-banks", "r-banks", alice.AccessToken, "GetBalance", map[string]string{"account": "checking"})
	resp, err := http.Post(base+"/alexa", "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	got, _ := say(t, base, alexaTurn("s-banks", "r-banks-2", alice.AccessToken, "GetBalance", map[string]string{"account": "checking"}))
	if !strings.HasPrefix(got, "Your Everyday Checking has $") {
		t.Fatalf("through the bank router: %q", got)
	}
}
