package prompt

import (
	"bytes"
	"context"
	"errors"
	"math"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/switchboard/switchboard/media/audio"
	"github.com/switchboard/switchboard/media/dtmf"
	"github.com/switchboard/switchboard/media/g711"
	"github.com/switchboard/switchboard/media/tts"
)

func TestFrames(t *testing.T) {
	cases := []struct {
		name    string
		samples int
		frames  int
	}{
		{"empty", 0, 0}, {"one sample", 1, 1}, {"exact", 320, 2}, {"padded", 321, 3},
	}
	for _, c := range cases {
		for _, law := range []g711.Law{g711.Ulaw, g711.Alaw} {
			t.Run(c.name+"/"+law.String(), func(t *testing.T) {
				pcm := make([]int16, c.samples)
				for i := range pcm {
					pcm[i] = 5000
				}
				p := FromPCM(pcm)
				f := p.Frames(law)
				if len(f) != c.frames || p.FrameCount() != c.frames {
					t.Fatalf("%d frames, want %d", len(f), c.frames)
				}
				for i, fr := range f {
					if len(fr) != FrameSamples || cap(fr) != FrameSamples {
						t.Fatalf("frame %d: len %d cap %d", i, len(fr), cap(fr))
					}
				}
				if c.samples%FrameSamples != 0 {
					last := f[len(f)-1]
					k := c.samples % FrameSamples
					if last[k-1] != encode(law, 5000) || last[k] != law.Silence() || last[159] != law.Silence() {
						t.Fatalf("padding wrong: %x", last)
					}
				}
				// Built once: same backing array on the next call.
				if c.frames > 0 && &p.Frames(law)[0][0] != &f[0][0] {
					t.Fatal("frames rebuilt")
				}
			})
		}
	}
}

func encode(law g711.Law, s int16) byte {
	b := make([]byte, 1)
	law.Encode(b, []int16{s})
	return b[0]
}

func TestFramesConcurrent(t *testing.T) {
	p := Beep()
	var wg sync.WaitGroup
	res := make([][][]byte, 16)
	for i := range res {
		wg.Add(1)
		go func() { defer wg.Done(); res[i] = p.Frames(g711.Ulaw) }()
	}
	wg.Wait()
	for _, r := range res {
		if &r[0][0] != &res[0][0][0] {
			t.Fatal("concurrent callers got different frames")
		}
	}
	if a := testing.AllocsPerRun(100, func() { p.Frames(g711.Ulaw) }); a != 0 {
		t.Fatalf("%v allocs for cached frames", a)
	}
}

func TestBuilders(t *testing.T) {
	d, err := DTMF("12w3 #W")
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name string
		p    *Prompt
		dur  time.Duration
	}{
		{"silence", Silence(300), 300 * time.Millisecond},
		{"negative silence", Silence(-5), 0},
		{"beep", Beep(), 250 * time.Millisecond},
		{"dtmf", d, 4*200*time.Millisecond + 1500*time.Millisecond},
		{"concat", Concat(Silence(100), Beep()), 350 * time.Millisecond},
	}
	for _, c := range cases {
		if got := c.p.Duration(); got != c.dur {
			t.Errorf("%s: %v, want %v", c.name, got, c.dur)
		}
	}
	if _, err := DTMF("12x"); !errors.Is(err, ErrBadDigit) {
		t.Fatalf("bad digit: %v", err)
	}
}

func TestBeepIs1kHz(t *testing.T) {
	pcm := Beep().PCM()
	zc := 0
	for i := 1; i < len(pcm); i++ {
		if (pcm[i-1] < 0) != (pcm[i] < 0) {
			zc++
		}
	}
	if zc < 495 || zc > 505 { // 1 kHz × 0.25 s × 2
		t.Fatalf("%d zero crossings", zc)
	}
	if pcm[0] != 0 || math.Abs(float64(pcm[len(pcm)-1])) > 100 {
		t.Fatal("beep not ramped")
	}
}

// DTMF prompts survive G.711 framing and are heard by the in-band detector.
func TestDTMFDetectedThroughFrames(t *testing.T) {
	const digits = "0123456789*#ABCD"
	p, err := DTMF("w" + digits + "11")
	if err != nil {
		t.Fatal(err)
	}
	for _, law := range []g711.Law{g711.Ulaw, g711.Alaw} {
		det := dtmf.NewDetector()
		var got []byte
		buf := make([]int16, FrameSamples)
		for _, f := range p.Frames(law) {
			law.Decode(buf, f)
			det.Feed(buf, func(c byte) { got = append(got, c) })
		}
		if string(got) != digits+"11" {
			t.Fatalf("%v: detected %q", law, got)
		}
	}
}

