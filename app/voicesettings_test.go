package app

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"testing/fstest"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/switchboard/switchboard/app/config"
	"github.com/switchboard/switchboard/sip/siptest"
)

type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}
func (l *lockedBuffer) String() string { l.mu.Lock(); defer l.mu.Unlock(); return l.b.String() }

const (
	testAccount = "AC0123456789abcdef0123456789abcdef"
	testToken   = "0123456789abcdef0123456789abcdef"
)

// serveLogged runs the appliance with every log line (debug too) kept.
func serveLogged(t *testing.T, cfg config.Config, logs io.Writer) (string, func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	ready, done := make(chan string, 1), make(chan error, 1)
	log := slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	assets := fstest.MapFS{"frontend/dist/index.html": {Data: []byte("<title>editor</title>")}}
	go func() { done <- serve(ctx, cfg, assets, log, ready, nil) }()
	select {
	case addr := <-ready:
		return "http://" + addr, func() { cancel(); require.NoError(t, <-done) }
	case err := <-done:
		cancel()
		t.Fatalf("serve: %v", err)
	case <-time.After(15 * time.Second):
		cancel()
		t.Fatal("serve did not start")
	}
	return "", nil
}

func call(t *testing.T, method, u string, form url.Values) (int, map[string]any) {
	t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, u, body)
	require.NoError(t, err)
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	req.SetBasicAuth(testAccount, testToken)
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var out map[string]any
	if len(b) > 0 {
		require.NoError(t, json.Unmarshal(b, &out), "%s", b)
	}
	return resp.StatusCode, out
}

// streamEvents collects the event stream's CloudEvents until the test ends.
func streamEvents(t *testing.T, base string) func() []map[string]any {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	req, _ := http.NewRequestWithContext(ctx, "GET", base+"/v2/Events/Stream", nil)
	req.SetBasicAuth(testAccount, testToken)
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, resp.StatusCode)
	var mu sync.Mutex
	var got []map[string]any
	go func() {
		defer resp.Body.Close()
		sc := bufio.NewScanner(resp.Body)
		for sc.Scan() {
			if data, ok := strings.CutPrefix(sc.Text(), "data: "); ok {
				var ev map[string]any
				if json.Unmarshal([]byte(data), &ev) == nil {
					mu.Lock()
					got = append(got, ev)
					mu.Unlock()
				}
			}
		}
	}()
	return func() []map[string]any { mu.Lock(); defer mu.Unlock(); return slices.Clone(got) }
}

func eventually(t *testing.T, within time.Duration, what string, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(within)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatalf("not within %s: %s", within, what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestTrunkSettingsLiveWithKamailio adds a trunk through the API to a
// running appliance and sees a real kamailio hold its registration within
// 5 s, the state on the event stream, the trunk again after a restart, and
// kamailio's binding gone once the trunk is deleted. The flag trunk seeds
// the store once however often the appliance starts. No password reaches
// the logs.
func TestTrunkSettingsLiveWithKamailio(t *testing.T) {
	const pass = "KamPass7e3b9"
	port, kamLog := siptest.KamailioPassword(t, pass)
	registrar := "127.0.0.1:" + strconv.Itoa(port)
	logs := &lockedBuffer{}
	cfg := config.Config{DataDir: t.TempDir(), HTTPAddr: "127.0.0.1:0", SIPAddr: "127.0.0.1:0", AccountSID: testAccount, AuthToken: testToken,
		Trunks: []string{"sip://flaguser:" + pass + "@" + registrar + "?name=flagged"}, SIPUsers: []string{"deskf:" + pass}}
	aors := func() []string { return siptest.KamailioAORs(t, kamLog) }
	base, stop := serveLogged(t, cfg, logs)
	events := streamEvents(t, base)
	eventually(t, 5*time.Second, "the flag trunk registered", func() bool { return slices.Contains(aors(), "flaguser") })

	code, tk := call(t, "POST", base+"/v2/Voice/Trunks", url.Values{"FriendlyName": {"kam"}, "Registrar": {registrar},
		"Username": {"ivr"}, "Password": {pass}, "Expires": {"60"}})
	require.Equal(t, http.StatusCreated, code, tk)
	sid := tk["sid"].(string)
	start := time.Now()
	eventually(t, 5*time.Second, "kamailio holds ivr", func() bool { return slices.Contains(aors(), "ivr") })
	t.Logf("registered %s after the API call", time.Since(start).Round(time.Millisecond))
	// kamailio logs the binding before its 200 OK reaches us: the trunk
	// shows registered a moment later.
	var got map[string]any
	eventually(t, 2*time.Second, "the trunk shows registered", func() bool {
		_, got = call(t, "GET", base+"/v2/Voice/Trunks/"+sid, nil)
		return got["status"] == "registered"
	})
	require.NotNil(t, got["next_refresh"])
	eventually(t, 2*time.Second, "a registered event", func() bool {
		for _, ev := range events() {
			d, _ := ev["data"].(map[string]any)
			if ev["type"] == TypeTrunkUpdated && d["sid"] == sid && d["status"] == "registered" {
				return true
			}
		}
		return false
	})

	stop()
	cfg.HTTPAddr, cfg.SIPAddr = "127.0.0.1:0", "127.0.0.1:0"
	base, stop = serveLogged(t, cfg, logs)
	defer func() { stop() }()
	eventually(t, 5*time.Second, "ivr registered again after the restart", func() bool {
		_, got := call(t, "GET", base+"/v2/Voice/Trunks/"+sid, nil)
		return got["status"] == "registered" && slices.Contains(aors(), "ivr")
	})
	_, list := call(t, "GET", base+"/v2/Voice/Trunks", nil)
	require.Len(t, list["trunks"], 2, "the flag trunk is seeded once")

	code, _ = call(t, "DELETE", base+"/v2/Voice/Trunks/"+sid, nil)
	require.Equal(t, http.StatusNoContent, code)
	eventually(t, 5*time.Second, "kamailio dropped ivr", func() bool { return !slices.Contains(aors(), "ivr") })
	require.Contains(t, aors(), "flaguser")

	require.NotContains(t, logs.String(), pass)
}

func TestWhileCallsUpAdmitsTheFirstCall(t *testing.T) {
	for _, tc := range []struct {
		hot   bool
		calls int
		want  bool
	}{{false, 0, false}, {false, 5, false}, {true, 0, false}, {true, 1, true}} {
		got := whileCallsUp(func() bool { return tc.hot }, func() int { return tc.calls })()
		if got != tc.want {
			t.Errorf("overloaded=%v calls=%d: refuse=%v, want %v", tc.hot, tc.calls, got, tc.want)
		}
	}
}
