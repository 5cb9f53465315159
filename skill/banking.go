package skill

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/kontoskill/konto/banks"
	"github.com/kontoskill/konto/intents"
)

// banking answers the read-only banking intents from a connector.
type banking struct {
	bank banks.Connector
}

const (
	defaultListCount = 5
	maxSpokenCount   = 10
	maxCardCount     = 20
	// maxScan caps how many transactions one question reads.
	maxScan = 5000
)

// accountsFor returns the user's accounts of the slot's kind (all if no
// kind was named). Errors: NotFound when the user has no such account.
func (b *banking) accountsFor(ctx context.Context, r *Request) ([]banks.Account, error) {
	all, err := b.bank.Accounts(ctx, r.User)
	if err != nil {
		return nil, err
	}
	kind := banks.AccountKind(r.Slots.String(intents.SlotAccount))
	if kind == "" {
		return all, nil
	}
	var out []banks.Account
	for _, a := range all {
		if a.Kind == kind {
			out = append(out, a)
		}
	}
	return out, nil
}

func noSuchAccount(l lang, kind banks.AccountKind) *Response {
	return &Response{
		Speech: fmt.Sprintf(l.pick("I don't see a %s among your linked accounts. ", "Ich sehe kein %s unter deinen verknüpften Konten. "),
			l.AccountKind(kind)) + l.pick(reprompt, repromptDE),
		Reprompt: l.pick(reprompt, repromptDE),
	}
}

func (b *banking) balance(ctx context.Context, r *Request) (*Response, error) {
	l := langOf(r.Locale)
	accts, err := b.accountsFor(ctx, r)
	if err != nil {
		return nil, err
	}
	if len(accts) == 0 {
		return noSuchAccount(l, banks.AccountKind(r.Slots.String(intents.SlotAccount))), nil
	}
	var parts, lines []string
	for _, a := range accts {
		bal, err := b.bank.Balance(ctx, r.User, a.ID)
		if err != nil {
			return nil, err
		}
		parts = append(parts, l.balanceSentence(a, bal, len(accts) == 1))
		lines = append(lines, l.balanceLine(a, bal))
	}
	speech := strings.Join(parts, " ")
	if len(accts) > 1 {
		speech = l.pick("Here are your balances. ", "Hier sind deine Kontostände. ") + speech
	}
	return &Response{
		Speech:     speech,
		Card:       &Card{Title: l.pick("Balances", "Kontostände"), Text: strings.Join(lines, "\n")},
		EndSession: true,
	}, nil
}

func (l lang) balanceSentence(a banks.Account, bal banks.Balance, alone bool) string {
	switch a.Kind {
	case banks.CreditCard:
		if bal.Booked.Minor >= 0 {
			return fmt.Sprintf(l.pick("You don't owe anything on your %s; %s of credit is available.", "Auf deiner %s ist nichts offen; %s Kreditrahmen sind verfügbar."),
				a.Name, l.Money(bal.Available))
		}
		return fmt.Sprintf(l.pick("Your %s balance is %s, with %s of credit available.", "Deine %s steht bei %s, verfügbar sind noch %s."),
			a.Name, l.Money(bal.Booked), l.Money(bal.Available))
	case banks.Loan:
		return fmt.Sprintf(l.pick("You owe %s on your %s.", "Auf deinem %[2]s sind noch %[1]s offen."), l.Money(bal.Booked), a.Name)
	}
	neg := ""
	if bal.Booked.Minor < 0 {
		neg = l.pick("minus ", "minus ")
	}
	s := fmt.Sprintf(l.pick("Your %s has %s%s.", "Auf deinem %s sind %s%s."), a.Name, neg, l.Money(bal.Booked))
	if alone && bal.Available != bal.Booked {
		s += fmt.Sprintf(l.pick(" %s is available to spend.", " Verfügbar sind %s."), l.Money(bal.Available))
	}
	return s
}

func (l lang) balanceLine(a banks.Account, bal banks.Balance) string {
	owed := ""
	if (a.Kind == banks.CreditCard || a.Kind == banks.Loan) && bal.Booked.Minor < 0 {
		owed = l.pick(" owed", " offen")
	}
	neg := ""
	if bal.Booked.Minor < 0 && owed == "" {
		neg = "-"
	}
	return fmt.Sprintf("%s ••%s: %s%s%s (%s %s)", a.Name, a.LastFour, neg, l.Money(bal.Booked), owed,
		l.pick("available", "verfügbar"), l.Money(bal.Available))
}

