package resolve

import (
	"bytes"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// lang is the phonetic and word-list family of a locale.
type lang int

const (
	english lang = iota
	german
)

func langOf(locale string) lang {
	if len(locale) >= 2 && strings.EqualFold(locale[:2], "de") {
		return german
	}
	return english
}

// Words dropped from the front of what was said (and articles from the
// front of a name): "at the Starbucks", "beim REWE", "von der Sparkasse".
var leading = [...]map[string]bool{
	english: set("at", "the", "from", "to", "in", "on", "my", "a", "an", "for", "with", "by",
		"of", "um", "uh", "er", "erm", "like", "via", "and", "our", "that", "this"),
	german: set("beim", "bei", "im", "in", "von", "vom", "der", "die", "das", "dem", "den", "des",
		"zu", "zum", "zur", "an", "am", "auf", "für", "fur", "fuer", "mein", "meine", "meinem",
		"meinen", "meiner", "mit", "äh", "ah", "ähm", "ahm", "ehm", "und", "ein", "eine", "einem"),
}

// Words dropped from the end of what was said: what kind of thing it is,
// not its name ("the verizon bill", "die Vodafone Rechnung").
var trailing = [...]map[string]bool{
	english: set("bill", "bills", "account", "card", "please", "payment", "payments",
		"purchase", "purchases", "transactions", "subscription", "again"),
	german: set("rechnung", "konto", "karte", "bitte", "zahlung", "zahlungen", "abo",
		"abbuchung", "abbuchungen", "einkäufe", "einkaufe", "nochmal"),
}

// Legal forms dropped from the end of a name ("Northern Homes Ltd").
var legal = set("inc", "llc", "ltd", "plc", "gmbh", "ag", "kg", "corp", "co", "ohg", "ug",
	"eg", "ev", "se", "sa", "limited", "mbh")

// Words that describe rather than name: matching one of these alone is
// never more than a guess ("food" for Whole Foods Market, "strom" for
// either electricity biller).
var generic = [...]map[string]bool{
	english: set("food", "foods", "market", "store", "shop", "coffee", "cafe", "pizza", "bar",
		"grill", "restaurant", "bank", "pharmacy", "gas", "station", "wireless", "mobile",
		"energy", "electric", "power", "light", "water", "insurance", "internet", "broadband",
		"services", "company", "group", "hotels", "airlines", "air", "lines", "cinemas",
		"theatres", "bread", "transit", "public", "utilities", "city", "council", "tax", "and",
		"uk", "withdrawal", "cash", "machine", "atm", "account", "card"),
	german: set("markt", "supermarkt", "backerei", "apotheke", "tankstelle", "bank", "cafe",
		"restaurant", "versicherung", "strom", "gas", "wasser", "mobilfunk", "kabel",
		"stadtwerke", "konto", "karte", "drogerie", "fernverkehr", "geldautomat", "und", "am",
		"zum"),
}

// Words left out of an acronym as often as kept ("TfL", "M&S").
var minor = set("and", "und", "for", "of", "the", "a", "am", "zum", "der", "die", "das", "de")

// Number words for digits said as words ("seven eleven" for 7-Eleven,
// "o zwei" for O2).
var numbers = [...][]string{
	english: {"zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine",
		"ten", "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen",
		"eighteen", "nineteen", "twenty"},
	german: {"null", "eins", "zwei", "drei", "vier", "funf", "sechs", "sieben", "acht", "neun",
		"zehn", "elf", "zwolf", "dreizehn", "vierzehn", "funfzehn", "sechzehn", "siebzehn",
		"achtzehn", "neunzehn", "zwanzig"},
}

// spellNumbers splits words at letter-digit boundaries and writes numbers
// up to 20 as words; words without digits are returned as they are.
func spellNumbers(ws []string, l lang) []string {
	hasDigit := false
	for _, w := range ws {
		if strings.ContainsAny(w, "0123456789") {
			hasDigit = true
			break
		}
	}
	if !hasDigit {
		return ws
	}
	out := make([]string, 0, len(ws)+2)
	for _, w := range ws {
		start := 0
		for i := 1; i <= len(w); i++ {
			if i < len(w) && isDigit(w[i]) == isDigit(w[i-1]) {
				continue
			}
			part := w[start:i]
			if n, err := strconv.Atoi(part); err == nil && n <= 20 && len(part) <= 2 {
				part = numbers[l][n]
			}
			out = append(out, part)
			start = i
		}
	}
	return out
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

func set(words ...string) map[string]bool {
	m := make(map[string]bool, len(words))
	for _, w := range words {
		m[w] = true
	}
	return m
}

// fold lower-cases r and removes its diacritics, appending the result to
// b; ok reports whether r is part of a word (a letter or digit).
func fold(b []byte, r rune) (_ []byte, ok bool) {
	r = unicode.ToLower(r)
	if r < 0x80 {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' {
			return append(b, byte(r)), true
		}
		return b, false
	}
	var s string
	switch r {
	case 'à', 'á', 'â', 'ã', 'ä', 'å', 'ā', 'ă', 'ą':
		s = "a"
	case 'æ':
		s = "ae"
	case 'ç', 'ć', 'č', 'ĉ', 'ċ':
		s = "c"
	case 'ď', 'đ', 'ð':
		s = "d"
	case 'è', 'é', 'ê', 'ë', 'ē', 'ė', 'ę', 'ě':
		s = "e"
	case 'ğ', 'ģ':
		s = "g"
	case 'ì', 'í', 'î', 'ï', 'ī', 'į', 'ı':
		s = "i"
	case 'ķ':
		s = "k"
	case 'ł', 'ľ', 'ļ', 'ĺ':
		s = "l"
	case 'ñ', 'ń', 'ň', 'ņ':
		s = "n"
	case 'ò', 'ó', 'ô', 'õ', 'ö', 'ø', 'ō', 'ő':
		s = "o"
	case 'œ':
		s = "oe"
	case 'ř', 'ŕ':
		s = "r"
	case 'ś', 'š', 'ş', 'ș':
		s = "s"
	case 'ß':
		s = "ss"
	case 'ť', 'ţ', 'ț':
		s = "t"
	case 'ù', 'ú', 'û', 'ü', 'ū', 'ů', 'ű', 'ų':
		s = "u"
	case 'ý', 'ÿ':
		s = "y"
	case 'ź', 'ž', 'ż':
		s = "z"
	case 'þ':
		s = "th"
	default:
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			return utf8.AppendRune(b, r), true
		}
		return b, false
	}
	return append(b, s...), true
}

