package intents

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
)

// modelVersion names the training code. Bump it whenever features,
// trainingExamples, train, sgd or calibrate change what a model learns from
// the same data, so that no model trained by older code is loaded from a
// cache. (The key also names the build of the running program, see
// buildIdentity, so a forgotten bump matters only where the build cannot
// be told.)
const modelVersion = 1

// The cache file: magic, format, key, payload length, payload, and the
// SHA-256 of all that precedes it. All numbers are little-endian.
const (
	cacheMagic  = "KONTOMDL"
	cacheFormat = uint32(1)
	cacheSuffix = ".model"
	// cacheKeep is how many model files of a locale a cache directory
	// keeps (the most recently used): serve trains once with the default
	// bank's products and once with all banks', and both are wanted.
	cacheKeep = 4
)

var errCorrupt = errors.New("corrupt model cache file")

// errOtherKey is a whole model file written for another key: other data,
// settings or code.
var errOtherKey = fmt.Errorf("%w: written for another format or key", errCorrupt)

// cacheKey is the SHA-256 of everything the model of a base locale,
// trained with a partner's extra fillers, depends on: the code (version and
// build), the training settings, the catalog, every embedded file (the
// catalog's, the training files, the held-out sets whose utterances are
// kept out of training) and the extra words, in order. It reads the files, not the examples expanded
// from them, so that a start-up with a cached model expands nothing.
func cacheKey(locale string, extra map[string][]string) ([32]byte, error) {
	return keyOf(locale, extra, files, buildIdentity())
}

// keyOf is the key of a model trained by the code named by build.
func keyOf(locale string, extra map[string][]string, data fs.FS, build string) ([32]byte, error) {
	var b []byte
	num := func(n uint64) { b = binary.AppendUvarint(b, n) }
	str := func(s string) { num(uint64(len(s))); b = append(b, s...) }
	raw := func(p []byte) { num(uint64(len(p))); b = append(b, p...) }
	str(cacheMagic)
	num(uint64(cacheFormat))
	num(modelVersion)
	str(build)
	str(locale)
	str(fmt.Sprint(trainEpochs, trainLR, trainTailEpochs, trainTailLR, gramMin, gramMax, easyAt, easyEpochs, slotVariants, noiseEvery))
	num(uint64(len(Catalog)))
	for _, in := range Catalog {
		str(in.Name)
	}
	// All embedded files, in lexical order, but the frozen evaluation
	// sets: training never reads them, and a new set is no new model.
	err := fs.WalkDir(data, ".", func(path string, d fs.DirEntry, err error) error {
		if err == nil && d.IsDir() && path == "data/frozen" {
			return fs.SkipDir
		}
		if err != nil || d.IsDir() {
			return err
		}
		content, err := fs.ReadFile(data, path)
		if err != nil {
			return err
		}
		str(path)
		raw(content)
		return nil
	})
	if err != nil {
		return [32]byte{}, fmt.Errorf("intents: model cache key: %w", err)
	}
	keys := make([]string, 0, len(extra))
	for k := range extra {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	num(uint64(len(keys)))
	for _, k := range keys {
		str(k)
		num(uint64(len(extra[k])))
		for _, w := range extra[k] {
			str(w)
		}
	}
	return sha256.Sum256(b), nil
}

// buildIdentity names the running program's build: a model trained by one
// build is not trusted by another, whose training code may differ (and
// floating point may, across architectures). A clean VCS build is its
// revision, so that every instance of a release shares the cache;
// otherwise the executable's size and time stand for it.
var buildIdentity = sync.OnceValue(func() string {
	id := runtime.Version() + " " + runtime.GOARCH
	if bi, ok := debug.ReadBuildInfo(); ok {
		var rev, modified string
		for _, s := range bi.Settings {
			switch s.Key {
			case "vcs.revision":
				rev = s.Value
			case "vcs.modified":
				modified = s.Value
			}
		}
		if rev != "" && modified == "false" {
			return id + " vcs " + rev
		}
	}
	if exe, err := os.Executable(); err == nil {
		if fi, err := os.Stat(exe); err == nil {
			return id + " exe " + strconv.FormatInt(fi.Size(), 10) + " " + strconv.FormatInt(fi.ModTime().UnixNano(), 10)
		}
	}
	return id
})

// cachePath is where the model of a locale with a key is cached.
func cachePath(dir, locale string, key [32]byte) string {
	return filepath.Join(dir, locale+"-"+hex.EncodeToString(key[:])+cacheSuffix)
}

// loadModel reads a cached model. A file that is not whole, fails its
// checksum or was written for another key is errCorrupt; a missing one
// fs.ErrNotExist.
func loadModel(path string, key [32]byte) (*model, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	m, err := decodeModel(b, key)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return m, nil
}

// saveModel writes a model to the cache atomically (a temporary file,
// renamed), readable by the owner only, and forgets the least recently
// used models of the locale beyond cacheKeep.
func saveModel(dir, locale string, key [32]byte, m *model) error {
	b, err := encodeModel(m, key)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	f, err := os.CreateTemp(dir, locale+"-*"+cacheSuffix+".tmp")
	if err != nil {
		return err
	}
	tmp := f.Name()
	_, err = f.Write(b)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Chmod(tmp, 0o600)
	}
	if err == nil {
		err = os.Rename(tmp, cachePath(dir, locale, key))
	}
	if err != nil {
		os.Remove(tmp)
		return err
	}
	pruneCache(dir, locale)
	return nil
}

