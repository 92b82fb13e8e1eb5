package pdu

import (
	"encoding/hex"
	"errors"
	"strings"
	"testing"
	"time"
)

func TestPack7(t *testing.T) {
	tests := []struct {
		text string
		fill int
		want string
	}{
		{"hello", 0, "E8329BFD06"},
		{"hellohello", 0, "E8329BFD4697D9EC37"},
		{"12345678", 0, "31D98C56B3DD70"}, // 8 septets fill 7 octets exactly
		{"A", 1, "82"},                    // one fill bit after a 6-octet UDH
	}
	for _, tc := range tests {
		sept, err := encodeGSM7(tc.text)
		if err != nil {
			t.Fatal(err)
		}
		got := strings.ToUpper(hex.EncodeToString(pack7(sept, tc.fill)))
		if got != tc.want {
			t.Errorf("pack7(%q, %d) = %s, want %s", tc.text, tc.fill, got, tc.want)
		}
		back, err := unpack7(pack7(sept, tc.fill), tc.fill, len(sept))
		if err != nil || decodeGSM7(back) != tc.text {
			t.Errorf("unpack7 round trip of %q = %q, %v", tc.text, decodeGSM7(back), err)
		}
	}
}

func TestChooseCodingAndLength(t *testing.T) {
	tests := []struct {
		text   string
		coding Coding
		length int
	}{
		{"", GSM7, 0},
		{"Hello @ £ $ ¥ è", GSM7, 15},
		{"€[]{}\\^~|", GSM7, 18}, // every extension character costs two septets
		{"\f", GSM7, 2},
		{"ç", UCS2, 1}, // only capital Ç is in the alphabet
		{"Привет", UCS2, 6},
		{"a😀b", UCS2, 4}, // a surrogate pair counts two units
		{"`", UCS2, 1},
	}
	for _, tc := range tests {
		if c := ChooseCoding(tc.text); c != tc.coding {
			t.Errorf("ChooseCoding(%q) = %v, want %v", tc.text, c, tc.coding)
		}
		if n := Length(tc.text, tc.coding); n != tc.length {
			t.Errorf("Length(%q) = %d, want %d", tc.text, n, tc.length)
		}
	}
}

func TestDecodeGSM7Escapes(t *testing.T) {
	tests := []struct {
		septets []byte
		want    string
	}{
		{[]byte{0x1B, 0x65}, "€"},
		{[]byte{0x41, 0x1B}, "A"},          // dangling escape dropped
		{[]byte{0x1B, 0x41}, "A"},          // unknown extension code shows its default character
		{[]byte{0x1B, 0x1B, 0x41}, " A"},   // escape-escape shows as a space
		{[]byte{0x1B, 0x0A, 0x0A}, "\f\n"}, // form feed, then line feed
	}
	for _, tc := range tests {
		if got := decodeGSM7(tc.septets); got != tc.want {
			t.Errorf("decodeGSM7(% X) = %q, want %q", tc.septets, got, tc.want)
		}
	}
}

func TestParseAddress(t *testing.T) {
	tests := []struct {
		in      string
		want    Address
		wantErr bool
	}{
		{"+1 (555) 123-4567", Address{"+15551234567", TypeInternational}, false},
		{"0612345678", Address{"0612345678", TypeUnknown}, false},
		{"*100#", Address{"*100#", TypeUnknown}, false},
		{"", Address{}, true},
		{"+", Address{}, true},
		{"12a", Address{}, true},
		{"123456789012345678901", Address{}, true},
	}
	for _, tc := range tests {
		got, err := ParseAddress(tc.in)
		if (err != nil) != tc.wantErr || got != tc.want {
			t.Errorf("ParseAddress(%q) = %+v, %v", tc.in, got, err)
		}
	}
}

func TestAddressRoundTrip(t *testing.T) {
	for _, a := range []Address{
		{"+15551234567", TypeInternational}, {"12345", TypeUnknown}, {"*100#", TypeUnknown},
		{"Vodafone", TypeAlphanumeric}, {"Bank", TypeAlphanumeric}, {"ABCDEFGHIJK", TypeAlphanumeric}, {"Shop7", TypeAlphanumeric},
	} {
		b, err := appendAddress(nil, a)
		if err != nil {
			t.Fatal(err)
		}
		got, n, err := readAddress(b, "test")
		if err != nil || n != len(b) || got != a {
			t.Errorf("%+v → % X → %+v (%d of %d), %v", a, b, got, n, len(b), err)
		}
	}
}

