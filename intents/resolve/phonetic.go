package resolve

// The phonetic keys work on the folded ASCII form (lower case a-z; digits
// and anything else are skipped), which is what normalisation produces.

// at is w[i], or 0 outside w.
func at(w []byte, i int) byte {
	if i < 0 || i >= len(w) {
		return 0
	}
	return w[i]
}

func isVowel(c byte) bool {
	switch c {
	case 'a', 'e', 'i', 'o', 'u':
		return true
	}
	return false
}

// metaphone is Lawrence Philips' original Metaphone (1990) key of s, with
// the usual initial-letter exceptions (AE, GN, KN, PN, WR, X, WH). It is
// the simpler predecessor of Double Metaphone: one key, no alternate, and
// no special cases for Slavic, Germanic or Romance spellings. Vowels count
// only as the first letter and are all written 'a' there, so "Aldi" and
// "Eldi" share a key.
func metaphone(s string) string { return string(appendMetaphone(nil, s)) }

// appendMetaphone appends the metaphone key of s to dst.
func appendMetaphone[S string | []byte](dst []byte, s S) []byte {
	var wbuf [64]byte
	w := wbuf[:0]
	for i := 0; i < len(s) && len(w) < cap(wbuf); i++ {
		if c := s[i]; c >= 'a' && c <= 'z' {
			w = append(w, c)
		}
	}
	if len(w) == 0 {
		return dst
	}
	start := 0
	switch {
	case len(w) > 1 && (w[0] == 'a' && w[1] == 'e' ||
		w[0] == 'g' && w[1] == 'n' || w[0] == 'k' && w[1] == 'n' ||
		w[0] == 'p' && w[1] == 'n' || w[0] == 'w' && w[1] == 'r'):
		start = 1
	case w[0] == 'x':
		w[0] = 's'
	case len(w) > 1 && w[0] == 'w' && w[1] == 'h':
		w[1] = 'w'
		start = 1
	}
	k := dst
	for i := start; i < len(w); i++ {
		c := w[i]
		if c == at(w, i-1) && c != 'c' && i > start {
			continue
		}
		next, prev := at(w, i+1), at(w, i-1)
		switch c {
		case 'a', 'e', 'i', 'o', 'u':
			if i == start {
				k = append(k, 'a')
			}
		case 'b':
			if !(prev == 'm' && i == len(w)-1) {
				k = append(k, 'b')
			}
		case 'c':
			switch {
			case next == 'i' && at(w, i+2) == 'a':
				k = append(k, 'x')
			case next == 'h':
				if prev == 's' {
					k = append(k, 'k')
				} else {
					k = append(k, 'x')
				}
				i++
			case next == 'i' || next == 'e' || next == 'y':
				if prev != 's' {
					k = append(k, 's')
				}
			default:
				k = append(k, 'k')
			}
		case 'd':
			if next == 'g' && (at(w, i+2) == 'e' || at(w, i+2) == 'y' || at(w, i+2) == 'i') {
				k = append(k, 'j')
				i++
			} else {
				k = append(k, 't')
			}
		case 'g':
			switch {
			case next == 'h' && i+2 < len(w) && !isVowel(at(w, i+2)):
				// silent, as in "night"
			case next == 'h' && i+2 >= len(w):
				// "-gh" at the end: silent ("high")
			case next == 'n' && (i+2 == len(w) || at(w, i+2) == 'e' && at(w, i+3) == 'd' && i+4 == len(w)):
				// "sign", "signed"
			case (next == 'i' || next == 'e' || next == 'y') && prev != 'g':
				k = append(k, 'j')
			default:
				k = append(k, 'k')
			}
		case 'h':
			if isVowel(next) && !(prev == 'c' || prev == 's' || prev == 'p' || prev == 't' || prev == 'g') {
				k = append(k, 'h')
			}
		case 'k':
			if prev != 'c' {
				k = append(k, 'k')
			}
		case 'p':
			if next == 'h' {
				k = append(k, 'f')
				i++
			} else {
				k = append(k, 'p')
			}
		case 'q':
			k = append(k, 'k')
		case 's':
			switch {
			case next == 'h':
				k = append(k, 'x')
				i++
			case next == 'i' && (at(w, i+2) == 'o' || at(w, i+2) == 'a'):
				k = append(k, 'x')
			default:
				k = append(k, 's')
			}
		case 't':
			switch {
			case next == 'i' && (at(w, i+2) == 'o' || at(w, i+2) == 'a'):
				k = append(k, 'x')
			case next == 'h':
				k = append(k, '0')
				i++
			case next == 'c' && at(w, i+2) == 'h':
				// silent, as in "watch"
			default:
				k = append(k, 't')
			}
		case 'v':
			k = append(k, 'f')
		case 'w', 'y':
			if isVowel(next) {
				k = append(k, c)
			}
		case 'x':
			k = append(k, 'k', 's')
		case 'z':
			k = append(k, 's')
		default: // f j l m n r
			k = append(k, c)
		}
	}
	return k
}

