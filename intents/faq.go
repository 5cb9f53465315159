package intents

import (
	"math"
	"slices"
	"strings"

	"github.com/kljensen/snowball/english"
)

// FAQItem is one question a bank answers outside the catalog: an id and
// a few ways customers ask it.
type FAQItem struct {
	ID        string
	Questions []string
}

// FAQMatch is the entry an utterance asks about and how sure the
// matcher is: the cosine similarity (0 to 1) of the utterance with the
// closest of its example questions or with the entry as a whole.
type FAQMatch struct {
	ID    string
	Score float64
	// Theme: the utterance has the entry's theme word, one no other entry
	// uses and more than one of its questions has ("mortgage").
	Theme bool
}

// FAQThreshold is the score from which a match is taken. It is
// calibrated on testdata/faq-LOCALE.yaml (TestFAQCalibration logs the
// table): paraphrases of the sandbox sheets' questions, questions of
// other domains and the catalog's own requests. At 0.40 none of the 76
// negatives comes within 0.03 of it (the highest scores 0.33), and 54 to
// 85% of the paraphrases match, none of them wrongly in en-US and
// de-DE; below 0.35 questions about shops' hours and a balance begin to
// match. What it misses goes to an agent, not to a wrong answer.
const FAQThreshold = 0.40

// FAQ matches utterances against a bank's support questions: TF-IDF
// vectors of stemmed content words, word pairs and character 4-grams
// (which carry inflections, compounds and misspellings), compared by
// cosine. It is built once per sheet and locale and safe for concurrent
// use; a match takes about 10 µs (BenchmarkFAQMatch).
type FAQ struct {
	locale string
	german bool
	ids    []string // entry ids
	docOf  []int32  // example or centroid → entry
	index  map[string]int32
	idf    []float32 // per feature
	only   []bool    // the feature is a word only one entry uses, in two questions or more (its theme)
	maxIDF float32   // of a feature no entry has
	post   [][]faqPosting
	// long are the entries' long words (German: compounds), for a word
	// said alone that one of them ends with ("Schließfach" for
	// "Bankschließfach").
	long []string
}

type faqPosting struct {
	doc int32
	w   float32 // the feature's weight in the document's unit vector
}

// Feature kinds weigh differently: a word says most, a pair of words
// confirms it, a character 4-gram only hints.
const (
	faqWordWeight = 1.0
	faqPairWeight = 0.6
	faqGramWeight = 0.35
	faqNotWeight  = 0.3 // a negation: "hasn't arrived" and "arrived" are one question
	faqWeakWeight = 0.5 // a word nearly every bank question has (faqWeak)
	faqPartWeight = 0.7 // a word found inside a German compound
	// faqOneWord scales the score of a document that shares one content
	// word with the utterance.
	faqOneWord = 0.6
	// faqThemeWord scales it when that word is the entry's theme.
	faqThemeWord = 0.8
	// faqNoWord scales it when only weak words are shared.
	faqNoWord = 0.3
)

// faqNot is the one word every negation becomes.
const faqNot = "not"

