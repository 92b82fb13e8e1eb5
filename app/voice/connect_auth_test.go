package voice

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"runtime"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// authPassword is the far end's password in sip/testdata/sipp/uas_auth_*.xml.
const authPassword = "Pw-7x9q-uri"

// TestConnectSIPCredentials: connect-call-to with noun sip dials a sip:
// URI (sipp) that challenges with 401. The widget's sip_username and
// sip_password answer it (sipp verifies the digest and answers; the call
// is bridged until time_limit); a wrong password (sipp refuses it 403) and
// none at all (the 401 is final) follow callCompleted with DialCallStatus
// failed. The password reaches neither the log, the execution's context
// nor its steps.
func TestConnectSIPCredentials(t *testing.T) {
	cases := []struct {
		name, scenario, user, password, status string
	}{
		{"right", "uas_auth_uri.xml", "desk7", authPassword, "completed"},
		{"wrong", "uas_auth_refuse.xml", "desk7", "not-" + authPassword, "failed"},
		{"missing", "uas_auth_missing.xml", "", "", "failed"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			port, wait := sippUAS(t, tc.scenario)
			var logs bytes.Buffer
			var v *Service
			p := newPhoneWith(t, func(s *Service) {
				v = s
				s.Log = slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
			})
			v.SIP = p.sip
			props := `"noun": "sip", "sip_endpoint": "sip:far@127.0.0.1:` + strconv.Itoa(port) + `", "time_limit": "2", "timeout": 5`
			if tc.user != "" {
				props += `, "sip_username": "` + tc.user + `", "sip_password": "` + tc.password + `"`
			}
			p.addFlow(t, connectFlow, connectDef(props))
			g := runtime.NumGoroutine()

			rc, out := p.sipp(t, "ivr_wait_bye.xml", "", connectFlow)
			require.Equal(t, 0, rc, out)
			rc, out = wait()
			require.Equal(t, 0, rc, "far end: %s", out)
			p.waitEnded(t, connectFlow, 10*time.Second)
			x, steps := path(t, p.st, connectFlow)
			require.Equal(t, []string{"Trigger.incomingCall>connect", "connect.callCompleted>after", "after.audioComplete>Ended"}, steps)
			require.Equal(t, tc.status, x.Context.Widget("connect")["DialCallStatus"])
			p.settle(t, g)

			stored, err := p.st.Steps(context.Background(), x.SID)
			require.NoError(t, err)
			dump, err := json.Marshal(map[string]any{"execution": x, "steps": stored})
			require.NoError(t, err)
			require.NotContains(t, string(dump), authPassword, "password in the execution or its steps")
			require.NotContains(t, logs.String(), authPassword, "password in the log")
		})
	}
}

// TestOutboundCallSIPCredentials: make-outgoing-call-v2 to a sip: URI
// (sipp) that challenges with 401: sip_auth_username and
// sip_auth_password answer it and the flow runs on the answered call; a
// wrong password follows failed. The password is kept in memory only: not
// in the outbound call's row, the execution or its steps.
func TestOutboundCallSIPCredentials(t *testing.T) {
	cases := []struct {
		name, scenario, password, event, status string
	}{
		{"right", "uas_auth_uri.xml", authPassword, "answered>hello", "in-progress"},
		{"wrong", "uas_auth_refuse.xml", "not-" + authPassword, "failed>Ended", "failed"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			far := startFarEnd(t, tc.scenario)
			p, _ := dialing(t, outDef(`, "sip_auth_username": "desk7", "sip_auth_password": "`+tc.password+`"`))
			launch(t, p, "+15550001000", "sip:far@127.0.0.1:"+strconv.Itoa(far.port))
			p.waitEnded(t, outFlow, 15*time.Second)
			far.wait(t)
			x, steps := path(t, p.st, outFlow)
			require.Equal(t, "call."+tc.event, steps[1])
			out := x.Context.Widget("call")
			require.Equal(t, tc.status, out["CallStatus"])
			row, err := p.st.OutboundCallBySID(context.Background(), out["CallSid"].(string))
			require.NoError(t, err)
			stored, err := p.st.Steps(context.Background(), x.SID)
			require.NoError(t, err)
			dump, err := json.Marshal(map[string]any{"execution": x, "steps": stored, "call": row})
			require.NoError(t, err)
			require.NotContains(t, string(dump), authPassword)
			_, left := p.svc.Runner.TakeCallAuth(row.SID)
			require.False(t, left, "credentials left in memory after the call was placed")
			p.waitOutIdle(t, 5*time.Second)
		})
	}
}
