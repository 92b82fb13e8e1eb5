package api

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/switchboard/switchboard/app/runner"
	"github.com/switchboard/switchboard/app/store"
	"github.com/switchboard/switchboard/app/twiliosig"
	"github.com/switchboard/switchboard/app/twiml"
	"github.com/switchboard/switchboard/engine"
)

// Studio's webhook_url shape. Twilio (a number's Messaging or Voice webhook,
// a Function, Studio) POSTs a form here; the answer is TwiML.
const webhookPattern = "POST /v1/Accounts/{AccountSid}/Flows/{FlowSid}"

// maxWebhookForm caps a webhook's form body.
const maxWebhookForm = 1 << 20

// maxChainedPrompts is how many prompt-only sprints (say-play) one voice
// answer strings together before it hands the rest to a redirect.
const maxChainedPrompts = 50

// flowEventParam is the query parameter our action URLs carry; "return" is
// also what outside TwiML uses to come back, as in Studio.
const flowEventParam = "FlowEvent"

// flowStepParam is the other query parameter of our action URLs (see
// actions); it never reaches the flow.
const flowStepParam = "FlowStep"

// routesWebhooks registers the Twilio-shaped webhooks.
func (s *Server) routesWebhooks(mux *http.ServeMux) {
	mux.HandleFunc(webhookPattern, s.webhook)
}

// isWebhook reports whether r is a POST to a webhook path.
func isWebhook(r *http.Request) bool {
	return r.Method == http.MethodPost && isWebhookPath(r.URL.Path)
}

// signedWebhook reports whether r is a webhook request with a valid
// X-Twilio-Signature over its external URL and form. It parses the form,
// which stays cached on r for the handler; a body over the cap is
// errWebhookTooLarge (checked before the signature, which cannot be checked
// without the whole body).
func (s *Server) signedWebhook(w http.ResponseWriter, r *http.Request) (bool, error) {
	if !isWebhook(r) || s.Auth == nil {
		return false, nil
	}
	if r.ContentLength > maxWebhookForm {
		return false, errWebhookTooLarge
	}
	sig := r.Header.Get(twiliosig.Header)
	if sig == "" {
		return false, nil
	}
	if err := parseWebhookForm(w, r); err != nil {
		if errors.Is(err, errWebhookTooLarge) {
			return false, err
		}
		return false, nil
	}
	return twiliosig.Validate(s.Auth.Creds.AuthToken, s.externalURL(r), r.PostForm, sig), nil
}

// errWebhookTooLarge is a webhook body over maxWebhookForm.
var errWebhookTooLarge = errors.New("webhook body too large")

// webhookTooLarge is the answer to a body over the cap.
func webhookTooLarge() *Error {
	return apiError(http.StatusRequestEntityTooLarge, CodeInvalidParam, "The request body is larger than %d bytes", maxWebhookForm)
}

// isWebhookPath matches /v1/Accounts/{AccountSid}/Flows/{FlowSid}.
func isWebhookPath(p string) bool {
	rest, ok := strings.CutPrefix(p, "/v1/Accounts/")
	if !ok {
		return false
	}
	parts := strings.Split(rest, "/")
	return len(parts) == 3 && parts[0] != "" && parts[1] == "Flows" && parts[2] != ""
}

// parseWebhookForm parses the form once, with a size cap; a body over it
// is errWebhookTooLarge. w may be nil.
func parseWebhookForm(w http.ResponseWriter, r *http.Request) error {
	if r.PostForm != nil {
		return nil
	}
	if r.ContentLength > maxWebhookForm {
		return errWebhookTooLarge
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxWebhookForm)
	err := r.ParseForm()
	if tooBig := (*http.MaxBytesError)(nil); errors.As(err, &tooBig) {
		return fmt.Errorf("%w: %w", errWebhookTooLarge, err)
	}
	return err
}

