package sip

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/emiago/sipgo"
	gosip "github.com/emiago/sipgo/sip"
)

// Trunk is a SIP provider or PBX we register with and take calls from.
type Trunk struct {
	// Key identifies the trunk across SetTrunks calls (the store's SID);
	// default Name.
	Key       string
	Name      string
	Registrar string // host:port; REGISTER goes here and INVITEs from its host are admitted
	Username  string // empty: an IP trunk, no registration
	Password  string
	Domain    string        // AOR domain; default the Registrar host
	Expires   time.Duration // requested binding; default 1 h
	Hosts     []string      // more hosts whose INVITEs count as this trunk's
	Transport string        // "udp" (default), "tcp" or "tls" (trunktls.go)
	// TLS (Transport "tls"): TLSCAFile is a PEM file of the CAs that sign
	// the trunk's certificate (empty: the system roots);
	// TLSInsecureSkipVerify accepts any certificate (logged loudly).
	TLSCAFile             string
	TLSInsecureSkipVerify bool
	// KeepAlive (TLS and TCP trunks) is how often a CRLF keep-alive goes
	// out on the registration's connection: 0 is DefaultKeepAlive (30 s),
	// negative turns them off. A closed connection is noticed either way
	// and the trunk registers again at once (trunkkeepalive.go).
	KeepAlive time.Duration
	// Proxy is host:port where outbound INVITEs go when it is not the
	// Registrar (providers with separate registrar and proxy hosts); its
	// host counts as the trunk's like Hosts.
	Proxy string
	// Number is the trunk's own number: the caller ID of outbound calls
	// whose caller's number the trunk does not allow (Trunk.callerID).
	Number string
	// CallerIDs are the numbers the trunk lets us present as caller ID;
	// an entry ending in "*" matches by prefix, "*" matches any.
	CallerIDs []string

	// SRTP is the trunk's SRTP policy: SRTPOff (""), SRTPOptional or
	// SRTPRequired (srtppolicy.go). SDES keys ride in the SDP: private
	// only when the trunk's signalling is TLS.
	SRTP string
}

func (t Trunk) key() string {
	if t.Key != "" {
		return t.Key
	}
	return t.Name
}

// same reports whether two configurations register identically.
func (t Trunk) same(o Trunk) bool {
	return t.Name == o.Name && t.Registrar == o.Registrar && t.Username == o.Username && t.Password == o.Password &&
		t.Domain == o.Domain && t.Expires == o.Expires && t.Transport == o.Transport && slices.Equal(t.Hosts, o.Hosts) &&
		t.TLSCAFile == o.TLSCAFile && t.TLSInsecureSkipVerify == o.TLSInsecureSkipVerify && t.KeepAlive == o.KeepAlive &&
		t.Number == o.Number && t.Proxy == o.Proxy && slices.Equal(t.CallerIDs, o.CallerIDs) && t.SRTP == o.SRTP // outbound rules: a changed trunk is replaced whole
}

// Trunk registration states.
const (
	TrunkRegistering  = "registering"
	TrunkRegistered   = "registered"
	TrunkFailed       = "failed"
	TrunkUnregistered = "unregistered"
)

// TrunkStatus is a trunk's registration state. It never carries the password.
type TrunkStatus struct {
	Key        string
	Name       string
	State      string
	Expires    time.Duration // granted by the registrar
	LastError  string
	LastChange time.Time
	// NextAttempt is when the next REGISTER goes out: the refresh when
	// registered, the retry when failed; zero while one is under way or
	// when the trunk is stopped.
	NextAttempt time.Time
}

// Registration back-off bounds (variables so tests can shorten them).
var (
	trunkBackoffMin = time.Second
	trunkBackoffMax = 5 * time.Minute
)

type trunkRunner struct {
	srv *Server
	cfg Trunk
	tls trunkTLS // Transport "tls": the certificate check (trunktls.go)

	stop context.CancelFunc // ends run (which unregisters)
	done chan struct{}      // closed when run has returned

	mu     sync.Mutex
	status TrunkStatus
	callID string
	tag    string
	cseq   uint32
	// remote is the address the last successful REGISTER's answer came
	// from: over TLS and TCP, the pool's key of the trunk's connection.
	remote string

	addrMu   sync.Mutex
	addrs    []netip.Addr
	resolved time.Time
}

