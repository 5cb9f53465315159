package skill

import (
	"context"
	"strings"

	"github.com/kontoskill/konto/banks"
	"github.com/kontoskill/konto/intents"
)

// Recovery: the turns with which people mend a conversation. "Wie
// bitte?" and "sorry, how much?" ask for the last answer again; "what
// charge?" and "the electro what?" after a fraud alert ask what the alert
// was; "that wasn't me" answers it even when a side question came
// between.

// pardons are whole turns that ask to hear the last answer again.
var pardons = normalizedSet("sorry", "sorry what", "what", "what was that", "whats that again", "come again", "pardon", "pardon me",
	"say that again", "say again", "sorry say again", "sorry say that again", "sorry how much", "how much again", "how much was that",
	"how much was that again", "sorry how much was that", "sorry what was that", "i didnt catch that", "didnt catch that",
	"sorry i didnt catch that", "what did you say", "repeat that", "can you repeat that", "could you repeat that", "sorry come again",
	"excuse me", "sorry whats that", "what was the amount", "once more", "one more time", "again please",
	"wie bitte", "bitte was", "was", "wie war das", "wie war das nochmal", "nochmal bitte", "noch mal bitte", "nochmal", "noch mal",
	"was hast du gesagt", "wie viel nochmal", "wie viel war das", "wie viel war das nochmal", "sag das nochmal", "sag das noch mal",
	"entschuldigung", "entschuldigung wie bitte", "hä", "häh", "hm wie bitte", "wie bitte wie viel", "kannst du das wiederholen",
	"bitte wiederholen", "nochmal bitte wie viel", "wie viel", "hab ich nicht verstanden", "das hab ich nicht verstanden")

// pardon: the turn asks for the last answer again, and nothing else.
func pardon(text string) bool {
	if text == "" {
		return false
	}
	var words []string
	for _, w := range strings.Fields(intents.Normalize(text)) {
		if !fillers[w] && w != "hmm" && w != "hm" && w != "ach" && w != "oh" {
			words = append(words, w)
		}
	}
	return len(words) > 0 && pardons[strings.Join(words, " ")]
}

// alertAsks are the words of a question about the charge an alert named.
var alertAsks = []string{" what charge", " which charge", " what payment", " which payment", " what purchase", " which purchase",
	" what transaction", " which transaction", " what alert", " which alert", " the charge", " that charge", " this charge",
	" you mentioned", " you said", " dont understand", " do not understand", " what do you mean", " what does that mean", " what is that",
	" whats that", " what was it", " what was that charge", " how much was it", " where was that", " when was that",
	" welche zahlung", " welche abbuchung", " welche buchung", " welcher kauf", " welche warnung", " welchen kauf", " was für eine zahlung",
	" was für eine abbuchung", " was für ein kauf", " die zahlung", " diese zahlung", " diese abbuchung", " die abbuchung", " du erwähnt",
	" du gesagt", " verstehe nicht", " versteh nicht", " verstehe das nicht", " was meinst du", " was ist das", " was war das",
	" wie viel war das", " wo war das", " wann war das", " was heißt das"}

// alertDenies and alertOwns answer "was this you?" in words that need
// no question before them.
var (
	alertDenies = []string{" wasnt me", " was not me", " not me", " never bought", " didnt buy", " did not buy", " didnt make", " did not make",
		" never made", " not mine", " dont recognize", " dont recognise", " do not recognize", " never been there", " never shop there",
		" war ich nicht", " nicht ich", " nicht von mir", " nie gekauft", " nichts gekauft", " nie was gekauft", " nie etwas gekauft",
		" hab ich nicht gemacht", " habe ich nicht gemacht", " kenne ich nicht", " nicht gemacht", " war nicht ich", " nie dort", " nie da"}
	alertOwns = []string{" that was me", " it was me", " was me ", " i made it", " i made that", " i bought", " thats mine", " that is mine",
		" das war ich", " ich war das", " ich wars", " war ich ", " hab ich gekauft", " habe ich gekauft", " ist von mir", " das passt"}
)

