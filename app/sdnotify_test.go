package app

import (
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/switchboard/switchboard/app/config"
)

// listenNotify is a stand-in for systemd's notification socket: a real
// unixgram socket whose datagrams arrive on the returned channel.
func listenNotify(t *testing.T) (string, <-chan string) {
	t.Helper()
	// Socket paths are short (108 bytes); t.TempDir's can be longer.
	dir, err := os.MkdirTemp("", "sdnotify")
	require.NoError(t, err)
	t.Cleanup(func() { os.RemoveAll(dir) })
	path := filepath.Join(dir, "notify")
	c, err := net.ListenUnixgram("unixgram", &net.UnixAddr{Name: path, Net: "unixgram"})
	require.NoError(t, err)
	t.Cleanup(func() { c.Close() })
	msgs := make(chan string, 64)
	go func() {
		buf := make([]byte, 4096)
		for {
			n, err := c.Read(buf)
			if err != nil {
				close(msgs)
				return
			}
			msgs <- string(buf[:n])
		}
	}()
	return path, msgs
}

// nextState waits for the next datagram that holds want as a line.
func nextState(t *testing.T, msgs <-chan string, want string, within time.Duration) string {
	t.Helper()
	deadline := time.After(within)
	for {
		select {
		case m, ok := <-msgs:
			require.True(t, ok, "notify socket closed before %s", want)
			for _, line := range strings.Split(m, "\n") {
				if line == want {
					return m
				}
			}
		case <-deadline:
			t.Fatalf("no %s within %s", want, within)
		}
	}
}

func TestServeNotifiesSystemd(t *testing.T) {
	path, msgs := listenNotify(t)
	t.Setenv("NOTIFY_SOCKET", path)
	t.Setenv("WATCHDOG_USEC", "200000") // a ping every 100 ms
	t.Setenv("WATCHDOG_PID", strconv.Itoa(os.Getpid()))

	base, stop := startServe(t, t.TempDir())
	ready := nextState(t, msgs, "READY=1", 10*time.Second)
	require.Contains(t, ready, "STATUS=serving on "+base)
	// The moment systemd hears READY=1, /healthz answers 200: one try, no retry.
	resp, err := http.Get(base + "/healthz")
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)

	nextState(t, msgs, "WATCHDOG=1", 2*time.Second)
	nextState(t, msgs, "WATCHDOG=1", 2*time.Second)

	require.NoError(t, stop())
	nextState(t, msgs, "STOPPING=1", time.Second)
}

// A serve that cannot come up (its HTTP address is taken) never says ready:
// systemd then reports the start as failed instead of a running service.
func TestServeNotReadyWhenItCannotListen(t *testing.T) {
	path, msgs := listenNotify(t)
	t.Setenv("NOTIFY_SOCKET", path)
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer busy.Close()

	cfg := config.Config{DataDir: t.TempDir(), HTTPAddr: busy.Addr().String(), SIPAddr: "127.0.0.1:0"}
	err = serve(context.Background(), cfg, nil, slog.New(slog.NewTextHandler(io.Discard, nil)), nil, nil)
	require.ErrorContains(t, err, "http listen")
	select {
	case m := <-msgs:
		t.Fatalf("systemd was told %q by a serve that failed", m)
	case <-time.After(200 * time.Millisecond):
	}
}

func TestWatchdogEvery(t *testing.T) {
	me := strconv.Itoa(os.Getpid())
	for _, tc := range []struct {
		name string
		env  map[string]string
		want time.Duration
	}{
		{"no watchdog", map[string]string{}, 0},
		{"half the timeout", map[string]string{"WATCHDOG_USEC": "30000000"}, 15 * time.Second},
		{"for this process", map[string]string{"WATCHDOG_USEC": "2000000", "WATCHDOG_PID": me}, time.Second},
		{"for another process", map[string]string{"WATCHDOG_USEC": "2000000", "WATCHDOG_PID": "1"}, 0},
		{"garbage", map[string]string{"WATCHDOG_USEC": "soon"}, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			require.Equal(t, tc.want, watchdogEvery(func(k string) string { return tc.env[k] }))
		})
	}
}
