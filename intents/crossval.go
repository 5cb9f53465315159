package intents

import (
	"context"
	"fmt"
	"sync"
	"time"
)

// CV is the score of a k-fold cross-validation over a locale's training data.
type CV struct {
	Folds int
	*Report
}

// CrossValidate scores the offline model of a locale by k-fold
// cross-validation over its training data, split by whole template: all
// expansions (and framings) of one template sit in the same fold, so a
// phrasing is never scored by a model that trained on it. It measures
// changes to the model on data it was not tuned on; slots are not scored.
func CrossValidate(locale string, k int) (*CV, error) {
	if k < 2 {
		return nil, fmt.Errorf("intents: cross-validation needs at least 2 folds, not %d", k)
	}
	all, err := TrainingExamples(locale)
	if err != nil {
		return nil, err
	}
	models := make([]*Offline, k)
	var wg sync.WaitGroup
	for f := range k {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var tr []Example
			for _, ex := range all {
				if foldOf(ex, k) != f {
					tr = append(tr, ex)
				}
			}
			models[f] = offlineWith(baseLocale(locale), train(locale, tr))
		}()
	}
	wg.Wait()
	var test []Example
	var folds []int
	for f := range k {
		for _, ex := range all {
			if foldOf(ex, k) == f {
				ex.Slots, ex.slotsUnscored = Slots{}, true
				test = append(test, ex)
				folds = append(folds, f)
			}
		}
	}
	rec := &foldRecognizer{models: models, folds: folds}
	r, err := Evaluate(context.Background(), rec, locale, test, time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC), nil)
	if err != nil {
		return nil, err
	}
	return &CV{Folds: k, Report: r}, nil
}

// foldOf spreads templates over folds; the multiplier keeps neighbouring
// templates (often paraphrases of each other) in different folds.
func foldOf(ex Example, k int) int { return (ex.group * 7919) % k }

// offlineWith is an Offline recognizer that serves a trained model.
func offlineWith(locale string, m *model) *Offline {
	lm := &lazyModel{m: m}
	lm.once.Do(func() {})
	return &Offline{models: map[string]*lazyModel{locale: lm}}
}

// foldRecognizer answers the i-th utterance Evaluate asks about with the
// model that did not train on its fold (Evaluate asks in order).
type foldRecognizer struct {
	models []*Offline
	folds  []int
	i      int
}

func (r *foldRecognizer) Parse(ctx context.Context, text, locale string, now time.Time) (Result, error) {
	m := r.models[r.folds[r.i]]
	r.i++
	return m.Parse(ctx, text, locale, now)
}
