package sip

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"log/slog"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/switchboard/switchboard/sip/siptest"
)

// kamailioSaw reports whether kamailio logged a request of method over
// proto (kamailio_tls.cfg logs "SEEN <method> over <proto>").
func kamailioSaw(t *testing.T, logPath, method, proto string) bool {
	t.Helper()
	b, err := os.ReadFile(logPath)
	if err != nil {
		t.Fatal(err)
	}
	return strings.Contains(string(b), "SEEN "+method+" over "+proto)
}

// TestTrunkTLSKamailio runs a TLS trunk against a real kamailio with its
// TLS module and a throwaway CA: REGISTER with digest auth over TLS; an
// outbound call through the trunk reaches a sipp UAS behind kamailio, is
// answered, media flows, and our BYE goes back over TLS; an inbound call
// from sipp through kamailio comes over the registration's connection and
// is answered.
func TestTrunkTLSKamailio(t *testing.T) {
	port := noLeaks(t)
	files := siptest.TLSCerts(t)
	far := startUAS(t, "uas_rr_answer_wait_bye.xml")
	kport, ktls, logPath := siptest.KamailioTLS(t, files, far.port)
	inbound := make(chan *Call, 1)
	ts := startServer(t, Config{
		Trunks: []Trunk{{Key: "TK1", Name: "kam-tls", Registrar: "127.0.0.1:" + strconv.Itoa(ktls), Username: "ivr", Password: "secret",
			Expires: time.Minute, Transport: "tls", TLSCAFile: files.CA}},
		Handler: func(ctx context.Context, c *Call) {
			if err := c.Answer(ctx, mediaAddr); err != nil {
				t.Errorf("Answer: %v", err)
				return
			}
			inbound <- c
			time.Sleep(300 * time.Millisecond) // then we hang up
		},
	})
	*port = ts.port

	// (a) REGISTER over TLS, challenged and answered.
	st := waitTrunk(t, ts.Server, TrunkRegistered, 10*time.Second)
	if st.LastError != "" || !kamailioSaw(t, logPath, "REGISTER", "tls") {
		b, _ := os.ReadFile(logPath)
		t.Fatalf("status %+v\nkamailio:\n%s", st, b)
	}
	if aors := siptest.KamailioAORs(t, logPath); !slices.Contains(aors, "ivr") {
		t.Fatalf("kamailio holds %v", aors)
	}

	// (b) An outbound call through the trunk.
	sink := newRTPSink(t)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, err := ts.Dial(ctx, DialRequest{Trunk: "TK1", Number: "4000", Timeout: 3 * time.Second, LocalMedia: sink.addr()})
	if err != nil {
		b, _ := os.ReadFile(logPath)
		t.Fatalf("Dial: %v\nkamailio:\n%s", err, b)
	}
	if !c.Answered() || c.Codec != CodecPCMA || c.Remote.Port() != uint16(far.media) {
		t.Errorf("call %+v", c)
	}
	sink.waitPackets(t, 8, 20, 3*time.Second)
	if err := c.Hangup(ctx); err != nil {
		t.Fatalf("Hangup: %v", err)
	}
	far.wait(t)
	for _, m := range []string{"INVITE", "ACK", "BYE"} {
		if !kamailioSaw(t, logPath, m, "tls") {
			t.Errorf("kamailio saw no %s over TLS", m)
		}
	}

	// (c) An inbound call over the registration's connection.
	rc, out := runSipp(t, "127.0.0.1:"+strconv.Itoa(kport), "uac_rr_wait_bye.xml", "-s", "ivr")
	if rc != 0 {
		b, _ := os.ReadFile(logPath)
		t.Fatalf("sipp rc=%d\n%s\nkamailio:\n%s", rc, out, b)
	}
	select {
	case in := <-inbound:
		if in.Admission != (Admission{Kind: "trunk", Name: "kam-tls"}) {
			t.Errorf("inbound admission %+v", in.Admission)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("no inbound call")
	}
	if strings.Contains(out, "secret") {
		t.Error("the password reached sipp's output")
	}
}

// lockedLog is a log sink safe for concurrent writers.
type lockedLog struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *lockedLog) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}
func (l *lockedLog) String() string { l.mu.Lock(); defer l.mu.Unlock(); return l.b.String() }

