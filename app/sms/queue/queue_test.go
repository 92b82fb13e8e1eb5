package queue_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/switchboard/switchboard/app/sid"
	"github.com/switchboard/switchboard/app/sms"
	"github.com/switchboard/switchboard/app/sms/queue"
	"github.com/switchboard/switchboard/app/store"
)

// The "loopback" kind is this test's gateway: it takes every message and
// answers what the test scripted for it. It exercises the queue through
// the contract, the way the real kinds (modem, smpp, http) are driven.
type loopback struct {
	mu      sync.Mutex
	sink    sms.Sink
	cfg     sms.Config
	script  []error // answers to the next Sends; nil: accepted
	sent    []sms.Outbound
	sendAt  []time.Time
	started int
}

var (
	gatewaysMu sync.Mutex
	gateways   = map[string]*loopback{} // by gateway SID, the newest instance
)

func init() {
	sms.Register(sms.Kind{Name: "loopback", Title: "test loopback", Schema: json.RawMessage(`{"type":"object"}`),
		Check: func(json.RawMessage) error { return nil },
		New: func(cfg sms.Config, env sms.Env) (sms.Gateway, error) {
			var s struct{ Fail string }
			if err := json.Unmarshal(cfg.Settings, &s); err != nil {
				return nil, fmt.Errorf("settings: %w", err)
			}
			if s.Fail != "" {
				return nil, errors.New(s.Fail)
			}
			g := &loopback{sink: env.Sink, cfg: cfg}
			gatewaysMu.Lock()
			gateways[cfg.SID] = g
			gatewaysMu.Unlock()
			return g, nil
		}})
}

func gatewayOf(sid string) *loopback {
	gatewaysMu.Lock()
	defer gatewaysMu.Unlock()
	return gateways[sid]
}

func (g *loopback) Run(ctx context.Context) error {
	g.mu.Lock()
	g.started++
	g.mu.Unlock()
	g.sink.Health(sms.Health{State: sms.StateReady, Since: time.Now()})
	<-ctx.Done()
	return nil
}

func (g *loopback) Send(_ context.Context, m sms.Outbound) (sms.Sent, error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.sent = append(g.sent, m)
	g.sendAt = append(g.sendAt, time.Now())
	if len(g.script) > 0 {
		err := g.script[0]
		g.script = g.script[1:]
		if err != nil {
			return sms.Sent{}, err
		}
	}
	return sms.Sent{Segments: 1, Refs: []string{strconv.Itoa(len(g.sent))}}, nil
}

func (g *loopback) Health() sms.Health { return sms.Health{} }

func (g *loopback) sends() []sms.Outbound {
	g.mu.Lock()
	defer g.mu.Unlock()
	return append([]sms.Outbound(nil), g.sent...)
}

// flows records what the queue tells the flows.
type flows struct {
	mu       sync.Mutex
	inbound  []store.Message
	keys     []string
	results  []string // "SID status"
	inboundE error
}

func (f *flows) Inbound(_ context.Context, m store.Message, key string) (string, string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.inboundE != nil {
		return "", "", f.inboundE
	}
	f.inbound = append(f.inbound, m)
	f.keys = append(f.keys, key)
	return "FW1", "FN1", nil
}

func (f *flows) Result(_ context.Context, _ string, m store.Message) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.results = append(f.results, m.SID+" "+m.Status)
	return nil
}

func (f *flows) got() ([]store.Message, []string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]store.Message(nil), f.inbound...), append([]string(nil), f.results...)
}

type fixture struct {
	st     *store.Store
	q      *queue.Queue
	flows  *flows
	cancel context.CancelFunc
	done   chan struct{}
}

func newFixture(t *testing.T, opt queue.Options) *fixture {
	t.Helper()
	st, err := store.Open(context.Background(), t.TempDir())
	require.NoError(t, err)
	t.Cleanup(func() { st.Close() })
	f := &fixture{st: st, flows: &flows{}}
	opt.Log = slog.New(slog.NewTextHandler(io.Discard, nil))
	opt.Flows = f.flows
	if opt.Tick == 0 {
		opt.Tick = 20 * time.Millisecond
	}
	if opt.Backoff == 0 {
		opt.Backoff = 30 * time.Millisecond
	}
	f.q = queue.New(st, opt)
	return f
}

