package pdu

import (
	"fmt"
	"unicode/utf16"
	"unicode/utf8"
)

// escape is the GSM 7-bit code that switches the next septet to the extension table.
const escape = 0x1B

// gsm7Basic is the GSM 7-bit default alphabet (3GPP TS 23.038 §6.2.1), indexed by septet.
// Index 0x1B is the escape to the extension table; it decodes as a space when nothing follows.
var gsm7Basic = [128]rune{
	'@', '£', '$', '¥', 'è', 'é', 'ù', 'ì', 'ò', 'Ç', '\n', 'Ø', 'ø', '\r', 'Å', 'å',
	'Δ', '_', 'Φ', 'Γ', 'Λ', 'Ω', 'Π', 'Ψ', 'Σ', 'Θ', 'Ξ', ' ', 'Æ', 'æ', 'ß', 'É',
	' ', '!', '"', '#', '¤', '%', '&', '\'', '(', ')', '*', '+', ',', '-', '.', '/',
	'0', '1', '2', '3', '4', '5', '6', '7', '8', '9', ':', ';', '<', '=', '>', '?',
	'¡', 'A', 'B', 'C', 'D', 'E', 'F', 'G', 'H', 'I', 'J', 'K', 'L', 'M', 'N', 'O',
	'P', 'Q', 'R', 'S', 'T', 'U', 'V', 'W', 'X', 'Y', 'Z', 'Ä', 'Ö', 'Ñ', 'Ü', '§',
	'¿', 'a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j', 'k', 'l', 'm', 'n', 'o',
	'p', 'q', 'r', 's', 't', 'u', 'v', 'w', 'x', 'y', 'z', 'ä', 'ö', 'ñ', 'ü', 'à',
}

// gsm7Ext is the default alphabet extension table: each character costs the escape plus this septet.
var gsm7Ext = map[byte]rune{
	0x0A: '\f', 0x14: '^', 0x28: '{', 0x29: '}', 0x2F: '\\',
	0x3C: '[', 0x3D: '~', 0x3E: ']', 0x40: '|', 0x65: '€',
}

var (
	gsm7BasicRev = map[rune]byte{}
	gsm7ExtRev   = map[rune]byte{}
)

func init() {
	for i, r := range gsm7Basic {
		if i == escape {
			continue
		}
		if _, dup := gsm7BasicRev[r]; !dup {
			gsm7BasicRev[r] = byte(i)
		}
	}
	for c, r := range gsm7Ext {
		gsm7ExtRev[r] = c
	}
}

// gsm7Cost is the number of septets r takes in the GSM 7-bit alphabet, or 0 when r is not in it.
func gsm7Cost(r rune) int {
	if _, ok := gsm7BasicRev[r]; ok {
		return 1
	}
	if _, ok := gsm7ExtRev[r]; ok {
		return 2
	}
	return 0
}

// ucs2Cost is the number of UTF-16 code units r takes (2 for a surrogate pair, e.g. most emoji).
func ucs2Cost(r rune) int {
	if r >= 0x10000 {
		return 2
	}
	return 1
}

// Coding is the alphabet of a message's user data (TP-DCS).
type Coding byte

const (
	// GSM7 is the GSM 7-bit default alphabet with its extension table, packed as septets.
	GSM7 Coding = iota
	// Data8 is 8-bit data, passed through as bytes.
	Data8
	// UCS2 is UTF-16BE; characters outside the BMP take a surrogate pair (two units).
	UCS2
)

func (c Coding) String() string {
	switch c {
	case GSM7:
		return "gsm7"
	case Data8:
		return "8bit"
	case UCS2:
		return "ucs2"
	}
	return fmt.Sprintf("coding(%d)", byte(c))
}

// ChooseCoding returns GSM7 when every character of text is in the default alphabet or its
// extension table, else UCS2.
func ChooseCoding(text string) Coding {
	for _, r := range text {
		if gsm7Cost(r) == 0 {
			return UCS2
		}
	}
	return GSM7
}

// Length is the size of text in the units its coding counts: septets for GSM7 (extension
// characters count two), UTF-16 units for UCS2 (a surrogate pair counts two).
func Length(text string, c Coding) int {
	n := 0
	for _, r := range text {
		switch c {
		case GSM7:
			n += gsm7Cost(r)
		case UCS2:
			n += ucs2Cost(r)
		default:
			n += utf8.RuneLen(r)
		}
	}
	return n
}

// encodeGSM7 turns text into unpacked septets, escaping extension characters.
func encodeGSM7(text string) ([]byte, error) {
	out := make([]byte, 0, len(text))
	for i, r := range text {
		if c, ok := gsm7BasicRev[r]; ok {
			out = append(out, c)
		} else if c, ok := gsm7ExtRev[r]; ok {
			out = append(out, escape, c)
		} else {
			return nil, fmt.Errorf("character %q at byte %d is not in the GSM 7-bit alphabet", r, i)
		}
	}
	return out, nil
}

// decodeGSM7 turns unpacked septets into text. An extension code the table does not know
// shows as its default-alphabet character (TS 23.038 §6.2.1.1); a trailing escape is dropped.
func decodeGSM7(septets []byte) string {
	out := make([]rune, 0, len(septets))
	for i := 0; i < len(septets); i++ {
		s := septets[i] & 0x7F
		if s != escape {
			out = append(out, gsm7Basic[s])
			continue
		}
		if i+1 >= len(septets) {
			break
		}
		i++
		n := septets[i] & 0x7F
		if r, ok := gsm7Ext[n]; ok {
			out = append(out, r)
		} else {
			out = append(out, gsm7Basic[n])
		}
	}
	return string(out)
}

// pack7 packs septets into octets, the first septet starting after fill zero bits.
func pack7(septets []byte, fill int) []byte {
	bits := fill + 7*len(septets)
	out := make([]byte, (bits+7)/8)
	for i, s := range septets {
		pos := fill + 7*i
		b, sh := pos/8, uint(pos%8)
		v := uint16(s&0x7F) << sh
		out[b] |= byte(v)
		if v>>8 != 0 {
			out[b+1] |= byte(v >> 8)
		}
	}
	return out
}

// unpack7 reads n septets from data, the first starting after fill bits. It reports an error
// when data is too short to hold them.
func unpack7(data []byte, fill, n int) ([]byte, error) {
	if n < 0 || fill+7*n > 8*len(data) {
		return nil, fmt.Errorf("%w: %d septets need %d octets, have %d", ErrTruncated, n, (fill+7*n+7)/8, len(data))
	}
	out := make([]byte, n)
	for i := range out {
		pos := fill + 7*i
		b, sh := pos/8, uint(pos%8)
		v := uint16(data[b])
		if b+1 < len(data) {
			v |= uint16(data[b+1]) << 8
		}
		out[i] = byte(v>>sh) & 0x7F
	}
	return out, nil
}

func encodeUCS2(text string) []byte {
	units := utf16.Encode([]rune(text))
	out := make([]byte, 2*len(units))
	for i, u := range units {
		out[2*i], out[2*i+1] = byte(u>>8), byte(u)
	}
	return out
}

// decodeUCS2 reads UTF-16BE; a lone surrogate becomes U+FFFD.
func decodeUCS2(b []byte) (string, error) {
	if len(b)%2 != 0 {
		return "", fmt.Errorf("%w: UCS-2 user data has an odd length %d", ErrMalformed, len(b))
	}
	units := make([]uint16, len(b)/2)
	for i := range units {
		units[i] = uint16(b[2*i])<<8 | uint16(b[2*i+1])
	}
	return string(utf16.Decode(units)), nil
}
