package skill

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/kontoskill/konto/intents"
)

// Conversation policy: what a turn means besides its intent. A pending
// question takes its answer first (continueDialog); a side question is
// answered and the question asked again; a clearly new task drops the old
// one and says so; a guess the recognizer is unsure of acts on nothing;
// greetings and thanks get a greeting and thanks.

// Confidence thresholds for what the core's own recognizer read (a
// platform's resolved intent is taken as it is). Below readMin nothing is
// answered from the guess; below actMin nothing that moves money, changes
// a card or an account, or offers to delete data is started: Konto asks
// "Do you want to …?" instead. Calibrated on the held-out sets (see
// TestConfidenceThresholds).
const (
	readMin = 0.30
	actMin  = 0.55
	// yesMin is what a yes needs to answer "Do you want to …?", and
	// modelYesMin what the recognizer's yes alone needs to confirm a
	// read-back when the words are no plain yes ("yes", "ya that was me").
	yesMin      = 0.60
	modelYesMin = 0.85
)

// sensitive intents need actMin: they act, or offer to.
func (s *Skill) sensitive(intent string) bool {
	if _, ok := s.actions[intent]; ok {
		return true
	}
	return intent == intents.PrivacyCenter || intent == intents.ReviewAlerts || intent == intents.TalkToAgent // a call back is an act
}

// unsure reports whether a reading is too weak to act on.
func (s *Skill) unsure(r *Request) bool {
	if r.Text == "" || r.Intent == intents.Fallback || r.Confidence == 0 {
		return false // the platform resolved it, or nothing to doubt
	}
	switch r.Intent {
	case intents.Stop, intents.Cancel:
		// "war das mehr als im Oktober" read as Stop: a weak stop with
		// no word of stopping ends nothing.
		// "can i turn it off" (after the overdraft's answer) asks; it
		// cancels nothing either
		t := " " + intents.Normalize(r.Text) + " "
		return (r.Confidence < 0.5 || r.Confidence < 0.8 && asksSomething(r.Text) && !containsAny(t, " cancel", " abbrech", " stopp")) && !containsAny(t, stopWords...) && !containsAny(t, dropWords...)
	case intents.Yes, intents.No, intents.Help, intents.Repeat, intents.ProvidePin:
		return false
	}
	if (r.Intent == intents.TransferMoney || r.Intent == intents.PayBill) && (owedOrDone(" "+intents.Normalize(r.Text)+" ") || aMessage(" "+intents.Normalize(r.Text)+" ")) {
		// "tom owes me 50 dollars", "i paid tom 20 dollars yesterday right",
		// "send a text to tom saying i owe him 20 dollars": nobody asked to pay
		return true
	}
	if r.Intent == intents.TransferMoney && r.Confidence >= readMin && r.Slots[intents.SlotPayee] != nil && r.Slots[intents.SlotAmount] != nil &&
		containsAny(" "+intents.Normalize(r.Text)+" ", " send ", " pay ", " transfer ", " überweis", " schick", " zahl ") {
		return false // "pay emily 45 pounds from my current account": who, how much and the verb are said; the read-back and the PIN follow
	}
	if t := " " + intents.Normalize(r.Text) + " "; r.Confidence >= readMin && r.Slots[intents.SlotCard] != nil &&
		(r.Intent == intents.LockCard && containsAny(t, " lock ", " freeze ", " block ", " sperr") && !containsAny(t, " unlock", " unfreeze", " unblock", " entsperr") ||
			r.Intent == intents.UnlockCard && containsAny(t, " unlock ", " unfreeze ", " unblock ", " entsperr", " freischalt")) {
		return false // "oh wait never mind it's in my jacket, unlock the credit card": the verb and the card are said (unlocking asks for the PIN)
	}
	if r.Intent == intents.PrivacyCenter && privacyAsked(" "+intents.Normalize(r.Text)+" ") {
		return r.Confidence < readMin // "who gets to see my data": what is kept is told; deleting it is asked apart
	}
	if s.sensitive(r.Intent) {
		return r.Confidence < actMin
	}
	return r.Confidence < readMin
}

// owedOrDone: the words tell of money owed to the user or of a payment
// already made, not of one to make now.
func owedOrDone(t string) bool {
	return containsAny(t, " owes me", " owe me ", " owed me", " schuldet mir", " schulden mir", " schuldest mir", " i paid ", " i already paid", " i sent ", " i already sent",
		" ive paid", " ive sent", " ive already", " ich habe schon", " hab schon", " habe schon") && !containsAny(t, " send it", " pay it", " pay him", " pay her", " send him", " send her",
		" überweis es", " überweise es", " schick es", " überweis ihm", " überweise ihm", " überweis ihr", " überweise ihr")
}

// aMessage: the words ask to send a message, which may speak of money
// ("send a text to tom saying i owe him 20 dollars").
func aMessage(t string) bool {
	return containsAny(t, " a text ", " text message", " a message", " an email", " an e mail", " a note ", " a whatsapp", " eine nachricht", " ne nachricht",
		" eine sms", " ne sms", " eine mail", " eine email", " eine e mail", " eine whatsapp")
}

// stopWords say to stop or cancel.
// dropWords drop what is under way without ending the session.
var dropWords = []string{" lass es", " lass mal", " never mind", " nevermind", " forget it", " forget that", " scratch that", " vergiss es", " doch nicht", " lieber nicht"}

// dropSaid: the words drop what is under way, in the whole turn when it
// is short (six words or fewer) or at its end ("mach das gleiche nochmal
// für sophie, ach lass es"); "lass mal machen", "vergiss es nicht" agree.
func dropSaid(t string) bool {
	if containsAny(t, " lass mal machen", " lass uns", " lass mal sehen", " lass mal hören", " vergiss es nicht", " lass es nicht", " vergiss nicht") {
		return false
	}
	ws := strings.Fields(t)
	if len(ws) > 6 {
		ws = ws[len(ws)-3:]
	}
	return containsAny(" "+strings.Join(ws, " ")+" ", dropWords...)
}

var stopWords = []string{" stop", " cancel", " quit", " exit", " end ", " enough", " never mind", " nevermind", " forget it", " shut up",
	" halt", " stopp", " abbrechen", " abbruch", " beenden", " aufhören", " hör auf", " vergiss es", " schluss", " egal", " lass es", " lass mal"}

// suggestion is a reading Konto asked about ("Do you want to …?"): a yes
// next turn runs it, anything else forgets it.
type suggestion struct {
	Intent string        `json:"intent"`
	Slots  intents.Slots `json:"slots,omitempty"`
}

