package voice

// enqueue-call's wait_url: what a waiting caller hears is TwiML from the
// author's server instead of the queue's hold music, as on Twilio. The
// document is requested with the queue's figures (QueuePosition, QueueSid,
// QueueTime, AvgQueueTime, CurrentQueueSize, MaxQueueSize) and the call's
// own parameters, its <Say>, <Play> and <Pause> are played, <Gather> and
// <Redirect> lead to the next document, <Leave> takes the caller out of
// the queue (QueueResult leave: the flow goes on from callComplete) and
// <Hangup> ends the call. A document that runs out of verbs is requested
// again, for as long as the caller waits. A wait_url that cannot be used
// (unreachable, not TwiML, a verb a waiting caller cannot have) is an
// execution event and the caller hears the queue's hold music instead:
// nobody is left in silence.

import (
	"context"
	"errors"
	"log/slog"
	"net/url"
	"strconv"
	"time"

	"github.com/switchboard/switchboard/app/store"
	"github.com/switchboard/switchboard/app/twiml"
	"github.com/switchboard/switchboard/engine"
)

// waitEnd is how the wait_url's TwiML ended the wait.
type waitEnd int

const (
	waitLeave  waitEnd = iota + 1 // <Leave>
	waitHangup                    // <Hangup>
)

// minWaitDocument is the least time one wait document takes: a document
// that plays nothing (empty, or only a failed <Play>) is not requested
// again at once, which would hammer the author's server.
const minWaitDocument = time.Second

// waitParams are the queue's figures Twilio sends to a waitUrl.
func (m *QueueManager) waitParams(q *store.Queue, w *member) url.Values {
	st := m.State(q)
	pos := m.position(q, w)
	return url.Values{
		"QueueSid":         {q.SID},
		"QueuePosition":    {strconv.Itoa(pos)},
		"QueueTime":        {strconv.Itoa(int(time.Since(w.since) / time.Second))},
		"AvgQueueTime":     {strconv.Itoa(int(st.AverageWait / time.Second))},
		"CurrentQueueSize": {strconv.Itoa(len(st.Members))},
		"MaxQueueSize":     {strconv.Itoa(q.MaxSize)},
	}
}

// waitTwiML plays the wait_url's documents until the caller is taken off
// hold (ctx ends: an agent answered or the caller hung up; the result is
// 0), the TwiML ends the wait (waitLeave, waitHangup), or the wait_url
// fails (err, reported; the caller then hears the hold music).
func (e *Executor) waitTwiML(ctx context.Context, log *slog.Logger, qm *QueueManager, q *store.Queue, w *member, c engine.Enqueue) (waitEnd, error) {
	if e.TwiML == nil {
		return 0, failf(0, "wait_url needs the appliance's TwiML client, which this call has not")
	}
	method := c.WaitMethod
	if method == "" {
		method = "GET" // the widget's default
	}
	req := &twimlRequest{url: c.WaitURL, method: method}
	for ctx.Err() == nil {
		start := time.Now()
		req.extra = qm.waitParams(q, w)
		doc, err := e.TwiML.fetch(ctx, req)
		if err != nil {
			if ctx.Err() != nil {
				return 0, nil
			}
			return 0, err
		}
		next, end, err := e.runWaitTwiML(ctx, doc, req.url)
		switch {
		case ctx.Err() != nil:
			return 0, nil
		case err != nil:
			return 0, err
		case end != 0:
			return end, nil
		case next != nil:
			req = next
		default:
			// The document ran out of verbs: Twilio requests the wait_url again.
			req = &twimlRequest{url: c.WaitURL, method: method}
		}
		if d := minWaitDocument - time.Since(start); d > 0 {
			select {
			case <-ctx.Done():
			case <-time.After(d):
			}
		}
	}
	return 0, nil
}

// runWaitTwiML runs one wait document's verbs: the next request (a
// <Redirect>, a <Gather>'s action), or how the wait ends, or nothing when
// the document ran out of verbs.
func (e *Executor) runWaitTwiML(ctx context.Context, doc *twiml.Document, docURL string) (*twimlRequest, waitEnd, error) {
	for _, v := range doc.Verbs {
		if ctx.Err() != nil {
			return nil, 0, nil
		}
		switch v := v.(type) {
		case twiml.Say, twiml.Play, twiml.Pause:
			if _, err := e.twimlPrompt(ctx, v, docURL, false); err != nil && ctx.Err() == nil {
				e.Log.Warn("enqueue-call: wait_url prompt failed", "verb", v.Name(), "err", err)
			}
		case twiml.Gather:
			in, err := e.twimlGather(ctx, &v, docURL)
			if err != nil {
				return nil, 0, err
			}
			if in.Type == engine.InputHangup {
				return nil, 0, nil // the caller hung up: ctx ends with the call
			}
			if in.Type == engine.InputDigits || v.ActionOnEmptyResult {
				digits, _ := in.Params["Digits"].(string)
				u, err := resolve(docURL, v.Action)
				if err != nil {
					return nil, 0, err
				}
				return &twimlRequest{url: u, method: v.Method, extra: url.Values{"Digits": {digits}}}, 0, nil
			}
		case twiml.Redirect:
			u, err := resolve(docURL, v.URL)
			if err != nil {
				return nil, 0, err
			}
			return &twimlRequest{url: u, method: v.Method}, 0, nil
		case twiml.Hangup:
			return nil, waitHangup, nil
		case twiml.Unsupported:
			if v.Verb == "Leave" {
				return nil, waitLeave, nil
			}
			return nil, 0, failf(0, "<%s> is not one of the verbs a waiting caller's TwiML may hold (Say, Play, Pause, Gather, Redirect, Leave, Hangup)", v.Verb)
		default:
			return nil, 0, failf(0, "<%s> is not one of the verbs a waiting caller's TwiML may hold (Say, Play, Pause, Gather, Redirect, Leave, Hangup)", v.Name())
		}
	}
	return nil, 0, nil
}

// waitFailed reports a wait_url that cannot be used as the widget's event.
func (e *Executor) waitFailed(log *slog.Logger, widget, waitURL string, err error) {
	var f *twimlFailure
	if !errors.As(err, &f) {
		f = failf(codeHTTPConnection, "%v", err)
	}
	log.Warn("enqueue-call: wait_url failed; playing the queue's hold music", "code", f.code, "err", f.msg)
	e.report("error", f.code, widget, "wait_url "+redacted(waitURL)+" failed, so the caller hears the queue's hold music: "+f.msg)
}
