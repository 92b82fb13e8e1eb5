package schema

import (
	"fmt"
	"strconv"
	"strings"
	"unicode"
)

// Problem is one finding of Flow Validate, shaped as Studio reports it: a
// message and the JSON pointer of the property at fault
// ("#/states/3/properties/timeout").
type Problem struct {
	Message      string `json:"message"`
	PropertyPath string `json:"property_path"`
}

func (p Problem) String() string { return p.PropertyPath + ": " + p.Message }

// Pointer builds a JSON-pointer property path ("#/states/3/name") from
// tokens; strings and ints are accepted.
func Pointer[T string | int](tokens ...T) string {
	var b strings.Builder
	b.WriteString("#")
	for _, t := range tokens {
		b.WriteByte('/')
		s := fmt.Sprint(t)
		s = strings.ReplaceAll(s, "~", "~0")
		s = strings.ReplaceAll(s, "/", "~1")
		b.WriteString(s)
	}
	return b.String()
}

// OneLine escapes the control characters (C0, DEL, C1) and the Unicode line
// and paragraph separators in s the way Go's %q does ("\n", "\x1b",
// "\u2028") and leaves everything else as it is, so a message that quotes a
// template, a regex or a name prints on one line. Validate applies it to
// every message; `flow validate` also to paths and file names.
func OneLine(s string) string {
	if strings.IndexFunc(s, needsEscape) < 0 {
		return s
	}
	var b strings.Builder
	for _, r := range s {
		if needsEscape(r) {
			q := strconv.QuoteRune(r)
			b.WriteString(q[1 : len(q)-1])
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

func needsEscape(r rune) bool {
	return unicode.IsControl(r) || r == '\u2028' || r == '\u2029'
}