// externalURL is the URL as the caller used it, which is what Twilio signs:
// PublicURL (behind a reverse proxy) or the scheme and Host of the request,
// then the request target as received.
func (s *Server) externalURL(r *http.Request) string {
	uri := r.RequestURI
	if !strings.HasPrefix(uri, "/") {
		uri = r.URL.RequestURI()
	}
	return s.externalBase(r) + uri
}

func (s *Server) externalBase(r *http.Request) string {
	if s.PublicURL != "" {
		return strings.TrimRight(s.PublicURL, "/")
	}
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host
}

// actions builds the action URLs of the voice verbs of an answer: this
// webhook's external URL with FlowStep (how many steps the execution had
// taken when it answered, which tells a repeated callback from a new one
// that reports the same) and FlowEvent set.
func (s *Server) actions(r *http.Request, step int) twiml.Action {
	base := s.externalBase(r) + r.URL.EscapedPath() + "?" + flowStepParam + "=" + strconv.Itoa(step) + "&" + flowEventParam + "="
	return func(event string) string {
		return base + url.QueryEscape(event)
	}
}

// webhook answers a Twilio messaging or voice webhook for a flow.
func (s *Server) webhook(w http.ResponseWriter, r *http.Request) {
	if r.PathValue("AccountSid") != s.Auth.Creds.AccountSID {
		writeError(w, notFound(r))
		return
	}
	ct, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || ct != "application/x-www-form-urlencoded" {
		writeError(w, apiError(http.StatusBadRequest, CodeInvalidParam,
			"Invalid Content-Type: webhooks are posted as application/x-www-form-urlencoded"))
		return
	}
	if err := parseWebhookForm(w, r); err != nil {
		if errors.Is(err, errWebhookTooLarge) {
			writeError(w, webhookTooLarge())
			return
		}
		writeError(w, apiError(http.StatusBadRequest, CodeInvalidParam, "Malformed form body: %v", err))
		return
	}
	form := r.PostForm
	for _, p := range []string{"From", "To"} {
		if form.Get(p) == "" {
			writeError(w, missing(p))
			return
		}
		if e := checkAddress(p, form.Get(p)); e != nil {
			writeError(w, e)
			return
		}
	}
	flowSID := r.PathValue("FlowSid")
	if _, err := s.Store.Flow(r.Context(), flowSID); err != nil {
		s.storeError(w, r, err)
		return
	}
	params := make(map[string]any, len(form))
	for k, v := range form {
		params[k] = v[0] // repeated keys: the first value, as Studio's trigger.message
	}
	from, to := form.Get("From"), form.Get("To")
	log := s.Log.With("flow_sid", flowSID)
	if key := receiptKey(flowSID, r, form); key != "" {
		// A webhook delivered before answers as it did then; its receipt is
		// stored with the sprint it caused, its answer once written.
		unlock := s.receiptLocks.lock(key)
		defer unlock()
		rc, err := s.Store.Receipt(r.Context(), key)
		if err != nil {
			s.internal(w, r, err)
			return
		}
		if rc != nil {
			replay(w, log, rc)
			return
		}
		rec := &recorder{ResponseWriter: w}
		w = rec
		r = r.WithContext(runner.WithReceipt(r.Context(), store.Receipt{Key: key, FlowSID: flowSID}))
		defer func() {
			if rec.status < 200 || rec.status > 299 || rec.overflow {
				return // an error changes nothing and may go otherwise next time
			}
			err := s.Store.FinishReceipt(context.WithoutCancel(r.Context()), store.Receipt{Key: key, FlowSID: flowSID,
				Status: rec.status, ContentType: rec.Header().Get("Content-Type"), Body: rec.body.String()})
			if err != nil {
				log.Error("webhook: storing its answer for repeats", "key", key, "err", err)
			}
			s.purgeReceipts(r, log)
		}()
	}
	switch {
	case form.Has("MessageSid") || form.Has("SmsSid"):
		s.messageWebhook(w, r, log, flowSID, from, to, params)
	case form.Has("CallSid"):
		s.voiceWebhook(w, r, log.With("call_id", form.Get("CallSid")), flowSID, from, to, params)
	default:
		writeError(w, missing("MessageSid or CallSid"))
	}
}

