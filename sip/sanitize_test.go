package sip

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestSanitizeHeaderValue(t *testing.T) {
	cases := []struct{ name, in, want string }{
		{"plain", "Alice Smith", "Alice Smith"},
		{"crlf injection", "Alice\r\nVia: SIP/2.0/UDP evil", "AliceVia: SIP/2.0/UDP evil"},
		{"bare lf", "a\nb", "ab"},
		{"nul and bell", "a\x00b\x07c", "abc"},
		{"del", "a\x7fb", "ab"},
		{"c1 control", "a\u0085b", "ab"},
		{"line separator", "a\u2028b", "ab"},
		{"tabs collapse", " a\t\t b ", "a b"},
		{"unicode kept", "Zoë 電話", "Zoë 電話"},
		{"invalid utf8 dropped", "a\xffb", "ab"},
		{"empty", "", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := SanitizeHeaderValue(c.in); got != c.want {
				t.Fatalf("SanitizeHeaderValue(%q) = %q, want %q", c.in, got, c.want)
			}
		})
	}
}

func TestSanitizeDisplayNameAndToken(t *testing.T) {
	if got := SanitizeDisplayName("\"Bob\\\" <sip:x>\r\n"); got != "Bob <sip:x>" {
		t.Fatalf("SanitizeDisplayName = %q", got)
	}
	if got := SanitizeToken("ab c\r\n;d=1"); got != "abcd1" {
		t.Fatalf("SanitizeToken = %q", got)
	}
}

func FuzzSanitizeHeaderValue(f *testing.F) {
	f.Add("Alice\r\nX: y")
	f.Fuzz(func(t *testing.T, s string) {
		out := SanitizeHeaderValue(s)
		for _, r := range out {
			if r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) {
				t.Fatalf("control %U left in %q", r, out)
			}
		}
	})
}

// FuzzSanitizeText: caller-controlled text comes out without control
// characters, within max characters, valid UTF-8 when it went in valid, and
// unchanged when it was clean and short.
func FuzzSanitizeText(f *testing.F) {
	f.Add("\x1b[31mEvil\x1b[0m", 8)
	f.Add("Zoë 😀 Ünïcode", 3)
	f.Fuzz(func(t *testing.T, s string, max int) {
		if max < 0 || max > 1<<16 {
			return
		}
		out := SanitizeText(s, max)
		if n := utf8.RuneCountInString(out); n > max {
			t.Fatalf("%d characters, max %d: %q", n, max, out)
		}
		for _, r := range out {
			if r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) {
				t.Fatalf("control %U left in %q", r, out)
			}
		}
		if utf8.ValidString(s) && !utf8.ValidString(out) {
			t.Fatalf("valid input %q gave invalid %q", s, out)
		}
	})
}

// FuzzParseDTMFInfo: any INFO body gives a digit from the DTMF alphabet or
// none, never a panic.
func FuzzParseDTMFInfo(f *testing.F) {
	f.Add("application/dtmf-relay", []byte("Signal=5\r\nDuration=160\r\n"))
	f.Add("application/dtmf", []byte("#"))
	f.Add("application/dtmf-relay", []byte("Signal=11"))
	f.Fuzz(func(t *testing.T, ct string, body []byte) {
		d, ok := ParseDTMFInfo(ct, body)
		if ok && !strings.ContainsRune("0123456789*#ABCD", rune(d)) {
			t.Fatalf("digit %q from %q", d, body)
		}
		if !ok && d != 0 {
			t.Fatalf("no digit but %q", d)
		}
	})
}
