package httpgw

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/switchboard/switchboard/app/sms"
)

// placeholder matches {{name}} in a template.
var placeholder = regexp.MustCompile(`\{\{\s*([a-z_]+)\s*\}\}`)

// placeholders a template may use.
var placeholderNames = []string{"to", "from", "body", "ref", "sid", "token", "username", "password"}

func checkTemplate(t string) error {
	for _, m := range placeholder.FindAllStringSubmatch(t, -1) {
		if !slices.Contains(placeholderNames, m[1]) {
			return fmt.Errorf("unknown placeholder {{%s}} (known: %s)", m[1], strings.Join(placeholderNames, ", "))
		}
	}
	return nil
}

// render fills t's placeholders, each value escaped by esc.
func render(t string, vals map[string]string, esc func(string) string) string {
	return placeholder.ReplaceAllStringFunc(t, func(m string) string {
		name := placeholder.FindStringSubmatch(m)[1]
		return esc(vals[name])
	})
}

// jsonString escapes s as the content of a JSON string (no quotes), so
// `"text":"{{body}}"` stays valid JSON whatever the body holds.
func jsonString(s string) string {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(s)
	out := bytes.TrimSpace(b.Bytes())
	return string(out[1 : len(out)-1])
}

func headerValue(s string) string { return strings.NewReplacer("\r", " ", "\n", " ").Replace(s) }

// sendGeneric renders the template and sends it.
func (g *Gateway) sendGeneric(ctx context.Context, m sms.Outbound) (sms.Sent, error) {
	t := g.set.Generic
	ref := newRef()
	vals := map[string]string{
		"to": m.To, "from": m.From, "body": m.Body, "ref": ref, "sid": m.SID,
		"token": t.Token, "username": g.set.Username, "password": g.set.Password,
	}
	target := render(t.URL, vals, url.QueryEscape)
	var body []byte
	if t.Method != http.MethodGet && t.Body != "" {
		switch t.Encoding {
		case "json":
			body = []byte(render(t.Body, vals, jsonString))
		case "form":
			body = []byte(render(t.Body, vals, url.QueryEscape))
		default:
			body = []byte(render(t.Body, vals, func(s string) string { return s }))
		}
	}
	req, err := http.NewRequest(t.Method, target, bytes.NewReader(body))
	if err != nil {
		return sms.Sent{}, sms.Permanent(sms.CodeUnknown, g.red.Err(err))
	}
	switch t.Encoding {
	case "json":
		req.Header.Set("Content-Type", "application/json; charset=utf-8")
	case "form":
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	default:
		req.Header.Set("Content-Type", "text/plain; charset=utf-8")
	}
	if g.set.Username != "" && t.Headers["Authorization"] == "" {
		req.SetBasicAuth(g.set.Username, g.set.Password)
	}
	for k, v := range t.Headers {
		req.Header.Set(k, render(v, vals, headerValue))
	}
	a, err := g.do(ctx, req)
	if err != nil {
		return sms.Sent{}, err
	}
	ok := a.Status/100 == 2
	if len(t.SuccessStatus) > 0 {
		ok = slices.Contains(t.SuccessStatus, a.Status)
	}
	if !ok {
		return sms.Sent{}, g.refused(a, "generic send")
	}
	if t.IDPath == "" {
		return sms.Sent{Segments: segments(m.Body), Refs: []string{ref}}, nil
	}
	var doc any
	dec := json.NewDecoder(bytes.NewReader(a.Body))
	dec.UseNumber()
	if err := dec.Decode(&doc); err != nil {
		return sms.Sent{}, sms.Uncertain(sms.CodeUnknown, fmt.Errorf("generic send: HTTP %d accepted, answer is not JSON: %w", a.Status, errNoRef))
	}
	id, found := lookup(doc, t.IDPath)
	if !found || id == "" {
		return sms.Sent{}, sms.Uncertain(sms.CodeUnknown, fmt.Errorf("generic send: HTTP %d accepted, nothing at %q: %w", a.Status, t.IDPath, errNoRef))
	}
	return sms.Sent{Segments: segments(m.Body), Refs: []string{id}}, nil
}

// lookup follows a dotted path ("data.messages.0.id", an optional "$."
// first) through decoded JSON; strings, numbers and booleans are values.
func lookup(doc any, path string) (string, bool) {
	path = strings.TrimPrefix(strings.TrimPrefix(path, "$"), ".")
	cur := doc
	if path != "" {
		for _, key := range strings.Split(path, ".") {
			switch v := cur.(type) {
			case map[string]any:
				next, ok := v[key]
				if !ok {
					return "", false
				}
				cur = next
			case []any:
				i, err := strconv.Atoi(key)
				if err != nil || i < 0 || i >= len(v) {
					return "", false
				}
				cur = v[i]
			default:
				return "", false
			}
		}
	}
	switch v := cur.(type) {
	case string:
		return v, true
	case json.Number:
		return v.String(), true
	case bool:
		return strconv.FormatBool(v), true
	}
	return "", false
}

// fields reads a generic callback: form fields (query and form body) or a
// JSON document.
type fields func(name string) string

func genericFields(in GenericInbound, r *http.Request, body []byte) (fields, error) {
	if in.Encoding == "json" {
		var doc any
		dec := json.NewDecoder(bytes.NewReader(body))
		dec.UseNumber()
		if err := dec.Decode(&doc); err != nil {
			return nil, fmt.Errorf("generic callback: body is not JSON: %w", err)
		}
		return func(name string) string {
			if name == "" {
				return ""
			}
			v, _ := lookup(doc, name)
			return v
		}, nil
	}
	vals := r.URL.Query()
	if len(body) > 0 {
		form, err := url.ParseQuery(string(body))
		if err != nil {
			return nil, fmt.Errorf("generic callback: body is not a form: %w", err)
		}
		for k, v := range form {
			vals[k] = append(vals[k], v...)
		}
	}
	return func(name string) string {
		if name == "" {
			return ""
		}
		return vals.Get(name)
	}, nil
}

func genericMO(in GenericInbound, f fields, now time.Time) (sms.Inbound, error) {
	m := sms.Inbound{From: f(in.From), To: f(in.To), Body: f(in.Body)}
	if m.From == "" {
		return sms.Inbound{}, fmt.Errorf("generic callback: no sender in field %q", in.From)
	}
	at := f(in.Time)
	m.Received = parseTime(at, now)
	m.Segments = segments(m.Body)
	if id := f(in.ID); id != "" {
		m.ProviderID = "generic:" + id
	} else {
		m.ProviderID = contentID(m.From, m.To, at, m.Body)
	}
	return m, nil
}

func genericDLR(in GenericInbound, f fields, now time.Time) (sms.Report, error) {
	ref := f(in.Ref)
	if ref == "" {
		return sms.Report{}, fmt.Errorf("generic report: no reference in field %q", in.Ref)
	}
	raw := f(in.Status)
	st, ok := in.StatusMap[raw]
	if !ok {
		switch strings.ToLower(raw) {
		case "delivered", "undelivered", "failed", "sent":
			st = strings.ToLower(raw)
		default:
			return sms.Report{}, fmt.Errorf("generic report: status %q is not in the status map", clip(raw))
		}
	}
	r := sms.Report{Ref: ref, To: f(in.To), Status: st, Detail: f(in.Detail), At: parseTime(f(in.Time), now)}
	if st == "undelivered" || st == "failed" {
		r.ErrorCode = sms.CodeUnknown
	}
	return r, nil
}
