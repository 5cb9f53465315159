package skilltest

import (
	"context"
	"encoding/xml"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime/debug"
	"sort"
	"strings"
	"time"

	"github.com/kontoskill/konto/fixtures"
)

// File is one fixture file.
type File struct {
	Name string // "fixtures/conversations/en-US/balances.yaml", or the path given
	Data []byte
}

// Utterances reports whether the file is an utterance fixture rather
// than a conversation.
func (f File) Utterances() bool { return strings.Contains(f.Name, "utterances") }

// Files reads the named fixture files and folders (every .yaml below a
// folder), or with no paths every conversation and utterance fixture
// embedded in the fixtures package; sorted by name.
func Files(paths ...string) ([]File, error) {
	var out []File
	add := func(fsys fs.FS, root, prefix string) error {
		return fs.WalkDir(fsys, root, func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if d.IsDir() || !strings.HasSuffix(p, ".yaml") {
				return nil
			}
			b, err := fs.ReadFile(fsys, p)
			if err != nil {
				return err
			}
			out = append(out, File{Name: filepath.ToSlash(filepath.Join(prefix, p)), Data: b})
			return nil
		})
	}
	if len(paths) == 0 {
		for _, root := range []string{"conversations", "utterances"} {
			if err := add(fixtures.FS(), root, "fixtures"); err != nil {
				return nil, err
			}
		}
	}
	for _, p := range paths {
		st, err := os.Stat(p)
		if err != nil {
			return nil, err
		}
		if st.IsDir() {
			if err := add(os.DirFS(p), ".", p); err != nil {
				return nil, err
			}
			continue
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return nil, err
		}
		out = append(out, File{Name: p, Data: b})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

// Result is the outcome of one fixture file.
type Result struct {
	File, Name string
	// Failures are the expectations that did not hold; an error that
	// stopped the fixture is one of them ("error: ...").
	Failures []string
	Took     time.Duration
}

// RunFile runs one fixture file, conversation or utterances; it never
// panics on a bad fixture, it fails it.
func RunFile(ctx context.Context, f File, opt Options) (res Result) {
	start := time.Now()
	res = Result{File: f.Name}
	defer func() {
		if p := recover(); p != nil {
			res.Failures = append(res.Failures, fmt.Sprintf("error: panic: %v\n%s", p, debug.Stack()))
		}
		res.Took = time.Since(start)
	}()
	var err error
	if f.Utterances() {
		res.Name, res.Failures, err = RunUtterances(ctx, opt.recognizer(), f.Data)
	} else {
		var c *Conversation
		c, err = ParseConversation(f.Data)
		if c != nil {
			res.Name = c.Name
		}
		if err == nil {
			res.Failures, err = c.Run(ctx, opt)
		}
	}
	if err != nil {
		res.Failures = append(res.Failures, "error: "+err.Error())
	}
	return res
}

type junitSuites struct {
	XMLName xml.Name     `xml:"testsuites"`
	Suites  []junitSuite `xml:"testsuite"`
}

type junitSuite struct {
	Name     string      `xml:"name,attr"`
	Tests    int         `xml:"tests,attr"`
	Failures int         `xml:"failures,attr"`
	Cases    []junitCase `xml:"testcase"`
}

type junitCase struct {
	Name      string        `xml:"name,attr"`
	Classname string        `xml:"classname,attr"`
	Time      string        `xml:"time,attr"`
	Failure   *junitFailure `xml:"failure,omitempty"`
}

type junitFailure struct {
	Message string `xml:"message,attr"`
	Text    string `xml:",chardata"`
}

// WriteJUnit writes results as a JUnit XML report: one suite, one test
// case per fixture file.
func WriteJUnit(path string, results []Result) error {
	s := junitSuite{Name: "konto fixtures", Tests: len(results)}
	for _, r := range results {
		c := junitCase{Name: r.Name, Classname: r.File, Time: fmt.Sprintf("%.3f", r.Took.Seconds())}
		if len(r.Failures) > 0 {
			s.Failures++
			c.Failure = &junitFailure{Message: r.Failures[0], Text: strings.Join(r.Failures, "\n")}
		}
		s.Cases = append(s.Cases, c)
	}
	b, err := xml.MarshalIndent(junitSuites{Suites: []junitSuite{s}}, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(path, append([]byte(xml.Header), b...), 0o644)
}
