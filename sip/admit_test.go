package sip

import (
	"context"
	"fmt"
	gosip "github.com/emiago/sipgo/sip"
	"net"
	"net/netip"
	"reflect"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

type fixedAdmit struct{ ok atomic.Bool }

func (f *fixedAdmit) TakeCall() bool     { return f.ok.Load() }
func (f *fixedAdmit) AdmitRate() float64 { return 7 }

// rawInvite is an INVITE as a caller on conn sends it (rport asked for).
func rawInvite(conn *net.UDPConn, to string, branch, callID string) []byte {
	return []byte(fmt.Sprintf("INVITE sip:100@%s SIP/2.0\r\n"+
		"Via: SIP/2.0/UDP %s;rport;branch=z9hG4bK%s\r\n"+
		"From: <sip:caller@127.0.0.1>;tag=f%s\r\nTo: <sip:100@%s>\r\nCall-ID: %s\r\nCSeq: 1 INVITE\r\n"+
		"Contact: <sip:caller@%s>\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n",
		to, conn.LocalAddr(), branch, callID, to, callID, conn.LocalAddr()))
}

// dialUDP is a caller's UDP socket connected to addr, closed with the test.
func dialUDP(t testing.TB, addr string) *net.UDPConn {
	t.Helper()
	srv, err := net.ResolveUDPAddr("udp", addr)
	if err != nil {
		t.Fatal(err)
	}
	conn, err := net.DialUDP("udp", nil, srv)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	return conn
}

func rawAck(conn *net.UDPConn, to, branch, callID, toTag string) []byte {
	return []byte(fmt.Sprintf("ACK sip:100@%s SIP/2.0\r\n"+
		"Via: SIP/2.0/UDP %s;branch=z9hG4bK%s\r\n"+
		"From: <sip:caller@127.0.0.1>;tag=f%s\r\nTo: <sip:100@%s>;tag=%s\r\nCall-ID: %s\r\nCSeq: 1 ACK\r\n"+
		"Max-Forwards: 70\r\nContent-Length: 0\r\n\r\n", to, conn.LocalAddr(), branch, callID, to, toTag, callID))
}

func readResponse(t *testing.T, conn *net.UDPConn) string {
	t.Helper()
	buf := make([]byte, 4096)
	_ = conn.SetReadDeadline(time.Now().Add(3 * time.Second))
	n, err := conn.Read(buf)
	if err != nil {
		t.Fatalf("no response: %v", err)
	}
	return string(buf[:n])
}

func headerOf(msg, name string) string {
	for _, l := range strings.Split(msg, "\r\n") {
		if k, v, ok := strings.Cut(l, ":"); ok && strings.EqualFold(k, name) {
			return strings.TrimSpace(v)
		}
	}
	return ""
}

// TestStatelessRefusal: over UDP a refused INVITE is answered 503 with
// Retry-After before sipgo sees it; its retransmission gets the same 503
// (same To-tag) without being counted again; the ACK for the 503 starts
// nothing; an INVITE the guard and the rate admit reaches the router; the
// reason is counted (overload, admission_rate).
func TestStatelessRefusal(t *testing.T) {
	var overloaded atomic.Bool
	rate := &fixedAdmit{}
	var routed atomic.Int32
	ts := startServer(t, Config{Overloaded: overloaded.Load, Admit: rate, RetryAfter: 4 * time.Second,
		Router: RouterFunc(func(ctx context.Context, in Incoming) (Route, error) {
			routed.Add(1)
			return nil, &Reject{Status: 486, Reason: "Busy Here"}
		}),
		Handler: func(ctx context.Context, c *Call) {}})
	conn := dialUDP(t, ts.Addr())

	tests := []struct {
		name       string
		overloaded bool
		rate       bool
		status     string
		reason     string
	}{
		{"guard refuses", true, true, "503", DropOverload},
		{"rate refuses", false, false, "503", DropAdmitRate},
		{"admitted reaches the router", false, true, "486", ""},
	}
	for i, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			overloaded.Store(tc.overloaded)
			rate.ok.Store(tc.rate)
			before := ts.Dropped()
			routedBefore := routed.Load()
			branch, callID := fmt.Sprintf("b%d", i), fmt.Sprintf("c%d@test", i)
			inv := rawInvite(conn, ts.Addr(), branch, callID)
			var first string
			for copyN := range 2 { // the INVITE and its retransmission
				if _, err := conn.Write(inv); err != nil {
					t.Fatal(err)
				}
				res := readResponse(t, conn)
				for strings.Contains(strings.SplitN(res, "\r\n", 2)[0], " 100 ") {
					res = readResponse(t, conn)
				}
				if !strings.HasPrefix(res, "SIP/2.0 "+tc.status+" ") {
					t.Fatalf("copy %d: %q", copyN, res)
				}
				if tc.status != "503" {
					break
				}
				if headerOf(res, "Retry-After") != "4" || headerOf(res, "Call-ID") != callID || !strings.Contains(headerOf(res, "Via"), "received=127.0.0.1") {
					t.Fatalf("503 headers: %q", res)
				}
				if copyN == 0 {
					first = res
				} else if res != first {
					t.Fatalf("the retransmission got another answer:\n%q\n%q", first, res)
				}
			}
			after := ts.Dropped()
			if tc.reason != "" {
				if after[tc.reason] != before[tc.reason]+1 {
					t.Fatalf("%s counted %d → %d, want +1 for an INVITE and its retransmission", tc.reason, before[tc.reason], after[tc.reason])
				}
				if routed.Load() != routedBefore {
					t.Fatal("a refused INVITE reached the router")
				}
				to := headerOf(first, "To")
				tag := to[strings.Index(to, "tag=")+4:]
				if !strings.HasPrefix(tag, refusedTagPrefix) {
					t.Fatalf("To-tag %q", tag)
				}
				if _, err := conn.Write(rawAck(conn, ts.Addr(), branch, callID, tag)); err != nil {
					t.Fatal(err)
				}
				_ = conn.SetReadDeadline(time.Now().Add(300 * time.Millisecond))
				if n, err := conn.Read(make([]byte, 2048)); err == nil {
					t.Fatalf("the ACK for our 503 was answered: %d bytes", n)
				}
			} else if routed.Load() != routedBefore+1 {
				t.Fatal("the admitted INVITE did not reach the router")
			}
		})
	}
}

