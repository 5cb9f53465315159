package main

import (
	"encoding/xml"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestKontoTestRunsAllFixtures(t *testing.T) {
	junit := filepath.Join(t.TempDir(), "junit.xml")
	out, err := run(t, "", "test", "--junit", junit)
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if !strings.Contains(out, " passed, 0 failed") || strings.Contains(out, "FAIL") {
		t.Fatalf("output:\n%s", out)
	}
	b, err := os.ReadFile(junit)
	if err != nil {
		t.Fatal(err)
	}
	var j struct {
		Suites []struct {
			Tests    int `xml:"tests,attr"`
			Failures int `xml:"failures,attr"`
			Cases    []struct {
				Name      string `xml:"name,attr"`
				Classname string `xml:"classname,attr"`
			} `xml:"testcase"`
		} `xml:"testsuite"`
	}
	if err := xml.Unmarshal(b, &j); err != nil || len(j.Suites) != 1 || j.Suites[0].Tests < 20 || j.Suites[0].Failures != 0 ||
		len(j.Suites[0].Cases) != j.Suites[0].Tests {
		t.Fatalf("junit %+v %v", j, err)
	}
}

func TestKontoTestReportsFailures(t *testing.T) {
	dir := t.TempDir()
	bad := `name: A wrong expectation
locale: en-US
customer: alice
turns:
  - user: what's my checking balance
    expect: {speech: '^You are broke\.$'}
bank:
  - balance: {account: checking, change: "-1.00"}
`
	if err := os.WriteFile(filepath.Join(dir, "bad.yaml"), []byte(bad), 0o600); err != nil {
		t.Fatal(err)
	}
	junit := filepath.Join(dir, "junit.xml")
	out, err := run(t, "", "test", "--junit", junit, dir)
	if err == nil {
		t.Fatalf("a failing fixture passed:\n%s", out)
	}
	for _, want := range []string{"FAIL", "want speech /^You are broke\\.$/", "got  \"Your Everyday Checking has", "checking changed by 0.00, want -1.00", "0 passed, 1 failed"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	b, _ := os.ReadFile(junit)
	if !strings.Contains(string(b), `failures="1"`) || !strings.Contains(string(b), "<failure") {
		t.Fatalf("junit:\n%s", b)
	}
}

// TestKontoTestReportsABadPattern: a regular expression that does not
// compile fails its fixture (and only it) with the reason, never a panic.
func TestKontoTestReportsABadPattern(t *testing.T) {
	dir := t.TempDir()
	bad := `name: A pattern that does not compile
customer: alice
turns:
  - user: what's my checking balance
    expect: {speech: "(unclosed"}
`
	good := `name: A fine one
customer: alice
turns:
  - user: what's my checking balance
    expect: {speech: '^Your Everyday Checking has'}
`
	for name, y := range map[string]string{"bad.yaml": bad, "good.yaml": good} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(y), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	out, err := run(t, "", "test", dir)
	if err == nil {
		t.Fatalf("a fixture with a bad pattern passed:\n%s", out)
	}
	for _, want := range []string{"FAIL " + filepath.Join(dir, "bad.yaml"), "turn 1: speech: error parsing regexp", "(unclosed",
		"ok   " + filepath.Join(dir, "good.yaml"), "1 passed, 1 failed"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "panic") || strings.Contains(out, "goroutine") {
		t.Errorf("output:\n%s", out)
	}
}
