package skill

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"golang.org/x/text/number"

	"github.com/kontoskill/konto/banks"
	"github.com/kontoskill/konto/intents"
)

// The handlers below answer from the bank's data and the product sheet;
// they change nothing (or hand over to an action).

// slotNext marks a question for the next pay ("und wann kommt das nächste?").
const slotNext = "next"

// nextPay is when pay that came monthly from the same payer is due next
// (a month after the last), if that day is today or later.
func nextPay(pay []banks.Transaction, last banks.Transaction, now time.Time) (time.Time, bool) {
	for _, t := range pay {
		if t.Merchant != last.Merchant || !t.Time.Before(last.Time) {
			continue
		}
		gap := last.Time.Sub(t.Time)
		if gap < 25*24*time.Hour || gap > 35*24*time.Hour {
			return time.Time{}, false // not monthly
		}
		next := last.Time.AddDate(0, 1, 0)
		today := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, now.Location())
		return next, !next.Before(today)
	}
	return time.Time{}, false
}

func (s *Skill) income(ctx context.Context, r *Request) (*Response, error) {
	l := langOf(r.Locale)
	dr, ranged := r.Slots.DateRange(intents.SlotDateRange)
	f := banks.TxFilter{Category: "income", Limit: maxScan}
	if ranged {
		from, to, err := dr.Bounds()
		if err != nil {
			return nil, banks.E("skill.income", banks.Invalid, err)
		}
		f.From, f.To = from, to
	}
	txs, err := s.cfg.Bank.Transactions(ctx, r.User, f)
	if err != nil {
		return nil, err
	}
	var pay []banks.Transaction
	for _, t := range txs {
		if t.Amount.Minor > 0 {
			pay = append(pay, t)
		}
	}
	if !ranged {
		// "Did my salary arrive?": the latest pay this month.
		first := time.Date(r.Now.Year(), r.Now.Month(), 1, 0, 0, 0, 0, time.UTC)
		var last *banks.Transaction
		for i := range pay {
			if pay[i].Merchant != "" && !isInterest(pay[i]) {
				last = &pay[i]
				break
			}
		}
		if last == nil {
			return say(l.msg("income.no_pay")), nil
		}
		// "how much was it", "when was that" next: about this pay (it was
		// read as the credit card's statement)
		r.Slots[slotItems] = last.Merchant + "\x1f" + l.txPhrase(*last, r.Now) + "\x1f" + l.On(last.Time, r.Now)
		r.Slots[slotItem] = "0"
		if r.Slots.String(slotNext) != "" || asksNextPay(" "+intents.Normalize(r.Text)+" ") {
			// "and when's the next one?" after the salary.
			if next, ok := nextPay(pay, *last, r.Now); ok {
				return &Response{Speech: l.msg("income.next.when", last.Merchant, l.Date(next, r.Now)), EndSession: true}, nil
			}
			return &Response{Speech: l.msg("income.next.unknown", l.Money(last.Amount), last.Merchant, l.On(last.Time, r.Now)), EndSession: true}, nil
		}
		if last.Time.Before(first) {
			text := l.msg("income.not_yet", l.Money(last.Amount), last.Merchant, l.On(last.Time, r.Now))
			if next, ok := nextPay(pay, *last, r.Now); ok {
				text += " " + l.msg("income.next", l.Date(next, r.Now))
			}
			return &Response{Speech: text, EndSession: true}, nil
		}
		if t := " " + intents.Normalize(r.Text) + " "; containsAny(t, " when ", " wann ", " what day ", " which day ", " an welchem tag ") {
			// "When did my salary arrive?" wants the day, not a yes.
			return &Response{Speech: l.msg("income.arrived.when", l.Money(last.Amount), last.Merchant, l.On(last.Time, r.Now)), EndSession: true}, nil
		}
		return &Response{Speech: l.msg("income.arrived", l.Money(last.Amount), last.Merchant, l.On(last.Time, r.Now)), EndSession: true}, nil
	}
	var total banks.Money
	for _, t := range pay {
		total = total.Add(t.Amount)
	}
	if len(pay) == 0 {
		return &Response{Speech: upperFirst(l.msg("income.none", l.Period(dr, r.Now))), EndSession: true}, nil
	}
	if len(pay) == 1 {
		return &Response{Speech: l.msg("income.total.one", l.Money(total), l.Period(dr, r.Now)), EndSession: true}, nil
	}
	return &Response{Speech: l.msg("income.total", l.Money(total), l.Period(dr, r.Now), strconv.Itoa(len(pay))), EndSession: true}, nil
}

func isInterest(t banks.Transaction) bool {
	return strings.Contains(strings.ToLower(t.Merchant), "interest") || strings.Contains(strings.ToLower(t.Merchant), "zins")
}

func (s *Skill) statement(ctx context.Context, r *Request) (banks.Account, banks.Statement, *Response, error) {
	l := langOf(r.Locale)
	card, p, err := s.creditCard(ctx, r, l)
	if err != nil || p != nil {
		if p != nil {
			return card, banks.Statement{}, p.refuse, nil
		}
		return card, banks.Statement{}, nil, err
	}
	st, err := capability[banks.Statements](s.cfg.Bank, "skill.statement")
	if err != nil {
		return card, banks.Statement{}, nil, err
	}
	stm, err := st.CardStatement(ctx, r.User, card.ID)
	return card, stm, nil, err
}

