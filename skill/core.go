package skill

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/kontoskill/konto/banks"
	"github.com/kontoskill/konto/intents"
)

// Config assembles a Skill.
type Config struct {
	Bank       banks.Connector
	Auth       banks.Authenticator
	Store      Store
	Recognizer intents.Recognizer
	Log        *slog.Logger
	// Timeout bounds a whole turn: the replay claim, the recognizer, the
	// bank and the commit (and, when the adapter's context has an earlier
	// deadline, whatever the adapter did before, such as fetching a
	// certificate chain). The platform gets an answer within it even when
	// the bank or the store is stuck. Default 7 s (voice platforms allow
	// about 8).
	Timeout time.Duration
	// DemoPINs, if set, gives the voice PINs a bank hands over (the
	// sandbox's demo PINs), hashed into the store the first time they are
	// needed; if nil, Auth is asked when it has such a PIN method.
	DemoPINs func(u banks.User) (pin string, ok bool)
	// Failpoint, if set, is called at named points of a turn; crash tests
	// use it to kill the process there ("after-bank": the bank answered an
	// action, nothing of the answer is recorded yet). Nil in production.
	Failpoint func(name string)
	// Secret keys the voice PIN hashes and the audit pseudonyms, so that a
	// copy of the database alone reveals neither. At least 16 bytes; a
	// random one (good for one process only) if nil.
	Secret []byte
	// SessionTTL is how long server-side session state lives. Default 5 min.
	SessionTTL time.Duration
	// Now is the clock; time.Now if nil.
	Now func() time.Time
	// PINLockout is how long voice payments stay locked after three wrong
	// PINs. Default 30 min.
	PINLockout time.Duration
	// Observer, if set, is told about every turn (metrics; observe.go).
	Observer Observer
}

// Skill is the conversation core every platform adapter calls.
type Skill struct {
	cfg     Config
	mux     *Mux
	handler Handler
	actions map[string]action
	// pinKey keys PIN hashes; pseudoKey keys audit pseudonyms (each HMAC
	// input starts with its own purpose, so one secret serves both).
	pinKey, pseudoKey []byte
	carrier           *carrier
	faq               *faqs // the bank's FAQ (faq.go)
}

// reserve is the part of a turn's budget kept for writing it: 700 ms, or
// a third of a shorter budget.
func (s *Skill) reserve() time.Duration { return min(700*time.Millisecond, s.cfg.Timeout/3) }

// New builds the skill with its banking handlers.
func New(cfg Config) *Skill {
	if cfg.Log == nil {
		cfg.Log = slog.Default()
	}
	if cfg.Timeout == 0 {
		cfg.Timeout = 7 * time.Second
	}
	if len(cfg.Secret) == 0 {
		cfg.Secret = make([]byte, 32)
		rand.Read(cfg.Secret)
	}
	if cfg.SessionTTL == 0 {
		cfg.SessionTTL = 5 * time.Minute
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Recognizer == nil {
		cfg.Recognizer = intents.NewOffline()
	}
	if cfg.PINLockout == 0 {
		cfg.PINLockout = 30 * time.Minute
	}
	s := &Skill{cfg: cfg, mux: NewMux(), actions: map[string]action{},
		pinKey: cfg.Secret, pseudoKey: cfg.Secret, carrier: newCarrier(cfg.Secret)}
	b := &banking{bank: cfg.Bank}
	linked := s.requireLink
	s.mux.Handle(intents.Launch, linked(HandlerFunc(s.launch)))
	s.mux.Handle(intents.GetBalance, linked(HandlerFunc(b.balance)))
	s.mux.Handle(intents.ListTransactions, linked(s.merchantsResolved(b, b.transactions)))
	s.mux.Handle(intents.SpendingSummary, linked(s.merchantsResolved(b, b.spending)))
	s.mux.HandleFunc(intents.Help, help)
	s.mux.HandleFunc(intents.Stop, goodbye)
	s.mux.HandleFunc(intents.Cancel, cancelNothing)
	s.mux.HandleFunc(intents.Fallback, fallback)
	s.mux.HandleFunc(intents.Yes, nothingPending)
	s.mux.HandleFunc(intents.No, nothingPending)
	s.mux.HandleFunc(intents.Repeat, s.repeat)
	s.mux.NotFound = HandlerFunc(notAvailable)
	s.registerActions()
	s.registerFAQ() // after every handler: it wraps them (faq.go)
	// The recoverer runs inside the timeout's goroutine, where a panic would
	// otherwise take the process down.
	s.handler = Chain(HandlerFunc(s.route), s.timeout, s.recoverer)
	return s
}

// Now returns the skill's clock reading.
func (s *Skill) Now() time.Time { return s.cfg.Now() }

// Mux exposes the intent mux, so that later features register handlers.
func (s *Skill) Mux() *Mux { return s.mux }

// Known reports whether an intent has a handler (for CanFulfillIntent).
func (s *Skill) Known(intent string) bool {
	_, ok := s.mux.Handler(intent)
	return ok && intent != intents.Fallback
}

// Handle answers one turn. It never fails: errors become sentences. A
// request id seen before gets the answer it got then, and a turn's state,
// audit entries and answer are committed together. It returns within
// cfg.Timeout (or ctx's deadline, if earlier), whatever blocks.
func (s *Skill) Handle(ctx context.Context, r *Request) *Response {
	if r.Now.IsZero() {
		r.Now = s.cfg.Now()
	}
	if r.Slots == nil {
		r.Slots = intents.Slots{}
	}
	if len(r.Text) > MaxText {
		// Nobody says 200 KB to an assistant: the turn is not read (the
		// recognizer and the rules are made for sentences), and nothing
		// pending changes.
		l := langOf(r.Locale)
		return &Response{Speech: l.andReprompt(l.msg("text.too_long")), Reprompt: l.reprompt()}
	}
	deadline := time.Now().Add(s.cfg.Timeout)
	if d, ok := ctx.Deadline(); ok && d.Before(deadline) {
		deadline = d
	}
	ctx, cancel := context.WithDeadline(ctx, deadline)
	defer cancel()
	if banks.TraceOf(ctx).ID == "" {
		ctx = banks.WithTrace(ctx, banks.Trace{ID: banks.NewTraceID(), Request: r.RequestID})
	}
	r.trace = banks.TraceOf(ctx)
	if s.cfg.Observer != nil {
		r.obs = turnObs{}
		defer s.observe(r, time.Now())
	}
	acting := new(atomic.Pointer[AuditEntry])
	// The turn runs on its own copy of the request, so that a turn stuck
	// in the store or the bank can be abandoned at the deadline.
	rc := *r
	rc.Slots = maps.Clone(r.Slots)
	done := make(chan *Response, 1)
	turnWorkers.do(func() { done <- s.handle(ctx, &rc, acting, deadline) })
	select {
	case resp := <-done:
		*r = rc
		return resp
	case <-ctx.Done():
		s.cfg.Log.WarnContext(ctx, "turn overran its budget", "intent", r.Intent, "user", UserRef(r.Platform, r.UserID))
		return s.speakError(r, overrun(acting))
	}
}

// MaxText is the longest utterance a turn reads, in bytes: a few spoken
// or typed sentences.
const MaxText = 2000

// overrun is the error of a turn cut off at its deadline: an uncertain
// bank action if one was under way.
func overrun(acting *atomic.Pointer[AuditEntry]) error {
	if a := acting.Load(); a != nil {
		return &uncertainError{entry: *a}
	}
	return banks.E("skill.turn", banks.Unavailable, context.DeadlineExceeded)
}

// uncertainError says that the bank was asked to act and did not answer
// in time: the action may or may not have happened.
type uncertainError struct{ entry AuditEntry }

func (e *uncertainError) Error() string { return "no answer from the bank for " + e.entry.Action }

func (s *Skill) handle(ctx context.Context, r *Request, acting *atomic.Pointer[AuditEntry], deadline time.Time) *Response {
	r.turn = &turn{acting: acting, deadline: deadline.Add(-s.reserve()), claim: new(claimState)}
	stored := true // the session may have state on the server
	if r.Channel.Carry && r.SessionID != "" {
		// The last answer's carry says whether the server kept state for
		// the session; one saying nothing was kept saves the read. No
		// carry, or one that does not open, says nothing: the state is
		// read (the server's dialog stands whatever a client sends).
		var opened bool
		r.turn.carry, opened = s.carrier.open(r, s.cfg.SessionTTL)
		stored = !opened || r.turn.carry.Stored
	}
	var raw []byte
	r.st, raw = s.loadState(ctx, r, stored)
	if owned(r) {
		// What the session keeps for a linked customer (a dialog, a PIN
		// given, a subject, the last answer) is used only by a turn
		// authenticated as that customer, whatever the turn says ("hmm",
		// "thanks", "say that again" are answered before any handler
		// asks for a link). authenticate drops another customer's; a turn
		// with no valid token runs without it and writes nothing over it.
		if r.AccessToken == "" || s.authenticate(ctx, r) != nil {
			r.User = banks.User{}
			*r.st = state{}
			r.turn.carry.Owner, r.turn.carry.Last, r.turn.carry.Subject = "", nil, nil
			r.turn.foreign = true
		} else if own := ownerOf(r.User); r.turn.carry.Owner != "" && r.turn.carry.Owner != own {
			r.turn.carry.Owner, r.turn.carry.Last, r.turn.carry.Subject = "", nil, nil
		}
	}
	r.turn.fresh = raw == nil
	if r.Intent == "" {
		r.Text = heardRight(withoutInterjection(r.Text)) // "oh my goodness. will I get my money back"; "check in account"
		hints := intents.Hints{OfflineOnly: r.st.Dialog != nil, Names: s.namesToRedact(r)}
		res, err := s.cfg.Recognizer.Parse(intents.WithHints(ctx, hints), withoutHold(r.Text), r.Locale, r.Now)
		if err != nil {
			s.cfg.Log.WarnContext(ctx, "recognizer failed", "err", err)
			res = intents.Result{Intent: intents.Fallback}
		}
		r.Intent, r.Slots, r.Confidence = res.Intent, res.Slots, res.Confidence
		if r.Slots == nil {
			r.Slots = intents.Slots{}
		}
	}
	if s.mayAct(r) {
		// A turn that may act claims its request id before anything: a
		// platform's retry gets the first answer, not a second look.
		if s.claimTurn(ctx, r) != nil {
			return r.turn.claim.stopped()
		}
	}
	resp, err := s.handler.Serve(ctx, r)
	if stop := r.turn.claim.stopped(); stop != nil {
		return stop // a replay's stored answer, or the claim could not be made
	}
	if err != nil {
		resp = s.speakError(r, err)
	}
	if r.turn.notice != "" {
		if r.st.Dialog == nil && (r.Intent == intents.Yes || r.Intent == intents.No || r.Intent == intents.Fallback) {
			// "done", "okay" after "please approve it in your app": the
			// news is the answer.
			resp = anythingElse(langOf(r.Locale), r.turn.notice)
		} else {
			resp.Speech = strings.TrimSpace(r.turn.notice + " " + resp.Speech)
		}
	}
	if r.turn.next != nil && r.st.Dialog == nil && err == nil {
		r.st.Dialog = r.turn.next // a follow-up question an answer ended with
	}
	if p := r.st.Parked; p != nil {
		r.st.Parked = nil
		switch d := r.st.Dialog; {
		case d != nil && d.Action == actReviewAlert:
			r.st.Parked = p // the alert's question still waits
		case d == nil && err == nil && !resp.EndSession && r.Intent != intents.Cancel && r.Intent != intents.Stop && !resp.LinkAccount:
			// The alert answered (or put off): the task the session began
			// with, where it was. A new task or a cancel drops it.
			l := langOf(r.Locale)
			r.st.Dialog = p
			resp.Speech = l.withoutAnythingElse(resp.Speech) + " " + l.backTo(p)
			resp.Reprompt, resp.Choices = p.Question, dialogChoices(l, p)
		}
	}
	return s.commit(ctx, r, resp, raw, banks.KindOf(err) == banks.Unavailable)
}

// owned: the session's state or carry holds something of a linked
// customer.
func owned(r *Request) bool {
	c := r.turn.carry
	return r.st.Owner != "" || r.st.Subject != nil && r.st.Subject.Owner != "" || c.Owner != "" || c.Subject != nil && c.Subject.Owner != ""
}

// staleClaim is how long a claimed request id may go without an answer
// before a retry takes it over: its turn must have died.
func (s *Skill) staleClaim() time.Duration { return s.cfg.Timeout + 3*time.Second }

// errStopped ends a handler whose turn must not go on: claimTurn found
// the request id answered already (a replay) or could not claim it; the
// answer to give is in turn.stop.
var errStopped = errors.New("the turn was stopped at its claim")

// claimTurn claims the turn's request id before the turn's first write
// (a PIN attempt, a bank action, a callback, a state change), so that a
// platform's retry of a turn that acts gets the first answer instead of
// acting again. A turn that only reads never claims: a retry of it is
// simply answered again. On errStopped the handler returns at once.
func (s *Skill) claimTurn(ctx context.Context, r *Request) error {
	if r.RequestID == "" || r.turn == nil {
		return nil
	}
	c := r.turn.claim
	c.mu.Lock()
	defer c.mu.Unlock()
	switch {
	case c.stop != nil:
		return errStopped
	case c.claimed:
		return nil
	}
	resp, ok := s.claim(ctx, r)
	if resp != nil {
		c.stop = resp
		return errStopped
	}
	c.claimed = ok
	return nil
}

// mayAct says whether a turn may act or change a dialog: an action's
// intent, an answer to a pending question or a completed action. Other
// turns (a balance, a list, a fact, help) claim their request id only if
// they come to write after all (a fraud alert mentioned).
func (s *Skill) mayAct(r *Request) bool {
	if r.st.Dialog != nil || r.st.Done != nil || r.st.Awaiting != "" {
		return true
	}
	switch r.Intent {
	case intents.Yes, intents.No, intents.ProvidePin:
		return true
	}
	_, ok := s.actions[r.Intent]
	return ok
}

// claimState is a turn's hold on its request id, shared by the copies of
// the turn (the timeout's), so that a turn cut off after it claimed still
// owns its id when its answer is written.
type claimState struct {
	mu      sync.Mutex
	claimed bool
	stop    *Response
}

func (c *claimState) stopped() *Response {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.stop
}

// drop gives up the hold without answering: a turn that deleted the
// user's data stores no answer.
func (c *claimState) drop() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.claimed = false
}