// NewFAQ builds the matcher of a locale's entries. Entries without
// questions are left out.
func NewFAQ(locale string, items []FAQItem) *FAQ {
	f := &FAQ{locale: locale, german: German(locale), index: map[string]int32{}}
	type doc struct {
		entry int32
		feats map[string]float32
	}
	var docs []doc
	df := map[string]int{}
	themes := map[string]int{} // word → questions of its entry that have it, if only one entry has it
	for _, it := range items {
		if len(it.Questions) == 0 {
			continue
		}
		e := int32(len(f.ids))
		f.ids = append(f.ids, it.ID)
		seen := map[string]int{}
		centroid := map[string]float32{}
		qfeats := make([]map[string]float32, len(it.Questions))
		for i, q := range it.Questions {
			qfeats[i] = f.features(q)
		}
		if f.german {
			headsOf(qfeats)
		}
		for _, fs := range qfeats {
			docs = append(docs, doc{entry: e, feats: fs})
			for k, v := range fs {
				centroid[k] += v
				if seen[k] == 0 {
					df[k]++
				}
				seen[k]++
			}
		}
		for k, c := range seen {
			if df[k] == 1 {
				themes[k] = c
			} else {
				delete(themes, k)
			}
		}
		docs = append(docs, doc{entry: e, feats: centroid})
	}
	// Document frequency counts entries, not example questions: a word
	// every question of one entry repeats is that entry's best word.
	n := float64(len(f.ids))
	f.maxIDF = float32(math.Log((n+1)/1) + 1)
	for k, d := range df {
		f.index[k] = int32(len(f.idf))
		f.idf = append(f.idf, float32(math.Log((n+1)/float64(d+1))+1))
		f.only = append(f.only, d == 1 && themes[k] >= 2 && strings.HasPrefix(k, "w:") && k != "w:"+faqNot)
	}
	if f.german {
		for k := range f.index {
			if strings.HasPrefix(k, "w:") && len(k) >= 2+10 {
				f.long = append(f.long, k[2:])
			}
		}
		slices.Sort(f.long) // (the same choice on every build)
	}
	f.post = make([][]faqPosting, len(f.idf))
	f.docOf = make([]int32, len(docs))
	for i, d := range docs {
		f.docOf[i] = d.entry
		var norm float64
		for k, v := range d.feats {
			w := float64(v * f.idf[f.index[k]])
			norm += w * w
		}
		norm = math.Sqrt(norm)
		if norm == 0 {
			continue // a question of stop words only
		}
		for k, v := range d.feats {
			j := f.index[k]
			f.post[j] = append(f.post[j], faqPosting{doc: int32(i), w: float32(float64(v*f.idf[j]) / norm)})
		}
	}
	return f
}

// Len returns the number of entries.
func (f *FAQ) Len() int {
	if f == nil {
		return 0
	}
	return len(f.ids)
}

// Match returns the entry closest to an utterance, whatever its score
// (compare it with FAQThreshold), and false when nothing is shared.
func (f *FAQ) Match(text string) (FAQMatch, bool) {
	if f == nil || len(f.ids) == 0 {
		return FAQMatch{}, false
	}
	q := f.features(text)
	if len(q) == 0 {
		return FAQMatch{}, false
	}
	if f.german {
		f.splitCompounds(q)
		f.joinSplit(text, q)
	}
	var norm float64
	for k, v := range q {
		idf := f.maxIDF // a word no entry uses still counts against a match
		if j, ok := f.index[k]; ok {
			idf = f.idf[j]
		}
		w := float64(v * idf)
		norm += w * w
	}
	norm = math.Sqrt(norm)
	scores := make([]float32, len(f.docOf))
	shared := make([]uint8, len(f.docOf))
	own := make([]bool, len(f.docOf))
	for k, v := range q {
		j, ok := f.index[k]
		if !ok {
			continue
		}
		w := v * f.idf[j]
		word := strings.HasPrefix(k, "w:")
		for _, p := range f.post[j] {
			scores[p.doc] += w * p.w
			if word {
				shared[p.doc]++
				own[p.doc] = own[p.doc] || f.only[j]
			}
		}
	}
	// One word in common is weak evidence ("when does the supermarket
	// close" and "what time do you close today"), unless it is the
	// entry's theme: a word no other entry uses and more than one of its
	// questions has ("mortgage", "overdraft").
	best, bestDoc, theme := float32(0), -1, false
	for i, s := range scores {
		switch {
		case shared[i] >= 2:
		case shared[i] == 0:
			s *= faqNoWord // only words every question has ("vom Girokonto")
		case own[i]:
			s *= faqThemeWord
		default:
			s *= faqOneWord
		}
		if s > best {
			best, bestDoc, theme = s, i, own[i]
		}
	}
	if bestDoc < 0 {
		return FAQMatch{}, false
	}
	return FAQMatch{ID: f.ids[f.docOf[bestDoc]], Score: float64(best) / norm, Theme: theme}, true
}

