package pdu

import (
	"fmt"
	"time"
	"unicode/utf8"
)

// Class is a message class from TP-DCS; ClassNone when the DCS gives none.
type Class byte

const (
	ClassNone Class = iota
	Class0          // "flash": shown at once, not stored
	Class1          // ME-specific
	Class2          // SIM-specific
	Class3          // TE-specific
)

// IE is one information element of a user data header.
type IE struct {
	ID   byte
	Data []byte
}

// Information element identifiers used here.
const (
	IEConcat8  byte = 0x00 // concatenated message, 8-bit reference: ref, total, seq
	IEConcat16 byte = 0x08 // concatenated message, 16-bit reference: ref(2), total, seq
)

// Concat is the concatenation information of one part of a long message.
type Concat struct {
	Ref   uint16
	Ref16 bool // the reference came in a 16-bit IE
	Total int  // number of parts, 1..255
	Seq   int  // this part's number, 1..Total
}

// UserData is the body of a message: its coding and class (TP-DCS), header (TP-UDH) and
// the text (GSM7, UCS2) or bytes (Data8).
type UserData struct {
	Coding Coding
	Class  Class
	Header []IE
	Text   string // GSM7 and UCS2
	Data   []byte // Data8
}

// Concat returns the concatenation IE of the header, if any. An IE with a zero total, a
// zero sequence number or one past the total is ignored, as TS 23.040 §9.2.3.24.1 says.
func (u UserData) Concat() (Concat, bool) {
	for _, ie := range u.Header {
		var c Concat
		switch {
		case ie.ID == IEConcat8 && len(ie.Data) == 3:
			c = Concat{Ref: uint16(ie.Data[0]), Total: int(ie.Data[1]), Seq: int(ie.Data[2])}
		case ie.ID == IEConcat16 && len(ie.Data) == 4:
			c = Concat{Ref: uint16(ie.Data[0])<<8 | uint16(ie.Data[1]), Ref16: true, Total: int(ie.Data[2]), Seq: int(ie.Data[3])}
		default:
			continue
		}
		if c.Total == 0 || c.Seq == 0 || c.Seq > c.Total {
			continue
		}
		return c, true
	}
	return Concat{}, false
}

// ConcatIE is the 8-bit reference concatenation IE for part seq of total.
func ConcatIE(ref byte, total, seq int) IE {
	return IE{ID: IEConcat8, Data: []byte{ref, byte(total), byte(seq)}}
}

func (u UserData) dcs() (byte, error) {
	var d byte
	switch u.Coding {
	case GSM7:
	case Data8:
		d = 0x04
	case UCS2:
		d = 0x08
	default:
		return 0, fmt.Errorf("unknown coding %d", u.Coding)
	}
	if u.Class > Class3 {
		return 0, fmt.Errorf("unknown message class %d", u.Class)
	}
	if u.Class != ClassNone {
		d |= 0x10 | byte(u.Class-1)
	}
	return d, nil
}

// parseDCS reads TP-DCS (TS 23.038 §4). Reserved groups read as GSM7, as the spec asks.
func parseDCS(d byte) (Coding, Class, error) {
	class := func() Class { return Class(d&0x03) + 1 }
	switch d >> 4 {
	case 0x0, 0x1, 0x2, 0x3, 0x4, 0x5, 0x6, 0x7: // general data coding (and automatic deletion)
		if d&0x20 != 0 {
			return 0, 0, fmt.Errorf("%w: DCS 0x%02X announces compressed text, which is not supported", ErrMalformed, d)
		}
		c := ClassNone
		if d&0x10 != 0 {
			c = class()
		}
		switch (d >> 2) & 0x03 {
		case 1:
			return Data8, c, nil
		case 2:
			return UCS2, c, nil
		}
		return GSM7, c, nil
	case 0xC, 0xD: // message waiting indication, discard/store, GSM7
		return GSM7, ClassNone, nil
	case 0xE: // message waiting indication, store, UCS2
		return UCS2, ClassNone, nil
	case 0xF: // data coding/message class
		if d&0x04 != 0 {
			return Data8, class(), nil
		}
		return GSM7, class(), nil
	}
	return GSM7, ClassNone, nil // reserved groups 1000..1011
}