func (c *claimState) owned() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.claimed
}

// claim protects against replays: it returns the stored answer of a
// request id already answered, waits for one being answered elsewhere,
// and reports whether this turn owns the id. When the store cannot be
// asked, the turn is not run unprotected: the user is asked to try again.
func (s *Skill) claim(ctx context.Context, r *Request) (*Response, bool) {
	l := langOf(r.Locale)
	for {
		ok, stored, err := s.cfg.Store.ClaimRequest(ctx, r.Platform, r.RequestID, r.UserID, r.Now, s.staleClaim())
		if err != nil {
			if banks.KindOf(err) == banks.Forbidden {
				return s.speakError(r, err), false
			}
			s.cfg.Log.WarnContext(ctx, "request claim failed", "err", err)
			return s.speakError(r, banks.E("skill.claim", banks.Unavailable, err)), false
		}
		if ok {
			return nil, true
		}
		if stored != nil {
			resp, owner, ok := openStored(stored)
			if !ok {
				return nil, false
			}
			if owner != "" && s.answerOwner(ctx, r) != owner {
				// The id's answer was another customer's (or the replay
				// has no valid token): it is not handed over, and the turn
				// does not act under an id already used.
				return s.speakError(r, banks.E("skill.claim", banks.Forbidden, errors.New("the request id was answered for another customer"))), false
			}
			r.obs.replay = true
			return resp, false
		}
		select {
		case <-ctx.Done():
			return &Response{Speech: l.msg("claim.busy"), EndSession: true}, false
		case <-time.After(50 * time.Millisecond):
		}
		if time.Until(deadlineOf(ctx)) < s.reserve() {
			return &Response{Speech: l.msg("claim.busy"), EndSession: true}, false
		}
	}
}

// storedAnswer is a turn's answer as kept for replays, with the
// pseudonym of the customer it was made for ("" for a turn of no linked
// customer): a replay is given it only as that customer.
type storedAnswer struct {
	Owner    string    `json:"owner,omitempty"`
	Response *Response `json:"response"`
}

// openStored reads a stored answer; one kept before answers named their
// customer is the Response alone.
func openStored(b []byte) (*Response, string, bool) {
	var sa storedAnswer
	if json.Unmarshal(b, &sa) == nil && sa.Response != nil {
		return sa.Response, sa.Owner, true
	}
	var resp Response
	if json.Unmarshal(b, &resp) != nil {
		return nil, "", false
	}
	return &resp, "", true
}

// answerOwner is the pseudonym of the customer the turn authenticates
// as, "" for none.
func (s *Skill) answerOwner(ctx context.Context, r *Request) string {
	if r.User.Customer == "" && r.AccessToken != "" && s.authenticate(ctx, r) != nil {
		r.User = banks.User{}
	}
	if r.User.Customer == "" {
		return ""
	}
	return s.Pseudonym(r.User.Bank, r.User.Customer)
}

func deadlineOf(ctx context.Context) time.Time {
	d, ok := ctx.Deadline()
	if !ok {
		return time.Now().Add(time.Hour)
	}
	return d
}

// loadState reads the session's state, and the bytes it was read from
// (nil: none), so that commit writes it only when the turn changed it.
// With a store that can (TurnReader), the link comes in the same query
// for a request with an access token (see linkOf); session false: the
// link alone.
func (s *Skill) loadState(ctx context.Context, r *Request, session bool) (*state, []byte) {
	st := &state{}
	var b []byte
	var err error
	tr, ok := s.cfg.Store.(TurnReader)
	switch {
	case ok && r.AccessToken != "" && r.turn != nil:
		sid := r.SessionID
		if !session {
			sid = ""
		}
		t := r.turn
		b, t.link, t.linked, t.pendingAny, err = tr.ReadTurn(ctx, r.Platform, sid, r.UserID, s.cfg.SessionTTL, r.Now.Add(pendingSlack))
		t.linkRead = err == nil
	case r.SessionID == "" || !session:
		return st, nil
	default:
		b, err = s.cfg.Store.Session(ctx, r.Platform, r.SessionID, r.UserID, s.cfg.SessionTTL)
	}
	if err != nil || b == nil || json.Unmarshal(b, st) != nil {
		return &state{}, nil
	}
	if st.Dialog != nil && r.Now.Sub(st.Dialog.Started) > s.cfg.SessionTTL {
		st.Dialog = nil // a stale dialog expires
	}
	if st.Parked != nil && r.Now.Sub(st.Parked.Started) > s.cfg.SessionTTL {
		st.Parked = nil
	}
	return st, b
}

// commit writes the turn: session state, audit entries and, for a
// claimed request id, the answer, in one transaction. A turn that changed
// nothing (a balance, a list, a fact) writes nothing: on a channel that
// carries, its answer is kept for repeat in the sealed carry. A turn with
// something to write that has not claimed its request id yet claims it
// first; if the id was answered meanwhile, that answer is returned.
func (s *Skill) commit(ctx context.Context, r *Request, resp *Response, raw []byte, release bool) *Response {
	t := Turn{Platform: r.Platform, SessionID: r.SessionID, UserID: r.UserID, Audit: r.turn.audit, Linked: r.User.Customer != "" && !r.turn.forget}
	carries := r.Channel.Carry && r.SessionID != "" && !r.turn.forget
	last := resp
	switch {
	case r.Intent == intents.Repeat && carries:
		last = r.turn.carry.Last
	case r.Intent == intents.Repeat:
		last = r.st.Last
	case resp.Sensitive:
		last = nil // a full account number is shown once, never kept
	}
	if r.turn.forget {
		for i := range t.Audit {
			t.Audit[i].Detail, t.Audit[i].Actor, t.Audit[i].Fingerprint = "", "", ""
		}
		r.turn.claim.drop()
	} else if r.SessionID != "" && !r.turn.foreign && (r.User.Customer != "" || r.st.Dialog != nil || raw != nil) {
		// (with state stored before, what this turn changed in it is kept:
		// a suggestion answered before the user was looked up is gone)
		if r.st.Done != nil && (r.st.Done.Response != nil && r.st.Done.Response.Sensitive || !r.turn.keepDone) {
			// (a completed action's answer is repeated only to the turn
			// right after it: after anything else, a "yes" is no retry)
			r.st.Done = nil
		}
		r.st.Last = last
		if carries {
			r.st.Last = nil
		}
		// Nothing found and nothing to keep writes nothing where the carry
		// tells the next turn that a session is under way; elsewhere the
		// stored state says so (firstTurn).
		r.st.Owner = ""
		b, _ := json.Marshal(r.st)
		if !bytes.Equal(b, emptyState) {
			// (an empty state names no one, so that a read writes nothing)
			if r.User.Customer == "" && r.AccessToken != "" {
				_ = s.authenticate(ctx, r) // a turn answered before any handler looked the user up ("Do you want to lock a card?") is stamped too
			}
			r.st.Owner = ownerOf(r.User)
			b, _ = json.Marshal(r.st)
		}
		if !bytes.Equal(b, raw) && !(raw == nil && (string(b) == "{}" || carries && bytes.Equal(b, emptyState))) {
			t.State = b
		}
	}
	if t.State != nil || len(t.Audit) > 0 {
		if err := s.claimTurn(ctx, r); err != nil {
			return r.turn.claim.stopped()
		}
	}
	if r.turn.claim.owned() {
		t.RequestID = r.RequestID
		t.Release = release || resp.Sensitive // nothing sensitive is stored for replays
	}
	if carries && !(resp.EndSession && r.Channel.EndsCarry) {
		sub := r.turn.subject
		if sub == nil {
			sub = r.turn.carry.Subject
		}
		stored := raw != nil // what this turn leaves on the server
		if t.State != nil {
			stored = !bytes.Equal(t.State, emptyState)
		}
		resp.Carry = s.carrier.seal(r, carry{Owner: ownerOf(r.User), Last: last, Subject: sub, At: r.Now, Stored: stored})
	}
	if t.RequestID != "" && !t.Release {
		t.Response, _ = json.Marshal(storedAnswer{Owner: s.answerOwner(ctx, r), Response: resp})
	}
	if t.State == nil && len(t.Audit) == 0 && t.RequestID == "" {
		return resp
	}
	// The answer is decided; a cancelled request must still record it,
	// within the part of the budget kept for it.
	cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), s.reserve())
	defer cancel()
	if err := s.cfg.Store.CommitTurn(cctx, t); err != nil {
		s.cfg.Log.ErrorContext(ctx, "committing a turn failed", "user", UserRef(r.Platform, r.UserID), "err", err)
	}
	return resp
}

// emptyState is a session state with nothing in it, as stored: a turn
// that leaves this and found nothing writes nothing.
var emptyState, _ = json.Marshal(&state{})

