package skill_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/kontoskill/konto/skill"
)

// Review 8 (attacker): the changes of 9fcd2de (corrections at the PIN
// prompt, negated names, onlyAck), 6ceb787 (repeats(), the "second one"
// warning, again(), doneOp.What) and 5712b1c (pause words in ParsePin).
// Tests marked "finding" fail while the hole is open; tests marked
// "holds" pin a safety property that holds today. Helpers r7talk, done,
// spoken and newEnv come from the other review files.

// r8intent sends what the platform resolved (intent and slots, no
// text), as Alexa does, from what the recognizer makes of text.
func r8intent(t *testing.T, e *env, customer, locale, sess, text string) string {
	t.Helper()
	res, err := rec.Parse(context.Background(), text, locale, now)
	if err != nil {
		t.Fatal(err)
	}
	return e.sk.Handle(context.Background(), &skill.Request{Platform: "test", UserID: "u-" + customer, SessionID: sess,
		RequestID: fmt.Sprintf("%s-%d", sess, reqSeq.Add(1)), Locale: locale, Intent: res.Intent, Slots: res.Slots,
		Confidence: res.Confidence, AccessToken: e.bank.Token(customer)}).Speech
}

// finding (high, older than today's commits; 5712b1c widens it to "stop
// um 6 6 9 6"): at the read-back, a refusal word said with the PIN pays.
// "stop, 6 6 9 6", "cancel 6 6 9 6", "never mind 6 6 9 6", "don't, 6696",
// "please don't, 6696", "nicht 3 7 1 2", "stopp 3 7 1 2" all answer
// "Done. I sent $20.00 ...": the "PIN at the read-back is the yes and the
// PIN in one" path (continueDialog, stageConfirm) takes any short turn
// with four digits as a yes, and changesWithPIN does not know refusals.
// ("no 6 6 9 6", "wait 6 6 9 6", "doch nicht 3 7 1 2" do cancel.) A turn
// that refuses must never pay, PIN or not.
func TestReview8RefusalWithPINAtReadBackPaysNothing(t *testing.T) {
	for _, c := range []struct{ customer, locale, start, text string }{
		{"carol", "en-US", "send tom nguyen 20 dollars from checking", "stop, PIN"},
		{"carol", "en-US", "send tom nguyen 20 dollars from checking", "cancel PIN"},
		{"carol", "en-US", "send tom nguyen 20 dollars from checking", "never mind PIN"},
		{"carol", "en-US", "send tom nguyen 20 dollars from checking", "don't, PIN"},
		{"carol", "en-US", "send tom nguyen 20 dollars from checking", "please don't, PIN"},
		{"carol", "en-US", "send tom nguyen 20 dollars from checking", "stop um PIN"},
		{"lena", "de-DE", "überweise max schmidt 20 euro vom girokonto", "nicht PIN"},
		{"lena", "de-DE", "überweise max schmidt 20 euro vom girokonto", "stopp PIN"},
	} {
		t.Run(c.customer+" "+c.text, func(t *testing.T) {
			e := newEnv(t, nil, 0)
			out := r7talk(t, e, c.customer, c.locale, "r8-refuse", c.start, c.text)
			if done(out[1]) {
				t.Errorf("%q at the read-back paid: %q", c.text, out[1])
			}
		})
	}
}

// finding (high, older): the same at the PIN prompt. After "yes", "don't,
// 6 6 9 6" or "cancel, 6 6 9 6" pays: the PIN is checked before the
// words around it are read. A refusal with the PIN must not pay.
func TestReview8RefusalWithPINAtPINPromptPaysNothing(t *testing.T) {
	for _, text := range []string{"don't PIN", "cancel, PIN", "stop, PIN", "never mind, PIN"} {
		t.Run(text, func(t *testing.T) {
			e := newEnv(t, nil, 0)
			out := r7talk(t, e, "carol", "en-US", "r8-refuse-pin", "send tom nguyen 20 dollars from checking", "yes", text)
			if done(out[2]) {
				t.Errorf("%q at the PIN prompt paid: %q", text, out[2])
			}
		})
	}
}

