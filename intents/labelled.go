package intents

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"path"
	"strings"
)

// LabelledFile is a file of labelled utterances read by ReadLabelled.
type LabelledFile struct {
	Examples []Example
	// Locale and Now (YYYY-MM-DD) are those the file names; only the YAML
	// format carries them, so they are empty for JSONL and CSV.
	Locale, Now string
}

// ReadLabelled reads labelled utterances in one of three formats, chosen
// by the file name's extension:
//
//   - .yaml, .yml: the format of the held-out sets (see ParseExamples);
//   - .jsonl, .ndjson: one {"text", "intent", "slots"?} object a line,
//     slots as `konto nlu parse` writes them (a line without "slots" is
//     not scored on slots);
//   - .csv: rows of text,intent (a first row "text,intent" is a header),
//     not scored on slots.
//
// A bank partner can thus score Konto on its own logs. An unknown intent
// name is an error that names the line.
func ReadLabelled(name string, b []byte) (LabelledFile, error) {
	switch strings.ToLower(path.Ext(name)) {
	case ".yaml", ".yml":
		ex, loc, now, err := ParseExamples(b)
		if err != nil {
			return LabelledFile{}, fmt.Errorf("%s: %w", name, err)
		}
		return LabelledFile{Examples: ex, Locale: loc, Now: now}, nil
	case ".jsonl", ".ndjson":
		return readJSONL(name, b)
	case ".csv":
		return readCSV(name, b)
	}
	return LabelledFile{}, fmt.Errorf("%s: want a .yaml, .jsonl or .csv file", name)
}

func readJSONL(name string, b []byte) (LabelledFile, error) {
	var f LabelledFile
	sc := bufio.NewScanner(bytes.NewReader(b))
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for line := 1; sc.Scan(); line++ {
		s := strings.TrimSpace(sc.Text())
		if s == "" {
			continue
		}
		var u struct {
			Text   string `json:"text"`
			Intent string `json:"intent"`
			Slots  Slots  `json:"slots"`
		}
		if err := json.Unmarshal([]byte(s), &u); err != nil {
			return f, fmt.Errorf("%s:%d: %w", name, line, err)
		}
		ex, err := labelled(u.Text, u.Intent, u.Slots, u.Slots == nil)
		if err != nil {
			return f, fmt.Errorf("%s:%d: %w", name, line, err)
		}
		f.Examples = append(f.Examples, ex)
	}
	if err := sc.Err(); err != nil {
		return f, fmt.Errorf("%s: %w", name, err)
	}
	return f, nil
}

func readCSV(name string, b []byte) (LabelledFile, error) {
	var f LabelledFile
	r := csv.NewReader(bytes.NewReader(b))
	r.FieldsPerRecord = -1
	r.TrimLeadingSpace = true
	for row := 1; ; row++ {
		rec, err := r.Read()
		if err == io.EOF {
			return f, nil
		}
		if err != nil {
			return f, fmt.Errorf("%s: %w", name, err)
		}
		if len(rec) == 1 && strings.TrimSpace(rec[0]) == "" {
			continue
		}
		if len(rec) < 2 {
			return f, fmt.Errorf("%s:%d: want text,intent", name, row)
		}
		if row == 1 && strings.EqualFold(rec[0], "text") && strings.EqualFold(rec[1], "intent") {
			continue
		}
		ex, err := labelled(rec[0], strings.TrimSpace(rec[1]), nil, true)
		if err != nil {
			return f, fmt.Errorf("%s:%d: %w", name, row, err)
		}
		f.Examples = append(f.Examples, ex)
	}
}

func labelled(text, intent string, slots Slots, unscored bool) (Example, error) {
	if intent == "" {
		return Example{}, fmt.Errorf("no intent for %q", text)
	}
	if _, ok := Lookup(intent); !ok {
		return Example{}, fmt.Errorf("unknown intent %s", intent)
	}
	if slots == nil {
		slots = Slots{}
	}
	return Example{Text: text, Intent: intent, Slots: slots, slotsUnscored: unscored}, nil
}
