package liquid

import (
	"encoding/json"
	"fmt"
	"math"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/osteele/liquid/values"
)

// object is how a JSON object looks to templates. It is the caller's map
// itself (a type conversion, no copy); its values are normalised (see norm)
// one at a time as a template reads them. object implements osteele's
// values.Value, so osteele asks it for properties instead of reflecting on a
// raw map, and printing it with {{ }} yields JSON rather than Go's map[...]
// syntax.
type object map[string]any

// String renders the object as compact JSON (keys sorted).
func (o object) String() string { return jsonString(o) }

// The values.Value interface.

func (o object) Interface() any { return o }
func (o object) Int() int       { panic(values.TypeError("cannot convert an object to an integer")) }
func (o object) Equal(v values.Value) bool {
	return equal(o, v.Interface())
}
func (o object) Less(values.Value) bool { return false }
func (o object) Test() bool             { return true }
func (o object) Contains(v values.Value) bool {
	k, ok := v.Interface().(string)
	if !ok {
		return false
	}
	_, has := o[k]
	return has
}
func (o object) IndexValue(v values.Value) values.Value {
	k, ok := v.Interface().(string)
	if !ok {
		return values.ValueOf(nil)
	}
	return values.ValueOf(norm(o[k]))
}
func (o object) PropertyValue(v values.Value) values.Value {
	k, ok := v.Interface().(string)
	if !ok {
		return values.ValueOf(nil)
	}
	if x, has := o[k]; has {
		return values.ValueOf(norm(x))
	}
	if k == "size" {
		return values.ValueOf(len(o))
	}
	return values.ValueOf(nil)
}

// array is how a JSON array looks to templates: the caller's slice (no
// copy). osteele sees it through ToLiquid, which returns a new slice of the
// normalised items, only for the arrays a template actually touches.
type array []any

// ToLiquid implements osteele's drop interface.
func (a array) ToLiquid() any {
	out := make([]any, len(a))
	for i, x := range a {
		out[i] = norm(x)
	}
	return out
}

// float is how a non-integral number looks to templates. Its String method
// prints the way Ruby (and so Shopify Liquid) prints a Float: never in Go's
// exponent style for ordinary magnitudes, and always with a fraction part
// ("3.0"), which tells a float result apart from an integer one.
type float float64

func (f float) String() string { return formatFloat(float64(f)) }

func formatFloat(f float64) string {
	switch {
	case math.IsNaN(f):
		return "NaN"
	case math.IsInf(f, 1):
		return "Infinity"
	case math.IsInf(f, -1):
		return "-Infinity"
	}
	abs := math.Abs(f)
	if abs != 0 && (abs >= 1e16 || abs < 1e-4) {
		// Ruby style: 1.0e+20, 1.5e-05
		s := strconv.FormatFloat(f, 'e', -1, 64)
		mant, exp, _ := strings.Cut(s, "e")
		if !strings.Contains(mant, ".") {
			mant += ".0"
		}
		sign := exp[0]
		digits := strings.TrimLeft(exp[1:], "0")
		if len(digits) < 2 {
			digits = strings.Repeat("0", 2-len(digits)) + digits
		}
		return mant + "e" + string(sign) + digits
	}
	s := strconv.FormatFloat(f, 'f', -1, 64)
	if !strings.Contains(s, ".") {
		s += ".0"
	}
	return s
}

// maxDepth bounds the walks over nested values (JSON encoding, equality,
// printing), so that a structure that contains itself cannot recurse forever.
const maxDepth = 64

var objectType = reflect.TypeOf(object{})

