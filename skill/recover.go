package skill

import (
	"cmp"
	"context"
	"regexp"
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
	alertDenies = []string{" wasnt me", " was not me", " not me ", " never bought", " didnt buy", " did not buy", " didnt make that", " did not make that",
		" didnt make it", " never made that", " never made it", " not mine", " dont recognize that", " dont recognise that", " never been there",
		" never shop there", " war ich nicht", " nicht ich", " nicht von mir", " nie gekauft", " nichts gekauft", " nie was gekauft",
		" nie etwas gekauft", " war nicht ich", " kenne ich nicht", " hab ich nicht gekauft", " habe ich nicht gekauft", " nie dort",
		" werent me", " weren't me", " never heard of them", " never heard of it", " no idea what that is", " noch nie gehört",
		" war i ned", " war i net", " war i nicht", " war ich ned", " war ich net", " ned ich", " net ich", " net von mir", " ned von mir"}
	alertOwns = []string{" that was me", " it was me", " yes was me", " i made that", " i made it", " i bought that", " i bought it",
		" thats mine", " that is mine", " das war ich", " ich war das", " ich wars", " hab ich gekauft", " habe ich gekauft", " ist von mir",
		" des war i", " das war i ", " war i ", " i wars", " des war ich", " yeah that was me", " yep that was me", " that one was me",
		" one was me", " was me ", " war ich "}
	// alertLater puts the question off: no answer, nothing done.
	alertLater = normalizedSet("maybe later", "later", "not now", "not right now", "not today", "ask me later", "another time",
		"jetzt nicht", "später", "vielleicht später", "nicht jetzt", "frag mich später", "ein andermal")
)

// answerOf reads a yes or no to the pending question d: at an alert's
// "was this you?" the words of an answer to that ("I never bought
// anything there") count too; anywhere else only a plain yes or no does.
func answerOf(text string, d *dialog) string {
	if d != nil && d.Action == actReviewAlert {
		if a := alertAnswer(text); a != "" {
			return a
		}
		// "no thanks", "no, all good", "nee passt schon" say nothing about
		// the charge: only a bare no reports it.
		if yn := yesNoOf(text); yn != intents.No || bareNo(text) {
			return yn
		}
		return ""
	}
	if alertWords(text) && !(d != nil && (d.Action == intents.TransferMoney || d.Action == intents.PayBill) && goAheadYes(text)) {
		return "" // "yes it's mine", "that wasn't me": about a charge, no answer to this question ("yes, proceed with the payment" is one)
	}
	return yesNoOf(text)
}

// alertWords: the turn speaks of a charge being one's own or not ("it's
// mine", "that was me", "das war ich nicht"), beyond a plain yes or no.
func alertWords(text string) bool {
	t := " " + intents.Normalize(text) + " "
	return containsAny(t, " its mine", " thats mine", " that was me", " it was me", " was me ", " wasnt me", " not me", " i made it", " i did that",
		" i bought", " never bought", " didnt buy", " das war ich", " war ich ", " war ich nicht", " nicht ich", " meine zahlung", " hab ich gekauft", " gehört mir",
		" mine ", " legit", " recogni", " i made that", " purchase", " charge", " the payment", " die zahlung", " die abbuchung", " von mir", " meins ",
		" kenne ich", " stimmt die", " echt ")
}

// bareNo: the turn is a no and nothing else ("no", "nope", "nein nein").
func bareNo(text string) bool {
	words := strings.Fields(intents.Normalize(text))
	n := 0
	for _, w := range words {
		switch {
		case fillers[w]:
		case noWords[w]:
			n++
		default:
			return false
		}
	}
	return n > 0
}

var noWords = map[string]bool{"no": true, "nope": true, "nah": true, "nein": true, "nee": true, "ne": true, "nö": true, "negative": true}

// knownBuyer: a denial that says someone the customer knows made the
// purchase, or that it is fine ("not me, my husband did", "not me, but
// it's fine"): no fraud claim.
func knownBuyer(t string) bool {
	return (containsAny(t, alertDenies...) || containsAny(t, " not me", " wasnt me", " nicht ich", " war ich nicht")) && containsAny(t, " husband", " wife", " partner", " daughter", " son ", " son,", " kid", " child", " my mum", " my mom", " my dad", " i know who",
		" mein mann", " meine frau", " mein partner", " meine partnerin", " tochter", " sohn", " kind ", " meine mutter", " mein vater", " weiß wer", " weiss wer",
		" but its fine", " but it's fine", " but thats fine", " but thats ok", " aber passt", " aber ist ok", " aber das ist ok")
}

// alertAnswer reads "that wasn't me" (No) or "yes that was me" (Yes)
// in a turn; "" when the turn says neither, or asks something: "I don't
// recognise the word APR, what does it mean" answers no alert.
func alertAnswer(text string) string {
	t := " " + intents.Normalize(text) + " "
	if asksSomething(text) {
		return ""
	}
	if knownBuyer(t) {
		return "" // "not me, my husband did", "not me, but it's fine": no fraud report on it; the question again
	}
	if containsAny(t, alertDenies...) || containsAny(t, " war i", " i wars", " des war", " war ich") && containsAny(t, " ned ", " net ", " nie ", " nicht ", " ned", " net") {
		return intents.No // "naa, i wars ned", "des war i fei ned"
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
		return !namesOtherMerchant(t, merchant)
	}
	return saysMerchant(t, merchant)
}

// namesOtherMerchant: the turn says "von/from/at/bei X", X no part of the
// alert's merchant ("was ist diese Abbuchung von Amazon" at the
// Technikwelt alert: a question about Amazon).
func namesOtherMerchant(t, merchant string) bool {
	name := intents.Normalize(merchant)
	for _, pre := range []string{" von ", " from ", " at ", " bei ", " beim "} {
		i := strings.Index(t, pre)
		if i < 0 {
			continue
		}
		rest := strings.Fields(t[i+len(pre):])
		if len(rest) == 0 || rest[0] == "dir" || rest[0] == "you" || rest[0] == "euch" || rest[0] == "ihnen" || rest[0] == "the" && len(rest) == 1 {
			continue
		}
		if !strings.Contains(name, rest[0]) && !saysMerchant(" "+rest[0]+" ", merchant) {
			return true
		}
	}
	return false
}