// suggest asks about an unsure reading instead of acting on it.
func (s *Skill) suggest(r *Request) *Response {
	l := langOf(r.Locale)
	if errand(r.Text) {
		// "can you book me a taxi and put it on my card": an errand for
		// another service, not an unsure card request.
		return &Response{Speech: l.andReprompt(l.msg("fallback")), Reprompt: l.reprompt()}
	}
	if bareChoice(r.Text) {
		// "one", "the second": an answer to a choice nobody offered, no
		// unsure request to ask about.
		return &Response{Speech: l.andReprompt(l.msg("nothing_pending")), Reprompt: l.reprompt()}
	}
	if !l.has("topic." + r.Intent) {
		return &Response{Speech: l.msg("unsure.general") + " " + l.msg("reprompt"), Reprompt: l.reprompt()}
	}
	r.st.Suggest = &suggestion{Intent: r.Intent, Slots: cloneSlots(r.Slots)}
	q := l.msg("unsure.ask", l.msg("topic."+r.Intent))
	return &Response{Speech: q, Reprompt: q, Choices: yesNo(l)}
}

// bareChoice: the words are only a number or an ordinal ("one", "the
// second one", "die erste").
func bareChoice(text string) bool {
	w := strings.Fields(intents.Normalize(text))
	if len(w) > 0 && (w[0] == "the" || w[0] == "die" || w[0] == "der" || w[0] == "das") {
		w = w[1:]
	}
	if len(w) == 2 && (w[1] == "one" || w[1] == "davon") {
		w = w[:1]
	}
	if len(w) != 1 {
		return false
	}
	i, place := ordinals[w[0]]
	return place && i >= 0 || containsAny(" "+w[0]+" ", " one ", " two ", " three ", " eins ", " zwei ", " drei ")
}

// errand: the words ask for a service that is no bank's ("book me a
// taxi", "order a pizza", "bestell mir ein Taxi").
func errand(text string) bool {
	t := " " + intents.Normalize(text) + " "
	for _, v := range []string{" book me ", " book a ", " book us ", " order me ", " order a ", " order ", " call me a ", " call a ", " get me a ", " get me an ",
		" bestell mir ", " bestell uns ", " buch mir ", " buche mir ", " ruf mir ein ", " ruf ein "} {
		i := strings.Index(t, v)
		if i < 0 {
			continue
		}
		what := strings.Fields(t[i+len(v):])
		what = what[:min(3, len(what))]
		// (not "book me an appointment at the branch", "order a new card")
		return containsAny(" "+strings.Join(what, " ")+" ", " taxi", " cab ", " uber", " pizza", " food", " table", " flight", " ticket", " hotel", " tisch", " flug", " essen")
	}
	return false
}

// takeSuggestion answers the turn after "Do you want to …?": yes runs
// the suggested intent; no or anything unclear forgets it.
func (s *Skill) takeSuggestion(r *Request) (resp *Response, handled bool) {
	sg := r.st.Suggest
	r.st.Suggest = nil
	l := langOf(r.Locale)
	if socialOf(r) != notSocial {
		return nil, false // "hi" is no yes to "Do you want to …?"
	}
	switch r.Intent {
	case intents.Yes:
		if r.Text != "" && (r.Confidence < yesMin || doubtful(r.Text)) {
			return &Response{Speech: l.msg("unsure.general") + " " + l.msg("reprompt"), Reprompt: l.reprompt()}, true
		}
		r.Intent, r.Slots, r.Confidence, r.Text = sg.Intent, cloneSlots(sg.Slots), 1, ""
		return nil, false
	case intents.No, intents.Cancel:
		return &Response{Speech: l.msg("unsure.no") + " " + l.msg("reprompt"), Reprompt: l.reprompt()}, true
	case sg.Intent:
		// "right, go on then, pay it" after "Do you want to pay a bill?":
		// asked again in other words, it is meant.
		if r.Text != "" && yesNoOf(r.Text) != intents.No && len(r.Slots) == 0 {
			for k, v := range sg.Slots {
				if r.Slots[k] == nil {
					r.Slots[k] = v
				}
			}
			r.Confidence = max(r.Confidence, actMin)
		}
	default:
		if cardFamily[sg.Intent] && cardFamily[r.Intent] && r.Slots[intents.SlotCard] == nil && sg.Slots[intents.SlotCard] != nil && startsWithYes(r.Text) {
			// "Ja, bitte sperren Sie sie" after "Meinst du: eine Karte als
			// verloren melden?" for the Bankkarte: that card, locked.
			if in, ok := intents.Lookup(r.Intent); ok && in.HasSlot(intents.SlotCard) {
				r.Slots[intents.SlotCard] = sg.Slots[intents.SlotCard]
			}
		}
	}
	return nil, false
}

// startsWithYes: the turn opens with a yes ("ja, bitte sperren", "yes
// lock it").
func startsWithYes(text string) bool {
	w := strings.Fields(intents.Normalize(text))
	return len(w) > 1 && yesNoOf(w[0]) == intents.Yes
}

// social is what a turn says when it is only a greeting or thanks.
type social int

const (
	notSocial social = iota
	greeting
	thanks
	smalltalk // "how are you": a greeting that asks after Konto
)

var (
	acks = []string{"ok", "okay", "right", "alright", "all right", "great", "cool", "super", "prima", "gut", "schön", "perfekt", "alles klar", "na gut",
		"lovely", "brilliant", "perfect", "awesome", "nice", "wonderful", "fab", "ace", "toll", "klasse", "wunderbar", "spitze", "passt", "passt schon", "passt scho",
		"bet", "sweet", "dope", "word", "gotcha", "got it", "kk", "k"}
	byes = []string{"bye", "bye bye", "goodbye", "ta ra", "tara", "cheerio", "see you", "see ya", "tschüss", "tschö", "ciao", "bis dann", "bis bald", "servus",
		"auf wiederhören", "auf wiedersehen", "wiederhören", "bis zum nächsten mal", "schönen tag noch", "have a nice day", "have a good day", "take care"}
	howAreYou = normalizedSet("how are you", "how are you doing", "how are you doing today", "how are you today", "hows it going", "how is it going",
		"how are things", "how you doing", "you ok", "how have you been", "wie gehts", "wie geht es dir", "wie gehts dir", "wie geht's dir",
		"wie geht es ihnen", "wie geht's", "alles gut bei dir", "na wie gehts", "wie läuft's", "wie läufts")
)

