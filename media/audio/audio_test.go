package audio

import (
	"bytes"
	"encoding/binary"
	"errors"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/switchboard/switchboard/media/g711"
)

type chunk struct {
	id   string
	body []byte
}

// riff assembles a WAV file from chunks, padding odd ones; riffSize < 0
// computes the real size.
func riff(riffSize int64, chunks ...chunk) []byte {
	var b bytes.Buffer
	b.WriteString("RIFF")
	b.Write(make([]byte, 4))
	b.WriteString("WAVE")
	for _, c := range chunks {
		b.WriteString(c.id)
		binary.Write(&b, binary.LittleEndian, uint32(len(c.body)))
		b.Write(c.body)
		if len(c.body)%2 == 1 {
			b.WriteByte(0)
		}
	}
	out := b.Bytes()
	if riffSize < 0 {
		riffSize = int64(len(out) - 8)
	}
	binary.LittleEndian.PutUint32(out[4:], uint32(riffSize))
	return out
}

func fmtChunk(tag uint16, channels, rate, bits int) chunk {
	b := make([]byte, 16)
	binary.LittleEndian.PutUint16(b[0:], tag)
	binary.LittleEndian.PutUint16(b[2:], uint16(channels))
	binary.LittleEndian.PutUint32(b[4:], uint32(rate))
	binary.LittleEndian.PutUint32(b[8:], uint32(rate*channels*bits/8))
	binary.LittleEndian.PutUint16(b[12:], uint16(channels*bits/8))
	binary.LittleEndian.PutUint16(b[14:], uint16(bits))
	return chunk{"fmt ", b}
}

func extensibleChunk(sub uint16, channels, rate, bits int) chunk {
	c := fmtChunk(formatExtensible, channels, rate, bits)
	ext := make([]byte, 24)
	binary.LittleEndian.PutUint16(ext[0:], 22)
	binary.LittleEndian.PutUint16(ext[2:], uint16(bits))
	binary.LittleEndian.PutUint32(ext[4:], 3)
	binary.LittleEndian.PutUint16(ext[8:], sub)
	copy(ext[10:], "\x00\x00\x00\x00\x10\x00\x80\x00\x00\xaa\x00\x38\x9b\x71")
	c.body = append(c.body, ext...)
	return c
}

func le16(s ...int16) []byte {
	b := make([]byte, 2*len(s))
	for i, v := range s {
		binary.LittleEndian.PutUint16(b[2*i:], uint16(v))
	}
	return b
}

