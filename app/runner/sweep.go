package runner

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/switchboard/switchboard/app/store"
	"github.com/switchboard/switchboard/engine"
)

// DefaultRetention is how long executions and their steps are kept (Studio
// keeps them 30 days), counted from when they started unless
// SetRetentionBasis says otherwise.
const DefaultRetention = 30 * 24 * time.Hour

// sweepBatch bounds the rows one sweep query or purge transaction touches.
const sweepBatch = 500

// Swept counts what one Sweep did.
type Swept struct {
	Timeouts int // waits resumed with a timeout
	Expired  int // executions ended at the end of their lifetime (by their timer or the lifetime sweep)
	Purged   int // ended executions deleted after the retention period
}

// SetRetention sets how long ended executions are kept; 0 keeps them forever.
// Like SetEvents, call it before Run starts the sweeper.
func (r *Runner) SetRetention(d time.Duration) { r.retention = d }

// SetRetentionBasis sets what the retention period counts from: the start of
// an execution (store.RetainSinceStarted, the default: Studio's user guide
// counts 30 days from when an execution starts) or its end. Either way only
// ended executions are purged. Call it before Run starts the sweeper.
func (r *Runner) SetRetentionBasis(b store.RetentionBasis) { r.retentionBasis = b }

// Sweep does the runner's housekeeping once: fires due wait timeouts, ends
// executions past their lifetime and purges ended executions past the
// retention period. Each part works through everything due, in batches.
func (r *Runner) Sweep(ctx context.Context, now time.Time) (Swept, error) {
	var sw Swept
	for {
		timeouts, expired, err := r.fireTimers(ctx, now, sweepBatch)
		sw.Timeouts += timeouts
		sw.Expired += expired
		if err != nil {
			return sw, err
		}
		if timeouts+expired < sweepBatch {
			break
		}
	}
	n, err := r.ExpireExecutions(ctx, now)
	sw.Expired += n
	if err != nil {
		return sw, err
	}
	n, err = r.Purge(ctx, now)
	sw.Purged = n
	return sw, err
}

// ExpireExecutions ends every active execution older than the engine's
// lifetime limit, waiting or not, and returns how many it ended.
func (r *Runner) ExpireExecutions(ctx context.Context, now time.Time) (int, error) {
	life := r.engine.Limits().Lifetime
	if life <= 0 {
		return 0, nil
	}
	total := 0
	var errs []error
	for {
		sids, err := r.store.ActiveStartedBefore(ctx, now.Add(-life), sweepBatch)
		if err != nil {
			return total, err
		}
		ended := 0
		for _, sid := range sids {
			ok, err := r.expire(ctx, sid)
			if err != nil {
				if ctx.Err() != nil {
					return total, ctx.Err()
				}
				errs = append(errs, fmt.Errorf("expire %s: %w", sid, err))
				continue
			}
			if ok {
				ended++
			}
		}
		total += ended
		// Stop when the batch was the last, or when nothing more in it could
		// be ended (failures, or clocks that disagree): no busy loop.
		if len(sids) < sweepBatch || ended+len(errs) < len(sids) || len(errs) > 0 {
			return total, errors.Join(errs...)
		}
	}
}

func (r *Runner) expire(ctx context.Context, sid string) (bool, error) {
	unlock := r.lock(sid)
	defer unlock()
	x, ref, gen, err := r.load(ctx, sid)
	if err != nil {
		return false, err
	}
	sp, err := r.engine.Expire(x)
	if errors.Is(err, engine.ErrEnded) || errors.Is(err, engine.ErrNotExpired) {
		r.cache.put(x, ref, gen) // Expire changes nothing when it refuses
		return false, nil
	}
	if err != nil {
		return false, err
	}
	rec := store.SprintRecord{Execution: x, Steps: sp.Steps}
	after := r.sprintEvents(&rec)
	if err := r.commit.save(ctx, rec); err != nil {
		return false, err
	}
	r.keep(x, ref, gen)
	r.committed(x, sp.Steps, false, after)
	r.log.Info("execution expired", "execution_sid", x.SID, "flow_sid", x.FlowSID, "started", x.CreatedAt)
	return true, nil
}

// Purge deletes ended executions (with their steps) whose retention period
// is over, counted from their start or end (SetRetentionBasis); with
// retention 0 it keeps everything. With the start as basis, an execution
// that ends by its 30-day lifetime is purged in the same sweep.
func (r *Runner) Purge(ctx context.Context, now time.Time) (int, error) {
	if r.retention <= 0 {
		return 0, nil
	}
	total := 0
	for {
		n, err := r.store.PurgeEnded(ctx, r.retentionBasis, now.Add(-r.retention), sweepBatch)
		total += n
		if err != nil || n < sweepBatch {
			return total, err
		}
	}
}

// Run sweeps every interval until ctx ends. A failed sweep is logged and
// tried again at the next tick.
func (r *Runner) Run(ctx context.Context, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		sw, err := r.Sweep(ctx, r.engine.Now())
		if err != nil && ctx.Err() == nil {
			r.log.Error("sweep failed", "err", err)
		}
		if sw != (Swept{}) {
			r.log.Debug("swept", "timeouts", sw.Timeouts, "expired", sw.Expired, "purged", sw.Purged)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
