package widgets

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/switchboard/switchboard/engine"
	"github.com/switchboard/switchboard/schema"
)

// MakeHTTPRequest calls an outside URL with GET or POST. A 2xx answer (after
// following redirects) leads to success, any other answer to failed; both
// publish status_code, content_type, body and, for a JSON object, parsed.
// When no usable answer arrives (network error, timeout, oversized body) it
// takes failed with nothing published. Author mistakes (a URL that is not
// http(s) after Liquid, a reserved parameter name, Twilio credentials that do
// not exist offline) fail before anything is sent.
type MakeHTTPRequest struct{}

func init() { engine.Register(schema.TypeMakeHTTPRequest, MakeHTTPRequest{}) }

// userAgent identifies Switchboard's outside requests.
const userAgent = "Switchboard/1 (Studio-compatible)"

const (
	formType = "application/x-www-form-urlencoded"
	jsonType = "application/json"
)

// reservedParams are parameter names Studio refuses (error 81014) because
// they collide with the settings of the request itself. Twilio documents
// only "method"; real flows send parameters named "body" (the corpus has
// one), so nothing else is refused.
var reservedParams = map[string]bool{"method": true}

// Enter builds the request, sends it and maps the answer to an event.
func (MakeHTTPRequest) Enter(ctx context.Context, r *engine.Run) (engine.Outcome, error) {
	p, ok := propsOf[schema.MakeHTTPRequest](r)
	if !ok {
		return badProps(r, "failed"), nil
	}
	method := strings.ToUpper(strings.TrimSpace(p.Method))
	switch method {
	case "":
		method = http.MethodGet
	case http.MethodGet, http.MethodPost:
	default:
		return r.Fail("failed", engine.CodeHTTP, "method %q is not supported; Studio sends GET or POST", p.Method), nil
	}
	for _, kv := range p.Parameters {
		if reservedParams[strings.TrimSpace(kv.Key)] {
			return r.Fail("failed", engine.CodeHTTP, "parameter name %q is reserved by the HTTP request; rename it", kv.Key), nil
		}
	}
	if renderBool(ctx, r, "add_twilio_auth", p.AddTwilioAuth, false) {
		return r.Fail("failed", engine.CodeOffline, "add_twilio_auth needs Twilio account credentials, which do not exist offline; the request was not sent"), nil
	}
	target, user, ok := requestURL(ctx, r, p.URL, engine.CodeHTTP)
	if !ok {
		return engine.Go("failed", nil), nil
	}
	values, ok := renderParams(ctx, r, p.Parameters)
	if !ok {
		return engine.Go("failed", nil), nil
	}
	var body string
	if strings.TrimSpace(p.Body) != "" {
		if body, ok = r.Render(ctx, p.Body); !ok {
			return engine.Go("failed", nil), nil
		}
	}

	call := httpCall{method: method, url: target, user: user, follow: true}
	isJSON := strings.Contains(strings.ToLower(p.ContentType), "json")
	switch {
	case method == http.MethodGet:
		// A GET carries its parameters in the query string and no body.
		addQuery(target, values)
		if strings.TrimSpace(body) != "" {
			r.Warn("the request body is not sent with GET")
		}
	case isJSON:
		call.contentType = headerType(p.ContentType, jsonType)
		switch {
		case strings.TrimSpace(body) != "":
			call.body = []byte(body)
			if len(values) > 0 {
				r.Warn("parameters are not sent when a JSON body is set")
			}
		case len(values) > 0:
			obj := make(map[string]string, len(values))
			for _, kv := range values {
				obj[kv.Key] = kv.Value
			}
			call.body, _ = json.Marshal(obj)
		}
	default:
		ct := strings.ToLower(p.ContentType)
		if strings.TrimSpace(ct) != "" && !strings.Contains(ct, formType) {
			r.Warn("content_type %q is neither form-encoded nor JSON; sending a form", p.ContentType)
		}
		call.contentType = headerType(p.ContentType, formType)
		switch {
		case len(values) > 0:
			call.body = []byte(encodeForm(values))
			if strings.TrimSpace(body) != "" {
				r.Warn("the request body is not sent when form parameters are set")
			}
		default:
			call.body = []byte(body)
		}
	}

	rep, err := send(ctx, r, call)
	if err != nil {
		return engine.Outcome{}, err
	}
	if rep == nil {
		return engine.Go("failed", nil), nil
	}
	out := map[string]any{"status_code": rep.status, "content_type": rep.contentType, "body": rep.body}
	if rep.parsed != nil {
		out["parsed"] = rep.parsed
	}
	if rep.status < 200 || rep.status > 299 {
		r.Warn("%s answered %d; taking failed", call.where(), rep.status)
		return engine.Go("failed", out), nil
	}
	return engine.Go("success", out), nil
}

