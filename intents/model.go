package intents

import (
	"math"
	"math/rand/v2"
	"slices"
	"strings"
)

// model is a multinomial logistic regression over sparse binary features:
// words and their stems, stem bigrams, the parts of German compounds,
// character 3- and 4-grams of words (which carry unseen inflections), a few
// concepts (see conceptsOf, isDefinition; x:other marks the things of other
// domains), a spoken PIN (a run of digits is one token) and a length
// bucket. An utterance whose best class has a probability under the
// threshold is out of scope; the threshold is calibrated on a validation
// split of whole templates, which then joins the training.
type model struct {
	classes []string
	index   map[string]int32 // feature → row
	w       []float32        // len(index) × len(classes)
	bias    []float32
	// threshold is the out-of-scope threshold for utterances without
	// banking words; bankThreshold for those with some.
	threshold     float64
	bankThreshold float64
	lexRow        int32 // the row of "lex:none", -1 if unseen
	fz            featurizer
}

// bankingWords are the words of the domain in both languages. Whether an
// utterance uses any is a feature of its own, which helps tell an unusual
// banking request ("has payday hit yet") from a request that is not
// banking at all.
var bankingWords = func() map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.Fields(`account accounts balance balances bank banking money cash checking savings saving card cards debit credit
		visa mastercard atm pin payment payments pay paid payday paycheck pay check salary wages income deposit deposits transfer transfers
		send sent wire bill bills charge charges charged purchase purchases transaction transactions spend spent spending statement due
		minimum limit points rewards cashback fraud fraudulent scam stolen lost declined locked lock unlock frozen freeze blocked
		overdraft overdrawn fee fees interest rate apr apy routing iban bic swift fico score checks checkbook loan mortgage agent
		konto konten kontostand geld girokonto sparkonto tagesgeld karte karten kreditkarte girocard debitkarte überweisung überweisen
		überweise rechnung rechnungen zahlung zahlungen abbuchung abbuchungen umsatz umsätze buchung buchungen gehalt lohn einnahmen
		ausgaben ausgegeben gebühr gebühren zinsen zinssatz dispo limit kreditrahmen punkte bonuspunkte cashback betrug gestohlen verloren
		gesperrt sperren entsperren pin geheimzahl schufa bonität kredit darlehen scheck schecks berater miete strom handyrechnung
		aer isa overdraft cheque cheques chequebook direct debit debits standing wages refund cashpoint declined apr
		lastschrift lastschriften dauerauftrag daueraufträge kontoauszug guthaben saldo überziehung girocard sparbuch iban
		abgebucht eingezogen gutschrift gutschriften`) {
		m[w] = true
	}
	return m
}()

// featurizer turns a normalized utterance into feature strings. German
// compounds are split against the vocabulary of the training data.
type featurizer struct {
	german bool
	vocab  map[string]bool
	// stems caches the stems of the training words; it is written only
	// while training, so that parses may read it concurrently.
	stems map[string]string
}

func (fz *featurizer) stem(w string) string {
	if st, ok := fz.stems[w]; ok {
		return st
	}
	return stem(w, fz.german)
}

