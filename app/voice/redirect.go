package voice

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/switchboard/switchboard/app/twiliosig"
	"github.com/switchboard/switchboard/app/twiml"
	"github.com/switchboard/switchboard/engine"
)

// The add-twiml-redirect widget hands the call to TwiML at an outside URL.
// In Studio, Twilio Voice fetches it; here the executor does, the way
// Twilio would: a signed form request with the call's fields, a bounded
// answer, and the verbs run on the live call by the same machinery as the
// flow's own. A <Redirect> back to the flow's webhook with FlowEvent=return
// resumes the widget's return transition, its query parameters as outputs.
// TwiML that ends (or hangs up) ends the call, as on Twilio. What Twilio
// would answer with "an application error has occurred" (the URL times
// out, answers non-2xx or garbage, a redirect loop, a verb we cannot run)
// takes the widget's timeout transition here, the only one Studio's widget
// leaves a live wait by, with ErrorCode and ErrorMessage in its outputs,
// so the flow goes on and the caller is not left in silence.

// TwiMLClient fetches TwiML for one call.
type TwiMLClient struct {
	// HTTP does the requests (its CheckRedirect is replaced: at most
	// maxHTTPRedirects, each re-signed); nil uses http.DefaultTransport.
	HTTP *http.Client
	// AuthToken signs each request (X-Twilio-Signature); "" signs nothing.
	AuthToken string
	// Params are the call's fields every request carries: CallSid,
	// AccountSid, From, To, CallStatus, Direction, ApiVersion …
	Params map[string]string
	// FlowSID is the call's flow: a redirect to its webhook returns to it.
	FlowSID string
	// FetchTimeout bounds one request (default 15 s, Twilio's); the
	// widget's timeout bounds the whole visit.
	FetchTimeout time.Duration
}

const (
	// maxTwiMLFetches caps the documents one visit fetches (a redirect loop).
	maxTwiMLFetches = 10
	// maxHTTPRedirects caps the HTTP 3xx a fetch follows.
	maxHTTPRedirects = 5
	// defaultFetchTimeout is Twilio's timeout for a TwiML request.
	defaultFetchTimeout = 15 * time.Second
)

// Twilio's error codes for a TwiML fetch.
const (
	codeHTTPRetrieval  = 11200 // non-2xx answer
	codeHTTPConnection = 11205 // connection failure or timeout
	codeHTTPRedirects  = 11215 // too many HTTP redirects
	codeTooLarge       = 11750 // body over 64 kB
	codeParse          = 12100 // not XML
	codeSchema         = 12200 // not valid TwiML
	codeContentType    = 12300 // not a TwiML content type
)

// twimlFailure is why a visit took the failure path.
type twimlFailure struct {
	code int // Twilio's, 0 when it has none
	msg  string
}

func (f *twimlFailure) Error() string { return f.msg }

func failf(code int, format string, args ...any) *twimlFailure {
	return &twimlFailure{code: code, msg: fmt.Sprintf(format, args...)}
}

// twimlRequest is the next document to fetch.
type twimlRequest struct {
	url    string
	method string
	extra  url.Values // Digits, RecordingUrl …
}

// errTwiMLEnded: the document ran out of verbs (or said <Hangup/>).
var errTwiMLEnded = errors.New("the TwiML ended the call")

// redirect runs the widget's visit to outside TwiML and answers its wait.
func (e *Executor) redirect(ctx context.Context, sp *engine.Sprint, c engine.Redirect) (*engine.Input, error) {
	if w := sp.Wait; w == nil || !w.Accepts(engine.InputReturn) {
		return nil, fmt.Errorf("voice: a redirect whose flow does not wait for its return")
	}
	vctx := ctx
	if c.Timeout > 0 {
		var cancel context.CancelFunc
		vctx, cancel = context.WithDeadline(ctx, visitDeadline(time.Now(), c.Timeout, sp.Wait.Deadline))
		defer cancel()
	}
	log := e.Log.With("widget", c.Widget)
	req := &twimlRequest{url: c.URL, method: c.Method}
	for fetches := 0; ; fetches++ {
		if fetches == maxTwiMLFetches {
			return e.twimlFailed(log, c.Widget, failf(0, "%d TwiML documents fetched without returning to the flow (a redirect loop?)", maxTwiMLFetches)), nil
		}
		doc, err := e.TwiML.fetch(vctx, req)
		switch {
		case ctx.Err() != nil:
			return &engine.Input{Type: engine.InputHangup}, nil
		case vctx.Err() != nil:
			log.Warn("TwiML redirect timed out", "timeout_s", c.Timeout)
			e.report("error", codeHTTPConnection, c.Widget, fmt.Sprintf("%s did not answer within the widget's timeout (%d s)", redacted(req.url), c.Timeout))
			return &engine.Input{Type: engine.InputTimeout}, nil
		case err != nil:
			var f *twimlFailure
			if !errors.As(err, &f) {
				f = failf(codeHTTPConnection, "%v", err)
			}
			return e.twimlFailed(log, c.Widget, f), nil
		}
		log.Info("running outside TwiML", "url", req.url, "verbs", len(doc.Verbs))
		next, in, err := e.runTwiML(vctx, doc, req.url)
		switch {
		case ctx.Err() != nil:
			return &engine.Input{Type: engine.InputHangup}, nil
		case vctx.Err() != nil:
			log.Warn("TwiML redirect timed out", "timeout_s", c.Timeout)
			e.report("warning", 0, c.Widget, fmt.Sprintf("the outside TwiML did not return to the flow within the widget's timeout (%d s)", c.Timeout))
			return &engine.Input{Type: engine.InputTimeout}, nil
		case errors.Is(err, errTwiMLEnded):
			log.Info("the outside TwiML ended the call")
			return nil, ErrHangup
		case err != nil:
			var f *twimlFailure
			if !errors.As(err, &f) {
				return nil, err
			}
			return e.twimlFailed(log, c.Widget, f), nil
		case in != nil:
			return in, nil
		}
		req = next
	}
}