// requestURL renders a URL template and checks it is an absolute http(s)
// address. The credentials in it, if any, come back apart from the URL so
// that the password never shows in an event. ok is false (with an event
// carrying code) when the URL cannot be used.
func requestURL(ctx context.Context, r *engine.Run, tmpl string, code int) (*url.URL, *url.Userinfo, bool) {
	raw, ok := r.Render(ctx, tmpl)
	if !ok {
		return nil, nil, false
	}
	raw = strings.TrimSpace(raw)
	if raw == "" {
		r.Error(code, "the URL is empty after Liquid; the request was not sent")
		return nil, nil, false
	}
	u, err := url.Parse(raw)
	if err != nil {
		r.Error(code, "the URL %q is not valid after Liquid; the request was not sent", hideCredentials(raw))
		return nil, nil, false
	}
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		r.Error(code, "the URL %q is not an absolute http or https address; the request was not sent", hideCredentials(raw))
		return nil, nil, false
	}
	user := u.User
	u.User = nil
	return u, user, true
}

// hideCredentials masks the password of a URL that does not parse.
func hideCredentials(raw string) string {
	i := strings.Index(raw, "://")
	if i < 0 {
		return raw
	}
	rest := raw[i+3:]
	end := strings.IndexAny(rest, "/?#")
	if end < 0 {
		end = len(rest)
	}
	at := strings.LastIndex(rest[:end], "@")
	if at < 0 {
		return raw
	}
	user := rest[:at]
	if c := strings.Index(user, ":"); c >= 0 {
		user = user[:c] + ":xxxxx"
	}
	return raw[:i+3] + user + rest[at:]
}

// renderParams renders parameter values (keys are literal). ok is false
// when a value does not render (the 84003 event is already recorded).
func renderParams(ctx context.Context, r *engine.Run, kvs []schema.KeyValue) ([]schema.KeyValue, bool) {
	out := make([]schema.KeyValue, 0, len(kvs))
	for _, kv := range kvs {
		key := strings.TrimSpace(kv.Key)
		if key == "" {
			continue
		}
		v, ok := r.Render(ctx, kv.Value)
		if !ok {
			return nil, false
		}
		out = append(out, schema.KeyValue{Key: key, Value: v})
	}
	return out, true
}

// encodeForm form-encodes parameters in their order.
func encodeForm(kvs []schema.KeyValue) string {
	var b strings.Builder
	for i, kv := range kvs {
		if i > 0 {
			b.WriteByte('&')
		}
		b.WriteString(url.QueryEscape(kv.Key))
		b.WriteByte('=')
		b.WriteString(url.QueryEscape(kv.Value))
	}
	return b.String()
}

// addQuery appends parameters to a URL's query string.
func addQuery(u *url.URL, kvs []schema.KeyValue) {
	if len(kvs) == 0 {
		return
	}
	q := encodeForm(kvs)
	if u.RawQuery != "" {
		q = u.RawQuery + "&" + q
	}
	u.RawQuery = q
}

// headerType is the Content-Type header to send: the author's own value
// when it names the expected type, else that type with Studio's charset.
func headerType(prop, want string) string {
	if strings.Contains(strings.ToLower(prop), want) {
		return strings.TrimSpace(prop)
	}
	return want + ";charset=utf-8"
}

// httpCall is one outside request.
type httpCall struct {
	method      string
	url         *url.URL      // without credentials
	user        *url.Userinfo // basic auth from the URL, or nil
	contentType string        // "" when there is no body
	body        []byte
	follow      bool // follow 3xx redirects
}

// where names the request in events: the method and the path only, so that
// neither credentials nor keys passed in the query string are logged.
func (c httpCall) where() string {
	path := c.url.EscapedPath()
	if path == "" {
		path = "/"
	}
	return c.method + " " + path
}

// httpReply is an answer that arrived whole within the limits.
type httpReply struct {
	status      int
	contentType string
	body        string
	header      http.Header
	// parsed is the body when it is a JSON object sent as JSON, else nil.
	parsed map[string]any
}

