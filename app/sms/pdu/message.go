package pdu

import (
	"encoding/hex"
	"fmt"
	"strings"
	"time"
)

// Message is a decoded PDU: *Deliver, *Submit or *StatusReport.
type Message interface{ isMessage() }

// Submit is an SMS-SUBMIT: a message the modem sends to the network.
type Submit struct {
	SMSC             Address // empty: the modem's own SMSC (field 00)
	RejectDuplicates bool
	ReplyPath        bool
	StatusReport     bool          // TP-SRR: ask for a status report
	MessageRef       byte          // TP-MR; most modems replace it with their own counter
	To               Address       // TP-DA
	PID              byte          // TP-PID, 0 for a plain message
	Validity         time.Duration // relative TP-VP; 0 leaves the field out (the SMSC's default)
	UserData
}

// Deliver is an SMS-DELIVER: a message the network brought to the modem.
type Deliver struct {
	SMSC         Address
	MoreToSend   bool // TP-MMS inverted: more messages wait at the SMSC
	ReplyPath    bool
	StatusReport bool // TP-SRI: the sender asked for a status report
	From         Address
	PID          byte
	SCTimestamp  time.Time // in the zone the SMSC gave; zero when the stamp was unreadable
	UserData
}

// StatusReport is an SMS-STATUS-REPORT: the fate of a message sent with StatusReport set.
type StatusReport struct {
	SMSC          Address
	MessageRef    byte // TP-MR of the SUBMIT it reports on
	Recipient     Address
	SCTimestamp   time.Time
	DischargeTime time.Time
	Status        byte // TP-ST
	UserData           // optional, usually empty
}

func (*Submit) isMessage()       {}
func (*Deliver) isMessage()      {}
func (*StatusReport) isMessage() {}

// Outcome is what a status report says about the message.
type Outcome int

const (
	Delivered Outcome = iota // transaction completed (0x00–0x1F)
	Pending                  // temporary error, the SMSC still tries (0x20–0x3F)
	Failed                   // permanent error, or temporary and the SMSC gave up (0x40–0x7F, reserved)
)

func (o Outcome) String() string {
	switch o {
	case Delivered:
		return "delivered"
	case Pending:
		return "pending"
	}
	return "failed"
}

// Outcome classifies the TP-ST status code (TS 23.040 §9.2.3.15).
func (r *StatusReport) Outcome() Outcome { return StatusOutcome(r.Status) }

// StatusOutcome classifies a TP-ST status code.
func StatusOutcome(st byte) Outcome {
	switch {
	case st < 0x20:
		return Delivered
	case st < 0x40:
		return Pending
	}
	return Failed
}

// Encode returns the PDU (SMSC field then the TPDU) and the TPDU length, which is the number
// AT+CMGS wants.
func (s *Submit) Encode() (pdu []byte, tpduLen int, err error) {
	out, err := appendSMSC(nil, s.SMSC)
	if err != nil {
		return nil, 0, err
	}
	start := len(out)
	fo := byte(0x01)
	if s.RejectDuplicates {
		fo |= 0x04
	}
	if s.Validity > 0 {
		fo |= 0x10
	}
	if s.StatusReport {
		fo |= 0x20
	}
	if s.ReplyPath {
		fo |= 0x80
	}
	out = append(out, fo, s.MessageRef)
	if s.To.Number == "" {
		return nil, 0, fmt.Errorf("submit: no destination address")
	}
	if isAlphanumeric(s.To.Type) {
		return nil, 0, fmt.Errorf("submit: destination %q cannot be alphanumeric", s.To.Number)
	}
	if out, err = appendAddress(out, s.To); err != nil {
		return nil, 0, fmt.Errorf("submit: destination: %w", err)
	}
	dcs, err := s.dcs()
	if err != nil {
		return nil, 0, fmt.Errorf("submit: %w", err)
	}
	out = append(out, s.PID, dcs)
	if s.Validity > 0 {
		out = append(out, validityOctet(s.Validity))
	}
	out, udhi, err := appendUserData(out, s.UserData)
	if err != nil {
		return nil, 0, fmt.Errorf("submit: %w", err)
	}
	if udhi {
		out[start] |= 0x40
	}
	return out, len(out) - start, nil
}

// EncodeHex is Encode for AT+CMGS: the upper-case hex PDU to send after the prompt, and the
// length to put in AT+CMGS=<n> (the TPDU only, without the SMSC field).
func (s *Submit) EncodeHex() (string, int, error) {
	b, n, err := s.Encode()
	if err != nil {
		return "", 0, err
	}
	return strings.ToUpper(hex.EncodeToString(b)), n, nil
}

