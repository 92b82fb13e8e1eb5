package smpp_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/switchboard/switchboard/app/sms"
	"github.com/switchboard/switchboard/app/sms/smpp"
	"github.com/switchboard/switchboard/app/sms/smpp/smsctest"
	"github.com/switchboard/switchboard/app/sms/smstest"
)

func startFake(t testing.TB, record bool) *smsctest.Server {
	t.Helper()
	s, err := smsctest.Start(record)
	require.NoError(t, err)
	t.Cleanup(s.Close)
	return s
}

func runGateway(t testing.TB, port int, extra map[string]any) (*smpp.Gateway, *smstest.Sink) {
	t.Helper()
	set := map[string]any{"host": "127.0.0.1", "port": port, "system_id": "sb", "password": "pw", "response_timeout_seconds": 3}
	for k, v := range extra {
		set[k] = v
	}
	raw, _ := json.Marshal(set)
	sink := &smstest.Sink{}
	g, err := smpp.New(sms.Config{SID: "SGfake", Kind: "smpp", Settings: raw}, sms.Env{Sink: sink, Log: slog.New(slog.NewTextHandler(io.Discard, nil))})
	require.NoError(t, err)
	smpp.SetBackoff(g, 20*time.Millisecond, 200*time.Millisecond)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); _ = g.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-done })
	waitState(t, g, sms.StateReady)
	return g, sink
}

func waitState(t testing.TB, g *smpp.Gateway, state string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for g.Health().State != state {
		if time.Now().After(deadline) {
			t.Fatalf("gateway not %s within 10 s: %+v", state, g.Health())
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("%s did not happen within 10 s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func sendOne(g *smpp.Gateway, body string) (sms.Sent, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	return g.Send(ctx, sms.Outbound{From: "+15551234567", To: "+15557654321", Body: body})
}

// Bytes that break the framing end the connection; the gateway binds again and sends.
func TestBadBytesRebind(t *testing.T) {
	tests := []struct {
		name string
		raw  []byte
		drop bool
	}{
		{"garbage", []byte("\xde\xad\xbe\xef garbage that is not SMPP at all"), false},
		{"huge command_length", []byte{0xFF, 0xFF, 0xFF, 0xFF, 0, 0, 0, 5, 0, 0, 0, 0, 0, 0, 0, 1}, false},
		{"command_length under a header", []byte{0, 0, 0, 8, 0, 0, 0, 5, 0, 0, 0, 0, 0, 0, 0, 1}, false},
		{"truncated PDU, then gone", []byte{0, 0, 0, 100, 0, 0, 0, 5, 0, 0, 0, 0, 0, 0, 0, 1, 0, 1, 1}, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := startFake(t, true)
			g, _ := runGateway(t, s.Port(), nil)
			require.NoError(t, s.Raw(tc.raw))
			if tc.drop {
				time.Sleep(20 * time.Millisecond)
				s.Drop()
			}
			waitFor(t, "a second bind", func() bool { return s.Binds() == 2 })
			waitState(t, g, sms.StateReady)
			sent, err := sendOne(g, "after "+tc.name)
			require.NoError(t, err)
			require.Len(t, sent.Refs, 1)
		})
	}
}

// A PDU with the right length and a body we cannot read gets generic_nack; the bind stays.
func TestMalformedPDUNacked(t *testing.T) {
	s := startFake(t, true)
	g, sink := runGateway(t, s.Port(), nil)
	// unknown command_id 0x99, sequence 77
	require.NoError(t, s.Raw([]byte{0, 0, 0, 16, 0, 0, 0, 0x99, 0, 0, 0, 0, 0, 0, 0, 77}))
	// deliver_sm whose sm_length runs past the end, sequence 78
	require.NoError(t, s.Raw([]byte{0, 0, 0, 22, 0, 0, 0, 5, 0, 0, 0, 0, 0, 0, 0, 78, 0, 0, 0, 0, 0, 0}))
	waitFor(t, "two generic_nacks", func() bool { return len(s.Received()) >= 2 })
	for i, p := range s.Received()[:2] {
		require.Equal(t, smpp.GenericNack, p.Command)
		require.Equal(t, uint32(77+i), p.Seq)
	}
	require.Equal(t, 1, s.Binds())
	require.Empty(t, sink.Messages())
	_, err := sendOne(g, "still bound")
	require.NoError(t, err)
}

// The bind drops with submits in the window: those written are uncertain, those still
// waiting for a slot went nowhere and are retryable. The window is never exceeded.
func TestDropMidWindow(t *testing.T) {
	s := startFake(t, true)
	s.OnSubmit(func(smpp.PDU) (uint32, bool) { return 0, false }) // never answer
	g, _ := runGateway(t, s.Port(), map[string]any{"window": 2, "response_timeout_seconds": 30})
	const n = 5
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() { defer wg.Done(); _, errs[i] = sendOne(g, "x") }()
	}
	waitFor(t, "two submits in the window", func() bool { return len(s.Submits()) == 2 })
	time.Sleep(50 * time.Millisecond)
	require.Len(t, s.Submits(), 2, "a window of 2 holds 2 requests")
	start := time.Now()
	s.Drop()
	wg.Wait()
	require.Less(t, time.Since(start), 5*time.Second, "the drop ends the waits, not the 30 s timeout")
	uncertain, retryable := 0, 0
	for _, err := range errs {
		require.Error(t, err)
		f := sms.AsFailure(err)
		require.False(t, f.Permanent)
		if f.Uncertain {
			uncertain++
		} else {
			retryable++
		}
	}
	require.Equal(t, 2, uncertain)
	require.Equal(t, 3, retryable)
}

// An incoming deliver_sm with a broken UDH is delivered as text, not lost.
func TestBrokenUDHKept(t *testing.T) {
	s := startFake(t, true)
	_, sink := runGateway(t, s.Port(), nil)
	require.NoError(t, s.Send(smpp.PDU{Command: smpp.DeliverSM, SM: &smpp.ShortMessage{
		SourceTON: 1, Source: "15557654321", ESMClass: 0x40, ShortMessage: []byte{0x09, 0x00, 'h', 'i'}}}))
	require.NoError(t, sink.WaitFor(10*time.Second, "the MO", func(s *smstest.Sink) bool { return len(s.Messages()) == 1 }))
	require.Contains(t, sink.Messages()[0].Body, "hi")
	waitFor(t, "deliver_sm_resp", func() bool { return len(s.Received()) == 1 })
	require.Equal(t, smpp.DeliverSMResp, s.Received()[0].Command)
	require.Equal(t, smpp.StatusOK, s.Received()[0].Status)
}

// BenchmarkSubmit: 1-part messages per second through the Go fake SMSC, window 10, ten
// senders.
func BenchmarkSubmit(b *testing.B) {
	s := startFake(b, false)
	g, _ := runGateway(b, s.Port(), map[string]any{"window": 10})
	b.SetParallelism(10)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := sendOne(g, "Your code is 123456"); err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "msg/s")
}

