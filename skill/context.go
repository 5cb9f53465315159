package skill

import (
	"context"
	"regexp"
	"slices"
	"strconv"
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
	sub := r.st.Subject
	if r.Channel.Carry {
		sub = r.turn.carry.Subject
	}
	if sub != nil && sub.Owner != "" && sub.Owner != ownerOf(r.User) {
		return nil // another customer's subject (or one for a turn not authenticated as its customer): nothing follows from it
	}
	return sub
}

// remember records what this turn's answer was about.
func (s *Skill) remember(r *Request, intent string, slots intents.Slots) {
	if _, ok := intents.Lookup(intent); !ok || noSubject[intent] {
		return // Konto's own questions (an alert's review) are no subject, nor is "say that again"
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
	if l := sub.Slots.String("listed"); l != "" {
		sub.Listed = l
	} else if prev := s.previous(r); prev != nil && intent != intents.ListTransactions {
		sub.Listed = prev.Listed // (a newer list read out replaces it: "the first one" is of that)
	}
	if prev := s.previous(r); prev != nil {
		sub.Alert = prev.Alert
	}
	if !r.turn.arrives.IsZero() {
		sub.Slots["arrives"] = r.turn.arrives.Format(time.DateOnly)
	} else if prev := s.previous(r); prev != nil && prev.Slots["arrives"] != nil && intent == prev.Intent {
		sub.Slots["arrives"] = prev.Slots["arrives"]
	}
	sub.Owner = ownerOf(r.User)
	r.turn.subject = sub
	if !r.Channel.Carry {
		r.st.Subject = sub
	}
}

// rememberFAQ records the FAQ entry the turn was answered with as the
// subject: no intent's, so that only follow-ups about that entry read it
// (faqFollowUp).
func (s *Skill) rememberFAQ(r *Request) {
	if r.turn.faqID == "" {
		return
	}
	sub := &subject{Slots: intents.Slots{"faq": r.turn.faqID}}
	r.turn.subject = sub
	if !r.Channel.Carry {
		r.st.Subject = sub
	}
}

// faqFollowUp answers a short follow-up to a FAQ answer: "and abroad?",
// "und was kostet das im Ausland?" after the cash machine limit is the fee
// for cash abroad.
func (s *Skill) faqFollowUp(ctx context.Context, r *Request) *Response {
	prev := s.previous(r)
	if id := prev.faqEntry(); id != "" && r.Text != "" && r.st.Dialog == nil && (r.Intent == intents.Fallback && r.Confidence < faqUnsure || s.unsure(r) || (r.Intent == intents.Cancel || r.Intent == intents.Stop) && r.Confidence < actMin) {
		t := " " + intents.Normalize(r.Text) + " "
		if len(strings.Fields(t)) <= 7 && containsAny(t, " it ", " that ", " this ", " them ", " das ", " es ", " die ", " den ", " ihn ") &&
			containsAny(t, " how ", " can i ", " could i ", " where ", " what do i ", " wie ", " kann ich ", " wo ", " was muss ich ") && !actionWords(strings.TrimSpace(t)) &&
			!containsAny(t, " stop", " cancel", " quit", " abbrech", " beend") {
			// "can i turn it off" after the overdraft's answer, which says
			// how: that answer again (was: "I'm not sure I understood")
			if resp := s.faq.entry(ctx, r, id); resp != nil {
				s.rememberFAQ(r)
				return resp
			}
		}
	}
	if prev != nil && r.Text != "" && r.st.Dialog == nil && (prev.Slots.String("faq") == "transfer_limits" || prev.Slots.String("faq") == "atm_limit") {
		t := " " + intents.Normalize(r.Text) + " "
		if len(strings.Fields(t)) <= 6 && containsAny(t, " a day", " per day", " in a day", " each day", " daily", " am tag", " pro tag", " täglich", " an einem tag") &&
			!actionWords(strings.TrimSpace(t)) {
			// "and per day?", "und am Tag" after the limits: the same
			// answer, which says the day's limit
			if resp := s.faq.entry(ctx, r, prev.Slots.String("faq")); resp != nil {
				s.rememberFAQ(r)
				return resp
			}
		}
	}
	if prev == nil || prev.Slots.String("faq") != "atm_limit" || r.Text == "" || r.st.Dialog != nil {
		return nil
	}
	t := " " + intents.Normalize(r.Text) + " "
	if len(strings.Fields(t)) > 8 || !containsAny(t, " abroad", " overseas", " ausland", " im urlaub", " on holiday", " outside the", " außerhalb") {
		return nil
	}
	fee := s.sheet(r).Fees["atm_abroad"]
	if fee == "" {
		return nil
	}
	l := langOf(r.Locale)
	r.turn.faqID = "atm_limit" // still the subject
	return anythingElse(l, l.msg("label.value", l.msg("fee.name.atm_abroad"), fee)+".")
}

// noSubject are intents that talk about the conversation, not a subject.
var noSubject = map[string]bool{intents.Repeat: true, intents.Yes: true, intents.No: true, intents.Help: true, intents.Stop: true,
	intents.Cancel: true, intents.Fallback: true}

var (
	leadEN   = regexp.MustCompile(`^(?:and|and what about|what about|wat about|wot about|and wat about|how about|and how about|also|plus|ok and|okay and|and then|just|only|now)\b`)
	leadDE   = regexp.MustCompile(`^(?:und|und was ist mit|was ist mit|wie ist es mit|wie sieht es aus mit|und wie|und wann|und was|und für|und bei|nur|jetzt)\b`)
	pronouns = map[string]bool{"it": true, "them": true, "es": true, "sie": true, "die": true, "den": true, "ihn": true, "der": true, "dieselbe": true, "neue": true, "das": true, "that": true}
)

// spokenDigits: the words hold four or more digits said one by one (a
// PIN, never an amount).
func spokenDigits(norm string) bool {
	n := 0
	for _, w := range strings.Fields(norm) {
		if len(w) == 1 && w[0] >= '0' && w[0] <= '9' || intents.DigitWord(w) && w != "oh" && w != "one" {
			n++
			if n >= 4 {
				return true
			}
		} else if !intents.PinPause(w) {
			n = 0
		}
	}
	return false
}

// ordinals are the places said in a list, from 0; the last is -1.
var ordinals = map[string]int{"first": 0, "second": 1, "third": 2, "erste": 0, "ersten": 0, "zweite": 1, "zweiten": 1, "dritte": 2, "dritten": 2,
	"last": -1, "letzte": -1, "letzten": -1}

// oneWords say which one without naming a merchant ("the biggest one").
var oneWords = map[string]bool{"biggest": true, "largest": true, "smallest": true, "first": true, "second": true, "third": true, "last": true, "other": true,
	"next": true, "new": true, "old": true, "big": true, "small": true, "same": true, "right": true, "wrong": true, "latest": true, "most": true, "expensive": true,
	"cheapest": true, "pending": true, "earlier": true, "previous": true, "only": true, "that": true, "this": true, "current": true, "savings": true}

// namedBill: "the comcast bill", "die O2 Rechnung": a bill named.
var namedBill = regexp.MustCompile(`\b(?:the|my|die|meine) [a-z0-9]+(?: [a-z0-9]+)? (?:bill|rechnung)\b`)

// slotItems holds the transactions a list read out (merchant, phrase and
// day of each, in order), and slotItem the one talked about since.
const (
	slotItems = "items"
	slotItem  = "item"
)

// itemFollowUp answers a question about one of the transactions just
// read out: "how much was the amazon one", "and the one before that",
// "when was that", "und die davor", "wann war das".
func (s *Skill) itemFollowUp(r *Request) *Response {
	prev := s.previous(r)
	if prev == nil || r.Text == "" || r.st.Dialog != nil || prev.Slots.String(slotItems) == "" && prev.Alert == nil || r.turn.paged {
		return nil
	}
	norm := intents.Normalize(r.Text)
	t := " " + norm + " "
	if len(strings.Fields(norm)) > 9 || actionWords(norm) {
		return nil
	}
	if prev.Alert != nil && prev.Alert.When != "" && containsAny(t, " when was it", " when was that", " wann war das", " when did that happen", " what day was it") {
		return anythingElse(langOf(r.Locale), langOf(r.Locale).msg("tx.item.when", prev.Alert.When)) // the alert's charge
	}
	var items [][]string
	for _, it := range strings.Split(prev.Slots.String(slotItems), "\x1e") {
		if f := strings.Split(it, "\x1f"); len(f) == 3 {
			items = append(items, f)
		}
	}
	cur := -1
	if v, err := strconv.Atoi(prev.Slots.String(slotItem)); err == nil && v >= 0 && v < len(items) {
		cur = v
	}
	if cur < 0 && len(items) == 1 && len(strings.Fields(norm)) <= 3 {
		cur = 0 // "Wann genau?" after the one rent payment read out (not "und wann kam mein Gehalt")
	}
	l := langOf(r.Locale)
	pick := -1
	kind := "what"
	switch {
	case containsAny(t, " one before that", " one before ", " before that", " the previous one", " und davor", " die davor", " den davor", " das davor", " vorher", " der davor"):
		if len(items) == 1 {
			return nil // one was read out: the one before it is another question
		}
		if cur < 0 {
			cur = 0
		}
		pick = cur + 1
		if pick >= len(items) {
			return anythingElse(l, l.msg("tx.item.none_before"))
		}
	case cur >= 0 && containsAny(t, " when was that", " when was it", " when was this", " what day was that", " wann war das", " wann war der", " an welchem tag",
		" when exactly", " what date", " which day", " wann genau", " welches datum", " an welchem datum", " wann denn") &&
		!containsAny(t, " next", " nächste", " kommt", " coming", " due ", " fällig") ||
		cur >= 0 && len(strings.Fields(norm)) <= 3 && containsAny(t, " und wann ") && !containsAny(t, " next", " nächste", " kommt"):
		// (not "und wann kam mein Gehalt"; "und wann kommt das nächste" asks ahead)
		pick, kind = cur, "when"
	case cur >= 0 && containsAny(t, " how much was it", " how much was that", " how much was this", " wie viel war das", " wie viel war es", " wie viel war der", " wie hoch war"):
		pick = cur
	case containsAny(t, " how much was", " how much is", " wie viel war", " wie viel kostete", " what was the ", " was war ") &&
		!containsAny(t, " spend", " spent", " ausgegeben", " total", " insgesamt") && merchantPhrase(norm, r.Locale, r.Now) == "":
		if m := theOne.FindStringSubmatch(norm); m != nil {
			for i, it := range items {
				if strings.Contains(" "+intents.Normalize(it[0])+" ", " "+m[1]+" ") || strings.HasPrefix(intents.Normalize(it[0]), m[1]) {
					pick = i
					break
				}
			}
		}
		if pick < 0 {
			for i, it := range items {
				for _, w := range strings.Fields(intents.Normalize(it[0])) {
					if len(w) >= 3 && strings.Contains(t, " "+w+" ") {
						pick = i
					}
				}
				if pick >= 0 {
					break
				}
			}
		}
	}
	if pick < 0 {
		return nil
	}
	slots := cloneSlots(prev.Slots)
	slots[slotItem] = strconv.Itoa(pick)
	s.remember(r, prev.Intent, slots)
	if kind == "when" {
		return anythingElse(l, l.msg("tx.item.when", strings.TrimSpace(items[pick][2])))
	}
	return anythingElse(l, upperFirst(items[pick][1])+".")
}

// pageFollowUp reads "and the ones before that", "any older ones?",
// "show me more", "die älteren" right after a list of transactions as
// that list going on: the ones before those read out, as many again
// (or as many as the turn says: "the three before those"), with the
// same account, merchant, category and period. One item ("and the one
// before that") is itemFollowUp's.
func (s *Skill) pageFollowUp(r *Request) {
	prev := s.previous(r)
	if prev == nil || r.Text == "" || prev.Intent != intents.ListTransactions || prev.Slots.String(slotPending) != "" || prev.Slots.String(slotTop) != "" ||
		prev.Slots.String(slotItems) == "" && prev.Slots.String(slotOffset) == "" {
		return
	}
	norm := intents.Normalize(r.Text)
	words := strings.Fields(norm)
	for len(words) > 1 && (fillers[words[0]] || leadAcks[words[0]]) {
		words = words[1:]
	}
	norm = strings.Join(words, " ")
	t := " " + norm + " "
	if len(words) > 8 || actionWords(norm) || r.Slots[intents.SlotMerchant] != nil || r.Slots[intents.SlotCategory] != nil ||
		r.Slots[intents.SlotDateRange] != nil || r.Slots[intents.SlotAccount] != nil {
		return
	}
	older := containsAny(t, " ones before", " before those", " before these", " older ones", " any older", " older transactions", " earlier ones",
		" any earlier", " earlier transactions", " the rest ", " next ones", " next few", " show more", " show me more", " any more", " more transactions",
		" more of them", " keep going", " die älteren", " ältere umsätze", " ältere ", " weitere umsätze", " noch mehr", " mehr umsätze",
		" die nächsten", " die restlichen", " die vorherigen", " frühere") ||
		norm == "more" || norm == "and more" || norm == "more please" || norm == "mehr" || norm == "weiter" || norm == "und weiter"
	if !older && prev.Slots.String(slotItem) == "" {
		// "and before that?" with no one transaction talked about yet:
		// the ones before the list, not its second line
		switch norm {
		case "and before that", "before that", "what about before that", "and before", "und davor", "davor", "und was war davor":
			older = true
		}
	}
	if !older {
		return
	}
	shown, _ := strconv.Atoi(prev.Slots.String(slotOffset))
	if shown == 0 {
		shown = len(strings.Split(prev.Slots.String(slotItems), "\x1e"))
	}
	slots := cloneSlots(prev.Slots)
	delete(slots, slotItems)
	delete(slots, slotItem)
	slots[slotOffset] = strconv.Itoa(shown)
	if n := intents.ParseCount(norm, r.Locale); n > 0 {
		slots[intents.SlotCount] = n
	}
	r.Intent, r.Slots, r.Confidence, r.turn.inContext, r.turn.paged = intents.ListTransactions, slots, 1, true, true
}

// namesOne: the words say "the <name> one" ("the comcast one"), not
// "the first one".
func namesOne(norm string) bool {
	m := theOne.FindStringSubmatch(norm)
	if m == nil {
		return false
	}
	f := strings.Fields(m[1])
	return !oneWords[f[0]] && !oneWords[f[len(f)-1]]
}

// theOne: "the costco one".
var theOne = regexp.MustCompile(`\bthe ([a-z]+(?: [a-z]+)?) one\b`)

// intoIt are the pronouns taken for a payee's name in "überweis 50 Euro
// drauf": the account just talked about.
var intoIt = map[string]bool{"drauf": true, "darauf": true, "dahin": true, "dorthin": true, "rauf": true, "it": true, "there": true, "rein": true}

// followUp reads an elliptical turn in the light of the last answer: it
// takes the last answer's intent and slots, with what this turn names in
// place of theirs. It changes nothing when the turn stands on its own.
func (s *Skill) followUp(r *Request) {
	prev := s.previous(r)
	if prev == nil || r.Text == "" || prev.Intent == "" || r.turn.inContext {
		return // (a reading already made in context stands: plainReading)
	}
	if socialOf(r) != notSocial {
		return // "no worries, cheers" after a total: thanks, no merchant named "No Worries Cheers"
	}
	norm := intents.Normalize(r.Text)
	words := strings.Fields(norm)
	for len(words) > 1 && (fillers[words[0]] || leadAcks[words[0]] || thanksLead[words[0]] || words[0] == "thank" && words[1] == "you") {
		if words[0] == "thank" {
			words = words[1:] // "thank you. and the checking account"
		}
		words = words[1:] // "ok so um what about savings"
	}
	for len(words) > 2 && mannerTail[words[len(words)-1]] {
		words = words[:len(words)-1] // "…, nice and slowly", "…, bitte langsam"
		if len(words) > 2 && words[len(words)-1] == "and" && words[len(words)-2] == "nice" {
			words = words[:len(words)-2]
		}
	}
	norm = strings.Join(words, " ")
	lead := leadEN
	if intents.German(r.Locale) {
		lead = leadDE
	}
	if a := prev.Slots[intents.SlotAccount]; a != nil && prev.Intent == intents.GetBalance && r.Intent == intents.GetBalance && r.Slots[intents.SlotAccount] == nil &&
		containsAny(" "+norm+" ", " damit ", " davon ", " drauf ", " darauf ", " on it ", " with it ", " on there ", " in there ", " on that ", " with that ") {
		// "und wie viel kann ich noch ausgeben damit" after the Visa
		// card's balance: that card's, not every balance
		r.Slots[intents.SlotAccount], r.Confidence, r.turn.inContext = a, 1, true
		return
	}
	if b := prev.Slots[intents.SlotBiller]; b != nil && billFamily[prev.Intent] && prev.Intent != intents.PayBill && len(words) <= 22 && paysTheBill(norm) &&
		(r.Slots[intents.SlotBiller] == nil || r.Slots.String(intents.SlotBiller) == prev.Slots.String(intents.SlotBiller)) &&
		r.Slots[intents.SlotPayee] == nil && r.Slots[intents.SlotToAccount] == nil && !namedBill.MatchString(norm) && !namesOne(norm) {
		// "would you pay it for me today from my checking account",
		// "schedule it for december 15th", "Dann zahl die bitte am 15.
		// Dezember", "go on then, pay that one instead": after a bill's
		// amount or due date, a payment that names no other bill or
		// person pays that bill (read back, then the PIN). A number
		// without a currency is no amount here ("december 15th", "that
		// one"): the bill's own amount is read back.
		payBillInContext(r, norm, b)
		return
	}
	if k := intents.ParseCard(norm); prev.Intent == intents.CardDeclined && prev.Slots[intents.SlotCard] == nil && k != "" && len(words) <= 6 && !actionWords(norm) &&
		!asksSomething(r.Text) && !(r.Intent != intents.CardDeclined && r.Confidence >= actMin && saysOwn(r.Intent, norm)) {
		// (not "debit card expiry", confidently a question of its own)
		// "the visa, the rewards one" after "my card got declined, why":
		// that card's decline (it read the card's rewards)
		slots := cloneSlots(prev.Slots)
		slots[intents.SlotCard] = k
		r.Intent, r.Slots, r.Confidence, r.turn.inContext = intents.CardDeclined, slots, 1, true
		return
	}
	if a := prev.Slots[intents.SlotAmount]; a != nil && prev.Intent == intents.TransferMoney && r.Slots[intents.SlotAmount] == nil &&
		(r.Intent == intents.Fallback || r.Intent == intents.TransferMoney || r.Intent == intents.Repeat || s.unsure(r) || r.Confidence < faqUnsure) && len(words) <= 12 {
		if name, from := againFor(" " + norm + " "); name != "" {
			// "do that again but for alice", "and do the same for emily
			// clarke", "das gleiche nochmal für Max": the same amount from
			// the same account to the payee named (read back, then the
			// PIN; a name that is no saved payee is asked about); "for
			// alice from savings" from the account named.
			slots := intents.Slots{intents.SlotAmount: a, intents.SlotPayee: name}
			if k := intents.ParseAccount(from); from != "" && k != "" {
				slots[intents.SlotFromAccount] = k
			} else if f := prev.Slots[intents.SlotFromAccount]; f != nil && from == "" {
				slots[intents.SlotFromAccount] = f
			}
			r.Intent, r.Slots, r.Confidence, r.turn.inContext = intents.TransferMoney, slots, 1, true
			return
		}
	}
	if a := prev.Slots[intents.SlotAmount]; a != nil && prev.Intent == intents.TransferMoney && r.Intent == intents.TransferMoney && r.Slots[intents.SlotAmount] == nil &&
		r.Slots[intents.SlotPayee] != nil && r.Slots.String(intents.SlotPayee) != prev.Slots.String(intents.SlotPayee) && len(words) <= 12 &&
		containsAny(" "+norm+" ", " send it ", " pay it ", " transfer it ", " give it ", " the same ", " same amount", " schick es ", " überweis es ", " überweise es ",
			" den betrag ", " dasselbe ", " das gleiche ") {
		// "send it to Carol then" after "pay Dave 20 dollars" (Dave is no
		// saved payee): the same amount to the payee now named (read back,
		// then the PIN).
		r.Slots = cloneSlots(r.Slots)
		r.Slots[intents.SlotAmount] = a
		r.Confidence, r.turn.inContext = 1, true
		return
	}
	if prev.Slots.String(intents.SlotAccount) == "credit_card" && (prev.Intent == intents.GetBalance || prev.Intent == intents.CreditLimit) && r.Intent == intents.PayBill &&
		len(words) <= 12 && r.Slots[intents.SlotBiller] == nil && r.Slots[intents.SlotPayee] == nil && r.Slots[intents.SlotToAccount] == nil && paysTheBill(norm) &&
		!namedBill.MatchString(norm) && !namesOne(norm) {
		// "pay it off from my current account", "dann zahl die vom
		// Girokonto ab" after the credit card's balance: the card's
		// payment (read back, then the PIN) (was: "Which bill: …?").
		payBillInContext(r, norm, "credit_card")
		return
	}
	if prev.Intent == intents.IncomeSummary && len(words) <= 6 && containsAny(" "+norm+" ", " how much was it", " how much was that", " how much did i get", " how much was the",
		" how much is it", " how much is that", " how much will it be", " how much will that be", " how much will i get", " how much do i get", " how much is the",
		" wie viel war es", " wie viel war das", " wie viel wars", " wie viel hab ich bekommen", " wie viel kam", " wie viel ist es", " wie viel ist das",
		" wie viel wird es", " wie viel wird das", " wie viel kriege ich", " wie viel krieg ich", " wie viel kriegt man", " wie viel bekomme ich", " wie viel bekomm ich",
		" wieviel ist das", " wieviel war das", " wie hoch ist es", " wie hoch ist das", " wie hoch war es", " wie hoch war das") {
		// "how much was it?", "and how much will it be?", "wie viel
		// ist das" after when the wages came or come in: that pay again
		// (was: a card's statement balance). The amount is asked: the
		// last pay's, not the next one's day again.
		slots := cloneSlots(prev.Slots)
		delete(slots, slotNext)
		r.Intent, r.Slots, r.Confidence, r.turn.inContext = intents.IncomeSummary, slots, 1, true
		return
	}
	if (prev.Intent == intents.ListTransactions || prev.Intent == intents.SpendingSummary) && lead.MatchString(norm) && !actionWords(norm) &&
		prev.Slots.String(slotPending) == "" {
		// "what about on my credit card", "und aufm Girokonto?" after a
		// list or a total: the same on that account (it was read as the
		// account's balance).
		if k := bareAccount(" " + lead.ReplaceAllString(norm, "") + " "); k != "" {
			slots := cloneSlots(prev.Slots)
			for _, x := range []string{slotItems, slotItem, slotOffset, slotTop} {
				delete(slots, x)
			}
			slots[intents.SlotAccount] = k
			r.Intent, r.Slots, r.Confidence, r.turn.inContext = prev.Intent, slots, 1, true
			return
		}
	}
	if prev.Intent == intents.GetBalance && len(words) <= 9 && containsAny(" "+norm+" ", " available", " verfügbar", " to spend", " booked", " gebucht", " buchungsstand") &&
		!actionWords(norm) && (r.Intent == intents.Fallback || r.Intent == intents.GetBalance || s.unsure(r) || r.Confidence < faqUnsure && s.readsOnly(r.Intent)) {
		// "und wie viel ist davon wirklich verfügbar" after a balance: the
		// same account's balance, which says both.
		slots := intents.Slots{}
		if k := intents.ParseAccount(norm); k != "" {
			slots[intents.SlotAccount] = k
		} else if v := prev.Slots[intents.SlotAccount]; v != nil {
			slots[intents.SlotAccount] = v
		}
		r.Intent, r.Slots, r.Confidence, r.turn.inContext = intents.GetBalance, slots, 1, true
		return
	}
	if r.Intent == intents.TransferMoney && prev.Intent == intents.GetBalance && prev.Slots.String(intents.SlotAccount) != "" &&
		r.Slots[intents.SlotToAccount] == nil && (r.Slots[intents.SlotPayee] == nil || intoIt[r.Slots.String(intents.SlotPayee)]) &&
		containsAny(" "+norm+" ", " into it ", " in it ", " to it ", " onto it ", " into that ", " to that one ", " in there ", " there ",
			" drauf ", " darauf ", " dahin ", " dorthin ", " da rauf ", " rauf ", " hin ", " da rein ", " rein ", " dort ") &&
		prev.Slots.String(intents.SlotAccount) != r.Slots.String(intents.SlotFromAccount) {
		// "move 50 quid into it from my current account", "überweis 50
		// Euro drauf" after an account's balance: to that account (was:
		// "Who should get the money?", or a payee named "drauf").
		slots := cloneSlots(r.Slots)
		delete(slots, intents.SlotPayee)
		slots[intents.SlotToAccount] = prev.Slots[intents.SlotAccount]
		r.Slots, r.turn.inContext = slots, true
		return
	}
	if (r.Intent == intents.TransferMoney || r.Intent == intents.PayBill) && s.readsOnly(prev.Intent) && prev.Intent == intents.GetBalance &&
		r.Slots[intents.SlotAmount] == nil && !actionWords(norm) && intents.ParseAccount(norm) != "" {
		// "and the savings one, the goal one" after a balance: that
		// account's balance; nothing is sent without a verb or an amount.
		r.Intent, r.Slots, r.Confidence, r.turn.inContext = intents.GetBalance, intents.Slots{intents.SlotAccount: intents.ParseAccount(norm)}, 1, true
		return
	}
	if prev.Intent == intents.GetBalance && len(words) <= 6 && lead.MatchString(norm) && !actionWords(norm) && !asksForPerson(norm) &&
		!containsAny(" "+norm+" ", " locked", " gesperrt", " expire", " ablauf", " limit", " work", " funktion") {
		// "und auf der Visa Karte" after a balance: that account's
		// balance (it was read as unlocking the card).
		k := intents.ParseAccount(norm)
		if k == "" {
			switch intents.ParseCard(norm) {
			case "credit":
				k = "credit_card"
			case "debit":
				k = "checking"
			}
		}
		if k != "" {
			r.Intent, r.Slots, r.Confidence, r.turn.inContext = intents.GetBalance, intents.Slots{intents.SlotAccount: k}, 1, true
			return
		}
	}
	if prev.Listed != "" && r.Slots[intents.SlotBiller] == nil && !(r.Intent == intents.PayBill && r.Confidence >= 0.9 && prev.Slots.String("listed") != "") &&
		containsAny(" "+norm+" ", " bill", " rechnung", " direct debit", " lastschrift", " you mentioned", " you said", " du genannt", " du gesagt", " erwähnt") {
		// "what was the first bill you mentioned", "die erste Rechnung,
		// wann ist die fällig" a few turns after the bills were read out
		names := strings.Split(prev.Listed, "|")
		for _, w := range words {
			i, ok := ordinals[w]
			if !ok {
				continue
			}
			if i < 0 {
				i = len(names) - 1
			}
			if i < len(names) {
				in := intents.BillBalance
				switch t := " " + norm + " "; {
				case containsAny(t, " pay", " zahl", " begleich", " überweis"):
					in = intents.PayBill
				case containsAny(t, " when", " wann", " due", " fällig"):
					in = intents.BillDueDate
				}
				r.Intent, r.Slots, r.Confidence, r.turn.inContext = in, intents.Slots{intents.SlotBiller: names[i]}, 1, true
				return
			}
			break
		}
	}
	spent := norm
	if m := theOne.FindStringSubmatch(norm); m != nil && merchantPhrase(norm, r.Locale, r.Now) == "" && intents.ParseAccount(m[1]) == "" && intents.ParseCard(m[1]) == "" &&
		!oneWords[strings.Fields(m[1])[0]] && !oneWords[strings.Fields(m[1])[len(strings.Fields(m[1]))-1]] {
		spent = strings.Replace(norm, m[0], "at "+m[1], 1) // "the costco one" is what was spent at Costco
	}
	if (r.Intent == intents.Repeat || r.Intent == intents.Fallback || s.unsure(r)) && containsAny(" "+spent+" ", " how much", " wie viel", " again", " nochmal", " noch mal") &&
		(prev.Intent == intents.SpendingSummary || prev.Intent == intents.ListTransactions) && merchantPhrase(spent, r.Locale, r.Now) != "" {
		// "wie viel war das nochmal bei Lidl" after Kaufland: Lidl's, not
		// the last answer again.
		slots := intents.Slots{}
		intents.FillSlots(prev.Intent, spent, r.Locale, r.Now, slots)
		if slots[intents.SlotMerchant] != nil {
			for _, k := range []string{intents.SlotDateRange, intents.SlotAccount} {
				if v := prev.Slots[k]; v != nil && slots[k] == nil {
					slots[k] = v
				}
			}
			r.Intent, r.Slots, r.Confidence, r.turn.inContext = prev.Intent, slots, 1, true
			return
		}
	}
	if prev.Intent == intents.IncomeSummary && r.Slots[intents.SlotMerchant] == nil && r.Slots[intents.SlotCategory] == nil &&
		(containsAny(" "+norm+" ", " next ", " nächste", " naechste") || periodBefore(norm)) && !actionWords(norm) {
		// "und wann kommt das nächste?", "and the month before?" after the
		// salary: about the pay, not a card's due date.
		slots := intents.Slots{}
		if periodBefore(norm) {
			m := time.Date(r.Now.Year(), r.Now.Month(), 1, 0, 0, 0, 0, time.UTC).AddDate(0, -1, 0)
			if dr, ok := prev.Slots.DateRange(intents.SlotDateRange); ok {
				if shifted, ok := monthBefore(dr); ok {
					slots[intents.SlotDateRange] = shifted
				}
			} else {
				slots[intents.SlotDateRange] = intents.DateRange{Start: m.Format(time.DateOnly), End: m.AddDate(0, 1, -1).Format(time.DateOnly)}
			}
		} else {
			slots[slotNext] = "1"
		}
		r.Intent, r.Slots, r.Confidence, r.turn.inContext = intents.IncomeSummary, slots, 1, true
		return
	}
	if k := prev.Slots.String(intents.SlotCard); (k == "debit" || k == "credit") && len(words) <= 6 && r.Slots[intents.SlotCard] == nil &&
		containsAny(" "+norm+" ", " lost it", " lost that", " lost that one", " it was stolen", " its been stolen", " it got stolen", " someone stole it", " hab sie verloren",
			" habe sie verloren", " sie ist weg", " die ist weg", " sie wurde geklaut", " sie wurde gestohlen", " die wurde geklaut", " sie verloren", " die verloren") {
		// "i lost it" after a question about the credit card: that card
		// is lost (the block for good is read back first).
		r.Intent, r.Slots, r.Confidence, r.turn.inContext = intents.ReportLostCard, intents.Slots{intents.SlotCard: k}, 1, true
		return
	}
	if asksForBiggest(r) && (prev.Intent == intents.ListTransactions || prev.Intent == intents.SpendingSummary) && len(words) <= 6 &&
		merchantPhrase(norm, r.Locale, r.Now) == "" && r.Slots[intents.SlotCategory] == nil && (!s.sensitive(r.Intent) || r.Confidence < actMin || !actionWords(norm) && !asksForPerson(norm)) {
		// "what was the biggest one", "und die größte?" after a list or
		// a total: the biggest purchase of what was just said.
		slots := intents.Slots{}
		for _, k := range []string{intents.SlotDateRange, intents.SlotMerchant, intents.SlotCategory, intents.SlotAccount, slotPending, slotShown} {
			if v := prev.Slots[k]; v != nil {
				slots[k] = v
			}
		}
		if dr, ok := r.Slots.DateRange(intents.SlotDateRange); ok {
			slots[intents.SlotDateRange] = dr
			delete(slots, slotShown)
		}
		r.Intent, r.Slots, r.Confidence, r.turn.inContext = intents.ListTransactions, slots, 1, true
		return
	}
	if r.Intent == intents.ListTransactions && prev.Intent != intents.ListTransactions && lead.MatchString(norm) && r.Slots[intents.SlotCategory] != nil &&
		!containsAny(" "+norm+" ", " show", " list", " transaction", " purchase", " charge", " payment", " zeig", " umsätze", " umsatz", " buchung", " last ", " letzte") {
		// "what about groceries this month" after a balance: what was
		// spent on them, not a list.
		r.Intent = intents.SpendingSummary
	}
	if k := prev.Slots.String(intents.SlotCard); (k == "debit" || k == "credit") && containsAny(" "+norm+" ", " other card", " other one", " the other ",
		" andere karte", " anderen karte", " die andere ", " der anderen ") {
		// "and the other card" after the debit card: the credit card, in
		// the last question when the turn asks nothing else.
		other := map[string]string{"debit": "credit", "credit": "debit"}[k]
		pin, _ := intents.Lookup(prev.Intent)
		if in, ok := intents.Lookup(r.Intent); ok && in.HasSlot(intents.SlotCard) && (s.readsOnly(r.Intent) && r.Confidence >= readMin || r.Confidence >= actMin) &&
			!(r.Confidence < faqUnsure && r.Intent != prev.Intent && pin.HasSlot(intents.SlotCard) && s.readsOnly(prev.Intent) && len(words) <= 12) {
			// (unsure of another reading, "ok and the other one, when does
			// that one run out" after the debit card's expiry is the same
			// question: below)
			r.Slots[intents.SlotCard] = other
			if containsAny(" "+norm+" ", " it ", " that one ", " sie ", " die ") && r.Confidence >= faqUnsure {
				return // "and the other one, when does it expire": "it" is the other card now, not the last one
			}
		} else if in, ok := intents.Lookup(prev.Intent); ok && in.HasSlot(intents.SlotCard) && (len(words) <= 6 || len(words) <= 12 && (r.Confidence < faqUnsure || r.Intent == intents.Fallback && !actionWords(norm))) && s.readsOnly(prev.Intent) &&
			(!s.sensitive(r.Intent) || r.Confidence < actMin) {
			// (only a question carries over: "the other card is fine
			// though" after a lock locks nothing; "und die andere, wann
			// läuft die ab", read as nothing, is the same question)
			r.Intent, r.Slots, r.Confidence, r.turn.inContext = prev.Intent, intents.Slots{intents.SlotCard: other}, 1, true
			return
		} else if in := sibling(prev, norm); r.Intent == intents.Fallback && len(words) <= 12 && in != "" && cardFamily[in] && s.readsOnly(in) && !actionWords(norm) {
			// "und die andere, wann läuft die ab" after unlocking the
			// girocard: the other card's expiry (a question only)
			r.Intent, r.Slots, r.Confidence, r.turn.inContext = in, intents.Slots{intents.SlotCard: other}, 1, true
			return
		}
	}
	if (prev.Intent == intents.ListTransactions && containsAny(" "+norm+" ", " how much", " wie viel", " summe") ||
		containsAny(" "+norm+" ", " all together", " altogether", " in total", " insgesamt", " zusammen", " total ")) &&
		(prev.Intent == intents.ListTransactions || prev.Intent == intents.SpendingSummary) && r.st.Dialog == nil &&
		containsAny(" "+norm+" ", " that", " those ", " these ", " them ", " it ", " das ", " die ", " alles ", " zusammen", " altogether") &&
		!containsAny(" "+norm+" ", " how many ", " wie viele ") {
		// "how much was that all together", "und wie viel war das
		// insgesamt" after a list or a total: the total of what it was about.
		slots := intents.Slots{}
		for _, k := range []string{intents.SlotMerchant, intents.SlotCategory, intents.SlotDateRange, intents.SlotAccount} {
			if v := prev.Slots[k]; v != nil {
				slots[k] = v
			}
		}
		if c := r.Slots[intents.SlotCategory]; c != nil {
			// "groceries altogether that month": that category, in the
			// period talked about ("… last month": that one).
			delete(slots, intents.SlotMerchant)
			slots[intents.SlotCategory] = c
		}
		if dr, _, ok := intents.ParseDateRange(norm, r.Locale, r.Now); ok {
			slots[intents.SlotDateRange] = dr
		}
		r.Intent, r.Slots, r.Confidence, r.turn.inContext = intents.SpendingSummary, slots, 1, true
		return
	}
	if listed := prev.Slots.String("listed"); listed != "" && r.Intent == intents.PayBill && r.Slots[intents.SlotBiller] == nil {
		// "pay the first one" after the bills were read out: in that order.
		names := strings.Split(listed, "|")
		for _, w := range words { // the first ordinal said ("the first one, not the second")
			if i, ok := ordinals[w]; ok {
				if i < 0 {
					i = len(names) - 1
				}
				if i < len(names) {
					r.Slots[intents.SlotBiller] = names[i]
				}
				break
			}
		}
	}
	if (r.Intent == intents.ProvidePin || r.Intent == intents.Fallback || r.Intent == intents.TransferMoney && r.Slots[intents.SlotPayee] == nil && r.Slots[intents.SlotToAccount] == nil) &&
		prev.Intent == intents.TransferMoney && r.st.Dialog == nil && len(words) <= 8 &&
		containsAny(" "+norm+" ", " then", " instead", " just ", " make it", " do ", " send ", " dann", " halt", " nur ", " stattdessen", " mach ", " nimm ") {
		// "ok then just do 2000", "okay, dann fünfzehnhundert" after a
		// refused transfer: that transfer with this amount (read back),
		// not a PIN (nothing asked for one).
		if a, _, ok := intents.ParseAmount(norm, r.Locale, true); ok && !spokenDigits(norm) {
			slots := intents.Slots{intents.SlotAmount: a}
			for _, k := range []string{intents.SlotPayee, intents.SlotFromAccount, intents.SlotToAccount} {
				if v := prev.Slots[k]; v != nil {
					slots[k] = v
				}
			}
			r.Intent, r.Slots, r.Confidence, r.turn.inContext = intents.TransferMoney, slots, 1, true
			return
		}
	}
	if prev.Intent == intents.TransferMoney && prev.Slots[intents.SlotAmount] != nil && r.st.Dialog == nil && len(words) <= 8 && r.Slots[intents.SlotPayee] == nil &&
		(r.Intent == intents.Fallback || r.Confidence < actMin || r.Intent == intents.TransferMoney && r.Slots[intents.SlotToAccount] == nil) && !actionWords(norm) &&
		containsAny(" "+norm+" ", " then ", " instead", " dann ", " stattdessen", " lieber ", " try ", " versuch") &&
		!containsAny(" "+norm+" ", " not ", " dont ", " do not ", " wont ", " no ", " nicht ", " kein", " nein ", " never ", " nie ", " thanks", " thank you", " danke") {
		// (a bare "from checking" after a cancelled transfer revives nothing)
		// "ok, from the current account then" after a transfer refused
		// for the savings it was to come from: that transfer from there
		// (read back again, then the PIN)
		for _, pre := range []string{" from ", " vom ", " von ", " out of "} {
			if i := strings.Index(" "+norm+" ", pre); i >= 0 {
				if k := intents.ParseAccount((" " + norm + " ")[i+len(pre):]); k != "" && k != prev.Slots.String(intents.SlotFromAccount) {
					slots := intents.Slots{intents.SlotFromAccount: k}
					for _, x := range []string{intents.SlotAmount, intents.SlotPayee, intents.SlotToAccount} {
						if v := prev.Slots[x]; v != nil {
							slots[x] = v
						}
					}
					if slots.String(intents.SlotToAccount) != k {
						r.Intent, r.Slots, r.Confidence, r.turn.inContext = intents.TransferMoney, slots, 1, true
						return
					}
				}
			}
		}
	}
	if prev.Intent == intents.IncomeSummary && (r.Intent == intents.SpendingSummary || r.Intent == intents.ListTransactions) &&
		r.Slots[intents.SlotMerchant] == nil && r.Slots[intents.SlotCategory] == nil &&
		containsAny(" "+norm+" ", " get ", " got ", " receive", " earn", " make ", " made ", " get paid", " bekommen", " gekriegt", " verdient", " eingegangen", " reinbekommen", " rein ") &&
		!containsAny(" "+norm+" ", " spen", " spent", " ausgegeben", " bought", " gekauft") {
		// "how much did I get in September" after the income: the income.
		slots := intents.Slots{}
		if v := r.Slots[intents.SlotDateRange]; v != nil {
			slots[intents.SlotDateRange] = v
		}
		r.Intent, r.Slots, r.Confidence, r.turn.inContext = intents.IncomeSummary, slots, 1, true
		return
	}
	if r.Intent == intents.TransferMoney && prev.Intent == intents.TransferMoney && (r.Slots[intents.SlotPayee] == nil || pronounPayee(r.Slots.String(intents.SlotPayee))) && r.Slots[intents.SlotToAccount] == nil &&
		r.Slots[intents.SlotAmount] != nil && containsAny(" "+norm+" ", " then", " instead", " ok ", " okay", " dann", " stattdessen", " halt") {
		// "ok send twenty five hundred then" after a refused transfer: to
		// the same recipient (read back before anything moves).
		for _, k := range []string{intents.SlotPayee, intents.SlotToAccount, intents.SlotFromAccount} {
			if v := prev.Slots[k]; v != nil && r.Slots[k] == nil {
				r.Slots[k] = v
			}
		}
	}
	if p := r.Slots.String(intents.SlotPayee); pronounPayee(p) {
		// "send him a hundred": the payee named last, or nobody.
		if prev.Slots[intents.SlotPayee] != nil {
			r.Slots[intents.SlotPayee] = prev.Slots[intents.SlotPayee]
		} else {
			delete(r.Slots, intents.SlotPayee)
		}
	}
	if m := prev.Slots[intents.SlotMerchant]; m != nil && r.Slots[intents.SlotMerchant] == nil && r.Slots[intents.SlotCategory] == nil &&
		(r.Intent == intents.SpendingSummary || r.Intent == intents.ListTransactions) && containsAny(" "+norm+" ", " da ", " dort ", " there ") &&
		merchantPhrase(norm, r.Locale, r.Now) == "" {
		// "wie viel hab ich da diesen Monat gelassen": there is the merchant
		r.Slots[intents.SlotMerchant] = m
		r.turn.merchantAsBank = true
	}
	if samePeriod(norm) {
		// "groceries altogether that month", "im selben Monat": the last
		// answer's period.
		if dr := prev.Slots[intents.SlotDateRange]; dr != nil && r.Slots[intents.SlotDateRange] == nil {
			if in, ok := intents.Lookup(r.Intent); ok && in.HasSlot(intents.SlotDateRange) {
				r.Slots[intents.SlotDateRange] = dr
			}
		}
	}
	if s.readsOnly(prev.Intent) && (correcting(norm) || containsAny(" "+norm+" ", " i meant ", " it was the ", " es war die ", " es war der ", " ich meinte ", " meinte die ")) {
		// "no, I meant the credit card", "it was the credit card": the last
		// question again, about what the turn names.
		found := intents.Slots{}
		intents.FillSlots(prev.Intent, norm, r.Locale, r.Now, found)
		if in, ok := intents.Lookup(prev.Intent); ok && in.HasSlot(intents.SlotCard) && found[intents.SlotCard] == nil {
			if k, ok := found[intents.SlotAccount].(string); ok && k == "credit_card" {
				found[intents.SlotCard] = "credit"
			}
		}
		for _, k := range []string{intents.SlotCard, intents.SlotAccount} {
			if in, ok := intents.Lookup(prev.Intent); ok && !in.HasSlot(k) {
				delete(found, k)
			}
		}
		if found[intents.SlotCard] != nil || found[intents.SlotAccount] != nil {
			slots := intents.Slots{}
			for k, v := range prev.Slots {
				slots[k] = v
			}
			for k, v := range found {
				slots[k] = v
			}
			r.Intent, r.Slots, r.Confidence, r.turn.inContext = prev.Intent, slots, 1, true
			return
		}
	}
	if prev.Intent == intents.SpendingSummary && compares(norm) {
		// "war das mehr als im Oktober": the last total against that one.
		slots := intents.Slots{}
		for k, v := range prev.Slots {
			slots[k] = v
		}
		r.Intent, r.Slots, r.Confidence, r.turn.inContext = intents.SpendingSummary, slots, 1, true
		if dr, _, ok := intents.ParseDateRange(norm, r.Locale, r.Now); ok {
			r.turn.comparedWith = &dr
		}
		return
	}
	if prev.Intent == intents.Fees && lead.MatchString(norm) && r.Intent != prev.Intent {
		for _, ws := range feeWords {
			if containsAny(" "+norm+" ", ws...) {
				// "and if I use an ATM in Mexico" after the fees
				r.Intent, r.Slots, r.Confidence, r.turn.inContext = intents.Fees, intents.Slots{}, 1, true
				return
			}
		}
	}
	elliptic := lead.MatchString(norm) || len(words) <= 3
	hasPronoun := false
	for i, w := range words {
		if pronouns[w] && (!articles[w] || i == len(words)-1 || particles[words[i+1]]) {
			hasPronoun = true // "die" in "wann läuft die ab", not in "die Dispozinsen"
		}
	}
	// "unlock it again", "wann läuft die ab": the card or account of the
	// last answer, when this turn names none.
	if in, ok := intents.Lookup(r.Intent); ok && hasPronoun && (len(words) <= 8 || len(words) <= 14 && cardFamily[r.Intent]) && r.Intent != intents.Fallback {
		// ("oh wait found it, it was in my jacket. unlock it again please")
		for _, k := range []string{intents.SlotCard, intents.SlotAccount, intents.SlotBiller} {
			if in.HasSlot(k) && r.Slots[k] == nil && prev.Slots[k] != nil {
				r.Slots[k] = prev.Slots[k]
				if s.readsOnly(r.Intent) {
					r.turn.inContext = true // "what interest do i pay on it": the card's, not the FAQ's general answer
				}
			}
		}
		if in.HasSlot(intents.SlotCard) && r.Slots[intents.SlotCard] == nil && prev.Slots[intents.SlotCard] == nil {
			if k, ok := prev.Slots[intents.SlotAccount].(string); ok && k == "credit_card" {
				r.Slots[intents.SlotCard] = "credit"
			}
		}
	}
	if (r.Intent == intents.BillDueDate || r.Intent == intents.BillBalance || r.Intent == intents.MinimumPayment) && r.Slots[intents.SlotBiller] == nil &&
		prev.Slots[intents.SlotBiller] != nil && billFamily[prev.Intent] && len(words) <= 8 && intents.ParseCard(norm) == "" && intents.ParseAccount(norm) == "" &&
		!namesOne(norm) && !namedBill.MatchString(norm) {
		// "wann ich muss bezahlen" after the O2 bill: that bill's, not
		// the credit card's.
		r.Slots[intents.SlotBiller] = prev.Slots[intents.SlotBiller]
	}
	if r.Intent == intents.Fallback || hasPronoun && (len(words) <= 8 || len(words) <= 14 && (sibling(prev, norm) == r.Intent || sibling(prev, norm) == intents.UnlockCard)) ||
		prev.Intent == intents.AccountDetails && len(words) <= 12 && sibling(prev, norm) == intents.AccountDetails {
		// "how much is it", "ok pay it", "when does it run out": the
		// sibling question about the same bill or card (longer when the
		// recognizer, unsure, reads it so too: "oh never mind found it
		// in my bag, unlock it").
		if in := sibling(prev, norm); in != "" {
			slots := intents.Slots{}
			for _, k := range []string{intents.SlotBiller, intents.SlotCard, intents.SlotAccount} {
				if v := prev.Slots[k]; v != nil {
					if cat, ok := intents.Lookup(in); ok && cat.HasSlot(k) {
						slots[k] = v
					}
				}
			}
			if cat, ok := intents.Lookup(in); ok && cat.HasSlot(intents.SlotCard) && slots[intents.SlotCard] == nil && creditCardSubject(prev) {
				slots[intents.SlotCard] = "credit" // the credit card's balance was the subject
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
	if short && s.sensitive(r.Intent) && s.readsOnly(prev.Intent) && !actionWords(norm) {
		// "und aufm Tagesgeld" after a balance: no transfer without a verb.
		r.Intent, r.Confidence = prev.Intent, 1
	}
	if named := merchantPhrase(norm, r.Locale, r.Now); named != "" && prev.Intent == intents.IncomeSummary &&
		(r.Intent == intents.ListTransactions || r.Intent == intents.SpendingSummary || r.Intent == intents.Fallback || r.Intent == prev.Intent) {
		// "what about at kroger" after the income: what was spent there.
		prev = &subject{Intent: intents.SpendingSummary, Slots: prev.Slots}
	}
	if r.Intent != intents.Fallback && r.Intent != prev.Intent && !s.unsure(r) && r.Confidence >= actMin && !(short && s.readsOnly(r.Intent) && !saysOwn(r.Intent, norm)) &&
		!(lead.MatchString(norm) && readSiblings[r.Intent] && readSiblings[prev.Intent] && !ownWords(r.Intent, norm)) {
		return // a question of its own
	}
	if r.Intent == intents.GetBalance && prev.Intent != intents.GetBalance && r.Confidence >= 0.9 &&
		containsAny(" "+norm+" ", " balance", " kontostand", " guthaben", " how much do i have", " how much have i got", " wie viel hab ich", " wie viel habe ich") {
		return // "what's my balance" after a list asks for the balance (it was read as a shop called "Whats My Balance")
	}
	if s.sensitive(prev.Intent) && r.Intent != prev.Intent {
		return // "credit card expiry" after a lock asks; it locks nothing
	}
	if prev.Intent == intents.TransferMoney || prev.Intent == intents.PayBill {
		return // "from checking" after a payment was cancelled (or made) starts nothing from its words
	}
	pin, ok := intents.Lookup(prev.Intent)
	if !ok {
		return
	}
	found := intents.Slots{}
	intents.FillSlots(prev.Intent, norm, r.Locale, r.Now, found)
	if dr, ok := prev.Slots.DateRange(intents.SlotDateRange); ok && found[intents.SlotDateRange] == nil && periodBefore(norm) {
		if shifted, ok := periodBeforeOf(dr); ok {
			found[intents.SlotDateRange] = shifted // "and the month before"
		}
	}
	if pin.HasSlot(intents.SlotMerchant) {
		if m := merchantPhrase(norm, r.Locale, r.Now); m != "" {
			found[intents.SlotMerchant] = m // against a category: see resolveMerchant
		} else if m := leadRest(norm, lead); m != "" && found[intents.SlotDateRange] == nil && found[intents.SlotAccount] == nil &&
			!(found[intents.SlotCategory] != nil && onCategory(norm, lead)) {
			found[intents.SlotMerchant] = m // "what about uber", "and whole food" (not "what about on transport": the category, not Transport for London)
		} else if m := leadRest(withoutPeriod(norm, r.Locale, r.Now), lead); m != "" && found[intents.SlotDateRange] != nil && found[intents.SlotAccount] == nil &&
			found[intents.SlotCategory] == nil && !notMerchants[m] && !periodBefore(norm) && !samePeriod(norm) {
			found[intents.SlotMerchant] = m // "and starbucks last month?"
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
	if found[intents.SlotMerchant] != nil || found[intents.SlotCategory] != nil || overall(norm) {
		// Another name, or "insgesamt", "altogether": not the last one's.
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
		"diesem monat": true, "letzten monat": true, "general": true, "allgemeinen": true, "total so far": true, "ganzen": true,
		"monat davor": true, "vormonat": true, "monat vorher": true, "selben monat": true, "gleichen monat": true, "same month": true,
		"that month": true, "the month before": true, "month before": true, "previous month": true, "that same month": true,
		"so far": true, "bisher": true, "then": true, "pending": true, "whats pending": true, "whats pending then": true}
)

// merchantPhrase finds the name after "at", "bei", "beim" in a turn: the
// words after the preposition, without a period or trailing verbs.
// withoutPeriod is the turn without the period it names.
func withoutPeriod(norm, locale string, now time.Time) string {
	if _, phrase, ok := intents.ParseDateRange(norm, locale, now); ok && phrase != "" {
		return strings.Join(strings.Fields(strings.Replace(norm, phrase, " ", 1)), " ")
	}
	return norm
}

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
	if said != "" && r.turn.inContext && r.Text != "" {
		// "and spotify, how much is that one" after Netflix: the merchant
		// named now, not the one "that one" carried over
		names, err := b.merchants(ctx, r)
		if err != nil {
			return nil, err
		}
		if named := namedMerchant(r, names); named != "" && !strings.EqualFold(named, said) {
			r.Slots[intents.SlotMerchant] = named
			return nil, nil
		}
	}
	if said == "" && r.Text != "" {
		said, fromText = merchantPhrase(intents.Normalize(r.Text), r.Locale, r.Now), true
	}
	var names []string
	if said == "" && r.Text != "" {
		// "show me my amazon purchases", "how about uber in october": a
		// merchant of the user's named whole, without "at".
		var err error
		if names, err = b.merchants(ctx, r); err != nil {
			return nil, err
		}
		said = namedMerchant(r, names)
		if said == "" {
			said = s.merchantNickname(r, intents.Normalize(r.Text), names)
		}
	}
	if said == "" {
		return nil, nil
	}
	if names == nil {
		var err error
		if names, err = b.merchants(ctx, r); err != nil || len(names) == 0 {
			return nil, err
		}
	}
	if nick := s.merchantNickname(r, said, names); nick != "" {
		r.Slots[intents.SlotMerchant] = nick // "the tube", "die Bahn": the bank's sheet knows them
		r.turn.merchantAsBank = true
		delete(r.Slots, intents.SlotCategory)
		return nil, nil
	}
	ms := resolve.Resolve(said, names, r.Locale)
	l := langOf(r.Locale)
	category := r.Slots.String(intents.SlotCategory) != ""
	switch {
	case len(ms) > 0 && (ms[0].Kind == resolve.Exact || ms[0].Kind == resolve.Confident) && (len(ms) < 2 || ms[1].Kind != resolve.Exact):
		// A merchant the user has wins over a category ("uber", "bei der
		// Bahn"); describing words ("gas", "food") never resolve surely.
		r.Slots[intents.SlotMerchant] = ms[0].Name
		r.turn.merchantAsBank = true
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

// namedMerchant is the one of the user's merchants whose whole name the
// turn says ("amazon", "trader joes"), or "".
func namedMerchant(r *Request, names []string) string {
	t := " " + intents.Normalize(r.Text) + " "
	found := ""
	for _, n := range names {
		k := intents.Normalize(n)
		if len(k) >= 3 && strings.Contains(t, " "+k+" ") && len(k) > len(found) {
			found = n
		}
		forms := []string{k}
		if w := strings.Fields(k); len(w) >= 3 && len(w[0]+w[1]) >= 8 {
			forms = append(forms, w[0]+" "+w[1]) // "whole foods" of Whole Foods Market
		}
		for _, f := range forms {
			if one, ok := strings.CutSuffix(f, "s"); ok && len(one) >= 5 && strings.Contains(t, " "+one+" ") && len(k) > len(found) ||
				f != k && strings.Contains(t, " "+f+" ") && len(k) > len(found) {
				found = n // "my last three whole food purchases": Whole Foods Market
			}
		}
	}
	return found
}

// merchantNickname is the user's merchant a nickname of the bank's
// sheet names ("on the tube" → Transport for London), or "".
func (s *Skill) merchantNickname(r *Request, said string, names []string) string {
	t := " " + intents.Normalize(said) + " "
	has := map[string]bool{}
	for _, n := range names {
		has[n] = true
	}
	for _, m := range s.sheet(r).Merchants {
		if !has[m.Name] {
			continue
		}
		for _, nick := range m.Nicknames {
			if n := intents.Normalize(nick); n != "" && strings.Contains(t, " "+n+" ") {
				return m.Name
			}
		}
	}
	return ""
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
		merchantsCarried(r)
		if len(r.turn.merchants) > 1 {
			return next(ctx, r) // each was resolved already (eachmerchant.go)
		}
		if resp, err := s.resolveMerchant(ctx, b, r); resp != nil || err != nil {
			return resp, err
		}
		delete(r.Slots, slotPair)
		delete(r.Slots, slotMerchants) // one merchant's total (or none) now
		if r.Intent == intents.SpendingSummary {
			s.pairWith(r) // for "which one was more?" after the next total
		}
		return next(ctx, r)
	})
}

// payBillerNamed reads "pay state farm from checking" as paying that bill
// when the name is one of the user's billers and none of their payees:
// the recognizer, unsure between a bill and a transfer, does not know the
// user's billers. The read-back and PIN follow as for any payment.
func (s *Skill) payBillerNamed(ctx context.Context, r *Request) {
	if r.Text == "" || r.st.Dialog != nil || r.Intent != intents.TransferMoney && r.Intent != intents.PayBill || r.Confidence >= actMin && r.Intent == intents.PayBill {
		return
	}
	t := " " + intents.Normalize(r.Text) + " "
	if !containsAny(t, " pay ", " zahl", " bezahl", " begleich", " überweis") || r.Slots[intents.SlotToAccount] != nil {
		return
	}
	if asksSomething(r.Text) || containsAny(t, " dont ", " do not ", " not ", " never ", " nicht ", " kein", " nie ") {
		return // "don't pay spectrum", "can I pay spectrum?": no payment to lift
	}
	if r.User.Customer == "" && s.authenticate(ctx, r) != nil {
		return
	}
	billers, ok := s.userBillers(ctx, r)
	if !ok {
		return
	}
	b, found := billerNamed(r, billers)
	if !found {
		return
	}
	if p := r.Slots.String(intents.SlotPayee); p != "" {
		if payees, ok := s.userPayees(ctx, r); ok && len(payeeNamed(p, payees, r.Locale)) > 0 {
			return // a person of that name: the transfer stands
		}
	}
	slots := intents.Slots{intents.SlotBiller: b.Name}
	for _, k := range []string{intents.SlotFromAccount, intents.SlotAmount, intents.SlotDate} {
		if v := r.Slots[k]; v != nil {
			slots[k] = v
		}
	}
	r.Intent, r.Slots, r.Confidence = intents.PayBill, slots, 1
}

// payLoanNamed reads "pay my car loan", "make a payment on my auto loan",
// "zahl meine Kreditrate" as a transfer to the user's own loan account
// (how much is asked, then the read-back and PIN as for any payment):
// with no bill of that name it was the bank's loan rates instead.
func (s *Skill) payLoanNamed(ctx context.Context, r *Request) {
	if r.Text == "" || r.st.Dialog != nil || r.Intent != intents.TransferMoney && r.Intent != intents.PayBill ||
		r.Slots[intents.SlotBiller] != nil || r.Slots[intents.SlotToAccount] != nil {
		return
	}
	t := " " + intents.Normalize(r.Text) + " "
	// "pay 200 toward my car loan from checking", and after the loan's
	// balance or rate "can i pay an extra two hundred toward it" (a
	// request with its amount: the read-back and the PIN follow)
	loanNamed := intents.ParseAccount(t) == string(banks.Loan) || containsAny(t, " car loan", " auto loan", " my loan", " the loan", " loan account",
		" autokredit", " kreditrate", " ratenkredit", " darlehen", " meinen kredit", " den kredit") ||
		s.aboutLoan(r) && containsAny(t, " toward it", " towards it", " toward that", " towards that", " on it ", " off it ", " into it", " drauf", " darauf", " dafür", " für den ")
	request := !asksSomething(r.Text) || r.Slots[intents.SlotAmount] != nil && containsAny(t, " can i pay", " could i pay", " can i put", " kann ich ", " könnte ich ")
	if !containsAny(t, " pay", " zahl", " bezahl", " überweis", " tilg", " put ") || !loanNamed ||
		containsAny(t, " apply", " borrow", " get a ", " need a ", " want a ", " beantrag", " brauche", " bräuchte", " dont ", " do not ", " nicht ") ||
		!request {
		return
	}
	if r.User.Customer == "" && s.authenticate(ctx, r) != nil {
		return
	}
	accts, err := s.cfg.Bank.Accounts(ctx, r.User)
	if err != nil {
		return
	}
	if _, ok := byKind(accts, string(banks.Loan)); !ok {
		return
	}
	slots := intents.Slots{intents.SlotToAccount: string(banks.Loan)}
	for _, k := range []string{intents.SlotFromAccount, intents.SlotAmount, intents.SlotDate} {
		if v := r.Slots[k]; v != nil {
			slots[k] = v
		}
	}
	if slots.String(intents.SlotFromAccount) == string(banks.Loan) {
		delete(slots, intents.SlotFromAccount)
	}
	r.Intent, r.Slots, r.Confidence, r.turn.inContext = intents.TransferMoney, slots, 1, true
}

// billQuestionNamed reads an unsure question about one of the user's
// billers named by its company ("how much is for the british gas this
// time", "when's the seattle city light one due") as that bill's amount
// or due date.
func (s *Skill) billQuestionNamed(ctx context.Context, r *Request) {
	billAsk := (r.Intent == intents.BillBalance || r.Intent == intents.BillDueDate) && r.Slots[intents.SlotBiller] == nil // ("die rechnung von o2, wie viel ist")
	if r.Text == "" || r.st.Dialog != nil || r.turn.inContext || !(r.Intent == intents.Fallback || s.unsure(r) || r.Confidence < actMin && s.readsOnly(r.Intent) || billAsk) {
		return
	}
	t := " " + intents.Normalize(r.Text) + " "
	intent := ""
	switch {
	case containsAny(t, " when", " due", " wann", " fällig", " bis wann", " by what date"):
		intent = intents.BillDueDate
	case containsAny(t, " how much", " what do i owe", " whats the amount", " what is the amount", " wie viel", " wie hoch", " was kostet", " was macht"):
		intent = intents.BillBalance
	default:
		prev := s.previous(r)
		if prev == nil || !billFamily[prev.Intent] || prev.Intent == intents.PayBill || len(strings.Fields(t)) > 8 ||
			!containsAny(t, " and ", " what about", " how about", " und ", " was ist mit", " wie ist es mit") || actionWords(t) {
			return
		}
		intent = prev.Intent // "and the state farm one?" after the T-Mobile bill's amount
	}
	if r.User.Customer == "" && s.authenticate(ctx, r) != nil {
		return
	}
	billers, ok := s.userBillers(ctx, r)
	if !ok {
		return
	}
	if b, found := billerNamed(r, billers); found {
		r.Intent, r.Slots, r.Confidence, r.turn.inContext = intent, intents.Slots{intents.SlotBiller: b.Name}, 1, true
	}
}

// onCategory: the words after "what about" say "on" or "für" a
// category ("on transport", "für lebensmittel"), not a shop's name.
func onCategory(norm string, lead *regexp.Regexp) bool {
	loc := lead.FindStringIndex(norm)
	if loc == nil {
		return false
	}
	f := strings.Fields(norm[loc[1]:])
	return len(f) > 1 && (f[0] == "on" || f[0] == "for" || f[0] == "für" || f[0] == "fürs" || f[0] == "in" || f[0] == "im")
}

// againAsk: the words ask for the last payment once more, to someone
// else; againTo is the name that follows; againFrom the account named
// after it ("for alice from savings").
var (
	againAsk  = regexp.MustCompile(` (?:do|make|send|repeat) (?:that|it|this|the same)(?: one| thing| payment| transfer)?(?: again| once more)? | (?:the )?same (?:again|thing|amount) | (?:das gleiche|dasselbe|das selbe|den gleichen betrag)(?: nochmal| noch mal| noch einmal)? | nochmal das gleiche | noch mal das gleiche `)
	againLead = regexp.MustCompile(`^ (?:(?:and|ok|okay|now|then|so|und|dann|jetzt|bitte|please) )*(?:the )?same (?:for|to) `)
	againTo   = regexp.MustCompile(` (?:for|to|für|an) ((?:\S+ ?){1,5})$`)
	againFrom = regexp.MustCompile(` (?:from|out of|vom|von|aus) `)
	// againAsks: a question about the same thing ("is the limit the same
	// for savings", "ist das gleiche auch für sophie so") asks; it pays
	// nothing
	againAsks = map[string]bool{"is": true, "isnt": true, "are": true, "does": true, "do": false, "was": true, "what": true, "whats": true, "how": true, "why": true,
		"ist": true, "sind": true, "gilt": true, "wie": true, "warum": true, "wieso": true, "stimmt": true, "geht": true}
)

// againFor is the payee a turn names for the last transfer once more
// ("do that again but for alice", "das gleiche nochmal für Anna Schulz")
// and the account it names to pay from ("for alice from savings"); ""
// when it names no one new, asks a question, or rules the name out ("aber
// nicht an sophie").
func againFor(t string) (name, from string) {
	if !againAsk.MatchString(t) && !againLead.MatchString(t) {
		return "", ""
	}
	ws := strings.Fields(t)
	if len(ws) > 0 && againAsks[ws[0]] {
		return "", ""
	}
	for len(ws) > 0 && (ws[len(ws)-1] == "please" || ws[len(ws)-1] == "bitte" || ws[len(ws)-1] == "too" || ws[len(ws)-1] == "auch" || ws[len(ws)-1] == "now" || ws[len(ws)-1] == "jetzt") {
		ws = ws[:len(ws)-1]
	}
	joined := " " + strings.Join(ws, " ")
	if loc := againFrom.FindStringIndex(joined); loc != nil && strings.Contains(joined[:loc[0]], " ") {
		from = strings.TrimSpace(joined[loc[1]:])
		joined = joined[:loc[0]] // "for alice from savings": alice, from the savings
	}
	m := againTo.FindStringSubmatchIndex(joined)
	if m == nil {
		return "", ""
	}
	if before := strings.Fields(joined[:m[0]]); len(before) > 0 && (before[len(before)-1] == "not" || before[len(before)-1] == "nicht" || before[len(before)-1] == "no" || before[len(before)-1] == "kein") {
		return "", "" // "das gleiche nochmal, aber nicht an sophie"
	}
	name = strings.TrimSpace(joined[m[2]:m[3]])
	if i := strings.LastIndex(" "+name+" ", " for "); i >= 0 {
		name = strings.TrimSpace(name[i:])
	}
	if f := strings.Fields(name); len(f) == 0 || len(f) > 3 || f[0] == "me" || f[0] == "mich" || f[0] == "my" || f[0] == "mein" || f[0] == "meine" || f[0] == "meinen" {
		return "", "" // "do that again for me": no one new named
	}
	return name, from
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
	var words, named []string
	for _, w := range strings.Fields(intents.Normalize(said)) {
		if !payeeFillers[w] {
			words = append(words, w)
			if !relations[w] {
				named = append(named, w)
			}
		}
	}
	if len(named) > 0 {
		words = named // "my daughter maria" is Maria; "mom" alone stays
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
			if i == 0 && !literalName(words, payees[m.Index].Name) {
				if same := namesakes(payees, payees[m.Index]); len(same) > 1 {
					return same // "alicia" near Alice Chen, and there is an Alice Meyer too: asked
				}
			}
			if i == 0 && (len(ms) == 1 || ms[1].Kind != resolve.Exact) {
				return []banks.Payee{payees[m.Index]}
			}
			out = append(out, payees[m.Index])
		case m.Kind == resolve.Ask && len(out) < 2:
			out = append(out, payees[m.Index])
		}
	}
	if len(out) == 1 && !literalName(words, out[0].Name) {
		if same := namesakes(payees, out[0]); len(same) > 1 {
			return same
		}
	}
	return out
}

// namesakes are the payees with the first name of p, p among them.
func namesakes(payees []banks.Payee, p banks.Payee) []banks.Payee {
	first := strings.Fields(strings.ToLower(p.Name))
	var same []banks.Payee
	for _, q := range payees {
		if f := strings.Fields(strings.ToLower(q.Name)); len(first) > 0 && len(f) > 0 && f[0] == first[0] {
			same = append(same, q)
		}
	}
	return same
}

// literalName: every word said is a word of the name ("alice", "alice
// chen"), not a near one ("alicia").
func literalName(words []string, name string) bool {
	own := strings.Fields(intents.Normalize(name))
	for _, w := range words {
		if !slices.Contains(own, w) {
			return false
		}
	}
	return len(words) > 0
}

// relations name how a payee is related; with a name beside them, the
// name is the payee.
var relations = map[string]bool{"daughter": true, "son": true, "mom": true, "mum": true, "mother": true, "dad": true, "father": true,
	"wife": true, "husband": true, "sister": true, "brother": true, "friend": true, "partner": true, "grandma": true, "grandpa": true,
	"niece": true, "nephew": true, "aunt": true, "uncle": true, "cousin": true, "tochter": true, "sohn": true, "mutter": true, "mama": true,
	"vater": true, "papa": true, "frau": true, "mann": true, "schwester": true, "bruder": true, "freund": true, "freundin": true,
	"oma": true, "opa": true, "nichte": true, "neffe": true, "tante": true, "onkel": true, "cousine": true}

var payeeFillers = map[string]bool{"instead": true, "stattdessen": true, "then": true, "dann": true, "now": true, "jetzt": true,
	"about": true, "around": true, "ungefähr": true, "etwa": true, "think": true, "guess": true, "glaube": true, "meinen": true, "meine": true,
	"einen": true, "dem": true, "der": true, "den": true, "like": true, "um": true, "uh": true, "so": true, "just": true, "mal": true, "doch": true, "bitte": true,
	"please": true, "to": true, "an": true, "the": true, "my": true, "meinem": true, "meiner": true, "friend": true, "buddy": true, "kumpel": true,
	"ähm": true, "also": true, "halt": true, "eben": true, "schnell": true, "quickly": true, "real": true,
	// a title before a surname: "Herrn Schmidt", "Mrs Turner", "Mr Shah"
	"mr": true, "mrs": true, "ms": true, "miss": true, "mister": true, "dr": true, "doctor": true, "herr": true, "herrn": true, "frau": true}

// cardQuestion answers two questions about cards that have no intent of
// their own: when the card just ordered arrives ("when will the new one
// arrive", "wann kommt die neue") and whether a card still works ("is my
// credit card still working", "geht meine Kreditkarte noch").
// dailyCash: cash taken out in a day ("how much cash can i get out in a
// day", "wie viel darf ich pro Tag abheben"), an ATM's limit even
// without the machine named.
func dailyCash(t string) bool {
	return containsAny(t, " cash", " bargeld", " abheb", " abhebe ", " withdraw") && containsAny(t, " take out", " get out", " withdraw", " abheb", " abhebe ", " ziehen") &&
		containsAny(t, " a day", " per day", " daily", " each day", " in one day", " pro tag", " am tag", " täglich", " an einem tag")
}

func (s *Skill) cardQuestion(ctx context.Context, r *Request) (*Response, error) {
	if r.Text == "" || r.User.Customer == "" && s.authenticate(ctx, r) != nil {
		return nil, nil
	}
	if !s.allowed(ctx, r, "accounts") {
		return nil, nil // the usual path refuses, with how to allow it
	}
	t := " " + intents.Normalize(r.Text) + " "
	l := langOf(r.Locale)
	if prev := s.previous(r); prev != nil && prev.Alert != nil && prev.Alert.Outcome == "fraud" && moneyBackAsked(t) {
		// "is the money coming back?" after "that wasn't me": the bank's
		// own answer when its sheet has one
		if resp := s.faq.entry(ctx, r, "fraud_refund"); resp != nil {
			return resp, nil
		}
		return anythingElse(l, l.msg("alert.refund", prev.Alert.Amount, prev.Alert.Merchant)), nil
	}
	if resp, err := s.lockToo(ctx, r, t); resp != nil || err != nil {
		return resp, err // "and my credit card" after a lock
	}
	if containsAny(t, " show my cards", " show me my cards", " what cards do i have", " which cards do i have", " list my cards", " my cards please",
		" zeig mir meine karten", " zeig meine karten", " welche karten hab", " welche karten habe", " meine karten bitte", " what cards have i got") &&
		!containsAny(t, " lock ", " unlock ", " freeze ", " unfreeze ", " block ", " unblock ", " sperr", " entsperr", " cancel ", " replace ") {
		// "show my cards": each card and whether it is locked
		cards, err := s.cards(ctx, r)
		if err != nil {
			return nil, err
		}
		if len(cards) > 0 {
			var parts []string
			for _, c := range cards {
				parts = append(parts, l.cardState(c))
			}
			s.remember(r, intents.LockCard, intents.Slots{slotState: "1"})
			return anythingElse(l, strings.Join(parts, " ")), nil
		}
	}
	if prev := s.previous(r); prev != nil && containsAny(t, " arrive", " get here", " come ", " coming", " kommt", " ankommen", " da sein", " zugestellt") &&
		containsAny(t, " new ", " replacement", " it ", " neue", " ersatz", " sie ", " card") {
		if d, ok := prev.Slots["arrives"].(string); ok {
			if at, err := time.Parse(time.DateOnly, d); err == nil {
				return anythingElse(l, l.msg("card.arrives", l.Date(at, r.Now))), nil
			}
		}
	}
	if cardArrival(t) {
		// "when does the new card get here", "my new card hasn't turned
		// up": no card ordered here to date; the bank's answer on delivery.
		if resp := s.faq.entry(ctx, r, "card_not_arrived"); resp != nil {
			return resp, nil
		}
	}
	if containsAny(t, " zurückgezahlt", " zurückerstattet", " erstattet", " refund", " money back", " paid me back", " pay me back") &&
		containsAny(t, " nicht", " nichts", " not ", " never", " hasnt", " havent", " wont ", " refuses", " weigert", " kein") &&
		containsAny(t, " what can i", " what do i", " what should i", " was kann ich", " was soll ich", " was mache ich", " how do i", " wie kann ich", " wie komme ich") {
		// "der Händler hat mir nichts zurückgezahlt, was kann ich tun":
		// the bank's answer on disputing a charge
		if resp := s.faq.entry(ctx, r, "dispute_charge"); resp != nil {
			s.rememberFAQ(r)
			return resp, nil
		}
	}
	if containsAny(t, " maximum", " the most i can", " most i can", " höchstbetrag", " maximal", " höchstens", " largest", " biggest payment", " limit") &&
		containsAny(t, " send", " transfer", " pay ", " payment", " überweis", " schick", " zahlen", " zahlung") &&
		!containsAny(t, " minimum", " mindest", " card", " karte", " atm", " cash", " bargeld", " abheb", " contactless", " kontaktlos", " raise", " increase", " erhöh") &&
		containsAny(t, " what", " how much", " how many", " is there", " wie viel", " wieviel", " wie hoch", " was ist", " gibt es", " welches") && !containsAny(t, moneyWords...) {
		// "what's the maximum i can send in one payment" (was the card's
		// minimum payment), "wie viel kann ich maximal überweisen"
		if resp := s.faq.entry(ctx, r, "transfer_limits"); resp != nil {
			s.rememberFAQ(r) // "and per day?" next
			return resp, nil
		}
	}
	if (containsAny(t, " atm", " cash machine", " cashpoint", " geldautomat", " automaten", " bankomat") || dailyCash(t)) &&
		containsAny(t, " how much", " wie viel", " limit", " maximum", " max ", " most ", " darf", " höchstens") && containsAny(t, " take out", " withdraw", " get out", " abheben", " abhebe ", " ziehen", " limit", " cash", " bargeld") {
		// "how much cash can i take out at an atm": the bank's cash limit,
		// not the credit card's.
		if resp := s.faq.entry(ctx, r, "atm_limit"); resp != nil {
			s.rememberFAQ(r) // "and abroad?" next
			return resp, nil
		}
	}
	if containsAny(t, " going to ", " off to ", " heading to ", " flying to ", " travel", " trip", " abroad", " holiday", " vacation", " urlaub", " reise", " verreis", " ins ausland", " fahre nach", " fliege nach", " fahren ", " fliegen ") &&
		containsAny(t, " tell you", " let you know", " notify", " inform", " bescheid", " melden", " mitteilen", " informieren", " sagen") {
		// "i'm going to mexico next month, do i need to tell you guys"
		if resp := s.faq.entry(ctx, r, "travel_notice"); resp != nil {
			s.rememberFAQ(r)
			return resp, nil
		}
	}
	if activatesCard(t) {
		// "what do I need to do to activate the new debit card": how to,
		// from the bank's sheet; no new card is ordered.
		if resp := s.faq.entry(ctx, r, "activate_card"); resp != nil {
			return resp, nil
		}
	}
	kind := lockedAsked(t, r.Locale, s.previous(r))
	if prev := s.previous(r); kind == "" && prev != nil && prev.Slots.String(slotState) != "" && len(strings.Fields(t)) <= 5 &&
		containsAny(t, " and ", " what about ", " how about ", " und ", " was ist mit ") && !actionWords(strings.TrimSpace(t)) {
		// "and my debit card?" after "is it locked?": that card's state.
		kind = intents.ParseCard(strings.TrimSpace(t))
	}
	if kind != "" || lockedAskedAny(t) {
		// "locked yeah?", "is it blocked now", "ist sie jetzt gesperrt"
		cards, err := s.cards(ctx, r)
		if err != nil {
			return nil, err
		}
		if kind == "" {
			// "ist die Karte jetzt gesperrt" with no card named or talked
			// about: the one locked card, or that none is.
			var locked []banks.Card
			for _, c := range cards {
				if c.Locked {
					locked = append(locked, c)
				}
			}
			switch len(locked) {
			case 0:
				return anythingElse(l, l.msg("card.status.none_locked")), nil
			case 1:
				kind = string(locked[0].Kind)
			default:
				return anythingElse(l, l.msg("card.status.all_locked")), nil
			}
		}
		for _, c := range cards {
			if string(c.Kind) == kind {
				s.remember(r, intents.LockCard, intents.Slots{intents.SlotCard: kind, slotState: "1"})
				return anythingElse(l, l.cardState(c)), nil
			}
		}
	}
	if !stillWorksAsked(t) || containsAny(t, walletWords...) || containsAny(t, " paypal", " abroad", " ausland", " overseas",
		" in the us", " in amerika", " online", " contactless", " kontaktlos") {
		return nil, nil // "does my debit card work with apple pay": where it works, not whether it is locked
	}
	found := intents.Slots{}
	intents.FillSlots(intents.LockCard, intents.Normalize(r.Text), r.Locale, r.Now, found)
	kind = found.String(intents.SlotCard)
	if prev := s.previous(r); kind == "" && prev != nil && prev.Alert != nil {
		kind = prev.Alert.Card // "so my card still works?" after the alert: the alert's card
	}
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
		s.remember(r, intents.LockCard, intents.Slots{intents.SlotCard: kind, slotState: "1"})
		return anythingElse(l, l.cardState(c)), nil
	}
	return nil, nil
}

// stillWorksAsked: the words ask whether a card still works ("can I
// still use my credit card?", "geht die Visa noch?").
func stillWorksAsked(t string) bool {
	return containsAny(t, " still work", " working", " work ", " works ", " funktioniert", " geht meine", " geht die", " noch gehen", " noch aktiv", " still active", " geht noch", " geht aber noch", " noch geht", " gehts noch",
		" still use", " can i use", " still pay with", " noch benutzen", " noch nutzen", " noch verwenden", " noch zahlen", " noch bezahlen") &&
		containsAny(t, " card", "karte", "girocard", " visa", " mastercard", " amex") && !containsAny(t, "expire", "ablauf", "läuft", "declin", "abgelehnt", " why ", " warum ")
}

// cardStateAside answers a question whether a card is locked asked while
// a dialog waits ("ist die Kreditkarte auch gesperrt" at "Welche Karte?"),
// and asks the dialog's question again: the card it names is not the
// answer, and nothing is locked.
func (s *Skill) cardStateAside(ctx context.Context, r *Request, d *dialog) (*Response, error) {
	t := " " + intents.Normalize(r.Text) + " "
	if r.Text == "" || d.Soft || lockedAsked(t, r.Locale, nil) == "" && !lockedAskedAny(t) && !stillWorksAsked(t) {
		return nil, nil
	}
	r.st.Dialog = nil
	resp, err := s.cardQuestion(ctx, r)
	r.st.Dialog = d
	if err != nil || resp == nil {
		return nil, err
	}
	l := langOf(r.Locale)
	resp.Speech = l.withoutAnythingElse(resp.Speech) + " " + l.backTo(d)
	resp.Reprompt, resp.EndSession, resp.Choices = d.Question, false, dialogChoices(l, d)
	return resp, nil
}

// cardArrival: the words ask when a new card comes, or say it has not
// come, without asking for one.
func cardArrival(t string) bool {
	if !containsAny(t, " card", "karte", " new one", " die neue ") || containsAny(t, " order ", " replace", " send me", " need a new", " want a new",
		" bestell", " brauche eine neue", " schick mir", " ersetz", " lost", " stolen", " verloren", " geklaut", " gestohlen") {
		return false
	}
	when := containsAny(t, " when ", " wann ", " how long", " wie lange") &&
		containsAny(t, " arrive", " get here", " come", " turn up", " show up", " kommt", " ankommt", " ankommen", " da sein", " zugestellt", " in the post", " in the mail")
	not := containsAny(t, " hasnt arrived", " hasnt come", " hasnt turned up", " hasnt shown up", " not arrived", " not come", " never came", " never arrived",
		" still not here", " still isnt here", " isnt here yet", " not here yet", " still no sign", " never got it", " nothing yet", " still hasnt", " not turned up", " never showed up", " nicht angekommen", " nich angekommen", " nicht da", " nich da",
		" nie angekommen", " noch nicht gekommen", " nicht gekommen", " nich gekommen")
	return (when || not) && containsAny(t, " new", " neue", " replacement", " ersatz", " my card", " meine karte", " the card", " die karte")
}

// activatesCard: a question how to activate a card that came ("how do
// I activate my new card", "wie aktiviere ich die neue Karte"), not a
// card to turn back on ("reactivate", "wieder freischalten").
func activatesCard(t string) bool {
	return containsAny(t, " activate", " aktivier", " freischalten", " freigeschaltet") && containsAny(t, " card", "karte") &&
		!containsAny(t, " reactivate", " deactivate", " re activate", " wieder ", " again", " back on", " unlock", " entsperr", " deaktivier")
}

// lockToo answers a card named right after a card was locked ("and my
// credit card", "actually the credit card", "die Kreditkarte auch"):
// Konto asks whether to lock that one too; a yes locks it. Nothing is
// locked on a follow-up alone, and the card locked stays locked.
func (s *Skill) lockToo(ctx context.Context, r *Request, t string) (*Response, error) {
	prev := s.previous(r)
	if prev == nil || prev.Intent != intents.LockCard || prev.Slots.String(slotState) != "" ||
		len(strings.Fields(t)) > 9 || lockedAsked(t, r.Locale, nil) != "" || lockedAskedAny(t) ||
		containsAny(t, " unlock", " entsperr", " how much", " wie viel", " balance", " owe", " limit", " expire", " ablauf", " work", " funktion", " apply", " beantrag", " why", " warum",
			" pay", " zahl", " send", " transfer", " überweis", " move", " schick", " läuft", " gültig", " valid", " run out", " runs out", " when ", " wann ") {
		return nil, nil // ("und wann läuft die Kreditkarte ab": its expiry)
	}
	locked := prev.Slots.String(intents.SlotCard)
	kind := intents.ParseCard(strings.TrimSpace(t))
	if neg := negatedCard(r.Text); neg != "" && neg == kind {
		kind = map[string]string{"debit": "credit", "credit": "debit"}[neg] // "not the debit card, the credit card"
	}
	if kind == "" || kind == locked {
		return nil, nil
	}
	cards, err := s.cards(ctx, r)
	if err != nil {
		return nil, err
	}
	for _, c := range cards {
		if string(c.Kind) != kind || c.Locked {
			continue
		}
		l := langOf(r.Locale)
		r.st.Suggest = &suggestion{Intent: intents.LockCard, Slots: intents.Slots{intents.SlotCard: kind}}
		q := l.msg("card.lock_too", l.cardName(c))
		return &Response{Speech: q, Reprompt: q, Choices: yesNo(l)}, nil
	}
	return nil, nil
}

// cardState says whether a card is locked ("Your debit card ending in
// 7719 works: it isn't locked.").
func (l lang) cardState(c banks.Card) string {
	if c.Locked {
		return l.msg("card.status.locked", upperFirst(l.cardName(c)))
	}
	return l.msg("card.status.works", upperFirst(l.cardName(c)))
}

// moneyBackAsked: the words ask whether a charge is paid back ("is
// the money coming back", "krieg ich das Geld zurück").
func moneyBackAsked(t string) bool {
	return containsAny(t, " money back", " coming back", " get it back", " refund", " reimburs", " pay it back", " paid back", " back on my", " credited",
		" geld zurück", " zurückbekomm", " zurück bekomm", " erstatt", " wiederbekomm", " wieder bekomm", " kommt das geld", " gutgeschrieben", " zurückgebucht",
		// "what happens to my money now", "und was passiert jetzt mit meinem Geld"
		" happens to my money", " happens with my money", " happens now with my money", " happens now to my money", " happens to the money", " about my money",
		" mit meinem geld", " mit dem geld", " mein geld jetzt", " mein geld wieder", " wo ist mein geld")
}

// asksWhichCard: "which card was that on", "mit welcher Karte war das".
func asksWhichCard(text string) bool {
	t := " " + intents.Normalize(text) + " "
	return containsAny(t, " which card", " what card", " which one of my cards", " on which card", " welche karte", " welcher karte", " welchen karte",
		" was für eine karte", " welche von meinen karten")
}

// slotState marks a subject that was a card's lock state ("is it
// locked?"), for "and my debit card?".
const slotState = "state"

// lockedAsked is the card a short question asks the lock state of
// ("locked yeah?", "is it blocked now", "ist die Karte gesperrt"): the one
// it names, or the last card talked about; "" when it asks none.
func lockedAsked(t, locale string, prev *subject) string {
	words := strings.Fields(t)
	embedded := containsAny(t, " ob ", " whether ", " if my ", " if the ", " if its ", " if it is ") && // "können Sie mir sagen, ob meine Kreditkarte gesperrt ist"
		len(words) > 0 && !strings.HasPrefix(words[0], "lock") && !strings.HasPrefix(words[0], "sperr") && !strings.HasPrefix(words[0], "freeze")
	if !containsAny(t, " locked ", " blocked ", " frozen ", " gesperrt ", " blockiert ", " still working", " still work ", " working again", " still usable",
		" funktioniert die", " funktioniert sie", " funktioniert meine", " funktioniert noch", " geht die noch", " geht sie noch") ||
		containsAny(t, " unlock", " entsperr", " why ", " warum ") ||
		len(words) > 10 || len(words) > 3 && !containsAny(t, stateQuestions...) && !embedded {
		return ""
	}
	found := intents.Slots{}
	intents.FillSlots(intents.LockCard, strings.TrimSpace(t), locale, time.Time{}, found)
	if k := found.String(intents.SlotCard); k != "" {
		return k
	}
	if prev != nil && cardFamily[prev.Intent] {
		return prev.Slots.String(intents.SlotCard)
	}
	return ""
}

// stateQuestions ask whether something is so ("is that one locked",
// "ist die auch gesperrt"), never to make it so.
var stateQuestions = []string{" is it ", " is my ", " is the ", " is that ", " is this ", " are they ", " are my ", " is that one ", " does it ", " does my ",
	" funktioniert die ", " funktioniert sie ", " funktioniert meine ", " geht die ", " geht sie ",
	" ist sie ", " ist die ", " ist meine ", " ist es ", " ist der ", " ist das ", " sind die ", " sind meine ", " ist denn "}

// lockedAskedAny: "is the card locked now", "ist die Karte jetzt
// gesperrt": the lock state, of no card in particular.
func lockedAskedAny(t string) bool {
	return len(strings.Fields(t)) <= 7 && containsAny(t, " locked ", " blocked ", " gesperrt ") &&
		containsAny(t, " is the card ", " is my card ", " ist die karte ", " ist meine karte ", " is it ", " ist sie ", " which of them", " which one is", " are any",
			" is any of", " is one of", " ist eine davon", " ist eine der", " sind welche", " welche ist", " welche davon", " any of my cards", " eine meiner karten") &&
		!containsAny(t, " unlock", " entsperr", " why ", " warum ")
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
	for len(words) > 0 && (words[0] == "at" || words[0] == "the" || words[0] == "on" || words[0] == "bei" || words[0] == "beim" || words[0] == "der" || words[0] == "dem") {
		words = words[1:]
	}
	if len(words) == 0 || len(words) > 3 {
		return ""
	}
	phrase := strings.Join(words, " ")
	if notMerchants[phrase] || containsAny(" "+phrase+" ", listWords...) {
		return "" // "just the last purchase again": what was said, no shop
	}
	return phrase
}

// listWords name transactions or a repeat, never a shop.
var listWords = []string{" purchase", " transaction", " payment", " charge", " again ", " one ", " ones ", " umsatz", " umsätze", " einkauf", " buchung",
	" zahlung", " nochmal", " noch mal", " wieder ", " which ", " more ", " welche", " mehr "}

// readSiblings are reads a bare follow-up ("und letzten Monat beim
// Lidl") may be taken for one another by the recognizer: without words of
// its own the follow-up asks what the last answer told.
var readSiblings = map[string]bool{intents.ListTransactions: true, intents.SpendingSummary: true, intents.IncomeSummary: true}

// ownWords: the turn says what it asks for in the words of intent.
func ownWords(intent, norm string) bool {
	t := " " + norm + " "
	switch intent {
	case intents.ListTransactions:
		return containsAny(t, " transaction", " purchases", " charges", " list", " show", " umsätze", " umsatz", " buchung", " zeig", " liste", " what did i buy", " was hab ich gekauft")
	case intents.SpendingSummary:
		return containsAny(t, " spen", " ausgegeben", " ausgaben", " how much", " wie viel", " total", " insgesamt", " gelassen", " blow", " blew")
	case intents.IncomeSummary:
		return containsAny(t, " income", " earn", " paid", " received", " came in", " einnahmen", " verdient", " gehalt", " eingegangen", " bekommen", " salary",
			" reingekommen", " rein gekommen", " gutgeschrieben", " eingang")
	}
	return true
}

// saysOwn: a short turn says its own question's word ("debit card
// expiry", "credit limit", "credit score" after a declined card): a new
// question, not the last one about something else.
func saysOwn(intent, norm string) bool {
	t := " " + norm + " "
	switch intent {
	case intents.CardExpiration:
		return containsAny(t, " expir", " valid", " ablauf", " abläuft", " läuft", " gültig")
	case intents.CreditLimit:
		return containsAny(t, " limit", " kreditrahmen", " verfügungsrahmen")
	case intents.CreditScore:
		return containsAny(t, " score", " schufa", " bonität", " fico")
	case intents.RewardsBalance:
		return containsAny(t, " points", " punkte", " cashback") // (not "the rewards one": a card named)
	case intents.InterestRate:
		return containsAny(t, " interest", " rate", " apr", " apy", " zins")
	}
	return false
}

// overall: "insgesamt", "altogether", "in total": no merchant or category.
func overall(norm string) bool {
	t := " " + norm + " "
	return containsAny(t, " insgesamt ", " altogether ", " in total ", " overall ", " all together ", " alles zusammen ", " in summe ", " total ") &&
		!containsAny(t, " für ", " for ", " on ", " at ", " bei ", " beim ", " im bereich ")
}

var (
	// articles are pronouns only where no noun follows.
	articles  = map[string]bool{"die": true, "der": true, "den": true, "das": true, "that": true}
	particles = map[string]bool{"ab": true, "aus": true, "an": true, "auf": true, "denn": true, "noch": true, "wieder": true, "jetzt": true,
		"mal": true, "zu": true, "fällig": true, "again": true, "now": true, "then": true, "too": true, "is": true, "was": true, "one": true,
		"am": true, "vom": true, "von": true, "bis": true, "für": true, "mit": true, "per": true, "zum": true, "bitte": true, "heute": true,
		"morgen": true, "sofort": true, "gleich": true, "today": true, "tomorrow": true, "on": true, "from": true, "for": true, "please": true}
	leadAcks = map[string]bool{"ok": true, "okay": true, "so": true, "right": true, "alright": true, "um": true, "uh": true, "well": true,
		"also": true, "gut": true, "alles": true, "klar": true}
)

// actionWords: the turn says what to do with money or a card.
func actionWords(norm string) bool {
	return containsAny(walletNames.Replace(" "+norm+" "), " send", " pay", " move", " transfer", " put", " lock", " unlock", " block", " freeze", " cancel",
		" überweis", " schick", " zahl", " sende", " leg ", " pack", " buch", " sperr", " entsperr", " kündig")
}

// payTheBill is a request to pay (or schedule) something now (words
// between spaces: \b is ASCII-only, and "überweis" starts with ü); paysTheBill
// is one that is no question about the bill (its date, its amount,
// whether it was paid) and no refusal.
var (
	payTheBill    = regexp.MustCompile(`(?:^| )(?:pay|settle|schedule|zahl|zahle|zahlst|bezahl|bezahle|bezahlen|begleich|begleiche|begleichen|überweis|überweise|überweisen|einplanen|plan)(?: |$)`)
	billQuestions = regexp.MustCompile(`(?:^| )(?:when|wann|how much|wie viel|wie hoch|due|fällig|paid|bezahlt|gezahlt|beglichen|überwiesen|did i|have i|hab ich|habe ich|should i|soll ich|can i|kann ich|dont|do not|not|never|nicht|kein|keine|nie|no|nein|später|later|tomorrow|morgen)(?: |$)`)
)

func paysTheBill(norm string) bool {
	norm = walletNames.Replace(" " + norm + " ")
	return payTheBill.MatchString(norm) && !billQuestions.MatchString(norm) && !billPicks.MatchString(norm)
}

// walletWords name a phone wallet ("geht meine Girocard mit Apple Pay").
var walletWords = []string{" apple pay", " google pay", " samsung pay", " garmin pay", " google wallet", " apple wallet", " digital wallet", " mobile wallet",
	" phone wallet", " wallet app", " mit dem handy zahlen", " mit dem handy bezahlen"}

// walletNames are pay words that name a wallet, not a payment ("geht
// meine girocard auch mit google pay" after the phone bill pays nothing).
var walletNames = strings.NewReplacer(" apple pay ", " wallet ", " google pay ", " wallet ", " samsung pay ", " wallet ", " garmin pay ", " wallet ", " amazon pay ", " wallet ")

// billPicks point at another bill of a list read out ("the second one you
// mentioned", "die andere"): see Listed.
var billPicks = regexp.MustCompile(`(?:^| )(?:first|second|third|fourth|last|other|another|mentioned|erste|ersten|zweite|zweiten|dritte|dritten|letzte|letzten|andere|anderen|genannt|genannte|erwähnt)(?: |$)`)

// asksForPerson: the words ask for a person.
func asksForPerson(norm string) bool {
	return containsAny(" "+norm+" ", " agent", " person", " human", " someone", " somebody", " call", " speak", " talk", " advis", " representative",
		" mensch", " mitarbeiter", " jemand", " berater", " anruf", " sprechen", " reden")
}

// thanksLead and mannerTail are words around a follow-up that say nothing
// about it ("thanks, and savings?", "and the checking account, slowly").
var (
	thanksLead = map[string]bool{"thanks": true, "danke": true, "cheers": true, "ta": true, "dankeschön": true, "merci": true}
	mannerTail = map[string]bool{"slowly": true, "slower": true, "please": true, "langsam": true, "bitte": true, "langsamer": true}
)

// payeePronouns stand for the person named last.
var payeePronouns = map[string]bool{"him": true, "her": true, "them": true, "ihm": true, "ihr": true, "ihnen": true, "er": true, "sie": true}

// pronounAdverbs follow a pronoun payee without naming anyone ("schick
// ihm lieber 80 Euro", "send her instead").
var pronounAdverbs = map[string]bool{"lieber": true, "doch": true, "stattdessen": true, "dann": true, "mal": true, "halt": true, "eben": true,
	"nochmal": true, "bitte": true, "instead": true, "then": true, "please": true, "just": true, "rather": true, "again": true}

// pronounPayee: the payee said is a pronoun, perhaps with adverbs after
// it ("ihm lieber" was taken for a name and refused).
func pronounPayee(p string) bool {
	w := strings.Fields(strings.ToLower(p))
	if len(w) == 0 || !payeePronouns[w[0]] {
		return false
	}
	for _, x := range w[1:] {
		if !pronounAdverbs[x] {
			return false
		}
	}
	return true
}

// samePeriod: "that month", "im selben Monat", "the same week".
func samePeriod(norm string) bool {
	t := " " + norm + " "
	return containsAny(t, " that month ", " same month ", " that same month ", " that week ", " same week ", " same period ", " that period ",
		" selben monat ", " gleichen monat ", " dem monat ", " demselben monat ", " selben woche ", " gleichen woche ", " selben zeitraum ",
		" gleichen zeitraum ", " then too ", " back then ", " damals ")
}

// periodBefore: "the month before", "der Monat davor", "im Vormonat".
func periodBefore(norm string) bool {
	t := " " + norm + " "
	return containsAny(t, " month before", " previous month", " monat davor", " vormonat", " monat vorher", " the one before", " davor ",
		" day before", " the week before", " previous day", " previous week", " tag davor", " tag vorher", " woche davor", " woche vorher")
}

// periodBeforeOf is the period before a range of the same kind: the day
// before a day, the week before a Monday-to-Sunday week, otherwise the
// calendar month before.
func periodBeforeOf(dr intents.DateRange) (intents.DateRange, bool) {
	from, to, err := dr.Bounds()
	if err != nil {
		return dr, false
	}
	switch days := int(to.Sub(from).Hours()/24 + 0.5); {
	case days == 1:
		d := from.AddDate(0, 0, -1)
		return intents.DateRange{Start: d.Format(time.DateOnly), End: d.Format(time.DateOnly)}, true
	case days == 7 && from.Weekday() == time.Monday:
		return intents.DateRange{Start: from.AddDate(0, 0, -7).Format(time.DateOnly), End: from.AddDate(0, 0, -1).Format(time.DateOnly)}, true
	}
	return monthBefore(dr)
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
// creditCardSubject: the last answer was about the credit card without
// naming a card slot (its balance, its credit limit).
func creditCardSubject(prev *subject) bool {
	return prev.Slots[intents.SlotCard] == nil && (prev.Intent == intents.GetBalance && prev.Slots.String(intents.SlotAccount) == "credit_card" || prev.Intent == intents.CreditLimit)
}

func sibling(prev *subject, norm string) string {
	t := " " + norm + " "
	switch {
	case billFamily[prev.Intent] && prev.Slots[intents.SlotBiller] == nil && containsAny(t, " first", " next", " soonest", " earliest", " zuerst", " als erstes", " als nächstes"):
		return intents.BillDueDate // after the bills coming up: "which one's due first"
	case billFamily[prev.Intent] && prev.Slots[intents.SlotBiller] != nil:
		switch {
		case containsAny(t, " paid it", " paid that", " paid this", " already paid", " schon bezahlt", " schon gezahlt", " bezahlt ", " beglichen", " gone out", " abgebucht"):
			return intents.BillDueDate // "have i already paid it": the bill, its amount and when it is due
		case containsAny(t, " when ", " wann ", " by when", " bis wann", " due", " fällig") && !containsAny(t, " pay it now", " pay it today", " zahl sie jetzt", " jetzt zahlen"):
			return intents.BillDueDate // "and when I must pay it"
		case containsAny(t, " pay", " zahl", " begleich", " überweis"):
			return intents.PayBill
		case containsAny(t, " how much", " wie viel", " wie hoch", " amount", " betrag", " cost", " kostet"):
			return intents.BillBalance
		case containsAny(t, " when", " wann", " due", " fällig"):
			return intents.BillDueDate
		case containsAny(t, " minimum", " mindest"):
			return intents.MinimumPayment
		}
	case prev.Intent == intents.AccountBlocked:
		if containsAny(t, " sort ", " fix", " unblock", " unfreeze", " lift", " resolve", " what do i do", " what can i do", " get it back",
			" was kann ich", " was muss ich", " wie bekomme ich", " entsperr", " aufheben", " lösen", " beheben") {
			return intents.AccountBlocked // the answer says how
		}
	case prev.Intent == intents.AccountDetails && (lastFourAsked(t) || containsAny(t, " which account", " what account", " welches konto", " welchem konto")):
		return intents.AccountDetails // "and which account is that, the last four digits": the details again
	case prev.Intent == intents.CreditLimit && containsAny(t, " bump it up", " bump that up", " bump it", " raise it", " increase it", " up it ", " make it higher",
		" higher limit", " more credit", " erhöhen", " hochsetzen", " heraufsetzen", " mehr rahmen", " höher"):
		return intents.CreditLimitIncrease // "could you bump it up a bit" after the limit
	case cardFamily[prev.Intent] && prev.Slots[intents.SlotCard] != nil || creditCardSubject(prev):
		// (after the credit card's balance, "wann läuft die ab" is that
		// card's expiry)
		switch {
		case containsAny(t, " expire", " run out", " runs out", " valid", " abl", " läuft", " gültig"):
			return intents.CardExpiration
		case containsAny(t, " unlock", " entsperr", " freischalt", " unblock", " wieder auf", " mach sie auf", " aufmachen", " open it again",
			" reactivate", " wieder frei", " wieder aktiv", " turn it back on", " switch it back on"):
			return intents.UnlockCard
		case containsAny(t, " lock", " sperr", " freeze", " block"):
			return intents.LockCard
		case containsAny(t, " limit", " rahmen"):
			return intents.CreditLimit
		}
	}
	return ""
}

// payBillInContext reads the turn as paying biller, keeping the source
// account and the date said, and an amount only when said with its
// currency ("december 15th", "that one" are no amount).
func payBillInContext(r *Request, norm string, biller any) {
	slots := intents.Slots{intents.SlotBiller: biller}
	said := intents.Slots{} // as a payment reads them, whatever the recognizer took the words for
	intents.FillSlots(intents.PayBill, norm, r.Locale, r.Now, said)
	for _, k := range []string{intents.SlotFromAccount, intents.SlotDate} {
		if v := r.Slots[k]; v != nil {
			slots[k] = v
		} else if v := said[k]; v != nil {
			slots[k] = v
		}
	}
	if v := r.Slots[intents.SlotAmount]; v != nil && containsAny(" "+norm+" ", " dollar", " euro", " pound", " quid", " buck", " €", " $", " £") {
		slots[intents.SlotAmount] = v
	}
	r.Intent, r.Slots, r.Confidence, r.turn.inContext = intents.PayBill, slots, 1, true
}

// faqEntry is the FAQ entry the subject's answer came from, or "".
func (p *subject) faqEntry() string {
	if p == nil {
		return ""
	}
	return p.Slots.String("faq")
}
