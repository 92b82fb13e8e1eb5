package httpgw

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"
)

// Presets.
const (
	PresetKannel  = "kannel"
	PresetAndroid = "android"
	PresetGeneric = "generic"
)

// Settings is the "http" kind's settings object (Config.Settings).
type Settings struct {
	Preset string `json:"preset"`
	// BaseURL is the peer: Kannel's smsbox (http://host:13013), the phone's
	// local server (http://phone:8080). The generic preset uses Generic.URL.
	BaseURL  string `json:"base_url,omitempty"`
	Username string `json:"username,omitempty"`
	Password string `json:"password,omitempty"`
	// TimeoutSeconds bounds one outbound request (default 15).
	TimeoutSeconds int `json:"timeout_seconds,omitempty"`
	// ProbeIntervalSeconds is how often Run checks the peer (default 60).
	ProbeIntervalSeconds int `json:"probe_interval_seconds,omitempty"`

	// InboundUsername and InboundSecret are the HTTP Basic credentials the
	// peer presents on callbacks (and the key of Kannel's dlr-url tokens and
	// of the generic preset's signature).
	InboundUsername string `json:"inbound_username,omitempty"`
	InboundSecret   string `json:"inbound_secret,omitempty"`
	// CallbackURL is where the peer reaches this gateway's inbound handler
	// (http://appliance:8088/sms/gateways/SG…/); Kannel's dlr-url is built
	// from it. Empty: no delivery reports are asked for.
	CallbackURL string `json:"callback_url,omitempty"`

	// Kannel.
	SMSC    string `json:"smsc,omitempty"`
	DLRMask int    `json:"dlr_mask,omitempty"`

	// Android.
	SigningKey             string `json:"signing_key,omitempty"`
	SignatureMaxAgeSeconds int    `json:"signature_max_age_seconds,omitempty"`

	Generic *Generic `json:"generic,omitempty"`
}

// Generic is the generic preset's template.
type Generic struct {
	Method string `json:"method,omitempty"`
	// URL may hold placeholders ({{to}} …), query-escaped when rendered.
	URL     string            `json:"url"`
	Headers map[string]string `json:"headers,omitempty"`
	// Encoding of Body: "json" (placeholders escaped as JSON string
	// content), "form" (query-escaped) or "text" (as is).
	Encoding string `json:"encoding,omitempty"`
	Body     string `json:"body,omitempty"`
	// Token is a secret usable as {{token}} (an API key in a header).
	Token string `json:"token,omitempty"`
	// SuccessStatus lists the answers that mean accepted (default: any 2xx).
	SuccessStatus []int `json:"success_status,omitempty"`
	// IDPath is the dotted path of the peer's id in a JSON answer
	// ("data.id", "messages.0.id"); empty: our own reference is the ref.
	IDPath string `json:"id_path,omitempty"`
	// ProbeURL, when set, is fetched by Run; any HTTP answer means reachable.
	ProbeURL string `json:"probe_url,omitempty"`

	Inbound GenericInbound `json:"inbound"`
}

// GenericInbound maps the peer's callbacks onto messages and reports.
type GenericInbound struct {
	// Encoding of callbacks: "form" (query and form body) or "json".
	Encoding string `json:"encoding,omitempty"`
	From     string `json:"from,omitempty"`
	To       string `json:"to,omitempty"`
	Body     string `json:"body,omitempty"`
	ID       string `json:"id,omitempty"`
	Time     string `json:"time,omitempty"`
	// Delivery reports (callbacks on dlr).
	Ref       string            `json:"ref,omitempty"`
	Status    string            `json:"status,omitempty"`
	Detail    string            `json:"detail,omitempty"`
	StatusMap map[string]string `json:"status_map,omitempty"`
	// SignatureHeader, when set, carries HMAC-SHA256(inbound_secret, raw
	// body) instead of Basic auth; SignatureEncoding is "hex" (default) or
	// "base64"; SignaturePrefix is stripped first ("sha256=").
	SignatureHeader   string `json:"signature_header,omitempty"`
	SignatureEncoding string `json:"signature_encoding,omitempty"`
	SignaturePrefix   string `json:"signature_prefix,omitempty"`
}