var (
	fillers   = map[string]bool{"um": true, "uh": true, "uhm": true, "erm": true, "oh": true, "well": true, "so": true, "ähm": true, "äh": true, "öhm": true, "also": true, "na": true, "konto": true, "alexa": true, "there": true}
	greetings = map[string]bool{"hi": true, "hello": true, "hey": true, "hiya": true, "howdy": true, "yo": true, "morning": true, "evening": true,
		"good morning": true, "good afternoon": true, "good evening": true, "good day": true, "hi hi": true, "hello hello": true,
		"hallo": true, "guten morgen": true, "guten tag": true, "guten abend": true, "moin": true, "moin moin": true, "servus": true,
		"grüß gott": true, "grüss gott": true, "grüezi": true, "hallöchen": true, "tag": true, "morgen": true, "n abend": true, "abend": true}
	thankings = map[string]bool{"thanks": true, "thank you": true, "thank you very much": true, "thanks a lot": true, "thanks so much": true,
		"cheers": true, "ta": true, "many thanks": true, "no worries cheers": true, "no worries thanks": true, "no worries": true,
		"nice one": true, "nice one cheers": true, "lovely cheers": true, "brilliant cheers": true, "sound cheers": true, "ace cheers": true, "great thanks": true, "cool thanks": true, "ok thanks": true, "okay thanks": true,
		"perfect thanks": true, "awesome thanks": true, "thank you so much": true, "that's all thanks": true, "thats all thanks": true, "great thank you": true,
		"danke": true, "danke schön": true, "dankeschön": true, "vielen dank": true, "danke sehr": true, "merci": true, "super danke": true,
		"ok danke": true, "okay danke": true, "alles klar danke": true, "perfekt danke": true, "prima danke": true, "danke dir": true, "besten dank": true,
		"vielen herzlichen dank": true, "herzlichen dank": true, "danke vielmals": true, "vielen lieben dank": true, "danke ihnen": true,
		"thank you kindly": true, "much appreciated": true, "thanks very much": true, "cheers mate": true, "lovely thanks": true,
		"ta very much": true, "thanks ever so much": true, "thank you ever so much": true, "thanks a million": true, "thx": true, "ty": true, "thank u": true, "thanks fam": true, "tysm": true, "thnx": true, "thanx": true, "tnx": true, "thank ya": true,
		"thanks so much for your help": true, "thank you for your help": true, "thanks for your help": true, "thanks for the help": true, "cheers for that": true,
		"danke für die hilfe": true, "danke für deine hilfe": true, "danke für ihre hilfe": true, "passt danke": true, "passt scho danke": true}
)

// socialOf tells a greeting or thanks that asks for nothing else.
func socialOf(r *Request) social {
	if r.Text == "" {
		return notSocial
	}
	var words []string
	for _, w := range strings.Fields(intents.Normalize(r.Text)) {
		if !fillers[w] {
			words = append(words, w)
		}
	}
	t := strings.Join(words, " ")
	// "ok danke dir", "right cheers, ta-ra": the thanks without the
	// acknowledgement before it or the goodbye after it.
	bare := t
	for changed := true; changed; {
		changed = false
		for _, a := range acks {
			if rest, ok := strings.CutPrefix(bare, a+" "); ok {
				bare, changed = rest, true
			}
		}
		for _, b := range byes {
			if rest, ok := strings.CutSuffix(bare, " "+b); ok {
				bare, changed = rest, true
			}
		}
	}
	switch {
	case t == "":
		return notSocial
	case greetings[t]:
		return greeting
	case thankings[t] || thankings[bare] || thankings[strings.Join(strings.Fields(intents.Normalize(r.Text)), " ")]: // ("so" is a filler elsewhere: "thank you so much")
		return thanks
	case howAreYou[t] || howAreYou[bare]:
		return smalltalk
	}
	if rest := strings.Fields(bare); len(rest) > 1 && greetings[rest[0]] && howAreYou[strings.Join(rest[1:], " ")] {
		return smalltalk // "hi how are you"
	}
	only, hello := len(words) <= 4, false
	for _, w := range words {
		only = only && greetingWords[w]
		hello = hello || greetingWords[w] && !questionComing[w]
	}
	only = only && hello // ("one" alone answers a question)
	if only {
		return greeting // "hey good morning", "hallo guten tag"
	}
	return notSocial
}

var greetingWords = map[string]bool{"hi": true, "hey": true, "hello": true, "hiya": true, "good": true, "morning": true, "afternoon": true,
	"evening": true, "day": true, "hallo": true, "guten": true, "morgen": true, "tag": true, "abend": true, "moin": true, "servus": true, "lovely": true,
	// "hi, quick one", "hallo, kurze Frage": a question is coming
	"quick": true, "one": true, "question": true, "kurze": true, "frage": true, "eine": true}

// questionComing are greeting words that are no greeting alone.
var questionComing = map[string]bool{"quick": true, "one": true, "question": true, "kurze": true, "frage": true, "eine": true}

// socially answers a greeting or thanks; with a question pending, the
// question is asked again (a "hello?" is no yes).
func (s *Skill) socially(r *Request, kind social) *Response {
	l := langOf(r.Locale)
	if d := r.st.Dialog; d != nil {
		head := l.msg("greet.hello")
		if kind == smalltalk {
			head = l.msg("greet.fine")
		}
		if kind == thanks {
			head = l.msg("thanks.reply")
		}
		return &Response{Speech: head + " " + d.Question, Reprompt: d.Question, Choices: dialogChoices(l, d)}
	}
	if kind == thanks {
		return &Response{Speech: l.msg("thanks.reply") + " " + l.msg("anything_else"), Reprompt: l.reprompt()}
	}
	return nil // a greeting is a launch
}

// dialogChoices are the buttons of a pending question.
func dialogChoices(l lang, d *dialog) []Choice {
	if d.Stage == stageConfirm {
		return yesNo(l)
	}
	var cs []Choice
	for _, c := range d.Choices {
		cs = append(cs, Choice{Label: c.Show, Say: c.Show})
	}
	return cs
}

