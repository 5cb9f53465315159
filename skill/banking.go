package skill

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"sort"
	"strconv"
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

// accountBalances is a connector that reads a customer's accounts of a
// kind (all for "") with their balances at once (the sandbox): a balance
// answer then costs one read at the bank instead of the list and one per
// account. Optional; Accounts and Balance are asked otherwise.
type accountBalances interface {
	AccountBalances(ctx context.Context, u banks.User, kind banks.AccountKind) ([]banks.Account, []banks.Balance, error)
}

// balancesFor is accountsFor with the balance of each account.
func (b *banking) balancesFor(ctx context.Context, r *Request) ([]banks.Account, []banks.Balance, error) {
	if kinds := namedKinds(r); len(kinds) > 1 {
		// "checking and savings?": both, in the bank's order.
		all := *r
		all.Slots = intents.Slots{}
		accts, bals, err := b.balancesFor(ctx, &all)
		if err != nil {
			return nil, nil, err
		}
		var as []banks.Account
		var bs []banks.Balance
		for i, a := range accts {
			if slices.Contains(kinds, string(a.Kind)) {
				as, bs = append(as, a), append(bs, bals[i])
			}
		}
		return as, bs, nil
	}
	if ab, ok := b.bank.(accountBalances); ok {
		return ab.AccountBalances(ctx, r.User, banks.AccountKind(r.Slots.String(intents.SlotAccount)))
	}
	accts, err := b.accountsFor(ctx, r)
	if err != nil {
		return nil, nil, err
	}
	bals := make([]banks.Balance, len(accts))
	for i, a := range accts {
		if bals[i], err = b.bank.Balance(ctx, r.User, a.ID); err != nil {
			return nil, nil, err
		}
	}
	return accts, bals, nil
}

// namedKinds are the account kinds a balance question names when it
// names more than one ("what's in checking and savings").
func namedKinds(r *Request) []string {
	if r.Text == "" || r.Slots.String(intents.SlotAccount) == "" {
		return nil
	}
	return intents.ParseAccounts(intents.Normalize(r.Text))
}

func noSuchAccount(l lang, kind banks.AccountKind) *Response {
	return &Response{
		Speech:   l.andReprompt(l.msg("account.none_linked", l.AccountKind(kind))),
		Reprompt: l.reprompt(),
	}
}

func (b *banking) balance(ctx context.Context, r *Request) (*Response, error) {
	l := langOf(r.Locale)
	accts, bals, err := b.balancesFor(ctx, r)
	if err != nil {
		return nil, err
	}
	if len(accts) == 0 {
		return noSuchAccount(l, banks.AccountKind(r.Slots.String(intents.SlotAccount))), nil
	}
	var parts, lines []string
	totals := map[string]banks.Money{} // per currency: checking and savings
	var currencies []string            // in the order the accounts come
	for i, a := range accts {
		bal := bals[i]
		parts = append(parts, l.balanceSentence(a, bal, len(accts) == 1))
		lines = append(lines, l.balanceLine(a, bal))
		if a.Kind == banks.Checking || a.Kind == banks.Savings {
			if _, ok := totals[bal.Booked.Currency]; !ok {
				currencies = append(currencies, bal.Booked.Currency)
			}
			totals[bal.Booked.Currency] = totals[bal.Booked.Currency].Add(bal.Booked)
		}
	}
	speech := strings.Join(parts, " ")
	if len(accts) > 1 {
		speech = l.msg("balance.intro") + " " + speech
	}
	if len(r.User.Others) > 0 && len(accts) > 1 && len(totals) > 0 {
		// Several banks: what they hold in all, one sum per currency.
		var sums []string
		for _, cur := range currencies {
			sums = append(sums, l.Money(totals[cur]))
		}
		speech += " " + l.msg("balance.total", l.List(sums))
		lines = append(lines, l.msg("balance.total", l.List(sums)))
	}
	return &Response{
		Speech:     speech,
		Card:       &Card{Title: l.msg("balance.card.title"), Text: strings.Join(lines, "\n")},
		EndSession: true,
	}, nil
}

