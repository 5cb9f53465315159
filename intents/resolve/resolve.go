// Package resolve matches a name as the user said it, often misheard by
// speech recognition, against the names the user actually has: merchants,
// payees, billers and accounts. It knows en-US, en-GB and de-DE; any other
// "de" locale is German and anything else English. What is said should be
// the name phrase only ("at the star bucks", not the whole question).
//
// Both sides are folded first: lower case, diacritics removed ("Süd" →
// "sud", "ß" → "ss"), apostrophes joined, "&" read as "and"/"und", numbers
// up to 20 spelt out ("7-Eleven" = "seven eleven"). Fillers in front of what
// was said ("at the", "beim", "von der") and kind words after it ("bill",
// "Rechnung") are dropped, and legal forms ("Ltd", "GmbH", "eG") from the end
// of a name. Each candidate then scores in [0, 1], the best of:
//
//   - equality of the space-free forms ("star bucks" = "Starbucks"), also
//     without a possessive "'s" ("trader joe" = "Trader Joe's"): 1, Exact;
//   - equality after dropping plural s (and, in German, writing ae/oe/ue as
//     the umlaut): 0.96 ("whole food", "aldi sued");
//   - words: each said word equal (or nearly, or sounding the same and
//     spelt close) to a whole word of the name. Said entirely within the
//     name and the name's naming words all said, 0.88-0.95 ("verizon" for
//     Verizon Wireless); said within the name only, 0.66-0.94 by how much of
//     the name it covers, whether it is the name's first word and whether no
//     other candidate has the word. Words that describe rather than name
//     ("food", "wireless", "strom") never count as naming, and a match on
//     them alone is at most 0.8, an Ask;
//   - string similarity of the space-free forms (0.45 Jaro-Winkler + 0.55
//     Levenshtein similarity), raised half-way towards the same similarity
//     of their phonetic keys once the spelling is close (at least 0.6):
//     Metaphone for English (Philips' original single-key Metaphone, not
//     Double Metaphone), Kölner Phonetik for German. The same, times 0.97, against the name without its trailing
//     describing words ("fatten fall" for Vattenfall Strom);
//   - initials ("tfl", "m and s"): 0.8, so only ever Ask.
//
// The Kind of a Match tells the caller what to do:
//
//   - Exact: what was said is the name, up to case, spaces, punctuation,
//     apostrophes, a possessive "'s", diacritics and spelt-out numbers. Use
//     the name. Two Exact matches mean the user has two things of that
//     name: ask which.
//   - Confident: only the best match can be Confident: its score is at least
//     ConfidentScore (0.85), no candidate is Exact, and the runner-up
//     scores at least Margin (0.08) less. Use the name, and say it back
//     ("at Starbucks").
//   - Ask: a plausible reading that is not sure enough to act on: score at
//     least AskScore (0.66) but not Confident (below ConfidentScore, without
//     the margin, not the first, or beside an Exact match). Ask "Do you mean Starbucks?", offering
//     the first one or two Ask matches.
//   - None: nothing matched; the match is only the closest name (score at
//     least HintScore, 0.5). Say that nothing matched what was said and
//     offer it ("I found nothing for coffee. The closest is Costco.").
//
// Resolve returns matches best first; an empty result means nothing came
// within HintScore. So the caller looks at the first Match, and at the
// second when the first is Ask or Exact.
package resolve

import (
	"slices"
	"strings"
)

// Kind is how sure a Match is; larger is surer.
type Kind int

const (
	None      Kind = iota // nothing matched; at most the closest name
	Ask                   // plausible: ask "Do you mean …?"
	Confident             // one clear winner: use it
	Exact                 // the name itself: use it
)

func (k Kind) String() string {
	switch k {
	case Exact:
		return "exact"
	case Confident:
		return "confident"
	case Ask:
		return "ask"
	}
	return "none"
}

// The thresholds on Match.Score.
const (
	// ConfidentScore is the least score of a Confident match, which also
	// needs Margin over the runner-up.
	ConfidentScore = 0.85
	// Margin is how far the runner-up must trail a Confident match.
	Margin = 0.08
	// AskScore is the least score of an Ask match.
	AskScore = 0.66
	// HintScore is the least score of any returned match; below AskScore
	// the Kind is None.
	HintScore = 0.5

	// acronymScore is the score of initials ("tfl" for Transport for
	// London): Ask, never more.
	acronymScore = 0.8
	// uniqueBonus is added when a naming word said is in this name only.
	uniqueBonus = 0.08
)

