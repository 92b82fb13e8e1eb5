package store

import (
	"encoding/json"
	"math"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/switchboard/switchboard/engine"
)

// sameAsEncodingJSON fails unless appendJSON writes what json.Marshal does.
func sameAsEncodingJSON(t *testing.T, v any) {
	t.Helper()
	want, werr := json.Marshal(v)
	got, gerr := appendJSON([]byte("prefix"), v)
	if (werr != nil) != (gerr != nil) {
		t.Fatalf("%#v: error %v, encoding/json's %v", v, gerr, werr)
	}
	if werr != nil {
		return
	}
	if !strings.HasPrefix(string(got), "prefix") {
		t.Fatalf("%#v: the bytes before were overwritten: %q", v, got)
	}
	if g := string(got[len("prefix"):]); g != string(want) {
		t.Fatalf("%#v:\n got %s\nwant %s", v, g, want)
	}
}

func TestAppendJSONMatchesEncodingJSON(t *testing.T) {
	var ascii strings.Builder
	for c := 0; c < 0x80; c++ {
		ascii.WriteByte(byte(c))
	}
	type other struct {
		A int    `json:"a"`
		B string `json:"b,omitempty"`
	}
	values := []any{
		nil, "", "plain", ascii.String(), "<script>&amp;</script>", "bad \xff\xfe utf-8 \xc3", "line\u2028para\u2029",
		"héllo wörld 日本 😀", `quote " backslash \ slash /`,
		true, false,
		0.0, math.Copysign(0, -1), 1.0, -1.5, 123.456, 1e-6, 1e-7, 9.99e-7, 1e20, 1e21, 1.5e300, -5e-324, math.MaxFloat64, 0.1 + 0.2,
		math.NaN(), math.Inf(1),
		0, -7, int64(math.MaxInt64), int32(math.MinInt32), uint64(math.MaxUint64), uint32(7),
		map[string]any{}, map[string]any(nil), map[string]any{"b": 1.0, "a": "x", "A": nil, "": true, "é": []any{}, "<": "&"},
		map[string]any{"nested": map[string]any{"z": []any{1.0, "two", map[string]any{"k": false}, nil}, "y": map[string]string{"b": "1", "a": "2"}}},
		engine.Context{"flow": map[string]any{"variables": map[string]any{"n": 3.0}}},
		engine.Context(nil),
		[]any{}, []any(nil), []string{}, []string(nil), []string{"a", "<b>"},
		map[string]string(nil), map[string]string{},
		// Not handled by appendJSON itself: encoding/json writes them.
		time.Date(2026, 12, 4, 17, 0, 0, 123, time.UTC), json.Number("12.5"), other{A: 1}, []int{1, 2},
		map[string]any{"t": time.Date(2026, 1, 2, 3, 4, 5, 0, time.FixedZone("x", 3600)), "o": &other{B: "<"}, "m": map[string]int{"b": 2, "a": 1}},
		map[string]any{"nan": math.NaN()},
	}
	for _, v := range values {
		sameAsEncodingJSON(t, v)
	}
}

// randomValue builds a random value of the kinds an execution's context
// holds (JSON decoded data and what the engine puts there).
func randomValue(r *rand.Rand, depth int) any {
	kinds := 12
	if depth <= 0 {
		kinds = 7
	}
	switch r.IntN(kinds) {
	case 0:
		return nil
	case 1:
		return randomString(r)
	case 2:
		return r.IntN(2) == 0
	case 3:
		return (r.Float64() - 0.5) * math.Pow(10, float64(r.IntN(60)-30))
	case 4:
		return float64(r.IntN(1000))
	case 5:
		return r.IntN(1 << 20)
	case 6:
		return []string{randomString(r), randomString(r)}
	case 7, 8:
		m := map[string]any{}
		for i := r.IntN(6); i > 0; i-- {
			m[randomString(r)] = randomValue(r, depth-1)
		}
		return m
	case 9:
		s := make([]any, r.IntN(4))
		for i := range s {
			s[i] = randomValue(r, depth-1)
		}
		return s
	case 10:
		return map[string]string{randomString(r): randomString(r), randomString(r): randomString(r)}
	default:
		return engine.Context{"x": randomValue(r, depth-1)}
	}
}