// finding (medium, new with 6ceb787): the "second one" check compares
// only with the last completed action (r.st.Done). Pay Tom $50 (PIN),
// then anything else that completes (another payment of $10 to Tom, or
// "lock my debit card"), then "send tom nguyen 50 dollars from checking"
// again: no warning, and since the PIN is still fresh a single "yes"
// sends the second $50. The repeat must be said and the PIN asked again.
func TestReview8DuplicateAfterAnotherActionIsFlagged(t *testing.T) {
	for _, between := range [][]string{
		{"send tom nguyen 10 dollars from checking", "yes"},
		{"lock my debit card"},
	} {
		t.Run(between[0], func(t *testing.T) {
			e := newEnv(t, nil, 0)
			turns := append([]string{"send tom nguyen 50 dollars from checking", "yes", "PIN"}, between...)
			turns = append(turns, "send tom nguyen 50 dollars from checking", "yes")
			out := r7talk(t, e, "carol", "en-US", "r8-dup-between", turns...)
			again, last := out[len(out)-2], out[len(out)-1]
			if !strings.Contains(again, "second one") || done(last) {
				t.Errorf("the same $50.00 again after %q: no warning or no PIN: %q / %q", between[0], again, last)
			}
		})
	}
}

// finding (low-medium, new with 6ceb787): the check lives in the
// session's state, and on Alexa each "ask Konto to ..." is a new session.
// The same $50.00 asked again a minute later in a new session is read
// back with no word that it was just made (the PIN is asked, as in any
// new session). The "did that go through?" repeat is most likely there.
func TestReview8DuplicateInNewSessionIsFlagged(t *testing.T) {
	t.Skip("known, not fixed this session: the second-payment warning remembers the session's payments only; a new session asks the PIN again anyway")
	e := newEnv(t, nil, 0)
	r7talk(t, e, "carol", "en-US", "r8-dup-s1", "send tom nguyen 50 dollars from checking", "yes", "PIN")
	out := r7talk(t, e, "carol", "en-US", "r8-dup-s2", "send tom nguyen 50 dollars from checking")
	if !strings.Contains(out[0], "second one") {
		t.Errorf("the same payment in a new session is not said to be a second one: %q", out[0])
	}
}

// finding (medium, new with 6ceb787): repeats() is checked only when a
// payment starts (dispatch, r.st.Dialog == nil). Said later, the repeat
// becomes a single payment: "yes, every friday" or "actually make it
// every friday" at the read-back schedules one $50.00 for November 27th;
// "from checking every month" at "From which account?" sends $50.00 now;
// "ja, jeden freitag" schedules one. The commit's promise ("never made
// once instead") must hold at every stage: refuse with the FAQ answer.
func TestReview8RepeatSaidLaterIsRefused(t *testing.T) {
	for _, c := range []struct {
		customer, locale string
		turns            []string
	}{
		{"carol", "en-US", []string{"send tom nguyen 50 dollars from checking", "yes, every friday", "PIN"}},
		{"carol", "en-US", []string{"send tom nguyen 50 dollars from checking", "actually make it every friday", "yes", "PIN"}},
		{"carol", "en-US", []string{"send tom nguyen 50 dollars", "from checking every month", "yes", "PIN"}},
		{"lena", "de-DE", []string{"überweise max schmidt 20 euro vom girokonto", "ja, jeden freitag", "PIN"}},
	} {
		t.Run(c.customer+" "+c.turns[1], func(t *testing.T) {
			e := newEnv(t, nil, 0)
			out := r7talk(t, e, c.customer, c.locale, "r8-repeat-late", c.turns...)
			for i, s := range out {
				if done(s) {
					t.Errorf("a repeat said at turn %d (%q) was made once: %q", i, c.turns[1], s)
				}
			}
		})
	}
}

// finding (medium, new with 6ceb787): common repeat phrasings are not in
// repeats(): "on fridays", "alle zwei wochen", "zum ersten jedes monats"
// are read back as one payment now.
func TestReview8RepeatPhrasesRefused(t *testing.T) {
	for _, c := range []struct{ customer, locale, text string }{
		{"carol", "en-US", "send tom nguyen 50 dollars from checking on fridays"},
		{"lena", "de-DE", "überweise max schmidt 20 euro vom girokonto alle zwei wochen"},
		{"lena", "de-DE", "überweise max schmidt 20 euro vom girokonto zum ersten jedes monats"},
	} {
		t.Run(c.text, func(t *testing.T) {
			e := newEnv(t, nil, 0)
			out := r7talk(t, e, c.customer, c.locale, "r8-repeat-miss", c.text)
			if strings.Contains(out[0], "Shall I go ahead") || strings.Contains(out[0], "Soll ich") {
				t.Errorf("a repeating payment is read back as one: %q", out[0])
			}
		})
	}
}

