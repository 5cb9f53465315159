package skill_test

import (
	"strings"
	"testing"
)

func TestReview10Scratch(t *testing.T) {
	for _, c := range []struct {
		cust, loc string
		turns     []string
	}{
		{"carol", "en-US", []string{"send tom nguyen 20 dollars from checking", "yes", "PIN", "can you say that once more"}},
		{"carol", "en-US", []string{"send tom nguyen 20 dollars from checking", "yes", "PIN", "say that once more", "yes"}},
		{"carol", "en-US", []string{"send tom nguyen 20 dollars from checking", "yes", "PIN", "do it again", "yes"}},
		{"carol", "en-US", []string{"send tom nguyen 20 dollars from checking", "yes", "PIN", "send alice meyer 10 dollars from checking", "yes, alice"}},
		{"alice", "en-US", []string{"what's my balance", "yes", "send alice meyer 10 dollars from checking", "yes", "PIN", "send alice meyer 10 dollars from checking", "yes, alice chen"}},
		{"alice", "en-US", []string{"what's my balance", "yes", "send alice meyer 10 dollars from checking", "yes, alice chen", "PIN"}},
		{"carol", "en-US", []string{"send tom nguyen 20 dollars from checking", "yes", "PIN", "send alice meyer 10 dollars from checking", "yes, twenty five"}},
		{"carol", "en-US", []string{"send tom nguyen 20 dollars from checking", "yes", "PIN", "send alice meyer 10 dollars from checking", "yes, for tom"}},
		{"carol", "en-US", []string{"send tom nguyen 20 dollars from checking", "yes", "PIN", "send alice meyer 10 dollars from checking", "yes send it on friday"}},
		{"carol", "en-US", []string{"send tom nguyen 1 2 3 4 5 dollars from checking"}},
		{"carol", "en-US", []string{"send tom nguyen one two three four dollars from checking"}},
		{"carol", "en-US", []string{"send tom nguyen 20 dollars for the 2 tickets, i mean from checking"}},
		{"carol", "en-US", []string{"send tom nguyen 500 dollars from checking, actually he owes me 20 so nevermind"}},
		{"carol", "en-US", []string{"send tom nguyen 20 dollars from checking and make it 2 payments"}},
		{"carol", "en-US", []string{"send tom nguyen 20 dollars from checking, oops 1 more thing"}},
		{"carol", "en-US", []string{"send tom nguyen 20 dollars from checking", "yes", "sixty six ninety six"}},
		{"carol", "en-US", []string{"send tom nguyen 20 dollars from checking", "yes", "6 6 9 6 6 6 9 6"}},
		{"carol", "en-US", []string{"lock my debit card", "and my credit card", "ok"}},
		{"carol", "en-US", []string{"lock my debit card", "and my credit card", "sure i guess"}},
		{"carol", "en-US", []string{"lock my debit card", "the credit card?"}},
		{"carol", "en-US", []string{"lock my card", "i'm not sure, the credit one i think"}},
		{"carol", "en-US", []string{"lock my card", "credit, not debit"}},
		{"carol", "en-US", []string{"i got a text about a charge on my card"}},
		{"alice", "en-US", []string{"what's my balance", "i got a text about a charge on my card"}},
		{"alice", "en-US", []string{"i got a text about a charge on my card", "ok"}},
		{"alice", "en-US", []string{"i got a text about a charge on my card", "sure i guess"}},
		{"alice", "en-US", []string{"i got a text message from tom about the payment", "yes"}},
		{"alice", "en-US", []string{"send bob smith 20 dollars from checking", "yes", "PIN"}},
		{"carol", "en-US", []string{"when does my credit card expire", "i nearly lost it", "yes"}},
		{"carol", "en-US", []string{"what's my credit card balance", "i lost it"}},
		{"carol", "en-US", []string{"pay my mortgage"}},
		{"carol", "en-US", []string{"pay 50 dollars to my mortgage"}},
	} {
		t.Run(strings.Join(c.turns, " / "), func(t *testing.T) {
			e := newEnv(t, nil, 0)
			acct := "carol-checking"
			var b0 int64
			if c.cust == "carol" {
				b0 = balanceOf(t, e, acct)
			}
			out := r7talk(t, e, c.cust, c.loc, "scratch", c.turns...)
			for i, o := range out {
				t.Logf("> %s\n< %s", c.turns[i], o)
			}
			if c.cust == "carol" {
				t.Logf("delta %d", balanceOf(t, e, acct)-b0)
			}
		})
	}
}
