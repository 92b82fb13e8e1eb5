package engine

import (
	"encoding/json"
	"errors"
	"fmt"
	"sort"
)

// Command is something the host must do for the execution: a voice verb on
// the live call (the TwiML vocabulary), a message to send, a call to place.
// The voice verb executor, the TwiML webhook, the SMS outbox and the
// simulator each carry out the same commands.
//
// There is one type per verb (Say, Play, Digits, Gather, Record, Dial,
// Enqueue, Hangup, Redirect, Message, Call, RecordCall, Stream), always used
// as values; the set is closed (the interface has an unexported method).
// Hosts switch on the type and list every one: a verb they cannot carry out
// is a case of its own, and their default branch is a programming error
// (ErrUnknownCommand) that their tests catch for every type in
// enginetest.EveryCommand.
//
// On the wire (steps, golden files, anything persisted) a command is one
// JSON object with a "verb" discriminator and the widget's name; the verb's
// fields are inline for say, play and digits and nested under the verb's
// key for the others: {"verb":"gather","widget":"menu","gather":{...}}.
type Command interface {
	// Verb is the command's wire discriminator, one of the Verb constants.
	Verb() string
	// WidgetName is the widget that asked for the command.
	WidgetName() string
	isCommand()
}

// Prompt is a command that can be a Gather's prompt: Say, Play or Digits.
type Prompt interface {
	Command
	isPrompt()
}

// Verbs.
const (
	VerbSay        = "say"
	VerbPlay       = "play"
	VerbDigits     = "digits" // send DTMF
	VerbGather     = "gather"
	VerbRecord     = "record"
	VerbDial       = "dial"
	VerbEnqueue    = "enqueue"
	VerbHangup     = "hangup"
	VerbRedirect   = "redirect"
	VerbMessage    = "message"
	VerbCall       = "call"
	VerbRecordCall = "record_call"
	VerbStream     = "stream"
)

// ErrUnknownCommand is what a host's default branch reports: a command type
// it does not list, which is a bug in the host, never a flow author's
// mistake.
var ErrUnknownCommand = errors.New("unknown command type")

// Say speaks text.
type Say struct {
	Widget   string
	Text     string
	Voice    string
	Language string
	Loop     int
}

// Play plays the audio at a URL.
type Play struct {
	Widget string
	URL    string
	Loop   int
}

// Digits sends DTMF to the call (w and W pause).
type Digits struct {
	Widget string
	Digits string
	Loop   int
}

// Gather collects digits and/or speech after its prompts.
type Gather struct {
	Widget          string   `json:"-"`
	Prompts         []Prompt `json:"prompts,omitempty"` // say/play/digits
	Input           []string `json:"input"`             // "dtmf", "speech"
	Timeout         int      `json:"timeout"`           // seconds
	FinishOnKey     string   `json:"finish_on_key"`
	NumDigits       int      `json:"num_digits,omitempty"`
	SpeechTimeout   string   `json:"speech_timeout,omitempty"` // "auto" or seconds
	Language        string   `json:"language,omitempty"`       // recognition locale
	Hints           string   `json:"hints,omitempty"`
	ProfanityFilter bool     `json:"profanity_filter"`
	SpeechModel     string   `json:"speech_model,omitempty"`
	StopOnKey       bool     `json:"stop_on_key"` // stop the prompt on the first key
}

// Record records the caller (voicemail).
type Record struct {
	Widget      string `json:"-"`
	Timeout     int    `json:"timeout"` // seconds of silence that end it
	FinishOnKey string `json:"finish_on_key,omitempty"`
	MaxLength   int    `json:"max_length"`
	PlayBeep    bool   `json:"play_beep"`
	Trim        bool   `json:"trim"`
	Transcribe  bool   `json:"transcribe,omitempty"`
	StatusURL   string `json:"status_url,omitempty"`
}

// Dial connects the caller to another party.
type Dial struct {
	Widget    string   `json:"-"`
	Noun      string   `json:"noun"` // number, number-multi, client, sim, sip, conference
	To        []string `json:"to"`
	CallerID  string   `json:"caller_id,omitempty"`
	Timeout   int      `json:"timeout"`
	TimeLimit int      `json:"time_limit,omitempty"` // seconds; 0 = platform cap
	Record    bool     `json:"record,omitempty"`
	SIPUser   string   `json:"sip_username,omitempty"`
	SIPPass   string   `json:"-"` // never serialised into steps or logs
}

// Enqueue puts the caller in a named queue.
type Enqueue struct {
	Widget     string `json:"-"`
	Queue      string `json:"queue"`
	WaitURL    string `json:"wait_url,omitempty"`
	WaitMethod string `json:"wait_url_method,omitempty"` // GET (the widget's default) or POST
	Priority   int    `json:"priority,omitempty"`
	Timeout    int    `json:"timeout,omitempty"`
	Attributes string `json:"attributes,omitempty"`
}

