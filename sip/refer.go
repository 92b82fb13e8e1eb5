package sip

// Blind transfer (RFC 3515): a phone on a call with us sends REFER inside
// the dialog to ask us to call someone else. The server parses Refer-To,
// hands the request to the app on Call.Transfers and answers 202 once the
// app has taken it; the app dials and reports how it went with
// Transfer.Notify, which sends the NOTIFYs with a message/sipfrag body.
// The server never dials itself: who is called, and what happens to the
// other party, is the app's business.

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	gosip "github.com/emiago/sipgo/sip"
)

// ErrBadReferTo wraps every reason a Refer-To is refused.
var ErrBadReferTo = errors.New("sip: bad Refer-To")

// transferTake is how long a REFER waits for the app to take it before it
// is declined (603): the app watches Transfers only while it can act on
// one (a bridge), and a phone must not be told 202 for nothing.
const transferTake = 2 * time.Second

// notifyTimeout bounds one NOTIFY transaction.
const notifyTimeout = 5 * time.Second

// ReferTarget is a sanitised Refer-To.
type ReferTarget struct {
	// Target is what to call: the user part alone when the URI names us
	// (a desk phone registered with us or a number, e.g. "desk2",
	// "+15550002222"), else the whole URI "sip:user@host[:port][;transport=tcp]".
	Target string
	User   string // the URI's user part
	URI    string // the URI as we rebuilt it (no headers, no other params)
}

// Transfer is one REFER the app took from Call.Transfers.
type Transfer struct {
	ReferTarget
	// ReferredBy is the Referred-By header's URI, sanitised; empty when absent.
	ReferredBy string

	call  *Call
	id    uint32        // the REFER's CSeq, the subscription's id
	ready chan struct{} // closed once 202 and the first NOTIFY are out
	mu    sync.Mutex
	done  bool
}

// Transfers delivers the REFERs the far end sends on this call. A REFER
// nobody takes within a short wait is declined with 603, so an app that
// does not transfer need not read it. It is never closed; select on
// Context too.
func (c *Call) Transfers() <-chan *Transfer { return c.refer }

// Notify reports the transfer's progress to the phone that asked for it:
// a provisional status (1xx) keeps the subscription active, a final one
// (200 when the new call answered, or the failure's status) terminates it.
// Notifies after the final one are ignored. It blocks for one NOTIFY
// transaction (bounded); an error means the phone did not get it (it may
// have hung up), which does not change the transfer.
func (t *Transfer) Notify(ctx context.Context, status int, reason string) error {
	select {
	case <-t.ready:
	case <-ctx.Done():
		return ctx.Err()
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.done {
		return nil
	}
	final := status >= 200
	t.done = final
	return t.call.notifyRefer(ctx, t.id, status, reason, final)
}

// Done reports whether the final NOTIFY went out.
func (t *Transfer) Done() bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.done
}

