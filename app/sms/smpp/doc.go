// Package smpp is the "smpp" gateway kind: an SMPP 3.4 client (ESME) that binds to an SMSC
// as a transceiver and carries the appliance's messages over one TCP connection. It is our
// own code; no Go SMPP library is served here.
//
// # Pieces
//
//   - pdu.go: the codec for the PDUs an ESME transceiver needs (bind_transceiver, submit_sm,
//     deliver_sm, enquire_link, unbind, their responses, generic_nack) with optional TLVs.
//     C-octet strings are held to their spec maximums; a command_length under 16 or over
//     MaxPDULen is refused from the header, before anything is allocated (FuzzDecode).
//   - session.go: one connection. Any goroutine may send a request; a window bounds those in
//     flight, each waits for its response by sequence number with a timeout. One reader
//     goroutine answers the SMSC's enquire_link and unbind and passes deliver_sm on;
//     keepAlive sends enquire_link when the link has been idle.
//   - gateway.go: Run binds, serves and re-binds with capped exponential back-off and jitter;
//     a bind refused for its credentials is StateBlocked and waits the longest back-off, so a
//     wrong password does not hammer the SMSC (or lock the account).
//   - send.go: a long message becomes several submit_sm with the concatenation UDH (esm_class
//     0x40) from pdu.SMPPSplit, which never cuts an escape sequence or an emoji. Each part's
//     message_id is a Ref. Busy answers (throttled, queue full, system error) are retryable;
//     answers about the message (bad address, length) are permanent; a submit_sm written
//     whose answer never came is uncertain, never retried; no bind at all is retryable.
//   - deliver.go: one goroutine owns what arrives. A delivery receipt (esm_class 0x04 or
//     0x08) becomes a Report by its receipted_message_id / message_state TLVs or its text
//     ("id:… stat:DELIVRD err:…"); an MO message is reassembled (UDH or sar_* TLVs) and
//     handed to the Sink. deliver_sm_resp is ESME_ROK only after the Sink took it; otherwise
//     ESME_RX_T_APPN (0x64) so the SMSC delivers it again.
//
// # At-least-once, and where it is not
//
// An SMPP 3.4 MO message has no id. While a message is held here (its parts, or a message
// the Sink refused) the sender plus a hash of the content recognises the SMSC's redeliveries;
// the queue gets no ProviderID, because the same sender may send the very same text again.
// A redelivery after a crash between the commit and deliver_sm_resp is stored twice. Parts of a long MO message are acknowledged when they
// are held in memory: a crash between parts loses the earlier parts (the later ones then
// arrive as an incomplete message with pdu.MissingMarker).
package smpp
