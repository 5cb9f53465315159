package linking

import (
	"fmt"
	"net/http"

	"golang.org/x/text/language"
)

// locales are the languages of the pages, chosen by Accept-Language.
var locales = []string{"en-US", "en-GB", "de-DE"}

var localeMatcher = language.NewMatcher([]language.Tag{language.AmericanEnglish, language.BritishEnglish, language.MustParse("de-DE")})

// localeOf picks the page language for a request; en-US if nothing fits.
func localeOf(r *http.Request) string {
	tags, _, err := language.ParseAcceptLanguage(r.Header.Get("Accept-Language"))
	if err != nil || len(tags) == 0 {
		return locales[0]
	}
	_, i, conf := localeMatcher.Match(tags...)
	if conf == language.No {
		return locales[0]
	}
	return locales[i]
}

// text returns a page text in a locale, formatted with args; en-GB falls
// back to en-US for what is spelt the same.
func text(locale, key string, args ...any) string {
	s, ok := messages[locale][key]
	if !ok {
		s, ok = messages["en-US"][key]
	}
	if !ok {
		return key
	}
	if len(args) > 0 {
		return fmt.Sprintf(s, args...)
	}
	return s
}

var messages = map[string]map[string]string{
	"en-US": {
		"bank.title":         "Choose your bank",
		"bank.intro":         "%s wants to link your bank account through Konto.",
		"bank.legend":        "Your bank",
		"continue":           "Continue",
		"consent.title":      "Authorize Konto",
		"consent.intro":      "Choose what %s may do with your %s accounts through Konto.",
		"consent.legend":     "Allow Konto to",
		"scope.accounts":     "See your balances and transactions",
		"scope.payments":     "Move money to your saved payees, up to the daily limit, and make changes such as unlocking a card",
		"scope.alerts":       "Tell you about fraud alerts on your cards",
		"consent.days":       "For how long",
		"consent.days.hint":  "You can unlink at any time in the app.",
		"days":               "%d days",
		"allow":              "Allow",
		"cancel":             "Cancel",
		"consent.none":       "Choose at least one thing Konto may do, or cancel.",
		"signin.title":       "Sign in to %s",
		"signin.intro":       "Sign in with your online banking customer ID and password. Konto does not keep them.",
		"signin.sandbox":     "This is Konto's demo bank: sign in as one of its demo customers.",
		"signin.customer":    "Customer ID",
		"signin.password":    "Password",
		"signin.submit":      "Sign in",
		"signin.wrong":       "That customer ID and password don't match. Please try again.",
		"signin.limited":     "Too many attempts. Please wait a minute and try again.",
		"redirect.title":     "Continue at %s",
		"redirect.intro":     "You'll confirm the link on %s's own site, then come back here to finish.",
		"redirect.link":      "Continue to %s",
		"pin.title":          "Choose a voice PIN",
		"pin.intro":          "You'll say these four digits to confirm payments by voice. Don't use your card PIN.",
		"pin.pin":            "Voice PIN (4 digits)",
		"pin.again":          "Voice PIN again",
		"pin.submit":         "Finish linking",
		"pin.format":         "Your PIN needs exactly four digits.",
		"pin.mismatch":       "The two PINs don't match.",
		"pin.weak":           "That PIN is easy to guess. Please choose another one.",
		"pin.linked":         "Linked: %s.",
		"pin.another":        "Add another bank",
		"pin.another.hint":   "Have accounts at another bank too? Link it as well, and ask about all your accounts at once.",
		"bank.another.title": "Add another bank",
		"bank.another":       "Choose another bank to link. Konto will be allowed the same as at %s, and you'll sign in at that bank.",
		"conns.banks":        "Banks",
		"error.title":        "Linking didn't work",
		"error.expired":      "This linking session has expired. Please start again from the app.",
		"error.forbidden":    "This form didn't come from the linking page. Please start again from the app.",
		"error.request":      "This link isn't valid. Please start again from the app.",
		"error.unavailable":  "Something went wrong on our side. Please try again in a few minutes.",
		"error.bank":         "Your bank didn't confirm the link. Please start again from the app.",
		"error.bankdown":     "Your bank can't be reached right now. Please try again in a few minutes.",
		"conns.signin.title": "Your connections",
		"conns.signin.intro": "Sign in with your online banking customer ID and password to see which assistants can use your bank accounts through Konto.",
		"conns.title":        "Your connections",
		"conns.intro":        "Assistants that can use the accounts of customer %s at %s through Konto:",
		"conns.list":         "Connections",
		"conns.bank":         "Bank",
		"conns.scopes":       "Can",
		"conns.granted":      "Connected on",
		"conns.expires":      "Expires on",
		"conns.used":         "Last used",
		"conns.never":        "Not yet",
		"conns.revoke":       "Revoke",
		"conns.none":         "No assistant is connected to your accounts.",
		"conns.revoked":      "Access revoked. That assistant can no longer use your accounts.",
		"conns.unknown":      "That connection wasn't found.",
		"conns.expired":      "Your session has expired. Please sign in again.",
		"conns.signout":      "Sign out",
		"conns.signedout":    "You're signed out.",
		"konto":              "Konto",
	},
	"en-GB": {
		"consent.title": "Authorise Konto",
	},
	"de-DE": {
		"bank.title":         "Wählen Sie Ihre Bank",
		"bank.intro":         "%s möchte Ihr Bankkonto über Konto verknüpfen.",
		"bank.legend":        "Ihre Bank",
		"continue":           "Weiter",
		"consent.title":      "Konto berechtigen",
		"consent.intro":      "Legen Sie fest, was %s über Konto mit Ihren Konten bei %s tun darf.",
		"consent.legend":     "Konto darf",
		"scope.accounts":     "Kontostände und Umsätze sehen",
		"scope.payments":     "Geld an Ihre gespeicherten Empfänger überweisen, bis zum Tageslimit, und Änderungen wie das Entsperren einer Karte",
		"scope.alerts":       "Sie über Betrugswarnungen zu Ihren Karten informieren",
		"consent.days":       "Wie lange",
		"consent.days.hint":  "Sie können die Verknüpfung jederzeit in der App aufheben.",
		"days":               "%d Tage",
		"allow":              "Erlauben",
		"cancel":             "Abbrechen",
		"consent.none":       "Wählen Sie mindestens eine Berechtigung oder brechen Sie ab.",
		"signin.title":       "Bei %s anmelden",
		"signin.intro":       "Melden Sie sich mit Kundennummer und Passwort Ihres Onlinebankings an. Konto speichert sie nicht.",
		"signin.sandbox":     "Dies ist die Demo-Bank von Konto: Melden Sie sich als einer ihrer Demo-Kunden an.",
		"signin.customer":    "Kundennummer",
		"signin.password":    "Passwort",
		"signin.submit":      "Anmelden",
		"signin.wrong":       "Kundennummer und Passwort passen nicht zusammen. Bitte versuchen Sie es erneut.",
		"signin.limited":     "Zu viele Versuche. Bitte warten Sie eine Minute und versuchen Sie es dann erneut.",
		"redirect.title":     "Weiter bei %s",
		"redirect.intro":     "Sie bestätigen die Verknüpfung auf der Seite von %s und kommen dann hierher zurück.",
		"redirect.link":      "Weiter zu %s",
		"pin.title":          "Sprach-PIN festlegen",
		"pin.intro":          "Diese vier Ziffern sagen Sie, um Zahlungen per Sprache zu bestätigen. Nehmen Sie nicht Ihre Karten-PIN.",
		"pin.pin":            "Sprach-PIN (4 Ziffern)",
		"pin.again":          "Sprach-PIN wiederholen",
		"pin.submit":         "Verknüpfung abschließen",
		"pin.format":         "Die PIN muss genau vier Ziffern haben.",
		"pin.mismatch":       "Die beiden PINs stimmen nicht überein.",
		"pin.weak":           "Diese PIN ist leicht zu erraten. Bitte wählen Sie eine andere.",
		"pin.linked":         "Verknüpft: %s.",
		"pin.another":        "Weitere Bank hinzufügen",
		"pin.another.hint":   "Sie haben auch Konten bei einer anderen Bank? Verknüpfen Sie sie ebenfalls und fragen Sie nach allen Konten auf einmal.",
		"bank.another.title": "Weitere Bank hinzufügen",
		"bank.another":       "Wählen Sie eine weitere Bank. Konto darf dasselbe wie bei %s, und Sie melden sich bei dieser Bank an.",
		"conns.banks":        "Banken",
		"error.title":        "Verknüpfung fehlgeschlagen",
		"error.expired":      "Diese Sitzung ist abgelaufen. Bitte beginnen Sie in der App von vorn.",
		"error.forbidden":    "Dieses Formular stammt nicht von der Verknüpfungsseite. Bitte beginnen Sie in der App von vorn.",
		"error.request":      "Dieser Link ist ungültig. Bitte beginnen Sie in der App von vorn.",
		"error.unavailable":  "Bei uns ist etwas schiefgegangen. Bitte versuchen Sie es in ein paar Minuten erneut.",
		"error.bank":         "Ihre Bank hat die Verknüpfung nicht bestätigt. Bitte beginnen Sie in der App von vorn.",
		"error.bankdown":     "Ihre Bank ist gerade nicht erreichbar. Bitte versuchen Sie es in ein paar Minuten erneut.",
		"conns.signin.title": "Ihre Verbindungen",
		"conns.signin.intro": "Melden Sie sich mit Kundennummer und Passwort Ihres Onlinebankings an, um zu sehen, welche Assistenten Ihre Konten über Konto nutzen dürfen.",
		"conns.title":        "Ihre Verbindungen",
		"conns.intro":        "Assistenten, die die Konten von Kunde %s bei %s über Konto nutzen dürfen:",
		"conns.list":         "Verbindungen",
		"conns.bank":         "Bank",
		"conns.scopes":       "Darf",
		"conns.granted":      "Verbunden am",
		"conns.expires":      "Gültig bis",
		"conns.used":         "Zuletzt genutzt",
		"conns.never":        "Noch nicht",
		"conns.revoke":       "Widerrufen",
		"conns.none":         "Kein Assistent ist mit Ihren Konten verbunden.",
		"conns.revoked":      "Zugriff widerrufen. Dieser Assistent kann Ihre Konten nicht mehr nutzen.",
		"conns.unknown":      "Diese Verbindung wurde nicht gefunden.",
		"conns.expired":      "Ihre Sitzung ist abgelaufen. Bitte melden Sie sich erneut an.",
		"conns.signout":      "Abmelden",
		"conns.signedout":    "Sie sind abgemeldet.",
		"konto":              "Konto",
	},
}
