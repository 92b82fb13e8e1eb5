package pdu

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestSMPPSplit(t *testing.T) {
	long := strings.Repeat("abcdefghij", 30) + "€" // 301 septets + escape
	emoji := strings.Repeat("😀", 40)               // 80 units: 2 parts of 33 and 7 pairs... (67 units max, pairs kept)
	tests := []struct {
		name   string
		text   string
		dc     byte
		parts  int
		first  []byte // expected prefix of part 1
		errHas string
	}{
		{"gsm7 single unpacked", "Hi @", SMPPDefault, 1, []byte{'H', 'i', ' ', 0x00}, ""},
		{"gsm7 escape", "€", SMPPDefault, 1, []byte{0x1B, 0x65}, ""},
		{"gsm7 long", long, SMPPDefault, 2, []byte{5, 0, 3, 7, 2, 1, 'a'}, ""},
		{"ucs2 single", "é😀", SMPPUCS2, 1, []byte{0x00, 0xE9, 0xD8, 0x3D, 0xDE, 0x00}, ""},
		{"ucs2 emoji long", emoji, SMPPUCS2, 2, []byte{5, 0, 3, 7, 2, 1, 0xD8, 0x3D}, ""},
		{"latin1", "café", SMPPLatin1, 1, []byte{'c', 'a', 'f', 0xE9}, ""},
		{"gsm7 refuses emoji", "😀", SMPPDefault, 0, nil, "cannot be sent"},
		{"latin1 refuses euro", "€", SMPPLatin1, 0, nil, "cannot be sent"},
		{"unknown coding", "x", 0x04, 0, nil, "not one we encode"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			parts, err := SMPPSplit(tc.text, 7, tc.dc)
			if tc.errHas != "" {
				require.ErrorContains(t, err, tc.errHas)
				return
			}
			require.NoError(t, err)
			require.Len(t, parts, tc.parts)
			require.Equal(t, tc.first, parts[0].ShortMessage[:len(tc.first)])
			var back strings.Builder
			for _, p := range parts {
				require.Equal(t, tc.parts > 1, p.UDH)
				require.LessOrEqual(t, len(p.ShortMessage), 160)
				u, err := SMPPDecode(p.DataCoding, p.UDH, p.ShortMessage)
				require.NoError(t, err)
				back.WriteString(u.Text)
			}
			require.Equal(t, tc.text, back.String())
		})
	}
}

func TestSMPPSplitNeverCutsEscapeOrPair(t *testing.T) {
	// 152 septets then € (2 septets): € must start part 2, not straddle.
	text := strings.Repeat("a", 152) + "€" + strings.Repeat("b", 20)
	parts, err := SMPPSplit(text, 1, SMPPDefault)
	require.NoError(t, err)
	require.Len(t, parts, 2)
	require.Equal(t, 6+152, len(parts[0].ShortMessage))
	require.Equal(t, []byte{0x1B, 0x65}, parts[1].ShortMessage[6:8])
	// 66 units then an emoji (2 units): the pair moves whole to part 2.
	text = strings.Repeat("ж", 66) + "😀" + strings.Repeat("ж", 10)
	parts, err = SMPPSplit(text, 1, SMPPUCS2)
	require.NoError(t, err)
	require.Len(t, parts, 2)
	require.Equal(t, 6+132, len(parts[0].ShortMessage))
}

func TestSMPPDecode(t *testing.T) {
	tests := []struct {
		name   string
		dc     byte
		udhi   bool
		sm     []byte
		text   string
		concat *Concat
		errHas string
	}{
		{"gsm7", 0, false, []byte{'h', 0x00, 0x1B, 0x65}, "h@€", nil, ""},
		{"latin1", 3, false, []byte{'c', 0xE9}, "cé", nil, ""},
		{"ucs2 odd", 8, false, []byte{0x00, 'A', 0x00}, "A\uFFFD", nil, ""},
		{"udh concat", 8, true, []byte{5, 0, 3, 9, 2, 2, 0x00, 'B'}, "B", &Concat{Ref: 9, Total: 2, Seq: 2}, ""},
		{"udh too long", 0, true, []byte{9, 0, 3}, "", nil, "longer than"},
		{"udh ie cut", 0, true, []byte{2, 0, 3}, "", nil, "cut short"},
		{"empty udhi", 0, true, nil, "", nil, "longer than"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			u, err := SMPPDecode(tc.dc, tc.udhi, tc.sm)
			if tc.errHas != "" {
				require.ErrorContains(t, err, tc.errHas)
				return
			}
			require.NoError(t, err)
			require.Equal(t, tc.text, u.Text)
			if tc.concat != nil {
				c, ok := u.Concat()
				require.True(t, ok)
				require.Equal(t, *tc.concat, c)
			}
		})
	}
}
