package sip

import (
	"errors"
	"net/netip"
	"strings"
	"testing"

	"github.com/pion/sdp/v3"
)

func offerSDP(lines ...string) []byte {
	base := []string{"v=0", "o=peer 1 1 IN IP4 192.0.2.10", "s=-", "c=IN IP4 192.0.2.10", "t=0 0"}
	return []byte(strings.Join(append(base, lines...), "\r\n") + "\r\n")
}

var local = netip.MustParseAddrPort("127.0.0.1:40000")

func TestAnswerTable(t *testing.T) {
	cases := []struct {
		name      string
		offer     []byte
		wantErr   error
		codec     string
		te        int
		ptime     int
		remote    string
		dir       Direction
		hold      bool
		wantLines []string
		mLines    int
	}{
		{name: "pcmu with te101", offer: offerSDP("m=audio 5000 RTP/AVP 0 101", "a=rtpmap:0 PCMU/8000", "a=rtpmap:101 telephone-event/8000", "a=fmtp:101 0-15", "a=ptime:20"),
			codec: "PCMU", te: 101, ptime: 20, remote: "192.0.2.10:5000", dir: SendRecv,
			wantLines: []string{"m=audio 40000 RTP/AVP 0 101", "a=rtpmap:101 telephone-event/8000", "a=sendrecv", "c=IN IP4 127.0.0.1"}, mLines: 1},
		{name: "offerer order wins", offer: offerSDP("m=audio 5000 RTP/AVP 8 0", "a=rtpmap:8 PCMA/8000", "a=rtpmap:0 PCMU/8000"),
			codec: "PCMA", te: -1, ptime: 20, remote: "192.0.2.10:5000", dir: SendRecv, wantLines: []string{"m=audio 40000 RTP/AVP 8"}, mLines: 1},
		{name: "static pt without rtpmap", offer: offerSDP("m=audio 5000 RTP/AVP 18 8"),
			codec: "PCMA", te: -1, ptime: 20, remote: "192.0.2.10:5000", dir: SendRecv, mLines: 1},
		{name: "te matched by name, odd number", offer: offerSDP("m=audio 5000 RTP/AVP 0 126", "a=rtpmap:126 Telephone-Event/8000"),
			codec: "PCMU", te: 126, ptime: 20, remote: "192.0.2.10:5000", dir: SendRecv, wantLines: []string{"m=audio 40000 RTP/AVP 0 126", "a=fmtp:126 0-16"}, mLines: 1},
		{name: "te at 16k ignored", offer: offerSDP("m=audio 5000 RTP/AVP 0 101", "a=rtpmap:101 telephone-event/16000"),
			codec: "PCMU", te: -1, ptime: 20, remote: "192.0.2.10:5000", dir: SendRecv, mLines: 1},
		{name: "ptime 30", offer: offerSDP("m=audio 5000 RTP/AVP 8", "a=ptime:30"),
			codec: "PCMA", te: -1, ptime: 30, remote: "192.0.2.10:5000", dir: SendRecv, wantLines: []string{"a=ptime:30"}, mLines: 1},
		{name: "media c= over session c=", offer: offerSDP("m=audio 5000 RTP/AVP 0", "c=IN IP4 198.51.100.7"),
			codec: "PCMU", te: -1, ptime: 20, remote: "198.51.100.7:5000", dir: SendRecv, mLines: 1},
		{name: "sendonly hold", offer: offerSDP("m=audio 5000 RTP/AVP 0", "a=sendonly"),
			codec: "PCMU", te: -1, ptime: 20, remote: "192.0.2.10:5000", dir: RecvOnly, hold: true, wantLines: []string{"a=recvonly"}, mLines: 1},
		{name: "recvonly", offer: offerSDP("m=audio 5000 RTP/AVP 0", "a=recvonly"),
			codec: "PCMU", te: -1, ptime: 20, remote: "192.0.2.10:5000", dir: SendOnly, wantLines: []string{"a=sendonly"}, mLines: 1},
		{name: "inactive", offer: offerSDP("m=audio 5000 RTP/AVP 0", "a=inactive"),
			codec: "PCMU", te: -1, ptime: 20, remote: "192.0.2.10:5000", dir: Inactive, hold: true, wantLines: []string{"a=inactive"}, mLines: 1},
		{name: "session-level sendonly", offer: offerSDP("a=sendonly", "m=audio 5000 RTP/AVP 0"),
			codec: "PCMU", te: -1, ptime: 20, remote: "192.0.2.10:5000", dir: RecvOnly, hold: true, mLines: 1},
		{name: "c=0.0.0.0 hold", offer: []byte("v=0\r\no=p 1 2 IN IP4 192.0.2.10\r\ns=-\r\nc=IN IP4 0.0.0.0\r\nt=0 0\r\nm=audio 5000 RTP/AVP 0\r\n"),
			codec: "PCMU", te: -1, ptime: 20, remote: "0.0.0.0:5000", dir: RecvOnly, hold: true, wantLines: []string{"a=recvonly"}, mLines: 1},
		{name: "video rejected first, audio second", offer: offerSDP("m=video 6000 RTP/AVP 96", "a=rtpmap:96 H264/90000", "m=audio 5000 RTP/AVP 0"),
			codec: "PCMU", te: -1, ptime: 20, remote: "192.0.2.10:5000", dir: SendRecv, wantLines: []string{"m=video 0 RTP/AVP 96", "m=audio 40000 RTP/AVP 0"}, mLines: 2},
		{name: "first audio at port 0 skipped", offer: offerSDP("m=audio 0 RTP/AVP 0", "m=audio 5002 RTP/AVP 8"),
			codec: "PCMA", te: -1, ptime: 20, remote: "192.0.2.10:5002", dir: SendRecv, wantLines: []string{"m=audio 0 RTP/AVP 0", "m=audio 40000 RTP/AVP 8"}, mLines: 2},
		{name: "only g729", offer: offerSDP("m=audio 5000 RTP/AVP 18", "a=rtpmap:18 G729/8000"), wantErr: ErrNotAcceptable},
		{name: "pt 0 remapped to another codec", offer: offerSDP("m=audio 5000 RTP/AVP 0", "a=rtpmap:0 G729/8000"), wantErr: ErrNotAcceptable},
		{name: "dynamic pcmu echoed", offer: offerSDP("m=audio 5000 RTP/AVP 96", "a=rtpmap:96 PCMU/8000"),
			codec: "PCMU", te: -1, ptime: 20, remote: "192.0.2.10:5000", dir: SendRecv, wantLines: []string{"m=audio 40000 RTP/AVP 96", "a=rtpmap:96 PCMU/8000"}, mLines: 1},
		{name: "audio only at port 0", offer: offerSDP("m=audio 0 RTP/AVP 0"), wantErr: ErrNotAcceptable},
		{name: "port above 65535", offer: offerSDP("m=audio 70000 RTP/AVP 0"), wantErr: ErrMalformedSDP},
		{name: "srtp refused", offer: offerSDP("m=audio 5000 RTP/SAVP 0"), wantErr: ErrNotAcceptable},
		{name: "no connection address", offer: []byte("v=0\r\no=p 1 2 IN IP4 192.0.2.10\r\ns=-\r\nt=0 0\r\nm=audio 5000 RTP/AVP 0\r\n"), wantErr: ErrNotAcceptable},
		{name: "hostname connection address", offer: []byte("v=0\r\no=p 1 2 IN IP4 x\r\ns=-\r\nc=IN IP4 pbx.example\r\nt=0 0\r\nm=audio 5000 RTP/AVP 0\r\n"), wantErr: ErrNotAcceptable},
		{name: "empty", offer: nil, wantErr: ErrNotAcceptable},
		{name: "garbage", offer: []byte("hello"), wantErr: ErrMalformedSDP},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := NewSDPSession("switchboard")
			ans, m, err := s.Answer(c.offer, local, nil)
			if c.wantErr != nil {
				if !errors.Is(err, c.wantErr) {
					t.Fatalf("err = %v, want %v", err, c.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("Answer: %v", err)
			}
			if m.Codec.Name != c.codec || m.TelephoneEvent != c.te || m.PTime != c.ptime || m.Remote.String() != c.remote || m.Answered != c.dir || m.Hold() != c.hold {
				t.Fatalf("media = %+v (hold %v)", m, m.Hold())
			}
			var sd sdp.SessionDescription
			if err := sd.Unmarshal(ans); err != nil {
				t.Fatalf("answer does not parse: %v\n%s", err, ans)
			}
			if len(sd.MediaDescriptions) != c.mLines {
				t.Fatalf("answer has %d m-lines, want %d\n%s", len(sd.MediaDescriptions), c.mLines, ans)
			}
			for _, l := range c.wantLines {
				if !strings.Contains(string(ans), l+"\r\n") {
					t.Errorf("answer lacks %q\n%s", l, ans)
				}
			}
		})
	}
}

