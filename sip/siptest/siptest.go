// Package siptest holds what tests of SIP need on a machine: the real peers
// (sipp, kamailio) found or skipped as the environment says, free loopback
// ports, and a kamailio registrar/proxy started for the test.
package siptest

import (
	"context"
	_ "embed"
	"math/rand/v2"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// RequireTool returns the path of a peer's binary. When it is missing the
// test skips, unless SWITCHBOARD_REQUIRE_VOICE=1 (make test), when it fails.
func RequireTool(t testing.TB, name, pkg string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		if os.Getenv("SWITCHBOARD_REQUIRE_VOICE") == "1" {
			t.Fatalf("%s is not installed and SWITCHBOARD_REQUIRE_VOICE=1 (apt-get install -y %s)", name, pkg)
		}
		t.Skipf("%s is not installed (apt-get install -y %s)", name, pkg)
	}
	return p
}

// FreePort returns a loopback port free for both UDP and TCP.
func FreePort(t testing.TB) int {
	t.Helper()
	for i := 0; i < 50; i++ {
		pc, err := net.ListenPacket("udp", "127.0.0.1:0")
		must(t, err)
		port := pc.LocalAddr().(*net.UDPAddr).Port
		l, err := net.Listen("tcp", "127.0.0.1:"+strconv.Itoa(port))
		pc.Close()
		if err == nil {
			l.Close()
			return port
		}
	}
	t.Fatal("no free loopback port")
	return 0
}

// FreeUDPRange returns the first of n consecutive loopback UDP ports that
// are all free now, starting at an even port (RTP's convention), for a
// peer that takes a port range (baresip's rtp_ports, the appliance's
// --rtp-ports). The range is picked at random below Linux's ephemeral ports,
// so that tests running at the same time seldom try the same one.
func FreeUDPRange(t testing.TB, n int) int {
	t.Helper()
	for i := 0; i < 100; i++ {
		base := 20000 + 2*rand.IntN(5000)
		if udpFree(base, n) {
			return base
		}
	}
	t.Fatalf("no %d free consecutive loopback UDP ports", n)
	return 0
}

