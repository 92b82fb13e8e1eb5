package sip

import (
	"context"
	"errors"
	"net"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/switchboard/switchboard/sip/siptest"
)

// uas is a sipp UAS scenario from testdata/sipp running in the background
// as the far end of an outbound leg.
type uas struct {
	port  int
	media int
	done  chan struct{}
	rc    int
	out   string
}

func startUAS(t *testing.T, scenario string, extra ...string) *uas {
	t.Helper()
	sipp := requireTool(t, "sipp")
	u := &uas{port: freePort(t), media: freePort(t), done: make(chan struct{})}
	dir := t.TempDir()
	sf, _ := filepath.Abs(filepath.Join("testdata", "sipp", scenario))
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	args := append([]string{"-sf", sf, "-i", "127.0.0.1", "-p", strconv.Itoa(u.port),
		"-mi", "127.0.0.1", "-mp", strconv.Itoa(u.media), "-m", "1", "-nostdin",
		"-timeout", "12s", "-timeout_error", "-trace_err", "-trace_msg"}, extra...)
	cmd := exec.CommandContext(ctx, sipp, args...)
	cmd.Dir = dir
	var buf strings.Builder
	cmd.Stdout, cmd.Stderr = &buf, &buf
	if err := cmd.Start(); err != nil {
		cancel()
		t.Fatal(err)
	}
	go func() {
		defer close(u.done)
		defer cancel()
		err := cmd.Wait()
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			u.rc = ee.ExitCode()
		} else if err != nil {
			u.rc = -1
		}
		var logs strings.Builder
		ents, _ := os.ReadDir(dir)
		for _, e := range ents {
			b, _ := os.ReadFile(filepath.Join(dir, e.Name()))
			logs.WriteString("\n--- " + e.Name() + " ---\n" + string(b))
		}
		u.out = buf.String() + logs.String()
	}()
	t.Cleanup(func() { cancel(); <-u.done })
	u.waitUp(t)
	return u
}

// waitUp waits until sipp listens on its UDP port.
func (u *uas) waitUp(t *testing.T) {
	t.Helper()
	deadline := time.Now().Add(3 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case <-u.done:
			t.Fatalf("sipp UAS exited rc=%d\n%s", u.rc, u.out)
		default:
		}
		pc, err := net.ListenPacket("udp", "127.0.0.1:"+strconv.Itoa(u.port))
		if err != nil {
			return // taken: sipp has it
		}
		pc.Close()
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("nothing listens on udp %d", u.port)
}

// wait returns when sipp has finished and fails the test unless it passed.
func (u *uas) wait(t *testing.T) {
	t.Helper()
	select {
	case <-u.done:
	case <-time.After(8 * time.Second):
		t.Fatal("sipp UAS did not finish")
	}
	if u.rc != 0 {
		t.Fatalf("sipp UAS rc=%d\n%s", u.rc, u.out)
	}
}

func (u *uas) addr() string { return "127.0.0.1:" + strconv.Itoa(u.port) }

// rtpSink is our end of the media: a UDP socket that counts RTP packets
// by payload type.
type rtpSink struct {
	pc   *net.UDPConn
	mu   sync.Mutex
	byPT map[uint8]int
	done chan struct{}
}

func newRTPSink(t *testing.T) *rtpSink {
	t.Helper()
	pc, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	s := &rtpSink{pc: pc, byPT: map[uint8]int{}, done: make(chan struct{})}
	go func() {
		defer close(s.done)
		buf := make([]byte, 1500)
		for {
			n, err := pc.Read(buf)
			if err != nil {
				return
			}
			if n >= 12 && buf[0]>>6 == 2 {
				s.mu.Lock()
				s.byPT[buf[1]&0x7f]++
				s.mu.Unlock()
			}
		}
	}()
	t.Cleanup(func() { pc.Close(); <-s.done })
	return s
}

func (s *rtpSink) addr() netip.AddrPort { return s.pc.LocalAddr().(*net.UDPAddr).AddrPort() }

