package runner

import (
	"container/list"
	"sync"

	"github.com/switchboard/switchboard/engine"
)

// defaultProgramBytes bounds the compiled flow revisions the runner keeps,
// by the size of their definitions' JSON: a compiled program takes about
// three times its JSON (6 KB for a 2 KB flow, 182 KB for a 60 KB one, in
// the shared corpus). Every saved revision that runs (a draft tried in the
// simulator after each edit, say) compiles once; kept without a bound,
// they grew the process for as long as it ran. 4 MB of JSON is about
// 12 MB compiled: some 70 revisions of a 60 KB flow, 2,000 of a 2 KB one.
const defaultProgramBytes = 4 << 20

// programCache keeps compiled flow revisions (numbered revisions never
// change), the most recently used first, within max bytes of definition
// JSON; the least recently used go first when it is over. One program
// larger than the whole bound is still kept, alone. A revision that left
// compiles again when it runs next.
type programCache struct {
	mu    sync.Mutex
	max   int
	size  int
	order *list.List // of *programEntry, most recently used at the front
	items map[string]*list.Element
}

type programEntry struct {
	key    string
	p      *engine.Program
	weight int
}

func newProgramCache(max int) *programCache {
	return &programCache{max: max, order: list.New(), items: map[string]*list.Element{}}
}

// get returns the program kept under key (flow SID/revision), or nil.
func (c *programCache) get(key string) *engine.Program {
	c.mu.Lock()
	defer c.mu.Unlock()
	el := c.items[key]
	if el == nil {
		return nil
	}
	c.order.MoveToFront(el)
	return el.Value.(*programEntry).p
}

// put keeps p under key, weighing weight bytes (its definition's JSON),
// and lets the least recently used go while the cache is over its bound.
// A key already kept keeps its first program (two sprints that compiled
// the same revision at once got equal ones).
func (c *programCache) put(key string, p *engine.Program, weight int) *engine.Program {
	c.mu.Lock()
	defer c.mu.Unlock()
	if el := c.items[key]; el != nil {
		c.order.MoveToFront(el)
		return el.Value.(*programEntry).p
	}
	c.items[key] = c.order.PushFront(&programEntry{key: key, p: p, weight: weight})
	c.size += weight
	for c.size > c.max && c.order.Len() > 1 {
		last := c.order.Back()
		e := last.Value.(*programEntry)
		c.order.Remove(last)
		delete(c.items, e.key)
		c.size -= e.weight
	}
	return p
}

// len is the number of programs kept (tests).
func (c *programCache) len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.order.Len()
}