// Match is one candidate name and how well what was said matches it.
type Match struct {
	Name  string  // the candidate, as given
	Index int     // its position in the candidate list
	Score float64 // in [0, 1]; 1 for Exact
	Kind  Kind
}

// token is one word of a name or of what was said, with its comparison
// forms.
type token struct {
	w       string // folded word
	fold    string // without plural/possessive s (and German digraphs)
	phon    string // phonetic key
	generic bool   // describes rather than names
	// names is, for a word said, how many candidates have a word like it:
	// 1 makes the word point at one name ("checking" when only one account
	// is a checking account).
	names int
}

// form is a prepared name or utterance.
type form struct {
	key   string   // folded words joined without spaces
	fold  string   // fold forms joined
	owner string   // key without possessive "'s" ("tesco" for "Tesco's")
	phon  string   // phonetic key of key
	bag   bag      // letters of key
	pat   *pattern // key for edit distance; what was said only, nil if long
	acro  string   // what was said, if it may be an acronym ("tfl", "m and s")
	toks  []token
	chars int // sum of word lengths
	named int // sum of lengths of non-generic words
	// heads are the leading words of a name joined, where only describing
	// words follow ("vattenfall" of "Vattenfall Strom"), for a misheard
	// brand said without them ("fatten fall").
	heads []head
}

type head struct {
	key, phon string
	bag       bag
}

// Resolver holds the prepared candidates of one user and locale; build it
// once per candidate list when resolving several phrases. It is safe for
// concurrent use.
type Resolver struct {
	lang  lang
	names []string
	forms []form
}

// NewResolver prepares candidates (merchant, payee, biller or account
// names) for matching in locale ("en-US", "en-GB", "de-DE"). The Resolver
// keeps candidates, which must not change while it is in use.
func NewResolver(candidates []string, locale string) *Resolver {
	r := &Resolver{lang: langOf(locale), names: candidates, forms: make([]form, len(candidates))}
	var scratch []byte
	for i, c := range candidates {
		var ws []string
		ws, scratch = appendWords(scratch, c, r.lang)
		ws = trim(ws, leading[r.lang], nil)
		for len(ws) > 1 && legal[ws[len(ws)-1]] {
			ws = ws[:len(ws)-1]
		}
		r.forms[i] = r.prepareName(ws, &scratch)
	}
	return r
}

// Resolve matches said against candidates in locale; see the package
// comment for what the result means. Use a Resolver to match several
// phrases against the same candidates.
func Resolve(said string, candidates []string, locale string) []Match {
	return NewResolver(candidates, locale).Resolve(said)
}

// Resolve matches said (the name as the user said it, with or without
// fillers such as "at the" or "beim") against the candidates, best first.
func (r *Resolver) Resolve(said string) []Match {
	ws := words(said, r.lang)
	for len(ws) > 0 && leading[r.lang][ws[0]] {
		ws = ws[1:]
	}
	if len(ws) == 0 || len(r.forms) == 0 {
		return nil
	}
	var pats [2]pattern // on the stack: 2 KB each
	full := r.prepareSaid(ws, &pats[0])
	var short form
	hasShort := false
	if t := trim(ws, nil, trailing[r.lang]); len(t) < len(ws) {
		short, hasShort = r.prepareSaid(t, &pats[1]), true
	}
	ms := make([]Match, 0, 4)
	exact := false
	for i := range r.forms {
		c := &r.forms[i]
		s, ex := score(&full, c, r.lang)
		if hasShort && !ex {
			// Without the kind word ("the rewards visa card"): exact is
			// only nearly, as the name may hold the word ("Visa Card").
			if s2, ex2 := score(&short, c, r.lang); ex2 {
				s = max(s, 0.97)
			} else {
				s = max(s, s2)
			}
		}
		if s < HintScore {
			continue
		}
		k := None
		if ex {
			k, exact = Exact, true
		}
		ms = append(ms, Match{Name: r.names[i], Index: i, Score: s, Kind: k})
	}
	slices.SortStableFunc(ms, func(a, b Match) int {
		switch {
		case a.Score > b.Score:
			return -1
		case a.Score < b.Score:
			return 1
		}
		return 0
	})
	for i := range ms {
		m := &ms[i]
		switch {
		case m.Kind == Exact:
		case i == 0 && !exact && m.Score >= ConfidentScore &&
			(len(ms) == 1 || ms[1].Score <= m.Score-Margin):
			m.Kind = Confident
		case m.Score >= AskScore:
			m.Kind = Ask
		}
	}
	return ms
}

