package skill

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/kontoskill/konto/banks"
	"github.com/kontoskill/konto/intents"
	"github.com/kontoskill/konto/intents/resolve"
)

// state is what the server keeps of a session between turns. The platform
// never carries any of it, so a forged session attribute cannot skip a step.
type state struct {
	// Owner is the linked customer the state belongs to (bank and
	// customer): a turn of another customer on the same session (a new
	// link mid-session) starts from nothing.
	Owner  string    `json:"owner,omitempty"`
	Last   *Response `json:"last,omitempty"`
	Dialog *dialog   `json:"dialog,omitempty"`
	// PINAt is when the voice PIN was last given right in this session.
	PINAt time.Time `json:"pin_at,omitempty"`
	// Done is the answer to the last completed action, returned again if
	// its confirming turn is replayed.
	Done *doneOp `json:"done,omitempty"`
	// AlertMentioned avoids repeating the fraud alert at every launch.
	AlertMentioned string `json:"alert_mentioned,omitempty"`
	// Awaiting is the key of a payment waiting for the customer's
	// approval in the bank's app: the next turn asks the bank about it.
	Awaiting string `json:"awaiting,omitempty"`
	// Suggest is a reading Konto asked about ("Do you want to …?").
	Suggest *suggestion `json:"suggest,omitempty"`
	// Subject is what the last answer was about, on channels that do not
	// carry it (see carry).
	Subject *subject `json:"subject,omitempty"`
	// AlertDue: the session's first turn got no answer (a "Did you
	// mean…?"): an open fraud alert is raised after the next answer.
	AlertDue bool `json:"alert_due,omitempty"`
	// Parked is the task a session began with while an open fraud alert
	// was raised first; it resumes when the alert's question is done.
	Parked *dialog `json:"parked,omitempty"`
	// Paid are the session's last money movements (again).
	Paid []paidOp `json:"paid,omitempty"`
}

// Stages of a dialog.
const (
	stageCollect = "collect" // asking for a slot or a choice
	stageConfirm = "confirm" // read back, waiting for yes or no
	stagePIN     = "pin"     // waiting for the voice PIN
)

// dialog is an action in progress.
type dialog struct {
	Action   string        `json:"action"`
	Slots    intents.Slots `json:"slots"`
	Stage    string        `json:"stage"`
	Awaiting string        `json:"awaiting,omitempty"` // slot asked for
	Choices  []choice      `json:"choices,omitempty"`  // disambiguation options
	Key      string        `json:"key,omitempty"`      // idempotency key, made at confirmation
	Question string        `json:"question"`
	Started  time.Time     `json:"started"`
	// What the dialog is about, for "back to …" and "I've dropped …":
	// "your transfer of $40.00 to Tom Nguyen".
	What string `json:"what,omitempty"`
	// Soft: a question Konto raised itself (an open fraud alert), not a
	// task the person started: a turn that does not answer it drops it
	// without a word and is taken as it is.
	Soft bool `json:"soft,omitempty"`
	// Again: the payment is the one just made, and the user was told.
	Again bool `json:"again,omitempty"`
}

// choice is one option of a disambiguation: the slot value to set.
type choice struct {
	Show  string `json:"show,omitempty"` // what a button shows
	Label string `json:"label"`
	Slot  string `json:"slot"`
	Value string `json:"value"`
}

type doneOp struct {
	Stage    string    `json:"stage"` // the stage the confirming turn answered
	Response *Response `json:"response"`
	At       time.Time `json:"at"`
}

// maxPaid is how many money movements a session remembers.
const maxPaid = 8

// paidOp is a money movement of the session ("your transfer of
// $50.00 to Tom Nguyen"): the same one asked again is said to be a
// second one.
type paidOp struct {
	What string    `json:"what"`
	At   time.Time `json:"at"`
}

func newKey() string {
	b := make([]byte, 12)
	rand.Read(b)
	return "op_" + hex.EncodeToString(b)
}

// plan is what an action makes of the slots it has: a question, a
// refusal, or a read-back and the work to do after yes (and the PIN).
type plan struct {
	ask      string   // a question for the slot in awaiting
	awaiting string   // the slot asked for
	choices  []choice // with ask: the options
	refuse   *Response
	readback string // empty: do without asking
	pin      bool
	// pinAsk, with pin, asks for the PIN naming what it confirms ("To
	// unlock your debit card, say your PIN"): the PIN is the yes, and the
	// read-back is asked only when a PIN given lately would cover it.
	pinAsk string
	do     func(ctx context.Context, key string) (*Response, *AuditEntry, error)
	no     string // what to say when the user says no
	// onNo, if set, is work to do when the user says no (a fraud report
	// after "was this you?").
	onNo func(ctx context.Context, key string) (*Response, *AuditEntry, error)
	// what names the action for the person ("your transfer to Tom
	// Nguyen"), once the plan knows enough to say it.
	what string
	// op, for money movements, is the audit entry (action, detail, amount,
	// currency, fingerprint) written as pending before the bank is called,
	// reserving the amount against limit, the day's voice limit (0: none).
	op    *AuditEntry
	limit int64
	// source is the account the money leaves (its bank's limits apply).
	source string
}

// action plans a dialog from the slots collected so far.
type action func(ctx context.Context, r *Request, slots intents.Slots) (*plan, error)

// turn collects what a turn writes besides its answer.
type turn struct {
	// foreign: the session's state or carry belongs to a linked customer
	// this turn could not be authenticated as; the turn runs without it
	// and writes none.
	foreign bool
	// keepDone: this turn completed an action or repeated its answer;
	// any other turn forgets the completed action (replayOfDone).
	keepDone bool
	audit    []AuditEntry
	next     *dialog // a follow-up question left by an action
	forget   bool    // the user's data was deleted: store nothing more
	// acting is the bank action under way, shared with the turn's
	// watchers so that a cut-off turn says "not sure" rather than "failed".
	acting *atomic.Pointer[AuditEntry]
	// deadline is when the handler must be done, leaving time to commit.
	deadline time.Time
	// notice is said before the answer (what became of an earlier action).
	notice  string
	checked bool // pending actions were looked at
	// link is the user's link as loadState read it with the session, if
	// linkRead (linked false: none); pendingAny, whether its customer had
	// actions pending then. pendingNone: linkOf found none for the user
	// authenticated, so checkPending need not look.
	link                    Link
	linked, linkRead        bool
	pendingAny, pendingNone bool
	// claim is the turn's hold on its request id (claimTurn).
	claim *claimState
	// carry is what the previous answer carried (Channel.Carry); subject
	// is what this answer is about, for the next turn's follow-ups.
	carry   carry
	subject *subject
	greeted bool // the turn was a greeting, answered as a launch
	// payees are the user's payees' names, lower case, when a transfer's
	// read-back or PIN prompt waits (namedChange).
	payees []string
	split  bool // the turn is one of two questions asked at once (twoQuestions)
	// splitFirst: the first of the two is being answered; a charge to
	// check waits for the second.
	splitFirst bool
	// arrives is when a card ordered in this turn arrives.
	arrives time.Time
	faqID   string // the FAQ entry the turn was answered with
	// items is what an action done in this turn leaves for "how much was
	// it" and "when was that" next (slotItems: name, what, when).
	items string
	// payeeList and billerList are the user's, once asked (recipients.go).
	payeeList  *[]banks.Payee
	billerList *[]banks.Biller
	listsFor   string
	// chargeOf is the merchant of the charge a report means when the
	// words only say "it" (deniesCharge).
	chargeOf string
	scopes   *[]string // what the user's link allows, once asked
	fresh    bool      // the session had no stored state before this turn
	// inContext: the turn was read in the light of the last answer (a
	// follow-up): its reading stands, the FAQ does not second-guess it.
	inContext bool
	// paged: the turn asks for the transactions before those just read
	// out ("and the ones before that"); slotOffset says how many to skip.
	paged bool
	// merchantAsBank: the merchant slot holds the bank's spelling of one
	// of the user's merchants ("dm-drogerie markt"), to be said as it is.
	merchantAsBank bool
	// billsDue: the turn asks for the bills coming up in other words
	// ("what direct debits have I got coming up").
	billsDue bool
	// countAsked: "how many times": the count is said with the total.
	countAsked bool
	// comparedWith is the period a follow-up compares the last total with.
	comparedWith *intents.DateRange
	// merchants: the turn asks what was spent at each of these (two or
	// more of the user's merchants named at once; eachmerchant.go).
	merchants []string
}

// startAction runs an action from the handler of its intent.
func (s *Skill) startAction(ctx context.Context, r *Request, name string) (*Response, error) {
	if movesValue(name) && !s.allowed(ctx, r, "payments") {
		l := langOf(r.Locale)
		return anythingElse(l, l.msg("scope.payments", linkWhere(r))), nil
	}
	if changesBank(name) && !s.allowed(ctx, r, "payments") {
		l := langOf(r.Locale)
		return anythingElse(l, l.msg("scope.changes", linkWhere(r))), nil
	}
	return s.advance(ctx, r, &dialog{Action: name, Slots: cloneSlots(r.Slots), Stage: stageCollect, Started: r.Now})
}

// scoper is an authenticator that knows what a token's user allowed
// (skill/linking's grants: accounts, payments, alerts).
type scoper interface {
	Scopes(ctx context.Context, token string) ([]string, error)
}

// allowed reports whether the user's link allows a scope; links from an
// authenticator without scopes (the sandbox's demo tokens) allow all.
func (s *Skill) allowed(ctx context.Context, r *Request, scope string) bool {
	sc, ok := s.cfg.Auth.(scoper)
	if !ok {
		return true
	}
	if r.turn != nil && r.turn.scopes != nil {
		return slices.Contains(*r.turn.scopes, scope)
	}
	scopes, err := sc.Scopes(ctx, r.AccessToken)
	if err != nil {
		return false
	}
	if r.turn != nil {
		r.turn.scopes = &scopes // asked once a turn
	}
	return slices.Contains(scopes, scope)
}

// scopeOf is the scope an intent needs: payments to move money, alerts to
// review fraud alerts, accounts to read anything of the user's accounts;
// "" for what needs none (help, the privacy center, an agent, a launch).
func (s *Skill) scopeOf(intent string) string {
	if movesValue(intent) {
		return "payments"
	}
	switch intent {
	case intents.ReviewAlerts:
		return "alerts"
	case intents.Launch, intents.PrivacyCenter, intents.TalkToAgent, intents.Help, intents.Stop, intents.Cancel,
		intents.Repeat, intents.Fallback, intents.Yes, intents.No, intents.ProvidePin:
		return ""
	}
	return "accounts"
}

// changesBank: the action changes something at the bank that does not
// protect the customer (unlocking or replacing a card, ordering checks,
// asking for a higher limit): a link that may only read needs the
// payments scope for it too. Protecting needs no more than a link:
// locking a card, blocking a lost one, reporting fraud, freezing.
func changesBank(action string) bool {
	switch action {
	case intents.UnlockCard, intents.ReplaceCard, intents.OrderChecks, intents.CreditLimitIncrease:
		return true
	}
	return false
}

// movesValue: the action moves money or value at the bank (a payment, a
// bill, rewards turned into a statement credit), which a link allows
// only with the payments scope.
func movesValue(action string) bool {
	return action == intents.TransferMoney || action == intents.PayBill || action == intents.RedeemRewards
}

func cloneSlots(in intents.Slots) intents.Slots {
	out := intents.Slots{}
	for k, v := range in {
		out[k] = v
	}
	return out
}

