// Package sandbox is Konto's built-in bank: customers, accounts, cards and
// twelve months of realistic transactions kept in an embedded SQLite
// database and seeded deterministically from the fixtures. It is the
// default connector, so Konto runs with nothing configured.
package sandbox

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"database/sql"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/kontoskill/konto/banks"
	"github.com/kontoskill/konto/banks/sqlprep"
	_ "modernc.org/sqlite" // the database/sql driver "sqlite"
)

// Name is the bank name the sandbox puts into banks.User.
const Name = "sandbox"

// Bank is the sandbox bank.
type Bank struct {
	db     *sqlprep.DB
	secret []byte
	// Now is the bank's clock; time.Now if nil.
	Now func() time.Time

	sheets sync.Map // locale → banks.ProductSheet
}

func (b *Bank) now() time.Time {
	if b.Now != nil {
		return b.Now()
	}
	return time.Now()
}

var (
	_ banks.Connector       = (*Bank)(nil)
	_ banks.Authenticator   = (*Bank)(nil)
	_ banks.Cards           = (*Bank)(nil)
	_ banks.Recipients      = (*Bank)(nil)
	_ banks.Payments        = (*Bank)(nil)
	_ banks.CardControls    = (*Bank)(nil)
	_ banks.AccountControls = (*Bank)(nil)
	_ banks.Statements      = (*Bank)(nil)
	_ banks.Rewards         = (*Bank)(nil)
	_ banks.Fraud           = (*Bank)(nil)
	_ banks.AccountNumbers  = (*Bank)(nil)
	_ banks.Requests        = (*Bank)(nil)
	_ banks.Profile         = (*Bank)(nil)
	_ banks.Products        = (*Bank)(nil)
)

// DSN returns the database/sql data source name for a SQLite file with
// the pragmas every Konto database uses. Pragmas belong in the DSN so that
// every pooled connection gets them.
func DSN(path string) string {
	q := url.Values{}
	// busy_timeout first: switching a new file to WAL takes a lock that
	// another process opening it at the same moment must wait for.
	q.Add("_pragma", "busy_timeout(5000)")
	q.Add("_pragma", "foreign_keys(1)")
	q.Add("_pragma", "journal_mode(WAL)")
	q.Add("_pragma", "synchronous(NORMAL)")
	// Write transactions take the lock when they begin, so that two
	// requests with the same idempotency key run one after the other.
	q.Add("_txlock", "immediate")
	return "file:" + (&url.URL{Path: path}).EscapedPath() + "?" + q.Encode() // ("#" and "?" in a path are escaped)
}

// Open opens (creating if needed) the sandbox bank in the SQLite file at
// path. The secret derives the demo customers' access tokens and PINs;
// it must be kept private and stable for a data directory.
func Open(path string, secret []byte) (*Bank, error) {
	if len(secret) < 16 {
		return nil, errors.New("sandbox: secret must be at least 16 bytes")
	}
	db, err := sql.Open("sqlite", DSN(path))
	if err != nil {
		return nil, fmt.Errorf("sandbox: open: %w", err)
	}
	if _, err := db.Exec(schema); err != nil {
		db.Close()
		return nil, fmt.Errorf("sandbox: schema: %w", err)
	}
	return &Bank{db: sqlprep.New(db), secret: secret}, nil
}

// Close closes the database.
func (b *Bank) Close() error { return b.db.Close() }

