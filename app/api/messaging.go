package api

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/switchboard/switchboard/app/sid"
	"github.com/switchboard/switchboard/app/sms"
	"github.com/switchboard/switchboard/app/store"
)

// Messaging is the SMS side: the queue that runs the stored gateways.
type Messaging interface {
	// Apply starts, rebuilds or stops gateways to match the store.
	Apply(ctx context.Context) error
	// Health is every gateway's health by SID.
	Health() map[string]sms.Health
	// Inbound is the HTTP handler of a gateway that takes inbound messages
	// over HTTP (nil for others).
	Inbound(gatewaySID string) http.Handler
	// Owner is the gateway that sends from an address ("" for none).
	Owner(from string) string
	// Wake says messages were queued.
	Wake()
}

// gatewayPrefix is our SID prefix for SMS gateways.
const gatewayPrefix = "SG"

// Gateway is a stored SMS gateway with its live health. Settings never
// carry the kind's secret fields: secrets_set names those that are kept.
type Gateway struct {
	SID           string          `json:"sid"`
	FriendlyName  string          `json:"friendly_name"`
	Kind          string          `json:"kind"`
	Addresses     []string        `json:"addresses"`
	Settings      json.RawMessage `json:"settings"`
	SecretsSet    []string        `json:"secrets_set"`
	Enabled       bool            `json:"enabled"`
	RatePerMinute int             `json:"rate_per_minute"`
	Health        sms.Health      `json:"health"`
	Queued        int             `json:"queued"` // messages waiting to be sent
	InboundURL    string          `json:"inbound_url,omitempty"`
	DateCreated   string          `json:"date_created"`
	DateUpdated   string          `json:"date_updated"`
	URL           string          `json:"url"`
}

// GatewayKind is a kind of gateway the appliance can run.
type GatewayKind struct {
	Name    string          `json:"name"`
	Title   string          `json:"title"`
	Schema  json.RawMessage `json:"schema"`
	Secrets []string        `json:"secrets"`
	Inbound bool            `json:"inbound"` // takes inbound messages over HTTP at inbound_url
}

func (s *Server) routesMessaging(mux, open *http.ServeMux) {
	mux.HandleFunc("GET /v2/Messaging/GatewayKinds", s.listGatewayKinds)
	mux.HandleFunc("GET /v2/Messaging/Gateways", s.listGateways)
	mux.HandleFunc("POST /v2/Messaging/Gateways", s.createGateway)
	mux.HandleFunc("GET /v2/Messaging/Gateways/{Sid}", s.fetchGateway)
	mux.HandleFunc("POST /v2/Messaging/Gateways/{Sid}", s.updateGateway)
	mux.HandleFunc("DELETE /v2/Messaging/Gateways/{Sid}", s.deleteGateway)

	const base = "/2010-04-01/Accounts/{AccountSid}/"
	mux.HandleFunc("POST "+base+"Messages.json", s.accountOnly(s.createMessage))
	mux.HandleFunc("GET "+base+"Messages.json", s.accountOnly(s.listMessages))
	mux.HandleFunc("GET "+base+"Messages/{Sid}", s.accountOnly(s.fetchMessage))
	mux.HandleFunc("DELETE "+base+"Messages/{Sid}", s.accountOnly(s.deleteMessage))

	// Inbound callbacks of HTTP gateways: the gateway checks its peer's
	// signature or shared secret itself (no API credentials).
	open.HandleFunc("/sms/gateways/{GatewaySid}/", s.gatewayInbound)
}

func (s *Server) listGatewayKinds(w http.ResponseWriter, r *http.Request) {
	var out []GatewayKind
	for _, k := range sms.Kinds() {
		secrets := k.Secrets
		if secrets == nil {
			secrets = []string{}
		}
		out = append(out, GatewayKind{Name: k.Name, Title: k.Title, Schema: k.Schema, Secrets: secrets, Inbound: k.Inbound})
	}
	if out == nil {
		out = []GatewayKind{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"kinds": out})
}

func (s *Server) gatewayJSON(r *http.Request, g *store.Gateway, health map[string]sms.Health, queued map[string]int) Gateway {
	settings, set := hideSecrets(g.Kind, g.Settings)
	out := Gateway{SID: g.SID, FriendlyName: g.FriendlyName, Kind: g.Kind, Addresses: g.Addresses, Settings: settings, SecretsSet: set,
		Enabled: g.Enabled, RatePerMinute: g.RatePerMinute, Queued: queued[g.SID],
		DateCreated: g.DateCreated.UTC().Format(time.RFC3339), DateUpdated: g.DateUpdated.UTC().Format(time.RFC3339),
		URL: base(r) + "/v2/Messaging/Gateways/" + g.SID}
	if out.Addresses == nil {
		out.Addresses = []string{}
	}
	if h, ok := health[g.SID]; ok {
		out.Health = h
	} else {
		out.Health = sms.Health{State: sms.StateStopped}
	}
	if k, ok := sms.Lookup(g.Kind); ok && k.Inbound {
		out.InboundURL = s.publicBase(r) + "/sms/gateways/" + g.SID + "/"
	}
	return out
}

