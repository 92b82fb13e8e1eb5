package sip

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/netip"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/emiago/sipgo"
	gosip "github.com/emiago/sipgo/sip"
)

// DefaultRingTimeout is how long an outbound leg rings when DialRequest
// gives no Timeout (Studio's connect-call-to default).
const DefaultRingTimeout = 30 * time.Second

// DialRequest is one outbound leg. Exactly one target is given: Trunk with
// Number, User (a desk phone registered with us) or URI.
type DialRequest struct {
	Trunk  string // trunk Key (or Name)
	Number string // the number to call through Trunk
	User   string // SIP user of a phone registered with us
	URI    string // sip:user@host[:port][;transport=tcp]

	// CallerID is the From user (a number); a trunk's rules may replace it
	// with the trunk's own number. Empty: the trunk's number, else our
	// user agent name.
	CallerID   string
	CallerName string // From display name

	// Timeout is the ring time: CANCEL when no answer came by then
	// (DialNoAnswer). Default DefaultRingTimeout.
	Timeout time.Duration
	// LocalMedia is where we receive RTP (the app's media session); it goes
	// into our offer.
	LocalMedia netip.AddrPort
	// Codecs we offer, in our order of preference; default PCMU, PCMA.
	// telephone-event is always offered.
	Codecs []Codec
	// Early hears provisional responses (180, 183) as they come, in order.
	// It runs on the dialling goroutine and must not block.
	Early func(Progress)

	// AuthUser and AuthPassword answer a 401/407 digest challenge from a
	// URI target (connect-call-to's sip_username/sip_password). A trunk
	// target uses the trunk's own credentials; a desk phone has none. The
	// password is never logged.
	AuthUser     string
	AuthPassword string
}

// cancelWait is how long a stopped dial waits for a first provisional
// response before which CANCEL may not be sent (RFC 3261 §9.1).
const cancelWait = 4 * time.Second

// Progress is a provisional response to an outbound INVITE.
type Progress struct {
	Status int    // 180, 181, 182, 183
	Reason string // as sent, sanitized
	// Media is the early media the far end announced (183 with SDP): the
	// app may start RTP to Media.Remote and bridge the caller to it. Nil
	// without SDP.
	Media *Media
}

// Dial results, as Studio names a dialled call's status (DialCallStatus).
const (
	DialAnswered = "answered"
	DialBusy     = "busy"
	DialNoAnswer = "no-answer"
	DialFailed   = "failed"
	DialCanceled = "canceled"
)

// Errors a DialError unwraps to, one per result.
var (
	ErrBusy       = errors.New("sip: busy")
	ErrNoAnswer   = errors.New("sip: no answer")
	ErrDialFailed = errors.New("sip: dial failed")
	ErrCanceled   = errors.New("sip: dial canceled")
)

// DialError is why an outbound leg was not answered.
type DialError struct {
	Result string // DialBusy, DialNoAnswer, DialFailed or DialCanceled
	Status int    // the final SIP status, 0 when none came (timeout, transport)
	Reason string
	Err    error // the underlying cause, when not a SIP response
}

func (e *DialError) Error() string {
	var b strings.Builder
	b.WriteString("sip: dial ")
	b.WriteString(e.Result)
	if e.Status != 0 {
		fmt.Fprintf(&b, ": %d %s", e.Status, e.Reason)
	}
	if e.Err != nil {
		b.WriteString(": ")
		b.WriteString(e.Err.Error())
	}
	return b.String()
}

// Unwrap gives the result's sentinel (ErrBusy …) and the cause.
func (e *DialError) Unwrap() []error {
	var s error
	switch e.Result {
	case DialBusy:
		s = ErrBusy
	case DialNoAnswer:
		s = ErrNoAnswer
	case DialCanceled:
		s = ErrCanceled
	default:
		s = ErrDialFailed
	}
	if e.Err != nil {
		return []error{s, e.Err}
	}
	return []error{s}
}

// resultOf maps a final non-2xx status to a dial result: 486 and 600 are
// busy; 408 and 480 no answer (as is 487, the answer to our CANCEL); the
// rest failed.
func resultOf(status int) string {
	switch status {
	case 486, 600:
		return DialBusy
	case 408, 480, 487:
		return DialNoAnswer
	}
	return DialFailed
}

