package media

import (
	"testing"
	"time"
)

// TestAdmitRateLearns: the rate halves at each trip, grows additively only
// in calm samples where the limit was reached, never leaves [floor, cap].
func TestAdmitRateLearns(t *testing.T) {
	type step struct {
		n       int  // samples of this kind
		tripped bool // the guard just started refusing
		calm    bool
		demand  bool // the bucket refused a call in each sample
	}
	tests := []struct {
		name  string
		start float64
		steps []step
		want  float64
	}{
		{"a trip halves", 40, []step{{1, true, false, true}}, 20},
		{"three trips", 200, []step{{3, true, false, false}}, 25},
		{"the floor holds", 3, []step{{5, true, false, true}}, admitFloor},
		{"calm at the limit grows 2/s per second", 20, []step{{10, false, true, true}}, 22},
		{"calm without demand stays", 20, []step{{100, false, true, false}}, 20},
		{"not calm does not grow", 20, []step{{100, false, false, true}}, 20},
		{"the cap holds", admitCap - 1, []step{{100, false, true, true}}, admitCap},
		{"trip then recover", 40, []step{{1, true, false, true}, {50, false, true, true}}, 30},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			a := NewAdmitRate()
			a.rate = tc.start
			for _, s := range tc.steps {
				for range s.n {
					a.refused = s.demand
					a.sample(guardSample, s.tripped, s.calm)
				}
			}
			if got := a.Rate(); got < tc.want-1e-9 || got > tc.want+1e-9 {
				t.Fatalf("rate %v, want %v", got, tc.want)
			}
		})
	}
}

// TestAdmitRateBucket: at rate r the bucket admits a burst of r/4 at once,
// then r per second, and marks demand when it refuses.
func TestAdmitRateBucket(t *testing.T) {
	a := NewAdmitRate() // 20/s, burst 5
	now := time.Second
	got := 0
	for range 100 {
		if a.Take(now) {
			got++
		}
	}
	if got != 5 {
		t.Fatalf("burst admitted %d, want 5", got)
	}
	if !a.refused {
		t.Fatal("refusals did not mark demand")
	}
	got = 0
	for i := range 2000 { // 2 s, an INVITE every ms
		if a.Take(now + time.Duration(i+1)*time.Millisecond) {
			got++
		}
	}
	if got < 39 || got > 41 {
		t.Fatalf("2 s at 20/s admitted %d, want 40", got)
	}
}

// TestLoadGuardTripHalvesRate: the guard's own trip feeds the learner.
func TestLoadGuardTripHalvesRate(t *testing.T) {
	g := quietGuard()
	var cum [coarseBuckets + 1]uint64
	now := time.Duration(0)
	for range 10 {
		cum = *pacerCounts(&cum, 1000, 100*time.Microsecond)
		now += guardSample
		g.sample(now, &cum, nil)
	}
	cum = *pacerCounts(&cum, 1000, enterPacer)
	g.sample(now+guardSample, &cum, nil)
	if !g.Overloaded() || g.AdmitRate() != admitStart/2 {
		t.Fatalf("overloaded %v rate %v, want true %v", g.Overloaded(), g.AdmitRate(), admitStart/2)
	}
}
