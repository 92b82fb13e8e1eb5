package queue

import (
	"context"
	"fmt"
	"strconv"
	"sync"
	"time"

	"github.com/switchboard/switchboard/app/sid"
	"github.com/switchboard/switchboard/app/sms"
	"github.com/switchboard/switchboard/app/store"
)

// Concurrent is a gateway that takes several Sends at once (an SMSC with a
// window); the queue runs that many senders for it. Others get one.
type Concurrent interface {
	Concurrency() int
}

// gateway is one running gateway and its senders.
type gateway struct {
	q      *Queue
	cfg    store.Gateway
	gw     sms.Gateway // nil when it could not be built
	cancel context.CancelFunc
	done   sync.WaitGroup
	wake   chan struct{}

	mu     sync.Mutex
	last   sms.Health
	nextAt time.Time // rate limit: the earliest next send
}

// start builds and runs a gateway. A configuration that cannot work (an
// unknown kind, bad settings) still gets an entry, stopped, with the error
// as its health: the settings page shows why.
func (q *Queue) start(cfg store.Gateway) (*gateway, error) {
	g := &gateway{q: q, cfg: cfg, wake: make(chan struct{}, 1)}
	now := q.opt.Now()
	if !cfg.Enabled {
		g.last = sms.Health{State: sms.StateStopped, Since: now, LastError: "disabled"}
		return g, nil
	}
	kind, ok := sms.Lookup(cfg.Kind)
	if !ok {
		err := fmt.Errorf("gateway %q: unknown kind %q", cfg.FriendlyName, cfg.Kind)
		g.last = sms.Health{State: sms.StateBlocked, Since: now, LastError: err.Error()}
		return g, err
	}
	inbound := ""
	if q.opt.InboundBase != nil && kind.Inbound {
		inbound = q.opt.InboundBase() + "/sms/gateways/" + cfg.SID + "/"
	}
	gw, err := kind.New(sms.Config{SID: cfg.SID, FriendlyName: cfg.FriendlyName, Kind: cfg.Kind, Addresses: cfg.Addresses,
		Settings: cfg.Settings, InboundURL: inbound}, sms.Env{Log: q.log.With("gateway_sid", cfg.SID, "gateway", cfg.FriendlyName), Sink: g, Now: q.opt.Now})
	if err != nil {
		err = fmt.Errorf("gateway %q: %w", cfg.FriendlyName, err)
		g.last = sms.Health{State: sms.StateBlocked, Since: now, LastError: err.Error()}
		return g, err
	}
	g.gw = gw
	g.last = sms.Health{State: sms.StateConnecting, Since: now}
	ctx, cancel := context.WithCancel(q.ctx)
	g.cancel = cancel
	g.done.Add(1)
	go func() {
		defer g.done.Done()
		if err := gw.Run(ctx); err != nil && ctx.Err() == nil {
			q.log.Error("gateway stopped", "gateway_sid", cfg.SID, "err", err)
			g.Health(sms.Health{State: sms.StateBlocked, Since: q.opt.Now(), LastError: err.Error()})
		}
	}()
	workers := 1
	if c, ok := gw.(Concurrent); ok && c.Concurrency() > 1 {
		workers = c.Concurrency()
	}
	for range workers {
		g.done.Add(1)
		go func() { defer g.done.Done(); g.send(ctx) }()
	}
	return g, nil
}

func (g *gateway) stop() {
	if g.cancel != nil {
		g.cancel()
	}
	g.done.Wait()
}

func (g *gateway) health() sms.Health {
	if g.gw != nil {
		h := g.gw.Health()
		if h.State != "" {
			return h
		}
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.last
}

// send claims this gateway's due messages one at a time and sends them.
func (g *gateway) send(ctx context.Context) {
	q := g.q
	for ctx.Err() == nil {
		ms, err := q.st.ClaimMessages(ctx, g.cfg.SID, q.opt.Now(), q.opt.SendTimeout+time.Minute, 1)
		if err != nil {
			if ctx.Err() == nil {
				q.log.Error("claiming messages", "gateway_sid", g.cfg.SID, "err", err)
			}
			if !sleep(ctx, q.opt.Tick) {
				return
			}
			continue
		}
		if len(ms) == 0 {
			g.idle(ctx)
			continue
		}
		// The rate limit's wait comes after the claim, right before the
		// send: a slow claim is part of the gap, not added to it.
		if wait := g.rateWait(); wait > 0 && !sleep(ctx, wait) {
			g.requeue(ms[0])
			return
		}
		g.book()
		g.sendOne(ctx, ms[0])
	}
}

// requeue gives back a claimed message that a stop kept from being sent.
func (g *gateway) requeue(m store.Message) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := g.q.st.MessageRetry(ctx, m.SID, g.q.opt.Now(), 0, "interrupted by a stop"); err != nil {
		g.q.log.Error("requeueing a message", "gateway_sid", g.cfg.SID, "message_sid", m.SID, "err", err)
	}
}

// idle waits for a wake-up, the next due retry or a tick.
func (g *gateway) idle(ctx context.Context) {
	wait := g.q.opt.Tick
	if due, err := g.q.st.NextDue(ctx, g.cfg.SID); err == nil && !due.IsZero() {
		if d := due.Sub(g.q.opt.Now()); d < wait {
			wait = max(d, time.Millisecond)
		}
	}
	t := time.NewTimer(wait)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-g.wake:
	case <-t.C:
	}
}

func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}

