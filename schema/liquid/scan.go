package liquid

import (
	"fmt"
	"regexp"
	"strings"
	"unicode/utf8"

	"github.com/osteele/liquid/parser"
)

// markup is one {{ }} or {% %} of a template, with its position in the
// template as the author wrote it.
type markup struct {
	source string // after normalisation
	line   int    // 1-based
	col    int    // 1-based, in characters
}

// prepare checks a template before osteele parses it and returns the text to
// parse, with the positions of its markup for error messages.
//
//   - It rejects a filter that does not exist (osteele would only fail when
//     the filter runs, so a typo in an untaken branch would go unnoticed).
//   - It closes up white space around the dots of a variable path:
//     "widgets. name .parsed" reads as "widgets.name.parsed", as Shopify's
//     lax parser (and so Studio) accepts it; osteele would reject it.
func prepare(src string) (string, []markup, *RenderError) {
	src = fillBlankObjects(src)
	toks := parser.Scan(src, parser.SourceLoc{LineNo: 1}, nil)
	var (
		marks     []markup
		out       strings.Builder
		changed   bool
		offset    int
		inComment bool
		inRaw     bool
	)
	out.Grow(len(src))
	for _, t := range toks {
		if t.Type == parser.TrimLeftTokenType || t.Type == parser.TrimRightTokenType {
			continue
		}
		start := offset
		offset += len(t.Source)
		if t.Type == parser.TextTokenType {
			out.WriteString(t.Source)
			continue
		}
		text := t.Source
		switch {
		case inComment:
			inComment = !(t.Type == parser.TagTokenType && t.Name == "endcomment")
		case inRaw:
			inRaw = !(t.Type == parser.TagTokenType && t.Name == "endraw")
		case t.Type == parser.TagTokenType && t.Name == "comment":
			inComment = true
		case t.Type == parser.TagTokenType && t.Name == "raw":
			inRaw = true
		case t.Type == parser.ObjTokenType && strings.TrimSpace(t.Args) == "":
			// "{{ }}" prints nothing (Shopify); osteele calls it a syntax error.
			text, changed = blankObject(text), true
		default:
			if n := closeDots(text); n != text {
				text, changed = n, true
			}
			if name, at, ok := unknownFilter(text); ok {
				e := newError(KindParse, "line %d, column %d: unknown filter %q in %s",
					t.SourceLoc.LineNo, column(src, start+at), name, text)
				e.Line, e.Column = t.SourceLoc.LineNo, column(src, start+at)
				return "", nil, e
			}
		}
		out.WriteString(text)
		marks = append(marks, markup{source: text, line: t.SourceLoc.LineNo, col: column(src, start)})
	}
	if !changed {
		return src, marks, nil
	}
	return out.String(), marks, nil
}

// fillBlankObjects turns "{{ }}" into "{{ nil }}": osteele's scanner would
// swallow "{{ }}" together with the text up to the next "}}"; Shopify prints
// nothing for it.
func fillBlankObjects(src string) string {
	if strings.Contains(src, "{{") && !strings.Contains(src, "raw") && blankObjects.MatchString(src) {
		return blankObjects.ReplaceAllString(src, "{{$1 nil $2}}")
	}
	return src
}

// Literal finds the first "{{" or "{%" that the renderer prints as text
// instead of reading it as markup: the scanner only takes "{{ … }}" whose
// expression stays on one line and "{% name … %}", so an opening delimiter
// that is never closed, or not closed as the scanner wants, is text. Shopify
// would refuse such a template; this renderer keeps the text, so the
// template parses and renders, and validators report it apart from parse
// errors. Delimiters inside {% raw %} and {% comment %} are not reported.
//
// It returns the text from the delimiter on (at most 30 characters and an
// ellipsis), why it is not markup (`never closed with "}}"` or `not read as
// markup`), and whether one was found.
func Literal(tmpl string) (snippet, why string, found bool) {
	if !IsTemplate(tmpl) {
		return "", "", false
	}
	var inComment, inRaw bool
	for _, t := range parser.Scan(fillBlankObjects(tmpl), parser.SourceLoc{LineNo: 1}, nil) {
		switch {
		case t.Type == parser.TextTokenType:
			if inComment || inRaw {
				continue
			}
			i, j := strings.Index(t.Source, "{{"), strings.Index(t.Source, "{%")
			closer := "}}"
			if i < 0 || (j >= 0 && j < i) {
				i, closer = j, "%}"
			}
			if i < 0 {
				continue
			}
			s := t.Source[i:]
			why = fmt.Sprintf("never closed with %q", closer)
			if strings.Contains(s[2:], closer) {
				why = "not read as markup"
			}
			if r := []rune(s); len(r) > 30 {
				s = string(r[:30]) + "…"
			}
			return s, why, true
		case t.Type != parser.TagTokenType:
		case inComment:
			inComment = t.Name != "endcomment"
		case inRaw:
			inRaw = t.Name != "endraw"
		default:
			inComment, inRaw = t.Name == "comment", t.Name == "raw"
		}
	}
	return "", "", false
}

