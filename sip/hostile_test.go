package sip

import (
	"bytes"
	"context"

	"log/slog"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// lockedBuffer is a log destination the server's goroutines may share.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// sendInvite sends one INVITE datagram from a fresh socket and returns the
// first line of the first final (or any non-100) response within d, "" if
// none came.
func sendInvite(t *testing.T, port int, from, to string) string {
	t.Helper()
	c, err := net.Dial("udp", "127.0.0.1:"+strconv.Itoa(port))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	lp := strconv.Itoa(c.LocalAddr().(*net.UDPAddr).Port)
	body := "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 4000 RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n"
	msg := "INVITE sip:4000@127.0.0.1:" + strconv.Itoa(port) + " SIP/2.0\r\n" +
		"Via: SIP/2.0/UDP 127.0.0.1:" + lp + ";branch=z9hG4bKhostile" + lp + "\r\nMax-Forwards: 70\r\n" +
		"From: " + from + ";tag=h1\r\nTo: " + to + "\r\nCall-ID: hostile-" + lp + "@127.0.0.1\r\nCSeq: 1 INVITE\r\n" +
		"Contact: <sip:h@127.0.0.1:" + lp + ">\r\nContent-Type: application/sdp\r\nContent-Length: " + strconv.Itoa(len(body)) + "\r\n\r\n" + body
	if _, err := c.Write([]byte(msg)); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 65535)
	_ = c.SetReadDeadline(time.Now().Add(3 * time.Second))
	for {
		n, err := c.Read(buf)
		if err != nil {
			return ""
		}
		first, _, _ := strings.Cut(string(buf[:n]), "\r\n")
		if !strings.HasPrefix(first, "SIP/2.0 100") {
			return first
		}
	}
}

// TestInviteCallerIDSanitized: a caller's display name and user part reach
// the Router (and from there trigger.call.*) and the log without control
// characters or terminal escapes, the text kept, the length capped.
func TestInviteCallerIDSanitized(t *testing.T) {
	logs := &lockedBuffer{}
	got := make(chan Incoming, 1)
	ts := startServer(t, Config{
		Logger: slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
		Router: RouterFunc(func(ctx context.Context, in Incoming) (Route, error) {
			got <- in
			return nil, ErrNoRoute
		}),
		Handler: func(ctx context.Context, c *Call) {},
	})
	long := strings.Repeat("Ω", 300)
	from := "\"\x1b[31mEvil\x07 Caller " + long + "\" <sip:+1555\x1b\x7f0100@127.0.0.1>"
	to := "<sip:40\x1b\x0700@127.0.0.1>"
	if first := sendInvite(t, ts.port, from, to); !strings.HasPrefix(first, "SIP/2.0 404") {
		t.Fatalf("answered %q, want 404\n%s", first, logs)
	}
	var in Incoming
	select {
	case in = <-got:
	case <-time.After(2 * time.Second):
		t.Fatal("router not called")
	}
	for name, v := range map[string]string{
		"From.Display": in.From.Display, "From.User": in.From.User, "From.URI": in.From.URI,
		"To.User": in.To.User, "To.URI": in.To.URI,
	} {
		for _, r := range v {
			if r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) {
				t.Errorf("%s = %q keeps control character %U", name, v, r)
				break
			}
		}
	}
	if !strings.HasPrefix(in.From.Display, "[31mEvil Caller ΩΩ") {
		t.Errorf("From.Display = %q, want the text kept", in.From.Display)
	}
	if n := len([]rune(in.From.Display)); n > 128 {
		t.Errorf("From.Display has %d characters, cap %d", n, 128)
	}
	if in.From.User != "+15550100" {
		t.Errorf("From.User = %q", in.From.User)
	}
	if l := logs.String(); strings.Contains(l, "\x1b") || strings.Contains(l, `\x1b`) || strings.Contains(l, `\u001b`) {
		t.Errorf("log carries an escape:\n%s", l)
	}
}

