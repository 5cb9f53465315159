package skill

import (
	"os"
	"regexp"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/kontoskill/konto/banks"
)

// TestGlossaryLookup reads definition questions as such, in both
// directions: the same words asking for the customer's own things are no
// definition question.
func TestGlossaryLookup(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		locale, text, want string // want "" is no definition question
	}{
		{"en-US", "what does a pending charge mean", "Pending"},
		{"en-US", "hey what does pending actually mean on my statement", "Pending"},
		{"en-US", "what is a pending transaction", "Pending"},
		{"en-US", "what does it mean when a purchase is pending", "Pending"},
		{"en-US", "what's the difference between available balance and current balance", "Available balance"},
		{"en-US", "what's an APR", "APR"},
		{"en-US", "what does apr stand for", "APR"},
		{"en-US", "what is a routing number", "Routing number"},
		{"en-US", "define overdraft", "Overdraft"},
		{"en-US", "chargeback meaning", "Chargeback"},
		{"en-US", "what do you mean by available credit", "Available credit"},
		{"en-US", "can you explain what a credit limit is", "Credit limit"},
		{"en-US", "what does savings mean", "Savings account"},
		{"en-US", "what are direct deposits", "Direct deposit"},
		{"en-US", "whats pending mean", "Pending"},
		{"en-US", "pending what does that mean", "Pending"},
		{"en-US", "i dont get what available balance means", "Available balance"},
		{"en-US", "can you tell me what a wire transfer is", "Wire transfer"},
		{"en-US", "what does the abbreviation fdic stand for", "FDIC"},
		{"en-US", "what does a p r mean", "APR"},
		{"en-US", "tell me what my available balance is", ""},
		{"en-US", "what is pending", ""},
		{"en-US", "what's pending on my card", ""},
		{"en-US", "what's my available balance", ""},
		{"en-US", "what is the interest rate on my savings", ""},
		{"en-US", "what is my credit limit", ""},
		{"en-US", "what's in savings", ""},
		{"en-US", "what's the minimum payment on my visa", ""},
		{"en-US", "send 20 dollars to tom", ""},
		{"en-US", "what does it cost to send a wire", ""},
		{"en-GB", "what's an isa stand for", "ISA"},
		{"en-GB", "isa meaning", "ISA"},
		{"en-GB", "what is a sort code", "Sort code"},
		{"en-GB", "so what exactly is a standing order", "Standing order"},
		{"en-GB", "what does direct debit mean", "Direct debit"},
		{"en-GB", "what's AER", "AER"},
		{"en-GB", "what does i s a stand for", "ISA"},
		{"en-GB", "what is an isa exactly", "ISA"},
		{"en-GB", "how much is in my isa", ""},
		{"en-GB", "what's my sort code", ""},
		{"en-GB", "what's in my cash isa", ""},
		{"de-DE", "was bedeutet eigentlich vorgemerkt", "Vorgemerkt"},
		{"de-DE", "was heißt vorgemerkt bei meinen umsätzen", "Vorgemerkt"},
		{"de-DE", "was sind vorgemerkte umsätze", "Vorgemerkt"},
		{"de-DE", "was heißt tagesgeldkonto", "Tagesgeld"},
		{"de-DE", "was ist tagesgeld", "Tagesgeld"},
		{"de-DE", "was ist ein dispo", "Dispo"},
		{"de-DE", "was versteht man unter einem dauerauftrag", "Dauerauftrag"},
		{"de-DE", "was bedeutet der begriff sollzins", "Sollzins"},
		{"de-DE", "wofür steht sepa", "SEPA"},
		{"de-DE", "was ist mit wertstellung gemeint", "Wertstellung"},
		{"de-DE", "erklär mir mal was festgeld ist", "Festgeld"},
		{"de-DE", "was ist der unterschied zwischen kontostand und verfügbarem betrag", "Kontostand"},
		{"de-DE", "was sind lastschriften", "Lastschrift"},
		{"de-DE", "was genau bedeutet vorgemerkt", "Vorgemerkt"},
		{"de-DE", "vorgemerkt was heißt das", "Vorgemerkt"},
		{"de-DE", "kannst du mir erklären was ein dispo ist", "Dispo"},
		{"de-DE", "wofür steht die abkürzung sepa", "SEPA"},
		{"de-DE", "was ist der unterschied zwischen tagesgeld und festgeld", "Tagesgeld"},
		{"de-DE", "was ist auf meinem tagesgeld", ""},
		{"de-DE", "wie viel ist auf dem tagesgeld", ""},
		{"de-DE", "was ist vorgemerkt", ""},
		{"de-DE", "was ist mein dispo", ""},
		{"de-DE", "was ist der dispozins", ""},
		{"de-DE", "was bedeutet das", ""},
		{"de-DE", "was heißt das für meine überweisung", ""},
		{"de-DE", "was ist mein kontostand", ""},
	} {
		t.Run(c.locale+"/"+c.text, func(t *testing.T) {
			t.Parallel()
			got, ok := newGlossary(c.locale, nil).lookup(c.text)
			if !ok {
				got.Term = ""
			}
			if got.Term != c.want {
				t.Errorf("lookup(%q) = %q, want %q", c.text, got.Term, c.want)
			}
		})
	}
}

