package voice

import (
	"net/netip"
	"strings"
	"testing"

	"github.com/switchboard/switchboard/sip"
)

// TestCallParamsCleanCallerData: trigger.call.* never carries a control
// character or a terminal escape from the caller's From, To or Call-ID,
// whatever built the sip.Call, and caller text is capped.
func TestCallParamsCleanCallerData(t *testing.T) {
	cases := []struct {
		name     string
		from, to sip.Party
		callID   string
		want     map[string]string
	}{
		{
			name:   "escapes stripped, text kept",
			from:   sip.Party{User: "+1555\x1b\x000100", Display: "\x1b[31mEvil\x07 Caller", Host: "127.0.0.1", URI: "sip:+1555\x1b\x000100@127.0.0.1"},
			to:     sip.Party{User: "alice\r\n", Host: "127.0.0.1", URI: "sip:alice\r\n@127.0.0.1"},
			callID: "abc\x1b[2J@host",
			want: map[string]string{"From": "+15550100", "Caller": "+15550100", "CallerName": "[31mEvil Caller",
				"To": "sip:alice@127.0.0.1", "SipCallId": "abc[2J@host"},
		},
		{
			name: "long display name capped",
			from: sip.Party{User: "100", Display: strings.Repeat("é", 500), Host: "h"},
			want: map[string]string{"From": "100", "CallerName": strings.Repeat("é", sip.MaxDisplayName)},
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			call := &sip.Call{ID: "CA00000000000000000000000000000001", CallID: c.callID, From: c.from, To: c.to,
				Source: netip.MustParseAddrPort("127.0.0.1:5060")}
			p := callParams("AC00000000000000000000000000000001", call)
			for k, want := range c.want {
				if got, _ := p[k].(string); got != want {
					t.Errorf("%s = %q, want %q", k, got, want)
				}
			}
			for k, v := range p {
				s, _ := v.(string)
				if strings.ContainsFunc(s, func(r rune) bool { return r < 0x20 || r == 0x7f }) {
					t.Errorf("%s = %q keeps a control character", k, s)
				}
			}
		})
	}
}
