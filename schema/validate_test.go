package schema

import (
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

var update = flag.Bool("update", false, "rewrite golden files under testdata/")

// corpusDefects are the corpus flows that Studio itself would reject, with
// the path of the fault (shared/flows/README.md). Every other flow is valid.
var corpusDefects = map[string]Problem{
	"twilio-labs__function-templates__vaccine-standby-list__assets__sms-studio-flow.json": {
		PropertyPath: "#/states/13/transitions/0/next",
		Message:      `transition Goodbye.sent leads to widget "SaveToAirtable", which does not exist`,
	},
}

// TestCorpusValidation: every corpus flow validates as Studio would say, and
// the full results (errors and our warnings) match the golden file.
func TestCorpusValidation(t *testing.T) {
	results := map[string]Result{}
	for _, file := range corpusFiles(t) {
		name := filepath.Base(file)
		b, err := os.ReadFile(file)
		require.NoError(t, err)
		r := Validate(b)
		results[name] = r
		if want, defective := corpusDefects[name]; defective {
			require.Equal(t, []Problem{want}, r.Errors, name)
			continue
		}
		require.Empty(t, r.Errors, name)
	}
	golden(t, "corpus_validate.golden.json", results)
}

func golden(t *testing.T, name string, v any) {
	t.Helper()
	got, err := json.MarshalIndent(v, "", "  ")
	require.NoError(t, err)
	got = append(got, '\n')
	path := filepath.Join("testdata", name)
	if *update {
		require.NoError(t, os.WriteFile(path, got, 0o644))
		return
	}
	want, err := os.ReadFile(path)
	require.NoError(t, err, "run go test ./schema -update to create %s", path)
	require.Equal(t, string(want), string(got), "golden %s differs; rerun with -update after checking", path)
}

// flow builds a definition around a trigger wired to incomingCall -> first.
func flow(states ...string) string {
	return `{"description":"t","initial_state":"Trigger","flags":{"allow_concurrent_calls":true},"states":[` +
		`{"name":"Trigger","type":"trigger","properties":{"offset":{"x":0,"y":0}},"transitions":[{"event":"incomingCall","next":"first"},{"event":"incomingMessage"}]}` +
		func() string {
			if len(states) == 0 {
				return ""
			}
			return "," + strings.Join(states, ",")
		}() + `]}`
}

const sayBye = `{"name":"bye","type":"say-play","properties":{"say":"Goodbye"},"transitions":[{"event":"audioComplete"}]}`

func TestValidateErrors(t *testing.T) {
	cases := []struct {
		name string
		in   string
		want Problem
	}{
		{"dangling next", flow(`{"name":"first","type":"say-play","properties":{"say":"hi"},"transitions":[{"event":"audioComplete","next":"nowhere"}]}`),
			Problem{`transition first.audioComplete leads to widget "nowhere", which does not exist`, "#/states/1/transitions/0/next"}},
		{"split without input", flow(`{"name":"first","type":"split-based-on","properties":{"offset":{"x":1,"y":2}},"transitions":[{"event":"noMatch","next":"bye"}]}`, sayBye),
			Problem{"is missing but it is required", "#/states/1/properties/input"}},
		{"bad event name", flow(`{"name":"first","type":"say-play","properties":{"say":"hi"},"transitions":[{"event":"audioCompleted"}]}`),
			Problem{`"audioCompleted" does not have a value in the enumeration [audioComplete]`, "#/states/1/transitions/0/event"}},
		{"bad condition type", flow(`{"name":"first","type":"split-based-on","properties":{"input":"{{trigger.call.From}}"},"transitions":[{"event":"noMatch","next":"bye"},{"event":"match","next":"bye","conditions":[{"friendly_name":"x","arguments":["{{trigger.call.From}}"],"type":"matches_regex","value":"1"}]}]}`, sayBye),
			Problem{`"matches_regex" does not have a value in the enumeration [equal_to, not_equal_to, matches_any_of, does_not_match_any_of, is_blank, is_not_blank, regex, contains, does_not_contain, starts_with, does_not_start_with, less_than, greater_than, is_before_time, is_after_time, is_before_date, is_after_date]`, "#/states/1/transitions/1/conditions/0/type"}},
		{"empty arguments", flow(`{"name":"first","type":"split-based-on","properties":{"input":"{{trigger.call.From}}"},"transitions":[{"event":"noMatch","next":"bye"},{"event":"match","next":"bye","conditions":[{"friendly_name":"x","arguments":[],"type":"equal_to","value":"1"}]}]}`, sayBye),
			Problem{"there must be a minimum of 1 items in the array", "#/states/1/transitions/1/conditions/0/arguments"}},
		{"match without conditions", flow(`{"name":"first","type":"split-based-on","properties":{"input":"{{trigger.call.From}}"},"transitions":[{"event":"noMatch","next":"bye"},{"event":"match","next":"bye"}]}`, sayBye),
			Problem{"a match transition needs at least one condition", "#/states/1/transitions/1/conditions"}},
		{"duplicate name", flow(`{"name":"first","type":"say-play","properties":{"say":"hi"},"transitions":[{"event":"audioComplete"}]}`, `{"name":"first","type":"say-play","properties":{"say":"again"},"transitions":[{"event":"audioComplete"}]}`),
			Problem{`duplicate widget name "first" (also #/states/1); widget names must be unique`, "#/states/2/name"}},
		{"name with space", flow(`{"name":"first","type":"say-play","properties":{"say":"hi"},"transitions":[{"event":"audioComplete","next":"say it"}]}`, `{"name":"say it","type":"say-play","properties":{"say":"x"},"transitions":[{"event":"audioComplete"}]}`),
			Problem{`"say it" does not match the pattern ^[A-Za-z][^\s.]*$`, "#/states/2/name"}},
		{"name with period", flow(`{"name":"first","type":"say-play","properties":{"say":"hi"},"transitions":[{"event":"audioComplete","next":"a.b"}]}`, `{"name":"a.b","type":"say-play","properties":{"say":"x"},"transitions":[{"event":"audioComplete"}]}`),
			Problem{`"a.b" does not match the pattern ^[A-Za-z][^\s.]*$`, "#/states/2/name"}},
		{"name starts with digit", flow(`{"name":"first","type":"say-play","properties":{"say":"hi"},"transitions":[{"event":"audioComplete","next":"1st"}]}`, `{"name":"1st","type":"say-play","properties":{"say":"x"},"transitions":[{"event":"audioComplete"}]}`),
			Problem{`"1st" does not match the pattern ^[A-Za-z][^\s.]*$`, "#/states/2/name"}},
		{"initial state not trigger", strings.Replace(flow(sayBye), `"initial_state":"Trigger"`, `"initial_state":"bye"`, 1),
			Problem{`names widget "bye" of type say-play; it must name the trigger widget`, "#/initial_state"}},
		{"initial state missing", strings.Replace(flow(sayBye), `"initial_state":"Trigger"`, `"initial_state":"Start"`, 1),
			Problem{`names widget "Start", which does not exist`, "#/initial_state"}},
		{"no initial state", strings.Replace(flow(sayBye), `"initial_state":"Trigger",`, ``, 1),
			Problem{"is missing but it is required", "#/initial_state"}},
		{"wrong JSON type", flow(`{"name":"first","type":"gather-input-on-call","properties":{"say":"hi","profanity_filter":true},"transitions":[{"event":"keypress","next":"bye"},{"event":"speech","next":"bye"},{"event":"timeout","next":"bye"}]}`, sayBye),
			Problem{"boolean found, string expected", "#/states/1/properties/profanity_filter"}},
		{"integer where Studio wants a string", flow(`{"name":"first","type":"add-twiml-redirect","properties":{"url":"https://example.com/twiml","timeout":14400},"transitions":[{"event":"return","next":"bye"},{"event":"timeout","next":"bye"},{"event":"fail","next":"bye"}]}`, sayBye),
			Problem{"integer found, string expected", "#/states/1/properties/timeout"}},
		{"loop below range", flow(`{"name":"first","type":"say-play","properties":{"say":"hi","loop":0},"transitions":[{"event":"audioComplete"}]}`),
			Problem{"must have a minimum value of 1", "#/states/1/properties/loop"}},
		{"unknown widget type", flow(`{"name":"first","type":"teleport","properties":{},"transitions":[]}`),
			Problem{`"teleport" does not have a value in the enumeration [add-member-to-chat-channel, add-twiml-redirect, capture-payments, connect-call-to, connect-virtual-agent, connect-virtual-agent-v2, create-chat-channel, create-task, enqueue-call, fork-stream, gather-input-on-call, make-http-request, make-outgoing-call-v1, make-outgoing-call-v2, record-call, record-voicemail, resume-conversation, run-conversation-relay, run-function, run-function-v2, run-subflow, say-play, send-and-wait-for-reply, send-message, send-to-auto-pilot, send-to-flex, set-variables, split-based-on, start-conversation, trigger, understand, update-sync-object]`, "#/states/1/type"}},
		{"flags without allow_concurrent_calls", strings.Replace(flow(sayBye), `"flags":{"allow_concurrent_calls":true}`, `"flags":{}`, 1),
			Problem{"is missing but it is required", "#/flags/allow_concurrent_calls"}},
		{"liquid subflow sid", flow(`{"name":"first","type":"run-subflow","properties":{"flow_sid":"{{flow.variables.sid}}","flow_revision":"LatestPublished"},"transitions":[{"event":"completed","next":"bye"},{"event":"failed","next":"bye"}]}`, sayBye),
			Problem{`"{{flow.variables.sid}}" does not match the pattern ^FW[0-9a-fA-F]{32}$`, "#/states/1/properties/flow_sid"}},
		{"subflow revisions differ", flow(
			`{"name":"first","type":"run-subflow","properties":{"flow_sid":"FW0123456789abcdef0123456789abcdef","flow_revision":"LatestPublished"},"transitions":[{"event":"completed","next":"second"},{"event":"failed","next":"bye"}]}`,
			`{"name":"second","type":"run-subflow","properties":{"flow_sid":"FW0123456789abcdef0123456789abcdef","flow_revision":"3"},"transitions":[{"event":"completed","next":"bye"},{"event":"failed","next":"bye"}]}`, sayBye),
			Problem{`subflow FW0123456789abcdef0123456789abcdef is called with revision "3" here and "LatestPublished" in widget "first"; every call of one subflow must use the same revision`, "#/states/2/properties/flow_revision"}},
		{"send and wait after concurrent call", flow(`{"name":"first","type":"send-and-wait-for-reply","properties":{"from":"{{flow.channel.address}}","body":"hi","timeout":"3600"},"transitions":[{"event":"incomingMessage"},{"event":"timeout"},{"event":"deliveryFailure"}]}`),
			Problem{"send-and-wait-for-reply cannot follow the incomingCall trigger while flags.allow_concurrent_calls is true", "#/states/1/type"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := Validate([]byte(c.in))
			require.Contains(t, r.Errors, c.want, "errors: %v", r.Errors)
			require.False(t, r.Valid())
		})
	}
}

func TestValidateLimits(t *testing.T) {
	widgets := func(n int) []byte {
		states := []string{`{"name":"first","type":"set-variables","properties":{"variables":[]},"transitions":[{"event":"next"}]}`}
		for i := 0; i < n-2; i++ { // and the trigger
			states = append(states, `{"name":"s`+itoa(i)+`","type":"set-variables","properties":{"variables":[]},"transitions":[{"event":"next"}]}`)
		}
		return []byte(flow(states...))
	}
	t.Run("2,000 widgets", func(t *testing.T) {
		r := Validate(widgets(2000))
		require.True(t, r.Valid(), "%v", r.Errors)
	})
	t.Run("2,001 widgets", func(t *testing.T) {
		r := Validate(widgets(2001))
		require.Equal(t, []Problem{{"there must be a maximum of 2000 items in the array", "#/states"}}, r.Errors)
	})
	t.Run("1 MB", func(t *testing.T) {
		big := flow(`{"name":"first","type":"say-play","properties":{"say":"` + strings.Repeat("a", MaxDefinitionSize) + `"},"transitions":[{"event":"audioComplete"}]}`)
		r := Validate([]byte(big))
		require.Len(t, r.Errors, 1)
		require.Contains(t, r.Errors[0].Message, "at most 1048576 (1 MB)")
	})
	t.Run("151 run-subflow widgets", func(t *testing.T) {
		var states []string
		for i := 0; i < 151; i++ {
			states = append(states, `{"name":"s`+itoa(i)+`","type":"run-subflow","properties":{"flow_sid":"FW0123456789abcdef0123456789abcdef","flow_revision":"LatestPublished"},"transitions":[{"event":"completed"},{"event":"failed"}]}`)
		}
		r := Validate([]byte(flow(states...)))
		require.Contains(t, r.Errors, Problem{"a flow may hold at most 150 run-subflow widgets", "#/states/151"})
	})
	t.Run("51 distinct subflows", func(t *testing.T) {
		var states []string
		for i := 0; i < 51; i++ {
			sid := "FW" + strings.Repeat("0", 30) + hex2(i)
			states = append(states, `{"name":"s`+itoa(i)+`","type":"run-subflow","properties":{"flow_sid":"`+sid+`","flow_revision":"1"},"transitions":[{"event":"completed"},{"event":"failed"}]}`)
		}
		r := Validate([]byte(flow(states...)))
		require.Contains(t, r.Errors, Problem{"a flow may call at most 50 distinct subflows", "#/states/51/properties/flow_sid"})
	})
}

func TestValidateWarnings(t *testing.T) {
	cases := []struct {
		name string
		in   string
		want Problem
	}{
		{"unreachable widget", flow(strings.Replace(sayBye, `"bye"`, `"first"`, 1), `{"name":"orphan","type":"say-play","properties":{"say":"x"},"transitions":[{"event":"audioComplete"}]}`),
			Problem{`widget "orphan" is not reachable from the trigger; it never runs`, "#/states/2"}},
		{"gather timeout ends the call", flow(`{"name":"first","type":"gather-input-on-call","properties":{"say":"Press 1"},"transitions":[{"event":"keypress","next":"bye"},{"event":"speech","next":"bye"},{"event":"timeout"}]}`, sayBye),
			Problem{"on a call, first.timeout ends the call without a word: the caller hears silence and the line drops", "#/states/1/transitions/2"}},
		{"split after a gather ends the call", flow(
			`{"name":"first","type":"gather-input-on-call","properties":{"say":"Press 1"},"transitions":[{"event":"keypress","next":"menu"},{"event":"speech","next":"bye"},{"event":"timeout","next":"bye"}]}`,
			`{"name":"menu","type":"split-based-on","properties":{"input":"{{widgets.first.Digits}}"},"transitions":[{"event":"noMatch"},{"event":"match","next":"bye","conditions":[{"friendly_name":"1","arguments":["{{widgets.first.Digits}}"],"type":"equal_to","value":"1"}]}]}`, sayBye),
			Problem{"on a call, menu.noMatch ends the call without a word: the caller hears silence and the line drops", "#/states/2/transitions/0"}},
		{"liquid printed as text", flow(`{"name":"first","type":"say-play","properties":{"say":"Hello {{ trigger.call.From "},"transitions":[{"event":"audioComplete"}]}`),
			Problem{`Liquid markup "{{ trigger.call.From " is never closed with "}}"; it is printed as text`, "#/states/1/properties/say"}},
		{"liquid block without end", flow(`{"name":"first","type":"say-play","properties":{"say":"{% if trigger.call.From %}hi"},"transitions":[{"event":"audioComplete"}]}`),
			Problem{"", "#/states/1/properties/say"}},
		{"reference to a missing widget", flow(`{"name":"first","type":"say-play","properties":{"say":"You pressed {{widgets.gather_1.Digits}}"},"transitions":[{"event":"audioComplete"}]}`),
			Problem{`refers to widgets.gather_1, but the flow has no widget named "gather_1"`, "#/states/1/properties/say"}},
		{"unknown property", flow(`{"name":"first","type":"say-play","properties":{"say":"hi","volume":"11"},"transitions":[{"event":"audioComplete"}]}`),
			Problem{`say-play has no property "volume"; Studio may reject it and it is not used here`, "#/states/1/properties/volume"}},
		{"regex that does not compile", flow(`{"name":"first","type":"split-based-on","properties":{"input":"{{trigger.call.From}}"},"transitions":[{"event":"noMatch","next":"bye"},{"event":"match","next":"bye","conditions":[{"friendly_name":"x","arguments":["{{trigger.call.From}}"],"type":"regex","value":"([0-9"}]}]}`, sayBye),
			Problem{"", "#/states/1/transitions/1/conditions/0/value"}},
		{"run-function without url", flow(`{"name":"first","type":"run-function","properties":{"service_sid":"default","parameters":[]},"transitions":[{"event":"success","next":"bye"},{"event":"fail","next":"bye"}]}`, sayBye),
			Problem{"run-function has no url: every run fails (no Function URL) and takes fail", "#/states/1/properties/url"}},
		{"run-function-v2 with a blank url", flow(`{"name":"first","type":"run-function-v2","properties":{"url":"  "},"transitions":[{"event":"success","next":"bye"},{"event":"fail","next":"bye"}]}`, sayBye),
			Problem{"run-function-v2 has no url: every run fails (no Function URL) and takes fail", "#/states/1/properties/url"}},
		{"cloud-only widget", flow(`{"name":"first","type":"send-to-flex","properties":{"workflow":"WW0123456789abcdef0123456789abcdef","channel":"TC0123456789abcdef0123456789abcdef"},"transitions":[{"event":"callComplete"},{"event":"failedToEnqueue","next":"bye"},{"event":"callFailure","next":"bye"}]}`, sayBye),
			Problem{"send-to-flex needs a Twilio cloud service; offline it takes its failure transition", "#/states/1/type"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := Validate([]byte(c.in))
			require.Empty(t, r.Errors)
			found := false
			for _, w := range r.Warnings {
				if w.PropertyPath == c.want.PropertyPath && (c.want.Message == "" || w.Message == c.want.Message) {
					found = true
				}
			}
			require.True(t, found, "want %v in %v", c.want, r.Warnings)
		})
	}

	t.Run("a goodbye then an end is not silent", func(t *testing.T) {
		r := Validate([]byte(flow(`{"name":"first","type":"say-play","properties":{"say":"bye"},"transitions":[{"event":"audioComplete","next":"sms"}]}`,
			`{"name":"sms","type":"send-message","properties":{"from":"a","to":"b","body":"c"},"transitions":[{"event":"sent"},{"event":"failed"}]}`)))
		require.True(t, r.Valid(), "%v", r.Errors)
		require.Empty(t, r.Warnings)
	})
}

func TestValidateNeverPanics(t *testing.T) {
	for _, in := range []string{"", "null", "[]", "{}", `{"states":null}`, `{"initial_state":"T","states":[null]}`,
		`{"initial_state":"T","states":[{"name":"T","type":"trigger","properties":[],"transitions":{}}]}`,
		`{"initial_state":"T","states":[{"name":"T","type":"trigger","properties":{},"transitions":[{"event":5}]}]}`,
		`{"initial_state":"T","states":[{"name":"T","type":"trigger","properties":{},"transitions":[null]}]}`} {
		r := Validate([]byte(in))
		require.False(t, r.Valid(), in)
		for _, e := range r.Errors {
			require.True(t, strings.HasPrefix(e.PropertyPath, "#"), in)
			require.NotEmpty(t, e.Message, in)
		}
	}
}

func itoa(i int) string { return strconv.Itoa(i) }

func hex2(i int) string { return string("0123456789abcdef"[i/16]) + string("0123456789abcdef"[i%16]) }

// TestProblemsAreOneLine: messages that quote templates, regexes or names
// with newlines and other control characters carry them escaped, so that
// every problem prints on one line.
func TestProblemsAreOneLine(t *testing.T) {
	in := flow(
		`{"name":"first","type":"say-play","properties":{"say":"{% if a\n== %}x{% endif %}"},"transitions":[{"event":"audioComplete","next":"menu"}]}`,
		`{"name":"menu","type":"split-based-on","properties":{"input":"{{trigger.call.From}}"},"transitions":[{"event":"noMatch","next":"bye"},{"event":"match","next":"bye\u001b[31m","conditions":[{"friendly_name":"x","arguments":["{{trigger.call.From}}"],"type":"regex","value":"[0-9\r\n"}]}]}`,
		sayBye)
	r := Validate([]byte(in))
	want := map[string]string{
		"#/states/1/properties/say":                   `in {% if a\n== %}`,
		"#/states/2/transitions/1/conditions/0/value": `\r\n`,
		"#/states/2/transitions/1/next":               `"bye\x1b[31m"`,
	}
	seen := map[string]bool{}
	for _, p := range append(r.Errors, r.Warnings...) {
		require.NotRegexp(t, `[\x00-\x1f\x7f\x{80}-\x{9f}\x{2028}\x{2029}]`, p.Message, "%s", p.PropertyPath)
		if w, ok := want[p.PropertyPath]; ok && strings.Contains(p.Message, w) {
			seen[p.PropertyPath] = true
		}
	}
	for path, w := range want {
		require.True(t, seen[path], "no problem at %s containing %s in %v %v", path, w, r.Errors, r.Warnings)
	}
}

// TestNullConditionArgumentIsValid: real Studio exports carry "arguments":
// [null] in split conditions; Studio accepts its own exports, so Flow Validate
// must too (and fmt keeps the null, TestFormatLossless).
func TestNullConditionArgumentIsValid(t *testing.T) {
	def := `{"description":"x","initial_state":"Trigger","flags":{"allow_concurrent_calls":true},"states":[` +
		`{"name":"Trigger","type":"trigger","transitions":[{"event":"incomingMessage","next":"S"}],"properties":{}},` +
		`{"name":"S","type":"split-based-on","transitions":[{"event":"noMatch"},{"event":"match","conditions":[{"friendly_name":"If value is_blank","arguments":[null],"type":"is_blank","value":"Value"}]}],"properties":{"input":"{{trigger.message.Body}}"}}]}`
	r := Validate([]byte(def))
	if !r.Valid() {
		t.Fatalf("a null condition argument is reported invalid: %+v", r.Errors)
	}
}