// alertAnswer reads "that wasn't me" (No) or "yes that was me" (Yes)
// anywhere in a turn; "" when the turn says neither.
func alertAnswer(text string) string {
	t := " " + intents.Normalize(text) + " "
	if containsAny(t, alertDenies...) {
		return intents.No
	}
	if containsAny(t, alertOwns...) && !containsAny(t, " not ", "nt ", " nicht", " kein", " never", " nie ") {
		return intents.Yes
	}
	return ""
}

// asksAboutAlert: the turn asks what the charge was ("hang on, what
// charge", "moment, welche Zahlung?", "the electro what?").
func asksAboutAlert(text string, merchant string) bool {
	t := " " + intents.Normalize(text) + " "
	if containsAny(t, alertAsks...) {
		return true
	}
	// The first part of the merchant's name, half said ("the electro
	// what?"); "electric" is no part of "ElectroMart".
	name := strings.ReplaceAll(intents.Normalize(merchant), " ", "")
	for _, w := range strings.Fields(t) {
		if len([]rune(w)) >= 5 && strings.HasPrefix(name, w) {
			return true
		}
	}
	return false
}

// alertTurn takes a turn about the open fraud alert raised earlier in
// the session whose question a side question dropped: a question about
// the charge raises it again; "that wasn't me" answers it.
func (s *Skill) alertTurn(ctx context.Context, r *Request) (*Response, error, bool) {
	if r.Text == "" || r.st.AlertMentioned == "" || r.st.Dialog != nil {
		return nil, nil, false
	}
	answer := alertAnswer(r.Text)
	if answer == "" && !strongAlertAsk(r.Text) {
		return nil, nil, false
	}
	if r.User.Customer == "" && s.authenticate(ctx, r) != nil {
		return nil, nil, false // the usual path says how to link
	}
	fr, ok := s.cfg.Bank.(banks.Fraud)
	if !ok || !s.allowed(ctx, r, "alerts") {
		return nil, nil, false
	}
	alerts, err := fr.Alerts(ctx, r.User)
	if err != nil || len(alerts) == 0 || alerts[0].Status != "open" || alerts[0].ID != r.st.AlertMentioned {
		return nil, nil, false
	}
	resp, err := s.advance(ctx, r, alertDialog(alerts[0], r, true))
	if err != nil || resp == nil || answer == "" || r.st.Dialog == nil {
		return resp, err, true
	}
	r.Intent, r.Confidence = answer, 1
	resp, err = s.continueDialog(ctx, r)
	return resp, err, true
}

// strongAlertAsk: words that can only be about a charge Konto spoke of,
// strong enough to reopen its question after a side question.
func strongAlertAsk(text string) bool {
	t := " " + intents.Normalize(text) + " "
	return containsAny(t, " what charge", " which charge", " that charge", " this charge", " the charge you", " you mentioned",
		" what alert", " which alert", " welche zahlung", " welche abbuchung", " diese zahlung", " diese abbuchung", " du erwähnt",
		" welche warnung", " what purchase", " which purchase", " what payment", " which payment")
}

// alertDialog is the question "was this you?" about an alert; soft when
// Konto raises it unasked.
func alertDialog(al banks.Alert, r *Request, soft bool) *dialog {
	return &dialog{Action: actReviewAlert, Slots: intents.Slots{"alert": al.ID, "merchant": al.Merchant}, Stage: stageCollect, Started: r.Now,
		Key: "alert-" + al.ID, Soft: soft}
}

// normalizedSet is a set of phrases as Normalize writes them.
func normalizedSet(phrases ...string) map[string]bool {
	m := make(map[string]bool, len(phrases))
	for _, p := range phrases {
		m[intents.Normalize(p)] = true
	}
	return m
}

func init() {
	// The yes and no phrases are compared with normalized turns, which
	// have no apostrophes ("that wasn't me" → "that wasnt me").
	for _, ps := range [][]string{noPhrases, yesPhrases} {
		for i, p := range ps {
			ps[i] = intents.Normalize(p)
		}
	}
}

