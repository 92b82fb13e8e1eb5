package modem

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"math/rand/v2"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"go.bug.st/serial"

	"github.com/switchboard/switchboard/app/sms"
	"github.com/switchboard/switchboard/app/sms/at"
	"github.com/switchboard/switchboard/app/sms/pdu"
)

func init() {
	sms.Register(sms.Kind{
		Name:    "modem",
		Title:   "USB modem (AT commands)",
		Schema:  json.RawMessage(schema),
		Secrets: secrets,
		Check: func(raw json.RawMessage) error {
			_, err := parseSettings(raw)
			return err
		},
		New: func(cfg sms.Config, env sms.Env) (sms.Gateway, error) {
			return newGateway(cfg, env, knobs{})
		},
	})
}

// knobs are timings the tests shorten; zero values take the defaults.
type knobs struct {
	backoffMin, backoffMax time.Duration // reopen delays (1 s .. 60 s)
	sweep, health          time.Duration // default: the settings' seconds
	expire                 time.Duration // how often waiting parts are checked for their timeout (10 s)
	partTimeout            time.Duration // a long message's parts wait this long (10 min)
	cmdTimeout             time.Duration // an ordinary AT command (10 s)
	sendTimeout            time.Duration // AT+CMGS (60 s)
	settle                 time.Duration // after an abandoned command (1 s)
	initTimeout            time.Duration // the whole init sequence (60 s)
	partRetry              time.Duration // before the one retry of a later part (2 s)
}

func (k knobs) withDefaults(set Settings) knobs {
	def := func(v *time.Duration, d time.Duration) {
		if *v <= 0 {
			*v = d
		}
	}
	def(&k.backoffMin, time.Second)
	def(&k.backoffMax, time.Minute)
	def(&k.sweep, time.Duration(set.SweepSeconds)*time.Second)
	def(&k.health, time.Duration(set.HealthSeconds)*time.Second)
	def(&k.expire, 10*time.Second)
	def(&k.partTimeout, 10*time.Minute)
	def(&k.cmdTimeout, 10*time.Second)
	def(&k.sendTimeout, 60*time.Second)
	def(&k.settle, time.Second)
	def(&k.initTimeout, time.Minute)
	def(&k.partRetry, 2*time.Second)
	return k
}

// Gateway is one modem. Run owns the serial session and the receiving side;
// Send borrows the session from any goroutine.
type Gateway struct {
	cfg   sms.Config
	set   Settings
	smsc  pdu.Address
	log   *slog.Logger
	sink  sms.Sink
	now   func() time.Time
	k     knobs
	ref   atomic.Uint32 // concatenation reference of the next long message
	once  sync.Once
	runMu sync.Mutex // one Run at a time

	mu     sync.Mutex
	health sms.Health
	sess   *at.Session // the ready session; nil while connecting or down

	rx *receiver // owned by the Run goroutine
}

var _ sms.Gateway = (*Gateway)(nil)

func newGateway(cfg sms.Config, env sms.Env, k knobs) (*Gateway, error) {
	set, err := parseSettings(cfg.Settings)
	if err != nil {
		return nil, err
	}
	if env.Sink == nil {
		return nil, errors.New("modem: a Sink is required")
	}
	g := &Gateway{cfg: cfg, set: set, sink: env.Sink, now: env.Now, k: k.withDefaults(set)}
	if set.SMSC != "" {
		g.smsc, _ = pdu.ParseAddress(set.SMSC) // checked by parseSettings
	}
	g.log = env.Log
	if g.log == nil {
		g.log = slog.Default()
	}
	g.log = g.log.With("gateway_sid", cfg.SID, "device", set.Device)
	if g.now == nil {
		g.now = time.Now
	}
	g.ref.Store(rand.Uint32N(256))
	g.health = sms.Health{State: sms.StateStopped, Since: g.now()}
	g.rx = newReceiver(g.k.partTimeout)
	return g, nil
}

