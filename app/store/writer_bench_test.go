package store

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/switchboard/switchboard/app/sid"
	"github.com/switchboard/switchboard/engine"
)

// conversationSprints builds the two sprints of one conversation of the
// runner's benchmark flow (app/runner BenchmarkConversation), encoded: the
// first starts the execution and waits for a reply (three steps, one
// queued message, a timer), the second ends it (two steps, one message).
func conversationSprints(tb testing.TB, i int) (first, second SprintRecord) {
	now := time.Now().UTC()
	contact := fmt.Sprintf("+1%010d", i)
	x := &engine.Execution{SID: sid.New("FN"), FlowSID: "FW00000000000000000000000000000001", FlowRevision: 1,
		Status: engine.StatusActive, Contact: contact, Channel: "+15550002222", CreatedAt: now, UpdatedAt: now,
		Context: engine.Context{"contact": map[string]any{"channel": map[string]any{"address": contact}},
			"flow": map[string]any{"channel": map[string]any{"address": "+15550002222"}, "flow_sid": "FW00000000000000000000000000000001",
				"variables": map[string]any{"name": "ANN"}},
			"trigger": map[string]any{"message": map[string]any{"Body": "ann"}}}}
	out := func(body string) map[string]any {
		return map[string]any{"Body": body, "From": "+15550002222", "NumMedia": 0, "Sid": sid.New("SM"), "Status": "queued", "To": contact}
	}
	trace := func(tpl, v string) map[string]any {
		return map[string]any{"rendered": []any{map[string]any{"template": tpl, "value": v}}}
	}
	step := func(name, from, to, typ string, ctx map[string]any) engine.Step {
		return engine.Step{SID: sid.New("FT"), ExecutionSID: x.SID, FlowSID: x.FlowSID, Name: name, TransitionedFrom: from,
			TransitionedTo: to, Type: typ, Context: ctx, CreatedAt: now}
	}
	msg := func(m map[string]any) Message {
		return Message{SID: m["Sid"].(string), Direction: DirectionOutboundAPI, From: "+15550002222", To: contact, Body: m["Body"].(string),
			Status: MessageQueued, Notified: MessageQueued}
	}
	ask, thanks := out("Hi ANN, rate us 1-5"), out("Thanks for 5")
	widgets := map[string]any{"vars": map[string]any{"name": "ANN"}, "route": map[string]any{}, "ask": map[string]any{"outbound": ask}}
	x.Context["widgets"] = widgets
	x.Current, x.Steps, x.Repeats, x.LastWidget = "ask", 3, 1, "ask"
	x.Wait = &engine.Wait{Widget: "ask", Inputs: []string{"reply", "timeout"}, Deadline: now.Add(time.Hour)}
	first = SprintRecord{Execution: x, New: true, SessionKey: contact,
		Steps: []engine.Step{step("incomingMessage", "Trigger", "vars", "trigger", nil),
			step("next", "vars", "route", "set-variables", map[string]any{"trace": trace("{{trigger.message.Body | upcase}}", "ANN"), "widgets": map[string]any{"vars": widgets["vars"]}}),
			step("noMatch", "route", "ask", "split-based-on", map[string]any{"trace": trace("{{flow.variables.name}}", "ANN"), "widgets": map[string]any{"route": map[string]any{}}})},
		Messages: []Message{msg(ask)}}
	if err := first.Encode(); err != nil {
		tb.Fatal(err)
	}
	y := *x
	y.Context = engine.Context{}
	for k, v := range x.Context {
		y.Context[k] = v
	}
	y.Context["widgets"] = map[string]any{"vars": widgets["vars"], "route": map[string]any{},
		"ask": map[string]any{"outbound": ask, "inbound": map[string]any{"Body": "5"}}, "thanks": map[string]any{"outbound": thanks}}
	y.Status, y.Current, y.Wait, y.Steps, y.LastWidget, y.EndReason = engine.StatusEnded, "", nil, 5, "thanks", "completed"
	y.UpdatedAt, y.EndedAt = now.Add(time.Millisecond), now.Add(time.Millisecond)
	second = SprintRecord{Execution: &y,
		Steps: []engine.Step{step("incomingMessage", "ask", "thanks", "send-and-wait-for-reply", map[string]any{"trace": trace("Hi {{flow.variables.name}}, rate us 1-5", "Hi ANN, rate us 1-5"),
			"widgets": map[string]any{"ask": map[string]any{"outbound": ask, "inbound": map[string]any{"Body": "5"}}}}),
			step("sent", "thanks", "Ended", "send-message", map[string]any{"trace": trace("Thanks for {{widgets.ask.inbound.Body}}", "Thanks for 5"),
				"widgets": map[string]any{"thanks": map[string]any{"outbound": thanks}}})},
		Messages: []Message{msg(thanks)}}
	if err := second.Encode(); err != nil {
		tb.Fatal(err)
	}
	return first, second
}

// BenchmarkSprintWriter is the one writer's part of the conversation
// benchmark alone, without the engine, the encoding or other goroutines:
// commits of perCommit already encoded sprints, half of them starting a
// conversation and half ending one started in the commit before, as
// group commit gathers them with 16 contacts. It reports the writer's
// time per sprint (µs/sprint), commit included.
func BenchmarkSprintWriter(b *testing.B) {
	const perCommit = 10
	ctx := context.Background()
	s, err := Open(ctx, b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	n := b.N
	firsts, seconds := make([]SprintRecord, n), make([]SprintRecord, n)
	for i := range n {
		firsts[i], seconds[i] = conversationSprints(b, i)
	}
	b.ResetTimer()
	cpu0 := cpuTime()
	start := time.Now()
	sprints := 0
	// Commit k holds the first sprints of conversations [k*h, (k+1)*h)
	// and the second sprints of those of commit k-1.
	h := perCommit / 2
	for k := 0; k*h < n+h; k++ {
		var batch []SprintRecord
		for i := k * h; i < min((k+1)*h, n); i++ {
			batch = append(batch, firsts[i])
		}
		for i := (k - 1) * h; i >= 0 && i < min(k*h, n); i++ {
			batch = append(batch, seconds[i])
		}
		if len(batch) == 0 {
			continue
		}
		tx, err := s.BeginSprints(ctx)
		if err != nil {
			b.Fatal(err)
		}
		for i, err := range tx.Add(ctx, batch) {
			if err != nil {
				b.Fatalf("sprint %d: %v", i, err)
			}
		}
		if err := tx.Commit(); err != nil {
			b.Fatal(err)
		}
		sprints += len(batch)
	}
	b.StopTimer()
	b.ReportMetric(float64(time.Since(start).Microseconds())/float64(sprints), "µs/sprint")
	b.ReportMetric(float64((cpuTime()-cpu0).Microseconds())/float64(sprints), "cpu-µs/sprint")
}
