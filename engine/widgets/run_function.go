package widgets

import (
	"context"
	"net/http"
	"strings"

	"github.com/switchboard/switchboard/engine"
	"github.com/switchboard/switchboard/schema"
)

// RunFunction calls a Twilio Function: it POSTs the parameters form-encoded
// to the Function's URL (offline, any HTTP endpoint) without following
// redirects. A 2xx or 3xx answer leads to success, anything else to fail
// (error 81010). Outputs are status_code, content_type, body, headers (only
// x-twilio-function-concurrency, when sent) and parsed: a JSON object answer
// is merged into the parsed of the widget's previous run, and an answer that
// is not a JSON object keeps the previous parsed as it was.
type RunFunction struct{}

func init() { engine.Register(schema.TypeRunFunction, RunFunction{}) }

// Enter calls the Function.
func (RunFunction) Enter(ctx context.Context, r *engine.Run) (engine.Outcome, error) {
	p, ok := propsOf[schema.RunFunction](r)
	if !ok {
		return badProps(r, "fail"), nil
	}
	return runFunction(ctx, r, p)
}

// concurrencyHeader is the one response header Studio publishes.
const concurrencyHeader = "x-twilio-function-concurrency"

func runFunction(ctx context.Context, r *engine.Run, p *schema.RunFunction) (engine.Outcome, error) {
	prev, _ := r.Previous()["parsed"].(map[string]any)
	keep := func(out map[string]any) map[string]any {
		if out == nil {
			out = map[string]any{}
		}
		if prev != nil {
			out["parsed"] = prev
		}
		return out
	}
	if strings.TrimSpace(p.URL) == "" {
		r.Error(engine.CodeFunction, "the widget has no Function URL, so no Function can be called; set url")
		return engine.Go("fail", keep(nil)), nil
	}
	target, user, ok := requestURL(ctx, r, p.URL, engine.CodeFunction)
	if !ok {
		return engine.Go("fail", keep(nil)), nil
	}
	values, ok := renderParams(ctx, r, p.Parameters)
	if !ok {
		return engine.Go("fail", keep(nil)), nil
	}
	call := httpCall{method: http.MethodPost, url: target, user: user,
		contentType: formType + ";charset=utf-8", body: []byte(encodeForm(values))}
	rep, err := send(ctx, r, call)
	if err != nil {
		return engine.Outcome{}, err
	}
	if rep == nil {
		return engine.Go("fail", keep(nil)), nil
	}
	out := map[string]any{"status_code": rep.status, "content_type": rep.contentType, "body": rep.body}
	if v := rep.header.Get(concurrencyHeader); v != "" {
		out["headers"] = map[string]any{concurrencyHeader: v}
	}
	switch {
	case rep.parsed != nil:
		out["parsed"] = mergeObjects(prev, rep.parsed)
	case prev != nil:
		out["parsed"] = prev
	}
	if rep.status < 200 || rep.status > 399 {
		r.Error(engine.CodeFunction, "the Function (%s) answered %d; taking fail", call.where(), rep.status)
		return engine.Go("fail", out), nil
	}
	return engine.Go("success", out), nil
}

// mergeObjects returns old with the keys of add laid over it; where both
// hold an object the two are merged the same way. Neither input changes.
func mergeObjects(old, add map[string]any) map[string]any {
	out := make(map[string]any, len(old)+len(add))
	for k, v := range old {
		out[k] = v
	}
	for k, v := range add {
		a, aok := v.(map[string]any)
		o, ook := out[k].(map[string]any)
		if aok && ook {
			out[k] = mergeObjects(o, a)
			continue
		}
		out[k] = v
	}
	return out
}
