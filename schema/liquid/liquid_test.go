package liquid

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// testVars is a small execution context in the shape the engine builds.
func testVars() map[string]any {
	return map[string]any{
		"flow": map[string]any{
			"sid":      "FN00000000000000000000000000000001",
			"flow_sid": "FW00000000000000000000000000000001",
			"channel":  map[string]any{"address": "+15550001111"},
			"data":     map[string]any{"name": "Ada", "count": json.Number("3"), "price": json.Number("12.5")},
			"variables": map[string]any{
				"name":  "ada lovelace",
				"count": "7",
				"tags":  []any{"b", "a", "c", "a"},
				"big":   json.Number("1250050.5"),
			},
		},
		"trigger": map[string]any{
			"message": map[string]any{"From": "+15552223333", "Body": "  Yes please \n", "To": "+15550001111"},
		},
		"widgets": map[string]any{
			"gather": map[string]any{"Digits": "42"},
			"http": map[string]any{
				"status_code": 200.0,
				"parsed": map[string]any{
					"person": map[string]any{"name": "Grace", "age": 40.0},
					"items": []any{
						map[string]any{"name": "tea", "price": json.Number("3"), "stock": true},
						map[string]any{"name": "cake", "price": json.Number("5.5"), "stock": false},
						map[string]any{"name": "bun", "price": json.Number("1"), "stock": true},
					},
					"empty_list": []any{},
				},
			},
			"reply": map[string]any{"inbound": map[string]any{"Body": ""}},
		},
		"contact": map[string]any{"channel": map[string]any{"address": "+15552223333"}},
	}
}

func mustRender(t *testing.T, e *Engine, tmpl string, vars map[string]any) string {
	t.Helper()
	out, err := e.Render(context.Background(), tmpl, vars)
	require.NoError(t, err, "template %q", tmpl)
	return out
}

func renderErr(t *testing.T, e *Engine, tmpl string, vars map[string]any) *RenderError {
	t.Helper()
	out, err := e.Render(context.Background(), tmpl, vars)
	require.Error(t, err, "template %q rendered %q", tmpl, out)
	require.Empty(t, out)
	var re *RenderError
	require.ErrorAs(t, err, &re)
	require.Equal(t, 84003, re.Code)
	require.ErrorIs(t, err, ErrRender)
	return re
}

