package sip

import (
	"context"
	"errors"

	gosip "github.com/emiago/sipgo/sip"
)

// The in-dialog requests of a call reach one of two sipgo sessions: the
// server session of an inbound call or the client session of an outbound
// leg. These helpers hide which.

// readRequest checks and records the CSeq of an in-dialog request.
func (c *Call) readRequest(req *gosip.Request, tx gosip.ServerTransaction) error {
	if c.out != nil {
		return c.out.ReadRequest(req, tx)
	}
	return c.dlg.ReadRequest(req, tx)
}

// readAck takes the ACK of our 2xx (inbound INVITE or any re-INVITE).
func (c *Call) readAck(req *gosip.Request, tx gosip.ServerTransaction) {
	if c.out != nil {
		_ = c.out.ReadRequest(req, tx)
		return
	}
	_ = c.dlg.ReadAck(req, tx)
}

// readBye answers the far end's BYE (200) and ends the dialog, which ends
// the call's context.
func (c *Call) readBye(req *gosip.Request, tx gosip.ServerTransaction) error {
	// The requests the far end sent before this BYE are handled first: an
	// INFO's digit pressed before hanging up reaches the call ahead of its end.
	if ok, gap := c.awaitEarlier(req.CSeq().SeqNo); !ok {
		c.srv.log.Debug("sip bye: requests numbered before it never came", "call_id", c.CallID, "missing", gap, "waited", byeOrderWait)
	}
	if c.out != nil {
		return c.out.ReadBye(req, tx)
	}
	c.mu.Lock()
	c.byeCame = true
	c.mu.Unlock()
	return c.dlg.ReadBye(req, tx)
}

// hangupOut ends an answered outbound leg with BYE; on an ended one it
// only releases it.
func (c *Call) hangupOut(ctx context.Context) error {
	defer c.stop()
	if c.out.LoadState() == gosip.DialogStateEnded {
		c.cancel(ErrCallEnded)
		c.out.Close()
		return nil
	}
	c.cancel(ErrHangup) // first, so it is the cause and not the dialog's end
	err := c.out.Bye(ctx)
	if err != nil && !errors.Is(err, context.Canceled) {
		return err
	}
	return nil
}
