package widgets

import (
	"context"
	"strings"

	"github.com/switchboard/switchboard/engine"
	"github.com/switchboard/switchboard/schema"
)

// EnqueueCall puts the caller in a named queue with hold music until an
// agent takes the call, the caller leaves or the call is redirected. The
// Enqueue callback (QueueResult, QueueSid, QueueTime and the call's own)
// becomes the outputs of callComplete, failedToEnqueue (the queue is full)
// or callFailure. TaskRouter workflows are not available offline.
type EnqueueCall struct{}

func init() { engine.Register(schema.TypeEnqueueCall, EnqueueCall{}) }

// enqueueMaxName is the longest queue name Twilio accepts.
const enqueueMaxName = 64

// Enter emits an Enqueue verb and waits for the caller to leave the queue.
func (EnqueueCall) Enter(ctx context.Context, r *engine.Run) (engine.Outcome, error) {
	p, ok := propsOf[schema.EnqueueCall](r)
	if !ok {
		return badProps(r, "callFailure"), nil
	}
	name, ok := r.Render(ctx, p.QueueName)
	if !ok {
		return engine.Outcome{Event: "callFailure"}, nil
	}
	q := &engine.Enqueue{
		Queue:   strings.TrimSpace(name),
		WaitURL: strings.TrimSpace(render(ctx, r, p.WaitURL)),
		// The widget's wait_url_method: GET unless POST is asked for (Studio's default).
		WaitMethod: strings.ToUpper(strings.TrimSpace(p.WaitURLMethod)),
		Priority:   renderInt(ctx, r, "priority", p.Priority, 0),
		Timeout:    renderInt(ctx, r, "timeout", p.Timeout, 0),
	}
	workflow := strings.TrimSpace(render(ctx, r, p.WorkflowSID))
	switch {
	case q.Queue == "" && workflow != "":
		return r.Fail("callFailure", engine.CodeOffline, "routing the call through TaskRouter workflow %s needs Twilio TaskRouter, which is not available offline; use a queue name", workflow), nil
	case q.Queue == "":
		return r.Fail("callFailure", engine.CodeInvalidProperty, "the call has no queue: queue_name is empty"), nil
	case len(q.Queue) > enqueueMaxName:
		return r.Fail("callFailure", engine.CodeInvalidProperty, "queue name %q is %d characters long; at most %d are allowed", q.Queue, len(q.Queue), enqueueMaxName), nil
	}
	switch q.WaitMethod {
	case "", "GET":
		q.WaitMethod = "GET"
	case "POST":
	default:
		r.Warn("wait_url_method %q is neither GET nor POST; using GET", p.WaitURLMethod)
		q.WaitMethod = "GET"
	}
	if q.WaitURL == "" {
		q.WaitMethod = ""
	}
	if workflow != "" {
		r.Warn("both queue_name and workflow_sid are set; the call joins queue %s and the workflow is ignored offline", q.Queue)
	}
	if q.Priority < 0 {
		r.Warn("priority %d is negative; using 0", q.Priority)
		q.Priority = 0
	}
	if q.Timeout < 0 {
		r.Warn("timeout %d is negative; the call may wait without limit", q.Timeout)
		q.Timeout = 0
	}
	q.Widget = r.Name()
	cmd := *q
	return engine.WaitFor([]engine.Command{cmd}, engine.InputQueue, engine.InputHangup), nil
}

// Resume maps QueueResult: a full queue is failedToEnqueue, an error is
// callFailure and every other way out of the queue (bridged, hangup, leave,
// redirected) is callComplete. A hang-up reported on its own counts as
// QueueResult hangup.
func (EnqueueCall) Resume(_ context.Context, r *engine.Run, in engine.Input) (engine.Outcome, error) {
	out := params(in)
	if in.Type == engine.InputHangup && str(out, "QueueResult") == "" {
		out["QueueResult"] = "hangup"
	}
	switch res := strings.ToLower(strings.TrimSpace(str(out, "QueueResult"))); res {
	case "queue-full":
		return engine.Go("failedToEnqueue", out), nil
	case "system-error", "error":
		return engine.Go("callFailure", out), nil
	case "bridged", "bridging-in-process", "hangup", "leave", "redirected":
		return engine.Go("callComplete", out), nil
	default:
		r.Warn("the call left the queue with an unknown QueueResult %q; following callComplete", res)
		return engine.Go("callComplete", out), nil
	}
}