func TestRenderBasics(t *testing.T) {
	e := New(testLimits())
	vars := testVars()
	tests := []struct {
		name, tmpl, want string
	}{
		{"plain text is returned as is", "Hello there {not liquid} %}", "Hello there {not liquid} %}"},
		{"empty", "", ""},
		{"blank output tag", "a{{ }}b{{- -}} c", "abc"},
		{"variable", "Hello {{trigger.message.From}}", "Hello +15552223333"},
		{"undefined top level", "[{{nothing}}]", "[]"},
		{"undefined widget", "[{{widgets.x.parsed.a.b}}]", "[]"},
		{"undefined under a string", "[{{trigger.message.From.nope}}]", "[]"},
		{"undefined index", "[{{widgets.http.parsed.items[10].name}}]", "[]"},
		{"index", "{{widgets.http.parsed.items[1].name}}", "cake"},
		{"size property", "{{widgets.http.parsed.items.size}}", "3"},
		{"json.Number integer prints", "{{flow.data.count}}", "3"},
		{"json.Number float prints", "{{flow.data.price}}", "12.5"},
		{"float64 integer prints as integer", "{{widgets.http.status_code}}", "200"},
		{"json.Number compares as number", "{% if flow.data.count > 2 %}yes{% endif %}", "yes"},
		{"json.Number equals int", "{% if flow.data.count == 3 %}yes{% endif %}", "yes"},
		{"float64 compares as number", "{% if widgets.http.parsed.person.age >= 40 %}yes{% endif %}", "yes"},
		{"string is not a number in comparisons", "{% if flow.variables.count == 7 %}yes{% else %}no{% endif %}", "no"},
		{"plus 0 coerces", "{% assign n = flow.variables.count | plus: 0 %}{% if n == 7 %}yes{% endif %}", "yes"},
		{"object prints as JSON", "{{widgets.http.parsed.person}}", `{"age":40,"name":"Grace"}`},
		{"large float prints plainly", "{{flow.variables.big}}", "1250050.5"},
		{"empty string equals empty", "{% if widgets.reply.inbound.Body == empty %}E{% endif %}", "E"},
		{"non-empty string is not empty", "{% if trigger.message.From == empty %}E{% else %}N{% endif %}", "N"},
		{"blank around dots", "{% if widgets. reply .inbound.Body == empty %}E{% endif %}", "E"},
		{"blank around dots kept in strings", "{{ 'a . b' }}", "a . b"},
		{"if elsif else", "{% if flow.data.count == 1 %}one{% elsif flow.data.count == 3 %}three{% else %}other{% endif %}", "three"},
		{"unless", "{% unless widgets.gather.Digits == '1' %}not one{% endunless %}", "not one"},
		{"case when", "{% case widgets.gather.Digits %}{% when '1', '2' %}low{% when '42' %}answer{% else %}?{% endcase %}", "answer"},
		{"case else", "{% case widgets.gather.Digits %}{% when '1' %}low{% else %}other{% endcase %}", "other"},
		{"and or contains", "{% if trigger.message.Body contains 'Yes' and flow.data.count > 1 or false %}ok{% endif %}", "ok"},
		{"assign", "{% assign who = flow.data.name | upcase %}Hi {{who}}", "Hi ADA"},
		{"capture", "{% capture msg %}Dear {{flow.data.name}}{% endcapture %}{{ msg | append: '!' }}", "Dear Ada!"},
		{"comment", "a{% comment %} {{ nothing | bogus }} {% endcomment %}b", "ab"},
		{"raw", "{% raw %}{{ not rendered }}{% endraw %}", "{{ not rendered }}"},
		{"whitespace control", "a  {%- if true -%}  b  {%- endif -%}  c", "abc"},
		{"echo", "{% echo flow.data.name | downcase %}", "ada"},
		{"increment", "{% increment n %}{% increment n %}{% decrement m %}", "01-1"},
		{"truthiness of empty string", "{% if widgets.reply.inbound.Body %}truthy{% endif %}", "truthy"},
		{"nil literal", "{% if nothing == nil %}nil{% endif %}", "nil"},
		{"range", "{% for i in (1..3) %}{{i}}{% endfor %}", "123"},
		{"range from variables", "{% for i in (1..flow.data.count) %}{{i}}{% endfor %}", "123"},
		{"map iterates as pairs", "{% for p in widgets.http.parsed.person %}{{p[0]}}={{p[1]}};{% endfor %}", "age=40;name=Grace;"},
		{"string iterates once", "{% for s in flow.data.name %}[{{s}}]{% endfor %}", "[Ada]"},
		{"array prints joined", "{{flow.variables.tags}}", "baca"},
		{"Studio counter pattern", "{%- if flow.variables.count -%}{{flow.variables.count | plus: 1}}{%- else -%}0{%- endif -%}", "8"},
		{"Studio replace then strip_newlines", "{{ 'Hello *@*.' | replace: '@', flow.data.name | strip_newlines }}", "Hello *Ada*."},
		{"Studio embed context as JSON", `{"from": {{trigger.message.From | to_json}}}`, `{"from": "+15552223333"}`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			require.Equal(t, tc.want, mustRender(t, e, tc.tmpl, vars))
		})
	}
}

func TestRenderDoesNotModifyVars(t *testing.T) {
	e := New(testLimits())
	vars := testVars()
	before, err := json.Marshal(vars)
	require.NoError(t, err)
	mustRender(t, e, "{% assign flow = 1 %}{{ flow.variables.tags | sort | join }}{% for x in flow.variables.tags %}{% endfor %}", vars)
	after, err := json.Marshal(vars)
	require.NoError(t, err)
	require.JSONEq(t, string(before), string(after))
	_, ok := vars["flow"].(map[string]any)["data"].(map[string]any)["count"].(json.Number)
	require.True(t, ok, "json.Number in the caller's map must stay json.Number")
}

