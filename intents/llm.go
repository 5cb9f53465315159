package intents

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"regexp"
	"strings"
	"time"

	openai "github.com/sashabaranov/go-openai"
)

// LLM asks an OpenAI-compatible chat-completions endpoint for the intent
// of utterances the offline recognizer is unsure about. It is off unless
// an operator configures it. Only the intent comes from the model: slots
// are always read offline from the original text, and what is sent is
// redacted (long digit runs such as account, card and PIN numbers, and
// payee names). Any failure, or an answer outside the catalog, falls back
// to the offline result within the time budget.
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

// Parse implements Recognizer.
func (l *LLM) Parse(ctx context.Context, text, locale string, now time.Time) (Result, error) {
	off, err := l.Offline.Parse(ctx, text, locale, now)
	if err != nil {
		return off, err
	}
	ask := l.AskBelow
	if ask == 0 {
		ask = 0.6
	}
	if off.Confidence >= ask || strings.TrimSpace(text) == "" {
		return off, nil
	}
	intent, conf, err := l.classify(ctx, Redact(Normalize(text)), locale)
	if err != nil {
		l.log().Warn("LLM recognizer failed; using the offline answer", "err", err)
		return off, nil
	}
	res := Result{Text: text, Intent: intent, Confidence: conf, Slots: Slots{}}
	FillSlots(intent, Normalize(text), locale, now, res.Slots)
	return res, nil
}

func (l *LLM) log() *slog.Logger {
	if l.Log != nil {
		return l.Log
	}
	return slog.Default()
}

// classify makes one tool call with the catalog's intent names as an enum.
func (l *LLM) classify(ctx context.Context, redacted, locale string) (string, float64, error) {
	budget := l.Timeout
	if budget == 0 {
		budget = 1500 * time.Millisecond
	}
	ctx, cancel := context.WithTimeout(ctx, budget)
	defer cancel()
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
				"general knowledge, messages to people) is Fallback. Redacted parts appear as [number] or [payee]. Answer only by calling " + classifyTool + "."},
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

var (
	// digitRun is four or more digits, possibly in groups ("4111 1111 1111 1111").
	digitRun = regexp.MustCompile(`\d[\d ]{2,}\d`)
	// ibanLike is a word of letters and digits with at least five digits.
	ibanLike = regexp.MustCompile(`\b[\p{L}]*\d[\p{L}\d]*\b`)
)

// Redact removes what must not leave for an LLM endpoint: runs of four or
// more digits (account, card and PIN numbers), spoken digit sequences of
// four or more, IBAN-like words, and the name of a payee.
func Redact(norm string) string {
	words := strings.Fields(norm)
	// Spoken digits: "four five six seven" → [number]
	var out []string
	for i := 0; i < len(words); {
		j := i
		for j < len(words) && digitWords[words[j]] != "" {
			j++
		}
		if j-i >= 4 {
			out = append(out, "[number]")
			i = j
			continue
		}
		out = append(out, words[i])
		i++
	}
	s := strings.Join(out, " ")
	s = ibanLike.ReplaceAllStringFunc(s, func(m string) string {
		n := 0
		for _, r := range m {
			if r >= '0' && r <= '9' {
				n++
			}
		}
		if n >= 5 {
			return "[number]"
		}
		return m
	})
	s = digitRun.ReplaceAllStringFunc(s, func(m string) string {
		if len(strings.ReplaceAll(m, " ", "")) >= 4 {
			return "[number]"
		}
		return m
	})
	if p := ParsePayee(s); p != "" && p != "[number]" {
		s = strings.TrimSpace(strings.Replace(" "+s+" ", " "+p+" ", " [payee] ", 1))
	}
	return s
}
