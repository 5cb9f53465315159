package alexa

import (
	"bytes"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// BenchmarkDevGetBalance is BenchmarkVerifiedGetBalance without the
// signature check, as ../shared/bench sends it to serve --dev: a fresh
// request id each time and no session attributes, so that the loop is
// the turn alone (for -cpuprofile and -memprofile).
func BenchmarkDevGetBalance(b *testing.B) {
	s := newStack(b, true)
	body := s.body(reqOpts{typ: "IntentRequest", intent: "GetBalanceIntent", token: s.bank.Token("alice"), session: "S-bench",
		slots: map[string]any{"accountType": resolved("checking", "CHECKING")}, requestID: "amzn1.echo-api.request.bench-0000000000"})
	id := bytes.Index(body, []byte("0000000000"))
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		copy(body[id:], fmt.Sprintf("%010d", i)) // a fresh request id
		rec := httptest.NewRecorder()
		s.e.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "/alexa", bytes.NewReader(body)))
		if rec.Code != 200 || !strings.Contains(rec.Body.String(), "Everyday Checking") {
			b.Fatalf("%d %s", rec.Code, rec.Body)
		}
	}
}