// appendUserData writes TP-UDL and TP-UD. The UDHI bit for the first octet is reported.
func appendUserData(out []byte, u UserData) ([]byte, bool, error) {
	var udh []byte
	if len(u.Header) > 0 {
		udh = []byte{0}
		for _, ie := range u.Header {
			if len(ie.Data) > 255 {
				return nil, false, fmt.Errorf("header IE 0x%02X is longer than 255 octets", ie.ID)
			}
			udh = append(append(udh, ie.ID, byte(len(ie.Data))), ie.Data...)
		}
		if len(udh)-1 > 139 {
			return nil, false, fmt.Errorf("user data header of %d octets is too long", len(udh))
		}
		udh[0] = byte(len(udh) - 1)
	}
	switch u.Coding {
	case GSM7:
		sept, err := encodeGSM7(u.Text)
		if err != nil {
			return nil, false, err
		}
		hdrSeptets := (8*len(udh) + 6) / 7
		udl := hdrSeptets + len(sept)
		if udl > 160 {
			return nil, false, fmt.Errorf("text of %d septets is too long for one part (%d with the header; max 160): use Split", len(sept), udl)
		}
		out = append(out, byte(udl))
		out = append(out, udh...)
		fill := 7*hdrSeptets - 8*len(udh)
		return append(out, pack7(sept, fill)...), len(udh) > 0, nil
	case UCS2, Data8:
		body := u.Data
		if u.Coding == UCS2 {
			if !utf8.ValidString(u.Text) {
				return nil, false, fmt.Errorf("text is not valid UTF-8")
			}
			body = encodeUCS2(u.Text)
		}
		udl := len(udh) + len(body)
		if udl > 140 {
			return nil, false, fmt.Errorf("user data of %d octets is too long for one part (max 140): use Split", udl)
		}
		out = append(out, byte(udl))
		return append(append(out, udh...), body...), len(udh) > 0, nil
	}
	return nil, false, fmt.Errorf("unknown coding %d", u.Coding)
}

// readUserData reads TP-UDL and TP-UD from b, given the coding and whether a header is there.
func readUserData(b []byte, coding Coding, udhi bool) (UserData, error) {
	u := UserData{Coding: coding}
	if len(b) < 1 {
		return u, fmt.Errorf("%w: no user data length", ErrTruncated)
	}
	udl := int(b[0])
	ud := b[1:]
	var octets int
	if coding == GSM7 {
		if udl > 160 {
			return u, fmt.Errorf("%w: user data length %d septets is more than 160", ErrMalformed, udl)
		}
		octets = (7*udl + 7) / 8
	} else {
		if udl > 140 {
			return u, fmt.Errorf("%w: user data length %d octets is more than 140", ErrMalformed, udl)
		}
		octets = udl
	}
	if len(ud) < octets {
		return u, fmt.Errorf("%w: user data length says %d octets, have %d", ErrTruncated, octets, len(ud))
	}
	ud = ud[:octets]
	hdrLen := 0
	if udhi {
		if len(ud) < 1 {
			return u, fmt.Errorf("%w: header indicated but user data is empty", ErrTruncated)
		}
		hdrLen = 1 + int(ud[0])
		if hdrLen > len(ud) {
			return u, fmt.Errorf("%w: header length %d is more than the user data (%d octets)", ErrMalformed, hdrLen-1, len(ud))
		}
		h := ud[1:hdrLen]
		for len(h) > 0 {
			if len(h) < 2 || len(h) < 2+int(h[1]) {
				return u, fmt.Errorf("%w: header element 0x%02X is cut short", ErrMalformed, h[0])
			}
			u.Header = append(u.Header, IE{ID: h[0], Data: append([]byte(nil), h[2:2+int(h[1])]...)})
			h = h[2+int(h[1]):]
		}
	}
	switch coding {
	case GSM7:
		hdrSeptets := (8*hdrLen + 6) / 7
		if hdrSeptets > udl {
			return u, fmt.Errorf("%w: header of %d octets is longer than the %d septets of user data", ErrMalformed, hdrLen, udl)
		}
		sept, err := unpack7(ud[hdrLen:], 7*hdrSeptets-8*hdrLen, udl-hdrSeptets)
		if err != nil {
			return u, err
		}
		u.Text = decodeGSM7(sept)
	case UCS2:
		t, err := decodeUCS2(ud[hdrLen:])
		if err != nil {
			return u, err
		}
		u.Text = t
	default:
		u.Data = append([]byte(nil), ud[hdrLen:]...)
	}
	return u, nil
}

