package sip

// Keeping a connection-oriented trunk's connection (TLS, TCP) alive.
//
// A carrier reaches us over the connection our REGISTER opened (trunktls.go),
// so that connection is the trunk: if a NAT or firewall on the path forgets
// it, or the carrier restarts, calls stop arriving while the registration
// still looks good until it expires (up to an hour). Two things prevent
// that here:
//
//   - RFC 5626 CRLF keep-alives: every Trunk.KeepAlive (default 30 s) we
//     write "\r\n\r\n" on the connection. It costs four bytes, keeps NAT and
//     firewall state fresh, and a write to a dead peer fails. We write
//     them ourselves because sipgo sends none; it does expose its
//     connection pool (TransportLayer.GetConnection, the live connection
//     for an address), whose TLS and TCP connections are io.Writers over
//     one net.Conn whose writes are atomic per call, and its reader already
//     skips CRLFs and answers pings. A re-REGISTER or OPTIONS ping at a
//     short interval would do the same at a hundred times the bytes and
//     a registrar transaction each time; it is not needed.
//   - Noticing a closed connection: sipgo drops a connection from its pool
//     when its reader ends (the peer closed it, a read or write failed).
//     Every connProbe we look the registrar's address up in the pool; when
//     the connection we registered on is gone (or replaced), the trunk
//     re-registers at once, which opens a new connection, instead of
//     waiting for the binding to expire.

import (
	"context"
	"io"
	"log/slog"
	"time"

	gosip "github.com/emiago/sipgo/sip"
)

// DefaultKeepAlive is the CRLF keep-alive interval of a TLS or TCP trunk
// whose KeepAlive is zero.
const DefaultKeepAlive = 30 * time.Second

// connProbe is how often a trunk looks for its connection (a variable so
// tests can shorten it).
var connProbe = time.Second

// keepAlivePing is RFC 5626's double-CRLF ping.
var keepAlivePing = []byte("\r\n\r\n")

// keepsConn reports whether the trunk registers over a connection.
func (t *trunkRunner) keepsConn() bool {
	return t.cfg.Transport == "tls" || t.cfg.Transport == "tcp"
}

// keepAliveEvery is the trunk's keep-alive interval; 0 is off.
func (t *trunkRunner) keepAliveEvery() time.Duration {
	switch {
	case t.cfg.KeepAlive < 0:
		return 0
	case t.cfg.KeepAlive == 0:
		return DefaultKeepAlive
	}
	return t.cfg.KeepAlive
}

// conn is the pool's live connection to addr over the trunk's transport,
// or nil; the pool's reference is given back at once (we never keep it).
func (t *trunkRunner) conn(addr string) gosip.Connection {
	if addr == "" {
		return nil
	}
	c, err := t.srv.ua.TransportLayer().GetConnection(t.cfg.Transport, addr)
	if err != nil || c == nil {
		return nil
	}
	c.Ref(-1)
	return c
}

// holdRegistration waits until the registration is due for refresh
// (refresh from now), keeping the trunk's connection alive meanwhile. It
// returns again false when ctx ends, true when it is time to REGISTER:
// the refresh is due, or (lost) the connection registered on is gone.
func (t *trunkRunner) holdRegistration(ctx context.Context, log *slog.Logger, refresh time.Duration, addr string) (again, lost bool) {
	if !t.keepsConn() {
		return sleepCtx(ctx, refresh), false
	}
	conn := t.conn(addr)
	if conn == nil {
		log.Warn("sip trunk: the registration's connection is already gone; registering again", "remote", addr)
		return true, true
	}
	due := time.NewTimer(refresh)
	defer due.Stop()
	probe := time.NewTicker(connProbe)
	defer probe.Stop()
	every := t.keepAliveEvery()
	nextPing := time.Now().Add(every)
	for {
		select {
		case <-ctx.Done():
			return false, false
		case <-due.C:
			return true, false
		case now := <-probe.C:
			if c := t.conn(addr); c != conn {
				log.Warn("sip trunk: the connection to the registrar closed; registering again now", "remote", addr)
				return true, true
			}
			if every == 0 || now.Before(nextPing) {
				continue
			}
			nextPing = now.Add(every)
			w, ok := conn.(io.Writer)
			if !ok {
				continue
			}
			if _, err := w.Write(keepAlivePing); err != nil {
				log.Warn("sip trunk: keep-alive failed; registering again now", "remote", addr, "error", err)
				_ = conn.Close()
				return true, true
			}
		}
	}
}

// lostHold is how long a registration must have lived for its lost
// connection to be re-registered at once; shorter ones back off (a
// registrar that closes every connection must not get a REGISTER a second).
const lostHold = time.Minute

// nextLostWait is the wait before registering again after a lost
// connection: none the first time, then doubling while registrations keep
// losing their connection within lostHold.
func nextLostWait(prev time.Duration, lived time.Duration) (wait, next time.Duration) {
	if lived >= lostHold {
		return 0, trunkBackoffMin
	}
	return prev, min(max(2*prev, trunkBackoffMin), trunkBackoffMax)
}
