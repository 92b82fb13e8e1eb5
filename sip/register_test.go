package sip

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"net/netip"

	"github.com/emiago/sipgo"
	gosip "github.com/emiago/sipgo/sip"
	"github.com/switchboard/switchboard/sip/siptest"
)

func waitTrunk(t *testing.T, s *Server, state string, d time.Duration) TrunkStatus {
	t.Helper()
	deadline := time.Now().Add(d)
	for {
		st := s.Trunks()[0]
		if st.State == state {
			return st
		}
		if time.Now().After(deadline) {
			t.Fatalf("trunk state %q, want %q (last error %q)", st.State, state, st.LastError)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestTrunkRegisterSippUAS registers against a sipp UAS that challenges
// with 401, verifies the digest and grants expires=60, then unregisters on
// Close (challenged again, since sipgo does not cache nonces).
func TestTrunkRegisterSippUAS(t *testing.T) {
	requireTool(t, "sipp")
	regPort := freePort(t)
	done := make(chan struct {
		rc  int
		out string
	}, 1)
	go func() {
		rc, out := runSippUAS(t, regPort, "reg_uas.xml")
		done <- struct {
			rc  int
			out string
		}{rc, out}
	}()
	time.Sleep(300 * time.Millisecond) // let sipp bind
	ts := startServer(t, Config{
		Handler: func(ctx context.Context, c *Call) {},
		Trunks: []Trunk{{Name: "sippreg", Registrar: "127.0.0.1:" + strconv.Itoa(regPort),
			Username: "alice", Password: "s3cret", Domain: "sipp.test", Expires: 120 * time.Second}},
	})
	st := waitTrunk(t, ts.Server, TrunkRegistered, 10*time.Second)
	if st.Expires != 60*time.Second || st.Name != "sippreg" || st.LastError != "" {
		t.Fatalf("status %+v", st)
	}
	if strings.Contains(strings.Join([]string{st.LastError}, ""), "s3cret") {
		t.Fatal("secret leaked into status")
	}
	ts.Close()
	if got := ts.Trunks()[0].State; got != TrunkUnregistered {
		t.Fatalf("after Close: %s", got)
	}
	r := <-done
	if r.rc != 0 {
		t.Fatalf("sipp UAS rc=%d\n%s", r.rc, r.out)
	}
}

func TestTrunkRegisterFailureBacksOff(t *testing.T) {
	old := trunkBackoffMin
	trunkBackoffMin = 50 * time.Millisecond
	defer func() { trunkBackoffMin = old }()
	// restored after the server closes (cleanups run last-in first-out)
	dead := freePort(t) // nobody listens: the REGISTER times out
	ts := startServer(t, Config{
		Handler: func(ctx context.Context, c *Call) {},
		Trunks:  []Trunk{{Name: "dead", Registrar: "127.0.0.1:" + strconv.Itoa(dead), Username: "u", Password: "topsecret"}},
	})
	st := waitTrunk(t, ts.Server, TrunkFailed, 10*time.Second)
	if st.LastError == "" || strings.Contains(st.LastError, "topsecret") {
		t.Fatalf("status %+v", st)
	}
}

func runSippUAS(t *testing.T, port int, scenario string) (int, string) {
	sipp := requireTool(t, "sipp")
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	sf, _ := filepath.Abs(filepath.Join("testdata", "sipp", scenario))
	dir := t.TempDir()
	cmd := exec.CommandContext(ctx, sipp, "-sf", sf, "-i", "127.0.0.1", "-p", strconv.Itoa(port),
		"-m", "1", "-nostdin", "-timeout", "20s", "-timeout_error", "-trace_err")
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	if ee, ok := err.(*exec.ExitError); ok {
		return ee.ExitCode(), string(out)
	}
	if err != nil {
		return -1, err.Error()
	}
	return 0, string(out)
}

// TestRegistrarDigest registers with our own registrar from a sipgo client,
// then checks that the endpoint is admitted by its registration even though
// the allow-list admits nobody.
func TestRegistrarDigest(t *testing.T) {
	ts := startServer(t, Config{
		Allow:   []netip.Prefix{}, // nobody by IP
		Users:   []User{{Username: "bob", Password: "pw1"}},
		Handler: func(ctx context.Context, c *Call) {},
	})
	ua, err := sipgo.NewUA(sipgo.WithUserAgent("bob"))
	if err != nil {
		t.Fatal(err)
	}
	defer ua.Close()
	cport := freePort(t)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	csrv, err := sipgo.NewServer(ua)
	if err != nil {
		t.Fatal(err)
	}
	ready := make(chan struct{}, 1)
	go func() {
		_ = csrv.ListenAndServe(context.WithValue(ctx, sipgo.ListenReadyCtxKey, sipgo.ListenReadyCtxValue(ready)), "udp", "127.0.0.1:"+strconv.Itoa(cport))
	}()
	<-ready
	cli, err := sipgo.NewClient(ua, sipgo.WithClientHostname("127.0.0.1"), sipgo.WithClientPort(cport),
		sipgo.WithClientConnectionAddr("127.0.0.1:"+strconv.Itoa(cport)))
	if err != nil {
		t.Fatal(err)
	}
	do := func(user, pass string) int {
		req := gosip.NewRequest(gosip.REGISTER, gosip.Uri{Scheme: "sip", Host: "127.0.0.1", Port: ts.port})
		aor := gosip.Uri{Scheme: "sip", User: user, Host: "127.0.0.1"}
		req.AppendHeader(&gosip.ToHeader{Address: aor})
		from := &gosip.FromHeader{Address: aor, Params: gosip.NewParams()}
		from.Params.Add("tag", gosip.GenerateTagN(8))
		req.AppendHeader(from)
		req.AppendHeader(&gosip.ContactHeader{Address: gosip.Uri{Scheme: "sip", User: user, Host: "127.0.0.1", Port: cport}})
		exp := gosip.ExpiresHeader(300)
		req.AppendHeader(&exp)
		res, err := cli.Do(ctx, req)
		if err != nil {
			t.Fatal(err)
		}
		if res.StatusCode != 401 {
			return res.StatusCode
		}
		res, err = cli.DoDigestAuth(ctx, req, res, sipgo.DigestAuth{Username: user, Password: pass})
		if err != nil {
			t.Fatal(err)
		}
		return res.StatusCode
	}
	if code := do("bob", "wrong"); code != 403 {
		t.Fatalf("wrong password: %d", code)
	}
	if code := do("mallory", "pw1"); code != 403 {
		t.Fatalf("unknown user: %d", code)
	}
	if code := do("bob", "pw1"); code != 200 {
		t.Fatalf("register: %d", code)
	}
	regs := ts.Registrations()
	if len(regs) != 1 || regs[0].User != "bob" || !strings.Contains(regs[0].Contact, strconv.Itoa(cport)) {
		t.Fatalf("registrations %+v", regs)
	}
	if adm, ok := ts.admit(context.Background(), regs[0].Source.Addr()); !ok || adm.Kind != "endpoint" || adm.Name != "bob" {
		t.Fatalf("admission %+v %v", adm, ok)
	}
}

// TestTrunkRegisterKamailio registers with a real kamailio registrar
// (voice.md §4.4) asking for 3600 s; kamailio caps it at 120.
func TestTrunkRegisterKamailio(t *testing.T) {
	port, logPath := siptest.Kamailio(t)
	ts := startServer(t, Config{
		Handler: func(ctx context.Context, c *Call) {},
		Trunks:  []Trunk{{Name: "kam", Registrar: "127.0.0.1:" + strconv.Itoa(port), Username: "ivr", Password: "secret", Expires: time.Hour}},
	})
	deadline := time.Now().Add(10 * time.Second)
	for ts.Trunks()[0].State != TrunkRegistered && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	if st := ts.Trunks()[0]; st.State != TrunkRegistered || st.Expires != 120*time.Second {
		b, _ := os.ReadFile(logPath)
		t.Fatalf("status %+v\nkamailio log:\n%s", st, b)
	}
	ts.Close()
	if got := ts.Trunks()[0].State; got != TrunkUnregistered {
		t.Fatalf("after Close: %s", got)
	}
}

// TestAdmitTrunkBeforeAllowList: a call from a trunk's host is that trunk's,
// even when the host's network is allowed too; other allowed hosts are not.
func TestAdmitTrunkBeforeAllowList(t *testing.T) {
	ts := startServer(t, Config{
		Handler: func(ctx context.Context, c *Call) {},
		Allow:   []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")},
		Trunks:  []Trunk{{Name: "carrier", Registrar: "127.0.0.2:5060", Username: "ivr", Password: "secret"}},
	})
	for _, tc := range []struct {
		src        string
		kind, name string
	}{
		{"127.0.0.2", "trunk", "carrier"},
		{"127.0.0.1", "allow", ""},
	} {
		adm, ok := ts.admit(context.Background(), netip.MustParseAddr(tc.src))
		if !ok || adm.Kind != tc.kind || adm.Name != tc.name {
			t.Errorf("%s: admission %+v %v, want %s %q", tc.src, adm, ok, tc.kind, tc.name)
		}
	}
}
