package voice

// connect-call-to on a SIP call: a back-to-back user agent. The caller's
// leg stays ours; each target gets an outbound leg (sip.Server.Dial) with a
// media session of its own; the first to answer is bridged to the caller
// (media.Bridge) and the others are cancelled, as Twilio's simultaneous
// dial does. While they ring the caller hears ringback, or the far end's
// early media when a single target offers it.

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/switchboard/switchboard/app/store"
	"github.com/switchboard/switchboard/engine"
	"github.com/switchboard/switchboard/media"
	"github.com/switchboard/switchboard/media/g711"
	"github.com/switchboard/switchboard/media/prompt"
	"github.com/switchboard/switchboard/sip"
)

// Connector places connect-call-to's outbound legs for one inbound call and
// bridges the one that answers to it.
type Connector struct {
	SIP   *sip.Server
	Ports *media.PortPool
	// Store gives the trunks' numbers, to send a number out through the
	// trunk that owns the flow's channel address; nil: the first trunk.
	Store  *store.Store
	Caller *sip.Call      // the inbound leg
	Sess   *media.Session // its media
	Law    g711.Law
	// MediaTimeout ends a bridge when a leg sends no RTP for this long
	// (0: no limit beyond the legs' signalling).
	MediaTimeout time.Duration
	Log          *slog.Logger
}

// maxBridge is Twilio's cap on a call's length, used when the widget gives
// no time_limit.
const maxBridge = 4 * time.Hour

// Dial statuses as Twilio's <Dial> action reports them (DialCallStatus).
const (
	dialCompleted = "completed"
	dialBusy      = "busy"
	dialNoAnswer  = "no-answer"
	dialFailed    = "failed"
	dialCanceled  = "canceled"
)

// ringback is 425 Hz, 1 s on and 4 s off (the CEPT cadence), played to the
// caller while the targets ring.
func ringback(law g711.Law) [][]byte {
	return prompt.Concat(prompt.Tone(425, 1000, -13), prompt.Silence(4000)).Frames(law)
}

// leg is one target being rung.
type leg struct {
	req  sip.DialRequest
	sess *media.Session
	call *sip.Call
	err  error
}

// Dial carries out a Dial command and answers the widget's wait:
// InputDial with Twilio's Dial callback parameters when the dialled side
// ends (or never answered), InputHangup when the caller hung up.
func (k *Connector) Dial(ctx context.Context, e *Executor, d engine.Dial) *engine.Input {
	log := k.Log.With("widget", d.Widget)
	reqs, err := k.targets(ctx, d)
	if err != nil {
		log.Warn("connect-call-to: no target can be dialled", "err", err)
		return dialResult(dialFailed, nil, 0, nil)
	}
	timeout := time.Duration(d.Timeout) * time.Second
	if timeout <= 0 {
		timeout = sip.DefaultRingTimeout
	}
	callerID, callerName := k.callerID(d.CallerID)

	// Ringing: every leg dials at once; the first answer wins.
	ringCtx, stopRinging := context.WithCancel(ctx)
	defer stopRinging()
	early := make(chan *sip.Progress, 4)
	answered := make(chan *leg, len(reqs))
	var wg sync.WaitGroup
	legs := make([]*leg, 0, len(reqs))
	for _, r := range reqs {
		if len(reqs) == 1 {
			r.Early = func(p sip.Progress) {
				if p.Media != nil {
					select {
					case early <- &p:
					default:
					}
				}
			}
		}
		l, err := k.openLeg(r, callerID, callerName, timeout)
		if err != nil {
			log.Error("connect-call-to: no media port for an outbound leg", "err", err)
			continue
		}
		legs = append(legs, l)
		wg.Add(1)
		go func() {
			defer wg.Done()
			l.call, l.err = k.SIP.Dial(ringCtx, l.req)
			answered <- l
		}()
	}
	defer func() {
		stopRinging()
		wg.Wait()
		for _, l := range legs {
			l.sess.Close()
		}
	}()
	if len(legs) == 0 {
		return dialResult(dialFailed, nil, 0, nil)
	}

	rb := k.startRingback(ringCtx, e)
	var earlyBridge func() // stops a bridge of early media
	defer func() {
		if earlyBridge != nil {
			earlyBridge()
		}
		rb()
	}()

	var winner *leg
	var errs []error
	for pending := len(legs); pending > 0 && winner == nil; {
		select {
		case p := <-early:
			if earlyBridge == nil {
				earlyBridge = k.bridgeEarly(ctx, log, legs[0].sess, p, rb)
			}
		case l := <-answered:
			pending--
			if l.err != nil {
				errs = append(errs, l.err)
				continue
			}
			winner = l
		}
	}
	stopRinging() // CANCEL the others
	if earlyBridge != nil {
		earlyBridge()
		earlyBridge = nil
	}
	rb()
	if winner == nil {
		if ctx.Err() != nil {
			return &engine.Input{Type: engine.InputHangup, Params: map[string]any{"DialCallStatus": dialCanceled}}
		}
		status := failure(errs)
		log.Info("connect-call-to: nobody answered", "status", status, "err", errors.Join(errs...))
		return dialResult(status, nil, 0, nil)
	}
	// Another leg that answered at the same moment: hang it up as soon as
	// its dial returns, while the winner talks.
	losers := make(chan struct{})
	go func() {
		defer close(losers)
		wg.Wait()
		for _, l := range legs {
			if l != winner && l.call != nil {
				k.hangupLeg(log, l.call)
			}
		}
	}()
	defer func() { <-losers }()
	return k.bridge(ctx, e, log, d, winner)
}