func (l lang) balanceSentence(a banks.Account, bal banks.Balance, alone bool) string {
	switch a.Kind {
	case banks.CreditCard:
		if bal.Booked.Minor >= 0 {
			return l.msg("balance.card.nothing_owed", a.Name, l.Money(bal.Available))
		}
		return l.msg("balance.card.owed", a.Name, l.Money(bal.Booked), l.Money(bal.Available))
	case banks.Loan:
		return l.msg("balance.loan", l.Money(bal.Booked), a.Name)
	}
	amount := l.Money(bal.Booked)
	if bal.Booked.Minor < 0 {
		amount = l.msg("balance.minus", amount)
	}
	if bal.Available != bal.Booked && bal.Available.Currency == bal.Booked.Currency {
		// What can be spent comes first; the booked balance is said too.
		if alone {
			return l.msg("balance.one.available", a.Name, l.Money(bal.Available), amount)
		}
		return l.msg("balance.one.available.short", a.Name, l.Money(bal.Available))
	}
	return l.msg("balance.one", a.Name, amount)
}

func (l lang) balanceLine(a banks.Account, bal banks.Balance) string {
	booked := l.Money(bal.Booked)
	switch {
	case (a.Kind == banks.CreditCard || a.Kind == banks.Loan) && bal.Booked.Minor < 0:
		booked = l.msg("balance.line.owed", booked)
	case bal.Booked.Minor < 0:
		booked = "-" + booked
	}
	return l.msg("balance.line", a.Name, a.LastFour, booked, l.Money(bal.Available))
}