// features returns the feature strings of a normalized utterance: a
// length bucket, whether it uses banking words, and per word (fillers
// dropped) the word, its stem, the parts of a German compound, character
// 3- and 4-grams and stem bigrams.
func (fz *featurizer) features(norm string) []string {
	words := dropFillers(strings.Fields(norm))
	out := make([]string, 0, 10*len(words)+4)
	n := len(words)
	switch {
	case n <= 2:
		out = append(out, "len:short")
	case n <= 5:
		out = append(out, "len:mid")
	default:
		out = append(out, "len:long")
	}
	banking := 0
	prev := "<s>"
	var grams []string
	run := 0 // spoken or written digits in a row: a PIN being said
	rev, lock := false, false
	inRun := digitRuns(words)
	for i, w := range words {
		if len(w) == 1 && isDigits(w) || digitWords[w] != "" {
			if run++; run == 4 {
				out = append(out, "num:digits4")
			}
			// A run of single digits is one token: the words of a PIN
			// being said are no evidence of anything else.
			if inRun[i] {
				if i == 0 || !inRun[i-1] {
					out = append(out, "w:<digits>", "b:"+prev+"_<digits>")
				}
				prev = "<digits>"
				continue
			}
		} else {
			run = 0
			if len(w) == 4 && isDigits(w) {
				out = append(out, "num:digits4")
			}
		}
		if isDigits(w) || strings.ContainsAny(w, ".,") && isDigits(strings.NewReplacer(".", "", ",", "").Replace(w)) {
			w = "<num>"
		}
		st := w
		if w != "<num>" {
			st = fz.stem(w)
		}
		isBank := bankingWords[w] || bankingWords[st]
		out = append(out, "w:"+w, "b:"+prev+"_"+st)
		if st != w {
			out = append(out, "s:"+st)
		}
		cs := conceptsOf(w, st)
		for _, c := range cs {
			rev = rev || c == "x:rev"
			lock = lock || c == "x:lock"
		}
		out = append(out, cs...)
		if spokenNumber(w, fz.german) {
			out = append(out, "w:<num>")
		}
		if fz.german {
			if h, t, ok := splitCompound(w, fz.vocab); ok {
				hs, ts := fz.stem(h), fz.stem(t)
				out = append(out, "w:"+h, "w:"+t, "s:"+hs, "s:"+ts)
				isBank = isBank || bankingWords[h] || bankingWords[t] || bankingWords[hs] || bankingWords[ts]
			}
		}
		if isBank {
			banking++
		}
		prev = st
		// Character n-grams carry inflections and compounds.
		rs := []rune("^" + w + "$")
		for g := gramMin; g <= gramMax; g++ {
			for i := 0; i+g <= len(rs); i++ {
				grams = append(grams, "c:"+string(rs[i:i+g]))
			}
		}
	}
	out = append(out, "b:"+prev+"_</s>")
	// A reversal of a lock ("remove the block", "wieder freigeben") is
	// unlocking whatever the words.
	if rev && lock {
		out = append(out, "x:rev_lock")
	}
	// A question about what a thing is in general ("what is a savings
	// account", "was ist eine iban") asks for a definition, not the user's.
	if isDefinition(words) {
		out = append(out, "x:define")
	}
	switch {
	case banking == 0:
		out = append(out, "lex:none")
	case banking == 1:
		out = append(out, "lex:bank")
	default:
		out = append(out, "lex:bank", "lex:bank2")
	}
	return append(out, grams...)
}

// digitRuns marks the words in runs of three or more single digits,
// spoken or written ("four five six seven", "1 2 3 4").
func digitRuns(words []string) []bool {
	out := make([]bool, len(words))
	start := 0
	for i := 0; i <= len(words); i++ {
		if i < len(words) && (len(words[i]) == 1 && isDigits(words[i]) || digitWords[words[i]] != "") {
			continue
		}
		if i-start >= 3 {
			for j := start; j < i; j++ {
				out[j] = true
			}
		}
		start = i + 1
	}
	return out
}

func (m *model) rows(feats []string) []int32 {
	rows := make([]int32, 0, len(feats))
	seen := make(map[int32]bool, len(feats))
	for _, f := range feats {
		if r, ok := m.index[f]; ok && !seen[r] {
			seen[r] = true
			rows = append(rows, r)
		}
	}
	return rows
}

// norm is the scale that gives every utterance a feature vector of unit length.
func norm(rows []int32) float32 {
	if len(rows) == 0 {
		return 1
	}
	return float32(1 / math.Sqrt(float64(len(rows))))
}

// probs returns the class probabilities for the given feature rows.
func (m *model) probs(rows []int32, out []float64) {
	k := len(m.classes)
	var buf [64]float32
	acc := buf[:0]
	if k <= len(buf) {
		acc = buf[:k]
	} else {
		acc = make([]float32, k)
	}
	for _, r := range rows {
		addTo(acc, m.w[int(r)*k:int(r)*k+k])
	}
	scale := norm(rows)
	out = out[:k]
	for c := range out {
		out[c] = float64(m.bias[c] + acc[c]*scale)
	}
	softmax(out)
}

func softmax(v []float64) {
	mx := math.Inf(-1)
	for _, x := range v {
		mx = max(mx, x)
	}
	sum := 0.0
	for i, x := range v {
		v[i] = math.Exp(x - mx)
		sum += v[i]
	}
	for i := range v {
		v[i] /= sum
	}
}

// predict returns the best class, its probability and whether it passed
// the out-of-scope threshold.
func (m *model) predict(norm string) (string, float64) {
	p := make([]float64, len(m.classes))
	rows := m.rows(m.fz.features(norm))
	m.probs(rows, p)
	best := 0
	for c := range p {
		if p[c] > p[best] {
			best = c
		}
	}
	if p[best] < m.thresholdFor(rows) {
		return Fallback, 1 - p[best]
	}
	return m.classes[best], p[best]
}

