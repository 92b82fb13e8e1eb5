package voice

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
	"github.com/switchboard/switchboard/sip"
)

// Dialer places the outbound calls flows ask for (make-outgoing-call-v1/v2)
// and runs the rest of the flow on each answered call, as Service.Handle
// does for an inbound one.
//
// A call is a stored row (store.OutboundCall) queued in the transaction of
// the sprint that asked for it. The dialer claims a row (dialing, with a
// lease), places the call once, records the result and then tells the
// execution, which waits for an InputCall: busy, no-answer and failed
// follow the widget's paths; an answered call is first asked who answered
// (machine detection, when the widget wants it), hears the widget's
// send_digits, and then carries the flow's next widgets.
type Dialer struct {
	Service *Service
	SIP     *sip.Server
	// Poll is how often queued rows are looked for without a wake-up
	// (default 2 s); Wake is the fast path.
	Poll time.Duration

	kick chan struct{}
	once sync.Once
	wg   sync.WaitGroup
}

// Statuses of the InputCall the execution is resumed with: Twilio's
// CallStatus words, which the widgets map to their events.
const (
	callAnswered = "in-progress"
)

// errAbandoned is what a row left dialing at start-up is failed with.
const errAbandoned = "the appliance stopped while this call was being placed; it is not placed again"

func (d *Dialer) init() {
	d.once.Do(func() { d.kick = make(chan struct{}, 1) })
}

// Wake makes the dialer look for queued calls now (runner.OnCalls).
func (d *Dialer) Wake() {
	d.init()
	select {
	case d.kick <- struct{}{}:
	default:
	}
}

// Run places queued calls until ctx ends, then waits for the calls it
// placed to end. First it settles what a previous process left: every row
// still dialing becomes failed — that process may have rung the person, or
// the person may even have answered; a second call to a person is worse
// than a missed one, so such a call is never placed again — and every
// result the execution was not yet told is told.
func (d *Dialer) Run(ctx context.Context) error {
	d.init()
	log := d.Service.Log
	abandoned, err := d.Service.Store.FailAbandonedCalls(ctx, errAbandoned)
	if err != nil {
		return fmt.Errorf("dialer: %w", err)
	}
	for _, c := range abandoned {
		log.Warn("outbound call left dialing by a stopped process: failed, not placed again",
			"call_sid", c.SID, "execution_sid", c.ExecutionSID, "to", c.To)
	}
	untold, err := d.Service.Store.UntoldCalls(ctx, 1000)
	if err != nil {
		return fmt.Errorf("dialer: %w", err)
	}
	for _, c := range untold {
		status := c.Status
		if status == store.CallInProgress {
			status = store.CallFailed // answered, but the call died with its process
		}
		d.tell(ctx, log, c, status, nil)
	}
	poll := d.Poll
	if poll <= 0 {
		poll = 2 * time.Second
	}
	tick := time.NewTicker(poll)
	defer tick.Stop()
	defer d.wg.Wait()
	for {
		d.claimAll(ctx)
		select {
		case <-ctx.Done():
			return nil
		case <-d.kick:
		case <-tick.C:
		}
	}
}

// claimAll starts every queued call.
func (d *Dialer) claimAll(ctx context.Context) {
	for ctx.Err() == nil {
		now := time.Now()
		// The lease covers ringing and machine detection with room to
		// spare; the row is finished well before it runs out.
		c, err := d.Service.Store.ClaimOutboundCall(ctx, now, 15*time.Minute)
		if errors.Is(err, store.ErrNotFound) {
			return
		}
		if err != nil {
			d.Service.Log.Error("dialer: claiming a queued call", "err", err)
			return
		}
		d.wg.Add(1)
		go func() {
			defer d.wg.Done()
			d.place(ctx, *c)
		}()
	}
}

