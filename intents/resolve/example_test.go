package resolve_test

import (
	"fmt"

	"github.com/kontoskill/konto/intents/resolve"
)

func ExampleResolve() {
	merchants := []string{"Starbucks", "Whole Foods Market", "Costco", "Uber"}
	for _, said := range []string{"star bucks", "whole food", "food", "coffee"} {
		ms := resolve.Resolve(said, merchants, "en-US")
		switch {
		case len(ms) == 0 || ms[0].Kind == resolve.None:
			fmt.Printf("%s: nothing matched\n", said)
		case ms[0].Kind == resolve.Ask:
			fmt.Printf("%s: Do you mean %s?\n", said, ms[0].Name)
		default:
			fmt.Printf("%s: %s (%v)\n", said, ms[0].Name, ms[0].Kind)
		}
	}
	// Output:
	// star bucks: Starbucks (exact)
	// whole food: Whole Foods Market (confident)
	// food: Do you mean Whole Foods Market?
	// coffee: nothing matched
}

func ExampleResolver() {
	r := resolve.NewResolver([]string{"REWE", "Aldi Süd", "Vattenfall Strom", "Stadtwerke München Strom"}, "de-DE")
	for _, said := range []string{"beim rewe", "aldi sued", "strom"} {
		ms := r.Resolve(said)
		fmt.Printf("%s: %s %v\n", said, ms[0].Name, ms[0].Kind)
	}
	// Output:
	// beim rewe: REWE exact
	// aldi sued: Aldi Süd confident
	// strom: Vattenfall Strom ask
}
