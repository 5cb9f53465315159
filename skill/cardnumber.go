package skill

import (
	"context"
	"strings"

	"github.com/kontoskill/konto/intents"
)

// A card's full number or security code is never read out: "read me my
// full debit card number", "what's the cvv", "wie lautet meine
// Kartennummer". Before, the recognizer took these for account details
// (the account numbers, or the PIN asked for a full one). The last four
// digits are said, and "what are the last four digits" is answered.

// cardNumberAsked: the words ask for a card's number or its code.
func cardNumberAsked(t string) bool {
	if containsAny(t, " account number", " kontonummer", " iban", " routing", " sort code", " bankleitzahl", " bic ") ||
		containsAny(t, " lock", " block", " freeze", " sperr", " stolen", " seen", " saw ", " compromis", " report", " leaked", " gestohlen", " geklaut",
			" gesehen", " missbrauch", " cancel", " replace", " new card", " neue karte", " fraud", " betrug") {
		return false // "someone saw my card number, lock it": the lock asked for
	}
	if !lastFourAsked(t) && containsAny(t, " digits on my card", " digits on my debit", " digits on my credit", " digits on the card", " digits of my card",
		" digits of my debit", " digits of my credit", " numbers on the front", " number on the front", " code on the back", " 16 stellen", " sechzehn stellen",
		" 16 ziffern", " sechzehn ziffern", " ziffern meiner karte", " ziffern meiner kreditkarte", " ziffern meiner girokarte", " ziffern meiner debitkarte",
		" code auf der rückseite", " nummer vorne auf") {
		return true // "read me all the digits on my debit card", "die 16 Stellen der Girokarte"
	}
	return containsAny(t, " card number", " cards number", " card no ", " number on my card", " number on the card", " number on my debit", " number on my credit",
		" numbers on my card", " numbers on the card", " long number", " 16 digit", " sixteen digit", " cvv", " cvc", " security code on", " card security code",
		" three digit code", " 3 digit code", " kartennummer", " nummer meiner karte", " nummer von meiner karte", " nummer meiner kreditkarte", " nummer meiner debitkarte",
		" nummer meiner girokarte", " nummer von meiner kreditkarte", " nummer auf meiner karte", " nummer auf der karte", " prüfnummer", " prüfziffer", " sicherheitscode")
}

// lastFourAsked: the words ask for a card's last four digits.
func lastFourAsked(t string) bool {
	return containsAny(t, " last four", " last 4", " final four", " ends in", " end in", " letzten vier", " letzten 4", " endziffern", " endet auf", " enden auf")
}

// cardNumber answers a question for a card's number (refused, with the
// last four digits), or, after one or with a card named, for its last
// four digits; nil when the turn asks neither.
func (s *Skill) cardNumber(ctx context.Context, r *Request) (*Response, error) {
	if r.Text == "" {
		return nil, nil
	}
	t := " " + intents.Normalize(r.Text) + " "
	refuse := cardNumberAsked(t)
	prev := s.previous(r)
	last := lastFourAsked(t) && (containsAny(t, " card", " karte") || prev != nil && (prev.Slots.String("cardnumber") != "" ||
		cardFamily[prev.Intent])) && !containsAny(t, " account", " konto", " iban") // (after a card's answer, "on it" is a card)
	if !refuse && !last {
		return nil, nil
	}
	if r.User.Customer == "" && s.authenticate(ctx, r) != nil {
		return nil, nil // the usual path asks for the link
	}
	if !s.allowed(ctx, r, "accounts") {
		return nil, nil
	}
	cards, err := s.cards(ctx, r)
	if err != nil {
		return nil, err
	}
	kind := intents.ParseCard(strings.TrimSpace(t))
	if kind == "" && prev != nil && (!refuse || prev.Slots.String("cardnumber") != "") {
		kind = prev.Slots.String(intents.SlotCard) // "and what are the last four digits": of the card asked about
	}
	if kind != "" {
		var only = cards[:0:0]
		for _, c := range cards {
			if string(c.Kind) == kind {
				only = append(only, c)
			}
		}
		if len(only) > 0 {
			cards = only
		}
	}
	l := langOf(r.Locale)
	var names []string
	for _, c := range cards {
		names = append(names, l.cardName(c))
	}
	sub := &subject{Slots: intents.Slots{"cardnumber": "1"}, Owner: ownerOf(r.User)}
	if kind != "" {
		// "when does it expire", "lock it" next: this card
		sub.Intent, sub.Slots[intents.SlotCard] = intents.CardExpiration, kind
	}
	r.turn.subject = sub
	if !r.Channel.Carry {
		r.st.Subject = sub
	}
	switch {
	case len(cards) == 0:
		return anythingElse(l, l.msg("card.none")), nil
	case refuse:
		return anythingElse(l, l.msg("card.number.refuse", l.List(names))), nil
	}
	return anythingElse(l, l.msg("card.number.last4", upperFirst(l.List(names)))), nil
}
