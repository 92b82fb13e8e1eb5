package runner

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/switchboard/switchboard/app/sid"
	"github.com/switchboard/switchboard/app/store"
	"github.com/switchboard/switchboard/engine"
)

// waiter asks a question and waits for the reply; the timeout comes from the
// REST parameters so that some executions time out soon and others never.
const waiter = `{
  "initial_state": "Trigger",
  "states": [
    {"name": "Trigger", "type": "trigger", "properties": {}, "transitions": [{"event": "incomingRequest", "next": "ask"}]},
    {"name": "ask", "type": "send-and-wait-for-reply", "properties": {"body": "Question {{flow.data.n}}", "timeout": "{{flow.data.timeout}}"},
     "transitions": [{"event": "incomingMessage", "next": "thanks"}, {"event": "timeout", "next": "bye"}, {"event": "deliveryFailure"}]},
    {"name": "thanks", "type": "send-message", "properties": {"body": "Thanks {{flow.data.n}}: {{widgets.ask.inbound.Body}}"}, "transitions": [{"event": "sent"}, {"event": "failed"}]},
    {"name": "bye", "type": "send-message", "properties": {"body": "Timed out {{flow.data.n}}"}, "transitions": [{"event": "sent"}, {"event": "failed"}]}
  ]}`

const crashChildEnv = "SWITCHBOARD_CRASH_CHILD_DIR"

// TestCrashChild is the process that gets killed: it starts executions as
// fast as it can and prints each SID once its sprint is committed.
func TestCrashChild(t *testing.T) {
	dir := os.Getenv(crashChildEnv)
	if dir == "" {
		t.Skip("only runs as the child of TestCrashRecovery")
	}
	ctx := context.Background()
	st, err := store.Open(ctx, dir)
	if err != nil {
		fmt.Println("ERR", err)
		os.Exit(3)
	}
	r := New(st, slog.New(slog.NewTextHandler(io.Discard, nil)), engine.WithSIDs(sid.New))
	out := bufio.NewWriter(os.Stdout)
	for i := 0; ; i++ {
		timeout := "86400"
		if i%2 == 1 {
			timeout = "1" // due right after the restart
		}
		x, _, err := r.Start(ctx, flowSID, engine.Trigger{Event: engine.EventIncomingRequest,
			Contact: fmt.Sprintf("+1555%07d", i), Channel: "+15550002222", Data: map[string]any{"n": i, "timeout": timeout}})
		if err != nil {
			fmt.Fprintln(out, "ERR", err)
			out.Flush()
			os.Exit(3)
		}
		fmt.Fprintln(out, "OK", x.SID, i)
		if i == 999 {
			fmt.Fprintln(out, "READY")
		}
		out.Flush()
	}
}

// TestCrashRecovery: 1,000+ executions wait on replies; the process is
// killed with SIGKILL while it is still writing; a new process finds every
// acknowledged execution, each resumes on its reply, due timeouts fire, and
// nothing is lost, half-written or doubled.
func TestCrashRecovery(t *testing.T) {
	if testing.Short() {
		t.Skip("spawns a process")
	}
	ctx := context.Background()
	dir := t.TempDir()
	st, err := store.Open(ctx, dir)
	require.NoError(t, err)
	_, err = st.CreateFlow(ctx, store.NewFlow{SID: flowSID, FriendlyName: "waiter", Status: store.StatusPublished, Definition: json.RawMessage(waiter), Valid: true})
	require.NoError(t, err)
	require.NoError(t, st.Close())

	cmd := exec.Command(os.Args[0], "-test.run", "^TestCrashChild$", "-test.count=1")
	cmd.Env = append(os.Environ(), crashChildEnv+"="+dir)
	stdout, err := cmd.StdoutPipe()
	require.NoError(t, err)
	require.NoError(t, cmd.Start())
	acked := map[string]int{}
	sc := bufio.NewScanner(stdout)
	deadline := time.After(2 * time.Minute)
	ready := false
	extra := 0
	lines := make(chan string)
	go func() {
		for sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
	}()
loop:
	for {
		select {
		case line, ok := <-lines:
			if !ok {
				break loop
			}
			f := strings.Fields(line)
			switch {
			case f[0] == "OK":
				var n int
				fmt.Sscan(f[2], &n)
				acked[f[1]] = n
				if ready {
					extra++
				}
			case f[0] == "READY":
				ready = true
			case f[0] == "ERR":
				t.Fatalf("child: %s", line)
			}
			if ready && extra >= 50 {
				// Kill it mid-write: it is starting more executions right now.
				require.NoError(t, cmd.Process.Signal(syscall.SIGKILL))
				break loop
			}
		case <-deadline:
			_ = cmd.Process.Kill()
			t.Fatal("child did not get ready")
		}
	}
	// Lines the child wrote before it died are acknowledgements too, even
	// those still in the pipe when the signal went out.
	for line := range lines {
		if f := strings.Fields(line); len(f) == 3 && f[0] == "OK" {
			var n int
			fmt.Sscan(f[2], &n)
			acked[f[1]] = n
		}
	}
	_ = cmd.Wait()
	require.GreaterOrEqual(t, len(acked), 1000)

	// A new process on the same data.
	st, err = store.Open(ctx, dir)
	require.NoError(t, err)
	defer st.Close()
	r := New(st, slog.New(slog.NewTextHandler(io.Discard, nil)), engine.WithSIDs(sid.New))
	defer r.Close()
	active, err := st.CountExecutions(ctx, engine.StatusActive)
	require.NoError(t, err)
	require.GreaterOrEqual(t, active, len(acked), "every acknowledged execution survived")
	require.LessOrEqual(t, active, len(acked)+1, "at most the one in flight was committed unacknowledged")

	// Every execution in the store is whole: its trigger step and its question.
	pending, err := st.ListMessages(ctx, store.MessageFilter{Status: store.MessageQueued}, store.Page{})
	require.NoError(t, err)
	require.Len(t, pending, active, "one question per execution, none doubled")

	// Timeouts due during the outage fire now.
	fired, err := r.FireTimers(ctx, time.Now().Add(2*time.Second), 10*active)
	require.NoError(t, err)
	odd := 0
	for _, n := range acked {
		if n%2 == 1 {
			odd++
		}
	}
	require.GreaterOrEqual(t, fired, odd)

	// Every other acknowledged execution resumes on its reply.
	replied := 0
	for sid, n := range acked {
		x, err := st.Execution(ctx, sid)
		require.NoError(t, err)
		if n%2 == 1 {
			require.False(t, x.Active(), "execution %d should have timed out", n)
			continue
		}
		contact := fmt.Sprintf("+1555%07d", n)
		x2, sp, err := r.Message(ctx, flowSID, contact, "+15550002222", map[string]any{"Body": "yes"})
		require.NoError(t, err)
		require.Equal(t, sid, x2.SID)
		require.Equal(t, []string{fmt.Sprintf("Thanks %d: yes", n)}, messages(sp))
		replied++
	}
	require.Equal(t, len(acked)-odd, replied)
	left, err := st.CountExecutions(ctx, engine.StatusActive)
	require.NoError(t, err)
	require.LessOrEqual(t, left, 1, "only an unacknowledged execution may remain")
}
