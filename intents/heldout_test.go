package intents

import (
	"context"
	"strings"
	"testing"
	"time"
)

// TestHeldOutIsHeldOut keeps the evaluation honest.
func TestHeldOutIsHeldOut(t *testing.T) {
	for _, loc := range HeldOutLocales() {
		held, _, err := HeldOut(loc)
		if err != nil {
			t.Fatal(err)
		}
		heldSet := map[string]bool{}
		for _, ex := range held {
			heldSet[Normalize(ex.Text)] = true
		}
		// No sample line written for training may copy a held-out one.
		samples, oos, err := Samples(loc)
		if err != nil {
			t.Fatal(err)
		}
		samples["(out of scope)"] = oos
		for name, ts := range samples {
			for _, s := range ts {
				if !strings.Contains(s, "{") && heldSet[Normalize(s)] {
					t.Errorf("%s: training line %q of %s is held out", loc, s, name)
				}
			}
		}
		// And no template expansion may reproduce one.
		train, err := TrainingExamples(loc)
		if err != nil {
			t.Fatal(err)
		}
		for _, ex := range train {
			if heldSet[Normalize(ex.Text)] {
				t.Errorf("%s: training example %q is held out", loc, ex.Text)
			}
		}
	}
}

// TestHeldOutScores holds the offline recognizer to the targets on the
// held-out split: intent accuracy, out-of-scope rejection and slot
// accuracy of at least 95%, 95% and 90% in each locale.
func TestHeldOutScores(t *testing.T) {
	for _, loc := range HeldOutLocales() {
		held, nowS, err := HeldOut(loc)
		if err != nil {
			t.Fatal(err)
		}
		now, _ := time.Parse(time.DateOnly, nowS)
		r, err := Evaluate(context.Background(), testRec, loc, held, now.Add(9*time.Hour), nil)
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("%s: accuracy %.3f (in scope %.3f), out-of-scope rejection %.3f, slots %.3f", loc, r.Accuracy, r.InScopeAccuracy, r.OOSRejection, r.SlotAccuracy)
		if r.Accuracy < 0.95 || r.OOSRejection < 0.95 || r.SlotAccuracy < 0.90 {
			for _, e := range r.Errors {
				t.Logf("  %q: want %s %v, got %s %v", e.Text, e.WantIntent, e.WantSlots, e.Got, e.GotSlots)
			}
			t.Errorf("%s below target", loc)
		}
	}
}
