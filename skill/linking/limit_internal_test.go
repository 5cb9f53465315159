package linking

import (
	"net/http/httptest"
	"testing"
	"time"
)

func TestLimiter(t *testing.T) {
	t.Parallel()
	l := newLimiter(2, time.Minute)
	t0 := time.Date(2026, 11, 23, 8, 0, 0, 0, time.UTC)
	for i, c := range []struct {
		at   time.Duration
		keys []string
		want bool
	}{
		{0, []string{"ip1", "alice"}, true},
		{time.Second, []string{"ip1", "bob"}, true},
		{2 * time.Second, []string{"ip1", "carol"}, false}, // the address is over
		{3 * time.Second, []string{"ip2", "alice"}, true},
		{4 * time.Second, []string{"ip3", "alice"}, false}, // alice is over
		{62 * time.Second, []string{"ip1", "dave"}, true},  // the first ones aged out
	} {
		if got := l.allow(t0.Add(c.at), c.keys...); got != c.want {
			t.Fatalf("event %d %v: %v, want %v", i, c.keys, got, c.want)
		}
	}
	if _, ok := l.hits["carol"]; ok {
		t.Fatal("a refused address recorded a customer key")
	}
	l.allow(t0.Add(10*time.Minute), "x")
	if len(l.hits) != 1 {
		t.Fatalf("old keys kept: %v", l.hits)
	}
}

func TestRemoteIP(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		remote, xff, want string
	}{
		{"203.0.113.7:5555", "", "203.0.113.7"},
		{"203.0.113.7:5555", "198.51.100.1", "203.0.113.7"}, // not from a local proxy: not believed
		{"127.0.0.1:5555", "", "127.0.0.1"},
		{"127.0.0.1:5555", "10.0.0.1, 198.51.100.1", "198.51.100.1"},
		{"[::1]:5555", "198.51.100.2", "198.51.100.2"},
	} {
		r := httptest.NewRequest("POST", "/oauth/authorize", nil)
		r.RemoteAddr = c.remote
		if c.xff != "" {
			r.Header.Set("X-Forwarded-For", c.xff)
		}
		if got := remoteIP(r); got != c.want {
			t.Errorf("%s %q: %s, want %s", c.remote, c.xff, got, c.want)
		}
	}
}

func TestGoodPIN(t *testing.T) {
	t.Parallel()
	for _, c := range []struct{ pin, again, want string }{
		{"4826", "4826", ""},
		{"0192", "0192", ""},
		{"4826", "4862", "pin.mismatch"},
		{"48261", "48261", "pin.format"},
		{"", "", "pin.format"},
		{"٤٨٢٦", "٤٨٢٦", "pin.format"},
		{"0000", "0000", "pin.weak"},
		{"2345", "2345", "pin.weak"},
		{"6543", "6543", "pin.weak"},
	} {
		if got := goodPIN(c.pin, c.again); got != c.want {
			t.Errorf("%q/%q: %q, want %q", c.pin, c.again, got, c.want)
		}
	}
}
