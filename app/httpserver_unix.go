//go:build unix

package app

import "syscall"

// maxConnsFor is the connection cap when none is configured: 1,024, and
// never more than half the process's open-file limit, which the store, the
// SIP sockets and two RTP sockets per call share with HTTP.
func maxConnsFor() int {
	n := 1024
	var rl syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &rl); err == nil && rl.Cur > 0 && rl.Cur/2 < uint64(n) {
		n = int(rl.Cur / 2)
	}
	return max(n, 1)
}
