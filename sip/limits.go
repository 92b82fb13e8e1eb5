package sip

import (
	"strconv"

	gosip "github.com/emiago/sipgo/sip"
)

// Limits on what a request may carry before anything is done with it
// (routing, an execution). They sit well above what real trunks and phones
// send (a From with a display name and tag is under 200 bytes; a STIR/SHAKEN
// Identity header about 1 KB) and well below what a UDP datagram can carry.
const (
	// MaxRequestURI bounds the Request-URI: longer ones are answered
	// 414 Request-URI Too Long (RFC 3261 §21.4.12).
	MaxRequestURI = 1024
	// MaxPartyHeader bounds From, To, Call-ID and Contact, the headers that
	// become the call's parties and are echoed in every response and request
	// of the dialog.
	MaxPartyHeader = 1024
	// MaxHeader bounds any other header value.
	MaxHeader = 4096
	// MaxHeaders bounds the header section as a whole.
	MaxHeaders = 16384
)

// maxUDPPayload is the largest UDP payload over IPv4: 65,535 bytes less the
// IP and UDP headers. RFC 3261 §18.1.1 requires every implementation to
// handle messages up to the maximum datagram size.
const maxUDPPayload = 65507

func init() {
	// sipgo v1.7.2 refuses to write any UDP message larger than
	// UDPMTUSize-200 (1,300) bytes ("size of packet larger than MTU"),
	// responses included. RFC 3261's 1,300-byte rule (§18.1.1) is for
	// requests a client sends, and tells it to switch to TCP; a response
	// goes back the way the request came (§18.2.2: to the received/sent-by
	// address of the top Via over the same unreliable transport), which
	// sipgo cannot do once it refuses. So a 200 OK that echoed a long From
	// was never sent, and the caller's INVITE hung while its execution ran.
	// Responses up to the largest datagram are now sent (IP fragments them);
	// sipgo has no TCP fallback for requests, so our own large requests
	// (a BYE carrying that From) go the same way rather than failing.
	gosip.UDPMTUSize = maxUDPPayload + 200
}

// oversize checks a request against the limits. It returns the status to
// answer (414 or 513) and why, or 0 when the request is within them.
//
// 513 Message Too Large (RFC 3261 §21.5.13: "the message length exceeded
// its capabilities") is the status for a header we refuse to carry: the
// request is well-formed, so 400 (§21.4.1, malformed syntax) would be wrong,
// and the limit is ours, not a fault of the caller's syntax.
func oversize(req *gosip.Request) (int, string) {
	if n := len(req.Recipient.String()); n > MaxRequestURI {
		return 414, "Request-URI of " + strconv.Itoa(n) + " bytes (limit " + strconv.Itoa(MaxRequestURI) + ")"
	}
	total := 0
	for _, h := range req.Headers() {
		n := len(h.Value())
		total += len(h.Name()) + n + 4
		limit := MaxHeader
		switch h.(type) {
		case *gosip.FromHeader, *gosip.ToHeader, *gosip.CallIDHeader, *gosip.ContactHeader:
			limit = MaxPartyHeader
		}
		if n > limit {
			return 513, SanitizeToken(h.Name()) + " of " + strconv.Itoa(n) + " bytes (limit " + strconv.Itoa(limit) + ")"
		}
	}
	if total > MaxHeaders {
		return 513, "headers of " + strconv.Itoa(total) + " bytes (limit " + strconv.Itoa(MaxHeaders) + ")"
	}
	return 0, ""
}
