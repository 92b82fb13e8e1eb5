package audio

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"

	mp3 "github.com/hajimehoshi/go-mp3"
)

// DecodeMP3 decodes an MP3 stream to mono PCM at its own rate (go-mp3
// always yields 16-bit stereo; the two channels are averaged).
func DecodeMP3(r io.Reader) (s *Sound, err error) {
	// go-mp3 may panic on some malformed streams; report them as corrupt.
	defer func() {
		if p := recover(); p != nil {
			s, err = nil, fmt.Errorf("%w: mp3 decoder: %v", ErrCorrupt, p)
		}
	}()
	d, err := mp3.NewDecoder(r)
	if err != nil {
		return nil, fmt.Errorf("%w: mp3: %v", ErrCorrupt, err)
	}
	rate := d.SampleRate()
	if rate <= 0 {
		return nil, fmt.Errorf("%w: mp3 sample rate %d", ErrCorrupt, rate)
	}
	var out []int16
	if n := d.Length(); n > 0 {
		out = make([]int16, 0, min(n/4, MaxDecodedSamples))
	}
	buf := make([]byte, 16<<10)
	for {
		n, rerr := d.Read(buf)
		n -= n % 4
		for i := 0; i < n; i += 4 {
			l := int16(binary.LittleEndian.Uint16(buf[i:]))
			r := int16(binary.LittleEndian.Uint16(buf[i+2:]))
			out = append(out, int16((int32(l)+int32(r))/2))
		}
		if len(out) > MaxDecodedSamples {
			return nil, fmt.Errorf("%w: more than %d samples", ErrTooLarge, MaxDecodedSamples)
		}
		if rerr != nil {
			if errors.Is(rerr, io.EOF) {
				break
			}
			if len(out) == 0 {
				return nil, fmt.Errorf("%w: mp3: %v", ErrCorrupt, rerr)
			}
			break // keep what decoded before a damaged tail
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%w: mp3 has no audio", ErrCorrupt)
	}
	return &Sound{Rate: rate, Samples: out}, nil
}
