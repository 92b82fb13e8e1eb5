package liquid

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"
)

// FuzzRender feeds arbitrary templates to the engine: it must never panic,
// every failure must be a *RenderError with code 84003, and no output may
// exceed MaxOutput.
func FuzzRender(f *testing.F) {
	for _, s := range []string{
		"",
		"plain text",
		"Hello {{trigger.message.From}}, you said {{widgets.gather.Digits | default: 'nothing'}}",
		"{% for i in (1..10) %}{{i}}{% endfor %}",
		"{% for i in (1..16) %}{{i}}{% endfor %}",
		"{% for i in (1..15) %}{% for j in (1..15) %}{{i}}{{j}}{% endfor %}{% endfor %}",
		"{% for x in widgets.http.parsed.items limit: 2 offset: 1 reversed %}{{forloop.index}}{{x.name}}{% cycle 'a','b' %}{% endfor %}",
		"{% if flow.data.count > 2 and trigger.message.Body contains 'Yes' %}y{% elsif false %}n{% else %}e{% endif %}",
		"{% case widgets.gather.Digits %}{% when '1', '42' %}a{% else %}b{% endcase %}",
		"{% assign a = 'x' %}{% for i in (1..15) %}{% assign a = a | append: a %}{% endfor %}{{a}}",
		"{% capture c %}{{ flow.data | to_json }}{% endcapture %}{{ c | size }}",
		"{{ 'now' | date: '%a %A %b %B %c %d %e %H %I %j %m %M %p %S %y %Y %Z %z %-d %_m %^a %10N' }}",
		"{{ flow.data.price | times: 3 | divided_by: 2 | round: 1 | plus: '4' | minus: 1 | modulo: 5 | abs | ceil | floor }}",
		"{{ 'a,b,c' | split: ',' | reverse | join: '-' | upcase | replace: 'A', 'z' | truncate: 4 | url_encode | url_decode }}",
		"{{ widgets.http.parsed.items | sort: 'price' | map: 'name' | uniq | compact | concat: flow.variables.tags | where: 'x' | first }}",
		"{{ '<b>x</b>\n' | strip_html | newline_to_br | escape | escape_once | slice: 1, 2 | capitalize | lstrip | rstrip }}",
		"{% raw %}{{ x }}{% endraw %}{% comment %}{% if %}{% endcomment %}",
		"{{ x | }}",
		"{% if %}",
		"{% endfor %}",
		"{{ (1..2000000000) | join }}",
		"{% break %}{% continue %}{% cycle 'a' %}",
		"{{ widgets. gather .Digits }}{% increment c %}{% decrement c %}{% echo 1 | plus: 1 %}",
		"{{ a[0][1].b.c | default: 1 | at_least: 5 | at_most: 2 | sum | size }}",
		"{{ 'x' | base64_encode | base64_decode | to_json | json }}",
		"Hello {{ trigger.call.From ", "{{ a }} {% if", "{% raw %}{{{% endraw %}", "{{ a |\n upcase }}",
	} {
		f.Add(s)
	}
	e := New(Limits{Timeout: 100 * time.Millisecond})
	vars := testVars()
	max := e.Limits().MaxOutput
	f.Fuzz(func(t *testing.T, tmpl string) {
		out, err := e.Render(context.Background(), tmpl, vars)
		if len(out) > max {
			t.Fatalf("output of %d bytes exceeds %d", len(out), max)
		}
		if err != nil {
			var re *RenderError
			if !errors.As(err, &re) || re.Code != 84003 || !errors.Is(err, ErrRender) {
				t.Fatalf("error is not a RenderError 84003: %T %v", err, err)
			}
			if out != "" {
				t.Fatalf("output %q with an error", out)
			}
		}
		if perr := Parse(tmpl); perr != nil && !errors.Is(perr, ErrRender) {
			t.Fatalf("Parse error is not a RenderError: %v", perr)
		}
		if at, why, ok := Literal(tmpl); ok && (!strings.HasPrefix(at, "{{") && !strings.HasPrefix(at, "{%") || why == "") {
			t.Fatalf("Literal(%q) = %q, %q", tmpl, at, why)
		}
	})
}
