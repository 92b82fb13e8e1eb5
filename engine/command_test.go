package engine_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"

	"github.com/switchboard/switchboard/engine"
	"github.com/switchboard/switchboard/engine/enginetest"
)

// wireBefore is every verb as the single Command struct of before one type
// per verb marshalled it (its field order, its nesting, its escaping), for
// the same values as enginetest.EveryCommand. Steps, golden files and
// anything else stored from before must read back into the same commands
// and write the same bytes.
var wireBefore = []string{
	`{"verb":"call","widget":"w","call":{"from":"+15550002222","to":"+15550001111","timeout":30,"record":true,"detect_machine":true,"machine_detection":"Enable","machine_detection_timeout":20,"send_digits":"12","sip_username":"bob"}}`,
	`{"verb":"dial","widget":"w","dial":{"noun":"number","to":["+15550003333"],"caller_id":"+15550002222","timeout":20,"time_limit":600,"record":true,"sip_username":"alice"}}`,
	`{"verb":"digits","widget":"w","digits":"1w2#","loop":1}`,
	`{"verb":"enqueue","widget":"w","enqueue":{"queue":"support","wait_url":"https://example.com/wait","priority":3,"timeout":60,"attributes":"{\"a\":1}"}}`,
	`{"verb":"gather","widget":"w","gather":{"prompts":[{"verb":"say","widget":"w","text":"Hello \u003cthere\u003e \u0026 goodbye","voice":"Polly.Joanna","language":"en-GB","loop":2},{"verb":"play","widget":"w","url":"https://example.com/a.wav?x=1\u0026y=2","loop":1}],"input":["dtmf","speech"],"timeout":5,"finish_on_key":"#","num_digits":4,"speech_timeout":"auto","language":"en-US","hints":"yes,no","profanity_filter":true,"speech_model":"phone_call","stop_on_key":true}}`,
	`{"verb":"hangup","widget":"w"}`,
	`{"verb":"message","widget":"w","message":{"sid":"SM00000000000000000000000000000001","from":"+15550002222","to":"+15550001111","body":"Hi","media_url":["https://example.com/a.png"]}}`,
	`{"verb":"play","widget":"w","url":"https://example.com/a.wav?x=1\u0026y=2","loop":1}`,
	`{"verb":"record","widget":"w","record":{"timeout":5,"finish_on_key":"#","max_length":60,"play_beep":true,"trim":true,"transcribe":true,"status_url":"https://example.com/status"}}`,
	`{"verb":"record_call","widget":"w","record_call":{"start":true,"channels":"dual","trim":true}}`,
	`{"verb":"redirect","widget":"w","redirect":{"url":"https://example.com/twiml","method":"POST","timeout":14400}}`,
	`{"verb":"say","widget":"w","text":"Hello \u003cthere\u003e \u0026 goodbye","voice":"Polly.Joanna","language":"en-GB","loop":2}`,
	`{"verb":"stream","widget":"w","stream":{"action":"start","name":"s1","url":"wss://example.com/s","track":"both_tracks","params":{"k":"v"}}}`,
}

// TestEveryCommandCoversEveryType: the samples hosts test with hold one
// command of each type this package declares (found by reading its source:
// every type with an isCommand method), and each verb has a decoder.
func TestEveryCommandCoversEveryType(t *testing.T) {
	fset := token.NewFileSet()
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	var declared []string
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range f.Decls {
			fn, ok := d.(*ast.FuncDecl)
			if !ok || fn.Recv == nil || fn.Name.Name != "isCommand" {
				continue
			}
			typ := fn.Recv.List[0].Type
			if st, ok := typ.(*ast.StarExpr); ok {
				typ = st.X
			}
			declared = append(declared, "engine."+typ.(*ast.Ident).Name)
		}
	}
	sort.Strings(declared)
	var sampled, verbs []string
	for _, c := range enginetest.EveryCommand() {
		sampled = append(sampled, fmt.Sprintf("%T", c))
		verbs = append(verbs, c.Verb())
	}
	sort.Strings(sampled)
	if len(declared) == 0 || !reflect.DeepEqual(declared, sampled) {
		t.Fatalf("command types declared %v,\nsampled by enginetest.EveryCommand %v", declared, sampled)
	}
	if !reflect.DeepEqual(verbs, engine.Verbs()) {
		t.Fatalf("verbs of the samples %v, verbs with a decoder %v", verbs, engine.Verbs())
	}
}

