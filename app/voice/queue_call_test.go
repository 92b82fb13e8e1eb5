package voice

// enqueue-call against real peers on loopback: baresip desk phones
// registered with us as the queue's agents (auto-answer, each sending its
// own tone) and baresip callers (each sending a tone and recording what it
// hears). Each test ends with no call, RTP port, outbound leg, active
// execution or extra goroutine left.

import (
	"context"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/switchboard/switchboard/app/store"
	"github.com/switchboard/switchboard/sip"
)

const queueFlow = "FW00000000000000000000000000000091"

// queueDef is trigger → enqueue-call "sales"; a full queue or a failure
// hears goodbye. callComplete ends the flow.
const queueDef = `{"initial_state": "Trigger", "states": [
  {"name": "Trigger", "type": "trigger", "properties": {}, "transitions": [{"event": "incomingCall", "next": "queue"}]},
  {"name": "queue", "type": "enqueue-call", "properties": {"queue_name": "sales"},
   "transitions": [{"event": "callComplete"}, {"event": "failedToEnqueue", "next": "bye"}, {"event": "callFailure", "next": "bye"}]},
  {"name": "bye", "type": "say-play", "properties": {"say": "Goodbye."}, "transitions": [{"event": "audioComplete"}]}]}`

// queuePhone is the voice stack with a queue manager whose published
// states are kept, the queue flow and queue "sales" of agents.
func queuePhone(t *testing.T, maxSize int, agents ...string) (*phone, *store.Queue, func() []QueueState) {
	t.Helper()
	var v *Service
	p := newPhoneWith(t, func(s *Service) { v = s })
	v.SIP = p.sip
	var mu sync.Mutex
	var published []QueueState
	v.Queues = &QueueManager{Store: p.st, Registrations: p.sip.Registrations, Log: v.Log,
		OnChange: func(s QueueState) { mu.Lock(); published = append(published, s); mu.Unlock() }}
	p.addFlow(t, queueFlow, queueDef)
	q, err := p.st.CreateQueue(context.Background(), store.Queue{SID: "QU00000000000000000000000000000001", FriendlyName: "sales",
		MaxSize: maxSize, Agents: agents})
	require.NoError(t, err)
	return p, q, func() []QueueState { mu.Lock(); defer mu.Unlock(); return append([]QueueState(nil), published...) }
}

// startAgents registers a baresip desk phone for each user (auto-answer,
// sending hz[i]).
func startAgents(t *testing.T, p *phone, users []string, hz []float64) []*baresip {
	t.Helper()
	var creds []sip.User
	for _, u := range users {
		creds = append(creds, sip.User{Username: u, Password: "pw-" + u})
	}
	p.sip.SetUsers(creds)
	var out []*baresip
	for i, u := range users {
		out = append(out, startSoftphone(t, "<sip:"+u+"@127.0.0.1:"+strconv.Itoa(p.port)+">;auth_pass=pw-"+u+";regint=60;answermode=auto", hz[i]))
	}
	deadline := time.Now().Add(5 * time.Second)
	for len(p.sip.Registrations()) < len(users) {
		if time.Now().After(deadline) {
			t.Fatalf("desk phones did not register; log:\n%s", out[0].log())
		}
		time.Sleep(50 * time.Millisecond)
	}
	return out
}

// queueCaller is a baresip caller with its own number (one execution per
// caller and flow) sending hz.
func queueCaller(t *testing.T, number string, hz float64) *baresip {
	return startSoftphone(t, "<sip:"+number+"@127.0.0.1>;regint=0", hz)
}

func (p *phone) dialQueue(t *testing.T, b *baresip) {
	b.send(t, "/dial sip:"+queueFlow+"@127.0.0.1:"+strconv.Itoa(p.port))
}

