package sip

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/netip"
	"sync"
	"time"

	"github.com/emiago/sipgo"
	gosip "github.com/emiago/sipgo/sip"
)

// MediaUpdate reports a change the remote side made with re-INVITE or UPDATE.
type MediaUpdate struct {
	Hold   bool           // the caller holds us (sendonly, inactive or c=0.0.0.0)
	Remote netip.AddrPort // where to send RTP now
	Media  Media          // the full negotiated state
}

// Call directions (Twilio's words for the Direction of a call).
const (
	DirectionInbound  = "inbound"
	DirectionOutbound = "outbound-dial"
)

// Call is one call: inbound, handed to the app's Handler, or an outbound
// leg returned by Dial once answered. The exported fields are fixed when
// the call arrives (or is answered); media changes come on Updates. For an
// outbound leg From is us, To the far end and Admission names the target.
type Call struct {
	ID             string // "CA" + 32 hex, derived from Call-ID
	CallID         string
	Direction      string // DirectionInbound or DirectionOutbound
	From, To       Party
	RequestUser    string
	Source         netip.AddrPort
	Admission      Admission
	Route          Route
	Remote         netip.AddrPort // remote RTP address from the offer
	Codec          Codec
	TelephoneEvent int // payload type, or -1
	PTime          int

	srv    *Server
	dlg    *sipgo.DialogServerSession // inbound
	tx     gosip.ServerTransaction    // inbound: the INVITE's
	out    *sipgo.DialogClientSession // outbound (dial.go)
	offer  []byte
	sdp    *SDPSession
	ctx    context.Context
	cancel context.CancelCauseFunc
	stop   func() bool
	dtmf   chan byte
	upd    chan MediaUpdate // the latest unread update (pushUpdate)
	updMu  sync.Mutex       // serialises pushUpdate
	acks   chan uint32
	refer  chan *Transfer // unbuffered: a REFER waits for the app (refer.go)

	mu        sync.Mutex
	ringing   bool
	answering bool
	answered  bool
	final     bool // a final response went out (2xx or error)
	local     netip.AddrPort
	media     Media
	byeCame   bool     // the caller's BYE came (an inbound call)
	acked     bool     // the ACK of a delayed offer's 200 came (lateoffer.go)
	ackBody   []byte   // its SDP answer
	order     reqOrder // the far end's requests handled, for a BYE that overtakes some (reqorder.go)
}

// CallSID derives the Studio-like call SID from a SIP Call-ID.
func CallSID(callID string) string {
	h := sha256.Sum256([]byte(callID))
	return "CA" + hex.EncodeToString(h[:16])
}

func newCall(s *Server, dlg *sipgo.DialogServerSession, tx gosip.ServerTransaction, in Incoming, route Route) *Call {
	c := &Call{
		ID: CallSID(in.CallID), CallID: in.CallID, Direction: DirectionInbound, From: in.From, To: in.To, RequestUser: in.RequestUser,
		Source: in.Source, Admission: in.Admission, Route: route,
		Remote: in.Media.Remote, Codec: in.Media.Codec, TelephoneEvent: in.Media.TelephoneEvent, PTime: in.Media.PTime,
		srv: s, dlg: dlg, tx: tx, offer: dlg.InviteRequest.Body(), sdp: NewSDPSession(s.cfg.UserAgent),
		dtmf: make(chan byte, 32), upd: make(chan MediaUpdate, 1), acks: make(chan uint32, 4), refer: make(chan *Transfer),
		media: in.Media,
	}
	if cs := dlg.InviteRequest.CSeq(); cs != nil {
		c.order.next = cs.SeqNo + 1
	}
	c.ctx, c.cancel = context.WithCancelCause(dlg.Context())
	c.stop = context.AfterFunc(s.ctx, func() { c.cancel(ErrShutdown) })
	return c
}

// Context ends when the call ends: BYE, CANCEL, Hangup, a failed answer or
// server shutdown. context.Cause tells which.
func (c *Call) Context() context.Context { return c.ctx }

// DTMF delivers digits received as SIP INFO. It is never closed; select on
// Context too.
func (c *Call) DTMF() <-chan byte { return c.dtmf }

