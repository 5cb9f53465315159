package skill_test

import (
	"context"
	"fmt"
	"os"
	"strings"
	"testing"
)

// scratch: REV3_SCRIPT="alice|en-US|turn1;;turn2" prints answers.
func TestReview3Explore(t *testing.T) {
	sc := os.Getenv("REV3_SCRIPT")
	if sc == "" {
		t.Skip()
	}
	for i, conv := range strings.Split(sc, "##") {
		parts := strings.SplitN(conv, "|", 3)
		cust, loc := parts[0], parts[1]
		e := newEnv(t, nil, 0)
		sess := "x" + string(rune('a'+i))
		for _, turn := range strings.Split(parts[2], ";;") {
			var r string
			if turn == "CARDS" {
				u, _ := e.bank.Authenticate(context.Background(), e.bank.Token(cust))
				cs, _ := e.bank.Cards(context.Background(), u)
				for _, c := range cs {
					r += fmt.Sprintf("%s locked=%v; ", c.Kind, c.Locked)
				}
			} else if turn == "PIN" {
				r = e.pinIn(cust, loc, sess).Speech
			} else {
				r = e.sayIn(cust, loc, sess, turn).Speech
			}
			t.Logf("[%s] > %s  < %s", cust, turn, r)
		}
	}
}
