package intents

import (
	"embed"
	"fmt"
	"hash/fnv"
	"slices"
	"sort"
	"strings"

	"gopkg.in/yaml.v3"
)

//go:embed catalog.yaml data
var files embed.FS

// Locales are the locales Konto understands.
var Locales = []string{"en-US", "de-DE"}

// Intent describes one catalog entry.
type Intent struct {
	Name string
	// Slots lists the slot names in a stable order.
	Slots []string
	// SlotTypes maps a slot name to its Alexa type.
	SlotTypes map[string]string
	// Confirm marks intents that move money and need a read-back.
	Confirm bool
}

// SlotValue is one value of a custom slot type with its spoken forms.
type SlotValue struct {
	ID       string
	Synonyms map[string][]string // locale → forms; see Forms
}

type catalogFile struct {
	Intents []struct {
		Name    string            `yaml:"name"`
		Slots   map[string]string `yaml:"slots"`
		Confirm bool              `yaml:"confirm"`
	} `yaml:"intents"`
	SlotTypes map[string]yaml.Node `yaml:"slot_types"`
}

// Catalog lists the intents Konto understands, in catalog order.
var Catalog []Intent

// SlotTypes holds the custom slot types and their values, in file order.
var SlotTypes map[string][]SlotValue

func init() {
	if err := loadCatalog(); err != nil {
		panic(err)
	}
}

func loadCatalog() error {
	b, err := files.ReadFile("catalog.yaml")
	if err != nil {
		return err
	}
	var f catalogFile
	if err := yaml.Unmarshal(b, &f); err != nil {
		return fmt.Errorf("intents: catalog.yaml: %w", err)
	}
	Catalog = nil
	for _, in := range f.Intents {
		it := Intent{Name: in.Name, SlotTypes: in.Slots, Confirm: in.Confirm}
		for s := range in.Slots {
			it.Slots = append(it.Slots, s)
		}
		sort.Strings(it.Slots)
		Catalog = append(Catalog, it)
	}
	SlotTypes = map[string][]SlotValue{}
	for name, node := range f.SlotTypes {
		// Keep the file order of values: decode the mapping node by node.
		for i := 0; i+1 < len(node.Content); i += 2 {
			var syn map[string][]string
			if err := node.Content[i+1].Decode(&syn); err != nil {
				return fmt.Errorf("intents: slot type %s: %w", name, err)
			}
			SlotTypes[name] = append(SlotTypes[name], SlotValue{ID: node.Content[i].Value, Synonyms: syn})
		}
	}
	return nil
}

// Lookup returns the catalog entry of an intent name.
func Lookup(name string) (Intent, bool) {
	for _, in := range Catalog {
		if in.Name == name {
			return in, true
		}
	}
	return Intent{}, false
}

// HasSlot reports whether an intent takes a slot.
func (in Intent) HasSlot(name string) bool {
	_, ok := in.SlotTypes[name]
	return ok
}

// Example is one labelled utterance.
type Example struct {
	Text   string
	Intent string
	Slots  Slots
	// group numbers the template an example was expanded from, so that a
	// validation split can hold out whole phrasings.
	group int
	// slotsUnscored marks an example whose slots were not labelled (CSV).
	slotsUnscored bool
}

// trainFile is data/train-LOCALE.yaml.
type trainFile struct {
	Fillers map[string][]string `yaml:"fillers"`
	Intents map[string][]string `yaml:"intents"`
	OOS     []string            `yaml:"oos"`
	locale  string
}

// Samples returns the sample utterance templates of a locale: intent →
// templates with {slot} placeholders, and the out-of-scope utterances. A
// locale served by another's model (en-GB by en-US) has that locale's
// templates followed by its own.
func Samples(locale string) (map[string][]string, []string, error) {
	files, err := trainFiles(locale)
	if err != nil {
		return nil, nil, err
	}
	intents, oos := map[string][]string{}, []string(nil)
	for _, f := range files {
		for name, ts := range f.Intents {
			intents[name] = append(intents[name], ts...)
		}
		oos = append(oos, f.OOS...)
	}
	return intents, oos, nil
}