// Dial places an outbound call and returns it once answered (200 OK,
// ACKed, media negotiated), ready to be handled like an inbound call:
// Remote/Codec/TelephoneEvent for the media session, DTMF, Updates,
// Context for its end (a BYE from the far end) and Hangup. The caller owns
// the call and must Hangup it.
//
// It ends ringing with CANCEL when ctx ends (DialCanceled) or the ring time
// passes (DialNoAnswer); a 200 that crosses the CANCEL is ACKed and at once
// hung up with BYE. Any other outcome is a *DialError. 401/407 challenges
// are answered with the trunk's credentials.
func (s *Server) Dial(ctx context.Context, req DialRequest) (*Call, error) {
	if s.ctx == nil || s.closed.Load() {
		return nil, fmt.Errorf("%w: server not running", ErrDialFailed)
	}
	if !req.LocalMedia.IsValid() || req.LocalMedia.Port() == 0 {
		return nil, fmt.Errorf("%w: LocalMedia %v", ErrBadDial, req.LocalMedia)
	}
	tgt, err := s.resolve(req)
	if err != nil {
		return nil, err
	}
	secure, plainOK := s.outboundSRTP(tgt) // srtppolicy.go
	c, err := s.dial(ctx, req, tgt, secure, plainOK)
	var de *DialError
	if secure && plainOK && errors.As(err, &de) && de.Status == 488 && ctx.Err() == nil && !s.closed.Load() {
		// "optional" SRTP: a plain-RTP peer refused our SAVP offer; once more without it.
		s.log.Info("sip dial: SRTP offer refused with 488; retrying with RTP/AVP", "target", tgt.admission.Kind, "name", tgt.admission.Name)
		return s.dial(ctx, req, tgt, false, true)
	}
	return c, err
}

// dial is one INVITE transaction of Dial, offering SRTP when secure.
func (s *Server) dial(ctx context.Context, req DialRequest, tgt dialTarget, secure, plainOK bool) (*Call, error) {
	sdp := NewSDPSession(s.cfg.UserAgent)
	offerFn := sdp.Offer
	if secure {
		offerFn = sdp.OfferSRTP
	}
	offer, err := offerFn(req.LocalMedia, req.Codecs)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrBadDial, err)
	}
	inv, from := s.newInvite(req, tgt, offer)
	callID := inv.CallID().Value()
	log := s.log.With("call_id", callID, "target", tgt.admission.Kind, "name", tgt.admission.Name)

	var opts []sipgo.ClientRequestOption
	if tgt.transport == "tcp" {
		// As for REGISTER over TCP (trunk.go): an ephemeral local port.
		opts = []sipgo.ClientRequestOption{sipgo.ClientRequestBuild, func(_ *sipgo.Client, r *gosip.Request) error {
			r.Laddr = gosip.Addr{}
			return nil
		}}
	}
	dua := &s.dua
	if tgt.transport == "tls" {
		dua = &s.duaTLS // trunktls.go: any local port, the trunk's connection
	}
	dlg, err := dua.WriteInvite(ctx, inv, opts...)
	if err != nil {
		return nil, &DialError{Result: DialFailed, Err: fmt.Errorf("INVITE: %w", err)}
	}

	// Ringing ends on the ring timer, the caller's ctx or shutdown. The
	// first reason wins. Before any response CANCEL is not allowed (RFC
	// 3261 §9.1): the CANCEL waits for the first provisional response, so
	// that a phone whose 180 was still on its way does not ring on alone;
	// when none comes within cancelWait the transaction is dropped (the far
	// end never saw our INVITE, or is gone).
	timeout := req.Timeout
	if timeout <= 0 {
		timeout = DefaultRingTimeout
	}
	ring, endRing := context.WithCancelCause(context.Background())
	defer endRing(nil)
	var (
		why       atomic.Pointer[DialError]
		mu        sync.Mutex // orders a stop against the first response
		responded bool
		drop      *time.Timer
	)
	stopRing := func(e *DialError) {
		why.CompareAndSwap(nil, e)
		mu.Lock()
		defer mu.Unlock()
		if responded {
			endRing(e) // sipgo sends CANCEL
			return
		}
		if drop == nil {
			drop = time.AfterFunc(cancelWait, func() { endRing(sipgo.WaitAnswerForceCancelErr) })
		}
	}
	defer func() {
		mu.Lock()
		if drop != nil {
			drop.Stop()
		}
		mu.Unlock()
	}()
	timer := time.AfterFunc(timeout, func() {
		stopRing(&DialError{Result: DialNoAnswer, Err: fmt.Errorf("no answer in %s", timeout)})
	})
	defer timer.Stop()
	stopCtx := context.AfterFunc(ctx, func() {
		stopRing(&DialError{Result: DialCanceled, Err: context.Cause(ctx)})
	})
	defer stopCtx()
	stopSrv := context.AfterFunc(s.ctx, func() { stopRing(&DialError{Result: DialCanceled, Err: ErrShutdown}) })
	defer stopSrv()

	user, pass := dialCredentials(req, tgt)
	err = dlg.WaitAnswer(ring, sipgo.AnswerOptions{
		OnResponse: func(res *gosip.Response) error {
			mu.Lock()
			first := !responded
			responded = true
			if w := why.Load(); first && w != nil {
				// We stopped before the far end answered anything: now
				// that it has, CANCEL may go.
				if drop != nil {
					drop.Stop()
				}
				endRing(w)
			}
			mu.Unlock()
			s.progress(log, req, res, func(m Media) (Media, error) { return sdp.KeyAnswer(m, secure, plainOK) })
			return nil // an error here would leave the INVITE without CANCEL
		},
		Username: user, Password: pass,
	})
	res := dlg.InviteResponse
	if w := why.Load(); w != nil {
		// Ringing was ended by us. A 200 that crossed our CANCEL makes a
		// dialog all the same: confirm and end it.
		if res != nil && res.IsSuccess() {
			log.Info("sip dial: 200 crossed our CANCEL; ACK and BYE")
			s.ackBye(dlg)
		}
		dlg.Close()
		log.Info("sip dial ended by us", "result", w.Result, "error", w.Err)
		return nil, w
	}
	if err != nil {
		dlg.Close()
		var dr *sipgo.ErrDialogResponse
		if errors.As(err, &dr) {
			e := &DialError{Result: resultOf(dr.Res.StatusCode), Status: dr.Res.StatusCode, Reason: SanitizeText(dr.Res.Reason, 64)}
			log.Info("sip dial refused", "status", e.Status, "reason", e.Reason)
			return nil, e
		}
		log.Warn("sip dial failed", "error", err)
		return nil, &DialError{Result: DialFailed, Err: err}
	}

	// 200 OK: the answer must name media we can take, else ACK and BYE.
	m, err := ReadAnswer(res.Body(), req.Codecs)
	if err == nil {
		m, err = sdp.KeyAnswer(m, secure, plainOK)
	}
	if err != nil {
		log.Warn("sip dial: answered without usable SDP", "error", err)
		s.ackBye(dlg)
		dlg.Close()
		return nil, &DialError{Result: DialFailed, Status: 488, Reason: "Not Acceptable Here", Err: err}
	}
	c := s.newOutCall(dlg, req, tgt, from, m, sdp)
	if err := dlg.Ack(ctx); err != nil {
		s.forget(c)
		c.cancel(fmt.Errorf("%w: ACK: %w", ErrAnswerFailed, err))
		c.stop()
		dlg.Close()
		return nil, &DialError{Result: DialFailed, Status: res.StatusCode, Err: fmt.Errorf("ACK: %w", err)}
	}
	log.Info("sip dial answered", "codec", m.Codec.Name, "remote", m.Remote)
	return c, nil
}