// appendTimestamp writes a 7-octet service centre time stamp in t's zone (rounded to quarter hours).
func appendTimestamp(out []byte, t time.Time) []byte {
	_, off := t.Zone()
	q := off / 900
	neg := q < 0
	if neg {
		q = -q
	}
	sw := func(v int) byte { return byte(v%10)<<4 | byte(v/10%10) }
	tz := sw(q)
	if neg {
		tz |= 0x08
	}
	return append(out, sw(t.Year()%100), sw(int(t.Month())), sw(t.Day()), sw(t.Hour()), sw(t.Minute()), sw(t.Second()), tz)
}

// readTimestamp reads a 7-octet time stamp. A stamp with impossible digits reads as the zero
// time rather than failing the message: the text matters more than the stamp.
func readTimestamp(b []byte) time.Time {
	var v [6]int
	for i := range v {
		lo, hi := int(b[i]&0x0F), int(b[i]>>4)
		if lo > 9 || hi > 9 {
			return time.Time{}
		}
		v[i] = lo*10 + hi
	}
	tzLo, tzHi := int(b[6]&0x07), int(b[6]>>4)
	if tzHi > 9 {
		return time.Time{}
	}
	q := tzLo*10 + tzHi
	if b[6]&0x08 != 0 {
		q = -q
	}
	if v[1] < 1 || v[1] > 12 || v[2] < 1 || v[2] > 31 || v[3] > 23 || v[4] > 59 || v[5] > 59 || q > 56 || q < -56 {
		return time.Time{}
	}
	zone := time.FixedZone("", q*900)
	return time.Date(2000+v[0], time.Month(v[1]), v[2], v[3], v[4], v[5], 0, zone)
}

// validityOctet is the relative TP-VP for d, rounded up to the next step the field can say
// (5 min up to 12 h, 30 min up to 24 h, days up to 30 days, weeks up to 63 weeks).
func validityOctet(d time.Duration) byte {
	m := int((d + time.Minute - 1) / time.Minute)
	switch {
	case m <= 12*60:
		v := (m+4)/5 - 1
		if v < 0 {
			v = 0
		}
		return byte(v)
	case m <= 24*60:
		return byte(143 + (m-12*60+29)/30)
	case m <= 30*24*60:
		return byte(166 + (m+24*60-1)/(24*60))
	case m <= 63*7*24*60:
		return byte(192 + (m+7*24*60-1)/(7*24*60))
	}
	return 255
}

// validityDuration is the period a relative TP-VP octet says.
func validityDuration(v byte) time.Duration {
	switch {
	case v <= 143:
		return time.Duration(int(v)+1) * 5 * time.Minute
	case v <= 167:
		return 12*time.Hour + time.Duration(int(v)-143)*30*time.Minute
	case v <= 196:
		return time.Duration(int(v)-166) * 24 * time.Hour
	}
	return time.Duration(int(v)-192) * 7 * 24 * time.Hour
}