// pruneCache removes a locale's model files beyond the cacheKeep most
// recently used, and temporary files a crashed writer left.
func pruneCache(dir, locale string) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return
	}
	type file struct {
		path string
		used time.Time
	}
	var models []file
	for _, e := range entries {
		name := e.Name()
		if !e.Type().IsRegular() || !strings.HasPrefix(name, locale+"-") {
			continue
		}
		fi, err := e.Info()
		if err != nil {
			continue
		}
		switch {
		case strings.HasSuffix(name, cacheSuffix):
			models = append(models, file{filepath.Join(dir, name), fi.ModTime()})
		case strings.HasSuffix(name, cacheSuffix+".tmp") && time.Since(fi.ModTime()) > time.Hour:
			os.Remove(filepath.Join(dir, name))
		}
	}
	sort.Slice(models, func(i, j int) bool { return models[i].used.After(models[j].used) })
	for _, f := range models[min(len(models), cacheKeep):] {
		os.Remove(f.path)
	}
}

// encodeModel lays a model out as a cache file. The payload is the
// scalars, the counts, the strings (classes, features in row order,
// vocabulary, stem pairs) as length-prefixed bytes, then the weights and
// biases as float32 bits, so that a loaded model is bit for bit the
// trained one.
func encodeModel(m *model, key [32]byte) ([]byte, error) {
	k := len(m.classes)
	n := len(m.index)
	if len(m.w) != n*k || len(m.bias) != k {
		return nil, fmt.Errorf("intents: model of %d features × %d classes has %d weights, %d biases", n, k, len(m.w), len(m.bias))
	}
	feats := make([]string, n)
	for f, r := range m.index {
		if r < 0 || int(r) >= n || feats[r] != "" {
			return nil, fmt.Errorf("intents: model feature rows are not 0…%d", n-1)
		}
		feats[r] = f
	}
	vocab := make([]string, 0, len(m.fz.vocab))
	for w, ok := range m.fz.vocab {
		if ok {
			vocab = append(vocab, w)
		}
	}
	slices.Sort(vocab)
	stems := make([]string, 0, len(m.fz.stems))
	for w := range m.fz.stems {
		stems = append(stems, w)
	}
	slices.Sort(stems)

	var strs []byte
	put := func(s string) {
		strs = binary.AppendUvarint(strs, uint64(len(s)))
		strs = append(strs, s...)
	}
	for _, s := range m.classes {
		put(s)
	}
	for _, s := range feats {
		put(s)
	}
	for _, s := range vocab {
		put(s)
	}
	for _, s := range stems {
		put(s)
		put(m.fz.stems[s])
	}

	le := binary.LittleEndian
	p := make([]byte, 0, 64+len(strs)+4*(n*k+k))
	if m.fz.german {
		p = append(p, 1)
	} else {
		p = append(p, 0)
	}
	p = le.AppendUint64(p, math.Float64bits(m.threshold))
	p = le.AppendUint64(p, math.Float64bits(m.bankThreshold))
	p = le.AppendUint32(p, uint32(m.lexRow))
	for _, c := range []int{k, n, len(vocab), len(stems)} {
		p = le.AppendUint32(p, uint32(c))
	}
	p = le.AppendUint64(p, uint64(len(strs)))
	p = append(p, strs...)
	for _, x := range m.w {
		p = le.AppendUint32(p, math.Float32bits(x))
	}
	for _, x := range m.bias {
		p = le.AppendUint32(p, math.Float32bits(x))
	}

	out := make([]byte, 0, len(cacheMagic)+4+32+8+len(p)+sha256.Size)
	out = append(out, cacheMagic...)
	out = le.AppendUint32(out, cacheFormat)
	out = append(out, key[:]...)
	out = le.AppendUint64(out, uint64(len(p)))
	out = append(out, p...)
	sum := sha256.Sum256(out)
	return append(out, sum[:]...), nil
}

