package twiml

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// The samples are shaped after the examples of Twilio's TwiML reference
// (<Say>, <Play>, <Gather>, <Record>, <Redirect>, <Pause>, <Hangup>).
func TestParse(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want []Verb
	}{
		{"empty", `<?xml version="1.0" encoding="UTF-8"?><Response/>`, nil},
		{"say defaults", `<Response><Say>Hello!</Say></Response>`, []Verb{Say{Text: "Hello!", Loop: 1}}},
		{"say voice language loop", `<?xml version="1.0" encoding="UTF-8"?>
<Response>
    <Say voice="woman" language="fr-FR" loop="2">Bonjour!</Say>
</Response>`, []Verb{Say{Text: "Bonjour!", Voice: "woman", Language: "fr-FR", Loop: 2}}},
		{"say loop 0 is forever", `<Response><Say loop="0">Hi</Say></Response>`, []Verb{Say{Text: "Hi", Loop: LoopForever}}},
		{"say ssml", `<Response><Say voice="Polly.Joanna">Hi <break strength="x-weak" time="100ms"/> <emphasis level="moderate">there</emphasis>, <say-as interpret-as="spell-out">ab</say-as> <amazon:effect name="whispered">psst</amazon:effect></Say></Response>`,
			[]Verb{Say{Text: "Hi there, ab psst", Voice: "Polly.Joanna", Loop: 1}}},
		{"say entities", `<Response><Say>Tom &amp; Jerry &lt;3 &#233;</Say></Response>`, []Verb{Say{Text: "Tom & Jerry <3 é", Loop: 1}}},
		{"play", `<Response><Play loop="10">https://api.twilio.com/cowbell.mp3</Play></Response>`,
			[]Verb{Play{URL: "https://api.twilio.com/cowbell.mp3", Loop: 10}}},
		{"play digits", `<Response><Play digits="wwww3"></Play></Response>`, []Verb{Play{Digits: "wwww3", Loop: 1}}},
		{"pause", `<?xml version="1.0" encoding="UTF-8"?>
<Response>
    <Say>I will pause 10 seconds starting now!</Say>
    <Pause length="10"/>
    <Say>I just paused 10 seconds</Say>
</Response>`, []Verb{Say{Text: "I will pause 10 seconds starting now!", Loop: 1}, Pause{Length: 10}, Say{Text: "I just paused 10 seconds", Loop: 1}}},
		{"pause default", `<Response><Pause/></Response>`, []Verb{Pause{Length: 1}}},
		{"gather default", `<Response><Gather/></Response>`,
			[]Verb{Gather{Input: []string{"dtmf"}, Method: "POST", Timeout: 5, FinishOnKey: "#"}}},
		{"gather nested then say", `<?xml version="1.0" encoding="UTF-8"?>
<Response>
    <Gather action="/process_gather.php" method="GET" numDigits="1" timeout="3" finishOnKey="">
        <Say>Please enter your account number, followed by the pound sign</Say>
        <Pause length="2"/>
        <Play>https://x/menu.wav</Play>
    </Gather>
    <Say>We didn't receive any input. Goodbye!</Say>
</Response>`, []Verb{
			Gather{Input: []string{"dtmf"}, Action: "/process_gather.php", Method: "GET", Timeout: 3, NumDigits: 1, FinishOnKey: "",
				Nested: []Verb{Say{Text: "Please enter your account number, followed by the pound sign", Loop: 1}, Pause{Length: 2}, Play{URL: "https://x/menu.wav", Loop: 1}}},
			Say{Text: "We didn't receive any input. Goodbye!", Loop: 1}}},
		{"gather speech", `<Response><Gather input="speech dtmf" actionOnEmptyResult="true" hints="this, that" speechTimeout="auto" action="/completed"/></Response>`,
			[]Verb{Gather{Input: []string{"speech", "dtmf"}, Action: "/completed", Method: "POST", Timeout: 5, FinishOnKey: "#", ActionOnEmptyResult: true}}},
		{"record", `<?xml version="1.0" encoding="UTF-8"?>
<Response>
    <Say>Please leave a message at the beep. Press the star key when finished.</Say>
    <Record action="http://foo.edu/handleRecording.php" method="GET" maxLength="20" finishOnKey="*"/>
    <Say>I did not receive a recording</Say>
</Response>`, []Verb{Say{Text: "Please leave a message at the beep. Press the star key when finished.", Loop: 1},
			Record{Action: "http://foo.edu/handleRecording.php", Method: "GET", Timeout: 5, FinishOnKey: "*", MaxLength: 20, PlayBeep: true, Trim: true},
			Say{Text: "I did not receive a recording", Loop: 1}}},
		{"record defaults", `<Response><Record playBeep="false" trim="do-not-trim" timeout="10" transcribe="true"/></Response>`,
			[]Verb{Record{Method: "POST", Timeout: 10, FinishOnKey: "1234567890*#", MaxLength: 3600}}},
		{"redirect", `<?xml version="1.0" encoding="UTF-8"?>
<Response>
    <Redirect method="POST">http://pigeons.com/twiml.xml</Redirect>
</Response>`, []Verb{Redirect{URL: "http://pigeons.com/twiml.xml", Method: "POST"}}},
		{"redirect relative get", `<Response><Redirect method="get">../nextInstructions</Redirect></Response>`,
			[]Verb{Redirect{URL: "../nextInstructions", Method: "GET"}}},
		{"redirect back to studio", `<Response><Redirect>https://webhooks.twilio.com/v1/Accounts/AC123/Flows/FW123?FlowEvent=return&amp;foo=bar</Redirect></Response>`,
			[]Verb{Redirect{URL: "https://webhooks.twilio.com/v1/Accounts/AC123/Flows/FW123?FlowEvent=return&foo=bar", Method: "POST"}}},
		{"hangup", `<Response><Say>Bye</Say><Hangup/></Response>`, []Verb{Say{Text: "Bye", Loop: 1}, Hangup{}}},
		{"dial and friends", `<Response><Dial callerId="+1555"><Number sendDigits="wwww1928">415-123-4567</Number><Sip>sip:a@b</Sip></Dial><Enqueue waitUrl="/w">support</Enqueue><Connect><Stream url="wss://x"/></Connect><Reject reason="busy"/></Response>`,
			[]Verb{Unsupported{Verb: "Dial"}, Unsupported{Verb: "Enqueue"}, Unsupported{Verb: "Connect"}, Unsupported{Verb: "Reject"}}},
		{"comments and whitespace", "\n<!-- hi -->\n<Response>\n<!-- a -->\n<Hangup></Hangup>\n</Response>\n<!-- bye -->\n", []Verb{Hangup{}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			doc, err := Parse([]byte(tt.in))
			require.NoError(t, err)
			require.Equal(t, tt.want, doc.Verbs)
		})
	}
}

