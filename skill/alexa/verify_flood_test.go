package alexa

import (
	"context"
	"encoding/base64"
	"fmt"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

type slowRT struct {
	next  http.RoundTripper
	delay time.Duration
}

func (s slowRT) RoundTrip(r *http.Request) (*http.Response, error) {
	time.Sleep(s.delay) // S3's round trip from the server
	return s.next.RoundTrip(r)
}

// A review found: unsigned requests that pass the envelope check (fresh timestamp, the
// skill's id) with a new junk chain URL each keep the 4 global fetch slots
// busy; a genuine Alexa request whose chain is not cached (first request
// after start-up or after the 1 h CacheTTL) is refused with 400.
func TestJunkFetchesDoNotStarveGenuineRequests(t *testing.T) {
	s := newSynthetic(t)
	s.v.Client = &http.Client{Transport: slowRT{next: s.s3, delay: 80 * time.Millisecond}}
	forged := base64.StdEncoding.EncodeToString(make([]byte, 256))
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	var junk atomic.Int64
	for w := 0; w < 16; w++ { // 16 attacker connections, 10 ms apart
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := 0; ctx.Err() == nil; i++ {
				u := fmt.Sprintf("https://s3.amazonaws.com/echo.api/x-%d-%d.pem", w, i)
				s.v.Verify(ctx, headers(u, forged), s.body) // body: fresh timestamp + right app id
				junk.Add(1)
				time.Sleep(10 * time.Millisecond)
			}
		}(w)
	}
	time.Sleep(200 * time.Millisecond)
	refused := 0
	const n = 40
	for i := 0; i < n; i++ {
		if err := s.v.Verify(context.Background(), headers(chainURL, s.sig), s.body); err != nil {
			refused++
			if refused == 1 {
				t.Logf("genuine request rejected: %v", err)
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	cancel()
	wg.Wait()
	t.Logf("junk requests sent: %d in ~2.2 s; genuine signed requests refused: %d of %d", junk.Load(), refused, n)
	if refused > 0 {
		t.Errorf("%d of %d genuine Alexa requests were rejected while unsigned junk held the fetch slots", refused, n)
	}
}
