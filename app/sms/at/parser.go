// Package at speaks the AT command dialect of GSM/LTE modems (3GPP TS 27.007
// and 27.005): a line parser that tells command echoes, intermediate
// responses, final result codes, the "> " prompt and unsolicited result codes
// apart, and a Session in which one goroutine owns the port and callers send
// commands through it.
package at

import (
	"strconv"
	"strings"
)

// Kind classifies one event the parser produced.
type Kind int

const (
	// KindInfo is an intermediate response line of the command in flight
	// (+CSQ: 20,99, a PDU line after +CMGR:, a bare IMEI).
	KindInfo Kind = iota
	// KindEcho is the modem repeating the command (ATE1) or the PDU typed
	// after the prompt.
	KindEcho
	// KindOK is the final result code OK.
	KindOK
	// KindError is a final result code that ends a command unsuccessfully:
	// ERROR, +CME ERROR: n, +CMS ERROR: n, NO CARRIER, BUSY, NO ANSWER,
	// NO DIALTONE.
	KindError
	// KindPrompt is "> ", the modem waiting for a PDU (AT+CMGS).
	KindPrompt
	// KindNotice is an unsolicited result code (+CMTI, +CMT with its PDU,
	// +CDS with its PDU, +CDSI, RING, ^vendor notices, boot noise).
	KindNotice
)

func (k Kind) String() string {
	switch k {
	case KindInfo:
		return "info"
	case KindEcho:
		return "echo"
	case KindOK:
		return "ok"
	case KindError:
		return "error"
	case KindPrompt:
		return "prompt"
	case KindNotice:
		return "notice"
	}
	return "kind(" + strconv.Itoa(int(k)) + ")"
}

// Event is one classified unit of modem output.
type Event struct {
	Kind Kind
	// Line is the text without its line terminator ("> " for a prompt).
	Line string
	// Notice is set for KindNotice.
	Notice *Notice
	// Err is set for KindError.
	Err *Error
}

// MaxLine caps one line; longer lines are cut (a PDU line is at most 2×176
// hex digits plus a prefix, so this only stops runaway garbage).
const MaxLine = 4096

// Parser turns modem output, in chunks split anywhere, into events. It keeps
// the partial line between Feed calls, and a +CMT:/+CDS: header until its PDU
// line arrives. Echo and URC-versus-response decisions depend on the command
// in flight, which its owner sets with SetCommand. A Parser is not safe for
// concurrent use; the Session's owner goroutine is its only user.
type Parser struct {
	buf     []byte
	cut     bool    // the current line passed MaxLine; the rest is dropped
	pending *Notice // +CMT:/+CDS: waiting for its PDU line
	command string  // the command in flight ("" when idle), for echo and URC decisions
}

// SetCommand tells the parser which command (or, after the prompt, which PDU
// text) is in flight; "" when none is.
func (p *Parser) SetCommand(cmd string) { p.command = strings.TrimSpace(cmd) }

// Feed consumes one chunk and returns the events it completed.
func (p *Parser) Feed(chunk []byte) []Event {
	var out []Event
	for _, c := range chunk {
		switch c {
		case 0:
			// boot noise on some modems; never part of a line
		case '\r', '\n':
			if len(p.buf) > 0 {
				out = p.line(out, string(p.buf))
				p.buf = p.buf[:0]
			}
			p.cut = false
		default:
			if len(p.buf) >= MaxLine {
				p.cut = true
				continue
			}
			p.buf = append(p.buf, c)
			// The prompt has no line terminator: "> " at the start of a
			// line is the prompt itself.
			if len(p.buf) == 2 && p.buf[0] == '>' && p.buf[1] == ' ' && !p.cut && p.pending == nil {
				p.buf = p.buf[:0]
				out = append(out, Event{Kind: KindPrompt, Line: "> "})
			}
		}
	}
	return out
}

func (p *Parser) line(out []Event, raw string) []Event {
	text := strings.TrimRight(strings.TrimLeft(raw, " "), " ")
	if text == "" {
		return out
	}
	if n := p.pending; n != nil {
		p.pending = nil
		// The line after +CMT:/+CDS: is the PDU; a header with no PDU (a
		// final code or another notice arriving instead) is delivered as is.
		if isHex(text) {
			n.PDU = text
			return append(out, Event{Kind: KindNotice, Line: n.Line, Notice: n})
		}
		out = append(out, Event{Kind: KindNotice, Line: n.Line, Notice: n})
	}
	if p.command != "" && isEcho(text, p.command) {
		return append(out, Event{Kind: KindEcho, Line: text})
	}
	if text == "OK" {
		return append(out, Event{Kind: KindOK, Line: text})
	}
	if e := parseFinalError(text); e != nil {
		return append(out, Event{Kind: KindError, Line: text, Err: e})
	}
	if n := p.notice(text); n != nil {
		if n.Name == "+CMT" || n.Name == "+CDS" {
			p.pending = n
			return out
		}
		return append(out, Event{Kind: KindNotice, Line: text, Notice: n})
	}
	return append(out, Event{Kind: KindInfo, Line: text})
}

