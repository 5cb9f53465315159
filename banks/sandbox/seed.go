package sandbox

import (
	"context"
	"database/sql"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"sort"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/kontoskill/konto/banks"
)

// customerSpec is one customer of fixtures/sandbox/customers.yaml.
type customerSpec struct {
	ID     string `yaml:"id"`
	Name   string `yaml:"name"`
	Locale string `yaml:"locale"`
	Seed   uint64 `yaml:"seed"`
	Salary struct {
		Employer string `yaml:"employer"`
		Amount   string `yaml:"amount"`
		Day      int    `yaml:"day"`
	} `yaml:"salary"`
	Rent struct {
		Payee  string `yaml:"payee"`
		Amount string `yaml:"amount"`
		Day    int    `yaml:"day"`
	} `yaml:"rent"`
	CreditScore string `yaml:"credit_score"` // "fico:742", "schufa:97.8"
	// Alert is a suspicious card charge raised at seeding.
	Alert *struct {
		Merchant string `yaml:"merchant"`
		Amount   string `yaml:"amount"`
		DaysAgo  int    `yaml:"days_ago"`
	} `yaml:"alert"`
	// Frozen blocks one account with a reason.
	Frozen *struct {
		Account banks.AccountKind `yaml:"account"`
		Reason  string            `yaml:"reason"`
	} `yaml:"frozen"`
	Accounts []accountSpec `yaml:"accounts"`
	Cards    []cardSpec    `yaml:"cards"`
	Payees   []payeeSpec   `yaml:"payees"`
	Billers  []billerSpec  `yaml:"billers"`
}

type accountSpec struct {
	Kind           banks.AccountKind `yaml:"kind"`
	Name           string            `yaml:"name"`
	Last4          string            `yaml:"last4"`
	Opening        string            `yaml:"opening"`
	Limit          string            `yaml:"limit"`
	MonthlySaving  string            `yaml:"monthly_saving"`
	MonthlyPayment string            `yaml:"monthly_payment"`
}

type cardSpec struct {
	Kind    banks.CardKind    `yaml:"kind"`
	Account banks.AccountKind `yaml:"account"`
	Last4   string            `yaml:"last4"`
	Expiry  string            `yaml:"expiry"` // YYYY-MM
}

type payeeSpec struct {
	Name  string `yaml:"name"`
	Last4 string `yaml:"last4"`
}

type billerSpec struct {
	Name   string `yaml:"name"`
	Kind   string `yaml:"kind"`
	Last4  string `yaml:"last4"`
	Amount string `yaml:"amount"`
}

// merchantSpec is one category of fixtures/sandbox/merchants.yaml.
type merchantSpec struct {
	PerMonth float64  `yaml:"per_month"`
	PerYear  float64  `yaml:"per_year"`
	Min      string   `yaml:"min"`
	Max      string   `yaml:"max"`
	Card     string   `yaml:"card"`
	Round    bool     `yaml:"round"`
	Monthly  bool     `yaml:"monthly"`
	Names    []string `yaml:"names"`
	Fixed    []struct {
		Name   string `yaml:"name"`
		Amount string `yaml:"amount"`
	} `yaml:"fixed"`
}

type catalog map[string]map[string]merchantSpec // locale → category → spec

// Data is the seed material read from a fixtures tree.
type Data struct {
	customers []customerSpec
	merchants catalog
}

// LoadData reads customers.yaml and merchants.yaml from fsys (the
// fixtures tree, whose sandbox/ folder holds them).
func LoadData(fsys fs.FS) (*Data, error) {
	var d Data
	var cs struct {
		Customers []customerSpec `yaml:"customers"`
	}
	if err := readYAML(fsys, "sandbox/customers.yaml", &cs); err != nil {
		return nil, err
	}
	d.customers = cs.Customers
	if err := readYAML(fsys, "sandbox/merchants.yaml", &d.merchants); err != nil {
		return nil, err
	}
	for _, c := range d.customers {
		if _, ok := d.merchants[c.Locale]; !ok {
			return nil, fmt.Errorf("sandbox: customer %s: no merchants for locale %s", c.ID, c.Locale)
		}
	}
	return &d, nil
}

func readYAML(fsys fs.FS, name string, v any) error {
	b, err := fs.ReadFile(fsys, name)
	if err != nil {
		return fmt.Errorf("sandbox: %w", err)
	}
	if err := yaml.Unmarshal(b, v); err != nil {
		return fmt.Errorf("sandbox: %s: %w", name, err)
	}
	return nil
}

