package skill

import (
	"cmp"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/kontoskill/konto/banks"
	"github.com/kontoskill/konto/intents"
	"github.com/kontoskill/konto/intents/resolve"
)

// Action names besides intent names, for follow-up questions.
const (
	actCallback     = "callback"
	actReviewAlert  = "review_alert"
	actPrivacyerase = "privacy_delete"
	actShowNumber   = "show_account_number"
)

func (s *Skill) registerActions() {
	s.actions = map[string]action{
		intents.TransferMoney:       s.planTransfer,
		intents.PayBill:             s.planPayBill,
		intents.UnlockCard:          s.planUnlock,
		intents.LockCard:            s.planLock,
		intents.ReportLostCard:      s.planLost,
		intents.ReplaceCard:         s.planReplace,
		intents.FreezeAccount:       s.planFreeze,
		intents.RedeemRewards:       s.planRedeem,
		intents.CreditLimitIncrease: s.planLimitIncrease,
		intents.OrderChecks:         s.planChecks,
		intents.ReportFraud:         s.planReportFraud,
		actCallback:                 s.planCallback,
		actReviewAlert:              s.planReviewAlert,
		actPrivacyerase:             s.planPrivacyErase,
		actShowNumber:               s.planShowNumber,
	}
	for name := range s.actions {
		if _, ok := intents.Lookup(name); ok {
			s.mux.Handle(name, s.requireLink(HandlerFunc(func(ctx context.Context, r *Request) (*Response, error) {
				return s.startAction(ctx, r, name)
			})))
		}
	}
	linked := s.requireLink
	for name, h := range map[string]HandlerFunc{
		intents.IncomeSummary:   s.income,
		intents.BillBalance:     s.billBalance,
		intents.BillDueDate:     s.billDue,
		intents.MinimumPayment:  s.minimumPayment,
		intents.CardDeclined:    s.cardDeclined,
		intents.CardExpiration:  s.cardExpiration,
		intents.CreditLimit:     s.creditLimit,
		intents.RewardsBalance:  s.rewardsBalance,
		intents.AccountBlocked:  s.accountBlocked,
		intents.ReviewAlerts:    s.reviewAlerts,
		intents.ChangePin:       s.changePin,
		intents.InterestRate:    s.interestRate,
		intents.AccountDetails:  s.accountDetails,
		intents.Fees:            s.fees,
		intents.CreditScore:     s.creditScore,
		intents.CardApplication: s.cardApplication,
		intents.TalkToAgent:     s.talkToAgent,
		intents.PrivacyCenter:   s.privacyCenter,
		intents.ProvidePin:      s.pinWithoutQuestion,
	} {
		s.mux.Handle(name, linked(h))
	}
}

// sheet is the bank partner's product sheet for the request's locale.
// sheetOf is the product sheet of the bank an account is at: for a person
// with several banks, an account id "bank/id" of a further bank is that
// bank's (its voice limits, in its currency).
func (s *Skill) sheetOf(r *Request, accountID string) banks.ProductSheet {
	bank, _, ok := strings.Cut(accountID, "/")
	if !ok || bank == r.User.Bank {
		return s.sheet(r)
	}
	for _, o := range r.User.Others {
		if o.Bank == bank {
			rc := *r
			rc.User = o
			return s.sheet(&rc)
		}
	}
	return s.sheet(r)
}

func (s *Skill) sheet(r *Request) banks.ProductSheet {
	// The customer's bank decides limits and facts, whatever the device's
	// language: a German customer asking in English keeps German limits.
	loc := r.Locale
	if r.User.Locale != "" {
		loc = r.User.Locale
	}
	if p, ok := s.cfg.Bank.(banks.UserProducts); ok && r.User.Bank != "" {
		if sh, err := p.ProductSheetFor(context.Background(), r.User, loc); err == nil {
			return sh
		}
	} else if p, ok := s.cfg.Bank.(banks.Products); ok {
		if sh, err := p.ProductSheet(context.Background(), loc); err == nil {
			return sh
		}
	}
	return banks.ProductSheet{SupportPhone: langOf(r.Locale).msg("sheet.support_phone"), CardDeliveryDays: 7,
		Currency: banks.CurrencyOf(r.Locale)}
}

func capability[T any](bank banks.Connector, op string) (T, error) {
	c, ok := bank.(T)
	if !ok {
		var zero T
		return zero, banks.Errorf(op, banks.NotSupported, "the bank does not offer this")
	}
	return c, nil
}

func say(text string) *Response { return &Response{Speech: text, Reprompt: ""} }

func anythingElse(l lang, text string) *Response {
	return &Response{Speech: text + " " + l.msg("anything_else"), Reprompt: l.reprompt()}
}

func refuse(l lang, text string) *plan {
	return &plan{refuse: anythingElse(l, text)}
}

// accountName is "your X"; in German the dative "deinem Girokonto" /
// "deiner Kreditkarte", as after von, auf, bei (your.dat.GENDER).
func (l lang) accountName(a banks.Account) string {
	return l.msg("your.dat."+gender(a), a.Name)
}

// accountNom is the nominative: "dein Girokonto", "deine Kreditkarte".
func (l lang) accountNom(a banks.Account) string {
	return l.msg("your.nom."+gender(a), a.Name)
}

// accountAcc is the accusative: "dein Girokonto", "deine Kreditkarte", "deinen Kredit".
func (l lang) accountAcc(a banks.Account) string {
	return l.msg("your.acc."+gender(a), a.Name)
}

// gender is the grammatical gender of an account's name, as German
// articles need it (English says "your" for all three): ...karte is
// feminine (f), Kredit and Darlehen masculine (m), ...konto neuter (n).
func gender(a banks.Account) string {
	n := strings.ToLower(a.Name)
	switch {
	case strings.Contains(n, "karte"):
		return "f"
	case strings.HasSuffix(n, "kredit") || strings.HasSuffix(n, "darlehen"):
		return "m"
	}
	return "n"
}

func (l lang) cardName(c banks.Card) string {
	kind := l.msg("card.kind.debit")
	if c.Kind == banks.Credit {
		kind = l.msg("card.kind.credit")
	}
	return l.msg("card.name", kind, c.LastFour)
}

// --- money ---

func (s *Skill) sources(accts []banks.Account, exclude string) []banks.Account {
	var out []banks.Account
	for _, a := range accts {
		if (a.Kind == banks.Checking || a.Kind == banks.Savings) && a.ID != exclude {
			out = append(out, a)
		}
	}
	return out
}

// byKind finds the first account of a kind, or the account of an id (a
// choice between two accounts of one kind names the account).
func byKind(accts []banks.Account, kind string) (banks.Account, bool) {
	for _, a := range accts {
		if string(a.Kind) == kind || a.ID == kind {
			return a, true
		}
	}
	return banks.Account{}, false
}

// ofKind lists the accounts of a kind (one, for an account id).
func ofKind(accts []banks.Account, kind string) []banks.Account {
	var out []banks.Account
	for _, a := range accts {
		if string(a.Kind) == kind || a.ID == kind {
			out = append(out, a)
		}
	}
	return out
}

// atBankOf keeps the accounts at the bank of id, for a person who linked
// several banks: money moves within one bank (a saved payee is one
// bank's). All of them otherwise.
func atBankOf(u banks.User, accts []banks.Account, id string) []banks.Account {
	var out []banks.Account
	for _, a := range accts {
		if banks.SameBank(u, a.ID, id) {
			out = append(out, a)
		}
	}
	return out
}

// accountChoices are the options of an account question; an account
// whose kind another option shares is named by its id.
func (l lang) accountChoices(accts []banks.Account, slot string) (names []string, cs []choice) {
	kinds := map[banks.AccountKind]int{}
	for _, a := range accts {
		kinds[a.Kind]++
	}
	for _, a := range accts {
		value := string(a.Kind)
		if kinds[a.Kind] > 1 {
			value = a.ID
		}
		names = append(names, l.accountName(a))
		cs = append(cs, choice{Show: a.Name, Label: a.Name + " " + l.AccountKind(a.Kind) + " " + string(a.Kind), Slot: slot, Value: value})
	}
	return names, cs
}

// chooseFrom asks which account money comes from when there is a choice.
func (s *Skill) chooseFrom(ctx context.Context, r *Request, l lang, accts []banks.Account, exclude string, slots intents.Slots) (banks.Account, *plan) {
	if k := slots.String(intents.SlotFromAccount); k != "" {
		if a, ok := byKind(accts, k); ok {
			return a, nil
		}
		return banks.Account{}, refuse(l, l.msg("pay.no_such_source", l.AccountKind(banks.AccountKind(k))))
	}
	src := s.sources(accts, exclude)
	if ac, ok := s.cfg.Bank.(banks.AccountControls); ok && len(src) > 1 {
		// A frozen or blocked account is not offered to pay from; with
		// one usable account left there is nothing to ask.
		var open []banks.Account
		for _, a := range src {
			if st, err := ac.Status(ctx, r.User, a.ID); err != nil || st.Status == "open" {
				open = append(open, a)
			}
		}
		if len(open) > 0 {
			src = open
		}
	}
	switch len(src) {
	case 0:
		return banks.Account{}, refuse(l, l.msg("pay.no_source"))
	case 1:
		return src[0], nil
	}
	var names []string
	var cs []choice
	names, cs = l.accountChoices(src, intents.SlotFromAccount)
	q := l.msg("pay.ask_source", l.or(names))
	return banks.Account{}, &plan{ask: q, awaiting: intents.SlotFromAccount, choices: cs}
}

// cardPayAmount is what "in full" or "the minimum" comes to for a credit
// card: what is owed now, or the statement's minimum still to pay.
func (s *Skill) cardPayAmount(ctx context.Context, r *Request, card banks.Account) (banks.Money, *plan, bool, error) {
	l := langOf(r.Locale)
	t := " " + intents.Normalize(r.Text) + " "
	if !cardAmountWords(r.Text, r.Locale) {
		return banks.Money{}, nil, false, nil
	}
	full := containsAny(t, cardFullWords...)
	minimum := containsAny(t, " minimum", " mindest")
	if !s.allowed(ctx, r, "accounts") {
		return banks.Money{}, nil, false, nil // "in full", "the minimum" read the card's balance, which this link may not see: the amount is asked
	}
	switch {
	case minimum:
		st, err := capability[banks.Statements](s.cfg.Bank, "skill.transfer")
		if err != nil {
			return banks.Money{}, nil, false, err
		}
		stm, err := st.CardStatement(ctx, r.User, card.ID)
		if err != nil {
			return banks.Money{}, nil, false, err
		}
		left := banks.Money{Minor: stm.MinimumPayment.Minor - stm.Paid.Minor, Currency: stm.MinimumPayment.Currency}
		if left.Minor <= 0 {
			return banks.Money{}, refuse(l, l.msg("card.minimum_paid", card.Name)), false, nil
		}
		return left, nil, true, nil
	case full:
		bal, err := s.cfg.Bank.Balance(ctx, r.User, card.ID)
		if err != nil {
			return banks.Money{}, nil, false, err
		}
		if bal.Booked.Minor >= 0 {
			return banks.Money{}, refuse(l, l.msg("card.nothing_owed", card.Name)), false, nil
		}
		return banks.Money{Minor: -bal.Booked.Minor, Currency: bal.Booked.Currency}, nil, true, nil
	}
	return banks.Money{}, nil, false, nil
}