// aside answers a side question asked while a dialog waits, and asks the
// dialog's question again: "…Now, back to your transfer of $40.00 to Tom
// Nguyen: from which account?". Only a question that reads (a balance, a
// list, a fact) is taken aside, and only when it is clearly one.
func (s *Skill) aside(ctx context.Context, r *Request) (*Response, error, bool) {
	d := r.st.Dialog
	if d == nil || !s.readsOnly(r.Intent) || s.unsure(r) || (r.Text != "" && r.Confidence < readMin+0.1) {
		return nil, nil, false
	}
	if _, other := s.othersMoney(ctx, r); other {
		// "how much does tom have" while a payment to him waits: never the
		// user's own balances as his; then the dialog's question again.
		l := langOf(r.Locale)
		return &Response{Speech: l.msg("others.money") + " " + l.backTo(d), Reprompt: d.Question, Choices: dialogChoices(l, d)}, nil, true
	}
	if d.Action == intents.PayBill && (r.Intent == intents.BillDueDate || r.Intent == intents.BillBalance || r.Intent == intents.MinimumPayment) &&
		r.Slots[intents.SlotBiller] == nil && d.Slots[intents.SlotBiller] != nil && !s.namesABiller(ctx, r) {
		// "when's it due?" while a bill's payment waits: that bill ("wann
		// ist die o2 rechnung fällig" names another one).
		r.Slots[intents.SlotBiller] = d.Slots[intents.SlotBiller]
	}
	r.st.Dialog = nil
	resp, err := s.mux.Serve(ctx, r)
	if err != nil || resp == nil || r.st.Dialog != nil || r.turn.next != nil || resp.LinkAccount {
		r.st.Dialog = d // leave the dialog waiting; say what went wrong
		if err != nil {
			return nil, err, true
		}
		return resp, nil, resp != nil
	}
	if r.turn.faqID == "" && r.st.Suggest == nil && r.Intent != intents.Fallback && r.Intent != intents.Help {
		s.remember(r, r.Intent, r.Slots) // "and at kroger" next follows this answer (asideFollowUp)
	}
	r.st.Dialog = d
	l := langOf(r.Locale)
	back := l.backTo(d)
	speech := l.withoutAnythingElse(resp.Speech)
	out := *resp
	out.Speech, out.Reprompt, out.EndSession = speech+" "+back, d.Question, false
	out.Choices = dialogChoices(l, d)
	out.Elicit = nil
	if d.Stage == stageCollect && d.Awaiting != "" {
		out.Elicit = &Elicit{Intent: d.Action, Slot: d.Awaiting, Slots: d.Slots}
	}
	return &out, nil, true
}

// asideFollowUp answers an elliptical follow-up of a side question
// while a dialog waits ("how much did i spend at whole foods this
// month" at a read-back, then "and at kroger"): read in the light of
// that answer, it is a side question too, and the dialog goes on after
// it (it was "Please say yes or no").
func (s *Skill) asideFollowUp(ctx context.Context, r *Request) (*Response, error, bool) {
	prev := s.previous(r)
	if r.st.Dialog == nil || r.Text == "" || prev == nil || !s.readsOnly(prev.Intent) || r.turn.inContext {
		return nil, nil, false
	}
	norm := intents.Normalize(r.Text)
	lead := leadEN
	if intents.German(r.Locale) {
		lead = leadDE
	}
	if !lead.MatchString(norm) || len(strings.Fields(norm)) > 6 || actionWords(norm) || yesNoOf(r.Text) != "" {
		return nil, nil, false
	}
	intent, slots, conf := r.Intent, r.Slots, r.Confidence
	s.followUp(r)
	if !r.turn.inContext && r.Intent == intent || !s.readsOnly(r.Intent) {
		r.Intent, r.Slots, r.Confidence, r.turn.inContext = intent, slots, conf, false
		return nil, nil, false
	}
	r.Confidence = max(r.Confidence, readMin+0.1)
	resp, err, ok := s.aside(ctx, r)
	if !ok {
		r.Intent, r.Slots, r.Confidence, r.turn.inContext = intent, slots, conf, false
	}
	return resp, err, ok
}

// namesABiller: the turn names one of the user's billers by its name.
func (s *Skill) namesABiller(ctx context.Context, r *Request) bool {
	billers, ok := s.userBillers(ctx, r)
	if !ok || r.Text == "" {
		return false
	}
	_, named := billerNamed(r, billers)
	return named
}

// readsOnly: intents whose answer reads and changes nothing, so that they
// can be asked in the middle of a dialog.
func (s *Skill) readsOnly(intent string) bool {
	switch intent {
	case intents.GetBalance, intents.ListTransactions, intents.SpendingSummary, intents.IncomeSummary,
		intents.BillBalance, intents.BillDueDate, intents.MinimumPayment, intents.CardExpiration,
		intents.CreditLimit, intents.RewardsBalance, intents.InterestRate, intents.Fees, intents.CreditScore,
		intents.AccountBlocked, intents.CardDeclined, intents.CardApplication:
		return true
	}
	return false
}

// newTask reports whether a turn at a pending dialog clearly starts
// another task, which then replaces the dialog.
func (s *Skill) newTask(r *Request) bool {
	if _, ok := s.actions[r.Intent]; !ok && r.Intent != intents.PrivacyCenter && r.Intent != intents.TalkToAgent {
		return false
	}
	if t := " " + intents.Normalize(r.Text) + " "; r.Text != "" && (lockedAsked(t, r.Locale, nil) != "" || lockedAskedAny(t)) {
		return false // "is my credit card locked?" asks; it locks nothing
	}
	if t := " " + intents.Normalize(r.Text) + " "; r.Intent == intents.TalkToAgent && r.Text != "" && r.Confidence >= readMin &&
		containsAny(t, " talk to ", " speak to ", " speak with ", " talk with ", " human", " real person", " agent", " someone", " somebody", " advisor", " adviser",
			" mitarbeiter", " berater", " mensch", " jemandem", " sprechen", " reden") {
		return true // "can i talk to somebody about that": asked as a question, meant as a request
	}
	if t := " " + intents.Normalize(r.Text) + " "; r.Intent == intents.TalkToAgent && r.Text != "" && !asksForPerson(strings.TrimSpace(t)) &&
		!containsAny(t, " customer service", " support", " representative", " operator", " hotline", " kundenservice", " service", " rückruf", " phone") {
		return false // "the other one", "the usual one" at "Alice Chen or Alice Meyer?": not understood, asked again; the payment stays
	}
	if r.Text != "" && asksSomething(r.Text) && len(r.Slots) == 0 {
		return false // "wie lange dauert so eine Überweisung?" asks about one; it starts none
	}
	return r.Text == "" || r.Confidence >= actMin
}

// dropped says that the pending dialog d was dropped for a new task.
func dropped(l lang, d *dialog) string {
	if d.What != "" {
		return l.msg("dialog.dropped", d.What)
	}
	return l.msg("dialog.dropped.plain")
}

func lowerFirst(s string) string {
	if s == "" {
		return s
	}
	r, n := utf8.DecodeRuneInString(s)
	return string(unicode.ToLower(r)) + s[n:]
}

