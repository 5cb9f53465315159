package skill

import (
	"context"
	"regexp"
	"strings"
	"time"

	"github.com/kontoskill/konto/banks"
	"github.com/kontoskill/konto/intents"
	"github.com/kontoskill/konto/intents/resolve"
)

// Context: what the last answer was about carries into elliptical
// follow-ups ("and in October?", "what about Costco", "und bei Edeka"),
// and "it", "the new one", "sie" mean the last card or account named.
// Names are resolved against what the user actually has.

// previous is the subject of the session's last answer.
func (s *Skill) previous(r *Request) *subject {
	if r.Channel.Carry {
		return r.turn.carry.Subject
	}
	return r.st.Subject
}

// remember records what this turn's answer was about.
func (s *Skill) remember(r *Request, intent string, slots intents.Slots) {
	if _, ok := intents.Lookup(intent); !ok {
		return // Konto's own questions (an alert's review) are no subject
	}
	sub := &subject{Intent: intent, Slots: intents.Slots{}}
	for k, v := range slots {
		sub.Slots[k] = v
	}
	if prev := s.previous(r); prev != nil {
		// The card or account talked about stays the subject of "it".
		for _, k := range []string{intents.SlotCard, intents.SlotAccount} {
			if _, ok := sub.Slots[k]; !ok && prev.Slots[k] != nil {
				if in, found := intents.Lookup(intent); !found || !in.HasSlot(k) {
					sub.Slots[k] = prev.Slots[k]
				}
			}
		}
	}
	if !r.turn.arrives.IsZero() {
		sub.Slots["arrives"] = r.turn.arrives.Format(time.DateOnly)
	} else if prev := s.previous(r); prev != nil && prev.Slots["arrives"] != nil && intent == prev.Intent {
		sub.Slots["arrives"] = prev.Slots["arrives"]
	}
	r.turn.subject = sub
	if !r.Channel.Carry {
		r.st.Subject = sub
	}
}

var (
	leadEN   = regexp.MustCompile(`^(?:and|and what about|what about|how about|and how about|also|plus|ok and|okay and|and then)\b`)
	leadDE   = regexp.MustCompile(`^(?:und|und was ist mit|was ist mit|wie ist es mit|wie sieht es aus mit|und wie|und wann|und was|und für|und bei)\b`)
	pronouns = map[string]bool{"it": true, "them": true, "es": true, "sie": true, "die": true, "den": true, "ihn": true, "der": true, "dieselbe": true, "neue": true}
)

