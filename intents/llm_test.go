package intents

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode"
)

// chatServer speaks the chat-completions wire format and records requests.
type chatServer struct {
	mu     sync.Mutex
	bodies []map[string]any
	reply  func(w http.ResponseWriter, body map[string]any)
	srv    *httptest.Server
}

func newChatServer(t *testing.T, reply func(w http.ResponseWriter, body map[string]any)) *chatServer {
	cs := &chatServer{reply: reply}
	cs.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/v1/chat/completions" || r.Header.Get("Authorization") != "Bearer test-key" {
			http.Error(w, `{"error":{"message":"bad path or key"}}`, http.StatusUnauthorized)
			return
		}
		b, _ := io.ReadAll(r.Body)
		var body map[string]any
		if err := json.Unmarshal(b, &body); err != nil {
			http.Error(w, "bad json", http.StatusBadRequest)
			return
		}
		cs.mu.Lock()
		cs.bodies = append(cs.bodies, body)
		cs.mu.Unlock()
		cs.reply(w, body)
	}))
	t.Cleanup(cs.srv.Close)
	return cs
}

func (cs *chatServer) requests() []map[string]any {
	cs.mu.Lock()
	defer cs.mu.Unlock()
	return append([]map[string]any(nil), cs.bodies...)
}

func toolCall(intent string, conf float64) func(http.ResponseWriter, map[string]any) {
	return func(w http.ResponseWriter, _ map[string]any) {
		args, _ := json.Marshal(map[string]any{"intent": intent, "confidence": conf})
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(map[string]any{
			"id": "chatcmpl-1", "object": "chat.completion", "created": 1, "model": "test-model",
			"choices": []any{map[string]any{"index": 0, "finish_reason": "tool_calls", "message": map[string]any{
				"role": "assistant", "content": nil,
				"tool_calls": []any{map[string]any{"id": "call_1", "type": "function",
					"function": map[string]any{"name": classifyTool, "arguments": string(args)}}}}}},
		})
	}
}

// unsure is a recognizer whose every answer is low-confidence Fallback,
// so that the LLM is always asked.
type unsure struct{}

func (unsure) Parse(ctx context.Context, text, locale string, now time.Time) (Result, error) {
	return Result{Text: text, Intent: Fallback, Confidence: 0.2, Slots: Slots{}}, nil
}

func newTestLLM(cs *chatServer, offline Recognizer) *LLM {
	l := NewLLM(cs.srv.URL+"/v1", "test-model", "test-key", offline)
	l.Timeout = 300 * time.Millisecond
	l.Log = slog.New(slog.NewTextHandler(io.Discard, nil))
	return l
}

func TestLLMToolCall(t *testing.T) {
	cs := newChatServer(t, toolCall(TransferMoney, 0.91))
	l := newTestLLM(cs, unsure{})
	res, err := l.Parse(context.Background(), "please wire 250 dollars to alice from account 12345678", "en-US", now)
	if err != nil {
		t.Fatal(err)
	}
	if res.Intent != TransferMoney || res.Confidence != 0.91 || res.Source != "llm" {
		t.Fatalf("%+v", res)
	}
	// Slots are read offline from the original words.
	if a, _ := res.Slots.Amount(SlotAmount); a.Value != "250.00" || res.Slots.String(SlotPayee) != "alice" {
		t.Fatalf("slots %v", res.Slots)
	}
	reqs := cs.requests()
	if len(reqs) != 1 {
		t.Fatalf("%d requests", len(reqs))
	}
	body := reqs[0]
	if body["model"] != "test-model" {
		t.Fatalf("model %v", body["model"])
	}
	msgs := body["messages"].([]any)
	user := msgs[len(msgs)-1].(map[string]any)["content"].(string)
	if strings.Contains(user, "12345678") || strings.Contains(user, "alice") {
		t.Fatalf("sent unredacted text: %q", user)
	}
	if !strings.Contains(user, "[number]") || !strings.Contains(user, "[payee]") {
		t.Fatalf("redaction markers missing: %q", user)
	}
	tools := body["tools"].([]any)
	fn := tools[0].(map[string]any)["function"].(map[string]any)
	enum := fn["parameters"].(map[string]any)["properties"].(map[string]any)["intent"].(map[string]any)["enum"].([]any)
	if fn["name"] != classifyTool || len(enum) != len(Catalog) {
		t.Fatalf("tool %v with %d intents", fn["name"], len(enum))
	}
}

