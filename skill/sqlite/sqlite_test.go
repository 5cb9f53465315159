package sqlite

import (
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
