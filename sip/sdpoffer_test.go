package sip

import (
	"net/netip"
	"testing"
)

// TestOfferReadBack: our offer, read as if it were the answer, names our
// address, our first codec and telephone-event 101.
func TestOfferReadBack(t *testing.T) {
	local := netip.MustParseAddrPort("127.0.0.1:40000")
	for _, codecs := range [][]Codec{nil, {CodecPCMA}, {CodecPCMA, CodecPCMU}} {
		body, err := NewSDPSession("sb").Offer(local, codecs)
		if err != nil {
			t.Fatal(err)
		}
		m, err := ReadAnswer(body, codecs)
		want := CodecPCMU
		if len(codecs) > 0 {
			want = codecs[0]
		}
		if err != nil || m.Remote != local || m.Codec != want || m.TelephoneEvent != DefaultTelephoneEvent {
			t.Errorf("codecs %v: %+v %v\n%s", codecs, m, err, body)
		}
	}
	// An answer choosing a codec we did not offer is refused.
	body, _ := NewSDPSession("sb").Offer(local, []Codec{CodecPCMU})
	if _, err := ReadAnswer(body, []Codec{CodecPCMA}); err == nil {
		t.Error("answer with a codec we did not offer was taken")
	}
}

// FuzzReadAnswer: the far end's SDP (200 or 183) never panics the reader.
func FuzzReadAnswer(f *testing.F) {
	body, _ := NewSDPSession("sb").Offer(netip.MustParseAddrPort("127.0.0.1:40000"), nil)
	f.Add(body)
	f.Add([]byte("v=0\r\nc=IN IP4 0.0.0.0\r\nm=audio 1 RTP/AVP 8\r\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		_, _ = ReadAnswer(b, nil)
	})
}
