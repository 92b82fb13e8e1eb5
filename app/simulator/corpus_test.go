package simulator

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/switchboard/switchboard/app/runner"
	"github.com/switchboard/switchboard/app/store"
	"github.com/switchboard/switchboard/engine"
	"github.com/switchboard/switchboard/engine/enginetest"
	_ "github.com/switchboard/switchboard/engine/widgets"
	"github.com/switchboard/switchboard/schema"
)

// offline refuses every outside request at once, as a box without internet
// would (quickly, instead of waiting for DNS).
type offline struct{}

func (offline) RoundTrip(r *http.Request) (*http.Response, error) {
	return nil, errors.New("offline: no route to " + r.URL.Host)
}

// TestCorpusFlowsRunToAnEnd: every real Studio flow, for every trigger event
// it wires, runs under the simulator with automatic answers to an end,
// without a Go error.
func TestCorpusFlowsRunToAnEnd(t *testing.T) {
	files, _ := filepath.Glob("../../../shared/flows/corpus/*.json")
	if len(files) == 0 {
		t.Skip("no corpus")
	}
	ctx := context.Background()
	st, err := store.Open(ctx, t.TempDir())
	require.NoError(t, err)
	defer st.Close()
	sids := &enginetest.SIDs{}
	r := runner.New(st, slog.New(slog.NewTextHandler(io.Discard, nil)),
		engine.WithSIDs(sids.New), engine.WithHTTPClient(&http.Client{Transport: offline{}}))
	runs := 0
	for i, file := range files {
		b, err := os.ReadFile(file)
		require.NoError(t, err)
		f, err := schema.Parse(b)
		require.NoError(t, err)
		flowSID := fmt.Sprintf("FW%032d", i+1)
		_, err = st.CreateFlow(ctx, store.NewFlow{SID: flowSID, FriendlyName: filepath.Base(file), Status: store.StatusPublished, Definition: json.RawMessage(b)})
		require.NoError(t, err)
		trig := f.State(f.InitialState)
		for _, ev := range []string{engine.EventIncomingCall, engine.EventIncomingMessage, engine.EventIncomingConversation, engine.EventIncomingRequest} {
			if next, ok := trig.Next(ev); !ok || next == "" {
				continue
			}
			t.Run(filepath.Base(file)+"/"+ev, func(t *testing.T) {
				contact := fmt.Sprintf("+1555%07d", runs)
				tr := engine.Trigger{Event: ev, Contact: contact, Channel: "+15550002222",
					Params: map[string]any{"From": contact, "To": "+15550002222", "Body": "hello", "CallSid": fmt.Sprintf("CA%032d", runs)}}
				var out bytes.Buffer
				res, err := Run(ctx, r, flowSID, tr, Auto{}, &out)
				require.NoError(t, err, out.String())
				require.False(t, res.Execution.Active(), "execution still active:\n%s", out.String())
			})
			runs++
		}
	}
	require.NotZero(t, runs)
}

func TestParse(t *testing.T) {
	gather := &engine.Wait{Inputs: []string{engine.InputDigits, engine.InputSpeech, engine.InputTimeout}}
	reply := &engine.Wait{Inputs: []string{engine.InputReply, engine.InputDelivery, engine.InputTimeout}}
	cases := []struct {
		line string
		w    *engine.Wait
		want engine.Input
		ok   bool
	}{
		{"12#", gather, engine.Input{Type: engine.InputDigits, Params: map[string]any{"Digits": "12"}}, true},
		{"say sales please", gather, engine.Input{Type: engine.InputSpeech, Params: map[string]any{"SpeechResult": "sales please", "Confidence": "0.9"}}, true},
		{"/timeout", gather, engine.Input{Type: engine.InputTimeout}, true},
		{"hello there", gather, engine.Input{}, false},
		{"12", reply, engine.Input{Type: engine.InputReply, Params: map[string]any{"Body": "12"}}, true},
		{"/delivery failed", reply, engine.Input{Type: engine.InputDelivery, Params: map[string]any{"Status": "failed"}}, true},
		{"/dial busy", reply, engine.Input{Type: engine.InputDial, Params: map[string]any{"DialCallStatus": "busy"}}, false},
		{"/hangup", reply, engine.Input{Type: engine.InputHangup}, true},
	}
	for _, c := range cases {
		t.Run(c.line, func(t *testing.T) {
			got, ok := Parse(c.line, c.w)
			require.Equal(t, c.ok, ok)
			if ok {
				require.Equal(t, c.want, got)
			}
		})
	}
}
