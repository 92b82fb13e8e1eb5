// Package runner joins the engine, the store and the channels: it starts and
// resumes executions, persists each sprint (execution, steps, outbox rows,
// timer) in one transaction, and only then lets side effects run. It keeps
// Studio's rules: one active execution per contact and flow, test users run
// the latest revision and everyone else the latest published one, wait
// timeouts fire from persisted timers (also after a restart).
package runner

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"sync"
	"time"

	"github.com/switchboard/switchboard/app/store"
	"github.com/switchboard/switchboard/engine"
	"github.com/switchboard/switchboard/schema"
)

// ErrBusy is returned for an inbound message whose contact has an active
// execution that is not waiting for a reply (for example one on a call).
var ErrBusy = errors.New("the contact's active execution is not waiting for a message")

// Runner runs executions against the store.
type Runner struct {
	store  *store.Store
	engine *engine.Engine
	log    *slog.Logger

	commit    *committer
	retention time.Duration
	// retentionBasis: what retention counts from (zero: the start).
	retentionBasis store.RetentionBasis
	stats          stats
	events         Events // nil: no events

	mu       sync.Mutex
	locks    map[string]*lockRef
	programs map[string]*engine.Program
}

type lockRef struct {
	sync.Mutex
	users int
}

// New builds a runner; opts configure its engine (limits, clock, HTTP...).
func New(st *store.Store, log *slog.Logger, opts ...engine.Option) *Runner {
	r := &Runner{store: st, log: log, locks: map[string]*lockRef{}, programs: map[string]*engine.Program{},
		commit: newCommitter(st), retention: DefaultRetention}
	r.engine = engine.New(append(opts, engine.WithSubflows(r))...)
	return r
}

// Close stops the group-commit loop; sprints in flight are still answered.
func (r *Runner) Close() { r.commit.close() }

// Engine returns the runner's engine.
func (r *Runner) Engine() *engine.Engine { return r.engine }

// Subflow implements engine.Subflows from the store.
func (r *Runner) Subflow(ctx context.Context, flowSID, revision string) (*engine.Program, error) {
	return r.program(ctx, flowSID, revision)
}

// program loads and compiles a flow revision; numbered revisions are
// immutable, so they are cached.
func (r *Runner) program(ctx context.Context, flowSID, which string) (*engine.Program, error) {
	if _, err := strconv.Atoi(which); err == nil {
		r.mu.Lock()
		p := r.programs[flowSID+"/"+which]
		r.mu.Unlock()
		if p != nil {
			return p, nil
		}
	}
	rev, err := r.store.FlowRevision(ctx, flowSID, which)
	if err != nil {
		return nil, err
	}
	key := flowSID + "/" + strconv.Itoa(rev.Revision)
	r.mu.Lock()
	p := r.programs[key]
	r.mu.Unlock()
	if p != nil {
		return p, nil
	}
	f, err := schema.Parse(rev.Definition)
	if err != nil {
		return nil, fmt.Errorf("flow %s revision %d: %w", flowSID, rev.Revision, err)
	}
	if p, err = engine.Compile(flowSID, rev.Revision, f); err != nil {
		return nil, fmt.Errorf("flow %s revision %d: %w", flowSID, rev.Revision, err)
	}
	r.mu.Lock()
	r.programs[key] = p
	r.mu.Unlock()
	return p, nil
}

// Start begins an execution of a flow for a trigger. Test users run the
// latest revision, everyone else the latest published one. When the contact
// already has an active execution of the flow, it returns *store.ActiveConflict.
func (r *Runner) Start(ctx context.Context, flowSID string, t engine.Trigger) (*engine.Execution, *engine.Sprint, error) {
	which := store.LatestPublished
	if test, err := r.store.IsTestUser(ctx, flowSID, t.Contact); err != nil {
		return nil, nil, err
	} else if test {
		which = store.LatestRevision
	}
	p, err := r.program(ctx, flowSID, which)
	if err != nil {
		return nil, nil, err
	}
	x, sp, err := r.engine.Start(ctx, p, t)
	if err != nil {
		return nil, nil, err
	}
	rec := store.SprintRecord{Execution: x, New: true, SessionKey: sessionKey(p, t), Steps: sp.Steps}
	if rec.Outbox, err = outbox(sp); err != nil {
		return nil, nil, err
	}
	after := r.sprintEvents(&rec)
	if err := r.commit.save(ctx, rec); err != nil {
		return nil, nil, err
	}
	r.committed(x, sp.Steps, true, after)
	r.log.Debug("execution started", "execution_sid", x.SID, "flow_sid", flowSID, "steps", len(sp.Steps))
	return x, sp, nil
}

// Resume continues an execution with an input; one sprint of an execution
// runs at a time.
func (r *Runner) Resume(ctx context.Context, executionSID string, in engine.Input) (*engine.Execution, *engine.Sprint, error) {
	unlock := r.lock(executionSID)
	defer unlock()
	x, err := r.store.Execution(ctx, executionSID)
	if err != nil {
		return nil, nil, err
	}
	p, err := r.program(ctx, x.FlowSID, strconv.Itoa(x.FlowRevision))
	if err != nil {
		return nil, nil, err
	}
	hadTimer := x.Wait != nil && !x.Wait.Deadline.IsZero()
	sp, err := r.engine.Resume(ctx, p, x, in)
	if err != nil {
		return nil, nil, err
	}
	rec := store.SprintRecord{Execution: x, Steps: sp.Steps, HadTimer: hadTimer}
	if rec.Outbox, err = outbox(sp); err != nil {
		return nil, nil, err
	}
	after := r.sprintEvents(&rec)
	if err := r.commit.save(ctx, rec); err != nil {
		return nil, nil, err
	}
	r.committed(x, sp.Steps, false, after)
	return x, sp, nil
}

