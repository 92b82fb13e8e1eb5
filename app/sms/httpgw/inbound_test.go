package httpgw

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/switchboard/switchboard/app/sms"
	"github.com/switchboard/switchboard/app/sms/smstest"
)

func kannelGW(t *testing.T, sink sms.Sink) *Gateway {
	return newTestGateway(t, Settings{Preset: PresetKannel, BaseURL: "http://127.0.0.1:1", Username: "u", Password: "p",
		InboundUsername: "kannel", InboundSecret: "in-secret", CallbackURL: "http://127.0.0.1:8088/sms/gateways/SGtest/"}, sink)
}

// TestKannelCallbacks drives the handler with the exact queries Kannel
// 1.4.5 sent in a manual run (see the report): a UCS-2 MO arrives as
// UTF-16BE bytes in %b.
func TestKannelCallbacks(t *testing.T) {
	sink := &smstest.Sink{}
	gw := kannelGW(t, sink)
	h := gw.Inbound()
	auth := func() http.Header {
		r := httptest.NewRequest("GET", "/", nil)
		r.SetBasicAuth("kannel", "in-secret")
		return r.Header
	}
	ucs2 := "/mo?from=%2B15551234567&to=%2B15557654321&text=%00h%00%E9%D8%3D%DE%00&coding=2&charset=UTF-16BE&ts=1796307441&id=f18837fe-c874-4a23-b212-c1d7ec59522c"
	latin := "/mo?from=%2B1555&text=caf%E9&coding=0&charset=ISO-8859-1&ts=1796307441"

	tests := []struct {
		name   string
		target string
		header http.Header
		want   int
	}{
		{"MO without credentials", ucs2, nil, 401},
		{"MO with credentials in the query only", ucs2 + "&user=kannel&pass=in-secret", nil, 401},
		{"MO", ucs2, auth(), 200},
		{"MO Latin-1", latin, auth(), 200},
		{"dlr with a forged token", "/dlr?ref=abc&tok=00000000000000000000000000000000&status=1", nil, 401},
		{"dlr with another ref's token", "/dlr?ref=abd&tok=" + gw.dlrToken("abc") + "&status=1", nil, 401},
		{"dlr with its token", "/dlr?ref=abc&tok=" + gw.dlrToken("abc") + "&status=1&to=%2B1555&ts=1796307448", nil, 200},
		{"dlr with Basic auth, SMSC reject", "/dlr?ref=abe&status=16&reply=NACK%2F0x0000000b", auth(), 200},
		{"dlr with an unknown status", "/dlr?ref=abc&tok=" + gw.dlrToken("abc") + "&status=99", nil, 400},
		{"unknown route", "/webhook", auth(), 404},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rec := call(t, h, http.MethodGet, tc.target, tc.header, "")
			require.Equal(t, tc.want, rec.Code, rec.Body.String())
			if tc.want == 200 {
				require.Empty(t, rec.Body.String(), "a get-url answer with a body becomes a reply SMS")
			}
		})
	}
	msgs := sink.Messages()
	require.Len(t, msgs, 2)
	require.Equal(t, "hé😀", msgs[0].Body)
	require.Equal(t, "kannel:f18837fe-c874-4a23-b212-c1d7ec59522c", msgs[0].ProviderID)
	require.Equal(t, "café", msgs[1].Body)
	require.Equal(t, "+15557654321", msgs[1].To, "no to: the gateway's first address")
	require.True(t, strings.HasPrefix(msgs[1].ProviderID, "sha256:"), "no id: a content hash")
	reps := sink.Reports()
	require.Len(t, reps, 2)
	require.Equal(t, sms.Report{Ref: "abc", To: "+1555", Status: "delivered", At: time.Unix(1796307448, 0).UTC()}, reps[0])
	require.Equal(t, "failed", reps[1].Status)
	require.Equal(t, "NACK/0x0000000b", reps[1].Detail)
}

func TestKannelGetURL(t *testing.T) {
	got := KannelGetURL("http://10.0.0.5:8088/sms/gateways/SGx/", "kannel", "s3cret")
	require.Equal(t, "http://kannel:s3cret@10.0.0.5:8088/sms/gateways/SGx/mo?from=%p&to=%P&text=%b&coding=%c&charset=%C&ts=%T&id=%I", got)
}

func TestKannelDLRURLHasNoSecret(t *testing.T) {
	gw := kannelGW(t, &smstest.Sink{})
	u := gw.kannelDLRURL("r1")
	require.NotContains(t, u, "in-secret")
	require.Contains(t, u, "/sms/gateways/SGtest/dlr?ref=r1&tok=")
}

