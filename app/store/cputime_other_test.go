//go:build !unix

package store

import "time"

// cpuTime is not measured here: the writer benchmark's CPU column reads 0.
func cpuTime() time.Duration { return 0 }