func TestAnswerVersionBumpsOnlyOnChange(t *testing.T) {
	s := NewSDPSession("sb")
	offer := offerSDP("m=audio 5000 RTP/AVP 0 8 101", "a=rtpmap:101 telephone-event/8000")
	origin := func(b []byte) sdp.Origin {
		var sd sdp.SessionDescription
		if err := sd.Unmarshal(b); err != nil {
			t.Fatal(err)
		}
		return sd.Origin
	}
	a1, _, err := s.Answer(offer, local, nil)
	if err != nil {
		t.Fatal(err)
	}
	a2, _, _ := s.Answer(offer, local, nil) // session refresh: unchanged
	if string(a1) != string(a2) {
		t.Fatalf("unchanged offer changed our SDP:\n%s\n%s", a1, a2)
	}
	hold := offerSDP("m=audio 5000 RTP/AVP 0 8 101", "a=rtpmap:101 telephone-event/8000", "a=sendonly")
	a3, m3, _ := s.Answer(hold, local, nil)
	o1, o3 := origin(a1), origin(a3)
	if o3.SessionID != o1.SessionID || o3.SessionVersion != o1.SessionVersion+1 {
		t.Fatalf("origin %+v after %+v: want same id, version+1", o3, o1)
	}
	if m3.Answered != RecvOnly {
		t.Fatalf("hold answered %s", m3.Answered)
	}
	// re-INVITE listing PCMA first keeps the call's PCMU
	pcmu := CodecPCMU
	_, m4, _ := s.Answer(offerSDP("m=audio 5000 RTP/AVP 8 0"), local, &pcmu)
	if m4.Codec != CodecPCMU {
		t.Fatalf("codec switched to %v", m4.Codec)
	}
}

