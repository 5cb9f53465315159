package alexa

import (
	"os"
	"regexp"
	"strings"
	"testing"
)

// Every reason verify.go can fail with has a kind of its own family, so
// that a new reason does not vanish into "other" on the dashboards.
func TestVerifyErrorKinds(t *testing.T) {
	t.Parallel()
	src, err := os.ReadFile("verify.go")
	if err != nil {
		t.Fatal(err)
	}
	reasons := regexp.MustCompile(`fail\("([^"]*)"`).FindAllSubmatch(src, -1)
	if len(reasons) < 20 {
		t.Fatalf("found only %d fail(...) reasons in verify.go", len(reasons))
	}
	for _, m := range reasons {
		reason := string(m[1])
		if strings.HasPrefix(reason, "%s") { // the one reason that starts with a value: signerSAN
			reason = signerSAN + reason[2:]
		}
		if got := (&VerifyError{Reason: reason}).Kind(); got == RejectOther {
			t.Errorf("reason %q has kind %q", reason, got)
		}
	}
	for reason, want := range map[string]string{
		"missing Signature-256 header":             RejectMissingHeader,
		"cert URL request: dial tcp: refused":      RejectChainFetch,
		"cert URL host is not s3.amazonaws.com":    RejectCertURL,
		"timestamp is 3m0s away from now":          RejectTimestamp,
		"request body and signature do not match":  RejectSignature,
		"certificate chain does not parse":         RejectCertificate,
		"unable to load certificate chain: status": RejectChainFetch,
		"application id is not allowed":            RejectApplicationID,
		"something new":                            RejectOther,
	} {
		if got := (&VerifyError{Reason: reason}).Kind(); got != want {
			t.Errorf("Kind of %q = %q, want %q", reason, got, want)
		}
	}
}
