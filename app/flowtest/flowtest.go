// Package flowtest runs flow tests: files that start a flow with a trigger,
// answer its waits with a script, answer its HTTP requests from mocks and
// check the path, messages, prompts and variables (format:
// schema/flowtest.json). Each test runs against the real runner, engine and
// a scratch SQLite store.
package flowtest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"reflect"
	"sort"
	"strings"

	"github.com/switchboard/switchboard/app/runner"
	"github.com/switchboard/switchboard/app/simulator"
	"github.com/switchboard/switchboard/app/store"
	"github.com/switchboard/switchboard/engine"
	"github.com/switchboard/switchboard/schema"
)

// ErrInvalidFile is wrapped when a test file does not follow the format.
var ErrInvalidFile = errors.New("invalid flow test file")

// File is a flow-test file.
type File struct {
	// Flow is the path of the flow definition the tests run against,
	// relative to the test file; flow test uses it when it is given only
	// test files.
	Flow  string `json:"flow,omitempty"`
	Tests []Test `json:"tests"`
}

// Test is one test.
type Test struct {
	Name       string         `json:"name"`
	Trigger    string         `json:"trigger"`
	From       string         `json:"from,omitempty"`
	To         string         `json:"to,omitempty"`
	Body       *string        `json:"body,omitempty"`
	Parameters map[string]any `json:"parameters,omitempty"`
	TestUser   bool           `json:"test_user,omitempty"`
	Inputs     []string       `json:"inputs,omitempty"`
	HTTP       []Mock         `json:"http,omitempty"`
	Expect     Expect         `json:"expect"`
}

// Mock is a canned HTTP answer.
type Mock struct {
	Method      string          `json:"method,omitempty"`
	URL         string          `json:"url"`
	Status      int             `json:"status,omitempty"`
	ContentType string          `json:"content_type,omitempty"`
	Body        json.RawMessage `json:"body,omitempty"`
}

// Expect is what a test checks; nil fields are not checked.
type Expect struct {
	Path      []string                  `json:"path,omitempty"`
	Messages  []string                  `json:"messages,omitempty"`
	Says      []string                  `json:"says,omitempty"`
	Variables map[string]any            `json:"variables,omitempty"`
	Widgets   map[string]map[string]any `json:"widgets,omitempty"`
	Ended     *bool                     `json:"ended,omitempty"`
	EndReason string                    `json:"end_reason,omitempty"`
}

// Outcome is one test's result.
type Outcome struct {
	Name       string
	Failures   []string
	Checks     []Check // every expectation checked, passed or not, in order
	Transcript string
}

// Check is one expectation's result: Expectation names it as the file does
// (path, says, messages, flow.variables.X, widgets.W.K, ended, end_reason);
// Reason says why it failed.
type Check struct {
	Expectation string `json:"expectation"`
	Passed      bool   `json:"passed"`
	Reason      string `json:"reason,omitempty"`
}

// Passed reports whether the test passed.
func (o Outcome) Passed() bool { return len(o.Failures) == 0 }

// ReadFile reads and checks a test file.
func ReadFile(path string) (*File, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	if probs := schema.CheckFlowTests(b); len(probs) > 0 {
		var msgs []string
		for _, p := range probs {
			msgs = append(msgs, p.String())
		}
		return nil, fmt.Errorf("%w %s: %s", ErrInvalidFile, path, strings.Join(msgs, "; "))
	}
	var f File
	if err := json.Unmarshal(b, &f); err != nil {
		return nil, fmt.Errorf("%w %s: %v", ErrInvalidFile, path, err)
	}
	return &f, nil
}

const flowSID = "FW00000000000000000000000000000001"

// Run runs one test against a flow definition.
func Run(ctx context.Context, definition []byte, t Test, opts ...engine.Option) (Outcome, error) {
	out := Outcome{Name: t.Name}
	dir, err := os.MkdirTemp("", "switchboard-flowtest-*")
	if err != nil {
		return out, err
	}
	defer os.RemoveAll(dir)
	st, err := store.Open(ctx, dir)
	if err != nil {
		return out, err
	}
	defer st.Close()
	if _, err := st.CreateFlow(ctx, store.NewFlow{SID: flowSID, FriendlyName: t.Name, Status: store.StatusPublished,
		Definition: json.RawMessage(definition), Valid: true}); err != nil {
		return out, err
	}
	from, to := orDefault(t.From, "+15550001111"), orDefault(t.To, "+15550002222")
	if t.TestUser {
		if err := st.SetTestUsers(ctx, flowSID, []string{from}); err != nil {
			return out, err
		}
	}
	client := &http.Client{Transport: MockTransport(t.HTTP, nil)}
	r := runner.New(st, slog.New(slog.NewTextHandler(io.Discard, nil)), append([]engine.Option{engine.WithHTTPClient(client)}, opts...)...)
	trig, err := trigger(t, from, to)
	if err != nil {
		return out, err
	}
	var transcript bytes.Buffer
	res, err := simulator.Run(ctx, r, flowSID, trig, &simulator.Script{Lines: t.Inputs}, &transcript)
	out.Transcript = transcript.String()
	if err != nil {
		return out, err
	}
	steps, err := st.Steps(ctx, res.Execution.SID)
	if err != nil {
		return out, err
	}
	check(&out, t.Expect, res, steps)
	return out, nil
}

