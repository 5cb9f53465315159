package skill

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/kontoskill/konto/banks"
	"github.com/kontoskill/konto/intents"
)

// The handlers below answer from the bank's data and the product sheet;
// they change nothing (or hand over to an action).

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
			return say(l.pick("I don't see any pay coming in.", "Ich sehe keinen Gehaltseingang.")), nil
		}
		if last.Time.Before(first) {
			return &Response{Speech: fmt.Sprintf(l.pick("Not yet this month. Your last pay, %s from %s, arrived %s.",
				"Diesen Monat noch nicht. Dein letztes Gehalt, %s von %s, kam %s."), l.Money(last.Amount), last.Merchant, l.On(last.Time, r.Now)), EndSession: true}, nil
		}
		return &Response{Speech: fmt.Sprintf(l.pick("Yes. %s from %s arrived %s.", "Ja. %s von %s sind %s eingegangen."),
			l.Money(last.Amount), last.Merchant, l.On(last.Time, r.Now)), EndSession: true}, nil
	}
	var total banks.Money
	for _, t := range pay {
		total = total.Add(t.Amount)
	}
	if len(pay) == 0 {
		return &Response{Speech: fmt.Sprintf(l.pick("No money came in %s.", "%s ist kein Geld eingegangen."), l.Period(dr, r.Now)), EndSession: true}, nil
	}
	return &Response{Speech: fmt.Sprintf(l.pick("You received %s %s, in %d payments.", "Du hast %[2]s %[1]s bekommen, in %[3]d Zahlungen."),
		l.Money(total), l.Period(dr, r.Now), len(pay)), EndSession: true}, nil
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
	if kind == "" || kind == "credit_card" {
		card, stm, refusal, err := s.statement(ctx, r)
		if err != nil || refusal != nil {
			return refusal, err
		}
		left := banks.Money{Minor: max(stm.Balance.Minor-stm.Paid.Minor, 0), Currency: stm.Balance.Currency}
		var text string
		switch what {
		case "min":
			text = fmt.Sprintf(l.pick("The minimum payment on your %s is %s, due %s.", "Die Mindestzahlung für deine %s beträgt %s, fällig am %s."),
				card.Name, l.Money(stm.MinimumPayment), l.Date(stm.DueDate, r.Now))
		case "due":
			text = fmt.Sprintf(l.pick("Your %s payment is due %s.", "Die Zahlung für deine %s ist am %s fällig."), card.Name,
				l.pick("on ", "")+l.Date(stm.DueDate, r.Now))
		default:
			text = fmt.Sprintf(l.pick("Your %s statement balance is %s, due %s.", "Der Saldo deiner %s-Abrechnung beträgt %s, fällig am %s."),
				card.Name, l.Money(stm.Balance), l.Date(stm.DueDate, r.Now))
		}
		if stm.Balance.Minor > 0 && left.Minor == 0 {
			text += l.pick(" It's already paid.", " Sie ist schon bezahlt.")
		} else if stm.Paid.Minor > 0 {
			text += fmt.Sprintf(l.pick(" You've paid %s of it; %s is left.", " Davon hast du %s bezahlt; offen sind noch %s."), l.Money(stm.Paid), l.Money(left))
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
		return say(fmt.Sprintf(l.pick("I don't have a current bill from %s.", "Ich habe keine aktuelle Rechnung von %s."), biller.Name)), nil
	}
	text := fmt.Sprintf(l.pick("Your %s bill is %s, due %s.", "Deine Rechnung von %s beträgt %s, fällig am %s."), biller.Name, l.Money(b.Amount),
		l.pick("on ", "")+l.Date(b.DueDate, r.Now))
	if what == "min" {
		text = fmt.Sprintf(l.pick("There's no minimum on your %s bill: it's %s, due %s.", "Für die Rechnung von %s gibt es keine Mindestzahlung: Sie beträgt %s, fällig am %s."),
			biller.Name, l.Money(b.Amount), l.pick("on ", "")+l.Date(b.DueDate, r.Now))
	}
	if b.Paid {
		text += l.pick(" It's paid.", " Sie ist bezahlt.")
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

var declineReasons = map[string][2]string{
	"insufficient_funds": {"there wasn't enough money in the account", "nicht genug Geld auf dem Konto war"},
	"suspected_fraud":    {"it looked like possible fraud, so the bank stopped it to protect you", "sie nach möglichem Betrug aussah und die Bank sie zu deinem Schutz gestoppt hat"},
	"over_limit":         {"it would have gone over your credit limit", "sie dein Kreditlimit überschritten hätte"},
	"incorrect_pin":      {"the wrong PIN was entered", "eine falsche PIN eingegeben wurde"},
	"reported_fraud":     {"you reported it as fraud", "du sie als Betrug gemeldet hast"},
	"card_locked":        {"the card was locked", "die Karte gesperrt war"},
}

func (s *Skill) cardDeclined(ctx context.Context, r *Request) (*Response, error) {
	l := langOf(r.Locale)
	f := banks.TxFilter{Statuses: []banks.TxStatus{banks.Declined}, Merchant: r.Slots.String(intents.SlotMerchant), Limit: 50}
	if k := r.Slots.String(intents.SlotCard); k != "" {
		if cc, ok := s.cfg.Bank.(banks.Cards); ok {
			if cards, err := cc.Cards(ctx, r.User); err == nil {
				for _, c := range cards {
					if string(c.Kind) == k {
						f.AccountID = c.AccountID
					}
				}
			}
		}
	}
	txs, err := s.cfg.Bank.Transactions(ctx, r.User, f)
	if err != nil {
		return nil, err
	}
	if len(txs) == 0 {
		return say(l.pick("I don't see a declined payment. If a card isn't working now, it may be locked; ask me to unlock it.",
			"Ich sehe keine abgelehnte Zahlung. Wenn eine Karte gerade nicht geht, ist sie vielleicht gesperrt; frag mich, sie zu entsperren.")), nil
	}
	t := txs[0]
	reason := declineReasons[t.DeclineReason]
	why := l.pick(reason[0], reason[1])
	if why == "" {
		why = l.pick("the bank declined it", "die Bank sie abgelehnt hat")
	}
	return &Response{Speech: fmt.Sprintf(l.pick("Your payment of %s at %s %s was declined because %s.",
		"Deine Zahlung von %s bei %s %s wurde abgelehnt, weil %s."), l.Money(t.Amount), t.Merchant, l.On(t.Time, r.Now), why), EndSession: true}, nil
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
		parts = append(parts, fmt.Sprintf(l.pick("%s expires at the end of %s", "%s läuft Ende %s ab"), upperFirst(l.cardName(c)), l.month(c.Expiry, time.Time{})))
	}
	if len(parts) == 0 {
		return say(l.pick("I don't see a card like that.", "So eine Karte sehe ich nicht.")), nil
	}
	return &Response{Speech: strings.Join(parts, ". ") + ".", EndSession: true}, nil
}

func (s *Skill) creditLimit(ctx context.Context, r *Request) (*Response, error) {
	l := langOf(r.Locale)
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
	return &Response{Speech: fmt.Sprintf(l.pick("Your %s has a credit limit of %s; %s of it is available.",
		"Deine %s hat ein Kreditlimit von %s; davon sind %s verfügbar."), card.Name, l.Money(card.CreditLimit), l.Money(bal.Available)), EndSession: true}, nil
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
	return &Response{Speech: fmt.Sprintf(l.pick("You have %s points on your %s, worth %s.", "Du hast %s Punkte auf deiner %s, im Wert von %s."),
		l.printer.Sprint(pts), card.Name, l.Money(value)), EndSession: true}, nil
}

var statusReasons = map[string][2]string{
	"identity_check":   {"the bank needs to verify your identity. Please upload a photo ID in the app", "die Bank deine Identität prüfen muss. Bitte lade einen Ausweis in der App hoch"},
	"customer_request": {"you asked to freeze it. To lift the freeze, call", "du es sperren lassen hast. Zum Entsperren ruf an unter"},
	"suspected_fraud":  {"the bank saw suspicious activity. Please call", "die Bank verdächtige Aktivitäten gesehen hat. Bitte ruf an unter"},
}

func (s *Skill) accountBlocked(ctx context.Context, r *Request) (*Response, error) {
	l := langOf(r.Locale)
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
		why := statusReasons[st.Reason]
		text := fmt.Sprintf(l.pick("%s has been frozen since %s because %s", "%s ist seit dem %s gesperrt, weil %s"),
			upperFirst(l.accountNom(a)), l.Date(st.Since, r.Now), l.pick(why[0], why[1]))
		if st.Reason == "identity_check" {
			text += fmt.Sprintf(l.pick(", or call %s.", " oder ruf %s an."), sh.SupportPhone)
		} else {
			text += " " + sh.SupportPhone + "."
		}
		parts = append(parts, text)
	}
	if len(parts) == 0 {
		if r.Slots.String(intents.SlotAccount) != "" && len(accts) == 1 {
			return say(fmt.Sprintf(l.pick("%s is open and working.", "%s ist offen und funktioniert."), upperFirst(l.accountNom(accts[0])))), nil
		}
		return say(l.pick("All your accounts are open and working. If a card isn't working, it may be locked.",
			"Alle deine Konten sind offen und funktionieren. Wenn eine Karte nicht geht, ist sie vielleicht gesperrt.")), nil
	}
	return &Response{Speech: strings.Join(parts, " "), EndSession: true}, nil
}

