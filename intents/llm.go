package intents

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	openai "github.com/sashabaranov/go-openai"
)

// LLM asks an OpenAI-compatible chat-completions endpoint for the intent
// of utterances the offline recognizer is unsure about. It is off unless
// an operator configures it. Only the intent comes from the model: slots
// are always read offline from the original text, and what is sent is
// redacted by RedactNames (every digit and number word, the customer's
// names from Hints.Names, and a payee after a pay verb). Nothing is sent
// for a turn whose Hints are OfflineOnly, and the model never answers Yes,
// No or ProvidePin: a confirmation or a PIN is only ever read offline. Any
// failure, or an answer outside the catalog, falls back to the offline
// result within the time budget.
type LLM struct {
	Client  *openai.Client
	Model   string
	Offline Recognizer
	// Timeout is the budget of one call; 1.5 s if zero.
	Timeout time.Duration
	// AskBelow is the offline confidence under which the LLM is asked; 0.6 if zero.
	AskBelow float64
	Log      *slog.Logger
}

var _ Recognizer = (*LLM)(nil)

// NewLLM configures an LLM recognizer over offline.
func NewLLM(baseURL, model, apiKey string, offline Recognizer) *LLM {
	cfg := openai.DefaultConfig(apiKey)
	cfg.BaseURL = strings.TrimRight(baseURL, "/")
	return &LLM{Client: openai.NewClientWithConfig(cfg), Model: model, Offline: offline}
}

const classifyTool = "classify_banking_request"

// Parse implements Recognizer. It returns the offline recognizer's errors
// only; a failing endpoint is logged and the offline result returned.
func (l *LLM) Parse(ctx context.Context, text, locale string, now time.Time) (Result, error) {
	off, err := l.Offline.Parse(ctx, text, locale, now)
	if err != nil {
		return off, err
	}
	if off.Source == "" {
		off.Source = "offline"
	}
	ask := l.AskBelow
	if ask == 0 {
		ask = 0.6
	}
	if off.Confidence >= ask || strings.TrimSpace(text) == "" {
		return off, nil
	}
	hints := HintsFrom(ctx)
	if hints.OfflineOnly {
		return off, nil
	}
	budget := l.Timeout
	if budget == 0 {
		budget = 1500 * time.Millisecond
	}
	// The names lookup shares the budget of the call it is made for.
	ctx, cancel := context.WithTimeout(ctx, budget)
	defer cancel()
	var names []string
	if hints.Names != nil {
		names = hints.Names(ctx)
		if ctx.Err() != nil {
			// The lookup may have been cut short: do not send what it missed.
			l.log().Warn("names lookup ran out of time; using the offline answer")
			return off, nil
		}
	}
	intent, conf, err := l.classify(ctx, RedactNames(Normalize(text), names), locale)
	if err != nil {
		l.log().Warn("LLM recognizer failed; using the offline answer", "err", err)
		return off, nil
	}
	if offlineOnlyIntents[intent] {
		l.log().Info("LLM answer not used: only the offline recognizer may answer yes, no or a PIN", "intent", intent)
		return off, nil
	}
	res := Result{Text: text, Intent: intent, Confidence: conf, Slots: Slots{}, Source: "llm"}
	FillSlots(intent, Normalize(text), locale, now, res.Slots)
	return res, nil
}

// offlineOnlyIntents are answers a remote model may not give: a yes or no
// confirms money movements and deletions, and a PIN must never be guessed
// from a redacted text. The model may still choose them (they stay in the
// enum so that a "yes" is not forced into some other intent); Parse then
// keeps the offline result.
var offlineOnlyIntents = map[string]bool{Yes: true, No: true, ProvidePin: true}

func (l *LLM) log() *slog.Logger {
	if l.Log != nil {
		return l.Log
	}
	return slog.Default()
}

// classify makes one tool call with the catalog's intent names as an enum,
// within the deadline of ctx.
func (l *LLM) classify(ctx context.Context, redacted, locale string) (string, float64, error) {
	names := make([]string, 0, len(Catalog))
	for _, in := range Catalog {
		names = append(names, in.Name)
	}
	schema := map[string]any{
		"type": "object",
		"properties": map[string]any{
			"intent":     map[string]any{"type": "string", "enum": names},
			"confidence": map[string]any{"type": "number", "minimum": 0, "maximum": 1},
		},
		"required":             []string{"intent"},
		"additionalProperties": false,
	}
	params, _ := json.Marshal(schema)
	req := openai.ChatCompletionRequest{
		Model:       l.Model,
		Temperature: 0,
		Messages: []openai.ChatCompletionMessage{
			{Role: openai.ChatMessageRoleSystem, Content: "You classify what a bank customer said to a voice banking assistant (locale " + locale +
				") into exactly one intent of the catalog. Anything that is not a request to this bank (music, weather, smart home, small talk, " +
				"general knowledge, messages to people) is Fallback. Redacted parts appear as [number], [name] or [payee]. Answer only by calling " + classifyTool + "."},
			{Role: openai.ChatMessageRoleUser, Content: redacted},
		},
		Tools: []openai.Tool{{Type: openai.ToolTypeFunction, Function: &openai.FunctionDefinition{
			Name: classifyTool, Description: "Report the intent of the utterance.", Parameters: json.RawMessage(params)}}},
		ToolChoice: openai.ToolChoice{Type: openai.ToolTypeFunction, Function: openai.ToolFunction{Name: classifyTool}},
	}
	resp, err := l.Client.CreateChatCompletion(ctx, req)
	if err != nil {
		return "", 0, err
	}
	if len(resp.Choices) == 0 || len(resp.Choices[0].Message.ToolCalls) == 0 {
		return "", 0, errors.New("no tool call in the answer")
	}
	call := resp.Choices[0].Message.ToolCalls[0]
	if call.Function.Name != classifyTool {
		return "", 0, fmt.Errorf("unexpected tool %q", call.Function.Name)
	}
	var args struct {
		Intent     string   `json:"intent"`
		Confidence *float64 `json:"confidence"`
	}
	if err := json.Unmarshal([]byte(call.Function.Arguments), &args); err != nil {
		return "", 0, fmt.Errorf("tool arguments: %w", err)
	}
	if _, ok := Lookup(args.Intent); !ok {
		return "", 0, fmt.Errorf("intent %q is not in the catalog", args.Intent)
	}
	conf := 0.7
	if args.Confidence != nil && *args.Confidence >= 0 && *args.Confidence <= 1 {
		conf = *args.Confidence
	}
	return args.Intent, conf, nil
}

