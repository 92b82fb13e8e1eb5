package smpp

import (
	"bytes"
	"encoding/hex"
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/switchboard/switchboard/app/sms/pdu"
)

func mustHex(s string) []byte {
	b, err := hex.DecodeString(strings.ReplaceAll(s, " ", ""))
	if err != nil {
		panic(err)
	}
	return b
}

// The bytes below are written by hand from SMPP 3.4 §4, so the codec is not only checked
// against itself.
func TestEncodeKnownBytes(t *testing.T) {
	tests := []struct {
		name string
		p    PDU
		hex  string
	}{
		{"enquire_link", PDU{Command: EnquireLink, Seq: 7}, "00000010 00000015 00000000 00000007"},
		{"bind_transceiver", PDU{Command: BindTransceiver, Seq: 1, Bind: &Bind{SystemID: "ab", Password: "pw", InterfaceVersion: 0x34}},
			"0000001b 00000009 00000000 00000001 616200 707700 00 34 00 00 00"},
		{"submit_sm_resp", PDU{Command: SubmitSMResp, Seq: 2, MessageID: "m1"}, "00000013 80000004 00000000 00000002 6d3100"},
		{"submit_sm with TLV", PDU{Command: SubmitSM, Seq: 3, SM: &ShortMessage{SourceTON: 1, SourceNPI: 1, Source: "1", DestTON: 1, DestNPI: 1, Dest: "2",
			ESMClass: 0x40, RegisteredDelivery: 1, DataCoding: 8, ShortMessage: []byte{0, 'A'}}, TLVs: []TLV{{TagMessageState, []byte{2}}}},
			"0000002a 00000004 00000000 00000003 00 01 01 3100 01 01 3200 40 00 00 00 00 01 00 08 00 02 0041 0427 0001 02"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			b, err := Encode(tc.p)
			require.NoError(t, err)
			require.Equal(t, mustHex(tc.hex), b)
			back, err := Decode(b)
			require.NoError(t, err)
			require.Equal(t, tc.p, back)
		})
	}
}

func TestDecodeErrors(t *testing.T) {
	sm := mustHex("00000025 00000005 00000000 00000009 00 01 01 3100 01 01 3200 00 00 00 00 00 00 00 00 00 02 4142")
	_, err := Decode(sm)
	require.NoError(t, err)
	tests := []struct {
		name  string
		b     []byte
		is    error
		has   string
		seqOK bool
	}{
		{"short", []byte{0, 0, 0}, ErrFraming, "less than a header", false},
		{"length under 16", mustHex("0000000f 00000015 00000000 00000001"), ErrFraming, "command_length 15", false},
		{"length disagrees", mustHex("00000011 00000015 00000000 00000001"), ErrFraming, "for 16 octets", false},
		{"unknown command", mustHex("00000010 00000099 00000000 00000005"), ErrMalformed, "unknown command_id", true},
		{"sm_length past the end", append(bytes.Clone(sm[:len(sm)-3]), 0x09, 'A', 'B'), ErrMalformed, "sm_length says 9 octets", true},
		{"no NUL", mustHex("00000014 00000009 00000000 00000004 61626364"), ErrMalformed, "no terminating NUL", true},
		{"system_id too long", append(mustHex("00000021 00000009 00000000 00000004"), append(bytes.Repeat([]byte("a"), 16), 0)...), ErrMalformed, "longer than 15", true},
		{"stray TLV octets", append(mustHex("00000013 00000015 00000000 00000004"), 1, 2, 3), ErrMalformed, "stray", true},
		{"TLV past the end", append(mustHex("00000016 00000015 00000000 00000004"), 0x04, 0x24, 0, 9, 1, 2), ErrMalformed, "says 9 octets", true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p, err := Decode(tc.b)
			require.Error(t, err)
			require.True(t, errors.Is(err, tc.is), "%v", err)
			require.ErrorContains(t, err, tc.has)
			if tc.seqOK {
				require.NotZero(t, p.Seq, "the header is kept for the answer")
			}
		})
	}
}