// splitCompounds relates German compounds to the entries' words: a
// compound no entry has ("Baukredite") gets the longest entry word it
// begins or ends with ("kredit").
func (f *FAQ) splitCompounds(q map[string]float32) {
	var add []string
	var swap [][2]string
	for k := range q {
		if !strings.HasPrefix(k, "w:") {
			continue
		}
		if _, ok := f.index[k]; ok {
			continue
		}
		w := k[2:]
		if part := f.partOf(w); part != "" {
			add = append(add, "w:"+part)
		} else if whole := f.wholeOf(w); whole != "" {
			swap = append(swap, [2]string{k, "w:" + whole}) // the head stands for its compound
		}
	}
	for _, k := range add {
		q[k] += faqPartWeight
	}
	for _, kw := range swap {
		q[kw[1]] += q[kw[0]]
		delete(q, kw[0])
	}
}

// joinSplit relates a compound said or transcribed as two words ("bau
// finanzierung", "dauer auftrag") to the entry word it makes.
func (f *FAQ) joinSplit(text string, q map[string]float32) {
	words := strings.Fields(Normalize(text))
	for i := 0; i+1 < len(words); i++ {
		ws := f.words(words[i] + words[i+1])
		if len(ws) != 1 || len(ws[0]) < 6 {
			continue
		}
		if _, ok := f.index["w:"+ws[0]]; !ok {
			continue
		}
		// The two words' features give way to the compound's.
		for k, v := range f.features(words[i] + " " + words[i+1]) {
			if q[k] -= v; q[k] <= 1e-6 {
				delete(q, k)
			}
		}
		for k, v := range f.features(words[i] + words[i+1]) {
			q[k] += v
		}
	}
}

// headsOf gives a German compound in one question of an entry the word
// another question of it says alone, the compound's head: "kann ich ein
// bankschließfach mieten" beside "habt ihr schließfächer" also says
// "schließfach", which makes that word the entry's theme.
func headsOf(qs []map[string]float32) {
	words := map[string]bool{}
	for _, fs := range qs {
		for k := range fs {
			if strings.HasPrefix(k, "w:") && len(k) >= 2+6 {
				words[k[2:]] = true
			}
		}
	}
	for _, fs := range qs {
		var add []string
		for k := range fs {
			if !strings.HasPrefix(k, "w:") {
				continue
			}
			for w := range words {
				if len(k)-2 >= len(w)+3 && strings.HasSuffix(k, w) {
					add = append(add, "w:"+w)
				}
			}
		}
		for _, k := range add {
			if _, ok := fs[k]; !ok {
				fs[k] = faqPartWeight
			}
		}
	}
}

// wholeOf is the shortest long entry word that ends with w, a word of 6
// letters or more no entry has: the compound's head ("schliessfach" in
// "bankschliessfach") names the same thing.
func (f *FAQ) wholeOf(w string) string {
	if len(w) < 6 {
		return ""
	}
	best := ""
	for _, l := range f.long {
		if len(l) >= len(w)+3 && strings.HasSuffix(l, w) && (best == "" || len(l) < len(best)) {
			best = l
		}
	}
	return best
}

// partOf is the longest entry word (5 letters or more) a long word
// begins or ends with.
func (f *FAQ) partOf(w string) string {
	if len(w) < 8 {
		return ""
	}
	for i := 1; i+5 <= len(w); i++ {
		if _, ok := f.index["w:"+w[i:]]; ok {
			return w[i:]
		}
		if _, ok := f.index["w:"+w[:len(w)-i]]; ok {
			return w[:len(w)-i]
		}
	}
	return ""
}

// Best returns the entry an utterance asks about, if it scores at least
// FAQThreshold.
func (f *FAQ) Best(text string) (FAQMatch, bool) {
	m, ok := f.Match(text)
	if !ok || m.Score < FAQThreshold {
		return FAQMatch{}, false
	}
	return m, true
}

