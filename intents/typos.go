package intents

import (
	"strings"
	"unicode/utf8"
)

// Typed typos of the domain's own words ("pls freez my credt card", "plz
// lock my debti card", "sperr meine kreditkrate", "girokonot") are read as
// the words meant before the intent and slots are read: a word of five or
// more letters that the training data never uses, one edit (a letter
// more, less or changed, or two neighbours swapped) from exactly one
// banking word, is that word. Shorter words are left alone: they are as
// likely a name ("carl" is no "card").

// typoMinLen is the shortest word corrected.
const typoMinLen = 5

// correctTypos returns norm with such typos replaced.
func (m *model) correctTypos(norm string) string {
	if m == nil || len(m.fz.vocab) == 0 {
		return norm
	}
	words := strings.Fields(norm)
	changed := false
	for i, w := range words {
		if utf8.RuneCountInString(w) < typoMinLen || m.fz.vocab[w] || bankingWords[w] || isDigits(w) || strings.ContainsAny(w, "0123456789") {
			continue
		}
		if fix := typoOf(w); fix != "" {
			words[i], changed = fix, true
		}
	}
	if !changed {
		return norm
	}
	return strings.Join(words, " ")
}

// slotTypos returns norm with the typos of banking words replaced also
// where the training data has them ("chekcing balance" is a training
// line, so the model reads "chekcing"; the slot parsers do not): for the
// slots only.
func (m *model) slotTypos(norm string) string {
	if m == nil {
		return norm
	}
	words := strings.Fields(norm)
	changed := false
	for i, w := range words {
		if utf8.RuneCountInString(w) < slotTypoMinLen || bankingWords[w] || strings.ContainsAny(w, "0123456789") {
			continue
		}
		for _, b := range slotTypoTargets {
			if oneEdit(w, b) {
				words[i], changed = b, true
				break
			}
		}
	}
	if !changed {
		return m.correctTypos(norm)
	}
	return m.correctTypos(strings.Join(words, " "))
}

// slotTypoMinLen and slotTypoTargets: only the long account and card
// words are corrected for the slots whatever the training data holds
// (shorter ones are everyday words a letter away: "warte" is no
// "karte", "schick" no "scheck").
const slotTypoMinLen = 7

var slotTypoTargets = strings.Fields(`checking savings mastercard girokonto sparkonto tagesgeld kreditkarte debitkarte girocard`)

// typoTargets are the words a typo is read as: the banking words and the
// tens of amounts ("fitty dollars", "fourty", "zwanizg").
var typoTargets = func() []string {
	var out []string
	for w := range bankingWords {
		out = append(out, w)
	}
	out = append(out, strings.Fields(`twenty thirty forty fifty sixty seventy eighty ninety hundred thousand
		zwanzig dreißig vierzig fünfzig sechzig siebzig achtzig neunzig hundert tausend`)...)
	// and a few everyday words of banking requests ("can i get it rasied",
	// "wat about on transprot")
	out = append(out, strings.Fields(`raised raise increase higher expire expires transport groceries restaurants
		ausgegeben erhöhen abheben`)...)
	return out
}()

// typoOf is the one banking word w is one edit from, or "".
func typoOf(w string) string {
	found := ""
	for _, b := range typoTargets {
		if d := len(b) - len(w); d > 2 || d < -2 || utf8.RuneCountInString(b) < typoMinLen || !oneEdit(w, b) {
			continue
		}
		if found != "" && found != b {
			return "" // two words it could be: neither
		}
		found = b
	}
	return found
}

// oneEdit reports whether a and b differ by exactly one insertion,
// deletion, substitution or swap of two neighbouring letters.
func oneEdit(a, b string) bool {
	ra, rb := []rune(a), []rune(b)
	if len(ra) < len(rb) {
		ra, rb = rb, ra
	}
	switch len(ra) - len(rb) {
	case 0:
		diff := -1
		for i := range ra {
			if ra[i] != rb[i] {
				if diff >= 0 {
					// a second difference: only a swap of neighbours
					return diff == i-1 && ra[diff] == rb[i] && ra[i] == rb[diff] && string(ra[i+1:]) == string(rb[i+1:])
				}
				diff = i
			}
		}
		return diff >= 0
	case 1:
		i := 0
		for i < len(rb) && ra[i] == rb[i] {
			i++
		}
		return string(ra[i+1:]) == string(rb[i:])
	}
	return false
}

// dialectDE maps Bavarian, Austrian and Swiss spellings of everyday words
// onto standard German before a German utterance is read ("wia vui geld
// hob i auf mei'm girokonto", "was chostet s abhebe"). Only words that are
// no standard German word are listed.
var dialectDE = map[string]string{
	"wia": "wie", "vui": "viel", "vuil": "viel", "vü": "viel", "vill": "viel", "hob": "hab", "hobt": "habt", "i": "ich", "mei": "mein",
	"meim": "meinem", "mei'm": "meinem", "mim": "meinem", "aufm": "auf dem", "ufm": "auf dem", "uf": "auf",
	"hät": "hat", "häts": "hat es", "hät's": "hat es", "hots": "hat es", "hot": "hat", "isch": "ist", "nöd": "nicht", "ned": "nicht",
	"chostet": "kostet", "choschtet": "kostet", "abhebe": "abheben", "überwiise": "überweisen", "wos": "was", "kemma": "können wir",
	"konn": "kann", "grüezi": "hallo", "moin": "hallo",
}

// chatEN maps typed chat spellings of everyday English words onto the
// words ("wats my limt on it", "wat about transport", "how much r u
// charging me"). Only spellings that are no English word are listed.
var chatEN = map[string]string{
	"wats": "whats", "wat": "what", "wot": "what", "whta": "what", "waht": "what", "hw": "how", "ur": "your", "u": "you", "ya": "you",
	"limt": "limit", "lmit": "limit", "acct": "account", "accnt": "account", "acc": "account", "bal": "balance",
	"wanna": "want to", "gimme": "give me", "cant": "cant", "dont": "dont", "im": "im", "thru": "through", "tmrw": "tomorrow", "tmr": "tomorrow",
	"yday": "yesterday", "yest": "yesterday", "mnth": "month", "mth": "month", "wk": "week", "amt": "amount", "pmt": "payment", "pymt": "payment",
}

// withoutChatSpelling applies chatEN to a normalized English utterance.
func withoutChatSpelling(norm string) string {
	words := strings.Fields(norm)
	changed := false
	for i, w := range words {
		if v, ok := chatEN[w]; ok && v != w && !(w == "u" && i+1 < len(words) && words[i+1] == "s") { // ("u s dollars")
			words[i], changed = v, true
		}
	}
	if !changed {
		return norm
	}
	return strings.Join(words, " ")
}

// withoutDialect applies dialectDE to a normalized German utterance.
func withoutDialect(norm string) string {
	words := strings.Fields(norm)
	changed := false
	for i, w := range words {
		if v, ok := dialectDE[w]; ok && v != w {
			words[i], changed = v, true
		}
	}
	if !changed {
		return norm
	}
	return strings.Join(words, " ")
}