// finding (low: over-refusal, nothing moves): repeats() matches words of
// a memo: "for a month of groceries" (" a month "), "für die woche in
// berlin" (" die woche ") are refused as standing orders.
func TestReview8MemoWithRepeatWordsIsNotRefused(t *testing.T) {
	for _, c := range []struct{ customer, locale, text string }{
		{"carol", "en-US", "send tom nguyen 50 dollars for a month of groceries from checking"},
		{"lena", "de-DE", "überweise max schmidt 20 euro vom girokonto für die woche in berlin"},
	} {
		t.Run(c.text, func(t *testing.T) {
			e := newEnv(t, nil, 0)
			out := r7talk(t, e, c.customer, c.locale, "r8-memo", c.text)
			if strings.Contains(out[0], "repeating payments") || strings.Contains(out[0], "Daueraufträge kann ich nicht") {
				t.Errorf("a one-off payment was refused as repeating: %q", out[0])
			}
		})
	}
}

// finding (low, older; 5712b1c adds pauses): ParsePin stops at the
// fourth digit, so five digits said at the PIN prompt are a PIN: "6 6 9 6
// 2" and "6 6 um 9 6 2" pay, "one two um three four five" is checked as
// 1234 and uses up a try. Five digits are no four-digit PIN: ask again.
func TestReview8FiveDigitsAreNoPIN(t *testing.T) {
	for _, text := range []string{"PIN 2", "6 6 um 9 6 2"} {
		t.Run(text, func(t *testing.T) {
			e := newEnv(t, nil, 0)
			if e.bank.PIN("carol") != "6696" {
				t.Skip("carol's PIN changed")
			}
			out := r7talk(t, e, "carol", "en-US", "r8-five", "send tom nguyen 20 dollars from checking", "yes", text)
			if done(out[2]) {
				t.Errorf("five digits %q were taken as the PIN: %q", text, out[2])
			}
		})
	}
	e := newEnv(t, nil, 0)
	out := r7talk(t, e, "carol", "en-US", "r8-five-b", "send tom nguyen 20 dollars from checking", "yes", "one two um three four five")
	if strings.Contains(out[2], "PIN is wrong") {
		t.Errorf("five digits used up a PIN try: %q", out[2])
	}
}

// finding (low: a read-back follows): "no, make it 1500" at the PIN
// prompt: the four-digit amount is taken for a PIN said too early and
// dropped, and the old $20.00 is read back with no word that the change
// was not taken. It should read back $1,500.00 or ask for the amount.
func TestReview8FourDigitCorrectionIsNotSilentlyDropped(t *testing.T) {
	e := newEnv(t, nil, 0)
	out := r7talk(t, e, "carol", "en-US", "r8-1500", "send tom nguyen 20 dollars from checking", "yes", "no, make it 1500")
	if strings.Contains(out[2], "$20.00") && strings.Contains(out[2], "Shall I go ahead") {
		t.Errorf("the correction to 1500 was dropped silently: %q", out[2])
	}
}

// finding (low: a read-back follows; older): a pause inside an amount
// drops its first part: "send tom nguyen twenty um five dollars" reads
// back $5.00. It should be $25.00 or asked.
func TestReview8PauseInAmountKeepsTheAmount(t *testing.T) {
	e := newEnv(t, nil, 0)
	out := r7talk(t, e, "carol", "en-US", "r8-um-amount", "send tom nguyen twenty um five dollars from checking")
	if strings.Contains(out[0], "$5.00 ") {
		t.Errorf("'twenty um five dollars' became $5.00: %q", out[0])
	}
}

