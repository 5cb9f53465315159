package intents

import (
	"math"
	"math/rand/v2"
	"strings"
)

// model is a multinomial logistic regression over sparse binary features:
// words, word bigrams, character 3- and 4-grams of words (which carry
// German compounds and unseen inflections) and a length bucket. An
// utterance whose best class has a probability under the threshold is out
// of scope; the threshold is calibrated on a validation split at training.
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
		gesperrt sperren entsperren pin geheimzahl schufa bonität kredit darlehen scheck schecks berater miete strom handyrechnung`) {
		m[w] = true
	}
	return m
}()

// features returns the feature strings of a normalized utterance.
func features(norm string) []string {
	words := strings.Fields(norm)
	out := make([]string, 0, 8*len(words)+4)
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
	for _, w := range words {
		if bankingWords[w] {
			banking++
		}
	}
	switch {
	case banking == 0:
		out = append(out, "lex:none")
	case banking == 1:
		out = append(out, "lex:bank")
	default:
		out = append(out, "lex:bank", "lex:bank2")
	}
	prev := "<s>"
	for _, w := range words {
		if isDigits(w) || strings.ContainsAny(w, ".,") && isDigits(strings.NewReplacer(".", "", ",", "").Replace(w)) {
			w = "<num>"
		}
		out = append(out, "w:"+w, "b:"+prev+"_"+w)
		prev = w
		rs := []rune("^" + w + "$")
		for g := 3; g <= 4; g++ {
			for i := 0; i+g <= len(rs); i++ {
				out = append(out, "c:"+string(rs[i:i+g]))
			}
		}
	}
	out = append(out, "b:"+prev+"_</s>")
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
	scale := norm(rows)
	for c := range k {
		out[c] = float64(m.bias[c])
	}
	for _, r := range rows {
		base := int(r) * k
		for c := range k {
			out[c] += float64(m.w[base+c] * scale)
		}
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
	rows := m.rows(features(norm))
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
}

// train fits a model on examples with SGD; every seventh example is kept
// aside to calibrate the out-of-scope threshold.
func train(examples []Example) *model {
	m := &model{index: map[string]int32{}}
	classIdx := map[string]int{}
	for _, in := range Catalog {
		classIdx[in.Name] = len(m.classes)
		m.classes = append(m.classes, in.Name)
	}
	var trainSet, valSet []example
	for _, ex := range examples {
		feats := features(Normalize(ex.Text))
		val := ex.group%7 == 3
		var rows []int32
		for _, f := range feats {
			r, ok := m.index[f]
			if !ok {
				if val {
					continue // validation must not add features
				}
				r = int32(len(m.index))
				m.index[f] = r
			}
			rows = append(rows, r)
		}
		if val {
			valSet = append(valSet, example{rows, classIdx[ex.Intent]})
		} else {
			trainSet = append(trainSet, example{rows, classIdx[ex.Intent]})
		}
	}
	k := len(m.classes)
	m.w = make([]float32, len(m.index)*k)
	m.bias = make([]float32, k)
	rng := rand.New(rand.NewPCG(1, 2))
	p := make([]float64, k)
	const epochs = 12
	for ep := range epochs {
		lr := 0.8 * (1 - float64(ep)/epochs*0.8)
		rng.Shuffle(len(trainSet), func(i, j int) { trainSet[i], trainSet[j] = trainSet[j], trainSet[i] })
		for _, ex := range trainSet {
			m.probs(ex.rows, p)
			scale := norm(ex.rows)
			for c := range k {
				g := p[c]
				if c == ex.class {
					g -= 1
				}
				if g > -1e-4 && g < 1e-4 {
					continue
				}
				step := float32(lr * g)
				m.bias[c] -= step * 0.1
				for _, r := range ex.rows {
					m.w[int(r)*k+c] -= step * scale
				}
			}
		}
	}
	m.lexRow = -1
	if r, ok := m.index["lex:none"]; ok {
		m.lexRow = r
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
	return m
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
// The search is bounded to 0.1–0.45: the split is small, and outside that
// range a 40-class softmax either lets nonsense through or turns banking
// requests away.
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
	for t := 0.10; t <= 0.451; t += 0.01 {
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
