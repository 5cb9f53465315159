package intents

import (
	"context"
	"testing"
	"time"
)

func TestEvalProbe(t *testing.T) {
	o := NewOffline()
	st := time.Now()
	o.Warm()
	t.Log("train", time.Since(st))
	for _, loc := range Locales {
		ex, nowS, err := HeldOut(loc)
		if err != nil {
			t.Fatal(err)
		}
		now, _ := time.Parse(time.DateOnly, nowS)
		r, err := Evaluate(context.Background(), o, loc, ex, now.Add(9*time.Hour), nil)
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("%s acc %.3f in %.3f oos %.3f slot %.3f thr %.2f", loc, r.Accuracy, r.InScopeAccuracy, r.OOSRejection, r.SlotAccuracy, o.models[loc].m.threshold)
		for _, e := range r.Errors {
			t.Logf("  %q want %s %v got %s %v", e.Text, e.WantIntent, e.WantSlots, e.Got, e.GotSlots)
		}
	}
}
