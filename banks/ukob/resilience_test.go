package ukob_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"fmt"
	"io"
	"log"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"github.com/kontoskill/konto/banks"
	"github.com/kontoskill/konto/banks/ukob"
)

const goodAccounts = `{"Data":{"Account":[{"AccountId":"a1","Currency":"GBP","AccountType":"Personal","AccountSubType":"CurrentAccount",
"Nickname":"Current","Account":[{"SchemeName":"UK.OBIE.SortCodeAccountNumber","Identification":"04007512345678","Name":"A"}]},
{"AccountId":"a2","Currency":"GBP","AccountType":"Personal","AccountSubType":"Savings","Nickname":"Saver",
"Account":[{"SchemeName":"UK.OBIE.SortCodeAccountNumber","Identification":"04007587654321","Name":"A"}]}]},
"Links":{"Self":"https://bank.test/accounts"},"Meta":{"TotalPages":1}}`

// fake is a bank that misbehaves as a test tells it to.
type fake struct {
	t        *testing.T
	srv      *httptest.Server
	attempts atomic.Int32
	mu       sync.Mutex
	keys     []string // x-idempotency-key of each request
}

func newFake(t *testing.T, h func(f *fake, w http.ResponseWriter, r *http.Request)) *fake {
	f := &fake{t: t}
	f.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f.attempts.Add(1)
		f.mu.Lock()
		f.keys = append(f.keys, r.Header.Get("x-idempotency-key"))
		f.mu.Unlock()
		w.Header().Set("x-fapi-interaction-id", r.Header.Get("x-fapi-interaction-id"))
		h(f, w, r)
	}))
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fake) client(tweak func(*ukob.Options)) *ukob.Client {
	o := ukob.Options{AccountsURL: f.srv.URL + "/open-banking/v3.1/aisp", PaymentsURL: f.srv.URL + "/open-banking/v3.1/pisp",
		TokenURL: f.srv.URL + "/token", AuthorizeURL: f.srv.URL + "/authorize", RedirectURL: callback, ClientID: "c", ClientSecret: "s",
		SigningKey: clientKey(), AttemptTimeout: 200 * time.Millisecond,
		Tokens: func(context.Context, banks.User) (oauth2.TokenSource, error) {
			return oauth2.StaticTokenSource(&oauth2.Token{AccessToken: "t", TokenType: "Bearer"}), nil
		}}
	if tweak != nil {
		tweak(&o)
	}
	c, err := ukob.New(o)
	if err != nil {
		f.t.Fatal(err)
	}
	return c
}

var someone = banks.User{Bank: ukob.Name, Customer: "someone"}

func jsonReply(w http.ResponseWriter, status int, body string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	fmt.Fprint(w, body)
}

