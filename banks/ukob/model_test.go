package ukob

import (
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/kontoskill/konto/banks"
)

func TestMoney(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		amount, currency, indicator, want string // want "" means an error
		minor                             int64
	}{
		{"1230.00", "GBP", "Credit", "1230.00 GBP", 123000},
		{"1230.00", "GBP", "Debit", "-1230.00 GBP", -123000},
		{"10", "GBP", "Credit", "10.00 GBP", 1000},
		{"0.5", "GBP", "Debit", "-0.50 GBP", -50},
		{"10.50000", "GBP", "Credit", "10.50 GBP", 1050}, // five decimals, the schema's maximum
		{"1209.06", "GBP", "Credit", "1209.06 GBP", 120906},
		{"9999999999999.99", "GBP", "Credit", "9999999999999.99 GBP", 999999999999999},
		{"100.00", "JPY", "Credit", "100 JPY", 100},
		{"1.234", "KWD", "Credit", "1.234 KWD", 1234},
		{"10.505", "GBP", "Credit", "", 0},  // a fraction of a penny
		{"100.5", "JPY", "Credit", "", 0},   // yen have no decimals
		{"-1.00", "GBP", "Credit", "", 0},   // the sign is the indicator's
		{"1,00", "GBP", "Credit", "", 0},    // not a decimal point
		{"1e3", "GBP", "Credit", "", 0},     // not a plain decimal
		{"12.", "GBP", "Credit", "", 0},     // the schema wants digits after the point
		{"string", "GBP", "Credit", "", 0},  // the spec's own example
		{"1.00", "string", "Credit", "", 0}, // the spec's own example
		{"1.00", "gbp", "Credit", "", 0},
		{"1.00", "GB", "Credit", "", 0},
		{"1.00", "GBP", "credit", "", 0},
		{"1.00", "GBP", "", "", 0},
		{"12345678901234", "GBP", "Credit", "", 0}, // fourteen digits
	} {
		m, err := money(obAmount{Amount: tc.amount, Currency: tc.currency}, tc.indicator, "")
		switch {
		case tc.want == "" && (err == nil || !errors.Is(err, errMalformed)):
			t.Errorf("money(%q %s %s) = %v, %v; want a malformed error", tc.amount, tc.currency, tc.indicator, m, err)
		case tc.want != "" && (err != nil || m.String() != tc.want || m.Minor != tc.minor):
			t.Errorf("money(%q %s %s) = %v, %v; want %s", tc.amount, tc.currency, tc.indicator, m, err, tc.want)
		}
	}
	if _, err := money(obAmount{Amount: "1.00", Currency: "EUR"}, "Credit", "GBP"); err == nil {
		t.Error("an EUR amount on a GBP account passed")
	}
}

