package sid

import (
	"fmt"
	"testing"
	"time"
)

func TestNew(t *testing.T) {
	seen := map[string]bool{}
	for i := 0; i < 1000; i++ {
		s := New(Flow)
		if !Valid(s, Flow) || len(s) != 34 {
			t.Fatalf("bad sid %q", s)
		}
		if seen[s] {
			t.Fatalf("duplicate sid %q", s)
		}
		seen[s] = true
	}
	if Valid(New(Flow), Execution) || Valid("FWxyz", Flow) {
		t.Fatal("Valid accepted a wrong sid")
	}
}

// SIDs made at later times sort after earlier ones (they are B-tree keys),
// also when the clock steps back, and keep 80 random bits.
func TestNewTimeOrdered(t *testing.T) {
	base := time.Now().UnixMilli()
	a := newAt(Execution, base+1000)
	b := newAt(Execution, base+1001)
	if !(a < b) {
		t.Fatalf("%s made before %s sorts after it", a, b)
	}
	back := newAt(Execution, base) // the clock stepped back a second
	if back[:14] != b[:14] {
		t.Fatalf("after a step back the time part is %s, want %s (the newest used)", back[2:14], b[2:14])
	}
	if back == b {
		t.Fatal("two SIDs in the same millisecond are equal")
	}
	if got, want := a[2:14], fmt.Sprintf("%012x", base+1000); got != want {
		t.Fatalf("time part %s, want %s", got, want)
	}
	// The random part differs between SIDs of one millisecond.
	seen := map[string]bool{}
	for i := 0; i < 100; i++ {
		s := newAt(Execution, base+2000)
		if seen[s[14:]] {
			t.Fatalf("random part repeated: %s", s)
		}
		seen[s[14:]] = true
	}
}