// onRefer takes an in-dialog REFER. Outside a dialog there is nothing to
// transfer: 403. A REFER for a dialog we do not know: 481.
func (s *Server) onRefer(req *gosip.Request, tx gosip.ServerTransaction) {
	if !hasToTag(req) {
		respond(tx, req, 403, "Forbidden", gosip.NewHeader("Warning", `399 switchboard "REFER only inside a call"`))
		return
	}
	c := s.lookup(req)
	if c == nil {
		respond(tx, req, 481, "Call/Transaction Does Not Exist")
		return
	}
	// Read in order; what the transfer does next is not waited for by a
	// BYE numbered after it (reqorder.go).
	c.handled(req)
	if err := c.readRequest(req, tx); err != nil {
		respond(tx, req, 500, "Server Internal Error")
		return
	}
	if !c.Answered() {
		respond(tx, req, 403, "Forbidden", gosip.NewHeader("Warning", `399 switchboard "call not answered"`))
		return
	}
	hs := req.GetHeaders("Refer-To")
	if len(hs) != 1 {
		respond(tx, req, 400, "Bad Request", gosip.NewHeader("Warning", `399 switchboard "exactly one Refer-To"`))
		return
	}
	tgt, status, err := s.ParseReferTo(hs[0].Value())
	if err != nil {
		s.log.Info("sip refer refused", "call_id", c.CallID, "status", status, "error", err)
		reason := "Bad Request"
		if status == 403 {
			reason = "Forbidden"
		}
		respond(tx, req, status, reason, gosip.NewHeader("Warning", `399 switchboard "`+SanitizeDisplayName(err.Error())+`"`))
		return
	}
	t := &Transfer{ReferTarget: tgt, call: c, id: req.CSeq().SeqNo, ready: make(chan struct{})}
	if h := req.GetHeader("Referred-By"); h != nil {
		var u gosip.Uri
		if _, err := gosip.ParseAddressValue(h.Value(), &u, nil); err == nil {
			t.ReferredBy = SanitizeText(u.String(), MaxURI)
		}
	}
	timer := time.NewTimer(transferTake)
	defer timer.Stop()
	select {
	case c.refer <- t:
	case <-timer.C:
		respond(tx, req, 603, "Declined", gosip.NewHeader("Warning", `399 switchboard "no transfer possible now"`))
		return
	case <-c.ctx.Done():
		respond(tx, req, 481, "Call/Transaction Does Not Exist")
		return
	}
	s.log.Info("sip refer accepted", "call_id", c.CallID, "target", tgt.Target, "referred_by", t.ReferredBy)
	respond(tx, req, 202, "Accepted", &gosip.ContactHeader{Address: s.dialogUA(req).ContactHDR.Address})
	ctx, cancel := context.WithTimeout(c.ctx, notifyTimeout)
	defer cancel()
	t.mu.Lock()
	if err := c.notifyRefer(ctx, t.id, 100, "Trying", false); err != nil {
		s.log.Debug("sip refer: first NOTIFY", "call_id", c.CallID, "error", err)
	}
	t.mu.Unlock()
	close(t.ready)
}

// notifyRefer sends one NOTIFY of the refer event with a sipfrag body.
func (c *Call) notifyRefer(ctx context.Context, id uint32, status int, reason string, final bool) error {
	if c.ctx.Err() != nil {
		return fmt.Errorf("%w: %w", ErrCallEnded, context.Cause(c.ctx))
	}
	ctx, cancel := context.WithTimeout(ctx, notifyTimeout)
	defer cancel()
	if status < 100 || status > 699 {
		status = 500
	}
	reason = SanitizeText(reason, 64)
	if reason == "" {
		reason = "Unknown"
	}
	req := gosip.NewRequest(gosip.NOTIFY, c.remoteTarget())
	req.AppendHeader(gosip.NewHeader("Event", "refer;id="+strconv.FormatUint(uint64(id), 10)))
	state := "active;expires=60"
	if final {
		state = "terminated;reason=noresource"
	}
	req.AppendHeader(gosip.NewHeader("Subscription-State", state))
	ct := gosip.ContentTypeHeader("message/sipfrag;version=2.0")
	req.AppendHeader(&ct)
	req.SetBody([]byte("SIP/2.0 " + strconv.Itoa(status) + " " + reason + "\r\n"))
	var res *gosip.Response
	var err error
	if c.out != nil {
		res, err = c.out.Do(ctx, req)
	} else {
		res, err = c.dlg.Do(ctx, req)
	}
	if err != nil {
		return fmt.Errorf("sip: NOTIFY: %w", err)
	}
	if !res.IsSuccess() {
		return fmt.Errorf("sip: NOTIFY answered %d %s", res.StatusCode, SanitizeText(res.Reason, 64))
	}
	return nil
}

// remoteTarget is where in-dialog requests go: the far end's Contact.
func (c *Call) remoteTarget() gosip.Uri {
	if c.out != nil {
		if h := c.out.InviteResponse.Contact(); h != nil {
			return *h.Address.Clone()
		}
		return *c.out.InviteRequest.Recipient.Clone()
	}
	if h := c.dlg.InviteRequest.Contact(); h != nil {
		return *h.Address.Clone()
	}
	return *c.dlg.InviteRequest.From().Address.Clone()
}

