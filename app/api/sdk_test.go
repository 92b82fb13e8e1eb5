package api_test

import (
	"bufio"
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/switchboard/switchboard/app/api"
	"github.com/switchboard/switchboard/app/auth"
	"github.com/switchboard/switchboard/app/runner"
	"github.com/switchboard/switchboard/app/sid"
	"github.com/switchboard/switchboard/app/store"
	"github.com/switchboard/switchboard/engine"
	_ "github.com/switchboard/switchboard/engine/widgets"
)

// sdkDir holds the acceptance script and its npm lockfile (the official
// `twilio` package, pinned); `make sdk-deps` installs its node_modules.
const sdkDir = "sdktest"

// sdkFlow is a corpus flow whose REST trigger leads to a Send & Wait For
// Reply: executions stay active, which the script relies on. The script falls
// back to an inline flow of the same shape when ../shared is absent.
const sdkFlow = "../../../shared/flows/corpus/prebrov__twilio-studio-requestbin__studio-flow.json"

// TestTwilioSDK runs app/api/sdktest/studio.mjs, which drives the REST API
// through the unmodified twilio npm package, against a real Server on
// loopback. It skips when the package is not installed, unless
// SWITCHBOARD_REQUIRE_SDK=1 (make unit sets it), when it fails instead.
func TestTwilioSDK(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: the SDK acceptance test starts node")
	}
	mustRun := os.Getenv("SWITCHBOARD_REQUIRE_SDK") == "1"
	unavailable := func(format string, args ...any) {
		t.Helper()
		if mustRun {
			t.Fatalf(format+" (SWITCHBOARD_REQUIRE_SDK=1; run `make sdk-deps`)", args...)
		}
		t.Skipf(format+" (run `make sdk-deps`, or set SWITCHBOARD_REQUIRE_SDK=1 to make this a failure)", args...)
	}
	node, err := exec.LookPath("node")
	if err != nil {
		unavailable("node is not on PATH")
	}
	if _, err := os.Stat(filepath.Join(sdkDir, "node_modules", "twilio", "package.json")); err != nil {
		unavailable("the twilio npm package is not installed in app/api/%s/node_modules", sdkDir)
	}

	creds := auth.Credentials{AccountSID: sid.New(auth.AccountPrefix), AuthToken: auth.NewToken()}
	ctx := context.Background()
	st, err := store.Open(ctx, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	log := slog.New(slog.NewTextHandler(&testLogWriter{t: t}, &slog.HandlerOptions{Level: slog.LevelWarn}))
	r := runner.New(st, log, engine.WithSIDs(sid.New))
	t.Cleanup(r.Close)
	s := &api.Server{Store: st, Runner: r, Auth: &auth.Authenticator{Creds: creds, Keys: st}, Version: "sdk-test", Log: log}

	srv := httptest.NewServer(s.Handler()) // listens on 127.0.0.1:0
	t.Cleanup(srv.Close)
	if !strings.HasPrefix(srv.URL, "http://127.0.0.1:") {
		t.Fatalf("test server is not on loopback: %s", srv.URL)
	}

	runSDKScript(t, node, "studio.mjs", 40,
		"SWITCHBOARD_URL="+srv.URL,
		"SWITCHBOARD_ACCOUNT_SID="+creds.AccountSID,
		"SWITCHBOARD_AUTH_TOKEN="+creds.AuthToken,
		"SWITCHBOARD_FLOW_FILE="+absOrEmpty(sdkFlow),
	)
}

// runSDKScript runs an acceptance script in app/api/sdktest with env and
// fails the test unless it exits 0 having passed at least min checks. The
// auth token is masked in what it logs.
func runSDKScript(t *testing.T, node, script string, min int, env ...string) {
	t.Helper()
	token := ""
	for _, kv := range env {
		if v, ok := strings.CutPrefix(kv, "SWITCHBOARD_AUTH_TOKEN="); ok {
			token = v
		}
	}
	runCtx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(runCtx, node, script)
	cmd.Dir = sdkDir
	cmd.WaitDelay = 5 * time.Second
	cmd.Env = append(cleanEnv(os.Environ()), env...)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = cmd.Stdout // one stream, in order
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var passed, failed int
	sc := bufio.NewScanner(out)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if token != "" {
			line = strings.ReplaceAll(line, token, "<auth token>")
		}
		switch {
		case strings.HasPrefix(line, "ok "):
			passed++
		case strings.HasPrefix(line, "not ok "):
			failed++
		}
		t.Log(line)
	}
	err = cmd.Wait()
	if errors.Is(runCtx.Err(), context.DeadlineExceeded) {
		t.Fatalf("%s did not finish within 2 minutes (%d checks passed)", script, passed)
	}
	if err != nil {
		t.Fatalf("%s failed: %v (%d checks passed, %d failed)", script, err, passed, failed)
	}
	if failed > 0 || passed < min {
		t.Fatalf("%s exited 0 but reported %d passed, %d failed checks", script, passed, failed)
	}
}

// cleanEnv drops settings that would send the SDK elsewhere or change what it
// sends: Twilio's own credentials, region and edge, and proxies.
func cleanEnv(env []string) []string {
	out := env[:0:0]
	for _, kv := range env {
		k, _, _ := strings.Cut(kv, "=")
		switch {
		case strings.HasPrefix(k, "TWILIO_"), strings.HasPrefix(k, "SWITCHBOARD_"),
			strings.EqualFold(k, "HTTP_PROXY"), strings.EqualFold(k, "HTTPS_PROXY"), strings.EqualFold(k, "NODE_OPTIONS"):
			continue
		}
		out = append(out, kv)
	}
	return out
}

func absOrEmpty(path string) string {
	p, err := filepath.Abs(path)
	if err != nil {
		return ""
	}
	if _, err := os.Stat(p); err != nil {
		return ""
	}
	return p
}

// testLogWriter sends the server's warnings and errors to t.Log.
type testLogWriter struct {
	mu sync.Mutex
	t  *testing.T
}

func (w *testLogWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.t.Log("server: " + strings.TrimRight(string(p), "\n"))
	return len(p), nil
}

var _ io.Writer = (*testLogWriter)(nil)