// saysMerchant: a word of the turn is the first part of the merchant's
// name, half said ("the electro what?"); "electric" is no part of
// "ElectroMart".
func saysMerchant(t, merchant string) bool {
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
//
// An answer that names the open alert's merchant is taken before Konto
// has raised it too ("ElectroMart was me", "yes the gadget hub one was
// me": the bank's notification came first).
func (s *Skill) alertTurn(ctx context.Context, r *Request) (*Response, error, bool) {
	if r.Text == "" || r.st.Dialog != nil {
		return nil, nil, false
	}
	answer := alertAnswer(r.Text)
	mentioned := r.st.AlertMentioned != ""
	if !mentioned && answer == "" || answer == "" && !strongAlertAsk(r.Text) {
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
	if err != nil || len(alerts) == 0 || alerts[0].Status != "open" || mentioned && alerts[0].ID != r.st.AlertMentioned ||
		!mentioned && !saysMerchant(" "+intents.Normalize(r.Text)+" ", alerts[0].Merchant) ||
		answer == "" && namesOtherMerchant(" "+intents.Normalize(r.Text)+" ", alerts[0].Merchant) {
		return nil, nil, false // ("was ist diese Abbuchung von Amazon": Amazon's, not the alert's)
	}
	resp, err := s.advance(ctx, r, alertDialog(alerts[0], r, true))
	if err != nil || resp == nil || answer == "" || r.st.Dialog == nil {
		return resp, err, true
	}
	if !namesCharge(r.Text, alerts[0].Merchant) {
		// "nope, not me" after a side question may be about anything: the
		// question again, before the card is locked or the charge cleared.
		return resp, err, true
	}
	r.Intent, r.Confidence = answer, 1
	resp, err = s.continueDialog(ctx, r)
	return resp, err, true
}

// alertAside answers the open alert Konto raised earlier in the session
// when the answer comes while another dialog waits ("yeah that was me"
// at "Is that $12.50 or $1,250.00?"): the alert is answered, then the
// dialog's question again. If the words only ask about the charge, the
// alert's question is asked and the dialog waits behind it (Parked).
func (s *Skill) alertAside(ctx context.Context, r *Request, d *dialog) (*Response, error, bool) {
	if d.Soft || d.Action == actReviewAlert || r.st.AlertMentioned == "" || r.st.Parked != nil || r.Text == "" || alertAnswer(r.Text) == "" {
		return nil, nil, false
	}
	r.st.Dialog = nil
	resp, err, ok := s.alertTurn(ctx, r)
	switch {
	case !ok || err != nil || resp == nil:
		r.st.Dialog = d
		return nil, nil, false
	case r.st.Dialog != nil && r.st.Dialog.Action == actReviewAlert:
		r.st.Parked = d // the alert's question first; the dialog resumes after it
		return resp, nil, true
	}
	// Answered (a callback offer after "not me" is dropped: the dialog
	// under way comes first).
	r.st.Dialog = d
	l := langOf(r.Locale)
	out := *resp
	said := strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(resp.Speech), l.msg("agent.offer")))
	out.Speech = l.withoutAnythingElse(said) + " " + l.backTo(d)
	out.Reprompt, out.EndSession, out.Choices = d.Question, false, dialogChoices(l, d)
	return &out, nil, true
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
	text, intent, conf := r.Text, r.Intent, r.Confidence
	r.Text, r.Intent, r.Confidence = head, yn, 1
	first, err := s.continueDialog(ctx, r)
	if err != nil || first == nil || r.st.Dialog != nil || first.EndSession {
		r.Text = text
		if first == nil && err == nil {
			r.Intent, r.Confidence = intent, conf // not taken: the turn as it was heard
		}
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
	return withoutTrip(withoutOpening(withoutOpening(withoutCourtesy(text), openingGreetings, 3), interjections, 2))
}

// openingGreetings open a longer turn ("Grüezi, ich habe meine
// Bankkarte verloren"): the rest is what is asked, read without them (the
// greeting made the recognizer unsure). A greeting alone stays one.
var openingGreetings = []string{"grüezi mitenand", "grüezi wohl", "guten morgen", "guten tag", "guten abend", "good morning", "good afternoon",
	"good evening", "grüß gott", "grüss gott", "grüezi", "servus", "hallo", "hello there", "hello", "hi there", "hiya", "hi", "hey there", "hey", "moin"}

// backFromTrip is a sentence that says where the person has been before
// the request ("I just got back from a trip abroad.", "Bin grad aus dem
// Urlaub zurück."): its travel words are no category of the request.
var backFromTrip = regexp.MustCompile(`(?i)^\s*(?:(?:hey|hi|hello|so|ok|okay|hallo|servus|moin|also)[,!]?\s+)?(?:` +
	`(?:i\s+|we\s+)?(?:just\s+|have\s+just\s+)?(?:got|came|am|'m|m|are|'re|have come|arrived)\s+back\s+(?:home\s+)?from\s+(?:a|my|the|our)\s+(?:\w+\s+)?(?:trip|vacation|holiday|holidays|travels|journey)(?:\s+(?:abroad|overseas|to\s+\w+|in\s+\w+))?` +
	`|(?:ich\s+|wir\s+)?(?:bin|sind)\s+(?:grad\s+|gerade\s+|grade\s+|eben\s+|jetzt\s+)?(?:wieder\s+)?(?:aus\s+dem|vom)\s+urlaub\s+(?:zurück|wieder\s+da)` +
	`|zurück\s+aus\s+dem\s+urlaub)\s*[.,!;:]+\s*`)

// withoutTrip is text without an opening sentence about a trip, if a
// request of at least two words follows.
func withoutTrip(text string) string {
	loc := backFromTrip.FindStringIndex(text)
	if loc == nil || len(strings.Fields(text[loc[1]:])) < 2 {
		return text
	}
	return text[loc[1]:]
}

// withoutOpening is text without the first of openings it begins with as
// whole words, when at least min words remain; otherwise text.
func withoutOpening(text string, openings []string, min int) string {
	lower := strings.ToLower(text)
	for _, p := range openings {
		rest, ok := strings.CutPrefix(lower, p)
		if !ok || rest == "" || !strings.ContainsAny(rest[:1], " ,.!?;") {
			continue
		}
		rest = strings.TrimLeft(text[len(p):], " ,.!?;")
		if len(strings.Fields(rest)) >= min {
			return rest
		}
	}
	return text
}

// withoutHold is what the recognizer reads of a turn that begins by
// holding the conversation ("warte mal, was ist aufm Sparkonto", "hang
// on, what's in savings"): the question after it. The words themselves
// stay the turn's, so that "wait" alone still withdraws a yes.
func withoutHold(text string) string { return withoutOpening(text, holds, 3) }

var holds = []string{"warte mal kurz", "warte kurz", "warte mal", "warte", "moment mal", "moment", "moment bitte", "einen moment", "sekunde", "halt",
	"hang on a sec", "hang on a second", "hang on", "hold on a sec", "hold on a second", "hold on", "wait a sec", "wait a second", "wait a minute", "wait", "one sec", "one second", "just a sec"}

// questionJoints are where a turn asking two things joins them.
var questionJoints = []string{" and what ", " and whats ", " and how ", " and when ", " and whens ", " and is ", " and do i ", " and can i ",
	" and which ", " and did ", " and has ", " and have ", " and was ", " and are ", " and will ", " and whats left", " and what is left",
	" und wann ", " und wie ", " und was ", " und ist ", " und hab ", " und habe ", " und welche ", " und wo ", " und ob ", " und hat ", " und kam ", " und sind ", " und wurde ",
	" and tell me ", " and give me ", " and show me ", " and read me ", " and let me know ", " and check ",
	" und sag mir ", " und sage mir ", " und sagen sie mir ", " und zeig mir ", " und nenn mir ", " und nennen sie mir ", " und schau ",
	// a request that acts after a question ("whats my savings balance and
	// send tom 20 dollars"): both are done, the action last
	" and send ", " and pay ", " and transfer ", " and move ", " and lock ", " and freeze ", " and then send ", " and then pay ",
	" und überweis", " und schick ", " und zahl ", " und bezahl ", " und sperr ", " und dann überweis", " und dann schick ",
	// a lock after an action ("send tom 20 dollars and then lock my
	// debit card"): the lock is done first
	" and block ", " and then lock ", " and then freeze ", " and then block ", " and also lock ", " and also freeze ", " and also block ",
	" und dann sperr", " und auch sperr", " und außerdem sperr", " und blockier"}

// nominalJoints join two things named without a verb ("Kontostand und
// die letzte Abbuchung").
var nominalJoints = []string{" und die letzte", " und den letzten", " und die letzten", " und meine letzte", " und meinen letzten", " und meine letzten",
	" and the last ", " and my last ", " and the latest ", " and my latest ", " and my recent ", " and the recent "}

// twoQuestions answers a turn that asks two things that only read ("how
// many points do I have and what's my credit score"): each in turn, in
// one answer. A request that acts and a question that reads ("lock my
// credit card and tell me my balance", "sperr meine Kreditkarte und sag
// mir, was auf dem Girokonto ist") are both done too, nothing acting
// dropped: a lock, which asks nothing, first; any other action last, so
// that its question (a read-back, a PIN) is what the answer ends on. Two
// actions, or a reading it is unsure of, are left to the usual path.
func (s *Skill) twoQuestions(ctx context.Context, r *Request, kind social) (*Response, error, bool) {
	if r.Text == "" || r.turn.split || r.st.Dialog != nil {
		return nil, nil, false
	}
	t := " " + intents.Normalize(r.Text) + " "
	cut := -1
	for _, j := range questionJoints {
		if i := strings.Index(t, j); i > 0 && (cut < 0 || i < cut) {
			cut = i
		}
	}
	nominal := false
	if cut < 0 {
		// "Kontostand und die letzte Abbuchung bitte", "balance and the
		// last transaction": two things named, each short.
		for _, j := range nominalJoints {
			if i := strings.Index(t, j); i > 0 && (cut < 0 || i < cut) {
				cut, nominal = i, true
			}
		}
	}
	if cut < 0 {
		return nil, nil, false
	}
	head, tail := strings.TrimSpace(t[:cut]), strings.TrimSpace(t[cut+len(" and "):])
	if strings.HasPrefix(tail, "und ") {
		tail = strings.TrimSpace(strings.TrimPrefix(tail, "und "))
	}
	for _, w := range []string{"then ", "dann ", "also ", "auch ", "außerdem "} {
		tail = strings.TrimSpace(strings.TrimPrefix(tail, w))
	}
	if !nominal && (len(strings.Fields(head)) < 3 || len(strings.Fields(tail)) < 3) {
		return nil, nil, false
	}
	hint := intents.WithHints(ctx, intents.Hints{OfflineOnly: true})
	a, err1 := s.cfg.Recognizer.Parse(hint, head, r.Locale, r.Now)
	b, err2 := s.cfg.Recognizer.Parse(hint, tail, r.Locale, r.Now)
	if err1 != nil || err2 != nil || a.Intent == b.Intent {
		return nil, nil, false
	}
	if nominal && (!s.readsOnly(a.Intent) || !s.readsOnly(b.Intent) || a.Confidence < 0.6 || b.Confidence < 0.6) {
		return nil, nil, false // two things named that only read, each clear
	}
	if _, acts := s.actions[a.Intent]; acts && s.readsOnly(b.Intent) && a.Confidence >= actMin+0.1 && b.Confidence >= readMin+0.1 && !negatesAction(t) {
		if a.Intent != intents.LockCard {
			a, b = b, a // the reading first, the action and its question last
		}
	} else if _, acts := s.actions[b.Intent]; acts && s.readsOnly(a.Intent) && b.Confidence >= actMin+0.1 && a.Confidence >= readMin+0.1 && !negatesAction(t) {
		if b.Intent == intents.LockCard {
			a, b = b, a // a lock asks nothing: done first, before a reading that may ask (a charge to check)
		}
	} else if _, aActs := s.actions[a.Intent]; aActs && (a.Intent == intents.LockCard || b.Intent == intents.LockCard) && a.Confidence >= actMin+0.1 && b.Confidence >= actMin+0.1 && !negatesAction(t) {
		// "lock my credit card and send tom 20 dollars": the lock, which
		// asks nothing, first, then the other action and its question
		// (before, the usual path took the payment and dropped the lock).
		if _, bActs := s.actions[b.Intent]; !bActs {
			return nil, nil, false
		}
		if b.Intent == intents.LockCard {
			a, b = b, a
		}
	} else if !s.readsOnly(a.Intent) || !s.readsOnly(b.Intent) || a.Confidence < readMin+0.1 || b.Confidence < readMin+0.1 {
		return nil, nil, false
	}
	r.turn.split = true
	text := r.Text
	answer := func(res intents.Result) (*Response, error) {
		if res.Slots == nil {
			res.Slots = intents.Slots{}
		}
		r.Text, r.Intent, r.Slots, r.Confidence = res.Text, res.Intent, res.Slots, res.Confidence
		return s.dispatch(ctx, r, kind, "")
	}
	r.turn.splitFirst = true
	first, err := answer(a)
	r.turn.splitFirst = false
	if err != nil || first == nil || r.st.Dialog != nil || r.st.Suggest != nil {
		r.Text = text
		return first, err, first != nil || err != nil
	}
	second, err := answer(b)
	r.Text = text
	if err != nil || second == nil {
		return first, nil, true
	}
	out := *second
	l := langOf(r.Locale)
	if d := r.st.Dialog; d != nil && d.Stage == stageCollect && d.What != "" && strings.TrimSpace(second.Speech) == strings.TrimSpace(d.Question) {
		// "whats my savings balance and send tom 20 dollars": the question
		// after the balance says which payment it is for.
		out.Speech = l.msg("dialog.about", d.What, lowerFirst(d.Question))
	}
	out.Speech = l.withoutAnythingElse(first.Speech) + " " + out.Speech
	return &out, nil, true
}

// negatesAction: the words say not to do the action ("don't pay
// spectrum", "bitte nichts überweisen").
func negatesAction(t string) bool {
	return containsAny(t, " dont pay", " do not pay", " dont send", " do not send", " dont transfer", " do not transfer", " dont want to pay",
		" dont want to send", " dont want to transfer", " dont move", " do not move", " dont lock", " do not lock", " dont unlock", " do not unlock",
		" dont block", " do not block", " dont freeze", " do not freeze", " nicht zahlen", " nicht bezahlen", " nicht überweisen", " nichts überweisen",
		" nichts zahlen", " nicht sperren", " nicht entsperren", " keine überweisung", " nicht schicken", " nicht senden")
}

// repeats: a payment asked to repeat ("every friday", "on the first of
// each month", "standing order", "jeden Monat", "Dauerauftrag").
func repeats(t string) bool {
	return containsAny(t, " every ", " each week", " each month", " each friday", " each monday", " per month", " per week", " once a month", " once a week",
		" twice a month", " fortnightly", " biweekly", " bi weekly", " every other", " on mondays", " on tuesdays", " on wednesdays", " on thursdays",
		" on fridays", " on saturdays", " on sundays", " weekly", " monthly basis", " standing order", " recurring", " repeating", " automatically",
		" on a regular basis", " regularly", " jeden ", " jede woche", " jeder woche", " jedes monats", " jeden monat", " alle zwei", " alle drei", " alle vier",
		" monatlich", " wöchentlich", " dauerauftrag", " daueraufträg", " regelmäßig", " automatisch", " immer am ", " pro monat", " im monat ")
}

// refusesWithPIN: the words said with a PIN refuse ("stop, 6 6 9 6",
// "never mind 6696", "nicht 3 7 1 2"): no yes, and the PIN is not used.
func refusesWithPIN(text string) bool {
	if containsAny(" "+intents.Normalize(text)+" ", moneyWords...) {
		return false // "no, make it 2400 dollars": an amount, not a PIN
	}
	var rest, said []string
	for _, w := range strings.Fields(intents.Normalize(text)) {
		if !isDigitsOnly(w) && !intents.DigitWord(w) {
			said = append(said, w)
		}
		if isDigitsOnly(w) || pinWords[w] || fillers[w] || intents.DigitWord(w) {
			continue
		}
		rest = append(rest, w)
	}
	if f := " " + strings.Join(said, " ") + " "; containsAny(f, dropWords...) || containsAny(f, stopWords...) || containsAny(f, " skip it", " skip that", " forget about it") {
		return true // "forget it 4307": the words as said ("it" is also a PIN word: "forget" alone dropped nothing)
	}
	t := " " + strings.Join(rest, " ") + " "
	return yesNoOf(strings.Join(rest, " ")) == intents.No || containsAny(t, stopWords...) || containsAny(t, dropWords...) || negatesAction(t) ||
		containsAny(t, " dont ", " don't ", " do not ", " nicht ", " nein ", " no ", " nope ", " stopp ", " lass ", " wait ", " warte ", " hold on ") ||
		doubtsWithPIN(t)
}

// thatOneCharge: "what's that netflix one", "what was this amazon charge".
var thatOneCharge = regexp.MustCompile(`^(?:(?:so|and|um|uh|ok|okay) )*(?:whats|what is|what was|what s|what are) (?:that|this|the|those|these) ([a-z]+(?: [a-z]+)?) (?:one|thing|charge|payment|debit|transaction)\b`)

// pickWords point at a charge by its place, not its merchant ("what was
// the last one").
var pickWords = map[string]bool{"last": true, "first": true, "second": true, "third": true, "biggest": true, "big": true, "largest": true, "smallest": true,
	"other": true, "latest": true, "recent": true, "new": true, "same": true, "next": true, "previous": true, "earlier": true, "pending": true, "declined": true,
	"suspicious": true, "weird": true, "strange": true, "odd": true, "unknown": true, "fraud": true, "fraudulent": true, "alert": true, "big one": true, "old": true}

// lockForNow: a missing card is to be locked, which can be undone ("I
// can't find my debit card, lock it for now"), not blocked for good.
func lockForNow(t string) bool {
	return containsAny(t, " lock it", " lock the card", " lock my", " freeze it", " block it for now", " sperr sie", " sperr die", " sperren") &&
		!containsAny(t, " stolen", " for good", " permanent", " gestohlen", " geklaut", " endgültig", " replace", " new card", " neue karte", " ersatz")
}

// doubtsWithPIN: words of doubt said with a PIN ("6 6 9 6, maybe not",
// "…, let me think about it", "…, ich überleg's mir noch"): no consent.
func doubtsWithPIN(t string) bool {
	return containsAny(t, " maybe not", " or not", " let me think", " think about it", " second thought", " not sure", " im not sure", " unsure",
		" überleg", " weiß nicht", " weiss nicht", " vielleicht nicht", " oder nicht", " mal sehen", " mal schauen", " bin mir nicht sicher")
}

// helpAsked: the turn asks what Konto can do.
func helpAsked(t string) bool {
	t = strings.Join(strings.Fields(t), " ")
	for _, p := range []string{"what can you do", "what else can you do", "what can you help with", "what can you help me with", "what are you able to do",
		"what do you do", "what can i ask", "what can i ask you", "was kannst du", "was kannst du alles", "was kannst du denn", "was kannst du denn alles",
		"was können sie", "was können sie alles", "was können sie denn alles", "was können sie denn", "wobei kannst du helfen", "wobei können sie helfen",
		"was kann ich dich fragen", "was kann ich sie fragen"} {
		if t == p || strings.HasPrefix(t, p+" ") && len(strings.Fields(t)) <= len(strings.Fields(p))+2 {
			return true
		}
	}
	return false
}

// misheard are recognition errors that split or bend a banking word
// ("check in account" is "checking account"), mended before the turn is
// read.
var misheard = strings.NewReplacer(" check in account", " checking account", " checkin account", " checking account", " check in balance", " checking balance",
	" checkings account", " checking account", " savings balanced", " savings balance", " über weisung", " überweisung", " konto stand", " kontostand")

// heardRight is the turn with misheard banking words mended.
func heardRight(text string) string {
	return strings.TrimSpace(misheard.Replace(" " + text))
}

// courtesies are polite asides that say nothing about the request ("and,
// sorry to be a bother, what was in the savings account again").
var courtesies = regexp.MustCompile(`(?i)[,\s]*\b(sorry to be a bother|sorry to bother you|sorry for bothering you|if you don'?t mind|if it'?s not too much trouble|entschuldigen sie die störung|entschuldige die störung|sorry für die störung|wenn es nicht zu viel verlangt ist)\b[,\s]*`)

// withoutCourtesy is the turn without its polite asides, if words remain.
func withoutCourtesy(text string) string {
	out := strings.TrimSpace(courtesies.ReplaceAllString(text, " "))
	if out == text || len(strings.Fields(out)) < 2 {
		return text
	}
	return out
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
	if changesAccountOrCard[r.Intent] && otherServicesOwn(t) {
		// "freeze my netflix account", "lock my gym card", "sperr mein
		// Netflix-Konto": another service's account or card, not one the
		// bank can freeze or lock.
		r.Intent, r.Slots, r.Confidence = intents.Fallback, intents.Slots{}, 1
		return
	}
	if m := thatOneCharge.FindStringSubmatch(strings.TrimSpace(t)); m != nil && (r.Intent == intents.Fallback || r.Intent == intents.ListTransactions || r.Confidence < actMin) &&
		!notMerchants[m[1]] && !pickWords[strings.Fields(m[1])[0]] && intents.ParseAccount(m[1]) == "" && intents.ParseCategory(m[1]) == "" && intents.ParseCard(m[1]) == "" {
		// "what's that netflix one on the credit card": the last charge
		// there (it was sent to an agent)
		slots := intents.Slots{intents.SlotMerchant: m[1], intents.SlotCount: 1}
		if k := intents.ParseAccount(strings.TrimSpace(t)); k != "" {
			slots[intents.SlotAccount] = k
		}
		r.Intent, r.Slots, r.Confidence, r.turn.inContext = intents.ListTransactions, slots, 1, true
		return
	}
	if (r.Intent == intents.PayBill || r.Intent == intents.TransferMoney || r.Intent == intents.BillBalance) && containsAny(t, " how much ", " wie viel ", " wieviel ") &&
		containsAny(t, " paid ", " spent ", " gezahlt ", " bezahlt ", " ausgegeben ", " überwiesen ", " gelassen ") &&
		containsAny(t, " have i ", " did i ", " hab ", " habe ", " i paid ", " ive paid ", " ive spent ") && !actionWords(t) {
		// "wie viel Miete hab ich seit Januar gezahlt": what went out, not
		// a payment to make.
		slots := intents.Slots{}
		intents.FillSlots(intents.SpendingSummary, strings.TrimSpace(t), r.Locale, r.Now, slots)
		r.Intent, r.Slots, r.Confidence = intents.SpendingSummary, slots, 1
		return
	}
	if r.Intent == intents.ReportLostCard && lockForNow(t) {
		// "I can't find my debit card, lock it": a lock, which can be
		// undone, not the block for good and a new card.
		slots := intents.Slots{}
		intents.FillSlots(intents.LockCard, strings.TrimSpace(t), r.Locale, r.Now, slots)
		r.Intent, r.Slots = intents.LockCard, slots
		return
	}
	if r.Intent == intents.ListTransactions && containsAny(t, " did i spend", " have i spent", " did we spend", " hab ich ausgegeben", " habe ich ausgegeben") &&
		!containsAny(t, " show", " list", " read", " which ", " what were", " zeig", " welche", " lies ") {
		// "what did i spend at tesco in the last fortnight": how much,
		// not the list ("show me what i spent there" lists).
		r.Intent = intents.SpendingSummary
		return
	}
	if intents.German(r.Locale) && containsAny(t, " offen ") && containsAny(t, " karte", " visa", " mastercard", " amex") &&
		containsAny(t, " wie viel", " wieviel", " was ist", " was steht", " wie hoch") && !containsAny(t, " rechnung", " abrechnung", " mindest", " fällig", " wann", " bis wann") &&
		!actionWords(t) && r.Slots[intents.SlotBiller] == nil && (r.Intent == intents.BillBalance || r.Intent == intents.GetBalance || r.Intent == intents.Fallback || r.Confidence < actMin) {
		// "was ist auf meiner Visa Karte offen": what the card carries,
		// its balance (the statement is asked with "Abrechnung").
		r.Intent, r.Slots, r.Confidence = intents.GetBalance, intents.Slots{intents.SlotAccount: "credit_card"}, 1
		return
	}
	if containsAny(t, " owe ", " left to pay", " schulde ", " noch zahlen", " abzuzahlen", " abbezahlen", " restschuld") &&
		containsAny(t, " car ", " auto ", " loan", " mortgage", " kredit ", " darlehen", " autokredit", " the house", " haus ") &&
		!containsAny(t, " card", "karte") && !actionWords(t) {
		// "how much do I still owe on the car": the loan's balance.
		r.Intent, r.Slots, r.Confidence = intents.GetBalance, intents.Slots{intents.SlotAccount: "loan"}, 1
		return
	}
	if containsAny(t, " my pay ", " my pay?", " pay day", " payday", " paycheck", " pay cheque", " my salary", " my wages", " mein gehalt", " das gehalt", " mein lohn", " der lohn") &&
		containsAny(t, " when", " come", " coming", " arrive", " in yet", " here yet", " wann", " kommt", " da ", " gekommen", " eingegangen", " drauf") &&
		r.Intent != intents.IncomeSummary && r.Slots[intents.SlotBiller] == nil && r.Slots[intents.SlotPayee] == nil &&
		!containsAny(t, " pay my ", " pay the ", " pay it", " pay off", " pay for", " pay back", " send ", " transfer", " überweis", " zahl ", " bezahl") {
		readAs(r, intents.IncomeSummary, t, "") // "when's my pay coming in": the salary, not a bill's due date
		return
	}
	if (r.Intent == intents.BillBalance || r.Intent == intents.BillDueDate || r.Intent == intents.Fallback) && r.Slots[intents.SlotBiller] == nil &&
		containsAny(t, " how much ", " wie viel ", " wieviel ") && merchantPhrase(strings.TrimSpace(t), r.Locale, r.Now) != "" && !actionWords(strings.TrimSpace(t)) &&
		!containsAny(t, " rechnung", " bill ", " bills ", " invoice") {
		// "how much at tesco this month": what was spent there, not a bill
		// ("die rechnung von o2, wie viel ist" is the bill).
		slots := intents.Slots{}
		intents.FillSlots(intents.SpendingSummary, strings.TrimSpace(t), r.Locale, r.Now, slots)
		r.Intent, r.Slots, r.Confidence = intents.SpendingSummary, slots, 1
		return
	}
	if r.Intent == intents.PayBill && r.Slots[intents.SlotBiller] == nil && containsAny(t, " minimum", " mindestbetrag", " mindestzahlung", " mindestrate") &&
		!containsAny(t, " whats ", " what is ", " how much ", " wie hoch ", " wie viel ") {
		// "pay the minimum from checking": only a card has a minimum.
		r.Slots[intents.SlotBiller] = "credit_card"
	}
	if (r.Intent == intents.LockCard || r.Intent == intents.UnlockCard) && r.Slots[intents.SlotCard] != nil && r.Confidence < actMin &&
		containsAny(t, " lock my ", " freeze my ", " block my ", " unlock my ", " unfreeze my ", " unblock my ", " sperr meine ", " sperre meine ", " entsperr meine ", " entsperre meine ") &&
		!containsAny(t, " dont ", " do not ", " not ", " nicht ", " why ", " warum ", " how do ", " wie ") {
		// "can you lock my debit card, I think it's gone down the back of
		// the sofa": the request is said whole; the story around it makes
		// the recognizer unsure, not the request.
		r.Confidence = actMin
	}
	if helpAsked(t) {
		// "what can you do", "was können Sie denn alles?"
		r.Intent, r.Slots, r.Confidence = intents.Help, intents.Slots{}, 1
		return
	}
	if asksForPending(r) && containsAny(t, " available", " booked", " verfügbar", " gebucht", " balance", " kontostand", " to spend") && !containsAny(t, " show", " list", " zeig", " which ", " welche ") {
		// "what's actually available, with the pending bits taken off":
		// the balance, not the pending list.
		slots := intents.Slots{}
		intents.FillSlots(intents.GetBalance, strings.TrimSpace(t), r.Locale, r.Now, slots)
		if slots[intents.SlotAccount] == nil {
			slots[intents.SlotAccount] = "checking"
		}
		r.Intent, r.Slots, r.Confidence = intents.GetBalance, slots, 1
		return
	}
	if asksForPending(r) && (r.Intent == intents.Fallback || r.Intent == intents.ListTransactions || r.Intent == intents.SpendingSummary || r.Intent == intents.GetBalance) &&
		!containsAny(t, " mean", " bedeutet", " heißt", " heisst") && !actionWords(t) {
		// "what hasn't cleared yet", "was ist noch vorgemerkt": the
		// pending transactions.
		slots := intents.Slots{}
		intents.FillSlots(intents.ListTransactions, strings.TrimSpace(t), r.Locale, r.Now, slots)
		r.Intent, r.Slots, r.Confidence = intents.ListTransactions, slots, max(r.Confidence, 1)
		return
	}
	if r.Intent == intents.SpendingSummary && asksForBiggest(r) {
		// "what's the most I spent on one thing last month": the biggest
		// purchase, not a merchant called "one thing".
		slots := intents.Slots{}
		for _, k := range []string{intents.SlotDateRange, intents.SlotAccount, intents.SlotCategory} {
			if v := r.Slots[k]; v != nil {
				slots[k] = v
			}
		}
		r.Intent, r.Slots, r.Confidence = intents.ListTransactions, slots, max(r.Confidence, 1)
		return
	}
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
	if containsAny(t, " refund", " money back", " erstattung", " erstattet", " gutschrift", " zurückgezahlt", " zurückbekommen", " credited", " paid me back", " refunded") &&
		!containsAny(t, " what can i", " what do i", " how do i", " how can i", " was kann ich", " was muss ich", " wie kann ich", " wie bekomme", " wie gebe", " lastschrift", " direct debit") &&
		!actionWords(t) {
		// "ist die Erstattung von Amazon schon da", "have british gas
		// refunded me yet": what came in from them lately, not the pay
		m := merchantPhrase(strings.TrimSpace(t), r.Locale, r.Now)
		if m == "" {
			if mm := refundFrom.FindStringSubmatch(t); mm != nil {
				m = strings.TrimSpace(mm[1] + mm[2])
			}
		}
		ws := strings.Fields(m)
		for len(ws) > 0 && refundTail[ws[len(ws)-1]] {
			ws = ws[:len(ws)-1]
		}
		m = strings.Join(ws, " ")
		if m != "" && !notMerchants[m] {
			r.Intent, r.Slots, r.Confidence, r.turn.inContext = intents.ListTransactions, intents.Slots{intents.SlotMerchant: m}, 1, true
			return
		}
	}
	if lastFourAsked(t) && containsAny(t, " account", " konto", " current", " checking", " savings", " girokonto", " sparkonto") &&
		!containsAny(t, " card", " karte") && !actionWords(t) {
		// "just the last four digits of my current account", whatever
		// came before: the account's details (its last four digits)
		readAs(r, intents.AccountDetails, t, "")
		return
	}
	if kind, what := billAsked(t, r.Locale); kind != "" {
		if kind == "rent" && what == intents.BillBalance {
			// "wie hoch ist unsere Miete": rent is paid by standing order
			// more often than billed; the last rent that went out says it.
			r.Intent, r.Slots, r.Confidence, r.turn.inContext = intents.ListTransactions, intents.Slots{intents.SlotCategory: "rent", intents.SlotCount: 1}, 1, true
			return
		}
		// "how much is the electric", "wann ist die Miete fällig"
		r.Intent, r.Slots, r.Confidence, r.turn.inContext = what, intents.Slots{intents.SlotBiller: kind}, 1, true
		return
	}
	if containsAny(t, " iban", " account number", " kontonummer", " sort code", " routing number", " bankleitzahl", " bic ") &&
		(containsAny(t, " read", " tell", " give", " what is", " whats", " vor", " sag", " nenn", " lautet", " wie ist", " brauche", " need") ||
			len(strings.Fields(t)) <= 4 && !actionWords(t)) {
		// ("and the sort code?", "und die bic")
		// "lies mir bitte die komplette IBAN vor"
		readAs(r, intents.AccountDetails, t, "")
		return
	}
	if agentWords[strings.TrimSpace(strings.Join(strings.Fields(strings.TrimSpace(t)), " "))] {
		r.Intent, r.Slots, r.Confidence, r.turn.inContext = intents.TalkToAgent, intents.Slots{}, 1, true // "operator"
		return
	}
	switch {
	case containsAny(t, " my limit", " mein limit", " meinem limit", " credit limit", " kreditrahmen", " kreditlimit", " verfügungsrahmen",
		" spending limit on my card") && !containsAny(t, " atm", " cash", " withdraw", "abheb", "automat", "bargeld", " transfer", " überweis",
		" voice", " sprache", " contactless", " kontaktlos", " daily", " tages", " higher", " raise", " increase", " more ", " erhöh", " höher", " mehr "):
		// "wie hoch ist mein Limit": the card's credit limit.
		readAs(r, intents.CreditLimit, t, "")
	case containsAny(t, " how many times", " how often", " how many purchases", " how many transactions", " how many payments", " wie oft",
		" wie viele einkäufe", " wie viele male", " wie viele umsätze", " wie viele zahlungen", " wie viele buchungen") &&
		!containsAny(t, " interest", " zins", " statement", " auszug", " do you ", " does the bank", " zahlt ihr", " zahlt die bank", " fee", " gebühr"):
		// "how many times did I eat out this month": the count with the
		// total ("how often do you pay the interest" is the bank's own).
		readAs(r, intents.SpendingSummary, t, "")
		r.turn.countAsked = true
	case containsAny(t, " when did i last", " when was i last", " when was the last time", " last time i went", " wann war ich zuletzt",
		" wann war ich das letzte mal", " wann habe ich zuletzt", " wann hab ich zuletzt", " wann zuletzt") &&
		!containsAny(t, " get paid", " got paid", " was paid", " paid me", " my pay", " payday", " salary", " wages", " gehalt", " lohn", " bezahlt worden"):
		// (not "when did i last get paid": the income's own question)
		readAs(r, intents.ListTransactions, t, "")
		r.Slots[intents.SlotCount] = 1 // the last one
	case accountPays.MatchString(strings.TrimSpace(t)):
		// "and what does my savings pay", "was bringt mein Tagesgeld"
		readAs(r, intents.InterestRate, t, intents.SlotAccount)
	case containsAny(t, " did i blow", " have i blown", " did i burn through", " i blew ", " did i splurge", " verprasst", " verballert",
		" rausgehauen", " verjubelt", " auf den kopf gehauen"):
		readAs(r, intents.SpendingSummary, t, "")
	case containsAny(t, " direct debit", " lastschrift", " standing order", " dauerauftr", " abbuchungen", " bills ", " rechnungen ") &&
		containsAny(t, " coming up", " coming out", " going out", " go out", " due", " next week", " this week", " anstehen", " stehen an",
			" kommen", " demnächst", " nächste", " upcoming", " gehen", " diese woche", " fällig") && !containsAny(t, " pay ", " zahl", " paid", " bezahlt"):
		// "what direct debits have I got coming up": the bills due.
		r.Intent, r.Slots, r.Confidence, r.turn.inContext = intents.BillDueDate, intents.Slots{}, 1, true
		r.turn.billsDue = true
	case containsAny(t, " card", "karte") && containsAny(t, " knocked back", " declined", " refused", " rejected", " bounced", " didnt go through", " did not go through",
		" wouldnt go through", " abgelehnt", " ging nicht durch", " nicht angenommen", " nicht akzeptiert") &&
		containsAny(t, " why", " how come", " what happened", " whats going on", " warum", " wieso", " weshalb", " was ist los", " was war da los"):
		// "my card got knocked back at the petrol station, how come":
		// why a card payment was declined (it was sent to an agent).
		readAs(r, intents.CardDeclined, t, "")
	case containsAny(t, " lost my ", " lost the ", " misplaced my ", " cant find my ", " can t find my ", " verloren", " finde meine ", " find meine ") &&
		containsAny(t, " card", "karte") && !containsAny(t, " phone", " handy", " wallet app", " sim") &&
		!containsAny(t, " havent lost", " haven t lost", " have not lost", " not lost", " didnt lose", " did not lose", " nicht verloren", " doch nicht verloren") &&
		!(r.Intent == intents.LockCard && lockForNow(t)):
		// "i think i lost my debit card at the gym": sure enough to ask
		// (the block is read back and needs the PIN).
		readAs(r, intents.ReportLostCard, t, "")
	case containsAny(t, " why ", " warum ", " wieso ") && containsAny(t, " not working", " doesnt work", " does not work", " isnt working",
		" funktioniert nicht", " geht nicht", " blocked", " gesperrt", " frozen") && !containsAny(t, " card", "karte"):
		readAs(r, intents.AccountBlocked, t, intents.SlotAccount) // "why my savings is not working"
	case containsAny(t, " gehalt", " lohn", " salary", " paycheck", " pay check", " wages", " paycheque") &&
		containsAny(t, " schon da", " angekommen", " eingegangen", " gekommen", " drauf", " arrived", " come in", " came in", " gone in",
			" landed", " hit my account", " yet", " been paid", " go in", " went in", " wann kommt", " when does", " when will", " when do i get") ||
		containsAny(t, " payday", " pay day", " get paid next", " next paycheck", " next pay ", " zahltag", " wann krieg ich mein geld", " wann bekomme ich mein gehalt"):
		readAs(r, intents.IncomeSummary, t, "")
	case containsAny(t, " how much have i made", " how much did i make", " how much did i earn", " how much have i earned", " what did i earn",
		" what have i earned", " wie viel hab ich verdient", " wie viel habe ich verdient", " was hab ich verdient", " was habe ich verdient"):
		readAs(r, intents.IncomeSummary, t, "")
	case containsAny(t, " how much", " wie viel") && containsAny(t, " reingekommen", " rein gekommen", " eingegangen", " gutgeschrieben",
		" came in", " come in", " got paid", " get paid", " have i received", " did i receive", " bekommen"):
		readAs(r, intents.IncomeSummary, t, "")
	case containsAny(t, " why cant i ", " why can t i ", " why cannot i ", " why wont it let me", " why won t it let me", " warum kann ich ",
		" wieso kann ich ", " weshalb kann ich ") && containsAny(t, " move", " send", " transfer", " take money", " take out", " withdraw",
		" get money", " get at", " überweisen", " abheben", " geld ", " umbuchen", " ran "):
		// "why can't I move money out of it": what blocks the account.
		readAs(r, intents.AccountBlocked, t, "")
	case containsAny(t, " when do i get paid", " when will i get paid", " when do i get my pay", " when is payday", " whens payday", " when is pay day", " whens pay day",
		" when is my next pay", " wann krieg ich mein gehalt", " wann kriege ich mein gehalt", " wann bekomme ich mein gehalt", " wann kommt mein gehalt", " wann kommt das gehalt",
		" wann ist zahltag", " wann gibts gehalt", " wann gibt es gehalt"):
		r.Intent, r.Slots, r.Confidence, r.turn.inContext = intents.IncomeSummary, intents.Slots{slotNext: "1"}, 1, true
	case containsAny(t, " can i afford", " could i afford", " do i have enough for", " do i have enough money for", " kann ich mir", " reicht mein geld", " reicht das geld") &&
		containsAny(t, " afford", " enough", " leisten", " reicht"):
		// "can I afford a 600 dollar laptop right now": what is there to spend
		readAs(r, intents.GetBalance, t, "")
		delete(r.Slots, intents.SlotAmount)
	case containsAny(t, " rent ", " miete ") && containsAny(t, " go out", " went out", " gone out", " gone yet", " rent go ", " rent gone ", " come out", " came out", " taken", " leave",
		" left", " raus", " abgebucht", " abgegangen", " runter", " weg") && !containsAny(t, " pay the rent", " pay my rent", " pay rent", " zahl die miete", " bezahl die miete", " überweis"):
		r.Intent, r.Slots, r.Confidence, r.turn.inContext = intents.ListTransactions, intents.Slots{intents.SlotCategory: "rent", intents.SlotCount: 1}, 1, true
	case containsAny(t, " rent ", " miete ") && containsAny(t, " how much", " how high", " whats my rent", " what is my rent", " whats our rent", " what is our rent", " wie hoch", " wie viel", " was kostet", " was zahle") &&
		!containsAny(t, " pay ", " zahl die", " bezahl", " überweis", " spent", " spend", " ausgegeben", " this year", " dieses jahr") && (r.Intent == intents.BillBalance || r.Intent == intents.Fallback || r.Intent == intents.GetBalance || r.Confidence < actMin):
		// "wie hoch ist unsere Miete", "how much is my rent" with no
		// biller for it: the last rent that went out says it.
		r.Intent, r.Slots, r.Confidence, r.turn.inContext = intents.ListTransactions, intents.Slots{intents.SlotCategory: "rent", intents.SlotCount: 1}, 1, true
	}
}

// refundFrom finds who a refund is from ("die Erstattung von Amazon",
// "has british gas refunded me").
var refundFrom = regexp.MustCompile(`(?: von | from | vom )([a-zäöüß][a-zäöüß0-9]*(?: [a-zäöüß][a-zäöüß0-9]*)?)(?: schon| already| yet| da| gekommen| come| arrived| $)|(?:^| )(?:have|has|did) ([a-z][a-z0-9]*(?: [a-z][a-z0-9]*)?) (?:refunded|refund|paid me back|pay me back|credited)`)

// refundTail are words after a name in refundFrom that are no part of it.
var refundTail = map[string]bool{"schon": true, "already": true, "yet": true, "da": true, "gekommen": true, "come": true, "arrived": true,
	"angekommen": true, "eingegangen": true, "me": true}

// readAs takes the turn as intent, with the slots its words fill, when
// they fill need (any, for ""); it is read in context, so the FAQ does not
// second-guess it. It reports whether it did.
func readAs(r *Request, intent, t, need string) bool {
	slots := intents.Slots{}
	intents.FillSlots(intent, strings.TrimSpace(t), r.Locale, r.Now, slots)
	if need != "" && slots[need] == nil {
		return false
	}
	r.Intent, r.Slots, r.Confidence, r.turn.inContext = intent, slots, 1, true
	return true
}

// accountPays: "what does my savings pay", "how much does the ISA earn",
// "if i put money in goal savings what does it earn", "was bringt mein
// Tagesgeld": the account's interest (readAs needs the account named).
var accountPays = regexp.MustCompile(`\b(?:what|how much) (?:does|do) (?:my|the|your) (?:\S+ ){1,3}(?:pay|pays|earn|earns|give me)\b|\bwhat (?:does|would|will|do) (?:it|that|they) (?:pay|earn|get)\b|\bwas bringt (?:mein|meine|das|die|mir mein) `)

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
	if k := intents.AccountName(phrase); k != "" {
		return k // "travel card", "Sparbuch": a product's name
	}
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
		"die": true, "der": true, "dem": true, "bitte": true, "one": true, "what": true, "about": true, "and": true, "und": true,
		"was": true, "ist": true, "mit": true, "wie": true, "sieht": true, "es": true, "aus": true, "how": true, "is": true, "with": true,
		"dann": true, "then": true, "also": true, "auch": true, "too": true, "whats": true, "on": true, "in": true, "much": true,
		"just": true, "only": true, "nur": true, "bloß": true}
	accountWords = map[string]bool{"account": true, "konto": true, "card": true, "karte": true, "credit": true, "debit": true, "current": true,
		"cash": true, "instant": true, "easy": true, "access": true}
)

