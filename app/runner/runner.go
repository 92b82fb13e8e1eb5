// Package runner joins the engine, the store and the channels: it starts and
// resumes executions, persists each sprint (execution, steps, outbox rows,
// timer) in one transaction, and only then lets side effects run. Launch
// (the REST create) returns once the new execution is committed and runs its
// first sprint in the background; the execution's timer, due at once, lets
// the sweeper run a first sprint that a crash cut off. It keeps
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
	"sync/atomic"
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
	// onMessages wakes the SMS queue after a sprint queued messages.
	onMessages atomic.Pointer[func()]
	// onCalls wakes the outbound call dialer after a sprint queued calls.
	onCalls atomic.Pointer[func()]
	// onCall holds the executions an outbound call of ours drives now
	// (their waits are answered by the call, as for inbound calls).
	onCall sync.Map
	// callAuth holds the SIP credentials of queued outbound calls by call
	// SID (calls.go): in memory only, never in the store.
	callAuth sync.Map
	log      *slog.Logger

	commit    *committer
	cache     *execCache
	retention time.Duration
	// retentionBasis: what retention counts from (zero: the start).
	retentionBasis store.RetentionBasis
	stats          stats
	events         Events // nil: no events
	recent         recentEvents

	mu       sync.Mutex
	locks    map[string]*lockRef
	programs *programCache

	// bg carries the first sprints Launch runs after answering; Close
	// cancels it and waits for them (wg).
	bg     context.Context
	stopBG context.CancelFunc
	wg     sync.WaitGroup
}

type lockRef struct {
	sync.Mutex
	users int
}

// New builds a runner; opts configure its engine (limits, clock, HTTP...).
func New(st *store.Store, log *slog.Logger, opts ...engine.Option) *Runner {
	r := &Runner{store: st, log: log, locks: map[string]*lockRef{}, programs: newProgramCache(defaultProgramBytes),
		commit: newCommitter(st), cache: newExecCache(defaultCacheSize), retention: DefaultRetention}
	st.OnExecutionsDeleted(r.cache.deleted)
	r.bg, r.stopBG = context.WithCancel(context.Background())
	r.engine = engine.New(append(opts, engine.WithSubflows(r))...)
	return r
}

// Close cancels the first sprints Launch still runs in the background and
// waits for them (an execution cut short this way stays created and runs
// again from its timer, see Launch), then stops the group-commit loop;
// sprints in flight are still answered.
func (r *Runner) Close() {
	r.mu.Lock()
	r.stopBG()
	r.mu.Unlock()
	r.wg.Wait()
	r.commit.close()
}

// Engine returns the runner's engine.
func (r *Runner) Engine() *engine.Engine { return r.engine }

// Subflow implements engine.Subflows from the store.
func (r *Runner) Subflow(ctx context.Context, flowSID, revision string) (*engine.Program, error) {
	return r.program(ctx, flowSID, revision)
}

// program loads and compiles a flow revision; numbered revisions are
// immutable, so they are cached (programCache, bounded). LatestPublished
// and LatestRevision are looked up by number first (a small read, see
// store.RevisionNumber), so a start reads the definition only for a
// revision not compiled yet.
func (r *Runner) program(ctx context.Context, flowSID, which string) (*engine.Program, error) {
	if which == store.LatestPublished || which == store.LatestRevision {
		n, err := r.store.RevisionNumber(ctx, flowSID, which)
		if err != nil {
			return nil, err
		}
		which = strconv.Itoa(n)
	}
	if _, err := strconv.Atoi(which); err == nil {
		if p := r.programs.get(flowSID + "/" + which); p != nil {
			return p, nil
		}
	}
	rev, err := r.store.FlowRevision(ctx, flowSID, which)
	if err != nil {
		return nil, err
	}
	key := flowSID + "/" + strconv.Itoa(rev.Revision)
	if p := r.programs.get(key); p != nil {
		return p, nil
	}
	f, err := schema.Parse(rev.Definition)
	if err != nil {
		return nil, fmt.Errorf("flow %s revision %d: %w", flowSID, rev.Revision, err)
	}
	p, err := engine.Compile(flowSID, rev.Revision, f)
	if err != nil {
		return nil, fmt.Errorf("flow %s revision %d: %w", flowSID, rev.Revision, err)
	}
	return r.programs.put(key, p, len(rev.Definition)), nil
}