func TestDecodeWAV(t *testing.T) {
	ulaw := []byte{g711.LinearToUlaw(1000), g711.LinearToUlaw(-2000), 0xFF}
	alaw := []byte{g711.LinearToAlaw(1000), g711.LinearToAlaw(-2000), 0xD5}
	float32le := func(v ...float32) []byte {
		b := make([]byte, 4*len(v))
		for i, f := range v {
			binary.LittleEndian.PutUint32(b[4*i:], math.Float32bits(f))
		}
		return b
	}
	bogus := riff(-1, fmtChunk(1, 1, 22050, 16), chunk{"data", le16(1, 2, 3, 4)})
	binary.LittleEndian.PutUint32(bogus[4:], bogusSize)
	binary.LittleEndian.PutUint32(bogus[40:], bogusSize)
	zeroSizes := riff(0, fmtChunk(1, 1, 8000, 16), chunk{"data", le16(5, 6)})
	binary.LittleEndian.PutUint32(zeroSizes[40:], 0)
	cases := []struct {
		name string
		file []byte
		rate int
		want []int16
	}{
		{"pcm16 mono", riff(-1, fmtChunk(1, 1, 8000, 16), chunk{"data", le16(1, -2, 32767, -32768)}), 8000, []int16{1, -2, 32767, -32768}},
		{"pcm16 stereo averaged", riff(-1, fmtChunk(1, 2, 16000, 16), chunk{"data", le16(100, 300, -10, -20)}), 16000, []int16{200, -15}},
		{"pcm8 unsigned", riff(-1, fmtChunk(1, 1, 11025, 8), chunk{"data", []byte{128, 255, 0}}), 11025, []int16{0, 127 << 8, -128 << 8}},
		{"pcm24", riff(-1, fmtChunk(1, 1, 48000, 24), chunk{"data", []byte{0xff, 0x34, 0x12, 0x00, 0x00, 0x80}}), 48000, []int16{0x1234, -32768}},
		{"float32", riff(-1, fmtChunk(3, 1, 24000, 32), chunk{"data", float32le(0.5, -1, 2)}), 24000, []int16{16384, -32767, 32767}},
		{"mulaw", riff(-1, fmtChunk(7, 1, 8000, 8), chunk{"fact", le16(3, 0)}, chunk{"data", ulaw}), 8000, []int16{g711.UlawToLinear(ulaw[0]), g711.UlawToLinear(ulaw[1]), 0}},
		{"alaw odd data", riff(-1, fmtChunk(6, 1, 8000, 8), chunk{"data", alaw}), 8000, []int16{g711.AlawToLinear(alaw[0]), g711.AlawToLinear(alaw[1]), 8}},
		{"extensible pcm", riff(-1, extensibleChunk(1, 1, 44100, 16), chunk{"data", le16(7, 8)}), 44100, []int16{7, 8}},
		{"extensible mulaw", riff(-1, extensibleChunk(7, 1, 8000, 8), chunk{"data", ulaw[:1]}), 8000, []int16{g711.UlawToLinear(ulaw[0])}},
		{"LIST odd chunk before data", riff(-1, fmtChunk(1, 1, 8000, 16), chunk{"LIST", []byte("INFOISFT\x03\x00\x00\x00ab\x00")}, chunk{"data", le16(9)}), 8000, []int16{9}},
		{"LIST before fmt", riff(-1, chunk{"LIST", []byte("x")}, fmtChunk(1, 1, 8000, 16), chunk{"data", le16(9)}), 8000, []int16{9}},
		{"chunk after data ignored", riff(-1, fmtChunk(1, 1, 8000, 16), chunk{"data", le16(1, 2)}, chunk{"LIST", []byte("zz")}), 8000, []int16{1, 2}},
		{"espeak bogus sizes read to EOF", bogus, 22050, []int16{1, 2, 3, 4}},
		{"zero sizes read to EOF", zeroSizes, 8000, []int16{5, 6}},
		{"data size beyond EOF", func() []byte {
			b := riff(-1, fmtChunk(1, 1, 8000, 16), chunk{"data", le16(1, 2, 3)})
			binary.LittleEndian.PutUint32(b[40:], 1000)
			return b
		}(), 8000, []int16{1, 2, 3}},
		{"trailing partial sample dropped", riff(-1, fmtChunk(1, 1, 8000, 16), chunk{"data", []byte{1, 0, 2}}), 8000, []int16{1}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s, err := DecodeWAV(bytes.NewReader(c.file))
			if err != nil {
				t.Fatal(err)
			}
			if s.Rate != c.rate {
				t.Errorf("rate %d, want %d", s.Rate, c.rate)
			}
			if len(s.Samples) != len(c.want) {
				t.Fatalf("samples %v, want %v", s.Samples, c.want)
			}
			for i := range c.want {
				if d := int(s.Samples[i]) - int(c.want[i]); d > 1 || d < -1 {
					t.Fatalf("samples %v, want %v", s.Samples, c.want)
				}
			}
		})
	}
}

func TestDecodeWAVErrors(t *testing.T) {
	cases := []struct {
		name string
		file []byte
		want error
	}{
		{"empty", nil, ErrNotWAV},
		{"not riff", []byte("OggS\x00\x00\x00\x00WAVEfmt "), ErrNotWAV},
		{"no fmt", riff(-1, chunk{"data", le16(1)}), ErrCorrupt},
		{"no data", riff(-1, fmtChunk(1, 1, 8000, 16)), ErrCorrupt},
		{"truncated chunk", riff(-1, fmtChunk(1, 1, 8000, 16), chunk{"LIST", make([]byte, 100)})[:70], ErrCorrupt},
		{"adpcm", riff(-1, fmtChunk(2, 1, 8000, 4), chunk{"data", le16(1)}), ErrUnsupported},
		{"12-bit pcm", riff(-1, fmtChunk(1, 1, 8000, 12), chunk{"data", le16(1)}), ErrUnsupported},
		{"zero channels", riff(-1, fmtChunk(1, 0, 8000, 16), chunk{"data", le16(1)}), ErrUnsupported},
		{"silly rate", riff(-1, fmtChunk(1, 1, 10, 16), chunk{"data", le16(1)}), ErrUnsupported},
		{"short extensible", riff(-1, chunk{"fmt ", append(fmtChunk(formatExtensible, 1, 8000, 16).body, 0, 0)}, chunk{"data", le16(1)}), ErrCorrupt},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := DecodeWAV(bytes.NewReader(c.file))
			if !errors.Is(err, c.want) {
				t.Fatalf("err %v, want %v", err, c.want)
			}
		})
	}
}