func TestNilVarsAndContext(t *testing.T) {
	e := New(Limits{})
	//lint:ignore SA1012 a nil context is tolerated on purpose
	out, err := e.Render(nil, "[{{a}}]", nil) //nolint:staticcheck
	require.NoError(t, err)
	require.Equal(t, "[]", out)
}

func TestDefaultLimits(t *testing.T) {
	l := DefaultLimits()
	require.Equal(t, 16384, l.MaxOutput)
	require.Equal(t, 15, l.MaxLoop)
	require.Equal(t, 250*time.Millisecond, l.Timeout)
	require.Equal(t, 65536, l.MaxSource)
	require.Equal(t, DefaultLimits(), New(Limits{}).Limits(), "zero fields take the defaults")
}

func TestLoopCap(t *testing.T) {
	e := New(testLimits())
	vars := map[string]any{
		"a15": seqOf(15),
		"a16": seqOf(16),
		"a40": seqOf(40),
	}
	ok := []struct{ name, tmpl, want string }{
		{"15 iterations", "{% for i in (1..15) %}x{% endfor %}", strings.Repeat("x", 15)},
		{"array of 15", "{% for i in a15 %}{{i}},{% endfor %}", "0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,"},
		{"limit brings it under", "{% for i in (1..100) limit: 3 %}{{i}}{% endfor %}", "123"},
		{"offset brings it under", "{% for i in a16 offset: 1 %}x{% endfor %}", strings.Repeat("x", 15)},
		{"offset and limit", "{% for i in a40 offset: 30 limit: 4 %}{{i}},{% endfor %}", "30,31,32,33,"},
		{"reversed", "{% for i in (1..4) reversed %}{{i}}{% endfor %}", "4321"},
		{"reversed window", "{% for i in a40 offset: 2 limit: 3 reversed %}{{i}}{% endfor %}", "432"},
		{"nested 15 x 15", "{% for i in (1..15) %}{% for j in (1..15) %}.{% endfor %}{% endfor %}", strings.Repeat(".", 225)},
		{"empty range takes else", "{% for i in (5..1) %}x{% else %}none{% endfor %}", "none"},
		{"nil takes else", "{% for i in nothing %}x{% else %}none{% endfor %}", "none"},
		{"forloop", "{% for i in (1..3) %}{{forloop.index}}{{forloop.index0}}{{forloop.rindex}}{{forloop.first}}{{forloop.last}}{{forloop.length}} {% endfor %}",
			"103truefalse3 212falsefalse3 321falsetrue3 "},
		{"parentloop", "{% for i in (1..2) %}{% for j in (1..2) %}{{forloop.parentloop.index}}{{forloop.index}} {% endfor %}{% endfor %}", "11 12 21 22 "},
		{"break", "{% for i in (1..10) %}{% if i > 3 %}{% break %}{% endif %}{{i}}{% endfor %}", "123"},
		{"continue", "{% for i in (1..5) %}{% if i == 2 %}{% continue %}{% endif %}{{i}}{% endfor %}", "1345"},
		{"loop variable is restored", "{% assign i = 'outer' %}{% for i in (1..2) %}{{i}}{% endfor %}{{i}}", "12outer"},
		{"cycle", "{% for i in (1..5) %}{% cycle 'a', 'b', 'c' %}{% endfor %}", "abcab"},
		{"cycle groups", "{% for i in (1..3) %}{% cycle 'g': 'x', 'y' %}{% endfor %}", "xyx"},
		{"cycle continues across loops", "{% for i in (1..2) %}{% for j in (1..2) %}{% cycle 'a', 'b', 'c' %}{% endfor %}{% endfor %}", "abca"},
		{"cycle outside a loop", "{% cycle 'a', 'b' %}{% cycle 'a', 'b' %}{% cycle 'a', 'b' %}", "aba"},
	}
	for _, tc := range ok {
		t.Run(tc.name, func(t *testing.T) {
			require.Equal(t, tc.want, mustRender(t, e, tc.tmpl, vars))
		})
	}
	bad := []struct{ name, tmpl, want string }{
		{"16 iterations", "{% for i in (1..16) %}x{% endfor %}", "would run 16 iterations; Studio allows at most 15"},
		{"range of 100", "{% for i in (1..100) %}{{i}}{% endfor %}", "{% for i in (1..100) %} would run 100 iterations"},
		{"huge range is not expanded", "{% for i in (1..2000000000) %}{{i}}{% endfor %}", "would run 2000000000 iterations"},
		{"array of 16", "{% for i in a16 %}{{i}}{% endfor %}", "would run 16 iterations"},
		{"limit still too high", "{% for i in a40 limit: 20 %}{{i}}{% endfor %}", "would run 20 iterations"},
		{"inner loop too long", "{% for i in (1..2) %}{% for j in (1..16) %}{% endfor %}{% endfor %}", "{% for j in (1..16) %} would run 16"},
		{"fails even when output was written", "before {% for i in (1..20) %}x{% endfor %}", "would run 20"},
		{"line number", "a\nb\n{% for i in (1..20) %}x{% endfor %}", "line 3:"},
	}
	for _, tc := range bad {
		t.Run(tc.name, func(t *testing.T) {
			re := renderErr(t, e, tc.tmpl, vars)
			require.Equal(t, KindLoopTooLong, re.Kind)
			require.Contains(t, re.Message, tc.want)
		})
	}
	t.Run("configurable", func(t *testing.T) {
		e := New(Limits{MaxLoop: 100})
		require.Len(t, mustRender(t, e, "{% for i in (1..100) %}x{% endfor %}", nil), 100)
		e = New(Limits{MaxLoop: -1, MaxOutput: -1})
		require.Len(t, mustRender(t, e, "{% for i in (1..1000) %}x{% endfor %}", nil), 1000)
	})
}

