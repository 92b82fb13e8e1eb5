package voice

import (
	"context"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pion/rtp"
	"github.com/stretchr/testify/require"

	"github.com/switchboard/switchboard/app/store"
)

// ackSDP is a delayed-offer caller's answer in its ACK: RTP to [sink] with
// the given m= formats and rtpmap lines.
func ackSDP(formats string, rtpmaps ...string) string {
	lines := []string{"Content-Type: application/sdp", "Content-Length: [len]", "",
		"v=0", "o=sipp 53655765 2353687637 IN IP4 127.0.0.1", "s=-", "c=IN IP4 127.0.0.1", "t=0 0",
		"m=audio [sink] RTP/AVP " + formats}
	lines = append(lines, rtpmaps...)
	lines = append(lines, "a=ptime:20", "")
	return "      " + strings.Join(lines, "\n      ")
}

const lateOfferHangup = `  <pause/>
  <send retrans="500"><![CDATA[

      BYE sip:[service]@[remote_ip]:[remote_port] SIP/2.0
      Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
      From: "Ann Caller" <sip:+15550001111@[local_ip]:[local_port]>;tag=[pid]SIPpTag00[call_number]
      To: <sip:[service]@[remote_ip]:[remote_port]>[peer_tag_param]
      Call-ID: [call_id]
      CSeq: 2 BYE
      Max-Forwards: 70
      Content-Length: 0

  ]]></send>
  <recv response="200"/>`

// lateOfferByeWithReason waits for our BYE and checks its Reason header
// against the regular expression re.
func lateOfferByeWithReason(re string) string {
	return `  <recv request="BYE" timeout="10000">
    <action><ereg regexp="` + re + `" search_in="hdr" header="Reason:" check_it="true" assign_to="rs"/></action>
  </recv>
  <Reference variables="rs"/>
  <send><![CDATA[

      SIP/2.0 200 OK
      [last_Via:]
      [last_From:]
      [last_To:]
      [last_Call-ID:]
      [last_CSeq:]
      Content-Length: 0

  ]]></send>`
}

// rtpSink counts the RTP packets that reach a loopback UDP port, by
// payload type.
type rtpSink struct {
	pc   net.PacketConn
	pcmu atomic.Int64
	pcma atomic.Int64
	src  atomic.Value // the first packet's source, "ip:port"
}

func newRTPSink(t *testing.T) *rtpSink {
	t.Helper()
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	require.NoError(t, err)
	s := &rtpSink{pc: pc}
	done := make(chan struct{})
	t.Cleanup(func() { pc.Close(); <-done })
	go func() {
		defer close(done)
		buf := make([]byte, 1500)
		for {
			n, from, err := pc.ReadFrom(buf)
			if err != nil {
				return
			}
			var p rtp.Packet
			if p.Unmarshal(buf[:n]) != nil {
				continue
			}
			s.src.CompareAndSwap(nil, from.String())
			switch p.PayloadType {
			case 0:
				s.pcmu.Add(1)
			case 8:
				s.pcma.Add(1)
			}
		}
	}()
	return s
}

func (s *rtpSink) port() int { return s.pc.LocalAddr().(*net.UDPAddr).Port }

// lateOfferSipp runs ivr_late_offer.xml with the ACK's body and the
// scenario's ending filled in.
func (p *phone) lateOfferSipp(t *testing.T, sink int, ackBody, ending string, extra ...string) (int, string) {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "sipp", "ivr_late_offer.xml"))
	require.NoError(t, err)
	xml := strings.NewReplacer("ACKBODY", ackBody, "ENDING", ending).Replace(string(b))
	args := append([]string{noEcho, "-key", "sink", strconv.Itoa(sink)}, extra...)
	return runSipp(t, "127.0.0.1:"+strconv.Itoa(p.port), "ivr_late_offer.xml", xml, ivrFlow, args...)
}

// TestCallDelayedOffer: an INVITE without SDP is answered with our offer
// in the 200 (retransmitted until the late ACK); the caller's answer in
// the ACK chooses PCMA and a port of its own, and the flow's prompt goes
// there, in PCMA, from our RTP range.
func TestCallDelayedOffer(t *testing.T) {
	p := newPhone(t)
	sink := newRTPSink(t)
	rc, logs := p.lateOfferSipp(t, sink.port(),
		ackSDP("8 101", "a=rtpmap:8 PCMA/8000", "a=rtpmap:101 telephone-event/8000", "a=fmtp:101 0-15"),
		lateOfferHangup, "-d", "2000")
	require.Equal(t, 0, rc, logs)
	require.Greater(t, sink.pcma.Load(), int64(50), "PCMA packets at the ACK's port")
	require.Zero(t, sink.pcmu.Load(), "PCMU packets although the answer chose PCMA")
	src, _ := sink.src.Load().(string)
	_, portStr, _ := net.SplitHostPort(src)
	port, _ := strconv.Atoi(portStr)
	require.True(t, port >= p.rtp[0] && port < p.rtp[1], "RTP from %s, outside our range %v", src, p.rtp)
	p.waitIdle(t, ivrFlow, 5*time.Second)
	x, steps := path(t, p.st, ivrFlow)
	require.False(t, x.Active())
	require.Equal(t, []string{"Trigger.incomingCall>menu", "menu.hangup>Ended"}, steps)
}

// TestCallDelayedOfferBadAck: an ACK without SDP, or with an answer we
// cannot use, ends the call with BYE and a Reason saying why; the
// execution ends, no media is sent, and the port and call are released.
func TestCallDelayedOfferBadAck(t *testing.T) {
	cases := []struct {
		name, ack, reason string
	}{
		{"no SDP", "      Content-Length: 0\n", `SIP;cause=400;text=".*no SDP`},
		{"no common codec", ackSDP("18", "a=rtpmap:18 G729/8000"), `SIP;cause=488;text=".*no common codec`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p := newPhone(t)
			sink := newRTPSink(t)
			rc, logs := p.lateOfferSipp(t, sink.port(), tc.ack, lateOfferByeWithReason(tc.reason))
			require.Equal(t, 0, rc, logs)
			p.waitIdle(t, ivrFlow, 5*time.Second)
			rows, err := p.st.Executions(context.Background(), ivrFlow, store.ExecutionFilter{}, store.Page{Limit: 10})
			require.NoError(t, err)
			require.Len(t, rows, 1)
			x, err := p.st.Execution(context.Background(), rows[0].SID)
			require.NoError(t, err)
			require.False(t, x.Active())
			require.Zero(t, sink.pcmu.Load()+sink.pcma.Load(), "RTP sent without an answer")
		})
	}
}