func TestBalances(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, payload    string
		booked, avail    int64
		limit            int64
		asOf             string
		malformedPayload bool
	}{
		{
			// The v3.1 specification's example: only an available balance, with
			// its pre-agreed overdraft included.
			name: "v3.1 example",
			payload: `{"Data":{"Balance":[{"AccountId":"22289","Amount":{"Amount":"1230.00","Currency":"GBP"},"CreditDebitIndicator":"Credit",
				"Type":"InterimAvailable","DateTime":"2017-04-05T10:43:07+00:00","CreditLine":[{"Included":true,"Amount":{"Amount":"1000.00",
				"Currency":"GBP"},"Type":"Pre-Agreed"}]}]},"Links":{"Self":"https://api.alphabank.com/open-banking/v3.1/aisp/accounts/22289/balances/"},
				"Meta":{"TotalPages":1}}`,
			booked: 123000, avail: 123000, limit: 100000, asOf: "2017-04-05T10:43:07Z",
		},
		{
			name: "v3.1 booked and available, overdrawn",
			payload: `{"Data":{"Balance":[{"AccountId":"22289","Amount":{"Amount":"35.20","Currency":"GBP"},"CreditDebitIndicator":"Debit",
				"Type":"ClosingBooked","DateTime":"2017-04-05T10:43:07+00:00"},{"AccountId":"22289","Amount":{"Amount":"464.80","Currency":"GBP"},
				"CreditDebitIndicator":"Credit","Type":"Expected","DateTime":"2017-04-05T11:00:00+01:00"}]}}`,
			booked: -3520, avail: 46480, asOf: "2017-04-05T10:43:07Z",
		},
		{
			// v4.0's codes, as its example (and Prism's mock) has them.
			name: "v4.0 codes",
			payload: `{"Data":{"Balance":[{"AccountId":"22289","CreditDebitIndicator":"Credit","Type":"CLAV","DateTime":"2024-05-29T00:00:00Z",
				"Amount":{"Amount":"1209.06","Currency":"GBP","SubType":"BCUR"}},{"AccountId":"22289","CreditDebitIndicator":"Credit","Type":"ITBD",
				"DateTime":"2024-05-29T00:00:00Z","Amount":{"Amount":"1250.00","Currency":"GBP"}},{"AccountId":"22289","CreditDebitIndicator":"Credit",
				"Type":"ITAV","DateTime":"2024-05-29T00:00:00Z","Amount":{"Amount":"1100.00","Currency":"GBP"}}]}}`,
			booked: 125000, avail: 110000, asOf: "2024-05-29T00:00:00Z",
		},
		{
			name:             `the mock's "Currency":"string"`,
			payload:          `{"Data":{"Balance":[{"AccountId":"22289","CreditDebitIndicator":"Credit","Type":"CLAV","DateTime":"2024-05-29T00:00:00Z","Amount":{"Amount":"1209.06","Currency":"string"}}]}}`,
			malformedPayload: true,
		},
		{
			name:             "no balance of a known type",
			payload:          `{"Data":{"Balance":[{"AccountId":"22289","CreditDebitIndicator":"Credit","Type":"Information","DateTime":"2024-05-29T00:00:00Z","Amount":{"Amount":"1.00","Currency":"GBP"}}]}}`,
			malformedPayload: true,
		},
	} {
		var p struct{ Data struct{ Balance []obBalance } }
		if err := json.Unmarshal([]byte(tc.payload), &p); err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		b, limit, err := balance("22289", "GBP", p.Data.Balance)
		if tc.malformedPayload {
			if !errors.Is(err, errMalformed) {
				t.Errorf("%s: %+v, %v; want malformed", tc.name, b, err)
			}
			continue
		}
		if err != nil || b.Booked.Minor != tc.booked || b.Available.Minor != tc.avail || limit.Minor != tc.limit || b.AsOf.Format(time.RFC3339) != tc.asOf {
			t.Errorf("%s: %+v limit %v, %v; want booked %d, available %d, limit %d at %s", tc.name, b, limit, err, tc.booked, tc.avail, tc.limit, tc.asOf)
		}
	}
}