// billFacts answers BillBalance, BillDueDate and MinimumPayment.
func (s *Skill) billFacts(ctx context.Context, r *Request, what string) (*Response, error) {
	l := langOf(r.Locale)
	kind := r.Slots.String(intents.SlotBiller)
	if r.Text != "" && (kind == "" || kind == "credit_card" && !containsAny(" "+intents.Normalize(r.Text)+" ", " card", "karte", " visa", "mastercard")) {
		if rec, ok := s.cfg.Bank.(banks.Recipients); ok {
			if billers, err := rec.Billers(ctx, r.User); err == nil {
				name := billerWord(" " + intents.Normalize(r.Text) + " ")
				if b, ok := billerNamed(r, billers); ok {
					kind = b.Kind
					r.Slots[intents.SlotBiller] = b.Kind
				} else if b, ok := nearBiller(name, billers); ok {
					// "how much is my utility bill", "when is my light bill
					// due": Seattle Public Utilities, Seattle City Light
					kind = b.Kind
					r.Slots[intents.SlotBiller] = b.Kind
				} else if name := unknownBiller(name); name != "" && len(billers) > 0 {
					// "how much is my verizon bill" with no Verizon among
					// the billers: say so, never the credit card's statement
					names := make([]string, len(billers))
					for i, b := range billers {
						names[i] = b.Name
					}
					return anythingElse(l, l.msg("bill.unknown_biller", titleCase(name), l.List(names))), nil
				} else if (what == "due" || containsAny(" "+intents.Normalize(r.Text)+" ", " next bill", " nächste rechnung")) && asksFirst(r) {
					return s.firstBill(ctx, r, billers)
				} else if what != "min" && (asksForBills(r) || r.turn != nil && r.turn.billsDue) {
					return s.upcomingBills(ctx, r, billers)
				}
			}
		}
	}
	if kind == "" || kind == "credit_card" {
		card, stm, refusal, err := s.statement(ctx, r)
		if err != nil || refusal != nil {
			return refusal, err
		}
		if what == "balance" && r.Text != "" && containsAny(" "+intents.Normalize(r.Text)+" ", " now", " right now", " currently", " at the moment", " today",
			" jetzt", " gerade", " aktuell", " im moment", " heute") {
			// "how much do I owe on it now": the card's balance today, not
			// the statement's.
			if bal, err := s.cfg.Bank.Balance(ctx, r.User, card.ID); err == nil {
				if bal.Booked.Minor >= 0 {
					return anythingElse(l, l.msg("card.nothing_owed", card.Name)), nil
				}
				return &Response{Speech: l.msg("balance.card.owed", card.Name, l.Money(bal.Booked), l.Money(bal.Available)), EndSession: true}, nil
			}
		}
		left := banks.Money{Minor: max(stm.Balance.Minor-stm.Paid.Minor, 0), Currency: stm.Balance.Currency}
		var text string
		switch what {
		case "min":
			text = l.msg("statement.minimum", card.Name, l.Money(stm.MinimumPayment), l.Date(stm.DueDate, r.Now))
		case "due":
			text = l.msg("statement.due", card.Name, l.Date(stm.DueDate, r.Now))
		default:
			text = l.msg("statement.balance", card.Name, l.Money(stm.Balance), l.Date(stm.DueDate, r.Now))
		}
		if stm.Balance.Minor > 0 && left.Minor == 0 {
			text += " " + l.msg("statement.paid")
		} else if stm.Paid.Minor > 0 {
			text += " " + l.msg("statement.part_paid", l.Money(stm.Paid), l.Money(left))
		}
		if what == "balance" && r.Text != "" && containsAny(" "+intents.Normalize(r.Text)+" ", " owe ", " owing", " schulde", " schuldig") {
			// "how much do I owe on my card": the statement is what is
			// due; what the card carries today is said too when it
			// differs.
			if bal, err := s.cfg.Bank.Balance(ctx, r.User, card.ID); err == nil && bal.Booked.Minor < 0 && -bal.Booked.Minor != left.Minor {
				text += " " + l.msg("statement.owed_today", l.Money(bal.Booked.Abs()))
			}
		}
		return &Response{Speech: text, EndSession: true}, nil
	}
	biller, p, err := s.findBiller(ctx, r, l, r.Slots)
	if err != nil {
		return nil, err
	}
	if p != nil {
		if p.refuse != nil {
			return p.refuse, nil
		}
		return &Response{Speech: p.ask, Reprompt: p.ask}, nil
	}
	b, ok := s.bill(ctx, r, biller.ID)
	if !ok {
		return say(l.msg("bill.none", biller.Name)), nil
	}
	text := l.msg("bill.amount", biller.Name, l.Money(b.Amount), l.Date(b.DueDate, r.Now))
	if what == "min" {
		text = l.msg("bill.no_minimum", biller.Name, l.Money(b.Amount), l.Date(b.DueDate, r.Now))
	}
	if b.Paid {
		text += " " + l.msg("bill.paid")
	}
	return &Response{Speech: text, EndSession: true}, nil
}

func (s *Skill) billBalance(ctx context.Context, r *Request) (*Response, error) {
	return s.billFacts(ctx, r, "balance")
}
func (s *Skill) billDue(ctx context.Context, r *Request) (*Response, error) {
	return s.billFacts(ctx, r, "due")
}
func (s *Skill) minimumPayment(ctx context.Context, r *Request) (*Response, error) {
	return s.billFacts(ctx, r, "min")
}