func TestFromFileAndBytes(t *testing.T) {
	// 16 kHz WAV → 8 kHz prompt.
	var b bytes.Buffer
	src := make([]int16, 16000)
	for i := range src {
		src[i] = int16(8000 * math.Sin(2*math.Pi*440*float64(i)/16000))
	}
	if err := audio.EncodeWAV(&b, 16000, 1, src); err != nil {
		t.Fatal(err)
	}
	p, err := FromBytes(b.Bytes(), audio.KindFromContentType("audio/wav"))
	if err != nil || p.Len() != 8000 {
		t.Fatalf("from bytes: %v, %d samples", err, p.Len())
	}
	path := t.TempDir() + "/p.wav"
	os.WriteFile(path, b.Bytes(), 0o644)
	if p, err := FromFile(path); err != nil || p.Duration() != time.Second {
		t.Fatalf("from file: %v", err)
	}
	if p, err := FromFile("../audio/testdata/tone1k.mp3"); err != nil || p.Duration() < 400*time.Millisecond {
		t.Fatalf("from mp3: %v", err)
	}
	if _, err := FromBytes([]byte("<html>404</html>"), audio.KindAuto); !errors.Is(err, audio.ErrUnsupported) {
		t.Fatalf("html body: %v", err)
	}
	if p, err := FromPCMRate(make([]int16, 22050), 22050); err != nil || p.Len() != 8000 {
		t.Fatalf("from 22050: %v", err)
	}
}

func TestFromTTS(t *testing.T) {
	e, err := tts.New(tts.Options{})
	if err != nil {
		if os.Getenv("SWITCHBOARD_REQUIRE_VOICE") == "1" {
			t.Fatalf("SWITCHBOARD_REQUIRE_VOICE=1: %v", err)
		}
		t.Skipf("no TTS engine (apt-get install espeak-ng): %v", err)
	}
	p, err := FromTTS(context.Background(), e, tts.Request{Text: "Please leave a message after the beep."})
	if err != nil {
		t.Fatal(err)
	}
	if p.Duration() < time.Second || len(p.Frames(g711.Ulaw)) != p.FrameCount() {
		t.Fatalf("duration %v", p.Duration())
	}
}

func BenchmarkFramesUlaw(b *testing.B) {
	pcm := make([]int16, 8000*10)
	for i := range pcm {
		pcm[i] = int16(i)
	}
	b.SetBytes(int64(len(pcm)))
	for b.Loop() {
		FromPCM(pcm).Frames(g711.Ulaw)
	}
}

// Real synthetic speech (digits spoken aloud included) must not trigger the
// in-band detector (talk-off), in either law.
func TestSpeechNoTalkOff(t *testing.T) {
	e, err := tts.New(tts.Options{})
	if err != nil {
		if os.Getenv("SWITCHBOARD_REQUIRE_VOICE") == "1" {
			t.Fatalf("SWITCHBOARD_REQUIRE_VOICE=1: %v", err)
		}
		t.Skipf("no TTS engine (apt-get install espeak-ng): %v", err)
	}
	texts := []tts.Request{
		{Text: "Thank you for calling. Press one for sales, two for support, or stay on the line. Your call is important to us."},
		{Text: "One two three four five six seven eight nine zero star pound. Eins zwei drei.", Voice: "alice"},
		{Text: "Bonjour, merci de votre appel. Appuyez sur le un.", Language: "fr-FR", Voice: "woman"},
		{Text: "Beep boop, ding dong, la la la la laaa, mmmmmmmm, eeeeeee.", Speed: 120},
	}
	for _, req := range texts {
		p, err := FromTTS(context.Background(), e, req)
		if err != nil {
			t.Fatal(err)
		}
		for _, law := range []g711.Law{g711.Ulaw, g711.Alaw} {
			det := dtmf.NewDetector()
			buf := make([]int16, FrameSamples)
			for _, f := range p.Frames(law) {
				law.Decode(buf, f)
				det.Feed(buf, func(c byte) { t.Errorf("%v: talk-off %q in %q", law, c, req.Text) })
			}
		}
	}
}
