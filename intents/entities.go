package intents

import (
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync/atomic"
	"time"
)

// phraseMatcher maps spoken phrases onto canonical ids; the longest
// phrase wins.
type phraseMatcher struct {
	phrases []struct{ words, id string }
}

func newMatcher(slotType string, extra map[string]string) *phraseMatcher {
	m := &phraseMatcher{}
	add := func(p, id string) { m.phrases = append(m.phrases, struct{ words, id string }{Normalize(p), id}) }
	for _, v := range SlotTypes[slotType] {
		for _, forms := range v.Synonyms {
			for _, f := range forms {
				add(f, strings.ToLower(v.ID))
			}
		}
	}
	for p, id := range extra {
		add(p, id)
	}
	sort.SliceStable(m.phrases, func(i, j int) bool { return len(m.phrases[i].words) > len(m.phrases[j].words) })
	return m
}

// mention is a phrase found in a word list.
type mention struct {
	id         string
	start, end int // word positions [start, end)
}

// find returns the non-overlapping mentions in words, in order.
func (m *phraseMatcher) find(words []string) []mention {
	taken := make([]bool, len(words))
	var out []mention
	for _, p := range m.phrases {
		pw := strings.Fields(p.words)
		for i := 0; i+len(pw) <= len(words); i++ {
			ok := true
			for k := range pw {
				if taken[i+k] || words[i+k] != pw[k] {
					ok = false
					break
				}
			}
			if !ok {
				continue
			}
			for k := range pw {
				taken[i+k] = true
			}
			out = append(out, mention{p.id, i, i + len(pw)})
		}
	}
	sort.Slice(out, func(a, b int) bool { return out[a].start < out[b].start })
	return out
}

func (m *phraseMatcher) first(text string) string {
	if ms := m.find(strings.Fields(text)); len(ms) > 0 {
		return ms[0].id
	}
	return ""
}

// The matchers are built on first use: they read the catalog, which is
// loaded by init after package variables are initialised, and the words
// partners added (AddProducts), which rebuild them.
type matcherSet struct{ account, card, biller *phraseMatcher }

var matchers atomic.Pointer[matcherSet]

func currentMatchers() *matcherSet {
	if m := matchers.Load(); m != nil {
		return m
	}
	m := buildMatchers()
	matchers.CompareAndSwap(nil, m)
	return matchers.Load()
}

// resetMatchers makes the next parse rebuild the matchers.
func resetMatchers() { matchers.Store(buildMatchers()) }

func buildMatchers() *matcherSet {
	with := func(m map[string]string, slotType string) map[string]string {
		for f, id := range partnerExtra(slotType) {
			m[f] = id
		}
		return m
	}
	return &matcherSet{
		account: newMatcher("ACCOUNT", with(map[string]string{
			"checkings": "checking", "giro konto": "checking", "spar konto": "savings", "saving": "savings",
			"erspartes": "savings", "sparbuch": "savings", "kreditkarten konto": "credit_card", "credit": "", "visa card": "credit_card",
			"tagesgeld konto": "savings", "kredit karte": "credit_card", "mastercard": "credit_card",
		}, "ACCOUNT")),
		card: newMatcher("CARD", with(map[string]string{
			"ec": "debit", "giro card": "debit", "girokarte": "debit", "bank karte": "debit", "kredit karte": "credit",
			"visa": "credit", "debitkarten": "debit", "check card": "debit",
		}, "CARD")),
		biller: newMatcher("BILLER", with(map[string]string{
			"electric": "electricity", "electric company": "electricity", "power company": "electricity", "power": "electricity",
			"strom": "electricity", "cell": "phone", "cellphone": "phone", "mobile phone": "phone", "wireless": "phone",
			"telefon": "phone", "handy": "phone", "handys": "phone", "internetrechnung": "internet", "kabel": "internet",
			"wasser": "water", "gasrechnung": "gas", "heizung": "gas", "kreditkartenrechnung": "credit_card",
			"kreditkartenabrechnung": "credit_card", "statement": "credit_card", "cable": "internet",
		}, "BILLER")),
	}
}

func accountMatcher() *phraseMatcher { return currentMatchers().account }
func cardMatcher() *phraseMatcher    { return currentMatchers().card }
func billerMatcher() *phraseMatcher  { return currentMatchers().biller }

// AccountName is the account kind a normalized phrase names as a whole
// ("travel card", a bank's product name), or "".
func AccountName(phrase string) string {
	for _, p := range accountMatcher().phrases {
		if p.words == phrase {
			return p.id
		}
	}
	return ""
}

// ParseAccount finds an account kind in normalized text: checking,
// savings, credit_card or loan, or "" if none is named. A debit card
// draws on checking.
func ParseAccount(text string) string {
	words := strings.Fields(text)
	for _, m := range accountMatcher().find(words) {
		if m.id != "" {
			return m.id
		}
	}
	if containsPhrase(text, "debit card") || containsPhrase(text, "debitkarte") || containsPhrase(text, "girocard") {
		return "checking"
	}
	return ""
}

// ParseAccounts finds every account kind normalized text names, in
// order and once each ("checking and savings").
func ParseAccounts(text string) []string {
	var kinds []string
	for _, m := range accountMatcher().find(strings.Fields(text)) {
		if m.id != "" && !slices.Contains(kinds, m.id) {
			kinds = append(kinds, m.id)
		}
	}
	return kinds
}

