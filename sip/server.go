package sip

import (
	"cmp"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/emiago/sipgo"
	gosip "github.com/emiago/sipgo/sip"
)

// The log rate of dropped messages (dropLog).
const (
	dropLogBurst    = 5
	dropLogInterval = 10 * time.Second
)

// Errors returned by the server and by calls.
var (
	// ErrNoRoute is what a Router answers when it has nothing for the call (404).
	ErrNoRoute = errors.New("sip: no route")
	// ErrAnswerFailed wraps why Answer failed (no ACK, cancelled, transaction gone).
	ErrAnswerFailed = errors.New("sip: answer failed")
	// ErrCallEnded is returned by Answer when the call ended before it.
	ErrCallEnded = errors.New("sip: call ended")
	// ErrHangup is the context cause after Hangup.
	ErrHangup = errors.New("sip: hung up by us")
	// ErrShutdown is the context cause when the server closes.
	ErrShutdown = errors.New("sip: server shut down")
)

// Reject is an error a Router may return to choose the final response
// (e.g. 486 Busy Here, 480 Temporarily Unavailable).
type Reject struct {
	Status int
	Reason string
}

func (r *Reject) Error() string { return fmt.Sprintf("sip: reject %d %s", r.Status, r.Reason) }

// Route is the app's opaque answer from Router; it is handed back on Call.Route.
type Route any

// Router decides what to do with an admitted inbound call.
type Router interface {
	Route(ctx context.Context, in Incoming) (Route, error)
}

// RouterFunc adapts a function to Router.
type RouterFunc func(ctx context.Context, in Incoming) (Route, error)

// Route calls f.
func (f RouterFunc) Route(ctx context.Context, in Incoming) (Route, error) { return f(ctx, in) }

// Handler runs for the call's lifetime in the INVITE goroutine. When it
// returns the server hangs up (BYE when answered, 480 when not).
type Handler func(ctx context.Context, call *Call)

// Party is one end as seen in From or To.
type Party struct {
	User    string
	Display string
	URI     string
	Host    string
}

// Admission tells how an INVITE was let in.
type Admission struct {
	Kind string // "allow" (IP allow-list), "trunk" or "endpoint" (registered user)
	Name string // trunk name or registered user; empty for "allow"
}

// Incoming is what a Router sees of an inbound INVITE.
type Incoming struct {
	CallID      string
	From, To    Party
	RequestUser string
	Source      netip.AddrPort
	Admission   Admission
	Media       Media // the negotiated offer
	// DelayedOffer: the INVITE had no SDP. Media holds no address or codec;
	// Call.Answer offers in its 200 and learns them from the ACK.
	DelayedOffer bool
	Headers      map[string][]string // lower-case header name -> values, as received
}

// Header returns the first value of the named header (case-insensitive).
func (in Incoming) Header(name string) string {
	if v := in.Headers[strings.ToLower(name)]; len(v) > 0 {
		return v[0]
	}
	return ""
}

// User is an endpoint allowed to REGISTER with us.
type User struct {
	Username string
	Password string
	HA1      string // MD5(username:realm:password), used instead of Password when set
}

