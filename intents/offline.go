package intents

import (
	"context"
	"strings"
	"time"
)

// Offline is the default recognizer: no network, deterministic, fast.
// This first version scores intents by key words and phrases per locale;
// slots come from the shared slot parsers.
type Offline struct{}

var _ Recognizer = Offline{}

type cue struct {
	intent string
	weight float64
	words  []string // whole words or phrases
	stems  []string // word prefixes, for German compounds
}

var cues = []cue{
	{GetBalance, 2, []string{"balance", "balances", "how much money", "how much do i have", "how much is in", "how much is on", "whats in my", "what is in my", "money do i have", "saldo", "guthaben", "wie viel geld", "wieviel geld", "wie viel habe ich auf", "wie viel ist auf", "was ist auf", "owe", "schulde", "available credit"}, []string{"kontostand", "kontoständ"}},
	{ListTransactions, 2, []string{"transactions", "transaction", "purchases", "charges", "recent activity", "activity", "history", "what did i buy", "last payment", "last purchase", "umsätze", "buchungen", "transaktionen", "abbuchungen", "kontobewegungen", "was habe ich gekauft", "letzten zahlungen", "statement"}, []string{"kontoauszug", "umsätz", "kontobeweg"}},
	{SpendingSummary, 3, []string{"spend", "spent", "spending", "expenses", "expenditure", "cost me", "did i pay", "i paid", "ausgegeben", "ausgaben", "gezahlt", "bezahlt", "verbraucht", "gelassen", "verbraten", "kosten"}, nil},
	{Help, 3, []string{"help", "what can you do", "what can i say", "hilfe", "was kannst du", "was kann ich sagen", "how does this work", "wie funktioniert das"}, nil},
	{Stop, 4, []string{"stop", "quit", "exit", "goodbye", "bye", "thats all", "that is all", "nothing else", "stopp", "aufhören", "beenden", "tschüss", "ende", "das wars", "das war alles", "nichts mehr"}, nil},
	{Cancel, 4, []string{"cancel", "never mind", "nevermind", "forget it", "abbrechen", "vergiss es", "abbruch"}, nil},
	{Repeat, 4, []string{"repeat", "say that again", "come again", "what did you say", "wiederholen", "wiederhole", "noch einmal", "nochmal", "wie bitte"}, nil},
	{Yes, 4, []string{"yes", "yeah", "yep", "sure", "correct", "that is right", "thats right", "ja", "genau", "richtig", "jawohl", "okay", "ok"}, nil},
	{No, 4, []string{"no", "nope", "not", "nein", "nee", "falsch", "no thanks", "nein danke"}, nil},
}

// banking words make a money phrase count even when no intent cue is
// strong: without one of them, an utterance is out of scope.
var bankingWords = []string{"account", "accounts", "money", "bank", "checking", "savings", "card", "konto", "geld", "bank", "karte", "spend", "spent", "kontostand", "umsätze"}

// Parse implements Recognizer.
func (Offline) Parse(ctx context.Context, text, locale string, now time.Time) (Result, error) {
	norm := Normalize(text)
	res := Result{Text: text, Intent: Fallback, Slots: Slots{}}
	if norm == "" {
		return res, nil
	}
	words := strings.Fields(norm)
	scores := map[string]float64{}
	for _, c := range cues {
		for _, w := range c.words {
			if containsPhrase(norm, w) {
				scores[c.intent] += c.weight * float64(1+strings.Count(w, " "))
			}
		}
		if hasPrefixWord(words, c.stems...) {
			scores[c.intent] += c.weight
		}
	}
	// Short confirmations only count when they are most of the utterance.
	for _, in := range []string{Yes, No} {
		if scores[in] > 0 && len(words) > 4 {
			delete(scores, in)
		}
	}
	best, bestScore, total := Fallback, 0.0, 0.0
	for _, c := range Catalog {
		s := scores[c.Name]
		total += s
		if s > bestScore {
			best, bestScore = c.Name, s
		}
	}
	if best == Fallback {
		res.Confidence = 0.5
		return res, nil
	}
	res.Intent = best
	res.Confidence = 0.6 + 0.4*bestScore/total
	if best == ListTransactions && scores[SpendingSummary] > 0 && ParseCount(norm, locale) == 0 {
		// "how much did I spend on groceries": a total, not a list
		res.Intent = SpendingSummary
	}
	fillSlots(res.Intent, norm, locale, now, res.Slots)
	return res, nil
}

// fillSlots extracts the slots an intent takes from normalized text.
func fillSlots(intent, norm, locale string, now time.Time, slots Slots) {
	in, _ := Lookup(intent)
	rest := norm
	for _, name := range in.Slots {
		switch name {
		case SlotDateRange:
			if dr, phrase, ok := ParseDateRange(norm, locale, now); ok {
				slots[name] = dr
				rest = strings.TrimSpace(strings.Replace(" "+rest+" ", " "+phrase+" ", " ", 1))
			}
		}
	}
	for _, name := range in.Slots {
		switch name {
		case SlotAccount:
			if a := ParseAccount(norm); a != "" {
				slots[name] = a
			}
		case SlotCategory:
			if c := ParseCategory(rest); c != "" {
				slots[name] = c
			}
		case SlotCount:
			if n := ParseCount(norm, locale); n > 0 {
				slots[name] = n
			}
		case SlotMerchant:
			if m := ParseMerchant(rest); m != "" {
				slots[name] = m
			}
		}
	}
}
