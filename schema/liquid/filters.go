package liquid

import (
	"encoding/base64"
	"errors"
	"fmt"
	"html"
	"math"
	"math/bits"
	"net/url"
	"regexp"
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/osteele/liquid/render"
	"github.com/osteele/liquid/values"
)

// slot connects the filters registered on one pooled config to the render
// that currently uses that config. A pooled config serves one render at a
// time, so the filters can reach the render's state (deadline, limits)
// without any shared mutable state between renders.
type slot struct {
	st  *renderState
	env *env
}

// filterFunc is a filter's body: the input, the arguments as evaluated.
type filterFunc func(c *call, in any, args []any) (any, error)

type call struct {
	name string
	st   *renderState
	env  *env
}

type filterDef struct {
	min, max int // number of arguments after the input
	fn       filterFunc
}

// filterTable lists every filter templates can use. Semantics follow Shopify
// Liquid 5 (Ruby) unless noted; to_json is Studio's.
var filterTable = map[string]filterDef{
	// numbers
	"plus":       {1, 1, arith(func(a, b int) (int, bool) { return addOK(a, b) }, func(a, b float64) float64 { return a + b })},
	"minus":      {1, 1, arith(func(a, b int) (int, bool) { return addOK(a, -b) }, func(a, b float64) float64 { return a - b })},
	"times":      {1, 1, arith(mulOK, func(a, b float64) float64 { return a * b })},
	"divided_by": {1, 1, dividedBy},
	"modulo":     {1, 1, modulo},
	"round":      {0, 1, round},
	"ceil":       {0, 0, func(_ *call, in any, _ []any) (any, error) { return toRounded(math.Ceil(toNum(in).float64())), nil }},
	"floor":      {0, 0, func(_ *call, in any, _ []any) (any, error) { return toRounded(math.Floor(toNum(in).float64())), nil }},
	"abs":        {0, 0, abs},
	"at_least":   {1, 1, bound(true)},
	"at_most":    {1, 1, bound(false)},

	// dates
	"date": {0, 1, date},

	// JSON and encodings
	"to_json":       {0, 0, toJSON},
	"json":          {0, 0, toJSON},
	"url_encode":    {0, 0, strFilter(url.QueryEscape)},
	"url_decode":    {0, 0, strFilter(urlDecode)},
	"base64_encode": {0, 0, strFilter(func(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) })},
	"base64_decode": {0, 0, base64Decode},
	"escape":        {0, 0, nilOr(escapeHTML)},
	"escape_once":   {0, 0, nilOr(func(s string) string { return escapeHTML(html.UnescapeString(s)) })},

	// strings
	"default":        {1, 1, defaultFilter},
	"append":         {1, 1, appendFilter(false)},
	"prepend":        {1, 1, appendFilter(true)},
	"replace":        {1, 2, replaceFilter(-1, false)},
	"replace_first":  {1, 2, replaceFilter(1, false)},
	"replace_last":   {1, 2, replaceFilter(1, true)},
	"remove":         {1, 1, removeFilter(-1, false)},
	"remove_first":   {1, 1, removeFilter(1, false)},
	"remove_last":    {1, 1, removeFilter(1, true)},
	"upcase":         {0, 0, strFilter(strings.ToUpper)},
	"downcase":       {0, 0, strFilter(strings.ToLower)},
	"capitalize":     {0, 0, strFilter(capitalize)},
	"strip":          {0, 0, strFilter(strings.TrimSpace)},
	"lstrip":         {0, 0, strFilter(func(s string) string { return strings.TrimLeftFunc(s, unicode.IsSpace) })},
	"rstrip":         {0, 0, strFilter(func(s string) string { return strings.TrimRightFunc(s, unicode.IsSpace) })},
	"strip_newlines": {0, 0, strFilter(func(s string) string { return crlf.ReplaceAllString(s, "") })},
	"newline_to_br":  {0, 0, strFilter(func(s string) string { return crlf.ReplaceAllString(s, "<br />\n") })},
	"strip_html":     {0, 0, strFilter(stripHTML)},
	"truncate":       {0, 2, truncate},
	"truncatewords":  {0, 2, truncateWords},
	"split":          {0, 1, split},
	"slice":          {1, 2, slice},
	"size":           {0, 0, size},

	// arrays
	"join":         {0, 1, join},
	"first":        {0, 0, firstLast(true)},
	"last":         {0, 0, firstLast(false)},
	"sort":         {0, 1, sortFilter(false)},
	"sort_natural": {0, 1, sortFilter(true)},
	"uniq":         {0, 1, uniq},
	"map":          {1, 1, mapFilter},
	"where":        {1, 2, where},
	"compact":      {0, 1, compact},
	"reverse":      {0, 0, reverse},
	"concat":       {1, 1, concat},
	"sum":          {0, 1, sum},
}