func seqOf(n int) []any {
	a := make([]any, n)
	for i := range a {
		a[i] = float64(i)
	}
	return a
}

func TestOutputCap(t *testing.T) {
	e := New(testLimits())
	big := strings.Repeat("x", 16384)
	t.Run("exactly 16 KB renders", func(t *testing.T) {
		out := mustRender(t, e, "{{ s }}", map[string]any{"s": big})
		require.Len(t, out, 16384)
	})
	t.Run("one byte over fails", func(t *testing.T) {
		re := renderErr(t, e, "{{ s }}!", map[string]any{"s": big})
		require.Equal(t, KindOutputTooLong, re.Kind)
		require.Contains(t, re.Message, "16385 bytes")
		require.Contains(t, re.Message, "limit is 16384 bytes")
	})
	t.Run("text over the limit fails", func(t *testing.T) {
		re := renderErr(t, e, "{{ 'a' }}"+strings.Repeat("y", 20000), nil)
		require.Equal(t, KindOutputTooLong, re.Kind)
	})
	t.Run("loop output over the limit fails", func(t *testing.T) {
		re := renderErr(t, e, "{% for i in (1..15) %}{% for j in (1..15) %}{{ s }}{% endfor %}{% endfor %}",
			map[string]any{"s": strings.Repeat("z", 100)})
		require.Equal(t, KindOutputTooLong, re.Kind)
	})
	t.Run("doubling bomb stops at the value limit", func(t *testing.T) {
		tmpl := "{% assign a = 'xxxxxxxxxxxxxxxx' %}" + strings.Repeat("{% assign a = a | append: a %}", 40) + "{{ a | size }}"
		re := renderErr(t, e, tmpl, nil)
		require.Equal(t, KindValueTooLarge, re.Kind)
		require.Contains(t, re.Message, "append")
	})
	t.Run("nested loop append bomb", func(t *testing.T) {
		tmpl := "{% assign a = 'xx' %}{% for i in (1..15) %}{% for j in (1..15) %}{% assign a = a | append: a %}{% endfor %}{% endfor %}{{ a }}"
		re := renderErr(t, e, tmpl, nil)
		require.Equal(t, KindValueTooLarge, re.Kind)
	})
	t.Run("capture bomb", func(t *testing.T) {
		tmpl := "{% assign a = 'xxxxxxxx' %}" + strings.Repeat("{% capture a %}{{a}}{{a}}{% endcapture %}", 40)
		re := renderErr(t, e, tmpl, nil)
		require.Equal(t, KindValueTooLarge, re.Kind)
		require.Contains(t, re.Message, "capture")
	})
	t.Run("replace bomb", func(t *testing.T) {
		tmpl := "{% assign a = 'aaaaaaaaaaaaaaaa' %}" + strings.Repeat("{% assign a = a | replace: 'a', 'aaaaaaaa' %}", 10)
		re := renderErr(t, e, tmpl, nil)
		require.Equal(t, KindValueTooLarge, re.Kind)
	})
	t.Run("concat bomb", func(t *testing.T) {
		tmpl := "{% assign a = 'x,y' | split: ',' %}" + strings.Repeat("{% assign a = a | concat: a %}", 40)
		re := renderErr(t, e, tmpl, nil)
		require.Equal(t, KindValueTooLarge, re.Kind)
	})
	t.Run("range join bomb", func(t *testing.T) {
		re := renderErr(t, e, "{% assign r = (1..2000000000) %}{{ r | join: ',' }}", nil)
		require.Equal(t, KindValueTooLarge, re.Kind)
	})
	t.Run("date width bomb", func(t *testing.T) {
		re := renderErr(t, e, "{{ 'now' | date: '"+strings.Repeat("%999d", 5000)+"' }}", nil)
		require.Equal(t, KindValueTooLarge, re.Kind)
	})
	t.Run("configurable", func(t *testing.T) {
		small := New(Limits{MaxOutput: 10})
		require.Equal(t, "0123456789", mustRender(t, small, "{% for i in (0..9) %}{{i}}{% endfor %}", nil))
		re := renderErr(t, small, "{% for i in (0..10) %}{{i}}{% endfor %}", nil)
		require.Equal(t, KindOutputTooLong, re.Kind)
	})
	t.Run("source too long", func(t *testing.T) {
		re := renderErr(t, e, "{{ a }}"+strings.Repeat(" ", 70000), nil)
		require.Equal(t, KindSourceTooLong, re.Kind)
		require.ErrorIs(t, Parse("{{ a }}"+strings.Repeat(" ", 70000)), ErrRender)
	})
}