// TestStatelessFilterPasses: what the filter does not decide goes to sipgo
// untouched: other methods, re-INVITEs, ACKs of other dialogs, TCP, and a
// request whose headers it cannot scan.
func TestStatelessFilterPasses(t *testing.T) {
	s := &Server{cfg: Config{Overloaded: func() bool { return true }}}
	s.admissionOptions()
	udp := &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 5070}
	base := "INVITE sip:1@x SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bKa\r\nFrom: <sip:a@x>;tag=1\r\nTo: <sip:1@x>%s\r\nCall-ID: c\r\nCSeq: 1 INVITE\r\n\r\n"
	tests := []struct {
		name, transport, msg string
	}{
		{"options", "UDP", "OPTIONS sip:1@x SIP/2.0\r\nVia: SIP/2.0/UDP h;branch=z9hG4bKb\r\n\r\n"},
		{"re-INVITE", "UDP", fmt.Sprintf(base, ";tag=abc")},
		{"tcp", "TCP", fmt.Sprintf(base, "")},
		{"folded header", "UDP", strings.Replace(fmt.Sprintf(base, ""), "Call-ID: c\r\n", "Call-ID:\r\n c\r\n", 1)},
		{"no Call-ID", "UDP", strings.Replace(fmt.Sprintf(base, ""), "Call-ID: c\r\n", "", 1)},
		{"ACK of a call", "UDP", strings.Replace(fmt.Sprintf(base, ";tag=abc"), "INVITE sip", "ACK sip", 1)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			out, err := s.stateless.filter(propsFor(tc.transport, udp), []byte(tc.msg))
			if err != nil || string(out) != tc.msg {
				t.Fatalf("filter changed or dropped it: %q, %v", out, err)
			}
		})
	}
	ack := strings.Replace(fmt.Sprintf(base, ";tag="+refusedTagPrefix+"x"), "INVITE sip", "ACK sip", 1)
	if out, _ := s.stateless.filter(propsFor("UDP", udp), []byte(ack)); out != nil {
		t.Fatal("the ACK for a stateless 503 went on to sipgo")
	}
}

