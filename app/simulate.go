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
			"--channel picks the trigger event: call (incomingCall), message (incomingMessage),\n" +
			"conversation (incomingConversationMessage) or request (incomingRequest).\n" +
			"On a call, prompts show as text; type keys (1#), 'say <words>' for speech,\n" +
			"/timeout, /hangup. In a chat or a conversation, type replies. --script answers\n" +
			"from a file, one line per turn. --auto answers every wait by itself, choosing\n" +
			"answers that lead to widgets not reached yet (the values split conditions test\n" +
			"for, speech, keys, a timeout).\n\n" +
			"Exit status: 0 when the execution ends, 1 when it ends on the step limit (81000),\n" +
			"the widget loop limit (81001) or an error, or runs past 2000 turns; 2 when the\n" +
			"simulation cannot run.",
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return simulate(cmd.Context(), args[0], o, cmd.InOrStdin(), cmd.OutOrStdout())
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.channel, "channel", "", "call, message, conversation or request (default: the first the trigger wires, in that order)")
	f.StringVar(&o.from, "from", "+15550001111", "the contact's address")
	f.StringVar(&o.to, "to", "+15550002222", "the flow's address")
	f.StringVar(&o.script, "script", "", "file with one answer per line")
	f.BoolVar(&o.auto, "auto", false, "answer every wait automatically, choosing answers that lead somewhere new")
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
		d = simulator.NewAuto(f)
	}
	res, err := simulator.Run(ctx, r, flowSID, t, d, out)
	if err != nil {
		return err
	}
	if failed(res) {
		return exitError{1}
	}
	return nil
}

// failed reports whether a simulated execution ended on a limit (81000,
// 81001), an error, or was stopped after simulator.MaxTurns.
func failed(res *simulator.Result) bool {
	switch res.Execution.EndReason {
	case engine.EndMaxSteps, engine.EndLoop, engine.EndError:
		return true
	}
	return res.Turns >= simulator.MaxTurns
}

// simTrigger picks the channel: the one asked for, else the first the
// trigger wires (call, message, conversation, request).
func simTrigger(f *schema.Flow, o simulateOpts) (engine.Trigger, error) {
	channel := o.channel
	if channel == "" {
		trig := f.State(f.InitialState)
		for _, c := range simulator.ChannelNames {
			if next, ok := trig.Next(simulator.Channels[c]); ok && next != "" {
				channel = c
				break
			}
		}
		if channel == "" {
			return engine.Trigger{}, fmt.Errorf("the trigger wires no incomingCall, incomingMessage, incomingConversationMessage or incomingRequest event")
		}
	}
	var data map[string]any
	if o.params != "" {
		if err := json.Unmarshal([]byte(o.params), &data); err != nil {
			return engine.Trigger{}, fmt.Errorf("--parameters: %w", err)
		}
	}
	prefix := map[string]string{"message": "SM", "conversation": "CH"}[channel]
	if prefix == "" {
		prefix = "CA"
	}
	t, err := simulator.NewTrigger(channel, o.from, o.to, "hi", data, sid.New(prefix))
	if err != nil {
		return t, fmt.Errorf("--channel: %w", err)
	}
	return t, nil
}