// alertOnLaunch mentions an unreviewed fraud alert first, once a session.
func (s *Skill) alertOnLaunch(ctx context.Context, r *Request) (*Response, error) {
	fr, ok := s.cfg.Bank.(banks.Fraud)
	if !ok {
		return nil, nil
	}
	alerts, err := fr.Alerts(ctx, r.User)
	if err != nil || len(alerts) == 0 || alerts[0].Status != "open" || r.st.AlertMentioned == alerts[0].ID {
		return nil, nil
	}
	l := langOf(r.Locale)
	r.st.AlertMentioned = alerts[0].ID
	resp, err := s.advance(ctx, r, &dialog{Action: actReviewAlert, Slots: intents.Slots{"alert": alerts[0].ID}, Stage: stageCollect, Started: r.Now})
	if resp != nil {
		resp.Speech = l.pick("Welcome to Konto. First, there's a charge I need you to check. ", "Willkommen bei Konto. Zuerst eine Zahlung, die du bitte prüfst. ") + resp.Speech
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
		return say(l.pick("You have no new alerts. I'll tell you when something needs a look.",
			"Du hast keine neuen Hinweise. Ich sage dir Bescheid, wenn etwas geprüft werden muss.")), nil
	}
	r.st.AlertMentioned = alerts[0].ID
	return s.advance(ctx, r, &dialog{Action: actReviewAlert, Slots: intents.Slots{"alert": alerts[0].ID}, Stage: stageCollect, Started: r.Now})
}

