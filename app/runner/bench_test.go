package runner

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"sort"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/switchboard/switchboard/app/sid"
	"github.com/switchboard/switchboard/app/store"
	"github.com/switchboard/switchboard/engine"
)

// five is a 5-widget messaging flow: set variables, split, send, wait for
// the reply, send.
const five = `{
  "initial_state": "Trigger",
  "states": [
    {"name": "Trigger", "type": "trigger", "properties": {}, "transitions": [{"event": "incomingMessage", "next": "vars"}]},
    {"name": "vars", "type": "set-variables", "properties": {"variables": [{"key": "name", "value": "{{trigger.message.Body | upcase}}"}]}, "transitions": [{"event": "next", "next": "route"}]},
    {"name": "route", "type": "split-based-on", "properties": {"input": "{{flow.variables.name}}"}, "transitions": [
      {"event": "noMatch", "next": "ask"},
      {"event": "match", "next": "ask", "conditions": [{"friendly_name": "stop", "arguments": ["{{flow.variables.name}}"], "type": "equal_to", "value": "STOP"}]}]},
    {"name": "ask", "type": "send-and-wait-for-reply", "properties": {"body": "Hi {{flow.variables.name}}, rate us 1-5", "timeout": "3600"},
     "transitions": [{"event": "incomingMessage", "next": "thanks"}, {"event": "timeout"}, {"event": "deliveryFailure"}]},
    {"name": "thanks", "type": "send-message", "properties": {"body": "Thanks for {{widgets.ask.inbound.Body}}"}, "transitions": [{"event": "sent"}, {"event": "failed"}]}
  ]}`

// BenchmarkConversation runs whole conversations of the 5-widget flow
// (two sprints, 5 persisted steps in all) from 16 concurrent contacts against
// SQLite in WAL mode with synchronous=FULL (every commit is fsynced), and
// reports persisted steps/s, executions/s and the
// p99 sprint latency.
func BenchmarkConversation(b *testing.B) {
	res := runConversations(b, b.TempDir(), b.N, conversationContacts, true)
	b.ReportMetric(res.stepsPerSec(), "steps/s")
	b.ReportMetric(float64(b.N)/res.elapsed.Seconds(), "executions/s")
	b.ReportMetric(float64(res.quantile(0.50).Microseconds()), "p50-sprint-µs")
	b.ReportMetric(float64(res.quantile(0.99).Microseconds()), "p99-sprint-µs")
	if res.commits > 0 {
		b.ReportMetric(float64(res.sprints)/float64(res.commits), "sprints/commit")
	}
}

// conversations is what one run of runConversations measured.
type conversations struct {
	steps            int64
	elapsed          time.Duration
	lat              []time.Duration // sorted sprint latencies
	commits, sprints int64
}

func (c conversations) stepsPerSec() float64 { return float64(c.steps) / c.elapsed.Seconds() }

func (c conversations) quantile(q float64) time.Duration {
	if len(c.lat) == 0 {
		return 0
	}
	return c.lat[int(q*float64(len(c.lat)-1))]
}

// conversationContacts is how many contacts converse at once in
// BenchmarkConversation and the main rows of BenchmarkConversationVsRaw
// (the rows issue 15 quotes).
const conversationContacts = 16

// runConversations runs n conversations of the five flow from workers
// concurrent contacts against a fresh store in dir; timed says the
// benchmark timer brackets the run.
func runConversations(b *testing.B, dir string, n, workers int, timed bool) conversations {
	ctx := context.Background()
	st, err := store.Open(ctx, dir)
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	if _, err := st.CreateFlow(ctx, store.NewFlow{SID: flowSID, FriendlyName: "five", Status: store.StatusPublished, Definition: json.RawMessage(five), Valid: true}); err != nil {
		b.Fatal(err)
	}
	// The appliance's SIDs (app/serve.go): their order decides where the
	// execution and step rows land in their B-trees.
	r := New(st, slog.New(slog.NewTextHandler(io.Discard, nil)), engine.WithSIDs(sid.New))
	defer r.Close()

	var next atomic.Int64
	var steps atomic.Int64
	var mu sync.Mutex
	var lat []time.Duration
	if timed {
		b.ResetTimer()
	}
	start := time.Now()
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var mine []time.Duration
			for {
				i := next.Add(1)
				if i > int64(n) {
					break
				}
				contact := fmt.Sprintf("+1%010d", i)
				t0 := time.Now()
				_, sp, err := r.Message(ctx, flowSID, contact, "+15550002222", map[string]any{"Body": "ann"})
				if err != nil {
					b.Error(err)
					return
				}
				t1 := time.Now()
				_, sp2, err := r.Message(ctx, flowSID, contact, "+15550002222", map[string]any{"Body": "5"})
				if err != nil {
					b.Error(err)
					return
				}
				mine = append(mine, t1.Sub(t0), time.Since(t1))
				steps.Add(int64(len(sp.Steps) + len(sp2.Steps)))
			}
			mu.Lock()
			lat = append(lat, mine...)
			mu.Unlock()
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	if timed {
		b.StopTimer()
	}
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	return conversations{steps: steps.Load(), elapsed: elapsed, lat: lat,
		commits: r.commit.commits.Load(), sprints: r.commit.sprints.Load()}
}

// BenchmarkEngineOnly is the same conversation in memory, without the store.
func BenchmarkEngineOnly(b *testing.B) {
	ctx := context.Background()
	p := mustProgram(b, five)
	eng := engine.New()
	b.ResetTimer()
	steps := 0
	start := time.Now()
	for i := 0; i < b.N; i++ {
		x, sp, err := eng.Start(ctx, p, engine.Trigger{Event: engine.EventIncomingMessage, Contact: "+1555", Channel: "+1666", Params: map[string]any{"Body": "ann"}})
		if err != nil {
			b.Fatal(err)
		}
		sp2, err := eng.Resume(ctx, p, x, engine.Input{Type: engine.InputReply, Params: map[string]any{"Body": "5"}})
		if err != nil {
			b.Fatal(err)
		}
		steps += len(sp.Steps) + len(sp2.Steps)
	}
	b.ReportMetric(float64(steps)/time.Since(start).Seconds(), "steps/s")
}
