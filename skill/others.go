package skill

import (
	"context"
	"strings"

	"github.com/kontoskill/konto/banks"
	"github.com/kontoskill/konto/intents"
)

// Another person's money: "what's my husband tom's balance", "how much
// does tom have", "wie viel Geld hat Max Schmidt auf seinem Konto". Konto
// only ever speaks of the linked customer's own accounts; before, such a
// question was read as the customer's own balance and answered with it, a
// confident wrong answer that sounds like the other person's.

var (
	relativesEN = []string{"husband", "wife", "partner", "son", "daughter", "mom", "mum", "mother", "dad", "father", "brother", "sister",
		"boyfriend", "girlfriend", "friend", "kid", "kids", "child", "grandma", "grandpa", "grandmother", "grandfather", "neighbor", "neighbour",
		"boss", "roommate", "flatmate", "fiance", "fiancee", "spouse", "aunt", "uncle", "cousin"}
	relativesDE = []string{"mann", "ehemann", "frau", "ehefrau", "partner", "partnerin", "freund", "freundin", "sohn", "tochter", "mutter", "vater",
		"mama", "papa", "mutti", "vati", "bruder", "schwester", "oma", "opa", "nachbar", "nachbarin", "chef", "chefin", "mitbewohner", "mitbewohnerin",
		"verlobter", "verlobte", "tante", "onkel", "cousin", "cousine", "kinder", "kind"}
	// moneyOfWords: the words of a question about how much someone has.
	moneyOfWords = []string{" balance", " account", " money", " have ", " has ", " got ", " savings", " checking", " transactions", " spend", " spent",
		" kontostand", " konto ", " kontos", " geld", " guthaben", " umsätze", " ausgegeben", " sparkonto", " girokonto"}
	// towardsWords: the other person is paid or pays: the user's own
	// money ("send my wife 20", "did my husband's transfer come in").
	towardsWords = []string{" send", " sent", " transfer", " pay ", " paid", " from my ", " from his", " from her", " to my ", " to his ", " to her ",
		" gave me", " owe me", " joint", " our ", " we ", " us ", " come in", " came in", " arrive", " my own", " mine ",
		" überweis", " schick", " geschickt", " gezahlt", " bezahl", " bekommen", " von meinem", " von meiner", " an meinen", " an meine", " gemeinsam",
		" unser", " wir ", " mein eigenes", " eingegangen",
		// the user's own card in someone's hands ("my daughter has my credit card, how much was spent")
		" my card", " my credit card", " my debit card", " my visa", " on my card", " with my card", " meine karte", " meine kreditkarte", " meiner karte",
		" meiner kreditkarte", " meine girocard", " meiner girocard",
		// the user asks about the user's own account, whoever else is
		// mentioned ("my daughter usually does this for me … how much
		// money I have in my savings": the user's own savings)
		" i have in my ", " i have on my ", " do i have in my ", " have i got in my ", " i've got in my ", " ive got in my ",
		" habe ich auf meinem ", " hab ich auf meinem ", " ich auf meinem ", " ich habe auf meinem ", " ich hab auf meinem "}

	// deathWords: someone has died; what is asked about their account is
	// the bank's bereavement answer, never a refusal.
	deathWords = []string{" died", " passed away", " passed on", " death", " deceased", " has passed", " verstorben", " gestorben", " tod ",
		" todesfall", " verstarb", " nachlass", " erbe ", " geerbt"}
)

