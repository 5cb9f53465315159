package sqlite

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/kontoskill/konto/skill"
	"github.com/kontoskill/konto/skill/storetest"
)

var _ storetest.CallbackCounter = (*Store)(nil)

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T, now func() time.Time) skill.Store {
		s, err := Open(filepath.Join(t.TempDir(), "konto.db"), WithClock(now))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		return s
	})
}

// A path with characters a file: URI gives a meaning to ("#", "?") opens
// that very file, not a cut-off one that two stores would share.
func TestOpenPathWithURICharacters(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "a#b?c d")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "konto.db")
	st, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if _, err := os.Stat(path); err != nil {
		t.Fatalf("the store is not at %s: %v", path, err)
	}
}
