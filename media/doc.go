// Package media moves a call's audio. This package holds the RTP session of
// one call (Session, from a PortPool of RTP/RTCP port pairs): it sends 20 ms
// frames paced by a few shared timing wheels, sends and receives RFC 4733
// telephone-events, learns the remote address and SSRC, sends RTCP reports,
// plays silence while idle or on hold, and reports digits and media
// timeouts as Events. Its subpackages hold the rest: g711 (μ-law and A-law),
// dtmf (in-band detection and generation), audio (WAV/MP3 loading, WAV
// recordings), resample, prompt (PCM and G.711 frames ready to play) and tts
// (espeak-ng or flite speech).
//
// It knows nothing of flows or SIP dialogs: it never imports engine/, sip/
// or app/. app/voice joins a SIP call to its session and records calls.
package media