// place dials one claimed call and carries it to its end.
func (d *Dialer) place(ctx context.Context, c store.OutboundCall) {
	log := d.Service.Log.With("call_sid", c.SID, "execution_sid", c.ExecutionSID, "flow_sid", c.FlowSID)
	bg := context.WithoutCancel(ctx)
	fail := func(status string, err error) {
		log.Info("outbound call not answered", "status", status, "err", err)
		if ferr := d.Service.Store.FinishOutboundCall(bg, c.SID, status, "", "", errText(err)); ferr != nil {
			log.Error("dialer: recording the call's result", "err", ferr)
			return
		}
		d.tell(bg, log, c, status, nil)
	}
	auth, _ := d.Service.Runner.TakeCallAuth(c.SID)
	req, err := d.target(bg, c.From, c.To)
	if err != nil {
		fail(store.CallFailed, err)
		return
	}
	sess, err := d.Service.Ports.Open()
	if err != nil {
		fail(store.CallFailed, fmt.Errorf("no media port: %w", err))
		return
	}
	defer sess.Close()
	req.LocalMedia = sess.LocalAddr()
	req.CallerID = c.From
	// sip_auth_username/sip_auth_password answer a sip: URI's challenge
	// (sip.Dial ignores them for trunks and desk phones).
	req.AuthUser, req.AuthPassword = auth.User, auth.Password
	req.Timeout = time.Duration(c.Timeout) * time.Second
	call, err := d.SIP.Dial(ctx, req)
	if err != nil {
		var de *sip.DialError
		status := store.CallFailed
		if errors.As(err, &de) {
			status = dialStatus(de.Result)
		}
		fail(status, err)
		return
	}
	defer func() {
		hctx, cancel := context.WithTimeout(bg, 5*time.Second)
		defer cancel()
		if err := call.Hangup(hctx); err != nil {
			log.Debug("hanging up the outbound call", "err", err)
		}
	}()
	log = log.With("call_id", call.ID)
	params := d.callParams(c, call)
	if err := startLeg(sess, call); err != nil {
		fail(store.CallFailed, fmt.Errorf("media did not start: %w", err))
		return
	}
	d.Service.onCall(call.Context(), log, call, sess, c.FlowSID, params, c.SID, func(callCtx context.Context, exec *Executor) {
		d.answered(callCtx, log, c, call.CallID, exec)
	})
}

// answered runs on the live call: record it when asked, send the digits,
// find out who answered, tell the execution and run the rest of the flow.
func (d *Dialer) answered(ctx context.Context, log *slog.Logger, c store.OutboundCall, sipCallID string, exec *Executor) {
	bg := context.WithoutCancel(ctx)
	if c.Record {
		exec.recordCall(&engine.RecordCall{Start: true, Channels: "dual"})
	}
	if c.SendDigits != "" {
		if err := exec.Media.SendDigits(ctx, c.SendDigits); err != nil && ctx.Err() == nil {
			log.Warn("send_digits failed", "err", err)
		}
	}
	extra := map[string]any{}
	if c.MachineDetection != "" {
		by, took := detectMachine(ctx, exec.Media, c.MachineDetection == "DetectMessageEnd", time.Duration(c.MachineDetectionTimeout)*time.Second)
		log.Info("answered by", "answered_by", by, "ms", took.Milliseconds())
		extra["AnsweredBy"] = by
		extra["MachineDetectionDuration"] = strconv.FormatInt(took.Milliseconds(), 10)
	}
	// Answered, even when the far end hung up meanwhile: the flow's
	// answered path then sees the hang-up, as in Studio.
	status := store.CallInProgress
	by, _ := extra["AnsweredBy"].(string)
	if err := d.Service.Store.FinishOutboundCall(bg, c.SID, status, by, sipCallID, ""); err != nil {
		log.Error("dialer: recording the answer", "err", err)
		return
	}
	// Driven by this call from the resume that tells the answer on: the
	// sprint it runs may reach make-outgoing-call at once, and the runner
	// must queue no second call for the contact on this one.
	done := d.Service.Runner.DrivenByCall(c.ExecutionSID)
	defer done()
	x, sp := d.tell(bg, log, c, status, extra)
	if x == nil {
		return
	}
	log.Info("outbound call answered; the flow goes on on it")
	if err := d.Service.run(ctx, log, holdSprint(x, sp), exec); err != nil {
		log.Error("call flow failed", "err", err)
	}
}

