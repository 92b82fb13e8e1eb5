package twiml

import (
	"encoding/xml"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/switchboard/switchboard/engine"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

func action(event string) string {
	return "https://sb.example.com/v1/Accounts/AC1/Flows/FW1?FlowEvent=" + event
}

func TestGolden(t *testing.T) {
	tests := []struct {
		name  string
		build func(r *Response) error
	}{
		{"empty", func(r *Response) error { return nil }},
		{"message", func(r *Response) error {
			r.Message(engine.Message{To: "+15550001111", From: "+15550002222", Body: `Rate us <1-5> & "thanks"`})
			return nil
		}},
		{"message-media", func(r *Response) error {
			r.Message(engine.Message{To: "+1", From: "+2", Body: "look", MediaURL: []string{"https://x/a.png?b=1&c=2"}})
			return nil
		}},
		{"say-play-digits", func(r *Response) error {
			return errors.Join(
				r.Voice(engine.Say{Text: "Hello & welcome", Voice: "Polly.Joanna", Language: "en-US", Loop: 1}, action),
				r.Voice(engine.Play{URL: "https://x/hold.mp3", Loop: 3}, action),
				r.Voice(engine.Digits{Digits: "ww123#"}, action),
			)
		}},
		{"gather", func(r *Response) error {
			return r.Voice(engine.Gather{
				Prompts: []engine.Prompt{engine.Say{Text: "Press 1 for sales", Language: "en-US"}},
				Input:   []string{"dtmf", "speech"}, Timeout: 5, FinishOnKey: "#", NumDigits: 1,
				SpeechTimeout: "auto", Language: "en-US", Hints: "sales, support", ProfanityFilter: true,
			}, action)
		}},
		{"gather-no-finish-key", func(r *Response) error {
			return r.Voice(engine.Gather{
				Prompts: []engine.Prompt{engine.Play{URL: "https://x/menu.wav"}},
				Input:   []string{"dtmf"}, Timeout: 3, SpeechModel: "phone_call",
			}, action)
		}},
		{"record", func(r *Response) error {
			return r.Voice(engine.Record{
				Timeout: 5, FinishOnKey: "#", MaxLength: 3600, PlayBeep: true, Trim: true, Transcribe: true,
				StatusURL: "https://x/status"}, action)
		}},
		{"dial-number-multi", func(r *Response) error {
			return r.Voice(engine.Dial{
				Noun: "number-multi", To: []string{"+15550003333", "+15550004444"}, CallerID: "+15550002222",
				Timeout: 30, TimeLimit: 600, Record: true}, action)
		}},
		{"dial-sip", func(r *Response) error {
			return r.Voice(engine.Dial{
				Noun: "sip", To: []string{"sip:alice@pbx.local"}, Timeout: 20, SIPUser: "alice", SIPPass: "s3<cret"}, action)
		}},
		{"dial-client-conference", func(r *Response) error {
			return errors.Join(
				r.Voice(engine.Dial{Noun: "client", To: []string{"client:bob"}, Timeout: 10}, action),
				r.Voice(engine.Dial{Noun: "conference", To: []string{"room 1"}, Timeout: 10}, action),
			)
		}},
		{"enqueue", func(r *Response) error {
			return r.Voice(engine.Enqueue{Queue: "support", WaitURL: "https://x/wait"}, action)
		}},
		{"redirect-hangup", func(r *Response) error {
			return errors.Join(
				r.Voice(engine.Redirect{URL: "https://x/twiml?a=1&b=2", Method: "GET"}, action),
				r.Voice(engine.Hangup{}, action),
			)
		}},
		{"stream", func(r *Response) error {
			return errors.Join(
				r.Voice(engine.Stream{Action: "start", Name: "s1", URL: "wss://x/s",
					Track: "both_tracks", Params: map[string]string{"b": "2", "a": "1"}}, action),
				r.Voice(engine.Stream{Action: "stop", Name: "s1"}, action),
			)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var r Response
			require.NoError(t, tt.build(&r))
			got := r.Bytes()
			requireWellFormed(t, got)
			path := filepath.Join("testdata", tt.name+".xml")
			if *update {
				require.NoError(t, os.MkdirAll("testdata", 0o755))
				require.NoError(t, os.WriteFile(path, append(got, '\n'), 0o644))
			}
			want, err := os.ReadFile(path)
			require.NoError(t, err, "run go test -update to create %s", path)
			require.Equal(t, strings.TrimSuffix(string(want), "\n"), string(got))
		})
	}
}

func TestUnsupported(t *testing.T) {
	tests := []struct {
		name string
		cmd  engine.Command
	}{
		{"outbound call", engine.Call{To: "+1"}},
		{"message in a call", engine.Message{To: "+1"}},
		{"record call", engine.RecordCall{Start: true}},
		{"dial nobody", engine.Dial{Noun: "number"}},
		{"dial unknown noun", engine.Dial{Noun: "fax", To: []string{"x"}}},
		{"gather with digits prompt", engine.Gather{
			Prompts: []engine.Prompt{engine.Digits{Digits: "1"}}}},
		{"play without url", engine.Play{}},
		{"enqueue without queue", engine.Enqueue{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var r Response
			err := r.Voice(tt.cmd, action)
			require.ErrorIs(t, err, ErrUnsupported)
			require.Zero(t, r.Len())
			require.Equal(t, Header+"<Response/>", r.String())
		})
	}
}

// requireWellFormed parses the document with encoding/xml.
func requireWellFormed(t *testing.T, doc []byte) {
	t.Helper()
	d := xml.NewDecoder(strings.NewReader(string(doc)))
	for {
		_, err := d.Token()
		if err != nil {
			require.ErrorContains(t, err, "EOF")
			return
		}
	}
}

func FuzzMessage(f *testing.F) {
	f.Add("+1", "+2", "hello <&> \"'")
	f.Add("", "", "\x00\xff\u2028")
	f.Fuzz(func(t *testing.T, to, from, body string) {
		var r Response
		r.Message(engine.Message{To: to, From: from, Body: body})
		type msg struct {
			To   string `xml:"to,attr"`
			From string `xml:"from,attr"`
			Body string `xml:",chardata"`
		}
		var doc struct {
			Messages []msg `xml:"Message"`
		}
		if err := xml.Unmarshal(r.Bytes(), &doc); err != nil {
			t.Fatalf("not XML: %v\n%s", err, r.Bytes())
		}
		if len(doc.Messages) != 1 {
			t.Fatalf("want one message: %s", r.Bytes())
		}
	})
}
