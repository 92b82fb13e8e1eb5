package sip

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/netip"
	"strconv"

	gosip "github.com/emiago/sipgo/sip"
)

// Delayed offer (RFC 3261 §13.2.1, RFC 3264 §5): an INVITE without SDP
// asks us to offer in the 200 OK; the caller answers in its ACK. Until that
// ACK the call has no remote media address and no codec, so Answer blocks
// until the ACK's answer is read, and the handler starts media only after
// it. An ACK with no answer, or with one we cannot use, ends the call with
// BYE and a Reason header (RFC 3326): the dialog exists by then, so there
// is no error response left to send.

// ErrBadAnswer is the cause when a delayed-offer caller's ACK carried no
// usable SDP answer.
var ErrBadAnswer = errors.New("sip: ACK without a usable SDP answer")

// isDelayedOffer reports whether an inbound INVITE carries no offer.
func isDelayedOffer(req *gosip.Request) bool {
	return len(bytes.TrimSpace(req.Body())) == 0
}

// delayedOfferMedia is what a Router sees of a delayed-offer INVITE: no
// remote address and no codec yet (Incoming.DelayedOffer is set).
func delayedOfferMedia() Media {
	return Media{TelephoneEvent: -1, PTime: 20, Offered: SendRecv, Answered: SendRecv}
}

// keepAckAnswer records the body of the ACK to our INVITE's 2xx, before the
// ACK releases Answer. Only the first ACK counts: retransmissions of it
// carry the same answer.
func (c *Call) keepAckAnswer(req *gosip.Request) {
	if c.out != nil || len(c.offer) != 0 {
		return
	}
	if req.CSeq().SeqNo != c.dlg.InviteRequest.CSeq().SeqNo {
		return // the ACK of a later re-INVITE
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.acked {
		c.acked = true
		c.ackBody = bytes.Clone(req.Body())
	}
}

// answerDelayed is Answer for a delayed-offer INVITE: our offer in the 200
// (PCMU, PCMA, telephone-event at localMedia), then the ACK's answer sets
// Remote, Codec and TelephoneEvent before Answer returns.
func (c *Call) answerDelayed(ctx context.Context, localMedia netip.AddrPort) error {
	offered := []Codec{CodecPCMU, CodecPCMA}
	body, err := c.sdp.Offer(localMedia, offered)
	if err != nil {
		_ = c.Reject(ctx, 500, "Server Internal Error")
		return fmt.Errorf("%w: %w", ErrAnswerFailed, err)
	}
	c.mu.Lock()
	c.final = true
	c.local = localMedia
	c.mu.Unlock()

	done := make(chan error, 1)
	go func() { done <- c.dlg.RespondSDP(body) }() // retransmits the 200 until the ACK
	select {
	case err = <-done:
	case <-ctx.Done():
		err = ctx.Err()
	}
	if err != nil {
		c.cancel(fmt.Errorf("%w: %w", ErrAnswerFailed, err))
		return fmt.Errorf("%w: %w", ErrAnswerFailed, err)
	}

	c.mu.Lock()
	acked, answer := c.acked, c.ackBody
	c.mu.Unlock()
	m, cause, err := readAckAnswer(acked, answer, offered)
	if err != nil {
		c.srv.log.Info("sip delayed offer: ending the call", "call_id", c.CallID, "error", err)
		c.byeWithReason(ctx, cause, err)
		return fmt.Errorf("%w: %w", ErrAnswerFailed, err)
	}
	c.mu.Lock()
	c.media = m
	c.Remote, c.Codec, c.TelephoneEvent, c.PTime = m.Remote, m.Codec, m.TelephoneEvent, m.PTime
	c.answered = true
	c.mu.Unlock()
	return nil
}

// readAckAnswer reads the caller's answer in its ACK and gives the SIP
// status that names the problem when it cannot be used (for the Reason
// header).
func readAckAnswer(acked bool, answer []byte, offered []Codec) (Media, int, error) {
	if !acked {
		// sipgo gives up retransmitting the 200 after 64*T1 without an
		// ACK and reports the dialog confirmed.
		return Media{}, 408, fmt.Errorf("%w: no ACK came", ErrBadAnswer)
	}
	if len(bytes.TrimSpace(answer)) == 0 {
		return Media{}, 400, fmt.Errorf("%w: the ACK carried no SDP", ErrBadAnswer)
	}
	m, err := ReadAnswer(answer, offered)
	if err != nil {
		status := 488
		if errors.Is(err, ErrMalformedSDP) {
			status = 400
		}
		return Media{}, status, fmt.Errorf("%w: %w", ErrBadAnswer, err)
	}
	return m, 0, nil
}

// byeWithReason hangs up an answered inbound call whose media cannot start,
// telling the far end why (Reason: SIP;cause=…;text=…), and ends the call's
// context with ErrBadAnswer.
func (c *Call) byeWithReason(ctx context.Context, status int, why error) {
	defer c.cancel(fmt.Errorf("%w: %w", ErrAnswerFailed, why))
	inv := c.dlg.InviteRequest
	cont := inv.Contact()
	if cont == nil {
		return
	}
	bye := gosip.NewRequest(gosip.BYE, cont.Address)
	bye.SetTransport(inv.Transport())
	bye.AppendHeader(gosip.NewHeader("Reason", reasonValue(status, why.Error())))
	bctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), c.srv.cfg.HangupTimeout)
	defer cancel()
	if err := c.dlg.WriteBye(bctx, bye); err != nil {
		c.srv.log.Debug("sip delayed offer: BYE", "call_id", c.CallID, "error", err)
	}
}

// reasonValue formats an RFC 3326 Reason header value. The text is ours,
// but it quotes an SDP parser's words, so it is sanitized for a quoted
// string and capped.
func reasonValue(status int, text string) string {
	t := []rune(SanitizeDisplayName(text))
	if len(t) > 200 {
		t = t[:200]
	}
	return "SIP;cause=" + strconv.Itoa(status) + ";text=\"" + string(t) + "\""
}