func TestTransactions(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, payload string
		want          banks.Transaction
		skip, bad     bool
	}{
		{
			name: "v3.1 example, a credit",
			payload: `{"AccountId":"22289","TransactionId":"123","TransactionReference":"Ref 1","Amount":{"Amount":"10.00","Currency":"GBP"},
				"CreditDebitIndicator":"Credit","Status":"Booked","BookingDateTime":"2017-04-05T10:43:07+00:00","ValueDateTime":"2017-04-05T10:45:22+00:00",
				"TransactionInformation":"Cash from Aubrey","BankTransactionCode":{"Code":"ReceivedCreditTransfer","SubCode":"DomesticCreditTransfer"},
				"ProprietaryBankTransactionCode":{"Code":"Transfer","Issuer":"AlphaBank"},"Balance":{"Amount":{"Amount":"230.00","Currency":"GBP"},
				"CreditDebitIndicator":"Credit","Type":"InterimBooked"}}`,
			want: banks.Transaction{ID: "123", Amount: banks.Money{Minor: 1000, Currency: "GBP"}, Merchant: "Cash from Aubrey", Status: banks.Booked},
		},
		{
			name: "a card purchase with a merchant category code",
			payload: `{"AccountId":"22289","TransactionId":"t2","Amount":{"Amount":"23.45","Currency":"GBP"},"CreditDebitIndicator":"Debit",
				"Status":"Pending","BookingDateTime":"2017-04-05T10:43:07Z","TransactionInformation":"TESCO STORES 2041",
				"MerchantDetails":{"MerchantName":"Tesco","MerchantCategoryCode":"5411"}}`,
			want: banks.Transaction{ID: "t2", Amount: banks.Money{Minor: -2345, Currency: "GBP"}, Merchant: "Tesco", Category: "groceries", Status: banks.Pending},
		},
		{
			name: "v4.0 BOOK with Konto's own category word",
			payload: `{"AccountId":"22289","TransactionId":"t3","Amount":{"Amount":"1450.00","Currency":"GBP"},"CreditDebitIndicator":"Debit",
				"Status":"BOOK","BookingDateTime":"2024-05-29T00:00:00Z","TransactionInformation":"Camden Lettings",
				"ProprietaryBankTransactionCode":{"Code":"rent","Issuer":"KontoSandbox"}}`,
			want: banks.Transaction{ID: "t3", Amount: banks.Money{Minor: -145000, Currency: "GBP"}, Merchant: "Camden Lettings", Category: "rent", Status: banks.Booked},
		},
		{
			name: "v4.0 PDNG",
			payload: `{"AccountId":"22289","TransactionId":"t4","Amount":{"Amount":"5","Currency":"GBP"},"CreditDebitIndicator":"Debit",
				"Status":"PDNG","BookingDateTime":"2024-05-29T08:00:00+01:00"}`,
			want: banks.Transaction{ID: "t4", Amount: banks.Money{Minor: -500, Currency: "GBP"}, Status: banks.Pending},
		},
		{
			name: "rejected, with the bank's reason",
			payload: `{"AccountId":"22289","TransactionId":"t5","Amount":{"Amount":"649.00","Currency":"GBP"},"CreditDebitIndicator":"Debit",
				"Status":"RJCT","BookingDateTime":"2024-05-29T00:00:00Z","SupplementaryData":{"DeclineReason":"reported_fraud"}}`,
			want: banks.Transaction{ID: "t5", Amount: banks.Money{Minor: -64900, Currency: "GBP"}, Status: banks.Declined, DeclineReason: "reported_fraud"},
		},
		{name: "v4.0 INFO is no movement", payload: `{"TransactionId":"t6","Amount":{"Amount":"1.00","Currency":"GBP"},"CreditDebitIndicator":"Credit","Status":"INFO","BookingDateTime":"2024-05-29T00:00:00Z"}`, skip: true},
		{name: "an unknown status", payload: `{"TransactionId":"t7","Amount":{"Amount":"1.00","Currency":"GBP"},"CreditDebitIndicator":"Credit","Status":"Maybe","BookingDateTime":"2024-05-29T00:00:00Z"}`, bad: true},
		{name: "a date without a zone", payload: `{"TransactionId":"t8","Amount":{"Amount":"1.00","Currency":"GBP"},"CreditDebitIndicator":"Credit","Status":"Booked","BookingDateTime":"2024-05-29T00:00:00"}`, bad: true},
		{name: "the mock's TransactionId string and Currency string", payload: `{"TransactionId":"string","Amount":{"Amount":"1209.06","Currency":"string"},"CreditDebitIndicator":"Credit","Status":"BOOK","BookingDateTime":"2024-05-29T00:00:00Z"}`, bad: true},
	} {
		var raw obTransaction
		if err := json.Unmarshal([]byte(tc.payload), &raw); err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		got, ok, err := raw.transaction("22289", "GBP")
		switch {
		case tc.bad:
			if !errors.Is(err, errMalformed) {
				t.Errorf("%s: %+v, %v; want malformed", tc.name, got, err)
			}
		case tc.skip:
			if ok || err != nil {
				t.Errorf("%s: %+v, %v, %v; want skipped", tc.name, got, ok, err)
			}
		default:
			tc.want.AccountID, tc.want.Time = "22289", got.Time
			if err != nil || !ok || got != tc.want || got.Time.IsZero() || got.Time.Location() != time.UTC {
				t.Errorf("%s:\n got %+v, %v\nwant %+v", tc.name, got, err, tc.want)
			}
		}
	}
}

