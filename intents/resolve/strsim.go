package resolve

// jaroWinkler is the Jaro-Winkler similarity of two strings of bytes, in
// [0, 1]: 1 for equal strings, 0 for nothing in common. Keys here are
// folded to ASCII first, so bytes are letters.
func jaroWinkler(a, b string) float64 {
	if a == b {
		return 1
	}
	la, lb := len(a), len(b)
	if la == 0 || lb == 0 {
		return 0
	}
	if la > lb {
		a, b, la, lb = b, a, lb, la
	}
	window := lb/2 - 1
	if window < 0 {
		window = 0
	}
	// Keys are short (names); fixed arrays keep this allocation-free.
	var ma, mb [64]bool
	if lb > len(mb) {
		a, b = a[:min(la, 64)], b[:64]
		la, lb = len(a), len(b)
	}
	matches := 0
	for i := 0; i < la; i++ {
		lo, hi := max(0, i-window), min(lb, i+window+1)
		for j := lo; j < hi; j++ {
			if !mb[j] && a[i] == b[j] {
				ma[i], mb[j] = true, true
				matches++
				break
			}
		}
	}
	if matches == 0 {
		return 0
	}
	trans, j := 0, 0
	for i := 0; i < la; i++ {
		if !ma[i] {
			continue
		}
		for !mb[j] {
			j++
		}
		if a[i] != b[j] {
			trans++
		}
		j++
	}
	m := float64(matches)
	jaro := (m/float64(la) + m/float64(lb) + (m-float64(trans)/2)/m) / 3
	prefix := 0
	for prefix < 4 && prefix < la && a[prefix] == b[prefix] {
		prefix++
	}
	return jaro + float64(prefix)*0.1*(1-jaro)
}

// levenshtein is the edit distance (insertions, deletions, substitutions)
// between two strings of bytes.
func levenshtein(a, b string) int {
	if len(a) < len(b) {
		a, b = b, a
	}
	if len(b) == 0 {
		return len(a)
	}
	var buf [65]int
	row := buf[:0]
	if len(b)+1 > len(buf) {
		row = make([]int, 0, len(b)+1)
	}
	for j := 0; j <= len(b); j++ {
		row = append(row, j)
	}
	for i := 1; i <= len(a); i++ {
		prev := row[0]
		row[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur := min(row[j]+1, row[j-1]+1, prev+cost)
			prev, row[j] = row[j], cur
		}
	}
	return row[len(b)]
}

// levSim is 1 - levenshtein/longer length, in [0, 1].
func levSim(a, b string) float64 {
	n := max(len(a), len(b))
	if n == 0 {
		return 1
	}
	return 1 - float64(levenshtein(a, b))/float64(n)
}

// pattern is a string prepared for bit-parallel edit distance against many
// texts (Myers 1999, in Hyyrö's form for global distance): one bit vector
// of positions per byte value. It holds strings of up to 64 bytes.
type pattern struct {
	n   int
	peq [256]uint64
}

func newPattern(s string) *pattern {
	p := new(pattern)
	if !p.set(s) {
		return nil
	}
	return p
}

// set makes p the pattern of s, a zero pattern, and reports whether s
// fits.
func (p *pattern) set(s string) bool {
	if len(s) > 64 {
		return false
	}
	p.n = len(s)
	for i := 0; i < len(s); i++ {
		p.peq[s[i]] |= 1 << i
	}
	return true
}

// distance is the Levenshtein distance between the pattern and text.
func (p *pattern) distance(text string) int {
	if p.n == 0 {
		return len(text)
	}
	pv, mv := ^uint64(0), uint64(0)
	score := p.n
	last := uint64(1) << (p.n - 1)
	for i := 0; i < len(text); i++ {
		eq := p.peq[text[i]]
		xv := eq | mv
		xh := (((eq & pv) + pv) ^ pv) | eq
		ph := mv | ^(xh | pv)
		mh := pv & xh
		if ph&last != 0 {
			score++
		}
		if mh&last != 0 {
			score--
		}
		ph = ph<<1 | 1
		mh <<= 1
		pv = mh | ^(xv | ph)
		mv = ph & xv
	}
	return score
}