// followUp reads an elliptical turn in the light of the last answer: it
// takes the last answer's intent and slots, with what this turn names in
// place of theirs. It changes nothing when the turn stands on its own.
func (s *Skill) followUp(r *Request) {
	prev := s.previous(r)
	if prev == nil || r.Text == "" || prev.Intent == "" {
		return
	}
	norm := intents.Normalize(r.Text)
	words := strings.Fields(norm)
	lead := leadEN
	if intents.German(r.Locale) {
		lead = leadDE
	}
	elliptic := lead.MatchString(norm) || len(words) <= 3
	hasPronoun := false
	for _, w := range words {
		if pronouns[w] {
			hasPronoun = true
		}
	}
	// "unlock it again", "wann läuft die ab": the card or account of the
	// last answer, when this turn names none.
	if in, ok := intents.Lookup(r.Intent); ok && hasPronoun && len(words) <= 6 && r.Intent != intents.Fallback {
		for _, k := range []string{intents.SlotCard, intents.SlotAccount, intents.SlotBiller} {
			if in.HasSlot(k) && r.Slots[k] == nil && prev.Slots[k] != nil {
				r.Slots[k] = prev.Slots[k]
			}
		}
		if in.HasSlot(intents.SlotCard) && r.Slots[intents.SlotCard] == nil && prev.Slots[intents.SlotCard] == nil {
			if k, ok := prev.Slots[intents.SlotAccount].(string); ok && k == "credit_card" {
				r.Slots[intents.SlotCard] = "credit"
			}
		}
	}
	if r.Intent == intents.Fallback || hasPronoun && len(words) <= 6 {
		// "how much is it", "ok pay it", "when does it run out": the
		// sibling question about the same bill or card.
		if in := sibling(prev, norm); in != "" {
			slots := intents.Slots{}
			for _, k := range []string{intents.SlotBiller, intents.SlotCard, intents.SlotAccount} {
				if v := prev.Slots[k]; v != nil {
					if cat, ok := intents.Lookup(in); ok && cat.HasSlot(k) {
						slots[k] = v
					}
				}
			}
			intents.FillSlots(in, norm, r.Locale, r.Now, slots)
			dropLooseOne(r.Text, slots)
			r.Intent, r.Slots, r.Confidence, r.turn.inContext = in, slots, 1, true
			return
		}
	}
	if !elliptic {
		return
	}
	if s.readsOnly(r.Intent) && r.Confidence < readMin && (r.Slots[intents.SlotAccount] != nil || r.Slots[intents.SlotCard] != nil) {
		// "und was ist mit meinem Sparkonto": a weak reading that found
		// what it is about is taken, as a follow-up.
		r.Confidence = readMin
	}
	short := len(words) <= 3
	if loc := lead.FindStringIndex(norm); loc != nil {
		short = len(strings.Fields(norm[loc[1]:])) <= 3 // "and at trader joe"
	}
	if r.Intent != intents.Fallback && r.Intent != prev.Intent && !s.unsure(r) && r.Confidence >= actMin && !(short && s.readsOnly(r.Intent)) {
		return // a question of its own
	}
	pin, ok := intents.Lookup(prev.Intent)
	if !ok {
		return
	}
	found := intents.Slots{}
	intents.FillSlots(prev.Intent, norm, r.Locale, r.Now, found)
	if dr, ok := prev.Slots.DateRange(intents.SlotDateRange); ok && found[intents.SlotDateRange] == nil && periodBefore(norm) {
		if shifted, ok := monthBefore(dr); ok {
			found[intents.SlotDateRange] = shifted // "and the month before"
		}
	}
	if pin.HasSlot(intents.SlotMerchant) {
		if m := merchantPhrase(norm, r.Locale, r.Now); m != "" {
			found[intents.SlotMerchant] = m // against a category: see resolveMerchant
		} else if m := leadRest(norm, lead); m != "" && found[intents.SlotDateRange] == nil && found[intents.SlotAccount] == nil {
			found[intents.SlotMerchant] = m // "what about uber", "and whole food"
		} else if len(words) <= 3 && found[intents.SlotDateRange] == nil && found[intents.SlotAccount] == nil && !notMerchants[norm] {
			found[intents.SlotMerchant] = norm // a bare "uber", "food": resolveMerchant decides
		}
	}
	for k := range found {
		if !pin.HasSlot(k) {
			delete(found, k)
		}
	}
	if len(found) == 0 {
		return
	}
	slots := intents.Slots{}
	for k, v := range prev.Slots {
		slots[k] = v
	}
	if found[intents.SlotMerchant] != nil || found[intents.SlotCategory] != nil {
		delete(slots, intents.SlotMerchant)
		delete(slots, intents.SlotCategory)
	}
	for k, v := range found {
		slots[k] = v
	}
	r.Intent, r.Slots, r.Confidence, r.turn.inContext = prev.Intent, slots, 1, true
}

var (
	merchantEN = regexp.MustCompile(`(?:^|\s)(?:at|from|in|with)\s+(?:the\s+)?(.+)$`)
	merchantDE = regexp.MustCompile(`(?:^|\s)(?:bei|beim|im|vom|von|an|in)\s+(?:der\s+|dem\s+|den\s+|die\s+)?(.+)$`)
	tailWords  = map[string]bool{"spent": true, "spend": true, "did": true, "i": true, "bought": true, "buy": true, "purchases": true, "purchase": true,
		"ausgegeben": true, "gekauft": true, "bezahlt": true, "habe": true, "hab": true, "ich": true, "eingekauft": true, "so": true, "then": true,
		"month": true, "please": true, "bitte": true, "denn": true, "eigentlich": true, "insgesamt": true, "total": true, "altogether": true}
	notMerchants = map[string]bool{"all": true, "total": true, "my": true, "me": true, "my account": true, "checking": true, "savings": true,
		"girokonto": true, "sparkonto": true, "tagesgeld": true, "kreditkarte": true, "credit card": true, "this month": true, "last month": true,
		"diesem monat": true, "letzten monat": true, "general": true, "allgemeinen": true, "total so far": true, "ganzen": true}
)