func TestSniffAndKinds(t *testing.T) {
	wav := riff(-1, fmtChunk(1, 1, 8000, 16), chunk{"data", le16(1)})
	cases := []struct {
		name string
		got  Kind
		want Kind
	}{
		{"sniff wav", Sniff(wav), KindWAV},
		{"sniff id3", Sniff([]byte("ID3\x04")), KindMP3},
		{"sniff sync", Sniff([]byte{0xFF, 0xFB, 0x90}), KindMP3},
		{"sniff text", Sniff([]byte("<html>")), KindAuto},
		{"name", KindFromName("/x/Hello.WAV"), KindWAV},
		{"name mp3", KindFromName("https://h/a.mp3"), KindMP3},
		{"ct wav", KindFromContentType("audio/x-wav"), KindWAV},
		{"ct mp3", KindFromContentType("audio/mpeg; charset=binary"), KindMP3},
		{"ct other", KindFromContentType("text/html"), KindAuto},
	}
	for _, c := range cases {
		if c.got != c.want {
			t.Errorf("%s: %v, want %v", c.name, c.got, c.want)
		}
	}
	if _, err := Decode(bytes.NewReader([]byte("hello world, not audio")), KindAuto); !errors.Is(err, ErrUnsupported) {
		t.Fatalf("auto on text: %v", err)
	}
}

func sine(freq float64, rate, n int, amp float64) []int16 {
	out := make([]int16, n)
	for i := range out {
		out[i] = int16(amp * math.Sin(2*math.Pi*freq*float64(i)/float64(rate)))
	}
	return out
}

func crossings(x []int16) int {
	n := 0
	for i := 1; i < len(x); i++ {
		if (x[i-1] < 0) != (x[i] < 0) {
			n++
		}
	}
	return n
}

func TestLoadResamples(t *testing.T) {
	var b bytes.Buffer
	if err := EncodeWAV(&b, 22050, 1, sine(500, 22050, 22050, 8000)); err != nil {
		t.Fatal(err)
	}
	pcm, err := Load(bytes.NewReader(b.Bytes()), KindAuto)
	if err != nil {
		t.Fatal(err)
	}
	if len(pcm) != 8000 {
		t.Fatalf("%d samples, want 8000", len(pcm))
	}
	if zc := crossings(pcm[100:7900]); zc < 970 || zc > 980 {
		t.Fatalf("%d crossings for 500 Hz over 0.975 s", zc)
	}
}

func TestLoadMP3(t *testing.T) {
	// testdata/tone1k.mp3: 0.5 s of 1 kHz, stereo, 22050 Hz, made with
	// `sox -n -r 22050 -c 2 -C 32 tone1k.mp3 synth 0.5 sin 1000 gain -6`.
	s, err := func() (*Sound, error) {
		f, err := os.Open("testdata/tone1k.mp3")
		if err != nil {
			return nil, err
		}
		defer f.Close()
		return Decode(f, KindAuto)
	}()
	if err != nil {
		t.Fatal(err)
	}
	if s.Rate != 22050 {
		t.Fatalf("rate %d", s.Rate)
	}
	pcm, err := LoadFile("testdata/tone1k.mp3")
	if err != nil {
		t.Fatal(err)
	}
	// The decoder adds encoder delay/padding: ≈ 0.5–0.6 s.
	if len(pcm) < 3900 || len(pcm) > 5000 {
		t.Fatalf("%d samples at 8 kHz", len(pcm))
	}
	mid := pcm[len(pcm)/4 : len(pcm)*3/4]
	want := float64(len(mid)) / 8000 * 2000
	if zc := float64(crossings(mid)); math.Abs(zc-want) > 6 {
		t.Fatalf("%v crossings, want ≈%v (1 kHz)", zc, want)
	}
	if _, err := DecodeMP3(bytes.NewReader([]byte("definitely not an mp3 stream at all"))); !errors.Is(err, ErrCorrupt) {
		t.Fatalf("garbage mp3: %v", err)
	}
}

