package berlingroup

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"sort"
	"strings"
	"time"
	"unicode"

	"github.com/kontoskill/konto/banks"
)

// amount is a NextGenPSD2 amount. Amounts are decimal strings; a bank that
// sends a JSON number fails to decode here, on purpose.
type amount struct {
	Currency string `json:"currency"`
	Amount   string `json:"amount"`
}

var (
	currencyRE = regexp.MustCompile(`^[A-Z]{3}$`)
	amountRE   = regexp.MustCompile(`^-?[0-9]{1,14}(\.[0-9]{1,3})?$`)
)

// parseAmount turns a NextGenPSD2 amount into exact minor units. It takes
// the standard's up to three decimals when the digits past the currency's
// own are zeros ("12.500" EUR), and refuses anything else.
func parseAmount(a amount) (banks.Money, error) {
	if !currencyRE.MatchString(a.Currency) {
		return banks.Money{}, fmt.Errorf("bad currency %q", a.Currency)
	}
	if !amountRE.MatchString(a.Amount) {
		return banks.Money{}, fmt.Errorf("bad amount %q", a.Amount)
	}
	s := a.Amount
	if whole, frac, ok := strings.Cut(s, "."); ok {
		d := banks.MinorDigits(a.Currency)
		for len(frac) > d && strings.HasSuffix(frac, "0") {
			frac = frac[:len(frac)-1]
		}
		s = whole
		if frac != "" {
			s += "." + frac
		}
	}
	return banks.ParseMoney(s, a.Currency)
}

type accountRef struct {
	IBAN      string `json:"iban,omitempty"`
	BBAN      string `json:"bban,omitempty"`
	MaskedPan string `json:"maskedPan,omitempty"`
	Currency  string `json:"currency,omitempty"`
}

type hrefLink struct {
	Href string `json:"href"`
}

type bgBalance struct {
	BalanceAmount       amount `json:"balanceAmount"`
	BalanceType         string `json:"balanceType"`
	CreditLimitIncluded bool   `json:"creditLimitIncluded"`
	ReferenceDate       string `json:"referenceDate"`
	LastChangeDateTime  string `json:"lastChangeDateTime"`
}

type bgAccount struct {
	ResourceID      string `json:"resourceId"`
	IBAN            string `json:"iban"`
	BBAN            string `json:"bban"`
	MaskedPan       string `json:"maskedPan"`
	Currency        string `json:"currency"`
	Name            string `json:"name"`
	DisplayName     string `json:"displayName"`
	Product         string `json:"product"`
	CashAccountType string `json:"cashAccountType"`
	Status          string `json:"status"`
}

// account is an account with what payments need besides banks.Account.
type account struct {
	banks.Account
	iban   string
	status string // enabled, blocked, deleted
}

// kindOfCash maps ISO 20022 ExternalCashAccountType1Code to a kind.
func kindOfCash(code string) banks.AccountKind {
	switch strings.ToUpper(code) {
	case "SVGS", "MOMA", "ONDP":
		return banks.Savings
	case "CARD":
		return banks.CreditCard
	case "LOAN", "MGLD":
		return banks.Loan
	}
	return banks.Checking
}

func lastFour(ids ...string) string {
	for _, id := range ids {
		var digits []rune
		for _, r := range id {
			if r >= '0' && r <= '9' || r >= 'A' && r <= 'Z' {
				digits = append(digits, r)
			}
		}
		if len(digits) >= 4 {
			return string(digits[len(digits)-4:])
		}
	}
	return ""
}

// cachedAccounts keeps a user's account list briefly: unattended reads
// are rationed (frequencyPerDay), and Transactions and Pay need it too.
type cachedAccounts struct {
	at   time.Time
	list []account
}

const accountsTTL = time.Minute

// Accounts implements banks.Connector: GET /v1/accounts. Errors:
// NotLinked, ConsentExpired, Unavailable.
func (c *Client) Accounts(ctx context.Context, u banks.User) ([]banks.Account, error) {
	list, err := c.accounts(ctx, "berlingroup.Accounts", u, false)
	if err != nil {
		return nil, err
	}
	out := make([]banks.Account, 0, len(list))
	for _, a := range list {
		out = append(out, a.Account)
	}
	return out, nil
}

