package skill

import (
	"context"
	"embed"
	"fmt"
	"regexp"
	"strings"
	"sync"

	"github.com/kljensen/snowball/english"
	"gopkg.in/yaml.v3"

	"github.com/kontoskill/konto/banks"
	"github.com/kontoskill/konto/intents"
)

// The glossary answers "what does pending mean", "was bedeutet
// Tagesgeld", "what does ISA stand for": the meaning of a banking word,
// said in two or three sentences and nothing about the customer. It is
// asked before the recognizer's intent, because the words of such a
// question are those of another one ("Tagesgeld" reads a balance, "ISA"
// is an account): the grammar of the question decides, not its words.
// Konto ships a glossary per language (glossary/LOCALE.yaml); a bank
// extends it, or replaces an entry, with its sheet's glossary.

//go:embed glossary/*.yaml
var glossaryFiles embed.FS

// glossaryTerm is a built-in entry: a sheet's entry, and a sentence with
// the figures of the sheet.
type glossaryTerm struct {
	banks.GlossaryEntry `yaml:",inline"`
	// Figures follows the answer when the sheet has every figure it
	// names: {rate.savings} is sheet.Rates["savings"], {fee.overdraft}
	// sheet.Fees["overdraft"].
	Figures string `yaml:"figures"`
}

// builtinGlossary is Konto's glossary of each locale it speaks.
var builtinGlossary = sync.OnceValue(func() map[string][]glossaryTerm {
	out := map[string][]glossaryTerm{}
	for _, loc := range []string{"en-US", "en-GB", "de-DE"} {
		bs, err := glossaryFiles.ReadFile("glossary/" + loc + ".yaml")
		if err != nil {
			panic(err)
		}
		var terms []glossaryTerm
		if err := yaml.Unmarshal(bs, &terms); err != nil {
			panic(fmt.Sprintf("skill: glossary/%s.yaml: %v", loc, err))
		}
		out[loc] = terms
	}
	return out
})

// glossaryLocale is the built-in glossary a locale speaks.
func glossaryLocale(locale string) string {
	switch {
	case intents.German(locale):
		return "de-DE"
	case strings.EqualFold(locale, "en-GB"):
		return "en-GB"
	}
	return "en-US"
}

// glossary matches the words of definition questions to terms.
type glossary struct {
	german  bool
	terms   []glossaryTerm
	index   map[string]int // key of a term or synonym → terms
	longest int            // words of the longest key
}

// newGlossary is the built-in glossary of a locale extended by a
// sheet's entries. A sheet entry that names a built-in term (by its term
// or a synonym) takes its place, and answers its other names too.
func newGlossary(locale string, sheet []banks.GlossaryEntry) *glossary {
	g := &glossary{german: intents.German(locale), index: map[string]int{}}
	for _, t := range builtinGlossary()[glossaryLocale(locale)] {
		g.add(t, false)
	}
	for _, e := range sheet {
		if strings.TrimSpace(e.Term) == "" || strings.TrimSpace(e.Answer) == "" {
			continue
		}
		g.add(glossaryTerm{GlossaryEntry: e}, true)
	}
	return g
}

func (g *glossary) add(t glossaryTerm, replace bool) {
	names := append([]string{t.Term}, t.Synonyms...)
	i := -1
	if replace {
		for _, n := range names {
			if j, ok := g.index[g.key(n)]; ok {
				i = j
				break
			}
		}
	}
	if i < 0 {
		i = len(g.terms)
		g.terms = append(g.terms, t)
	} else {
		g.terms[i] = t
	}
	for _, n := range names {
		k := g.key(n)
		if k == "" {
			continue
		}
		g.index[k] = i
		g.longest = max(g.longest, len(strings.Fields(k)))
	}
}

// key is a phrase reduced to word stems, so that plurals and German
// endings meet ("direct debits", "vorgemerkten", "Daueraufträge").
func (g *glossary) key(phrase string) string {
	words := strings.Fields(intents.Normalize(phrase))
	for i, w := range words {
		words[i] = g.stem(w)
	}
	return strings.Join(words, " ")
}