// closingWords say the person is done ("no that's everything", "das war's").
var closingWords = []string{" that's all", " thats all", " that's everything", " thats everything", " that's it ", " thats it ", " nothing else",
	" i'm done", " im done", " all done", " bye ", " goodbye", " good bye", " das war's", " das wars", " das war es", " nichts weiter",
	" sonst nichts", " tschüss", " ciao", " bis dann", " auf wiederhören", " passt schon danke", " ta ra ", " tara ", " cheerio",
	" see you", " see ya", " take care", " tschö", " tschau", " bis bald", " bis später", " schönen tag noch", " have a good day",
	" have a nice day", " later ", " das wärs", " das wäre es", " das wäre alles", " das wär alles", " das ist alles", " das war alles", " das wars schon", " das wär's", " das wärs dann", " passt scho danke", " passt scho, danke", " danke das wars",
	" mehr wollte ich nicht", " mehr brauche ich nicht", " that'll be all", " thatll be all", " that will be all", " thats all for now", " im all set", " i'm all set",
	" pfiat di", " pfiat eich", " pfiat ihna", " servus und danke", " baba ", " ade ", " adieu", " auf wiedersehen", " wiederschaun", " wiederschauen"}

// onlyClosing: the turn says goodbye and nothing else ("passt, pfiat
// di", "ok thanks, bye"): no question to answer first.
func onlyClosing(text string) bool {
	t := " " + intents.Normalize(text) + " "
	if !containsAny(t, closingWords...) {
		return false
	}
	for _, w := range closingWords {
		t = strings.ReplaceAll(t, w, " ")
	}
	for _, w := range strings.Fields(t) {
		if !farewellAcks[w] && !fillers[w] {
			return false
		}
	}
	return true
}

// farewellAcks are words said around a goodbye.
var farewellAcks = map[string]bool{"passt": true, "ok": true, "okay": true, "danke": true, "dankeschön": true, "thanks": true, "thank": true, "you": true,
	"cheers": true, "super": true, "gut": true, "prima": true, "alles": true, "klar": true, "perfect": true, "great": true, "scho": true, "schon": true,
	"vielen": true, "dank": true, "much": true, "so": true, "and": true, "und": true, "then": true, "dann": true, "good": true, "fine": true, "lovely": true,
	"ta": true, "na": true, "jo": true, "servus": true, "basst": true, "guad": true, "dankschee": true, "merci": true, "now": true, "for": true, "all": true, "right": true, "alright": true, "wunderbar": true, "toll": true}

// closing: the person is done ("no that's everything", "das war's").
func closing(r *Request) bool {
	if r.Text == "" {
		return false
	}
	t := " " + intents.Normalize(r.Text) + " "
	return containsAny(t, closingWords...)
}

// yesNoOf reads a plain yes or no at a yes/no question by its first
// words ("ya that was me", "jo", "nope not me", "nein war ich nicht"),
// before the recognizer's guess: short answers are where it is weakest.
// It returns "" when the words say neither.
func yesNoOf(text string) string {
	words := strings.Fields(intents.Normalize(text))
	for len(words) > 0 && (fillers[words[0]] || words[0] == "actually" || words[0] == "eigentlich" || words[0] == "hmm" || words[0] == "ach" || words[0] == "och" || words[0] == "na" && len(words) > 1 ||
		words[0] == "dann" && len(words) > 1 || words[0] == "ok" && len(words) > 1 ||
		(words[0] == "okay" || words[0] == "alright") && len(words) > 1 && yesNoWords[words[1]]) {
		words = words[1:]
	}
	if len(words) == 0 {
		return ""
	}
	t := strings.Join(words, " ")
	for _, p := range noPhrases {
		if t == p || strings.HasPrefix(t, p+" ") || strings.HasSuffix(t, " "+p) {
			return intents.No
		}
	}
	for _, p := range yesPhrases {
		if t == p {
			return intents.Yes
		}
		if rest, ok := strings.CutPrefix(t, p+" "); ok && (len(strings.Fields(rest)) <= 4 || goAhead.MatchString(rest)) && !hedged(rest) && !weakYes[p] {
			return intents.Yes // "yes please", "ya that was me", "yeah go ahead and pay it"; not "okay wait", "yes but send it to Mary"
		}
	}
	if doIt.MatchString(t) {
		return intents.Yes // "gut, dann führen Sie sie bitte aus", "schick sie ab", "ok send it"
	}
	return ""
}

// doIt: words that only tell Konto to carry out what it read back, with
// no name, amount or account of their own ("dann führen Sie sie bitte
// aus", "mach das jetzt", "überweis es", "send it now", "please process
// the payment"). Locks are left out: "sperr sie" at a lost card's offer
// to replace it is the lock alone.
var doIt = regexp.MustCompile(`^(?:(?:gut|also|na|ok|okay|ja|jo|dann|bitte|so|jetzt|and|then|please|just|alright|right|fine|great|cool|sure|yes|yeah|yep|now)\s)*` +
	`(?:(?:führ|führe|führen sie|mach|mache|machen sie|schick|schicke|schicken sie|überweis|überweise|überweisen sie|zahl|zahle|zahlen sie|bezahl|bezahle|bezahlen sie|erledig|erledige|erledigen sie)` +
	`(?:\s(?:sie|es|das|die|den|ihn|ab|die überweisung|die zahlung|die rechnung|das ganze|bitte|jetzt|dann|so|gern|gerne|ruhig|mal|doch|einfach|danke|aus|ab|weg|los))*` +
	`|(?:send|pay|transfer|process|execute|submit|complete|make|do)\s(?:it|that|this|the payment|the transfer|the bill|the transaction)(?:\s(?:now|please|then|thanks|thank you|through|off))*)$`)

// yesNoWords open a yes or a no after "okay" or "alright" ("alright yes,
// proceed with the payment"; "alright then" is a yes of its own).
var yesNoWords = map[string]bool{"yes": true, "yeah": true, "yep": true, "ja": true, "jo": true, "no": true, "nein": true, "nope": true, "nee": true}

// goAheadYes: a yes whose rest only says to do it ("alright yes, proceed
// with the payment").
func goAheadYes(text string) bool {
	words := strings.Fields(intents.Normalize(text))
	for len(words) > 1 && (fillers[words[0]] || words[0] == "ok" || words[0] == "okay" || words[0] == "alright" || words[0] == "dann") {
		words = words[1:]
	}
	t := strings.Join(words, " ")
	for _, p := range yesPhrases {
		if rest, ok := strings.CutPrefix(t, p+" "); ok && goAhead.MatchString(rest) {
			return true
		}
	}
	return false
}

// goAhead: the rest of a yes that only says to do it ("go ahead and pay
// it", "mach das bitte jetzt").
var goAhead = regexp.MustCompile(`^(?:please |just |then |so )?(?:go ahead|carry on|do it|go on|proceed)(?: and| with)?(?: (?:pay|send|transfer|move|do|make|lock|unlock|block))?(?: (?:it|that|them|this|the payment|the transfer|the transaction|the bill))?(?: now| please| then| thanks| thank you)*$`)

