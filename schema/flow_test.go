package schema

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func decodeAny(t testing.TB, b []byte) any {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var v any
	require.NoError(t, dec.Decode(&v))
	return v
}

// TestCorpusRoundTrip parses every corpus flow and marshals it back: the JSON
// must be semantically equal to the input (nothing lost, nothing added), and
// fmt must be idempotent.
func TestCorpusRoundTrip(t *testing.T) {
	for _, file := range corpusFiles(t) {
		t.Run(filepath.Base(file), func(t *testing.T) {
			in, err := os.ReadFile(file)
			require.NoError(t, err)
			f, err := Parse(in)
			require.NoError(t, err)
			out, err := json.Marshal(f)
			require.NoError(t, err)
			require.True(t, reflect.DeepEqual(decodeAny(t, in), decodeAny(t, out)), "round trip changed the flow")

			formatted, err := f.Format()
			require.NoError(t, err)
			again, err := Parse(formatted)
			require.NoError(t, err)
			formatted2, err := again.Format()
			require.NoError(t, err)
			require.Equal(t, string(formatted), string(formatted2), "fmt is not idempotent")
			for i := range f.States {
				_, err := f.States[i].Decode()
				require.NoError(t, err, "state %s (%s)", f.States[i].Name, f.States[i].Type)
			}
		})
	}
}

// TestRoundTripKeepsWhatItDoesNotModel covers the details a real export may
// carry that the Go types do not name.
func TestRoundTripKeepsWhatItDoesNotModel(t *testing.T) {
	cases := map[string]string{
		"unknown envelope key":  `{"initial_state":"T","states":[{"name":"T","type":"trigger","properties":{},"transitions":[]}],"x-owner":{"team":"ops","n":1e400}}`,
		"unknown widget type":   `{"initial_state":"T","states":[{"name":"T","type":"trigger","properties":{"offset":{"x":0,"y":0}},"transitions":[{"event":"incomingCall","next":"W"}]},{"name":"W","type":"teleport","properties":{"where":"moon","n":[1,2.50,{"b":true}]},"transitions":[{"event":"arrived","next":""}]}]}`,
		"explicit empty next":   `{"initial_state":"T","states":[{"name":"T","type":"trigger","properties":{},"transitions":[{"event":"incomingCall","next":""}]}]}`,
		"null flags and props":  `{"description":"","initial_state":"T","flags":null,"states":[{"name":"T","type":"trigger","properties":null,"transitions":[]}]}`,
		"unknown state keys":    `{"initial_state":"T","states":[{"name":"T","type":"trigger","sid":"FF00","properties":{},"transitions":[{"event":"incomingCall","uuid":"u1"}]}]}`,
		"html and unicode text": `{"initial_state":"T","states":[{"name":"T","type":"say-play","properties":{"say":"<speak>a & b ☎</speak>"},"transitions":[]}]}`,
		"null arguments":        `{"initial_state":"T","states":[{"name":"T","type":"split-based-on","properties":{"input":"x"},"transitions":[{"event":"match","next":"T","conditions":[{"friendly_name":"a","arguments":[null],"type":"is_blank","value":""},{"friendly_name":"b","arguments":["",null,"{{x}}"],"type":"equal_to","value":"1"},{"friendly_name":"c","arguments":null,"type":"equal_to","value":"1"}]}]}]}`,
		"condition extras":      `{"initial_state":"T","states":[{"name":"T","type":"split-based-on","properties":{"input":"x"},"transitions":[{"event":"match","next":"T","conditions":[{"friendly_name":"","arguments":[],"type":"equal_to","value":"1","uuid":"c"}]}]}]}`,
	}
	for name, in := range cases {
		t.Run(name, func(t *testing.T) {
			f, err := Parse([]byte(in))
			require.NoError(t, err)
			out, err := json.Marshal(f)
			require.NoError(t, err)
			require.Equal(t, decodeAny(t, []byte(in)), decodeAny(t, out), "out: %s", out)
		})
	}
}