func TestAccounts(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, payload string
		want          banks.Account
		bad           bool
	}{
		{
			name: "v3.1 current account",
			payload: `{"AccountId":"22289","Currency":"GBP","AccountType":"Personal","AccountSubType":"CurrentAccount","Nickname":"Bills",
				"Account":[{"SchemeName":"UK.OBIE.SortCodeAccountNumber","Identification":"80200110203345","Name":"Mr Kevin","SecondaryIdentification":"00021"}]}`,
			want: banks.Account{ID: "22289", Kind: banks.Checking, Name: "Bills", LastFour: "3345", Currency: "GBP"},
		},
		{
			name: "v4.0 card account: the card's last four",
			payload: `{"AccountId":"31820","Currency":"GBP","AccountType":"Personal","AccountSubType":"CARD","Description":"Credit card",
				"Account":[{"SchemeName":"UK.OBIE.SortCodeAccountNumber","Identification":"80200112344562"},{"SchemeName":"UK.OBIE.PAN","Identification":"XXXXXXXXXXXX7702"}]}`,
			want: banks.Account{ID: "31820", Kind: banks.CreditCard, Name: "Credit card", LastFour: "7702", Currency: "GBP"},
		},
		{
			name:    "v4.0 savings",
			payload: `{"AccountId":"s1","Currency":"EUR","AccountSubType":"SVGS","Account":[{"SchemeName":"UK.OBIE.IBAN","Identification":"GB29NWBK60161331926819","Name":"Jane Smith"}]}`,
			want:    banks.Account{ID: "s1", Kind: banks.Savings, Name: "Jane Smith", LastFour: "6819", Currency: "EUR"},
		},
		{name: "the mock's Currency string", payload: `{"AccountId":"22289","Status":"Deleted","Currency":"string"}`, bad: true},
		{name: "no AccountId", payload: `{"Currency":"GBP"}`, bad: true},
	} {
		var raw obAccount
		if err := json.Unmarshal([]byte(tc.payload), &raw); err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		got, err := raw.account()
		if tc.bad != (err != nil) || (!tc.bad && got != tc.want) {
			t.Errorf("%s: %+v, %v; want %+v", tc.name, got, err, tc.want)
		}
	}
}