// route continues a pending dialog or dispatches by intent; see
// converse.go for the conversation policy.
func (s *Skill) route(ctx context.Context, r *Request) (*Response, error) {
	l := langOf(r.Locale)
	kind := socialOf(r)
	if r.Text != "" {
		dropLooseOne(r.Text, r.Slots) // "the water one" is no $1.00
	}
	if r.Text != "" && onlyFillers(r.Text) {
		// "äh", "hmm": nothing said yet.
		if d := r.st.Dialog; d != nil {
			return &Response{Speech: l.msg("filler.wait") + " " + d.Question, Reprompt: d.Question, Choices: dialogChoices(l, d)}, nil
		}
		return &Response{Speech: l.msg("filler.wait") + " " + l.reprompt(), Reprompt: l.reprompt()}, nil
	}
	if pardon(r.Text) {
		r.Intent, r.Slots, r.Confidence = intents.Repeat, intents.Slots{}, 1 // "wie bitte?", "sorry, how much?"
	}
	if dn := r.st.Done; r.Intent == intents.Repeat && r.Text != "" && dn != nil && r.st.Dialog == nil && doAgain(r.Text) {
		// "do it again" right after "Done. I sent $20.00": a new
		// payment, asked for, never the old answer replayed as if it
		// were one.
		if sub := s.previous(r); sub != nil && (sub.Intent == intents.TransferMoney || sub.Intent == intents.PayBill) {
			r.Intent, r.Slots, r.Confidence = sub.Intent, cloneSlots(sub.Slots), 1
			if name, from := againFor(" " + intents.Normalize(r.Text) + " "); name != "" && sub.Intent == intents.TransferMoney {
				r.Slots[intents.SlotPayee] = name // "das gleiche nochmal für Anna Schulz": to her this time
				delete(r.Slots, intents.SlotToAccount)
				if from != "" {
					delete(r.Slots, intents.SlotFromAccount)
					if k := intents.ParseAccount(from); k != "" {
						r.Slots[intents.SlotFromAccount] = k // "… vom Sparkonto"
					}
				}
				r.turn.inContext = true
			}
		} else {
			r.Intent, r.Slots, r.Confidence = intents.Fallback, intents.Slots{}, 0
		}
	}
	if r.Text != "" && (r.Intent == intents.Stop && containsAny(" "+intents.Normalize(r.Text)+" ", dropWords...) ||
		(r.Intent == intents.Fallback || s.unsure(r) || len(strings.Fields(r.Text)) > 6) && dropSaid(" "+intents.Normalize(r.Text)+" ")) &&
		!containsAny(" "+intents.Normalize(r.Text)+" ", " stop", " quit", " exit", " bye", " tschüss", " beenden", " schluss", " aufhören", " hör auf") {
		// "ok dann lass es", "never mind": what was under way is dropped;
		// the session goes on (also when the recognizer doubts it or
		// reads nothing: at a PIN prompt the words must never leave the
		// payment waiting for the PIN)
		r.Intent, r.Confidence = intents.Cancel, 1
	}
	if r.st.Dialog == nil && r.Text != "" && r.Intent != intents.Stop && onlyClosing(r.Text) {
		r.Intent, r.Slots, r.Confidence = intents.Stop, intents.Slots{}, 1 // "passt, pfiat di": goodbye, not a shop called that
	}
	resp, err := s.converse(ctx, r, kind)
	if err == nil && resp != nil && closing(r) && !resp.EndSession && r.st.Dialog == nil {
		// "no, that's everything": the answer, then goodbye.
		resp.Speech = l.withoutAnythingElse(resp.Speech) + " " + l.msg("goodbye")
		resp.EndSession, resp.Reprompt, resp.Choices = true, "", nil
	}
	return resp, err
}

// converse answers a turn in the light of a pending dialog or suggestion
// (see converse.go), then dispatches it.
func (s *Skill) converse(ctx context.Context, r *Request, kind social) (*Response, error) {
	l := langOf(r.Locale)
	if r.st.Suggest != nil {
		if resp, handled := s.takeSuggestion(r); handled {
			return resp, nil
		}
	}
	note := ""
	if r.st.Dialog != nil || r.st.Done != nil || r.st.Awaiting != "" {
		if err := s.authenticate(ctx, r); err != nil {
			r.st.Dialog = nil
			return nil, err
		}
		if d := r.st.Dialog; d != nil && d.Action == actReviewAlert && r.st.Parked != nil && !answersSoft(r) &&
			!alertLater[strings.Join(strings.Fields(intents.Normalize(r.Text)), " ")] && !asksAboutAlert(r.Text, d.Slots.String("merchant")) {
			// The answer to the task the session began with ("anna
			// schulz", "from checking"), not to the alert raised before
			// it: the task goes on; the alert can be answered later. A PIN
			// answers neither: the payment's read-back was never heard.
			if r.Intent == intents.ProvidePin || r.Text != "" && (intents.ParsePin(intents.Normalize(r.Text)) != "" || yesNoOf(r.Text) != "") {
				// (and "no, to carol johnson": a no to the alert or to the
				// payment? The alert's question again.)
				return &Response{Speech: l.msg("dialog.yes_or_no") + " " + d.Question, Reprompt: d.Question, Choices: yesNo(l)}, nil
			}
			r.st.Dialog, r.st.Parked = r.st.Parked, nil
		}
		if d := r.st.Dialog; d != nil {
			if d.Soft && closing(r) && yesNoOf(r.Text) == "" {
				r.st.Dialog = nil // "ok thanks bye" at Konto's own question: goodbye
				return s.dispatch(ctx, r, kind, "")
			}
			if !d.Soft && closing(r) && answerOf(r.Text, d) != intents.Yes && intents.ParsePin(intents.Normalize(r.Text)) == "" {
				// "thanks bye" while a payment waits: it is not made, and the
				// person hears so before goodbye.
				r.st.Dialog = nil
				return &Response{Speech: l.msg("dialog.cancelled") + " " + l.msg("goodbye"), EndSession: true}, nil
			}
			if kind != notSocial {
				return s.socially(r, kind), nil
			}
			if d.Action == actReviewAlert && r.Text != "" && alertLater[strings.Join(strings.Fields(intents.Normalize(r.Text)), " ")] {
				r.st.Dialog = nil // "maybe later" is no "not me": nothing is locked
				return anythingElse(l, l.msg("alert.later")), nil
			}
			if d.Action == actReviewAlert && answerOf(r.Text, d) == "" && asksWhichCard(r.Text) {
				// "which card was that on?", "mit welcher Karte war das?"
				if c, ok := s.alertCard(ctx, r, d.Slots.String("alert")); ok {
					return &Response{Speech: l.msg("alert.card", l.cardName(c)) + " " + d.Question, Reprompt: d.Question, Choices: yesNo(l)}, nil
				}
			}
			if d.Action == actReviewAlert && answerOf(r.Text, d) == "" && asksAboutAlert(r.Text, d.Slots.String("merchant")) {
				// "what charge?", "the electro what?": the question again.
				return &Response{Speech: d.Question, Reprompt: d.Question, Choices: yesNo(l)}, nil
			}
			if (d.Action == intents.TransferMoney || d.Action == intents.PayBill) && othersSource(r) {
				return s.othersSourceRefusal(r), nil // "take it from my wife's account": never, and the question again
			}
			if resp, err, ok := s.answerThenAsk(ctx, r, d); ok {
				return resp, err
			}
			if d.Soft && leavesSoft(r, d) {
				r.st.Dialog = nil // "ok never mind, unlock the debit one again": a task of its own
				return s.dispatch(ctx, r, kind, "")
			}
			if d.Soft && !answersSoft(r) {
				r.st.Dialog = nil // Konto's own question, not answered: dropped
				return s.dispatch(ctx, r, kind, "")
			}
			if resp, err, ok := s.alertAside(ctx, r, d); ok {
				return resp, err // "yeah that was me" about the alert raised before this dialog
			}
			if resp := s.defineAside(ctx, r, d); resp != nil {
				return resp, nil // "what does pending mean" while it waits (glossary.go)
			}
			if resp, err := s.cardStateAside(ctx, r, d); resp != nil || err != nil {
				return resp, err // "is the credit card locked too?" at "which card?": asked, not chosen
			}
			resp, err := s.continueDialog(ctx, r)
			if resp != nil && r.st.Dialog == nil {
				slots := d.Slots
				if r.turn.items != "" {
					slots = cloneSlots(d.Slots) // "how much was it" after a payment: that payment
					slots[slotItems], slots[slotItem] = r.turn.items, "0"
				}
				s.remember(r, d.Action, slots) // "unlock it again" after the lock
			}
			if resp != nil || err != nil {
				return resp, err
			}
			if d.Soft {
				r.st.Dialog = nil // Konto's own question, not answered: dropped
			} else if resp, err, ok := s.aside(ctx, r); ok {
				return resp, err
			} else if resp, err, ok := s.asideFollowUp(ctx, r); ok {
				return resp, err // "and at kroger" after a side question on whole foods
			} else if resp := s.faqAside(ctx, r, d); resp != nil {
				return resp, nil
			} else if d.Action == actPrivacyerase && r.Intent == intents.PrivacyCenter {
				// "delete my data" again at "shall I delete it?": a clear yes is needed
				return &Response{Speech: l.msg("dialog.yes_or_no") + " " + d.Question, Reprompt: d.Question, Choices: yesNo(l)}, nil
			} else if !s.newTask(r) {
				if d.Stage == stageConfirm {
					return &Response{Speech: l.msg("dialog.yes_or_no") + " " + d.Question, Reprompt: d.Question, Choices: yesNo(l)}, nil
				}
				return &Response{Speech: l.msg("dialog.not_understood") + " " + d.Question, Reprompt: d.Question, Choices: dialogChoices(l, d)}, nil
			} else {
				r.st.Dialog = nil // a new task: the old one is dropped, and the user hears so
				note = dropped(l, d)
				if in, ok := intents.Lookup(r.Intent); ok && in.HasSlot(intents.SlotCard) && r.Slots[intents.SlotCard] == nil && d.Slots[intents.SlotCard] != nil {
					r.Slots[intents.SlotCard] = d.Slots[intents.SlotCard] // "sperr sie" at the lost card's read-back: that card
				}
			}
		}
		if resp := s.replayOfDone(r); resp != nil {
			return resp, nil
		}
	}
	return s.dispatch(ctx, r, kind, note)
}

// dispatch answers a turn that no pending dialog took.
func (s *Skill) dispatch(ctx context.Context, r *Request, kind social, note string) (*Response, error) {
	resp, err := s.dispatchTurn(ctx, r, kind, note)
	if err != nil || resp == nil {
		return resp, err
	}
	return s.withOpenAlert(ctx, r, resp), nil
}

