package sip

import (
	"crypto/md5" //nolint:gosec // SIP digest (RFC 2617) is MD5
	"crypto/rand"
	"crypto/subtle"
	"encoding/hex"
	"fmt"
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
	realm  string
	now    func() time.Time
	notify func(Registration)

	umu   sync.RWMutex
	users map[string]string // user -> HA1

	mu       sync.Mutex
	nonces   map[string]time.Time
	bindings map[string]Registration // user -> binding (one per user)
}

func newRegistrar(realm string, users []User) *registrar {
	r := &registrar{realm: SanitizeDisplayName(realm), users: map[string]string{}, now: time.Now, nonces: map[string]time.Time{}, bindings: map[string]Registration{}}
	r.setUsers(users)
	return r
}

// HA1 is the SIP digest's MD5(username:realm:password), what a registrar
// may keep instead of the password.
func HA1(username, realm, password string) string {
	sum := md5.Sum([]byte(username + ":" + realm + ":" + password))
	return hex.EncodeToString(sum[:])
}

func (r *registrar) setUsers(users []User) {
	m := make(map[string]string, len(users))
	for _, u := range users {
		ha1 := strings.ToLower(u.HA1)
		if ha1 == "" {
			ha1 = HA1(u.Username, r.realm, u.Password)
		}
		m[u.Username] = ha1
	}
	r.umu.Lock()
	r.users = m
	r.umu.Unlock()
	// A user taken away loses its binding (its phone's calls are no longer
	// taken).
	var gone []Registration
	r.mu.Lock()
	for u, b := range r.bindings {
		if _, ok := m[u]; !ok {
			delete(r.bindings, u)
			gone = append(gone, Registration{User: b.User, Contact: b.Contact, Source: b.Source})
		}
	}
	r.mu.Unlock()
	for _, b := range gone {
		r.tell(b)
	}
}

func (r *registrar) tell(b Registration) {
	if r.notify != nil {
		r.notify(b)
	}
}

// SetUsers replaces who may REGISTER with us while the server runs;
// bindings of users no longer there are dropped.
func (s *Server) SetUsers(users []User) { s.reg.setUsers(users) }

// Realm is our digest realm (an HA1 must be made with it).
func (s *Server) Realm() string { return s.reg.realm }

// digestResponse is RFC 2617's response for MD5 (qop auth or none) from HA1.
func digestResponse(ha1, method string, c *digest.Credentials) string {
	h := func(s string) string { sum := md5.Sum([]byte(s)); return hex.EncodeToString(sum[:]) }
	ha2 := h(method + ":" + c.URI)
	if c.QOP == "" {
		return h(ha1 + ":" + c.Nonce + ":" + ha2)
	}
	return h(ha1 + ":" + c.Nonce + ":" + fmt.Sprintf("%08x", c.Nc) + ":" + c.Cnonce + ":" + c.QOP + ":" + ha2)
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
	r.umu.RLock()
	ha1, ok := r.users[cred.Username]
	r.umu.RUnlock()
	to := req.To()
	if !ok || to == nil || to.Address.User != cred.Username || cred.Realm != r.realm ||
		(cred.Algorithm != "" && !strings.EqualFold(cred.Algorithm, "MD5")) || (cred.QOP != "" && cred.QOP != "auth") {
		respond(tx, req, 403, "Forbidden")
		return
	}
	want := digestResponse(ha1, "REGISTER", cred)
	if subtle.ConstantTimeCompare([]byte(want), []byte(strings.ToLower(cred.Response))) != 1 {
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
		b, had := r.bindings[user]
		delete(r.bindings, user)
		r.mu.Unlock()
		respond(tx, req, 200, "OK")
		if had {
			r.tell(Registration{User: b.User, Contact: b.Contact, Source: b.Source})
		}
		return
	}
	if expires < regMinExpires {
		respond(tx, req, 423, "Interval Too Brief", gosip.NewHeader("Min-Expires", strconv.Itoa(regMinExpires)))
		return
	}
	expires = min(expires, regMaxExpires)
	b := Registration{User: user, Contact: contact.Address.String(), Source: sourceAddr(req), Expires: r.now().Add(time.Duration(expires) * time.Second)}
	r.mu.Lock()
	r.bindings[user] = b
	r.mu.Unlock()
	r.respondBindings(tx, req, user)
	r.tell(b)
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
func (s *Server) Registrations() []Registration { return s.reg.list() }
