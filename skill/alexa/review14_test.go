package alexa

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"
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

// defended, and one finding (low): bodies built to hurt the decoder or
// the core (JSON nested 60,000 deep within the size limit, a slot value
// of the wrong type, invalid UTF-8 and NUL bytes in a payee and an
// amount) get a JSON error or a plain answer, quickly. The finding: an
// amount value "2\x000" was read back as $2.00 (the NUL split the
// digits); an amount value with control bytes or invalid UTF-8 is now no
// amount, and the amount is asked.
func TestReview14HostileBodiesMoveNothing(t *testing.T) {
	s := newStack(t, false)
	ctx := context.Background()
	tok := s.bank.Token("carol")
	u, err := s.bank.Authenticate(ctx, tok)
	if err != nil {
		t.Fatal(err)
	}
	before, _ := s.bank.Balance(ctx, u, "carol-checking")
	deep := `{"version":"1.0","pad":` + strings.Repeat("[", 60000) + strings.Repeat("]", 60000) + `}`
	for name, body := range map[string][]byte{
		"deep":        []byte(deep),
		"deep signed": s.body(reqOpts{typ: "IntentRequest", intent: "TransferMoneyIntent", token: tok, extra: map[string]any{"x": json.RawMessage(strings.Repeat("[", 30000) + strings.Repeat("]", 30000))}}),
		"wrong slot type": []byte(strings.Replace(string(s.body(reqOpts{typ: "IntentRequest", intent: "TransferMoneyIntent", token: tok,
			slots: map[string]any{"amount": map[string]any{"name": "amount", "value": "20"}}})), `"value":"20"`, `"value":20`, 1)),
	} {
		start := time.Now()
		rec := s.post(t, body)
		if time.Since(start) > 2*time.Second {
			t.Errorf("%s took %s", name, time.Since(start))
		}
		if rec.Code != http.StatusBadRequest && rec.Code != http.StatusRequestEntityTooLarge {
			t.Errorf("%s: %d %s", name, rec.Code, rec.Body)
		}
		if strings.Contains(rec.Body.String(), ".go:") || strings.Contains(rec.Body.String(), "goroutine") {
			t.Errorf("%s leaks internals: %s", name, rec.Body)
		}
	}
	for i, v := range [][2]string{{"tom\xff\xfe nguyen", "20"}, {"tom nguyen", "2\x000"}, {"tom\x00nguyen", "\xff20"}, {"\u202etom nguyen", "２０"}} {
		sess := fmt.Sprintf("S-r14-utf-%d", i)
		r := s.ask(t, reqOpts{typ: "IntentRequest", intent: "TransferMoneyIntent", token: tok, session: sess,
			slots: map[string]any{"payee": map[string]any{"name": "payee", "value": v[0]}, "amount": map[string]any{"name": "amount", "value": v[1]},
				"fromAccount": resolved("checking", "CHECKING")}})
		if r.speech() == "" {
			t.Errorf("%q: no answer", v)
		}
		if strings.Contains(r.speech(), "$") && !strings.Contains(r.speech(), "$20.00") {
			t.Errorf("%q read back another amount: %q", v, r.speech())
		}
		s.ask(t, reqOpts{typ: "IntentRequest", intent: "AMAZON.YesIntent", token: tok, session: sess})
		s.ask(t, reqOpts{typ: "IntentRequest", intent: "ProvidePinIntent", token: tok, session: sess,
			slots: map[string]any{"pin": map[string]any{"name": "pin", "value": s.bank.PIN("carol")}}})
	}
	after, _ := s.bank.Balance(ctx, u, "carol-checking")
	// (a payee said with junk around a real name may still be Tom after
	// a read-back, yes and PIN; only a payment of another amount than 20
	// dollars, or to someone else, would be wrong)
	if d := before.Booked.Minor - after.Booked.Minor; d%2000 != 0 {
		t.Errorf("hostile values moved %d cents", d)
	}
}
