package runner

import (
	"container/list"
	"encoding/json"
	"sync"
	"time"

	"github.com/switchboard/switchboard/app/store"
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
//
// An execution that waits longer than compactAfter (a call on a prompt, a
// contact who has not replied yet) is kept as its JSON, which is what the
// store holds, instead of decoded: a waiting voice call's execution took
// about 7.6 KB decoded against about 1 KB encoded. Its next sprint decodes
// it as a store read would, but without the read. Executions whose next
// sprint comes sooner (a conversation in flight, a gather's digits) are
// taken before they are encoded.
type execCache struct {
	mu    sync.Mutex
	max   int
	gen   uint64 // bumped by every deletion
	after time.Duration
	now   func() time.Time
	// hot holds the decoded executions and cold the encoded ones, each most
	// recently put first. Every cold entry was put before every hot one
	// (an entry goes cold only when it is the oldest hot one), so hot then
	// cold is the whole cache in the order it was put.
	hot, cold *list.List // of *cacheEntry
	bySID     map[string]*list.Element
	byKey     map[sessionRef]*list.Element
	timer     *time.Timer // runs compact while hot entries are waiting
	armed     bool
}

// compactAfter is how long an execution waits in the cache decoded before
// it is kept encoded (see execCache).
const compactAfter = time.Second

// compactBatch bounds the entries encoded under one hold of the cache's
// lock (some microseconds each), so that sprints taking and putting
// executions meanwhile wait at most that long.
const compactBatch = 8

// sessionRef is what "one active execution per contact" keys on: the flow
// and the session key (see sessionKey); the zero value is unknown.
type sessionRef struct{ flow, key string }

type cacheEntry struct {
	sid, flow string
	x         *engine.Execution // nil once encoded
	enc       []byte            // x as JSON, once encoded (cold)
	ref       sessionRef
	at        time.Time // when it was put
}

func newExecCache(max int) *execCache {
	return &execCache{max: max, after: compactAfter, now: time.Now, hot: list.New(), cold: list.New(),
		bySID: map[string]*list.Element{}, byKey: map[sessionRef]*list.Element{}}
}

// generation is read before an execution is taken or loaded for a sprint
// and handed back to put.
func (c *execCache) generation() uint64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.gen
}

// take removes an execution from the cache for a sprint; nil when it is
// not there (or its JSON did not decode: the store has it).
func (c *execCache) take(sid string) (*engine.Execution, sessionRef) {
	c.mu.Lock()
	e := c.bySID[sid]
	if e == nil {
		c.mu.Unlock()
		return nil, sessionRef{}
	}
	ce := c.remove(e)
	c.mu.Unlock()
	if ce.x != nil {
		return ce.x, ce.ref
	}
	x := new(engine.Execution)
	if err := json.Unmarshal(ce.enc, x); err != nil {
		return nil, sessionRef{}
	}
	return x, ce.ref
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
	e := c.hot.PushFront(&cacheEntry{sid: x.SID, flow: x.FlowSID, x: x, ref: ref, at: c.now()})
	c.bySID[x.SID] = e
	if ref.key != "" {
		c.byKey[ref] = e
	}
	for c.hot.Len()+c.cold.Len() > c.max {
		if c.cold.Len() > 0 {
			c.remove(c.cold.Back())
		} else {
			c.remove(c.hot.Back())
		}
	}
	if !c.armed && c.after > 0 {
		c.armed = true
		if c.timer == nil {
			c.timer = time.AfterFunc(c.after, c.compactDue)
		} else {
			c.timer.Reset(c.after)
		}
	}
}

// compactDue is the timer's: it encodes the executions put more than
// c.after ago and sets the timer for the next one due, if any.
func (c *execCache) compactDue() {
	for c.compact(c.now().Add(-c.after)) {
		// a full batch: waiting sprints had the lock in between
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.hot.Len() == 0 {
		c.armed = false
		return
	}
	next := c.hot.Back().Value.(*cacheEntry).at.Add(c.after).Sub(c.now())
	c.timer.Reset(max(next, time.Millisecond)) // one put meanwhile may be due already
}

// compact encodes up to compactBatch of the executions put before cutoff,
// oldest first. more says a full batch was done and others may be due.
// An execution that does not encode is dropped (a sprint reloads it).
func (c *execCache) compact(cutoff time.Time) (more bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for n := 0; n < compactBatch; n++ {
		e := c.hot.Back()
		if e == nil {
			return false
		}
		ce := e.Value.(*cacheEntry)
		if ce.at.After(cutoff) {
			return false
		}
		enc, err := store.EncodeExecution(ce.x)
		if err != nil {
			c.remove(e)
			continue
		}
		c.hot.Remove(e)
		ce.x, ce.enc = nil, enc
		ne := c.cold.PushFront(ce)
		c.bySID[ce.sid] = ne
		if ce.ref.key != "" && c.byKey[ce.ref] == e {
			c.byKey[ce.ref] = ne
		}
	}
	return true
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
		return e.Value.(*cacheEntry).sid
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
	for _, l := range []*list.List{c.hot, c.cold} {
		for e := l.Front(); e != nil; {
			next := e.Next()
			if e.Value.(*cacheEntry).flow == flowSID {
				c.remove(e)
			}
			e = next
		}
	}
}

// len is the number of executions held.
func (c *execCache) len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.hot.Len() + c.cold.Len()
}

// encoded is the number of executions held as JSON.
func (c *execCache) encoded() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.cold.Len()
}

func (c *execCache) remove(e *list.Element) *cacheEntry {
	ce := e.Value.(*cacheEntry)
	if ce.x != nil {
		c.hot.Remove(e)
	} else {
		c.cold.Remove(e)
	}
	delete(c.bySID, ce.sid)
	if ce.ref.key != "" && c.byKey[ce.ref] == e {
		delete(c.byKey, ce.ref)
	}
	return ce
}
