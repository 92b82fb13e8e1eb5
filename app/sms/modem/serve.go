package modem

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/switchboard/switchboard/app/sms"
	"github.com/switchboard/switchboard/app/sms/at"
)

// serve is the Run goroutine's loop while the session is up: notices,
// the periodic sweep, the health check and the long-message timeout. It
// returns when the session ends or ctx does.
func (g *Gateway) serve(ctx context.Context, s *at.Session) error {
	g.sweep(ctx, s)
	sweep := time.NewTicker(g.k.sweep)
	defer sweep.Stop()
	health := time.NewTicker(g.k.health)
	defer health.Stop()
	expire := time.NewTicker(g.k.expire)
	defer expire.Stop()
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-s.Done():
			return s.Err()
		case n, ok := <-s.Notices():
			if !ok {
				return s.Err()
			}
			g.notice(ctx, s, n)
		case <-sweep.C:
			g.sweep(ctx, s)
		case <-health.C:
			g.checkHealth(ctx, s)
		case <-expire.C:
			g.expire(ctx, s)
		}
	}
}

// notice handles one unsolicited result code.
func (g *Gateway) notice(ctx context.Context, s commander, n at.Notice) {
	switch n.Name {
	case "+CMTI":
		if n.Index < 0 {
			g.log.Warn("unreadable new-message notice; the sweep will find the message", "line", n.Line)
			return
		}
		pdu, err := g.read(ctx, s, n.Index)
		if err != nil {
			g.log.Warn("reading a new message failed; the sweep will retry", "index", n.Index, "err", err)
			return
		}
		g.accept(ctx, s, n.Index, pdu)
	case "+CMT":
		if n.PDU == "" {
			g.log.Warn("pushed message without its PDU", "line", n.Line)
			return
		}
		g.accept(ctx, s, 0, n.PDU)
	case "+CDS":
		if n.PDU == "" {
			g.log.Warn("pushed status report without its PDU", "line", n.Line)
			return
		}
		g.statusReport(ctx, s, 0, n.PDU)
	case "+CDSI":
		if n.Index < 0 {
			g.log.Warn("unreadable status-report notice", "line", n.Line)
			return
		}
		g.readReport(ctx, s, n.Index)
	case "+CREG", "+CGREG", "+CEREG":
		g.checkHealth(ctx, s)
	default:
		g.log.Debug("modem notice", "line", n.Line)
	}
}

// read fetches one stored message's PDU (AT+CMGR).
func (g *Gateway) read(ctx context.Context, s commander, idx int) (string, error) {
	lines, err := s.Do(ctx, "AT+CMGR="+itoa(idx))
	if err != nil {
		return "", err
	}
	for i, l := range lines {
		if strings.HasPrefix(l, "+CMGR:") && i+1 < len(lines) {
			return lines[i+1], nil
		}
	}
	return "", errors.New("modem: AT+CMGR answered without a PDU")
}

// listed is one message from AT+CMGL.
type listed struct {
	idx int
	pdu string
}

// list reads every stored message of the selected memory (AT+CMGL=4).
func list(ctx context.Context, s commander) ([]listed, error) {
	lines, err := s.Do(ctx, "AT+CMGL=4")
	if err != nil {
		return nil, err
	}
	return parseCMGL(lines), nil
}

// parseCMGL reads AT+CMGL's reply in PDU mode: "+CMGL: <index>,<stat>,
// [<alpha>],<length>" lines, each followed by its PDU line.
func parseCMGL(lines []string) []listed {
	var out []listed
	for i := 0; i < len(lines); i++ {
		rest, ok := strings.CutPrefix(lines[i], "+CMGL:")
		if !ok || i+1 >= len(lines) || strings.HasPrefix(lines[i+1], "+CMGL:") {
			continue
		}
		f, _, _ := strings.Cut(rest, ",")
		idx, err := atoi(strings.TrimSpace(f))
		if err != nil || idx < 0 {
			continue
		}
		out = append(out, listed{idx: idx, pdu: lines[i+1]})
		i++
	}
	return out
}

// sweep reads all stored messages (notices get lost across reopens and
// some modems never send them), retries what the Sink refused before and
// deletions that failed, and reads stored status reports.
func (g *Gateway) sweep(ctx context.Context, s commander) {
	g.retry(ctx, s)
	msgs, err := list(ctx, s)
	if err != nil {
		g.log.Warn("listing stored messages failed", "err", err)
	}
	for _, m := range msgs {
		g.accept(ctx, s, m.idx, m.pdu)
	}
	g.sweepReports(ctx, s)
	g.expire(ctx, s)
}

// checkHealth reads signal, registration and operator.
func (g *Gateway) checkHealth(ctx context.Context, s commander) {
	st, err := probe(ctx, s)
	if err != nil {
		g.log.Warn("health check failed", "err", err)
		if !isFatal(err) {
			g.update(func(h *sms.Health) { h.State, h.LastError = sms.StateDegraded, "health check: "+err.Error() })
		}
		return
	}
	g.update(func(h *sms.Health) { g.applyState(h, st) })
}

// probe asks for signal, registration (CREG, CGREG and CEREG: LTE modems
// answer only the last) and operator.
func probe(ctx context.Context, s commander) (at.State, error) {
	var st at.State
	lines, err := s.Do(ctx, "AT+CSQ")
	if err != nil {
		return st, err
	}
	if st.RSSI, st.BER, err = at.ParseCSQ(first(lines, "+CSQ:")); err != nil {
		return st, err
	}
	st.SignalDBM, st.SignalKnown = at.SignalDBM(st.RSSI)
	st.Registration = at.RegNotSearching
	for _, q := range []string{"AT+CREG?", "AT+CGREG?", "AT+CEREG?"} {
		lines, err := s.Do(ctx, q)
		if err != nil {
			if isFatal(err) {
				return st, err
			}
			continue
		}
		if r, err := at.ParseCREG(first(lines, "+C")); err == nil && rank(r) > rank(st.Registration) {
			st.Registration = r
		}
	}
	lines, err = s.Do(ctx, "AT+COPS?")
	if err == nil {
		st.Operator, _ = at.ParseCOPS(first(lines, "+COPS:"))
	} else if isFatal(err) {
		return st, err
	}
	return st, nil
}

func rank(r at.Registration) int {
	switch {
	case r == at.RegHome:
		return 4
	case r.Registered():
		return 3
	case r == at.RegSearching:
		return 2
	case r == at.RegDenied:
		return 1
	}
	return 0
}

func first(lines []string, prefix string) string {
	for _, l := range lines {
		if strings.HasPrefix(l, prefix) {
			return l
		}
	}
	return ""
}

// commander runs AT commands: an *at.Session, or a recorder in the fuzz
// test of the receiving side.
type commander interface {
	Do(ctx context.Context, cmd string) ([]string, error)
}
