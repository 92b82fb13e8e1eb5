package smpp

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/switchboard/switchboard/app/sms"
	"github.com/switchboard/switchboard/app/sms/pdu"
)

func init() {
	sms.Register(sms.Kind{
		Name:    "smpp",
		Title:   "SMPP 3.4 SMSC",
		Schema:  json.RawMessage(settingsSchema),
		Secrets: []string{"password"},
		Check: func(raw json.RawMessage) error {
			_, err := parseSettings(raw)
			return err
		},
		New: func(cfg sms.Config, env sms.Env) (sms.Gateway, error) { return New(cfg, env) },
	})
}

// Back-off between binds: doubling from backoffBase to backoffMax, with jitter. A bind
// refused for its credentials waits backoffMax at once: retrying sooner cannot help and
// an SMSC may lock the account.
const (
	defaultBackoffBase = time.Second
	defaultBackoffMax  = 2 * time.Minute
	// A bind that lasted this long resets the back-off.
	stableBind = 30 * time.Second
)

// Gateway is one SMPP account at one SMSC.
type Gateway struct {
	cfg  sms.Config
	set  Settings
	env  sms.Env
	log  *slog.Logger
	sink sms.Sink

	backoffBase, backoffMax time.Duration

	mu     sync.Mutex
	sess   *session
	health sms.Health
	bound  chan struct{} // closed and replaced whenever a session starts

	ref atomic.Uint32 // concatenation reference

	tmu      sync.Mutex
	nextSlot time.Time

	deliveries chan delivery
}

// New builds a gateway from its stored configuration; Run connects.
func New(cfg sms.Config, env sms.Env) (*Gateway, error) {
	set, err := parseSettings(cfg.Settings)
	if err != nil {
		return nil, err
	}
	if env.Sink == nil {
		return nil, errors.New("smpp: no sink")
	}
	log := env.Log
	if log == nil {
		log = slog.Default()
	}
	g := &Gateway{
		cfg: cfg, set: set, env: env, sink: env.Sink,
		log:         log.With("gateway_sid", cfg.SID, "kind", "smpp"),
		backoffBase: defaultBackoffBase, backoffMax: defaultBackoffMax,
		bound: make(chan struct{}),
		// A little slack, so a Sink commit does not hold up the reader (and the submit_sm_resp
		// behind a deliver_sm); a delivery left over from a dropped bind is answered on a
		// closed session, which the SMSC takes as no answer and redelivers.
		deliveries: make(chan delivery, 64),
	}
	g.ref.Store(rand.Uint32())
	g.health = sms.Health{State: sms.StateStopped, Since: g.now()}
	return g, nil
}

func (g *Gateway) now() time.Time {
	if g.env.Now != nil {
		return g.env.Now()
	}
	return time.Now()
}

// Health is the gateway's state now.
func (g *Gateway) Health() sms.Health {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.health
}

func (g *Gateway) setHealth(state, lastErr string, detail map[string]string) {
	g.mu.Lock()
	h := sms.Health{State: state, Since: g.now(), LastError: lastErr, Detail: detail}
	if g.health.State == state && g.health.LastError == lastErr {
		g.mu.Unlock()
		return
	}
	g.health = h
	g.mu.Unlock()
	g.sink.Health(h)
}

func (g *Gateway) session() *session {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.sess != nil && g.sess.closed() {
		return nil
	}
	return g.sess
}

func (g *Gateway) timeout() time.Duration {
	return time.Duration(g.set.ResponseTimeoutSeconds) * time.Second
}

// bindError is a bind_transceiver_resp with a non-zero status.
type bindError struct{ status uint32 }

func (e *bindError) Error() string { return "smpp: bind refused: " + StatusName(e.status) }

// Run keeps a bind up until ctx ends.
func (g *Gateway) Run(ctx context.Context) error {
	dctx, stop := context.WithCancel(ctx)
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { defer wg.Done(); g.deliveryLoop(dctx) }()
	defer func() {
		stop()
		wg.Wait()
		g.setHealth(sms.StateStopped, "", nil)
	}()
	attempt := 0
	for {
		g.setHealth(sms.StateConnecting, g.Health().LastError, nil)
		start := time.Now()
		s, err := g.connect(ctx)
		if err == nil {
			err = g.serve(ctx, s)
			if time.Since(start) >= stableBind {
				attempt = 0
			}
		}
		if ctx.Err() != nil {
			return nil
		}
		delay := g.backoff(attempt)
		attempt++
		var be *bindError
		if errors.As(err, &be) && bindBlocked(be.status) {
			delay = g.backoffMax
			g.setHealth(sms.StateBlocked, be.Error()+": check system_id, password and system_type", nil)
		} else {
			g.setHealth(sms.StateFailed, err.Error(), nil)
		}
		g.log.Warn("smpp: bind down", "err", err, "retry_in", delay)
		select {
		case <-time.After(delay):
		case <-ctx.Done():
			return nil
		}
	}
}