// tell resumes the call's execution with its result. It returns the
// execution and sprint when the execution took it.
func (d *Dialer) tell(ctx context.Context, log *slog.Logger, c store.OutboundCall, status string, extra map[string]any) (*engine.Execution, *engine.Sprint) {
	p := map[string]any{"CallSid": c.SID, "CallStatus": status, "AccountSid": d.Service.AccountSID, "From": c.From, "To": c.To,
		"Direction": "outbound-api", "ApiVersion": "2010-04-01"}
	for k, v := range extra {
		p[k] = v
	}
	x, sp, err := d.Service.Runner.ResumeWaiting(ctx, c.ExecutionSID, engine.Input{Type: engine.InputCall, Params: p})
	switch {
	case errors.Is(err, engine.ErrEnded), errors.Is(err, engine.ErrNotWaiting), errors.Is(err, store.ErrNotFound):
		log.Info("the execution no longer waits for this call", "status", status, "err", err)
		x, sp = nil, nil
	case err != nil:
		// Left untold: the next start tells it.
		log.Error("dialer: telling the execution", "status", status, "err", err)
		return nil, nil
	}
	if err := d.Service.Store.MarkOutboundCallResumed(ctx, c.SID); err != nil {
		log.Error("dialer: marking the call told", "err", err)
	}
	return x, sp
}

// target turns the widget's to into a leg: a sip: URI as it is; a desk
// phone registered with us by its user; a number through the trunk that
// owns from (a trunk's Numbers), else the first usable trunk (registered,
// or an IP trunk, which needs no registration).
func (d *Dialer) target(ctx context.Context, from, to string) (sip.DialRequest, error) {
	to = strings.TrimSpace(to)
	if strings.HasPrefix(strings.ToLower(to), "sip:") {
		return sip.DialRequest{URI: to}, nil
	}
	for _, r := range d.SIP.Registrations() {
		if r.User == to {
			return sip.DialRequest{User: to}, nil
		}
	}
	if !isNumber(to) {
		return sip.DialRequest{}, fmt.Errorf("%q is neither a number, a desk phone registered with us nor a sip: URI", to)
	}
	trunks, err := d.Service.Store.Trunks(ctx)
	if err != nil {
		return sip.DialRequest{}, err
	}
	for _, t := range trunks {
		for _, n := range t.Numbers {
			if n == from {
				return sip.DialRequest{Trunk: t.SID, Number: to}, nil
			}
		}
	}
	registered := map[string]bool{}
	for _, s := range d.SIP.Trunks() {
		registered[s.Key] = s.State == sip.TrunkRegistered
	}
	for _, t := range trunks {
		if registered[t.SID] || t.Username == "" {
			return sip.DialRequest{Trunk: t.SID, Number: to}, nil
		}
	}
	return sip.DialRequest{}, fmt.Errorf("no trunk to call %s: none owns %s and none is registered", to, from)
}

// callParams are what the flow's next widgets see of the answered call
// (its trigger has none: it was a REST request).
func (d *Dialer) callParams(c store.OutboundCall, call *sip.Call) map[string]any {
	return map[string]any{"CallSid": c.SID, "AccountSid": d.Service.AccountSID, "From": c.From, "To": c.To,
		"Caller": c.From, "Called": c.To, "CallStatus": callAnswered, "Direction": "outbound-api", "ApiVersion": "2010-04-01",
		"SipCallId": call.CallID}
}

// dialStatus is the CallStatus of a dial that was not answered.
func dialStatus(result string) string {
	switch result {
	case sip.DialBusy:
		return store.CallBusy
	case sip.DialNoAnswer:
		return store.CallNoAnswer
	case sip.DialCanceled:
		return store.CallCanceled
	}
	return store.CallFailed
}

func errText(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

// detectMachine listens to the answered call on a 20 ms wall-clock grid
// (silence where no audio came) until amd decides.
func detectMachine(ctx context.Context, m Media, detectEnd bool, timeout time.Duration) (string, time.Duration) {
	a := newAMD(detectEnd, timeout)
	blocks := make(chan []int16, 64)
	stop := m.Listen(func(pcm []int16) {
		select {
		case blocks <- append([]int16(nil), pcm...):
		default:
		}
	})
	defer stop()
	tick := time.NewTicker(amdFrame)
	defer tick.Stop()
	quiet := make([]int16, amdFrameSamples)
	for {
		select {
		case <-ctx.Done():
			return AnsweredUnknown, a.t
		case <-tick.C:
			fed := false
		drain:
			for {
				select {
				case b := <-blocks:
					fed = true
					if r, ok := a.Feed(b); ok {
						return r, a.Duration()
					}
				default:
					break drain
				}
			}
			if !fed {
				if r, ok := a.Feed(quiet); ok {
					return r, a.Duration()
				}
			}
		}
	}
}
