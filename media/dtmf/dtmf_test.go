package dtmf

import (
	"encoding/binary"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/switchboard/switchboard/media/g711"
)

const allDigits = "0123456789*#ABCD"

func detect(pcm []int16) string {
	var got []byte
	d := NewDetector()
	d.Feed(pcm, func(c byte) { got = append(got, c) })
	return string(got)
}

func join(parts ...[]int16) []int16 {
	var out []int16
	for _, p := range parts {
		out = append(out, p...)
	}
	return out
}

func roundTrip(law g711.Law, pcm []int16) []int16 {
	enc := make([]byte, len(pcm))
	law.Encode(enc, pcm)
	out := make([]int16, len(pcm))
	law.Decode(out, enc)
	return out
}

func TestEveryDigit(t *testing.T) {
	paths := []struct {
		name string
		f    func([]int16) []int16
	}{
		{"linear", func(p []int16) []int16 { return p }},
		{"ulaw", func(p []int16) []int16 { return roundTrip(g711.Ulaw, p) }},
		{"alaw", func(p []int16) []int16 { return roundTrip(g711.Alaw, p) }},
	}
	for _, path := range paths {
		for _, dg := range []byte(allDigits) {
			t.Run(path.name+"/"+string(dg), func(t *testing.T) {
				// Start mid-block so the tone is not block-aligned.
				pcm := path.f(join(Silence(13, 8000), Tone(dg, 100, 8000), Silence(100, 8000)))
				if got := detect(pcm); got != string(dg) {
					t.Fatalf("detected %q, want %q", got, string(dg))
				}
			})
		}
	}
}

func TestNoisyDigit(t *testing.T) {
	// Each tone at −8 dBm0 (peak ≈ 9000) with white noise 20 dB below the
	// two tones' power.
	tone := Tone('5', 200, 8000)
	noise := whiteNoise(200, 900)
	for i := range tone {
		tone[i] = clip16(float64(tone[i]) + float64(noise[i]))
	}
	if got := detect(roundTrip(g711.Ulaw, tone)); got != "5" {
		t.Fatalf("detected %q", got)
	}
}

func TestLowerCaseAndUnknown(t *testing.T) {
	if got := detect(Tone('a', 100, 8000)); got != "A" {
		t.Fatalf("'a' detected as %q", got)
	}
	if Tone('x', 100, 8000) != nil || Tone('1', 0, 8000) != nil {
		t.Fatal("Tone for a non-digit or zero length should be nil")
	}
}

// speechLike is a glottal pulse train (110–180 Hz, gliding) through three
// formant resonators, with a syllable envelope: voiced speech's spectrum.
func speechLike(ms int, seed uint64) []int16 {
	r := rand.New(rand.NewPCG(seed, 1))
	n := ms * 8
	out := make([]int16, n)
	formants := [][2]float64{{700, 130}, {1220, 70}, {2600, 160}}
	type res struct{ a1, a2, y1, y2 float64 }
	var rs [3]res
	for i, f := range formants {
		rr := math.Exp(-math.Pi * f[1] / 8000)
		rs[i] = res{a1: 2 * rr * math.Cos(2*math.Pi*f[0]/8000), a2: -rr * rr}
	}
	phase := 0.0
	for i := range n {
		f0 := 140 + 40*math.Sin(2*math.Pi*float64(i)/8000*1.3)
		phase += f0 / 8000
		x := 0.0
		if phase >= 1 {
			phase--
			x = 1
		}
		x += 0.02 * r.NormFloat64()
		y := 0.0
		for k := range rs {
			v := x + rs[k].a1*rs[k].y1 + rs[k].a2*rs[k].y2
			rs[k].y2, rs[k].y1 = rs[k].y1, v
			y += v
		}
		env := 0.5 + 0.5*math.Sin(2*math.Pi*float64(i)/8000*4)
		out[i] = clip16(2500 * env * y)
	}
	return out
}

func sine(freq float64, ms int, dBm0 float64) []int16 {
	return AppendTones(nil, ms, 8000, []float64{freq}, []float64{Amplitude(dBm0)})
}

func whiteNoise(ms int, amp float64) []int16 {
	r := rand.New(rand.NewPCG(7, 7))
	out := make([]int16, ms*8)
	for i := range out {
		out[i] = clip16(amp * r.NormFloat64())
	}
	return out
}

func TestNoFalseDetection(t *testing.T) {
	cases := []struct {
		name string
		pcm  []int16
	}{
		{"speech-like", speechLike(5000, 1)},
		{"speech-like ulaw", roundTrip(g711.Ulaw, speechLike(5000, 2))},
		{"single 770 Hz", sine(770, 2000, -8)},
		{"single 1336 Hz", sine(1336, 2000, -8)},
		{"440 Hz prompt", sine(440, 2000, -10)},
		{"dial tone 350+440", AppendTones(nil, 2000, 8000, []float64{350, 440}, []float64{Amplitude(-13), Amplitude(-13)})},
		{"white noise loud", whiteNoise(3000, 8000)},
		{"white noise quiet", whiteNoise(3000, 300)},
		{"silence", Silence(1000, 8000)},
		{"digit below floor", ToneLevels('5', 200, 8000, -40, -40)},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := detect(c.pcm); got != "" {
				t.Fatalf("detected %q", got)
			}
		})
	}
}