// advance plans the dialog's action and moves it on: ask, refuse, read
// back, or act.
func (s *Skill) advance(ctx context.Context, r *Request, d *dialog) (*Response, error) {
	act, ok := s.actions[d.Action]
	if !ok {
		r.st.Dialog = nil
		return nil, banks.Errorf("skill.advance", banks.NotSupported, "no action %q", d.Action)
	}
	p, err := act(ctx, r, d.Slots)
	if err != nil {
		r.st.Dialog = nil
		return nil, err
	}
	l := langOf(r.Locale)
	if p.what != "" {
		d.What = p.what
	}
	switch {
	case p.refuse != nil:
		r.st.Dialog = nil
		return p.refuse, nil
	case p.ask != "":
		d.Stage, d.Awaiting, d.Choices, d.Question = stageCollect, p.awaiting, p.choices, p.ask
		r.st.Dialog = d
		var cs []Choice
		for _, c := range p.choices {
			cs = append(cs, Choice{Label: c.Show, Say: c.Show})
		}
		return &Response{Speech: s.again(r, d, p.ask, false), Reprompt: p.ask, Elicit: &Elicit{Intent: d.Action, Slot: p.awaiting, Slots: d.Slots}, Choices: cs}, nil
	case p.readback != "" && p.pin && p.pinAsk != "" && !s.pinCovers(r):
		d.Awaiting, d.Choices = "", nil
		if d.Key == "" {
			d.Key = newKey()
		}
		return s.askPIN(ctx, r, d, p.pinAsk), nil
	case p.readback != "" && p.pin && s.pinLocked(ctx, r) != nil:
		// Voice payments are paused after wrong PINs: said now, not
		// after the read-back and a yes.
		return s.pinLocked(ctx, r), nil
	case p.readback != "":
		d.Stage, d.Awaiting, d.Choices, d.Question = stageConfirm, "", nil, p.readback
		if d.Key == "" {
			d.Key = newKey()
		}
		r.st.Dialog = d
		return &Response{Speech: s.again(r, d, p.readback, true), Reprompt: p.readback, Choices: yesNo(l)}, nil
	}
	if d.Key == "" {
		d.Key = newKey()
	}
	if p.pin {
		if resp := s.needPIN(ctx, r, d, l); resp != nil {
			return resp, nil
		}
	}
	return s.execute(ctx, r, d, p, stageCollect)
}

// again puts before q, once a dialog, that the payment asked for is the
// one just made ("did that go through? I want to send tom fifty
// dollars"): it would be a second one, and the PIN is asked again.
func (s *Skill) again(r *Request, d *dialog, q string, readback bool) string {
	l := langOf(r.Locale)
	if d.Again {
		if readback {
			return l.msg("pay.again.short") + " " + q // the read-back says it once more
		}
		return q
	}
	var done *paidOp
	for i := range r.st.Paid {
		if p := &r.st.Paid[i]; p.What != "" && p.What == d.What && r.Now.Sub(p.At) <= time.Hour {
			done = p
		}
	}
	if done == nil {
		return q
	}
	d.Again = true
	r.st.PINAt = time.Time{}
	return upperFirst(l.msg("pay.again", done.What)) + " " + q
}

// yesNo are the choices of a read-back.
func yesNo(l lang) []Choice {
	return []Choice{{Label: l.msg("choice.yes.label"), Say: l.msg("choice.yes.say")}, {Label: l.msg("choice.no.label"), Say: l.msg("choice.no.say")}}
}

// pinFresh is how long a PIN given in a session covers later actions.
const pinFresh = 5 * time.Minute

// needPIN moves the dialog to the PIN stage unless the PIN was given in
// this session lately; it also refuses while voice payments are locked.
func (s *Skill) needPIN(ctx context.Context, r *Request, d *dialog, l lang) *Response {
	if s.pinCovers(r) && !(r.Channel.Voice && (d.Action == intents.TransferMoney || d.Action == intents.PayBill)) {
		if rec, err := s.pinRecord(ctx, r); err == nil && r.Now.Before(rec.LockedUntil) {
			r.st.Dialog = nil
			return s.lockedOut(r, rec.LockedUntil)
		}
		return nil
	}
	if d.Action == intents.ReportLostCard {
		if d.Slots.String(slotAll) != "" {
			return s.askPIN(ctx, r, d, l.msg("card.lost.pin_all"))
		}
		return s.askPIN(ctx, r, d, l.msg("card.lost.pin")) // the PIN prompt says what it confirms
	}
	return s.askPIN(ctx, r, d, l.msg("pin.ask"))
}

// pinCovers: the PIN was given right in this session lately.
func (s *Skill) pinCovers(r *Request) bool {
	return !r.st.PINAt.IsZero() && r.Now.Sub(r.st.PINAt) < pinFresh
}

// askPIN moves the dialog to the PIN stage with question q, unless voice
// payments and card changes are locked after wrong PINs.
func (s *Skill) askPIN(ctx context.Context, r *Request, d *dialog, q string) *Response {
	if rec, err := s.pinRecord(ctx, r); err == nil && r.Now.Before(rec.LockedUntil) {
		r.st.Dialog = nil
		return s.lockedOut(r, rec.LockedUntil)
	}
	d.Stage, d.Question = stagePIN, q
	r.st.Dialog = d
	return &Response{Speech: q, Reprompt: q, Elicit: &Elicit{Intent: intents.ProvidePin, Slot: intents.SlotPin}}
}

// pinLocked is the answer while voice payments and card changes are
// paused after wrong PINs (it ends the dialog), or nil.
func (s *Skill) pinLocked(ctx context.Context, r *Request) *Response {
	if rec, err := s.pinRecord(ctx, r); err == nil && r.Now.Before(rec.LockedUntil) {
		r.st.Dialog = nil
		return s.lockedOut(r, rec.LockedUntil)
	}
	return nil
}

func (s *Skill) lockedOut(r *Request, until time.Time) *Response {
	l := langOf(r.Locale)
	mins := int(until.Sub(r.Now).Round(time.Minute) / time.Minute)
	phone := s.sheet(r).SupportPhone
	if mins > 24*60 {
		// after repeated lockouts (LockoutFor): a day, not minutes
		return &Response{Speech: l.msg("pin.locked.long", l.Date(until, r.Now), phone), EndSession: true}
	}
	return &Response{Speech: l.msg("pin.locked", strconv.Itoa(max(mins, 1)), phone), EndSession: true}
}

// execute does the work of a confirmed plan and records it. A money
// movement is first written as pending with its key and reserved against
// the daily limit; its outcome is written as soon as the bank answers,
// even when the turn was cut off meanwhile. When the bank does not answer
// in time the outcome stays pending, the user hears that it is not sure,
// and the key is kept, so the next attempt of the same action asks the
// bank about that key instead of paying again.
func (s *Skill) execute(ctx context.Context, r *Request, d *dialog, p *plan, stage string) (*Response, error) {
	if err := s.claimTurn(ctx, r); err != nil {
		return nil, err
	}
	if (p.op != nil && p.op.Amount > 0 || movesValue(d.Action) || changesBank(d.Action)) && !s.allowed(ctx, r, "payments") {
		r.st.Dialog = nil
		l := langOf(r.Locale)
		if changesBank(d.Action) {
			return anythingElse(l, l.msg("scope.changes", linkWhere(r))), nil
		}
		return anythingElse(l, l.msg("scope.payments", linkWhere(r))), nil
	}
	if p.op != nil {
		pending := *p.op
		s.auditFor(r, &pending)
		pending.OpKey = d.Key
		got, err := s.cfg.Store.ReserveOp(ctx, pending, p.limit)
		if err != nil {
			r.st.Dialog = nil
			if banks.ReasonOf(err) == "daily_limit" {
				return s.overDailyLimit(ctx, r, p.source, banks.Money{Minor: pending.Amount, Currency: pending.Currency}), nil
			}
			return nil, err
		}
		d.Key = got.OpKey
		if r.turn.acting != nil {
			r.turn.acting.Store(&got)
		}
	}
	resp, entry, err := p.do(ctx, d.Key)
	if s.cfg.Failpoint != nil {
		s.cfg.Failpoint("after-bank")
	}
	r.st.Dialog = r.turn.next
	if entry != nil {
		s.auditFor(r, entry)
		entry.OpKey = d.Key
		awaiting := errors.Is(err, errAwaiting)
		uncertain := err != nil && (banks.KindOf(err) == banks.Unavailable || ctx.Err() != nil || awaiting)
		if err != nil {
			entry.Outcome, entry.Amount = "failed", 0
			if reason := banks.ReasonOf(err); reason != "" {
				entry.Outcome = "refused:" + reason
			}
		}
		wctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), s.reserve())
		defer cancel()
		switch {
		case p.op != nil && (uncertain || ctx.Err() != nil):
			// Stays pending: nobody knows yet, or the user was cut off
			// before hearing the outcome. The next turn asks the bank by
			// key and says what happened (checkPending).
		case p.op != nil:
			if ferr := s.cfg.Store.FinishOp(wctx, d.Key, entry.Outcome); ferr != nil {
				s.cfg.Log.ErrorContext(ctx, "recording a bank action's outcome failed", "action", entry.Action, "err", ferr)
			}
		case ctx.Err() != nil:
			// The turn was cut off while the bank acted: record it here,
			// since the turn's own commit no longer will.
			if cerr := s.cfg.Store.CommitTurn(wctx, Turn{Audit: []AuditEntry{*entry}}); cerr != nil {
				s.cfg.Log.ErrorContext(ctx, "recording a late bank action failed", "action", entry.Action, "err", cerr)
			}
		default:
			r.turn.audit = append(r.turn.audit, *entry)
		}
		if p.op != nil && awaiting {
			if err := s.cfg.Store.AwaitApproval(wctx, d.Key, p.op.Request); err != nil {
				s.cfg.Log.ErrorContext(ctx, "recording a payment that awaits approval failed", "err", err)
			}
			r.st.Awaiting = d.Key
			return &Response{Speech: langOf(r.Locale).msg("pay.approve", langOf(r.Locale).opName(*p.op)),
				Reprompt: langOf(r.Locale).msg("pay.approve.reprompt")}, nil
		}
		if p.op != nil && uncertain {
			return nil, &uncertainError{entry: *p.op}
		}
	}
	if err != nil {
		return nil, err
	}
	r.st.Done = &doneOp{Stage: stage, Response: resp, At: r.Now}
	r.turn.keepDone = true
	if p.op != nil && p.op.Amount > 0 {
		r.st.Paid = append(r.st.Paid, paidOp{What: d.What, At: r.Now})
		if len(r.st.Paid) > maxPaid {
			r.st.Paid = r.st.Paid[len(r.st.Paid)-maxPaid:]
		}
	}
	return resp, nil
}

// pendingSlack: checkPending looks at actions pending since before a
// second after the turn's time.
const pendingSlack = time.Second

// checkPending asks the bank what became of the user's actions that were
// left pending by a timeout, records the answer and tells the user once.
func (s *Skill) checkPending(ctx context.Context, r *Request) {
	if r.turn.checked {
		return
	}
	r.turn.checked = true
	ops, ok := s.cfg.Bank.(banks.Operations)
	if !ok {
		return
	}
	if r.turn.pendingNone {
		return
	}
	pending, err := s.cfg.Store.PendingOps(ctx, r.User.Bank, s.Pseudonym(r.User.Bank, r.User.Customer), r.Now.Add(pendingSlack))
	if err != nil || len(pending) == 0 {
		return
	}
	l := langOf(r.Locale)
	var said []string
	for _, p := range pending {
		if p.Request != "" {
			// Waiting for the customer's approval: ask the bank again.
			if msg := s.askAgain(ctx, r, p); msg != "" {
				said = append(said, msg)
			}
			continue
		}
		if r.Now.Sub(p.At) < s.staleClaim() {
			continue // younger ones may still be under way
		}
		st, err := ops.Operation(ctx, r.User, p.OpKey)
		if err != nil {
			return
		}
		var outcome string
		switch {
		case st.Applied && st.Scheduled:
			outcome = "scheduled"
		case st.Applied:
			outcome = "done"
		case r.Now.Sub(p.At) > pendingGiveUp:
			outcome = "failed"
		default:
			continue // the same action confirmed again reuses its key
		}
		if err := s.cfg.Store.FinishOp(ctx, p.OpKey, outcome); err != nil {
			return
		}
		said = append(said, l.msg("pending."+outcome, l.opName(p)))
	}
	r.turn.notice = strings.Join(said, " ")
}