// cacheHeader is the length of a cache file's header.
const cacheHeader = len(cacheMagic) + 4 + 32 + 8

// decodeModel reads a cache file written by encodeModel for key. Anything
// short of a whole file that passes its checksum is errCorrupt.
func decodeModel(b []byte, key [32]byte) (*model, error) {
	le := binary.LittleEndian
	if len(b) < cacheHeader+sha256.Size || string(b[:len(cacheMagic)]) != cacheMagic {
		return nil, errCorrupt
	}
	if le.Uint32(b[len(cacheMagic):]) != cacheFormat || !bytes.Equal(b[len(cacheMagic)+4:len(cacheMagic)+36], key[:]) {
		return nil, errOtherKey
	}
	size := le.Uint64(b[cacheHeader-8:])
	if size != uint64(len(b)-cacheHeader-sha256.Size) {
		return nil, fmt.Errorf("%w: truncated", errCorrupt)
	}
	body := b[:len(b)-sha256.Size]
	if sum := sha256.Sum256(body); !bytes.Equal(sum[:], b[len(body):]) {
		return nil, fmt.Errorf("%w: checksum mismatch", errCorrupt)
	}
	m, err := decodePayload(body[cacheHeader:])
	if err != nil {
		return nil, fmt.Errorf("%w: %v", errCorrupt, err)
	}
	return m, nil
}

