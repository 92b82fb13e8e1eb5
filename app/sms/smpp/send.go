package smpp

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/switchboard/switchboard/app/sms"
	"github.com/switchboard/switchboard/app/sms/pdu"
)

// ESM class bits used here.
const (
	esmUDHI         byte = 0x40 // short_message starts with a user data header
	esmTypeMask     byte = 0x3C
	esmReceipt      byte = 0x04 // SMSC delivery receipt
	esmSMEAck       byte = 0x08 // SME delivery acknowledgement
	esmIntermediate byte = 0x20 // intermediate delivery notification
)

// partRetries is how often a later part of a long message is tried again in place after a
// busy answer; the earlier parts went out, so the whole message cannot be retried.
const partRetries = 3

// address is an SMPP address with its TON and NPI: digits (with or without a leading +) are
// international/E.164, anything else an alphanumeric sender; settings override either.
func address(s string, ton, npi *int) (string, byte, byte) {
	digits := strings.TrimPrefix(s, "+")
	t, n := byte(1), byte(1)
	if digits == "" || strings.Trim(digits, "0123456789") != "" {
		digits, t, n = s, 5, 0
	}
	if ton != nil {
		t = byte(*ton)
	}
	if npi != nil {
		n = byte(*npi)
	}
	return digits, t, n
}

// Send submits every part of m. See the sms package for what each error class promises.
func (g *Gateway) Send(ctx context.Context, m sms.Outbound) (sms.Sent, error) {
	from := m.From
	if from == "" && len(g.cfg.Addresses) > 0 {
		from = g.cfg.Addresses[0]
	}
	src, srcTON, srcNPI := address(from, g.set.SourceTON, g.set.SourceNPI)
	dst, dstTON, dstNPI := address(m.To, g.set.DestTON, g.set.DestNPI)
	if dst == "" || len(dst) > maxAddr-1 || dstTON == 5 {
		return sms.Sent{}, sms.Permanent(sms.CodeInvalidTo, fmt.Errorf("smpp: %q is not a number an SMSC can send to", m.To))
	}
	if len(src) > maxAddr-1 || (srcTON == 5 && len(src) > 11) {
		return sms.Sent{}, sms.Permanent(sms.CodeUnknown, fmt.Errorf("smpp: sender %q is too long (11 characters for a name, 20 digits for a number)", from))
	}
	dc := g.dataCoding(m.Body)
	parts, err := pdu.SMPPSplit(m.Body, byte(g.ref.Add(1)), dc)
	if err != nil {
		return sms.Sent{}, sms.Permanent(sms.CodeBodyTooLong, fmt.Errorf("smpp: %w", err))
	}
	reg := byte(0)
	if *g.set.RegisteredDelivery || m.StatusReport {
		reg = 1
	}
	sent := sms.Sent{Segments: len(parts)}
	for i, part := range parts {
		esm := byte(0)
		if part.UDH {
			esm = esmUDHI
		}
		req := PDU{Command: SubmitSM, SM: &ShortMessage{
			SourceTON: srcTON, SourceNPI: srcNPI, Source: src,
			DestTON: dstTON, DestNPI: dstNPI, Dest: dst,
			ESMClass: esm, RegisteredDelivery: reg, DataCoding: part.DataCoding, ShortMessage: part.ShortMessage,
		}}
		id, err := g.submitPart(ctx, req, i, len(parts))
		if err != nil {
			return sent, err
		}
		sent.Refs = append(sent.Refs, id)
	}
	g.log.Debug("smpp: sent", "sid", m.SID, "parts", len(parts), "refs", sent.Refs)
	return sent, nil
}

// submitPart submits part i (from 0) of n and returns its message_id, or a classified
// failure. Before the first part went out, failures keep their class; after it, a part that
// may or may not go out makes the whole message uncertain, since a retry would send the
// earlier parts twice.
func (g *Gateway) submitPart(ctx context.Context, req PDU, i, n int) (string, error) {
	what := fmt.Sprintf("submit_sm part %d/%d", i+1, n)
	for try := 0; ; try++ {
		if err := g.throttle(ctx); err != nil {
			return "", g.notSent(i, n, fmt.Errorf("smpp: %s: %w", what, err))
		}
		s := g.session()
		if s == nil && i > 0 {
			s = g.waitBound(ctx, g.timeout())
		}
		if s == nil {
			return "", g.notSent(i, n, fmt.Errorf("smpp: %s: %w", what, ErrNotBound))
		}
		resp, written, err := s.request(ctx, req)
		if err != nil && !written {
			if i > 0 && !errors.Is(err, context.Canceled) && !errors.Is(err, context.DeadlineExceeded) && try < partRetries {
				continue // the bind dropped between parts: wait for the next one
			}
			return "", g.notSent(i, n, fmt.Errorf("smpp: %s: %w", what, err))
		}
		if err != nil {
			return "", sms.Uncertain(sms.CodeUnknown, fmt.Errorf("smpp: %s went out, its answer did not come: %w", what, err))
		}
		if resp.Status == StatusOK && resp.Command == SubmitSMResp {
			return resp.MessageID, nil
		}
		f := classifySubmit(resp.Status)
		if resp.Command == GenericNack {
			f = &sms.Failure{Permanent: true, Code: sms.CodeUnknown, Err: fmt.Errorf("smpp: %s: SMSC answered generic_nack %s", what, StatusName(resp.Status))}
		}
		if i == 0 || f.Permanent {
			f.Err = fmt.Errorf("smpp: %s: %w", what, f.Err)
			return "", f
		}
		if try >= partRetries {
			return "", sms.Uncertain(f.Code, fmt.Errorf("smpp: %s refused after the earlier parts went out: %w", what, f.Err))
		}
		wait := f.RetryAfter
		if wait == 0 {
			wait = time.Second
		}
		select {
		case <-time.After(wait):
		case <-ctx.Done():
			return "", sms.Uncertain(f.Code, fmt.Errorf("smpp: %s not sent after the earlier parts: %w", what, ctx.Err()))
		}
	}
}

// notSent classifies a part that did not go out: retryable when it is the first, else
// uncertain (the recipient may hold the earlier parts).
func (g *Gateway) notSent(i, n int, err error) error {
	if i == 0 {
		return sms.Retryable(sms.CodeUnknown, err)
	}
	return sms.Uncertain(sms.CodeUnknown, fmt.Errorf("%w (after %d of %d parts went out)", err, i, n))
}
