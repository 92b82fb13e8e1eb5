package schema

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

// FuzzParseValidate: no input makes Parse or Validate panic, and whatever
// parses survives a marshal round trip unchanged. Seeded with the corpus and
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
		var a, b any
		if json.Unmarshal(data, &a) != nil {
			return // e.g. numbers beyond float64; Parse keeps them, this check cannot compare
		}
		if err := json.Unmarshal(out, &b); err != nil {
			t.Fatalf("marshal wrote invalid JSON: %v\n%s", err, out)
		}
		if !reflect.DeepEqual(a, b) {
			t.Fatalf("round trip changed the flow\nin:  %s\nout: %s", data, out)
		}
	})
}
