package resolve

import (
	"math"
	"strings"
	"testing"
)

// FuzzResolve checks that any input resolves without panicking and that
// the result keeps its promises: scores in range, best first, Kinds that
// agree with the thresholds, at most one Confident and none beside an
// Exact.
func FuzzResolve(f *testing.F) {
	f.Add("star bucks", "Starbucks|Whole Foods Market|Costco", "en-US")
	f.Add("beim rewe", "REWE|Aldi Süd|dm-drogerie markt", "de-DE")
	f.Add("mcdonald's", "McDonald's|Macy's", "en-GB")
	f.Add("'s", "'s|''|&", "de")
	f.Add("  ", "", "")
	f.Add("ß ẞ æ œ Ǆ ﬀ", "ẞ|İstanbul|ǅ", "de-AT")
	f.Fuzz(func(t *testing.T, said, cands, locale string) {
		candidates := strings.Split(cands, "|")
		// The shortcut in similarity never hides a score that counts.
		r := NewResolver(candidates, locale)
		var pat pattern
		sf := r.prepareSaid(words(said, r.lang), &pat)
		for i := range r.forms {
			c := &r.forms[i]
			if sf.key == "" || c.key == "" {
				continue // never compared: nothing was said, or no name
			}
			exact := jwWeight*jaroWinkler(sf.key, c.key) + levWeight*levSim(sf.key, c.key)
			if got := similarity(&sf, c.key, c.phon, &c.bag); got == 0 && exact >= HintScore {
				t.Fatalf("similarity(%q, %q) = 0, but the blend is %v", sf.key, c.key, exact)
			}
		}
		if p := newPattern(said); p != nil {
			if got, want := p.distance(cands), levenshtein(said, cands); got != want {
				t.Fatalf("pattern(%q).distance(%q) = %d, levenshtein %d", said, cands, got, want)
			}
		}
		got := Resolve(said, candidates, locale)
		exact, confident := 0, 0
		for i, m := range got {
			if m.Score < HintScore || m.Score > 1 || math.IsNaN(m.Score) {
				t.Fatalf("score %v out of range: %v", m.Score, got)
			}
			if i > 0 && m.Score > got[i-1].Score {
				t.Fatalf("not best first: %v", got)
			}
			if m.Index < 0 || m.Index >= len(candidates) || candidates[m.Index] != m.Name {
				t.Fatalf("index %d does not name %q", m.Index, m.Name)
			}
			switch m.Kind {
			case Exact:
				exact++
				if m.Score != 1 {
					t.Fatalf("exact with score %v", m.Score)
				}
			case Confident:
				confident++
				if i != 0 || m.Score < ConfidentScore {
					t.Fatalf("confident not first or below threshold: %v", got)
				}
			case Ask:
				if m.Score < AskScore {
					t.Fatalf("ask below threshold: %v", got)
				}
			case None:
				if m.Score >= AskScore {
					t.Fatalf("none at or above AskScore: %v", got)
				}
			}
		}
		if confident > 1 || confident == 1 && exact > 0 {
			t.Fatalf("confident beside another sure match: %v", got)
		}
		// The same candidates prepared once give the same answer.
		if again := NewResolver(candidates, locale).Resolve(said); len(again) != len(got) {
			t.Fatalf("Resolver and Resolve disagree: %v, %v", again, got)
		}
	})
}

func BenchmarkResolve(b *testing.B) {
	saids := []string{"star bucks", "whole food", "the verizon bill", "coffee", "tom new yen", "at trader joe's"}
	b.Run("Resolve", func(b *testing.B) {
		for i := 0; b.Loop(); i++ {
			Resolve(saids[i%len(saids)], usMerchants, "en-US")
		}
	})
	b.Run("Resolver", func(b *testing.B) {
		r := NewResolver(usMerchants, "en-US")
		for i := 0; b.Loop(); i++ {
			r.Resolve(saids[i%len(saids)])
		}
	})
	b.Run("Resolver/de-DE", func(b *testing.B) {
		r := NewResolver(deMerchants, "de-DE")
		de := []string{"beim rewe", "aldi sued", "strom", "kaffee", "fatten fall", "im media markt"}
		for i := 0; b.Loop(); i++ {
			r.Resolve(de[i%len(de)])
		}
	})
}
