package skill

import (
	"testing"

	"github.com/kontoskill/konto/intents"
)

// TestDoItYes: words that only say to carry out the read-back are a yes;
// anything naming more, a lock, or a no is not.
func TestDoItYes(t *testing.T) {
	for _, s := range []string{"Gut, dann führen Sie sie bitte aus", "na gut dann schicken sie sie bitte ab", "erledige das jetzt", "überweis es",
		"right, send it now please", "ok pay it", "please process the payment"} {
		if got := yesNoOf(s); got != intents.Yes {
			t.Errorf("%q: got %q, want a yes", s, got)
		}
	}
	for _, s := range []string{"send it to emily", "mach das nicht", "überweis es an max", "make it 150", "sperr sie", "lock it", "pay it from savings", "zahl lieber die telekom"} {
		if got := yesNoOf(s); got == intents.Yes {
			t.Errorf("%q: read as a yes", s)
		}
	}
}