// Seeded reports whether the bank already holds customers.
func (b *Bank) Seeded(ctx context.Context) (bool, error) {
	var n int
	err := b.db.QueryRowContext(ctx, `SELECT count(*) FROM customers`).Scan(&n)
	return n > 0, err
}

// SeedOptions says what to seed.
type SeedOptions struct {
	// Now is the last day of generated history (the day of seeding).
	Now time.Time
	// Months of history; 12 if zero.
	Months int
	// Synthetic adds this many generated customers after the demo ones.
	Synthetic int
}

// Seed replaces the bank's content with the demo customers of d, plus
// opt.Synthetic generated ones, in one database transaction. The result
// depends only on d, opt and the secret.
func (b *Bank) Seed(ctx context.Context, d *Data, opt SeedOptions) error {
	if opt.Months <= 0 {
		opt.Months = 12
	}
	if opt.Now.IsZero() {
		opt.Now = time.Now()
	}
	tx, err := b.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("sandbox: seed: %w", err)
	}
	defer tx.Rollback()
	for _, t := range []string{"tokens", "alerts", "cases", "orders", "payments", "operations", "bills", "transactions", "cards", "payees", "billers", "accounts", "customers", "meta"} {
		if _, err := tx.ExecContext(ctx, "DELETE FROM "+t); err != nil {
			return fmt.Errorf("sandbox: seed: %w", err)
		}
	}
	w, err := newWriter(ctx, tx)
	if err != nil {
		return err
	}
	for _, c := range d.customers {
		if err := b.seedCustomer(w, c, d.merchants[c.Locale], opt, true); err != nil {
			return err
		}
	}
	for i := range opt.Synthetic {
		c := syntheticCustomer(i)
		if err := b.seedCustomer(w, c, d.merchants[c.Locale], opt, false); err != nil {
			return err
		}
	}
	if err := w.flush(); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO meta(key, value) VALUES ('seeded_at', ?)`,
		opt.Now.UTC().Format(time.RFC3339)); err != nil {
		return fmt.Errorf("sandbox: seed: %w", err)
	}
	return tx.Commit()
}

// writer batches transaction rows into multi-row INSERTs, which is what
// makes seeding ten thousand customers take seconds rather than minutes.
type writer struct {
	ctx  context.Context
	tx   *sql.Tx
	rows []any
	n    int
}

const txBatch = 400

func newWriter(ctx context.Context, tx *sql.Tx) (*writer, error) {
	return &writer{ctx: ctx, tx: tx}, nil
}

func (w *writer) exec(q string, args ...any) error {
	if _, err := w.tx.ExecContext(w.ctx, q, args...); err != nil {
		return fmt.Errorf("sandbox: seed: %w", err)
	}
	return nil
}

func (w *writer) addTx(accountID, customer string, at time.Time, amount int64, merchant, category string, status banks.TxStatus, reason string) error {
	w.rows = append(w.rows, accountID, customer, at.Unix(), amount, merchant, MerchantKey(merchant), category, string(status), reason)
	w.n++
	if w.n >= txBatch {
		return w.flush()
	}
	return nil
}

func (w *writer) flush() error {
	if w.n == 0 {
		return nil
	}
	q := `INSERT INTO transactions(account_id, customer_id, booked_at, amount, merchant, merchant_key, category, status, decline_reason) VALUES ` +
		strings.TrimSuffix(strings.Repeat("(?,?,?,?,?,?,?,?,?),", w.n), ",")
	err := w.exec(q, w.rows...)
	w.rows, w.n = w.rows[:0], 0
	return err
}

func must(s, cur string) int64 {
	if s == "" {
		return 0
	}
	m, err := banks.ParseMoney(s, cur)
	if err != nil {
		panic(fmt.Sprintf("sandbox: fixture amount %q: %v", s, err))
	}
	return m.Minor
}

func currencyOf(locale string) string { return banks.CurrencyOf(locale) }

// event is one generated movement before it is written.
type event struct {
	at       time.Time
	account  banks.AccountKind
	amount   int64
	merchant string
	category string
	status   banks.TxStatus
	reason   string
}

var declineReasons = []string{"insufficient_funds", "suspected_fraud", "over_limit", "incorrect_pin"}

func (b *Bank) seedCustomer(w *writer, c customerSpec, merchants map[string]merchantSpec, opt SeedOptions, demo bool) error {
	cur := currencyOf(c.Locale)
	rng := rand.New(rand.NewPCG(c.Seed, 0x6b6f6e746f))
	if err := w.exec(`INSERT INTO customers(id, name, locale, currency, demo, credit_score) VALUES (?,?,?,?,?,?)`,
		c.ID, c.Name, c.Locale, cur, demo, c.CreditScore); err != nil {
		return err
	}
	if err := w.exec(`INSERT INTO tokens(hash, customer_id, created_at) VALUES (?,?,?)`,
		tokenHash(b.Token(c.ID)), c.ID, opt.Now.Unix()); err != nil {
		return err
	}
	accID := map[banks.AccountKind]string{}
	balance := map[banks.AccountKind]int64{}
	pending := map[banks.AccountKind]int64{}
	saving, loanPay := int64(0), int64(0)
	for i, a := range c.Accounts {
		id := c.ID + "-" + string(a.Kind)
		accID[a.Kind] = id
		balance[a.Kind] = must(a.Opening, cur)
		saving += must(a.MonthlySaving, cur)
		loanPay += must(a.MonthlyPayment, cur)
		if err := w.exec(`INSERT INTO accounts(id, customer_id, kind, name, last4, currency, credit_limit, position, number)
			VALUES (?,?,?,?,?,?,?,?,?)`, id, c.ID, a.Kind, a.Name, a.Last4, cur, must(a.Limit, cur), i, accountNumber(c, a, i)); err != nil {
			return err
		}
	}
	for i, k := range c.Cards {
		exp, err := time.Parse("2006-01", k.Expiry)
		if err != nil {
			return fmt.Errorf("sandbox: customer %s card expiry: %w", c.ID, err)
		}
		last := exp.AddDate(0, 1, -1).Format(time.DateOnly)
		if err := w.exec(`INSERT INTO cards(id, customer_id, account_id, kind, last4, expiry) VALUES (?,?,?,?,?,?)`,
			fmt.Sprintf("%s-card%d", c.ID, i+1), c.ID, accID[k.Account], k.Kind, k.Last4, last); err != nil {
			return err
		}
	}
	for i, p := range c.Payees {
		if err := w.exec(`INSERT INTO payees(id, customer_id, name, last4) VALUES (?,?,?,?)`,
			fmt.Sprintf("%s-payee%d", c.ID, i+1), c.ID, p.Name, p.Last4); err != nil {
			return err
		}
	}
	today := time.Date(opt.Now.Year(), opt.Now.Month(), opt.Now.Day(), 0, 0, 0, 0, time.UTC)
	for i, x := range c.Billers {
		id := fmt.Sprintf("%s-biller%d", c.ID, i+1)
		if err := w.exec(`INSERT INTO billers(id, customer_id, name, kind, last4, amount) VALUES (?,?,?,?,?,?)`,
			id, c.ID, x.Name, x.Kind, x.Last4, must(x.Amount, cur)); err != nil {
			return err
		}
		// The latest bill falls due on the biller's day of the month after today.
		due := dayIn(today.Year(), today.Month(), 10+3*i)
		if !due.After(today) {
			due = dayIn(today.Year(), today.Month()+1, 10+3*i)
		}
		if err := w.exec(`INSERT INTO bills(biller_id, customer_id, amount, due) VALUES (?,?,?,?)`,
			id, c.ID, must(x.Amount, cur), due.Format(time.DateOnly)); err != nil {
			return err
		}
	}

	evs := generate(rng, c, merchants, cur, opt, accID, saving, loanPay)
	for _, e := range evs {
		id, ok := accID[e.account]
		if !ok {
			continue
		}
		if err := w.addTx(id, c.ID, e.at, e.amount, e.merchant, e.category, e.status, e.reason); err != nil {
			return err
		}
		switch e.status {
		case banks.Booked:
			balance[e.account] += e.amount
		case banks.Pending:
			pending[e.account] += e.amount
		}
	}
	rewards := int64(0)
	for _, e := range evs {
		if e.account == banks.CreditCard && e.status == banks.Booked && e.amount < 0 {
			rewards += -e.amount / 100 // a point per whole unit spent
		}
	}
	for k, id := range accID {
		pts := int64(0)
		if k == banks.CreditCard {
			pts = rewards
		}
		if err := w.exec(`UPDATE accounts SET booked = ?, pending = ?, rewards = ? WHERE id = ?`, balance[k], pending[k], pts, id); err != nil {
			return err
		}
	}
	if c.Frozen != nil {
		if err := w.exec(`UPDATE accounts SET status = 'frozen', status_reason = ?, status_since = ? WHERE id = ?`,
			c.Frozen.Reason, today.AddDate(0, 0, -4).Unix(), accID[c.Frozen.Account]); err != nil {
			return err
		}
	}
	if c.Alert != nil {
		if err := w.flush(); err != nil {
			return err
		}
		at := today.AddDate(0, 0, -c.Alert.DaysAgo).Add(19*time.Hour + 42*time.Minute)
		amt := must(c.Alert.Amount, cur)
		res, err := w.tx.ExecContext(w.ctx, `INSERT INTO transactions(account_id, customer_id, booked_at, amount, merchant, merchant_key, category, status)
			VALUES (?,?,?,?,?,?, 'shopping', 'booked')`, accID[banks.CreditCard], c.ID, at.Unix(), -amt, c.Alert.Merchant, MerchantKey(c.Alert.Merchant))
		if err != nil {
			return fmt.Errorf("sandbox: seed alert: %w", err)
		}
		txID, _ := res.LastInsertId()
		if err := w.exec(`UPDATE accounts SET booked = booked - ? WHERE id = ?`, amt, accID[banks.CreditCard]); err != nil {
			return err
		}
		if err := w.exec(`INSERT INTO alerts(id, customer_id, tx_id, card_id, created_at) VALUES (?,?,?,?,?)`,
			c.ID+"-alert1", c.ID, txID, c.ID+"-card2", at.Unix()); err != nil {
			return err
		}
	}
	return nil
}

// accountNumber makes a stable account number: ten digits ending in the
// last four in the US, eight in the UK (the sort code is the bank's), a
// valid German IBAN (mod-97 check digits) in Germany.
func accountNumber(c customerSpec, a accountSpec, i int) string {
	body := fmt.Sprintf("%06d%s", (c.Seed*7919+uint64(i)*104729)%1000000, a.Last4)
	if strings.HasSuffix(c.Locale, "-GB") {
		return body[2:]
	}
	if !strings.HasPrefix(c.Locale, "de") {
		return body
	}
	bban := "50010517" + body // a bank code and the ten-digit account number
	// Check digits: move "DE00" to the end as digits (D=13, E=14) and take 98 - n mod 97.
	num := bban + "131400"
	rem := 0
	for _, r := range num {
		rem = (rem*10 + int(r-'0')) % 97
	}
	return fmt.Sprintf("DE%02d%s", 98-rem, bban)
}

func dayIn(y int, m time.Month, d int) time.Time {
	last := time.Date(y, m+1, 0, 0, 0, 0, 0, time.UTC).Day()
	return time.Date(y, m, min(max(d, 1), last), 0, 0, 0, 0, time.UTC)
}

func randAmount(rng *rand.Rand, lo, hi int64, round bool) int64 {
	v := lo + rng.Int64N(hi-lo+1)
	if round {
		v = v / 1000 * 1000
		if v < lo {
			v = lo
		}
	}
	return v
}

// generate builds a customer's history: pay, rent, bills, savings and loan
// transfers, card purchases from the merchant catalog, card repayments,
// a few declined purchases and the last two days' card purchases pending.
func generate(rng *rand.Rand, c customerSpec, merchants map[string]merchantSpec, cur string, opt SeedOptions,
	accID map[banks.AccountKind]string, saving, loanPay int64) []event {
	end := time.Date(opt.Now.Year(), opt.Now.Month(), opt.Now.Day(), 0, 0, 0, 0, time.UTC)
	start := end.AddDate(0, -opt.Months, 1)
	at := func(d time.Time) time.Time {
		return d.Add(time.Duration(8*60+rng.IntN(13*60)) * time.Minute)
	}
	var evs []event
	hasCredit := accID[banks.CreditCard] != ""
	cardAccount := func(kind string) banks.AccountKind {
		if kind == "credit" && hasCredit {
			return banks.CreditCard
		}
		return banks.Checking
	}
	salary, rent := must(c.Salary.Amount, cur), must(c.Rent.Amount, cur)
	cats := make([]string, 0, len(merchants))
	for k := range merchants {
		cats = append(cats, k)
	}
	sort.Strings(cats) // map order must not leak into the random stream
	for d := start; !d.After(end); d = d.AddDate(0, 0, 1) {
		y, m, _ := d.Date()
		is := func(want int) bool { return dayIn(y, m, want).Equal(d) }
		if salary > 0 && is(c.Salary.Day) {
			evs = append(evs, event{at(d), banks.Checking, salary, c.Salary.Employer, "income", banks.Booked, ""})
		}
		if rent > 0 && is(c.Rent.Day) {
			evs = append(evs, event{at(d), banks.Checking, -rent, c.Rent.Payee, "rent", banks.Booked, ""})
		}
		for i, x := range c.Billers {
			if is(10 + 3*i) {
				amt := must(x.Amount, cur)
				if x.Kind == "electricity" || x.Kind == "gas" || x.Kind == "water" {
					amt = amt * int64(85+rng.IntN(31)) / 100
				}
				cat := "utilities"
				if x.Kind == "insurance" {
					cat = "other"
				}
				evs = append(evs, event{at(d), banks.Checking, -amt, x.Name, cat, banks.Booked, ""})
			}
		}
		if saving > 0 && is(c.Salary.Day+1) {
			evs = append(evs,
				event{at(d), banks.Checking, -saving, transferName(c.Locale, "to_savings"), "transfers", banks.Booked, ""},
				event{at(d), banks.Savings, saving, transferName(c.Locale, "from_checking"), "transfers", banks.Booked, ""})
		}
		if loanPay > 0 && is(20) {
			evs = append(evs,
				event{at(d), banks.Checking, -loanPay, transferName(c.Locale, "loan_payment"), "transfers", banks.Booked, ""},
				event{at(d), banks.Loan, loanPay, transferName(c.Locale, "loan_payment"), "transfers", banks.Booked, ""})
		}
		if is(28) && accID[banks.Savings] != "" {
			// Interest is paid monthly at a flat demo rate.
			evs = append(evs, event{at(d), banks.Savings, int64(120 + rng.IntN(900)), transferName(c.Locale, "interest"), "income", banks.Booked, ""})
		}
		for _, cat := range cats {
			ms := merchants[cat]
			if ms.Monthly {
				for i, f := range ms.Fixed {
					if is(5 + 6*i) {
						evs = append(evs, event{at(d), cardAccount(ms.Card), -must(f.Amount, cur), f.Name, cat, banks.Booked, ""})
					}
				}
				continue
			}
			p := ms.PerMonth / 30.4
			if ms.PerYear > 0 {
				p = ms.PerYear / 365
			}
			if rng.Float64() >= p {
				continue
			}
			name := ms.Names[rng.IntN(len(ms.Names))]
			amt := randAmount(rng, must(ms.Min, cur), must(ms.Max, cur), ms.Round)
			e := event{at(d), cardAccount(ms.Card), -amt, name, cat, banks.Booked, ""}
			if rng.IntN(60) == 0 {
				e.status = banks.Declined
				e.reason = declineReasons[rng.IntN(len(declineReasons))]
			}
			evs = append(evs, e)
		}
	}
	sort.SliceStable(evs, func(i, j int) bool { return evs[i].at.Before(evs[j].at) })
	// The last two days' card purchases have not settled yet.
	for i := range evs {
		e := &evs[i]
		if e.status == banks.Booked && !e.at.Before(end.AddDate(0, 0, -1)) && e.amount < 0 && isCardCategory(e.category) {
			e.status = banks.Pending
		}
	}
	if hasCredit {
		evs = cardRepayments(evs, c.Locale, end)
	}
	return evs
}

func isCardCategory(cat string) bool {
	switch cat {
	case "income", "rent", "utilities", "transfers", "other":
		return false
	}
	return true
}

// cardRepayments adds, on the 5th of each month, a payment of the previous
// month's credit card statement from checking.
func cardRepayments(evs []event, locale string, end time.Time) []event {
	owed := int64(0)
	var out []event
	i := 0
	for d := firstOfMonth(evs[0].at).AddDate(0, 1, 0); ; d = d.AddDate(0, 1, 0) {
		pay := d.AddDate(0, 0, 4).Add(9 * time.Hour)
		for ; i < len(evs) && evs[i].at.Before(d); i++ {
			if evs[i].account == banks.CreditCard && evs[i].status == banks.Booked {
				owed += evs[i].amount
			}
			out = append(out, evs[i])
		}
		if pay.After(end) {
			break
		}
		if owed < 0 {
			amt := -owed
			out = append(out,
				event{pay, banks.Checking, -amt, transferName(locale, "card_payment"), "transfers", banks.Booked, ""},
				event{pay, banks.CreditCard, amt, transferName(locale, "card_payment"), "transfers", banks.Booked, ""})
			owed = 0
		}
	}
	out = append(out, evs[i:]...)
	sort.SliceStable(out, func(a, b int) bool { return out[a].at.Before(out[b].at) })
	return out
}

func firstOfMonth(t time.Time) time.Time {
	return time.Date(t.Year(), t.Month(), 1, 0, 0, 0, 0, time.UTC)
}

func transferName(locale, what string) string {
	de := strings.HasPrefix(locale, "de")
	names := map[string][2]string{
		"to_savings":    {"Transfer to savings", "Umbuchung auf Sparkonto"},
		"from_checking": {"Transfer from checking", "Umbuchung vom Girokonto"},
		"loan_payment":  {"Loan payment", "Kreditrate"},
		"interest":      {"Interest payment", "Zinsgutschrift"},
		"card_payment":  {"Credit card payment", "Kreditkartenabrechnung"},
	}
	if de {
		return names[what][1]
	}
	return names[what][0]
}

var firstNames = map[string][]string{
	"en-US": {"James", "Mary", "Robert", "Patricia", "Michael", "Jennifer", "David", "Linda", "Daniel", "Emily"},
	"de-DE": {"Lukas", "Anna", "Felix", "Marie", "Paul", "Sophie", "Leon", "Emma", "Jonas", "Mia"},
}
var lastNames = map[string][]string{
	"en-US": {"Smith", "Brown", "Davis", "Miller", "Wilson", "Moore", "Taylor", "Clark", "Lewis", "Walker"},
	"de-DE": {"Müller", "Schmidt", "Schneider", "Fischer", "Weber", "Meyer", "Wagner", "Becker", "Hoffmann", "Koch"},
}

// syntheticCustomer builds the i-th generated customer for load tests;
// even ones are en-US, odd ones de-DE.
func syntheticCustomer(i int) customerSpec {
	loc := "en-US"
	if i%2 == 1 {
		loc = "de-DE"
	}
	r := rand.New(rand.NewPCG(uint64(i), 0x73796e7468))
	cur := currencyOf(loc)
	money := func(lo, hi int) string {
		return banks.Money{Minor: int64(lo+r.IntN(hi-lo)) * 100, Currency: cur}.Decimal()
	}
	digits := func() string { return fmt.Sprintf("%04d", r.IntN(10000)) }
	var c customerSpec
	c.ID = fmt.Sprintf("s%06d", i)
	c.Name = firstNames[loc][r.IntN(10)] + " " + lastNames[loc][r.IntN(10)]
	c.Locale = loc
	c.Seed = uint64(i)*7919 + 1
	c.Salary.Employer, c.Salary.Amount, c.Salary.Day = "Payroll", money(2400, 7000), 1+r.IntN(28)
	c.Rent.Payee, c.Rent.Amount, c.Rent.Day = "Landlord", money(700, 1900), 1
	c.Accounts = []accountSpec{
		{Kind: banks.Checking, Name: "Checking", Last4: digits(), Opening: money(1500, 6000)},
		{Kind: banks.Savings, Name: "Savings", Last4: digits(), Opening: money(1000, 30000), MonthlySaving: money(50, 400)},
		{Kind: banks.CreditCard, Name: "Credit Card", Last4: digits(), Limit: money(2000, 10000)},
	}
	exp := fmt.Sprintf("%d-%02d", 2027+r.IntN(3), 1+r.IntN(12))
	c.Cards = []cardSpec{
		{Kind: banks.Debit, Account: banks.Checking, Last4: digits(), Expiry: exp},
		{Kind: banks.Credit, Account: banks.CreditCard, Last4: c.Accounts[2].Last4, Expiry: exp},
	}
	c.Payees = []payeeSpec{{Name: firstNames[loc][r.IntN(10)] + " " + lastNames[loc][r.IntN(10)], Last4: digits()}}
	c.Billers = []billerSpec{{Name: "Power Company", Kind: "electricity", Last4: digits(), Amount: money(40, 120)}}
	return c
}
