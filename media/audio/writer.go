package audio

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"time"
)

// RecordingRate is the sample rate of recordings written by Writer.
const RecordingRate = 8000

const wavHeaderSize = 44

// ErrClosed is returned by a Writer used after Close.
var ErrClosed = errors.New("audio: writer closed")

// Writer writes an 8 kHz 16-bit PCM WAV recording, mono or stereo (caller
// left, IVR right, as Twilio's dual-channel recordings). The header is
// written first with empty sizes; Flush and Close patch the RIFF and data
// sizes, and the writer flushes to the OS on its own every second of audio
// (SetFlushEvery), so a crashed process loses at most that much and leaves a
// readable file; Repair fixes the sizes of a file whose header was never
// patched. Close also syncs a file it created to disk. A Writer is not safe for concurrent use.
type Writer struct {
	dst      io.WriteSeeker
	file     *os.File // closed by Close when the Writer created it
	bw       *bufio.Writer
	channels int
	data     int64 // data bytes written (buffered included)
	pending  int64 // data bytes since the last flush
	every    int64 // flush after this many data bytes
	buf      [512]byte
	err      error
}

// DefaultFlushEvery is how much audio a Writer buffers between flushes.
const DefaultFlushEvery = time.Second

// NewWriter starts a recording on w (at its current position, which must be
// the start of the file) with 1 or 2 channels.
func NewWriter(w io.WriteSeeker, channels int) (*Writer, error) {
	if channels != 1 && channels != 2 {
		return nil, fmt.Errorf("%w: %d channels (want 1 or 2)", ErrUnsupported, channels)
	}
	wr := &Writer{dst: w, bw: bufio.NewWriterSize(w, 16<<10), channels: channels}
	wr.SetFlushEvery(DefaultFlushEvery)
	if _, err := wr.bw.Write(wavHeader(channels, 0)); err != nil {
		return nil, err
	}
	if err := wr.bw.Flush(); err != nil {
		return nil, err
	}
	return wr, nil
}

// Create creates (or truncates) the file at path and starts a recording.
func Create(path string, channels int) (*Writer, error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		return nil, err
	}
	w, err := NewWriter(f, channels)
	if err != nil {
		f.Close()
		return nil, err
	}
	w.file = f
	return w, nil
}

// SetFlushEvery sets how much audio is buffered between automatic flushes
// (d ≤ 0 disables them).
func (w *Writer) SetFlushEvery(d time.Duration) {
	ms := int64(d / time.Millisecond)
	w.every = ms * RecordingRate / 1000 * 2 * int64(w.channels)
}

// Channels returns 1 or 2.
func (w *Writer) Channels() int { return w.channels }

// Duration is the length of audio written so far.
func (w *Writer) Duration() time.Duration {
	frames := w.data / int64(2*w.channels)
	return time.Duration(frames) * time.Second / RecordingRate
}

// Write appends samples: mono samples, or interleaved left/right pairs for
// a stereo recording.
func (w *Writer) Write(samples []int16) error {
	if w.err != nil {
		return w.err
	}
	for len(samples) > 0 {
		n := min(len(samples), len(w.buf)/2)
		for i, s := range samples[:n] {
			binary.LittleEndian.PutUint16(w.buf[2*i:], uint16(s))
		}
		if err := w.writeData(w.buf[:2*n]); err != nil {
			return err
		}
		samples = samples[n:]
	}
	return w.maybeFlush()
}

// WriteStereo appends left (caller) and right (IVR) channels of a stereo
// recording; the shorter one is padded with silence.
func (w *Writer) WriteStereo(left, right []int16) error {
	if w.err != nil {
		return w.err
	}
	if w.channels != 2 {
		return fmt.Errorf("%w: WriteStereo on a mono recording", ErrUnsupported)
	}
	n := max(len(left), len(right))
	for i := 0; i < n; {
		k := 0
		for ; k+4 <= len(w.buf) && i < n; i++ {
			var l, r int16
			if i < len(left) {
				l = left[i]
			}
			if i < len(right) {
				r = right[i]
			}
			binary.LittleEndian.PutUint16(w.buf[k:], uint16(l))
			binary.LittleEndian.PutUint16(w.buf[k+2:], uint16(r))
			k += 4
		}
		if err := w.writeData(w.buf[:k]); err != nil {
			return err
		}
	}
	return w.maybeFlush()
}

func (w *Writer) writeData(b []byte) error {
	if _, err := w.bw.Write(b); err != nil {
		w.err = err
		return err
	}
	w.data += int64(len(b))
	w.pending += int64(len(b))
	return nil
}

func (w *Writer) maybeFlush() error {
	if w.every > 0 && w.pending >= w.every {
		return w.Flush()
	}
	return nil
}

// Flush writes buffered audio and patches the header sizes, leaving a
// complete, readable file.
func (w *Writer) Flush() error {
	if w.err != nil {
		return w.err
	}
	if err := w.bw.Flush(); err != nil {
		w.err = err
		return err
	}
	// Keep whole frames in the sizes; a stereo frame is 4 bytes.
	data := w.data - w.data%int64(2*w.channels)
	if data > 0xFFFFFFFF-wavHeaderSize {
		data = 0xFFFFFFFF - wavHeaderSize
	}
	if err := patchSizes(w.dst, data); err != nil {
		w.err = err
		return err
	}
	if _, err := w.dst.Seek(0, io.SeekEnd); err != nil {
		w.err = err
		return err
	}
	w.pending = 0
	return nil
}

