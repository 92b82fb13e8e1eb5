package voice

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"regexp"
	"time"

	"github.com/switchboard/switchboard/app/runner"
	"github.com/switchboard/switchboard/app/store"
	"github.com/switchboard/switchboard/engine"
	"github.com/switchboard/switchboard/media"
	"github.com/switchboard/switchboard/media/g711"
	"github.com/switchboard/switchboard/sip"
)

// Service answers SIP calls with flows.
type Service struct {
	Store      *store.Store
	Runner     *runner.Runner
	Ports      *media.PortPool
	Prompts    *PromptLibrary
	Recordings *RecordingStore
	AccountSID string
	// AuthToken signs the requests of add-twiml-redirect (X-Twilio-Signature).
	AuthToken string
	// TwiMLHTTP fetches add-twiml-redirect's TwiML; nil: a default client.
	TwiMLHTTP *http.Client
	Log       *slog.Logger
	// MediaTimeout hangs up calls without RTP for this long (default 60 s).
	MediaTimeout time.Duration
	// StreamQueue and StreamWriteTimeout tune fork-stream's media streams
	// (0: the stream package's defaults).
	StreamQueue        int
	StreamWriteTimeout time.Duration
	// SIP places connect-call-to's outbound legs; nil: the widget's Dial
	// fails (DialCallStatus failed).
	SIP *sip.Server
	// Queues holds enqueue-call's local queues (one per appliance); nil:
	// enqueue-call follows callFailure.
	Queues *QueueManager
}

var flowSIDUser = regexp.MustCompile(`^FW[0-9a-fA-F]{32}$`)

// Route finds the flow for a call: sip:<FlowSid>@host reaches that flow;
// else the dialled number or user (Request-URI, then To) is looked up in the
// numbers table. Unknown numbers get 404.
func (v *Service) Route(ctx context.Context, in sip.Incoming) (sip.Route, error) {
	for _, user := range []string{in.RequestUser, in.To.User} {
		if user == "" {
			continue
		}
		if flowSIDUser.MatchString(user) {
			if _, err := v.Store.Flow(ctx, user); err != nil {
				if errors.Is(err, store.ErrNotFound) {
					return nil, sip.ErrNoRoute
				}
				return nil, err
			}
			return user, nil
		}
		n, err := v.Store.NumberFor(ctx, user)
		if errors.Is(err, store.ErrNotFound) {
			continue
		}
		if err != nil {
			return nil, err
		}
		if n.VoiceFlowSID == "" {
			return nil, &sip.Reject{Status: 404, Reason: "No flow for this number"}
		}
		return n.VoiceFlowSID, nil
	}
	return nil, sip.ErrNoRoute
}

// Handle runs the call's flow from answer to hang-up.
func (v *Service) Handle(ctx context.Context, call *sip.Call) {
	log := v.Log.With("call_id", call.ID)
	flowSID, _ := call.Route.(string)
	sess, err := v.Ports.Open()
	if err != nil {
		log.Error("no media port for the call", "err", err)
		_ = call.Reject(ctx, 503, "No media ports available")
		return
	}
	defer sess.Close()
	// The execution starts before the call is answered, so that a flow
	// that cannot take the call refuses it with a status the caller's side
	// understands instead of answering into silence.
	bg := context.WithoutCancel(ctx)
	params := callParams(v.AccountSID, call)
	var x *engine.Execution
	var sp *engine.Sprint
	onOwnStack(func() {
		x, sp, err = v.Runner.Start(bg, flowSID, engine.Trigger{
			Event: engine.EventIncomingCall, Contact: address(call.From), Channel: address(call.To),
			Params: params, InitiatedBy: call.ID,
		})
	})
	var conflict *store.ActiveConflict
	switch {
	case errors.As(err, &conflict):
		log.Info("caller already in an execution of this flow", "execution_sid", conflict.ExecutionSID)
		_ = call.Reject(ctx, 486, "Busy Here")
		return
	case errors.Is(err, store.ErrNotFound):
		log.Warn("flow has no published revision for this caller", "flow_sid", flowSID)
		_ = call.Reject(ctx, 480, "Temporarily Unavailable")
		return
	case err != nil:
		log.Error("execution did not start", "flow_sid", flowSID, "err", err)
		_ = call.Reject(ctx, 500, "Server Internal Error")
		return
	}
	log = log.With("execution_sid", x.SID, "flow_sid", flowSID)
	held := holdSprint(x, sp) // x and sp themselves are not kept for the call
	// The media starts before the 200 OK goes out: the caller's RTP (a key
	// pressed at once) may come before its ACK is handled (AnswerReady).
	if err := call.AnswerReady(ctx, sess.LocalAddr(), func() error { return startLeg(sess, call) }); err != nil {
		log.Warn("call not answered", "err", err)
		v.hangup(bg, log, held)
		return
	}
	v.onCall(ctx, log, call, sess, flowSID, params, call.ID, func(callCtx context.Context, exec *Executor) {
		log.Info("call answered by flow")
		if err := v.run(callCtx, log, held, exec); err != nil {
			log.Error("call flow failed", "err", err)
		}
	})
}

