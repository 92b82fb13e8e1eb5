package sip

import (
	"errors"
	"net/netip"
	"strings"
	"testing"
)

const ackAnswerPCMA = "v=0\r\no=c 1 1 IN IP4 10.0.0.7\r\ns=-\r\nc=IN IP4 10.0.0.7\r\nt=0 0\r\n" +
	"m=audio 4002 RTP/AVP 8 96\r\na=rtpmap:8 PCMA/8000\r\na=rtpmap:96 telephone-event/8000\r\na=sendrecv\r\n"

// TestReadAckAnswer: the answer in a delayed-offer caller's ACK gives the
// media, or the status its BYE's Reason names.
func TestReadAckAnswer(t *testing.T) {
	cases := []struct {
		name   string
		acked  bool
		body   string
		status int
		remote string
		codec  Codec
		te     int
	}{
		{name: "PCMA and telephone-event 96", acked: true, body: ackAnswerPCMA, remote: "10.0.0.7:4002", codec: CodecPCMA, te: 96},
		{name: "no ACK", acked: false, status: 408},
		{name: "ACK without SDP", acked: true, status: 400},
		{name: "blank body", acked: true, body: "\r\n  \r\n", status: 400},
		{name: "G.729 only", acked: true, body: strings.ReplaceAll(ackAnswerPCMA, "8 96", "18"), status: 488},
		{name: "no audio", acked: true, body: "v=0\r\no=c 1 1 IN IP4 1.2.3.4\r\ns=-\r\nc=IN IP4 1.2.3.4\r\nt=0 0\r\nm=video 4 RTP/AVP 31\r\n", status: 488},
		{name: "garbage", acked: true, body: "hello", status: 400},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			m, status, err := readAckAnswer(tc.acked, []byte(tc.body), nil)
			if status != tc.status {
				t.Fatalf("status %d, want %d (%v)", status, tc.status, err)
			}
			if tc.status != 0 {
				if !errors.Is(err, ErrBadAnswer) {
					t.Fatalf("error %v is not ErrBadAnswer", err)
				}
				return
			}
			if err != nil || m.Remote != netip.MustParseAddrPort(tc.remote) || m.Codec != tc.codec || m.TelephoneEvent != tc.te {
				t.Fatalf("media %+v, err %v", m, err)
			}
		})
	}
}

// TestReasonValue: the Reason header's text cannot break out of its quotes
// or the header.
func TestReasonValue(t *testing.T) {
	got := reasonValue(488, "bad \"codec\"\r\nVia: x\\")
	if got != `SIP;cause=488;text="bad codecVia: x"` {
		t.Fatalf("got %q", got)
	}
	if n := len([]rune(reasonValue(400, strings.Repeat("é", 500)))); n > 230 {
		t.Fatalf("%d characters", n)
	}
}

// FuzzReadAckAnswer: any ACK body gives media or a Reason status we send,
// and the Reason value stays one well-quoted header value.
func FuzzReadAckAnswer(f *testing.F) {
	offer, _ := NewSDPSession("sb").Offer(netip.MustParseAddrPort("127.0.0.1:40000"), nil)
	for _, s := range []string{ackAnswerPCMA, string(offer), "", "v=0\r\nm=audio 0 RTP/AVP 0\r\n",
		"v=0\r\nc=IN IP4 127.0.0.1\r\nm=audio 9 RTP/SAVP 0\r\n", strings.ReplaceAll(ackAnswerPCMA, "8 96", "18")} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		_, status, err := readAckAnswer(true, b, nil)
		if err == nil {
			return
		}
		if status != 400 && status != 488 {
			t.Fatalf("status %d for %q", status, b)
		}
		v := reasonValue(status, err.Error())
		if strings.ContainsAny(v, "\r\n\x00") || strings.Count(v, `"`) != 2 {
			t.Fatalf("reason %q", v)
		}
	})
}
