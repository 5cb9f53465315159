package main

import (
	"log/slog"
	"path/filepath"

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
		off.Log = log
	}
}
