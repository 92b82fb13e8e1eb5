package modem

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/switchboard/switchboard/app/sms"
	"github.com/switchboard/switchboard/app/sms/at"
	"github.com/switchboard/switchboard/app/sms/pdu"
)

// reportWindow bounds how long ago a reported part may have been sent: its
// TP-MR is 8 bits and comes round within minutes on a busy modem (gammu's
// DeliveryReportDelay is the same 600 s).
const reportWindow = 10 * time.Minute

// pendingReport is a status report on its way to the Sink, with where it
// is stored: idx 0 for a pushed one (+CDS), mem "SR" for the status-report
// memory (+CDSI), "" for the message storage.
type pendingReport struct {
	r   sms.Report
	idx int
	mem string
}

// statusReport takes a pushed status report (+CDS).
func (g *Gateway) statusReport(ctx context.Context, s commander, idx int, hexPDU string) {
	msg, err := pdu.DecodeHex(hexPDU)
	if err != nil {
		g.log.Warn("unreadable status report dropped", "err", err)
		return
	}
	r, ok := msg.(*pdu.StatusReport)
	if !ok {
		g.log.Warn("a +CDS notice without a status report", "type", fmt.Sprintf("%T", msg))
		return
	}
	g.report(ctx, s, idx, "", r)
}

// readReport reads, reports and deletes a stored status report (+CDSI).
func (g *Gateway) readReport(ctx context.Context, s commander, idx int) {
	if !g.selectMem(ctx, s, "SR") {
		return
	}
	hexPDU, err := g.read(ctx, s, idx)
	g.selectMem(ctx, s, g.set.Storage)
	if err != nil {
		g.log.Warn("reading a stored status report failed", "index", idx, "err", err)
		return
	}
	g.storedReport(ctx, s, idx, hexPDU)
}

func (g *Gateway) storedReport(ctx context.Context, s commander, idx int, hexPDU string) {
	rx := g.rx
	hexPDU = strings.ToUpper(hexPDU)
	if rx.srHeld[idx] == hexPDU {
		return // waiting for the Sink already
	}
	msg, err := pdu.DecodeHex(hexPDU)
	r, ok := msg.(*pdu.StatusReport)
	if err != nil || !ok {
		g.log.Warn("unreadable stored status report left on the modem", "index", idx, "err", err)
		rx.srHeld[idx] = hexPDU
		return
	}
	rx.srHeld[idx] = hexPDU
	g.report(ctx, s, idx, "SR", r)
}

// sweepReports reads the status-report memory, for reports whose +CDSI was
// lost; modems without one are asked once.
func (g *Gateway) sweepReports(ctx context.Context, s commander) {
	if !g.rx.srOK {
		return
	}
	if _, err := s.Do(ctx, `AT+CPMS="SR"`); err != nil {
		if !isFatal(err) {
			g.rx.srOK = false
		}
		return
	}
	msgs, err := list(ctx, s)
	g.selectMem(ctx, s, g.set.Storage)
	if err != nil {
		return
	}
	for _, m := range msgs {
		g.storedReport(ctx, s, m.idx, m.pdu)
	}
}

// selectMem makes mem the memory AT+CMGR/CMGL/CMGD work on.
func (g *Gateway) selectMem(ctx context.Context, s commander, mem string) bool {
	if _, err := s.Do(ctx, `AT+CPMS="`+mem+`"`); err != nil {
		g.log.Warn("selecting modem storage failed", "storage", mem, "err", err)
		return false
	}
	return true
}

// report turns a status report into the Sink's Report and hands it over.
func (g *Gateway) report(ctx context.Context, s commander, idx int, mem string, r *pdu.StatusReport) {
	g.sendReport(ctx, s, pendingReport{r: reportOf(r, g.now()), idx: idx, mem: mem})
}

// sendReport hands a report to the Sink; only after it committed is the
// stored report deleted. A refused report is tried again at the next sweep.
func (g *Gateway) sendReport(ctx context.Context, s commander, p pendingReport) {
	if err := g.sink.Report(ctx, p.r); err != nil {
		g.log.Warn("the store did not take a delivery report; tried again later", "ref", p.r.Ref, "err", err)
		g.rx.reports = append(g.rx.reports, p)
		return
	}
	switch {
	case p.idx <= 0:
	case p.mem == "SR":
		if !g.selectMem(ctx, s, "SR") {
			g.rx.reports = append(g.rx.reports, pendingReport{r: p.r, idx: p.idx, mem: p.mem})
			return
		}
		_, err := s.Do(ctx, "AT+CMGD="+strconv.Itoa(p.idx))
		g.selectMem(ctx, s, g.set.Storage)
		if code, ok := at.CMSCode(err); err == nil || (ok && code == 321) {
			delete(g.rx.srHeld, p.idx)
		}
	default:
		g.delete(ctx, s, []int{p.idx})
	}
}

// reportOf maps TP-ST to Twilio's words: delivered; "sent" while the
// network still tries (temporary errors, 0x20–0x3F); undelivered when it
// gave up on the recipient; failed when the message was deleted or lost
// in the network.
func reportOf(r *pdu.StatusReport, now time.Time) sms.Report {
	rep := sms.Report{
		Ref:    strconv.Itoa(int(r.MessageRef)),
		To:     r.Recipient.Number,
		At:     r.DischargeTime,
		Window: reportWindow,
		Detail: fmt.Sprintf("TP-ST 0x%02X", r.Status),
	}
	if rep.At.IsZero() {
		rep.At = now
	}
	switch r.Outcome() {
	case pdu.Delivered:
		rep.Status = "delivered"
	case pdu.Pending:
		rep.Status = "sent"
	default:
		rep.Status, rep.ErrorCode = failedStatus(r.Status)
	}
	return rep
}

func failedStatus(st byte) (string, int) {
	switch st {
	case 0x41: // incompatible destination
		return "undelivered", sms.CodeLandline
	case 0x42, 0x63: // connection or service rejected by the recipient
		return "undelivered", sms.CodeFiltered
	case 0x43: // not obtainable
		return "undelivered", sms.CodeUnknownDestination
	case 0x46, 0x60, 0x61, 0x62, 0x65: // validity expired; congestion, busy, no response, error at the recipient
		return "undelivered", sms.CodeUnreachable
	case 0x47, 0x48, 0x49: // deleted by the sender or the SMSC, does not exist
		return "failed", sms.CodeUnknown
	}
	return "undelivered", sms.CodeUnknown
}
