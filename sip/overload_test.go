package sip

import (
	"context"
	"sync/atomic"
	"testing"
	"time"
)

// TestSippOverload503: while Config.Overloaded says the media path falls
// behind, a new INVITE is refused with 503 and Retry-After (reject_503.xml
// checks both) and counted as DropOverload; once it no longer does, calls
// are taken again.
func TestSippOverload503(t *testing.T) {
	var overloaded atomic.Bool
	overloaded.Store(true)
	ts := startServer(t, Config{Overloaded: overloaded.Load, RetryAfter: 3 * time.Second, Handler: func(ctx context.Context, c *Call) {
		_ = c.Answer(ctx, mediaAddr)
		<-ctx.Done()
	}})
	mustSipp(t, ts, "reject_503.xml")
	if n := ts.Dropped()[DropOverload]; n != 1 {
		t.Errorf("Dropped()[%s] = %d, want 1", DropOverload, n)
	}
	if !ts.Overloaded() {
		t.Error("Overloaded() = false while refusing")
	}
	overloaded.Store(false)
	mustSipp(t, ts, "uac_basic.xml")
	if n := ts.Dropped()[DropOverload]; n != 1 {
		t.Errorf("after recovery Dropped()[%s] = %d, want 1", DropOverload, n)
	}
}

// TestSippInfoDTMFSlowReader: forty INFO digits, more than the call's DTMF
// channel holds, while the handler does not read for a second: none is
// lost (the handler used to drop a digit that found the channel full and
// still answer 200), and they arrive in order.
func TestSippInfoDTMFSlowReader(t *testing.T) {
	const want = "0123456789*#ABCD0123456789*#ABCD01234567"
	digits := make(chan string, 1)
	ts := startServer(t, Config{Handler: func(ctx context.Context, call *Call) {
		if err := call.Answer(ctx, mediaAddr); err != nil {
			digits <- "answer: " + err.Error()
			return
		}
		// Wait until the channel is full (the 33rd INFO is then waiting
		// for room), then read.
		deadline := time.Now().Add(10 * time.Second)
		for len(call.DTMF()) < cap(call.DTMF()) && time.Now().Before(deadline) {
			time.Sleep(10 * time.Millisecond)
		}
		time.Sleep(300 * time.Millisecond)
		var got []byte
		for len(got) < len(want) {
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
	mustSipp(t, ts, "uac_info_dtmf_forty.xml", "-d", "300")
	if got := <-digits; got != want {
		t.Fatalf("digits = %q, want %q", got, want)
	}
}