// deadlineMargin is how long before the wait's own deadline a visit ends:
// the runner's timer sweep resumes a wait whose deadline passed, and the
// call must answer first to keep running the flow's next widgets itself.
const deadlineMargin = 500 * time.Millisecond

// visitDeadline is when a visit that started at now gives up: the widget's
// timeout, and a margin before the wait's deadline when it has one.
func visitDeadline(now time.Time, timeout int, waitDeadline time.Time) time.Time {
	d := now.Add(time.Duration(timeout) * time.Second)
	if !waitDeadline.IsZero() {
		if w := waitDeadline.Add(-deadlineMargin); w.Before(d) {
			d = w
		}
	}
	return d
}

// twimlFailed logs and reports why (an event on the widget's step) and
// answers the wait with the failure path.
func (e *Executor) twimlFailed(log *slog.Logger, widget string, f *twimlFailure) *engine.Input {
	log.Warn("TwiML redirect failed: taking the timeout path", "code", f.code, "err", f.msg)
	e.report("error", f.code, widget, "TwiML redirect failed: "+f.msg)
	p := map[string]any{"ErrorMessage": f.msg}
	if f.code != 0 {
		p["ErrorCode"] = strconv.Itoa(f.code)
	}
	return &engine.Input{Type: engine.InputTimeout, Params: p}
}

// runTwiML runs a document's verbs. It returns the next request (an action
// or a <Redirect>), or the input that answers the widget (return to the
// flow, the caller hung up), or errTwiMLEnded, or a *twimlFailure.
func (e *Executor) runTwiML(ctx context.Context, doc *twiml.Document, docURL string) (*twimlRequest, *engine.Input, error) {
	hangup := &engine.Input{Type: engine.InputHangup}
	for _, v := range doc.Verbs {
		if ctx.Err() != nil {
			return nil, hangup, nil
		}
		switch v := v.(type) {
		case twiml.Say, twiml.Play, twiml.Pause:
			if _, err := e.twimlPrompt(ctx, v, docURL, false); err != nil && ctx.Err() == nil {
				e.Log.Warn("TwiML prompt failed", "verb", v.Name(), "err", err)
			}
		case twiml.Gather:
			in, err := e.twimlGather(ctx, &v, docURL)
			if err != nil {
				return nil, nil, err
			}
			switch {
			case in.Type == engine.InputHangup:
				return nil, hangup, nil
			case in.Type == engine.InputDigits, v.ActionOnEmptyResult:
				digits, _ := in.Params["Digits"].(string)
				u, err := resolve(docURL, v.Action)
				if err != nil {
					return nil, nil, err
				}
				return &twimlRequest{url: u, method: v.Method, extra: url.Values{"Digits": {digits}}}, nil, nil
			}
			// Nothing gathered: on to the next verb, as Twilio does.
		case twiml.Record:
			r := engine.Record{Timeout: v.Timeout, FinishOnKey: v.FinishOnKey, MaxLength: v.MaxLength, PlayBeep: v.PlayBeep, Trim: v.Trim}
			in, err := e.record(ctx, &r)
			if err != nil {
				return nil, nil, err
			}
			if in.Params["Digits"] == "hangup" || ctx.Err() != nil {
				return nil, hangup, nil
			}
			if _, ok := in.Params["RecordingUrl"]; !ok {
				continue // nothing recorded: Twilio goes on to the next verb
			}
			u, err := resolve(docURL, v.Action)
			if err != nil {
				return nil, nil, err
			}
			extra := url.Values{}
			for _, k := range []string{"RecordingUrl", "RecordingSid", "RecordingDuration", "Digits"} {
				if s, ok := in.Params[k].(string); ok {
					extra.Set(k, s)
				}
			}
			return &twimlRequest{url: u, method: v.Method, extra: extra}, nil, nil
		case twiml.Hangup:
			return nil, nil, errTwiMLEnded
		case twiml.Redirect:
			u, err := resolve(docURL, v.URL)
			if err != nil {
				return nil, nil, err
			}
			in, back, err := e.TwiML.flowReturn(u)
			if err != nil {
				return nil, nil, err
			}
			if back {
				return nil, in, nil
			}
			return &twimlRequest{url: u, method: v.Method}, nil, nil
		case twiml.Unsupported:
			return nil, nil, failf(0, "<%s> in outside TwiML is not available on this appliance", v.Verb)
		default:
			return nil, nil, fmt.Errorf("voice: TwiML verb %T not handled", v)
		}
	}
	return nil, nil, errTwiMLEnded
}

