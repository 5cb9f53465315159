package skill

import (
	"context"
	"testing"
	"time"

	"github.com/kontoskill/konto/intents"
)

// TestConfidenceThresholds calibrates the confidence policy on the
// held-out sets (never trained on): how many right readings the
// thresholds turn into a question ("Do you want to …?"), and how many
// wrong readings they still let act. It logs the figures the closing
// note reports and fails if the policy lets a wrong money-moving or
// destructive reading start its dialog more often than 2 in 100 held-out
// utterances (the read-back and the PIN still stand before anything
// moves), or asks back about more than 1 in 10 right ones.
func TestConfidenceThresholds(t *testing.T) {
	s := New(Config{})
	rec := intents.NewOffline()
	for _, loc := range intents.HeldOutLocales() {
		ex, nowStr, err := intents.HeldOut(loc)
		if err != nil {
			t.Fatal(err)
		}
		now, _ := time.Parse(time.DateOnly, nowStr)
		var right, rightAsked, wrongActs, wrongSensitive, n int
		for _, e := range ex {
			res, err := rec.Parse(context.Background(), e.Text, loc, now)
			if err != nil {
				t.Fatal(err)
			}
			n++
			r := &Request{Text: e.Text, Intent: res.Intent, Confidence: res.Confidence}
			held := s.unsure(r)
			if res.Intent == e.Intent {
				right++
				if held {
					rightAsked++
				}
				continue
			}
			if s.sensitive(res.Intent) {
				wrongSensitive++
				if !held {
					wrongActs++
					t.Logf("%s: %q read as %s at %.2f (is %s) would act", loc, e.Text, res.Intent, res.Confidence, e.Intent)
				}
			}
		}
		t.Logf("%s: %d held-out utterances; %d read right, %d of them (%.1f%%) asked back below readMin %.2f / actMin %.2f; "+
			"%d read wrongly as a sensitive intent, %d of them (%.1f%% of all) above actMin",
			loc, n, right, rightAsked, pct(rightAsked, right), readMin, actMin, wrongSensitive, wrongActs, pct(wrongActs, n))
		if pct(wrongActs, n) > 2 {
			t.Errorf("%s: %.1f%% of utterances would act on a wrong sensitive reading", loc, pct(wrongActs, n))
		}
		if pct(rightAsked, right) > 10 {
			t.Errorf("%s: %.1f%% of right readings are asked back", loc, pct(rightAsked, right))
		}
	}
}

func pct(a, b int) float64 {
	if b == 0 {
		return 0
	}
	return 100 * float64(a) / float64(b)
}
