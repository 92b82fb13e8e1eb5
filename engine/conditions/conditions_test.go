package conditions

import (
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"
)

// row is one Evaluate case. err, when set, is the sentinel the error must
// wrap; the result is then always false.
type row struct {
	typ, subject, value string
	want                bool
	err                 error
}

// rows is shared by the table test, the fuzz seeds and the benchmark.
var rows = []row{
	// equal_to
	{EqualTo, "1", "1", true, nil},
	{EqualTo, " Yes ", "yes", true, nil},
	{EqualTo, "YES", "yes  ", true, nil},
	{EqualTo, "", "", true, nil},
	{EqualTo, " \t ", "", true, nil},
	{EqualTo, "TRÊS", "três", true, nil},
	{EqualTo, "\u212Aelvin", "kelvin", true, nil}, // Kelvin sign folds to k
	{EqualTo, "1.0", "1", false, nil},
	{EqualTo, "yes", "yes please", false, nil},
	{EqualTo, "", "x", false, nil},
	{EqualTo, "straße", "STRASSE", false, nil}, // no full case folding
	{EqualTo, "y e s", "yes", false, nil},

	// not_equal_to
	{NotEqualTo, "1", "2", true, nil},
	{NotEqualTo, "abc", "abd", true, nil},
	{NotEqualTo, "x", "", true, nil},
	{NotEqualTo, "1", "1", false, nil},
	{NotEqualTo, " A ", "a", false, nil},
	{NotEqualTo, "", "  ", false, nil},

	// matches_any_of
	{MatchesAnyOf, "YES", "yes,yeah,yup", true, nil},
	{MatchesAnyOf, "yup", "yes , yeah ,  yup", true, nil},
	{MatchesAnyOf, "start", "START, Start, start,", true, nil},
	{MatchesAnyOf, "b", "a,,b", true, nil},
	{MatchesAnyOf, "x.", "x, x., ex", true, nil},
	{MatchesAnyOf, "*", "*", true, nil},
	{MatchesAnyOf, "Ñandú", "ÑANDÚ, emu", true, nil},
	{MatchesAnyOf, "nope", "yes,yeah,yup", false, nil},
	{MatchesAnyOf, "anything", "*", false, nil},
	{MatchesAnyOf, "yes,yeah", "yes,yeah", false, nil}, // the subject is not split
	{MatchesAnyOf, "ye", "yes,yeah", false, nil},
	{MatchesAnyOf, "", "a,,b", false, nil},
	{MatchesAnyOf, "", " , ,", false, nil},
	{MatchesAnyOf, "", "", false, nil},

	// does_not_match_any_of
	{DoesNotMatchAnyOf, "maybe", "yes,no", true, nil},
	{DoesNotMatchAnyOf, "", "", true, nil},
	{DoesNotMatchAnyOf, "", "a,,b", true, nil},
	{DoesNotMatchAnyOf, "n", "yes, no", true, nil},
	{DoesNotMatchAnyOf, "NO", "yes,no", false, nil},
	{DoesNotMatchAnyOf, " no ", "yes, no,", false, nil},

	// is_blank
	{IsBlank, "", "", true, nil},
	{IsBlank, "   ", "", true, nil},
	{IsBlank, "\t\r\n", "whatever", true, nil},
	{IsBlank, "\u00a0\u2003", "", true, nil}, // Unicode spaces count
	{IsBlank, "", "Is Blank", true, nil},
	{IsBlank, "x", "", false, nil},
	{IsBlank, " x ", "Is Blank", false, nil},
	{IsBlank, "0", "", false, nil},

	// is_not_blank
	{IsNotBlank, "x", "", true, nil},
	{IsNotBlank, "  hello ", "Is Not Blank", true, nil},
	{IsNotBlank, "0", "", true, nil},
	{IsNotBlank, "", "Is Not Blank", false, nil},
	{IsNotBlank, " \n ", "", false, nil},

	// regex
	{Regex, "3", "[1-5]", true, nil},
	{Regex, "ABC", "abc", true, nil},
	{Regex, " 42 ", `\d+`, true, nil},
	{Regex, "oh OK then", "(?i).*(yes|ok).*", true, nil},
	{Regex, "10", "^(?:[1-9]|10)$", true, nil},
	{Regex, "ab", "a|ab", true, nil}, // whole-subject match, not leftmost-first
	{Regex, "", "", true, nil},
	{Regex, "a\nb", "(?s)a.b", true, nil},
	{Regex, "abc", `\Qabc`, true, nil},
	{Regex, "a)c", `\Qa)c`, true, nil},
	{Regex, `\d`, `\\d`, true, nil},
	{Regex, "6", "[1-5]", false, nil},
	{Regex, "13", "[1-5]", false, nil},
	{Regex, "abc", "b", false, nil},
	{Regex, "11", "^(?:[1-9]|10)$", false, nil},
	{Regex, "x", "", false, nil},
	{Regex, "a\nb", "a.b", false, nil},
	{Regex, "ABC", "(?-i)abc", false, nil},
	{Regex, "5", `\\d`, false, nil},
	{Regex, "abc", "/abc/", false, nil},
	{Regex, "abc", "a)|(b", false, ErrBadValue},
	{Regex, "x", "(", false, ErrBadValue},
	{Regex, "aa", `(a)\1`, false, ErrBadValue},
	{Regex, "ab", `a(?=b)`, false, ErrBadValue},
	{Regex, "x", `x\`, false, ErrBadValue},

	// contains
	{Contains, "aab", "aa", true, nil},
	{Contains, "aab", "A", true, nil},
	{Contains, "Hello World", "WORLD", true, nil},
	{Contains, "abc", "", true, nil},
	{Contains, "", "", true, nil},
	{Contains, "  x y ", " x", true, nil},
	{Contains, "sim, não", "NÃO", true, nil},
	{Contains, "aab", "c", false, nil},
	{Contains, "", "a", false, nil},
	{Contains, "ab", "abc", false, nil},
	{Contains, "a b", "ab", false, nil},

	// does_not_contain
	{DoesNotContain, "aab", "c", true, nil},
	{DoesNotContain, "", "a", true, nil},
	{DoesNotContain, "stop", "top ", false, nil},
	{DoesNotContain, "aab", "AB", false, nil},
	{DoesNotContain, "abc", "", false, nil},

	// starts_with
	{StartsWith, " Hoot", "hoo", true, nil},
	{StartsWith, "hoot", " HOO ", true, nil},
	{StartsWith, "abc", "", true, nil},
	{StartsWith, "Über", "über", true, nil},
	{StartsWith, "Hoot", "oot", false, nil},
	{StartsWith, "ho", "hoot", false, nil},
	{StartsWith, "", "a", false, nil},

	// does_not_start_with
	{DoesNotStartWith, "Hoot", "oot", true, nil},
	{DoesNotStartWith, "", "a", true, nil},
	{DoesNotStartWith, "xyz", "y", true, nil},
	{DoesNotStartWith, " Hoot", "HOO", false, nil},
	{DoesNotStartWith, "abc", "", false, nil},

	// less_than
	{LessThan, "3", "10", true, nil}, // numeric, not text order
	{LessThan, "  12.5 ", "13", true, nil},
	{LessThan, "-2", "+3", true, nil},
	{LessThan, "1e3", "1001", true, nil},
	{LessThan, ".5", "0.6", true, nil},
	{LessThan, "5.", "5.1", true, nil},
	{LessThan, "-1e-5", "0", true, nil},
	{LessThan, "5", "1e400", true, nil},
	{LessThan, "12345678901234567890", "12345678901234567891", true, nil},
	{LessThan, "10", "3", false, nil},
	{LessThan, "1e3", "1000", false, nil},
	{LessThan, "-0", "0", false, nil},
	{LessThan, "0.1", "0.10", false, nil},
	{LessThan, "1,000", "2000", false, nil},
	{LessThan, "abc", "5", false, nil},
	{LessThan, "", "5", false, nil},
	{LessThan, "0x10", "100", false, nil},
	{LessThan, "-Inf", "1", false, nil},
	{LessThan, "1 000", "2000", false, nil},
	{LessThan, "1e1000000000", "1", false, nil}, // exponent too long: not a number
	{LessThan, "5", "abc", false, ErrBadValue},
	{LessThan, "5", "", false, ErrBadValue},
	{LessThan, "5", "1,000", false, ErrBadValue},
	{LessThan, "5", "NaN", false, ErrBadValue},

	// greater_than
	{GreaterThan, "1000", "900", true, nil},
	{GreaterThan, "3.01", "3", true, nil},
	{GreaterThan, "-1", "-2", true, nil},
	{GreaterThan, "1e2", "99.999", true, nil},
	{GreaterThan, "007", "6", true, nil},
	{GreaterThan, "0", "-0.0001", true, nil},
	{GreaterThan, "900", "1000", false, nil},
	{GreaterThan, "3", "3", false, nil},
	{GreaterThan, "007", "7", false, nil},
	{GreaterThan, "-10", "-9", false, nil},
	{GreaterThan, "ten", "1", false, nil},
	{GreaterThan, "1", "1,000", false, ErrBadValue},
	{GreaterThan, "2", "0x1", false, ErrBadValue},
	{GreaterThan, "2", "1e", false, ErrBadValue},

	// is_before_time
	{IsBeforeTime, "16:34", "16:35", true, nil},
	{IsBeforeTime, "16:35:59", "16:36", true, nil},
	{IsBeforeTime, "9:05", "10:00", true, nil},
	{IsBeforeTime, "12:30 AM", "01:00", true, nil},
	{IsBeforeTime, "12:00 p.m.", "12:01", true, nil},
	{IsBeforeTime, "2024-01-02T08:00:00Z", "09:00", true, nil},
	{IsBeforeTime, "00:00", "00:01", true, nil},
	{IsBeforeTime, "17:00", "16:35", false, nil},
	{IsBeforeTime, "16:35", "16:35", false, nil},
	{IsBeforeTime, "09:05 PM", "10:00", false, nil},
	{IsBeforeTime, "2024-01-02 10:00", "09:00", false, nil},
	{IsBeforeTime, "noon", "12:00", false, nil},
	{IsBeforeTime, "", "12:00", false, nil},
	{IsBeforeTime, "25:00", "23:59", false, nil},
	{IsBeforeTime, "13:00 pm", "14:00", false, nil},
	{IsBeforeTime, "10:00", "9:00", false, ErrBadValue},
	{IsBeforeTime, "10:00", "24:00", false, ErrBadValue},
	{IsBeforeTime, "10:00", "10:00:00", false, ErrBadValue},
	{IsBeforeTime, "10:00", "", false, ErrBadValue},

	// is_after_time
	{IsAfterTime, "17:00", "16:35", true, nil},
	{IsAfterTime, "16:36", "16:35", true, nil},
	{IsAfterTime, "23:59", "00:00", true, nil},
	{IsAfterTime, "5:30pm", "17:00", true, nil},
	{IsAfterTime, "17:00+02:00", "16:00", true, nil},
	{IsAfterTime, "17:00:00.250 PST", "16:59", true, nil},
	{IsAfterTime, "16:35:30", "16:35", false, nil}, // minute precision
	{IsAfterTime, "00:00", "23:59", false, nil},
	{IsAfterTime, "1700", "16:00", false, nil},
	{IsAfterTime, "17:000", "16:00", false, nil},
	{IsAfterTime, "2024-01-02", "00:00", false, nil},
	{IsAfterTime, "17:00", "5:00 PM", false, ErrBadValue},
	{IsAfterTime, "17:00", "17.00", false, ErrBadValue},

	// is_before_date
	{IsBeforeDate, "2017-09-04", "2019-08-12", true, nil},
	{IsBeforeDate, "2019-8-1", "2019-08-12", true, nil},
	{IsBeforeDate, "2019/08/11", "2019-08-12", true, nil},
	{IsBeforeDate, "2019-08-11T23:59:59-07:00", "2019-08-12", true, nil},
	{IsBeforeDate, "2023-12-31", "2024-02-29", true, nil},
	{IsBeforeDate, "2019-08-12", "2019-08-12", false, nil},
	{IsBeforeDate, "12/08/2019", "2019-08-13", false, nil},
	{IsBeforeDate, "2019-02-30", "2019-03-01", false, nil},
	{IsBeforeDate, "2019-08-123", "2020-01-01", false, nil},
	{IsBeforeDate, "2019-08/01", "2020-01-01", false, nil},
	{IsBeforeDate, "2019-01-01", "2019-1-1", false, ErrBadValue},
	{IsBeforeDate, "2019-01-01", "2023-02-29", false, ErrBadValue},
	{IsBeforeDate, "2019-01-01", "2019-01-01T00:00", false, ErrBadValue},

	// is_after_date
	{IsAfterDate, "2019-08-12", "2017-09-04", true, nil},
	{IsAfterDate, "2024-01-02 10:00", "2024-01-01", true, nil},
	{IsAfterDate, "2000-02-29", "1999-12-31", true, nil},
	{IsAfterDate, "2017-09-04", "2019-08-12", false, nil},
	{IsAfterDate, "2024-01-02", "2024-01-02", false, nil},
	{IsAfterDate, "2024-13-01", "2024-01-01", false, nil},
	{IsAfterDate, "", "2024-01-01", false, nil},
	{IsAfterDate, "2024-01-02", "02/01/2024", false, ErrBadValue},
	{IsAfterDate, "2024-01-02", "1900-02-29", false, ErrBadValue},

	// unknown types
	{"matches_regex", "a", "a", false, ErrUnknownType},
	{"", "", "", false, ErrUnknownType},
	{"Equal_To", "a", "a", false, ErrUnknownType},
	{" equal_to", "a", "a", false, ErrUnknownType},
}

func TestEvaluate(t *testing.T) {
	for i, r := range rows {
		name := fmt.Sprintf("%03d_%s_%q_%q", i, r.typ, r.subject, r.value)
		t.Run(name, func(t *testing.T) {
			got, err := Evaluate(r.typ, r.subject, r.value)
			if r.err != nil {
				require.ErrorIs(t, err, r.err)
				require.False(t, got, "an error always comes with false")
				return
			}
			require.NoError(t, err)
			require.Equal(t, r.want, got)
		})
	}
}

// TestRowsPerType keeps the table broad: every type has at least five rows,
// with at least one true and one false.
func TestRowsPerType(t *testing.T) {
	count := map[string]int{}
	trues := map[string]int{}
	for _, r := range rows {
		count[r.typ]++
		if r.want {
			trues[r.typ]++
		}
	}
	for _, typ := range Types() {
		require.GreaterOrEqual(t, count[typ], 5, typ)
		require.Positive(t, trues[typ], typ)
		require.Less(t, trues[typ], count[typ], typ)
	}
}

// TestStudioDocExamples pins the examples of Studio's own documentation.
func TestStudioDocExamples(t *testing.T) {
	for _, r := range []row{
		{IsAfterDate, "2019-08-12", "2017-09-04", true, nil},
		{IsBeforeTime, "17:00", "16:35", false, nil},
		{GreaterThan, "900", "1000", false, nil},
		{MatchesAnyOf, "YES", "yes,yeah,yup", true, nil},
		{Regex, "6", "[1-5]", false, nil},
		{Contains, "aab", "aa", true, nil},
		{Contains, "aab", "A", true, nil},
		{StartsWith, " Hoot", "hoo", true, nil},
	} {
		got, err := Evaluate(r.typ, r.subject, r.value)
		require.NoError(t, err)
		require.Equal(t, r.want, got, "%s %q %q", r.typ, r.subject, r.value)
	}
}

func TestTypes(t *testing.T) {
	want := []string{
		"equal_to", "not_equal_to", "matches_any_of", "does_not_match_any_of",
		"is_blank", "is_not_blank", "regex", "contains", "does_not_contain",
		"starts_with", "does_not_start_with", "less_than", "greater_than",
		"is_before_time", "is_after_time", "is_before_date", "is_after_date",
	}
	require.Equal(t, want, Types())
	got := Types()
	got[0] = "changed"
	require.Equal(t, want, Types(), "Types returns a copy")
	for _, typ := range want {
		require.True(t, Known(typ), typ)
	}
	require.False(t, Known("matches_regex"))
	require.False(t, Known(""))
}

func TestIsBlankIgnoresValue(t *testing.T) {
	for _, v := range []string{"", "Is Blank", "(", "not a number", "99:99"} {
		got, err := Evaluate(IsBlank, " ", v)
		require.NoError(t, err)
		require.True(t, got)
		got, err = Evaluate(IsNotBlank, " ", v)
		require.NoError(t, err)
		require.False(t, got)
	}
}

func TestCheckValue(t *testing.T) {
	require.NoError(t, CheckValue(Regex, "[0-9]+"))
	require.NoError(t, CheckValue(LessThan, " 12.5 "))
	require.NoError(t, CheckValue(IsAfterTime, "08:30"))
	require.NoError(t, CheckValue(IsAfterDate, "2024-02-29"))
	require.NoError(t, CheckValue(EqualTo, "{{ anything }}"))
	require.NoError(t, CheckValue(IsBlank, "Is Blank"))
	require.ErrorIs(t, CheckValue(Regex, "[0-9"), ErrBadValue)
	require.ErrorIs(t, CheckValue(GreaterThan, "1,5"), ErrBadValue)
	require.ErrorIs(t, CheckValue(IsBeforeTime, "8:30"), ErrBadValue)
	require.ErrorIs(t, CheckValue(IsBeforeDate, "2024-2-29"), ErrBadValue)
	require.ErrorIs(t, CheckValue("between", "1"), ErrUnknownType)
	require.NotErrorIs(t, CheckValue("between", "1"), ErrBadValue)
	require.NotErrorIs(t, CheckValue(Regex, "("), ErrUnknownType)

	err := CheckValue(LessThan, "lots")
	require.Contains(t, err.Error(), `"lots"`)
	require.Contains(t, err.Error(), LessThan)
}

func TestDecimalCompare(t *testing.T) {
	for _, c := range []struct {
		a, b string
		want int
	}{
		{"0", "-0", 0},
		{"0.000", "0e99", 0},
		{"100", "1e2", 0},
		{"1.50", "15e-1", 0},
		{"000123.4500", "123.45", 0},
		{"1", "2", -1},
		{"-1", "-2", 1},
		{"-1", "1", -1},
		{"0.09", "0.1", -1},
		{"99", "100", -1},
		{"-100", "-99", -1},
		{"1e-999999999", "0", 1},
		{"-1e999999999", "-1e999999998", -1},
	} {
		a, ok := parseDecimal(c.a)
		require.True(t, ok, c.a)
		b, ok := parseDecimal(c.b)
		require.True(t, ok, c.b)
		require.Equal(t, c.want, a.cmp(b), "%s vs %s", c.a, c.b)
		require.Equal(t, -c.want, b.cmp(a), "%s vs %s", c.b, c.a)
	}
	for _, bad := range []string{"", "+", "-", ".", "e5", "1e", "1e+", "1.2.3", "1..2", "--1", "+-1", "1e5.5", " 1", "1 ", "١٢", "1_000", "0b1", "∞"} {
		_, ok := parseDecimal(bad)
		require.False(t, ok, "%q", bad)
	}
}

func TestCloseQuote(t *testing.T) {
	require.Equal(t, `abc`, closeQuote(`abc`))
	require.Equal(t, `\Qabc\E`, closeQuote(`\Qabc`))
	require.Equal(t, `\Qa\Eb`, closeQuote(`\Qa\Eb`))
	require.Equal(t, `\\Qabc`, closeQuote(`\\Qabc`))
	require.Equal(t, `\Qa\\E`, closeQuote(`\Qa\`))
	require.Equal(t, `\Qa\Eb\Qc\E`, closeQuote(`\Qa\Eb\Qc`))
}

// TestRegexCache checks the cache under concurrent use and past its bound.
func TestRegexCache(t *testing.T) {
	var wg sync.WaitGroup
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			for i := 0; i < 2*maxCached; i++ {
				pattern := fmt.Sprintf("x{%d}", i%300)
				got, err := Evaluate(Regex, strings.Repeat("X", i%300), pattern)
				if err != nil || !got {
					t.Errorf("goroutine %d: %q: %v %v", g, pattern, got, err)
					return
				}
			}
		}(g)
	}
	wg.Wait()
	reMu.RLock()
	defer reMu.RUnlock()
	require.LessOrEqual(t, len(reCache), maxCached)
}

func TestErrorsAreDistinct(t *testing.T) {
	require.False(t, errors.Is(ErrBadValue, ErrUnknownType))
	_, err := Evaluate(Regex, "a", "(")
	require.ErrorIs(t, err, ErrBadValue)
	require.Contains(t, err.Error(), `"("`)
	_, err = Evaluate("nope", "a", "a")
	require.ErrorIs(t, err, ErrUnknownType)
	require.Contains(t, err.Error(), `"nope"`)
}

func BenchmarkEvaluate(b *testing.B) {
	cases := []row{
		{EqualTo, " Yes ", "yes", true, nil},
		{EqualTo, "Très bien", "TRÈS BIEN", true, nil},
		{MatchesAnyOf, "yup", "yes, yeah, yup, sure, ok", true, nil},
		{IsBlank, "  ", "Is Blank", true, nil},
		{Regex, "oh OK then", "(?i).*(yes|ok).*", true, nil},
		{Contains, "I would like to speak to an agent", "AGENT", true, nil},
		{StartsWith, " Hoot", "hoo", true, nil},
		{GreaterThan, "12345.678", "1e3", true, nil},
		{IsBeforeTime, "2024-01-02T08:00:00Z", "09:00", true, nil},
		{IsAfterDate, "2024-01-02 10:00", "2024-01-01", true, nil},
	}
	for _, c := range cases {
		b.Run(c.typ, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				got, err := Evaluate(c.typ, c.subject, c.value)
				if err != nil || got != c.want {
					b.Fatalf("%v %v", got, err)
				}
			}
		})
	}
}