func (s *Skill) cardDeclined(ctx context.Context, r *Request) (*Response, error) {
	l := langOf(r.Locale)
	f := banks.TxFilter{Statuses: []banks.TxStatus{banks.Declined}, Merchant: r.Slots.String(intents.SlotMerchant), Limit: 50}
	norm := intents.Normalize(r.Text)
	if f.Merchant == "" && r.Text != "" {
		f.Merchant = merchantPhrase(norm, r.Locale, r.Now) // "declined at target", "beim rewe abgelehnt"
	}
	if c := intents.ParseCategory(f.Merchant); c != "" {
		f.Merchant, f.Category = "", c    // "at the petrol station": a fuel payment, not a shop called that
		r.Slots[intents.SlotCategory] = c // (carried into "it was the credit card")
	} else if c := r.Slots.String(intents.SlotCategory); c != "" && f.Merchant == "" {
		f.Category = c
	}
	recent := containsAny(" "+norm+" ", " just ", " right now", " a minute ago", " today", " gerade", " eben ", " vorhin", " heute", " jetzt",
		" yesterday", " gestern", " last night", " this morning") ||
		r.Slots.String("recent") == "yes" // (carried into "it was the credit card")
	if recent {
		r.Slots["recent"] = "yes"
		f.From = r.Now.AddDate(0, 0, -2) // "just got declined": not one from last year
	} else if f.Merchant == "" {
		f.From = r.Now.AddDate(0, -2, 0) // "why was my card declined": a recent one, not last year's
	}
	var card *banks.Card
	if k := r.Slots.String(intents.SlotCard); k != "" {
		if cc, ok := s.cfg.Bank.(banks.Cards); ok {
			if cards, err := cc.Cards(ctx, r.User); err == nil {
				for _, c := range cards {
					if string(c.Kind) == k {
						f.AccountID, card = c.AccountID, &c
					}
				}
			}
		}
	}
	txs, err := s.cfg.Bank.Transactions(ctx, r.User, f)
	if err != nil {
		return nil, err
	}
	if len(txs) == 0 && f.AccountID != "" && f.Merchant != "" {
		// "my credit card got declined at chipotle" when it was the
		// debit card: the decline at that merchant, on whichever card
		f.AccountID = ""
		if txs, err = s.cfg.Bank.Transactions(ctx, r.User, f); err != nil {
			return nil, err
		}
	}
	if len(txs) == 0 {
		status := ""
		if card != nil {
			// "it was the credit card": whether that card works, at least
			status = " " + l.msg("card.status.works", upperFirst(l.cardName(*card)))
			if card.Locked {
				status = " " + l.msg("card.status.locked", upperFirst(l.cardName(*card)))
			}
		}
		if recent || f.Merchant != "" || f.Category != "" {
			return say(l.msg("declined.none_recent") + status), nil
		}
		return say(l.msg("declined.none") + status), nil
	}
	t := txs[0]
	// Why a card payment was declined: decline.REASON, as the bank's
	// transaction gives it.
	why := l.msg("decline.other")
	if t.DeclineReason != "" && l.has("decline."+t.DeclineReason) {
		why = l.msg("decline." + t.DeclineReason)
	}
	// "how much was it", "and when was that" next: about this payment
	r.Slots[slotItems] = t.Merchant + "\x1f" + l.msg("tx.out", l.Money(t.Amount), t.Merchant, l.On(t.Time, r.Now)) + "\x1f" + l.On(t.Time, r.Now)
	r.Slots[slotItem] = "0"
	return &Response{Speech: l.msg("declined.one", l.Money(t.Amount), t.Merchant, l.On(t.Time, r.Now), why), EndSession: true}, nil
}

func (s *Skill) cards(ctx context.Context, r *Request) ([]banks.Card, error) {
	cc, err := capability[banks.Cards](s.cfg.Bank, "skill.cards")
	if err != nil {
		return nil, err
	}
	all, err := cc.Cards(ctx, r.User)
	if err != nil {
		return nil, err
	}
	var out []banks.Card
	for _, c := range all {
		if k := r.Slots.String(intents.SlotCard); k == "" || string(c.Kind) == k {
			out = append(out, c)
		}
	}
	return out, nil
}

func (s *Skill) cardExpiration(ctx context.Context, r *Request) (*Response, error) {
	l := langOf(r.Locale)
	cards, err := s.cards(ctx, r)
	if err != nil {
		return nil, err
	}
	var parts []string
	for _, c := range cards {
		parts = append(parts, l.msg("card.expires", upperFirst(l.cardName(c)), l.month(c.Expiry, time.Time{})))
	}
	if len(parts) == 0 {
		return say(l.msg("card.none")), nil
	}
	return &Response{Speech: strings.Join(parts, ". ") + ".", EndSession: true}, nil
}

func (s *Skill) creditLimit(ctx context.Context, r *Request) (*Response, error) {
	l := langOf(r.Locale)
	if r.Text != "" && containsAny(" "+intents.Normalize(r.Text)+" ", " contactless", " kontaktlos", " tap to pay", " tap limit") {
		// "whats the contactless limt": the sheet's contactless limit, not
		// the card's credit limit
		if resp := s.faq.entry(ctx, r, "contactless_limit"); resp != nil {
			s.rememberFAQ(r)
			return resp, nil
		}
	}
	card, p, err := s.creditCard(ctx, r, l)
	if err != nil || p != nil {
		if p != nil {
			return p.refuse, nil
		}
		return nil, err
	}
	bal, err := s.cfg.Bank.Balance(ctx, r.User, card.ID)
	if err != nil {
		return nil, err
	}
	return &Response{Speech: l.msg("credit.limit", card.Name, l.Money(card.CreditLimit), l.Money(bal.Available)), EndSession: true}, nil
}

func (s *Skill) rewardsBalance(ctx context.Context, r *Request) (*Response, error) {
	l := langOf(r.Locale)
	rw, err := capability[banks.Rewards](s.cfg.Bank, "skill.rewards")
	if err != nil {
		return nil, err
	}
	card, p, err := s.creditCard(ctx, r, l)
	if err != nil || p != nil {
		if p != nil {
			return p.refuse, nil
		}
		return nil, err
	}
	pts, value, err := rw.RewardsBalance(ctx, r.User, card.ID)
	if err != nil {
		return nil, err
	}
	return &Response{Speech: l.msg("rewards.balance", l.printer.Sprint(pts), card.Name, l.Money(value)), EndSession: true}, nil
}

func (s *Skill) accountBlocked(ctx context.Context, r *Request) (*Response, error) {
	l := langOf(r.Locale)
	if k := r.Slots.String(intents.SlotAccount); k != "" && r.Text != "" && destinationOnly(" "+intents.Normalize(r.Text)+" ", k, r.Locale) {
		// "I tried to move some of it to my current account and it
		// wouldn't let me, why": the account money was to go to is not
		// the one asked about; "it" (the last account talked about), or
		// every account, is
		delete(r.Slots, intents.SlotAccount)
		if prev := s.previous(r); prev != nil && prev.Slots.String(intents.SlotAccount) != "" && prev.Slots.String(intents.SlotAccount) != k {
			r.Slots[intents.SlotAccount] = prev.Slots[intents.SlotAccount]
		}
	}
	ac, err := capability[banks.AccountControls](s.cfg.Bank, "skill.status")
	if err != nil {
		return nil, err
	}
	accts, err := s.accountsFor(ctx, r)
	if err != nil {
		return nil, err
	}
	sh := s.sheet(r)
	var parts []string
	for _, a := range accts {
		st, err := ac.Status(ctx, r.User, a.ID)
		if err != nil {
			return nil, err
		}
		if st.Status == "open" {
			continue
		}
		parts = append(parts, l.msg("blocked.since", upperFirst(l.accountNom(a)), l.Date(st.Since, r.Now), blockedWhy(l, st, sh)))
	}
	if len(parts) == 0 {
		if r.Slots.String(intents.SlotAccount) != "" && len(accts) == 1 {
			return say(l.msg("blocked.none.one", upperFirst(l.accountNom(accts[0])))), nil
		}
		return say(l.msg("blocked.none.all")), nil
	}
	return &Response{Speech: strings.Join(parts, " "), EndSession: true}, nil
}

