// Package tts turns text into 8 kHz mono PCM with an offline engine:
// espeak-ng (many languages) or flite (English), run as a subprocess with
// the text as an argument (never through a shell), a timeout and a length
// limit. Twilio Say's voice and language attributes map onto the installed
// voices; results can be kept in a Cache.
package tts

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/switchboard/switchboard/media/audio"
)

// Engine names.
const (
	EspeakNG = "espeak-ng"
	Flite    = "flite"
)

// Errors.
var (
	ErrNoEngine  = errors.New("tts: no text-to-speech engine installed (install the espeak-ng or flite package)")
	ErrEmptyText = errors.New("tts: nothing to say")
	ErrEngine    = errors.New("tts: engine failed")
)

// Defaults.
const (
	DefaultMaxChars = 4000
	DefaultTimeout  = 20 * time.Second
	DefaultLanguage = "en-US"
	maxOutputBytes  = 64 << 20 // ≈ 25 minutes at 22.05 kHz
)

// Request is one Say: Twilio's attributes plus an optional speed.
type Request struct {
	Text     string
	Voice    string // man, woman, alice, Polly.Joanna, Google.en-GB-Standard-A, …
	Language string // en-US, en-GB, es-ES, fr-FR, de-DE, …; empty = the voice's or en-US
	Speed    int    // words per minute; 0 = engine default
}

// Options configure a TTS.
type Options struct {
	// Engine selects "espeak-ng" or "flite"; empty picks espeak-ng when
	// installed, else flite.
	Engine   string
	Timeout  time.Duration // per synthesis; default 20 s
	MaxChars int           // text is cut to this many characters; default 4000
	Cache    *Cache        // optional
	Logger   *slog.Logger  // optional; fallbacks are logged at Info
	// LookPath finds executables (tests); default exec.LookPath.
	LookPath func(string) (string, error)
}

// TTS synthesises speech. It is safe for concurrent use.
type TTS struct {
	engine string
	path   string
	opts   Options
	log    *slog.Logger

	// The installed voices, listed once per process (retried after
	// voicesRetry when listing failed).
	vmu     sync.Mutex
	vLoaded bool
	voices  espeakVoices
	vErr    error
	vTried  time.Time
}

// voicesRetry is how long a failed voice listing is remembered before the
// next prompt tries again.
const voicesRetry = time.Minute

// New finds an engine. It returns ErrNoEngine when none is installed.
func New(opts Options) (*TTS, error) {
	if opts.Timeout <= 0 {
		opts.Timeout = DefaultTimeout
	}
	if opts.MaxChars <= 0 {
		opts.MaxChars = DefaultMaxChars
	}
	look := opts.LookPath
	if look == nil {
		look = exec.LookPath
	}
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	candidates := []string{EspeakNG, Flite}
	switch opts.Engine {
	case "":
	case EspeakNG, Flite:
		candidates = []string{opts.Engine}
	default:
		return nil, fmt.Errorf("tts: unknown engine %q (want %s or %s)", opts.Engine, EspeakNG, Flite)
	}
	for _, e := range candidates {
		if p, err := look(e); err == nil {
			return &TTS{engine: e, path: p, opts: opts, log: log}, nil
		}
	}
	return nil, fmt.Errorf("%w: looked for %s", ErrNoEngine, strings.Join(candidates, ", "))
}

// Engine returns the engine in use.
func (t *TTS) Engine() string { return t.engine }

// CleanText strips control characters (newlines and tabs become spaces),
// trims, and cuts the text to max characters (runes).
func CleanText(s string, max int) string {
	if !utf8.ValidString(s) {
		s = strings.ToValidUTF8(s, " ")
	}
	var b strings.Builder
	b.Grow(min(len(s), 4*max))
	n := 0
	for _, r := range s {
		if n >= max {
			break
		}
		switch {
		case r == '\n' || r == '\r' || r == '\t':
			r = ' '
		case unicode.IsControl(r) || r == '\u2028' || r == '\u2029':
			continue
		}
		b.WriteRune(r)
		n++
	}
	return strings.TrimSpace(b.String())
}

// loadVoices lists espeak-ng's voices once for the process and returns
// them. The listing runs detached from ctx: the voice list outlives the call
// that happened to ask first, so a caller who hangs up during the first
// prompt cannot leave every later prompt without voices ("context
// canceled"). The engine's own timeout still bounds it.
func (t *TTS) loadVoices(ctx context.Context) (espeakVoices, error) {
	if t.engine != EspeakNG {
		return espeakVoices{}, nil
	}
	t.vmu.Lock()
	defer t.vmu.Unlock()
	if t.vLoaded || (t.vErr != nil && time.Since(t.vTried) < voicesRetry) {
		return t.voices, t.vErr
	}
	ctx = context.WithoutCancel(ctx)
	t.vTried = time.Now()
	out, err := t.run(ctx, "--voices")
	if err != nil {
		t.vErr = err
		return t.voices, err
	}
	t.vLoaded, t.vErr = true, nil
	t.voices.langs = parseEspeakVoices(string(out))
	if v, err := t.run(ctx, "--voices=variant"); err == nil {
		t.voices.variants = parseVariants(string(v))
	}
	return t.voices, nil
}

