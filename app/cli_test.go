package app

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func runCLI(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	code = run(context.Background(), args, nil, &out, &errb)
	return code, out.String(), errb.String()
}

func writeFile(t *testing.T, name, body string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	require.NoError(t, os.WriteFile(p, []byte(body), 0o644))
	return p
}

const validFlow = `{"description":"x","states":[{"name":"Trigger","type":"trigger","properties":{"offset":{"x":0,"y":0}},"transitions":[{"event":"incomingMessage","next":"reply"}]},{"name":"reply","type":"send-message","properties":{"from":"{{flow.channel.address}}","to":"{{contact.channel.address}}","body":"hi","offset":{"x":1,"y":2}},"transitions":[{"event":"sent"},{"event":"failed"}]}],"initial_state":"Trigger","flags":{"allow_concurrent_calls":true}}`

func TestFlowValidate(t *testing.T) {
	good := writeFile(t, "good.json", validFlow)
	bad := writeFile(t, "bad.json", strings.Replace(validFlow, `"event":"sent"}`, `"event":"sent","next":"gone"}`, 1))
	broken := writeFile(t, "broken.json", "{\n  \"states\": [\n")

	code, out, _ := runCLI(t, "flow", "validate", good)
	require.Equal(t, 0, code, out)
	require.Equal(t, "1 file: 0 invalid, 0 errors, 0 warnings\n", out)

	code, out, _ = runCLI(t, "flow", "validate", good, bad)
	require.Equal(t, 1, code)
	require.Equal(t, bad+`: #/states/1/transitions/0/next: transition reply.sent leads to widget "gone", which does not exist`+"\n"+
		"2 files: 1 invalid, 1 error, 0 warnings\n", out)

	// -q prints nothing; the exit status says it all.
	code, out, errs := runCLI(t, "flow", "validate", "-q", good, bad)
	require.Equal(t, 1, code)
	require.Empty(t, out+errs)
	code, out, _ = runCLI(t, "flow", "validate", "--quiet", good)
	require.Equal(t, 0, code)
	require.Empty(t, out)

	code, out, _ = runCLI(t, "flow", "validate", broken)
	require.Equal(t, 1, code)
	require.Contains(t, out, broken+": #: line 3, column 1: JSON syntax error")

	code, out, _ = runCLI(t, "flow", "validate", filepath.Join(t.TempDir(), "missing.json"))
	require.Equal(t, 1, code)
	require.Contains(t, out, "cannot read")
	require.True(t, strings.HasSuffix(out, "\n1 file: 1 invalid, 1 error, 0 warnings\n"), out)

	// Warnings count; --errors-only hides their lines, not the count.
	warn := writeFile(t, "warn.json", strings.Replace(validFlow, `],"initial_state"`,
		`,{"name":"orphan","type":"send-message","properties":{"from":"{{flow.channel.address}}","to":"{{contact.channel.address}}","body":"never sent","offset":{"x":1,"y":400}},"transitions":[{"event":"sent"},{"event":"failed"}]}],"initial_state"`, 1))
	code, out, _ = runCLI(t, "flow", "validate", warn)
	require.Equal(t, 0, code, out)
	require.Contains(t, out, warn+": #/states/2: warning: ")
	require.True(t, strings.HasSuffix(out, "\n1 file: 0 invalid, 0 errors, 1 warning\n"), out)
	code, out, _ = runCLI(t, "flow", "validate", "--errors-only", warn, bad)
	require.Equal(t, 1, code)
	require.NotContains(t, out, "warning:")
	require.True(t, strings.HasSuffix(out, "\n2 files: 1 invalid, 1 error, 1 warning\n"), out)

	code, _, _ = runCLI(t, "flow", "validate")
	require.Equal(t, 2, code, "no file is a usage error")
}

// TestFlowValidateOneLine: one problem, one line, even when the message
// quotes a template with a newline or a name with a terminal escape.
func TestFlowValidateOneLine(t *testing.T) {
	body := strings.Replace(validFlow, `"body":"hi"`, `"body":"{% if a\n== %}x{% endif %}"`, 1)
	body = strings.Replace(body, `"event":"sent"}`, `"event":"sent","next":"gone\r\n\u001b[31m"}`, 1)
	body = strings.Replace(body, `"body":`, `"x\ny":"z","body":`, 1)
	file := writeFile(t, "ctl.json", body)
	code, out, _ := runCLI(t, "flow", "validate", file)
	require.Equal(t, 1, code)
	lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	require.Len(t, lines, 4, out) // three problems and the summary
	require.Equal(t, "1 file: 1 invalid, 1 error, 2 warnings", lines[3])
	require.Equal(t, file+`: #/states/1/properties/x\ny: warning: send-message has no property "x\ny"; Studio may reject it and it is not used here`, lines[2])
	require.Equal(t, file+`: #/states/1/transitions/0/next: transition reply.sent leads to widget "gone\r\n\x1b[31m", which does not exist`, lines[0])
	require.True(t, strings.HasPrefix(lines[1], file+": #/states/1/properties/body: warning: Liquid does not parse: "), lines[1])
	require.Contains(t, lines[1], `in {% if a\n== %}`)
}