// callerID is the caller ID an outbound leg shows: the widget's when it is
// a number or client:name, else the caller's own; and the caller's name.
func (k *Connector) callerID(want string) (id, name string) {
	id, name = want, cleanParty(k.Caller.From).Display
	if id == "" || !isNumber(id) && !strings.HasPrefix(id, "client:") {
		id = cleanParty(k.Caller.From).User
	}
	return strings.TrimPrefix(id, "client:"), name
}

// openLeg gives an outbound leg its media port, caller ID, ring timeout
// and codecs (the caller's first); the caller closes l.sess. Shared by
// connect-call-to and enqueue-call's agents.
func (k *Connector) openLeg(r sip.DialRequest, callerID, callerName string, timeout time.Duration) (*leg, error) {
	sess, err := k.Ports.Open()
	if err != nil {
		return nil, err
	}
	r.CallerID, r.CallerName, r.Timeout, r.LocalMedia = callerID, callerName, timeout, sess.LocalAddr()
	r.Codecs = k.codecs()
	return &leg{req: r, sess: sess}, nil
}

// bridge relays the caller and the answered leg until one of them hangs up
// (or time_limit passes), recording both sides when the widget asks. When
// the dialled phone transfers the call (REFER), the caller is put through
// to the new target and the bridge goes on with that leg
// (connect_transfer.go); the result then names the last leg.
func (k *Connector) bridge(ctx context.Context, e *Executor, log *slog.Logger, d engine.Dial, l *leg) *engine.Input {
	b := l.call
	log = log.With("dial_call_sid", b.ID)
	cur := l
	var transferLegs []*leg
	defer func() {
		k.hangupLeg(log, cur.call)
		for _, t := range transferLegs {
			t.sess.Close()
		}
	}()
	if err := startLeg(l.sess, b); err != nil {
		log.Error("connect-call-to: the answered leg's media did not start", "err", err)
		return dialResult(dialFailed, b, 0, nil)
	}
	limit := time.Duration(d.TimeLimit) * time.Second
	if limit <= 0 {
		limit = maxBridge
	}
	bctx, stop := context.WithTimeout(ctx, limit)
	defer stop()

	opts := media.BridgeOptions{MediaTimeout: k.MediaTimeout}
	var rec Recording
	var tap *media.StereoTap
	if d.Record && e.Recordings != nil {
		r, err := e.Recordings.Create(k.Caller.ID, 2)
		if err != nil {
			log.Error("connect-call-to: recording not started", "err", err)
		} else {
			rec, tap = r, media.NewStereoTap(r.WriteStereo)
			opts.Tap = tap.Tap
		}
	}
	log.Info("connect-call-to: bridged", "codec", b.Codec.Name)
	extra := map[string]any{}
	var (
		st     *media.BridgeStats
		err    error
		failed string // the transfer failed and the first leg is gone
	)
	var lastFail string    // the status of a failed transfer back on cur
	var failedAt time.Time // when it failed
	for {
		var tr *sip.Transfer
		st, tr, err = k.relay(bctx, cur, opts)
		if tr == nil {
			// A phone that hangs up just after its transfer failed gave up
			// on the caller (baresip does so after any final NOTIFY): the
			// widget hears the transfer's failure, not a completed call.
			if lastFail != "" && err == nil && ctx.Err() == nil && cur.call.Context().Err() != nil && time.Since(failedAt) < transferGrace {
				failed = lastFail
			}
			break
		}
		lastFail = ""
		extra["DialTransferredTo"] = tr.Target
		next, status := k.transfer(bctx, e, log, d, tr)
		if next != nil {
			transferLegs = append(transferLegs, next)
			k.hangupLeg(log, cur.call)
			cur = next
			log = log.With("dial_call_sid", cur.call.ID)
			log.Info("connect-call-to: transferred", "to", tr.Target)
			continue
		}
		if bctx.Err() == nil && cur.call.Context().Err() == nil {
			log.Info("connect-call-to: transfer failed; back to the first leg", "to", tr.Target, "status", status)
			lastFail, failedAt = status, time.Now()
			continue
		}
		if ctx.Err() == nil && bctx.Err() == nil {
			// The transferring phone is gone and nobody took its place.
			log.Info("connect-call-to: transfer failed and the first leg is gone", "to", tr.Target, "status", status)
			failed = status
		}
		st, err = &media.BridgeStats{End: media.EndContext}, nil
		break
	}
	var recParams map[string]any
	if rec != nil {
		terr := tap.Close()
		cerr := rec.Close(err == nil)
		if err == nil && terr == nil && cerr == nil {
			recParams = map[string]any{"RecordingUrl": rec.URL(), "RecordingSid": rec.SID()}
		} else {
			log.Error("connect-call-to: recording failed", "err", errors.Join(terr, cerr))
		}
	}
	for k, v := range recParams {
		extra[k] = v
	}
	if err != nil {
		log.Error("connect-call-to: bridge failed", "err", err)
		return dialResult(dialFailed, cur.call, 0, extra)
	}
	if failed != "" {
		return dialResult(failed, cur.call, 0, extra)
	}
	log.Info("connect-call-to: bridge ended", "end", st.End, "duration", st.Duration)
	if ctx.Err() != nil {
		// The caller hung up: the widget's hangup path, the far end gets
		// BYE (deferred).
		in := dialResult(dialCompleted, cur.call, st.Duration, extra)
		in.Type = engine.InputHangup
		return in
	}
	return dialResult(dialCompleted, cur.call, st.Duration, extra)
}