// TestCommandWire: every command writes the bytes the single Command
// struct wrote before, and reads back equal, alone, in a Commands list and
// inside a Sprint.
func TestCommandWire(t *testing.T) {
	every := enginetest.EveryCommand()
	if len(every) != len(wireBefore) {
		t.Fatalf("%d samples, %d wire literals", len(every), len(wireBefore))
	}
	for i, c := range every {
		t.Run(c.Verb(), func(t *testing.T) {
			b, err := json.Marshal(c)
			if err != nil {
				t.Fatal(err)
			}
			if string(b) != wireBefore[i] {
				t.Fatalf("wire form changed:\n got %s\nwant %s", b, wireBefore[i])
			}
			back, err := engine.UnmarshalCommand([]byte(wireBefore[i]))
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(back, c) {
				t.Fatalf("read back %#v,\nwant %#v", back, c)
			}
		})
	}
	sp := engine.Sprint{Commands: every, Wait: &engine.Wait{Widget: "w", Inputs: []string{engine.InputDigits}}}
	b, err := json.Marshal(sp)
	if err != nil {
		t.Fatal(err)
	}
	var back engine.Sprint
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(back.Commands, sp.Commands) {
		t.Fatalf("sprint commands read back %#v", back.Commands)
	}
	var none engine.Sprint
	if err := json.Unmarshal([]byte(`{"steps":[]}`), &none); err != nil || none.Commands != nil {
		t.Fatalf("a sprint without commands: %v %#v", err, none.Commands)
	}
}

// TestCommandSecrets: SIP passwords never reach the wire.
func TestCommandSecrets(t *testing.T) {
	for _, c := range []engine.Command{
		engine.Dial{Widget: "w", Noun: "sip", To: []string{"sip:a@b"}, SIPUser: "u", SIPPass: "s3cret"},
		engine.Call{Widget: "w", To: "sip:a@b", SIPUser: "u", SIPPass: "s3cret"},
	} {
		b, err := json.Marshal(c)
		if err != nil || strings.Contains(string(b), "s3cret") {
			t.Fatalf("%s: %s %v", c.Verb(), b, err)
		}
	}
}

// TestCommandBadWire: what cannot be a command is a clear error.
func TestCommandBadWire(t *testing.T) {
	cases := []struct {
		name, in, want string
		unknown        bool
	}{
		{"unknown verb", `{"verb":"conference","widget":"w"}`, `verb "conference"`, true},
		{"no verb", `{"widget":"w","text":"hi"}`, `verb ""`, true},
		{"gather without fields", `{"verb":"gather","widget":"w"}`, "gather has no fields", false},
		{"message without fields", `{"verb":"message","widget":"w"}`, "message has no fields", false},
		{"prompt that is not a prompt", `{"verb":"gather","widget":"w","gather":{"prompts":[{"verb":"hangup","widget":"w"}],"input":["dtmf"]}}`, "cannot prompt with hangup", false},
		{"unknown prompt", `{"verb":"gather","widget":"w","gather":{"prompts":[{"verb":"sing"}]}}`, `verb "sing"`, true},
		{"not an object", `["say"]`, "cannot unmarshal", false},
		{"wrong type", `{"verb":"say","loop":"twice"}`, "cannot unmarshal", false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := engine.UnmarshalCommand([]byte(c.in))
			if err == nil || !strings.Contains(err.Error(), c.want) || errors.Is(err, engine.ErrUnknownCommand) != c.unknown {
				t.Fatalf("err %v, want one saying %q (unknown: %v)", err, c.want, c.unknown)
			}
		})
	}
	var cs engine.Commands
	if err := json.Unmarshal([]byte(`[{"verb":"say","widget":"w","text":"hi"},{"verb":"x"}]`), &cs); err == nil || !strings.Contains(err.Error(), "command 1") {
		t.Fatalf("a list with a bad command: %v", err)
	}
}

