package main

import (
	"os"
	"testing"
)

// TestMain shares one recognizer model cache among the tests' servers
// (see sharedModelCache); TestDataFilesAreOwnerOnly and the model cache's
// own tests look at a data directory's models/ and turn it off for their
// run.
func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "konto-models-")
	if err != nil {
		panic(err)
	}
	sharedModelCache.Store(dir)
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}