func newTrunkRunner(s *Server, t Trunk) *trunkRunner {
	t = normalTrunk(t)
	if t.Transport == "tls" && t.TLSInsecureSkipVerify {
		s.log.Warn("sip trunk: TLS certificate checking is OFF (tls_insecure_skip_verify): calls on this trunk can be read and changed by anyone on the path",
			"trunk", t.Name, "registrar", t.Registrar)
	}
	return &trunkRunner{
		srv: s, cfg: t, tls: loadTrunkTLS(t), done: make(chan struct{}),
		status: TrunkStatus{Key: t.key(), Name: t.Name, State: TrunkUnregistered, LastChange: time.Now()},
		callID: gosip.GenerateTagN(24), tag: gosip.GenerateTagN(12),
	}
}

// Trunks returns the registration state of every configured trunk.
func (s *Server) Trunks() []TrunkStatus {
	out := make([]TrunkStatus, 0, len(s.trunks))
	for _, t := range s.trunkList() {
		t.mu.Lock()
		out = append(out, t.status)
		t.mu.Unlock()
	}
	return out
}

func (s *Server) trunkList() []*trunkRunner {
	s.trunkMu.Lock()
	defer s.trunkMu.Unlock()
	return slices.Clone(s.trunks)
}

// SetTrunks replaces the trunks while the server runs: a new trunk starts
// registering at once, a removed one unregisters (REGISTER with Expires: 0)
// and stops, a changed one unregisters and registers anew. Trunks are
// matched by Key (else Name). It never waits for the network.
func (s *Server) SetTrunks(trunks []Trunk) {
	s.trunkMu.Lock()
	defer s.trunkMu.Unlock()
	old := map[string]*trunkRunner{}
	for _, r := range s.trunks {
		old[r.cfg.key()] = r
	}
	next := make([]*trunkRunner, 0, len(trunks))
	for _, t := range trunks {
		prev := old[t.key()]
		delete(old, t.key())
		if prev != nil && prev.cfg.same(normalTrunk(t)) {
			next = append(next, prev)
			continue
		}
		r := newTrunkRunner(s, t)
		var after <-chan struct{}
		if prev != nil {
			// The same AOR and Contact: the old binding's removal must
			// reach the registrar before the new REGISTER.
			prev.halt()
			after = prev.done
		}
		next = append(next, r)
		s.launchLocked(r, after)
	}
	for _, r := range old {
		r.halt()
		s.notifyTrunk(TrunkStatus{Key: r.cfg.key(), Name: r.cfg.Name, State: "removed", LastChange: time.Now()})
	}
	s.trunks = next
}

// launchLocked starts r's loop once the server runs (Start launches the
// rest); after, when set, is waited for first.
func (s *Server) launchLocked(r *trunkRunner, after <-chan struct{}) {
	if !s.trunksLive || s.closed.Load() {
		return
	}
	ctx, cancel := context.WithCancel(s.ctx)
	r.stop = cancel
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		defer close(r.done)
		if after != nil {
			select {
			case <-after:
			case <-ctx.Done():
				return
			}
		}
		r.run(ctx)
	}()
}

func (t *trunkRunner) halt() {
	if t.stop != nil {
		t.stop()
	} else {
		close(t.done) // never launched
	}
}

func (s *Server) notifyTrunk(st TrunkStatus) {
	if s.cfg.OnTrunk != nil {
		s.cfg.OnTrunk(st)
	}
}

// normalTrunk applies newTrunkRunner's defaults (for comparisons).
func normalTrunk(t Trunk) Trunk {
	if t.Expires <= 0 {
		t.Expires = time.Hour
	}
	if t.Domain == "" {
		host, _, err := net.SplitHostPort(t.Registrar)
		if err != nil {
			host = t.Registrar
		}
		t.Domain = host
	}
	if t.Transport == "" {
		t.Transport = "udp"
	}
	return t
}

