package intents

import (
	"context"
	"fmt"
	"log/slog"
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
	once   sync.Once
	m      *model
	err    error
	cached bool // loaded from CacheDir, not trained
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
	norm := Normalize(text)
	if norm == "" {
		res.Confidence = 1
		return res, nil
	}
	m, err := o.model(locale)
	if err != nil {
		return res, fmt.Errorf("intents: %w", err)
	}
	res.Intent, res.Confidence = m.predict(o.canonical(baseLocale(locale), norm))
	FillSlots(res.Intent, norm, locale, now, res.Slots)
	return res, nil
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
	// A card named in a card question is not also an account.
	if in.HasSlot(SlotCard) && in.HasSlot(SlotAccount) && slots[SlotCard] != nil {
		if slots.String(SlotAccount) == "credit_card" || strings.Contains(rest, "card") || strings.Contains(rest, "karte") {
			delete(slots, SlotAccount)
		}
	}
}

// withoutSpokenPIN drops four digits said one by one ("6 6 9 6", "six
// six nine six"): a PIN said, never an amount or a name.
func withoutSpokenPIN(text string) string {
	words := strings.Fields(text)
	for i := 0; i+4 <= len(words); i++ {
		n := 0
		for _, w := range words[i : i+4] {
			if len(w) == 1 && isDigits(w) || digitWords[w] != "" && w != "oh" {
				n++
			}
		}
		if n == 4 && (i+4 == len(words) || !(len(words[i+4]) == 1 && isDigits(words[i+4]) || digitWords[words[i+4]] != "")) {
			return strings.Join(append(append([]string{}, words[:i]...), words[i+4:]...), " ")
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
	return ParseAmount(strings.TrimSpace(t[best-1:]), locale, true)
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
	" ich meine ", " ich meinte ", " oder besser ", " besser ", " korrektur ", " quatsch ", " mach "}

// withoutPauses drops the sounds said while thinking ("um", "uh", "äh")
// from a turn's words before its slots are read. German "um" is a word,
// so only the German pause sounds go there.
func withoutPauses(norm, locale string) string {
	words := strings.Fields(norm)
	out := words[:0:0]
	for _, w := range words {
		if pinPauses[w] && (!German(locale) || w != "um" && w != "er") {
			continue
		}
		out = append(out, w)
	}
	if len(out) == len(words) {
		return norm
	}
	return strings.Join(out, " ")
}