// TestGlossarySheet: a sheet's entry adds a word or takes the place of a
// built-in one, and the figures come from the sheet.
func TestGlossarySheet(t *testing.T) {
	t.Parallel()
	g := newGlossary("en-GB", []banks.GlossaryEntry{
		{Term: "Rainy Day Pot", Synonyms: []string{"rainy day pots"}, Answer: "A pot inside the Instant Saver."},
		{Term: "ISA", Answer: "Our own words for an ISA."},
	})
	for text, want := range map[string]string{
		"what's a rainy day pot":                    "A pot inside the Instant Saver.",
		"what does isa stand for":                   "Our own words for an ISA.",
		"what does individual savings account mean": "Our own words for an ISA.",
	} {
		got, ok := g.lookup(text)
		if !ok || got.Answer != want {
			t.Errorf("lookup(%q) = %q, %v; want %q", text, got.Answer, ok, want)
		}
	}
	sheet := banks.ProductSheet{Rates: map[string]string{"savings": "3.60"}}
	isa, _ := newGlossary("en-GB", nil).lookup("what is an isa")
	if got := isa.answer(sheet); !strings.HasSuffix(got, "Our Cash ISA currently pays 3.60% a year, tax free.") {
		t.Errorf("answer = %q, want the sheet's rate at the end", got)
	}
	if got := isa.answer(banks.ProductSheet{}); strings.Contains(got, "{") || strings.Contains(got, "Our Cash ISA") {
		t.Errorf("answer without figures = %q, want the definition alone", got)
	}
}

// TestGlossaryBuiltin: every locale's glossary parses, has enough terms,
// and no two entries share a name.
func TestGlossaryBuiltin(t *testing.T) {
	t.Parallel()
	for _, loc := range []string{"en-US", "en-GB", "de-DE"} {
		terms := builtinGlossary()[loc]
		if len(terms) < 20 {
			t.Errorf("%s: %d terms, want at least 20", loc, len(terms))
		}
		g := &glossary{german: loc == "de-DE", index: map[string]int{}}
		for i, term := range terms {
			if term.Term == "" || term.Answer == "" {
				t.Errorf("%s: entry %d has no term or answer", loc, i)
			}
			for _, n := range append([]string{term.Term}, term.Synonyms...) {
				if j, ok := g.index[g.key(n)]; ok && j != i {
					t.Errorf("%s: %q names both %q and %q", loc, n, terms[j].Term, term.Term)
				}
				g.index[g.key(n)] = i
			}
		}
	}
}

// TestGlossaryLeavesIntents: no training utterance of a catalog intent
// ("what's my savings balance", "was ist auf meinem Tagesgeld") reads as
// a definition question. Out-of-scope ones may ("was ist eine IBAN").
func TestGlossaryLeavesIntents(t *testing.T) {
	t.Parallel()
	slot := regexp.MustCompile(`\{([a-z_]+)\}`)
	for _, loc := range []string{"en-US", "en-GB", "de-DE"} {
		bs, err := os.ReadFile("../intents/data/train-" + loc + ".yaml")
		if err != nil {
			t.Fatal(err)
		}
		var f struct {
			Fillers map[string][]string `yaml:"fillers"`
			Intents map[string][]string `yaml:"intents"`
		}
		if err := yaml.Unmarshal(bs, &f); err != nil {
			t.Fatal(err)
		}
		g := newGlossary(loc, nil)
		for in, us := range f.Intents {
			for _, u := range us {
				texts := []string{u}
				if m := slot.FindStringSubmatch(u); m != nil {
					k := strings.TrimPrefix(strings.TrimPrefix(m[1], "from_"), "to_")
					texts = nil
					for _, v := range f.Fillers[k] {
						texts = append(texts, slot.ReplaceAllString(u, v))
					}
				}
				for _, text := range texts {
					if got, ok := g.lookup(text); ok {
						t.Errorf("%s %s: %q read as what %q means", loc, in, text, got.Term)
					}
				}
			}
		}
	}
}
