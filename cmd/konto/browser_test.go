package main

import (
	"bufio"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"html"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
	"gopkg.in/yaml.v3"

	"github.com/kontoskill/konto/banks"
	"github.com/kontoskill/konto/banks/sandbox"
	"github.com/kontoskill/konto/skill/linking"
)

// TestAccountLinkingInBrowser is issue 10's browser test: the whole Alexa
// account linking in a real headless Chromium, as a person clicks and
// types through it, once with the embedded sandbox bank and once with a
// Berlin Group bank of the open-banking sandbox (the browser follows the
// real redirect to the bank's own page and back). A test platform server
// stands in for Alexa: it gets the code at its redirect URI, checks the
// state and exchanges the code with its client secret (HTTP Basic) and
// the PKCE verifier; an Alexa request with that token then hears the
// person's balance as the bank has it.
//
// Screenshots of every screen go to $KONTO_SCREENSHOTS (a temporary
// directory by default).
func TestAccountLinkingInBrowser(t *testing.T) {
	chromium := findChromium(t)
	shots := os.Getenv("KONTO_SCREENSHOTS")
	if shots == "" {
		shots = t.TempDir()
	}
	if err := os.MkdirAll(shots, 0o755); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshots in %s", shots)

	obData := filepath.Join(t.TempDir(), "ob")
	obBase, _, _ := startOpenBanking(t, obData)
	data := filepath.Join(t.TempDir(), "data")
	file := browserBanksFile(t, obData, obBase)

	platform := newTestPlatform(t)
	out, err := run(t, "", "oauth", "client", "add", "--id", "test-platform", "--name", "Test Platform",
		"--redirect-uri", platform.redirectURI(), "--data", data)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal([]byte(out), &platform.client); err != nil || platform.client.Secret == "" {
		t.Fatalf("client add printed %q: %v", out, err)
	}
	base, _, _ := startServe(t, "--dev", "--data", data, "--banks", file)
	platform.konto = base

	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(chromium), chromedp.WindowSize(1000, 800))
	if os.Geteuid() == 0 {
		opts = append(opts, chromedp.NoSandbox)
	}
	alloc, cancel := chromedp.NewExecAllocator(context.Background(), opts...)
	defer cancel()

	for _, tc := range []struct {
		name, bank, customer, data, locale string
		berlinGroup                        bool
	}{
		{name: "sandbox", bank: "Konto Sandbox Bank", customer: "alice", data: data, locale: "en-US"},
		{name: "berlingroup", bank: "Konto Sandbox Bank (Berlin Group)", customer: "jonas", data: obData, locale: "de-DE", berlinGroup: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			words := pageWords[tc.locale]
			password := sandboxCustomerPassword(t, tc.data, tc.customer)
			ctx, cancel := chromedp.NewContext(alloc)
			defer cancel()
			b := &browserTab{t: t, ctx: ctx, dir: shots, prefix: tc.name}
			b.start()
			if tc.locale != "en-US" {
				// The person's browser speaks German.
				b.call(func(ctx context.Context) error {
					_, err := chromedp.Call(ctx, network.SetExtraHTTPHeaders,
						network.SetExtraHTTPHeadersParams{Headers: network.Headers{"Accept-Language": tc.locale + ",de;q=0.9"}})
					return err
				})
			}

			// The platform sends the person to Konto's authorization endpoint.
			verifier := rand.Text() + rand.Text()
			sum := sha256.Sum256([]byte(verifier))
			state := "state-" + rand.Text()
			q := url.Values{"response_type": {"code"}, "client_id": {"test-platform"}, "redirect_uri": {platform.redirectURI()},
				"state": {state}, "scope": {"accounts payments"},
				"code_challenge": {base64.RawURLEncoding.EncodeToString(sum[:])}, "code_challenge_method": {"S256"}}
			platform.expect(state, verifier)
			var resp *network.Response
			b.call(func(ctx context.Context) (err error) {
				resp, err = chromedp.Run(ctx, chromedp.NavigateResponse(base+linking.AuthorizePath+"?"+q.Encode()))
				return err
			})

			// 1. Choose the bank.
			b.screen("bank", words["bank.title"])
			if tc.name == "sandbox" {
				checkPageHeaders(t, resp, platform.origin())
				b.styled()
			}
			if got := b.attr("html", "lang"); got != tc.locale {
				t.Errorf("the page's language is %q, want %q (Accept-Language)", got, tc.locale)
			}
			b.controlSizes()
			b.click(label(tc.bank))
			b.click(button(words["continue"]))

			// 2. What Konto may do, and for how long.
			b.screen("consent", words["consent.title"])
			text := b.text("main")
			for _, want := range []string{words["scope.accounts"], words["scope.payments"], words["consent.days"]} {
				if !strings.Contains(text, want) {
					t.Errorf("the consent page does not say %q:\n%s", want, text)
				}
			}
			days := 90
			if tc.berlinGroup {
				days = 180
			}
			if got, want := b.selected(words["consent.days"]), fmt.Sprintf(words["days"], days); got != want {
				t.Errorf("the consent lasts %q by default, want %q", got, want)
			}
			b.controlSizes()
			b.click(label(words["scope.payments"]))
			b.click(button(words["allow"]))

			// 3. The bank's own sign-in.
			if tc.berlinGroup {
				b.screen("redirect", fmt.Sprintf(words["redirect.title"], tc.bank))
				b.click(link(fmt.Sprintf(words["redirect.link"], tc.bank)))
				b.screen("bank-consent", "Approve access to your accounts")
				if loc := b.location(); !strings.HasPrefix(loc, obBase+obPrefix+"/sca/") {
					t.Errorf("the bank's page is at %s, want the open-banking sandbox's %s/sca/…", loc, obPrefix)
				}
				b.fill("Customer ID", tc.customer)
				b.fill("Password", password)
				b.click(button("Approve"))
			} else {
				b.screen("signin", fmt.Sprintf(words["signin.title"], tc.bank))
				b.fill(words["signin.customer"], tc.customer)
				b.fill(words["signin.password"], password)
				b.click(button(words["signin.submit"]))
			}

			// 4. The voice PIN; back at Konto after the bank's redirect.
			b.screen("pin", words["pin.title"])
			if loc := b.location(); !strings.HasPrefix(loc, base+linking.CallbackPath) && !strings.HasPrefix(loc, base+linking.AuthorizePath) {
				t.Errorf("the PIN page is at %s, want Konto's", loc)
			}
			b.fill(words["pin.pin"], "4826")
			b.fill(words["pin.again"], "4826")
			b.click(button(words["pin.submit"]))

			// 5. Back at the platform, which exchanged the code.
			b.screen("platform", "Account linked")
			if loc := b.location(); !strings.HasPrefix(loc, platform.redirectURI()+"?") {
				t.Errorf("the browser ended at %s, want the platform's redirect URI", loc)
			}
			got := platform.result(t, state)
			if got.err != "" {
				t.Fatalf("the platform: %s", got.err)
			}
			if scopes := strings.Fields(got.scope); !slices.Contains(scopes, "accounts") || !slices.Contains(scopes, "payments") {
				t.Errorf("granted %q, want the accounts and the payments the person ticked", got.scope)
			}

			// An Alexa request with that token hears the balance the bank has.
			account, want := checkingBalance(t, tc.data, tc.customer)
			body := strings.Replace(alexaTurn("s-browser-"+tc.name, "r-browser-"+tc.name, got.access, "GetBalance",
				map[string]string{"account": "checking"}), `"locale":"en-US"`, `"locale":"`+tc.locale+`"`, 1)
			speech, err := say(t, base, body)
			if err != nil {
				t.Fatal(err)
			}
			t.Logf("GetBalance → %s", speech)
			if !strings.Contains(speech, account) || !strings.Contains(speech, spokenMoney(want, tc.locale)) {
				t.Errorf("the linked person's balance: %q, want %s of %s", speech, spokenMoney(want, tc.locale), account)
			}
			b.checkConsole()
		})
	}
}

