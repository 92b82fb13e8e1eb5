package media

import (
	"os"
	"time"

	"golang.org/x/sys/unix"
)

// ticker wakes a wheel goroutine on its millisecond ticks, from whichever
// of two sources comes first:
//
//   - a periodic timerfd, read through the Go netpoller on a goroutine of
//     its own: on an idle box it wakes on the kernel's high-resolution
//     timer (time.Sleep's timers wait in epoll with millisecond resolution,
//     so a sub-millisecond sleep woke up to a millisecond late, at random);
//   - a Go timer: the scheduler checks its timers at every goroutine switch,
//     whereas it polls the network only when a P runs out of work, or from
//     sysmon once 10 ms have passed without a poll. While call setups keep
//     both Ps busy the timerfd alone was noticed up to 10 ms late (the load
//     guard's flood test saw exactly 10 ms wheel stalls); the timer is not.
//
// A raw nanosleep is not an option: it would hold the P and starve the RTP
// readers.
type ticker struct {
	f     *os.File
	fired chan struct{} // the timerfd's tick, from read
	timer *time.Timer
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
	t := &ticker{f: os.NewFile(uintptr(fd), "pacer-timerfd"), fired: make(chan struct{}, 1), timer: time.NewTimer(time.Hour)}
	go t.read()
	return t
}

// read turns the timerfd's ticks into fired until the file is closed.
func (t *ticker) read() {
	var buf [8]byte
	for {
		if _, err := t.f.Read(buf[:]); err != nil {
			return
		}
		select {
		case t.fired <- struct{}{}:
		default:
		}
	}
}

// waitUntil returns at or soon after due.
func (t *ticker) waitUntil(due time.Duration) {
	for {
		d := due - monoNow()
		if d <= 0 {
			return
		}
		if t == nil {
			time.Sleep(d)
			continue
		}
		t.timer.Reset(d)
		select {
		case <-t.fired:
		case <-t.timer.C:
		}
	}
}

func (t *ticker) stop() {
	if t != nil {
		t.timer.Stop()
		t.f.Close()
	}
}
