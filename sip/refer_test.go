package sip

import (
	"strings"
	"testing"
)

// ours treats 127.0.0.1 on port 5060 (or no port) as this server.
func ours(host string, port int) bool { return host == "127.0.0.1" && (port == 0 || port == 5060) }

func TestParseReferTo(t *testing.T) {
	for _, tc := range []struct {
		name, in, target, uri string
		status                int
	}{
		{"desk phone on us", "<sip:desk2@127.0.0.1:5060>", "desk2", "sip:desk2@127.0.0.1:5060", 0},
		{"number on us, no brackets", "sip:+15550002222@127.0.0.1", "+15550002222", "sip:+15550002222@127.0.0.1", 0},
		{"display name", `"Desk Two" <sip:desk2@127.0.0.1>`, "desk2", "sip:desk2@127.0.0.1", 0},
		{"elsewhere", "<sip:alice@pbx.example.com:5080;transport=tcp>", "sip:alice@pbx.example.com:5080;transport=tcp", "sip:alice@pbx.example.com:5080;transport=tcp", 0},
		{"other port is elsewhere", "<sip:bob@127.0.0.1:5070>", "sip:bob@127.0.0.1:5070", "sip:bob@127.0.0.1:5070", 0},
		{"uri params dropped", "<sip:desk2@127.0.0.1;user=phone>", "desk2", "sip:desk2@127.0.0.1", 0},
		{"empty", "", "", "", 400},
		{"no scheme", "desk2", "", "", 400},
		{"tel", "<tel:+15550002222>", "", "", 403},
		{"sips", "<sips:desk2@127.0.0.1>", "", "", 403},
		{"http", "<http://example.com/>", "", "", 403},
		{"unbalanced", "<sip:desk2@127.0.0.1", "", "", 400},
		{"attended", "<sip:desk2@127.0.0.1?Replaces=abc%40h%3Bto-tag%3D1%3Bfrom-tag%3D2>", "", "", 403},
		{"injection in user", "<sip:desk2%0d%0aVia:x@127.0.0.1>", "", "", 403},
		{"no user on us", "<sip:127.0.0.1>", "", "", 403},
		{"bad host", "<sip:a@exa mple.com>", "", "", 403},
		{"too long", "<sip:" + strings.Repeat("1", 600) + "@127.0.0.1>", "", "", 400},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, status, err := parseReferTo(tc.in, ours)
			if tc.status != 0 {
				if err == nil || status != tc.status {
					t.Fatalf("parseReferTo(%q) = %+v, %d, %v; want status %d", tc.in, got, status, err, tc.status)
				}
				return
			}
			if err != nil || got.Target != tc.target || got.URI != tc.uri {
				t.Fatalf("parseReferTo(%q) = %+v, %d, %v; want target %q uri %q", tc.in, got, status, err, tc.target, tc.uri)
			}
		})
	}
}

// FuzzParseReferTo: whatever a phone puts in Refer-To, the parser does
// not panic, and what it accepts is a sip: URI we can put on the wire.
func FuzzParseReferTo(f *testing.F) {
	for _, s := range []string{"<sip:desk2@127.0.0.1:5060>", `"x" <sip:+1@h;transport=tcp>;p=1`, "sip:a@b?Replaces=x", "<tel:+1>", "<sip:[::1]:5060>", "<", "sip:"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		got, status, err := parseReferTo(in, ours)
		if err != nil {
			if status != 400 && status != 403 {
				t.Fatalf("status %d for %q", status, in)
			}
			return
		}
		if !strings.HasPrefix(got.URI, "sip:") || SanitizeHeaderValue(got.URI) != got.URI || strings.ContainsAny(got.URI, " <>\"\r\n") {
			t.Fatalf("accepted %q as %q", in, got.URI)
		}
		if got.Target != got.URI && got.Target != got.User {
			t.Fatalf("target %q is neither the URI nor the user", got.Target)
		}
	})
}
