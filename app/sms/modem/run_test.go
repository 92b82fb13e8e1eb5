package modem

import (
	"encoding/json"
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/switchboard/switchboard/app/sms"
	"github.com/switchboard/switchboard/app/sms/at/fakemodem"
	"github.com/switchboard/switchboard/app/sms/pdu"
	"github.com/switchboard/switchboard/app/sms/smstest"
)

func TestHealth(t *testing.T) {
	r := startRig(t, rigOpt{knobs: func(k *knobs) { k.health = 30 * time.Millisecond }})
	h := r.g.Health()
	require.Equal(t, sms.StateReady, h.State)
	require.NotNil(t, h.SignalDBM)
	require.Equal(t, -71, *h.SignalDBM) // rssi 21
	require.Equal(t, "Fake Mobile", h.Operator)
	require.Equal(t, "home", h.Registration)
	require.Equal(t, "FM-100", h.Detail["model"])
	require.Equal(t, "356938035643809", h.Detail["imei"])
	require.Equal(t, []string{sms.StateConnecting, sms.StateReady}, slices.Compact(r.sink.States()))

	// the periodic check sees the network go and come back
	r.m.SetSignal(5, 99)
	r.m.SetRegistration(2)
	r.waitState(t, sms.StateDegraded)
	h = r.g.Health()
	require.Equal(t, -103, *h.SignalDBM)
	require.Equal(t, "searching", h.Registration)
	require.Empty(t, h.Operator)
	require.Contains(t, h.LastError, "not registered")
	r.m.SetRegistration(5)
	r.waitState(t, sms.StateReady)
	require.Equal(t, "roaming", r.g.Health().Registration)

	r.stop()
	require.Equal(t, sms.StateStopped, r.g.Health().State)
}

// The modem unplugged and plugged in again comes back behind the same
// by-id link on a new /dev/pts: the gateway reopens it by name and sends.
func TestUnplugAndReplug(t *testing.T) {
	r := startRig(t, rigOpt{})
	_, err := r.g.Send(ctxT(t, 10*time.Second), sms.Outbound{To: "+15557654321", Body: "before"})
	require.NoError(t, err)

	r.m.Disconnect()
	r.waitState(t, sms.StateFailed)
	_, err = os.Lstat(r.link)
	require.True(t, os.IsNotExist(err), "the by-id link goes with the device")
	_, err = r.g.Send(ctxT(t, 10*time.Second), sms.Outbound{To: "+15557654321", Body: "while unplugged"})
	f := sms.AsFailure(err)
	require.False(t, f.Permanent || f.Uncertain, "retryable while unplugged: %v", err)

	time.Sleep(100 * time.Millisecond) // a few failed reopens while it is away
	require.NoError(t, r.m.Replug())
	r.waitState(t, sms.StateReady)
	_, err = r.g.Send(ctxT(t, 10*time.Second), sms.Outbound{To: "+15557654321", Body: "after"})
	require.NoError(t, err)
	sent := r.m.Sent()
	require.Len(t, sent, 2)
	require.Equal(t, "after", submitted(t, sent[1]).Text)
	require.Contains(t, r.g.Health().LastError, "opening "+r.link, "the failed reopens are reported")
}

func TestWrongPINBlocksWithoutRetry(t *testing.T) {
	r := startRig(t, rigOpt{
		settings: map[string]any{"pin": "0000"},
		before:   func(m *fakemodem.Modem) { m.RequirePIN("1234") },
		notReady: true,
	})
	r.waitState(t, sms.StateBlocked)
	h := r.g.Health()
	require.Contains(t, h.LastError, "refused the PIN")
	require.NotContains(t, h.LastError, "0000", "the PIN never shows")
	time.Sleep(300 * time.Millisecond) // many back-off periods: nothing may be tried again
	require.Equal(t, 1, r.m.PINAttempts())
	require.Equal(t, "SIM PIN", r.m.SIM(), "two tries left on the SIM")
	require.Equal(t, sms.StateBlocked, r.g.Health().State)
	_, err := r.g.Send(ctxT(t, 5*time.Second), sms.Outbound{To: "+15557654321", Body: "x"})
	require.Error(t, err)
}

func TestMissingPINBlocks(t *testing.T) {
	r := startRig(t, rigOpt{before: func(m *fakemodem.Modem) { m.RequirePIN("1234") }, notReady: true})
	r.waitState(t, sms.StateBlocked)
	require.Contains(t, r.g.Health().LastError, "asks for a PIN")
	require.Zero(t, r.m.PINAttempts())
}

