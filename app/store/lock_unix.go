//go:build unix

package store

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"
)

// LockFile is the lock a running appliance holds in its data directory.
const LockFile = "switchboard.lock"

// LockDir takes the data directory's lock (flock, released by the kernel
// when the process dies, so a crash leaves no stale lock). It fails with
// ErrRunning, naming the holder's pid, when another process has it.
func LockDir(dir string) (unlock func() error, err error) {
	path := filepath.Join(dir, LockFile)
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o640)
	if err != nil {
		return nil, fmt.Errorf("store: lock %s: %w", path, err)
	}
	if err := unix.Flock(int(f.Fd()), unix.LOCK_EX|unix.LOCK_NB); err != nil {
		b := make([]byte, 32)
		n, _ := f.ReadAt(b, 0)
		f.Close()
		if errors.Is(err, unix.EWOULDBLOCK) {
			pid := strings.TrimSpace(string(b[:n]))
			if pid != "" {
				return nil, fmt.Errorf("store: %w (%s, pid %s): stop it first", ErrRunning, dir, pid)
			}
			return nil, fmt.Errorf("store: %w (%s): stop it first", ErrRunning, dir)
		}
		return nil, fmt.Errorf("store: lock %s: %w", path, err)
	}
	_ = f.Truncate(0)
	_, _ = f.WriteAt([]byte(strconv.Itoa(os.Getpid())+"\n"), 0)
	return func() error {
		_ = f.Truncate(0)
		return f.Close() // closing drops the flock
	}, nil
}
