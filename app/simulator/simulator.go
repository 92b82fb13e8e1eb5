// Package simulator runs a flow as a conversation in text: a chat for
// messaging triggers and a text phone for calls (prompts shown as text,
// digits typed). It drives the real runner, engine and store; only the
// channel is text.
package simulator

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/switchboard/switchboard/app/runner"
	"github.com/switchboard/switchboard/engine"
)

// MaxTurns bounds a conversation, so a flow that loops through waits ends.
const MaxTurns = 2000

// Driver answers a waiting execution (x.Wait says what it waits for; sp
// is the sprint that led there): it returns the input to resume with, or
// ok=false to hang up / walk away. It must not modify x.
type Driver interface {
	Input(ctx context.Context, x *engine.Execution, sp *engine.Sprint) (in engine.Input, ok bool, err error)
}

// Observer, when a Driver implements it, sees every sprint of the run as it
// happens, the one that ends the execution included (which no Input call
// sees).
type Observer interface {
	Sprint(x *engine.Execution, sp *engine.Sprint)
}

// Result is how a conversation went.
type Result struct {
	Execution *engine.Execution
	Turns     int
	Commands  engine.Commands
	Events    []engine.Event
}

// Run starts the flow for the trigger and converses through d until the
// execution ends, d stops or MaxTurns pass. The transcript goes to out.
func Run(ctx context.Context, r *runner.Runner, flowSID string, t engine.Trigger, d Driver, out io.Writer) (*Result, error) {
	x, sp, err := r.Start(ctx, flowSID, t)
	if err != nil {
		return nil, err
	}
	res := &Result{Execution: x}
	fmt.Fprintf(out, "── %s from %s to %s (execution %s)\n", t.Event, t.Contact, t.Channel, x.SID)
	obs, _ := d.(Observer)
	for {
		show(out, sp)
		if obs != nil {
			obs.Sprint(x, sp)
		}
		res.Commands = append(res.Commands, sp.Commands...)
		res.Events = append(res.Events, sp.Events...)
		if !x.Active() {
			fmt.Fprintf(out, "── ended: %s\n", x.EndReason)
			return res, nil
		}
		if res.Turns >= MaxTurns {
			if x, err = r.End(ctx, x.SID); err != nil {
				return res, err
			}
			res.Execution = x
			fmt.Fprintf(out, "── stopped after %d turns\n", MaxTurns)
			return res, nil
		}
		in, ok, err := d.Input(ctx, x, sp)
		if err != nil {
			return res, err
		}
		if !ok {
			in = engine.Input{Type: engine.InputHangup}
			if !x.Wait.Accepts(engine.InputHangup) && t.Event != engine.EventIncomingCall {
				x, err = r.End(ctx, x.SID)
				res.Execution = x
				fmt.Fprintln(out, "── you left the conversation")
				return res, err
			}
		}
		res.Turns++
		echo(out, in)
		x, sp, err = r.Resume(ctx, x.SID, in)
		if errors.Is(err, engine.ErrNotWaiting) {
			fmt.Fprintf(out, "   (the flow does not take %s here; waiting for %s)\n", in.Type, strings.Join(res.Execution.Wait.Inputs, ", "))
			x = res.Execution
			sp = &engine.Sprint{}
			continue
		}
		if err != nil {
			return res, err
		}
		res.Execution = x
	}
}

// show prints what the flow did in a sprint.
func show(out io.Writer, sp *engine.Sprint) {
	for _, c := range sp.Commands {
		fmt.Fprintf(out, "%s\n", Describe(c))
	}
	for _, e := range sp.Events {
		code := ""
		if e.Code != 0 {
			code = fmt.Sprintf(" %d", e.Code)
		}
		fmt.Fprintf(out, "   ! %s%s %s: %s\n", e.Level, code, e.Widget, e.Message)
	}
}

func echo(out io.Writer, in engine.Input) {
	switch in.Type {
	case engine.InputReply:
		fmt.Fprintf(out, "you> %v\n", in.Params["Body"])
	case engine.InputDigits:
		fmt.Fprintf(out, "you pressed %v\n", in.Params["Digits"])
	case engine.InputSpeech:
		fmt.Fprintf(out, "you said %q\n", in.Params["SpeechResult"])
	case engine.InputAudioDone:
	default:
		fmt.Fprintf(out, "   (%s)\n", in.Type)
	}
}

// Describe renders a command as a line of the transcript.
func Describe(c engine.Command) string {
	s, err := describe(c)
	if err != nil {
		return fmt.Sprintf("   [%v]", err)
	}
	return s
}

// describe lists every command type; its default branch is a bug that the
// package's tests catch for every type in enginetest.EveryCommand.
func describe(c engine.Command) (string, error) {
	switch c := c.(type) {
	case engine.Say:
		return fmt.Sprintf("flow says: %s", c.Text), nil
	case engine.Play:
		return fmt.Sprintf("flow plays %s", c.URL), nil
	case engine.Digits:
		return fmt.Sprintf("flow sends digits %s", c.Digits), nil
	case engine.Gather:
		var b strings.Builder
		for _, p := range c.Prompts {
			b.WriteString(Describe(p))
			b.WriteString("\n")
		}
		fmt.Fprintf(&b, "   [listening for keys or speech, %ds]", c.Timeout)
		return b.String(), nil
	case engine.Record:
		return fmt.Sprintf("   [recording, up to %ds]", c.MaxLength), nil
	case engine.Dial:
		return fmt.Sprintf("   [dialling %s %s]", c.Noun, strings.Join(c.To, ", ")), nil
	case engine.Message:
		return fmt.Sprintf("flow> %s", c.Body), nil
	case engine.Call:
		return fmt.Sprintf("   [calling %s from %s]", c.To, c.From), nil
	case engine.Enqueue:
		return fmt.Sprintf("   [queued in %s]", c.Queue), nil
	case engine.Redirect:
		return fmt.Sprintf("   [call handed to %s]", c.URL), nil
	case engine.Hangup:
		return "   [flow hangs up]", nil
	case engine.RecordCall:
		if c.Start {
			return "   [recording the call]", nil
		}
		return "   [call recording stopped]", nil
	case engine.Stream:
		if c.Action == "stop" {
			return fmt.Sprintf("   [audio stream %s stopped]", c.Name), nil
		}
		return fmt.Sprintf("   [streaming the call's audio to %s]", c.URL), nil
	}
	return "", fmt.Errorf("%w %T", engine.ErrUnknownCommand, c)
}
