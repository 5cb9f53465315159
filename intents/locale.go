package intents

import (
	"golang.org/x/text/currency"
	"golang.org/x/text/language"
)

// CurrencyOf is the default currency of a locale ("en-US" → USD, "en-GB"
// → GBP, "de-DE" → EUR), by x/text's region table, the same rule as
// banks.CurrencyOf (intents must not import banks).
func CurrencyOf(locale string) string {
	region, _ := language.Make(locale).Region()
	if u, ok := currency.FromRegion(region); ok {
		return u.String()
	}
	return "EUR"
}
