package g711

import (
	"math"
	"testing"
)

func TestStandardValues(t *testing.T) {
	ulaw := []struct {
		code byte
		lin  int16
	}{
		{0xFF, 0}, {0x7F, 0}, {0x80, 32124}, {0x00, -32124},
		{0xFE, 8}, {0x7E, -8}, {0xF0, 120}, {0xEF, 132}, {0xE0, 372},
		{0xDF, 396}, {0xCF, 924}, {0xBF, 1980}, {0x9F, 8316}, {0x8F, 16764},
	}
	for _, c := range ulaw {
		if got := UlawToLinear(c.code); got != c.lin {
			t.Errorf("μ-law %#02x decodes to %d, want %d", c.code, got, c.lin)
		}
	}
	alaw := []struct {
		code byte
		lin  int16
	}{
		{0xD5, 8}, {0x55, -8}, {0xAA, 32256}, {0x2A, -32256},
		{0xD4, 24}, {0xC5, 264}, {0xF5, 528}, {0xE5, 1056}, {0x95, 2112}, {0xA5, 16896},
	}
	for _, c := range alaw {
		if got := AlawToLinear(c.code); got != c.lin {
			t.Errorf("A-law %#02x decodes to %d, want %d", c.code, got, c.lin)
		}
	}
	enc := []struct {
		name string
		f    func(int16) byte
		in   int16
		want byte
	}{
		{"ulaw 0", LinearToUlaw, 0, 0xFF},
		{"ulaw -1", LinearToUlaw, -1, 0x7F},
		{"ulaw max", LinearToUlaw, 32767, 0x80},
		{"ulaw min", LinearToUlaw, -32768, 0x00},
		{"ulaw 32124", LinearToUlaw, 32124, 0x80},
		{"ulaw -32124", LinearToUlaw, -32124, 0x00},
		{"alaw 0", LinearToAlaw, 0, 0xD5},
		{"alaw -1", LinearToAlaw, -1, 0x55},
		{"alaw 8", LinearToAlaw, 8, 0xD5},
		{"alaw -8", LinearToAlaw, -8, 0x55},
		{"alaw max", LinearToAlaw, 32767, 0xAA},
		{"alaw min", LinearToAlaw, -32768, 0x2A},
		{"alaw 32256", LinearToAlaw, 32256, 0xAA},
		{"alaw -32256", LinearToAlaw, -32256, 0x2A},
	}
	for _, c := range enc {
		if got := c.f(c.in); got != c.want {
			t.Errorf("%s: got %#02x, want %#02x", c.name, got, c.want)
		}
	}
}

// Every code decodes to a value that encodes back to the same code, except
// μ-law's negative zero (0x7F), which re-encodes as 0xFF.
func TestCodeRoundTrip(t *testing.T) {
	for i := 0; i < 256; i++ {
		c := byte(i)
		if got := LinearToUlaw(UlawToLinear(c)); got != c && c != 0x7F {
			t.Errorf("μ-law %#02x → %d → %#02x", c, UlawToLinear(c), got)
		}
		if got := LinearToAlaw(AlawToLinear(c)); got != c {
			t.Errorf("A-law %#02x → %d → %#02x", c, AlawToLinear(c), got)
		}
	}
}

// Companding is monotonic over the whole 16-bit range, and the error stays
// within half a quantisation step of the segment: decoding reconstructs the
// middle of each interval.
func TestMonotonicAndError(t *testing.T) {
	cases := []struct {
		name   string
		enc    func(int16) byte
		dec    func(byte) int16
		clip   int
		maxErr func(mag int) int
	}{
		{"ulaw", LinearToUlaw, UlawToLinear, 32124, func(mag int) int {
			// μ-law segment k covers biased magnitudes [132·2^k, 132·2^(k+1)) with step 2^(k+3).
			m := mag + 132
			seg := 0
			for m >= 256<<seg && seg < 7 {
				seg++
			}
			return (8 << seg) / 2
		}},
		{"alaw", LinearToAlaw, AlawToLinear, 32256, func(mag int) int {
			// A-law segment k ≥ 1 starts at 128·2^k (16-bit units); segments
			// 0 and 1 share step 16, segment k ≥ 2 has step 8·2^k.
			seg := 0
			for seg < 7 && mag >= 128<<(seg+1) {
				seg++
			}
			step := 16
			if seg >= 2 {
				step = 8 << seg
			}
			return step / 2
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			prev := c.dec(c.enc(-32768))
			worst := map[int]int{}
			for s := -32768; s <= 32767; s++ {
				d := c.dec(c.enc(int16(s)))
				if d < prev {
					t.Fatalf("not monotonic at %d: %d after %d", s, d, prev)
				}
				prev = d
				mag := s
				if mag < 0 {
					mag = -mag
				}
				if mag > c.clip {
					continue
				}
				e := int(math.Abs(float64(int(d) - s)))
				if lim := c.maxErr(mag); e > lim {
					t.Fatalf("sample %d decodes to %d: error %d > %d", s, d, e, lim)
				}
				b := c.maxErr(mag)
				worst[b] = max(worst[b], e)
			}
			t.Logf("worst error by bound: %v", worst)
		})
	}
}

