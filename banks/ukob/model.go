package ukob

import (
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/kontoskill/konto/banks"
)

// What the connector reads of the standard's payloads. v3.1 and v4.0
// share the field names; v4.0 replaced the enumerations with ISO codes.

type obAmount struct {
	Amount   string `json:"Amount"`
	Currency string `json:"Currency"`
}

type obIdentifier struct {
	SchemeName     string `json:"SchemeName"`
	Identification string `json:"Identification"`
	Name           string `json:"Name,omitempty"`
}

type obAccount struct {
	AccountID      string         `json:"AccountId"`
	Currency       string         `json:"Currency"`
	AccountSubType string         `json:"AccountSubType"`
	Nickname       string         `json:"Nickname"`
	Description    string         `json:"Description"`
	Status         string         `json:"Status"`
	Account        []obIdentifier `json:"Account"`
}

type obCreditLine struct {
	Included bool      `json:"Included"`
	Type     string    `json:"Type"`
	Amount   *obAmount `json:"Amount"`
}

type obBalance struct {
	AccountID            string         `json:"AccountId"`
	Amount               obAmount       `json:"Amount"`
	CreditDebitIndicator string         `json:"CreditDebitIndicator"`
	Type                 string         `json:"Type"`
	DateTime             string         `json:"DateTime"`
	CreditLine           []obCreditLine `json:"CreditLine"`
}

type obTransaction struct {
	AccountID              string   `json:"AccountId"`
	TransactionID          string   `json:"TransactionId"`
	TransactionReference   string   `json:"TransactionReference"`
	Amount                 obAmount `json:"Amount"`
	CreditDebitIndicator   string   `json:"CreditDebitIndicator"`
	Status                 string   `json:"Status"`
	BookingDateTime        string   `json:"BookingDateTime"`
	TransactionInformation string   `json:"TransactionInformation"`
	MerchantDetails        *struct {
		MerchantName         string `json:"MerchantName"`
		MerchantCategoryCode string `json:"MerchantCategoryCode"`
	} `json:"MerchantDetails"`
	ProprietaryBankTransactionCode *struct {
		Code   string `json:"Code"`
		Issuer string `json:"Issuer"`
	} `json:"ProprietaryBankTransactionCode"`
	SupplementaryData map[string]any `json:"SupplementaryData"`
}

type obBeneficiary struct {
	BeneficiaryID   string        `json:"BeneficiaryId"`
	Reference       string        `json:"Reference"`
	CreditorAccount *obIdentifier `json:"CreditorAccount"`
}

var (
	amountRe   = regexp.MustCompile(`^\d{1,13}$|^\d{1,13}\.\d{1,5}$`)
	currencyRe = regexp.MustCompile(`^[A-Z]{3}$`)
)

// errMalformed marks a payload the connector cannot trust.
var errMalformed = errors.New("malformed")

func malformed(format string, args ...any) error {
	return fmt.Errorf("%w: %s", errMalformed, fmt.Sprintf(format, args...))
}

// money reads an amount exactly: an unsigned decimal string whose sign is
// the CreditDebitIndicator, in a currency that must match ^[A-Z]{3}$ and,
// when want is set, the account's. Decimals beyond the currency's are
// allowed only as trailing zeros ("10.50000"); never a float.
func money(a obAmount, indicator, want string) (banks.Money, error) {
	if !currencyRe.MatchString(a.Currency) {
		return banks.Money{}, malformed("currency %q is not an ISO 4217 code", a.Currency)
	}
	if want != "" && a.Currency != want {
		return banks.Money{}, malformed("an amount in %s on a %s account", a.Currency, want)
	}
	if !amountRe.MatchString(a.Amount) {
		return banks.Money{}, malformed("amount %q is not an unsigned decimal", a.Amount)
	}
	v := a.Amount
	if whole, frac, ok := strings.Cut(v, "."); ok {
		if d := banks.MinorDigits(a.Currency); len(frac) > d {
			if strings.Trim(frac[d:], "0") != "" {
				return banks.Money{}, malformed("amount %q has more decimals than %s", a.Amount, a.Currency)
			}
			frac = frac[:d]
		}
		v = whole
		if frac != "" {
			v += "." + frac
		}
	}
	m, err := banks.ParseMoney(v, a.Currency)
	if err != nil {
		return banks.Money{}, malformed("amount %q: %v", a.Amount, err)
	}
	switch indicator {
	case "Credit":
	case "Debit":
		m = m.Neg()
	default:
		return banks.Money{}, malformed("CreditDebitIndicator %q", indicator)
	}
	return m, nil
}

