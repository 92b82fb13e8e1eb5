package config

import (
	"errors"
	"testing"

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

func TestLoopback(t *testing.T) {
	require.True(t, Loopback("127.0.0.1:8080"))
	require.True(t, Loopback("[::1]:8080"))
	require.True(t, Loopback("localhost:8080"))
	require.False(t, Loopback("0.0.0.0:8080"))
	require.False(t, Loopback(":8080"))
}
