package skill

import (
	"embed"
	"fmt"
	"io/fs"
	"maps"
	"strings"

	"golang.org/x/text/language"
	"golang.org/x/text/message"
	"golang.org/x/text/message/catalog"
	"gopkg.in/yaml.v3"
)

// Every sentence Konto says is a message in a catalog per locale,
// messages/LOCALE.yaml: a flat map from a short dotted key ("balance.one",
// "pin.wrong.many") to a format string for golang.org/x/text/message. The
// files are loaded once into an x/text catalog, and a request's lang
// renders a key with its locale's printer (lang.msg).
//
//go:embed messages/*.yaml
var messageFiles embed.FS

// messageLocales are the catalog's locales, each with the locale it falls
// back to. A locale with a fallback holds only the keys whose wording
// differs: en-GB.yaml says "current account" and "3 November" and takes
// everything else from en-US.yaml. A locale without one holds every key.
// Fallbacks come before the locales that use them.
var messageLocales = []struct{ Locale, Fallback string }{
	{"en-US", ""},
	{"de-DE", ""},
	{"en-GB", "en-US"},
}

// messageSet is the loaded catalog: each locale's file as written (own)
// and with its fallback filled in (all), which is what is spoken.
type messageSet struct {
	own, all map[string]map[string]string
}

// loadMessages reads LOCALE.yaml for every locale of messageLocales from
// fsys and fills in the fallbacks. A file that is missing or not a flat
// map of strings, a duplicate key, or a key of a falling-back locale that
// its fallback lacks is an error.
func loadMessages(fsys fs.FS) (messageSet, error) {
	set := messageSet{own: map[string]map[string]string{}, all: map[string]map[string]string{}}
	for _, ml := range messageLocales {
		b, err := fs.ReadFile(fsys, ml.Locale+".yaml")
		if err != nil {
			return set, fmt.Errorf("messages: %w", err)
		}
		var own map[string]string
		if err := yaml.Unmarshal(b, &own); err != nil {
			return set, fmt.Errorf("messages: %s.yaml: %w", ml.Locale, err)
		}
		all := map[string]string{}
		if ml.Fallback != "" {
			base, ok := set.all[ml.Fallback]
			if !ok {
				return set, fmt.Errorf("messages: %s falls back to %s, which is not loaded before it", ml.Locale, ml.Fallback)
			}
			for k := range own {
				if _, ok := base[k]; !ok {
					return set, fmt.Errorf("messages: %s.yaml has %q, which %s.yaml lacks", ml.Locale, k, ml.Fallback)
				}
			}
			maps.Copy(all, base)
		}
		maps.Copy(all, own)
		set.own[ml.Locale], set.all[ml.Locale] = own, all
	}
	return set, nil
}

// printers builds the x/text catalog from a loaded set, one language per
// locale with every key (fallbacks filled in, so that the catalog's own
// lookup by language parent, en-GB → en, is never needed), and returns a
// lang per locale.
func printers(set messageSet) (map[string]lang, error) {
	b := catalog.NewBuilder(catalog.Fallback(language.AmericanEnglish))
	out := map[string]lang{}
	for _, ml := range messageLocales {
		tag := language.MustParse(ml.Locale)
		plain := map[string]plainMessage{}
		for k, v := range set.all[ml.Locale] {
			if err := b.SetString(tag, k, v); err != nil {
				return nil, fmt.Errorf("messages: %s %s: %w", ml.Locale, k, err)
			}
			if m, ok := plainOf(v); ok {
				plain[k] = m
			}
		}
		out[ml.Locale] = lang{locale: ml.Locale, printer: message.NewPrinter(tag, message.Catalog(b)), plain: plain}
	}
	return out, nil
}

// messages and langs are the embedded catalog, loaded at start-up: a
// broken catalog stops the program at once (and fails every test).
var messages, langs = mustLoad()

func mustLoad() (messageSet, map[string]lang) {
	sub, err := fs.Sub(messageFiles, "messages")
	if err != nil {
		panic(err)
	}
	set, err := loadMessages(sub)
	if err != nil {
		panic(err)
	}
	ls, err := printers(set)
	if err != nil {
		panic(err)
	}
	return set, ls
}

// msg renders a message of the request's locale with its arguments. Keys
// are literals or a literal prefix and a name ("category." + c), so that
// messages_test.go can find every use and check its arguments.
func (l lang) msg(key string, args ...any) string {
	if m, ok := l.plain[key]; ok && m.args == len(args) && allStrings(args) {
		return fmt.Sprintf(m.format, args...)
	}
	return l.printer.Sprintf(key, args...)
}

func allStrings(args []any) bool {
	for _, a := range args {
		if _, ok := a.(string); !ok {
			return false
		}
	}
	return true
}

// plainOf reports whether a message's only verbs are %s (%% aside), and
// how many: no argument indexes, widths or flags, no x/text ${…}.
func plainOf(format string) (plainMessage, bool) {
	if strings.Contains(format, "${") {
		return plainMessage{}, false
	}
	n := 0
	for i := 0; i < len(format); i++ {
		if format[i] != '%' {
			continue
		}
		if i+1 == len(format) {
			return plainMessage{}, false
		}
		switch format[i+1] {
		case 's':
			n++
		case '%':
		default:
			return plainMessage{}, false
		}
		i++
	}
	return plainMessage{format: format, args: n}, true
}

// has reports whether the locale has a message, for keys made from data
// (a reason, a category) that fall back to a general message.
func (l lang) has(key string) bool {
	_, ok := messages.all[l.locale][key]
	return ok
}