// weakYes are words that acknowledge rather than agree: alone they are a
// yes to a read-back, but followed by more they are no answer.
var weakYes = map[string]bool{"okay": true, "ok": true, "right": true, "sure": true, "klar": true, "gut": true}

// doubtful: words that make a yes a shrug ("sure i guess", "yeah
// whatever", "ja meinetwegen"): no yes to a guess Konto asked about, nor
// to what cannot be undone.
func doubtful(text string) bool {
	t := " " + intents.Normalize(text) + " "
	return containsAny(t, " i guess", " i suppose", " whatever", " if you say so", " if you must", " maybe", " perhaps", " probably", " not sure",
		" dunno", " i dont know", " kind of", " kinda", " ich glaub", " vielleicht", " wenn du meinst", " wenn es sein muss", " meinetwegen", " weiß nicht",
		" weiss nicht", " keine ahnung", " wahrscheinlich", " wohl ", " irgendwie")
}

// agreeing drops the phrases that agree though they hold a drop word
// ("ja, lass mal machen", "ja mach, vergiss es nicht").
var agreeing = strings.NewReplacer(" lass mal machen ", " ", " vergiss es nicht ", " ", " lass uns ", " ")

// hedged: words that hold a yes back ("but", "wait", "instead").
func hedged(rest string) bool {
	t := agreeing.Replace(" " + rest + " ")
	return containsAny(t, " but ", " wait", " hold on", " instead", " actually", " not ", " don't", " dont ", " change", " rather",
		" aber ", " warte", " moment", " stattdessen", " nicht ", " doch ", " lieber ", " ändere", " noch mal", " nochmal",
		// "yes the other one", "yes, i mean checking", "yes, just kidding": a change or a retraction, no yes
		" other", " another", " i mean ", " i meant", " mean the", " kidding", " joking", " jk ", " the rest", " andere", " anderen", " meine ich",
		" ich meine", " meinte", " spaß", " scherz", " quatsch", " nur so", " war nur",
		// "yes, forget it", "yes cancel that", "ja, lass mal": the yes taken back
		" forget it", " forget that", " forget about it", " cancel that", " hang on", " let me think", " as if", " scratch that",
		" vergiss", " lass mal", " lass es", " abbrech", " lass gut sein")
}

var (
	// noPhrases come first: "yes that wasn't me" is a no to "was this you?".
	noPhrases = []string{"no", "nope", "nah", "actually no", "no thanks", "not today", "not now", "maybe later", "lieber doch nicht", "jetzt nicht", "no way", "not me", "that wasn't me", "that was not me", "wasn't me", "it wasn't me",
		"don't", "do not", "negative", "nein", "ne", "nee", "nö", "auf keinen fall", "war ich nicht", "das war ich nicht",
		"nicht ich", "lieber nicht", "doch nicht", "never mind", "not yet", "noch nicht"}
	yesPhrases = []string{"yes", "yeah", "yep", "yup", "ya", "yea", "yah", "sure", "correct", "right", "that's right", "thats right",
		"that is right", "absolutely", "definitely", "of course", "go ahead", "do it", "please do", "okay", "ok", "affirmative",
		"that was me", "it was me", "that's me", "go on", "go on then", "go for it", "carry on", "sounds good", "do that", "please go ahead",
		"yes go on", "yes please go ahead", "mach weiter", "leg los", "nur zu", "mach schon", "was me", "i did", "i made it", "i did that", "it's mine", "its mine", "that's mine",
		"ja", "jo", "jep", "jap", "jawohl", "genau", "richtig", "stimmt", "klar", "sicher", "gerne", "gern", "passt", "mach das",
		"mach", "bitte", "ja bitte", "das war ich", "war ich", "ich war das", "ich wars", "ich war's", "korrekt", "einverstanden",
		// "gut, dann ja", "na gut", "fine", "alright then" at a read-back (were not understood)
		"gut", "gut dann ja", "also gut dann ja", "na gut", "also gut", "na gut dann", "in ordnung", "geht klar", "passt schon", "passt scho", "okay dann", "ok dann",
		"fine", "thats fine", "that's fine", "alright", "alright then", "all right", "ok cool", "okay cool", "cool", "fine go ahead", "fine do it"}
)

