package schema

import (
	"bytes"
	"embed"
	"encoding/json"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strings"
	"sync"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/santhosh-tekuri/jsonschema/v6/kind"
	"golang.org/x/text/language"
	"golang.org/x/text/message"
)

// Files holds the JSON Schemas (draft 2020-12): flow.json for the definition
// envelope and widgets/<type>.json for each widget type. The editor builds its
// inspector forms from the same files.
//
//go:embed flow.json flowtest.json widgets/*.json
var Files embed.FS

// BaseURL is the $id prefix of every embedded schema.
const BaseURL = "https://schemas.switchboard.dev/studio/"

var compiled struct {
	once     sync.Once
	flow     *jsonschema.Schema
	state    *jsonschema.Schema
	flowTest *jsonschema.Schema
	widgets  map[string]*WidgetSchema
	err      error
}

// WidgetSchema is what the Go side reads from a widget's JSON Schema: the
// property names it models, the required ones and the transition events.
type WidgetSchema struct {
	Type       string
	Title      string
	Properties []string // sorted
	Required   []string
	Events     []string // in schema order
	Retired    bool     // x-retired: the service behind the widget is gone
	Offline    bool     // x-offline: false when the widget needs a cloud service
}

// HasEvent reports whether ev is a transition event of this widget type.
func (w *WidgetSchema) HasEvent(ev string) bool {
	for _, e := range w.Events {
		if e == ev {
			return true
		}
	}
	return false
}

// HasProperty reports whether the schema models the property.
func (w *WidgetSchema) HasProperty(name string) bool {
	i := sort.SearchStrings(w.Properties, name)
	return i < len(w.Properties) && w.Properties[i] == name
}

func compile() {
	c := jsonschema.NewCompiler()
	c.DefaultDraft(jsonschema.Draft2020)
	compiled.widgets = map[string]*WidgetSchema{}
	err := fs.WalkDir(Files, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := Files.ReadFile(p)
		if err != nil {
			return err
		}
		doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(b))
		if err != nil {
			return fmt.Errorf("schema %s: %w", p, err)
		}
		if err := c.AddResource(BaseURL+p, doc); err != nil {
			return fmt.Errorf("schema %s: %w", p, err)
		}
		if strings.HasPrefix(p, "widgets/") {
			ws, err := readWidgetSchema(strings.TrimSuffix(path.Base(p), ".json"), b)
			if err != nil {
				return fmt.Errorf("schema %s: %w", p, err)
			}
			compiled.widgets[ws.Type] = ws
		}
		return nil
	})
	if err != nil {
		compiled.err = err
		return
	}
	if compiled.flow, err = c.Compile(BaseURL + "flow.json"); err != nil {
		compiled.err = fmt.Errorf("compile flow schema: %w", err)
		return
	}
	if compiled.state, err = c.Compile(BaseURL + "flow.json#/$defs/state"); err != nil {
		compiled.err = fmt.Errorf("compile state schema: %w", err)
		return
	}
	if compiled.flowTest, err = c.Compile(BaseURL + "flowtest.json"); err != nil {
		compiled.err = fmt.Errorf("compile flow test schema: %w", err)
	}
}

func readWidgetSchema(typ string, b []byte) (*WidgetSchema, error) {
	var raw struct {
		Title      string `json:"title"`
		Retired    bool   `json:"x-retired"`
		Offline    *bool  `json:"x-offline"`
		Properties struct {
			Properties struct {
				Properties map[string]json.RawMessage `json:"properties"`
				Required   []string                   `json:"required"`
			} `json:"properties"`
			Transitions struct {
				Items struct {
					Properties struct {
						Event struct {
							Enum []string `json:"enum"`
						} `json:"event"`
					} `json:"properties"`
				} `json:"items"`
			} `json:"transitions"`
		} `json:"properties"`
	}
	if err := json.Unmarshal(b, &raw); err != nil {
		return nil, err
	}
	ws := &WidgetSchema{
		Type:     typ,
		Title:    raw.Title,
		Required: raw.Properties.Properties.Required,
		Events:   raw.Properties.Transitions.Items.Properties.Event.Enum,
		Retired:  raw.Retired,
		Offline:  raw.Offline == nil || *raw.Offline,
	}
	for name := range raw.Properties.Properties.Properties {
		ws.Properties = append(ws.Properties, name)
	}
	sort.Strings(ws.Properties)
	return ws, nil
}

func schemas() error {
	compiled.once.Do(compile)
	return compiled.err
}

// Widget returns the schema facts for a widget type, or nil for a type
// Studio does not know.
func Widget(typ string) *WidgetSchema {
	if schemas() != nil {
		return nil
	}
	return compiled.widgets[typ]
}

// WidgetTypes lists every widget type that has a JSON Schema, sorted.
func WidgetTypes() []string {
	if schemas() != nil {
		return nil
	}
	out := make([]string, 0, len(compiled.widgets))
	for t := range compiled.widgets {
		out = append(out, t)
	}
	sort.Strings(out)
	return out
}