// alertOnLaunch mentions an unreviewed fraud alert first, once a session.
func (s *Skill) alertOnLaunch(ctx context.Context, r *Request) (*Response, error) {
	return s.openAlert(ctx, r, langOf(r.Locale).msg("launch.alert"))
}

// openAlert starts the review of the customer's open fraud alert, if one
// was not mentioned in this session yet: at a launch, after the answer to
// the first question of a session, or before the task it began with
// (lead is the sentence that introduces it).
func (s *Skill) openAlert(ctx context.Context, r *Request, lead string) (*Response, error) {
	if !s.allowed(ctx, r, "alerts") {
		return nil, nil
	}
	fr, ok := s.cfg.Bank.(banks.Fraud)
	if !ok {
		return nil, nil
	}
	alerts, err := fr.Alerts(ctx, r.User)
	if err != nil || len(alerts) == 0 || alerts[0].Status != "open" || r.st.AlertMentioned == alerts[0].ID {
		return nil, nil
	}
	r.st.AlertMentioned = alerts[0].ID
	resp, err := s.advance(ctx, r, alertDialog(alerts[0], r, true))
	if resp != nil {
		resp.Speech = lead + " " + resp.Speech
	}
	return resp, err
}

func (s *Skill) reviewAlerts(ctx context.Context, r *Request) (*Response, error) {
	l := langOf(r.Locale)
	fr, err := capability[banks.Fraud](s.cfg.Bank, "skill.alerts")
	if err != nil {
		return nil, err
	}
	alerts, err := fr.Alerts(ctx, r.User)
	if err != nil {
		return nil, err
	}
	if len(alerts) == 0 || alerts[0].Status != "open" {
		return say(l.msg("alert.none")), nil
	}
	r.st.AlertMentioned = alerts[0].ID
	return s.advance(ctx, r, alertDialog(alerts[0], r, false))
}

func (s *Skill) changePin(ctx context.Context, r *Request) (*Response, error) {
	l := langOf(r.Locale)
	return s.offerAgent(r, l.msg("card.change_pin"), "change_pin"), nil
}

func (s *Skill) interestRate(ctx context.Context, r *Request) (*Response, error) {
	l := langOf(r.Locale)
	if t := " " + intents.Normalize(r.Text) + " "; containsAny(t, " overdraft", " dispo", " überziehung") {
		// "what's the overdraft rate": the bank's overdraft answer
		if resp := s.faq.entry(ctx, r, "overdraft"); resp != nil {
			return resp, nil
		}
	}
	sh := s.sheet(r)
	accts, err := s.accountsFor(ctx, r)
	if err != nil {
		return nil, err
	}
	if r.Slots.String(intents.SlotAccount) == "" {
		var only []banks.Account
		for _, a := range accts {
			if a.Kind == banks.Savings || a.Kind == banks.CreditCard {
				only = append(only, a)
			}
		}
		accts = only
	}
	var parts []string
	for _, a := range accts {
		rate := sh.Rates[string(a.Kind)]
		if rate == "" {
			continue
		}
		switch a.Kind {
		case banks.CreditCard, banks.Loan:
			parts = append(parts, l.msg("rate.charged", a.Name, rate))
		default:
			parts = append(parts, l.msg("rate.earned", a.Name, rate))
		}
	}
	if len(parts) == 0 {
		return say(l.msg("rate.none")), nil
	}
	return &Response{Speech: strings.Join(parts, " "), EndSession: true}, nil
}

// digits reads a number digit by digit.
func digits(s string) string {
	return strings.Join(strings.Split(strings.ReplaceAll(s, " ", ""), ""), " ")
}

// textChannel is true where the answer is read by the user alone, not
// heard or shown where others may see it.
func textChannel(r *Request) bool { return r.Channel.Text && r.Channel.Private && !r.Channel.Voice } // (a phone assistant reads aloud what it shows)

func (s *Skill) accountDetails(ctx context.Context, r *Request) (*Response, error) {
	l := langOf(r.Locale)
	accts, err := s.accountsFor(ctx, r)
	if err != nil {
		return nil, err
	}
	if textChannel(r) && r.Slots.String(intents.SlotAccount) != "" && len(accts) == 1 && !lastFourAsked(" "+intents.Normalize(r.Text)+" ") {
		return s.startAction(ctx, r, actShowNumber) // the full number, on screen, after the PIN
	}
	sh := s.sheet(r)
	var parts []string
	// The bank's domestic code (a US routing number, a UK sort code);
	// the BIC only where there is none, as in the SEPA countries.
	if sh.RoutingNumber != "" {
		parts = append(parts, l.msg("details.routing", digits(sh.RoutingNumber)))
	}
	if sh.SortCode != "" {
		parts = append(parts, l.msg("details.sort_code", sh.SortCode)) // in its pairs, as it is written and said ("04-00-75")
	}
	if sh.BIC != "" && sh.RoutingNumber == "" && sh.SortCode == "" {
		parts = append(parts, l.msg("details.bic", digits(sh.BIC)))
	}
	for _, a := range accts {
		if a.Kind == banks.Checking || a.Kind == banks.Savings || r.Slots.String(intents.SlotAccount) != "" {
			parts = append(parts, l.msg("details.number", a.Name, l.accountName(a), digits(a.LastFour)))
		}
	}
	text := strings.Join(parts, " ")
	if textChannel(r) {
		text += " " + l.msg("details.full_on_text")
	} else {
		text += " " + l.msg("details.last_four")
	}
	return &Response{Speech: text, EndSession: true}, nil
}