// Start begins an execution of a flow for a trigger. Test users run the
// latest revision, everyone else the latest published one. When the contact
// already has an active execution of the flow, it returns *store.ActiveConflict.
func (r *Runner) Start(ctx context.Context, flowSID string, t engine.Trigger) (*engine.Execution, *engine.Sprint, error) {
	gen := r.cache.generation()
	p, err := r.startProgram(ctx, flowSID, t.Contact)
	if err != nil {
		return nil, nil, err
	}
	return r.start(ctx, p, t, gen)
}

// start is Start with the program to run; gen is the cache's generation
// taken before the store was read.
func (r *Runner) start(ctx context.Context, p *engine.Program, t engine.Trigger, gen uint64) (*engine.Execution, *engine.Sprint, error) {
	x, sp, err := r.engine.Start(ctx, p, t)
	if err != nil {
		return nil, nil, err
	}
	rec := store.SprintRecord{Execution: x, New: true, SessionKey: sessionKey(p, t), Steps: sp.Steps}
	rec.Messages = queuedMessages(ctx, sp)
	rec.Calls = r.queuedCalls(x.SID, sp)
	after := r.sprintEvents(&rec)
	if err := r.save(ctx, rec); err != nil {
		r.forgetCallAuth(rec.Calls)
		return nil, nil, err
	}
	if f := r.onMessages.Load(); f != nil && len(rec.Messages) > 0 {
		(*f)()
	}
	if f := r.onCalls.Load(); f != nil && len(rec.Calls) > 0 {
		(*f)()
	}
	r.keep(x, sessionRef{x.FlowSID, rec.SessionKey}, gen)
	r.committed(x, sp.Steps, true, after)
	r.log.Debug("execution started", "execution_sid", x.SID, "flow_sid", x.FlowSID, "steps", len(sp.Steps))
	return x, sp, nil
}

// startProgram is the revision a contact runs: test users run the latest
// revision, everyone else the latest published one. One small read finds
// its number (store.StartRevision); the compiled revision is cached.
func (r *Runner) startProgram(ctx context.Context, flowSID, contact string) (*engine.Program, error) {
	n, err := r.store.StartRevision(ctx, flowSID, contact)
	if err != nil {
		return nil, err
	}
	return r.program(ctx, flowSID, strconv.Itoa(n))
}

// Resume continues an execution with an input; one sprint of an execution
// runs at a time.
func (r *Runner) Resume(ctx context.Context, executionSID string, in engine.Input) (*engine.Execution, *engine.Sprint, error) {
	unlock := r.lock(executionSID)
	defer unlock()
	return r.resumeLocked(ctx, executionSID, in, nil, sessionRef{})
}

// errTimerStale says a due timer no longer matches its execution's wait.
var errTimerStale = errors.New("the timer no longer matches the execution's wait")

// resumeLocked is Resume under the execution's lock; a non-nil check looks
// at the loaded execution first (it must not change it) and its error
// stops the resume. ref, when known, is the execution's flow and session
// key (for the cache's active lookup).
func (r *Runner) resumeLocked(ctx context.Context, executionSID string, in engine.Input, check func(*engine.Execution) error, ref sessionRef) (*engine.Execution, *engine.Sprint, error) {
	x, cref, gen, err := r.load(ctx, executionSID)
	if err != nil {
		return nil, nil, err
	}
	if cref.key != "" {
		ref = cref
	}
	if check != nil {
		if err := check(x); err != nil {
			r.cache.put(x, ref, gen) // checks only read x
			return nil, nil, err
		}
	}
	p, err := r.program(ctx, x.FlowSID, strconv.Itoa(x.FlowRevision))
	if err != nil {
		r.cache.put(x, ref, gen) // unchanged
		return nil, nil, err
	}
	sp, err := r.engine.Resume(ctx, p, x, in)
	if err != nil {
		return nil, nil, err // x may be half changed: the next sprint reloads it
	}
	rec := store.SprintRecord{Execution: x, Steps: sp.Steps}
	rec.Messages = queuedMessages(ctx, sp)
	rec.Calls = r.queuedCalls(x.SID, sp)
	after := r.sprintEvents(&rec)
	if err := r.save(ctx, rec); err != nil {
		r.forgetCallAuth(rec.Calls)
		return nil, nil, err
	}
	if f := r.onMessages.Load(); f != nil && len(rec.Messages) > 0 {
		(*f)()
	}
	if f := r.onCalls.Load(); f != nil && len(rec.Calls) > 0 {
		(*f)()
	}
	r.keep(x, ref, gen)
	r.committed(x, sp.Steps, false, after)
	return x, sp, nil
}