// onOwnStack runs fn on a goroutine of its own and waits for it; a panic
// in fn goes on in the caller. A call's goroutine lives as long as the
// call and keeps the largest stack it ever grew: the runtime shrinks a
// stack only at a GC, by half, and only while less than a quarter of it
// is in use. A sprint (the engine, its templates, the JSON the store
// writes) grew every call's goroutine to 16 KB in the voice benchmark,
// while the call needs about 7 KB to wait on its prompt. Run on its own
// goroutine, the sprint's stack goes back to the runtime when it ends, for
// the next call's sprint.
func onOwnStack(fn func()) {
	done := make(chan struct{})
	var p any
	go func() {
		defer func() {
			p = recover()
			close(done)
		}()
		fn()
	}()
	<-done
	if p != nil {
		panic(p)
	}
}

// heldSprint is what a call keeps of its execution while the call carries
// out a sprint's commands, which can take minutes (a prompt that loops, a
// gather's timeout): the execution's SID, whether it is active, and the
// sprint's commands and wait (all the executor reads). The execution (its
// context) and the sprint's steps are left to the runner, which keeps its
// own copy for the next sprint: holding them here kept a second copy of
// every waiting call's execution alive (about 7 KB a call in the voice
// benchmark's heap profile).
type heldSprint struct {
	sid    string
	active bool
	sp     *engine.Sprint
}

// holdSprint is what a call keeps of x and the sprint sp that it ran.
func holdSprint(x *engine.Execution, sp *engine.Sprint) heldSprint {
	h := heldSprint{sid: x.SID, active: x.Active(), sp: &engine.Sprint{}}
	if sp != nil {
		h.sp.Commands, h.sp.Wait = sp.Commands, sp.Wait
	}
	return h
}