func trigger(t Test, from, to string) (engine.Trigger, error) {
	body := "hi"
	if t.Body != nil {
		body = *t.Body
	}
	sid := "CA00000000000000000000000000000001"
	if t.Trigger == "message" {
		sid = "SM00000000000000000000000000000001"
	}
	tr, err := simulator.NewTrigger(t.Trigger, from, to, body, t.Parameters, sid)
	if err != nil {
		return tr, fmt.Errorf("%w: %v", ErrInvalidFile, err)
	}
	return tr, nil
}

func check(out *Outcome, e Expect, res *simulator.Result, steps []engine.Step) {
	var name string
	pass := func(n string) { name = n; out.Checks = append(out.Checks, Check{Expectation: n, Passed: true}) }
	fail := func(format string, a ...any) {
		msg := fmt.Sprintf(format, a...)
		out.Failures = append(out.Failures, msg)
		out.Checks[len(out.Checks)-1] = Check{Expectation: name, Reason: msg}
	}
	if e.Path != nil {
		pass("path")
		var path []string
		for _, s := range steps {
			path = append(path, s.TransitionedFrom)
		}
		if !reflect.DeepEqual(e.Path, path) {
			fail("path: want %v, got %v", e.Path, path)
		}
	}
	var msgs, says []string
	for _, c := range res.Commands {
		switch c := c.(type) {
		case engine.Message:
			msgs = append(msgs, c.Body)
		case engine.Say:
			says = append(says, c.Text)
		case engine.Gather:
			for _, p := range c.Prompts {
				if p, ok := p.(engine.Say); ok {
					says = append(says, p.Text)
				}
			}
		}
	}
	if e.Messages != nil {
		pass("messages")
		if !reflect.DeepEqual(e.Messages, msgs) {
			fail("messages: want %q, got %q", e.Messages, msgs)
		}
	}
	if e.Says != nil {
		pass("says")
		if !reflect.DeepEqual(e.Says, says) {
			fail("says: want %q, got %q", e.Says, says)
		}
	}
	x := res.Execution
	vars := x.Context.Variables()
	for _, k := range sortedKeys(e.Variables) {
		pass("flow.variables." + k)
		if want := e.Variables[k]; !same(want, vars[k]) {
			fail("flow.variables.%s: want %v, got %v", k, want, vars[k])
		}
	}
	for _, w := range sortedKeys(e.Widgets) {
		got := x.Context.Widget(w)
		keys := e.Widgets[w]
		for _, k := range sortedKeys(keys) {
			pass("widgets." + w + "." + k)
			if want := keys[k]; !same(want, got[k]) {
				fail("widgets.%s.%s: want %v, got %v", w, k, want, got[k])
			}
		}
	}
	if e.Ended != nil {
		pass("ended")
		if *e.Ended == x.Active() {
			fail("ended: want %t, got %t", *e.Ended, !x.Active())
		}
	}
	if e.EndReason != "" {
		pass("end_reason")
		if e.EndReason != x.EndReason {
			fail("end_reason: want %q, got %q", e.EndReason, x.EndReason)
		}
	}
}

// same compares JSON-ish values: numbers by value, everything through JSON.
func same(want, got any) bool {
	a, _ := json.Marshal(want)
	b, _ := json.Marshal(got)
	if bytes.Equal(a, b) {
		return true
	}
	return fmt.Sprint(want) == fmt.Sprint(got)
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// MockTransport answers requests from canned responses (the first mock
// whose method and URL, without the query string, match). Anything else
// goes to fallback; with a nil fallback it fails as if the host were
// unreachable (nothing leaves the machine), as in flow tests.
func MockTransport(m []Mock, fallback http.RoundTripper) http.RoundTripper {
	return mocks{list: m, fallback: fallback}
}

// Match returns the mock that answers a request, or nil.
func Match(m []Mock, method string, u *url.URL) *Mock {
	bare := *u
	bare.RawQuery, bare.User = "", nil
	for i, mk := range m {
		if mk.Method != "" && !strings.EqualFold(mk.Method, method) {
			continue
		}
		if mk.URL != bare.String() {
			continue
		}
		return &m[i]
	}
	return nil
}

type mocks struct {
	list     []Mock
	fallback http.RoundTripper
}

func (m mocks) RoundTrip(r *http.Request) (*http.Response, error) {
	u := *r.URL
	u.RawQuery, u.User = "", nil
	for _, mk := range m.list {
		if mk.Method != "" && !strings.EqualFold(mk.Method, r.Method) {
			continue
		}
		if mk.URL != u.String() {
			continue
		}
		body := []byte(mk.Body)
		var s string
		if json.Unmarshal(mk.Body, &s) == nil {
			body = []byte(s)
		}
		status := mk.Status
		if status == 0 {
			status = 200
		}
		ct := orDefault(mk.ContentType, "application/json")
		return &http.Response{StatusCode: status, Status: http.StatusText(status), Header: http.Header{"Content-Type": {ct}},
			Body: io.NopCloser(bytes.NewReader(body)), ContentLength: int64(len(body)), Request: r}, nil
	}
	if m.fallback != nil {
		return m.fallback.RoundTrip(r)
	}
	return nil, fmt.Errorf("no mock for %s %s", r.Method, u.String())
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}
