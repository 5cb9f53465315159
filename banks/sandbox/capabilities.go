package sandbox

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/kontoskill/konto/banks"
	"github.com/kontoskill/konto/fixtures"
)

// once runs fn in a write transaction unless the idempotency key was used
// before, in which case it returns the stored result. The key, the effect
// and the stored result commit together.
func (b *Bank) once(ctx context.Context, op string, u banks.User, key, kind string, out any, fn func(tx *sql.Tx) (any, error)) error {
	if key == "" {
		return banks.Errorf(op, banks.Invalid, "an idempotency key is required")
	}
	tx, err := b.db.BeginTx(ctx, nil)
	if err != nil {
		return banks.E(op, banks.Unavailable, err)
	}
	defer tx.Rollback()
	var stored, storedKind string
	err = tx.QueryRowContext(ctx, `SELECT result, kind FROM operations WHERE customer_id = ? AND key = ?`, u.Customer, key).Scan(&stored, &storedKind)
	if err == nil {
		if storedKind != kind {
			return banks.Errorf(op, banks.Invalid, "idempotency key reused for another operation")
		}
		return json.Unmarshal([]byte(stored), out)
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return banks.E(op, banks.Unavailable, err)
	}
	res, err := fn(tx)
	if err != nil {
		return err
	}
	js, _ := json.Marshal(res)
	if _, err := tx.ExecContext(ctx, `INSERT INTO operations(key, customer_id, kind, result, created_at) VALUES (?,?,?,?,?)`,
		key, u.Customer, kind, string(js), b.now().Unix()); err != nil {
		return banks.E(op, banks.Unavailable, err)
	}
	if err := tx.Commit(); err != nil {
		return banks.E(op, banks.Unavailable, err)
	}
	return json.Unmarshal(js, out)
}

func reference(prefix string) string {
	const alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
	b := make([]byte, 6)
	rand.Read(b)
	for i := range b {
		b[i] = alphabet[int(b[i])%len(alphabet)]
	}
	return prefix + string(b)
}

type acct struct {
	id, kind, name, currency, status string
	booked, pending, limit           int64
}

func (b *Bank) account(ctx context.Context, q interface {
	QueryRowContext(context.Context, string, ...any) *sql.Row
}, op string, u banks.User, id string) (acct, error) {
	var a acct
	err := q.QueryRowContext(ctx, `SELECT id, kind, name, currency, status, booked, pending, credit_limit FROM accounts
		WHERE id = ? AND customer_id = ?`, id, u.Customer).Scan(&a.id, &a.kind, &a.name, &a.currency, &a.status, &a.booked, &a.pending, &a.limit)
	if errors.Is(err, sql.ErrNoRows) {
		return a, banks.Errorf(op, banks.NotFound, "no account %q", id)
	}
	if err != nil {
		return a, banks.E(op, banks.Unavailable, err)
	}
	return a, nil
}

func day(t time.Time) time.Time { return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC) }