// load takes an execution for a sprint, under its lock: out of the cache
// (the sprint owns it until it puts it back) or else from the store. gen
// goes back to the cache with it (see execCache).
func (r *Runner) load(ctx context.Context, sid string) (*engine.Execution, sessionRef, uint64, error) {
	gen := r.cache.generation()
	if x, ref := r.cache.take(sid); x != nil {
		return x, ref, gen, nil
	}
	x, err := r.store.Execution(ctx, sid)
	return x, sessionRef{}, gen, err
}

// keep caches a copy of an execution whose sprint committed (x itself goes
// back to the sprint's caller); an ended one is dropped.
func (r *Runner) keep(x *engine.Execution, ref sessionRef, gen uint64) {
	if !x.Active() {
		r.cache.drop(x.SID)
		return
	}
	c, err := cloneExecution(x)
	if err != nil {
		r.cache.drop(x.SID)
		return
	}
	r.cache.put(c, ref, gen)
}

// receiptClaim is the webhook receipt that a request's first sprint stores.
type receiptClaim struct {
	r       store.Receipt
	claimed bool
}

type receiptKey struct{}

// WithReceipt returns a context whose first sprint (Start, Message or
// Resume with it) stores the webhook receipt rc in its own transaction;
// when the receipt's key was stored before, that sprint is not written and
// fails with store.ErrDuplicateReceipt. Later sprints with the context
// (prompts chained into one answer) store nothing more. One request's
// goroutine uses the context.
func WithReceipt(ctx context.Context, rc store.Receipt) context.Context {
	return context.WithValue(ctx, receiptKey{}, &receiptClaim{r: rc})
}

// save commits a sprint, with the context's receipt when it has one that no
// sprint stored yet.
func (r *Runner) save(ctx context.Context, rec store.SprintRecord) error {
	c, _ := ctx.Value(receiptKey{}).(*receiptClaim)
	if c != nil && !c.claimed {
		rc := c.r
		rec.Receipt = &rc
	}
	if err := r.commit.save(ctx, rec); err != nil {
		return err
	}
	if rec.Receipt != nil {
		c.claimed = true
	}
	return nil
}

// End stops an active execution (Studio's Status=ended).
func (r *Runner) End(ctx context.Context, executionSID string) (*engine.Execution, error) {
	unlock := r.lock(executionSID)
	defer unlock()
	x, ref, gen, err := r.load(ctx, executionSID)
	if err != nil {
		return nil, err
	}
	sp, err := r.engine.End(x)
	if err != nil {
		return nil, err
	}
	rec := store.SprintRecord{Execution: x, Steps: sp.Steps}
	after := r.sprintEvents(&rec)
	if err := r.commit.save(ctx, rec); err != nil {
		return nil, err
	}
	r.keep(x, ref, gen)
	r.committed(x, sp.Steps, false, after)
	return x, nil
}

