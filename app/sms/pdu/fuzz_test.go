package pdu

import (
	"encoding/hex"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

// FuzzDecode: no input makes the decoder panic; what decodes as a SUBMIT re-encodes and
// decodes to the same message; and a SUBMIT built from the fuzzer's fields round-trips.
func FuzzDecode(f *testing.F) {
	for _, s := range []string{
		"07915155000000F0310705912143F50000A702E834",
		"03914477000ED0D637396C7EBBCB00004250607080900008E834888E2ECBCB",
		"0006070B915155214365F7422150714500804221507145108000",
		"00440B915155214365F70008425060708090800403000302",
		"0041000B915155214365F7000009050003010201C2",
	} {
		b, _ := hex.DecodeString(s)
		f.Add(b, "hello", "+15551234567", byte(0), true)
	}
	f.Add([]byte{}, "Grüße 😀 €[]", "0612", byte(255), false)
	f.Fuzz(func(t *testing.T, raw []byte, text, to string, mr byte, report bool) {
		if m, err := Decode(raw); err == nil {
			if s, ok := m.(*Submit); ok && s.To.Number != "" && !isAlphanumeric(s.To.Type) {
				if b, _, err := s.Encode(); err == nil {
					m2, err := Decode(b)
					if err != nil {
						t.Fatalf("re-decoding %X: %v", b, err)
					}
					if d := submitDiff(s, m2.(*Submit)); d != "" && s.Validity == validityDuration(validityOctet(s.Validity)) {
						t.Fatalf("re-decoded submit differs: %s", d)
					}
				}
			}
		}
		_, _ = DecodeHex(string(raw))
		_ = decodeGSM7(raw)

		a, err := ParseAddress(to)
		if err != nil || !utf8.ValidString(text) {
			return
		}
		parts, err := Split(text, mr)
		if err != nil {
			return
		}
		var joined strings.Builder
		for _, p := range parts {
			s := &Submit{To: a, MessageRef: mr, StatusReport: report, Validity: time.Duration(mr) * time.Hour, UserData: p}
			b, n, err := s.Encode()
			if err != nil {
				t.Fatalf("encoding a part of Split(%q): %v", text, err)
			}
			if n != len(b)-1 {
				t.Fatalf("TPDU length %d of %d", n, len(b))
			}
			m, err := Decode(b)
			if err != nil {
				t.Fatalf("decoding our own %X: %v", b, err)
			}
			if d := submitDiff(s, m.(*Submit)); d != "" {
				t.Fatalf("round trip of %q: %s", p.Text, d)
			}
			joined.WriteString(m.(*Submit).Text)
		}
		if joined.String() != text {
			t.Fatalf("parts join to %q, want %q", joined.String(), text)
		}
	})
}

// FuzzReassemble: any sequence of (possibly bogus) parts never panics, bounds hold, and no
// completed message has text that was not sent.
func FuzzReassemble(f *testing.F) {
	f.Add([]byte{1, 3, 1, 1, 3, 3, 1, 3, 2, 2, 2, 1}, uint8(4))
	f.Add([]byte{0, 0, 0, 9, 9, 9, 1, 1, 1}, uint8(1))
	f.Fuzz(func(t *testing.T, ops []byte, maxPending uint8) {
		r := Reassembler{Timeout: time.Minute, MaxPending: int(maxPending%8) + 1, MaxPartsHeld: 6}
		now := time.Unix(0, 0)
		for i := 0; i+2 < len(ops); i += 3 {
			ref, total, seq := ops[i]%4, ops[i+1]%5, ops[i+2]%6
			from := "+1" + string(rune('0'+ref%2))
			d := &Deliver{From: Address{Number: from}, UserData: UserData{
				Text:   string(rune('a'+seq)) + string(rune('0'+total)),
				Header: []IE{ConcatIE(ref, int(total), int(seq))},
			}}
			if ops[i]&0x80 != 0 {
				d.Header = []IE{{ID: IEConcat16, Data: []byte{0, ref, total, seq}}}
			}
			now = now.Add(time.Duration(ops[i+2]) * time.Second)
			for _, m := range append(r.Add(now, d), r.Expire(now)...) {
				if m.Complete && len(m.Missing) != 0 {
					t.Fatalf("complete message with missing parts: %+v", m)
				}
				if !m.Complete && len(m.Missing) == 0 {
					t.Fatalf("incomplete message without missing parts: %+v", m)
				}
			}
			if r.Pending() > r.MaxPending || r.held > r.MaxPartsHeld {
				t.Fatalf("bounds: pending %d held %d", r.Pending(), r.held)
			}
		}
	})
}
