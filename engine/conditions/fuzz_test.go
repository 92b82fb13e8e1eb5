package conditions

import (
	"errors"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// twins pairs each positive type with its negation.
var twins = [][2]string{
	{EqualTo, NotEqualTo},
	{MatchesAnyOf, DoesNotMatchAnyOf},
	{Contains, DoesNotContain},
	{StartsWith, DoesNotStartWith},
	{IsBlank, IsNotBlank},
}

// opposites are pairs that can never both hold.
var opposites = [][2]string{
	{LessThan, GreaterThan},
	{IsBeforeTime, IsAfterTime},
	{IsBeforeDate, IsAfterDate},
}

// fuzzType maps a fuzzer byte to one of the seventeen types, or to an
// unknown one.
func fuzzType(i uint8) string {
	types := Types()
	n := int(i) % (len(types) + 1)
	if n == len(types) {
		return "not_a_condition"
	}
	return types[n]
}

func FuzzEvaluate(f *testing.F) {
	index := map[string]uint8{}
	for i, typ := range Types() {
		index[typ] = uint8(i)
	}
	for _, r := range rows {
		i, ok := index[r.typ]
		if !ok {
			i = uint8(len(index))
		}
		f.Add(i, r.subject, r.value)
	}
	f.Fuzz(func(t *testing.T, i uint8, subject, value string) {
		typ := fuzzType(i)
		got, err := Evaluate(typ, subject, value)
		if err != nil {
			require.False(t, got, "an error comes with false")
			require.True(t, errors.Is(err, ErrBadValue) || errors.Is(err, ErrUnknownType), "unexpected error %v", err)
		}
		if Known(typ) {
			require.NotErrorIs(t, err, ErrUnknownType)
		} else {
			require.ErrorIs(t, err, ErrUnknownType)
		}

		// Errors depend on the value alone.
		check := CheckValue(typ, value)
		require.Equal(t, err == nil, check == nil)
		if err != nil {
			require.Equal(t, err.Error(), check.Error())
		}

		// Surrounding white space never matters.
		padded, perr := Evaluate(typ, " \t"+subject+"\r\n ", value)
		require.Equal(t, got, padded, "padding the subject changed the result")
		require.Equal(t, err == nil, perr == nil)
		padded, perr = Evaluate(typ, subject, "\n "+value+" \t")
		require.Equal(t, got, padded, "padding the value changed the result")
		require.Equal(t, err == nil, perr == nil)

		// Neither does ASCII letter case of the subject, nor of the value
		// outside regex (whose escapes are case-sensitive) ...
		if isASCII(subject) && isASCII(value) && !(typ == Regex && strings.Contains(value, "-")) {
			swapped, serr := Evaluate(typ, swapCase(subject), value)
			require.Equal(t, got, swapped, "subject case changed the result")
			require.Equal(t, err == nil, serr == nil)
			if typ != Regex {
				swapped, serr = Evaluate(typ, subject, swapCase(value))
				require.Equal(t, got, swapped, "value case changed the result")
				require.Equal(t, err == nil, serr == nil)
			}
		}

		// Each negative type is the exact negation of its positive twin.
		for _, p := range twins {
			pos, perr := Evaluate(p[0], subject, value)
			neg, nerr := Evaluate(p[1], subject, value)
			if perr == nil && nerr == nil {
				require.Equal(t, !pos, neg, "%s and %s on %q, %q", p[0], p[1], subject, value)
			}
		}
		for _, p := range opposites {
			a, _ := Evaluate(p[0], subject, value)
			b, _ := Evaluate(p[1], subject, value)
			require.False(t, a && b, "%s and %s both hold on %q, %q", p[0], p[1], subject, value)
		}
	})
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

func swapCase(s string) string {
	b := []byte(s)
	for i, c := range b {
		switch {
		case 'a' <= c && c <= 'z':
			b[i] = c - 32
		case 'A' <= c && c <= 'Z':
			b[i] = c + 32
		}
	}
	return string(b)
}