// ParseCard finds debit or credit in normalized text.
func ParseCard(text string) string { return cardMatcher().first(text) }

// ParseBiller finds a biller kind in normalized text.
func ParseBiller(text string) string { return billerMatcher().first(text) }

var fromWords = map[string]bool{"from": true, "von": true, "vom": true, "out": true, "aus": true, "of": false}
var toWords = map[string]bool{"to": true, "into": true, "in": true, "auf": true, "aufs": true, "zu": true, "zum": true, "nach": true, "onto": true, "ins": true}
var articleWords = map[string]bool{"my": true, "the": true, "mein": true, "meinem": true, "meinen": true, "meine": true, "das": true, "dem": true,
	"den": true, "die": true, "der": true, "of": true, "our": true}

// ParseFromTo finds the source and target accounts of a transfer: "from
// savings to checking", "vom Sparkonto auf das Girokonto", "into my savings".
func ParseFromTo(text string) (from, to string) {
	words := strings.Fields(text)
	for _, m := range accountMatcher().find(words) {
		if m.id == "" {
			continue
		}
		j := m.start - 1
		for j >= 0 && articleWords[words[j]] {
			j--
		}
		if j >= 1 && !fromWords[words[j]] && !toWords[words[j]] && articleWords[words[j-1]] && m.start-j == 1 {
			// "from my premier checking": one word of a product's name
			// between the article and the account
			k := j - 1
			for k >= 0 && articleWords[words[k]] {
				k--
			}
			if k >= 0 && (fromWords[words[k]] || toWords[words[k]]) {
				j = k
			}
		}
		if j < 0 {
			continue
		}
		if j >= 1 && negationWords[words[j-1]] {
			continue // "nicht vom Tagesgeld, vom Girokonto", "not from savings": ruled out
		}
		switch {
		case fromWords[words[j]] && from == "":
			from = m.id
		case toWords[words[j]] && to == "":
			to = m.id
		}
	}
	return from, to
}

// negationWords rule out the account named after them.
var negationWords = map[string]bool{"not": true, "nicht": true, "never": true, "nie": true, "ohne": true, "without": true}

var currencyWords = map[string]string{
	"dollar": "USD", "dollars": "USD", "bucks": "USD", "buck": "USD", "usd": "USD",
	"euro": "EUR", "euros": "EUR", "eur": "EUR", "pound": "GBP", "pounds": "GBP", "quid": "GBP", "gbp": "GBP", "sterling": "GBP",
}

// slangAmounts are notes named by their value.
var slangAmounts = map[string]int{"tenner": 10, "fiver": 5, "zwanni": 20, "zwannie": 20, "fuffi": 50, "fuffie": 50, "hunni": 100, "zehner": 10, "fünfer": 5}

var centWords = map[string]bool{"cent": true, "cents": true}

// readDecimal reads a number in digits: "12", "12.50", "1,200" (en),
// "12,50", "1.200" (de). It returns the value in hundredths.
func readDecimal(w, locale string) (int64, bool) {
	if w == "" || (w[0] < '0' || w[0] > '9') {
		return 0, false
	}
	dec, group := ".", ","
	if German(locale) {
		dec, group = ",", "."
	}
	intPart, frac, hasFrac := strings.Cut(w, dec)
	if strings.Contains(intPart, group) {
		// A separator groups thousands or it is none: "1.000" in German
		// and "1,000" in English are a thousand; "20.5" in German (or
		// "20,5" in English) groups nothing and is no number to guess.
		groups := strings.Split(intPart, group)
		if len(groups[0]) == 0 || len(groups[0]) > 3 {
			return 0, false
		}
		for _, g := range groups[1:] {
			if len(g) != 3 {
				return 0, false
			}
		}
	}
	intPart = strings.ReplaceAll(intPart, group, "")
	if !isDigits(intPart) || len(intPart) > 10 || (hasFrac && (!isDigits(frac) || len(frac) > 2)) {
		return 0, false
	}
	n, _ := strconv.ParseInt(intPart, 10, 64)
	c := int64(0)
	if hasFrac {
		for len(frac) < 2 {
			frac += "0"
		}
		c, _ = strconv.ParseInt(frac, 10, 64)
	}
	return n*100 + c, true
}

// maxNumber bounds spoken numbers; nothing a bank is asked about by voice
// is larger, and it keeps hundredths far from overflow.
const maxNumber = 1_000_000_000

// readNumber reads digits or number words at words[i:], in hundredths for
// digits with decimals and whole units for words.
func readNumber(words []string, i int, locale string) (hundredths int64, used int) {
	if i >= len(words) {
		return 0, 0
	}
	if v, ok := readDecimal(words[i], locale); ok {
		return v, 1
	}
	if German(locale) {
		// Speech recognition may split compounds: "zwei hundert fünfzig".
		for n := min(4, len(words)-i); n >= 1; n-- {
			if v, ok := deCardinal(strings.Join(words[i:i+n], "")); ok && v <= maxNumber && !(n > 1 && words[i+n-1] == "und") {
				return int64(v) * 100, n
			}
		}
		return 0, 0
	}
	v, used := parseEnglishNumber(words[i:])
	if v < 0 || v > maxNumber {
		return 0, 0
	}
	if used > 0 && words[i] != "a" || used > 1 {
		if _, isOrd := enOrdinal[words[i+used-1]]; isOrd {
			return 0, 0
		}
		if h, cents, ok := hundredsAndCents(words[i:i+used], v); ok {
			// "a hundred and five fifty" is $105.50, as prices are said,
			// not 10,550
			return int64(h)*100 + int64(cents), used
		}
		return int64(v) * 100, used
	}
	return 0, 0
}

