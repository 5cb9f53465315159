package ukobapi

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
)

// The standard's error codes (OBError1.ErrorCode) the server uses.
const (
	codeFieldInvalid          = "UK.OBIE.Field.Invalid"
	codeFieldInvalidDate      = "UK.OBIE.Field.InvalidDate"
	codeFieldMissing          = "UK.OBIE.Field.Missing"
	codeFieldUnexpected       = "UK.OBIE.Field.Unexpected"
	codeHeaderInvalid         = "UK.OBIE.Header.Invalid"
	codeHeaderMissing         = "UK.OBIE.Header.Missing"
	codeConsentMismatch       = "UK.OBIE.Resource.ConsentMismatch"
	codeInvalidConsentStatus  = "UK.OBIE.Resource.InvalidConsentStatus"
	codeInvalidFormat         = "UK.OBIE.Resource.InvalidFormat"
	codeNotFound              = "UK.OBIE.Resource.NotFound"
	codeSignatureInvalid      = "UK.OBIE.Signature.Invalid"
	codeSignatureInvalidClaim = "UK.OBIE.Signature.InvalidClaim"
	codeSignatureMalformed    = "UK.OBIE.Signature.Malformed"
	codeSignatureMissing      = "UK.OBIE.Signature.Missing"
	codeSignatureMissingClaim = "UK.OBIE.Signature.MissingClaim"
	codeUnexpectedError       = "UK.OBIE.UnexpectedError"
	codeUnsupportedCurrency   = "UK.OBIE.Unsupported.Currency"
	codeUnsupportedScheme     = "UK.OBIE.Unsupported.Scheme"
	codeUnsupportedIdentifier = "UK.OBIE.Unsupported.AccountIdentifier"
)

// obError is one problem of an error response.
type obError struct {
	ErrorCode string `json:"ErrorCode"`
	Message   string `json:"Message"`
	Path      string `json:"Path,omitempty"`
}

// apiError is an error response: a status and, for the statuses whose
// responses have a body in the standard (400, 403, 500), its errors.
type apiError struct {
	status int
	errs   []obError
}

func (e *apiError) Error() string {
	if len(e.errs) > 0 {
		return fmt.Sprintf("%d %s: %s", e.status, e.errs[0].ErrorCode, e.errs[0].Message)
	}
	return fmt.Sprintf("%d", e.status)
}

func fail(status int, code, path, format string, args ...any) *apiError {
	return &apiError{status: status, errs: []obError{{ErrorCode: code, Path: path, Message: clip(fmt.Sprintf(format, args...), 500)}}}
}

func badRequest(code, path, format string, args ...any) *apiError {
	return fail(http.StatusBadRequest, code, path, format, args...)
}

func forbidden(code, format string, args ...any) *apiError {
	return fail(http.StatusForbidden, code, "", format, args...)
}

var (
	errUnauthorized = &apiError{status: http.StatusUnauthorized}
	errNotFound     = &apiError{status: http.StatusNotFound}
)

func internal(err error) *apiError {
	return fail(http.StatusInternalServerError, codeUnexpectedError, "", "the bank could not answer: %v", err)
}

func clip(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}

// writeError writes an error response in the standard's format.
func (s *Server) writeError(w http.ResponseWriter, r *http.Request, e *apiError) {
	h := w.Header()
	if e.status == http.StatusUnauthorized {
		h.Set("WWW-Authenticate", `Bearer error="invalid_token"`)
	}
	switch e.status {
	case http.StatusBadRequest, http.StatusForbidden, http.StatusInternalServerError:
	default:
		// The standard's 401, 404, 405, 406 and 429 responses have no body.
		w.WriteHeader(e.status)
		return
	}
	errs := e.errs
	if len(errs) == 0 {
		errs = []obError{{ErrorCode: codeUnexpectedError, Message: http.StatusText(e.status)}}
	}
	body := struct {
		Code    string    `json:"Code"`
		ID      string    `json:"Id"`
		Message string    `json:"Message"`
		Errors  []obError `json:"Errors"`
	}{Code: clip(fmt.Sprintf("%d %s", e.status, http.StatusText(e.status)), 40), ID: randomID("E", 8), Message: errs[0].Message, Errors: errs}
	// The payment API signs its error bodies too (its 400 has x-jws-signature).
	s.writeJSON(w, r, e.status, body, strings.HasPrefix(r.URL.Path, PaymentsBase))
}

// writeJSON writes a JSON body; signed adds the server's detached
// signature of it, as the payment API's responses carry.
func (s *Server) writeJSON(w http.ResponseWriter, r *http.Request, status int, v any, signed bool) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		w.WriteHeader(http.StatusInternalServerError)
		return
	}
	body := bytes.TrimRight(buf.Bytes(), "\n")
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	if signed {
		sig, err := s.sign(r, body)
		if err != nil {
			w.WriteHeader(http.StatusInternalServerError)
			return
		}
		w.Header().Set("x-jws-signature", sig)
	}
	w.WriteHeader(status)
	w.Write(body)
}

// links and meta of a single-page response.
type links struct {
	Self  string `json:"Self"`
	First string `json:"First,omitempty"`
	Prev  string `json:"Prev,omitempty"`
	Next  string `json:"Next,omitempty"`
	Last  string `json:"Last,omitempty"`
}

type meta struct {
	TotalPages int `json:"TotalPages"`
}

func (s *Server) self(r *http.Request) links { return links{Self: s.baseURL(r) + r.URL.RequestURI()} }

// envelope is a response of the standard: Data, Links and Meta.
type envelope struct {
	Data  any             `json:"Data"`
	Risk  json.RawMessage `json:"Risk,omitempty"`
	Links links           `json:"Links"`
	Meta  meta            `json:"Meta"`
}

func (s *Server) ok(w http.ResponseWriter, r *http.Request, status int, data any, signed bool) {
	s.writeJSON(w, r, status, envelope{Data: data, Links: s.self(r), Meta: meta{TotalPages: 1}}, signed)
}
