package intents

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"testing"
)

var update = flag.Bool("update", false, "TestEmbeddedModels: write intents/models again")

// baseLocales are the locales with a model of their own.
func baseLocales() []string {
	var out []string
	for _, l := range Locales {
		if b := baseLocale(l); !slices.Contains(out, b) {
			out = append(out, b)
		}
	}
	return out
}

// TestEmbeddedModels checks that the embedded models are today's: trained
// from today's data and settings by today's code, bit for bit. They are
// written on amd64; another architecture may round differently in
// training (fused multiply-adds), so there only their keys are checked.
// With -update it writes them.
func TestEmbeddedModels(t *testing.T) {
	for _, loc := range baseLocales() {
		key, err := embeddedKey(loc, nil)
		if err != nil {
			t.Fatal(err)
		}
		ex, err := trainingExamples(loc, nil)
		if err != nil {
			t.Fatal(err)
		}
		want, err := encodeModel(train(loc, ex), key)
		if err != nil {
			t.Fatal(err)
		}
		if *update {
			if err := os.WriteFile(filepath.Join("models", loc+cacheSuffix), want, 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		got, err := embeddedModels.ReadFile(embeddedPath(loc))
		if err != nil {
			t.Fatalf("%v (write the models: go test ./intents -run TestEmbeddedModels -update)", err)
		}
		if _, err := decodeModel(got, key); err != nil {
			t.Errorf("%s: the embedded model is stale (%v): the training data or settings changed; write it again: go test ./intents -run TestEmbeddedModels -update", loc, err)
			continue
		}
		if runtime.GOARCH == "amd64" && !bytes.Equal(got, want) {
			t.Errorf("%s: training today gives another model than the embedded one from the same data: the training code changed; bump modelVersion and write it again: go test ./intents -run TestEmbeddedModels -update", loc)
		}
	}
}

// TestStartsWithEmbeddedModels checks that a recognizer, with or without
// a cache directory, loads the embedded models instead of training, and
// writes no cache file.
func TestStartsWithEmbeddedModels(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "models")
	for _, o := range []*Offline{NewOffline(), {CacheDir: dir, models: map[string]*lazyModel{}}} {
		if err := o.Warm(); err != nil {
			t.Fatal(err)
		}
		for _, loc := range baseLocales() {
			if lm := o.models[loc]; !lm.embedded {
				t.Errorf("%s (cache %q): trained, not the embedded model", loc, o.CacheDir)
			}
		}
	}
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Errorf("the cache directory was written: %v", err)
	}
}