// Pay implements banks.Payments.
func (b *Bank) Pay(ctx context.Context, u banks.User, p banks.PaymentRequest) (banks.PaymentResult, error) {
	const op = "sandbox.Pay"
	if err := b.checkUser(u, op); err != nil {
		return banks.PaymentResult{}, err
	}
	targets := 0
	for _, s := range []string{p.ToAccountID, p.PayeeID, p.BillerID} {
		if s != "" {
			targets++
		}
	}
	if p.Amount.Minor <= 0 || targets != 1 {
		return banks.PaymentResult{}, banks.Errorf(op, banks.Invalid, "bad payment")
	}
	var res banks.PaymentResult
	err := b.once(ctx, op, u, p.Key, "pay", &res, func(tx *sql.Tx) (any, error) {
		now := b.now()
		from, err := b.account(ctx, tx, op, u, p.FromAccountID)
		if err != nil {
			return nil, err
		}
		if from.currency != p.Amount.Currency {
			return nil, banks.Errorf(op, banks.Invalid, "currency %s on a %s account", p.Amount.Currency, from.currency)
		}
		switch from.status {
		case "frozen":
			return nil, banks.Refuse(op, "account_frozen")
		case "closed":
			return nil, banks.Refuse(op, "account_closed")
		}
		if from.kind != string(banks.Checking) && from.kind != string(banks.Savings) {
			return nil, banks.Refuse(op, "not_allowed")
		}
		var toName, toMerchant, toCategory string
		var to acct
		switch {
		case p.ToAccountID != "":
			if p.ToAccountID == p.FromAccountID {
				return nil, banks.Refuse(op, "same_account")
			}
			if to, err = b.account(ctx, tx, op, u, p.ToAccountID); err != nil {
				return nil, err
			}
			if to.status != "open" {
				return nil, banks.Refuse(op, "account_"+to.status)
			}
			toName, toCategory = to.name, "transfers"
		case p.PayeeID != "":
			err = tx.QueryRowContext(ctx, `SELECT name FROM payees WHERE id = ? AND customer_id = ?`, p.PayeeID, u.Customer).Scan(&toName)
			toCategory = "transfers"
		default:
			err = tx.QueryRowContext(ctx, `SELECT name FROM billers WHERE id = ? AND customer_id = ?`, p.BillerID, u.Customer).Scan(&toName)
			toCategory = "utilities"
		}
		if errors.Is(err, sql.ErrNoRows) {
			return nil, banks.Errorf(op, banks.NotFound, "no such recipient")
		}
		if err != nil {
			return nil, banks.E(op, banks.Unavailable, err)
		}
		toMerchant = toName
		payDay := day(now)
		scheduled := !p.Date.IsZero() && day(p.Date).After(payDay)
		if !p.Date.IsZero() && day(p.Date).Before(payDay) {
			return nil, banks.Refuse(op, "date_in_past")
		}
		if scheduled {
			payDay = day(p.Date)
		}
		available := from.booked + min(from.pending, 0)
		if !scheduled && available < p.Amount.Minor {
			return nil, banks.Refuse(op, "insufficient_funds")
		}
		ref := reference("P")
		status := "completed"
		if scheduled {
			status = "scheduled"
		} else {
			fromLabel := toMerchant
			if _, err := tx.ExecContext(ctx, `INSERT INTO transactions(account_id, customer_id, booked_at, amount, merchant, merchant_key, category, status)
				VALUES (?,?,?,?,?,?,?, 'booked')`, from.id, u.Customer, now.Unix(), -p.Amount.Minor, fromLabel, MerchantKey(fromLabel), toCategory); err != nil {
				return nil, banks.E(op, banks.Unavailable, err)
			}
			if _, err := tx.ExecContext(ctx, `UPDATE accounts SET booked = booked - ? WHERE id = ?`, p.Amount.Minor, from.id); err != nil {
				return nil, banks.E(op, banks.Unavailable, err)
			}
			if to.id != "" {
				if _, err := tx.ExecContext(ctx, `INSERT INTO transactions(account_id, customer_id, booked_at, amount, merchant, merchant_key, category, status)
					VALUES (?,?,?,?,?,?, 'transfers', 'booked')`, to.id, u.Customer, now.Unix(), p.Amount.Minor, from.name, MerchantKey(from.name)); err != nil {
					return nil, banks.E(op, banks.Unavailable, err)
				}
				if _, err := tx.ExecContext(ctx, `UPDATE accounts SET booked = booked + ? WHERE id = ?`, p.Amount.Minor, to.id); err != nil {
					return nil, banks.E(op, banks.Unavailable, err)
				}
			}
			if p.BillerID != "" {
				if _, err := tx.ExecContext(ctx, `UPDATE bills SET paid = 1 WHERE biller_id = ? AND customer_id = ? AND amount <= ?`,
					p.BillerID, u.Customer, p.Amount.Minor); err != nil {
					return nil, banks.E(op, banks.Unavailable, err)
				}
			}
			from.booked -= p.Amount.Minor
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO payments(reference, customer_id, from_account, to_account, payee_id, biller_id, amount, day, status, created_at)
			VALUES (?,?,?,?,?,?,?,?,?,?)`, ref, u.Customer, from.id, p.ToAccountID, p.PayeeID, p.BillerID, p.Amount.Minor,
			payDay.Format(time.DateOnly), status, now.Unix()); err != nil {
			return nil, banks.E(op, banks.Unavailable, err)
		}
		return banks.PaymentResult{Reference: ref, Scheduled: scheduled, Date: payDay, FromBalance: banks.Balance{
			AccountID: from.id, AsOf: now.UTC(),
			Booked:    banks.Money{Minor: from.booked, Currency: from.currency},
			Available: banks.Money{Minor: from.booked + min(from.pending, 0), Currency: from.currency},
		}}, nil
	})
	return res, err
}

func (b *Bank) ownCard(ctx context.Context, q interface {
	QueryRowContext(context.Context, string, ...any) *sql.Row
}, op string, u banks.User, cardID string) error {
	var n int
	if err := q.QueryRowContext(ctx, `SELECT count(*) FROM cards WHERE id = ? AND customer_id = ?`, cardID, u.Customer).Scan(&n); err != nil {
		return banks.E(op, banks.Unavailable, err)
	}
	if n == 0 {
		return banks.Errorf(op, banks.NotFound, "no card %q", cardID)
	}
	return nil
}

// SetCardLocked implements banks.CardControls.
func (b *Bank) SetCardLocked(ctx context.Context, u banks.User, cardID string, locked bool, key string) error {
	const op = "sandbox.SetCardLocked"
	if err := b.checkUser(u, op); err != nil {
		return err
	}
	var ok bool
	return b.once(ctx, op, u, key, fmt.Sprintf("lock:%v", locked), &ok, func(tx *sql.Tx) (any, error) {
		if err := b.ownCard(ctx, tx, op, u, cardID); err != nil {
			return nil, err
		}
		// locked = 2 is a card blocked for good (reported lost): it never
		// unlocks.
		var state int
		if err := tx.QueryRowContext(ctx, `SELECT locked FROM cards WHERE id = ?`, cardID).Scan(&state); err != nil {
			return nil, banks.E(op, banks.Unavailable, err)
		}
		if state == 2 {
			if locked {
				return true, nil
			}
			return nil, banks.Refuse(op, "card_blocked")
		}
		if _, err := tx.ExecContext(ctx, `UPDATE cards SET locked = ? WHERE id = ? AND customer_id = ?`, locked, cardID, u.Customer); err != nil {
			return nil, banks.E(op, banks.Unavailable, err)
		}
		return true, nil
	})
}

// ReplaceCard implements banks.CardControls.
func (b *Bank) ReplaceCard(ctx context.Context, u banks.User, cardID string, lost bool, key string) (banks.CardOrder, error) {
	const op = "sandbox.ReplaceCard"
	if err := b.checkUser(u, op); err != nil {
		return banks.CardOrder{}, err
	}
	var o banks.CardOrder
	err := b.once(ctx, op, u, key, "replace", &o, func(tx *sql.Tx) (any, error) {
		if err := b.ownCard(ctx, tx, op, u, cardID); err != nil {
			return nil, err
		}
		var state int
		if err := tx.QueryRowContext(ctx, `SELECT locked FROM cards WHERE id = ?`, cardID).Scan(&state); err != nil {
			return nil, banks.E(op, banks.Unavailable, err)
		}
		if state == 2 {
			return nil, banks.Refuse(op, "card_blocked") // already replaced after a loss
		}
		if lost {
			if _, err := tx.ExecContext(ctx, `UPDATE cards SET locked = 2 WHERE id = ?`, cardID); err != nil {
				return nil, banks.E(op, banks.Unavailable, err)
			}
		}
		return b.order(ctx, tx, op, u, "card_replacement", cardID)
	})
	return o, err
}

func (b *Bank) order(ctx context.Context, tx *sql.Tx, op string, u banks.User, kind, item string) (banks.CardOrder, error) {
	days := 7
	if sheet, err := b.ProductSheet(ctx, u.Locale); err == nil && sheet.CardDeliveryDays > 0 {
		days = sheet.CardDeliveryDays
	}
	o := banks.CardOrder{Reference: reference("R"), Arrives: day(b.now()).AddDate(0, 0, days)}
	if _, err := tx.ExecContext(ctx, `INSERT INTO orders(reference, customer_id, kind, item_id, arrives, created_at) VALUES (?,?,?,?,?,?)`,
		o.Reference, u.Customer, kind, item, o.Arrives.Format(time.DateOnly), b.now().Unix()); err != nil {
		return o, banks.E(op, banks.Unavailable, err)
	}
	return o, nil
}

// Status implements banks.AccountControls.
func (b *Bank) Status(ctx context.Context, u banks.User, accountID string) (banks.AccountStatus, error) {
	const op = "sandbox.Status"
	if err := b.checkUser(u, op); err != nil {
		return banks.AccountStatus{}, err
	}
	var s banks.AccountStatus
	var since int64
	err := b.db.QueryRowContext(ctx, `SELECT status, status_reason, status_since FROM accounts WHERE id = ? AND customer_id = ?`,
		accountID, u.Customer).Scan(&s.Status, &s.Reason, &since)
	if errors.Is(err, sql.ErrNoRows) {
		return s, banks.Errorf(op, banks.NotFound, "no account %q", accountID)
	}
	if err != nil {
		return s, banks.E(op, banks.Unavailable, err)
	}
	if since != 0 {
		s.Since = time.Unix(since, 0).UTC()
	}
	return s, nil
}

// Freeze implements banks.AccountControls.
func (b *Bank) Freeze(ctx context.Context, u banks.User, accountID, key string) error {
	const op = "sandbox.Freeze"
	if err := b.checkUser(u, op); err != nil {
		return err
	}
	var ok bool
	return b.once(ctx, op, u, key, "freeze", &ok, func(tx *sql.Tx) (any, error) {
		if _, err := b.account(ctx, tx, op, u, accountID); err != nil {
			return nil, err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE accounts SET status = 'frozen', status_reason = 'customer_request', status_since = ?
			WHERE id = ? AND status = 'open'`, b.now().Unix(), accountID); err != nil {
			return nil, banks.E(op, banks.Unavailable, err)
		}
		return true, nil
	})
}

