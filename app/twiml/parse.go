package twiml

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// Parse reads a voice TwiML document fetched from outside (the
// add-twiml-redirect widget's URL, a <Gather> or <Record> action, a
// <Redirect>). It is strict: the root is <Response>, every element is a
// TwiML verb where a verb belongs, the attributes this package acts on have
// Twilio's allowed values, and no DOCTYPE or foreign encoding is accepted.
// It is bounded: MaxDocument bytes, maxDepth levels, maxElements elements,
// maxAttrs attributes of at most maxAttrLen bytes, maxText bytes of text in
// one verb. Verbs Twilio has but this appliance cannot run (<Dial>,
// <Enqueue>, <Connect> …) parse as Unsupported, so the caller can say which.

// Limits on a parsed document.
const (
	// MaxDocument is Twilio's cap on a TwiML response (error 11750).
	MaxDocument = 64 << 10
	maxDepth    = 8
	maxElements = 512
	maxAttrs    = 24
	maxAttrLen  = 4096
	maxText     = 4096 // Twilio's <Say> takes at most 4,096 characters
	// LoopForever is what loop="0" ("until the call ends") becomes.
	LoopForever = 1000
	maxPause    = 3600 // seconds
	maxLoop     = 1000
)

// Parse errors. ErrTooLarge is Twilio's 11750, ErrNotTwiML its 12100
// (document parse failure), ErrSchema its 12200 (schema validation).
var (
	ErrTooLarge = errors.New("twiml: document larger than 64 kB")
	ErrNotTwiML = errors.New("twiml: not an XML TwiML document")
	ErrSchema   = errors.New("twiml: invalid TwiML")
)

// Document is a parsed <Response>: its verbs in order.
type Document struct {
	Verbs []Verb
}

// Verb is one parsed TwiML verb: Say, Play, Pause, Gather, Record, Hangup,
// Redirect or Unsupported.
type Verb interface {
	// Name is the verb's TwiML element name.
	Name() string
}

// Say speaks Text (SSML tags inside are reduced to their text).
type Say struct {
	Text, Voice, Language string
	Loop                  int // ≥ 1; loop="0" is LoopForever
}

// Play plays the audio at URL, or sends Digits (w is a half-second pause).
type Play struct {
	URL    string
	Digits string
	Loop   int // ≥ 1
}

// Pause waits Length seconds.
type Pause struct{ Length int }

// Gather collects digits while (and after) its nested Say, Play and Pause
// run. Action is "" for the current document's URL.
type Gather struct {
	Input               []string // dtmf, speech
	Action, Method      string
	Timeout             int    // seconds after the last key (default 5)
	FinishOnKey         string // default "#"; "" turns it off
	NumDigits           int    // 0: unlimited
	ActionOnEmptyResult bool
	Nested              []Verb // Say, Play, Pause
}

// Record records the caller. Action is "" for the current document's URL.
type Record struct {
	Action, Method string
	Timeout        int    // seconds of silence (default 5)
	FinishOnKey    string // default "1234567890*#"
	MaxLength      int    // seconds (default 3600)
	PlayBeep       bool   // default true
	Trim           bool   // trim="trim-silence" (the default)
}

// Hangup ends the call.
type Hangup struct{}

// Redirect fetches the TwiML at URL (relative to the current document).
type Redirect struct{ URL, Method string }

// Unsupported is a TwiML verb this appliance does not run on a call.
type Unsupported struct{ Verb string }

func (Say) Name() string           { return "Say" }
func (Play) Name() string          { return "Play" }
func (Pause) Name() string         { return "Pause" }
func (Gather) Name() string        { return "Gather" }
func (Record) Name() string        { return "Record" }
func (Hangup) Name() string        { return "Hangup" }
func (Redirect) Name() string      { return "Redirect" }
func (u Unsupported) Name() string { return u.Verb }

// unsupportedVerbs are Twilio's other voice (and messaging) verbs.
var unsupportedVerbs = map[string]bool{
	"Dial": true, "Enqueue": true, "Connect": true, "Leave": true, "Pay": true, "Refer": true,
	"Reject": true, "Start": true, "Stop": true, "Sms": true, "Message": true, "Echo": true, "Queue": true,
}

// ssml are the SSML tags <Say> may hold; their text is spoken as text.
var ssml = map[string]bool{
	"break": true, "emphasis": true, "lang": true, "p": true, "phoneme": true, "prosody": true,
	"s": true, "say-as": true, "sub": true, "w": true, "effect": true, "domain": true, "voice": true,
}

// Parse parses b (see the file comment).
func Parse(b []byte) (*Document, error) {
	if len(b) > MaxDocument {
		return nil, ErrTooLarge
	}
	d := xml.NewDecoder(bytes.NewReader(b))
	d.Strict = true
	p := &parser{d: d}
	doc, err := p.document()
	if err != nil {
		return nil, err
	}
	return doc, nil
}