// billAsked reads a short question about a bill named by what it is for
// ("how much is the electric", "when's the water due", "wie viel ist
// die Stromrechnung"): the biller kind and the intent, or "".
func billAsked(t, locale string) (kind, intent string) {
	words := strings.Fields(t)
	if len(words) > 8 || containsAny(t, " spen", " ausgegeben", " ausgaben", " pay ", " zahl", " überweis", " bezahl") {
		return "", ""
	}
	switch {
	case containsAny(t, " how much is ", " how much s ", " hows much ", " whats the ", " what is the ", " wie viel ist ", " wie hoch ist ", " was kostet "):
		intent = intents.BillBalance
	case containsAny(t, " when is ", " whens ", " when s ", " when does ", " wann ist ", " wann muss ", " wann kommt "):
		intent = intents.BillDueDate
	default:
		return "", ""
	}
	for _, k := range billKinds(locale) {
		// The word ends the question or names the bill: "the electric",
		// "the water bill", "die Stromrechnung", not "the water bottle".
		for _, end := range []string{" ", " bill ", " one ", " due ", "rechnung ", " rechnung ", " fällig ", " bill due ", "rechnung fällig "} {
			if strings.HasSuffix(t, " "+k.word+end) {
				return k.kind, intent
			}
		}
	}
	return "", ""
}

