package intents

import "testing"

// TestCrossValidate holds the model to floors on training data it did not
// train on, split by whole template, and checks that the split is by
// template: no template lands in two folds.
func TestCrossValidate(t *testing.T) {
	floors := map[string][2]float64{"en-US": {0.88, 0.90}, "de-DE": {0.85, 0.87}}
	for _, loc := range Locales {
		cv, err := CrossValidate(loc, 5)
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("%s: %d folds over %d: accuracy %.3f (banking %.3f), out-of-scope rejection %.3f", loc, cv.Folds, cv.N, cv.Accuracy, cv.InScopeAccuracy, cv.OOSRejection)
		if f := floors[loc]; cv.Accuracy < f[0] || cv.OOSRejection < f[1] {
			t.Errorf("%s: cross-validated accuracy %.3f, rejection %.3f under %v", loc, cv.Accuracy, cv.OOSRejection, f)
		}
	}
	ex, err := TrainingExamples("en-US")
	if err != nil {
		t.Fatal(err)
	}
	fold := map[int]int{}
	for _, e := range ex {
		if f, ok := fold[e.group]; ok && f != foldOf(e, 5) {
			t.Fatalf("template %d in folds %d and %d", e.group, f, foldOf(e, 5))
		}
		fold[e.group] = foldOf(e, 5)
	}
	if _, err := CrossValidate("en-US", 1); err == nil {
		t.Error("one fold accepted")
	}
}