func (s *Skill) fees(ctx context.Context, r *Request) (*Response, error) {
	l := langOf(r.Locale)
	sh := s.sheet(r)
	var lines, asked []string
	t := " " + intents.Normalize(r.Text) + " "
	// The product sheet's fees in this order, each named fee.name.KEY;
	// the one a question names is said alone ("the overdraft fee").
	for _, k := range []string{"foreign_transaction", "atm_abroad", "monthly", "overdraft", "wire"} {
		if v := sh.Fees[k]; v != "" {
			line := l.msg("label.value", l.msg("fee.name."+k), v)
			lines = append(lines, line)
			if containsAny(t, feeWords[k]...) {
				asked = append(asked, line)
			}
		}
	}
	if len(lines) == 0 {
		return say(l.msg("fee.none")), nil
	}
	if !containsAny(t, feeAsks...) && len(asked) == 0 || !containsAny(t, feeAsks...) && containsAny(t, " limit", " how much can i", " wie viel kann ich") {
		// "and what's the ATM limit": no fee is asked about; the
		// bank's answer to what is.
		if resp := s.faq.answer(ctx, r, intents.FAQThreshold, false); resp != nil {
			return resp, nil
		}
	}
	spoken := lines[:min(3, len(lines))]
	cash := containsAny(t, feeWords["atm_abroad"]...) && !containsAny(t, " pay", " purchase", " buy", " zahl", " kauf", " shopping", " card payment")
	if len(asked) > 1 && (cash || containsAny(t, feeWords["wire"]...)) {
		// "a cash machine abroad", "eine Überweisung ins Ausland": the
		// cash or transfer fee, not the card payments one.
		card := l.msg("label.value", l.msg("fee.name.foreign_transaction"), sh.Fees["foreign_transaction"])
		asked = slices.DeleteFunc(asked, func(line string) bool { return line == card })
	}
	if len(asked) > 0 {
		spoken = asked
	}
	return &Response{Speech: strings.Join(spoken, ". ") + ".",
		Card: &Card{Title: l.msg("fee.card.title"), Text: strings.Join(lines, "\n")}, EndSession: true}, nil
}

// feeAsks are words that ask what something costs.
var feeAsks = []string{" fee", " fees", " cost", " charge", " price", " pay for", " how much is", " how much does", " gebühr", " kost", " entgelt",
	" preis", " zahl", " teuer", " expensive", " commission", " provision"}

// feeWords name each fee of a product sheet in a question.
var feeWords = map[string][]string{
	"foreign_transaction": {" foreign", " abroad", " overseas", " in euros", " in dollars", " other currenc", " currency", " ausland", " fremdwährung",
		" fremdwaehrung", " in dollar", " im urlaub", " on holiday", " international"},
	"atm_abroad": {" atm", " cash machine", " cashpoint", " withdraw", " abheb", " geldautomat", " bargeld", " automat", " cash out", " getting cash",
		" get cash", " take out cash", " taking out cash", " took out", " cash machine", " a machine", " the machine", " cash i", " bargeld", " am automaten"},
	"monthly": {" monthly", " month fee", " account fee", " maintenance", " kontoführung", " kontofuehrung", " monatlich", " im monat",
		" pro monat", " was kostet das konto", " was kostet mich das konto", " cost me a month", " a month"},
	"overdraft": {" overdraft", " over draft", " overdrawn", " dispo", " überzieh", " ueberzieh", " minus"},
	"wire": {" wire", " swift", " auslandsüberweisung", " überweisung ins ausland", " überweisungen ins ausland", " überweisung nach", " ins ausland überweis",
		" international transfer", " transfer abroad", " transfers abroad", " transfer money abroad", " send money abroad", " sending money abroad", " money overseas",
		" transfer overseas", " international payment", " payment abroad", " pay someone abroad", " send money to another country"},
}

func (s *Skill) creditScore(ctx context.Context, r *Request) (*Response, error) {
	l := langOf(r.Locale)
	pr, err := capability[banks.Profile](s.cfg.Bank, "skill.score")
	if err != nil {
		return nil, err
	}
	system, score, err := pr.CreditScore(ctx, r.User)
	if err != nil {
		return nil, err
	}
	// Each scoring system has its scale and its bands: score.SYSTEM.
	speech := l.msg("score.other", l.decimal(score))
	if l.has("score." + system) {
		speech = l.msg("score."+system, l.decimal(score))
	}
	return &Response{Speech: speech, EndSession: true}, nil
}

// decimal writes a decimal the bank gave as "97.8" the locale's way
// ("97,8" in German), keeping its digits.
func (l lang) decimal(s string) string {
	v, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return s
	}
	scale := 0
	if _, frac, ok := strings.Cut(s, "."); ok {
		scale = len(frac)
	}
	// A printer groups thousands; scores and rates are read as written.
	return l.printer.Sprint(number.Decimal(v, number.Scale(scale), number.NoSeparator()))
}

func (s *Skill) cardApplication(ctx context.Context, r *Request) (*Response, error) {
	l := langOf(r.Locale)
	text := s.sheet(r).CardApplication
	if text == "" {
		text = l.msg("card.apply")
	}
	return &Response{Speech: text, EndSession: true}, nil
}

func (s *Skill) talkToAgent(ctx context.Context, r *Request) (*Response, error) {
	l := langOf(r.Locale)
	sh := s.sheet(r)
	return s.offerAgent(r, l.msg("agent.contact", sh.SupportPhone, sh.SupportHours), "agent"), nil
}

func (s *Skill) privacyCenter(ctx context.Context, r *Request) (*Response, error) {
	l := langOf(r.Locale)
	explain := l.msg("privacy.explain")
	// "What have I allowed?": the link's scopes, where the link has them.
	if sc, ok := s.cfg.Auth.(scoper); ok {
		if scopes, err := sc.Scopes(ctx, r.AccessToken); err == nil && len(scopes) > 0 {
			var items []string
			for _, name := range []string{"accounts", "payments", "alerts"} {
				if slices.Contains(scopes, name) {
					items = append(items, l.msg("scope.name."+name))
				}
			}
			if len(items) > 0 {
				allowed := l.msg("privacy.allowed", l.List(items))
				if u, ok := s.cfg.Auth.(interface {
					Until(ctx context.Context, token string) (time.Time, error)
				}); ok {
					if until, err := u.Until(ctx, r.AccessToken); err == nil && !until.IsZero() {
						allowed = l.msg("privacy.allowed_until", l.List(items), l.Date(until, r.Now))
					}
				}
				explain = allowed + " " + explain
			}
		}
	}
	q := l.msg("privacy.ask")
	r.st.Dialog = &dialog{Action: actPrivacyerase, Slots: intents.Slots{}, Stage: stageConfirm, Key: newKey(), Question: q, Started: r.Now}
	return &Response{Speech: explain + " " + q, Reprompt: q, Card: &Card{Title: l.msg("privacy.card.title"), Text: explain}}, nil
}

