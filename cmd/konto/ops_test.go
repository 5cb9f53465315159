package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/kontoskill/konto/banks"
	"github.com/kontoskill/konto/banks/sandbox"
	"github.com/kontoskill/konto/skill"
	"github.com/kontoskill/konto/skill/sqlite"
)

// adminURL is the admin listener's base URL from serve's banner.
func adminURL(t *testing.T, banner string) string {
	t.Helper()
	m := regexp.MustCompile(`Admin \(metrics, pprof\): (http://[0-9.:]+)/metrics`).FindStringSubmatch(banner)
	if m == nil {
		t.Fatalf("no admin address in the banner:\n%s", banner)
	}
	return m[1]
}

func get(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// metricValue is the value of one series in a scrape, or -1.
func metricValue(scrape, series string) string {
	for _, line := range strings.Split(scrape, "\n") {
		if rest, ok := strings.CutPrefix(line, series+" "); ok {
			return rest
		}
	}
	return ""
}

// The admin listener: after a turn, /metrics counts it by platform,
// catalog intent and outcome, times the bank call and the turn, counts a
// replayed request and a PIN lockout, carries Go runtime and process
// metrics, and names no user, customer, token, payee or amount; pprof
// answers beside it.
func TestAdminMetrics(t *testing.T) {
	data := filepath.Join(t.TempDir(), "data")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	out, logs := &syncBuffer{}, &syncBuffer{}
	done := make(chan error, 1)
	go func() {
		done <- realMain(ctx, []string{"serve", "--addr", "127.0.0.1:0", "--data", data, "--dev", "--admin-addr", "127.0.0.1:0"},
			noEnv, strings.NewReader(""), out, logs)
	}()
	base := waitBanner(t, out, done)
	admin := adminURL(t, out.String())
	var alice token
	for _, tk := range tokens(t, data) {
		if tk.Customer == "alice" {
			alice = tk
		}
	}
	if got, err := say(t, base, alexaTurn("s-m1", "r-m1", alice.AccessToken, "GetBalance", map[string]string{"account": "checking"})); err != nil ||
		!strings.HasPrefix(got, "Your Everyday Checking has $") {
		t.Fatalf("GetBalance: %q, %v", got, err)
	}
	// A name outside the catalog is the adapter's Fallback, never a label.
	say(t, base, alexaTurn("s-m2", "r-m2", alice.AccessToken, "FrobnicateAliceIntent", nil))
	// A transfer with its read-back and PIN; the PIN turn delivered twice
	// is a replay.
	say(t, base, alexaTurn("s-m3", "r-m3a", alice.AccessToken, "TransferMoney", map[string]string{"payee": "alice meyer", "amount": "7", "from_account": "checking"}))
	say(t, base, alexaTurn("s-m3", "r-m3b", alice.AccessToken, "AMAZON.YesIntent", nil))
	pinTurn := alexaTurn("s-m3", "r-m3c", alice.AccessToken, "ProvidePin", map[string]string{"pin": alice.PIN})
	first, _ := say(t, base, pinTurn)
	again, _ := say(t, base, pinTurn)
	if !strings.HasPrefix(first, "Done. I sent $7.00") || again != first {
		t.Fatalf("transfer: %q, then replayed %q", first, again)
	}
	// Three wrong PINs pause alice's voice payments.
	say(t, base, alexaTurn("s-m4", "r-m4a", alice.AccessToken, "TransferMoney", map[string]string{"payee": "bob smith", "amount": "5", "from_account": "checking"}))
	if got, _ := say(t, base, alexaTurn("s-m4", "r-m4b", alice.AccessToken, "AMAZON.YesIntent", nil)); !strings.Contains(got, "PIN") {
		t.Fatalf("no PIN asked: %q", got)
	}
	wrong := "0000"
	if alice.PIN == wrong {
		wrong = "1111"
	}
	var last string
	for i := range 3 {
		last, _ = say(t, base, alexaTurn("s-m4", "r-m4-pin-"+string(rune('a'+i)), alice.AccessToken, "ProvidePin", map[string]string{"pin": wrong}))
	}
	t.Logf("after three wrong PINs: %q", last)

	code, scrape := get(t, admin+"/metrics")
	if code != http.StatusOK {
		t.Fatalf("/metrics: %d", code)
	}
	for _, l := range strings.Split(scrape, "\n") {
		if strings.HasPrefix(l, "konto_requests_total") {
			t.Log(l)
		}
	}
	for series, want := range map[string]string{
		`konto_requests_total{intent="GetBalance",outcome="answered",platform="alexa"}`: "1",
		`konto_requests_total{intent="Fallback",outcome="answered",platform="alexa"}`:   "1",
		`konto_requests_total{intent="ProvidePin",outcome="answered",platform="alexa"}`: "5",
		`konto_replay_hits_total{platform="alexa"}`:                                     "1",
		`konto_pin_lockouts_total`:                                                              "1",
		`konto_turn_duration_seconds_count{platform="alexa"}`:                                   "11",
		`konto_bank_call_duration_seconds_count{bank="sandbox",operation="pay"}`:                "1",
		`konto_alexa_verification_failures_total{reason="signature"}`:                           "0",
		`konto_bank_call_duration_seconds_bucket{bank="sandbox",operation="balance",le="+Inf"}`: "",
	} {
		got := metricValue(scrape, series)
		if got == "" || want != "" && got != want {
			t.Errorf("%s = %q, want %q", series, got, want)
		}
	}
	for _, s := range []string{"go_goroutines", "go_memstats_heap_alloc_bytes", "process_resident_memory_bytes"} {
		if metricValue(scrape, s) == "" {
			t.Errorf("no %s in the scrape", s)
		}
	}
	// No personal data: not the user id, session or request ids, the
	// customers, their names, tokens, PINs, payees or amounts, nor a
	// name the platform sent that is not in the catalog.
	lower := strings.ToLower(scrape)
	for _, secret := range []string{"crash", "alice", "bob", "johnson", "martinez", "meyer", "wilson", "s-m3", "r-m3", alice.AccessToken, "ksbx_", "frobnicate"} {
		if strings.Contains(lower, strings.ToLower(secret)) {
			t.Errorf("the scrape contains %q", secret)
		}
	}
	// The amount as an amount: a plain substring also matches sample
	// values such as 7.0012e-05 (a GC pause), which made this flaky.
	if m := regexp.MustCompile(`(^|[^0-9.])7[.,]00([^0-9e]|$)`).FindString(scrape); m != "" {
		t.Errorf("the scrape contains the amount: %q", m)
	}
	if code, body := get(t, admin+"/debug/pprof/"); code != http.StatusOK || !strings.Contains(body, "goroutine") {
		t.Errorf("/debug/pprof/: %d", code)
	}
	if code, _ := get(t, admin+"/debug/pprof/heap?debug=1"); code != http.StatusOK {
		t.Errorf("/debug/pprof/heap: %d", code)
	}
	// Neither is on the main listener.
	if code, _ := get(t, base+"/metrics"); code == http.StatusOK {
		t.Error("/metrics is served on the main listener")
	}
	if code, _ := get(t, base+"/debug/pprof/"); code == http.StatusOK {
		t.Error("pprof is served on the main listener")
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if _, err := net.DialTimeout("tcp", strings.TrimPrefix(admin, "http://"), time.Second); err == nil {
		t.Error("the admin listener is still open after shutdown")
	}
}

// serveFor runs serve on a free port like startServe, waiting longer for
// it (a first start seeds the sandbox, slow under -race), and stops it
// when the returned function is called.
func serveFor(t *testing.T, args ...string) (string, *syncBuffer, func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	out, logs := &syncBuffer{}, &syncBuffer{}
	done := make(chan error, 1)
	go func() {
		done <- realMain(ctx, append([]string{"serve", "--addr", "127.0.0.1:0"}, args...), noEnv, strings.NewReader(""), out, logs)
	}()
	base := waitBanner(t, out, done)
	return base, out, func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("serve: %v", err)
		}
	}
}