// blockedSource refuses at once when the account money is to leave is
// named and frozen or closed, before any other question is asked.
func (s *Skill) blockedSource(ctx context.Context, r *Request, l lang, accts []banks.Account, slots intents.Slots) *plan {
	k := slots.String(intents.SlotFromAccount)
	ac, ok := s.cfg.Bank.(banks.AccountControls)
	if k == "" || !ok {
		return nil
	}
	from, found := byKind(accts, k)
	if !found {
		return nil
	}
	if st, err := ac.Status(ctx, r.User, from.ID); err == nil && st.Status != "open" {
		return refuse(l, l.msg("pay.source_blocked", l.accountNom(from), l.accountStatus(st.Status), blockedWhy(l, st, s.sheet(r))))
	}
	return nil
}

// checkMoney applies the bank partner's voice limits and the account's
// state before anything is read back.
func (s *Skill) checkMoney(ctx context.Context, r *Request, l lang, from banks.Account, amount banks.Money, scheduled bool) *plan {
	sh := s.sheetOf(r, from.ID) // the limits of the bank the money leaves
	if lim, err := banks.ParseMoney(sh.PerTransferLimit, amount.Currency); err == nil && lim.Minor > 0 && amount.Minor > lim.Minor {
		return refuse(l, l.msg("pay.over_limit", l.Money(lim)))
	}
	if lim := s.dayLimit(r, from.ID, amount.Currency); lim > 0 {
		// A first look for the read-back; the reservation at execution
		// is what holds under parallel payments.
		moved, err := s.cfg.Store.MovedToday(ctx, r.User.Bank, s.Pseudonym(r.User.Bank, r.User.Customer), r.Now)
		if err == nil && moved+amount.Minor > lim {
			return &plan{refuse: s.overDailyLimit(ctx, r, from.ID, amount)}
		}
	}
	if ac, ok := s.cfg.Bank.(banks.AccountControls); ok {
		if st, err := ac.Status(ctx, r.User, from.ID); err == nil && st.Status != "open" {
			return refuse(l, l.msg("pay.source_blocked", l.accountNom(from), l.accountStatus(st.Status), blockedWhy(l, st, s.sheet(r))))
		}
	}
	if !scheduled {
		if bal, err := s.cfg.Bank.Balance(ctx, r.User, from.ID); err == nil && bal.Available.Minor < amount.Minor {
			if !s.allowed(ctx, r, "accounts") {
				// A link that may pay but not see balances hears no balance.
				return refuse(l, l.msg("pay.not_enough.unseen", l.accountName(from)))
			}
			avail := l.Money(bal.Available)
			if bal.Available.Minor < 0 {
				avail = l.msg("balance.minus", avail) // overdrawn
			}
			return refuse(l, l.msg("pay.not_enough", l.accountName(from), avail))
		}
	}
	return nil
}

// dayLimit is the bank partner's daily voice limit in minor units of
// currency; 0 when there is none.
func (s *Skill) dayLimit(r *Request, accountID, currency string) int64 {
	if lim, err := banks.ParseMoney(s.sheetOf(r, accountID).PerDayLimit, currency); err == nil && lim.Minor > 0 {
		return lim.Minor
	}
	return 0
}

// overDailyLimit refuses an amount that does not fit today's voice limit.
func (s *Skill) overDailyLimit(ctx context.Context, r *Request, accountID string, amount banks.Money) *Response {
	l := langOf(r.Locale)
	lim := banks.Money{Minor: s.dayLimit(r, accountID, amount.Currency), Currency: amount.Currency}
	moved, _ := s.cfg.Store.MovedToday(ctx, r.User.Bank, s.Pseudonym(r.User.Bank, r.User.Customer), r.Now)
	left := banks.Money{Minor: max(lim.Minor-moved, 0), Currency: amount.Currency}
	return anythingElse(l, l.msg("pay.over_daily_limit", l.Money(lim), l.Money(left)))
}

// moneyOp is the pending audit entry of a payment. Its fingerprint names
// what the payment does, so that the same payment confirmed again (in a
// new session, after a timeout) finds the pending one and its key.
// The fingerprint is keyed with the secret, so that the bank's own lists
// of accounts and payees cannot re-identify an entry.
func (s *Skill) moneyOp(action, detail string, amount banks.Money, from, to string, when time.Time, req banks.PaymentRequest) *AuditEntry {
	day := "now"
	if !when.IsZero() {
		day = when.Format(time.DateOnly)
	}
	js, _ := json.Marshal(req)
	// Request is kept only once the bank waits for the customer's
	// approval (execute calls AwaitApproval with it).
	return &AuditEntry{Action: action, Detail: detail, Amount: amount.Minor, Currency: amount.Currency,
		Fingerprint: s.fingerprint(action, from, to, amount.String(), day), Request: string(js)}
}

// approvalWait is how long a turn waits for the customer to approve a
// payment in the bank's app before it asks them to (and checks again at
// their next turn): a voice user hears nothing while Konto waits.
const approvalWait = 3 * time.Second

// pay asks the bank to pay and, when the bank waits for the customer's
// approval in its app, asks again for a little while. A payment still
// waiting is an awaitingError: it stays pending under its key.
func (s *Skill) pay(ctx context.Context, r *Request, pay banks.Payments, req banks.PaymentRequest, key string) (banks.PaymentResult, error) {
	req.Key = key
	res, err := pay.Pay(ctx, r.User, req)
	until := time.Now().Add(approvalWait)
	if d := r.turn.deadline.Add(-500 * time.Millisecond); !r.turn.deadline.IsZero() && d.Before(until) {
		until = d
	}
	for err == nil && res.AwaitingApproval && time.Now().Before(until) {
		select {
		case <-ctx.Done():
			return res, ctx.Err()
		case <-time.After(400 * time.Millisecond):
		}
		res, err = pay.Pay(ctx, r.User, req)
	}
	if err == nil && res.AwaitingApproval {
		return res, errAwaiting
	}
	return res, err
}

// errAwaiting: the bank waits for the customer's approval in its app.
var errAwaiting = errors.New("the payment waits for the customer's approval at the bank")

// actionOp is the pending audit entry of a card or account action: the
// same action on the same card confirmed twice at once (two sessions, a
// retry after a timeout) is one action at the bank.
func (s *Skill) actionOp(action, detail, target string) *AuditEntry {
	return &AuditEntry{Action: action, Detail: detail, Fingerprint: s.fingerprint(action, target)}
}

func (s *Skill) fingerprint(parts ...string) string {
	m := hmac.New(sha256.New, s.pseudoKey)
	m.Write([]byte("konto-audit-fingerprint\x00" + strings.Join(parts, "\x00")))
	return hex.EncodeToString(m.Sum(nil)[:12])
}

// opName names a pending payment: "your payment of $20.00 to Alice Chen".
func (l lang) opName(a AuditEntry) string {
	if l.has("op.act." + a.Action) {
		// "locking your card ending 1234"
		return l.msg("op.act."+a.Action, a.Detail[strings.LastIndex(a.Detail, " ")+1:])
	}
	_, to, _ := strings.Cut(a.Detail, " to ")
	to = strings.TrimPrefix(strings.TrimPrefix(to, "biller "), "payee ")
	if kind, ok := strings.CutPrefix(to, "own "); ok {
		to = l.ownAccount(strings.TrimSuffix(kind, " account"))
	}
	amount := banks.Money{Minor: a.Amount, Currency: a.Currency}
	if to == "" {
		return l.msg("op.payment", l.Money(amount))
	}
	return l.msg("op.payment_to", l.Money(amount), to)
}

// ownAccount names one of the user's own accounts by kind as a payment's
// target: "your savings account", "dein eigenes Konto".
func (l lang) ownAccount(kind string) string {
	if l.has("op.own." + kind) {
		return l.msg("op.own." + kind)
	}
	return l.msg("op.own.other")
}

// accountStatus is the word for an account's state: "frozen", "closed".
func (l lang) accountStatus(status string) string {
	if l.has("status." + status) {
		return l.msg("status." + status)
	}
	return l.msg("status.other")
}

func upperFirst(s string) string {
	if s == "" {
		return s
	}
	r, n := utf8.DecodeRuneInString(s) // ("£2,950.00 from …": a letter is upper-cased, never a byte of a sign)
	return string(unicode.ToUpper(r)) + s[n:]
}

// vagueDay: words that name a later day no date reads ("next month", "in
// two weeks", "at the end of the month", "nächste Woche", "in 3 Tagen").
var vagueDay = regexp.MustCompile(` (?:next|this coming|the following) (?:week|month)\b| in (?:a|an|one|two|three|four|five|six|seven|eight|nine|ten|a few|a couple of|\d+) (?:days?|weeks?|months?)\b|` +
	` end of (?:the |this |next )?month\b| (?:nächste|nächsten|nächster|kommende|kommenden) (?:woche|monat)\b| in (?:einer|einem|zwei|drei|vier|fünf|sechs|sieben|acht|neun|zehn|ein paar|\d+) (?:tag|tagen|woche|wochen|monat|monaten)\b|` +
	` ende des monats\b| monatsende\b| ende (?:des )?(?:nächsten )?monats?\b`)

