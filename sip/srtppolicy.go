package sip

import (
	"errors"
	"fmt"
	"strings"

	gosip "github.com/emiago/sipgo/sip"
)

// A trunk's SRTP policy (Trunk.SRTP). SDES keys travel inside the SDP, so
// they are only private when the trunk's signalling is TLS; over UDP or
// TCP "required" still stops a listener of the media path alone.
//
//   - SRTPOff (default, also ""): plain RTP only, as before SRTP existed;
//     an RTP/SAVP offer from the trunk is refused with 488.
//   - SRTPOptional: our INVITEs offer RTP/SAVP; inbound, either offer is
//     taken. Interop caveat: a peer that only does plain RTP may refuse a
//     SAVP offer with 488 (RFC 3264 has no "best effort" form without
//     capability negotiation), so a 488 to our SAVP offer is retried once
//     with RTP/AVP — what carriers' "best effort SRTP" means in practice.
//     A peer that answers a SAVP offer with plain RTP/AVP is taken too.
//   - SRTPRequired: our INVITEs offer RTP/SAVP only and a plain answer
//     fails the dial; inbound plain-RTP offers get 488.
const (
	SRTPOff      = "off"
	SRTPOptional = "optional"
	SRTPRequired = "required"
)

// ValidSRTPPolicy reports whether p is a policy a trunk may have.
func ValidSRTPPolicy(p string) bool {
	return p == "" || p == SRTPOff || p == SRTPOptional || p == SRTPRequired
}

func (s *Server) trunkSRTP(name string) string {
	for _, t := range s.trunkList() {
		if t.cfg.Name == name {
			return t.cfg.SRTP
		}
	}
	return ""
}

// inboundSRTP applies the policy of the trunk an offer came from. Desk
// phones and allow-listed sources get what they offer.
func (s *Server) inboundSRTP(adm Admission, m Media) error {
	if adm.Kind != "trunk" {
		return nil
	}
	switch s.trunkSRTP(adm.Name) {
	case SRTPRequired:
		if m.SRTP == nil {
			return fmt.Errorf("%w: this trunk requires SRTP (RTP/SAVP with a=crypto)", ErrNotAcceptable)
		}
	case SRTPOptional:
	default:
		if m.SRTP != nil {
			return fmt.Errorf("%w: SRTP is off for this trunk (offer RTP/AVP)", ErrNotAcceptable)
		}
	}
	return nil
}

// outboundSRTP is what a dial to tgt offers: SRTP or not, and whether a
// plain answer (or a retry without SRTP after 488) is acceptable. Desk
// phones registered over TLS and sip: URIs with ;transport=tls are offered
// SRTP as "optional"; other non-trunk targets plain RTP.
func (s *Server) outboundSRTP(tgt dialTarget) (offer, plainOK bool) {
	if tgt.trunk != nil {
		switch tgt.trunk.SRTP {
		case SRTPRequired:
			return true, false
		case SRTPOptional:
			return true, true
		}
		return false, true
	}
	if tlsURI(tgt.ruri) {
		return true, true
	}
	return false, true
}

func tlsURI(u gosip.Uri) bool {
	if strings.EqualFold(u.Scheme, "sips") {
		return true
	}
	if u.UriParams != nil {
		if t, ok := u.UriParams.Get("transport"); ok && strings.EqualFold(t, "tls") {
			return true
		}
	}
	return false
}

// notAcceptableWarning is the Warning header value of a 488 to an offer:
// code 304 ("media type not available") with why, which tells the far
// end's admin what to change (the reasons never hold key material).
func notAcceptableWarning(err error) string {
	why := "no common media: PCMU or PCMA over RTP/AVP or RTP/SAVP"
	if err != nil && errors.Is(err, ErrNotAcceptable) {
		msg := strings.TrimPrefix(err.Error(), ErrNotAcceptable.Error()+": ")
		if msg != "" && msg != err.Error() {
			why = msg
		}
	}
	why = strings.NewReplacer(`"`, "'", `\`, "/").Replace(SanitizeHeaderValue(why))
	if len(why) > 160 {
		why = why[:160]
	}
	return `304 switchboard "` + why + `"`
}