// filter builds a transaction filter from the request's slots. It
// returns nil accounts when the user has none of the named kind.
func (b *banking) filter(ctx context.Context, r *Request) (banks.TxFilter, []banks.Account, error) {
	var f banks.TxFilter
	accts, err := b.accountsFor(ctx, r)
	if err != nil {
		return f, nil, err
	}
	if r.Slots.String(intents.SlotAccount) != "" && len(accts) > 0 {
		f.AccountID = accts[0].ID
	}
	if dr, ok := r.Slots.DateRange(intents.SlotDateRange); ok {
		from, to, err := dr.Bounds()
		if err != nil {
			return f, nil, banks.E("skill.filter", banks.Invalid, err)
		}
		f.From, f.To = from, to
	}
	f.Merchant = r.Slots.String(intents.SlotMerchant)
	f.Category = r.Slots.String(intents.SlotCategory)
	return f, accts, nil
}

// about describes the filter for a sentence: " at Starbucks", " on groceries".
func (l lang) about(r *Request) string {
	if m := r.Slots.String(intents.SlotMerchant); m != "" {
		return l.pick(" at ", " bei ") + titleCase(m)
	}
	if c := r.Slots.String(intents.SlotCategory); c != "" {
		return l.pick(" on ", " für ") + l.Category(c)
	}
	return ""
}

func (l lang) when(r *Request) string {
	if dr, ok := r.Slots.DateRange(intents.SlotDateRange); ok {
		return " " + l.Period(dr, r.Now)
	}
	return ""
}

func titleCase(s string) string {
	words := strings.Fields(s)
	for i, w := range words {
		rs := []rune(w)
		rs[0] = []rune(strings.ToUpper(string(rs[0])))[0]
		words[i] = string(rs)
	}
	return strings.Join(words, " ")
}

func (b *banking) transactions(ctx context.Context, r *Request) (*Response, error) {
	l := langOf(r.Locale)
	f, accts, err := b.filter(ctx, r)
	if err != nil {
		return nil, err
	}
	if len(accts) == 0 {
		return noSuchAccount(l, banks.AccountKind(r.Slots.String(intents.SlotAccount))), nil
	}
	count := r.Slots.Int(intents.SlotCount)
	if count <= 0 {
		count = defaultListCount
	}
	f.Limit = min(max(count, maxCardCount), maxScan)
	txs, err := b.bank.Transactions(ctx, r.User, f)
	if err != nil {
		return nil, err
	}
	scope := l.about(r) + l.when(r)
	if len(txs) == 0 {
		return &Response{Speech: fmt.Sprintf(l.pick("I didn't find any transactions%s.", "Ich habe keine Umsätze%s gefunden."), scope), EndSession: true}, nil
	}
	spoken := min(count, maxSpokenCount, len(txs))
	var items, lines []string
	for i, t := range txs {
		if i < spoken {
			items = append(items, l.txPhrase(t, r.Now))
		}
		if i < max(count, spoken) && i < maxCardCount {
			lines = append(lines, l.txLine(t))
		}
	}
	var intro string
	if spoken == 1 {
		intro = fmt.Sprintf(l.pick("Your latest transaction%s: ", "Dein letzter Umsatz%s: "), scope)
	} else {
		intro = fmt.Sprintf(l.pick("Your last %d transactions%s: ", "Deine letzten %d Umsätze%s: "), spoken, scope)
	}
	speech := intro + l.List(items) + "."
	if count > maxSpokenCount && len(txs) > spoken && r.Channel.CardHint != "" {
		speech += fmt.Sprintf(l.pick(" The rest are on the card %s.", " Den Rest findest du auf der Karte %s."), r.Channel.CardHint)
	}
	return &Response{
		Speech:     speech,
		Card:       &Card{Title: l.pick("Transactions", "Umsätze") + scope, Text: strings.Join(lines, "\n")},
		EndSession: true,
	}, nil
}

func (l lang) txPhrase(t banks.Transaction, now time.Time) string {
	var s string
	if t.Amount.Minor >= 0 {
		s = fmt.Sprintf(l.pick("%s from %s %s", "%s von %s %s"), l.Money(t.Amount), t.Merchant, l.On(t.Time, now))
	} else {
		s = fmt.Sprintf(l.pick("%s at %s %s", "%s bei %s %s"), l.Money(t.Amount), t.Merchant, l.On(t.Time, now))
	}
	if t.Status == banks.Pending {
		s += l.pick(" (still pending)", " (noch vorgemerkt)")
	}
	return s
}

