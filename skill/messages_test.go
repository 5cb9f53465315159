package skill

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"io"
	"io/fs"
	"log/slog"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/kontoskill/konto/banks"
)

// msgUse is how the code calls a message: the key (or, for keys made
// from data, the literal prefix) and the number of arguments it passes.
type msgUse struct {
	key    string
	prefix bool
	args   int
	at     string
}

// msgUses finds every l.msg(key, args...) in the package's non-test
// files. A key that is neither a string literal nor a literal plus
// something ("category." + c) is reported as an error: nothing could
// check its arguments.
func msgUses(t *testing.T) []msgUse {
	t.Helper()
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	var uses []msgUse
	fset := token.NewFileSet()
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		ast.Inspect(f, func(n ast.Node) bool {
			call, ok := n.(*ast.CallExpr)
			if !ok {
				return true
			}
			sel, ok := call.Fun.(*ast.SelectorExpr)
			if !ok || sel.Sel.Name != "msg" || len(call.Args) == 0 {
				return true
			}
			at := fset.Position(call.Pos()).String()
			if call.Ellipsis.IsValid() {
				t.Errorf("%s: msg called with a spread argument list; pass the arguments one by one", at)
				return true
			}
			u := msgUse{args: len(call.Args) - 1, at: at}
			switch k := call.Args[0].(type) {
			case *ast.BasicLit:
				u.key, _ = strconv.Unquote(k.Value)
			case *ast.BinaryExpr:
				lit, ok := k.X.(*ast.BasicLit)
				if !ok || k.Op != token.ADD || lit.Kind != token.STRING {
					t.Errorf("%s: a message key must be a literal or a literal prefix plus a name", at)
					return true
				}
				u.key, _ = strconv.Unquote(lit.Value)
				u.prefix = true
			default:
				t.Errorf("%s: a message key must be a literal or a literal prefix plus a name", at)
				return true
			}
			uses = append(uses, u)
			return true
		})
	}
	if len(uses) < 100 {
		t.Fatalf("found only %d uses of msg; is the scan broken?", len(uses))
	}
	return uses
}

// verb is one substitution of a format string: which argument (1-based)
// and the verb letter.
type verb struct {
	arg  int
	char byte
}

// verbs parses a format string as fmt and x/text do, for what matters
// here: the arguments it uses, and whether it names them by index (a
// format with indexes may leave arguments out; one without may not).
func verbs(format string) (vs []verb, indexed bool, err error) {
	next := 1
	for i := 0; i < len(format); i++ {
		if format[i] != '%' {
			continue
		}
		i++
		if i < len(format) && format[i] == '%' {
			continue
		}
		for i < len(format) && strings.IndexByte("+-# 0", format[i]) >= 0 {
			i++
		}
		if i < len(format) && format[i] == '[' {
			end := strings.IndexByte(format[i:], ']')
			if end < 0 {
				return nil, false, fmt.Errorf("unclosed [ in %q", format)
			}
			n, err := strconv.Atoi(format[i+1 : i+end])
			if err != nil || n < 1 {
				return nil, false, fmt.Errorf("bad index in %q", format)
			}
			next, indexed = n, true
			i += end + 1
		}
		for i < len(format) && (format[i] >= '0' && format[i] <= '9' || format[i] == '.') {
			i++
		}
		if i >= len(format) {
			return nil, false, fmt.Errorf("%q ends inside a verb", format)
		}
		vs = append(vs, verb{arg: next, char: format[i]})
		next++
	}
	return vs, indexed, nil
}

// argCounts gives every key of the catalog the number of arguments the
// code passes it, from a literal use or the longest prefix use.
func argCounts(uses []msgUse, keys []string) (map[string]int, []string) {
	var problems []string
	counts := map[string]int{}
	from := map[string]string{}
	bestPrefix := map[string]int{}
	for _, u := range uses {
		for _, k := range keys {
			switch {
			case !u.prefix && k == u.key:
			case u.prefix && strings.HasPrefix(k, u.key) && len(u.key) >= bestPrefix[k]:
				if len(u.key) > bestPrefix[k] {
					delete(counts, k)
				}
				bestPrefix[k] = len(u.key)
			default:
				continue
			}
			if n, ok := counts[k]; ok && n != u.args {
				problems = append(problems, fmt.Sprintf("%s: %q gets %d arguments here and %d at %s", u.at, k, u.args, n, from[k]))
				continue
			}
			counts[k], from[k] = u.args, u.at
		}
	}
	return counts, problems
}

