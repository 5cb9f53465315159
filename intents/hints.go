package intents

import "context"

// Hints tell a recognizer about the turn it parses.
type Hints struct {
	// OfflineOnly is set while a dialog waits for an answer (a slot, a
	// yes or no, a PIN): nothing of the utterance may leave the process.
	OfflineOnly bool
	// Names returns words to redact before text leaves for a remote
	// model: the customer's saved payees, billers and merchants. It is
	// called only when a remote model is about to be asked. May be nil.
	Names func(ctx context.Context) []string
}

type hintsKey struct{}

// WithHints returns ctx carrying h.
func WithHints(ctx context.Context, h Hints) context.Context {
	return context.WithValue(ctx, hintsKey{}, h)
}

// HintsFrom returns the hints in ctx (zero Hints if none).
func HintsFrom(ctx context.Context) Hints {
	h, _ := ctx.Value(hintsKey{}).(Hints)
	return h
}