// Encode returns the PDU of a DELIVER (SMSC field then TPDU), as a modem stores it; the
// fake modem and tests use it.
func (d *Deliver) Encode() ([]byte, error) {
	out, err := appendSMSC(nil, d.SMSC)
	if err != nil {
		return nil, err
	}
	start := len(out)
	fo := byte(0x00)
	if !d.MoreToSend {
		fo |= 0x04
	}
	if d.StatusReport {
		fo |= 0x20
	}
	if d.ReplyPath {
		fo |= 0x80
	}
	out = append(out, fo)
	if out, err = appendAddress(out, d.From); err != nil {
		return nil, fmt.Errorf("deliver: originator: %w", err)
	}
	dcs, err := d.dcs()
	if err != nil {
		return nil, fmt.Errorf("deliver: %w", err)
	}
	out = appendTimestamp(append(out, d.PID, dcs), d.SCTimestamp)
	out, udhi, err := appendUserData(out, d.UserData)
	if err != nil {
		return nil, fmt.Errorf("deliver: %w", err)
	}
	if udhi {
		out[start] |= 0x40
	}
	return out, nil
}

// Encode returns the PDU of a STATUS-REPORT (SMSC field then TPDU), without the optional
// PID/DCS/UD; the fake modem and tests use it.
func (r *StatusReport) Encode() ([]byte, error) {
	out, err := appendSMSC(nil, r.SMSC)
	if err != nil {
		return nil, err
	}
	out = append(out, 0x06, r.MessageRef) // MTI 10, no more messages
	if out, err = appendAddress(out, r.Recipient); err != nil {
		return nil, fmt.Errorf("status report: recipient: %w", err)
	}
	out = appendTimestamp(out, r.SCTimestamp)
	out = appendTimestamp(out, r.DischargeTime)
	return append(out, r.Status), nil
}

// DecodeHex decodes a PDU written in hex, as +CMGR, +CMGL, +CMT and +CDS show it.
func DecodeHex(s string) (Message, error) {
	b, err := hex.DecodeString(strings.TrimSpace(s))
	if err != nil {
		return nil, fmt.Errorf("%w: not hex: %v", ErrMalformed, err)
	}
	return Decode(b)
}

// Decode decodes a PDU that starts with the SMSC field (as modems give them in PDU mode).
// The message type comes from TP-MTI read in the direction a modem sees stored messages:
// 00 DELIVER, 01 SUBMIT, 10 STATUS-REPORT.
func Decode(b []byte) (Message, error) {
	smsc, n, err := readSMSC(b)
	if err != nil {
		return nil, err
	}
	m, err := DecodeTPDU(b[n:])
	if err != nil {
		return nil, err
	}
	switch v := m.(type) {
	case *Deliver:
		v.SMSC = smsc
	case *Submit:
		v.SMSC = smsc
	case *StatusReport:
		v.SMSC = smsc
	}
	return m, nil
}

// DecodeTPDU decodes a TPDU without the SMSC field.
func DecodeTPDU(b []byte) (Message, error) {
	if len(b) < 1 {
		return nil, fmt.Errorf("%w: no TPDU", ErrTruncated)
	}
	switch b[0] & 0x03 {
	case 0x00:
		return decodeDeliver(b)
	case 0x01:
		return decodeSubmit(b)
	case 0x02:
		return decodeStatusReport(b)
	}
	return nil, fmt.Errorf("%w: message type indicator 11 is reserved", ErrMalformed)
}

// reader walks a TPDU with bounds checks.
type reader struct {
	b   []byte
	off int
}

func (r *reader) byte(what string) (byte, error) {
	if r.off >= len(r.b) {
		return 0, fmt.Errorf("%w: %s missing at octet %d", ErrTruncated, what, r.off)
	}
	r.off++
	return r.b[r.off-1], nil
}

func (r *reader) bytes(n int, what string) ([]byte, error) {
	if r.off+n > len(r.b) {
		return nil, fmt.Errorf("%w: %s needs %d octets at octet %d, have %d", ErrTruncated, what, n, r.off, len(r.b)-r.off)
	}
	r.off += n
	return r.b[r.off-n : r.off], nil
}

func (r *reader) address(what string) (Address, error) {
	a, n, err := readAddress(r.b[r.off:], what)
	r.off += n
	return a, err
}