// pinWithoutQuestion answers a PIN nobody asked for.
func (s *Skill) pinWithoutQuestion(ctx context.Context, r *Request) (*Response, error) {
	l := langOf(r.Locale)
	return &Response{Speech: l.msg("pin.not_asked"), Reprompt: l.reprompt()}, nil
}

func (s *Skill) accountsFor(ctx context.Context, r *Request) ([]banks.Account, error) {
	return (&banking{bank: s.cfg.Bank}).accountsFor(ctx, r)
}

// asksForBills: a question about bills in general ("what bills have I
// got coming up", "welche Rechnungen stehen an"), not the card's.
func asksForBills(r *Request) bool {
	t := " " + intents.Normalize(r.Text) + " "
	if strings.Contains(t, " card") || strings.Contains(t, "karte") || strings.Contains(t, " visa") || strings.Contains(t, "mastercard") {
		return false
	}
	for _, w := range []string{" bills ", " bills", "coming up", "due soon", "upcoming", "rechnungen", "anstehen", "stehen an", "demnächst", "fällig sind"} {
		if strings.Contains(t, w) {
			return true
		}
	}
	return false
}

// asksFirst: "which one's due first", "welche ist als Erstes fällig".
func asksFirst(r *Request) bool {
	t := " " + intents.Normalize(r.Text) + " "
	return containsAny(t, " first", " next", " soonest", " earliest", " zuerst", " als erstes", " als nächstes", " nächste ") &&
		containsAny(t, " which", " what", " welche", " was ", " wer ")
}

// openBills are the unpaid bills of known billers, by due date.
func (s *Skill) openBills(ctx context.Context, r *Request, billers []banks.Biller) ([]banks.Bill, map[string]banks.Biller, error) {
	st, ok := s.cfg.Bank.(banks.Statements)
	if !ok {
		return nil, nil, banks.E("skill.bills", banks.NotSupported, nil)
	}
	bills, err := st.Bills(ctx, r.User)
	if err != nil {
		return nil, nil, err
	}
	byID := map[string]banks.Biller{}
	for _, b := range billers {
		byID[b.ID] = b
	}
	var open []banks.Bill
	for _, b := range bills {
		if !b.Paid && byID[b.BillerID].Name != "" {
			open = append(open, b)
		}
	}
	sort.SliceStable(open, func(i, j int) bool { return open[i].DueDate.Before(open[j].DueDate) })
	return open, byID, nil
}

// billWindow is the stretch a question about bills names, looking ahead
// ("this week", "next week", "this month", "diese Woche"): from, to and
// its name, bills.window.NAME.
func billWindow(r *Request) (from, to time.Time, label string, ok bool) {
	t := " " + intents.Normalize(r.Text) + " "
	today := time.Date(r.Now.Year(), r.Now.Month(), r.Now.Day(), 0, 0, 0, 0, time.UTC)
	toSunday := (7 - int(today.Weekday())) % 7
	switch {
	case containsAny(t, " next week", " nächste woche", " nächsten woche", " kommende woche"):
		from = today.AddDate(0, 0, toSunday+1)
		return from, from.AddDate(0, 0, 6), "next_week", true
	case containsAny(t, " this week", " diese woche", " dieser woche", " die woche"):
		return today, today.AddDate(0, 0, toSunday), "this_week", true
	case containsAny(t, " this month", " diesen monat", " diesem monat"):
		return today, today.AddDate(0, 1, -today.Day()), "this_month", true
	}
	return time.Time{}, time.Time{}, "", false
}

// firstBill names the unpaid bill due first; it becomes the subject
// ("ok pay it").
func (s *Skill) firstBill(ctx context.Context, r *Request, billers []banks.Biller) (*Response, error) {
	l := langOf(r.Locale)
	open, byID, err := s.openBills(ctx, r, billers)
	if err != nil {
		return nil, err
	}
	if len(open) == 0 {
		return anythingElse(l, l.msg("bills.none")), nil
	}
	b := open[0]
	r.Slots[intents.SlotBiller] = byID[b.BillerID].Kind
	return anythingElse(l, l.msg("bills.first", l.msg("bills.item", byID[b.BillerID].Name, l.Money(b.Amount), l.Date(b.DueDate, r.Now)))), nil
}

// upcomingBills lists the unpaid bills by due date.
func (s *Skill) upcomingBills(ctx context.Context, r *Request, billers []banks.Biller) (*Response, error) {
	l := langOf(r.Locale)
	open, byID, err := s.openBills(ctx, r, billers)
	if err != nil {
		return nil, err
	}
	names := map[string]string{}
	for id, b := range byID {
		names[id] = b.Name
	}
	if from, to, label, ok := billWindow(r); ok && len(open) > 0 {
		// "what bills are going out this week": only those, or the next.
		var in []banks.Bill
		for _, b := range open {
			if !b.DueDate.Before(from) && !b.DueDate.After(to) {
				in = append(in, b)
			}
		}
		if len(in) == 0 {
			next := open[0]
			return anythingElse(l, l.msg("bills.none_in", l.msg("bills.window."+label), l.msg("bills.item", names[next.BillerID], l.Money(next.Amount), l.Date(next.DueDate, r.Now)))), nil
		}
		open = in
	}
	if len(open) == 0 {
		return anythingElse(l, l.msg("bills.none")), nil
	}
	var items, lines, listed []string
	for _, b := range open {
		listed = append(listed, names[b.BillerID])
		items = append(items, l.msg("bills.item", names[b.BillerID], l.Money(b.Amount), l.Date(b.DueDate, r.Now)))
		lines = append(lines, fmt.Sprintf("%s  %s  %s", b.DueDate.Format(time.DateOnly), names[b.BillerID], l.Money(b.Amount)))
	}
	if r.Slots != nil {
		r.Slots["listed"] = strings.Join(listed, "|") // for "pay the first one" (followUp)
	}
	text := l.msg("bills.many", strconv.Itoa(len(open)), l.List(items))
	if len(open) == 1 {
		text = l.msg("bills.one", items[0])
	}
	return &Response{Speech: text, Card: &Card{Title: l.msg("bills.card.title"), Text: strings.Join(lines, "\n")}, EndSession: true}, nil
}