// payDate reads the date slot: zero for now, an error plan for the past.
func payDate(l lang, r *Request, slots intents.Slots) (time.Time, *plan) {
	d := slots.String(intents.SlotDate)
	if v := slots[intents.SlotDate]; d == "" && (v == nil || v == "") {
		if r.Text != "" && vagueDay.MatchString(" "+intents.Normalize(r.Text)+" ") {
			// "send tom 50 dollars next month", "in zwei Wochen": a day
			// Konto cannot name, asked again, never a payment now.
			return time.Time{}, refuse(l, l.msg("pay.date_bad"))
		}
		return time.Time{}, nil
	}
	t, err := time.Parse(time.DateOnly, d)
	if err != nil {
		// "february 30", a platform's date that is no date: asked again,
		// never a payment now.
		return time.Time{}, refuse(l, l.msg("pay.date_bad"))
	}
	today := time.Date(r.Now.Year(), r.Now.Month(), r.Now.Day(), 0, 0, 0, 0, time.UTC)
	if t.Before(today) {
		return time.Time{}, refuse(l, l.msg("pay.date_past"))
	}
	if t.After(today.AddDate(1, 0, 0)) {
		return time.Time{}, refuse(l, l.msg("pay.date_far"))
	}
	if t.Equal(today) {
		return time.Time{}, nil
	}
	return t, nil
}

func (l lang) when2(t time.Time, now time.Time) string {
	if t.IsZero() {
		return l.msg("when.now")
	}
	return l.msg("day.on", l.Date(t, now))
}

func (s *Skill) planTransfer(ctx context.Context, r *Request, slots intents.Slots) (*plan, error) {
	l := langOf(r.Locale)
	pay, err := capability[banks.Payments](s.cfg.Bank, "skill.transfer")
	if err != nil {
		return nil, err
	}
	accts, err := s.cfg.Bank.Accounts(ctx, r.User)
	if err != nil {
		return nil, err
	}
	if refused := s.blockedSource(ctx, r, l, accts, slots); refused != nil {
		return refused, nil // "send money from the savings" when it is frozen: said first
	}
	// A payee that names an own account is a transfer between accounts.
	if p := slots.String(intents.SlotPayee); p != "" && slots.String(intents.SlotToAccount) == "" {
		if k := intents.ParseAccount(intents.Normalize(p)); k != "" && !s.savedPayee(ctx, r, p) {
			// (a saved payee named like an account, "Emma Savings", "Oma
			// Sparkonto", stays that payee: the read-back named the payee,
			// and the plan made again at the yes and the PIN pays the payee)
			slots[intents.SlotToAccount] = k
			delete(slots, intents.SlotPayee)
		}
	}
	var to banks.Account
	var payee banks.Payee
	switch {
	case slots.String(intents.SlotToAccount) != "":
		if several := ofKind(accts, slots.String(intents.SlotToAccount)); len(r.User.Others) > 0 && len(several) > 1 {
			// That kind at several of the person's banks: which one?
			names, cs := l.accountChoices(several, intents.SlotToAccount)
			return &plan{ask: l.msg("transfer.ask_which_to", l.or(names)), awaiting: intents.SlotToAccount, choices: cs}, nil
		}
		a, ok := byKind(accts, slots.String(intents.SlotToAccount))
		if !ok {
			return refuse(l, l.msg("account.none_of_kind",
				l.AccountKind(banks.AccountKind(slots.String(intents.SlotToAccount))))), nil
		}
		to = a
	case slots.String(intents.SlotPayee) != "":
		rec, err := capability[banks.Recipients](s.cfg.Bank, "skill.transfer")
		if err != nil {
			return nil, err
		}
		payees, err := rec.Payees(ctx, r.User)
		if err != nil {
			return nil, err
		}
		if t := spaced(r.Text); containsAny(t, accountNumberWords...) {
			// "send 50 dollars to tom at account number 55779911": an
			// account said aloud is never paid, not even as a saved payee's
			return refuse(l, l.msg("transfer.number_refused")), nil
		}
		matches := matchNames(slots.String(intents.SlotPayee), payees, func(p banks.Payee) string { return p.Name })
		if len(matches) == 0 {
			matches = payeeNamed(slots.String(intents.SlotPayee), payees, r.Locale)
		}
		if len(matches) == 1 && r.Text != "" {
			if other, ok := payeeTakenBack(r.Text, matches[0], payees); ok {
				// "send alice meyer, no, tom nguyen 20 dollars": the name
				// said after taking the first one back is meant.
				matches = []banks.Payee{other}
			}
		}
		switch len(matches) {
		case 0:
			if r.Text != "" && numberPayee(" "+intents.Normalize(r.Text)+" ") {
				// "pay £400 to sort code 20-00-00 account 55779911": no
				// payee named "Sort Code"; never an account said aloud
				return refuse(l, l.msg("transfer.number_refused")), nil
			}
			return refuse(l, l.msg("transfer.unknown_payee", titleCase(slots.String(intents.SlotPayee)))), nil
		case 1:
			payee = matches[0]
			slots[intents.SlotPayee] = strings.ToLower(payee.Name)
		default:
			var names []string
			var cs []choice
			for _, p := range matches {
				names = append(names, p.Name)
				cs = append(cs, choice{Show: p.Name, Label: p.Name, Slot: intents.SlotPayee, Value: strings.ToLower(p.Name)})
			}
			return &plan{ask: l.msg("transfer.ask_which_payee", l.or(names)), awaiting: intents.SlotPayee, choices: cs}, nil
		}
	default:
		if p, ok := s.payeeInWords(ctx, r); ok {
			// "i want send money for maria, fifty dollar": a saved payee's
			// name among the words, where the recognizer found no payee;
			// the read-back names the payee in full.
			payee = p
			slots[intents.SlotPayee] = strings.ToLower(p.Name)
			break
		}
		return &plan{ask: l.msg("transfer.ask_payee"), awaiting: intents.SlotPayee}, nil
	}
	a, ok := symbolAmount(r, slots)
	inferred := false // the amount came from "in full" or "the minimum"
	if !ok && to.Kind == banks.CreditCard {
		// "pay off my credit card in full", "nur den Mindestbetrag"
		amt, refusal, found, err := s.cardPayAmount(ctx, r, to)
		if err != nil || refusal != nil {
			return refusal, err
		}
		if found {
			a, ok = intents.Amount{Value: amt.Decimal(), Currency: amt.Currency}, true
			slots[intents.SlotAmount] = a
			inferred = true
		}
	}
	name := payee.Name
	if name == "" {
		name = l.accountAcc(to)
	}
	if !ok {
		ask := l.msg("transfer.ask_amount", name)
		if to.ID != "" {
			ask = l.msg("transfer.ask_amount.own", name)
		}
		return &plan{ask: ask, awaiting: intents.SlotAmount, what: l.msg("what.transfer_to", name)}, nil
	}
	if m, err := banks.ParseMoney(a.Value, a.Currency); negativeAmount(r.Text, r.Locale) || err == nil && m.Minor <= 0 {
		// "minus 20 dollars", a platform's "-20": no amount to send, said
		// before anything is asked (the sign is never dropped).
		return refuse(l, l.msg("pay.bad_amount")), nil
	}
	if m, err := banks.ParseMoney(a.Value, a.Currency); err == nil && len(r.User.Others) == 0 {
		// Over the per-payment limit is said before "from which account?".
		if lim, err := banks.ParseMoney(s.sheet(r).PerTransferLimit, m.Currency); err == nil && lim.Minor > 0 && m.Minor > lim.Minor {
			return refuse(l, l.msg("pay.over_limit", l.Money(lim))), nil
		}
	}
	from, ask := s.chooseFrom(ctx, r, l, atBankOf(r.User, accts, cmp.Or(to.ID, payee.ID)), to.ID, slots)
	if ask != nil {
		ask.what = l.msg("what.transfer_to", name)
		if m, err := banks.ParseMoney(a.Value, a.Currency); err == nil {
			ask.what = l.msg("what.transfer", l.Money(m), name)
			if inferred && ask.ask != "" {
				ask.ask = l.msg("bill.ask_source", l.Money(m), name) + " " + ask.ask // what "in full" comes to
			}
		}
		return ask, nil
	}
	if to.ID != "" && from.ID == to.ID {
		return refuse(l, l.msg("transfer.same_account")), nil // "pay my credit card from my credit card"
	}
	amount, err := banks.ParseMoney(a.Value, a.Currency)
	if err != nil || amount.Minor <= 0 {
		return refuse(l, l.msg("pay.bad_amount")), nil
	}
	if amount.Currency != from.Currency {
		return refuse(l, l.msg("transfer.currency", from.Currency)), nil
	}
	when, bad := payDate(l, r, slots)
	if bad != nil {
		return bad, nil
	}
	if p := s.checkMoney(ctx, r, l, from, amount, !when.IsZero()); p != nil {
		return p, nil
	}
	recipient := payee.Name
	readback := l.msg("transfer.readback", l.Money(amount), recipient, l.accountName(from), l.when2(when, r.Now))
	if to.ID != "" {
		// To an own account: "auf dein Sparkonto" in German.
		recipient = l.accountAcc(to)
		readback = l.msg("transfer.readback.own", l.Money(amount), recipient, l.accountName(from), l.when2(when, r.Now))
		if ac, ok := s.cfg.Bank.(banks.AccountControls); ok {
			if st, err := ac.Status(ctx, r.User, to.ID); err == nil && st.Status == "frozen" {
				// The bank takes money into a frozen account; the person
				// hears that it stays there until the freeze is lifted.
				readback = l.msg("pay.dest_frozen", l.accountNom(to)) + " " + readback
			}
		}
	}
	target := "payee:" + payee.ID
	if to.ID != "" {
		target = "account:" + to.ID
	}
	req := banks.PaymentRequest{FromAccountID: from.ID, ToAccountID: to.ID, PayeeID: payee.ID, Amount: amount, Date: when}
	return &plan{readback: readback, pin: true, no: l.msg("transfer.no"), what: l.msg("what.transfer", l.Money(amount), recipient),
		op:    s.moneyOp("transfer", fmt.Sprintf("%s to %s", amount, recipientLabel(payee, to)), amount, from.ID, target, when, req),
		limit: s.dayLimit(r, from.ID, amount.Currency), source: from.ID,
		do: func(ctx context.Context, key string) (*Response, *AuditEntry, error) {
			entry := &AuditEntry{Action: "transfer", Amount: amount.Minor, Detail: fmt.Sprintf("%s to %s", amount, recipientLabel(payee, to))}
			res, err := s.pay(ctx, r, pay, req, key)
			if err != nil {
				return nil, entry, err
			}
			return paid(l, r, entry, res, amount, recipient, to.ID != "", from, l.msg("pay.verb.sent")), entry, nil
		}}, nil
}

// currencySymbol is a currency symbol at an amount's digits ("€20",
// "20 €", "£5", "$20").
var currencySymbol = regexp.MustCompile(`([$€£])\s?\d|\d\s?([$€£])`)

var symbolCurrencies = map[string]string{"$": "USD", "€": "EUR", "£": "GBP"}