func TestResilience(t *testing.T) {
	t.Parallel()
	accounts := func(ctx context.Context, c *ukob.Client) error { _, err := c.Accounts(ctx, someone); return err }
	balance := func(ctx context.Context, c *ukob.Client) error { _, err := c.Balance(ctx, someone, "a1"); return err }
	for _, tc := range []struct {
		name     string
		handler  func(f *fake, w http.ResponseWriter, r *http.Request)
		call     func(context.Context, *ukob.Client) error
		want     banks.Kind // Other: no error
		attempts int32
		within   time.Duration
		atLeast  time.Duration
	}{
		{"500 every time", func(f *fake, w http.ResponseWriter, r *http.Request) {
			jsonReply(w, 500, `{"Code":"500","Message":"down","Errors":[{"ErrorCode":"UK.OBIE.UnexpectedError","Message":"down"}]}`)
		}, accounts, banks.Unavailable, 3, 3 * time.Second, 0},
		{"503 once, then fine", func(f *fake, w http.ResponseWriter, r *http.Request) {
			if f.attempts.Load() == 1 {
				w.WriteHeader(503)
				return
			}
			jsonReply(w, 200, goodAccounts)
		}, accounts, banks.Other, 2, 2 * time.Second, 0},
		{"429 with a Retry-After beyond the deadline", func(f *fake, w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Retry-After", "120")
			w.WriteHeader(429)
		}, accounts, banks.Unavailable, 1, 500 * time.Millisecond, 0},
		{"429 with Retry-After 1, then fine", func(f *fake, w http.ResponseWriter, r *http.Request) {
			if f.attempts.Load() == 1 {
				w.Header().Set("Retry-After", "1")
				w.WriteHeader(429)
				return
			}
			jsonReply(w, 200, goodAccounts)
		}, accounts, banks.Other, 2, 3 * time.Second, time.Second},
		{"no answer", func(f *fake, w http.ResponseWriter, r *http.Request) {
			select {
			case <-r.Context().Done():
			case <-time.After(5 * time.Second):
			}
		}, accounts, banks.Unavailable, 3, 2 * time.Second, 0},
		{"malformed JSON", func(f *fake, w http.ResponseWriter, r *http.Request) {
			jsonReply(w, 200, `{"Data":{"Account":[{"AccountId":`)
		}, accounts, banks.Unavailable, 1, time.Second, 0},
		{`"Currency":"string"`, func(f *fake, w http.ResponseWriter, r *http.Request) {
			jsonReply(w, 200, strings.ReplaceAll(goodAccounts, `"GBP"`, `"string"`))
		}, accounts, banks.Unavailable, 1, time.Second, 0},
		{"a balance in another currency than its account's", func(f *fake, w http.ResponseWriter, r *http.Request) {
			if strings.HasSuffix(r.URL.Path, "/balances") {
				jsonReply(w, 200, `{"Data":{"Balance":[{"AccountId":"a1","Amount":{"Amount":"1.00","Currency":"EUR"},"CreditDebitIndicator":"Credit","Type":"InterimBooked","DateTime":"2026-01-01T00:00:00Z"}]},"Links":{"Self":"x"},"Meta":{}}`)
				return
			}
			jsonReply(w, 200, goodAccounts)
		}, balance, banks.Unavailable, 2, time.Second, 0},
		{"an amount as a number", func(f *fake, w http.ResponseWriter, r *http.Request) {
			if strings.HasSuffix(r.URL.Path, "/balances") {
				jsonReply(w, 200, `{"Data":{"Balance":[{"AccountId":"a1","Amount":{"Amount":1.5,"Currency":"GBP"},"CreditDebitIndicator":"Credit","Type":"InterimBooked","DateTime":"2026-01-01T00:00:00Z"}]},"Links":{"Self":"x"},"Meta":{}}`)
				return
			}
			jsonReply(w, 200, goodAccounts)
		}, balance, banks.Unavailable, 2, time.Second, 0},
		{"401", func(f *fake, w http.ResponseWriter, r *http.Request) { w.WriteHeader(401) }, accounts, banks.NotLinked, 1, time.Second, 0},
		{"403, the consent lapsed", func(f *fake, w http.ResponseWriter, r *http.Request) {
			jsonReply(w, 403, `{"Code":"403","Message":"x","Errors":[{"ErrorCode":"UK.OBIE.Resource.InvalidConsentStatus","Message":"expired"}]}`)
		}, accounts, banks.ConsentExpired, 1, time.Second, 0},
		{"403, no reason", func(f *fake, w http.ResponseWriter, r *http.Request) { w.WriteHeader(403) }, accounts, banks.NotLinked, 1, time.Second, 0},
		{"404", func(f *fake, w http.ResponseWriter, r *http.Request) { w.WriteHeader(404) }, balance, banks.NotFound, 1, time.Second, 0},
		{"400 Resource.NotFound", func(f *fake, w http.ResponseWriter, r *http.Request) {
			jsonReply(w, 400, `{"Code":"400","Message":"x","Errors":[{"ErrorCode":"UK.OBIE.Resource.NotFound","Message":"no account"}]}`)
		}, balance, banks.NotFound, 1, time.Second, 0},
		{"400", func(f *fake, w http.ResponseWriter, r *http.Request) {
			jsonReply(w, 400, `{"Code":"400","Message":"x","Errors":[{"ErrorCode":"UK.OBIE.Field.InvalidDate","Message":"bad date"}]}`)
		}, func(ctx context.Context, c *ukob.Client) error {
			_, err := c.Transactions(ctx, someone, banks.TxFilter{AccountID: "a1"})
			return err
		}, banks.Invalid, 1, time.Second, 0},
		{"Links.Next out of the API", func(f *fake, w http.ResponseWriter, r *http.Request) {
			jsonReply(w, 200, strings.Replace(goodAccounts, `"Self":"https://bank.test/accounts"`, `"Self":"x","Next":"https://evil.example/steal"`, 1))
		}, accounts, banks.Unavailable, 1, time.Second, 0},
		{"Links.Next at the bank's public host", func(f *fake, w http.ResponseWriter, r *http.Request) {
			if r.Host != strings.TrimPrefix(f.srv.URL, "http://") {
				f.t.Errorf("the token went to %s", r.Host)
			}
			if r.URL.Query().Get("page") == "2" {
				jsonReply(w, 200, goodAccounts)
				return
			}
			jsonReply(w, 200, strings.Replace(goodAccounts, `"Self":"https://bank.test/accounts"`,
				`"Self":"x","Next":"https://public.bank.example/open-banking/v3.1/aisp/accounts?page=2"`, 1))
		}, accounts, banks.Other, 2, time.Second, 0},
		{"Links.Next that loops", func(f *fake, w http.ResponseWriter, r *http.Request) {
			jsonReply(w, 200, strings.Replace(goodAccounts, `"Self":"https://bank.test/accounts"`, `"Self":"x","Next":"`+f.srv.URL+`/open-banking/v3.1/aisp/accounts"`, 1))
		}, accounts, banks.Unavailable, 1, time.Second, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := newFake(t, tc.handler)
			c := f.client(nil)
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			start := time.Now()
			err := tc.call(ctx, c)
			took := time.Since(start)
			switch {
			case tc.want == banks.Other && err != nil:
				t.Errorf("error %v, want none", err)
			case tc.want != banks.Other && !errors.Is(err, banks.KindError(tc.want)):
				t.Errorf("error %v, want %s", err, tc.want)
			}
			if got := f.attempts.Load(); got != tc.attempts {
				t.Errorf("%d requests, want %d", got, tc.attempts)
			}
			if took > tc.within || took < tc.atLeast {
				t.Errorf("took %s, want %s to %s", took, tc.atLeast, tc.within)
			}
		})
	}
}

