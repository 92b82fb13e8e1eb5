package sip

import (
	"strings"
	"unicode"
)

// SanitizeHeaderValue makes s safe to place in a SIP header we send (caller
// ID, display names, custom headers from the app or a webhook): CR, LF and
// every other control character are dropped, runs of white space collapse to
// one space, and the result is trimmed. Header injection ("\r\nVia: …") is
// therefore impossible.
func SanitizeHeaderValue(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	space := false
	for _, r := range s {
		switch {
		case r == ' ' || r == '\t':
			space = true
			continue
		case r == unicode.ReplacementChar, unicode.IsControl(r), r == '\u2028', r == '\u2029':
			continue
		}
		if space && b.Len() > 0 {
			b.WriteByte(' ')
		}
		space = false
		b.WriteRune(r)
	}
	return b.String()
}

// SanitizeDisplayName is SanitizeHeaderValue that also drops the double quote
// and backslash, so the value can sit inside a quoted display name.
func SanitizeDisplayName(s string) string {
	return strings.NewReplacer(`"`, "", `\`, "").Replace(SanitizeHeaderValue(s))
}

// SanitizeToken keeps only characters allowed in a SIP token (RFC 3261 §25.1)
// and a URI user part's unreserved set, for values such as SDP usernames.
func SanitizeToken(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || strings.IndexByte("-.!%*_+`'~", c) >= 0 {
			b.WriteByte(c)
		}
	}
	return b.String()
}
