package httpgw

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/switchboard/switchboard/app/sms"
	"github.com/switchboard/switchboard/app/sms/smstest"
)

// FuzzAndroidWebhook: any body parses to a message, a report, nothing, or
// an error; never a panic, never a message without a sender.
func FuzzAndroidWebhook(f *testing.F) {
	f.Add([]byte(`{"deviceId":"d","event":"sms:received","id":"e1","payload":{"message":"hi","phoneNumber":"+1555","receivedAt":"2024-06-22T15:46:11.000+07:00"}}`))
	f.Add([]byte(`{"event":"sms:failed","payload":{"messageId":"m","reason":"x","failedAt":"1796307441"}}`))
	f.Add([]byte(`{"event":"sms:sent","payload":null}`))
	f.Add([]byte(`{"event":"system:ping","payload":[1,2]}`))
	f.Add([]byte(`[]`))
	f.Fuzz(func(t *testing.T, body []byte) {
		c, err := parseAndroid(body, time.Unix(0, 0))
		if err != nil {
			return
		}
		if c.msg != nil && (c.msg.From == "" || c.msg.ProviderID == "") {
			t.Fatalf("a message without sender or id: %+v", c.msg)
		}
		if c.report != nil && (c.report.Ref == "" || c.report.Status == "") {
			t.Fatalf("a report without ref or status: %+v", c.report)
		}
	})
}

// FuzzCallback drives the Kannel and generic handlers with any query and
// body, authenticated: the answer is one of the documented codes.
func FuzzCallback(f *testing.F) {
	f.Add("mo", "from=%2B1555&text=%00h%D8%3D&coding=2&charset=UTF-16BE&ts=1&id=x", []byte(nil))
	f.Add("dlr", "ref=a&status=16&reply=NACK&ts=99999999999999", []byte(nil))
	f.Add("mo", "", []byte(`{"m":{"f":"+1","t":"x","id":7,"ts":"2024-06-22T15:46:11Z"}}`))
	f.Add("dlr", "", []byte(`{"r":{"id":"a","s":"OK"}}`))
	f.Add("mo", "from=1&text=%ff%fe", []byte("Body=%zz"))
	f.Fuzz(func(t *testing.T, route, query string, body []byte) {
		if !utf8.ValidString(route) || strings.ContainsAny(route, "?#% ") {
			return
		}
		sink := &smstest.Sink{}
		kg := newFuzzGateway(t, Settings{Preset: PresetKannel, BaseURL: "http://127.0.0.1:1", Username: "u", Password: "p", InboundSecret: "s"}, sink)
		gg := newFuzzGateway(t, Settings{Preset: PresetGeneric, InboundSecret: "s", Generic: &Generic{URL: "http://127.0.0.1:1/",
			Inbound: GenericInbound{Encoding: "json", From: "m.f", To: "m.t", ID: "m.id", Time: "m.ts", Ref: "r.id", Status: "r.s", StatusMap: map[string]string{"OK": "delivered"}}}}, sink)
		for _, g := range []*Gateway{kg, gg} {
			req := httptest.NewRequest(http.MethodPost, "/x", strings.NewReader(string(body)))
			req.URL.Path, req.URL.RawQuery = "/"+route, query
			req.SetBasicAuth("", "s")
			rec := httptest.NewRecorder()
			g.Inbound().ServeHTTP(rec, req)
			switch rec.Code {
			case 200, 400, 404, 413:
			default:
				t.Fatalf("%s /%s?%s: HTTP %d", g.set.Preset, route, query, rec.Code)
			}
		}
		for _, m := range sink.Messages() {
			if m.From == "" || m.ProviderID == "" || !utf8.ValidString(m.Body) {
				t.Fatalf("bad message %+v", m)
			}
		}
	})
}

func newFuzzGateway(t *testing.T, set Settings, sink *smstest.Sink) *Gateway {
	set.TimeoutSeconds, set.ProbeIntervalSeconds, set.SignatureMaxAgeSeconds, set.DLRMask = 15, 60, 900, 27
	if set.Generic != nil {
		set.Generic.Method, set.Generic.Encoding, set.Generic.Inbound.SignatureEncoding = "POST", "json", "hex"
	}
	if err := set.validate(); err != nil {
		t.Fatal(err)
	}
	return newGateway(fuzzConfig(), set, envWith(sink))
}

func fuzzConfig() sms.Config { return sms.Config{SID: "SGfuzz", Addresses: []string{"+15557654321"}} }

func envWith(s *smstest.Sink) sms.Env { return sms.Env{Sink: s} }
