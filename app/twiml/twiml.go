// Package twiml renders engine commands as TwiML, the XML that answers a
// Twilio webhook: messages (<Message>) for a messaging webhook, and voice
// verbs (<Say>, <Play>, <Gather>, <Record>, <Dial>, <Enqueue>, <Hangup>,
// <Redirect>, <Start><Stream>) for a voice webhook. Verbs that wait for the
// caller name an action URL, built by the caller of this package, that
// brings the result back.
package twiml

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/switchboard/switchboard/engine"
)

// ErrUnsupported is returned for a command that has no TwiML verb here (an
// outbound call, a message inside a call, a whole-call recording, a dial
// with nobody to call ...).
var ErrUnsupported = errors.New("twiml: no TwiML verb for this command")

// Header is the XML declaration every response starts with.
const Header = `<?xml version="1.0" encoding="UTF-8"?>`

// Callback events: what an action URL reports back. The webhook maps each to
// an engine input.
const (
	EventGather    = "gather"    // <Gather> action: Digits or SpeechResult
	EventTimeout   = "timeout"   // the verb after a <Gather> that got nothing
	EventRecord    = "record"    // <Record> action: RecordingUrl, RecordingDuration, Digits
	EventDial      = "dial"      // <Dial> action: DialCallStatus, DialCallDuration, DialCallSid
	EventQueue     = "queue"     // <Enqueue> action: QueueResult, QueueSid, QueueTime
	EventAudioDone = "audioDone" // prompts played; go on
	EventReturn    = "return"    // outside TwiML came back (Studio's FlowEvent=return)
	EventHangup    = "hangup"    // the call ended
)

// DefaultMethod is how callbacks are requested.
const DefaultMethod = "POST"

// ContentType is the content type of a TwiML answer.
const ContentType = "text/xml; charset=utf-8"

// Action returns the URL that reports an event back to the flow.
type Action func(event string) string

// Response builds one TwiML document.
type Response struct {
	b     bytes.Buffer
	verbs int
}

// Len is the number of verbs added so far.
func (r *Response) Len() int { return r.verbs }

// Bytes returns the document: an empty <Response/> when no verb was added.
func (r *Response) Bytes() []byte {
	if r.verbs == 0 {
		return []byte(Header + "<Response/>")
	}
	out := make([]byte, 0, len(Header)+r.b.Len()+len("<Response></Response>"))
	out = append(out, Header+"<Response>"...)
	out = append(out, r.b.Bytes()...)
	return append(out, "</Response>"...)
}

// String returns Bytes as a string.
func (r *Response) String() string { return string(r.Bytes()) }

// Message adds a <Message> reply to a messaging webhook.
func (r *Response) Message(m engine.Message) {
	r.verbs++
	r.open("Message", false, attr{k: "to", v: m.To}, attr{k: "from", v: m.From})
	if len(m.MediaURL) == 0 {
		r.text(m.Body)
	} else {
		r.element("Body", m.Body)
		for _, u := range m.MediaURL {
			r.element("Media", u)
		}
	}
	r.close("Message")
}

// Hangup adds <Hangup/>.
func (r *Response) Hangup() {
	r.verbs++
	r.open("Hangup", true)
}

// Redirect adds <Redirect> to url.
func (r *Response) Redirect(url, method string) {
	r.verbs++
	r.open("Redirect", false, attr{k: "method", v: orDefault(method, DefaultMethod)})
	r.text(url)
	r.close("Redirect")
}

// Voice adds the verbs for one voice command. Verbs that wait for the caller
// get action URLs from action. It returns ErrUnsupported (and adds nothing)
// for a command this package cannot express.
func (r *Response) Voice(c engine.Command, action Action) error {
	var tmp Response
	if err := tmp.voice(c, action); err != nil {
		return fmt.Errorf("%s (widget %q): %w", c.Verb(), c.WidgetName(), err)
	}
	r.b.Write(tmp.b.Bytes())
	r.verbs += tmp.verbs
	return nil
}