type billKind struct{ word, kind string }

func billKinds(locale string) []billKind {
	if intents.German(locale) {
		return []billKind{{"strom", "electricity"}, {"gas", "gas"}, {"wasser", "water"}, {"handy", "phone"}, {"telefon", "phone"},
			{"internet", "internet"}, {"miete", "rent"}, {"versicherung", "insurance"}, {"rundfunkbeitrag", "tv"}, {"gez", "tv"}}
	}
	return []billKind{{"electric", "electricity"}, {"electricity", "electricity"}, {"power", "electricity"}, {"gas", "gas"},
		{"water", "water"}, {"phone", "phone"}, {"mobile", "phone"}, {"internet", "internet"}, {"broadband", "internet"},
		{"insurance", "insurance"}, {"tv licence", "tv"}, {"cable", "tv"}}
}

// namesCharge: the turn speaks of the charge an alert named ("that
// charge you mentioned", "at electro", "die Abbuchung").
func namesCharge(text, merchant string) bool {
	t := " " + intents.Normalize(text) + " "
	if containsAny(t, " charge", " payment", " purchase", " transaction", " alert", " you mentioned", " zahlung", " abbuchung", " buchung",
		" kauf ", " warnung", " du erwähnt") {
		return true
	}
	return saysMerchant(t, merchant)
}

