package intents

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"testing/fstest"
	"time"
)

// cacheFiles lists the model files in dir and fails on leftovers.
func cacheFiles(t testing.TB, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range entries {
		if !strings.HasSuffix(e.Name(), cacheSuffix) {
			t.Errorf("cache directory holds %s", e.Name())
			continue
		}
		out = append(out, e.Name())
	}
	return out
}

// evalUtterances are every held-out and frozen utterance of a locale's model.
func evalUtterances(t *testing.T, base string) []Example {
	t.Helper()
	var out []Example
	for _, loc := range HeldOutLocales() {
		if baseLocale(loc) != base {
			continue
		}
		held, _, err := HeldOut(loc)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, held...)
	}
	if b, err := files.ReadFile("data/frozen/eval-" + base + ".yaml"); err == nil {
		ex, _, _, err := ParseExamples(b)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, ex...)
	}
	if len(out) < 100 {
		t.Fatalf("%s: only %d utterances to compare on", base, len(out))
	}
	return out
}

// TestModelCacheRoundTrip checks that a model loaded from the cache is
// the trained one, bit for bit, and predicts exactly what it predicts on
// every held-out and frozen utterance.
func TestModelCacheRoundTrip(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "models")
	trained := &Offline{CacheDir: dir, models: map[string]*lazyModel{}, trainOnly: true}
	if err := trained.Warm(); err != nil {
		t.Fatal(err)
	}
	names := cacheFiles(t, dir)
	if len(names) != len(Locales) {
		t.Fatalf("cache holds %v, want one model per locale", names)
	}
	for _, f := range names {
		fi, err := os.Stat(filepath.Join(dir, f))
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode().Perm() != 0o600 {
			t.Errorf("%s has mode %v, want 0600", f, fi.Mode().Perm())
		}
		t.Logf("%s: %d KiB", f, fi.Size()/1024)
	}
	loaded := NewOffline()
	loaded.CacheDir = dir
	loaded.trainOnly = true
	if err := loaded.Warm(); err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	for _, loc := range Locales {
		tm, lm := trained.models[loc], loaded.models[loc]
		if tm.cached || !lm.cached {
			t.Fatalf("%s: first recognizer loaded %v, second loaded %v; want trained then loaded", loc, tm.cached, lm.cached)
		}
		if !reflect.DeepEqual(tm.m, lm.m) {
			t.Errorf("%s: the loaded model differs from the trained one", loc)
		}
		for _, ex := range evalUtterances(t, loc) {
			for _, l := range []string{loc, "en-GB"} {
				if German(l) != German(loc) {
					continue
				}
				want, err1 := trained.Parse(context.Background(), ex.Text, l, now)
				got, err2 := loaded.Parse(context.Background(), ex.Text, l, now)
				if err1 != nil || err2 != nil {
					t.Fatal(err1, err2)
				}
				if got.Intent != want.Intent || got.Confidence != want.Confidence || !reflect.DeepEqual(got.Slots, want.Slots) {
					t.Errorf("%s %q: loaded %s %v %v, trained %s %v %v", l, ex.Text, got.Intent, got.Confidence, got.Slots,
						want.Intent, want.Confidence, want.Slots)
				}
			}
		}
	}
}