// norm converts one value of the variables tree to what templates see,
// without copying containers:
//
//   - map[string]any (and any map type whose underlying type it is, such as
//     the engine's Context) becomes object; other string-keyed maps are
//     copied one level into an object;
//   - []any becomes array; other slices and arrays are copied one level;
//   - json.Number becomes int when it is an integer that fits, else float;
//   - float32/float64 holding an exact integer (|x| < 2^53) become int, other
//     floats become float; other integer kinds become int (float if too big);
//   - strings, bools, nil, time.Time, ranges and anything else are kept.
func norm(v any) any {
	switch t := v.(type) {
	case nil, string, bool, int, object, array, float, time.Time, values.Range:
		return v
	case map[string]any:
		return object(t)
	case []any:
		return array(t)
	case json.Number:
		return numberFromString(string(t))
	case float64:
		return fromFloat(t)
	case float32:
		return fromFloat(float64(t))
	}
	rv := reflect.ValueOf(v)
	switch rv.Kind() {
	case reflect.Map:
		if rv.Type().ConvertibleTo(objectType) {
			return rv.Convert(objectType).Interface()
		}
		if rv.Type().Key().Kind() != reflect.String {
			return v
		}
		m := make(object, rv.Len())
		it := rv.MapRange()
		for it.Next() {
			m[it.Key().String()] = it.Value().Interface()
		}
		return m
	case reflect.Slice, reflect.Array:
		if rv.Kind() == reflect.Slice && rv.Type().Elem().Kind() == reflect.Uint8 {
			return string(rv.Bytes())
		}
		a := make(array, rv.Len())
		for i := range a {
			a[i] = rv.Index(i).Interface()
		}
		return a
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return int(rv.Int())
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		u := rv.Uint()
		if u <= math.MaxInt64 {
			return int(u)
		}
		return float(float64(u))
	case reflect.Float32, reflect.Float64:
		return fromFloat(rv.Float())
	case reflect.String:
		return rv.String()
	case reflect.Bool:
		return rv.Bool()
	case reflect.Pointer, reflect.Interface:
		if rv.IsNil() {
			return nil
		}
		return norm(rv.Elem().Interface())
	}
	return v
}

// fromFloat turns an integral float into int (JSON decoded into any gives
// float64 for every number; Studio's values keep JSON integers integers).
func fromFloat(f float64) any {
	if f == math.Trunc(f) && math.Abs(f) < 1<<53 {
		return int(f)
	}
	return float(f)
}

// numberFromString parses a JSON number literal.
func numberFromString(s string) any {
	if i, err := strconv.ParseInt(s, 10, 64); err == nil {
		return int(i)
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return s
	}
	return float(f)
}

// ---- numbers ----

// num is a Liquid number: an integer unless isFloat.
type num struct {
	i       int
	f       float64
	isFloat bool
}

func intNum(i int) num       { return num{i: i} }
func floatNum(f float64) num { return num{f: f, isFloat: true} }
func (n num) float64() float64 {
	if n.isFloat {
		return n.f
	}
	return float64(n.i)
}

// value returns the number as a template value (int or float).
func (n num) value() any {
	if n.isFloat {
		return float(n.f)
	}
	return n.i
}

// toNum converts a value to a number the way Liquid does: numbers are kept,
// strings are parsed ("12" → 12, "1.5" → 1.5, "12abc" → 12, "abc" → 0), and
// anything else is 0.
func toNum(v any) num {
	switch t := v.(type) {
	case int:
		return intNum(t)
	case float:
		return floatNum(float64(t))
	case float64:
		return floatNum(t)
	case string:
		return parseNum(t)
	case json.Number:
		return parseNum(string(t))
	case nil, bool:
		return intNum(0)
	}
	rv := reflect.ValueOf(v)
	switch rv.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return intNum(int(rv.Int()))
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return intNum(int(rv.Uint()))
	case reflect.Float32, reflect.Float64:
		return floatNum(rv.Float())
	case reflect.String:
		return parseNum(rv.String())
	}
	return intNum(0)
}

func parseNum(s string) num {
	s = strings.TrimSpace(s)
	if i, err := strconv.ParseInt(s, 10, 64); err == nil {
		return intNum(int(i))
	}
	if isDecimal(s) {
		if f, err := strconv.ParseFloat(s, 64); err == nil {
			return floatNum(f)
		}
	}
	// Ruby's String#to_i: an optional sign and the leading digits.
	end := 0
	if end < len(s) && (s[end] == '-' || s[end] == '+') {
		end++
	}
	digits := end
	for end < len(s) && s[end] >= '0' && s[end] <= '9' {
		end++
	}
	if end == digits {
		return intNum(0)
	}
	i, err := strconv.ParseInt(s[:end], 10, 64)
	if err != nil {
		f, _ := strconv.ParseFloat(s[:end], 64)
		return floatNum(f)
	}
	return intNum(int(i))
}

