package voice

import (
	"github.com/switchboard/switchboard/media"
	"github.com/switchboard/switchboard/sip"
)

// keyMedia hands a call leg's SDES keys (from its SDP, sip.Call.SRTP or a
// MediaUpdate) to its media session before the session starts sending, so
// no packet goes out in the clear. nil keys mean plain RTP.
func keyMedia(sess *media.Session, k *sip.SRTP) error {
	if k == nil {
		return sess.SetSRTP(nil)
	}
	return sess.SetSRTP(&media.SRTPKeys{Suite: k.Suite, LocalKey: k.LocalKey, RemoteKey: k.RemoteKey})
}

// startLeg keys and starts the media of an answered leg.
func startLeg(sess *media.Session, c *sip.Call) error {
	if err := keyMedia(sess, c.SRTP()); err != nil {
		return err
	}
	return sess.Start(c.Remote, c.Codec.PayloadType, int(c.Codec.ClockRate), c.TelephoneEvent)
}