// correction reads a change to a read-back ("no wait, from savings",
// "nein, lieber 30 Euro"): the accounts, amount or date the words name
// for the dialog's action that differ from what was read back. Names
// (payees, billers) are not taken from free words here.
func correction(r *Request, d *dialog) intents.Slots {
	if r.Text == "" || r.Intent == d.Action && yesNoOf(r.Text) != intents.No {
		return nil // (a new request for the same thing is merged elsewhere; "no actually make it 60" corrects)
	}
	norm := intents.Normalize(r.Text)
	same := containsAny(" "+norm+" ", sameAmountWords...) // "doch an max, gleicher Betrag": the amount stays, nobody asks about one
	if asksAbout(r) && (*Skill)(nil).readsOnly(r.Intent) && !same {
		return nil // "wait, how much do I have in checking again" asks; it corrects nothing
	}
	if same {
		norm = strings.TrimSpace(strings.Join(strings.Fields(" "+replaceAll(" "+norm+" ", sameAmountWords, " ")+" "), " "))
	}
	if negatesAction(" "+norm+" ") || yesNoOf(r.Text) == intents.No && negatesName(" "+norm+" ") {
		return nil // "no, don't send it to carol", "hold on, don't send it yet": nobody new is named
	}
	if from, to := d.Slots.String(intents.SlotFromAccount), d.Slots.String(intents.SlotToAccount); from != "" && to != "" &&
		to != "credit_card" && to != "loan" && to != "mortgage" && // (nothing is paid from a card or a loan)
		containsAny(" "+norm+" ", " other way round", " other way around", " the reverse", " reverse it", " umgekehrt", " andersrum", " anders rum", " andersherum") {
		// "no, the other way round, checking to savings"
		return intents.Slots{intents.SlotFromAccount: to, intents.SlotToAccount: from}
	}
	found := intents.Slots{}
	intents.FillSlots(d.Action, norm, r.Locale, r.Now, found)
	if kinds := intents.ParseAccounts(norm); containsAny(" "+norm+" ", " i meant ", " i mean ", " ich meinte ", " meinte ich ") && len(kinds) == 2 &&
		kinds[1] == d.Slots.String(intents.SlotFromAccount) && kinds[0] != kinds[1] {
		// "no i meant savings not checking" at a read-back from checking:
		// the account to pay from; the payee stays.
		return intents.Slots{intents.SlotFromAccount: kinds[0]}
	}
	if meant := meantPart(norm); meant != "" && d.Action == intents.TransferMoney && found[intents.SlotPayee] == nil {
		// "no sorry, i meant sophie turner not ravi": the name meant.
		found[intents.SlotPayee] = meant
	}
	if d.Action == intents.TransferMoney && found[intents.SlotPayee] == nil && correcting(norm) {
		if p := otherPayeeSaid(norm, d.Slots.String(intents.SlotPayee), r.turn); p != "" {
			found[intents.SlotPayee] = p // "no, tom after all": another of the user's payees, by name alone
		}
	}
	if _, ok := found[intents.SlotAmount]; ok && intents.ParsePin(norm) != "" && !containsAny(" "+norm+" ", moneyWords...) &&
		!containsAny(" "+norm+" ", " make it ", " change it to ", " mach ") {
		delete(found, intents.SlotAmount) // "no, to alice, 6 6 9 6": the PIN said too early is no amount
	}
	if !correcting(norm) {
		// "wie viel ist auf meinem Sparkonto" at a read-back is a side
		// question, not a new recipient: only words that correct do. A
		// new date does, even in a yes ("do that tomorrow").
		if v, ok := found[intents.SlotDate]; ok && (d.Slots[intents.SlotDate] != nil || fmt.Sprint(v) != r.Now.Format(time.DateOnly)) &&
			fmt.Sprint(d.Slots[intents.SlotDate]) != fmt.Sprint(v) && d.Stage == stageConfirm {
			return intents.Slots{intents.SlotDate: v}
		}
		return nil
	}
	if c := found.String(intents.SlotCard); c != "" && negatedCard(r.Text) == c {
		delete(found, intents.SlotCard) // "not the debit one, the other one": the debit card is the one not meant
	}
	if p := found.String(intents.SlotPayee); p != "" && noName(strings.Fields(p)[:1]) {
		delete(found, intents.SlotPayee) // "i'll give him cash", "talk to someone": nobody's name
	}
	dropLooseOne(r.Text, found)
	fix := intents.Slots{}
	keys := []string{intents.SlotFromAccount, intents.SlotToAccount, intents.SlotAmount, intents.SlotDate, intents.SlotCard}
	if d.Action == intents.TransferMoney && !containsAny(" "+norm+" ", " from ", " von ", " vom ") {
		// "nee, doch lieber an Sophie": another of the user's payees.
		keys = append(keys, intents.SlotPayee)
	}
	if d.Action == intents.PayBill {
		// "nein, doch lieber die Telekom-Rechnung": another of the
		// user's bills (the plan matches it against their billers).
		keys = append(keys, intents.SlotBiller)
	}
	for _, k := range keys {
		v, ok := found[k]
		if k == intents.SlotDate && d.Slots[k] == nil && fmt.Sprint(v) == r.Now.Format(time.DateOnly) {
			continue // "not today" is no new date
		}
		if ok && fmt.Sprint(d.Slots[k]) != fmt.Sprint(v) {
			fix[k] = v
		}
	}
	if len(fix) == 0 {
		return nil
	}
	return fix
}

// looseOne is "one" used as a pronoun ("the water one", "which one", "the
// vodafone one"), not an amount.
var looseOne = regexp.MustCompile(`\b(the|that|this|which|other|first|second|last|big|small|bigger|smaller|larger|insurance|water|gas|phone|electric|power|internet|den|die|das|welche|welcher)\s+one\b|\b(the|that|this|my|your|our)\s+([a-z][a-z'&-]*\s+){1,3}one\b|\bone'?s\b`)

// dropLooseOne forgets an amount of 1 read from "one" used as a pronoun.
func dropLooseOne(text string, slots intents.Slots) {
	a, ok := slots.Amount(intents.SlotAmount)
	if !ok || a.Value != "1.00" && a.Value != "1" {
		return
	}
	t := intents.Normalize(text)
	if looseOne.MatchString(t) && !containsAny(" "+t+" ", " dollar", " euro", " pound", " quid", " buck", " 1 ") {
		delete(slots, intents.SlotAmount)
	}
}

// faqAside answers a question the bank's FAQ answers while a dialog
// waits, and asks the dialog's question again.
func (s *Skill) faqAside(ctx context.Context, r *Request, d *dialog) *Response {
	if _, act := s.actions[r.Intent]; act && r.Confidence >= actMin && !(r.Text != "" && asksSomething(r.Text) && len(r.Slots) == 0) {
		return nil // a new task, not a question ("how long does a transfer take" is one)
	}
	l := langOf(r.Locale)
	resp := s.faq.take(ctx, r)
	if resp == nil && r.Intent == intents.Fallback && s.faq.bankQuestion(ctx, r) {
		// A bank question nobody here answers: the support line, then
		// back to the question (the callback offer would replace it).
		resp = &Response{Speech: s.faq.supportLine(r)}
	}
	if resp == nil {
		return nil
	}
	back := l.backTo(d)
	resp.Speech = l.withoutAnythingElse(resp.Speech) + " " + back
	resp.Reprompt, resp.EndSession, resp.Choices = d.Question, false, dialogChoices(l, d)
	return resp
}

// answersSoft: a turn that answers Konto's own yes/no question (an
// alert's "was this you?", a callback offer), or asks about it.
func answersSoft(r *Request) bool {
	if d := r.st.Dialog; d != nil && d.Action == actReviewAlert && r.Text != "" {
		return answerOf(r.Text, d) != "" || r.Intent == intents.Repeat // "no no, I never bought anything there"; not "no thanks"
	}
	switch r.Intent {
	case intents.Repeat:
		return true // Help, Stop and Cancel are the usual ones: the question was Konto's
	case intents.Yes, intents.No:
		return r.Text == "" || r.Confidence >= modelYesMin || yesNoOf(r.Text) != ""
	}
	return r.Text != "" && yesNoOf(r.Text) != ""
}

// meantPart is the name after "i meant" / "ich meinte", up to a "not"
// that names the one to exclude ("i meant sophie turner not ravi"), when
// it is one or two words.
func meantPart(norm string) string {
	t := " " + norm + " "
	for _, m := range []string{" i meant ", " i mean ", " ich meinte ", " meinte ich "} {
		i := strings.LastIndex(t, m)
		if i < 0 {
			continue
		}
		rest := t[i+len(m):]
		for _, n := range []string{" not ", " nicht "} {
			if j := strings.Index(" "+rest, n); j >= 0 {
				rest = (" " + rest)[:j]
			}
		}
		words := strings.Fields(rest)
		for len(words) > 0 && (words[0] == "to" || words[0] == "an" || words[0] == "the" || words[0] == "den" || words[0] == "die" || words[0] == "der") {
			words = words[1:]
		}
		if len(words) >= 1 && len(words) <= 2 && !noName(words) {
			return strings.Join(words, " ")
		}
	}
	return ""
}