// dialResult is the Dial action callback's parameters.
func dialResult(status string, b *sip.Call, d time.Duration, extra map[string]any) *engine.Input {
	p := map[string]any{"DialCallStatus": status, "DialCallDuration": strconv.Itoa(int((d + time.Second/2) / time.Second))}
	if b != nil {
		p["DialCallSid"] = b.ID
		p["DialBridged"] = "true"
	}
	for k, v := range extra {
		p[k] = v
	}
	return &engine.Input{Type: engine.InputDial, Params: p}
}

// failure is the status of a dial nobody answered: busy when a target was
// busy, else no-answer when one rang out, else failed.
func failure(errs []error) string {
	status := dialFailed
	for _, err := range errs {
		switch {
		case errors.Is(err, sip.ErrBusy):
			return dialBusy
		case errors.Is(err, sip.ErrNoAnswer):
			status = dialNoAnswer
		}
	}
	return status
}

// hangupLeg sends BYE on an answered leg unless it already ended.
func (k *Connector) hangupLeg(log *slog.Logger, c *sip.Call) {
	if c.Context().Err() != nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := c.Hangup(ctx); err != nil {
		log.Warn("connect-call-to: BYE to the dialled leg failed", "err", err)
	}
}

// codecs offers the caller's codec first, so that the bridge copies rather
// than transcodes when the far end can.
func (k *Connector) codecs() []sip.Codec {
	if k.Caller != nil && k.Caller.Codec == sip.CodecPCMA {
		return []sip.Codec{sip.CodecPCMA, sip.CodecPCMU}
	}
	return []sip.Codec{sip.CodecPCMU, sip.CodecPCMA}
}

