package sip

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/switchboard/switchboard/sip/siptest"
)

// requireTool finds a peer's binary (see siptest.RequireTool).
func requireTool(t *testing.T, name string) string {
	t.Helper()
	return siptest.RequireTool(t, name, map[string]string{"sipp": "sip-tester", "kamailio": "kamailio"}[name])
}

func freePort(t *testing.T) int { return siptest.FreePort(t) }

func testLogger(t *testing.T) *slog.Logger {
	if testing.Verbose() {
		return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	return slog.New(slog.NewTextHandler(io.Discard, nil))
}

type testServer struct {
	*Server
	port int
}

func startServer(t *testing.T, cfg Config) *testServer {
	t.Helper()
	port := freePort(t)
	cfg.Listen = "127.0.0.1:" + strconv.Itoa(port)
	if cfg.Router == nil {
		cfg.Router = RouterFunc(func(ctx context.Context, in Incoming) (Route, error) { return in.RequestUser, nil })
	}
	if cfg.Logger == nil {
		cfg.Logger = testLogger(t)
	}
	s, err := NewServer(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	if err := s.Start(ctx); err != nil {
		cancel()
		t.Fatal(err)
	}
	t.Cleanup(func() { cancel(); s.Close() })
	return &testServer{Server: s, port: port}
}

// runSipp runs one sipp scenario from testdata/sipp against target and
// returns its exit code and output. It is bounded by a timeout.
func runSipp(t *testing.T, target string, scenario string, extra ...string) (int, string) {
	t.Helper()
	sipp := requireTool(t, "sipp")
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	dir := t.TempDir()
	sf, _ := filepath.Abs(filepath.Join("testdata", "sipp", scenario))
	args := []string{}
	if target != "" {
		args = append(args, target)
	}
	args = append(args, "-sf", sf, "-i", "127.0.0.1", "-p", strconv.Itoa(freePort(t)),
		"-mi", "127.0.0.1", "-mp", strconv.Itoa(freePort(t)),
		"-m", "1", "-nostdin", "-timeout", "40s", "-timeout_error", "-trace_err", "-trace_msg")
	args = append(args, extra...)
	cmd := exec.CommandContext(ctx, sipp, args...)
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	rc := 0
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		rc = ee.ExitCode()
	} else if err != nil {
		t.Fatalf("sipp: %v", err)
	}
	var logs strings.Builder
	if ents, _ := os.ReadDir(dir); len(ents) > 0 {
		for _, e := range ents {
			b, _ := os.ReadFile(filepath.Join(dir, e.Name()))
			fmt.Fprintf(&logs, "\n--- %s ---\n%s", e.Name(), b)
		}
	}
	return rc, string(out) + logs.String()
}

func (ts *testServer) target() string { return "127.0.0.1:" + strconv.Itoa(ts.port) }

func mustSipp(t *testing.T, ts *testServer, scenario string, extra ...string) {
	t.Helper()
	rc, out := runSipp(t, ts.target(), scenario, extra...)
	if rc != 0 {
		t.Fatalf("sipp %s rc=%d\n%s", scenario, rc, out)
	}
}

var mediaAddr = netip.MustParseAddrPort("127.0.0.1:30000")

func TestSippBasicCallByeFromCaller(t *testing.T) {
	got := make(chan *Call, 1)
	ended := make(chan error, 1)
	ts := startServer(t, Config{Handler: func(ctx context.Context, c *Call) {
		if err := c.Answer(ctx, mediaAddr); err != nil {
			ended <- err
			return
		}
		got <- c
		<-ctx.Done()
		ended <- context.Cause(ctx)
	}})
	mustSipp(t, ts, "uac_basic.xml", "-s", "4000", "-d", "500")
	c := <-got
	if !strings.HasPrefix(c.ID, "CA") || len(c.ID) != 34 || c.ID != CallSID(c.CallID) {
		t.Errorf("ID = %q", c.ID)
	}
	if c.From.User != "sipp" || c.From.Display != "Sipp Caller" || c.To.User != "4000" || c.RequestUser != "4000" {
		t.Errorf("parties: from %+v to %+v ruri %q", c.From, c.To, c.RequestUser)
	}
	if c.Codec != CodecPCMU || c.TelephoneEvent != 101 || !c.Remote.IsValid() || c.Remote.Port() == 0 || c.Route != "4000" {
		t.Errorf("media: codec %+v te %d remote %v route %v", c.Codec, c.TelephoneEvent, c.Remote, c.Route)
	}
	if c.Admission.Kind != "allow" || c.Source.Addr().String() != "127.0.0.1" {
		t.Errorf("admission %+v source %v", c.Admission, c.Source)
	}
	select {
	case err := <-ended:
		if err == nil {
			t.Fatal("context ended without cause")
		}
	case <-time.After(5 * time.Second):
		t.Fatal("handler context not ended by BYE")
	}
}

func TestSippByeFromUs(t *testing.T) {
	answered := make(chan error, 1)
	ts := startServer(t, Config{Handler: func(ctx context.Context, c *Call) {
		answered <- c.Answer(ctx, mediaAddr)
		time.Sleep(200 * time.Millisecond) // returning hangs up
	}})
	mustSipp(t, ts, "uac_wait_bye.xml")
	if err := <-answered; err != nil {
		t.Fatal(err)
	}
}

func TestSippCancelWhileRinging(t *testing.T) {
	cause := make(chan error, 1)
	ts := startServer(t, Config{Handler: func(ctx context.Context, c *Call) {
		_ = c.Ring()
		select {
		case <-ctx.Done():
			cause <- context.Cause(ctx)
		case <-time.After(10 * time.Second):
			cause <- errors.New("never cancelled")
		}
	}})
	mustSipp(t, ts, "uac_cancel.xml")
	if err := <-cause; err == nil || err.Error() == "never cancelled" {
		t.Fatalf("cause = %v", err)
	}
}

func TestSippNoAck(t *testing.T) {
	// restored after the server closes (cleanups run last-in first-out)
	answered := make(chan error, 1)
	ts := startServer(t, Config{Handler: func(ctx context.Context, c *Call) {
		err := c.Answer(ctx, mediaAddr)
		answered <- err
	}})
	mustSipp(t, ts, "uac_noack.xml")
	select {
	case err := <-answered:
		if !errors.Is(err, ErrAnswerFailed) {
			t.Fatalf("Answer = %v, want ErrAnswerFailed", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Answer did not return")
	}
}

func TestSippOptions(t *testing.T) {
	ts := startServer(t, Config{Handler: func(ctx context.Context, c *Call) {}})
	mustSipp(t, ts, "options.xml")
}

// TestSippInfoDTMF: digits sent as SIP INFO reach the call, in the order
// they were sent. The sequence case sends sixteen INFOs, each as soon as the
// one before was answered (the 200 used to go out before the digit was
// queued, so the next INFO's handler could queue its digit first; a loaded
// run of the whole suite saw "#5").
func TestSippInfoDTMF(t *testing.T) {
	cases := []struct{ name, scenario, want string }{
		{"dtmf-relay and dtmf bodies", "uac_info_dtmf.xml", "5#"},
		{"sixteen in a row, in order", "uac_info_dtmf_sequence.xml", "0123456789*#ABCD"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			digits := make(chan string, 1)
			ts := startServer(t, Config{Handler: func(ctx context.Context, call *Call) {
				if err := call.Answer(ctx, mediaAddr); err != nil {
					digits <- "answer: " + err.Error()
					return
				}
				var got []byte
				for len(got) < len(c.want) {
					select {
					case d := <-call.DTMF():
						got = append(got, d)
					case <-ctx.Done():
						digits <- string(got)
						return
					}
				}
				digits <- string(got)
				<-ctx.Done()
			}})
			mustSipp(t, ts, c.scenario, "-d", "300")
			if got := <-digits; got != c.want {
				t.Fatalf("digits = %q, want %q", got, c.want)
			}
		})
	}
}

// TestSippInfoBeforeBye: a caller presses 5 (SIP INFO) and hangs up
// before the INFO is answered; the INFO's goroutine is held 150 ms, as a
// loaded box's scheduler may hold it, while the BYE's runs. The digit must
// be queued before the call ends. It fails without reqOrder: the BYE ended
// the call first and the INFO found none (481), or queued its digit after
// the call's end was seen.
func TestSippInfoBeforeBye(t *testing.T) {
	hold := func() { time.Sleep(150 * time.Millisecond) }
	testInfoHold.Store(&hold)
	defer testInfoHold.Store(nil)
	got := make(chan string, 1)
	ts := startServer(t, Config{Handler: func(ctx context.Context, call *Call) {
		if err := call.Answer(ctx, mediaAddr); err != nil {
			got <- "answer: " + err.Error()
			return
		}
		<-ctx.Done()
		var ds []byte
		for drained := false; !drained; {
			select {
			case d := <-call.DTMF():
				ds = append(ds, d)
			default:
				drained = true
			}
		}
		got <- string(ds)
	}})
	mustSipp(t, ts, "uac_info_then_bye.xml")
	select {
	case ds := <-got:
		if ds != "5" {
			t.Fatalf("digits queued when the call ended = %q, want \"5\"", ds)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the call did not end")
	}
}

func TestSippRejections(t *testing.T) {
	noRoute := RouterFunc(func(ctx context.Context, in Incoming) (Route, error) { return nil, ErrNoRoute })
	cases := []struct {
		name     string
		cfg      Config
		scenario string
	}{
		{"404 no route", Config{Router: noRoute}, "reject_404.xml"},
		{"403 source not allowed", Config{Allow: []netip.Prefix{netip.MustParsePrefix("192.0.2.0/24")}}, "reject_403.xml"},
		{"488 only g729", Config{}, "reject_488_g729.xml"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			c.cfg.Handler = func(ctx context.Context, call *Call) { t.Error("handler ran") }
			ts := startServer(t, c.cfg)
			mustSipp(t, ts, c.scenario)
		})
	}
}

func TestSippOverLimit503(t *testing.T) {
	inCall := make(chan struct{})
	var once sync.Once
	ts := startServer(t, Config{MaxCalls: 1, RetryAfter: 7 * time.Second, Handler: func(ctx context.Context, c *Call) {
		if err := c.Answer(ctx, mediaAddr); err != nil {
			return
		}
		once.Do(func() { close(inCall) })
		<-ctx.Done()
	}})
	first := make(chan int, 1)
	go func() {
		rc, _ := runSipp(t, ts.target(), "uac_basic.xml", "-d", "3000")
		first <- rc
	}()
	select {
	case <-inCall:
	case <-time.After(10 * time.Second):
		t.Fatal("first call not up")
	}
	mustSipp(t, ts, "reject_503.xml")
	if rc := <-first; rc != 0 {
		t.Fatalf("first call rc=%d", rc)
	}
	if n := ts.Dropped()[DropCallLimit]; n != 1 {
		t.Errorf("Dropped()[%s] = %d, want 1", DropCallLimit, n)
	}
}

func TestSippReInviteHold(t *testing.T) {
	upd := make(chan MediaUpdate, 1)
	ts := startServer(t, Config{Handler: func(ctx context.Context, c *Call) {
		if err := c.Answer(ctx, mediaAddr); err != nil {
			return
		}
		select {
		case u := <-c.Updates():
			upd <- u
		case <-ctx.Done():
		}
		<-ctx.Done()
	}})
	mustSipp(t, ts, "uac_reinvite_hold.xml")
	select {
	case u := <-upd:
		if !u.Hold || u.Media.Answered != RecvOnly {
			t.Fatalf("update %+v", u)
		}
	default:
		t.Fatal("no hold update")
	}
}

// TestSippBasicCallOverTCP: the same call over TCP (sipp -t t1): answered,
// then ended by the caller's BYE on the same connection.
func TestSippBasicCallOverTCP(t *testing.T) {
	ended := make(chan error, 1)
	ts := startServer(t, Config{Handler: func(ctx context.Context, c *Call) {
		if err := c.Answer(ctx, mediaAddr); err != nil {
			ended <- err
			return
		}
		<-ctx.Done()
		ended <- nil
	}})
	mustSipp(t, ts, "uac_basic.xml", "-s", "4000", "-d", "500", "-t", "t1")
	select {
	case err := <-ended:
		if err != nil {
			t.Fatalf("answer over TCP: %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("handler context not ended by BYE over TCP")
	}
}
