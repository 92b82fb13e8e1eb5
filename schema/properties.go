package schema

import (
	"encoding/json"
	"fmt"
	"sort"
)

// propertyTypes maps a widget type string to a constructor of the Go type of
// its properties. Each widget file registers itself in init().
var propertyTypes = map[string]func() any{}

// registerProperties is called from the init function of each widget file.
// A duplicate type is a programming error.
func registerProperties(typ string, ctor func() any) {
	if _, dup := propertyTypes[typ]; dup {
		panic("schema: properties registered twice for " + typ)
	}
	propertyTypes[typ] = ctor
}

// PropertyTypes lists the widget types with a Go properties type, sorted.
func PropertyTypes() []string {
	out := make([]string, 0, len(propertyTypes))
	for t := range propertyTypes {
		out = append(out, t)
	}
	sort.Strings(out)
	return out
}

// NewProperties returns a new zero value (a pointer) of the Go type that
// holds the properties of the given widget type, or nil for an unknown type.
func NewProperties(typ string) any {
	ctor := propertyTypes[typ]
	if ctor == nil {
		return nil
	}
	return ctor()
}

// DecodeProperties decodes raw widget properties into the Go type for typ
// (for example *SayPlay for "say-play"). Properties the type does not model
// are ignored here; they stay in the State and survive a marshal.
func DecodeProperties(typ string, raw map[string]json.RawMessage) (any, error) {
	v := NewProperties(typ)
	if v == nil {
		return nil, fmt.Errorf("%w: %q", ErrUnknownWidgetType, typ)
	}
	if raw == nil {
		return v, nil
	}
	b, err := json.Marshal(raw)
	if err != nil {
		return nil, err
	}
	if err := json.Unmarshal(b, v); err != nil {
		return nil, fmt.Errorf("%s properties: %w", typ, err)
	}
	return v, nil
}
