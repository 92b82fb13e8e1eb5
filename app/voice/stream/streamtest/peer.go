// Package streamtest starts the Media Streams test peer (the npm `ws`
// server in ../testpeer, installed with npm ci) on 127.0.0.1 for tests. A
// missing node or node_modules skips the test, unless
// SWITCHBOARD_REQUIRE_VOICE=1, which fails it.
package streamtest

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"sync"
	"testing"
	"time"
)

// Summary is what the peer reports when a stream ends.
type Summary struct {
	Why       string         `json:"why"` // stop or close
	Seq       []string       `json:"seq"` // events, runs of media as one
	Media     map[string]int `json:"media"`
	SeqOK     bool           `json:"seqOK"`
	ChunkOK   bool           `json:"chunkOK"`
	TsOK      bool           `json:"tsOK"`
	PayloadOK bool           `json:"payloadOK"`
	RMS       float64        `json:"rms"`    // inbound
	OutRMS    float64        `json:"outRms"` // outbound
	Hz        float64        `json:"hz"`
}

// Line is one line of the peer's output.
type Line struct {
	Conn    int             `json:"conn"`
	Event   string          `json:"event"`
	Msg     json.RawMessage `json:"msg"`
	Summary *Summary        `json:"summary"`
}

// Peer is a running test peer.
type Peer struct {
	URL   string // ws://127.0.0.1:port/
	Lines chan Line

	stdin io.WriteCloser
	mu    sync.Mutex
	all   []Line
}

func dir() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "testpeer")
}

// Start runs `node server.js mode` (normal or stall) and waits (5 s at
// most) for its port. The peer is ended when the test is cleaned up.
func Start(t testing.TB, mode string) *Peer {
	t.Helper()
	node, err := exec.LookPath("node")
	if err == nil {
		_, err = os.Stat(filepath.Join(dir(), "node_modules", "ws", "package.json"))
	}
	if err != nil {
		if os.Getenv("SWITCHBOARD_REQUIRE_VOICE") == "1" {
			t.Fatalf("node or the ws package is missing (SWITCHBOARD_REQUIRE_VOICE=1; npm ci --prefix app/voice/stream/testpeer): %v", err)
		}
		t.Skipf("node or the ws package is missing (npm ci --prefix app/voice/stream/testpeer): %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	cmd := exec.CommandContext(ctx, node, "server.js", mode)
	cmd.Dir = dir()
	cmd.Stderr = os.Stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		cancel()
		t.Fatalf("starting the stream peer: %v", err)
	}
	p := &Peer{Lines: make(chan Line, 1024), stdin: stdin}
	port := make(chan int, 1)
	readDone := make(chan struct{})
	go func() {
		defer close(readDone)
		defer close(p.Lines)
		sc := bufio.NewScanner(stdout)
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		for sc.Scan() {
			var l struct {
				Listening int `json:"listening"`
				Line
			}
			if json.Unmarshal(sc.Bytes(), &l) != nil {
				continue
			}
			if l.Listening > 0 {
				port <- l.Listening
				continue
			}
			p.mu.Lock()
			p.all = append(p.all, l.Line)
			p.mu.Unlock()
			select {
			case p.Lines <- l.Line:
			default:
			}
		}
	}()
	t.Cleanup(func() {
		stdin.Close()
		done := make(chan struct{})
		go func() { _ = cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(3 * time.Second):
			cancel()
			<-done
		}
		cancel()
		<-readDone
	})
	select {
	case n := <-port:
		p.URL = "ws://127.0.0.1:" + strconv.Itoa(n) + "/"
	case <-time.After(5 * time.Second):
		t.Fatal("the stream peer did not start within 5 s")
	}
	return p
}

// Wait returns the first line (of any seen so far or to come) for which
// match is true, or fails the test after d.
func (p *Peer) Wait(t testing.TB, d time.Duration, what string, match func(Line) bool) Line {
	t.Helper()
	deadline := time.After(d)
	p.mu.Lock()
	for _, l := range p.all {
		if match(l) {
			p.mu.Unlock()
			return l
		}
	}
	p.mu.Unlock()
	for {
		select {
		case l, ok := <-p.Lines:
			if !ok {
				t.Fatalf("the stream peer ended before %s", what)
			}
			if match(l) {
				return l
			}
		case <-deadline:
			p.mu.Lock()
			defer p.mu.Unlock()
			t.Fatalf("no %s from the stream peer within %s (saw %d lines)", what, d, len(p.all))
		}
	}
}

// Summary waits for the summary of connection conn.
func (p *Peer) Summary(t testing.TB, conn int, d time.Duration) Summary {
	t.Helper()
	l := p.Wait(t, d, "summary of connection "+strconv.Itoa(conn), func(l Line) bool { return l.Conn == conn && l.Summary != nil })
	return *l.Summary
}