// TestModelCacheKey checks that every input of training changes the key.
func TestModelCacheKey(t *testing.T) {
	products := map[string][]string{SlotAccount: {"platinum card", "sparbuch"}, SlotCard: {"platinum card"}}
	key := func(locale string, extra map[string][]string, data fs.FS) [32]byte {
		t.Helper()
		k, err := keyOf(locale, extra, data, buildIdentity())
		if err != nil {
			t.Fatal(err)
		}
		return k
	}
	base := key("en-US", products, files)
	if key("en-US", products, files) != base {
		t.Fatal("the key is not stable")
	}
	if k, err := cacheKey("en-US", products); err != nil || k != base {
		t.Fatal("cacheKey does not read the embedded files", err)
	}
	// copyOf copies the embedded files, edited.
	copyOf := func(edit func(fstest.MapFS)) fs.FS {
		m := fstest.MapFS{}
		err := fs.WalkDir(files, ".", func(path string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return err
			}
			b, err := fs.ReadFile(files, path)
			m[path] = &fstest.MapFile{Data: b}
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		if edit != nil {
			edit(m)
		}
		return m
	}
	replace := func(path, old, new string) func(fstest.MapFS) {
		return func(m fstest.MapFS) {
			b := m[path].Data
			if !bytes.Contains(b, []byte(old)) {
				t.Fatalf("%s has no %q", path, old)
			}
			m[path].Data = bytes.Replace(b, []byte(old), []byte(new), 1)
		}
	}
	setting := func(p *int, v int) func() {
		return func() {
			old := *p
			*p = v
			t.Cleanup(func() { *p = old })
		}
	}
	for _, c := range []struct {
		name   string
		locale string
		extra  map[string][]string
		data   fs.FS
		before func()
		same   bool
	}{
		{name: "the same files, copied", data: copyOf(nil), same: true},
		{name: "a training line", data: copyOf(replace("data/train-en-US.yaml", "balance", "balanse"))},
		{name: "a variant's training line", data: copyOf(replace("data/train-en-GB.yaml", "current account", "current acount"))},
		{name: "a held-out line", data: copyOf(replace("data/heldout-en-US.yaml", "balance", "balanse"))},
		{name: "the catalog", data: copyOf(replace("catalog.yaml", "GetBalance", "GetBalanse"))},
		{name: "a new file", data: copyOf(func(m fstest.MapFS) { m["data/train-fr-FR.yaml"] = &fstest.MapFile{Data: []byte("{}")} })},
		{name: "no products", extra: map[string][]string{}},
		{name: "another product", extra: map[string][]string{SlotAccount: {"platinum card", "sparbuch", "gold"}, SlotCard: {"platinum card"}}},
		{name: "products in another order", extra: map[string][]string{SlotAccount: {"sparbuch", "platinum card"}, SlotCard: {"platinum card"}}},
		{name: "a product of another kind", extra: map[string][]string{SlotAccount: {"platinum card", "sparbuch"}, SlotCard: {"sparbuch"}}},
		{name: "the locale", locale: "de-DE"},
		{name: "the epochs", before: setting(&trainEpochs, trainEpochs+1)},
		{name: "the n-grams", before: setting(&gramMax, gramMax+1)},
		{name: "the build", before: func() {
			old := buildIdentity
			buildIdentity = func() string { return old() + " rebuilt" }
			t.Cleanup(func() { buildIdentity = old })
		}},
	} {
		t.Run(c.name, func(t *testing.T) {
			if c.before != nil {
				c.before()
			}
			loc, extra, data := c.locale, c.extra, c.data
			if loc == "" {
				loc = "en-US"
			}
			if extra == nil {
				extra = products
			}
			if data == nil {
				data = files
			}
			if got := key(loc, extra, data) == base; got != c.same {
				t.Errorf("same key %v, want %v", got, c.same)
			}
		})
	}
}

// smallModel trains quickly on a sample of a locale's examples.
func smallModel(t testing.TB, locale string) (*model, [32]byte) {
	t.Helper()
	ex, err := TrainingExamples(locale)
	if err != nil {
		t.Fatal(err)
	}
	var sample []Example
	for i := 0; i < len(ex); i += 40 {
		sample = append(sample, ex[i])
	}
	return train(locale, sample), sha256.Sum256([]byte("small " + locale))
}

// TestModelCacheCorrupt checks that no damaged file is trusted.
func TestModelCacheCorrupt(t *testing.T) {
	m, key := smallModel(t, "de-DE")
	good, err := encodeModel(m, key)
	if err != nil {
		t.Fatal(err)
	}
	if got, err := decodeModel(good, key); err != nil || !reflect.DeepEqual(got, m) {
		t.Fatalf("a whole file does not decode to its model: %v", err)
	}
	// resum rewrites the checksum, as a file damaged before it was
	// summed would have it: the payload's own checks must hold.
	resum := func(b []byte) []byte {
		body := b[:len(b)-sha256.Size]
		sum := sha256.Sum256(body)
		return append(body, sum[:]...)
	}
	flip := func(at int) []byte {
		b := bytes.Clone(good)
		b[at] ^= 0x10
		return b
	}
	payload := cacheHeader
	strsLen := int(binary.LittleEndian.Uint64(good[payload+37:]))
	weights := payload + 45 + strsLen
	otherKey := key
	otherKey[0] ^= 1
	for _, c := range []struct {
		name string
		b    []byte
		key  [32]byte
	}{
		{"empty", nil, key},
		{"truncated", good[:len(good)/2], key},
		{"one byte short", good[:len(good)-1], key},
		{"trailing bytes", append(bytes.Clone(good), 0), key},
		{"a weight flipped", flip(weights + 4*123), key},
		{"a feature name flipped", flip(payload + 45 + strsLen/2), key},
		{"the checksum flipped", flip(len(good) - 1), key},
		{"another key", good, otherKey},
		{"not a model", []byte(strings.Repeat("KONTOMDL", 40)), key},
		{"a count overrunning, summed", resum(flip(payload + 27)), key},
		{"a string length overrunning, summed", resum(flip(payload + 45)), key},
		{"the lex row out of range, summed", resum(flip(payload + 20)), key},
	} {
		t.Run(c.name, func(t *testing.T) {
			if _, err := decodeModel(c.b, c.key); !errors.Is(err, errCorrupt) {
				t.Errorf("decoded with error %v, want errCorrupt", err)
			}
		})
	}

	// A recognizer retrains over a damaged file and replaces it.
	dir := t.TempDir()
	ex, err := TrainingExamples("de-DE")
	if err != nil {
		t.Fatal(err)
	}
	fullKey, err := cacheKey("de-DE", nil)
	if err != nil {
		t.Fatal(err)
	}
	path := cachePath(dir, "de-DE", fullKey)
	want := train("de-DE", ex)
	b, err := encodeModel(want, fullKey)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, b[:len(b)-100], 0o600); err != nil {
		t.Fatal(err)
	}
	var logs bytes.Buffer
	o := NewOffline()
	o.CacheDir = dir
	o.trainOnly = true
	o.Log = slog.New(slog.NewTextHandler(&logs, nil))
	got, err := o.model("de-DE")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(logs.String(), "truncated") {
		t.Errorf("the damaged file was not logged: %q", logs.String())
	}
	if o.models["de-DE"].cached {
		t.Fatal("a truncated cache file was loaded")
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatal("the retrained model differs from a fresh one")
	}
	if _, err := loadModel(path, fullKey); err != nil {
		t.Errorf("the truncated file was not replaced: %v", err)
	}
	cacheFiles(t, dir)
}