func TestParseRejects(t *testing.T) {
	deep := "<Response><Dial>" + strings.Repeat("<a>", 10) + strings.Repeat("</a>", 10) + "</Dial></Response>"
	many := "<Response>" + strings.Repeat("<Pause/>", maxElements) + "</Response>"
	tests := []struct {
		name string
		in   string
		want error
	}{
		{"empty body", ``, ErrNotTwiML},
		{"html", `<html><body>Internal Server Error</body></html>`, ErrNotTwiML},
		{"json", `{"twiml": "<Response/>"}`, ErrNotTwiML},
		{"plain text", `Hello`, ErrNotTwiML},
		{"unclosed", `<Response><Say>Hi</Response>`, ErrNotTwiML},
		{"truncated", `<Response><Say>Hi`, ErrNotTwiML},
		{"two roots", `<Response/><Response/>`, ErrNotTwiML},
		{"doctype", `<!DOCTYPE Response [<!ENTITY x "y">]><Response/>`, ErrNotTwiML},
		{"unknown entity", `<Response><Say>&x;</Say></Response>`, ErrNotTwiML},
		{"latin1", `<?xml version="1.0" encoding="ISO-8859-1"?><Response/>`, ErrNotTwiML},
		{"lowercase verb", `<Response><say>Hi</say></Response>`, ErrSchema},
		{"unknown verb", `<Response><Speak>Hi</Speak></Response>`, ErrSchema},
		{"text between verbs", `<Response>Hello<Hangup/></Response>`, ErrSchema},
		{"dial in gather", `<Response><Gather><Dial>1</Dial></Gather></Response>`, ErrSchema},
		{"gather in gather", `<Response><Gather><Gather/></Gather></Response>`, ErrSchema},
		{"element in play", `<Response><Play><b/>x</Play></Response>`, ErrSchema},
		{"not ssml in say", `<Response><Say><script/>x</Say></Response>`, ErrSchema},
		{"text in hangup", `<Response><Hangup>now</Hangup></Response>`, ErrSchema},
		{"bad loop", `<Response><Say loop="-1">x</Say></Response>`, ErrSchema},
		{"bad length", `<Response><Pause length="ten"/></Response>`, ErrSchema},
		{"bad method", `<Response><Redirect method="PUT">/x</Redirect></Response>`, ErrSchema},
		{"redirect without url", `<Response><Redirect/></Response>`, ErrSchema},
		{"play without url", `<Response><Play/></Response>`, ErrSchema},
		{"bad digits", `<Response><Play digits="12a"/></Response>`, ErrSchema},
		{"bad numDigits", `<Response><Gather numDigits="0"/></Response>`, ErrSchema},
		{"bad finishOnKey", `<Response><Gather finishOnKey="##"/></Response>`, ErrSchema},
		{"bad input", `<Response><Gather input="dtmf video"/></Response>`, ErrSchema},
		{"bad trim", `<Response><Record trim="yes"/></Response>`, ErrSchema},
		{"namespaced verb", `<Response><x:Say xmlns:x="urn:x">Hi</x:Say></Response>`, ErrSchema},
		{"too deep", deep, ErrSchema},
		{"too many", many, ErrSchema},
		{"long attribute", `<Response><Say voice="` + strings.Repeat("v", maxAttrLen+1) + `">x</Say></Response>`, ErrSchema},
		{"many attributes", `<Response><Hangup` + manyAttrs(maxAttrs+1) + `/></Response>`, ErrSchema},
		{"long text", `<Response><Say>` + strings.Repeat("a", maxText+1) + `</Say></Response>`, ErrSchema},
		{"too large", `<Response><Say>` + strings.Repeat("a", MaxDocument) + `</Say></Response>`, ErrTooLarge},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			doc, err := Parse([]byte(tt.in))
			require.Nil(t, doc)
			require.ErrorIs(t, err, tt.want, "%v", err)
		})
	}
}

