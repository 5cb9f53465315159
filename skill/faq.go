package skill

import (
	"context"
	"strings"
	"sync"

	"github.com/kontoskill/konto/banks"
	"github.com/kontoskill/konto/intents"
)

// The bank partner's FAQ (banks.ProductSheet.FAQ) answers the support
// questions the catalog has no intent for: a card that has not arrived,
// branch hours, a mortgage. It is asked when the recognizer finds no
// intent, is unsure of the one it found, or the intent cannot be
// answered; what neither the catalog nor the FAQ answers but is about
// banking gets the support line and the offer of a callback instead of
// "I can't help".

// When the FAQ takes a turn the recognizer gave an intent: below
// faqUnsure a good FAQ match (faqGood) wins, above it only a close one
// (faqClose), most often one of the sheet's own examples or nearly so.
// Without an intent, any match of intents.FAQThreshold does. The
// recognizer is often sure of the nearest catalog intent for a question
// the catalog lacks ("my new card hasn't arrived" is not a replacement
// order, "I never got my PIN" not a PIN change), and the bank's sheet
// names that question. An FAQ answer only speaks, so taking one for an
// intent never moves money or changes a card.
const (
	faqUnsure = 0.5
	faqGood   = 0.45
	faqClose  = 0.55
	faqShort  = 0.75
	// faqThemeUnsure: below it, a match on an entry's theme word needs
	// only faqGood.
	faqThemeUnsure = 0.65
	// faqThemeNone: without an intent, a German match on an entry's theme
	// word needs this much (the calibration's negatives stay under 0.34).
	// German only: there the theme is one compound ("Schließfach") the
	// other words dilute; in English "can I get a notary at the branch"
	// scores the same on "branch" and must go to an agent.
	faqThemeNone = 0.35
)

// faqNever are the intents a turn keeps whatever the FAQ says: answers
// to a question, and the controls of the conversation.
var faqNever = map[string]bool{
	intents.Yes: true, intents.No: true, intents.Stop: true, intents.Cancel: true, intents.Repeat: true,
	intents.Help: true, intents.ProvidePin: true, intents.Launch: true,
}

// faqs holds one matcher per bank and locale, built the first time a
// sheet is asked (the default bank's at start-up).
type faqs struct {
	s    *Skill
	mu   sync.Mutex
	sets map[string]*faqSet
	// glossaries are the glossaries of banks and locales (glossary.go).
	glossaries map[string]glossarySet
}

type faqSet struct {
	sheet   banks.ProductSheet
	match   *intents.FAQ
	entries map[string]banks.FAQEntry
}

// registerFAQ lets the FAQ answer before and after the handlers
// registered so far, and for intents without one. Call it after the
// handlers are registered.
func (s *Skill) registerFAQ() {
	fq := &faqs{s: s, sets: map[string]*faqSet{}}
	s.faq = fq
	for name, h := range s.mux.handlers {
		if !faqNever[name] {
			s.mux.handlers[name] = fq.wrap(h)
		}
	}
	notFound := s.mux.NotFound
	if notFound == nil {
		notFound = HandlerFunc(fallback)
	}
	s.mux.NotFound = fq.wrap(notFound)
	for _, loc := range []string{"en-US", "en-GB", "de-DE"} {
		fq.set(context.Background(), banks.User{}, loc)
	}
}

// wrap answers from the FAQ where it knows better than next.
func (fq *faqs) wrap(next Handler) Handler {
	return HandlerFunc(func(ctx context.Context, r *Request) (*Response, error) {
		if r.Text == "" || faqNever[r.Intent] || r.turn != nil && r.turn.inContext {
			return next.Serve(ctx, r)
		}
		_, known := intents.Lookup(r.Intent)
		none := !known || r.Intent == intents.Fallback
		if none && errand(r.Text) {
			return next.Serve(ctx, r) // "book me a taxi and put it on my card": another service's errand, not a bank question
		}
		if resp := fq.take(ctx, r); resp != nil {
			return resp, nil
		}
		if none {
			if resp := fq.unanswered(ctx, r); resp != nil {
				return resp, nil
			}
		}
		resp, err := next.Serve(ctx, r)
		if banks.KindOf(err) == banks.NotSupported {
			// What the bank's connector cannot do, its FAQ may explain.
			if fr := fq.answer(ctx, r, intents.FAQThreshold, false); fr != nil {
				return fr, nil
			}
		}
		return resp, err
	})
}