// The words of Konto's pages the test looks for, as a person reads them.
var pageWords = map[string]map[string]string{
	"en-US": {
		"bank.title": "Choose your bank", "continue": "Continue",
		"consent.title": "Authorize Konto", "scope.accounts": "See your balances and transactions",
		"scope.payments": "Move money to your saved payees, up to the daily limit, and make changes such as unlocking a card", "consent.days": "For how long",
		"days": "%d days", "allow": "Allow",
		"signin.title": "Sign in to %s", "signin.customer": "Customer ID", "signin.password": "Password", "signin.submit": "Sign in",
		"redirect.title": "Continue at %s", "redirect.link": "Continue to %s",
		"pin.title": "Choose a voice PIN", "pin.pin": "Voice PIN (4 digits)", "pin.again": "Voice PIN again", "pin.submit": "Finish linking",
	},
	"de-DE": {
		"bank.title": "Wählen Sie Ihre Bank", "continue": "Weiter",
		"consent.title": "Konto berechtigen", "scope.accounts": "Kontostände und Umsätze sehen",
		"scope.payments": "Geld an Ihre gespeicherten Empfänger überweisen, bis zum Tageslimit, und Änderungen wie das Entsperren einer Karte", "consent.days": "Wie lange",
		"days": "%d Tage", "allow": "Erlauben",
		"signin.title": "Bei %s anmelden", "signin.customer": "Kundennummer", "signin.password": "Passwort", "signin.submit": "Anmelden",
		"redirect.title": "Weiter bei %s", "redirect.link": "Weiter zu %s",
		"pin.title": "Sprach-PIN festlegen", "pin.pin": "Sprach-PIN (4 Ziffern)", "pin.again": "Sprach-PIN wiederholen", "pin.submit": "Verknüpfung abschließen",
	},
}

