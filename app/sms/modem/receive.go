package modem

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/switchboard/switchboard/app/sms"
	"github.com/switchboard/switchboard/app/sms/at"
	"github.com/switchboard/switchboard/app/sms/pdu"
)

// receiver is what the receiving side keeps between notices and sweeps.
// Only the Run goroutine touches it (the Reassembler is not safe for
// concurrent use, and one per modem is its intended shape).
type receiver struct {
	re *pdu.Reassembler
	// held: SIM indexes of parts and messages we hold (waiting for their
	// other parts, or for the Sink), with their PDU: the sweep reads them
	// again and again and must not feed them twice.
	held map[int]string
	// groups: long messages whose parts wait in the Reassembler, with the
	// SIM indexes of every part read (duplicates included).
	groups map[groupKey]*group
	// waiting: messages the Sink refused; retried at every sweep. Their
	// SIM indexes stay held.
	waiting []*ready
	// undeleted: SIM indexes of committed messages whose AT+CMGD failed;
	// retried at every sweep.
	undeleted map[int]string
	// ignored: SIM indexes whose PDU we cannot use (garbage, a stored
	// SUBMIT); left on the SIM and logged once.
	ignored map[int]string
	// reports the Sink refused, retried at every sweep.
	reports []pendingReport
	// srHeld: status-report memory indexes read and not yet deleted
	srHeld map[int]string
	// srOK: the modem reads stored status reports (AT+CPMS="SR"); false
	// once it refused.
	srOK bool
}

type groupKey struct {
	from  string
	ref   uint16
	ref16 bool
	total int
}

type group struct {
	key     groupKey
	first   time.Time
	scts    map[int]time.Time // seq → service-centre time stamp of that part
	indexes []int
}

type ready struct {
	in      sms.Inbound
	indexes []int
	key     *groupKey
}

func newReceiver(timeout time.Duration) *receiver {
	return &receiver{
		re:        &pdu.Reassembler{Timeout: timeout},
		held:      map[int]string{},
		groups:    map[groupKey]*group{},
		undeleted: map[int]string{},
		ignored:   map[int]string{},
		srHeld:    map[int]string{},
		srOK:      true,
	}
}

func (gr *group) add(idx, seq int, scts time.Time) {
	if _, ok := gr.scts[seq]; !ok {
		gr.scts[seq] = scts
	}
	if idx > 0 && !slices.Contains(gr.indexes, idx) {
		gr.indexes = append(gr.indexes, idx)
	}
}

// providerID of a long message: sender, the time stamp of its lowest part
// present, reference and total. The same parts read again (a sweep, a
// restart) give the same id; parts arrive in any order, so "the first that
// arrived" would not.
func (gr *group) providerID() string {
	seqs := slices.Sorted(mapsKeys(gr.scts))
	var ts time.Time
	if len(seqs) > 0 {
		ts = gr.scts[seqs[0]]
	}
	ref := strconv.Itoa(int(gr.key.ref))
	if gr.key.ref16 {
		ref = "r16-" + ref
	}
	return fmt.Sprintf("modem:%s:%s:%s/%d", gr.key.from, ts.UTC().Format("20060102T150405Z"), ref, gr.key.total)
}

