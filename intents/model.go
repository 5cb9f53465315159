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
	classes   []string
	index     map[string]int32 // feature → row
	w         []float32        // len(index) × len(classes)
	bias      []float32
	threshold float64
}

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
	m.probs(m.rows(features(norm)), p)
	best := 0
	for c := range p {
		if p[c] > p[best] {
			best = c
		}
	}
	if p[best] < m.threshold {
		return Fallback, 1 - p[best]
	}
	return m.classes[best], p[best]
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
	m.threshold = m.calibrate(valSet, classIdx[Fallback])
	return m
}

// calibrate picks the probability threshold that maximises the mean of
// in-scope accuracy and out-of-scope rejection on the validation split.
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
	for t := 0.10; t <= 0.80; t += 0.02 {
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
