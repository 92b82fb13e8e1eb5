package audio

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"mime"
	"os"
	"path/filepath"
	"strings"

	"github.com/switchboard/switchboard/media/resample"
)

// Kind is an audio container.
type Kind int

const (
	// KindAuto sniffs the first bytes: RIFF/WAVE is WAV, anything else that
	// looks like MPEG audio (ID3 tag or frame sync) is MP3.
	KindAuto Kind = iota
	KindWAV
	KindMP3
)

func (k Kind) String() string {
	switch k {
	case KindWAV:
		return "wav"
	case KindMP3:
		return "mp3"
	}
	return "auto"
}

// TelephoneRate is the rate Load converts to.
const TelephoneRate = 8000

// KindFromName guesses the kind from a file name or URL path extension.
func KindFromName(name string) Kind {
	switch strings.ToLower(filepath.Ext(name)) {
	case ".wav", ".wave":
		return KindWAV
	case ".mp3":
		return KindMP3
	}
	return KindAuto
}

// KindFromContentType maps an HTTP Content-Type (audio/mpeg, audio/wav,
// audio/x-wav, audio/wave, audio/vnd.wave) to a kind.
func KindFromContentType(ct string) Kind {
	mt, _, err := mime.ParseMediaType(ct)
	if err != nil {
		return KindAuto
	}
	switch mt {
	case "audio/wav", "audio/x-wav", "audio/wave", "audio/vnd.wave":
		return KindWAV
	case "audio/mpeg", "audio/mp3", "audio/mpeg3", "audio/x-mpeg-3":
		return KindMP3
	}
	return KindAuto
}

// Sniff returns the kind of the bytes that start a file, or KindAuto.
func Sniff(b []byte) Kind {
	switch {
	case IsWAV(b):
		return KindWAV
	case len(b) >= 3 && bytes.Equal(b[:3], []byte("ID3")):
		return KindMP3
	case len(b) >= 2 && b[0] == 0xFF && b[1]&0xE0 == 0xE0:
		return KindMP3
	}
	return KindAuto
}

// Decode reads a WAV or MP3 stream to mono PCM at the source rate.
func Decode(r io.Reader, kind Kind) (*Sound, error) {
	if kind == KindAuto {
		br := bufio.NewReader(r)
		head, _ := br.Peek(12)
		kind = Sniff(head)
		r = br
		if kind == KindAuto {
			return nil, fmt.Errorf("%w: neither WAV nor MP3", ErrUnsupported)
		}
	}
	switch kind {
	case KindWAV:
		return DecodeWAV(r)
	case KindMP3:
		return DecodeMP3(r)
	}
	return nil, fmt.Errorf("%w: kind %d", ErrUnsupported, kind)
}

// To8k converts a sound to 8 kHz samples.
func To8k(s *Sound) ([]int16, error) {
	if s.Rate == TelephoneRate {
		return s.Samples, nil
	}
	return resample.Resample(nil, s.Samples, s.Rate, TelephoneRate)
}

// Load decodes a WAV or MP3 stream to 8 kHz mono PCM.
func Load(r io.Reader, kind Kind) ([]int16, error) {
	s, err := Decode(r, kind)
	if err != nil {
		return nil, err
	}
	return To8k(s)
}

// LoadFile decodes the WAV or MP3 file at path (kind from its extension,
// else sniffed) to 8 kHz mono PCM.
func LoadFile(path string) ([]int16, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	pcm, err := Load(bufio.NewReaderSize(f, 64<<10), KindFromName(path))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return pcm, nil
}
