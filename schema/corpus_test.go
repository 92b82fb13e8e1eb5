package schema

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

// corpusDir is the shared corpus of real Studio exports. Tests that read it
// skip when ../shared is absent (a fresh clone without it still passes).
const corpusDir = "../../shared/flows/corpus"

func corpusFiles(t testing.TB) []string {
	t.Helper()
	files, _ := filepath.Glob(filepath.Join(corpusDir, "*.json"))
	if len(files) == 0 {
		t.Skipf("no corpus at %s", corpusDir)
	}
	return files
}

// TestCorpusStatesMatchWidgetSchemas checks every state of every corpus flow
// against the schema of its widget type on its own, so a schema that is too
// strict for what Studio really exports is caught with the widget named.
func TestCorpusStatesMatchWidgetSchemas(t *testing.T) {
	for _, f := range corpusFiles(t) {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var doc struct {
			States []json.RawMessage `json:"states"`
		}
		if err := json.Unmarshal(b, &doc); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		for i, raw := range doc.States {
			v, err := jsonschema.UnmarshalJSON(bytes.NewReader(raw))
			if err != nil {
				t.Fatal(err)
			}
			probs, err := checkSchema(v, true)
			if err != nil {
				t.Fatal(err)
			}
			for _, p := range probs {
				typ, _ := v.(map[string]any)["type"].(string)
				t.Errorf("%s: states/%d (%s): %s", strings.TrimPrefix(filepath.Base(f), ""), i, typ, p)
			}
		}
	}
}
