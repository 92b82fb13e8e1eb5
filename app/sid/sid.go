// Package sid makes resource identifiers shaped like Studio's: a two-letter
// prefix and 32 lowercase hex digits (FW… flows, FN… executions, FT… steps).
package sid

import (
	"crypto/rand"
	"encoding/hex"
	"regexp"
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

// New returns a random SID with the given prefix.
func New(prefix string) string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails on supported platforms
	return prefix + hex.EncodeToString(b[:])
}

// Valid reports whether s looks like a SID with the given prefix.
func Valid(s, prefix string) bool { return re.MatchString(s) && s[:2] == prefix }