func TestTimeout(t *testing.T) {
	// Six nested loops of 15 are 11 million iterations.
	bomb := strings.Repeat("{% for i in (1..15) %}", 6) + strings.Repeat("{% endfor %}", 6)
	t.Run("timeout", func(t *testing.T) {
		e := New(Limits{Timeout: 20 * time.Millisecond})
		start := time.Now()
		re := renderErr(t, e, bomb, nil)
		require.Equal(t, KindTimeout, re.Kind)
		require.ErrorIs(t, re, context.DeadlineExceeded)
		require.Contains(t, re.Message, "longer than 20ms")
		require.Less(t, time.Since(start), 5*time.Second)
	})
	t.Run("context deadline", func(t *testing.T) {
		e := New(Limits{Timeout: -1})
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
		defer cancel()
		_, err := e.Render(ctx, bomb, nil)
		var re *RenderError
		require.ErrorAs(t, err, &re)
		require.Equal(t, KindTimeout, re.Kind)
		require.ErrorIs(t, err, context.DeadlineExceeded)
	})
	t.Run("canceled context", func(t *testing.T) {
		e := New(testLimits())
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		_, err := e.Render(ctx, "{{ a }}", nil)
		var re *RenderError
		require.ErrorAs(t, err, &re)
		require.Equal(t, KindCanceled, re.Kind)
		require.ErrorIs(t, err, context.Canceled)
		require.ErrorIs(t, err, ErrRender)
	})
	t.Run("canceled during render", func(t *testing.T) {
		e := New(Limits{Timeout: -1})
		ctx, cancel := context.WithCancel(context.Background())
		go func() { time.Sleep(10 * time.Millisecond); cancel() }()
		_, err := e.Render(ctx, bomb, nil)
		require.ErrorIs(t, err, context.Canceled)
	})
	t.Run("filter-heavy statement stops", func(t *testing.T) {
		e := New(Limits{Timeout: 20 * time.Millisecond})
		tmpl := "{% assign a = 'x' %}" + strings.Repeat("{% assign a = a | append: a %}", 19) +
			"{% for i in (1..15) %}{% for j in (1..15) %}{% for k in (1..15) %}{% assign b = a" +
			strings.Repeat(" | upcase | downcase", 20) + " %}{% endfor %}{% endfor %}{% endfor %}"
		re := renderErr(t, e, tmpl, nil)
		require.Equal(t, KindTimeout, re.Kind)
	})
}

