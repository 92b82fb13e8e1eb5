package sip

import (
	"testing"
	"time"
)

// TestNextLostWait: a trunk whose connection is lost registers again at
// once; when its registrations keep losing their connection within a
// minute, the waits double up to the back-off ceiling; a registration that
// lived a minute starts over.
func TestNextLostWait(t *testing.T) {
	tests := []struct {
		name             string
		prev, lived      time.Duration
		wantWait, wantNx time.Duration
	}{
		{"first loss", 0, time.Second, 0, trunkBackoffMin},
		{"second quick loss", trunkBackoffMin, time.Second, trunkBackoffMin, 2 * trunkBackoffMin},
		{"ceiling", trunkBackoffMax, time.Second, trunkBackoffMax, trunkBackoffMax},
		{"lived long", 8 * time.Second, lostHold, 0, trunkBackoffMin},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			w, n := nextLostWait(tc.prev, tc.lived)
			if w != tc.wantWait || n != tc.wantNx {
				t.Errorf("nextLostWait(%s, %s) = %s, %s; want %s, %s", tc.prev, tc.lived, w, n, tc.wantWait, tc.wantNx)
			}
		})
	}
}

// TestTrunkKeepAliveEvery: zero is the default, negative is off.
func TestTrunkKeepAliveEvery(t *testing.T) {
	for _, tc := range []struct{ in, want time.Duration }{{0, DefaultKeepAlive}, {-1, 0}, {5 * time.Second, 5 * time.Second}} {
		r := &trunkRunner{cfg: Trunk{KeepAlive: tc.in}}
		if got := r.keepAliveEvery(); got != tc.want {
			t.Errorf("KeepAlive %s: every %s, want %s", tc.in, got, tc.want)
		}
	}
}
