package voice

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/switchboard/switchboard/media/audio"
	"github.com/switchboard/switchboard/media/g711"
	"github.com/switchboard/switchboard/media/prompt"
	"github.com/switchboard/switchboard/media/tts"
)

// ErrNoSpeech is returned by Say when no TTS engine is installed.
var ErrNoSpeech = errors.New("voice: no text-to-speech engine installed (apt-get install espeak-ng)")

// maxPlayBytes caps an audio file fetched for Play.
const maxPlayBytes = 20 << 20

// PromptLibrary makes prompts for every call: speech from the offline TTS
// engine, audio files from URLs or the media directory, kept in a bounded
// cache of ready frames so a popular prompt is synthesised or decoded once.
type PromptLibrary struct {
	TTS      *tts.TTS     // nil: Say fails with ErrNoSpeech
	HTTP     *http.Client // for Play URLs; nil uses a 15 s client
	MediaDir string       // local files Play may name (file:///… or a bare path under it)
	Max      int          // prompts kept; default 512

	mu    sync.Mutex
	cache map[string]*prompt.Prompt
	order []string
	beep  *prompt.Prompt
}

func (l *PromptLibrary) get(key string) *prompt.Prompt {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.cache[key]
}

func (l *PromptLibrary) put(key string, p *prompt.Prompt) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.cache == nil {
		l.cache = map[string]*prompt.Prompt{}
	}
	if _, ok := l.cache[key]; ok {
		return
	}
	max := l.Max
	if max <= 0 {
		max = 512
	}
	for len(l.order) >= max {
		delete(l.cache, l.order[0])
		l.order = l.order[1:]
	}
	l.cache[key] = p
	l.order = append(l.order, key)
}

// Say returns the spoken text.
func (l *PromptLibrary) Say(ctx context.Context, text, voice, language string) (*prompt.Prompt, error) {
	if l.TTS == nil {
		return nil, ErrNoSpeech
	}
	req := tts.Request{Text: text, Voice: voice, Language: language}
	key, _, _ := l.TTS.CacheKey(ctx, req)
	if p := l.get("say:" + key); p != nil {
		return p, nil
	}
	p, err := prompt.FromTTS(ctx, l.TTS, req)
	if err != nil {
		return nil, err
	}
	l.put("say:"+key, p)
	return p, nil
}

// Play returns the audio at a URL (http, https, or a file in the media
// directory).
func (l *PromptLibrary) Play(ctx context.Context, raw string) (*prompt.Prompt, error) {
	if p := l.get("play:" + raw); p != nil {
		return p, nil
	}
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil {
		return nil, fmt.Errorf("voice: play %q: %w", raw, err)
	}
	var p *prompt.Prompt
	switch u.Scheme {
	case "http", "https":
		p, err = l.fetch(ctx, u)
	case "file", "":
		p, err = l.local(u.Path)
	default:
		err = fmt.Errorf("voice: play %q: only http, https and local files can be played", raw)
	}
	if err != nil {
		return nil, err
	}
	l.put("play:"+raw, p)
	return p, nil
}

func (l *PromptLibrary) fetch(ctx context.Context, u *url.URL) (*prompt.Prompt, error) {
	client := l.HTTP
	if client == nil {
		client = &http.Client{Timeout: 15 * time.Second}
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return nil, err
	}
	resp, err := client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("voice: play %s: %w", u.Redacted(), err)
	}
	defer resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		return nil, fmt.Errorf("voice: play %s: HTTP %d", u.Redacted(), resp.StatusCode)
	}
	b, err := io.ReadAll(io.LimitReader(resp.Body, maxPlayBytes+1))
	if err != nil {
		return nil, fmt.Errorf("voice: play %s: %w", u.Redacted(), err)
	}
	if len(b) > maxPlayBytes {
		return nil, fmt.Errorf("voice: play %s: larger than %d bytes", u.Redacted(), maxPlayBytes)
	}
	kind := audio.KindFromContentType(resp.Header.Get("Content-Type"))
	if kind == audio.KindAuto {
		kind = audio.KindFromName(u.Path)
	}
	return prompt.FromBytes(b, kind)
}

// local plays a file from the media directory only: a flow cannot read
// arbitrary files of the machine.
func (l *PromptLibrary) local(path string) (*prompt.Prompt, error) {
	if l.MediaDir == "" {
		return nil, fmt.Errorf("voice: play %q: no media directory is configured for local files", path)
	}
	root, err := filepath.Abs(l.MediaDir)
	if err != nil {
		return nil, err
	}
	full := path
	if !filepath.IsAbs(full) {
		full = filepath.Join(root, full)
	}
	full = filepath.Clean(full)
	if rel, err := filepath.Rel(root, full); err != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
		return nil, fmt.Errorf("voice: play %q: outside the media directory", path)
	}
	return prompt.FromFile(full)
}

// Beep is the tone before a recording.
func (l *PromptLibrary) Beep() *prompt.Prompt {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.beep == nil {
		l.beep = prompt.Beep()
	}
	return l.beep
}

// lawPrompts is the library seen by one call, framed for its codec.
type lawPrompts struct {
	lib *PromptLibrary
	law g711.Law
}

func (p lawPrompts) Say(ctx context.Context, text, voice, language string) ([][]byte, error) {
	pr, err := p.lib.Say(ctx, text, voice, language)
	if err != nil {
		return nil, err
	}
	return pr.Frames(p.law), nil
}

func (p lawPrompts) Play(ctx context.Context, url string) ([][]byte, error) {
	pr, err := p.lib.Play(ctx, url)
	if err != nil {
		return nil, err
	}
	return pr.Frames(p.law), nil
}

func (p lawPrompts) Beep() [][]byte { return p.lib.Beep().Frames(p.law) }