// v4 codes and the v3.1 words they replaced.
var (
	balanceTypes = map[string]string{"CLAV": "ClosingAvailable", "CLBD": "ClosingBooked", "FWAV": "ForwardAvailable",
		"INFO": "Information", "ITAV": "InterimAvailable", "ITBD": "InterimBooked", "OPAV": "OpeningAvailable",
		"OPBD": "OpeningBooked", "PRCD": "PreviouslyClosedBooked", "XPCD": "Expected"}
	txStatuses  = map[string]string{"BOOK": "Booked", "PDNG": "Pending", "RJCT": "Rejected", "FUTR": "Future", "INFO": "Information"}
	subTypesISO = map[string]string{"CACC": "CurrentAccount", "CARD": "CreditCard", "SVGS": "Savings", "SACC": "Savings",
		"LLSV": "Savings", "MOMA": "Savings", "ONDP": "Savings", "LOAN": "Loan", "MGLD": "Mortgage", "SLRY": "CurrentAccount",
		"TRAN": "CurrentAccount", "ODFT": "CurrentAccount", "CASH": "CurrentAccount"}
	consentStatuses = map[string]string{"AWAU": "AwaitingAuthorisation", "AUTH": "Authorised", "RJCT": "Rejected",
		"COND": "Consumed", "RVKD": "Revoked", "EXPD": "Expired"}
)

func v3(code string, table map[string]string) string {
	if w, ok := table[code]; ok {
		return w
	}
	return code
}

var kinds = map[string]banks.AccountKind{"CurrentAccount": banks.Checking, "Savings": banks.Savings, "CreditCard": banks.CreditCard,
	"ChargeCard": banks.CreditCard, "Loan": banks.Loan, "Mortgage": banks.Loan, "EMoney": banks.Checking, "PrePaidCard": banks.Checking}

// account maps an OBAccount onto a banks.Account.
func (a obAccount) account() (banks.Account, error) {
	if a.AccountID == "" {
		return banks.Account{}, malformed("an account without AccountId")
	}
	if !currencyRe.MatchString(a.Currency) {
		return banks.Account{}, malformed("account %s: currency %q is not an ISO 4217 code", a.AccountID, a.Currency)
	}
	kind, ok := kinds[v3(a.AccountSubType, subTypesISO)]
	if !ok {
		kind = banks.Checking
	}
	out := banks.Account{ID: a.AccountID, Kind: kind, Name: a.Nickname, Currency: a.Currency}
	if out.Name == "" {
		out.Name = a.Description
	}
	// The last four digits: of the card number for a card, else of the
	// first identification.
	for _, id := range a.Account {
		digits := onlyDigits(id.Identification)
		if len(digits) < 4 {
			continue
		}
		if out.LastFour == "" || (kind == banks.CreditCard && id.SchemeName == "UK.OBIE.PAN") {
			out.LastFour = digits[len(digits)-4:]
		}
		if out.Name == "" {
			out.Name = id.Name
		}
	}
	if out.LastFour == "" {
		if d := onlyDigits(a.AccountID); len(d) >= 4 {
			out.LastFour = d[len(d)-4:]
		} else {
			out.LastFour = "0000"
		}
	}
	return out, nil
}

// identification is how a payment addresses an account: its sort code
// and account number.
func (a obAccount) identification() (obIdentifier, bool) {
	for _, id := range a.Account {
		if id.SchemeName == "UK.OBIE.SortCodeAccountNumber" {
			return id, true
		}
	}
	return obIdentifier{}, false
}

