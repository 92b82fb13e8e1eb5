package media

import (
	"os"
	"time"

	"golang.org/x/sys/unix"
)

// ticker wakes a wheel goroutine on its millisecond ticks. On Linux it is a
// periodic timerfd read through the Go netpoller: time.Sleep's timers wait
// in epoll with millisecond resolution, so a sub-millisecond sleep woke up
// to a millisecond late (and at random), which showed up as send-interval
// jitter at 1,000 calls. A timerfd becomes readable on the kernel's
// high-resolution timer, and reading it parks only the goroutine (a raw
// nanosleep would hold the P and starve the RTP readers).
type ticker struct {
	f   *os.File
	buf [8]byte
}

// newTicker starts a tick every slotDur, the first at first (monotonic time
// since epoch); nil when no timerfd can be made (sleep instead).
func newTicker(first time.Duration) *ticker {
	fd, err := unix.TimerfdCreate(unix.CLOCK_MONOTONIC, unix.TFD_NONBLOCK|unix.TFD_CLOEXEC)
	if err != nil {
		return nil
	}
	d := max(first-monoNow(), time.Microsecond)
	spec := unix.ItimerSpec{Value: unix.NsecToTimespec(int64(d)), Interval: unix.NsecToTimespec(int64(slotDur))}
	if err := unix.TimerfdSettime(fd, 0, &spec, nil); err != nil {
		unix.Close(fd)
		return nil
	}
	return &ticker{f: os.NewFile(uintptr(fd), "pacer-timerfd")}
}

// waitUntil returns at or soon after due.
func (t *ticker) waitUntil(due time.Duration) {
	for monoNow() < due {
		if t == nil {
			time.Sleep(due - monoNow())
			continue
		}
		if _, err := t.f.Read(t.buf[:]); err != nil {
			time.Sleep(max(due-monoNow(), 0))
		}
	}
}

func (t *ticker) stop() {
	if t != nil {
		t.f.Close()
	}
}
