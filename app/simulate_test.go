package app

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestFlowTestDemo(t *testing.T) {
	code, out, _ := runCLI(t, "flow", "test", "demo/demo-ivr.json")
	require.Equal(t, 0, code, out)
	require.Contains(t, out, "5 passed, 0 failed")
}

// TestFlowTestFindsItsFlow: given only a test file, flow test runs the
// flow its "flow" field names (relative to the test file), else the flow
// beside it (X.test.json tests X.json), else says what it needs.
func TestFlowTestFindsItsFlow(t *testing.T) {
	code, out, errs := runCLI(t, "flow", "test", "demo/demo-ivr.test.json")
	require.Equal(t, 0, code, out+errs)
	require.Contains(t, out, "5 passed, 0 failed")

	dir := t.TempDir()
	require.NoError(t, os.MkdirAll(filepath.Join(dir, "flows"), 0o755))
	require.NoError(t, os.MkdirAll(filepath.Join(dir, "tests"), 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "flows", "reply.json"), []byte(validFlow), 0o644))
	named := filepath.Join(dir, "tests", "reply-tests.json")
	require.NoError(t, os.WriteFile(named, []byte(`{"flow": "../flows/reply.json", "tests": [
		{"name": "replies hi", "trigger": "message", "expect": {"messages": ["hi"], "ended": true}}]}`), 0o644))
	code, out, errs = runCLI(t, "flow", "test", named)
	require.Equal(t, 0, code, out+errs)
	require.Contains(t, out, "PASS "+named+": replies hi")
	require.Contains(t, out, "1 passed, 0 failed")

	// Two test files for different flows, each with its own.
	code, out, errs = runCLI(t, "flow", "test", named, "demo/demo-ivr.test.json")
	require.Equal(t, 0, code, out+errs)
	require.Contains(t, out, "6 passed, 0 failed")

	lost := filepath.Join(dir, "tests", "lost.json")
	require.NoError(t, os.WriteFile(lost, []byte(`{"tests": [{"name": "x", "trigger": "message"}]}`), 0o644))
	code, out, errs = runCLI(t, "flow", "test", lost)
	require.Equal(t, 1, code)
	require.Contains(t, out+errs, lost+`: no flow to test: the file has no "flow" field (the flow's path, relative to the test file); add one, or run: switchboard flow test FLOW.json `+lost)

	orphan := filepath.Join(dir, "tests", "orphan.test.json")
	require.NoError(t, os.WriteFile(orphan, []byte(`{"tests": [{"name": "x", "trigger": "message"}]}`), 0o644))
	code, out, errs = runCLI(t, "flow", "test", orphan)
	require.Equal(t, 1, code)
	require.Contains(t, out+errs, orphan+`: no flow to test: the file has no "flow" field (the flow's path, relative to the test file) and there is no orphan.json beside it; add one, or run: switchboard flow test FLOW.json `+orphan)

	gone := filepath.Join(dir, "tests", "gone.json")
	require.NoError(t, os.WriteFile(gone, []byte(`{"flow": "nope.json", "tests": [{"name": "x", "trigger": "message"}]}`), 0o644))
	code, out, errs = runCLI(t, "flow", "test", gone)
	require.Equal(t, 1, code)
	require.Contains(t, out+errs, gone+`: flow "nope.json": `)
}

func TestFlowTestReportsFailures(t *testing.T) {
	tests := writeFile(t, "wrong.test.json", `{"tests":[{"name":"wrong path","trigger":"message","expect":{"path":["Trigger","nowhere"],"messages":["nope"]}}]}`)
	code, out, _ := runCLI(t, "flow", "test", "demo/demo-ivr.json", tests)
	require.Equal(t, 1, code)
	require.Contains(t, out, "FAIL "+tests+": wrong path")
	require.Contains(t, out, `path: want [Trigger nowhere], got [Trigger auto_reply]`)
	require.Contains(t, out, "0 passed, 1 failed")

	bad := writeFile(t, "bad.test.json", `{"tests":[{"name":"x","trigger":"fax"}]}`)
	code, out, _ = runCLI(t, "flow", "test", "demo/demo-ivr.json", bad)
	require.Equal(t, 1, code)
	require.Contains(t, out, "#/tests/0/trigger")
}

