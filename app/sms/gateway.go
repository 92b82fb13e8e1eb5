// Package sms is the contract between the message queue and the gateways
// that carry SMS: USB modems over AT commands (app/sms/modem), SMPP
// (app/sms/smpp) and HTTP gateways (app/sms/httpgw). Each kind registers
// itself with Register; the queue (app/sms/queue) builds one Gateway per
// stored configuration, hands it outbound messages one at a time and takes
// what it reports through its Sink.
//
// The rules every gateway keeps:
//   - Send returns only when the gateway knows what happened to the
//     message (accepted by the modem, the SMSC or the HTTP peer; refused),
//     or when it cannot know (a timeout after the bytes went out): then the
//     error is a *Failure with Uncertain set, and the queue records the
//     message as possibly sent instead of sending it again.
//   - An inbound message is handed to Sink.Inbound, which returns only
//     after it is committed; only then may the gateway acknowledge it to the
//     peer (delete it from the SIM, answer deliver_sm, answer the HTTP
//     callback). A message handed over twice is dropped by the queue by its
//     ProviderID, so at-least-once towards the Sink is the right side to err.
//   - Health changes go to Sink.Health; Health returns the latest.
//   - Run keeps the link up (reconnecting with back-off) until its context
//     ends; it returns nil then, or an error when the configuration cannot
//     work at all.
package sms

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"sort"
	"sync"
	"time"
)

// Gateway carries messages to and from one peer: a modem, an SMSC, an HTTP
// gateway.
type Gateway interface {
	// Run keeps the gateway connected until ctx ends.
	Run(ctx context.Context) error
	// Send submits one message (all its parts). Segments is how many
	// parts went out; Refs are the peer's references for them (a modem's
	// TP-MR per part, an SMSC's message_id, an HTTP gateway's id), which
	// delivery reports name.
	Send(ctx context.Context, m Outbound) (Sent, error)
	// Health is the gateway's state now.
	Health() Health
}

// Inbounder is a gateway that takes inbound messages over HTTP (an HTTP
// gateway's MO callback). The queue mounts it under
// /sms/gateways/{GatewaySid}/...; the handler checks the peer's signature
// or shared secret itself.
type Inbounder interface {
	Inbound() http.Handler
}

// Outbound is one message to send.
type Outbound struct {
	SID  string // SM…: the message's SID, for logs
	From string // the gateway's address the message goes out from
	To   string
	Body string
	// StatusReport asks the network for a delivery report.
	StatusReport bool
	// Attempt counts tries, from 1.
	Attempt int
}

// Sent is what the peer answered to a Send.
type Sent struct {
	Segments int
	Refs     []string
}

// Inbound is one message received (all its parts, reassembled).
type Inbound struct {
	From string
	// To is the address it was sent to; empty means the gateway's first
	// address.
	To   string
	Body string
	// ProviderID identifies the message at the peer, stable across
	// redeliveries (a modem: sender, service-centre time and reference; an
	// SMSC or HTTP gateway: its message id). The queue drops a message
	// whose ProviderID it has stored before.
	ProviderID string
	Segments   int
	// Incomplete says parts never came; Missing lists their numbers (1-based).
	Incomplete bool
	Missing    []int
	Received   time.Time
}

// Report is a delivery report for a part sent before.
type Report struct {
	// Ref is the reference Send returned for the part.
	Ref string
	// To is the recipient, when the peer names it (a modem's report must:
	// its 8-bit reference alone is reused within minutes).
	To string
	// Status is "delivered", "undelivered" or "failed" (Twilio's words);
	// "sent" for an intermediate report that changes nothing final.
	Status    string
	ErrorCode int // Twilio's error code for undelivered/failed, 0 otherwise
	Detail    string
	At        time.Time
	// Window, when set, bounds how long ago the part may have been sent
	// (matching by an 8-bit reference); zero matches whatever age.
	Window time.Duration
}

// Sink receives what a gateway reports. Inbound and Report return after the
// store committed; a gateway acknowledges the peer only after a nil error.
type Sink interface {
	Inbound(ctx context.Context, m Inbound) error
	Report(ctx context.Context, r Report) error
	Health(h Health)
}

// Health states.
const (
	StateConnecting = "connecting" // opening the port, binding, probing
	StateReady      = "ready"
	StateDegraded   = "degraded" // up, but something is wrong (no network, weak signal, retrying)
	StateFailed     = "failed"   // down; retrying with back-off
	StateBlocked    = "blocked"  // needs a person (SIM PUK, wrong PIN, bad credentials)
	StateStopped    = "stopped"  // disabled or not running
)

// Health is a gateway's state for the API, /metrics, SSE and the settings
// page.
type Health struct {
	State        string    `json:"state"`
	Since        time.Time `json:"since"`
	LastError    string    `json:"last_error,omitempty"`
	SignalDBM    *int      `json:"signal_dbm,omitempty"`
	Operator     string    `json:"operator,omitempty"`
	Registration string    `json:"registration,omitempty"`
	// Detail is what else the kind knows (model, IMEI, bound system id...).
	Detail map[string]string `json:"detail,omitempty"`
}