// Health is the modem's state now.
func (g *Gateway) Health() sms.Health {
	g.mu.Lock()
	defer g.mu.Unlock()
	return cloneHealth(g.health)
}

func cloneHealth(h sms.Health) sms.Health {
	if h.SignalDBM != nil {
		v := *h.SignalDBM
		h.SignalDBM = &v
	}
	h.Detail = maps.Clone(h.Detail)
	return h
}

func sameHealth(a, b sms.Health) bool {
	a.Since, b.Since = time.Time{}, time.Time{}
	sa, sb := a.SignalDBM, b.SignalDBM
	a.SignalDBM, b.SignalDBM = nil, nil
	if (sa == nil) != (sb == nil) || (sa != nil && *sa != *sb) {
		return false
	}
	da, db := a.Detail, b.Detail
	a.Detail, b.Detail = nil, nil
	return maps.Equal(da, db) && fmt.Sprint(a) == fmt.Sprint(b)
}

// update changes the health and tells the Sink when anything changed. Only
// the Run goroutine calls it, so the Sink sees changes in order.
func (g *Gateway) update(f func(h *sms.Health)) {
	g.mu.Lock()
	h := cloneHealth(g.health)
	f(&h)
	if sameHealth(h, g.health) {
		g.mu.Unlock()
		return
	}
	if h.State != g.health.State {
		h.Since = g.now()
	}
	g.health = h
	g.mu.Unlock()
	g.sink.Health(cloneHealth(h))
}

func (g *Gateway) setState(state string, err error) {
	g.update(func(h *sms.Health) {
		h.State = state
		if err != nil {
			h.LastError = err.Error()
		}
	})
}

// session is the ready session, nil when there is none.
func (g *Gateway) session() *at.Session {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.sess
}

// errBlocked ends Run's reconnecting: a person must act (the PIN).
var errBlocked = errors.New("modem: blocked")

// Run keeps the modem open until ctx ends, reopening the device by name
// with capped exponential back-off (with jitter, so modems on one hub do
// not retry in step) when it disappears or its init fails. A refused or
// missing PIN blocks it until ctx ends: a new Gateway with corrected
// settings takes over.
func (g *Gateway) Run(ctx context.Context) error {
	g.runMu.Lock()
	defer g.runMu.Unlock()
	delay := g.k.backoffMin
	for {
		started := g.now()
		ready, err := g.connect(ctx)
		if ctx.Err() != nil {
			g.setState(sms.StateStopped, nil)
			return nil
		}
		if errors.Is(err, errBlocked) {
			g.log.Error("modem blocked; fix the settings", "err", err)
			<-ctx.Done()
			g.setState(sms.StateStopped, nil)
			return nil
		}
		if ready && g.now().Sub(started) > g.k.backoffMax {
			delay = g.k.backoffMin // it ran a good while: start the back-off over
		}
		wait := delay/2 + rand.N(delay/2+1)
		g.log.Warn("modem down; reopening", "err", err, "in", wait)
		g.setState(sms.StateFailed, err)
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			g.setState(sms.StateStopped, nil)
			return nil
		case <-t.C:
		}
		delay = min(delay*2, g.k.backoffMax)
	}
}

// connect opens the device, brings the modem up and serves it until the
// session ends. ready tells whether it got that far.
func (g *Gateway) connect(ctx context.Context) (ready bool, err error) {
	g.setState(sms.StateConnecting, nil)
	port, err := serial.Open(g.set.Device, &serial.Mode{BaudRate: g.set.Baud})
	if err != nil {
		return false, fmt.Errorf("opening %s: %w", g.set.Device, err)
	}
	s := at.New(port, at.Options{Timeout: g.k.cmdTimeout, SendTimeout: g.k.sendTimeout, Settle: g.k.settle, Log: g.log})
	defer s.Close()
	st, err := g.bringUp(ctx, s)
	if err != nil {
		return false, err
	}
	// The session first, then the health that says "ready": a sender that
	// saw ready and found no session was told "not ready" (make test hit it).
	g.mu.Lock()
	g.sess = s
	g.mu.Unlock()
	g.update(func(h *sms.Health) { g.applyState(h, st) })
	defer func() {
		g.mu.Lock()
		g.sess = nil
		g.mu.Unlock()
	}()
	g.log.Info("modem ready", "operator", st.Operator, "registration", st.Registration.String())
	return true, g.serve(ctx, s)
}