func (r *Resolver) appendPhonetic(dst, s []byte) []byte {
	if r.lang == german {
		return appendCologne(dst, s)
	}
	return appendMetaphone(dst, s)
}

// prepare builds the form of words. Its strings share one allocation, as
// this is most of the cost of NewResolver.
func (r *Resolver) prepare(ws []string, scratch *[]byte) form {
	f := form{toks: make([]token, len(ws))}
	n := 0
	for _, w := range ws {
		n += len(w)
	}
	buf := (*scratch)[:0]
	for i, w := range ws {
		w, o := possessive(w)
		buf = append(buf, o...)
		f.toks[i] = token{w: w, generic: generic[r.lang][w]}
		f.chars += len(w)
	}
	ownerEnd := len(buf)
	for _, t := range f.toks {
		buf = append(buf, t.w...)
	}
	keyEnd := len(buf)
	// Each word's fold form then its phonetic key, after the joined folds.
	var spanBuf [8][2]int
	spans := spanBuf[:0]
	for _, t := range f.toks {
		fw := depossess(t.w)
		if r.lang == german {
			fw = umlauts(fw)
		}
		buf = append(buf, fw...)
		spans = append(spans, [2]int{len(fw), 0})
	}
	foldEnd := len(buf)
	for i, t := range f.toks {
		if r.lang == german {
			buf = appendCologne(buf, t.w)
		} else {
			buf = appendMetaphone(buf, t.w)
		}
		spans[i][1] = len(buf)
	}
	phonStart := len(buf)
	buf = r.appendPhonetic(buf, buf[ownerEnd:keyEnd])
	all := string(buf)
	*scratch = buf
	f.owner, f.key, f.fold, f.phon = all[:ownerEnd], all[ownerEnd:keyEnd], all[keyEnd:foldEnd], all[phonStart:]
	fold, phon := keyEnd, foldEnd
	for i := range f.toks {
		t := &f.toks[i]
		t.fold = all[fold : fold+spans[i][0]]
		t.phon = all[phon:spans[i][1]]
		fold, phon = fold+spans[i][0], spans[i][1]
		t.generic = t.generic || generic[r.lang][t.fold]
		if !t.generic {
			f.named += len(t.w)
		}
	}
	f.bag = bagOf(f.key)
	return f
}

// prepareSaid is prepare plus what only what was said needs; pat is
// filled for f.pat.
func (r *Resolver) prepareSaid(ws []string, pat *pattern) form {
	n := 8
	for _, w := range ws {
		n += 6 * len(w)
	}
	buf := make([]byte, 0, n)
	f := r.prepare(ws, &buf)
	if pat.set(f.key) {
		f.pat = pat
	}
	for i := range f.toks {
		t := &f.toks[i]
		for j := range r.forms {
			for k := range r.forms[j].toks {
				if tokSim(t, &r.forms[j].toks[k], r.lang) >= 0.85 {
					t.names++
					break
				}
			}
		}
	}
	// An acronym is letters said one or two at a time ("m and s", "pg and
	// e") or one short word ("tfl").
	var b strings.Builder
	letters := true
	for _, t := range f.toks {
		switch {
		case minor[t.w]:
		case len(t.w) <= 2:
			b.WriteString(t.w)
		default:
			letters = false
		}
	}
	switch {
	case letters && b.Len() >= 2:
		f.acro = b.String()
	case len(f.toks) == 1 && len(f.key) >= 2 && len(f.key) <= 4:
		f.acro = f.key
	}
	return f
}

// acronym reports whether a is an acronym of the words of c: their
// initials with or without minor words, of the whole name or of the part
// before describing words ("m and s" for Marks & Spencer Food).
func acronym(a string, c *form) bool {
	if len(c.toks) < 2 || len(a) > len(c.toks) {
		return false
	}
	last := 0
	for i := range c.toks {
		if !c.toks[i].generic {
			last = i + 1
		}
	}
	for _, n := range [2]int{len(c.toks), last} {
		for _, skip := range [2]bool{false, true} {
			j := 0
			for _, t := range c.toks[:n] {
				if skip && minor[t.w] {
					continue
				}
				if j >= len(a) || t.w[0] != a[j] {
					j = -1
					break
				}
				j++
			}
			if j == len(a) && n >= 2 {
				return true
			}
		}
	}
	return false
}

