package intents

import (
	"slices"
	"strings"
	"sync"

	"github.com/kljensen/snowball/english"
)

// fillerWords are the hesitations and politeness words speech recognition
// passes through ("um", "ähm", "bitte"): they carry no intent, so the
// model does not see them unless they are all there is.
var fillerWords = map[string]bool{
	"um": true, "umm": true, "uh": true, "uhh": true, "uhm": true, "erm": true, "er": true, "ah": true, "hmm": true, "hm": true,
	"mm": true, "mmm": true, "please": true, "pls": true, "plz": true, "kindly": true, "alexa": true, "hey": true, "hi": true,
	"äh": true, "ähm": true, "öhm": true, "ähh": true, "öh": true, "also": true, "bitte": true, "mal": true, "halt": true,
	"eben": true, "eigentlich": true, "hallo": true, "actually": true, "basically": true, "like": false,
	"ummm": true, "uhhh": true, "mhm": true, "hmmm": true, "ehm": true, "ehh": true, "ähmm": true, "öhmm": true,
	"naja": true, "quasi": true, "sozusagen": true,
}

// dropFillers removes filler words unless nothing else is left.
func dropFillers(words []string) []string {
	out := words[:0:0]
	for _, w := range words {
		if !fillerWords[w] {
			out = append(out, w)
		}
	}
	if len(out) == 0 {
		return words
	}
	return out
}

// stem reduces a word to its stem: the Snowball stemmer in English, a
// light suffix stripper in German (Snowball's German is not in the module
// we use); "transfers" and "transferring" meet, as do "überweisungen" and
// "überweisung".
func stem(w string, german bool) string {
	if !german {
		return english.Stem(w, true)
	}
	return germanStem(w)
}

// germanStem strips inflection suffixes in the manner of CISTEM: ß is
// read as ss, umlauts kept, and the endings -ern -em -er -en -es -e -s -n
// -t removed while at least four letters remain.
func germanStem(w string) string {
	w = strings.ReplaceAll(w, "ß", "ss")
	for range 2 {
		n := len([]rune(w))
		cut := ""
		for _, suf := range []string{"ern", "em", "er", "en", "es", "e", "s", "n", "t"} {
			if strings.HasSuffix(w, suf) && n-len([]rune(suf)) >= 4 {
				cut = suf
				break
			}
		}
		if cut == "" {
			break
		}
		w = strings.TrimSuffix(w, cut)
	}
	return w
}

// splitCompound splits a German compound into two words of the
// vocabulary, allowing a linking s, n, en, es or e ("kontoauszug" →
// konto + auszug, "kreditkartenrechnung" → kreditkarten + rechnung,
// "geburtstagsgeschenk" → geburtstag + geschenk). It prefers the split
// with the longest head and returns nothing when there is none.
func splitCompound(w string, vocab map[string]bool) (head, tail string, ok bool) {
	rs := []rune(w)
	if len(rs) < 7 {
		return "", "", false
	}
	for i := len(rs) - 3; i >= 3; i-- {
		h, t := string(rs[:i]), string(rs[i:])
		if !vocab[t] && !vocab[stem(t, true)] {
			continue
		}
		if vocab[h] {
			return h, t, true
		}
		for _, link := range []string{"s", "n", "en", "es", "e"} {
			if hh := strings.TrimSuffix(h, link); hh != h && len([]rune(hh)) >= 3 && vocab[hh] {
				return hh, t, true
			}
		}
	}
	return "", "", false
}

// spokenNumber reports whether a word is a spoken number ("twenty",
// "hundred", "dreiundzwanzig"), which the model sees as <num> like digits.
func spokenNumber(w string, german bool) bool {
	if german {
		_, ok := parseGermanWord(w)
		return ok && w != "ein" && w != "eine" && w != "einen"
	}
	if w == "a" {
		return false
	}
	if _, ok := enSmall[w]; ok {
		return true
	}
	switch w {
	case "hundred", "thousand", "million", "grand", "tenner", "fiver":
		return true
	}
	return false
}

// concepts group words that mean the same for telling intents apart
// ("receive", "earned", "eingegangen" are money coming in), so that a
// word seen in few training lines still counts like its synonyms. Words
// starting with a reversing prefix ("unlock", "entsperren") are found by
// prefix; see conceptsOf.
var concepts = func() map[string]string {
	m := map[string]string{}
	add := func(c, words string) {
		for _, w := range strings.Fields(words) {
			m[w] = c
		}
	}
	add("rev", `remove removed lift lifted release undo reverse reactivate reenable enable enabled restore unfreeze unlock unblock
		unlocked unfrozen unblocked unpause resume found aufheben aufgehoben heb hebe aufhebung wieder freigeben freischalten
		reaktivieren reaktiviere aktivieren aktiviere gefunden wiedergefunden lösen entsperren entsperre entsperr entsperrt
		auftauen taue entblocken`)
	add("lock", `lock locked block blocked freeze frozen froze hold suspend suspended pause paused disable disabled deactivate
		sperre sperren sperr gesperrt sperrn blockiere blockieren blockiert einfrieren friere frier eingefroren deaktiviere
		deaktivieren pausieren pausiere stilllegen stillgelegt stilllegung stillegen kartensperre deactivated`)
	add("in", `receive received earn earned earnings income salary paycheck paycheque wages wage deposit deposits deposited refund
		refunded credited incoming payday pension eingegangen eingang eingänge zahlungseingang zahlungseingänge gutschrift
		gutschriften reingekommen eingenommen einnahmen verdient verdiene gehalt lohn rente erstattung rückerstattung kindergeld`)
	add("out", `spend spent spending spendings expenses outgoings cost costs blow blew splurged ausgegeben ausgaben ausgebe gebe
		verbraucht verbraten abgeflossen draufgegangen gekostet kosten`)
	add("when", `when deadline due until fällig fälligkeit frist wann bis`)
	add("lost", `lost lose loss missing misplaced stolen stole nicked pinched robbed pickpocketed gone verloren verlegt gestohlen
		geklaut weg verschwunden vermisse bestohlen`)
	add("broken", `broken broke damaged cracked bent snapped scratched worn chewed defekt kaputt beschädigt verbogen zerbrochen
		gebrochen zerkratzt`)
	return m
}()

