package widgets_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/switchboard/switchboard/engine"
	"github.com/switchboard/switchboard/schema"
)

// traceFlow: a gather whose prompt is Liquid (rendered before the wait, its
// step taken after it), then an HTTP request with credentials in the URL, a
// secret query parameter and a Liquid body.
const traceFlow = `{"description":"trace","initial_state":"Trigger","flags":{"allow_concurrent_calls":true},"states":[
 {"name":"Trigger","type":"trigger","transitions":[{"event":"incomingCall","next":"ask"}],"properties":{}},
 {"name":"ask","type":"gather-input-on-call","transitions":[{"event":"keypress","next":"post"},{"event":"speech"},{"event":"timeout"}],
  "properties":{"say":"Hello {{contact.channel.address}}","number_of_digits":1,"timeout":5}},
 {"name":"post","type":"make-http-request","transitions":[{"event":"success"},{"event":"failed"}],
  "properties":{"method":"POST","content_type":"application/json;charset=utf-8","url":"URL?token=s3cr3t&q=1",
   "body":"{\"digits\":\"{{widgets.ask.Digits}}\",\"pad\":\"{{flow.variables.pad}}\"}"}}]}`

func TestStepTrace(t *testing.T) {
	ctx := context.Background()
	var gotAuth string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		gotAuth = r.Header.Get("Authorization")
		_, _ = io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Set-Cookie", "session=abc")
		_, _ = io.WriteString(w, `{"ok":true,"big":"`+strings.Repeat("x", 2*engine.TraceTextBytes)+`"}`)
	}))
	defer srv.Close()
	u := strings.Replace(srv.URL, "http://", "http://alice:hunter2@", 1)
	f, err := schema.Parse([]byte(strings.Replace(traceFlow, "URL", u, 1)))
	if err != nil {
		t.Fatal(err)
	}
	p, err := engine.Compile("FW00000000000000000000000000000001", 1, f)
	if err != nil {
		t.Fatal(err)
	}
	eng := engine.New()
	x, _, err := eng.Start(ctx, p, engine.Trigger{Event: engine.EventIncomingCall, Contact: "+15550001111", Channel: "+15550002222"})
	if err != nil {
		t.Fatal(err)
	}
	// Persist and reload across the wait, as a host does.
	b, _ := json.Marshal(x)
	x = new(engine.Execution)
	if err := json.Unmarshal(b, x); err != nil {
		t.Fatal(err)
	}
	sp, err := eng.Resume(ctx, p, x, engine.Input{Type: engine.InputDigits, Params: map[string]any{"Digits": "7"}})
	if err != nil {
		t.Fatal(err)
	}
	if gotAuth == "" {
		t.Fatal("the request carried no Authorization header")
	}
	steps := map[string]map[string]any{}
	for _, st := range sp.Steps {
		b, _ := json.Marshal(st.Context["trace"]) // as stored
		var tr map[string]any
		_ = json.Unmarshal(b, &tr)
		steps[st.TransitionedFrom] = tr
	}
	all, _ := json.Marshal(steps)
	for _, secret := range []string{"hunter2", "s3cr3t", "session=abc", gotAuth} {
		if strings.Contains(string(all), secret) {
			t.Errorf("the trace shows the secret %q: %s", secret, all)
		}
	}

	tests := []struct {
		name, step, path, want string
	}{
		{"gather prompt rendered before the wait", "ask", "rendered.0.value", "Hello +15550001111"},
		{"body rendered", "post", "rendered.0.value", `{"digits":"7","pad":""}`},
		{"request method", "post", "request.method", "POST"},
		{"request url without credentials, secret query redacted", "post", "request.url",
			srv.URL + "?q=1&token=%5Bredacted%5D"},
		{"authorization redacted", "post", "request.headers.Authorization", "[redacted]"},
		{"request body", "post", "request.body", `{"digits":"7","pad":""}`},
		{"response status", "post", "response.status_code", "200"},
		{"response cookie redacted", "post", "response.headers.Set-Cookie", "[redacted]"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := dig(steps[tc.step], tc.path); got != tc.want {
				t.Errorf("%s %s = %q, want %q", tc.step, tc.path, got, tc.want)
			}
		})
	}
	t.Run("response body capped", func(t *testing.T) {
		body := dig(steps["post"], "response.body")
		if len(body) > engine.TraceTextBytes+64 || !strings.Contains(body, "bytes in all)") {
			t.Errorf("response body not capped: %d bytes", len(body))
		}
	})
}

// dig follows a dotted path (numbers index lists) and formats the leaf.
func dig(v any, path string) string {
	for _, k := range strings.Split(path, ".") {
		switch x := v.(type) {
		case map[string]any:
			v = x[k]
		case []any:
			i := int(k[0] - '0')
			if i >= len(x) {
				return ""
			}
			v = x[i]
		default:
			return ""
		}
	}
	switch x := v.(type) {
	case string:
		return x
	case nil:
		return ""
	default:
		b, _ := json.Marshal(x)
		return string(b)
	}
}
