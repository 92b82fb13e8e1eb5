package store

import (
	"context"
	"sync"
	"sync/atomic"
	"time"
)

// WAL checkpoints of sprint commits. SQLite checkpoints a WAL database on
// the connection whose commit took the log past 1,000 pages: it copies the
// pages into the database file and fsyncs it, inside that commit. On the
// sprint connection that is the one writer's time, and every sprint
// batched behind it waits. So the sprint connection does not checkpoint
// on its own (wal_autocheckpoint=0): after its commits a checkpointer
// goroutine runs passive checkpoints on another connection, beside the
// writer, at most every checkpointEvery. A passive checkpoint never holds
// up the writer, so under steady writes it seldom catches up with the
// log's end, and only a checkpoint that does lets the next write start
// the log from its beginning again. When the checkpointer finds the log
// past walLimit pages, the writer checkpoints once after its next commit
// (little is left to copy by then) and the log restarts: it stays bounded.
// Durability is unchanged: each commit's WAL frames are fsynced
// (synchronous=FULL) before it returns; checkpoints only move committed
// pages into the database file.
const (
	checkpointEvery = 50 * time.Millisecond
	walLimit        = 4000 // pages
)

// checkpointer is the background checkpoint loop of a store.
type checkpointer struct {
	kick chan struct{}
	stop chan struct{}
	done chan struct{}
	once sync.Once
	big  atomic.Bool // the log passed walLimit: the writer checkpoints
}

// startCheckpointer starts the loop; called once the sprint connection
// exists (under wmu).
func (s *Store) startCheckpointer() {
	if s.ckpt != nil {
		return
	}
	c := &checkpointer{kick: make(chan struct{}, 1), stop: make(chan struct{}), done: make(chan struct{})}
	s.ckpt = c
	go s.checkpointLoop(c)
}

// stopCheckpointer stops the loop and waits for it.
func (s *Store) stopCheckpointer() {
	s.wmu.Lock()
	c := s.ckpt
	s.wmu.Unlock()
	if c == nil {
		return
	}
	c.once.Do(func() { close(c.stop) })
	<-c.done
}

func (s *Store) checkpointLoop(c *checkpointer) {
	defer close(c.done)
	t := time.NewTimer(0)
	defer t.Stop()
	for {
		select {
		case <-c.stop:
			return
		case <-c.kick:
		}
		var busy, log, copied int
		err := s.db.QueryRowContext(context.Background(), `PRAGMA wal_checkpoint(PASSIVE)`).Scan(&busy, &log, &copied)
		if err == nil && log >= walLimit {
			c.big.Store(true)
		}
		// At most one pass per checkpointEvery: each one fsyncs the
		// database file.
		t.Reset(checkpointEvery)
		select {
		case <-c.stop:
			return
		case <-t.C:
		}
	}
}

// sprintCommitted runs after a commit on the sprint connection, under wmu:
// it wakes the checkpointer, and checkpoints on the sprint connection when
// the log grew past walLimit.
func (s *Store) sprintCommitted(ctx context.Context) {
	c := s.ckpt
	if c == nil {
		return
	}
	if c.big.Load() && s.wconn != nil {
		var busy, log, copied int
		err := s.wconn.QueryRowContext(ctx, `PRAGMA wal_checkpoint(PASSIVE)`).Scan(&busy, &log, &copied)
		if err == nil && busy == 0 && copied == log {
			c.big.Store(false) // all of it: the next write restarts the log
		}
	}
	select {
	case c.kick <- struct{}{}:
	default:
	}
}
