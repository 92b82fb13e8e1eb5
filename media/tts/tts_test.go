package tts

import (
	"context"
	"errors"
	"math"
	"os"
	"os/exec"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// A trimmed `espeak-ng --voices` from Debian 12's espeak-ng 1.51.
const voicesFixture = `Pty Language       Age/Gender VoiceName          File                 Other Languages
 5  cmn             --/M      Chinese_(Mandarin,_latin_as_English) sit/cmn              (zh-cmn 5)(zh 5)
 5  de              --/M      German             gmw/de               
 5  en-029          --/M      English_(Caribbean) gmw/en-029           (en 10)
 2  en-gb           --/M      English_(Great_Britain) gmw/en               (en 2)
 5  en-gb-scotland  --/M      English_(Scotland) gmw/en-GB-scotland   (en 4)
 2  en-us           --/M      English_(America)  gmw/en-US            (en 3)
 5  es              --/M      Spanish_(Spain)    roa/es               
 5  es-419          --/M      Spanish_(Latin_America) roa/es-419           (es-mx 6)(es 6)
 5  fr-be           --/M      French_(Belgium)   roa/fr-BE            (fr 8)
 5  fr-fr           --/M      French_(France)    roa/fr               (fr 5)
 5  pt              --/M      Portuguese_(Portugal) roa/pt               (pt-pt 5)
 5  pt-br           --/M      Portuguese_(Brazil) roa/pt-BR            (pt 6)
`

func fixtureTTS(engine string) *TTS {
	t := &TTS{engine: engine, opts: Options{MaxChars: DefaultMaxChars, Timeout: time.Second}}
	t.vLoaded = true
	t.voices.langs = parseEspeakVoices(voicesFixture)
	t.voices.variants = map[string]bool{"f3": true, "m3": true}
	return t
}

func TestParseVoices(t *testing.T) {
	l := parseEspeakVoices(voicesFixture)
	cases := map[string]string{"en": "en-gb", "en-us": "en-us", "zh": "cmn", "es-mx": "es-419", "es": "es", "fr": "fr-fr", "pt-pt": "pt", "de": "de"}
	for tag, want := range cases {
		if got := l[tag].name; got != want {
			t.Errorf("%s → %q, want %q", tag, got, want)
		}
	}
	v := parseVariants(" 5  variant         --/F      female3            !v/f3                \n 5  variant  --/M  Alex  !v/Alex\n")
	if !v["f3"] || !v["alex"] {
		t.Errorf("variants %v", v)
	}
}

func TestResolve(t *testing.T) {
	cases := []struct {
		voice, lang string
		name        string
		female      bool
		note        bool
	}{
		{"", "", "en-us", false, false},
		{"man", "en-US", "en-us", false, false},
		{"woman", "en-GB", "en-gb+f3", true, false},
		{"alice", "es-ES", "es+f3", true, false},
		{"alice", "es-MX", "es-419+f3", true, false},
		{"man", "fr-FR", "fr-fr", false, false},
		{"man", "fr-CA", "fr-fr", false, false},
		{"man", "de-DE", "de", false, false},
		{"man", "pt_BR", "pt-br", false, false},
		{"man", "en-AU", "en-gb", false, false},
		{"man", "de-LU", "de", false, true}, // base language
		{"man", "xx-YY", "en-us", false, true},
		{"Polly.Joanna", "", "en-us+f3", true, false},
		{"Polly.Matthew-Neural", "", "en-us", false, false},
		{"Polly.Celine", "", "fr-fr+f3", true, false},
		{"Polly.Hans", "", "de", false, false},
		{"Polly.Amy", "en-US", "en-us+f3", true, false}, // explicit language wins
		{"Google.en-GB-Standard-A", "", "en-gb", false, false},
		{"Google.de-DE-Wavenet-B", "", "de", false, false},
		{"Polly.Nobody", "", "en-us", false, true},
		{"robot", "en-US", "en-us", false, true},
	}
	tt := fixtureTTS(EspeakNG)
	for _, c := range cases {
		t.Run(c.voice+"/"+c.lang, func(t *testing.T) {
			v := tt.Resolve(context.Background(), Request{Voice: c.voice, Language: c.lang})
			if v.Name != c.name || v.Female != c.female || (v.Note != "") != c.note {
				t.Fatalf("got %+v, want name %q female %v note %v", v, c.name, c.female, c.note)
			}
		})
	}
	f := fixtureTTS(Flite)
	if v := f.Resolve(context.Background(), Request{Voice: "alice", Language: "en-US"}); v.Name != "slt" || v.Note != "" {
		t.Fatalf("flite alice: %+v", v)
	}
	if v := f.Resolve(context.Background(), Request{Voice: "man", Language: "de-DE"}); v.Name != "rms" || v.Note == "" {
		t.Fatalf("flite German: %+v", v)
	}
}

func TestCleanText(t *testing.T) {
	cases := []struct{ in, want string }{
		{"hello", "hello"},
		{"  a\tb\nc\r\n ", "a b c"},
		{"bell\a esc\x1b[31m del\x7f", "bell esc[31m del"},
		{"nul\x00byte", "nulbyte"},
		{"bad \xff utf8", "bad   utf8"},
		{"héllo wörld", "héllo wörld"},
		{strings.Repeat("ab", 10), "abababab"},
	}
	for i, c := range cases {
		max := 4000
		if i == len(cases)-1 {
			max = 8
		}
		if got := CleanText(c.in, max); got != c.want {
			t.Errorf("CleanText(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestNoEngine(t *testing.T) {
	_, err := New(Options{LookPath: func(string) (string, error) { return "", exec.ErrNotFound }})
	if !errors.Is(err, ErrNoEngine) {
		t.Fatalf("err %v", err)
	}
	if _, err := New(Options{Engine: "sam"}); err == nil {
		t.Fatal("unknown engine accepted")
	}
}

func TestKey(t *testing.T) {
	a := Key("espeak-ng", "en-us", "en-us", 0, "hello")
	if len(a) != 64 || a != Key("espeak-ng", "en-us", "en-us", 0, "hello") {
		t.Fatal("key not stable")
	}
	for _, b := range []string{
		Key("flite", "en-us", "en-us", 0, "hello"),
		Key("espeak-ng", "en-us+f3", "en-us", 0, "hello"),
		Key("espeak-ng", "en-us", "en-gb", 0, "hello"),
		Key("espeak-ng", "en-us", "en-us", 150, "hello"),
		Key("espeak-ng", "en-us", "en-us", 0, "hello!"),
		Key("espeak-ng", "en-u", "sen-us", 0, "hello"),
	} {
		if a == b {
			t.Fatal("distinct inputs share a key")
		}
	}
}

func TestCacheSingleflightAndDisk(t *testing.T) {
	dir := t.TempDir()
	c, err := NewCache(dir, 1<<20)
	if err != nil {
		t.Fatal(err)
	}
	var builds atomic.Int32
	release := make(chan struct{})
	build := func(ctx context.Context) ([]int16, error) {
		builds.Add(1)
		<-release
		return []int16{1, 2, 3}, nil
	}
	key := Key("e", "v", "l", 0, "t")
	var wg sync.WaitGroup
	for range 50 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			pcm, err := c.Get(context.Background(), key, build)
			if err != nil || len(pcm) != 3 {
				t.Errorf("get: %v %v", pcm, err)
			}
		}()
	}
	time.Sleep(20 * time.Millisecond)
	close(release)
	wg.Wait()
	if n := builds.Load(); n != 1 {
		t.Fatalf("built %d times", n)
	}
	if _, err := os.Stat(c.path(key)); err != nil {
		t.Fatalf("not on disk: %v", err)
	}
	// A new cache over the same directory reads from disk.
	c2, _ := NewCache(dir, 1<<20)
	pcm, err := c2.Get(context.Background(), key, func(context.Context) ([]int16, error) {
		t.Fatal("rebuilt despite disk copy")
		return nil, nil
	})
	if err != nil || len(pcm) != 3 || pcm[2] != 3 {
		t.Fatalf("from disk: %v %v", pcm, err)
	}
	if h, m := c2.Stats(); h != 1 || m != 0 {
		t.Fatalf("stats %d/%d", h, m)
	}
	if err := c2.Remove(key); err != nil || c2.Len() != 0 {
		t.Fatalf("remove: %v", err)
	}
}

func TestCacheLRUAndErrors(t *testing.T) {
	c, _ := NewCache("", 100) // 50 samples
	ctx := context.Background()
	mk := func(n int) func(context.Context) ([]int16, error) {
		return func(context.Context) ([]int16, error) { return make([]int16, n), nil }
	}
	c.Get(ctx, "aaaa", mk(20))
	c.Get(ctx, "bbbb", mk(20))
	c.Get(ctx, "aaaa", mk(20)) // touch a: b is now least recent
	c.Get(ctx, "cccc", mk(20)) // 120 bytes: evicts b
	if c.Len() != 2 || c.Bytes() != 80 {
		t.Fatalf("len %d bytes %d", c.Len(), c.Bytes())
	}
	rebuilt := false
	c.Get(ctx, "bbbb", func(context.Context) ([]int16, error) { rebuilt = true; return make([]int16, 20), nil })
	if !rebuilt {
		t.Fatal("b was not evicted")
	}
	c.Get(ctx, "huge", mk(1000)) // larger than the budget: not kept
	if c.Bytes() > 100 {
		t.Fatalf("over budget: %d", c.Bytes())
	}
	boom := errors.New("boom")
	if _, err := c.Get(ctx, "eeee", func(context.Context) ([]int16, error) { return nil, boom }); !errors.Is(err, boom) {
		t.Fatalf("err %v", err)
	}
	if _, err := c.Get(ctx, "eeee", mk(1)); err != nil {
		t.Fatalf("error was cached: %v", err)
	}
	// A caller whose context ends stops waiting.
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := c.Get(cctx, "ffff", func(context.Context) ([]int16, error) { time.Sleep(50 * time.Millisecond); return nil, nil }); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled get: %v", err)
	}
}

// requireEngine skips when the engine is missing, unless
// SWITCHBOARD_REQUIRE_VOICE=1 (then the test fails).
func requireEngine(t *testing.T, engine string) *TTS {
	t.Helper()
	tt, err := New(Options{Engine: engine})
	if err != nil {
		if os.Getenv("SWITCHBOARD_REQUIRE_VOICE") == "1" {
			t.Fatalf("SWITCHBOARD_REQUIRE_VOICE=1 but %s is missing: %v", engine, err)
		}
		t.Skipf("%s not installed (apt-get install %s): %v", engine, engine, err)
	}
	return tt
}

func rmsOf(pcm []int16) float64 {
	var s float64
	for _, v := range pcm {
		s += float64(v) * float64(v)
	}
	return math.Sqrt(s / float64(max(len(pcm), 1)))
}

func TestSynthesize(t *testing.T) {
	for _, engine := range []string{EspeakNG, Flite} {
		t.Run(engine, func(t *testing.T) {
			tt := requireEngine(t, engine)
			cases := []struct {
				name   string
				req    Request
				minDur time.Duration
			}{
				{"hello", Request{Text: "Hello, thank you for calling."}, 800 * time.Millisecond},
				{"leading dash is text", Request{Text: "-v --help goodbye", Voice: "alice"}, 300 * time.Millisecond},
				{"control chars", Request{Text: "one\x00 two\x1b three", Voice: "man", Language: "en-GB"}, 300 * time.Millisecond},
				{"spanish", Request{Text: "Hola, gracias por llamar", Voice: "Polly.Lucia"}, 500 * time.Millisecond},
				{"fast", Request{Text: "Hello, thank you for calling.", Speed: 300}, 300 * time.Millisecond},
			}
			for _, c := range cases {
				t.Run(c.name, func(t *testing.T) {
					pcm, err := tt.Synthesize(context.Background(), c.req)
					if err != nil {
						t.Fatal(err)
					}
					d := time.Duration(len(pcm)) * time.Second / 8000
					if d < c.minDur || d > 10*time.Second {
						t.Fatalf("duration %v", d)
					}
					if r := rmsOf(pcm); r < 300 {
						t.Fatalf("near-silent output (rms %.0f)", r)
					}
				})
			}
			if _, err := tt.Synthesize(context.Background(), Request{Text: " \x00\n "}); !errors.Is(err, ErrEmptyText) {
				t.Fatalf("empty: %v", err)
			}
		})
	}
}

func TestSynthesizeCachedAndTimeout(t *testing.T) {
	tt := requireEngine(t, "")
	c, _ := NewCache(t.TempDir(), 1<<20)
	tt.opts.Cache = c
	req := Request{Text: "Press one for sales.", Voice: "woman", Language: "en-US"}
	a, err := tt.Synthesize(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	b, err := tt.Synthesize(context.Background(), req)
	if err != nil || len(a) != len(b) {
		t.Fatal(err)
	}
	if h, m := c.Stats(); h != 1 || m != 1 {
		t.Fatalf("hits %d misses %d", h, m)
	}
	tt.opts.Cache = nil
	tt.opts.Timeout = time.Nanosecond
	if _, err := tt.Synthesize(context.Background(), Request{Text: "too slow"}); !errors.Is(err, ErrEngine) {
		t.Fatalf("timeout: %v", err)
	}
}

// fakeEspeak is an espeak-ng stand-in (a shell script) that lists the
// fixture's voices; it is enough for Resolve, which only lists voices.
func fakeEspeak(t *testing.T) *TTS {
	t.Helper()
	sh, err := exec.LookPath("sh")
	if err != nil {
		t.Skip("no sh")
	}
	dir := t.TempDir()
	if err := os.WriteFile(dir+"/voices.txt", []byte(voicesFixture), 0o600); err != nil {
		t.Fatal(err)
	}
	script := "#!" + sh + "\ncase \"$1\" in\n--voices) cat '" + dir + "/voices.txt' ;;\n--voices=variant) echo ' 5  variant  --/F  female3  !v/f3' ;;\nesac\n"
	if err := os.WriteFile(dir+"/espeak-ng", []byte(script), 0o700); err != nil {
		t.Fatal(err)
	}
	tt, err := New(Options{Engine: EspeakNG, LookPath: func(string) (string, error) { return dir + "/espeak-ng", nil }})
	if err != nil {
		t.Fatal(err)
	}
	return tt
}

// The voice list belongs to the process, not to the call that happened to
// ask first: a first prompt whose call has already hung up (its context
// cancelled) must not leave every later prompt with "listing voices failed
// (… context canceled)" and the default voice.
func TestVoicesOutliveTheFirstCaller(t *testing.T) {
	tt := fakeEspeak(t)
	gone, cancel := context.WithCancel(context.Background())
	cancel()
	tt.Resolve(gone, Request{Voice: "man", Language: "de-DE"})
	v := tt.Resolve(context.Background(), Request{Voice: "man", Language: "de-DE"})
	if v.Name != "de" || v.Note != "" {
		t.Fatalf("after a cancelled first caller: %+v, want voice de and no note", v)
	}
	if v := tt.Resolve(context.Background(), Request{Voice: "alice", Language: "es-MX"}); v.Name != "es-419+f3" {
		t.Fatalf("alice es-MX: %+v", v)
	}
}
