package skill_test

import (
	"context"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/kontoskill/konto/banks"
	"github.com/kontoskill/konto/banks/sandbox"
	"github.com/kontoskill/konto/fixtures"
	"github.com/kontoskill/konto/skill"
	"github.com/kontoskill/konto/skill/skilltest"
)

// ukSandbox is a second sandbox bank under the bank id "ukbank" (the
// sandbox knows its customers as bank "sandbox").
type ukSandbox struct{ b *sandbox.Bank }

func (u ukSandbox) user(x banks.User) banks.User { x.Bank = sandbox.Name; return x }
func (u ukSandbox) Accounts(ctx context.Context, x banks.User) ([]banks.Account, error) {
	return u.b.Accounts(ctx, u.user(x))
}
func (u ukSandbox) Balance(ctx context.Context, x banks.User, id string) (banks.Balance, error) {
	return u.b.Balance(ctx, u.user(x), id)
}
func (u ukSandbox) Transactions(ctx context.Context, x banks.User, f banks.TxFilter) ([]banks.Transaction, error) {
	return u.b.Transactions(ctx, u.user(x), f)
}
func (u ukSandbox) Payees(ctx context.Context, x banks.User) ([]banks.Payee, error) {
	return u.b.Payees(ctx, u.user(x))
}
func (u ukSandbox) Billers(ctx context.Context, x banks.User) ([]banks.Biller, error) {
	return u.b.Billers(ctx, u.user(x))
}
func (u ukSandbox) Pay(ctx context.Context, x banks.User, p banks.PaymentRequest) (banks.PaymentResult, error) {
	return u.b.Pay(ctx, u.user(x), p)
}

// withOliver authenticates sandbox tokens as the sandbox does and adds
// oliver at ukbank as the person's further bank, as account linking
// does for a grant of two banks.
type withOliver struct{ b *sandbox.Bank }

func (w withOliver) Authenticate(ctx context.Context, token string) (banks.User, error) {
	u, err := w.b.Authenticate(ctx, token)
	if err != nil {
		return u, err
	}
	u.Others = []banks.User{{Bank: "ukbank", Customer: "oliver", Locale: "en-GB"}}
	return u, nil
}

// twoBanks is the skill over a router of the sandbox (alice's bank) and
// a second sandbox as "UK Bank" (oliver's), for alice with both linked.
func twoBanks(t *testing.T) (*env, *banks.Router) {
	t.Helper()
	uk, err := sandbox.Open(filepath.Join(t.TempDir(), "uk.db"), []byte("uk-secret-0123456789"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { uk.Close() })
	d, err := sandbox.LoadData(fixtures.FS())
	if err != nil {
		t.Fatal(err)
	}
	if err := uk.Seed(context.Background(), d, sandbox.SeedOptions{Now: now}); err != nil {
		t.Fatal(err)
	}
	if err := rec.Warm(); err != nil {
		t.Fatal(err)
	}
	r := banks.NewRouter()
	var home *sandbox.Bank
	e := skilltest.NewEnv(t, skilltest.WithNow(now), skilltest.WithRecognizer(rec),
		skilltest.WithBank(func(sb *sandbox.Bank) banks.Connector {
			home = sb
			r.Add(sandbox.Name, sb)
			r.Add("ukbank", ukSandbox{uk})
			r.SetName(sandbox.Name, "Konto Sandbox Bank")
			r.SetName("ukbank", "UK Bank")
			return r
		}),
		skilltest.WithConfig(func(c *skill.Config) { c.Auth = withOliver{home} }))
	return &env{dir: e.Dir, bank: e.Bank, store: e.Store, sk: e.Skill}, r
}

func (e *env) asAlice(session, text string) *skill.Response {
	return e.sk.Handle(context.Background(), &skill.Request{Platform: "test", UserID: "u-alice", SessionID: session,
		Locale: "en-US", Text: text, AccessToken: e.bank.Token("alice")})
}

// "What's my total balance" over two banks: every account, named with
// its bank, and one sum per currency, never adding dollars to pounds.
func TestTotalBalanceOverTwoBanks(t *testing.T) {
	e, r := twoBanks(t)
	ctx := context.Background()
	u := banks.User{Bank: sandbox.Name, Customer: "alice", Others: []banks.User{{Bank: "ukbank", Customer: "oliver"}}}
	accts, err := r.Accounts(ctx, u)
	if err != nil {
		t.Fatal(err)
	}
	sums := map[string]int64{}
	for _, a := range accts {
		if a.Kind == banks.Checking || a.Kind == banks.Savings {
			b, err := r.Balance(ctx, u, a.ID)
			if err != nil {
				t.Fatal(err)
			}
			sums[a.Currency] += b.Booked.Minor
		}
	}
	if len(sums) != 2 {
		t.Fatalf("sums %v, want dollars and pounds", sums)
	}
	got := e.asAlice("s-total", "what's my total balance").Speech
	for _, want := range []string{"Everyday Checking at Konto Sandbox Bank", "Current Account at UK Bank"} {
		if !strings.Contains(got, want) {
			t.Errorf("speech lacks %q: %q", want, got)
		}
	}
	m := regexp.MustCompile(`In all, your checking and savings accounts hold \$([0-9,]+\.[0-9]{2}) and £([0-9,]+\.[0-9]{2})\.`).FindStringSubmatch(got)
	if m == nil {
		t.Fatalf("no total per currency in %q", got)
	}
	for i, cur := range []string{"USD", "GBP"} {
		if want := (banks.Money{Minor: sums[cur], Currency: cur}).Decimal(); strings.ReplaceAll(m[i+1], ",", "") != want {
			t.Errorf("total in %s: %s, want %s", cur, m[i+1], want)
		}
	}
}

// A transfer to "my savings" when both banks hold one asks which, naming
// the banks, and an answer naming a bank picks its account; the money
// then comes from an account at that bank.
func TestTransferAsksWhichBank(t *testing.T) {
	e, _ := twoBanks(t)
	e.asAlice("s-sandbox", "transfer 20 dollars to my savings") // her open fraud alert is asked first
	q := e.asAlice("s-sandbox", "yes that was me").Speech
	if want := "To which account: your High Yield Savings at Konto Sandbox Bank or your Easy Access Saver at UK Bank?"; !strings.HasSuffix(q, want) {
		t.Fatalf("question %q, want %q", q, want)
	}
	got := e.asAlice("s-sandbox", "the one at konto sandbox bank").Speech
	if want := "You want to send $20.00 to your High Yield Savings at Konto Sandbox Bank from your Everyday Checking at Konto Sandbox Bank"; !strings.HasPrefix(got, want) {
		t.Fatalf("after naming the sandbox: %q, want %q...", got, want)
	}

	e.asAlice("s-uk", "transfer 20 dollars to my savings")
	got = e.asAlice("s-uk", "UK Bank").Speech
	// From UK Bank's current account, in pounds.
	if want := "I can only send GBP from this account."; !strings.HasPrefix(got, want) {
		t.Fatalf("after naming UK Bank: %q, want %q", got, want)
	}

	// A saved payee is one bank's: only that bank's accounts are offered.
	got = e.asAlice("s-payee", "send 20 pounds to emily bennett").Speech
	if want := "From which account: your Current Account at UK Bank or your Easy Access Saver at UK Bank?"; got != want {
		t.Fatalf("paying UK Bank's payee: %q, want %q", got, want)
	}
}