func (t *trunkRunner) set(state string, expires time.Duration, err error, next time.Time) {
	t.mu.Lock()
	if t.status.State != state {
		t.status.LastChange = time.Now()
	}
	t.status.State = state
	t.status.Expires = expires
	t.status.NextAttempt = next
	if err != nil {
		t.status.LastError = trunkProblem(err, t.cfg)
	} else if state == TrunkRegistered {
		t.status.LastError = ""
	}
	st := t.status
	t.mu.Unlock()
	t.srv.notifyTrunk(st)
}

// matches reports whether src is one of the trunk's hosts (resolved, cached
// for a minute).
func (t *trunkRunner) matches(ctx context.Context, src netip.Addr) bool {
	t.addrMu.Lock()
	defer t.addrMu.Unlock()
	if time.Since(t.resolved) > time.Minute {
		t.addrs = t.addrs[:0]
		hosts := append([]string{t.cfg.Registrar, t.cfg.Proxy}, t.cfg.Hosts...)
		for _, h := range hosts {
			if host, _, err := net.SplitHostPort(h); err == nil {
				h = host
			}
			if h == "" {
				continue
			}
			if ip, err := netip.ParseAddr(h); err == nil {
				t.addrs = append(t.addrs, ip.Unmap())
				continue
			}
			rctx, cancel := context.WithTimeout(ctx, 2*time.Second)
			ips, err := net.DefaultResolver.LookupNetIP(rctx, "ip", h)
			cancel()
			if err == nil {
				for _, ip := range ips {
					t.addrs = append(t.addrs, ip.Unmap())
				}
			}
		}
		t.resolved = time.Now()
	}
	for _, a := range t.addrs {
		if a == src {
			return true
		}
	}
	return false
}

// knownSource reports, without resolving anything, whether src is one of
// the trunk's addresses as last resolved; fresh is false when that list is
// older than matches keeps it (matches resolves it again).
func (t *trunkRunner) knownSource(src netip.Addr) (match, fresh bool) {
	t.addrMu.Lock()
	defer t.addrMu.Unlock()
	if t.resolved.IsZero() || time.Since(t.resolved) > time.Minute {
		return false, false
	}
	for _, a := range t.addrs {
		if a == src {
			return true, true
		}
	}
	return false, true
}

type errMinExpires struct{ min time.Duration }

func (e *errMinExpires) Error() string {
	return fmt.Sprintf("423 Interval Too Brief (Min-Expires %s)", e.min)
}

func (t *trunkRunner) run(ctx context.Context) {
	if t.cfg.Username == "" || t.cfg.Registrar == "" {
		return // IP trunk: nothing to register
	}
	log := t.srv.log.With("trunk", t.cfg.Name, "registrar", t.cfg.Registrar)
	backoff := trunkBackoffMin
	var lostWait time.Duration // before registering again after a lost connection (trunkkeepalive.go)
	expires := t.cfg.Expires
	for ctx.Err() == nil {
		t.set(TrunkRegistering, 0, nil, time.Time{})
		granted, err := t.register(ctx, expires)
		if ctx.Err() != nil {
			break
		}
		var me *errMinExpires
		if errors.As(err, &me) && me.min > expires {
			log.Info("sip trunk: registrar wants a longer expiry", "min_expires", me.min)
			expires = me.min
			continue
		}
		if err != nil {
			t.set(TrunkFailed, 0, err, time.Now().Add(backoff))
			log.Warn("sip trunk registration failed", "error", err, "retry_in", backoff)
			if !sleepCtx(ctx, backoff) {
				break
			}
			backoff = min(2*backoff, trunkBackoffMax)
			continue
		}
		backoff = trunkBackoffMin
		t.set(TrunkRegistered, granted, nil, time.Now().Add(granted*3/4))
		t.mu.Lock()
		remote := t.remote
		t.mu.Unlock()
		log.Info("sip trunk registered", "expires", granted, "remote", remote)
		registeredAt := time.Now()
		again, lost := t.holdRegistration(ctx, log, granted*3/4, remote)
		if !again {
			break
		}
		if lost {
			var wait time.Duration
			wait, lostWait = nextLostWait(lostWait, time.Since(registeredAt))
			if wait > 0 {
				log.Warn("sip trunk: the registrar keeps closing the connection; waiting before registering again", "wait", wait)
				if !sleepCtx(ctx, wait) {
					break
				}
			}
		}
	}
	t.mu.Lock()
	wasRegistered := t.status.State == TrunkRegistered
	t.mu.Unlock()
	if wasRegistered {
		uctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		if _, err := t.register(uctx, 0); err != nil {
			log.Warn("sip trunk unregister failed", "error", err)
		}
		cancel()
	}
	t.set(TrunkUnregistered, 0, nil, time.Time{})
}