// hundredsAndCents splits a spoken number that is a hundreds number
// followed by two digits' worth ("a hundred and five fifty", v 10550) into
// 105 and 50.
func hundredsAndCents(words []string, v int) (int, int, bool) {
	if !slices.Contains(words, "hundred") || words[len(words)-1] == "hundred" {
		return 0, 0, false
	}
	for k := 1; k <= 2 && k < len(words); k++ {
		h, hu := parseEnglishNumber(words[:len(words)-k])
		t, tu := parseEnglishNumber(words[len(words)-k:])
		if hu == len(words)-k && tu == k && h >= 100 && h < 1000 && t >= 10 && t <= 99 && h*100+t == v {
			return h, t, true
		}
	}
	return 0, 0, false
}

// ParseAmount finds an amount of money in normalized text: "twenty
// dollars", "a hundred and fifty bucks", "thirty dollars and fifty cents",
// "dreiundzwanzig euro", "12,50 euro", "zwölf euro fünfzig". With bare,
// a number without a currency word counts too. It returns the amount and
// the words it used.
// unitWords count something else than cents after an amount ("20
// dollars 15 times").
var unitWords = map[string]bool{"times": true, "time": true, "days": true, "day": true, "weeks": true, "months": true, "minutes": true, "hours": true,
	"percent": true, "people": true, "mal": true, "tage": true, "prozent": true, "cents": true, "cent": true, "pence": true, "p": true}

// digitGroups reads "1 500", "20 000", "1 250 000" said before a currency
// word as one number grouped by thousands: the number and how many words
// it took, or 0 words.
func digitGroups(words []string, i int) (int, int) {
	if !isDigits(words[i]) || len(words[i]) > 3 {
		return 0, 0
	}
	j := i + 1
	for j < len(words) && len(words[j]) == 3 && isDigits(words[j]) {
		j++
	}
	if j == i+1 || j >= len(words) || currencyWords[words[j]] == "" || j-i > 4 {
		return 0, 0
	}
	n, err := strconv.Atoi(strings.Join(words[i:j], ""))
	if err != nil {
		return 0, 0
	}
	return n, j - i
}

// notCents: the number at words[k] after an amount's currency counts or
// says something else than its cents: "20 dollars 15 times", another
// currency, an hour ("50 dollars 10 am tomorrow", "50 Euro 10 Uhr
// morgen" were $50.10 and 50,10 €; in German "am" is a day's "on":
// "20 Euro 50 am Freitag" is 20,50 €).
func notCents(words []string, k int, locale string) bool {
	if k+1 >= len(words) {
		return false
	}
	w := words[k+1]
	return unitWords[w] || currencyWords[w] != "" || hourWord(w, locale)
}

// hourWord says that the number before it is an hour ("10 am", "10 Uhr");
// in German "am" is a day's "on".
func hourWord(w, locale string) bool {
	return w == "uhr" || !German(locale) && (w == "am" || w == "pm" || w == "oclock")
}

// hasNumberWord: some word of words reads as a number.
func hasNumberWord(words []string, locale string) bool {
	for i := range words {
		if _, used := readNumber(words, i, locale); used > 0 {
			return true
		}
	}
	return false
}