// askAgain asks the bank about a payment that waited for the customer's
// approval, records the outcome and says it.
func (s *Skill) askAgain(ctx context.Context, r *Request, p AuditEntry) string {
	l := langOf(r.Locale)
	pay, ok := s.cfg.Bank.(banks.Payments)
	var req banks.PaymentRequest
	if !ok || json.Unmarshal([]byte(p.Request), &req) != nil {
		return ""
	}
	req.Key = p.OpKey
	res, err := pay.Pay(ctx, r.User, req)
	outcome, msg := "", ""
	switch {
	case err == nil && res.AwaitingApproval:
		return upperFirst(l.msg("pending.waiting", l.opName(p)))
	case err == nil && res.Scheduled:
		outcome, msg = "scheduled", l.msg("pending.scheduled", l.opName(p))
	case err == nil:
		outcome, msg = "done", l.msg("pending.done", l.opName(p))
	case banks.ReasonOf(err) == "sca_rejected":
		outcome, msg = "refused:sca_rejected", l.msg("pending.rejected", l.opName(p))
	case banks.ReasonOf(err) == "sca_expired":
		outcome, msg = "refused:sca_expired", l.msg("pending.expired", l.opName(p))
	case banks.ReasonOf(err) != "":
		outcome, msg = "refused:"+banks.ReasonOf(err), l.msg("pending.refused", l.opName(p))
	default:
		return "" // the bank is not answering: ask next time
	}
	if err := s.cfg.Store.FinishOp(ctx, p.OpKey, outcome); err != nil {
		return ""
	}
	r.st.Awaiting = ""
	return msg
}

// pendingGiveUp is how long an action the bank never saw stays pending,
// reserving its amount and its key, before it counts as not sent.
const pendingGiveUp = 15 * time.Minute

// lockInstead: the words at a lost card's read-back ask for a lock only
// ("yes just lock it for now", "erstmal nur sperren").
func lockInstead(n string) bool {
	return containsAny(n, " lock it", " lock the card", " just lock", " only lock", " lock my card", " freeze it", " freeze the card", " lock it for now",
		" lock both", " lock all", " freeze both", " freeze all", " lock them", " freeze them",
		" erstmal nur sperren", " nur sperren", " vorübergehend sperren", " vorläufig sperren", " erstmal sperren", " nur vorübergehend",
		" beide sperren", " beide karten sperren", " sperr beide", " sperre beide", " alle sperren", " alle karten sperren") &&
		!containsAny(n, " for good", " block", " replace", " new card", " new one", " cancel", " unlock", " dont ", " do not ", " not lock",
			" endgültig", " neue karte", " ersetz", " entsperr", " nicht ")
}