func (s *Skill) changePin(ctx context.Context, r *Request) (*Response, error) {
	l := langOf(r.Locale)
	return s.offerAgent(r, l.pick("For your security I can't change a card PIN by voice. You can change it in your bank's app or at any of its ATMs.",
		"Zu deiner Sicherheit kann ich eine Karten-PIN nicht per Sprache ändern. Das geht in der App deiner Bank oder an ihren Geldautomaten."), "change_pin"), nil
}

func (s *Skill) interestRate(ctx context.Context, r *Request) (*Response, error) {
	l := langOf(r.Locale)
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
			parts = append(parts, fmt.Sprintf(l.pick("The interest rate on your %s is %s%% a year.", "Der Zinssatz für dein %s beträgt %s %% im Jahr."), a.Name, rate))
		default:
			parts = append(parts, fmt.Sprintf(l.pick("Your %s earns %s%% a year.", "Dein %s bringt %s %% Zinsen im Jahr."), a.Name, rate))
		}
	}
	if len(parts) == 0 {
		return say(l.pick("I don't have a rate for that account.", "Für dieses Konto habe ich keinen Zinssatz.")), nil
	}
	return &Response{Speech: strings.Join(parts, " "), EndSession: true}, nil
}

// digits reads a number digit by digit.
func digits(s string) string {
	return strings.Join(strings.Split(strings.ReplaceAll(s, " ", ""), ""), " ")
}

// textChannel is true where the answer is read by the user alone, not
// heard or shown where others may see it.
func textChannel(r *Request) bool { return r.Channel.Text && r.Channel.Private }

func (s *Skill) accountDetails(ctx context.Context, r *Request) (*Response, error) {
	l := langOf(r.Locale)
	accts, err := s.accountsFor(ctx, r)
	if err != nil {
		return nil, err
	}
	if textChannel(r) && r.Slots.String(intents.SlotAccount) != "" && len(accts) == 1 {
		return s.startAction(ctx, r, actShowNumber) // the full number, on screen, after the PIN
	}
	sh := s.sheet(r)
	var parts []string
	if sh.RoutingNumber != "" {
		parts = append(parts, fmt.Sprintf(l.pick("The routing number is %s.", "Die Bankleitzahl ist %s."), digits(sh.RoutingNumber)))
	}
	if sh.BIC != "" && intents.German(r.Locale) {
		parts = append(parts, fmt.Sprintf("Die BIC ist %s.", digits(sh.BIC)))
	}
	for _, a := range accts {
		if a.Kind == banks.Checking || a.Kind == banks.Savings || r.Slots.String(intents.SlotAccount) != "" {
			parts = append(parts, fmt.Sprintf(l.pick("%s number ends in %s.", "Die IBAN von %s endet auf %s."),
				l.pick("Your "+a.Name+" account", "deinem "+a.Name), digits(a.LastFour)))
		}
	}
	text := strings.Join(parts, " ")
	if textChannel(r) {
		text += l.pick(" To see a full account number, ask for it by name, like: my checking account number.",
			" Die ganze IBAN zeige ich dir, wenn du nach einem bestimmten Konto fragst, zum Beispiel: IBAN von meinem Girokonto.")
	} else {
		text += l.pick(" For your security I only read the last four digits aloud.", " Zu deiner Sicherheit lese ich nur die letzten vier Ziffern vor.")
	}
	return &Response{Speech: text, EndSession: true}, nil
}