// onCall watches an answered call whose media has started (startLeg): its
// re-INVITEs, hold, a media timeout; it runs fn with the call's executor;
// callCtx ends when the call does (BYE, media timeout). Inbound and
// outbound calls share it.
func (v *Service) onCall(ctx context.Context, log *slog.Logger, call *sip.Call, sess *media.Session, flowSID string,
	params map[string]any, callSID string, fn func(callCtx context.Context, exec *Executor)) {
	law := g711.Ulaw
	if call.Codec.PayloadType == 8 {
		law = g711.Alaw
	}
	if v.MediaTimeout > 0 {
		sess.SetMediaTimeout(v.MediaTimeout)
	}
	// The call ends on BYE/CANCEL (ctx), on a media timeout, or when the
	// flow hangs up. The media's watcher (newCallMedia) applies re-INVITEs
	// and hangs up on the timeout meanwhile.
	callCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	// The flow hears of the call's end from the media's watcher, after the
	// keys that came before it (callWatch.onEnd).
	flowCtx, flowEnd := context.WithCancel(context.WithoutCancel(callCtx))
	defer flowEnd()
	m := newCallMedia(sess, law, call.TelephoneEvent >= 0, call.DTMF(), callWatch{
		onEnd:   flowEnd,
		done:    callCtx.Done(),
		updates: call.Updates(),
		onUpdate: func(u sip.MediaUpdate) {
			sess.Hold(u.Hold)
			_ = keyMedia(sess, u.Media.SRTP) // a re-INVITE may re-key (same keys: no change)
			if !u.Hold && u.Remote.IsValid() && u.Remote != call.Remote {
				_ = sess.Start(u.Remote, u.Media.Codec.PayloadType, int(u.Media.Codec.ClockRate), u.Media.TelephoneEvent)
			}
		},
		onTimeout: func() {
			log.Warn("no media from the caller: hanging up")
			cancel()
		},
	})

	exec := &Executor{Media: m, Prompts: lawPrompts{lib: v.Prompts, law: law}, Recordings: v.Recordings,
		CallSID: callSID, AccountSID: v.AccountSID, Log: log, TwiML: v.twimlClient(flowSID, params),
		StreamQueue: v.StreamQueue, StreamWriteTimeout: v.StreamWriteTimeout}
	if v.SIP != nil {
		exec.Connect = &Connector{SIP: v.SIP, Ports: v.Ports, Store: v.Store, Caller: call, Sess: sess, Law: law,
			MediaTimeout: v.MediaTimeout, Log: log}
		exec.Queues = v.Queues
	}
	defer exec.Close()
	fn(flowCtx, exec)
}

// hangup tells a started execution that the call is gone.
func (v *Service) hangup(ctx context.Context, log *slog.Logger, h heldSprint) {
	if !h.active {
		return
	}
	next, _, err := v.Runner.Resume(ctx, h.sid, engine.Input{Type: engine.InputHangup})
	if err != nil {
		v.end(ctx, log, h.sid)
		return
	}
	v.afterHangup(ctx, log, next)
}

// end ends an execution the call can no longer drive (one already ended
// is fine).
func (v *Service) end(ctx context.Context, log *slog.Logger, sid string) {
	if _, err := v.Runner.End(ctx, sid); err != nil && !errors.Is(err, engine.ErrEnded) {
		log.Error("ending execution", "err", err)
	}
}

// callInputs are what only a live call gives a waiting widget.
var callInputs = []string{engine.InputAudioDone, engine.InputDigits, engine.InputSpeech, engine.InputRecording,
	engine.InputDial, engine.InputQueue, engine.InputReturn}

// needsCall says x waits on a widget only the call could answer.
func needsCall(x *engine.Execution) bool {
	if x == nil || !x.Active() || x.Wait == nil {
		return false
	}
	for _, in := range callInputs {
		if x.Wait.Accepts(in) {
			return true
		}
	}
	return false
}

// maxHangupResumes bounds afterHangup: each resume moves the flow on by at
// least one widget, and a flow that keeps reaching call widgets after the
// caller left is ended.
const maxHangupResumes = 16

// afterHangup: a flow that went on after the caller left (a widget's
// hangup path, enqueue-call's callComplete) may wait next on a widget that
// needs the call (a say-play, a gather), which nothing will ever answer.
// It is told the call is gone too, as often as it takes: the engine ends an
// execution whose wait takes no hang-up, as Studio does. What needs no call
// (an SMS reply, an outbound call's result) is left to wait.
func (v *Service) afterHangup(ctx context.Context, log *slog.Logger, x *engine.Execution) {
	for i := 0; needsCall(x); i++ {
		if i == maxHangupResumes {
			log.Warn("the flow keeps reaching call widgets after the caller left; ending its execution", "widget", x.Current)
			v.end(ctx, log, x.SID)
			return
		}
		next, _, err := v.Runner.Resume(ctx, x.SID, engine.Input{Type: engine.InputHangup})
		if err != nil {
			v.end(ctx, log, x.SID)
			return
		}
		x = next
	}
}