// TestModelCachePrune checks that a cache directory keeps the most
// recently used models of a locale only.
func TestModelCachePrune(t *testing.T) {
	dir := t.TempDir()
	m, _ := smallModel(t, "de-DE")
	var paths []string
	for i := range cacheKeep + 2 {
		key := [32]byte{byte(i)}
		if err := saveModel(dir, "de-DE", key, m); err != nil {
			t.Fatal(err)
		}
		p := cachePath(dir, "de-DE", key)
		old := time.Now().Add(time.Duration(i-10) * time.Minute)
		os.Chtimes(p, old, old)
		paths = append(paths, p)
	}
	other := filepath.Join(dir, "en-US-x"+cacheSuffix)
	os.WriteFile(other, []byte("x"), 0o600)
	pruneCache(dir, "de-DE")
	for i, p := range paths {
		_, err := os.Stat(p)
		if kept := err == nil; kept != (i >= 2) {
			t.Errorf("model %d of %d: kept %v", i, len(paths), kept)
		}
	}
	if _, err := os.Stat(other); err != nil {
		t.Error("pruning de-DE removed an en-US file")
	}
}

// TestModelCacheSameProducts checks that a product sheet the recognizer
// has learnt already does not make it train again.
func TestModelCacheSameProducts(t *testing.T) {
	o := NewOffline()
	// A name no other test says: the slot forms partners add are global.
	sheet := []Product{{Name: "Zwölferkonto", Account: "savings", Synonyms: []string{"my twelver"}}}
	if err := o.AddProducts("en-US", sheet); err != nil {
		t.Fatal(err)
	}
	lm := &lazyModel{}
	o.models["en-US"] = lm
	if err := o.AddProducts("en-US", sheet[:1]); err != nil {
		t.Fatal(err)
	}
	if o.models["en-US"] != lm {
		t.Error("the same products again dropped the model")
	}
}