func TestLLMFailuresFallBackToOffline(t *testing.T) {
	cases := map[string]func(http.ResponseWriter, map[string]any){
		"server error": func(w http.ResponseWriter, _ map[string]any) {
			http.Error(w, `{"error":{"message":"overloaded"}}`, http.StatusInternalServerError)
		},
		"rate limited": func(w http.ResponseWriter, _ map[string]any) {
			http.Error(w, `{"error":{"message":"slow down"}}`, http.StatusTooManyRequests)
		},
		"timeout": func(w http.ResponseWriter, _ map[string]any) {
			time.Sleep(time.Second)
			toolCall(GetBalance, 0.9)(w, nil)
		},
		"garbage": func(w http.ResponseWriter, _ map[string]any) {
			w.Header().Set("Content-Type", "application/json")
			io.WriteString(w, `{"choices":[{"message":{"tool_calls":[{"type":"function","function":{"name":"`+classifyTool+`","arguments":"not json"}}]}}]}`)
		},
		"not even JSON":              func(w http.ResponseWriter, _ map[string]any) { io.WriteString(w, "<html>502</html>") },
		"intent outside the catalog": toolCall("OrderPizza", 0.99),
		"no tool call": func(w http.ResponseWriter, _ map[string]any) {
			w.Header().Set("Content-Type", "application/json")
			io.WriteString(w, `{"choices":[{"message":{"role":"assistant","content":"GetBalance"}}]}`)
		},
	}
	for name, reply := range cases {
		t.Run(name, func(t *testing.T) {
			cs := newChatServer(t, reply)
			l := newTestLLM(cs, unsure{})
			start := time.Now()
			res, err := l.Parse(context.Background(), "something odd", "en-US", now)
			if err != nil {
				t.Fatal(err)
			}
			if d := time.Since(start); d > 900*time.Millisecond {
				t.Fatalf("took %s, budget 300ms", d)
			}
			if res.Intent != Fallback || res.Confidence != 0.2 || res.Source != "offline" {
				t.Fatalf("want the offline answer, got %+v", res)
			}
		})
	}
}

func TestLLMOnlyWhenUnsure(t *testing.T) {
	cs := newChatServer(t, toolCall(Fallback, 0.9))
	l := newTestLLM(cs, testRec)
	res, err := l.Parse(context.Background(), "what's my checking balance", "en-US", now)
	if err != nil || res.Intent != GetBalance {
		t.Fatalf("%+v %v", res, err)
	}
	if n := len(cs.requests()); n != 0 {
		t.Fatalf("confident offline answer still asked the LLM %d times", n)
	}
}

