package sid

import "testing"

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