func (s *Skill) fees(ctx context.Context, r *Request) (*Response, error) {
	l := langOf(r.Locale)
	sh := s.sheet(r)
	var lines []string
	names := map[string][2]string{"foreign_transaction": {"Foreign transactions", "Kartenzahlungen in Fremdwährung"},
		"atm_abroad": {"Cash from ATMs abroad", "Bargeld am Automaten im Ausland"}, "monthly": {"Account fee", "Kontoführung"},
		"overdraft": {"Overdraft", "Dispo"}, "wire": {"Wire transfers", "Auslandsüberweisungen"}}
	for _, k := range []string{"foreign_transaction", "atm_abroad", "monthly", "overdraft", "wire"} {
		if v := sh.Fees[k]; v != "" {
			lines = append(lines, l.pick(names[k][0], names[k][1])+": "+v)
		}
	}
	if len(lines) == 0 {
		return say(l.pick("I don't have your bank's fees.", "Die Gebühren deiner Bank habe ich nicht.")), nil
	}
	return &Response{Speech: strings.Join(lines[:min(3, len(lines))], ". ") + ".",
		Card: &Card{Title: l.pick("Fees", "Gebühren"), Text: strings.Join(lines, "\n")}, EndSession: true}, nil
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
	if system == "schufa" {
		return &Response{Speech: fmt.Sprintf("Dein SCHUFA-Basisscore liegt bei %s Prozent. Ab 97,5 Prozent gilt er als sehr gut.",
			strings.ReplaceAll(score, ".", ",")), EndSession: true}, nil
	}
	return &Response{Speech: fmt.Sprintf(l.pick("Your FICO score is %s. Scores from 670 to 739 are good, 740 and up very good.",
		"Dein FICO-Score liegt bei %s."), score), EndSession: true}, nil
}

func (s *Skill) cardApplication(ctx context.Context, r *Request) (*Response, error) {
	l := langOf(r.Locale)
	text := s.sheet(r).CardApplication
	if text == "" {
		text = l.pick("You can apply for a card in your bank's app.", "Eine Karte kannst du in der App deiner Bank beantragen.")
	}
	return &Response{Speech: text, EndSession: true}, nil
}

func (s *Skill) talkToAgent(ctx context.Context, r *Request) (*Response, error) {
	l := langOf(r.Locale)
	sh := s.sheet(r)
	return s.offerAgent(r, fmt.Sprintf(l.pick("You can reach customer service at %s, %s.", "Den Kundenservice erreichst du unter %s, %s."),
		sh.SupportPhone, sh.SupportHours), "agent"), nil
}

func (s *Skill) privacyCenter(ctx context.Context, r *Request) (*Response, error) {
	l := langOf(r.Locale)
	explain := l.pick(
		"Here's what I keep: the link between your assistant account and your bank, a hash of your voice PIN, and for five minutes what we're talking about. I don't keep recordings or transcripts, I don't use your data for advertising, and I share nothing with anyone but your own bank. A record of payments and card actions is kept for the bank, without your name once you delete your data.",
		"Das speichere ich: die Verknüpfung zwischen deinem Assistenten-Konto und deiner Bank, einen Hash deiner Sprach-PIN und fünf Minuten lang, worüber wir gerade sprechen. Ich speichere keine Aufnahmen oder Mitschriften, nutze nichts für Werbung und gebe nichts weiter außer an deine eigene Bank. Ein Nachweis von Zahlungen und Kartenaktionen bleibt für die Bank, ohne deinen Namen, wenn du deine Daten löschst.")
	q := l.pick("Would you like me to unlink your bank and delete your data?", "Soll ich die Verknüpfung aufheben und deine Daten löschen?")
	r.st.Dialog = &dialog{Action: actPrivacyerase, Slots: intents.Slots{}, Stage: stageConfirm, Key: newKey(), Question: q, Started: r.Now}
	return &Response{Speech: explain + " " + q, Reprompt: q, Card: &Card{Title: l.pick("Privacy", "Datenschutz"), Text: explain}}, nil
}

// pinWithoutQuestion answers a PIN nobody asked for.
func (s *Skill) pinWithoutQuestion(ctx context.Context, r *Request) (*Response, error) {
	l := langOf(r.Locale)
	return &Response{Speech: l.pick("I only need your PIN to confirm a payment or a card change. What would you like to do?",
		"Deine PIN brauche ich nur zur Bestätigung einer Zahlung oder Kartenänderung. Was möchtest du tun?"), Reprompt: l.pick(reprompt, repromptDE)}, nil
}

func (s *Skill) accountsFor(ctx context.Context, r *Request) ([]banks.Account, error) {
	return (&banking{bank: s.cfg.Bank}).accountsFor(ctx, r)
}
