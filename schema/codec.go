package schema

import (
	"bytes"
	"encoding/json"
	"fmt"
	"sort"
)

// An object codec that keeps what it does not model. Each Studio object type
// (Flow, State, Transition, Condition, Flags) lists its modeled keys in
// Studio's export order; keys it does not know go to Extra verbatim, and a
// modeled key that was present with a zero value ("next": "") is remembered so
// that marshal writes it back.

// field binds a JSON key to a pointer to the Go field holding its value.
type field struct {
	key string
	ptr any
}

// keySet records which modeled keys were present in the parsed source.
type keySet map[string]bool

// decodeObject fills fields from a JSON object; unknown keys land in *extra.
// path is the JSON pointer of the object, for error messages.
func decodeObject(data []byte, path string, fields []field, extra *map[string]json.RawMessage, present *keySet) error {
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(data, &raw); err != nil {
		return &ShapeError{Path: path, Msg: fmt.Sprintf("%s found, object expected", jsonKind(data))}
	}
	if raw == nil {
		return &ShapeError{Path: path, Msg: "null found, object expected"}
	}
	*present = keySet{}
	for _, f := range fields {
		v, ok := raw[f.key]
		if !ok {
			continue
		}
		delete(raw, f.key)
		(*present)[f.key] = true
		if err := decodeValue(v, path+"/"+escapeToken(f.key), f.ptr); err != nil {
			return err
		}
	}
	if len(raw) > 0 {
		*extra = raw
	}
	return nil
}

func decodeValue(v json.RawMessage, path string, ptr any) error {
	if u, ok := ptr.(pathUnmarshaler); ok {
		return u.unmarshalAt(v, path)
	}
	null := bytes.Equal(bytes.TrimSpace(v), []byte("null"))
	if err := json.Unmarshal(v, ptr); err != nil || (null && isScalarPtr(ptr)) {
		want := "a value"
		switch ptr.(type) {
		case *string:
			want = "string"
		case *[]string:
			want = "array of strings"
		case *bool:
			want = "boolean"
		case *map[string]json.RawMessage:
			want = "object"
		}
		return &ShapeError{Path: path, Msg: fmt.Sprintf("%s found, %s expected", jsonKind(v), want)}
	}
	return nil
}

// pathUnmarshaler is implemented by slices of Studio objects so that errors
// deep inside carry the full JSON pointer.
type pathUnmarshaler interface {
	unmarshalAt(data []byte, path string) error
}

// encodeObject writes the modeled fields in order, then Extra sorted by key.
// A field is written when it was present in the source or is non-zero.
func encodeObject(buf *bytes.Buffer, fields []field, extra map[string]json.RawMessage, present keySet) error {
	buf.WriteByte('{')
	n := 0
	sep := func(key string) {
		if n > 0 {
			buf.WriteByte(',')
		}
		n++
		writeString(buf, key)
		buf.WriteByte(':')
	}
	for _, f := range fields {
		if !present[f.key] && isZero(f.ptr) {
			continue
		}
		sep(f.key)
		if err := encodeValue(buf, f.ptr); err != nil {
			return fmt.Errorf("%s: %w", f.key, err)
		}
	}
	keys := make([]string, 0, len(extra))
	for k := range extra {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		sep(k)
		if err := writeCanonical(buf, extra[k]); err != nil {
			return fmt.Errorf("%s: %w", k, err)
		}
	}
	buf.WriteByte('}')
	return nil
}

type canonicalEncoder interface {
	encode(buf *bytes.Buffer) error
}

func encodeValue(buf *bytes.Buffer, ptr any) error {
	switch v := ptr.(type) {
	case canonicalEncoder:
		return v.encode(buf)
	case *string:
		writeString(buf, *v)
		return nil
	case *map[string]json.RawMessage:
		return writeCanonicalMap(buf, *v)
	}
	b, err := marshalNoEscape(ptr)
	if err != nil {
		return err
	}
	buf.Write(b)
	return nil
}

// isScalarPtr: JSON null would decode into these silently as a zero value,
// which marshal could not tell from a real zero; null is rejected instead.
func isScalarPtr(ptr any) bool {
	switch ptr.(type) {
	case *string, *bool:
		return true
	}
	return false
}

func isZero(ptr any) bool {
	switch v := ptr.(type) {
	case *string:
		return *v == ""
	case *bool:
		return !*v
	case *[]string:
		return *v == nil
	case argumentList:
		return v.c.Arguments == nil
	case *map[string]json.RawMessage:
		return *v == nil
	case *stateList:
		return *v == nil
	case *transitionList:
		return *v == nil
	case *conditionList:
		return *v == nil
	case **Flags:
		return *v == nil
	}
	return false
}

// writeCanonical re-encodes a raw JSON value with object keys sorted, numbers
// kept exactly as written and no HTML escaping.
func writeCanonical(buf *bytes.Buffer, raw json.RawMessage) error {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return err
	}
	b, err := marshalNoEscape(v)
	if err != nil {
		return err
	}
	buf.Write(b)
	return nil
}

func writeCanonicalMap(buf *bytes.Buffer, m map[string]json.RawMessage) error {
	if m == nil {
		buf.WriteString("null")
		return nil
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	buf.WriteByte('{')
	for i, k := range keys {
		if i > 0 {
			buf.WriteByte(',')
		}
		writeString(buf, k)
		buf.WriteByte(':')
		if err := writeCanonical(buf, m[k]); err != nil {
			return fmt.Errorf("%s: %w", k, err)
		}
	}
	buf.WriteByte('}')
	return nil
}

func marshalNoEscape(v any) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimRight(b.Bytes(), "\n"), nil
}

func writeString(buf *bytes.Buffer, s string) {
	b, _ := marshalNoEscape(s)
	buf.Write(b)
}

func escapeToken(s string) string {
	p := Pointer(s)
	return p[2:]
}