// dispatchTurn answers the turn; dispatch adds the open alert.
func (s *Skill) dispatchTurn(ctx context.Context, r *Request, kind social, note string) (*Response, error) {
	l := langOf(r.Locale)
	switch kind {
	case thanks:
		return s.socially(r, kind), nil
	case greeting, smalltalk:
		r.Intent, r.Slots, r.Confidence, r.turn.greeted = intents.Launch, intents.Slots{}, 1, true
	}
	if resp := s.define(ctx, r); resp != nil {
		return resp, nil // what a banking word means, whatever the word reads as (glossary.go)
	}
	if r.st.Dialog == nil && (r.Intent == intents.TransferMoney || r.Intent == intents.PayBill || movesWords(r.Text)) && othersSource(r) {
		return s.othersSourceRefusal(r), nil // "move 500 from my husband's checking into mine": only the user's own money moves
	}
	if r.st.Dialog == nil {
		if resp, err, ok := s.alertTurn(ctx, r); ok {
			return resp, err // "that wasn't me" after a side question
		}
		if t := spaced(r.Text); containsAny(t, walletWords...) &&
			!actionWords(strings.TrimSpace(t)) && r.Slots[intents.SlotAmount] == nil && r.Slots[intents.SlotPayee] == nil {
			// "geht meine Girocard auch mit Apple Pay": the bank's answer
			// on phone wallets, not the card's lock state
			if resp := s.faq.entry(ctx, r, "mobile_wallet"); resp != nil {
				s.rememberFAQ(r)
				return resp, nil
			}
		}
		plainReading(r)
		s.countFollowUp(r)
		if resp, err := s.cardQuestion(ctx, r); resp != nil || err != nil {
			return resp, err
		}
		if resp, err := s.loanQuestion(ctx, r); resp != nil || err != nil {
			return resp, err // "when's my next car loan payment"
		}
		if resp, err := s.sentToPayee(ctx, r); resp != nil || err != nil {
			return resp, err // "how much did i send to tom last month"
		}
		if resp, err := s.cardNumber(ctx, r); resp != nil || err != nil {
			return resp, err // "read me my full card number": never; the last four digits
		}
		s.deniesCharge(r)
		s.sincePayday(ctx, r)
		if resp := s.partOfLast(ctx, r); resp != nil {
			return resp, nil // "just the year please": that part of the last answer
		}
		if containsAny(" "+intents.Normalize(r.Text)+" ", deathWords...) && r.Text != "" && !actionWords(intents.Normalize(r.Text)) {
			// "my dad's just died and I've no idea what to do about his
			// account": the bank's bereavement answer (sorry, and who helps)
			if resp := s.faq.entry(ctx, r, "bereavement"); resp != nil {
				s.rememberFAQ(r)
				return resp, nil
			}
		}
		if name, ok := s.othersMoney(ctx, r); ok {
			return s.othersRefusal(r, name), nil // "what's my husband tom's balance": never the user's own as his
		}
		if t := spaced(r.Text); (r.Intent == intents.TransferMoney || r.Intent == intents.PayBill || r.Intent == intents.Fallback) && whyFailed(t) {
			// "i wanted to put some of it into my current account but it
			// kept failing, why is that": the account's state, no payment
			slots := intents.Slots{}
			if k := intents.ParseAccount(t); k != "" {
				slots[intents.SlotAccount] = k // (accountBlocked tells the source from where it was to go)
			}
			r.Intent, r.Slots, r.Confidence, r.turn.inContext = intents.AccountBlocked, slots, 1, true
		}
		s.whyRefused(ctx, r)        // "why's that then" after a payment refused for a frozen account
		s.merchantsNamed(ctx, r)    // "starbucks or amazon, where did I spend more"
		s.pageFollowUp(r)           // "and the ones before that", "any older ones?"
		s.billQuestionNamed(ctx, r) // "how much is the state farm one" after the T-Mobile bill: the bill named, not the last one
		s.followUp(r)
	}
	if resp := s.faqFollowUp(ctx, r); resp != nil {
		return resp, nil // "and abroad?" after the cash machine limit
	}
	if resp := s.itemFollowUp(r); resp != nil {
		return resp, nil // "how much was the amazon one", "and the one before that"
	}
	if resp, err, ok := s.twoQuestions(ctx, r, kind); ok {
		return resp, err // "how many points do I have and what's my credit score"
	}
	if _, act := s.actions[r.Intent]; act && r.Text != "" && negatesAction(" "+intents.Normalize(r.Text)+" ") {
		return anythingElse(l, l.msg("ack.reply")), nil // "don't pay spectrum": nothing is started
	}
	if (r.Intent == intents.TransferMoney || r.Intent == intents.PayBill) && r.st.Dialog == nil && repeats(" "+intents.Normalize(r.Text)+" ") {
		// "send tom 50 every friday", "Dauerauftrag an Max": a payment that
		// repeats is not made once instead; how to set it up, from the
		// bank's sheet.
		return s.refuseRepeating(ctx, r, r.Slots[intents.SlotAmount] != nil || r.Slots[intents.SlotPayee] != nil), nil
	}
	if r.st.Dialog == nil && r.Text != "" && (r.Intent == intents.ReportFraud && len(r.Slots) == 0 && !s.namesOtherCharge(ctx, r) ||
		noticeAsked(r) && r.Intent != intents.ReviewAlerts) {
		// "ich hab eine SMS von euch bekommen wegen einer Abbuchung",
		// "someone used my card": the open alert, if there is one, is
		// what this is about; its answer locks the card when it was not
		// the user.
		if ar, _ := s.openAlert(ctx, r, ""); ar != nil {
			ar.Speech = strings.TrimSpace(ar.Speech)
			return ar, nil
		}
		if noticeAsked(r) && s.allowed(ctx, r, "alerts") {
			// "i got a text about a charge on my card" with no alert
			// open: what the alerts say, never a fraud report begun on a
			// question.
			r.Intent, r.Slots, r.Confidence, r.turn.inContext = intents.ReviewAlerts, intents.Slots{}, 1, true
		}
	}
	if r.st.Dialog == nil && r.Text != "" && (r.Intent == intents.ProvidePin || pinSaidAlong(intents.Normalize(r.Text))) {
		// "meine PIN ist 1 2 3 4, zahl bitte Vattenfall vom Girokonto",
		// "pay the water bill from checking, my pin is 1 2 3 4": the
		// request is taken (read back, and the PIN asked for then); a PIN
		// said before anything asks for it is never used, nor read as an
		// amount.
		words := strings.Fields(withoutPIN(intents.Normalize(r.Text)))
		for len(words) > 0 && (pinWords[words[0]] || fillers[words[0]]) {
			words = words[1:] // "meine pin ist …"
		}
		for len(words) > 0 && (pinWords[words[len(words)-1]] || fillers[words[len(words)-1]]) {
			words = words[:len(words)-1] // "…, my pin is"
		}
		if rest := strings.Join(words, " "); len(words) >= 3 && !containsAny(" "+rest+" ", " pin ", " change", " ändern", " vergessen", " forgot") {
			if res, err := s.cfg.Recognizer.Parse(intents.WithHints(ctx, intents.Hints{OfflineOnly: true}), rest, r.Locale, r.Now); err == nil &&
				res.Intent != intents.Fallback && res.Intent != intents.ProvidePin && res.Confidence >= readMin {
				r.Text, r.Intent, r.Slots, r.Confidence = rest, res.Intent, res.Slots, res.Confidence
				note = strings.TrimSpace(note + " " + l.msg("pin.early"))
			}
		}
	}
	s.rambling(ctx, r)
	if r.Text != "" && r.st.Dialog == nil && deliveryAsked(" "+intents.Normalize(r.Text)+" ") {
		// "if I ever needed a new card, how many days would it take":
		// how long, and no card is ordered or asked for
		return anythingElse(l, l.msg("card.delivery", strconv.Itoa(s.sheet(r).CardDeliveryDays))), nil
	}
	if prev := s.textPrevious(r); prev != nil && prev.Intent == intents.Fees && r.st.Dialog == nil && r.Intent != intents.Fees &&
		(r.Intent == intents.Fallback || s.unsure(r) || r.Confidence < faqUnsure) && len(strings.Fields(r.Text)) <= 14 &&
		containsAny(" "+intents.Normalize(r.Text)+" ", feeWords["atm_abroad"]...) && !actionWords(intents.Normalize(r.Text)) {
		// "and what about the cash i took out of a machine over there"
		// after the fee on card payments abroad: the cash machine's fee
		r.Intent, r.Slots, r.Confidence = intents.Fees, intents.Slots{}, 1
	}
	if prev := s.textPrevious(r); prev != nil && r.st.Dialog == nil && (prev.Intent == intents.TransferMoney || prev.Intent == intents.PayBill) &&
		prev.Slots[intents.SlotPayee] != nil && r.Slots[intents.SlotPayee] == nil && r.Slots[intents.SlotAmount] == nil && len(strings.Fields(r.Text)) <= 14 &&
		insists(" "+intents.Normalize(r.Text)+" ") {
		// "can you not just make an exception this once" after a payment
		// to an account said aloud was refused: no, and why
		return anythingElse(l, l.msg("transfer.insist")), nil
	}
	if t := spaced(r.Text); r.Text != "" && r.st.Dialog == nil && (r.Intent == intents.Fallback && r.Confidence < 0.8 || s.unsure(r)) &&
		len(strings.Fields(t)) <= 8 && asksForBills(r) && !actionWords(strings.TrimSpace(t)) &&
		containsAny(t, " what ", " whats ", " which ", " any ", " show ", " list ", " do i have", " have i got", " welche ", " was ", " zeig ", " habe ich", " hab ich") {
		// "what are my bills", "welche rechnungen hab ich": the bills
		// coming up, by due date (read as nothing, or unsure)
		r.Intent, r.Slots, r.Confidence = intents.BillDueDate, intents.Slots{}, 1
	}
	if r.Text != "" && r.st.Dialog == nil && r.Intent == intents.Fallback && len(strings.Fields(r.Text)) <= 10 && privacyAsked(" "+intents.Normalize(r.Text)+" ") &&
		!containsAny(" "+intents.Normalize(r.Text)+" ", " change", " update", " ändern", " aktualisier", " address", " adresse", " name ", " namen") {
		// "wer kann meine daten sehen": what Konto keeps and who sees it
		r.Intent, r.Slots, r.Confidence = intents.PrivacyCenter, intents.Slots{}, 1
	}
	if t := spaced(r.Text); r.Text != "" && r.st.Dialog == nil && (r.Intent == intents.Fallback && r.Confidence < 0.8 || s.unsure(r)) && len(strings.Fields(t)) <= 12 &&
		containsAny(t, " spend the most", " spent the most", " spending the most", " most money on", " where does my money go", " where did my money go", " where does all my money go",
			" am meisten ausgegeben", " am meisten aus", " wofür gebe ich", " wo geht mein geld hin", " wo bleibt mein geld") && !actionWords(strings.TrimSpace(t)) {
		// "where do I spend the most": the spending by category (read as
		// nothing)
		slots := intents.Slots{}
		intents.FillSlots(intents.SpendingSummary, strings.TrimSpace(t), r.Locale, r.Now, slots)
		r.Intent, r.Slots, r.Confidence, r.turn.inContext = intents.SpendingSummary, slots, 1, true
	}
	if t := spaced(r.Text); r.Text != "" && r.st.Dialog == nil && (r.Intent == intents.Fallback && r.Confidence < 0.8 || s.unsure(r)) && len(strings.Fields(t)) <= 10 &&
		rateWordsAsk(t) && !containsAny(t, " mortgage", " loan", " kredit") {
		// "cheers. whit interest does it pay" after the ISA's balance: that
		// account's rate (it read nothing, then the sheet's "when is
		// interest paid")
		slots := intents.Slots{}
		if k := intents.ParseAccount(t); k != "" {
			slots[intents.SlotAccount] = k
		} else if prev := s.textPrevious(r); prev != nil && prev.Slots.String(intents.SlotAccount) != "" {
			slots[intents.SlotAccount] = prev.Slots[intents.SlotAccount]
		}
		r.Intent, r.Slots, r.Confidence, r.turn.inContext = intents.InterestRate, slots, 1, true
	}
	if t := spaced(r.Text); r.Text != "" && r.st.Dialog == nil && (r.Intent == intents.PayBill || r.Intent == intents.BillBalance || r.Intent == intents.Fallback) &&
		billPaidAsked(t) {
		// "hab ich die stromrechnung schon bezahlt?", "have i paid my
		// phone bill yet": the bill and whether it is paid, no payment
		slots := intents.Slots{}
		if b := r.Slots[intents.SlotBiller]; b != nil {
			slots[intents.SlotBiller] = b
		}
		r.Intent, r.Slots, r.Confidence, r.turn.inContext = intents.BillDueDate, slots, 1, true
	}
	if t := spaced(r.Text); r.Text != "" && r.Intent == intents.IncomeSummary &&
		containsAny(t, " did i pay", " have i paid", " did i spend", " i paid", " habe ich bezahlt", " hab ich bezahlt", " habe ich gezahlt", " hab ich gezahlt") &&
		!containsAny(t, " paid me", " got paid", " was i paid", " get paid", " been paid", " pay me", " mir gezahlt", " bekommen") {
		// "how much did i pay in rent this month": what went out, not
		// what came in
		slots := intents.Slots{}
		intents.FillSlots(intents.SpendingSummary, strings.TrimSpace(t), r.Locale, r.Now, slots)
		if slots[intents.SlotCategory] != nil || slots[intents.SlotMerchant] != nil {
			// (not "how much did i pay tom last month": a payee, which
			// sentToPayee answers, is no category)
			r.Intent, r.Slots, r.Confidence, r.turn.inContext = intents.SpendingSummary, slots, 1, true // (not the sheet's "schedule a payment every month")
		}
	}
	if t := spaced(r.Text); r.Text != "" && r.st.Dialog == nil && len(strings.Fields(t)) <= 20 &&
		(containsAny(t, whoToCall...) || containsAny(t, " who should i ring", " what number do i", " who do i phone")) &&
		containsAny(t, " open", " hours", " saturday", " sunday", " weekend", " today", " geöffnet", " offen", " erreichbar", " samstag", " sonntag", " wochenende", " heute") {
		// "who do I ring about that, and are they open on a Saturday":
		// the support line and its hours
		if resp := s.faq.entry(ctx, r, "support_hours"); resp != nil {
			s.rememberFAQ(r)
			return resp, nil
		}
	}
	if r.Text != "" && r.st.Dialog == nil && (r.Intent == intents.TransferMoney || r.Intent == intents.Fallback) && r.Slots[intents.SlotAmount] == nil &&
		transferTimeAsked(" "+intents.Normalize(r.Text)+" ") {
		// "wie lange dauert eigentlich eine Überweisung an Sophie": how
		// long a transfer takes, from the sheet; no transfer is begun
		if resp := s.faq.entry(ctx, r, "transfer_time"); resp != nil {
			s.rememberFAQ(r)
			return resp, nil
		}
	}
	if r.Text != "" && r.st.Dialog == nil && (r.Intent == intents.GetBalance || r.Intent == intents.TransferMoney || r.Intent == intents.Fallback) &&
		r.Slots[intents.SlotAmount] == nil && r.Slots[intents.SlotPayee] == nil && limitAsked(" "+intents.Normalize(r.Text)+" ") {
		// "how much can I send in one go by voice": the limit, not the
		// balances (nor a transfer to begin)
		if resp := s.faq.entry(ctx, r, "transfer_limits"); resp != nil {
			s.rememberFAQ(r)
			return resp, nil
		}
	}
	if t := spaced(r.Text); (r.Intent == intents.TransferMoney || r.Intent == intents.PayBill || r.Intent == intents.Fallback || s.unsure(r) ||
		r.Intent == intents.IncomeSummary && containsAny(t, " lend me", " loan me", " borrow", " advance on", " leih mir", " leihst du mir", " vorschuss")) &&
		r.Text != "" && (r.Slots[intents.SlotPayee] == nil || containsAny(" "+r.Slots.String(intents.SlotPayee)+" ", " borrow", " get ", " apply", " loan", " kredit", " can i")) &&
		r.Slots[intents.SlotBiller] == nil && r.Slots[intents.SlotToAccount] == nil {
		// "I need a personal loan of 5000 dollars", "ich bräuchte nen
		// Kredit über 10.000 Euro", "und ne Baufinanzierung?": the bank's
		// answer on borrowing, never a payment to begin
		id := ""
		switch {
		case containsAny(t, " mortgage", " baufinanzierung", " hypothek", " immobilienkredit", " home loan"):
			id = "mortgage"
		case containsAny(t, " personal loan", " a loan", " loan of", " kredit über", " nen kredit", " einen kredit", " ein darlehen", " privatkredit", " ratenkredit", " borrow",
			" lend me", " loan me", " an advance", " leih mir", " leihst du mir", " vorschuss", " dispo erhöhen"):
			id = "personal_loan"
		}
		if id != "" && !containsAny(t, " pay my", " pay the", " pay off", " zahl", " tilg", " balance", " owe", " stand", " how much is left") {
			if resp := s.faq.entry(ctx, r, id); resp != nil {
				s.rememberFAQ(r)
				return resp, nil
			}
		}
		if containsAny(t, " complaint", " complain", " beschwer", " reklamation über") {
			// "I want to file a complaint about your fees": a person takes it
			r.Intent, r.Slots, r.Confidence, r.turn.inContext = intents.TalkToAgent, intents.Slots{}, 1, true
		}
	}
	if t := spaced(r.Text); r.Text != "" && r.Slots[intents.SlotCard] != nil && exceptsCard(t) &&
		(r.Intent == intents.LockCard || r.Intent == intents.UnlockCard || r.Intent == intents.ReportLostCard || r.Intent == intents.ReplaceCard) {
		// "lock my cards except the debit card": the card named is the one
		// to leave alone; which card is asked, never the named one taken.
		delete(r.Slots, intents.SlotCard)
	}
	if _, act := s.actions[r.Intent]; act && r.Text != "" {
		switch declinedOrQuoted(r.Text) {
		case declined:
			// "… lock my debit card, but i don't want to", "… but then I
			// found it": nothing is done.
			return anythingElse(l, l.msg("ack.reply")), nil
		case quoted:
			// "my husband keeps telling me to lock my debit card": what
			// someone else said is asked about, never done at once.
			return s.suggest(r), nil
		}
	}
	if t := spaced(r.Text); r.st.Dialog == nil && r.Text != "" && containsAny(t, " isa ", " isas ") &&
		containsAny(t, " allowance", " how much can i put", " how much can i pay in", " how much can i save", " tax year", " each year", " per year", " a year") &&
		!containsAny(t, " rate", " interest", " earn", " apr", " aer") &&
		(r.Intent == intents.InterestRate || r.Intent == intents.GetBalance || r.Intent == intents.Fallback || r.Intent == intents.TransferMoney) {
		// "how much can I put in an ISA each tax year": the allowance (the
		// bank's ISA answer), not the rate or the balance
		if resp := s.faq.entry(ctx, r, "isa"); resp != nil {
			s.rememberFAQ(r)
			return resp, nil
		}
	}
	if r.st.Dialog == nil && r.Text != "" && (r.Intent == intents.GetBalance && r.Slots[intents.SlotAccount] == nil || r.Intent == intents.Fees) &&
		containsAny(" "+intents.Normalize(r.Text)+" ", " dispo", " overdraft", " overdraw", " überzieh") {
		// "wie hoch ist mein Dispo", "what's my overdraft limit": the bank's
		// answer on the overdraft, not every balance
		if resp := s.faq.entry(ctx, r, "overdraft"); resp != nil {
			s.rememberFAQ(r)
			return resp, nil
		}
	}
	s.payBillerNamed(ctx, r)
	s.payLoanNamed(ctx, r)
	s.billQuestionNamed(ctx, r)
	elided := s.askElidedAmount(r) // "send twelve fifty to Tom": $12.50 or $1,250.00? (an alert may come first)
	if elided == nil && s.unsure(r) {
		if resp := s.faq.take(ctx, r); resp != nil {
			s.rememberFAQ(r)
			return resp, nil // a question the bank's FAQ answers (faq.go)
		}
		if r.Intent == intents.TalkToAgent && r.st.Dialog == nil {
			// "can i get something notarized at one of your branches"
			// (unsure: a person?): a bank question nobody here answers
			// gets the support line and the callback offer, which is
			// what a person would be asked for; nothing is guessed.
			if resp := s.faq.unanswered(ctx, r); resp != nil {
				return resp, nil
			}
		}
		if noticeAsked(r) || r.Intent == intents.ReportFraud || r.Intent == intents.ReviewAlerts {
			// "I got a text from you about some charge" (unsure): the
			// open alert is what was asked about, not a guess to confirm.
			if ar, _ := s.openAlert(ctx, r, ""); ar != nil {
				ar.Speech = strings.TrimSpace(ar.Speech)
				return ar, nil
			}
		}
		if s.firstTurn(r) {
			r.st.AlertDue = true // the alert waits for the first answer
		}
		return s.suggest(r), nil
	}
	resp, err := elided, error(nil)
	if resp == nil {
		resp, err = s.mux.Serve(ctx, r)
	}
	if err != nil || resp == nil {
		return resp, err
	}
	if r.turn.faqID != "" {
		s.rememberFAQ(r)
	} else if r.st.Dialog == nil && r.st.Suggest == nil && r.Intent != intents.Fallback && r.Intent != intents.Help {
		s.remember(r, r.Intent, r.Slots)
	}
	if note != "" {
		resp.Speech = note + " " + resp.Speech
	}
	if r.turn.greeted {
		hello := l.msg("greet.hello")
		if kind == smalltalk {
			hello = l.msg("greet.fine") // "how are you"
		}
		resp.Speech = hello + " " + resp.Speech
	}
	return resp, nil
}