// With sox (and its MP3 format) installed, also decode a fresh 44.1 kHz
// mono MP3.
func TestLoadMP3FromSox(t *testing.T) {
	if _, err := exec.LookPath("sox"); err != nil {
		t.Skip("sox not installed (Debian: sox libsox-fmt-mp3); committed fixture still tested")
	}
	p := filepath.Join(t.TempDir(), "t.mp3")
	if out, err := exec.Command("sox", "-n", "-r", "44100", "-c", "1", p, "synth", "0.3", "sin", "600").CombinedOutput(); err != nil {
		t.Skipf("sox cannot write MP3 (install libsox-fmt-mp3): %v: %s", err, out)
	}
	pcm, err := LoadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	if len(pcm) < 2300 {
		t.Fatalf("%d samples", len(pcm))
	}
}

func TestWriterMonoAndStereo(t *testing.T) {
	dir := t.TempDir()
	t.Run("mono", func(t *testing.T) {
		p := filepath.Join(dir, "mono.wav")
		w, err := Create(p, 1)
		if err != nil {
			t.Fatal(err)
		}
		in := sine(440, 8000, 12345, 9000)
		for i := 0; i < len(in); i += 160 {
			if err := w.Write(in[i:min(i+160, len(in))]); err != nil {
				t.Fatal(err)
			}
		}
		if d := w.Duration(); d != 12345*time.Second/8000 {
			t.Fatalf("duration %v", d)
		}
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
		if err := w.Write(in); !errors.Is(err, ErrClosed) {
			t.Fatalf("write after close: %v", err)
		}
		b, _ := os.ReadFile(p)
		if len(b) != 44+2*len(in) || binary.LittleEndian.Uint32(b[4:]) != uint32(len(b)-8) || binary.LittleEndian.Uint32(b[40:]) != uint32(2*len(in)) {
			t.Fatalf("sizes: file %d riff %d data %d", len(b), binary.LittleEndian.Uint32(b[4:]), binary.LittleEndian.Uint32(b[40:]))
		}
		s, err := DecodeWAV(bytes.NewReader(b))
		if err != nil || s.Rate != 8000 || len(s.Samples) != len(in) || s.Samples[77] != in[77] {
			t.Fatalf("read back: %v", err)
		}
	})
	t.Run("stereo", func(t *testing.T) {
		p := filepath.Join(dir, "stereo.wav")
		w, err := Create(p, 2)
		if err != nil {
			t.Fatal(err)
		}
		if err := w.WriteStereo([]int16{1, 2, 3}, []int16{-1}); err != nil {
			t.Fatal(err)
		}
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
		b, _ := os.ReadFile(p)
		if got := b[44:]; !bytes.Equal(got, le16(1, -1, 2, 0, 3, 0)) {
			t.Fatalf("interleaved %v", got)
		}
		if b[22] != 2 || binary.LittleEndian.Uint32(b[28:]) != 32000 {
			t.Fatal("header not stereo")
		}
		mono, _ := Create(filepath.Join(dir, "m.wav"), 1)
		defer mono.Close()
		if err := mono.WriteStereo([]int16{1}, nil); !errors.Is(err, ErrUnsupported) {
			t.Fatalf("stereo on mono: %v", err)
		}
	})
	if _, err := Create(filepath.Join(dir, "x.wav"), 3); !errors.Is(err, ErrUnsupported) {
		t.Fatalf("3 channels: %v", err)
	}
}

// A periodic flush leaves a readable file before Close.
func TestWriterPeriodicFlush(t *testing.T) {
	p := filepath.Join(t.TempDir(), "rec.wav")
	w, err := Create(p, 1)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	w.SetFlushEvery(100 * time.Millisecond)
	if err := w.Write(make([]int16, 1000)); err != nil { // 125 ms
		t.Fatal(err)
	}
	if err := w.Write(make([]int16, 10)); err != nil { // buffered, unflushed
		t.Fatal(err)
	}
	b, _ := os.ReadFile(p)
	s, err := DecodeWAV(bytes.NewReader(b))
	if err != nil || len(s.Samples) != 1000 {
		t.Fatalf("mid-recording read: %v, %d samples", err, len(b))
	}
}

