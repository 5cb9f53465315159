package banks

import (
	"errors"
	"fmt"
)

// Kind classifies an error so that one place can turn it into a sentence
// for the user, whatever connector or store it came from.
type Kind int

// The error kinds.
const (
	Other          Kind = iota
	NotLinked           // no valid link or token for the user
	ConsentExpired      // the customer's consent at the bank has lapsed
	Unavailable         // the bank timed out, failed or throttled us
	Invalid             // the input makes no sense
	Forbidden           // the user may not see or do this
	NotFound            // no such account, card, payee, ...
	NotSupported        // the bank or connector cannot do this
)

func (k Kind) String() string {
	switch k {
	case NotLinked:
		return "not linked"
	case ConsentExpired:
		return "consent expired"
	case Unavailable:
		return "unavailable"
	case Invalid:
		return "invalid"
	case Forbidden:
		return "forbidden"
	case NotFound:
		return "not found"
	case NotSupported:
		return "not supported"
	}
	return "other"
}

// Error is the error type of the banking domain.
type Error struct {
	Op   string // the operation, "sandbox.Balance"
	Kind Kind
	// Reason is a machine word for why a request was refused
	// ("insufficient_funds", "account_frozen", ...), for precise sentences.
	Reason string
	Err    error // the underlying error, if any
}

// E builds an *Error. A nil err is allowed.
func E(op string, kind Kind, err error) error {
	return &Error{Op: op, Kind: kind, Err: err}
}

func (e *Error) Error() string {
	s := e.Op + ": " + e.Kind.String()
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

func (e *Error) Unwrap() error { return e.Err }

// Is makes errors.Is(err, banks.KindError(NotFound)) work for any wrapped
// *Error of that kind.
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	return ok && t.Op == "" && t.Err == nil && t.Kind == e.Kind
}

// Refuse builds a Forbidden error with a reason.
func Refuse(op, reason string) error {
	return &Error{Op: op, Kind: Forbidden, Reason: reason, Err: errors.New(reason)}
}

// ReasonOf returns the reason of the first *Error in err's chain that has one.
func ReasonOf(err error) string {
	for err != nil {
		var e *Error
		if !errors.As(err, &e) {
			return ""
		}
		if e.Reason != "" {
			return e.Reason
		}
		err = e.Err
	}
	return ""
}

// KindError returns a sentinel that matches any *Error of kind k with errors.Is.
func KindError(k Kind) error { return &Error{Kind: k} }

// KindOf returns the kind of the outermost *Error in err's chain that has
// a kind other than Other, or Other.
func KindOf(err error) Kind {
	for err != nil {
		var e *Error
		if !errors.As(err, &e) {
			return Other
		}
		if e.Kind != Other {
			return e.Kind
		}
		err = e.Err
	}
	return Other
}

// Errorf is fmt.Errorf for callers that only need a message under an *Error.
func Errorf(op string, kind Kind, format string, args ...any) error {
	return E(op, kind, fmt.Errorf(format, args...))
}
