package api_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/switchboard/switchboard/app/api"
	"github.com/switchboard/switchboard/app/auth"
	"github.com/switchboard/switchboard/app/runner"
	"github.com/switchboard/switchboard/app/sid"
	_ "github.com/switchboard/switchboard/app/sms/httpgw" // the gateway kind the test sends through
	"github.com/switchboard/switchboard/app/sms/queue"
	"github.com/switchboard/switchboard/app/store"
	"github.com/switchboard/switchboard/app/twiliosig"
	"github.com/switchboard/switchboard/engine"
)

// TestTwilioSDKMessages runs app/api/sdktest/messages.mjs: the official
// twilio npm package's messages.create, fetch, list, remove and status
// callbacks (checked with the SDK's own validateRequest), against a real
// Server whose SMS queue sends through an HTTP gateway (generic preset) to
// a peer on loopback that records what it got.
func TestTwilioSDKMessages(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: the SDK acceptance test starts node")
	}
	mustRun := os.Getenv("SWITCHBOARD_REQUIRE_SDK") == "1"
	node, err := exec.LookPath("node")
	if err == nil {
		_, err = os.Stat(filepath.Join(sdkDir, "node_modules", "twilio", "package.json"))
	}
	if err != nil {
		if mustRun {
			t.Fatalf("node or the twilio package is missing (SWITCHBOARD_REQUIRE_SDK=1; run `make sdk-deps`): %v", err)
		}
		t.Skipf("node or the twilio package is missing (run `make sdk-deps`): %v", err)
	}

	// The gateway's peer: it takes every message and records it.
	var mu sync.Mutex
	var got []map[string]string
	peer := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var m map[string]string
		b, _ := io.ReadAll(r.Body)
		if err := json.Unmarshal(b, &m); err != nil {
			http.Error(w, "bad json", http.StatusBadRequest)
			return
		}
		mu.Lock()
		got = append(got, m)
		mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"id": "peer-` + m["ref"] + `"}`))
	}))
	defer peer.Close()

	creds := auth.Credentials{AccountSID: sid.New(auth.AccountPrefix), AuthToken: auth.NewToken()}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	st, err := store.Open(ctx, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	log := slog.New(slog.NewTextHandler(&testLogWriter{t: t}, &slog.HandlerOptions{Level: slog.LevelWarn}))
	r := runner.New(st, log, engine.WithSIDs(sid.New))
	t.Cleanup(r.Close)
	q := queue.New(st, queue.Options{Log: log, AccountSID: creds.AccountSID, Tick: 50 * time.Millisecond,
		Sign: func(u string, form map[string][]string) string { return twiliosig.Sign(creds.AuthToken, u, form) }})
	settings := `{"preset": "generic", "generic": {"url": "` + peer.URL + `/send", "method": "POST", "encoding": "json",
		"body": "{\"to\": \"{{to}}\", \"from\": \"{{from}}\", \"text\": \"{{body}}\", \"ref\": \"{{ref}}\"}", "id_path": "id"},
		"inbound_secret": "a-shared-secret-for-callbacks"}`
	if _, err := st.CreateGateway(ctx, store.Gateway{SID: sid.New("SG"), FriendlyName: "peer", Kind: "http",
		Addresses: []string{"+15559870000"}, Settings: json.RawMessage(settings), Enabled: true}); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { defer close(done); _ = q.Run(ctx) }()
	defer func() { cancel(); <-done }()
	s := &api.Server{Store: st, Runner: r, Auth: &auth.Authenticator{Creds: creds, Keys: st}, Version: "sdk-test", Log: log, Messaging: q}
	srv := httptest.NewServer(s.Handler())
	t.Cleanup(srv.Close)

	runSDKScript(t, node, "messages.mjs", 15,
		"SWITCHBOARD_URL="+srv.URL,
		"SWITCHBOARD_ACCOUNT_SID="+creds.AccountSID,
		"SWITCHBOARD_AUTH_TOKEN="+creds.AuthToken,
		"SWITCHBOARD_FROM=+15559870000",
	)
	mu.Lock()
	defer mu.Unlock()
	if len(got) < 2 {
		t.Fatalf("the gateway's peer got %d messages, want at least 2: %v", len(got), got)
	}
	if got[0]["from"] != "+15559870000" || got[0]["text"] != "Hello from the twilio SDK ✓" {
		t.Fatalf("the peer got %v", got[0])
	}
}
