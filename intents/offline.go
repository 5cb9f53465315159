package intents

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Offline is the default recognizer: a linear model trained at first use
// from the catalog's sample utterances (no network, deterministic), with
// rule-based slot parsers. Use NewOffline and share it.
type Offline struct {
	// CacheDir, if set, is a directory where trained models are kept
	// (mode 0600) and loaded from on later start-ups instead of training
	// again: a model is found by a SHA-256 of everything its training
	// depends on, and a file that fails its checksum is trained over.
	// Set it before first use.
	CacheDir string
	// Log, if set, hears about cache files that could not be read or
	// written; the recognizer then trains, as without a cache.
	Log *slog.Logger

	// trainOnly ignores the embedded models (the tests of training and
	// of the cache).
	trainOnly bool

	mu     sync.Mutex
	models map[string]*lazyModel
	// extra are fillers added to the training data per base locale (none
	// today: partners' product names are read as the catalog's words,
	// canon).
	extra map[string]map[string][]string
	// canon are the partners' product names per base locale (AddProducts).
	canon map[string][]canonForm
}

type lazyModel struct {
	once     sync.Once
	m        *model
	err      error
	cached   bool // loaded from CacheDir, not trained
	embedded bool // the embedded model, not trained
}

var _ Recognizer = (*Offline)(nil)

// NewOffline returns an offline recognizer; models train on first use of
// a locale (Warm trains them ahead).
func NewOffline() *Offline { return &Offline{models: map[string]*lazyModel{}} }

// baseLocale maps a locale onto one with training data: en-* → en-US,
// de-* → de-DE.
func baseLocale(locale string) string {
	if German(locale) {
		return "de-DE"
	}
	return "en-US"
}

func (o *Offline) model(locale string) (*model, error) {
	loc := baseLocale(locale)
	o.mu.Lock()
	lm, ok := o.models[loc]
	if !ok {
		lm = &lazyModel{}
		o.models[loc] = lm
	}
	extra := o.extra[loc]
	o.mu.Unlock()
	lm.once.Do(func() {
		if !o.trainOnly {
			m, err := embeddedModel(loc, extra)
			if err == nil {
				lm.m, lm.embedded = m, true
				return
			}
			if !errors.Is(err, errNoEmbedded) && o.Log != nil {
				o.Log.Warn("offline recognizer: embedded model", "locale", loc, "err", err)
			}
		}
		if o.CacheDir != "" {
			var cacheErr error
			lm.m, lm.cached, lm.err, cacheErr = cachedModel(o.CacheDir, loc, extra)
			if cacheErr != nil && o.Log != nil {
				o.Log.Warn("offline recognizer: model cache", "locale", loc, "err", cacheErr)
			}
			return
		}
		ex, err := trainingExamples(loc, extra)
		if err != nil {
			lm.err = err
			return
		}
		lm.m = train(loc, ex)
	})
	return lm.m, lm.err
}