func ParseAmount(text, locale string, bare bool) (Amount, string, bool) {
	if a, phrase, ok := andAHalf(text, locale); ok {
		return a, phrase, true
	}
	words := strings.Fields(text)
	defCur := CurrencyOf(locale)
	var bareHit *Amount
	bareWords := ""
	for i := 0; i < len(words); i++ {
		// "a tenner", "a fiver" (British), "'n Zwanni", "nen Fuffi": in the
		// locale's currency.
		if words[i] == "score" && i > 0 && words[i-1] == "a" && !German(locale) && (i+1 >= len(words) || words[i+1] != "of" && words[i+1] != "on") {
			// "send james a score": twenty, as British speakers of a
			// certain age say it (never "a score of", a credit score)
			return Amount{Value: "20.00", Currency: defCur}, "a score", true
		}
		if v, ok := slangAmounts[words[i]]; ok {
			j := i
			if i > 0 && (words[i-1] == "a" || words[i-1] == "n" || words[i-1] == "nen" || words[i-1] == "einen" || words[i-1] == "ein") {
				j = i - 1
			}
			return Amount{Value: fmt.Sprintf("%d.00", v), Currency: defCur}, strings.Join(words[j:i+1], " "), true
		}
		v, used := readNumber(words, i, locale)
		if n, g := digitGroups(words, i); g > 1 {
			v, used = int64(n)*100, g // "1 500 euro", "20 000 dollars": thousands grouped by spaces
		}
		if used == 0 && words[i] == "a" && i+1 < len(words) && currencyWords[words[i+1]] != "" {
			v, used = 100, 1 // "a dollar fifty" is $1.50, not $50.00
		}
		if used == 0 && words[i] == "for" && !German(locale) && i+1 < len(words) && currencyWords[words[i+1]] != "" && !hasNumberWord(words, locale) {
			v, used = 400, 1 // "send tom for dollars": speech recognition's "four dollars" (no other number said)
		}
		if used == 0 {
			continue
		}
		j := i + used
		if a, k, ok := pointAmount(words, i, j, v, locale, defCur); ok {
			if k > 0 {
				return a, strings.Join(words[i:k], " "), true
			}
			if bare && bareHit == nil {
				bareHit, bareWords = &a, strings.Join(words[i:-k], " ")
			}
			i = -k - 1
			continue
		}
		if j < len(words) {
			if cur, ok := currencyWords[words[j]]; ok {
				j++
				// "and fifty cents", "und fünfzig cent", "euro fünfzig"
				k := j
				if k < len(words) && (words[k] == "and" || words[k] == "und") {
					k++
				}
				if c, u := readNumber(words, k, locale); u > 0 && c%100 == 0 && (c/100 < 100 || k+u < len(words) && centWords[words[k+u]]) {
					if k+u < len(words) && centWords[words[k+u]] {
						v += c / 100 // "20 dollars and 150 cents" is $21.50, not $20.00
						j = k + u + 1
					} else if German(locale) && k == j && !notCents(words, k+u-1, locale) {
						v += c / 100
						j = k + u
					} else if _, word := enSmall[words[k]]; k == j && word && words[k] != "a" && c/100 >= 1 {
						v += c / 100 // "twelve dollars fifty", "five pounds twenty"
						j = k + u
					} else if k == j && len(words[k]) == 2 && isDigits(words[k]) && c/100 >= 10 && !notCents(words, k, locale) {
						v += c / 100 // "20 dollars 50" is $20.50, as "twenty dollars fifty" is (not "20 dollars 15 times")
						j = k + u
					}
				}
				return Amount{Value: fmt.Sprintf("%d.%02d", v/100, v%100), Currency: cur}, strings.Join(words[i:j], " "), true
			}
			if centWords[words[j]] && used == 2 && v >= 10000 && v/100%100 >= 10 && !German(locale) {
				// "twelve fifty cents": twelve dollars and fifty cents
				v = v/10000*100 + v/100%100
				return Amount{Value: fmt.Sprintf("%d.%02d", v/100, v%100), Currency: defCur}, strings.Join(words[i:j+1], " "), true
			}
			if centWords[words[j]] && v < 10000 {
				return Amount{Value: fmt.Sprintf("0.%02d", v/100), Currency: defCur}, strings.Join(words[i:j+1], " "), true
			}
			if centWords[words[j]] && v%100 == 0 {
				// "150 cents" is $1.50, never $150.00 ("twelve fifty cents"
				// is read above)
				c := v / 100
				return Amount{Value: fmt.Sprintf("%d.%02d", c/100, c%100), Currency: defCur}, strings.Join(words[i:j+1], " "), true
			}
			if German(locale) && v%100 == 0 && v/100 <= 9999 {
				// "zwölf fünfzig" is 12,50 €, as Germans say prices.
				if c, u := readNumber(words, j, locale); u > 0 && c%100 == 0 && c/100 >= 1 && c/100 <= 99 {
					v += c / 100
					j += u
					if j < len(words) && currencyWords[words[j]] != "" {
						return Amount{Value: fmt.Sprintf("%d.%02d", v/100, v%100), Currency: currencyWords[words[j]]}, strings.Join(words[i:j+1], " "), true
					}
				}
			}
		}
		if bare && bareHit == nil && v > 0 && !(German(locale) && deArticles[words[i]] && used == 1) && !(j < len(words) && hourWord(words[j], locale)) {
			// (an article is no amount: "einen Dauerauftrag"; nor an hour:
			// "no, 10 am tomorrow" at a read-back was $10.00)
			bareHit = &Amount{Value: fmt.Sprintf("%d.%02d", v/100, v%100), Currency: defCur}
			bareWords = strings.Join(words[i:j], " ")
		}
		i = j - 1
	}
	if bareHit != nil {
		return *bareHit, bareWords, true
	}
	return Amount{}, "", false
}

// pointAmount reads a spoken decimal point after the number at
// words[i:j] (v in hundredths): "twelve point nine nine dollars" is
// $12.99, "one point five thousand" 1,500, "zwanzig komma fünf Euro"
// 20,50 €; more decimals than cents stay as said ("20.999"), which no
// payment takes. k is the end of the phrase, negative when no currency
// word ends it (a bare amount).
func pointAmount(words []string, i, j int, v int64, locale, defCur string) (Amount, int, bool) {
	if j >= len(words) || v%100 != 0 || (words[j] != "point" && words[j] != "komma") {
		return Amount{}, 0, false
	}
	k, frac := j+1, ""
	for k < len(words) && len(frac) < 4 {
		d, ok := digitWords[words[k]]
		if !ok && len(words[k]) == 1 && words[k][0] >= '0' && words[k][0] <= '9' {
			d, ok = words[k], true
		}
		if !ok {
			break
		}
		frac += d
		k++
	}
	if frac == "" {
		// "twenty point fifty": two decimals said as one number
		if n, u := readNumber(words, j+1, locale); u == 1 && n%100 == 0 && n/100 >= 10 && n/100 <= 99 {
			frac, k = strconv.FormatInt(n/100, 10), j+2
		}
	}
	if frac == "" {
		return Amount{}, 0, false
	}
	whole := v / 100
	scale := int64(1)
	if k < len(words) {
		switch words[k] {
		case "thousand", "grand", "tausend":
			scale, k = 1000, k+1
		case "million", "millionen":
			scale, k = 1_000_000, k+1
		}
	}
	cur, said := defCur, false
	if k < len(words) {
		if c, ok := currencyWords[words[k]]; ok {
			cur, said, k = c, true, k+1
		}
	}
	value := fmt.Sprintf("%d.%s", whole, frac)
	if len(frac) == 1 {
		value += "0"
	}
	if scale > 1 {
		// in cents: whole*scale*100 + frac*scale*100/10^len(frac)
		f, _ := strconv.ParseInt(frac, 10, 64)
		den := int64(1)
		for range frac {
			den *= 10
		}
		cents := whole*scale*100 + f*scale*100/den
		if f*scale*100%den != 0 {
			value = fmt.Sprintf("%d.%03d", cents/100, cents%100*10+1) // a fraction of a cent: no amount to pay
		} else {
			value = fmt.Sprintf("%d.%02d", cents/100, cents%100)
		}
	}
	if !said {
		k = -k
	}
	return Amount{Value: value, Currency: cur}, k, true
}