// othersMoney reports whether the turn asks about someone else's money,
// and the saved payee it names, if one.
func (s *Skill) othersMoney(ctx context.Context, r *Request) (string, bool) {
	switch r.Intent {
	case intents.GetBalance, intents.ListTransactions, intents.SpendingSummary, intents.Fallback, intents.AccountDetails:
	default:
		return "", false
	}
	if r.Text == "" {
		return "", false
	}
	t := " " + intents.Normalize(r.Text) + " "
	// "not mine", "nicht mein eigenes" set the user's own money apart;
	// they do not ask about it ("how much does my wife have, not mine").
	t = strings.NewReplacer(" not mine ", " ", " not my own ", " ", " nicht mein eigenes ", " ", " nicht meins ", " ", " nicht meine eigenen ", " ").Replace(t)
	// "can you tell us how much …" (British): "us" is the speaker, no joint account
	t = strings.NewReplacer(" tell us ", " tell me ", " give us ", " give me ", " show us ", " show me ", " let us know ", " let me know ").Replace(t)
	if !containsAny(t, moneyOfWords...) || containsAny(t, towardsWords...) {
		return "", false
	}
	de := intents.German(r.Locale)
	other := false
	if de {
		for _, w := range relativesDE {
			if containsAny(t, " mein "+w+" ", " meine "+w+" ", " meines "+w+"s ", " meines "+w+" ", " meiner "+w+" ", " meinem "+w+" ") {
				other = true
			}
		}
		other = other || containsAny(t, " seinem konto", " ihrem konto", " seines kontos", " ihres kontos", " sein kontostand", " seinen kontostand",
			" seinem sparkonto", " ihrem sparkonto", " seinem girokonto", " ihrem girokonto")
	} else {
		for _, w := range relativesEN {
			if containsAny(t, " my "+w+" ", " my "+w+"s ") {
				other = true
			}
		}
		other = other || containsAny(t, " his balance", " her balance", " his account", " her account", " his money", " her money", " his savings",
			" her savings", " does he have", " does she have", " has he got", " has she got", " their balance", " their account")
	}
	name := ""
	if payees, ok := s.userPayees(ctx, r); ok {
		for _, p := range payees {
			full := intents.Normalize(p.Name)
			first := strings.Fields(full)
			if len(first) == 0 || len(first[0]) < 3 || accountWord[first[0]] {
				continue // ("Savings Club": "the balance of savings" is the user's own)
			}
			f := first[0]
			if de && (containsAny(t, " hat "+f+" ", " hat "+full+" ", " von "+f+" ", " "+f+"s konto", " "+f+"s kontostand") && !strings.Contains(t, " an "+f)) ||
				!de && (containsAny(t, " does "+f+" have", " does "+full+" have", " has "+f+" got", " has "+full+" got", " did "+f+" spend", " did "+full+" spend",
					" has "+f+" spent", " has "+full+" spent", " balance of "+f+" ", " balance of "+full+" ", " transactions of "+f+" ", " transactions of "+full+" ",
					" account of "+f+" ", " account of "+full+" ", " accounts of "+f+" ", " what "+f+" has", " what "+full+" has", " what "+f+" s got", " what "+f+"s got") ||
					possessesMoney(t, f) || possessesMoney(t, full)) {
				other, name = true, p.Name
				break
			}
			if other && strings.Contains(t, " "+f+" ") {
				name = p.Name // "my husband tom's balance"
			}
		}
	}
	return name, other
}

// othersRefusal is what a question about someone else's money gets; the
// person named stays the subject ("then send him 20").
func (s *Skill) othersRefusal(r *Request, name string) *Response {
	l := langOf(r.Locale)
	if name != "" {
		s.remember(r, intents.TransferMoney, intents.Slots{intents.SlotPayee: name})
	}
	return anythingElse(l, l.msg("others.money"))
}

// accountWord: a first word of a payee's name that also names the user's
// own accounts.
var accountWord = map[string]bool{"savings": true, "checking": true, "credit": true, "card": true, "visa": true, "loan": true, "my": true, "the": true,
	"spar": true, "sparkonto": true, "girokonto": true, "konto": true, "karte": true}

// possessesMoney: the words speak of name's money in the possessive
// ("toms balance", "tom nguyens transactions").
func possessesMoney(t, name string) bool {
	for _, w := range []string{"balance", "account", "accounts", "money", "savings", "checking", "transactions", "spending", "credit card", "card"} {
		if strings.Contains(t, " "+name+"s "+w) {
			return true
		}
	}
	return false
}