// merchantPhrase finds the name after "at", "bei", "beim" in a turn: the
// words after the preposition, without a period or trailing verbs.
func merchantPhrase(norm, locale string, now time.Time) string {
	if _, phrase, ok := intents.ParseDateRange(norm, locale, now); ok && phrase != "" {
		norm = strings.TrimSpace(strings.Replace(norm, phrase, " ", 1))
	}
	re := merchantEN
	if intents.German(locale) {
		re = merchantDE
	}
	m := re.FindStringSubmatch(norm)
	if m == nil {
		return ""
	}
	words := strings.Fields(m[1])
	for len(words) > 0 && tailWords[words[len(words)-1]] {
		words = words[:len(words)-1]
	}
	phrase := strings.Join(words, " ")
	if phrase == "" || notMerchants[phrase] || len(words) > 4 {
		return ""
	}
	return phrase
}

// resolveMerchant matches the merchant the turn names against the
// merchants in the user's own transactions: a sure match becomes the
// slot (the bank's spelling); a plausible one is asked about ("Do you
// mean Starbucks?"); a name that matches nothing is said to match nothing,
// with the closest one offered. A turn without a merchant name, or one
// the recognizer read as a category, is left alone unless the words are
// exactly one of the user's merchants ("uber").
func (s *Skill) resolveMerchant(ctx context.Context, b *banking, r *Request) (*Response, error) {
	said := r.Slots.String(intents.SlotMerchant)
	fromText := false
	if said == "" && r.Text != "" {
		said, fromText = merchantPhrase(intents.Normalize(r.Text), r.Locale, r.Now), true
	}
	if said == "" {
		return nil, nil
	}
	names, err := b.merchants(ctx, r)
	if err != nil || len(names) == 0 {
		return nil, err
	}
	ms := resolve.Resolve(said, names, r.Locale)
	l := langOf(r.Locale)
	category := r.Slots.String(intents.SlotCategory) != ""
	switch {
	case len(ms) > 0 && (ms[0].Kind == resolve.Exact || ms[0].Kind == resolve.Confident) && (len(ms) < 2 || ms[1].Kind != resolve.Exact):
		// A merchant the user has wins over a category ("uber", "bei der
		// Bahn"); describing words ("gas", "food") never resolve surely.
		r.Slots[intents.SlotMerchant] = ms[0].Name
		delete(r.Slots, intents.SlotCategory)
		return nil, nil
	case category || fromText && (len(ms) == 0 || ms[0].Kind == resolve.None):
		// The recognizer's category stands, and words after "at" that
		// name nothing the user has may be anything ("at home").
		if category {
			delete(r.Slots, intents.SlotMerchant)
		}
		return nil, nil
	case len(ms) > 0 && ms[0].Kind == resolve.Ask:
		slots := cloneSlots(r.Slots)
		slots[intents.SlotMerchant] = ms[0].Name
		r.st.Suggest = &suggestion{Intent: r.Intent, Slots: slots}
		q := l.msg("merchant.ask", ms[0].Name)
		return &Response{Speech: q, Reprompt: q, Choices: yesNo(l)}, nil
	case len(ms) > 0:
		slots := cloneSlots(r.Slots)
		slots[intents.SlotMerchant] = ms[0].Name
		r.st.Suggest = &suggestion{Intent: r.Intent, Slots: slots}
		q := l.msg("merchant.none.closest", titleCase(said), ms[0].Name)
		return &Response{Speech: q, Reprompt: q, Choices: yesNo(l)}, nil
	}
	return anythingElse(l, l.msg("merchant.none", titleCase(said))), nil
}

// merchants are the names in the user's transactions of the last year
// and a bit, each once.
func (b *banking) merchants(ctx context.Context, r *Request) ([]string, error) {
	txs, err := b.bank.Transactions(ctx, r.User, banks.TxFilter{From: r.Now.AddDate(-1, -1, 0), To: r.Now, Limit: maxScan})
	if err != nil {
		return nil, err
	}
	seen := map[string]bool{}
	var names []string
	for _, t := range txs {
		if t.Merchant != "" && !seen[t.Merchant] && t.Category != "transfers" {
			seen[t.Merchant] = true
			names = append(names, t.Merchant)
		}
	}
	return names, nil
}

// merchantsResolved runs a handler after the merchant it names is
// resolved against the user's own merchants.
func (s *Skill) merchantsResolved(b *banking, next HandlerFunc) Handler {
	return HandlerFunc(func(ctx context.Context, r *Request) (*Response, error) {
		if resp, err := s.resolveMerchant(ctx, b, r); resp != nil || err != nil {
			return resp, err
		}
		return next(ctx, r)
	})
}