func TestRightPIN(t *testing.T) {
	r := startRig(t, rigOpt{settings: map[string]any{"pin": "1234"}, before: func(m *fakemodem.Modem) { m.RequirePIN("1234") }})
	require.Equal(t, "READY", r.m.SIM())
	require.Equal(t, 1, r.m.PINAttempts())
}

func TestTwoModemsAtOnce(t *testing.T) {
	a := startRig(t, rigOpt{})
	b := startRig(t, rigOpt{})
	for i, r := range []*rig{a, b} {
		_, err := r.m.InjectMO(deliverHex(t, "+1555000000"+fmt.Sprint(i), pdu.UserData{Text: fmt.Sprintf("to modem %d", i)}, scts))
		require.NoError(t, err)
	}
	for i, r := range []*rig{a, b} {
		_, err := r.g.Send(ctxT(t, 10*time.Second), sms.Outbound{To: "+15557654321", Body: fmt.Sprintf("from modem %d", i)})
		require.NoError(t, err)
	}
	for i, r := range []*rig{a, b} {
		got := r.waitMessages(t, 1)
		require.Len(t, got, 1)
		require.Equal(t, fmt.Sprintf("to modem %d", i), got[0].Body)
		sent := r.m.Sent()
		require.Len(t, sent, 1)
		require.Equal(t, fmt.Sprintf("from modem %d", i), submitted(t, sent[0]).Text)
	}
}

func TestKindRegistered(t *testing.T) {
	k, ok := sms.Lookup("modem")
	require.True(t, ok)
	require.Equal(t, []string{"pin"}, k.Secrets)
	var schema map[string]any
	require.NoError(t, json.Unmarshal(k.Schema, &schema))
	props := schema["properties"].(map[string]any)
	for _, name := range []string{"device", "baud", "pin", "smsc", "storage", "status_reports", "sweep_seconds", "health_seconds", "init"} {
		p, ok := props[name].(map[string]any)
		require.True(t, ok, name)
		require.NotEmpty(t, p["title"], name)
	}
	require.Equal(t, true, props["pin"].(map[string]any)["writeOnly"])
	require.Equal(t, []any{"device"}, schema["required"])

	// New builds without touching the device
	g, err := k.New(sms.Config{SID: "SG1", Settings: json.RawMessage(`{"device":"/dev/serial/by-id/usb-nothing-here"}`)}, sms.Env{Sink: &smstest.Sink{}})
	require.NoError(t, err)
	require.Equal(t, sms.StateStopped, g.Health().State)
}

func TestCheck(t *testing.T) {
	k, _ := sms.Lookup("modem")
	for _, tc := range []struct {
		settings string
		err      string // "" when valid
	}{
		{`{"device":"/dev/serial/by-id/usb-HUAWEI-if00-port0"}`, ""},
		{`{"device":"/dev/ttyUSB2","baud":9600,"pin":"1234","smsc":"+447785016005","storage":"me","status_reports":false,"sweep_seconds":60,"health_seconds":120,"init":"AT^CURC=0"}`, ""},
		{``, "device is required"},
		{`{}`, "device: required"},
		{`{"device":"ttyUSB0"}`, "absolute path"},
		{`{"device":"/dev/x","baud":1234}`, "baud"},
		{`{"device":"/dev/x","pin":"12a4"}`, "pin: must be 4 to 8 digits"},
		{`{"device":"/dev/x","smsc":"operator"}`, "smsc"},
		{`{"device":"/dev/x","storage":"SD"}`, "storage"},
		{`{"device":"/dev/x","sweep_seconds":1}`, "sweep_seconds"},
		{`{"device":"/dev/x","health_seconds":99999}`, "health_seconds"},
		{`{"device":"/dev/x","init":"ATZ\r\nAT+CFUN=0"}`, "init"},
		{`{"device":"/dev/x","init":"reboot"}`, "init"},
		{`{"device":"/dev/x","speed":9600}`, "unknown field"},
		{`{"device":5}`, "cannot unmarshal"},
	} {
		t.Run(tc.settings, func(t *testing.T) {
			err := k.Check(json.RawMessage(tc.settings))
			if tc.err == "" {
				require.NoError(t, err)
				return
			}
			require.Error(t, err)
			require.Contains(t, err.Error(), tc.err)
			require.False(t, strings.Contains(err.Error(), "12a4"), "the PIN never shows in errors")
		})
	}
}