// findChromium is Debian's chromium (or chromium-browser). Without one
// the test cannot run: in CI that is a failure, elsewhere a skip that
// says how to get it.
func findChromium(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("CI") != "" {
		t.Fatal("chromium not found: the browser test needs Debian's chromium (.ci/run installs it with apt-get install -y chromium)")
	}
	t.Skip("chromium not found: apt-get install chromium")
	return ""
}

// browserBanksFile is the banks file `--print-banks` prints for the
// open-banking sandbox with the embedded sandbox bank listed first, so
// that the bank choice offers all three.
func browserBanksFile(t *testing.T, obData, base string) string {
	t.Helper()
	raw, err := os.ReadFile(printedBanks(t, obData, base))
	if err != nil {
		t.Fatal(err)
	}
	var f struct {
		Banks []bankEntry `yaml:"banks"`
	}
	if err := yaml.Unmarshal(raw, &f); err != nil {
		t.Fatal(err)
	}
	f.Banks = append([]bankEntry{{ID: sandbox.Name, Name: "Konto Sandbox Bank", Standard: standardSandbox, Locale: "en-US"}}, f.Banks...)
	out, err := yaml.Marshal(f)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "banks.yaml")
	if err := os.WriteFile(path, out, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// sandboxCustomerPassword is a demo customer's password as `konto sandbox
// tokens` prints it.
func sandboxCustomerPassword(t *testing.T, data, customer string) string {
	t.Helper()
	out, err := run(t, "", "sandbox", "tokens", "--data", data)
	if err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(strings.NewReader(out))
	for sc.Scan() {
		var line struct{ Customer, Password string }
		if err := json.Unmarshal(sc.Bytes(), &line); err != nil {
			t.Fatalf("tokens line %q: %v", sc.Text(), err)
		}
		if line.Customer == customer && line.Password != "" {
			return line.Password
		}
	}
	t.Fatalf("sandbox tokens printed no password for %s:\n%s", customer, out)
	return ""
}

// checkingBalance is the name and booked balance of a demo customer's
// first checking account, read from the sandbox bank itself.
func checkingBalance(t *testing.T, data, customer string) (string, banks.Money) {
	t.Helper()
	ctx := context.Background()
	a, c, err := openCustomer(ctx, data, customer)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	u := banks.User{Bank: sandbox.Name, Customer: c.ID, Locale: c.Locale}
	accs, err := a.bank.Accounts(ctx, u)
	if err != nil {
		t.Fatal(err)
	}
	for _, acc := range accs {
		if acc.Kind == banks.Checking {
			bal, err := a.bank.Balance(ctx, u, acc.ID)
			if err != nil {
				t.Fatal(err)
			}
			return acc.Name, bal.Booked
		}
	}
	t.Fatalf("%s has no checking account", customer)
	return "", banks.Money{}
}

// spokenMoney is an amount as Konto says it: "$1,234.56" in en-US,
// "1.234,56 €" in German, with a no-break space (the sign is left to the
// sentence).
func spokenMoney(m banks.Money, locale string) string {
	n := m.Minor
	if n < 0 {
		n = -n
	}
	whole := strconv.FormatInt(n/100, 10)
	sep, dec := ",", "."
	if locale == "de-DE" {
		sep, dec = ".", ","
	}
	for i := len(whole) - 3; i > 0; i -= 3 {
		whole = whole[:i] + sep + whole[i:]
	}
	digits := fmt.Sprintf("%s%s%02d", whole, dec, n%100)
	symbol := map[string]string{"USD": "$", "EUR": "€", "GBP": "£"}[m.Currency]
	if locale == "de-DE" {
		return digits + "\u00a0" + symbol
	}
	return symbol + digits
}

// checkPageHeaders checks that a linking page may not be framed and runs
// nothing but its own style and forms.
func checkPageHeaders(t *testing.T, resp *network.Response, platformOrigin string) {
	t.Helper()
	if resp == nil {
		t.Fatal("no response of the authorization page")
	}
	header := func(name string) string {
		for k, v := range resp.Headers {
			if strings.EqualFold(k, name) {
				s, _ := v.(string)
				return s
			}
		}
		return ""
	}
	if resp.Status != http.StatusOK {
		t.Errorf("the authorization page: %d", resp.Status)
	}
	if got := header("X-Frame-Options"); got != "DENY" {
		t.Errorf("X-Frame-Options: %q, want DENY", got)
	}
	csp := header("Content-Security-Policy")
	for _, want := range []string{"default-src 'none'", "frame-ancestors 'none'", "base-uri 'none'",
		"form-action 'self' " + platformOrigin, "style-src 'sha256-"} {
		if !strings.Contains(csp, want) {
			t.Errorf("Content-Security-Policy %q lacks %q", csp, want)
		}
	}
	if strings.Contains(csp, "unsafe-inline") || strings.Contains(csp, "script-src") {
		t.Errorf("Content-Security-Policy %q allows more than the page's style", csp)
	}
}

// browserTab is the person's browser tab. Each step waits at most
// stepTimeout; a step that fails ends the test with the page's words and
// a screenshot of where it stopped.
type browserTab struct {
	t           *testing.T
	ctx         context.Context
	dir, prefix string
	n           int

	mu      sync.Mutex
	console []string
}

const stepTimeout = 15 * time.Second

// start starts the browser (its first action must have no deadline) and
// keeps what it logs.
func (b *browserTab) start() {
	b.t.Helper()
	if err := chromedp.Do(b.ctx); err != nil {
		b.t.Fatalf("starting chromium: %v", err)
	}
	entries := chromedp.Events(b.ctx, log.EntryAdded)
	go func() {
		for ev, err := range entries {
			if err != nil {
				return
			}
			b.mu.Lock()
			b.console = append(b.console, fmt.Sprintf("%s %s: %s (%s)", ev.Entry.Level, ev.Entry.Source, ev.Entry.Text, ev.Entry.URL))
			b.mu.Unlock()
		}
	}()
}

func (b *browserTab) call(f func(ctx context.Context) error) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, stepTimeout)
	defer cancel()
	if err := f(ctx); err != nil {
		b.fail(err)
	}
}