func TestParseErrors(t *testing.T) {
	e := New(testLimits())
	tests := []struct {
		name, tmpl string
		line, col  int
		contains   []string
	}{
		{"unknown tag", "Hi\n  {% frobnicate %}", 2, 3, []string{"line 2, column 3", `undefined tag "frobnicate"`, "{% frobnicate %}"}},
		{"unterminated block", "{% if a %}x", 1, 1, []string{"line 1, column 1", `unterminated "if" block`}},
		{"bad expression", "ok {{ a | }}", 1, 4, []string{"line 1, column 4", "syntax error", "{{ a | }}"}},
		{"unknown filter", "{{ a | upcase | shout }}", 1, 17, []string{"line 1, column 17", `unknown filter "shout"`}},
		{"unknown filter in untaken branch", "{% if false %}{{ a | nope }}{% endif %}", 1, 22, []string{`unknown filter "nope"`}},
		{"unknown filter in a tag", "\n{% assign x = a | nope %}", 2, 19, []string{`unknown filter "nope"`}},
		{"include is not available", "{% include 'x' %}", 1, 1, []string{`undefined tag "include"`}},
		{"else outside if", "{% else %}", 1, 1, []string{"else not inside"}},
		{"bad loop modifier", "{% for i in (1..3) sideways %}{% endfor %}", 1, 1, []string{"sideways"}},
		{"integer literal overflow", "{{ 999999999999999999999999 }}", 0, 0, []string{"does not parse"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			re := renderErr(t, e, tc.tmpl, nil)
			require.Equal(t, KindParse, re.Kind, re.Message)
			for _, s := range tc.contains {
				require.Contains(t, re.Message, s)
			}
			require.Equal(t, tc.line, re.Line, re.Message)
			require.Equal(t, tc.col, re.Column, re.Message)
			// Parse reports the same error.
			perr := Parse(tc.tmpl)
			require.ErrorIs(t, perr, ErrRender)
			require.Equal(t, re.Message, perr.(*RenderError).Message)
		})
	}
	t.Run("valid templates parse", func(t *testing.T) {
		for _, s := range []string{"", "no markup", "{{ a | upcase }}", "{% for i in (1..100) %}{% endfor %}", "{{ 'a|nope' }}", "{% comment %}{{ a | nope }}{% endcomment %}"} {
			require.NoError(t, Parse(s), s)
		}
	})
}

func TestRuntimeErrors(t *testing.T) {
	e := New(testLimits())
	tests := []struct{ name, tmpl, want string }{
		{"division by zero", "{{ 10 | divided_by: 0 }}", "filter divided_by: divided by 0 in {{ 10 | divided_by: 0 }}"},
		{"modulo zero", "x\n{{ 10 | modulo: 0 }}", "line 2, column 1: filter modulo: divided by 0"},
		{"arity", "{{ 1 | plus }}", "plus takes 1 argument(s), got 0"},
		{"concat needs an array", "{{ a | concat: 'x' }}", "concat needs an array argument"},
		{"break outside a loop", "{% break %}", "break outside a for loop"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			re := renderErr(t, e, tc.tmpl, nil)
			require.Equal(t, KindRender, re.Kind)
			require.Contains(t, re.Message, tc.want)
		})
	}
}