// TestTrunkTLSCertificateProblems: a trunk whose certificate cannot be
// checked fails with a sentence that says what to set, backs off (a next
// attempt, no loop), and leaves no goroutine behind.
func TestTrunkTLSCertificateProblems(t *testing.T) {
	port := noLeaks(t)
	good, other := siptest.TLSCerts(t), siptest.TLSCerts(t)
	_, ktls, _ := siptest.KamailioTLS(t, good, siptest.FreePort(t))
	registrar := "127.0.0.1:" + strconv.Itoa(ktls)
	cases := []struct {
		name, ca string
		want     []string
	}{
		{"wrong CA", other.CA, []string{"unknown authority", "does not sign it", other.CA}},
		{"system roots", "", []string{"unknown authority", "set the trunk's CA file"}},
		{"missing CA file", filepath.Join(t.TempDir(), "nope.pem"), []string{"CA file", "cannot be used"}},
		{"not a CA file", good.Key, []string{"CA file", "no PEM certificate"}},
	}
	var trunks []Trunk
	for i, c := range cases {
		trunks = append(trunks, Trunk{Key: "TK" + strconv.Itoa(i), Name: c.name, Registrar: registrar, Username: "ivr" + strconv.Itoa(i),
			Password: "secret", Transport: "tls", TLSCAFile: c.ca})
	}
	ts := startServer(t, Config{Trunks: trunks, Handler: func(ctx context.Context, c *Call) {}})
	*port = ts.port
	// Checking turned off (on a server of its own: with a checked trunk
	// to the same address, the check rules): the trunk registers, and the
	// log says so loudly.
	t.Run("insecure skip verify", func(t *testing.T) {
		var logs lockedLog
		ts := startServer(t, Config{Handler: func(ctx context.Context, c *Call) {},
			Trunks: []Trunk{{Name: "unchecked", Registrar: registrar, Username: "ivrskip", Password: "secret", Transport: "tls", TLSInsecureSkipVerify: true}},
			Logger: slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelWarn}))})
		waitTrunk(t, ts.Server, TrunkRegistered, 10*time.Second)
		if got := logs.String(); !strings.Contains(got, "TLS certificate checking is OFF") || !strings.Contains(got, "certificate NOT checked") {
			t.Errorf("no loud warning in the log:\n%s", got)
		}
	})
	for i, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			deadline := time.Now().Add(10 * time.Second)
			var st TrunkStatus
			for {
				for _, s := range ts.Trunks() {
					if s.Key == "TK"+strconv.Itoa(i) {
						st = s
					}
				}
				if st.State == TrunkFailed || time.Now().After(deadline) {
					break
				}
				time.Sleep(50 * time.Millisecond)
			}
			if st.State != TrunkFailed || st.NextAttempt.IsZero() {
				t.Fatalf("status %+v", st)
			}
			for _, w := range c.want {
				if !strings.Contains(st.LastError, w) {
					t.Errorf("last error %q, want %q in it", st.LastError, w)
				}
			}
			if strings.Contains(st.LastError, "secret") {
				t.Errorf("password in %q", st.LastError)
			}
		})
	}
}