// symbolAmount is the amount slot, in the currency of the symbol the
// turn wrote it with: the recognizers drop symbols and read "€20" as 20
// in the locale's currency, which a USD account would have paid in
// dollars. Symbols of two currencies change nothing.
func symbolAmount(r *Request, slots intents.Slots) (intents.Amount, bool) {
	a, ok := slots.Amount(intents.SlotAmount)
	if !ok || r.Text == "" {
		return a, ok
	}
	cur := ""
	for _, m := range currencySymbol.FindAllStringSubmatch(r.Text, -1) {
		c := symbolCurrencies[m[1]+m[2]]
		if cur != "" && c != cur {
			return a, ok
		}
		cur = c
	}
	if cur != "" && cur != a.Currency {
		a.Currency = cur
		slots[intents.SlotAmount] = a
	}
	return a, ok
}

// negativeSign is a minus sign right before an amount's digits or its
// currency symbol ("-20 dollars", "-$20", "−20 €"), not a hyphen inside
// a word or between numbers ("Jean-Luc", "20-30").
var negativeSign = regexp.MustCompile(`(?:^|[\s(:;,])[-\x{2212}\x{2013}]\s?[$€£]?\s?\d`)

// negativeAmount: the words say an amount below zero ("minus 20
// dollars", "negative fifty", "-20 dollars", "minus 20 Euro"). The
// recognizers read the amount without its sign; a payment of it is
// refused, never read back as the positive amount.
func negativeAmount(text, locale string) bool {
	if text == "" {
		return false
	}
	if negativeSign.MatchString(text) {
		return true
	}
	words := strings.Fields(intents.Normalize(text))
	for i, w := range words {
		if w != "minus" && w != "negative" && w != "negativ" || i+1 == len(words) {
			continue
		}
		rest := strings.Join(words[i+1:], " ")
		if _, phrase, ok := intents.ParseAmount(rest, locale, true); ok && strings.HasPrefix(rest+" ", phrase+" ") {
			return true
		}
	}
	return false
}

// paid says what a payment did and completes its audit entry.
func paid(l lang, r *Request, entry *AuditEntry, res banks.PaymentResult, amount banks.Money, recipient string, own bool, from banks.Account, verb string) *Response {
	if r.turn != nil {
		// "how much was it", "when was that" next: this payment
		when := l.On(r.Now, r.Now)
		var item string
		switch {
		case res.Scheduled && own:
			item = l.msg("pay.item.own.scheduled", l.Money(amount), recipient, l.Date(res.Date, r.Now))
		case res.Scheduled:
			item = l.msg("pay.item.scheduled", l.Money(amount), recipient, l.Date(res.Date, r.Now))
		case own:
			item = l.msg("pay.item.own", l.Money(amount), recipient, when, verb)
		default:
			item = l.msg("pay.item", l.Money(amount), recipient, when, verb)
		}
		if res.Scheduled {
			when = l.msg("pay.item.when_scheduled", l.Date(res.Date, r.Now))
		}
		r.turn.items = recipient + "\x1f" + item + "\x1f" + when
	}
	if res.Scheduled {
		entry.Outcome = "scheduled"
		if own {
			return anythingElse(l, l.msg("pay.scheduled.own", l.Money(amount), recipient, l.Date(res.Date, r.Now), spell(res.Reference)))
		}
		return anythingElse(l, l.msg("pay.scheduled", l.Money(amount), recipient, l.Date(res.Date, r.Now), spell(res.Reference)))
	}
	entry.Outcome = "done"
	// The account is the subject in English ("Your X now has") and a
	// dative in German ("Auf deinem X sind jetzt"): both forms go in,
	// each locale's pay.done uses the one it needs.
	if r.turn != nil && r.turn.scopes != nil && !slices.Contains(*r.turn.scopes, "accounts") {
		// Paid, but the link may not see balances: no balance is said.
		if own {
			return anythingElse(l, l.msg("pay.done.unseen.own", l.Money(amount), recipient, spell(res.Reference), verb))
		}
		return anythingElse(l, l.msg("pay.done.unseen", l.Money(amount), recipient, spell(res.Reference), verb))
	}
	// What is left to spend is the available balance, where the bank
	// says it and it differs from the booked one.
	left := l.Money(res.FromBalance.Booked)
	if av := res.FromBalance.Available; av.Currency != "" && av != res.FromBalance.Booked {
		left = l.msg("pay.left.available", l.Money(av))
	}
	if own {
		return anythingElse(l, l.msg("pay.done.own", l.Money(amount), recipient, upperFirst(l.accountNom(from)),
			left, spell(res.Reference), verb, l.accountName(from)))
	}
	return anythingElse(l, l.msg("pay.done", l.Money(amount), recipient, upperFirst(l.accountNom(from)),
		left, spell(res.Reference), verb, l.accountName(from)))
}

func recipientLabel(p banks.Payee, to banks.Account) string {
	if p.Name != "" {
		return "payee " + p.Name
	}
	return "own " + string(to.Kind) + " account"
}

// spell reads a reference character by character.
func spell(ref string) string { return strings.Join(strings.Split(ref, ""), " ") }

// matchNames finds saved names matching what was said: the whole name,
// or all the words said (a first name matches "Alice Chen" and "Alice Meyer").
func matchNames[T any](said string, items []T, name func(T) string) []T {
	said = intents.Normalize(said)
	var exact, partial []T
	for _, it := range items {
		n := intents.Normalize(name(it))
		if n == said {
			exact = append(exact, it)
			continue
		}
		words := strings.Fields(n)
		all := len(strings.Fields(said)) > 0
		for _, w := range strings.Fields(said) {
			found := false
			for _, nw := range words {
				if nw == w {
					found = true
				}
			}
			all = all && found
		}
		if all {
			partial = append(partial, it)
		}
	}
	if len(exact) > 0 {
		return exact
	}
	return partial
}

func (s *Skill) findBiller(ctx context.Context, r *Request, l lang, slots intents.Slots) (banks.Biller, *plan, error) {
	rec, err := capability[banks.Recipients](s.cfg.Bank, "skill.biller")
	if err != nil {
		return banks.Biller{}, nil, err
	}
	billers, err := rec.Billers(ctx, r.User)
	if err != nil {
		return banks.Biller{}, nil, err
	}
	want := slots.String(intents.SlotBiller)
	if want == "" && r.Text != "" {
		// "pay the t mobile bill": the biller by its name, as the user has it.
		if b, ok := billerNamed(r, billers); ok {
			slots[intents.SlotBiller] = b.Kind
			return b, nil, nil
		}
	}
	var match []banks.Biller
	for _, b := range billers {
		if want != "" && (b.Kind == want || intents.Normalize(b.Name) == intents.Normalize(want)) {
			match = append(match, b)
		}
	}
	if want == "" || len(match) > 1 {
		if want == "" {
			match = billers
		}
		var names []string
		var cs []choice
		for _, b := range match {
			names = append(names, b.Name)
			cs = append(cs, choice{Show: b.Name, Label: b.Name + " " + b.Kind, Slot: intents.SlotBiller, Value: b.Kind})
		}
		return banks.Biller{}, &plan{ask: l.msg("bill.ask", l.or(names)), awaiting: intents.SlotBiller, choices: cs}, nil
	}
	if len(match) == 0 {
		return banks.Biller{}, refuse(l, l.msg("bill.unknown")), nil
	}
	return match[0], nil, nil
}

func (s *Skill) bill(ctx context.Context, r *Request, billerID string) (banks.Bill, bool) {
	st, ok := s.cfg.Bank.(banks.Statements)
	if !ok {
		return banks.Bill{}, false
	}
	bills, err := st.Bills(ctx, r.User)
	if err != nil {
		return banks.Bill{}, false
	}
	for _, b := range bills {
		if b.BillerID == billerID {
			return b, true
		}
	}
	return banks.Bill{}, false
}

func (s *Skill) planPayBill(ctx context.Context, r *Request, slots intents.Slots) (*plan, error) {
	l := langOf(r.Locale)
	pay, err := capability[banks.Payments](s.cfg.Bank, "skill.paybill")
	if err != nil {
		return nil, err
	}
	if slots.String(intents.SlotBiller) == "credit_card" || slots.String(intents.SlotToAccount) == "credit_card" {
		// Paying the card bill is a transfer to the card account ("in
		// full" and "the minimum" are read there).
		slots[intents.SlotToAccount] = "credit_card"
		delete(slots, intents.SlotBiller)
		if _, ok := slots.Amount(intents.SlotAmount); !ok && !cardAmountWords(r.Text, r.Locale) {
			accts, err := s.cfg.Bank.Accounts(ctx, r.User)
			if err != nil {
				return nil, err
			}
			if card, ok := byKind(accts, "credit_card"); ok {
				if stm, ok := s.cfg.Bank.(banks.Statements); ok {
					if st, err := stm.CardStatement(ctx, r.User, card.ID); err == nil && st.Balance.Minor > st.Paid.Minor {
						due := banks.Money{Minor: st.Balance.Minor - st.Paid.Minor, Currency: st.Balance.Currency}
						slots[intents.SlotAmount] = intents.Amount{Value: due.Decimal(), Currency: due.Currency}
					}
				}
			}
		}
		return s.planTransfer(ctx, r, slots)
	}
	biller, ask, err := s.findBiller(ctx, r, l, slots)
	if err != nil || ask != nil {
		return ask, err
	}
	if other, ok := s.billerTakenBack(ctx, r, biller); ok {
		biller = other // "pay spectrum, not seattle city light", "the water bill, no, the power bill"
	}
	slots[intents.SlotBiller] = biller.Kind
	a, ok := symbolAmount(r, slots)
	var amount banks.Money
	if ok {
		if amount, err = banks.ParseMoney(a.Value, a.Currency); err != nil || amount.Minor <= 0 || negativeAmount(r.Text, r.Locale) {
			return refuse(l, l.msg("pay.bad_amount")), nil
		}
	} else if b, found := s.bill(ctx, r, biller.ID); found && !b.Paid {
		amount = b.Amount
	} else if found {
		return refuse(l, l.msg("bill.already_paid", biller.Name)), nil
	} else {
		return &plan{ask: l.msg("bill.ask_amount", biller.Name), awaiting: intents.SlotAmount, what: l.msg("what.bill_to", biller.Name)}, nil
	}
	accts, err := s.cfg.Bank.Accounts(ctx, r.User)
	if err != nil {
		return nil, err
	}
	from, ask := s.chooseFrom(ctx, r, l, atBankOf(r.User, accts, biller.ID), "", slots)
	if ask != nil {
		ask.what = l.msg("what.bill", l.Money(amount), biller.Name)
		if ask.ask != "" {
			ask.ask = l.msg("bill.ask_source", l.Money(amount), biller.Name) + " " + ask.ask // what is paid, then from where
		}
		return ask, nil
	}
	if amount.Currency != from.Currency {
		return refuse(l, l.msg("bill.currency", from.Currency)), nil
	}
	when, bad := payDate(l, r, slots)
	if bad != nil {
		return bad, nil
	}
	if p := s.checkMoney(ctx, r, l, from, amount, !when.IsZero()); p != nil {
		return p, nil
	}
	readback := l.msg("bill.readback", l.Money(amount), biller.Name, l.accountName(from), l.when2(when, r.Now))
	req := banks.PaymentRequest{FromAccountID: from.ID, BillerID: biller.ID, Amount: amount, Date: when}
	return &plan{readback: readback, pin: true, no: l.msg("bill.no"), what: l.msg("what.bill", l.Money(amount), biller.Name),
		op:    s.moneyOp("pay_bill", fmt.Sprintf("%s to biller %s", amount, biller.Name), amount, from.ID, "biller:"+biller.ID, when, req),
		limit: s.dayLimit(r, from.ID, amount.Currency), source: from.ID,
		do: func(ctx context.Context, key string) (*Response, *AuditEntry, error) {
			entry := &AuditEntry{Action: "pay_bill", Amount: amount.Minor, Detail: fmt.Sprintf("%s to biller %s", amount, biller.Name)}
			res, err := s.pay(ctx, r, pay, req, key)
			if err != nil {
				return nil, entry, err
			}
			return paid(l, r, entry, res, amount, biller.Name, false, from, l.msg("pay.verb.paid")), entry, nil
		}}, nil
}

