package modem

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/switchboard/switchboard/app/sms"
	"github.com/switchboard/switchboard/app/sms/at"
	"github.com/switchboard/switchboard/app/sms/pdu"
)

// maxBody is Twilio's limit on a message body (error 21617): beyond it a
// message is refused, not cut into a hundred parts.
const maxBody = 1600

// errNotReady: the modem is not open (connecting, unplugged, blocked).
var errNotReady = errors.New("modem: not ready")

// Send submits m, one AT+CMGS per part, through the session Run keeps
// open. The session runs commands one at a time in arrival order, so the
// receiving side's commands take turns with the parts of a long message.
//
// Failures: before any part went out, the +CMS ERROR decides (permanent or
// retryable, see classify); a timeout or cancellation after a PDU was
// written is Uncertain. Once a part went out, a later part that fails is
// tried once more after a short pause, and if it fails again the message
// is Uncertain: sending it again would send the earlier parts twice.
func (g *Gateway) Send(ctx context.Context, m sms.Outbound) (sms.Sent, error) {
	var sent sms.Sent
	to, err := pdu.ParseAddress(m.To)
	if err != nil {
		return sent, sms.Permanent(sms.CodeInvalidTo, fmt.Errorf("modem: the To number: %w", err))
	}
	if !utf8.ValidString(m.Body) {
		return sent, sms.Permanent(sms.CodeUnknown, errors.New("modem: the body is not valid UTF-8"))
	}
	if n := utf8.RuneCountInString(m.Body); n > maxBody {
		return sent, sms.Permanent(sms.CodeBodyTooLong, fmt.Errorf("modem: the body has %d characters, more than %d", n, maxBody))
	}
	parts, err := pdu.Split(m.Body, byte(g.ref.Add(1)))
	if err != nil {
		return sent, sms.Permanent(sms.CodeBodyTooLong, fmt.Errorf("modem: %w", err))
	}
	srr := g.set.StatusReports != nil && *g.set.StatusReports
	for i, part := range parts {
		sub := pdu.Submit{SMSC: g.smsc, StatusReport: srr, To: to, UserData: part}
		hexPDU, n, err := sub.EncodeHex()
		if err != nil {
			return sent, sms.Permanent(sms.CodeUnknown, fmt.Errorf("modem: encoding part %d of %d: %w", i+1, len(parts), err))
		}
		mr, err := g.sendPart(ctx, n, hexPDU)
		if err != nil && i > 0 && retryable(err) && ctx.Err() == nil {
			g.log.Warn("a later part failed; trying it once more", "sid", m.SID, "part", i+1, "err", err)
			t := time.NewTimer(g.k.partRetry)
			select {
			case <-ctx.Done():
				t.Stop()
			case <-t.C:
				mr, err = g.sendPart(ctx, n, hexPDU)
			}
		}
		if err != nil {
			f := classify(err)
			if i > 0 {
				f = &sms.Failure{Uncertain: true, Code: f.Code,
					Err: fmt.Errorf("modem: %d of %d parts went out (references %v), then part %d failed: %w", i, len(parts), sent.Refs, i+1, f.Err)}
			}
			return sent, f
		}
		sent.Segments++
		sent.Refs = append(sent.Refs, strconv.Itoa(mr))
	}
	return sent, nil
}

// sendPart sends one part through the ready session.
func (g *Gateway) sendPart(ctx context.Context, n int, hexPDU string) (int, error) {
	s := g.session()
	if s == nil {
		h := g.Health()
		return 0, fmt.Errorf("%w (%s: %s)", errNotReady, h.State, h.LastError)
	}
	return s.SendPDU(ctx, n, hexPDU)
}

// retryable: sending the part again is safe and may help.
func retryable(err error) bool {
	if errors.Is(err, at.ErrPDUWritten) || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return false
	}
	f := classify(err)
	return !f.Permanent && !f.Uncertain
}