func (b *browserTab) do(steps ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	b.call(func(ctx context.Context) error { return chromedp.Do(ctx, steps...) })
}

// fail ends the test where the browser stopped.
func (b *browserTab) fail(err error) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 5*time.Second)
	defer cancel()
	loc, _ := chromedp.Run(ctx, chromedp.Location())
	text, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`document.body ? document.body.innerText : ""`))
	if png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100)); err == nil {
		os.WriteFile(filepath.Join(b.dir, b.prefix+"-failed.png"), png, 0o644)
	}
	b.mu.Lock()
	console := strings.Join(b.console, "\n")
	b.mu.Unlock()
	b.t.Fatalf("%v\nat %s:\n%s\nconsole:\n%s", err, loc, text, console)
}

// screen waits for the page whose heading is title and takes a
// screenshot of the whole page.
func (b *browserTab) screen(name, title string) {
	b.t.Helper()
	b.do(chromedp.WaitVisible(chromedp.Search(`//h1[normalize-space()=` + xpathString(title) + `]`)))
	b.n++
	var png []byte
	b.call(func(ctx context.Context) (err error) {
		png, err = chromedp.Run(ctx, chromedp.FullScreenshot(100))
		return err
	})
	path := filepath.Join(b.dir, fmt.Sprintf("%s-%d-%s.png", b.prefix, b.n, name))
	if err := os.WriteFile(path, png, 0o644); err != nil {
		b.t.Fatal(err)
	}
}