// halfAmount is "two and a half grand", "one and a half thousand pounds",
// "zweieinhalbtausend Euro": an English number, "and a half", and what it
// counts (thousands, or the currency itself).
var halfAmount = regexp.MustCompile(`\b(one|two|three|four|five|six|seven|eight|nine|ten)\s+and\s+a\s+half\s+(grand|thousand|hundred|dollars?|bucks?|pounds?|quid|euros?)\b`)

// aHalfOf: "a hundred and a half", "a grand and a half" (150, 1,500);
// "half a grand", "half a thousand", "half a hundred" (500, 500, 50).
var (
	aHundredAndAHalf = regexp.MustCompile(`\b(?:a|one)\s+(hundred|thousand|grand)\s+and\s+a\s+half\b(?:\s+(dollars?|bucks?|pounds?|quid|euros?))?`)
	halfA            = regexp.MustCompile(`\bhalf\s+a\s+(grand|thousand|hundred)\b(?:\s+(dollars?|bucks?|pounds?|quid|euros?))?`)
)

// andAHalf reads halfAmount, aHundredAndAHalf and halfA in normalized
// English text.
func andAHalf(text, locale string) (Amount, string, bool) {
	if German(locale) {
		return Amount{}, "", false
	}
	for _, re := range []*regexp.Regexp{aHundredAndAHalf, halfA} {
		if m := re.FindStringSubmatch(text); m != nil {
			var v int64 = 150
			switch {
			case re == halfA && m[1] == "hundred":
				v = 50
			case re == halfA:
				v = 500
			case m[1] != "hundred":
				v = 1500
			}
			cur := CurrencyOf(locale)
			if c := currencyWords[m[2]]; c != "" {
				cur = c
			}
			return Amount{Value: fmt.Sprintf("%d.00", v), Currency: cur}, m[0], true
		}
	}
	m := halfAmount.FindStringSubmatch(text)
	if m == nil {
		return Amount{}, "", false
	}
	n := int64(enSmall[m[1]])
	cur := CurrencyOf(locale)
	var hundredths int64
	switch m[2] {
	case "grand", "thousand":
		hundredths = (n*1000 + 500) * 100
	case "hundred":
		hundredths = (n*100 + 50) * 100
	default:
		hundredths = n*100 + 50
		if c := currencyWords[m[2]]; c != "" {
			cur = c
		}
	}
	if rest := strings.Fields(text[strings.Index(text, m[0])+len(m[0]):]); len(rest) > 0 && currencyWords[rest[0]] != "" && (m[2] == "grand" || m[2] == "thousand" || m[2] == "hundred") {
		cur = currencyWords[rest[0]]
	}
	return Amount{Value: fmt.Sprintf("%d.%02d", hundredths/100, hundredths%100), Currency: cur}, m[0], true
}

// ElidedAmount reads an English amount said as two numbers with no
// currency word ("twelve fifty"): it may be 12.50 or 1,250.00, and ParseAmount
// reads the larger. It returns both readings, small first; false when the
// words hold no such amount.
func ElidedAmount(norm, locale string) (small, big Amount, ok bool) {
	if German(locale) {
		return Amount{}, Amount{}, false // "zwölf fünfzig" is 12,50 €
	}
	words := strings.Fields(norm)
	for _, w := range words {
		if w == "hundred" || w == "thousand" || w == "grand" || strings.ContainsAny(w, "0123456789$£") {
			return Amount{}, Amount{}, false
		}
	}
	for i, w := range words {
		if currencyWords[w] != "" && i+1 < len(words) && enSmall[words[i+1]] > 0 {
			return Amount{}, Amount{}, false // "twelve dollars fifty" is $12.50
		}
	}
	for i := 0; i+1 < len(words); i++ {
		x, okx := enSmall[words[i]]
		if !okx || x == 0 || words[i] == "a" {
			continue
		}
		j := i + 1
		if x >= 20 && x%10 == 0 && j < len(words) {
			if u, ok := enSmall[words[j]]; ok && u > 0 && u < 10 {
				x, j = x+u, j+1 // "twenty five fifty"
			}
		}
		if j >= len(words) {
			break
		}
		y, oky := enSmall[words[j]]
		if !oky || y < 10 {
			continue
		}
		if y >= 20 && y%10 == 0 && j+1 < len(words) {
			if u, ok := enSmall[words[j+1]]; ok && u > 0 && u < 10 {
				y += u // "twelve ninety nine"
			}
		}
		if x > 99 || y > 99 {
			continue
		}
		if k := j + 1; k < len(words) && (centWords[words[k]] || k+1 < len(words) && enSmall[words[k]] > 0 && enSmall[words[k]] < 10 && centWords[words[k+1]]) {
			return Amount{}, Amount{}, false // "twelve fifty cents" is $12.50
		}
		cur := CurrencyOf(locale)
		return Amount{Value: fmt.Sprintf("%d.%02d", x, y), Currency: cur}, Amount{Value: fmt.Sprintf("%d.00", x*100+y), Currency: cur}, true
	}
	return Amount{}, Amount{}, false
}

