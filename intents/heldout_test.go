package intents

import "testing"

// TestHeldOutIsHeldOut keeps the evaluation honest: no held-out utterance
// may appear among the training examples.
func TestHeldOutIsHeldOut(t *testing.T) {
	for _, loc := range Locales {
		train, err := TrainingExamples(loc)
		if err != nil {
			t.Fatal(err)
		}
		seen := map[string]string{}
		for _, ex := range train {
			seen[Normalize(ex.Text)] = ex.Intent
		}
		held, _, err := HeldOut(loc)
		if err != nil {
			t.Fatal(err)
		}
		for _, ex := range held {
			if in, ok := seen[Normalize(ex.Text)]; ok {
				t.Errorf("%s: held-out %q is a training example of %s", loc, ex.Text, in)
			}
		}
	}
}
