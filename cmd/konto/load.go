package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"sort"
	"sync"
	"sync/atomic"
	"time"
)

// runLoad sends GetBalance requests to a `konto serve --dev` on this
// machine and reports throughput and latency. It only talks to loopback
// addresses, and both its count and its time are bounded.
func runLoad(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	cfg, err := parseConfig("load", args, getenv, stderr, "url", "data", "requests", "concurrency", "duration")
	if err != nil {
		return err
	}
	u, err := url.Parse(cfg.URL)
	if err != nil {
		return fmt.Errorf("--url: %w", err)
	}
	host := u.Hostname()
	if ip := net.ParseIP(host); !(host == "localhost" || ip != nil && ip.IsLoopback()) {
		return fmt.Errorf("--url must point at this machine (localhost or 127.0.0.0/8), not %q", host)
	}
	a, _, err := openApp(ctx, cfg.Data)
	if err != nil {
		return err
	}
	cs, err := a.bank.Customers(ctx, false)
	if err != nil {
		a.Close()
		return err
	}
	type who struct{ token, locale string }
	var users []who
	for _, c := range cs {
		users = append(users, who{a.bank.Token(c.ID), c.Locale})
	}
	a.Close()
	ctx, cancel := context.WithTimeout(ctx, cfg.Duration)
	defer cancel()
	client := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: cfg.Concurrency}}
	var next, failed atomic.Int64
	lat := make([][]time.Duration, cfg.Concurrency)
	start := time.Now()
	var wg sync.WaitGroup
	for w := range cfg.Concurrency {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for ctx.Err() == nil {
				i := next.Add(1)
				if i > int64(cfg.Requests) {
					return
				}
				usr := users[int(i)%len(users)]
				body, _ := json.Marshal(map[string]any{"version": "1.0",
					"session": map[string]any{"new": true, "sessionId": fmt.Sprintf("load-%d", i), "application": map[string]any{"applicationId": "load"},
						"user": map[string]any{"userId": fmt.Sprintf("load-user-%d", int(i)%len(users)), "accessToken": usr.token}},
					"context": map[string]any{"System": map[string]any{"application": map[string]any{"applicationId": "load"},
						"user": map[string]any{"userId": fmt.Sprintf("load-user-%d", int(i)%len(users)), "accessToken": usr.token}}},
					"request": map[string]any{"type": "IntentRequest", "requestId": fmt.Sprintf("load-req-%d-%d", start.UnixNano(), i),
						"timestamp": time.Now().UTC().Format(time.RFC3339), "locale": usr.locale,
						"intent": map[string]any{"name": "GetBalance", "slots": map[string]any{"account": map[string]any{"name": "account", "value": "checking"}}}}})
				t0 := time.Now()
				resp, err := client.Post(cfg.URL, "application/json", bytes.NewReader(body))
				if err != nil {
					failed.Add(1)
					continue
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode != http.StatusOK {
					failed.Add(1)
					continue
				}
				lat[w] = append(lat[w], time.Since(t0))
			}
		}()
	}
	wg.Wait()
	took := time.Since(start)
	var all []time.Duration
	for _, l := range lat {
		all = append(all, l...)
	}
	if len(all) == 0 {
		return fmt.Errorf("no request succeeded (%d failed); is `konto serve --dev` running at %s?", failed.Load(), cfg.URL)
	}
	sort.Slice(all, func(i, j int) bool { return all[i] < all[j] })
	q := func(p float64) time.Duration { return all[min(len(all)-1, int(p*float64(len(all))))] }
	fmt.Fprintf(stdout, "%d requests in %s with %d workers: %.0f req/s, %d failed\n", len(all), took.Round(time.Millisecond), cfg.Concurrency,
		float64(len(all))/took.Seconds(), failed.Load())
	fmt.Fprintf(stdout, "latency p50 %s, p95 %s, p99 %s, max %s\n", q(0.50).Round(10*time.Microsecond), q(0.95).Round(10*time.Microsecond),
		q(0.99).Round(10*time.Microsecond), all[len(all)-1].Round(10*time.Microsecond))
	if failed.Load() > 0 {
		return fmt.Errorf("%d requests failed", failed.Load())
	}
	return nil
}