// CardStatement implements banks.Statements: the statement closes on the
// last day of each month and is due on the 25th of the next.
func (b *Bank) CardStatement(ctx context.Context, u banks.User, accountID string) (banks.Statement, error) {
	const op = "sandbox.CardStatement"
	if err := b.checkUser(u, op); err != nil {
		return banks.Statement{}, err
	}
	a, err := b.account(ctx, b.db, op, u, accountID)
	if err != nil {
		return banks.Statement{}, err
	}
	if a.kind != string(banks.CreditCard) {
		return banks.Statement{}, banks.Errorf(op, banks.NotSupported, "not a credit card")
	}
	today := day(b.now())
	closing := time.Date(today.Year(), today.Month(), 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, -1)
	start := time.Date(closing.Year(), closing.Month(), 1, 0, 0, 0, 0, time.UTC)
	var spent, paid int64
	err = b.db.QueryRowContext(ctx, `SELECT
		coalesce((SELECT -sum(amount) FROM transactions WHERE account_id = ? AND status = 'booked' AND amount < 0 AND booked_at >= ? AND booked_at < ?), 0),
		coalesce((SELECT sum(amount) FROM transactions WHERE account_id = ? AND status = 'booked' AND amount > 0 AND booked_at >= ?), 0)`,
		accountID, start.Unix(), closing.AddDate(0, 0, 1).Unix(), accountID, closing.AddDate(0, 0, 1).Unix()).Scan(&spent, &paid)
	if err != nil {
		return banks.Statement{}, banks.E(op, banks.Unavailable, err)
	}
	minimum := max(spent/50, min(spent, 2500))
	m := func(v int64) banks.Money { return banks.Money{Minor: v, Currency: a.currency} }
	return banks.Statement{AccountID: accountID, ClosingDate: closing, DueDate: closing.AddDate(0, 0, 25),
		Balance: m(spent), MinimumPayment: m(minimum), Paid: m(paid)}, nil
}