func sleepCtx(ctx context.Context, d time.Duration) bool {
	tm := time.NewTimer(d)
	defer tm.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-tm.C:
		return true
	}
}

func (t *trunkRunner) request(expires time.Duration) (*gosip.Request, error) {
	host, portStr, err := net.SplitHostPort(t.cfg.Registrar)
	if err != nil {
		host, portStr = t.cfg.Registrar, strconv.Itoa(defaultPort(t.cfg.Transport))
	}
	port, err := strconv.Atoi(portStr)
	if err != nil {
		return nil, fmt.Errorf("registrar port %q", portStr)
	}
	user := SanitizeToken(t.cfg.Username)
	domain := SanitizeHeaderValue(t.cfg.Domain)
	req := gosip.NewRequest(gosip.REGISTER, gosip.Uri{Scheme: "sip", Host: host, Port: port})
	aor := gosip.Uri{Scheme: "sip", User: user, Host: domain}
	from := &gosip.FromHeader{Address: aor, Params: gosip.NewParams()}
	from.Params.Add("tag", t.tag)
	req.AppendHeader(from)
	req.AppendHeader(&gosip.ToHeader{Address: aor, Params: gosip.NewParams()})
	cid := gosip.CallIDHeader(t.callID)
	req.AppendHeader(&cid)
	t.mu.Lock()
	t.cseq++
	seq := t.cseq
	t.mu.Unlock()
	req.AppendHeader(&gosip.CSeqHeader{SeqNo: seq, MethodName: gosip.REGISTER})
	mf := gosip.MaxForwardsHeader(70)
	req.AppendHeader(&mf)
	ct := t.srv.contactFor(user, t.cfg.Transport)
	req.AppendHeader(&ct)
	exp := gosip.ExpiresHeader(uint32(expires / time.Second))
	req.AppendHeader(&exp)
	req.AppendHeader(gosip.NewHeader("User-Agent", t.srv.cfg.UserAgent))
	req.SetTransport(strings.ToUpper(t.cfg.Transport))
	return req, nil
}

