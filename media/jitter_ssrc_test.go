package media

import "testing"

// TestReorderNewSource: a second source whose sequence numbers are "behind"
// the first one's is delivered, not dropped as late, and a packet held for a
// gap of the old source is flushed before the new source starts.
func TestReorderNewSource(t *testing.T) {
	var r reorderBuffer
	var got []uint32
	deliver := func(_ uint8, ts uint32, _ []byte) { got = append(got, ts) }
	push := func(ssrc uint32, seq uint16) int {
		r.newSource(ssrc, deliver)
		return r.push(seq, 0, uint32(ssrc)*1000+uint32(seq), nil, deliver)
	}
	push(1, 40000)
	push(1, 40002) // held for the gap at 40001
	for seq := uint16(10); seq < 13; seq++ {
		if d := push(2, seq); d != 0 {
			t.Fatalf("seq %d of the new source dropped", seq)
		}
	}
	want := []uint32{41000, 41002, 2010, 2011, 2012}
	if len(got) != len(want) {
		t.Fatalf("delivered %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("delivered %v, want %v", got, want)
		}
	}
}