// isDecimal reports whether s looks like -?digits.digits (with an optional
// exponent), the float literals Liquid accepts from strings.
func isDecimal(s string) bool {
	if s == "" {
		return false
	}
	if s[0] == '-' || s[0] == '+' {
		s = s[1:]
	}
	mant, exp, hasExp := strings.Cut(strings.ToLower(s), "e")
	whole, frac, ok := strings.Cut(mant, ".")
	if !ok || !allDigits(whole) || !allDigits(frac) {
		return false
	}
	if hasExp {
		if exp != "" && (exp[0] == '-' || exp[0] == '+') {
			exp = exp[1:]
		}
		return allDigits(exp)
	}
	return true
}

func allDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

func isNumber(v any) bool {
	switch v.(type) {
	case int, float, float64, json.Number:
		return true
	}
	if v == nil {
		return false
	}
	switch reflect.TypeOf(v).Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64,
		reflect.Float32, reflect.Float64:
		return true
	}
	return false
}

// toInt converts a filter argument to an int (floats truncate).
func toInt(v any) int {
	n := toNum(v)
	if n.isFloat {
		if math.IsNaN(n.f) {
			return 0
		}
		if n.f > math.MaxInt32 {
			return math.MaxInt32
		}
		if n.f < math.MinInt32 {
			return math.MinInt32
		}
		return int(n.f)
	}
	return n.i
}

// ---- strings ----

// toStr converts a value to the text Liquid would print for it: arrays as
// their items' texts run together, objects as JSON, floats Ruby's way.
func toStr(v any) string {
	var b strings.Builder
	writeStr(&b, v, 0)
	return b.String()
}

func writeStr(b *strings.Builder, v any, depth int) {
	if depth > maxDepth {
		return
	}
	switch t := norm(v).(type) {
	case nil:
	case string:
		b.WriteString(t)
	case int:
		b.WriteString(strconv.Itoa(t))
	case float:
		b.WriteString(t.String())
	case bool:
		b.WriteString(strconv.FormatBool(t))
	case object:
		b.WriteString(t.String())
	case array:
		for _, x := range t {
			writeStr(b, x, depth+1)
		}
	case []any:
		for _, x := range t {
			writeStr(b, x, depth+1)
		}
	case time.Time:
		b.WriteString(t.Format("2006-01-02 15:04:05 -0700"))
	case values.Range:
		if t.Len() > 0 {
			fmt.Fprintf(b, "%d..%d", t.Index(0), t.Index(t.Len()-1))
		}
	case fmt.Stringer:
		b.WriteString(t.String())
	default:
		fmt.Fprint(b, t)
	}
}

// jsonString encodes v as compact JSON without HTML escaping.
func jsonString(v any) string {
	b, err := marshalJSON(v)
	if err != nil {
		return ""
	}
	return string(b)
}

func marshalJSON(v any) ([]byte, error) {
	var b strings.Builder
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(jsonable(v, 0)); err != nil {
		return nil, err
	}
	return []byte(strings.TrimSuffix(b.String(), "\n")), nil
}

// jsonable builds a copy of v that encoding/json encodes the way Studio
// authors expect: numbers as numbers, ranges as arrays, times as RFC 3339.
func jsonable(v any, depth int) any {
	if depth > maxDepth {
		return nil
	}
	switch t := norm(v).(type) {
	case float:
		if math.IsNaN(float64(t)) || math.IsInf(float64(t), 0) {
			return nil
		}
		return float64(t)
	case object:
		m := make(map[string]any, len(t))
		for k, x := range t {
			m[k] = jsonable(x, depth+1)
		}
		return m
	case array:
		a := make([]any, len(t))
		for i, x := range t {
			a[i] = jsonable(x, depth+1)
		}
		return a
	case []any:
		a := make([]any, len(t))
		for i, x := range t {
			a[i] = jsonable(x, depth+1)
		}
		return a
	case values.Range:
		a := make([]any, 0, max(t.Len(), 0))
		for i := 0; i < t.Len(); i++ {
			a = append(a, t.Index(i))
		}
		return a
	case time.Time:
		return t.Format(time.RFC3339)
	case nil, string, int, bool:
		return t
	case json.Marshaler, fmt.Stringer:
		return t
	default:
		return toStr(t)
	}
}

func runeLen(s string) int { return utf8.RuneCountInString(s) }

// ---- sequences ----

// seq is something a for loop or an array filter can walk without copying.
type seq interface {
	Len() int
	Index(int) any
}

type sliceSeq []any

func (s sliceSeq) Len() int        { return len(s) }
func (s sliceSeq) Index(i int) any { return norm(s[i]) }

