package at

import (
	"errors"
	"fmt"
	"strconv"
)

var (
	// ErrTimeout: the modem gave no final result code within the command's
	// time limit.
	ErrTimeout = errors.New("at: modem did not answer in time")
	// ErrClosed: the port is gone (read or write failed, EOF, or Close). The
	// session is finished; the gateway reopens the port and starts a new one.
	ErrClosed = errors.New("at: port closed")
	// ErrNoPrompt: AT+CMGS was answered with something other than "> ".
	ErrNoPrompt = errors.New("at: modem did not prompt for the PDU")
	// ErrPDUWritten joins the error of an AT+CMGS that ended without a final
	// result code (timeout, cancellation, the port gone) after the PDU was
	// written: the modem may have sent the message, so sending it again may
	// send it twice.
	ErrPDUWritten = errors.New("at: the PDU was written")
	// ErrPINRequired: the SIM asks for a PIN and none was configured.
	ErrPINRequired = errors.New("at: SIM PIN required")
	// ErrPUKRequired: the SIM is locked after wrong PINs; a person must act.
	ErrPUKRequired = errors.New("at: SIM PUK required")
	// ErrBadCommand: a command with a line break or Ctrl-Z in it, or an empty one.
	ErrBadCommand = errors.New("at: bad command")
)

// Error is a final result code other than OK. Kind is "ERROR", "+CME",
// "+CMS", "NO CARRIER", "BUSY", "NO ANSWER" or "NO DIALTONE". Code is the
// numeric code of +CME/+CMS ERROR (-1 for the verbose text form, kept in
// Text); 0 for the others.
type Error struct {
	Kind    string
	Code    int
	Text    string
	Command string
}

func (e *Error) Error() string {
	s := e.Kind
	switch {
	case e.Kind == "+CME" || e.Kind == "+CMS":
		s += " ERROR: "
		if e.Code >= 0 {
			s += strconv.Itoa(e.Code)
		} else {
			s += e.Text
		}
	}
	if e.Command != "" {
		return fmt.Sprintf("at: %s: %s", e.Command, s)
	}
	return "at: " + s
}

// CMSCode is the +CMS ERROR code in err's chain, if there is one.
func CMSCode(err error) (int, bool) {
	var e *Error
	if errors.As(err, &e) && e.Kind == "+CMS" && e.Code >= 0 {
		return e.Code, true
	}
	return 0, false
}

// CMECode is the +CME ERROR code in err's chain, if there is one.
func CMECode(err error) (int, bool) {
	var e *Error
	if errors.As(err, &e) && e.Kind == "+CME" && e.Code >= 0 {
		return e.Code, true
	}
	return 0, false
}

// Notice is an unsolicited result code.
type Notice struct {
	// Name is the code's name, upper-cased: "+CMTI", "+CMT", "+CDS",
	// "+CDSI", "RING", "^RSSI", "+CREG", …
	Name string
	// Line is the whole header line as received.
	Line string
	// Storage and Index of a stored message (+CMTI: "SM",3) or status report
	// (+CDSI: "SR",1); Index is -1 when unparsable.
	Storage string
	Index   int
	// PDU (hex) and Length (TPDU octets) of +CMT and +CDS; PDU is empty when
	// the PDU line never came.
	PDU    string
	Length int
}