// cologne is the Kölner Phonetik (Postel 1969) of s: a string of digit
// codes with repeated codes collapsed and the vowel code 0 kept only at
// the start. "Müller-Lüdenscheidt" (folded to "muller-ludenscheidt")
// gives "65752682", "Wikipedia" gives "3412".
func cologne(s string) string { return string(appendCologne(nil, s)) }

// appendCologne appends the Kölner Phonetik of s to dst.
func appendCologne[S string | []byte](dst []byte, s S) []byte {
	var wbuf [64]byte
	w := wbuf[:0]
	for i := 0; i < len(s) && len(w) < cap(wbuf); i++ {
		if c := s[i]; c >= 'a' && c <= 'z' {
			w = append(w, c)
		}
	}
	c := codes{k: dst, start: len(dst)}
	for i, l := range w {
		prev, next := at(w, i-1), at(w, i+1)
		switch l {
		case 'a', 'e', 'i', 'j', 'o', 'u', 'y':
			c.put('0')
		case 'h':
			// no code; does not separate repeated codes
		case 'b':
			c.put('1')
		case 'p':
			if next == 'h' {
				c.put('3')
			} else {
				c.put('1')
			}
		case 'd', 't':
			if next == 'c' || next == 's' || next == 'z' {
				c.put('8')
			} else {
				c.put('2')
			}
		case 'f', 'v', 'w':
			c.put('3')
		case 'g', 'k', 'q':
			c.put('4')
		case 'c':
			hard := false
			if i == 0 {
				hard = next == 'a' || next == 'h' || next == 'k' || next == 'l' ||
					next == 'o' || next == 'q' || next == 'r' || next == 'u' || next == 'x'
			} else {
				hard = (next == 'a' || next == 'h' || next == 'k' || next == 'o' ||
					next == 'q' || next == 'u' || next == 'x') && prev != 's' && prev != 'z'
			}
			if hard {
				c.put('4')
			} else {
				c.put('8')
			}
		case 'x':
			if prev == 'c' || prev == 'k' || prev == 'q' {
				c.put('8')
			} else {
				c.put('4')
				c.put('8')
			}
		case 'l':
			c.put('5')
		case 'm', 'n':
			c.put('6')
		case 'r':
			c.put('7')
		case 's', 'z':
			c.put('8')
		}
	}
	return c.k
}

// codes collects Kölner Phonetik codes: repeats collapsed, and the vowel
// code only at the start.
type codes struct {
	k     []byte
	start int  // where this key starts in k
	last  byte // the last code put, 0 for none
}

func (c *codes) put(code byte) {
	if code == c.last {
		return
	}
	c.last = code
	if code == '0' && len(c.k) > c.start {
		return
	}
	c.k = append(c.k, code)
}