func TestStatusCodes(t *testing.T) {
	t.Parallel()
	for code, want := range map[string]string{"AWAU": "AwaitingAuthorisation", "AUTH": "Authorised", "RJCT": "Rejected", "COND": "Consumed",
		"Authorised": "Authorised", "AwaitingAuthorisation": "AwaitingAuthorisation"} {
		if got := v3(code, consentStatuses); got != want {
			t.Errorf("consent status %s = %s, want %s", code, got, want)
		}
	}
	ob := func(code string) []byte {
		return []byte(`{"Code":"x","Message":"m","Errors":[{"ErrorCode":"` + code + `","Message":"m"}]}`)
	}
	for _, tc := range []struct {
		status int
		body   []byte
		kind   banks.Kind
		reason string
	}{
		{400, ob("UK.OBIE.Field.Invalid"), banks.Invalid, ""},
		{400, ob("UK.OBIE.Header.Invalid"), banks.Invalid, ""},
		{400, ob("UK.OBIE.Resource.NotFound"), banks.NotFound, ""},
		{400, ob("KSBX.Rules.InsufficientFunds"), banks.Forbidden, "insufficient_funds"},
		{400, ob("ACME.AM04"), banks.Forbidden, "insufficient_funds"},
		{400, ob("KSBX.Rules.AccountFrozen"), banks.Forbidden, "account_frozen"},
		{400, ob("XYZ.AC04"), banks.Forbidden, "account_closed"},
		{401, nil, banks.NotLinked, ""},
		{403, ob("UK.OBIE.Resource.InvalidConsentStatus"), banks.ConsentExpired, ""},
		{403, ob("UK.OBIE.Reauthenticate"), banks.ConsentExpired, ""},
		{403, nil, banks.NotLinked, ""},
		{404, nil, banks.NotFound, ""},
		{429, nil, banks.Unavailable, ""},
		{500, ob("UK.OBIE.UnexpectedError"), banks.Unavailable, ""},
		{503, []byte("<html>down</html>"), banks.Unavailable, ""},
		{http.StatusMethodNotAllowed, nil, banks.Other, ""},
	} {
		err := statusError("test", tc.status, tc.body)
		if banks.KindOf(err) != tc.kind || banks.ReasonOf(err) != tc.reason {
			t.Errorf("%d %s: %v (kind %s, reason %q); want %s %q", tc.status, tc.body, err, banks.KindOf(err), banks.ReasonOf(err), tc.kind, tc.reason)
		}
	}
}

func TestDerivedKeys(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("k", 500)
	a, b, c := derive("oliver", long), derive("oliver", long), derive("priya", long)
	if a != b || a.consent == c.consent || a.consent == a.payment {
		t.Errorf("keys %+v %+v %+v", a, b, c)
	}
	for _, k := range []string{a.consent, a.payment} {
		if len(k) > 40 || strings.TrimSpace(k) != k {
			t.Errorf("x-idempotency-key %q", k)
		}
	}
	if len(a.instruction) > 35 || len(a.endToEnd) > 35 {
		t.Errorf("identifications %q %q longer than 35", a.instruction, a.endToEnd)
	}
}

func TestRetryAfter(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	for v, want := range map[string]time.Duration{"": 0, "5": 5 * time.Second, "0": 0, "-3": 0, "soon": 0,
		now.Add(90 * time.Second).Format(http.TimeFormat): 90 * time.Second} {
		if got := retryAfter(v, now); got != want {
			t.Errorf("retryAfter(%q) = %s, want %s", v, got, want)
		}
	}
}

func TestMerchantKey(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{"Sainsbury's": "sainsburys", "Marks & Spencer Food": "marks spencer food", "  Pret A Manger ": "pret a manger"} {
		if got := merchantKey(in); got != want {
			t.Errorf("merchantKey(%q) = %q, want %q", in, got, want)
		}
	}
}

// FuzzMoney feeds the amount parser what a bank might send: it never
// panics, and what it accepts prints back to the same value.
func FuzzMoney(f *testing.F) {
	for _, s := range [][3]string{{"1230.00", "GBP", "Credit"}, {"0.5", "JPY", "Debit"}, {"10.50000", "KWD", "Credit"}, {"string", "string", "Credit"}} {
		f.Add(s[0], s[1], s[2])
	}
	f.Fuzz(func(t *testing.T, amount, currency, indicator string) {
		m, err := money(obAmount{Amount: amount, Currency: currency}, indicator, "")
		if err != nil {
			return
		}
		if m.Currency != currency || (indicator == "Debit") != (m.Minor < 0) && m.Minor != 0 {
			t.Fatalf("money(%q, %q, %q) = %v", amount, currency, indicator, m)
		}
		again, err := money(obAmount{Amount: m.Abs().Decimal(), Currency: currency}, indicator, currency)
		if err != nil || again != m {
			t.Fatalf("%v prints as %q, which parses as %v, %v", m, m.Abs().Decimal(), again, err)
		}
	})
}