// The data_coding policy and registered_delivery reach the submit_sm.
func TestPolicyOnTheWire(t *testing.T) {
	tests := []struct {
		name   string
		set    map[string]any
		body   string
		dc     byte
		reg    byte
		source string
	}{
		{"auto gsm7", nil, "hello", 0, 1, "15551234567"},
		{"auto ucs2", nil, "привет", 8, 1, "15551234567"},
		{"always ucs2", map[string]any{"data_coding": "ucs2"}, "hello", 8, 1, "15551234567"},
		{"latin1", map[string]any{"data_coding": "latin1"}, "café", 3, 1, "15551234567"},
		{"latin1 falls back", map[string]any{"data_coding": "latin1"}, "5 €", 8, 1, "15551234567"},
		{"no receipts", map[string]any{"registered_delivery": false}, "hello", 0, 0, "15551234567"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := startFake(t, true)
			g, _ := runGateway(t, s.Port(), tc.set)
			_, err := sendOne(g, tc.body)
			require.NoError(t, err)
			p := s.Submits()[0]
			require.Equal(t, tc.dc, p.SM.DataCoding)
			require.Equal(t, tc.reg, p.SM.RegisteredDelivery)
			require.Equal(t, tc.source, p.SM.Source)
		})
	}
}

// throughput spaces submits out: 6 at 20/s take at least 5 gaps of 50 ms.
func TestThroughput(t *testing.T) {
	s := startFake(t, true)
	g, _ := runGateway(t, s.Port(), map[string]any{"throughput": 20})
	start := time.Now()
	for range 6 {
		_, err := sendOne(g, "x")
		require.NoError(t, err)
	}
	require.GreaterOrEqual(t, time.Since(start), 240*time.Millisecond)
}

// Refused before anything goes out: a body no coding can carry in 255 parts, a recipient
// that is not a number.
func TestSendRefusesPermanently(t *testing.T) {
	s := startFake(t, true)
	g, _ := runGateway(t, s.Port(), nil)
	for _, tc := range []struct{ to, body string }{{"+15557654321", strings.Repeat("😀", 255*33+1)}, {"not a number", "hi"}, {"", "hi"}} {
		_, err := g.Send(context.Background(), sms.Outbound{To: tc.to, Body: tc.body})
		require.True(t, sms.AsFailure(err).Permanent, "%v", err)
	}
	require.Empty(t, s.Submits())
	// A 10 kB GSM body is 66 parts of 153 septets, all sent.
	sent, err := sendOne(g, strings.Repeat("0123456789", 1000))
	require.NoError(t, err)
	require.Equal(t, 66, sent.Segments)
	require.Len(t, s.Submits(), 66)
}
