//go:build unix

package sip

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/switchboard/switchboard/sip/siptest"
)

// BenchmarkRefusedInvite: the CPU one refused INVITE costs the process
// (user + system time, getrusage) while the guard refuses everything: the
// INVITE over UDP, its 503 and the caller's ACK. The caller (a plain UDP
// socket in this process) is counted too; its share is the same before and
// after the stateless refusal. Reported as cpu-µs/invite.
func BenchmarkRefusedInvite(b *testing.B) {
	ts := startServerB(b, Config{Overloaded: func() bool { return true }, RetryAfter: 5 * time.Second})
	conn := dialUDP(b, ts.Addr())
	buf := make([]byte, 4096)
	cpu := func() time.Duration {
		var ru syscall.Rusage
		_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
		return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
	}
	b.ResetTimer()
	start := cpu()
	for i := 0; i < b.N; i++ {
		branch, callID := fmt.Sprintf("bench%d", i), fmt.Sprintf("bench%d@b", i)
		inv := fmt.Sprintf("INVITE sip:100@%s SIP/2.0\r\nVia: SIP/2.0/UDP %s;rport;branch=z9hG4bK%s\r\n"+
			"From: <sip:caller@127.0.0.1>;tag=f%s\r\nTo: <sip:100@%s>\r\nCall-ID: %s\r\nCSeq: 1 INVITE\r\n"+
			"Contact: <sip:caller@%s>\r\nMax-Forwards: 70\r\nContent-Type: application/sdp\r\nContent-Length: %d\r\n\r\n%s",
			ts.Addr(), conn.LocalAddr(), branch, callID, ts.Addr(), callID, conn.LocalAddr(), len(benchSDP), benchSDP)
		if _, err := conn.Write([]byte(inv)); err != nil {
			b.Fatal(err)
		}
		var res string
		for {
			_ = conn.SetReadDeadline(time.Now().Add(5 * time.Second))
			n, err := conn.Read(buf)
			if err != nil {
				b.Fatalf("no 503: %v", err)
			}
			res = string(buf[:n])
			if strings.HasPrefix(res, "SIP/2.0 503") {
				break
			}
		}
		to := ""
		for _, l := range strings.Split(res, "\r\n") {
			if strings.HasPrefix(l, "To:") {
				to = strings.TrimSpace(l[3:])
			}
		}
		ack := fmt.Sprintf("ACK sip:100@%s SIP/2.0\r\nVia: SIP/2.0/UDP %s;branch=z9hG4bK%s\r\n"+
			"From: <sip:caller@127.0.0.1>;tag=f%s\r\nTo: %s\r\nCall-ID: %s\r\nCSeq: 1 ACK\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n",
			ts.Addr(), conn.LocalAddr(), branch, callID, to, callID)
		if _, err := conn.Write([]byte(ack)); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(cpu()-start)/float64(time.Microsecond)/float64(b.N), "cpu-µs/invite")
}

const benchSDP = "v=0\r\no=b 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 40000 RTP/AVP 0 101\r\n" +
	"a=rtpmap:0 PCMU/8000\r\na=rtpmap:101 telephone-event/8000\r\na=fmtp:101 0-15\r\na=ptime:20\r\n"

// startServerB is startServer for a benchmark, logging nothing.
func startServerB(b *testing.B, cfg Config) *Server {
	b.Helper()
	cfg.Listen = "127.0.0.1:" + strconv.Itoa(siptest.FreePort(b))
	cfg.Router = RouterFunc(func(ctx context.Context, in Incoming) (Route, error) { return nil, ErrNoRoute })
	cfg.Handler = func(ctx context.Context, c *Call) {}
	cfg.Logger = slog.New(slog.NewTextHandler(io.Discard, &slog.HandlerOptions{Level: slog.LevelWarn}))
	s, err := NewServer(cfg)
	if err != nil {
		b.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	if err := s.Start(ctx); err != nil {
		cancel()
		b.Fatal(err)
	}
	b.Cleanup(func() { cancel(); s.Close() })
	return s
}