// TestTLSListener: with TLSListen a peer opens its own TLS connection to
// us (checking our certificate) and is answered on it; a listener without
// a usable certificate is refused at NewServer, naming the files only.
func TestTLSListener(t *testing.T) {
	port := noLeaks(t)
	files := siptest.TLSCerts(t)
	tlsPort := siptest.FreePort(t)
	ts := startServer(t, Config{Handler: func(ctx context.Context, c *Call) {},
		TLSListen: "127.0.0.1:" + strconv.Itoa(tlsPort), TLSCertFile: files.Cert, TLSKeyFile: files.Key})
	*port = ts.port
	pem, err := os.ReadFile(files.CA)
	if err != nil {
		t.Fatal(err)
	}
	roots := x509.NewCertPool()
	roots.AppendCertsFromPEM(pem)
	conn, err := tls.DialWithDialer(&net.Dialer{Timeout: 3 * time.Second}, "tcp", "127.0.0.1:"+strconv.Itoa(tlsPort),
		&tls.Config{RootCAs: roots, ServerName: "127.0.0.1", MinVersion: tls.VersionTLS12})
	if err != nil {
		t.Fatalf("TLS dial: %v", err)
	}
	defer conn.Close()
	lp := conn.LocalAddr().(*net.TCPAddr).Port
	msg := "OPTIONS sip:127.0.0.1:" + strconv.Itoa(tlsPort) + ";transport=tls SIP/2.0\r\n" +
		"Via: SIP/2.0/TLS 127.0.0.1:" + strconv.Itoa(lp) + ";branch=z9hG4bKtls1\r\n" +
		"Max-Forwards: 70\r\nFrom: <sip:probe@127.0.0.1>;tag=p1\r\nTo: <sip:127.0.0.1>\r\n" +
		"Call-ID: tls-probe@127.0.0.1\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n"
	if _, err := conn.Write([]byte(msg)); err != nil {
		t.Fatal(err)
	}
	_ = conn.SetReadDeadline(time.Now().Add(3 * time.Second))
	buf := make([]byte, 4096)
	n, err := conn.Read(buf)
	if err != nil || !strings.HasPrefix(string(buf[:n]), "SIP/2.0 200") {
		t.Fatalf("answer %q, %v", buf[:n], err)
	}
	conn.Close()

	for _, c := range []struct{ name, cert, key, want string }{
		{"no key", files.Cert, "", "certificate and a key"},
		{"missing", files.Cert, filepath.Join(t.TempDir(), "none.key"), "none.key"},
		{"key is no key", files.Cert, files.CA, files.CA},
	} {
		_, err := NewServer(Config{Listen: "127.0.0.1:5060", Router: RouterFunc(func(context.Context, Incoming) (Route, error) { return nil, nil }),
			Handler: func(context.Context, *Call) {}, TLSListen: "127.0.0.1:5061", TLSCertFile: c.cert, TLSKeyFile: c.key})
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want %q", c.name, err, c.want)
		}
	}
}

// TestTrunkTLSInDialogContact: an inbound call over the TLS trunk's
// connection (sipp through kamailio) is re-INVITEd (hold); our 200s, to
// the INVITE and to the re-INVITE, give a Contact with transport=tls, so
// the carrier keeps sending in-dialog requests over TLS (sipp checks both).
func TestTrunkTLSInDialogContact(t *testing.T) {
	port := noLeaks(t)
	files := siptest.TLSCerts(t)
	kport, ktls, logPath := siptest.KamailioTLS(t, files, siptest.FreePort(t))
	ended := make(chan struct{}, 1)
	ts := startServer(t, Config{
		Trunks: []Trunk{{Key: "TK1", Name: "kam-tls", Registrar: "127.0.0.1:" + strconv.Itoa(ktls), Username: "ivr", Password: "secret",
			Expires: time.Minute, Transport: "tls", TLSCAFile: files.CA}},
		Handler: func(ctx context.Context, c *Call) {
			if err := c.Answer(ctx, mediaAddr); err != nil {
				t.Errorf("Answer: %v", err)
				return
			}
			select {
			case <-c.Context().Done():
			case <-time.After(10 * time.Second):
			}
			ended <- struct{}{}
		},
	})
	*port = ts.port
	waitTrunk(t, ts.Server, TrunkRegistered, 10*time.Second)
	rc, out := runSipp(t, "127.0.0.1:"+strconv.Itoa(kport), "uac_rr_reinvite_bye.xml", "-s", "ivr")
	if rc != 0 {
		b, _ := os.ReadFile(logPath)
		t.Fatalf("sipp rc=%d\n%s\nkamailio:\n%s", rc, out, b)
	}
	select {
	case <-ended:
	case <-time.After(5 * time.Second):
		t.Fatal("the call did not end with the caller's BYE")
	}
	if !kamailioSaw(t, logPath, "INVITE", "udp") {
		t.Error("kamailio saw no INVITE from sipp")
	}
}

