package app

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/switchboard/switchboard/app/runner"
	"github.com/switchboard/switchboard/app/sid"
	"github.com/switchboard/switchboard/app/simulator"
	"github.com/switchboard/switchboard/app/store"
	"github.com/switchboard/switchboard/engine"
	_ "github.com/switchboard/switchboard/engine/widgets" // every widget type
	"github.com/switchboard/switchboard/schema"
)

type simulateOpts struct {
	channel  string // call, message, request
	from, to string
	script   string
	auto     bool
	params   string
}

func newSimulateCmd() *cobra.Command {
	var o simulateOpts
	cmd := &cobra.Command{
		Use:   "simulate FLOW.json",
		Short: "Talk to a flow in the terminal: a chat for messages, a text phone for calls",
		Long: "Run FLOW.json with the real engine and a scratch store, and converse with it.\n" +
			"On a call, prompts show as text; type keys (1#), 'say <words>' for speech,\n" +
			"/timeout, /hangup. In a chat, type replies. --script answers from a file,\n" +
			"one line per turn; --auto answers everything with a plausible input.",
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return simulate(cmd.Context(), args[0], o, cmd.InOrStdin(), cmd.OutOrStdout())
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.channel, "channel", "", "call, message or request (default: what the trigger wires, calls first)")
	f.StringVar(&o.from, "from", "+15550001111", "the contact's address")
	f.StringVar(&o.to, "to", "+15550002222", "the flow's address")
	f.StringVar(&o.script, "script", "", "file with one answer per line")
	f.BoolVar(&o.auto, "auto", false, "answer every wait automatically")
	f.StringVar(&o.params, "parameters", "", "REST Parameters as JSON (flow.data), for --channel request")
	return cmd
}

func simulate(ctx context.Context, file string, o simulateOpts, in io.Reader, out io.Writer) error {
	b, err := os.ReadFile(file)
	if err != nil {
		return err
	}
	f, err := schema.Parse(b)
	if err != nil {
		return fmt.Errorf("%s: %w", file, err)
	}
	dir, err := os.MkdirTemp("", "switchboard-sim-*")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	st, err := store.Open(ctx, dir)
	if err != nil {
		return err
	}
	defer st.Close()
	flowSID := sid.New(sid.Flow)
	if _, err := st.CreateFlow(ctx, store.NewFlow{SID: flowSID, FriendlyName: file, Status: store.StatusPublished,
		Definition: json.RawMessage(b), Valid: schema.Validate(b).Valid()}); err != nil {
		return err
	}
	r := runner.New(st, slog.New(slog.NewTextHandler(io.Discard, nil)), engine.WithSIDs(sid.New))
	t, err := simTrigger(f, o)
	if err != nil {
		return err
	}
	var d simulator.Driver = simulator.NewTerminal(in, out)
	switch {
	case o.script != "":
		lines, err := os.ReadFile(o.script)
		if err != nil {
			return err
		}
		d = &simulator.Script{Lines: strings.Split(strings.TrimRight(string(lines), "\n"), "\n")}
	case o.auto:
		d = simulator.Auto{}
	}
	_, err = simulator.Run(ctx, r, flowSID, t, d, out)
	return err
}

// simTrigger picks the trigger event: the one asked for, else the first the
// trigger wires (call, message, request).
func simTrigger(f *schema.Flow, o simulateOpts) (engine.Trigger, error) {
	events := map[string]string{"call": engine.EventIncomingCall, "message": engine.EventIncomingMessage, "request": engine.EventIncomingRequest}
	ev := events[o.channel]
	if o.channel != "" && ev == "" {
		return engine.Trigger{}, fmt.Errorf("--channel %q: call, message or request", o.channel)
	}
	if ev == "" {
		trig := f.State(f.InitialState)
		for _, e := range []string{engine.EventIncomingCall, engine.EventIncomingMessage, engine.EventIncomingRequest} {
			if next, ok := trig.Next(e); ok && next != "" {
				ev = e
				break
			}
		}
		if ev == "" {
			return engine.Trigger{}, fmt.Errorf("the trigger wires no call, message or request event")
		}
	}
	return SimTrigger(ev, o.from, o.to, o.params)
}

// SimTrigger builds a trigger as the channels would, with Twilio-shaped
// parameters.
func SimTrigger(event, from, to, params string) (engine.Trigger, error) {
	t := engine.Trigger{Event: event, Contact: from, Channel: to}
	switch event {
	case engine.EventIncomingCall:
		t.Params = map[string]any{"CallSid": sid.New("CA"), "From": from, "To": to, "Caller": from, "Called": to,
			"CallStatus": "ringing", "Direction": "inbound", "AccountSid": "AC00000000000000000000000000000000", "ApiVersion": "2010-04-01"}
		t.InitiatedBy = t.Params["CallSid"].(string)
	case engine.EventIncomingMessage:
		t.Params = map[string]any{"MessageSid": sid.New("SM"), "From": from, "To": to, "Body": "hi", "NumMedia": "0",
			"AccountSid": "AC00000000000000000000000000000000"}
		t.InitiatedBy = t.Params["MessageSid"].(string)
	case engine.EventIncomingRequest:
		// REST: From is the flow's address, To the contact's.
		t.Contact, t.Channel = from, to
		if params != "" {
			if err := json.Unmarshal([]byte(params), &t.Data); err != nil {
				return t, fmt.Errorf("--parameters: %w", err)
			}
		}
		t.Params = map[string]any{}
	}
	return t, nil
}
