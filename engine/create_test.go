package engine_test

import (
	"context"
	"errors"
	"testing"

	"github.com/switchboard/switchboard/engine"
	_ "github.com/switchboard/switchboard/engine/widgets"
	"github.com/switchboard/switchboard/schema"
)

// TestCreateThenStart: Create makes an execution that waits in its trigger
// for InputStart (or a timeout, when a host finds it due after a crash)
// and runs nothing; resuming it runs the first sprint, once.
func TestCreateThenStart(t *testing.T) {
	f, err := schema.Parse([]byte(`{"initial_state": "Trigger", "states": [
	  {"name": "Trigger", "type": "trigger", "properties": {}, "transitions": [{"event": "incomingRequest", "next": "vars"}]},
	  {"name": "vars", "type": "set-variables", "properties": {"variables": [{"key": "greeting", "value": "hi {{flow.data.name}}"}]},
	   "transitions": [{"event": "next"}]}]}`))
	if err != nil {
		t.Fatal(err)
	}
	p, err := engine.Compile("FW1", 1, f)
	if err != nil {
		t.Fatal(err)
	}
	e := engine.New()
	for _, in := range []string{engine.InputStart, engine.InputTimeout} {
		t.Run(in, func(t *testing.T) {
			x := e.Create(p, engine.Trigger{Event: engine.EventIncomingRequest, Contact: "+1", Channel: "+2", Data: map[string]any{"name": "Ann"}})
			if !x.Active() || x.Steps != 0 || x.Wait == nil || !x.Wait.Accepts(engine.InputStart) || x.Wait.Deadline.IsZero() {
				t.Fatalf("created: %+v", x)
			}
			if _, err := e.Resume(context.Background(), p, x, engine.Input{Type: engine.InputReply}); !errors.Is(err, engine.ErrNotWaiting) {
				t.Fatalf("a reply before the start: %v", err)
			}
			sp, err := e.Resume(context.Background(), p, x, engine.Input{Type: in})
			if err != nil {
				t.Fatal(err)
			}
			if len(sp.Steps) != 2 || sp.Steps[0].Name != engine.EventIncomingRequest || sp.Steps[0].TransitionedFrom != "Trigger" || !sp.Ended {
				t.Fatalf("first sprint: %+v", sp)
			}
			if x.Active() || x.StartEvent != "" {
				t.Fatalf("after: %+v", x)
			}
			if _, err := e.Resume(context.Background(), p, x, engine.Input{Type: in}); !errors.Is(err, engine.ErrEnded) {
				t.Fatalf("started twice: %v", err)
			}
		})
	}
}