// Warm trains (or loads from CacheDir) the models of all locales in parallel.
func (o *Offline) Warm() error {
	var wg sync.WaitGroup
	errs := make([]error, len(Locales))
	for i, l := range Locales {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, errs[i] = o.model(l)
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

// Parse implements Recognizer.
func (o *Offline) Parse(ctx context.Context, text, locale string, now time.Time) (Result, error) {
	res := Result{Text: text, Intent: Fallback, Slots: Slots{}}
	norm := SpellDates(Normalize(text), locale, now)
	if norm == "" {
		res.Confidence = 1
		return res, nil
	}
	m, err := o.model(locale)
	if err != nil {
		return res, fmt.Errorf("intents: %w", err)
	}
	said := norm
	norm = m.corrected(norm, locale)
	res.Intent, res.Confidence = m.predict(o.canonical(baseLocale(locale), withoutDateYears(norm, locale)))
	slotNorm := m.slotTypos(norm)
	FillSlots(res.Intent, slotNorm, locale, now, res.Slots)
	if slotNorm != said {
		// A name is the name said: "tom mooney" is no "tom money" (whose
		// "money" left the payee "tom", another saved Tom), "ned
		// flanders" no "nicht flanders", "freud books" no "fraud books".
		asSaid := Slots{}
		FillSlots(res.Intent, said, locale, now, asSaid)
		for _, k := range []string{SlotPayee, SlotMerchant} {
			if v, fixed := asSaid.String(k), res.Slots.String(k); v != "" && fixed != "" && v != fixed && m.onlyCorrected(v, fixed, locale) {
				res.Slots[k] = v
			}
		}
	}
	return res, nil
}

// corrected reads dialect spellings (German) and typed typos of banking
// words as the words meant.
func (m *model) corrected(norm, locale string) string {
	if German(locale) {
		norm = withoutDialect(norm) // "wia vui hob i", "was chostet s abhebe"
	} else {
		norm = withoutChatSpelling(norm) // "wats my limt on it", "wat about"
	}
	return m.correctTypos(norm) // "credt card", "kreditkrate"
}

// onlyCorrected: the name read from the corrected text (fixed) differs
// from the one read from the words said (said) only by the corrected
// words: corrected, or dropped as the banking words they became.
func (m *model) onlyCorrected(said, fixed, locale string) bool {
	if m.slotTypos(m.corrected(said, locale)) == fixed {
		return true
	}
	sw, cw := strings.Fields(said), strings.Fields(m.slotTypos(m.corrected(said, locale)))
	if len(sw) != len(cw) {
		return false // a dialect word became two ("aufm": "auf dem")
	}
	var kept []string
	for i := range sw {
		if sw[i] == cw[i] {
			kept = append(kept, sw[i])
		}
	}
	return len(kept) > 0 && strings.Join(kept, " ") == fixed
}

// FillSlots extracts the slots an intent takes from normalized text into
// slots. Periods and amounts are read first and removed, so that their
// words are not taken for merchants or payees.
func FillSlots(intent, norm, locale string, now time.Time, slots Slots) {
	in, ok := Lookup(intent)
	if !ok {
		return
	}
	rest := withoutSpokenPIN(withoutPauses(norm, locale)) // "twenty um five dollars" is $25; "6 6 9 6, the water bill" has no $6
	if in.HasSlot(SlotDateRange) {
		if dr, phrase, ok := ParseDateRange(norm, locale, now); ok {
			slots[SlotDateRange] = dr
			rest = removePhrase(rest, phrase)
		}
	}
	if in.HasSlot(SlotDate) {
		if d, phrase, ok := ParseDate(rest, locale, now); ok {
			slots[SlotDate] = d
			rest = removePhrase(rest, phrase)
		}
	}
	if in.HasSlot(SlotAmount) {
		if a, phrase, ok := ParseAmount(rest, locale, true); ok {
			b, again, corrected := amountAfterCorrection(rest, phrase, locale)
			rest = removePhrase(rest, phrase)
			if corrected {
				// "twenty bucks to bob from checking no wait fifty": the
				// amount said after the correction is meant.
				a, rest = b, withoutCorrections(removePhrase(rest, again))
			}
			slots[SlotAmount] = a
		}
	}
	if in.HasSlot(SlotPin) {
		if p := ParsePin(norm); p != "" {
			slots[SlotPin] = p
		}
	}
	if in.HasSlot(SlotFromAccount) || in.HasSlot(SlotToAccount) {
		from, to := ParseFromTo(rest)
		if from != "" && in.HasSlot(SlotFromAccount) {
			slots[SlotFromAccount] = from
		}
		if to != "" && in.HasSlot(SlotToAccount) {
			slots[SlotToAccount] = to
		}
	}
	if in.HasSlot(SlotAccount) {
		if a := ParseAccount(rest); a != "" && !(in.HasSlot(SlotCard) && ParseCard(rest) != "" && a == "credit_card") {
			slots[SlotAccount] = a
		}
	}
	if in.HasSlot(SlotCard) {
		if c := ParseCard(rest); c != "" {
			slots[SlotCard] = c
		}
	}
	if in.HasSlot(SlotBiller) {
		if b := ParseBiller(rest); b != "" {
			slots[SlotBiller] = b
		}
	}
	if in.HasSlot(SlotCategory) {
		if c := ParseCategory(rest); c != "" {
			slots[SlotCategory] = c
		}
	}
	if in.HasSlot(SlotCount) {
		if n := ParseCount(rest, locale); n > 0 {
			slots[SlotCount] = n
		}
	}
	if in.HasSlot(SlotMerchant) {
		if mch := ParseMerchant(rest); mch != "" {
			slots[SlotMerchant] = mch
		}
	}
	if in.HasSlot(SlotPayee) {
		if p := ParsePayee(rest); p != "" {
			slots[SlotPayee] = p
		}
	}
	if after := afterCorrection(rest); after != "" {
		// "to alice meyer from checking, no wait, to tom": the name or
		// account said after the correction is meant.
		if in.HasSlot(SlotPayee) && containsWord(after, "to", "an") {
			if p := ParsePayee(after); p != "" && slots[SlotPayee] != nil {
				slots[SlotPayee] = p
			}
		}
		if from, to := ParseFromTo(after); in.HasSlot(SlotFromAccount) && from != "" && slots[SlotFromAccount] != nil {
			slots[SlotFromAccount] = from
		} else if in.HasSlot(SlotToAccount) && to != "" && slots[SlotToAccount] != nil {
			slots[SlotToAccount] = to
		}
	}
	// A card named in a card question is not also an account.
	if in.HasSlot(SlotCard) && in.HasSlot(SlotAccount) && slots[SlotCard] != nil {
		if slots.String(SlotAccount) == "credit_card" || strings.Contains(rest, "card") || strings.Contains(rest, "karte") {
			delete(slots, SlotAccount)
		}
	}
}

// withoutSpokenPIN drops digits said one by one: four are a PIN said
// ("6 6 9 6", "six six nine six"), never an amount or a name; five or
// more are no amount anyone says, so none of them is taken for one.
func withoutSpokenPIN(text string) string {
	words := strings.Fields(text)
	spoken := func(w string) bool { return len(w) == 1 && isDigits(w) || digitWords[w] != "" && w != "oh" }
	for i := 0; i < len(words); i++ {
		j := i
		for j < len(words) && spoken(words[j]) {
			j++
		}
		if j-i >= 4 {
			return strings.Join(append(append([]string{}, words[:i]...), words[j:]...), " ")
		}
		if j > i {
			i = j - 1
		}
	}
	return text
}

// amountAfterCorrection is the amount said after words that correct
// the first one, whose phrase is first ("…, no wait, fifty", "… ähm nee
// warte dreißig", "…, actually make it 80"), with its phrase. The words
// must come after the first amount: "nein fünfzig nicht fünfzehn" is
// fifty.
func amountAfterCorrection(text, first, locale string) (Amount, string, bool) {
	t := " " + text + " "
	i := strings.Index(t, " "+first+" ")
	if i < 0 {
		return Amount{}, "", false
	}
	t = t[i+len(first)+1:]
	best := -1
	for _, m := range amountCorrections {
		if i := strings.LastIndex(t, m); i >= 0 && i+len(m) > best {
			best = i + len(m)
		}
	}
	if best < 0 {
		return Amount{}, "", false
	}
	after := strings.TrimSpace(t[best-1:])
	a, phrase, ok := ParseAmount(after, locale, true)
	if !ok {
		return a, phrase, false
	}
	// An amount, not a count: a currency word, or nothing but a name or
	// an account after it ("make it 2 payments", "oops 1 more thing",
	// "the 2 concert tickets" are none).
	words := strings.Fields(phrase)
	if _, cur := currencyWords[words[len(words)-1]]; !cur {
		rest := strings.Fields(strings.TrimSpace(strings.Replace(" "+after+" ", " "+phrase+" ", " ", 1)))
		if len(rest) > 0 && !amountFollowers[rest[0]] {
			return a, phrase, false
		}
		if i := strings.Index(" "+after+" ", " "+phrase+" "); i > 0 {
			if prev := strings.Fields(after[:i-1]); len(prev) > 0 && (prev[len(prev)-1] == "the" || prev[len(prev)-1] == "die" || prev[len(prev)-1] == "der") {
				return a, phrase, false
			}
		}
	}
	return a, phrase, true
}

// amountFollowers may come right after a corrected amount said without
// its currency ("no wait fifty to tom", "nee dreißig vom girokonto").
var amountFollowers = map[string]bool{"to": true, "from": true, "please": true, "instead": true, "for": true, "then": true, "now": true, "today": true,
	"an": true, "von": true, "vom": true, "bitte": true, "stattdessen": true, "für": true, "dann": true, "jetzt": true, "heute": true, "aufs": true, "auf": true}

// afterCorrection is what follows the last words of a correction in a
// text that says something before them ("… no wait, to tom" is "to tom"),
// or "".
func afterCorrection(text string) string {
	t := " " + text + " "
	best := -1
	for _, m := range amountCorrections {
		if i := strings.LastIndex(t, m); i > 0 && i+len(m) > best {
			best = i + len(m)
		}
	}
	if best < 0 || best >= len(t) {
		return ""
	}
	return strings.TrimSpace(t[best-1:])
}

func containsWord(text string, ws ...string) bool {
	for _, f := range strings.Fields(text) {
		for _, w := range ws {
			if f == w {
				return true
			}
		}
	}
	return false
}

// withoutCorrections takes the correcting words out of a text, so that
// they are not read as a name ("to tom no wait").
func withoutCorrections(text string) string {
	t := " " + text + " "
	for _, m := range amountCorrections {
		for strings.Contains(t, m) {
			t = strings.Replace(t, m, " ", 1)
		}
	}
	return strings.Join(strings.Fields(t), " ")
}

// amountCorrections are the words that take back an amount just said.
var amountCorrections = []string{" no wait ", " wait no ", " no sorry ", " sorry no ", " no actually ", " actually ", " i mean ", " i meant ", " make it ",
	" or rather ", " correction ", " scratch that ", " no no ", " oops ", " nee warte ", " nein warte ", " warte ", " nee ", " nein ", " lieber ",
	" ich meine ", " ich meinte ", " oder besser ", " besser ", " korrektur ", " quatsch ", " mach ",
	// "send tom 20 dollars, sorry, 25 dollars", "… wait, 25", "… or rather 25"
	" sorry ", " wait ", " rather ", " pardon ", " moment ", " entschuldigung "}

// CorrectedNumber reports whether the number before a pause is taken back
// by the one after it: "30 äh 40", "thirty um forty", but not "twenty um
// five" ($25), "200 äh 50" or "1 uh 500".
func CorrectedNumber(before, after, locale string) bool {
	b, ub := readNumber([]string{before}, 0, locale)
	a, ua := readNumber([]string{after}, 0, locale)
	if ub != 1 || ua != 1 || b <= 0 || a <= 0 {
		return false
	}
	// Only numbers of one size correct each other ("30 äh 40", "thirty um
	// forty"); "1 uh 500", "two uh thousand", "fünf äh fünfzig", "12 uh
	// 50" are one amount said haltingly, or a question (the amount is
	// asked then).
	return a >= 1000 && b >= 1000 && magnitude(a) == magnitude(b) && !strings.ContainsAny(before+after, ".,")
}

// magnitude is the number of digits of hundredths/100.
func magnitude(hundredths int64) int {
	return len(strconv.FormatInt(hundredths/100, 10))
}

// withoutPauses drops the sounds said while thinking ("um", "uh", "äh")
// from a turn's words before its slots are read. German "um" is a word,
// so only the German pause sounds go there.
func withoutPauses(norm, locale string) string {
	words := strings.Fields(norm)
	out := words[:0:0]
	for i, w := range words {
		if pinPauses[w] && (!German(locale) || w != "um" && w != "er") {
			if n := len(out); n > 0 && i+1 < len(words) && CorrectedNumber(out[n-1], words[i+1], locale) {
				out = out[:n-1] // "30, äh, 40 Euro" is 40 €
			}
			continue
		}
		out = append(out, w)
	}
	if len(out) == len(words) {
		return norm
	}
	return strings.Join(out, " ")
}