// thresholdFor picks the threshold by whether the utterance uses banking words.
func (m *model) thresholdFor(rows []int32) float64 {
	for _, r := range rows {
		if r == m.lexRow {
			return m.threshold
		}
	}
	return m.bankThreshold
}

// example is an utterance as feature rows and its class.
type example struct {
	rows  []int32
	class int
	easy  int // epochs in a row it was learnt
}

// train fits a model on examples with SGD; every seventh example is kept
// aside to calibrate the out-of-scope threshold.
func train(locale string, examples []Example) *model {
	m := &model{index: map[string]int32{}, fz: featurizer{german: German(locale), vocab: map[string]bool{}, stems: map[string]string{}}}
	for _, ex := range examples {
		for _, w := range strings.Fields(Normalize(ex.Text)) {
			st, ok := m.fz.stems[w]
			if !ok {
				st = stem(w, m.fz.german)
				m.fz.stems[w] = st
			}
			if len(w) >= 3 {
				m.fz.vocab[w] = true
				m.fz.vocab[st] = true
			}
		}
	}
	classIdx := map[string]int{}
	for _, in := range Catalog {
		classIdx[in.Name] = len(m.classes)
		m.classes = append(m.classes, in.Name)
	}
	// Validation examples are read twice: with the training features only,
	// as an unseen utterance is at parse time, to calibrate; and with all
	// their features, to learn from them once calibrated.
	var trainSet, valSet, valFull []example
	var valFeats [][]string
	for _, ex := range examples {
		feats := m.fz.features(Normalize(ex.Text))
		if ex.group%7 == 3 {
			valFull = append(valFull, example{rows: feats2rows(m.index, feats, true), class: classIdx[ex.Intent]})
			valFeats = append(valFeats, feats)
			continue
		}
		trainSet = append(trainSet, example{rows: feats2rows(m.index, feats, true), class: classIdx[ex.Intent]})
	}
	k := len(m.classes)
	m.w = make([]float32, len(m.index)*k)
	m.bias = make([]float32, k)
	rng := rand.New(rand.NewPCG(1, 2))
	m.sgd(trainSet, trainEpochs, trainLR, rng)
	m.lexRow = -1
	if r, ok := m.index["lex:none"]; ok {
		m.lexRow = r
	}
	for i, feats := range valFeats {
		valSet = append(valSet, example{rows: feats2rows(m.index, feats, false), class: valFull[i].class})
	}
	// Features only validation examples have were indexed with the
	// others; drop them from the calibration rows (their weights are
	// still zero, but they would change the norm).
	seen := make([]bool, len(m.index))
	for _, ex := range trainSet {
		for _, r := range ex.rows {
			seen[r] = true
		}
	}
	for i := range valSet {
		valSet[i].rows = slices.DeleteFunc(valSet[i].rows, func(r int32) bool { return !seen[r] })
	}
	var plain, bank []example
	for _, ex := range valSet {
		if containsRow(ex.rows, m.lexRow) {
			plain = append(plain, ex)
		} else {
			bank = append(bank, ex)
		}
	}
	m.threshold = m.calibrate(plain, classIdx[Fallback])
	m.bankThreshold = m.calibrate(bank, classIdx[Fallback])
	if trainTailEpochs > 0 {
		m.sgd(append(trainSet, valFull...), trainTailEpochs, trainLR*trainTailLR, rng)
	}
	return m
}

// feats2rows maps features onto rows, adding unseen ones if add is set.
func feats2rows(index map[string]int32, feats []string, add bool) []int32 {
	rows := make([]int32, 0, len(feats))
	for _, f := range feats {
		r, ok := index[f]
		if !ok {
			if !add {
				continue
			}
			r = int32(len(index))
			index[f] = r
		}
		rows = append(rows, r)
	}
	return rows
}