// waitPackets waits until n packets of payload type pt arrived.
func (s *rtpSink) waitPackets(t *testing.T, pt uint8, n int, d time.Duration) {
	t.Helper()
	deadline := time.Now().Add(d)
	for {
		s.mu.Lock()
		got := s.byPT[pt]
		s.mu.Unlock()
		if got >= n {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("RTP: %d packets of PT %d after %s, want %d", got, pt, d, n)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// noLeaks checks, after every other cleanup (the server's Close among
// them), that goroutines are back to where they were and the server's SIP
// port can be bound again (udp and tcp). Call it first in a test.
func noLeaks(t *testing.T) *int {
	t.Helper()
	base := runtime.NumGoroutine()
	port := new(int)
	t.Cleanup(func() {
		deadline := time.Now().Add(5 * time.Second)
		for runtime.NumGoroutine() > base && time.Now().Before(deadline) {
			time.Sleep(50 * time.Millisecond)
		}
		if n := runtime.NumGoroutine(); n > base {
			buf := make([]byte, 1<<20)
			t.Errorf("goroutines: %d, were %d\n%s", n, base, buf[:runtime.Stack(buf, true)])
		}
		if *port != 0 {
			a := "127.0.0.1:" + strconv.Itoa(*port)
			pc, err := net.ListenPacket("udp", a)
			if err != nil {
				t.Errorf("udp port still held: %v", err)
			} else {
				pc.Close()
			}
			l, err := net.Listen("tcp", a)
			if err != nil {
				t.Errorf("tcp port still held: %v", err)
			} else {
				l.Close()
			}
		}
	})
	return port
}

// dialServer starts our server with one IP trunk to the UAS.
func dialServer(t *testing.T, trunks ...Trunk) *testServer {
	t.Helper()
	return startServer(t, Config{Trunks: trunks, Handler: func(ctx context.Context, c *Call) {}})
}

func TestDialAnsweredThenFarEndHangsUp(t *testing.T) {
	port := noLeaks(t)
	far := startUAS(t, "uas_answer_bye.xml")
	ts := dialServer(t, Trunk{Key: "TK1", Name: "sippy", Registrar: far.addr(), Number: "+15550001111", CallerIDs: []string{"+1555*"}})
	*port = ts.port
	sink := newRTPSink(t)
	var early []Progress
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	c, err := ts.Dial(ctx, DialRequest{Trunk: "TK1", Number: "4000", CallerID: "+15559990000", CallerName: "Front desk",
		Timeout: 3 * time.Second, LocalMedia: sink.addr(), Early: func(p Progress) { early = append(early, p) }})
	if err != nil {
		t.Fatalf("Dial: %v", err)
	}
	if c.Direction != DirectionOutbound || c.Admission != (Admission{Kind: "trunk", Name: "sippy"}) || c.ID != CallSID(c.CallID) {
		t.Errorf("call %+v", c)
	}
	if c.From.User != "+15559990000" || c.From.Display != "Front desk" || c.To.User != "4000" {
		t.Errorf("parties from %+v to %+v", c.From, c.To)
	}
	if c.Codec != CodecPCMA || c.TelephoneEvent != 101 || c.Remote.Port() != uint16(far.media) || !c.Answered() {
		t.Errorf("media codec %+v te %d remote %v", c.Codec, c.TelephoneEvent, c.Remote)
	}
	if len(early) != 1 || early[0].Status != 180 || early[0].Media != nil {
		t.Errorf("early %+v", early)
	}
	sink.waitPackets(t, 8, 20, 3*time.Second) // the far end's PCMA reaches us
	select {
	case <-c.Context().Done(): // the far end's BYE
	case <-time.After(5 * time.Second):
		t.Fatal("far end's BYE did not end the call")
	}
	for i := 0; ts.OutboundCalls() != 0 && i < 100; i++ {
		time.Sleep(10 * time.Millisecond) // forgotten by an AfterFunc
	}
	if ts.OutboundCalls() != 0 {
		t.Errorf("outbound calls %d after BYE", ts.OutboundCalls())
	}
	if err := c.Hangup(ctx); err != nil {
		t.Errorf("Hangup after BYE: %v", err)
	}
	far.wait(t)
}

func TestDialBusy(t *testing.T) {
	port := noLeaks(t)
	far := startUAS(t, "uas_busy.xml")
	ts := dialServer(t)
	*port = ts.port
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_, err := ts.Dial(ctx, DialRequest{URI: "sip:4000@" + far.addr(), LocalMedia: newRTPSink(t).addr(), Timeout: 3 * time.Second})
	var de *DialError
	if !errors.As(err, &de) || de.Result != DialBusy || de.Status != 486 || !errors.Is(err, ErrBusy) {
		t.Fatalf("err = %v", err)
	}
	far.wait(t)
}

func TestDialNoAnswerCancels(t *testing.T) {
	port := noLeaks(t)
	far := startUAS(t, "uas_ring_cancel.xml")
	ts := dialServer(t)
	*port = ts.port
	start := time.Now()
	_, err := ts.Dial(context.Background(), DialRequest{URI: "sip:4000@" + far.addr(), LocalMedia: newRTPSink(t).addr(), Timeout: 700 * time.Millisecond})
	if !errors.Is(err, ErrNoAnswer) {
		t.Fatalf("err = %v", err)
	}
	if d := time.Since(start); d < 700*time.Millisecond || d > 3*time.Second {
		t.Errorf("rang %s, want about 700ms", d)
	}
	far.wait(t) // sipp saw our CANCEL and ACKed its 487
}

func TestDialCanceledByContext(t *testing.T) {
	port := noLeaks(t)
	far := startUAS(t, "uas_ring_cancel.xml")
	ts := dialServer(t)
	*port = ts.port
	ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
	defer cancel()
	_, err := ts.Dial(ctx, DialRequest{URI: "sip:4000@" + far.addr(), LocalMedia: newRTPSink(t).addr(), Timeout: 5 * time.Second})
	var de *DialError
	if !errors.As(err, &de) || de.Result != DialCanceled || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v", err)
	}
	far.wait(t)
}

// TestDialCanceledBeforeAnyResponse: the caller gives up before the far end
// answered anything; CANCEL may not go yet (RFC 3261 §9.1), but when the
// far end's 180 comes it must, or that phone rings on alone. sipp requires
// the CANCEL.
func TestDialCanceledBeforeAnyResponse(t *testing.T) {
	port := noLeaks(t)
	far := startUAS(t, "uas_late_ring_cancel.xml")
	ts := dialServer(t)
	*port = ts.port
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	_, err := ts.Dial(ctx, DialRequest{URI: "sip:4000@" + far.addr(), LocalMedia: newRTPSink(t).addr(), Timeout: 5 * time.Second})
	var de *DialError
	if !errors.As(err, &de) || de.Result != DialCanceled {
		t.Fatalf("err = %v", err)
	}
	far.wait(t) // sipp saw our CANCEL after its late 180
}

func TestDialAnswerCrossesCancel(t *testing.T) {
	port := noLeaks(t)
	far := startUAS(t, "uas_cancel_race.xml")
	ts := dialServer(t)
	*port = ts.port
	_, err := ts.Dial(context.Background(), DialRequest{URI: "sip:4000@" + far.addr(), LocalMedia: newRTPSink(t).addr(), Timeout: 500 * time.Millisecond})
	if !errors.Is(err, ErrNoAnswer) {
		t.Fatalf("err = %v", err)
	}
	far.wait(t) // the crossing 200 got its ACK and a BYE
}

func TestDialEarlyMedia(t *testing.T) {
	port := noLeaks(t)
	far := startUAS(t, "uas_early_media.xml")
	ts := dialServer(t)
	*port = ts.port
	sink := newRTPSink(t)
	earlyc := make(chan Progress, 4)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	c, err := ts.Dial(ctx, DialRequest{URI: "sip:4000@" + far.addr(), LocalMedia: sink.addr(), Timeout: 3 * time.Second,
		Early: func(p Progress) {
			earlyc <- p
			// early audio is flowing before the answer
			sink.waitPackets(t, 8, 5, 2*time.Second)
		}})
	if err != nil {
		t.Fatalf("Dial: %v", err)
	}
	p := <-earlyc
	if p.Status != 183 || p.Media == nil || p.Media.Remote.Port() != uint16(far.media) || p.Media.Codec != CodecPCMA {
		t.Errorf("early %+v media %+v", p, p.Media)
	}
	if err := c.Hangup(ctx); err != nil {
		t.Fatalf("Hangup: %v", err)
	}
	if !errors.Is(context.Cause(c.Context()), ErrHangup) {
		t.Errorf("cause %v", context.Cause(c.Context()))
	}
	far.wait(t) // sipp got our BYE
}

// TestDialTrunkDigest: the trunk registers with kamailio (digest) and its
// INVITEs go to a proxy (sipp) that challenges them with 401; the retried
// INVITE carries a digest sipp verifies with the trunk's password.
func TestDialTrunkDigest(t *testing.T) {
	port := noLeaks(t)
	kam, _ := siptest.Kamailio(t)
	far := startUAS(t, "uas_auth.xml")
	ts := dialServer(t, Trunk{Key: "TK2", Name: "provider", Registrar: "127.0.0.1:" + strconv.Itoa(kam), Proxy: far.addr(),
		Username: "alice", Password: "secret", Number: "+15550002222"})
	*port = ts.port
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	c, err := ts.Dial(ctx, DialRequest{Trunk: "TK2", Number: "5551234", CallerID: "+4420000000", LocalMedia: newRTPSink(t).addr(), Timeout: 3 * time.Second})
	if err != nil {
		t.Fatalf("Dial: %v", err)
	}
	if c.From.User != "+15550002222" { // not an allowed caller ID: the trunk's own number
		t.Errorf("From %+v", c.From)
	}
	if err := c.Hangup(ctx); err != nil {
		t.Fatalf("Hangup: %v", err)
	}
	far.wait(t)
}

func TestDialBadRequests(t *testing.T) {
	ts := dialServer(t, Trunk{Key: "TK1", Name: "t", Registrar: "127.0.0.1:5"})
	media := netip.MustParseAddrPort("127.0.0.1:4000")
	for _, tc := range []struct {
		name string
		req  DialRequest
	}{
		{"no target", DialRequest{LocalMedia: media}},
		{"two targets", DialRequest{URI: "sip:a@127.0.0.1", User: "bob", LocalMedia: media}},
		{"unknown trunk", DialRequest{Trunk: "nope", Number: "1", LocalMedia: media}},
		{"bad number", DialRequest{Trunk: "TK1", Number: "1\r\nVia: x", LocalMedia: media}},
		{"empty number", DialRequest{Trunk: "TK1", LocalMedia: media}},
		{"unregistered user", DialRequest{User: "bob", LocalMedia: media}},
		{"not sip", DialRequest{URI: "http://x", LocalMedia: media}},
		{"uri injection", DialRequest{URI: "sip:a@b\r\nX: y", LocalMedia: media}},
		{"no media", DialRequest{URI: "sip:a@127.0.0.1"}},
		{"codec", DialRequest{URI: "sip:a@127.0.0.1", LocalMedia: media, Codecs: []Codec{{PayloadType: 18, Name: "G729", ClockRate: 8000}}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ts.Dial(context.Background(), tc.req)
			if !errors.Is(err, ErrBadDial) {
				t.Fatalf("err = %v, want ErrBadDial", err)
			}
		})
	}
}

func TestTrunkCallerID(t *testing.T) {
	for _, tc := range []struct {
		name  string
		trunk Trunk
		want  string
		got   string
	}{
		{"no rules", Trunk{}, "+1555", "+1555"},
		{"own number when not allowed", Trunk{Number: "+100"}, "+1555", "+100"},
		{"own number when none", Trunk{Number: "+100"}, "", "+100"},
		{"allowed exactly", Trunk{Number: "+100", CallerIDs: []string{"+1555"}}, "+1555", "+1555"},
		{"allowed by prefix", Trunk{Number: "+100", CallerIDs: []string{"+15*"}}, "+1555", "+1555"},
		{"any", Trunk{Number: "+100", CallerIDs: []string{"*"}}, "+4477", "+4477"},
		{"prefix miss", Trunk{Number: "+100", CallerIDs: []string{"+16*"}}, "+1555", "+100"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.trunk.callerID(tc.want); got != tc.got {
				t.Errorf("callerID(%q) = %q, want %q", tc.want, got, tc.got)
			}
		})
	}
}