// --- cards ---

// findCard resolves the card slot, asking when there is a choice.
func (s *Skill) findCard(ctx context.Context, r *Request, l lang, slots intents.Slots, want func(banks.Card) bool) (banks.Card, *plan, error) {
	cc, err := capability[banks.Cards](s.cfg.Bank, "skill.card")
	if err != nil {
		return banks.Card{}, nil, err
	}
	cards, err := cc.Cards(ctx, r.User)
	if err != nil {
		return banks.Card{}, nil, err
	}
	var match []banks.Card
	for _, c := range cards {
		if (slots.String(intents.SlotCard) == "" || string(c.Kind) == slots.String(intents.SlotCard)) && (want == nil || want(c)) {
			match = append(match, c)
		}
	}
	switch len(match) {
	case 0:
		return banks.Card{}, refuse(l, l.msg("card.none")), nil
	case 1:
		return match[0], nil, nil
	}
	var names []string
	var cs []choice
	for _, c := range match {
		names = append(names, l.cardName(c))
		cs = append(cs, choice{Show: upperFirst(l.cardName(c)), Label: string(c.Kind) + " " + l.cardName(c) + " " + c.LastFour, Slot: intents.SlotCard, Value: string(c.Kind)})
	}
	return banks.Card{}, &plan{ask: l.msg("card.ask", l.or(names)), awaiting: intents.SlotCard, choices: cs}, nil
}

func (s *Skill) planLock(ctx context.Context, r *Request, slots intents.Slots) (*plan, error) {
	l := langOf(r.Locale)
	ctl, err := capability[banks.CardControls](s.cfg.Bank, "skill.lock")
	if err != nil {
		return nil, err
	}
	if slots.String(intents.SlotCard) == "" && (bothCards(r.Text) || slots.String(slotAll) != "") {
		if p, err := s.planLockAll(ctx, r, l, ctl); p != nil || err != nil {
			return p, err // "lock both my cards", "sperr alle meine Karten"
		}
	}
	card, ask, err := s.findCard(ctx, r, l, slots, nil)
	if err != nil || ask != nil {
		return ask, err
	}
	if card.Locked {
		return refuse(l, l.msg("card.already_locked", upperFirst(l.cardName(card)))), nil
	}
	// Locking protects the customer: it needs neither a read-back nor a PIN.
	return &plan{op: s.actionOp("lock_card", "card ending "+card.LastFour, card.ID), do: func(ctx context.Context, key string) (*Response, *AuditEntry, error) {
		entry := &AuditEntry{Action: "lock_card", Detail: "card ending " + card.LastFour}
		if err := ctl.SetCardLocked(ctx, r.User, card.ID, true, key); err != nil {
			return nil, entry, err
		}
		entry.Outcome = "done"
		return anythingElse(l, l.msg("card.locked", l.cardName(card))), entry, nil
	}}, nil
}

// slotAll marks a card dialog about every card at once.
const slotAll = "all"

// bothCards: the words ask for every card at once ("lock both my
// cards", "all of my cards", "sperr beide Karten", "alle meine Karten").
func bothCards(text string) bool {
	t := " " + intents.Normalize(text) + " "
	if exceptsCard(t) {
		return false // "lock every card but the credit card": not all; which is asked
	}
	return containsAny(t, " both cards", " both my cards", " both of my cards", " both of them", " both the cards", " all my cards", " all of my cards",
		" all cards", " all the cards", " every card", " beide karten", " beide meine karten", " meine beiden karten", " beiden karten", " alle karten",
		" alle meine karten", " alle beide", " all meine karten")
}

// exceptsCard: the words leave a card out ("except the debit card",
// "außer der Girokarte", "bis auf die Kreditkarte").
func exceptsCard(t string) bool {
	return containsAny(t, " except ", " but the ", " but not the ", " other than ", " apart from ", " besides the ", " außer ", " ausser ", " bis auf ", " nur nicht ")
}

// planLockAll locks every card of the user's not locked yet, at once (a
// lost wallet): nil when the user has only one card.
func (s *Skill) planLockAll(ctx context.Context, r *Request, l lang, ctl banks.CardControls) (*plan, error) {
	cards, err := s.cards(ctx, r)
	if err != nil {
		return nil, err
	}
	var open []banks.Card
	for _, c := range cards {
		if !c.Locked {
			open = append(open, c)
		}
	}
	if len(cards) < 2 {
		return nil, nil // one card: the usual way says it
	}
	if len(open) == 0 {
		var all []string
		for _, c := range cards {
			all = append(all, l.cardName(c))
		}
		return refuse(l, l.msg("card.already_locked_all", upperFirst(l.List(all)))), nil
	}
	var names, last4 []string
	for _, c := range open {
		names = append(names, l.cardName(c))
		last4 = append(last4, c.LastFour)
	}
	detail := "cards ending " + strings.Join(last4, ", ")
	return &plan{op: s.actionOp("lock_card", detail, open[0].ID), do: func(ctx context.Context, key string) (*Response, *AuditEntry, error) {
		entry := &AuditEntry{Action: "lock_card", Detail: detail}
		for _, c := range open {
			if err := ctl.SetCardLocked(ctx, r.User, c.ID, true, key+"-"+c.ID); err != nil {
				return nil, entry, err
			}
		}
		entry.Outcome = "done"
		return anythingElse(l, l.msg("card.locked_all", l.List(names))), entry, nil
	}}, nil
}

func (s *Skill) planUnlock(ctx context.Context, r *Request, slots intents.Slots) (*plan, error) {
	l := langOf(r.Locale)
	ctl, err := capability[banks.CardControls](s.cfg.Bank, "skill.unlock")
	if err != nil {
		return nil, err
	}
	if slots.String(intents.SlotCard) == "" && (slots.String(slotAll) != "" || bothCards(r.Text)) {
		if p, err := s.planUnlockAll(ctx, r, l, ctl, slots); p != nil || err != nil {
			return p, err // "unlock both my cards", "entsperr alle meine Karten"
		}
	}
	card, ask, err := s.findCard(ctx, r, l, slots, nil)
	if err != nil || ask != nil {
		return ask, err
	}
	if !card.Locked {
		return refuse(l, l.msg("card.not_locked", upperFirst(l.cardName(card)))), nil
	}
	return &plan{readback: l.msg("card.unlock.readback", l.cardName(card)), pin: true, pinAsk: l.msg("card.unlock.pin", l.cardName(card)),
		op: s.actionOp("unlock_card", "card ending "+card.LastFour, card.ID),
		do: func(ctx context.Context, key string) (*Response, *AuditEntry, error) {
			entry := &AuditEntry{Action: "unlock_card", Detail: "card ending " + card.LastFour}
			if err := ctl.SetCardLocked(ctx, r.User, card.ID, false, key); err != nil {
				return nil, entry, err
			}
			entry.Outcome = "done"
			return anythingElse(l, l.msg("card.unlocked", upperFirst(l.cardName(card)))), entry, nil
		}}, nil
}

// planUnlockAll unlocks every locked card of the user's after one
// read-back and the PIN: nil when the user has only one card. With one
// card locked, that card's own unlock is the plan.
func (s *Skill) planUnlockAll(ctx context.Context, r *Request, l lang, ctl banks.CardControls, slots intents.Slots) (*plan, error) {
	cards, err := s.cards(ctx, r)
	if err != nil || len(cards) < 2 {
		return nil, err
	}
	var locked []banks.Card
	var all []string
	for _, c := range cards {
		all = append(all, l.cardName(c))
		if c.Locked {
			locked = append(locked, c)
		}
	}
	switch len(locked) {
	case 0:
		return refuse(l, l.msg("card.not_locked_all", upperFirst(l.List(all)))), nil
	case 1:
		card, ask, err := s.findCard(ctx, r, l, slots, func(c banks.Card) bool { return c.Locked })
		if err != nil || ask != nil {
			return ask, err
		}
		slots[intents.SlotCard] = string(card.Kind)
		return nil, nil // the one locked card: its own unlock
	}
	var names, last4 []string
	for _, c := range locked {
		names = append(names, l.cardName(c))
		last4 = append(last4, c.LastFour)
	}
	detail := "cards ending " + strings.Join(last4, ", ")
	slots[slotAll] = "1" // (the PIN turn plans it again, without these words)
	return &plan{readback: l.msg("card.unlock.readback", l.List(names)), pin: true, pinAsk: l.msg("card.unlock.pin", l.List(names)),
		op: s.actionOp("unlock_card", detail, locked[0].ID),
		do: func(ctx context.Context, key string) (*Response, *AuditEntry, error) {
			entry := &AuditEntry{Action: "unlock_card", Detail: detail}
			for i, c := range locked {
				if err := ctl.SetCardLocked(ctx, r.User, c.ID, false, key+"-"+c.ID); err != nil {
					// The cards unlocked before are locked again: a failed
					// unlock leaves every card as it was, as the user hears
					// it (before, the first card worked again while the
					// answer and the audit said the unlock had failed).
					for _, u := range locked[:i] {
						if lerr := ctl.SetCardLocked(context.WithoutCancel(ctx), r.User, u.ID, true, key+"-"+u.ID+"-back"); lerr != nil {
							s.cfg.Log.ErrorContext(ctx, "a card stayed unlocked after the unlock of every card failed", "err", lerr)
						}
					}
					return nil, entry, err
				}
			}
			entry.Outcome = "done"
			return anythingElse(l, l.msg("card.unlocked_all", upperFirst(l.List(names)))), entry, nil
		}}, nil
}

