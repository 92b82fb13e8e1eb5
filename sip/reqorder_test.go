package sip

import (
	"context"
	"testing"
	"time"
)

func TestReqOrderHandled(t *testing.T) {
	cases := []struct {
		name     string
		start    uint32 // next before; 0: unknown (an outbound leg)
		handled  []uint32
		wantNext uint32
	}{
		{"in order", 2, []uint32{2, 3, 4}, 5},
		{"out of order", 2, []uint32{3, 4, 2}, 5},
		{"a gap stays", 2, []uint32{2, 4, 5}, 3},
		{"again changes nothing", 2, []uint32{2, 2, 3, 3}, 4},
		{"older than next", 5, []uint32{3, 4}, 5},
		{"unknown: the first one sets it", 0, []uint32{17, 18}, 19},
		// 4..11 are kept (maxOrderGap of them), 12 and 13 are not: once 2
		// and 3 are handled next stops at 12.
		{"ahead is bounded", 2, []uint32{4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 2, 3}, 12},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			o := reqOrder{next: c.start}
			for _, n := range c.handled {
				o.handledLocked(n)
			}
			if o.next != c.wantNext {
				t.Fatalf("next = %d, want %d (ahead %v)", o.next, c.wantNext, o.ahead)
			}
		})
	}
}

func TestAwaitEarlier(t *testing.T) {
	newCall := func(next uint32) *Call {
		c := &Call{order: reqOrder{next: next}}
		c.ctx, c.cancel = context.WithCancelCause(context.Background())
		t.Cleanup(func() { c.cancel(nil) })
		return c
	}
	t.Run("nothing missing", func(t *testing.T) {
		if ok, gap := newCall(3).awaitEarlier(3); !ok || gap != 0 {
			t.Fatalf("ok %v gap %d", ok, gap)
		}
	})
	t.Run("waits for the request before it", func(t *testing.T) {
		c := newCall(2)
		done := make(chan bool, 1)
		go func() { ok, _ := c.awaitEarlier(4); done <- ok }()
		c.mu.Lock()
		c.order.handledLocked(3) // ahead: still waiting for 2
		c.mu.Unlock()
		select {
		case <-done:
			t.Fatal("returned with request 2 not handled")
		case <-time.After(50 * time.Millisecond):
		}
		c.mu.Lock()
		c.order.handledLocked(2)
		c.mu.Unlock()
		select {
		case ok := <-done:
			if !ok {
				t.Fatal("gave up although every earlier request was handled")
			}
		case <-time.After(byeOrderWait / 2):
			t.Fatal("still waiting after the gap closed")
		}
	})
	t.Run("gives up after the bound", func(t *testing.T) {
		c := newCall(2)
		start := time.Now()
		ok, gap := c.awaitEarlier(4)
		if ok || gap != 2 {
			t.Fatalf("ok %v gap %d, want false 2", ok, gap)
		}
		if d := time.Since(start); d < byeOrderWait {
			t.Fatalf("gave up after %v, before the bound %v", d, byeOrderWait)
		}
	})
	t.Run("a gap beyond maxOrderGap is not waited for", func(t *testing.T) {
		if ok, _ := newCall(2).awaitEarlier(2 + maxOrderGap + 1); !ok {
			t.Fatal("waited")
		}
	})
	t.Run("numbering unknown", func(t *testing.T) {
		if ok, _ := newCall(0).awaitEarlier(9); !ok {
			t.Fatal("waited")
		}
	})
	t.Run("the call ends otherwise", func(t *testing.T) {
		c := newCall(2)
		time.AfterFunc(20*time.Millisecond, func() { c.cancel(ErrHangup) })
		if ok, _ := c.awaitEarlier(5); !ok {
			t.Fatal("reported a give-up for a call that ended")
		}
	})
}
