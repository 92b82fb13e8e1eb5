package schema

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

// FuzzParseValidate: no input makes Parse or Validate panic, and whatever
// parses survives a marshal round trip unchanged (value-exact, numbers as
// written) and Format is a fixed point (byte-exact). Seeded with the corpus and
// the malformed inputs seen in the wild.
//
//	go test ./schema -run '^$' -fuzz FuzzParseValidate -fuzztime 60s
func FuzzParseValidate(f *testing.F) {
	for _, dir := range []string{corpusDir, "../../shared/flows/malformed"} {
		files, _ := filepath.Glob(filepath.Join(dir, "*.json"))
		for _, file := range files {
			if b, err := os.ReadFile(file); err == nil {
				f.Add(b)
			}
		}
	}
	f.Add([]byte(flow(sayBye)))
	f.Add([]byte(`{"initial_state":"T","states":[{"name":"T","type":"trigger","properties":{},"transitions":[{"event":"incomingCall","next":""}]}]}`))
	f.Add([]byte("{\n  initial_state: 'T'\n}"))
	f.Add([]byte(`{"initial_state":"T","flags":null,"states":[{"name":"T","type":"split-based-on","properties":null,"transitions":[{"event":"match","conditions":[{"friendly_name":"","arguments":[null,""],"type":"is_blank","value":""}]}]}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		r := Validate(data)
		for _, p := range r.Errors {
			if p.PropertyPath == "" || p.PropertyPath[0] != '#' || p.Message == "" {
				t.Fatalf("problem without path or message: %+v", p)
			}
		}
		fl, err := Parse(data)
		if err != nil {
			return
		}
		out, err := json.Marshal(fl)
		if err != nil {
			t.Fatalf("marshal of a parsed flow failed: %v", err)
		}
		a, err := decodeUseNumber(bytes.TrimPrefix(data, []byte("\xef\xbb\xbf")))
		if err != nil {
			t.Fatalf("Parse took what does not decode: %v", err)
		}
		b, err := decodeUseNumber(out)
		if err != nil {
			t.Fatalf("marshal wrote invalid JSON: %v\n%s", err, out)
		}
		if !reflect.DeepEqual(a, b) {
			t.Fatalf("round trip changed the flow\nin:  %s\nout: %s", data, out)
		}
		formatted, err := fl.Format()
		if err != nil {
			t.Fatalf("Format: %v", err)
		}
		again, err := Parse(formatted)
		if err != nil {
			t.Fatalf("Format wrote what Parse refuses: %v\n%s", err, formatted)
		}
		if formatted2, _ := again.Format(); !bytes.Equal(formatted, formatted2) {
			t.Fatalf("Format is not a fixed point\n%s\n%s", formatted, formatted2)
		}
	})
}