func TestTimestamp(t *testing.T) {
	tests := []struct {
		hex    string
		want   string
		offset int
	}{
		{"42506070809080", "2024-05-06T07:08:09+02:00", 7200},
		{"4250607080900A", "2024-05-06T07:08:09-05:00", -18000},
		{"42506070809022", "2024-05-06T07:08:09+05:30", 19800}, // India: 22 quarters
		{"42506070809000", "2024-05-06T07:08:09Z", 0},
	}
	for _, tc := range tests {
		b, _ := hex.DecodeString(tc.hex)
		ts := readTimestamp(b)
		if got := ts.Format(time.RFC3339); got != tc.want && !(tc.offset == 0 && got == "2024-05-06T07:08:09Z") {
			t.Errorf("%s → %s, want %s", tc.hex, got, tc.want)
		}
		if _, off := ts.Zone(); off != tc.offset {
			t.Errorf("%s: offset %d, want %d", tc.hex, off, tc.offset)
		}
		if back := strings.ToUpper(hex.EncodeToString(appendTimestamp(nil, ts))); back != tc.hex {
			t.Errorf("%s re-encoded as %s", tc.hex, back)
		}
	}
	for _, bad := range []string{"4F506070809000", "42136070809000", "425060708090F0"} {
		b, _ := hex.DecodeString(bad)
		if ts := readTimestamp(b); !ts.IsZero() {
			t.Errorf("%s read as %v, want zero time", bad, ts)
		}
	}
}

func TestValidity(t *testing.T) {
	tests := []struct {
		d    time.Duration
		want byte
		back time.Duration
	}{
		{time.Minute, 0x00, 5 * time.Minute},
		{2 * time.Hour, 0x17, 2 * time.Hour},
		{12 * time.Hour, 0x8F, 12 * time.Hour},
		{13 * time.Hour, 0x91, 13 * time.Hour},
		{24 * time.Hour, 0xA7, 24 * time.Hour},
		{7 * 24 * time.Hour, 0xAD, 7 * 24 * time.Hour},
		{40 * 24 * time.Hour, 0xC6, 6 * 7 * 24 * time.Hour}, // rounded up to whole weeks
		{10000 * time.Hour, 0xFC, 60 * 7 * 24 * time.Hour},
		{20000 * time.Hour, 0xFF, 63 * 7 * 24 * time.Hour},
	}
	for _, tc := range tests {
		if v := validityOctet(tc.d); v != tc.want || validityDuration(v) != tc.back {
			t.Errorf("validity %v → 0x%02X (%v), want 0x%02X (%v)", tc.d, v, validityDuration(v), tc.want, tc.back)
		}
	}
}

func TestSubmitEncodeErrors(t *testing.T) {
	to := Address{Number: "+15551234567"}
	tests := []struct {
		name string
		s    Submit
		want string
	}{
		{"no destination", Submit{UserData: UserData{Text: "x"}}, "no destination"},
		{"alphanumeric destination", Submit{To: Address{"Shop", TypeAlphanumeric}}, "alphanumeric"},
		{"non-GSM in GSM7", Submit{To: to, UserData: UserData{Text: "Привет"}}, "not in the GSM 7-bit alphabet"},
		{"too long GSM7", Submit{To: to, UserData: UserData{Text: strings.Repeat("a", 161)}}, "use Split"},
		{"too long UCS2", Submit{To: to, UserData: UserData{Coding: UCS2, Text: strings.Repeat("я", 71)}}, "use Split"},
		{"invalid UTF-8", Submit{To: to, UserData: UserData{Coding: UCS2, Text: "\xff"}}, "UTF-8"},
		{"bad smsc", Submit{To: to, SMSC: Address{Number: "+12x"}}, "smsc"},
	}
	for _, tc := range tests {
		if _, _, err := tc.s.Encode(); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: err %v, want it to mention %q", tc.name, err, tc.want)
		}
	}
	// At the limits: 160 septets and 70 units fit.
	for _, u := range []UserData{{Text: strings.Repeat("a", 160)}, {Text: strings.Repeat("€", 80)}, {Coding: UCS2, Text: strings.Repeat("я", 70)}} {
		if _, _, err := (&Submit{To: to, UserData: u}).Encode(); err != nil {
			t.Errorf("%d runes of %v: %v", len([]rune(u.Text)), u.Coding, err)
		}
	}
}