// bringUp runs the init sequence, then storage, the extra init command and
// identity.
func (g *Gateway) bringUp(ctx context.Context, s *at.Session) (at.State, error) {
	ictx, cancel := context.WithTimeout(ctx, g.k.initTimeout)
	defer cancel()
	st, err := at.Init(ictx, s, at.InitOptions{PIN: g.set.PIN})
	switch {
	case errors.Is(err, at.ErrPUKRequired):
		err = fmt.Errorf("%w: the SIM is locked after wrong PINs and needs its PUK; unlock it in a phone, then restart the gateway: %w", errBlocked, err)
	case errors.Is(err, at.ErrPINRequired) && g.set.PIN == "":
		err = fmt.Errorf("%w: the SIM asks for a PIN; enter it in the gateway's settings: %w", errBlocked, err)
	case errors.Is(err, at.ErrPINRequired):
		err = fmt.Errorf("%w: the SIM refused the PIN; correct it in the gateway's settings (it is not tried again by itself: three wrong tries lock the SIM): %w", errBlocked, err)
	}
	if err != nil {
		if errors.Is(err, errBlocked) {
			g.update(func(h *sms.Health) { h.State, h.LastError = sms.StateBlocked, err.Error() })
		}
		return st, err
	}
	mem := `"` + g.set.Storage + `"`
	if _, err := s.Do(ictx, "AT+CPMS="+mem+","+mem+","+mem); err != nil {
		return st, fmt.Errorf("modem init: selecting storage %s: %w", g.set.Storage, err)
	}
	if g.set.Init != "" {
		if _, err := s.Do(ictx, g.set.Init); err != nil {
			return st, fmt.Errorf("modem init: the extra init command: %w", err)
		}
	}
	detail := map[string]string{}
	for _, q := range []struct{ cmd, key string }{{"AT+CGMI", "manufacturer"}, {"AT+CGMM", "model"}, {"AT+CGMR", "revision"}, {"AT+CGSN", "imei"}} {
		lines, err := s.Do(ictx, q.cmd)
		if err != nil {
			if isFatal(err) {
				return st, fmt.Errorf("modem init: %w", err)
			}
			continue
		}
		if len(lines) > 0 {
			detail[q.key] = stripPrefix(lines[0], q.cmd[2:]+":")
		}
	}
	g.update(func(h *sms.Health) { h.Detail = detail })
	return st, nil
}

// applyState copies what init or a health check learned into h.
func (g *Gateway) applyState(h *sms.Health, st at.State) {
	h.SignalDBM = nil
	if st.SignalKnown {
		v := st.SignalDBM
		h.SignalDBM = &v
	}
	h.Registration = st.Registration.String()
	h.Operator = st.Operator
	if st.Registration.Registered() {
		h.State = sms.StateReady
	} else {
		h.State = sms.StateDegraded
		h.LastError = "not registered on a mobile network (" + st.Registration.String() + ")"
	}
}

// isFatal: the session is gone (not a modem's ERROR answer).
func isFatal(err error) bool {
	var e *at.Error
	return !errors.As(err, &e)
}

func stripPrefix(line, prefix string) string {
	if len(line) >= len(prefix) && strings.EqualFold(line[:len(prefix)], prefix) {
		line = line[len(prefix):]
	}
	return strings.Trim(line, ` "`)
}
