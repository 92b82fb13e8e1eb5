//go:build windows

package store

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"golang.org/x/sys/windows"
)

// LockFile is the lock a running appliance holds in its data directory.
const LockFile = "switchboard.lock"

// pidOffset is where the holder's pid is written: past the one locked byte,
// since Windows refuses other handles' reads of a locked range.
const pidOffset = 8

// LockDir takes the data directory's lock (LockFileEx, released by Windows
// when the process ends). It fails with ErrRunning when another process has it.
func LockDir(dir string) (unlock func() error, err error) {
	path := filepath.Join(dir, LockFile)
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o640)
	if err != nil {
		return nil, fmt.Errorf("store: lock %s: %w", path, err)
	}
	ol := new(windows.Overlapped)
	if err := windows.LockFileEx(windows.Handle(f.Fd()), windows.LOCKFILE_EXCLUSIVE_LOCK|windows.LOCKFILE_FAIL_IMMEDIATELY, 0, 1, 0, ol); err != nil {
		// The holder wrote its pid past the locked byte, where others may read.
		b := make([]byte, 32)
		n, _ := f.ReadAt(b, pidOffset)
		f.Close()
		if errors.Is(err, windows.ERROR_LOCK_VIOLATION) {
			if pid := strings.TrimSpace(strings.TrimRight(string(b[:n]), "\x00")); pid != "" {
				return nil, fmt.Errorf("store: %w (%s, pid %s): stop it first", ErrRunning, dir, pid)
			}
			return nil, fmt.Errorf("store: %w (%s): stop it first", ErrRunning, dir)
		}
		return nil, fmt.Errorf("store: lock %s: %w", path, err)
	}
	_ = f.Truncate(pidOffset)
	_, _ = f.WriteAt([]byte(strconv.Itoa(os.Getpid())+"\n"), pidOffset)
	return func() error {
		_ = windows.UnlockFileEx(windows.Handle(f.Fd()), 0, 1, 0, ol)
		return f.Close()
	}, nil
}