// catalogProblems checks a loaded catalog against the code's uses: every
// key the code names exists in every locale (a falling-back locale counts
// its fallback) and no other key does; no message is empty; a locale
// with a fallback says differently what it overrides; every message uses
// only the arguments it gets, all of them unless it names them by
// index, each argument as the same kind in every locale, and renders
// without a "%!" complaint.
func catalogProblems(set messageSet, ls map[string]lang, uses []msgUse) []string {
	var problems []string
	base := set.all["en-US"]
	keys := slices.Sorted(maps.Keys(base))
	counts, p := argCounts(uses, keys)
	problems = append(problems, p...)
	for _, u := range uses {
		found := false
		for _, k := range keys {
			found = found || k == u.key || (u.prefix && strings.HasPrefix(k, u.key))
		}
		if !found {
			problems = append(problems, fmt.Sprintf("%s: no message %q in en-US", u.at, u.key))
		}
	}
	for _, k := range keys {
		if _, ok := counts[k]; !ok {
			problems = append(problems, fmt.Sprintf("en-US: %q is used nowhere in the code", k))
		}
	}
	for _, ml := range messageLocales {
		all := set.all[ml.Locale]
		for _, k := range keys {
			if _, ok := all[k]; !ok {
				problems = append(problems, fmt.Sprintf("%s: no message %q", ml.Locale, k))
			}
		}
		for k, v := range all {
			if _, ok := base[k]; !ok {
				problems = append(problems, fmt.Sprintf("%s: %q is not an en-US key", ml.Locale, k))
			}
			if strings.TrimSpace(v) == "" {
				problems = append(problems, fmt.Sprintf("%s: %q has no text", ml.Locale, k))
			}
			if strings.Contains(v, "${") {
				problems = append(problems, fmt.Sprintf("%s: %q has a catalog substitution ${...}", ml.Locale, k))
			}
		}
		if ml.Fallback != "" {
			for k, v := range set.own[ml.Locale] {
				if v == set.all[ml.Fallback][k] {
					problems = append(problems, fmt.Sprintf("%s: %q says the same as %s; leave it to the fallback", ml.Locale, k, ml.Fallback))
				}
			}
		}
	}
	for _, k := range keys {
		n, ok := counts[k]
		if !ok {
			continue
		}
		kinds := map[int]byte{}
		used := map[int]bool{}
		for _, ml := range messageLocales {
			format, ok := set.all[ml.Locale][k]
			if !ok {
				continue
			}
			vs, indexed, err := verbs(format)
			if err != nil {
				problems = append(problems, fmt.Sprintf("%s %s: %v", ml.Locale, k, err))
				continue
			}
			distinct := map[int]bool{}
			for _, v := range vs {
				if v.arg > n {
					problems = append(problems, fmt.Sprintf("%s %s: uses argument %d of %d", ml.Locale, k, v.arg, n))
					continue
				}
				if c, ok := kinds[v.arg]; ok && c != v.char {
					problems = append(problems, fmt.Sprintf("%s %s: argument %d is %%%c here and %%%c elsewhere", ml.Locale, k, v.arg, v.char, c))
				}
				kinds[v.arg], used[v.arg], distinct[v.arg] = v.char, true, true
			}
			if !indexed && len(distinct) != n {
				problems = append(problems, fmt.Sprintf("%s %s: uses %d of its %d arguments (leaving one out needs %%[n] indexes)", ml.Locale, k, len(distinct), n))
			}
		}
		for i := 1; i <= n; i++ {
			if !used[i] {
				problems = append(problems, fmt.Sprintf("%s: argument %d is used by no locale", k, i))
			}
		}
		// Render with arguments of the right kind.
		args := make([]any, n)
		for i := range args {
			args[i] = fmt.Sprintf("‹%d›", i+1)
			if kinds[i+1] == 'd' {
				args[i] = 7
			}
		}
		for _, ml := range messageLocales {
			if _, ok := set.all[ml.Locale][k]; !ok {
				continue
			}
			got := ls[ml.Locale].msg(k, args...)
			if strings.Contains(got, "%!") || strings.Contains(got, "$!") || got == k {
				problems = append(problems, fmt.Sprintf("%s %s renders as %q", ml.Locale, k, got))
			}
		}
	}
	return problems
}