func randomString(r *rand.Rand) string {
	const alphabet = "abcXYZ019 _-<>&\"\\/\n\t\x01\x7f\u00e9\u2028\u65e5\U0001F600"
	runes := []rune(alphabet)
	var b strings.Builder
	for i := r.IntN(8); i > 0; i-- {
		if r.IntN(20) == 0 {
			b.WriteByte(0xff) // invalid UTF-8
			continue
		}
		b.WriteRune(runes[r.IntN(len(runes))])
	}
	return b.String()
}

func TestAppendJSONRandomValues(t *testing.T) {
	r := rand.New(rand.NewPCG(15, 23))
	for i := 0; i < 5000; i++ {
		sameAsEncodingJSON(t, randomValue(r, 4))
	}
}

// executionFields is engine.Execution's fields as appendExecutionJSON
// writes them. A field added to, removed from or renamed in
// engine.Execution (or Wait, or Event) fails this test: the encoder must be
// taught it first.
var executionFields = map[reflect.Type][]string{
	reflect.TypeFor[engine.Execution](): {"SID sid", "FlowSID flow_sid", "FlowRevision flow_revision", "Status status",
		"Contact contact", "Channel channel", "InitiatedBy initiated_by,omitempty", "Context context",
		"Current current,omitempty", "Wait wait,omitempty", "Steps steps", "Repeats repeats",
		"LastWidget last_widget,omitempty", "LastStep last_step,omitempty", "Pending pending_events,omitempty",
		"PendingTrace pending_trace,omitempty", "Frames frames,omitempty", "CreatedAt created_at",
		"UpdatedAt updated_at", "EndedAt ended_at,omitzero", "EndReason end_reason,omitempty",
		"StartEvent start_event,omitempty"},
	reflect.TypeFor[engine.Wait]():  {"Widget widget", "Inputs inputs", "Deadline deadline,omitzero"},
	reflect.TypeFor[engine.Event](): {"Level level", "Code code,omitempty", "Widget widget,omitempty", "Message message"},
}

func TestExecutionEncoderKnowsEveryField(t *testing.T) {
	for typ, want := range executionFields {
		var got []string
		for i := 0; i < typ.NumField(); i++ {
			f := typ.Field(i)
			got = append(got, f.Name+" "+f.Tag.Get("json"))
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s's fields changed; teach appendExecutionJSON first:\n got %q\nwant %q", typ, got, want)
		}
	}
}

