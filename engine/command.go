package engine

// Command is something the host must do for the execution: a voice verb on
// the live call (the TwiML vocabulary), a message to send, a call to place.
// The voice verb executor, the SMS gateways and the simulator each carry out
// the same commands.
type Command struct {
	// Verb is one of the Verb constants.
	Verb   string `json:"verb"`
	Widget string `json:"widget"` // the widget that asked for it

	// Say, Play and Digits (also as prompts inside Gather).
	Text     string `json:"text,omitempty"`
	Voice    string `json:"voice,omitempty"`
	Language string `json:"language,omitempty"`
	URL      string `json:"url,omitempty"`
	Digits   string `json:"digits,omitempty"`
	Loop     int    `json:"loop,omitempty"`

	Gather   *Gather   `json:"gather,omitempty"`
	Record   *Record   `json:"record,omitempty"`
	Dial     *Dial     `json:"dial,omitempty"`
	Enqueue  *Enqueue  `json:"enqueue,omitempty"`
	Message  *Message  `json:"message,omitempty"`
	Call     *Call     `json:"call,omitempty"`
	Redirect *Redirect `json:"redirect,omitempty"`
	Stream   *Stream   `json:"stream,omitempty"`
	// RecordCall starts (true) or stops (false) recording the whole call.
	RecordCall *RecordCall `json:"record_call,omitempty"`
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

// Gather collects digits and/or speech after its prompts.
type Gather struct {
	Prompts         []Command `json:"prompts,omitempty"` // say/play/digits
	Input           []string  `json:"input"`             // "dtmf", "speech"
	Timeout         int       `json:"timeout"`           // seconds
	FinishOnKey     string    `json:"finish_on_key"`
	NumDigits       int       `json:"num_digits,omitempty"`
	SpeechTimeout   string    `json:"speech_timeout,omitempty"` // "auto" or seconds
	Language        string    `json:"language,omitempty"`       // recognition locale
	Hints           string    `json:"hints,omitempty"`
	ProfanityFilter bool      `json:"profanity_filter"`
	SpeechModel     string    `json:"speech_model,omitempty"`
	StopOnKey       bool      `json:"stop_on_key"` // stop the prompt on the first key
}

// Record records the caller (voicemail).
type Record struct {
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
	Queue      string `json:"queue"`
	WaitURL    string `json:"wait_url,omitempty"`
	Priority   int    `json:"priority,omitempty"`
	Timeout    int    `json:"timeout,omitempty"`
	Attributes string `json:"attributes,omitempty"`
}

// Message is an outbound SMS/MMS/chat message.
type Message struct {
	SID      string   `json:"sid"`
	From     string   `json:"from"`
	To       string   `json:"to"`
	Body     string   `json:"body"`
	MediaURL []string `json:"media_url,omitempty"`
}

// Call places an outbound call.
type Call struct {
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

// Redirect hands the call to outside TwiML until it returns.
type Redirect struct {
	URL     string `json:"url"`
	Method  string `json:"method"`
	Timeout int    `json:"timeout"`
}

// Stream forks the call's audio to a WebSocket.
type Stream struct {
	Action string            `json:"action"` // start, stop
	Name   string            `json:"name,omitempty"`
	URL    string            `json:"url,omitempty"`
	Track  string            `json:"track,omitempty"`
	Params map[string]string `json:"params,omitempty"`
}

// RecordCall starts or stops a recording of the whole call.
type RecordCall struct {
	Start    bool   `json:"start"`
	Channels string `json:"channels,omitempty"`
	Trim     bool   `json:"trim,omitempty"`
}
