package intents

import (
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"path"
)

// The offline recognizer ships trained: models/ holds a model per base
// locale, trained from this package's data by `go test ./intents -run
// TestEmbeddedModels -update`, so that a first start-up loads it (tens of
// milliseconds) instead of training (about a second on two cores). An
// embedded model is used only when its key, written in the file, is the
// key of today's data and training code (embeddedKey); a stale one is
// trained over, as without it, and TestEmbeddedModels fails until it is
// written again.
//
//go:embed models
var embeddedModels embed.FS

// embeddedBuild stands for the build in the key of an embedded model: the
// model was trained by this package's code at modelVersion (which names
// the training code), whichever build loads it. TestEmbeddedModels trains
// again and compares, so a forgotten bump of modelVersion fails there.
const embeddedBuild = "embedded"

// embeddedKey is the key an embedded model of a base locale must carry.
func embeddedKey(locale string, extra map[string][]string) ([32]byte, error) {
	return keyOf(locale, extra, files, embeddedBuild)
}

// embeddedPath is where the model of a base locale is embedded.
func embeddedPath(locale string) string { return path.Join("models", locale+cacheSuffix) }

// errNoEmbedded: no model is embedded for a locale with extra words.
var errNoEmbedded = errors.New("no embedded model")

// embeddedModel returns the embedded model of a base locale trained with
// extra: errNoEmbedded when none is meant to be, an error naming the fix
// when the embedded one is stale.
func embeddedModel(locale string, extra map[string][]string) (*model, error) {
	if len(extra) > 0 {
		return nil, errNoEmbedded // trained on the partners' words at start-up
	}
	key, err := embeddedKey(locale, extra)
	if err != nil {
		return nil, err
	}
	b, err := embeddedModels.ReadFile(embeddedPath(locale))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, errNoEmbedded
	}
	if err != nil {
		return nil, err
	}
	m, err := decodeModel(b, key)
	if errors.Is(err, errOtherKey) {
		return nil, fmt.Errorf("the embedded %s model is stale, trained from other data or code: training instead (write it again: go test ./intents -run TestEmbeddedModels -update)", locale)
	}
	return m, err
}