// rateWait is how long to wait before the next send under the gateway's
// rate limit.
func (g *gateway) rateWait() time.Duration {
	if g.cfg.RatePerMinute <= 0 {
		return 0
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	return max(g.nextAt.Sub(g.q.opt.Now()), 0)
}

// book starts a send under the rate limit: the next may start one gap
// after this one does. Booked at the send itself, not when the wait
// began, so a slow claim cannot squeeze two sends closer than the gap.
func (g *gateway) book() {
	if g.cfg.RatePerMinute <= 0 {
		return
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	g.nextAt = g.q.opt.Now().Add(time.Minute / time.Duration(g.cfg.RatePerMinute))
}

// sendOne sends a claimed message and records the result. The store's
// writes use a context that outlives a stop, so a result the gateway gave
// is not lost to the shutdown that follows it.
func (g *gateway) sendOne(ctx context.Context, m store.Message) {
	q := g.q
	log := q.log.With("gateway_sid", g.cfg.SID, "message_sid", m.SID)
	sctx, cancel := context.WithTimeout(ctx, q.opt.SendTimeout)
	sent, err := g.gw.Send(sctx, sms.Outbound{SID: m.SID, From: m.From, To: m.To, Body: m.Body, StatusReport: true, Attempt: m.Attempts})
	cancel()
	wctx, wcancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer wcancel()
	defer poke(q.noteWake)
	if err == nil {
		if err := q.st.MessageSent(wctx, m.SID, max(sent.Segments, 1), parts(sent, m.To), 0, ""); err != nil {
			log.Error("recording a sent message", "err", err)
		}
		return
	}
	f := sms.AsFailure(err)
	switch {
	case f.Uncertain:
		log.Warn("the gateway may have sent the message; it is not sent again", "err", err)
		if err := q.st.MessageSent(wctx, m.SID, max(sent.Segments, 1), parts(sent, m.To), f.Code,
			"the gateway may have sent this message (it stopped answering after taking it): "+f.Err.Error()); err != nil {
			log.Error("recording an uncertain send", "err", err)
		}
	case ctx.Err() != nil && !f.Permanent:
		// Stopping: the message goes back to the queue at once, not counted.
		if err := q.st.MessageRetry(wctx, m.SID, q.opt.Now(), f.Code, "interrupted by a stop"); err != nil {
			log.Error("requeueing a message", "err", err)
		}
	case f.Permanent || m.Attempts >= q.opt.MaxAttempts:
		log.Warn("message failed", "attempts", m.Attempts, "err", err)
		if err := q.st.MessageFailed(wctx, m.SID, f.Code, f.Err.Error()); err != nil {
			log.Error("recording a failed message", "err", err)
		}
	default:
		delay := q.opt.Backoff << min(m.Attempts-1, 10)
		delay = min(delay, 10*time.Minute)
		if f.RetryAfter > delay {
			delay = f.RetryAfter
		}
		log.Info("message send failed; trying again", "attempt", m.Attempts, "in", delay, "err", err)
		if err := q.st.MessageRetry(wctx, m.SID, q.opt.Now().Add(delay), f.Code, f.Err.Error()); err != nil {
			log.Error("requeueing a message", "err", err)
		}
	}
}

func parts(s sms.Sent, to string) []store.SentPart {
	out := make([]store.SentPart, 0, len(s.Refs))
	for _, r := range s.Refs {
		out = append(out, store.SentPart{Ref: r, Recipient: to})
	}
	return out
}

// Inbound is the gateway's Sink: the message is committed before it
// returns.
func (g *gateway) Inbound(ctx context.Context, m sms.Inbound) error {
	q := g.q
	to := m.To
	if to == "" && len(g.cfg.Addresses) > 0 && g.cfg.Addresses[0] != "*" {
		to = g.cfg.Addresses[0]
	}
	received := m.Received
	if received.IsZero() {
		received = q.opt.Now()
	}
	row := store.Message{SID: sid.New("SM"), GatewaySID: g.cfg.SID, From: m.From, To: to, Body: m.Body,
		NumSegments: max(m.Segments, 1), ProviderID: m.ProviderID, Incomplete: m.Incomplete, DateCreated: received}
	if m.Incomplete {
		row.ErrorCode, row.ErrorMessage = sms.CodeMissingSegment, "parts never arrived: "+ints(m.Missing)
	}
	dup, err := q.st.ReceiveMessage(ctx, row)
	if err != nil {
		return err
	}
	if dup {
		q.log.Info("a message received before came again; dropped", "gateway_sid", g.cfg.SID, "provider_id", m.ProviderID)
		return nil
	}
	poke(q.inWake)
	return nil
}

func ints(n []int) string {
	s := ""
	for i, v := range n {
		if i > 0 {
			s += ", "
		}
		s += strconv.Itoa(v)
	}
	return s
}

// Report is the gateway's Sink for delivery reports.
func (g *gateway) Report(ctx context.Context, r sms.Report) error {
	msg, err := g.q.st.DeliveryReport(ctx, g.cfg.SID, r.Ref, r.To, r.Status, r.ErrorCode, r.Window)
	if err != nil {
		return err
	}
	if msg == "" {
		g.q.log.Info("a delivery report matches no message sent", "gateway_sid", g.cfg.SID, "ref", r.Ref, "status", r.Status)
		return nil
	}
	poke(g.q.noteWake)
	return nil
}

// Health is the gateway's Sink for health changes.
func (g *gateway) Health(h sms.Health) {
	g.mu.Lock()
	g.last = h
	g.mu.Unlock()
	if g.q.opt.Publish != nil {
		g.q.opt.Publish(g.cfg.SID, h)
	}
}

var _ sms.Sink = (*gateway)(nil)