const (
	numberMark = "[number]"
	nameMark   = "[name]"
	payeeMark  = "[payee]"
)

// Redact is RedactNames without the customer's names.
func Redact(norm string) string { return RedactNames(norm, nil) }

// RedactNames removes from normalized text what must not leave for a
// remote model, leaving the words that carry the intent:
//   - every word with a digit and every spoken number word, English or
//     German ("64", "zero", "oh", "twenty", "hundred", "vierundsechzig",
//     "null"), as [number], so that no part of a PIN, account, card or
//     amount is sent; "and"/"und" between two of them goes too, and
//     neighbouring ones become a single [number];
//   - names, as [name]: each name as a whole ("alice chen") and each of
//     its words of three or more letters on its own ("alice", "chen"),
//     case-insensitively and as whole words;
//   - the payee after a pay verb or "to", as [payee], even if unknown.
//
// Articles that are also number words ("a", "ein", "eine", "einen") and
// currency words ("dollars", "euro") stay.
func RedactNames(norm string, names []string) string {
	words := redactNameWords(strings.Fields(norm), names)
	if p := ParsePayee(strings.Join(words, " ")); p != "" && !onlyMarks(p) {
		s := strings.Replace(" "+strings.Join(words, " ")+" ", " "+p+" ", " "+payeeMark+" ", 1)
		words = strings.Fields(s)
	}
	number := make([]bool, len(words))
	for i, w := range words {
		number[i] = !isMark(w) && numberWord(w)
	}
	out := make([]string, 0, len(words))
	for i, w := range words {
		switch {
		case number[i]:
			w = numberMark
		case (w == "and" || w == "und") && i > 0 && number[i-1] && i+1 < len(words) && number[i+1]:
			continue // "two hundred and fifty"
		}
		if isMark(w) && len(out) > 0 && out[len(out)-1] == w {
			continue
		}
		out = append(out, w)
	}
	return strings.Join(out, " ")
}

// redactNameWords replaces names, longest first, and then single words of
// names, by [name].
func redactNameWords(words, names []string) []string {
	phrases := map[string][][]string{} // by first word, longest first
	single := map[string]bool{}
	for _, n := range names {
		nw := strings.Fields(Normalize(n))
		if len(nw) == 0 {
			continue
		}
		phrases[nw[0]] = append(phrases[nw[0]], nw)
		for _, w := range nw {
			if utf8.RuneCountInString(w) >= 3 {
				single[w] = true
			}
		}
	}
	if len(phrases) == 0 {
		return words
	}
	for _, ps := range phrases {
		slices.SortStableFunc(ps, func(a, b []string) int { return len(b) - len(a) })
	}
	keys := make([]string, len(words))
	for i, w := range words {
		keys[i] = Normalize(w) // the caller's norm, or "Alice" and "joe's" as well
	}
	out := make([]string, 0, len(words))
	for i := 0; i < len(words); {
		n := 0
		for _, p := range phrases[keys[i]] {
			if len(p) <= len(keys)-i && slices.Equal(p, keys[i:i+len(p)]) {
				n = len(p)
				break
			}
		}
		switch {
		case n > 0:
			out = append(out, nameMark)
			i += n
		case single[keys[i]]:
			out = append(out, nameMark)
			i++
		default:
			out = append(out, words[i])
			i++
		}
	}
	return out
}

// germanArticles are number words that are mostly articles.
var germanArticles = map[string]bool{"ein": true, "eine": true, "einen": true}

// scaleWords are spoken numbers the digit and number maps do not hold
// ("six o eight", "two million").
var scaleWords = map[string]bool{"o": true, "hundred": true, "thousand": true, "million": true, "billion": true,
	"millionen": true, "milliarde": true, "milliarden": true}

// numberWord reports whether w has a digit or is a spoken number.
func numberWord(w string) bool {
	for _, r := range w {
		if unicode.IsNumber(r) {
			return true
		}
	}
	for _, k := range strings.Fields(Normalize(w)) {
		if digitWords[k] != "" || scaleWords[k] {
			return true
		}
		if _, ok := enSmall[k]; ok && k != "a" {
			return true
		}
		if germanArticles[k] {
			continue
		}
		if _, ok := deCardinal(k); ok {
			return true
		}
	}
	return false
}

func isMark(w string) bool { return w == numberMark || w == nameMark || w == payeeMark }

func onlyMarks(s string) bool {
	for _, w := range strings.Fields(s) {
		if !isMark(w) {
			return false
		}
	}
	return true
}
