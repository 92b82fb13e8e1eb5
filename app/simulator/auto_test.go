package simulator

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/switchboard/switchboard/app/runner"
	"github.com/switchboard/switchboard/app/store"
	"github.com/switchboard/switchboard/engine"
	"github.com/switchboard/switchboard/engine/enginetest"
	"github.com/switchboard/switchboard/schema"
)

// offline refuses every outside request at once, as a box without internet
// would (quickly, instead of waiting for DNS).
type offline struct{}

func (offline) RoundTrip(r *http.Request) (*http.Response, error) {
	return nil, errors.New("offline: no route to " + r.URL.Host)
}

// testRunner is a runner over a scratch store, offline, with sequential SIDs.
func testRunner(t *testing.T) (*runner.Runner, *store.Store) {
	t.Helper()
	st, err := store.Open(context.Background(), t.TempDir())
	require.NoError(t, err)
	t.Cleanup(func() { st.Close() })
	sids := &enginetest.SIDs{}
	r := runner.New(st, slog.New(slog.NewTextHandler(io.Discard, nil)),
		engine.WithSIDs(sids.New), engine.WithHTTPClient(&http.Client{Transport: offline{}}))
	t.Cleanup(r.Close)
	return r, st
}

// publish stores a flow definition file as a published flow.
func publish(t *testing.T, st *store.Store, flowSID, file string) *schema.Flow {
	t.Helper()
	b, err := os.ReadFile(file)
	require.NoError(t, err)
	f, err := schema.Parse(b)
	require.NoError(t, err)
	_, err = st.CreateFlow(context.Background(), store.NewFlow{SID: flowSID, FriendlyName: file, Status: store.StatusPublished, Definition: b})
	require.NoError(t, err)
	return f
}

// TestAutoAnswersWhatTheSplitsTestFor: a survey that loops until it gets a
// 1-5 rating, SURE or NEVER, menu key 4 or 5 and a spoken "sales" reaches
// its end under Auto, where answering "yes" and "1" looped to the step
// limit.
func TestAutoAnswersWhatTheSplitsTestFor(t *testing.T) {
	r, st := testRunner(t)
	const flowSID = "FW00000000000000000000000000000001"
	f := publish(t, st, flowSID, "testdata/survey.json")
	cases := []struct {
		channel string
		want    []string // in the transcript
	}{
		{"message", []string{"you> 1\n", "flow> Thank you!"}},
		{"call", []string{"you pressed 4\n", `you said "sales"`, "flow says: Connecting you to sales. Goodbye."}},
	}
	for i, c := range cases {
		t.Run(c.channel, func(t *testing.T) {
			tr, err := NewTrigger(c.channel, fmt.Sprintf("+1555000100%d", i), "+15550002222", "hi", nil, fmt.Sprintf("CA%032d", i))
			require.NoError(t, err)
			var out bytes.Buffer
			res, err := Run(context.Background(), r, flowSID, tr, NewAuto(f), &out)
			require.NoError(t, err)
			require.Equal(t, engine.EndCompleted, res.Execution.EndReason, out.String())
			require.Less(t, res.Turns, 10, out.String())
			for _, w := range c.want {
				require.Contains(t, out.String(), w)
			}
		})
	}
}
