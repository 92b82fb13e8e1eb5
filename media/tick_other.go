//go:build !linux

package media

import "time"

// ticker sleeps until each tick where no timerfd exists.
type ticker struct{}

func newTicker(time.Duration) *ticker { return nil }

func (t *ticker) waitUntil(due time.Duration) {
	if d := due - monoNow(); d > 0 {
		time.Sleep(d)
	}
}

func (t *ticker) stop() {}
