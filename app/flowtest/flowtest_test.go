package flowtest

import (
	"context"
	"os"
	"testing"

	"github.com/stretchr/testify/require"

	_ "github.com/switchboard/switchboard/engine/widgets" // every widget type
)

// TestChecksNameEveryExpectation: each expectation given is one Check, in
// the order the file format lists them, passed or failed with the reason.
func TestChecksNameEveryExpectation(t *testing.T) {
	def, err := os.ReadFile("../demo/demo-ivr.json")
	require.NoError(t, err)
	yes := true
	o, err := Run(context.Background(), def, Test{Name: "t", Trigger: "call", Inputs: []string{"1"}, Expect: Expect{
		Path:      []string{"Trigger", "main_menu", "route_choice", "opening_hours"},
		Says:      []string{"wrong"},
		Widgets:   map[string]map[string]any{"main_menu": {"Digits": "1"}},
		Ended:     &yes,
		EndReason: "caller hung up",
	}})
	require.NoError(t, err)
	require.Equal(t, []Check{
		{Expectation: "path", Passed: true},
		{Expectation: "says", Reason: o.Failures[0]},
		{Expectation: "widgets.main_menu.Digits", Passed: true},
		{Expectation: "ended", Passed: true},
		{Expectation: "end_reason", Reason: `end_reason: want "caller hung up", got "completed"`},
	}, o.Checks)
	require.Len(t, o.Failures, 2)
	require.Contains(t, o.Failures[0], "says: want")
}