// words splits text into folded words. Apostrophes join ("L'Osteria" →
// "losteria") except in a possessive "'s", which is kept ("mcdonald's")
// for the word's forms to drop, "&" is the locale's "and", and everything else that is not
// a letter or digit separates words ("T-Mobile", "Booking.com").
func words(text string, l lang) []string {
	ws, _ := appendWords(nil, text, l)
	return ws
}

// appendWords is words using scratch, returned for reuse.
func appendWords(scratch []byte, text string, l lang) ([]string, []byte) {
	if len(text) > maxText {
		text = text[:maxText]
	}
	// All words are cut from one string; word i is buf[ends[i-1]:ends[i]].
	buf := scratch[:0]
	var endBuf [16]int
	ends := endBuf[:0]
	start := 0 // of the current word in buf
	flush := func() {
		w := buf[start:]
		if len(w) == 0 {
			return
		}
		if i := bytes.IndexByte(w, '\''); i >= 0 {
			// Keep only a possessive "'s", for possessive.
			owner := len(w) > 2 && w[len(w)-2] == '\'' && w[len(w)-1] == 's'
			j := start
			for _, c := range w {
				if c != '\'' {
					buf[j] = c
					j++
				}
			}
			buf = buf[:j]
			if owner && j-start > 1 {
				buf[j-1] = '\''
				buf = append(buf, 's')
			}
		}
		if len(buf) > start && !(len(buf)-start == 2 && buf[start] == '\'') {
			ends = append(ends, len(buf))
		} else {
			buf = buf[:start]
		}
		start = len(buf)
	}
	and := "and"
	if l == german {
		and = "und"
	}
	for _, r := range text {
		switch r {
		case '\'', '’', '`', '´', 'ʼ':
			if len(buf) > start {
				buf = append(buf, '\'')
			}
			continue
		case '&', '+':
			flush()
			buf = append(buf, and...)
			flush()
			continue
		}
		var ok bool
		if buf, ok = fold(buf, r); !ok {
			flush()
		}
	}
	flush()
	all := string(buf)
	out := make([]string, len(ends))
	prev := 0
	for i, e := range ends {
		out[i], prev = all[prev:e], e
	}
	return spellNumbers(out, l), buf
}

// maxText is how much of a name or phrase is read: names are short, and
// this keeps every comparison small whatever the input.
const maxText = 128

// trim drops the words in drop from the front (and, with back, those in
// tail from the end), but never all of them.
func trim(ws []string, front, tail map[string]bool) []string {
	for len(ws) > 1 && front[ws[0]] {
		ws = ws[1:]
	}
	for len(ws) > 1 && tail != nil && tail[ws[len(ws)-1]] {
		ws = ws[:len(ws)-1]
	}
	return ws
}

// possessive splits a word from words into its form without apostrophes
// and without a possessive "'s" ("mcdonald's" → "mcdonalds", "mcdonald").
func possessive(w string) (word, owner string) {
	if strings.HasSuffix(w, "'s") {
		return w[:len(w)-2] + "s", w[:len(w)-2]
	}
	return w, w
}

// depossess drops a possessive or plural "s" ("mcdonalds" → "mcdonald",
// "foods" → "food") from words long enough for it to be one.
func depossess(w string) string {
	if len(w) > 3 && w[len(w)-1] == 's' && w[len(w)-2] != 's' {
		return w[:len(w)-1]
	}
	return w
}

// umlauts writes German digraphs as the vowel ("mueller" → "muller"),
// the same as the folded umlaut.
func umlauts(w string) string {
	if !strings.Contains(w, "e") {
		return w
	}
	return digraphs.Replace(w)
}

var digraphs = strings.NewReplacer("ae", "a", "oe", "o", "ue", "u")
