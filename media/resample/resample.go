// Package resample converts 16-bit PCM between sample rates with a
// Kaiser-windowed-sinc polyphase FIR filter.
//
// For a rate change from→to (reduced to L/M by their greatest common
// divisor) output sample n sits at input time n·M/L. The filter is the ideal
// low-pass sinc with cutoff 0.45·min(from, to) (3.6 kHz for 8 kHz output),
// windowed by a Kaiser window (β = 7.5, ≈ 70 dB stop band) spanning ±24
// periods of the lower rate, and stored as L phases. Each phase is normalised
// to unit DC gain. Tables are built once per rate pair and shared.
package resample

import (
	"errors"
	"fmt"
	"math"
	"sync"
)

// ErrRate reports an unusable sample rate.
var ErrRate = errors.New("resample: invalid sample rate")

const (
	zeroCrossings = 24   // half-length of the filter in periods of the lower rate
	kaiserBeta    = 7.5  // stop-band attenuation ≈ 70 dB
	cutoffFactor  = 0.45 // cutoff as a fraction of the lower rate
	maxPhases     = 4096 // refuse rate pairs needing larger tables
)

type filter struct {
	l, m  int         // output/input step, reduced
	half  int         // taps on each side: the output at input time i+p/L uses x[i-half+1 .. i+half]
	taps  int         // 2·half
	coefs [][]float32 // [phase][tap]
}

var filters sync.Map // [2]int{from,to} → *filter

func gcd(a, b int) int {
	for b != 0 {
		a, b = b, a%b
	}
	return a
}

func getFilter(from, to int) (*filter, error) {
	if from <= 0 || to <= 0 || from > 1_000_000 || to > 1_000_000 {
		return nil, fmt.Errorf("%w: %d → %d Hz", ErrRate, from, to)
	}
	key := [2]int{from, to}
	if f, ok := filters.Load(key); ok {
		return f.(*filter), nil
	}
	g := gcd(from, to)
	l, m := to/g, from/g
	if l > maxPhases {
		return nil, fmt.Errorf("%w: %d → %d Hz needs %d filter phases", ErrRate, from, to, l)
	}
	low := min(from, to)
	// Cutoff in cycles per input sample.
	c := cutoffFactor * float64(low) / float64(from)
	half := int(math.Ceil(zeroCrossings * float64(from) / float64(low)))
	f := &filter{l: l, m: m, half: half, taps: 2 * half, coefs: make([][]float32, l)}
	i0b := besselI0(kaiserBeta)
	flat := make([]float32, l*f.taps)
	for p := range l {
		row := flat[p*f.taps : (p+1)*f.taps]
		frac := float64(p) / float64(l)
		var sum float64
		tmp := make([]float64, f.taps)
		for j := range f.taps {
			// Distance from the output instant (i + frac) to input i-half+1+j.
			t := frac - float64(j-half+1)
			v := 2 * c * sinc(2*c*t)
			r := t / float64(half)
			if r <= -1 || r >= 1 {
				v = 0
			} else {
				v *= besselI0(kaiserBeta*math.Sqrt(1-r*r)) / i0b
			}
			tmp[j] = v
			sum += v
		}
		for j := range row {
			row[j] = float32(tmp[j] / sum)
		}
		f.coefs[p] = row
	}
	actual, _ := filters.LoadOrStore(key, f)
	return actual.(*filter), nil
}

func sinc(x float64) float64 {
	if x == 0 {
		return 1
	}
	return math.Sin(math.Pi*x) / (math.Pi * x)
}

// besselI0 is the zeroth-order modified Bessel function of the first kind
// (power series; converges quickly for the arguments used here).
func besselI0(x float64) float64 {
	sum, term := 1.0, 1.0
	for k := 1; k < 50; k++ {
		term *= (x / (2 * float64(k))) * (x / (2 * float64(k)))
		sum += term
		if term < sum*1e-12 {
			break
		}
	}
	return sum
}

// OutputLen is the number of samples Resample produces for n input samples:
// round(n·to/from).
func OutputLen(n, from, to int) int {
	return int((int64(n)*int64(to) + int64(from)/2) / int64(from))
}

