//go:build windows

package app

// maxConnsFor is the connection cap when none is configured: 1,024.
// Windows has no per-process open-file limit to stay under (sockets are
// kernel handles, bounded by memory), so the cap is only the default.
func maxConnsFor() int { return 1024 }