func (f *fixture) start(t *testing.T) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	f.cancel, f.done = cancel, make(chan struct{})
	go func() { defer close(f.done); _ = f.q.Run(ctx) }()
	t.Cleanup(f.stop)
}

func (f *fixture) stop() {
	if f.cancel != nil {
		f.cancel()
		<-f.done
		f.cancel = nil
	}
}

func (f *fixture) gateway(t *testing.T, name string, addrs []string, settings string, rate int) string {
	t.Helper()
	g, err := f.st.CreateGateway(context.Background(), store.Gateway{SID: sid.New("SG"), FriendlyName: name, Kind: "loopback",
		Addresses: addrs, Settings: json.RawMessage(settings), Enabled: true, RatePerMinute: rate})
	require.NoError(t, err)
	return g.SID
}

func (f *fixture) queue(t *testing.T, from, to, body string) string {
	t.Helper()
	m, err := f.st.CreateMessage(context.Background(), store.Message{SID: sid.New("SM"), Direction: store.DirectionOutboundAPI,
		ExecutionSID: "FN" + body, From: from, To: to, Body: body, Status: store.MessageQueued, Notified: store.MessageQueued})
	require.NoError(t, err)
	f.q.Wake()
	return m.SID
}

func (f *fixture) message(t *testing.T, sid string) *store.Message {
	t.Helper()
	m, err := f.st.MessageBySID(context.Background(), sid)
	require.NoError(t, err)
	return m
}

// eventually polls cond for up to 5 s.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for i := 0; i < 250; i++ {
		if cond() {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("%s did not happen within 5 s", what)
}

func TestSendRouteReportAndCallbacks(t *testing.T) {
	var mu sync.Mutex
	var callbacks []url.Values
	var sigs []string
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		require.NoError(t, r.ParseForm())
		mu.Lock()
		callbacks = append(callbacks, r.PostForm)
		sigs = append(sigs, r.Header.Get("X-Twilio-Signature"))
		mu.Unlock()
	}))
	defer hook.Close()
	f := newFixture(t, queue.Options{AccountSID: "AC1", Sign: func(u string, form map[string][]string) string { return "sig:" + u }})
	gwA := f.gateway(t, "A", []string{"+15550000001"}, `{}`, 0)
	gwB := f.gateway(t, "B", []string{"*"}, `{}`, 0)
	f.start(t)

	a := f.queue(t, "+15550000001", "+15559990001", "to A")
	b := f.queue(t, "+15550000042", "+15559990002", "to the default")
	// A status callback in Twilio's shape for the Messages API's rows.
	_, err := f.st.CreateMessage(context.Background(), store.Message{SID: "SMcb", Direction: store.DirectionOutboundAPI,
		From: "+15550000001", To: "+15559990003", Body: "with callback", Status: store.MessageQueued, Notified: store.MessageQueued,
		StatusCallback: hook.URL + "/status?token=x"})
	require.NoError(t, err)
	f.q.Wake()

	eventually(t, "all sent", func() bool {
		return f.message(t, a).Status == store.MessageSent && f.message(t, b).Status == store.MessageSent &&
			f.message(t, "SMcb").Status == store.MessageSent
	})
	require.Equal(t, gwA, f.message(t, a).GatewaySID, "the gateway owning the From sends")
	require.Equal(t, gwB, f.message(t, b).GatewaySID, "the '*' gateway sends the rest")
	sent := gatewayOf(gwA).sends()
	require.Len(t, sent, 2)
	ref := ""
	for i, m := range sent {
		if m.Body == "to A" {
			ref = strconv.Itoa(i + 1) // the loopback's reference for it
		}
	}
	require.NotEmpty(t, ref)

	// A delivery report for A's one part makes it delivered and is told.
	eventually(t, "sent told", func() bool { _, r := f.flows.got(); return contains(r, a+" sent") })
	require.NoError(t, reportTo(f, gwA, ref, "+15559990001", "delivered"))
	eventually(t, "delivered told", func() bool {
		_, r := f.flows.got()
		return contains(r, a+" delivered")
	})
	require.Equal(t, store.MessageDelivered, f.message(t, a).Status)

	eventually(t, "callback", func() bool { mu.Lock(); defer mu.Unlock(); return len(callbacks) >= 1 })
	mu.Lock()
	require.Equal(t, "SMcb", callbacks[0].Get("MessageSid"))
	require.Equal(t, "sent", callbacks[0].Get("MessageStatus"))
	require.Equal(t, "AC1", callbacks[0].Get("AccountSid"))
	require.Equal(t, "sig:"+hook.URL+"/status?token=x", sigs[0])
	mu.Unlock()
}

