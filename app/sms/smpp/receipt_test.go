package smpp

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/switchboard/switchboard/app/sms"
)

func TestParseReceipt(t *testing.T) {
	now := time.Date(2026, 12, 3, 14, 0, 0, 0, time.UTC)
	tests := []struct {
		name   string
		text   string
		tlvs   []TLV
		id     string
		status string
		code   int
		at     time.Time
	}{
		{"delivered", "id:1001 sub:001 dlvrd:001 submit date:2612031345 done date:2612031346 stat:DELIVRD err:000 text:Hello", nil,
			"1001", "delivered", 0, time.Date(2026, 12, 3, 13, 46, 0, 0, time.UTC)},
		{"undeliverable", "id:7 stat:UNDELIV err:001", nil, "7", "undelivered", sms.CodeUnreachable, now},
		{"expired", "id:7 stat:EXPIRED", nil, "7", "undelivered", sms.CodeUnreachable, now},
		{"rejected", "id:7 stat:REJECTD", nil, "7", "failed", sms.CodeFiltered, now},
		{"deleted", "id:7 stat:DELETED", nil, "7", "failed", sms.CodeUnknown, now},
		{"accepted", "id:7 stat:ACCEPTD", nil, "7", "sent", 0, now},
		{"enroute", "id:7 stat:ENROUTE", nil, "7", "sent", 0, now},
		{"unknown", "id:7 stat:UNKNOWN", nil, "7", "undelivered", sms.CodeUnknown, now},
		{"lower case, seconds in dates", "ID:abc Stat:delivrd Done Date:261203134601", nil, "abc", "delivered", 0, time.Date(2026, 12, 3, 13, 46, 1, 0, time.UTC)},
		{"TLVs win", "id:0xFF stat:ENROUTE", []TLV{{TagReceiptedMessageID, []byte("ff\x00")}, {TagMessageState, []byte{5}}}, "ff", "undelivered", sms.CodeUnreachable, now},
		{"TLVs only", "", []TLV{{TagReceiptedMessageID, []byte("x9\x00")}, {TagMessageState, []byte{2}}}, "x9", "delivered", 0, now},
		{"text holding keys", "id:5 stat:DELIVRD err:000 text:id:6 stat:UNDELIV", nil, "5", "delivered", 0, now},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := PDU{Command: DeliverSM, TLVs: tc.tlvs}
			r, ok := parseReceipt(&p, tc.text)
			require.True(t, ok)
			rep := r.Report(now)
			require.Equal(t, tc.id, rep.Ref)
			require.Equal(t, tc.status, rep.Status)
			require.Equal(t, tc.code, rep.ErrorCode)
			require.Equal(t, tc.at, rep.At)
		})
	}
	_, ok := parseReceipt(&PDU{}, "stat:DELIVRD")
	require.False(t, ok, "no id, nothing to match")
}
