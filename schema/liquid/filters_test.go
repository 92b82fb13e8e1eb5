package liquid

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestFilters(t *testing.T) {
	e := New(testLimits())
	vars := testVars()
	vars["n"] = map[string]any{
		"int": json.Number("7"), "neg": json.Number("-7"), "float": json.Number("2.5"),
		"str": "5", "strf": "1.25", "junk": "abc",
	}
	vars["s"] = map[string]any{
		"html":  `<p class="x">Fish & "Chips"</p><script>alert(1)</script><!-- note -->`,
		"lines": "one\ntwo\r\nthree",
		"pad":   " \t padded \n ",
		"url":   "a b&c=d/é",
		"long":  "The quick brown fox jumps over the lazy dog",
	}
	vars["list"] = []any{json.Number("3"), json.Number("1"), json.Number("2"), json.Number("1"), nil}
	vars["words"] = []any{"banana", "Apple", "cherry"}
	vars["nested"] = []any{[]any{"a", "b"}, []any{"c"}}

	tests := []struct {
		name, tmpl, want string
	}{
		// numbers
		{"plus ints", "{{ 1 | plus: 2 }}", "3"},
		{"plus json.Number", "{{ n.int | plus: 1 }}", "8"},
		{"plus string number", "{{ n.str | plus: 1 }}", "6"},
		{"plus float", "{{ n.int | plus: 0.5 }}", "7.5"},
		{"plus junk string is 0", "{{ n.junk | plus: 1 }}", "1"},
		{"plus undefined is 0", "{{ nothing | plus: 1 }}", "1"},
		{"minus", "{{ 10 | minus: n.int }}", "3"},
		{"minus float", "{{ n.float | minus: 1 }}", "1.5"},
		{"times", "{{ n.int | times: 3 }}", "21"},
		{"times float", "{{ n.float | times: 2 }}", "5.0"},
		{"times large float", "{{ 1.5 | times: 1000000 }}", "1500000.0"},
		{"times overflow becomes float", "{{ 9223372036854775807 | times: 2 }}", "1.8446744073709552e+19"},
		{"divided_by floors ints", "{{ n.int | divided_by: 2 }}", "3"},
		{"divided_by floors negatives", "{{ n.neg | divided_by: 2 }}", "-4"},
		{"divided_by float", "{{ n.int | divided_by: 2.0 }}", "3.5"},
		{"divided_by string", "{{ '9' | divided_by: '3' }}", "3"},
		{"modulo", "{{ n.int | modulo: 3 }}", "1"},
		{"modulo negative", "{{ n.neg | modulo: 3 }}", "2"},
		{"modulo float", "{{ 5.5 | modulo: 2 }}", "1.5"},
		{"round", "{{ 2.5 | round }}", "3"},
		{"round negative half", "{{ -2.5 | round }}", "-3"},
		{"round places", "{{ 3.14159 | round: 2 }}", "3.14"},
		{"round int", "{{ 7 | round: 2 }}", "7"},
		{"round string", "{{ n.strf | round: 1 }}", "1.3"},
		{"ceil", "{{ 1.2 | ceil }}", "2"},
		{"ceil string", "{{ '3.01' | ceil }}", "4"},
		{"floor", "{{ 1.8 | floor }}", "1"},
		{"floor negative", "{{ -1.2 | floor }}", "-2"},
		{"abs", "{{ n.neg | abs }}", "7"},
		{"abs float", "{{ -2.5 | abs }}", "2.5"},
		{"abs string", "{{ '-3' | abs }}", "3"},
		{"at_least", "{{ 3 | at_least: 5 }}", "5"},
		{"at_most", "{{ 3 | at_most: 2 }}", "2"},
		{"sum", "{{ list | sum }}", "7"},
		{"sum property", "{{ widgets.http.parsed.items | sum: 'price' }}", "9.5"},

		// JSON and encodings
		{"to_json object", "{{ widgets.http.parsed.person | to_json }}", `{"age":40,"name":"Grace"}`},
		{"to_json string", `{{ s.html | to_json }}`, `"<p class=\"x\">Fish & \"Chips\"</p><script>alert(1)</script><!-- note -->"`},
		{"to_json nil", "{{ nothing | to_json }}", "null"},
		{"to_json number", "{{ n.float | to_json }}", "2.5"},
		{"to_json array", "{{ list | to_json }}", "[3,1,2,1,null]"},
		{"to_json nested", "{{ trigger | to_json }}", `{"message":{"Body":"  Yes please \n","From":"+15552223333","To":"+15550001111"}}`},
		{"json alias", "{{ words | json }}", `["banana","Apple","cherry"]`},
		{"url_encode", "{{ s.url | url_encode }}", "a+b%26c%3Dd%2F%C3%A9"},
		{"url_encode phone", "{{ trigger.message.From | url_encode }}", "%2B15552223333"},
		{"url_decode", "{{ 'a+b%26c%3Dd%2F%C3%A9' | url_decode }}", "a b&c=d/é"},
		{"url_decode stray percent", "{{ '100%+sure%2' | url_decode }}", "100% sure%2"},
		{"base64_encode", "{{ 'hello' | base64_encode }}", "aGVsbG8="},
		{"base64_decode", "{{ 'aGVsbG8=' | base64_decode }}", "hello"},
		{"escape", "{{ s.html | escape }}", "&lt;p class=&quot;x&quot;&gt;Fish &amp; &quot;Chips&quot;&lt;/p&gt;&lt;script&gt;alert(1)&lt;/script&gt;&lt;!-- note --&gt;"},
		{"escape quote", `{{ "it's" | escape }}`, "it&#39;s"},
		{"escape_once", "{{ '1 &lt; 2 & 3' | escape_once }}", "1 &lt; 2 &amp; 3"},

		// strings
		{"default on nil", "{{ nothing | default: 'none' }}", "none"},
		{"default on empty string", "{{ widgets.reply.inbound.Body | default: 'none' }}", "none"},
		{"default on empty array", "{{ widgets.http.parsed.empty_list | default: 'none' }}", "none"},
		{"default on false", "{{ false | default: 'none' }}", "none"},
		{"default keeps value", "{{ widgets.gather.Digits | default: 'nothing' }}", "42"},
		{"default keeps 0", "{{ 0 | default: 'none' }}", "0"},
		{"replace", "{{ '1.234.567' | replace: '.', '' }}", "1234567"},
		{"replace missing replacement", "{{ 'a-b-c' | replace: '-' }}", "abc"},
		{"replace_first", "{{ 'a-b-c' | replace_first: '-', '+' }}", "a+b-c"},
		{"replace_last", "{{ 'a-b-c' | replace_last: '-', '+' }}", "a-b+c"},
		{"remove", "{{ '(555) 123' | remove: ' ' | remove: '(' | remove: ')' }}", "555123"},
		{"remove_first", "{{ 'aXbXc' | remove_first: 'X' }}", "abXc"},
		{"remove_last", "{{ 'aXbXc' | remove_last: 'X' }}", "aXbc"},
		{"append", "{{ flow.data.name | append: '!' }}", "Ada!"},
		{"append number", "{{ 'n=' | append: n.int }}", "n=7"},
		{"prepend", "{{ flow.data.name | prepend: 'Dr ' }}", "Dr Ada"},
		{"upcase", "{{ flow.variables.name | upcase }}", "ADA LOVELACE"},
		{"downcase", "{{ 'HeLLo' | downcase }}", "hello"},
		{"capitalize", "{{ flow.variables.name | capitalize }}", "Ada lovelace"},
		{"capitalize lowers the rest", "{{ 'hELLO' | capitalize }}", "Hello"},
		{"capitalize unicode", "{{ 'élan' | capitalize }}", "Élan"},
		{"strip", "[{{ s.pad | strip }}]", "[padded]"},
		{"lstrip", "[{{ s.pad | lstrip }}]", "[padded \n ]"},
		{"rstrip", "[{{ s.pad | rstrip }}]", "[ \t padded]"},
		{"strip reply body", "[{{ trigger.message.Body | strip | downcase }}]", "[yes please]"},
		{"strip_newlines", "{{ s.lines | strip_newlines }}", "onetwothree"},
		{"newline_to_br", "{{ s.lines | newline_to_br }}", "one<br />\ntwo<br />\nthree"},
		{"strip_html", "{{ s.html | strip_html }}", `Fish & "Chips"`},
		{"truncate", "{{ s.long | truncate: 13 }}", "The quick ..."},
		{"truncate ellipsis", "{{ s.long | truncate: 10, '…' }}", "The quick…"},
		{"truncate short", "{{ 'short' | truncate: 10 }}", "short"},
		{"truncate default 50", "{{ s.long | truncate }}", "The quick brown fox jumps over the lazy dog"},
		{"truncatewords", "{{ s.long | truncatewords: 3 }}", "The quick brown..."},
		{"truncatewords custom", "{{ s.long | truncatewords: 2, '--' }}", "The quick--"},
		{"split and join", "{{ 'a,b,,c,,' | split: ',' | join: '|' }}", "a|b||c"},
		{"split on space", "{{ '  a  b c ' | split: ' ' | join: '|' }}", "a|b|c"},
		{"split chars", "{{ 'abc' | split: '' | join: '-' }}", "a-b-c"},
		{"split size", "{{ 'a b c' | split: ' ' | size }}", "3"},
		{"join default separator", "{{ words | join }}", "banana Apple cherry"},
		{"join nested", "{{ nested | join: ',' }}", "a,b,c"},
		{"join skips nil as empty", "{{ list | join: ',' }}", "3,1,2,1,"},
		{"size string", "{{ 'héllo' | size }}", "5"},
		{"size array", "{{ words | size }}", "3"},
		{"size object", "{{ widgets.http.parsed.person | size }}", "2"},
		{"size nil", "{{ nothing | size }}", "0"},
		{"size digits", "{{ widgets.gather.Digits | size }}", "2"},
		{"slice string", "{{ 'hello' | slice: 1, 3 }}", "ell"},
		{"slice default length", "{{ 'hello' | slice: 0 }}", "h"},
		{"slice negative", "{{ 'hello' | slice: -3, 2 }}", "ll"},
		{"slice past end", "{{ 'hello' | slice: 3, 10 }}", "lo"},
		{"slice out of range", "[{{ 'hello' | slice: 10 }}]", "[]"},
		{"slice array", "{{ words | slice: 1, 2 | join: ',' }}", "Apple,cherry"},
		{"slice unicode", "{{ 'héllo' | slice: 1, 2 }}", "él"},

		// arrays
		{"first", "{{ words | first }}", "banana"},
		{"last", "{{ words | last }}", "cherry"},
		{"first of split", "{{ 'a b' | split: ' ' | first }}", "a"},
		{"first of range", "{{ (3..9) | first }}", "3"},
		{"last of range", "{{ (3..9) | last }}", "9"},
		{"first of empty", "[{{ widgets.http.parsed.empty_list | first }}]", "[]"},
		{"first object property", "{{ widgets.http.parsed.items | first | map: 'name' }}", "tea"},
		{"sort strings", "{{ words | sort | join: ',' }}", "Apple,banana,cherry"},
		{"sort numbers nil last", "{{ list | sort | join: ',' }}", "1,1,2,3,"},
		{"sort by property", "{{ widgets.http.parsed.items | sort: 'price' | map: 'name' | join: ',' }}", "bun,tea,cake"},
		{"sort_natural", "{{ 'b,A,c,a' | split: ',' | sort_natural | join: ',' }}", "A,a,b,c"},
		{"uniq", "{{ flow.variables.tags | uniq | join: ',' }}", "b,a,c"},
		{"uniq numbers", "{{ list | uniq | join: ',' }}", "3,1,2,"},
		{"uniq property", "{{ widgets.http.parsed.items | uniq: 'stock' | size }}", "2"},
		{"map", "{{ widgets.http.parsed.items | map: 'name' | join: ', ' }}", "tea, cake, bun"},
		{"map missing property", "{{ widgets.http.parsed.items | map: 'nope' | compact | size }}", "0"},
		{"where value", "{{ widgets.http.parsed.items | where: 'stock', true | map: 'name' | join: ',' }}", "tea,bun"},
		{"where truthy", "{{ widgets.http.parsed.items | where: 'stock' | size }}", "2"},
		{"where number", "{{ widgets.http.parsed.items | where: 'price', 5.5 | map: 'name' | first }}", "cake"},
		{"where string", "{{ widgets.http.parsed.items | where: 'name', 'bun' | map: 'price' | first }}", "1"},
		{"compact", "{{ list | compact | join: ',' }}", "3,1,2,1"},
		{"compact property", "{{ widgets.http.parsed.items | compact: 'name' | size }}", "3"},
		{"reverse", "{{ words | reverse | join: ',' }}", "cherry,Apple,banana"},
		{"reverse range", "{{ (1..4) | reverse | join: '' }}", "4321"},
		{"concat", "{{ words | concat: flow.variables.tags | join: ',' }}", "banana,Apple,cherry,b,a,c,a"},
		{"concat range", "{{ (1..2) | concat: (5..6) | join: ',' }}", "1,2,5,6"},
		{"for over sorted filter output", "{% for w in words | sort %}{{w}};{% endfor %}", "Apple;banana;cherry;"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			require.Equal(t, tc.want, mustRender(t, e, tc.tmpl, vars))
		})
	}
}

