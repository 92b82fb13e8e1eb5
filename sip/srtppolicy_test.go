package sip

import (
	"context"
	"net"
	"net/netip"
	"strconv"
	"strings"
	"testing"
	"time"
)

// inviteWith sends one INVITE with body and returns the first non-100
// response (whole message), "" when none came in 3 s. A 200 is ACKed and
// hung up with BYE so the server's call ends.
func inviteWith(t *testing.T, port int, body string) string {
	t.Helper()
	c, err := net.Dial("udp", "127.0.0.1:"+strconv.Itoa(port))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	lp := strconv.Itoa(c.LocalAddr().(*net.UDPAddr).Port)
	hdr := func(method string, cseq int, branch, toTag string) string {
		return method + " sip:4000@127.0.0.1:" + strconv.Itoa(port) + " SIP/2.0\r\n" +
			"Via: SIP/2.0/UDP 127.0.0.1:" + lp + ";branch=z9hG4bK" + branch + lp + "\r\nMax-Forwards: 70\r\n" +
			"From: <sip:caller@127.0.0.1>;tag=s1\r\nTo: <sip:4000@127.0.0.1>" + toTag + "\r\nCall-ID: srtp-" + lp + "@127.0.0.1\r\nCSeq: " +
			strconv.Itoa(cseq) + " " + method + "\r\nContact: <sip:c@127.0.0.1:" + lp + ">\r\n"
	}
	msg := hdr("INVITE", 1, "inv", "") + "Content-Type: application/sdp\r\nContent-Length: " + strconv.Itoa(len(body)) + "\r\n\r\n" + body
	if _, err := c.Write([]byte(msg)); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 65535)
	_ = c.SetReadDeadline(time.Now().Add(3 * time.Second))
	for {
		n, err := c.Read(buf)
		if err != nil {
			return ""
		}
		res := string(buf[:n])
		if strings.HasPrefix(res, "SIP/2.0 100") || strings.HasPrefix(res, "SIP/2.0 180") {
			continue
		}
		if strings.HasPrefix(res, "SIP/2.0 200") {
			tag := ""
			for _, l := range strings.Split(res, "\r\n") {
				if i := strings.Index(strings.ToLower(l), ";tag="); strings.HasPrefix(strings.ToLower(l), "to:") && i >= 0 {
					tag = l[i:]
				}
			}
			_, _ = c.Write([]byte(hdr("ACK", 1, "ack", tag) + "Content-Length: 0\r\n\r\n"))
			_, _ = c.Write([]byte(hdr("BYE", 2, "bye", tag) + "Content-Length: 0\r\n\r\n"))
		}
		return res
	}
}

func sdpBody(proto string, crypto ...string) string {
	b := "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 4000 " + proto + " 0\r\na=rtpmap:0 PCMU/8000\r\n"
	for _, c := range crypto {
		b += "a=crypto:" + c + "\r\n"
	}
	return b
}

// TestInboundSRTPPolicy: real INVITEs over UDP against the server. A SAVP
// offer is answered with SAVP and our own key when a suite matches, and
// refused 488 with a Warning that says why when none does; a trunk's
// policy refuses plain offers ("required") or SAVP offers ("off").
func TestInboundSRTPPolicy(t *testing.T) {
	key := "1 AES_CM_128_HMAC_SHA1_80 inline:" + testKey
	cases := []struct {
		name, policy, body string
		want               []string
	}{
		{name: "allow-list SAVP answered", body: sdpBody("RTP/SAVP", "5 AES_256_CM_HMAC_SHA1_80 inline:"+testKey, "6 AES_CM_128_HMAC_SHA1_32 inline:"+testKey),
			want: []string{"SIP/2.0 200", "m=audio ", " RTP/SAVP 0", "a=crypto:6 AES_CM_128_HMAC_SHA1_32 inline:"}},
		{name: "only unsupported suite", body: sdpBody("RTP/SAVP", "1 AES_256_CM_HMAC_SHA1_80 inline:"+testKey),
			want: []string{"SIP/2.0 488", "Warning: 304 switchboard \"no usable a=crypto", "AES_256_CM_HMAC_SHA1_80", "not supported"}},
		{name: "MKI refused", body: sdpBody("RTP/SAVP", "1 AES_CM_128_HMAC_SHA1_80 inline:"+testKey+"|2^20|1:4"),
			want: []string{"SIP/2.0 488", "MKI not supported"}},
		{name: "plain still works", body: sdpBody("RTP/AVP"), want: []string{"SIP/2.0 200", "RTP/AVP 0"}},
		{name: "trunk required refuses plain", policy: SRTPRequired, body: sdpBody("RTP/AVP"),
			want: []string{"SIP/2.0 488", "requires SRTP"}},
		{name: "trunk required takes SAVP", policy: SRTPRequired, body: sdpBody("RTP/SAVP", key), want: []string{"SIP/2.0 200", "RTP/SAVP"}},
		{name: "trunk optional takes plain", policy: SRTPOptional, body: sdpBody("RTP/AVP"), want: []string{"SIP/2.0 200"}},
		{name: "trunk off refuses SAVP", policy: SRTPOff, body: sdpBody("RTP/SAVP", key), want: []string{"SIP/2.0 488", "SRTP is off for this trunk"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			cfg := Config{Allow: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}}
			cfg.Handler = func(ctx context.Context, call *Call) {
				_ = call.Answer(ctx, netip.MustParseAddrPort("127.0.0.1:41000"))
				<-call.Context().Done()
			}
			ts := startServer(t, cfg)
			if c.policy != "" {
				ts.SetTrunks([]Trunk{{Name: "carrier", Registrar: "127.0.0.1:5999", SRTP: c.policy}})
			}
			res := inviteWith(t, ts.port, c.body)
			for _, w := range c.want {
				if !strings.Contains(res, w) {
					t.Fatalf("response lacks %q:\n%s", w, res)
				}
			}
			if strings.Contains(res, testKey) {
				t.Fatal("our answer echoes the offerer's key")
			}
		})
	}
}