func (b *browserTab) click(sel chromedp.Search) {
	b.t.Helper()
	b.do(chromedp.Click(sel))
}

// fill types text into the input the label names, as a person does.
func (b *browserTab) fill(labelText, text string) {
	b.t.Helper()
	b.do(chromedp.SendKeys(chromedp.Search(`//input[@id=//label[normalize-space()=`+xpathString(labelText)+`]/@for]`), text))
}

func (b *browserTab) text(css string) string {
	b.t.Helper()
	var s string
	b.call(func(ctx context.Context) (err error) {
		s, err = chromedp.Run(ctx, chromedp.Text(chromedp.CSS(css)))
		return err
	})
	return s
}

func (b *browserTab) attr(css, name string) string {
	b.t.Helper()
	var r chromedp.AttributeResult
	b.call(func(ctx context.Context) (err error) {
		r, err = chromedp.Run(ctx, chromedp.AttributeValue(chromedp.CSS(css), name))
		return err
	})
	return r.Value
}

func (b *browserTab) location() string {
	b.t.Helper()
	var s string
	b.call(func(ctx context.Context) (err error) {
		s, err = chromedp.Run(ctx, chromedp.Location())
		return err
	})
	return s
}

// selected is the text of the option chosen in the select the label names.
func (b *browserTab) selected(labelText string) string {
	b.t.Helper()
	var s string
	b.call(func(ctx context.Context) (err error) {
		s, err = chromedp.Run(ctx, chromedp.TextContent(chromedp.Search(
			`//select[@id=//label[normalize-space()=`+xpathString(labelText)+`]/@for]/option[@selected]`)))
		return err
	})
	return strings.TrimSpace(s)
}

// styled checks that the browser applied the page's style, which the CSP
// allows by its hash only: a page whose style changed without its hash
// is unstyled.
func (b *browserTab) styled() {
	b.t.Helper()
	var bg string
	b.call(func(ctx context.Context) (err error) {
		bg, err = chromedp.Run(ctx, chromedp.Evaluate[string](`getComputedStyle(document.body).backgroundColor`))
		return err
	})
	if bg != "rgb(244, 245, 247)" {
		b.t.Errorf("the page's background is %q: its style was not applied (CSP?)", bg)
	}
}

// controlSizes checks that every checkbox and radio button is drawn at
// the size the style gives it (1.25rem), also beside a label that wraps:
// a small box is hard to see and to hit.
func (b *browserTab) controlSizes() {
	b.t.Helper()
	var small []string
	b.call(func(ctx context.Context) (err error) {
		small, err = chromedp.Run(ctx, chromedp.Evaluate[[]string](`[...document.querySelectorAll("input[type=checkbox], input[type=radio]")]
			.map(e => [e, e.getBoundingClientRect()])
			.filter(([e, r]) => r.width < 19.5 || r.height < 19.5)
			.map(([e, r]) => (e.labels[0] ? e.labels[0].innerText : e.id) + ": " + r.width + "×" + r.height)`))
		return err
	})
	for _, s := range small {
		b.t.Errorf("a control drawn smaller than 20×20 px: %s", s)
	}
}

// checkConsole fails the test on anything the browser refused on the way
// (a CSP violation, a form it would not send).
func (b *browserTab) checkConsole() {
	b.t.Helper()
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, line := range b.console {
		if strings.Contains(line, "Content Security Policy") || strings.Contains(line, "Refused") {
			b.t.Errorf("the browser refused something: %s", line)
		} else {
			b.t.Logf("browser: %s", line)
		}
	}
}

func label(text string) chromedp.Search {
	return chromedp.Search(`//label[normalize-space()=` + xpathString(text) + `]`)
}

