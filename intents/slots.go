package intents

import (
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Categories are the transaction categories, the values of the category slot.
var Categories = []string{"groceries", "restaurants", "fuel", "shopping", "travel", "transport", "utilities",
	"entertainment", "health", "subscriptions", "rent", "cash", "income", "transfers", "other"}

var categoryWords = map[string][]string{
	"groceries": {"groceries", "grocery", "grocer", "supermarket", "supermarkets", "food shopping", "lebensmittel", "lebensmitteln", "supermarkt", "supermärkte", "supermarkten", "einkäufe im supermarkt"},
	"restaurants": {"restaurants", "restaurant", "dining", "dining out", "eating out", "takeout", "take out", "coffee", "cafes", "restaurantbesuche", "essen gehen", "auswärts essen", "gastronomie", "lieferdienste", "kaffee",
		"eat out", "ate out", "eaten out", "takeaway", "takeaways", "essen war", "essen waren", "auswärts gegessen", "essen gegangen"},
	"fuel":          {"gas", "fuel", "gasoline", "petrol", "gas station", "gas stations", "tanken", "benzin", "sprit", "tankstelle", "tankstellen", "diesel"},
	"shopping":      {"shopping", "clothes", "clothing", "online shopping", "einkaufen", "kleidung", "klamotten", "shoppen"},
	"travel":        {"travel", "traveling", "travelling", "flights", "hotels", "vacation", "trips", "reisen", "urlaub", "flüge", "hotel"},
	"transport":     {"transport", "transportation", "uber", "taxi", "taxis", "rides", "public transit", "transit", "bus", "train tickets", "öpnv", "nahverkehr", "fahrkarten", "bahn", "taxifahrten"},
	"utilities":     {"utilities", "utility bills", "bills", "electricity", "nebenkosten", "strom", "rechnungen", "internet", "handy"},
	"entertainment": {"entertainment", "movies", "concerts", "cinema", "unterhaltung", "kino", "konzerte", "freizeit"},
	"health":        {"health", "pharmacy", "doctor", "medicine", "gesundheit", "apotheke", "medikamente", "arzt"},
	"subscriptions": {"subscriptions", "subscription", "streaming", "abos", "abo", "abonnements", "streamingdienste"},
	"rent":          {"rent", "housing", "miete", "wohnung"},
	"cash":          {"cash", "atm", "cash withdrawals", "bargeld", "geldautomat", "abhebungen"},
	"income":        {"income", "salary", "paycheck", "einkommen", "gehalt", "lohn", "einnahmen"},
	"transfers":     {"transfers", "überweisungen", "umbuchungen"},
}

// ParseCategory finds a spending category in normalized text, or "".
// The longest matching phrase wins ("gas station" over "gas").
func ParseCategory(text string) string {
	best, bestLen := "", 0
	words := allCategoryWords()
	for _, cat := range Categories {
		for _, w := range words[cat] {
			if len(w) > bestLen && containsPhrase(text, w) {
				best, bestLen = cat, len(w)
			}
		}
	}
	return best
}

// allCategoryWords are categoryWords with the catalog's CATEGORY synonyms
// of every locale ("tube", "trains" in en-GB), so that a word the catalog
// gives the platforms is never read as a merchant here.
var allCategoryWords = sync.OnceValue(func() map[string][]string {
	m := map[string][]string{}
	for cat, ws := range categoryWords {
		m[cat] = slices.Clone(ws)
	}
	for _, v := range SlotTypes["CATEGORY"] {
		for _, forms := range v.Synonyms {
			for _, f := range forms {
				if f = Normalize(f); f != "" && !slices.Contains(m[v.ID], f) && !genericPurchases[f] {
					m[v.ID] = append(m[v.ID], f)
				}
			}
		}
	}
	return m
})

// genericPurchases are catalog synonyms that also speak of any purchase
// ("meine letzten Einkäufe"): no category in free text.
var genericPurchases = map[string]bool{"einkäufe": true}

var enMonths = []string{"january", "february", "march", "april", "may", "june", "july", "august", "september", "october", "november", "december"}
var deMonths = []string{"januar", "februar", "märz", "april", "mai", "juni", "juli", "august", "september", "oktober", "november", "dezember"}

func monthIndex(w string, locale string) (time.Month, bool) {
	names := enMonths
	if German(locale) {
		names = deMonths
		if w == "maerz" || w == "marz" {
			w = "märz"
		}
		if w == "jänner" {
			w = "januar"
		}
	}
	for i, n := range names {
		if w == n || (len(w) >= 3 && len(n) > 3 && w == n[:3]) {
			return time.Month(i + 1), true
		}
	}
	return 0, false
}

func day(t time.Time) time.Time { return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC) }

