package intents

import (
	"context"
	"fmt"
	"reflect"
	"sort"
	"time"
)

// Report is the score of a recognizer on a held-out set.
type Report struct {
	Locale string
	N      int
	// Accuracy is the share of utterances whose intent is right.
	Accuracy float64
	// InScopeAccuracy covers banking utterances only.
	InScopeAccuracy float64
	// OOSRejection is the share of out-of-scope utterances answered Fallback.
	OOSRejection float64
	// FalseRejection is the share of banking utterances answered Fallback.
	FalseRejection float64
	// InScopeN and OOSN count the banking and the out-of-scope utterances.
	InScopeN, OOSN int
	// SlotAccuracy is right slot values over expected plus spurious ones.
	SlotAccuracy float64
	PerIntent    map[string]*IntentScore
	Confused     []Confusion
	Errors       []EvalError
}

// IntentScore holds precision, recall and F1 of one intent.
type IntentScore struct {
	TP, FP, FN        int
	Precision, Recall float64
	F1                float64
}

// Confusion is a pair of intents mistaken for each other, with the first
// utterance that was.
type Confusion struct {
	Want, Got string
	Count     int
	Example   string
}

// EvalError is one utterance the recognizer got wrong.
type EvalError struct {
	Text            string
	WantIntent, Got string
	WantSlots       Slots
	GotSlots        Slots
}

// Evaluate runs rec over examples and scores it. progress, if not nil, is
// called after each utterance.
func Evaluate(ctx context.Context, rec Recognizer, locale string, examples []Example, now time.Time, progress func(done, total int)) (*Report, error) {
	r := &Report{Locale: locale, N: len(examples), PerIntent: map[string]*IntentScore{}}
	score := func(name string) *IntentScore {
		s, ok := r.PerIntent[name]
		if !ok {
			s = &IntentScore{}
			r.PerIntent[name] = s
		}
		return s
	}
	confused := map[[2]string]int{}
	confusedEx := map[[2]string]string{}
	var right, inN, inRight, oosN, oosRight, falseRej int
	var slotRight, slotTotal int
	for i, ex := range examples {
		res, err := rec.Parse(ctx, ex.Text, locale, now)
		if err != nil {
			return nil, err
		}
		ok := res.Intent == ex.Intent
		if ok {
			right++
			score(ex.Intent).TP++
		} else {
			score(ex.Intent).FN++
			score(res.Intent).FP++
			pair := [2]string{ex.Intent, res.Intent}
			if confused[pair] == 0 {
				confusedEx[pair] = ex.Text
			}
			confused[pair]++
		}
		if ex.Intent == Fallback {
			oosN++
			if ok {
				oosRight++
			}
		} else {
			inN++
			if ok {
				inRight++
			}
			if res.Intent == Fallback {
				falseRej++
			}
			for k, want := range ex.Slots {
				if ex.slotsUnscored {
					break
				}
				slotTotal++
				if reflect.DeepEqual(res.Slots[k], want) {
					slotRight++
				}
			}
			for k := range res.Slots {
				if ex.slotsUnscored {
					break
				}
				if _, expected := ex.Slots[k]; !expected {
					slotTotal++ // spurious
				}
			}
		}
		slotsOK := true
		if ex.Intent != Fallback && !ex.slotsUnscored {
			slotsOK = reflect.DeepEqual(map[string]any(res.Slots), map[string]any(ex.Slots)) || (len(res.Slots) == 0 && len(ex.Slots) == 0)
		}
		if !ok || !slotsOK {
			r.Errors = append(r.Errors, EvalError{Text: ex.Text, WantIntent: ex.Intent, Got: res.Intent, WantSlots: ex.Slots, GotSlots: res.Slots})
		}
		if progress != nil {
			progress(i+1, len(examples))
		}
	}
	div := func(a, b int) float64 {
		if b == 0 {
			return 1
		}
		return float64(a) / float64(b)
	}
	r.Accuracy = div(right, len(examples))
	r.InScopeN, r.OOSN = inN, oosN
	r.InScopeAccuracy = div(inRight, inN)
	r.OOSRejection = div(oosRight, oosN)
	r.FalseRejection = float64(falseRej) / float64(max(inN, 1)) // no banking lines: none taken for out of scope
	r.SlotAccuracy = div(slotRight, slotTotal)
	for _, s := range r.PerIntent {
		s.Precision = div(s.TP, s.TP+s.FP)
		s.Recall = div(s.TP, s.TP+s.FN)
		if s.Precision+s.Recall > 0 {
			s.F1 = 2 * s.Precision * s.Recall / (s.Precision + s.Recall)
		}
	}
	for k, n := range confused {
		r.Confused = append(r.Confused, Confusion{Want: k[0], Got: k[1], Count: n, Example: confusedEx[k]})
	}
	sort.Slice(r.Confused, func(i, j int) bool {
		if r.Confused[i].Count != r.Confused[j].Count {
			return r.Confused[i].Count > r.Confused[j].Count
		}
		return fmt.Sprint(r.Confused[i]) < fmt.Sprint(r.Confused[j])
	})
	return r, nil
}