func TestMessageCatalog(t *testing.T) {
	t.Parallel()
	for _, p := range catalogProblems(messages, langs, msgUses(t)) {
		t.Error(p)
	}
	for _, ml := range messageLocales {
		t.Logf("%s: %d messages of its own, %d with its fallback", ml.Locale, len(messages.own[ml.Locale]), len(messages.all[ml.Locale]))
	}
}

// TestMessageCatalogCatchesMistakes breaks a copy of the catalog in the
// ways the catalog test must catch, and checks that it does.
func TestMessageCatalogCatchesMistakes(t *testing.T) {
	t.Parallel()
	uses := msgUses(t)
	sub, err := fs.Sub(messageFiles, "messages")
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name       string
		locale     string
		key, value string // an empty value removes the key
		want       string // a regular expression one problem matches
	}{
		{"missing in de-DE", "de-DE", "balance.one", "", `de-DE: no message "balance\.one"`},
		{"EXTRA: one argument fewer", "de-DE", "pay.source_blocked", "%s ist gerade gesperrt.", `uses 1 of its 3 arguments`},
		{"MISSING: one argument more", "de-DE", "balance.one", "Auf deinem %s sind %s %s.", `uses argument 3 of 2|renders as .*%!s\(MISSING\)`},
		{"wrong kind", "de-DE", "pin.wrong.many", "Noch %d Versuche.", `argument 1 is %d here|renders as .*%!d\(string`},
		{"en-GB says what en-US says", "en-GB", "goodbye", "Goodbye.", `en-GB: "goodbye" says the same as en-US`},
		{"unknown key", "de-DE", "no.such.key", "Hallo.", `de-DE: "no\.such\.key" is not an en-US key`},
		{"empty", "de-DE", "goodbye", " ", `de-DE: "goodbye" has no text`},
	} {
		t.Run(c.name, func(t *testing.T) {
			fsys := fstest.MapFS{}
			for _, ml := range messageLocales {
				b, err := fs.ReadFile(sub, ml.Locale+".yaml")
				if err != nil {
					t.Fatal(err)
				}
				fsys[ml.Locale+".yaml"] = &fstest.MapFile{Data: b}
			}
			b := fsys[c.locale+".yaml"].Data
			line := regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(c.key) + `: .*\n`)
			b = line.ReplaceAll(b, nil)
			if c.value != "" {
				b = append(b, []byte(fmt.Sprintf("%s: %q\n", c.key, c.value))...)
			}
			fsys[c.locale+".yaml"].Data = b
			set, err := loadMessages(fsys)
			if err != nil {
				t.Fatal(err)
			}
			ls, err := printers(set)
			if err != nil {
				t.Fatal(err)
			}
			problems := catalogProblems(set, ls, uses)
			re := regexp.MustCompile(c.want)
			for _, p := range problems {
				if re.MatchString(p) {
					return
				}
			}
			t.Fatalf("no problem matches /%s/; got %q", c.want, problems)
		})
	}
}

