package sip

import (
	"bytes"
	"hash/fnv"
	"net"
	"net/netip"
	"strconv"
	"sync"
	"time"

	gosip "github.com/emiago/sipgo/sip"
)

// DropAdmitRate counts INVITEs refused (503) because new calls arrived
// faster than the learned admission rate (Config.Admit; media.AdmitRate).
const DropAdmitRate = "admission_rate"

// Admitter is the learned admission rate: TakeCall takes one new call from
// it (false refuses the INVITE with 503 and Retry-After, DropAdmitRate);
// AdmitRate is the current limit in calls per second, for /metrics. It
// must be cheap and must not block (media.LoadGuard: a mutex and a few
// float operations).
type Admitter interface {
	TakeCall() bool
	AdmitRate() float64
}

// AdmitRate is the learned limit on new calls per second (0 without Config.Admit).
func (s *Server) AdmitRate() float64 {
	if s.cfg.Admit == nil {
		return 0
	}
	return s.cfg.Admit.AdmitRate()
}

// refusal says why a new call is refused now ("" admits): the load guard
// first (Config.Overloaded), then the learned rate (Config.Admit), which is
// asked only when the guard admits, so that refused INVITEs take no token.
func (s *Server) refusal() string {
	if s.cfg.Overloaded != nil && s.cfg.Overloaded() {
		return DropOverload
	}
	if s.cfg.Admit != nil && !s.cfg.Admit.TakeCall() {
		return DropAdmitRate
	}
	return ""
}

// refuseNew is the INVITE handler's admission check, for INVITEs the read
// filter did not already decide (TCP and TLS, whose reads are not whole
// messages, and UDP datagrams it could not read): it answers 503 with
// Retry-After (refuse: the transaction ends with it) and reports true when
// it refused.
func (s *Server) refuseNew(req *gosip.Request, tx gosip.ServerTransaction) bool {
	if s.stateless.decided(req) {
		return false
	}
	reason := s.refusal()
	if reason == "" {
		return false
	}
	s.drops.drop(reason, "sip invite refused: "+reason, "call_id", req.CallID().Value(), "source", req.Source())
	refuse(tx, req, 503, "Service Unavailable", gosip.NewHeader("Retry-After", strconv.Itoa(int(s.cfg.RetryAfter/time.Second))))
	return true
}

// statelessAdmission decides new INVITEs that arrive over UDP in sipgo's
// read filter, before sipgo parses the datagram, starts a goroutine for it
// or builds a server transaction, and refuses them with a 503 written
// straight back on the listening socket (RFC 3261 §8.2.7, a stateless UAS):
// a flood the box cannot take must not cost the calls in progress more
// than a scan of each datagram's headers. What makes that correct:
//
//   - a retransmitted INVITE (same top Via branch from the same source)
//     gets the verdict its first copy got: the same 503, with the same
//     To-tag (a hash of the request's identity), or it passes to sipgo,
//     whose transaction absorbs it;
//   - the caller's ACK for our 503 carries that To-tag (its prefix,
//     refusedTagPrefix, marks it) and is dropped here: it ends a
//     transaction we never built;
//   - verdicts are kept for 64·T1 (32 s: the longest a caller retransmits
//     an INVITE), at most maxVerdicts of them, so a spoofed flood cannot
//     grow the table without bound (beyond it, a retransmission of a
//     refused INVITE is decided afresh; one admitted is still let through
//     as the handler finds no verdict and decides it as new);
//   - anything the scan does not understand (folded headers, a missing
//     header) passes to sipgo unchanged, and the INVITE handler decides it
//     (refuseNew).
//
// The table's memory follows the INVITEs: expired verdicts are swept once
// a second while INVITEs arrive, and by a timer once they stop (the last
// verdict's expiry), and a table swept to a quarter of its peak or less is
// copied into a new map, so that a burst's buckets go back (a Go map never
// shrinks: one that held the 16,000 verdicts of 500 CPS for 32 s still
// takes 1.8 MB emptied, and it stayed full until the next INVITE).
type statelessAdmission struct {
	s *Server

	mu        sync.Mutex
	verdicts  map[string]verdict // by top Via branch and source
	peak      int                // most verdicts held since the map was made
	lastSweep time.Time
	latest    time.Time     // the latest verdict's expiry
	sweeper   *time.Timer   // sweeps after INVITEs stop (nil: none due)
	stopped   bool          // the server closed: no more timers
	ttl       time.Duration // verdictTTL (tests shorten it)
}

