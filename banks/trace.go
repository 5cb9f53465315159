package banks

import (
	"context"
	"crypto/rand"
	"fmt"
)

// Trace identifies one conversational turn through the core and the bank
// calls it makes, for logs and the banks' correlation headers.
type Trace struct {
	ID      string // a random RFC 4122 UUID, made per turn
	Request string // the platform's request id, if it sent one
}

type traceKey struct{}

// WithTrace returns ctx carrying t.
func WithTrace(ctx context.Context, t Trace) context.Context {
	return context.WithValue(ctx, traceKey{}, t)
}

// TraceOf returns the trace ctx carries (the zero Trace if none).
func TraceOf(ctx context.Context) Trace {
	t, _ := ctx.Value(traceKey{}).(Trace)
	return t
}

// NewTraceID returns a random (version 4) UUID.
func NewTraceID() string {
	var b [16]byte
	rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}