func TestAppendExecutionJSONMatchesEncodingJSON(t *testing.T) {
	at := time.Date(2026, 12, 4, 17, 22, 41, 476779077, time.UTC)
	full := &engine.Execution{
		SID: "FN1", FlowSID: "FW<1>", FlowRevision: 3, Status: engine.StatusActive, Contact: "+1555", Channel: "+1666",
		InitiatedBy: "SM&1", Context: engine.Context{"flow": map[string]any{"variables": map[string]any{"name": "ANN"}},
			"trigger": map[string]any{"message": map[string]any{"Body": "hi\n<there>"}}},
		Current: "ask", Wait: &engine.Wait{Widget: "ask", Inputs: []string{"reply", "timeout"}, Deadline: at.Add(time.Hour)},
		Steps: 4, Repeats: 1, LastWidget: "ask", LastStep: "FT9",
		Pending:      []engine.Event{{Level: "error", Code: 81011, Widget: "ask", Message: "bad <template>"}, {Level: "info", Message: ""}},
		PendingTrace: map[string]any{"rendered": []any{map[string]any{"template": "{{x}}", "value": "1"}}},
		Frames: []engine.Frame{{FlowSID: "FWp", Revision: 2, Widget: "sub", Context: engine.Context{"a": 1.0},
			ChildSID: "FWc", ChildRevision: 1, Events: []engine.Event{{Level: "warning", Message: "m"}}}},
		CreatedAt: at, UpdatedAt: at.Add(time.Millisecond), EndedAt: at.Add(time.Second), EndReason: "completed",
		StartEvent: "incomingMessage",
	}
	cases := []*engine.Execution{
		full,
		{SID: "FN2", Status: engine.StatusEnded, CreatedAt: at, UpdatedAt: at},
		{SID: "FN3", Context: engine.Context{}, Wait: &engine.Wait{Widget: "w"}, CreatedAt: at.In(time.FixedZone("x", -7200)), UpdatedAt: at},
		{SID: "FN4", Wait: &engine.Wait{Inputs: []string{}}, Pending: []engine.Event{}, PendingTrace: map[string]any{}, Frames: []engine.Frame{}},
	}
	for _, x := range cases {
		want, err := json.Marshal(x)
		if err != nil {
			t.Fatal(err)
		}
		got, err := appendExecutionJSON(nil, x)
		if err != nil {
			t.Fatal(err)
		}
		if string(got) != string(want) {
			t.Errorf("execution %s:\n got %s\nwant %s", x.SID, got, want)
		}
	}
	r := rand.New(rand.NewPCG(1, 2))
	for i := 0; i < 500; i++ {
		x := *full
		x.Context = engine.Context{"widgets": randomValue(r, 4), "flow": randomValue(r, 3)}
		x.PendingTrace = map[string]any{"rendered": randomValue(r, 2)}
		want, _ := json.Marshal(&x)
		got, err := appendExecutionJSON(nil, &x)
		if err != nil || string(got) != string(want) {
			t.Fatalf("random execution: %v\n got %s\nwant %s", err, got, want)
		}
	}
	// A year encoding/json refuses is refused here too.
	bad := &engine.Execution{SID: "FN5", CreatedAt: time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC)}
	if _, err := appendExecutionJSON(nil, bad); err == nil {
		t.Error("a year past 9999 was encoded")
	}
	if _, err := appendExecutionJSON(nil, &engine.Execution{Context: engine.Context{"n": math.Inf(-1)}}); err == nil {
		t.Error("an infinite number was encoded")
	}
}

func TestAppendJSONEventsMatchesEncodingJSON(t *testing.T) {
	for _, evs := range [][]engine.Event{nil, {}, {{Level: "error", Code: -1, Widget: "<w>", Message: "a\"b"}}, {{}, {Code: 81000}}} {
		want, _ := json.Marshal(evs)
		if got := appendJSONEvents(nil, evs); string(got) != string(want) {
			t.Errorf("%v:\n got %s\nwant %s", evs, got, want)
		}
	}
}

// The state a sprint stores still reads back as the execution it was.
func TestEncodedStateReadsBack(t *testing.T) {
	at := time.Date(2026, 12, 4, 17, 0, 0, 5, time.UTC)
	x := &engine.Execution{SID: "FN1", FlowSID: "FW1", Status: engine.StatusActive, Context: engine.Context{"a": map[string]any{"b": []any{1.5, "c"}}},
		Wait: &engine.Wait{Widget: "w", Inputs: []string{"reply"}, Deadline: at}, CreatedAt: at, UpdatedAt: at}
	rec := SprintRecord{Execution: x, New: true}
	if err := rec.Encode(); err != nil {
		t.Fatal(err)
	}
	var back engine.Execution
	if err := json.Unmarshal([]byte(rec.enc.state), &back); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(&back, x) {
		t.Errorf("read back %+v, want %+v", back, *x)
	}
}

