package sip

import (
	"context"
	"errors"
	"net/netip"
	"strings"
	"testing"
	"time"
)

// TestAnswerReady: ready runs once the media is negotiated and before the
// 200 OK leaves (the 200 reaches the caller only after ready returned, and
// ready sees the offer's remote and the chosen codec); an error from ready
// refuses the call with 500 and AnswerReady reports it as ErrAnswerFailed.
func TestAnswerReady(t *testing.T) {
	cases := []struct {
		name     string
		readyErr error
		want     string
	}{
		{name: "media ready, then 200", want: "SIP/2.0 200"},
		{name: "media failed: 500", readyErr: errors.New("no media"), want: "SIP/2.0 500"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			type seen struct {
				remote netip.AddrPort
				codec  Codec
				at     time.Time
			}
			readyRan := make(chan seen, 1)
			answered := make(chan error, 1)
			cfg := Config{Allow: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}}
			cfg.Handler = func(ctx context.Context, call *Call) {
				err := call.AnswerReady(ctx, netip.MustParseAddrPort("127.0.0.1:41000"), func() error {
					time.Sleep(150 * time.Millisecond) // a 200 sent before ready returns would beat this
					readyRan <- seen{call.Remote, call.Codec, time.Now()}
					return c.readyErr
				})
				answered <- err
				<-call.Context().Done()
			}
			ts := startServer(t, cfg)
			res := inviteWith(t, ts.port, sdpBody("RTP/AVP"))
			got := time.Now()
			if !strings.HasPrefix(res, c.want) {
				t.Fatalf("response %q, want %s", firstLine(res), c.want)
			}
			var r seen
			select {
			case r = <-readyRan:
			default:
				t.Fatal("the final response came before ready returned")
			}
			if got.Before(r.at) {
				t.Fatalf("final response at %v, before ready returned at %v", got, r.at)
			}
			if r.remote != netip.MustParseAddrPort("127.0.0.1:4000") || r.codec != CodecPCMU {
				t.Fatalf("ready saw remote %v codec %+v, want the offer's", r.remote, r.codec)
			}
			if c.readyErr == nil {
				return // the caller ACKs and hangs up at once: the answer's outcome races its BYE
			}
			select {
			case err := <-answered:
				if !errors.Is(err, ErrAnswerFailed) || !errors.Is(err, c.readyErr) {
					t.Fatalf("AnswerReady: %v, want ErrAnswerFailed and ready's error", err)
				}
			case <-time.After(5 * time.Second):
				t.Fatal("AnswerReady did not return")
			}
		})
	}
}

func firstLine(s string) string {
	line, _, _ := strings.Cut(s, "\r\n")
	return line
}
