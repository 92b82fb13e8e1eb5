package app

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"testing"
	"testing/fstest"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/switchboard/switchboard/app/api"
	"github.com/switchboard/switchboard/app/config"
)

// startServe runs serve on an ephemeral loopback port and returns its base URL
// and a function that stops it and returns serve's error.
func startServe(t *testing.T, dataDir string) (string, func() error) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	ready := make(chan string, 1)
	done := make(chan error, 1)
	cfg := config.Config{DataDir: dataDir, HTTPAddr: "127.0.0.1:0", SIPAddr: "127.0.0.1:0"}
	assets := fstest.MapFS{"frontend/dist/index.html": {Data: []byte("<title>editor</title>")}}
	go func() { done <- serve(ctx, cfg, assets, slog.New(slog.NewTextHandler(io.Discard, nil)), ready) }()
	select {
	case addr := <-ready:
		return "http://" + addr, func() error { cancel(); return <-done }
	case err := <-done:
		cancel()
		t.Fatalf("serve failed: %v", err)
	case <-time.After(10 * time.Second):
		cancel()
		t.Fatal("serve did not start")
	}
	return "", nil
}

func getHealth(t *testing.T, base string) api.Health {
	t.Helper()
	resp, err := http.Get(base + "/healthz")
	require.NoError(t, err)
	defer resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)
	var h api.Health
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&h))
	return h
}

func TestServeSeedsDemoOnceAndServesHealth(t *testing.T) {
	dir := t.TempDir()
	base, stop := startServe(t, dir)
	h := getHealth(t, base)
	require.Equal(t, "ok", h.Status)
	require.Equal(t, "ok", h.Store)
	require.Equal(t, 1, h.Flows, "the demo flow is seeded into an empty store")

	resp, err := http.Get(base + "/")
	require.NoError(t, err)
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	require.Contains(t, string(body), "<title>editor</title>")
	require.NoError(t, stop())

	// A restart on the same data keeps the flow and does not seed it again.
	base, stop = startServe(t, dir)
	require.Equal(t, 1, getHealth(t, base).Flows)
	require.NoError(t, stop())
}

func TestServeRefusesBadConfig(t *testing.T) {
	err := serve(context.Background(), config.Config{DataDir: t.TempDir(), HTTPAddr: "127.0.0.1", SIPAddr: "127.0.0.1:0"}, nil, slog.Default(), nil)
	require.ErrorIs(t, err, config.ErrInvalid)
}