func mapsKeys(m map[int]time.Time) func(func(int) bool) {
	return func(yield func(int) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
}

// singleID of a message in one part: a hash of its TPDU (the SMSC prefix
// left out: the same message read through another path keeps its id).
func singleID(hexPDU string) string {
	b, err := hex.DecodeString(hexPDU)
	if err == nil && len(b) > 0 && int(b[0])+1 <= len(b) {
		b = b[1+int(b[0]):]
	}
	sum := sha256.Sum256(b)
	return "modem:pdu:" + hex.EncodeToString(sum[:12])
}

// accept takes one message read from the modem: stored at SIM index idx,
// or pushed (+CMT) when idx is 0.
func (g *Gateway) accept(ctx context.Context, s commander, idx int, hexPDU string) {
	rx := g.rx
	hexPDU = strings.ToUpper(strings.TrimSpace(hexPDU))
	if idx > 0 && (rx.held[idx] == hexPDU || rx.undeleted[idx] == hexPDU || rx.ignored[idx] == hexPDU) {
		return
	}
	msg, err := pdu.DecodeHex(hexPDU)
	if err != nil {
		g.log.Warn("unreadable message left on the modem", "index", idx, "err", err)
		if idx > 0 {
			rx.ignored[idx] = hexPDU
		}
		return
	}
	switch m := msg.(type) {
	case *pdu.Deliver:
		if idx > 0 {
			rx.held[idx] = hexPDU
		}
		g.part(ctx, s, idx, hexPDU, m)
	case *pdu.StatusReport:
		// some modems store status reports with the messages
		if idx > 0 {
			rx.held[idx] = hexPDU
		}
		g.report(ctx, s, idx, "", m)
	default:
		if idx > 0 {
			rx.ignored[idx] = hexPDU // a stored outgoing message: not ours to take
		}
	}
}

// part takes one SMS-DELIVER: a whole message, or a part of a long one.
func (g *Gateway) part(ctx context.Context, s commander, idx int, hexPDU string, d *pdu.Deliver) {
	rx := g.rx
	now := g.now()
	c, multi := d.Concat()
	if !multi || c.Total == 1 {
		a := pdu.Assembled{From: d.From, SCTimestamp: d.SCTimestamp, Coding: d.Coding, Text: d.Text, Data: d.Data, Complete: true, Total: 1}
		g.commit(ctx, s, &ready{in: g.inbound(a, singleID(hexPDU), now), indexes: indexes(idx)})
		return
	}
	key := groupKey{from: d.From.Number, ref: c.Ref, ref16: c.Ref16, total: c.Total}
	before := rx.re.Pending()
	out := rx.re.Add(now, d)
	var complete *pdu.Assembled
	var evicted []pdu.Assembled
	for i := range out {
		if out[i].Complete {
			complete = &out[i]
		} else {
			evicted = append(evicted, out[i])
		}
	}
	gr := rx.groups[key]
	switch {
	case complete != nil:
		if gr == nil {
			gr = &group{key: key, first: now, scts: map[int]time.Time{}}
		}
		gr.add(idx, c.Seq, d.SCTimestamp)
		delete(rx.groups, key)
		g.commit(ctx, s, &ready{in: g.inbound(*complete, gr.providerID(), now), indexes: gr.indexes, key: &key})
	case rx.re.Pending()-before+len(evicted) == 1 || gr != nil:
		// the first part of a message, or another copy of a waiting part:
		// its index goes with the message
		if gr == nil {
			gr = &group{key: key, first: now, scts: map[int]time.Time{}}
			rx.groups[key] = gr
		}
		gr.add(idx, c.Seq, d.SCTimestamp)
	default:
		// a copy of a part of a message completed before
		for _, w := range rx.waiting {
			if w.key != nil && *w.key == key {
				w.indexes = append(w.indexes, indexes(idx)...)
				return
			}
		}
		g.log.Info("dropped a duplicate part of a message already received", "index", idx, "from", key.from)
		g.delete(ctx, s, indexes(idx))
	}
	for _, a := range evicted {
		g.finishGroup(ctx, s, a, now)
	}
}

// expire hands over long messages whose missing parts did not come within
// the timeout, marked incomplete.
func (g *Gateway) expire(ctx context.Context, s commander) {
	now := g.now()
	for _, a := range g.rx.re.Expire(now) {
		g.finishGroup(ctx, s, a, now)
	}
}

// finishGroup delivers an incomplete message the Reassembler let go,
// with the SIM indexes of its group.
func (g *Gateway) finishGroup(ctx context.Context, s commander, a pdu.Assembled, now time.Time) {
	rx := g.rx
	var gr *group
	for k, cand := range rx.groups {
		if k.from != a.From.Number || k.total != a.Total || len(cand.scts) != a.Total-len(a.Missing) {
			continue
		}
		if slices.ContainsFunc(a.Missing, func(seq int) bool { _, ok := cand.scts[seq]; return ok }) {
			continue
		}
		if gr == nil || cand.first.Before(gr.first) {
			gr = cand
		}
	}
	if gr == nil { // cannot happen while groups mirror the Reassembler; deliver anyway
		gr = &group{key: groupKey{from: a.From.Number, total: a.Total}, first: now, scts: map[int]time.Time{0: a.SCTimestamp}}
	}
	delete(rx.groups, gr.key)
	g.log.Warn("long message incomplete after the timeout; delivered with a gap", "from", a.From.Number, "missing", a.Missing)
	key := gr.key
	g.commit(ctx, s, &ready{in: g.inbound(a, gr.providerID(), now), indexes: gr.indexes, key: &key})
}

func (g *Gateway) inbound(a pdu.Assembled, id string, now time.Time) sms.Inbound {
	body := a.Text
	if a.Coding == pdu.Data8 && body == "" && len(a.Data) > 0 {
		if utf8.Valid(a.Data) {
			body = string(a.Data)
		} else {
			body = hex.EncodeToString(a.Data)
		}
	}
	return sms.Inbound{From: a.From.Number, Body: body, ProviderID: id, Segments: a.Total,
		Incomplete: !a.Complete, Missing: a.Missing, Received: now}
}

func indexes(idx int) []int {
	if idx > 0 {
		return []int{idx}
	}
	return nil
}

// commit hands a message to the Sink and, only after it committed, deletes
// every SIM index of it. A refused message waits for the next sweep.
func (g *Gateway) commit(ctx context.Context, s commander, r *ready) {
	if err := g.sink.Inbound(ctx, r.in); err != nil {
		g.log.Warn("the store did not take an inbound message; it stays on the modem and is tried again", "from", r.in.From, "err", err)
		g.rx.waiting = append(g.rx.waiting, r)
		return
	}
	g.delete(ctx, s, r.indexes)
}

// delete removes committed messages from the SIM.
func (g *Gateway) delete(ctx context.Context, s commander, idxs []int) {
	rx := g.rx
	for _, idx := range idxs {
		pdu := rx.held[idx]
		if pdu == "" {
			pdu = rx.undeleted[idx]
		}
		delete(rx.held, idx)
		_, err := s.Do(ctx, "AT+CMGD="+itoa(idx))
		if code, ok := at.CMSCode(err); err == nil || (ok && code == 321) {
			delete(rx.undeleted, idx) // gone (321: already gone)
			continue
		}
		g.log.Warn("deleting a received message failed; retried at the next sweep", "index", idx, "err", err)
		rx.undeleted[idx] = pdu
	}
}

// retry gives the Sink another go at what it refused and deletes what
// could not be deleted.
func (g *Gateway) retry(ctx context.Context, s commander) {
	rx := g.rx
	if len(rx.undeleted) > 0 {
		g.delete(ctx, s, slices.Sorted(func(yield func(int) bool) {
			for k := range rx.undeleted {
				if !yield(k) {
					return
				}
			}
		}))
	}
	waiting := rx.waiting
	rx.waiting = nil
	for _, r := range waiting {
		g.commit(ctx, s, r)
	}
	reports := rx.reports
	rx.reports = nil
	for _, r := range reports {
		g.sendReport(ctx, s, r)
	}
}

func itoa(i int) string { return strconv.Itoa(i) }

func atoi(s string) (int, error) { return strconv.Atoi(s) }
