package sip

import (
	"encoding/base64"
	"errors"
	"fmt"
	"net/netip"
	"strings"
	"testing"
)

var testKey = base64.StdEncoding.EncodeToString([]byte("0123456789abcdefghijklmnopqrst")) // 30 bytes

func TestParseCrypto(t *testing.T) {
	cases := []struct {
		name, in string
		suite    string
		tag      int
		errHas   string
	}{
		{name: "80", in: "1 AES_CM_128_HMAC_SHA1_80 inline:" + testKey, suite: SuiteAES128SHA1_80, tag: 1},
		{name: "32 with lifetime", in: "7 AES_CM_128_HMAC_SHA1_32 inline:" + testKey + "|2^31", suite: SuiteAES128SHA1_32, tag: 7},
		{name: "decimal lifetime", in: "2 AES_CM_128_HMAC_SHA1_80 inline:" + testKey + "|1048576", suite: SuiteAES128SHA1_80, tag: 2},
		{name: "unpadded base64", in: "1 AES_CM_128_HMAC_SHA1_80 inline:" + strings.TrimRight(testKey, "="), suite: SuiteAES128SHA1_80, tag: 1},
		{name: "mki refused", in: "1 AES_CM_128_HMAC_SHA1_80 inline:" + testKey + "|2^20|1:4", errHas: "MKI"},
		{name: "mki without lifetime refused", in: "1 AES_CM_128_HMAC_SHA1_80 inline:" + testKey + "|1:4", errHas: "MKI"},
		{name: "session param refused", in: "1 AES_CM_128_HMAC_SHA1_80 inline:" + testKey + " UNENCRYPTED_SRTP", errHas: "session parameter"},
		{name: "two keys refused", in: "1 AES_CM_128_HMAC_SHA1_80 inline:" + testKey + ";inline:" + testKey, errHas: "more than one key"},
		{name: "unknown suite", in: "1 AEAD_AES_256_GCM inline:" + testKey, errHas: "not supported"},
		{name: "short key", in: "1 AES_CM_128_HMAC_SHA1_80 inline:QUJD", errHas: "bytes"},
		{name: "not base64", in: "1 AES_CM_128_HMAC_SHA1_80 inline:!!!!", errHas: "base64"},
		{name: "not inline", in: "1 AES_CM_128_HMAC_SHA1_80 uri:x", errHas: "inline"},
		{name: "bad tag", in: "x AES_CM_128_HMAC_SHA1_80 inline:" + testKey, errHas: "tag"},
		{name: "bad lifetime", in: "1 AES_CM_128_HMAC_SHA1_80 inline:" + testKey + "|2^99", errHas: "lifetime"},
		{name: "missing fields", in: "1", errHas: "want"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := ParseCrypto(c.in)
			if c.errHas != "" {
				if err == nil || !errors.Is(err, ErrCrypto) || !strings.Contains(err.Error(), c.errHas) {
					t.Fatalf("err = %v, want ErrCrypto with %q", err, c.errHas)
				}
				if strings.Contains(err.Error(), testKey[:10]) {
					t.Fatalf("error leaks the key: %v", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got.Suite != c.suite || got.Tag != c.tag || string(got.Key) != "0123456789abcdefghijklmnopqrst" {
				t.Fatalf("got %+v", got)
			}
		})
	}
}

func TestAnswerSRTP(t *testing.T) {
	cases := []struct {
		name      string
		lines     []string
		wantErr   bool
		wantSuite string
		wantTag   int
	}{
		{name: "first supported suite wins", lines: []string{"m=audio 5000 RTP/SAVP 0", "a=crypto:3 AEAD_AES_128_GCM inline:" + testKey,
			"a=crypto:4 AES_CM_128_HMAC_SHA1_32 inline:" + testKey, "a=crypto:5 AES_CM_128_HMAC_SHA1_80 inline:" + testKey},
			wantSuite: SuiteAES128SHA1_32, wantTag: 4},
		{name: "savpf answered savp", lines: []string{"m=audio 5000 RTP/SAVPF 0", "a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:" + testKey},
			wantSuite: SuiteAES128SHA1_80, wantTag: 1},
		{name: "only unsupported suite", lines: []string{"m=audio 5000 RTP/SAVP 0", "a=crypto:1 AES_256_CM_HMAC_SHA1_80 inline:" + testKey}, wantErr: true},
		{name: "no crypto", lines: []string{"m=audio 5000 RTP/SAVP 0"}, wantErr: true},
		{name: "plain unchanged", lines: []string{"m=audio 5000 RTP/AVP 0"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := NewSDPSession("switchboard")
			ans, m, err := s.Answer(offerSDP(c.lines...), local, nil)
			if c.wantErr {
				if !errors.Is(err, ErrNotAcceptable) {
					t.Fatalf("err = %v, want ErrNotAcceptable", err)
				}
				if w := notAcceptableWarning(err); !strings.Contains(w, "crypto") {
					t.Fatalf("warning %q does not say why", w)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if c.wantSuite == "" {
				if m.SRTP != nil || !strings.Contains(string(ans), "RTP/AVP 0") || strings.Contains(string(ans), "crypto") {
					t.Fatalf("plain offer answered with SRTP:\n%s", ans)
				}
				return
			}
			if m.SRTP == nil || m.SRTP.Suite != c.wantSuite || m.SRTP.Tag != c.wantTag || len(m.SRTP.LocalKey) != SRTPKeyLen {
				t.Fatalf("SRTP = %v", m.SRTP)
			}
			if string(m.SRTP.LocalKey) == string(m.SRTP.RemoteKey) {
				t.Fatal("answer reuses the offerer's key")
			}
			want := fmt.Sprintf("a=crypto:%d %s inline:%s", c.wantTag, c.wantSuite, base64.StdEncoding.EncodeToString(m.SRTP.LocalKey))
			if !strings.Contains(string(ans), want) || !strings.Contains(string(ans), "m=audio 40000 RTP/SAVP 0") {
				t.Fatalf("answer lacks %q:\n%s", want, ans)
			}
			if fmt.Sprint(m.SRTP) != "SRTP("+c.wantSuite+")" || strings.Contains(fmt.Sprintf("%+v", m), base64.StdEncoding.EncodeToString(m.SRTP.LocalKey)) {
				t.Fatalf("keys printable: %v", m.SRTP)
			}
			// a re-INVITE keeps our key
			_, m2, err := s.Answer(offerSDP(c.lines...), local, nil)
			if err != nil || string(m2.SRTP.LocalKey) != string(m.SRTP.LocalKey) {
				t.Fatalf("re-answer changed key (err %v)", err)
			}
		})
	}
}

func TestOfferSRTPAndKeyAnswer(t *testing.T) {
	s := NewSDPSession("switchboard")
	off, err := s.OfferSRTP(netip.MustParseAddrPort("127.0.0.1:40000"), nil)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(off), "m=audio 40000 RTP/SAVP 0 8 101") || !strings.Contains(string(off), "a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:") ||
		!strings.Contains(string(off), "a=crypto:2 AES_CM_128_HMAC_SHA1_32 inline:") {
		t.Fatalf("offer:\n%s", off)
	}
	// The far end answers as another SDPSession would.
	peer := NewSDPSession("peer")
	ans, _, err := peer.Answer(off, netip.MustParseAddrPort("127.0.0.1:50000"), nil)
	if err != nil {
		t.Fatal(err)
	}
	m, err := ReadAnswer(ans, nil)
	if err != nil {
		t.Fatal(err)
	}
	m, err = s.KeyAnswer(m, true, false)
	if err != nil || m.SRTP.Suite != SuiteAES128SHA1_80 || len(m.SRTP.RemoteKey) != SRTPKeyLen || len(m.SRTP.LocalKey) != SRTPKeyLen {
		t.Fatalf("KeyAnswer: %v %v", m.SRTP, err)
	}
	plain, _ := ReadAnswer(offerSDP("m=audio 5000 RTP/AVP 0"), nil)
	if _, err := s.KeyAnswer(plain, true, false); !errors.Is(err, ErrNotAcceptable) {
		t.Fatalf("required: plain answer taken (%v)", err)
	}
	if _, err := s.KeyAnswer(plain, true, true); err != nil {
		t.Fatalf("optional: plain answer refused: %v", err)
	}
	if _, err := s.KeyAnswer(m, false, true); !errors.Is(err, ErrNotAcceptable) {
		t.Fatalf("SRTP answer to a plain offer taken (%v)", err)
	}
	wrong, _ := ReadAnswer(offerSDP("m=audio 5000 RTP/SAVP 0", "a=crypto:1 AES_CM_128_HMAC_SHA1_32 inline:"+testKey), nil)
	if _, err := s.KeyAnswer(wrong, true, false); !errors.Is(err, ErrNotAcceptable) {
		t.Fatalf("answer with a tag/suite we did not offer taken (%v)", err)
	}
}

// FuzzParseCrypto: a=crypto values come from the far end.
func FuzzParseCrypto(f *testing.F) {
	for _, s := range []string{
		"1 AES_CM_128_HMAC_SHA1_80 inline:" + testKey,
		"1 AES_CM_128_HMAC_SHA1_32 inline:" + testKey + "|2^31|1:4",
		"1 AES_CM_128_HMAC_SHA1_80 inline:" + testKey + " KDR=1",
		"99999999999 X inline:", "1 AES_CM_128_HMAC_SHA1_80 inline:" + testKey + ";inline:x", "",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, v string) {
		c, err := ParseCrypto(v)
		if err != nil {
			if !errors.Is(err, ErrCrypto) {
				t.Fatalf("error not ErrCrypto: %v", err)
			}
			return
		}
		if len(c.Key) != SRTPKeyLen || !supportedSuite(c.Suite) || c.Tag < 0 {
			t.Fatalf("accepted %+v", c)
		}
		w := notAcceptableWarning(fmt.Errorf("%w: %w", ErrNotAcceptable, err))
		if strings.ContainsAny(w, "\r\n") {
			t.Fatal("warning has a line break")
		}
	})
}
