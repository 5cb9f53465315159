package alexa

import (
	"context"
	"fmt"
	"strings"
	"testing"
)

// Review 14 (attacker), over Alexa: AMAZON.NUMBER values a user can make
// Alexa send for the amount.

// finding (medium): AMAZON.NUMBER gives "-20" for "minus twenty", and
// intents.Clean dropped the sign: the read-back offered $20.00 to the
// payee. In de-DE it read the platform's "20.5" ("zwanzig komma fünf")
// with the German thousands dot, as 205,00 €, and "20.999" as
// 20.999,00 €. A platform number is read as the number it is: negative
// and sub-cent amounts are refused with a clear sentence, "20.5" is
// 20,50 €; nothing waits for a yes, and nothing moves.
func TestReview14AmazonNumberSignAndDecimals(t *testing.T) {
	s := newStack(t, false)
	ctx := context.Background()
	for i, c := range []struct {
		cust, locale, payee, value string
		want, never                []string
	}{
		{"carol", "en-US", "tom nguyen", "-20", []string{"doesn't work"}, []string{"$20.00"}},
		{"carol", "en-US", "tom nguyen", "20.999", []string{"doesn't work"}, []string{"$20,999", "$20.99"}},
		{"lena", "de-DE", "sophie wagner", "-20", []string{"geht für eine Zahlung nicht"}, []string{"20,00"}},
		{"lena", "de-DE", "sophie wagner", "20.5", []string{"20,50"}, []string{"205,00"}},
		{"lena", "de-DE", "sophie wagner", "20.999", []string{"geht für eine Zahlung nicht"}, []string{"20.999,00"}},
	} {
		sess := fmt.Sprintf("S-r14-num-%d", i)
		tok := s.bank.Token(c.cust)
		u, err := s.bank.Authenticate(ctx, tok)
		if err != nil {
			t.Fatal(err)
		}
		acct := c.cust + "-checking"
		before, err := s.bank.Balance(ctx, u, acct)
		if err != nil {
			t.Fatal(err)
		}
		r := s.ask(t, reqOpts{typ: "IntentRequest", intent: "TransferMoneyIntent", token: tok, session: sess, locale: c.locale,
			user: "amzn1.ask.account.R14" + c.cust,
			slots: map[string]any{"payee": map[string]any{"name": "payee", "value": c.payee},
				"amount":      map[string]any{"name": "amount", "value": c.value},
				"fromAccount": resolved("checking", "CHECKING")}})
		got := r.speech()
		for _, w := range c.want {
			if !strings.Contains(got, w) {
				t.Errorf("%s %q: %q, want %q", c.locale, c.value, got, w)
			}
		}
		for _, n := range c.never {
			if strings.Contains(got, n) {
				t.Errorf("%s %q: %q says %q", c.locale, c.value, got, n)
			}
		}
		if strings.Contains(c.want[0], "20,50") {
			continue // a real amount, read back; not confirmed here
		}
		s.ask(t, reqOpts{typ: "IntentRequest", intent: "AMAZON.YesIntent", token: tok, session: sess, locale: c.locale, user: "amzn1.ask.account.R14" + c.cust})
		s.ask(t, reqOpts{typ: "IntentRequest", intent: "ProvidePinIntent", token: tok, session: sess, locale: c.locale, user: "amzn1.ask.account.R14" + c.cust,
			slots: map[string]any{"pin": map[string]any{"name": "pin", "value": s.bank.PIN(c.cust)}}})
		after, err := s.bank.Balance(ctx, u, acct)
		if err != nil {
			t.Fatal(err)
		}
		if after.Booked.Minor != before.Booked.Minor {
			t.Errorf("%s %q moved %d", c.locale, c.value, before.Booked.Minor-after.Booked.Minor)
		}
	}
}
