package modem

import (
	"errors"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/switchboard/switchboard/app/sms"
	"github.com/switchboard/switchboard/app/sms/pdu"
	"github.com/switchboard/switchboard/app/sms/smstest"
)

func TestSendParts(t *testing.T) {
	long7 := strings.Repeat("0123456789", 30) // 300 GSM 7-bit characters
	for _, tc := range []struct {
		name   string
		body   string
		coding pdu.Coding
		parts  int
	}{
		{"one part GSM 7-bit", "Your table for 4 is booked at 19:30. Reply STOP to opt out.", pdu.GSM7, 1},
		// 9 × (6 Cyrillic + space + emoji pair + space) = 90 UCS-2 units: 67 + 23
		{"two parts UCS-2 with emoji", strings.Repeat("Привет 👋 ", 9), pdu.UCS2, 2},
		// 300 septets: 153 + 147, two parts (not three)
		{"300 characters GSM 7-bit", long7, pdu.GSM7, 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := startRig(t, rigOpt{})
			sent, err := r.g.Send(ctxT(t, 10*time.Second), sms.Outbound{SID: "SM1", To: "+15557654321", Body: tc.body, StatusReport: true, Attempt: 1})
			require.NoError(t, err)
			got := r.m.Sent()
			require.Len(t, got, tc.parts)
			require.Equal(t, tc.parts, sent.Segments)
			var text strings.Builder
			var ref uint16
			for i, s := range got {
				require.Equal(t, strconv.Itoa(s.MR), sent.Refs[i], "Refs are the TP-MRs the modem answered")
				sub := submitted(t, s)
				require.Equal(t, "+15557654321", sub.To.Number)
				require.True(t, sub.StatusReport, "status_reports defaults to true: SRR set")
				require.Equal(t, tc.coding, sub.Coding)
				c, ok := sub.Concat()
				if tc.parts == 1 {
					require.False(t, ok)
				} else {
					require.True(t, ok)
					require.Equal(t, tc.parts, c.Total)
					require.Equal(t, i+1, c.Seq)
					if i == 0 {
						ref = c.Ref
					}
					require.Equal(t, ref, c.Ref, "all parts share the reference")
				}
				text.WriteString(sub.Text)
			}
			require.Equal(t, tc.body, text.String())
		})
	}
}

func TestSendWithoutStatusReportsAndWithSMSC(t *testing.T) {
	r := startRig(t, rigOpt{settings: map[string]any{"status_reports": false, "smsc": "+447785016005"}})
	_, err := r.g.Send(ctxT(t, 10*time.Second), sms.Outbound{To: "+15557654321", Body: "hi"})
	require.NoError(t, err)
	sub := submitted(t, r.m.Sent()[0])
	require.False(t, sub.StatusReport)
	require.Equal(t, "+447785016005", sub.SMSC.Number)
}

func TestSendFailures(t *testing.T) {
	for _, tc := range []struct {
		name      string
		script    func(r *rig)
		body      string
		permanent bool
		uncertain bool
		code      int
		segments  int
	}{
		{"CMS 500 is retryable", func(r *rig) { r.m.FailNextSend(500) }, "hi", false, false, sms.CodeUnknown, 0},
		{"CMS 331 no network is retryable", func(r *rig) { r.m.FailNextSend(331) }, "hi", false, false, sms.CodeUnreachable, 0},
		{"CMS 304 invalid PDU is permanent", func(r *rig) { r.m.FailNextSend(304) }, "hi", true, false, sms.CodeUnknown, 0},
		{"CMS 1 unassigned number is permanent", func(r *rig) { r.m.FailNextSend(1) }, "hi", true, false, sms.CodeUnknownDestination, 0},
		{"CMS 10 barred is permanent", func(r *rig) { r.m.FailNextSend(10) }, "hi", true, false, sms.CodeBlocked, 0},
		{"silence after the PDU is uncertain", func(r *rig) { r.m.SilenceNextSend() }, "hi", false, true, sms.CodeUnknown, 0},
		{"a later part failing twice is uncertain", func(r *rig) { r.m.FailSends(0, 500, 500) }, strings.Repeat("x", 200), false, true, sms.CodeUnknown, 1},
		{"a later part failing permanently is uncertain", func(r *rig) { r.m.FailSends(0, 304) }, strings.Repeat("x", 200), false, true, sms.CodeUnknown, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := startRig(t, rigOpt{knobs: func(k *knobs) { k.sendTimeout = 300 * time.Millisecond }})
			tc.script(r)
			sent, err := r.g.Send(ctxT(t, 10*time.Second), sms.Outbound{To: "+15557654321", Body: tc.body})
			require.Error(t, err)
			var f *sms.Failure
			require.True(t, errors.As(err, &f), "%T %v", err, err)
			require.Equal(t, tc.permanent, f.Permanent, "%v", err)
			require.Equal(t, tc.uncertain, f.Uncertain, "%v", err)
			require.Equal(t, tc.code, f.Code, "%v", err)
			require.Equal(t, tc.segments, sent.Segments)
			// the gateway stays up and sends the next message
			_, err = r.g.Send(ctxT(t, 10*time.Second), sms.Outbound{To: "+15557654321", Body: "next"})
			require.NoError(t, err)
		})
	}
}