// withOpenAlert raises an open fraud alert after the answer on the first
// turn of any session, whichever way the turn was answered (a follow-up,
// a refusal, the FAQ), or after the answer that follows one that asked
// something itself.
func (s *Skill) withOpenAlert(ctx context.Context, r *Request, resp *Response) *Response {
	l := langOf(r.Locale)
	due := r.st.AlertDue
	r.st.AlertDue = false
	if !s.firstTurn(r) && !due || r.Intent == intents.Launch || r.User.Customer == "" || resp.LinkAccount ||
		r.st.Dialog != nil && r.st.Dialog.Action == actReviewAlert {
		return resp // (the answer is the alert's question)
	}
	if r.turn.next != nil || r.turn.splitFirst || r.st.Dialog != nil && r.st.Dialog.Action != intents.TransferMoney && r.st.Dialog.Action != intents.PayBill {
		r.st.AlertDue = true // the answer asks something itself: the alert after the next answer
		return resp
	}
	if task := r.st.Dialog; task == nil {
		// An open fraud alert is raised on the first turn of any session,
		// after the answer the person asked for.
		if ar, _ := s.openAlert(ctx, r, l.msg("alert.also")); ar != nil {
			ar.Speech = l.withoutAnythingElse(resp.Speech) + " " + ar.Speech
			ar.Card = resp.Card
			return ar
		}
	} else if (task.Action == intents.TransferMoney || task.Action == intents.PayBill) && task.Stage != stagePIN {
		// A payment begun on the first turn ("send Bob twenty dollars")
		// waits while the alert is asked about, and resumes after its
		// answer. (Protective tasks, a card lock, go first.)
		r.st.Dialog = nil
		if ar, _ := s.openAlert(ctx, r, l.msg("alert.first")); ar != nil {
			r.st.Parked = task
			return ar
		}
		r.st.Dialog = task
	}
	return resp
}

// rambling reads a long turn the recognizer is unsure of by its parts
// ("Ja, guten Tag, also ich bin das nicht so gewohnt …, und ich wollte
// nur mal wissen, wie viel Geld auf meinem Girokonto ist"; "Good
// morning. I was hoping you could help me … I would like to pay the full
// amount from my Premier Checking account"): the sentence or clause read
// with the most confidence gives the intent, the whole turn its slots.
// A read-back or a question still follows anything that acts.
func (s *Skill) rambling(ctx context.Context, r *Request) {
	if r.Text == "" || r.st.Dialog != nil || r.turn.inContext || len(strings.Fields(r.Text)) < 14 || !(r.Intent == intents.Fallback || s.unsure(r) || r.Confidence < actMin) {
		return
	}
	hint := intents.WithHints(ctx, intents.Hints{OfflineOnly: true})
	best, bestScore := intents.Result{Intent: intents.Fallback}, 0.0
	for _, part := range clauses(r.Text) {
		if len(strings.Fields(part)) < 3 {
			continue
		}
		res, err := s.cfg.Recognizer.Parse(hint, part, r.Locale, r.Now)
		if err != nil || res.Intent == intents.Fallback || res.Intent == intents.Yes || res.Intent == intents.No || res.Intent == intents.Stop ||
			res.Intent == intents.Cancel || res.Intent == intents.ProvidePin || res.Intent == intents.Help || res.Intent == intents.Repeat {
			continue
		}
		if res.Confidence < actMin {
			continue
		}
		// The request in a long turn is the part that asks: "and I would
		// like to pay …", "ich wollte nur mal wissen, …".
		score := res.Confidence
		if containsAny(" "+intents.Normalize(part)+" ", requestWords...) {
			score++
		}
		if score > bestScore {
			best, bestScore = res, score
		}
	}
	if best.Intent == intents.Fallback || best.Confidence <= r.Confidence && r.Intent != intents.Fallback {
		return
	}
	if _, act := s.actions[best.Intent]; act && s.sensitive(best.Intent) && toldOrAsked(" "+intents.Normalize(r.Text)+" ") {
		// "I tried to move some of it to my current account yesterday and
		// it wouldn't let me. Why is that?": a story and a why, not a
		// transfer to begin
		return
	}
	slots := intents.Slots{}
	intents.FillSlots(best.Intent, intents.Normalize(r.Text), r.Locale, r.Now, slots)
	for k, v := range best.Slots {
		if slots[k] == nil {
			slots[k] = v
		}
	}
	r.Intent, r.Slots, r.Confidence = best.Intent, slots, best.Confidence
}

