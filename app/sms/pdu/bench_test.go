package pdu

import (
	"strings"
	"testing"
)

var (
	benchSingle = "Your appointment is confirmed for Tuesday 10:30. Reply C to cancel, or call us on 555-0100. {ref: 4711}"
	benchLong   = strings.Repeat("Three part message for the benchmark €. ", 11) // 3 parts of GSM7
)

func benchSubmits(b *testing.B, text string) []*Submit {
	parts, err := Split(text, 1)
	if err != nil {
		b.Fatal(err)
	}
	out := make([]*Submit, len(parts))
	for i, p := range parts {
		out[i] = &Submit{To: Address{Number: "+15551234567"}, StatusReport: true, UserData: p}
	}
	return out
}

func BenchmarkEncode(b *testing.B) {
	for _, bc := range []struct{ name, text string }{{"single", benchSingle}, {"3part", benchLong}} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				for _, s := range benchSubmits(b, bc.text) {
					if _, _, err := s.EncodeHex(); err != nil {
						b.Fatal(err)
					}
				}
			}
		})
	}
}

func BenchmarkDecode(b *testing.B) {
	for _, bc := range []struct{ name, text string }{{"single", benchSingle}, {"3part", benchLong}} {
		b.Run(bc.name, func(b *testing.B) {
			var hexes []string
			for _, s := range benchSubmits(b, bc.text) {
				h, _, err := s.EncodeHex()
				if err != nil {
					b.Fatal(err)
				}
				hexes = append(hexes, h)
			}
			if bc.name == "3part" && len(hexes) != 3 {
				b.Fatalf("%d parts", len(hexes))
			}
			b.ReportAllocs()
			for b.Loop() {
				for _, h := range hexes {
					if _, err := DecodeHex(h); err != nil {
						b.Fatal(err)
					}
				}
			}
		})
	}
}
