package skill_test

import (
	"os"
	"strings"
	"testing"
)

// probe: scripts in /tmp/probe.txt; blocks separated by blank lines; first line "customer locale".
func TestReview6Probe(t *testing.T) {
	b, err := os.ReadFile("/tmp/probe.txt")
	if err != nil {
		t.Skip()
	}
	for bi, block := range strings.Split(strings.TrimSpace(string(b)), "\n\n") {
		lines := strings.Split(block, "\n")
		f := strings.Fields(lines[0])
		e := newEnv(t, nil, 0)
		sess := "p" + string(rune('a'+bi))
		t.Logf("=== %s %s", f[0], f[1])
		for _, l := range lines[1:] {
			l = strings.ReplaceAll(l, "PIN", spoken(e, f[0]))
			l = strings.ReplaceAll(l, "PXN", e.bank.PIN(f[0]))
			r := e.sayIn(f[0], f[1], sess, l)
			t.Logf("> %s\n< %s %v", l, r.Speech, r.Choices)
		}
	}
}