// requestWords mark the part of a long turn that asks for something.
var requestWords = []string{" i would like", " id like", " i want", " i need", " can you", " could you", " would you", " please ", " i wanted",
	" ich möchte", " ich moechte", " ich will", " ich wollte", " ich brauche", " kannst du", " können sie", " könnten sie", " würden sie", " bitte "}

// clauses are a turn's sentences and comma-separated parts, and each
// sentence's tail from a comma on, longest first.
func clauses(text string) []string {
	var out []string
	for _, sentence := range strings.FieldsFunc(text, func(c rune) bool { return c == '.' || c == '!' || c == '?' || c == ';' }) {
		sentence = strings.TrimSpace(sentence)
		if sentence == "" {
			continue
		}
		out = append(out, sentence)
		parts := strings.Split(sentence, ",")
		for i := 1; i < len(parts); i++ {
			out = append(out, strings.TrimSpace(strings.Join(parts[i:], ",")))
		}
		for _, p := range parts {
			out = append(out, strings.TrimSpace(p))
		}
	}
	return out
}

type reported int

const (
	selfSaid reported = iota
	declined          // the turn names an action and then refuses it
	quoted            // the turn reports what someone else said to do
)

// pinSaidAlong: the words say a PIN with something else ("…, my pin is
// 1 2 3 4", "…, meine PIN ist 1234").
func pinSaidAlong(norm string) bool {
	t := " " + norm + " "
	for _, p := range []string{" my pin is ", " my pin's ", " pin is ", " the pin is ", " meine pin ist ", " die pin ist ", " pin lautet ", " meine pin lautet ", " mit der pin ", " with pin ", " pin number is "} {
		if i := strings.Index(t, p); i >= 0 && intents.ParsePin(t[i+len(p):]) != "" {
			return true
		}
	}
	return false
}

// notNegating drops the "don't" that refuses nothing ("lock my credit
// card, i don't know where it is").
var notNegating = strings.NewReplacer(" dont know where", " ", " do not know where", " ", " dont know what happened", " ", " dont see it", " ",
	" dont have it", " ", " dont want anyone", " ", " dont want someone", " ", " dont want it used", " ")

// declinedOrQuoted: whether a turn that names an action refuses it
// after a "but" ("…, but i don't want to", "…, aber ich möchte heute gar
// nichts machen", "…, but then I found it") or reports someone else's
// words ("my husband keeps telling me to …", "mein Mann sagt immer …").
func declinedOrQuoted(text string) reported {
	t := " " + intents.Normalize(text) + " "
	for _, but := range []string{" but ", " aber ", " though ", " allerdings "} {
		i := strings.Index(t, but)
		if i < 0 {
			continue
		}
		after := t[i:]
		if containsAny(after, " dont want", " do not want", " not going to", " wont ", " will not", " found it", " no need", " not necessary", " overreact",
			" nicht nötig", " gefunden", " nichts machen", " nichts tun", " will ich nicht", " möchte ich nicht", " möchte heute", " gar nicht", " nicht machen",
			" nicht tun", " lieber nicht", " doch nicht", " übertrieben", " never mind", " forget it", " not today", " heute nicht") {
			return declined
		}
	}
	if i := firstIndex(t, " lock", " sperr", " block", " send", " pay ", " transfer", " überweis", " schick", " zahl", " freeze"); i >= 0 &&
		containsAny(notNegating.Replace(t[i:]), " maybe not", " probably not", " let me check", " let me think", " not sure", " no i ", " no dont", " eher nicht", " vielleicht nicht", " forget it", " never mind", " nevermind", " on second thought", " lass mal", " lass es", " doch nicht", " ach nee", " ach nein",
			" found it", " gefunden", " gave it back", " got it back", " handed it back", " zurückgegeben", " wiederbekommen", " dont ", " do not ", " nah ", " wait no", " no wait no", " just kidding", " kidding", " joking", " jk ", " lol ",
			" bloß nicht", " bloss nicht", " ja nicht", " lieber nicht", " nein lieber", " nein doch", " nur spaß", " nur spass", " war nur", " quatsch", " nicht nötig", " scherz") {
		return declined // "lock my debit card... actually no, forget it", "sperr die Kreditkarte, ne doch nicht" (not "found it, unlock it")
	}
	if containsAny(t, " never want to", " never wanna", " remind me to", " remind me ", " erinner mich", " erinnere mich", " will nie ", " möchte nie ") {
		return declined // "i never want to lock my debit card", "remind me to lock my debit card"
	}
	if strings.Contains(text, "?") && containsAny(t, " maybe ", " perhaps ", " vielleicht ") ||
		containsAny(t, " what happens if", " what happens when", " what if ", " how do i ", " how can i ", " how would i ", " is it possible to", " can you explain",
			" did i ", " have i ", " was passiert wenn", " was passiert, wenn", " wie kann ich ", " wie geht das", " kann man ", " hab ich ", " habe ich ",
			" ist es möglich", " geht es dass") {
		return quoted // "what happens if i lock my debit card", "did i lock my debit card", "kann man die girokarte sperren": asked about, not asked for
	}
	if tag := strings.TrimSuffix(t, " would you "); tag != t && !strings.Contains(tag, " would you ") {
		t = tag + " " // "lock that one for now, would you?": a request with a tag question
	}
	if containsAny(t, " should i ", " soll ich ", " do i need to ", " muss ich ", " would you ", " said lock", " said ", " says ", " meint ", " sagt ") &&
		!containsAny(t, " please", " bitte") && !(containsAny(t, " what do i ", " was muss ich ", " was soll ich ", " what should i ") &&
		containsAny(t, " lost my ", " ive lost ", " i lost ", " verloren", " gestohlen", " geklaut", " stolen", " weg ")) {
		// (not "ich habe meine Bankkarte verloren, was muss ich machen":
		// the loss is the person's own, the question what to do)
		return quoted // "should i lock my debit card", "my wife said lock the debit card"
	}
	if containsAny(t, " told me", " tells me", " telling me", " keeps saying", " says i should", " said i should", " wants me to", " asked me to",
		" sagt immer", " sagt ich soll", " meint ich soll", " hat gesagt", " hat mir gesagt", " sagte mir", " will dass ich", " i was going to ask", " ich wollte eigentlich") {
		if i := firstIndex(t, " told me", " tells me", " telling me", " keeps saying", " says i should", " said i should", " wants me to", " asked me to",
			" sagt immer", " sagt ich soll", " meint ich soll", " hat gesagt", " hat mir gesagt", " sagte mir", " will dass ich"); i >= 0 &&
			requestAfter(t[i:]) {
			return selfSaid // "my buddy told me I should pay extra on my car loan, so could you move 100 bucks…": the request is the user's own
		}
		return quoted
	}
	return selfSaid
}

// deliveryAsked: the words ask, as a supposition, how long a new card
// takes ("if I did need a new one how long would it take", "wenn ich mal
// eine neue Karte bräuchte, wie lang dauert die Lieferung"), and reports
// no loss ("I lost my debit card, if I need a new one how long does it
// take" is the loss, read back).
func deliveryAsked(t string) bool {
	return containsAny(t, " if i ever", " if i did", " if i needed", " if i need", " if i were to", " say i needed", " if i order", " if i ordered", " if i asked for",
		" wenn ich mal", " wenn ich eine", " falls ich", " sollte ich mal", " angenommen", " wenn ich eine neue bestelle") &&
		containsAny(t, " new card", " new one", " replacement", " neue karte", " neue brauche", " neue bräuchte", " ersatzkarte", " neue girocard", " neue kreditkarte") &&
		containsAny(t, " how long", " how many days", " how quickly", " how fast", " wie lang", " wie viele tage", " wie schnell", " wann wäre", " wann käme") &&
		!containsAny(t, " lost", " stolen", " lock", " block", " freeze", " cancel", " verloren", " gestohlen", " geklaut", " sperr", " weg ")
}

// transferTimeAsked: the words ask how long a transfer takes to arrive
// ("how long does it take to send money to tom", "wie lange dauert eine
// Überweisung an Sophie").
func transferTimeAsked(t string) bool {
	return containsAny(t, " how long does", " how long do", " how long will", " how long would", " how long until", " how long till", " how quickly does", " how fast does",
		" how fast do", " wie lange dauert", " wie lang dauert", " wie lange braucht", " wie lang braucht", " wie schnell ist", " wie schnell kommt", " wann kommt") &&
		containsAny(t, " transfer", " money", " payment", " send", " überweisung", " geld", " zahlung", " ankommt", " get there", " arrive", " to get to", " bei ihm", " bei ihr") &&
		!containsAny(t, " card", " karte", " refund", " erstattung", " dispute", " reklamation")
}

// limitAsked: the words ask how much may be sent ("how much can I send in
// one go", "wie viel kann ich maximal überweisen").
func limitAsked(t string) bool {
	return containsAny(t, " how much can i send", " how much can i transfer", " how much can i move", " how much am i allowed to send", " how much am i allowed to transfer",
		" most i can send", " most i can transfer", " max i can send", " maximum i can send", " wie viel kann ich überweisen", " wie viel kann ich maximal",
		" wie viel darf ich überweisen", " wieviel kann ich überweisen", " wie viel kann ich auf einmal", " überweisungslimit", " transfer limit", " sending limit",
		" payment limit", " limit for payments", " limit on payments", " limit für überweisungen") &&
		!containsAny(t, " card", " karte", " atm", " automat", " abheb", " withdraw", " credit limit", " kreditrahmen")
}

// firstIndex is where the first of subs occurs in s, or -1.
func firstIndex(s string, subs ...string) int {
	best := -1
	for _, x := range subs {
		if i := strings.Index(s, x); i >= 0 && (best < 0 || i < best) {
			best = i
		}
	}
	return best
}

// doAgain: the words ask for the same thing to be done once more ("do
// it again", "send it again", "same again", "nochmal überweisen").
func doAgain(text string) bool {
	t := " " + intents.Normalize(text) + " "
	return containsAny(t, " do it again", " do that again", " send it again", " pay it again", " same again", " send another", " pay another",
		" nochmal überweisen", " noch mal überweisen", " nochmal zahlen", " noch einmal überweisen", " das gleiche nochmal", " nochmal das gleiche", " mach das nochmal", " mach es nochmal")
}

// noticeAsked: an unsure turn speaks of a message from the bank about a
// charge or the card ("I got some sort of notification about my card",
// "ich hab da so eine Nachricht bekommen wegen einer Zahlung").
func noticeAsked(r *Request) bool {
	t := " " + intents.Normalize(r.Text) + " "
	return containsAny(t, " text", " notification", " message", " alert", " email", " e-mail", " nachricht", " sms", " benachrichtigung", " warnung", " meldung", " mitteilung") &&
		containsAny(t, " charge", " purchase", " payment", " card", " transaction", " zahlung", " karte", " abbuchung", " kauf", " umsatz", " buchung", " betrag")
}

// firstTurn: the session's first turn (on a carrying channel, the first
// without a carry from an earlier answer).
func (s *Skill) firstTurn(r *Request) bool {
	switch {
	case r.NewSession:
		return true
	case r.SessionID == "" || r.Channel.Voice:
		return false // a voice platform says when a session is new
	case r.Channel.Carry:
		return r.Carry == ""
	}
	return r.turn.fresh // nothing stored for the session yet
}

