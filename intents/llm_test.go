package intents

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
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
	if res.Intent != TransferMoney || res.Confidence != 0.91 {
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
			if res.Intent != Fallback || res.Confidence != 0.2 {
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
		"send bob 20 dollars":                        "send [payee] 20 dollars",
		"transfer 1200 dollars to carol":             "transfer [number] dollars to [payee]",
		"what's my balance":                          "what's my balance",
		"card ending 4111 1111 1111 1111 was stolen": "card ending [number] was stolen",
	}
	for in, want := range cases {
		if got := Redact(in); got != want {
			t.Errorf("Redact(%q) = %q, want %q", in, got, want)
		}
	}
}