// continueDialog handles a turn while a dialog is pending. It returns nil
// when the turn is not about the dialog (the dialog is then dropped and
// the turn handled as new).
func (s *Skill) continueDialog(ctx context.Context, r *Request) (*Response, error) {
	d := r.st.Dialog
	l := langOf(r.Locale)
	if d.Action == intents.TransferMoney && (d.Stage == stageConfirm || d.Stage == stagePIN) && r.Text != "" && r.turn != nil && r.turn.payees == nil {
		if payees, ok := s.userPayees(ctx, r); ok {
			r.turn.payees = []string{}
			for _, p := range payees {
				r.turn.payees = append(r.turn.payees, strings.ToLower(p.Name))
			}
		}
	}
	if r.Text != "" && !d.Soft && d.Action != actPrivacyerase && yesNoOf(r.Text) == "" && intents.ParsePin(intents.Normalize(r.Text)) == "" && privacyAsked(" "+intents.Normalize(r.Text)+" ") {
		// "what do you actually keep on me" while a card is asked or the
		// PIN: what is kept, then the dialog's question again.
		return &Response{Speech: l.msg("privacy.explain") + " " + l.backTo(d), Reprompt: d.Question, Choices: dialogChoices(l, d)}, nil
	}
	if n := " " + intents.Normalize(r.Text) + " "; (d.Action == intents.ReportLostCard || d.Action == intents.ReplaceCard) && r.Text != "" && yesNoOf(r.Text) == "" &&
		intents.ParsePin(strings.TrimSpace(n)) == "" && containsAny(n, " how long", " when ", " wie lange", " wann ") &&
		containsAny(n, " arrive", " get here", " turn up", " turns up", " take", " come", " kommt", " dauert", " da ", " ankommt", " get new", " get the new",
			" get my new", " get a new", " new ones", " new cards", " neue karte", " neuen karte", " die neue") ||
		(d.Action == intents.ReportLostCard || d.Action == intents.ReplaceCard) && r.Text != "" && yesNoOf(r.Text) == "" && intents.ParsePin(strings.TrimSpace(n)) == "" &&
			containsAny(n, " neue karte", " new card", " new one", " replacement", " ersatzkarte", " ersatz") &&
			containsAny(n, " bekomme ich", " krieg ich", " kriege ich", " do i get", " will i get", " will i receive", " do i receive", " bekommt man", " get a new", " send me a new", " schickt ihr") {
		// "how long till the new one turns up" at the lost card's
		// read-back: how long, then the question again.
		return &Response{Speech: l.msg("card.delivery", strconv.Itoa(s.sheet(r).CardDeliveryDays)) + " " + l.backTo(d), Reprompt: d.Question, Choices: dialogChoices(l, d)}, nil
	}
	if n := " " + intents.Normalize(r.Text) + " "; d.Action == intents.ReportLostCard && d.Stage == stageConfirm && r.Text != "" && yesNoOf(r.Text) == "" &&
		intents.ParsePin(strings.TrimSpace(n)) == "" && d.Slots.String(slotAll) == "" && alsoOtherCard(n, d.Slots.String(intents.SlotCard)) {
		// "the other card was in there too", "die Girocard war auch drin"
		// at the block's read-back: both cards, read back again.
		d.Slots = cloneSlots(d.Slots)
		delete(d.Slots, intents.SlotCard)
		d.Slots[slotAll], d.Key = "1", ""
		return s.advance(ctx, r, d)
	}
	if n := " " + intents.Normalize(r.Text) + " "; d.Action == intents.ReportLostCard && (d.Stage == stageConfirm || d.Stage == stagePIN) && r.Text != "" &&
		intents.ParsePin(strings.TrimSpace(n)) == "" && lockInstead(n) {
		// "yes lock it please" at "I'll block your card for good and send
		// you a new one": a lock, which the PIN undoes if the card turns
		// up, not the block for good.
		// The card the words name, if they name one ("no, just lock my
		// credit card" at the debit card's: the credit card).
		slots := intents.Slots{}
		if bothCards(r.Text) || containsAny(n, " lock both", " lock all", " freeze both", " freeze all", " lock them", " freeze them", " beide", " alle sperren", " alle karten") {
			slots[slotAll] = "1" // "yes lock both cards": every card, locked (planLock)
		} else if c := intents.ParseCard(strings.TrimSpace(n)); c != "" {
			slots[intents.SlotCard] = c
		} else if v := d.Slots[intents.SlotCard]; v != nil {
			slots[intents.SlotCard] = v
		}
		r.st.Dialog = nil
		r.Intent, r.Slots, r.Confidence = intents.LockCard, slots, 1
		return s.startAction(ctx, r, intents.LockCard)
	}
	if n := " " + intents.Normalize(r.Text) + " "; d.Action == intents.TransferMoney && r.Text != "" && containsAny(n, " ending", " ends in", " ends with", " endet auf", " endet mit", " endziffer", " endnummer", " letzten vier", " last four", " last 4", " kontonummer", " nummer auf", " account number") {
		// "is that dave's account ending in 1176?" at the read-back: a
		// question about the payee, never a new amount.
		if resp := s.payeeEnding(ctx, r, d, n); resp != nil {
			return resp, nil
		}
	}
	if (d.Action == intents.TransferMoney || d.Action == intents.PayBill) && r.Text != "" && repeats(" "+intents.Normalize(r.Text)+" ") {
		// "yes, every friday" at the read-back: no single payment instead.
		r.st.Dialog = nil
		return s.refuseRepeating(ctx, r, true), nil
	}
	if n := " " + intents.Normalize(r.Text) + " "; r.Text != "" && !d.Soft && (yesNoOf(r.Text) == intents.No || negatesAction(n)) && negatesName(n) {
		// "no, don't send it to carol", "no, not to carol johnson, to
		// bob": what the recognizer found is the name to exclude; this
		// is a no, and nothing is re-planned from it.
		r.Intent, r.Slots, r.Confidence = intents.No, intents.Slots{}, 1
	}
	if d.Stage == stageCollect && r.Text != "" && d.Awaiting == intents.SlotCard && (doubtful(r.Text) || hedgedNot(r.Text)) &&
		!containsAny(" "+intents.Normalize(r.Text)+" ", " both", " beide") {
		// "not sure, maybe the debit" at "Which card?": no card is
		// locked or blocked on a guess; the question again.
		return &Response{Speech: l.msg("dialog.not_understood") + " " + d.Question, Reprompt: d.Question, Choices: dialogChoices(l, d)}, nil
	}
	if d.Stage == stageCollect {
		if toCard(d) && r.Text != "" && cardAmountWords(r.Text, r.Locale) {
			// "nur den Mindestbetrag": the plan reads the amount from the words.
			delete(d.Slots, intents.SlotAmount)
			d.Key = ""
			resp, err := s.advance(ctx, r, d)
			return resp, err
		}
		if fix := correction(r, d); fix != nil && !(asksAbout(r) && s.readsOnly(r.Intent)) {
			// "nee warte, dreißig" while the account is asked: the amount
			// changes, said back, and the question is asked again
			// (mergeAndAdvance).
			r.Slots = fix
			return s.mergeAndAdvance(ctx, r, d)
		}
		// An answer to the question comes first: short answers ("debit",
		// "from checking") are easily taken for other intents; words that
		// drop the task ("actually never mind") are no answer.
		if dropsTask(r) {
			r.Intent = intents.Cancel
		} else if cardActionAsked(r, d) {
			// "lock my debit card" while "From which account?" waits: a
			// card to lock, not the account to pay from (it paid from the
			// checking account the debit card belongs to)
		} else if resp, err, ok := s.answerQuestion(ctx, r, d); ok {
			return resp, err
		}
		if r.Text != "" && yesNoOf(r.Text) == intents.No {
			r.Intent = intents.Cancel // "nee, lass mal" to "from which account?"
		}
	}
	if d.Stage == stageConfirm && r.Text != "" && !d.Soft && d.Action != intents.ReportLostCard && d.Action != intents.FreezeAccount && d.Action != actPrivacyerase {
		// (blocking a card for good needs a spoken yes)
		if pin := intents.ParsePin(intents.Normalize(r.Text)); pin != "" && refusesWithPIN(r.Text) {
			// "stop, 6 6 9 6" at the read-back: nothing is done, and the
			// PIN is not checked.
			r.st.Dialog = nil
			return &Response{Speech: l.andReprompt(l.msg("dialog.cancelled")), Reprompt: l.reprompt()}, nil
		}
		if pin := intents.ParsePin(intents.Normalize(r.Text)); pin != "" {
			if fix := namedChange(r, d); fix != nil {
				// "thirty dollars 6 6 9 6" at the read-back of $20.00:
				// the change is read back; the PIN pays nothing yet.
				r.Slots = fix
				return s.mergeAndAdvance(ctx, r, d)
			}
		}
		if pin := intents.ParsePin(intents.Normalize(r.Text)); pin != "" && len(strings.Fields(intents.Normalize(r.Text))) <= 6 && !changesWithPIN(r, d) {
			// The PIN said at "Shall I unlock it?": the yes and the PIN in one.
			if p, err := s.actions[d.Action](ctx, r, cloneSlots(d.Slots)); err == nil && p != nil && p.pin && p.refuse == nil && p.ask == "" {
				d.Stage = stagePIN
				return s.checkPIN(ctx, r, d, pin)
			}
		}
	}
	if d.Stage == stageConfirm && toCard(d) && r.Text != "" && cardAmountWords(r.Text, r.Locale) {
		// "yes, just the minimum" at a read-back of another amount: the
		// new amount is read back; nothing moves on this turn.
		delete(d.Slots, intents.SlotAmount)
		d.Key = ""
		return s.advance(ctx, r, d)
	}
	if d.Stage == stageConfirm || d.Stage == stagePIN {
		if other := s.otherNamesake(ctx, r, d); other != "" {
			// "no, not emily bennett, the other emily", "nein, die andere
			// anna": the namesake, read back.
			r.Slots = intents.Slots{intents.SlotPayee: other}
			return s.mergeAndAdvance(ctx, r, d)
		}
	}
	if d.Stage == stageConfirm {
		if resp, err, ok := s.otherBiller(ctx, r, d); ok {
			return resp, err
		}
		if fix := correction(r, d); fix != nil {
			if fix[intents.SlotBiller] != nil && fix[intents.SlotAmount] == nil {
				delete(d.Slots, intents.SlotAmount) // another bill: its own amount
			}
			r.Slots = fix
			return s.mergeAndAdvance(ctx, r, d)
		}
		if _, other := s.actions[r.Intent]; r.Text != "" && !d.Soft && yesNoOf(r.Text) == "" && (withdraws(r.Text) || d.Action == intents.ReportLostCard && cardFound(r.Text)) &&
			!(r.Intent == d.Action && len(r.Slots) > 0) {
			// "oh found it in my jacket" at "I'll block your card for good":
			// nothing is done; "… unlock it" is asked about on its own, of
			// the card the block was for.
			r.st.Dialog = nil
			cancelled := l.msg("dialog.cancelled")
			if d.Action == intents.ReportLostCard {
				cancelled = l.msg("card.lost.kept")
				if r.Intent == intents.UnlockCard && r.Slots[intents.SlotCard] == nil && d.Slots[intents.SlotCard] != nil {
					r.Slots = cloneSlots(r.Slots)
					r.Slots[intents.SlotCard] = d.Slots[intents.SlotCard]
				}
			}
			if other && r.Intent != d.Action {
				resp, err := s.dispatch(ctx, r, notSocial, "")
				if err == nil && resp != nil {
					resp.Speech = cancelled + " " + resp.Speech
				}
				return resp, err
			}
			return &Response{Speech: l.andReprompt(cancelled), Reprompt: l.reprompt()}, nil
		}
		if fix := accountSaidAtReadBack(r, d); fix != nil {
			// "ok, from checking then" at a read-back whose account no one
			// named: that account, read back (it was taken for a balance
			// question, and the payment was dropped).
			r.Slots = fix
			return s.mergeAndAdvance(ctx, r, d)
		}
		if restates(r, d) {
			// "from checking" at a read-back that says so: the question again.
			return &Response{Speech: d.Question, Reprompt: d.Question, Choices: yesNo(l)}, nil
		}
		if n := " " + intents.Normalize(r.Text) + " "; r.Text != "" && d.Action == actPrivacyerase && yesNoOf(r.Text) == "" &&
			containsAny(n, " record", " voice", " keep", " store", " stimme", " aufnahm", " aufgenommen", " speicher", " daten", " data") &&
			!containsAny(n, " delete", " lösch", " remove", " unlink", " erase", " entfern", " wipe") {
			// "do you keep recordings of my voice?" at the offer to delete:
			// what is kept, then the question again.
			return &Response{Speech: l.msg("privacy.explain") + " " + d.Question, Reprompt: d.Question, Choices: yesNo(l)}, nil
		}
		if r.Text != "" && (d.Action == actPrivacyerase || d.Action == intents.ReportLostCard) && (onlyAck(r.Text) || doubtful(r.Text)) {
			// "ok" after a side answer acknowledges that answer: deleting
			// the user's data or blocking a card for good, which cannot be
			// undone, needs a real yes ("yeah whatever" is none).
			return &Response{Speech: l.msg("dialog.yes_or_no") + " " + d.Question, Reprompt: d.Question, Choices: yesNo(l)}, nil
		}
		if r.Text != "" && d.Stage == stageConfirm && (yesNoOf(r.Text) == intents.Yes || r.Intent == intents.Yes) {
			if vagueWhen(intents.Normalize(r.Text)) && (d.Action == intents.TransferMoney || d.Action == intents.PayBill) {
				// "yes, next week": not now; which day is asked.
				return &Response{Speech: l.msg("dialog.which_day") + " " + d.Question, Reprompt: d.Question, Choices: yesNo(l)}, nil
			}
			if fix := namedChange(r, d); fix != nil {
				// "yes, thirty dollars", "yes, from savings", "yes to tom":
				// a yes to something else than the read-back; the change
				// is read back.
				r.Slots = fix
				return s.mergeAndAdvance(ctx, r, d)
			}
			if r.Intent == d.Action && yesNoOf(r.Text) == intents.Yes {
				// "ok, yes, go ahead with the transfer" after a side
				// question: a yes that names the action it agrees to and
				// changes nothing (a change is read back above).
				r.Intent, r.Slots, r.Confidence = intents.Yes, intents.Slots{}, 1
			}
		}
		if r.Text != "" && r.Intent != d.Action {
			// A plain yes or no by its words; a guess of yes from the
			// recognizer alone confirms only when it is sure.
			if yn := answerOf(r.Text, d); yn != "" && !(d.Soft && yn == intents.Yes && weakYes[strings.Fields(intents.Normalize(r.Text))[0]]) {
				// ("okay" to Konto's own "was this you?" acknowledges the
				// answer before it; it says nothing about the charge.)
				r.Intent, r.Confidence = yn, 1
			} else if d.Soft && r.Intent == intents.Yes || d.Action == actReviewAlert && (r.Intent == intents.Yes || r.Intent == intents.No) {
				r.Intent = intents.Fallback // the alert is answered by words, never by the recognizer's guess
			} else if alertWords(r.Text) && (r.Intent == intents.Yes || r.Intent == intents.No) {
				r.Intent = intents.Fallback // "yes it's mine" speaks of a charge: no yes to deleting data or paying
			} else if r.Intent == intents.Yes && (r.Confidence < modelYesMin || hedged(intents.Normalize(r.Text))) {
				// (however sure the recognizer is, "yes the other one", "yes,
				// just kidding" hold the yes back)
				return &Response{Speech: l.msg("dialog.yes_or_no") + " " + d.Question, Reprompt: d.Question, Choices: yesNo(l)}, nil
			}
		}
	}
	if n := " " + intents.Normalize(r.Text) + " "; (r.Intent == intents.Cancel || r.Intent == intents.Stop) && r.Text != "" && d.Stage == stageConfirm &&
		!containsAny(n, stopWords...) && !dropsTask(r) && yesNoOf(r.Text) != intents.No && !withdraws(r.Text) {
		// "ok dann zahl sie jetzt" read as Stop: words that stop nothing
		// end nothing; the question again.
		return &Response{Speech: l.msg("dialog.yes_or_no") + " " + d.Question, Reprompt: d.Question, Choices: yesNo(l)}, nil
	}
	switch r.Intent {
	case intents.Cancel, intents.Stop:
		r.st.Dialog = nil
		msg := l.msg("dialog.cancelled")
		if r.Intent == intents.Stop {
			return &Response{Speech: msg + " " + l.msg("goodbye"), EndSession: true}, nil
		}
		return &Response{Speech: l.andReprompt(msg), Reprompt: l.reprompt()}, nil
	case intents.Repeat:
		return &Response{Speech: d.Question, Reprompt: d.Question}, nil
	case intents.Help:
		if r.Text != "" && abilitiesAsked(" "+intents.Normalize(r.Text)+" ") {
			// "und was kannst du überhaupt" at a question: what Konto can
			// do, then the question again
			general := l.msg("help.speech")
			if i := strings.LastIndex(strings.TrimSuffix(general, "?"), ". "); i > 0 && strings.HasSuffix(general, "?") {
				general = general[:i+1]
			}
			return &Response{Speech: general + " " + d.Question, Reprompt: d.Question}, nil
		}
		return &Response{Speech: l.msg("dialog.help") + " " + d.Question, Reprompt: d.Question}, nil
	}
	switch d.Stage {
	case stageConfirm:
		switch r.Intent {
		case intents.Yes:
			return s.replanAndExecute(ctx, r, d, stageConfirm)
		case intents.No:
			r.st.Dialog = nil
			p, _ := s.actions[d.Action](ctx, r, d.Slots)
			if p != nil && p.onNo != nil {
				return s.execute(ctx, r, d, &plan{do: p.onNo}, stageConfirm)
			}
			msg := l.msg("dialog.no")
			if p != nil && p.no != "" {
				msg = p.no
			}
			return anythingElse(l, msg), nil
		}
		if r.Intent == d.Action && !(r.Text != "" && asksSomething(r.Text) && len(r.Slots) == 0) {
			return s.mergeAndAdvance(ctx, r, d) // ("wie lange dauert so eine Überweisung?" asks; route decides)
		}
		if r.Intent == intents.ProvidePin {
			return &Response{Speech: l.msg("dialog.yes_or_no") + " " + d.Question, Reprompt: d.Question}, nil
		}
		return nil, nil // a side question, a new task, or not understood: route decides
	case stagePIN:
		pin := r.Slots.String(intents.SlotPin)
		if !fourDigits(pin) {
			pin = "" // a platform's "12345" or "12" is no PIN: it is asked for again, and uses up no try
		}
		if pin == "" && r.Text != "" {
			pin = intents.ParsePin(intents.Normalize(r.Text))
		}
		if n := intents.Normalize(r.Text); pin != "" && r.Text != "" && asksForPerson(withoutPIN(n)) && containsAny(" "+n+" ", " talk", " speak", " rather", " instead", " sprechen", " reden", " lieber") {
			// "I'd rather talk to someone, 6 6 9 6": a person, not the
			// payment; the PIN is not checked.
			r.st.Dialog = nil
			r.Intent, r.Slots, r.Confidence, r.turn.inContext = intents.TalkToAgent, intents.Slots{}, 1, true
			return s.dispatch(ctx, r, notSocial, dropped(l, d))
		}
		if pin != "" && r.Text != "" && refusesWithPIN(r.Text) && !changesWithPIN(r, d) {
			// "never mind, 6696" at the PIN prompt: nothing is done.
			r.st.Dialog = nil
			return &Response{Speech: l.andReprompt(l.msg("dialog.cancelled")), Reprompt: l.reprompt()}, nil
		}
		if pin != "" && r.Text != "" && vagueWhen(intents.Normalize(r.Text)) && (d.Action == intents.TransferMoney || d.Action == intents.PayBill) {
			// "6 6 9 6 next week": not now; which day is asked, and the
			// PIN is not used.
			d.Stage = stageConfirm
			return &Response{Speech: l.msg("dialog.which_day") + " " + d.Question, Reprompt: d.Question, Choices: yesNo(l)}, nil
		}
		if pin != "" && r.Text != "" && changesWithPIN(r, d) {
			// "6 6 9 6, no wait, make it 20 dollars": the PIN is not used
			// for the old plan; the change is read back first.
			if resp, err, ok := s.otherBiller(ctx, r, d); ok {
				return resp, err // "6129, no, the state farm bill instead"
			}
			fix := correction(r, d)
			if _, ok := fix[intents.SlotAmount]; ok && !containsAny(" "+intents.Normalize(r.Text)+" ", moneyWords...) &&
				!containsAny(" "+intents.Normalize(r.Text)+" ", " make it ", " change it to ", " mach ", " lieber ") {
				delete(fix, intents.SlotAmount) // a digit of the PIN is no amount ("no, make it 1500" is one)
			}
			for k, v := range namedChange(r, d) {
				// read without the PIN's words: "thirty dollars, 6 6 9 6",
				// "6 6 9 6 and make it thirty"
				if fix == nil {
					fix = intents.Slots{}
				}
				fix[k] = v
			}
			if len(fix) > 0 {
				r.Slots = fix
			} else {
				r.Slots = intents.Slots{}
				if toCard(d) && cardAmountWords(r.Text, r.Locale) {
					delete(d.Slots, intents.SlotAmount)
				}
			}
			return s.mergeAndAdvance(ctx, r, d)
		}
		if fix := correction(r, d); pin == "" && r.Text != "" && fix != nil && !withdraws(r.Text) && !(asksAbout(r) && s.readsOnly(r.Intent)) {
			// "no, to alice", "nein, vom Sparkonto" at the PIN prompt: the
			// change is read back; the old plan is not paid by the next PIN.
			if resp, err, ok := s.otherBiller(ctx, r, d); ok {
				return resp, err
			}
			r.Slots = fix
			return s.mergeAndAdvance(ctx, r, d)
		}
		if pin == "" && r.Text != "" && (withdraws(r.Text) || yesNoOf(r.Text) == intents.No) {
			// "oh wait, I found it in my jacket", "no": nothing is done.
			r.st.Dialog = nil
			return &Response{Speech: l.andReprompt(l.msg("dialog.cancelled")), Reprompt: l.reprompt()}, nil
		}
		if pin == "" {
			if r.Intent == intents.Fallback || r.Intent == intents.ProvidePin || r.Intent == intents.Yes || r.Intent == intents.No {
				return &Response{Speech: l.msg("pin.need") + " " + d.Question, Reprompt: d.Question}, nil
			}
			return nil, nil
		}
		return s.checkPIN(ctx, r, d, pin)
	}
	// stageCollect, and the answer was not found above
	if r.Intent == d.Action {
		return s.mergeAndAdvance(ctx, r, d)
	}
	if r.Intent == intents.Fallback || r.Intent == intents.Yes || r.Intent == intents.No || r.Intent == intents.ProvidePin {
		return &Response{Speech: l.msg("dialog.not_understood") + " " + d.Question, Reprompt: d.Question}, nil
	}
	return nil, nil
}

