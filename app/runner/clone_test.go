package runner

import (
	"encoding/json"
	"reflect"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/switchboard/switchboard/engine"
)

// roundTrip is what a reload from the store gives.
func roundTrip(t *testing.T, x *engine.Execution) *engine.Execution {
	t.Helper()
	b, err := json.Marshal(x)
	require.NoError(t, err)
	out := new(engine.Execution)
	require.NoError(t, json.Unmarshal(b, out))
	return out
}

type point struct {
	X int `json:"x"`
	Y int `json:"y,omitempty"`
}

// values is a context of every kind the engine and the widgets put there,
// and some they might.
func values() map[string]any {
	return map[string]any{
		"str": "ann", "html": "<b>&</b>", "bad": "a\xffb\xfe\xfd", "empty": "",
		"int": 5, "int64": int64(1<<62 + 1), "int32": int32(-7), "uint64": uint64(1<<64 - 1), "uint8": uint8(9),
		"float": 2.5, "float32": float32(0.1), "negzero": -0.0, "big": 1e300, "num": json.Number("12.50"),
		"bool": true, "nil": nil, "nilmap": map[string]any(nil), "emptymap": map[string]any{},
		"nilslice": []any(nil), "emptyslice": []any{}, "strings": []string{"a", "b\xff"}, "nilstrings": []string(nil),
		"smap": map[string]string{"k": "v"}, "badkey": map[string]any{"k\xff": 1, "k\xfe": 2},
		"nested": map[string]any{"list": []any{1, "two", map[string]any{"three": []string{"3"}}}},
		"struct": point{X: 1}, "ptr": &point{X: 2, Y: 3}, "time": time.Date(2026, 1, 2, 3, 4, 5, 6, time.FixedZone("x", 3600)),
		"bytes": []byte("hi"), "maps": []map[string]any{{"a": 1}}, "ctx": engine.Context{"flow": map[string]any{"x": 1}},
	}
}

func fullExecution() *engine.Execution {
	now := time.Now() // with a monotonic reading, in the local zone
	return &engine.Execution{
		SID: "FN1", FlowSID: "FW1", FlowRevision: 3, Status: engine.StatusActive, Contact: "+1555\xff", Channel: "+1666",
		InitiatedBy: "SM1", Context: engine.Context(values()), Current: "ask",
		Wait:  &engine.Wait{Widget: "ask", Inputs: []string{"reply", "timeout"}, Deadline: now.Add(time.Minute)},
		Steps: 7, Repeats: 2, LastWidget: "ask", LastStep: "FT1",
		Pending:      []engine.Event{{Level: "warning", Code: 81011, Widget: "ask", Message: "m\xff"}},
		PendingTrace: map[string]any{"rendered": "x", "n": 1},
		Frames: []engine.Frame{{FlowSID: "FW2", Revision: 1, Widget: "sub", Context: engine.Context{"v": []string{"x"}},
			ChildSID: "FW3", ChildRevision: 2, Events: []engine.Event{{Level: "info", Message: "e"}}}},
		CreatedAt: now.Add(-time.Hour), UpdatedAt: now, EndedAt: now.UTC(), EndReason: "x", StartEvent: "incomingMessage",
	}
}

// The clone is exactly what a reload gives, for every field and value.
func TestCloneIsTheStoredForm(t *testing.T) {
	x := fullExecution()
	v := reflect.ValueOf(x).Elem()
	for i := range v.NumField() {
		require.False(t, v.Field(i).IsZero(), "fullExecution must set %s (a new field: does cloneExecution copy it?)", v.Type().Field(i).Name)
	}
	want := roundTrip(t, x)
	got, err := cloneExecution(x)
	require.NoError(t, err)
	require.Equal(t, want, got)

	// Empty and nil variants.
	for _, y := range []*engine.Execution{
		{SID: "FN2"},
		{SID: "FN3", Context: engine.Context{}, Wait: &engine.Wait{}, Pending: []engine.Event{}, PendingTrace: map[string]any{}, Frames: []engine.Frame{}},
		{SID: "FN4", Wait: &engine.Wait{Inputs: []string{}}, Frames: []engine.Frame{{}}},
	} {
		got, err := cloneExecution(y)
		require.NoError(t, err)
		require.Equal(t, roundTrip(t, y), got, y.SID)
	}
}

// Every map, slice and pointer of the execution is one that
// cloneExecution copies: a new one would be shared by the clone.
func TestCloneKnowsEveryReferenceField(t *testing.T) {
	copied := map[string]bool{"Context": true, "Wait": true, "Pending": true, "PendingTrace": true, "Frames": true,
		"CreatedAt": true, "UpdatedAt": true, "EndedAt": true}
	typ := reflect.TypeFor[engine.Execution]()
	for i := range typ.NumField() {
		f := typ.Field(i)
		switch f.Type.Kind() {
		case reflect.Map, reflect.Slice, reflect.Pointer, reflect.Interface, reflect.Struct, reflect.Array, reflect.Chan, reflect.Func:
			require.True(t, copied[f.Name], "cloneExecution does not copy field %s", f.Name)
		}
	}
}

// The clone shares nothing with the original: changing one leaves the
// other as it was.
func TestCloneSharesNothing(t *testing.T) {
	x := fullExecution()
	got, err := cloneExecution(x)
	require.NoError(t, err)
	want := roundTrip(t, x)
	x.Context["str"] = "changed"
	x.Context["nested"].(map[string]any)["list"].([]any)[0] = "changed"
	x.Wait.Inputs[0] = "changed"
	x.Pending[0].Message = "changed"
	x.PendingTrace["n"] = 2
	x.Frames[0].Context["v"] = "changed"
	x.Frames[0].Events[0].Message = "changed"
	require.Equal(t, want, got)
}
