package widgets_test

import (
	"context"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/switchboard/switchboard/engine"
	"github.com/switchboard/switchboard/engine/enginetest"
	_ "github.com/switchboard/switchboard/engine/widgets"
	"github.com/switchboard/switchboard/schema"
)

var update = flag.Bool("update", false, "rewrite the expect blocks of testdata/*.json")

// TestWidgets runs testdata/<type>.json for every registered widget type; a
// type without test data or without a JSON Schema fails.
func TestWidgets(t *testing.T) {
	for _, typ := range engine.Registered() {
		if typ == "enginetest-seed" {
			continue
		}
		t.Run(typ, func(t *testing.T) {
			require.NotNil(t, schema.Widget(typ), "no JSON Schema for %s under schema/widgets", typ)
			path := filepath.Join("testdata", typ+".json")
			b, err := os.ReadFile(path)
			require.NoError(t, err, "every widget needs test data in %s", path)
			var cases []enginetest.Case
			require.NoError(t, json.Unmarshal(b, &cases), path)
			require.NotEmpty(t, cases, path)
			for i := range cases {
				c := &cases[i]
				t.Run(c.Description, func(t *testing.T) {
					res, err := enginetest.Run(context.Background(), typ, *c)
					require.NoError(t, err)
					got, err := json.Marshal(res)
					require.NoError(t, err)
					if *update {
						c.Expect = got
						return
					}
					require.NotEmpty(t, c.Expect, "no expect block: run go test ./engine/widgets -update and review the diff")
					require.JSONEq(t, string(c.Expect), string(got))
				})
			}
			if *update {
				out, err := json.MarshalIndent(cases, "", "  ")
				require.NoError(t, err)
				require.NoError(t, os.WriteFile(path, append(out, '\n'), 0o644))
			}
		})
	}
}

// TestEveryStudioTypeIsRegistered: every widget type Studio defines runs here
// (offline-only ones fail clearly, but they are registered).
func TestEveryStudioTypeIsRegistered(t *testing.T) {
	reg := map[string]bool{}
	for _, typ := range engine.Registered() {
		reg[typ] = true
	}
	for _, typ := range schema.WidgetTypes() {
		require.True(t, reg[typ], "widget type %s has no engine implementation", typ)
	}
}