// askElidedAmount asks which amount "twelve fifty" is, before a payment
// plans with either: $12.50 or $1,250.00. It returns nil when the turn
// says its amount plainly.
// amountChoice: two amounts said as alternatives or a range ("15 or 50",
// "between 15 and 50", "zwischen 15 und 50"), or a share of one ("half of
// 50", "1/2 dollar", "3/4 of 100 dollars"); enCommaDecimal: "1,5" in
// English, no thousands.
var (
	amountChoice   = regexp.MustCompile(`(?i)\d[\d.,]*\s*(?:dollars?|euros?|pounds?|bucks|quid|€|\$|£)?\s+(?:or|oder)\s+\$?£?\d|(?:^|\s)(?:between|zwischen)\s+\$?£?\d|(?:^|\s)(?:half of|a half of|die hälfte von|hälfte von|a third of|a quarter of)\s|(?:^|\s)\d+\s*/\s*\d+\s+(?:of\s+|von\s+)?(?:a\s+)?(?:\$|£|€|\d|dollars?|euros?|pounds?|bucks|quid)`)
	enCommaDecimal = regexp.MustCompile(`\d,\d{1,2}(?:\D|$)`)
	// spacedPair: "2 50 dollars" is $2.50 or $250 (a lost point or a
	// lost digit); "1 500 euro" groups thousands (intents.ParseAmount).
	spacedPair = regexp.MustCompile(`(?i)(?:^|\s)\$?£?\d{1,3} \d{1,2}\s*(?:dollars?|euros?|pounds?|bucks|quid|€|\$|£)`)
)

// unsureAmount: the words hold no one amount (amountChoice, or "1,5" in
// English).
func unsureAmount(text, locale string) bool {
	return amountChoice.MatchString(text) || !intents.German(locale) && enCommaDecimal.MatchString(text) || spacedPair.MatchString(text)
}

func (s *Skill) askElidedAmount(r *Request) *Response {
	if r.Text == "" || r.st.Dialog != nil || r.Intent != intents.TransferMoney && r.Intent != intents.PayBill || s.unsure(r) {
		return nil
	}
	a, ok := r.Slots.Amount(intents.SlotAmount)
	if !ok {
		return nil
	}
	if pausedNumber(intents.Normalize(r.Text), r.Locale) || unsureAmount(r.Text, r.Locale) {
		// "zwanzig äh fünf Euro": no German number; "15 or 50 dollars",
		// "between 15 and 50", "half of 50", "1,5 dollars" (en): no one
		// amount. The amount is asked.
		delete(r.Slots, intents.SlotAmount)
		return nil
	}
	if notLastAmount(r, a) {
		// "if i have 100 dollars left send tom 50 dollars": the amount
		// taken was a condition or a question; the amount is asked.
		delete(r.Slots, intents.SlotAmount)
		return nil
	}
	slots := cloneSlots(r.Slots)
	delete(slots, intents.SlotAmount)
	d := &dialog{Action: r.Intent, Slots: slots, Started: r.Now}
	if _, resp := s.elided(r, d, a); resp != nil {
		return resp
	}
	return nil
}

// symbolDigits is a currency symbol before or after an amount's digits
// ("$100", "50 €"), which Normalize drops.
var symbolDigits = regexp.MustCompile(`[$€£]\s?(\d[\d.,]*)|(\d[\d.,]*)\s?[$€£]`)

// notLastAmount: the words say two or more different amounts with their
// currency and a, the one the payment took, is not the last of them ("if
// i have 100 dollars left send tom 50 dollars", "is 20 dollars enough
// and send tom 50 dollars": the first is a condition or a question). A
// correction in one breath says the new amount last ("20 dollars, no
// wait, 50 dollars"), and a date's numbers are no amount.
func notLastAmount(r *Request, a intents.Amount) bool {
	text := symbolDigits.ReplaceAllStringFunc(r.Text, func(m string) string {
		sub := symbolDigits.FindStringSubmatch(m)
		return " " + sub[1] + sub[2] + " " + map[bool]string{true: "euro", false: "dollars"}[strings.ContainsRune(m, '€')] + " "
	})
	rest := intents.Normalize(text)
	if _, phrase, ok := intents.ParseDate(rest, r.Locale, r.Now); ok && phrase != "" {
		rest = strings.Replace(" "+rest+" ", " "+phrase+" ", " ", 1)
	}
	var said []string
	for range 8 {
		b, phrase, ok := intents.ParseAmount(rest, r.Locale, false)
		i := strings.Index(rest, phrase)
		if !ok || phrase == "" || i < 0 {
			break
		}
		if len(said) == 0 || said[len(said)-1] != b.Value {
			said = append(said, b.Value)
		}
		rest = rest[i+len(phrase):]
	}
	if len(said) < 2 {
		return false
	}
	return said[len(said)-1] != a.Value
}

// pausedNumber: in German, a pause sound between two number words
// ("zwanzig äh fünf"), which makes no number German speakers say; "30
// äh 40" is a correction (intents.CorrectedNumber).
func pausedNumber(norm, locale string) bool {
	words := strings.Fields(norm)
	for i := 1; i+1 < len(words); i++ {
		if !intents.PinPause(words[i]) || intents.CorrectedNumber(words[i-1], words[i+1], locale) {
			continue
		}
		if intents.German(locale) && numberWord(words[i-1]) && numberWord(words[i+1]) ||
			isDigitsOnly(words[i-1]) && isDigitsOnly(words[i+1]) {
			return true // ("1000 uh 500 dollars", "4 uh 99": no one amount; "twenty um five" is $25)
		}
	}
	return false
}

func numberWord(w string) bool {
	_, _, ok := intents.ParseAmount(w, "de-DE", true)
	return ok
}

// elided reads an amount taken from the turn: said as "twelve fifty" it
// is $12.50 or $1,250.00. Correcting an amount already read back, it is
// the reading nearer that one ("no, make it two fifty" after $200.00);
// otherwise d asks which, and the question is returned.
func (s *Skill) elided(r *Request, d *dialog, a intents.Amount) (intents.Amount, *Response) {
	if r.Text == "" {
		return a, nil
	}
	var said []string
	for _, w := range strings.Fields(intents.Normalize(r.Text)) {
		if !intents.PinPause(w) {
			said = append(said, w) // "twenty uh fifty" is "twenty fifty"
		}
	}
	small, big, ok := intents.ElidedAmount(strings.Join(said, " "), r.Locale)
	if !ok || a != big {
		return a, nil
	}
	if old, had := d.Slots.Amount(intents.SlotAmount); had {
		o, _ := strconv.ParseFloat(old.Value, 64)
		sv, _ := strconv.ParseFloat(small.Value, 64)
		bv, _ := strconv.ParseFloat(big.Value, 64)
		if o > 0 && sv > 0 && math.Abs(math.Log(sv/o)) < math.Abs(math.Log(bv/o)) {
			return small, nil
		}
		return big, nil
	}
	l := langOf(r.Locale)
	ms, errS := banks.ParseMoney(small.Value, small.Currency)
	mb, errB := banks.ParseMoney(big.Value, big.Currency)
	if errS != nil || errB != nil {
		return a, nil
	}
	q := l.msg("amount.which", l.Money(ms), l.Money(mb))
	d.Stage, d.Awaiting, d.Question, d.Key = stageCollect, intents.SlotAmount, q, ""
	d.Choices = []choice{
		{Show: l.Money(ms), Label: l.Money(ms) + " " + small.Value + " small smaller less lower cents first kleine kleinere weniger", Slot: intents.SlotAmount, Value: small.Value + " " + small.Currency},
		{Show: l.Money(mb), Label: l.Money(mb) + " " + big.Value + " thousand hundred big bigger larger more higher second große größere mehr", Slot: intents.SlotAmount, Value: big.Value + " " + big.Currency},
	}
	delete(d.Slots, intents.SlotAmount)
	r.st.Dialog = d
	return a, &Response{Speech: q, Reprompt: q, Choices: dialogChoices(l, d)}
}

