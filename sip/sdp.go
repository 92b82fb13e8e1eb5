package sip

import (
	"crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
	"net/netip"
	"strconv"
	"strings"
	"sync"

	"github.com/pion/sdp/v3"
)

// SDP answer errors. ErrNotAcceptable maps to 488 Not Acceptable Here;
// ErrMalformedSDP to 400 Bad Request.
var (
	ErrNotAcceptable = errors.New("sip: offer not acceptable")
	ErrMalformedSDP  = errors.New("sip: malformed SDP")
)

// Codec is the audio codec chosen for a call.
type Codec struct {
	PayloadType uint8
	Name        string // "PCMU" or "PCMA"
	ClockRate   uint32 // 8000
}

// Supported audio codecs, in no particular order: the offerer's order wins.
var (
	CodecPCMU = Codec{PayloadType: 0, Name: "PCMU", ClockRate: 8000}
	CodecPCMA = Codec{PayloadType: 8, Name: "PCMA", ClockRate: 8000}
)

// Direction is an SDP media direction attribute.
type Direction string

// Media directions (RFC 3264).
const (
	SendRecv Direction = "sendrecv"
	SendOnly Direction = "sendonly"
	RecvOnly Direction = "recvonly"
	Inactive Direction = "inactive"
)

// answerDirection maps the offerer's direction to ours (RFC 3264 §6.1).
func answerDirection(offer Direction) Direction {
	switch offer {
	case SendOnly:
		return RecvOnly
	case RecvOnly:
		return SendOnly
	case Inactive:
		return Inactive
	}
	return SendRecv
}

// Media is the outcome of one offer/answer round: what the remote side offers
// and what we agreed to.
type Media struct {
	Remote         netip.AddrPort // where to send RTP; the address is unspecified (0.0.0.0) for RFC 2543 hold
	Codec          Codec
	TelephoneEvent int // payload type of telephone-event/8000, or -1
	PTime          int // milliseconds; 20 unless the offer says otherwise
	Offered        Direction
	Answered       Direction
	// SRTP is the SDES keying when the stream is RTP/SAVP (nil: plain RTP).
	// From Negotiate it holds the offer's pick (RemoteKey); Answer and
	// ReadAnswer fill in LocalKey.
	SRTP *SRTP
}

// Hold reports whether the offerer put us on hold: sendonly, inactive, or
// the old c=0.0.0.0 form.
func (m Media) Hold() bool {
	return m.Offered == SendOnly || m.Offered == Inactive || (m.Remote.Addr().IsValid() && m.Remote.Addr().IsUnspecified())
}

// SDPSession answers offers for one call. It keeps the o= session id for the
// whole call and bumps the version only when our answer changes.
type SDPSession struct {
	mu        sync.Mutex
	id        uint64
	version   uint64
	last      []byte
	lastMedia Media
	local     netip.AddrPort
	username  string
	key       []byte // our SRTP master key and salt, made at first use (sdpcrypto.go)
}

// NewSDPSession returns a session whose o= line uses username.
func NewSDPSession(username string) *SDPSession {
	var b [8]byte
	_, _ = rand.Read(b[:])
	id := binary.BigEndian.Uint64(b[:]) >> 2 // keep it a modest positive number
	if username == "" {
		username = "-"
	}
	return &SDPSession{id: id, version: id, username: SanitizeToken(username)}
}

// Last returns our last answer (nil before the first).
func (s *SDPSession) Last() []byte {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.last
}

// Negotiate parses offer and picks what we would answer, without building
// the answer (the local media address may not be known yet).
func Negotiate(offer []byte) (Media, error) {
	sd, idx, err := parseOffer(offer)
	if err != nil {
		return Media{}, err
	}
	return negotiateMedia(sd, idx, nil)
}