// progress hands a provisional response to the Early callback.
func (s *Server) progress(log *slog.Logger, req DialRequest, res *gosip.Response, key func(Media) (Media, error)) {
	if !res.IsProvisional() || res.StatusCode == 100 || req.Early == nil {
		return
	}
	p := Progress{Status: res.StatusCode, Reason: SanitizeText(res.Reason, 64)}
	if body := res.Body(); len(body) > 0 {
		m, err := ReadAnswer(body, req.Codecs)
		if err == nil {
			m, err = key(m)
		}
		if err == nil {
			p.Media = &m
		} else {
			log.Debug("sip dial: early SDP not usable", "status", res.StatusCode, "error", err)
		}
	}
	req.Early(p)
}

// ackBye confirms an answer we do not want and hangs it up at once.
func (s *Server) ackBye(dlg *sipgo.DialogClientSession) {
	ctx, cancel := context.WithTimeout(context.Background(), s.cfg.HangupTimeout)
	defer cancel()
	if id, err := gosip.DialogIDFromResponse(dlg.InviteResponse); err == nil {
		dlg.ID = id
	}
	if err := dlg.Ack(ctx); err != nil {
		s.log.Debug("sip dial: ACK of unwanted 200", "error", err)
		return
	}
	if err := dlg.Bye(ctx); err != nil {
		s.log.Debug("sip dial: BYE of unwanted 200", "error", err)
	}
}

// dialCredentials picks what answers a digest challenge: the trunk's
// credentials through a trunk, the request's own for a URI target.
func dialCredentials(req DialRequest, tgt dialTarget) (user, password string) {
	switch {
	case tgt.trunk != nil:
		return tgt.trunk.Username, tgt.trunk.Password
	case tgt.admission.Kind == "uri":
		// The user goes into the Authorization header's quoted username.
		return SanitizeDisplayName(req.AuthUser), req.AuthPassword
	}
	return "", ""
}