// asksSomething: the turn is a question or a request of its own ("show
// me what I bought", "what does APR mean", "wie geht das").
func asksSomething(text string) bool {
	if strings.Contains(text, "?") {
		return true
	}
	words := strings.Fields(intents.Normalize(text))
	for len(words) > 0 && (fillers[words[0]] || leadAcks[words[0]]) {
		words = words[1:]
	}
	if len(words) > 0 && questionWords[words[0]] {
		return true
	}
	t := " " + strings.Join(words, " ") + " "
	return containsAny(t, " what does ", " what do ", " what is ", " whats ", " how do ", " how can ", " how does ", " can you ", " could you ",
		" wie geht", " wie kann", " wie mache", " was bedeutet", " was heißt", " was ist ", " kannst du ", " können sie ")
}

var questionWords = map[string]bool{"what": true, "whats": true, "how": true, "why": true, "where": true, "which": true, "when": true,
	"show": true, "list": true, "tell": true, "can": true, "could": true, "wie": true, "was": true, "warum": true, "wieso": true,
	"wo": true, "welche": true, "welcher": true, "wann": true, "zeig": true, "zeige": true, "kannst": true, "sag": true}

// agentWords ask for a person in a word or two.
var agentWords = normalizedSet("operator", "agent", "an agent", "human", "a human", "real person", "a real person", "representative",
	"customer service", "mitarbeiter", "berater", "beraterin", "mensch", "ein mensch", "kundenservice", "kundendienst")