// softLead are words said before a name that are no part of it.
var softLead = map[string]bool{"zack": true, "schnell": true, "fix": true, "mal": true, "kurz": true, "flott": true, "eben": true, "quick": true, "quickly": true}

var payeeStops = map[string]bool{
	"zack": true, "schnell": true, "fix": true, "mal": true, "kurz": true, "flott": true, "quick": true, "quickly": true, "asap": true,
	"from": true, "von": true, "vom": true, "and": true, "und": true, "please": true, "bitte": true, "now": true, "jetzt": true,
	"today": true, "tomorrow": true, "heute": true, "morgen": true, "on": true, "am": true, "for": true, "für": true,
	"money": true, "geld": true, "some": true, "etwas": true, "back": true, "zurück": true, "überweisen": true, "senden": true,
	"schicken": true, "next": true, "nächsten": true, "with": true, "mit": true, "dollars": true, "euro": true, "using": true,
	"via": true, "über": true, "a": true, "to": true, "into": true, "auf": true, "aufs": true,
	"then": true, "instead": true, "dann": true, "stattdessen": true, "halt": true, "not": true,
	// "send tom 20 dollars sorry", "… wait, from savings": a correction
	// or a pause ends the name ("tom", never "tom sorry")
	"sorry": true, "wait": true, "oops": true, "actually": true, "warte": true, "moment": true, "ähm": true,
}

var payVerbs = map[string]bool{"send": true, "pay": true, "give": true, "venmo": true, "wire": true, "transfer": true,
	"überweise": true, "überweis": true, "schick": true, "schicke": true, "sende": true, "zahl": true, "zahle": true, "gib": true}

// infinitives follow "to" without being a recipient: "want to send".
var infinitives = map[string]bool{"move": true, "make": true, "know": true, "do": true, "be": true, "get": true, "check": true, "see": true, "put": true}

// ParsePayee finds the person money goes to, with amount and date words
// already removed: "send alice ...", "... to bob", "überweise max ...",
// "... an anna". Accounts are not payees.
func ParsePayee(text string) string {
	words := strings.Fields(text)
	take := func(from int) string {
		var name []string
		for k, w := range words[from:] {
			if len(name) == 0 && softLead[w] {
				continue // "überweis mal max", "schick zack dem max"
			}
			if payeeStops[w] || accountMatcher().first(w) != "" || currencyWords[w] != "" {
				break
			}
			if _, u := readNumber(words, from+k, "en-US"); u > 0 {
				break
			}
			if _, u := readNumber(words, from+k, "de-DE"); u > 0 {
				break
			}
			name = append(name, w)
			if len(name) == 3 {
				break
			}
		}
		for len(name) > 0 && articleWords[name[len(name)-1]] {
			name = name[:len(name)-1] // "to my savings": the account stopped it
		}
		for len(name) > 1 && dativeWords[name[0]] {
			name = name[1:] // "schick dem max": Max
		}
		s := strings.Join(name, " ")
		if s == "" || ParseAccount(s) != "" || isFiller(s) {
			return ""
		}
		if _, u := readNumber(name, 0, "en-US"); u > 0 {
			return ""
		}
		return s
	}
	for i, w := range words {
		if (w == "to" || w == "an" || w == "zu") && i+1 < len(words) && !payVerbs[words[i+1]] && !infinitives[words[i+1]] {
			if p := take(i + 1); p != "" {
				return p
			}
		}
	}
	for i, w := range words {
		if payVerbs[w] && i+1 < len(words) {
			if w == "pay" && i+1 < len(words) && (words[i+1] == "back" || words[i+1] == "zurück") {
				i++
			}
			if p := take(i + 1); p != "" && !strings.HasPrefix(p, "my ") && p != "my" && p != "that" && p != "this" {
				return p // (not "pay that from my current account": the bill just asked about)
			}
		}
	}
	// German with the verb at the end: "ich möchte dem Lukas fünfzig Euro
	// überweisen", "ich will lukas 50 euro schicken".
	if hasAny(words, deInfinitives...) {
		for i, w := range words {
			if !deModals[w] {
				continue
			}
			j, dative := i+1, false
			for j < len(words) && (deSoft[words[j]] || dativeWords[words[j]]) {
				dative = dative || dativeWords[words[j]]
				j++
			}
			// "dem Lukas", or a name right before the amount ("lukas 50
			// euro"); not "einen Dauerauftrag".
			amountNext := j+1 < len(words) && (isDigits(words[j+1]) || currencyWords[words[j+1]] != "")
			if !amountNext && j+1 < len(words) {
				_, u := readNumber(words, j+1, "de-DE")
				amountNext = u > 0
			}
			// With the amount already taken out of the words: the name
			// right before the verb ("ich möchte sophie überweisen").
			verbNext := j+1 < len(words) && deInfinitiveSet[words[j+1]] || j+2 < len(words) && deInfinitiveSet[words[j+2]]
			if verbNext && (deArticles[words[j]] || words[j] == "die" || words[j] == "das") {
				verbNext = false // "die Miete überweisen"
			}
			if j < len(words) && !deInfinitiveSet[words[j]] && (dative || amountNext || verbNext) {
				if p := take(j); p != "" {
					return p
				}
			}
		}
	}
	return ""
}