// Close flushes, patches the sizes and, for a Writer made by Create,
// closes the file.
func (w *Writer) Close() error {
	if errors.Is(w.err, ErrClosed) {
		return ErrClosed
	}
	err := w.Flush()
	if w.file != nil {
		if err == nil {
			err = w.file.Sync()
		}
		if cerr := w.file.Close(); err == nil {
			err = cerr
		}
	}
	w.err = ErrClosed
	return err
}

func patchSizes(ws io.WriteSeeker, data int64) error {
	var b [4]byte
	binary.LittleEndian.PutUint32(b[:], uint32(data+wavHeaderSize-8))
	if _, err := ws.Seek(4, io.SeekStart); err != nil {
		return err
	}
	if _, err := ws.Write(b[:]); err != nil {
		return err
	}
	binary.LittleEndian.PutUint32(b[:], uint32(data))
	if _, err := ws.Seek(40, io.SeekStart); err != nil {
		return err
	}
	_, err := ws.Write(b[:])
	return err
}

func wavHeader(channels int, dataBytes uint32) []byte {
	h := make([]byte, wavHeaderSize)
	copy(h[0:], "RIFF")
	binary.LittleEndian.PutUint32(h[4:], dataBytes+wavHeaderSize-8)
	copy(h[8:], "WAVEfmt ")
	binary.LittleEndian.PutUint32(h[16:], 16)
	binary.LittleEndian.PutUint16(h[20:], formatPCM)
	binary.LittleEndian.PutUint16(h[22:], uint16(channels))
	binary.LittleEndian.PutUint32(h[24:], RecordingRate)
	binary.LittleEndian.PutUint32(h[28:], uint32(RecordingRate*2*channels))
	binary.LittleEndian.PutUint16(h[32:], uint16(2*channels))
	binary.LittleEndian.PutUint16(h[34:], 16)
	copy(h[36:], "data")
	binary.LittleEndian.PutUint32(h[40:], dataBytes)
	return h
}

// EncodeWAV writes samples (interleaved when channels is 2) as a complete
// 16-bit PCM WAV file at rate Hz.
func EncodeWAV(w io.Writer, rate, channels int, samples []int16) error {
	h := wavHeader(channels, uint32(2*len(samples)))
	binary.LittleEndian.PutUint32(h[24:], uint32(rate))
	binary.LittleEndian.PutUint32(h[28:], uint32(rate*2*channels))
	b := make([]byte, 2*len(samples))
	for i, s := range samples {
		binary.LittleEndian.PutUint16(b[2*i:], uint16(s))
	}
	if _, err := w.Write(h); err != nil {
		return err
	}
	_, err := w.Write(b)
	return err
}

// Repair fixes the RIFF and data sizes of a WAV file whose writer never
// patched them (a crash), from the file's length. The data chunk must be the
// last chunk; a trailing partial frame is cut off.
func Repair(path string) error {
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		return err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return err
	}
	size := st.Size()
	var hdr [12]byte
	if _, err := io.ReadFull(f, hdr[:]); err != nil || !IsWAV(hdr[:]) {
		return fmt.Errorf("%w: %s", ErrNotWAV, path)
	}
	pos := int64(12)
	var blockAlign int64
	for {
		var ch [8]byte
		if _, err := f.ReadAt(ch[:], pos); err != nil {
			return fmt.Errorf("%w: %s: no data chunk", ErrCorrupt, path)
		}
		csize := int64(binary.LittleEndian.Uint32(ch[4:]))
		switch string(ch[:4]) {
		case "fmt ":
			var fb [16]byte
			if csize < 16 {
				return fmt.Errorf("%w: %s: short fmt chunk", ErrCorrupt, path)
			}
			if _, err := f.ReadAt(fb[:], pos+8); err != nil {
				return fmt.Errorf("%w: %s: truncated fmt chunk", ErrCorrupt, path)
			}
			blockAlign = int64(binary.LittleEndian.Uint16(fb[12:]))
		case "data":
			if blockAlign == 0 {
				return fmt.Errorf("%w: %s: data before fmt", ErrCorrupt, path)
			}
			start := pos + 8
			data := size - start
			data -= data % blockAlign
			if data > 0xFFFFFFFF-start {
				return fmt.Errorf("%w: %s is larger than WAV allows", ErrTooLarge, path)
			}
			if start+data != size {
				if err := f.Truncate(start + data); err != nil {
					return err
				}
			}
			var b [4]byte
			binary.LittleEndian.PutUint32(b[:], uint32(start+data-8))
			if _, err := f.WriteAt(b[:], 4); err != nil {
				return err
			}
			binary.LittleEndian.PutUint32(b[:], uint32(data))
			if _, err := f.WriteAt(b[:], pos+4); err != nil {
				return err
			}
			return f.Sync()
		}
		pos += 8 + csize + csize&1
		if pos >= size {
			return fmt.Errorf("%w: %s: no data chunk", ErrCorrupt, path)
		}
	}
}
