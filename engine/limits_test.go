package engine_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"

	"github.com/switchboard/switchboard/engine"
	_ "github.com/switchboard/switchboard/engine/widgets"
	"github.com/switchboard/switchboard/schema"
)

// flow builds a flow whose trigger goes to the first state on incomingMessage.
func flow(t *testing.T, states ...map[string]any) *engine.Program {
	t.Helper()
	first, _ := states[0]["name"].(string)
	all := append([]map[string]any{{
		"name": "Trigger", "type": "trigger", "properties": map[string]any{},
		"transitions": []map[string]any{{"event": "incomingMessage", "next": first}},
	}}, states...)
	b, err := json.Marshal(map[string]any{"description": "limits", "initial_state": "Trigger",
		"flags": map[string]any{"allow_concurrent_calls": true}, "states": all})
	if err != nil {
		t.Fatal(err)
	}
	f, err := schema.Parse(b)
	if err != nil {
		t.Fatal(err)
	}
	p, err := engine.Compile("FW00000000000000000000000000000001", 1, f)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func setVariables(name, next string) map[string]any {
	return map[string]any{"name": name, "type": "set-variables",
		"properties":  map[string]any{"variables": []map[string]any{{"key": "n", "value": "{{flow.variables.n | plus: 1}}"}}},
		"transitions": []map[string]any{{"event": "next", "next": next}}}
}

func sids() func(string) string {
	var n atomic.Int64
	return func(prefix string) string { return fmt.Sprintf("%s%032d", prefix, n.Add(1)) }
}

var trigger = engine.Trigger{Event: "incomingMessage", Contact: "+15550001111", Channel: "+15550002222"}

// limitEvents returns the codes of the sprint's error events.
func limitEvents(sp *engine.Sprint) []int {
	var codes []int
	for _, e := range sp.Events {
		if e.Code != 0 {
			codes = append(codes, e.Code)
		}
	}
	return codes
}

// TestStepLimit: two widgets that call each other run until the execution
// has taken MaxSteps steps (the trigger's step counts), then it ends with
// 81000 and no widget runs again.
func TestStepLimit(t *testing.T) {
	for _, max := range []int{1000, 7} {
		t.Run(fmt.Sprint(max), func(t *testing.T) {
			opts := []engine.Option{engine.WithSIDs(sids())}
			if max != 1000 {
				l := engine.DefaultLimits()
				l.MaxSteps = max
				opts = append(opts, engine.WithLimits(l))
			}
			p := flow(t, setVariables("ping", "pong"), setVariables("pong", "ping"))
			x, sp, err := engine.New(opts...).Start(context.Background(), p, trigger)
			if err != nil {
				t.Fatal(err)
			}
			if x.Active() || x.EndReason != engine.EndMaxSteps {
				t.Fatalf("status %s, end reason %q; want ended by the step limit", x.Status, x.EndReason)
			}
			if x.Steps != max || len(sp.Steps) != max {
				t.Fatalf("%d steps (%d in the sprint), want %d", x.Steps, len(sp.Steps), max)
			}
			if got := limitEvents(sp); len(got) != 1 || got[0] != engine.CodeMaxSteps {
				t.Fatalf("event codes %v, want [81000]", got)
			}
			// max-1 widget runs: n counts them.
			if n := fmt.Sprint(x.Context.Variables()["n"]); n != fmt.Sprint(max-1) {
				t.Fatalf("flow.variables.n = %s, want %d", n, max-1)
			}
		})
	}
}

// TestStepLimitAcrossSprints: the steps of earlier sprints count; a flow
// that waits for a reply in a loop ends on the step that would pass the
// limit, whichever sprint that is.
func TestStepLimitAcrossSprints(t *testing.T) {
	l := engine.DefaultLimits()
	l.MaxSteps = 9
	eng := engine.New(engine.WithSIDs(sids()), engine.WithLimits(l))
	ask := map[string]any{"name": "ask", "type": "send-and-wait-for-reply",
		"properties":  map[string]any{"body": "again?", "timeout": "3600"},
		"transitions": []map[string]any{{"event": "incomingMessage", "next": "count"}, {"event": "timeout"}, {"event": "deliveryFailure"}}}
	p := flow(t, ask, setVariables("count", "ask"))
	x, sp, err := eng.Start(context.Background(), p, trigger)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; x.Active(); i++ {
		if i > l.MaxSteps {
			t.Fatal("the execution outlived the step limit")
		}
		if x.Wait == nil {
			t.Fatalf("active but not waiting after %d steps", x.Steps)
		}
		sp, err = eng.Resume(context.Background(), p, x, engine.Input{Type: engine.InputReply, Params: map[string]any{"Body": "yes"}})
		if err != nil {
			t.Fatal(err)
		}
	}
	if x.EndReason != engine.EndMaxSteps || x.Steps != l.MaxSteps {
		t.Fatalf("ended %q after %d steps, want %q after %d", x.EndReason, x.Steps, engine.EndMaxSteps, l.MaxSteps)
	}
	if got := limitEvents(sp); len(got) != 1 || got[0] != engine.CodeMaxSteps {
		t.Fatalf("last sprint's event codes %v, want [81000]", got)
	}
}

// TestSameWidgetLimit: a widget may run MaxRepeats times in a row (Studio:
// 10); the next run in a row ends the execution with 81001. A
// make-http-request that loops to itself on success runs against a server
// that answers 200 ok times and then 500 (failed leads out of the loop).
func TestSameWidgetLimit(t *testing.T) {
	cases := []struct {
		ok       int // successes before the server fails
		runs     int // runs of the widget
		ended    string
		wantCode int
	}{
		{ok: 8, runs: 9, ended: engine.EndCompleted},
		{ok: 9, runs: 10, ended: engine.EndCompleted}, // ten in a row is allowed
		{ok: 10, runs: 10, ended: engine.EndLoop, wantCode: engine.CodeWidgetLoop},
		{ok: 50, runs: 10, ended: engine.EndLoop, wantCode: engine.CodeWidgetLoop},
	}
	for _, c := range cases {
		t.Run(fmt.Sprint(c.ok), func(t *testing.T) {
			var hits atomic.Int64
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if hits.Add(1) > int64(c.ok) {
					w.WriteHeader(http.StatusInternalServerError)
					return
				}
				w.Header().Set("Content-Type", "application/json")
				fmt.Fprint(w, `{"ok":true}`)
			}))
			defer srv.Close()
			poll := map[string]any{"name": "poll", "type": "make-http-request",
				"properties":  map[string]any{"method": "GET", "url": srv.URL + "/status", "content_type": "application/json;charset=utf-8"},
				"transitions": []map[string]any{{"event": "success", "next": "poll"}, {"event": "failed"}}}
			p := flow(t, poll)
			x, sp, err := engine.New(engine.WithSIDs(sids())).Start(context.Background(), p, trigger)
			if err != nil {
				t.Fatal(err)
			}
			if x.Active() || x.EndReason != c.ended {
				t.Fatalf("status %s, end reason %q, want %q", x.Status, x.EndReason, c.ended)
			}
			if int(hits.Load()) != c.runs || len(sp.Steps) != c.runs+1 {
				t.Fatalf("%d requests, %d steps; want %d requests and %d steps", hits.Load(), len(sp.Steps), c.runs, c.runs+1)
			}
			codes := limitEvents(sp)
			switch {
			case c.wantCode == 0 && len(codes) != 0:
				t.Fatalf("event codes %v, want none", codes)
			case c.wantCode != 0 && (len(codes) != 1 || codes[0] != c.wantCode):
				t.Fatalf("event codes %v, want [%d]", codes, c.wantCode)
			}
		})
	}
}