// writeInjection writes a sipp injection file whose field0 is v.
func writeInjection(t *testing.T, v string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "fields.csv")
	if err := os.WriteFile(p, []byte("SEQUENTIAL\n"+v+";\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestSippOverlongFromRefused: an INVITE whose From is 8,000 characters is
// answered 513 Message Too Large before the Router runs (so no execution
// exists), and the 513, larger than sipgo's 1,300-byte "MTU", still reaches
// the caller over UDP (RFC 3261 §18.2.2).
func TestSippOverlongFromRefused(t *testing.T) {
	var routed atomic.Int32
	ts := startServer(t, Config{
		Router: RouterFunc(func(ctx context.Context, in Incoming) (Route, error) {
			routed.Add(1)
			return "x", nil
		}),
		Handler: func(ctx context.Context, c *Call) { _ = c.Answer(ctx, mediaAddr) },
	})
	mustSipp(t, ts, "reject_513_field.xml", "-inf", writeInjection(t, strings.Repeat("x", 8000)))
	if n := routed.Load(); n != 0 {
		t.Fatalf("router ran %d times for a refused INVITE", n)
	}
}

// TestSippAnswerLargerThanMTU: a 200 OK larger than 1,300 bytes (a long but
// acceptable caller name echoed in From) is sent over UDP, as RFC 3261
// §18.2.2 says for responses, and the call goes on to our BYE.
func TestSippAnswerLargerThanMTU(t *testing.T) {
	answered := make(chan error, 1)
	ts := startServer(t, Config{Handler: func(ctx context.Context, c *Call) {
		answered <- c.Answer(ctx, mediaAddr)
		time.Sleep(200 * time.Millisecond)
	}})
	mustSipp(t, ts, "uac_field_wait_bye.xml", "-inf", writeInjection(t, strings.Repeat("n", 900)))
	select {
	case err := <-answered:
		if err != nil {
			t.Fatalf("Answer = %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("handler never answered")
	}
}

// TestDropFloodBoundedLog: 2,000 garbage datagrams and 500 INVITEs from a
// source we take no calls from are all counted, by reason, and write only a
// handful of log lines (they used to write one ERROR line each: 334 KB).
func TestDropFloodBoundedLog(t *testing.T) {
	logs := &lockedBuffer{}
	ts := startServer(t, Config{
		Allow:   []netip.Prefix{}, // loopback refused too
		Logger:  slog.New(slog.NewTextHandler(logs, nil)),
		Handler: func(ctx context.Context, c *Call) {},
	})
	c, err := net.Dial("udp", "127.0.0.1:"+strconv.Itoa(ts.port))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	lp := strconv.Itoa(c.LocalAddr().(*net.UDPAddr).Port)
	// send writes n datagrams in batches, each batch waiting (bounded)
	// until the server has counted it, so that no datagram is lost to a
	// full socket buffer.
	send := func(reason string, n int, msg func(i int) string) {
		t.Helper()
		for i := 0; i < n; {
			for j := 0; j < 50 && i < n; j, i = j+1, i+1 {
				if _, err := c.Write([]byte(msg(i))); err != nil {
					t.Fatal(err)
				}
			}
			deadline := time.Now().Add(5 * time.Second)
			for ts.Dropped()[reason] < uint64(i) {
				if time.Now().After(deadline) {
					t.Fatalf("%s: %d counted after %d sent", reason, ts.Dropped()[reason], i)
				}
				time.Sleep(2 * time.Millisecond)
			}
		}
	}
	send(DropUnparsable, 2000, func(i int) string {
		return "\xde\xad\xbe\xef garbage " + strconv.Itoa(i) + " " + strings.Repeat("\x1b[31m", 20) + "\r\n\r\n"
	})
	send(DropNotAllowed, 500, func(i int) string {
		return "INVITE sip:4000@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:" + lp + ";branch=z9hG4bKflood" + strconv.Itoa(i) +
			"\r\nFrom: <sip:x@127.0.0.1>;tag=1\r\nTo: <sip:4000@127.0.0.1>\r\nCall-ID: flood-" + strconv.Itoa(i) +
			"\r\nCSeq: 1 INVITE\r\nContent-Length: 0\r\n\r\n"
	})
	got := ts.Dropped()
	if got[DropUnparsable] != 2000 || got[DropNotAllowed] != 500 {
		t.Fatalf("Dropped = %v, want 2000 unparsable and 500 not_allowed", got)
	}
	lines := strings.Count(logs.String(), "\n")
	if lines > 2*dropLogBurst+4 || len(logs.String()) > 8192 {
		t.Fatalf("2,500 drops wrote %d log lines (%d bytes):\n%s", lines, len(logs.String()), logs)
	}
	t.Logf("2,500 drops, %d log lines, %d bytes", lines, len(logs.String()))
}

// TestRefusedSourceAnsweredOnce: an INVITE from a source we take no calls
// from gets one 403 and no retransmissions of it, whether or not it is
// acknowledged (a scanner never sends the ACK; with a spoofed source the
// eleven copies sipgo's transaction would send over Timer H's 32 s would
// land on somebody else), and the same INVITE sent again gets the 403
// again (RFC 3261 §8.2.7: a stateless UAS answers each copy).
func TestRefusedSourceAnsweredOnce(t *testing.T) {
	ts := startServer(t, Config{Allow: []netip.Prefix{}, Handler: func(ctx context.Context, c *Call) {}})
	c, err := net.Dial("udp", "127.0.0.1:"+strconv.Itoa(ts.port))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	lp := strconv.Itoa(c.LocalAddr().(*net.UDPAddr).Port)
	invite := "INVITE sip:4000@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:" + lp + ";branch=z9hG4bKscan1" +
		"\r\nFrom: <sip:x@127.0.0.1>;tag=1\r\nTo: <sip:4000@127.0.0.1>\r\nCall-ID: scan-1\r\nCSeq: 1 INVITE\r\nContent-Length: 0\r\n\r\n"
	// read counts the responses that arrive within d.
	read := func(d time.Duration) int {
		msgs := readFor(c, d)
		for _, m := range msgs {
			if !strings.HasPrefix(m, "SIP/2.0 403 ") {
				t.Fatalf("got %q, want a 403", m)
			}
		}
		return len(msgs)
	}
	for round := 1; round <= 2; round++ {
		if _, err := c.Write([]byte(invite)); err != nil {
			t.Fatal(err)
		}
		// Timer G would resend the 403 at 0.5 s and 1.5 s.
		if n := read(1800 * time.Millisecond); n != 1 {
			t.Fatalf("round %d: %d responses to one INVITE in 1.8 s, want 1", round, n)
		}
	}
	if d := ts.Dropped()[DropNotAllowed]; d != 2 {
		t.Fatalf("Dropped()[%s] = %d, want 2", DropNotAllowed, d)
	}
}

// TestRejectDoesNotWaitForTheACK: Reject returns once its response is
// out, even when the caller never acknowledges it (the call's handler and
// its place among the active calls were held until Timer H). The finished
// transaction still does what RFC 3261 §17.2.1 asks of it over UDP: it
// resends the 486 until the ACK comes, then stops.
func TestRejectDoesNotWaitForTheACK(t *testing.T) {
	took := make(chan time.Duration, 1)
	ts := startServer(t, Config{Handler: func(ctx context.Context, c *Call) {
		start := time.Now()
		if err := c.Reject(ctx, 486, "Busy Here"); err != nil {
			t.Errorf("Reject = %v", err)
		}
		took <- time.Since(start)
	}})
	c, err := net.Dial("udp", "127.0.0.1:"+strconv.Itoa(ts.port))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	lp := strconv.Itoa(c.LocalAddr().(*net.UDPAddr).Port)
	sdp := "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 40000 RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n"
	head := "sip:4000@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:" + lp + ";branch=z9hG4bKbusy1" +
		"\r\nFrom: <sip:x@127.0.0.1>;tag=1\r\nCall-ID: busy-1\r\nMax-Forwards: 70\r\n"
	invite := "INVITE " + head + "To: <sip:4000@127.0.0.1>\r\nContact: <sip:x@127.0.0.1:" + lp + ">\r\nCSeq: 1 INVITE" +
		"\r\nContent-Type: application/sdp\r\nContent-Length: " + strconv.Itoa(len(sdp)) + "\r\n\r\n" + sdp
	if _, err := c.Write([]byte(invite)); err != nil {
		t.Fatal(err)
	}
	// busy counts the 486s that arrive within d and keeps the last one's To.
	var to string
	busy := func(d time.Duration) (n int) {
		for _, msg := range readFor(c, d) {
			if !strings.HasPrefix(msg, "SIP/2.0 486 ") {
				continue // 100 Trying
			}
			n++
			for _, l := range strings.Split(msg, "\r\n") {
				if strings.HasPrefix(l, "To:") {
					to = l
				}
			}
		}
		return n
	}
	// Timer H is 3.2 s in this package's tests (TestMain).
	if n := busy(time.Second); n < 2 {
		t.Fatalf("%d copies of the 486 in 1 s without an ACK, want it resent (T1 50 ms)", n)
	}
	select {
	case d := <-took:
		if d > 500*time.Millisecond {
			t.Fatalf("Reject took %v: it waited for the ACK", d)
		}
	case <-time.After(time.Second):
		t.Fatal("Reject had not returned 1 s after its response went out")
	}
	ack := "ACK " + head + to + "\r\nCSeq: 1 ACK\r\nContent-Length: 0\r\n\r\n"
	if _, err := c.Write([]byte(ack)); err != nil {
		t.Fatal(err)
	}
	busy(300 * time.Millisecond) // a copy already on its way
	if n := busy(time.Second); n != 0 {
		t.Fatalf("%d copies of the 486 after the ACK, want none", n)
	}
}

// readFor returns the datagrams that arrive on c within d.
func readFor(c net.Conn, d time.Duration) (msgs []string) {
	buf := make([]byte, 4096)
	_ = c.SetReadDeadline(time.Now().Add(d))
	for {
		k, err := c.Read(buf)
		if err != nil {
			return msgs
		}
		msgs = append(msgs, string(buf[:k]))
	}
}