// Hangup ends the call.
type Hangup struct {
	Widget string
}

// Redirect hands the call to outside TwiML until it returns.
type Redirect struct {
	Widget  string `json:"-"`
	URL     string `json:"url"`
	Method  string `json:"method"`
	Timeout int    `json:"timeout"`
}

// Message is an outbound SMS/MMS/chat message.
type Message struct {
	Widget   string   `json:"-"`
	SID      string   `json:"sid"`
	From     string   `json:"from"`
	To       string   `json:"to"`
	Body     string   `json:"body"`
	MediaURL []string `json:"media_url,omitempty"`
}

// Call places an outbound call.
type Call struct {
	Widget        string `json:"-"`
	From          string `json:"from"`
	To            string `json:"to"`
	Timeout       int    `json:"timeout"`
	Record        bool   `json:"record,omitempty"`
	DetectMachine bool   `json:"detect_machine,omitempty"`
	// MachineDetection is Enable (decide as soon as possible) or
	// DetectMessageEnd (wait for a machine's greeting to end); it applies
	// with DetectMachine. MachineDetectionTimeout is in seconds.
	MachineDetection        string `json:"machine_detection,omitempty"`
	MachineDetectionTimeout int    `json:"machine_detection_timeout,omitempty"`
	SendDigits              string `json:"send_digits,omitempty"`
	// SIP credentials for a sip: destination.
	SIPUser string `json:"sip_username,omitempty"`
	SIPPass string `json:"-"` // never serialised into steps or logs
}

// RecordCall starts (Start true) or stops a recording of the whole call.
type RecordCall struct {
	Widget   string `json:"-"`
	Start    bool   `json:"start"`
	Channels string `json:"channels,omitempty"`
	Trim     bool   `json:"trim,omitempty"`
}

// Stream forks the call's audio to a WebSocket.
type Stream struct {
	Widget string            `json:"-"`
	Action string            `json:"action"` // start, stop
	Name   string            `json:"name,omitempty"`
	URL    string            `json:"url,omitempty"`
	Track  string            `json:"track,omitempty"`
	Params map[string]string `json:"params,omitempty"`
}

func (Say) Verb() string        { return VerbSay }
func (Play) Verb() string       { return VerbPlay }
func (Digits) Verb() string     { return VerbDigits }
func (Gather) Verb() string     { return VerbGather }
func (Record) Verb() string     { return VerbRecord }
func (Dial) Verb() string       { return VerbDial }
func (Enqueue) Verb() string    { return VerbEnqueue }
func (Hangup) Verb() string     { return VerbHangup }
func (Redirect) Verb() string   { return VerbRedirect }
func (Message) Verb() string    { return VerbMessage }
func (Call) Verb() string       { return VerbCall }
func (RecordCall) Verb() string { return VerbRecordCall }
func (Stream) Verb() string     { return VerbStream }

func (c Say) WidgetName() string        { return c.Widget }
func (c Play) WidgetName() string       { return c.Widget }
func (c Digits) WidgetName() string     { return c.Widget }
func (c Gather) WidgetName() string     { return c.Widget }
func (c Record) WidgetName() string     { return c.Widget }
func (c Dial) WidgetName() string       { return c.Widget }
func (c Enqueue) WidgetName() string    { return c.Widget }
func (c Hangup) WidgetName() string     { return c.Widget }
func (c Redirect) WidgetName() string   { return c.Widget }
func (c Message) WidgetName() string    { return c.Widget }
func (c Call) WidgetName() string       { return c.Widget }
func (c RecordCall) WidgetName() string { return c.Widget }
func (c Stream) WidgetName() string     { return c.Widget }

func (Say) isCommand()        {}
func (Play) isCommand()       {}
func (Digits) isCommand()     {}
func (Gather) isCommand()     {}
func (Record) isCommand()     {}
func (Dial) isCommand()       {}
func (Enqueue) isCommand()    {}
func (Hangup) isCommand()     {}
func (Redirect) isCommand()   {}
func (Message) isCommand()    {}
func (Call) isCommand()       {}
func (RecordCall) isCommand() {}
func (Stream) isCommand()     {}

func (Say) isPrompt()    {}
func (Play) isPrompt()   {}
func (Digits) isPrompt() {}

// The verbs' own fields as they are nested on the wire (no widget name).
type (
	gatherBody     Gather
	recordBody     Record
	dialBody       Dial
	enqueueBody    Enqueue
	redirectBody   Redirect
	messageBody    Message
	callBody       Call
	recordCallBody RecordCall
	streamBody     Stream
)