// answerThenAsk takes "no callback thanks. what bills have I got coming
// up" at Konto's own question: the answer first, then the question that
// follows it, when that question only reads.
func (s *Skill) answerThenAsk(ctx context.Context, r *Request, d *dialog) (*Response, error, bool) {
	i := strings.IndexAny(r.Text, ".!?;")
	if !d.Soft || d.Stage != stageConfirm || i <= 0 {
		return nil, nil, false
	}
	head, rest := r.Text[:i], strings.TrimSpace(strings.TrimLeft(r.Text[i:], ".!?; "))
	yn := yesNoOf(head)
	if yn == "" || len(strings.Fields(rest)) < 2 {
		return nil, nil, false
	}
	res, err := s.cfg.Recognizer.Parse(intents.WithHints(ctx, intents.Hints{OfflineOnly: true}), rest, r.Locale, r.Now)
	if err != nil || !s.readsOnly(res.Intent) || res.Confidence < actMin {
		return nil, nil, false
	}
	text := r.Text
	r.Text, r.Intent, r.Confidence = head, yn, 1
	first, err := s.continueDialog(ctx, r)
	if err != nil || first == nil || r.st.Dialog != nil || first.EndSession {
		r.Text = text
		return first, err, first != nil || err != nil
	}
	if res.Slots == nil {
		res.Slots = intents.Slots{}
	}
	r.Text, r.Intent, r.Slots, r.Confidence = rest, res.Intent, res.Slots, res.Confidence
	second, err := s.dispatch(ctx, r, notSocial, "")
	if err != nil || second == nil {
		return first, nil, true
	}
	second.Speech = langOf(r.Locale).withoutAnythingElse(first.Speech) + " " + second.Speech
	return second, nil, true
}

// leavesSoft: a turn at Konto's own question that asks for something
// else in many words, with a confident reading ("ok never mind, it was my
// sister, unlock the debit one again" at a callback offer).
func leavesSoft(r *Request, d *dialog) bool {
	if r.Text == "" || r.Confidence < actMin || len(strings.Fields(intents.Normalize(r.Text))) < 6 {
		return false
	}
	switch r.Intent {
	case intents.Yes, intents.No, intents.Fallback, intents.Cancel, intents.Stop, intents.Repeat, intents.Help, intents.ProvidePin,
		intents.ReviewAlerts, intents.ReportFraud:
		return false
	}
	return d.Action != actReviewAlert || alertAnswer(r.Text) == ""
}

// interjections open a turn without asking anything.
var interjections = []string{"oh my goodness", "oh my gosh", "oh my god", "oh my", "oh dear", "oh no", "oh gosh", "goodness me", "goodness",
	"gosh", "good grief", "dear me", "blimey", "crikey", "oh je", "oje", "ojemine", "ach du liebe zeit", "ach du meine güte", "du meine güte",
	"meine güte", "mein gott", "ach gott", "oh gott", "um gottes willen", "ach herrje", "herrje"}

// withoutInterjection drops an exclamation that opens a longer turn
// ("oh my goodness, will I get my money back"); the rest is the turn.
func withoutInterjection(text string) string {
	lower := strings.ToLower(text)
	for _, p := range interjections {
		rest, ok := strings.CutPrefix(lower, p)
		if !ok || rest == "" || !strings.ContainsAny(rest[:1], " ,.!?;") {
			continue
		}
		rest = strings.TrimLeft(text[len(p):], " ,.!?;")
		if len(strings.Fields(rest)) >= 2 {
			return rest
		}
	}
	return text
}