// voice lists every command type: those with no TwiML verb are
// ErrUnsupported; the default branch (engine.ErrUnknownCommand) is a bug
// that the package's tests catch for every type in enginetest.EveryCommand.
func (r *Response) voice(c engine.Command, action Action) error {
	switch c := c.(type) {
	case engine.Say, engine.Play, engine.Digits:
		return r.prompt(c.(engine.Prompt))
	case engine.Gather:
		return r.gather(&c, action)
	case engine.Record:
		return r.record(&c, action)
	case engine.Dial:
		return r.dial(&c, action)
	case engine.Enqueue:
		if c.Queue == "" {
			return ErrUnsupported
		}
		r.verbs++
		r.open("Enqueue", false, attr{k: "action", v: action(EventQueue)}, attr{k: "method", v: DefaultMethod},
			attr{k: "waitUrl", v: c.WaitURL}, attr{k: "waitUrlMethod", v: c.WaitMethod})
		r.text(c.Queue)
		r.close("Enqueue")
	case engine.Hangup:
		r.Hangup()
	case engine.Redirect:
		if c.URL == "" {
			return ErrUnsupported
		}
		r.Redirect(c.URL, c.Method)
	case engine.Stream:
		return r.stream(&c)
	case engine.Call, engine.Message, engine.RecordCall:
		return ErrUnsupported
	default:
		return fmt.Errorf("twiml: %w %T", engine.ErrUnknownCommand, c)
	}
	return nil
}

// prompt renders say, play and digits (also inside <Gather>).
func (r *Response) prompt(c engine.Prompt) error {
	loop := func(n int) string {
		if n > 1 {
			return strconv.Itoa(n)
		}
		return ""
	}
	switch c := c.(type) {
	case engine.Say:
		r.verbs++
		r.open("Say", false, attr{k: "voice", v: c.Voice}, attr{k: "language", v: c.Language}, attr{k: "loop", v: loop(c.Loop)})
		r.text(c.Text)
		r.close("Say")
	case engine.Play:
		if c.URL == "" {
			return ErrUnsupported
		}
		r.verbs++
		r.open("Play", false, attr{k: "loop", v: loop(c.Loop)})
		r.text(c.URL)
		r.close("Play")
	case engine.Digits:
		if c.Digits == "" {
			return ErrUnsupported
		}
		r.verbs++
		r.open("Play", true, attr{k: "digits", v: c.Digits})
	default:
		return fmt.Errorf("twiml: %w %T", engine.ErrUnknownCommand, c)
	}
	return nil
}

func (r *Response) gather(g *engine.Gather, action Action) error {
	if g == nil {
		return ErrUnsupported
	}
	var inner Response
	for _, p := range g.Prompts {
		if _, digits := p.(engine.Digits); digits { // <Gather> nests only <Say>, <Play> and <Pause>
			return ErrUnsupported
		}
		if err := inner.prompt(p); err != nil {
			return err
		}
	}
	numDigits, profanity := "", ""
	if g.NumDigits > 0 {
		numDigits = strconv.Itoa(g.NumDigits)
	}
	if !g.ProfanityFilter {
		profanity = "false"
	}
	r.verbs++
	r.open("Gather", false,
		attr{k: "input", v: strings.Join(g.Input, " ")},
		attr{k: "action", v: action(EventGather)},
		attr{k: "method", v: DefaultMethod},
		attr{k: "timeout", v: strconv.Itoa(g.Timeout)},
		attr{k: "finishOnKey", v: g.FinishOnKey, keep: true}, // "" turns the key off
		attr{k: "numDigits", v: numDigits},
		attr{k: "speechTimeout", v: g.SpeechTimeout},
		attr{k: "language", v: g.Language},
		attr{k: "hints", v: g.Hints},
		attr{k: "profanityFilter", v: profanity},
		attr{k: "speechModel", v: g.SpeechModel},
	)
	r.b.Write(inner.b.Bytes())
	r.close("Gather")
	// Twilio goes on to the next verb when the caller gives nothing.
	r.Redirect(action(EventTimeout), DefaultMethod)
	return nil
}

