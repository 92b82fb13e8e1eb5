package queue

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"reflect"
	"sort"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/switchboard/switchboard/app/sms"
	"github.com/switchboard/switchboard/app/store"
)

// MaxBody is the longest body sent, in characters (Twilio's limit).
const MaxBody = 1600

// Flows is what the queue needs from the runner.
type Flows interface {
	// Inbound hands a received message to the flow of the number it was
	// sent to; key makes it happen once (see runner.WithReceipt).
	Inbound(ctx context.Context, m store.Message, key string) (flowSID, executionSID string, err error)
	// Result tells an execution what became of a message it sent.
	Result(ctx context.Context, executionSID string, m store.Message) error
}

// Options configure a Queue. Zero values take the defaults.
type Options struct {
	Log   *slog.Logger
	Flows Flows
	// Publish receives a gateway's health whenever it changes (SSE).
	Publish func(gatewaySID string, h sms.Health)
	// Callbacks posts status callbacks (default: a client with a 10 s
	// timeout). Sign, when set, returns the X-Twilio-Signature of a
	// callback.
	Callbacks *http.Client
	Sign      func(rawURL string, form map[string][]string) string
	// AccountSID fills the callbacks' AccountSid.
	AccountSID string
	// InboundBase is the appliance's base URL as peers reach it; gateways
	// that take callbacks are served under InboundBase/sms/gateways/{Sid}/.
	InboundBase func() string

	MaxAttempts int           // sends of one message before it fails (default 6)
	Backoff     time.Duration // first retry delay, doubled each time (default 5 s, at most 10 min)
	SendTimeout time.Duration // one Send (default 3 min: a modem sends several parts)
	Tick        time.Duration // how often the loops look at the store without a wake-up (default 1 s)
	Now         func() time.Time
}

// Queue runs the gateways and the loops between them and the store.
type Queue struct {
	st  *store.Store
	opt Options
	log *slog.Logger

	mu       sync.Mutex
	running  map[string]*gateway
	ctx      context.Context // the Run context; nil before Run
	inWake   chan struct{}
	noteWake chan struct{}
	routeNow chan struct{}
	wg       sync.WaitGroup
}

// New makes a queue; Run starts it.
func New(st *store.Store, opt Options) *Queue {
	if opt.Log == nil {
		opt.Log = slog.Default()
	}
	if opt.Callbacks == nil {
		opt.Callbacks = &http.Client{Timeout: 10 * time.Second}
	}
	if opt.MaxAttempts <= 0 {
		opt.MaxAttempts = 6
	}
	if opt.Backoff <= 0 {
		opt.Backoff = 5 * time.Second
	}
	if opt.SendTimeout <= 0 {
		opt.SendTimeout = 3 * time.Minute
	}
	if opt.Tick <= 0 {
		opt.Tick = time.Second
	}
	if opt.Now == nil {
		opt.Now = func() time.Time { return time.Now().UTC() }
	}
	return &Queue{st: st, opt: opt, log: opt.Log.With("component", "sms"), running: map[string]*gateway{},
		inWake: make(chan struct{}, 1), noteWake: make(chan struct{}, 1), routeNow: make(chan struct{}, 1)}
}

func poke(ch chan struct{}) {
	select {
	case ch <- struct{}{}:
	default:
	}
}

// Wake tells the queue that messages were queued (by a sprint or the API).
func (q *Queue) Wake() { poke(q.routeNow) }

// Run applies the stored gateways and runs the loops until ctx ends; it
// stops every gateway before it returns.
func (q *Queue) Run(ctx context.Context) error {
	q.mu.Lock()
	q.ctx = ctx
	q.mu.Unlock()
	if n, err := q.st.RequeueExpired(ctx, q.opt.Now()); err != nil {
		q.log.Error("requeueing messages whose send was cut short", "err", err)
	} else if n > 0 {
		q.log.Warn("messages whose send was cut short by a stop are queued again (they may go out twice)", "messages", n)
	}
	if err := q.Apply(ctx); err != nil {
		q.log.Error("starting the SMS gateways", "err", err)
	}
	loops := []func(context.Context){q.routeLoop, q.inboundLoop, q.notifyLoop}
	for _, l := range loops {
		q.wg.Add(1)
		go func() { defer q.wg.Done(); l(ctx) }()
	}
	<-ctx.Done()
	q.mu.Lock()
	for sid, g := range q.running {
		g.stop()
		delete(q.running, sid)
	}
	q.mu.Unlock()
	q.wg.Wait()
	return nil
}

