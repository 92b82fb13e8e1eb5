package media

import (
	"errors"
	"fmt"
	"sync"
	"sync/atomic"

	"github.com/pion/rtcp"
	"github.com/pion/rtp"
	"github.com/pion/srtp/v3"
)

// SRTP (RFC 3711) on a Session. The keys come from SDES (the SDP's
// a=crypto lines, sip/sdpcrypto.go): LocalKey protects what we send,
// RemoteKey authenticates and decrypts what we receive. A session with
// SRTP decrypts each datagram right where the receive path hands it over
// (handleRTP, handleRTCP) and encrypts each packet right before it goes out
// (the pacer's produce, a bridge relay's send, sendRTCP), so everything in
// between — prompts, gather, recording, in-band DTMF, the bridge's
// transcoding and tap — sees plain RTP. In a bridge each leg keeps its own
// keys: an SRTP leg and a plain leg relay to each other unchanged.
//
// A packet that fails authentication or is a replay is dropped and
// counted (SRTPStats), never passed on: latching only follows
// authenticated packets.

// SRTP suites (the SDES names, RFC 4568 §6.2).
const (
	SRTPAES128SHA1_80 = "AES_CM_128_HMAC_SHA1_80"
	SRTPAES128SHA1_32 = "AES_CM_128_HMAC_SHA1_32"
)

// SRTPKeys is one leg's SRTP keying. Keys are master key (16 bytes) then
// master salt (14 bytes). It never prints its keys.
type SRTPKeys struct {
	Suite     string
	LocalKey  []byte
	RemoteKey []byte
}

// Format prints the suite only: keys are secrets.
func (k *SRTPKeys) Format(f fmt.State, _ rune) { _, _ = fmt.Fprintf(f, "SRTPKeys(%s)", k.Suite) }

// srtpReplayWindow is the receive replay window in packets (RFC 3711
// §3.3.2 asks for at least 64); a little more tolerates reordering.
const srtpReplayWindow = 256

// SRTPStats counts SRTP drops on a session.
type SRTPStats struct {
	Enabled    bool
	AuthFailed uint64 // RTP or RTCP whose tag did not verify (tampered, wrong key)
	Replayed   uint64 // RTP or RTCP seen before (or too old for the window)
	Other      uint64 // too short, not parseable
}

type srtpState struct {
	// tx protects RTP; callers hold the session's mu (produce, relay send).
	tx *srtp.Context
	// txRTCP protects RTCP, under rtcpMu (sendRTCP runs outside mu).
	rtcpMu sync.Mutex
	txRTCP *srtp.Context
	// rx is used by the one receive path of the session's RTP; rxRTCP by
	// its RTCP reader: each context keeps per-SSRC state unguarded.
	rx, rxRTCP    *srtp.Context
	suite         string
	local, remote []byte     // the keys, to notice a re-key
	txHdr         rtp.Header // tx's scratch header (mu held)
	rxHdr         rtp.Header // rx's scratch header (receive path only)

	auth, replay, other atomic.Uint64
}

func srtpProfile(suite string) (srtp.ProtectionProfile, error) {
	switch suite {
	case SRTPAES128SHA1_80:
		return srtp.ProtectionProfileAes128CmHmacSha1_80, nil
	case SRTPAES128SHA1_32:
		return srtp.ProtectionProfileAes128CmHmacSha1_32, nil
	}
	return 0, fmt.Errorf("media: SRTP suite %q not supported", suite)
}

