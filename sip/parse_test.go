package sip

import (
	"testing"
	"time"

	gosip "github.com/emiago/sipgo/sip"
)

func TestParseDTMFInfo(t *testing.T) {
	cases := []struct {
		ct, body string
		want     byte
		ok       bool
	}{
		{"application/dtmf-relay", "Signal=5\r\nDuration=160\r\n", '5', true},
		{"application/dtmf-relay", "Signal= *\nDuration=100", '*', true},
		{"application/dtmf-relay", "signal=11\r\n", '#', true},
		{"application/dtmf-relay", "Duration=160", 0, false},
		{"application/dtmf", "#", '#', true},
		{"application/dtmf", "d", 'D', true},
		{"application/dtmf", "10", '*', true},
		{"application/dtmf", "x", 0, false},
		{"application/dtmf", "16", 0, false},
	}
	for _, c := range cases {
		got, ok := ParseDTMFInfo(c.ct, []byte(c.body))
		if got != c.want || ok != c.ok {
			t.Errorf("ParseDTMFInfo(%q, %q) = %q %v, want %q %v", c.ct, c.body, got, ok, c.want, c.ok)
		}
	}
}

func TestGrantedExpiry(t *testing.T) {
	ours := gosip.Uri{Scheme: "sip", User: "ivr", Host: "127.0.0.1", Port: 5062}
	mk := func(hdrs ...[2]string) *gosip.Response {
		r := gosip.NewResponse(200, "OK")
		for _, h := range hdrs {
			r.AppendHeader(gosip.NewHeader(h[0], h[1]))
		}
		return r
	}
	cases := []struct {
		name string
		res  *gosip.Response
		want time.Duration
	}{
		{"contact expires wins", mk([2]string{"Contact", "<sip:other@1.2.3.4>;expires=30, <sip:ivr@127.0.0.1:5062>;expires=60"}, [2]string{"Expires", "90"}), 60 * time.Second},
		{"expires header", mk([2]string{"Contact", "<sip:other@1.2.3.4>;expires=30"}, [2]string{"Expires", "90"}), 90 * time.Second},
		{"asked", mk(), 120 * time.Second},
	}
	for _, c := range cases {
		if got := grantedExpiry(c.res, ours, 120*time.Second); got != c.want {
			t.Errorf("%s: %v, want %v", c.name, got, c.want)
		}
	}
	if got := splitContacts(`"a,b" <sip:x@y>;q=1, <sip:z@w>`); len(got) != 2 {
		t.Errorf("splitContacts = %q", got)
	}
}

func TestCallSID(t *testing.T) {
	a, b := CallSID("abc@host"), CallSID("abc@host")
	if a != b || len(a) != 34 || a[:2] != "CA" || CallSID("other") == a {
		t.Fatalf("CallSID = %q", a)
	}
}