func (c *Client) accounts(ctx context.Context, op string, u banks.User, cached bool) ([]account, error) {
	l, err := c.link(ctx, op, u)
	if err != nil {
		return nil, err
	}
	if cached {
		c.mu.Lock()
		e, ok := c.cache[l.consentID]
		c.mu.Unlock()
		if ok && c.now().Sub(e.at) < accountsTTL {
			return e.list, nil
		}
	}
	var body struct {
		Accounts []bgAccount `json:"accounts"`
	}
	if _, err := c.do(ctx, op, call{method: http.MethodGet, target: "/v1/accounts", link: &l, psuIP: psuIP(ctx), retry: true}, &body); err != nil {
		return nil, err
	}
	out := make([]account, 0, len(body.Accounts))
	for _, a := range body.Accounts {
		if a.ResourceID == "" || a.Status == "deleted" {
			continue
		}
		if !currencyRE.MatchString(a.Currency) {
			return nil, banks.Errorf(op, banks.Unavailable, "account %q has currency %q", a.ResourceID, a.Currency)
		}
		name := a.Name
		if name == "" {
			name = a.DisplayName
		}
		if name == "" {
			name = a.Product
		}
		out = append(out, account{Account: banks.Account{ID: a.ResourceID, Kind: kindOfCash(a.CashAccountType), Name: name,
			LastFour: lastFour(a.IBAN, a.BBAN, a.MaskedPan), Currency: a.Currency}, iban: a.IBAN, status: a.Status})
	}
	c.mu.Lock()
	c.cache[l.consentID] = cachedAccounts{at: c.now(), list: out}
	c.mu.Unlock()
	return out, nil
}

// balanceOrder is which NextGenPSD2 balance types stand for the booked
// and the available balance, best first.
var (
	bookedTypes    = []string{"interimBooked", "closingBooked", "openingBooked", "expected"}
	availableTypes = []string{"interimAvailable", "forwardAvailable", "expected"}
)

// pickBalance chooses among the balances: the first type in order, the
// account's currency when one is known, and of two balances of a type the
// one without the credit limit unless it is a card's only one.
func pickBalance(bs []bgBalance, types []string, cur string) (bgBalance, bool) {
	for _, t := range types {
		var found []bgBalance
		for _, b := range bs {
			if b.BalanceType == t && (cur == "" || b.BalanceAmount.Currency == cur) {
				found = append(found, b)
			}
		}
		for _, b := range found {
			if !b.CreditLimitIncluded {
				return b, true
			}
		}
		if len(found) > 0 {
			return found[0], true
		}
	}
	return bgBalance{}, false
}

// balanceOf maps a balance list onto banks.Balance.
func balanceOf(accountID, cur string, bs []bgBalance, now time.Time) (banks.Balance, error) {
	if cur == "" && len(bs) > 0 {
		cur = bs[0].BalanceAmount.Currency
	}
	booked, okB := pickBalance(bs, bookedTypes, cur)
	avail, okA := pickBalance(bs, availableTypes, cur)
	if !okB && !okA {
		return banks.Balance{}, fmt.Errorf("no usable balance among %d", len(bs))
	}
	if !okB {
		booked = avail
	}
	if !okA {
		avail = booked
	}
	b := banks.Balance{AccountID: accountID, AsOf: now.UTC()}
	var err error
	if b.Booked, err = parseAmount(booked.BalanceAmount); err != nil {
		return b, err
	}
	if b.Available, err = parseAmount(avail.BalanceAmount); err != nil {
		return b, err
	}
	if b.Booked.Currency != b.Available.Currency {
		return b, fmt.Errorf("balances in %s and %s", b.Booked.Currency, b.Available.Currency)
	}
	for _, x := range []bgBalance{booked, avail} {
		if t, err := time.Parse(time.RFC3339, x.LastChangeDateTime); err == nil {
			b.AsOf = t.UTC()
			break
		}
	}
	return b, nil
}

// Balance implements banks.Connector: GET /v1/accounts/{id}/balances. The
// booked balance is interimBooked (else closingBooked, openingBooked or
// expected), the available one interimAvailable (else forwardAvailable,
// expected, or the booked one). Errors: NotFound, NotLinked,
// ConsentExpired, Unavailable.
func (c *Client) Balance(ctx context.Context, u banks.User, accountID string) (banks.Balance, error) {
	const op = "berlingroup.Balance"
	if accountID == "" || strings.ContainsAny(accountID, "/?#") {
		return banks.Balance{}, banks.Errorf(op, banks.NotFound, "no account %q", accountID)
	}
	l, err := c.link(ctx, op, u)
	if err != nil {
		return banks.Balance{}, err
	}
	var body struct {
		Account  accountRef  `json:"account"`
		Balances []bgBalance `json:"balances"`
	}
	cl := call{method: http.MethodGet, target: "/v1/accounts/" + url.PathEscape(accountID) + "/balances", link: &l, psuIP: psuIP(ctx), retry: true}
	if _, err := c.do(ctx, op, cl, &body); err != nil {
		return banks.Balance{}, err
	}
	b, err := balanceOf(accountID, body.Account.Currency, body.Balances, c.now())
	if err != nil {
		return banks.Balance{}, banks.E(op, banks.Unavailable, err)
	}
	return b, nil
}

