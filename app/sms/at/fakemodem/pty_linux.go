//go:build linux

package fakemodem

import (
	"fmt"
	"os"

	"golang.org/x/sys/unix"
)

// oNoCTTY keeps the test process from taking the terminal as its
// controlling terminal when it opens the modem.
const oNoCTTY = unix.O_NOCTTY

// pollable returns f as a non-blocking file, so that closing it wakes the
// goroutine reading it (pty.Open hands it over in blocking mode, where Close
// waits for a read that never ends, and the client never sees the hang-up).
func pollable(f *os.File) (*os.File, error) {
	fd, err := unix.Dup(int(f.Fd()))
	f.Close()
	if err != nil {
		return nil, fmt.Errorf("dup the pty: %w", err)
	}
	if err := unix.SetNonblock(fd, true); err != nil {
		unix.Close(fd)
		return nil, fmt.Errorf("non-blocking pty: %w", err)
	}
	return os.NewFile(uintptr(fd), "/dev/ptmx"), nil
}

// makeRaw turns off the line discipline on the terminal side, so bytes pass
// as they are before the client sets its own mode.
func makeRaw(f *os.File) error {
	t, err := unix.IoctlGetTermios(int(f.Fd()), unix.TCGETS)
	if err != nil {
		return err
	}
	t.Iflag &^= unix.IGNBRK | unix.BRKINT | unix.PARMRK | unix.ISTRIP | unix.INLCR | unix.IGNCR | unix.ICRNL | unix.IXON
	t.Oflag &^= unix.OPOST
	t.Lflag &^= unix.ECHO | unix.ECHONL | unix.ICANON | unix.ISIG | unix.IEXTEN
	t.Cflag &^= unix.CSIZE | unix.PARENB
	t.Cflag |= unix.CS8
	t.Cc[unix.VMIN], t.Cc[unix.VTIME] = 1, 0
	return unix.IoctlSetTermios(int(f.Fd()), unix.TCSETS, t)
}