// panicky is a value whose conversion panics inside osteele.
type panicky struct{}

func (panicky) ToLiquid() any { panic("boom") }

// panickyErr panics with an error, which osteele re-panics with its stack.
type panickyErr struct{}

func (panickyErr) ToLiquid() any { panic(errors.New("kaboom")) }

func TestPanicIsRecovered(t *testing.T) {
	e := New(testLimits())
	re := renderErr(t, e, "{{ bad }}", map[string]any{"bad": panicky{}})
	require.Equal(t, KindInternal, re.Kind)
	require.Contains(t, re.Message, "boom")
	re = renderErr(t, e, "{% if bad == 1 %}x{% endif %}", map[string]any{"bad": panicky{}})
	require.Equal(t, KindInternal, re.Kind)
	re = renderErr(t, e, "{{ bad | upcase }}", map[string]any{"bad": panickyErr{}})
	require.Equal(t, KindInternal, re.Kind)
	require.Contains(t, re.Message, "kaboom")
	require.NotContains(t, re.Message, "\n", "no stack trace in the message")
	// The engine keeps working afterwards.
	require.Equal(t, "Ada", mustRender(t, e, "{{flow.data.name}}", testVars()))
}

func TestObjectsCompare(t *testing.T) {
	e := New(testLimits())
	require.Equal(t, "same", mustRender(t, e, "{% if flow.data == flow.data %}same{% endif %}", testVars()))
	require.Equal(t, "diff", mustRender(t, e, "{% if flow.data == trigger.message %}same{% else %}diff{% endif %}", testVars()))
	require.Equal(t, "has", mustRender(t, e, "{% if flow.data contains 'name' %}has{% endif %}", testVars()))
	require.Equal(t, "Ada", mustRender(t, e, "{{ flow.data['name'] }}", testVars()))
}

func TestErrorType(t *testing.T) {
	_, err := New(Limits{}).Render(context.Background(), "{{ a | nope }}", nil)
	require.True(t, errors.Is(err, ErrRender))
	var re *RenderError
	require.True(t, errors.As(err, &re))
	require.Equal(t, CodeRenderFailed, re.Code)
	require.Equal(t, "parse", re.Kind.String())
	require.True(t, strings.HasPrefix(err.Error(), "liquid: "))
}

func TestConcurrentRenders(t *testing.T) {
	e := New(testLimits())
	var wg sync.WaitGroup
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			for i := 0; i < 200; i++ {
				vars := map[string]any{"n": g*1000 + i}
				out, err := e.Render(context.Background(), "{% for i in (1..3) %}{% cycle 'a','b' %}{% endfor %}{{ n | plus: 1 }}", vars)
				if err != nil || out != fmt.Sprintf("aba%d", g*1000+i+1) {
					t.Errorf("got %q, %v", out, err)
					return
				}
				if _, err := e.Render(context.Background(), "{{ 1 | divided_by: 0 }}", nil); err == nil {
					t.Error("expected an error")
					return
				}
			}
		}(g)
	}
	wg.Wait()
}

func TestTemplateCache(t *testing.T) {
	c := newTemplateCache()
	for i := 0; i < cacheMaxEntries+10; i++ {
		c.put(fmt.Sprint("{{", i, "}}"), &compiled{})
	}
	require.LessOrEqual(t, len(c.m), cacheMaxEntries)
	c.put(strings.Repeat("x", cacheMaxSource+1), &compiled{})
	require.Nil(t, c.get(strings.Repeat("x", cacheMaxSource+1)))
}