// publicBase is the base URL peers call: PublicURL when set.
func (s *Server) publicBase(r *http.Request) string {
	if s.PublicURL != "" {
		return s.PublicURL
	}
	return base(r)
}

// hideSecrets removes the kind's secret fields from settings and names
// those that are set. A secret may be nested ("generic.token").
func hideSecrets(kind string, settings json.RawMessage) (json.RawMessage, []string) {
	set := []string{}
	k, ok := sms.Lookup(kind)
	if !ok {
		return json.RawMessage(`{}`), set // an unknown kind's fields may all be secret
	}
	var m map[string]any
	if json.Unmarshal(settings, &m) != nil || m == nil {
		return json.RawMessage(`{}`), set
	}
	for _, name := range k.Secrets {
		parent, key := secretField(m, name)
		if parent == nil {
			continue
		}
		if v, has := parent[key]; has {
			if str, isStr := v.(string); !isStr || str != "" {
				set = append(set, name)
			}
			delete(parent, key)
		}
	}
	b, _ := json.Marshal(m)
	return b, set
}

// secretField finds the object holding a (dotted) secret field and its
// last key; nil when a parent on the path is missing.
func secretField(m map[string]any, name string) (map[string]any, string) {
	path := strings.Split(name, ".")
	for _, p := range path[:len(path)-1] {
		next, ok := m[p].(map[string]any)
		if !ok {
			return nil, ""
		}
		m = next
	}
	return m, path[len(path)-1]
}

// mergeSecrets keeps stored secrets the new settings leave out: the page
// never has them, so saving a form without retyping a PIN keeps the PIN.
// A secret given (even "") replaces the stored one.
func mergeSecrets(kind string, stored, next json.RawMessage) json.RawMessage {
	k, ok := sms.Lookup(kind)
	var old, nw map[string]any
	if !ok || json.Unmarshal(stored, &old) != nil || json.Unmarshal(next, &nw) != nil || nw == nil || old == nil {
		return next
	}
	for _, name := range k.Secrets {
		from, key := secretField(old, name)
		if from == nil {
			continue
		}
		v, had := from[key]
		if !had {
			continue
		}
		to, _ := secretField(nw, name)
		if to == nil {
			continue // its parent object is gone: so is the secret
		}
		if _, given := to[key]; !given {
			to[key] = v
		}
	}
	b, _ := json.Marshal(nw)
	return b
}

func (s *Server) messagingState(ctx context.Context) (map[string]sms.Health, map[string]int) {
	health := map[string]sms.Health{}
	if s.Messaging != nil {
		health = s.Messaging.Health()
	}
	queued, err := s.Store.QueueCounts(ctx)
	if err != nil {
		queued = map[string]int{}
	}
	return health, queued
}

func (s *Server) listGateways(w http.ResponseWriter, r *http.Request) {
	rows, err := s.Store.Gateways(r.Context())
	if err != nil {
		s.internal(w, r, err)
		return
	}
	health, queued := s.messagingState(r.Context())
	out := make([]Gateway, len(rows))
	for i := range rows {
		out[i] = s.gatewayJSON(r, &rows[i], health, queued)
	}
	// Messages of the last day no gateway could send (21606), with the
	// From numbers to add to a gateway: what a newcomer needs to fix.
	n, froms, err := s.Store.Unroutable(r.Context(), time.Now().Add(-24*time.Hour))
	if err != nil {
		s.internal(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"gateways": out, "unroutable": map[string]any{"messages": n, "from": froms}})
}

func (s *Server) fetchGateway(w http.ResponseWriter, r *http.Request) {
	g, err := s.Store.GatewayBySID(r.Context(), r.PathValue("Sid"))
	if err != nil {
		s.storeError(w, r, err)
		return
	}
	health, queued := s.messagingState(r.Context())
	writeJSON(w, http.StatusOK, s.gatewayJSON(r, g, health, queued))
}

func (s *Server) createGateway(w http.ResponseWriter, r *http.Request) {
	s.saveGateway(w, r, nil)
}

func (s *Server) updateGateway(w http.ResponseWriter, r *http.Request) {
	g, err := s.Store.GatewayBySID(r.Context(), r.PathValue("Sid"))
	if err != nil {
		s.storeError(w, r, err)
		return
	}
	s.saveGateway(w, r, g)
}