// Message delivers an inbound message to a flow: to the contact's active
// execution when it waits for a reply, else as a new incomingMessage
// execution.
func (r *Runner) Message(ctx context.Context, flowSID string, from, to string, params map[string]any) (*engine.Execution, *engine.Sprint, error) {
	trigger := engine.Trigger{Event: engine.EventIncomingMessage, Contact: from, Channel: to,
		Params: params, InitiatedBy: str(params["MessageSid"])}
	sid := r.cache.active(flowSID, from)
	if sid == "" {
		// Not in memory: one read says whether the contact has an active
		// execution and, if not, which revision it starts.
		gen := r.cache.generation()
		active, rev, err := r.store.ActiveOrStartRevision(ctx, flowSID, from)
		if err != nil {
			return nil, nil, err
		}
		if active == "" {
			p, err := r.program(ctx, flowSID, strconv.Itoa(rev))
			if err != nil {
				return nil, nil, err
			}
			return r.start(ctx, p, trigger, gen)
		}
		sid = active
	}
	unlock := r.lock(sid)
	x, sp, err := r.resumeLocked(ctx, sid, engine.Input{Type: engine.InputReply, Params: params}, nil, sessionRef{flowSID, from})
	unlock()
	if errors.Is(err, engine.ErrNotWaiting) {
		return nil, nil, fmt.Errorf("%w (execution %s)", ErrBusy, sid)
	}
	return x, sp, err
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
		x, _, err := r.resumeTimer(ctx, sid, now)
		if errors.Is(err, errTimerStale) {
			continue // a sprint ran or runs meanwhile; its own timer, if any, is the row now
		}
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

// resumeTimer resumes an execution whose timer came due with a timeout
// input (for one that Launch created and never ran, that runs its first
// sprint). It does not wait for a sprint of the execution that runs now,
// and does not time out a wait whose deadline is still ahead (a sprint ran
// between the timer query and the lock): both answer errTimerStale and
// the timer is looked at again by the next pass.
func (r *Runner) resumeTimer(ctx context.Context, sid string, now time.Time) (*engine.Execution, *engine.Sprint, error) {
	unlock, ok := r.tryLock(sid)
	if !ok {
		return nil, nil, errTimerStale
	}
	defer unlock()
	return r.resumeLocked(ctx, sid, engine.Input{Type: engine.InputTimeout}, func(x *engine.Execution) error {
		switch {
		case !x.Active() || x.Wait == nil:
			return nil // the engine says ended or not waiting; the row goes
		case x.Wait.Deadline.IsZero():
			return engine.ErrNotWaiting // a wait without deadline: the row is stale and goes
		case x.Wait.Deadline.After(now):
			return errTimerStale // a newer wait's timer: the row stays
		}
		return nil
	}, sessionRef{})
}

// tryLock takes the execution's lock when no one holds it.
func (r *Runner) tryLock(sid string) (func(), bool) {
	r.mu.Lock()
	l := r.locks[sid]
	if l == nil {
		l = &lockRef{}
		r.locks[sid] = l
	}
	l.users++
	r.mu.Unlock()
	if !l.TryLock() {
		r.release(sid, l)
		return nil, false
	}
	return func() {
		l.Unlock()
		r.release(sid, l)
	}, true
}

func (r *Runner) release(sid string, l *lockRef) {
	r.mu.Lock()
	if l.users--; l.users == 0 {
		delete(r.locks, sid)
	}
	r.mu.Unlock()
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
		r.release(sid, l)
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

// queuedMessages turns a sprint's message commands into queued outbound
// SMS; those the context says go back in a webhook's answer are recorded
// as sent replies instead.
func queuedMessages(ctx context.Context, sp *engine.Sprint) []store.Message {
	var out []store.Message
	rp, _ := ctx.Value(repliesKey{}).(*replies)
	for _, c := range sp.Commands {
		m, ok := c.(engine.Message)
		if !ok {
			continue
		}
		row := store.Message{SID: m.SID, Direction: store.DirectionOutboundAPI, From: m.From, To: m.To, Body: m.Body,
			Status: store.MessageQueued, Notified: store.MessageQueued}
		if rp != nil && m.To == rp.contact && (m.From == rp.channel || m.From == "") {
			row.Direction, row.Status, row.Notified, row.From = store.DirectionOutboundReply, store.MessageSent, store.MessageSent, rp.channel
			row.NumSegments = 1
		}
		out = append(out, row)
	}
	return out
}

type repliesKey struct{}

type replies struct{ contact, channel string }

// WithReplies returns a context under which messages to contact (from
// channel, or from no address) are not queued for a gateway: they go back
// to Twilio in the webhook's TwiML answer, so they are stored as sent
// replies in the sprint that makes them.
func WithReplies(ctx context.Context, contact, channel string) context.Context {
	return context.WithValue(ctx, repliesKey{}, &replies{contact: contact, channel: channel})
}

func str(v any) string {
	s, _ := v.(string)
	return s
}

// OnMessages sets a function called after a sprint that queued messages
// committed (the SMS queue's wake-up).
func (r *Runner) OnMessages(f func()) { r.onMessages.Store(&f) }

// ErrCallDriven says an execution's waits are answered by its call, not by
// the message queue.
var ErrCallDriven = errors.New("the execution's call answers its waits")

// Deliver tells an execution what became of a message it sent (an
// InputDelivery naming the message). It resumes only an execution that
// waits for a delivery; one that moved on, ended or is driven by a call
// (whose voice session answers its own waits) is left alone with
// engine.ErrNotWaiting, engine.ErrEnded or ErrCallDriven.
func (r *Runner) Deliver(ctx context.Context, executionSID string, in engine.Input) error {
	unlock := r.lock(executionSID)
	defer unlock()
	_, _, err := r.resumeLocked(ctx, executionSID, in, func(x *engine.Execution) error {
		switch {
		case !x.Active():
			return engine.ErrEnded
		case x.Wait == nil || !x.Wait.Accepts(in.Type):
			return engine.ErrNotWaiting
		}
		trig, _ := x.Context["trigger"].(map[string]any) // not Trigger(), which may add it
		if _, call := trig["call"]; call {
			return ErrCallDriven
		}
		if _, call := r.onCall.Load(x.SID); call {
			return ErrCallDriven
		}
		return nil
	}, sessionRef{})
	return err
}
