package resolve

import (
	"math"
	"strings"
	"testing"
)

func folded(s string) string { return strings.Join(words(s, german), "") }

func TestCologne(t *testing.T) {
	t.Parallel()
	// The published examples (Postel 1969; Wikipedia "Kölner Phonetik").
	for _, tc := range []struct{ in, want string }{
		{"Müller-Lüdenscheidt", "65752682"},
		{"Wikipedia", "3412"},
		{"Breschnew", "17863"},
		{"Müller", "657"},
		{"Mueller", "657"},
		{"Meier", "67"},
		{"Maier", "67"},
		{"Mayer", "67"},
		{"Meyer", "67"},
		{"Schmidt", "862"},
		{"Schmitt", "862"},
		{"Christoph", "47823"},
		{"Xaver", "4837"},
		{"Philipp", "351"},
		{"Katze", "48"},
		{"Moritz", "678"},
		{"Sachs", "848"},
		{"Csaba", "81"},
		{"Aldi Süd", "05282"},
		{"Rewe", "73"},
		{"Reve", "73"},
		{"", ""},
	} {
		if got := cologne(folded(tc.in)); got != tc.want {
			t.Errorf("cologne(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestMetaphone(t *testing.T) {
	t.Parallel()
	// Values of the original Metaphone (Text::Metaphone, commons-codec),
	// except that a leading vowel is written 'a' here.
	for _, tc := range []struct{ in, want string }{
		{"moist", "mst"},
		{"Gutenberg", "ktnbrk"},
		{"recrudescence", "rkrtsns"},
		{"coffee", "kf"},
		{"Mushrooms", "mxrms"},
		{"picklehead", "pklht"},
		{"School", "skl"},
		{"Shubert", "xbrt"},
		{"Bonner", "bnr"},
		{"Smith", "sm0"},
		{"persuade", "prst"},
		{"pressed", "prst"},
		{"Thumb", "0m"},
		{"Wright", "rt"},
		{"Knight", "nt"},
		{"Xavier", "sfr"},
		{"Phone", "fn"},
		{"Nation", "nxn"},
		{"Judge", "jj"},
		{"Starbucks", "strbks"},
		{"star bucks", "strbks"},
		{"Aldi", "alt"},
		{"", ""},
	} {
		if got := metaphone(strings.Join(words(tc.in, english), "")); got != tc.want {
			t.Errorf("metaphone(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestJaroWinkler(t *testing.T) {
	t.Parallel()
	// Winkler's examples.
	for _, tc := range []struct {
		a, b string
		want float64
	}{
		{"martha", "marhta", 0.961},
		{"dwayne", "duane", 0.840},
		{"dixon", "dicksonx", 0.813},
		{"abc", "abc", 1},
		{"abc", "xyz", 0},
		{"", "abc", 0},
	} {
		if got := jaroWinkler(tc.a, tc.b); math.Abs(got-tc.want) > 0.001 {
			t.Errorf("jaroWinkler(%q, %q) = %.3f, want %.3f", tc.a, tc.b, got, tc.want)
		}
		if got := jaroWinkler(tc.b, tc.a); math.Abs(got-tc.want) > 0.001 {
			t.Errorf("jaroWinkler(%q, %q) = %.3f, want %.3f", tc.b, tc.a, got, tc.want)
		}
	}
}

func TestLevenshtein(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		a, b string
		want int
	}{
		{"kitten", "sitting", 3},
		{"flaw", "lawn", 2},
		{"", "abc", 3},
		{"abc", "", 3},
		{"starbucks", "starbucks", 0},
		{strings.Repeat("a", 100), strings.Repeat("b", 90), 100},
	} {
		if got := levenshtein(tc.a, tc.b); got != tc.want {
			t.Errorf("levenshtein(%q, %q) = %d, want %d", tc.a, tc.b, got, tc.want)
		}
		if p := newPattern(tc.a); p != nil {
			if got := p.distance(tc.b); got != tc.want {
				t.Errorf("pattern(%q).distance(%q) = %d, want %d", tc.a, tc.b, got, tc.want)
			}
		}
	}
}
