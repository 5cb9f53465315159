package skill

import (
	"context"
	"strconv"
	"strings"

	"github.com/kontoskill/konto/banks"
	"github.com/kontoskill/konto/intents"
	"github.com/kontoskill/konto/intents/resolve"
)

// Two or more of the user's merchants in one question ("how much did I
// spend at starbucks and amazon", "which was more, uber or lyft", "Rewe
// oder Edeka, wo hab ich mehr ausgegeben"): each total is said, and which
// was more. The recognizer's one merchant slot would keep the first name
// only, or nothing at all.

// merchantJoints join the names.
var merchantJoints = []string{" and ", " or ", " vs ", " versus ", " und ", " oder ", " gegen "}

// spendOrCompare: words that make a question naming two merchants a
// spending question ("which one was more").
var spendOrCompare = []string{" vs ", " versus ", " spend", " spent", " more ", " less ", " most ", " which ", " compare", " ausgegeben", " ausgeben",
	" mehr ", " weniger ", " welche", " wo ", " vergleich", " lassen", " gelassen"}

// slotMerchants keeps, in the answer's subject, the merchants a total was
// said for, "|"-joined, for a follow-up ("and in september?").
const slotMerchants = "merchants"

// merchantsCarried: a follow-up naming a period and no merchant after
// totals at several merchants asks about the same ones.
func merchantsCarried(r *Request) {
	m := r.Slots.String(slotMerchants)
	if m == "" || len(r.turn.merchants) > 0 || !r.turn.inContext || r.Intent != intents.SpendingSummary ||
		r.Slots[intents.SlotMerchant] != nil || r.Slots[intents.SlotCategory] != nil || r.Text == "" {
		return
	}
	norm := intents.Normalize(r.Text)
	if _, _, ok := intents.ParseDateRange(norm, r.Locale, r.Now); ok && merchantPhrase(norm, r.Locale, r.Now) == "" {
		r.turn.merchants = strings.Split(m, "|")
	}
}

// slotPair keeps, after a total at one merchant that followed a total at
// another ("and at amazon?" after Starbucks), the two, for "which one was
// more?".
const slotPair = "pair"

// pairWith notes the merchant of the last total next to this one's.
func (s *Skill) pairWith(r *Request) {
	m := r.Slots.String(intents.SlotMerchant)
	prev := s.previous(r)
	if m == "" || prev == nil || prev.Intent != intents.SpendingSummary {
		return
	}
	if p := prev.Slots.String(intents.SlotMerchant); p != "" && p != m {
		r.Slots[slotPair] = p + "|" + m
	}
}

// whichWasMore: a short question comparing what was just said ("which
// one was more?", "wo war es mehr").
func whichWasMore(norm string) bool {
	return len(strings.Fields(norm)) <= 8 && containsAny(" "+norm+" ", " which ", " where was ", " more ", " most ", " welche", " wo war", " wo hab", " wo habe", " mehr ", " am meisten") &&
		!containsAny(" "+norm+" ", " than ", " als ")
}

// merchantsNamed reads a question naming two or more of the user's own
// merchants as one spending question about each (r.turn.merchants).
func (s *Skill) merchantsNamed(ctx context.Context, r *Request) {
	if r.Text == "" || r.st.Dialog != nil {
		return
	}
	t := " " + intents.Normalize(r.Text) + " "
	if prev := s.previous(r); prev != nil && prev.Intent == intents.SpendingSummary && whichWasMore(strings.TrimSpace(t)) &&
		merchantPhrase(strings.TrimSpace(t), r.Locale, r.Now) == "" {
		pair := prev.Slots.String(slotMerchants)
		if pair == "" {
			pair = prev.Slots.String(slotPair)
		}
		if pair != "" && containsAny(t, merchantJoints...) && s.allowed(ctx, r, "accounts") {
			// "ok and which was more": a joint, but no two shops named
			if names, err := (&banking{bank: s.cfg.Bank}).merchants(ctx, r); err == nil && len(merchantsIn(t, names, r)) >= 2 {
				pair = "" // "which was more, starbucks or amazon": the ones named
			}
		}
		if pair != "" {
			// "which one was more?" after two totals: both again, and which
			slots := cloneSlots(prev.Slots)
			if dr, _, ok := intents.ParseDateRange(strings.TrimSpace(t), r.Locale, r.Now); ok {
				slots[intents.SlotDateRange] = dr // "and which was more last month"
			}
			delete(slots, intents.SlotMerchant)
			delete(slots, slotPair)
			r.Intent, r.Slots, r.Confidence, r.turn.inContext = intents.SpendingSummary, slots, 1, true
			r.turn.merchants = strings.Split(pair, "|")
			return
		}
	}
	switch {
	case !containsAny(t, merchantJoints...):
		return
	case r.Intent == intents.SpendingSummary:
	case (r.Intent == intents.Fallback || r.Intent == intents.ListTransactions || s.unsure(r)) && containsAny(t, spendOrCompare...):
	default:
		return
	}
	if r.User.Customer == "" && s.authenticate(ctx, r) != nil || !s.allowed(ctx, r, "accounts") {
		return // the names are looked up in the transactions, which this link may not read
	}
	names, err := (&banking{bank: s.cfg.Bank}).merchants(ctx, r)
	if err != nil || len(names) < 2 {
		return
	}
	found := merchantsIn(t, names, r)
	if len(found) < 2 {
		return
	}
	slots := intents.Slots{}
	if r.Intent == intents.SpendingSummary {
		slots = cloneSlots(r.Slots)
	} else {
		intents.FillSlots(intents.SpendingSummary, intents.Normalize(r.Text), r.Locale, r.Now, slots)
	}
	delete(slots, intents.SlotMerchant)
	delete(slots, intents.SlotCategory)
	if dr, _, ok := intents.ParseDateRange(strings.TrimSpace(t), r.Locale, r.Now); ok {
		slots[intents.SlotDateRange] = dr // the period said, over a follow-up's
	}
	r.Intent, r.Slots, r.Confidence, r.turn.inContext = intents.SpendingSummary, slots, 1, true
	r.turn.merchants = found
}

