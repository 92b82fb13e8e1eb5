// Package audio decodes WAV and MP3 files to mono 16-bit PCM, converts them to
// 8 kHz for telephony, and writes recordings as WAV.
package audio

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"

	"github.com/switchboard/switchboard/media/g711"
)

// Errors returned by the decoders; they are wrapped with details.
var (
	ErrNotWAV      = errors.New("audio: not a RIFF/WAVE file")
	ErrUnsupported = errors.New("audio: unsupported audio format")
	ErrCorrupt     = errors.New("audio: corrupt audio file")
	ErrTooLarge    = errors.New("audio: audio too large")
)

// MaxDecodedSamples bounds what a decoder produces (≈ 1 hour at 48 kHz),
// so hostile or broken files cannot exhaust memory.
const MaxDecodedSamples = 48000 * 3600

// Sound is mono 16-bit PCM at Rate Hz.
type Sound struct {
	Rate    int
	Samples []int16
}

// WAV format tags.
const (
	formatPCM        = 1
	formatFloat      = 3
	formatALaw       = 6
	formatMuLaw      = 7
	formatExtensible = 0xFFFE
)

// bogusSize is what streaming writers (espeak-ng --stdout) put in RIFF and
// data sizes; like 0 and 0xFFFFFFFF it means "read to the end".
const bogusSize = 0x7ffff000

type wavFormat struct {
	tag        uint16
	channels   int
	rate       int
	blockAlign int
	bits       int
}

// DecodeWAV reads a WAV stream to mono PCM at its own rate. Channels are
// averaged. It reads PCM 8/16/24/32-bit, IEEE float 32/64-bit, μ-law,
// A-law and WAVE_FORMAT_EXTENSIBLE of those, skips other chunks (LIST, fact,
// …) with their odd-size padding, and reads a data chunk whose size is
// unknown or wrong (streaming writers, crashed recorders) up to the end.
func DecodeWAV(r io.Reader) (*Sound, error) {
	var hdr [12]byte
	if _, err := io.ReadFull(r, hdr[:]); err != nil {
		return nil, fmt.Errorf("%w: short header", ErrNotWAV)
	}
	if string(hdr[0:4]) != "RIFF" || string(hdr[8:12]) != "WAVE" {
		return nil, fmt.Errorf("%w: missing RIFF/WAVE magic", ErrNotWAV)
	}
	var f *wavFormat
	for {
		var ch [8]byte
		if _, err := io.ReadFull(r, ch[:]); err != nil {
			if f == nil {
				return nil, fmt.Errorf("%w: no fmt chunk", ErrCorrupt)
			}
			return nil, fmt.Errorf("%w: no data chunk", ErrCorrupt)
		}
		id := string(ch[0:4])
		size := binary.LittleEndian.Uint32(ch[4:8])
		switch id {
		case "fmt ":
			if size < 16 || size > 1024 {
				return nil, fmt.Errorf("%w: fmt chunk of %d bytes", ErrCorrupt, size)
			}
			buf := make([]byte, size+size&1)
			if _, err := io.ReadFull(r, buf); err != nil && !(size&1 == 1 && errors.Is(err, io.ErrUnexpectedEOF)) {
				return nil, fmt.Errorf("%w: truncated fmt chunk", ErrCorrupt)
			}
			var err error
			if f, err = parseFmt(buf[:size]); err != nil {
				return nil, err
			}
		case "data":
			if f == nil {
				return nil, fmt.Errorf("%w: data chunk before fmt chunk", ErrCorrupt)
			}
			var data io.Reader = r
			if size != bogusSize && size != 0 && size != math.MaxUint32 {
				data = io.LimitReader(r, int64(size))
			}
			return decodeData(data, f)
		default:
			// LIST, fact, cue, bext, …: skip, with the pad byte of odd sizes.
			if _, err := io.CopyN(io.Discard, r, int64(size)+int64(size&1)); err != nil {
				if f != nil {
					return nil, fmt.Errorf("%w: no data chunk (file ends in %q chunk)", ErrCorrupt, id)
				}
				return nil, fmt.Errorf("%w: truncated %q chunk", ErrCorrupt, id)
			}
		}
	}
}