// Updates delivers hold/unhold and remote media changes. It is never closed.
func (c *Call) Updates() <-chan MediaUpdate { return c.upd }

// Answered reports whether the call was answered and ACKed.
func (c *Call) Answered() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.answered
}

// Media returns the current negotiated media (it changes on re-INVITE).
func (c *Call) Media() Media {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.media
}

// infoDigitWait bounds how long an INFO's digit waits for room in the
// DTMF channel. A caller sends its next INFO only after this one is
// answered, so waiting here slows the caller rather than losing its digit;
// the bound only matters when nobody reads the call's digits at all.
const infoDigitWait = 2 * time.Second

// pushDTMF queues an INFO digit, waiting up to infoDigitWait for room. It
// reports false when the digit could not be queued (the call ended or
// nobody read for that long).
func (c *Call) pushDTMF(d byte) bool {
	select {
	case c.dtmf <- d:
		return true
	default:
	}
	t := time.NewTimer(infoDigitWait)
	defer t.Stop()
	select {
	case c.dtmf <- d:
		return true
	case <-c.ctx.Done():
	case <-t.C:
	}
	c.srv.log.Warn("sip dtmf dropped: nobody read the call's digits", "call_id", c.CallID, "waited", infoDigitWait)
	return false
}

// pushUpdate queues u in place of an update nobody read yet: each one
// carries the whole negotiated state, so the reader needs only the latest.
// The channel holds one (a buffer of 8, 1.3 KB, was kept by every call and
// dropped the newest state once full).
func (c *Call) pushUpdate(u MediaUpdate) {
	c.updMu.Lock()
	defer c.updMu.Unlock()
	for {
		select {
		case c.upd <- u:
			return
		default:
		}
		select {
		case <-c.upd: // superseded by u; the only sender holds updMu
		default:
		}
	}
}

// Ring sends 180 Ringing once (for a handler that answers later).
func (c *Call) Ring() error {
	if c.out != nil {
		return nil // the far end rings, not us
	}
	c.mu.Lock()
	if c.ringing || c.final {
		c.mu.Unlock()
		return nil
	}
	c.ringing = true
	c.mu.Unlock()
	return c.dlg.Respond(180, "Ringing", nil)
}

// Answer sends 200 OK with our SDP answer pointing at localMedia and waits
// for the ACK. For a delayed-offer INVITE (no SDP) the 200 carries our offer
// and the ACK's answer sets Remote, Codec and TelephoneEvent before Answer
// returns (lateoffer.go). It sends no 180 of its own: a 180 right before the 200 tells
// the caller nothing, and through a proxy with several workers it can
// arrive after the 200 (seen with kamailio). Any error means the call
// failed: the call's context is ended and media should be released.
func (c *Call) Answer(ctx context.Context, localMedia netip.AddrPort) error {
	return c.AnswerReady(ctx, localMedia, nil)
}