// TestTrunkTLSKeepAliveAndReconnect: a TLS trunk registered with kamailio
// sends CRLF keep-alives on its connection (the connection stays the
// same, kamailio answers them); kamailio restarts, which closes the
// connection and forgets the binding: the trunk notices and registers
// again within a few seconds, long before its binding (1 min) is due.
func TestTrunkTLSKeepAliveAndReconnect(t *testing.T) {
	port := noLeaks(t)
	files := siptest.TLSCerts(t)
	_, ktls, logPath, restart := siptest.KamailioTLSRestartable(t, files, siptest.FreePort(t))
	probe := connProbe
	connProbe = 100 * time.Millisecond
	t.Cleanup(func() { connProbe = probe })
	ts := startServer(t, Config{
		Trunks: []Trunk{{Key: "TK1", Name: "kam-tls", Registrar: "127.0.0.1:" + strconv.Itoa(ktls), Username: "ivr", Password: "secret",
			Expires: time.Minute, Transport: "tls", TLSCAFile: files.CA, KeepAlive: 200 * time.Millisecond}},
		Handler: func(ctx context.Context, c *Call) {},
	})
	*port = ts.port
	first := waitTrunk(t, ts.Server, TrunkRegistered, 10*time.Second)
	r := ts.trunkList()[0]
	r.mu.Lock()
	remote := r.remote
	r.mu.Unlock()
	conn := r.conn(remote)
	if conn == nil {
		t.Fatalf("no pooled connection to %q", remote)
	}
	// Keep-alives flow (the kernel counts what our socket sent: 1.5 s of
	// 200 ms pings is seven TLS records; a loaded machine delays some
	// timers, so three are asked for) and the connection stays.
	lport := conn.(net.Conn).LocalAddr().(*net.TCPAddr).Port
	sent0 := tcpBytesSent(t, lport)
	time.Sleep(1500 * time.Millisecond)
	if c := r.conn(remote); c != conn {
		t.Fatal("the connection changed while kept alive")
	}
	if sent := tcpBytesSent(t, lport) - sent0; sent < 3*(len(keepAlivePing)+20) {
		t.Errorf("%d bytes sent on the trunk's connection in 1.5 s of keep-alives", sent)
	}
	if st := ts.Trunks()[0]; st.State != TrunkRegistered || st.LastChange != first.LastChange {
		t.Fatalf("the trunk re-registered while its connection was fine: %+v", st)
	}

	// The restarted kamailio keeps no bindings (usrloc db_mode 0): "ivr"
	// there is a new REGISTER.
	restart()
	restarted := time.Now()
	deadline := restarted.Add(5 * time.Second)
	for !slices.Contains(siptest.KamailioAORs(t, logPath), "ivr") {
		if time.Now().After(deadline) {
			b, _ := os.ReadFile(logPath)
			t.Fatalf("the trunk did not register again within 5 s: %+v\nkamailio:\n%s", ts.Trunks()[0], b)
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Logf("registered again %s after kamailio restarted", time.Since(restarted).Round(time.Millisecond))
	st := waitTrunk(t, ts.Server, TrunkRegistered, 5*time.Second)
	if st.NextAttempt.Before(time.Now().Add(30 * time.Second)) {
		t.Errorf("next refresh %s: the new binding's refresh, not a retry", time.Until(st.NextAttempt))
	}
	if !r.keepsConn() || r.conn(r.remote) == nil {
		t.Error("no connection after registering again")
	}
}

// tcpBytesSent is the kernel's count of bytes sent on the established TCP
// socket with local port lport (ss -ti).
func tcpBytesSent(t *testing.T, lport int) int {
	t.Helper()
	ss := requireTool(t, "ss")
	out, err := exec.Command(ss, "-tinH", "state", "established", "( sport = :"+strconv.Itoa(lport)+" )").CombinedOutput()
	if err != nil {
		t.Fatalf("ss: %v\n%s", err, out)
	}
	for _, f := range strings.Fields(string(out)) {
		if v, ok := strings.CutPrefix(f, "bytes_sent:"); ok {
			n, err := strconv.Atoi(v)
			if err != nil {
				t.Fatalf("ss: %q", f)
			}
			return n
		}
	}
	t.Fatalf("ss shows no bytes_sent for port %d:\n%s", lport, out)
	return 0
}