func TestNegotiate(t *testing.T) {
	m, err := Negotiate(offerSDP("m=audio 5000 RTP/AVP 0 101", "a=rtpmap:101 telephone-event/8000"))
	if err != nil || m.Codec != CodecPCMU || m.TelephoneEvent != 101 {
		t.Fatalf("Negotiate = %+v, %v", m, err)
	}
}

func FuzzAnswer(f *testing.F) {
	f.Add(offerSDP("m=audio 5000 RTP/AVP 0 101", "a=rtpmap:101 telephone-event/8000", "a=ptime:20"))
	f.Add(offerSDP("m=video 1 RTP/AVP 96", "m=audio 5000 RTP/AVP 8", "a=sendonly"))
	f.Add(offerSDP("m=audio 70000 RTP/AVP 0"))
	f.Add([]byte("v=0\r\nm=audio 1 RTP/AVP 0\r\n"))
	f.Fuzz(func(t *testing.T, offer []byte) {
		s := NewSDPSession("sb")
		ans, m, err := s.Answer(offer, local, nil)
		if err != nil {
			return
		}
		var sd sdp.SessionDescription
		if err := sd.Unmarshal(ans); err != nil {
			t.Fatalf("answer does not parse: %v\noffer:\n%q\nanswer:\n%s", err, offer, ans)
		}
		if m.Codec != CodecPCMU && m.Codec != CodecPCMA {
			t.Fatalf("codec %+v", m.Codec)
		}
		if m.Remote.Port() == 0 {
			t.Fatalf("remote port 0")
		}
	})
}
