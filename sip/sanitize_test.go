package sip

import "testing"

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
