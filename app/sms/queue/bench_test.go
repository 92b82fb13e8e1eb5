package queue_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/switchboard/switchboard/app/sid"
	"github.com/switchboard/switchboard/app/sms"
	"github.com/switchboard/switchboard/app/sms/at/fakemodem"
	_ "github.com/switchboard/switchboard/app/sms/modem"
	"github.com/switchboard/switchboard/app/sms/queue"
	_ "github.com/switchboard/switchboard/app/sms/smpp"
	"github.com/switchboard/switchboard/app/sms/smpp/smsctest"
	"github.com/switchboard/switchboard/app/sms/smstest"
	"github.com/switchboard/switchboard/app/store"
)

// BenchmarkOutbox: one-part messages from queued to sent through the real
// queue (SQLite with synchronous=FULL: claim, result and notification are
// each a committed write) and a real gateway kind, against the fake modem
// on a pty and the Go fake SMSC on loopback. The direct/… rows are the
// anchor: the same gateway's Send called in a loop, without the queue.
func BenchmarkOutbox(b *testing.B) {
	for _, peer := range []string{"modem", "smpp"} {
		b.Run(peer+"/queue", func(b *testing.B) { benchQueue(b, peer) })
		b.Run(peer+"/direct", func(b *testing.B) { benchDirect(b, peer) })
	}
}

const benchBody = "Your appointment is tomorrow at 10:00. Reply C to confirm."

// peerSettings starts the peer and returns the gateway settings for it.
func peerSettings(b *testing.B, peer string) json.RawMessage {
	b.Helper()
	switch peer {
	case "modem":
		m, err := fakemodem.New()
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { m.Close() })
		link := filepath.Join(b.TempDir(), "usb-Fake-if00")
		if err := m.LinkAt(link); err != nil {
			b.Fatal(err)
		}
		return json.RawMessage(`{"device": "` + link + `", "sweep_seconds": 3600, "health_seconds": 3600}`)
	default:
		s, err := smsctest.Start(false)
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(s.Close)
		return json.RawMessage(`{"host": "127.0.0.1", "port": ` + strconv.Itoa(s.Port()) + `, "system_id": "bench", "password": "pw", "window": 10}`)
	}
}

func benchQueue(b *testing.B, peer string) {
	st, err := store.Open(context.Background(), b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	q := queue.New(st, queue.Options{Log: slog.New(slog.NewTextHandler(io.Discard, nil)), Tick: 5 * time.Millisecond})
	ctx, cancel := context.WithCancel(context.Background())
	gw, err := st.CreateGateway(ctx, store.Gateway{SID: sid.New("SG"), FriendlyName: peer, Kind: peer, Addresses: []string{"*"},
		Settings: peerSettings(b, peer), Enabled: true})
	if err != nil {
		b.Fatal(err)
	}
	done := make(chan struct{})
	go func() { defer close(done); _ = q.Run(ctx) }()
	defer func() { cancel(); <-done }()
	waitReady(b, func() string { return q.Health()[gw.SID].State })

	b.StopTimer()
	for i := 0; i < b.N; i++ {
		if _, err := st.CreateMessage(ctx, store.Message{SID: sid.New("SM"), Direction: store.DirectionOutboundAPI,
			From: "+15550002222", To: "+15557654321", Body: benchBody, Status: store.MessageQueued, Notified: store.MessageQueued}); err != nil {
			b.Fatal(err)
		}
	}
	b.StartTimer()
	q.Wake()
	for {
		counts, err := st.QueueCounts(ctx)
		if err != nil {
			b.Fatal(err)
		}
		if len(counts) == 0 {
			break
		}
		time.Sleep(time.Millisecond)
	}
	b.StopTimer()
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "msgs/s")
	sent, err := st.ListMessages(ctx, store.MessageFilter{Status: store.MessageSent}, store.Page{})
	if err != nil || len(sent) != b.N {
		b.Fatalf("%d messages sent, want %d (%v)", len(sent), b.N, err)
	}
}

func benchDirect(b *testing.B, peer string) {
	sink := &smstest.Sink{}
	k, _ := sms.Lookup(peer)
	g, err := k.New(sms.Config{SID: "SGbench", Kind: peer, Addresses: []string{"*"}, Settings: peerSettings(b, peer)},
		sms.Env{Log: slog.New(slog.NewTextHandler(io.Discard, nil)), Sink: sink})
	if err != nil {
		b.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); _ = g.Run(ctx) }()
	defer func() { cancel(); <-done }()
	waitReady(b, func() string { return g.Health().State })
	m := sms.Outbound{From: "+15550002222", To: "+15557654321", Body: benchBody, StatusReport: true}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := g.Send(ctx, m); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "msgs/s")
}

func waitReady(b *testing.B, state func() string) {
	b.Helper()
	for i := 0; i < 500; i++ {
		if state() == sms.StateReady {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	b.Fatalf("the gateway is not ready: %s", state())
}
