package sip

import (
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"

	gosip "github.com/emiago/sipgo/sip"
)

// ErrBadDial is wrapped by every error about a DialRequest itself (no
// target, an unknown trunk or user, a malformed number or URI).
var ErrBadDial = errors.New("sip: bad dial request")

// dialTarget is a DialRequest resolved to where the INVITE goes.
type dialTarget struct {
	ruri      gosip.Uri // Request-URI
	to        gosip.Uri // To address
	fromHost  string    // host of our From URI
	transport string    // "udp", "tcp" or "tls" (a TLS trunk)
	admission Admission // what the leg is (trunk, endpoint or uri) and its name
	trunk     *Trunk    // credentials and caller-ID rules, when through a trunk
}

// resolve picks the target: a trunk by key (or name) and a number, a desk
// phone registered with us by its SIP user (its binding's Contact), or a
// sip: URI. Exactly one must be given.
func (s *Server) resolve(req DialRequest) (dialTarget, error) {
	n := 0
	for _, v := range []string{req.Trunk, req.User, req.URI} {
		if v != "" {
			n++
		}
	}
	if n != 1 {
		return dialTarget{}, fmt.Errorf("%w: give exactly one of Trunk (with Number), User or URI", ErrBadDial)
	}
	switch {
	case req.Trunk != "":
		var tr *Trunk
		for _, r := range s.trunkList() {
			if r.cfg.key() == req.Trunk || r.cfg.Name == req.Trunk {
				cfg := r.cfg
				tr = &cfg
				break
			}
		}
		if tr == nil {
			return dialTarget{}, fmt.Errorf("%w: no trunk %q", ErrBadDial, req.Trunk)
		}
		if !validUser(req.Number) {
			return dialTarget{}, fmt.Errorf("%w: number %q (digits, letters and +*-._ only)", ErrBadDial, req.Number)
		}
		addr := tr.Registrar
		if tr.Proxy != "" {
			addr = tr.Proxy
		}
		host, port, err := hostPort(addr)
		if err != nil || host == "" {
			return dialTarget{}, fmt.Errorf("%w: trunk %q has no usable address %q", ErrBadDial, tr.Name, addr)
		}
		domain := SanitizeHeaderValue(tr.Domain)
		return dialTarget{
			ruri:      gosip.Uri{Scheme: "sip", User: req.Number, Host: host, Port: port},
			to:        gosip.Uri{Scheme: "sip", User: req.Number, Host: domain},
			fromHost:  domain,
			transport: tr.Transport,
			admission: Admission{Kind: "trunk", Name: tr.Name},
			trunk:     tr,
		}, nil
	case req.User != "":
		b, ok := s.reg.get(req.User)
		if !ok {
			return dialTarget{}, fmt.Errorf("%w: user %q is not registered", ErrBadDial, req.User)
		}
		var u gosip.Uri
		if err := gosip.ParseUri(b.Contact, &u); err != nil {
			return dialTarget{}, fmt.Errorf("%w: user %q: contact %q: %w", ErrBadDial, req.User, b.Contact, err)
		}
		return dialTarget{
			ruri: u, to: gosip.Uri{Scheme: "sip", User: SanitizeToken(req.User), Host: s.host},
			fromHost: s.host, transport: uriTransport(u),
			admission: Admission{Kind: "endpoint", Name: req.User},
		}, nil
	default:
		var u gosip.Uri
		if len(req.URI) > MaxURI || gosip.ParseUri(req.URI, &u) != nil || !strings.EqualFold(u.Scheme, "sip") || u.Host == "" ||
			SanitizeHeaderValue(req.URI) != req.URI || strings.ContainsAny(req.URI, " <>\"") {
			return dialTarget{}, fmt.Errorf("%w: URI %q (want sip:user@host[:port])", ErrBadDial, req.URI)
		}
		to := gosip.Uri{Scheme: "sip", User: u.User, Host: u.Host, Port: u.Port}
		return dialTarget{ruri: u, to: to, fromHost: s.host, transport: uriTransport(u), admission: Admission{Kind: "uri", Name: u.String()}}, nil
	}
}

func uriTransport(u gosip.Uri) string {
	if u.UriParams != nil {
		if t, ok := u.UriParams.Get("transport"); ok && strings.EqualFold(t, "tcp") {
			return "tcp"
		}
	}
	return "udp"
}

func hostPort(hp string) (string, int, error) {
	host, ps, err := net.SplitHostPort(hp)
	if err != nil {
		return hp, 0, nil // no port: the transport default
	}
	p, err := strconv.Atoi(ps)
	if err != nil || p <= 0 || p > 65535 {
		return "", 0, fmt.Errorf("port %q", ps)
	}
	return host, p, nil
}

// validUser reports whether s can go as a URI user part unescaped: a
// number or a name, no more than MaxUser characters.
func validUser(s string) bool {
	return s != "" && len(s) <= MaxUser && SanitizeToken(s) == s && !strings.ContainsAny(s, "%!`'~")
}

// callerID applies a trunk's caller-ID rule to the number the caller wants
// to present. A trunk with neither Number nor CallerIDs passes it through.
// Otherwise it goes out only when it is the trunk's Number or matches
// CallerIDs (an entry ending in "*" matches by prefix; "*" alone matches
// any); else the trunk's own Number is presented, as providers refuse or
// rewrite numbers that are not theirs.
func (t *Trunk) callerID(want string) string {
	if t.Number == "" && len(t.CallerIDs) == 0 {
		return want
	}
	if want != "" && want == t.Number {
		return want
	}
	for _, p := range t.CallerIDs {
		if pre, ok := strings.CutSuffix(p, "*"); ok {
			if want != "" && strings.HasPrefix(want, pre) {
				return want
			}
		} else if want != "" && want == p {
			return want
		}
	}
	if t.Number != "" {
		return t.Number
	}
	return want
}
