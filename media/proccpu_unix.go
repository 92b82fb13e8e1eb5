//go:build unix

package media

import (
	"syscall"
	"time"
)

// processCPU is the CPU time the process has used so far, user and system
// (the RTP syscalls are most of a loaded appliance's time).
func processCPU() (time.Duration, bool) {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0, false
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano()), true
}
