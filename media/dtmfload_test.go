package media

import (
	"context"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/switchboard/switchboard/media/mediatest"
)

// TestDigitsSurviveLoadedBox sends a known digit sequence by RFC 4733 on 50
// calls at once while CPU burners keep every core busy: every digit must
// arrive, once and in order, on every call.
func TestDigitsSurviveLoadedBox(t *testing.T) {
	const calls = 50
	const digits = "0123456789*#"
	p := testPool(t, 2*calls)
	type pair struct{ a, b *Session }
	pairs := make([]pair, calls)
	for i := range pairs {
		a, b := openSession(t, p), openSession(t, p)
		must(t, a.Start(b.LocalAddr(), 0, 8000, 101))
		must(t, b.Start(a.LocalAddr(), 0, 8000, 101))
		a.SetIdle(true)
		b.SetIdle(true)
		pairs[i] = pair{a, b}
	}
	mediatest.BurnCPU(t, 2*runtime.GOMAXPROCS(0))

	ctx, cancel := context.WithTimeout(context.Background(), 40*time.Second)
	defer cancel()
	got := make([][]byte, calls)
	var wg sync.WaitGroup
	for i, pr := range pairs {
		wg.Add(2)
		go func() {
			defer wg.Done()
			if err := pr.a.SendDigits(ctx, digits, 60, 40); err != nil {
				t.Errorf("call %d: SendDigits: %v", i, err)
			}
		}()
		go func() {
			defer wg.Done()
			for len(got[i]) < len(digits) {
				select {
				case e := <-pr.b.Events():
					if e.Kind == EventDigit {
						got[i] = append(got[i], e.Digit)
					}
				case <-ctx.Done():
					return
				}
			}
		}()
	}
	wg.Wait()
	for i := range got {
		if string(got[i]) != digits {
			t.Errorf("call %d: got %q, want %q (events dropped %d)", i, got[i], digits, pairs[i].b.Stats().EventsDropped)
		}
	}
	st := PacerStats()
	t.Logf("%d calls under %d burners: pacer p99 %v, max %v, late %d, skipped %d", calls, 2*runtime.GOMAXPROCS(0), st.P99, st.Max, st.Late, st.Skipped)
}

// TestDigitsQueueBehindSlowReader: a reader that does not read while more
// digits arrive than the events channel holds still gets all of them, in
// order (they used to be dropped past eventBuffer).
func TestDigitsQueueBehindSlowReader(t *testing.T) {
	p := testPool(t, 4)
	a, b := openSession(t, p), openSession(t, p)
	must(t, a.Start(b.LocalAddr(), 0, 8000, 101))
	must(t, b.Start(a.LocalAddr(), 0, 8000, 101))
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	digits := ""
	for len(digits) < eventBuffer+12 {
		digits += "0123456789*#ABCD"
	}
	digits = digits[:eventBuffer+12]
	must(t, a.SendDigits(ctx, digits, 40, 20)) // returns when the last digit was sent
	waitFor(t, func() bool { return b.Stats().Digits >= uint64(len(digits)) })
	var got []byte
	for len(got) < len(digits) {
		e, ok := waitEvent(t, b, 2*time.Second)
		if !ok {
			break
		}
		if e.Kind == EventDigit {
			got = append(got, e.Digit)
		}
	}
	if string(got) != digits {
		t.Fatalf("got %q (%d), want %q (%d); dropped %d", got, len(got), digits, len(digits), b.Stats().EventsDropped)
	}
	if n := b.Stats().EventsDropped; n != 0 {
		t.Fatalf("events dropped %d", n)
	}
}
