package skilltest_test

import (
	"context"
	"fmt"

	"github.com/kontoskill/konto/skill/skilltest"
)

// A test outside `go test` (a command, a benchmark harness) opens an
// environment, talks to it through a platform's driver and cleans up.
func ExampleOpen() {
	ctx := context.Background()
	e, cleanup, err := skilltest.Open(ctx)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer cleanup()
	alice, err := e.Customer(ctx, "alice")
	if err != nil {
		fmt.Println(err)
		return
	}
	chat := skilltest.Chat(e, skilltest.Session{Customer: alice.ID, Locale: alice.Locale, Token: alice.Token})
	for _, text := range []string{"what's my checking balance", "send alice meyer 20 dollars from checking"} {
		r, err := chat.Turn(ctx, skilltest.Turn{Text: text})
		if err != nil {
			fmt.Println(err)
			return
		}
		fmt.Println(r.Intent+":", r.Speech)
	}
	// Output:
	// GetBalance: Your Everyday Checking has $12,469.55. Also, there's a charge I need you to check. A charge of $899.00 at ElectroMart on November 20th. Was this you?
	// TransferMoney: You want to send $20.00 to Alice Meyer from your Everyday Checking now. Shall I go ahead?
}

// A fixture conversation is YAML; Run plays it on a fresh environment.
func ExampleConversation_Run() {
	c, err := skilltest.ParseConversation([]byte(`
name: Balance in German
customer: jonas
turns:
  - user: wie ist mein kontostand auf dem girokonto
    expect: {intent: GetBalance, speech: '^Auf deinem Girokonto sind'}
`))
	if err != nil {
		fmt.Println(err)
		return
	}
	failures, err := c.Run(context.Background(), skilltest.Options{})
	fmt.Println(len(failures), err)
	// Output: 0 <nil>
}
