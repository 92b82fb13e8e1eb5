// Package mediatest holds helpers for tests of the media path and of what
// runs on it (app/voice): a box loaded on purpose.
package mediatest

import (
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// BurnCPU keeps n goroutines spinning (busy arithmetic, no syscalls) until
// the returned stop is called, the test ends, or 60 s pass, whichever comes
// first: a loaded box without depending on what else runs on it.
func BurnCPU(t testing.TB, n int) (stop func()) {
	t.Helper()
	var quit atomic.Bool
	var wg sync.WaitGroup
	deadline := time.Now().Add(60 * time.Second)
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			x := uint64(1)
			for i := 0; !quit.Load(); i++ {
				for range 10000 {
					x = x*6364136223846793005 + 1442695040888963407
				}
				if i%1000 == 0 && time.Now().After(deadline) {
					return
				}
			}
			runtime.KeepAlive(x)
		}()
	}
	var once sync.Once
	stop = func() { once.Do(func() { quit.Store(true); wg.Wait() }) }
	t.Cleanup(stop)
	return stop
}