func (r *reader) dcs() (Coding, Class, error) {
	d, err := r.byte("DCS")
	if err != nil {
		return 0, 0, err
	}
	return parseDCS(d)
}

func decodeDeliver(b []byte) (*Deliver, error) {
	r := &reader{b: b}
	fo, _ := r.byte("first octet")
	d := &Deliver{MoreToSend: fo&0x04 == 0, StatusReport: fo&0x20 != 0, ReplyPath: fo&0x80 != 0}
	var err error
	if d.From, err = r.address("originator"); err != nil {
		return nil, fmt.Errorf("deliver: %w", err)
	}
	if d.PID, err = r.byte("PID"); err != nil {
		return nil, fmt.Errorf("deliver: %w", err)
	}
	coding, class, err := r.dcs()
	if err != nil {
		return nil, fmt.Errorf("deliver: %w", err)
	}
	ts, err := r.bytes(7, "time stamp")
	if err != nil {
		return nil, fmt.Errorf("deliver: %w", err)
	}
	d.SCTimestamp = readTimestamp(ts)
	if d.UserData, err = readUserData(b[r.off:], coding, fo&0x40 != 0); err != nil {
		return nil, fmt.Errorf("deliver: %w", err)
	}
	d.Class = class
	return d, nil
}

func decodeSubmit(b []byte) (*Submit, error) {
	r := &reader{b: b}
	fo, _ := r.byte("first octet")
	s := &Submit{RejectDuplicates: fo&0x04 != 0, StatusReport: fo&0x20 != 0, ReplyPath: fo&0x80 != 0}
	var err error
	if s.MessageRef, err = r.byte("message reference"); err != nil {
		return nil, fmt.Errorf("submit: %w", err)
	}
	if s.To, err = r.address("destination"); err != nil {
		return nil, fmt.Errorf("submit: %w", err)
	}
	if s.PID, err = r.byte("PID"); err != nil {
		return nil, fmt.Errorf("submit: %w", err)
	}
	coding, class, err := r.dcs()
	if err != nil {
		return nil, fmt.Errorf("submit: %w", err)
	}
	switch (fo >> 3) & 0x03 {
	case 0x02: // relative
		v, err := r.byte("validity period")
		if err != nil {
			return nil, fmt.Errorf("submit: %w", err)
		}
		s.Validity = validityDuration(v)
	case 0x01, 0x03: // enhanced, absolute: read past, not kept
		if _, err := r.bytes(7, "validity period"); err != nil {
			return nil, fmt.Errorf("submit: %w", err)
		}
	}
	if s.UserData, err = readUserData(b[r.off:], coding, fo&0x40 != 0); err != nil {
		return nil, fmt.Errorf("submit: %w", err)
	}
	s.Class = class
	return s, nil
}

func decodeStatusReport(b []byte) (*StatusReport, error) {
	r := &reader{b: b}
	fo, _ := r.byte("first octet")
	s := &StatusReport{}
	var err error
	if s.MessageRef, err = r.byte("message reference"); err != nil {
		return nil, fmt.Errorf("status report: %w", err)
	}
	if s.Recipient, err = r.address("recipient"); err != nil {
		return nil, fmt.Errorf("status report: %w", err)
	}
	ts, err := r.bytes(14, "time stamps")
	if err != nil {
		return nil, fmt.Errorf("status report: %w", err)
	}
	s.SCTimestamp, s.DischargeTime = readTimestamp(ts[:7]), readTimestamp(ts[7:])
	if s.Status, err = r.byte("status"); err != nil {
		return nil, fmt.Errorf("status report: %w", err)
	}
	pi, err := r.byte("parameter indicator")
	if err != nil || pi&0x80 != 0 || pi&0x07 == 0 {
		// No TP-PI (or an extended one we do not read): the report ends here, as most do.
		return s, nil
	}
	if pi&0x01 != 0 {
		if _, err := r.byte("PID"); err != nil {
			return nil, fmt.Errorf("status report: %w", err)
		}
	}
	coding := GSM7
	if pi&0x02 != 0 {
		if coding, s.Class, err = r.dcs(); err != nil {
			return nil, fmt.Errorf("status report: %w", err)
		}
	}
	if pi&0x04 != 0 {
		class := s.Class
		if s.UserData, err = readUserData(b[r.off:], coding, fo&0x40 != 0); err != nil {
			return nil, fmt.Errorf("status report: %w", err)
		}
		s.Class = class
	}
	return s, nil
}
