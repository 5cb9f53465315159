package skill

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"
	"time"

	"github.com/kontoskill/konto/banks"
	"github.com/kontoskill/konto/intents"
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
func (s *Skill) sheet(r *Request) banks.ProductSheet {
	if p, ok := s.cfg.Bank.(banks.Products); ok {
		if sh, err := p.ProductSheet(context.Background(), r.Locale); err == nil {
			return sh
		}
	}
	return banks.ProductSheet{SupportPhone: "your bank's support line", CardDeliveryDays: 7}
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
	return &Response{Speech: text + " " + l.pick("Anything else?", "Kann ich sonst noch etwas tun?"),
		Reprompt: l.pick(reprompt, repromptDE)}
}

func refuse(l lang, text string) *plan {
	return &plan{refuse: anythingElse(l, text)}
}

// accountName is "your X"; in German the dative "deinem Girokonto" /
// "deiner Kreditkarte", as after von, auf, bei.
func (l lang) accountName(a banks.Account) string {
	return l.pick("your ", germanArticle(a, "deinem ", "deiner ", "deinem ")) + a.Name
}

// accountNom is the nominative: "dein Girokonto", "deine Kreditkarte".
func (l lang) accountNom(a banks.Account) string {
	return l.pick("your ", germanArticle(a, "dein ", "deine ", "dein ")) + a.Name
}

// accountAcc is the accusative: "dein Girokonto", "deine Kreditkarte", "deinen Kredit".
func (l lang) accountAcc(a banks.Account) string {
	return l.pick("your ", germanArticle(a, "dein ", "deine ", "deinen ")) + a.Name
}

// germanArticle picks by the grammatical gender of the account's name:
// ...karte is feminine, Kredit and Darlehen masculine, ...konto neuter.
func germanArticle(a banks.Account, neuter, feminine, masculine string) string {
	n := strings.ToLower(a.Name)
	switch {
	case strings.Contains(n, "karte"):
		return feminine
	case strings.HasSuffix(n, "kredit") || strings.HasSuffix(n, "darlehen"):
		return masculine
	}
	return neuter
}

