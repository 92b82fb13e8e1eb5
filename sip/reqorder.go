package sip

import (
	"sync/atomic"
	"time"

	gosip "github.com/emiago/sipgo/sip"
)

// The far end's requests in a dialog carry contiguous CSeq numbers, one
// more for each (RFC 3261 §12.2.1.1; ACK and CANCEL reuse the INVITE's).
// sipgo hands each request to its handler on a goroutine of its own, so a
// BYE sent right after an INFO can be handled first: the call would end
// before the INFO's digit was queued, and the flow would hear the hang-up
// without the key the caller pressed before it. reqOrder keeps the
// lowest CSeq not yet handled, and a BYE waits (awaitEarlier) until every
// request numbered below it has been, a short bounded while at most.

// byeOrderWait bounds how long a BYE waits for the requests numbered
// before it. The gap is normally a goroutine not yet run (µs to ms on a
// loaded box); a request lost on the way is retransmitted after T1
// (500 ms), so the bound covers its first retransmission.
var byeOrderWait = 2 * gosip.T1

// maxOrderGap is the largest gap a BYE waits for. A far end that numbers
// its requests with larger steps does not follow RFC 3261; its BYE is not
// held for requests that will never come.
const maxOrderGap = 8

// testInfoHold, when set, runs before every INFO is handled: a test holds
// the INFO's goroutine there, as a loaded box's scheduler may, while the
// BYE sent after it is handled.
var testInfoHold atomic.Pointer[func()]

// reqOrder is a call's record of the far end's handled requests (Call.mu).
type reqOrder struct {
	next  uint32              // the lowest CSeq not yet handled; 0 while unknown (see handledLocked)
	ahead map[uint32]struct{} // handled above next (requests handled out of order)
	moved chan struct{}       // closed when next moves; nil when nobody waits
}

// handledLocked records that the request numbered n is handled. Before the
// first request of an outbound leg the far end's numbering is unknown (its
// INVITE was ours): the first one handled sets it.
func (o *reqOrder) handledLocked(n uint32) {
	switch {
	case o.next == 0:
		o.next = n + 1
	case n < o.next:
		return
	case n > o.next:
		if len(o.ahead) < maxOrderGap {
			if o.ahead == nil {
				o.ahead = make(map[uint32]struct{}, 1)
			}
			o.ahead[n] = struct{}{}
		}
		return
	default:
		for o.next++; hasKey(o.ahead, o.next); o.next++ {
			delete(o.ahead, o.next)
		}
	}
	if o.moved != nil {
		close(o.moved)
		o.moved = nil
	}
}

func hasKey(m map[uint32]struct{}, k uint32) bool {
	_, ok := m[k]
	return ok
}

// handled records that the far end's in-dialog request req is handled:
// its effect is applied (an INFO's digit queued, a re-INVITE's media
// changed) and its final response sent. Handlers call it once they are
// done with the request, not when they return if they go on waiting (a
// re-INVITE for its ACK, a REFER for the transfer); a second call for the
// same request changes nothing.
func (c *Call) handled(req *gosip.Request) {
	if c == nil || req.CSeq() == nil {
		return
	}
	c.mu.Lock()
	c.order.handledLocked(req.CSeq().SeqNo)
	c.mu.Unlock()
}

// awaitEarlier waits until the far end's requests numbered before bye are
// handled, at most byeOrderWait, and reports false when it gave up on
// some (the gap it still saw). It returns at once when none is missing,
// the gap is beyond maxOrderGap, the numbering is unknown, or the call
// ends otherwise.
func (c *Call) awaitEarlier(bye uint32) (ok bool, gap uint32) {
	var timer *time.Timer
	defer func() {
		if timer != nil {
			timer.Stop()
		}
	}()
	for {
		c.mu.Lock()
		next := c.order.next
		if next == 0 || bye <= next || bye-next > maxOrderGap {
			c.mu.Unlock()
			return true, 0
		}
		if c.order.moved == nil {
			c.order.moved = make(chan struct{})
		}
		moved := c.order.moved
		c.mu.Unlock()
		if timer == nil {
			timer = time.NewTimer(byeOrderWait)
		}
		select {
		case <-moved:
		case <-timer.C:
			return false, bye - next
		case <-c.ctx.Done():
			return true, 0
		}
	}
}