// End stops an active execution (Studio's Status=ended).
func (r *Runner) End(ctx context.Context, executionSID string) (*engine.Execution, error) {
	unlock := r.lock(executionSID)
	defer unlock()
	x, err := r.store.Execution(ctx, executionSID)
	if err != nil {
		return nil, err
	}
	hadTimer := x.Wait != nil && !x.Wait.Deadline.IsZero()
	sp, err := r.engine.End(x)
	if err != nil {
		return nil, err
	}
	rec := store.SprintRecord{Execution: x, Steps: sp.Steps, HadTimer: hadTimer}
	after := r.sprintEvents(&rec)
	if err := r.commit.save(ctx, rec); err != nil {
		return nil, err
	}
	r.committed(x, sp.Steps, false, after)
	return x, nil
}

// Message delivers an inbound message to a flow: to the contact's active
// execution when it waits for a reply, else as a new incomingMessage
// execution.
func (r *Runner) Message(ctx context.Context, flowSID string, from, to string, params map[string]any) (*engine.Execution, *engine.Sprint, error) {
	sid, err := r.store.ActiveExecution(ctx, flowSID, from)
	if err != nil {
		return nil, nil, err
	}
	if sid != "" {
		x, sp, err := r.Resume(ctx, sid, engine.Input{Type: engine.InputReply, Params: params})
		if errors.Is(err, engine.ErrNotWaiting) {
			return nil, nil, fmt.Errorf("%w (execution %s)", ErrBusy, sid)
		}
		return x, sp, err
	}
	return r.Start(ctx, flowSID, engine.Trigger{Event: engine.EventIncomingMessage, Contact: from, Channel: to,
		Params: params, InitiatedBy: str(params["MessageSid"])})
}

// FireTimers resumes every execution whose wait deadline passed with a
// timeout input. It returns how many it resumed.
func (r *Runner) FireTimers(ctx context.Context, now time.Time, batch int) (int, error) {
	timeouts, expired, err := r.fireTimers(ctx, now, batch)
	return timeouts + expired, err
}

// fireTimers resumes up to batch due timers and tells timeouts from
// executions that reached their lifetime while they waited. One execution
// that cannot resume (its error is returned, joined with the others') does
// not hold back the rest of the batch.
func (r *Runner) fireTimers(ctx context.Context, now time.Time, batch int) (timeouts, expired int, err error) {
	sids, err := r.store.DueTimers(ctx, now, batch)
	if err != nil {
		return 0, 0, err
	}
	var errs []error
	for _, sid := range sids {
		x, _, err := r.Resume(ctx, sid, engine.Input{Type: engine.InputTimeout})
		if err != nil {
			if errors.Is(err, engine.ErrNotWaiting) || errors.Is(err, engine.ErrEnded) {
				// Answered meanwhile: the timer is stale; drop it so it does
				// not come back on every poll.
				if derr := r.store.DeleteTimer(ctx, sid); derr != nil {
					return timeouts, expired, derr
				}
				continue
			}
			if ctx.Err() != nil {
				return timeouts, expired, ctx.Err()
			}
			errs = append(errs, fmt.Errorf("timer of %s: %w", sid, err))
			continue
		}
		if x.EndReason == engine.EndExpired {
			expired++
		} else {
			timeouts++
		}
	}
	return timeouts, expired, errors.Join(errs...)
}

func (r *Runner) lock(sid string) func() {
	r.mu.Lock()
	l := r.locks[sid]
	if l == nil {
		l = &lockRef{}
		r.locks[sid] = l
	}
	l.users++
	r.mu.Unlock()
	l.Lock()
	return func() {
		l.Unlock()
		r.mu.Lock()
		if l.users--; l.users == 0 {
			delete(r.locks, sid)
		}
		r.mu.Unlock()
	}
}

// sessionKey is what "one active execution per contact" keys on: the
// contact, and for calls with allow_concurrent_calls also the call.
func sessionKey(p *engine.Program, t engine.Trigger) string {
	if t.Event == engine.EventIncomingCall {
		concurrent := p.Flow.Flags == nil || p.Flow.Flags.AllowConcurrentCalls
		if call := str(t.Params["CallSid"]); concurrent && call != "" {
			return t.Contact + "|" + call
		}
	}
	return t.Contact
}

// outbox turns a sprint's message commands into outbox rows.
func outbox(sp *engine.Sprint) ([]store.OutboxItem, error) {
	var out []store.OutboxItem
	for _, c := range sp.Commands {
		m, ok := c.(engine.Message)
		if !ok {
			continue
		}
		b, err := m.PlainJSON()
		if err != nil {
			return nil, err
		}
		out = append(out, store.OutboxItem{ID: m.SID, Kind: "message", Payload: b})
	}
	return out, nil
}

func str(v any) string {
	s, _ := v.(string)
	return s
}
