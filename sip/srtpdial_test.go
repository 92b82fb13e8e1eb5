package sip

import (
	"context"
	"errors"
	"testing"
	"time"

	gosip "github.com/emiago/sipgo/sip"
)

// TestDialSRTPOptionalRetriesPlain: a trunk with SRTP "optional" meets a
// plain-RTP far end (sipp) that answers our RTP/SAVP offer with 488: the
// dial is retried once with RTP/AVP and answered, plain. With "required"
// the 488 is the result.
func TestDialSRTPOptionalRetriesPlain(t *testing.T) {
	port := noLeaks(t)
	far := startUAS(t, "uas_488_savp.xml", "-m", "2")
	ts := dialServer(t, Trunk{Key: "TK1", Name: "plain", Registrar: far.addr(), SRTP: SRTPOptional})
	*port = ts.port
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	c, err := ts.Dial(ctx, DialRequest{Trunk: "TK1", Number: "4000", Timeout: 3 * time.Second, LocalMedia: newRTPSink(t).addr()})
	if err != nil {
		t.Fatalf("Dial: %v", err)
	}
	if c.SRTP() != nil || c.Codec != CodecPCMA {
		t.Fatalf("retry not plain: %v %+v", c.SRTP(), c.Codec)
	}
	if err := c.Hangup(ctx); err != nil {
		t.Fatal(err)
	}
	far.wait(t)
}

func TestDialSRTPRequiredTakes488(t *testing.T) {
	port := noLeaks(t)
	far := startUAS(t, "uas_488_savp.xml")
	ts := dialServer(t, Trunk{Key: "TK1", Name: "plain", Registrar: far.addr(), SRTP: SRTPRequired})
	*port = ts.port
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_, err := ts.Dial(ctx, DialRequest{Trunk: "TK1", Number: "4000", Timeout: 3 * time.Second, LocalMedia: newRTPSink(t).addr()})
	var de *DialError
	if !errors.As(err, &de) || de.Status != 488 {
		t.Fatalf("err = %v, want the far end's 488", err)
	}
	far.wait(t)
}

// TestOutboundSRTPChoice: which dials offer SRTP.
func TestOutboundSRTPChoice(t *testing.T) {
	s := &Server{}
	uri := func(v string) gosip.Uri {
		var u gosip.Uri
		if err := gosip.ParseUri(v, &u); err != nil {
			t.Fatal(err)
		}
		return u
	}
	cases := []struct {
		name           string
		tgt            dialTarget
		offer, plainOK bool
	}{
		{"trunk off", dialTarget{trunk: &Trunk{}}, false, true},
		{"trunk optional", dialTarget{trunk: &Trunk{SRTP: SRTPOptional}}, true, true},
		{"trunk required", dialTarget{trunk: &Trunk{SRTP: SRTPRequired}}, true, false},
		{"uri over udp", dialTarget{ruri: uri("sip:a@127.0.0.1:5060")}, false, true},
		{"uri over tls", dialTarget{ruri: uri("sip:a@127.0.0.1:5061;transport=tls")}, true, true},
		{"sips uri", dialTarget{ruri: uri("sips:a@127.0.0.1")}, true, true},
		{"desk phone contact over tls", dialTarget{ruri: uri("sip:desk@192.0.2.5:5061;transport=TLS"), admission: Admission{Kind: "endpoint"}}, true, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			o, p := s.outboundSRTP(c.tgt)
			if o != c.offer || p != c.plainOK {
				t.Fatalf("got offer %v plainOK %v", o, p)
			}
		})
	}
}