// wire is a command on the wire: the verb, the widget, the inline fields
// of say, play and digits, and one nested object for the other verbs. Its
// field order is the JSON's.
type wire struct {
	Verb     string `json:"verb"`
	Widget   string `json:"widget"` // the widget that asked for it
	Text     string `json:"text,omitempty"`
	Voice    string `json:"voice,omitempty"`
	Language string `json:"language,omitempty"`
	URL      string `json:"url,omitempty"`
	Digits   string `json:"digits,omitempty"`
	Loop     int    `json:"loop,omitempty"`

	Gather     *gatherBody     `json:"gather,omitempty"`
	Record     *recordBody     `json:"record,omitempty"`
	Dial       *dialBody       `json:"dial,omitempty"`
	Enqueue    *enqueueBody    `json:"enqueue,omitempty"`
	Message    *messageBody    `json:"message,omitempty"`
	Call       *callBody       `json:"call,omitempty"`
	Redirect   *redirectBody   `json:"redirect,omitempty"`
	Stream     *streamBody     `json:"stream,omitempty"`
	RecordCall *recordCallBody `json:"record_call,omitempty"`
}

// decoders turn a wire object back into its command, by verb. Every
// command type has one (a test parses this package's source to check).
var decoders = map[string]func(w *wire) (Command, error){
	VerbSay: func(w *wire) (Command, error) {
		return Say{Widget: w.Widget, Text: w.Text, Voice: w.Voice, Language: w.Language, Loop: w.Loop}, nil
	},
	VerbPlay:   func(w *wire) (Command, error) { return Play{Widget: w.Widget, URL: w.URL, Loop: w.Loop}, nil },
	VerbDigits: func(w *wire) (Command, error) { return Digits{Widget: w.Widget, Digits: w.Digits, Loop: w.Loop}, nil },
	VerbHangup: func(w *wire) (Command, error) { return Hangup{Widget: w.Widget}, nil },
	VerbGather: func(w *wire) (Command, error) {
		c, err := body(w.Gather)
		c.Widget = w.Widget
		return Gather(c), err
	},
	VerbRecord: func(w *wire) (Command, error) {
		c, err := body(w.Record)
		c.Widget = w.Widget
		return Record(c), err
	},
	VerbDial: func(w *wire) (Command, error) {
		c, err := body(w.Dial)
		c.Widget = w.Widget
		return Dial(c), err
	},
	VerbEnqueue: func(w *wire) (Command, error) {
		c, err := body(w.Enqueue)
		c.Widget = w.Widget
		return Enqueue(c), err
	},
	VerbRedirect: func(w *wire) (Command, error) {
		c, err := body(w.Redirect)
		c.Widget = w.Widget
		return Redirect(c), err
	},
	VerbMessage: func(w *wire) (Command, error) {
		c, err := body(w.Message)
		c.Widget = w.Widget
		return Message(c), err
	},
	VerbCall: func(w *wire) (Command, error) {
		c, err := body(w.Call)
		c.Widget = w.Widget
		return Call(c), err
	},
	VerbRecordCall: func(w *wire) (Command, error) {
		c, err := body(w.RecordCall)
		c.Widget = w.Widget
		return RecordCall(c), err
	},
	VerbStream: func(w *wire) (Command, error) {
		c, err := body(w.Stream)
		c.Widget = w.Widget
		return Stream(c), err
	},
}

// errNoBody: a nested verb whose object is missing cannot be carried out.
var errNoBody = errors.New("has no fields")

func body[T any](p *T) (T, error) {
	var zero T
	if p == nil {
		return zero, errNoBody
	}
	return *p, nil
}

// Verbs lists every command verb, sorted.
func Verbs() []string {
	out := make([]string, 0, len(decoders))
	for v := range decoders {
		out = append(out, v)
	}
	sort.Strings(out)
	return out
}

// toWire is a command's wire form.
func toWire(c Command) (wire, error) {
	w := wire{Verb: c.Verb(), Widget: c.WidgetName()}
	switch c := c.(type) {
	case Say:
		w.Text, w.Voice, w.Language, w.Loop = c.Text, c.Voice, c.Language, c.Loop
	case Play:
		w.URL, w.Loop = c.URL, c.Loop
	case Digits:
		w.Digits, w.Loop = c.Digits, c.Loop
	case Hangup:
	case Gather:
		b := gatherBody(c)
		w.Gather = &b
	case Record:
		b := recordBody(c)
		w.Record = &b
	case Dial:
		b := dialBody(c)
		w.Dial = &b
	case Enqueue:
		b := enqueueBody(c)
		w.Enqueue = &b
	case Redirect:
		b := redirectBody(c)
		w.Redirect = &b
	case Message:
		b := messageBody(c)
		w.Message = &b
	case Call:
		b := callBody(c)
		w.Call = &b
	case RecordCall:
		b := recordCallBody(c)
		w.RecordCall = &b
	case Stream:
		b := streamBody(c)
		w.Stream = &b
	default:
		return w, fmt.Errorf("%w %T", ErrUnknownCommand, c)
	}
	return w, nil
}

