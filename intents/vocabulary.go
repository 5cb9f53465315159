package intents

import (
	"fmt"
	"slices"
	"strings"
	"sync"
)

// Product is a bank partner's product as customers name it: its kind of
// account (an ACCOUNT id: checking, savings, credit_card or loan) and the
// names and nicknames people say for it ("Platinum Card", "my platinum",
// "Sparbuch"). A credit_card product is also a credit card (CARD credit).
type Product struct {
	Name     string
	Account  string
	Synonyms []string
}

// partnerForms are the spoken forms partners added, per slot type: phrase
// → id. They join the catalog's in the slot matchers.
var partnerForms = struct {
	sync.RWMutex
	byType map[string]map[string]string
}{byType: map[string]map[string]string{}}

// AddProducts teaches the recognizer a bank partner's product names for a
// locale: they become slot values ("how much is on my platinum card" →
// account credit_card, card credit) and they are put into the training
// utterances of the locale's model, which retrains on next use. Call it at
// start-up, before serving; parses already running keep the old model.
// Errors: an unknown account kind or a product without names.
func (o *Offline) AddProducts(locale string, products []Product) error {
	var accounts, cards []string
	forms := map[string]map[string]string{"ACCOUNT": {}, "CARD": {}}
	for _, p := range products {
		if !slices.ContainsFunc(SlotTypes["ACCOUNT"], func(v SlotValue) bool { return v.ID == p.Account }) {
			return fmt.Errorf("intents: product %q: unknown account kind %q", p.Name, p.Account)
		}
		names := productForms(p)
		if len(names) == 0 {
			return fmt.Errorf("intents: product %q has no name", p.Name)
		}
		for _, n := range names {
			forms["ACCOUNT"][n] = p.Account
			accounts = append(accounts, n)
			if p.Account == "credit_card" {
				forms["CARD"][n] = "credit"
				cards = append(cards, n)
			}
		}
	}
	partnerForms.Lock()
	for typ, fs := range forms {
		if partnerForms.byType[typ] == nil {
			partnerForms.byType[typ] = map[string]string{}
		}
		for f, id := range fs {
			partnerForms.byType[typ][f] = id
		}
	}
	partnerForms.Unlock()
	resetMatchers()

	base := baseLocale(locale)
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.extra == nil {
		o.extra = map[string]map[string][]string{}
	}
	// A new map, not an update: a model training now reads the old one.
	old := o.extra[base]
	ex := map[string][]string{
		SlotAccount: appendNew(slices.Clone(old[SlotAccount]), accounts...),
		SlotCard:    appendNew(slices.Clone(old[SlotCard]), cards...),
	}
	if slices.Equal(ex[SlotAccount], old[SlotAccount]) && slices.Equal(ex[SlotCard], old[SlotCard]) {
		return nil // words it knows: the model stays
	}
	o.extra[base] = ex
	delete(o.models, base) // trains again, with the new words, on next use
	return nil
}

// productForms are the normalized names of a product, without a leading
// "my" (the templates say "my {account}").
func productForms(p Product) []string {
	var out []string
	for _, s := range append([]string{p.Name}, p.Synonyms...) {
		n := strings.TrimPrefix(Normalize(s), "my ")
		if n != "" && n != "my" && !slices.Contains(out, n) {
			out = append(out, n)
		}
	}
	return out
}

func appendNew(list []string, add ...string) []string {
	for _, a := range add {
		if !slices.Contains(list, a) {
			list = append(list, a)
		}
	}
	return list
}

// partnerExtra returns the forms partners added to a slot type.
func partnerExtra(slotType string) map[string]string {
	partnerForms.RLock()
	defer partnerForms.RUnlock()
	out := map[string]string{}
	for f, id := range partnerForms.byType[slotType] {
		out[f] = id
	}
	return out
}
