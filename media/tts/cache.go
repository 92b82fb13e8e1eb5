package tts

import (
	"container/list"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"sync"
)

// Key is the cache key of a synthesis: sha256 over the engine, voice,
// language, speed and text, as 64 hex digits.
func Key(engine, voice, language string, speed int, text string) string {
	h := sha256.New()
	for _, s := range []string{engine, voice, language, strconv.Itoa(speed), text} {
		var n [8]byte
		binary.LittleEndian.PutUint64(n[:], uint64(len(s)))
		h.Write(n[:]) // length-prefixed: no ambiguity between fields
		h.Write([]byte(s))
	}
	return hex.EncodeToString(h.Sum(nil))
}

// Cache keeps 8 kHz PCM prompts in memory (an LRU bounded by bytes) and,
// when it has a directory, on disk as raw 16-bit little-endian files
// (<dir>/<key[:2]>/<key>.s16), so they survive restarts. Concurrent Gets
// of one key build it once. Returned slices are shared: do not modify them.
type Cache struct {
	dir      string
	maxBytes int64

	mu     sync.Mutex
	lru    *list.List // of *entry, most recent at front
	items  map[string]*list.Element
	size   int64
	flight map[string]*flight
	hits   int64
	misses int64
}

type entry struct {
	key string
	pcm []int16
}

type flight struct {
	done chan struct{}
	pcm  []int16
	err  error
}

// NewCache returns a cache holding up to maxBytes of PCM in memory and,
// when dir is not empty, everything on disk under dir (created if needed).
func NewCache(dir string, maxBytes int64) (*Cache, error) {
	if dir != "" {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return nil, fmt.Errorf("tts cache: %w", err)
		}
	}
	return &Cache{dir: dir, maxBytes: maxBytes, lru: list.New(), items: map[string]*list.Element{}, flight: map[string]*flight{}}, nil
}

// Stats returns the number of Gets answered from memory or disk (hits) and
// the number that had to build (misses).
func (c *Cache) Stats() (hits, misses int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.hits, c.misses
}

// Len is the number of prompts held in memory; Bytes their size.
func (c *Cache) Len() int { c.mu.Lock(); defer c.mu.Unlock(); return c.lru.Len() }

// Bytes is the memory held by cached PCM.
func (c *Cache) Bytes() int64 { c.mu.Lock(); defer c.mu.Unlock(); return c.size }

// Get returns the PCM for key: from memory, from disk, or by calling build
// once however many callers ask at the same time. build runs detached from
// the first caller's cancellation (so a hang-up does not fail the others);
// each caller stops waiting when its own ctx ends. Errors are not cached.
func (c *Cache) Get(ctx context.Context, key string, build func(context.Context) ([]int16, error)) ([]int16, error) {
	c.mu.Lock()
	if el, ok := c.items[key]; ok {
		c.lru.MoveToFront(el)
		c.hits++
		c.mu.Unlock()
		return el.Value.(*entry).pcm, nil
	}
	f, ok := c.flight[key]
	if !ok {
		f = &flight{done: make(chan struct{})}
		c.flight[key] = f
		go c.fill(context.WithoutCancel(ctx), key, f, build)
	}
	c.mu.Unlock()
	select {
	case <-f.done:
		return f.pcm, f.err
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

func (c *Cache) fill(ctx context.Context, key string, f *flight, build func(context.Context) ([]int16, error)) {
	pcm, fromDisk := c.readDisk(key)
	if !fromDisk {
		pcm, f.err = build(ctx)
		if f.err == nil {
			c.writeDisk(key, pcm)
		}
	}
	f.pcm = pcm
	c.mu.Lock()
	delete(c.flight, key)
	if fromDisk {
		c.hits++
	} else {
		c.misses++
	}
	if f.err == nil {
		c.add(key, pcm)
	}
	c.mu.Unlock()
	close(f.done)
}

// add stores pcm under key and evicts the least recently used entries
// beyond maxBytes. Entries larger than the whole budget stay on disk only.
func (c *Cache) add(key string, pcm []int16) {
	n := int64(2 * len(pcm))
	if n > c.maxBytes {
		return
	}
	c.items[key] = c.lru.PushFront(&entry{key: key, pcm: pcm})
	c.size += n
	for c.size > c.maxBytes {
		el := c.lru.Back()
		e := el.Value.(*entry)
		c.lru.Remove(el)
		delete(c.items, e.key)
		c.size -= int64(2 * len(e.pcm))
	}
}

func (c *Cache) path(key string) string {
	return filepath.Join(c.dir, key[:2], key+".s16")
}

func validKey(key string) bool {
	if len(key) < 4 {
		return false
	}
	for _, r := range key {
		if !(r >= '0' && r <= '9' || r >= 'a' && r <= 'f') {
			return false
		}
	}
	return true
}

func (c *Cache) readDisk(key string) ([]int16, bool) {
	if c.dir == "" || !validKey(key) {
		return nil, false
	}
	b, err := os.ReadFile(c.path(key))
	if err != nil || len(b)%2 != 0 {
		return nil, false
	}
	pcm := make([]int16, len(b)/2)
	for i := range pcm {
		pcm[i] = int16(binary.LittleEndian.Uint16(b[2*i:]))
	}
	return pcm, true
}

// writeDisk stores atomically (temporary file, then rename); failures only
// cost a rebuild later.
func (c *Cache) writeDisk(key string, pcm []int16) {
	if c.dir == "" || !validKey(key) {
		return
	}
	p := c.path(key)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		return
	}
	b := make([]byte, 2*len(pcm))
	for i, s := range pcm {
		binary.LittleEndian.PutUint16(b[2*i:], uint16(s))
	}
	tmp, err := os.CreateTemp(filepath.Dir(p), key+".tmp*")
	if err != nil {
		return
	}
	_, werr := tmp.Write(b)
	cerr := tmp.Close()
	if werr != nil || cerr != nil {
		os.Remove(tmp.Name())
		return
	}
	if err := os.Rename(tmp.Name(), p); err != nil {
		os.Remove(tmp.Name())
	}
}

// Remove drops key from memory and disk.
func (c *Cache) Remove(key string) error {
	c.mu.Lock()
	if el, ok := c.items[key]; ok {
		c.lru.Remove(el)
		delete(c.items, key)
		c.size -= int64(2 * len(el.Value.(*entry).pcm))
	}
	c.mu.Unlock()
	if c.dir == "" || !validKey(key) {
		return nil
	}
	if err := os.Remove(c.path(key)); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	return nil
}
