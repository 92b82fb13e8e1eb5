package pdu

import (
	"fmt"
	"unicode/utf16"
	"unicode/utf8"
)

// SMPP data_coding values (SMPP 3.4 §5.2.19) that SMPPSplit and SMPPDecode know.
const (
	SMPPDefault byte = 0x00 // SMSC default alphabet: here GSM 7-bit, one septet per octet (unpacked)
	SMPPIA5     byte = 0x01 // IA5 (CCITT T.50) / ASCII
	SMPPBinary  byte = 0x04 // 8-bit binary
	SMPPLatin1  byte = 0x03 // ISO-8859-1
	SMPPUCS2    byte = 0x08 // UCS-2 (UTF-16BE here: an emoji is a surrogate pair)
)

// SMPPPart is one submit_sm's worth of a message: its data_coding and short_message (with
// the user data header in front when UDH is set, for esm_class 0x40).
type SMPPPart struct {
	DataCoding   byte
	ShortMessage []byte
	UDH          bool
}

// Per-part octet capacities for the 8-bit codings (Latin-1, UCS-2): 140 octets alone, 134
// after the 6-octet concatenation header.
const (
	singlePartOctets = 140
	partOctets       = 134
)

// SMPPChoose returns the data_coding Split would choose: SMPPDefault (GSM 7-bit) when every
// character is in the GSM alphabet or its extension table, else SMPPUCS2.
func SMPPChoose(text string) byte {
	if ChooseCoding(text) == GSM7 {
		return SMPPDefault
	}
	return SMPPUCS2
}

// SMPPSplit turns text into short_message octets for submit_sm in the given data_coding
// (SMPPDefault, SMPPLatin1 or SMPPUCS2), with the same semantics as Split: one part when it
// fits (160 septets, 140 octets), else parts of 153 septets or 134 octets behind the 8-bit
// reference concatenation header (05 00 03 ref total seq); an escape sequence or a surrogate
// pair is never cut across parts; at most 255 parts. GSM 7-bit goes one septet per octet, as
// SMPP carries it. A character the coding cannot carry is an error naming it.
func SMPPSplit(text string, ref byte, dataCoding byte) ([]SMPPPart, error) {
	if !utf8.ValidString(text) {
		return nil, fmt.Errorf("smpp split: text is not valid UTF-8")
	}
	var single, per int
	var cost func(r rune) int
	switch dataCoding {
	case SMPPDefault:
		single, per, cost = SinglePartSeptets, PartSeptets, gsm7Cost
	case SMPPLatin1:
		single, per = singlePartOctets, partOctets
		cost = func(r rune) int {
			if r <= 0xFF {
				return 1
			}
			return 0
		}
	case SMPPUCS2:
		single, per = singlePartOctets, partOctets
		cost = func(r rune) int { return 2 * ucs2Cost(r) }
	default:
		return nil, fmt.Errorf("smpp split: data_coding 0x%02X is not one we encode", dataCoding)
	}
	total := 0
	for i, r := range text {
		c := cost(r)
		if c == 0 {
			return nil, fmt.Errorf("smpp split: character %q at byte %d cannot be sent in data_coding 0x%02X", r, i, dataCoding)
		}
		total += c
	}
	texts := []string{text}
	if total > single {
		texts = cut(text, per, cost)
		if len(texts) > MaxParts {
			return nil, fmt.Errorf("smpp split: text needs %d parts, more than %d", len(texts), MaxParts)
		}
	}
	parts := make([]SMPPPart, len(texts))
	for i, t := range texts {
		var sm []byte
		if len(texts) > 1 {
			sm = append(sm, 0x05, IEConcat8, 0x03, ref, byte(len(texts)), byte(i+1))
		}
		switch dataCoding {
		case SMPPDefault:
			b, err := encodeGSM7(t)
			if err != nil {
				return nil, fmt.Errorf("smpp split: %w", err)
			}
			sm = append(sm, b...)
		case SMPPLatin1:
			for _, r := range t {
				sm = append(sm, byte(r))
			}
		case SMPPUCS2:
			sm = append(sm, encodeUCS2(t)...)
		}
		parts[i] = SMPPPart{DataCoding: dataCoding, ShortMessage: sm, UDH: len(texts) > 1}
	}
	return parts, nil
}

// SMPPDecode reads a deliver_sm's short_message (or message_payload): the user data header
// first when udhi (esm_class 0x40) is set, then the text in dataCoding: 0 GSM 7-bit unpacked,
// 1 IA5/ASCII and 3 Latin-1 (Coding Data8 with both Text and the octets in Data), 8 UCS-2;
// anything else is kept as bytes (Coding Data8, Data only). It is
// lenient where failing would lose a message: a septet's eighth bit is ignored and an odd
// trailing UCS-2 octet becomes U+FFFD. A header that does not fit is an error.
func SMPPDecode(dataCoding byte, udhi bool, sm []byte) (UserData, error) {
	var u UserData
	if udhi {
		if len(sm) < 1 || 1+int(sm[0]) > len(sm) {
			return u, fmt.Errorf("%w: user data header longer than the short_message (%d octets)", ErrMalformed, len(sm))
		}
		h := sm[1 : 1+int(sm[0])]
		for len(h) > 0 {
			if len(h) < 2 || len(h) < 2+int(h[1]) {
				return u, fmt.Errorf("%w: header element 0x%02X is cut short", ErrMalformed, h[0])
			}
			u.Header = append(u.Header, IE{ID: h[0], Data: append([]byte(nil), h[2:2+int(h[1])]...)})
			h = h[2+int(h[1]):]
		}
		sm = sm[1+int(sm[0]):]
	}
	switch dataCoding {
	case SMPPDefault:
		u.Coding, u.Text = GSM7, decodeGSM7(sm)
	case SMPPIA5, SMPPLatin1:
		r := make([]rune, len(sm))
		for i, b := range sm {
			r[i] = rune(b)
		}
		// Data keeps the octets too, so the Reassembler tells parts apart by them.
		u.Coding, u.Text, u.Data = Data8, string(r), append([]byte(nil), sm...)
	case SMPPUCS2:
		units := make([]uint16, len(sm)/2)
		for i := range units {
			units[i] = uint16(sm[2*i])<<8 | uint16(sm[2*i+1])
		}
		u.Coding, u.Text = UCS2, string(utf16.Decode(units))
		if len(sm)%2 != 0 {
			u.Text += "\uFFFD"
		}
	default:
		u.Coding, u.Data = Data8, append([]byte(nil), sm...)
	}
	return u, nil
}