const schema = `
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS customers (
	id TEXT PRIMARY KEY, name TEXT NOT NULL, locale TEXT NOT NULL, currency TEXT NOT NULL, demo INTEGER NOT NULL DEFAULT 0,
	credit_score TEXT NOT NULL DEFAULT '');
CREATE TABLE IF NOT EXISTS accounts (
	id TEXT PRIMARY KEY, customer_id TEXT NOT NULL REFERENCES customers(id) ON DELETE CASCADE,
	kind TEXT NOT NULL, name TEXT NOT NULL, last4 TEXT NOT NULL, currency TEXT NOT NULL,
	credit_limit INTEGER NOT NULL DEFAULT 0, booked INTEGER NOT NULL DEFAULT 0, pending INTEGER NOT NULL DEFAULT 0,
	status TEXT NOT NULL DEFAULT 'open', status_reason TEXT NOT NULL DEFAULT '', status_since INTEGER NOT NULL DEFAULT 0,
	number TEXT NOT NULL DEFAULT '', rewards INTEGER NOT NULL DEFAULT 0, position INTEGER NOT NULL DEFAULT 0);
CREATE INDEX IF NOT EXISTS accounts_customer ON accounts(customer_id);
-- Accounts lists a customer's accounts in order at every balance turn:
-- the index spares it a sort.
CREATE INDEX IF NOT EXISTS accounts_customer_position ON accounts(customer_id, position);
CREATE TABLE IF NOT EXISTS transactions (
	id INTEGER PRIMARY KEY, account_id TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
	customer_id TEXT NOT NULL, booked_at INTEGER NOT NULL, amount INTEGER NOT NULL,
	merchant TEXT NOT NULL, merchant_key TEXT NOT NULL, category TEXT NOT NULL,
	status TEXT NOT NULL, decline_reason TEXT NOT NULL DEFAULT '');
CREATE INDEX IF NOT EXISTS transactions_customer ON transactions(customer_id, booked_at);
CREATE INDEX IF NOT EXISTS transactions_account ON transactions(account_id, booked_at);
CREATE TABLE IF NOT EXISTS cards (
	id TEXT PRIMARY KEY, customer_id TEXT NOT NULL REFERENCES customers(id) ON DELETE CASCADE,
	account_id TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE, kind TEXT NOT NULL,
	last4 TEXT NOT NULL, expiry TEXT NOT NULL, locked INTEGER NOT NULL DEFAULT 0);
CREATE INDEX IF NOT EXISTS cards_customer ON cards(customer_id);
CREATE TABLE IF NOT EXISTS payees (
	id TEXT PRIMARY KEY, customer_id TEXT NOT NULL REFERENCES customers(id) ON DELETE CASCADE,
	name TEXT NOT NULL, last4 TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS payees_customer ON payees(customer_id);
CREATE TABLE IF NOT EXISTS billers (
	id TEXT PRIMARY KEY, customer_id TEXT NOT NULL REFERENCES customers(id) ON DELETE CASCADE,
	name TEXT NOT NULL, kind TEXT NOT NULL, last4 TEXT NOT NULL, amount INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS billers_customer ON billers(customer_id);
CREATE TABLE IF NOT EXISTS bills (
	id INTEGER PRIMARY KEY, biller_id TEXT NOT NULL REFERENCES billers(id) ON DELETE CASCADE, customer_id TEXT NOT NULL,
	amount INTEGER NOT NULL, due TEXT NOT NULL, paid INTEGER NOT NULL DEFAULT 0);
CREATE TABLE IF NOT EXISTS operations (
	key TEXT NOT NULL, customer_id TEXT NOT NULL, kind TEXT NOT NULL, result TEXT NOT NULL, created_at INTEGER NOT NULL,
	PRIMARY KEY (customer_id, key));
CREATE TABLE IF NOT EXISTS payments (
	reference TEXT PRIMARY KEY, customer_id TEXT NOT NULL, from_account TEXT NOT NULL, to_account TEXT NOT NULL DEFAULT '',
	payee_id TEXT NOT NULL DEFAULT '', biller_id TEXT NOT NULL DEFAULT '', amount INTEGER NOT NULL, day TEXT NOT NULL,
	status TEXT NOT NULL, created_at INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS alerts (
	id TEXT PRIMARY KEY, customer_id TEXT NOT NULL, tx_id INTEGER NOT NULL, card_id TEXT NOT NULL, status TEXT NOT NULL DEFAULT 'open',
	created_at INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS cases (
	reference TEXT PRIMARY KEY, customer_id TEXT NOT NULL, card_id TEXT NOT NULL, tx_id TEXT NOT NULL DEFAULT '', created_at INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS orders (
	reference TEXT PRIMARY KEY, customer_id TEXT NOT NULL, kind TEXT NOT NULL, item_id TEXT NOT NULL, arrives TEXT NOT NULL,
	created_at INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS tokens (
	hash BLOB PRIMARY KEY, customer_id TEXT NOT NULL REFERENCES customers(id) ON DELETE CASCADE,
	created_at INTEGER NOT NULL, expires_at INTEGER NOT NULL DEFAULT 0, revoked INTEGER NOT NULL DEFAULT 0);
`

