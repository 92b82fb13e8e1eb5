package simulator

import (
	"context"
	"errors"
	"io"
	"sync"

	"github.com/switchboard/switchboard/app/runner"
	"github.com/switchboard/switchboard/engine"
)

// ErrConversationOver is returned by Live.Send after the execution ended.
var ErrConversationOver = errors.New("simulator: the conversation is over")

// Turn is what the flow did between two of the person's inputs: the
// commands, events and steps of the sprints in between (prompts that only
// need to finish playing pass by themselves), and where it stands now.
type Turn struct {
	Commands  engine.Commands
	Events    []engine.Event
	Steps     []engine.Step
	Execution *engine.Execution // as it is now; read it, never change it
	Wait      *engine.Wait      // what it waits for; nil once Ended
	Ended     bool
	Turns     int   // inputs taken so far (Run's count)
	Err       error // why the run stopped, when it failed
}

// Live is a Driver fed by a person one input at a time from another
// goroutine (the editor's simulator, over the REST API). StartLive runs
// the conversation with Run in the background; each Send hands Run one
// input and returns the Turn it led to. It is the same loop as the
// terminal's and the flow tests', only the answers come from elsewhere.
type Live struct {
	in     chan engine.Input
	out    chan Turn
	cancel context.CancelFunc
	done   chan struct{}

	mu    sync.Mutex // serialises Send
	ended bool

	turn Turn // being built by Run's goroutine
}

// StartLive starts the flow for the trigger and returns the first Turn
// (what the flow did until it first waits for the person, or ended).
// Stop ends the background run.
func StartLive(ctx context.Context, r *runner.Runner, flowSID string, t engine.Trigger) (*Live, Turn, error) {
	ctx, cancel := context.WithCancel(ctx)
	l := &Live{in: make(chan engine.Input), out: make(chan Turn, 1), cancel: cancel, done: make(chan struct{})}
	go func() {
		defer close(l.done)
		res, err := Run(ctx, r, flowSID, t, l, io.Discard)
		l.turn.Ended, l.turn.Err, l.turn.Wait = true, err, nil
		if res != nil {
			l.turn.Execution, l.turn.Turns = res.Execution, res.Turns
		}
		select {
		case l.out <- l.turn:
		default: // a Send that gave up left a Turn nobody reads
		}
	}()
	first := <-l.out
	if first.Ended {
		l.ended = true
		if first.Execution == nil && first.Err != nil {
			cancel()
			return nil, first, first.Err
		}
	}
	return l, first, nil
}

// Sprint implements Observer.
func (l *Live) Sprint(x *engine.Execution, sp *engine.Sprint) {
	l.turn.Execution = x
	l.turn.Commands = append(l.turn.Commands, sp.Commands...)
	l.turn.Events = append(l.turn.Events, sp.Events...)
	l.turn.Steps = append(l.turn.Steps, sp.Steps...)
}

// Input implements Driver: prompts finish by themselves; any other wait
// hands the Turn so far to Send and waits for the person's next input. A
// hangup input stops the conversation as a hang-up (a call) or the
// contact walking away (a chat).
func (l *Live) Input(ctx context.Context, x *engine.Execution, _ *engine.Sprint) (engine.Input, bool, error) {
	if x.Wait.Accepts(engine.InputAudioDone) {
		return engine.Input{Type: engine.InputAudioDone}, true, nil
	}
	l.turn.Execution, l.turn.Wait = x, x.Wait
	select {
	case l.out <- l.turn:
	case <-ctx.Done():
		return engine.Input{}, false, ctx.Err()
	}
	l.turn = Turn{Turns: l.turn.Turns + 1}
	select {
	case in := <-l.in:
		if in.Type == engine.InputHangup {
			return engine.Input{}, false, nil
		}
		return in, true, nil
	case <-ctx.Done():
		return engine.Input{}, false, ctx.Err()
	}
}

// Send gives the waiting flow one input and returns what it did next. The
// caller checks first that the wait takes the input (Turn.Wait.Accepts);
// one the engine refuses anyway comes back as an empty Turn, still
// waiting.
func (l *Live) Send(ctx context.Context, in engine.Input) (Turn, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.ended {
		return Turn{}, ErrConversationOver
	}
	select {
	case l.in <- in:
	case <-l.done:
		l.ended = true
		return Turn{}, ErrConversationOver
	case <-ctx.Done():
		return Turn{}, ctx.Err()
	}
	select {
	case t := <-l.out:
		l.ended = t.Ended
		return t, nil
	case <-ctx.Done():
		// The run goes on; Stop ends it.
		return Turn{}, ctx.Err()
	}
}

// Stop ends the background run (an execution still waiting stays as it
// is in the run's store) and waits for it to finish.
func (l *Live) Stop() {
	l.cancel()
	<-l.done
}