func TestDuration(t *testing.T) {
	cases := []struct {
		name   string
		lead   int // samples of silence before the tone
		ms     int
		detect bool
	}{
		{"40 ms aligned", 0, 40, true},
		{"60 ms any phase", 37, 60, true},
		{"60 ms other phase", 159, 60, true},
		{"20 ms aligned", 0, 20, false},
		{"20 ms mid-block", 80, 20, false},
		{"30 ms aligned", 0, 30, false},
		// Two blocks each 75 % full of tone pass the 60 % share: a 30 ms
		// tone straddling a block boundary is detected (as Q.24 permits).
		{"30 ms straddling", 40, 30, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			pcm := join(make([]int16, c.lead), Tone('7', c.ms, 8000), Silence(100, 8000))
			got := detect(pcm)
			if c.detect && got != "7" || !c.detect && got != "" {
				t.Fatalf("detected %q (want detection: %v)", got, c.detect)
			}
		})
	}
	// Shortest detectable tone at every phase is 60 ms: check all 160 phases.
	for lead := range BlockSize {
		if got := detect(join(make([]int16, lead), Tone('9', 60, 8000), Silence(60, 8000))); got != "9" {
			t.Fatalf("60 ms at phase %d: %q", lead, got)
		}
		if got := detect(join(make([]int16, lead), Tone('9', 20, 8000), Silence(60, 8000))); got != "" {
			t.Fatalf("20 ms at phase %d: %q", lead, got)
		}
	}
}

func TestTwist(t *testing.T) {
	cases := []struct {
		name     string
		row, col float64 // dBm0
		detect   bool
	}{
		{"flat", -10, -10, true},
		{"column +7 dB", -15, -8, true},
		{"column +10 dB", -18, -8, false},
		{"row +3 dB", -8, -11, true},
		{"row +6 dB", -8, -14, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := detect(ToneLevels('6', 200, 8000, c.row, c.col))
			if c.detect && got != "6" || !c.detect && got != "" {
				t.Fatalf("detected %q (want detection: %v)", got, c.detect)
			}
		})
	}
}

func TestOtherToneMargin(t *testing.T) {
	// '5' (770+1336) plus a second column tone (1477) 3 dB below: rejected;
	// 10 dB below: accepted.
	for _, c := range []struct {
		name   string
		extra  float64
		detect bool
	}{{"3 dB", -11, false}, {"10 dB", -18, true}} {
		t.Run(c.name, func(t *testing.T) {
			pcm := AppendTones(nil, 200, 8000, []float64{770, 1336, 1477},
				[]float64{Amplitude(-8), Amplitude(-8), Amplitude(c.extra)})
			got := detect(pcm)
			if c.detect && got != "5" || !c.detect && got != "" {
				t.Fatalf("detected %q", got)
			}
		})
	}
}

func TestBackToBack(t *testing.T) {
	const seq = "1123581321#*0ABCD99"
	var pcm []int16
	for _, c := range []byte(seq) {
		pcm = join(pcm, Tone(c, 70, 8000), Silence(50, 8000))
	}
	for _, law := range []g711.Law{g711.Ulaw, g711.Alaw} {
		if got := detect(roundTrip(law, pcm)); got != seq {
			t.Fatalf("%v: detected %q, want %q", law, got, seq)
		}
	}
	// A long tone is one digit, however long.
	if got := detect(Tone('3', 2000, 8000)); got != "3" {
		t.Fatalf("long tone: %q", got)
	}
}

// Feeding in any slicing gives the same digits as one call.
func TestStreamingSlices(t *testing.T) {
	var pcm []int16
	for _, c := range []byte("159#") {
		pcm = join(pcm, Tone(c, 80, 8000), Silence(60, 8000))
	}
	for _, size := range []int{1, 7, 159, 160, 161, 333} {
		var got []byte
		d := NewDetector()
		for i := 0; i < len(pcm); i += size {
			d.Feed(pcm[i:min(i+size, len(pcm))], func(c byte) { got = append(got, c) })
		}
		if string(got) != "159#" {
			t.Fatalf("slices of %d: %q", size, got)
		}
	}
}

func TestFeedAllocs(t *testing.T) {
	d := NewDetector()
	pcm := Tone('5', 100, 8000)
	n := 0
	emit := func(byte) { n++ }
	if a := testing.AllocsPerRun(50, func() { d.Feed(pcm, emit) }); a != 0 {
		t.Fatalf("%v allocs per Feed", a)
	}
}

func FuzzDetector(f *testing.F) {
	seed := func(pcm []int16) []byte {
		b := make([]byte, 2*len(pcm))
		for i, v := range pcm {
			binary.LittleEndian.PutUint16(b[2*i:], uint16(v))
		}
		return b
	}
	f.Add(seed(Tone('5', 100, 8000)), uint8(0))
	f.Add(seed(join(Tone('1', 50, 8000), Silence(20, 8000), Tone('1', 50, 8000))), uint8(17))
	f.Add([]byte{0xff}, uint8(3))
	f.Fuzz(func(t *testing.T, data []byte, split uint8) {
		pcm := make([]int16, len(data)/2)
		for i := range pcm {
			pcm[i] = int16(binary.LittleEndian.Uint16(data[2*i:]))
		}
		step := int(split) + 1
		n := 0
		d := NewDetector()
		for i := 0; i < len(pcm); i += step {
			d.Feed(pcm[i:min(i+step, len(pcm))], func(c byte) {
				n++
				if _, _, ok := Frequencies(c); !ok {
					t.Fatalf("emitted non-digit %q", c)
				}
			})
		}
		// Each digit needs two blocks of its own (and a different block
		// between repeats).
		if blocks := len(pcm) / BlockSize; n > blocks/2 {
			t.Fatalf("%d digits from %d blocks", n, blocks)
		}
	})
}

func BenchmarkFeed(b *testing.B) {
	pcm := speechLike(1000, 3)
	d := NewDetector()
	b.SetBytes(int64(2 * len(pcm)))
	for b.Loop() {
		d.Feed(pcm, nil)
	}
	b.ReportMetric(float64(len(pcm))*float64(b.N)/b.Elapsed().Seconds()/8000, "x-realtime")
}