func TestFilterNamesCoverStudioSet(t *testing.T) {
	names := map[string]bool{}
	for _, n := range FilterNames() {
		names[n] = true
	}
	for _, n := range []string{"plus", "minus", "times", "divided_by", "modulo", "round", "ceil", "floor", "abs",
		"date", "to_json", "url_encode", "url_decode", "default", "replace", "replace_first", "remove", "append",
		"prepend", "upcase", "downcase", "capitalize", "strip", "lstrip", "rstrip", "truncate", "split", "join",
		"first", "last", "size", "slice", "escape", "newline_to_br", "strip_html", "sort", "uniq", "map", "where",
		"compact", "reverse", "concat", "strip_newlines"} {
		require.True(t, names[n], n)
	}
}

func TestDate(t *testing.T) {
	ny, err := time.LoadLocation("America/New_York")
	require.NoError(t, err)
	// Tuesday 2024-03-05 14:07:09.123456789 in New York (EST, -0500).
	now := time.Date(2024, 3, 5, 14, 7, 9, 123456789, ny)
	e := New(testLimits()).WithLocation(ny).WithClock(func() time.Time { return now })
	require.Equal(t, ny, e.Location())
	vars := map[string]any{
		"iso":      "2024-07-04T09:05:03Z",
		"offset":   "2024-07-04T09:05:03+02:00",
		"local":    "2024-07-04 21:05:03",
		"dateonly": "2024-12-25",
		"rfc2822":  "Thu, 04 Jul 2024 09:05:03 +0000",
		"unix":     json.Number("1700000000"),
		"unixstr":  "1700000000",
		"clock":    "16:35",
		"junk":     "not a date",
	}
	tests := []struct{ name, tmpl, want string }{
		{"now Y-m-d", `{{ "now" | date: "%Y-%m-%d" }}`, "2024-03-05"},
		{"today", `{{ "today" | date: "%d/%m/%Y" }}`, "05/03/2024"},
		{"%a %A", `{{ "now" | date: "%a %A" }}`, "Tue Tuesday"},
		{"%b %B %h", `{{ "now" | date: "%b %B %h" }}`, "Mar March Mar"},
		{"%c", `{{ "now" | date: "%c" }}`, "Tue Mar  5 14:07:09 2024"},
		{"%d %e", `{{ "now" | date: "[%d] [%e]" }}`, "[05] [ 5]"},
		{"%H %I %p", `{{ "now" | date: "%H %I %p %P" }}`, "14 02 PM pm"},
		{"%k %l", `{{ "now" | date: "[%k] [%l]" }}`, "[14] [ 2]"},
		{"%j", `{{ "now" | date: "%j" }}`, "065"},
		{"%m %M %S", `{{ "now" | date: "%m %M %S" }}`, "03 07 09"},
		{"%y %Y %C", `{{ "now" | date: "%y %Y %C" }}`, "24 2024 20"},
		{"%Z %z %:z", `{{ "now" | date: "%Z %z %:z" }}`, "EST -0500 -05:00"},
		{"%L %N %3N", `{{ "now" | date: "%L %N %3N" }}`, "123 123456789 123"},
		{"%s", `{{ "now" | date: "%s" }}`, "1709665629"},
		{"%u %w", `{{ "now" | date: "%u %w" }}`, "2 2"},
		{"%U %W %V %G", `{{ "now" | date: "%U %W %V %G" }}`, "09 10 10 2024"},
		{"%D %F %T %R %r", `{{ "now" | date: "%D|%F|%T|%R|%r" }}`, "03/05/24|2024-03-05|14:07:09|14:07|02:07:09 PM"},
		{"%x %X", `{{ "now" | date: "%x %X" }}`, "03/05/24 14:07:09"},
		{"%% and literal text", `{{ "now" | date: "100%% at %H" }}`, "100% at 14"},
		{"flags", `{{ "now" | date: "%-d/%-m %-I %_m %^a %^B %#p %010Y" }}`, "5/3 2  3 TUE MARCH pm 0000002024"},
		{"unknown directive kept", `{{ "now" | date: "%Q %Y" }}`, "%Q 2024"},
		{"trailing percent", `{{ "now" | date: "%Y%" }}`, "2024%"},
		{"ISO UTC keeps its zone", `{{ iso | date: "%Y-%m-%d %H:%M %Z" }}`, "2024-07-04 09:05 UTC"},
		{"offset keeps its zone", `{{ offset | date: "%H:%M %z" }}`, "09:05 +0200"},
		{"zone-less is local", `{{ local | date: "%H:%M %Z" }}`, "21:05 EDT"},
		{"date only", `{{ dateonly | date: "%A %e %B" }}`, "Wednesday 25 December"},
		{"RFC 2822", `{{ rfc2822 | date: "%a %H:%M" }}`, "Thu 09:05"},
		{"unix number", `{{ unix | date: "%Y-%m-%d %H:%M %Z" }}`, "2023-11-14 17:13 EST"},
		{"unix string", `{{ unixstr | date: "%Y" }}`, "2023"},
		{"clock time is today", `{{ clock | date: "%Y-%m-%d %H:%M" }}`, "2024-03-05 16:35"},
		{"not a date is unchanged", `{{ junk | date: "%Y" }}`, "not a date"},
		{"nil is empty", `[{{ nothing | date: "%Y" }}]`, "[]"},
		{"no format is unchanged", `{{ dateonly | date }}`, "2024-12-25"},
		{"date then compare", `{% assign h = "now" | date: "%H" | plus: 0 %}{% if h >= 9 and h < 17 %}open{% else %}closed{% endif %}`, "open"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			require.Equal(t, tc.want, mustRender(t, e, tc.tmpl, vars))
		})
	}
	t.Run("location changes now", func(t *testing.T) {
		utc := e.WithLocation(time.UTC)
		require.Equal(t, "19:07 UTC", mustRender(t, utc, `{{ "now" | date: "%H:%M %Z" }}`, nil))
	})
	t.Run("default location is Local", func(t *testing.T) {
		require.Equal(t, time.Local, New(Limits{}).Location())
		out, err := New(Limits{}).Render(context.Background(), `{{ "now" | date: "%Y" }}`, nil)
		require.NoError(t, err)
		require.Equal(t, time.Now().Format("2006"), out)
	})
}