// onlyFillers: the turn holds only hesitation ("äh", "hmm", "um ...").
func onlyFillers(text string) bool {
	words := strings.Fields(intents.Normalize(text))
	for _, w := range words {
		if !fillers[w] && !hesitations[w] {
			return false
		}
	}
	return true
}

var hesitations = map[string]bool{"hm": true, "hmm": true, "hmmm": true, "mhm": true, "äh": true, "ähm": true, "öh": true, "öhm": true,
	"uh": true, "um": true, "umm": true, "er": true, "erm": true, "ehm": true, "eh": true, "ah": true}

// acknowledges: "passt scho", "alright", "okay then": an acknowledgement,
// no answer to anything.
func acknowledges(text string) bool {
	words := strings.Fields(intents.Normalize(text))
	if len(words) == 0 || len(words) > 3 {
		return false
	}
	return ackFirst[words[0]]
}

var ackFirst = map[string]bool{"ok": true, "okay": true, "alright": true, "right": true, "fine": true, "cool": true, "great": true,
	"perfect": true, "passt": true, "gut": true, "super": true, "prima": true, "klar": true, "alles": true, "okidoki": true, "sure": true}

// cardAmountWords: the turn asks for the card's whole balance or its
// minimum ("in full", "just the minimum", "komplett"), and names no
// amount of its own; "not in full" asks neither.
func cardAmountWords(text, locale string) bool {
	t := " " + intents.Normalize(text) + " "
	if containsAny(t, " not in full", " nicht komplett", " nicht vollständig", " not the full", " not the minimum", " nicht den mindest") {
		return false
	}
	if _, _, ok := intents.ParseAmount(strings.TrimSpace(t), locale, false); ok {
		return false
	}
	return containsAny(t, cardFullWords...) || containsAny(t, " minimum", " mindest")
}