// A crashed recorder leaves sizes at zero; Repair restores them.
func TestRepair(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "crash.wav")
	in := sine(300, 8000, 800, 5000)
	// Header as NewWriter writes it (sizes for no data), then raw samples and
	// half a sample, as if the process died.
	var b bytes.Buffer
	b.Write(wavHeader(1, 0))
	b.Write(le16(in...))
	b.WriteByte(7)
	os.WriteFile(p, b.Bytes(), 0o644)
	if err := Repair(p); err != nil {
		t.Fatal(err)
	}
	f, _ := os.ReadFile(p)
	if len(f) != 44+1600 || binary.LittleEndian.Uint32(f[4:]) != uint32(36+1600) || binary.LittleEndian.Uint32(f[40:]) != 1600 {
		t.Fatalf("after repair: len %d riff %d data %d", len(f), binary.LittleEndian.Uint32(f[4:]), binary.LittleEndian.Uint32(f[40:]))
	}
	// With a LIST chunk before data too.
	p2 := filepath.Join(dir, "list.wav")
	file := riff(0, fmtChunk(1, 2, 8000, 16), chunk{"LIST", []byte("abc")}, chunk{"data", le16(1, 2, 3, 4)})
	binary.LittleEndian.PutUint32(file[len(file)-12:], 0)
	os.WriteFile(p2, file, 0o644)
	if err := Repair(p2); err != nil {
		t.Fatal(err)
	}
	f2, _ := os.ReadFile(p2)
	if binary.LittleEndian.Uint32(f2[len(f2)-12:]) != 8 || binary.LittleEndian.Uint32(f2[4:]) != uint32(len(f2)-8) {
		t.Fatal("LIST file not repaired")
	}
	os.WriteFile(filepath.Join(dir, "bad.wav"), []byte("nope"), 0o644)
	if err := Repair(filepath.Join(dir, "bad.wav")); !errors.Is(err, ErrNotWAV) {
		t.Fatalf("bad file: %v", err)
	}
}

func FuzzDecodeWAV(f *testing.F) {
	f.Add(riff(-1, fmtChunk(1, 1, 8000, 16), chunk{"data", le16(1, 2, 3)}))
	f.Add(riff(-1, extensibleChunk(7, 2, 8000, 8), chunk{"LIST", []byte("x")}, chunk{"data", []byte{1, 2, 3}}))
	f.Add(riff(-1, fmtChunk(3, 1, 8000, 64), chunk{"data", make([]byte, 17)}))
	f.Add([]byte("RIFF\x00\xf0\xff\x7fWAVE"))
	f.Fuzz(func(t *testing.T, data []byte) {
		s, err := DecodeWAV(bytes.NewReader(data))
		if err != nil {
			if !errors.Is(err, ErrNotWAV) && !errors.Is(err, ErrCorrupt) && !errors.Is(err, ErrUnsupported) && !errors.Is(err, ErrTooLarge) {
				t.Fatalf("unclassified error: %v", err)
			}
			return
		}
		if s.Rate <= 0 || len(s.Samples) > len(data) {
			t.Fatalf("rate %d, %d samples from %d bytes", s.Rate, len(s.Samples), len(data))
		}
	})
}

func BenchmarkDecodeWAV(b *testing.B) {
	var buf bytes.Buffer
	EncodeWAV(&buf, 22050, 1, sine(440, 22050, 22050*5, 8000))
	b.SetBytes(int64(buf.Len()))
	for b.Loop() {
		if _, err := Load(bytes.NewReader(buf.Bytes()), KindWAV); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkDecodeWAVNative(b *testing.B) {
	var buf bytes.Buffer
	EncodeWAV(&buf, 22050, 1, sine(440, 22050, 22050*5, 8000))
	b.SetBytes(int64(buf.Len()))
	for b.Loop() {
		if _, err := DecodeWAV(bytes.NewReader(buf.Bytes())); err != nil {
			b.Fatal(err)
		}
	}
}
