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
// account credit_card, card credit), and the model reads them as the
// catalog's word for their kind of account (see canonical): the model is
// the same with or without a partner's sheet. Call it at start-up, before
// serving.
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
	if o.canon == nil {
		o.canon = map[string][]canonForm{}
	}
	// A new list, not an update: a parse running now reads the old one.
	list := slices.Clone(o.canon[base])
	for _, p := range products {
		for _, n := range productForms(p) {
			c := canonicalAccount(base, p.Account)
			if c == "" || n == c || slices.ContainsFunc(list, func(f canonForm) bool { return f.phrase == n }) {
				continue
			}
			list = append(list, canonForm{phrase: n, canonical: c})
		}
	}
	slices.SortStableFunc(list, func(a, b canonForm) int { return len(b.phrase) - len(a.phrase) }) // longest first
	o.canon[base] = list
	return nil
}

// canonForm maps a partner's product name to the catalog's own word for
// its kind of account, for the model's eyes.
type canonForm struct{ phrase, canonical string }

// canonicalAccount is the catalog's everyday word for an account kind.
func canonicalAccount(base, kind string) string {
	words := map[string]map[string]string{
		"en": {"checking": "checking account", "savings": "savings account", "credit_card": "credit card", "loan": "loan"},
		"de": {"checking": "girokonto", "savings": "sparkonto", "credit_card": "kreditkarte", "loan": "kredit"},
	}
	lang := "en"
	if German(base) {
		lang = "de"
	}
	return words[lang][kind]
}

// canonical is a normalized turn with the partners' product names said in
// the catalog's words ("how much is on my platinum card" → "… my credit
// card"): the model reads the turn as it reads any other, so that a bank's
// product sheet cannot shift its other answers; the slots are read from
// the turn as said.
func (o *Offline) canonical(base, norm string) string {
	o.mu.Lock()
	list := o.canon[base]
	o.mu.Unlock()
	if len(list) == 0 {
		return norm
	}
	t := " " + norm + " "
	for _, f := range list {
		t = strings.ReplaceAll(t, " "+f.phrase+" ", " "+f.canonical+" ")
	}
	return strings.TrimSpace(t)
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