type verdict struct {
	admitted bool
	until    time.Time
}

const (
	refusedTagPrefix = "sb503-"
	verdictTTL       = 32 * time.Second
	maxVerdicts      = 1 << 16
	minShrink        = 256 // a smaller table is not worth copying while it is in use
)

// decided reports whether the read filter already admitted req.
func (a *statelessAdmission) decided(req *gosip.Request) bool {
	if a == nil || req.Via() == nil {
		return false
	}
	branch, _ := req.Via().Params.Get("branch")
	a.mu.Lock()
	defer a.mu.Unlock()
	v, ok := a.verdicts[branch+"|"+req.Source()]
	return ok && v.admitted
}

// filter is the transport layer's read filter (gosip.TransportReadFilter):
// it returns data to let sipgo parse it, or nil when the datagram was
// answered or absorbed here. It never returns an error (that would stop
// the listener's reader).
func (a *statelessAdmission) filter(props gosip.TransportReadProps, data []byte) ([]byte, error) {
	if props.Transport != "UDP" || props.RemoteAddr == nil {
		return data, nil
	}
	invite := bytes.HasPrefix(data, []byte("INVITE "))
	if !invite && !bytes.HasPrefix(data, []byte("ACK ")) {
		return data, nil
	}
	h, ok := scanHeaders(data)
	if !ok {
		return data, nil
	}
	if !invite {
		if bytes.HasPrefix(h.toTag, []byte(refusedTagPrefix)) {
			return nil, nil // the ACK for our stateless 503
		}
		return data, nil
	}
	if h.toTag != nil {
		return data, nil // a re-INVITE: in-dialog, not a new call
	}
	if !a.s.mayCall(props.RemoteAddr) {
		// Not (or not surely) a source that may call: sipgo parses it and
		// the INVITE handler answers 403 (refuse: no transaction kept). A scanner's flood must
		// not use up the tokens that callers of the trunks and desk phones need.
		return data, nil
	}
	src := props.RemoteAddr.String()
	key := string(h.branch) + "|" + src
	now := time.Now()
	a.mu.Lock()
	a.sweepLocked(now)
	v, seen := a.verdicts[key]
	if seen && now.Before(v.until) {
		a.mu.Unlock()
		if v.admitted {
			return data, nil
		}
		a.respond503(props, h)
		return nil, nil
	}
	reason := a.s.refusal()
	if len(a.verdicts) < maxVerdicts {
		a.remember(key, verdict{admitted: reason == "", until: now.Add(a.ttl)})
	}
	a.mu.Unlock()
	if reason == "" {
		return data, nil
	}
	a.s.drops.drop(reason, "sip invite refused: "+reason, "call_id", string(h.callID), "source", src)
	a.respond503(props, h)
	return nil, nil
}

// remember keeps a verdict (a.mu held) and makes sure a sweep is due once
// INVITEs stop.
func (a *statelessAdmission) remember(key string, v verdict) {
	a.verdicts[key] = v
	a.peak = max(a.peak, len(a.verdicts))
	a.latest = v.until
	if a.sweeper == nil && !a.stopped {
		a.sweeper = time.AfterFunc(a.ttl, a.sweepLater)
	}
}

// sweepLocked drops expired verdicts, at most once a second (a.mu held).
func (a *statelessAdmission) sweepLocked(now time.Time) {
	if now.Sub(a.lastSweep) < time.Second {
		return
	}
	a.sweep(now)
}

// sweep drops expired verdicts (a.mu held) and replaces the map when it
// holds a quarter of its peak or less.
func (a *statelessAdmission) sweep(now time.Time) {
	a.lastSweep = now
	for k, v := range a.verdicts {
		if !now.Before(v.until) {
			delete(a.verdicts, k)
		}
	}
	if n := len(a.verdicts); n*4 <= a.peak && a.peak >= minShrink || n == 0 && a.peak > 0 {
		m := make(map[string]verdict, n)
		for k, v := range a.verdicts {
			m[k] = v
		}
		a.verdicts, a.peak = m, n
	}
}

