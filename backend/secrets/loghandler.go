package secrets

import (
	"context"
	"fmt"
	"log/slog"
)

// RedactingHandler wraps a log handler so that no secret value held by the
// store is written, should one reach a log line (an upstream's error that
// quotes a URL built from ${keyring:...}, say): messages and attribute
// values pass through Store.Redact.
func RedactingHandler(next slog.Handler, s *Store) slog.Handler {
	return &redactingHandler{next: next, s: s}
}

type redactingHandler struct {
	next slog.Handler
	s    *Store
}

func (h *redactingHandler) Enabled(ctx context.Context, l slog.Level) bool {
	return h.next.Enabled(ctx, l)
}

func (h *redactingHandler) Handle(ctx context.Context, r slog.Record) error {
	out := slog.NewRecord(r.Time, r.Level, h.s.Redact(r.Message), r.PC)
	r.Attrs(func(a slog.Attr) bool {
		out.AddAttrs(h.attr(a))
		return true
	})
	return h.next.Handle(ctx, out)
}

func (h *redactingHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	red := make([]slog.Attr, len(attrs))
	for i, a := range attrs {
		red[i] = h.attr(a)
	}
	return &redactingHandler{next: h.next.WithAttrs(red), s: h.s}
}

func (h *redactingHandler) WithGroup(name string) slog.Handler {
	return &redactingHandler{next: h.next.WithGroup(name), s: h.s}
}

func (h *redactingHandler) attr(a slog.Attr) slog.Attr {
	v := a.Value.Resolve()
	switch v.Kind() {
	case slog.KindString:
		return slog.String(a.Key, h.s.Redact(v.String()))
	case slog.KindGroup:
		g := v.Group()
		red := make([]any, len(g))
		for i, ga := range g {
			red[i] = h.attr(ga)
		}
		return slog.Group(a.Key, red...)
	case slog.KindAny:
		// Errors, slices, structs: as the text handler would print them.
		text := fmt.Sprint(v.Any())
		if red := h.s.Redact(text); red != text {
			return slog.String(a.Key, red)
		}
	}
	return slog.Attr{Key: a.Key, Value: v}
}