func decodePayload(p []byte) (*model, error) {
	le := binary.LittleEndian
	const fixed = 1 + 8 + 8 + 4 + 4*4 + 8
	if len(p) < fixed {
		return nil, errors.New("short payload")
	}
	m := &model{fz: featurizer{german: p[0] == 1}}
	m.threshold = math.Float64frombits(le.Uint64(p[1:]))
	m.bankThreshold = math.Float64frombits(le.Uint64(p[9:]))
	m.lexRow = int32(le.Uint32(p[17:]))
	k, n := int(le.Uint32(p[21:])), int(le.Uint32(p[25:]))
	nVocab, nStems := int(le.Uint32(p[29:])), int(le.Uint32(p[33:]))
	strLen := le.Uint64(p[37:])
	p = p[fixed:]
	if strLen > uint64(len(p)) {
		return nil, errors.New("strings overrun")
	}
	// One string holds all the names; the maps' keys are its substrings.
	strs := string(p[:strLen])
	p = p[strLen:]
	if uint64(len(p)) != 4*(uint64(n)*uint64(k)+uint64(k)) {
		return nil, errors.New("weights do not fit")
	}
	next := func() (string, bool) {
		l, w := uvarintString(strs)
		if w <= 0 || l > uint64(len(strs)-w) {
			return "", false
		}
		s := strs[w : w+int(l)]
		strs = strs[w+int(l):]
		return s, true
	}
	// Every string takes at least one byte, which bounds the counts.
	if uint64(k)+uint64(n)+uint64(nVocab)+2*uint64(nStems) > strLen {
		return nil, errors.New("counts overrun")
	}
	m.classes = make([]string, k)
	for i := range m.classes {
		s, ok := next()
		if !ok {
			return nil, errors.New("bad class name")
		}
		m.classes[i] = s
	}
	m.index = make(map[string]int32, n)
	for i := range n {
		s, ok := next()
		if !ok {
			return nil, errors.New("bad feature name")
		}
		m.index[s] = int32(i)
	}
	if len(m.index) != n {
		return nil, errors.New("duplicate feature")
	}
	m.fz.vocab = make(map[string]bool, nVocab)
	for range nVocab {
		s, ok := next()
		if !ok {
			return nil, errors.New("bad vocabulary word")
		}
		m.fz.vocab[s] = true
	}
	m.fz.stems = make(map[string]string, nStems)
	for range nStems {
		w, ok1 := next()
		st, ok2 := next()
		if !ok1 || !ok2 {
			return nil, errors.New("bad stem")
		}
		m.fz.stems[w] = st
	}
	if strs != "" {
		return nil, errors.New("trailing strings")
	}
	if m.lexRow < -1 || int(m.lexRow) >= n {
		return nil, errors.New("lex row out of range")
	}
	m.w = make([]float32, n*k)
	for i := range m.w {
		m.w[i] = math.Float32frombits(le.Uint32(p[4*i:]))
	}
	p = p[4*n*k:]
	m.bias = make([]float32, k)
	for i := range m.bias {
		m.bias[i] = math.Float32frombits(le.Uint32(p[4*i:]))
	}
	return m, nil
}

// uvarintString is binary.Uvarint over a string, without copying it.
func uvarintString(s string) (uint64, int) {
	var x uint64
	var sh uint
	for i := 0; i < len(s) && i < binary.MaxVarintLen64; i++ {
		c := s[i]
		if c < 0x80 {
			if i == binary.MaxVarintLen64-1 && c > 1 {
				return 0, -1
			}
			return x | uint64(c)<<sh, i + 1
		}
		x |= uint64(c&0x7f) << sh
		sh += 7
	}
	return 0, 0
}

// cachedModel returns the model of a locale with extra fillers from the
// cache in dir, or trains and caches it. A cache file that cannot be
// trusted is trained over. Errors of the cache (other than a missing file)
// come back in cacheErr, for the log: they never stop training; err is
// training's.
func cachedModel(dir, locale string, extra map[string][]string) (m *model, loaded bool, err, cacheErr error) {
	key, keyErr := cacheKey(locale, extra)
	if keyErr == nil {
		path := cachePath(dir, locale, key)
		m, cacheErr = loadModel(path, key)
		if cacheErr == nil {
			now := time.Now()
			_ = os.Chtimes(path, now, now) // recently used: pruneCache keeps it
			return m, true, nil, nil
		}
		if errors.Is(cacheErr, fs.ErrNotExist) {
			cacheErr = nil
		}
	}
	ex, err := trainingExamples(locale, extra)
	if err != nil {
		return nil, false, err, errors.Join(keyErr, cacheErr)
	}
	m = train(locale, ex)
	if keyErr != nil {
		return m, false, nil, keyErr
	}
	if serr := saveModel(dir, locale, key, m); serr != nil {
		cacheErr = errors.Join(cacheErr, serr)
	}
	return m, false, nil, cacheErr
}