// register sends one REGISTER (with digest auth when challenged) and returns
// the granted expiry.
func (t *trunkRunner) register(ctx context.Context, expires time.Duration) (time.Duration, error) {
	req, err := t.request(expires)
	if err != nil {
		return 0, err
	}
	rctx, cancel := context.WithTimeout(ctx, 64*gosip.T1+time.Second)
	defer cancel()
	if t.cfg.Transport == "tls" {
		if err := t.tlsReady(); err != nil {
			return 0, err
		}
	}
	cli := t.srv.cli
	if t.cfg.Transport == "tls" {
		cli = t.srv.cliTLS // any local port; the connection stays for calls (trunktls.go)
	}
	var opts []sipgo.ClientRequestOption
	if t.cfg.Transport == "tcp" {
		// Over TCP the connection gets an ephemeral local port: binding our
		// listening port (as UDP requests do) fails with "address in use".
		// Contact still names the listener, where INVITEs arrive.
		opts = []sipgo.ClientRequestOption{sipgo.ClientRequestBuild, func(_ *sipgo.Client, r *gosip.Request) error {
			r.Laddr = gosip.Addr{}
			return nil
		}}
	}
	res, err := cli.Do(rctx, req, opts...)
	if err != nil {
		return 0, fmt.Errorf("REGISTER: %w", err)
	}
	for attempt := 0; attempt < 2 && (res.StatusCode == 401 || res.StatusCode == 407); attempt++ {
		if attempt == 1 && !staleChallenge(res) {
			break // wrong credentials; a stale nonce gets one more try
		}
		res, err = cli.DoDigestAuth(rctx, req, res, sipgo.DigestAuth{Username: t.cfg.Username, Password: t.cfg.Password})
		t.mu.Lock()
		if cs := req.CSeq(); cs != nil && cs.SeqNo > t.cseq {
			t.cseq = cs.SeqNo
		}
		t.mu.Unlock()
		if err != nil {
			return 0, fmt.Errorf("REGISTER auth: %w", err)
		}
	}
	switch {
	case res.IsSuccess():
		t.mu.Lock()
		t.remote = res.Source()
		t.mu.Unlock()
		return grantedExpiry(res, t.srv.contactFor(SanitizeToken(t.cfg.Username), t.cfg.Transport).Address, expires), nil
	case res.StatusCode == 423:
		if h := res.GetHeader("Min-Expires"); h != nil {
			if n, err := strconv.Atoi(strings.TrimSpace(h.Value())); err == nil && n > 0 {
				return 0, &errMinExpires{min: time.Duration(n) * time.Second}
			}
		}
		return 0, fmt.Errorf("REGISTER: 423 without Min-Expires")
	default:
		return 0, &registerRefused{code: res.StatusCode, reason: SanitizeHeaderValue(res.Reason)}
	}
}

// registerRefused is a final non-2xx answer to REGISTER.
type registerRefused struct {
	code   int
	reason string
}

func (e *registerRefused) Error() string { return fmt.Sprintf("REGISTER: %d %s", e.code, e.reason) }

func staleChallenge(res *gosip.Response) bool {
	for _, name := range []string{"WWW-Authenticate", "Proxy-Authenticate"} {
		if h := res.GetHeader(name); h != nil && strings.Contains(strings.ToLower(strings.ReplaceAll(h.Value(), " ", "")), "stale=true") {
			return true
		}
	}
	return false
}

// grantedExpiry reads the expiry the registrar granted: our Contact's
// ;expires= first, then the Expires header, else what we asked for.
func grantedExpiry(res *gosip.Response, ours gosip.Uri, asked time.Duration) time.Duration {
	for _, h := range res.GetHeaders("Contact") {
		for _, v := range splitContacts(h.Value()) {
			var u gosip.Uri
			params := gosip.NewParams()
			if _, err := gosip.ParseAddressValue(v, &u, &params); err != nil {
				continue
			}
			if u.User == ours.User && u.Host == ours.Host && (u.Port == ours.Port || (u.Port == 0 && ours.Port == 5060)) {
				if e, ok := params.Get("expires"); ok {
					if n, err := strconv.Atoi(e); err == nil && n > 0 {
						return time.Duration(n) * time.Second
					}
				}
			}
		}
	}
	if h := res.GetHeader("Expires"); h != nil {
		if n, err := strconv.Atoi(strings.TrimSpace(h.Value())); err == nil && n > 0 {
			return time.Duration(n) * time.Second
		}
	}
	return asked
}

// splitContacts splits a Contact value on commas outside <> and quotes.
func splitContacts(v string) []string {
	var out []string
	depth, quoted, start := 0, false, 0
	for i := 0; i < len(v); i++ {
		switch v[i] {
		case '"':
			quoted = !quoted
		case '<':
			if !quoted {
				depth++
			}
		case '>':
			if !quoted && depth > 0 {
				depth--
			}
		case ',':
			if !quoted && depth == 0 {
				out = append(out, strings.TrimSpace(v[start:i]))
				start = i + 1
			}
		}
	}
	return append(out, strings.TrimSpace(v[start:]))
}
