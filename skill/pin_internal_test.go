package skill

import (
	"testing"
	"time"
)

// Finding 2's memory side: 30 PIN checks at once took 19 MiB each. The
// argon2 work is bounded: with every slot taken, a check waits.
func TestHashWorkIsBounded(t *testing.T) {
	hash := HashPIN([]byte("k"), "b", "c", "1234")
	for i := 0; i < cap(hashSlots); i++ {
		hashSlots <- struct{}{}
	}
	done := make(chan bool)
	go func() {
		ok, _ := VerifyPIN([]byte("k"), "b", "c", hash, "1234")
		done <- ok
	}()
	select {
	case <-done:
		t.Fatal("a PIN check ran with every hash slot taken")
	case <-time.After(100 * time.Millisecond):
	}
	<-hashSlots
	if ok := <-done; !ok {
		t.Fatal("the right PIN did not verify")
	}
	for i := 1; i < cap(hashSlots); i++ {
		<-hashSlots
	}
}
