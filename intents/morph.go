package intents

import (
	"slices"
	"strings"

	"github.com/kljensen/snowball/english"
)

// fillerWords are the hesitations and politeness words speech recognition
// passes through ("um", "ähm", "bitte"): they carry no intent, so the
// model does not see them unless they are all there is.
var fillerWords = map[string]bool{
	"um": true, "umm": true, "uh": true, "uhh": true, "uhm": true, "erm": true, "er": true, "ah": true, "hmm": true, "hm": true,
	"mm": true, "mmm": true, "please": true, "pls": true, "plz": true, "kindly": true, "alexa": true, "hey": true, "hi": true,
	"äh": true, "ähm": true, "öhm": true, "ähh": true, "öh": true, "also": true, "bitte": true, "mal": true, "halt": true,
	"eben": true, "eigentlich": true, "hallo": true, "actually": true, "basically": true, "like": false,
}

// dropFillers removes filler words unless nothing else is left.
func dropFillers(words []string) []string {
	out := words[:0:0]
	for _, w := range words {
		if !fillerWords[w] {
			out = append(out, w)
		}
	}
	if len(out) == 0 {
		return words
	}
	return out
}

// stem reduces a word to its stem: the Snowball stemmer in English, a
// light suffix stripper in German (Snowball's German is not in the module
// we use); "transfers" and "transferring" meet, as do "überweisungen" and
// "überweisung".
func stem(w string, german bool) string {
	if !german {
		return english.Stem(w, true)
	}
	return germanStem(w)
}

// germanStem strips inflection suffixes in the manner of CISTEM: ß is
// read as ss, umlauts kept, and the endings -ern -em -er -en -es -e -s -n
// -t removed while at least four letters remain.
func germanStem(w string) string {
	w = strings.ReplaceAll(w, "ß", "ss")
	for range 2 {
		n := len([]rune(w))
		cut := ""
		for _, suf := range []string{"ern", "em", "er", "en", "es", "e", "s", "n", "t"} {
			if strings.HasSuffix(w, suf) && n-len([]rune(suf)) >= 4 {
				cut = suf
				break
			}
		}
		if cut == "" {
			break
		}
		w = strings.TrimSuffix(w, cut)
	}
	return w
}

// splitCompound splits a German compound into two words of the
// vocabulary, allowing a linking s, n, en, es or e ("kontoauszug" →
// konto + auszug, "kreditkartenrechnung" → kreditkarten + rechnung,
// "geburtstagsgeschenk" → geburtstag + geschenk). It prefers the split
// with the longest head and returns nothing when there is none.
func splitCompound(w string, vocab map[string]bool) (head, tail string, ok bool) {
	rs := []rune(w)
	if len(rs) < 7 {
		return "", "", false
	}
	for i := len(rs) - 3; i >= 3; i-- {
		h, t := string(rs[:i]), string(rs[i:])
		if !vocab[t] && !vocab[stem(t, true)] {
			continue
		}
		if vocab[h] {
			return h, t, true
		}
		for _, link := range []string{"s", "n", "en", "es", "e"} {
			if hh := strings.TrimSuffix(h, link); hh != h && len([]rune(hh)) >= 3 && vocab[hh] {
				return hh, t, true
			}
		}
	}
	return "", "", false
}

// spokenNumber reports whether a word is a spoken number ("twenty",
// "hundred", "dreiundzwanzig"), which the model sees as <num> like digits.
func spokenNumber(w string, german bool) bool {
	if german {
		_, ok := parseGermanWord(w)
		return ok && w != "ein" && w != "eine" && w != "einen"
	}
	if w == "a" {
		return false
	}
	if _, ok := enSmall[w]; ok {
		return true
	}
	switch w {
	case "hundred", "thousand", "million", "grand", "tenner", "fiver":
		return true
	}
	return false
}

// concepts group words that mean the same for telling intents apart
// ("receive", "earned", "eingegangen" are money coming in), so that a
// word seen in few training lines still counts like its synonyms. Words
// starting with a reversing prefix ("unlock", "entsperren") are found by
// prefix; see conceptsOf.
var concepts = func() map[string]string {
	m := map[string]string{}
	add := func(c, words string) {
		for _, w := range strings.Fields(words) {
			m[w] = c
		}
	}
	add("rev", `remove removed lift lifted release undo reverse reactivate reenable enable enabled restore unfreeze unlock unblock
		unlocked unfrozen unblocked unpause resume found aufheben aufgehoben heb hebe aufhebung wieder freigeben freischalten
		reaktivieren reaktiviere aktivieren aktiviere gefunden wiedergefunden lösen entsperren entsperre entsperr entsperrt
		auftauen taue entblocken`)
	add("lock", `lock locked block blocked freeze frozen froze hold suspend suspended pause paused disable disabled deactivate
		sperre sperren sperr gesperrt sperrn blockiere blockieren blockiert einfrieren friere frier eingefroren deaktiviere
		deaktivieren pausieren pausiere`)
	add("in", `receive received earn earned earnings income salary paycheck paycheque wages wage deposit deposits deposited refund
		refunded credited incoming payday pension eingegangen eingang eingänge zahlungseingang zahlungseingänge gutschrift
		gutschriften reingekommen eingenommen einnahmen verdient verdiene gehalt lohn rente erstattung rückerstattung kindergeld`)
	add("out", `spend spent spending spendings expenses outgoings cost costs blow blew splurged ausgegeben ausgaben ausgebe gebe
		verbraucht verbraten abgeflossen draufgegangen gekostet kosten`)
	add("when", `when deadline due until fällig fälligkeit frist wann bis`)
	add("lost", `lost lose loss missing misplaced stolen stole nicked pinched robbed pickpocketed gone verloren verlegt gestohlen
		geklaut weg verschwunden vermisse bestohlen`)
	add("broken", `broken broke damaged cracked bent snapped scratched worn chewed defekt kaputt beschädigt verbogen zerbrochen
		gebrochen zerkratzt`)
	return m
}()

// conceptsOf returns the concept features of a word.
func conceptsOf(w, st string) []string {
	var out []string
	if c, ok := concepts[w]; ok {
		out = append(out, "x:"+c)
	} else if c, ok := concepts[st]; ok {
		out = append(out, "x:"+c)
	}
	for _, pre := range []string{"un", "ent", "re"} {
		if rest, ok := strings.CutPrefix(w, pre); ok && len(rest) >= 4 && concepts[rest] == "lock" {
			out = append(out, "x:rev")
		}
	}
	return out
}

var definitionWords = map[string]bool{"explain": true, "define": true, "definition": true, "meaning": true, "erklär": true,
	"erkläre": true, "erklären": true, "bedeutet": true, "bedeutung": true, "definiere": true}

// isDefinition reports whether words ask what something is in general:
// "what is a", "what's an", "was ist ein", "explain", "what does x mean".
func isDefinition(words []string) bool {
	for i, w := range words {
		if definitionWords[w] {
			return true
		}
		if i+1 < len(words) && (w == "whats" || w == "what" && words[i+1] == "is" || w == "was" && words[i+1] == "ist") {
			j := i + 1
			if w != "whats" {
				j++
			}
			if j < len(words) {
				switch words[j] {
				case "a", "an", "ein", "eine", "einen":
					return true
				}
			}
		}
		if w == "mean" || w == "stand" && i+1 < len(words) && words[i+1] == "for" {
			return i > 0 && slices.Contains(words[:i], "does")
		}
	}
	return false
}
