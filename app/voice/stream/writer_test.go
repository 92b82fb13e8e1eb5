package stream

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"strconv"
	"testing"
	"time"
)

// FuzzAppendMedia: the hand-built media message is always valid JSON that
// decodes to what went in, whatever the SID and payload bytes (the SID is
// ours, but the message must never depend on that).
func FuzzAppendMedia(f *testing.F) {
	f.Add(1, 1, int64(20), "MZ0123", []byte{0xff, 0x7f, 0})
	f.Add(7, 3, int64(0), "\"\\\u2028", []byte{})
	f.Fuzz(func(t *testing.T, seq, chunk int, ms int64, sid string, payload []byte) {
		sidJSON, err := json.Marshal(sid)
		if err != nil {
			t.Fatal(err)
		}
		var wantSID string
		_ = json.Unmarshal(sidJSON, &wantSID) // invalid UTF-8 comes back replaced
		b := appendMedia(nil, seq, chunk, "inbound", ms, sidJSON, payload)
		var m struct {
			Event, SequenceNumber, StreamSID string
			Media                            struct{ Track, Chunk, Timestamp, Payload string }
		}
		if err := json.Unmarshal(b, &m); err != nil {
			t.Fatalf("%s: %v", b, err)
		}
		got, err := base64.StdEncoding.DecodeString(m.Media.Payload)
		if err != nil || !bytes.Equal(got, payload) {
			t.Fatalf("payload %x, want %x (%v)", got, payload, err)
		}
		if m.Event != "media" || m.SequenceNumber != strconv.Itoa(seq) || m.Media.Chunk != strconv.Itoa(chunk) ||
			m.Media.Timestamp != strconv.FormatInt(ms, 10) || m.Media.Track != "inbound" {
			t.Fatalf("fields: %s", b)
		}
		if m.StreamSID != wantSID {
			t.Fatalf("streamSid %q, want %q", m.StreamSID, wantSID)
		}
	})
}

// BenchmarkPush is the media path's cost per frame: copy into a pooled
// frame and a non-blocking queue send (a goroutine takes them as the
// writer would).
func BenchmarkPush(b *testing.B) {
	s := &Stream{in: true, queue: make(chan *frame, DefaultQueue), start: time.Now()}
	done := make(chan struct{})
	go func() {
		defer close(done)
		for f := range s.queue {
			frames.Put(f)
		}
	}()
	payload := bytes.Repeat([]byte{0xff}, 160)
	b.ReportAllocs()
	for b.Loop() {
		s.Inbound(payload)
	}
	close(s.queue)
	<-done
	b.ReportMetric(float64(s.dropped.Load())/float64(b.N), "dropped/op")
}

// BenchmarkAppendMedia is the writer's cost to build one media message.
func BenchmarkAppendMedia(b *testing.B) {
	payload := bytes.Repeat([]byte{0xff}, 160)
	buf := make([]byte, 0, 1024)
	sidJSON := []byte(`"MZ0123456789abcdef0123456789abcdef"`)
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		buf = appendMedia(buf[:0], i, i, "inbound", int64(i*20), sidJSON, payload)
	}
}