// run drives a started execution until it ends or the call does. It keeps
// only h between sprints (see heldSprint).
func (v *Service) run(ctx context.Context, log *slog.Logger, h heldSprint, exec *Executor) error {
	// Resumes outlive the call's context: a hang-up must still be recorded.
	bg := context.WithoutCancel(ctx)
	for h.active {
		in, err := exec.Run(ctx, h.sp)
		if errors.Is(err, ErrHangup) {
			log.Info("flow hung up")
			_, err = v.Runner.End(bg, h.sid)
			return err
		}
		if err != nil {
			// A wait the call cannot satisfy: end the execution rather than
			// leave it active forever.
			v.end(bg, log, h.sid)
			return err
		}
		if in == nil {
			return nil // the sprint ended the execution
		}
		// Once the call is gone, what the widget waited for is a hang-up,
		// except what the caller finished before leaving: a recording, and
		// a gather's keys (collect). Those are the flow's input; the next
		// sprint then meets the hang-up.
		if ctx.Err() != nil && in.Type != engine.InputRecording && in.Type != engine.InputDigits {
			in = &engine.Input{Type: engine.InputHangup, Events: in.Events}
		}
		var x *engine.Execution
		var sp *engine.Sprint
		onOwnStack(func() { x, sp, err = v.Runner.Resume(bg, h.sid, *in) })
		if err != nil {
			return fmt.Errorf("resume with %s: %w", in.Type, err)
		}
		if in.Type == engine.InputHangup {
			v.afterHangup(bg, log, x)
			return nil
		}
		h = holdSprint(x, sp)
	}
	// The last sprint's prompts still play before we hang up.
	if ctx.Err() == nil {
		if _, err := exec.Run(ctx, h.sp); err != nil && !errors.Is(err, ErrHangup) {
			log.Debug("final prompts", "err", err)
		}
	}
	return nil
}

// address is the contact or channel address Studio shows for a SIP party:
// a phone number when the user part is one, else the SIP URI.
func address(p sip.Party) string {
	p = cleanParty(p)
	if isNumber(p.User) {
		return p.User
	}
	if p.URI != "" {
		return p.URI
	}
	return "sip:" + p.User + "@" + p.Host
}

func isNumber(s string) bool {
	if s == "" {
		return false
	}
	for i, c := range s {
		if !(c >= '0' && c <= '9' || c == '+' && i == 0) {
			return false
		}
	}
	return true
}

// cleanParty strips control characters (terminal escapes among them) from
// what the caller controls and caps its length. sip.Server already does this
// for the calls it takes; the trigger does not rely on it.
func cleanParty(p sip.Party) sip.Party {
	return sip.Party{
		User:    sip.SanitizeText(p.User, sip.MaxUser),
		Display: sip.SanitizeText(p.Display, sip.MaxDisplayName),
		URI:     sip.SanitizeText(p.URI, sip.MaxURI),
		Host:    sip.SanitizeText(p.Host, sip.MaxHost),
	}
}

// callParams are Twilio's voice webhook fields, which become trigger.call.*.
// Every value the caller controls is cleaned (cleanParty).
func callParams(account string, c *sip.Call) map[string]any {
	from, to := address(c.From), address(c.To)
	p := map[string]any{
		"CallSid": c.ID, "AccountSid": account, "From": from, "To": to, "Caller": from, "Called": to,
		"Direction": "inbound", "CallStatus": "in-progress", "ApiVersion": "2010-04-01",
		"SipCallId": sip.SanitizeText(c.CallID, sip.MaxPartyHeader), "SipSourceIp": c.Source.Addr().String(),
	}
	if name := cleanParty(c.From).Display; name != "" {
		p["CallerName"] = name
	}
	if c.Admission.Kind == "trunk" {
		p["SipTrunk"] = c.Admission.Name
	}
	return p
}

// twimlClient fetches a call's outside TwiML with Twilio's request fields.
func (v *Service) twimlClient(flowSID string, params map[string]any) *TwiMLClient {
	c := &TwiMLClient{HTTP: v.TwiMLHTTP, AuthToken: v.AuthToken, FlowSID: flowSID, Params: map[string]string{}}
	for _, k := range []string{"CallSid", "AccountSid", "From", "To", "Caller", "Called", "CallStatus", "Direction", "ApiVersion"} {
		if s, ok := params[k].(string); ok {
			c.Params[k] = s
		}
	}
	return c
}