func TestRetryWithinTheDeadline(t *testing.T) {
	t.Parallel()
	f := newFake(t, func(f *fake, w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Retry-After", "2")
		w.WriteHeader(503)
	})
	ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := f.client(nil).Accounts(ctx, someone)
	if !errors.Is(err, banks.KindError(banks.Unavailable)) || time.Since(start) > 300*time.Millisecond {
		t.Errorf("a wait beyond the deadline: %v after %s; want Unavailable at once", err, time.Since(start))
	}
}

// A payment POST is retried with the same idempotency key; a POST
// without one (an account-access consent) is not retried at all.
func TestPostRetries(t *testing.T) {
	t.Parallel()
	f := newFake(t, func(f *fake, w http.ResponseWriter, r *http.Request) {
		switch {
		case r.Method == "GET" && strings.HasSuffix(r.URL.Path, "/accounts/a1"), r.Method == "GET" && strings.HasSuffix(r.URL.Path, "/accounts/a2"):
			jsonReply(w, 200, goodAccounts)
		case strings.HasSuffix(r.URL.Path, "/domestic-payment-consents"):
			if r.Header.Get("x-jws-signature") == "" {
				t.Error("a payment consent without x-jws-signature")
			}
			if f.attempts.Load() < 4 {
				w.WriteHeader(503)
				return
			}
			jsonReply(w, 201, `{"Data":{"ConsentId":"pc1","Status":"AwaitingAuthorisation","CreationDateTime":"2026-01-01T00:00:00Z","StatusUpdateDateTime":"2026-01-01T00:00:00Z"},"Links":{"Self":"x"},"Meta":{}}`)
		default:
			w.WriteHeader(503)
		}
	})
	c := f.client(func(o *ukob.Options) { o.Attempts = 3 })
	res, err := c.Pay(context.Background(), someone, banks.PaymentRequest{Key: "k", FromAccountID: "a1", ToAccountID: "a2", Amount: banks.Money{Minor: 1, Currency: "GBP"}})
	if err != nil || !res.AwaitingApproval {
		t.Fatalf("Pay = %+v, %v", res, err)
	}
	f.mu.Lock()
	posts := f.keys[2:]
	f.mu.Unlock()
	if len(posts) != 2 || posts[0] == "" || posts[0] != posts[1] || len(posts[0]) > 40 {
		t.Errorf("consent POST keys %q; want the same key on the retry", posts)
	}

	var consentPosts atomic.Int32
	g := newFake(t, func(f *fake, w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/token" {
			jsonReply(w, 200, `{"access_token":"cc","token_type":"Bearer","expires_in":3600}`)
			return
		}
		consentPosts.Add(1)
		w.WriteHeader(503)
	})
	if _, _, err := g.client(nil).CreateAccountConsent(context.Background(), "s"); !errors.Is(err, banks.KindError(banks.Unavailable)) || consentPosts.Load() != 1 {
		t.Errorf("an account consent on 503: %v after %d POSTs; want Unavailable after one", err, consentPosts.Load())
	}
}