// iterSeq returns what a for loop walks for v: arrays and ranges item by item,
// objects as [key, value] pairs in key order, a non-empty string once, and
// nothing for nil, numbers and bools.
func iterSeq(v any) seq {
	switch t := norm(v).(type) {
	case array:
		return sliceSeq(t)
	case []any:
		return sliceSeq(t)
	case values.Range:
		if t.Len() < 0 {
			return sliceSeq(nil)
		}
		return t
	case object:
		return pairs(t)
	case string:
		if t == "" {
			return sliceSeq(nil)
		}
		return sliceSeq{t}
	}
	return sliceSeq(nil)
}

func pairs(m object) sliceSeq {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	out := make(sliceSeq, len(keys))
	for i, k := range keys {
		out[i] = []any{k, norm(m[k])}
	}
	return out
}

// items returns the items of an array value (array, []any) normalised, and
// whether v is one.
func items(v any) ([]any, bool) {
	switch t := norm(v).(type) {
	case array:
		return t.ToLiquid().([]any), true
	case []any:
		out := make([]any, len(t))
		for i, x := range t {
			out[i] = norm(x)
		}
		return out, true
	}
	return nil, false
}

// ---- comparison ----

// equal compares two template values: numbers by value (1 == 1.0), strings
// and bools exactly, arrays item by item, objects by their JSON.
func equal(a, b any) bool {
	return equalDepth(norm(a), norm(b), 0)
}

func equalDepth(a, b any, depth int) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	if depth > maxDepth {
		return false
	}
	if isNumber(a) && isNumber(b) {
		x, y := toNum(a), toNum(b)
		if !x.isFloat && !y.isFloat {
			return x.i == y.i
		}
		return x.float64() == y.float64()
	}
	switch x := a.(type) {
	case string:
		y, ok := b.(string)
		return ok && x == y
	case bool:
		y, ok := b.(bool)
		return ok && x == y
	case object:
		y, ok := b.(object)
		return ok && jsonString(x) == jsonString(y)
	case array, []any:
		xs, _ := items(x)
		ys, ok := items(b)
		if !ok || len(xs) != len(ys) {
			return false
		}
		for i := range xs {
			if !equalDepth(xs[i], ys[i], depth+1) {
				return false
			}
		}
		return true
	case time.Time:
		y, ok := b.(time.Time)
		return ok && x.Equal(y)
	}
	ta, tb := reflect.TypeOf(a), reflect.TypeOf(b)
	if ta == tb && ta.Comparable() {
		return a == b
	}
	return false
}

// rank orders values of different kinds for sort: numbers, strings, bools,
// everything else; nil sorts last.
func rank(v any) int {
	switch {
	case v == nil:
		return 4
	case isNumber(v):
		return 0
	}
	switch v.(type) {
	case string:
		return 1
	case bool:
		return 2
	}
	return 3
}

// compare returns -1, 0 or 1; fold makes string comparison case-insensitive.
func compare(a, b any, fold bool) int {
	a, b = norm(a), norm(b)
	ra, rb := rank(a), rank(b)
	if ra != rb {
		return cmpInt(ra, rb)
	}
	switch ra {
	case 0:
		x, y := toNum(a), toNum(b)
		if !x.isFloat && !y.isFloat {
			return cmpInt(x.i, y.i)
		}
		fx, fy := x.float64(), y.float64()
		switch {
		case fx < fy:
			return -1
		case fx > fy:
			return 1
		}
		return 0
	case 1:
		x, y := a.(string), b.(string)
		if fold {
			x, y = strings.ToLower(x), strings.ToLower(y)
		}
		return strings.Compare(x, y)
	case 2:
		x, y := a.(bool), b.(bool)
		if x == y {
			return 0
		}
		if !x {
			return -1
		}
		return 1
	case 3:
		return strings.Compare(toStr(a), toStr(b))
	}
	return 0
}

func cmpInt(a, b int) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// property reads key from an object, normalised; nil for anything else.
func property(v any, key string) any {
	if o, ok := norm(v).(object); ok {
		return norm(o[key])
	}
	return nil
}

// truthy is Liquid's truth: everything but nil and false.
func truthy(v any) bool { return v != nil && v != false }

// isEmpty reports Liquid's "empty": "", [] and {}.
func isEmpty(v any) bool {
	switch t := norm(v).(type) {
	case string:
		return t == ""
	case array:
		return len(t) == 0
	case []any:
		return len(t) == 0
	case object:
		return len(t) == 0
	}
	return false
}