// backoff is the wait before the attempt-th retry: doubling, capped, with "equal jitter"
// (half fixed, half random) so many gateways do not retry in step.
func (g *Gateway) backoff(attempt int) time.Duration {
	d := g.backoffBase
	for i := 0; i < attempt && d < g.backoffMax; i++ {
		d *= 2
	}
	d = min(d, g.backoffMax)
	return d/2 + rand.N(d/2+1)
}

// connect dials and binds as a transceiver.
func (g *Gateway) connect(ctx context.Context) (*session, error) {
	addr := net.JoinHostPort(g.set.Host, strconv.Itoa(g.set.Port))
	d := net.Dialer{Timeout: g.timeout()}
	conn, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("smpp: connect %s: %w", addr, err)
	}
	s := newSession(conn, g.log, g.set.Window, g.timeout(), g.deliveries)
	resp, _, err := s.request(ctx, PDU{Command: BindTransceiver, Bind: &Bind{
		SystemID: g.set.SystemID, Password: g.set.Password, SystemType: g.set.SystemType, InterfaceVersion: 0x34,
	}})
	if err == nil && resp.Command == GenericNack {
		err = fmt.Errorf("smpp: bind_transceiver answered generic_nack %s", StatusName(resp.Status))
	} else if err == nil && resp.Status != StatusOK {
		err = &bindError{resp.Status}
	}
	if err != nil {
		s.close(err)
		return nil, err
	}
	go s.keepAlive(time.Duration(g.set.EnquireLinkSeconds) * time.Second)
	g.mu.Lock()
	g.sess = s
	close(g.bound)
	g.bound = make(chan struct{})
	g.mu.Unlock()
	g.log.Info("smpp: bound", "smsc", addr, "smsc_system_id", resp.SystemID)
	g.setHealth(sms.StateReady, "", map[string]string{"smsc": addr, "smsc_system_id": resp.SystemID, "system_id": g.set.SystemID})
	return s, nil
}

// serve waits until the session ends or ctx does; then it unbinds politely.
func (g *Gateway) serve(ctx context.Context, s *session) error {
	select {
	case <-s.done:
	case <-ctx.Done():
		uctx, cancel := context.WithTimeout(context.Background(), min(g.timeout(), 2*time.Second))
		_, _, _ = s.request(uctx, PDU{Command: Unbind})
		cancel()
		s.close(context.Cause(ctx))
	}
	g.mu.Lock()
	if g.sess == s {
		g.sess = nil
	}
	g.mu.Unlock()
	return s.Err()
}

// waitBound returns the current session, waiting up to d for a new bind.
func (g *Gateway) waitBound(ctx context.Context, d time.Duration) *session {
	t := time.NewTimer(d)
	defer t.Stop()
	for {
		if s := g.session(); s != nil {
			return s
		}
		g.mu.Lock()
		ch := g.bound
		g.mu.Unlock()
		select {
		case <-ch:
		case <-t.C:
			return g.session()
		case <-ctx.Done():
			return nil
		}
	}
}

// throttle waits for the next submit slot when throughput is set.
func (g *Gateway) throttle(ctx context.Context) error {
	if g.set.Throughput <= 0 {
		return nil
	}
	step := time.Duration(float64(time.Second) / g.set.Throughput)
	g.tmu.Lock()
	now := time.Now()
	at := g.nextSlot
	if at.Before(now) {
		at = now
	}
	g.nextSlot = at.Add(step)
	g.tmu.Unlock()
	if wait := time.Until(at); wait > 0 {
		t := time.NewTimer(wait)
		defer t.Stop()
		select {
		case <-t.C:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	return nil
}

// dataCoding picks the data_coding for a body by the policy.
func (g *Gateway) dataCoding(body string) byte {
	auto := pdu.SMPPChoose(body)
	switch g.set.DataCoding {
	case CodingUCS2:
		return pdu.SMPPUCS2
	case CodingLatin1:
		for _, r := range body {
			if r > 0xFF {
				return pdu.SMPPUCS2
			}
		}
		return pdu.SMPPLatin1
	}
	return auto
}

// Concurrency is how many Sends the queue may run at once: the window, so
// that submits overlap on the one bind as SMPP allows.
func (g *Gateway) Concurrency() int { return max(g.set.Window, 1) }