var (
	deArticles      = map[string]bool{"ein": true, "eine": true, "einen": true, "einem": true, "einer": true, "eins": false}
	dativeWords     = map[string]bool{"dem": true, "der": true, "den": true, "meinem": true, "meiner": true, "meinen": true}
	deModals        = map[string]bool{"möchte": true, "will": true, "muss": true, "würde": true, "soll": true, "möcht": true, "wollte": true, "werde": true, "kannst": true}
	deSoft          = map[string]bool{"gern": true, "gerne": true, "bitte": true, "mal": true, "noch": true, "jetzt": true, "heute": true, "du": true, "schnell": true}
	deInfinitives   = []string{"überweisen", "schicken", "senden", "zahlen", "bezahlen", "geben", "schicke", "überweise"}
	deInfinitiveSet = map[string]bool{"überweisen": true, "schicken": true, "senden": true, "zahlen": true, "bezahlen": true, "geben": true, "geld": true, "etwas": true}
)

var digitWords = map[string]string{
	"zero": "0", "oh": "0", "one": "1", "two": "2", "three": "3", "four": "4", "five": "5", "six": "6", "seven": "7", "eight": "8", "nine": "9",
	"null": "0", "eins": "1", "zwei": "2", "zwo": "2", "drei": "3", "vier": "4", "fünf": "5", "sechs": "6", "sieben": "7", "acht": "8", "neun": "9",
}

// ParsePin finds a four-digit PIN: "1234", "1 2 3 4", "four five six seven".
func ParsePin(text string) string {
	var digits strings.Builder
	words := strings.Fields(text)
	moreDigits := func(i int) bool { // a fifth digit after four: no PIN ("6 6 9 6 2")
		for _, w := range words[i+1:] {
			if pinPauses[w] {
				continue
			}
			return isDigits(w) || digitWords[w] != ""
		}
		return false
	}
	for i, w := range words {
		switch {
		case isDigits(w) && len(w) == 4 && digits.Len() == 0:
			if moreDigits(i) {
				return ""
			}
			return w
		case isDigits(w) && len(w) <= 4:
			digits.WriteString(w)
		case digitWords[w] != "":
			digits.WriteString(digitWords[w])
		case pinPauses[w]:
			continue // "six six ... um ... nine six": a pause, not the end of the PIN
		default:
			if digits.Len() > 0 && digits.Len() != 4 {
				digits.Reset()
			}
			continue
		}
		if digits.Len() == 4 {
			if moreDigits(i) {
				return ""
			}
			return digits.String()
		}
	}
	return ""
}

// pinPauses are sounds said while thinking of the next digit.
var pinPauses = map[string]bool{"um": true, "uh": true, "uhm": true, "umm": true, "er": true, "erm": true, "äh": true, "ähm": true, "öhm": true, "hmm": true, "mhm": true, "ehm": true}

