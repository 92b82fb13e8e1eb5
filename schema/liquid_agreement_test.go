package schema

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/switchboard/switchboard/schema/liquid"
)

const parseWarning = "Liquid does not parse: "

// parseWarnings returns the paths Validate flags with a parse warning.
func parseWarnings(r Result) map[string]string {
	m := map[string]string{}
	for _, w := range r.Warnings {
		if strings.HasPrefix(w.Message, parseWarning) {
			m[w.PropertyPath] = w.Message
		}
	}
	return m
}

// templatesOf collects every string of a definition that the validator reads
// as a template: each string inside a widget's properties and each condition
// argument and value, keyed by its JSON pointer.
func templatesOf(t *testing.T, data []byte) map[string]string {
	t.Helper()
	var doc struct {
		States []struct {
			Properties  map[string]any `json:"properties"`
			Transitions []struct {
				Conditions []struct {
					Arguments []any `json:"arguments"`
					Value     any   `json:"value"`
				} `json:"conditions"`
			} `json:"transitions"`
		} `json:"states"`
	}
	d := json.NewDecoder(bytes.NewReader(data))
	d.UseNumber()
	require.NoError(t, d.Decode(&doc))
	out := map[string]string{}
	var walk func(path string, v any)
	walk = func(path string, v any) {
		switch v := v.(type) {
		case string:
			if liquid.IsTemplate(v) {
				out[path] = v
			}
		case map[string]any:
			for k, e := range v {
				walk(path+"/"+escapeToken(k), e)
			}
		case []any:
			for i, e := range v {
				walk(path+"/"+strconv.Itoa(i), e)
			}
		}
	}
	for i, s := range doc.States {
		base := "#/states/" + strconv.Itoa(i)
		walk(base+"/properties", s.Properties)
		for j, tr := range s.Transitions {
			for k, c := range tr.Conditions {
				cp := base + "/transitions/" + strconv.Itoa(j) + "/conditions/" + strconv.Itoa(k)
				walk(cp+"/arguments", c.Arguments)
				walk(cp+"/value", c.Value)
			}
		}
	}
	return out
}

// TestCorpusLiquidAgreement: over every template of every corpus flow, Flow
// Validate warns "Liquid does not parse" exactly when the renderer's own
// parser (schema/liquid, which the engine renders with) refuses it.
func TestCorpusLiquidAgreement(t *testing.T) {
	total := 0
	for _, file := range corpusFiles(t) {
		data, err := os.ReadFile(file)
		require.NoError(t, err)
		flagged := parseWarnings(Validate(data))
		tmpls := templatesOf(t, data)
		paths := make([]string, 0, len(tmpls))
		for p := range tmpls {
			paths = append(paths, p)
		}
		sort.Strings(paths)
		for _, p := range paths {
			total++
			perr := liquid.Parse(tmpls[p])
			msg, warned := flagged[p]
			if (perr != nil) != warned {
				t.Errorf("%s %s: renderer parse error %v, validator warning %q, template %q",
					filepath.Base(file), p, perr, msg, tmpls[p])
			}
		}
		for p, msg := range flagged {
			if _, ok := tmpls[p]; !ok {
				t.Errorf("%s %s: parse warning %q on a string that is not a template", filepath.Base(file), p, msg)
			}
		}
	}
	require.Greater(t, total, 100, "the corpus should hold hundreds of templates")
}

// TestValidateLiquidDialect: the validator and the renderer speak one
// dialect, on the cases where osteele's stock parser and ours disagree.
func TestValidateLiquidDialect(t *testing.T) {
	cases := []struct {
		name   string
		say    string
		parses bool   // the renderer parses it
		text   string // when not empty: the warning that markup prints as text
	}{
		{"include", `{% include 'secrets.txt' %}`, false, ""},
		{"tablerow", `{% tablerow x in flow.data %}{{x}}{% endtablerow %}`, false, ""},
		{"unknown filter", `{{ trigger.call.From | shout }}`, false, ""},
		{"unknown filter in an untaken branch", `{% if false %}{{ 1 | nope }}{% endif %}`, false, ""},
		{"lax path", `{{ widgets. first .parsed }}`, true, ""},
		{"echo", `{% echo trigger.call.From %}`, true, ""},
		{"to_json", `{{ trigger | to_json }}`, true, ""},
		{"blank object", `a {{ }} b`, true, ""},
		{"raw braces", `{% raw %}{{ not markup{% endraw %}`, true, ""},
		{"block without end", `{% if trigger.call.From %}hi`, false, ""},
		{"unclosed object prints as text", `Hello {{ trigger.call.From `, true, `"{{ trigger.call.From " is never closed with "}}"; it is printed as text`},
		{"unclosed tag prints as text", `{{ a }} then {% if`, true, `"{% if" is never closed with "%}"; it is printed as text`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			require.Equal(t, c.parses, liquid.Parse(c.say) == nil, "renderer: %v", liquid.Parse(c.say))
			in, err := json.Marshal(c.say)
			require.NoError(t, err)
			r := Validate([]byte(flow(`{"name":"first","type":"say-play","properties":{"say":` + string(in) + `},"transitions":[{"event":"audioComplete"}]}`)))
			require.Empty(t, r.Errors)
			var got []string
			for _, w := range r.Warnings {
				if w.PropertyPath == "#/states/1/properties/say" {
					got = append(got, w.Message)
				}
			}
			flagged := parseWarnings(r)["#/states/1/properties/say"] != ""
			require.Equal(t, !c.parses, flagged, "warnings: %q", got)
			if c.parses {
				if c.text == "" {
					require.Empty(t, got)
				} else {
					require.Equal(t, []string{"Liquid markup " + c.text}, got)
				}
			}
		})
	}
}