// sweepLater is the sweeper timer's function: it sweeps, and while
// verdicts remain it comes back when the latest of them expires, so the
// table is empty (and its map new) one TTL after the last INVITE.
func (a *statelessAdmission) sweepLater() {
	a.mu.Lock()
	defer a.mu.Unlock()
	now := time.Now()
	a.sweep(now)
	if len(a.verdicts) == 0 || a.stopped {
		a.sweeper = nil
		return
	}
	a.sweeper.Reset(max(a.latest.Sub(now), time.Millisecond))
}

// stop ends the sweeper (Server.Close).
func (a *statelessAdmission) stop() {
	if a == nil {
		return
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	a.stopped = true
	if a.sweeper != nil {
		a.sweeper.Stop()
		a.sweeper = nil
	}
}

// mayCall is Server.admit for the read filter: true only when src is
// surely a source that may call (an allowed network, a registered desk
// phone, a trunk's address as last resolved), decided without a DNS lookup,
// which must not hold up the listener's reader.
func (s *Server) mayCall(addr net.Addr) bool {
	ua, ok := addr.(*net.UDPAddr)
	if !ok {
		return false
	}
	ip, ok := netip.AddrFromSlice(ua.IP)
	if !ok {
		return false
	}
	ip = ip.Unmap()
	for _, p := range s.cfg.Allow {
		if p.Contains(ip) {
			return true
		}
	}
	if _, ok := s.reg.bySource(ip); ok {
		return true
	}
	for _, t := range s.trunkList() {
		if match, _ := t.knownSource(ip); match {
			return true
		}
	}
	return false
}

// respond503 writes the stateless 503 on the socket the INVITE came in on,
// to the address it came from (sipgo answers UDP requests there too).
func (a *statelessAdmission) respond503(props gosip.TransportReadProps, h sipHeaders) {
	c, err := a.s.ua.TransportLayer().GetConnection("udp", props.LocalAddr.String())
	if err != nil || c == nil {
		return // no listener in the pool: the caller retransmits, and we answer then
	}
	defer c.Ref(-1) // GetConnection took a reference
	w, ok := c.(interface {
		WriteTo([]byte, net.Addr) (int, error)
	})
	if !ok {
		return
	}
	_, _ = w.WriteTo(a.s.response503(h, props.RemoteAddr), props.RemoteAddr)
}

// response503 builds the 503 from the request's own header lines (RFC 3261
// §8.2.6): its Vias (the top one with received and rport filled when the
// caller asked, RFC 3581), From, Call-ID and CSeq as received, To with our
// tag, and Retry-After.
func (s *Server) response503(h sipHeaders, src net.Addr) []byte {
	b := make([]byte, 0, 512)
	b = append(b, "SIP/2.0 503 Service Unavailable\r\n"...)
	for i, v := range h.vias {
		if i == 0 {
			v = fillRport(v, src)
		}
		b = append(append(b, v...), "\r\n"...)
	}
	b = append(append(b, h.from...), "\r\n"...)
	b = append(append(b, h.to...), ";tag="+refusedTagPrefix...)
	f := fnv.New64a()
	f.Write(h.branch)
	f.Write(h.callID)
	f.Write(h.from)
	b = strconv.AppendUint(b, f.Sum64(), 36)
	b = append(b, "\r\n"...)
	b = append(append(b, h.callIDLine...), "\r\n"...)
	b = append(append(b, h.cseq...), "\r\n"...)
	b = append(b, "Retry-After: "...)
	b = strconv.AppendInt(b, int64(s.cfg.RetryAfter/time.Second), 10)
	b = append(b, "\r\nServer: "...)
	b = append(b, s.cfg.UserAgent...)
	b = append(b, "\r\nContent-Length: 0\r\n\r\n"...)
	return b
}

// fillRport turns a bare ";rport" in the top Via line into
// ";rport=PORT;received=IP".
func fillRport(via []byte, src net.Addr) []byte {
	ua, ok := src.(*net.UDPAddr)
	if !ok {
		return via
	}
	end := len(via)
	if i := bytes.IndexByte(via, ','); i >= 0 {
		end = i // the first Via value of a combined line
	}
	lower := bytes.ToLower(via[:end])
	for i := 0; ; {
		j := bytes.Index(lower[i:], []byte(";rport"))
		if j < 0 {
			return via
		}
		j += i
		k := j + len(";rport")
		if k == end || lower[k] == ';' || lower[k] == ' ' || lower[k] == '\t' {
			out := append([]byte(nil), via[:k]...)
			out = append(out, '=')
			out = strconv.AppendInt(out, int64(ua.Port), 10)
			out = append(out, ";received="...)
			out = append(out, ua.IP.String()...)
			return append(out, via[k:]...)
		}
		i = k
	}
}

// sipHeaders are the header lines a stateless answer needs, as received.
type sipHeaders struct {
	vias       [][]byte
	from, to   []byte
	callIDLine []byte
	cseq       []byte
	branch     []byte // the top Via's branch
	callID     []byte // the Call-ID's value
	toTag      []byte // nil when To has no tag
}

// scanHeaders finds the lines a stateless 503 needs in a request's header
// section. ok is false when one is missing, a header is folded over lines
// or a line has no colon: such a request goes to sipgo's parser.
func scanHeaders(data []byte) (h sipHeaders, ok bool) {
	end := bytes.Index(data, []byte("\r\n\r\n"))
	if end < 0 {
		return h, false
	}
	head := data[:end+2]
	nl := bytes.Index(head, []byte("\r\n"))
	for rest := head[nl+2:]; len(rest) > 0; {
		i := bytes.Index(rest, []byte("\r\n"))
		line := rest[:i]
		rest = rest[i+2:]
		if len(line) == 0 || line[0] == ' ' || line[0] == '\t' {
			return h, false
		}
		colon := bytes.IndexByte(line, ':')
		if colon <= 0 {
			return h, false
		}
		name := bytes.TrimSpace(line[:colon])
		value := bytes.TrimSpace(line[colon+1:])
		switch {
		case eqFold(name, "via", "v"):
			if h.vias == nil {
				h.branch = param(value, "branch")
			}
			h.vias = append(h.vias, line)
		case eqFold(name, "from", "f"):
			h.from = line
		case eqFold(name, "to", "t"):
			h.to = line
			h.toTag = param(value, "tag")
		case eqFold(name, "call-id", "i"):
			h.callIDLine, h.callID = line, value
		case eqFold(name, "cseq", ""):
			h.cseq = line
		}
	}
	ok = h.vias != nil && h.from != nil && h.to != nil && h.callID != nil && h.cseq != nil && len(h.branch) > 0
	return h, ok
}

func eqFold(name []byte, long, short string) bool {
	return bytes.EqualFold(name, []byte(long)) || (short != "" && bytes.EqualFold(name, []byte(short)))
}

// param returns the value of ;name= in a header value (outside <...>), or
// nil. Only the first Via value is looked at (up to a comma).
func param(value []byte, name string) []byte {
	if i := bytes.LastIndexByte(value, '>'); i >= 0 {
		value = value[i+1:]
	}
	if i := bytes.IndexByte(value, ','); i >= 0 {
		value = value[:i]
	}
	for _, p := range bytes.Split(value, []byte(";"))[1:] {
		k, v, _ := bytes.Cut(p, []byte("="))
		if bytes.EqualFold(bytes.TrimSpace(k), []byte(name)) {
			return bytes.TrimSpace(v)
		}
	}
	return nil
}

// admissionOptions installs the stateless admission's read filter when
// anything can refuse a call (Config.Overloaded or Config.Admit).
func (s *Server) admissionOptions() []gosip.TransportLayerOption {
	if s.cfg.Overloaded == nil && s.cfg.Admit == nil {
		return nil
	}
	s.stateless = &statelessAdmission{s: s, verdicts: map[string]verdict{}, ttl: verdictTTL}
	return []gosip.TransportLayerOption{gosip.WithTransportLayerReadFilter(s.stateless.filter)}
}