// Sign and segment boundaries: the first sample of each segment lands in that
// segment, and mirrored samples (one's complement) differ only in the sign bit.
func TestSegmentBoundaries(t *testing.T) {
	for seg := 0; seg < 8; seg++ {
		// μ-law: segment seg ≥ 1 starts where the biased magnitude reaches
		// 128·2^seg (16-bit units, bias 132).
		lo := int16(0)
		if seg > 0 {
			lo = int16((128 << seg) - 132)
		}
		if got := (^LinearToUlaw(lo) >> 4) & 7; int(got) != seg {
			t.Errorf("μ-law %d in segment %d, want %d", lo, got, seg)
		}
		if seg > 0 {
			if got := (^LinearToUlaw(lo-4) >> 4) & 7; int(got) != seg-1 {
				t.Errorf("μ-law %d in segment %d, want %d", lo-4, got, seg-1)
			}
		}
		if p, n := LinearToUlaw(lo), LinearToUlaw(-lo-4); p^n != 0x80 {
			t.Errorf("μ-law ±%d: %#02x / %#02x differ beyond the sign bit", lo, p, n)
		}
		// A-law: segment seg ≥ 1 starts at magnitude 128·2^seg (16-bit units).
		if seg > 0 {
			a := int16(128 << seg)
			if got := ((LinearToAlaw(a) ^ 0x55) >> 4) & 7; int(got) != seg {
				t.Errorf("A-law %d in segment %d, want %d", a, got, seg)
			}
			if got := ((LinearToAlaw(a-8) ^ 0x55) >> 4) & 7; int(got) != seg-1 {
				t.Errorf("A-law %d in segment %d, want %d", a-8, got, seg-1)
			}
			if p, n := LinearToAlaw(a), LinearToAlaw(-a-8); p^n != 0x80 {
				t.Errorf("A-law %d/%d: %#02x / %#02x differ beyond the sign bit", a, -a-8, p, n)
			}
		}
	}
}

func TestFrames(t *testing.T) {
	src := make([]int16, 160)
	for i := range src {
		src[i] = int16(10000 * math.Sin(2*math.Pi*440*float64(i)/8000))
	}
	for _, law := range []Law{Ulaw, Alaw} {
		t.Run(law.String(), func(t *testing.T) {
			enc := make([]byte, 160)
			dec := make([]int16, 160)
			if n := law.Encode(enc, src); n != 160 {
				t.Fatalf("encoded %d", n)
			}
			if n := law.Decode(dec, enc); n != 160 {
				t.Fatalf("decoded %d", n)
			}
			for i := range src {
				if d := math.Abs(float64(dec[i]) - float64(src[i])); d > 400 {
					t.Fatalf("sample %d: %d → %d", i, src[i], dec[i])
				}
			}
			if n := law.Encode(enc[:10], src); n != 10 {
				t.Fatalf("short dst: %d", n)
			}
			if a := testing.AllocsPerRun(100, func() { law.Encode(enc, src); law.Decode(dec, enc) }); a != 0 {
				t.Fatalf("%v allocs per frame", a)
			}
			var z [1]int16
			law.Decode(z[:], []byte{law.Silence()})
			if z[0] > 8 || z[0] < -8 {
				t.Fatalf("silence decodes to %d", z[0])
			}
		})
	}
}

func benchFrame() []int16 {
	src := make([]int16, 160)
	for i := range src {
		src[i] = int16(12000 * math.Sin(2*math.Pi*1000*float64(i)/8000))
	}
	return src
}

func BenchmarkEncodeUlaw(b *testing.B) {
	src, dst := benchFrame(), make([]byte, 160)
	b.SetBytes(160)
	for b.Loop() {
		EncodeUlaw(dst, src)
	}
}

func BenchmarkDecodeUlaw(b *testing.B) {
	src := make([]byte, 160)
	EncodeUlaw(src, benchFrame())
	dst := make([]int16, 160)
	b.SetBytes(160)
	for b.Loop() {
		DecodeUlaw(dst, src)
	}
}

func BenchmarkEncodeAlaw(b *testing.B) {
	src, dst := benchFrame(), make([]byte, 160)
	b.SetBytes(160)
	for b.Loop() {
		EncodeAlaw(dst, src)
	}
}

func BenchmarkDecodeAlaw(b *testing.B) {
	src := make([]byte, 160)
	EncodeAlaw(src, benchFrame())
	dst := make([]int16, 160)
	b.SetBytes(160)
	for b.Loop() {
		DecodeAlaw(dst, src)
	}
}
