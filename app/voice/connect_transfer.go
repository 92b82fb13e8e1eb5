package voice

// A blind transfer during connect-call-to: the dialled phone (the B leg)
// sends REFER; the caller hears ringback while the new target rings; on
// answer the caller is bridged to it and the old leg is hung up; on
// failure the caller goes back to the old leg when it is still there. The
// transferring phone hears how it went in NOTIFYs (sip.Transfer.Notify).

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"github.com/switchboard/switchboard/engine"
	"github.com/switchboard/switchboard/media"
	"github.com/switchboard/switchboard/sip"
)

// transferNotifyWait bounds one progress NOTIFY; the phone may be gone.
const transferNotifyWait = 6 * time.Second

// transferGrace: a phone that hangs up this soon after its transfer
// failed counts as gone with the transfer (bridge).
const transferGrace = 2 * time.Second

// relay bridges the caller and cur until either ends, ctx ends, or cur's
// phone asks for a transfer, which it returns (the bridge then stopped).
// cur's hold and re-INVITEs move its media meanwhile.
func (k *Connector) relay(ctx context.Context, cur *leg, opts media.BridgeOptions) (*media.BridgeStats, *sip.Transfer, error) {
	sctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var tr *sip.Transfer
	done := make(chan struct{})
	b := cur.call
	go func() {
		defer close(done)
		for {
			select {
			case <-sctx.Done():
				return
			case <-b.Context().Done():
				cancel()
				return
			case t := <-b.Transfers():
				tr = t
				cancel()
				return
			case u := <-b.Updates():
				cur.sess.Hold(u.Hold)
				_ = keyMedia(cur.sess, u.Media.SRTP) // a re-INVITE may re-key (same keys: no change)
				if !u.Hold && u.Remote.IsValid() {
					_ = cur.sess.Start(u.Remote, u.Media.Codec.PayloadType, int(u.Media.Codec.ClockRate), u.Media.TelephoneEvent)
				}
			}
		}
	}()
	st, err := media.Bridge(sctx, k.Sess, cur.sess, opts)
	cancel()
	<-done
	if tr != nil && ctx.Err() != nil {
		// The caller left (or time ran out) as the REFER came.
		notifyTransfer(k.Log, tr, 487, "Request Terminated")
		tr = nil
	}
	return st, tr, err
}

// transfer dials tr's target with the widget's ring time and caller ID
// while the caller hears ringback. It returns the answered leg with its
// media started, or nil and the dial status of the failure; either way the
// transferring phone has had its final NOTIFY.
func (k *Connector) transfer(ctx context.Context, e *Executor, log *slog.Logger, d engine.Dial, tr *sip.Transfer) (*leg, string) {
	log = log.With("transfer_to", tr.Target, "referred_by", tr.ReferredBy)
	reqs, err := k.targets(ctx, engine.Dial{Noun: "number", To: []string{tr.Target}})
	if err != nil {
		log.Info("connect-call-to: transfer target cannot be dialled", "err", err)
		notifyTransfer(log, tr, 404, "Not Found")
		return nil, dialFailed
	}
	timeout := time.Duration(d.Timeout) * time.Second
	if timeout <= 0 {
		timeout = sip.DefaultRingTimeout
	}
	callerID, callerName := k.callerID(d.CallerID)
	nl, err := k.openLeg(reqs[0], callerID, callerName, timeout)
	if err != nil {
		log.Error("connect-call-to: no media port for the transfer", "err", err)
		notifyTransfer(log, tr, 503, "Service Unavailable")
		return nil, dialFailed
	}
	log.Info("connect-call-to: transferring")
	rb := k.startRingback(ctx, e)
	call, err := k.SIP.Dial(ctx, nl.req)
	rb()
	if err != nil {
		nl.sess.Close()
		status := failure([]error{err})
		code, reason := transferFailure(err)
		log.Info("connect-call-to: transfer target did not answer", "status", status, "err", err)
		notifyTransfer(log, tr, code, reason)
		return nil, status
	}
	nl.call = call
	err = keyMedia(nl.sess, call.SRTP())
	if err == nil {
		err = nl.sess.Start(call.Remote, call.Codec.PayloadType, int(call.Codec.ClockRate), call.TelephoneEvent)
	}
	if err != nil {
		log.Error("connect-call-to: the transfer target's media did not start", "err", err)
		k.hangupLeg(log, call)
		nl.sess.Close()
		notifyTransfer(log, tr, 500, "Server Internal Error")
		return nil, dialFailed
	}
	notifyTransfer(log, tr, 200, "OK")
	return nl, ""
}

// transferFailure is the sipfrag status for a dial that failed: the far
// end's own final status when there was one, else one that says why.
func transferFailure(err error) (int, string) {
	var de *sip.DialError
	if errors.As(err, &de) && de.Status >= 300 {
		return de.Status, de.Reason
	}
	switch {
	case errors.Is(err, sip.ErrBusy):
		return 486, "Busy Here"
	case errors.Is(err, sip.ErrNoAnswer):
		return 408, "Request Timeout"
	case errors.Is(err, sip.ErrCanceled):
		return 487, "Request Terminated"
	}
	return 503, "Service Unavailable"
}

// notifyTransfer sends a final NOTIFY; a phone that already hung up does
// not get it, which is only logged.
func notifyTransfer(log *slog.Logger, tr *sip.Transfer, status int, reason string) {
	ctx, cancel := context.WithTimeout(context.Background(), transferNotifyWait)
	defer cancel()
	if err := tr.Notify(ctx, status, reason); err != nil {
		log.Debug("connect-call-to: transfer NOTIFY not delivered", "status", status, "err", err)
	}
}
