//go:build unix

package voice

import (
	"syscall"
	"testing"
)

// raiseNoFile lifts the open-files limit to its hard maximum: the load
// benches hold two RTP sockets per call.
func raiseNoFile(t *testing.T) {
	var l syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &l); err != nil {
		return
	}
	if l.Cur < l.Max {
		l.Cur = l.Max
		if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &l); err != nil {
			t.Logf("raising open files limit: %v", err)
		}
	}
	if l.Cur < 8192 {
		t.Logf("open files limit is %d: 1,000 calls need about 2,100", l.Cur)
	}
}