// FilterNames returns the names of the filters templates may use, sorted.
func FilterNames() []string {
	names := make([]string, 0, len(filterTable))
	for n := range filterTable {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

func registerFilters(cfg *render.Config, s *slot) {
	for name, def := range filterTable {
		cfg.AddFilter(name, s.bind(name, def))
	}
}

// bind wraps a filter body into the shape osteele calls by reflection. Taking
// the input and arguments as any keeps osteele's own (panicking) conversions
// out of the way: each filter converts what it gets itself.
func (s *slot) bind(name string, def filterDef) func(any, ...any) (any, error) {
	return func(in any, args ...any) (any, error) {
		st := s.st
		if st == nil {
			return nil, errors.New("filter used outside a render")
		}
		if err := st.check(); err != nil {
			return nil, err
		}
		if len(args) < def.min || len(args) > def.max {
			return nil, arityError(name, def, len(args))
		}
		in = normArg(in)
		for i := range args {
			args[i] = normArg(args[i])
		}
		out, err := def.fn(&call{name, st, s.env}, in, args)
		if err != nil {
			return nil, err
		}
		switch t := out.(type) {
		case string:
			if err := st.checkString(name, len(t)); err != nil {
				return nil, err
			}
		case []any:
			if err := st.checkItems(name, len(t)); err != nil {
				return nil, err
			}
		}
		return out, nil
	}
}

// normArg normalises a filter's input or argument. Values from the context
// arrive already normalised (objects and arrays normalise what they hand
// out), so a float64 here is a template literal: 2.0 stays a float.
func normArg(v any) any {
	if f, ok := v.(float64); ok {
		return float(f)
	}
	return norm(v)
}

func arityError(name string, def filterDef, got int) error {
	switch {
	case def.min == def.max && def.min == 0:
		return fmt.Errorf("%s takes no arguments, got %d", name, got)
	case def.min == def.max:
		return fmt.Errorf("%s takes %d argument(s), got %d", name, def.min, got)
	}
	return fmt.Errorf("%s takes %d to %d arguments, got %d", name, def.min, def.max, got)
}

func arg(args []any, i int, def any) any {
	if i < len(args) {
		return args[i]
	}
	return def
}

// ---- numbers ----

func addOK(a, b int) (int, bool) {
	c := a + b
	return c, (c > a) == (b > 0)
}

func mulOK(a, b int) (int, bool) {
	if a == 0 || b == 0 {
		return 0, true
	}
	hi, lo := bits.Mul64(uint64(absInt(a)), uint64(absInt(b)))
	if hi != 0 || lo > math.MaxInt64 || a == math.MinInt || b == math.MinInt {
		return 0, false
	}
	if (a < 0) != (b < 0) {
		return -int(lo), true
	}
	return int(lo), true
}

func absInt(a int) int {
	if a < 0 {
		return -a
	}
	return a
}

// arith applies an operation: integers stay integers (falling back to a float
// on overflow), anything with a float becomes a float. Strings are numbers:
// "1" | plus: 1 is 2.
func arith(ints func(a, b int) (int, bool), floats func(a, b float64) float64) filterFunc {
	return func(_ *call, in any, args []any) (any, error) {
		a, b := toNum(in), toNum(args[0])
		if !a.isFloat && !b.isFloat {
			if r, ok := ints(a.i, b.i); ok {
				return r, nil
			}
		}
		return float(floats(a.float64(), b.float64())), nil
	}
}

var errDivZero = errors.New("divided by 0")

func dividedBy(_ *call, in any, args []any) (any, error) {
	a, b := toNum(in), toNum(args[0])
	if !a.isFloat && !b.isFloat {
		if b.i == 0 {
			return nil, errDivZero
		}
		q := a.i / b.i
		if (a.i%b.i != 0) && ((a.i < 0) != (b.i < 0)) {
			q-- // Ruby floors integer division
		}
		return q, nil
	}
	if b.float64() == 0 {
		return nil, errDivZero
	}
	return float(a.float64() / b.float64()), nil
}

func modulo(_ *call, in any, args []any) (any, error) {
	a, b := toNum(in), toNum(args[0])
	if !a.isFloat && !b.isFloat {
		if b.i == 0 {
			return nil, errDivZero
		}
		r := a.i % b.i
		if r != 0 && (r < 0) != (b.i < 0) {
			r += b.i // Ruby: the result takes the divisor's sign
		}
		return r, nil
	}
	x, y := a.float64(), b.float64()
	if y == 0 {
		return nil, errDivZero
	}
	return float(x - y*math.Floor(x/y)), nil
}

func round(_ *call, in any, args []any) (any, error) {
	n := toNum(in)
	places := toInt(arg(args, 0, 0))
	if !n.isFloat {
		if places >= 0 {
			return n.i, nil
		}
		p := math.Pow10(-places)
		return toRounded(math.Round(float64(n.i)/p) * p), nil
	}
	if math.IsNaN(n.f) || math.IsInf(n.f, 0) {
		return float(n.f), nil
	}
	if places == 0 {
		return toRounded(math.Round(n.f)), nil
	}
	if places > 15 {
		return float(n.f), nil
	}
	p := math.Pow10(places)
	r := math.Round(n.f*p) / p
	if places < 0 {
		return toRounded(r), nil
	}
	return float(r), nil
}

// toRounded returns an integral float as int when it fits.
func toRounded(f float64) any {
	if f >= math.MinInt64 && f < math.MaxInt64 && !math.IsNaN(f) {
		return int(f)
	}
	return float(f)
}

func abs(_ *call, in any, _ []any) (any, error) {
	n := toNum(in)
	if n.isFloat {
		return float(math.Abs(n.f)), nil
	}
	if n.i == math.MinInt {
		return float(-float64(n.i)), nil
	}
	return absInt(n.i), nil
}

func bound(least bool) filterFunc {
	return func(_ *call, in any, args []any) (any, error) {
		a, b := toNum(in), toNum(args[0])
		less := a.float64() < b.float64()
		if least == less {
			return b.value(), nil
		}
		return a.value(), nil
	}
}

// ---- dates ----

// date formats a date with strftime directives. Input that is not a date
// comes back unchanged (as in Ruby); nil and "" give "".
func date(c *call, in any, args []any) (any, error) {
	if in == nil || in == "" {
		return in, nil
	}
	format := toStr(arg(args, 0, nil))
	if format == "" {
		return in, nil
	}
	t, ok := toTime(in, c.env.location(), c.env.clock())
	if !ok {
		return in, nil
	}
	s, err := strftime(format, t, c.st.lim.MaxValue)
	if err != nil {
		return nil, c.st.checkString("date", c.st.lim.MaxValue+1)
	}
	return s, nil
}

// ---- JSON and encodings ----

func toJSON(_ *call, in any, _ []any) (any, error) {
	b, err := marshalJSON(in)
	if err != nil {
		return nil, fmt.Errorf("cannot encode as JSON: %v", err)
	}
	return string(b), nil
}

// urlDecode is CGI.unescape: "+" is a space, %XX is a byte, and a stray "%"
// stays as it is.
func urlDecode(s string) string {
	if !strings.ContainsAny(s, "%+") {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '+':
			b.WriteByte(' ')
		case c == '%' && i+2 < len(s) && isHex(s[i+1]) && isHex(s[i+2]):
			b.WriteByte(unhex(s[i+1])<<4 | unhex(s[i+2]))
			i += 2
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

func isHex(c byte) bool {
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')
}

func unhex(c byte) byte {
	switch {
	case c >= 'a':
		return c - 'a' + 10
	case c >= 'A':
		return c - 'A' + 10
	}
	return c - '0'
}

func base64Decode(_ *call, in any, _ []any) (any, error) {
	s := strings.TrimSpace(toStr(in))
	b, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		if b, err = base64.RawStdEncoding.DecodeString(strings.TrimRight(s, "=")); err != nil {
			return nil, errors.New("invalid base64")
		}
	}
	return string(b), nil
}

var htmlEscaper = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&quot;", "'", "&#39;")

func escapeHTML(s string) string { return htmlEscaper.Replace(s) }

// ---- strings ----

// strFilter lifts a string function: the input is converted to text first.
func strFilter(f func(string) string) filterFunc {
	return func(_ *call, in any, _ []any) (any, error) { return f(toStr(in)), nil }
}

// nilOr is strFilter, but nil stays nil.
func nilOr(f func(string) string) filterFunc {
	return func(_ *call, in any, _ []any) (any, error) {
		if in == nil {
			return nil, nil
		}
		return f(toStr(in)), nil
	}
}

var crlf = regexp.MustCompile(`\r?\n`)

func defaultFilter(_ *call, in any, args []any) (any, error) {
	if !truthy(in) || isEmpty(in) {
		return args[0], nil
	}
	return in, nil
}

func appendFilter(prepend bool) filterFunc {
	return func(c *call, in any, args []any) (any, error) {
		a, b := toStr(in), toStr(args[0])
		if err := c.st.checkString(c.name, len(a)+len(b)); err != nil {
			return nil, err
		}
		if prepend {
			return b + a, nil
		}
		return a + b, nil
	}
}

func replaceFilter(n int, last bool) filterFunc {
	return func(c *call, in any, args []any) (any, error) {
		return replaceN(c, toStr(in), toStr(args[0]), toStr(arg(args, 1, "")), n, last)
	}
}

func removeFilter(n int, last bool) filterFunc {
	return func(c *call, in any, args []any) (any, error) {
		return replaceN(c, toStr(in), toStr(args[0]), "", n, last)
	}
}

// replaceN replaces n occurrences (-1: all) of old, from the end when last.
// It refuses before building a result over the value limit.
func replaceN(c *call, s, old, repl string, n int, last bool) (any, error) {
	count := strings.Count(s, old) // for old == "": runes + 1
	if n >= 0 && count > n {
		count = n
	}
	if err := c.st.checkString(c.name, len(s)+count*(len(repl)-len(old))); err != nil {
		return nil, err
	}
	if last {
		i := strings.LastIndex(s, old)
		if i < 0 {
			return s, nil
		}
		return s[:i] + repl + s[i+len(old):], nil
	}
	return strings.Replace(s, old, repl, n), nil
}

// capitalize upper-cases the first character and lower-cases the rest.
func capitalize(s string) string {
	r, n := utf8.DecodeRuneInString(s)
	if n == 0 {
		return s
	}
	return string(unicode.ToUpper(r)) + strings.ToLower(s[n:])
}

var (
	htmlBlocks = regexp.MustCompile(`(?is)<script.*?</script>|<!--.*?-->|<style.*?</style>`)
	htmlTags   = regexp.MustCompile(`(?s)<.*?>`)
)

func stripHTML(s string) string {
	return htmlTags.ReplaceAllString(htmlBlocks.ReplaceAllString(s, ""), "")
}

// truncate shortens to length characters, the ellipsis included.
func truncate(_ *call, in any, args []any) (any, error) {
	if in == nil {
		return nil, nil
	}
	s := toStr(in)
	length := toInt(arg(args, 0, 50))
	ellipsis := toStr(arg(args, 1, "..."))
	if runeLen(s) <= length {
		return s, nil
	}
	keep := max(length-runeLen(ellipsis), 0)
	return prefixRunes(s, keep) + ellipsis, nil
}

func prefixRunes(s string, n int) string {
	for i := range s {
		if n == 0 {
			return s[:i]
		}
		n--
	}
	return s
}

// truncateWords keeps the first words words.
func truncateWords(_ *call, in any, args []any) (any, error) {
	if in == nil {
		return nil, nil
	}
	s := toStr(in)
	words := max(toInt(arg(args, 0, 15)), 1)
	ellipsis := toStr(arg(args, 1, "..."))
	fields := strings.Fields(s)
	if len(fields) <= words {
		return s, nil
	}
	return strings.Join(fields[:words], " ") + ellipsis, nil
}

// split is Ruby's String#split: " " splits on runs of white space (ignoring
// leading space), "" splits into characters, trailing empty items are dropped.
func split(c *call, in any, args []any) (any, error) {
	s := toStr(in)
	sep := toStr(arg(args, 0, " "))
	var parts []string
	switch sep {
	case " ":
		parts = strings.Fields(s)
	case "":
		parts = make([]string, 0, runeLen(s))
		for _, r := range s {
			parts = append(parts, string(r))
		}
	default:
		if err := c.st.checkItems(c.name, strings.Count(s, sep)+1); err != nil {
			return nil, err
		}
		parts = strings.Split(s, sep)
	}
	for len(parts) > 0 && parts[len(parts)-1] == "" {
		parts = parts[:len(parts)-1]
	}
	out := make([]any, len(parts))
	for i, p := range parts {
		out[i] = p
	}
	return out, nil
}

// slice takes length (default 1) characters or items from offset; a negative
// offset counts from the end.
func slice(c *call, in any, args []any) (any, error) {
	offset := toInt(args[0])
	length := toInt(arg(args, 1, 1))
	if asArray(in) {
		a, err := toArray(c, in)
		if err != nil {
			return nil, err
		}
		i, j, ok := window(len(a), offset, length)
		if !ok {
			return []any{}, nil
		}
		return append([]any(nil), a[i:j]...), nil
	}
	if in == nil {
		return "", nil
	}
	r := []rune(toStr(in))
	i, j, ok := window(len(r), offset, length)
	if !ok {
		return "", nil
	}
	return string(r[i:j]), nil
}

func window(n, offset, length int) (int, int, bool) {
	if offset < 0 {
		offset += n
	}
	if offset < 0 || offset > n || length < 0 {
		return 0, 0, false
	}
	end := n
	if length < n-offset {
		end = offset + length
	}
	return offset, end, true
}

func size(_ *call, in any, _ []any) (any, error) {
	switch t := in.(type) {
	case string:
		return runeLen(t), nil
	case array:
		return len(t), nil
	case object:
		return len(t), nil
	case values.Range:
		return max(t.Len(), 0), nil
	}
	return 0, nil
}

// ---- arrays ----

// asArray reports whether v (normalised) is a sequence: an array or a range.
func asArray(v any) bool {
	switch v.(type) {
	case array, values.Range:
		return true
	}
	return false
}

// toArray is Liquid's InputIterator: arrays and ranges item by item
// (normalised), nil as no items, anything else as a one-item array.
func toArray(c *call, v any) ([]any, error) {
	switch t := v.(type) {
	case nil:
		return nil, nil
	case array:
		return t.ToLiquid().([]any), nil
	case values.Range:
		n := max(t.Len(), 0)
		if err := c.st.checkItems(c.name, n); err != nil {
			return nil, err
		}
		a := make([]any, n)
		for i := range a {
			a[i] = t.Index(i)
		}
		return a, nil
	}
	return []any{v}, nil
}

// flatten expands nested arrays (Ruby's join and map flatten).
func flatten(c *call, a []any, depth int) ([]any, error) {
	nested := false
	for _, x := range a {
		if _, ok := x.(array); ok {
			nested = true
			break
		}
	}
	if !nested || depth > maxDepth {
		return a, nil
	}
	var out []any
	for _, x := range a {
		if inner, ok := x.(array); ok {
			f, err := flatten(c, inner.ToLiquid().([]any), depth+1)
			if err != nil {
				return nil, err
			}
			out = append(out, f...)
		} else {
			out = append(out, x)
		}
		if err := c.st.checkItems(c.name, len(out)); err != nil {
			return nil, err
		}
	}
	return out, nil
}

func join(c *call, in any, args []any) (any, error) {
	a, err := toArray(c, in)
	if err != nil {
		return nil, err
	}
	if a, err = flatten(c, a, 0); err != nil {
		return nil, err
	}
	sep := toStr(arg(args, 0, " "))
	var b strings.Builder
	for i, x := range a {
		if i > 0 {
			b.WriteString(sep)
		}
		b.WriteString(toStr(x))
		if err := c.st.checkString(c.name, b.Len()); err != nil {
			return nil, err
		}
	}
	return b.String(), nil
}

// firstLast is first/last of an array or range; other values give nil.
func firstLast(first bool) filterFunc {
	return func(c *call, in any, _ []any) (any, error) {
		var s seq
		switch t := in.(type) {
		case array:
			s = sliceSeq(t)
		case values.Range:
			s = t
		default:
			return nil, nil
		}
		n := s.Len()
		if n <= 0 {
			return nil, nil
		}
		if first {
			return s.Index(0), nil
		}
		return s.Index(n - 1), nil
	}
}

// sortFilter sorts by value or by a property; numbers before strings, nil
// last. sort_natural compares strings case-insensitively.
func sortFilter(natural bool) filterFunc {
	return func(c *call, in any, args []any) (any, error) {
		a, err := toArray(c, in)
		if err != nil {
			return nil, err
		}
		out := append([]any(nil), a...)
		key, byKey := "", len(args) > 0 && args[0] != nil
		if byKey {
			key = toStr(args[0])
		}
		sort.SliceStable(out, func(i, j int) bool {
			x, y := out[i], out[j]
			if byKey {
				x, y = property(x, key), property(y, key)
			}
			return compare(x, y, natural) < 0
		})
		return out, nil
	}
}

func uniq(c *call, in any, args []any) (any, error) {
	a, err := toArray(c, in)
	if err != nil {
		return nil, err
	}
	key, byKey := "", len(args) > 0 && args[0] != nil
	if byKey {
		key = toStr(args[0])
	}
	seen := make(map[string]bool, len(a))
	out := make([]any, 0, len(a))
	for _, x := range a {
		v := x
		if byKey {
			v = property(x, key)
		}
		k := identity(v)
		if !seen[k] {
			seen[k] = true
			out = append(out, x)
		}
	}
	return out, nil
}

// identity is a string that is equal for values uniq treats as the same.
func identity(v any) string {
	switch t := v.(type) {
	case nil:
		return "z"
	case string:
		return "s" + t
	case bool:
		return fmt.Sprint("b", t)
	}
	if isNumber(v) {
		n := toNum(v)
		if n.isFloat {
			return fmt.Sprint("f", n.f)
		}
		return fmt.Sprint("i", n.i)
	}
	return "j" + jsonString(v)
}

func mapFilter(c *call, in any, args []any) (any, error) {
	a, err := toArray(c, in)
	if err != nil {
		return nil, err
	}
	if a, err = flatten(c, a, 0); err != nil {
		return nil, err
	}
	key := toStr(args[0])
	out := make([]any, len(a))
	for i, x := range a {
		out[i] = property(x, key)
	}
	return out, nil
}

// where keeps the items whose property equals value, or (without a value)
// whose property is truthy.
func where(c *call, in any, args []any) (any, error) {
	a, err := toArray(c, in)
	if err != nil {
		return nil, err
	}
	key := toStr(args[0])
	out := []any{}
	for _, x := range a {
		v := property(x, key)
		if len(args) == 1 {
			if truthy(v) {
				out = append(out, x)
			}
		} else if equal(v, args[1]) {
			out = append(out, x)
		}
	}
	return out, nil
}

func compact(c *call, in any, args []any) (any, error) {
	a, err := toArray(c, in)
	if err != nil {
		return nil, err
	}
	out := []any{}
	for _, x := range a {
		v := x
		if len(args) > 0 && args[0] != nil {
			v = property(x, toStr(args[0]))
		}
		if v != nil {
			out = append(out, x)
		}
	}
	return out, nil
}

func reverse(c *call, in any, _ []any) (any, error) {
	a, err := toArray(c, in)
	if err != nil {
		return nil, err
	}
	out := make([]any, len(a))
	for i, x := range a {
		out[len(a)-1-i] = x
	}
	return out, nil
}

func concat(c *call, in any, args []any) (any, error) {
	if !asArray(args[0]) {
		return nil, errors.New("concat needs an array argument")
	}
	a, err := toArray(c, in)
	if err != nil {
		return nil, err
	}
	b, err := toArray(c, args[0])
	if err != nil {
		return nil, err
	}
	if err := c.st.checkItems(c.name, len(a)+len(b)); err != nil {
		return nil, err
	}
	out := make([]any, 0, len(a)+len(b))
	return append(append(out, a...), b...), nil
}

func sum(c *call, in any, args []any) (any, error) {
	a, err := toArray(c, in)
	if err != nil {
		return nil, err
	}
	total := intNum(0)
	for _, x := range a {
		if len(args) > 0 && args[0] != nil {
			x = property(x, toStr(args[0]))
		}
		n := toNum(x)
		if !total.isFloat && !n.isFloat {
			if r, ok := addOK(total.i, n.i); ok {
				total = intNum(r)
				continue
			}
		}
		total = floatNum(total.float64() + n.float64())
	}
	return total.value(), nil
}