// features turns text into weighted features: stemmed content words,
// pairs of neighbouring content words, and character 4-grams of each
// word, spread over the word so that a long word weighs as much as a
// short one.
func (f *FAQ) features(text string) map[string]float32 {
	words := f.words(text)
	out := make(map[string]float32, len(words)*6)
	for i, w := range words {
		if w == faqNot {
			out["w:"+w] += faqNotWeight
			continue
		}
		if faqWeak[w] {
			out["v:"+w] += faqWeakWeight
			continue
		}
		out["w:"+w] += faqWordWeight
		if i > 0 {
			out["b:"+words[i-1]+"_"+w] += faqPairWeight
		}
		rs := []rune("^" + w + "$")
		if len(rs) < 5 {
			continue
		}
		grams := len(rs) - 3
		gw := float32(faqGramWeight) / float32(math.Sqrt(float64(grams)))
		for j := 0; j+4 <= len(rs); j++ {
			out["g:"+string(rs[j:j+4])] += gw
		}
	}
	return out
}

// words are the utterance's content words, spelling variants mapped to
// one, stemmed.
func (f *FAQ) words(text string) []string {
	var out []string
	fields := strings.Fields(Normalize(text))
	for i, w := range fields {
		if v, ok := faqVariants[w]; ok {
			w = v
		}
		if f.german && i == len(fields)-1 && i > 0 && (w == "auf" || w == "zu" && openVerbBefore(fields[:i])) {
			// "habt ihr samstags auf", "hat die Filiale heute auf",
			// "wann macht ihr zu": a verb's particle at the end says open
			// or closed (otherwise "auf" and "zu" say nothing)
			w = "offen"
		}
		if w == faqNot {
			out = append(out, w)
			continue
		}
		if f.german {
			if faqStopDE[w] {
				continue
			}
			w = faqStemDE(w)
		} else {
			if faqStopEN[w] {
				continue
			}
			w = english.Stem(w, true)
		}
		if w != "" {
			out = append(out, w)
		}
	}
	return out
}

// AboutBanking reports whether an utterance is about banking at all (it
// names an account, a card, a loan, a branch, ...): a bank question the
// catalog and the FAQ cannot answer goes to an agent, anything else is
// declined.
func (f *FAQ) AboutBanking(text string) bool {
	if t := " " + Normalize(text) + " "; strings.Contains(t, " exchange rate") || strings.Contains(t, " conversion rate") ||
		strings.Contains(t, "wechselkurs") || strings.Contains(t, "dollarkurs") || strings.Contains(t, "devisenkurs") || strings.Contains(t, "umrechnungskurs") ||
		strings.Contains(t, " kurs ") && (strings.Contains(t, " dollar") || strings.Contains(t, " euro") || strings.Contains(t, " yen") || strings.Contains(t, " franken") || strings.Contains(t, " pfund")) {
		return true // "what's the exchange rate for yen today": the bank's rates, its line can say
	}
	for _, w := range strings.Fields(Normalize(text)) {
		if v, ok := faqVariants[w]; ok {
			w = v
		}
		if f.german {
			if faqBankDE[faqStemDE(w)] {
				return true
			}
			for _, p := range faqBankPrefixesDE {
				if strings.HasPrefix(w, p) || strings.HasSuffix(w, p) {
					return true
				}
			}
		} else if faqBankEN[english.Stem(w, true)] {
			return true
		}
	}
	return false
}

// faqWeak are the stems of words nearly every bank question has: they
// weigh less and are not the second word in common.
var faqWeak = func() map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.Fields("account accounts current checkingaccount savings card cards money cash") {
		m[english.Stem(w, true)] = true
	}
	for _, w := range strings.Fields("konto konten girokonto karte karten geld bargeld") {
		m[faqStemDE(w)] = true
	}
	return m
}()

