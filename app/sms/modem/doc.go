// Package modem is the gateway kind "modem": a USB GSM/LTE modem spoken to
// with AT commands in PDU mode (app/sms/at, app/sms/pdu) through
// go.bug.st/serial.
//
// One Gateway drives one modem and keeps nothing global, so several modems
// run side by side. Its Run goroutine owns the session and everything the
// receiving side keeps (the long-message Reassembler, which SIM indexes
// hold which parts): it opens the device by name (a /dev/serial/by-id link
// survives replugging), initialises it, reads new messages on +CMTI/+CMT,
// sweeps the SIM with AT+CMGL=4 at start and every sweep_seconds (notices
// get lost), reads status reports from +CDS/+CDSI, checks signal and
// registration every health_seconds, and reopens the device with capped,
// jittered exponential back-off when it disappears. A wrong PIN is never
// sent twice: the gateway goes to "blocked" until a person fixes the PIN.
//
// A message is deleted from the SIM only after the Sink committed it, with
// every SIM index of its parts; parts still waiting keep theirs, so a crash
// leaves them on the SIM for the next start-up sweep. Send runs on the
// caller's goroutine through the same session, whose commands run one at a
// time in arrival order: a long send and the receiving side take turns
// part by part.
package modem