// startRingback plays ringback to the caller until ctx ends or the
// returned stop is called; stop waits for the tone to stop and may be
// called more than once.
func (k *Connector) startRingback(ctx context.Context, e *Executor) (stop func()) {
	frames := ringback(k.Law)
	rctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		for rctx.Err() == nil {
			if err := e.Media.Play(rctx, frames); err != nil {
				return
			}
		}
	}()
	return func() { cancel(); <-done }
}

// bridgeEarly starts the ringing leg's session on the far end's early
// media (183 with SDP) and bridges the caller to it instead of ringback.
// The returned stop ends that bridge; nil when early media cannot be
// bridged (the caller keeps hearing ringback).
func (k *Connector) bridgeEarly(ctx context.Context, log *slog.Logger, sess *media.Session, p *sip.Progress, stopRingback func()) func() {
	m := p.Media
	err := keyMedia(sess, m.SRTP)
	if err == nil {
		err = sess.Start(m.Remote, m.Codec.PayloadType, int(m.Codec.ClockRate), m.TelephoneEvent)
	}
	if err != nil {
		log.Warn("connect-call-to: early media not started", "err", err)
		return nil
	}
	stopRingback()
	bctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		if _, err := media.Bridge(bctx, k.Sess, sess, media.BridgeOptions{}); err != nil {
			log.Warn("connect-call-to: early media not bridged", "err", err)
		}
	}()
	log.Info("connect-call-to: bridging early media", "status", p.Status)
	return func() { cancel(); <-done }
}

// targets turns the widget's to list into outbound legs: client:user and a
// user registered with us ring that desk phone, sip: URIs go as they are,
// numbers go out through the trunk that owns the flow's channel address,
// else the first registered trunk.
func (k *Connector) targets(ctx context.Context, d engine.Dial) ([]sip.DialRequest, error) {
	if d.Noun == "conference" {
		return nil, fmt.Errorf("conference %q: conferences are not available offline", strings.Join(d.To, ","))
	}
	users := map[string]bool{}
	for _, r := range k.SIP.Registrations() {
		users[r.User] = true
	}
	var out []sip.DialRequest
	var errs []error
	trunk := ""
	for _, to := range d.To {
		to = strings.TrimSpace(to)
		low := strings.ToLower(to)
		switch {
		case to == "":
			continue
		case strings.HasPrefix(low, "client:"):
			out = append(out, sip.DialRequest{User: to[len("client:"):]})
		case d.Noun == "client":
			out = append(out, sip.DialRequest{User: to})
		case strings.HasPrefix(low, "sip:"):
			// The widget's sip_username/sip_password answer the far end's
			// digest challenge.
			out = append(out, sip.DialRequest{URI: to, AuthUser: d.SIPUser, AuthPassword: d.SIPPass})
		case users[to]:
			out = append(out, sip.DialRequest{User: to})
		default:
			if trunk == "" {
				trunk = k.trunkFor(ctx)
			}
			if trunk == "" {
				errs = append(errs, fmt.Errorf("%s: no trunk to call numbers through", to))
				continue
			}
			out = append(out, sip.DialRequest{Trunk: trunk, Number: to})
		}
	}
	if len(out) == 0 {
		errs = append(errs, errors.New("nothing to dial"))
		return nil, errors.Join(errs...)
	}
	return out, nil
}

// trunkFor picks the trunk for outbound numbers: the one whose numbers
// include the flow's channel address (the number the caller dialled), else
// the first registered one, else the first one.
func (k *Connector) trunkFor(ctx context.Context) string {
	status := k.SIP.Trunks()
	if k.Store != nil && k.Caller != nil {
		channel := address(k.Caller.To)
		if rows, err := k.Store.Trunks(ctx); err == nil {
			for _, t := range rows {
				for _, n := range t.Numbers {
					if n == channel {
						return t.SID
					}
				}
			}
		}
	}
	for _, s := range status {
		if s.State == sip.TrunkRegistered {
			return s.Key
		}
	}
	if len(status) > 0 {
		return status[0].Key
	}
	return ""
}