// messageWebhook delivers an inbound message to the flow and answers with
// the messages the sprint sends back to the contact.
func (s *Server) messageWebhook(w http.ResponseWriter, r *http.Request, log *slog.Logger, flowSID, from, to string, params map[string]any) {
	ctx := r.Context()
	if _, ok := params["MessageSid"]; !ok {
		params["MessageSid"] = params["SmsSid"]
	}
	// Replies to the contact go back in this answer, not through a gateway.
	ctx = runner.WithReplies(ctx, from, to)
	x, sp, err := s.Runner.Message(ctx, flowSID, from, to, params)
	var conflict *store.ActiveConflict
	switch {
	case errors.Is(err, store.ErrDuplicateReceipt):
		s.duplicate(w, r, log)
		return
	case errors.Is(err, runner.ErrBusy) || errors.As(err, &conflict):
		// Studio drops a message for a contact whose execution is busy.
		log.Info("webhook message dropped: the contact's execution is not waiting for a message", "err", err)
		writeTwiML(w, &twiml.Response{})
		return
	case err != nil:
		s.storeError(w, r, err)
		return
	}
	var resp twiml.Response
	// Replies to the contact go back to Twilio in the answer; a send-message
	// waiting for such a reply's result is told it was sent, and what the
	// flow does next joins the same answer.
	for i := 0; ; i++ {
		replied := ""
		for _, c := range sp.Commands {
			m, ok := c.(engine.Message)
			if !ok || m.To != from || (m.From != to && m.From != "") {
				continue // other addresses go out through a gateway
			}
			reply := m
			reply.From = to
			resp.Message(reply)
			replied = m.SID // stored as a sent reply (runner.WithReplies)
		}
		if replied == "" || i >= maxChainedPrompts || !x.Active() || !x.Wait.AwaitsMessageResult() {
			break
		}
		nx, nsp, err := s.Runner.Resume(ctx, x.SID, engine.Input{Type: engine.InputDelivery,
			Params: map[string]any{"MessageSid": replied, "Status": "sent"}})
		if err != nil {
			log.Error("webhook message: resuming after a reply", "execution_sid", x.SID, "err", err)
			break
		}
		x, sp = nx, nsp
	}
	writeTwiML(w, &resp)
}

// voiceWebhook starts an incomingCall execution for a new call, or resumes
// the call's execution with what an action URL or status callback reports,
// and answers with the sprint's voice verbs.
func (s *Server) voiceWebhook(w http.ResponseWriter, r *http.Request, log *slog.Logger, flowSID, from, to string, params map[string]any) {
	ctx := r.Context()
	callSID, _ := params["CallSid"].(string)
	event := r.URL.Query().Get(flowEventParam)
	if event == "" && callEnded(params["CallStatus"]) {
		event = twiml.EventHangup
	}
	var in engine.Input
	if event != "" {
		var ok bool
		if in, ok = voiceInput(event, params, r.URL.Query()); !ok {
			writeError(w, invalid(flowEventParam, "unknown event %q", event))
			return
		}
	}
	execSID, err := s.callExecution(ctx, flowSID, from, callSID)
	if err != nil {
		s.storeError(w, r, err)
		return
	}
	hangup := &twiml.Response{}
	hangup.Hangup()
	switch {
	case event == "" && execSID == "":
		x, sp, err := s.Runner.Start(ctx, flowSID, engine.Trigger{Event: engine.EventIncomingCall, Contact: from, Channel: to,
			Params: params, InitiatedBy: callSID})
		var conflict *store.ActiveConflict
		if errors.Is(err, store.ErrDuplicateReceipt) {
			s.duplicate(w, r, log)
			return
		}
		if errors.As(err, &conflict) {
			log.Info("webhook call refused: the contact has an active execution", "execution_sid", conflict.ExecutionSID)
			writeTwiML(w, hangup)
			return
		}
		if err != nil {
			s.storeError(w, r, err)
			return
		}
		s.answerCall(ctx, w, log, r, x, sp)
	case event == "":
		// A status callback or a repeated first request for a call that
		// already runs: nothing to do.
		log.Info("webhook call request ignored: the call's execution is running", "execution_sid", execSID)
		writeTwiML(w, &twiml.Response{})
	case execSID == "":
		log.Info("webhook call event for no active execution", "event", event)
		if event == twiml.EventHangup {
			writeTwiML(w, &twiml.Response{})
			return
		}
		writeTwiML(w, hangup)
	default:
		x, sp, err := s.Runner.Resume(ctx, execSID, in)
		if errors.Is(err, store.ErrDuplicateReceipt) {
			s.duplicate(w, r, log)
			return
		}
		if errors.Is(err, engine.ErrNotWaiting) || errors.Is(err, engine.ErrEnded) {
			log.Info("webhook call event not expected now", "execution_sid", execSID, "event", event, "err", err)
			writeTwiML(w, hangup)
			return
		}
		if err != nil {
			s.storeError(w, r, err)
			return
		}
		s.answerCall(ctx, w, log, r, x, sp)
	}
}

