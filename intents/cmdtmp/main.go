package main

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/kontoskill/konto/intents"
)

func main() {
	rec := intents.NewOffline()
	loc := os.Args[1]
	for _, t := range os.Args[2:] {
		res, _ := rec.Parse(context.Background(), t, loc, time.Now())
		fmt.Printf("%-45q %-18s %.2f %v\n", t, res.Intent, res.Confidence, res.Slots)
	}
}