// variants are the locales with training lines of their own that the
// model of another locale serves.
var variants = map[string][]string{"en-US": {"en-GB"}}

// trainFiles returns the training files for a locale: its base locale's
// and, for a variant (en-GB), its own, whose fillers default to the base's.
func trainFiles(locale string) ([]*trainFile, error) {
	base := baseLocale(locale)
	f, err := readTrain(base)
	if err != nil {
		return nil, fmt.Errorf("intents: no training data for %s", locale)
	}
	out := []*trainFile{f}
	if locale != base && slices.Contains(variants[base], locale) {
		v, err := readTrain(locale)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, nil
}

// readTrain reads data/train-LOCALE.yaml and, when there is one,
// data/more-LOCALE.yaml; a variant's fillers are merged over its base
// locale's.
func readTrain(locale string) (*trainFile, error) {
	b, err := files.ReadFile("data/train-" + locale + ".yaml")
	if err != nil {
		return nil, fmt.Errorf("intents: no training data for %s", locale)
	}
	var f trainFile
	if err := yaml.Unmarshal(b, &f); err != nil {
		return nil, fmt.Errorf("intents: train-%s.yaml: %w", locale, err)
	}
	if mb, err := files.ReadFile("data/more-" + locale + ".yaml"); err == nil {
		// More phrasings, written apart from the first file by other
		// writers (other registers, stories, near misses out of scope).
		var more trainFile
		if err := yaml.Unmarshal(mb, &more); err != nil {
			return nil, fmt.Errorf("intents: more-%s.yaml: %w", locale, err)
		}
		for name, ts := range more.Intents {
			if f.Intents == nil {
				f.Intents = map[string][]string{}
			}
			f.Intents[name] = append(f.Intents[name], ts...)
		}
		f.OOS = append(f.OOS, more.OOS...)
	}
	for name, ts := range f.Intents {
		in, ok := Lookup(name)
		if !ok {
			return nil, fmt.Errorf("intents: train-%s.yaml: unknown intent %s", locale, name)
		}
		for _, t := range ts {
			for _, s := range placeholders(t) {
				if !in.HasSlot(s) {
					return nil, fmt.Errorf("intents: train-%s.yaml: %s has no slot %s (%q)", locale, name, s, t)
				}
			}
		}
	}
	if base := baseLocale(locale); base != locale {
		bf, err := readTrain(base)
		if err != nil {
			return nil, err
		}
		for k, v := range bf.Fillers {
			if _, ok := f.Fillers[k]; !ok {
				if f.Fillers == nil {
					f.Fillers = map[string][]string{}
				}
				f.Fillers[k] = v
			}
		}
	}
	f.locale = locale
	return &f, nil
}

func placeholders(t string) []string {
	var out []string
	for {
		i := strings.IndexByte(t, '{')
		if i < 0 {
			return out
		}
		j := strings.IndexByte(t[i:], '}')
		if j < 0 {
			return out
		}
		out = append(out, t[i+1:i+j])
		t = t[i+j+1:]
	}
}

// templateSeed picks a template's fillers from its own words, so that a
// line added to the training data changes no other line's expansions.
func templateSeed(intent, template string) int {
	h := fnv.New32a()
	h.Write([]byte(intent + "\x00" + template))
	return int(h.Sum32() % 100003)
}

// fillerKey maps a slot name onto the filler list it draws from.
func fillerKey(slot string) string {
	switch slot {
	case SlotFromAccount, SlotToAccount:
		return SlotAccount
	}
	return slot
}

// TrainingExamples expands the templates of a locale into labelled
// utterances: each template with slots becomes a few variants with
// fillers picked deterministically; out-of-scope ones are Fallback. The
// model of a locale trains on its variants' lines too (en-US on en-GB's).
func TrainingExamples(locale string) ([]Example, error) {
	return trainingExamples(locale, nil)
}

// trainingExamples is TrainingExamples with extra fillers (a partner's
// product names) per filler key; extra card names are kept out of the
// account-only intents.
func trainingExamples(locale string, extra map[string][]string) ([]Example, error) {
	base := baseLocale(locale)
	fs := []*trainFile{}
	for _, loc := range append([]string{base}, variants[base]...) {
		f, err := readTrain(loc)
		if err != nil {
			return nil, err
		}
		fs = append(fs, f)
	}
	// Decontaminate: an expansion that happens to equal a held-out
	// utterance is dropped, so the evaluation stays unseen.
	heldOut := map[string]bool{}
	for _, f := range fs {
		if held, _, err := HeldOut(f.locale); err == nil {
			for _, ex := range held {
				heldOut[Normalize(ex.Text)] = true
			}
		}
	}
	cardWords := map[string]bool{}
	for _, w := range extra[SlotCard] {
		cardWords[w] = true
	}
	var out []Example
	group := 0
	for _, f := range fs {
		names := make([]string, 0, len(f.Intents))
		for n := range f.Intents {
			names = append(names, n)
		}
		sort.Strings(names)
		fillers := map[string][]string{}
		for k, v := range f.Fillers {
			fillers[k] = append(slices.Clone(v), extra[k]...)
		}
		for _, name := range names {
			for _, t := range f.Intents[name] {
				group++
				ph := placeholders(t)
				variants := 1
				if len(ph) > 0 {
					variants = slotVariants
				}
				seed := templateSeed(name, t) // a template's fillers do not move when lines are added elsewhere
				for v := range variants {
					text := t
					for k, s := range ph {
						fill := fillers[fillerKey(s)]
						if len(fill) == 0 {
							return nil, fmt.Errorf("intents: train-%s.yaml: no fillers for %s", f.locale, s)
						}
						pick := fill[(seed*7+v*13+k*5)%len(fill)]
						for j := 1; accountOnly[name] && (strings.Contains(pick, "card") || strings.Contains(pick, "karte") || cardWords[pick]) && j < len(fill); j++ {
							pick = fill[(seed*7+v*13+k*5+j)%len(fill)]
						}
						text = strings.Replace(text, "{"+s+"}", pick, 1)
					}
					if heldOut[Normalize(text)] {
						continue
					}
					out = append(out, Example{Text: text, Intent: name, group: group})
				}
			}
		}
		for _, t := range f.OOS {
			group++
			out = append(out, Example{Text: t, Intent: Fallback, group: group})
		}
	}
	// Frame every sixth example in words people put around any request,
	// for banking and out-of-scope alike, so that they carry no intent.
	frames := enFrames
	if German(locale) {
		frames = deFrames
	}
	n := len(out)
	for i := 0; i < n; i += 6 {
		fr := frames[(i/6)%len(frames)]
		ex := out[i]
		ex.Text = strings.TrimSpace(fr[0] + " " + ex.Text + " " + fr[1])
		if !heldOut[Normalize(ex.Text)] {
			out = append(out, ex)
		}
	}
	// And hear every third one as speech recognition might: without a
	// function word, with a homophone, a misheard merchant name.
	for i := 1; i < n; i += noiseEvery {
		ex := out[i]
		if t, ok := noisy(Normalize(ex.Text), German(locale), i); ok && !heldOut[t] {
			ex.Text = t
			out = append(out, ex)
		}
	}
	return out, nil
}

// functionWords are the words speech recognition most often drops.
var functionWords = map[bool][]string{
	false: {"the", "my", "a", "to", "of", "is", "on", "for", "in", "i", "me", "do", "it", "what", "can", "you"},
	true:  {"der", "die", "das", "mein", "meine", "meinem", "meinen", "ich", "auf", "ist", "mir", "den", "dem", "ein", "eine", "zu", "von", "du", "es"},
}

// soundAlikes are what speech recognition writes for a word it half hears.
var soundAlikes = map[bool]map[string]string{
	false: {"to": "two", "for": "four", "card": "cart", "pin": "pen", "owe": "oh", "due": "do", "debit": "debbit", "checking": "checkin",
		"balance": "balanced", "transfer": "transfers", "bill": "bell", "paid": "payed", "account": "count", "savings": "saving",
		"limit": "limits", "credit": "credits", "freeze": "frees", "lock": "lok", "starbucks": "star bucks", "walmart": "wal mart",
		"whole": "hole", "target": "targets", "chipotle": "chipotle's", "netflix": "net flicks", "costco": "cost co", "uber": "hoover",
		"amazon": "amazon dot com", "fees": "fee", "rewards": "reward", "there": "their", "right": "write", "new": "knew"},
	true: {"karte": "karten", "konto": "kontos", "überweise": "überweis", "rechnung": "rechnungen", "kontostand": "konto stand",
		"kreditkarte": "kredit karte", "girokonto": "giro konto", "sparkonto": "spar konto", "sperren": "sperrn", "ist": "is",
		"rewe": "reve", "edeka": "edeca", "lidl": "liedl", "aldi": "aldie", "zalando": "salando", "netflix": "nettflix",
		"habe": "hab", "ich": "ish", "geld": "gelt", "pin": "pinn", "wie": "wi", "viel": "fiel", "das": "dass"},
}

// noisy returns a copy of a normalized utterance as heard with errors, or
// false when it has nothing to get wrong. The variant depends on i only.
func noisy(text string, german bool, i int) (string, bool) {
	words := strings.Fields(text)
	if len(words) < 3 {
		return "", false
	}
	changed := false
	if i%2 == 1 {
		for k, w := range words {
			if slices.Contains(functionWords[german], w) {
				words = slices.Delete(slices.Clone(words), k, k+1)
				changed = true
				break
			}
		}
	}
	for k := range words {
		j := (k + i) % len(words)
		if alt, ok := soundAlikes[german][words[j]]; ok {
			words[j] = alt
			changed = true
			break
		}
	}
	return strings.Join(words, " "), changed
}

// accountOnly are the intents about a whole account whose twins about a
// card are other intents ("freeze my account" is FreezeAccount, "freeze my
// credit card" LockCard): their {account} is never filled with a card.
var accountOnly = map[string]bool{FreezeAccount: true, AccountBlocked: true}

var enFrames = [][2]string{{"please", ""}, {"can you", ""}, {"hey", ""}, {"", "please"}, {"i want to know", ""}, {"could you tell me", ""},
	{"um", ""}, {"ok", ""}, {"", "thanks"}, {"alexa", ""}, {"quick question", ""}, {"so", ""},
	// Phone calls, as speech recognition writes them.
	{"hi my name is john smith and", ""}, {"yes hello i'm calling because", ""}, {"good morning i was wondering", ""},
	{"yeah hi um", ""}, {"hello", "thank you"}, {"i'd like to", ""}, {"", "thank you very much"},
	// Stories and asides around a request: chatty, elderly, non-native.
	{"my daughter told me to ask you", ""}, {"sorry to bother you but", ""}, {"i'm not good with these things but", ""},
	{"i have a question", ""}, {"i'm calling about this", ""}, {"my wife wants to know", ""}, {"", "if you don't mind"},
	{"hello dear", ""}, {"", "how do i do that"}, {"excuse me", ""},
	{"i want to ask", ""}, {"one more thing", ""}}
var deFrames = [][2]string{{"bitte", ""}, {"kannst du", ""}, {"hey", ""}, {"", "bitte"}, {"ich möchte wissen", ""}, {"sag mal", ""},
	{"äh", ""}, {"okay", ""}, {"", "danke"}, {"alexa", ""}, {"kurze frage", ""}, {"also", ""},
	// Telefonate, wie die Spracherkennung sie schreibt.
	{"ja guten tag mein name ist müller und", ""}, {"hallo ich rufe an weil", ""}, {"ja also ich wollte mal fragen", ""},
	{"grüß gott", ""}, {"ja hallo", "danke"}, {"ich hätte eine frage", ""}, {"moin", ""}, {"", "vielen dank"}}

// HeldOutLocales are the locales with a held-out set of their own.
func HeldOutLocales() []string {
	var out []string
	for _, loc := range []string{"en-US", "en-GB", "de-DE"} {
		if _, err := files.ReadFile("data/heldout-" + loc + ".yaml"); err == nil {
			out = append(out, loc)
		}
	}
	return out
}

// HeldOut returns the held-out examples of a locale (its own set, or that
// of the locale whose model serves it) and the day their dates are
// relative to.
func HeldOut(locale string) ([]Example, string, error) {
	b, err := files.ReadFile("data/heldout-" + locale + ".yaml")
	if err != nil {
		b, err = files.ReadFile("data/heldout-" + baseLocale(locale) + ".yaml")
	}
	if err != nil {
		return nil, "", fmt.Errorf("intents: no held-out data for %s", locale)
	}
	ex, _, now, err := ParseExamples(b)
	if err != nil {
		return nil, "", fmt.Errorf("intents: heldout-%s.yaml: %w", locale, err)
	}
	return ex, now, nil
}

// ParseExamples reads a file of labelled utterances, the format of the
// held-out sets and of fixtures/utterances: locale, now (YYYY-MM-DD) and
// utterances with text, intent and canonical slots.
func ParseExamples(b []byte) (examples []Example, locale, now string, err error) {
	var f struct {
		Locale     string `yaml:"locale"`
		Now        string `yaml:"now"`
		Utterances []struct {
			Text   string         `yaml:"text"`
			Intent string         `yaml:"intent"`
			Slots  map[string]any `yaml:"slots"`
		} `yaml:"utterances"`
	}
	if err := yaml.Unmarshal(b, &f); err != nil {
		return nil, "", "", err
	}
	for _, u := range f.Utterances {
		if _, ok := Lookup(u.Intent); !ok {
			return nil, "", "", fmt.Errorf("unknown intent %s", u.Intent)
		}
		ex := Example{Text: u.Text, Intent: u.Intent, Slots: Slots{}}
		for k, v := range u.Slots {
			switch k {
			case SlotDateRange:
				m, _ := v.(map[string]any)
				ex.Slots[k] = DateRange{Start: fmt.Sprint(m["start"]), End: fmt.Sprint(m["end"])}
			case SlotAmount:
				m, _ := v.(map[string]any)
				ex.Slots[k] = Amount{Value: fmt.Sprint(m["value"]), Currency: fmt.Sprint(m["currency"])}
			case SlotCount:
				n, _ := v.(int)
				ex.Slots[k] = n
			default:
				ex.Slots[k] = fmt.Sprint(v)
			}
		}
		examples = append(examples, ex)
	}
	return examples, f.Locale, f.Now, nil
}

// Forms returns a value's forms in a locale: its own forms (en-GB may
// list British words such as "current account") followed by those of the
// locale whose training data it shares (en-US).
func (v SlotValue) Forms(locale string) []string {
	base := baseLocale(locale)
	if base == locale {
		return v.Synonyms[locale]
	}
	out := append([]string{}, v.Synonyms[locale]...)
	for _, f := range v.Synonyms[base] {
		if !slices.Contains(out, f) {
			out = append(out, f)
		}
	}
	return out
}

// slotVariants is how many expansions a template with slots gets, and
// noiseEvery how often an example is also heard with errors; both trade
// start-up time for accuracy (see CrossValidate).
var slotVariants, noiseEvery = 4, 3