func onlyDigits(s string) string {
	var b strings.Builder
	for _, r := range s {
		if r >= '0' && r <= '9' {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// The balance types that give the booked and the available balance, best first.
var (
	bookedTypes    = []string{"InterimBooked", "ClosingBooked", "InterimCleared", "ClosingCleared", "OpeningBooked", "PreviouslyClosedBooked"}
	availableTypes = []string{"InterimAvailable", "ClosingAvailable", "Expected", "ForwardAvailable", "OpeningAvailable"}
)

// balance picks the booked and available balance of an account from its
// balances, and its credit limit.
func balance(accountID, currency string, list []obBalance) (banks.Balance, banks.Money, error) {
	found := map[string]banks.Money{}
	var at time.Time
	var limit banks.Money
	for _, b := range list {
		if b.AccountID != "" && b.AccountID != accountID {
			continue
		}
		m, err := money(b.Amount, b.CreditDebitIndicator, currency)
		if err != nil {
			return banks.Balance{}, limit, err
		}
		t := v3(b.Type, balanceTypes)
		if _, dup := found[t]; !dup {
			found[t] = m
		}
		if ts, err := time.Parse(time.RFC3339, b.DateTime); err == nil && ts.After(at) {
			at = ts
		}
		for _, cl := range b.CreditLine {
			if cl.Amount != nil && (cl.Type == "Credit" || cl.Type == "Pre-Agreed") && limit.Minor == 0 {
				l, err := money(*cl.Amount, "Credit", currency)
				if err != nil {
					return banks.Balance{}, limit, err
				}
				limit = l
			}
		}
	}
	pick := func(types []string) (banks.Money, bool) {
		for _, t := range types {
			if m, ok := found[t]; ok {
				return m, true
			}
		}
		return banks.Money{}, false
	}
	booked, okB := pick(bookedTypes)
	avail, okA := pick(availableTypes)
	switch {
	case !okB && !okA:
		return banks.Balance{}, limit, malformed("account %s has no booked or available balance", accountID)
	case !okB:
		booked = avail
	case !okA:
		avail = booked
	}
	if at.IsZero() {
		return banks.Balance{}, limit, malformed("account %s: balances without DateTime", accountID)
	}
	return banks.Balance{AccountID: accountID, Booked: booked, Available: avail, AsOf: at.UTC()}, limit, nil
}

// mccCategories names the spending categories of ISO 18245 merchant
// category codes (the common ones), for banks that give no category.
var mccCategories = map[string]string{"5411": "groceries", "5422": "groceries", "5499": "groceries", "5812": "restaurants",
	"5813": "restaurants", "5814": "restaurants", "5541": "fuel", "5542": "fuel", "5311": "shopping", "5310": "shopping",
	"5399": "shopping", "5732": "shopping", "5651": "shopping", "5691": "shopping", "4111": "transport", "4121": "transport",
	"4131": "transport", "4112": "transport", "7832": "entertainment", "7922": "entertainment", "5912": "health",
	"8062": "health", "8011": "health", "5968": "subscriptions", "4899": "subscriptions", "6011": "cash", "4511": "travel",
	"3000": "travel", "7011": "travel", "4722": "travel", "4900": "utilities"}

// knownCategories are Konto's own category words; a bank that codes its
// transactions with them (ProprietaryBankTransactionCode) is believed.
var knownCategories = map[string]bool{"groceries": true, "restaurants": true, "fuel": true, "shopping": true, "travel": true,
	"transport": true, "utilities": true, "entertainment": true, "health": true, "subscriptions": true, "rent": true,
	"cash": true, "income": true, "transfers": true, "other": true, "loan_payment": true}

// transaction maps an OBTransaction; ok is false for entries that are
// not movements (v4's FUTR and INFO).
func (t obTransaction) transaction(accountID, currency string) (tx banks.Transaction, ok bool, err error) {
	m, err := money(t.Amount, t.CreditDebitIndicator, currency)
	if err != nil {
		return tx, false, err
	}
	at, err := time.Parse(time.RFC3339, t.BookingDateTime)
	if err != nil {
		return tx, false, malformed("BookingDateTime %q", t.BookingDateTime)
	}
	tx = banks.Transaction{ID: t.TransactionID, AccountID: accountID, Time: at.UTC(), Amount: m}
	if tx.ID == "" {
		tx.ID = t.TransactionReference
	}
	switch v3(t.Status, txStatuses) {
	case "Booked":
		tx.Status = banks.Booked
	case "Pending":
		tx.Status = banks.Pending
	case "Rejected":
		tx.Status = banks.Declined
		tx.DeclineReason = "rejected"
		if r, _ := t.SupplementaryData["DeclineReason"].(string); r != "" {
			tx.DeclineReason = r
		}
	case "Future", "Information":
		return tx, false, nil
	default:
		return tx, false, malformed("transaction status %q", t.Status)
	}
	tx.Merchant = t.TransactionInformation
	var mcc string
	if t.MerchantDetails != nil {
		if t.MerchantDetails.MerchantName != "" {
			tx.Merchant = t.MerchantDetails.MerchantName
		}
		mcc = t.MerchantDetails.MerchantCategoryCode
	}
	if p := t.ProprietaryBankTransactionCode; p != nil && knownCategories[strings.ToLower(p.Code)] {
		tx.Category = strings.ToLower(p.Code)
	} else if c, ok := mccCategories[mcc]; ok {
		tx.Category = c
	}
	return tx, true, nil
}

// merchantKey folds a merchant name as the core compares them: lower
// case, letters and digits, single spaces ("Sainsbury's" ~ "sainsburys").
func merchantKey(s string) string {
	var b strings.Builder
	space := false
	for _, r := range strings.ToLower(s) {
		switch {
		case r == '\'' || r == '’' || r == '.':
			continue
		case r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r > 127 && r != '€':
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
