package sip

import (
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/pion/sdp/v3"
)

// SDES keying (RFC 4568): the SRTP master key and salt travel in the SDP
// itself, in a=crypto lines. Anyone who reads the signalling reads the keys,
// so SDES media is only private when the SIP hop is TLS; over UDP or TCP it
// protects against an on-path listener of the media only, not of the SIP.
// Keys are secrets: they never reach logs (Crypto has no String method that
// prints the key, and SRTP's Format hides it).

// SRTP crypto suites we take: AES counter mode with a 128-bit key and an
// 80- or 32-bit HMAC-SHA1 tag (RFC 4568 §6.2). Both use a 16-byte key and
// a 14-byte salt.
const (
	SuiteAES128SHA1_80 = "AES_CM_128_HMAC_SHA1_80"
	SuiteAES128SHA1_32 = "AES_CM_128_HMAC_SHA1_32"
)

// SRTPKeyLen is the length of an inline key: 16-byte master key and 14-byte
// master salt, concatenated.
const SRTPKeyLen = 30

// ErrCrypto is why an a=crypto line was not usable.
var ErrCrypto = errors.New("sip: crypto attribute")

// Crypto is one parsed a=crypto attribute.
type Crypto struct {
	Tag   int
	Suite string
	Key   []byte // master key || master salt (SRTPKeyLen bytes)
}

// SRTP is the keying of an SRTP call leg: the suite agreed, the key we
// encrypt with (we sent it) and the key the far end encrypts with.
type SRTP struct {
	Suite     string
	LocalKey  []byte
	RemoteKey []byte
	Tag       int // the a=crypto tag agreed
}

// Format prints the suite only: keys are secrets.
func (s *SRTP) Format(f fmt.State, _ rune) { _, _ = fmt.Fprintf(f, "SRTP(%s)", s.Suite) }

func supportedSuite(s string) bool {
	return s == SuiteAES128SHA1_80 || s == SuiteAES128SHA1_32
}

// ParseCrypto reads the value of an a=crypto attribute (after "crypto:"):
//
//	tag SP suite SP inline:BASE64[|lifetime][|mki:len] [session-params]
//
// It refuses what we do not implement with a reason: unknown suites, more
// than one key, an MKI, and every session parameter (UNENCRYPTED_SRTP,
// KDR …), each of which changes how packets are protected.
func ParseCrypto(v string) (Crypto, error) {
	fields := strings.Fields(v)
	if len(fields) < 3 {
		return Crypto{}, fmt.Errorf("%w: want tag, suite and key parameters", ErrCrypto)
	}
	if len(fields[0]) > 9 {
		return Crypto{}, fmt.Errorf("%w: tag too long", ErrCrypto)
	}
	tag, err := strconv.Atoi(fields[0])
	if err != nil || tag < 0 {
		return Crypto{}, fmt.Errorf("%w: tag is not a number", ErrCrypto)
	}
	c := Crypto{Tag: tag, Suite: fields[1]}
	if !supportedSuite(c.Suite) {
		return Crypto{}, fmt.Errorf("%w: suite %.40q not supported (we take %s, %s)", ErrCrypto, c.Suite, SuiteAES128SHA1_80, SuiteAES128SHA1_32)
	}
	if len(fields) > 3 {
		return Crypto{}, fmt.Errorf("%w: session parameter %.40q not supported", ErrCrypto, fields[3])
	}
	kp := fields[2]
	if strings.Contains(kp, ";") {
		return Crypto{}, fmt.Errorf("%w: more than one key (needs an MKI) not supported", ErrCrypto)
	}
	method, info, ok := strings.Cut(kp, ":")
	if !ok || !strings.EqualFold(method, "inline") {
		return Crypto{}, fmt.Errorf("%w: key method must be inline", ErrCrypto)
	}
	parts := strings.Split(info, "|")
	if len(parts) > 3 {
		return Crypto{}, fmt.Errorf("%w: key parameter has too many parts", ErrCrypto)
	}
	key, err := base64.StdEncoding.DecodeString(parts[0])
	if err != nil {
		// some senders leave the padding out
		key, err = base64.RawStdEncoding.DecodeString(strings.TrimRight(parts[0], "="))
	}
	if err != nil {
		return Crypto{}, fmt.Errorf("%w: key is not base64", ErrCrypto)
	}
	if len(key) != SRTPKeyLen {
		return Crypto{}, fmt.Errorf("%w: key is %d bytes, want %d", ErrCrypto, len(key), SRTPKeyLen)
	}
	for i, p := range parts[1:] {
		if strings.Contains(p, ":") {
			return Crypto{}, fmt.Errorf("%w: MKI not supported", ErrCrypto)
		}
		if i == 0 {
			if err := checkLifetime(p); err != nil {
				return Crypto{}, err
			}
			continue
		}
		return Crypto{}, fmt.Errorf("%w: key parameter has too many parts", ErrCrypto)
	}
	c.Key = key
	return c, nil
}

