package app

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/switchboard/switchboard/app/auth"
	"github.com/switchboard/switchboard/app/config"
	"github.com/switchboard/switchboard/app/store"
	"github.com/switchboard/switchboard/sip/siptest"
)

// cli runs the switchboard command line in process.
func cli(t *testing.T, args ...string) (int, string) {
	t.Helper()
	var out bytes.Buffer
	code := run(context.Background(), args, nil, &out, &out)
	return code, out.String()
}

// A backup taken with `switchboard backup` while REST executions are being
// created and a SIP call is in progress restores (once the appliance is
// stopped: `restore` refuses a running one) to a store that passes
// SQLite's integrity check and holds every execution acknowledged before
// the backup began, the call's included.
func TestBackupWhileServingCallsAndExecutions(t *testing.T) {
	sipp := siptest.RequireTool(t, "sipp", "sip-tester")
	dir := t.TempDir()
	sipPort := siptest.FreePort(t)
	creds := auth.Credentials{AccountSID: "AC00000000000000000000000000000abc", AuthToken: "secretsecretsecretsecretsecret42"}
	base, stop := startServe(t, dir, func(c *config.Config) {
		c.AccountSID, c.AuthToken = creds.AccountSID, creds.AuthToken
		c.SIPAddr = "127.0.0.1:" + strconv.Itoa(sipPort)
		c.RTPPorts = "31000-31100"
	})
	stopped := false
	defer func() {
		if !stopped {
			_ = stop()
		}
	}()
	call := func(method, path string, form url.Values) (int, string) {
		req, _ := http.NewRequest(method, base+path, strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.SetBasicAuth(creds.AccountSID, creds.AuthToken)
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	newFlow := func(name, def string) string {
		code, body := call("POST", "/v2/Flows", url.Values{"FriendlyName": {name}, "Status": {"published"}, "Definition": {def}})
		require.Equal(t, http.StatusCreated, code, body)
		var f struct{ SID string }
		require.NoError(t, json.Unmarshal([]byte(body), &f))
		return f.SID
	}
	rest := newFlow("rest", `{"initial_state": "Trigger", "states": [
	  {"name": "Trigger", "type": "trigger", "properties": {}, "transitions": [{"event": "incomingRequest", "next": "v"}]},
	  {"name": "v", "type": "set-variables", "properties": {"variables": [{"key": "n", "value": "1"}]}, "transitions": [{"event": "next"}]}]}`)
	voice := newFlow("hold", `{"initial_state": "Trigger", "states": [
	  {"name": "Trigger", "type": "trigger", "properties": {}, "transitions": [{"event": "incomingCall", "next": "hold"}]},
	  {"name": "hold", "type": "say-play", "properties": {"say": "Please hold while we back up the store.", "loop": 20},
	   "transitions": [{"event": "audioComplete"}]}]}`)

	// The call: sipp's built-in caller, held 20 s unless the test ends it.
	ctx, cancelCall := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancelCall()
	sippCmd := exec.CommandContext(ctx, sipp, "-sn", "uac", "-s", voice, "-i", "127.0.0.1", "-p", strconv.Itoa(siptest.FreePort(t)),
		"-m", "1", "-d", "20000", "-nostdin", "-timeout", "40s", "127.0.0.1:"+strconv.Itoa(sipPort))
	sippCmd.Dir = t.TempDir()
	require.NoError(t, sippCmd.Start())
	defer func() { cancelCall(); _ = sippCmd.Wait() }()
	var callSID string
	for deadline := time.Now().Add(15 * time.Second); callSID == "" && time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		_, body := call("GET", "/v2/Flows/"+voice+"/Executions", nil)
		var list struct {
			Executions []struct{ SID, Status string } `json:"executions"`
		}
		_ = json.Unmarshal([]byte(body), &list)
		if len(list.Executions) == 1 && list.Executions[0].Status == "active" {
			callSID = list.Executions[0].SID
		}
	}
	require.NotEmpty(t, callSID, "the call never reached its flow")

	// REST executions created throughout the backup.
	var mu sync.Mutex
	var acked []string
	done := make(chan struct{})
	var wg sync.WaitGroup
	for w := range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ; i++ {
				select {
				case <-done:
					return
				default:
				}
				code, body := call("POST", "/v2/Flows/"+rest+"/Executions", url.Values{"To": {fmt.Sprintf("+1555%d%05d", w, i)}, "From": {"+15550000000"}})
				if code != http.StatusCreated && code != http.StatusOK {
					t.Errorf("execution create: %d %s", code, body)
					return
				}
				var x struct{ SID string }
				_ = json.Unmarshal([]byte(body), &x)
				mu.Lock()
				acked = append(acked, x.SID)
				mu.Unlock()
			}
		}()
	}
	for {
		mu.Lock()
		n := len(acked)
		mu.Unlock()
		if n >= 30 {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	mu.Lock()
	before := append([]string{callSID}, acked...)
	mu.Unlock()
	backup := filepath.Join(t.TempDir(), "live.db")
	code, out := cli(t, "--data", dir, "backup", backup)
	close(done)
	wg.Wait()
	require.Equal(t, 0, code, out)
	require.Contains(t, out, "schema ")

	// The call was up the whole time.
	_, body := call("GET", "/v2/Flows/"+voice+"/Executions/"+callSID, nil)
	var x struct{ Status string }
	require.NoError(t, json.Unmarshal([]byte(body), &x))
	require.Equal(t, "active", x.Status, "the call ended during the backup")

	// restore refuses the running appliance and changes nothing.
	code, out = cli(t, "--data", dir, "restore", backup)
	require.NotEqual(t, 0, code)
	require.Contains(t, out, "an appliance is running on this data directory")
	cancelCall()
	require.NoError(t, stop())
	stopped = true

	info, err := store.Inspect(context.Background(), backup)
	require.NoError(t, err, "the backup passes the integrity check")
	require.GreaterOrEqual(t, info.Executions, len(before))
	into := t.TempDir()
	code, out = cli(t, "--data", into, "restore", backup)
	require.Equal(t, 0, code, out)
	st, err := store.Open(context.Background(), into)
	require.NoError(t, err)
	defer st.Close()
	for _, sid := range before {
		_, err := st.Execution(context.Background(), sid)
		require.NoError(t, err, "execution %s, acknowledged before the backup began, is not in it", sid)
	}
}

func TestFlowExportAllWritesStableFiles(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	st, err := store.Open(ctx, dir)
	require.NoError(t, err)
	def := func(desc string) json.RawMessage {
		return json.RawMessage(`{"states":[{"transitions":[],"type":"trigger","properties":{"offset":{"y":0,"x":0}},"name":"Trigger"}],"initial_state":"Trigger","flags":{"allow_concurrent_calls":true},"description":"` + desc + `"}`)
	}
	_, err = st.CreateFlow(ctx, store.NewFlow{SID: "FW00000000000000000000000000000001", FriendlyName: "Main IVR (2025)", Status: store.StatusPublished, Definition: def("ivr"), Valid: true})
	require.NoError(t, err)
	_, err = st.CreateFlow(ctx, store.NewFlow{SID: "FW00000000000000000000000000000002", FriendlyName: "???", Status: store.StatusDraft, Definition: def("odd"), Valid: true})
	require.NoError(t, err)
	require.NoError(t, st.Close())

	out := t.TempDir()
	code, msg := cli(t, "--data", dir, "flow", "export", out)
	require.NotEqual(t, 0, code, "without --all it says what to give")
	require.Contains(t, msg, "--all")
	code, msg = cli(t, "--data", dir, "flow", "export", "--all", out)
	require.Equal(t, 0, code, msg)
	require.Contains(t, msg, "2 flows written")
	files, _ := filepath.Glob(filepath.Join(out, "*"))
	require.ElementsMatch(t, []string{
		filepath.Join(out, "main-ivr-2025-FW00000000000000000000000000000001.json"),
		filepath.Join(out, "FW00000000000000000000000000000002.json"),
	}, files)
	b, err := os.ReadFile(files[0])
	require.NoError(t, err)
	// Canonical form: Studio's key order, two-space indent.
	require.True(t, strings.HasPrefix(string(b), "{\n  \"description\""), "%s", b)

	// A renamed flow's old file goes; an unchanged export is byte-identical.
	st, err = store.Open(ctx, dir)
	require.NoError(t, err)
	_, err = st.AddRevision(ctx, "FW00000000000000000000000000000001", store.NewFlow{FriendlyName: "Sales line", Status: store.StatusPublished, Definition: def("ivr"), Valid: true})
	require.NoError(t, err)
	require.NoError(t, st.Close())
	odd, _ := os.ReadFile(filepath.Join(out, "FW00000000000000000000000000000002.json"))
	code, msg = cli(t, "--data", dir, "flow", "export", "--all", out)
	require.Equal(t, 0, code, msg)
	files, _ = filepath.Glob(filepath.Join(out, "*"))
	require.ElementsMatch(t, []string{
		filepath.Join(out, "sales-line-FW00000000000000000000000000000001.json"),
		filepath.Join(out, "FW00000000000000000000000000000002.json"),
	}, files)
	odd2, _ := os.ReadFile(filepath.Join(out, "FW00000000000000000000000000000002.json"))
	require.Equal(t, odd, odd2)
}

// Scheduled backups land in DATA/backups, each one checked, and only the
// newest BackupKeep stay.
func TestScheduledBackupsKeepTheNewest(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	dir := t.TempDir()
	st, err := store.Open(ctx, dir)
	require.NoError(t, err)
	defer st.Close()
	done := make(chan struct{})
	go func() {
		defer close(done)
		runScheduledBackups(ctx, st, config.Config{DataDir: dir, BackupEvery: 30 * time.Millisecond, BackupKeep: 2}, slogDiscard())
	}()
	bdir := filepath.Join(dir, store.BackupDir)
	var names []string
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		names, _ = filepath.Glob(filepath.Join(bdir, "switchboard-*.db"))
		if len(names) == 2 {
			break
		}
	}
	time.Sleep(200 * time.Millisecond) // several more ticks: still two
	cancel()
	<-done
	names, _ = filepath.Glob(filepath.Join(bdir, "switchboard-*.db"))
	require.Len(t, names, 2)
	for _, n := range names {
		_, err := store.Inspect(context.Background(), n)
		require.NoError(t, err)
	}
	partial, _ := filepath.Glob(filepath.Join(bdir, ".*"))
	require.Empty(t, partial, "no half-written backup is left behind")
}

func slogDiscard() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }
