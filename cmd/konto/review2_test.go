package main

import (
	"io"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
)

// R2-3: the admin listener's /debug/pprof/cmdline hands out the process's
// command line, which holds the secrets given as flags (--llm-api-key, a
// --store DSN with its password).
func TestReview2AdminCmdlineHidesSecrets(t *testing.T) {
	old := os.Args
	t.Cleanup(func() { os.Args = old })
	os.Args = []string{"konto", "serve", "--llm-api-key", "sk-review2-secret", "--store", "postgres://konto:pw-review2@db/konto"}
	rec := httptest.NewRecorder()
	adminHandler(newMetrics()).ServeHTTP(rec, httptest.NewRequest("GET", "/debug/pprof/cmdline", nil))
	body, _ := io.ReadAll(rec.Body)
	if strings.Contains(string(body), "sk-review2-secret") || strings.Contains(string(body), "pw-review2") {
		t.Errorf("/debug/pprof/cmdline: %q", body)
	}
}
