package httpgw

import (
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/switchboard/switchboard/app/sms"
)

// maxCallback bounds a callback's body; an SMS callback is a few hundred
// bytes, a 10 kB body fits with room.
const maxCallback = 64 << 10

// Inbound is the handler the appliance mounts under
// /sms/gateways/{GatewaySid}/ (prefix stripped): mo and dlr for kannel and
// generic, webhook for android.
func (g *Gateway) Inbound() http.Handler { return http.HandlerFunc(g.serveInbound) }

func (g *Gateway) serveInbound(w http.ResponseWriter, r *http.Request) {
	route := strings.Trim(r.URL.Path, "/")
	if !g.hasRoute(route) {
		http.NotFound(w, r)
		return
	}
	if r.ContentLength > maxCallback {
		http.Error(w, "request body too large", http.StatusRequestEntityTooLarge)
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxCallback))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			http.Error(w, "request body too large", http.StatusRequestEntityTooLarge)
			return
		}
		http.Error(w, "cannot read the request body", http.StatusBadRequest)
		return
	}
	now := g.env.Now()
	if err := g.authenticate(route, r, body, now); err != nil {
		g.log.WarnContext(r.Context(), "sms: callback refused", "route", route, "remote", r.RemoteAddr, "err", g.red.String(err.Error()))
		w.Header().Set("WWW-Authenticate", `Basic realm="switchboard sms", charset="UTF-8"`)
		http.Error(w, "unauthorized", http.StatusUnauthorized)
		return
	}
	var (
		msg    *sms.Inbound
		report *sms.Report
	)
	switch g.set.Preset {
	case PresetKannel:
		if route == "mo" {
			m, e := kannelMO(r.URL.Query(), now)
			msg, err = &m, e
		} else {
			rep, e := kannelDLR(r.URL.Query(), now)
			report, err = &rep, e
		}
	case PresetAndroid:
		var call androidCall
		call, err = parseAndroid(body, now)
		msg, report = call.msg, call.report
	default:
		in := g.set.Generic.Inbound
		var f fields
		if f, err = genericFields(in, r, body); err == nil {
			if route == "mo" {
				m, e := genericMO(in, f, now)
				msg, err = &m, e
			} else {
				rep, e := genericDLR(in, f, now)
				report, err = &rep, e
			}
		}
	}
	if err != nil {
		// Bad input from an authenticated peer: say why, keep nothing. A
		// 4xx makes the peer stop retrying a call that cannot succeed.
		g.log.WarnContext(r.Context(), "sms: callback unreadable", "route", route, "err", g.red.String(err.Error()))
		http.Error(w, g.red.String(err.Error()), http.StatusBadRequest)
		return
	}
	switch {
	case msg != nil:
		if msg.To == "" && len(g.cfg.Addresses) > 0 {
			msg.To = g.cfg.Addresses[0]
		}
		err = g.env.Sink.Inbound(r.Context(), *msg)
	case report != nil:
		err = g.env.Sink.Report(r.Context(), *report)
	}
	if err != nil {
		// Not committed: the peer must try again.
		g.log.ErrorContext(r.Context(), "sms: callback not stored", "route", route, "err", err)
		w.Header().Set("Retry-After", "10")
		http.Error(w, "not stored; try again", http.StatusServiceUnavailable)
		return
	}
	// An empty body: Kannel sends a get-url's answer back as a reply SMS
	// unless it is empty (omit-empty).
	w.WriteHeader(http.StatusOK)
}

func (g *Gateway) hasRoute(route string) bool {
	switch g.set.Preset {
	case PresetAndroid:
		return route == "webhook"
	default:
		return route == "mo" || route == "dlr"
	}
}

// authenticate checks a callback: the peer's signature where it signs,
// else HTTP Basic auth with the inbound secret (or, for a Kannel delivery
// report, the per-reference token in its dlr-url).
func (g *Gateway) authenticate(route string, r *http.Request, body []byte, now time.Time) error {
	switch g.set.Preset {
	case PresetAndroid:
		if g.set.SigningKey != "" {
			return checkAndroidSignature(g.set.SigningKey, r.Header, body, now, time.Duration(g.set.SignatureMaxAgeSeconds)*time.Second)
		}
	case PresetKannel:
		if route == "dlr" && r.Header.Get("Authorization") == "" {
			q := r.URL.Query()
			ref, tok := q.Get("ref"), q.Get("tok")
			if ref == "" || tok == "" || g.set.InboundSecret == "" {
				return errors.New("a dlr call without credentials or token")
			}
			if subtle.ConstantTimeCompare([]byte(g.dlrToken(ref)), []byte(tok)) != 1 {
				return errors.New("the dlr token does not match its reference")
			}
			return nil
		}
	case PresetGeneric:
		in := g.set.Generic.Inbound
		if in.SignatureHeader != "" {
			return checkBodySignature(g.set.InboundSecret, in, r.Header.Get(in.SignatureHeader), body)
		}
	}
	return g.checkBasic(r)
}

func (g *Gateway) checkBasic(r *http.Request) error {
	if g.set.InboundSecret == "" {
		return errors.New("no inbound secret is configured; callbacks are refused")
	}
	user, pass, ok := r.BasicAuth()
	if !ok {
		return errors.New("no Basic credentials")
	}
	// Compare digests: equal lengths, so the time says nothing of the secret's length.
	eq := func(a, b string) int {
		ha, hb := sha256.Sum256([]byte(a)), sha256.Sum256([]byte(b))
		return subtle.ConstantTimeCompare(ha[:], hb[:])
	}
	okUser := eq(user, g.set.InboundUsername)
	if g.set.InboundUsername == "" {
		okUser = 1 // any user name; the secret is what counts
	}
	if okUser&eq(pass, g.set.InboundSecret) != 1 {
		return errors.New("wrong Basic credentials")
	}
	return nil
}

// checkBodySignature checks HMAC-SHA256(secret, raw body) against the
// header's value (hex or base64, after an optional prefix).
func checkBodySignature(secret string, in GenericInbound, got string, body []byte) error {
	if secret == "" {
		return errors.New("no inbound secret is configured; callbacks are refused")
	}
	got = strings.TrimSpace(got)
	if got == "" {
		return errors.New("no signature header")
	}
	got = strings.TrimPrefix(got, in.SignaturePrefix)
	var want []byte
	var err error
	if in.SignatureEncoding == "base64" {
		want, err = base64.StdEncoding.DecodeString(got)
	} else {
		want, err = hex.DecodeString(got)
	}
	if err != nil {
		return errors.New("the signature is not " + in.SignatureEncoding)
	}
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write(body)
	if !hmac.Equal(mac.Sum(nil), want) {
		return errors.New("the signature does not match")
	}
	return nil
}
