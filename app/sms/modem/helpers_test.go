package modem

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/switchboard/switchboard/app/sms"
	"github.com/switchboard/switchboard/app/sms/at/fakemodem"
	"github.com/switchboard/switchboard/app/sms/pdu"
	"github.com/switchboard/switchboard/app/sms/smstest"
)

// rig is one gateway on one fake modem, reached through a stable symlink
// as /dev/serial/by-id gives it, over go.bug.st/serial.
type rig struct {
	m    *fakemodem.Modem
	g    *Gateway
	sink *smstest.Sink
	link string
	stop func()
}

// fast are the tests' timings: everything waits milliseconds, not seconds.
func fast() knobs {
	return knobs{
		backoffMin: 20 * time.Millisecond, backoffMax: 200 * time.Millisecond,
		sweep: time.Hour, health: time.Hour, expire: 20 * time.Millisecond,
		cmdTimeout: 2 * time.Second, sendTimeout: 2 * time.Second, settle: 50 * time.Millisecond,
		initTimeout: 10 * time.Second, partRetry: 20 * time.Millisecond,
	}
}

type rigOpt struct {
	settings map[string]any // merged over the defaults
	knobs    func(k *knobs)
	before   func(m *fakemodem.Modem) // before the gateway starts
	notReady bool                     // do not wait for "ready"
	fail     func(sms.Inbound) error  // the Sink's Fail
}

func startRig(t testing.TB, o rigOpt) *rig {
	t.Helper()
	m, err := fakemodem.New()
	require.NoError(t, err)
	link := filepath.Join(t.TempDir(), "usb-Switchboard_Fakes_FM-100_356938035643809-if00-port0")
	require.NoError(t, m.LinkAt(link))
	if o.before != nil {
		o.before(m)
	}
	set := map[string]any{"device": link}
	for k, v := range o.settings {
		set[k] = v
	}
	raw, err := json.Marshal(set)
	require.NoError(t, err)
	k := fast()
	if o.knobs != nil {
		o.knobs(&k)
	}
	sink := &smstest.Sink{Fail: o.fail}
	g, err := newGateway(sms.Config{SID: "SG" + strings.Repeat("0", 32), Kind: "modem", Settings: raw},
		sms.Env{Sink: sink, Log: slog.New(slog.NewTextHandler(io.Discard, nil))}, k)
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- g.Run(ctx) }()
	r := &rig{m: m, g: g, sink: sink, link: link}
	stopped := false
	r.stop = func() {
		if stopped {
			return
		}
		stopped = true
		cancel()
		select {
		case err := <-done:
			require.NoError(t, err)
		case <-time.After(10 * time.Second):
			t.Error("Run did not return within 10 s of its context ending")
		}
	}
	t.Cleanup(func() {
		r.stop()
		if t.Failed() {
			t.Logf("health: %+v\ntranscript (tail):\n%s", g.Health(), tail(m.Transcript(), 6000))
		}
		m.Close()
	})
	if !o.notReady {
		r.waitState(t, sms.StateReady)
	}
	return r
}

func tail(s string, n int) string {
	if len(s) > n {
		return s[len(s)-n:]
	}
	return s
}

func (r *rig) waitState(t testing.TB, state string) {
	t.Helper()
	require.NoError(t, r.sink.WaitFor(10*time.Second, "state "+state, func(*smstest.Sink) bool {
		return r.g.Health().State == state
	}))
}

func (r *rig) waitMessages(t testing.TB, n int) []sms.Inbound {
	t.Helper()
	require.NoError(t, r.sink.WaitFor(10*time.Second, fmt.Sprintf("%d inbound messages", n), func(s *smstest.Sink) bool {
		return len(s.Messages()) >= n
	}))
	return r.sink.Messages()
}

// eventually polls cond (for the fake's state, which the Sink does not
// see) every 5 ms for at most 10 s.
func eventually(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("%s did not happen within 10 s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// sweeps waits until the gateway swept the SIM n more times.
func (r *rig) sweeps(t testing.TB, n int) {
	t.Helper()
	count := func() int {
		c := 0
		for _, cmd := range r.m.Commands() {
			if cmd == "AT+CMGL=4" {
				c++
			}
		}
		return c
	}
	start := count()
	eventually(t, fmt.Sprintf("%d sweeps", n), func() bool { return count() >= start+n })
}

func ctxT(t testing.TB, d time.Duration) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	t.Cleanup(cancel)
	return ctx
}

var scts = time.Date(2026, 12, 3, 13, 45, 0, 0, time.UTC)

// deliverHex builds an SMS-DELIVER as the network brings it.
func deliverHex(t testing.TB, from string, u pdu.UserData, at time.Time) string {
	t.Helper()
	a, err := pdu.ParseAddress(from)
	require.NoError(t, err)
	smsc, _ := pdu.ParseAddress("+447785016005")
	b, err := (&pdu.Deliver{SMSC: smsc, From: a, SCTimestamp: at, UserData: u}).Encode()
	require.NoError(t, err)
	return fmt.Sprintf("%X", b)
}

// longParts splits text as a phone would and builds each part's DELIVER.
func longParts(t testing.TB, from, text string, ref byte) []string {
	t.Helper()
	parts, err := pdu.Split(text, ref)
	require.NoError(t, err)
	require.Greater(t, len(parts), 1)
	out := make([]string, len(parts))
	for i, u := range parts {
		out[i] = deliverHex(t, from, u, scts.Add(time.Duration(i)*time.Second))
	}
	return out
}

func reportHex(t testing.TB, mr int, to string, status byte) string {
	t.Helper()
	a, err := pdu.ParseAddress(to)
	require.NoError(t, err)
	b, err := (&pdu.StatusReport{MessageRef: byte(mr), Recipient: a, SCTimestamp: scts, DischargeTime: scts.Add(5 * time.Second), Status: status}).Encode()
	require.NoError(t, err)
	return fmt.Sprintf("%X", b)
}

// submitted decodes what the fake modem was given to send.
func submitted(t testing.TB, s fakemodem.Sent) *pdu.Submit {
	t.Helper()
	msg, err := pdu.DecodeHex(s.PDU)
	require.NoError(t, err)
	sub, ok := msg.(*pdu.Submit)
	require.True(t, ok, "%T", msg)
	return sub
}