func (s *Skill) planLost(ctx context.Context, r *Request, slots intents.Slots) (*plan, error) {
	if slots.String(intents.SlotCard) == "" && slots.String(slotAll) == "" && bothCards(r.Text) &&
		containsAny(" "+intents.Normalize(r.Text)+" ", " lock", " freeze", " block", " sperr") {
		// "i lost my wallet, lock both my cards": both are locked now
		// (not "yes, block both cards" at the block of both for good: see
		// planLostAll)
		// (at once and undone with the PIN); a new card is a question of
		// its own.
		return s.planLock(ctx, r, slots)
	}
	if slots.String(intents.SlotCard) == "" && (slots.String(slotAll) != "" || bothCards(r.Text)) {
		if p, err := s.planLostAll(ctx, r, slots); p != nil || err != nil {
			return p, err // "my wallet was stolen with both cards in it"
		}
	}
	return s.planReplacement(ctx, r, slots, true)
}

// planLostAll blocks every card of the user's for good and orders new
// ones, after one read-back and the PIN: nil when the user has only one
// card. A block for good cannot be undone, so when the bank refuses one
// card after another was blocked, the answer says which is which.
func (s *Skill) planLostAll(ctx context.Context, r *Request, slots intents.Slots) (*plan, error) {
	l := langOf(r.Locale)
	ctl, err := capability[banks.CardControls](s.cfg.Bank, "skill.replace")
	if err != nil {
		return nil, err
	}
	cc, err := capability[banks.Cards](s.cfg.Bank, "skill.cards")
	if err != nil {
		return nil, err
	}
	cards, err := cc.Cards(ctx, r.User) // every card, whichever this turn named ("the Mastercard was in there too")
	if err != nil || len(cards) < 2 {
		return nil, err
	}
	var names, last4 []string
	for _, c := range cards {
		names = append(names, l.cardName(c))
		last4 = append(last4, c.LastFour)
	}
	detail := "cards ending " + strings.Join(last4, ", ")
	slots[slotAll] = "1" // (the PIN turn plans it again, without these words)
	return &plan{readback: l.msg("card.lost.readback_all", l.List(names)), pin: true, op: s.actionOp("report_lost_card", detail, cards[0].ID),
		do: func(ctx context.Context, key string) (*Response, *AuditEntry, error) {
			entry := &AuditEntry{Action: "report_lost_card", Detail: detail}
			var refs []string
			var arrives time.Time
			for i, c := range cards {
				o, err := ctl.ReplaceCard(ctx, r.User, c.ID, true, key+"-"+c.ID)
				if err != nil {
					if i == 0 {
						return nil, entry, err
					}
					var rest []string
					for _, u := range cards[i:] {
						rest = append(rest, l.cardName(u))
					}
					entry.Outcome = "partial:cards ending " + strings.Join(last4[:i], ", ") // (the audit keeps the detail of the claim)
					return anythingElse(l, l.msg("card.lost.partial", upperFirst(l.List(names[:i])), l.List(refs), l.List(rest))), entry, nil
				}
				refs = append(refs, spell(o.Reference))
				if o.Arrives.After(arrives) {
					arrives = o.Arrives
				}
			}
			entry.Outcome = "done"
			r.turn.arrives = arrives
			return anythingElse(l, l.msg("card.lost.done_all", l.Date(arrives, r.Now), l.List(refs))), entry, nil
		}}, nil
}

func (s *Skill) planReplace(ctx context.Context, r *Request, slots intents.Slots) (*plan, error) {
	return s.planReplacement(ctx, r, slots, false)
}

func (s *Skill) planReplacement(ctx context.Context, r *Request, slots intents.Slots, lost bool) (*plan, error) {
	l := langOf(r.Locale)
	ctl, err := capability[banks.CardControls](s.cfg.Bank, "skill.replace")
	if err != nil {
		return nil, err
	}
	card, ask, err := s.findCard(ctx, r, l, slots, nil)
	if err != nil || ask != nil {
		return ask, err
	}
	q := l.msg("card.replace.readback", l.cardName(card), strconv.Itoa(s.sheet(r).CardDeliveryDays))
	if lost {
		q = l.msg("card.lost.readback", l.cardName(card))
	}
	action := map[bool]string{true: "report_lost_card", false: "replace_card"}[lost]
	return &plan{readback: q, pin: lost, op: s.actionOp(action, "card ending "+card.LastFour, card.ID), do: func(ctx context.Context, key string) (*Response, *AuditEntry, error) {
		entry := &AuditEntry{Action: action, Detail: "card ending " + card.LastFour}
		o, err := ctl.ReplaceCard(ctx, r.User, card.ID, lost, key)
		if err != nil {
			return nil, entry, err
		}
		entry.Outcome = "done"
		r.turn.arrives = o.Arrives // for "when will the new one arrive"
		if lost {
			return anythingElse(l, l.msg("card.lost.done", l.Date(o.Arrives, r.Now), spell(o.Reference))), entry, nil
		}
		return anythingElse(l, l.msg("card.replace.done", l.Date(o.Arrives, r.Now), spell(o.Reference))), entry, nil
	}}, nil
}

// --- accounts ---

// chooseAccount resolves the account slot, asking with question (given
// the choices, "your A or your B") when there is a choice.
func (s *Skill) chooseAccount(ctx context.Context, r *Request, l lang, slots intents.Slots, question func(choices string) string) (banks.Account, *plan, error) {
	accts, err := s.cfg.Bank.Accounts(ctx, r.User)
	if err != nil {
		return banks.Account{}, nil, err
	}
	if k := slots.String(intents.SlotAccount); k != "" {
		if a, ok := byKind(accts, k); ok {
			return a, nil, nil
		}
		return banks.Account{}, refuse(l, l.msg("account.none_of_kind", l.AccountKind(banks.AccountKind(k)))), nil
	}
	if len(accts) == 1 {
		return accts[0], nil, nil
	}
	var names []string
	var cs []choice
	for _, a := range accts {
		names = append(names, l.accountName(a))
		cs = append(cs, choice{Show: a.Name, Label: a.Name + " " + l.AccountKind(a.Kind) + " " + string(a.Kind), Slot: intents.SlotAccount, Value: string(a.Kind)})
	}
	return banks.Account{}, &plan{ask: question(l.or(names)), awaiting: intents.SlotAccount, choices: cs}, nil
}

func (s *Skill) planFreeze(ctx context.Context, r *Request, slots intents.Slots) (*plan, error) {
	l := langOf(r.Locale)
	ac, err := capability[banks.AccountControls](s.cfg.Bank, "skill.freeze")
	if err != nil {
		return nil, err
	}
	acct, ask, err := s.chooseAccount(ctx, r, l, slots, func(choices string) string { return l.msg("freeze.ask", choices) })
	if err != nil || ask != nil {
		return ask, err
	}
	return &plan{readback: l.msg("freeze.readback", l.accountAcc(acct)),
		op:  s.actionOp("freeze_account", string(acct.Kind)+" account ending "+acct.LastFour, acct.ID),
		pin: true, do: func(ctx context.Context, key string) (*Response, *AuditEntry, error) {
			entry := &AuditEntry{Action: "freeze_account", Detail: string(acct.Kind) + " account ending " + acct.LastFour}
			if err := ac.Freeze(ctx, r.User, acct.ID, key); err != nil {
				return nil, entry, err
			}
			entry.Outcome = "done"
			return anythingElse(l, l.msg("freeze.done", upperFirst(l.accountNom(acct)), s.sheet(r).SupportPhone)), entry, nil
		}}, nil
}

func (s *Skill) creditCard(ctx context.Context, r *Request, l lang) (banks.Account, *plan, error) {
	accts, err := s.cfg.Bank.Accounts(ctx, r.User)
	if err != nil {
		return banks.Account{}, nil, err
	}
	if a, ok := byKind(accts, "credit_card"); ok {
		return a, nil, nil
	}
	return banks.Account{}, refuse(l, l.msg("credit.no_card")), nil
}

func (s *Skill) planRedeem(ctx context.Context, r *Request, slots intents.Slots) (*plan, error) {
	l := langOf(r.Locale)
	rw, err := capability[banks.Rewards](s.cfg.Bank, "skill.redeem")
	if err != nil {
		return nil, err
	}
	card, p, err := s.creditCard(ctx, r, l)
	if err != nil || p != nil {
		return p, err
	}
	pts, value, err := rw.RewardsBalance(ctx, r.User, card.ID)
	if err != nil {
		return nil, err
	}
	if pts <= 0 {
		return refuse(l, l.msg("rewards.none")), nil
	}
	return &plan{readback: l.msg("rewards.readback", l.printer.Sprint(pts), l.Money(value), l.accountName(card)),
		do: func(ctx context.Context, key string) (*Response, *AuditEntry, error) {
			entry := &AuditEntry{Action: "redeem_rewards", Detail: fmt.Sprintf("%d points", pts)}
			credited, err := rw.RedeemRewards(ctx, r.User, card.ID, key)
			if err != nil {
				return nil, entry, err
			}
			entry.Outcome = "done"
			return anythingElse(l, l.msg("rewards.done", l.Money(credited), l.accountName(card))), entry, nil
		}}, nil
}

func (s *Skill) planLimitIncrease(ctx context.Context, r *Request, slots intents.Slots) (*plan, error) {
	l := langOf(r.Locale)
	rq, err := capability[banks.Requests](s.cfg.Bank, "skill.limit")
	if err != nil {
		return nil, err
	}
	card, p, err := s.creditCard(ctx, r, l)
	if err != nil || p != nil {
		return p, err
	}
	return &plan{readback: l.msg("limit.readback", card.Name, l.Money(card.CreditLimit)), do: func(ctx context.Context, key string) (*Response, *AuditEntry, error) {
		entry := &AuditEntry{Action: "credit_limit_increase", Detail: card.Name}
		o, err := rq.Request(ctx, r.User, "credit_limit_increase", card.ID, key)
		if err != nil {
			return nil, entry, err
		}
		entry.Outcome = "done"
		return anythingElse(l, l.msg("limit.done", spell(o.Reference), l.Date(o.Arrives, r.Now))), entry, nil
	}}, nil
}