// duplicate answers a webhook whose sprint found its receipt stored (by
// another process on the same data): as the first delivery was answered.
func (s *Server) duplicate(w http.ResponseWriter, r *http.Request, log *slog.Logger) {
	key := receiptKey(r.PathValue("FlowSid"), r, r.PostForm)
	rc, err := s.Store.Receipt(r.Context(), key)
	if err != nil || rc == nil {
		rc = &store.Receipt{Key: key}
	}
	replay(unrecorded(w), log, rc)
}

// answerCall renders a voice sprint as TwiML. Prompts need no answer from
// Twilio, so sprints that only wait for their prompts to play are chained
// into the same answer; the answer ends where the flow waits for the
// caller (a Gather, Record, Dial, Enqueue or Redirect calls back) or ends.
func (s *Server) answerCall(ctx context.Context, w http.ResponseWriter, log *slog.Logger, r *http.Request, x *engine.Execution, sp *engine.Sprint) {
	log = log.With("execution_sid", x.SID)
	action := s.actions(r, x.Steps)
	var resp twiml.Response
	render := func(sp *engine.Sprint) bool {
		for _, c := range sp.Commands {
			switch c.(type) {
			case engine.Message:
				continue // sent by a gateway from the outbox
			case engine.RecordCall:
				log.Warn("webhook call: recording the whole call is not available over a Twilio webhook; skipped", "widget", c.WidgetName())
				continue
			}
			if err := resp.Voice(c, action); err != nil {
				log.Warn("webhook call: a command cannot run over a Twilio webhook; hanging up", "err", err)
				return false
			}
		}
		return true
	}
	ok := render(sp)
	for i := 0; ok && x.Active() && x.Wait != nil && i < maxChainedPrompts; i++ {
		in := engine.Input{Type: engine.InputAudioDone}
		switch {
		case x.Wait.Accepts(engine.InputAudioDone):
		case x.Wait.AwaitsMessageResult():
			// send-message during a call: the message is queued (Studio's
			// sent); the call does not wait for the gateway.
			in = engine.Input{Type: engine.InputDelivery, Params: map[string]any{"Status": "queued"}}
		default:
			i = maxChainedPrompts
			continue
		}
		var err error
		if x, sp, err = s.Runner.Resume(ctx, x.SID, in); err != nil {
			log.Error("webhook call: resuming after prompts", "err", err)
			resp.Hangup()
			writeTwiML(w, &resp)
			return
		}
		ok = render(sp)
	}
	switch {
	case !ok:
		resp.Hangup()
		s.endCall(ctx, log, x)
	case !x.Active():
		resp.Hangup()
	case x.Wait != nil && x.Wait.Accepts(engine.InputAudioDone):
		resp.Redirect(action(twiml.EventAudioDone), twiml.DefaultMethod)
	case !callsBack(sp):
		log.Warn("webhook call: the flow waits for something a Twilio call cannot report; hanging up",
			"widget", x.Current, "inputs", x.Wait.Inputs)
		resp.Hangup()
		s.endCall(ctx, log, x)
	}
	writeTwiML(w, &resp)
}