type parser struct {
	d        *xml.Decoder
	elements int
}

// token returns the next token (CharData copied), counting and bounding
// elements and attributes.
func (p *parser) token() (xml.Token, error) {
	t, err := p.d.Token()
	if err == io.EOF {
		return nil, err
	}
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrNotTwiML, err)
	}
	switch t := t.(type) {
	case xml.StartElement:
		p.elements++
		if p.elements > maxElements {
			return nil, fmt.Errorf("%w: more than %d elements", ErrSchema, maxElements)
		}
		if len(t.Attr) > maxAttrs {
			return nil, fmt.Errorf("%w: <%s> has more than %d attributes", ErrSchema, t.Name.Local, maxAttrs)
		}
		for _, a := range t.Attr {
			if len(a.Value) > maxAttrLen {
				return nil, fmt.Errorf("%w: <%s %s> is longer than %d bytes", ErrSchema, t.Name.Local, a.Name.Local, maxAttrLen)
			}
		}
		return t, nil
	case xml.CharData:
		return t.Copy(), nil
	case xml.Directive:
		return nil, fmt.Errorf("%w: a DOCTYPE or other directive", ErrNotTwiML)
	}
	return t, nil
}

func (p *parser) document() (*Document, error) {
	var doc *Document
	for {
		t, err := p.token()
		if err == io.EOF {
			if doc == nil {
				return nil, fmt.Errorf("%w: no <Response>", ErrNotTwiML)
			}
			return doc, nil
		}
		if err != nil {
			return nil, err
		}
		switch t := t.(type) {
		case xml.ProcInst:
			if t.Target != "xml" || doc != nil || p.elements > 0 {
				return nil, fmt.Errorf("%w: processing instruction <?%s?>", ErrNotTwiML, t.Target)
			}
		case xml.CharData:
			if len(bytes.TrimSpace(t)) > 0 {
				return nil, fmt.Errorf("%w: text outside <Response>", ErrNotTwiML)
			}
		case xml.StartElement:
			if doc != nil {
				return nil, fmt.Errorf("%w: <%s> after </Response>", ErrNotTwiML, t.Name.Local)
			}
			if t.Name.Local != "Response" || t.Name.Space != "" {
				return nil, fmt.Errorf("%w: the root is <%s>, not <Response>", ErrNotTwiML, t.Name.Local)
			}
			verbs, err := p.verbs(1, false)
			if err != nil {
				return nil, err
			}
			doc = &Document{Verbs: verbs}
		}
	}
}

// verbs reads the children of <Response> (or of <Gather> when inGather)
// up to the parent's end tag.
func (p *parser) verbs(depth int, inGather bool) ([]Verb, error) {
	var out []Verb
	for {
		t, err := p.token()
		if err != nil {
			return nil, unexpectedEOF(err)
		}
		switch t := t.(type) {
		case xml.EndElement:
			return out, nil
		case xml.CharData:
			if len(bytes.TrimSpace(t)) > 0 {
				return nil, fmt.Errorf("%w: text %q between verbs", ErrSchema, clip(strings.TrimSpace(string(t))))
			}
		case xml.StartElement:
			if depth+1 > maxDepth {
				return nil, fmt.Errorf("%w: nested deeper than %d", ErrSchema, maxDepth)
			}
			v, err := p.verb(t, depth+1, inGather)
			if err != nil {
				return nil, err
			}
			out = append(out, v)
		}
	}
}