// waitQueue waits until the queue's live state satisfies ok.
func waitQueue(t *testing.T, p *phone, q *store.Queue, what string, ok func(QueueState) bool) QueueState {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		st := p.svc.Queues.State(q)
		if ok(st) {
			return st
		}
		if time.Now().After(deadline) {
			t.Fatalf("queue never %s: %+v", what, st)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// queueSteps is every execution's path and the queue widget's outputs,
// by caller number.
func queueSteps(t *testing.T, p *phone) map[string][2]any {
	t.Helper()
	ctx := context.Background()
	rows, err := p.st.Executions(ctx, queueFlow, store.ExecutionFilter{}, store.Page{Limit: 10})
	require.NoError(t, err)
	out := map[string][2]any{}
	for _, r := range rows {
		x, err := p.st.Execution(ctx, r.SID)
		require.NoError(t, err)
		steps, err := p.st.Steps(ctx, x.SID)
		require.NoError(t, err)
		var path []string
		for _, s := range steps {
			path = append(path, s.TransitionedFrom+"."+s.Name+">"+s.TransitionedTo)
		}
		out[x.Contact] = [2]any{path, x.Context.Widget("queue")}
	}
	return out
}

// TestQueueBridgesLongestIdleAgent: desk phones A (440 Hz) and B (660 Hz)
// answer queue sales. A caller (1 kHz) joins; A, idle longest (both never
// had a call; A comes first), rings, answers and is bridged: each hears the
// other, B never rings and stays free while A is busy. A hangs up:
// callComplete with QueueResult bridged, the queue's SID and a QueueTime.
func TestQueueBridgesLongestIdleAgent(t *testing.T) {
	p, q, published := queuePhone(t, 10, "deskA", "deskB")
	desks := startAgents(t, p, []string{"deskA", "deskB"}, []float64{440, 660})
	caller := queueCaller(t, "+15550003001", 1000)
	g := runtime.NumGoroutine()

	p.dialQueue(t, caller)
	desks[0].waitLog(t, "Call established", 10*time.Second)
	st := waitQueue(t, p, q, "bridged to deskA", func(s QueueState) bool {
		return len(s.Members) == 0 && len(s.Agents) == 2 && s.Agents[0].State == AgentBusy
	})
	require.Equal(t, AgentFree, st.Agents[1].State)
	require.Equal(t, 1, st.AgentsFree)
	time.Sleep(2 * time.Second)
	desks[0].send(t, "/hangup")
	p.waitEnded(t, queueFlow, 10*time.Second)
	heardByDesk, heardByCaller := desks[0].quit(t), caller.quit(t)
	require.NotContains(t, desks[1].log(), "Call established", "deskB rang")

	x, steps := path(t, p.st, queueFlow)
	require.Equal(t, []string{"Trigger.incomingCall>queue", "queue.callComplete>Ended"}, steps)
	w := x.Context.Widget("queue")
	require.Equal(t, "bridged", w["QueueResult"])
	require.Equal(t, q.SID, w["QueueSid"])
	require.Contains(t, []any{"0", "1", "2"}, w["QueueTime"])
	fromCaller, fromDesk := toneMs(heardByDesk, 1000), toneMs(heardByCaller, 440)
	t.Logf("deskA heard %d ms of the caller's 1 kHz; the caller heard %d ms of deskA's 440 Hz", fromCaller, fromDesk)
	require.GreaterOrEqual(t, fromCaller, 1500)
	require.GreaterOrEqual(t, fromDesk, 1500)
	require.Zero(t, toneMs(heardByCaller, 660), "deskB's audio reached the caller")

	sizes := []int{}
	for _, s := range published() {
		sizes = append(sizes, len(s.Members))
	}
	require.Contains(t, sizes, 1, "the caller's joining was published")
	last := published()[len(published())-1]
	require.Equal(t, 0, len(last.Members))
	require.Equal(t, AgentFree, last.Agents[0].State, "deskA free again after the call")
	p.settle(t, g)
	p.waitIdle(t, queueFlow, 10*time.Second)
}

// TestQueueWaitsFullAndHangsUp: one agent (desk1) and a queue of at most
// 1 waiting caller. Caller 1 is bridged to desk1; caller 2 waits (position 1,
// current_size 1 published) and hears the hold tone; caller 3 finds the
// queue full (failedToEnqueue, QueueResult queue-full); caller 2 hangs up
// while waiting and leaves (current_size 0); then desk1 hangs up on
// caller 1.
func TestQueueWaitsFullAndHangsUp(t *testing.T) {
	p, q, published := queuePhone(t, 1, "desk1")
	desks := startAgents(t, p, []string{"desk1"}, []float64{440})
	c1, c2, c3 := queueCaller(t, "+15550003001", 1000), queueCaller(t, "+15550003002", 1000), queueCaller(t, "+15550003003", 1000)
	g := runtime.NumGoroutine()

	p.dialQueue(t, c1)
	desks[0].waitLog(t, "Call established", 10*time.Second)
	waitQueue(t, p, q, "bridged", func(s QueueState) bool { return s.Agents[0].State == AgentBusy })
	p.dialQueue(t, c2)
	st := waitQueue(t, p, q, "holding caller 2", func(s QueueState) bool { return len(s.Members) == 1 })
	require.Equal(t, 1, st.Members[0].Position)
	require.Equal(t, 0, st.AgentsFree)
	require.Equal(t, 1, len(published()[len(published())-1].Members), "current_size 1 published")
	time.Sleep(3 * time.Second) // caller 2 hears the hold tone
	p.dialQueue(t, c3)
	c3.waitLog(t, "session closed", 15*time.Second) // goodbye, then our BYE

	c2.send(t, "/hangup")
	waitQueue(t, p, q, "empty after caller 2 left", func(s QueueState) bool { return len(s.Members) == 0 })
	require.Equal(t, 0, len(published()[len(published())-1].Members), "current_size 0 published")
	desks[0].send(t, "/hangup")
	p.waitIdle(t, queueFlow, 15*time.Second)
	held := c2.quit(t)
	t.Logf("caller 2 heard %d ms of the 523 Hz hold tone", toneMs(held, 523))
	require.GreaterOrEqual(t, toneMs(held, 523), 1000, "hold music")

	got := queueSteps(t, p)
	require.Equal(t, "bridged", got["+15550003001"][1].(map[string]any)["QueueResult"])
	require.Equal(t, []string{"Trigger.incomingCall>queue", "queue.callComplete>Ended"}, got["+15550003002"][0], "caller 2 hung up: Studio's callComplete with QueueResult hangup")
	require.Equal(t, "hangup", got["+15550003002"][1].(map[string]any)["QueueResult"])
	require.Equal(t, []string{"Trigger.incomingCall>queue", "queue.failedToEnqueue>bye", "bye.audioComplete>Ended"}, got["+15550003003"][0])
	require.Equal(t, "queue-full", got["+15550003003"][1].(map[string]any)["QueueResult"])
	p.settle(t, g)
}

// TestQueueNoAgentHoldMusic: the queue's only agent is not registered: the
// caller waits, hears the hold tone, and hangs up; it leaves the queue.
func TestQueueNoAgentHoldMusic(t *testing.T) {
	p, q, _ := queuePhone(t, 10, "nobody")
	caller := queueCaller(t, "+15550003001", 1000)
	g := runtime.NumGoroutine()
	p.dialQueue(t, caller)
	st := waitQueue(t, p, q, "holding the caller", func(s QueueState) bool { return len(s.Members) == 1 })
	require.Equal(t, []QueueAgent{{User: "nobody", State: AgentOffline}}, st.Agents)
	time.Sleep(4 * time.Second)
	caller.send(t, "/hangup")
	p.waitEnded(t, queueFlow, 10*time.Second)
	heard := caller.quit(t)
	t.Logf("the caller heard %d ms of the 523 Hz hold tone", toneMs(heard, 523))
	require.GreaterOrEqual(t, toneMs(heard, 523), 2000)
	require.Empty(t, p.svc.Queues.State(q).Members)
	_, steps := path(t, p.st, queueFlow)
	require.Equal(t, []string{"Trigger.incomingCall>queue", "queue.callComplete>Ended"}, steps)
	p.settle(t, g)
}

// TestQueueHangupThenSay: a caller who hangs up while waiting takes
// callComplete (QueueResult hangup) to a say-play, which needs the call:
// the execution ends there at once, as in Studio, instead of waiting
// forever for a prompt nobody hears.
func TestQueueHangupThenSay(t *testing.T) {
	p, q, _ := queuePhone(t, 10, "nobody")
	const flow = "FW00000000000000000000000000000093"
	p.addFlow(t, flow, strings.Replace(queueDef, `{"event": "callComplete"}`, `{"event": "callComplete", "next": "bye"}`, 1))
	caller := queueCaller(t, "+15550003003", 1000)
	g := runtime.NumGoroutine()
	caller.send(t, "/dial sip:"+flow+"@127.0.0.1:"+strconv.Itoa(p.port))
	waitQueue(t, p, q, "holding the caller", func(s QueueState) bool { return len(s.Members) == 1 })
	caller.send(t, "/hangup")
	p.waitEnded(t, flow, 5*time.Second)
	caller.quit(t)
	x, steps := path(t, p.st, flow)
	require.Equal(t, []string{"Trigger.incomingCall>queue", "queue.callComplete>bye", "bye.hangup>Ended"}, steps)
	require.Equal(t, "hangup", x.Context.Widget("queue")["QueueResult"])
	p.settle(t, g)
}