// endCall ends the execution of a call the answer hangs up.
func (s *Server) endCall(ctx context.Context, log *slog.Logger, x *engine.Execution) {
	if !x.Active() {
		return
	}
	if _, _, err := s.Runner.Resume(ctx, x.SID, engine.Input{Type: engine.InputHangup}); err != nil {
		log.Error("webhook call: ending the execution after hanging up", "err", err)
	}
}

// callsBack reports whether the sprint's last command is a verb whose
// action (or redirect) brings the caller's answer back to the webhook.
func callsBack(sp *engine.Sprint) bool {
	if len(sp.Commands) == 0 {
		return false
	}
	yes, err := callsBackAfter(sp.Commands[len(sp.Commands)-1])
	return yes && err == nil
}

// callsBackAfter lists every command type: whether a sprint that ends with
// it hears from Twilio again. Its default branch is a bug that the
// package's tests catch for every type in enginetest.EveryCommand.
func callsBackAfter(c engine.Command) (bool, error) {
	switch c.(type) {
	case engine.Gather, engine.Record, engine.Dial, engine.Enqueue, engine.Redirect:
		return true, nil
	case engine.Say, engine.Play, engine.Digits, engine.Hangup, engine.Message, engine.Call, engine.RecordCall, engine.Stream:
		return false, nil
	}
	return false, engine.ErrUnknownCommand
}

// callExecution finds the active execution a call started: keyed by contact
// and call (concurrent calls allowed) or by contact alone.
func (s *Server) callExecution(ctx context.Context, flowSID, from, callSID string) (string, error) {
	for _, key := range []string{from + "|" + callSID, from} {
		sid, err := s.Store.ActiveExecution(ctx, flowSID, key)
		if err != nil || sid == "" {
			if err != nil {
				return "", err
			}
			continue
		}
		x, err := s.Store.Execution(ctx, sid)
		if err != nil {
			return "", err
		}
		if x.InitiatedBy == callSID {
			return sid, nil
		}
	}
	return "", nil
}

// callEnded reports whether a CallStatus says the call is over.
func callEnded(status any) bool {
	switch status {
	case "completed", "busy", "failed", "no-answer", "canceled":
		return true
	}
	return false
}

// callbackInputs maps the callback events that carry no choice to inputs.
var callbackInputs = map[string]string{
	twiml.EventTimeout:   engine.InputTimeout,
	twiml.EventRecord:    engine.InputRecording,
	twiml.EventDial:      engine.InputDial,
	twiml.EventQueue:     engine.InputQueue,
	twiml.EventAudioDone: engine.InputAudioDone,
	twiml.EventHangup:    engine.InputHangup,
	twiml.EventReturn:    engine.InputReturn,
}

// voiceInput maps a callback event and its parameters to an engine input.
func voiceInput(event string, params map[string]any, query url.Values) (engine.Input, bool) {
	has := func(k string) bool { v, _ := params[k].(string); return v != "" }
	typ, ok := callbackInputs[event]
	switch {
	case event == twiml.EventGather:
		switch {
		case has("Digits"):
			typ = engine.InputDigits
		case has("SpeechResult"):
			typ = engine.InputSpeech
		default:
			typ = engine.InputTimeout
		}
	case !ok:
		return engine.Input{}, false
	case event == twiml.EventReturn:
		// The redirect's own query parameters come back as outputs.
		for k, v := range query {
			if _, ok := params[k]; !ok && k != flowEventParam && k != flowStepParam && len(v) > 0 {
				params[k] = v[0]
			}
		}
	}
	return engine.Input{Type: typ, Params: params}, true
}

func writeTwiML(w http.ResponseWriter, resp *twiml.Response) {
	w.Header().Set("Content-Type", twiml.ContentType)
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(resp.Bytes())
}
