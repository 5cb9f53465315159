package intents

import (
	"bufio"
	"fmt"
	"os"
	"testing"

	"gopkg.in/yaml.v3"
)

func TestZZFAQDebug(t *testing.T) {
	loc := os.Getenv("ZZLOC")
	if loc == "" {
		t.Skip()
	}
	var sheet struct {
		FAQ []struct {
			ID        string   `yaml:"id"`
			Questions []string `yaml:"questions"`
		} `yaml:"faq"`
	}
	b, _ := os.ReadFile("../fixtures/sandbox/product-" + loc + ".yaml")
	if err := yaml.Unmarshal(b, &sheet); err != nil {
		t.Fatal(err)
	}
	var items []FAQItem
	for _, e := range sheet.FAQ {
		items = append(items, FAQItem{ID: e.ID, Questions: e.Questions})
	}
	f := NewFAQ(loc, items)
	in, _ := os.Open(os.Getenv("ZZIN"))
	sc := bufio.NewScanner(in)
	for sc.Scan() {
		m, ok := f.Match(sc.Text())
		fmt.Printf("%-50q %v %s %.3f\n", sc.Text(), ok, m.ID, m.Score)
	}
}