// Bills implements banks.Statements.
func (b *Bank) Bills(ctx context.Context, u banks.User) ([]banks.Bill, error) {
	const op = "sandbox.Bills"
	if err := b.checkUser(u, op); err != nil {
		return nil, err
	}
	rows, err := b.db.QueryContext(ctx, `SELECT bi.biller_id, bi.amount, bi.due, bi.paid, c.currency FROM bills bi
		JOIN customers c ON c.id = bi.customer_id WHERE bi.customer_id = ? ORDER BY bi.id`, u.Customer)
	if err != nil {
		return nil, banks.E(op, banks.Unavailable, err)
	}
	defer rows.Close()
	var out []banks.Bill
	for rows.Next() {
		var x banks.Bill
		var due string
		if err := rows.Scan(&x.BillerID, &x.Amount.Minor, &due, &x.Paid, &x.Amount.Currency); err != nil {
			return nil, banks.E(op, banks.Unavailable, err)
		}
		x.DueDate, _ = time.Parse(time.DateOnly, due)
		out = append(out, x)
	}
	return out, rows.Err()
}

// pointValue is what a rewards point is worth in minor units.
const pointValue = 1

// RewardsBalance implements banks.Rewards.
func (b *Bank) RewardsBalance(ctx context.Context, u banks.User, accountID string) (int64, banks.Money, error) {
	const op = "sandbox.RewardsBalance"
	if err := b.checkUser(u, op); err != nil {
		return 0, banks.Money{}, err
	}
	var pts int64
	var cur string
	err := b.db.QueryRowContext(ctx, `SELECT rewards, currency FROM accounts WHERE id = ? AND customer_id = ? AND kind = 'credit_card'`,
		accountID, u.Customer).Scan(&pts, &cur)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, banks.Money{}, banks.Errorf(op, banks.NotFound, "no credit card %q", accountID)
	}
	if err != nil {
		return 0, banks.Money{}, banks.E(op, banks.Unavailable, err)
	}
	return pts, banks.Money{Minor: pts * pointValue, Currency: cur}, nil
}