var weekdaysEN = []string{"sunday", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday"}
var weekdaysDE = []string{"sonntag", "montag", "dienstag", "mittwoch", "donnerstag", "freitag", "samstag"}

// lastWords before a weekday name the one before today.
var lastWords = map[string]bool{"last": true, "letzten": true, "letzter": true, "vergangenen": true, "vorigen": true, "previous": true}

// ParseDate finds one day for a payment, looking forward from now:
// "today", "tomorrow", "on friday", "next monday", "on december 1st",
// "on the 15th", "morgen", "übermorgen", "am freitag", "am ersten dezember".
// A day said in the past is that day ("yesterday", "last friday",
// "december 1st 2025"), and a day that does not exist ("february 30")
// is returned as said, which no payment takes for another day.
func ParseDate(text, locale string, now time.Time) (string, string, bool) {
	today := day(now)
	words := strings.Fields(text)
	f := func(d time.Time, phrase string) (string, string, bool) { return d.Format(time.DateOnly), phrase, true }
	for i, w := range words {
		switch w {
		case "today", "heute":
			return f(today, w)
		case "tomorrow":
			if i >= 2 && words[i-2] == "day" && words[i-1] == "after" {
				return f(today.AddDate(0, 0, 2), strings.Join(words[i-2:i+1], " ")) // "the day after tomorrow" (was tomorrow)
			}
			return f(today.AddDate(0, 0, 1), w)
		case "morgen":
			if i > 0 && words[i-1] == "guten" {
				continue
			}
			return f(today.AddDate(0, 0, 1), w)
		case "übermorgen":
			return f(today.AddDate(0, 0, 2), w)
		case "yesterday", "gestern":
			// A day in the past is that day (a payment refuses it), never
			// none: a payment "yesterday" is no payment now.
			return f(today.AddDate(0, 0, -1), w)
		case "vorgestern":
			return f(today.AddDate(0, 0, -2), w)
		case "end", "ende", "monatsende":
			// "at the end of the month", "end of next month", "zum
			// Monatsende", "Ende des Monats", "Ende nächsten Monats": the
			// last day of that month (a payment there was sent now).
			k, n := 0, 0
			switch {
			case w == "monatsende":
				n = 1
			case w == "end" && i+2 < len(words) && words[i+1] == "of" && words[i+2] == "month":
				n = 3
			case w == "end" && i+3 < len(words) && words[i+1] == "of" && (words[i+2] == "the" || words[i+2] == "this" || words[i+2] == "next") && words[i+3] == "month":
				n = 4
				if words[i+2] == "next" {
					k = 1
				}
			case w == "ende" && i+2 < len(words) && (words[i+1] == "des" || words[i+1] == "dieses" || words[i+1] == "nächsten" || words[i+1] == "kommenden") && words[i+2] == "monats":
				n = 3
				if words[i+1] == "nächsten" || words[i+1] == "kommenden" {
					k = 1
				}
			}
			if n > 0 {
				last := time.Date(today.Year(), today.Month()+time.Month(k)+1, 0, 0, 0, 0, 0, time.UTC)
				return f(last, strings.Join(words[i:i+n], " "))
			}
		}
		for k, names := range [][]string{weekdaysEN, weekdaysDE} {
			_ = k
			for wd, n := range names {
				if w != n {
					continue
				}
				ahead := (wd - int(today.Weekday()) + 7) % 7
				next := i > 0 && (words[i-1] == "next" || words[i-1] == "nächsten" || words[i-1] == "kommenden")
				if ahead == 0 || next && ahead == 0 {
					ahead = 7
				}
				if i > 0 && lastWords[words[i-1]] {
					ahead -= 7 // "last friday", "letzten Freitag": the one before today
				}
				return f(today.AddDate(0, 0, ahead), w)
			}
		}
		if m, ok := monthIndex(w, locale); ok {
			// start and end bound the words of the date, day and year with
			// the month, so that none of them is read as an amount after it
			// ("am 14. November 2026 50 Euro" was 2.026,50 €).
			d, start, end := 0, i, i+1
			if i+1 < len(words) && !German(locale) {
				if n, u := parseEnglishNumber(words[i+1:]); u > 0 && n >= 1 && n <= 31 {
					d, end = n, i+1+u
				}
			}
			if d == 0 && i > 0 {
				j := i - 1
				if words[j] == "of" && j > 0 {
					j--
				}
				if n, u := parseNumber(words[j:j+1], locale); u > 0 && n >= 1 && n <= 31 {
					d, start = n, j
				}
			}
			if d > 0 {
				year, said := today.Year(), false
				for x := i + 1; x < min(i+3, len(words)); x++ {
					y := words[x]
					if n, err := strconv.Atoi(y); err == nil && len(y) == 4 && n >= 1900 && n <= 2200 &&
						!(x+1 < len(words) && currencyWords[words[x+1]] != "") { // ("on december 5 2000 dollars" says an amount)
						year, said = n, true // "december 31 2099": that year, not this one
						end = max(end, x+1)
					}
				}
				w := strings.Join(words[start:end], " ")
				t := time.Date(year, m, d, 0, 0, 0, 0, time.UTC)
				if !said && t.Before(today) {
					t = time.Date(year+1, m, d, 0, 0, 0, 0, time.UTC)
				}
				if t.Day() != d {
					// "february 30": no such day. The date stays as said, which
					// is no date, so that a payment asks instead of moving
					// it to March.
					return fmt.Sprintf("%04d-%02d-%02d", t.Year(), m, d), w, true
				}
				return f(t, w)
			}
		}
	}
	// "on the 15th", "am 15", "zum 1." (a German payment's day: "zum
	// 1. 40 Euro" was 1,40 € now)
	for i, w := range words {
		if (w == "the" || w == "am" || w == "zum" && German(locale)) && i+1 < len(words) {
			n, u := parseNumber(words[i+1:i+2], locale)
			if u == 0 || n < 1 || n > 31 {
				continue
			}
			if !German(locale) && !strings.HasSuffix(words[i+1], "th") && !strings.HasSuffix(words[i+1], "st") &&
				!strings.HasSuffix(words[i+1], "nd") && !strings.HasSuffix(words[i+1], "rd") {
				if _, ord := enOrdinal[words[i+1]]; !ord {
					continue
				}
			}
			// The next month that has that day, from this one: "on the
			// 31st" in November is December 31st (it was no day, and the
			// payment went now), "on the 30th" on January 31st is March
			// 30th (AddDate made it March 2nd).
			var t time.Time
			for k := 0; k <= 12; k++ {
				c := time.Date(today.Year(), today.Month()+time.Month(k), n, 0, 0, 0, 0, time.UTC)
				if c.Day() == n && !c.Before(today) {
					t = c
					break
				}
			}
			if t.IsZero() {
				continue
			}
			return f(t, strings.Join(words[i:i+2], " "))
		}
	}
	return "", "", false
}

func removePhrase(text, phrase string) string {
	if phrase == "" {
		return text
	}
	return strings.TrimSpace(strings.Join(strings.Fields(strings.Replace(" "+text+" ", " "+phrase+" ", " ", 1)), " "))
}

// DigitWord tells a digit said as a word ("six", "zwo", "oh").
func DigitWord(w string) bool { return digitWords[w] != "" }

// DigitOf is the digit a word says ("six" is "6"), or "".
func DigitOf(w string) string { return digitWords[w] }

// PinPause tells a sound said while thinking of the next digit ("um").
func PinPause(w string) bool { return pinPauses[w] }