func (s *Skill) repeat(ctx context.Context, r *Request) (*Response, error) {
	l := langOf(r.Locale)
	if r.AccessToken != "" && s.authenticate(ctx, r) != nil {
		r.User = banks.User{}
	}
	own := ownerOf(r.User)
	if r.Channel.Carry {
		if last := r.turn.carry.Last; last != nil && (r.turn.carry.Owner == "" || r.turn.carry.Owner == own) {
			c := *last
			return &c, nil
		}
		return &Response{Speech: l.msg("repeat.nothing"), Reprompt: l.reprompt()}, nil
	}
	b, err := s.cfg.Store.Session(ctx, r.Platform, r.SessionID, r.UserID, s.cfg.SessionTTL)
	var st state
	if err == nil && b != nil && json.Unmarshal(b, &st) == nil && st.Last != nil && (st.Owner == "" || st.Owner == own) {
		return st.Last, nil // (another customer's last answer is never said again)
	}
	return &Response{Speech: l.msg("repeat.nothing"), Reprompt: l.reprompt()}, nil
}

// EndSession forgets a user's session's server-side state
// (SessionEndedRequest); another user's session of the same id stays.
func (s *Skill) EndSession(ctx context.Context, platform, sessionID, userID string) error {
	return s.cfg.Store.DeleteSession(ctx, platform, sessionID, userID)
}

// Unlink deletes a platform user's link and data (the user disabled the
// skill, unlinked the account or asked for deletion) and withdraws the
// access: at the bank when it can revoke, otherwise by remembering the
// token so that it never links again. The PIN lockout stays.
func (s *Skill) Unlink(ctx context.Context, platform, userID string) error {
	l, err := s.cfg.Store.Link(ctx, platform, userID)
	switch {
	case banks.KindOf(err) == banks.NotLinked:
		return s.cfg.Store.DeleteUser(ctx, platform, userID, "")
	case err != nil:
		return err
	}
	// The local data goes first: a bank that cannot be reached must not
	// keep it here.
	if err := s.cfg.Store.DeleteUser(ctx, platform, userID, s.Pseudonym(l.Bank, l.Customer)); err != nil {
		return err
	}
	if rv, ok := s.cfg.Auth.(banks.Revoker); ok {
		err := rv.RevokeAccess(ctx, banks.User{Bank: l.Bank, Customer: l.Customer})
		if err == nil {
			return nil
		}
		s.cfg.Log.WarnContext(ctx, "revoking the access at the bank failed; the token is refused here instead",
			"user", UserRef(platform, userID), "err", err)
	}
	return s.cfg.Store.RevokeToken(ctx, l.TokenHash)
}

// Pseudonym is the stable pseudonymous id of a bank customer, kept in
// the audit log after the customer's data is deleted. It is keyed with
// the secret, so that nobody holding the bank's customer ids can
// recompute it.
func (s *Skill) Pseudonym(bank, customer string) string {
	return Pseudonym(s.pseudoKey, bank, customer)
}

// Pseudonym is a customer's audit pseudonym under a secret (the data
// directory's secret.key): the audit log names customers only by it, from
// the first entry on, so that nothing needs rewriting when they delete
// their data and the daily limit still counts what they moved.
func Pseudonym(secret []byte, bank, customer string) string {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte("konto-audit-pseudonym\x00" + bank + "\x00" + customer))
	return "p_" + hex.EncodeToString(m.Sum(nil)[:10])
}

// AuditLog returns a customer's audit entries (for the bank and tests).
// Errors: Unavailable.
func (s *Skill) AuditLog(ctx context.Context, bank, customer string) ([]AuditEntry, error) {
	return s.cfg.Store.AuditLog(ctx, bank, s.Pseudonym(bank, customer))
}

// actor is the audit's pseudonymous reference to a platform user, keyed
// like the pseudonym; it is cleared when the user deletes their data.
func (s *Skill) actor(r *Request) string {
	m := hmac.New(sha256.New, s.pseudoKey)
	m.Write([]byte("konto-audit-actor\x00" + r.Platform + "\x00" + r.UserID))
	return hex.EncodeToString(m.Sum(nil)[:6])
}

// auditFor fills an audit entry's who and when.
func (s *Skill) auditFor(r *Request, a *AuditEntry) {
	a.At, a.Actor, a.Bank, a.Customer, a.Channel = r.Now, s.actor(r), r.User.Bank, s.Pseudonym(r.User.Bank, r.User.Customer), r.Platform
}

// UserRef is a short pseudonymous reference to a platform user for logs.
func UserRef(platform, userID string) string {
	h := sha256.Sum256([]byte(platform + "\x00" + userID))
	return hex.EncodeToString(h[:6])
}

// requireLink resolves the request's access token to a bank user and
// records the link. Without a valid token the handler is not called.
func (s *Skill) requireLink(next Handler) Handler {
	return HandlerFunc(func(ctx context.Context, r *Request) (*Response, error) {
		if err := s.authenticate(ctx, r); err != nil {
			return nil, err
		}
		if scope := s.scopeOf(r.Intent); scope != "" && !s.allowed(ctx, r, scope) {
			// What the link does not allow is refused before anything is
			// read, with how to allow it.
			l := langOf(r.Locale)
			return anythingElse(l, l.msg("scope."+scope, linkWhere(r))), nil
		}
		return next.Serve(ctx, r)
	})
}

// authenticate sets r.User from the access token and keeps the link current.
func (s *Skill) authenticate(ctx context.Context, r *Request) error {
	if r.User.Customer != "" {
		return nil
	}
	var u banks.User
	var err error
	if sa, ok := s.cfg.Auth.(scopedAuth); ok {
		// The user and what the link allows in one look.
		var scopes []string
		u, scopes, err = sa.AuthenticateScoped(ctx, r.AccessToken)
		if err == nil && r.turn != nil {
			r.turn.scopes = &scopes
		}
	} else {
		u, err = s.cfg.Auth.Authenticate(ctx, r.AccessToken)
	}
	if err != nil {
		return err
	}
	h := sha256.Sum256([]byte(r.AccessToken))
	pseudonym := s.Pseudonym(u.Bank, u.Customer)
	old, err := s.linkOf(ctx, r, u, pseudonym)
	if err != nil || old.Customer != u.Customer || !bytesEqual(old.TokenHash, h[:]) || old.Pseudonym != pseudonym {
		if err := s.cfg.Store.SaveLink(ctx, Link{Platform: r.Platform, UserID: r.UserID, Bank: u.Bank,
			Customer: u.Customer, TokenHash: h[:], LinkedAt: r.Now, Pseudonym: pseudonym}); err != nil {
			if banks.KindOf(err) == banks.Forbidden {
				return banks.E("skill.link", banks.NotLinked, err)
			}
			return banks.E("skill.link", banks.Unavailable, err)
		}
	}
	r.User = u
	if own := ownerOf(u); r.st != nil && r.st.Owner != "" && r.st.Owner != own {
		// Another customer than the one this session's dialog, subject
		// and PIN belong to: none of it carries over.
		*r.st = state{}
	}
	if r.turn != nil {
		s.checkPending(ctx, r)
	}
	return nil
}

// ownerOf names a linked customer for state and subjects.
func ownerOf(u banks.User) string {
	if u.Customer == "" {
		return ""
	}
	return u.Bank + "\x00" + u.Customer
}

// linkOf returns the platform user's link: the one loadState read with
// the session, if it did. When that link names u under the same
// pseudonym, it also said whether u has actions pending, and checkPending
// reads them only then.
func (s *Skill) linkOf(ctx context.Context, r *Request, u banks.User, pseudonym string) (Link, error) {
	if r.turn == nil || !r.turn.linkRead {
		return s.cfg.Store.Link(ctx, r.Platform, r.UserID)
	}
	if !r.turn.linked {
		return Link{}, banks.E("skill.link", banks.NotLinked, nil)
	}
	l := r.turn.link
	if l.Bank == u.Bank && l.Customer == u.Customer && l.Pseudonym == pseudonym && !r.turn.pendingAny {
		r.turn.pendingNone = true
	}
	return l, nil
}

// scopedAuth is an authenticator that tells the scopes with the user
// (skill/linking's), saving the core a second look at the grant.
type scopedAuth interface {
	AuthenticateScoped(ctx context.Context, token string) (banks.User, []string, error)
}

func bytesEqual(a, b []byte) bool { return string(a) == string(b) }

// recoverer turns a panic in a handler into an error, so that the user
// hears a sentence and the process keeps serving.
func (s *Skill) recoverer(next Handler) Handler {
	return HandlerFunc(func(ctx context.Context, r *Request) (resp *Response, err error) {
		defer func() {
			if p := recover(); p != nil {
				s.cfg.Log.ErrorContext(ctx, "handler panic", "intent", r.Intent, "panic", fmt.Sprint(p), "stack", string(debug.Stack()))
				resp, err = nil, fmt.Errorf("panic in %s handler", r.Intent)
			}
		}()
		return next.Serve(ctx, r)
	})
}

// timeout answers within cfg.Timeout even if the bank does not: the
// handler's context is cancelled and the user hears that the bank is slow.
// Handlers only write in single database transactions, so an abandoned
// one either committed or left nothing behind.
func (s *Skill) timeout(next Handler) Handler {
	return HandlerFunc(func(ctx context.Context, r *Request) (*Response, error) {
		ctx, cancel := context.WithDeadline(ctx, r.turn.deadline)
		defer cancel()
		type result struct {
			resp *Response
			err  error
		}
		// The handler works on its own copy of the request: if it overruns,
		// it may go on writing to it while this turn is already answered.
		rc := *r
		rc.Slots = maps.Clone(r.Slots)
		rc.st, rc.turn = r.st.clone(), &turn{acting: r.turn.acting, deadline: r.turn.deadline, claim: r.turn.claim, carry: r.turn.carry, fresh: r.turn.fresh,
			link: r.turn.link, linked: r.turn.linked, linkRead: r.turn.linkRead, pendingAny: r.turn.pendingAny,
			// (what authenticating before the handler found: handle may
			// authenticate early, for a session owned by a customer)
			notice: r.turn.notice, checked: r.turn.checked, pendingNone: r.turn.pendingNone, scopes: r.turn.scopes, foreign: r.turn.foreign}
		done := make(chan result, 1)
		turnWorkers.do(func() {
			resp, err := next.Serve(ctx, &rc)
			done <- result{resp, err}
		})
		select {
		case res := <-done:
			*r = rc
			return res.resp, res.err
		case <-ctx.Done():
			return nil, overrun(r.turn.acting)
		}
	})
}

// reprompt is what a user hears when the skill waits for a request.
func (l lang) reprompt() string { return l.msg("reprompt") }

// andReprompt is a sentence followed by the reprompt.
func (l lang) andReprompt(text string) string { return text + " " + l.reprompt() }

// linkWhere is where the user links their bank: the channel's words, or
// a general phrase.
func linkWhere(r *Request) string {
	if r.Channel.LinkHint != "" {
		return r.Channel.LinkHint
	}
	return langOf(r.Locale).msg("link.where")
}