// faqVariants map spellings and contractions onto one word.
var faqVariants = map[string]string{
	"cheque": "check", "cheques": "checks", "cashpoint": "atm", "cashpoints": "atm", "atms": "atm",
	"hasnt": "not", "havent": "not", "didnt": "not", "doesnt": "not", "isnt": "not", "wasnt": "not",
	"arent": "not", "never": "not", "dont": "not", "wont": "not", "cant": "not",
	"nicht": "not", "nie": "not", "kein": "not", "keine": "not", "keinen": "not",
	// words for one thing
	"surname": "name", "lastname": "name", "wedding": "married", "marry": "married", "marriage": "married",
	"overseas": "abroad", "vacation": "abroad", "holiday": "abroad", "travel": "abroad",
	"traveling": "abroad", "travelling": "abroad", "flying": "abroad", "notify": "tell", "inform": "tell",
	"payroll": "paycheck", "salary": "paycheck", "wages": "paycheck", "employer": "paycheck", "job": "paycheck",
	"checking": "checkingaccount", "overdrawn": "overdraft", "overdraw": "overdraft", "passcode": "password",
	"saturday": "weekend", "saturdays": "weekend", "sunday": "weekend", "sundays": "weekend", "weekends": "weekend",
	"samstag": "wochenende", "samstags": "wochenende", "sonntag": "wochenende", "sonntags": "wochenende",
	"posted": "sent", "mailed": "sent", "dispatched": "sent", "shipped": "sent", "verschickt": "geschickt",
	"remember": "forgot", "forget": "forgot", "forgotten": "forgot",
	"urlaub": "ausland", "reise": "ausland", "verreise": "ausland", "reisen": "ausland",
	"einrichten": "richten", "eingerichtet": "richten", "einstellen": "stellen", "zurückgeben": "zurück",
	"lohn": "gehalt", "arbeitgeber": "gehalt",
	"hochzeit": "heirat", "geheiratet": "heirat", "verheiratet": "heirat", "nachname": "name", "nachnamen": "name",
	"debitcard": "debit", "creditcard": "credit", "applepay": "apple", "googlepay": "google",
	"e": "email", "mail": "email", "emails": "email",
	"bankautomat": "geldautomat", "bankautomaten": "geldautomat", "geldautomaten": "geldautomat",
	"ec": "girocard", "eckarte": "girocard", "bankkarte": "girocard", "nich": "nicht",
}

// openVerbsDE come before a closing "zu" that says closed ("wann macht
// ihr zu", "ist die Filiale zu").
var openVerbsDE = faqSet(`macht machen macht's hat habt haben ist sind`)

// openBetweenDE may stand between the verb and its particle ("wann macht
// ihr heute zu", "macht die Filiale zu"); any other word ("ist mein Konto
// zu") makes "zu" say something else.
var openBetweenDE = faqSet(`ihr sie die der heute morgen samstags sonntags filiale bank zweigstelle eure ihre denn eigentlich abends mittags`)

// openVerbBefore: the words before a final "zu" end in an opening verb,
// with only openBetweenDE words after it.
func openVerbBefore(before []string) bool {
	for i := len(before) - 1; i >= 0 && i >= len(before)-4; i-- {
		if openVerbsDE[before[i]] {
			return true
		}
		if !openBetweenDE[before[i]] {
			return false
		}
	}
	return false
}

// faqStopEN are English words that say nothing about which question is
// asked.
var faqStopEN = faqSet(`a an the i im ive id me my mine myself we our us you your youre yours it its is are was were be been being am
	do does did doing have has had having will would shall should can could may might must
	and or but if so then than that this these those there here what whats which who whom whose when where why how
	to of in on at by for with about from into onto up out off over as
	please pls um uh er erm like just okay ok hey hi hello alexa konto bank banks tell know let lets want wanna gonna need yet still already
	get got getting go going thanks thank yeah yes well also really actually some any one much many lot stop cancel
	today tomorrow tonight now time talk speak someone somebody anyone person guys folks
	week weeks day days ago think thinking wondering wonder`)

