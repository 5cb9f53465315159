package skill

import (
	"context"
	"time"

	"github.com/kontoskill/konto/banks"
	"github.com/kontoskill/konto/intents"
)

// "what have I spent since payday", "was hab ich seit dem Gehalt
// ausgegeben": the period starts on the day the last pay came in (the
// largest income of the last five weeks), and the question is about
// spending, not the pay. Before, "payday" made it the income question.

var paydayWords = []string{" since payday", " since pay day", " since i got paid", " since i was paid", " since my last pay", " since my pay", " since my paycheck",
	" since my paycheque", " since my salary", " since the last paycheck", " since the last pay", " since wages", " since my wages",
	" seit dem gehalt", " seit gehaltseingang", " seit dem gehaltseingang", " seit dem letzten gehalt", " seit zahltag", " seit dem zahltag", " seit das gehalt",
	" seit mein gehalt", " seit dem lohn", " seit lohneingang"}

func (s *Skill) sincePayday(ctx context.Context, r *Request) {
	if r.Text == "" || r.st.Dialog != nil || r.Slots[intents.SlotDateRange] != nil && r.Intent != intents.IncomeSummary {
		return
	}
	t := " " + intents.Normalize(r.Text) + " "
	if !containsAny(t, paydayWords...) {
		return
	}
	list := containsAny(t, " transactions", " umsätze", " buchungen", " charges", " purchases", " payments")
	spend := containsAny(t, " spend", " spent", " ausgegeben", " blow", " blown", " bought", " gekauft", " paid out", " gone out")
	switch r.Intent {
	case intents.SpendingSummary, intents.ListTransactions:
	case intents.IncomeSummary, intents.Fallback:
		if !spend && !list {
			return // "how much came in since payday": the income's own question
		}
	default:
		return
	}
	if r.User.Customer == "" && s.authenticate(ctx, r) != nil || !s.allowed(ctx, r, "accounts") {
		return
	}
	txs, err := s.cfg.Bank.Transactions(ctx, r.User, banks.TxFilter{Category: "income", From: r.Now.AddDate(0, 0, -35), To: r.Now.Add(time.Second), Limit: 50})
	if err != nil {
		return
	}
	var pay *banks.Transaction
	for i := range txs {
		if tx := &txs[i]; tx.Amount.Minor > 0 && (pay == nil || tx.Amount.Minor > pay.Amount.Minor || tx.Amount.Minor == pay.Amount.Minor && tx.Time.After(pay.Time)) {
			pay = tx
		}
	}
	if pay == nil {
		return
	}
	day := time.Date(pay.Time.Year(), pay.Time.Month(), pay.Time.Day(), 0, 0, 0, 0, time.UTC)
	slots := intents.Slots{intents.SlotDateRange: intents.DateRange{Start: day.Format(time.DateOnly), End: r.Now.Format(time.DateOnly)}}
	for _, k := range []string{intents.SlotMerchant, intents.SlotCategory, intents.SlotAccount} {
		if v := r.Slots[k]; v != nil && !(k == intents.SlotCategory && v == "income") {
			slots[k] = v // (not the category "income" the word Gehalt gave)
		}
	}
	intent := intents.SpendingSummary
	if (r.Intent == intents.ListTransactions || list) && !spend {
		intent = intents.ListTransactions
	}
	r.Intent, r.Slots, r.Confidence, r.turn.inContext = intent, slots, 1, true
}