// take answers a turn from the FAQ if the recognizer's reading leaves
// room for it and an entry matches well enough (nil otherwise).
func (fq *faqs) take(ctx context.Context, r *Request) *Response {
	if fq == nil || r.Text == "" || faqNever[r.Intent] || r.turn != nil && r.turn.inContext {
		return nil
	}
	if r.User.Customer == "" && r.AccessToken != "" {
		// The user's bank decides the FAQ; a user who is not linked
		// hears the default bank's.
		_ = fq.s.authenticate(ctx, r)
	}
	if asksBalance(r) || asksRate(r) {
		return nil // "how much is in my ISA": the account, not the sheet's ISA entry
	}
	if r.Intent == intents.CreditLimit && r.Confidence >= faqUnsure && r.Slots.String(intents.SlotCard) == "credit" && !otherLimit(" "+intents.Normalize(r.Text)+" ") {
		return nil // "wie hoch ist das Limit meiner Kreditkarte": the card's credit limit, not the cash machine's
	}
	if t := " " + intents.Normalize(r.Text) + " "; (r.Intent == intents.TransferMoney || r.Intent == intents.PayBill) &&
		containsAny(t, " i want to send", " i wanna send", " i need to send", " i want to transfer", " i need to transfer", " i want to pay", " i need to pay",
			" ich will geld", " ich möchte geld", " ich muss geld", " i want to move", " id like to send", " id like to transfer") &&
		!containsAny(t, " how ", " limit", " can i ", " wie ", " kann ich", " kostet", " cost", " fee", " abroad", " ausland") {
		return nil // "i want to send some money": a payment to begin, not the sheet's limits
	}
	if (r.Intent == intents.PayBill || r.Intent == intents.TransferMoney) && r.Confidence >= 0.9 &&
		(r.Slots[intents.SlotBiller] != nil || r.Slots[intents.SlotPayee] != nil || r.Slots[intents.SlotAmount] != nil) {
		return nil // "bezahl mal meine Handyrechnung" is a payment, whatever the FAQ's "bezahlen mit dem Handy"
	}
	least := intents.FAQThreshold
	_, known := intents.Lookup(r.Intent)
	switch {
	case !known || r.Intent == intents.Fallback:
		if intents.German(r.Locale) && fq.themed(ctx, r) {
			// "was kostet so ein Schließfach bei euch im Jahr": the entry's
			// own word, and no intent to lose; the few other words weigh
			// less
			least = faqThemeNone
		}
	case r.Confidence < faqUnsure:
		least = faqGood
	case r.Intent == intents.CreditLimit && otherLimit(" "+intents.Normalize(r.Text)+" "):
		// "wie hoch ist eigentlich mein Überweisungslimit", "what's my
		// atm limit": a limit that is no card's credit limit is the
		// sheet's to say; any entry that matches beats a credit limit.
		least = intents.FAQThreshold
	case (r.Confidence < faqThemeUnsure || (r.Intent == intents.TransferMoney || r.Intent == intents.PayBill) && r.Slots[intents.SlotPayee] == nil &&
		r.Slots[intents.SlotBiller] == nil && r.Slots[intents.SlotToAccount] == nil || r.Intent == intents.CardApplication && !containsAny(" "+intents.Normalize(r.Text)+" ", " card", " karte")) &&
		fq.themed(ctx, r):
		// "i'd like some help with a mortgage", "I need a personal loan
		// of 5000 dollars" are TransferMoney (for "i'd like", "I need …
		// dollars") with no one to pay; "I want to apply for a mortgage"
		// is no card application: the sheet's own theme word decides.
		least = faqGood
	default:
		least = faqClose
	}
	return fq.answer(ctx, r, least, true)
}

// themed: the utterance's best FAQ match has that entry's theme word
// (one no other entry uses, such as "mortgage").
func (fq *faqs) themed(ctx context.Context, r *Request) bool {
	set := fq.set(ctx, r.User, r.Locale)
	if set == nil {
		return false
	}
	m, ok := set.match.Match(r.Text)
	return ok && m.Theme
}

// asksBalance: the recognizer is sure the turn asks how much is in an
// account it names, and the words ask for an amount. An account named
// like a product the sheet explains (a Cash ISA, a Tagesgeldkonto) shares
// its one word with that entry, and the amount is what was asked.
func asksBalance(r *Request) bool {
	if r.Intent != intents.GetBalance || r.Confidence < faqUnsure || r.Slots[intents.SlotAccount] == nil {
		return false
	}
	t := " " + intents.Normalize(r.Text) + " "
	return containsAny(t, " how much ", " balance", " whats in ", " what is in ", " whats on ", " what is on ",
		" wie viel ", " wieviel ", " kontostand", " guthaben", " was ist auf ", " was hab", " stand ",
		" owe ", " owing", " left on ", " schulde", " restschuld", " noch offen") // "what do i owe on my car loan": the loan, not the sheet's rates
}

