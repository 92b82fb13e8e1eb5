package resample

import (
	"errors"
	"math"
	"testing"
)

func sine(freq float64, rate, n int, amp float64) []int16 {
	out := make([]int16, n)
	for i := range out {
		out[i] = int16(math.Round(amp * math.Sin(2*math.Pi*freq*float64(i)/float64(rate))))
	}
	return out
}

// rms over the middle of the signal (skipping the edges' filter transients).
func rms(x []int16) float64 {
	lo, hi := len(x)/8, len(x)-len(x)/8
	var s float64
	for _, v := range x[lo:hi] {
		s += float64(v) * float64(v)
	}
	return math.Sqrt(s / float64(hi-lo))
}

func countCrossings(x []int16) int {
	lo, hi := len(x)/8, len(x)-len(x)/8
	n := 0
	for i := lo + 1; i < hi; i++ {
		if (x[i-1] < 0) != (x[i] < 0) {
			n++
		}
	}
	return n
}

var pairs = [][2]int{
	{8000, 8000}, {11025, 8000}, {16000, 8000}, {22050, 8000}, {24000, 8000},
	{44100, 8000}, {48000, 8000}, {8000, 16000},
}

func TestSineKeepsFrequencyAndLevel(t *testing.T) {
	for _, p := range pairs {
		from, to := p[0], p[1]
		t.Run(fmtPair(from, to), func(t *testing.T) {
			in := sine(1000, from, from, 10000) // 1 s
			out, err := Resample(nil, in, from, to)
			if err != nil {
				t.Fatal(err)
			}
			if want := OutputLen(len(in), from, to); len(out) != want {
				t.Fatalf("len %d, want %d", len(out), want)
			}
			// 1 kHz over the middle 0.75 s: 1500 crossings.
			if zc := countCrossings(out); zc < 1498 || zc > 1502 {
				t.Fatalf("%d zero crossings, want ≈1500", zc)
			}
			gain := 20 * math.Log10(rms(out)/rms(in))
			if math.Abs(gain) > 1 {
				t.Fatalf("gain %.2f dB", gain)
			}
		})
	}
}

func fmtPair(from, to int) string {
	return itoa(from) + "to" + itoa(to)
}

func itoa(n int) string {
	if n == 0 {
		return "0"
	}
	var b []byte
	for n > 0 {
		b = append([]byte{byte('0' + n%10)}, b...)
		n /= 10
	}
	return string(b)
}

func TestAntiAlias(t *testing.T) {
	cases := []struct {
		from int
		freq float64
	}{
		{22050, 5000}, {44100, 5000}, {48000, 4500}, {16000, 6000}, {11025, 4800},
	}
	for _, c := range cases {
		t.Run(fmtPair(c.from, 8000), func(t *testing.T) {
			in := sine(c.freq, c.from, c.from, 10000)
			out, err := Resample(nil, in, c.from, 8000)
			if err != nil {
				t.Fatal(err)
			}
			att := 20 * math.Log10(rms(in)/math.Max(rms(out), 1e-9))
			if att < 40 {
				t.Fatalf("%.0f Hz attenuated only %.1f dB", c.freq, att)
			}
			t.Logf("%.0f Hz at %d Hz: %.1f dB", c.freq, c.from, att)
		})
	}
}

func TestPassband(t *testing.T) {
	// Telephone band 300–3000 Hz within ±1 dB from 22050 Hz.
	for _, f := range []float64{300, 1000, 2000, 3000} {
		in := sine(f, 22050, 22050, 10000)
		out, _ := Resample(nil, in, 22050, 8000)
		if g := 20 * math.Log10(rms(out)/rms(in)); math.Abs(g) > 1 {
			t.Errorf("%.0f Hz: gain %.2f dB", f, g)
		}
	}
}

func TestLength(t *testing.T) {
	for _, p := range pairs {
		for _, n := range []int{0, 1, 2, 3, 159, 160, 441, 1000, 12345} {
			out, err := Resample(nil, make([]int16, n), p[0], p[1])
			if err != nil {
				t.Fatal(err)
			}
			want := math.Round(float64(n) * float64(p[1]) / float64(p[0]))
			if d := math.Abs(float64(len(out)) - want); d > 1 {
				t.Errorf("%v n=%d: len %d, want %v", p, n, len(out), want)
			}
		}
	}
}

// Streaming in arbitrary pieces gives exactly the one-shot result.
func TestStreamingMatchesOneShot(t *testing.T) {
	in := sine(700, 44100, 20000, 12000)
	want, _ := Resample(nil, in, 44100, 8000)
	for _, size := range []int{1, 100, 441, 4096} {
		r, err := New(44100, 8000)
		if err != nil {
			t.Fatal(err)
		}
		var got []int16
		for i := 0; i < len(in); i += size {
			got = r.Process(got, in[i:min(i+size, len(in))])
		}
		got = r.Flush(got)
		if len(got) != len(want) {
			t.Fatalf("size %d: len %d, want %d", size, len(got), len(want))
		}
		for i := range got {
			if got[i] != want[i] {
				t.Fatalf("size %d: sample %d = %d, want %d", size, i, got[i], want[i])
			}
		}
		// The stream restarts after Flush.
		again := r.Flush(r.Process(nil, in))
		if len(again) != len(want) || again[100] != want[100] {
			t.Fatalf("size %d: second stream differs", size)
		}
	}
}

func TestBadRates(t *testing.T) {
	for _, p := range [][2]int{{0, 8000}, {8000, 0}, {-1, 8000}, {8000, 7919 * 997}} {
		if _, err := Resample(nil, []int16{1}, p[0], p[1]); !errors.Is(err, ErrRate) {
			t.Errorf("%v: err %v", p, err)
		}
	}
}

func TestClipping(t *testing.T) {
	for _, c := range []struct {
		in   float32
		want int16
	}{{0, 0}, {0.4, 0}, {0.5, 1}, {-0.5, -1}, {-1.4, -1}, {32766.6, 32767}, {40000, 32767}, {-32768.4, -32768}, {-50000, -32768}} {
		if got := clip(c.in); got != c.want {
			t.Errorf("clip(%v) = %d, want %d", c.in, got, c.want)
		}
	}
	// A full-scale square wave overshoots (Gibbs) near its edges; the middle
	// of each half period must keep its sign (saturate, never wrap).
	in := make([]int16, 44100)
	for i := range in {
		in[i] = 32767
		if (i/100)%2 == 1 {
			in[i] = -32768
		}
	}
	out, _ := Resample(nil, in, 44100, 8000)
	for k := 2; k < 400; k++ {
		j := (100*k + 50) * 8000 / 44100
		if v := out[j]; (k%2 == 0) != (v > 20000) || (k%2 == 1) != (v < -20000) {
			t.Fatalf("half period %d: sample %d = %d", k, j, v)
		}
	}
}

func benchmark(b *testing.B, from, to int) {
	in := sine(440, from, from, 8000)
	r, _ := New(from, to)
	dst := make([]int16, 0, to+100)
	b.ResetTimer()
	for b.Loop() {
		dst = r.Flush(r.Process(dst[:0], in))
	}
	b.ReportMetric(float64(len(in))*float64(b.N)/b.Elapsed().Seconds(), "in-samples/s")
}

func Benchmark22050to8000(b *testing.B) { benchmark(b, 22050, 8000) }
func Benchmark44100to8000(b *testing.B) { benchmark(b, 44100, 8000) }
func Benchmark16000to8000(b *testing.B) { benchmark(b, 16000, 8000) }
func Benchmark8000to16000(b *testing.B) { benchmark(b, 8000, 16000) }