func (s *Skill) planChecks(ctx context.Context, r *Request, slots intents.Slots) (*plan, error) {
	l := langOf(r.Locale)
	if !s.sheet(r).OrdersChecks {
		return refuse(l, l.msg("checks.not_offered")), nil
	}
	rq, err := capability[banks.Requests](s.cfg.Bank, "skill.checks")
	if err != nil {
		return nil, err
	}
	if slots.String(intents.SlotAccount) == "" {
		slots[intents.SlotAccount] = "checking"
	}
	acct, p, err := s.chooseAccount(ctx, r, l, slots, func(choices string) string { return l.msg("account.ask", choices) })
	if err != nil || p != nil {
		return p, err
	}
	return &plan{readback: l.msg("checks.readback", l.accountAcc(acct)),
		do: func(ctx context.Context, key string) (*Response, *AuditEntry, error) {
			entry := &AuditEntry{Action: "order_checks", Detail: string(acct.Kind) + " account ending " + acct.LastFour}
			o, err := rq.Request(ctx, r.User, "checks", acct.ID, key)
			if err != nil {
				return nil, entry, err
			}
			entry.Outcome = "done"
			return anythingElse(l, l.msg("checks.done", l.Date(o.Arrives, r.Now))), entry, nil
		}}, nil
}

// --- fraud, agents and privacy ---

func (s *Skill) planReportFraud(ctx context.Context, r *Request, slots intents.Slots) (*plan, error) {
	l := langOf(r.Locale)
	fr, err := capability[banks.Fraud](s.cfg.Bank, "skill.fraud")
	if err != nil {
		return nil, err
	}
	ctl, err := capability[banks.CardControls](s.cfg.Bank, "skill.fraud")
	if err != nil {
		return nil, err
	}
	if slots.String(intents.SlotCard) == "" && slots.String(intents.SlotAccount) == "credit_card" {
		slots[intents.SlotCard] = "credit"
	}
	var charge *banks.Transaction
	if slots.String(intents.SlotCard) == "" && r.Text != "" {
		// "there's a ticketmaster charge on my card I don't recognize":
		// the charge named is found on whichever card made it, and said,
		// rather than asking which card.
		tx, c, ok, err := s.chargeNamed(ctx, r)
		if err != nil {
			return nil, err
		}
		if ok {
			slots[intents.SlotCard] = string(c.Kind)
			charge = &tx
		}
	}
	card, ask, err := s.findCard(ctx, r, l, slots, nil)
	if err != nil || ask != nil {
		return ask, err
	}
	// Protective: the card is locked at once, then an agent is offered.
	return &plan{do: func(ctx context.Context, key string) (*Response, *AuditEntry, error) {
		entry := &AuditEntry{Action: "report_fraud", Detail: "card ending " + card.LastFour}
		if err := ctl.SetCardLocked(ctx, r.User, card.ID, true, key+"-lock"); err != nil {
			return nil, entry, err
		}
		txID, found := "", ""
		if charge != nil {
			txID = charge.ID
			found = l.msg("fraud.charge_found", l.Money(charge.Amount.Abs()), charge.Merchant, l.On(charge.Time, r.Now), l.cardName(card)) + " "
		}
		ref, err := fr.OpenCase(ctx, r.User, card.ID, txID, key)
		if err != nil {
			return nil, entry, err
		}
		entry.Outcome = "done"
		r.st.Dialog = nil
		return s.offerAgent(r, found+l.msg("fraud.done", l.cardName(card), spell(ref)), "fraud"), entry, nil
	}}, nil
}

// chargeNamed is the charge a fraud report names by its merchant ("a
// ticketmaster charge I don't recognize", "eine Abbuchung von CinemaxX")
// and the card it was made with: the latest charge at that merchant in
// the last three months, when the merchant's charges are on one card
// only. ok is false when the turn names none of the user's merchants, or
// their charges there are on no card or on more than one.
func (s *Skill) chargeNamed(ctx context.Context, r *Request) (banks.Transaction, banks.Card, bool, error) {
	cc, isCards := s.cfg.Bank.(banks.Cards)
	if !isCards {
		return banks.Transaction{}, banks.Card{}, false, nil
	}
	m, err := s.merchantNamed(ctx, r)
	if err == nil && m == "" && r.turn != nil {
		m = r.turn.chargeOf // "that's not me, report it" after the list of that merchant's
	}
	if err != nil || m == "" {
		return banks.Transaction{}, banks.Card{}, false, err
	}
	cards, err := cc.Cards(ctx, r.User)
	if err != nil {
		return banks.Transaction{}, banks.Card{}, false, err
	}
	txs, err := s.cfg.Bank.Transactions(ctx, r.User, banks.TxFilter{Merchant: m, From: r.Now.AddDate(0, -3, 0), Limit: 50})
	if err != nil {
		return banks.Transaction{}, banks.Card{}, false, err
	}
	var found []banks.Card
	var first banks.Transaction
	for _, t := range txs {
		if t.Amount.Minor >= 0 || !strings.EqualFold(t.Merchant, m) {
			continue // a refund or credit is no charge
		}
		for _, c := range cards {
			if c.AccountID == t.AccountID && !slices.ContainsFunc(found, func(f banks.Card) bool { return f.ID == c.ID }) {
				if len(found) == 0 {
					first = t
				}
				found = append(found, c)
			}
		}
	}
	if len(found) != 1 {
		return banks.Transaction{}, banks.Card{}, false, nil
	}
	return first, found[0], true, nil
}

// namesOtherCharge tells whether a fraud report names a charge of the
// user's at a merchant other than the open alert's ("there's a
// starbucks charge I didn't make" while the alert is about ElectroMart):
// that charge is what it is about, not the alert.
func (s *Skill) namesOtherCharge(ctx context.Context, r *Request) bool {
	m, err := s.merchantNamed(ctx, r)
	if err != nil || m == "" {
		return false
	}
	if fr, ok := s.cfg.Bank.(banks.Fraud); ok {
		if alerts, err := fr.Alerts(ctx, r.User); err == nil && len(alerts) > 0 && alerts[0].Status == "open" && strings.EqualFold(alerts[0].Merchant, m) {
			return false
		}
	}
	return true
}

// merchantNamed is the one of the user's merchants the turn names, whole
// ("ticketmaster", "cinemaxx"), by a nickname of the bank's sheet, or
// surely after "at"/"bei"; "" when it names none.
func (s *Skill) merchantNamed(ctx context.Context, r *Request) (string, error) {
	names, err := (&banking{bank: s.cfg.Bank}).merchants(ctx, r)
	if err != nil || len(names) == 0 {
		return "", err
	}
	norm := intents.Normalize(r.Text)
	if m := namedMerchant(r, names); m != "" {
		return m, nil
	}
	if m := s.merchantNickname(r, norm, names); m != "" {
		return m, nil
	}
	if said := merchantPhrase(norm, r.Locale, r.Now); said != "" {
		if ms := resolve.Resolve(said, names, r.Locale); len(ms) > 0 && (ms[0].Kind == resolve.Exact || ms[0].Kind == resolve.Confident) &&
			(len(ms) < 2 || ms[1].Kind != resolve.Exact) {
			return ms[0].Name, nil
		}
	}
	return "", nil
}

// offerAgent ends an answer with the offer of a callback and leaves a
// yes-or-no dialog for it.
func (s *Skill) offerAgent(r *Request, before, topic string) *Response {
	l := langOf(r.Locale)
	q := l.msg("agent.offer")
	r.turn.next = &dialog{Action: actCallback, Slots: intents.Slots{"topic": topic}, Stage: stageConfirm, Key: newKey(), Question: q, Started: r.Now, Soft: true}
	return &Response{Speech: strings.TrimSpace(before + " " + q), Reprompt: q}
}

func (s *Skill) planCallback(ctx context.Context, r *Request, slots intents.Slots) (*plan, error) {
	l := langOf(r.Locale)
	sh := s.sheet(r)
	return &plan{readback: l.msg("agent.readback"),
		no: l.msg("agent.no", sh.SupportPhone, sh.SupportHours),
		do: func(ctx context.Context, key string) (*Response, *AuditEntry, error) {
			if err := s.cfg.Store.AddCallback(ctx, Callback{Platform: r.Platform, UserID: r.UserID, Bank: r.User.Bank, Customer: r.User.Customer,
				Topic: slots.String("topic"), At: r.Now}); err != nil {
				return nil, nil, err
			}
			return anythingElse(l, l.msg("agent.done", sh.SupportHours)), nil, nil
		}}, nil
}

func (s *Skill) planReviewAlert(ctx context.Context, r *Request, slots intents.Slots) (*plan, error) {
	l := langOf(r.Locale)
	fr, err := capability[banks.Fraud](s.cfg.Bank, "skill.alert")
	if err != nil {
		return nil, err
	}
	ctl, err := capability[banks.CardControls](s.cfg.Bank, "skill.alert")
	if err != nil {
		return nil, err
	}
	alerts, err := fr.Alerts(ctx, r.User)
	if err != nil {
		return nil, err
	}
	var al banks.Alert
	for _, a := range alerts {
		if a.ID == slots.String("alert") {
			al = a
		}
	}
	if al.ID == "" || al.Status != "open" {
		return refuse(l, l.msg("alert.done_already")), nil
	}
	p := &plan{readback: alertQuestion(l, al, r.Now),
		do: func(ctx context.Context, key string) (*Response, *AuditEntry, error) {
			entry := &AuditEntry{Action: "alert_genuine", Detail: fmt.Sprintf("%s at %s", al.Amount, al.Merchant)}
			if err := fr.ResolveAlert(ctx, r.User, al.ID, true, key); err != nil {
				return nil, entry, err
			}
			entry.Outcome = "done"
			s.rememberAlert(ctx, r, al, "genuine")
			return anythingElse(l, l.msg("alert.genuine")), entry, nil
		}}
	p.onNo = func(ctx context.Context, key string) (*Response, *AuditEntry, error) {
		entry := &AuditEntry{Action: "alert_fraud", Detail: fmt.Sprintf("%s at %s", al.Amount, al.Merchant)}
		if err := ctl.SetCardLocked(ctx, r.User, al.CardID, true, key+"-lock"); err != nil {
			return nil, entry, err
		}
		if err := fr.ResolveAlert(ctx, r.User, al.ID, false, key+"-alert"); err != nil {
			return nil, entry, err
		}
		ref, err := fr.OpenCase(ctx, r.User, al.CardID, al.TransactionID, key+"-case")
		if err != nil {
			return nil, entry, err
		}
		entry.Outcome = "done"
		s.rememberAlert(ctx, r, al, "fraud")
		return s.offerAgent(r, l.msg("alert.fraud", spell(ref)), "fraud"), entry, nil
	}
	return p, nil
}