var cardFullWords = []string{" in full", " full balance", " whole balance", " entire balance", " the full amount", " all of it", " pay it off",
	" pay off", " vollständig", " komplett", " den ganzen betrag", " ganz ausgleichen", " ausgleichen"}

// plainYes: the whole turn is a yes ("yes", "yes please", "jo"), not a yes
// that goes on to ask for something ("ok yes send it").
func plainYes(text string) bool {
	t := strings.Join(strings.Fields(intents.Normalize(text)), " ")
	for _, p := range yesPhrases {
		if t == p {
			return !acknowledges(text) || t == "yes" || t == "ja"
		}
	}
	return t == "yes please" || t == "ja bitte" || t == "yes yes" || t == "ja ja"
}

// withdraws: the person takes the request back while the PIN is asked
// ("oh wait, I found it", "never mind", "doch nicht").
func withdraws(text string) bool {
	t := " " + intents.Normalize(text) + " "
	if containsAny(t, " wait ", " warte ", " hold on") && (asksSomething(text) || containsAny(t, " was hab", " was habe", " wie viel", " how much", " whats ", " what ",
		" when ", " how ", " why ", " where ", " which ", " wann ", " wie ", " warum ", " wo ", " welche", " whens ", " hows ", " wheres ", " whos ", " do i ", " did ",
		" is my ", " is the ", " ist die ", " ist mein", " hab ich ", " habe ich ")) {
		return false // "warte kurz, was hab ich auf dem Girokonto": a side question; the payment waits
	}
	return containsAny(t, " found it", " found the card", " got it back", " gefunden", " never mind", " nevermind", " doch nicht", " lass mal",
		" dont do it", " don t do it", " do not do it", " forget it", " vergiss es", " lieber nicht", " changed my mind", " hold on", " wait ", " warte ",
		" lass gut sein", " lass es gut sein", " lassen wir das", " lass das ", " leave it ", " lets leave it", " skip it", " forget about it")
}