// filter builds a transaction filter from the request's slots. It
// returns nil accounts when the user has none of the named kind.
func (b *banking) filter(ctx context.Context, r *Request) (banks.TxFilter, []banks.Account, error) {
	var f banks.TxFilter
	if err := b.accountNamedLikeCategory(ctx, r); err != nil {
		return f, nil, err
	}
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

// accountNamedLikeCategory reads "the latest charges on my travel card"
// as the account of that name (Travel Rewards Card), not the travel
// category: a category word said with "card" or "account" that is a word
// of one of the user's account names names that account.
func (b *banking) accountNamedLikeCategory(ctx context.Context, r *Request) error {
	c := r.Slots.String(intents.SlotCategory)
	if c == "" || r.Text == "" {
		return nil
	}
	t := " " + intents.Normalize(r.Text) + " "
	all, err := b.bank.Accounts(ctx, r.User)
	if err != nil {
		return err
	}
	var named []banks.Account
	for _, a := range all {
		for _, w := range strings.Fields(intents.Normalize(a.Name)) {
			if len(w) >= 4 && !genericAccountWords[w] && containsAny(t, " "+w+" card", " "+w+" account", " "+w+" karte", " "+w+"karte", " "+w+" konto", " "+w+"konto") {
				named = append(named, a)
				break
			}
		}
	}
	if k := r.Slots.String(intents.SlotAccount); len(named) == 1 && (k == "" || k == string(named[0].Kind)) {
		delete(r.Slots, intents.SlotCategory)
		r.Slots[intents.SlotAccount] = string(named[0].Kind)
	}
	return nil
}

// genericAccountWords are words of account names that name no account.
var genericAccountWords = map[string]bool{"card": true, "account": true, "karte": true, "konto": true, "checking": true, "savings": true, "credit": true,
	"current": true, "basic": true, "everyday": true, "premier": true, "plus": true, "giro": true, "girokonto": true, "kreditkarte": true}

// about describes the filter for a sentence: " at Starbucks", " on groceries".
func (l lang) about(r *Request) string {
	if m := r.Slots.String(intents.SlotMerchant); m != "" {
		if r.turn == nil || !r.turn.merchantAsBank {
			m = titleCase(m) // said words, not the bank's spelling
		}
		return " " + l.msg("about.merchant", m)
	}
	if c := r.Slots.String(intents.SlotCategory); c != "" {
		return " " + l.msg("about.category", l.Category(c))
	}
	return ""
}

func (l lang) when(r *Request) string {
	if dr, ok := r.Slots.DateRange(intents.SlotDateRange); ok {
		return " " + l.Period(dr, r.Now)
	}
	return ""
}

// titleCase capitalises a name said in lower case ("trader joes"); a
// name as the bank spells it ("Transport for London", "dm-drogerie
// markt" from the bank) is left alone.
func titleCase(s string) string {
	if s != strings.ToLower(s) {
		return s
	}
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
	if (asksForBiggest(r) || r.Slots.String(slotTop) != "" && r.turn != nil && r.turn.inContext) && len(accts) > 0 {
		return b.biggest(ctx, r, f) // ("and the month before?" after the biggest purchase: the biggest then)
	}
	if len(accts) == 0 {
		return noSuchAccount(l, banks.AccountKind(r.Slots.String(intents.SlotAccount))), nil
	}
	count := r.Slots.Int(intents.SlotCount)
	if count <= 0 && r.Text != "" && containsAny(" "+intents.Normalize(r.Text)+" ", singleLast...) {
		count = 1 // "last purchase", "letzte Buchung": the one
	}
	if count <= 0 {
		count = defaultListCount
	}
	offset := 0
	if r.turn != nil && r.turn.paged {
		offset, _ = strconv.Atoi(r.Slots.String(slotOffset))
	} else {
		delete(r.Slots, slotOffset) // (a list asked for anew starts at the latest)
	}
	f.Limit = min(offset+max(count, maxCardCount), maxScan)
	pendingOnly := asksForPending(r) && offset == 0
	if pendingOnly {
		f.Statuses = []banks.TxStatus{banks.Pending}
		r.Slots[slotPending] = "1" // for "and the biggest one?" (followUp)
	}
	txs, err := b.bank.Transactions(ctx, r.User, f)
	if err != nil {
		return nil, err
	}
	scope := l.about(r) + l.when(r)
	if r.Slots.String(intents.SlotAccount) != "" && f.AccountID != "" && len(accts) == 1 {
		// "on my credit card", "und aufm Girokonto?": which account the
		// list is of is said
		scope = l.about(r) + " " + l.msg("about.account", l.accountName(accts[0])) + l.when(r)
	}
	if pendingOnly {
		// "show my pending": only what has not been booked yet, each
		// said without "(still pending)" after it.
		if len(txs) == 0 {
			return &Response{Speech: l.msg("tx.pending.none", scope), EndSession: true}, nil
		}
		spoken := min(len(txs), maxSpokenCount)
		var items, lines []string
		for i, t := range txs {
			t.Status = banks.Booked
			if i < spoken {
				items = append(items, l.txPhrase(t, r.Now))
			}
			if i < maxCardCount {
				lines = append(lines, l.txLine(t))
			}
		}
		speech := l.msg("tx.pending.many", strconv.Itoa(spoken), scope, l.List(items))
		if spoken == 1 {
			speech = l.msg("tx.pending.one", scope, l.List(items))
		}
		return &Response{
			Speech:     speech,
			Card:       &Card{Title: l.msg("tx.pending.card.title", scope), Text: strings.Join(lines, "\n")},
			EndSession: true,
		}, nil
	}
	if offset > 0 {
		// "and the ones before that": the next ones back, after those
		// already read out.
		if offset >= len(txs) {
			return anythingElse(l, l.msg("tx.older.none", scope)), nil
		}
		txs = txs[offset:]
	}
	if len(txs) == 0 {
		return &Response{Speech: l.msg("tx.none", scope), EndSession: true}, nil
	}
	spoken := min(count, maxSpokenCount, len(txs))
	delete(r.Slots, slotPending)
	delete(r.Slots, slotShown)
	delete(r.Slots, slotTop)
	if r.Slots[intents.SlotDateRange] == nil {
		r.Slots[slotShown] = strconv.Itoa(spoken) // "what was the biggest one" is of these
	}
	var items, lines, kept []string
	for i, t := range txs {
		if i < spoken {
			items = append(items, l.txPhrase(t, r.Now))
			kept = append(kept, t.Merchant+"\x1f"+l.txPhrase(t, r.Now)+"\x1f"+l.On(t.Time, r.Now))
		}
		if i < max(count, spoken) && i < maxCardCount {
			lines = append(lines, l.txLine(t))
		}
	}
	if len(kept) > 0 {
		r.Slots[slotItems] = strings.Join(kept, "\x1e") // "how much was the amazon one", "and the one before that", "wann genau?"
	}
	var intro string
	switch {
	case offset > 0 && spoken == 1:
		intro = l.msg("tx.older.one", scope, l.List(items))
	case offset > 0:
		intro = l.msg("tx.older.many", strconv.Itoa(spoken), scope, l.List(items))
	case spoken == 1:
		intro = l.msg("tx.one", scope, l.List(items))
	default:
		intro = l.msg("tx.many", strconv.Itoa(spoken), scope, l.List(items))
	}
	if offset > 0 || r.turn != nil && r.turn.paged {
		r.Slots[slotOffset] = strconv.Itoa(offset + spoken) // the next "and before that?" goes on from here
	}
	speech := intro
	if count > maxSpokenCount && len(txs) > spoken && r.Channel.CardHint != "" {
		speech += " " + l.msg("tx.rest_on_card", r.Channel.CardHint)
	}
	return &Response{
		Speech:     speech,
		Card:       &Card{Title: l.msg("tx.card.title", scope), Text: strings.Join(lines, "\n")},
		EndSession: true,
	}, nil
}

func (l lang) txPhrase(t banks.Transaction, now time.Time) string {
	var s string
	named := strings.HasPrefix(strings.ToLower(t.Merchant), "transfer") || strings.HasPrefix(strings.ToLower(t.Merchant), "umbuchung")
	switch {
	case t.Category == "transfers" && named:
		// The bank's own words already say what it was.
		s = l.msg("tx.transfer.named", l.Money(t.Amount.Abs()), t.Merchant, l.On(t.Time, now))
	case t.Category == "transfers" && t.Amount.Minor >= 0:
		s = l.msg("tx.transfer.in", l.Money(t.Amount), t.Merchant, l.On(t.Time, now))
	case t.Category == "transfers":
		s = l.msg("tx.transfer.out", l.Money(t.Amount), t.Merchant, l.On(t.Time, now))
	case t.Amount.Minor >= 0:
		s = l.msg("tx.in", l.Money(t.Amount), t.Merchant, l.On(t.Time, now))
	default:
		s = l.msg("tx.out", l.Money(t.Amount), t.Merchant, l.On(t.Time, now))
	}
	if t.Status == banks.Pending {
		s += " " + l.msg("tx.pending")
	}
	return s
}

func (l lang) txLine(t banks.Transaction) string {
	sign := "-"
	if t.Amount.Minor >= 0 {
		sign = "+"
	}
	line := fmt.Sprintf("%s  %s  %s%s", t.Time.Format(time.DateOnly), t.Merchant, sign, l.Money(t.Amount))
	if t.Status == banks.Pending {
		line += " " + l.msg("tx.line.pending")
	}
	return line
}

// isSpending tells purchases and bills from money moved between the
// user's own accounts, which is not spending.
func isSpending(t banks.Transaction) bool {
	return t.Amount.Minor < 0 && t.Category != "transfers" && t.Category != "income"
}

// scan reads the transactions a spending question's slots select (up to
// maxScan); the answer instead when the account asked for is not there.
func (b *banking) scan(ctx context.Context, r *Request) ([]banks.Transaction, *Response, error) {
	f, accts, err := b.filter(ctx, r)
	if err != nil {
		return nil, nil, err
	}
	if len(accts) == 0 {
		return nil, noSuchAccount(langOf(r.Locale), banks.AccountKind(r.Slots.String(intents.SlotAccount))), nil
	}
	f.Limit = maxScan
	txs, err := b.bank.Transactions(ctx, r.User, f)
	return txs, nil, err
}

func (b *banking) spending(ctx context.Context, r *Request) (*Response, error) {
	l := langOf(r.Locale)
	today := time.Date(r.Now.Year(), r.Now.Month(), r.Now.Day(), 0, 0, 0, 0, time.UTC)
	thisMonth := intents.DateRange{Start: today.AddDate(0, 0, 1-today.Day()).Format(time.DateOnly), End: today.Format(time.DateOnly)}
	if _, ok := r.Slots.DateRange(intents.SlotDateRange); !ok {
		r.Slots[intents.SlotDateRange] = thisMonth
	}
	if r.turn != nil && len(r.turn.merchants) > 1 {
		if resp, err := b.spendingEach(ctx, r); resp != nil || err != nil {
			return resp, err
		}
	}
	again := false
	if r.Slots.String(slotCompare) != "" {
		delete(r.Slots, slotCompare)
		_, _, named := intents.ParseDateRange(intents.Normalize(r.Text), r.Locale, r.Now)
		again = r.turn != nil && r.turn.inContext && !named // a follow-up naming no period of its own
	}
	if again || compares(r.Text) || r.turn != nil && r.turn.comparedWith != nil {
		if resp, err := b.compareSpending(ctx, r, thisMonth); resp != nil || err != nil {
			return resp, err
		}
	}
	txs, none, err := b.scan(ctx, r)
	if none != nil || err != nil {
		return none, err
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
		return &Response{Speech: l.msg("spent.none", about, when), EndSession: true}, nil
	}
	var sums []string
	for _, cur := range sortedKeys(totals) {
		sums = append(sums, l.Money(totals[cur]))
	}
	total := l.List(sums)
	var speech string
	if about != "" {
		speech = l.msg("spent.about.many", total, about, when, strconv.Itoa(n))
		if n == 1 {
			speech = l.msg("spent.about.one", total, about, when)
		}
	} else if r.turn != nil && r.turn.countAsked {
		speech = l.msg("spent.count", total, when, strconv.Itoa(n)) // "how many times"
		if n == 1 {
			speech = l.msg("spent.count.one", total, when)
		}
	} else {
		speech = l.msg("spent.total", total, when)
	}
	cats := sortedByAmount(byCat)
	if about == "" && len(cats) > 1 && len(totals) == 1 {
		var top []string
		for _, c := range cats[:min(3, len(cats))] {
			top = append(top, l.msg("spent.category", l.Category(c), l.Money(byCat[c])))
		}
		speech += " " + l.msg("spent.top", l.List(top))
	}
	var lines []string
	for _, c := range cats {
		lines = append(lines, l.msg("spent.card.line", l.Category(c), l.Money(byCat[c])))
	}
	return &Response{
		Speech:     speech,
		Card:       &Card{Title: l.msg("spent.card.title", about, when), Text: strings.Join(lines, "\n")},
		EndSession: true,
	}, nil
}

// compares: "did I spend more than last month", "mehr als im Oktober".
func compares(text string) bool {
	t := " " + intents.Normalize(text) + " "
	return containsAny(t, " more than", " less than", " compared to", " compared with", " compare", " than last", " versus", " vs ",
		" mehr als", " weniger als", " im vergleich", " verglichen", " als letzten", " als im ")
}

// compareSpending says what was spent in the period asked and in the
// month before it, and the difference.
func (b *banking) compareSpending(ctx context.Context, r *Request, thisMonth intents.DateRange) (*Response, error) {
	l := langOf(r.Locale)
	t := " " + intents.Normalize(r.Text) + " "
	cur, _ := r.Slots.DateRange(intents.SlotDateRange)
	prev, ok := monthBefore(cur)
	if w := r.turn; w != nil && w.comparedWith != nil {
		prev, ok = *w.comparedWith, *w.comparedWith != cur // "war das mehr als im Oktober"
	} else if containsAny(t, " than last", " than the last", " than in ", " than my ", " als letzten", " als im ", " als vorigen", " als letzte ") {
		// "more on groceries than last month": the period named is the one
		// to compare with; this month is the one asked about.
		prev, cur, ok = cur, thisMonth, cur != thisMonth
		if !ok {
			// "hab ich diesen Monat mehr ausgegeben als letzten": the
			// period read is this month's; the one before is compared.
			prev, ok = monthBefore(cur)
		}
	} else if containsAny(t, " this month", " diesen monat", " diesem monat", " so far", " bisher") {
		cur = thisMonth
		prev, ok = monthBefore(cur)
	}
	if !ok {
		return nil, nil
	}
	sum := func(dr intents.DateRange) (banks.Money, bool, error) {
		rc := *r
		rc.Slots = cloneSlots(r.Slots)
		rc.Slots[intents.SlotDateRange] = dr
		f, _, err := b.filter(ctx, &rc)
		if err != nil {
			return banks.Money{}, false, err
		}
		f.Limit = maxScan
		txs, err := b.bank.Transactions(ctx, r.User, f)
		if err != nil {
			return banks.Money{}, false, err
		}
		var total banks.Money
		for _, t := range txs {
			if !isSpending(t) {
				continue
			}
			if total.Currency != "" && t.Amount.Currency != total.Currency {
				return banks.Money{}, false, nil // several currencies: the plain answer
			}
			total = total.Add(t.Amount.Abs())
		}
		return total, true, nil
	}
	a, okA, err := sum(cur)
	if err != nil || !okA {
		return nil, err
	}
	p, okP, err := sum(prev)
	if err != nil || !okP {
		return nil, err
	}
	// Nothing spent in one of them: its currency is the other's, or the
	// locale's.
	cur0 := cmp.Or(a.Currency, p.Currency, banks.CurrencyOf(r.Locale))
	a.Currency, p.Currency = cur0, cur0
	when := func(dr intents.DateRange) string { return " " + l.Period(dr, r.Now) }
	diff := banks.Money{Minor: a.Minor - p.Minor, Currency: a.Currency}
	// spent.compare.WAY: more or less; spent.similar within 5 %
	way := "more"
	switch {
	case diff.Minor*20 <= p.Minor && diff.Minor*20 >= -p.Minor:
		way = "same"
	case diff.Minor < 0:
		way, diff.Minor = "less", -diff.Minor
	}
	about := l.about(r)
	if r.Slots != nil {
		// "and on restaurants?" next: the same two periods again.
		r.Slots[intents.SlotDateRange] = cur
		r.Slots[slotCompare] = "1"
	}
	if way == "same" {
		return &Response{Speech: l.msg("spent.similar", l.Money(a), about, when(cur), l.Money(p), when(prev)), EndSession: true}, nil
	}
	return &Response{Speech: l.msg("spent.compare."+way, l.Money(a), about, when(cur), l.Money(diff), l.Money(p), when(prev)), EndSession: true}, nil
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

// asksForBiggest: "what was my biggest purchase", "der größte Einkauf".
func asksForBiggest(r *Request) bool {
	t := intents.Normalize(r.Text)
	for _, w := range []string{"biggest", "largest", "most expensive", "größte", "teuerste", "höchste", "most i spent on one", "most i spent on a single",
		"most i paid for one", "most on one thing", "most on a single", "am meisten für eine", "meiste auf einmal", "am meisten auf einmal"} {
		if strings.Contains(t, w) {
			return true
		}
	}
	return false
}

// singleLast ask for the one latest transaction.
var singleLast = []string{" last purchase ", " last transaction ", " last charge ", " last payment ", " latest purchase ", " latest transaction ",
	" most recent purchase ", " most recent transaction ", " last thing i bought ", " letzte buchung ", " letzter umsatz ", " letzten umsatz ",
	" letzte zahlung ", " letzte abbuchung ", " letzter einkauf ", " letzten einkauf ", " letzte umsatz ",
	" last thing charged ", " last thing that was charged ", " last thing on ", " most recent charge ", " latest charge ", " das letzte was ", " was zuletzt "}

// slotPending and slotShown remember of a list that it was of pending
// transactions only, and how many it said when it named no period.
const (
	slotPending = "pending"
	slotShown   = "shown"
	slotOffset  = "offset" // how many of the latest a list of older ones skips
	slotTop     = "top"    // the answer was the biggest purchase, not a list
	slotCompare = "compare"
)

// asksForPending tells "show my pending", "what hasn't cleared yet",
// "welche Umsätze sind noch vorgemerkt" from a list of everything.
func asksForPending(r *Request) bool {
	t := " " + intents.Normalize(r.Text) + " "
	for _, w := range []string{" pending", "uncleared", "not cleared", "nt cleared", "not posted", "nt posted", "not gone through", "nt gone through", "not gone out yet", "nt gone out yet",
		"vorgemerkt", "ausstehend", "noch nicht gebucht", "nicht verbucht", "noch nicht abgebucht"} {
		if strings.Contains(t, w) {
			return true
		}
	}
	return false
}

// billCategories are payments that are not purchases.
var billCategories = map[string]bool{"rent": true, "utilities": true, "insurance": true, "loan": true}

// biggest says the single largest purchase in the filter's period.
func (b *banking) biggest(ctx context.Context, r *Request, f banks.TxFilter) (*Response, error) {
	l := langOf(r.Locale)
	f.Limit = maxScan
	if r.Slots.String(slotPending) != "" {
		f.Statuses = []banks.TxStatus{banks.Pending} // "and the biggest one?" after the pending ones
	}
	if n, err := strconv.Atoi(r.Slots.String(slotShown)); err == nil && n > 0 {
		f.Limit = n // after "my last five transactions": the biggest of those
	}
	txs, err := b.bank.Transactions(ctx, r.User, f)
	if err != nil {
		return nil, err
	}
	var top *banks.Transaction
	for i, t := range txs {
		if f.Category == "" && f.Merchant == "" && billCategories[t.Category] {
			continue // the rent is no purchase, unless asked about
		}
		if isSpending(t) && (top == nil || t.Amount.Abs().Minor > top.Amount.Abs().Minor) {
			top = &txs[i]
		}
	}
	when := l.when(r)
	if top == nil {
		return &Response{Speech: l.msg("tx.none", l.about(r)+when), EndSession: true}, nil
	}
	// "when was that", "how much was it" next: about this purchase
	r.Slots[slotItems] = top.Merchant + "\x1f" + l.txPhrase(*top, r.Now) + "\x1f" + l.On(top.Time, r.Now)
	r.Slots[slotItem] = "0"
	r.Slots[slotTop] = "1"
	return &Response{Speech: l.msg("tx.biggest", when, l.Money(top.Amount.Abs()), top.Merchant, l.On(top.Time, r.Now)), EndSession: true}, nil
}
