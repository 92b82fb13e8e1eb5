package voice

// enqueue-call on a SIP call: the caller joins a local queue (queue.go),
// hears hold music and, when the queue says so, its position, while the
// free agent idle longest is rung through an outbound leg of connect.go;
// the agent who answers is bridged to the caller until one of them hangs
// up. The widget hears Twilio's Enqueue callback: QueueResult, QueueSid,
// QueueTime.

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"time"

	"github.com/switchboard/switchboard/app/sid"
	"github.com/switchboard/switchboard/app/store"
	"github.com/switchboard/switchboard/engine"
	"github.com/switchboard/switchboard/media/g711"
	"github.com/switchboard/switchboard/media/prompt"
	"github.com/switchboard/switchboard/sip"
)

// QueueResult values of Twilio's Enqueue action callback.
const (
	queueBridged     = "bridged"
	queueFull        = "queue-full"
	queueSystemError = "system-error"
)

// Defaults of the queue's timing.
const (
	// agentRingTimeout is how long an agent rings before the next free
	// agent is tried.
	agentRingTimeout = 20 * time.Second
	// announceEvery is how often a caller hears its position.
	announceEvery = 30 * time.Second
	// queuePoll is how often a waiting caller looks for a free agent
	// without a change to wake it (a desk phone's registration expiring
	// is noticed no later than this).
	queuePoll = time.Second
)

// holdTone is the "tone" hold music: 523 Hz for 1.5 s, then half a second
// of silence, looped.
func holdTone(law g711.Law) [][]byte {
	return prompt.Concat(prompt.Tone(523, 1500, -16), prompt.Silence(500)).Frames(law)
}

// queue returns the named queue, creating it on first use as Twilio does
// (a flow exported from Studio names its queues and never creates them):
// the caller waits with hold music until a desk phone is given the queue
// under Settings → Call queues.
func (m *QueueManager) queue(ctx context.Context, log *slog.Logger, name string) (*store.Queue, error) {
	q, err := m.Store.QueueByName(ctx, name)
	if !errors.Is(err, store.ErrNotFound) {
		return q, err
	}
	q, err = m.Store.CreateQueue(ctx, store.Queue{SID: sid.New("QU"), FriendlyName: name})
	if errors.Is(err, store.ErrDuplicate) {
		return m.Store.QueueByName(ctx, name) // created meanwhile by another caller
	}
	if err != nil {
		return nil, err
	}
	log.Info("enqueue-call: queue created on first use; give it agents under Settings → Call queues", "queue_sid", q.SID)
	m.publish(q)
	return q, nil
}

// enqueue carries out an Enqueue command.
func (e *Executor) enqueue(ctx context.Context, sp *engine.Sprint, c engine.Enqueue) (*engine.Input, error) {
	qm, k := e.Queues, e.Connect
	if qm == nil || k == nil {
		return e.unsupported(sp, c)
	}
	log := e.Log.With("widget", c.Widget, "queue", c.Queue)
	q, err := qm.queue(ctx, log, c.Queue)
	if err != nil {
		log.Error("enqueue-call: reading the queue", "err", err)
		return queueResult(queueSystemError, "", 0), nil
	}
	w, err := qm.join(q, e.CallSID)
	if err != nil {
		log.Info("enqueue-call: the queue is full", "max_size", q.MaxSize)
		return queueResult(queueFull, q.SID, 0), nil
	}
	defer qm.leave(q, w)
	log = log.With("queue_sid", q.SID)
	log.Info("enqueue-call: caller waits", "position", qm.position(q, w))

	stopHold, ended := e.hold(ctx, log, qm, q, w, c)
	defer stopHold()
	for {
		wake := qm.wake() // taken before claim: a change after it is not missed
		if user := qm.claim(q, w); user != "" {
			l, answered := e.ringAgent(ctx, log, qm, q, w, user)
			if answered {
				stopHold()
				waited := time.Since(w.since)
				qm.answered(q, w, user)
				in := k.bridge(ctx, e, log.With("agent", user), engine.Dial{}, l)
				l.sess.Close()
				qm.release(q, user)
				out := queueResult(queueBridged, q.SID, waited)
				out.Params["DequeuingCallSid"] = in.Params["DialCallSid"]
				if in.Type == engine.InputHangup {
					out.Type = engine.InputHangup
				}
				return out, nil
			}
			if ctx.Err() == nil {
				continue // the next free agent at once
			}
		}
		select {
		case <-ctx.Done():
			log.Info("enqueue-call: the caller hung up while waiting", "waited", time.Since(w.since).Round(time.Second))
			in := queueResult("hangup", q.SID, time.Since(w.since))
			in.Type = engine.InputHangup
			return in, nil
		case end := <-ended:
			stopHold()
			waited := time.Since(w.since)
			if end == waitHangup {
				log.Info("enqueue-call: the wait_url's TwiML hung up", "waited", waited.Round(time.Second))
				return nil, ErrHangup
			}
			log.Info("enqueue-call: the wait_url's TwiML took the caller out of the queue (<Leave>)", "waited", waited.Round(time.Second))
			return queueResult("leave", q.SID, waited), nil
		case <-wake:
		case <-time.After(queuePoll):
		}
	}
}