// faqStopDE are German words that say nothing about which question is
// asked.
var faqStopDE = faqSet(`ich mich mir mein meine meinen meinem meiner meines wir uns unser unsere du dich dir dein deine deinen deinem
	er sie es ihr ihre ihren man der die das den dem des ein eine einen einem einer eines
	ist sind war waren bin bist sein habe hast hat haben hatte hatten wird werden wurde kann kannst können konnte
	muss musst müssen soll sollte will möchte möchten würde würden mag
	und oder aber wenn dann als dass wie was wer wo wann warum wieso weshalb welche welcher welches womit wofür
	zu zum zur von vom in im an am auf aus bei mit nach für über um unter vor bis durch
	bitte mal ähm äh hm ja nein okay ok hallo hey alexa konto bank sag sagen mir gerne gern denn doch eigentlich so da hier
	auch schon nur noch viel viele wieviel stopp abbrechen heute morgen jetzt gerade
	brauche brauchen bräuchte braucht mache machen macht geht gehen habt lassen lass bekomme bekommen kriege kriegen
	mehr gibt gibts gehts klappt tun tue euch euer eure euren eurer eurem ihr immer
	krieg kriegt bekomm bekommt ne nen nem ner is halt son`)

func faqSet(words string) map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.Fields(words) {
		m[w] = true
	}
	return m
}

// faqBankEN and faqBankDE are the stems of words that name things of a
// bank.
var faqBankEN, faqBankDE = func() (en, de map[string]bool) {
	en, de = map[string]bool{}, map[string]bool{}
	for _, w := range strings.Fields(`account bank banking branch atm card debit credit loan mortgage remortgage
		overdraft checking savings check cheque deposit withdrawal withdraw pin iban swift bic routing sort
		transfer wire payment statement interest fee advisor adviser isa pension
		investment invest stocks shares insurance teller cashier safe vault overdrawn
		refinance refinancing refinanced`) {
		en[english.Stem(w, true)] = true
	}
	for _, w := range strings.Fields(`konto bank filiale geldautomat karte kreditkarte girocard kredit darlehen hypothek
		baufinanzierung dispo überweisung lastschrift dauerauftrag depot aktien fonds versicherung
		zinsen gebühr schließfach bankberater berater beraterin sparbuch tagesgeld festgeld bausparvertrag
		umschulden umschuldung anschlussfinanzierung`) {
		de[faqStemDE(w)] = true
	}
	return en, de
}()

// faqBankPrefixesDE catch German compounds ("Girokontoeröffnung",
// "Kreditkartenabrechnung").
var faqBankPrefixesDE = []string{"konto", "karte", "kredit", "überweis", "filial", "geldautomat", "darlehen", "finanzierung", "zins", "gebühr", "spar"}

// faqStemDE is CISTEM (Weissweiler and Fraser, 2017), a small German
// stemmer: umlauts folded, then -em, -er, -nd, -e, -s, -n stripped from
// words longer than three letters.
func faqStemDE(w string) string {
	w = faqFoldDE.Replace(w)
	if strings.HasPrefix(w, "ge") && len([]rune(w)) >= 6 {
		w = w[2:]
	}
	w = faqMarkDE.Replace(w)
	rs := []rune(w)
	for i := 1; i < len(rs); i++ {
		if rs[i] == rs[i-1] {
			rs[i] = '*'
		}
	}
	for len(rs) > 3 {
		n := len(rs)
		if n > 5 && rs[n-2] == 'e' && (rs[n-1] == 'm' || rs[n-1] == 'r') || n > 5 && rs[n-2] == 'n' && rs[n-1] == 'd' {
			rs = rs[:n-2]
			continue
		}
		// CISTEM also strips -t from words that are not capitalised;
		// lower-cased speech does not say which are, and "Karte" must
		// not become "kar".
		if c := rs[n-1]; c == 'e' || c == 's' || c == 'n' {
			rs = rs[:n-1]
			continue
		}
		break
	}
	for i := 1; i < len(rs); i++ {
		if rs[i] == '*' {
			rs[i] = rs[i-1]
		}
	}
	return faqUnmarkDE.Replace(string(rs))
}

var (
	faqFoldDE   = strings.NewReplacer("ü", "u", "ö", "o", "ä", "a", "ß", "ss")
	faqMarkDE   = strings.NewReplacer("sch", "$", "ei", "%", "ie", "&")
	faqUnmarkDE = strings.NewReplacer("&", "ie", "%", "ei", "$", "sch")
)