func (g *glossary) stem(w string) string {
	if !g.german {
		return english.Stem(w, true)
	}
	w = glossaryFoldDE.Replace(w)
	if len(w) > 5 {
		for _, suf := range []string{"en", "er", "em", "es", "e", "n", "s"} {
			if strings.HasSuffix(w, suf) {
				return w[:len(w)-len(suf)]
			}
		}
	}
	return w
}

var glossaryFoldDE = strings.NewReplacer("ä", "a", "ö", "o", "ü", "u", "ß", "ss")

// How a question names its word.
const (
	askWhatIs  = iota // "what is a sort code", "was ist Tagesgeld": the words after it are the term, nothing else
	askMeaning        // "what does pending mean": the term, maybe "the word", an article and where it was seen
	askWithin         // "what does it mean when a payment is pending": a term somewhere in the words
)

type glossaryAsk struct {
	re   *regexp.Regexp
	kind int
}

// glossaryAsksEN and glossaryAsksDE are the ways to ask what a word
// means, on normalized text ("what's" is "whats"), tried in order.
var (
	glossaryAsksEN = []glossaryAsk{
		{regexp.MustCompile(`\bwhat does it mean (?:when|if|that) (.+)$`), askWithin},
		{regexp.MustCompile(`\bdifference between (.+)$`), askWithin},
		{regexp.MustCompile(`\bwhat (?:does|do|did) (.+?) (?:actually |really |exactly )?(?:mean|means|stand for|stands for|refer to)\b`), askMeaning},
		{regexp.MustCompile(`\b(?:what is|whats|what are|what s) (.+?) (?:short for|an abbreviation for|an acronym for|stand for|mean)\b`), askMeaning},
		{regexp.MustCompile(`^(.+?) (?:what does|whats|what do) (?:that|this|it|those) (?:mean|stand for)$`), askMeaning},
		{regexp.MustCompile(`\b(?:meant|mean) by (.+)$`), askMeaning},
		{regexp.MustCompile(`\b(?:meaning|definition) of (.+)$`), askMeaning},
		{regexp.MustCompile(`\bdefine (.+)$`), askMeaning},
		{regexp.MustCompile(`\bexplain (?:to me )?(?:what )?(.+?)(?: is| are| means| mean)?(?: to me)?$`), askMeaning},
		{regexp.MustCompile(`\bwhat (.+?) (?:means|stands for|is short for)$`), askMeaning},
		{regexp.MustCompile(`^(.+?) (?:meaning|definition)$`), askMeaning},
		{regexp.MustCompile(`\bwhat (?P<term>.+?) (?:is|(?P<plural>are))$`), askWhatIs},
		{regexp.MustCompile(`\bwhat(?: exactly| actually)?(?: is|s| s|(?P<plural> are))(?: exactly| actually)? (.+)$`), askWhatIs},
	}
	glossaryAsksDE = []glossaryAsk{
		{regexp.MustCompile(`\bwas (?:bedeutet|heißt|heisst) es (?:wenn|dass) (.+)$`), askWithin},
		{regexp.MustCompile(`\bunterschied zwischen (.+)$`), askWithin},
		{regexp.MustCompile(`\bwas (?:genau |eigentlich |denn )?(?:bedeutet|bedeuten|heißt|heisst|heißen|heissen|meint ihr mit|meinst du mit|meinen sie mit|versteht man unter|verstehe ich unter) (.+?)(?: gemeint)?$`), askMeaning},
		{regexp.MustCompile(`^(.+?) was (?:heißt|heisst|bedeutet|ist|sind) (?:denn |eigentlich )?(?:das|die|der|es)$`), askMeaning},
		{regexp.MustCompile(`\bwas (?:ist|sind) (?:denn |eigentlich |genau )*mit (.+?) gemeint$`), askMeaning},
		{regexp.MustCompile(`\bwof(?:ü|u)r steht (.+)$`), askMeaning},
		{regexp.MustCompile(`\b(?:bedeutung|definition|erklärung) (?:von |vom |des |der )?(.+)$`), askMeaning},
		{regexp.MustCompile(`^(.+?) (?:bedeutung|definition|erklärung)$`), askMeaning},
		{regexp.MustCompile(`\berklär(?:e|en|en sie|st du)? (?:mir |uns )?(?:mal |bitte |doch |kurz )*(?:was )?(.+?)(?: ist| sind| bedeutet| heißt)?$`), askMeaning},
		{regexp.MustCompile(`\bwas (?:ist|(?P<plural>sind))(?: denn| eigentlich| überhaupt| genau| so)* (.+)$`), askWhatIs},
	}
)