func marshalCommand(c Command) ([]byte, error) {
	w, err := toWire(c)
	if err != nil {
		return nil, err
	}
	return json.Marshal(w)
}

// UnmarshalCommand reads one command in its wire form.
func UnmarshalCommand(b []byte) (Command, error) {
	var w wire
	if err := json.Unmarshal(b, &w); err != nil {
		return nil, fmt.Errorf("command: %w", err)
	}
	dec, ok := decoders[w.Verb]
	if !ok {
		return nil, fmt.Errorf("command: %w: verb %q", ErrUnknownCommand, w.Verb)
	}
	c, err := dec(&w)
	if err != nil {
		return nil, fmt.Errorf("command: %s %w", w.Verb, err)
	}
	return c, nil
}

// MarshalJSON writes the command's wire form.
func (c Say) MarshalJSON() ([]byte, error) { return marshalCommand(c) }

// MarshalJSON writes the command's wire form.
func (c Play) MarshalJSON() ([]byte, error) { return marshalCommand(c) }

// MarshalJSON writes the command's wire form.
func (c Digits) MarshalJSON() ([]byte, error) { return marshalCommand(c) }

// MarshalJSON writes the command's wire form.
func (c Gather) MarshalJSON() ([]byte, error) { return marshalCommand(c) }

// MarshalJSON writes the command's wire form.
func (c Record) MarshalJSON() ([]byte, error) { return marshalCommand(c) }

// MarshalJSON writes the command's wire form.
func (c Dial) MarshalJSON() ([]byte, error) { return marshalCommand(c) }

// MarshalJSON writes the command's wire form.
func (c Enqueue) MarshalJSON() ([]byte, error) { return marshalCommand(c) }

// MarshalJSON writes the command's wire form.
func (c Hangup) MarshalJSON() ([]byte, error) { return marshalCommand(c) }

// MarshalJSON writes the command's wire form.
func (c Redirect) MarshalJSON() ([]byte, error) { return marshalCommand(c) }

// MarshalJSON writes the command's wire form.
func (c Message) MarshalJSON() ([]byte, error) { return marshalCommand(c) }

// MarshalJSON writes the command's wire form.
func (c Call) MarshalJSON() ([]byte, error) { return marshalCommand(c) }

// MarshalJSON writes the command's wire form.
func (c RecordCall) MarshalJSON() ([]byte, error) { return marshalCommand(c) }

// MarshalJSON writes the command's wire form.
func (c Stream) MarshalJSON() ([]byte, error) { return marshalCommand(c) }

// UnmarshalJSON reads a gather's nested fields, its prompts in their wire
// form.
func (g *gatherBody) UnmarshalJSON(b []byte) error {
	type fields gatherBody // without this method
	var aux struct {
		*fields
		Prompts []json.RawMessage `json:"prompts"`
	}
	aux.fields = (*fields)(g)
	if err := json.Unmarshal(b, &aux); err != nil {
		return err
	}
	g.Prompts = nil
	for i, raw := range aux.Prompts {
		c, err := UnmarshalCommand(raw)
		if err != nil {
			return fmt.Errorf("prompt %d: %w", i, err)
		}
		p, ok := c.(Prompt)
		if !ok {
			return fmt.Errorf("prompt %d: a gather cannot prompt with %s", i, c.Verb())
		}
		g.Prompts = append(g.Prompts, p)
	}
	return nil
}

// PlainJSON is the message's own fields without the command's verb and
// widget: the payload of an outbox row.
func (c Message) PlainJSON() ([]byte, error) { return json.Marshal(messageBody(c)) }

// Commands is a list of commands; it reads back from its JSON, which a
// []Command cannot.
type Commands []Command

// UnmarshalJSON reads a JSON array of commands in their wire form.
func (cs *Commands) UnmarshalJSON(b []byte) error {
	var raws []json.RawMessage
	if err := json.Unmarshal(b, &raws); err != nil {
		return err
	}
	out := make(Commands, 0, len(raws))
	for i, raw := range raws {
		c, err := UnmarshalCommand(raw)
		if err != nil {
			return fmt.Errorf("command %d: %w", i, err)
		}
		out = append(out, c)
	}
	if raws == nil {
		out = nil
	}
	*cs = out
	return nil
}