// cardFound: the words say a missing card has turned up ("ah, da ist sie
// ja, in der Jackentasche", "they had it behind the bar").
func cardFound(text string) bool {
	return containsAny(" "+intents.Normalize(text)+" ", " found it", " found them", " turned up", " here it is", " there it is", " had it behind", " they had it",
		" it was in my", " it was in the", " was in my pocket", " da ist sie", " da ist die karte", " da ist sie ja", " wieder da", " wiedergefunden",
		" hab sie wieder", " habe sie wieder", " war in der", " war in meiner", " war doch in", " steckte in")
}

// countFollowUp: "how many transactions was that" after a total counts
// what the total was about.
func (s *Skill) countFollowUp(r *Request) {
	prev := s.previous(r)
	if !r.turn.countAsked || prev == nil || prev.Intent != intents.SpendingSummary && prev.Intent != intents.ListTransactions {
		return
	}
	if r.Slots[intents.SlotMerchant] != nil || r.Slots[intents.SlotCategory] != nil {
		return
	}
	t := " " + intents.Normalize(r.Text) + " "
	if !containsAny(t, " that", " those", " these", " there", " das", " da ", " dort", " davon") {
		return
	}
	for _, k := range []string{intents.SlotMerchant, intents.SlotCategory, intents.SlotDateRange, intents.SlotAccount} {
		if v := prev.Slots[k]; v != nil && r.Slots[k] == nil {
			r.Slots[k] = v
		}
	}
}

// deniesCharge reads "yeah that's not me, report it" with no question
// waiting as a fraud report (the recognizer hears a yes): when it names a
// report, or right after a list of a merchant's transactions, whose
// charge it then is about.
func (s *Skill) deniesCharge(r *Request) {
	if r.Text == "" || r.st.Dialog != nil || r.Intent != intents.Yes && r.Intent != intents.No && r.Intent != intents.Fallback && r.Confidence >= actMin {
		return
	}
	t := " " + intents.Normalize(r.Text) + " "
	if !containsAny(t, alertDenies...) || knownBuyer(t) {
		return // (and "not me, my husband did", "not me, but it's fine": no claim, as at an alert)
	}
	prev := s.previous(r)
	listed := prev != nil && prev.Intent == intents.ListTransactions && prev.Slots.String(intents.SlotMerchant) != ""
	if !listed && !containsAny(t, " report", " dispute", " fraud", " block", " melde", " reklamier", " betrug", " widersprech", " zurückholen") {
		return
	}
	r.Intent, r.Slots, r.Confidence, r.turn.inContext = intents.ReportFraud, intents.Slots{}, 1, true
	if listed {
		r.turn.chargeOf = cmp.Or(prev.Merchant, prev.Slots.String(intents.SlotMerchant))
	}
}

// partAgain: "just the year please", "nur das Jahr bitte", "just the
// amount": a part of the last answer again.
var partAgain = regexp.MustCompile(`^(?:(?:ok|okay|sorry|please|bitte|und|and|so|also|ähm|um)\s+)*(?:just|only|nur|bloß|bloss)\s+(?:the\s+|das\s+|den\s+|die\s+)?(year|jahr|amount|betrag|sum|summe)(?:\s+(?:please|bitte|again|nochmal|noch mal|then|dann))*$`)

var (
	yearIn  = regexp.MustCompile(`\b(?:19|20)\d\d\b`)
	moneyIn = regexp.MustCompile(`[$£]\d[\d,]*(?:\.\d\d)?|\d[\d.]*,\d\d[\s\x{00a0}]?€`)
)

// partOfLast answers partAgain from the last answer, or nil.
func (s *Skill) partOfLast(ctx context.Context, r *Request) *Response {
	if r.Text == "" {
		return nil
	}
	m := partAgain.FindStringSubmatch(intents.Normalize(r.Text))
	if m == nil {
		return nil
	}
	last, err := s.repeat(ctx, r)
	if err != nil || last == nil || last.Speech == "" {
		return nil
	}
	re := moneyIn
	if m[1] == "year" || m[1] == "jahr" {
		re = yearIn
	}
	part := re.FindString(last.Speech)
	if part == "" {
		return nil
	}
	l := langOf(r.Locale)
	r.Intent = intents.Repeat // (the last answer stays what "say that again" repeats)
	return &Response{Speech: l.andReprompt(l.msg("repeat.part", part)), Reprompt: l.reprompt()}
}

// changesAccountOrCard are the intents that freeze, lock, unlock or
// replace one of the bank's accounts or cards.
var changesAccountOrCard = map[string]bool{intents.FreezeAccount: true, intents.LockCard: true, intents.UnlockCard: true,
	intents.ReplaceCard: true, intents.ReportLostCard: true}

// otherServices run accounts of their own; nonPaymentCards are cards
// no bank issues.
var (
	otherServices = []string{"netflix", "amazon", "instagram", "facebook", "spotify", "google", "gmail", "apple", "icloud", "twitter", "tiktok",
		"whatsapp", "snapchat", "youtube", "disney", "hulu", "ebay", "steam", "playstation", "xbox", "uber", "paypal", "email", "e mail",
		"phone", "handy", "gym", "fitness", "library", "bibliotheks"}
	serviceAccounts = []string{"account", "konto", "profile", "profil", "login", "abo", "subscription", "membership", "mitgliedschaft"}
	nonPaymentCards = []string{"gym card", "library card", "fitness card", "loyalty card", "membership card", "key card", "sim card", "id card",
		"bibliothekskarte", "bibliotheks karte", "fitnesskarte", "fitness karte", "mitgliedskarte", "kundenkarte", "sim karte", "simkarte"}
)

// otherServicesOwn: the words name another service's account ("my
// netflix account", "mein netflix konto") or a card no bank issues ("my
// gym card"); "someone used my card on amazon, lock it" names neither.
func otherServicesOwn(t string) bool {
	for _, svc := range otherServices {
		for _, a := range serviceAccounts {
			if strings.Contains(t, " "+svc+" "+a) || strings.Contains(t, " "+svc+a+" ") {
				return true // ("netflixkonto", "amazonaccount")
			}
		}
	}
	for _, c := range nonPaymentCards {
		if strings.Contains(t, " "+c+" ") {
			return true
		}
	}
	return false
}