var (
	// glossaryFillers say nothing about the word ("what does ISA
	// actually stand for", "was heißt eigentlich vorgemerkt").
	glossaryFillers = wordSet(`actually really exactly again even just so then please um uh like here word term abbreviation acronym
		eigentlich denn genau überhaupt nochmal mal bitte so hier doch wort begriff abkürzung ausdruck ähm äh kurz`)
	// glossaryArticles may stand before the word of a meaning question.
	glossaryArticles = wordSet(`a an the my your this that these those
		ein eine einen einem einer eines der die das den dem des mein meine meinen meinem meiner dein deine deinen deinem diese dieser dieses diesen`)
	// glossaryIndefinite are the only words "what is" takes before the
	// word: "what is the APR" and "was ist mein Dispo" ask for the
	// customer's own.
	glossaryIndefinite = wordSet(`a an ein eine einen`)
	// glossaryContext begins where the word was seen ("what does pending
	// mean on my statement", "was heißt vorgemerkt bei meinen Umsätzen").
	glossaryContext = wordSet(`on in at for when if with under auf im in bei beim für wenn mit unter`)
)

func wordSet(words string) map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.Fields(words) {
		m[w] = true
	}
	return m
}

// lookup is the term a definition question asks about, if the text is
// one and the glossary has the word.
func (g *glossary) lookup(text string) (glossaryTerm, bool) {
	if g == nil || len(g.terms) == 0 {
		return glossaryTerm{}, false
	}
	norm := intents.Normalize(text)
	asks := glossaryAsksEN
	if g.german {
		asks = glossaryAsksDE
	}
	for _, a := range asks {
		m := a.re.FindStringSubmatch(norm)
		if m == nil {
			continue
		}
		plural := false
		if j := a.re.SubexpIndex("plural"); j > 0 {
			plural = m[j] != ""
		}
		term := m[len(m)-1] // the last group, or the one named so
		if j := a.re.SubexpIndex("term"); j > 0 {
			term = m[j]
		}
		if i, ok := g.find(strings.Fields(term), a.kind, plural); ok {
			return g.terms[i], true
		}
	}
	return glossaryTerm{}, false
}

// find is the term the words name, read as a question of that kind
// asks; plural is "what are X" (no article, but no customer's own
// either: "what are pending transactions").
func (g *glossary) find(words []string, kind int, plural bool) (int, bool) {
	words = trimWords(words, glossaryFillers, glossaryFillers)
	switch kind {
	case askWhatIs:
		if i, ok := g.index[g.keyOf(words)]; ok && (plural || !g.terms[i].OnlyMeaning) {
			return i, true // "what is a p r", spelled
		}
		if len(words) == 0 || !glossaryIndefinite[words[0]] {
			return 0, false // "what is pending" asks which payments are, "what is the APR" the customer's
		}
		i, ok := g.index[g.keyOf(trimWords(words[1:], glossaryFillers, glossaryFillers))]
		return i, ok
	case askMeaning:
		if i, ok := g.index[g.keyOf(words)]; ok {
			return i, true
		}
		words = trimWords(words, glossaryArticles, nil)
		words = trimWords(words, glossaryFillers, glossaryFillers)
		if i, ok := g.index[g.keyOf(words)]; ok {
			return i, true
		}
		for n := 1; n < len(words); n++ {
			if glossaryContext[words[n]] {
				if i, ok := g.index[g.keyOf(trimWords(words[:n], nil, glossaryFillers))]; ok {
					return i, true
				}
			}
		}
		return 0, false
	}
	// askWithin: the first term in the words, the longest there.
	keys := strings.Fields(g.keyOf(words))
	for i := range keys {
		for n := min(g.longest, len(keys)-i); n > 0; n-- {
			if t, ok := g.index[strings.Join(keys[i:i+n], " ")]; ok {
				return t, true
			}
		}
	}
	return 0, false
}

func (g *glossary) keyOf(words []string) string {
	return g.key(strings.Join(words, " "))
}

