package events

import (
	"encoding/json"
	"log/slog"

	"github.com/switchboard/switchboard/app/store"
	"github.com/switchboard/switchboard/engine"
)

// Hook gives the runner the events of each sprint: rows for the sinks,
// written in the sprint's own transaction, and, once the sprint committed,
// the same events to the live Broker. With no sink and no live subscriber
// it does nothing at all, so the hot path costs one check.
type Hook struct {
	Builder Builder
	Sinks   []string // sink URLs
	Broker  *Broker  // may be nil
	// Wake, when set, is called after a sprint with sink rows committed (the
	// dispatcher's nudge).
	Wake func()
	Log  *slog.Logger
}

// Sprint implements runner.Events. It runs on the caller's goroutine
// before the commit.
func (h *Hook) Sprint(x *engine.Execution, steps []engine.Step, isNew bool) ([]store.EventRow, func()) {
	live := h.Broker != nil && h.Broker.Listening()
	if len(h.Sinks) == 0 && !live {
		return nil, nil
	}
	evs := h.Builder.Sprint(x, steps, isNew)
	if len(evs) == 0 {
		return nil, nil
	}
	msgs := make([]Message, 0, len(evs))
	for _, ev := range evs {
		b, err := json.Marshal(ev)
		if err != nil {
			// Event data is plain strings and numbers; this does not happen.
			if h.Log != nil {
				h.Log.Error("event not encoded", "execution_sid", x.SID, "type", ev.Type, "err", err)
			}
			continue
		}
		msgs = append(msgs, Message{ID: ev.ID, FlowSID: x.FlowSID, ExecutionSID: x.SID, JSON: b})
	}
	var rows []store.EventRow
	if len(h.Sinks) > 0 {
		rows = make([]store.EventRow, 0, len(h.Sinks)*len(msgs))
		for _, sink := range h.Sinks {
			for _, m := range msgs {
				rows = append(rows, store.EventRow{EventID: m.ID, Sink: sink, Payload: m.JSON, Created: x.UpdatedAt})
			}
		}
	}
	return rows, func() {
		if live {
			h.Broker.Publish(msgs)
		}
		if len(rows) > 0 && h.Wake != nil {
			h.Wake()
		}
	}
}
