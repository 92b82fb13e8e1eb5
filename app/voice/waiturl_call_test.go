package voice

import (
	"net/http"
	"runtime"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

const waitFlow = "FW00000000000000000000000000000092"

// waitDef is queueDef with a wait_url: a caller taken out of the queue by
// the wait TwiML's <Leave> goes on from callComplete and hears "You left
// the queue." (NEXT: "left"; "" ends the flow at callComplete, the path of
// a caller who hung up too.)
const waitDef = `{"initial_state": "Trigger", "states": [
  {"name": "Trigger", "type": "trigger", "properties": {}, "transitions": [{"event": "incomingCall", "next": "queue"}]},
  {"name": "queue", "type": "enqueue-call", "properties": {"queue_name": "sales", "wait_url": "URL", "wait_url_method": "METHOD"},
   "transitions": [{"event": "callComplete", "next": "NEXT"}, {"event": "failedToEnqueue"}, {"event": "callFailure"}]},
  {"name": "left", "type": "say-play", "properties": {"say": "You left the queue."}, "transitions": [{"event": "audioComplete"}]}]}`

// TestQueueWaitURLLeave: a caller waiting in a queue with no agent hears
// the wait_url's TwiML instead of the hold music. A document that runs out
// of verbs is requested again (twice here: a one-second pause each time),
// every request carrying the queue's figures and the call's parameters;
// the third answers <Leave/>, and the flow goes on from callComplete with
// QueueResult leave.
func TestQueueWaitURLLeave(t *testing.T) {
	var n atomic.Int32
	srv := newTwiMLServer(t, map[string]func(http.ResponseWriter, *http.Request, string){
		"/wait": func(w http.ResponseWriter, r *http.Request, base string) {
			w.Header().Set("Content-Type", "text/xml")
			if n.Add(1) < 3 {
				_, _ = w.Write([]byte(`<Response><Say>Please hold.</Say><Pause length="1"/></Response>`))
				return
			}
			_, _ = w.Write([]byte(`<Response><Leave/></Response>`))
		},
	})
	p, q, _ := queuePhone(t, 10, "nobody")
	p.addFlow(t, waitFlow, strings.NewReplacer("URL", srv.URL+"/wait", "METHOD", "POST", "NEXT", "left").Replace(waitDef))
	caller := queueCaller(t, "+15550003101", 1000)
	g := runtime.NumGoroutine()
	caller.send(t, "/dial sip:"+waitFlow+"@127.0.0.1:"+strconv.Itoa(p.port))
	p.waitEnded(t, waitFlow, 30*time.Second)
	caller.quit(t)

	x, steps := path(t, p.st, waitFlow)
	require.Equal(t, []string{"Trigger.incomingCall>queue", "queue.callComplete>left", "left.audioComplete>Ended"}, steps)
	out := x.Context.Widget("queue")
	require.Equal(t, "leave", out["QueueResult"])
	require.Equal(t, q.SID, out["QueueSid"])

	hits := srv.requests()
	require.Len(t, hits, 3, "the wait document is requested again each time it runs out of verbs")
	call := x.Context.Trigger()["call"].(map[string]any)
	for i, h := range hits {
		require.Equal(t, "POST", h.Method)
		require.Equal(t, "/wait", h.Path)
		require.Equal(t, q.SID, h.Form.Get("QueueSid"), "request %d", i)
		require.Equal(t, "1", h.Form.Get("QueuePosition"), "request %d", i)
		require.Equal(t, "1", h.Form.Get("CurrentQueueSize"), "request %d", i)
		require.Equal(t, "10", h.Form.Get("MaxQueueSize"), "request %d", i)
		require.NotEmpty(t, h.Form.Get("AvgQueueTime"), "request %d", i)
		require.Equal(t, call["CallSid"], h.Form.Get("CallSid"), "request %d", i)
	}
	first, _ := strconv.Atoi(hits[0].Form.Get("QueueTime"))
	last, _ := strconv.Atoi(hits[2].Form.Get("QueueTime"))
	require.GreaterOrEqual(t, last-first, 2, "QueueTime grows while the caller waits")
	require.Empty(t, p.svc.Queues.State(q).Members)
	p.settle(t, g)
}

// TestQueueWaitURLFails: a wait_url that answers 500 is an execution event
// (11200, naming the URL) and the caller hears the queue's hold tone
// instead, until it hangs up.
func TestQueueWaitURLFails(t *testing.T) {
	srv := newTwiMLServer(t, map[string]func(http.ResponseWriter, *http.Request, string){
		"/wait": func(w http.ResponseWriter, _ *http.Request, _ string) {
			http.Error(w, "down", http.StatusInternalServerError)
		},
	})
	p, q, _ := queuePhone(t, 10, "nobody")
	p.addFlow(t, waitFlow, strings.NewReplacer("URL", srv.URL+"/wait", "METHOD", "GET", `, "next": "NEXT"`, "").Replace(waitDef))
	caller := queueCaller(t, "+15550003102", 1000)
	g := runtime.NumGoroutine()
	caller.send(t, "/dial sip:"+waitFlow+"@127.0.0.1:"+strconv.Itoa(p.port))
	waitQueue(t, p, q, "holding the caller", func(s QueueState) bool { return len(s.Members) == 1 })
	time.Sleep(4 * time.Second)
	caller.send(t, "/hangup")
	p.waitEnded(t, waitFlow, 10*time.Second)
	heard := caller.quit(t)
	t.Logf("the caller heard %d ms of the 523 Hz hold tone", toneMs(heard, 523))
	require.GreaterOrEqual(t, toneMs(heard, 523), 2000)

	hits := srv.requests()
	require.Len(t, hits, 1, "a failed wait_url is not requested again")
	require.Equal(t, "GET", hits[0].Method)
	require.Equal(t, q.SID, hits[0].Form.Get("QueueSid"))
	evs := stepEvents(t, p.st, waitFlow)["queue"]
	require.Len(t, evs, 1, "%+v", evs)
	require.Equal(t, "error", evs[0].Level)
	require.Equal(t, codeHTTPRetrieval, evs[0].Code)
	require.Contains(t, evs[0].Message, "wait_url")
	require.Contains(t, evs[0].Message, "hold music")
	p.settle(t, g)
}
