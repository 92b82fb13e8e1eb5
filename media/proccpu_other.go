//go:build !unix

package media

import "time"

// processCPU: not read here; the load guard then judges lateness alone.
func processCPU() (time.Duration, bool) { return 0, false }
