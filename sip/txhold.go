package sip

import (
	"time"

	gosip "github.com/emiago/sipgo/sip"
)

// SetFinishedTransactionHold sets how long a server transaction is kept
// after its final response over UDP, for the whole process: Timer J for
// non-INVITE requests (a BYE) and Timer L for an INVITE answered 2xx
// (RFC 6026's Accepted state). Call it at startup, before any Server
// starts, and after SetTimers (which puts both back to 64·T1). Zero or less
// leaves them as they are.
//
// Why: both are 64·T1 (32 s) by default, and a finished transaction keeps
// its parsed request and response (about 7 KB a call, measured with the
// voice benchmark's heap profile), so at 500 calls per second some 16,000
// finished calls' messages stay live and the heap (and RSS, which Go grows
// to about twice the live heap) follows the call rate times 32 s rather
// than the calls up. What the hold buys is an answer to a retransmission:
// a BYE retransmitted after it would get 481 (the dialog is gone, which
// ends the caller's transaction just the same), and an INVITE retransmitted
// after it would be taken for a new call, which needs a caller that heard
// none of our 100, 180 and retransmitted 200s for the whole hold. A caller
// retransmits at most T2 (4 s) apart, so a hold of 2·T2 still absorbs at
// least two retransmissions at the longest spacing.
func SetFinishedTransactionHold(d time.Duration) {
	if d <= 0 {
		return
	}
	gosip.Timer_J = d
	gosip.Timer_L = d
}

// FinishedTransactionHold reports Timer J and Timer L as sipgo has them.
func FinishedTransactionHold() (j, l time.Duration) { return gosip.Timer_J, gosip.Timer_L }