// blockedWhy is why the bank froze an account: blocked.reason.REASON,
// which ends with what to do about it.
func blockedWhy(l lang, st banks.AccountStatus, sh banks.ProductSheet) string {
	if l.has("blocked.reason." + st.Reason) {
		return l.msg("blocked.reason."+st.Reason, sh.SupportPhone)
	}
	return l.msg("blocked.reason.other", sh.SupportPhone)
}

// loanQuestion answers a question about a loan's payments ("when's my
// next car loan payment", "how much is my monthly loan payment", "wann
// ist die nächste Kreditrate fällig") from the user's own loan account:
// its last payment and what is owed, and that the schedule is not
// something Konto can see. It was answered as a bill's or a credit
// card's due date, or with the bank's loan rates. Nil when the turn is
// no such question or the user has no loan.
func (s *Skill) loanQuestion(ctx context.Context, r *Request) (*Response, error) {
	// ("and how much is the monthly payment" after the loan's balance or
	// rate: that loan's)
	switch r.Intent {
	case intents.BillDueDate, intents.BillBalance, intents.MinimumPayment, intents.GetBalance, intents.Fallback:
	default:
		return nil, nil
	}
	if r.Text == "" || r.Slots[intents.SlotBiller] != nil {
		return nil, nil
	}
	t := " " + intents.Normalize(r.Text) + " "
	if !containsAny(t, " loan", " kredit", " darlehen", " mortgage", " baufinanzierung", " hypothek") && !(s.aboutLoan(r) && len(strings.Fields(t)) <= 10) ||
		containsAny(t, " apply", " get a ", " need a ", " want a ", " borrow", " beantrag", " brauche", " bräuchte", " rate is", " interest", " zins") {
		return nil, nil // "I need a personal loan", "what's the interest on a car loan": the bank's offer
	}
	if !containsAny(t, " payment", " due", " next", " monthly", " installment", " instalment", " rate ", " raten", " kreditrate", " fällig",
		" nächste", " monatlich", " abbezahlt", " paid off") {
		return nil, nil // "what do i owe on my car loan" is the balance
	}
	accts, err := s.cfg.Bank.Accounts(ctx, r.User)
	if err != nil {
		return nil, err
	}
	var loan *banks.Account
	for i := range accts {
		if accts[i].Kind == banks.Loan {
			loan = &accts[i]
			break
		}
	}
	if loan == nil {
		return nil, nil
	}
	l := langOf(r.Locale)
	bal, err := s.cfg.Bank.Balance(ctx, r.User, loan.ID)
	if err != nil {
		return nil, err
	}
	owed := l.Money(bal.Booked.Abs())
	txs, err := s.cfg.Bank.Transactions(ctx, r.User, banks.TxFilter{AccountID: loan.ID, From: r.Now.AddDate(0, -3, 0), Limit: 20})
	if err != nil {
		return nil, err
	}
	r.Slots[intents.SlotAccount] = string(banks.Loan) // "and how much is left on it"
	s.remember(r, intents.GetBalance, intents.Slots{intents.SlotAccount: string(banks.Loan)})
	for _, t := range txs {
		if t.Amount.Minor > 0 {
			return anythingElse(l, l.msg("loan.payments", loan.Name, l.Money(t.Amount), l.On(t.Time, r.Now), owed)), nil
		}
	}
	return anythingElse(l, l.msg("loan.payments.none", loan.Name, owed)), nil
}

// sentToPayee answers how much went to one of the user's saved payees
// ("how much did i send to tom last month", "wie viel hab ich Max
// letzten Monat überwiesen"): the payments to that payee in the period
// (the last three months when none is said). It was the user's income,
// or a spending total of no payee. Nil when the turn is no such
// question or names no one payee.
func (s *Skill) sentToPayee(ctx context.Context, r *Request) (*Response, error) {
	if r.Text == "" {
		return nil, nil
	}
	t := " " + intents.Normalize(r.Text) + " "
	if !containsAny(t, " how much ", " wie viel ", " wieviel ", " have i paid", " did i pay", " did i send", " have i sent", " hab ich", " habe ich") ||
		!containsAny(t, " did i send", " have i sent", " ive sent", " i sent ", " did i transfer", " have i transferred", " ive transferred", " did i give", " did i pay", " have i paid", " ive paid",
			" überwiesen", " geschickt", " gesendet") {
		return nil, nil
	}
	rec, ok := s.cfg.Bank.(banks.Recipients)
	if !ok {
		return nil, nil
	}
	payees, err := rec.Payees(ctx, r.User)
	if err != nil {
		return nil, err
	}
	var named []banks.Payee
	full := false
	for _, p := range payees {
		n := intents.Normalize(p.Name)
		if strings.Contains(t, " "+n+" ") {
			if !full {
				named, full = nil, true
			}
			named = append(named, p)
			continue
		}
		if full {
			continue
		}
		for _, w := range strings.Fields(n) {
			if len(w) >= 3 && strings.Contains(t, " "+w+" ") {
				named = append(named, p)
				break
			}
		}
	}
	if len(named) != 1 {
		return nil, nil // no saved payee named, or two of that name: the usual reading
	}
	p := named[0]
	l := langOf(r.Locale)
	f := banks.TxFilter{Merchant: p.Name, From: r.Now.AddDate(0, -3, 0), Limit: maxScan}
	period := l.msg("sent.recently")
	dr, ok := r.Slots.DateRange(intents.SlotDateRange)
	if !ok {
		if d, _, found := intents.ParseDateRange(strings.TrimSpace(t), r.Locale, r.Now); found {
			dr, ok = d, true
		}
	}
	if ok {
		from, to, err := dr.Bounds()
		if err != nil {
			return nil, nil
		}
		f.From, f.To = from, to
		period = " " + l.Period(dr, r.Now)
	}
	txs, err := s.cfg.Bank.Transactions(ctx, r.User, f)
	if err != nil {
		return nil, err
	}
	var total banks.Money
	n := 0
	for _, x := range txs {
		if x.Amount.Minor < 0 && strings.EqualFold(x.Merchant, p.Name) {
			total = total.Add(x.Amount.Abs())
			n++
		}
	}
	r.Intent, r.Slots = intents.SpendingSummary, intents.Slots{}
	if ok {
		r.Slots[intents.SlotDateRange] = dr
	}
	if n == 0 {
		return anythingElse(l, l.msg("sent.none", p.Name, period)), nil
	}
	if n == 1 {
		return &Response{Speech: l.msg("sent.total.one", l.Money(total), p.Name, period), EndSession: true}, nil
	}
	return &Response{Speech: l.msg("sent.total", l.Money(total), p.Name, period, strconv.Itoa(n)), EndSession: true}, nil
}