// saveGateway creates (cur nil) or updates a gateway from the form:
// FriendlyName, Kind (create only), Addresses (repeated, or one
// comma-separated value), Settings (a JSON object), Enabled, RatePerMinute.
func (s *Server) saveGateway(w http.ResponseWriter, r *http.Request, cur *store.Gateway) {
	f, e := form(w, r)
	if e != nil {
		writeError(w, e)
		return
	}
	g := store.Gateway{Enabled: true, Settings: json.RawMessage(`{}`)}
	if cur != nil {
		g = *cur
	} else {
		g.SID = sid.New(gatewayPrefix)
		kind, e := required(f, "Kind")
		if e != nil {
			writeError(w, e.with("parameter", "Kind"))
			return
		}
		if _, ok := sms.Lookup(kind); !ok {
			names := []string{}
			for _, k := range sms.Kinds() {
				names = append(names, k.Name)
			}
			writeError(w, fieldInvalid("Kind", "%q is not a gateway kind (%s)", kind, strings.Join(names, ", ")))
			return
		}
		g.Kind = kind
	}
	if _, ok := f["FriendlyName"]; ok || cur == nil {
		name := strings.TrimSpace(f.Get("FriendlyName"))
		if name == "" {
			writeError(w, fieldMissing("FriendlyName"))
			return
		}
		if utf8.RuneCountInString(name) > 64 {
			writeError(w, fieldInvalid("FriendlyName", "at most 64 characters"))
			return
		}
		g.FriendlyName = name
	}
	if vals, ok := f["Addresses"]; ok {
		addrs, e := parseAddresses(vals)
		if e != nil {
			writeError(w, e)
			return
		}
		g.Addresses = addrs
	}
	if _, ok := f["Settings"]; ok {
		raw := strings.TrimSpace(f.Get("Settings"))
		var obj map[string]any
		if err := json.Unmarshal([]byte(raw), &obj); err != nil || obj == nil {
			writeError(w, fieldInvalid("Settings", "must be a JSON object"))
			return
		}
		next := json.RawMessage(raw)
		if cur != nil {
			next = mergeSecrets(g.Kind, cur.Settings, next)
		}
		g.Settings = next
	}
	k, _ := sms.Lookup(g.Kind)
	if k.Check != nil {
		if err := k.Check(g.Settings); err != nil {
			writeError(w, fieldInvalid("Settings", "%v", err))
			return
		}
	}
	if v, ok := f["Enabled"]; ok {
		b, err := strconv.ParseBool(v[0])
		if err != nil {
			writeError(w, fieldInvalid("Enabled", "%q is not true or false", v[0]))
			return
		}
		g.Enabled = b
	}
	if v, ok := f["RatePerMinute"]; ok {
		n, err := strconv.Atoi(strings.TrimSpace(v[0]))
		if err != nil || n < 0 || n > 100000 {
			writeError(w, fieldInvalid("RatePerMinute", "%q is not a whole number from 0 (no limit) to 100000", v[0]))
			return
		}
		g.RatePerMinute = n
	}
	var out *store.Gateway
	var err error
	status := http.StatusOK
	if cur == nil {
		out, err = s.Store.CreateGateway(r.Context(), g)
		status = http.StatusCreated
	} else {
		out, err = s.Store.UpdateGateway(r.Context(), g)
	}
	if errors.Is(err, store.ErrDuplicate) {
		writeError(w, apiError(http.StatusConflict, CodeConflict, "A gateway named %q exists already", g.FriendlyName).with("parameter", "FriendlyName"))
		return
	}
	if err != nil {
		s.storeError(w, r, err)
		return
	}
	s.applyMessaging(r)
	health, queued := s.messagingState(r.Context())
	writeJSON(w, status, s.gatewayJSON(r, out, health, queued))
}

func (s *Server) applyMessaging(r *http.Request) {
	if s.Messaging == nil {
		return
	}
	if err := s.Messaging.Apply(r.Context()); err != nil {
		// The gateway's health says why; the settings are stored.
		s.Log.Warn("sms gateways applied with errors", "err", err)
	}
}

// parseAddresses reads gateway addresses: E.164 numbers, alphanumeric
// sender ids (up to 11 characters), short codes, or "*".
func parseAddresses(vals []string) ([]string, *Error) {
	var out []string
	for _, v := range vals {
		for _, a := range strings.Split(v, ",") {
			a = strings.TrimSpace(a)
			if a == "" {
				continue
			}
			if a != "*" && !validNumber.MatchString(a) {
				return nil, fieldInvalid("Addresses", "%q is not an E.164 number (+15551234567), a sender id or *", a)
			}
			if !slices.Contains(out, a) {
				out = append(out, a)
			}
		}
	}
	if out == nil {
		out = []string{}
	}
	return out, nil
}

func (s *Server) deleteGateway(w http.ResponseWriter, r *http.Request) {
	if err := s.Store.DeleteGateway(r.Context(), r.PathValue("Sid")); err != nil {
		s.storeError(w, r, err)
		return
	}
	s.applyMessaging(r)
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) gatewayInbound(w http.ResponseWriter, r *http.Request) {
	gw := r.PathValue("GatewaySid")
	var h http.Handler
	if s.Messaging != nil {
		h = s.Messaging.Inbound(gw)
	}
	if h == nil {
		writeError(w, notFound(r))
		return
	}
	http.StripPrefix("/sms/gateways/"+gw, h).ServeHTTP(w, r)
}