// holds: a correction at the PIN prompt is planned again with the limits:
// "no, make it 3000 dollars" is over the $2,500.00 voice limit and
// refused; nothing waits for a yes or the PIN afterwards. "no, make it
// 900" is read back before the PIN.
func TestReview8PINPromptCorrectionKeepsLimits(t *testing.T) {
	e := newEnv(t, nil, 0)
	out := r7talk(t, e, "carol", "en-US", "r8-limit", "send tom nguyen 20 dollars from checking", "yes", "no, make it 3000 dollars", "yes", "PIN")
	if !strings.Contains(out[2], "over the limit") || done(out[3]) || done(out[4]) {
		t.Errorf("over the limit at the PIN prompt: %q / %q / %q", out[2], out[3], out[4])
	}
	e = newEnv(t, nil, 0)
	out = r7talk(t, e, "carol", "en-US", "r8-limit2", "send tom nguyen 20 dollars from checking", "yes", "no, make it 900")
	if !strings.Contains(out[2], "$900.00") || !strings.Contains(out[2], "Shall I go ahead") {
		t.Errorf("the corrected amount was not read back: %q", out[2])
	}
}

// holds: the "second one" warning survives a correction away and back
// ("no, make it 50.01", then "no make it 50"), a correction onto the
// paid amount ($50.01 changed to $50.00) is warned about, and the PIN is
// asked again in both.
func TestReview8DuplicateSurvivesCorrections(t *testing.T) {
	e := newEnv(t, nil, 0)
	out := r7talk(t, e, "carol", "en-US", "r8-dup-fix", "send tom nguyen 50 dollars from checking", "yes", "PIN",
		"send tom nguyen 50 dollars from checking", "no, make it 50.01", "no make it 50", "yes")
	if !strings.Contains(out[3], "second one") || !strings.Contains(out[5], "second payment") || done(out[6]) {
		t.Errorf("away and back: %q / %q / %q", out[3], out[5], out[6])
	}
	e = newEnv(t, nil, 0)
	out = r7talk(t, e, "carol", "en-US", "r8-dup-fix2", "send tom nguyen 50 dollars from checking", "yes", "PIN",
		"send tom nguyen 50.01 dollars from checking", "no, make it 50", "yes")
	if !strings.Contains(out[4], "second one") || done(out[5]) {
		t.Errorf("onto the paid amount: %q / %q", out[4], out[5])
	}
}

// holds: the same payment asked again by "pay tom nguyen ..." (PayBill
// wording), with the account asked, or as the platform's intent with
// slots and no text, is said to be a second one and needs the PIN.
func TestReview8DuplicateOtherPaths(t *testing.T) {
	for _, turns := range [][]string{
		{"pay tom nguyen 50 dollars from checking", "yes"},
		{"send tom nguyen 50 dollars", "checking", "yes"},
	} {
		e := newEnv(t, nil, 0)
		out := r7talk(t, e, "carol", "en-US", "r8-dup-path", append([]string{"send tom nguyen 50 dollars from checking", "yes", "PIN"}, turns...)...)
		if !strings.Contains(out[3], "second one") || done(out[len(out)-1]) {
			t.Errorf("%q: %q", turns[0], out[3:])
		}
	}
	e := newEnv(t, nil, 0)
	r7talk(t, e, "carol", "en-US", "r8-dup-intent", "send tom nguyen 50 dollars from checking", "yes", "PIN")
	got := r8intent(t, e, "carol", "en-US", "r8-dup-intent", "send tom nguyen 50 dollars from checking")
	if !strings.Contains(got, "second one") {
		t.Errorf("the platform's intent with slots: %q", got)
	}
	if last := r7talk(t, e, "carol", "en-US", "r8-dup-intent", "yes"); done(last[0]) {
		t.Errorf("paid again without the PIN: %q", last[0])
	}
}

// holds: a PIN with pauses pays only at the PIN prompt; "no um PIN" and
// "no, uh, wait, PIN" at the read-back cancel; a PIN said at "How much?"
// or "From which account?" is neither an amount nor spoken back.
func TestReview8PausedPINAndWrongMoment(t *testing.T) {
	e := newEnv(t, nil, 0)
	out := r7talk(t, e, "carol", "en-US", "r8-pause", "send tom nguyen 50 dollars from checking", "yes", "six six um nine um six")
	if !done(out[2]) {
		t.Errorf("a PIN with pauses was not taken: %q", out[2])
	}
	for _, text := range []string{"no um PIN", "no, uh, wait, PIN"} {
		e := newEnv(t, nil, 0)
		out := r7talk(t, e, "carol", "en-US", "r8-pause-no", "send tom nguyen 20 dollars from checking", text)
		if done(out[1]) {
			t.Errorf("%q at the read-back paid: %q", text, out[1])
		}
	}
	pin := e.bank.PIN("carol")
	for _, turns := range [][]string{
		{"send tom nguyen", "PIN"},
		{"send tom nguyen", "6 um 6 9 6"},
		{"send tom nguyen 20 dollars", "PIN"},
		{"send 20 dollars", "PIN"},
	} {
		e := newEnv(t, nil, 0)
		out := r7talk(t, e, "carol", "en-US", "r8-wrong-moment", turns...)
		for _, s := range out {
			if strings.Contains(strings.ReplaceAll(strings.ReplaceAll(s, ",", ""), " ", ""), pin) || done(s) {
				t.Errorf("%q: the PIN leaked into speech or paid: %q", turns, s)
			}
		}
	}
}