func parseFmt(b []byte) (*wavFormat, error) {
	f := &wavFormat{
		tag:        binary.LittleEndian.Uint16(b[0:2]),
		channels:   int(binary.LittleEndian.Uint16(b[2:4])),
		rate:       int(binary.LittleEndian.Uint32(b[4:8])),
		blockAlign: int(binary.LittleEndian.Uint16(b[12:14])),
		bits:       int(binary.LittleEndian.Uint16(b[14:16])),
	}
	if f.tag == formatExtensible {
		// cbSize(2) validBits(2) channelMask(4) subFormat GUID(16), whose
		// first two bytes are the real format tag.
		if len(b) < 40 {
			return nil, fmt.Errorf("%w: WAVE_FORMAT_EXTENSIBLE fmt chunk of %d bytes", ErrCorrupt, len(b))
		}
		f.tag = binary.LittleEndian.Uint16(b[24:26])
	}
	if f.channels < 1 || f.channels > 16 {
		return nil, fmt.Errorf("%w: %d channels", ErrUnsupported, f.channels)
	}
	if f.rate < 1000 || f.rate > 384000 {
		return nil, fmt.Errorf("%w: sample rate %d Hz", ErrUnsupported, f.rate)
	}
	switch f.tag {
	case formatPCM:
		if f.bits != 8 && f.bits != 16 && f.bits != 24 && f.bits != 32 {
			return nil, fmt.Errorf("%w: %d-bit PCM", ErrUnsupported, f.bits)
		}
	case formatFloat:
		if f.bits != 32 && f.bits != 64 {
			return nil, fmt.Errorf("%w: %d-bit float", ErrUnsupported, f.bits)
		}
	case formatMuLaw, formatALaw:
		if f.bits != 8 {
			return nil, fmt.Errorf("%w: %d-bit G.711", ErrUnsupported, f.bits)
		}
	default:
		return nil, fmt.Errorf("%w: WAV format tag %#04x (want PCM, float, μ-law or A-law)", ErrUnsupported, f.tag)
	}
	// Trust the sample size, not a possibly wrong block align.
	f.blockAlign = f.channels * f.bits / 8
	return f, nil
}

func decodeData(r io.Reader, f *wavFormat) (*Sound, error) {
	data, err := io.ReadAll(io.LimitReader(r, int64(MaxDecodedSamples)*int64(f.blockAlign)+1))
	if err != nil {
		return nil, fmt.Errorf("%w: reading data: %v", ErrCorrupt, err)
	}
	frames := len(data) / f.blockAlign
	if frames > MaxDecodedSamples {
		return nil, fmt.Errorf("%w: more than %d frames", ErrTooLarge, MaxDecodedSamples)
	}
	out := make([]int16, frames)
	if f.tag == formatPCM && f.bits == 16 && f.channels == 1 {
		for i := range out {
			out[i] = int16(binary.LittleEndian.Uint16(data[2*i:]))
		}
		return &Sound{Rate: f.rate, Samples: out}, nil
	}
	bps := f.bits / 8
	for i := range frames {
		frame := data[i*f.blockAlign : (i+1)*f.blockAlign]
		var sum int64
		for c := range f.channels {
			sum += int64(sampleAt(frame[c*bps:(c+1)*bps], f.tag))
		}
		out[i] = int16(sum / int64(f.channels))
	}
	return &Sound{Rate: f.rate, Samples: out}, nil
}

func sampleAt(b []byte, tag uint16) int16 {
	switch tag {
	case formatMuLaw:
		return g711.UlawToLinear(b[0])
	case formatALaw:
		return g711.AlawToLinear(b[0])
	case formatFloat:
		var v float64
		if len(b) == 4 {
			v = float64(math.Float32frombits(binary.LittleEndian.Uint32(b)))
		} else {
			v = math.Float64frombits(binary.LittleEndian.Uint64(b))
		}
		if math.IsNaN(v) {
			return 0
		}
		return int16(max(-32768, min(32767, math.Round(v*32767))))
	}
	switch len(b) {
	case 1:
		return int16(int(b[0])-128) << 8 // 8-bit PCM is unsigned
	case 2:
		return int16(binary.LittleEndian.Uint16(b))
	case 3:
		return int16(uint16(b[1]) | uint16(b[2])<<8)
	default:
		return int16(uint16(b[2]) | uint16(b[3])<<8)
	}
}

// IsWAV reports whether b starts like a RIFF/WAVE file.
func IsWAV(b []byte) bool {
	return len(b) >= 12 && bytes.Equal(b[0:4], []byte("RIFF")) && bytes.Equal(b[8:12], []byte("WAVE"))
}
