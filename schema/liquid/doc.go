// Package liquid renders Twilio Studio's Liquid templates: osteele/liquid
// (parser and expression evaluator) with Studio's limits, Studio's filter set
// and the behaviour Studio flow authors rely on.
//
//	e := liquid.New(liquid.DefaultLimits()).WithLocation(loc)
//	s, err := e.Render(ctx, "Hi {{trigger.message.From}}", vars)
//
// # What a template sees
//
// vars is the execution context ("flow", "trigger", "widgets", "contact").
// It is read where it lies, never copied or modified; do not modify it while
// Render runs. As a template reads a value it is normalised: objects (any
// string-keyed map, including named map types such as the engine's Context)
// print as compact JSON, so "{{flow.data}}" in an HTTP body gives {"k":"v"}
// and not Go's map[k:v]; json.Number and float64 values that hold an integer
// become integers, other numbers floats, so comparisons ("{% if
// widgets.f.parsed.age > 39 %}") and arithmetic work on numbers however the
// context was decoded. Floats print as Ruby does: 2.5, 3.0, 1500000.0, never
// 1.5e+06. Values must form a tree (JSON-like); walks are depth-bounded.
//
// Undefined variables, and missing parts of a path
// ("{{widgets.x.parsed.a.b}}"), render as the empty string; they are not
// errors. "x == empty" (and "blank") is true when x is the empty string,
// as Studio authors use it to test for an empty reply. "widgets. name
// .parsed" (blanks around dots, seen in real flows) reads as
// "widgets.name.parsed", as Shopify's lax parser accepts it.
//
// # Tags
//
// if/elsif/else, unless, case/when/else, for/else (with limit:, offset:,
// reversed, forloop.*, break, continue, cycle), assign, capture, echo,
// increment, decrement, comment, raw. include and tablerow are absent: a
// flow has no files, and include would read the appliance's disk.
//
// # Filters
//
// Shopify Liquid 5 semantics (see FilterNames for the list):
//
//   - numbers: plus minus times divided_by modulo round ceil floor abs at_least
//     at_most. Strings are numbers ("5" | plus: 1 is 6, as Studio's help
//     says); integers stay integers (divided_by floors), a float operand
//     gives a float; dividing by zero is an error.
//   - strings: append prepend replace replace_first replace_last remove
//     remove_first remove_last upcase downcase capitalize strip lstrip rstrip
//     strip_newlines newline_to_br strip_html escape escape_once truncate
//     truncatewords split slice size url_encode url_decode base64_encode
//     base64_decode default.
//   - arrays: join first last sort sort_natural uniq map where compact reverse
//     concat sum (and size, slice).
//   - to_json (Studio's; alias json) encodes any value as compact JSON, e.g.
//     {"trigger": {{trigger | to_json}}}.
//   - date formats with strftime (%a %A %b %B %c %d %e %H %I %j %m %M %p %S
//     %y %Y %Z %z and the rest of Ruby's set, with the - _ 0 ^ flags). Its
//     input may be "now" or "today" (the engine's clock), a Unix time, or a
//     date in the common textual forms; a zone-less time is read in the
//     engine's location (WithLocation; default time.Local), a time with an
//     offset keeps it. Input that is not a date is returned unchanged.
//
// A filter that does not exist is a parse error (Parse reports it too), not
// a silent pass-through: a typo should show up when the flow is saved.
//
// # Validating templates
//
// Flow Validate (package schema) calls Parse, so a template is reported as
// not parsing exactly when Render would fail before its first word. A "{{" or
// "{%" that is never closed (or that the scanner does not read as markup, such
// as an object whose expression spans lines) is printed as text, not refused;
// Literal finds it so validators can warn about it apart from parse errors.
//
// # Limits and failures
//
// Every failure is a *RenderError with Code 84003 (Studio's "Unable to render
// block"), a Kind, and a Message that names the fault and, when known, its
// line and column. errors.Is(err, ErrRender) holds for all of them, and
// errors.Is(err, context.DeadlineExceeded / context.Canceled) for timeouts
// and cancellation.
//
//   - MaxOutput (16 KB, Studio's): the output goes to a writer that refuses
//     the first write that would cross the limit, which aborts the render;
//     an oversized string is never built in full.
//   - MaxLoop (15, Studio's): a for loop whose collection, after offset and
//     limit, has more items than that fails before its first iteration (it
//     is not silently cut short). The cap is per loop: nested loops of 15
//     are allowed, and the timeout bounds their product. Ranges are not
//     expanded to be counted, so "(1..1000000000)" fails at once.
//   - MaxValue (1 MiB): a filter or capture that would build a longer
//     string (or an array of more than MaxValue/16 items) fails; filters
//     that grow strings (append, replace, join …) check before building.
//     This stops doubling bombs made with assign and append.
//   - MaxSource (64 KB): longer templates are refused unparsed.
//   - Timeout (250 ms) and the caller's context: checked at every loop
//     iteration, tag, filter call and every few writes, so a render stops
//     soon after its deadline. Rendering is synchronous; no goroutine is
//     started.
//   - A panic inside osteele/liquid is recovered and becomes a RenderError
//     of KindInternal.
//
// Parsed templates are cached per Engine (bounded), so rendering the same
// field again costs only the render.
package liquid