// sgd runs epochs of stochastic gradient descent over set with a learning
// rate falling from lr to a fifth of it.
func (m *model) sgd(set []example, epochs int, lr0 float64, rng *rand.Rand) {
	k := len(m.classes)
	p := make([]float64, k)
	step := make([]float32, k)
	for i := range set {
		set[i].easy = 0
	}
	for ep := range epochs {
		lr := lr0 * (1 - float64(ep)/float64(epochs)*0.8)
		rng.Shuffle(len(set), func(i, j int) { set[i], set[j] = set[j], set[i] })
		for i := range set {
			ex := &set[i]
			// An example the model got right with confidence in the
			// last epoch (easyEpochs) is looked at again only every
			// third epoch: most of the training set is learnt early,
			// and this keeps start-up short.
			if ex.easy >= easyEpochs && ep%3 != 0 {
				continue
			}
			m.probs(ex.rows, p)
			if p[ex.class] > easyAt {
				ex.easy++
			} else {
				ex.easy = 0
			}
			if p[ex.class] > 0.995 {
				continue // nothing left to learn from it
			}
			scale := float32(norm(ex.rows))
			for c := range k {
				g := p[c]
				if c == ex.class {
					g -= 1
				}
				if g > -1e-4 && g < 1e-4 {
					g = 0
				}
				step[c] = float32(lr*g) * scale
				m.bias[c] -= float32(lr*g) * 0.1
			}
			for _, r := range ex.rows {
				subFrom(m.w[int(r)*k:int(r)*k+k], step)
			}
		}
	}
}

func containsRow(rows []int32, r int32) bool {
	for _, x := range rows {
		if x == r {
			return true
		}
	}
	return false
}

// calibrate picks the probability threshold that maximises the mean of
// in-scope accuracy and out-of-scope rejection on the validation split.
// The search is bounded to 0.1–maxThreshold: the split is small, and
// outside that range a 40-class softmax either lets nonsense through or
// turns banking requests away.
func (m *model) calibrate(val []example, fallback int) float64 {
	p := make([]float64, len(m.classes))
	type pred struct {
		best  int
		prob  float64
		class int
	}
	preds := make([]pred, len(val))
	for i, v := range val {
		m.probs(v.rows, p)
		best := 0
		for c := range p {
			if p[c] > p[best] {
				best = c
			}
		}
		preds[i] = pred{best, p[best], v.class}
	}
	bestT, bestScore := 0.3, -1.0
	for t := 0.10; t <= maxThreshold+0.001; t += 0.01 {
		var inOK, inN, oosOK, oosN float64
		for _, pr := range preds {
			got := pr.best
			if pr.prob < t {
				got = fallback
			}
			if pr.class == fallback {
				oosN++
				if got == fallback {
					oosOK++
				}
			} else {
				inN++
				if got == pr.class {
					inOK++
				}
			}
		}
		score := (inOK/max(inN, 1) + oosOK/max(oosN, 1)) / 2
		if score > bestScore+1e-9 {
			bestT, bestScore = t, score
		}
	}
	return bestT
}

// Training settings, chosen by cross-validation (see CrossValidate).
var (
	trainEpochs = 8
	trainLR     = 1.8
	// After calibration the validation split joins the training set for
	// trainTailEpochs more, at trainTailLR times the learning rate.
	trainTailEpochs = 3
	trainTailLR     = 0.3
	// gramMin and gramMax bound the character n-grams of words.
	gramMin, gramMax = 3, 4
	// maxThreshold bounds the out-of-scope threshold (see calibrate). With
	// broad negatives the Fallback class does the rejecting: in
	// cross-validation a threshold above 0.3 turned away ten to fifteen
	// banking requests for every out-of-scope one it caught, and the
	// skill does not act on a reading under 0.3 anyway (skill.readMin).
	maxThreshold = 0.30
	// easyAt is the probability of its class above which an example
	// counts as learnt (see sgd).
	easyAt = 0.8
	// easyEpochs is how many epochs in a row an example must be learnt to
	// be looked at only every third epoch.
	easyEpochs = 1
)

// addTo adds b to a (len(b) <= len(a)), four at a time: the inner loop of
// training and parsing.
func addTo(a, b []float32) {
	a = a[:len(b)]
	i := 0
	for ; i+4 <= len(b); i += 4 {
		a[i] += b[i]
		a[i+1] += b[i+1]
		a[i+2] += b[i+2]
		a[i+3] += b[i+3]
	}
	for ; i < len(b); i++ {
		a[i] += b[i]
	}
}

// subFrom subtracts b from a (len(b) == len(a)), four at a time.
func subFrom(a, b []float32) {
	b = b[:len(a)]
	i := 0
	for ; i+4 <= len(a); i += 4 {
		a[i] -= b[i]
		a[i+1] -= b[i+1]
		a[i+2] -= b[i+2]
		a[i+3] -= b[i+3]
	}
	for ; i < len(a); i++ {
		a[i] -= b[i]
	}
}