// Resolve maps a request's voice and language to an installed voice.
func (t *TTS) Resolve(ctx context.Context, req Request) Voice {
	voices, vErr := t.loadVoices(ctx)
	female, vlang, known := sayVoice(req.Voice)
	var notes []string
	if !known {
		notes = append(notes, fmt.Sprintf("voice %q not known, using the default voice", req.Voice))
	}
	lang := req.Language
	if lang == "" {
		lang = vlang
	}
	if lang == "" {
		lang = DefaultLanguage
	}
	tag := strings.ToLower(strings.ReplaceAll(strings.TrimSpace(lang), "_", "-"))
	if t.engine == Flite {
		v := Voice{Engine: Flite, Name: "rms", Language: "en-us", Female: female}
		if female {
			v.Name = "slt"
		}
		if !strings.HasPrefix(tag, "en") {
			notes = append(notes, fmt.Sprintf("flite speaks English only; %s spoken as en-us", lang))
		}
		v.Note = strings.Join(notes, "; ")
		return v
	}
	v := Voice{Engine: EspeakNG, Female: female}
	if vErr != nil {
		notes = append(notes, fmt.Sprintf("listing voices failed (%v)", vErr))
	}
	langs := voices.langs
	pick := func(c string) bool {
		if vc, ok := langs[c]; ok {
			v.Name, v.Language = vc.name, vc.name
			return true
		}
		return false
	}
	switch {
	case pick(tag):
	case languageAliases[tag] != "" && pick(languageAliases[tag]):
	case strings.Contains(tag, "-") && pick(tag[:strings.Index(tag, "-")]):
		// de-DE → de is exact; de-LU → de is a fallback worth a note.
		if base, region, _ := strings.Cut(tag, "-"); region != base {
			notes = append(notes, fmt.Sprintf("no %s voice, using %s", lang, v.Language))
		}
	default:
		v.Name, v.Language = "en-us", "en-us"
		notes = append(notes, fmt.Sprintf("language %s not installed, using en-us", lang))
	}
	if female {
		if len(voices.variants) == 0 || voices.variants["f3"] {
			v.Name += "+f3"
		} else {
			notes = append(notes, "no female variant installed")
		}
	}
	v.Note = strings.Join(notes, "; ")
	return v
}

// CacheKey is the cache key of a request as this TTS would speak it.
func (t *TTS) CacheKey(ctx context.Context, req Request) (string, Voice, string) {
	v := t.Resolve(ctx, req)
	text := CleanText(req.Text, t.opts.MaxChars)
	return Key(v.Engine, v.Name, v.Language, req.Speed, text), v, text
}

// Synthesize speaks the request and returns 8 kHz mono PCM, from the cache
// when one is configured. The returned slice may be shared: do not modify it.
func (t *TTS) Synthesize(ctx context.Context, req Request) ([]int16, error) {
	key, v, text := t.CacheKey(ctx, req)
	if text == "" {
		return nil, ErrEmptyText
	}
	if v.Note != "" {
		t.log.InfoContext(ctx, "tts voice fallback", "voice", req.Voice, "language", req.Language, "using", v.Name, "note", v.Note)
	}
	build := func(ctx context.Context) ([]int16, error) { return t.synth(ctx, v, text, req.Speed) }
	if t.opts.Cache != nil {
		return t.opts.Cache.Get(ctx, key, build)
	}
	return build(ctx)
}

func (t *TTS) synth(ctx context.Context, v Voice, text string, speed int) ([]int16, error) {
	var wav []byte
	var err error
	switch t.engine {
	case EspeakNG:
		args := []string{"--stdout", "-v", v.Name}
		if speed > 0 {
			args = append(args, "-s", strconv.Itoa(max(80, min(speed, 450))))
		}
		// "--" ends options: text starting with "-" is spoken, not parsed.
		args = append(args, "--", text)
		wav, err = t.run(ctx, args...)
	case Flite:
		wav, err = t.runFlite(ctx, v, text, speed)
	}
	if err != nil {
		return nil, err
	}
	pcm, err := audio.Load(bytes.NewReader(wav), audio.KindWAV)
	if err != nil {
		return nil, fmt.Errorf("%w: %s output: %w", ErrEngine, t.engine, err)
	}
	return pcm, nil
}

func (t *TTS) runFlite(ctx context.Context, v Voice, text string, speed int) ([]byte, error) {
	f, err := os.CreateTemp("", "switchboard-flite-*.wav")
	if err != nil {
		return nil, err
	}
	name := f.Name()
	f.Close()
	defer os.Remove(name)
	args := []string{"-voice", v.Name}
	if speed > 0 {
		// flite speaks ≈ 170 wpm; stretch durations for other speeds.
		args = append(args, "--setf", "duration_stretch="+strconv.FormatFloat(170/float64(max(80, min(speed, 450))), 'f', 3, 64))
	}
	args = append(args, "-t", text, "-o", name)
	if _, err := t.run(ctx, args...); err != nil {
		return nil, err
	}
	f2, err := os.Open(name)
	if err != nil {
		return nil, err
	}
	defer f2.Close()
	return io.ReadAll(io.LimitReader(f2, maxOutputBytes))
}

type limitedBuffer struct {
	bytes.Buffer
	max int
}

func (b *limitedBuffer) Write(p []byte) (int, error) {
	if b.Len()+len(p) > b.max {
		return 0, fmt.Errorf("output larger than %d bytes", b.max)
	}
	return b.Buffer.Write(p)
}

// run executes the engine with args (no shell) under the timeout.
func (t *TTS) run(ctx context.Context, args ...string) ([]byte, error) {
	ctx, cancel := context.WithTimeout(ctx, t.opts.Timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, t.path, args...)
	stdout := &limitedBuffer{max: maxOutputBytes}
	stderr := &limitedBuffer{max: 4096}
	cmd.Stdout, cmd.Stderr = stdout, stderr
	cmd.WaitDelay = time.Second
	if err := cmd.Run(); err != nil {
		if ctx.Err() != nil {
			return nil, fmt.Errorf("%w: %s: %w", ErrEngine, t.engine, ctx.Err())
		}
		return nil, fmt.Errorf("%w: %s: %v: %s", ErrEngine, t.engine, err, strings.TrimSpace(stderr.String()))
	}
	return stdout.Bytes(), nil
}