// RedeemRewards implements banks.Rewards.
func (b *Bank) RedeemRewards(ctx context.Context, u banks.User, accountID, key string) (banks.Money, error) {
	const op = "sandbox.RedeemRewards"
	if err := b.checkUser(u, op); err != nil {
		return banks.Money{}, err
	}
	var credited banks.Money
	err := b.once(ctx, op, u, key, "redeem", &credited, func(tx *sql.Tx) (any, error) {
		a, err := b.account(ctx, tx, op, u, accountID)
		if err != nil {
			return nil, err
		}
		var pts int64
		if err := tx.QueryRowContext(ctx, `SELECT rewards FROM accounts WHERE id = ?`, a.id).Scan(&pts); err != nil {
			return nil, banks.E(op, banks.Unavailable, err)
		}
		if a.kind != string(banks.CreditCard) || pts <= 0 {
			return nil, banks.Refuse(op, "nothing_to_redeem")
		}
		v := pts * pointValue
		name := map[bool]string{false: "Rewards redemption", true: "Bonuspunkte-Gutschrift"}[strings.HasPrefix(u.Locale, "de")]
		if _, err := tx.ExecContext(ctx, `INSERT INTO transactions(account_id, customer_id, booked_at, amount, merchant, merchant_key, category, status)
			VALUES (?,?,?,?,?,?, 'income', 'booked')`, a.id, u.Customer, b.now().Unix(), v, name, MerchantKey(name)); err != nil {
			return nil, banks.E(op, banks.Unavailable, err)
		}
		if _, err := tx.ExecContext(ctx, `UPDATE accounts SET rewards = 0, booked = booked + ? WHERE id = ?`, v, a.id); err != nil {
			return nil, banks.E(op, banks.Unavailable, err)
		}
		return banks.Money{Minor: v, Currency: a.currency}, nil
	})
	return credited, err
}

// Alerts implements banks.Fraud.
func (b *Bank) Alerts(ctx context.Context, u banks.User) ([]banks.Alert, error) {
	const op = "sandbox.Alerts"
	if err := b.checkUser(u, op); err != nil {
		return nil, err
	}
	rows, err := b.db.QueryContext(ctx, `SELECT al.id, al.tx_id, al.card_id, al.status, t.amount, a.currency, t.merchant, t.booked_at
		FROM alerts al JOIN transactions t ON t.id = al.tx_id JOIN accounts a ON a.id = t.account_id
		WHERE al.customer_id = ? ORDER BY al.status = 'open' DESC, t.booked_at DESC`, u.Customer)
	if err != nil {
		return nil, banks.E(op, banks.Unavailable, err)
	}
	defer rows.Close()
	var out []banks.Alert
	for rows.Next() {
		var al banks.Alert
		var tx, at int64
		if err := rows.Scan(&al.ID, &tx, &al.CardID, &al.Status, &al.Amount.Minor, &al.Amount.Currency, &al.Merchant, &at); err != nil {
			return nil, banks.E(op, banks.Unavailable, err)
		}
		al.TransactionID = fmt.Sprintf("tx%d", tx)
		al.Amount = al.Amount.Abs()
		al.Time = time.Unix(at, 0).UTC()
		out = append(out, al)
	}
	return out, rows.Err()
}