func propsFor(transport string, remote net.Addr) gosip.TransportReadProps {
	return gosip.TransportReadProps{Transport: transport, RemoteAddr: remote, LocalAddr: &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 5060}}
}

// countingAdmit refuses every call and counts how often it was asked.
type countingAdmit struct{ asked atomic.Int32 }

func (c *countingAdmit) TakeCall() bool     { c.asked.Add(1); return false }
func (c *countingAdmit) AdmitRate() float64 { return 2 }

// TestStatelessRefusalNotAllowed: an INVITE from a source that may not call
// is answered 403 as ever, even while the guard refuses, and takes no token
// of the learned rate: a scanner's flood must not use up what the trunks'
// and desk phones' callers need.
func TestStatelessRefusalNotAllowed(t *testing.T) {
	rate := &countingAdmit{}
	ts := startServer(t, Config{Overloaded: func() bool { return true }, Admit: rate,
		Allow:   []netip.Prefix{netip.MustParsePrefix("192.0.2.0/24")},
		Handler: func(ctx context.Context, c *Call) {}})
	conn := dialUDP(t, ts.Addr())
	for i := range 3 {
		if _, err := conn.Write(rawInvite(conn, ts.Addr(), fmt.Sprintf("na%d", i), fmt.Sprintf("na%d@test", i))); err != nil {
			t.Fatal(err)
		}
		res := readResponse(t, conn)
		for strings.Contains(strings.SplitN(res, "\r\n", 2)[0], " 100 ") {
			res = readResponse(t, conn)
		}
		if !strings.HasPrefix(res, "SIP/2.0 403 ") {
			t.Fatalf("INVITE %d from a source not allowed: %q", i, res)
		}
	}
	if n := rate.asked.Load(); n != 0 {
		t.Fatalf("the learned rate was asked %d times for sources that may not call", n)
	}
	if d := ts.Dropped(); d[DropNotAllowed] != 3 || d[DropOverload] != 0 {
		t.Fatalf("drops: %v", d)
	}
}