// twimlPrompt plays <Say>, <Play> or <Pause>; interruptible as in prompt.
func (e *Executor) twimlPrompt(ctx context.Context, v twiml.Verb, docURL string, interruptible bool) (bool, error) {
	switch v := v.(type) {
	case twiml.Say:
		return e.prompt(ctx, engine.Say{Text: v.Text, Voice: v.Voice, Language: v.Language, Loop: v.Loop}, interruptible)
	case twiml.Play:
		if v.URL == "" {
			return false, e.Media.SendDigits(ctx, v.Digits)
		}
		u, err := resolve(docURL, v.URL)
		if err != nil {
			return false, err
		}
		return e.prompt(ctx, engine.Play{URL: u, Loop: v.Loop}, interruptible)
	case twiml.Pause:
		t := time.NewTimer(time.Duration(v.Length) * time.Second)
		defer t.Stop()
		var keys <-chan byte
		if interruptible {
			keys = e.Media.Digits()
		}
		select {
		case <-ctx.Done():
			return false, ctx.Err()
		case <-t.C:
		case d := <-keys:
			e.pending = append(e.pending, d)
			return true, nil
		}
	}
	return false, nil
}

// twimlGather plays <Gather>'s nested verbs (a key stops them, as on
// Twilio) and collects the digits.
func (e *Executor) twimlGather(ctx context.Context, g *twiml.Gather, docURL string) (*engine.Input, error) {
	dtmf := false
	for _, in := range g.Input {
		dtmf = dtmf || in == "dtmf"
	}
	e.pending = e.pending[:0]
	for _, v := range g.Nested {
		interrupted, err := e.twimlPrompt(ctx, v, docURL, dtmf)
		if ctx.Err() != nil {
			return &engine.Input{Type: engine.InputHangup}, nil
		}
		if err != nil {
			e.Log.Warn("TwiML gather prompt failed", "verb", v.Name(), "err", err)
		}
		if interrupted {
			break
		}
	}
	timeout := g.Timeout
	if timeout == 0 {
		timeout = 1 // Twilio's timeout="0" is not "forever"; the shortest wait we keep
	}
	return e.collect(ctx, &engine.Gather{Input: g.Input, Timeout: timeout, FinishOnKey: g.FinishOnKey, NumDigits: g.NumDigits}, dtmf)
}

// resolve makes ref absolute against the document's URL ("" is the
// document itself, as Twilio's default action) and keeps it to http(s).
func resolve(base, ref string) (string, error) {
	b, err := url.Parse(base)
	if err != nil {
		return "", failf(codeSchema, "the document URL %q: %v", base, err)
	}
	r, err := url.Parse(ref)
	if err != nil {
		return "", failf(codeSchema, "the URL %q in the TwiML: %v", ref, err)
	}
	u := b.ResolveReference(r)
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return "", failf(codeSchema, "the URL %q in the TwiML is not an http or https address", ref)
	}
	return u.String(), nil
}