// trimWords drops leading words of one set and trailing words of another.
func trimWords(words []string, lead, trail map[string]bool) []string {
	for len(words) > 0 && lead[words[0]] {
		words = words[1:]
	}
	for len(words) > 0 && trail[words[len(words)-1]] {
		words = words[:len(words)-1]
	}
	return words
}

// glossaryFigure is a figure of the sheet in a Figures sentence:
// {rate.savings}, {fee.overdraft}, {bic}, {sort_code}, {routing_number}.
var glossaryFigure = regexp.MustCompile(`\{([a-z_]+)(?:\.([a-z_]+))?\}`)

// answer is what the term's entry says, with its figures from the sheet
// when the sheet has them.
func (t glossaryTerm) answer(sheet banks.ProductSheet) string {
	text := strings.TrimSpace(t.Answer)
	if t.Figures == "" {
		return text
	}
	missing := false
	fig := glossaryFigure.ReplaceAllStringFunc(t.Figures, func(m string) string {
		v := sheetFigure(sheet, glossaryFigure.FindStringSubmatch(m))
		missing = missing || v == ""
		return v
	})
	if missing {
		return text
	}
	return text + " " + strings.TrimSpace(fig)
}

// sheetFigure is the sheet's value of a glossaryFigure match ("" if
// the sheet has none).
func sheetFigure(sheet banks.ProductSheet, m []string) string {
	switch m[1] {
	case "rate":
		return sheet.Rates[m[2]]
	case "fee":
		return sheet.Fees[m[2]]
	case "bic":
		return sheet.BIC
	case "sort_code":
		return sheet.SortCode
	case "routing_number":
		return sheet.RoutingNumber
	}
	return ""
}

// glossaryOf returns the glossary of the user's bank in the language
// spoken, built the first time it is asked.
func (fq *faqs) glossaryOf(ctx context.Context, u banks.User, locale string) (*glossary, banks.ProductSheet) {
	key := u.Bank + "\x00" + locale
	fq.mu.Lock()
	g, ok := fq.glossaries[key]
	fq.mu.Unlock()
	if ok {
		return g.g, g.sheet
	}
	sheet, ok := fq.sheet(ctx, u, locale)
	gs := glossarySet{g: newGlossary(locale, sheet.Glossary), sheet: sheet}
	if ok {
		fq.mu.Lock()
		if fq.glossaries == nil {
			fq.glossaries = map[string]glossarySet{}
		}
		fq.glossaries[key] = gs
		fq.mu.Unlock()
	}
	return gs.g, gs.sheet
}

type glossarySet struct {
	g     *glossary
	sheet banks.ProductSheet
}

// define answers a question about what a banking word means (nil if the
// turn is none, or the glossary lacks the word).
func (s *Skill) define(ctx context.Context, r *Request) *Response {
	if s.faq == nil || r.Text == "" {
		return nil
	}
	if r.User.Customer == "" && r.AccessToken != "" {
		_ = s.authenticate(ctx, r) // the user's bank decides the glossary
	}
	g, sheet := s.faq.glossaryOf(ctx, r.User, r.Locale)
	t, ok := g.lookup(r.Text)
	if !ok {
		return nil
	}
	s.cfg.Log.DebugContext(ctx, "glossary answered", "term", t.Term, "intent", r.Intent, "confidence", r.Confidence)
	l := langOf(r.Locale)
	text := t.answer(sheet)
	resp := anythingElse(l, text)
	resp.Card = &Card{Title: t.Term, Text: text}
	return resp
}

// defineAside answers a definition question while a dialog waits, and
// asks the dialog's question again: "…Now, back to your transfer of
// £40.00 to Ravi Shah: from which account?".
func (s *Skill) defineAside(ctx context.Context, r *Request, d *dialog) *Response {
	resp := s.define(ctx, r)
	if resp == nil {
		return nil
	}
	l := langOf(r.Locale)
	resp.Speech = l.withoutAnythingElse(resp.Speech) + " " + l.backTo(d)
	resp.Reprompt, resp.EndSession, resp.Choices = d.Question, false, dialogChoices(l, d)
	if d.Stage == stageCollect && d.Awaiting != "" {
		resp.Elicit = &Elicit{Intent: d.Action, Slot: d.Awaiting, Slots: d.Slots}
	}
	return resp
}
