package runner

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/switchboard/switchboard/app/store"
	"github.com/switchboard/switchboard/engine"
)

// fetchFlow's first widget is an HTTP request to flow.data.url.
const fetchFlow = `{"initial_state": "Trigger", "states": [
  {"name": "Trigger", "type": "trigger", "properties": {}, "transitions": [{"event": "incomingRequest", "next": "fetch"}]},
  {"name": "fetch", "type": "make-http-request", "properties": {"method": "GET", "url": "{{flow.data.url}}", "content_type": "application/json;charset=utf-8"},
   "transitions": [{"event": "success"}, {"event": "failed"}]}]}`

const launchChildEnv = "SWITCHBOARD_LAUNCH_CHILD"

// TestLaunchChild is the process that gets killed: it launches one
// execution and says so once Launch returned (the API's 201).
func TestLaunchChild(t *testing.T) {
	env := os.Getenv(launchChildEnv)
	if env == "" {
		t.Skip("only runs as the child of TestLaunchSurvivesAKill")
	}
	dir, target, _ := strings.Cut(env, " ")
	ctx := context.Background()
	st, err := store.Open(ctx, dir)
	if err != nil {
		fmt.Println("ERR", err)
		os.Exit(3)
	}
	r := New(st, slog.New(slog.NewTextHandler(io.Discard, nil)))
	x, err := r.Launch(ctx, flowSID, engine.Trigger{Event: engine.EventIncomingRequest, Contact: "+15550001111",
		Channel: "+15550002222", Data: map[string]any{"url": target}})
	if err != nil {
		fmt.Println("ERR", err)
		os.Exit(3)
	}
	fmt.Println("OK", x.SID)
	time.Sleep(time.Minute) // killed long before
	os.Exit(4)
}

// TestLaunchSurvivesAKill: an execution that Launch created, whose first
// sprint was cut off by SIGKILL (its HTTP request in flight), runs in the
// next process's first sweep and ends with the request's result.
func TestLaunchSurvivesAKill(t *testing.T) {
	if testing.Short() {
		t.Skip("spawns a process")
	}
	ctx := context.Background()
	hit := make(chan struct{}, 4)
	hold := make(chan struct{})
	defer close(hold)
	var answer = make(chan bool, 1)
	answer <- false // the first request (the child's) is held
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hit <- struct{}{}
		if !<-answer {
			answer <- true
			select {
			case <-hold:
			case <-r.Context().Done():
			}
			return
		}
		answer <- true
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"ok": "yes"}`))
	}))
	defer srv.Close()

	dir := t.TempDir()
	st, err := store.Open(ctx, dir)
	require.NoError(t, err)
	_, err = st.CreateFlow(ctx, store.NewFlow{SID: flowSID, FriendlyName: "fetch", Status: store.StatusPublished, Definition: json.RawMessage(fetchFlow), Valid: true})
	require.NoError(t, err)
	require.NoError(t, st.Close())

	cmd := exec.Command(os.Args[0], "-test.run", "^TestLaunchChild$", "-test.count=1")
	cmd.Env = append(os.Environ(), launchChildEnv+"="+dir+" "+srv.URL+"/x")
	stdout, err := cmd.StdoutPipe()
	require.NoError(t, err)
	require.NoError(t, cmd.Start())
	defer func() { _ = cmd.Process.Kill(); _ = cmd.Wait() }()
	sc := bufio.NewScanner(stdout)
	require.True(t, sc.Scan(), "child said nothing")
	f := strings.Fields(sc.Text())
	require.Equal(t, "OK", f[0], sc.Text())
	sid := f[1]
	select {
	case <-hit: // the first sprint is in flight
	case <-time.After(30 * time.Second):
		t.Fatal("the child's first sprint never sent its request")
	}
	require.NoError(t, cmd.Process.Signal(syscall.SIGKILL))
	_ = cmd.Wait()

	st, err = store.Open(ctx, dir)
	require.NoError(t, err)
	defer st.Close()
	x, err := st.Execution(ctx, sid)
	require.NoError(t, err)
	require.True(t, x.Active(), "created and durable, not run")
	steps, err := st.Steps(ctx, sid)
	require.NoError(t, err)
	require.Empty(t, steps)

	r := New(st, slog.New(slog.NewTextHandler(io.Discard, nil)))
	defer r.Close()
	_, err = r.Sweep(ctx, time.Now())
	require.NoError(t, err)
	x, err = st.Execution(ctx, sid)
	require.NoError(t, err)
	require.False(t, x.Active(), "the sweep after the restart ran it")
	require.Equal(t, engine.EndCompleted, x.EndReason)
	fetch := x.Context["widgets"].(map[string]any)["fetch"].(map[string]any)
	require.Equal(t, "yes", fetch["parsed"].(map[string]any)["ok"])
	steps, err = st.Steps(ctx, sid)
	require.NoError(t, err)
	require.Len(t, steps, 2, "trigger and fetch, once each")

	// A second sweep finds nothing left to run.
	sw, err := r.Sweep(ctx, time.Now().Add(time.Minute))
	require.NoError(t, err)
	require.Equal(t, Swept{}, sw)
}
