package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kontoskill/konto/banks"
	"github.com/kontoskill/konto/banks/sandbox"
	"github.com/kontoskill/konto/skill"
	"github.com/kontoskill/konto/skill/postgres"
	"github.com/kontoskill/konto/skill/postgres/pgtest"
)

// alexaReq is a dev-mode Alexa request of a user: typ LaunchRequest,
// IntentRequest (with intent and slots) or an AlexaSkillEvent (without
// session).
type alexaReq struct {
	user, session string
	newSession    bool
	id, token     string
	typ, intent   string
	slots         map[string]string
}

func (r alexaReq) String() string {
	u := map[string]any{"userId": r.user}
	if r.token != "" {
		u["accessToken"] = r.token
	}
	app := map[string]any{"applicationId": "amzn1.ask.skill.multi"}
	req := map[string]any{"type": r.typ, "requestId": r.id, "timestamp": time.Now().UTC().Format(time.RFC3339), "locale": "en-US"}
	if r.intent != "" {
		sl := map[string]any{}
		for k, v := range r.slots {
			sl[k] = map[string]any{"name": k, "value": v}
		}
		req["intent"] = map[string]any{"name": r.intent, "slots": sl}
	}
	env := map[string]any{"version": "1.0", "request": req,
		"context": map[string]any{"System": map[string]any{"application": app, "user": u}}}
	if r.session != "" {
		env["session"] = map[string]any{"new": r.newSession, "sessionId": r.session, "application": app, "user": u}
	}
	b, _ := json.Marshal(env)
	return string(b)
}

// intent is an IntentRequest in a running session.
func intent(user, session, id, token, name string, slots map[string]string) string {
	return alexaReq{user: user, session: session, id: id, token: token, typ: "IntentRequest", intent: name, slots: slots}.String()
}

