package conditions

import "strings"

// decimal is an exact decimal number: (-1 if neg) × 0.digits × 10^exp.
// digits has no leading or trailing zeros; it is empty for zero, in which
// case neg and exp are irrelevant.
type decimal struct {
	neg    bool
	digits string
	exp    int64
}

// maxExpDigits bounds the exponent of a number written with e/E.
const maxExpDigits = 9

// parseDecimal reads an already trimmed plain decimal number:
// [+-] digits [. digits] [(e|E) [+-] digits], with at least one mantissa
// digit on either side of the point.
func parseDecimal(s string) (decimal, bool) {
	var d decimal
	i := 0
	if i < len(s) && (s[i] == '+' || s[i] == '-') {
		d.neg = s[i] == '-'
		i++
	}
	intStart := i
	for i < len(s) && isDigit(s[i]) {
		i++
	}
	intPart := s[intStart:i]
	fracPart := ""
	if i < len(s) && s[i] == '.' {
		i++
		fracStart := i
		for i < len(s) && isDigit(s[i]) {
			i++
		}
		fracPart = s[fracStart:i]
	}
	if intPart == "" && fracPart == "" {
		return decimal{}, false
	}
	var exp int64
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		expNeg := false
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			expNeg = s[i] == '-'
			i++
		}
		expStart := i
		for i < len(s) && isDigit(s[i]) {
			i++
		}
		expDigits := strings.TrimLeft(s[expStart:i], "0")
		if i == expStart || len(expDigits) > maxExpDigits {
			return decimal{}, false
		}
		for _, c := range []byte(expDigits) {
			exp = exp*10 + int64(c-'0')
		}
		if expNeg {
			exp = -exp
		}
	}
	if i != len(s) {
		return decimal{}, false
	}

	// The mantissa is intPart followed by fracPart, with the point after
	// intPart; drop zeros that carry no value.
	mant := intPart + fracPart
	point := int64(len(intPart))
	trimmed := strings.TrimLeft(mant, "0")
	point -= int64(len(mant) - len(trimmed))
	trimmed = strings.TrimRight(trimmed, "0")
	if trimmed == "" {
		return decimal{}, true
	}
	d.digits = trimmed
	d.exp = point + exp
	return d, true
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

// sign is -1, 0 or 1.
func (d decimal) sign() int {
	switch {
	case d.digits == "":
		return 0
	case d.neg:
		return -1
	}
	return 1
}

// cmp returns -1, 0 or 1 as d is less than, equal to or greater than e.
func (d decimal) cmp(e decimal) int {
	ds, es := d.sign(), e.sign()
	if ds != es {
		if ds < es {
			return -1
		}
		return 1
	}
	if ds == 0 {
		return 0
	}
	// Same sign, both non-zero: compare magnitudes, then flip for negatives.
	var m int
	switch {
	case d.exp != e.exp:
		m = 1
		if d.exp < e.exp {
			m = -1
		}
	default:
		// With no trailing zeros, comparing the digit strings as text is
		// comparing the fractions 0.digits.
		m = strings.Compare(d.digits, e.digits)
	}
	return m * ds
}