// send performs a call within the engine's HTTP timeout and body cap. A nil
// reply means no usable answer arrived; an error event naming the cause is
// recorded with the code for the widget type. err is only set when the
// host's context ended.
func send(ctx context.Context, r *engine.Run, c httpCall) (*httpReply, error) {
	code := engine.CodeHTTP
	if r.State().Type != schema.TypeMakeHTTPRequest {
		code = engine.CodeFunction
	}
	lim := r.Engine().Limits()
	timeout := lim.HTTPTimeout
	if timeout <= 0 {
		timeout = engine.DefaultLimits().HTTPTimeout
	}
	maxBody := lim.HTTPMaxBody
	if maxBody <= 0 {
		maxBody = engine.DefaultLimits().HTTPMaxBody
	}
	where := c.where()

	rctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	var body io.Reader
	if c.body != nil {
		body = bytes.NewReader(c.body)
	}
	req, err := http.NewRequestWithContext(rctx, c.method, c.url.String(), body)
	if err != nil {
		r.Error(code, "%s: the request cannot be built: %s", where, err.Error())
		return nil, nil
	}
	req.Header.Set("User-Agent", userAgent)
	if c.contentType != "" {
		req.Header.Set("Content-Type", c.contentType)
	}
	if c.user != nil {
		pass, _ := c.user.Password()
		req.SetBasicAuth(c.user.Username(), pass)
	}
	r.Trace("request", traceRequest(req, c.body))
	client := r.Engine().HTTPClient()
	if client == nil {
		client = http.DefaultClient
	}
	if !c.follow {
		cl := *client
		cl.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
		client = &cl
	}
	resp, err := client.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		r.Error(code, "%s: %s", where, failureCause(err, timeout))
		return nil, nil
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, maxBody+1))
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		r.Error(code, "%s: the response body could not be read: %s", where, failureCause(err, timeout))
		return nil, nil
	}
	if int64(len(raw)) > maxBody {
		r.Error(code, "%s: the response body is larger than %d bytes, the most Studio accepts", where, maxBody)
		return nil, nil
	}
	rep := &httpReply{status: resp.StatusCode, contentType: resp.Header.Get("Content-Type"), header: resp.Header}
	if utf8.Valid(raw) {
		rep.body = string(raw)
	} else {
		rep.body = strings.ToValidUTF8(string(raw), "\uFFFD")
	}
	if isJSONType(rep.contentType) {
		rep.parsed = jsonObject(raw)
	}
	r.Trace("response", map[string]any{"status_code": rep.status, "headers": traceHeaders(resp.Header),
		"body": engine.CapText(rep.body)})
	return rep, nil
}

// secretName matches header and query parameter names whose values are
// secrets; a step's trace shows them as redacted.
var secretName = regexp.MustCompile(`(?i)auth|token|secret|passw|key|signature|cookie|session|^sig$`)

// redacted stands for a secret in a trace.
const redacted = "[redacted]"

// traceRequest is what a step's context tells of a request: method, URL
// (secret query values redacted), headers (Authorization and other secrets
// redacted) and the body, capped.
func traceRequest(req *http.Request, body []byte) map[string]any {
	u := *req.URL
	if q := u.Query(); len(q) > 0 {
		for k := range q {
			if secretName.MatchString(k) {
				q[k] = []string{redacted}
			}
		}
		u.RawQuery = q.Encode()
	}
	out := map[string]any{"method": req.Method, "url": u.String(), "headers": traceHeaders(req.Header)}
	if body != nil {
		out["body"] = engine.CapText(strings.ToValidUTF8(string(body), "\uFFFD"))
	}
	return out
}

// traceHeaders flattens headers, secrets redacted.
func traceHeaders(h http.Header) map[string]any {
	out := make(map[string]any, len(h))
	for k, v := range h {
		if secretName.MatchString(k) {
			out[k] = redacted
			continue
		}
		out[k] = engine.CapText(strings.Join(v, ", "))
	}
	return out
}

// failureCause says in plain words why a request got no answer.
func failureCause(err error, timeout time.Duration) string {
	var nerr net.Error
	switch {
	case errors.Is(err, context.DeadlineExceeded), errors.As(err, &nerr) && nerr.Timeout():
		return fmt.Sprintf("no complete response within %s", timeout)
	}
	var dns *net.DNSError
	if errors.As(err, &dns) {
		return fmt.Sprintf("host %q not found", dns.Name)
	}
	var op *net.OpError
	if errors.As(err, &op) {
		return op.Error()
	}
	var uerr *url.Error
	if errors.As(err, &uerr) {
		return uerr.Err.Error()
	}
	return err.Error()
}

// isJSONType reports whether a Content-Type header names JSON.
func isJSONType(ct string) bool {
	mt, _, _ := strings.Cut(strings.ToLower(ct), ";")
	mt = strings.TrimSpace(mt)
	return mt == jsonType || strings.HasSuffix(mt, "+json")
}

// jsonObject decodes a body that is exactly one JSON object; anything else
// (an array, a scalar, invalid JSON) gives nil. Numbers keep their text so
// that long identifiers survive.
func jsonObject(raw []byte) map[string]any {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil
	}
	m, _ := v.(map[string]any)
	return m
}