// Apply reads the gateways from the store and starts, restarts (changed
// settings) or stops them to match.
func (q *Queue) Apply(ctx context.Context) error {
	rows, err := q.st.Gateways(ctx)
	if err != nil {
		return fmt.Errorf("sms: %w", err)
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.ctx == nil {
		return nil // not running yet: Run applies
	}
	want := map[string]store.Gateway{}
	for _, g := range rows {
		want[g.SID] = g
	}
	for sid, g := range q.running {
		w, ok := want[sid]
		if !ok || !sameConfig(g.cfg, w) {
			g.stop()
			delete(q.running, sid)
		}
	}
	var errs []error
	for _, w := range rows {
		if _, ok := q.running[w.SID]; ok {
			continue
		}
		g, err := q.start(w)
		if err != nil {
			errs = append(errs, err)
		}
		q.running[w.SID] = g
	}
	poke(q.routeNow)
	return errors.Join(errs...)
}

func sameConfig(a, b store.Gateway) bool {
	return a.FriendlyName == b.FriendlyName && a.Kind == b.Kind && a.Enabled == b.Enabled && a.RatePerMinute == b.RatePerMinute &&
		reflect.DeepEqual(a.Addresses, b.Addresses) && jsonEqual(a.Settings, b.Settings)
}

func jsonEqual(a, b json.RawMessage) bool {
	var x, y any
	if json.Unmarshal(a, &x) != nil || json.Unmarshal(b, &y) != nil {
		return string(a) == string(b)
	}
	return reflect.DeepEqual(x, y)
}

// Health returns every running gateway's health, by SID.
func (q *Queue) Health() map[string]sms.Health {
	q.mu.Lock()
	defer q.mu.Unlock()
	out := make(map[string]sms.Health, len(q.running))
	for sid, g := range q.running {
		out[sid] = g.health()
	}
	return out
}

// Inbound returns the HTTP handler of a gateway that takes inbound
// messages over HTTP, or nil.
func (q *Queue) Inbound(gatewaySID string) http.Handler {
	q.mu.Lock()
	g := q.running[gatewaySID]
	q.mu.Unlock()
	if g == nil || g.gw == nil {
		return nil
	}
	if in, ok := g.gw.(sms.Inbounder); ok {
		return in.Inbound()
	}
	return nil
}

// owner is the gateway that sends from an address: the one that lists it,
// else the one that lists "*".
func (q *Queue) owner(from string) *gateway {
	q.mu.Lock()
	defer q.mu.Unlock()
	var fallback *gateway
	sids := make([]string, 0, len(q.running))
	for sid := range q.running {
		sids = append(sids, sid)
	}
	sort.Strings(sids) // the same choice every time
	for _, sid := range sids {
		g := q.running[sid]
		for _, a := range g.cfg.Addresses {
			if a == from && from != "" {
				return g
			}
			if a == "*" && fallback == nil {
				fallback = g
			}
		}
	}
	return fallback
}

// Owner returns the SID of the gateway that sends from an address ("" for
// none).
func (q *Queue) Owner(from string) string {
	if g := q.owner(from); g != nil {
		return g.cfg.SID
	}
	return ""
}

// routeLoop gives queued messages to the gateways that own their From.
func (q *Queue) routeLoop(ctx context.Context) {
	t := time.NewTicker(q.opt.Tick)
	defer t.Stop()
	for {
		if err := q.route(ctx); err != nil && ctx.Err() == nil {
			q.log.Error("routing messages", "err", err)
		}
		if n, err := q.st.RequeueExpired(ctx, q.opt.Now()); err == nil && n > 0 {
			q.log.Warn("messages whose send lease ran out are queued again", "messages", n)
			q.wakeAll()
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		case <-q.routeNow:
		}
	}
}

func (q *Queue) wakeAll() {
	q.mu.Lock()
	defer q.mu.Unlock()
	for _, g := range q.running {
		poke(g.wake)
	}
}

func (q *Queue) route(ctx context.Context) error {
	for {
		ms, err := q.st.Unrouted(ctx, 200)
		if err != nil {
			return err
		}
		for _, m := range ms {
			if n := utf8.RuneCountInString(m.Body); n > MaxBody {
				// Twilio refuses such a message (21617); so do we, for every
				// gateway alike, rather than send dozens of parts.
				msg := fmt.Sprintf("the body has %d characters; a message may have at most %d", n, MaxBody)
				if err := q.st.MessageFailed(ctx, m.SID, sms.CodeBodyTooLong, msg); err != nil {
					return err
				}
				poke(q.noteWake)
				continue
			}
			g := q.owner(m.From)
			if g == nil {
				msg := fmt.Sprintf("no SMS gateway sends from %q: add the number to a gateway's addresses in Settings → Messaging", m.From)
				if err := q.st.MessageFailed(ctx, m.SID, 21606, msg); err != nil {
					return err
				}
				q.log.Warn("message failed: no gateway owns its From address", "message_sid", m.SID, "from", m.From)
				poke(q.noteWake)
				continue
			}
			if err := q.st.RouteMessage(ctx, m.SID, g.cfg.SID); err != nil {
				return err
			}
			poke(g.wake)
		}
		if len(ms) < 200 {
			return nil
		}
	}
}