// Two `konto serve --dev` processes on one Postgres and one data
// directory (the same secret and sandbox bank file), as N instances
// behind a load balancer: whichever instance a turn reaches, it sees what
// the others wrote.
func TestTwoInstancesOnePostgres(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a binary and starts PostgreSQL")
	}
	srv := pgtest.Start(t)
	dsn := srv.NewDatabase(t)
	dir := t.TempDir()
	bin := filepath.Join(dir, "konto")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	data := filepath.Join(dir, "data")
	tok := map[string]token{}
	for _, tk := range tokens(t, data) {
		tok[tk.Customer] = tk
	}
	a, _ := crashServer(t, bin, data, "KONTO_STORE="+dsn)
	b, _ := crashServer(t, bin, data, "KONTO_STORE="+dsn)
	store, err := postgres.Open(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	key, err := os.ReadFile(filepath.Join(data, "secret.key"))
	if err != nil {
		t.Fatal(err)
	}
	balance := func(t *testing.T, customer, account string) int64 {
		t.Helper()
		bank, err := sandbox.Open(filepath.Join(data, "sandbox.db"), key)
		if err != nil {
			t.Fatal(err)
		}
		defer bank.Close()
		bal, err := bank.Balance(context.Background(), banks.User{Bank: "sandbox", Customer: customer, Locale: "en-US"}, account)
		if err != nil {
			t.Fatal(err)
		}
		return bal.Booked.Minor
	}
	ask := func(t *testing.T, base, body, want string) string {
		t.Helper()
		got, err := say(t, base, body)
		if err != nil || !strings.Contains(got, want) {
			t.Fatalf("%s answered %q (%v), want %q", base, got, err, want)
		}
		return got
	}
	transfer := map[string]string{"payee": "tom nguyen", "amount": "35", "from_account": "checking"}

	t.Run("oauth client add writes where serve reads", func(t *testing.T) {
		if _, err := run(t, "", "oauth", "client", "add", "--id", "multi", "--redirect-uri", "https://multi.example/cb", "--data", data,
			"--store", dsn); err != nil {
			t.Fatal(err)
		}
		if c, err := store.OAuthClient(context.Background(), "multi"); err != nil || c.RedirectURIs[0] != "https://multi.example/cb" {
			t.Fatalf("client %+v, %v", c, err)
		}
		if out, err := run(t, "", "oauth", "client", "list", "--data", data); err != nil || strings.Contains(out, "multi") {
			t.Fatalf("the SQLite store of the data directory has the client: %q %v", out, err)
		}
	})

	t.Run("a dialog continues on the other instance, and one request id moves money once", func(t *testing.T) {
		carol, user, s := tok["carol"], "amzn1.ask.account.MULTI-carol", "amzn1.echo-api.session.MULTI-1"
		before := balance(t, "carol", "carol-checking")
		ask(t, a, intent(user, s, "m-1", carol.AccessToken, "TransferMoney", transfer), "Shall I go ahead")
		ask(t, b, intent(user, s, "m-2", carol.AccessToken, "AMAZON.YesIntent", nil), "voice PIN")
		// Alexa retries a request it got no answer to; a load balancer may
		// send the retry to the other instance while the first still runs.
		pin := intent(user, s, "m-3", carol.AccessToken, "ProvidePin", map[string]string{"pin": carol.PIN})
		answers := make([]string, 2)
		var wg sync.WaitGroup
		for i, base := range []string{a, b} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				answers[i], _ = say(t, base, pin)
			}()
		}
		wg.Wait()
		if !strings.HasPrefix(answers[0], "Done. I sent $35.00") && !strings.HasPrefix(answers[1], "Done. I sent $35.00") {
			t.Fatalf("neither instance said it was done: %q", answers)
		}
		if moved := before - balance(t, "carol", "carol-checking"); moved != 3500 {
			t.Fatalf("moved %d cents, want 3500 once (answers %q)", moved, answers)
		}
		// And the retry afterwards, at either instance, is the same answer.
		for _, base := range []string{a, b} {
			ask(t, base, pin, "Done. I sent $35.00")
		}
		if moved := before - balance(t, "carol", "carol-checking"); moved != 3500 {
			t.Fatalf("after the replays moved %d cents, want 3500", moved)
		}
		log, err := store.AuditLog(context.Background(), "sandbox", skill.Pseudonym(key, "sandbox", "carol"))
		if err != nil {
			t.Fatal(err)
		}
		var transfers []string
		for _, e := range log {
			if e.Action == "transfer" {
				transfers = append(transfers, e.Outcome)
			}
		}
		if strings.Join(transfers, ",") != "done" {
			t.Fatalf("audit transfers %v, want one done", transfers)
		}
	})

	t.Run("a PIN lockout applies on both", func(t *testing.T) {
		carol, user, s := tok["carol"], "amzn1.ask.account.MULTI-carol", "amzn1.echo-api.session.MULTI-2"
		right, err := strconv.Atoi(carol.PIN)
		if err != nil {
			t.Fatal(err)
		}
		wrong := fmt.Sprintf("%04d", (right+1)%10000)
		small := map[string]string{"payee": "tom nguyen", "amount": "5", "from_account": "checking"}
		ask(t, a, intent(user, s, "l-1", carol.AccessToken, "TransferMoney", small), "Shall I go ahead")
		ask(t, b, intent(user, s, "l-2", carol.AccessToken, "AMAZON.YesIntent", nil), "voice PIN")
		ask(t, a, intent(user, s, "l-3", carol.AccessToken, "ProvidePin", map[string]string{"pin": wrong}), "2 more tries")
		ask(t, b, intent(user, s, "l-4", carol.AccessToken, "ProvidePin", map[string]string{"pin": wrong}), "one more try")
		ask(t, a, intent(user, s, "l-5", carol.AccessToken, "ProvidePin", map[string]string{"pin": wrong}), "paused")
		// The right PIN, in a new dialog on the other instance, does not
		// get through.
		before := balance(t, "carol", "carol-checking")
		s2 := "amzn1.echo-api.session.MULTI-3"
		var said []string
		for i, st := range []struct {
			intent string
			slots  map[string]string
		}{{"TransferMoney", small}, {"AMAZON.YesIntent", nil}, {"ProvidePin", map[string]string{"pin": carol.PIN}}} {
			got, err := say(t, b, intent(user, s2, fmt.Sprint("l2-", i), carol.AccessToken, st.intent, st.slots))
			if err != nil {
				t.Fatal(err)
			}
			said = append(said, got)
		}
		if all := strings.Join(said, " | "); !strings.Contains(all, "paused") || strings.Contains(all, "Done") {
			t.Fatalf("instance b during a's lockout: %s", all)
		}
		if moved := before - balance(t, "carol", "carol-checking"); moved != 0 {
			t.Fatalf("moved %d cents during the lockout", moved)
		}
	})

	alice, aliceUser, s := tok["alice"], "amzn1.ask.account.MULTI-alice", "amzn1.echo-api.session.MULTI-4"
	t.Run("a fraud alert is announced once", func(t *testing.T) {
		if _, err := run(t, "", "sandbox", "alert", "--customer", "alice", "--data", data); err != nil {
			t.Fatal(err)
		}
		ask(t, a, alexaReq{user: aliceUser, session: s, newSession: true, id: "f-1", token: alice.AccessToken, typ: "LaunchRequest"}.String(), "a charge I need you to check")
		again, err := say(t, b, alexaReq{user: aliceUser, session: s, id: "f-2", token: alice.AccessToken, typ: "LaunchRequest"}.String())
		if err != nil || strings.Contains(again, "a charge I need you to check") {
			t.Fatalf("the other instance announced the alert again: %q %v", again, err)
		}
	})

	t.Run("SkillDisabled on one removes the user everywhere", func(t *testing.T) {
		s := "amzn1.echo-api.session.MULTI-5"
		ask(t, b, intent(aliceUser, s, "d-1", alice.AccessToken, "ReviewAlerts", nil), "Was this you?")
		if st, err := store.Session(context.Background(), "alexa", s, aliceUser, time.Hour); err != nil || st == nil {
			t.Fatalf("the session b wrote is not in the shared store: %v", err)
		}
		if _, err := say(t, a, alexaReq{user: aliceUser, id: "d-2", typ: "AlexaSkillEvent.SkillDisabled"}.String()); err != nil {
			t.Fatal(err)
		}
		if links, sessions, err := store.Counts(context.Background(), "alexa", aliceUser); err != nil || links != 0 || sessions != 0 {
			t.Fatalf("after SkillDisabled: %d links, %d sessions, %v", links, sessions, err)
		}
		// The dialog b had going is gone. (What else b says depends on
		// whether the user had a link to revoke.)
		got, err := say(t, b, intent(aliceUser, s, "d-3", alice.AccessToken, "AMAZON.YesIntent", nil))
		if err != nil || strings.Contains(got, "marked the charge") {
			t.Fatalf("b continued a dialog of a deleted user: %q %v", got, err)
		}
	})
}