// TestStatelessVerdictsSwept: the verdicts a flood of INVITEs left are
// swept once the INVITEs stop, without another INVITE to trigger it, and
// the emptied table is a new map (a Go map never gives its buckets back);
// until then, a retransmission gets the same 503 without being counted
// again, and once its verdict is gone it is decided afresh.
func TestStatelessVerdictsSwept(t *testing.T) {
	ts := startServer(t, Config{Overloaded: func() bool { return true }, RetryAfter: 4 * time.Second,
		Handler: func(ctx context.Context, c *Call) {}})
	a := ts.stateless
	const ttl = 2 * time.Second
	a.mu.Lock()
	a.ttl = ttl
	a.mu.Unlock()
	conn := dialUDP(t, ts.Addr())
	flood := dialUDP(t, ts.Addr())

	inv := rawInvite(conn, ts.Addr(), "swept", "swept@test")
	send := func() string {
		t.Helper()
		if _, err := conn.Write(inv); err != nil {
			t.Fatal(err)
		}
		res := readResponse(t, conn)
		if !strings.HasPrefix(res, "SIP/2.0 503 ") {
			t.Fatalf("%q", res)
		}
		return res
	}
	first := send()
	for i := range 400 {
		if _, err := flood.Write(rawInvite(flood, ts.Addr(), fmt.Sprintf("fl%d", i), fmt.Sprintf("fl%d@test", i))); err != nil {
			t.Fatal(err)
		}
		readResponse(t, flood) // its 503: decided and counted
	}
	counted := ts.Dropped()[DropOverload]
	if again := send(); again != first {
		t.Fatalf("the retransmission got another answer:\n%q\n%q", first, again)
	}
	if n := ts.Dropped()[DropOverload]; n != counted {
		t.Fatalf("the retransmission was counted again: %d → %d", counted, n)
	}
	a.mu.Lock()
	held, peak, old := len(a.verdicts), a.peak, reflect.ValueOf(a.verdicts).UnsafePointer()
	a.mu.Unlock()
	if held < 2 || peak < held {
		t.Fatalf("verdicts held %d, peak %d", held, peak)
	}

	// No more INVITEs: the sweeper empties the table one TTL after the
	// last verdict.
	deadline := time.Now().Add(ttl + 5*time.Second)
	for {
		a.mu.Lock()
		held, peak = len(a.verdicts), a.peak
		fresh := reflect.ValueOf(a.verdicts).UnsafePointer() != old
		due := a.sweeper != nil
		a.mu.Unlock()
		if held == 0 {
			if !fresh || peak != 0 || due {
				t.Fatalf("emptied table: new map %v, peak %d, sweep still due %v", fresh, peak, due)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d verdicts still held %s after the last INVITE", held, ttl+5*time.Second)
		}
		time.Sleep(50 * time.Millisecond)
	}
	// Its verdict gone, the INVITE is decided afresh (and counted).
	if again := send(); again != first {
		t.Fatalf("a fresh refusal differs:\n%q\n%q", first, again)
	}
	if n := ts.Dropped()[DropOverload]; n != counted+1 {
		t.Fatalf("refusals counted %d → %d, want one more", counted, n)
	}
}

// TestStatelessVerdictsShrink: a sweep that leaves a quarter of the peak or
// less copies the survivors into a new map; a table still near its peak
// is kept as it is.
func TestStatelessVerdictsShrink(t *testing.T) {
	t0 := time.Unix(1_700_000_000, 0)
	a := &statelessAdmission{verdicts: map[string]verdict{}, ttl: verdictTTL, stopped: true}
	for i := range 1000 {
		a.remember(fmt.Sprint("old", i), verdict{until: t0})
	}
	for i := range 10 {
		a.remember(fmt.Sprint("new", i), verdict{admitted: true, until: t0.Add(time.Minute)})
	}
	old := reflect.ValueOf(a.verdicts).UnsafePointer()
	a.sweep(t0)
	if len(a.verdicts) != 10 || a.peak != 10 || reflect.ValueOf(a.verdicts).UnsafePointer() == old {
		t.Fatalf("after the sweep: %d verdicts, peak %d, new map %v", len(a.verdicts), a.peak, reflect.ValueOf(a.verdicts).UnsafePointer() != old)
	}
	if v := a.verdicts["new3"]; !v.admitted || !v.until.Equal(t0.Add(time.Minute)) {
		t.Fatalf("a surviving verdict changed: %+v", v)
	}

	for i := range 300 {
		a.remember(fmt.Sprint("more", i), verdict{until: t0.Add(2 * time.Minute)})
	}
	for i := range 100 {
		a.remember(fmt.Sprint("gone", i), verdict{until: t0.Add(time.Second)})
	}
	kept := reflect.ValueOf(a.verdicts).UnsafePointer()
	a.sweep(t0.Add(2 * time.Second))
	if len(a.verdicts) != 310 || reflect.ValueOf(a.verdicts).UnsafePointer() != kept {
		t.Fatalf("a table near its peak: %d verdicts, copied %v", len(a.verdicts), reflect.ValueOf(a.verdicts).UnsafePointer() != kept)
	}
}
