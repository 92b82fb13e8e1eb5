package schema

import (
	"encoding/json"
	"reflect"
	"sort"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestEveryWidgetTypeHasSchemaAndGoType: the widget types in flow.json's enum,
// the JSON Schema files and the registered Go property types are one list.
func TestEveryWidgetTypeHasSchemaAndGoType(t *testing.T) {
	b, err := Files.ReadFile("flow.json")
	require.NoError(t, err)
	var env struct {
		Defs struct {
			State struct {
				Properties struct {
					Type struct {
						Enum []string `json:"enum"`
					} `json:"type"`
				} `json:"properties"`
			} `json:"state"`
		} `json:"$defs"`
	}
	require.NoError(t, json.Unmarshal(b, &env))
	enum := append([]string(nil), env.Defs.State.Properties.Type.Enum...)
	sort.Strings(enum)
	require.Equal(t, enum, WidgetTypes(), "flow.json type enum vs schema/widgets/*.json")
	require.Equal(t, enum, PropertyTypes(), "flow.json type enum vs registered Go property types")
}

// TestGoTypesMatchSchemas: each Go property struct names exactly the
// properties its JSON Schema lists, and every schema lists its events.
func TestGoTypesMatchSchemas(t *testing.T) {
	for _, typ := range WidgetTypes() {
		t.Run(typ, func(t *testing.T) {
			ws := Widget(typ)
			require.NotEmpty(t, ws.Title, "schema needs a title")
			require.NotEmpty(t, ws.Events, "schema needs transition events")
			v := NewProperties(typ)
			require.NotNil(t, v)
			rt := reflect.TypeOf(v).Elem()
			names := jsonNames(rt)
			sort.Strings(names)
			require.Equal(t, ws.Properties, names, "JSON names of %s", rt.Name())
		})
	}
}

// jsonNames lists the JSON property names of a struct, embedded structs included.
func jsonNames(rt reflect.Type) []string {
	var names []string
	for i := 0; i < rt.NumField(); i++ {
		f := rt.Field(i)
		tag := strings.Split(f.Tag.Get("json"), ",")[0]
		if f.Anonymous && tag == "" && f.Type.Kind() == reflect.Struct {
			names = append(names, jsonNames(f.Type)...)
			continue
		}
		if tag != "" && tag != "-" {
			names = append(names, tag)
		}
	}
	return names
}