// prepareName is prepare plus the heads of a candidate name.
func (r *Resolver) prepareName(ws []string, scratch *[]byte) form {
	f := r.prepare(ws, scratch)
	named := 0 // leading words up to and including the last naming one
	for i, t := range f.toks {
		if !t.generic {
			named = i + 1
		}
	}
	if named == 0 || named == len(f.toks) {
		return f
	}
	// Heads are prefixes of the key; their phonetic keys share one string.
	var cutBuf [8]int // cut[n] is the length of the key's first n words
	cut := cutBuf[:1]
	for _, t := range f.toks {
		cut = append(cut, cut[len(cut)-1]+len(t.w))
	}
	phon := (*scratch)[:0]
	var endBuf [8]int
	ends := endBuf[:0]
	for n := len(f.toks) - 1; n >= named; n-- {
		phon = r.appendPhonetic(phon, []byte(f.key[:cut[n]]))
		ends = append(ends, len(phon))
	}
	all, start := string(phon), 0
	*scratch = phon
	for i, n := 0, len(f.toks)-1; n >= named; i, n = i+1, n-1 {
		k := f.key[:cut[n]]
		f.heads = append(f.heads, head{key: k, phon: all[start:ends[i]], bag: bagOf(k)})
		start = ends[i]
	}
	return f
}

// score is how well said matches the candidate c, and whether exactly.
func score(said, c *form, l lang) (float64, bool) {
	if said.key == c.key || said.owner == c.owner {
		return 1, true
	}
	if said.fold == c.fold {
		return 0.96, false
	}
	best := similarity(said, c.key, c.phon, &c.bag)
	for i := range c.heads {
		h := &c.heads[i]
		if h.key == said.key {
			best = max(best, 0.97)
		} else {
			best = max(best, 0.97*similarity(said, h.key, h.phon, &h.bag))
		}
	}
	if said.acro != "" && acronym(said.acro, c) {
		// Initials are only ever asked about: "ms" is as much Maria
		// Smith as Marks & Spencer.
		best = max(best, acronymScore)
	}
	tok, describes := tokenScore(said, c, l)
	best = max(best, tok)
	if describes {
		// What was said is a describing word of the name ("tankstelle" for
		// JET Tankstelle): however alike the strings, only ask.
		best = min(best, 0.8)
	}
	return best, false
}

// similarity blends Jaro-Winkler and Levenshtein similarity of two
// space-free forms, Levenshtein weighing more as Jaro-Winkler favours a
// shared start too much ("backer", "backwerk"), and, where the spelling is
// already close, lets their phonetic keys raise it ("tom new yen" for "Tom
// Nguyen"). Keys alone are too coarse: Kölner Phonetik has "strom" and
// "Saturn" the same. Below HintScore the value is only a bound: 0.
const jwWeight, levWeight = 0.45, 0.55

func similarity(said *form, b, bPhon string, bBag *bag) float64 {
	a := said.key
	common := said.bag.common(bBag)
	n := max(len(a), len(b))
	if common == 0 || n == 0 {
		return 0
	}
	// Too few letters in common to matter? The Jaro matches are at most
	// the common letters, the edit distance at least n - common. Skipping
	// the rest is much of the speed of Resolve.
	m, la, lb := float64(min(common, len(a), len(b))), float64(len(a)), float64(len(b))
	jaro := (m/la + m/lb + 1) / 3
	prefix := 0
	for prefix < 4 && prefix < len(a) && prefix < len(b) && a[prefix] == b[prefix] {
		prefix++
	}
	lev := float64(common) / float64(n)
	if jwWeight*(jaro+float64(prefix)*0.1*(1-jaro))+levWeight*lev < HintScore {
		return 0
	}
	jw := jaroWinkler(a, b)
	if jwWeight*jw+levWeight*lev < HintScore {
		return 0
	}
	var d int
	if said.pat != nil {
		d = said.pat.distance(b)
	} else {
		d = levenshtein(a, b)
	}
	str := jwWeight*jw + levWeight*(1-float64(d)/float64(n))
	if str >= 0.6 && min(len(said.phon), len(bPhon)) >= 3 {
		phon := 0.5*jaroWinkler(said.phon, bPhon) + 0.5*levSim(said.phon, bPhon)
		str = max(str, 0.5*str+0.5*phon)
	}
	return str
}