// ringAgent rings one agent for the caller; answered reports a leg whose
// media session the caller bridges and closes. An agent who does not
// answer within agentRingTimeout (or is busy, or fails) is freed and
// marked tried for this caller.
func (e *Executor) ringAgent(ctx context.Context, log *slog.Logger, qm *QueueManager, q *store.Queue, w *member, user string) (*leg, bool) {
	k := e.Connect
	id, name := k.callerID("")
	l, err := k.openLeg(sip.DialRequest{User: user}, id, name, agentRingTimeout)
	if err != nil {
		log.Error("enqueue-call: no media port for the agent's leg", "agent", user, "err", err)
		qm.noAnswer(q, w, user)
		return nil, false
	}
	log.Info("enqueue-call: ringing agent", "agent", user)
	l.call, l.err = k.SIP.Dial(ctx, l.req)
	if l.err != nil {
		l.sess.Close()
		log.Info("enqueue-call: agent did not answer", "agent", user, "err", l.err)
		qm.noAnswer(q, w, user)
		return nil, false
	}
	if ctx.Err() != nil { // answered as the caller hung up
		k.hangupLeg(log, l.call)
		l.sess.Close()
		qm.noAnswer(q, w, user)
		return nil, false
	}
	return l, true
}

// hold plays the widget's wait_url TwiML to the caller (waiturl.go), or
// the queue's hold music, looped, with its position ("You are caller number
// 2") first and every announceEvery when the queue announces positions. A
// hold file that cannot be played falls back to the tone, a wait_url that
// fails to the hold music. ended says when the wait_url's TwiML ended the
// wait (<Leave>, <Hangup>). stop waits for the music to stop; it may be
// called more than once.
func (e *Executor) hold(ctx context.Context, log *slog.Logger, qm *QueueManager, q *store.Queue, w *member, c engine.Enqueue) (stop func(), ended <-chan waitEnd) {
	hctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	end := make(chan waitEnd, 1)
	go func() {
		defer close(done)
		if c.WaitURL != "" {
			how, err := e.waitTwiML(hctx, log, qm, q, w, c)
			if how != 0 {
				end <- how
				return
			}
			if err == nil {
				return // taken off hold
			}
			e.waitFailed(log, c.Widget, c.WaitURL, err)
		}
		music := holdTone(e.Connect.Law)
		if q.HoldMusic != "" && q.HoldMusic != "tone" {
			f, err := e.Prompts.Play(hctx, q.HoldMusic)
			if err != nil || len(f) == 0 {
				log.Warn("enqueue-call: hold music not playable; playing the tone", "hold_music", q.HoldMusic, "err", err)
			} else {
				music = f
			}
		}
		next := time.Now()
		for hctx.Err() == nil {
			if q.AnnouncePosition && !time.Now().Before(next) {
				next = time.Now().Add(announceEvery)
				if n := qm.position(q, w); n > 0 {
					say, err := e.Prompts.Say(hctx, fmt.Sprintf("You are caller number %d.", n), "", "")
					if err == nil {
						_ = e.Media.Play(hctx, say)
					}
				}
			}
			pctx, pcancel := hctx, context.CancelFunc(func() {})
			if q.AnnouncePosition {
				pctx, pcancel = context.WithDeadline(hctx, next)
			}
			err := e.Media.Play(pctx, music)
			pcancel()
			if err != nil && hctx.Err() == nil && pctx.Err() == nil {
				log.Warn("enqueue-call: hold music stopped", "err", err)
				return
			}
		}
	}()
	return func() { cancel(); <-done }, end
}

// queueResult is the Enqueue action callback's parameters.
func queueResult(result, sid string, waited time.Duration) *engine.Input {
	p := map[string]any{"QueueResult": result, "QueueTime": strconv.Itoa(int(waited / time.Second))}
	if sid != "" {
		p["QueueSid"] = sid
	}
	return &engine.Input{Type: engine.InputQueue, Params: p}
}