// pinLike: the turn is four digits and nothing else ("4 1 4 3", "4143"),
// or the platform heard a PIN.
func pinLike(r *Request) bool {
	if r.Text == "" {
		return r.Intent == intents.ProvidePin
	}
	t := intents.Normalize(r.Text)
	single := 0
	for _, w := range strings.Fields(t) {
		if len(w) == 1 && w[0] >= '0' && w[0] <= '9' {
			single++
		}
	}
	if single >= 3 || containsAny(" "+t+" ", " pin ", " my pin", " meine pin") && intents.ParsePin(t) != "" {
		return true // "uh, 6 6 9 6", "3 7 1 2 euro", "my pin is …": nobody says an amount digit by digit
	}
	if containsAny(" "+t+" ", moneyWords...) {
		return false
	}
	digits := strings.ReplaceAll(t, " ", "")
	return len(digits) == 4 && strings.Trim(digits, "0123456789") == "" || intents.ParsePin(t) != "" && len(strings.Fields(t)) == 4
}

// moneyWords mark an amount as money ("20 dollars", "zwanzig Euro").
var moneyWords = []string{" dollar", " buck", " euro", " pound", " quid", " fiver", " tenner", " cent", " pence", "$", "€", "£"}

// otherBiller takes "nein, doch lieber die Telekom-Rechnung" at a bill's
// read-back: another of the user's billers, by its name, read back with
// its own amount (unless the turn says one).
func (s *Skill) otherBiller(ctx context.Context, r *Request, d *dialog) (*Response, error, bool) {
	if d.Action != intents.PayBill || r.Text == "" || !correcting(intents.Normalize(r.Text)) {
		return nil, nil, false
	}
	rec, ok := s.cfg.Bank.(banks.Recipients)
	if !ok {
		return nil, nil, false
	}
	billers, err := rec.Billers(ctx, r.User)
	if err != nil {
		return nil, nil, false
	}
	// The name among the words, without a PIN said with them ("6129, no,
	// the state farm bill instead").
	var words []string
	for _, w := range strings.Fields(intents.Normalize(r.Text)) {
		if strings.Trim(w, "0123456789") != "" && w != "pin" {
			words = append(words, w)
		}
	}
	named := *r
	named.Text = strings.Join(words, " ")
	b, found := billerNamed(&named, billers)
	if !found || b.Kind == d.Slots.String(intents.SlotBiller) || intents.Normalize(b.Name) == intents.Normalize(d.Slots.String(intents.SlotBiller)) {
		return nil, nil, false
	}
	d.Slots[intents.SlotBiller] = b.Name
	delete(d.Slots, intents.SlotAmount)
	if fix := correction(r, d); fix != nil {
		for k, v := range fix {
			if k == intents.SlotAmount && !containsAny(" "+intents.Normalize(r.Text)+" ", moneyWords...) {
				continue // a bare number may be the PIN's
			}
			d.Slots[k] = v // "… und nur zwanzig Euro"
		}
	}
	d.Key = ""
	resp, err := s.advance(ctx, r, d)
	return resp, err, true
}

// answerQuestion takes the turn as the answer to the pending question if
// it holds the slot asked for or names one of the choices.
func (s *Skill) answerQuestion(ctx context.Context, r *Request, d *dialog) (*Response, error, bool) {
	if d.Awaiting == intents.SlotAmount && pinLike(r) {
		// Digits said one by one (or four bare ones) at "How much?" may be the PIN said too early:
		// never an amount (nor read back); the amount with its currency.
		l := langOf(r.Locale)
		q := l.msg("dialog.amount_with_currency") + " " + d.Question
		return &Response{Speech: q, Reprompt: d.Question}, nil, true
	}
	if neg := negatedCard(r.Text); r.Text != "" && neg != "" && d.Awaiting == intents.SlotCard && len(d.Choices) > 0 {
		// "not the credit card" at "Which card?": the other one, never
		// the one ruled out.
		rest := *r
		rest.Slots = nil
		if c, ok := pickChoice(d.Choices, &rest); ok && intents.ParseCard(intents.Normalize(c.Label)) != neg {
			d.take(c)
			resp, err := s.advance(ctx, r, d)
			return resp, err, true
		}
		return &Response{Speech: d.Question, Reprompt: d.Question, Choices: dialogChoices(langOf(r.Locale), d)}, nil, true
	}
	if _, _, again := intents.ElidedAmount(intents.Normalize(r.Text), r.Locale); r.Text != "" && d.Awaiting == intents.SlotAmount && len(d.Choices) > 0 {
		if c, ok := pickChoice(d.Choices, r); ok && !again {
			d.take(c)
			resp, err := s.advance(ctx, r, d)
			return resp, err, true
		}
		if again {
			// "twelve fifty" again: which of the two is still the question.
			return &Response{Speech: d.Question, Reprompt: d.Question, Choices: dialogChoices(langOf(r.Locale), d)}, nil, true
		}
	}
	if r.Intent == d.Action && r.Slots[d.Awaiting] != nil {
		if a, ok := r.Slots.Amount(intents.SlotAmount); ok && d.Awaiting == intents.SlotAmount {
			a, ask := s.elided(r, d, a)
			if ask != nil {
				return ask, nil, true
			}
			r.Slots[intents.SlotAmount] = a
		}
		resp, err := s.mergeAndAdvance(ctx, r, d)
		return resp, err, true
	}
	if asksAbout(r) && s.readsOnly(r.Intent) {
		return nil, nil, false // "wait, what's in my savings?" is a side question, not "savings"
	}
	short := len(strings.Fields(intents.Normalize(r.Text))) <= 5
	if r.Text != "" {
		found := intents.Slots{}
		intents.FillSlots(d.Action, intents.Normalize(r.Text), r.Locale, r.Now, found)
		if _, ok := found[d.Awaiting]; !ok && (d.Awaiting == intents.SlotFromAccount || d.Awaiting == intents.SlotToAccount) {
			// "out of my checking", "tagesgeld": an account named without
			// "from" answers the account question.
			named := intents.Slots{}
			intents.FillSlots(intents.GetBalance, intents.Normalize(r.Text), r.Locale, r.Now, named)
			if v, ok := named[intents.SlotAccount]; ok {
				found[d.Awaiting] = v
			}
		}
		dropLooseOne(r.Text, found) // "the big one" is no $1.00
		if v, ok := found[d.Awaiting]; ok && (len(d.Choices) == 0 || short) {
			if a, isAmount := v.(intents.Amount); isAmount {
				a, ask := s.elided(r, d, a)
				if ask != nil {
					return ask, nil, true
				}
				v = a
			}
			d.Slots[d.Awaiting] = v
			d.Choices = nil
			resp, err := s.advance(ctx, r, d)
			return resp, err, true
		}
	}
	// A longer answer the recognizer is unsure of ("the one at UK Bank")
	// may still name a choice.
	if len(d.Choices) > 0 && (short || r.Text == "" || r.Intent == intents.Fallback || r.Confidence < 0.8 || r.Intent == d.Action && r.Slots[d.Awaiting] == nil) {
		if c, ok := pickChoice(d.Choices, r); ok {
			d.take(c)
			alsoSaid(r, d) // "alice chen, from my checking account"
			resp, err := s.advance(ctx, r, d)
			return resp, err, true
		}
	}
	if r.Text != "" && d.Awaiting == intents.SlotPayee && len(d.Choices) == 0 && short &&
		(r.Intent == intents.Fallback || r.Confidence < 0.8) {
		// A bare name: take the words as the payee.
		d.Slots[intents.SlotPayee] = intents.Normalize(r.Text)
		resp, err := s.advance(ctx, r, d)
		return resp, err, true
	}
	if r.Text != "" && d.Awaiting == intents.SlotAmount && short && !looseOne.MatchString(intents.Normalize(r.Text)) {
		if a, _, ok := intents.ParseAmount(intents.Normalize(r.Text), r.Locale, true); ok {
			a, ask := s.elided(r, d, a)
			if ask != nil {
				return ask, nil, true
			}
			d.Slots[intents.SlotAmount] = a
			resp, err := s.advance(ctx, r, d)
			return resp, err, true
		}
	}
	return nil, nil, false
}

// accountSaidAtReadBack is the account a short answer names with "from"
// or "to" ("ok, from checking then", "vom Girokonto") at a payment's
// read-back, when the dialog has none of its own yet; nil otherwise.
func accountSaidAtReadBack(r *Request, d *dialog) intents.Slots {
	if r.Text == "" || yesNoOf(r.Text) != "" || d.Action != intents.TransferMoney && d.Action != intents.PayBill {
		return nil
	}
	n := " " + intents.Normalize(r.Text) + " "
	if len(strings.Fields(n)) > 6 || containsAny(n, " what", " how ", " wie ", " was ", " wieviel", " whats", " balance", " kontostand", " much ") {
		return nil
	}
	from, to := intents.ParseFromTo(strings.TrimSpace(n))
	fix := intents.Slots{}
	if from != "" && d.Slots[intents.SlotFromAccount] == nil {
		fix[intents.SlotFromAccount] = from
	}
	if to != "" && d.Slots[intents.SlotToAccount] == nil && d.Action == intents.TransferMoney {
		fix[intents.SlotToAccount] = to
	}
	if len(fix) == 0 {
		return nil
	}
	return fix
}

// alsoSaid adds to d the accounts and the date said with the answer to
// its question, where d has none yet ("alice chen, from my checking
// account" at "Which Alice?").
func alsoSaid(r *Request, d *dialog) {
	if r.Text == "" {
		return
	}
	found := intents.Slots{}
	intents.FillSlots(d.Action, intents.Normalize(r.Text), r.Locale, r.Now, found)
	for _, k := range []string{intents.SlotFromAccount, intents.SlotToAccount, intents.SlotDate} {
		if v, ok := found[k]; ok && d.Slots[k] == nil && k != d.Awaiting {
			d.Slots[k] = v
		}
	}
}

// take sets the slot a chosen option names (an amount choice's value is
// "12.50 USD") and ends the choice.
func (d *dialog) take(c choice) {
	d.Slots[c.Slot] = c.Value
	if c.Slot == intents.SlotAmount {
		v, cur, _ := strings.Cut(c.Value, " ")
		d.Slots[c.Slot] = intents.Amount{Value: v, Currency: cur}
	}
	d.Choices = nil
}

func (s *Skill) mergeAndAdvance(ctx context.Context, r *Request, d *dialog) (*Response, error) {
	old, hadAmount := d.Slots.Amount(intents.SlotAmount)
	if a, ok := r.Slots.Amount(intents.SlotAmount); ok {
		a, ask := s.elided(r, d, a) // "no, make it twelve fifty"
		if ask != nil {
			return ask, nil
		}
		r.Slots[intents.SlotAmount] = a
	}
	for k, v := range r.Slots {
		d.Slots[k] = v
	}
	d.Key = "" // what was confirmed changed
	resp, err := s.advance(ctx, r, d)
	if a, ok := d.Slots.Amount(intents.SlotAmount); ok && hadAmount && a != old && err == nil && resp != nil && resp.Elicit != nil &&
		resp.Elicit.Slot != intents.SlotAmount && r.st.Dialog == d && d.Stage == stageCollect {
		// "nee warte, dreißig", "actually make it 150" at "From which
		// account?": the new amount is said, then the question again,
		// however the change was read (a correction, or the same
		// request with a new amount).
		if m, err := banks.ParseMoney(a.Value, a.Currency); err == nil {
			l := langOf(r.Locale)
			if note := l.msg("dialog.amount_changed", l.Money(m)); !strings.HasPrefix(resp.Speech, note) {
				resp.Speech = note + " " + resp.Speech
			}
		}
	}
	return resp, err
}