// rateWordsAsk: the words ask what rate is paid ("whit interest does it
// pay", "welche Zinsen gibt es"), not when or how interest is paid or
// worked out, which the sheet explains.
func rateWordsAsk(t string) bool {
	return containsAny(t, " what interest", " whit interest", " which interest", " how much interest", " what rate", " whats the rate", " welche zinsen", " wie viel zinsen",
		" wieviel zinsen") &&
		!containsAny(t, " when ", " how often", " wann ", " wie oft", " calculat", " worked out", " berechn", " tax", " steuer")
}

// asksRate: the recognizer is sure the turn asks what rate an account
// earns ("what interest does my savings get", "was bekomme ich an Zinsen
// auf dem Sparkonto"), not how or when interest is worked out and paid,
// which the sheet explains.
func asksRate(r *Request) bool {
	if r.Intent != intents.InterestRate || r.Confidence < faqUnsure {
		return false
	}
	t := " " + intents.Normalize(r.Text) + " "
	if rateWordsAsk(t) {
		return true // "whit interest does it pay", "what interest do you pay on it": the rate
	}
	return !containsAny(t, " how ", " when ", " wie wird", " wie werden", " wann ", " calculat", " worked out", " berechn", " paid", " pay ", " credited",
		" gezahlt", " ausgezahlt", " gutgeschrieben", " tax", " steuer", " change", " änder")
}

// answer is the FAQ entry the utterance asks about, if one scores at
// least that score, as speech and a card; with shortRule a turn of three
// words or fewer needs a near copy of a question or the entry's theme word.
func (fq *faqs) answer(ctx context.Context, r *Request, least float64, shortRule bool) *Response {
	set := fq.set(ctx, r.User, r.Locale)
	if set == nil {
		return nil
	}
	m, ok := set.match.Match(r.Text)
	if ok && shortRule && len(strings.Fields(r.Text)) <= 3 && !m.Theme {
		// Three words say little ("open my bank"): only a near copy of
		// an entry's question, or one with the entry's own word ("ne
		// bau finanzierung").
		least = max(least, faqShort)
	}
	if !ok || m.Score < least {
		return nil
	}
	fq.s.cfg.Log.DebugContext(ctx, "faq answered", "entry", m.ID, "score", m.Score, "intent", r.Intent, "confidence", r.Confidence)
	return fq.entry(ctx, r, m.ID)
}

// entry is the FAQ entry with that id of the user's bank's sheet, as an
// answer (nil when the sheet has none).
func (fq *faqs) entry(ctx context.Context, r *Request, id string) *Response {
	set := fq.set(ctx, r.User, r.Locale)
	if set == nil {
		return nil
	}
	e, ok := set.entries[id]
	if !ok {
		return nil
	}
	if r.turn != nil {
		r.turn.faqID = id
	}
	l := langOf(r.Locale)
	resp := anythingElse(l, e.Answer)
	text := e.Answer
	if e.Link != "" {
		text += "\n" + e.Link
	}
	title := l.msg("faq.card.title.default")
	if set.sheet.Bank != "" {
		title = l.msg("faq.card.title", set.sheet.Bank)
	}
	resp.Card = &Card{Title: title, Text: text}
	return resp
}

// unanswered is what a bank question neither the catalog nor the FAQ
// answers gets: the support line, and for a linked user the offer of a
// callback (TalkToAgent's). Anything that is not about banking gets nil.
func (fq *faqs) unanswered(ctx context.Context, r *Request) *Response {
	set := fq.set(ctx, r.User, r.Locale)
	m := (*intents.FAQ)(nil)
	if set != nil {
		m = set.match
	}
	if !faqBanking(m, r) || len(strings.Fields(r.Text)) < 4 || vague(m, r) {
		// A few words with a bank word in them ("open my bank") are no
		// question to refer: the usual "what can I do" answers them.
		return nil
	}
	l := langOf(r.Locale)
	text := fq.supportLine(r)
	if r.User.Customer == "" {
		// Nobody to call back: the line is the answer.
		return anythingElse(l, text)
	}
	return fq.s.offerAgent(r, text, "question")
}

// vague: the only banking words are the bank, the account or money
// ("mach mal die Bank auf", "do the bank thing"): no question to refer.
func vague(m *intents.FAQ, r *Request) bool {
	var rest []string
	for _, w := range strings.Fields(intents.Normalize(r.Text)) {
		if !genericBankWords[w] {
			rest = append(rest, w)
		}
	}
	return !m.AboutBanking(strings.Join(rest, " "))
}

