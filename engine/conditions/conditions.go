package conditions

import (
	"errors"
	"fmt"
	"regexp"
	"regexp/syntax"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"
)

// The condition type strings, as Studio writes them in a condition's "type".
const (
	EqualTo           = "equal_to"
	NotEqualTo        = "not_equal_to"
	MatchesAnyOf      = "matches_any_of"
	DoesNotMatchAnyOf = "does_not_match_any_of"
	IsBlank           = "is_blank"
	IsNotBlank        = "is_not_blank"
	Regex             = "regex"
	Contains          = "contains"
	DoesNotContain    = "does_not_contain"
	StartsWith        = "starts_with"
	DoesNotStartWith  = "does_not_start_with"
	LessThan          = "less_than"
	GreaterThan       = "greater_than"
	IsBeforeTime      = "is_before_time"
	IsAfterTime       = "is_after_time"
	IsBeforeDate      = "is_before_date"
	IsAfterDate       = "is_after_date"
)

var allTypes = [...]string{
	EqualTo, NotEqualTo, MatchesAnyOf, DoesNotMatchAnyOf, IsBlank, IsNotBlank,
	Regex, Contains, DoesNotContain, StartsWith, DoesNotStartWith,
	LessThan, GreaterThan, IsBeforeTime, IsAfterTime, IsBeforeDate, IsAfterDate,
}

// Types returns the seventeen condition types in the order Studio lists
// them. The slice is a fresh copy.
func Types() []string { return append([]string(nil), allTypes[:]...) }

// Known reports whether typ is one of the seventeen condition types.
func Known(typ string) bool {
	for _, t := range allTypes {
		if t == typ {
			return true
		}
	}
	return false
}

var (
	// ErrUnknownType is wrapped by the error for a type outside Types().
	ErrUnknownType = errors.New("unknown condition type")
	// ErrBadValue is wrapped by the error for a value that cannot be an
	// operand of its type: a regex that does not compile, a number, time or
	// date that is not one.
	ErrBadValue = errors.New("bad condition value")
)

// Evaluate tests subject against value under the condition type typ; the
// package documentation gives the rules. A non-nil error wraps
// ErrUnknownType or ErrBadValue, depends only on typ and value, and always
// comes with false.
func Evaluate(typ, subject, value string) (bool, error) {
	s := strings.TrimSpace(subject)
	v := strings.TrimSpace(value)
	switch typ {
	case EqualTo:
		return fold(s) == fold(v), nil
	case NotEqualTo:
		return fold(s) != fold(v), nil
	case MatchesAnyOf:
		return anyOf(s, v), nil
	case DoesNotMatchAnyOf:
		return !anyOf(s, v), nil
	case IsBlank:
		return s == "", nil
	case IsNotBlank:
		return s != "", nil
	case Regex:
		re, err := compile(v)
		if err != nil {
			return false, err
		}
		return re.MatchString(s), nil
	case Contains:
		return strings.Contains(fold(s), fold(v)), nil
	case DoesNotContain:
		return !strings.Contains(fold(s), fold(v)), nil
	case StartsWith:
		return strings.HasPrefix(fold(s), fold(v)), nil
	case DoesNotStartWith:
		return !strings.HasPrefix(fold(s), fold(v)), nil
	case LessThan, GreaterThan:
		operand, ok := parseDecimal(v)
		if !ok {
			return false, fmt.Errorf("%w: %s compares numbers and %q is not a number", ErrBadValue, typ, value)
		}
		x, ok := parseDecimal(s)
		if !ok {
			return false, nil
		}
		c := x.cmp(operand)
		if typ == LessThan {
			return c < 0, nil
		}
		return c > 0, nil
	case IsBeforeTime, IsAfterTime:
		operand, ok := strictTime(v)
		if !ok {
			return false, fmt.Errorf("%w: %s needs a 24-hour time HH:MM, not %q", ErrBadValue, typ, value)
		}
		x, ok := leadingTime(s)
		if !ok {
			return false, nil
		}
		if typ == IsBeforeTime {
			return x < operand, nil
		}
		return x > operand, nil
	case IsBeforeDate, IsAfterDate:
		operand, ok := strictDate(v)
		if !ok {
			return false, fmt.Errorf("%w: %s needs a date YYYY-MM-DD, not %q", ErrBadValue, typ, value)
		}
		x, _, ok := leadingDate(s)
		if !ok {
			return false, nil
		}
		if typ == IsBeforeDate {
			return x < operand, nil
		}
		return x > operand, nil
	}
	return false, fmt.Errorf("%w %q", ErrUnknownType, typ)
}

