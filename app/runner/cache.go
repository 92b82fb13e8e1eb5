package runner

import (
	"container/list"
	"sync"

	"github.com/switchboard/switchboard/engine"
)

// defaultCacheSize bounds the committed executions the runner keeps in
// memory: about 5.5 KB each for a small messaging flow (the benchmark's),
// more for one that keeps large HTTP responses in its context. Those that
// fall out are read from the store again, as before the cache.
const defaultCacheSize = 1024

// execCache keeps the active executions as their last sprint committed
// them, so that the next sprint (a reply, a timer, an End) does not read
// and decode the state the runner itself just wrote. The store stays the
// truth; the cache only ever holds what a reload would give:
//
//   - an execution is put in only after its sprint committed, as a copy
//     that is exactly its stored form (cloneExecution), and only while it
//     is active;
//   - a sprint takes it out (under the execution's lock) and owns it while
//     the engine changes it; when the sprint does not commit (a failed
//     save, an engine error, a cancelled context) it is not put back, and
//     the next sprint reloads it from the store;
//   - the store tells of every deletion of execution rows
//     (store.OnExecutionsDeleted), and the cache drops those executions;
//     a sprint that was under way then does not put its execution back
//     (the generation changed since it took or loaded it);
//   - the runner writes every other change of an execution's row (status,
//     state) itself, in sprints; DeleteTimer clears only the row's timer,
//     which the next sprint writes from the execution anyway.
//
// It also answers which execution is active for a flow and session key
// (store.ActiveExecution) for those it holds: the unique index allows one
// active execution per flow and session key, and one that ends or goes
// leaves the cache.
//
// One runner per store: a second runner writing the same executions would
// make the first one's copies stale.
type execCache struct {
	mu    sync.Mutex
	max   int
	gen   uint64     // bumped by every deletion
	lru   *list.List // of *cacheEntry, most recently put first
	bySID map[string]*list.Element
	byKey map[sessionRef]*list.Element
}

// sessionRef is what "one active execution per contact" keys on: the flow
// and the session key (see sessionKey); the zero value is unknown.
type sessionRef struct{ flow, key string }

type cacheEntry struct {
	x   *engine.Execution
	ref sessionRef
}

func newExecCache(max int) *execCache {
	return &execCache{max: max, lru: list.New(), bySID: map[string]*list.Element{}, byKey: map[sessionRef]*list.Element{}}
}

// generation is read before an execution is taken or loaded for a sprint
// and handed back to put.
func (c *execCache) generation() uint64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.gen
}

// take removes an execution from the cache for a sprint; nil when it is
// not there.
func (c *execCache) take(sid string) (*engine.Execution, sessionRef) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e := c.bySID[sid]
	if e == nil {
		return nil, sessionRef{}
	}
	ce := c.remove(e)
	return ce.x, ce.ref
}

// put keeps x, which the caller no longer changes, when it is active and
// no execution was deleted since gen; otherwise it only drops what the
// cache held for x's SID.
func (c *execCache) put(x *engine.Execution, ref sessionRef, gen uint64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if e := c.bySID[x.SID]; e != nil {
		c.remove(e)
	}
	if c.max <= 0 || gen != c.gen || !x.Active() {
		return
	}
	if ref.key != "" {
		if e := c.byKey[ref]; e != nil {
			c.remove(e) // cannot be active any more: the index allows one
		}
	}
	e := c.lru.PushFront(&cacheEntry{x: x, ref: ref})
	c.bySID[x.SID] = e
	if ref.key != "" {
		c.byKey[ref] = e
	}
	for c.lru.Len() > c.max {
		c.remove(c.lru.Back())
	}
}

// drop forgets an execution.
func (c *execCache) drop(sid string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if e := c.bySID[sid]; e != nil {
		c.remove(e)
	}
}

// active is the SID of the cached active execution of a flow for a
// session key, or "" when the cache does not know one.
func (c *execCache) active(flowSID, key string) string {
	c.mu.Lock()
	defer c.mu.Unlock()
	if e := c.byKey[sessionRef{flowSID, key}]; e != nil {
		return e.Value.(*cacheEntry).x.SID
	}
	return ""
}

// deleted drops what the store deleted: one execution, or all of a flow's
// (executionSID ""); see store.OnExecutionsDeleted.
func (c *execCache) deleted(flowSID, executionSID string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gen++
	if executionSID != "" {
		if e := c.bySID[executionSID]; e != nil {
			c.remove(e)
		}
		return
	}
	for e := c.lru.Front(); e != nil; {
		next := e.Next()
		if e.Value.(*cacheEntry).x.FlowSID == flowSID {
			c.remove(e)
		}
		e = next
	}
}

// len is the number of executions held.
func (c *execCache) len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.lru.Len()
}

func (c *execCache) remove(e *list.Element) *cacheEntry {
	ce := c.lru.Remove(e).(*cacheEntry)
	delete(c.bySID, ce.x.SID)
	if ce.ref.key != "" && c.byKey[ce.ref] == e {
		delete(c.byKey, ce.ref)
	}
	return ce
}