// checkSchema validates a decoded JSON document (from jsonschema.UnmarshalJSON,
// numbers as json.Number) against the flow schema and returns Studio-style
// problems. state selects the single-state schema instead.
func checkSchema(doc any, state bool) ([]Problem, error) {
	if err := schemas(); err != nil {
		return nil, err
	}
	sch := compiled.flow
	if state {
		sch = compiled.state
	}
	err := sch.Validate(doc)
	if err == nil {
		return nil, nil
	}
	ve, ok := err.(*jsonschema.ValidationError)
	if !ok {
		return nil, err
	}
	var out []Problem
	collectLeaves(ve, doc, &out)
	return dedupe(out), nil
}

var printer = message.NewPrinter(language.English)

// collectLeaves walks the error tree and turns each leaf into a Problem.
func collectLeaves(e *jsonschema.ValidationError, doc any, out *[]Problem) {
	if len(e.Causes) > 0 {
		for _, c := range e.Causes {
			collectLeaves(c, doc, out)
		}
		return
	}
	loc := e.InstanceLocation
	msg := studioMessage(e.ErrorKind, lookup(doc, loc))
	if r, ok := e.ErrorKind.(*kind.Required); ok && len(r.Missing) == 1 {
		// Studio points at the missing property itself.
		loc = append(append([]string(nil), loc...), r.Missing[0])
	}
	*out = append(*out, Problem{Message: msg, PropertyPath: Pointer(loc...)})
}

// studioMessage words a schema failure the way Studio's validator does
// ("integer found, string expected", "is missing but it is required", ...).
func studioMessage(k jsonschema.ErrorKind, v any) string {
	switch k := k.(type) {
	case *kind.Type:
		got := k.Got
		if n, ok := v.(json.Number); ok && !strings.ContainsAny(string(n), ".eE") {
			got = "integer"
		}
		return fmt.Sprintf("%s found, %s expected", got, strings.Join(k.Want, " or "))
	case *kind.Required:
		if len(k.Missing) == 1 {
			return "is missing but it is required"
		}
		return fmt.Sprintf("properties %s are missing but they are required", strings.Join(k.Missing, ", "))
	case *kind.Enum:
		var want []string
		for _, w := range k.Want {
			want = append(want, fmt.Sprint(w))
		}
		return fmt.Sprintf("%s does not have a value in the enumeration [%s]", describe(v), strings.Join(want, ", "))
	case *kind.Const:
		return fmt.Sprintf("must be a constant value %v", k.Want)
	case *kind.Pattern:
		return fmt.Sprintf("%s does not match the pattern %s", describe(v), k.Want)
	case *kind.MinItems:
		return fmt.Sprintf("there must be a minimum of %d items in the array", k.Want)
	case *kind.MaxItems:
		return fmt.Sprintf("there must be a maximum of %d items in the array", k.Want)
	case *kind.MinLength:
		if k.Want == 1 {
			return "must not be empty"
		}
		return fmt.Sprintf("must be at least %d characters long", k.Want)
	case *kind.MaxLength:
		return fmt.Sprintf("may be only %d characters long", k.Want)
	case *kind.Minimum:
		return fmt.Sprintf("must have a minimum value of %s", k.Want.RatString())
	case *kind.Maximum:
		return fmt.Sprintf("must have a maximum value of %s", k.Want.RatString())
	case *kind.FalseSchema:
		return "is not allowed here"
	case *kind.AdditionalProperties:
		return fmt.Sprintf("property %s is not defined in the schema", strings.Join(k.Properties, ", "))
	}
	return k.LocalizedString(printer)
}

func describe(v any) string {
	switch v := v.(type) {
	case string:
		return fmt.Sprintf("%q", v)
	case nil:
		return "null"
	default:
		b, _ := json.Marshal(v)
		return string(b)
	}
}

// lookup follows JSON-pointer tokens through a decoded document.
func lookup(doc any, loc []string) any {
	cur := doc
	for _, tok := range loc {
		switch c := cur.(type) {
		case map[string]any:
			cur = c[tok]
		case []any:
			var i int
			if _, err := fmt.Sscanf(tok, "%d", &i); err != nil || i < 0 || i >= len(c) {
				return nil
			}
			cur = c[i]
		default:
			return nil
		}
	}
	return cur
}

func dedupe(ps []Problem) []Problem {
	seen := map[Problem]bool{}
	out := ps[:0]
	for _, p := range ps {
		if !seen[p] {
			seen[p] = true
			out = append(out, p)
		}
	}
	return out
}

// CheckFlowTests validates a flow-test file against flowtest.json and
// returns its problems (none when it is valid).
func CheckFlowTests(data []byte) []Problem {
	if err := schemas(); err != nil {
		return []Problem{{Message: err.Error(), PropertyPath: "#"}}
	}
	doc, err := decodeUseNumber(data)
	if err != nil {
		return []Problem{{Message: syntaxError(data, err).Error(), PropertyPath: "#"}}
	}
	verr := compiled.flowTest.Validate(doc)
	if verr == nil {
		return nil
	}
	ve, ok := verr.(*jsonschema.ValidationError)
	if !ok {
		return []Problem{{Message: verr.Error(), PropertyPath: "#"}}
	}
	var out []Problem
	collectLeaves(ve, doc, &out)
	return dedupe(out)
}