// newInvite builds the INVITE: our From (caller ID after the trunk's
// rules, with a tag), the target's To, a fresh Call-ID, CSeq 1, our
// Contact and the SDP offer.
func (s *Server) newInvite(req DialRequest, tgt dialTarget, offer []byte) (*gosip.Request, Party) {
	user := req.CallerID
	if tgt.trunk != nil {
		user = tgt.trunk.callerID(user)
	}
	if !validUser(user) {
		user = s.cfg.UserAgent
	}
	inv := gosip.NewRequest(gosip.INVITE, tgt.ruri)
	fromURI := gosip.Uri{Scheme: "sip", User: user, Host: tgt.fromHost}
	from := &gosip.FromHeader{DisplayName: SanitizeDisplayName(SanitizeText(req.CallerName, MaxDisplayName)), Address: fromURI, Params: gosip.NewParams()}
	from.Params.Add("tag", gosip.GenerateTagN(16))
	inv.AppendHeader(from)
	inv.AppendHeader(&gosip.ToHeader{Address: tgt.to, Params: gosip.NewParams()})
	cid := gosip.CallIDHeader(gosip.GenerateTagN(32) + "@" + s.host)
	inv.AppendHeader(&cid)
	inv.AppendHeader(&gosip.CSeqHeader{SeqNo: 1, MethodName: gosip.INVITE})
	mf := gosip.MaxForwardsHeader(70)
	inv.AppendHeader(&mf)
	ct := s.contactFor(s.cfg.UserAgent, tgt.transport)
	inv.AppendHeader(&ct)
	inv.AppendHeader(gosip.NewHeader("User-Agent", s.cfg.UserAgent))
	inv.AppendHeader(s.allowHeader())
	ctype := gosip.ContentTypeHeader("application/sdp")
	inv.AppendHeader(&ctype)
	inv.SetBody(offer)
	inv.SetTransport(strings.ToUpper(tgt.transport))
	return inv, party(from.DisplayName, fromURI)
}

// newOutCall makes the answered leg a Call and files it where in-dialog
// requests (BYE, INFO, re-INVITE) find it.
func (s *Server) newOutCall(dlg *sipgo.DialogClientSession, req DialRequest, tgt dialTarget, from Party, m Media, sdp *SDPSession) *Call {
	res := dlg.InviteResponse
	callID := dlg.InviteRequest.CallID().Value()
	to := party("", tgt.to)
	if h := res.To(); h != nil {
		to = party(h.DisplayName, h.Address)
	}
	c := &Call{
		ID: CallSID(callID), CallID: callID, From: from, To: to, RequestUser: SanitizeText(tgt.ruri.User, MaxUser),
		Source: sourceAddr2(res.Source()), Admission: tgt.admission, Direction: DirectionOutbound,
		Remote: m.Remote, Codec: m.Codec, TelephoneEvent: m.TelephoneEvent, PTime: m.PTime,
		srv: s, out: dlg, sdp: sdp,
		dtmf: make(chan byte, 32), upd: make(chan MediaUpdate, 1), acks: make(chan uint32, 4), refer: make(chan *Transfer),
		ringing: true, answering: true, answered: true, final: true, local: req.LocalMedia, media: m,
	}
	c.ctx, c.cancel = context.WithCancelCause(dlg.Context())
	c.stop = context.AfterFunc(s.ctx, func() { c.cancel(ErrShutdown) })
	s.outMu.Lock()
	if s.outCalls == nil {
		s.outCalls = map[string]*Call{}
	}
	s.outCalls[dlg.ID] = c
	s.outMu.Unlock()
	// Forget the call when it ends, whoever ends it.
	context.AfterFunc(c.ctx, func() { s.forget(c) })
	return c
}

func (s *Server) forget(c *Call) {
	s.outMu.Lock()
	if s.outCalls[c.out.ID] == c {
		delete(s.outCalls, c.out.ID)
	}
	s.outMu.Unlock()
}

// lookupOut finds the outbound leg an in-dialog request belongs to (the
// far end is the sender, so the dialog id is read the UAC way).
func (s *Server) lookupOut(req *gosip.Request) *Call {
	id, err := gosip.DialogIDFromRequestUAC(req)
	if err != nil {
		return nil
	}
	s.outMu.Lock()
	defer s.outMu.Unlock()
	return s.outCalls[id]
}

// OutboundCalls is the number of answered outbound legs not yet ended.
func (s *Server) OutboundCalls() int {
	s.outMu.Lock()
	defer s.outMu.Unlock()
	return len(s.outCalls)
}

func sourceAddr2(src string) netip.AddrPort {
	ap, err := netip.ParseAddrPort(src)
	if err != nil {
		return netip.AddrPort{}
	}
	return netip.AddrPortFrom(ap.Addr().Unmap(), ap.Port())
}