// Config configures a Server.
type Config struct {
	// Listen is host:port for both UDP and TCP, e.g. "127.0.0.1:5060".
	Listen string
	// Transports to listen on; default udp and tcp.
	Transports []string
	// TLSListen, when set, is host:port of a SIP-over-TLS listener for
	// peers that open their own TLS connection to us, with the PEM
	// certificate and key in TLSCertFile and TLSKeyFile. TLS trunks do
	// not need it: their calls come over the registration's connection.
	TLSListen   string
	TLSCertFile string
	TLSKeyFile  string
	// AdvertiseHost goes into Contact and Via; default the Listen host.
	AdvertiseHost string
	// UserAgent is the User-Agent header and our Contact user; default "switchboard".
	UserAgent string
	// Allow lists the sources whose INVITEs we take. nil means loopback only;
	// an empty non-nil slice allows nobody (trunks and registered endpoints still pass).
	Allow []netip.Prefix
	// Trunks to register with and to take INVITEs from.
	Trunks []Trunk
	// Users may REGISTER with us (digest auth); the registrar is off when empty.
	Users []User
	// Realm for our digest challenges; default AdvertiseHost.
	Realm string
	// MaxCalls caps concurrent inbound calls (503 above it); 0 means no cap.
	MaxCalls int
	// Overloaded, when set, is asked for every new INVITE (after the
	// source check, before MaxCalls): true refuses it with 503 and
	// Retry-After, counted as DropOverload. It must be cheap (one atomic
	// load: media.LoadGuard.Overloaded) and must not block.
	Overloaded func() bool
	// Admit, when set, is the learned admission rate, asked for every new
	// INVITE the guard admits (admit.go): over it, 503 and Retry-After,
	// counted as DropAdmitRate.
	Admit Admitter
	// RetryAfter goes with 503; default 30 s.
	RetryAfter time.Duration
	// HangupTimeout bounds the BYE sent after the handler returns; default 5 s.
	HangupTimeout time.Duration
	Router        Router
	Handler       Handler
	Logger        *slog.Logger
	// OnTrunk, when set, hears every change of a trunk's state (State
	// "removed" when SetTrunks dropped it). It must not block.
	OnTrunk func(TrunkStatus)
	// OnRegistration, when set, hears every binding made, refreshed or
	// removed by our registrar (Expires zero when removed). It must not block.
	OnRegistration func(Registration)
}

// Server is the SIP user agent: listeners, dialogs, registrar and trunks.
type Server struct {
	cfg  Config
	log  *slog.Logger
	ua   *sipgo.UserAgent
	srv  *sipgo.Server
	cli  *sipgo.Client
	dua  sipgo.DialogUA
	host string
	port int

	// cliTLS sends requests over TLS: from any local port (the UDP
	// client binds the listen address, which a TLS connection cannot),
	// reusing the connection to the peer; duaTLS is its dialog UA, whose
	// Contact says transport=tls (trunktls.go).
	cliTLS  *sipgo.Client
	duaTLS  sipgo.DialogUA
	tlsConf *tls.Config // the listener's (nil without TLSListen)
	tlsPort int

	mu    sync.Mutex
	calls map[string]*Call

	outMu    sync.Mutex
	outCalls map[string]*Call // answered outbound legs by dialog id (dial.go)
	active   atomic.Int32

	reg        *registrar
	trunkMu    sync.Mutex
	trunks     []*trunkRunner
	trunksLive bool // Start has launched the trunk loops
	drops      *dropLog
	stateless  *statelessAdmission // refuses new UDP INVITEs before sipgo parses them (admit.go)

	ctx     context.Context
	cancel  context.CancelCauseFunc
	wg      sync.WaitGroup // trunk loops
	lwg     sync.WaitGroup // listeners
	lcancel context.CancelFunc
	started atomic.Bool
	closed  atomic.Bool
}

// SetTimers sets the SIP timers T1, T2 and T4 for the whole process (tests
// shorten them). It wraps sipgo's sip.SetTimers.
func SetTimers(t1, t2, t4 time.Duration) { gosip.SetTimers(t1, t2, t4) }

