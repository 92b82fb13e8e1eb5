package app

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"
	"testing/fstest"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/switchboard/switchboard/app/config"
)

// fakeWindow stands in for desktop.Open: it hands the test the handler the
// window would serve its page from, then stays open until the test closes
// it or serve's context ends.
type fakeWindow struct {
	handler chan http.Handler
	close   chan struct{}
	ended   chan string // why the window went away
	fail    error       // returned at once when set (the window cannot open)
}

func newFakeWindow() *fakeWindow {
	return &fakeWindow{handler: make(chan http.Handler, 1), close: make(chan struct{}), ended: make(chan string, 1)}
}

func (w *fakeWindow) open(ctx context.Context, h http.Handler) error {
	if w.fail != nil {
		w.ended <- "failed to open"
		return w.fail
	}
	w.handler <- h
	select {
	case <-w.close:
		w.ended <- "closed by the user"
	case <-ctx.Done():
		w.ended <- "closed by serve"
	}
	return nil
}

func startServeWindow(t *testing.T, w *fakeWindow) (base string, cancel context.CancelFunc, done chan error) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	ready := make(chan string, 1)
	done = make(chan error, 1)
	cfg := config.Config{DataDir: t.TempDir(), HTTPAddr: "127.0.0.1:0", SIPAddr: "127.0.0.1:0"}
	assets := fstest.MapFS{"frontend/dist/index.html": {Data: []byte("<title>editor</title>")}}
	go func() { done <- serve(ctx, cfg, assets, slog.New(slog.NewTextHandler(io.Discard, nil)), ready, w.open) }()
	select {
	case addr := <-ready:
		return "http://" + addr, cancel, done
	case err := <-done:
		t.Fatalf("serve failed: %v", err)
	case <-time.After(10 * time.Second):
		t.Fatal("serve did not start")
	}
	return "", nil, nil
}

func waitServe(t *testing.T, done chan error) {
	t.Helper()
	select {
	case err := <-done:
		require.NoError(t, err)
	case <-time.After(10 * time.Second):
		t.Fatal("serve did not stop")
	}
}

func status(t *testing.T, h http.Handler, url string) int {
	t.Helper()
	w := httptest.NewRecorder()
	r := httptest.NewRequest(http.MethodGet, url, nil)
	r.Header.Set("X-Requested-With", "switchboard")
	h.ServeHTTP(w, r)
	return w.Code
}

// TestServeWindow: the window gets the appliance's own handler, signed in;
// the HTTP listener serves alongside it, not signed in; closing the window
// stops serve, and so does serve's context ending (SIGTERM), closing the
// window; a window that cannot open leaves serve headless.
func TestServeWindow(t *testing.T) {
	t.Run("closing the window stops serve", func(t *testing.T) {
		w := newFakeWindow()
		base, _, done := startServeWindow(t, w)
		h := <-w.handler
		require.Equal(t, http.StatusOK, status(t, h, "wails://wails/v2/Flows"), "the window is signed in")
		require.Equal(t, http.StatusOK, status(t, h, "wails://wails/"), "the window shows the editor")
		resp, err := http.Get(base + "/v2/Flows")
		require.NoError(t, err)
		resp.Body.Close()
		require.Equal(t, http.StatusUnauthorized, resp.StatusCode, "the network is not")
		close(w.close)
		waitServe(t, done)
		require.Equal(t, "closed by the user", <-w.ended)
		_, err = http.Get(base + "/healthz")
		require.Error(t, err, "the HTTP listener stopped with the window")
	})
	t.Run("serve's end closes the window", func(t *testing.T) {
		w := newFakeWindow()
		_, cancel, done := startServeWindow(t, w)
		<-w.handler
		cancel()
		waitServe(t, done)
		require.Equal(t, "closed by serve", <-w.ended)
	})
	t.Run("a window that cannot open leaves serve headless", func(t *testing.T) {
		w := newFakeWindow()
		w.fail = errors.New("cannot open display :99")
		base, cancel, done := startServeWindow(t, w)
		require.Equal(t, "failed to open", <-w.ended)
		require.Equal(t, "ok", getHealth(t, base).Status)
		cancel()
		waitServe(t, done)
	})
}
