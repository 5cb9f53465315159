package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestNLUModelCache checks that chat and serve start from the embedded
// models: they train nothing, so they write no models/ in the data
// directory (the cache itself is intents' TestModelCacheRoundTrip).
func TestNLUModelCache(t *testing.T) {
	shared, _ := sharedModelCache.Load().(string)
	sharedModelCache.Store("") // this test looks at the data directory's own models/
	t.Cleanup(func() { sharedModelCache.Store(shared) })
	data := filepath.Join(t.TempDir(), "data")
	models := filepath.Join(data, "models")
	none := func(when string) {
		t.Helper()
		if _, err := os.Stat(models); !os.IsNotExist(err) {
			entries, _ := os.ReadDir(models)
			t.Errorf("%s: models/ was written (%v, %d files): the recognizer trained instead of loading the embedded models", when, err, len(entries))
		}
	}
	for _, when := range []string{"a first chat", "a second chat"} {
		out, err := run(t, "what's the balance on my high yield account\n", "chat", "--data", data, "--customer", "alice")
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(out, "konto> Your High Yield Savings has $") {
			t.Fatalf("chat output:\n%s", out)
		}
		none(when)
	}
	_, logs, stop := startServe(t, "--data", data, "--dev")
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(logs.String(), "offline recognizer ready") {
		t.Fatalf("serve logs:\n%s", logs)
	}
	none("serve")
}