// udpFree reports whether ports base..base+n-1 can all be bound on loopback.
func udpFree(base, n int) bool {
	for p := base; p < base+n; p++ {
		pc, err := net.ListenPacket("udp", "127.0.0.1:"+strconv.Itoa(p))
		if err != nil {
			return false
		}
		pc.Close()
	}
	return true
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// kamailioConfig is voice.md §4.4's registrar and record-routing proxy: any
// user registers with password "secret"; INVITEs go to the registered
// contact with Record-Route.
//
// The file is shared with the browser tests (frontend/e2e/voicepeers.mjs);
// PORT, MPATH, CTLSOCK and PASSWORD are filled in.
//
//go:embed kamailio.cfg
var kamailioConfig string

// Kamailio runs kamailio as a digest registrar (any user, password
// "secret") and record-routing proxy on a free loopback port until the test
// ends, and returns the port and its log file. It waits until kamailio
// answers OPTIONS.
func Kamailio(t testing.TB) (port int, logPath string) {
	t.Helper()
	return KamailioPassword(t, "secret")
}

// KamailioPassword is Kamailio with another password for every user
// (letters and digits only).
func KamailioPassword(t testing.TB, password string) (port int, logPath string) {
	t.Helper()
	kam := RequireTool(t, "kamailio", "kamailio")
	mpath := kamailioModules(t)
	port = FreePort(t)
	dir := t.TempDir()
	cfg := strings.NewReplacer("PORT", strconv.Itoa(port), "MPATH", mpath, "CTLSOCK", filepath.Join(dir, CtlSocket), "PASSWORD", password).Replace(kamailioConfig)
	return port, runKamailio(t, kam, dir, cfg, port)
}

// kamailioModules is the directory of kamailio's modules (the test skips
// when there is none).
func kamailioModules(t testing.TB) string {
	t.Helper()
	mpath := ""
	for _, p := range []string{"/usr/lib/x86_64-linux-gnu/kamailio/modules", "/usr/lib/aarch64-linux-gnu/kamailio/modules", "/usr/lib/kamailio/modules"} {
		if _, err := os.Stat(filepath.Join(p, "tm.so")); err == nil {
			mpath = p
		}
	}
	if mpath == "" {
		RequireTool(t, "kamailio-modules-not-found", "kamailio")
	}
	return mpath
}

// runKamailio runs kamailio with the configuration cfg in dir until the
// test ends and returns its log file, once it answers OPTIONS on UDP port.
func runKamailio(t testing.TB, kam, dir, cfg string, port int) (logPath string) {
	t.Helper()
	cfgPath := filepath.Join(dir, "kamailio.cfg")
	must(t, os.WriteFile(cfgPath, []byte(cfg), 0o600))
	logPath = filepath.Join(dir, "kamailio.log")
	stop := startKamailio(t, kam, dir, cfgPath, logPath, port)
	t.Cleanup(stop)
	return logPath
}

// startKamailio starts kamailio with cfgPath, its output appended to
// logPath, and waits until it answers OPTIONS on port; stop ends it (its
// whole process group) and waits.
func startKamailio(t testing.TB, kam, dir, cfgPath, logPath string, port int) (stop func()) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	// -DD: no daemon, so the process (and its children, one group) end with us.
	cmd := exec.CommandContext(ctx, kam, "-f", cfgPath, "-P", filepath.Join(dir, "kam.pid"), "-w", dir, "-Y", dir, "-E", "-DD")
	logf, err := os.OpenFile(logPath, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o600)
	must(t, err)
	cmd.Stdout, cmd.Stderr = logf, logf
	OwnGroup(cmd)
	cmd.Cancel = func() error { return KillGroup(cmd, true) }
	must(t, cmd.Start())
	var once sync.Once
	stop = func() {
		once.Do(func() {
			_ = KillGroup(cmd, false)
			done := make(chan struct{})
			go func() { _ = cmd.Wait(); close(done) }()
			select {
			case <-done:
			case <-time.After(5 * time.Second):
				_ = KillGroup(cmd, true)
				<-done
			}
			cancel()
			logf.Close()
		})
	}
	// Ready when it answers OPTIONS.
	deadline := time.Now().Add(10 * time.Second)
	for {
		if OptionsOK(port) {
			return stop
		}
		if time.Now().After(deadline) {
			stop()
			b, _ := os.ReadFile(logPath)
			t.Fatalf("kamailio did not start:\n%s", b)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// CtlSocket is the file name of kamailio's control socket (kamcmd -s
// unix:DIR/CtlSocket), in the directory of the log Kamailio returns.
const CtlSocket = "kamailio.ctl"

// KamailioAORs asks the kamailio started by Kamailio (its log path names
// its directory) which users hold a registration now (kamcmd ul.dump).
func KamailioAORs(t testing.TB, logPath string) []string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, "kamcmd", "-s", "unix:"+filepath.Join(filepath.Dir(logPath), CtlSocket), "ul.dump").CombinedOutput()
	if err != nil {
		t.Fatalf("kamcmd ul.dump: %v\n%s", err, out)
	}
	var aors []string
	for _, line := range strings.Split(string(out), "\n") {
		if v, ok := strings.CutPrefix(strings.TrimSpace(line), "AoR: "); ok {
			aors = append(aors, v)
		}
	}
	return aors
}

// OptionsOK sends one OPTIONS to 127.0.0.1:port and reports a 200.
func OptionsOK(port int) bool {
	c, err := net.Dial("udp", "127.0.0.1:"+strconv.Itoa(port))
	if err != nil {
		return false
	}
	defer c.Close()
	lp := c.LocalAddr().(*net.UDPAddr).Port
	msg := "OPTIONS sip:127.0.0.1:" + strconv.Itoa(port) + " SIP/2.0\r\n" +
		"Via: SIP/2.0/UDP 127.0.0.1:" + strconv.Itoa(lp) + ";branch=z9hG4bK" + strconv.Itoa(rand.IntN(1e9)) + "\r\n" +
		"Max-Forwards: 70\r\nFrom: <sip:probe@127.0.0.1>;tag=p1\r\nTo: <sip:127.0.0.1:" + strconv.Itoa(port) + ">\r\n" +
		"Call-ID: probe-" + strconv.Itoa(rand.IntN(1e9)) + "@127.0.0.1\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n"
	if _, err := c.Write([]byte(msg)); err != nil {
		return false
	}
	_ = c.SetReadDeadline(time.Now().Add(300 * time.Millisecond))
	buf := make([]byte, 4096)
	n, err := c.Read(buf)
	return err == nil && strings.HasPrefix(string(buf[:n]), "SIP/2.0 200")
}
