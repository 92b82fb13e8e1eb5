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
// batch to fill: while one transaction commits, the sprints that arrive
// meanwhile gather and go together in the next, so a lone sprint commits at
// once and a busy system commits in large batches. A batch that fails (for
// example on an active-execution conflict) is retried one sprint at a time so
// that each caller gets its own answer.
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
	c.mu.Lock()
	batch := c.pending
	if len(batch) > c.maxSize {
		batch, c.pending = batch[:c.maxSize:c.maxSize], batch[c.maxSize:]
		c.wake()
	} else {
		c.pending = nil
	}
	c.mu.Unlock()
	if len(batch) == 0 {
		return
	}
	ctx := context.Background()
	c.commits.Add(1)
	c.sprints.Add(int64(len(batch)))
	if len(batch) == 1 {
		batch[0].err <- c.store.SaveSprint(ctx, batch[0].rec)
		return
	}
	recs := make([]store.SprintRecord, len(batch))
	for i, r := range batch {
		recs[i] = r.rec
	}
	err := c.store.SaveSprints(ctx, recs)
	if err == nil {
		for _, r := range batch {
			r.err <- nil
		}
		return
	}
	// One sprint spoiled the batch: give each its own transaction.
	for _, r := range batch {
		r.err <- c.store.SaveSprint(ctx, r.rec)
	}
}