func TestSubmitRoundTrip(t *testing.T) {
	to := Address{Number: "+15551234567", Type: TypeInternational}
	tests := []Submit{
		{To: to, UserData: UserData{Text: "plain, no validity"}},
		{To: to, MessageRef: 200, StatusReport: true, RejectDuplicates: true, ReplyPath: true, Validity: 24 * time.Hour, UserData: UserData{Text: "all flags"}},
		{SMSC: Address{"+4917100000", TypeInternational}, To: Address{"0612", TypeUnknown}, UserData: UserData{Coding: UCS2, Text: "flash 😀", Class: Class0}},
		{To: to, PID: 0x41, UserData: UserData{Coding: Data8, Data: []byte{0, 1, 0xFF}, Class: Class1}},
		{To: to, UserData: UserData{Text: "header", Header: []IE{{ID: IEConcat16, Data: []byte{0x12, 0x34, 2, 1}}, {ID: 0x24, Data: []byte{}}}}},
		{To: to, UserData: UserData{Text: ""}},
	}
	for i, s := range tests {
		b, n, err := s.Encode()
		if err != nil {
			t.Fatalf("%d: %v", i, err)
		}
		if n != len(b)-1-int(b[0]) {
			t.Errorf("%d: TPDU length %d, PDU %d with SMSC field %d", i, n, len(b), b[0])
		}
		m, err := Decode(b)
		if err != nil {
			t.Fatalf("%d: %v", i, err)
		}
		if diff := submitDiff(&s, m.(*Submit)); diff != "" {
			t.Errorf("%d: %s", i, diff)
		}
	}
}

func TestDecodeBadInput(t *testing.T) {
	tests := []struct {
		name, hex string
		want      error
	}{
		{"empty", "", ErrTruncated},
		{"only smsc", "00", ErrTruncated},
		{"smsc runs past the end", "0791515500", ErrTruncated},
		{"smsc too long", "0C91", ErrMalformed},
		{"reserved MTI", "0003", ErrMalformed},
		{"deliver cut in the address", "00040B9151", ErrTruncated},
		{"deliver address too long", "00041591", ErrMalformed},
		{"deliver without timestamp", "00040B915155214365F70000425060", ErrTruncated},
		{"deliver without UDL", "00040B915155214365F7000042506070809080", ErrTruncated},
		{"UDL longer than data", "00040B915155214365F700004250607080908009E8329BFD06", ErrTruncated},
		{"UDL over 160", "00040B915155214365F7000042506070809080A1E8", ErrMalformed},
		{"UCS2 odd length", "00040B915155214365F700084250607080908003004100", ErrMalformed},
		{"UDH longer than UD", "00440B915155214365F700084250607080908002090A", ErrMalformed},
		{"UDH element cut", "00440B915155214365F70008425060708090800403000302", ErrMalformed},
		{"7-bit UDH longer than UDL", "00440B915155214365F70000425060708090800105", ErrMalformed},
		{"compressed", "00040B915155214365F700204250607080908001E8", ErrMalformed},
		{"submit without DA", "0001", ErrTruncated},
		{"submit VP missing", "0011000B915155214365F70000", ErrTruncated},
		{"status report cut", "0006070B915155214365F74221507145", ErrTruncated},
	}
	for _, tc := range tests {
		_, err := DecodeHex(tc.hex)
		if !errors.Is(err, tc.want) {
			t.Errorf("%s: err %v, want %v", tc.name, err, tc.want)
		}
	}
	if _, err := DecodeHex("zz"); !errors.Is(err, ErrMalformed) || !strings.Contains(err.Error(), "not hex") {
		t.Errorf("non-hex: %v", err)
	}
}

func TestDecodeStatusReportWithUserData(t *testing.T) {
	// PI 06: DCS and UD present; UD "ok" in 7-bit.
	m, err := DecodeHex("0006070B915155214365F742215071450080422150714510800006" + "00" + "02EF35")
	if err != nil {
		t.Fatal(err)
	}
	r := m.(*StatusReport)
	if r.Text != "ok" || r.Outcome() != Delivered {
		t.Errorf("got %+v", r)
	}
}

func TestStatusOutcome(t *testing.T) {
	tests := []struct {
		st   byte
		want Outcome
	}{
		{0x00, Delivered}, {0x01, Delivered}, {0x02, Delivered}, {0x1F, Delivered},
		{0x20, Pending}, {0x30, Pending}, {0x3F, Pending},
		{0x40, Failed}, {0x45, Failed}, {0x60, Failed}, {0x65, Failed}, {0x80, Failed}, {0xFF, Failed},
	}
	for _, tc := range tests {
		if got := StatusOutcome(tc.st); got != tc.want {
			t.Errorf("status 0x%02X: %v, want %v", tc.st, got, tc.want)
		}
	}
}
