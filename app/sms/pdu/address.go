package pdu

import (
	"errors"
	"fmt"
	"strings"
)

// Errors a decoder wraps, so a caller can tell bad input apart (errors.Is).
var (
	// ErrTruncated: the PDU ends before a field it announces.
	ErrTruncated = errors.New("pdu: truncated")
	// ErrMalformed: a field holds a value the specification does not allow.
	ErrMalformed = errors.New("pdu: malformed")
)

// Type-of-address octets.
const (
	TypeInternational byte = 0x91 // TON international, ISDN numbering plan: shown with a leading +
	TypeUnknown       byte = 0x81 // TON unknown (national numbers, short codes)
	TypeAlphanumeric  byte = 0xD0 // TON alphanumeric: GSM 7-bit packed text, e.g. a sender name
)

// Address is a TP address (originator, destination, recipient) or the SMSC address.
type Address struct {
	// Number holds the digits, with a leading + when Type is international; for an
	// alphanumeric address, the text.
	Number string
	// Type is the type-of-address octet (TypeInternational, TypeUnknown, TypeAlphanumeric, …).
	Type byte
}

func (a Address) String() string { return a.Number }

// ParseAddress reads a phone number as people write it: a leading + makes it international
// (0x91), otherwise its type is unknown (0x81). Spaces, dashes, dots and parentheses are
// ignored; digits, * and # are kept.
func ParseAddress(s string) (Address, error) {
	a := Address{Type: TypeUnknown}
	t := strings.TrimSpace(s)
	if strings.HasPrefix(t, "+") {
		a.Type = TypeInternational
		t = t[1:]
	}
	var b strings.Builder
	for _, r := range t {
		switch {
		case r >= '0' && r <= '9', r == '*', r == '#':
			b.WriteRune(r)
		case r == ' ', r == '-', r == '.', r == '(', r == ')':
		default:
			return Address{}, fmt.Errorf("address %q: %q is not a digit", s, r)
		}
	}
	digits := b.String()
	if digits == "" {
		return Address{}, fmt.Errorf("address %q has no digits", s)
	}
	if len(digits) > 20 {
		return Address{}, fmt.Errorf("address %q has %d digits, more than 20", s, len(digits))
	}
	if a.Type == TypeInternational {
		a.Number = "+" + digits
	} else {
		a.Number = digits
	}
	return a, nil
}

const semiDigits = "0123456789*#abc"

// digitsOf returns the semi-octet digits of a (without the +).
func (a Address) digitsOf() ([]byte, error) {
	d := strings.TrimPrefix(a.Number, "+")
	out := make([]byte, len(d))
	for i := 0; i < len(d); i++ {
		k := strings.IndexByte(semiDigits, d[i])
		if k < 0 {
			return nil, fmt.Errorf("address %q: %q is not a digit", a.Number, d[i])
		}
		out[i] = byte(k)
	}
	if len(out) > 20 {
		return nil, fmt.Errorf("address %q has %d digits, more than 20", a.Number, len(out))
	}
	return out, nil
}

// swapSemi packs digits two to an octet, low nibble first, an odd count padded with F.
func swapSemi(digits []byte) []byte {
	out := make([]byte, (len(digits)+1)/2)
	for i, d := range digits {
		if i%2 == 0 {
			out[i/2] = 0xF0 | d
		} else {
			out[i/2] = out[i/2]&0x0F | d<<4
		}
	}
	return out
}

// readSemi reads n semi-octet digits from b; a filler F ends the number.
func readSemi(b []byte, n int) string {
	var s strings.Builder
	for i := 0; i < n && i/2 < len(b); i++ {
		v := b[i/2]
		if i%2 == 1 {
			v >>= 4
		}
		v &= 0x0F
		if v == 0x0F {
			break
		}
		s.WriteByte(semiDigits[v])
	}
	return s.String()
}

func isAlphanumeric(t byte) bool { return t&0x70 == 0x50 }

// appendAddress writes a TP address: digit count (semi-octets), type, value.
func appendAddress(out []byte, a Address) ([]byte, error) {
	t := a.Type
	if t == 0 {
		t = TypeUnknown
		if strings.HasPrefix(a.Number, "+") {
			t = TypeInternational
		}
	}
	if isAlphanumeric(t) {
		sept, err := encodeGSM7(a.Number)
		if err != nil {
			return nil, fmt.Errorf("alphanumeric address: %w", err)
		}
		if len(sept) > 11 {
			return nil, fmt.Errorf("alphanumeric address %q is longer than 11 septets", a.Number)
		}
		packed := pack7(sept, 0)
		return append(append(out, byte((len(sept)*7+3)/4), t|0x80), packed...), nil
	}
	d, err := a.digitsOf()
	if err != nil {
		return nil, err
	}
	if len(d) == 0 {
		return nil, fmt.Errorf("address is empty")
	}
	return append(append(out, byte(len(d)), t|0x80), swapSemi(d)...), nil
}

// readAddress reads a TP address at b[0:], returning it and the octets consumed.
func readAddress(b []byte, what string) (Address, int, error) {
	if len(b) < 2 {
		return Address{}, 0, fmt.Errorf("%w: %s address", ErrTruncated, what)
	}
	n, t := int(b[0]), b[1]
	octets := (n + 1) / 2
	if n > 20 {
		return Address{}, 0, fmt.Errorf("%w: %s address length %d is more than 20 digits", ErrMalformed, what, n)
	}
	if len(b) < 2+octets {
		return Address{}, 0, fmt.Errorf("%w: %s address needs %d octets, have %d", ErrTruncated, what, octets, len(b)-2)
	}
	v := b[2 : 2+octets]
	a := Address{Type: t | 0x80} // bit 7 is always 1; some senders forget it
	if isAlphanumeric(t) {
		sept, _ := unpack7(v, 0, n*4/7)
		a.Number = decodeGSM7(sept)
	} else {
		a.Number = readSemi(v, n)
		if t&0x70 == 0x10 {
			a.Number = "+" + a.Number
		}
	}
	return a, 2 + octets, nil
}

// appendSMSC writes the SMSC field that precedes a TPDU: 00 when a is empty (the modem's
// own SMSC), else its length in octets, type and semi-octets.
func appendSMSC(out []byte, a Address) ([]byte, error) {
	if a.Number == "" {
		return append(out, 0), nil
	}
	d, err := a.digitsOf()
	if err != nil {
		return nil, fmt.Errorf("smsc: %w", err)
	}
	t := a.Type
	if t == 0 {
		t = TypeUnknown
		if strings.HasPrefix(a.Number, "+") {
			t = TypeInternational
		}
	}
	v := swapSemi(d)
	return append(append(out, byte(1+len(v)), t|0x80), v...), nil
}

// readSMSC reads the SMSC field, returning the address and the octets consumed.
func readSMSC(b []byte) (Address, int, error) {
	if len(b) < 1 {
		return Address{}, 0, fmt.Errorf("%w: empty PDU", ErrTruncated)
	}
	n := int(b[0])
	if n == 0 {
		return Address{}, 1, nil
	}
	if n > 11 {
		return Address{}, 0, fmt.Errorf("%w: SMSC length %d is more than 11 octets", ErrMalformed, n)
	}
	if len(b) < 1+n {
		return Address{}, 0, fmt.Errorf("%w: SMSC address needs %d octets, have %d", ErrTruncated, n, len(b)-1)
	}
	a := Address{Type: b[1] | 0x80}
	a.Number = readSemi(b[2:1+n], 2*(n-1))
	if a.Type&0x70 == 0x10 {
		a.Number = "+" + a.Number
	}
	return a, 1 + n, nil
}
