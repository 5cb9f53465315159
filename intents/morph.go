package intents

import (
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
		for _, suf := range []string{"ern", "em", "er", "en", "es", "nd", "e", "s", "n", "t"} {
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