// checkLifetime accepts a key lifetime ("2^31" or decimal). We never send
// that many packets on one key in a call (2^31 packets at 50/s is over a
// year), so the value is only checked for form.
func checkLifetime(p string) error {
	if e, ok := strings.CutPrefix(p, "2^"); ok {
		if n, err := strconv.Atoi(e); err == nil && n > 0 && n <= 48 {
			return nil
		}
	} else if n, err := strconv.ParseUint(p, 10, 64); err == nil && n > 0 {
		return nil
	}
	return fmt.Errorf("%w: key lifetime %.20q", ErrCrypto, p)
}

// cryptoValue formats our a=crypto attribute value.
func cryptoValue(tag int, suite string, key []byte) string {
	return strconv.Itoa(tag) + " " + suite + " inline:" + base64.StdEncoding.EncodeToString(key)
}

// newSRTPKey makes a fresh master key and salt.
func newSRTPKey() []byte {
	k := make([]byte, SRTPKeyLen)
	if _, err := rand.Read(k); err != nil {
		panic("sip: crypto/rand failed: " + err.Error()) // never on Linux; no key is better than a weak one
	}
	return k
}

// isSAVP reports a secure RTP profile (RTP/SAVP, RTP/SAVPF).
func isSAVP(protos []string) bool {
	p := strings.ToUpper(strings.Join(protos, "/"))
	return p == "RTP/SAVP" || p == "RTP/SAVPF"
}

// pickCrypto takes the first offered a=crypto line whose suite we support
// (the offerer's order is its preference, RFC 4568 §7.1.1). With none, the
// error says why each was refused (the first reason is enough for a
// Warning header).
func pickCrypto(attrs []sdp.Attribute) (Crypto, error) {
	var first error
	n := 0
	for _, a := range attrs {
		if a.Key != "crypto" {
			continue
		}
		n++
		c, err := ParseCrypto(a.Value)
		if err == nil {
			return c, nil
		}
		if first == nil {
			first = err
		}
	}
	if n == 0 {
		return Crypto{}, fmt.Errorf("%w: RTP/SAVP offered without a=crypto (we key SRTP with SDES only)", ErrNotAcceptable)
	}
	return Crypto{}, fmt.Errorf("%w: no usable a=crypto: %w", ErrNotAcceptable, first)
}

// srtpKey is our key for this call (s.mu held): one per SDP session, so a
// re-INVITE's answer keeps it and the stream goes on unbroken.
func (s *SDPSession) srtpKey() []byte {
	if s.key == nil {
		s.key = newSRTPKey()
	}
	return s.key
}

// rekeyed reports whether a re-INVITE changed the SRTP keying (on, off,
// suite or the far end's key): the media session must take the new keys.
func rekeyed(prev, cur *SRTP) bool {
	if prev == nil || cur == nil {
		return prev != cur
	}
	return prev.Suite != cur.Suite || string(prev.RemoteKey) != string(cur.RemoteKey)
}