// BenchmarkEncodeSprint encodes the conversation benchmark's first sprint:
// a waiting execution, three steps and a queued message.
func BenchmarkEncodeSprint(b *testing.B) {
	at := time.Date(2026, 12, 4, 17, 22, 41, 476779077, time.UTC)
	x := &engine.Execution{SID: "FN01a2421460c46cf0b7e889f877d45e77", FlowSID: "FW00000000000000000000000000000001", FlowRevision: 1,
		Status: engine.StatusActive, Contact: "+10000000002", Channel: "+15550002222",
		Context: engine.Context{"contact": map[string]any{"channel": map[string]any{"address": "+10000000002"}},
			"flow": map[string]any{"channel": map[string]any{"address": "+15550002222"}, "flow_sid": "FW00000000000000000000000000000001",
				"sid": "FN01a2421460c46cf0b7e889f877d45e77", "variables": map[string]any{"name": "ANN"}},
			"trigger": map[string]any{"message": map[string]any{"Body": "ann"}},
			"widgets": map[string]any{"ask": map[string]any{"outbound": map[string]any{"Body": "Hi ANN, rate us 1-5", "From": "+15550002222",
				"NumMedia": 0, "Sid": "SM01a2421460c5f5ef6921d6ee48cfe2b7", "Status": "queued", "To": "+10000000002"}},
				"route": map[string]any{}, "vars": map[string]any{"name": "ANN"}}},
		Current: "ask", Wait: &engine.Wait{Widget: "ask", Inputs: []string{"reply", "timeout"}, Deadline: at.Add(time.Hour)},
		Steps: 3, Repeats: 1, LastWidget: "ask", LastStep: "FT01a2421460c8ff5ca33f163899022eb2", CreatedAt: at, UpdatedAt: at}
	step := func(name string, ctx map[string]any) engine.Step {
		return engine.Step{SID: "FT01a2421460c8ff5ca33f163899022eb2", ExecutionSID: x.SID, FlowSID: x.FlowSID, Name: name,
			TransitionedFrom: "a", TransitionedTo: "b", Type: "set-variables", Context: ctx, CreatedAt: at}
	}
	steps := []engine.Step{step("incomingMessage", nil),
		step("next", map[string]any{"trace": map[string]any{"rendered": []any{map[string]any{"template": "{{trigger.message.Body | upcase}}", "value": "ANN"}}},
			"widgets": map[string]any{"vars": map[string]any{"name": "ANN"}}}),
		step("noMatch", map[string]any{"trace": map[string]any{"rendered": []any{map[string]any{"template": "{{flow.variables.name}}", "value": "ANN"}}},
			"widgets": map[string]any{"route": map[string]any{}}})}
	msgs := []Message{{SID: "SM01a2421460c5f5ef6921d6ee48cfe2b7", Direction: DirectionOutboundAPI, From: "+15550002222", To: "+10000000002",
		Body: "Hi ANN, rate us 1-5", Status: MessageQueued, Notified: MessageQueued}}
	b.ReportAllocs()
	for b.Loop() {
		rec := SprintRecord{Execution: x, New: true, SessionKey: x.Contact, Steps: steps, Messages: msgs}
		if err := rec.Encode(); err != nil {
			b.Fatal(err)
		}
	}
}

func TestStampMatchesTimeFormat(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	zones := []*time.Location{time.UTC, time.FixedZone("e", 5*3600+1800), time.FixedZone("w", -11*3600)}
	times := []time.Time{{}, time.Date(9999, 12, 31, 23, 59, 59, 999999999, time.UTC), time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC),
		time.Date(-1, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC), time.Date(2026, 1, 2, 3, 4, 5, 100, time.UTC)}
	for i := 0; i < 2000; i++ {
		times = append(times, time.Unix(r.Int64N(1<<36)-1<<35, r.Int64N(1e9)).In(zones[r.IntN(len(zones))]))
	}
	for _, at := range times {
		if got, want := stamp(at), at.UTC().Format(ts); got != want {
			t.Fatalf("stamp(%v) = %s, want %s", at, got, want)
		}
		want, werr := json.Marshal(at)
		got, gerr := appendJSONTime(nil, at)
		if (werr != nil) != (gerr != nil) || (werr == nil && string(got) != string(want)) {
			t.Fatalf("appendJSONTime(%v) = %s, %v; want %s, %v", at, got, gerr, want, werr)
		}
	}
}