// flowReturn reports whether rawURL is the flow's own webhook
// (…/v1/Accounts/{AC}/Flows/{FW}, on any host: Studio's
// webhooks.twilio.com in a flow exported from Studio, or ours) with
// FlowEvent=return, and makes the return input as the webhook would: the
// call's fields and the URL's other query parameters.
func (c *TwiMLClient) flowReturn(rawURL string) (*engine.Input, bool, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, false, nil
	}
	rest, ok := strings.CutPrefix(u.Path, "/v1/Accounts/")
	if !ok {
		return nil, false, nil
	}
	parts := strings.Split(strings.TrimSuffix(rest, "/"), "/")
	if len(parts) != 3 || parts[1] != "Flows" {
		return nil, false, nil
	}
	q := u.Query()
	switch {
	case c.FlowSID != "" && parts[2] != c.FlowSID:
		return nil, false, failf(0, "<Redirect> to flow %s's webhook, not this call's flow %s", parts[2], c.FlowSID)
	case q.Get("FlowEvent") != "return":
		return nil, false, failf(0, "<Redirect> to the flow's webhook without FlowEvent=return")
	}
	params := map[string]any{}
	for k, v := range c.Params {
		params[k] = v
	}
	for k, v := range q {
		if _, taken := params[k]; !taken && k != "FlowEvent" && k != "FlowStep" && len(v) > 0 {
			params[k] = v[0]
		}
	}
	return &engine.Input{Type: engine.InputReturn, Params: params}, true, nil
}

// fetch requests one document, signed as Twilio signs, and parses it.
func (c *TwiMLClient) fetch(ctx context.Context, r *twimlRequest) (*twiml.Document, error) {
	form := url.Values{}
	for k, v := range c.Params {
		form.Set(k, v)
	}
	for k, v := range r.extra {
		form[k] = v
	}
	timeout := c.FetchTimeout
	if timeout <= 0 {
		timeout = defaultFetchTimeout
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()

	target, body, signed := r.url, io.Reader(nil), form
	if r.method == http.MethodGet {
		u, err := url.Parse(r.url)
		if err != nil {
			return nil, failf(codeSchema, "the URL %q: %v", r.url, err)
		}
		q := u.Query()
		for k, v := range form {
			q[k] = v
		}
		u.RawQuery = q.Encode()
		target, signed = u.String(), nil
	} else {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequestWithContext(ctx, r.method, target, body)
	if err != nil {
		return nil, failf(codeHTTPConnection, "request to %s: %v", r.url, err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	req.Header.Set("Accept", "*/*")
	req.Header.Set("User-Agent", "TwilioProxy/1.1")
	if c.AuthToken != "" {
		req.Header.Set(twiliosig.Header, twiliosig.Sign(c.AuthToken, target, signed))
	}
	resp, err := c.client(form).Do(req)
	if err != nil {
		if errors.Is(err, errTooManyRedirects) {
			return nil, failf(codeHTTPRedirects, "%s: more than %d HTTP redirects", r.url, maxHTTPRedirects)
		}
		if ctx.Err() != nil {
			return nil, failf(codeHTTPConnection, "%s did not answer within %s", r.url, timeout)
		}
		return nil, failf(codeHTTPConnection, "%s: %v", r.url, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return nil, failf(codeHTTPRetrieval, "%s %s answered %s", r.method, r.url, resp.Status)
	}
	if ct := resp.Header.Get("Content-Type"); ct != "" {
		mt, _, _ := mime.ParseMediaType(ct)
		switch mt {
		case "text/xml", "application/xml", "text/html":
		default:
			return nil, failf(codeContentType, "%s answered %q, not TwiML (text/xml)", r.url, ct)
		}
	}
	b, err := io.ReadAll(io.LimitReader(resp.Body, twiml.MaxDocument+1))
	if err != nil {
		return nil, failf(codeHTTPConnection, "reading %s: %v", r.url, err)
	}
	doc, err := twiml.Parse(b)
	switch {
	case errors.Is(err, twiml.ErrTooLarge):
		return nil, failf(codeTooLarge, "%s answered more than 64 kB", r.url)
	case errors.Is(err, twiml.ErrSchema):
		return nil, failf(codeSchema, "%s: %v", r.url, err)
	case err != nil:
		return nil, failf(codeParse, "%s: %v", r.url, err)
	}
	return doc, nil
}

var errTooManyRedirects = errors.New("too many HTTP redirects")

// client follows at most maxHTTPRedirects HTTP redirects and signs each
// redirected request for its own URL (a 303 or 302 turns POST into a GET
// without a body; 307 and 308 keep the POST and its form).
func (c *TwiMLClient) client(form url.Values) *http.Client {
	cl := http.Client{}
	if c.HTTP != nil {
		cl = *c.HTTP
	}
	cl.CheckRedirect = func(req *http.Request, via []*http.Request) error {
		if len(via) > maxHTTPRedirects {
			return errTooManyRedirects
		}
		if c.AuthToken != "" {
			var params url.Values
			if req.Method == http.MethodPost {
				params = form
			}
			req.Header.Set(twiliosig.Header, twiliosig.Sign(c.AuthToken, req.URL.String(), params))
		}
		return nil
	}
	return &cl
}

// redacted is raw without a password, for messages.
func redacted(raw string) string {
	if u, err := url.Parse(raw); err == nil {
		return u.Redacted()
	}
	return "the TwiML URL"
}
