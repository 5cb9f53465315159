package skill

import (
	"context"
	"log/slog"

	"github.com/kontoskill/konto/banks"
)

// LogHandler wraps a slog handler so that every record logged with a
// turn's context carries the turn's trace id and the platform's request
// id: one turn can be followed through the core and its bank calls.
func LogHandler(h slog.Handler) slog.Handler { return traceHandler{h} }

type traceHandler struct{ slog.Handler }

func (h traceHandler) Handle(ctx context.Context, r slog.Record) error {
	if t := banks.TraceOf(ctx); t.ID != "" {
		r.AddAttrs(slog.String("trace", t.ID))
		if t.Request != "" {
			r.AddAttrs(slog.String("request_id", t.Request))
		}
	}
	return h.Handler.Handle(ctx, r)
}

func (h traceHandler) WithAttrs(as []slog.Attr) slog.Handler {
	return traceHandler{h.Handler.WithAttrs(as)}
}

func (h traceHandler) WithGroup(name string) slog.Handler {
	return traceHandler{h.Handler.WithGroup(name)}
}

// logContext is a context that carries the request's trace, for logging
// where no turn context is at hand.
func (r *Request) logContext() context.Context {
	return banks.WithTrace(context.Background(), r.trace)
}
