package skill

import "testing"

// TestPlainMessagesRenderAsThePrinter holds lang.msg's fmt path to the
// x/text printer's rendering, for every message it takes in every locale,
// with arguments that look like what Konto passes (amounts, names).
func TestPlainMessagesRenderAsThePrinter(t *testing.T) {
	args := []any{"$1,234.56", "1.234,56\u00a0€", "Tom Nguyen", "100% sure", "%s", "Everyday Checking ••4821"}
	for locale, l := range langs {
		if len(l.plain) == 0 {
			t.Fatalf("%s: no plain messages", locale)
		}
		for key, m := range l.plain {
			a := make([]any, m.args)
			for i := range a {
				a[i] = args[i%len(args)]
			}
			if got, want := l.msg(key, a...), l.printer.Sprintf(key, a...); got != want {
				t.Errorf("%s %s: %q, printer %q", locale, key, got, want)
			}
		}
	}
	for _, c := range []struct {
		format string
		args   int
		ok     bool
	}{
		{"Okay, %s.", 1, true}, {"no verbs", 0, true}, {"100%% of %s", 1, true},
		{"%d items", 0, false}, {"%[1]s", 0, false}, {"%5s", 0, false}, {"${x}", 0, false}, {"50%", 0, false},
	} {
		m, ok := plainOf(c.format)
		if ok != c.ok || ok && m.args != c.args {
			t.Errorf("plainOf(%q) = %+v, %v; want %d args, %v", c.format, m, ok, c.args, c.ok)
		}
	}
}
