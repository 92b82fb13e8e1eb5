package app

import (
	"testing"

	"github.com/switchboard/switchboard/media"
)

// TestRateWhileCallsUp: the learned rate is asked only while a call is up;
// with none, every INVITE is admitted and no token is taken.
func TestRateWhileCallsUp(t *testing.T) {
	tests := []struct {
		name  string
		calls int
		want  int // of 100 INVITEs at one instant
	}{
		{"no call up admits all", 0, 100},
		{"a call up meets the bucket's burst", 1, 5},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := rateWhileCallsUp{guard: media.NewLoadGuard(nil), calls: func() int { return tc.calls }}
			got := 0
			for range 100 {
				if r.TakeCall() {
					got++
				}
			}
			// the bucket refills while the loop runs: a little over the burst
			if got < tc.want || got > tc.want+2 {
				t.Fatalf("admitted %d, want %d", got, tc.want)
			}
			if r.AdmitRate() != 20 {
				t.Fatalf("rate %v", r.AdmitRate())
			}
		})
	}
}