func (l lang) cardName(c banks.Card) string {
	kind := l.pick("debit card", "Debitkarte")
	if c.Kind == banks.Credit {
		kind = l.pick("credit card", "Kreditkarte")
	}
	return fmt.Sprintf(l.pick("your %s ending in %s", "deine %s mit den Endziffern %s"), kind, c.LastFour)
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

func byKind(accts []banks.Account, kind string) (banks.Account, bool) {
	for _, a := range accts {
		if string(a.Kind) == kind {
			return a, true
		}
	}
	return banks.Account{}, false
}

// chooseFrom asks which account money comes from when there is a choice.
func (s *Skill) chooseFrom(l lang, accts []banks.Account, exclude string, slots intents.Slots) (banks.Account, *plan) {
	if k := slots.String(intents.SlotFromAccount); k != "" {
		if a, ok := byKind(accts, k); ok {
			return a, nil
		}
		return banks.Account{}, refuse(l, fmt.Sprintf(l.pick("I don't see a %s you could pay from.", "Ich sehe kein %s, von dem du zahlen könntest."),
			l.AccountKind(banks.AccountKind(k))))
	}
	src := s.sources(accts, exclude)
	switch len(src) {
	case 0:
		return banks.Account{}, refuse(l, l.pick("You don't have an account I can pay from.", "Du hast kein Konto, von dem ich zahlen kann."))
	case 1:
		return src[0], nil
	}
	var names []string
	var cs []choice
	for _, a := range src {
		names = append(names, l.accountName(a))
		cs = append(cs, choice{Show: a.Name, Label: a.Name + " " + l.AccountKind(a.Kind) + " " + string(a.Kind), Slot: intents.SlotFromAccount, Value: string(a.Kind)})
	}
	q := l.pick("From which account: ", "Von welchem Konto: ") + l.or(names) + "?"
	return banks.Account{}, &plan{ask: q, awaiting: intents.SlotFromAccount, choices: cs}
}

func (l lang) or(items []string) string {
	if len(items) < 2 {
		return strings.Join(items, "")
	}
	return strings.Join(items[:len(items)-1], ", ") + l.pick(" or ", " oder ") + items[len(items)-1]
}

// checkMoney applies the bank partner's voice limits and the account's
// state before anything is read back.
func (s *Skill) checkMoney(ctx context.Context, r *Request, l lang, from banks.Account, amount banks.Money, scheduled bool) *plan {
	sh := s.sheet(r)
	if lim, err := banks.ParseMoney(sh.PerTransferLimit, amount.Currency); err == nil && lim.Minor > 0 && amount.Minor > lim.Minor {
		return refuse(l, fmt.Sprintf(l.pick("That's more than the %s I can move in one voice payment. Please use your bank's app for larger amounts.",
			"Das ist mehr als die %s, die ich per Sprache auf einmal überweisen kann. Größere Beträge gehen in der App deiner Bank."), l.Money(lim)))
	}
	if lim := s.dayLimit(r, amount.Currency); lim > 0 {
		// A first look for the read-back; the reservation at execution
		// is what holds under parallel payments.
		moved, err := s.cfg.Store.MovedToday(ctx, r.User.Bank, r.User.Customer, r.Now)
		if err == nil && moved+amount.Minor > lim {
			return &plan{refuse: s.overDailyLimit(ctx, r, amount)}
		}
	}
	if ac, ok := s.cfg.Bank.(banks.AccountControls); ok {
		if st, err := ac.Status(ctx, r.User, from.ID); err == nil && st.Status != "open" {
			return refuse(l, fmt.Sprintf(l.pick("%s is %s at the moment, so I can't pay from it. Ask me why it is blocked to hear more.",
				"%s ist gerade gesperrt, deshalb kann ich davon nicht zahlen. Frag mich, warum es gesperrt ist."),
				upperFirst(l.accountNom(from)), l.pick(st.Status, "")))
		}
	}
	if !scheduled {
		if bal, err := s.cfg.Bank.Balance(ctx, r.User, from.ID); err == nil && bal.Available.Minor < amount.Minor {
			return refuse(l, fmt.Sprintf(l.pick("You don't have enough money for that: %s has %s available.",
				"Dafür reicht das Geld nicht: Auf %s sind %s verfügbar."), l.accountName(from), l.Money(bal.Available)))
		}
	}
	return nil
}

// dayLimit is the bank partner's daily voice limit in minor units of
// currency; 0 when there is none.
func (s *Skill) dayLimit(r *Request, currency string) int64 {
	if lim, err := banks.ParseMoney(s.sheet(r).PerDayLimit, currency); err == nil && lim.Minor > 0 {
		return lim.Minor
	}
	return 0
}

// overDailyLimit refuses an amount that does not fit today's voice limit.
func (s *Skill) overDailyLimit(ctx context.Context, r *Request, amount banks.Money) *Response {
	l := langOf(r.Locale)
	lim := banks.Money{Minor: s.dayLimit(r, amount.Currency), Currency: amount.Currency}
	moved, _ := s.cfg.Store.MovedToday(ctx, r.User.Bank, r.User.Customer, r.Now)
	left := banks.Money{Minor: max(lim.Minor-moved, 0), Currency: amount.Currency}
	return anythingElse(l, fmt.Sprintf(l.pick("That would go over your daily voice limit of %s; you can still move %s today.",
		"Damit wäre dein Tageslimit per Sprache von %s überschritten; heute gehen noch %s."), l.Money(lim), l.Money(left)))
}

// moneyOp is the pending audit entry of a payment. Its fingerprint names
// what the payment does, so that the same payment confirmed again (in a
// new session, after a timeout) finds the pending one and its key.
func moneyOp(action, detail string, amount banks.Money, from, to string, when time.Time) *AuditEntry {
	day := "now"
	if !when.IsZero() {
		day = when.Format(time.DateOnly)
	}
	fp := sha256.Sum256([]byte(strings.Join([]string{action, from, to, amount.String(), day}, "\x00")))
	return &AuditEntry{Action: action, Detail: detail, Amount: amount.Minor, Currency: amount.Currency,
		Fingerprint: hex.EncodeToString(fp[:12])}
}

// opName names a pending payment: "your payment of $20.00 to Alice Chen".
func (l lang) opName(a AuditEntry) string {
	_, to, _ := strings.Cut(a.Detail, " to ")
	to = strings.TrimPrefix(strings.TrimPrefix(to, "biller "), "payee ")
	if kind, ok := strings.CutPrefix(to, "own "); ok {
		to = l.pick("your "+strings.TrimSuffix(kind, " account")+" account", "dein eigenes Konto")
	}
	amount := banks.Money{Minor: a.Amount, Currency: a.Currency}
	if to == "" {
		return fmt.Sprintf(l.pick("your payment of %s", "deine Zahlung über %s"), l.Money(amount))
	}
	return fmt.Sprintf(l.pick("your payment of %s to %s", "deine Zahlung über %s an %s"), l.Money(amount), to)
}

func upperFirst(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// payDate reads the date slot: zero for now, an error plan for the past.
func payDate(l lang, r *Request, slots intents.Slots) (time.Time, *plan) {
	d := slots.String(intents.SlotDate)
	if d == "" {
		return time.Time{}, nil
	}
	t, err := time.Parse(time.DateOnly, d)
	if err != nil {
		return time.Time{}, nil
	}
	today := time.Date(r.Now.Year(), r.Now.Month(), r.Now.Day(), 0, 0, 0, 0, time.UTC)
	if t.Before(today) {
		return time.Time{}, refuse(l, l.pick("I can't make a payment in the past.", "Eine Zahlung in der Vergangenheit kann ich nicht ausführen."))
	}
	if t.After(today.AddDate(1, 0, 0)) {
		return time.Time{}, refuse(l, l.pick("I can schedule payments up to a year ahead.", "Ich kann Zahlungen bis zu einem Jahr im Voraus planen."))
	}
	if t.Equal(today) {
		return time.Time{}, nil
	}
	return t, nil
}

func (l lang) when2(t time.Time, now time.Time) string {
	if t.IsZero() {
		return l.pick("now", "jetzt")
	}
	return l.pick("on ", "am ") + l.Date(t, now)
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
	// A payee that names an own account is a transfer between accounts.
	if p := slots.String(intents.SlotPayee); p != "" && slots.String(intents.SlotToAccount) == "" {
		if k := intents.ParseAccount(intents.Normalize(p)); k != "" {
			slots[intents.SlotToAccount] = k
			delete(slots, intents.SlotPayee)
		}
	}
	var to banks.Account
	var payee banks.Payee
	switch {
	case slots.String(intents.SlotToAccount) != "":
		a, ok := byKind(accts, slots.String(intents.SlotToAccount))
		if !ok {
			return refuse(l, fmt.Sprintf(l.pick("I don't see a %s among your accounts.", "Ich sehe kein %s unter deinen Konten."),
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
		matches := matchNames(slots.String(intents.SlotPayee), payees, func(p banks.Payee) string { return p.Name })
		switch len(matches) {
		case 0:
			return refuse(l, fmt.Sprintf(l.pick(
				"I don't see %s among your saved payees. For your safety I only send money to saved payees, never to account numbers said aloud; you can add a payee in your bank's app.",
				"%s ist nicht unter deinen gespeicherten Empfängern. Zu deiner Sicherheit überweise ich nur an gespeicherte Empfänger, nie an vorgelesene Kontonummern; neue Empfänger legst du in der App deiner Bank an."),
				titleCase(slots.String(intents.SlotPayee)))), nil
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
			return &plan{ask: l.or(names) + "?", awaiting: intents.SlotPayee, choices: cs}, nil
		}
	default:
		return &plan{ask: l.pick("Who should get the money? You can name a saved payee or one of your accounts.",
			"Wer soll das Geld bekommen? Nenne einen gespeicherten Empfänger oder eines deiner Konten."), awaiting: intents.SlotPayee}, nil
	}
	a, ok := slots.Amount(intents.SlotAmount)
	if !ok {
		name := payee.Name
		if name == "" {
			name = l.accountName(to)
		}
		return &plan{ask: fmt.Sprintf(l.pick("How much would you like to send to %s?", "Wie viel möchtest du an %s überweisen?"), name),
			awaiting: intents.SlotAmount}, nil
	}
	from, ask := s.chooseFrom(l, accts, to.ID, slots)
	if ask != nil {
		return ask, nil
	}
	amount, err := banks.ParseMoney(a.Value, a.Currency)
	if err != nil || amount.Minor <= 0 {
		return refuse(l, l.pick("That amount doesn't work for a payment.", "Dieser Betrag geht für eine Zahlung nicht.")), nil
	}
	if amount.Currency != from.Currency {
		return refuse(l, fmt.Sprintf(l.pick("I can only send %s from this account.", "Von diesem Konto kann ich nur in %s überweisen."), from.Currency)), nil
	}
	when, bad := payDate(l, r, slots)
	if bad != nil {
		return bad, nil
	}
	if p := s.checkMoney(ctx, r, l, from, amount, !when.IsZero()); p != nil {
		return p, nil
	}
	recipient := payee.Name
	if to.ID != "" {
		recipient = l.accountName(to)
	}
	readback := fmt.Sprintf(l.pick("You want to send %[1]s to %[2]s from %[3]s %[4]s. Shall I go ahead?",
		"Du möchtest %[1]s %[4]s von %[3]s an %[2]s überweisen. Soll ich das ausführen?"),
		l.Money(amount), recipient, l.accountName(from), l.when2(when, r.Now))
	target := "payee:" + payee.ID
	if to.ID != "" {
		target = "account:" + to.ID
	}
	return &plan{readback: readback, pin: true, no: l.pick("Okay, I won't send it.", "Okay, ich überweise nichts."),
		op:    moneyOp("transfer", fmt.Sprintf("%s to %s", amount, recipientLabel(payee, to)), amount, from.ID, target, when),
		limit: s.dayLimit(r, amount.Currency),
		do: func(ctx context.Context, key string) (*Response, *AuditEntry, error) {
			entry := &AuditEntry{Action: "transfer", Amount: amount.Minor, Detail: fmt.Sprintf("%s to %s", amount, recipientLabel(payee, to))}
			res, err := pay.Pay(ctx, r.User, banks.PaymentRequest{Key: key, FromAccountID: from.ID, ToAccountID: to.ID, PayeeID: payee.ID,
				Amount: amount, Date: when})
			if err != nil {
				return nil, entry, err
			}
			return paid(l, r, entry, res, amount, recipient, from, l.pick("sent", "überwiesen")), entry, nil
		}}, nil
}

// paid says what a payment did and completes its audit entry.
func paid(l lang, r *Request, entry *AuditEntry, res banks.PaymentResult, amount banks.Money, recipient string, from banks.Account, verb string) *Response {
	if res.Scheduled {
		entry.Outcome = "scheduled"
		return anythingElse(l, fmt.Sprintf(l.pick("Done. I've scheduled %s to %s for %s. The reference is %s.",
			"Erledigt. Ich habe %s an %s für den %s eingeplant. Die Referenz ist %s."),
			l.Money(amount), recipient, l.Date(res.Date, r.Now), spell(res.Reference)))
	}
	entry.Outcome = "done"
	return anythingElse(l, fmt.Sprintf(l.pick("Done. I %[6]s %[1]s to %[2]s. %[3]s now has %[4]s. The reference is %[5]s.",
		"Erledigt. Ich habe %[1]s an %[2]s %[6]s. Auf %[3]s sind jetzt %[4]s. Die Referenz ist %[5]s."),
		l.Money(amount), recipient, l.pick(upperFirst(l.accountName(from)), l.accountName(from)), l.Money(res.FromBalance.Booked),
		spell(res.Reference), verb))
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
		return banks.Biller{}, &plan{ask: l.pick("Which bill: ", "Welche Rechnung: ") + l.or(names) + "?", awaiting: intents.SlotBiller, choices: cs}, nil
	}
	if len(match) == 0 {
		return banks.Biller{}, refuse(l, l.pick("I don't see a saved biller for that. You can add billers in your bank's app.",
			"Dafür sehe ich keinen gespeicherten Rechnungssteller. Den kannst du in der App deiner Bank anlegen.")), nil
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
	if slots.String(intents.SlotBiller) == "credit_card" {
		// Paying the card bill is a transfer to the card account.
		slots[intents.SlotToAccount] = "credit_card"
		delete(slots, intents.SlotBiller)
		if _, ok := slots.Amount(intents.SlotAmount); !ok {
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
	slots[intents.SlotBiller] = biller.Kind
	a, ok := slots.Amount(intents.SlotAmount)
	var amount banks.Money
	if ok {
		if amount, err = banks.ParseMoney(a.Value, a.Currency); err != nil || amount.Minor <= 0 {
			return refuse(l, l.pick("That amount doesn't work for a payment.", "Dieser Betrag geht für eine Zahlung nicht.")), nil
		}
	} else if b, found := s.bill(ctx, r, biller.ID); found && !b.Paid {
		amount = b.Amount
	} else if found {
		return refuse(l, fmt.Sprintf(l.pick("Your %s bill is already paid.", "Deine Rechnung von %s ist schon bezahlt."), biller.Name)), nil
	} else {
		return &plan{ask: fmt.Sprintf(l.pick("How much would you like to pay to %s?", "Wie viel möchtest du an %s zahlen?"), biller.Name),
			awaiting: intents.SlotAmount}, nil
	}
	accts, err := s.cfg.Bank.Accounts(ctx, r.User)
	if err != nil {
		return nil, err
	}
	from, ask := s.chooseFrom(l, accts, "", slots)
	if ask != nil {
		return ask, nil
	}
	if amount.Currency != from.Currency {
		return refuse(l, fmt.Sprintf(l.pick("I can only pay in %s from this account.", "Von diesem Konto kann ich nur in %s zahlen."), from.Currency)), nil
	}
	when, bad := payDate(l, r, slots)
	if bad != nil {
		return bad, nil
	}
	if p := s.checkMoney(ctx, r, l, from, amount, !when.IsZero()); p != nil {
		return p, nil
	}
	readback := fmt.Sprintf(l.pick("You want to pay %[1]s to %[2]s from %[3]s %[4]s. Shall I go ahead?",
		"Du möchtest %[1]s %[4]s von %[3]s an %[2]s zahlen. Soll ich das ausführen?"), l.Money(amount), biller.Name, l.accountName(from), l.when2(when, r.Now))
	return &plan{readback: readback, pin: true, no: l.pick("Okay, I won't pay it.", "Okay, ich zahle nichts."),
		op:    moneyOp("pay_bill", fmt.Sprintf("%s to biller %s", amount, biller.Name), amount, from.ID, "biller:"+biller.ID, when),
		limit: s.dayLimit(r, amount.Currency),
		do: func(ctx context.Context, key string) (*Response, *AuditEntry, error) {
			entry := &AuditEntry{Action: "pay_bill", Amount: amount.Minor, Detail: fmt.Sprintf("%s to biller %s", amount, biller.Name)}
			res, err := pay.Pay(ctx, r.User, banks.PaymentRequest{Key: key, FromAccountID: from.ID, BillerID: biller.ID, Amount: amount, Date: when})
			if err != nil {
				return nil, entry, err
			}
			return paid(l, r, entry, res, amount, biller.Name, from, l.pick("paid", "gezahlt")), entry, nil
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
		return banks.Card{}, refuse(l, l.pick("I don't see a card like that.", "So eine Karte sehe ich nicht.")), nil
	case 1:
		return match[0], nil, nil
	}
	var names []string
	var cs []choice
	for _, c := range match {
		names = append(names, l.cardName(c))
		cs = append(cs, choice{Show: upperFirst(l.cardName(c)), Label: string(c.Kind) + " " + l.cardName(c) + " " + c.LastFour, Slot: intents.SlotCard, Value: string(c.Kind)})
	}
	return banks.Card{}, &plan{ask: l.pick("Which card: ", "Welche Karte: ") + l.or(names) + "?", awaiting: intents.SlotCard, choices: cs}, nil
}

func (s *Skill) planLock(ctx context.Context, r *Request, slots intents.Slots) (*plan, error) {
	l := langOf(r.Locale)
	ctl, err := capability[banks.CardControls](s.cfg.Bank, "skill.lock")
	if err != nil {
		return nil, err
	}
	card, ask, err := s.findCard(ctx, r, l, slots, nil)
	if err != nil || ask != nil {
		return ask, err
	}
	if card.Locked {
		return refuse(l, fmt.Sprintf(l.pick("%s is already locked.", "%s ist schon gesperrt."), upperFirst(l.cardName(card)))), nil
	}
	// Locking protects the customer: it needs neither a read-back nor a PIN.
	return &plan{do: func(ctx context.Context, key string) (*Response, *AuditEntry, error) {
		entry := &AuditEntry{Action: "lock_card", Detail: "card ending " + card.LastFour}
		if err := ctl.SetCardLocked(ctx, r.User, card.ID, true, key); err != nil {
			return nil, entry, err
		}
		entry.Outcome = "done"
		return anythingElse(l, fmt.Sprintf(l.pick("I've locked %s. Payments and withdrawals with it will be declined until you unlock it; unlocking needs your voice PIN.",
			"Ich habe %s gesperrt. Zahlungen und Abhebungen damit werden abgelehnt, bis du sie entsperrst; dafür brauchst du deine Sprach-PIN."),
			l.cardName(card))), entry, nil
	}}, nil
}

func (s *Skill) planUnlock(ctx context.Context, r *Request, slots intents.Slots) (*plan, error) {
	l := langOf(r.Locale)
	ctl, err := capability[banks.CardControls](s.cfg.Bank, "skill.unlock")
	if err != nil {
		return nil, err
	}
	card, ask, err := s.findCard(ctx, r, l, slots, nil)
	if err != nil || ask != nil {
		return ask, err
	}
	if !card.Locked {
		return refuse(l, fmt.Sprintf(l.pick("%s isn't locked.", "%s ist nicht gesperrt."), upperFirst(l.cardName(card)))), nil
	}
	return &plan{readback: fmt.Sprintf(l.pick("Shall I unlock %s?", "Soll ich %s entsperren?"), l.cardName(card)), pin: true,
		do: func(ctx context.Context, key string) (*Response, *AuditEntry, error) {
			entry := &AuditEntry{Action: "unlock_card", Detail: "card ending " + card.LastFour}
			if err := ctl.SetCardLocked(ctx, r.User, card.ID, false, key); err != nil {
				return nil, entry, err
			}
			entry.Outcome = "done"
			return anythingElse(l, fmt.Sprintf(l.pick("%s is unlocked and works again.", "%s ist entsperrt und funktioniert wieder."),
				upperFirst(l.cardName(card)))), entry, nil
		}}, nil
}

func (s *Skill) planLost(ctx context.Context, r *Request, slots intents.Slots) (*plan, error) {
	return s.planReplacement(ctx, r, slots, true)
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
	q := fmt.Sprintf(l.pick("Shall I order a new card to replace %s? It arrives in about %d days.",
		"Soll ich eine neue Karte als Ersatz für %s bestellen? Sie kommt in etwa %d Tagen."), l.cardName(card), s.sheet(r).CardDeliveryDays)
	if lost {
		q = fmt.Sprintf(l.pick("I'll block %s for good and send you a new one. Shall I go ahead?",
			"Ich sperre %s endgültig und schicke dir eine neue. Soll ich das machen?"), l.cardName(card))
	}
	return &plan{readback: q, pin: lost, do: func(ctx context.Context, key string) (*Response, *AuditEntry, error) {
		entry := &AuditEntry{Action: map[bool]string{true: "report_lost_card", false: "replace_card"}[lost], Detail: "card ending " + card.LastFour}
		o, err := ctl.ReplaceCard(ctx, r.User, card.ID, lost, key)
		if err != nil {
			return nil, entry, err
		}
		entry.Outcome = "done"
		msg := l.pick("I've ordered your new card. It should arrive by %s. The reference is %s.",
			"Ich habe deine neue Karte bestellt. Sie sollte bis zum %s ankommen. Die Referenz ist %s.")
		if lost {
			msg = l.pick("Your old card is blocked for good and a new one is on its way; it should arrive by %s. The reference is %s.",
				"Deine alte Karte ist endgültig gesperrt und eine neue ist unterwegs; sie sollte bis zum %s ankommen. Die Referenz ist %s.")
		}
		return anythingElse(l, fmt.Sprintf(msg, l.Date(o.Arrives, r.Now), spell(o.Reference))), entry, nil
	}}, nil
}

// --- accounts ---

func (s *Skill) chooseAccount(ctx context.Context, r *Request, l lang, slots intents.Slots, question string) (banks.Account, *plan, error) {
	accts, err := s.cfg.Bank.Accounts(ctx, r.User)
	if err != nil {
		return banks.Account{}, nil, err
	}
	if k := slots.String(intents.SlotAccount); k != "" {
		if a, ok := byKind(accts, k); ok {
			return a, nil, nil
		}
		return banks.Account{}, refuse(l, fmt.Sprintf(l.pick("I don't see a %s among your accounts.", "Ich sehe kein %s unter deinen Konten."),
			l.AccountKind(banks.AccountKind(k)))), nil
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
	return banks.Account{}, &plan{ask: question + " " + l.or(names) + "?", awaiting: intents.SlotAccount, choices: cs}, nil
}

func (s *Skill) planFreeze(ctx context.Context, r *Request, slots intents.Slots) (*plan, error) {
	l := langOf(r.Locale)
	ac, err := capability[banks.AccountControls](s.cfg.Bank, "skill.freeze")
	if err != nil {
		return nil, err
	}
	acct, ask, err := s.chooseAccount(ctx, r, l, slots, l.pick("Which account should I freeze:", "Welches Konto soll ich sperren:"))
	if err != nil || ask != nil {
		return ask, err
	}
	return &plan{readback: fmt.Sprintf(l.pick("Freezing %s stops all payments and withdrawals from it until the bank lifts it. Shall I freeze it?",
		"Wenn ich %s sperre, gehen keine Zahlungen und Abhebungen mehr davon, bis die Bank die Sperre aufhebt. Soll ich das tun?"), l.accountAcc(acct)),
		pin: true, do: func(ctx context.Context, key string) (*Response, *AuditEntry, error) {
			entry := &AuditEntry{Action: "freeze_account", Detail: string(acct.Kind) + " account ending " + acct.LastFour}
			if err := ac.Freeze(ctx, r.User, acct.ID, key); err != nil {
				return nil, entry, err
			}
			entry.Outcome = "done"
			return anythingElse(l, fmt.Sprintf(l.pick("%s is frozen. To lift the freeze, call %s.", "%s ist gesperrt. Zum Entsperren ruf %s an."),
				upperFirst(l.accountNom(acct)), s.sheet(r).SupportPhone)), entry, nil
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
	return banks.Account{}, refuse(l, l.pick("You don't have a credit card with us.", "Du hast bei uns keine Kreditkarte.")), nil
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
		return refuse(l, l.pick("You have no points to redeem yet.", "Du hast noch keine Punkte zum Einlösen.")), nil
	}
	return &plan{readback: fmt.Sprintf(l.pick("You have %s points, worth %s. Shall I redeem them as a credit on %s?",
		"Du hast %s Punkte im Wert von %s. Soll ich sie als Gutschrift auf %s einlösen?"), l.printer.Sprint(pts), l.Money(value), l.accountName(card)),
		do: func(ctx context.Context, key string) (*Response, *AuditEntry, error) {
			entry := &AuditEntry{Action: "redeem_rewards", Detail: fmt.Sprintf("%d points", pts)}
			credited, err := rw.RedeemRewards(ctx, r.User, card.ID, key)
			if err != nil {
				return nil, entry, err
			}
			entry.Outcome = "done"
			return anythingElse(l, fmt.Sprintf(l.pick("Done. %s has been credited to %s.", "Erledigt. %s wurden %s gutgeschrieben."),
				l.Money(credited), l.accountName(card))), entry, nil
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
	return &plan{readback: fmt.Sprintf(l.pick("Your %s has a limit of %s. Shall I send the bank a request to raise it? They usually decide within two business days.",
		"Deine %s hat ein Limit von %s. Soll ich der Bank eine Anfrage zur Erhöhung schicken? Die Entscheidung kommt meist in zwei Werktagen."),
		card.Name, l.Money(card.CreditLimit)), do: func(ctx context.Context, key string) (*Response, *AuditEntry, error) {
		entry := &AuditEntry{Action: "credit_limit_increase", Detail: card.Name}
		o, err := rq.Request(ctx, r.User, "credit_limit_increase", card.ID, key)
		if err != nil {
			return nil, entry, err
		}
		entry.Outcome = "done"
		return anythingElse(l, fmt.Sprintf(l.pick("I've sent your request. The reference is %s; you'll hear from the bank by %s.",
			"Ich habe deine Anfrage geschickt. Die Referenz ist %s; die Bank meldet sich bis zum %s."), spell(o.Reference), l.Date(o.Arrives, r.Now))), entry, nil
	}}, nil
}

func (s *Skill) planChecks(ctx context.Context, r *Request, slots intents.Slots) (*plan, error) {
	l := langOf(r.Locale)
	if !s.sheet(r).OrdersChecks {
		return refuse(l, l.pick("Your bank doesn't offer checks.", "Deine Bank bietet keine Schecks an. Für Zahlungen nutze am besten eine Überweisung.")), nil
	}
	rq, err := capability[banks.Requests](s.cfg.Bank, "skill.checks")
	if err != nil {
		return nil, err
	}
	if slots.String(intents.SlotAccount) == "" {
		slots[intents.SlotAccount] = "checking"
	}
	acct, p, err := s.chooseAccount(ctx, r, l, slots, "")
	if err != nil || p != nil {
		return p, err
	}
	return &plan{readback: fmt.Sprintf(l.pick("Shall I order a new box of checks for %s, sent to the address on file?", "Soll ich neue Schecks für %s bestellen?"), l.accountAcc(acct)),
		do: func(ctx context.Context, key string) (*Response, *AuditEntry, error) {
			entry := &AuditEntry{Action: "order_checks", Detail: string(acct.Kind) + " account ending " + acct.LastFour}
			o, err := rq.Request(ctx, r.User, "checks", acct.ID, key)
			if err != nil {
				return nil, entry, err
			}
			entry.Outcome = "done"
			return anythingElse(l, fmt.Sprintf(l.pick("Your checks are ordered and should arrive by %s.", "Deine Schecks sind bestellt und kommen bis zum %s."),
				l.Date(o.Arrives, r.Now))), entry, nil
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
		ref, err := fr.OpenCase(ctx, r.User, card.ID, "", key)
		if err != nil {
			return nil, entry, err
		}
		entry.Outcome = "done"
		r.st.Dialog = nil
		return s.offerAgent(r, fmt.Sprintf(l.pick("I've locked %s and opened fraud case %s.", "Ich habe %s gesperrt und den Betrugsfall %s eröffnet."),
			l.cardName(card), spell(ref)), "fraud"), entry, nil
	}}, nil
}

// offerAgent ends an answer with the offer of a callback and leaves a
// yes-or-no dialog for it.
func (s *Skill) offerAgent(r *Request, before, topic string) *Response {
	l := langOf(r.Locale)
	q := l.pick("Would you like an agent to call you back?", "Möchtest du, dass dich eine Beraterin oder ein Berater zurückruft?")
	r.turn.next = &dialog{Action: actCallback, Slots: intents.Slots{"topic": topic}, Stage: stageConfirm, Key: newKey(), Question: q, Started: r.Now}
	return &Response{Speech: strings.TrimSpace(before + " " + q), Reprompt: q}
}

func (s *Skill) planCallback(ctx context.Context, r *Request, slots intents.Slots) (*plan, error) {
	l := langOf(r.Locale)
	sh := s.sheet(r)
	return &plan{readback: l.pick("Would you like an agent to call you back?", "Möchtest du einen Rückruf?"),
		no: fmt.Sprintf(l.pick("Okay. You can call %s, %s.", "Okay. Du erreichst uns unter %s, %s."), sh.SupportPhone, sh.SupportHours),
		do: func(ctx context.Context, key string) (*Response, *AuditEntry, error) {
			if err := s.cfg.Store.AddCallback(ctx, Callback{Platform: r.Platform, UserID: r.UserID, Bank: r.User.Bank, Customer: r.User.Customer,
				Topic: slots.String("topic"), At: r.Now}); err != nil {
				return nil, nil, err
			}
			return anythingElse(l, fmt.Sprintf(l.pick("Done. An agent will call you at the number your bank has on file, %s.",
				"Erledigt. Wir rufen dich unter der Nummer an, die deine Bank von dir hat, %s."), sh.SupportHours)), nil, nil
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
		return refuse(l, l.pick("That alert is already taken care of.", "Dieser Hinweis ist schon erledigt.")), nil
	}
	p := &plan{readback: alertQuestion(l, al, r.Now),
		do: func(ctx context.Context, key string) (*Response, *AuditEntry, error) {
			entry := &AuditEntry{Action: "alert_genuine", Detail: fmt.Sprintf("%s at %s", al.Amount, al.Merchant)}
			if err := fr.ResolveAlert(ctx, r.User, al.ID, true, key); err != nil {
				return nil, entry, err
			}
			entry.Outcome = "done"
			return anythingElse(l, l.pick("Thanks, I've marked the charge as yours.", "Danke, ich habe die Zahlung als deine markiert.")), entry, nil
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
		return s.offerAgent(r, fmt.Sprintf(l.pick("I've locked the card, marked the charge as fraud and opened case %s. You won't pay for it.",
			"Ich habe die Karte gesperrt, die Zahlung als Betrug markiert und den Fall %s eröffnet. Du musst sie nicht bezahlen."), spell(ref)), "fraud"), entry, nil
	}
	return p, nil
}

func alertQuestion(l lang, al banks.Alert, now time.Time) string {
	return fmt.Sprintf(l.pick("A charge of %s at %s %s. Was this you?", "Eine Zahlung von %s bei %s %s. Warst du das?"),
		l.Money(al.Amount), al.Merchant, l.On(al.Time, now))
}

func (s *Skill) planPrivacyErase(ctx context.Context, r *Request, slots intents.Slots) (*plan, error) {
	l := langOf(r.Locale)
	return &plan{readback: l.pick("Shall I unlink your bank and delete your data?", "Soll ich die Verknüpfung aufheben und deine Daten löschen?"),
		no: l.pick("Okay, nothing was deleted.", "Okay, es wurde nichts gelöscht."),
		do: func(ctx context.Context, key string) (*Response, *AuditEntry, error) {
			if err := s.Unlink(ctx, r.Platform, r.UserID); err != nil {
				return nil, nil, err
			}
			r.turn.forget = true
			return &Response{Speech: l.pick("Done. I've unlinked your bank and deleted what I stored about you. What stays, because banking law requires it, is a record of past payments and card actions: their date, kind, amount and outcome, under a pseudonym and without names. To use me again, link your bank again. Goodbye.",
				"Erledigt. Ich habe die Verknüpfung aufgehoben und gelöscht, was ich über dich gespeichert hatte. Was bleibt, weil das Bankrecht es verlangt, ist ein Nachweis früherer Zahlungen und Kartenaktionen: Datum, Art, Betrag und Ergebnis, unter einem Pseudonym und ohne Namen. Um mich wieder zu nutzen, verknüpfe deine Bank erneut. Tschüss."),
				EndSession: true}, &AuditEntry{Action: "privacy_delete", Outcome: "done"}, nil
		}}, nil
}

func (s *Skill) planShowNumber(ctx context.Context, r *Request, slots intents.Slots) (*plan, error) {
	l := langOf(r.Locale)
	an, err := capability[banks.AccountNumbers](s.cfg.Bank, "skill.number")
	if err != nil {
		return nil, err
	}
	acct, p, err := s.chooseAccount(ctx, r, l, slots, l.pick("Which account:", "Welches Konto:"))
	if err != nil || p != nil {
		return p, err
	}
	return &plan{pin: true, do: func(ctx context.Context, key string) (*Response, *AuditEntry, error) {
		num, err := an.AccountNumber(ctx, r.User, acct.ID)
		if err != nil {
			return nil, nil, err
		}
		sh := s.sheet(r)
		text := fmt.Sprintf(l.pick("%s account number: %s", "%s IBAN: %s"), acct.Name, num)
		if sh.RoutingNumber != "" {
			text += fmt.Sprintf(l.pick(", routing number: %s", ", Bankleitzahl: %s"), sh.RoutingNumber)
		}
		if sh.BIC != "" {
			text += ", BIC: " + sh.BIC
		}
		return &Response{Speech: text, Card: &Card{Title: acct.Name, Text: text}, Sensitive: true},
			&AuditEntry{Action: "show_account_number", Detail: acct.Name, Outcome: "done"}, nil
	}}, nil
}