// finding (high: data deleted with no clear yes; new with 9fcd2de's
// word bound): onlyAck turns away up to four acknowledgement words. Five
// or six ("ok ok ok ok ok", "ok ok ok ok ok ok") are no onlyAck and are
// read as a yes: the bank is unlinked and the data deleted, in English
// and German. Deletion needs a clear yes, however many "ok"s are said.
func TestReview8ManyOksDeleteNothing(t *testing.T) {
	for _, c := range []struct{ customer, locale, start, aside, text string }{
		{"carol", "en-US", "delete my data", "hang on what's my checking balance", "ok ok ok ok ok"},
		{"carol", "en-US", "delete my data", "hang on what's my checking balance", "ok ok ok ok ok ok"},
		{"lena", "de-DE", "lösch meine daten", "moment, was ist eigentlich auf dem girokonto", "ok ok ok ok ok"},
	} {
		t.Run(c.customer+" "+c.text, func(t *testing.T) {
			e := newEnv(t, nil, 0)
			out := r7talk(t, e, c.customer, c.locale, "r8-erase", c.start, c.aside, c.text)
			if strings.Contains(out[2], "deleted what I stored") || strings.Contains(out[2], "gelöscht, was ich") {
				t.Errorf("%q deleted the user's data: %q", c.text, out[2])
			}
		})
	}
}

// holds: a correction at the PIN prompt (or the read-back) in a later
// session keeps the daily voice limit: after $4,800.00 today, "no, make
// it 2400 dollars" is refused and nothing waits for the PIN.
func TestReview8CorrectionKeepsDailyLimit(t *testing.T) {
	e := newEnv(t, nil, 0)
	r7talk(t, e, "carol", "en-US", "r8-day1", "send tom nguyen 2400 dollars from checking", "yes", "PIN", "send tom nguyen 2400 dollars from savings", "yes", "PIN")
	for _, turns := range [][]string{
		{"send tom nguyen 20 dollars from checking", "yes", "no, make it 2400 dollars", "yes", "PIN"},
		{"send tom nguyen 20 dollars from checking", "no, make it 2400 dollars", "yes", "PIN"},
	} {
		out := r7talk(t, e, "carol", "en-US", fmt.Sprintf("r8-day-%d", len(turns)), turns...)
		if !strings.Contains(strings.Join(out, " "), "daily voice limit") {
			t.Errorf("the daily limit was not said: %q", out)
		}
		for _, s := range out {
			if done(s) {
				t.Errorf("paid over the daily limit: %q", out)
			}
		}
	}
}

// holds: a change at the PIN prompt is read back before anything moves,
// and the PIN after that read-back pays the changed plan, once: "no,
// from savings" reads back the Goal Savings and pays from it; the PIN
// said again replays the same answer.
func TestReview8PINPromptChangeIsReadBackThenPaidOnce(t *testing.T) {
	e := newEnv(t, nil, 0)
	out := r7talk(t, e, "carol", "en-US", "r8-pin-fix", "send tom nguyen 20 dollars from checking", "yes", "no, from savings", "PIN", "PIN")
	if !strings.Contains(out[2], "Goal Savings") || !strings.Contains(out[2], "Shall I go ahead") || done(out[2]) {
		t.Fatalf("the change was not read back: %q", out[2])
	}
	if !done(out[3]) || !strings.Contains(out[3], "Goal Savings") {
		t.Errorf("not paid from savings after the read-back: %q", out[3])
	}
	if done(out[4]) && out[4] != out[3] {
		t.Errorf("the PIN said again paid twice: %q / %q", out[3], out[4])
	}
}
