package winsmoke

import (
	"bytes"
	"context"
	"debug/pe"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// wine is one throwaway Wine prefix: a fresh C: drive per test run, never
// the user's ~/.wine, and every wine process of it killed at the end.
type wine struct {
	bin, server, prefix string
}

// need finds a tool or skips the test; SWITCHBOARD_REQUIRE_WINE=1 (make
// windows-test) turns the skip into a failure.
func need(t *testing.T, name, pkg string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		if os.Getenv("SWITCHBOARD_REQUIRE_WINE") == "1" {
			t.Fatalf("%s is not installed and SWITCHBOARD_REQUIRE_WINE=1 (apt-get install -y %s)", name, pkg)
		}
		t.Skipf("%s is not installed (apt-get install -y %s; make windows-test)", name, pkg)
	}
	return p
}

func newWine(t *testing.T) *wine {
	t.Helper()
	w := &wine{
		bin:    need(t, "wine", "wine wine64"),
		server: need(t, "wineserver", "wine"),
		prefix: filepath.Join(t.TempDir(), "prefix"),
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		cmd := exec.CommandContext(ctx, w.server, "-k")
		cmd.Env = w.env()
		_ = cmd.Run()
	})
	// The prefix is made on first use (about 10 s).
	out, code := w.run(t, 120*time.Second, "wineboot", "--init")
	require.Zero(t, code, "wineboot --init: %s", out)
	w.shimProcessPrng(t)
	return w
}

func (w *wine) env() []string {
	return append(os.Environ(), "WINEPREFIX="+w.prefix, "WINEDEBUG=-all", "WINEDLLOVERRIDES=mscoree,mshtml=")
}

// shimProcessPrng gives the prefix a bcryptprimitives.dll when Wine has
// none. Go's runtime (1.22 and later) draws its randomness from
// bcryptprimitives.dll!ProcessPrng and stops at start ("fatal error:
// bcryptprimitives.dll not found") without it; Debian 12's Wine 8.0 ships
// no such DLL. Windows 10 and later have it, so the shim exists for wine
// only: a DLL with no code whose one export forwards to
// advapi32!SystemFunction036 (RtlGenRandom: same buffer and length
// arguments, nonzero on success), linked by Debian's mingw-w64 binutils.
func (w *wine) shimProcessPrng(t *testing.T) {
	t.Helper()
	sys32 := filepath.Join(w.prefix, "drive_c", "windows", "system32")
	if _, err := os.Stat(filepath.Join(sys32, "bcryptprimitives.dll")); err == nil {
		return
	}
	dlltool := need(t, "x86_64-w64-mingw32-dlltool", "binutils-mingw-w64-x86-64")
	ld := need(t, "x86_64-w64-mingw32-ld", "binutils-mingw-w64-x86-64")
	dir := t.TempDir()
	def := "LIBRARY bcryptprimitives.dll\nEXPORTS\nProcessPrng = advapi32.SystemFunction036\n"
	require.NoError(t, os.WriteFile(filepath.Join(dir, "shim.def"), []byte(def), 0o600))
	for _, args := range [][]string{
		{dlltool, "-d", "shim.def", "-e", "exports.o"},
		{ld, "-shared", "--entry", "0", "-o", filepath.Join(sys32, "bcryptprimitives.dll"), "exports.o"},
	} {
		cmd := exec.Command(args[0], args[1:]...)
		cmd.Dir = dir
		out, err := cmd.CombinedOutput()
		require.NoError(t, err, "%s: %s", args[0], out)
	}
}

// run runs wine with args, bounded by limit, and returns the output and
// exit code (-1 when it did not end in time).
func (w *wine) run(t *testing.T, limit time.Duration, args ...string) (string, int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), limit)
	defer cancel()
	cmd := exec.CommandContext(ctx, w.bin, args...)
	cmd.Env = w.env()
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	var ee *exec.ExitError
	switch {
	case ctx.Err() != nil:
		return out.String(), -1
	case errors.As(err, &ee):
		return out.String(), ee.ExitCode()
	case err != nil:
		t.Fatalf("wine %v: %v", args, err)
	}
	return out.String(), 0
}

// exe is the switchboard.exe under test: $SWITCHBOARD_WINDOWS_EXE, an
// absolute path (go test runs in this directory; make
// windows-test builds it), else the test skips: building a 30 MB exe
// inside `go test ./...` would double the run's time.
func exe(t *testing.T) string {
	t.Helper()
	p := os.Getenv("SWITCHBOARD_WINDOWS_EXE")
	if p == "" {
		if os.Getenv("SWITCHBOARD_REQUIRE_WINE") == "1" {
			t.Fatal("SWITCHBOARD_WINDOWS_EXE is not set (make windows-test sets it)")
		}
		t.Skip("SWITCHBOARD_WINDOWS_EXE is not set: run make windows-test")
	}
	abs, err := filepath.Abs(p)
	require.NoError(t, err)
	require.FileExists(t, abs)
	return abs
}

func repoFile(t *testing.T, rel string) string {
	t.Helper()
	_, self, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(self), "..", "..", rel)
}

