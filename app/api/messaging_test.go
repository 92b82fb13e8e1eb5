package api

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/switchboard/switchboard/app/auth"
	"github.com/switchboard/switchboard/app/sms"
	_ "github.com/switchboard/switchboard/app/sms/httpgw"
	_ "github.com/switchboard/switchboard/app/sms/modem"
	"github.com/switchboard/switchboard/app/sms/queue"
	"github.com/switchboard/switchboard/app/store"
)

const pinSecret = "4711"
const inboundSecret = "inb0und-s3cret-never-shown"

// messagingFixture is the API with a running SMS queue.
func messagingFixture(t *testing.T) (*fixture, *syncBuffer) {
	t.Helper()
	st, err := store.Open(context.Background(), t.TempDir())
	require.NoError(t, err)
	t.Cleanup(func() { st.Close() })
	logs := &syncBuffer{}
	log := slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	q := queue.New(st, queue.Options{Log: log, Tick: 20 * time.Millisecond})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); _ = q.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-done })
	s := &Server{Store: st, Auth: &auth.Authenticator{Creds: testCreds, Keys: st}, Version: "test", Log: log, Messaging: q}
	srv := httptest.NewServer(s.Handler())
	t.Cleanup(srv.Close)
	return &fixture{t: t, server: s, srv: srv, st: st}, logs
}

func TestGatewaysLifecycleKeepsSecretsWriteOnly(t *testing.T) {
	f, logs := messagingFixture(t)
	var bodies []string
	call := func(method, path string, form url.Values) (int, map[string]any) {
		code, body := f.raw(method, path, form)
		bodies = append(bodies, body)
		var out map[string]any
		if body != "" {
			require.NoError(t, json.Unmarshal([]byte(body), &out), body)
		}
		return code, out
	}

	code, kinds := call("GET", "/v2/Messaging/GatewayKinds", nil)
	require.Equal(t, http.StatusOK, code)
	var names []string
	for _, k := range kinds["kinds"].([]any) {
		names = append(names, k.(map[string]any)["name"].(string))
	}
	require.Subset(t, names, []string{"http", "modem"})

	// A modem whose device does not exist: stored, and its health says why.
	code, g := call("POST", "/v2/Messaging/Gateways", url.Values{"Kind": {"modem"}, "FriendlyName": {"Branch SIM"},
		"Addresses": {"+15550002222, +15550002223"}, "Settings": {`{"device": "/nonexistent/usb-modem", "pin": "` + pinSecret + `"}`}})
	require.Equal(t, http.StatusCreated, code, g)
	sidA := g["sid"].(string)
	require.Regexp(t, `^SG[0-9a-f]{32}$`, sidA)
	require.Equal(t, []any{"+15550002222", "+15550002223"}, g["addresses"])
	require.Equal(t, []any{"pin"}, g["secrets_set"])
	require.NotContains(t, g["settings"], "pin")
	require.Equal(t, "/nonexistent/usb-modem", g["settings"].(map[string]any)["device"])

	require.Eventually(t, func() bool {
		_, g := call("GET", "/v2/Messaging/Gateways/"+sidA, nil)
		h := g["health"].(map[string]any)
		return h["state"] == sms.StateFailed && strings.Contains(h["last_error"].(string), "usb-modem")
	}, 5*time.Second, 20*time.Millisecond, "a modem that is not there fails, saying which device")

	// Saving without the PIN keeps it; giving one replaces it.
	code, g = call("POST", "/v2/Messaging/Gateways/"+sidA, url.Values{"Settings": {`{"device": "/nonexistent/usb-modem2"}`}})
	require.Equal(t, http.StatusOK, code, g)
	require.Equal(t, []any{"pin"}, g["secrets_set"])
	stored, err := f.st.GatewayBySID(context.Background(), sidA)
	require.NoError(t, err)
	require.Contains(t, string(stored.Settings), `"pin":"`+pinSecret+`"`)
	require.Contains(t, string(stored.Settings), "usb-modem2")
	code, _ = call("POST", "/v2/Messaging/Gateways/"+sidA, url.Values{"Settings": {`{"device": "/nonexistent/usb-modem2", "pin": ""}`}})
	require.Equal(t, http.StatusOK, code)
	stored, err = f.st.GatewayBySID(context.Background(), sidA)
	require.NoError(t, err)
	require.NotContains(t, string(stored.Settings), pinSecret)

	// Bad input names its field and stores nothing.
	for _, tc := range []struct {
		form  url.Values
		param string
	}{
		{url.Values{"Kind": {"pigeon"}, "FriendlyName": {"x"}}, "Kind"},
		{url.Values{"FriendlyName": {"x"}}, "Kind"},
		{url.Values{"Kind": {"modem"}, "FriendlyName": {"x"}, "Settings": {`{"device": ""}`}}, "Settings"},
		{url.Values{"Kind": {"modem"}, "FriendlyName": {"x"}, "Settings": {`[1]`}}, "Settings"},
		{url.Values{"Kind": {"modem"}, "FriendlyName": {"x"}, "Settings": {`{"device": "/d"}`}, "Addresses": {"not a number!"}}, "Addresses"},
		{url.Values{"Kind": {"modem"}, "FriendlyName": {"x"}, "Settings": {`{"device": "/d"}`}, "RatePerMinute": {"-1"}}, "RatePerMinute"},
		{url.Values{"Kind": {"modem"}, "FriendlyName": {"Branch SIM"}, "Settings": {`{"device": "/d"}`}}, "FriendlyName"},
	} {
		code, e := call("POST", "/v2/Messaging/Gateways", tc.form)
		require.GreaterOrEqual(t, code, 400, "%v", tc.form)
		require.Equal(t, tc.param, e["details"].(map[string]any)["parameter"], "%v: %v", tc.form, e)
	}
	all, err := f.st.Gateways(context.Background())
	require.NoError(t, err)
	require.Len(t, all, 1)

	// An HTTP gateway shows where its peer calls back; a nested secret is hidden too.
	code, g = call("POST", "/v2/Messaging/Gateways", url.Values{"Kind": {"http"}, "FriendlyName": {"Phone"}, "Addresses": {"*"},
		"Settings": {`{"preset": "generic", "inbound_secret": "` + inboundSecret + `", "generic": {"url": "http://127.0.0.1:9/send",
		"body": "{{body}}", "token": "t0ken-s3cret", "inbound": {"encoding": "form", "from": "from", "body": "text"}}}`}})
	require.Equal(t, http.StatusCreated, code, g)
	require.ElementsMatch(t, []any{"inbound_secret", "generic.token"}, g["secrets_set"])
	require.Equal(t, f.srv.URL+"/sms/gateways/"+g["sid"].(string)+"/", g["inbound_url"])

	code, list := call("GET", "/v2/Messaging/Gateways", nil)
	require.Equal(t, http.StatusOK, code)
	require.Len(t, list["gateways"], 2)
	require.Equal(t, map[string]any{"messages": 0.0, "from": []any{}}, list["unroutable"])

	// /metrics shows each gateway's state.
	code, metrics := f.raw("GET", "/metrics", nil)
	require.Equal(t, http.StatusOK, code)
	require.Contains(t, metrics, `switchboard_sms_gateway_up{gateway="Branch SIM",kind="modem",state="failed"} 0`)
	// Only names and labels are searched: the PIN is four digits, which a
	// sample's value (bytes received, a GC pause) may hold by chance.
	var series []string
	for _, line := range strings.Split(metrics, "\n") {
		if name, _, ok := strings.Cut(line, "} "); ok && !strings.HasPrefix(line, "#") {
			series = append(series, name)
		}
	}
	bodies = append(bodies, strings.Join(series, "\n"))

	code, _ = call("DELETE", "/v2/Messaging/Gateways/"+sidA, nil)
	require.Equal(t, http.StatusNoContent, code)
	code, _ = call("GET", "/v2/Messaging/Gateways/"+sidA, nil)
	require.Equal(t, http.StatusNotFound, code)

	for _, b := range append(bodies, logs.String()) {
		for _, secret := range []string{pinSecret, inboundSecret, "t0ken-s3cret"} {
			require.NotContains(t, b, secret, "a secret reached a page or the log")
		}
	}
}

