package skill

import "testing"

// A number or a place said alone answers a choice; with none offered it is
// no unsure request to ask about.
func TestBareChoice(t *testing.T) {
	for text, want := range map[string]bool{
		"one": true, "the second one": true, "die erste": true, "zwei": true, "the third": true,
		"the last one": false, "hi, quick one": false, "one hundred dollars": false, "lock my card": false, "": false,
	} {
		if got := bareChoice(text); got != want {
			t.Errorf("bareChoice(%q) = %v, want %v", text, got, want)
		}
	}
}