// plainReading reads two everyday questions the recognizer is weak on:
// whether the salary has come in ("ist mein Gehalt schon da", "has my
// paycheck landed") and when the rent went out ("when did my rent go
// out", "wann geht die Miete raus").
func plainReading(r *Request) {
	if r.Text == "" {
		return
	}
	t := " " + intents.Normalize(r.Text) + " "
	if k := bareAccount(t); k != "" {
		// "savings", "credit card", "girokonto": what is in it.
		r.Intent, r.Slots, r.Confidence = intents.GetBalance, intents.Slots{intents.SlotAccount: k}, 1
		return
	}
	if containsAny(t, " wissen", " want to know", " wanna know", " tell me", " sag mir", " sagen sie mir", " verraten") && !actionWords(t) &&
		(r.Intent == intents.TransferMoney || r.Intent == intents.PayBill) {
		// "ich möchte wissen mein Geld auf Tagesgeld": a question, no payment.
		slots := intents.Slots{}
		intents.FillSlots(intents.GetBalance, strings.TrimSpace(t), r.Locale, r.Now, slots)
		if slots[intents.SlotAccount] != nil {
			r.Intent, r.Slots, r.Confidence = intents.GetBalance, slots, 1
			return
		}
	}
	switch {
	case containsAny(t, " gehalt", " lohn", " salary", " paycheck", " pay check", " wages", " paycheque") &&
		containsAny(t, " schon da", " angekommen", " eingegangen", " gekommen", " drauf", " arrived", " come in", " came in", " gone in",
			" landed", " hit my account", " yet", " been paid", " go in", " went in"):
		r.Intent, r.Slots, r.Confidence, r.turn.inContext = intents.IncomeSummary, intents.Slots{}, 1, true
		intents.FillSlots(intents.IncomeSummary, strings.TrimSpace(t), r.Locale, r.Now, r.Slots)
	case containsAny(t, " how much have i made", " how much did i make", " how much did i earn", " how much have i earned", " what did i earn",
		" what have i earned", " wie viel hab ich verdient", " wie viel habe ich verdient", " was hab ich verdient", " was habe ich verdient"):
		r.Intent, r.Slots, r.Confidence, r.turn.inContext = intents.IncomeSummary, intents.Slots{}, 1, true
		intents.FillSlots(intents.IncomeSummary, strings.TrimSpace(t), r.Locale, r.Now, r.Slots)
	case containsAny(t, " how much", " wie viel") && containsAny(t, " reingekommen", " rein gekommen", " eingegangen", " gutgeschrieben",
		" came in", " come in", " got paid", " get paid", " have i received", " did i receive", " bekommen"):
		r.Intent, r.Slots, r.Confidence, r.turn.inContext = intents.IncomeSummary, intents.Slots{}, 1, true
		intents.FillSlots(intents.IncomeSummary, strings.TrimSpace(t), r.Locale, r.Now, r.Slots)
	case containsAny(t, " why cant i ", " why can t i ", " why cannot i ", " why wont it let me", " why won t it let me", " warum kann ich ",
		" wieso kann ich ", " weshalb kann ich ") && containsAny(t, " move", " send", " transfer", " take money", " take out", " withdraw",
		" get money", " get at", " überweisen", " abheben", " geld ", " umbuchen", " ran "):
		// "why can't I move money out of it": what blocks the account.
		slots := intents.Slots{}
		intents.FillSlots(intents.AccountBlocked, strings.TrimSpace(t), r.Locale, r.Now, slots)
		r.Intent, r.Slots, r.Confidence, r.turn.inContext = intents.AccountBlocked, slots, 1, true
	case containsAny(t, " rent ", " miete ") && containsAny(t, " go out", " went out", " come out", " came out", " taken", " leave",
		" left", " raus", " abgebucht", " abgegangen", " runter", " weg"):
		r.Intent, r.Slots, r.Confidence, r.turn.inContext = intents.ListTransactions, intents.Slots{intents.SlotCategory: "rent", intents.SlotCount: 1}, 1, true
	}
}

// bareAccount is the account kind a turn names and nothing else ("my
// savings please", "die Kreditkarte"), or "".
func bareAccount(t string) string {
	var rest []string
	for _, w := range strings.Fields(t) {
		if !fillers[w] && !accountFillers[w] {
			rest = append(rest, w)
		}
	}
	if len(rest) == 0 || len(rest) > 3 {
		return ""
	}
	phrase := strings.Join(rest, " ")
	k := intents.ParseAccount(phrase)
	if k == "" {
		return ""
	}
	// The whole phrase must be the account's name: "savings" is, "send
	// savings" is not.
	for _, w := range rest {
		if intents.ParseAccount(w) == "" && !accountWords[w] {
			return ""
		}
	}
	return k
}

var (
	accountFillers = map[string]bool{"my": true, "the": true, "please": true, "mein": true, "meine": true, "meinem": true, "das": true,
		"die": true, "der": true, "dem": true, "bitte": true, "one": true, "what": true, "about": true, "and": true, "und": true}
	accountWords = map[string]bool{"account": true, "konto": true, "card": true, "karte": true, "credit": true, "debit": true, "current": true,
		"cash": true, "instant": true, "easy": true, "access": true}
)
