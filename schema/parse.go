package schema

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"unicode/utf8"
)

// MaxDefinitionSize is the largest definition Studio takes: 1 MB.
const MaxDefinitionSize = 1 << 20

// Sentinel errors, wrapped by *ParseError; test with errors.Is.
var (
	ErrEmpty    = errors.New("empty input")
	ErrSyntax   = errors.New("JSON syntax error")
	ErrTemplate = errors.New("not JSON: looks like a template")
	ErrLegacy   = errors.New("legacy Studio export format")
	ErrShape    = errors.New("not a flow definition")
)

// ParseError says why bytes are not a Studio flow definition, with the line
// and column (1-based) where that is known.
type ParseError struct {
	Kind   error // one of the Err* sentinels
	Line   int   // 0 when not known
	Column int
	Path   string // JSON pointer, for shape errors
	Detail string
}

func (e *ParseError) Error() string {
	var b bytes.Buffer
	if e.Line > 0 {
		fmt.Fprintf(&b, "line %d, column %d: ", e.Line, e.Column)
	}
	b.WriteString(e.Kind.Error())
	if e.Detail != "" {
		b.WriteString(": ")
		b.WriteString(e.Detail)
	}
	return b.String()
}

func (e *ParseError) Unwrap() error { return e.Kind }

// ShapeError is valid JSON whose structure does not fit a flow definition
// (states is not an array, a name is not a string, ...).
type ShapeError struct {
	Path string
	Msg  string
}

func (e *ShapeError) Error() string { return e.Path + ": " + e.Msg }

// Parse reads a Studio flow definition. It recognises the common ways a
// definition arrives broken (a Terraform or JavaScript wrapper, a JSON comment,
// the pre-2019 export format) and names them; for JSON syntax errors it gives
// line and column. Everything valid JSON that it does not model is kept.
func Parse(data []byte) (*Flow, error) {
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf")) // a UTF-8 BOM from Windows editors
	if len(bytes.TrimSpace(data)) == 0 {
		return nil, &ParseError{Kind: ErrEmpty}
	}
	if !utf8.Valid(data) {
		off := invalidUTF8Offset(data)
		line, col := position(data, off)
		return nil, &ParseError{Kind: ErrSyntax, Line: line, Column: col, Detail: "invalid UTF-8"}
	}
	probe, err := decodeUseNumber(data)
	if err != nil {
		return nil, syntaxError(data, err)
	}
	obj, ok := probe.(map[string]any)
	if !ok {
		return nil, &ParseError{Kind: ErrShape, Path: "#", Detail: fmt.Sprintf("the top level is %s, an object is expected", jsonKind(data))}
	}
	if why := legacyFormat(obj); why != "" {
		return nil, &ParseError{Kind: ErrLegacy, Path: "#", Detail: why}
	}
	f := new(Flow)
	if err := decodeObject(data, "#", f.fields(), &f.Extra, &f.present); err != nil {
		var se *ShapeError
		if errors.As(err, &se) {
			return nil, &ParseError{Kind: ErrShape, Path: se.Path, Detail: se.Error()}
		}
		return nil, err
	}
	return f, nil
}