// Resample appends src (at from Hz) converted to to Hz onto dst and returns
// it. The output has OutputLen(len(src), from, to) samples and no delay:
// sample n corresponds to input time n·from/to. Equal rates copy.
func Resample(dst, src []int16, from, to int) ([]int16, error) {
	if from == to && from > 0 {
		return append(dst, src...), nil
	}
	r, err := New(from, to)
	if err != nil {
		return dst, err
	}
	dst = grow(dst, OutputLen(len(src), from, to))
	dst = r.Process(dst, src)
	return r.Flush(dst), nil
}

func grow(dst []int16, n int) []int16 {
	if cap(dst)-len(dst) < n {
		nd := make([]int16, len(dst), len(dst)+n)
		copy(nd, dst)
		return nd
	}
	return dst
}

// Resampler converts a stream in pieces. It holds back the filter's
// look-ahead (about 24 output periods) until more input or Flush arrives.
// Not safe for concurrent use.
type Resampler struct {
	f       *filter
	from    int
	to      int
	buf     []float32 // input samples from absolute index base on
	base    int64     // absolute index of buf[0]
	in      int64     // input samples received
	out     int64     // output samples produced
	flushed bool
}

// New returns a streaming resampler from → to Hz.
func New(from, to int) (*Resampler, error) {
	f, err := getFilter(from, to)
	if err != nil {
		return nil, err
	}
	return &Resampler{f: f, from: from, to: to, buf: make([]float32, 0, 4*f.taps+1024)}, nil
}

// Reset starts a new stream with the same rates.
func (r *Resampler) Reset() {
	r.buf, r.base, r.in, r.out, r.flushed = r.buf[:0], 0, 0, 0, false
}

// Process appends the output that src makes computable onto dst.
func (r *Resampler) Process(dst, src []int16) []int16 {
	if r.flushed {
		r.Reset()
	}
	for _, v := range src {
		r.buf = append(r.buf, float32(v))
	}
	r.in += int64(len(src))
	return r.produce(dst, false)
}

// Flush appends the remaining output (treating input past the end as
// silence) so that the stream's total is OutputLen(total input), and ends the
// stream; the next Process starts a new one.
func (r *Resampler) Flush(dst []int16) []int16 {
	dst = r.produce(dst, true)
	r.flushed = true
	return dst
}

func (r *Resampler) produce(dst []int16, final bool) []int16 {
	f := r.f
	l, m, half := int64(f.l), int64(f.m), int64(f.half)
	limit := int64(-1)
	if final {
		limit = (r.in*int64(r.to) + int64(r.from)/2) / int64(r.from)
	}
	for {
		if final && r.out >= limit {
			break
		}
		pos := r.out * m
		i, p := pos/l, pos%l
		if !final && i+half > r.in-1 {
			break // needs input not yet received
		}
		start := i - half + 1 // absolute index of the first tap
		coefs := f.coefs[p]
		var acc float32
		off := start - r.base
		if off >= 0 && off+int64(f.taps) <= int64(len(r.buf)) {
			x := r.buf[off : off+int64(f.taps)]
			x = x[:len(coefs)]
			for j, c := range coefs {
				acc += c * x[j]
			}
		} else {
			for j, c := range coefs {
				k := off + int64(j)
				if k >= 0 && k < int64(len(r.buf)) {
					acc += c * r.buf[k]
				}
			}
		}
		dst = append(dst, clip(acc))
		r.out++
	}
	// Drop input no later output needs.
	next := (r.out*m)/l - half + 1
	if drop := next - r.base; drop > 0 {
		drop = min(drop, int64(len(r.buf)))
		n := copy(r.buf, r.buf[drop:])
		r.buf = r.buf[:n]
		r.base += drop
	}
	return dst
}

func clip(v float32) int16 {
	if v >= 32767 {
		return 32767
	}
	if v <= -32768 {
		return -32768
	}
	if v < 0 {
		return int16(v - 0.5)
	}
	return int16(v + 0.5)
}