// Token returns the access token of a customer: an HMAC of the customer id
// under the bank's secret, so it can be printed again at any time while
// only its hash is stored.
func (b *Bank) Token(customer string) string {
	m := hmac.New(sha256.New, b.secret)
	m.Write([]byte("sandbox-token\x00" + customer))
	return "ksbx_" + base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// PIN returns the demo voice PIN of a customer, derived like Token.
func (b *Bank) PIN(customer string) string {
	m := hmac.New(sha256.New, b.secret)
	m.Write([]byte("sandbox-pin\x00" + customer))
	return fmt.Sprintf("%04d", binary.BigEndian.Uint32(m.Sum(nil))%10000)
}

// Password returns the demo sign-in password of a customer at the
// sandbox's own authorisation pages (open banking, account linking),
// derived like Token: four words a person can type.
func (b *Bank) Password(customer string) string {
	m := hmac.New(sha256.New, b.secret)
	m.Write([]byte("sandbox-password\x00" + customer))
	sum := m.Sum(nil)
	words := []string{"amber", "birch", "cedar", "delta", "ember", "fjord", "grove", "harbor", "iris", "juniper", "kestrel", "lumen",
		"maple", "nectar", "orchid", "pebble", "quartz", "raven", "sierra", "tulip", "umber", "velvet", "willow", "yarrow"}
	out := make([]string, 4)
	for i := range out {
		out[i] = words[int(sum[i])%len(words)]
	}
	return strings.Join(out, "-")
}

// SignIn checks a demo customer's id (or first name) and password, as
// the sandbox's authorisation pages do. Errors: NotLinked for a wrong id
// or password.
func (b *Bank) SignIn(ctx context.Context, customer, password string) (banks.User, error) {
	c, err := b.FindCustomer(ctx, customer)
	if err != nil || !hmac.Equal([]byte(b.Password(c.ID)), []byte(password)) {
		return banks.User{}, banks.Errorf("sandbox.SignIn", banks.NotLinked, "wrong customer or password")
	}
	return banks.User{Bank: Name, Customer: c.ID, Locale: c.Locale}, nil
}

func tokenHash(token string) []byte {
	h := sha256.Sum256([]byte(token))
	return h[:]
}

// Authenticate implements banks.Authenticator. Errors: NotLinked.
func (b *Bank) Authenticate(ctx context.Context, token string) (banks.User, error) {
	const op = "sandbox.Authenticate"
	if token == "" {
		return banks.User{}, banks.E(op, banks.NotLinked, errors.New("no token"))
	}
	var u banks.User
	var expires int64
	var revoked bool
	err := b.db.QueryRowContext(ctx, `SELECT c.id, c.locale, t.expires_at, t.revoked FROM tokens t
		JOIN customers c ON c.id = t.customer_id WHERE t.hash = ?`, tokenHash(token)).
		Scan(&u.Customer, &u.Locale, &expires, &revoked)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return banks.User{}, banks.E(op, banks.NotLinked, errors.New("unknown token"))
	case err != nil:
		return banks.User{}, banks.E(op, banks.Unavailable, err)
	case revoked || (expires != 0 && b.now().Unix() >= expires):
		return banks.User{}, banks.E(op, banks.NotLinked, errors.New("token expired or revoked"))
	}
	u.Bank = Name
	return u, nil
}

// Customer is a customer as listed by Customers.
type Customer struct {
	ID, Name, Locale string
}