func TestReadFrameRefusesBeforeAllocating(t *testing.T) {
	for _, n := range []string{"ffffffff", "00000000", "0000000f", "00011c01"} {
		_, err := ReadFrame(bytes.NewReader(mustHex(n + "00000004 00000000 00000001")))
		require.ErrorIs(t, err, ErrFraming, n)
	}
	_, err := ReadFrame(bytes.NewReader(mustHex("00000020 00000004 00000000 00000001 00")))
	require.ErrorContains(t, err, "cut short")
}

func TestEncodeRefuses(t *testing.T) {
	tests := []struct {
		name string
		p    PDU
		has  string
	}{
		{"password too long", PDU{Command: BindTransceiver, Bind: &Bind{SystemID: "a", Password: "123456789"}}, "password of 9 octets"},
		{"NUL in address", PDU{Command: SubmitSM, SM: &ShortMessage{Dest: "1\x002"}}, "holds a NUL"},
		{"short_message too long", PDU{Command: SubmitSM, SM: &ShortMessage{ShortMessage: make([]byte, 255)}}, "more than 254"},
		{"no body", PDU{Command: SubmitSM}, "without a body"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Encode(tc.p)
			require.ErrorContains(t, err, tc.has)
			require.NotContains(t, err.Error(), "123456789", "a secret never reaches an error")
		})
	}
}

func FuzzDecode(f *testing.F) {
	for _, p := range []PDU{
		{Command: EnquireLink, Seq: 1},
		{Command: BindTransceiverResp, Seq: 1, SystemID: "smsc"},
		{Command: DeliverSM, Seq: 2, SM: &ShortMessage{Source: "1555", Dest: "1666", ESMClass: 4, ShortMessage: []byte("id:m1 stat:DELIVRD err:000")},
			TLVs: []TLV{{TagReceiptedMessageID, []byte("m1\x00")}, {TagMessageState, []byte{2}}}},
		{Command: SubmitSMResp, Seq: 3, MessageID: "abc"},
	} {
		b, err := Encode(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte("\xff\xff\xff\xff\x00\x00\x00\x04"))
	f.Fuzz(func(t *testing.T, b []byte) {
		if frame, err := ReadFrame(bytes.NewReader(b)); err == nil && len(frame) > MaxPDULen {
			t.Fatalf("frame of %d octets", len(frame))
		}
		p, err := Decode(b)
		if err != nil {
			return
		}
		// What decodes encodes, and decodes back to the same PDU (not always the same
		// bytes: an error response may leave its body out, which we write as an empty string).
		out, err := Encode(p)
		if err != nil {
			t.Fatalf("decoded %s does not encode: %v", p.Command, err)
		}
		back, err := Decode(out)
		if err != nil {
			t.Fatalf("re-encoded %s does not decode: %v", p.Command, err)
		}
		if !reflect.DeepEqual(normTLV(back), normTLV(p)) {
			t.Fatalf("round trip changed the PDU:\n%+v\n%+v", p, back)
		}
		if p.SM != nil {
			text := string(p.SM.ShortMessage)
			_, _ = parseReceipt(&p, text)
			_, _ = pdu.SMPPDecode(p.SM.DataCoding, p.SM.ESMClass&esmUDHI != 0, p.SM.ShortMessage)
		}
	})
}

// normTLV makes empty TLV values comparable (nil and empty decode alike).
func normTLV(p PDU) PDU {
	for i := range p.TLVs {
		if len(p.TLVs[i].Value) == 0 {
			p.TLVs[i].Value = nil
		}
	}
	if p.SM != nil && len(p.SM.ShortMessage) == 0 {
		sm := *p.SM
		sm.ShortMessage = nil
		p.SM = &sm
	}
	return p
}