// conceptsOf returns the concept features of a word.
func conceptsOf(w, st string) []string {
	var out []string
	if c, ok := concepts[w]; ok {
		out = append(out, "x:"+c)
	} else if c, ok := concepts[st]; ok {
		out = append(out, "x:"+c)
	}
	if otherDomain()[w] || otherDomain()[st] {
		out = append(out, "x:other")
	}
	for _, pre := range []string{"un", "ent", "re"} {
		if rest, ok := strings.CutPrefix(w, pre); ok && len(rest) >= 4 && concepts[rest] == "lock" {
			out = append(out, "x:rev")
		}
	}
	return out
}

// otherDomain are the things of other domains an assistant hears about
// (phones, cars, flights, tables, timers, songs, weather, recipes, the
// smart home), one concept whatever the word: an utterance that shares a
// banking word ("i lost my phone", "reset the pin on my laptop") leans to
// out of scope by its other-domain noun even when that noun is unseen in
// training. Words a slot type uses ("flights" as a category, "miete")
// are left out, so that they stay banking, but for the phone, the car and
// the television: lost phones and car repairs are what assistants hear
// most, and "phone bill" or "car loan" carry their banking word anyway.
var otherDomain = sync.OnceValue(func() map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.Fields(`phone phones mobile iphone smartphone android cellphone tablet ipad laptop computer pc printer router
		modem wifi screen display charger headphones airpods earbuds sim simcard passcode puk bluetooth keyboard mouse
		car cars vehicle tire tires tyre tyres engine oil brakes battery mechanic garage windshield windscreen mot tüv inspection
		tank mileage gallon litre liter diesel petrol
		flight flights airline airport boarding luggage suitcase baggage passport visum reisepass vaccination vaccine
		reservation reservations booking table dinner lunch breakfast appointment dentist doctor haircut
		timer alarm stopwatch reminder song songs music playlist album radio podcast volume artist lyrics
		weather forecast rain snow sunny temperature umbrella humidity sunset sunrise
		recipe recipes cook cooking bake baking boil oven fridge freezer microwave dishwasher chicken pasta soup cake eggs
		lights light lamp thermostat heating heater vacuum door doors window blinds tv television
		joke riddle story trivia president capital calories
		bitcoin bitcoins crypto cryptocurrency ethereum pizza taxi cab
		handy handys telefon tablet laptop rechner computer drucker router wlan bildschirm ladegerät kopfhörer simkarte
		auto autos fahrzeug reifen motor öl ölwechsel bremsen batterie autobatterie werkstatt tankstelle inspektion
		flug flüge flughafen fluggesellschaft gepäck koffer reservierung tischreservierung tisch termin zahnarzt arzttermin
		wecker lied lieder musik playlist radio lautstärke wetter regen schnee temperatur regenschirm sonnenuntergang
		rezept kochen backen ofen kühlschrank gefrierschrank mikrowelle spülmaschine waschmaschine hähnchen nudeln suppe kuchen
		licht lampe heizung staubsauger tür haustür fenster fernseher witz hauptstadt kalorien
		krypto kryptowährung kryptowährungen`) {
		m[w] = true
	}
	for _, vals := range SlotTypes {
		for _, v := range vals {
			for _, forms := range v.Synonyms {
				for _, f := range forms {
					for _, w := range strings.Fields(Normalize(f)) {
						if !otherDomainKept[w] {
							delete(m, w)
						}
					}
				}
			}
		}
	}
	return m
})

var otherDomainKept = map[string]bool{"phone": true, "mobile": true, "handy": true, "telefon": true, "car": true, "auto": true,
	"tv": true, "television": true, "fernseher": true}

var definitionWords = map[string]bool{"explain": true, "define": true, "definition": true, "meaning": true, "erklär": true,
	"erkläre": true, "erklären": true, "bedeutet": true, "bedeutung": true, "definiere": true}

// isDefinition reports whether words ask what something is in general:
// "what is a", "what's an", "was ist ein", "explain", "what does x mean".
func isDefinition(words []string) bool {
	for i, w := range words {
		if definitionWords[w] {
			return true
		}
		if i+1 < len(words) && (w == "whats" || w == "what" && words[i+1] == "is" || w == "was" && words[i+1] == "ist") {
			j := i + 1
			if w != "whats" {
				j++
			}
			if j < len(words) {
				switch words[j] {
				case "a", "an", "ein", "eine", "einen":
					return true
				}
			}
		}
		if w == "mean" || w == "stand" && i+1 < len(words) && words[i+1] == "for" {
			return i > 0 && slices.Contains(words[:i], "does")
		}
	}
	return false
}
