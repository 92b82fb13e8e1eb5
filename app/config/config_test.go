package config

import (
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestValidate(t *testing.T) {
	cases := []struct {
		name string
		cfg  Config
		ok   bool
	}{
		{"defaults", Default(), true},
		{"ephemeral port", Config{DataDir: "d", HTTPAddr: "127.0.0.1:0", SIPAddr: "[::1]:5070"}, true},
		{"no data dir", Config{HTTPAddr: "127.0.0.1:1", SIPAddr: "127.0.0.1:2"}, false},
		{"no port", Config{DataDir: "d", HTTPAddr: "127.0.0.1", SIPAddr: "127.0.0.1:2"}, false},
		{"hostname", Config{DataDir: "d", HTTPAddr: "example.org:80", SIPAddr: "127.0.0.1:2"}, false},
		{"port range", Config{DataDir: "d", HTTPAddr: "127.0.0.1:70000", SIPAddr: "127.0.0.1:2"}, false},
		{"keep forever", Config{DataDir: "d", HTTPAddr: "127.0.0.1:1", SIPAddr: "127.0.0.1:2", RetentionDays: 0}, true},
		{"event sinks", Config{DataDir: "d", HTTPAddr: "127.0.0.1:1", SIPAddr: "127.0.0.1:2", EventSinks: []string{"http://127.0.0.1:9/e", "https://u:p@example.org/hook?t=1"}}, true},
		{"event sink not http", Config{DataDir: "d", HTTPAddr: "127.0.0.1:1", SIPAddr: "127.0.0.1:2", EventSinks: []string{"ftp://example.org/"}}, false},
		{"event sink relative", Config{DataDir: "d", HTTPAddr: "127.0.0.1:1", SIPAddr: "127.0.0.1:2", EventSinks: []string{"/events"}}, false},
		{"public url", Config{DataDir: "d", HTTPAddr: "127.0.0.1:1", SIPAddr: "127.0.0.1:2", PublicURL: "https://ivr.example.com"}, true},
		{"public url with a path", Config{DataDir: "d", HTTPAddr: "127.0.0.1:1", SIPAddr: "127.0.0.1:2", PublicURL: "https://ivr.example.com/x"}, false},
		{"sip user", Config{DataDir: "d", HTTPAddr: "127.0.0.1:1", SIPAddr: "127.0.0.1:2", SIPUsers: []string{"desk1:longsecret"}}, true},
		{"sip user without password", Config{DataDir: "d", HTTPAddr: "127.0.0.1:1", SIPAddr: "127.0.0.1:2", SIPUsers: []string{"desk1"}}, false},
		{"bad rtp ports", Config{DataDir: "d", HTTPAddr: "127.0.0.1:1", SIPAddr: "127.0.0.1:2", RTPPorts: "5-6"}, false},
		{"bad sip allow", Config{DataDir: "d", HTTPAddr: "127.0.0.1:1", SIPAddr: "127.0.0.1:2", SIPAllow: []string{"10.0.0.1"}}, false},
		{"trunk", Config{DataDir: "d", HTTPAddr: "127.0.0.1:1", SIPAddr: "127.0.0.1:2", Trunks: []string{"sip://u:p@127.0.0.1:5070?name=t1&expires=120"}}, true},
		{"bad trunk", Config{DataDir: "d", HTTPAddr: "127.0.0.1:1", SIPAddr: "127.0.0.1:2", Trunks: []string{"http://u:p@x"}}, false},
		{"retention from the end", Config{DataDir: "d", HTTPAddr: "127.0.0.1:1", SIPAddr: "127.0.0.1:2", RetentionBasis: "ended"}, true},
		{"bad retention basis", Config{DataDir: "d", HTTPAddr: "127.0.0.1:1", SIPAddr: "127.0.0.1:2", RetentionBasis: "finished"}, false},
		{"sip tls", Config{DataDir: "d", HTTPAddr: "127.0.0.1:1", SIPAddr: "127.0.0.1:2", SIPTLSListen: "5061", SIPTLSCert: "c.pem", SIPTLSKey: "k.pem"}, true},
		{"sip tls without key", Config{DataDir: "d", HTTPAddr: "127.0.0.1:1", SIPAddr: "127.0.0.1:2", SIPTLSListen: "5061", SIPTLSCert: "c.pem"}, false},
		{"sip tls cert without listener", Config{DataDir: "d", HTTPAddr: "127.0.0.1:1", SIPAddr: "127.0.0.1:2", SIPTLSCert: "c.pem", SIPTLSKey: "k.pem"}, false},
		{"sip tls hostname", Config{DataDir: "d", HTTPAddr: "127.0.0.1:1", SIPAddr: "127.0.0.1:2", SIPTLSListen: "example.org:5061", SIPTLSCert: "c", SIPTLSKey: "k"}, false},
		{"sip tls port 0", Config{DataDir: "d", HTTPAddr: "127.0.0.1:1", SIPAddr: "127.0.0.1:2", SIPTLSListen: ":0", SIPTLSCert: "c", SIPTLSKey: "k"}, false},
		{"negative retention", Config{DataDir: "d", HTTPAddr: "127.0.0.1:1", SIPAddr: "127.0.0.1:2", RetentionDays: -1}, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := c.cfg.Validate()
			if c.ok {
				require.NoError(t, err)
			} else {
				require.True(t, errors.Is(err, ErrInvalid), "%v", err)
			}
		})
	}
}

// The TLS listener is on loopback unless a host is named.
func TestSIPTLSAddr(t *testing.T) {
	for in, want := range map[string]string{"": "", "5061": "127.0.0.1:5061", ":5061": "127.0.0.1:5061",
		"0.0.0.0:5061": "0.0.0.0:5061", "[::1]:5062": "[::1]:5062"} {
		require.Equal(t, want, Config{SIPTLSListen: in}.SIPTLSAddr(), in)
	}
}

func TestLoopback(t *testing.T) {
	require.True(t, Loopback("127.0.0.1:8080"))
	require.True(t, Loopback("[::1]:8080"))
	require.True(t, Loopback("localhost:8080"))
	require.False(t, Loopback("0.0.0.0:8080"))
	require.False(t, Loopback(":8080"))
}

func TestParseTrunk(t *testing.T) {
	tr, err := ParseTrunk("sip:alice:s3cret@pbx.example.com?name=main&expires=300&domain=example.com")
	require.NoError(t, err)
	require.Equal(t, TrunkSpec{Name: "main", Registrar: "pbx.example.com:5060", Username: "alice", Password: "s3cret",
		Domain: "example.com", Expires: 300 * time.Second}, tr)
	_, err = ParseTrunk("sip://alice:s3cret@pbx.example.com?expires=5")
	require.Error(t, err)
	require.NotContains(t, err.Error(), "s3cret", "errors never show the password")
	_, err = ParseTrunk("sip://pbx.example.com")
	require.Error(t, err)
}