// CheckValue reports the error Evaluate would return for typ and value,
// whatever the subject: nil when the value is a usable operand. It is meant
// for validating a flow ahead of a run; a value holding Liquid markup must
// be rendered before it can be checked.
func CheckValue(typ, value string) error {
	_, err := Evaluate(typ, "", value)
	return err
}

// anyOf reports whether s equals, ignoring case, one of the trimmed,
// non-empty comma-separated items of list.
func anyOf(s, list string) bool {
	fs := fold(s)
	for list != "" {
		item := list
		if i := strings.IndexByte(list, ','); i >= 0 {
			item, list = list[:i], list[i+1:]
		} else {
			list = ""
		}
		item = strings.TrimSpace(item)
		if item != "" && fold(item) == fs {
			return true
		}
	}
	return false
}

// fold maps every rune of s to one fixed member of its simple case-folding
// orbit (the smallest), so that two strings are equal ignoring case exactly
// when their folds are equal, and substring and prefix tests on folds are
// case-insensitive tests on the originals. Invalid bytes become U+FFFD.
func fold(s string) string {
	ascii := true
	lower := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= utf8.RuneSelf {
			ascii = false
			break
		}
		if 'a' <= c && c <= 'z' {
			lower = true
		}
	}
	if ascii {
		if !lower {
			return s
		}
		b := []byte(s)
		for i, c := range b {
			if 'a' <= c && c <= 'z' {
				b[i] = c - ('a' - 'A')
			}
		}
		return string(b)
	}
	return strings.Map(foldRune, s)
}

func foldRune(r rune) rune {
	least := r
	for f := unicode.SimpleFold(r); f != r; f = unicode.SimpleFold(f) {
		if f < least {
			least = f
		}
	}
	return least
}

// Compiled regular expressions are kept, up to maxCached of them; when the
// cache is full it is emptied and starts again.
const maxCached = 256

var (
	reMu    sync.RWMutex
	reCache = map[string]*regexp.Regexp{}
)

// compile turns a trimmed regex value into an anchored, case-insensitive
// regular expression.
func compile(v string) (*regexp.Regexp, error) {
	reMu.RLock()
	re := reCache[v]
	reMu.RUnlock()
	if re != nil {
		return re, nil
	}
	// Parse the value alone first, so that unbalanced parentheses cannot
	// close the anchoring group early ("a)|(b").
	if _, err := syntax.Parse(v, syntax.Perl); err != nil {
		return nil, fmt.Errorf("%w: regex %q: %v", ErrBadValue, v, err)
	}
	re, err := regexp.Compile(`(?i)\A(?:` + closeQuote(v) + `)\z`)
	if err != nil {
		return nil, fmt.Errorf("%w: regex %q: %v", ErrBadValue, v, err)
	}
	reMu.Lock()
	if len(reCache) >= maxCached {
		clear(reCache)
	}
	reCache[v] = re
	reMu.Unlock()
	return re, nil
}

// closeQuote appends \E when v ends inside a \Q literal run, which would
// otherwise swallow the closing part of the anchoring wrapper. Inside \Q the
// first \E ends the run; outside it a backslash escapes the next character.
func closeQuote(v string) string {
	quoted := false
	for i := 0; i < len(v); i++ {
		switch {
		case quoted:
			if v[i] == '\\' && i+1 < len(v) && v[i+1] == 'E' {
				quoted = false
				i++
			}
		case v[i] == '\\' && i+1 < len(v):
			quoted = v[i+1] == 'Q'
			i++
		}
	}
	if quoted {
		return v + `\E`
	}
	return v
}