var blankObjects = regexp.MustCompile(`\{\{(-?)[ \t]*(-?)\}\}`)

// blankObject turns "{{ }}" (with its trim marks) into "{{ nil }}".
func blankObject(src string) string {
	left, right := "{{", "}}"
	if strings.HasPrefix(src, "{{-") {
		left = "{{-"
	}
	if strings.HasSuffix(src, "-}}") && len(src) > 5 {
		right = "-}}"
	}
	return left + " nil " + right
}

// column is the 1-based character column of byte offset off in src.
func column(src string, off int) int {
	off = min(off, len(src))
	lineStart := strings.LastIndexByte(src[:off], '\n') + 1
	return utf8.RuneCountInString(src[lineStart:off]) + 1
}

func isIdentStart(c byte) bool {
	return c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
}

func isIdentChar(c byte) bool {
	return isIdentStart(c) || (c >= '0' && c <= '9') || c == '-' || c == '?'
}

// forEachUnquoted calls f for each byte of s outside '…' and "…" literals.
func forEachUnquoted(s string, f func(i int) bool) {
	var quote byte
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case quote != 0:
			if c == quote {
				quote = 0
			}
		case c == '\'' || c == '"':
			quote = c
		default:
			if !f(i) {
				return
			}
		}
	}
}

// unknownFilter finds the first "| name" whose name is not a filter.
func unknownFilter(s string) (name string, at int, found bool) {
	if !strings.Contains(s, "|") {
		return "", 0, false
	}
	forEachUnquoted(s, func(i int) bool {
		if s[i] != '|' {
			return true
		}
		j := i + 1
		for j < len(s) && (s[j] == ' ' || s[j] == '\t' || s[j] == '\n' || s[j] == '\r') {
			j++
		}
		k := j
		if k < len(s) && isIdentStart(s[k]) {
			for k < len(s) && isIdentChar(s[k]) {
				k++
			}
		}
		if k == j {
			return true // not a name: the parser reports the syntax error
		}
		if _, ok := filterTable[s[j:k]]; !ok {
			name, at, found = s[j:k], j, true
			return false
		}
		return true
	})
	return name, at, found
}

// closeDots removes blanks around a dot that joins two parts of a variable
// path ("a. b", "a .b", "a[0] . b"), outside string literals.
func closeDots(s string) string {
	if !strings.Contains(s, ". ") && !strings.Contains(s, " .") && !strings.Contains(s, "\t") {
		return s
	}
	var drop []bool
	forEachUnquoted(s, func(i int) bool {
		if s[i] != '.' {
			return true
		}
		l := i - 1
		for l >= 0 && (s[l] == ' ' || s[l] == '\t') {
			l--
		}
		r := i + 1
		for r < len(s) && (s[r] == ' ' || s[r] == '\t') {
			r++
		}
		if l == i-1 && r == i+1 {
			return true
		}
		if l < 0 || r >= len(s) || !(isIdentChar(s[l]) || s[l] == ']') || !isIdentStart(s[r]) {
			return true
		}
		if drop == nil {
			drop = make([]bool, len(s))
		}
		for k := l + 1; k < i; k++ {
			drop[k] = true
		}
		for k := i + 1; k < r; k++ {
			drop[k] = true
		}
		return true
	})
	if drop == nil {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if !drop[i] {
			b.WriteByte(s[i])
		}
	}
	return b.String()
}