func TestFloatFormatting(t *testing.T) {
	tenth := 0.1
	for _, tc := range []struct {
		f    float64
		want string
	}{
		{3, "3.0"}, {2.5, "2.5"}, {-0.25, "-0.25"}, {1500000, "1500000.0"}, {tenth + 0.2, "0.30000000000000004"},
		{1e20, "1.0e+20"}, {1.5e-5, "1.5e-05"}, {0, "0.0"},
	} {
		require.Equal(t, tc.want, formatFloat(tc.f), "%v", tc.f)
	}
}

func TestNorm(t *testing.T) {
	type named map[string]any
	type strMap map[string]string
	tests := []struct {
		in, want any
	}{
		{json.Number("12"), 12},
		{json.Number("1.5"), float(1.5)},
		{json.Number("123456789012345678901234"), float(1.2345678901234568e+23)},
		{3.0, 3},
		{2.5, float(2.5)},
		{float32(2.5), float(2.5)},
		{int64(9), 9},
		{uint8(4), 4},
		{[]byte("raw"), "raw"},
		{map[string]any{"x": 1}, object{"x": 1}},
		{named{"x": json.Number("1")}, object{"x": json.Number("1")}},
		{strMap{"x": "y"}, object{"x": "y"}},
		{[]any{1.0}, array{1.0}},
		{[]string{"p", "q"}, array{"p", "q"}},
		{"s", "s"},
		{nil, nil},
	}
	for _, tc := range tests {
		require.Equal(t, tc.want, norm(tc.in), "%#v", tc.in)
	}
	// Normalising is a type conversion: the caller's map is not copied.
	m := map[string]any{"a": 1}
	o := norm(m).(object)
	m["b"] = 2
	require.Equal(t, 2, o["b"])
}

func TestSelfReferenceDoesNotHang(t *testing.T) {
	loop := map[string]any{"name": "x"}
	loop["self"] = loop
	list := []any{1}
	list = append(list, list)
	e := New(testLimits())
	for _, tmpl := range []string{"{{ m.self.self.self.name }}", "{{ m | to_json | size }}", "{% if m == m %}eq{% endif %}", "{{ m | size }}"} {
		_, err := e.Render(context.Background(), tmpl, map[string]any{"m": loop, "l": list})
		if err != nil {
			require.ErrorIs(t, err, ErrRender)
		}
	}
}