func FuzzModelCacheDecode(f *testing.F) {
	m, key := smallModel(f, "en-US")
	good, err := encodeModel(m, key)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(good)
	f.Add(good[:cacheHeader+60])
	f.Fuzz(func(t *testing.T, b []byte) {
		// Summed, so that the fuzzer reaches the payload's checks.
		b = bytes.Clone(b)
		if len(b) >= cacheHeader+sha256.Size {
			copy(b, good[:cacheHeader-8])
			binary.LittleEndian.PutUint64(b[cacheHeader-8:], uint64(len(b)-cacheHeader-sha256.Size))
			sum := sha256.Sum256(b[:len(b)-sha256.Size])
			copy(b[len(b)-sha256.Size:], sum[:])
		}
		m, err := decodeModel(b, key)
		if err == nil {
			m.predict("was ist mein kontostand")
		}
	})
}

// BenchmarkStartup measures Warm with a cache directory: cold trains
// every locale's model and writes it, warm loads them.
// BenchmarkStartup measures a recognizer's start-up: cold is a first
// start (the embedded models), train one without them (training both
// base locales, a cache directory written), warm a start that loads the
// models train wrote.
func BenchmarkStartup(b *testing.B) {
	b.Run("cold", func(b *testing.B) {
		for b.Loop() {
			o := NewOffline()
			if err := o.Warm(); err != nil {
				b.Fatal(err)
			}
			for _, loc := range Locales {
				if !o.models[baseLocale(loc)].embedded {
					b.Fatal("not the embedded model")
				}
			}
		}
	})
	b.Run("train", func(b *testing.B) {
		for b.Loop() {
			dir, err := os.MkdirTemp(b.TempDir(), "models")
			if err != nil {
				b.Fatal(err)
			}
			o := NewOffline()
			o.CacheDir = dir
			o.trainOnly = true
			if err := o.Warm(); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("warm", func(b *testing.B) {
		dir := b.TempDir()
		o := NewOffline()
		o.CacheDir = dir
		o.trainOnly = true
		if err := o.Warm(); err != nil {
			b.Fatal(err)
		}
		for b.Loop() {
			o := NewOffline()
			o.CacheDir = dir
			o.trainOnly = true
			if err := o.Warm(); err != nil {
				b.Fatal(err)
			}
			for _, loc := range Locales {
				if !o.models[loc].cached {
					b.Fatal("not loaded from the cache")
				}
			}
		}
	})
}

// A server keeps the models it trains in its data directory (the
// embedded ones need no training): a start-up that trained them once
// loads them in milliseconds.
func ExampleOffline_withCache() {
	dir, _ := os.MkdirTemp("", "konto-models")
	defer os.RemoveAll(dir)
	for range 2 {
		rec := NewOffline()
		rec.CacheDir = dir
		if err := rec.Warm(); err != nil {
			fmt.Println(err)
			return
		}
		res, _ := rec.Parse(context.Background(), "what's my checking balance", "en-US", time.Now())
		fmt.Println(res.Intent, res.Slots.String(SlotAccount))
	}
	// Output:
	// GetBalance checking
	// GetBalance checking
}
