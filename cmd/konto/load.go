package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"text/tabwriter"
	"time"

	"github.com/kontoskill/konto/banks"
	"github.com/kontoskill/konto/banks/sandbox"
)

// What `konto load` sends. Each kind is one conversation of one or more
// requests in one session, every request with a fresh request id, as an
// assistant platform sends them: a balance, the last transactions,
// spending last month, a transfer to a saved payee with its read-back and
// the voice PIN, and a card lock followed by the unlock (read-back, PIN)
// that leaves the card as it was.
const (
	kindBalance      = "balance"
	kindTransactions = "transactions"
	kindSpending     = "spending"
	kindTransfer     = "transfer"
	kindCardLock     = "card_lock"
)

var mixKinds = []string{kindBalance, kindTransactions, kindSpending, kindTransfer, kindCardLock}

const mixKindsHelp = "balance, transactions, spending, transfer, card_lock; or weights, balance:5,transfer:1"

// realisticMix weighs the conversations as a bank's assistant traffic
// goes: mostly reads, some transfers and card locks.
var realisticMix = map[string]int{kindBalance: 45, kindTransactions: 20, kindSpending: 15, kindTransfer: 12, kindCardLock: 8}

// parseMix reads --mix: "realistic", one kind, or kind:weight pairs.
func parseMix(s string) (map[string]int, error) {
	if s == "" || s == "realistic" {
		return realisticMix, nil
	}
	mix := map[string]int{}
	for _, part := range strings.Split(s, ",") {
		name, w, hasW := strings.Cut(strings.TrimSpace(part), ":")
		if !slices.Contains(mixKinds, name) {
			return nil, fmt.Errorf("--mix: unknown kind %q; want realistic or %s", name, mixKindsHelp)
		}
		n := 1
		if hasW {
			var err error
			if n, err = strconv.Atoi(w); err != nil || n < 1 || n > 1000 {
				return nil, fmt.Errorf("--mix: weight of %s must be 1..1000", name)
			}
		}
		mix[name] += n
	}
	return mix, nil
}

// loadUser is a sandbox customer as the load run uses it: a token, a PIN
// and what a transfer and a card lock need.
type loadUser struct {
	id, token, pin, locale string
	payee                  string // a saved payee's name; empty: no transfers
	card                   string // a card kind the customer has one of; empty: no card locks
}

// loadUsers reads the customers of the data directory's sandbox. Payees
// and cards are looked up for the first few hundred only, which is
// plenty of variety and keeps start-up short with 10,000 customers.
func loadUsers(ctx context.Context, dir string) ([]loadUser, error) {
	a, _, err := openApp(ctx, dir)
	if err != nil {
		return nil, err
	}
	defer a.Close()
	cs, err := a.bank.Customers(ctx, false)
	if err != nil {
		return nil, err
	}
	var users []loadUser
	for i, c := range cs {
		u := loadUser{id: c.ID, token: a.bank.Token(c.ID), pin: a.bank.PIN(c.ID), locale: c.Locale}
		if i < 300 {
			bu := banks.User{Bank: sandbox.Name, Customer: c.ID, Locale: c.Locale}
			if ps, err := a.bank.Payees(ctx, bu); err == nil && len(ps) > 0 {
				u.payee = ps[0].Name
			}
			if cards, err := a.bank.Cards(ctx, bu); err == nil {
				count := map[banks.CardKind]int{}
				for _, cd := range cards {
					count[cd.Kind]++
				}
				for _, cd := range cards {
					if count[cd.Kind] == 1 && !cd.Locked {
						u.card = string(cd.Kind)
						break
					}
				}
			}
		}
		users = append(users, u)
	}
	if len(users) == 0 {
		return nil, fmt.Errorf("the sandbox in %s has no customers", dir)
	}
	return users, nil
}