func (l lang) txLine(t banks.Transaction) string {
	sign := "-"
	if t.Amount.Minor >= 0 {
		sign = "+"
	}
	status := ""
	if t.Status == banks.Pending {
		status = l.pick(" (pending)", " (vorgemerkt)")
	}
	return fmt.Sprintf("%s  %s  %s%s%s", t.Time.Format(time.DateOnly), t.Merchant, sign, l.Money(t.Amount), status)
}

// isSpending tells purchases and bills from money moved between the
// user's own accounts, which is not spending.
func isSpending(t banks.Transaction) bool {
	return t.Amount.Minor < 0 && t.Category != "transfers" && t.Category != "income"
}

func (b *banking) spending(ctx context.Context, r *Request) (*Response, error) {
	l := langOf(r.Locale)
	if _, ok := r.Slots.DateRange(intents.SlotDateRange); !ok {
		today := time.Date(r.Now.Year(), r.Now.Month(), r.Now.Day(), 0, 0, 0, 0, time.UTC)
		first := today.AddDate(0, 0, 1-today.Day())
		r.Slots[intents.SlotDateRange] = intents.DateRange{Start: first.Format(time.DateOnly), End: today.Format(time.DateOnly)}
	}
	f, accts, err := b.filter(ctx, r)
	if err != nil {
		return nil, err
	}
	if len(accts) == 0 {
		return noSuchAccount(l, banks.AccountKind(r.Slots.String(intents.SlotAccount))), nil
	}
	f.Limit = maxScan
	txs, err := b.bank.Transactions(ctx, r.User, f)
	if err != nil {
		return nil, err
	}
	totals := map[string]banks.Money{} // per currency
	byCat := map[string]banks.Money{}
	n := 0
	for _, t := range txs {
		if !isSpending(t) {
			continue
		}
		n++
		totals[t.Amount.Currency] = totals[t.Amount.Currency].Add(t.Amount.Abs())
		byCat[t.Category] = byCat[t.Category].Add(t.Amount.Abs())
	}
	when := l.when(r)
	about := l.about(r)
	if n == 0 {
		return &Response{Speech: fmt.Sprintf(l.pick("You didn't spend anything%s%s.", "Du hast%[2]s%[1]s nichts ausgegeben."), about, when), EndSession: true}, nil
	}
	var sums []string
	for _, cur := range sortedKeys(totals) {
		sums = append(sums, l.Money(totals[cur]))
	}
	total := l.List(sums)
	var speech string
	if about != "" {
		speech = fmt.Sprintf(l.pick("You spent %s%s%s, in %d purchases.", "Du hast%[3]s%[2]s %[1]s ausgegeben, bei %[4]d Zahlungen."), total, about, when, n)
		if n == 1 {
			speech = fmt.Sprintf(l.pick("You spent %s%s%s, in one purchase.", "Du hast%[3]s%[2]s %[1]s ausgegeben, bei einer Zahlung."), total, about, when)
		}
	} else {
		speech = fmt.Sprintf(l.pick("You spent %s%s.", "Du hast%[2]s %[1]s ausgegeben."), total, when)
	}
	cats := sortedByAmount(byCat)
	if about == "" && len(cats) > 1 && len(totals) == 1 {
		var top []string
		for _, c := range cats[:min(3, len(cats))] {
			top = append(top, l.Category(c)+l.pick(" at ", " mit ")+l.Money(byCat[c]))
		}
		speech += l.pick(" The biggest categories were ", " Die größten Posten waren ") + l.List(top) + "."
	}
	var lines []string
	for _, c := range cats {
		lines = append(lines, fmt.Sprintf("%s: %s", l.Category(c), l.Money(byCat[c])))
	}
	return &Response{
		Speech:     speech,
		Card:       &Card{Title: l.pick("Spending", "Ausgaben") + about + when, Text: strings.Join(lines, "\n")},
		EndSession: true,
	}, nil
}

func sortedKeys(m map[string]banks.Money) []string {
	var ks []string
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}

func sortedByAmount(m map[string]banks.Money) []string {
	ks := sortedKeys(m)
	sort.SliceStable(ks, func(i, j int) bool { return m[ks[i]].Minor > m[ks[j]].Minor })
	return ks
}