func TestRedact(t *testing.T) {
	cases := map[string]string{
		"my account number is 1234 5678 9012":        "my account number is [number]",
		"pin one two three four":                     "pin [number]",
		"my iban is de89370400440532013000":          "my iban is [number]",
		"send bob 20 dollars":                        "send [payee] [number] dollars",
		"transfer 1200 dollars to carol":             "transfer [number] dollars to [payee]",
		"what's my balance":                          "what's my balance",
		"card ending 4111 1111 1111 1111 was stolen": "card ending [number] was stolen",
		// One number word or digit is enough, in either language.
		"hold on let me check yes 64 zero eight": "hold on let me check yes [number]",
		"hmm one":                                "hmm [number]",
		"six o eight oh":                         "[number]",
		"two hundred and fifty dollars":          "[number] dollars",
		"a thousand dollars":                     "a [number] dollars",
		"it was 7":                               "it was [number]",
		"spent 12,50 euro":                       "spent [number] euro",
		"warte ja vierundsechzig null acht":      "warte ja [number]",
		"zwei hundert fünfzig euro":              "[number] euro",
		"zweitausenddreihundert euro":            "[number] euro",
		"ähm elf":                                "ähm [number]",
		"eine überweisung":                       "eine überweisung",
	}
	for in, want := range cases {
		if got := Redact(in); got != want {
			t.Errorf("Redact(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestRedactNames(t *testing.T) {
	names := []string{"Alice Chen", "Joe's Pizza", "Al Green", "Starbucks", "", "  "}
	cases := map[string]string{
		"send alice chen twenty dollars":   "send [name] [number] dollars",
		"was that alice at joes pizza":     "was that [name] at [name]",
		"Alice called":                     "[name] called",
		"did chen get it":                  "did [name] get it",
		"alicent and chenille":             "alicent and chenille",
		"al called about al green":         "al called about [name]",
		"green light":                      "[name] light",
		"starbucks 4 80":                   "[name] [number]",
		"alice chen alice":                 "[name]",
		"what's my balance":                "what's my balance",
		"hold on let me check yes 64 zero": "hold on let me check yes [number]",
	}
	for in, want := range cases {
		if got := RedactNames(in, names); got != want {
			t.Errorf("RedactNames(%q) = %q, want %q", in, got, want)
		}
	}
	if got, want := RedactNames("send bob 20 dollars", nil), Redact("send bob 20 dollars"); got != want {
		t.Errorf("without names %q, Redact gives %q", got, want)
	}
}

// digitRun is four or more digits, possibly in groups ("4111 1111 1111
// 1111"); the slot parser fuzz test checks that Redact leaves none.
var digitRun = regexp.MustCompile(`\d[\d ]{2,}\d`)

// numberVocab is every number word the redaction must remove, written out
// here rather than taken from the parser under test.
var numberVocab = strings.Fields(`zero oh o one two three four five six seven eight nine ten eleven twelve
	thirteen fourteen fifteen sixteen seventeen eighteen nineteen twenty thirty forty fifty sixty seventy
	eighty ninety hundred thousand million
	null eins zwei zwo drei vier fünf sechs sieben acht neun zehn elf zwölf dreizehn vierzehn fünfzehn
	sechzehn siebzehn achtzehn neunzehn zwanzig dreißig dreissig vierzig fünfzig sechzig siebzig achtzig
	neunzig hundert tausend`)

// sentText is what the user messages of a recorded request carried.
func sentText(body map[string]any) string {
	var parts []string
	for _, m := range body["messages"].([]any) {
		if m := m.(map[string]any); m["role"] == "user" {
			parts = append(parts, m["content"].(string))
		}
	}
	return strings.Join(parts, " ")
}

// leaks lists the digits, number words, secret words and name words in sent.
func leaks(sent string, secrets, names []string) []string {
	var bad []string
	words := strings.Fields(sent)
	forbidden := map[string]bool{}
	for _, w := range append(append([]string(nil), numberVocab...), secrets...) {
		forbidden[w] = true
	}
	for _, n := range names {
		nw := strings.Fields(Normalize(n))
		if len(nw) > 0 && containsPhrase(Normalize(sent), strings.Join(nw, " ")) {
			bad = append(bad, n)
		}
		for _, w := range nw {
			if len([]rune(w)) >= 3 {
				forbidden[w] = true
			}
		}
	}
	for _, w := range words {
		if strings.ContainsAny(w, "0123456789") || forbidden[strings.ToLower(w)] {
			bad = append(bad, w)
		}
	}
	return bad
}

func TestLLMSendsNoNumbersOrNames(t *testing.T) {
	names := []string{"Alice Chen", "Joe's Pizza", "Hans Müller", "Stadtwerke München"}
	cases := []struct {
		text, locale string
		secrets      []string
	}{
		{"hold on let me check yes 64 zero eight", "en-US", nil},
		{"um let me think six four oh eight", "en-US", nil},
		{"hmm one", "en-US", nil},
		{"i think it was twenty", "en-US", nil},
		{"two hundred and fifty to alice chen", "en-US", nil},
		{"was that Alice at joes pizza yesterday", "en-US", nil},
		{"did chen get the money", "en-US", nil},
		{"card 4111 1111 1111 1111 maybe", "en-US", nil},
		{"my iban de89370400440532013000 hmm", "en-US", nil},
		{"warte mal ja vierundsechzig null acht", "de-DE", []string{"vierundsechzig"}},
		{"zweitausenddreihundert euro an Hans Müller glaube ich", "de-DE", []string{"zweitausenddreihundert"}},
		{"müller hat wegen der stadtwerke angerufen", "de-DE", nil},
		{"ähm drei", "de-DE", nil},
	}
	for _, c := range cases {
		t.Run(c.text, func(t *testing.T) {
			cs := newChatServer(t, toolCall(Fallback, 0.9))
			l := newTestLLM(cs, unsure{})
			ctx := WithHints(context.Background(), Hints{Names: func(context.Context) []string { return names }})
			if _, err := l.Parse(ctx, c.text, c.locale, now); err != nil {
				t.Fatal(err)
			}
			reqs := cs.requests()
			if len(reqs) != 1 {
				t.Fatalf("%d requests", len(reqs))
			}
			sent := sentText(reqs[0])
			if bad := leaks(sent, c.secrets, names); len(bad) > 0 {
				t.Fatalf("sent %q: leaks %q", sent, bad)
			}
		})
	}
}

func TestLLMOfflineOnlyAsksNothing(t *testing.T) {
	cs := newChatServer(t, toolCall(TransferMoney, 0.99))
	l := newTestLLM(cs, unsure{})
	ctx := WithHints(context.Background(), Hints{OfflineOnly: true, Names: func(context.Context) []string {
		t.Error("Names called for an offline-only turn")
		return nil
	}})
	for _, text := range []string{"six four oh eight", "hold on let me check yes 64 zero eight", "yes", "send alice twenty dollars"} {
		res, err := l.Parse(ctx, text, "en-US", now)
		if err != nil {
			t.Fatal(err)
		}
		if res.Intent != Fallback || res.Confidence != 0.2 || res.Source != "offline" {
			t.Errorf("%q: want the offline answer, got %+v", text, res)
		}
	}
	if n := len(cs.requests()); n != 0 {
		t.Fatalf("offline-only turns made %d requests", n)
	}
}

func TestLLMNamesOnlyWhenAsking(t *testing.T) {
	cases := []struct {
		name      string
		offline   Recognizer
		text      string
		wantCalls int
	}{
		{"confident offline answer", testRec, "what's my checking balance", 0},
		{"empty utterance", unsure{}, "  ", 0},
		{"unsure offline answer", unsure{}, "something odd", 1},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			cs := newChatServer(t, toolCall(Fallback, 0.9))
			l := newTestLLM(cs, c.offline)
			calls := 0
			ctx := WithHints(context.Background(), Hints{Names: func(context.Context) []string {
				calls++
				return []string{"Alice Chen"}
			}})
			if _, err := l.Parse(ctx, c.text, "en-US", now); err != nil {
				t.Fatal(err)
			}
			if got := len(cs.requests()); calls != c.wantCalls || got != c.wantCalls {
				t.Fatalf("Names called %d times, %d requests, want %d of each", calls, got, c.wantCalls)
			}
		})
	}
}

// lowConf answers every utterance with one low-confidence intent.
type lowConf struct {
	intent string
	conf   float64
}

func (l lowConf) Parse(ctx context.Context, text, locale string, now time.Time) (Result, error) {
	return Result{Text: text, Intent: l.intent, Confidence: l.conf, Slots: Slots{}}, nil
}

func TestLLMNeverAnswersYesNoOrPin(t *testing.T) {
	offlines := []lowConf{{Fallback, 0.2}, {RedeemRewards, 0.4}, {PrivacyCenter, 0.3}}
	texts := []string{"uh i guess so", "hold on let me check yes 64 zero eight", "nah not really", "one two three four"}
	for _, llmSays := range []string{Yes, No, ProvidePin} {
		t.Run(llmSays, func(t *testing.T) {
			cs := newChatServer(t, toolCall(llmSays, 0.99))
			for _, off := range offlines {
				l := newTestLLM(cs, off)
				for _, text := range texts {
					res, err := l.Parse(context.Background(), text, "en-US", now)
					if err != nil {
						t.Fatal(err)
					}
					if res.Intent != off.intent || res.Confidence != off.conf || res.Source == "llm" {
						t.Errorf("LLM said %s for %q over offline %s: got %+v", llmSays, text, off.intent, res)
					}
				}
			}
			if got, want := len(cs.requests()), len(offlines)*len(texts); got != want {
				t.Fatalf("%d requests, want %d", got, want)
			}
		})
	}
}

func FuzzRedactNames(f *testing.F) {
	for _, s := range []string{"hold on let me check yes 64 zero eight", "warte ja vierundsechzig null acht",
		"send alice chen 20 dollars", "zwei hundert und fünfzig euro an müller", "١٢٣٤ ok", "o six o"} {
		f.Add(s, "Alice Chen")
	}
	f.Fuzz(func(t *testing.T, s, name string) {
		names := []string{name}
		r := RedactNames(Normalize(s), names)
		for _, w := range strings.Fields(r) {
			for _, c := range w {
				if unicode.IsDigit(c) {
					t.Fatalf("%q: redacted %q still has the digit %q", s, r, w)
				}
			}
		}
		if bad := leaks(r, nil, names); len(bad) > 0 {
			t.Fatalf("%q with name %q: redacted %q leaks %q", s, name, r, bad)
		}
	})
}

func TestLLMSlowNamesSendNothing(t *testing.T) {
	cs := newChatServer(t, toolCall(TransferMoney, 0.99))
	l := newTestLLM(cs, unsure{})
	ctx := WithHints(context.Background(), Hints{Names: func(ctx context.Context) []string {
		<-ctx.Done() // a lookup that outlives the budget returns what it has: nothing
		return nil
	}})
	res, err := l.Parse(ctx, "was that alice", "en-US", now)
	if err != nil {
		t.Fatal(err)
	}
	if res.Intent != Fallback || res.Source != "offline" {
		t.Fatalf("want the offline answer, got %+v", res)
	}
	if n := len(cs.requests()); n != 0 {
		t.Fatalf("%d requests after the names lookup timed out", n)
	}
}