// TestSameWidgetLimitResetsOnAnotherWidget: a loop through two widgets
// never trips 81001, however long it runs (the step limit ends it).
func TestSameWidgetLimitResetsOnAnotherWidget(t *testing.T) {
	l := engine.DefaultLimits()
	l.MaxSteps = 100
	p := flow(t, setVariables("a", "b"), setVariables("b", "a"))
	x, sp, err := engine.New(engine.WithSIDs(sids()), engine.WithLimits(l)).Start(context.Background(), p, trigger)
	if err != nil {
		t.Fatal(err)
	}
	if x.EndReason != engine.EndMaxSteps {
		t.Fatalf("end reason %q, want %q (codes %v)", x.EndReason, engine.EndMaxSteps, limitEvents(sp))
	}
	// A self-loop with MaxRepeats 3 ends after three runs.
	l.MaxRepeats = 3
	x, sp, err = engine.New(engine.WithSIDs(sids()), engine.WithLimits(l)).Start(context.Background(), flow(t, setVariables("self", "self")), trigger)
	if err != nil {
		t.Fatal(err)
	}
	if x.EndReason != engine.EndLoop || fmt.Sprint(x.Context.Variables()["n"]) != "3" {
		t.Fatalf("end reason %q, n %v; want %q after 3 runs", x.EndReason, x.Context.Variables()["n"], engine.EndLoop)
	}
	if got := limitEvents(sp); len(got) != 1 || got[0] != engine.CodeWidgetLoop {
		t.Fatalf("event codes %v, want [81001]", got)
	}
}