func manyAttrs(n int) string {
	var b strings.Builder
	for i := 0; i < n; i++ {
		b.WriteString(" a")
		b.WriteString(strings.Repeat("x", i))
		b.WriteString(`="1"`)
	}
	return b.String()
}

// TestParseRendered: what this package renders for webhooks parses back.
func TestParseRendered(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("testdata", "*.xml"))
	require.NoError(t, err)
	require.NotEmpty(t, files)
	for _, f := range files {
		b, err := os.ReadFile(f)
		require.NoError(t, err)
		_, err = Parse(b)
		require.NoError(t, err, f)
	}
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{
		`<Response/>`,
		`<Response><Say voice="alice" loop="2">Hi <break/> there</Say><Pause length="1"/><Hangup/></Response>`,
		`<Response><Gather numDigits="1" action="/a" method="GET"><Say>Press</Say><Play>/x.wav</Play></Gather><Redirect>/b</Redirect></Response>`,
		`<Response><Record maxLength="20" finishOnKey="*"/><Dial><Number>1</Number></Dial></Response>`,
		`<?xml version="1.0"?><!-- c --><Response><Play digits="ww1"/></Response>`,
	} {
		f.Add([]byte(s))
	}
	if files, _ := filepath.Glob(filepath.Join("testdata", "*.xml")); len(files) > 0 {
		for _, fn := range files {
			if b, err := os.ReadFile(fn); err == nil {
				f.Add(b)
			}
		}
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		doc, err := Parse(b)
		if err != nil {
			if !errors.Is(err, ErrNotTwiML) && !errors.Is(err, ErrSchema) && !errors.Is(err, ErrTooLarge) {
				t.Fatalf("unclassified error %v", err)
			}
			return
		}
		n := 0
		var check func(vs []Verb, inGather bool)
		check = func(vs []Verb, inGather bool) {
			for _, v := range vs {
				n++
				switch v := v.(type) {
				case Say:
					if v.Loop < 1 || len(v.Text) > maxText {
						t.Fatalf("say %+v", v)
					}
				case Play:
					if v.Loop < 1 || (v.URL == "" && v.Digits == "") {
						t.Fatalf("play %+v", v)
					}
				case Pause:
					if v.Length < 0 || v.Length > maxPause {
						t.Fatalf("pause %+v", v)
					}
				case Gather:
					if inGather || (v.Method != "GET" && v.Method != "POST") || len(v.FinishOnKey) > 1 {
						t.Fatalf("gather %+v", v)
					}
					check(v.Nested, true)
				case Redirect:
					if inGather || v.URL == "" || (v.Method != "GET" && v.Method != "POST") {
						t.Fatalf("redirect %+v", v)
					}
				case Record:
					if inGather || v.MaxLength < 1 {
						t.Fatalf("record %+v", v)
					}
				case Hangup, Unsupported:
					if inGather {
						t.Fatalf("%s in gather", v.Name())
					}
				default:
					t.Fatalf("verb %T", v)
				}
			}
		}
		check(doc.Verbs, false)
		if n > maxElements {
			t.Fatalf("%d verbs", n)
		}
	})
}