// Answer builds our answer to offer with local as our RTP address. prefer,
// when non-nil, is the codec to keep if the offer still lists it (a
// re-INVITE must not switch codecs for no reason).
func (s *SDPSession) Answer(offer []byte, local netip.AddrPort, prefer *Codec) ([]byte, Media, error) {
	if !local.IsValid() || local.Port() == 0 {
		return nil, Media{}, fmt.Errorf("%w: invalid local media address %v", ErrNotAcceptable, local)
	}
	sd, idx, err := parseOffer(offer)
	if err != nil {
		return nil, Media{}, err
	}
	m, err := negotiateMedia(sd, idx, prefer)
	if err != nil {
		return nil, Media{}, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if m.SRTP != nil {
		m.SRTP.LocalKey = s.srtpKey()
	}
	body, err := s.build(sd, idx, m, local, s.version)
	if err != nil {
		return nil, Media{}, err
	}
	if s.last != nil && string(body) != string(s.last) {
		s.version++
		if body, err = s.build(sd, idx, m, local, s.version); err != nil {
			return nil, Media{}, err
		}
	}
	s.last, s.lastMedia, s.local = body, m, local
	return body, m, nil
}

func parseOffer(offer []byte) (*sdp.SessionDescription, int, error) {
	if len(strings.TrimSpace(string(offer))) == 0 {
		return nil, -1, fmt.Errorf("%w: empty offer", ErrNotAcceptable)
	}
	var sd sdp.SessionDescription
	if err := sd.UnmarshalString(string(offer)); err != nil {
		return nil, -1, fmt.Errorf("%w: %v", ErrMalformedSDP, err)
	}
	idx := -1
	for i, md := range sd.MediaDescriptions {
		if md == nil {
			continue
		}
		p := md.MediaName.Port.Value
		if p < 0 || p > 65535 {
			return nil, -1, fmt.Errorf("%w: port %d out of range", ErrNotAcceptable, p)
		}
		if idx < 0 && md.MediaName.Media == "audio" && p != 0 {
			idx = i
		}
	}
	if idx < 0 {
		return nil, -1, fmt.Errorf("%w: no audio stream", ErrNotAcceptable)
	}
	return &sd, idx, nil
}

func negotiateMedia(sd *sdp.SessionDescription, idx int, prefer *Codec) (Media, error) {
	md := sd.MediaDescriptions[idx]
	var keying *SRTP
	switch {
	case hasRTPAVP(md.MediaName.Protos):
	case isSAVP(md.MediaName.Protos):
		c, err := pickCrypto(md.Attributes)
		if err != nil {
			return Media{}, err
		}
		keying = &SRTP{Suite: c.Suite, RemoteKey: c.Key, Tag: c.Tag}
	default:
		return Media{}, fmt.Errorf("%w: transport %s", ErrNotAcceptable, strings.Join(md.MediaName.Protos, "/"))
	}
	// connection address: media level over session level
	ci := md.ConnectionInformation
	if ci == nil {
		ci = sd.ConnectionInformation
	}
	if ci == nil || ci.Address == nil {
		return Media{}, fmt.Errorf("%w: no connection address", ErrNotAcceptable)
	}
	host := ci.Address.Address
	if i := strings.IndexByte(host, '/'); i >= 0 { // multicast TTL form
		host = host[:i]
	}
	addr, err := netip.ParseAddr(host)
	if err != nil {
		return Media{}, fmt.Errorf("%w: connection address %q", ErrNotAcceptable, host)
	}
	m := Media{
		Remote:         netip.AddrPortFrom(addr.Unmap(), uint16(md.MediaName.Port.Value)),
		TelephoneEvent: -1,
		PTime:          20,
		Offered:        SendRecv,
		SRTP:           keying,
	}
	rtpmap := map[string]string{} // pt -> lower-case "name/clock"
	for _, a := range md.Attributes {
		switch a.Key {
		case "rtpmap":
			pt, enc, ok := strings.Cut(strings.TrimSpace(a.Value), " ")
			if ok {
				rtpmap[pt] = strings.ToLower(strings.TrimSpace(enc))
			}
		case "ptime":
			if v, err := strconv.Atoi(strings.TrimSpace(a.Value)); err == nil && v >= 10 && v <= 200 {
				m.PTime = v
			}
		case "sendrecv", "sendonly", "recvonly", "inactive":
			m.Offered = Direction(a.Key)
		}
	}
	// a session-level direction applies when the media has none
	if !hasDirection(md.Attributes) {
		for _, a := range sd.Attributes {
			switch a.Key {
			case "sendrecv", "sendonly", "recvonly", "inactive":
				m.Offered = Direction(a.Key)
			}
		}
	}
	var found []Codec
	for _, f := range md.MediaName.Formats {
		enc, mapped := rtpmap[f]
		var c Codec
		switch {
		case enc == "pcmu/8000" || enc == "pcmu/8000/1" || (!mapped && f == "0"):
			c = Codec{PayloadType: mustPT(f), Name: "PCMU", ClockRate: 8000}
		case enc == "pcma/8000" || enc == "pcma/8000/1" || (!mapped && f == "8"):
			c = Codec{PayloadType: mustPT(f), Name: "PCMA", ClockRate: 8000}
		case enc == "telephone-event/8000" || enc == "telephone-event/8000/1":
			if m.TelephoneEvent < 0 {
				if pt, err := strconv.ParseUint(f, 10, 7); err == nil {
					m.TelephoneEvent = int(pt)
				}
			}
			continue
		default:
			continue
		}
		if _, err := strconv.ParseUint(f, 10, 7); err != nil {
			continue
		}
		found = append(found, c)
	}
	if len(found) == 0 {
		return Media{}, fmt.Errorf("%w: no common codec (we take PCMU, PCMA)", ErrNotAcceptable)
	}
	m.Codec = found[0]
	if prefer != nil {
		for _, c := range found {
			if c == *prefer {
				m.Codec = c
			}
		}
	}
	m.Answered = answerDirection(m.Offered)
	if m.Remote.Addr().IsUnspecified() && m.Answered == SendRecv {
		// RFC 2543 hold: the offerer does not want media
		m.Answered = RecvOnly
	}
	return m, nil
}

func mustPT(f string) uint8 {
	pt, _ := strconv.ParseUint(f, 10, 7)
	return uint8(pt)
}

func hasRTPAVP(protos []string) bool {
	p := strings.ToUpper(strings.Join(protos, "/"))
	return p == "RTP/AVP" || p == "RTP/AVPF"
}

func hasDirection(attrs []sdp.Attribute) bool {
	for _, a := range attrs {
		switch a.Key {
		case "sendrecv", "sendonly", "recvonly", "inactive":
			return true
		}
	}
	return false
}

// build marshals the answer. Only the chosen audio stream gets a port; every
// other offered stream is answered at port 0 in the same order.
func (s *SDPSession) build(offer *sdp.SessionDescription, idx int, m Media, local netip.AddrPort, version uint64) ([]byte, error) {
	addrType := "IP4"
	if local.Addr().Is6() && !local.Addr().Is4In6() {
		addrType = "IP6"
	}
	ip := local.Addr().Unmap().String()
	ans := &sdp.SessionDescription{
		Version: 0,
		Origin: sdp.Origin{
			Username: s.username, SessionID: s.id, SessionVersion: version,
			NetworkType: "IN", AddressType: addrType, UnicastAddress: ip,
		},
		SessionName: "switchboard",
		ConnectionInformation: &sdp.ConnectionInformation{
			NetworkType: "IN", AddressType: addrType, Address: &sdp.Address{Address: ip},
		},
		TimeDescriptions: []sdp.TimeDescription{{Timing: sdp.Timing{StartTime: 0, StopTime: 0}}},
	}
	for i, md := range offer.MediaDescriptions {
		if i == idx {
			formats := []string{strconv.Itoa(int(m.Codec.PayloadType))}
			attrs := []sdp.Attribute{
				sdp.NewAttribute("rtpmap", fmt.Sprintf("%d %s/%d", m.Codec.PayloadType, m.Codec.Name, m.Codec.ClockRate)),
			}
			if m.TelephoneEvent >= 0 {
				te := strconv.Itoa(m.TelephoneEvent)
				formats = append(formats, te)
				attrs = append(attrs,
					sdp.NewAttribute("rtpmap", te+" telephone-event/8000"),
					sdp.NewAttribute("fmtp", te+" 0-16"))
			}
			attrs = append(attrs,
				sdp.NewAttribute("ptime", strconv.Itoa(m.PTime)),
				sdp.NewPropertyAttribute(string(m.Answered)))
			protos := []string{"RTP", "AVP"}
			if m.SRTP != nil { // same tag, our own key (RFC 4568 §7.1.2)
				protos = []string{"RTP", "SAVP"}
				attrs = append(attrs, sdp.NewAttribute("crypto", cryptoValue(m.SRTP.Tag, m.SRTP.Suite, m.SRTP.LocalKey)))
			}
			ans.MediaDescriptions = append(ans.MediaDescriptions, &sdp.MediaDescription{
				MediaName: sdp.MediaName{
					Media: "audio", Port: sdp.RangedPort{Value: int(local.Port())},
					Protos: protos, Formats: formats,
				},
				Attributes: attrs,
			})
			continue
		}
		ans.MediaDescriptions = append(ans.MediaDescriptions, rejectedMedia(md))
	}
	b, err := ans.Marshal()
	if err != nil {
		return nil, fmt.Errorf("sip: marshal answer: %w", err)
	}
	return b, nil
}

// rejectedMedia answers an m-line we do not take: same media, proto and
// formats, port 0. Tokens are copied only when they are plain.
func rejectedMedia(md *sdp.MediaDescription) *sdp.MediaDescription {
	media, protos, formats := "audio", []string{"RTP", "AVP"}, []string{"0"}
	if md != nil {
		if isToken(md.MediaName.Media) {
			media = md.MediaName.Media
		}
		if len(md.MediaName.Protos) > 0 && allTokens(md.MediaName.Protos) {
			protos = md.MediaName.Protos
		}
		if len(md.MediaName.Formats) > 0 && allTokens(md.MediaName.Formats) {
			formats = md.MediaName.Formats
		}
	}
	return &sdp.MediaDescription{MediaName: sdp.MediaName{Media: media, Port: sdp.RangedPort{Value: 0}, Protos: protos, Formats: formats}}
}

func allTokens(ss []string) bool {
	for _, s := range ss {
		if !isToken(s) {
			return false
		}
	}
	return true
}

func isToken(s string) bool {
	if s == "" || len(s) > 64 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c <= ' ' || c >= 0x7f || c == '/' {
			return false
		}
	}
	return true
}