// A later part that fails once goes out on the in-Send retry.
func TestSendRetriesLaterPartOnce(t *testing.T) {
	r := startRig(t, rigOpt{})
	r.m.FailSends(0, 500)
	sent, err := r.g.Send(ctxT(t, 10*time.Second), sms.Outbound{To: "+15557654321", Body: strings.Repeat("y", 200)})
	require.NoError(t, err)
	require.Equal(t, 2, sent.Segments)
	require.Len(t, r.m.Sent(), 2)
}

func TestSendRefusesBadInput(t *testing.T) {
	r := startRig(t, rigOpt{})
	_, err := r.g.Send(ctxT(t, 5*time.Second), sms.Outbound{To: "call me", Body: "hi"})
	require.True(t, sms.AsFailure(err).Permanent)
	require.Equal(t, sms.CodeInvalidTo, sms.AsFailure(err).Code)
	for _, body := range []string{strings.Repeat("€", 10000), strings.Repeat("a", 1601)} {
		_, err = r.g.Send(ctxT(t, 5*time.Second), sms.Outbound{To: "+15557654321", Body: body})
		require.True(t, sms.AsFailure(err).Permanent)
		require.Equal(t, sms.CodeBodyTooLong, sms.AsFailure(err).Code)
	}
	_, err = r.g.Send(ctxT(t, 5*time.Second), sms.Outbound{To: "+15557654321", Body: "bad \xff UTF-8"})
	require.True(t, sms.AsFailure(err).Permanent)
	require.ErrorContains(t, err, "UTF-8")
	require.Empty(t, r.m.Sent())
}

func TestDeliveryReports(t *testing.T) {
	for _, tc := range []struct {
		name   string
		stored bool // +CDSI (stored in SR) instead of +CDS
		status byte
		want   string
		code   int
	}{
		{"+CDS delivered", false, 0x00, "delivered", 0},
		{"+CDSI delivered", true, 0x00, "delivered", 0},
		{"+CDS still trying", false, 0x30, "sent", 0},
		{"+CDS validity expired", false, 0x46, "undelivered", sms.CodeUnreachable},
		{"+CDSI not obtainable", true, 0x43, "undelivered", sms.CodeUnknownDestination},
		{"+CDS deleted by the SMSC", false, 0x48, "failed", sms.CodeUnknown},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := startRig(t, rigOpt{})
			sent, err := r.g.Send(ctxT(t, 10*time.Second), sms.Outbound{To: "+15557654321", Body: "report me"})
			require.NoError(t, err)
			mr, _ := strconv.Atoi(sent.Refs[0])
			rep := reportHex(t, mr, "+15557654321", tc.status)
			if tc.stored {
				_, err := r.m.StoreReport(rep)
				require.NoError(t, err)
			} else {
				r.m.DeliverReport(rep)
			}
			require.NoError(t, r.sink.WaitFor(10*time.Second, "a report", func(s *smstest.Sink) bool { return len(s.Reports()) == 1 }))
			got := r.sink.Reports()[0]
			require.Equal(t, sent.Refs[0], got.Ref)
			require.Equal(t, "+15557654321", got.To)
			require.Equal(t, tc.want, got.Status)
			require.Equal(t, tc.code, got.ErrorCode)
			require.Equal(t, 10*time.Minute, got.Window)
			if tc.stored {
				eventually(t, "the stored report deleted", func() bool { return len(r.m.StoredReports()) == 0 })
			}
		})
	}
}