// AnswerReady answers like Answer and calls ready (when not nil) once the
// media is negotiated and before the 200 OK goes out: Remote, Codec,
// TelephoneEvent and SRTP are final then, and ready starts the media. An
// answerer must take media as soon as it has sent its answer (RFC 3264
// §5.1): a caller sends RTP, its keys too, as soon as the 200 reaches it,
// and its ACK can take hundreds of ms to be handled on a loaded box; a
// session started only when Answer returns dropped that RTP. For a
// delayed offer the media is known only from the ACK: ready runs then,
// before AnswerReady returns. An error from ready rejects the call with
// 500 (nothing was sent yet) and is returned. A caller whose BYE came
// before its ACK was handled was answered: AnswerReady returns nil, with
// the call's context already over.
func (c *Call) AnswerReady(ctx context.Context, localMedia netip.AddrPort, ready func() error) error {
	if c.out != nil {
		return fmt.Errorf("%w: an outbound leg is answered by the far end", ErrAnswerFailed)
	}
	if err := c.ctx.Err(); err != nil {
		return fmt.Errorf("%w: %w", ErrCallEnded, context.Cause(c.ctx))
	}
	c.mu.Lock()
	if c.answering || c.final {
		c.mu.Unlock()
		return fmt.Errorf("%w: already answered or rejected", ErrAnswerFailed)
	}
	c.answering = true
	c.mu.Unlock()

	if len(c.offer) == 0 {
		if err := c.answerDelayed(ctx, localMedia); err != nil {
			return err
		}
		if ready != nil {
			if err := ready(); err != nil {
				c.byeWithReason(ctx, 500, err)
				return fmt.Errorf("%w: %w", ErrAnswerFailed, err)
			}
		}
		return nil
	}
	body, media, err := c.sdp.Answer(c.offer, localMedia, &c.Codec)
	if err != nil {
		_ = c.Reject(ctx, 488, "Not Acceptable Here")
		return fmt.Errorf("%w: %w", ErrAnswerFailed, err)
	}
	c.mu.Lock()
	c.media = media
	c.mu.Unlock()
	if ready != nil {
		if err := ready(); err != nil {
			_ = c.Reject(ctx, 500, "Server Internal Error")
			return fmt.Errorf("%w: %w", ErrAnswerFailed, err)
		}
	}
	c.mu.Lock()
	c.final = true
	c.local = localMedia
	c.mu.Unlock()

	done := make(chan error, 1)
	go func() { done <- c.dlg.RespondSDP(body) }() // blocks until the ACK or the transaction ends
	select {
	case err = <-done:
	case <-ctx.Done():
		select {
		case err = <-done: // the ACK came too
		default:
			err = ctx.Err()
		}
	}
	c.mu.Lock()
	// A BYE says the caller took our 200 (it names our tag) and hung up,
	// its ACK perhaps still unhandled on a busy box: the call was answered
	// and is over. What the caller did meanwhile (a key pressed at once)
	// is the flow's to hear, with the hang-up after it.
	if err != nil && c.byeCame {
		err = nil
	}
	if err == nil {
		c.answered = true
	}
	c.mu.Unlock()
	if err != nil {
		c.cancel(fmt.Errorf("%w: %w", ErrAnswerFailed, err))
		return fmt.Errorf("%w: %w", ErrAnswerFailed, err)
	}
	return nil
}

// Reject sends a final error response before the call is answered. It
// returns once the response is out; the ACK is not waited for.
func (c *Call) Reject(ctx context.Context, status int, reason string) error {
	if status < 300 || status > 699 {
		return fmt.Errorf("sip: reject status %d", status)
	}
	if c.out != nil {
		return fmt.Errorf("%w: an answered outbound leg cannot be rejected; Hangup", ErrCallEnded)
	}
	c.mu.Lock()
	if c.final {
		c.mu.Unlock()
		return fmt.Errorf("%w: final response already sent", ErrCallEnded)
	}
	c.final = true
	c.mu.Unlock()
	defer c.cancel(ErrHangup)
	// Through the INVITE's transaction, not the dialog's WriteResponse,
	// which waits for the ACK: over UDP that is up to Timer H (32 s) when
	// the ACK is lost, with the call counted active all along. Once the
	// handler returns, sipgo keeps the finished transaction, which resends
	// the response until the ACK comes and absorbs it (RFC 3261 §17.2.1).
	res := gosip.NewResponseFromRequest(c.dlg.InviteRequest, status, SanitizeHeaderValue(reason), nil)
	c.dlg.InviteResponse = res
	select {
	case <-c.tx.Done(): // cancelled meanwhile: sipgo answered 487
		return fmt.Errorf("%w: %w", ErrCallEnded, c.tx.Err())
	default:
	}
	err := c.tx.Respond(res)
	if err != nil && c.ctx.Err() != nil {
		return fmt.Errorf("%w: %w", ErrCallEnded, err)
	}
	return err
}

// Hangup ends the call: BYE when it was answered, 480 Temporarily
// Unavailable when it was not. Calling it on an ended call is a no-op.
func (c *Call) Hangup(ctx context.Context) error {
	if c.out != nil {
		return c.hangupOut(ctx)
	}
	c.mu.Lock()
	final, answering := c.final, c.answering
	c.mu.Unlock()
	if !final && !answering {
		if c.ctx.Err() != nil {
			c.stop()
			return nil // cancelled or ended while ringing: sipgo sent 487
		}
		err := c.Reject(ctx, 480, "Temporarily Unavailable")
		c.stop()
		return err
	}
	defer c.stop()
	if c.dlg.LoadState() == gosip.DialogStateEnded {
		c.cancel(ErrCallEnded)
		return nil
	}
	if c.dlg.InviteResponse == nil || !c.dlg.InviteResponse.IsSuccess() {
		c.cancel(ErrHangup)
		return nil
	}
	err := c.dlg.Bye(ctx)
	c.cancel(ErrHangup)
	return err
}