// billerNamed finds the biller a turn names by its company ("pay the t
// mobile bill", "die O2 Rechnung"), resolved against the user's billers.
func billerNamed(r *Request, billers []banks.Biller) (banks.Biller, bool) {
	var names []string
	for _, b := range billers {
		names = append(names, b.Name)
	}
	var words []string
	for _, w := range strings.Fields(intents.Normalize(r.Text)) {
		if !billWords[w] {
			words = append(words, w)
		}
	}
	if len(words) == 0 || len(words) > 8 {
		return banks.Biller{}, false
	}
	// The name is some run of the remaining words ("when is verizon due").
	res := resolve.NewResolver(names, r.Locale)
	best, found := resolve.Match{}, false
	for n := min(3, len(words)); n >= 1; n-- {
		for i := 0; i+n <= len(words); i++ {
			ms := res.Resolve(strings.Join(words[i:i+n], " "))
			if len(ms) == 0 || (ms[0].Kind != resolve.Exact && ms[0].Kind != resolve.Confident) || len(ms) > 1 && ms[1].Kind == resolve.Exact {
				continue
			}
			if !found || ms[0].Score > best.Score {
				best, found = ms[0], true
			}
		}
	}
	if !found {
		return banks.Biller{}, false
	}
	return billers[best.Index], true
}

// billWords are the words of a payment request around a biller's name.
var billWords = map[string]bool{"pay": true, "the": true, "my": true, "bill": true, "i": true, "want": true, "to": true, "please": true,
	"can": true, "you": true, "could": true, "ok": true, "okay": true, "now": true, "off": true, "settle": true, "a": true, "want to": true,
	"ich": true, "will": true, "möchte": true, "die": true, "den": true, "das": true, "meine": true, "mein": true, "rechnung": true,
	"bezahlen": true, "zahlen": true, "begleichen": true, "bitte": true, "mal": true, "überweisen": true, "um": true, "uh": true, "ähm": true,
	"let's": true, "lets": true, "go": true, "ahead": true, "and": true, "und": true, "für": true, "for": true, "invoice": true}

// payeeNamed resolves a payee said loosely ("tom like", "mal max", "tom
// new yen") against the saved payees: one sure match, or the plausible
// ones to choose from; none when nothing is close.
func payeeNamed(said string, payees []banks.Payee, locale string) []banks.Payee {
	var words []string
	for _, w := range strings.Fields(intents.Normalize(said)) {
		if !payeeFillers[w] {
			words = append(words, w)
		}
	}
	if len(words) == 0 {
		return nil
	}
	var names []string
	for _, p := range payees {
		names = append(names, p.Name)
	}
	ms := resolve.Resolve(strings.Join(words, " "), names, locale)
	var out []banks.Payee
	for i, m := range ms {
		switch {
		case m.Kind == resolve.Exact || m.Kind == resolve.Confident && i == 0:
			if i == 0 && (len(ms) == 1 || ms[1].Kind != resolve.Exact) {
				return []banks.Payee{payees[m.Index]}
			}
			out = append(out, payees[m.Index])
		case m.Kind == resolve.Ask && len(out) < 2:
			out = append(out, payees[m.Index])
		}
	}
	return out
}

var payeeFillers = map[string]bool{"like": true, "um": true, "uh": true, "so": true, "just": true, "mal": true, "doch": true, "bitte": true,
	"please": true, "to": true, "an": true, "the": true, "my": true, "meinem": true, "meiner": true, "friend": true, "buddy": true, "kumpel": true,
	"ähm": true, "also": true, "halt": true, "eben": true, "schnell": true, "quickly": true, "real": true}

// cardQuestion answers two questions about cards that have no intent of
// their own: when the card just ordered arrives ("when will the new one
// arrive", "wann kommt die neue") and whether a card still works ("is my
// credit card still working", "geht meine Kreditkarte noch").
func (s *Skill) cardQuestion(ctx context.Context, r *Request) (*Response, error) {
	if r.Text == "" || r.User.Customer == "" && s.authenticate(ctx, r) != nil {
		return nil, nil
	}
	if !s.allowed(ctx, r, "accounts") {
		return nil, nil // the usual path refuses, with how to allow it
	}
	t := " " + intents.Normalize(r.Text) + " "
	l := langOf(r.Locale)
	if prev := s.previous(r); prev != nil && containsAny(t, " arrive", " get here", " come ", " coming", " kommt", " ankommen", " da sein", " zugestellt") &&
		containsAny(t, " new ", " replacement", " it ", " neue", " ersatz", " sie ", " card") {
		if d, ok := prev.Slots["arrives"].(string); ok {
			if at, err := time.Parse(time.DateOnly, d); err == nil {
				return anythingElse(l, l.msg("card.arrives", l.Date(at, r.Now))), nil
			}
		}
	}
	if !containsAny(t, " still work", " working", " work ", " works ", " funktioniert", " geht meine", " geht die", " noch gehen", " noch aktiv", " still active") ||
		!containsAny(t, " card", "karte") || containsAny(t, "expire", "ablauf", "läuft", "declin", "abgelehnt", " why ", " warum ") {
		return nil, nil
	}
	found := intents.Slots{}
	intents.FillSlots(intents.LockCard, intents.Normalize(r.Text), r.Locale, r.Now, found)
	kind := found.String(intents.SlotCard)
	if kind == "" {
		return nil, nil
	}
	cards, err := s.cards(ctx, r)
	if err != nil {
		return nil, err
	}
	for _, c := range cards {
		if string(c.Kind) != kind {
			continue
		}
		s.remember(r, intents.LockCard, intents.Slots{intents.SlotCard: kind})
		if c.Locked {
			return anythingElse(l, l.msg("card.status.locked", upperFirst(l.cardName(c)))), nil
		}
		return anythingElse(l, l.msg("card.status.works", upperFirst(l.cardName(c)))), nil
	}
	return nil, nil
}