// isEcho: the modem repeats the command as typed (ATE1), and after the prompt
// the PDU followed by Ctrl-Z.
func isEcho(text, command string) bool {
	text = strings.TrimRight(text, "\x1a\x1b")
	return strings.EqualFold(strings.TrimSpace(text), command)
}

// finalWords end a command unsuccessfully with no code.
var finalWords = map[string]bool{"ERROR": true, "NO CARRIER": true, "BUSY": true, "NO ANSWER": true, "NO DIALTONE": true}

func parseFinalError(text string) *Error {
	if finalWords[text] {
		return &Error{Kind: text}
	}
	for _, k := range []string{"+CME ERROR:", "+CMS ERROR:"} {
		if rest, ok := strings.CutPrefix(text, k); ok {
			e := &Error{Kind: k[:len(k)-len(" ERROR:")], Text: strings.TrimSpace(rest)}
			if n, err := strconv.Atoi(e.Text); err == nil {
				e.Code, e.Text = n, ""
			} else {
				e.Code = -1 // verbose form (+CMEE=2): the text is kept
			}
			return e
		}
	}
	return nil
}

// alwaysNotices are never a reply to a command.
var alwaysNotices = map[string]bool{
	"+CMTI": true, "+CMT": true, "+CDS": true, "+CDSI": true, "+CBM": true, "+CBMI": true,
	"RING": true, "+CRING": true, "+CLIP": true, "+CUSD": true, "+CIEV": true,
	"RDY": true, "SMS READY": true, "CALL READY": true, "PB DONE": true, "+PBREADY": true,
}

// replyNotices are notices unless the command in flight queries them
// (+CREG: 1 after AT+CREG=1 is a change notice; +CREG: 1,1 answers AT+CREG?).
var replyNotices = map[string]bool{"+CREG": true, "+CGREG": true, "+CEREG": true, "+CPIN": true, "+CSQ": true, "+CFUN": true}

func (p *Parser) notice(text string) *Notice {
	name := noticeName(text)
	switch {
	case alwaysNotices[strings.ToUpper(name)]:
	case strings.HasPrefix(name, "^"):
		// vendor notices (^RSSI:, ^MODE:, ^BOOT:, ^SIMST:); a ^ command's
		// own reply is an info line
		if p.command != "" && strings.HasPrefix(strings.ToUpper(p.command), "AT"+strings.ToUpper(name)) {
			return nil
		}
	case replyNotices[name]:
		if p.command != "" && strings.HasPrefix(strings.ToUpper(p.command), "AT"+name) {
			return nil
		}
	default:
		return nil
	}
	n := &Notice{Name: name, Line: text}
	switch name {
	case "+CMTI", "+CDSI":
		n.Storage, n.Index = parseStorageIndex(text)
	case "+CMT", "+CDS":
		n.Length = lastInt(text)
	}
	return n
}

// noticeName is the part before ':' (upper-cased for +/^ names), or the
// whole line for bare words (RING, RDY).
func noticeName(text string) string {
	if name, _, ok := strings.Cut(text, ":"); ok && (strings.HasPrefix(name, "+") || strings.HasPrefix(name, "^")) {
		return strings.ToUpper(strings.TrimSpace(name))
	}
	return strings.ToUpper(text)
}

func parseStorageIndex(text string) (string, int) {
	_, rest, _ := strings.Cut(text, ":")
	mem, idx, ok := strings.Cut(rest, ",")
	if !ok {
		return "", -1
	}
	i, err := strconv.Atoi(strings.TrimSpace(idx))
	if err != nil {
		i = -1
	}
	return strings.Trim(strings.TrimSpace(mem), `"`), i
}

func lastInt(text string) int {
	_, rest, _ := strings.Cut(text, ":")
	parts := strings.Split(rest, ",")
	n, err := strconv.Atoi(strings.TrimSpace(parts[len(parts)-1]))
	if err != nil {
		return -1
	}
	return n
}

func isHex(s string) bool {
	if len(s)%2 != 0 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F') {
			return false
		}
	}
	return true
}
