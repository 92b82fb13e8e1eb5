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

// Caps on what a caller controls in From and To, in characters. They bound
// what reaches trigger.call.*, the logs and the execution's context.
const (
	MaxDisplayName = 128
	MaxUser        = 128
	MaxHost        = 253 // the longest DNS name
	MaxURI         = 512
)

// SanitizeText is SanitizeHeaderValue cut to at most max characters (runes,
// never half of one): for caller-controlled text that reaches flows and
// logs, such as a display name or a user part. The text is kept; only
// control characters (and so terminal escapes such as ESC [31m, whose
// printable rest stays) go.
func SanitizeText(s string, max int) string {
	s = SanitizeHeaderValue(s)
	n := 0
	for i := range s {
		if n == max {
			return s[:i]
		}
		n++
	}
	return s
}