func TestSimulateScriptedCall(t *testing.T) {
	script := filepath.Join(t.TempDir(), "answers.txt")
	require.NoError(t, os.WriteFile(script, []byte("2\n/recorded 7\n"), 0o644))
	code, out, errs := runCLI(t, "simulate", "demo/demo-ivr.json", "--script", script)
	require.Equal(t, 0, code, errs)
	for _, want := range []string{
		"incomingCall from +15550001111",
		"flow says: Welcome to the branch office.",
		"you pressed 2",
		"flow says: Please leave your message after the tone",
		"[recording, up to 120s]",
		"flow says: Thank you. We will call you back. Goodbye.",
		"ended: completed",
	} {
		require.Contains(t, out, want)
	}
}

func TestSimulateInteractiveChat(t *testing.T) {
	cmd := newRoot(nil)
	var out strings.Builder
	cmd.SetArgs([]string{"simulate", "demo/demo-ivr.json", "--channel", "message"})
	cmd.SetIn(strings.NewReader(""))
	cmd.SetOut(&out)
	require.NoError(t, cmd.Execute())
	require.Contains(t, out.String(), "flow> Thanks for your message.")
}

// TestSimulateConversation: a flow that starts on incomingConversationMessage
// runs under simulate, chosen by --channel conversation or, when it is the
// only event the trigger wires, by default; trigger.conversation.* is set.
func TestSimulateConversation(t *testing.T) {
	script := filepath.Join(t.TempDir(), "answers.txt")
	require.NoError(t, os.WriteFile(script, []byte("A-1234\n"), 0o644))
	for _, args := range [][]string{
		{"simulate", "testdata/conversation.json", "--script", script},
		{"simulate", "testdata/conversation.json", "--script", script, "--channel", "conversation"},
	} {
		t.Run(strings.Join(args[2:], " "), func(t *testing.T) {
			code, out, errs := runCLI(t, args...)
			require.Equal(t, 0, code, errs+out)
			for _, want := range []string{
				"── incomingConversationMessage from +15550001111 to +15550002222",
				`flow> Hi +15550001111, you wrote "hi" in CH. Your order number?`,
				"you> A-1234",
				"flow> Order A-1234 is on its way.",
				"ended: completed",
			} {
				require.Contains(t, out, want)
			}
		})
	}
	code, _, errs := runCLI(t, "simulate", "testdata/conversation.json", "--channel", "fax")
	require.Equal(t, 2, code)
	require.Contains(t, errs, "call, message, conversation or request")
}

// TestSimulateCorpusConversation runs a real webchat flow that starts on
// incomingConversationMessage.
func TestSimulateCorpusConversation(t *testing.T) {
	file := "../../shared/flows/corpus/twilio__twilio-webchat-react-app__studio-flow.json"
	if _, err := os.Stat(file); err != nil {
		t.Skip("no corpus")
	}
	code, out, errs := runCLI(t, "simulate", file, "--channel", "conversation", "--auto")
	require.Equal(t, 0, code, errs+out)
	require.Contains(t, out, "── incomingConversationMessage from")
	require.Contains(t, out, "ended: completed")
}

// TestSimulateExitCode: simulate exits 1 when the execution ends on a limit
// (81000/81001) or an error, 0 when it completes; --auto walks a survey
// that only goes on with the answers its splits test for.
func TestSimulateExitCode(t *testing.T) {
	cases := []struct {
		args []string
		code int
		want string
	}{
		{[]string{"simulator/testdata/loop.json", "--auto"}, 1, "ended: step limit"},
		{[]string{"testdata/widget-loop.json", "--auto"}, 1, "ended: widget loop limit"},
		{[]string{"testdata/missing-widget.json", "--auto"}, 1, "ended: error"},
		{[]string{"simulator/testdata/survey.json", "--auto", "--channel", "message"}, 0, "flow> Thank you!"},
		{[]string{"simulator/testdata/survey.json", "--auto", "--channel", "call"}, 0, "flow says: Connecting you to sales. Goodbye."},
	}
	for _, c := range cases {
		t.Run(strings.Join(c.args, " "), func(t *testing.T) {
			code, out, errs := runCLI(t, append([]string{"simulate"}, c.args...)...)
			require.Equal(t, c.code, code, errs+out)
			require.Contains(t, out, c.want)
		})
	}
}