// parseSettings decodes raw strictly and fills defaults.
func parseSettings(raw json.RawMessage) (Settings, error) {
	var s Settings
	if len(bytes.TrimSpace(raw)) == 0 {
		return s, errors.New("httpgw: settings are empty")
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&s); err != nil {
		return s, fmt.Errorf("httpgw: settings: %w", err)
	}
	if s.TimeoutSeconds == 0 {
		s.TimeoutSeconds = 15
	}
	if s.ProbeIntervalSeconds == 0 {
		s.ProbeIntervalSeconds = 60
	}
	if s.SignatureMaxAgeSeconds == 0 {
		s.SignatureMaxAgeSeconds = 900
	}
	if s.DLRMask == 0 {
		s.DLRMask = 1 | 2 | 8 | 16 // delivered, failed, smsc submit, smsc reject
	}
	if g := s.Generic; g != nil {
		if g.Method == "" {
			g.Method = "POST"
		}
		g.Method = strings.ToUpper(g.Method)
		if g.Encoding == "" {
			g.Encoding = "json"
		}
		if g.Inbound.Encoding == "" {
			g.Inbound.Encoding = "form"
		}
		if g.Inbound.SignatureEncoding == "" {
			g.Inbound.SignatureEncoding = "hex"
		}
	}
	return s, s.validate()
}

func (s Settings) timeout() time.Duration { return time.Duration(s.TimeoutSeconds) * time.Second }

func (s Settings) validate() error {
	var errs []error
	bad := func(format string, a ...any) { errs = append(errs, fmt.Errorf("httpgw: "+format, a...)) }
	checkURL := func(field, v string, required bool) {
		if v == "" {
			if required {
				bad("%s is required", field)
			}
			return
		}
		u, err := url.Parse(v)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			bad("%s must be an http:// or https:// URL", field)
			return
		}
		if u.User != nil {
			bad("%s must not carry credentials; use the username and password fields", field)
		}
	}
	if s.TimeoutSeconds < 1 || s.TimeoutSeconds > 300 {
		bad("timeout_seconds must be between 1 and 300")
	}
	if s.ProbeIntervalSeconds < 5 {
		bad("probe_interval_seconds must be at least 5")
	}
	checkURL("callback_url", s.CallbackURL, false)
	if strings.Contains(s.CallbackURL, "%") {
		// Kannel reads % in a dlr-url as its own escape codes.
		bad("callback_url must not contain %%")
	}
	switch s.Preset {
	case PresetKannel:
		checkURL("base_url", s.BaseURL, true)
		if s.Username == "" || s.Password == "" {
			bad("kannel needs the sendsms-user's username and password")
		}
		if s.InboundSecret == "" {
			bad("inbound_secret is required (Kannel's get-url and dlr-url callbacks are checked with it)")
		}
		if s.DLRMask < 0 || s.DLRMask > 31 {
			bad("dlr_mask must be between 1 and 31")
		}
	case PresetAndroid:
		checkURL("base_url", s.BaseURL, true)
		if s.Username == "" || s.Password == "" {
			bad("android needs the local server's username and password")
		}
		if s.InboundSecret == "" && s.SigningKey == "" {
			bad("android needs a signing_key (the app's webhook signing key) or an inbound_secret for Basic auth")
		}
	case PresetGeneric:
		g := s.Generic
		if g == nil {
			bad("generic needs its template (generic)")
			break
		}
		checkURL("generic.url", strings.NewReplacer("{{", "", "}}", "").Replace(g.URL), true)
		checkURL("generic.probe_url", g.ProbeURL, false)
		switch g.Method {
		case "GET", "POST", "PUT", "PATCH":
		default:
			bad("generic.method must be GET, POST, PUT or PATCH")
		}
		switch g.Encoding {
		case "json", "form", "text":
		default:
			bad("generic.encoding must be json, form or text")
		}
		if err := checkTemplate(g.URL); err != nil {
			bad("generic.url: %v", err)
		}
		if err := checkTemplate(g.Body); err != nil {
			bad("generic.body: %v", err)
		}
		for k, v := range g.Headers {
			if err := checkTemplate(v); err != nil {
				bad("generic.headers[%s]: %v", k, err)
			}
			if strings.ContainsAny(k+v, "\r\n") {
				bad("generic.headers[%s] must be one line", k)
			}
		}
		for _, c := range g.SuccessStatus {
			if c < 100 || c > 599 {
				bad("generic.success_status: %d is no HTTP status", c)
			}
		}
		in := g.Inbound
		switch in.Encoding {
		case "form", "json":
		default:
			bad("generic.inbound.encoding must be form or json")
		}
		switch in.SignatureEncoding {
		case "hex", "base64":
		default:
			bad("generic.inbound.signature_encoding must be hex or base64")
		}
		for k, v := range in.StatusMap {
			switch v {
			case "delivered", "undelivered", "failed", "sent":
			default:
				bad("generic.inbound.status_map[%s]: %q is not delivered, undelivered, failed or sent", k, v)
			}
		}
		if s.InboundSecret == "" {
			bad("inbound_secret is required (callbacks are checked with it)")
		}
	case "":
		bad("preset is required (kannel, android or generic)")
	default:
		bad("unknown preset %q (kannel, android or generic)", s.Preset)
	}
	return errors.Join(errs...)
}

// Check is Kind.Check: it validates settings without connecting.
func Check(raw json.RawMessage) error {
	_, err := parseSettings(raw)
	return err
}