var genericBankWords = map[string]bool{"bank": true, "banks": true, "banking": true, "konto": true, "account": true, "money": true,
	"geld": true, "app": true, "die": true, "my": true, "meine": true, "meiner": true}

// faqBanking reports whether an utterance is about banking.
func faqBanking(m *intents.FAQ, r *Request) bool {
	if m == nil {
		m = intents.NewFAQ(r.Locale, nil)
	}
	return m.AboutBanking(r.Text)
}

// set returns the matcher of the user's bank's sheet in a locale (the
// default bank's for a user who is not linked), or nil if the bank has
// no FAQ.
func (fq *faqs) set(ctx context.Context, u banks.User, locale string) *faqSet {
	key := u.Bank + "\x00" + locale
	fq.mu.Lock()
	set, ok := fq.sets[key]
	fq.mu.Unlock()
	if ok {
		return set
	}
	sheet, ok := fq.sheet(ctx, u, locale)
	if ok && len(sheet.FAQ) > 0 {
		set = &faqSet{sheet: sheet, entries: map[string]banks.FAQEntry{}}
		items := make([]intents.FAQItem, 0, len(sheet.FAQ))
		for _, e := range sheet.FAQ {
			if e.ID == "" || strings.TrimSpace(e.Answer) == "" {
				continue
			}
			set.entries[e.ID] = e
			items = append(items, intents.FAQItem{ID: e.ID, Questions: e.Questions})
		}
		set.match = intents.NewFAQ(locale, items)
	}
	if !ok {
		return set // not cached: the bank may answer next time
	}
	fq.mu.Lock()
	fq.sets[key] = set
	fq.mu.Unlock()
	return set
}

// sheet is the product sheet of the user's bank in the language spoken
// (the FAQ matches what was said; limits and fees follow the customer's
// bank in Skill.sheet). A user who is not linked gets the default bank's:
// the only bank of a router with one, or the connector's own.
func (fq *faqs) sheet(ctx context.Context, u banks.User, locale string) (banks.ProductSheet, bool) {
	bank := fq.s.cfg.Bank
	if p, ok := bank.(banks.UserProducts); ok {
		if u.Bank == "" {
			ids, ok := bank.(interface{ IDs() []string })
			if !ok || len(ids.IDs()) != 1 {
				return banks.ProductSheet{}, true // no default bank: no FAQ
			}
			u.Bank = ids.IDs()[0]
		}
		sh, err := p.ProductSheetFor(ctx, u, locale)
		return sh, err == nil || banks.KindOf(err) == banks.NotSupported
	}
	if p, ok := bank.(banks.Products); ok {
		sh, err := p.ProductSheet(ctx, locale)
		return sh, err == nil || banks.KindOf(err) == banks.NotSupported
	}
	return banks.ProductSheet{}, true
}

// supportLine is "I can't answer that here. You can reach customer
// service at …".
func (fq *faqs) supportLine(r *Request) string {
	l := langOf(r.Locale)
	sh := fq.s.sheet(r)
	if sh.SupportHours == "" {
		return l.msg("faq.unanswered.no_hours", sh.SupportPhone)
	}
	return l.msg("faq.unanswered", sh.SupportPhone, sh.SupportHours)
}

// bankQuestion reports whether a turn is a question about banking that
// neither the catalog nor the FAQ answers (see unanswered).
func (fq *faqs) bankQuestion(ctx context.Context, r *Request) bool {
	if fq == nil || r.Text == "" || len(strings.Fields(r.Text)) < 4 {
		return false
	}
	set := fq.set(ctx, r.User, r.Locale)
	m := (*intents.FAQ)(nil)
	if set != nil {
		m = set.match
	}
	return faqBanking(m, r)
}

// otherLimit: the words name a limit other than a credit limit: on
// transfers and payments, on cash, on contactless payments.
func otherLimit(t string) bool {
	return containsAny(t, " transfer limit", " payment limit", " sending limit", " limit on transfers", " limit on payments", " limit for transfers", " limit for payments",
		" atm limit", " cash limit", " withdrawal limit", " contactless", " tap limit", " limit at the atm", " limit at the cash machine",
		" überweisungslimit", " überweisungs limit", " überweisung limit", " limit für überweisung", " limit bei überweisung", " zahlungslimit", " abhebelimit",
		" auszahlungslimit", " bargeldlimit", " automatenlimit", " geldautomat", " am automaten", " kontaktlos", " overdraft", " dispo")
}