func (p *parser) verb(t xml.StartElement, depth int, inGather bool) (Verb, error) {
	name := t.Name.Local
	if t.Name.Space != "" {
		return nil, fmt.Errorf("%w: <%s:%s> is not a TwiML verb", ErrSchema, t.Name.Space, name)
	}
	if inGather && name != "Say" && name != "Play" && name != "Pause" {
		return nil, fmt.Errorf("%w: <Gather> holds only <Say>, <Play> and <Pause>, not <%s>", ErrSchema, name)
	}
	a := attrs(t)
	var v Verb
	var err error
	switch name {
	case "Say":
		var text string
		if text, err = p.sayText(depth); err != nil {
			return nil, err
		}
		s := Say{Text: text, Voice: a["voice"], Language: a["language"]}
		s.Loop, err = loop(a, name)
		v = s
	case "Play":
		var text string
		if text, err = p.text(depth, name); err != nil {
			return nil, err
		}
		pl := Play{URL: text, Digits: a["digits"]}
		if pl.Loop, err = loop(a, name); err != nil {
			return nil, err
		}
		if strings.Trim(pl.Digits, "0123456789*#wW") != "" {
			return nil, fmt.Errorf("%w: <Play digits=%q>: only 0-9, *, #, w and W", ErrSchema, clip(pl.Digits))
		}
		if pl.URL == "" && pl.Digits == "" {
			return nil, fmt.Errorf("%w: <Play> without a URL or digits", ErrSchema)
		}
		v = pl
	case "Pause":
		ps := Pause{Length: 1}
		if ps.Length, err = intAttr(a, name, "length", 1, 0, maxPause); err == nil {
			err = p.empty(name)
		}
		v = ps
	case "Hangup":
		v, err = Hangup{}, p.empty(name)
	case "Redirect":
		var text string
		if text, err = p.text(depth, name); err != nil {
			return nil, err
		}
		r := Redirect{URL: text}
		if r.Method, err = method(a, name); err == nil && r.URL == "" {
			err = fmt.Errorf("%w: <Redirect> without a URL", ErrSchema)
		}
		v = r
	case "Gather":
		v, err = p.gather(a, depth)
	case "Record":
		v, err = record(a)
		if err == nil {
			err = p.empty(name)
		}
	default:
		if !unsupportedVerbs[name] {
			return nil, fmt.Errorf("%w: <%s> is not a TwiML verb", ErrSchema, clip(name))
		}
		v, err = Unsupported{Verb: name}, p.skip(depth)
	}
	if err != nil {
		return nil, err
	}
	return v, nil
}

func (p *parser) gather(a map[string]string, depth int) (Verb, error) {
	g := Gather{Action: a["action"], FinishOnKey: "#"}
	var err error
	if g.Method, err = method(a, "Gather"); err != nil {
		return nil, err
	}
	if g.Timeout, err = intAttr(a, "Gather", "timeout", 5, 0, 3600); err != nil {
		return nil, err
	}
	if g.NumDigits, err = intAttr(a, "Gather", "numDigits", 0, 1, 1000); err != nil {
		return nil, err
	}
	if k, ok := a["finishOnKey"]; ok {
		if len(k) > 1 || strings.Trim(k, "0123456789*#") != "" {
			return nil, fmt.Errorf("%w: <Gather finishOnKey=%q>: one of 0-9, * and #, or empty", ErrSchema, clip(k))
		}
		g.FinishOnKey = k
	}
	g.Input = []string{"dtmf"}
	if in, ok := a["input"]; ok {
		g.Input = strings.Fields(in)
		if len(g.Input) == 0 || len(g.Input) > 2 {
			return nil, fmt.Errorf("%w: <Gather input=%q>: dtmf, speech or \"dtmf speech\"", ErrSchema, clip(in))
		}
		for _, i := range g.Input {
			if i != "dtmf" && i != "speech" {
				return nil, fmt.Errorf("%w: <Gather input=%q>: dtmf, speech or \"dtmf speech\"", ErrSchema, clip(in))
			}
		}
	}
	if g.ActionOnEmptyResult, err = boolAttr(a, "Gather", "actionOnEmptyResult", false); err != nil {
		return nil, err
	}
	if g.Nested, err = p.verbs(depth, true); err != nil {
		return nil, err
	}
	return g, nil
}

func record(a map[string]string) (Verb, error) {
	r := Record{Action: a["action"], FinishOnKey: "1234567890*#", Trim: true}
	var err error
	if r.Method, err = method(a, "Record"); err != nil {
		return nil, err
	}
	if r.Timeout, err = intAttr(a, "Record", "timeout", 5, 0, 3600); err != nil {
		return nil, err
	}
	if r.MaxLength, err = intAttr(a, "Record", "maxLength", 3600, 1, 14400); err != nil {
		return nil, err
	}
	if r.PlayBeep, err = boolAttr(a, "Record", "playBeep", true); err != nil {
		return nil, err
	}
	if k, ok := a["finishOnKey"]; ok {
		if strings.Trim(k, "0123456789*#") != "" || len(k) > 12 {
			return nil, fmt.Errorf("%w: <Record finishOnKey=%q>: keys 0-9, * and #", ErrSchema, clip(k))
		}
		r.FinishOnKey = k
	}
	switch a["trim"] {
	case "", "trim-silence":
	case "do-not-trim":
		r.Trim = false
	default:
		return nil, fmt.Errorf("%w: <Record trim=%q>: trim-silence or do-not-trim", ErrSchema, clip(a["trim"]))
	}
	return r, nil
}