type bgTransaction struct {
	TransactionID                          string     `json:"transactionId"`
	EntryReference                         string     `json:"entryReference"`
	BookingDate                            string     `json:"bookingDate"`
	ValueDate                              string     `json:"valueDate"`
	TransactionAmount                      amount     `json:"transactionAmount"`
	CreditorName                           string     `json:"creditorName"`
	DebtorName                             string     `json:"debtorName"`
	RemittanceInformationUnstructured      string     `json:"remittanceInformationUnstructured"`
	RemittanceInformationUnstructuredArray []string   `json:"remittanceInformationUnstructuredArray"`
	AdditionalInformation                  string     `json:"additionalInformation"`
	CreditorAccount                        accountRef `json:"creditorAccount"`
	DebtorAccount                          accountRef `json:"debtorAccount"`
}

type transactionsBody struct {
	Account      accountRef `json:"account"`
	Transactions struct {
		Booked  []bgTransaction     `json:"booked"`
		Pending []bgTransaction     `json:"pending"`
		Links   map[string]hrefLink `json:"_links"`
	} `json:"transactions"`
}

// transactionOf maps a NextGenPSD2 transaction. Its time is midnight UTC
// of its booking date (a pending one's value date): the standard has no
// time of day. The merchant is the other party's name, else the
// remittance information.
func transactionOf(accountID string, t bgTransaction, status banks.TxStatus) (banks.Transaction, error) {
	m, err := parseAmount(t.TransactionAmount)
	if err != nil {
		return banks.Transaction{}, err
	}
	day := t.BookingDate
	if day == "" || status == banks.Pending {
		day = t.ValueDate
	}
	if day == "" {
		day = t.BookingDate
	}
	at, err := time.Parse(time.DateOnly, day)
	if err != nil {
		return banks.Transaction{}, fmt.Errorf("transaction %q has no date", t.TransactionID)
	}
	merchant := t.CreditorName
	if m.Minor > 0 || merchant == "" {
		if t.DebtorName != "" {
			merchant = t.DebtorName
		}
	}
	if merchant == "" {
		merchant = t.RemittanceInformationUnstructured
	}
	if merchant == "" && len(t.RemittanceInformationUnstructuredArray) > 0 {
		merchant = t.RemittanceInformationUnstructuredArray[0]
	}
	id := t.TransactionID
	if id == "" {
		id = t.EntryReference
	}
	if id == "" {
		// A stable id from the content, for banks that send none.
		js, _ := json.Marshal(t)
		h := sha256.Sum256(append([]byte(accountID+"\x00"), js...))
		id = "h" + hex.EncodeToString(h[:10])
	}
	return banks.Transaction{ID: id, AccountID: accountID, Time: at, Amount: m, Merchant: merchant, Status: status}, nil
}