func TestUnderWine(t *testing.T) {
	bin := exe(t)
	w := newWine(t)
	dir := t.TempDir()

	t.Run("version", func(t *testing.T) {
		out, code := w.run(t, 60*time.Second, bin, "version")
		require.Zero(t, code, out)
		require.Regexp(t, `^switchboard \S+`, out)
	})

	t.Run("flow validate", func(t *testing.T) {
		out, code := w.run(t, 60*time.Second, bin, "flow", "validate", repoFile(t, "app/demo/demo-ivr.json"))
		require.Zero(t, code, out)
		require.Contains(t, out, "1 file: 0 invalid, 0 errors")

		bad := filepath.Join(dir, "bad.json")
		require.NoError(t, os.WriteFile(bad, []byte(`{"description":"x","initial_state":"Trigger","flags":{"allow_concurrent_calls":true},
"states":[{"name":"Trigger","type":"trigger","properties":{},"transitions":[{"event":"incomingMessage","next":"nowhere"}]}]}`), 0o600))
		out, code = w.run(t, 60*time.Second, bin, "flow", "validate", bad)
		require.Equal(t, 1, code, out)
		require.Contains(t, out, `leads to widget "nowhere", which does not exist`)
		require.Contains(t, out, "1 file: 1 invalid")
	})

	t.Run("config check with Windows paths", func(t *testing.T) {
		cfg := filepath.Join(dir, "switchboard.toml")
		require.NoError(t, os.WriteFile(cfg, []byte("data = 'C:\\ProgramData\\Switchboard'\nbackup_dir = \"C:\\\\ProgramData\\\\Switchboard\\\\backups\"\n"), 0o600))
		out, code := w.run(t, 60*time.Second, bin, "config", "check", cfg)
		require.Zero(t, code, out)

		require.NoError(t, os.WriteFile(cfg, []byte("# a lone backslash is an escape in double quotes\ndata = \"C:\\ProgramData\"\n"), 0o600))
		out, code = w.run(t, 60*time.Second, bin, "config", "check", cfg)
		require.Equal(t, 1, code, out)
		require.Contains(t, out, ":2:")
	})

	t.Run("serve", func(t *testing.T) { testServe(t, w, bin, filepath.Join(dir, "data")) })
}

// wineLacksUDPReset is how Wine 8.0 refuses Go's UDP sockets: Go 1.24 and
// later turn off SIO_UDP_NETRESET on every UDP socket (go.dev/issue/68614)
// and Wine 8.0's WSAIoctl answers WSAEOPNOTSUPP (10045), so no SIP listener
// can open there. Windows has the ioctl (Windows 2000 onwards).
const wineLacksUDPReset = "wsaioctl: winapi error #10045"

func testServe(t *testing.T, w *wine, bin, data string) {
	httpAddr, sipAddr := freeAddr(t, "tcp"), freeAddr(t, "udp")
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, w.bin, bin, "serve", "--headless", "--data", data, "--http", httpAddr, "--sip", sipAddr)
	cmd.Env = w.env()
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	require.NoError(t, cmd.Start())
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	defer func() {
		_ = cmd.Process.Kill()
		select {
		case <-exited:
		case <-time.After(10 * time.Second):
		}
	}()

	healthy := false
	deadline := time.Now().Add(45 * time.Second)
	for !healthy && time.Now().Before(deadline) {
		select {
		case err := <-exited:
			if strings.Contains(out.String(), wineLacksUDPReset) {
				require.FileExists(t, filepath.Join(data, "switchboard.db"), "the store opened before the SIP listener")
				require.FileExists(t, filepath.Join(data, "switchboard.lock"))
				t.Skipf("this Wine cannot open UDP sockets for Go programs (%s: SIO_UDP_NETRESET unsupported); serve got as far as the store and lock, then: %s",
					wineLacksUDPReset, lastLine(out.String()))
			}
			t.Fatalf("serve ended (%v) before answering /healthz:\n%s", err, out.String())
		case <-time.After(300 * time.Millisecond):
		}
		resp, err := http.Get("http://" + httpAddr + "/healthz")
		if err == nil {
			resp.Body.Close()
			require.Equal(t, http.StatusOK, resp.StatusCode)
			healthy = true
		}
	}
	require.True(t, healthy, "no /healthz answer in 45 s:\n%s", out.String())

	// A second serve on the same data directory must refuse (LockFileEx).
	out2, code := w.run(t, 60*time.Second, bin, "serve", "--headless", "--data", data, "--http", freeAddr(t, "tcp"), "--sip", freeAddr(t, "udp"))
	require.NotZero(t, code, out2)
	require.Contains(t, out2, "an appliance is running on this data directory", out2)
}

func lastLine(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return lines[len(lines)-1]
}

// freeAddr is a loopback address with a port free for network.
func freeAddr(t *testing.T, network string) string {
	t.Helper()
	if network == "udp" {
		c, err := net.ListenPacket("udp", "127.0.0.1:0")
		require.NoError(t, err)
		defer c.Close()
		return c.LocalAddr().String()
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer l.Close()
	return fmt.Sprint(l.Addr())
}

// TestDesktopExe: the desktop build for Windows (Wails over WebView2, made
// without cgo by make windows) is a 64-bit GUI program, so Windows opens
// no console window beside the editor.
func TestDesktopExe(t *testing.T) {
	p := os.Getenv("SWITCHBOARD_WINDOWS_DESKTOP_EXE")
	if p == "" {
		t.Skip("SWITCHBOARD_WINDOWS_DESKTOP_EXE is not set: run make windows-test")
	}
	f, err := pe.Open(p)
	require.NoError(t, err)
	defer f.Close()
	require.Equal(t, uint16(pe.IMAGE_FILE_MACHINE_AMD64), f.Machine)
	oh, ok := f.OptionalHeader.(*pe.OptionalHeader64)
	require.True(t, ok, "a PE32+ (64-bit) image")
	require.Equal(t, uint16(pe.IMAGE_SUBSYSTEM_WINDOWS_GUI), oh.Subsystem, "linked with -H windowsgui")
	libs, err := f.ImportedLibraries()
	require.NoError(t, err)
	for _, l := range libs {
		require.NotContains(t, strings.ToLower(l), "webview2loader", "Wails' Go loader, no WebView2Loader.dll to ship")
	}
}
