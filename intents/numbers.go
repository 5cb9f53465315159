package intents

import (
	"strconv"
	"strings"
)

var enSmall = map[string]int{
	"zero": 0, "a": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
	"nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15,
	"sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19, "twenty": 20, "thirty": 30, "forty": 40,
	"fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80, "ninety": 90,
}

var enOrdinal = map[string]int{
	"first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5, "sixth": 6, "seventh": 7, "eighth": 8,
	"ninth": 9, "tenth": 10, "eleventh": 11, "twelfth": 12, "thirteenth": 13, "fourteenth": 14, "fifteenth": 15,
	"sixteenth": 16, "seventeenth": 17, "eighteenth": 18, "nineteenth": 19, "twentieth": 20, "thirtieth": 30,
}

// parseEnglishNumber reads number words ("two hundred and fifty",
// "twenty one", "a hundred") or digits from the start of words. It returns
// the value and how many words it used (0 if none).
func parseEnglishNumber(words []string) (int, int) {
	if len(words) == 0 {
		return 0, 0
	}
	if d := strings.TrimRight(words[0], "stndrh"); isDigits(d) && len(d) <= 10 {
		n, _ := strconv.Atoi(d)
		return n, 1
	}
	total, cur, used := 0, 0, 0
	for i, w := range words {
		if v, ok := enSmall[w]; ok {
			if w == "a" && (i+1 >= len(words) || (words[i+1] != "hundred" && words[i+1] != "thousand" && words[i+1] != "grand")) {
				break
			}
			if cur == 0 || cur%100 == 0 || cur%10 == 0 && cur%100 >= 20 && v < 10 {
				cur += v // "twenty five", "a hundred and fifty"
			} else {
				cur = cur*100 + v // "two fifty" is 250, "twelve ninety nine" 1299
			}
			used = i + 1
			continue
		}
		if v, ok := enOrdinal[w]; ok {
			cur += v
			used = i + 1
			break
		}
		switch w {
		case "hundred":
			if cur == 0 {
				cur = 1
			}
			cur *= 100
			used = i + 1
			continue
		case "thousand", "grand":
			if cur == 0 {
				cur = 1
			}
			total += cur * 1000
			cur = 0
			used = i + 1
			continue
		case "and":
			if used > 0 && i+1 < len(words) {
				if _, ok := enSmall[words[i+1]]; ok {
					continue
				}
			}
		}
		break
	}
	if used == 0 {
		return 0, 0
	}
	return total + cur, used
}

var deUnits = map[string]int{
	"null": 0, "ein": 1, "eins": 1, "eine": 1, "einen": 1, "zwei": 2, "drei": 3, "vier": 4, "fünf": 5, "sechs": 6,
	"sieben": 7, "acht": 8, "neun": 9, "zehn": 10, "elf": 11, "zwölf": 12, "dreizehn": 13, "vierzehn": 14,
	"fünfzehn": 15, "sechzehn": 16, "siebzehn": 17, "achtzehn": 18, "neunzehn": 19,
}

var deTens = map[string]int{
	"zwanzig": 20, "dreißig": 30, "dreissig": 30, "vierzig": 40, "fünfzig": 50, "fuffzig": 50, "sechzig": 60, "siebzig": 70,
	"achtzig": 80, "neunzig": 90,
}

// parseGermanWord reads one German number word, compounds included
// ("dreiundzwanzig", "zweihundertfünfzig", "tausendeinhundert"), or
// digits ("12", "12,50" is left to the amount parser). Ordinal endings
// ("dritten", "3ten", "zwanzigsten") are accepted.
func parseGermanWord(w string) (int, bool) {
	if isDigits(w) {
		n, err := strconv.Atoi(w)
		return n, err == nil
	}
	if d := strings.TrimSuffix(strings.TrimSuffix(w, "ten"), "te"); d != w && isDigits(d) {
		n, err := strconv.Atoi(d)
		return n, err == nil
	}
	if v, ok := deOrdinal(w); ok {
		return v, true
	}
	return deCardinal(w)
}

func deCardinal(w string) (int, bool) {
	if strings.Contains(w, "zwo") {
		// "zwo", "zwohundert", "zwoundzwanzig": zwei as said on the phone
		if v, ok := deCardinal(strings.ReplaceAll(w, "zwo", "zwei")); ok {
			return v, true
		}
	}
	if rest, ok := strings.CutPrefix(w, "anderthalb"); ok && (rest == "hundert" || rest == "tausend") {
		// "anderthalbhundert", "anderthalbtausend": one and a half of them
		if rest == "hundert" {
			return 150, true
		}
		return 1500, true
	}
	if w == "" {
		return 0, false
	}
	// "zweitausenddreihundert": left × 1000 + right, then the same for hundert.
	for _, m := range []struct {
		word  string
		value int
	}{{"tausend", 1000}, {"hundert", 100}} {
		i := strings.Index(w, m.word)
		if i < 0 {
			continue
		}
		left, right := 1, 0
		if i > 0 {
			l, ok := deCardinal(w[:i])
			if !ok {
				return 0, false
			}
			left = l
		}
		if rest := w[i+len(m.word):]; rest != "" {
			r, ok := deCardinal(strings.TrimPrefix(rest, "und"))
			if !ok {
				return 0, false
			}
			right = r
		}
		return left*m.value + right, true
	}
	if v, ok := deUnits[w]; ok {
		return v, true
	}
	if v, ok := deTens[w]; ok {
		return v, true
	}
	if unit, tens, ok := strings.Cut(w, "und"); ok {
		u, ok1 := deUnits[unit]
		t, ok2 := deTens[tens]
		if ok1 && ok2 && u < 10 {
			return t + u, true
		}
	}
	return 0, false
}

var deOrdIrregular = map[string]int{"ersten": 1, "erste": 1, "erster": 1, "dritten": 3, "dritte": 3, "siebten": 7, "siebte": 7, "achten": 8, "achte": 8}

func deOrdinal(w string) (int, bool) {
	if v, ok := deOrdIrregular[w]; ok {
		return v, true
	}
	for _, suf := range []string{"sten", "ste", "ster", "ten", "te", "ter"} {
		if stem, ok := strings.CutSuffix(w, suf); ok && stem != "" {
			if v, ok := deCardinal(stem); ok && v > 0 {
				return v, true
			}
			if strings.HasSuffix(stem, "und") {
				continue
			}
			if u, t, ok := strings.Cut(stem, "und"); ok {
				if uv, ok := deOrdIrregular[u+"en"]; ok {
					if tv, ok := deTens[t]; ok {
						return tv + uv, true
					}
				}
			}
		}
	}
	return 0, false
}

// parseNumber reads a number at the start of words in the locale's
// language and returns it with the count of words used.
func parseNumber(words []string, locale string) (int, int) {
	if German(locale) {
		if len(words) > 0 {
			if v, ok := parseGermanWord(words[0]); ok {
				return v, 1
			}
		}
		return 0, 0
	}
	return parseEnglishNumber(words)
}

func isDigits(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}