// speakError is the one place where error kinds become sentences.
func (s *Skill) speakError(r *Request, err error) *Response {
	r.noteError(err)
	l := langOf(r.Locale)
	var unsure *uncertainError
	if errors.As(err, &unsure) {
		s.cfg.Log.WarnContext(r.logContext(), "bank did not answer an action in time", "action", unsure.entry.Action, "user", UserRef(r.Platform, r.UserID))
		return &Response{Speech: l.msg("error.uncertain", l.opName(unsure.entry)), EndSession: true}
	}
	kind := banks.KindOf(err)
	switch kind {
	case banks.NotLinked:
		return &Response{Speech: l.msg("error.not_linked", linkWhere(r)),
			LinkAccount: true, EndSession: true}
	case banks.ConsentExpired:
		return &Response{Speech: l.msg("error.consent_expired", linkWhere(r)),
			LinkAccount: true, EndSession: true}
	case banks.Unavailable:
		s.cfg.Log.WarnContext(r.logContext(), "bank unavailable", "intent", r.Intent, "user", UserRef(r.Platform, r.UserID), "err", err)
		return &Response{Speech: l.msg("error.unavailable"), EndSession: true}
	case banks.NotFound:
		return &Response{Speech: l.andReprompt(l.msg("error.not_found")), Reprompt: l.reprompt()}
	case banks.Forbidden:
		return &Response{Speech: l.refusal(banks.ReasonOf(err)), EndSession: true}
	case banks.NotSupported:
		// What the bank's API cannot do (a standard without card controls,
		// say) is said honestly, with where the customer can get it done.
		return &Response{Speech: l.andReprompt(l.msg("error.bank_does_not_offer", s.sheet(r).SupportPhone)), Reprompt: l.reprompt()}
	case banks.Invalid:
		return &Response{Speech: l.andReprompt(l.msg("error.cannot_help")), Reprompt: l.reprompt()}
	}
	if errors.Is(err, context.Canceled) {
		return &Response{EndSession: true}
	}
	s.cfg.Log.ErrorContext(r.logContext(), "handler failed", "intent", r.Intent, "user", UserRef(r.Platform, r.UserID), "err", err)
	return &Response{Speech: l.msg("error.internal"), EndSession: true}
}

// refusal says why the bank (or a limit of Konto's) refused a request:
// each reason a connector gives (banks.Refuse) has its own sentence,
// refused.REASON; a reason without one gets refused.other.
func (l lang) refusal(reason string) string {
	if reason != "" && l.has("refused."+reason) {
		return l.msg("refused." + reason)
	}
	return l.msg("refused.other")
}

func (s *Skill) launch(ctx context.Context, r *Request) (*Response, error) {
	l := langOf(r.Locale)
	if resp, err := s.alertOnLaunch(ctx, r); resp != nil || err != nil {
		return resp, err
	}
	return &Response{
		Speech:   l.andReprompt(l.msg("launch.welcome")),
		Reprompt: l.reprompt(),
	}, nil
}

func help(ctx context.Context, r *Request) (*Response, error) {
	l := langOf(r.Locale)
	return &Response{
		Speech:   l.msg("help.speech"),
		Reprompt: l.reprompt(),
		Card:     &Card{Title: l.msg("help.card.title"), Text: l.msg("help.card.text")},
	}, nil
}

func goodbye(ctx context.Context, r *Request) (*Response, error) {
	l := langOf(r.Locale)
	return &Response{Speech: l.msg("goodbye"), EndSession: true}, nil
}

func fallback(ctx context.Context, r *Request) (*Response, error) {
	l := langOf(r.Locale)
	if r.Text != "" && acknowledges(r.Text) {
		return anythingElse(l, l.msg("ack.reply")), nil // "passt scho", whatever the recognizer made of it
	}
	return &Response{
		Speech:   l.andReprompt(l.msg("fallback")),
		Reprompt: l.reprompt(),
	}, nil
}

// notAvailable answers banking intents that are understood but have no
// behaviour on this server yet, instead of pretending not to understand.
func notAvailable(ctx context.Context, r *Request) (*Response, error) {
	l := langOf(r.Locale)
	if _, known := intents.Lookup(r.Intent); !known || r.Intent == intents.Fallback {
		return fallback(ctx, r)
	}
	return &Response{
		Speech:   l.andReprompt(l.msg("not_available")),
		Reprompt: l.reprompt(),
	}, nil
}

// refuseRepeating answers a payment asked to repeat: the bank's answer
// on how to set one up, after saying that nothing was sent when a
// concrete payment was asked for.
func (s *Skill) refuseRepeating(ctx context.Context, r *Request, concrete bool) *Response {
	l := langOf(r.Locale)
	for _, id := range []string{"standing_order", "recurring_transfer"} {
		if resp := s.faq.entry(ctx, r, id); resp != nil {
			if concrete {
				resp.Speech = l.msg("recurring.refuse") + " " + resp.Speech
			}
			return resp
		}
	}
	return anythingElse(l, l.msg("recurring.refuse"))
}

// cancelNothing: "no, forget it" with nothing under way is an okay, not
// a goodbye; the platform's own Cancel (no words) ends the session.
func cancelNothing(ctx context.Context, r *Request) (*Response, error) {
	if r.Text == "" || thanked(r.Text) {
		return goodbye(ctx, r) // "nah forget it thanks"
	}
	l := langOf(r.Locale)
	return anythingElse(l, l.msg("ack.reply")), nil
}

// askedMore: the last answer ended with "Anything else?".
func askedMore(r *Request) bool {
	last := r.st.Last
	if r.Channel.Carry && r.turn != nil {
		last = r.turn.carry.Last
	}
	return last != nil && strings.HasSuffix(strings.TrimSpace(last.Speech), langOf(r.Locale).msg("anything_else"))
}

// thanked: the words thank ("no thanks", "nah forget it, cheers").
func thanked(text string) bool {
	t := " " + intents.Normalize(text) + " "
	return containsAny(t, " thanks", " thank you", " cheers", " ta ", " danke", " dankeschön")
}

func nothingPending(ctx context.Context, r *Request) (*Response, error) {
	l := langOf(r.Locale)
	if r.Intent == intents.No && askedMore(r) && (bareNo(r.Text) || thanked(r.Text)) {
		return goodbye(ctx, r) // "no thanks" to "Anything else?"
	}
	if r.Intent == intents.Yes && askedMore(r) && len(strings.Fields(intents.Normalize(r.Text))) <= 3 {
		// "ja" to "Kann ich sonst noch etwas tun?": what, then?
		return &Response{Speech: l.andReprompt(l.msg("more.yes")), Reprompt: l.reprompt()}, nil
	}
	if acknowledges(r.Text) {
		return anythingElse(l, l.msg("ack.reply")), nil // "passt scho", "alright"
	}
	return &Response{
		Speech:   l.andReprompt(l.msg("nothing_pending")),
		Reprompt: l.reprompt(),
	}, nil
}

// Link records a link from an access token the platform handed over
// outside a conversation (a platform's account-linked event). Errors:
// NotLinked for a token the bank does not accept.
func (s *Skill) Link(ctx context.Context, platform, userID, token string) error {
	return s.authenticate(ctx, &Request{Platform: platform, UserID: userID, AccessToken: token, Now: s.cfg.Now()})
}

// namesToRedact lists, for a remote recognizer about to be asked, the
// names that must not leave: the user's payees, billers and the
// merchants of their recent transactions. Nothing is fetched unless it
// is called.
func (s *Skill) namesToRedact(r *Request) func(ctx context.Context) []string {
	return func(ctx context.Context) []string {
		u, err := s.cfg.Auth.Authenticate(ctx, r.AccessToken)
		if err != nil {
			return nil
		}
		var names []string
		if rc, ok := s.cfg.Bank.(banks.Recipients); ok {
			if ps, err := rc.Payees(ctx, u); err == nil {
				for _, p := range ps {
					names = append(names, p.Name)
				}
			}
			if bs, err := rc.Billers(ctx, u); err == nil {
				for _, b := range bs {
					names = append(names, b.Name)
				}
			}
		}
		if !s.allowed(ctx, r, "accounts") {
			// (a link without balances and transactions reads none, not
			// even for redaction: their merchants are not Konto's to know)
			return names
		}
		if txs, err := s.cfg.Bank.Transactions(ctx, u, banks.TxFilter{From: r.Now.AddDate(0, -3, 0), To: r.Now}); err == nil {
			seen := map[string]bool{}
			for _, t := range txs {
				if t.Merchant != "" && !seen[t.Merchant] {
					seen[t.Merchant] = true
					names = append(names, t.Merchant)
				}
			}
		}
		return names
	}
}

// insists: the words press for what was refused ("can you not just make
// an exception", "bitte nur dieses eine Mal").
func insists(t string) bool {
	return containsAny(t, " exception", " just this once", " this once", " just once", " one time only", " this one time", " just do it", " do it anyway",
		" please just", " i insist", " its urgent", " it is urgent", " ausnahme", " nur dieses eine mal", " nur einmal", " nur dieses mal", " trotzdem", " ausnahmsweise",
		" mach es einfach", " bitte doch", " es ist dringend")
}

// toldOrAsked: a long turn tells of an attempt that failed or asks why
// ("I tried to … and it wouldn't let me, why is that", "ich wollte …
// überweisen, aber es ging nicht, warum").
func toldOrAsked(t string) bool {
	return containsAny(t, " why ", " why is", " why was", " why did", " how come", " warum", " wieso", " weshalb", " whats the reason", " was ist der grund") ||
		containsAny(t, " i tried", " ive tried", " tried to", " wouldnt let me", " would not let me", " didnt let me", " didnt work", " did not work", " it failed",
			" wont let me", " ich habe versucht", " hab versucht", " ich wollte", " ging nicht", " hat nicht geklappt", " klappt nicht", " funktioniert nicht")
}

// billPaidAsked: the words ask whether a bill is paid already.
func billPaidAsked(t string) bool {
	if containsAny(t, " paid me", " pay me", " mir gezahlt", " mir überwiesen") {
		return false
	}
	return containsAny(t, " bill", " invoice", " council tax", " rent ") && containsAny(t, " have i paid", " did i pay", " did i already pay", " have i already paid", " is it paid", " was it paid", " has it been paid", " been paid yet",
		" is the bill paid", " is my bill paid") ||
		containsAny(t, " hab ich", " habe ich", " ist die", " wurde die", " ist das", " ist meine") && containsAny(t, " schon bezahlt", " bereits bezahlt", " schon gezahlt",
			" schon beglichen", " bezahlt ", " gezahlt ", " beglichen ")
}

// whyFailed: the words tell of a payment that failed and ask why ("it
// kept failing, why is that", "es ging nicht, warum").
func whyFailed(t string) bool {
	return containsAny(t, " why", " how come", " whats the reason", " warum", " wieso", " weshalb") &&
		containsAny(t, " failing", " failed", " fails", " wouldnt let me", " would not let me", " didnt work", " did not work", " wont let me", " kept getting",
			" didnt go through", " did not go through", " wont go through", " ging nicht", " klappt nicht", " hat nicht geklappt", " funktioniert nicht", " abgelehnt")
}

// textPrevious is the last subject for a turn with words, nil for a
// platform-resolved one (whose rules read no words: no state is decoded
// for them).
func (s *Skill) textPrevious(r *Request) *subject {
	if r.Text == "" {
		return nil
	}
	return s.previous(r)
}

// spaced is the normalized text between spaces, for containsAny; "" for a
// turn without words (a platform-resolved intent pays for no string).
func spaced(text string) string {
	if text == "" {
		return ""
	}
	return " " + intents.Normalize(text) + " "
}

// requestAfter: after what someone else said, the user asks for an
// action in words of their own ("…, so could you move 100 bucks from my
// checking"), not for an explanation ("…, so could you explain what that
// does", "…, so can you tell me if this is a scam").
func requestAfter(t string) bool {
	for _, m := range []string{" so could you ", " so can you ", " so would you ", " so please ", " could you please ", " can you please ", " also kannst du ",
		" kannst du bitte ", " könntest du bitte ", " also bitte "} {
		i := strings.Index(t, m)
		if i < 0 {
			continue
		}
		rest := t[i+len(m)-1:]
		if containsAny(rest, " explain", " tell me", " say ", " check ", " whether", " if this", " if thats", " if that", " if it", " is it ", " what ", " why ", " how ",
			" erklär", " sag mir", " sagen", " ob ", " was ", " warum ", " wie ", " first", " zuerst", " erst ") {
			return false
		}
		return actionWords(strings.TrimSpace(rest))
	}
	return false
}
