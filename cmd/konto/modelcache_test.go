package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestNLUModelCache checks that chat and serve keep the trained models in
// the data directory and that the next start-up loads them: the files a
// start-up finds are the very files (same inode) it leaves, not rewritten
// by a training.
func TestNLUModelCache(t *testing.T) {
	shared, _ := sharedModelCache.Load().(string)
	sharedModelCache.Store("") // this test looks at the data directory's own models/
	t.Cleanup(func() { sharedModelCache.Store(shared) })
	data := filepath.Join(t.TempDir(), "data")
	models := filepath.Join(data, "models")
	list := func() map[string]os.FileInfo {
		t.Helper()
		entries, err := os.ReadDir(models)
		if err != nil {
			t.Fatal(err)
		}
		out := map[string]os.FileInfo{}
		for _, e := range entries {
			fi, err := e.Info()
			if err != nil {
				t.Fatal(err)
			}
			if !strings.HasSuffix(e.Name(), ".model") || fi.Mode().Perm() != 0o600 {
				t.Errorf("models/%s, mode %v: want only .model files of mode 0600", e.Name(), fi.Mode().Perm())
			}
			out[e.Name()] = fi
		}
		return out
	}
	chat := func() {
		t.Helper()
		out, err := run(t, "what's the balance on my high yield account\n", "chat", "--data", data, "--customer", "alice")
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(out, "konto> Your High Yield Savings has $") {
			t.Fatalf("chat output:\n%s", out)
		}
	}
	chat()
	first := list()
	if len(first) != 2 {
		t.Fatalf("models/ holds %d files after the first start-up, want one per locale", len(first))
	}
	if fi, err := os.Stat(models); err != nil || fi.Mode().Perm() != 0o700 {
		t.Errorf("models/: %v, mode %v", err, fi.Mode().Perm())
	}
	// A second link keeps each file's inode in use, so that a file
	// written again cannot get it back.
	keep := t.TempDir()
	for name := range first {
		if err := os.Link(filepath.Join(models, name), filepath.Join(keep, name)); err != nil {
			t.Fatal(err)
		}
	}
	same := func(when string) {
		t.Helper()
		now := list()
		if len(now) != len(first) {
			t.Fatalf("%s: models/ holds %d files, want %d", when, len(now), len(first))
		}
		for name, fi := range first {
			if !os.SameFile(fi, now[name]) {
				t.Errorf("%s: %s was written again: the model was trained, not loaded", when, name)
			}
		}
	}
	chat()
	same("a second chat")
	_, logs, stop := startServe(t, "--data", data, "--dev")
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(logs.String(), "offline recognizer ready") {
		t.Fatalf("serve logs:\n%s", logs)
	}
	same("serve")
}
