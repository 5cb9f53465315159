package skilltest

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"testing"
)

func TestZZParse(t *testing.T) {
	loc := os.Getenv("ZZLOC")
	if loc == "" {
		t.Skip()
	}
	in, _ := os.Open(os.Getenv("ZZIN"))
	sc := bufio.NewScanner(in)
	for sc.Scan() {
		r, err := Recognizer().Parse(context.Background(), sc.Text(), loc, DefaultNow)
		fmt.Printf("%-50q %s %.3f %v %v\n", sc.Text(), r.Intent, r.Confidence, r.Slots, err)
	}
}
