package desktop

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"runtime"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestHasDisplay(t *testing.T) {
	cases := []struct {
		name string
		env  map[string]string
		want bool
	}{
		{"none", nil, false},
		{"empty X11", map[string]string{"DISPLAY": ""}, false},
		{"X11", map[string]string{"DISPLAY": ":0"}, true},
		{"Wayland", map[string]string{"WAYLAND_DISPLAY": "wayland-0"}, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			getenv := func(k string) string { return c.env[k] }
			want := c.want || runtime.GOOS == "windows" // no DISPLAY there, always a screen
			require.Equal(t, want, hasDisplay(getenv))
			require.Equal(t, want && Built, Available(getenv), "only a binary with the window opens it")
		})
	}
}

// TestLoggedNamesPathAndStatusOnly: the window's request log says which
// path was served with which status, never the query or a header.
func TestLoggedNamesPathAndStatusOnly(t *testing.T) {
	var buf bytes.Buffer
	log := slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
	h := Logged(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/missing" {
			http.NotFound(w, r)
			return
		}
		_, _ = w.Write([]byte("ok"))
	}), log)
	for _, path := range []string{"/v2/Flows?PageSize=1000&Token=secret-in-query", "/missing"} {
		r := httptest.NewRequest(http.MethodGet, "wails://wails"+path, nil)
		r.Header.Set("Authorization", "Basic c2VjcmV0LWluLWhlYWRlcg==")
		h.ServeHTTP(httptest.NewRecorder(), r)
	}
	out := buf.String()
	require.Contains(t, out, `msg="window request" method=GET path=/v2/Flows status=200`)
	require.Contains(t, out, `path=/missing status=404`)
	require.NotContains(t, out, "secret")
	require.NotContains(t, out, "c2VjcmV0")
}

func TestOpenWithoutTheWindowBuilt(t *testing.T) {
	if Built {
		t.Skip("this test binary has the window")
	}
	h := http.NotFoundHandler()
	err := Open(context.Background(), Options{Handler: h})
	require.ErrorIs(t, err, ErrNotBuilt)
	require.Contains(t, err.Error(), "make desktop")
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	require.True(t, errors.Is(Open(ctx, Options{Handler: h}), context.Canceled))
}