// ResolveAlert implements banks.Fraud. A fraudulent charge is declined.
func (b *Bank) ResolveAlert(ctx context.Context, u banks.User, alertID string, genuine bool, key string) error {
	const op = "sandbox.ResolveAlert"
	if err := b.checkUser(u, op); err != nil {
		return err
	}
	var ok bool
	return b.once(ctx, op, u, key, "alert", &ok, func(tx *sql.Tx) (any, error) {
		var txID int64
		var current string
		err := tx.QueryRowContext(ctx, `SELECT tx_id, status FROM alerts WHERE id = ? AND customer_id = ?`, alertID, u.Customer).Scan(&txID, &current)
		if errors.Is(err, sql.ErrNoRows) {
			return nil, banks.Errorf(op, banks.NotFound, "no alert %q", alertID)
		}
		if err != nil {
			return nil, banks.E(op, banks.Unavailable, err)
		}
		if current != "open" {
			// Resolved already (another session, another key): a charge is
			// refunded once, whatever is asked after.
			return true, nil
		}
		status := "genuine"
		if !genuine {
			status = "fraud"
			var acc string
			var amount int64
			var st string
			if err := tx.QueryRowContext(ctx, `SELECT account_id, amount, status FROM transactions WHERE id = ?`, txID).Scan(&acc, &amount, &st); err != nil {
				return nil, banks.E(op, banks.Unavailable, err)
			}
			col := "booked"
			if st == "pending" {
				col = "pending"
			}
			if _, err := tx.ExecContext(ctx, `UPDATE transactions SET status = 'declined', decline_reason = 'reported_fraud' WHERE id = ?`, txID); err != nil {
				return nil, banks.E(op, banks.Unavailable, err)
			}
			if _, err := tx.ExecContext(ctx, `UPDATE accounts SET `+col+` = `+col+` - ? WHERE id = ?`, amount, acc); err != nil {
				return nil, banks.E(op, banks.Unavailable, err)
			}
		}
		if _, err := tx.ExecContext(ctx, `UPDATE alerts SET status = ? WHERE id = ?`, status, alertID); err != nil {
			return nil, banks.E(op, banks.Unavailable, err)
		}
		return true, nil
	})
}

// OpenCase implements banks.Fraud.
func (b *Bank) OpenCase(ctx context.Context, u banks.User, cardID, transactionID, key string) (string, error) {
	const op = "sandbox.OpenCase"
	if err := b.checkUser(u, op); err != nil {
		return "", err
	}
	var ref string
	err := b.once(ctx, op, u, key, "case", &ref, func(tx *sql.Tx) (any, error) {
		if err := b.ownCard(ctx, tx, op, u, cardID); err != nil {
			return nil, err
		}
		r := reference("F")
		if _, err := tx.ExecContext(ctx, `INSERT INTO cases(reference, customer_id, card_id, tx_id, created_at) VALUES (?,?,?,?,?)`,
			r, u.Customer, cardID, transactionID, b.now().Unix()); err != nil {
			return nil, banks.E(op, banks.Unavailable, err)
		}
		return r, nil
	})
	return ref, err
}

// RaiseAlert books a suspicious card charge for a customer and opens an
// alert for it (the sandbox's stand-in for the bank's fraud engine).
func (b *Bank) RaiseAlert(ctx context.Context, customer, merchant string, amount int64) (string, error) {
	tx, err := b.db.BeginTx(ctx, nil)
	if err != nil {
		return "", err
	}
	defer tx.Rollback()
	var cardID, acc string
	err = tx.QueryRowContext(ctx, `SELECT id, account_id FROM cards WHERE customer_id = ? AND kind = 'credit' ORDER BY rowid LIMIT 1`, customer).Scan(&cardID, &acc)
	if errors.Is(err, sql.ErrNoRows) {
		return "", fmt.Errorf("customer %q has no credit card", customer)
	}
	if err != nil {
		return "", err
	}
	res, err := tx.ExecContext(ctx, `INSERT INTO transactions(account_id, customer_id, booked_at, amount, merchant, merchant_key, category, status)
		VALUES (?,?,?,?,?,?, 'shopping', 'pending')`, acc, customer, b.now().Add(-2*time.Hour).Unix(), -amount, merchant, MerchantKey(merchant))
	if err != nil {
		return "", err
	}
	txID, _ := res.LastInsertId()
	if _, err := tx.ExecContext(ctx, `UPDATE accounts SET pending = pending - ? WHERE id = ?`, amount, acc); err != nil {
		return "", err
	}
	id := reference("A")
	if _, err := tx.ExecContext(ctx, `INSERT INTO alerts(id, customer_id, tx_id, card_id, created_at) VALUES (?,?,?,?,?)`,
		id, customer, txID, cardID, b.now().Unix()); err != nil {
		return "", err
	}
	return id, tx.Commit()
}

