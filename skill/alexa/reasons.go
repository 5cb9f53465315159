package alexa

import "strings"

// Verification failure kinds: a short fixed word per family of reasons,
// for metrics (a VerifyError's Reason carries details such as a time
// offset or an HTTP status, which must not become a label).
const (
	RejectMissingHeader = "missing_header" // no chain URL or signature header
	RejectCertURL       = "cert_url"       // the chain URL breaks Amazon's rules
	RejectSignature     = "signature"      // the signature does not decode or match the body
	RejectEnvelope      = "envelope"       // the body is no request envelope
	RejectTimestamp     = "timestamp"      // missing, unparsable or too far from now
	RejectApplicationID = "application_id" // not one of the configured skills
	RejectChainFetch    = "chain_fetch"    // the chain could not be fetched in time
	RejectCertificate   = "certificate"    // the chain does not verify
	RejectNotConfigured = "not_configured" // no verifier is set
	RejectOther         = "other"          // anything else
)

// rejectKinds maps the start of a Reason to its kind; the order matters
// where one start is a prefix of another.
var rejectKinds = []struct{ prefix, kind string }{
	{"missing ", RejectMissingHeader},
	{"cert URL request", RejectChainFetch},
	{"cert URL", RejectCertURL},
	{"signature is not base64", RejectSignature},
	{"signing certificate key is not RSA", RejectSignature},
	{"request body and signature", RejectSignature},
	{"body is not", RejectEnvelope},
	{"timestamp", RejectTimestamp},
	{"session and context application ids", RejectApplicationID},
	{"application id", RejectApplicationID},
	{"too many certificate chain fetches", RejectChainFetch},
	{"gave up waiting", RejectChainFetch},
	{"unable to load certificate chain", RejectChainFetch},
	{"certificate chain", RejectCertificate},
	{"no certificate", RejectCertificate},
	{"signing certificate", RejectCertificate},
	{signerSAN, RejectCertificate},
}

// Kind is the family of the failure's reason: one of the Reject
// constants.
func (e *VerifyError) Kind() string {
	for _, k := range rejectKinds {
		if strings.HasPrefix(e.Reason, k.prefix) {
			return k.kind
		}
	}
	return RejectOther
}
