package alexa

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

// FuzzDecodeEnvelopeAsEncodingJSON holds decodeEnvelope (jsonv1) to what
// encoding/json makes of the same body: the same envelope, or a problem
// where encoding/json has one, described the same way.
func FuzzDecodeEnvelopeAsEncodingJSON(f *testing.F) {
	seeds, _ := filepath.Glob("testdata/requests/*.json")
	for _, p := range seeds {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add(read(f, "synthetic-body.json"))
	f.Add(read(f, "body.json"))
	for _, s := range []string{
		`{"request":{"type":"IntentRequest","intent":{"name":"Intent","slots":{"":{}}}}}`,
		`{"request":{"type":"IntentRequest","intent":null},"session":{"attributes":{"a":[1,{"b":null}],"konto":"x"}}}`,
		`{"Request":{"TYPE":"LaunchRequest"},"session":{"New":true,"sessionid":"S"}}`, // names match as in encoding/json: any case
		`{"request":{"type":"x","type":"LaunchRequest"}}`,                             // the last of a duplicate wins
		"{\"request\":{\"type\":\"Launch\xffRequest\"}}",                              // invalid UTF-8 becomes U+FFFD
		`{"request":{"type":"IntentRequest","body":{"accessToken":"t"},"intent":{"slots":{"a":{"value":"1"}}}}}`,
		`{"request":{"type":1}}`,
		`{"request":{"type":"x"},"session":{"new":"yes"}}`,
		`{"request":{"type":"x"}} trailing`,
		`{"request":`,
		``,
		`[]`,
		`null`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		got, problem := decodeEnvelope(body)
		want := &RequestEnvelope{}
		err := json.Unmarshal(body, want)
		switch {
		case err != nil && problem == "":
			t.Fatalf("encoding/json: %v; decodeEnvelope: %+v", err, got)
		case err != nil && jsonProblem(err) != problem:
			t.Fatalf("encoding/json's problem %q (%v), decodeEnvelope's %q", jsonProblem(err), err, problem)
		case err == nil && want.Request.Type != "" && !reflect.DeepEqual(got, want):
			t.Fatalf("decodeEnvelope %+v (%q), encoding/json %+v", got, problem, want)
		}
	})
}