// NewServer checks cfg and builds the user agent. Call Start to listen.
func NewServer(cfg Config) (*Server, error) {
	if cfg.Handler == nil || cfg.Router == nil {
		return nil, errors.New("sip: Config needs Router and Handler")
	}
	if cfg.Logger != nil {
		setLibraryLogger(cfg.Logger)
	}
	host, portStr, err := net.SplitHostPort(cfg.Listen)
	if err != nil {
		return nil, fmt.Errorf("sip: listen address %q: %w", cfg.Listen, err)
	}
	port, err := strconv.Atoi(portStr)
	if err != nil || port <= 0 || port > 65535 {
		return nil, fmt.Errorf("sip: listen port %q: need a fixed port", portStr)
	}
	if len(cfg.Transports) == 0 {
		cfg.Transports = []string{"udp", "tcp"}
	}
	if cfg.AdvertiseHost == "" {
		cfg.AdvertiseHost = host
		if ip, err := netip.ParseAddr(host); err == nil && ip.IsUnspecified() {
			cfg.AdvertiseHost = "127.0.0.1"
		}
	}
	if cfg.UserAgent == "" {
		cfg.UserAgent = "switchboard"
	}
	cfg.UserAgent = SanitizeToken(cfg.UserAgent)
	if cfg.Allow == nil {
		cfg.Allow = []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8"), netip.MustParsePrefix("::1/128")}
	}
	if cfg.Realm == "" {
		cfg.Realm = cfg.AdvertiseHost
	}
	if cfg.RetryAfter <= 0 {
		cfg.RetryAfter = 30 * time.Second
	}
	if cfg.HangupTimeout <= 0 {
		cfg.HangupTimeout = 5 * time.Second
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	s := &Server{cfg: cfg, log: cfg.Logger.With("component", "sip"), host: cfg.AdvertiseHost, port: port, calls: map[string]*Call{}}
	if cfg.TLSListen != "" {
		if err := s.loadListenTLS(); err != nil {
			return nil, err
		}
	}
	s.drops = newDropLog(s.log, dropLogBurst, dropLogInterval)
	// sipgo's transport layer logs every datagram it cannot parse; its
	// logger (ours alone, unlike sipgo's process-wide default) turns those
	// lines into counted, rate-limited drops.
	tlog := slog.New(parseDropHandler{drops: s.drops, next: capHandler{cfg.Logger.Handler()}}).With("component", "sipgo")
	s.ua, err = sipgo.NewUA(sipgo.WithUserAgent(cfg.UserAgent), sipgo.WithUserAgentHostname(cfg.AdvertiseHost),
		sipgo.WithUserAgentTransportLayerOptions(append(s.admissionOptions(), gosip.WithTransportLayerLogger(tlog))...), sipgo.WithUserAgenTLSConfig(s.clientTLSConfig()))
	if err != nil {
		return nil, fmt.Errorf("sip: user agent: %w", err)
	}
	s.srv, err = sipgo.NewServer(s.ua, sipgo.WithServerLogger(s.log))
	if err != nil {
		return nil, fmt.Errorf("sip: server: %w", err)
	}
	cliOpts := []sipgo.ClientOption{sipgo.WithClientHostname(cfg.AdvertiseHost), sipgo.WithClientPort(port), sipgo.WithClientLogger(s.log)}
	if ip, err := netip.ParseAddr(host); err == nil && !ip.IsUnspecified() && slices.Contains(cfg.Transports, "udp") {
		cliOpts = append(cliOpts, sipgo.WithClientConnectionAddr(cfg.Listen))
	}
	s.cli, err = sipgo.NewClient(s.ua, cliOpts...)
	if err != nil {
		return nil, fmt.Errorf("sip: client: %w", err)
	}
	s.dua = sipgo.DialogUA{Client: s.cli, ContactHDR: s.contact(cfg.UserAgent)}
	s.cliTLS, err = sipgo.NewClient(s.ua, sipgo.WithClientHostname(cfg.AdvertiseHost), sipgo.WithClientPort(cmp.Or(s.tlsPort, port)), sipgo.WithClientLogger(s.log))
	if err != nil {
		return nil, fmt.Errorf("sip: tls client: %w", err)
	}
	s.duaTLS = sipgo.DialogUA{Client: s.cliTLS, ContactHDR: s.contactFor(cfg.UserAgent, "tls")}
	// The registrar always answers: users may be set later (SetUsers);
	// with none, every REGISTER is refused 403 after the challenge.
	s.reg = newRegistrar(cfg.Realm, cfg.Users)
	s.reg.notify = cfg.OnRegistration
	for _, t := range cfg.Trunks {
		s.trunks = append(s.trunks, newTrunkRunner(s, t))
	}
	s.srv.OnInvite(s.guard(s.onInvite))
	s.srv.OnAck(s.guard(s.onAck))
	s.srv.OnBye(s.guard(s.onBye))
	s.srv.OnCancel(s.guard(s.onCancel))
	s.srv.OnOptions(s.guard(s.onOptions))
	s.srv.OnInfo(s.guard(s.onInfo))
	s.srv.OnUpdate(s.guard(s.onUpdate))
	s.srv.OnRefer(s.guard(s.onRefer))
	s.srv.OnRegister(s.guard(s.reg.handle))
	s.srv.OnNoRoute(s.guard(s.onNoRoute))
	return s, nil
}

// guard runs a request handler only for requests with the headers every
// request must carry (RFC 3261 §8.1.1: Via, From, To, Call-ID, CSeq), and
// recovers a handler's panic. sipgo hands requests without Call-ID or From
// to the handlers, where one datagram used to crash the whole process on a
// nil header (sip/torture_test.go). Requests beyond the size limits
// (limits.go) are answered 414 or 513 and go no further.
func (s *Server) guard(h sipgo.RequestHandler) sipgo.RequestHandler {
	return func(req *gosip.Request, tx gosip.ServerTransaction) {
		defer func() {
			if r := recover(); r != nil {
				s.log.Error("sip request handler panicked", "method", req.Method.String(), "source", req.Source(), "panic", r)
			}
		}()
		if req.Via() == nil || req.From() == nil || req.To() == nil || req.CallID() == nil || req.CSeq() == nil {
			s.drops.drop(DropMissingHeader, "sip request dropped: missing mandatory headers", "method", req.Method.String(), "source", req.Source())
			if req.Via() != nil && req.CSeq() != nil && !req.IsAck() {
				respond(tx, req, 400, "Bad Request")
			}
			return
		}
		if req.SipVersion != "SIP/2.0" {
			if !req.IsAck() {
				respond(tx, req, 505, "Version Not Supported")
			}
			return
		}
		// Over-long headers are refused here, before any route or execution
		// exists: they would reach the flow, and every response and
		// request of the dialog would echo them.
		if code, why := oversize(req); code != 0 {
			s.drops.drop(DropTooLarge, "sip request refused: too large", "method", req.Method.String(), "source", req.Source(), "status", code, "why", why)
			if !req.IsAck() {
				reason := "Message Too Large"
				if code == 414 {
					reason = "Request-URI Too Long"
				}
				respond(tx, req, code, reason, gosip.NewHeader("Warning", `399 switchboard "`+why+`"`))
			}
			return
		}
		h(req, tx)
	}
}

func (s *Server) contact(user string) gosip.ContactHeader {
	return gosip.ContactHeader{Address: gosip.Uri{Scheme: "sip", User: SanitizeToken(user), Host: s.host, Port: s.port}}
}

// Addr is the listen address.
func (s *Server) Addr() string { return s.cfg.Listen }

// Dropped counts, by reason (DropUnparsable …), the messages dropped or
// refused before any call existed. Their log lines are rate-limited: the
// first dropLogBurst per dropLogInterval, then one summary line.
func (s *Server) Dropped() map[string]uint64 { return s.drops.snapshot() }

// Overloaded reports whether new INVITEs are being refused because the
// media path falls behind (Config.Overloaded); /healthz says busy then.
func (s *Server) Overloaded() bool { return s.cfg.Overloaded != nil && s.cfg.Overloaded() }

// ActiveCalls is the number of inbound calls being handled.
func (s *Server) ActiveCalls() int { return int(s.active.Load()) }

// Start listens on every transport, waits until each listener is ready (so
// client requests reuse the listening socket), then starts trunk
// registration. The server runs until ctx ends or Close is called.
func (s *Server) Start(ctx context.Context) error {
	if !s.started.CompareAndSwap(false, true) {
		return errors.New("sip: server already started")
	}
	s.ctx, s.cancel = context.WithCancelCause(ctx)
	// Listeners outlive s.ctx until the trunk loops have unregistered.
	lctx, lcancel := context.WithCancel(context.Background())
	s.lcancel = lcancel
	fail := func(err error) error {
		s.cancel(err)
		lcancel()
		return err
	}
	for _, network := range s.cfg.Transports {
		ready := make(chan struct{}, 1)
		errc := make(chan error, 1)
		rctx := context.WithValue(lctx, sipgo.ListenReadyCtxKey, sipgo.ListenReadyCtxValue(ready))
		s.lwg.Add(1)
		go func() {
			defer s.lwg.Done()
			errc <- s.srv.ListenAndServe(rctx, network, s.cfg.Listen)
		}()
		select {
		case <-ready:
		case err := <-errc:
			return fail(fmt.Errorf("sip: listen %s %s: %w", network, s.cfg.Listen, err))
		case <-time.After(5 * time.Second):
			return fail(fmt.Errorf("sip: listen %s %s: not ready after 5s", network, s.cfg.Listen))
		}
		if network == "udp" {
			s.awaitUDPPool()
		}
	}
	if s.tlsConf != nil {
		if err := s.listenTLS(lctx); err != nil {
			return fail(err)
		}
	}
	go func() {
		<-s.ctx.Done()
		s.wg.Wait() // trunks unregistered
		lcancel()
	}()
	s.lwg.Add(1)
	go func() {
		defer s.lwg.Done()
		s.drops.run(lctx)
	}()
	s.log.Info("sip listening", "addr", s.cfg.Listen, "transports", s.cfg.Transports)
	s.trunkMu.Lock()
	s.trunksLive = true
	for _, t := range s.trunks {
		s.launchLocked(t, nil)
	}
	s.trunkMu.Unlock()
	return nil
}

// awaitUDPPool waits (briefly) until the UDP listener is in sipgo's
// connection pool. sipgo signals "ready" before it adds the socket there;
// a request sent in between (a Dial or a REGISTER right after Start) binds
// a second socket to the listen address and fails "address already in use".
func (s *Server) awaitUDPPool() {
	ip, err := netip.ParseAddr(s.cfg.Listen[:strings.LastIndexByte(s.cfg.Listen, ':')])
	if err != nil || ip.IsUnspecified() {
		return // no forced local address (NewServer), nothing to wait for
	}
	tl := s.ua.TransportLayer()
	for i := 0; i < 200; i++ {
		if c, err := tl.GetConnection("udp", s.cfg.Listen); err == nil && c != nil {
			c.Ref(-1) // GetConnection took a reference
			return
		}
		time.Sleep(5 * time.Millisecond)
	}
	s.log.Warn("sip: udp listener not in the connection pool after 1s", "addr", s.cfg.Listen)
}

// Close unregisters trunks, ends every call and closes the listeners.
func (s *Server) Close() error {
	if !s.closed.CompareAndSwap(false, true) {
		return nil
	}
	s.trunkMu.Lock() // no trunk launches after this
	if s.cancel != nil {
		s.cancel(ErrShutdown) // trunk loops unregister on their way out; calls see ctx end
	}
	s.trunkMu.Unlock()
	s.stateless.stop()
	done := make(chan struct{})
	go func() { s.wg.Wait(); s.lwg.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		s.log.Warn("sip close: goroutines still running after 10s")
	}
	return s.ua.Close()
}

// lookup finds the call an in-dialog request belongs to: an inbound call,
// else an outbound leg (dial.go).
func (s *Server) lookup(req *gosip.Request) *Call {
	id, err := gosip.DialogIDFromRequestUAS(req)
	if err != nil {
		return nil
	}
	s.mu.Lock()
	c := s.calls[id]
	s.mu.Unlock()
	if c != nil {
		return c
	}
	return s.lookupOut(req)
}

func (s *Server) allowHeader() gosip.Header {
	m := s.srv.RegisteredMethods()
	slices.Sort(m)
	return gosip.NewHeader("Allow", strings.Join(m, ", "))
}

func respond(tx gosip.ServerTransaction, req *gosip.Request, code int, reason string, hdrs ...gosip.Header) {
	res := gosip.NewResponseFromRequest(req, code, reason, nil)
	for _, h := range hdrs {
		res.AppendHeader(h)
	}
	_ = tx.Respond(res)
}

// refuse answers a new INVITE that is refused before it is looked at
// (source, admission, call limit) and ends its transaction at once, as a
// stateless UAS would (RFC 3261 §8.2.7): no retransmission of the answer
// and nothing kept for Timer H's 32 s waiting for an ACK that a scanner
// never sends. A copy of the INVITE that comes again is decided and
// answered afresh; the ACK, matching no transaction, is dropped by onAck.
func refuse(tx gosip.ServerTransaction, req *gosip.Request, code int, reason string, hdrs ...gosip.Header) {
	respond(tx, req, code, reason, hdrs...)
	tx.Terminate()
}

func hasToTag(req *gosip.Request) bool {
	to := req.To()
	return to != nil && to.Params.Has("tag")
}

func sourceAddr(req *gosip.Request) netip.AddrPort {
	ap, err := netip.ParseAddrPort(req.Source())
	if err != nil {
		return netip.AddrPort{}
	}
	return netip.AddrPortFrom(ap.Addr().Unmap(), ap.Port())
}

// admit applies trunk hosts, the allow-list and registered endpoints. A
// trunk's host is named as that trunk even when its network is also allowed
// (a provider on the LAN, or loopback in tests), so the call says which trunk
// it came through (SipTrunk).
func (s *Server) admit(ctx context.Context, src netip.Addr) (Admission, bool) {
	if !src.IsValid() {
		return Admission{}, false
	}
	for _, t := range s.trunkList() {
		if t.matches(ctx, src) {
			return Admission{Kind: "trunk", Name: t.cfg.Name}, true
		}
	}
	for _, p := range s.cfg.Allow {
		if p.Contains(src) {
			return Admission{Kind: "allow"}, true
		}
	}
	if user, ok := s.reg.bySource(src); ok {
		return Admission{Kind: "endpoint", Name: user}, true
	}
	return Admission{}, false
}

// party is what the app sees of one end: the caller controls every byte of
// it, so control characters (terminal escapes among them) are stripped and
// each part is capped (SanitizeText).
func party(display string, uri gosip.Uri) Party {
	return Party{
		User:    SanitizeText(uri.User, MaxUser),
		Display: SanitizeText(display, MaxDisplayName),
		URI:     SanitizeText(uri.String(), MaxURI),
		Host:    SanitizeText(uri.Host, MaxHost),
	}
}

func parties(from *gosip.FromHeader, to *gosip.ToHeader) (Party, Party) {
	var f, t Party
	if from != nil {
		f = party(from.DisplayName, from.Address)
	}
	if to != nil {
		t = party(to.DisplayName, to.Address)
	}
	return f, t
}

func (s *Server) onInvite(req *gosip.Request, tx gosip.ServerTransaction) {
	if hasToTag(req) {
		s.onReInvite(req, tx)
		return
	}
	if call, log := s.acceptInvite(req, tx); call != nil {
		s.runCall(call, log)
	}
}

// acceptInvite admits, negotiates and routes a new INVITE and makes its
// call, counted in s.active; nil when it answered the INVITE with a
// refusal. It is apart from runCall so that its frame (about 2 KB) is not
// on the call's stack for as long as the call lasts (see onOwnStack).
func (s *Server) acceptInvite(req *gosip.Request, tx gosip.ServerTransaction) (*Call, *slog.Logger) {
	src := sourceAddr(req)
	log := s.log.With("call_id", req.CallID().Value(), "source", src.String())
	adm, ok := s.admit(s.ctx, src.Addr())
	if !ok {
		s.drops.drop(DropNotAllowed, "sip invite refused: source not allowed", "call_id", req.CallID().Value(), "source", src.String())
		refuse(tx, req, 403, "Forbidden")
		return nil, nil
	}
	if s.refuseNew(req, tx) { // admit.go
		return nil, nil
	}
	if n := s.active.Add(1); s.cfg.MaxCalls > 0 && int(n) > s.cfg.MaxCalls {
		s.active.Add(-1)
		s.drops.drop(DropCallLimit, "sip invite refused: call limit", "call_id", req.CallID().Value(), "source", src.String(), "max_calls", s.cfg.MaxCalls)
		refuse(tx, req, 503, "Service Unavailable", gosip.NewHeader("Retry-After", strconv.Itoa(int(s.cfg.RetryAfter/time.Second))))
		return nil, nil
	}
	accepted := false
	defer func() {
		if !accepted {
			s.active.Add(-1)
		}
	}()

	media, err := delayedOfferMedia(), error(nil)
	delayed := isDelayedOffer(req)
	if !delayed {
		media, err = Negotiate(req.Body())
		if err == nil {
			err = s.inboundSRTP(adm, media) // srtppolicy.go
		}
	}
	if err != nil {
		log.Info("sip invite refused: offer", "error", err)
		if errors.Is(err, ErrMalformedSDP) {
			respond(tx, req, 400, "Bad Request")
		} else {
			respond(tx, req, 488, "Not Acceptable Here", gosip.NewHeader("Warning", notAcceptableWarning(err)))
		}
		return nil, nil
	}
	from, to := parties(req.From(), req.To())
	in := Incoming{
		CallID: req.CallID().Value(), From: from, To: to, RequestUser: SanitizeText(req.Recipient.User, MaxUser),
		Source: src, Admission: adm, Media: media, DelayedOffer: delayed, Headers: map[string][]string{},
	}
	for _, h := range req.Headers() {
		n := strings.ToLower(h.Name())
		in.Headers[n] = append(in.Headers[n], h.Value())
	}
	rctx, rcancel := context.WithTimeout(s.ctx, 10*time.Second)
	var route Route
	onOwnStack(func() { route, err = s.cfg.Router.Route(rctx, in) }) // a store lookup, perhaps: not on the call's stack
	rcancel()
	if err != nil {
		var rej *Reject
		switch {
		case errors.Is(err, ErrNoRoute):
			log.Info("sip invite: no route", "to", to.User, "ruri", in.RequestUser)
			respond(tx, req, 404, "Not Found")
		case errors.As(err, &rej) && rej.Status >= 300 && rej.Status < 700:
			respond(tx, req, rej.Status, SanitizeHeaderValue(rej.Reason))
		default:
			log.Error("sip router failed", "error", err)
			respond(tx, req, 500, "Server Internal Error")
		}
		return nil, nil
	}

	dlg, err := s.dialogUA(req).ReadInvite(req, tx)
	if err != nil {
		log.Warn("sip invite: dialog", "error", err)
		respond(tx, req, 400, "Bad Request")
		return nil, nil
	}
	call := newCall(s, dlg, tx, in, route)
	s.mu.Lock()
	s.calls[dlg.ID] = call // stored before any answer: the ACK handler needs it
	s.mu.Unlock()
	accepted = true
	return call, log
}

// runCall runs the handler of a call acceptInvite made, hangs up after it
// and forgets the call.
func (s *Server) runCall(call *Call, log *slog.Logger) {
	defer s.active.Add(-1)
	defer call.dlg.Close()
	defer func() {
		s.mu.Lock()
		delete(s.calls, call.dlg.ID)
		s.mu.Unlock()
		call.cancel(ErrCallEnded)
	}()

	func() {
		defer func() {
			if r := recover(); r != nil {
				log.Error("sip handler panicked", "panic", r)
			}
		}()
		s.cfg.Handler(call.ctx, call)
	}()
	hctx, hcancel := context.WithTimeout(context.Background(), s.cfg.HangupTimeout)
	defer hcancel()
	if err := call.Hangup(hctx); err != nil && !errors.Is(err, ErrCallEnded) {
		log.Debug("sip hangup after handler", "error", err)
	}
}

func (s *Server) onAck(req *gosip.Request, tx gosip.ServerTransaction) {
	c := s.lookup(req)
	if c == nil {
		return // ACK has no response; a stray one is dropped
	}
	c.keepAckAnswer(req) // before readAck releases a delayed-offer Answer
	c.readAck(req, tx)
	select {
	case c.acks <- req.CSeq().SeqNo:
	default:
	}
}

func (s *Server) onBye(req *gosip.Request, tx gosip.ServerTransaction) {
	c := s.lookup(req)
	if c == nil {
		respond(tx, req, 481, "Call/Transaction Does Not Exist")
		return
	}
	if err := c.readBye(req, tx); err != nil {
		respond(tx, req, 500, "Server Internal Error")
	}
}

// onCancel sees only CANCELs that matched no INVITE transaction (sipgo's
// transaction layer answers the others with 200 and 487 itself).
func (s *Server) onCancel(req *gosip.Request, tx gosip.ServerTransaction) {
	respond(tx, req, 481, "Call/Transaction Does Not Exist")
}

func (s *Server) onOptions(req *gosip.Request, tx gosip.ServerTransaction) {
	var c *Call
	if hasToTag(req) {
		if c = s.lookup(req); c == nil {
			respond(tx, req, 481, "Call/Transaction Does Not Exist")
			return
		}
	}
	respond(tx, req, 200, "OK", s.allowHeader(), gosip.NewHeader("Accept", "application/sdp"))
	c.handled(req)
}

func (s *Server) onInfo(req *gosip.Request, tx gosip.ServerTransaction) {
	if h := testInfoHold.Load(); h != nil {
		(*h)() // a loaded box's late goroutine (TestSippInfoBeforeBye)
	}
	c := s.lookup(req)
	if c == nil {
		respond(tx, req, 481, "Call/Transaction Does Not Exist")
		return
	}
	// Its digit is queued before a BYE numbered after it ends the call
	// (reqorder.go).
	defer c.handled(req)
	if err := c.readRequest(req, tx); err != nil {
		respond(tx, req, 500, "Server Internal Error")
		return
	}
	ct := ""
	if h := req.ContentType(); h != nil {
		ct = strings.ToLower(strings.TrimSpace(strings.SplitN(h.Value(), ";", 2)[0]))
	}
	body := req.Body()
	switch {
	case len(body) == 0:
		respond(tx, req, 200, "OK")
	case ct == "application/dtmf-relay" || ct == "application/dtmf":
		d, ok := ParseDTMFInfo(ct, body)
		if !ok {
			respond(tx, req, 400, "Bad Request")
			return
		}
		// Queue the digit before answering: the caller sends its next
		// INFO when this one is answered, and that INFO's handler must not
		// queue its digit ahead of this one.
		if !c.pushDTMF(d) {
			respond(tx, req, 503, "Service Unavailable")
			return
		}
		respond(tx, req, 200, "OK")
	default:
		respond(tx, req, 415, "Unsupported Media Type", gosip.NewHeader("Accept", "application/dtmf-relay, application/dtmf"))
	}
}

func (s *Server) onNoRoute(req *gosip.Request, tx gosip.ServerTransaction) {
	if hasToTag(req) {
		if c := s.lookup(req); c == nil {
			respond(tx, req, 481, "Call/Transaction Does Not Exist")
		} else {
			respond(tx, req, 501, "Not Implemented", s.allowHeader())
			c.handled(req)
		}
		return
	}
	respond(tx, req, 405, "Method Not Allowed", s.allowHeader())
}

// ParseDTMFInfo reads a digit from a SIP INFO body: application/dtmf-relay
// ("Signal=5\r\nDuration=160") or application/dtmf ("5"). Events 10 and 11
// map to '*' and '#', 12-15 to 'A'-'D'.
func ParseDTMFInfo(contentType string, body []byte) (byte, bool) {
	val := strings.TrimSpace(string(body))
	if strings.EqualFold(contentType, "application/dtmf-relay") {
		val = ""
		for _, line := range strings.Split(string(body), "\n") {
			k, v, ok := strings.Cut(line, "=")
			if ok && strings.EqualFold(strings.TrimSpace(k), "signal") {
				val = strings.TrimSpace(v)
				break
			}
		}
	}
	if len(val) == 1 {
		c := val[0]
		switch {
		case c >= '0' && c <= '9', c == '*', c == '#':
			return c, true
		case c >= 'A' && c <= 'D':
			return c, true
		case c >= 'a' && c <= 'd':
			return c - 'a' + 'A', true
		}
	}
	if n, err := strconv.Atoi(val); err == nil && n >= 10 && n <= 15 {
		return "*#ABCD"[n-10], true
	}
	return 0, false
}

// Address is where phones and peers reach this server: the advertised host
// and the listening port ("host:port").
func (s *Server) Address() string { return net.JoinHostPort(s.host, strconv.Itoa(s.port)) }

// onOwnStack runs fn on a goroutine of its own and waits for it; a panic
// in fn goes on in the caller. An inbound call's handler runs on the
// goroutine that took its INVITE, for as long as the call lasts, and that
// goroutine keeps the largest stack it ever grew (the runtime shrinks a
// stack only at a GC, by half, while less than a quarter is in use): work
// that goes deep once, such as a router's store lookup, runs on a stack
// that goes back to the runtime when it ends.
func onOwnStack(fn func()) {
	done := make(chan struct{})
	var p any
	go func() {
		defer func() {
			p = recover()
			close(done)
		}()
		fn()
	}()
	<-done
	if p != nil {
		panic(p)
	}
}