func containsAny(s string, subs ...string) bool {
	for _, x := range subs {
		if strings.Contains(s, x) {
			return true
		}
	}
	return false
}

// leadRest is what follows a follow-up's lead ("what about uber" → "uber"),
// as a name, when it is short.
func leadRest(norm string, lead *regexp.Regexp) string {
	loc := lead.FindStringIndex(norm)
	if loc == nil {
		return ""
	}
	words := strings.Fields(norm[loc[1]:])
	for len(words) > 0 && (words[0] == "at" || words[0] == "the" || words[0] == "bei" || words[0] == "beim" || words[0] == "der" || words[0] == "dem") {
		words = words[1:]
	}
	if len(words) == 0 || len(words) > 3 {
		return ""
	}
	phrase := strings.Join(words, " ")
	if notMerchants[phrase] {
		return ""
	}
	return phrase
}

// periodBefore: "the month before", "der Monat davor", "im Vormonat".
func periodBefore(norm string) bool {
	t := " " + norm + " "
	return containsAny(t, " month before", " previous month", " monat davor", " vormonat", " monat vorher", " the one before", " davor ")
}

// monthBefore is the calendar month before a range's first month.
func monthBefore(dr intents.DateRange) (intents.DateRange, bool) {
	from, _, err := dr.Bounds()
	if err != nil {
		return dr, false
	}
	first := time.Date(from.Year(), from.Month(), 1, 0, 0, 0, 0, time.UTC).AddDate(0, -1, 0)
	last := first.AddDate(0, 1, -1)
	return intents.DateRange{Start: first.Format(time.DateOnly), End: last.Format(time.DateOnly)}, true
}

var (
	billFamily = map[string]bool{intents.BillBalance: true, intents.BillDueDate: true, intents.MinimumPayment: true, intents.PayBill: true}
	cardFamily = map[string]bool{intents.LockCard: true, intents.UnlockCard: true, intents.ReportLostCard: true, intents.ReplaceCard: true,
		intents.CardExpiration: true, intents.CreditLimit: true, intents.CardDeclined: true, intents.RewardsBalance: true}
)

// sibling is the question a pronoun turn asks about the last answer's
// bill or card, by its words; "" when it is none of them.
func sibling(prev *subject, norm string) string {
	t := " " + norm + " "
	switch {
	case billFamily[prev.Intent] && prev.Slots[intents.SlotBiller] != nil:
		switch {
		case containsAny(t, " pay", " zahl", " begleich", " überweis"):
			return intents.PayBill
		case containsAny(t, " how much", " wie viel", " wie hoch", " amount", " betrag", " cost", " kostet"):
			return intents.BillBalance
		case containsAny(t, " when", " wann", " due", " fällig"):
			return intents.BillDueDate
		case containsAny(t, " minimum", " mindest"):
			return intents.MinimumPayment
		}
	case cardFamily[prev.Intent] && prev.Slots[intents.SlotCard] != nil:
		switch {
		case containsAny(t, " expire", " run out", " runs out", " valid", " abl", " läuft", " gültig"):
			return intents.CardExpiration
		case containsAny(t, " unlock", " entsperr", " freischalt", " unblock"):
			return intents.UnlockCard
		case containsAny(t, " lock", " sperr", " freeze", " block"):
			return intents.LockCard
		case containsAny(t, " limit", " rahmen"):
			return intents.CreditLimit
		}
	}
	return ""
}