// alsoOtherCard: the words say another card than kind was lost too.
func alsoOtherCard(n, kind string) bool {
	if !containsAny(n, " in there too", " in there as well", " in it too", " in it as well", " was in there", " were in there", " was also in", " also in there",
		" also in it", " stolen too", " taken too", " gone too", " also stolen", " also gone", " also taken", " auch drin", " auch dabei", " auch weg", " auch gestohlen",
		" auch geklaut", " ebenfalls drin", " ebenfalls weg") ||
		containsAny(n, " wasnt", " isnt", " werent", " not ", " didnt", " never", " nie ", " still have", " still got", " at home", " with me", " safe",
			" nicht", " kein", " noch ", " zu hause", " zuhause", " daheim", " bei mir", " only ", " nur ") {
		return false
	}
	if c := intents.ParseCard(strings.TrimSpace(n)); c != "" {
		return kind != "" && c != kind
	}
	return containsAny(n, " other card", " other one", " andere karte", " anderen karte", " die andere ")
}

// hedgedNot: the "not" of a turn says doubt, not which one is ruled
// out ("i'm not sure, the credit one", "weiß nicht, die Kreditkarte").
func hedgedNot(text string) bool {
	t := " " + intents.Normalize(text) + " "
	return containsAny(t, " not sure", " dont know", " do not know", " not certain", " dont remember", " do not remember", " do not use", " dont use",
		" weiß nicht", " weiss nicht", " nicht sicher", " nicht genau", " keine ahnung", " nicht mehr")
}

// pickChoice finds the option a person named: by words of its label or
// by position ("the first one", "die zweite").
func pickChoice(cs []choice, r *Request) (choice, bool) {
	text := intents.Normalize(r.Text)
	for _, m := range []string{" sorry ", " i mean ", " i meant ", " no wait ", " ich meine ", " ich meinte ", " nein doch "} {
		if i := strings.LastIndex(" "+text+" ", m); i >= 0 {
			text = strings.TrimSpace((" " + text + " ")[i+len(m):]) // "the second one, sorry, the first": the first
		}
	}
	cardChoice := len(cs) == 2 && intents.ParseCard(intents.Normalize(cs[0].Label)) != "" && intents.ParseCard(intents.Normalize(cs[1].Label)) != ""
	if len(cs) == 2 && !(cardChoice && negatedCard(r.Text) == "") {
		// "not the bigger one": the other one. (For cards, only a card
		// ruled out by name: "no sorry, not that one, the credit card"
		// is the credit card.)
		for _, neg := range []string{"not the ", "nicht die ", "nicht den ", "nicht das ", "not "} {
			if i := strings.Index(text, neg); i >= 0 && !hedgedNot(r.Text) {
				rest := *r
				rest.Text, rest.Slots = text[i+len(neg):], nil
				if c, ok := pickChoice(cs, &rest); ok {
					if c == cs[0] {
						return cs[1], true
					}
					return cs[0], true
				}
			}
		}
	}
	for _, v := range r.Slots {
		if str, ok := v.(string); ok {
			text += " " + intents.Normalize(str)
		}
	}
	words := strings.Fields(text)
	best, bestScore := -1, 0
	for i, c := range cs {
		score := 0
		for _, lw := range strings.Fields(intents.Normalize(c.Label)) {
			for _, w := range words {
				if w == lw {
					score++
				}
			}
		}
		if score > bestScore {
			best, bestScore = i, score
		} else if score == bestScore && score > 0 {
			best = -2 // a tie names no one
		}
	}
	if best >= 0 {
		return cs[best], true
	}
	for _, w := range words {
		if i, ok := ordinals[w]; ok && i >= 0 && i < len(cs) { // (not "last": a choice is named by its place from the start)
			return cs[i], true
		}
	}
	// "emily clerk" for Emily Clarke: by sound, when one choice is
	// clearly nearer than the others (a read-back follows).
	labels := make([]string, len(cs))
	for i, c := range cs {
		labels[i] = c.Label
	}
	if ms := resolve.Resolve(intents.Normalize(r.Text), labels, r.Locale); len(ms) > 0 && ms[0].Kind != resolve.None &&
		(len(ms) == 1 || ms[1].Kind == resolve.None || ms[1].Score < ms[0].Score) {
		return cs[ms[0].Index], true
	}
	return choice{}, false
}

// PIN checks.
const maxPINFailures = 3