// negatedCard is the card a turn rules out ("not the debit one",
// "nicht die Kreditkarte"), or "": within one clause of what was said (a
// comma ends it: "weiß nicht, die Kreditkarte" rules nothing out), and
// not a hedge ("i'm not sure", "i do not know", "the one i do not use").
func negatedCard(text string) string {
	for _, clause := range strings.Split(text, ",") {
		t := " " + intents.Normalize(clause) + " "
		for _, neg := range []string{" not the ", " not my ", " not ", " nicht die ", " nicht meine ", " nicht mit der ", " nicht "} {
			i := strings.Index(t, neg)
			if i < 0 {
				continue
			}
			after := strings.Fields(t[i+len(neg):])
			before := strings.Fields(t[:i])
			if len(after) > 0 && hedgeAfterNot[after[0]] || len(before) > 0 && hedgeBeforeNot[before[len(before)-1]] {
				continue
			}
			if len(after) > 3 {
				after = after[:3]
			}
			if c := intents.ParseCard(strings.Join(after, " ")); c != "" {
				return c
			}
		}
	}
	return ""
}

var (
	hedgeAfterNot  = map[string]bool{"sure": true, "know": true, "certain": true, "use": true, "remember": true, "sicher": true, "genau": true, "mehr": true}
	hedgeBeforeNot = map[string]bool{"weiß": true, "weiss": true, "do": true, "dont": true, "am": true, "im": true, "bin": true, "ich": true, "glaube": true}
)

// noName: words after "i meant" that are no one's name: a pronoun, a
// yes or no, a number, a date, an account, "the other one", "someone".
func noName(words []string) bool {
	for _, w := range words {
		if notNames[w] || isDigitsOnly(strings.TrimRight(w, "stndrh")) || intents.DigitWord(w) {
			return true
		}
	}
	t := strings.Join(words, " ")
	if _, _, ok := intents.ParseAmount(t, "en-US", true); ok {
		return true
	}
	if _, _, ok := intents.ParseAmount(t, "de-DE", true); ok {
		return true
	}
	return intents.ParseAccount(t) != ""
}

var notNames = map[string]bool{"it": true, "that": true, "this": true, "yes": true, "yeah": true, "no": true, "ja": true, "nein": true, "him": true, "her": true,
	"them": true, "someone": true, "somebody": true, "anyone": true, "other": true, "another": true, "andere": true, "anderen": true, "anderer": true,
	"one": true, "jemand": true, "jemanden": true, "es": true, "das": true, "sie": true, "ihn": true, "today": true, "tomorrow": true, "heute": true,
	"morgen": true, "well": true, "like": true, "so": true, "you": true, "du": true, "talk": true, "speak": true, "what": true, "was": true}

// negatesName: the words name someone or something to exclude it ("not
// to carol", "nicht an Anna Schulz").
func negatesName(t string) bool {
	return containsAny(t, " not to ", " not for ", " not him", " not her", " not the ", " dont send", " don't send", " nicht an ", " nicht der ", " nicht dem ",
		" nicht die ", " nicht den ", " nicht zu ", " nicht für ", " nicht vom ", " nicht von ", " not from ")
}

// correcting: words that change what was read back ("no wait, from
// savings", "actually make it fifty", "nein, lieber vom Sparkonto").
func correcting(norm string) bool {
	words := strings.Fields(norm)
	for len(words) > 0 && fillers[words[0]] {
		words = words[1:]
	}
	if len(words) == 0 {
		return false
	}
	switch words[0] {
	case "from", "to", "von", "vom", "aufs", "no", "nope", "nah", "wait", "actually", "rather", "instead", "change", "make", "sorry", "oops", "hold", "not",
		"nein", "ne", "nee", "warte", "moment", "lieber", "doch", "stattdessen", "ändere", "mach", "nimm", "eigentlich", "sorry,", "halt":
		return true
	}
	t := " " + norm + " "
	return containsAny(t, " instead", " rather ", " i meant ", " i mean ", " stattdessen", " lieber ", " ich meinte ", " meinte ich ", " after all", " doch an ", " doch zu ")
}

// sameAmountWords keep a read-back's amount while its payee changes
// ("tom after all, same amount", "doch an Max, gleicher Betrag").
var sameAmountWords = []string{" same amount ", " the same amount ", " same sum ", " same money ", " gleicher betrag ", " gleichen betrag ", " selber betrag ",
	" selben betrag ", " derselbe betrag ", " denselben betrag ", " gleiche summe ", " gleichen summe "}

// replaceAll replaces each of olds in t with new.
func replaceAll(t string, olds []string, new string) string {
	for _, o := range olds {
		t = strings.ReplaceAll(t, o, new)
	}
	return t
}

// restates: the turn only names what the read-back already says ("from
// checking" when it reads "from your Basic Checking").
func restates(r *Request, d *dialog) bool {
	if r.Text == "" || r.Intent == d.Action || yesNoOf(r.Text) != "" {
		return false
	}
	found := intents.Slots{}
	intents.FillSlots(d.Action, intents.Normalize(r.Text), r.Locale, r.Now, found)
	n := 0
	for _, k := range []string{intents.SlotFromAccount, intents.SlotToAccount, intents.SlotAmount} {
		if v, ok := found[k]; ok {
			if fmt.Sprint(d.Slots[k]) != fmt.Sprint(v) {
				return false
			}
			n++
		}
	}
	return n > 0 && len(strings.Fields(intents.Normalize(r.Text))) <= 4
}

// withoutAnythingElse is an answer's speech without its closing "Anything
// else?", for an answer that goes on (a question back, goodbye).
func (l lang) withoutAnythingElse(speech string) string {
	return strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(speech), l.msg("anything_else")))
}

// backTo is "Now, back to your transfer of $40.00 to Tom Nguyen: from
// which account?", the pending dialog's question after an aside.
func (l lang) backTo(d *dialog) string {
	if d.What != "" {
		return l.msg("dialog.back", d.What, lowerFirst(d.Question))
	}
	return l.msg("dialog.back.plain", d.Question)
}

// asksAbout: the words ask a question ("what's in my savings", "wie viel
// ist auf dem Sparkonto") rather than answer one.
func asksAbout(r *Request) bool {
	if r.Text == "" {
		return false
	}
	t := " " + intents.Normalize(r.Text) + " "
	return containsAny(t, " what ", " whats ", " what's ", " how much ", " how many ", " when ", " show ", " tell me ",
		" wie viel ", " wieviel ", " was ist ", " was hab", " wann ", " zeig ", " sag mir ")
}