func TestCheck(t *testing.T) {
	ok := func(s Settings) json.RawMessage { b, _ := json.Marshal(s); return b }
	tests := []struct {
		name string
		raw  json.RawMessage
		want string // "" = valid
	}{
		{"kannel", ok(Settings{Preset: "kannel", BaseURL: "http://127.0.0.1:13013", Username: "u", Password: "p", InboundSecret: "s"}), ""},
		{"kannel without password", ok(Settings{Preset: "kannel", BaseURL: "http://127.0.0.1:13013", Username: "u", InboundSecret: "s"}), "username and password"},
		{"kannel with credentials in the URL", ok(Settings{Preset: "kannel", BaseURL: "http://u:p@127.0.0.1:13013", Username: "u", Password: "p", InboundSecret: "s"}), "must not carry credentials"},
		{"callback with %", ok(Settings{Preset: "kannel", BaseURL: "http://h", Username: "u", Password: "p", InboundSecret: "s", CallbackURL: "http://h/a%20b/"}), "must not contain %"},
		{"android with signing key", ok(Settings{Preset: "android", BaseURL: "http://192.168.1.5:8080", Username: "sms", Password: "p", SigningKey: "k"}), ""},
		{"android with nothing to check callbacks", ok(Settings{Preset: "android", BaseURL: "http://192.168.1.5:8080", Username: "sms", Password: "p"}), "signing_key"},
		{"generic", ok(Settings{Preset: "generic", InboundSecret: "s", Generic: &Generic{URL: "https://api.example.com/{{to}}", Body: `{"t":"{{body}}"}`}}), ""},
		{"generic unknown placeholder", ok(Settings{Preset: "generic", InboundSecret: "s", Generic: &Generic{URL: "https://api.example.com/", Body: `{{text}}`}}), "unknown placeholder"},
		{"generic bad status map", ok(Settings{Preset: "generic", InboundSecret: "s", Generic: &Generic{URL: "https://x/", Inbound: GenericInbound{StatusMap: map[string]string{"OK": "done"}}}}), "status_map"},
		{"generic header injection", ok(Settings{Preset: "generic", InboundSecret: "s", Generic: &Generic{URL: "https://x/", Headers: map[string]string{"X": "a\r\nB: c"}}}), "one line"},
		{"no preset", json.RawMessage(`{}`), "preset is required"},
		{"unknown field", json.RawMessage(`{"preset":"kannel","pasword":"x"}`), "unknown field"},
		{"empty", nil, "empty"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := Check(tc.raw)
			if tc.want == "" {
				require.NoError(t, err)
				return
			}
			require.ErrorContains(t, err, tc.want)
		})
	}
}

func TestKindRegistered(t *testing.T) {
	k, ok := sms.Lookup("http")
	require.True(t, ok)
	var schema map[string]any
	require.NoError(t, json.Unmarshal(k.Schema, &schema))
	props := schema["properties"].(map[string]any)
	require.Equal(t, []any{"kannel", "android", "generic"}, props["preset"].(map[string]any)["enum"])
	for _, secret := range k.Secrets {
		node := props
		parts := strings.Split(secret, ".")
		for _, p := range parts[:len(parts)-1] {
			node = node[p].(map[string]any)["properties"].(map[string]any)
		}
		field, ok := node[parts[len(parts)-1]].(map[string]any)
		require.True(t, ok, "secret %s is not in the schema", secret)
		require.Equal(t, true, field["writeOnly"], "secret %s is not writeOnly", secret)
	}
	// Every settings field is in the schema, and nothing else.
	var fieldsOf func(v any) []string
	fieldsOf = func(v any) []string {
		b, _ := json.Marshal(v)
		var m map[string]any
		_ = json.Unmarshal(b, &m)
		var out []string
		for k := range m {
			out = append(out, k)
		}
		return out
	}
	full := Settings{Preset: "x", BaseURL: "x", Username: "x", Password: "x", TimeoutSeconds: 1, ProbeIntervalSeconds: 1, InboundUsername: "x",
		InboundSecret: "x", CallbackURL: "x", SMSC: "x", DLRMask: 1, SigningKey: "x", SignatureMaxAgeSeconds: 1, Generic: &Generic{}}
	for _, f := range fieldsOf(full) {
		require.Contains(t, props, f)
	}
	require.Len(t, props, len(fieldsOf(full)))
}

func TestRun(t *testing.T) {
	phone := &fakePhone{user: "sms", pass: "pw"}
	srv := httptest.NewServer(phone)
	sink := &smstest.Sink{}
	gw := newTestGateway(t, Settings{Preset: PresetAndroid, BaseURL: srv.URL, Username: "sms", Password: "pw", SigningKey: "k", ProbeIntervalSeconds: 5}, sink)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- gw.Run(ctx) }()
	require.NoError(t, sink.WaitFor(5*time.Second, "ready", func(s *smstest.Sink) bool { return gw.Health().State == sms.StateReady }))
	cancel()
	select {
	case err := <-done:
		require.NoError(t, err)
	case <-time.After(5 * time.Second):
		t.Fatal("Run did not return after its context ended")
	}
	srv.Close()
	require.Equal(t, []string{sms.StateConnecting, sms.StateReady, sms.StateStopped}, sink.States())

	// A peer that is gone: failed, with an honest reason.
	state, why := gw.probe(context.Background())
	require.Equal(t, sms.StateFailed, state)
	require.Contains(t, why, "probe")
	require.NotContains(t, why, "pw")
}
