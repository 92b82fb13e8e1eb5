package httpgw

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/switchboard/switchboard/app/sms"
	"github.com/switchboard/switchboard/app/sms/pdu"
)

// Gateway is one configured HTTP gateway.
type Gateway struct {
	cfg    sms.Config
	set    Settings
	env    sms.Env
	log    *slog.Logger
	client *http.Client
	red    redactor

	mu     sync.Mutex
	health sms.Health
}

var (
	_ sms.Gateway   = (*Gateway)(nil)
	_ sms.Inbounder = (*Gateway)(nil)
)

func init() {
	sms.Register(sms.Kind{
		Name:    "http",
		Title:   "HTTP gateway (Kannel, SMS Gateway for Android, generic)",
		Schema:  json.RawMessage(schemaJSON),
		Secrets: []string{"password", "inbound_secret", "signing_key", "generic.token"},
		Inbound: true,
		Check:   Check,
		New:     New,
	})
}

// New builds a gateway from cfg; it does not connect.
func New(cfg sms.Config, env sms.Env) (sms.Gateway, error) {
	set, err := parseSettings(cfg.Settings)
	if err != nil {
		return nil, err
	}
	if env.Sink == nil {
		return nil, errors.New("httpgw: New needs a Sink")
	}
	if set.CallbackURL == "" {
		set.CallbackURL = cfg.InboundURL // where the appliance serves this gateway's callbacks
	}
	return newGateway(cfg, set, env), nil
}

func newGateway(cfg sms.Config, set Settings, env sms.Env) *Gateway {
	if env.Now == nil {
		env.Now = time.Now
	}
	if env.Log == nil {
		env.Log = slog.New(slog.DiscardHandler)
	}
	secrets := []string{set.Password, set.InboundSecret, set.SigningKey}
	if set.Generic != nil {
		secrets = append(secrets, set.Generic.Token)
	}
	g := &Gateway{
		cfg:    cfg,
		set:    set,
		env:    env,
		log:    env.Log.With("gateway_sid", cfg.SID, "kind", "http", "preset", set.Preset),
		client: newClient(set.timeout()),
		red:    newRedactor(secrets...),
	}
	g.health = sms.Health{State: sms.StateStopped, Since: env.Now()}
	return g
}

// Health is the gateway's state now.
func (g *Gateway) Health() sms.Health {
	g.mu.Lock()
	defer g.mu.Unlock()
	h := g.health
	if h.Detail != nil {
		d := make(map[string]string, len(h.Detail))
		for k, v := range h.Detail {
			d[k] = v
		}
		h.Detail = d
	}
	return h
}

// setHealth records a state and tells the Sink when state or error changed.
func (g *Gateway) setHealth(state, lastErr string) {
	g.mu.Lock()
	if g.health.State == state && g.health.LastError == lastErr {
		g.mu.Unlock()
		return
	}
	g.health = sms.Health{State: state, Since: g.env.Now(), LastError: g.red.String(lastErr),
		Detail: map[string]string{"preset": g.set.Preset}}
	h := g.health
	g.mu.Unlock()
	if g.env.Sink != nil {
		g.env.Sink.Health(h)
	}
}

// Send submits m through the preset's API.
func (g *Gateway) Send(ctx context.Context, m sms.Outbound) (sms.Sent, error) {
	var (
		sent sms.Sent
		err  error
	)
	switch g.set.Preset {
	case PresetKannel:
		sent, err = g.sendKannel(ctx, m)
	case PresetAndroid:
		sent, err = g.sendAndroid(ctx, m)
	default:
		sent, err = g.sendGeneric(ctx, m)
	}
	if err != nil {
		g.log.WarnContext(ctx, "sms: send failed", "sid", m.SID, "err", g.red.String(err.Error()))
		return sms.Sent{}, err
	}
	if st := g.Health().State; st == sms.StateBlocked || st == sms.StateFailed {
		g.setHealth(sms.StateReady, "")
	}
	return sent, nil
}

// segments is how many parts the network will carry for body (the peer
// splits; this is what it will count).
func segments(body string) int {
	parts, err := pdu.Split(body, 0)
	if err != nil || len(parts) == 0 {
		return 1
	}
	return len(parts)
}

// newRef is a reference of our own for peers that return none.
func newRef() string {
	var b [12]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// Run probes the peer periodically until ctx ends. An HTTP gateway keeps no
// connection: ready means the peer answered the last probe.
func (g *Gateway) Run(ctx context.Context) error {
	g.setHealth(sms.StateConnecting, "")
	interval := time.Duration(g.set.ProbeIntervalSeconds) * time.Second
	t := time.NewTimer(0)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			g.setHealth(sms.StateStopped, "")
			return nil
		case <-t.C:
		}
		state, why := g.probe(ctx)
		if ctx.Err() != nil {
			continue
		}
		g.setHealth(state, why)
		t.Reset(interval)
	}
}

// probe asks the preset's cheapest question of the peer.
func (g *Gateway) probe(ctx context.Context) (state, why string) {
	var target string
	switch g.set.Preset {
	case PresetKannel:
		target = g.set.BaseURL + "/cgi-bin/sendsms" // no parameters: an error page, quickly
	case PresetAndroid:
		target = g.set.BaseURL + "/health"
	default:
		target = g.set.Generic.ProbeURL
		if target == "" {
			return sms.StateReady, "" // nothing to probe: sends will tell
		}
	}
	req, err := http.NewRequest(http.MethodGet, target, nil)
	if err != nil {
		return sms.StateFailed, g.red.String(err.Error())
	}
	if g.set.Preset == PresetAndroid {
		req.SetBasicAuth(g.set.Username, g.set.Password)
	}
	a, err := g.do(ctx, req)
	if err != nil {
		return sms.StateFailed, fmt.Sprintf("probe: %v", sms.AsFailure(err).Err)
	}
	if g.set.Preset != PresetAndroid {
		return sms.StateReady, "" // any answer: the peer is there
	}
	switch {
	case a.Status == http.StatusUnauthorized || a.Status == http.StatusForbidden:
		return sms.StateBlocked, fmt.Sprintf("probe: HTTP %d: the phone refused the username or password", a.Status)
	case a.Status >= 300 && a.Status != http.StatusServiceUnavailable:
		return sms.StateFailed, fmt.Sprintf("probe: HTTP %d", a.Status)
	}
	var h struct {
		Status string `json:"status"`
	}
	_ = json.Unmarshal(a.Body, &h)
	switch h.Status {
	case "pass", "":
		if a.Status == http.StatusServiceUnavailable {
			return sms.StateDegraded, "probe: the phone reports HTTP 503"
		}
		return sms.StateReady, ""
	default: // warn, fail: up, but the phone reports trouble
		return sms.StateDegraded, "probe: the phone's health is " + h.Status
	}
}