// SetSRTP turns SRTP on for the session (nil turns it off). Call it before
// Start, or again when a re-INVITE changes the keys; the receive path picks
// the new keys up at the next packet.
func (s *Session) SetSRTP(k *SRTPKeys) error {
	if k == nil {
		s.srtp.Store(nil)
		return nil
	}
	if cur := s.srtp.Load(); cur != nil && cur.suite == k.Suite && string(cur.local) == string(k.LocalKey) && string(cur.remote) == string(k.RemoteKey) {
		return nil // the same keys (a re-INVITE that changed something else): keep the rollover and replay state
	}
	prof, err := srtpProfile(k.Suite)
	if err != nil {
		return err
	}
	kl, _ := prof.KeyLen()
	sl, _ := prof.SaltLen()
	if len(k.LocalKey) != kl+sl || len(k.RemoteKey) != kl+sl {
		return fmt.Errorf("media: SRTP keys must be %d bytes", kl+sl)
	}
	mk := func(key []byte, opts ...srtp.ContextOption) (*srtp.Context, error) {
		c, err := srtp.CreateContext(key[:kl], key[kl:], prof, opts...)
		if err != nil {
			return nil, fmt.Errorf("media: SRTP context: %w", err)
		}
		return c, nil
	}
	st := &srtpState{suite: k.Suite, local: append([]byte(nil), k.LocalKey...), remote: append([]byte(nil), k.RemoteKey...)}
	if st.tx, err = mk(k.LocalKey); err != nil {
		return err
	}
	if st.txRTCP, err = mk(k.LocalKey); err != nil {
		return err
	}
	if st.rx, err = mk(k.RemoteKey, srtp.SRTPReplayProtection(srtpReplayWindow)); err != nil {
		return err
	}
	if st.rxRTCP, err = mk(k.RemoteKey, srtp.SRTCPReplayProtection(srtpReplayWindow)); err != nil {
		return err
	}
	s.srtp.Store(st)
	return nil
}

// SRTPStats reports SRTP drops.
func (s *Session) SRTPStats() SRTPStats {
	st := s.srtp.Load()
	if st == nil {
		return SRTPStats{}
	}
	return SRTPStats{Enabled: true, AuthFailed: st.auth.Load(), Replayed: st.replay.Load(), Other: st.other.Load()}
}

func (st *srtpState) count(err error) {
	switch {
	case errors.Is(err, srtp.ErrFailedToVerifyAuthTag):
		st.auth.Add(1)
	case isReplay(err):
		st.replay.Add(1)
	default:
		st.other.Add(1)
	}
}

// isReplay recognises pion's replay error, which has no exported sentinel.
func isReplay(err error) bool {
	for e := err; e != nil; e = errors.Unwrap(e) {
		if e.Error() == "duplicated packet" {
			return true
		}
	}
	return false
}

// openRTP decrypts an SRTP datagram in place on the receive path. It
// returns b unchanged without SRTP, and nil when the packet is dropped.
func (s *Session) openRTP(b []byte) []byte {
	st := s.srtp.Load()
	if st == nil {
		return b
	}
	out, err := st.rx.DecryptRTP(b[:0], b, &st.rxHdr)
	if err != nil {
		st.count(err)
		return nil
	}
	return out
}

// sealRTP encrypts a packet in place (b's array must have room for the
// tag: txSpace keeps it) right before it is sent; s.mu held. nil: do not send.
func (s *Session) sealRTP(b []byte) []byte {
	st := s.srtp.Load()
	if st == nil {
		return b
	}
	out, err := st.tx.EncryptRTP(b[:0], b, &st.txHdr)
	if err != nil {
		st.other.Add(1)
		return nil
	}
	return out
}

// openRTCP decrypts an SRTCP compound packet (into a new slice: RTCP is a
// few packets a second). nil: dropped.
func (s *Session) openRTCP(b []byte) []byte {
	st := s.srtp.Load()
	if st == nil {
		return b
	}
	var h rtcp.Header
	out, err := st.rxRTCP.DecryptRTCP(nil, b, &h)
	if err != nil {
		st.count(err)
		return nil
	}
	return out
}

// sealRTCP encrypts an RTCP compound packet before it is sent. nil: do
// not send.
func (s *Session) sealRTCP(b []byte) []byte {
	st := s.srtp.Load()
	if st == nil {
		return b
	}
	st.rtcpMu.Lock()
	defer st.rtcpMu.Unlock()
	var h rtcp.Header
	out, err := st.txRTCP.EncryptRTCP(nil, b, &h)
	if err != nil {
		st.other.Add(1)
		return nil
	}
	return out
}
