package smpp

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"strconv"
	"time"

	"github.com/switchboard/switchboard/app/sms"
	"github.com/switchboard/switchboard/app/sms/pdu"
)

// maxUnsaved bounds the assembled messages kept while the Sink refuses them.
const maxUnsaved = 1024

// deliveryLoop is the one goroutine that handles deliver_sm: it owns the Reassembler and
// the messages the Sink has not taken yet, and answers each deliver_sm only after what it
// brought is stored (or held in memory as a part of a longer message).
func (g *Gateway) deliveryLoop(ctx context.Context) {
	st := &deliveryState{re: &pdu.Reassembler{}}
	tick := time.NewTicker(time.Minute)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case d := <-g.deliveries:
			status := g.handleDeliver(ctx, st, d.p)
			d.s.respond(d.p, DeliverSMResp, status, "")
		case <-tick.C:
			for _, a := range st.re.Expire(g.now()) {
				st.add(g.inbound(a, "", g.now()))
			}
			g.flush(ctx, st)
		}
	}
}

type deliveryState struct {
	re *pdu.Reassembler
	// unsaved are assembled messages the Sink refused; they are tried again before
	// anything else is acknowledged, because the SMSC will not send their parts again once
	// they were answered.
	unsaved []sms.Inbound
}

func (st *deliveryState) add(m sms.Inbound) {
	for _, u := range st.unsaved {
		if u.ProviderID == m.ProviderID {
			return
		}
	}
	st.unsaved = append(st.unsaved, m)
}

// flush hands the unsaved messages to the Sink in order; it reports whether all went.
func (g *Gateway) flush(ctx context.Context, st *deliveryState) bool {
	for len(st.unsaved) > 0 {
		// The content hash only tells the SMSC's redeliveries apart while
		// the message is held here: the queue gets no ProviderID, because
		// the same sender may well send the same text again ("YES" to two
		// questions). A redelivery after a crash between the commit and
		// deliver_sm_resp arrives twice: the at-least-once window.
		m := st.unsaved[0]
		m.ProviderID = ""
		if err := g.sink.Inbound(ctx, m); err != nil {
			g.log.Warn("smpp: inbound message not stored; the SMSC will be asked to deliver again", "from", st.unsaved[0].From, "err", err)
			if len(st.unsaved) > maxUnsaved {
				g.log.Error("smpp: too many unstored inbound messages; the oldest is dropped", "provider_id", st.unsaved[0].ProviderID)
				st.unsaved = st.unsaved[1:]
			}
			return false
		}
		st.unsaved = st.unsaved[1:]
	}
	return true
}

// handleDeliver takes one deliver_sm and returns the command_status to answer it with.
func (g *Gateway) handleDeliver(ctx context.Context, st *deliveryState, p PDU) uint32 {
	m := p.SM
	body := m.ShortMessage
	if v, ok := p.TLV(TagMessagePayload); ok && len(body) == 0 {
		body = v
	}
	switch m.ESMClass & esmTypeMask {
	case esmReceipt, esmSMEAck, esmIntermediate:
		u, _ := pdu.SMPPDecode(m.DataCoding, false, body)
		text := u.Text
		if u.Coding == pdu.Data8 && text == "" {
			text = string(u.Data)
		}
		r, ok := parseReceipt(&p, text)
		if !ok {
			g.log.Warn("smpp: delivery receipt without a message id; acknowledged and ignored", "text", text)
			return StatusOK
		}
		rep := r.Report(g.now())
		rep.To = m.Source // a receipt comes from the recipient
		if err := g.sink.Report(ctx, rep); err != nil {
			g.log.Warn("smpp: delivery report not stored; the SMSC will be asked to deliver it again", "ref", r.ID, "err", err)
			return StatusTempAppError
		}
		return StatusOK
	}
	udhi := m.ESMClass&esmUDHI != 0
	u, err := pdu.SMPPDecode(m.DataCoding, udhi, body)
	if err != nil {
		// A header that does not fit: keep every octet as text rather than lose the message.
		g.log.Warn("smpp: MO user data header unreadable; taken as text", "from", m.Source, "err", err)
		u, _ = pdu.SMPPDecode(m.DataCoding, false, body)
	}
	if _, ok := u.Concat(); !ok {
		ref, rok := p.TLV(TagSARMsgRefNum)
		total, tok := p.TLV(TagSARTotalSegments)
		seq, sok := p.TLV(TagSARSegmentSeqnum)
		if rok && tok && sok && len(ref) == 2 && len(total) == 1 && len(seq) == 1 {
			u.Header = append(u.Header, pdu.IE{ID: pdu.IEConcat16, Data: []byte{ref[0], ref[1], total[0], seq[0]}})
		}
	}
	now := g.now()
	from := m.Source
	if m.SourceTON == 1 && from != "" && from[0] != '+' {
		from = "+" + from
	}
	to := m.Dest
	if m.DestTON == 1 && to != "" && to[0] != '+' {
		to = "+" + to
	}
	single := ""
	if _, ok := u.Concat(); !ok {
		single = providerID(from, m.DataCoding, body)
	}
	for _, a := range st.re.Add(now, &pdu.Deliver{From: pdu.Address{Number: from}, UserData: u}) {
		id := ""
		if a.Total == 1 {
			id = single
		}
		in := g.inbound(a, id, now)
		in.To = to
		st.add(in)
	}
	if !g.flush(ctx, st) {
		return StatusTempAppError
	}
	return StatusOK
}

// inbound turns an assembled message into the Sink's shape. ProviderID is stable across an
// SMSC's redelivery, which carries no message id for MO in SMPP 3.4: sender plus a hash of
// the content (the raw short_message for one part; part count and text for a long one).
func (g *Gateway) inbound(a pdu.Assembled, id string, now time.Time) sms.Inbound {
	body := a.Text
	if body == "" && len(a.Data) > 0 {
		body = string(a.Data)
	}
	if id == "" {
		id = providerID(a.From.Number, byte(a.Total), []byte(a.Text+"\x00"+string(a.Data)))
		id += "/" + strconv.Itoa(a.Total)
	}
	return sms.Inbound{
		From: a.From.Number, Body: body, ProviderID: id, Segments: a.Total,
		Incomplete: !a.Complete, Missing: a.Missing, Received: now,
	}
}

func providerID(from string, tag byte, content []byte) string {
	h := sha256.New()
	var n [4]byte
	binary.BigEndian.PutUint32(n[:], uint32(len(from)))
	h.Write(n[:])
	h.Write([]byte(from))
	h.Write([]byte{tag})
	h.Write(content)
	return fmt.Sprintf("smpp:%s:%s", from, hex.EncodeToString(h.Sum(nil)[:12]))
}
