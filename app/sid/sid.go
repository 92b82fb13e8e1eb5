// Package sid makes resource identifiers shaped like Studio's: a two-letter
// prefix and 32 lowercase hex digits (FW… flows, FN… executions, FT… steps).
package sid

import (
	"crypto/rand"
	"encoding/binary"
	"encoding/hex"
	"regexp"
	"sync/atomic"
	"time"
)

// Prefixes used by Studio.
const (
	Flow      = "FW"
	Execution = "FN"
	Step      = "FT"
	Contact   = "FC"
)

var re = regexp.MustCompile(`^[A-Z]{2}[0-9a-fA-F]{32}$`)

// Generator makes SIDs. Tests swap in a deterministic one.
type Generator func(prefix string) string

// lastMillis is the newest time New has used, so that its SIDs never sort
// before earlier ones when the wall clock steps back.
var lastMillis atomic.Int64

// New returns a SID with the given prefix whose first 12 hex digits are the
// time in milliseconds and whose other 20 are random (80 bits), like a
// UUIDv7. Studio's SIDs have no order, but ours are keys of B-trees
// (executions, and steps keyed by their execution): random keys land all
// over the tree, so every insert dirties its own page and each commit writes
// a page per row; SIDs made in time order land at the tree's right edge,
// where a commit's rows share pages. 80 random bits keep SIDs unguessable
// and unique.
func New(prefix string) string { return newAt(prefix, time.Now().UnixMilli()) }

// newAt is New at a given time in milliseconds.
func newAt(prefix string, ms int64) string {
	for {
		last := lastMillis.Load()
		if ms <= last {
			ms = last
			break
		}
		if lastMillis.CompareAndSwap(last, ms) {
			break
		}
	}
	var b [16]byte
	binary.BigEndian.PutUint64(b[:8], uint64(ms)<<16)
	_, _ = rand.Read(b[6:]) // crypto/rand.Read never fails on supported platforms
	return prefix + hex.EncodeToString(b[:])
}

// Valid reports whether s looks like a SID with the given prefix.
func Valid(s, prefix string) bool { return re.MatchString(s) && s[:2] == prefix }