// alertCard is the card an alert's charge was made with.
func (s *Skill) alertCard(ctx context.Context, r *Request, alertID string) (banks.Card, bool) {
	fr, ok := s.cfg.Bank.(banks.Fraud)
	if !ok {
		return banks.Card{}, false
	}
	alerts, err := fr.Alerts(ctx, r.User)
	if err != nil {
		return banks.Card{}, false
	}
	for _, a := range alerts {
		if a.ID != alertID {
			continue
		}
		cards, err := s.cards(ctx, r)
		if err != nil {
			return banks.Card{}, false
		}
		for _, c := range cards {
			if c.ID == a.CardID {
				return c, true
			}
		}
	}
	return banks.Card{}, false
}

// rememberAlert keeps what became of the alert next to the subject of
// the conversation, which it does not replace ("and the month before?"
// still follows the spending asked before the alert): "so my card still
// works?" and "is the money coming back?" read it.
func (s *Skill) rememberAlert(ctx context.Context, r *Request, al banks.Alert, outcome string) {
	note := &alertNote{Outcome: outcome, Merchant: al.Merchant, Amount: langOf(r.Locale).Money(al.Amount), When: langOf(r.Locale).On(al.Time, r.Now)}
	if c, ok := s.alertCard(ctx, r, al.ID); ok {
		note.Card = string(c.Kind)
	}
	sub := &subject{}
	if prev := s.previous(r); prev != nil {
		cp := *prev
		sub = &cp
	}
	sub.Alert = note
	sub.Owner = ownerOf(r.User)
	r.turn.subject = sub
	if !r.Channel.Carry {
		r.st.Subject = sub
	}
}

func alertQuestion(l lang, al banks.Alert, now time.Time) string {
	return l.msg("alert.question", l.Money(al.Amount), al.Merchant, l.On(al.Time, now))
}

func (s *Skill) planPrivacyErase(ctx context.Context, r *Request, slots intents.Slots) (*plan, error) {
	l := langOf(r.Locale)
	return &plan{readback: l.msg("privacy.readback"),
		no: l.msg("privacy.no"),
		do: func(ctx context.Context, key string) (*Response, *AuditEntry, error) {
			if err := s.Unlink(ctx, r.Platform, r.UserID); err != nil {
				return nil, nil, err
			}
			r.turn.forget = true
			return &Response{Speech: l.msg("privacy.done"), EndSession: true}, &AuditEntry{Action: "privacy_delete", Outcome: "done"}, nil
		}}, nil
}

func (s *Skill) planShowNumber(ctx context.Context, r *Request, slots intents.Slots) (*plan, error) {
	l := langOf(r.Locale)
	an, err := capability[banks.AccountNumbers](s.cfg.Bank, "skill.number")
	if err != nil {
		return nil, err
	}
	acct, p, err := s.chooseAccount(ctx, r, l, slots, func(choices string) string { return l.msg("account.ask", choices) })
	if err != nil || p != nil {
		return p, err
	}
	if !textChannel(r) {
		// The PIN said on a voice turn after the number was asked for in
		// a private chat: the last four digits, never the whole number
		// aloud.
		return refuse(l, l.msg("details.number", acct.Name, l.accountName(acct), digits(acct.LastFour))+" "+l.msg("details.last_four")), nil
	}
	return &plan{pin: true, do: func(ctx context.Context, key string) (*Response, *AuditEntry, error) {
		num, err := an.AccountNumber(ctx, r.User, acct.ID)
		if err != nil {
			return nil, nil, err
		}
		sh := s.sheet(r)
		text := l.msg("number.account", acct.Name, num)
		if sh.RoutingNumber != "" {
			text += l.msg("number.routing", sh.RoutingNumber)
		}
		if sh.SortCode != "" {
			text += l.msg("number.sort_code", sh.SortCode)
		}
		if sh.BIC != "" {
			text += l.msg("number.bic", sh.BIC)
		}
		return &Response{Speech: text, Card: &Card{Title: acct.Name, Text: text}, Sensitive: true},
			&AuditEntry{Action: "show_account_number", Detail: acct.Name, Outcome: "done"}, nil
	}}, nil
}

// payeeInWords finds the one saved payee whose first or full name is
// among the turn's words ("send money for maria"), if exactly one is.
func (s *Skill) payeeInWords(ctx context.Context, r *Request) (banks.Payee, bool) {
	if r.Text == "" {
		return banks.Payee{}, false
	}
	payees, ok := s.userPayees(ctx, r)
	if !ok {
		return banks.Payee{}, false
	}
	t := " " + intents.Normalize(r.Text) + " "
	var found []banks.Payee
	for _, p := range payees {
		name := strings.Fields(intents.Normalize(p.Name))
		if len(name) == 0 || len(name[0]) < 3 {
			continue
		}
		if strings.Contains(t, " "+name[0]+" ") || strings.Contains(t, " "+strings.Join(name, " ")+" ") {
			found = append(found, p)
		}
	}
	if len(found) != 1 {
		return banks.Payee{}, false
	}
	return found[0], true
}

// savedPayee: name is the full name of one of the user's saved payees.
func (s *Skill) savedPayee(ctx context.Context, r *Request, name string) bool {
	payees, ok := s.userPayees(ctx, r)
	if !ok {
		return false
	}
	n := intents.Normalize(name)
	for _, p := range payees {
		if intents.Normalize(p.Name) == n {
			return true // (only the full name: "my savings" is no "Emma Savings")
		}
	}
	return false
}

// takeBacks are the words that take a name back ("alice, no, tom",
// "nicht anna, max").
var takeBacks = []string{" no ", " nope ", " not ", " i mean ", " i meant ", " sorry ", " nein ", " nee ", " nicht ", " ich meine ", " ich meinte ", " lieber "}

// payeeTakenBack: the turn names chosen, then takes it back and names
// another saved payee ("send alice meyer, no, tom nguyen 20 dollars"), or
// takes chosen back before naming the other ("not alice, tom"): that
// other payee.
func payeeTakenBack(text string, chosen banks.Payee, payees []banks.Payee) (banks.Payee, bool) {
	t := " " + intents.Normalize(text) + " "
	first := func(p banks.Payee) string {
		if f := strings.Fields(intents.Normalize(p.Name)); len(f) > 0 {
			return " " + f[0] + " "
		}
		return "\x00"
	}
	at := strings.Index(t, first(chosen))
	if at < 0 {
		return banks.Payee{}, false
	}
	var found []banks.Payee
	for _, p := range payees {
		if p.Name == chosen.Name || first(p) == first(chosen) {
			continue
		}
		i := strings.Index(t, first(p))
		if i < 0 {
			continue
		}
		lo, hi := at, i // chosen, a take-back, then the other
		if i < at {
			lo, hi = i, at // "tom, not alice": the other first, chosen taken back after it
		}
		between := t[lo : hi+1]
		if i > at && containsAny(between, takeBacks...) && !containsAny(between, " not ", " nicht ") ||
			i < at && containsAny(t[i:at+1], " not ", " nicht ", " instead of ", " statt ") {
			// (forward: "alice, no, tom"; "sophie turner not ravi" excludes
			// ravi. Backward: "tom, not alice".)
			found = append(found, p)
		}
	}
	if len(found) != 1 {
		return banks.Payee{}, false
	}
	return found[0], true
}

// billerIn is the one biller the words name, by name or by kind.
func billerIn(text, locale string, billers []banks.Biller) (banks.Biller, bool) {
	if b, ok := billerNamed(&Request{Text: text, Locale: locale}, billers); ok {
		return b, true
	}
	k := intents.ParseBiller(intents.Normalize(text)) // "the power bill": the recognizer's biller kinds
	var found []banks.Biller
	for _, b := range billers {
		if k != "" && b.Kind == k {
			found = append(found, b)
		}
	}
	if len(found) == 1 {
		return found[0], true
	}
	return banks.Biller{}, false
}

// billerTakenBack: the turn takes a bill back and names another ("the
// water bill, no, the power bill"), or names one and excludes the other
// ("pay spectrum, not seattle city light"): the one meant, if not chosen.
func (s *Skill) billerTakenBack(ctx context.Context, r *Request, chosen banks.Biller) (banks.Biller, bool) {
	if r.Text == "" {
		return banks.Biller{}, false
	}
	t := " " + intents.Normalize(r.Text) + " "
	i, marker := -1, ""
	for _, m := range []string{" no ", " nein ", " nee ", " i mean ", " i meant ", " ich meine ", " not ", " nicht ", " instead of ", " statt "} {
		if j := strings.Index(t, m); j >= 0 && (i < 0 || j < i) {
			i, marker = j, m
		}
	}
	if i < 0 {
		return banks.Biller{}, false
	}
	billers, ok := s.userBillers(ctx, r)
	if !ok {
		return banks.Biller{}, false
	}
	before, bok := billerIn(t[:i], r.Locale, billers)
	after, aok := billerIn(t[i+len(marker):], r.Locale, billers)
	excludes := marker == " not " || marker == " nicht " || marker == " instead of " || marker == " statt "
	switch {
	case excludes && aok && bok && after.ID == chosen.ID && before.ID != chosen.ID:
		return before, true // "pay spectrum, not seattle city light"
	case !excludes && aok && after.ID != chosen.ID:
		return after, true // "the water bill, no, the power bill"
	}
	return banks.Biller{}, false
}

// accountNumberWords name an account by its number.
var accountNumberWords = []string{" sort code", " account number", " acct number", " routing", " iban", " kontonummer", " bankleitzahl"}

// numberPayee: the words give an account by its number (a sort code, an
// account or routing number, an IBAN) instead of a saved payee.
func numberPayee(t string) bool {
	if containsAny(t, accountNumberWords...) || containsAny(t, " blz ", " bic ", " swift") {
		return true
	}
	digits := 0
	for _, w := range strings.Fields(t) {
		for _, c := range w {
			if c >= '0' && c <= '9' {
				digits++
			}
		}
	}
	return digits >= 8
}
