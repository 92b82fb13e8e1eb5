package sip

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/hex"
	"net/netip"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	gosip "github.com/emiago/sipgo/sip"
	"github.com/icholy/digest"
)

// Registration is one endpoint bound by REGISTER.
type Registration struct {
	User    string
	Contact string
	Source  netip.AddrPort
	Expires time.Time
}

const (
	regDefaultExpires = 3600
	regMinExpires     = 30
	regMaxExpires     = 3600
	nonceLifetime     = 5 * time.Minute
)

// registrar is the optional REGISTER server with digest auth.
type registrar struct {
	realm string
	users map[string]string
	now   func() time.Time

	mu       sync.Mutex
	nonces   map[string]time.Time
	bindings map[string]Registration // user -> binding (one per user)
}

func newRegistrar(realm string, users []User) *registrar {
	r := &registrar{realm: SanitizeDisplayName(realm), users: map[string]string{}, now: time.Now, nonces: map[string]time.Time{}, bindings: map[string]Registration{}}
	for _, u := range users {
		r.users[u.Username] = u.Password
	}
	return r
}

func (r *registrar) newNonce() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	n := hex.EncodeToString(b[:])
	now := r.now()
	r.mu.Lock()
	for k, t := range r.nonces {
		if now.Sub(t) > nonceLifetime {
			delete(r.nonces, k)
		}
	}
	r.nonces[n] = now
	r.mu.Unlock()
	return n
}

func (r *registrar) challenge(tx gosip.ServerTransaction, req *gosip.Request, stale bool) {
	ch := digest.Challenge{Realm: r.realm, Nonce: r.newNonce(), Algorithm: "MD5", QOP: []string{"auth"}, Stale: stale}
	respond(tx, req, 401, "Unauthorized", gosip.NewHeader("WWW-Authenticate", ch.String()))
}

func (r *registrar) handle(req *gosip.Request, tx gosip.ServerTransaction) {
	h := req.GetHeader("Authorization")
	if h == nil {
		r.challenge(tx, req, false)
		return
	}
	cred, err := digest.ParseCredentials(h.Value())
	if err != nil {
		r.challenge(tx, req, false)
		return
	}
	r.mu.Lock()
	issued, known := r.nonces[cred.Nonce]
	r.mu.Unlock()
	if !known || r.now().Sub(issued) > nonceLifetime {
		r.challenge(tx, req, true)
		return
	}
	pass, ok := r.users[cred.Username]
	to := req.To()
	if !ok || to == nil || to.Address.User != cred.Username || cred.Realm != r.realm {
		respond(tx, req, 403, "Forbidden")
		return
	}
	ch := &digest.Challenge{Realm: r.realm, Nonce: cred.Nonce, Algorithm: cred.Algorithm}
	if cred.QOP != "" {
		ch.QOP = []string{cred.QOP}
	}
	want, err := digest.Digest(ch, digest.Options{Method: "REGISTER", URI: cred.URI, Username: cred.Username, Password: pass, Count: cred.Nc, Cnonce: cred.Cnonce})
	if err != nil || subtle.ConstantTimeCompare([]byte(want.Response), []byte(cred.Response)) != 1 {
		respond(tx, req, 403, "Forbidden")
		return
	}

	user := cred.Username
	contact := req.Contact()
	if contact == nil { // query
		r.respondBindings(tx, req, user)
		return
	}
	expires := regDefaultExpires
	if e := req.GetHeader("Expires"); e != nil {
		if v, err := strconv.Atoi(strings.TrimSpace(e.Value())); err == nil {
			expires = v
		}
	}
	if v, ok := contact.Params.Get("expires"); ok {
		if n, err := strconv.Atoi(v); err == nil {
			expires = n
		}
	}
	if contact.Address.Wildcard || expires == 0 {
		r.mu.Lock()
		delete(r.bindings, user)
		r.mu.Unlock()
		respond(tx, req, 200, "OK")
		return
	}
	if expires < regMinExpires {
		respond(tx, req, 423, "Interval Too Brief", gosip.NewHeader("Min-Expires", strconv.Itoa(regMinExpires)))
		return
	}
	expires = min(expires, regMaxExpires)
	r.mu.Lock()
	r.bindings[user] = Registration{User: user, Contact: contact.Address.String(), Source: sourceAddr(req), Expires: r.now().Add(time.Duration(expires) * time.Second)}
	r.mu.Unlock()
	r.respondBindings(tx, req, user)
}

func (r *registrar) respondBindings(tx gosip.ServerTransaction, req *gosip.Request, user string) {
	var hdrs []gosip.Header
	if b, ok := r.get(user); ok {
		secs := int(time.Until(b.Expires) / time.Second)
		hdrs = append(hdrs, gosip.NewHeader("Contact", "<"+b.Contact+">;expires="+strconv.Itoa(max(secs, 0))))
	}
	hdrs = append(hdrs, gosip.NewHeader("Date", time.Now().UTC().Format(time.RFC1123)))
	respond(tx, req, 200, "OK", hdrs...)
}

func (r *registrar) get(user string) (Registration, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	b, ok := r.bindings[user]
	if !ok || r.now().After(b.Expires) {
		return Registration{}, false
	}
	return b, true
}

func (r *registrar) bySource(src netip.Addr) (string, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	now := r.now()
	for u, b := range r.bindings {
		if now.Before(b.Expires) && b.Source.Addr() == src {
			return u, true
		}
	}
	return "", false
}

func (r *registrar) list() []Registration {
	r.mu.Lock()
	defer r.mu.Unlock()
	now := r.now()
	out := make([]Registration, 0, len(r.bindings))
	for _, b := range r.bindings {
		if now.Before(b.Expires) {
			out = append(out, b)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].User < out[j].User })
	return out
}

// Registrations lists the endpoints currently registered with us.
func (s *Server) Registrations() []Registration {
	if s.reg == nil {
		return nil
	}
	return s.reg.list()
}