func (r *Response) record(rec *engine.Record, action Action) error {
	if rec == nil {
		return ErrUnsupported
	}
	maxLength, trim, transcribe := "", "do-not-trim", ""
	if rec.MaxLength > 0 {
		maxLength = strconv.Itoa(rec.MaxLength)
	}
	if rec.Trim {
		trim = "trim-silence"
	}
	if rec.Transcribe {
		transcribe = "true"
	}
	r.verbs++
	r.open("Record", true,
		attr{k: "action", v: action(EventRecord)},
		attr{k: "method", v: DefaultMethod},
		attr{k: "timeout", v: strconv.Itoa(rec.Timeout)},
		attr{k: "finishOnKey", v: rec.FinishOnKey},
		attr{k: "maxLength", v: maxLength},
		attr{k: "playBeep", v: strconv.FormatBool(rec.PlayBeep)},
		attr{k: "trim", v: trim},
		attr{k: "transcribe", v: transcribe},
		attr{k: "recordingStatusCallback", v: rec.StatusURL},
	)
	// Twilio skips the action when nothing was recorded and goes on.
	r.Redirect(action(EventRecord), DefaultMethod)
	return nil
}

func (r *Response) dial(d *engine.Dial, action Action) error {
	if d == nil || len(d.To) == 0 {
		return ErrUnsupported
	}
	noun := map[string]string{"number": "Number", "number-multi": "Number", "client": "Client", "sim": "Sim",
		"sip": "Sip", "conference": "Conference"}[d.Noun]
	if noun == "" {
		return ErrUnsupported
	}
	timeLimit, record := "", ""
	if d.TimeLimit > 0 {
		timeLimit = strconv.Itoa(d.TimeLimit)
	}
	if d.Record {
		record = "record-from-answer"
	}
	r.verbs++
	r.open("Dial", false,
		attr{k: "action", v: action(EventDial)},
		attr{k: "method", v: DefaultMethod},
		attr{k: "timeout", v: strconv.Itoa(d.Timeout)},
		attr{k: "callerId", v: d.CallerID},
		attr{k: "timeLimit", v: timeLimit},
		attr{k: "record", v: record},
	)
	for _, to := range d.To {
		switch noun {
		case "Sip":
			r.open(noun, false, attr{k: "username", v: d.SIPUser}, attr{k: "password", v: d.SIPPass})
			r.text(to)
			r.close(noun)
		case "Client":
			r.element(noun, strings.TrimPrefix(to, "client:"))
		default:
			r.element(noun, to)
		}
	}
	r.close("Dial")
	return nil
}

func (r *Response) stream(s *engine.Stream) error {
	if s == nil {
		return ErrUnsupported
	}
	switch s.Action {
	case "start":
		if s.URL == "" {
			return ErrUnsupported
		}
		r.verbs++
		r.open("Start", false)
		r.open("Stream", len(s.Params) == 0, attr{k: "name", v: s.Name}, attr{k: "url", v: s.URL}, attr{k: "track", v: s.Track})
		if len(s.Params) > 0 {
			for _, k := range slices.Sorted(maps.Keys(s.Params)) {
				r.open("Parameter", true, attr{k: "name", v: k}, attr{k: "value", v: s.Params[k]})
			}
			r.close("Stream")
		}
		r.close("Start")
	case "stop":
		if s.Name == "" {
			return ErrUnsupported
		}
		r.verbs++
		r.open("Stop", false)
		r.open("Stream", true, attr{k: "name", v: s.Name})
		r.close("Stop")
	default:
		return ErrUnsupported
	}
	return nil
}

// attr is an XML attribute; empty ones are left out unless keep is set.
type attr struct {
	k, v string
	keep bool
}

func (r *Response) open(name string, selfClose bool, attrs ...attr) {
	r.b.WriteByte('<')
	r.b.WriteString(name)
	for _, a := range attrs {
		if a.v == "" && !a.keep {
			continue
		}
		r.b.WriteByte(' ')
		r.b.WriteString(a.k)
		r.b.WriteString(`="`)
		r.text(a.v)
		r.b.WriteByte('"')
	}
	if selfClose {
		r.b.WriteString("/>")
		return
	}
	r.b.WriteByte('>')
}

func (r *Response) close(name string) {
	r.b.WriteString("</")
	r.b.WriteString(name)
	r.b.WriteByte('>')
}

func (r *Response) element(name, text string) {
	r.open(name, false)
	r.text(text)
	r.close(name)
}

// text escapes character data and attribute values (quotes included);
// characters XML cannot hold become U+FFFD.
func (r *Response) text(s string) { _ = xml.EscapeText(&r.b, []byte(s)) }

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}