// runLoad sends conversations to a `konto serve --dev` on this machine
// and reports throughput, latency percentiles and errors per kind. It
// only talks to loopback addresses, and both its count of requests and
// its time are bounded.
func runLoad(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	cfg, err := parseConfig("load", args, getenv, stderr, "url", "data", "requests", "concurrency", "rate", "duration", "mix")
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
	mix, err := parseMix(cfg.Mix)
	if err != nil {
		return err
	}
	users, err := loadUsers(ctx, cfg.Data)
	if err != nil {
		return err
	}
	lr := &loadRun{url: cfg.URL, users: users, budget: int64(cfg.Requests), runID: time.Now().UnixNano(), rate: cfg.Rate,
		client: &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: cfg.Concurrency}}}
	for _, u := range users {
		if u.payee != "" {
			lr.payers = append(lr.payers, u)
		}
		if u.card != "" {
			lr.lockers = append(lr.lockers, u)
		}
	}
	for _, k := range mixKinds {
		if mix[k] > 0 {
			lr.kinds = append(lr.kinds, k)
		}
		for range mix[k] {
			lr.deck = append(lr.deck, k)
		}
	}
	ctx, cancel := context.WithTimeout(ctx, cfg.Duration)
	defer cancel()
	stats := make([]map[string]*kindStats, cfg.Concurrency)
	start := time.Now()
	lr.start = start
	var wg sync.WaitGroup
	for w := range cfg.Concurrency {
		stats[w] = map[string]*kindStats{}
		wg.Add(1)
		go func() {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(uint64(lr.runID), uint64(w)))
			for n := 0; ctx.Err() == nil && lr.sent.Load() < lr.budget; n++ {
				// Each worker first has one conversation of every kind in
				// the mix (so that a short run reports them all), then
				// draws by weight.
				kind := lr.deck[rng.IntN(len(lr.deck))]
				if n < len(lr.kinds) {
					kind = lr.kinds[(n+w)%len(lr.kinds)]
				}
				st := stats[w][kind]
				if st == nil {
					st = &kindStats{}
					stats[w][kind] = st
				}
				lr.converse(ctx, kind, rng, st)
			}
		}()
	}
	wg.Wait()
	return lr.report(stdout, cfg, time.Since(start), stats)
}

// loadRun is one run's shared state.
type loadRun struct {
	url     string
	users   []loadUser
	payers  []loadUser // users with a saved payee
	lockers []loadUser // users with a card of a kind they have one of
	deck    []string   // kinds, each as often as its weight
	kinds   []string   // the kinds of the mix, once each
	client  *http.Client
	runID   int64
	budget  int64
	// rate > 0 sends request i at start + i/rate (an open loop): a slow
	// answer delays no later request's schedule, and each latency counts
	// from the request's scheduled time, so that queueing shows in it.
	rate  int
	start time.Time
	sent  atomic.Int64 // requests sent, for the budget and fresh ids
	convs atomic.Int64 // conversations begun, for session ids
}

// kindStats is one worker's figures for one kind.
type kindStats struct {
	lat []time.Duration
	// failed counts requests without an HTTP 200 answer; unexpected counts
	// conversations that went off their script (a refusal, a question
	// the script has no answer for), which is an answer, not a failure.
	failed, unexpected, conversations int
	// completed counts conversations that went to plan: the answer of a
	// single request, a dialog's answer to its PIN.
	completed int
}

// alexaAnswer is what the load run reads of an answer.
type alexaAnswer struct {
	SessionAttributes map[string]any `json:"sessionAttributes"`
	Response          struct {
		Directives []struct {
			Type         string `json:"type"`
			SlotToElicit string `json:"slotToElicit"`
		} `json:"directives"`
		ShouldEndSession *bool `json:"shouldEndSession"`
	} `json:"response"`
}

func (a *alexaAnswer) elicits() string {
	for _, d := range a.Response.Directives {
		if d.Type == "Dialog.ElicitSlot" {
			return d.SlotToElicit
		}
	}
	return ""
}

func (a *alexaAnswer) ended() bool {
	return a.Response.ShouldEndSession != nil && *a.Response.ShouldEndSession
}

// session is one conversation in progress.
type session struct {
	lr    *loadRun
	id    string
	user  loadUser
	turns int
	attrs map[string]any // handed back as Alexa does
	st    *kindStats
}