// The connector speaks mutual TLS when given a client certificate.
func TestMutualTLS(t *testing.T) {
	t.Parallel()
	ca, caKey := newCA(t)
	serverCert := issue(t, ca, caKey, "bank.test", x509.ExtKeyUsageServerAuth)
	clientCert := issue(t, ca, caKey, "konto", x509.ExtKeyUsageClientAuth)
	pool := x509.NewCertPool()
	pool.AddCert(ca)
	var peer atomic.Value
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		peer.Store(r.TLS.PeerCertificates[0].Subject.CommonName)
		jsonReply(w, 200, goodAccounts)
	}))
	srv.Config.ErrorLog = log.New(io.Discard, "", 0) // the refused handshake
	srv.TLS = &tls.Config{Certificates: []tls.Certificate{serverCert}, ClientAuth: tls.RequireAndVerifyClientCert, ClientCAs: pool}
	srv.StartTLS()
	t.Cleanup(srv.Close)
	newClient := func(certs []tls.Certificate) *ukob.Client {
		c, err := ukob.New(ukob.Options{AccountsURL: srv.URL + "/open-banking/v3.1/aisp", TokenURL: srv.URL + "/token", ClientID: "konto",
			Certificates: certs, RootCAs: pool, Attempts: 1,
			Tokens: func(context.Context, banks.User) (oauth2.TokenSource, error) {
				return oauth2.StaticTokenSource(&oauth2.Token{AccessToken: "t"}), nil
			}})
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	accts, err := newClient([]tls.Certificate{clientCert}).Accounts(context.Background(), someone)
	if err != nil || len(accts) != 2 || peer.Load() != "konto" {
		t.Errorf("with a client certificate: %v, %v, peer %v", accts, err, peer.Load())
	}
	if _, err := newClient(nil).Accounts(context.Background(), someone); !errors.Is(err, banks.KindError(banks.Unavailable)) {
		t.Errorf("without a client certificate: %v, want Unavailable", err)
	}
}

func newCA(t *testing.T) (*x509.Certificate, *ecdsa.PrivateKey) {
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "test CA"}, NotBefore: time.Now().Add(-time.Hour),
		NotAfter: time.Now().Add(time.Hour), IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	ca, _ := x509.ParseCertificate(der)
	return ca, key
}

func issue(t *testing.T, ca *x509.Certificate, caKey *ecdsa.PrivateKey, name string, usage x509.ExtKeyUsage) tls.Certificate {
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	n, _ := rand.Int(rand.Reader, big.NewInt(1<<62))
	tmpl := &x509.Certificate{SerialNumber: n, Subject: pkix.Name{CommonName: name}, DNSNames: []string{name}, NotBefore: time.Now().Add(-time.Hour),
		NotAfter: time.Now().Add(time.Hour), ExtKeyUsage: []x509.ExtKeyUsage{usage}, KeyUsage: x509.KeyUsageDigitalSignature}
	if usage == x509.ExtKeyUsageServerAuth {
		tmpl.IPAddresses = []net.IP{net.ParseIP("127.0.0.1")}
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca, &key.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}
}