// TestMessageFallback: en-GB holds its own wording and takes the rest
// from en-US; a key en-US lacks is refused when loading.
func TestMessageFallback(t *testing.T) {
	t.Parallel()
	gb, us := langs["en-GB"], langs["en-US"]
	if got, want := gb.msg("kind.checking"), "current account"; got != want {
		t.Errorf("en-GB kind.checking = %q, want %q", got, want)
	}
	if got, want := gb.msg("goodbye"), us.msg("goodbye"); got != want {
		t.Errorf("en-GB goodbye = %q, want en-US's %q", got, want)
	}
	if _, own := messages.own["en-GB"]["goodbye"]; own {
		t.Error("en-GB.yaml repeats goodbye; it should come from en-US")
	}
	fsys := fstest.MapFS{
		"en-US.yaml": {Data: []byte(`goodbye: "Goodbye."`)},
		"de-DE.yaml": {Data: []byte(`goodbye: "Tschüss."`)},
		"en-GB.yaml": {Data: []byte(`cheerio: "Cheerio."`)},
	}
	if _, err := loadMessages(fsys); err == nil || !strings.Contains(err.Error(), "cheerio") {
		t.Errorf("loading an en-GB key en-US lacks: err = %v, want one naming it", err)
	}
}

// TestRefusalReasons: every reason the sandbox bank (and Konto's own
// limits) can refuse with gets its own sentence in every locale, not the
// general one. The reasons are read from the sandbox's source, so that a
// new banks.Refuse there fails here until it has a sentence.
func TestRefusalReasons(t *testing.T) {
	t.Parallel()
	reasons := map[string]bool{
		// Built from a prefix in the sandbox ("account_" + status), or
		// refused elsewhere: Konto's daily limit, a locked card.
		"account_frozen": true, "account_closed": true, "daily_limit": true, "card_locked": true,
	}
	literal := regexp.MustCompile(`banks\.Refuse\(\s*\w+,\s*"([a-z_]+)"\s*(\+)?`)
	for _, dir := range []string{"../banks/sandbox", "sqlite"} {
		files, _ := filepath.Glob(filepath.Join(dir, "*.go"))
		for _, name := range files {
			if strings.HasSuffix(name, "_test.go") {
				continue
			}
			b, err := os.ReadFile(name)
			if err != nil {
				t.Fatal(err)
			}
			for _, m := range literal.FindAllStringSubmatch(string(b), -1) {
				if m[2] != "" {
					// A prefix: the reasons it makes must be listed above.
					found := false
					for r := range reasons {
						found = found || strings.HasPrefix(r, m[1])
					}
					if !found {
						t.Errorf("%s refuses with %q + ...; list the reasons it makes in this test", name, m[1])
					}
					continue
				}
				reasons[m[1]] = true
			}
		}
	}
	if len(reasons) < 9 {
		t.Fatalf("found only %d reasons (%v); is the scan broken?", len(reasons), slices.Sorted(maps.Keys(reasons)))
	}
	s := New(Config{Log: slog.New(slog.NewTextHandler(io.Discard, nil))})
	for _, ml := range messageLocales {
		r := &Request{Locale: ml.Locale}
		general := s.speakError(r, banks.Refuse("test", "no_such_reason")).Speech
		if want := langs[ml.Locale].msg("refused.other"); general != want {
			t.Errorf("%s: an unknown reason says %q, want %q", ml.Locale, general, want)
		}
		seen := map[string]string{}
		for _, reason := range slices.Sorted(maps.Keys(reasons)) {
			// Wrapped as a connector or the core would wrap it.
			err := fmt.Errorf("paying: %w", banks.E("skill.transfer", banks.Other, banks.Refuse("sandbox.Pay", reason)))
			resp := s.speakError(r, err)
			switch {
			case resp.Speech == general:
				t.Errorf("%s %s: the general refusal %q", ml.Locale, reason, resp.Speech)
			case seen[resp.Speech] != "":
				t.Errorf("%s %s: the same sentence as %s: %q", ml.Locale, reason, seen[resp.Speech], resp.Speech)
			case strings.Contains(resp.Speech, "%!") || !resp.EndSession:
				t.Errorf("%s %s: %+v", ml.Locale, reason, resp)
			}
			seen[resp.Speech] = reason
		}
	}
}