// Failure is a Send that did not go out (or may have: Uncertain).
type Failure struct {
	// Permanent: sending again cannot help (bad number, barred, codec).
	Permanent bool
	// Uncertain: the message may have gone out (a timeout after the bytes
	// were written). The queue does not send it again.
	Uncertain bool
	// Code is Twilio's error code for the status callback (30003
	// unreachable, 30005 unknown destination, 30006 landline or
	// unreachable carrier, 30007 filtered, 30008 unknown error, 30001
	// queue overflow / gateway busy, 21617 body too long...).
	Code int
	Err  error
	// RetryAfter, when set, is the earliest next attempt the peer asked for.
	RetryAfter time.Duration
}

func (f *Failure) Error() string {
	kind := "retryable"
	switch {
	case f.Uncertain:
		kind = "uncertain"
	case f.Permanent:
		kind = "permanent"
	}
	return fmt.Sprintf("sms: %s failure (error %d): %v", kind, f.Code, f.Err)
}

func (f *Failure) Unwrap() error { return f.Err }

// Retryable wraps err as a failure worth another attempt.
func Retryable(code int, err error) error { return &Failure{Code: code, Err: err} }

// Permanent wraps err as a failure no retry can fix.
func Permanent(code int, err error) error { return &Failure{Permanent: true, Code: code, Err: err} }

// Uncertain wraps err as a send that may have gone out.
func Uncertain(code int, err error) error { return &Failure{Uncertain: true, Code: code, Err: err} }

// AsFailure classifies any Send error: a *Failure as it is, anything else as
// retryable with code 30008.
func AsFailure(err error) *Failure {
	var f *Failure
	if errors.As(err, &f) {
		return f
	}
	return &Failure{Code: 30008, Err: err}
}

// Twilio error codes the gateways use.
const (
	CodeQueueOverflow      = 30001
	CodeUnreachable        = 30003
	CodeBlocked            = 30004
	CodeUnknownDestination = 30005
	CodeLandline           = 30006
	CodeFiltered           = 30007
	CodeUnknown            = 30008
	CodeMissingSegment     = 30009
	CodeBodyTooLong        = 21617
	CodeInvalidTo          = 21211
)

// Config is one stored gateway, as the queue hands it to its kind.
type Config struct {
	SID          string // SG…
	FriendlyName string
	Kind         string
	// Addresses are the numbers (E.164) or sender ids this gateway owns:
	// flows whose channel address is one of them send through it, and an
	// inbound message without a To is addressed to the first.
	Addresses []string
	// Settings is the kind's settings object, secrets included.
	Settings json.RawMessage
	// InboundURL is where the appliance serves the gateway's Inbounder
	// handler, as its peers reach it (the appliance's public URL).
	InboundURL string
}

// Env is what a gateway gets from the appliance.
type Env struct {
	Log  *slog.Logger
	Sink Sink
	Now  func() time.Time // nil: time.Now
}

// Kind is a kind of gateway.
type Kind struct {
	Name  string // "modem", "smpp", "http"
	Title string // for people: "USB modem (AT commands)"
	// Schema is the JSON Schema of the settings object; the editor's
	// settings page generates its form from it. Secret fields carry
	// "writeOnly": true.
	Schema json.RawMessage
	// Secrets name the settings that are never returned by the API.
	Secrets []string
	// Inbound says its gateways implement Inbounder: they take inbound
	// messages over HTTP, at a URL the settings page shows.
	Inbound bool
	// Check validates a settings object without connecting.
	Check func(settings json.RawMessage) error
	// New builds a gateway; it must not connect yet (Run does).
	New func(cfg Config, env Env) (Gateway, error)
}

var (
	kindsMu sync.RWMutex
	kinds   = map[string]Kind{}
)

// Register adds a kind; a package registers its kind in init.
func Register(k Kind) {
	kindsMu.Lock()
	defer kindsMu.Unlock()
	if k.Name == "" || k.New == nil {
		panic("sms: Register: a kind needs a name and New")
	}
	if _, dup := kinds[k.Name]; dup {
		panic("sms: Register: kind " + k.Name + " registered twice")
	}
	kinds[k.Name] = k
}

// Lookup returns the kind called name.
func Lookup(name string) (Kind, bool) {
	kindsMu.RLock()
	defer kindsMu.RUnlock()
	k, ok := kinds[name]
	return k, ok
}

// Kinds lists the registered kinds by name.
func Kinds() []Kind {
	kindsMu.RLock()
	defer kindsMu.RUnlock()
	out := make([]Kind, 0, len(kinds))
	for _, k := range kinds {
		out = append(out, k)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}
