package auth

import (
	"net/netip"
	"testing"
	"time"
)

func TestThrottle(t *testing.T) {
	now := time.Unix(1_700_000_000, 0)
	clock := func() time.Time { return now }
	ip := func(s string) netip.Addr { return netip.MustParseAddr(s) }
	cases := []struct {
		name  string
		run   func(th *Throttle)
		src   string
		block bool
	}{
		{"under the limit", func(th *Throttle) {
			for range 2 {
				th.Fail(ip("10.0.0.1"))
			}
		}, "10.0.0.1", false},
		{"at the limit", func(th *Throttle) {
			for range 3 {
				th.Fail(ip("10.0.0.1"))
			}
		}, "10.0.0.1", true},
		{"another source is not blocked", func(th *Throttle) {
			for range 3 {
				th.Fail(ip("10.0.0.1"))
			}
		}, "10.0.0.2", false},
		{"IPv6 counts by /64", func(th *Throttle) {
			th.Fail(ip("2001:db8::1"))
			th.Fail(ip("2001:db8::2"))
			th.Fail(ip("2001:db8::ffff:3"))
		}, "2001:db8::77", true},
		{"IPv4-mapped is the same source", func(th *Throttle) {
			for range 3 {
				th.Fail(ip("::ffff:10.0.0.9"))
			}
		}, "10.0.0.9", true},
		{"failures spread over windows do not add up", func(th *Throttle) {
			th.Fail(ip("10.0.0.1"))
			th.Fail(ip("10.0.0.1"))
			now = now.Add(time.Minute)
			th.Fail(ip("10.0.0.1"))
		}, "10.0.0.1", false},
		{"the block ends after the window", func(th *Throttle) {
			for range 3 {
				th.Fail(ip("10.0.0.1"))
			}
			now = now.Add(time.Minute)
		}, "10.0.0.1", false},
		{"remembered sources are bounded", func(th *Throttle) {
			for i := range 10 {
				th.Fail(netip.AddrFrom4([4]byte{10, 1, 0, byte(i)}))
			}
			if n := len(th.sources); n > 4 {
				t.Errorf("%d sources remembered, cap 4", n)
			}
		}, "10.1.0.9", false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			th := &Throttle{Max: 3, Window: time.Minute, MaxSources: 4, Now: clock}
			c.run(th)
			wait, blocked := th.Blocked(ip(c.src))
			if blocked != c.block {
				t.Fatalf("Blocked(%s) = %v, want %v", c.src, blocked, c.block)
			}
			if blocked && (wait <= 0 || wait > time.Minute) {
				t.Errorf("wait %v", wait)
			}
		})
	}
	var nilThrottle *Throttle
	if _, b := nilThrottle.Blocked(ip("10.0.0.1")); b {
		t.Error("a nil Throttle blocks")
	}
	nilThrottle.Fail(ip("10.0.0.1"))
}