// Transactions implements banks.Connector: GET /v1/accounts/{id}/transactions
// with bookingStatus=both (booked or pending when only one is asked),
// dateFrom and dateTo, following _links.next. Without an account it reads
// every account. Without From it reads Options.History back. Declined
// transactions do not exist in the standard: asking only for them lists
// none. Errors: NotFound, Invalid, NotSupported (a Category filter without
// Options.Categorize: the standard has no categories), NotLinked,
// ConsentExpired, Unavailable.
func (c *Client) Transactions(ctx context.Context, u banks.User, f banks.TxFilter) ([]banks.Transaction, error) {
	const op = "berlingroup.Transactions"
	if f.Limit < 0 || (!f.From.IsZero() && !f.To.IsZero() && f.To.Before(f.From)) {
		return nil, banks.Errorf(op, banks.Invalid, "bad filter")
	}
	if f.Category != "" && c.opts.Categorize == nil {
		return nil, banks.Errorf(op, banks.NotSupported, "the bank does not categorise transactions")
	}
	want := map[banks.TxStatus]bool{}
	for _, s := range f.Statuses {
		want[s] = true
	}
	if len(want) == 0 {
		want[banks.Booked], want[banks.Pending] = true, true
	}
	status := ""
	switch {
	case want[banks.Booked] && want[banks.Pending]:
		status = "both"
	case want[banks.Booked]:
		status = "booked"
	case want[banks.Pending]:
		status = "pending"
	}
	l, err := c.link(ctx, op, u)
	if err != nil {
		return nil, err
	}
	if status == "" {
		return []banks.Transaction{}, nil
	}
	var ids []string
	if f.AccountID != "" {
		if strings.ContainsAny(f.AccountID, "/?#") {
			return nil, banks.Errorf(op, banks.NotFound, "no account %q", f.AccountID)
		}
		ids = []string{f.AccountID}
	} else {
		accs, err := c.accounts(ctx, op, u, true)
		if err != nil {
			return nil, err
		}
		for _, a := range accs {
			ids = append(ids, a.ID)
		}
	}
	from, to := f.From, f.To
	if from.IsZero() {
		from = c.now().Add(-c.opts.History)
	}
	q := url.Values{"bookingStatus": {status}, "dateFrom": {from.UTC().Format(time.DateOnly)}}
	if !to.IsZero() {
		q.Set("dateTo", to.Add(-time.Nanosecond).UTC().Format(time.DateOnly))
	}
	var out []banks.Transaction
	for _, id := range ids {
		txs, err := c.accountTransactions(ctx, op, &l, id, q)
		if err != nil {
			return nil, err
		}
		for _, t := range txs {
			if c.opts.Categorize != nil {
				t.Category = c.opts.Categorize(t)
			}
			if f.Category != "" && t.Category != f.Category {
				continue
			}
			if (!f.From.IsZero() && t.Time.Before(f.From)) || (!f.To.IsZero() && !t.Time.Before(f.To)) || !want[t.Status] {
				continue
			}
			if f.Merchant != "" && !strings.Contains(fold(t.Merchant), fold(f.Merchant)) {
				continue
			}
			out = append(out, t)
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Time.After(out[j].Time) })
	if f.Limit > 0 && len(out) > f.Limit {
		out = out[:f.Limit]
	}
	if out == nil {
		out = []banks.Transaction{}
	}
	return out, nil
}

// accountTransactions reads every page of one account's listing, in the
// bank's order. A next link that repeats, leaves the bank or never ends
// is the bank's failure.
func (c *Client) accountTransactions(ctx context.Context, op string, l *link, accountID string, q url.Values) ([]banks.Transaction, error) {
	target := "/v1/accounts/" + url.PathEscape(accountID) + "/transactions"
	query := q
	seen := map[string]bool{}
	var out []banks.Transaction
	for page := 0; ; page++ {
		if page >= c.opts.MaxPages {
			return nil, banks.Errorf(op, banks.Unavailable, "more than %d pages of transactions", c.opts.MaxPages)
		}
		var body transactionsBody
		cl := call{method: http.MethodGet, target: target, query: query, fromBank: page > 0, link: l, psuIP: psuIP(ctx), retry: true}
		if _, err := c.do(ctx, op, cl, &body); err != nil {
			return nil, err
		}
		for _, list := range []struct {
			txs    []bgTransaction
			status banks.TxStatus
		}{{body.Transactions.Pending, banks.Pending}, {body.Transactions.Booked, banks.Booked}} {
			for _, bt := range list.txs {
				t, err := transactionOf(accountID, bt, list.status)
				if err != nil {
					return nil, banks.E(op, banks.Unavailable, err)
				}
				out = append(out, t)
			}
		}
		next := body.Transactions.Links["next"].Href
		if next == "" {
			return out, nil
		}
		u, err := c.url(next, true, nil)
		if err != nil {
			return nil, banks.E(op, banks.Unavailable, err)
		}
		if !strings.HasSuffix(u.Path, "/accounts/"+accountID+"/transactions") {
			return nil, banks.Errorf(op, banks.Unavailable, "the next page link leads to %s", u.Path)
		}
		if seen[u.String()] {
			return nil, banks.Errorf(op, banks.Unavailable, "the next page link repeats")
		}
		seen[u.String()] = true
		target, query = next, nil
	}
}

// fold readies a name for matching what a person says: lower case, no
// apostrophes or dots, single spaces ("Trader Joe's" ~ "trader joes").
func fold(s string) string {
	var b strings.Builder
	space := false
	for _, r := range strings.ToLower(s) {
		switch {
		case r == '\'' || r == '’' || r == '.':
		case unicode.IsLetter(r) || unicode.IsDigit(r):
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