// fourDigits: a voice PIN's shape.
func fourDigits(pin string) bool {
	if len(pin) != 4 {
		return false
	}
	for _, c := range pin {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

func (s *Skill) checkPIN(ctx context.Context, r *Request, d *dialog, pin string) (*Response, error) {
	l := langOf(r.Locale)
	if _, err := s.pinRecord(ctx, r); banks.KindOf(err) == banks.NotFound {
		r.st.Dialog = nil
		return &Response{Speech: l.msg("pin.none"), EndSession: true}, nil
	} else if err != nil {
		return nil, err
	}
	// The attempt is counted before the slow hash runs, in one step per
	// customer: parallel guesses each use up a try, and none is checked
	// while the lockout holds.
	if err := s.claimTurn(ctx, r); err != nil {
		return nil, err
	}
	rec, allowed, err := s.cfg.Store.ReservePINAttempt(ctx, r.User.Bank, r.User.Customer, maxPINFailures, s.cfg.PINLockout, r.Now)
	if err != nil {
		return nil, err
	}
	if !allowed {
		r.st.Dialog = nil
		return s.lockedOut(r, rec.LockedUntil), nil
	}
	ok, legacy := VerifyPIN(s.pinKey, r.User.Bank, r.User.Customer, rec.Hash, pin)
	if !ok {
		wrong := AuditEntry{Action: "voice_pin", Detail: d.Action, Outcome: "wrong_pin"}
		s.auditFor(r, &wrong)
		r.turn.audit = append(r.turn.audit, wrong)
		if r.Now.Before(rec.LockedUntil) {
			r.st.Dialog = nil
			r.obs.lockout = true // this wrong PIN set the lockout
			return s.lockedOut(r, rec.LockedUntil), nil
		}
		msg := l.msg("pin.wrong.one")
		if left := maxPINFailures - rec.Failures; left != 1 {
			msg = l.msg("pin.wrong.many", strconv.Itoa(left))
		}
		return &Response{Speech: msg, Reprompt: d.Question}, nil
	}
	if err := s.cfg.Store.PINVerified(ctx, r.User.Bank, r.User.Customer, rec.LockSeq); err != nil {
		return nil, err
	}
	if legacy {
		// A hash from before keying is replaced by a keyed one.
		_ = s.cfg.Store.SetPIN(ctx, r.User.Bank, r.User.Customer, HashPIN(s.pinKey, r.User.Bank, r.User.Customer, pin), true)
	}
	r.st.PINAt = r.Now
	return s.replanAndExecute(ctx, r, d, stagePIN)
}

// replanAndExecute plans the confirmed action again (the bank may have
// changed since the read-back), asks for the PIN if it is still needed,
// and executes it.
func (s *Skill) replanAndExecute(ctx context.Context, r *Request, d *dialog, stage string) (*Response, error) {
	p, err := s.actions[d.Action](ctx, r, d.Slots)
	if err != nil {
		r.st.Dialog = nil
		return nil, err
	}
	if p.refuse != nil {
		r.st.Dialog = nil
		return p.refuse, nil
	}
	if p.do == nil {
		// Planned again, the action asks instead of acting: it changed
		// under the dialog. Nothing is done.
		r.st.Dialog = nil
		return nil, banks.Errorf("skill.replan", banks.NotSupported, "%s planned again without an action", d.Action)
	}
	if p.pin && stage != stagePIN {
		if resp := s.needPIN(ctx, r, d, langOf(r.Locale)); resp != nil {
			return resp, nil
		}
	}
	return s.execute(ctx, r, d, p, stage)
}

// pinRecord returns the user's voice PIN record. A bank that hands the
// customer's PIN over (the sandbox's demo PINs) has it hashed and stored
// the first time it is needed, so that linking stays cheap.
func (s *Skill) pinRecord(ctx context.Context, r *Request) (PINRecord, error) {
	rec, err := s.cfg.Store.PIN(ctx, r.User.Bank, r.User.Customer)
	if banks.KindOf(err) != banks.NotFound {
		return rec, err
	}
	src := s.cfg.DemoPINs
	if src == nil {
		a, ok := s.cfg.Auth.(interface{ PIN(customer string) string })
		if !ok {
			return rec, err
		}
		src = func(u banks.User) (string, bool) { return a.PIN(u.Customer), true }
	}
	pin, ok := src(r.User)
	if !ok {
		return rec, err
	}
	hash := HashPIN(s.pinKey, r.User.Bank, r.User.Customer, pin)
	if err := s.cfg.Store.SetPIN(ctx, r.User.Bank, r.User.Customer, hash, false); err != nil {
		return rec, err
	}
	return s.cfg.Store.PIN(ctx, r.User.Bank, r.User.Customer)
}

// replayOfDone answers a confirming turn (yes or the PIN) that arrives
// again after its action completed: the same answer, nothing done twice.
func (s *Skill) replayOfDone(r *Request) *Response {
	dn := r.st.Done
	if dn == nil || r.st.Dialog != nil || r.Now.Sub(dn.At) > 2*time.Minute {
		return nil
	}
	switch {
	case dn.Stage == stagePIN && (r.Intent == intents.ProvidePin || r.Slots.String(intents.SlotPin) != ""):
		r.turn.keepDone = true
		return dn.Response
	case dn.Stage == stageConfirm && r.Intent == intents.Yes && (r.Text == "" || plainYes(r.Text)):
		r.turn.keepDone = true
		return dn.Response // a yes said again ("and yesterday" is no yes, whatever the recognizer thought)
	}
	return nil
}

// Elicit tells a platform which slot the next answer fills (for
// platforms that elicit slots), so that a bare answer reaches the right
// intent.
type Elicit struct {
	Intent string
	Slot   string
	Slots  intents.Slots
}

func (st *state) clone() *state {
	b, _ := json.Marshal(st)
	var out state
	_ = json.Unmarshal(b, &out)
	return &out
}

// toCard: the dialog pays a credit card (a transfer to it, or its bill).
func toCard(d *dialog) bool {
	return d.Slots.String(intents.SlotToAccount) == "credit_card" || d.Slots.String(intents.SlotBiller) == "credit_card"
}

// changesWithPIN: a turn that says the PIN also changes what was read
// back ("…, no wait, make it 20", "… but from savings", "…, pay it
// tomorrow instead", "…, just the minimum").
func changesWithPIN(r *Request, d *dialog) bool {
	var rest []string
	for _, w := range strings.Fields(intents.Normalize(r.Text)) {
		if isDigitsOnly(w) || pinWords[w] || fillers[w] {
			continue
		}
		rest = append(rest, w)
	}
	if len(rest) == 0 || allWords(rest, apologyWords) {
		return false // "oh sorry, 6 6 9 6" after a wrong PIN: the PIN, nothing changed
	}
	t := strings.Join(rest, " ")
	return correcting(t) || namedChange(r, d) != nil || vagueWhen(t) || containsAny(" "+t+" ", " instead", " stattdessen", " but ", " aber ", " make it", " change", " tomorrow", " morgen",
		" minimum", " mindest", " in full", " komplett") || correction(&Request{Text: t, Locale: r.Locale, Now: r.Now, Intent: intents.Fallback}, d) != nil
}

// apologyWords said with a PIN change nothing ("oh sorry, it's 6 6 9 6",
// "Oh, Moment, 6 6 9 6", "my bad, the right one is …").
var apologyWords = map[string]bool{"oh": true, "ah": true, "ach": true, "oops": true, "whoops": true, "sorry": true, "pardon": true, "entschuldigung": true,
	"sorri": true, "moment": true, "its": true, "it": true, "is": true, "my": true, "bad": true, "the": true, "right": true, "correct": true, "one": true,
	"es": true, "ist": true, "die": true, "richtige": true, "mein": true, "fehler": true, "jetzt": true, "now": true, "try": true, "this": true}

// allWords: every word is in set.
func allWords(words []string, set map[string]bool) bool {
	for _, w := range words {
		if !set[w] {
			return false
		}
	}
	return true
}

// payeeEnding answers whether the transfer's payee's account ends in
// the digits said, then asks the dialog's question again.
func (s *Skill) payeeEnding(ctx context.Context, r *Request, d *dialog, n string) *Response {
	rec, ok := s.cfg.Bank.(banks.Recipients)
	if !ok {
		return nil
	}
	payees, err := rec.Payees(ctx, r.User)
	if err != nil {
		return nil
	}
	var p banks.Payee
	for _, q := range payees {
		if strings.ToLower(q.Name) == d.Slots.String(intents.SlotPayee) {
			p = q
		}
	}
	if p.Name == "" || p.LastFour == "" {
		return nil
	}
	said := ""
	for _, w := range strings.Fields(n) {
		if isDigitsOnly(w) && len(w) == 4 {
			said = w
		}
	}
	if said == "" {
		said = intents.ParsePin(strings.TrimSpace(n)) // "one one seven six"
	}
	l := langOf(r.Locale)
	msg := l.msg("payee.ending", p.Name, spell(p.LastFour))
	if said != "" && said != p.LastFour {
		msg = l.msg("payee.ending.not", p.Name, spell(p.LastFour)) // (the digits said are never said back: they may be the PIN)
	}
	return &Response{Speech: msg + " " + d.Question, Reprompt: d.Question, Choices: yesNo(l)}
}

// otherNamesake is the one other payee with the first name of the
// transfer's payee when the turn asks for "the other <name>" ("the
// other emily", "die andere anna"), lower case, or "".
func (s *Skill) otherNamesake(ctx context.Context, r *Request, d *dialog) string {
	cur := strings.Fields(d.Slots.String(intents.SlotPayee))
	if r.Text == "" || d.Action != intents.TransferMoney || len(cur) == 0 {
		return ""
	}
	t := " " + intents.Normalize(r.Text) + " "
	if !containsAny(t, " other "+cur[0]+" ", " andere "+cur[0]+" ", " anderen "+cur[0]+" ", " anderer "+cur[0]+" ") {
		return ""
	}
	rec, ok := s.cfg.Bank.(banks.Recipients)
	if !ok {
		return ""
	}
	payees, err := rec.Payees(ctx, r.User)
	if err != nil {
		return ""
	}
	var others []string
	for _, p := range payees {
		if n := strings.ToLower(p.Name); strings.HasPrefix(n, cur[0]+" ") && n != strings.Join(cur, " ") {
			others = append(others, n)
		}
	}
	if len(others) != 1 {
		return ""
	}
	return others[0]
}

// withoutPIN is the normalized text without the words that say the
// PIN in it ("thirty dollars 6 6 9 6" is "thirty dollars").
func withoutPIN(norm string) string {
	pin := intents.ParsePin(norm)
	if pin == "" {
		return norm
	}
	words := strings.Fields(norm)
	for i := range words {
		digits, j := "", i
		for ; j < len(words) && len(digits) < len(pin); j++ {
			w := words[j]
			switch {
			case isDigitsOnly(w):
				digits += w
			case intents.DigitOf(w) != "":
				digits += intents.DigitOf(w)
			case intents.PinPause(w) && digits != "":
			default:
				j = len(words) + 1
			}
		}
		if digits == pin && j <= len(words) {
			return strings.Join(append(append([]string{}, words[:i]...), words[j:]...), " ")
		}
	}
	return norm
}

// namedChange is what a turn names for the dialog's action, the PIN's
// words left out, that differs from what was read back: an amount, an
// account, a date, and for a transfer a payee after "to" ("yes, thirty
// dollars", "yes, from savings", "yes to tom", "thirty dollars 6 6 9 6").
// Such a turn confirms nothing: the change is read back first.
func namedChange(r *Request, d *dialog) intents.Slots {
	if r.Text == "" || d.Action != intents.TransferMoney && d.Action != intents.PayBill {
		return nil
	}
	norm := withoutPIN(intents.Normalize(r.Text))
	found := intents.Slots{}
	intents.FillSlots(d.Action, norm, r.Locale, r.Now, found)
	fix := intents.Slots{}
	for _, k := range []string{intents.SlotFromAccount, intents.SlotToAccount, intents.SlotAmount, intents.SlotDate} {
		v, ok := found[k]
		if !ok || fmt.Sprint(d.Slots[k]) == fmt.Sprint(v) {
			continue
		}
		if k == intents.SlotDate && d.Slots[k] == nil && fmt.Sprint(v) == r.Now.Format(time.DateOnly) {
			continue // "now", "today": no new date
		}
		if k == intents.SlotAmount && toCard(d) && d.Slots[k] == nil {
			continue // a card's bill read back as a balance names its amount in words
		}
		fix[k] = v
	}
	if p := found.String(intents.SlotPayee); d.Action == intents.TransferMoney && p != "" && !noName(strings.Fields(p)) &&
		containsAny(" "+norm+" ", " to "+p+" ", " an "+p+" ") && !strings.Contains(" "+d.Slots.String(intents.SlotPayee)+" ", " "+p+" ") {
		fix[intents.SlotPayee] = p
	}
	if d.Action == intents.TransferMoney && fix[intents.SlotPayee] == nil {
		// "yes, tom", "ja, für max": another of the user's payees named
		if p := otherPayeeSaid(norm, d.Slots.String(intents.SlotPayee), r.turn); p != "" {
			fix[intents.SlotPayee] = p
		}
	}
	if fix[intents.SlotFromAccount] == nil && fix[intents.SlotToAccount] == nil {
		// "yes, use savings", "yes, the savings one": the account to pay from
		if k := intents.ParseAccount(norm); k != "" && k != d.Slots.String(intents.SlotFromAccount) && k != d.Slots.String(intents.SlotToAccount) &&
			d.Slots.String(intents.SlotFromAccount) != "" && !(d.Action == intents.PayBill && k == "credit_card") {
			fix[intents.SlotFromAccount] = k
		}
	}
	if a, ok := fix[intents.SlotAmount].(intents.Amount); ok && a.Value == "1.00" && containsAny(" "+norm+" ", " one ", " eine ", " einen ") &&
		!containsAny(" "+norm+" ", moneyWords...) {
		delete(fix, intents.SlotAmount) // "the savings one" is no $1.00
	}
	if len(fix) == 0 {
		return nil
	}
	return fix
}

// otherPayeeSaid is another of the user's payees than cur whose name,
// or first name, the words say ("yes, tom" at Alice Meyer's read-back).
func otherPayeeSaid(norm, cur string, t *turn) string {
	if t == nil {
		return ""
	}
	words := " " + norm + " "
	curFirst := strings.Fields(cur)
	var hit []string
	for _, p := range t.payees {
		f := strings.Fields(p)
		if len(f) == 0 || p == cur || len(curFirst) > 0 && f[0] == curFirst[0] && !strings.Contains(words, " "+p+" ") {
			continue
		}
		if strings.Contains(words, " "+p+" ") || strings.Contains(words, " "+f[0]+" ") {
			hit = append(hit, p)
		}
	}
	if len(hit) == 1 {
		return hit[0]
	}
	if len(hit) > 1 {
		return strings.Fields(hit[0])[0] // namesakes: the first name, and the plan asks which
	}
	return ""
}

// vagueWhen: the words name a time that is no day ("next week", "later",
// "nächste Woche"): a payment said to go then must not go now.
func vagueWhen(norm string) bool {
	return containsAny(" "+norm+" ", " next week", " later", " next month", " end of the month", " in a few days", " some other time", " another day",
		" nächste woche", " nächsten woche", " später", " nächsten monat", " ende des monats", " in ein paar tagen", " ein andermal", " wann anders")
}

func isDigitsOnly(w string) bool {
	for _, c := range w {
		if c < '0' || c > '9' {
			return false
		}
	}
	return w != ""
}

// pinWords are the words around a PIN said aloud.
var pinWords = map[string]bool{"my": true, "pin": true, "is": true, "its": true, "it": true, "the": true, "code": true, "meine": true,
	"ist": true, "die": true, "lautet": true, "zero": true, "oh": true, "one": true, "two": true, "three": true, "four": true, "five": true,
	"six": true, "seven": true, "eight": true, "nine": true, "null": true, "eins": true, "zwei": true, "zwo": true, "drei": true, "vier": true,
	"fünf": true, "sechs": true, "sieben": true, "acht": true, "neun": true, "okay": true, "ok": true, "yes": true, "ja": true, "here": true}

// privacyAsked: the turn asks what Konto keeps about the user.
func privacyAsked(t string) bool {
	return containsAny(t, " keep on me", " keep about me", " store about me", " know about me", " do you keep", " do you store", " do you record",
		" recordings", " what data", " my data", " welche daten", " meine daten", " speichert ihr", " speicherst du", " speichern sie", " nehmen sie", " nimmst du",
		" über mich gespeichert", " was weißt du über mich") &&
		!containsAny(t, " delete", " lösch", " remove", " unlink", " erase", " entfern", " wipe")
}

// dropsTask: the words drop what is under way ("actually never mind",
// "ach, vergiss es", "cancel that").
func dropsTask(r *Request) bool {
	if r.Text == "" {
		return r.Intent == intents.Cancel || r.Intent == intents.Stop
	}
	t := " " + intents.Normalize(r.Text) + " "
	return (dropSaid(t) || len(strings.Fields(t)) <= 6 && containsAny(t, " cancel", " abbrechen")) &&
		!containsAny(t, " from ", " to ", " von ", " an ", " auf ")
}

// onlyAck tells a bare acknowledgement ("ok", "okay then", "alright",
// "passt") from a yes that agrees.
func onlyAck(text string) bool {
	words := strings.Fields(intents.Normalize(text))
	if len(words) == 0 || len(words) > 16 {
		return false
	}
	for _, w := range words {
		if !weakYes[w] && !ackWords[w] {
			return false
		}
	}
	return true
}

var ackWords = map[string]bool{"alright": true, "fine": true, "then": true, "cool": true, "got": true, "it": true, "passt": true, "alles": true, "gut": true, "na": true,
	"thanks": true, "danke": true, "okey": true, "k": true, "kk": true, "so": true, "schon": true, "scho": true, "i": true, "see": true, "understood": true,
	"verstanden": true, "aha": true, "ah": true, "oh": true, "hmm": true, "mhm": true, "cheers": true, "ta": true, "super": true, "prima": true, "great": true, "nice": true}

// abilitiesAsked: the words ask what the assistant can do at all ("what
// can you do", "und was kannst du überhaupt"), not how to answer the
// question asked.
func abilitiesAsked(t string) bool {
	return containsAny(t, " what can you do", " what else can you do", " what can you help", " what are you able", " what do you do", " was kannst du", " was kannst du sonst",
		" was können sie", " was machst du", " wobei kannst du", " womit kannst du")
}

// cardActionAsked: at a question for an account, the words ask to lock,
// unlock or block a card ("lock my debit card", "sperr meine girocard").
func cardActionAsked(r *Request, d *dialog) bool {
	if r.Text == "" || d.Awaiting != intents.SlotFromAccount && d.Awaiting != intents.SlotToAccount && d.Awaiting != intents.SlotAccount {
		return false
	}
	t := " " + intents.Normalize(r.Text) + " "
	return containsAny(t, " lock ", " unlock ", " freeze ", " unfreeze ", " block ", " unblock ", " sperr", " entsperr", " cancel my card", " report") &&
		containsAny(t, " card", " karte", " girocard", " visa", " mastercard")
}