// merchantsIn finds, in each part of norm between the joints, the one of
// names it says surely; nil unless two or more parts name different ones.
func merchantsIn(norm string, names []string, r *Request) []string {
	if _, phrase, ok := intents.ParseDateRange(strings.TrimSpace(norm), r.Locale, r.Now); ok && phrase != "" {
		norm = " " + strings.TrimSpace(strings.Replace(norm, phrase, " ", 1)) + " "
	}
	parts := []string{norm}
	for _, j := range merchantJoints {
		var next []string
		for _, p := range parts {
			next = append(next, strings.Split(p, j)...)
		}
		parts = next
	}
	if len(parts) < 2 {
		return nil
	}
	res := resolve.NewResolver(names, r.Locale)
	var found []string
	seen := map[string]bool{}
	for _, p := range parts {
		words := strings.Fields(p)
		best, score := "", 0.0
		for n := 1; n <= 3; n++ {
			for i := 0; i+n <= len(words); i++ {
				for _, m := range res.Resolve(strings.Join(words[i:i+n], " ")) {
					if (m.Kind == resolve.Exact || m.Kind == resolve.Confident) && m.Score > score {
						best, score = m.Name, m.Score
					}
					break // the best match of this window only
				}
			}
		}
		if best == "" {
			return nil // a part that names none of them: not a question about each
		}
		if !seen[best] {
			seen[best] = true
			found = append(found, best)
		}
	}
	if len(found) < 2 {
		return nil
	}
	return found
}

// spendingEach says what was spent at each of r.turn.merchants in the
// period, and at which the most; nil when a total is in more than one
// currency (the usual answer, one merchant at a time, says those).
func (b *banking) spendingEach(ctx context.Context, r *Request) (*Response, error) {
	l := langOf(r.Locale)
	var parts, lines []string
	sums := make([]banks.Money, len(r.turn.merchants))
	cur := ""
	for i, m := range r.turn.merchants {
		sub := *r
		sub.Slots = cloneSlots(r.Slots)
		sub.Slots[intents.SlotMerchant] = m
		txs, none, err := b.scan(ctx, &sub)
		if none != nil || err != nil {
			return none, err
		}
		n := 0
		for _, t := range txs {
			if !isSpending(t) {
				continue
			}
			if cur == "" {
				cur = t.Amount.Currency
			} else if t.Amount.Currency != cur {
				return nil, nil
			}
			n++
			sums[i] = sums[i].Add(t.Amount.Abs())
		}
		switch n {
		case 0:
			parts = append(parts, l.msg("spent.each.none", m))
		case 1:
			parts = append(parts, l.msg("spent.each.one", l.Money(sums[i]), m))
		default:
			parts = append(parts, l.msg("spent.each.many", l.Money(sums[i]), m, strconv.Itoa(n)))
		}
		lines = append(lines, l.msg("spent.card.line", m, l.Money(sums[i])))
	}
	when := l.when(r)
	speech := l.msg("spent.each", l.List(parts), when)
	top, second := 0, -1
	for i := range sums {
		if sums[i].Minor > sums[top].Minor {
			top = i
		}
	}
	for i := range sums {
		if i != top && (second < 0 || sums[i].Minor > sums[second].Minor) {
			second = i
		}
	}
	if second >= 0 && sums[top].Minor > sums[second].Minor {
		speech += " " + l.msg("spent.each.more", l.Money(sums[top].Add(sums[second].Neg())), r.turn.merchants[top])
	}
	r.Slots[slotMerchants] = strings.Join(r.turn.merchants, "|")
	return &Response{
		Speech:     speech,
		Card:       &Card{Title: l.msg("spent.card.title", "", when), Text: strings.Join(lines, "\n")},
		EndSession: true,
	}, nil
}