// waitBanner waits for serve's whole banner and returns the base URL.
func waitBanner(t *testing.T, out *syncBuffer, done chan error) string {
	t.Helper()
	re := regexp.MustCompile(`listening on (http://[0-9.:]+)`)
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		if m := re.FindStringSubmatch(out.String()); m != nil && strings.Contains(out.String(), "Ctrl-C") {
			return m[1]
		}
		select {
		case err := <-done:
			t.Fatalf("serve ended: %v\n%s", err, out.String())
		case <-time.After(20 * time.Millisecond):
		}
	}
	t.Fatalf("serve did not start:\n%s", out.String())
	return ""
}

// Verification failures are counted by reason, on a verifying server.
func TestAdminMetricsVerificationFailures(t *testing.T) {
	data := filepath.Join(t.TempDir(), "data")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	out, logs := &syncBuffer{}, &syncBuffer{}
	done := make(chan error, 1)
	go func() {
		done <- realMain(ctx, []string{"serve", "--addr", "127.0.0.1:0", "--data", data, "--alexa-skill-id", "amzn1.ask.skill.x",
			"--admin-addr", "localhost:0"}, noEnv, strings.NewReader(""), out, logs)
	}()
	base := waitBanner(t, out, done)
	admin := adminURL(t, out.String())
	body := alexaTurn("s-v", "r-v", "t", "GetBalance", nil)
	for _, h := range []http.Header{
		{},
		{"Signaturecertchainurl": {"https://evil.example/echo.api/x.pem"}, "Signature-256": {"AAAA"}},
	} {
		req, _ := http.NewRequest(http.MethodPost, base+"/alexa", strings.NewReader(body))
		for k, v := range h {
			req.Header[k] = v
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusBadRequest {
			t.Fatalf("an unsigned request: %d", resp.StatusCode)
		}
	}
	_, scrape := get(t, admin+"/metrics")
	for series, want := range map[string]string{
		`konto_alexa_verification_failures_total{reason="missing_header"}`:              "1",
		`konto_alexa_verification_failures_total{reason="cert_url"}`:                    "1",
		`konto_requests_total{intent="GetBalance",outcome="answered",platform="alexa"}`: "",
	} {
		if got := metricValue(scrape, series); got != want {
			t.Errorf("%s = %q, want %q", series, got, want)
		}
	}
	cancel()
	<-done
}

// The admin listener takes a loopback address unless told otherwise;
// serve refuses any other and says how to mean it.
func TestAdminAddrLoopbackOnly(t *testing.T) {
	for _, tc := range []struct {
		addr   string
		public bool
		ok     bool
	}{
		{"127.0.0.1:9090", false, true},
		{"localhost:9090", false, true},
		{"[::1]:9090", false, true},
		{"0.0.0.0:9090", false, false},
		{":9090", false, false},
		{"192.0.2.10:9090", false, false},
		{"metrics.example:9090", false, false},
		{"0.0.0.0:9090", true, true},
		{"", false, true},
		{"", true, false},
	} {
		err := checkAdminAddr(Config{AdminAddr: tc.addr, AdminPublic: tc.public})
		if (err == nil) != tc.ok {
			t.Errorf("--admin-addr %q --admin-public=%v: %v", tc.addr, tc.public, err)
		}
		if err != nil && tc.addr != "" && !strings.Contains(err.Error(), "--admin-public") {
			t.Errorf("the refusal does not say how to mean it: %v", err)
		}
	}
	// Through serve: refused before anything is opened.
	data := filepath.Join(t.TempDir(), "data")
	// (A serve that does not refuse would run: it is stopped after a while.)
	refuseCtx, refuseCancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer refuseCancel()
	err := realMain(refuseCtx, []string{"serve", "--addr", "127.0.0.1:0", "--data", data, "--dev", "--admin-addr", "0.0.0.0:0"},
		noEnv, strings.NewReader(""), io.Discard, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "not a loopback address") || !strings.Contains(err.Error(), "--admin-public") {
		t.Fatalf("serve --admin-addr 0.0.0.0:0: %v", err)
	}
	if _, statErr := os.Stat(data); statErr == nil {
		t.Error("the refused serve created its data directory")
	}
	// With --admin-public it listens there, and warns.
	ctx, cancel := context.WithCancel(context.Background())
	out, logs := &syncBuffer{}, &syncBuffer{}
	done := make(chan error, 1)
	go func() {
		done <- realMain(ctx, []string{"serve", "--addr", "127.0.0.1:0", "--data", data, "--dev", "--admin-addr", "0.0.0.0:0", "--admin-public"},
			noEnv, strings.NewReader(""), out, logs)
	}()
	waitBanner(t, out, done)
	if !strings.Contains(logs.String(), "non-loopback") {
		t.Errorf("no warning for a public admin listener:\n%s", logs.String())
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

// /readyz through serve --banks: ready while the bank's host answers;
// once it stops answering, the cached check still stands for a few
// seconds, then /readyz says 503 and names the bank, without its address.
// /healthz stays alive throughout.
func TestReadyzBankDown(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			c.Close()
		}
	}()
	dir := t.TempDir()
	file := filepath.Join(dir, "banks.yaml")
	os.WriteFile(file, []byte("banks:\n"+
		"  - {id: sandbox, name: Konto Sandbox Bank, standard: sandbox, locale: en-US}\n"+
		"  - {id: debank, name: Example DE, standard: berlingroup, locale: de-DE, base_url: 'http://"+ln.Addr().String()+"/psd2',\n"+
		"     psu_ip_address: 203.0.113.7, products: {bank: Beispielbank, currency: EUR}}\n"), 0o600)
	base, _, stop := serveFor(t, "--data", filepath.Join(dir, "data"), "--dev", "--banks", file)
	defer stop()
	ready := func() (int, map[string]any) {
		resp, err := http.Get(base + "/readyz")
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var body map[string]any
		json.NewDecoder(resp.Body).Decode(&body)
		return resp.StatusCode, body
	}
	if code, body := ready(); code != http.StatusOK || body["status"] != "ready" {
		t.Fatalf("with the bank up: %d %v", code, body)
	}
	ln.Close()
	if code, _ := ready(); code != http.StatusOK {
		t.Errorf("the bank check is not cached: %d at once after the bank went down", code)
	}
	var code int
	var body map[string]any
	for deadline := time.Now().Add(15 * time.Second); time.Now().Before(deadline); time.Sleep(200 * time.Millisecond) {
		if code, body = ready(); code == http.StatusServiceUnavailable {
			break
		}
	}
	raw, _ := json.Marshal(body)
	if code != http.StatusServiceUnavailable || !bytes.Contains(raw, []byte(`{"name":"bank debank","reason":"unreachable"}`)) {
		t.Fatalf("with the bank down: %d %s", code, raw)
	}
	if bytes.Contains(raw, []byte("127.0.0.1")) || bytes.Contains(raw, []byte("sandbox")) || bytes.Contains(raw, []byte("store")) {
		t.Errorf("/readyz says more than what is down: %s", raw)
	}
	if code, _ := get(t, base+"/healthz"); code != http.StatusOK {
		t.Errorf("/healthz with a bank down: %d", code)
	}
}

// /readyz of the sandbox alone: the store and the sandbox's database
// must answer; a closed one is named.
func TestReadyzStoreAndSandbox(t *testing.T) {
	dir := t.TempDir()
	store, err := sqlite.Open(filepath.Join(dir, "konto.db"))
	if err != nil {
		t.Fatal(err)
	}
	bank, err := sandbox.Open(filepath.Join(dir, "sandbox.db"), make([]byte, 32))
	if err != nil {
		t.Fatal(err)
	}
	defer bank.Close()
	rd := newReadiness(store, bank, nil, newLogger(io.Discard, "error"))
	if down := rd.check(context.Background()); len(down) != 0 {
		t.Fatalf("all up: %v", down)
	}
	store.Close()
	if down := rd.check(context.Background()); len(down) != 1 || down[0] != (problem{"store", "unavailable"}) {
		t.Fatalf("store closed: %v", down)
	}
	bank.Close()
	if down := rd.check(context.Background()); len(down) != 2 || down[1] != (problem{"bank sandbox", "unavailable"}) {
		t.Fatalf("sandbox closed too: %v", down)
	}
}

// konto load with the realistic mix against a real serve --dev for a
// second or two: every kind is sent (five workers start with one kind
// each), nothing fails, card locks go through lock, unlock, read-back and
// PIN in one session, and the report has each kind's percentiles.
// --mix balance keeps the single-request run.
func TestLoadMix(t *testing.T) {
	data := filepath.Join(t.TempDir(), "data")
	base, _, stop := serveFor(t, "--data", data, "--dev", "--admin-addr", "127.0.0.1:0")
	defer stop()
	out, err := run(t, "", "load", "--url", base+"/alexa", "--data", data, "--requests", "100000", "--concurrency", "5", "--duration", "2s")
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	t.Logf("\n%s", out)
	rows := map[string][]string{}
	for _, line := range strings.Split(out, "\n") {
		if f := strings.Fields(line); len(f) == 11 {
			rows[f[0]] = f
		}
	}
	for _, kind := range append(mixKinds, "overall") {
		r := rows[kind]
		if r == nil {
			t.Errorf("no row for %s", kind)
			continue
		}
		if countOf(r[3]) == 0 || r[9] != "0" {
			t.Errorf("%s: %s requests, %s failed", kind, r[3], r[9])
		}
	}
	// A card lock is four requests (lock, unlock, yes, PIN) when it goes
	// to plan; transfers are dialogs of several requests too.
	if r := rows[kindCardLock]; r != nil && (countOf(r[2]) == 0 || countOf(r[3]) < 4) {
		t.Errorf("card locks: %s completed in %s requests; the dialog does not reach its PIN", r[2], r[3])
	}
	if r := rows[kindTransfer]; r != nil && countOf(r[3]) <= countOf(r[1]) {
		t.Errorf("transfers: %s requests in %s conversations; no dialog went past its first request", r[3], r[1])
	}
	if !strings.Contains(out, "0 failed") || !strings.Contains(out, "latency p50") {
		t.Errorf("summary:\n%s", out)
	}
	out, err = run(t, "", "load", "--url", base+"/alexa", "--data", data, "--requests", "40", "--concurrency", "2", "--mix", "balance")
	if err != nil || !strings.Contains(out, "40 requests in") || strings.Contains(out, "transfer") {
		t.Fatalf("--mix balance: %v\n%s", err, out)
	}
	if _, err := run(t, "", "load", "--url", base+"/alexa", "--data", data, "--mix", "mortgage"); err == nil || !strings.Contains(err.Error(), "mortgage") {
		t.Fatalf("--mix mortgage: %v", err)
	}
}

func countOf(s string) int {
	n, _ := strconv.Atoi(s)
	return n
}

// Counting a turn and a bank call finds its cached series without
// allocating: the instrumentation costs the hot path no garbage.
func TestMetricsDoNotAllocate(t *testing.T) {
	m := newMetrics()
	info := skill.TurnInfo{Platform: "alexa", Intent: "GetBalance", Outcome: skill.OutcomeAnswered, Took: time.Millisecond}
	m.Turn(info)
	m.bankCall("sandbox", "balance", time.Now(), nil)
	if n := testing.AllocsPerRun(100, func() { m.Turn(info) }); n != 0 {
		t.Errorf("Turn allocates %.0f times", n)
	}
	if n := testing.AllocsPerRun(100, func() { m.bankCall("sandbox", "balance", time.Now(), nil) }); n != 0 {
		t.Errorf("bankCall allocates %.0f times", n)
	}
}

// The metered bank has exactly the optional powers of what it wraps, for
// the two connectors serve gives the core: the sandbox and the router.
func TestMeteredBankKeepsPowers(t *testing.T) {
	dir := t.TempDir()
	sb, err := sandbox.Open(filepath.Join(dir, "sandbox.db"), make([]byte, 32))
	if err != nil {
		t.Fatal(err)
	}
	defer sb.Close()
	r := banks.NewRouter()
	r.Add(sandbox.Name, sb)
	powers := func(c banks.Connector) map[string]bool {
		_, cards := c.(banks.Cards)
		_, rcp := c.(banks.Recipients)
		_, pay := c.(banks.Payments)
		_, ops := c.(banks.Operations)
		_, cc := c.(banks.CardControls)
		_, ac := c.(banks.AccountControls)
		_, st := c.(banks.Statements)
		_, rw := c.(banks.Rewards)
		_, fr := c.(banks.Fraud)
		_, an := c.(banks.AccountNumbers)
		_, rq := c.(banks.Requests)
		_, pr := c.(banks.Profile)
		_, p := c.(banks.Products)
		_, up := c.(banks.UserProducts)
		return map[string]bool{"Cards": cards, "Recipients": rcp, "Payments": pay, "Operations": ops, "CardControls": cc,
			"AccountControls": ac, "Statements": st, "Rewards": rw, "Fraud": fr, "AccountNumbers": an, "Requests": rq,
			"Profile": pr, "Products": p, "UserProducts": up}
	}
	m := newMetrics()
	for name, c := range map[string]banks.Connector{"sandbox": sb, "router": r} {
		wrapped, ok := meterBank(c, m, []string{sandbox.Name})
		if !ok {
			t.Errorf("%s: not wrapped", name)
			continue
		}
		if got, want := powers(wrapped), powers(c); !maps.Equal(got, want) {
			t.Errorf("%s: wrapped powers %v, want %v", name, got, want)
		}
	}
	// A connector with fewer powers is left as it is.
	type readOnly struct{ banks.Connector }
	if c, ok := meterBank(readOnly{sb}, m, nil); ok || c != (readOnly{sb}) {
		t.Error("a read-only connector was wrapped")
	}
}

// BenchmarkTurnMetrics is the cost of the instrumentation on a whole
// GetBalance turn through serve's router (dev mode, fresh request ids):
// off, and with the observer and the metered bank.
func BenchmarkTurnMetrics(b *testing.B) {
	for _, on := range []bool{false, true} {
		name := "off"
		if on {
			name = "on"
		}
		b.Run(name, func(b *testing.B) {
			ctx := context.Background()
			a, _, err := openApp(ctx, filepath.Join(b.TempDir(), "data"))
			if err != nil {
				b.Fatal(err)
			}
			defer a.Close()
			cfg := defaultConfig()
			cfg.Dev = true
			if on {
				cfg.metrics = newMetrics()
			}
			rec, err := recognizer(cfg, io.Discard)
			if err != nil {
				b.Fatal(err)
			}
			e, _, err := newServer(a, a.bank, cfg, newLogger(io.Discard, "error"), nil, rec, "http://127.0.0.1:8080")
			if err != nil {
				b.Fatal(err)
			}
			tok := a.bank.Token("alice")
			b.ReportAllocs()
			b.ResetTimer()
			for i := range b.N {
				body := alexaTurn(fmt.Sprintf("s-b-%d", i%50), fmt.Sprintf("r-b-%d", i), tok, "GetBalance", map[string]string{"account": "checking"})
				req := httptest.NewRequest(http.MethodPost, "/alexa", strings.NewReader(body))
				w := httptest.NewRecorder()
				e.ServeHTTP(w, req)
				if w.Code != http.StatusOK {
					b.Fatalf("%d %s", w.Code, w.Body)
				}
			}
		})
	}
}