func BenchmarkRender(b *testing.B) {
	e := New(testLimits())
	vars := testVars()
	const tmpl = "Hello {{trigger.message.From}}, you said {{widgets.gather.Digits | default: 'nothing'}}"
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := e.Render(ctx, tmpl, vars); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkRenderLoop(b *testing.B) {
	e := New(testLimits())
	vars := testVars()
	const tmpl = "{% for item in widgets.http.parsed.items %}{{forloop.index}}. {{item.name | capitalize}} ${{item.price | times: 1.1 | round: 2}}\n{% endfor %}"
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := e.Render(ctx, tmpl, vars); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkRenderPlain(b *testing.B) {
	e := New(testLimits())
	ctx := context.Background()
	for b.Loop() {
		if _, err := e.Render(ctx, "Thanks for calling, goodbye.", nil); err != nil {
			b.Fatal(err)
		}
	}
}

func TestContextShapes(t *testing.T) {
	e := New(testLimits())
	vars := testVars()
	tests := []struct{ name, tmpl, want string }{
		{"array of objects prints as JSON items", "{{ widgets.http.parsed.items | slice: 0, 2 }}", `{"name":"tea","price":3,"stock":true}{"name":"cake","price":5.5,"stock":false}`},
		{"first object of an array", "{{ widgets.http.parsed.items.first.name }}-{{ widgets.http.parsed.items.last.price }}", "tea-1"},
		{"first filter on context array", "{{ widgets.http.parsed.items | first | to_json }}", `{"name":"tea","price":3,"stock":true}`},
		{"loop over context array of objects", "{% for i in widgets.http.parsed.items %}{{ i.name }}={{ i.price | times: 2 }};{% endfor %}", "tea=6;cake=11.0;bun=2;"},
		{"loop over object pairs", "{% for p in flow.data %}{{ p[0] }};{% endfor %}", "count;name;price;"},
		{"nested array", "{{ n[1][0] }}", "b"},
		{"array contains", "{% if flow.variables.tags contains 'c' %}yes{% endif %}", "yes"},
		{"array of numbers contains", "{% if nums contains 2 %}yes{% endif %}", "yes"},
		{"object index with a variable", "{% assign k = 'name' %}{{ flow.data[k] }}", "Ada"},
		{"engine Context type", "{{ ctx.flow.data.name }}", "Ada"},
	}
	type contextLike map[string]any
	vars["n"] = []any{"a", []any{"b"}}
	vars["nums"] = []any{1.0, json.Number("2")}
	vars["ctx"] = contextLike{"flow": map[string]any{"data": map[string]any{"name": "Ada"}}}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			require.Equal(t, tc.want, mustRender(t, e, tc.tmpl, vars))
		})
	}
}

func TestLiteral(t *testing.T) {
	cases := []struct {
		tmpl, at, why string
	}{
		{"no markup", "", ""},
		{"{{ a }}", "", ""},
		{"Hello {{ trigger.call.From ", "{{ trigger.call.From ", `never closed with "}}"`},
		{"{{ a }} then {% if", "{% if", `never closed with "%}"`},
		{"{{widgets.LanguagePreference.inbound.Body}", "{{widgets.LanguagePreference.i…", `never closed with "}}"`},
		{"{% raw %}{{ not markup{% endraw %}", "", ""},
		{"{% comment %}{% if {% endcomment %}", "", ""},
		{"a {{ }} b {{ c }}", "", ""},
		{"{% raw %}x{% endraw %} {{ y", "{{ y", `never closed with "}}"`},
		{"{{ a |\n upcase }}", "{{ a |\n upcase }}", "not read as markup"},
		{"{%if(x)%}", "{%if(x)%}", "not read as markup"},
	}
	for _, c := range cases {
		t.Run(c.tmpl, func(t *testing.T) {
			at, why, ok := Literal(c.tmpl)
			if at != c.at || why != c.why || ok != (c.at != "") {
				t.Fatalf("Literal(%q) = %q, %q, %v; want %q, %q", c.tmpl, at, why, ok, c.at, c.why)
			}
			if ok {
				if err := Parse(c.tmpl); err != nil {
					t.Fatalf("a template whose markup prints as text parses, got %v", err)
				}
			}
		})
	}
}

// testLimits are Studio's limits with a render timeout long enough that a
// test about something else never fails on a busy machine (the race detector
// on two shared cores once took 250 ms for "{{ 2.5 | round }}"). TestTimeout
// sets its own short timeouts.
func testLimits() Limits {
	l := DefaultLimits()
	l.Timeout = 30 * time.Second
	return l
}
