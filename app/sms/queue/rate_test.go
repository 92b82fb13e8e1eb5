package queue

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/switchboard/switchboard/app/store"
)

// The gap of a gateway's rate limit runs from the start of one send to
// the start of the next. A claim that took long (a busy store) must not
// let the next send follow closer than the gap.
func TestRateGapCountsFromTheSend(t *testing.T) {
	now := time.Unix(1_700_000_000, 0)
	g := &gateway{q: &Queue{opt: Options{Now: func() time.Time { return now }}}, cfg: store.Gateway{RatePerMinute: 600}}
	// Claims take 60, 5, 130 and 5 ms: the gaps between send starts are
	// the rate's 100 ms, or the claim's time when that is longer.
	claims := []time.Duration{60, 5, 130, 5}
	want := []time.Duration{100, 130, 100}
	var starts []time.Time
	for _, c := range claims {
		now = now.Add(c * time.Millisecond) // claiming the message
		now = now.Add(g.rateWait())         // the send loop's sleep
		g.book()
		starts = append(starts, now)
	}
	for i := 1; i < len(starts); i++ {
		require.Equal(t, want[i-1]*time.Millisecond, starts[i].Sub(starts[i-1]), "gap before send %d", i)
	}

	// No limit: never a wait.
	g = &gateway{q: g.q, cfg: store.Gateway{}}
	g.book()
	require.Zero(t, g.rateWait())
}