// onReInvite answers an in-dialog INVITE: hold/unhold, a media change or a
// session-timer refresh (answered with the unchanged SDP).
func (s *Server) onReInvite(req *gosip.Request, tx gosip.ServerTransaction) {
	c := s.lookup(req)
	if c == nil {
		respond(tx, req, 481, "Call/Transaction Does Not Exist")
		return
	}
	defer c.handled(req)
	if !c.Answered() {
		respond(tx, req, 491, "Request Pending")
		return
	}
	if err := c.readRequest(req, tx); err != nil {
		respond(tx, req, 500, "Server Internal Error", gosip.NewHeader("Retry-After", "1"))
		return
	}
	body, ok := c.renegotiate(req, tx)
	if !ok {
		return
	}
	res := gosip.NewSDPResponseFromRequest(req, body)
	ct := s.dialogUA(req).ContactHDR
	res.AppendHeader(&ct)
	err := tx.Respond(res)
	c.handled(req) // applied and answered; its ACK is not waited for
	if err != nil {
		return
	}
	// Retransmitting the 2xx until the ACK is the TU's job (RFC 6026).
	cseq := req.CSeq().SeqNo
	wait := gosip.T1
	deadline := time.NewTimer(64 * gosip.T1)
	defer deadline.Stop()
	for {
		t := time.NewTimer(wait)
		select {
		case n := <-c.acks:
			t.Stop()
			if n == cseq {
				return
			}
			continue
		case <-t.C:
			_ = tx.Respond(res)
			wait = min(2*wait, gosip.T2)
		case <-deadline.C:
			t.Stop()
			s.log.Warn("sip re-INVITE: no ACK", "call_id", c.CallID)
			return
		case <-c.ctx.Done():
			t.Stop()
			return
		}
	}
}

func (s *Server) onUpdate(req *gosip.Request, tx gosip.ServerTransaction) {
	c := s.lookup(req)
	if c == nil {
		respond(tx, req, 481, "Call/Transaction Does Not Exist")
		return
	}
	defer c.handled(req)
	if err := c.readRequest(req, tx); err != nil {
		respond(tx, req, 500, "Server Internal Error", gosip.NewHeader("Retry-After", "1"))
		return
	}
	if len(req.Body()) == 0 || !c.Answered() {
		respond(tx, req, 200, "OK") // session refresh without SDP
		return
	}
	body, ok := c.renegotiate(req, tx)
	if !ok {
		return
	}
	res := gosip.NewSDPResponseFromRequest(req, body)
	ct := s.dialogUA(req).ContactHDR
	res.AppendHeader(&ct)
	_ = tx.Respond(res)
}

// renegotiate answers a new offer (or re-sends our SDP when there is none)
// and reports hold changes. It responds 488 itself on failure.
func (c *Call) renegotiate(req *gosip.Request, tx gosip.ServerTransaction) ([]byte, bool) {
	offer := req.Body()
	if len(offer) == 0 {
		return c.sdp.Last(), true // offer in our 200, answer in the ACK
	}
	c.mu.Lock()
	local, prev := c.local, c.media
	c.mu.Unlock()
	codec := prev.Codec
	body, m, err := c.sdp.Answer(offer, local, &codec)
	if err != nil {
		respond(tx, req, 488, "Not Acceptable Here")
		return nil, false
	}
	c.mu.Lock()
	c.media = m
	c.mu.Unlock()
	if m.Hold() != prev.Hold() || m.Remote != prev.Remote || m.Codec != prev.Codec || rekeyed(prev.SRTP, m.SRTP) {
		c.pushUpdate(MediaUpdate{Hold: m.Hold(), Remote: m.Remote, Media: m})
	}
	return body, true
}