// decodeUseNumber decodes one JSON value, numbers as json.Number (so 1e400
// is not an error), and rejects trailing data.
func decodeUseNumber(data []byte) (any, error) {
	if err := json.Unmarshal(data, new(json.RawMessage)); err != nil {
		return nil, err // the syntax check, with offsets
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	return v, nil
}

// syntaxError turns a JSON decoding error into a ParseError that names the fault.
func syntaxError(data []byte, err error) error {
	var se *json.SyntaxError
	if !errors.As(err, &se) {
		return &ParseError{Kind: ErrSyntax, Detail: err.Error()}
	}
	off := int(se.Offset) - 1 // Offset counts the bytes read, the bad one included
	if se.Error() == "unexpected end of JSON input" {
		off = len(data)
	}
	if off < 0 {
		off = 0
	}
	if off > len(data) {
		off = len(data)
	}
	line, col := position(data, off)
	pe := &ParseError{Kind: ErrSyntax, Line: line, Column: col, Detail: se.Error()}
	if what := templateKind(data, off); what != "" {
		pe.Kind, pe.Detail = ErrTemplate, what
	} else if bytes.HasPrefix(data[off:], []byte("/*")) || bytes.HasPrefix(data[off:], []byte("//")) {
		pe.Detail = "a comment; JSON has no comments"
	} else if off >= len(data) {
		pe.Detail = "unexpected end of input (truncated file?)"
	}
	return pe
}

var (
	reTerraform = regexp.MustCompile(`^\s*\$\{\s*(jsonencode|templatefile)\s*\(`)
	reTFRef     = regexp.MustCompile(`^(var|local|data|module|each|count|path|resource)\.[A-Za-z_]`)
	reJSKey     = regexp.MustCompile(`^[A-Za-z_$][A-Za-z0-9_$]*\s*:`)
	reJSPrefix  = regexp.MustCompile(`^\s*(module\.exports\s*=|exports\.[A-Za-z_$]+\s*=|export\s+default|(const|let|var)\s+[A-Za-z_$][A-Za-z0-9_$]*\s*=)`)
)

// templateKind reports whether the bytes look like a template or program
// that wraps a flow rather than the flow JSON itself.
func templateKind(data []byte, off int) string {
	switch {
	case reTerraform.Match(data):
		return "a Terraform expression (${jsonencode(...)}); render it with terraform first"
	case reJSPrefix.Match(data):
		return "JavaScript source; export the flow as JSON instead"
	}
	at := data[off:]
	switch {
	case reTFRef.Match(at):
		return fmt.Sprintf("a Terraform reference (%s) where a JSON value belongs; render the template first", firstWord(at))
	case reJSKey.Match(at):
		return fmt.Sprintf("a JavaScript object literal (unquoted key %s); JSON keys need double quotes", firstWord(at))
	case len(at) > 0 && at[0] == '\'':
		return "a JavaScript object literal (single-quoted string); JSON strings need double quotes"
	case bytes.HasPrefix(at, []byte("${")):
		return "a template placeholder (${...}) where a JSON value belongs"
	}
	return ""
}

func firstWord(b []byte) string {
	end := 0
	for end < len(b) && end < 60 {
		c := b[end]
		if c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == ':' || c == ',' || c == '}' || c == ']' {
			break
		}
		end++
	}
	return string(b[:end])
}

// legacyFormat recognises the pre-2019 Studio export: no initial_state,
// states with "sid" (FF...) and CamelCase types such as "InitialState".
func legacyFormat(obj map[string]any) string {
	if _, ok := obj["initial_state"]; ok {
		return ""
	}
	states, _ := obj["states"].([]any)
	legacyTypes := map[string]bool{
		"InitialState": true, "SayPlay": true, "Gather": true, "Branch": true, "Message": true,
		"EnqueueCall": true, "Dial": true, "Record": true, "HttpRequest": true, "Function": true,
		"SetVariables": true, "MessagePrompt": true, "Redirect": true, "Subflow": true,
	}
	for _, s := range states {
		st, _ := s.(map[string]any)
		typ, _ := st["type"].(string)
		sid, _ := st["sid"].(string)
		if legacyTypes[typ] || (len(sid) == 34 && sid[:2] == "FF") {
			return fmt.Sprintf("this is the pre-2019 Studio export (no initial_state; states with FF sids and types like %q). "+
				"Studio's v2 API does not accept it: open the flow in Studio and export it again, or rebuild it", typ)
		}
	}
	return ""
}

// position converts a byte offset into a 1-based line and column (in runes).
func position(data []byte, off int) (line, col int) {
	if off > len(data) {
		off = len(data)
	}
	before := data[:off]
	line = bytes.Count(before, []byte("\n")) + 1
	start := bytes.LastIndexByte(before, '\n') + 1
	col = utf8.RuneCount(before[start:]) + 1
	return line, col
}

func invalidUTF8Offset(data []byte) int {
	for i := 0; i < len(data); {
		r, n := utf8.DecodeRune(data[i:])
		if r == utf8.RuneError && n == 1 {
			return i
		}
		i += n
	}
	return len(data)
}