func rng(a, b time.Time) DateRange {
	return DateRange{Start: a.Format(time.DateOnly), End: b.Format(time.DateOnly)}
}

func minDay(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}

func monthRange(y int, m time.Month, today time.Time) DateRange {
	start := time.Date(y, m, 1, 0, 0, 0, 0, time.UTC)
	end := start.AddDate(0, 1, -1)
	if end.After(today) {
		end = today
	}
	return rng(start, end)
}

// mostRecentMonth returns the year of the latest month m not after today.
func mostRecentMonth(m time.Month, today time.Time) int {
	if m > today.Month() {
		return today.Year() - 1
	}
	return today.Year()
}

// ParseDateRange finds a period in normalized text relative to now:
// "yesterday", "last week", "this month", "in september", "since may 3rd",
// "the last 30 days", "letzte woche", "im oktober", "seit dem 3 mai", ...
// It returns the range and the words it used, so callers can remove them.
func ParseDateRange(text, locale string, now time.Time) (DateRange, string, bool) {
	today := day(now)
	words := strings.Fields(text)
	monday := today.AddDate(0, 0, -((int(today.Weekday()) + 6) % 7))
	firstOfMonth := time.Date(today.Year(), today.Month(), 1, 0, 0, 0, 0, time.UTC)
	de := German(locale)

	type fixed struct {
		phrases []string
		r       func() DateRange
	}
	fixedRanges := []fixed{
		{[]string{"day before yesterday", "vorgestern"}, func() DateRange { d := today.AddDate(0, 0, -2); return rng(d, d) }},
		{[]string{"yesterday", "gestern"}, func() DateRange { d := today.AddDate(0, 0, -1); return rng(d, d) }},
		{[]string{"today", "heute", "so far today", "bisher heute"}, func() DateRange { return rng(today, today) }},
		{[]string{"last weekend", "past weekend", "previous weekend", "on the weekend", "over the weekend", "at the weekend", "this past weekend",
			"letztes wochenende", "letzten wochenende", "vergangenes wochenende", "vergangenen wochenende", "am wochenende", "am letzten wochenende"},
			func() DateRange { return rng(monday.AddDate(0, 0, -2), monday.AddDate(0, 0, -1)) }},
		{[]string{"last fortnight", "past fortnight", "the last fortnight", "the past fortnight", "last two weeks", "past two weeks", "letzten zwei wochen", "letzten beiden wochen",
			"vergangenen zwei wochen"}, func() DateRange { return rng(today.AddDate(0, 0, -13), today) }},
		{[]string{"last week", "past week", "previous week", "letzte woche", "letzten woche", "vergangene woche", "vergangenen woche", "vorige woche", "vorigen woche", "der letzten woche",
			"letzte woch", "letzten woch", "vergangene woch", "vorige woch", "vorig woch"}, // (Bavarian "letzte Woch")
			func() DateRange { return rng(monday.AddDate(0, 0, -7), monday.AddDate(0, 0, -1)) }},
		{[]string{"this week", "current week", "so far this week", "this week so far", "diese woche bisher", "diese woche", "dieser woche", "diesen woche"}, func() DateRange { return rng(monday, today) }},
		{[]string{"last month", "past month", "previous month", "letzten monat", "letzter monat", "letzte monat", "vergangenen monat", "vorigen monat", "vormonat", "im letzten monat"},
			func() DateRange { s := firstOfMonth.AddDate(0, -1, 0); return rng(s, firstOfMonth.AddDate(0, 0, -1)) }},
		{[]string{"this month", "current month", "so far this month", "this month so far", "diesen monat bisher", "this month to date", "diesen monat", "dieser monat", "diesem monat", "im aktuellen monat", "aktuellen monat", "bisher diesen monat"}, func() DateRange { return rng(firstOfMonth, today) }},
		{[]string{"beginning of the month", "beginning of this month", "start of the month", "start of this month", "early this month", "earlier this month",
			"anfang des monats", "anfang dieses monats", "anfang diesen monats", "anfang vom monat", "monatsanfang", "am monatsanfang", "anfang des aktuellen monats"},
			func() DateRange { return rng(firstOfMonth, minDay(firstOfMonth.AddDate(0, 0, 9), today)) }},
		{[]string{"end of last month", "the end of last month", "late last month", "ende letzten monats", "ende des letzten monats", "ende vom letzten monat", "ende vergangenen monats"},
			func() DateRange { return rng(firstOfMonth.AddDate(0, 0, -10), firstOfMonth.AddDate(0, 0, -1)) }},
		{[]string{"beginning of last month", "start of last month", "early last month", "anfang letzten monats", "anfang des letzten monats", "anfang vom letzten monat", "anfang vergangenen monats"},
			func() DateRange { s := firstOfMonth.AddDate(0, -1, 0); return rng(s, s.AddDate(0, 0, 9)) }},
		{[]string{"last year", "past year", "previous year", "letztes jahr", "letzten jahr", "vergangenes jahr", "vergangenen jahr", "vorjahr", "im letzten jahr"},
			func() DateRange {
				return rng(time.Date(today.Year()-1, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(today.Year()-1, 12, 31, 0, 0, 0, 0, time.UTC))
			}},
		{[]string{"this year", "so far this year", "year to date", "dieses jahr", "diesem jahr", "in diesem jahr", "bisher dieses jahr"},
			func() DateRange { return rng(time.Date(today.Year(), 1, 1, 0, 0, 0, 0, time.UTC), today) }},
	}
	// "last/past N days|weeks|months", "letzten N tage|wochen|monate"
	for i, w := range words {
		if w != "last" && w != "past" && w != "letzten" && w != "vergangenen" {
			continue
		}
		n, used := parseNumber(words[i+1:], locale)
		if used == 0 || n <= 0 || n > 3660 || i+1+used >= len(words) {
			continue
		}
		unit := words[i+1+used]
		phrase := strings.Join(words[i:i+2+used], " ")
		switch unit {
		case "days", "day", "tage", "tagen", "tag":
			return rng(today.AddDate(0, 0, -(n-1)), today), phrase, true
		case "weeks", "week", "wochen", "woche":
			return rng(today.AddDate(0, 0, -7*n+1), today), phrase, true
		case "months", "month", "monate", "monaten", "monat":
			return rng(today.AddDate(0, -n, 1), today), phrase, true
		}
	}
	// Longest fixed phrase first, so "day before yesterday" beats "yesterday".
	if dr, phrase, ok := weekdayOfLastWeek(text, de, monday); ok {
		return dr, phrase, true // "letzte Woche Dienstag", "tuesday last week"
	}
	bestLen, best, bestPhrase := 0, DateRange{}, ""
	for _, f := range fixedRanges {
		for _, p := range f.phrases {
			if len(p) > bestLen && containsPhrase(text, p) {
				bestLen, best, bestPhrase = len(p), f.r(), p
			}
		}
	}
	if bestLen > 0 {
		return best, bestPhrase, true
	}
	if dr, phrase, ok := numericDateRange(words, locale, today); ok {
		return dr, phrase, true
	}
	if dr, phrase, ok := weekdayOrDay(words, de, today); ok {
		return dr, phrase, true
	}
	// Month names: "since may 3rd", "since the 3rd of may", "seit dem 3 mai",
	// "on november 3rd", "am 3 november", "in september", "im oktober 2025".
	for i, w := range words {
		m, ok := monthIndex(w, locale)
		if !ok || (w == "may" && !de && !monthContext(words, i)) {
			continue
		}
		start, end := i, i+1
		dayNum := 0
		if !de && i+1 < len(words) {
			if n, used := parseEnglishNumber(words[i+1:]); used > 0 && n >= 1 && n <= 31 {
				dayNum, end = n, i+1+used
			}
		}
		if dayNum == 0 && i > 0 {
			// "the 3rd of may", "3 mai", "dritten mai"
			j := i - 1
			if !de && words[j] == "of" && j > 0 {
				j--
			}
			if n, used := parseNumber(words[j:j+1], locale); used > 0 && n >= 1 && n <= 31 {
				dayNum, start = n, j
			}
		}
		year, explicitYear := mostRecentMonth(m, today), false
		if end < len(words) && isDigits(words[end]) && len(words[end]) == 4 {
			year, explicitYear = atoi(words[end]), true
			end++
		}
		if dayNum > 0 {
			d := time.Date(year, m, dayNum, 0, 0, 0, 0, time.UTC)
			if d.After(today) && !explicitYear {
				d = d.AddDate(-1, 0, 0)
			}
			pre := ""
			for k := start - 1; k >= 0 && k >= start-3; k-- {
				if words[k] == "since" || words[k] == "seit" || words[k] == "from" || words[k] == "ab" {
					pre = words[k]
					start = k
					break
				}
			}
			phrase := strings.Join(words[start:end], " ")
			if pre != "" {
				return rng(d, today), phrase, true
			}
			return rng(d, d), phrase, true
		}
		if dr, phrase, ok := monthSpan(words, start, end, m, year, locale, today); ok {
			return dr, phrase, true // "in september and october", "von März bis Mai"
		}
		// One preposition only: in "come in since january" the period
		// starts at "since".
		if k := start - 1; k >= 0 {
			if words[k] == "in" || words[k] == "im" || words[k] == "during" || words[k] == "for" || words[k] == "since" || words[k] == "seit" {
				start = k
			}
		}
		phrase := strings.Join(words[start:end], " ")
		if words[start] == "since" || words[start] == "seit" {
			return rng(time.Date(year, m, 1, 0, 0, 0, 0, time.UTC), today), phrase, true
		}
		return monthRange(year, m, today), phrase, true
	}
	return DateRange{}, "", false
}

// monthSpan reads two months joined as one period: "september and
// october", "from september to november", "between may and july", "im
// September und Oktober", "von März bis Mai". words[start:end] is the
// first month (with its year); the period runs from its first day to the
// second month's last (or today).
func monthSpan(words []string, start, end int, m time.Month, year int, locale string, today time.Time) (DateRange, string, bool) {
	if end+1 >= len(words) {
		return DateRange{}, "", false
	}
	switch words[end] {
	case "and", "to", "through", "thru", "till", "until", "und", "bis":
	default:
		return DateRange{}, "", false
	}
	k := end + 1
	if k+1 < len(words) && (words[k] == "the" || words[k] == "end" || words[k] == "zum" || words[k] == "ende" || words[k] == "in" || words[k] == "im") {
		if words[k] == "the" && words[k+1] == "end" && k+2 < len(words) && words[k+2] == "of" {
			k += 3 // "to the end of october"
		} else if words[k] == "end" && k+2 < len(words) && words[k+1] == "of" {
			k += 2
		} else if words[k] != "the" {
			k++
		}
	}
	if k >= len(words) {
		return DateRange{}, "", false
	}
	m2, ok := monthIndex(words[k], locale)
	if !ok || m2 == m {
		return DateRange{}, "", false
	}
	stop := k + 1
	y2 := mostRecentMonth(m2, today)
	if stop < len(words) && isDigits(words[stop]) && len(words[stop]) == 4 {
		y2 = atoi(words[stop])
		stop++
	}
	if y2 < year || y2 == year && m2 < m {
		year = y2 - 1 // "from november to february": the November before
		if m2 > m {
			year = y2
		}
	}
	if k := start - 1; k >= 0 {
		switch words[k] {
		case "in", "im", "during", "for", "from", "between", "von", "zwischen", "over":
			start = k
		}
	}
	first := time.Date(year, m, 1, 0, 0, 0, 0, time.UTC)
	last := monthRange(y2, m2, today)
	if first.Format(time.DateOnly) > last.End {
		return DateRange{}, "", false
	}
	return DateRange{Start: first.Format(time.DateOnly), End: last.End}, strings.Join(words[start:stop], " "), true
}

// weekdayOfLastWeek reads a weekday of last week, said with it ("letzte
// Woche Dienstag", "Dienstag letzte Woche", "last week on tuesday",
// "tuesday of last week"): that one day of the week before this one.
func weekdayOfLastWeek(text string, de bool, monday time.Time) (DateRange, string, bool) {
	names, weeks := weekdaysEN, []string{"last week", "the week before", "previous week"}
	if de {
		names, weeks = weekdaysDE, []string{"letzte woche", "letzten woche", "vergangene woche", "vergangenen woche", "vorige woche", "vorigen woche", "der letzten woche", "der vorigen woche"}
	}
	for k, n := range names {
		for _, w := range weeks {
			for _, p := range []string{w + " " + n, w + " on " + n, w + " am " + n, n + " " + w, n + " of " + w, n + " in " + w, n + " in der " + strings.TrimPrefix(w, "der "), n + " " + w} {
				if containsPhrase(text, p) {
					d := monday.AddDate(0, 0, -7+(k+6)%7)
					return rng(d, d), p, true
				}
			}
		}
	}
	return DateRange{}, "", false
}

// weekdayOrDay reads a day named by its weekday or its day of the month,
// the most recent one up to today: "on friday", "last friday", "since
// monday", "on the 20th", "since the 17th", "am donnerstag", "seit
// montag", "am neunzehnten", "seit dem 19.". With since/seit the range
// runs to today; otherwise it is that one day.
func weekdayOrDay(words []string, de bool, today time.Time) (DateRange, string, bool) {
	names := weekdaysEN
	if de {
		names = weekdaysDE
	}
	isPre := func(w string) bool {
		switch w {
		case "on", "since", "last", "am", "seit", "letzten", "letztem", "vergangenen", "from", "ab":
			return true
		}
		return false
	}
	since := func(ws []string) bool {
		for _, w := range ws {
			if w == "since" || w == "seit" || w == "from" || w == "ab" {
				return true
			}
		}
		return false
	}
	for i, w := range words {
		for k, n := range names {
			if w != n && w != n+"s" {
				continue
			}
			start := i
			for start > 0 && i-start < 2 && isPre(words[start-1]) {
				start--
			}
			if start == i {
				continue // a weekday needs "on", "last", "since", "am", "seit"
			}
			back := (int(today.Weekday()) - k + 7) % 7
			d := today.AddDate(0, 0, -back)
			if back == 0 && slices.Contains(words[start:i], "last") || slices.Contains(words[start:i], "letzten") || slices.Contains(words[start:i], "letztem") {
				if back == 0 {
					d = d.AddDate(0, 0, -7)
				}
			}
			phrase := strings.Join(words[start:i+1], " ")
			if since(words[start:i]) {
				return rng(d, today), phrase, true
			}
			return rng(d, d), phrase, true
		}
	}
	for i := 0; i+1 < len(words); i++ {
		// "on the 20th", "since the 17th", "am neunzehnten", "seit dem 19"
		var j int
		switch {
		case !de && (words[i] == "on" || words[i] == "since" || words[i] == "from") && words[i+1] == "the" && i+2 < len(words):
			j = i + 2
		case de && (words[i] == "am" || words[i] == "seit" && i+2 < len(words) && words[i+1] == "dem"):
			j = i + 1
			if words[i] == "seit" {
				j = i + 2
			}
		default:
			continue
		}
		var n, used int
		if de {
			n, used = parseNumber(words[j:j+1], "de-DE")
		} else {
			n, used = parseEnglishNumber(words[j : j+1])
			if used > 0 && !strings.HasSuffix(words[j], "th") && !strings.HasSuffix(words[j], "st") && !strings.HasSuffix(words[j], "nd") && !strings.HasSuffix(words[j], "rd") {
				used = 0 // "on the 20th", not "on the 3 of them"
			}
		}
		if used == 0 || n < 1 || n > 31 {
			continue
		}
		if j+1 < len(words) {
			if _, ok := monthIndex(words[j+1], map[bool]string{true: "de-DE", false: "en-US"}[de]); ok {
				continue // "am 19 november": the month names' own reading
			}
			if words[j+1] == "of" && j+2 < len(words) {
				continue
			}
		}
		d := time.Date(today.Year(), today.Month(), n, 0, 0, 0, 0, time.UTC)
		if d.After(today) || d.Month() != today.Month() {
			d = time.Date(today.Year(), today.Month()-1, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, n-1)
		}
		phrase := strings.Join(words[i:j+1], " ")
		if words[i] == "since" || words[i] == "seit" || words[i] == "from" {
			return rng(d, today), phrase, true // "from the fifteenth": to today
		}
		return rng(d, d), phrase, true
	}
	return DateRange{}, "", false
}

// monthContext tells "may" the month from "may" the verb: a month needs a
// preposition before it or a day number after it.
func monthContext(words []string, i int) bool {
	if i > 0 {
		switch words[i-1] {
		case "in", "since", "of", "during", "for", "from", "on", "between":
			return true
		}
	}
	if i+1 < len(words) {
		if n, used := parseEnglishNumber(words[i+1:]); used > 0 && n >= 1 && n <= 31 {
			return true
		}
	}
	return i == len(words)-1 && i > 0
}

func atoi(s string) int {
	n := 0
	for _, r := range s {
		n = n*10 + int(r-'0')
	}
	return n
}

// ParseCount finds how many transactions are asked for: "last five
// transactions", "my 3 most recent purchases", "die letzten drei umsätze".
func ParseCount(text, locale string) int {
	words := strings.Fields(text)
	for i := range words {
		n, used := parseNumber(words[i:], locale)
		if used == 0 || n <= 0 || n > 100 {
			continue
		}
		if i+used < len(words) && isCountNoun(words[i+used]) || i+used+1 < len(words) && isCountNoun(words[i+used+1]) ||
			i+used+2 < len(words) && isCountNoun(words[i+used+2]) {
			return n
		}
	}
	return 0
}

func isCountNoun(w string) bool {
	switch w {
	case "transactions", "transaction", "purchases", "purchase", "charges", "charge", "payments", "items", "entries",
		"umsätze", "umsatz", "buchungen", "buchung", "transaktionen", "zahlungen", "einkäufe", "abbuchungen", "posten",
		"things", "sachen", "dinge", "activities", "käufe":
		return true
	}
	return false
}

// merchantStops end a merchant name: the words that start a date or
// another phrase after it.
var merchantStops = map[string]bool{
	"then": true, "dann": true, "denn": true, "eigentlich": true, "overall": true, "altogether": true, // "at waitrose this month then"
	"why": true, "warum": true, "wieso": true, "weshalb": true, "again": true, "nochmal": true, "though": true,
	"last": true, "this": true, "in": true, "on": true, "during": true, "since": true, "for": true, "yesterday": true,
	"today": true, "and": true, "with": true, "using": true, "from": true, "so": true, "over": true, "past": true,
	"letzten": true, "letzte": true, "diesen": true, "diese": true, "im": true, "am": true, "seit": true,
	"gestern": true, "heute": true, "und": true, "mit": true, "ausgegeben": true, "bezahlt": true, "gezahlt": true,
	"my": true, "mit meiner": true, "vom": true, "von": true, "insgesamt": true, "total": true, "dieses": true,
	"vergangenen": true, "gelassen": true, "eingekauft": true, "verbraten": true, "gekauft": true, "habe": true,
	"hab": true, "abgelehnt": true, "declined": true, "rejected": true, "bezahlen": true, "nicht": true, "ging": true,
	"was": true, "got": true, "get": true, "please": true, "bitte": true, "yesterday's": true, "ist": true, "wurde": true,
}

// places are where a card is used that are no merchant's name.
var places = map[string]bool{
	"till": true, "tills": true, "checkout": true, "register": true, "store": true, "shop": true, "shops": true, "pump": true,
	"atm": true, "cash machine": true, "cashpoint": true, "supermarket": true, "restaurant": true, "gas station": true,
	"petrol station": true, "counter": true, "terminal": true, "card machine": true, "self checkout": true, "bar": true,
	"pub": true, "cafe": true, "kasse": true, "tankstelle": true, "automat": true, "geldautomat": true, "supermarkt": true,
}

// isPlace reports whether a phrase names a kind of place ("the till").
func isPlace(s string) bool {
	for _, art := range []string{"the ", "a ", "der ", "dem ", "die ", "einem ", "einer "} {
		s = strings.TrimPrefix(s, art)
	}
	return places[s]
}

// knownMerchants are the merchant names of the training data; a merchant
// after "in" ("in sainsburys", British) is taken only if it is known, as
// "in" starts dates too.
var knownMerchants = sync.OnceValue(func() map[string]bool {
	m := map[string]bool{}
	for _, loc := range []string{"en-US", "en-GB", "de-DE"} {
		if f, err := readTrain(loc); err == nil {
			for _, x := range f.Fillers[SlotMerchant] {
				m[Normalize(x)] = true
			}
		}
	}
	return m
})

// ParseMerchant finds a merchant named after "at", "bei", "from" or "to"
// in normalized text with the date phrase already removed.
func ParseMerchant(text string) string {
	words := strings.Fields(text)
	for i, w := range words {
		if w == "in" {
			for n := min(3, len(words)-i-1); n >= 1; n-- {
				if name := strings.Join(words[i+1:i+1+n], " "); knownMerchants()[name] {
					return name
				}
			}
			continue
		}
		if w != "at" && w != "bei" && w != "from" && w != "to" && w != "on" {
			continue
		}
		var name []string
		for _, x := range words[i+1:] {
			if merchantStops[x] {
				break
			}
			name = append(name, x)
		}
		if len(name) == 0 || len(name) > 4 {
			continue
		}
		joined := strings.Join(name, " ")
		if ParseCategory(joined) != "" || ParseAccount(joined) != "" || isFiller(joined) || isPlace(joined) {
			continue
		}
		return joined
	}
	return ""
}

func isFiller(s string) bool {
	switch s {
	case "all", "the", "me", "it", "them", "things", "stuff", "dem", "der", "den", "mir", "i", "you", "my account", "average":
		return true
	}
	return false
}

// numericDate reads a day written in digits: "11/1" and "11/01/2026"
// (month first in en-US), "1/11" (day first elsewhere), "1.11." and
// "01.11.2026" (German; the day first). A dotted number before a
// currency word ("3.10 euro") is an amount, not a date. The year, when
// not said, is the most recent one with that day up to today.
func numericDate(words []string, i int, locale string, today time.Time) (time.Time, bool) {
	w := words[i]
	sep := "/"
	if strings.Contains(w, ".") {
		if !German(locale) {
			return time.Time{}, false // "1.11" is an amount in English
		}
		sep = "."
	}
	parts := strings.Split(w, sep)
	if len(parts) < 2 || len(parts) > 3 {
		return time.Time{}, false
	}
	for k, p := range parts {
		if !isDigits(p) || p == "" || k < 2 && len(p) > 2 || k == 2 && len(p) != 2 && len(p) != 4 {
			return time.Time{}, false
		}
	}
	if i+1 < len(words) && isCurrencyWord(words[i+1]) {
		return time.Time{}, false
	}
	d, m := atoi(parts[0]), atoi(parts[1])
	if sep == "/" && strings.EqualFold(locale, "en-US") {
		d, m = m, d
	}
	if m < 1 || m > 12 || d < 1 || d > 31 {
		return time.Time{}, false
	}
	y, explicit := today.Year(), false
	if len(parts) == 3 {
		y, explicit = atoi(parts[2]), true
		if y < 100 {
			y += 2000
		}
	}
	t := time.Date(y, time.Month(m), d, 0, 0, 0, 0, time.UTC)
	if t.Day() != d {
		return time.Time{}, false // "31/11"
	}
	if !explicit && t.After(today) {
		t = t.AddDate(-1, 0, 0)
	}
	return t, true
}

// isCurrencyWord: a word that makes the number before it an amount.
func isCurrencyWord(w string) bool {
	switch w {
	case "euro", "euros", "eur", "cent", "dollar", "dollars", "bucks", "pound", "pounds", "quid", "pence", "p":
		return true
	}
	return false
}

// numericDateRange reads a day in digits as a period (numericDate): that
// day, or with since/seit/from/ab before it the days from then to today.
func numericDateRange(words []string, locale string, today time.Time) (DateRange, string, bool) {
	for i := range words {
		d, ok := numericDate(words, i, locale, today)
		if !ok {
			continue
		}
		start := i
		if i > 0 {
			switch words[i-1] {
			case "since", "from", "seit", "ab":
				return rng(d, today), strings.Join(words[i-1:i+1], " "), true
			case "dem", "the":
				if i > 1 && (words[i-2] == "seit" || words[i-2] == "since" || words[i-2] == "ab") {
					return rng(d, today), strings.Join(words[i-2:i+1], " "), true
				}
			case "on", "am", "vom":
				start = i - 1
			}
		}
		return rng(d, d), strings.Join(words[start:i+1], " "), true
	}
	return DateRange{}, "", false
}

// SpellDates writes each day in digits in normalized text as its day and
// month name ("am 1.11" → "am 1 november", "on 11/1/2026" → "on 1
// november 2026"; numericDate), the way the recognizer learnt dates, so
// that "und am 1.11." is read as a day, not as a PIN.
func SpellDates(norm, locale string, now time.Time) string {
	if !strings.ContainsAny(norm, "./") {
		return norm
	}
	words := strings.Fields(norm)
	names := enMonths
	if German(locale) {
		names = deMonths
	}
	changed := false
	for i := range words {
		d, ok := numericDate(words, i, locale, day(now))
		if !ok {
			continue
		}
		w := strconv.Itoa(d.Day()) + " " + names[d.Month()-1]
		if len(strings.FieldsFunc(words[i], func(r rune) bool { return r == '.' || r == '/' })) == 3 {
			w += " " + strconv.Itoa(d.Year())
		}
		words[i], changed = w, true
	}
	if !changed {
		return norm
	}
	return strings.Join(words, " ")
}

// withoutDateYears drops a year said right after a month name ("am 14
// november 2026" → "am 14 november") from what the recognizer's model
// reads: four digits after a month are part of the day, never a PIN.
func withoutDateYears(norm, locale string) string {
	words := strings.Fields(norm)
	out := words[:0:0]
	for i, w := range words {
		if i > 0 && len(w) == 4 && isDigits(w) && (w[:2] == "19" || w[:2] == "20") {
			if _, ok := monthIndex(words[i-1], locale); ok {
				continue
			}
		}
		out = append(out, w)
	}
	if len(out) == len(words) {
		return norm
	}
	return strings.Join(out, " ")
}