func TestParseErrors(t *testing.T) {
	cases := []struct {
		name, in string
		kind     error
		want     string
	}{
		{"empty", "  \n", ErrEmpty, "empty input"},
		{"truncated", `{"initial_state": "T", "states": [`, ErrSyntax, "line 1, column 35"},
		{"bad token line 3", "{\n  \"a\": 1,\n  \"b\": tru\n}", ErrSyntax, "line 3, column 11"},
		{"comment", "{\n \"states\": [ /* todo */ ]\n}", ErrSyntax, "comment"},
		{"js literal", "{\n  initial_state: 'T'\n}", ErrTemplate, "unquoted key initial_state"},
		{"js module", "module.exports = {}", ErrTemplate, "JavaScript source"},
		{"terraform", "${jsonencode({\"a\":1})}", ErrTemplate, "Terraform expression"},
		{"terraform ref", "{\"a\": var.flow_sid}", ErrTemplate, "var.flow_sid"},
		{"array top", `[1,2]`, ErrShape, "array, an object is expected"},
		{"states not array", `{"initial_state":"T","states":{}}`, ErrShape, "#/states: object found, array expected"},
		{"name not string", `{"initial_state":"T","states":[{"name":7,"type":"trigger"}]}`, ErrShape, "#/states/0/name: integer found, string expected"},
		{"null next", `{"initial_state":"T","states":[{"name":"T","type":"trigger","properties":{},"transitions":[{"event":"incomingCall","next":null}]}]}`, ErrShape, "#/states/0/transitions/0/next: null found, string expected"},
		{"legacy", `{"states":[{"sid":"FF0123456789abcdef0123456789abcdef","type":"InitialState","name":"Trigger"}]}`, ErrLegacy, "pre-2019"},
		{"bad utf8", "{\"a\": \"\xff\"}", ErrSyntax, "invalid UTF-8"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := Parse([]byte(c.in))
			require.Error(t, err)
			require.True(t, errors.Is(err, c.kind), "got %v", err)
			require.Contains(t, err.Error(), c.want)
		})
	}
}

// TestMalformedCorpus: each input seen in the wild is rejected with a message
// that names its fault.
func TestMalformedCorpus(t *testing.T) {
	dir := "../../shared/flows/malformed"
	want := map[string]struct {
		kind error
		text string
	}{
		"js-object-literal":      {ErrTemplate, "line 2, column 3"},
		"terraform-templatefile": {ErrTemplate, "Terraform"},
		"hcl-jsonencode-object":  {ErrTemplate, "line 51, column 24"},
		"json-with-comment":      {ErrSyntax, "line 3, column 15"},
		"legacy-v1-schema":       {ErrLegacy, "pre-2019"},
	}
	manifest, err := os.ReadFile(filepath.Join(dir, "MANIFEST.tsv"))
	if err != nil {
		t.Skip("no malformed corpus")
	}
	lines := strings.Split(strings.TrimSpace(string(manifest)), "\n")[1:]
	require.Len(t, lines, len(want))
	for _, line := range lines {
		cols := strings.Split(line, "\t")
		file, kind := cols[0], cols[5]
		exp, ok := want[kind]
		require.True(t, ok, "unexpected kind %s", kind)
		t.Run(kind, func(t *testing.T) {
			b, err := os.ReadFile(filepath.Join(dir, file))
			require.NoError(t, err)
			_, err = Parse(b)
			require.Error(t, err)
			require.True(t, errors.Is(err, exp.kind), "got %v", err)
			require.Contains(t, err.Error(), exp.text)
			t.Log(err)
		})
	}
}

// TestFormatLossless: Format keeps every value the author wrote (nulls
// included), and formatting its own output changes nothing.
func TestFormatLossless(t *testing.T) {
	cases := map[string]string{
		"null argument":              `{"initial_state":"T","states":[{"name":"T","type":"split-based-on","properties":{"input":"x"},"transitions":[{"event":"noMatch"},{"event":"match","next":"T","conditions":[{"friendly_name":"If value is_blank","arguments":[null],"type":"is_blank","value":"Value"}]}]}]}`,
		"null and empty arguments":   `{"initial_state":"T","states":[{"name":"T","type":"split-based-on","properties":{"input":"x"},"transitions":[{"event":"match","next":"T","conditions":[{"friendly_name":"b","arguments":["",null,"{{x}}"],"type":"equal_to","value":"1"}]}]}]}`,
		"null everywhere it is kept": `{"description":"","initial_state":"T","flags":null,"x":null,"states":[{"name":"T","type":"trigger","properties":null,"transitions":[{"event":"incomingCall","conditions":[{"friendly_name":"","arguments":null,"type":"equal_to","value":"","uuid":null}],"u":null}],"sid":null},{"name":"W","type":"say-play","properties":{"say":null,"n":[null,{"a":null}]},"transitions":[]}]}`,
	}
	for name, in := range cases {
		t.Run(name, func(t *testing.T) {
			f, err := Parse([]byte(in))
			require.NoError(t, err)
			out, err := f.Format()
			require.NoError(t, err)
			require.Equal(t, decodeAny(t, []byte(in)), decodeAny(t, out), "out: %s", out)
			again, err := Parse(out)
			require.NoError(t, err)
			out2, err := again.Format()
			require.NoError(t, err)
			require.Equal(t, string(out), string(out2))
		})
	}
}