func button(text string) chromedp.Search {
	return chromedp.Search(`//button[normalize-space()=` + xpathString(text) + `]`)
}

func link(text string) chromedp.Search {
	return chromedp.Search(`//a[normalize-space()=` + xpathString(text) + `]`)
}

// xpathString quotes s for XPath 1.0, which has no escapes.
func xpathString(s string) string {
	if !strings.Contains(s, `"`) {
		return `"` + s + `"`
	}
	return `concat("` + strings.ReplaceAll(s, `"`, `", '"', "`) + `")`
}

// testPlatform is the assistant platform (Alexa's part of account
// linking): its redirect URI receives the code and the state, and it
// exchanges the code at Konto's token endpoint with HTTP Basic client
// authentication and the PKCE verifier, as Alexa does server-side.
type testPlatform struct {
	srv    *httptest.Server
	konto  string
	client struct {
		Secret string `json:"client_secret"`
	}

	mu      sync.Mutex
	pending map[string]string // state → PKCE verifier
	results map[string]linkResult
}

type linkResult struct{ access, scope, err string }

func newTestPlatform(t *testing.T) *testPlatform {
	p := &testPlatform{pending: map[string]string{}, results: map[string]linkResult{}}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /link/callback", p.callback)
	p.srv = httptest.NewServer(mux)
	t.Cleanup(p.srv.Close)
	return p
}

func (p *testPlatform) redirectURI() string { return p.srv.URL + "/link/callback" }
func (p *testPlatform) origin() string      { return p.srv.URL }

func (p *testPlatform) expect(state, verifier string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.pending[state] = verifier
}

func (p *testPlatform) result(t *testing.T, state string) linkResult {
	t.Helper()
	p.mu.Lock()
	defer p.mu.Unlock()
	r, ok := p.results[state]
	if !ok {
		t.Fatalf("the platform got no answer with state %q", state)
	}
	return r
}

func (p *testPlatform) callback(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	state := q.Get("state")
	p.mu.Lock()
	verifier, ok := p.pending[state]
	delete(p.pending, state)
	p.mu.Unlock()
	res := linkResult{}
	switch {
	case !ok:
		res.err = fmt.Sprintf("an unknown state %q", state)
	case q.Get("error") != "" || q.Get("code") == "":
		res.err = fmt.Sprintf("no code: %s", r.URL.RawQuery)
	default:
		access, scope, err := p.exchange(r.Context(), q.Get("code"), verifier)
		res.access, res.scope = access, scope
		if err != nil {
			res.err = err.Error()
		}
	}
	p.mu.Lock()
	p.results[state] = res
	p.mu.Unlock()
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	title, words := "Account linked", "Test Platform exchanged the code for Konto's tokens. You can close this page."
	if res.err != "" {
		title, words = "Linking failed", res.err
	}
	fmt.Fprintf(w, `<!doctype html><html lang="en"><title>%s</title><h1>%s</h1><p>%s</p></html>`,
		title, title, html.EscapeString(words))
}

// exchange returns the access token and the scopes granted.
func (p *testPlatform) exchange(ctx context.Context, code, verifier string) (string, string, error) {
	form := url.Values{"grant_type": {"authorization_code"}, "code": {code}, "redirect_uri": {p.redirectURI()}, "code_verifier": {verifier}}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, p.konto+linking.TokenPath, strings.NewReader(form.Encode()))
	if err != nil {
		return "", "", err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(url.QueryEscape("test-platform"), url.QueryEscape(p.client.Secret))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return "", "", err
	}
	defer resp.Body.Close()
	var tok struct {
		AccessToken  string `json:"access_token"`
		RefreshToken string `json:"refresh_token"`
		TokenType    string `json:"token_type"`
		Scope        string `json:"scope"`
		Error        string `json:"error"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&tok); err != nil {
		return "", "", err
	}
	if resp.StatusCode != http.StatusOK || tok.AccessToken == "" || tok.RefreshToken == "" || !strings.EqualFold(tok.TokenType, "bearer") {
		return "", "", fmt.Errorf("the token endpoint answered %d %q", resp.StatusCode, tok.Error)
	}
	return tok.AccessToken, tok.Scope, nil
}