// Customers lists the bank's customers; demoOnly keeps the fixture ones.
func (b *Bank) Customers(ctx context.Context, demoOnly bool) ([]Customer, error) {
	q := `SELECT id, name, locale FROM customers`
	if demoOnly {
		q += ` WHERE demo = 1`
	}
	rows, err := b.db.QueryContext(ctx, q+` ORDER BY rowid`)
	if err != nil {
		return nil, banks.E("sandbox.Customers", banks.Unavailable, err)
	}
	defer rows.Close()
	var out []Customer
	for rows.Next() {
		var c Customer
		if err := rows.Scan(&c.ID, &c.Name, &c.Locale); err != nil {
			return nil, banks.E("sandbox.Customers", banks.Unavailable, err)
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// FindCustomer finds a customer by id or by a case-insensitive first name
// or full name. Errors: NotFound.
func (b *Bank) FindCustomer(ctx context.Context, name string) (Customer, error) {
	all, err := b.Customers(ctx, false)
	if err != nil {
		return Customer{}, err
	}
	for _, c := range all {
		first, _, _ := strings.Cut(c.Name, " ")
		if strings.EqualFold(c.ID, name) || strings.EqualFold(c.Name, name) || strings.EqualFold(first, name) {
			return c, nil
		}
	}
	return Customer{}, banks.Errorf("sandbox.FindCustomer", banks.NotFound, "no customer %q", name)
}

func (b *Bank) checkUser(u banks.User, op string) error {
	if u.Bank != Name || u.Customer == "" {
		return banks.E(op, banks.NotLinked, errors.New("user is not a sandbox customer"))
	}
	return nil
}

// Accounts implements banks.Connector.
func (b *Bank) Accounts(ctx context.Context, u banks.User) ([]banks.Account, error) {
	const op = "sandbox.Accounts"
	if err := b.checkUser(u, op); err != nil {
		return nil, err
	}
	rows, err := b.db.QueryContext(ctx, `SELECT id, kind, name, last4, currency, credit_limit
		FROM accounts WHERE customer_id = ? AND status != 'closed' ORDER BY position`, u.Customer)
	if err != nil {
		return nil, banks.E(op, banks.Unavailable, err)
	}
	defer rows.Close()
	var out []banks.Account
	for rows.Next() {
		var a banks.Account
		if err := rows.Scan(&a.ID, &a.Kind, &a.Name, &a.LastFour, &a.Currency, &a.CreditLimit.Minor); err != nil {
			return nil, banks.E(op, banks.Unavailable, err)
		}
		a.CreditLimit.Currency = a.Currency
		out = append(out, a)
	}
	if err := rows.Err(); err != nil {
		return nil, banks.E(op, banks.Unavailable, err)
	}
	return out, nil
}

// Balance implements banks.Connector.
func (b *Bank) Balance(ctx context.Context, u banks.User, accountID string) (banks.Balance, error) {
	const op = "sandbox.Balance"
	if err := b.checkUser(u, op); err != nil {
		return banks.Balance{}, err
	}
	var cur, kind string
	var booked, pending, limit int64
	err := b.db.QueryRowContext(ctx, `SELECT currency, kind, booked, pending, credit_limit FROM accounts
		WHERE id = ? AND customer_id = ?`, accountID, u.Customer).Scan(&cur, &kind, &booked, &pending, &limit)
	if errors.Is(err, sql.ErrNoRows) {
		return banks.Balance{}, banks.Errorf(op, banks.NotFound, "no account %q", accountID)
	}
	if err != nil {
		return banks.Balance{}, banks.E(op, banks.Unavailable, err)
	}
	return b.balance(accountID, cur, banks.AccountKind(kind), booked, pending, limit), nil
}

func (b *Bank) balance(accountID, cur string, kind banks.AccountKind, booked, pending, limit int64) banks.Balance {
	avail := booked + min(pending, 0) // pending debits reduce what can be spent; credits wait
	if kind == banks.CreditCard {
		avail = limit + avail
	}
	return banks.Balance{
		AccountID: accountID,
		Booked:    banks.Money{Minor: booked, Currency: cur},
		Available: banks.Money{Minor: avail, Currency: cur},
		AsOf:      b.now().UTC(),
	}
}

// AccountBalances is Accounts of one kind (all for "") with the Balance
// of each, in one read: the core's balance answer asks for it instead
// of a list and a read per account. Errors: as Accounts.
func (b *Bank) AccountBalances(ctx context.Context, u banks.User, kind banks.AccountKind) ([]banks.Account, []banks.Balance, error) {
	const op = "sandbox.AccountBalances"
	if err := b.checkUser(u, op); err != nil {
		return nil, nil, err
	}
	rows, err := b.db.QueryContext(ctx, `SELECT id, kind, name, last4, currency, credit_limit, booked, pending
		FROM accounts WHERE customer_id = ? AND status != 'closed' AND (? = '' OR kind = ?) ORDER BY position`, u.Customer, kind, kind)
	if err != nil {
		return nil, nil, banks.E(op, banks.Unavailable, err)
	}
	defer rows.Close()
	var accts []banks.Account
	var bals []banks.Balance
	for rows.Next() {
		var a banks.Account
		var booked, pending int64
		if err := rows.Scan(&a.ID, &a.Kind, &a.Name, &a.LastFour, &a.Currency, &a.CreditLimit.Minor, &booked, &pending); err != nil {
			return nil, nil, banks.E(op, banks.Unavailable, err)
		}
		a.CreditLimit.Currency = a.Currency
		accts = append(accts, a)
		bals = append(bals, b.balance(a.ID, a.Currency, a.Kind, booked, pending, a.CreditLimit.Minor))
	}
	if err := rows.Err(); err != nil {
		return nil, nil, banks.E(op, banks.Unavailable, err)
	}
	return accts, bals, nil
}

// Transactions implements banks.Connector.
func (b *Bank) Transactions(ctx context.Context, u banks.User, f banks.TxFilter) ([]banks.Transaction, error) {
	const op = "sandbox.Transactions"
	if err := b.checkUser(u, op); err != nil {
		return nil, err
	}
	if f.Limit < 0 || (!f.From.IsZero() && !f.To.IsZero() && f.To.Before(f.From)) {
		return nil, banks.Errorf(op, banks.Invalid, "bad filter")
	}
	q := strings.Builder{}
	q.WriteString(`SELECT t.id, t.account_id, t.booked_at, t.amount, a.currency, t.merchant, t.category, t.status, t.decline_reason
		FROM transactions t JOIN accounts a ON a.id = t.account_id WHERE t.customer_id = ?`)
	args := []any{u.Customer}
	if f.AccountID != "" {
		var n int
		if err := b.db.QueryRowContext(ctx, `SELECT count(*) FROM accounts WHERE id = ? AND customer_id = ?`,
			f.AccountID, u.Customer).Scan(&n); err != nil {
			return nil, banks.E(op, banks.Unavailable, err)
		}
		if n == 0 {
			return nil, banks.Errorf(op, banks.NotFound, "no account %q", f.AccountID)
		}
		q.WriteString(` AND t.account_id = ?`)
		args = append(args, f.AccountID)
	}
	if !f.From.IsZero() {
		q.WriteString(` AND t.booked_at >= ?`)
		args = append(args, f.From.Unix())
	}
	if !f.To.IsZero() {
		q.WriteString(` AND t.booked_at < ?`)
		args = append(args, f.To.Unix())
	}
	if f.Merchant != "" {
		q.WriteString(` AND t.merchant_key LIKE ? ESCAPE '\'`)
		args = append(args, "%"+likeEscape(MerchantKey(f.Merchant))+"%")
	}
	if f.Category != "" {
		q.WriteString(` AND t.category = ?`)
		args = append(args, f.Category)
	}
	statuses := f.Statuses
	if len(statuses) == 0 {
		statuses = []banks.TxStatus{banks.Booked, banks.Pending}
	}
	q.WriteString(` AND t.status IN (?` + strings.Repeat(",?", len(statuses)-1) + `)`)
	for _, s := range statuses {
		args = append(args, string(s))
	}
	q.WriteString(` ORDER BY t.booked_at DESC, t.id DESC`)
	if f.Limit > 0 {
		q.WriteString(` LIMIT ?`)
		args = append(args, f.Limit)
	}
	rows, err := b.db.QueryContext(ctx, q.String(), args...)
	if err != nil {
		return nil, banks.E(op, banks.Unavailable, err)
	}
	defer rows.Close()
	var out []banks.Transaction
	for rows.Next() {
		var t banks.Transaction
		var id, at int64
		if err := rows.Scan(&id, &t.AccountID, &at, &t.Amount.Minor, &t.Amount.Currency, &t.Merchant,
			&t.Category, &t.Status, &t.DeclineReason); err != nil {
			return nil, banks.E(op, banks.Unavailable, err)
		}
		t.ID = fmt.Sprintf("tx%d", id)
		t.Time = time.Unix(at, 0).UTC()
		out = append(out, t)
	}
	if err := rows.Err(); err != nil {
		return nil, banks.E(op, banks.Unavailable, err)
	}
	return out, nil
}

func likeEscape(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)
	return r.Replace(s)
}

// MerchantKey folds a merchant name for matching what a person says:
// lower case, letters and digits only, single spaces ("Trader Joe's" and
// "trader joes" match).
func MerchantKey(s string) string {
	var b strings.Builder
	space := false
	for _, r := range strings.ToLower(s) {
		switch {
		case r == '\'' || r == '’' || r == '.':
			continue
		case isAlnum(r):
			if space && b.Len() > 0 {
				b.WriteByte(' ')
			}
			space = false
			b.WriteRune(r)
		default:
			space = true
		}
	}
	return b.String()
}

func isAlnum(r rune) bool {
	return r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r > 127 && r != '€'
}

// Cards implements banks.Cards.
func (b *Bank) Cards(ctx context.Context, u banks.User) ([]banks.Card, error) {
	const op = "sandbox.Cards"
	if err := b.checkUser(u, op); err != nil {
		return nil, err
	}
	rows, err := b.db.QueryContext(ctx, `SELECT id, account_id, kind, last4, expiry, locked != 0 FROM cards
		WHERE customer_id = ? ORDER BY rowid`, u.Customer)
	if err != nil {
		return nil, banks.E(op, banks.Unavailable, err)
	}
	defer rows.Close()
	var out []banks.Card
	for rows.Next() {
		var c banks.Card
		var exp string
		if err := rows.Scan(&c.ID, &c.AccountID, &c.Kind, &c.LastFour, &exp, &c.Locked); err != nil {
			return nil, banks.E(op, banks.Unavailable, err)
		}
		c.Expiry, _ = time.Parse(time.DateOnly, exp)
		out = append(out, c)
	}
	return out, rows.Err()
}

// Payees implements banks.Recipients.
func (b *Bank) Payees(ctx context.Context, u banks.User) ([]banks.Payee, error) {
	const op = "sandbox.Payees"
	if err := b.checkUser(u, op); err != nil {
		return nil, err
	}
	rows, err := b.db.QueryContext(ctx, `SELECT id, name, last4 FROM payees WHERE customer_id = ? ORDER BY rowid`, u.Customer)
	if err != nil {
		return nil, banks.E(op, banks.Unavailable, err)
	}
	defer rows.Close()
	var out []banks.Payee
	for rows.Next() {
		var p banks.Payee
		if err := rows.Scan(&p.ID, &p.Name, &p.LastFour); err != nil {
			return nil, banks.E(op, banks.Unavailable, err)
		}
		out = append(out, p)
	}
	return out, rows.Err()
}

// Billers implements banks.Recipients.
func (b *Bank) Billers(ctx context.Context, u banks.User) ([]banks.Biller, error) {
	const op = "sandbox.Billers"
	if err := b.checkUser(u, op); err != nil {
		return nil, err
	}
	rows, err := b.db.QueryContext(ctx, `SELECT id, name, kind, last4 FROM billers WHERE customer_id = ? ORDER BY rowid`, u.Customer)
	if err != nil {
		return nil, banks.E(op, banks.Unavailable, err)
	}
	defer rows.Close()
	var out []banks.Biller
	for rows.Next() {
		var x banks.Biller
		if err := rows.Scan(&x.ID, &x.Name, &x.Kind, &x.LastFour); err != nil {
			return nil, banks.E(op, banks.Unavailable, err)
		}
		out = append(out, x)
	}
	return out, rows.Err()
}

var (
	_ banks.Revoker    = (*Bank)(nil)
	_ banks.Operations = (*Bank)(nil)
)

// RevokeAccess implements banks.Revoker: every token of the customer
// stops working until IssueToken links them again.
func (b *Bank) RevokeAccess(ctx context.Context, u banks.User) error {
	if _, err := b.db.ExecContext(ctx, `UPDATE tokens SET revoked = 1 WHERE customer_id = ?`, u.Customer); err != nil {
		return banks.E("sandbox.RevokeAccess", banks.Unavailable, err)
	}
	return nil
}

// IssueToken is the sandbox's account linking: it makes the customer's
// access token valid (again, after a revocation) and returns it.
// Errors: NotFound, Unavailable.
func (b *Bank) IssueToken(ctx context.Context, customer string) (string, error) {
	const op = "sandbox.IssueToken"
	tok := b.Token(customer)
	res, err := b.db.ExecContext(ctx, `INSERT INTO tokens(hash, customer_id, created_at)
		SELECT ?, id, ? FROM customers WHERE id = ?
		ON CONFLICT (hash) DO UPDATE SET revoked = 0`, tokenHash(tok), b.now().Unix(), customer)
	if err != nil {
		return "", banks.E(op, banks.Unavailable, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return "", banks.Errorf(op, banks.NotFound, "no customer %q", customer)
	}
	return tok, nil
}

// Operation implements banks.Operations.
func (b *Bank) Operation(ctx context.Context, u banks.User, key string) (banks.Operation, error) {
	var kind, result string
	err := b.db.QueryRowContext(ctx, `SELECT kind, result FROM operations WHERE customer_id = ? AND key = ?`, u.Customer, key).Scan(&kind, &result)
	if errors.Is(err, sql.ErrNoRows) {
		return banks.Operation{}, nil
	}
	if err != nil {
		return banks.Operation{}, banks.E("sandbox.Operation", banks.Unavailable, err)
	}
	op := banks.Operation{Applied: true}
	if kind == "pay" {
		var res banks.PaymentResult
		if json.Unmarshal([]byte(result), &res) == nil {
			op.Scheduled, op.Reference = res.Scheduled, res.Reference
		}
	}
	return op, nil
}
