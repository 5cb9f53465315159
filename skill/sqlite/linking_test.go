package sqlite

import (
	"path/filepath"
	"testing"

	"github.com/kontoskill/konto/skill/linking"
	"github.com/kontoskill/konto/skill/linking/linkingtest"
)

func TestLinkingConformance(t *testing.T) {
	linkingtest.Run(t, func(t *testing.T) linking.Store {
		s, err := Open(filepath.Join(t.TempDir(), "konto.db"))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		return s
	})
}