func TestFlowValidateCorpus(t *testing.T) {
	files, _ := filepath.Glob("../../shared/flows/corpus/*.json")
	if len(files) == 0 {
		t.Skip("no corpus")
	}
	defective := "../../shared/flows/corpus/twilio-labs__function-templates__vaccine-standby-list__assets__sms-studio-flow.json"
	var good []string
	for _, f := range files {
		if f != defective {
			good = append(good, f)
		}
	}
	code, out, _ := runCLI(t, append([]string{"flow", "validate", "--errors-only"}, good...)...)
	require.Equal(t, 0, code, out)
	require.Regexp(t, fmt.Sprintf(`^%d files: 0 invalid, 0 errors, \d+ warnings\n$`, len(good)), out)
	code, out, _ = runCLI(t, "flow", "validate", "-e", defective)
	require.Equal(t, 1, code)
	require.Equal(t, defective+`: #/states/13/transitions/0/next: transition Goodbye.sent leads to widget "SaveToAirtable", which does not exist`+"\n", strings.SplitAfter(out, "\n")[0])
}

func TestFlowFmt(t *testing.T) {
	in := writeFile(t, "in.json", `{"flags":{"allow_concurrent_calls":true},"initial_state":"Trigger","states":[{"properties":{"offset":{"y":0,"x":0}},"transitions":[],"type":"trigger","name":"Trigger","x-note":"kept"}]}`)
	code, out, errs := runCLI(t, "flow", "fmt", in)
	require.Equal(t, 0, code, errs)
	want := `{
  "states": [
    {
      "name": "Trigger",
      "type": "trigger",
      "transitions": [],
      "properties": {
        "offset": {
          "x": 0,
          "y": 0
        }
      },
      "x-note": "kept"
    }
  ],
  "initial_state": "Trigger",
  "flags": {
    "allow_concurrent_calls": true
  }
}
`
	require.Equal(t, want, out)

	bad := writeFile(t, "bad.json", "module.exports = {}")
	code, _, errs = runCLI(t, "flow", "fmt", bad)
	require.Equal(t, 1, code)
	require.Contains(t, errs, "not JSON: looks like a template")
}

// decodeExact decodes JSON as generic values with numbers kept as written.
func decodeExact(t *testing.T, b []byte) any {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var v any
	require.NoError(t, dec.Decode(&v))
	return v
}

// fmtExact runs `flow fmt` on in and checks that it is lossless: its output
// decodes to the same values as in (value-exact), and fmt of the output is
// the output byte for byte (byte-exact).
func fmtExact(t *testing.T, in []byte) string {
	t.Helper()
	code, out, errs := runCLI(t, "flow", "fmt", writeFile(t, "in.json", string(in)))
	require.Equal(t, 0, code, errs)
	require.Equal(t, decodeExact(t, in), decodeExact(t, []byte(out)), "fmt changed a value")
	code, again, errs := runCLI(t, "flow", "fmt", writeFile(t, "out.json", out))
	require.Equal(t, 0, code, errs)
	require.Equal(t, out, again, "fmt of canonical form changed it")
	return out
}

// TestFlowFmtCorpus: fmt is lossless on every corpus flow.
func TestFlowFmtCorpus(t *testing.T) {
	files, _ := filepath.Glob("../../shared/flows/corpus/*.json")
	if len(files) == 0 {
		t.Skip("no corpus")
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			in, err := os.ReadFile(f)
			require.NoError(t, err)
			fmtExact(t, in)
		})
	}
}

// TestFlowFmtKeepsNull: real exports carry "arguments": [null]; fmt keeps it.
func TestFlowFmtKeepsNull(t *testing.T) {
	out := fmtExact(t, []byte(`{"initial_state":"T","states":[{"name":"T","type":"trigger","properties":{},"transitions":[{"event":"incomingMessage","next":"S"}]},`+
		`{"name":"S","type":"split-based-on","properties":{"input":"{{trigger.message.Body}}"},"transitions":[{"event":"noMatch"},`+
		`{"event":"match","conditions":[{"friendly_name":"If value is_blank","arguments":[null],"type":"is_blank","value":"Is Blank"}]}]}]}`))
	require.Contains(t, out, "\"arguments\": [\n                null\n              ]")
}

func TestVersion(t *testing.T) {
	Version = "1.2.3-test"
	defer func() { Version = "" }()
	code, out, _ := runCLI(t, "version")
	require.Equal(t, 0, code)
	require.Equal(t, "switchboard 1.2.3-test\n", out)
}

func TestFlagsExist(t *testing.T) {
	for _, f := range []string{"--data", "--http", "--sip"} {
		code, out, _ := runCLI(t, "serve", "--help")
		require.Equal(t, 0, code)
		require.Contains(t, out, f)
	}
	code, _, errs := runCLI(t, "serve", "--http", "nonsense", "--data", t.TempDir())
	require.Equal(t, 2, code)
	require.Contains(t, errs, "invalid configuration: --http")

	code, out, _ := runCLI(t, "serve", "--help")
	require.Equal(t, 0, code)
	require.Contains(t, out, "--retention-basis")
	require.Contains(t, out, `(default "started")`)
	code, _, errs = runCLI(t, "serve", "--retention-basis", "finished", "--data", t.TempDir())
	require.Equal(t, 2, code)
	require.Contains(t, errs, `invalid configuration: --retention-basis "finished": must be started or ended`)
}