// send posts one turn with a fresh request id. It returns false when the
// request failed or the budget is spent.
func (s *session) send(ctx context.Context, intent string, slots map[string]string, answer *alexaAnswer) bool {
	i := s.lr.sent.Add(1)
	if i > s.lr.budget || ctx.Err() != nil {
		return false
	}
	userID := "load-user-" + s.user.id
	sl := map[string]any{}
	for k, v := range slots {
		sl[k] = map[string]any{"name": k, "value": v}
	}
	sess := map[string]any{"new": s.turns == 0, "sessionId": s.id, "application": map[string]any{"applicationId": "load"},
		"user": map[string]any{"userId": userID, "accessToken": s.user.token}}
	if len(s.attrs) > 0 {
		sess["attributes"] = s.attrs
	}
	body, _ := json.Marshal(map[string]any{"version": "1.0", "session": sess,
		"context": map[string]any{"System": map[string]any{"application": map[string]any{"applicationId": "load"},
			"user": map[string]any{"userId": userID, "accessToken": s.user.token}}},
		"request": map[string]any{"type": "IntentRequest", "requestId": fmt.Sprintf("load-req-%d-%d", s.lr.runID, i),
			"timestamp": time.Now().UTC().Format(time.RFC3339), "locale": s.user.locale,
			"intent": map[string]any{"name": intent, "slots": sl}}})
	s.turns++
	t0 := time.Now()
	if s.lr.rate > 0 {
		t0 = s.lr.start.Add(time.Duration(i-1) * time.Second / time.Duration(s.lr.rate))
		if d := time.Until(t0); d > 0 {
			select {
			case <-time.After(d):
			case <-ctx.Done():
				return false
			}
		}
	}
	resp, err := s.lr.client.Post(s.lr.url, "application/json", bytes.NewReader(body))
	if err != nil {
		s.st.failed++
		return false
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		io.Copy(io.Discard, resp.Body)
		s.st.failed++
		return false
	}
	if answer == nil {
		// A single turn: nothing of the answer is needed, so reading it
		// costs the client no more than the bytes.
		io.Copy(io.Discard, resp.Body)
	} else if err := json.NewDecoder(resp.Body).Decode(answer); err != nil {
		s.st.failed++
		return false
	}
	s.st.lat = append(s.st.lat, time.Since(t0))
	if answer != nil {
		s.attrs = answer.SessionAttributes
	}
	return true
}

// converse runs one conversation of a kind.
func (lr *loadRun) converse(ctx context.Context, kind string, rng *rand.Rand, st *kindStats) {
	// Not every customer has a payee, or a card of a kind they have one
	// of: transfers and card locks pick among those who do.
	pool := lr.users
	switch kind {
	case kindTransfer:
		pool = lr.payers
	case kindCardLock:
		pool = lr.lockers
	}
	var u loadUser
	if len(pool) > 0 {
		u = pool[rng.IntN(len(pool))]
	}
	s := &session{lr: lr, id: fmt.Sprintf("load-%d-%d", lr.runID, lr.convs.Add(1)), user: u, st: st}
	st.conversations++
	switch kind {
	case kindBalance:
		s.single(ctx, "GetBalance", map[string]string{"account": "checking"})
	case kindTransactions:
		s.single(ctx, "ListTransactions", map[string]string{"count": "3"})
	case kindSpending:
		month := time.Now().AddDate(0, -1, 0).Format("2006-01")
		s.single(ctx, "SpendingSummary", map[string]string{"category": "groceries", "date": month})
	case kindTransfer:
		if u.payee == "" {
			st.unexpected++
			return
		}
		slots := map[string]string{"payee": u.payee, "amount": "1", "from_account": "checking"}
		s.dialog(ctx, "TransferMoney", slots)
	case kindCardLock:
		if u.card == "" {
			st.unexpected++
			return
		}
		var a alexaAnswer
		if !s.send(ctx, "LockCard", map[string]string{"card": u.card}, &a) {
			return
		}
		if a.elicits() != "" || a.ended() {
			st.unexpected++
			return
		}
		s.dialog(ctx, "UnlockCard", map[string]string{"card": u.card})
	}
}

// single sends a conversation of one request.
func (s *session) single(ctx context.Context, intent string, slots map[string]string) {
	if s.send(ctx, intent, slots, nil) {
		s.st.completed++
	}
}