// AccountNumber implements banks.AccountNumbers.
func (b *Bank) AccountNumber(ctx context.Context, u banks.User, accountID string) (string, error) {
	const op = "sandbox.AccountNumber"
	if err := b.checkUser(u, op); err != nil {
		return "", err
	}
	var n string
	err := b.db.QueryRowContext(ctx, `SELECT number FROM accounts WHERE id = ? AND customer_id = ?`, accountID, u.Customer).Scan(&n)
	if errors.Is(err, sql.ErrNoRows) {
		return "", banks.Errorf(op, banks.NotFound, "no account %q", accountID)
	}
	if err != nil {
		return "", banks.E(op, banks.Unavailable, err)
	}
	return n, nil
}

// Request implements banks.Requests.
func (b *Bank) Request(ctx context.Context, u banks.User, kind, accountID, key string) (banks.CardOrder, error) {
	const op = "sandbox.Request"
	if err := b.checkUser(u, op); err != nil {
		return banks.CardOrder{}, err
	}
	switch kind {
	case "credit_limit_increase", "checks":
	default:
		return banks.CardOrder{}, banks.Errorf(op, banks.NotSupported, "no request kind %q", kind)
	}
	if kind == "checks" {
		if sheet, err := b.ProductSheet(ctx, u.Locale); err != nil || !sheet.OrdersChecks {
			return banks.CardOrder{}, banks.Errorf(op, banks.NotSupported, "no cheques here")
		}
	}
	var o banks.CardOrder
	err := b.once(ctx, op, u, key, kind, &o, func(tx *sql.Tx) (any, error) {
		if _, err := b.account(ctx, tx, op, u, accountID); err != nil {
			return nil, err
		}
		return b.order(ctx, tx, op, u, kind, accountID)
	})
	return o, err
}

// CreditScore implements banks.Profile.
func (b *Bank) CreditScore(ctx context.Context, u banks.User) (string, string, error) {
	const op = "sandbox.CreditScore"
	if err := b.checkUser(u, op); err != nil {
		return "", "", err
	}
	var s string
	if err := b.db.QueryRowContext(ctx, `SELECT credit_score FROM customers WHERE id = ?`, u.Customer).Scan(&s); err != nil {
		return "", "", banks.E(op, banks.Unavailable, err)
	}
	system, score, ok := strings.Cut(s, ":")
	if !ok {
		return "", "", banks.Errorf(op, banks.NotSupported, "no credit score")
	}
	return system, score, nil
}

// ProductSheet implements banks.Products from fixtures/sandbox/product-LOCALE.yaml,
// parsed once per locale: it is read on the hot path of every payment.
func (b *Bank) ProductSheet(ctx context.Context, locale string) (banks.ProductSheet, error) {
	if v, ok := b.sheets.Load(locale); ok {
		return v.(banks.ProductSheet), nil
	}
	sheet, err := LoadProductSheet(fixtures.FS(), locale)
	if err != nil {
		return sheet, err
	}
	b.sheets.Store(locale, sheet)
	return sheet, nil
}

// LoadProductSheet reads sandbox/product-LOCALE.yaml from a fixtures tree;
// locales without a sheet use the one of their language, then en-US.
func LoadProductSheet(fsys fs.FS, locale string) (banks.ProductSheet, error) {
	var sheet banks.ProductSheet
	for _, l := range []string{locale, map[bool]string{true: "de-DE", false: "en-US"}[strings.HasPrefix(locale, "de")], "en-US"} {
		bs, err := fs.ReadFile(fsys, "sandbox/product-"+l+".yaml")
		if err != nil {
			continue
		}
		if err := yaml.Unmarshal(bs, &sheet); err != nil {
			return sheet, fmt.Errorf("sandbox: product-%s.yaml: %w", l, err)
		}
		return sheet, nil
	}
	return sheet, banks.Errorf("sandbox.ProductSheet", banks.NotSupported, "no product sheet for %s", locale)
}
