// Package media moves audio: RTP sessions, G.711, RFC 4733 and in-band DTMF,
// players, recorders, tone and TTS sources. It knows nothing of flows or SIP
// dialogs: it never imports engine/, sip/ or app/.
package media