// dialog runs an action's dialog to its end: the request, answers to the
// slots asked for, yes to the read-back, the PIN. A dialog that ends
// before the PIN was given (a limit, a refusal) or asks what the script
// cannot answer counts as unexpected.
func (s *session) dialog(ctx context.Context, intent string, slots map[string]string) {
	var a alexaAnswer
	if !s.send(ctx, intent, slots, &a) {
		return
	}
	yes, pin := false, false
	for range 6 {
		if a.ended() || pin {
			if pin {
				s.st.completed++
			} else {
				s.st.unexpected++
			}
			return
		}
		next, nextSlots := "", map[string]string{}
		switch slot := a.elicits(); {
		case slot == "pin":
			next, nextSlots["pin"], pin = "ProvidePin", s.user.pin, true
		case slot != "" && slots[slot] != "":
			next, nextSlots[slot] = intent, slots[slot]
		case slot == "" && !yes:
			next, yes = "AMAZON.YesIntent", true
		default:
			s.st.unexpected++
			return
		}
		a = alexaAnswer{}
		if !s.send(ctx, next, nextSlots, &a) {
			return
		}
	}
	s.st.unexpected++
}

// report prints the figures per kind and overall.
func (lr *loadRun) report(stdout io.Writer, cfg Config, took time.Duration, stats []map[string]*kindStats) error {
	merged := map[string]*kindStats{}
	total := &kindStats{}
	for _, w := range stats {
		for k, st := range w {
			m := merged[k]
			if m == nil {
				m = &kindStats{}
				merged[k] = m
			}
			for _, into := range []*kindStats{m, total} {
				into.lat = append(into.lat, st.lat...)
				into.failed += st.failed
				into.unexpected += st.unexpected
				into.conversations += st.conversations
				into.completed += st.completed
			}
		}
	}
	if len(total.lat) == 0 {
		return fmt.Errorf("no request succeeded (%d failed); is `konto serve --dev` running at %s?", total.failed, cfg.URL)
	}
	paced := ""
	if cfg.Rate > 0 {
		paced = fmt.Sprintf(" (%d req/s scheduled; latency from each request's scheduled time)", cfg.Rate)
	}
	fmt.Fprintf(stdout, "%d requests in %s with %d workers: %.0f req/s%s, %d failed\n", len(total.lat), took.Round(time.Millisecond), cfg.Concurrency,
		float64(len(total.lat))/took.Seconds(), paced, total.failed)
	tw := tabwriter.NewWriter(stdout, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "kind\tconversations\tcompleted\trequests\treq/s\tp50\tp95\tp99\tmax\tfailed\tunexpected\t")
	row := func(name string, st *kindStats) {
		sort.Slice(st.lat, func(i, j int) bool { return st.lat[i] < st.lat[j] })
		q := func(p float64) string {
			if len(st.lat) == 0 {
				return "-"
			}
			return st.lat[min(len(st.lat)-1, int(p*float64(len(st.lat))))].Round(10 * time.Microsecond).String()
		}
		fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%.0f\t%s\t%s\t%s\t%s\t%d\t%d\t\n", name, st.conversations, st.completed, len(st.lat),
			float64(len(st.lat))/took.Seconds(), q(.50), q(.95), q(.99), q(1), st.failed, st.unexpected)
	}
	for _, k := range mixKinds {
		if st := merged[k]; st != nil {
			row(k, st)
		}
	}
	row("overall", total)
	tw.Flush()
	all := total.lat
	fmt.Fprintf(stdout, "latency p50 %s, p95 %s, p99 %s, max %s\n", pct(all, .50), pct(all, .95), pct(all, .99), all[len(all)-1].Round(10*time.Microsecond))
	if total.failed > 0 {
		return fmt.Errorf("%d requests failed", total.failed)
	}
	return nil
}

// pct is a percentile of sorted latencies.
func pct(sorted []time.Duration, p float64) time.Duration {
	return sorted[min(len(sorted)-1, int(p*float64(len(sorted))))].Round(10 * time.Microsecond)
}
