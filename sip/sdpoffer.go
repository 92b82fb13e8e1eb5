package sip

import (
	"fmt"
	"net/netip"
	"strconv"

	"github.com/pion/sdp/v3"
)

// DefaultTelephoneEvent is the payload type we offer for RFC 4733 digits.
const DefaultTelephoneEvent = 101

// Offer builds our SDP offer for an outbound leg or a delayed-offer answer:
// one audio stream at local with codecs (PCMU and PCMA when empty) in our
// order of preference, then telephone-event, sendrecv, ptime 20. The offer
// becomes the session's last SDP, so a later Answer (re-INVITE) keeps the
// o= session id and bumps the version only when it changes.
func (s *SDPSession) Offer(local netip.AddrPort, codecs []Codec) ([]byte, error) {
	return s.offer(local, codecs, false)
}

// OfferSRTP is Offer over RTP/SAVP with our SDES key in two a=crypto lines
// (tag 1 AES_CM_128_HMAC_SHA1_80, tag 2 …_32, in our order of preference).
// Read the answer with KeyAnswer.
func (s *SDPSession) OfferSRTP(local netip.AddrPort, codecs []Codec) ([]byte, error) {
	return s.offer(local, codecs, true)
}

func (s *SDPSession) offer(local netip.AddrPort, codecs []Codec, secure bool) ([]byte, error) {
	if !local.IsValid() || local.Port() == 0 {
		return nil, fmt.Errorf("%w: invalid local media address %v", ErrNotAcceptable, local)
	}
	if len(codecs) == 0 {
		codecs = []Codec{CodecPCMU, CodecPCMA}
	}
	addrType := "IP4"
	if local.Addr().Is6() && !local.Addr().Is4In6() {
		addrType = "IP6"
	}
	ip := local.Addr().Unmap().String()
	var formats []string
	var attrs []sdp.Attribute
	for _, c := range codecs {
		if c != CodecPCMU && c != CodecPCMA {
			return nil, fmt.Errorf("%w: codec %s/%d (we offer PCMU, PCMA)", ErrNotAcceptable, c.Name, c.PayloadType)
		}
		formats = append(formats, strconv.Itoa(int(c.PayloadType)))
		attrs = append(attrs, sdp.NewAttribute("rtpmap", fmt.Sprintf("%d %s/%d", c.PayloadType, c.Name, c.ClockRate)))
	}
	te := strconv.Itoa(DefaultTelephoneEvent)
	formats = append(formats, te)
	attrs = append(attrs,
		sdp.NewAttribute("rtpmap", te+" telephone-event/8000"),
		sdp.NewAttribute("fmtp", te+" 0-16"),
		sdp.NewAttribute("ptime", "20"),
		sdp.NewPropertyAttribute(string(SendRecv)))
	s.mu.Lock()
	defer s.mu.Unlock()
	protos := []string{"RTP", "AVP"}
	if secure {
		protos = []string{"RTP", "SAVP"}
		key := s.srtpKey()
		for i, suite := range offeredSuites {
			attrs = append(attrs, sdp.NewAttribute("crypto", cryptoValue(i+1, suite, key)))
		}
	}
	off := &sdp.SessionDescription{
		Origin: sdp.Origin{
			Username: s.username, SessionID: s.id, SessionVersion: s.version,
			NetworkType: "IN", AddressType: addrType, UnicastAddress: ip,
		},
		SessionName:           "switchboard",
		ConnectionInformation: &sdp.ConnectionInformation{NetworkType: "IN", AddressType: addrType, Address: &sdp.Address{Address: ip}},
		TimeDescriptions:      []sdp.TimeDescription{{Timing: sdp.Timing{}}},
		MediaDescriptions: []*sdp.MediaDescription{{
			MediaName:  sdp.MediaName{Media: "audio", Port: sdp.RangedPort{Value: int(local.Port())}, Protos: protos, Formats: formats},
			Attributes: attrs,
		}},
	}
	b, err := off.Marshal()
	if err != nil {
		return nil, fmt.Errorf("sip: marshal offer: %w", err)
	}
	s.last, s.local = b, local
	return b, nil
}

// ReadAnswer reads the far end's answer to our Offer: where to send RTP,
// the codec it chose (one of offered) and its telephone-event type. The
// answer's direction is reported as Offered (what the far end wants) and
// ours as its mirror, as for an inbound offer.
func ReadAnswer(answer []byte, offered []Codec) (Media, error) {
	if len(offered) == 0 {
		offered = []Codec{CodecPCMU, CodecPCMA}
	}
	sd, idx, err := parseOffer(answer)
	if err != nil {
		return Media{}, err
	}
	m, err := negotiateMedia(sd, idx, nil)
	if err != nil {
		return Media{}, err
	}
	// The answer must pick a codec we offered (RFC 3264 §6.1); its payload
	// type is the one we offered for it.
	for _, c := range offered {
		if c.Name == m.Codec.Name {
			return m, nil
		}
	}
	return Media{}, fmt.Errorf("%w: answer chose %s, which we did not offer", ErrNotAcceptable, m.Codec.Name)
}

// offeredSuites are our a=crypto lines in OfferSRTP, tag i+1 each.
var offeredSuites = []string{SuiteAES128SHA1_80, SuiteAES128SHA1_32}

// KeyAnswer checks the SRTP side of an answer read by ReadAnswer against
// what we offered. After OfferSRTP an RTP/SAVP answer must pick one of our
// a=crypto lines (same tag and suite) and bring its own key; a plain
// RTP/AVP answer is taken only when plainOK (the "optional" policy: some
// peers answer a SAVP offer with AVP instead of refusing it). After a plain
// Offer an SRTP answer is refused.
func (s *SDPSession) KeyAnswer(m Media, offeredSRTP, plainOK bool) (Media, error) {
	switch {
	case m.SRTP == nil && offeredSRTP && !plainOK:
		return Media{}, fmt.Errorf("%w: answer is plain RTP, SRTP is required", ErrNotAcceptable)
	case m.SRTP == nil:
		return m, nil
	case !offeredSRTP:
		return Media{}, fmt.Errorf("%w: answer is RTP/SAVP to a plain RTP offer", ErrNotAcceptable)
	}
	i := m.SRTP.Tag - 1
	if i < 0 || i >= len(offeredSuites) || offeredSuites[i] != m.SRTP.Suite {
		return Media{}, fmt.Errorf("%w: answer's a=crypto tag %d (%s) is not one we offered", ErrNotAcceptable, m.SRTP.Tag, m.SRTP.Suite)
	}
	s.mu.Lock()
	k := *m.SRTP
	k.LocalKey = s.srtpKey()
	s.mu.Unlock()
	m.SRTP = &k
	return m, nil
}