// reportTo hands a report to the running gateway's sink, as its peer would.
func reportTo(f *fixture, gatewaySID, ref, to, status string) error {
	return gatewayOf(gatewaySID).sink.Report(context.Background(), sms.Report{Ref: ref, To: to, Status: status, Window: time.Minute})
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

func TestFailuresRetriesAndUncertainSends(t *testing.T) {
	f := newFixture(t, queue.Options{MaxAttempts: 3})
	gw := f.gateway(t, "A", []string{"*"}, `{}`, 0)
	f.start(t)
	eventually(t, "gateway up", func() bool { return gatewayOf(gw) != nil })
	lb := gatewayOf(gw)
	lb.mu.Lock()
	lb.script = []error{
		sms.Retryable(sms.CodeUnknown, errors.New("network timeout")), // retry: 1st message, attempt 1
		nil, // 1st message, attempt 2: sent
		sms.Permanent(sms.CodeUnknownDestination, errors.New("unassigned number")), // 2nd: failed for good
		sms.Uncertain(sms.CodeUnknown, errors.New("no answer after the PDU")),      // 3rd: maybe sent
		sms.Retryable(sms.CodeUnknown, errors.New("busy")),                         // 4th: three tries, then failed
		sms.Retryable(sms.CodeUnknown, errors.New("busy")),
		sms.Retryable(sms.CodeUnknown, errors.New("busy")),
	}
	lb.mu.Unlock()

	retried := f.queue(t, "+1", "+2", "retried")
	eventually(t, "retried sent", func() bool { return f.message(t, retried).Status == store.MessageSent })
	require.Equal(t, 2, f.message(t, retried).Attempts)

	permanent := f.queue(t, "+1", "+3", "permanent")
	eventually(t, "permanent failed", func() bool { return f.message(t, permanent).Status == store.MessageFailed })
	m := f.message(t, permanent)
	require.Equal(t, 1, m.Attempts, "a permanent failure is not retried")
	require.Equal(t, sms.CodeUnknownDestination, m.ErrorCode)

	uncertain := f.queue(t, "+1", "+4", "uncertain")
	eventually(t, "uncertain recorded", func() bool { return f.message(t, uncertain).Status == store.MessageSent })
	m = f.message(t, uncertain)
	require.Equal(t, 1, m.Attempts, "a send that may have gone out is never sent again")
	require.Contains(t, m.ErrorMessage, "may have sent")

	exhausted := f.queue(t, "+1", "+5", "exhausted")
	eventually(t, "exhausted failed", func() bool { return f.message(t, exhausted).Status == store.MessageFailed })
	require.Equal(t, 3, f.message(t, exhausted).Attempts)
	require.Len(t, lb.sends(), 7, "every attempt reached the gateway once")
	// The notifier tells the flows after the store changed: wait for it.
	for _, want := range []string{retried + " sent", permanent + " failed", uncertain + " sent", exhausted + " failed"} {
		eventually(t, "told "+want, func() bool { _, r := f.flows.got(); return contains(r, want) })
	}
}

func TestUnroutableMessageFailsClearly(t *testing.T) {
	f := newFixture(t, queue.Options{})
	gw := f.gateway(t, "A", []string{"+15550000001"}, `{}`, 0)
	f.start(t)
	long := f.queue(t, "+15550000001", "+2", strings.Repeat("😀", queue.MaxBody+1))
	eventually(t, "too long failed", func() bool { return f.message(t, long).Status == store.MessageFailed })
	require.Equal(t, sms.CodeBodyTooLong, f.message(t, long).ErrorCode)
	require.Empty(t, gatewayOf(gw).sends(), "nothing went to the gateway")

	m := f.queue(t, "+15550000099", "+2", "nobody sends this")
	eventually(t, "failed", func() bool { return f.message(t, m).Status == store.MessageFailed })
	got := f.message(t, m)
	require.Equal(t, 21606, got.ErrorCode)
	require.Contains(t, got.ErrorMessage, `"+15550000099"`)
	n, froms, err := f.st.Unroutable(context.Background(), time.Now().Add(-time.Hour))
	require.NoError(t, err)
	require.Equal(t, 1, n, "the too-long message is not counted: it had a gateway")
	require.Equal(t, []string{"+15550000099"}, froms)
}

func TestLeaseRunOutSendsAgainAfterRestart(t *testing.T) {
	f := newFixture(t, queue.Options{})
	gw := f.gateway(t, "A", []string{"*"}, `{}`, 0)
	ctx := context.Background()
	sidA := f.queue(t, "+1", "+2", "cut short")
	require.NoError(t, f.st.RouteMessage(ctx, sidA, gw))
	// A process claimed it and died: its lease has run out.
	claimed, err := f.st.ClaimMessages(ctx, gw, time.Now(), -time.Minute, 1)
	require.NoError(t, err)
	require.Len(t, claimed, 1)
	f.start(t)
	eventually(t, "sent after the restart", func() bool { return f.message(t, sidA).Status == store.MessageSent })
	require.Equal(t, 2, f.message(t, sidA).Attempts, "the claim that died counts")
	require.Len(t, gatewayOf(gw).sends(), 1)
}

func TestInboundOnceAndDroppedRedelivery(t *testing.T) {
	f := newFixture(t, queue.Options{})
	gw := f.gateway(t, "A", []string{"+15550000001"}, `{}`, 0)
	f.start(t)
	eventually(t, "gateway up", func() bool { return gatewayOf(gw) != nil })
	sink := gatewayOf(gw).sink
	ctx := context.Background()
	in := sms.Inbound{From: "+15559990001", Body: "hello ✓", ProviderID: "p1", Segments: 2}
	require.NoError(t, sink.Inbound(ctx, in))
	require.NoError(t, sink.Inbound(ctx, in), "a redelivery is accepted (and dropped)")
	require.NoError(t, sink.Inbound(ctx, sms.Inbound{From: "+15559990002", Body: "part", ProviderID: "p2", Incomplete: true, Missing: []int{2}}))
	eventually(t, "two handed over", func() bool { got, _ := f.flows.got(); return len(got) == 2 })
	time.Sleep(100 * time.Millisecond)
	got, _ := f.flows.got()
	require.Len(t, got, 2, "the redelivered message reached the flows once")
	require.Equal(t, "+15550000001", got[0].To, "a message without To is for the gateway's first address")
	require.Equal(t, "hello ✓", got[0].Body)
	require.Equal(t, 2, got[0].NumSegments)
	require.True(t, got[1].Incomplete)
	require.Equal(t, sms.CodeMissingSegment, got[1].ErrorCode)
	require.Contains(t, got[1].ErrorMessage, "2")
	f.flows.mu.Lock()
	require.Equal(t, "sms|gateway|"+got[0].SID, f.flows.keys[0])
	f.flows.mu.Unlock()
}

func TestInboundRetriedWhenTheFlowCannotTakeIt(t *testing.T) {
	f := newFixture(t, queue.Options{})
	gw := f.gateway(t, "A", []string{"+15550000001"}, `{}`, 0)
	f.flows.inboundE = errors.New("database is locked")
	f.start(t)
	eventually(t, "gateway up", func() bool { return gatewayOf(gw) != nil })
	require.NoError(t, gatewayOf(gw).sink.Inbound(context.Background(), sms.Inbound{From: "+1", Body: "x", ProviderID: "p"}))
	time.Sleep(100 * time.Millisecond)
	f.flows.mu.Lock()
	f.flows.inboundE = nil
	f.flows.mu.Unlock()
	eventually(t, "handed over after the error", func() bool { got, _ := f.flows.got(); return len(got) == 1 })

	// A message no flow takes is kept, handled, with the reason.
	f.flows.mu.Lock()
	f.flows.inboundE = &queue.InboundError{Note: "no number routes messages to a flow"}
	f.flows.mu.Unlock()
	require.NoError(t, gatewayOf(gw).sink.Inbound(context.Background(), sms.Inbound{From: "+1", Body: "y", ProviderID: "q"}))
	eventually(t, "handled with a note", func() bool {
		ms, err := f.st.ListMessages(context.Background(), store.MessageFilter{From: "+1"}, store.Page{})
		require.NoError(t, err)
		for _, m := range ms {
			if m.Body == "y" {
				return m.Handled && m.ErrorMessage == "no number routes messages to a flow"
			}
		}
		return false
	})
}

func TestRateLimit(t *testing.T) {
	f := newFixture(t, queue.Options{})
	gw := f.gateway(t, "A", []string{"*"}, `{}`, 600) // one every 100 ms
	f.start(t)
	for i := range 4 {
		f.queue(t, "+1", "+2", "m"+strconv.Itoa(i))
	}
	eventually(t, "four sent", func() bool { return gatewayOf(gw) != nil && len(gatewayOf(gw).sends()) == 4 })
	lb := gatewayOf(gw)
	lb.mu.Lock()
	defer lb.mu.Unlock()
	// Each send starts at least 100 ms after the one before it started,
	// however long claiming it took. The loopback notes the time a few
	// statements after the queue booked the send; 20 ms allows for the
	// first of those being held by a busy scheduler.
	for i := 1; i < 4; i++ {
		require.GreaterOrEqual(t, lb.sendAt[i].Sub(lb.sendAt[i-1]), 80*time.Millisecond, "send %d too soon after the one before", i)
	}
	require.GreaterOrEqual(t, lb.sendAt[3].Sub(lb.sendAt[0]), 280*time.Millisecond, "four sends in less than three gaps")
}

// A message claimed and waiting for its rate slot when the queue stops
// goes back to the queue at once, not after its lease runs out.
func TestStopWhileWaitingForTheRate(t *testing.T) {
	f := newFixture(t, queue.Options{})
	gw := f.gateway(t, "A", []string{"*"}, `{}`, 1) // one a minute
	first := f.queue(t, "+1", "+2", "a")
	f.start(t)
	eventually(t, "first sent", func() bool { return f.message(t, first).Status == store.MessageSent })
	second := f.queue(t, "+1", "+2", "b")
	eventually(t, "second claimed", func() bool { return f.message(t, second).Status == store.MessageSending })
	f.stop()
	m := f.message(t, second)
	require.Equal(t, store.MessageQueued, m.Status, "back in the queue")
	require.Len(t, gatewayOf(gw).sends(), 1, "the second was not sent")
	require.WithinDuration(t, time.Now(), m.NextAttempt, 5*time.Second, "due again at once")
}

func TestApplyRestartsChangedGatewaysAndReroutes(t *testing.T) {
	f := newFixture(t, queue.Options{})
	ctx := context.Background()
	gw := f.gateway(t, "A", []string{"+15550000001"}, `{}`, 0)
	broken := f.gateway(t, "B", []string{"+15550000002"}, `{"Fail": "bad settings"}`, 0)
	f.start(t)
	eventually(t, "A up", func() bool { return gatewayOf(gw) != nil })
	h := f.q.Health()
	require.Equal(t, sms.StateBlocked, h[broken].State, "a gateway that cannot be built shows why")
	require.Contains(t, h[broken].LastError, "bad settings")
	first := gatewayOf(gw)

	// Unchanged settings keep the running gateway; changed ones rebuild it.
	require.NoError(t, f.q.Apply(ctx))
	require.Same(t, first, gatewayOf(gw))
	g, err := f.st.GatewayBySID(ctx, gw)
	require.NoError(t, err)
	g.Addresses = []string{"+15550000001", "*"}
	_, err = f.st.UpdateGateway(ctx, *g)
	require.NoError(t, err)
	require.NoError(t, f.q.Apply(ctx))
	require.NotSame(t, first, gatewayOf(gw))
	require.Equal(t, gw, f.q.Owner("+19999999999"))

	// A disabled gateway keeps its messages queued until it is enabled.
	g.Enabled = false
	_, err = f.st.UpdateGateway(ctx, *g)
	require.NoError(t, err)
	require.NoError(t, f.q.Apply(ctx))
	require.Equal(t, sms.StateStopped, f.q.Health()[gw].State)
	m := f.queue(t, "+15550000001", "+2", "waits")
	time.Sleep(150 * time.Millisecond)
	require.Equal(t, store.MessageQueued, f.message(t, m).Status)
	g.Enabled = true
	_, err = f.st.UpdateGateway(ctx, *g)
	require.NoError(t, err)
	require.NoError(t, f.q.Apply(ctx))
	eventually(t, "sent once enabled", func() bool { return f.message(t, m).Status == store.MessageSent })
}