// whyRefused reads "why's that then", "warum das denn" after a payment
// refused because the account it would leave is frozen or blocked as a
// question about that account's block (its reason and what to do); and
// "who do I call about it" as the support line.
func (s *Skill) whyRefused(ctx context.Context, r *Request) {
	if r.Text == "" {
		return
	}
	t := " " + intents.Normalize(r.Text) + " "
	if len(strings.Fields(t)) > 8 {
		return
	}
	prev := s.previous(r)
	if containsAny(t, whoToCall...) || containsAny(t, " what number do i call", " who do i talk to", " who can i talk to", " wo rufe ich an", " wo ruf ich an") {
		r.Intent, r.Slots, r.Confidence, r.turn.inContext = intents.TalkToAgent, intents.Slots{}, 1, true
		return
	}
	if prev == nil || prev.Intent != intents.TransferMoney && prev.Intent != intents.PayBill {
		return
	}
	if !containsAny(t, " why", " how come", " whats the reason", " what is the reason", " warum", " wieso", " weshalb", " wie kommt", " was ist der grund") {
		return
	}
	k := prev.Slots.String(intents.SlotFromAccount)
	ac, ok := s.cfg.Bank.(banks.AccountControls)
	if k == "" || !ok || !s.allowed(ctx, r, "accounts") {
		return
	}
	accts, err := s.cfg.Bank.Accounts(ctx, r.User)
	if err != nil {
		return
	}
	a, found := byKind(accts, k)
	if !found {
		return
	}
	if st, err := ac.Status(ctx, r.User, a.ID); err == nil && st.Status != "open" {
		r.Intent, r.Slots, r.Confidence, r.turn.inContext = intents.AccountBlocked, intents.Slots{intents.SlotAccount: k}, 1, true
	}
}

// whoToCall: the words ask whom to phone ("who do I ring about that").
var whoToCall = []string{" who do i call", " who should i call", " who can i call", " who do i ring", " wen rufe ich an", " wen ruf ich an", " wen kann ich anrufen",
	" welche nummer"}

// othersSource: the turn asks to move money out of someone else's
// account ("move 500 dollars from my husband's checking into mine", "zahl
// das vom Konto meiner Frau"). Konto moves money only out of the linked
// customer's own accounts, whatever permission is claimed; before, the
// words were read as the user's own checking, or left unsure.
func othersSource(r *Request) bool {
	if r.Text == "" {
		return false
	}
	t := " " + intents.Normalize(r.Text) + " "
	if intents.German(r.Locale) {
		for _, w := range relativesDE {
			if containsAny(t, " vom konto meines "+w+" ", " vom konto meines "+w+"s ", " vom konto meines "+w+"es ", " von dem konto meines "+w+"es ", " vom konto meiner "+w+" ", " von dem konto meines "+w+" ",
				" von dem konto meines "+w+"s ", " von dem konto meiner "+w+" ", " vom konto von meinem "+w+" ", " vom konto von meiner "+w+" ",
				" von meinem "+w+" seinem konto", " von meiner "+w+" ihrem konto", " vom girokonto meines "+w, " vom girokonto meiner "+w,
				" vom sparkonto meines "+w, " vom sparkonto meiner "+w) {
				return true
			}
		}
		return containsAny(t, " von seinem konto", " von seinem girokonto", " von seinem sparkonto", " vom konto von ihm", " vom konto von ihr")
	}
	for _, w := range relativesEN {
		for _, from := range []string{" from my ", " out of my ", " off my "} {
			if containsAny(t, from+w+"s ", from+w+" s ") {
				return true
			}
		}
	}
	return containsAny(t, " from his account", " from her account", " from his checking", " from her checking", " from his savings", " from her savings",
		" out of his account", " out of her account", " from their account", " out of his checking", " out of her checking")
}

// othersSourceRefusal answers a payment out of someone else's account;
// in a payment dialog its question comes again.
func (s *Skill) othersSourceRefusal(r *Request) *Response {
	l := langOf(r.Locale)
	if d := r.st.Dialog; d != nil {
		return &Response{Speech: l.msg("others.source") + " " + d.Question, Reprompt: d.Question, Choices: dialogChoices(l, d)}
	}
	return anythingElse(l, l.msg("others.source"))
}

// movesWords: the words ask to move money ("take 200 out of …").
func movesWords(text string) bool {
	return containsAny(" "+intents.Normalize(text)+" ", " move ", " transfer", " send ", " pay ", " take ", " put ", " überweis", " zahl", " schick", " buch ", " nimm ")
}