// text reads the character data of a verb that holds only text (a URL).
func (p *parser) text(depth int, name string) (string, error) {
	var b strings.Builder
	for {
		t, err := p.token()
		if err != nil {
			return "", unexpectedEOF(err)
		}
		switch t := t.(type) {
		case xml.EndElement:
			return strings.TrimSpace(b.String()), nil
		case xml.CharData:
			if b.Len()+len(t) > maxText {
				return "", fmt.Errorf("%w: <%s> text longer than %d bytes", ErrSchema, name, maxText)
			}
			b.Write(t)
		case xml.StartElement:
			return "", fmt.Errorf("%w: <%s> inside <%s>", ErrSchema, clip(t.Name.Local), name)
		}
	}
}

// sayText reads <Say>'s text, SSML tags reduced to their text (<break>
// to a space).
func (p *parser) sayText(depth int) (string, error) {
	var b strings.Builder
	level := depth
	for {
		t, err := p.token()
		if err != nil {
			return "", unexpectedEOF(err)
		}
		switch t := t.(type) {
		case xml.EndElement:
			if level == depth {
				return strings.Join(strings.Fields(b.String()), " "), nil
			}
			level--
		case xml.CharData:
			if b.Len()+len(t) > maxText {
				return "", fmt.Errorf("%w: <Say> text longer than %d bytes", ErrSchema, maxText)
			}
			b.Write(t)
		case xml.StartElement:
			if !ssml[t.Name.Local] {
				return "", fmt.Errorf("%w: <%s> inside <Say> is not SSML", ErrSchema, clip(t.Name.Local))
			}
			if level+1 > maxDepth {
				return "", fmt.Errorf("%w: nested deeper than %d", ErrSchema, maxDepth)
			}
			level++
			b.WriteByte(' ')
		}
	}
}

// empty reads up to the end tag of a verb that holds nothing.
func (p *parser) empty(name string) error {
	for {
		t, err := p.token()
		if err != nil {
			return unexpectedEOF(err)
		}
		switch t := t.(type) {
		case xml.EndElement:
			return nil
		case xml.CharData:
			if len(bytes.TrimSpace(t)) > 0 {
				return fmt.Errorf("%w: text inside <%s/>", ErrSchema, name)
			}
		case xml.StartElement:
			return fmt.Errorf("%w: <%s> inside <%s/>", ErrSchema, clip(t.Name.Local), name)
		}
	}
}

// skip reads past an unsupported verb's subtree (still bounded).
func (p *parser) skip(depth int) error {
	level := depth
	for {
		t, err := p.token()
		if err != nil {
			return unexpectedEOF(err)
		}
		switch t.(type) {
		case xml.EndElement:
			if level == depth {
				return nil
			}
			level--
		case xml.StartElement:
			if level+1 > maxDepth {
				return fmt.Errorf("%w: nested deeper than %d", ErrSchema, maxDepth)
			}
			level++
		}
	}
}

func unexpectedEOF(err error) error {
	if err == io.EOF {
		return fmt.Errorf("%w: the document ends inside an element", ErrNotTwiML)
	}
	return err
}

// attrs are the element's attributes without a namespace (the first of
// repeated ones).
func attrs(t xml.StartElement) map[string]string {
	m := make(map[string]string, len(t.Attr))
	for _, a := range t.Attr {
		if a.Name.Space != "" {
			continue
		}
		if _, ok := m[a.Name.Local]; !ok {
			m[a.Name.Local] = strings.TrimSpace(a.Value)
		}
	}
	return m
}

func method(a map[string]string, verb string) (string, error) {
	switch m := strings.ToUpper(a["method"]); m {
	case "":
		return DefaultMethod, nil
	case "GET", "POST":
		return m, nil
	}
	return "", fmt.Errorf("%w: <%s method=%q>: GET or POST", ErrSchema, verb, clip(a["method"]))
}

func loop(a map[string]string, verb string) (int, error) {
	n, err := intAttr(a, verb, "loop", 1, 0, maxLoop)
	if err == nil && n == 0 {
		n = LoopForever
	}
	return n, err
}

// intAttr reads a whole number in [min, max], def when absent.
func intAttr(a map[string]string, verb, key string, def, min, max int) (int, error) {
	s, ok := a[key]
	if !ok {
		return def, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < min || n > max {
		return 0, fmt.Errorf("%w: <%s %s=%q>: a whole number from %d to %d", ErrSchema, verb, key, clip(s), min, max)
	}
	return n, nil
}

func boolAttr(a map[string]string, verb, key string, def bool) (bool, error) {
	switch s := a[key]; s {
	case "":
		return def, nil
	case "true":
		return true, nil
	case "false":
		return false, nil
	default:
		return false, fmt.Errorf("%w: <%s %s=%q>: true or false", ErrSchema, verb, key, clip(s))
	}
}

// clip shortens outside text quoted in an error.
func clip(s string) string {
	if len(s) > 64 {
		return s[:64] + "…"
	}
	return s
}