// asksNextPay: the words ask when the next pay comes ("when's my next
// paycheck", "when do i get paid next", "wann kommt mein nächstes
// Gehalt"), not whether the last one came.
func asksNextPay(t string) bool {
	return containsAny(t, " next pay", " next paycheck", " next paycheque", " next salary", " next wage", " next payday", " next pay day", " get paid next",
		" paid next", " when will i get paid", " when will i be paid", " when is payday", " whens payday", " when is pay day", " whens pay day",
		" nächstes gehalt", " nächste gehalt", " nächsten gehalt", " nächste lohn", " nächsten lohn", " nächster lohn", " nächste zahltag", " nächster zahltag", " wann ist zahltag")
}

// aboutLoan: the last answer was about the user's loan (its balance, its
// rate).
func (s *Skill) aboutLoan(r *Request) bool {
	prev := s.previous(r)
	return prev != nil && prev.Slots.String(intents.SlotAccount) == string(banks.Loan)
}

// unknownBillerAt finds the company a turn names a bill by ("my verizon
// bill", "and the comcast one", "die Rechnung von Vodafone").
var unknownBillerAt = regexp.MustCompile(` (?:the|my|die|meine|a|an|ein|eine) ([a-z0-9&]+(?: [a-z0-9&]+)?) (?:bill|one|rechnung) | rechnung (?:von|vom|bei) ([a-z0-9&]+) `)

// notCompany are the words before "bill" that name no company.
var notCompany = map[string]bool{"credit": true, "card": true, "credit card": true, "visa": true, "mastercard": true, "kreditkarte": true, "karte": true,
	"kreditkarten": true, "statement": true, "monthly": true, "next": true, "last": true, "this": true, "that": true, "other": true, "first": true, "biggest": true,
	"latest": true, "current": true, "new": true, "old": true, "same": true, "big": true, "small": true, "second": true, "nächste": true, "letzte": true, "andere": true,
	"neue": true, "aktuelle": true, "erste": true, "monatliche": true, "whole": true, "total": true, "entire": true, "paid": true, "unpaid": true, "due": true, "overdue": true,
	"upcoming": true, "recent": true, "pending": true, "previous": true, "quarterly": true, "annual": true, "yearly": true, "final": true, "outstanding": true,
	"utility": true, "utilities": true, "light": true, "power": true, "electric": true, "electricity": true, "gas": true, "water": true, "phone": true, "mobile": true,
	"cell": true, "internet": true, "cable": true, "energy": true, "insurance": true, "rent": true, "tax": true, "council": true, "january": true, "february": true,
	"march": true, "april": true, "may": true, "june": true, "july": true, "august": true, "september": true, "october": true, "november": true, "december": true,
	"januar": true, "februar": true, "märz": true, "mai": true, "juni": true, "juli": true, "oktober": true, "dezember": true, "strom": true, "handy": true,
	"wasser": true, "versicherung": true, "miete": true, "letzten": true, "nächsten": true, "offene": true, "offenen": true}

// unknownBiller is the company a bill's word names (billerWord), or ""
// when it names none.
func unknownBiller(name string) string {
	f := strings.Fields(name)
	if len(f) == 0 || notCompany[name] || notCompany[f[0]] || notCompany[f[len(f)-1]] {
		return ""
	}
	return name
}

// destinationOnly: the account kind k is named only as where money was to
// go ("to my current account", "aufs Girokonto").
func destinationOnly(t, k, locale string) bool {
	for _, pre := range []string{" to my ", " into my ", " to the ", " into the ", " over to my ", " auf mein ", " auf das ", " aufs ", " auf meinem ", " zu meinem ", " in mein "} {
		i := strings.Index(t, pre)
		if i < 0 {
			continue
		}
		rest := t[i+len(pre):]
		if intents.ParseAccount(rest) == k && intents.ParseAccount(t[:i]) != k {
			return true
		}
	}
	return false
}

// nearBiller: a word of the name begins like a word of one of the user's
// billers ("light" for Seattle City Light, "utility" for Seattle Public
// Utilities): a bill of theirs said loosely, not another company.
func nearBiller(name string, billers []banks.Biller) (banks.Biller, bool) {
	if name == "" {
		return banks.Biller{}, false
	}
	var found []banks.Biller
	for _, b := range billers {
	words:
		for _, bw := range strings.Fields(strings.ToLower(b.Name)) {
			for _, w := range strings.Fields(name) {
				n := min(len(w), len(bw), 4)
				if n >= 4 && w[:n] == bw[:n] || len(w) >= 3 && w == bw {
					found = append(found, b)
					break words
				}
			}
		}
	}
	if len(found) != 1 {
		return banks.Biller{}, false // none, or two it could be: the usual question
	}
	return found[0], true
}

// billerWord is the word or two before "bill" ("my utility bill", "the
// light bill"), whatever they name; "" when the words say no bill.
func billerWord(t string) string {
	m := unknownBillerAt.FindStringSubmatch(t)
	if m == nil {
		return ""
	}
	if m[1] != "" {
		return m[1]
	}
	return m[2]
}