// tokSim is how alike two words are, 0 when they are not the same word.
func tokSim(a, b *token, l lang) float64 {
	switch {
	case a.w == b.w:
		return 1
	case a.fold == b.fold:
		return 0.95
	}
	la, lb := len(a.fold), len(b.fold)
	if l == german && min(la, lb) >= 4 && max(la, lb)-min(la, lb) >= 3 &&
		(strings.HasPrefix(b.fold, a.fold) || strings.HasPrefix(a.fold, b.fold)) {
		// A compound said in part: "tagesgeld" for "Tagesgeldkonto".
		return 0.9
	}
	samePhon := a.phon == b.phon && len(a.phon) >= 2
	if min(la, lb) < 3 || !samePhon && (min(la, lb) < 5 || a.fold[0] != b.fold[0]) {
		return 0
	}
	jw := jaroWinkler(a.fold, b.fold)
	if samePhon && jw >= 0.8 && levSim(a.fold, b.fold) >= 0.6 {
		// Sounds the same and nearly spelt the same: "lift" for "Lyft",
		// but not "little" for "Lidl".
		return 0.9
	}
	if min(la, lb) >= 5 && jw >= 0.92 && levSim(a.fold, b.fold) >= 0.8 {
		// One slip in five letters: "hofmann" for "Hoffmann", but not
		// "backer" for "Backwerk".
		return jw - 0.05
	}
	return 0
}

// tokenScore scores the words said against the words of the name: said
// entirely within the name, the name entirely within what was said, or
// both, counting words that only describe ("food", "wireless") for little.
// describes reports that the words matched only describing words of a name
// that has naming ones.
func tokenScore(said, c *form, l lang) (score float64, describes bool) {
	if len(said.toks) > 64 || len(c.toks) > 64 {
		return 0, false
	}
	var used uint64
	var simS, simC, namedS, namedC float64 // matched chars, weighted by similarity
	firstFirst, unique := false, false
	for i := range said.toks {
		s := &said.toks[i]
		bestJ, bestSim := -1, 0.0
		for j := range c.toks {
			if used&(1<<j) != 0 {
				continue
			}
			if v := tokSim(s, &c.toks[j], l); v > bestSim {
				bestJ, bestSim = j, v
			}
		}
		if bestSim < 0.85 {
			continue
		}
		used |= 1 << bestJ
		t := &c.toks[bestJ]
		simS += bestSim * float64(len(s.w))
		simC += bestSim * float64(len(t.w))
		if !s.generic {
			namedS += float64(len(s.w))
		}
		if !t.generic {
			namedC += float64(len(t.w))
		}
		if i == 0 && bestJ == 0 {
			firstFirst = true
		}
		if !s.generic && !t.generic && s.names <= 1 {
			unique = true
		}
	}
	if simS == 0 {
		return 0, false
	}
	describes = namedC == 0 && c.named > 0
	coverS, coverC := simS/float64(said.chars), simC/float64(c.chars)
	// All of a side is covered when its naming words are all matched, or,
	// for a side of describing words only, when every word is.
	fullS := coverS > 0.84 || said.named > 0 && namedS >= float64(said.named)
	fullC := coverC > 0.84 || c.named > 0 && namedC >= float64(c.named)
	distinct := namedC > 0
	switch {
	case fullS && fullC:
		return 0.88 + 0.07*min(coverS, coverC), describes
	case fullS:
		v := 0.66 + 0.16*coverC
		if firstFirst {
			v += 0.08
		}
		if distinct {
			v += 0.04
		}
		if unique {
			v += uniqueBonus
		}
		return min(v, 0.95), describes
	case fullC:
		v := 0.62 + 0.16*coverS
		if firstFirst {
			v += 0.08
		}
		return v, describes
	}
	if firstFirst && unique && len(said.toks) == 2 && len(c.toks) >= 2 && !said.toks[0].generic && len(said.toks[0].w) >= 3 {
		// "tom win" for Tom Nguyen: the first name is this name's alone
		// and the rest was misheard past any spelling ("win", "when"):
		// plausible enough to ask, never to use.
		return AskScore + 0.02, describes
	}
	return 0.5 * min(coverS, coverC), describes
}

// bag counts the letters of a key; bytes that are not a-z share one bin.
type bag [27]uint8

func bagOf(s string) bag {
	var b bag
	for i := 0; i < len(s); i++ {
		c := s[i]
		j := 26
		if c >= 'a' && c <= 'z' {
			j = int(c - 'a')
		}
		if b[j] < 255 {
			b[j]++
		}
	}
	return b
}

// common is the size of the multiset intersection of two bags: at least
// the number of Jaro matches, and the longer length minus it at most the
// edit distance.
func (b *bag) common(o *bag) int {
	n := 0
	for i := range b {
		n += int(min(b[i], o[i]))
	}
	return n
}
