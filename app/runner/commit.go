package runner

import (
	"context"
	"sync"
	"sync/atomic"

	"github.com/switchboard/switchboard/app/store"
)

// committer batches the sprints of concurrent executions into one SQLite
// transaction (group commit): every caller still returns only after its own
// sprint is durable, but many share one commit. There is no waiting for a
// batch to fill: the writer opens a transaction with the sprints waiting,
// and the sprints that arrive while it writes them join the same
// transaction (store.SprintTx) until none waits; those that arrive while it
// commits go together in the next. So a lone sprint commits at once and a
// busy system commits in large batches. A sprint that fails (for example on
// an active-execution conflict) is undone alone, and its caller gets its
// own answer at once.
type committer struct {
	store   *store.Store
	maxSize int

	commits, sprints atomic.Int64 // for the benchmark's sprints-per-commit

	mu      sync.Mutex
	pending []*commitReq
	kick    chan struct{}
	once    sync.Once
	done    chan struct{}
}

type commitReq struct {
	rec store.SprintRecord
	err chan error
}

func newCommitter(st *store.Store) *committer {
	return &committer{store: st, maxSize: 256, kick: make(chan struct{}, 1), done: make(chan struct{})}
}

// save persists one sprint, sharing a transaction with others saved at the
// same moment.
func (c *committer) save(ctx context.Context, rec store.SprintRecord) error {
	c.once.Do(func() { go c.loop() })
	// JSON encoding happens here, on the caller's goroutine, not the writer's.
	if err := rec.Encode(); err != nil {
		return err
	}
	req := &commitReq{rec: rec, err: make(chan error, 1)}
	c.mu.Lock()
	c.pending = append(c.pending, req)
	n := len(c.pending)
	c.mu.Unlock()
	if n == 1 {
		c.wake()
	}
	select {
	case err := <-req.err:
		return err
	case <-ctx.Done():
		// The sprint may still commit; the caller treats it as unknown.
		return ctx.Err()
	}
}

// wake wakes the writer; the kick channel holds one wake-up.
func (c *committer) wake() {
	select {
	case c.kick <- struct{}{}:
	default:
	}
}

func (c *committer) close() {
	select {
	case <-c.done:
	default:
		close(c.done)
	}
}

func (c *committer) loop() {
	for {
		select {
		case <-c.done:
			c.flush() // answer whoever is left
			return
		case <-c.kick:
		}
		c.flush()
	}
}

func (c *committer) flush() {
	batch := c.take(c.maxSize)
	if len(batch) == 0 {
		return
	}
	ctx := context.Background()
	tx, err := c.store.BeginSprints(ctx)
	if err != nil {
		for _, r := range batch {
			r.err <- err
		}
		return
	}
	// Write what is waiting, then whatever arrived meanwhile, into the same
	// transaction, until nothing waits or the batch is full; then commit.
	var kept []*commitReq
	for n := 0; len(batch) > 0; batch = c.take(c.maxSize - n) {
		n += len(batch)
		recs := make([]store.SprintRecord, len(batch))
		for i, r := range batch {
			recs[i] = r.rec
		}
		for i, err := range tx.Add(ctx, recs) {
			if err != nil {
				batch[i].err <- err // undone alone; the others stay
				continue
			}
			kept = append(kept, batch[i])
		}
	}
	if len(kept) == 0 {
		tx.Rollback()
		return
	}
	c.commits.Add(1)
	c.sprints.Add(int64(len(kept)))
	err = tx.Commit()
	for _, r := range kept {
		r.err <- err
	}
}

// take removes up to max waiting sprints from the queue; when more wait,
// the writer is woken again for them.
func (c *committer) take(max int) []*commitReq {
	if max <= 0 {
		return nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	batch := c.pending
	if len(batch) > max {
		batch, c.pending = batch[:max:max], batch[max:]
		c.wake()
	} else {
		c.pending = nil
	}
	return batch
}