// TestMessagePlainJSON: an outbox row keeps the message's own fields, as
// before.
func TestMessagePlainJSON(t *testing.T) {
	for _, c := range enginetest.EveryCommand() {
		m, ok := c.(engine.Message)
		if !ok {
			continue
		}
		b, err := m.PlainJSON()
		want := `{"sid":"SM00000000000000000000000000000001","from":"+15550002222","to":"+15550001111","body":"Hi","media_url":["https://example.com/a.png"]}`
		if err != nil || string(b) != want {
			t.Fatalf("got %s %v, want %s", b, err, want)
		}
	}
}

// TestStoredExecutionResumes: an execution stored before commands became one
// type per verb (its JSON as the store keeps it, waiting in a say-play)
// loads and resumes, and its sprint's commands are the new types.
func TestStoredExecutionResumes(t *testing.T) {
	stored := `{"sid":"FN00000000000000000000000000000001","flow_sid":"FW00000000000000000000000000000001","flow_revision":1,` +
		`"status":"active","contact":"+15550001111","channel":"+15550002222","context":{"flow":{"channel":{"address":"+15550002222"},` +
		`"flow_sid":"FW00000000000000000000000000000001","sid":"FN00000000000000000000000000000001","variables":{}},` +
		`"contact":{"channel":{"address":"+15550001111"}},"trigger":{"message":{}},"widgets":{}},"current":"hello",` +
		`"wait":{"widget":"hello","inputs":["audio_done"]},"steps":1,"repeats":1,"last_widget":"hello",` +
		`"created_at":"2026-01-02T15:04:05Z","updated_at":"2026-01-02T15:04:05Z"}`
	var x engine.Execution
	if err := json.Unmarshal([]byte(stored), &x); err != nil {
		t.Fatal(err)
	}
	p := flow(t, map[string]any{"name": "hello", "type": "say-play",
		"properties":  map[string]any{"say": "Hello", "loop": 1},
		"transitions": []map[string]any{{"event": "audioComplete", "next": "bye"}}},
		map[string]any{"name": "bye", "type": "say-play", "properties": map[string]any{"say": "Bye {{contact.channel.address}}"},
			"transitions": []map[string]any{{"event": "audioComplete"}}})
	clock := enginetest.NewClock()
	sp, err := engine.New(engine.WithSIDs(sids()), engine.WithClock(clock.Now)).Resume(context.Background(), p, &x, engine.Input{Type: engine.InputAudioDone})
	if err != nil {
		t.Fatal(err)
	}
	want := engine.Commands{engine.Say{Widget: "bye", Text: "Bye +15550001111", Language: "en-US", Loop: 1}}
	if !reflect.DeepEqual(sp.Commands, want) || x.Current != "bye" {
		t.Fatalf("resumed into %q with %#v (%s, %+v), want bye saying %#v", x.Current, sp.Commands, x.EndReason, sp.Events, want)
	}
}

// FuzzUnmarshalCommand: stored bytes never panic the decoder, and whatever
// decodes writes a wire form that reads back and writes the same bytes.
func FuzzUnmarshalCommand(f *testing.F) {
	for _, s := range wireBefore {
		f.Add([]byte(s))
	}
	f.Add([]byte(`{"verb":"gather","gather":{"prompts":[null,{"verb":"say"}]}}`))
	f.Add([]byte(`{"verb":"stream","widget":"w","stream":{"action":"start","params":{}}}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		c, err := engine.UnmarshalCommand(b)
		if err != nil {
			return
		}
		out, err := json.Marshal(c)
		if err != nil {
			t.Fatalf("%#v does not marshal: %v", c, err)
		}
		again, err := engine.UnmarshalCommand(out)
		if err != nil || again.Verb() != c.Verb() {
			t.Fatalf("%s → %#v → %s → %#v (%v)", b, c, out, again, err)
		}
		// Empty and missing lists and maps read alike: compare the bytes.
		if out2, err := json.Marshal(again); err != nil || string(out2) != string(out) {
			t.Fatalf("%s → %s → %s (%v)", b, out, out2, err)
		}
	})
}