// ParseReferTo reads a Refer-To value ("<sip:desk2@host>", "sip:+1555@host",
// with or without a display name) into a target we can dial. It refuses,
// with the status to answer: a malformed value (400); a scheme other than
// sip:, an attended transfer (a Replaces header in the URI) or a user or
// host we would not put on the wire (403).
func (s *Server) ParseReferTo(v string) (ReferTarget, int, error) {
	return parseReferTo(v, func(host string, port int) bool {
		if port != 0 && port != s.port {
			return false
		}
		return strings.EqualFold(host, s.host) || strings.EqualFold(host, s.cfg.Realm) ||
			strings.EqualFold(host, s.cfg.Listen[:strings.LastIndexByte(s.cfg.Listen, ':')])
	})
}

func parseReferTo(v string, ours func(host string, port int) bool) (ReferTarget, int, error) {
	v = strings.TrimSpace(v)
	if v == "" || len(v) > MaxURI {
		return ReferTarget{}, 400, fmt.Errorf("%w: empty or longer than %d", ErrBadReferTo, MaxURI)
	}
	// The scheme, before the parser, which takes anything.
	raw := v
	if i := strings.IndexByte(raw, '<'); i >= 0 {
		j := strings.IndexByte(raw[i:], '>')
		if j < 0 {
			return ReferTarget{}, 400, fmt.Errorf("%w: unbalanced <", ErrBadReferTo)
		}
		raw = raw[i+1 : i+j]
	}
	scheme, _, ok := strings.Cut(raw, ":")
	if !ok {
		return ReferTarget{}, 400, fmt.Errorf("%w: no URI scheme", ErrBadReferTo)
	}
	if !strings.EqualFold(strings.TrimSpace(scheme), "sip") {
		return ReferTarget{}, 403, fmt.Errorf("%w: only sip: URIs can be transferred to", ErrBadReferTo)
	}
	var u gosip.Uri
	if _, err := gosip.ParseAddressValue(v, &u, nil); err != nil {
		return ReferTarget{}, 400, fmt.Errorf("%w: %w", ErrBadReferTo, err)
	}
	if u.Headers != nil && u.Headers.Has("Replaces") || strings.Contains(strings.ToLower(raw), "replaces=") {
		return ReferTarget{}, 403, fmt.Errorf("%w: attended transfer (Replaces) is not supported", ErrBadReferTo)
	}
	host := u.Host
	if host == "" || len(host) > MaxHost || !validHost(host) {
		return ReferTarget{}, 403, fmt.Errorf("%w: host %q", ErrBadReferTo, SanitizeText(host, 64))
	}
	if u.Port < 0 || u.Port > 65535 {
		return ReferTarget{}, 400, fmt.Errorf("%w: port %d", ErrBadReferTo, u.Port)
	}
	if u.User != "" && !validUser(u.User) {
		return ReferTarget{}, 403, fmt.Errorf("%w: user %q", ErrBadReferTo, SanitizeText(u.User, 64))
	}
	clean := gosip.Uri{Scheme: "sip", User: u.User, Host: host, Port: u.Port}
	uri := clean.String()
	if uriTransport(u) == "tcp" {
		uri += ";transport=tcp"
	}
	t := ReferTarget{Target: uri, User: u.User, URI: uri}
	if u.User != "" && ours(host, u.Port) {
		t.Target = u.User
	}
	if u.User == "" && ours(host, u.Port) {
		return ReferTarget{}, 403, fmt.Errorf("%w: no user to call", ErrBadReferTo)
	}
	return t, 0, nil
}

// validHost accepts a DNS name, an IPv4 address or a bracketed IPv6 one.
func validHost(h string) bool {
	if strings.HasPrefix(h, "[") {
		return strings.HasSuffix(h, "]") && strings.Trim(h[1:len(h)-1], "0123456789abcdefABCDEF:.") == ""
	}
	for i := 0; i < len(h); i++ {
		c := h[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '.') {
			return false
		}
	}
	return true
}
