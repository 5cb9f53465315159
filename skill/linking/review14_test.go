package linking_test

import (
	"net/http"
	"net/url"
	"testing"

	"github.com/kontoskill/konto/skill/linking"
)

// Review 14 (attacker), account linking.

// finding (low, the per-customer sign-in limit halved): the limit on
// sign-ins per customer (five a minute, whatever the address) was kept
// by the name as typed, while the bank's sign-in takes a customer by id,
// full name or first name: a guesser on many addresses alternating
// "carol" and "Carol Davis" had ten tries a minute at Carol's password.
// Every way of naming the customer counts on one key.
func TestReview14SignInLimitCountsEveryNameOfTheCustomer(t *testing.T) {
	t.Parallel()
	ip := "192.0.2.1"
	e := newEnv(t, func(o *linking.Options) { o.ClientIP = func(*http.Request) string { return ip } })
	page := e.get(linking.AuthorizePath, authorizeQuery("accounts"))
	page = e.post(linking.AuthorizePath, url.Values{"csrf": {page.csrf(t)}, "step": {"consent"}, "scope": {"accounts"}, "days": {"90"}})
	names := []string{"carol", "Carol Davis", "CAROL", "carol davis", " Carol "}
	for i := range 6 {
		ip = "192.0.2." + string(rune('1'+i))
		got := e.post(linking.AuthorizePath, url.Values{"csrf": {page.csrf(t)}, "step": {"signin"}, "customer": {names[i%len(names)]},
			"password": {"wrong"}})
		want := http.StatusUnauthorized
		if i == 5 {
			want = http.StatusTooManyRequests
		}
		if got.status != want {
			t.Fatalf("attempt %d as %q from %s: %d, want %d", i+1, names[i%len(names)], ip, got.status, want)
		}
	}
}

// defended: the consent page takes only the scopes the client asked for
// and offered, and only the periods it offers: a form posting payments
// to a request for accounts alone, or 100000 days, grants neither.
func TestReview14ConsentFormCannotWidenTheGrant(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	f := defaultFlow()
	f.query = authorizeQuery("accounts")
	f.scopes = []string{"accounts", "payments", "alerts", "admin"}
	f.days = "100000"
	tok := e.exchange(e.link(f).Query().Get("code"), verifier)
	scopes, err := e.srv.Authenticator().Scopes(t.Context(), tok.Access)
	if err != nil {
		t.Fatal(err)
	}
	if len(scopes) != 1 || scopes[0] != "accounts" {
		t.Errorf("scopes %v, want [accounts]", scopes)
	}
	until, err := e.srv.Authenticator().Until(t.Context(), tok.Access)
	if err != nil {
		t.Fatal(err)
	}
	if d := until.Sub(e.clock.Now()); d > 366*24*60*60*1e9 {
		t.Errorf("the grant runs %s", d)
	}
}
