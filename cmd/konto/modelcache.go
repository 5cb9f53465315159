package main

import (
	"log/slog"
	"path/filepath"
	"sync/atomic"

	"github.com/kontoskill/konto/intents"
)

// cacheModels keeps the offline recognizer's trained models (under an LLM
// one, too) in the data directory's models/, so that a start-up with the
// same training data, product sheets and build loads them instead of
// training again. Call it before learnProducts.
func cacheModels(rec intents.Recognizer, dataDir string, log *slog.Logger) {
	if l, isLLM := rec.(*intents.LLM); isLLM {
		rec = l.Offline
	}
	if off, ok := rec.(*intents.Offline); ok {
		off.CacheDir = filepath.Join(dataDir, "models")
		if dir, _ := sharedModelCache.Load().(string); dir != "" {
			off.CacheDir = dir
		}
		off.Log = log
	}
}

// sharedModelCache, if set, is the models directory every data directory
// uses: the tests set it once, so that the many servers they start on
// fresh data directories train the recognizer once, not each time.
var sharedModelCache atomic.Value // string