func TestGatewayInboundCallbackReachesTheQueue(t *testing.T) {
	f, _ := messagingFixture(t)
	code, body := f.raw("POST", "/v2/Messaging/Gateways", url.Values{"Kind": {"http"}, "FriendlyName": {"Phone"},
		"Addresses": {"+15550002222"}, "Settings": {`{"preset": "generic", "inbound_secret": "` + inboundSecret + `",
		"generic": {"url": "http://127.0.0.1:9/send", "body": "{{body}}",
		"inbound": {"encoding": "form", "from": "from", "to": "to", "body": "text", "id": "id", "signature_header": "X-Signature"}}}`}})
	require.Equal(t, http.StatusCreated, code, body)
	var g struct {
		SID        string `json:"sid"`
		InboundURL string `json:"inbound_url"`
	}
	require.NoError(t, json.Unmarshal([]byte(body), &g))

	post := func(path, form, sig string) int {
		req, err := http.NewRequest("POST", strings.TrimSuffix(g.InboundURL, "/")+path, strings.NewReader(form))
		require.NoError(t, err)
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		if sig != "" {
			req.Header.Set("X-Signature", sig)
		}
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		resp.Body.Close()
		return resp.StatusCode
	}
	form := "from=%2B15559990001&to=%2B15550002222&text=hello&id=peer-1"
	mac := hmac.New(sha256.New, []byte(inboundSecret))
	mac.Write([]byte(form))
	require.Equal(t, http.StatusUnauthorized, post("/mo", form, "deadbeef"), "a forged callback is refused without API credentials")
	require.Equal(t, http.StatusNotFound, func() int {
		resp, err := http.Post(f.srv.URL+"/sms/gateways/SG00000000000000000000000000000000/mo", "text/plain", nil)
		require.NoError(t, err)
		resp.Body.Close()
		return resp.StatusCode
	}())
	code = post("/mo", form, hex.EncodeToString(mac.Sum(nil)))
	require.Less(t, code, 300)
	require.Eventually(t, func() bool {
		ms, err := f.st.ListMessages(context.Background(), store.MessageFilter{From: "+15559990001"}, store.Page{})
		require.NoError(t, err)
		return len(ms) == 1 && ms[0].Body == "hello" && ms[0].GatewaySID == g.SID && ms[0].Direction == store.DirectionInbound
	}, 5*time.Second, 20*time.Millisecond)
}
